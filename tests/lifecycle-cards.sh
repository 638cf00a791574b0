#!/bin/sh
# Loss report, revocation, reissue and the old card found afterwards, end
# to end through pcscd and the emulator (docs/lifecycle.md): a loss report
# with --replace revokes the key in the revocation lane, prints the
# loss-report receipt and personalizes the new card with a new user
# number and the next key generation; the old card found afterwards stays
# revoked and its NHI AP is locked when it is presented (LCS 04 on the
# card); a stolen card presented to `issue` is locked, then re-keyed; a
# card found before a replacement is reinstated and verifies again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
make_store "$DB"
# lcs FILE: the NHI AP's life cycle status as the card itself keeps it.
lcs() { "$CARDSIM" --inspect "$1" | sed -n 's/.*lcs=\([0-9][0-9]\) .*nhi-ap.*/\1/p'; }
state() { sql "SELECT state || '/' || coalesce(state_reason, '') FROM cards WHERE id = $1"; }

# ---- card A issued
insert_card "$TEST_TMP/a" juki
nhi issue 1
is "$rc" 0 "card A is issued"
un1=$(sql "SELECT hex(user_number) FROM cards WHERE id = 1")
serial_a=$(sql "SELECT card_serial FROM cards WHERE id = 1")

# ---- A is lost: the report, with a replacement on card B at once
insert_card "$TEST_TMP/b" juki-new
nhi revoke 1 --reason lost --reported-by holder --how counter --replace --path new-juki \
    --receipt "$TEST_TMP/loss.pdf"
is "$rc" 0 "a loss report with --replace exits 0"
like "$out" "revocation queued for the center: record [0-9]+ \(revocation lane\)" \
    "the revocation is queued at once"
like "$out" "loss-report receipt printed" "the loss-report receipt is printed"
like "$out" "personalized" "the new card is personalized"
like "$out" "replaces card record 1 \(now revoked: replaced\)" "the issue says what it replaces"
is "$(state 1)" "revoked/replaced" "the old card is revoked (replaced)"
is "$(state 2)" "active/" "the new card is active"
is "$(sql "SELECT key_generation FROM cards WHERE id = 2")" 2 "the next key generation"
isnt_un=$(sql "SELECT hex(user_number) FROM cards WHERE id = 2")
[ "$isnt_un" != "$un1" ] && [ -n "$isnt_un" ]
ok $? "a new user number"
[ "$(sql "SELECT card_serial FROM cards WHERE id = 2")" != "$serial_a" ]
ok $? "on the new card"
is "$(sql "SELECT group_concat(lane || ':' || kind, ' ') FROM queue_records
  WHERE kind IN ('card_revoked', 'card_reinstated') ORDER BY seq")" \
    "revocation:card_revoked" "one revocation, in the revocation lane"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records WHERE kind = 'card_revoked'")" \
    "\"user_number\":\"$(echo "$un1" | tr 'A-F' 'a-f')\".*\"reason\":\"lost\"" \
    "it revokes the old user number, reason lost"
is "$(sql "SELECT reported_by || ' ' || report_how FROM card_events WHERE card_id = 1
  AND event = 'report_lost'")" "holder counter" "the report says who and how"
if command -v pdftotext >/dev/null 2>&1; then
	t=$(pdftotext -layout "$TEST_TMP/loss.pdf" - 2>/dev/null)
	like "$t" "紛失届受理票" "the receipt is the loss-report receipt"
	like "$t" "$serial_a" "it names the card stopped"
else
	ok 0 "# SKIP pdftotext is not installed"
fi
is "$(lcs "$TEST_TMP/b")" 05 "card B's NHI AP is activated"

# ---- A is found afterwards: stays revoked, locked when presented
card_insert "$TEST_TMP/a"
is "$(lcs "$TEST_TMP/a")" 05 "the old card's AP was still activated"
nhi reinstate --card 1
is "$rc" 1 "the old card cannot be reinstated"
like "$out" "card 1 is revoked \(replaced\); it cannot be reinstated after a replacement was issued" \
    "it says why"
nhi card verify
is "$rc" 1 "the old card does not verify"
like "$out" "NHI AP locked \(LCS 04\): the key is revoked \(replaced\)" "presenting it locks it"
is "$(lcs "$TEST_TMP/a")" 04 "the card itself shows LCS 04"
is "$(sql "SELECT count(*) FROM card_events WHERE card_id = 1 AND event = 'locked'")" 1 \
    "the lock is recorded on the old row"
is "$(state 1)" "revoked/replaced" "the old row stays revoked"
nhi issue 1
is "$rc" 1 "issuing onto the old card is refused: the person holds card B"
like "$out" "already has an active NHI card" "it says so"
is "$(lcs "$TEST_TMP/a")" 04 "the old card stays locked"

# ---- B is stolen and turns up: presented to issue, it is locked first
nhi revoke --card 2 --reason stolen --reported-by holder --how phone
is "$rc" 0 "B is reported stolen"
card_insert "$TEST_TMP/b"
nhi issue 1
is "$rc" 1 "issuing onto a card with a revoked but usable key is refused first"
like "$out" "is revoked \(stolen\); its NHI AP has now been locked \(LCS 04\)" "it says it locked it"
is "$(lcs "$TEST_TMP/b")" 04 "card B shows LCS 04"
nhi issue 1
is "$rc" 0 "issuing again re-keys the locked card"
like "$out" "re-keyed" "it is a re-key"
like "$out" "replaces card record 2 \(now revoked: replaced\)" "the stolen key is replaced"
is "$(state 2)/$(state 3)" "revoked/replaced/active/" "old row replaced, new row active"
is "$(sql "SELECT key_generation FROM cards WHERE id = 3")" 3 "key generation 3"
is "$(lcs "$TEST_TMP/b")" 05 "card B is activated again with the new key"

# ---- B lost and found before a replacement: reinstated, not locked
nhi revoke --card 3 --reason lost --reported-by holder --how phone
is "$rc" 0 "B is reported lost"
nhi card verify
is "$rc" 1 "a card reported lost does not verify"
like "$out" "reported lost: reinstate it" "verify says how to reinstate it"
is "$(lcs "$TEST_TMP/b")" 05 "a card reported lost is not locked when presented"
nhi reinstate --card 3
is "$rc" 0 "B is reinstated"
nhi card verify
is "$rc" 0 "the reinstated card verifies"
like "$out" "verdict: valid" "it is valid again"
is "$(sql "SELECT group_concat(kind, ' ') FROM queue_records WHERE lane = 'revocation'
  ORDER BY seq")" "card_revoked card_revoked card_revoked card_reinstated" \
    "the revocation lane holds the three revocations and the reinstatement, in order"

# ---- the audit trail saw it all
is "$(sql "SELECT group_concat(DISTINCT action) FROM (SELECT action FROM audit_log
  WHERE action LIKE 'card.%' ORDER BY action)")" \
    "card.issue,card.lock,card.reinstate,card.replace,card.revoke" \
    "issue, lock, reinstate, replace and revoke are audited"
nhi audit verify
is "$rc" 0 "the audit log verifies"

done_testing
