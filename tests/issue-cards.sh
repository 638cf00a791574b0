#!/bin/sh
# nhicard issue end to end through pcscd and the emulator: the three card
# kinds, the town's other applications left untouched, inspect, verify,
# lock, unlock and re-key; then each refusal (wrong card, wrong person,
# active NHI AP, no card, no such reader, no pcscd) with its exit code and
# nothing half-recorded in the store.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
make_store "$DB"
rows() { sql "SELECT count(*) FROM cards"; }
events() { sql "SELECT count(*) FROM card_events"; }

# ---- an existing Juki card
insert_card "$TEST_TMP/juki" juki
nhi card inspect
before=$(printf '%s\n' "$out" | grep 'other application')
is "$(printf '%s\n' "$before" | grep -c 'LCS 05')" 2 "the Juki card holds two other town applications"
like "$out" "^NHI AP: absent$" "no NHI AP before issuing"
unlike "$out" "$P_NAME" "inspect does not show the name without --show-items"
nhi card inspect --show-items
like "$out" "name: $P_NAME" "inspect --show-items shows the basic items"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'card.inspect' AND subject LIKE 'serial:%'
    AND detail = 'basic items shown'")" 1 "showing them is audited, by the card's serial (issue 16 item 13)"

nhi issue 1
is "$rc" 0 "issue on an existing Juki card exits 0"
like "$out" "^card: juki_existing, serial [0-9a-f]{20}: personalized \(11 APDUs\)$" "existing Juki card: 11 APDUs"
like "$out" "^key generation: 1$" "first key generation is 1"
like "$out" "^user number: [0-9a-f]{8}\.\.\. \(fingerprint\)$" "only a fingerprint of the user number is shown"
like "$out" "^other town applications: 2, untouched$" "the other applications are reported untouched"
is "$(sql "SELECT state || ' ' || kind || ' ' || key_generation FROM cards")" \
    "active juki_existing 1" "the store row is active"
is "$(sql "SELECT group_concat(event, ',') FROM card_events")" \
    "personalize_start,activated" "the store has the start and activation events"
un=$(sql "SELECT hex(user_number) FROM cards")
unlike "$out" "$un" "the whole user number is never printed"

nhi card inspect
after=$(printf '%s\n' "$out" | grep 'other application')
is "$after" "$before" "the other town applications are byte for byte as before"
like "$out" "^NHI AP: LCS 05 activated$" "the NHI AP is activated"
like "$out" "^  signature: verifies$" "the key record's signature verifies"
like "$out" "^  card kind: juki_existing$" "the record says the card kind"

nhi card verify
is "$rc" 0 "card verify exits 0"
like "$out" "challenge-response: verifies" "the card answers the challenge"
like "$out" "verdict: valid" "the verdict is valid"

# The same card again: refused, nothing recorded.
n0=$(rows) e0=$(events)
nhi issue 1
is "$rc" 1 "issuing onto a card with an active NHI AP exits 1"
like "$out" "already carries an active NHI AP" "the refusal says the card is active"
is "$(rows)/$(events)" "$n0/$e0" "nothing is recorded for the refusal"

# ---- lock, unlock, re-key
nhi card lock
is "$rc" 0 "card lock exits 0"
nhi card verify
is "$rc" 1 "a locked card does not verify"
like "$out" "no valid NHI AP \(locked\)" "verify says the card is locked"
nhi card unlock
is "$rc" 0 "card unlock exits 0 while the key is active"
nhi card verify
is "$rc" 0 "an unlocked card verifies again"
nhi card lock
sql "UPDATE cards SET state = 'revoked' WHERE id = 1"
nhi card unlock
is "$rc" 1 "unlocking a card whose key is revoked is refused"
nhi issue 1
is "$rc" 0 "a locked card with a revoked key is re-keyed"
like "$out" "re-keyed \(12 APDUs\)" "re-key: 12 APDUs"
like "$out" "^key generation: 2$" "re-key: key generation 2"
is "$(sql "SELECT group_concat(state || key_generation) FROM cards ORDER BY id")" \
    "revoked1,active2" "the old row stays revoked, the new one is active"
nhi card verify
is "$rc" 0 "the re-keyed card verifies"

# ---- a new Juki card (another resident: one active key per person)
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "鈴木 花子" \
    --name-kana "スズキ ハナコ" --birth 1990-02-03 --sex 2 --address "東京都千代田区丸の内2-2" >/dev/null
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
    --number 3 --kind hihokensha --acquired 2020-04-01 2 >/dev/null
# She asked for 性別 on the back (kept with her: issue 14).
"$NHICARD" --config "$CONF" --db "$DB" resident edit 2 --sex-on-back yes >/dev/null ||
    bail "resident edit --sex-on-back"
card_insert "$TEST_TMP/new" --kind juki-new -o "name=鈴木 花子" -o birth=19900203 -o sex=2 \
    -o "address=東京都千代田区丸の内2-2" -o municipality=131016 -o "keys=$KEYS"
mkdir "$TEST_TMP/print"
nhi issue --path new-juki --print-to "$TEST_TMP/print" 2
is "$rc" 0 "issue on a new Juki card exits 0"
like "$out" "juki_new, serial [0-9a-f]{20}: personalized \(12 APDUs\)" "new Juki card: 12 APDUs"
like "$out" "^town area: created$" "the town area was created"
like "$out" "^fee: 500 yen$" "a new Juki card costs the card fee"
# The same flow printed the certificate and the counter receipt.
serial=$(sql "SELECT serial FROM certificates WHERE resident_id = 2 AND voided_at IS NULL")
like "$serial" "^C-[0-9]{8}$" "issue recorded one valid certificate serial"
like "$out" "certificate $serial printed to $TEST_TMP/print/certificate-2.pdf" \
    "issue says where the certificate went"
text=$(pdftotext -enc UTF-8 "$TEST_TMP/print/certificate-2.pdf" - 2>&1 | tr -d ' ')
like "$text" "鈴木花子" "the certificate carries the resident's name"
like "$text" "$serial" "the certificate carries its serial"
is "$(pdftotext -f 1 -l 1 -enc UTF-8 "$TEST_TMP/print/certificate-2.pdf" - | grep -c 性別)" 0 \
    "issue: 性別 not on the front (the resident's kept request)"
like "$(pdftotext -f 2 -l 2 -layout -enc UTF-8 "$TEST_TMP/print/certificate-2.pdf" -)" "性別 +女" \
    "issue: 性別 on the back, with no per-print option"
card_serial=$(sql "SELECT card_serial FROM cards WHERE resident_id = 2")
text=$(pdftotext -enc UTF-8 "$TEST_TMP/print/receipt-2.pdf" - 2>&1 | tr -d ' \n')
like "$text" "$card_serial" "the counter receipt names the card serial"
like "$text" "$serial" "the counter receipt names the certificate serial"

# ---- a standalone card (a third resident)
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "John SMITH" \
    --name-kana "ジョン スミス" --birth 1985-05-05 --sex 1 --address "東京都千代田区神田3-3" \
    --nationality US --residence-status 技術 --stay-until 2030-01-01 >/dev/null
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
    --number 4 --kind hihokensha --acquired 2020-04-01 3 >/dev/null
nhi issue --path new-juki 3
is "$rc" 1 "the rules refuse a path they do not allow"
insert_card "$TEST_TMP/standalone" standalone
nhi issue --path standalone 3
is "$rc" 0 "issue on a blank standalone card exits 0"
like "$out" "standalone, serial [0-9a-f]{20}: personalized \(12 APDUs\)" "standalone card: 12 APDUs"
nhi card inspect
like "$out" "^key versions: 30 \(municipality\)$" "the transport keys were replaced by the town's"
nhi card verify
is "$rc" 0 "the standalone card verifies"

# ---- card personalize (IT staff: no rules, explicit kind)
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "佐藤 一郎" \
    --name-kana "サトウ イチロウ" --birth 1970-07-07 --sex 1 --address "東京都千代田区内幸町4-4" >/dev/null
insert_card "$TEST_TMP/standalone2" standalone
nhi card personalize 4
is "$rc" 2 "card personalize without --kind is a usage error"
nhi card personalize --kind standalone 4
is "$rc" 0 "card personalize writes a standalone card for a resident without eligibility"
like "$out" "standalone, serial [0-9a-f]{20}: personalized" "card personalize reports the card"
nhi issue --fee-waived nosuchreason --path standalone 999
is "$rc" 3 "an unknown resident exits 3"
like "$out" "no resident with id or person code '999'" "the unknown resident is named"

# ---- the certificate cannot be written: the card stays issued, no serial
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "Maria SANTOS" \
    --name-kana "マリア サントス" --birth 1992-06-06 --sex 2 --address "東京都千代田区神田4-4" \
    --nationality BR --residence-status 技術 --stay-until 2030-01-01 >/dev/null
pid=$(sql "SELECT id FROM residents WHERE name_kanji = 'Maria SANTOS'")
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
    --number 5 --kind hihokensha --acquired 2020-04-01 "$pid" >/dev/null
insert_card "$TEST_TMP/standalone-print" standalone
nhi issue --path standalone --print-to "$TEST_TMP/no/such/dir" "$pid"
is "$rc" 5 "issue whose certificate cannot be written exits 5"
like "$out" "the card is issued \(card record [0-9]+ is active\), but the certificate was not printed" \
    "the error says the card is issued and the certificate is not"
like "$out" "nhicard print certificate $pid" "the error says how to print it"
is "$(sql "SELECT state FROM cards WHERE resident_id = $pid")" active "the card stays issued"
is "$(sql "SELECT count(*) FROM certificates WHERE resident_id = $pid")" 0 \
    "no certificate serial is recorded for the paper that was not written"

# ---- wrong cards
n0=$(rows) e0=$(events)
card_insert "$TEST_TMP/echo"
nhi issue 1
is "$rc" 4 "an unknown ATR exits 4"
like "$out" "unknown card: its ATR [0-9a-f]+ is not on the allow-list" "the unknown ATR is named"
card_insert "$TEST_TMP/echo2" --atr 3b8880014a554b495445535402 -o aid=a000000001020304
nhi issue 1
is "$rc" 4 "a card with our ATR but no security domain exits 4"
like "$out" "no free-area security domain" "the missing SD is named"
insert_card "$TEST_TMP/other" juki -o municipality=011002
nhi issue 1
is "$rc" 4 "another municipality's card exits 4"
like "$out" "issued by municipality 011002" "the other municipality is named"
insert_card "$TEST_TMP/juki-for-standalone" juki
nhi issue --path standalone 3
is "$rc" 1 "a Juki card on the standalone path is refused"
like "$out" "is a Juki card, not a standalone card" "the refusal says which card is wanted"
is "$(rows)/$(events)" "$n0/$e0" "wrong cards record nothing"

# ---- wrong person: each one of the four items differs, separately
wrong() {
	label=$1
	shift
	"$NHICARD" --config "$CONF" --db "$DB" resident add "$@" >/dev/null
	id=$(sql "SELECT max(id) FROM residents")
	"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 9 \
	    --number "$id" --kind hihokensha --acquired 2020-04-01 "$id" >/dev/null
	insert_card "$TEST_TMP/person-$label" juki
	n0=$(rows) e0=$(events)
	nhi issue "$id"
	is "$rc" 1 "$label differs: exits 1"
	like "$out" "do not match the chosen resident: $label differs;" "$label differs: named"
	unlike "$out" "$P_NAME|1980|千代田" "$label differs: no values in the message"
	is "$(rows)/$(events)" "$n0/$e0" "$label differs: nothing recorded"
}
wrong name --name-kanji "山田 次郎" --name-kana "ヤマダ ジロウ" --birth "$P_BIRTH" --sex 1 --address "$P_ADDR"
wrong "birth date" --name-kanji "$P_NAME" --name-kana "ヤマダ タロウ" --birth 1980-04-02 --sex 1 --address "$P_ADDR"
wrong sex --name-kanji "$P_NAME" --name-kana "ヤマダ タロウ" --birth "$P_BIRTH" --sex 2 --address "$P_ADDR"
wrong address --name-kanji "$P_NAME" --name-kana "ヤマダ タロウ" --birth "$P_BIRTH" --sex 1 --address "東京都千代田区千代田1-2"

# ---- no card, no such reader, no pcscd
n0=$(rows) e0=$(events)
card_remove
nhi issue 1
is "$rc" 4 "no card in the reader exits 4"
like "$out" "no card" "the error says there is no card"
run "$NHICARD" --config "$CONF" --db "$DB" --reader "No Such Reader 00 00" issue 1
is "$rc" 4 "a reader that does not exist exits 4"
like "$out" "No Such Reader" "the missing reader is named"
if [ "$PCSC_OWN" = 1 ]; then
	pcsc_stop
	nhi issue 1
	is "$rc" 4 "a stopped pcscd exits 4"
	like "$out" "PC/SC service|pcscd" "the error names the PC/SC service"
else
	ok 0 "# SKIP a pcscd we did not start is running: not stopping it"
	ok 0 "# SKIP a pcscd we did not start is running: not stopping it"
fi
is "$(rows)/$(events)" "$n0/$e0" "card and reader errors before the card record nothing"
done_testing
