#!/bin/sh
# Two-person approval on the clerk's screen: a fee waiver above
# fee.supervisor_limit needs a supervisor other than the clerk, who enters
# login and password on the issue screen; the same rule as `nhicard issue
# --approver` decides (operator_require_approval) and audits it. Headless
# key script (docs/tui.md), no card service: the flow stops at the
# confirmation, so nothing is written to a card.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
MODE=test
. "$top_srcdir/tests/lib/operators.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
TUI_DIR=$top_srcdir/tests/tui
EXPECTED=$TUI_DIR/approval-expected
OUT=$TEST_TMP/dumps
mkdir -p "$OUT"
NHICARD_LOCALEDIR=${NHICARD_LOCALEDIR:-$top_builddir/po}
PCSCLITE_CSOCK_NAME=$TEST_TMP/no-pcscd.comm
NHICARD_TUI_DUMP_DIR=$OUT
export NHICARD_LOCALEDIR PCSCLITE_CSOCK_NAME NHICARD_TUI_DUMP_DIR
unset NHICARD_TUI_SIZE NHICARD_TUI_SCRIPT LANGUAGE NHICARD_OPERATOR
LANG=C.UTF-8
LC_ALL=C.UTF-8
export LANG LC_ALL
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)

make_team
as carol resident add --name-kanji "山田 太郎" --name-kana "ヤマダ タロウ" --birth 1980-04-01 \
    --sex 1 --address "東京都千代田区千代田1-1"
[ "$rc" -eq 0 ] || bail "resident add: $out"
as carol eligibility add 1 --insurer 133116 --symbol 1 --number 2 --kind hihokensha \
    --acquired 2020-04-01
[ "$rc" -eq 0 ] || bail "eligibility add: $out"
approvals() {
	sql "SELECT outcome || ' ' || detail FROM audit_log WHERE action = 'issue.fee_waiver'
	  ORDER BY seq"
}

NHICARD_TUI_SCRIPT=$TUI_DIR/approval.keys NHICARD_TUI_SIZE=80x24 \
    "$NHICARD" --config "$CONF" --db "$DB" tui >"$TEST_TMP/tui.out" 2>"$TEST_TMP/tui.err"
is "$?:$(cat "$TEST_TMP/tui.err")" "0:" "the approval script runs to its end"

a=$(approvals)
like "$a" "^ok approver boss: resident:1 waived 500 yen" \
    "the supervisor's approval is audited with who approved and what"
like "$a" "refused" "the wrong password is audited as refused"
is "$(printf '%s\n' "$a" | grep -c '^ok')" 1 "one approval only"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing was issued (no card, the clerk said no)"
unlike "$(sql "SELECT group_concat(detail) FROM audit_log")" "pw-boss-secret" \
    "the password is in no audit entry"
unlike "$(cat "$TEST_TMP/tui.err" "$TEST_TMP/tui.out")" "pw-boss-secret" \
    "nor on the program's output"

mask() {
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/TIMESTAMP/g' \
	    -e "s/$TODAY/TODAY/g" -e "s|$TEST_TMP|TMP|g" "$1"
}
for name in approval-needed approval-confirm approval-refused; do
	f=$OUT/$name.txt
	[ -f "$f" ] || { ok 1 "dump $name was written"; continue; }
	mask "$f" >"$f.masked"
	if [ "${NHICARD_TUI_RECORD:-0}" = 1 ]; then
		cp "$f.masked" "$EXPECTED/$name.txt"
		ok 0 "recorded $name"
		continue
	fi
	diff -u "$EXPECTED/$name.txt" "$f.masked" >"$f.diff" 2>&1
	ok $? "dump $name as expected" || sed 's/^/# /' "$f.diff"
done
done_testing
