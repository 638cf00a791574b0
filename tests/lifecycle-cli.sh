#!/bin/sh
# nhicard revoke / reinstate without a card reader (docs/lifecycle.md):
# loss reports recorded with who and how, the revocation queued in the
# revocation lane in the same transaction, reinstatement of a card found,
# every refusal with its exit code and nothing half-recorded, the
# loss-report receipt, and an audit entry for each outcome.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

: "${SQLITE3:=sqlite3}"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
CONF=$TEST_TMP/nhicard.conf
DB=$TEST_TMP/s.db
cat >"$CONF" <<EOC
[station]
mode = test
municipality_code = 131016
insurer_number = 133116
[rules]
law = pilot
[print]
templates_dir = $top_srcdir/templates
insurer_name = 千代田区
EOC
nhc() { run "$NHICARD" --config "$CONF" --db "$DB" "$@"; }
sql() { "$SQLITE3" "$DB" "$1"; }
# card RESIDENT STATE [REASON]: a card row as personalization leaves it.
card() {
	sql "INSERT INTO cards (resident_id, kind, card_serial, user_number, key_generation,
	  state, state_reason, created_at, updated_at) VALUES ($1, 'juki_existing',
	  lower(hex(randomblob(10))), randomblob(16), 1, '$2', ${3:-NULL}, 'x', 'x');
	  SELECT last_insert_rowid();"
}
queued() { sql "SELECT count(*) FROM queue_records"; }
state() { sql "SELECT state || '/' || coalesce(state_reason, '') FROM cards WHERE id = $1"; }

nhc db init
for who in "山田 太郎|ヤマダ タロウ|1980-04-01" "鈴木 花子|スズキ ハナコ|1990-02-03"; do
	IFS='|' read -r k n b <<EOW
$who
EOW
	nhc resident add --name-kanji "$k" --name-kana "$n" --birth "$b" --sex 1 \
	    --address "東京都千代田区千代田1-1"
	[ "$rc" = 0 ] || bail "resident add: $out"
done
c1=$(card 1 active)

# ---- usage errors: nothing recorded
q0=$(queued)
nhc revoke 1 --reported-by holder --how phone
is "$rc" 2 "a missing --reason is a usage error"
like "$out" "--reason is required" "it says --reason is required"
nhc revoke 1 --reason misplaced --reported-by holder --how phone
is "$rc" 2 "an unknown reason is a usage error"
like "$out" "expected lost, stolen, damaged, died or eligibility_ended" "it lists the reasons"
nhc revoke 1 --reason replaced --reported-by holder --how phone
is "$rc" 2 "'replaced' is not a reason a report gives"
nhc revoke 1 --reason lost --reported-by holder --how fax
is "$rc" 2 "an unknown --how is a usage error"
like "$out" "--how: expected counter, phone or mail" "it lists the ways"
nhc revoke 1 --reason lost --how phone
is "$rc" 2 "a missing --reported-by is a usage error"
nhc revoke 1 --reason lost --how phone \
    --reported-by "$(printf '%070d' 0)"
is "$rc" 2 "an over-long --reported-by is refused"
nhc revoke 1 --reason died --reported-by family --how counter --replace
is "$rc" 2 "no replacement when the holder died"
nhc revoke --reason lost --reported-by holder --how phone
is "$rc" 2 "neither RESIDENT nor --card is a usage error"
nhc revoke --card x1 --reason lost --reported-by holder --how phone
is "$rc" 2 "a malformed card id is a usage error"
nhc revoke 99 --reason lost --reported-by holder --how phone
is "$rc" 3 "an unknown resident exits 3"
like "$out" "no resident with person code or id '99'" "it names what was looked for"
nhc revoke 2 --reason lost --reported-by holder --how phone
is "$rc" 3 "a resident without an active card exits 3"
like "$out" "resident 2 has no active NHI card" "it says so"
nhc revoke 2 --card "$c1" --reason lost --reported-by holder --how phone
is "$rc" 3 "a card of another resident exits 3"
like "$out" "card $c1 belongs to resident 1, not to resident 2" "it names both"
is "$(queued)/$(state "$c1")" "$q0/active/" "nothing was queued or changed by the errors"

# ---- a loss report by phone: suspended, revoked at the center at once
nhc revoke 1 --reason lost --reported-by holder --how phone
is "$rc" 0 "a loss report exits 0"
like "$out" "card $c1 \(serial [0-9a-f]{20}\) of resident 1: suspended \(lost\)" "the card is suspended (lost)"
like "$out" "revocation queued for the center: record [0-9]+ \(revocation lane\)" "the revocation is queued"
is "$(state "$c1")" "suspended/lost" "the store row is suspended (lost)"
is "$(sql "SELECT event || ' ' || from_state || '>' || to_state || ' ' || reported_by || ' ' ||
  report_how FROM card_events WHERE card_id = $c1 ORDER BY id DESC LIMIT 1")" \
    "report_lost active>suspended holder phone" "the report records who, how and the change"
like "$(sql "SELECT at FROM card_events WHERE card_id = $c1 ORDER BY id DESC LIMIT 1")" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T" "and when"
is "$(sql "SELECT lane || ' ' || kind FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    "revocation card_revoked" "the record is in the revocation lane"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    '"reason":"lost"' "with the reason"
un=$(sql "SELECT lower(hex(user_number)) FROM cards WHERE id = $c1")
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    "\"user_number\":\"$un\"" "naming the card's user number"

q1=$(queued)
nhc revoke 1 --card "$c1" --reason lost --reported-by holder --how counter
is "$rc" 1 "a second loss report for the same card exits 1"
like "$out" "card $c1 is suspended \(lost\): the loss was already reported" "it says why"
is "$(queued)" "$q1" "nothing more is queued"

# ---- found before a replacement: reinstated
nhc reinstate --card "$c1"
is "$rc" 0 "a card found before a replacement is reinstated"
like "$out" "reinstated, active" "it says so"
is "$(state "$c1")" "active/" "the row is active again, without a reason"
is "$(sql "SELECT lane || ' ' || kind FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    "revocation card_reinstated" "the center is told, behind the revocation"
nhc reinstate --card "$c1"
is "$rc" 1 "reinstating an active card exits 1"
like "$out" "card $c1 is active; there is nothing to reinstate" "it says why"
nhc reinstate
is "$rc" 2 "reinstate without --card is a usage error"
nhc reinstate --card 999
is "$rc" 3 "reinstating an unknown card exits 3"

# ---- stolen: revoked, never reinstated
nhc revoke --card "$c1" --reason stolen --reported-by holder --how counter
is "$rc" 0 "a theft report exits 0"
is "$(state "$c1")" "revoked/stolen" "the row is revoked (stolen)"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    '"reason":"stolen"' "the revocation says stolen"
nhc reinstate --card "$c1"
is "$rc" 1 "a stolen card is not reinstated"
like "$out" "card $c1 is revoked \(stolen\); only a card reported lost \(suspended\) can be reinstated" \
    "it says why"
nhc revoke --card "$c1" --reason damaged --reported-by holder --how counter
is "$rc" 1 "a revoked card is not revoked again"

# ---- reinstating would give the person a second active key
c2=$(card 2 suspended "'lost'")
c3=$(card 2 active)
q2=$(queued)
nhc reinstate --card "$c2"
is "$rc" 1 "reinstating while another card is active exits 1"
like "$out" "one active NHI key at a time" "it says one key per person"
is "$(state "$c2")/$(queued)" "suspended/lost/$q2" "nothing changed, nothing queued"

# ---- eligibility ended: revoked at the center (the Juki card stays in use)
nhc revoke 2 --reason eligibility_ended --reported-by register --how mail
is "$rc" 0 "eligibility ended exits 0"
is "$(state "$c3")" "revoked/eligibility_ended" "the active card is revoked (eligibility_ended)"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    '"reason":"eligibility_ended"' "the revocation says eligibility_ended"
# The person's suspended card is revoked too when named: no second record.
q3=$(queued)
nhc revoke --card "$c2" --reason died --reported-by family --how counter
is "$rc" 0 "a suspended card can be revoked for another reason"
is "$(state "$c2")/$(queued)" "revoked/died/$q3" "revoked (died), and the center already knew"

# ---- a card never issued cannot be revoked
c4=$(card 2 unfinished "'CARD_REMOVED: card was removed'")
nhc revoke --card "$c4" --reason lost --reported-by holder --how counter
is "$rc" 1 "an unfinished card cannot be revoked"
like "$out" "its key was never issued" "it says why"
unlike "$out" "CARD_REMOVED" "the failure text is not taken for a reason"

# ---- the loss-report receipt
c5=$(card 1 active)
if command -v pdftotext >/dev/null 2>&1; then
	serial=$(sql "SELECT card_serial FROM cards WHERE id = $c5")
	nhc revoke 1 --reason lost --reported-by holder --how counter \
	    --receipt "$TEST_TMP/loss.pdf"
	is "$rc" 0 "a loss report with --receipt exits 0"
	like "$out" "loss-report receipt printed" "the receipt is printed"
	t=$(pdftotext -layout "$TEST_TMP/loss.pdf" - 2>/dev/null)
	like "$t" "紛失届受理票" "the receipt is the loss-report receipt"
	like "$t" "$serial" "it names the card stopped"
	like "$t" "紛失届を受理し" "it says what was done"
	nhc revoke --card "$c5" --reason stolen --reported-by holder --how counter \
	    --receipt "$TEST_TMP/nodir/x.pdf"
	is "$rc" 5 "a receipt that cannot be written exits 5"
	like "$out" "card $c5 revoked, but the loss-report receipt was not printed" \
	    "and says the revocation stands"
	is "$(state "$c5")" "revoked/stolen" "the revocation stands"
else
	ok 0 "# SKIP pdftotext is not installed"
fi

# ---- losing eligibility revokes the key at the center, by itself
nhc resident add --name-kanji "佐藤 一郎" --name-kana "サトウ イチロウ" --birth 1970-01-01 \
    --sex 1 --address "東京都千代田区千代田1-1"
nhc eligibility add --insurer 133116 --symbol 1 --number 9 --kind hihokensha \
    --acquired 2020-04-01 3
is "$rc" 0 "resident 3 is insured"
c6=$(card 3 active)
pid=$(sql "SELECT id FROM eligibility_periods WHERE resident_id = 3")
q4=$(sql "SELECT count(*) FROM queue_records WHERE lane = 'revocation'")
nhc eligibility add --insurer 133116 --symbol 1 --number 8 --kind hihokensha \
    --acquired 2020-04-01 1
is "$(state "$c6")/$(sql "SELECT count(*) FROM queue_records WHERE lane = 'revocation'")" \
    "active//$q4" "an eligibility change elsewhere revokes nothing"
nhc eligibility correct "$pid" --lost 2021-04-01
is "$rc" 0 "the period is corrected: eligibility lost in 2021"
like "$out" "card $c6 of resident 3: revoked \(eligibility_ended\).*stays in use for its other services" \
    "the clerk is told the key is revoked and the card stays in use"
is "$(state "$c6")" "revoked/eligibility_ended" "the card is revoked (eligibility_ended)"
is "$(sql "SELECT lane || ' ' || kind FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    "revocation card_revoked" "in the revocation lane"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    '"reason":"eligibility_ended"' "with the reason eligibility_ended"
like "$(sql "SELECT detail FROM audit_log WHERE subject = 'card:$c6'")" \
    "reason=eligibility_ended automatic" "and an audit entry"

# ---- every outcome is in the audit trail, which is intact
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'card.revoke' AND outcome = 'ok'")" \
    "$(sql "SELECT count(*) FROM card_events WHERE event IN ('report_lost', 'revoke_stolen',
      'revoke_damaged', 'revoke_died', 'revoke_eligibility_ended')")" \
    "one ok audit entry per revocation"
like "$(sql "SELECT group_concat(DISTINCT outcome) FROM audit_log WHERE action = 'card.revoke'")" \
    "refused" "refusals are audited too"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'card.reinstate'")" 5 \
    "each reinstatement attempt is audited"
unlike "$(sql "SELECT group_concat(coalesce(detail, ''), ' ') FROM audit_log")" "山田|鈴木|holder" \
    "audit entries hold no names and not who reported"
nhc audit verify
is "$rc" 0 "the audit log verifies"
like "$out" "chain intact" "it says the chain is intact"

done_testing
