#!/bin/sh
# Two-person actions: key ceremonies, a reprint voiding more than
# operators.bulk_void_limit certificates, a fee waiver beyond
# fee.supervisor_limit: refused without a supervisor's approval, refused
# with a wrong, non-supervisor or same-person approver, done with one.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

make_team

# ---- a key ceremony
as kim keys create
is "$rc" 1 "keys create without an approver is refused (exit 1)"
like "$out" "keys.create needs a second person: a supervisor must approve with --approver LOGIN" \
    "and says a supervisor must approve"
ls "$KEYDIR"/*.keys >/dev/null 2>&1
is "$?" 2 "nothing was written"
as_approved kim carol keys create
is "$rc" 1 "a clerk cannot approve"
like "$out" "approver 'carol' is a clerk, not a supervisor" "the approver's role is named"
as_approved kim kim keys create
is "$rc" 1 "the operator cannot approve itself"
like "$out" "the approver must be another operator" "and is told so"
printf 'wrong approver password\n' >"$TEST_TMP/wrong"
NHICARD_PASSWORD_FD=4 NHICARD_APPROVER_PASSWORD_FD=5 NHICARD_KEY_PASSPHRASE_FD=6 \
    run "$NHICARD" --config "$CONF" --db "$DB" --operator kim --approver boss keys create \
    4<"$(pwfile kim)" 5<"$TEST_TMP/wrong" 6<"$PASSPHRASE"
is "$rc" 1 "a wrong approver password is refused"
like "$out" "keys.create: approval failed: login failed for operator 'boss'" "naming the approval"
ls "$KEYDIR"/*.keys >/dev/null 2>&1
is "$?" 2 "still nothing written"
as_approved kim boss keys create
is "$rc" 0 "with a supervisor's approval the key set is created"
like "$out" "created $KEYDIR/master-30.keys: kind master, kvn 30" "the new key version is card.kvn, 30"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.create' AND outcome = 'ok' AND detail LIKE 'approver boss%'")" \
    1 "the approval is audited with the approver"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.create' AND outcome = 'refused'")" \
    3 "the refused ceremonies are audited"

# ---- residents with eligibility, for the fee and the reprint
for i in 1 2 3; do
	as carol resident add --name-kanji "試験 太郎$i" --name-kana "シケン タロウ" \
	    --birth 1980-01-0$i --sex 1 --address "東京都千代田区$i-1"
	[ "$rc" -eq 0 ] || bail "resident add: $out"
	as carol eligibility add --insurer 133116 --symbol 1 --number $((10 + i)) \
	    --kind hihokensha --acquired 2020-04-01 $i
	[ "$rc" -eq 0 ] || bail "eligibility add: $out"
done

# ---- a fee waiver: 50 yen is under fee.supervisor_limit = 100, all is not
as carol issue --fee-waived small --path new-juki 1
unlike "$out" "second person" "a waiver under the limit needs no approval"
as carol issue --fee-waived low --path new-juki 1
is "$rc" 1 "a waiver beyond the limit without an approver is refused"
like "$out" "issue.fee_waiver needs a second person" "and says why"
as_approved carol boss issue --fee-waived low --path new-juki 1
unlike "$out" "second person|approval failed" "with a supervisor's approval issue goes on (to the card)"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'issue.fee_waiver' AND outcome = 'ok'")" 1 \
    "the approved waiver is audited"
like "$(sql "SELECT detail FROM audit_log WHERE action = 'issue.fee_waiver' AND outcome = 'ok'")" \
    "^approver boss: resident:1 waived 500 yen$" "with the resident's id and the amount, no name"

# ---- a reprint voiding more than bulk_void_limit (1) certificates
mkdir "$TEST_TMP/out"
as carol print sheet -o "$TEST_TMP/out/first.pdf" 1 2
is "$rc" 0 "a first sheet (nothing voided) needs no approval"
as carol print sheet --reason 汚損 -o "$TEST_TMP/out/again.pdf" 1
is "$rc" 0 "a reprint of one certificate (within the limit) needs no approval"
as carol print sheet --reason 汚損 -o "$TEST_TMP/out/bulk.pdf" 1 2
is "$rc" 1 "a reprint voiding 2 (> 1) without an approver is refused"
like "$out" "print.sheet.bulk_void needs a second person" "and says why"
test -e "$TEST_TMP/out/bulk.pdf"
is "$?" 1 "nothing was printed"
as_approved carol sam print sheet --reason 汚損 -o "$TEST_TMP/out/bulk.pdf" 1 2
is "$rc" 0 "with a supervisor's approval the reprint runs"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'print.sheet.bulk_void' AND outcome = 'ok' AND detail = 'approver sam: reprint of 2 certificates'")" \
    1 "the approval is audited"

# ---- test mode: the built-in operator approves its own actions (a test
# store without accounts; a store with accounts grants no built-in one)
DB=$TEST_TMP/test.db
write_conf test
nhi db init
NHICARD_KEY_PASSPHRASE_FD=6 nhi keys create 6<"$PASSPHRASE"
is "$rc" 0 "test mode without --operator: the built-in operator needs no approver"
add_op boss supervisor
add_op kim key_officer boss
as kim keys create
is "$rc" 1 "test mode with a named operator: the two-person rule holds"

done_testing
