#!/bin/sh
# Every command in the table refuses words it does not take, with a usage
# error (exit 2) naming them: an unquoted value ("--name-kanji 佐藤 一郎")
# is never cut silently. Commands that take any number of files name the
# word as a file they cannot open.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

SQLITE3=${SQLITE3:-sqlite3}
cd "$TEST_TMP" || bail "cd"
export NHICARD_DB="$TEST_TMP/s.db"
"$NHICARD" db init >/dev/null || bail "db init"
cat > one.csv <<'CSV'
FULL,2024-04-01,1001,501,1,山田 太郎,ヤマダ タロウ,1960-05-01,1,本山町本山1番地,,,,,390013,01,000501,01,1,,2010-04-01,,,,,0
CSV
"$NHICARD" import one.csv >/dev/null || bail "import"

# One invocation per command and sub-command, complete but for the stray
# word appended. The first word is the command in the table.
cat > cases <<'EOF2'
audit verify
audit export -o x.csv
backup bk
batch list
batch status 1
batch resume 1
batch exceptions 1
batch cancel 1
batch renew -d d all
batch revoke list f.txt
batch preissue prepare all
batch preissue feed 1
batch preissue export -o x 1
card inspect
card lock
card unlock
card personalize --kind existing 1
card readers
card status
card verify
card watch --count 1
db init
db check
eligibility list 1
eligibility current 1
eligibility add 1 --insurer 390013 --symbol 1 --number 1 --kind hihokensha --acquired 2024-01-01
eligibility correct 1 --lost 2024-02-01
held list
held list --all
held show 1
held resolve 1 ack
report daily -o r.pdf
report daily --date 2026-04-01 -o r.pdf
help import
issue 1
mynumber link 1
mynumber unlink 1 --reason lost
mynumber check-revoked
keys create
keys rotate
keys import f
keys list
keys kcv f
keys passwd
keys agent status
keys agent lock
operator add x --role clerk
operator list
operator passwd x
operator disable x
operator enable x
operator unlock x
print certificate 1 -o x.pdf
print sleeve 1 -o x.pdf
print receipt counter 1 -o x.pdf
queue status
queue send
queue export d
queue retry 1
queue purge
reinstate --card 1
abandon --card 1 --reason lost
issue --gaiji-decided 1
resident add --name-kanji 佐藤 --name-kana サトウ --birth 1990-01-01 --sex 1 --address 本山町1
resident show 1
resident show --code 1001
resident search --kana ヤ
resident search ヤマダ
resident edit 1 --address 本山町2
resident gaiji
revoke 1 --reason lost --reported-by a --how phone
restore bk
tui
version
EOF2
before=$("$SQLITE3" s.db "SELECT count(*) FROM residents; SELECT name_kanji, address FROM residents")
while read -r line; do
	# shellcheck disable=SC2086
	run timeout 20 "$NHICARD" $line STRAY1 </dev/null
	is "$rc" 2 "'$line STRAY1' is a usage error"
	like "$out" "'STRAY1'" "and names the word it does not take"
done < cases
# The example of the issue: the name not quoted.
run "$NHICARD" resident add --name-kanji 佐藤 一郎 --name-kana サトウ イチロウ --birth 1990-01-01 \
    --sex 1 --address 本山町1
is "$rc" 2 "resident add with an unquoted name is refused"
like "$out" "unexpected arguments '一郎' 'イチロウ'" "naming both words left over"
is "$("$SQLITE3" s.db "SELECT count(*) FROM residents; SELECT name_kanji, address FROM residents")" \
    "$before" "nobody was enrolled nor changed by a refused command"

# Commands taking any number of files open the stray word as one.
: > empty.csv
run "$NHICARD" import empty.csv STRAY1
is "$rc" 5 "import takes FILE...: the stray word is a file"
like "$out" "STRAY1: cannot open" "named"
run "$NHICARD" card apdu STRAY1
is "$rc" 2 "card apdu takes HEX...: a word that is not an APDU is refused"
like "$out" "'STRAY1'" "named"

# Every command of the table is covered above.
cmds=$("$NHICARD" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || bail "no commands listed by nhicard help"
for c in $cmds; do
	case $c in
	import|help) continue ;;	# above (FILE...) and in the cases
	esac
	grep -q "^$c\\( \\|\$\\)" cases
	ok $? "command '$c' of the table has a stray-argument case"
done
done_testing
