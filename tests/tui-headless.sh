#!/bin/sh
# tui-headless.sh: the clerk's screen (`nhicard tui`) driven by key
# scripts on a dummy terminal, as tig's tests do (docs/tui.md): each
# tests/tui/NAME.keys runs against a store of test residents and its
# screen dumps are compared with tests/tui/expected/DUMP.txt (today's date
# and store timestamps masked). NHICARD_TUI_RECORD=1 writes the dumps
# into tests/tui/expected/ instead (review every change before keeping it).

. "$top_srcdir/tests/lib/common.sh"
MODE=test
. "$top_srcdir/tests/lib/operators.sh"

TUI_DIR=$top_srcdir/tests/tui
EXPECTED=$TUI_DIR/expected
OUT=$TEST_TMP/dumps
mkdir -p "$OUT"
# The build's catalog; no card service (a socket nobody listens on), so
# the reader's state is stable.
NHICARD_LOCALEDIR=${NHICARD_LOCALEDIR:-$top_builddir/po}
PCSCLITE_CSOCK_NAME=$TEST_TMP/no-pcscd.comm
NHICARD_TUI_DUMP_DIR=$OUT
export NHICARD_LOCALEDIR PCSCLITE_CSOCK_NAME NHICARD_TUI_DUMP_DIR
unset NHICARD_TUI_SIZE NHICARD_TUI_SCRIPT LANGUAGE
LANG=C.UTF-8
LC_ALL=C.UTF-8
export LANG LC_ALL
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)

# ---- The store: residents, a household, periods, cards, certificates ----
# The records first, as the built-in operator of a test store without
# accounts; a copy of that store is where the built-in "demo" logs in on
# the screen (a store holding accounts grants no built-in operator).
nhi db init
[ "$rc" -eq 0 ] || bail "db init: $out"
add_res() {
	nhi resident add --name-kanji "$1" --name-kana "$2" --birth "$3" --sex "$4" \
	    --address "$5" ${6:+--household "$6"} ${7:+--head}
	[ "$rc" -eq 0 ] || bail "resident add $1: $out"
}
add_res "山田 太郎" "ヤマダ タロウ" 1980-04-01 1 "東京都千代田区千代田1-1" H001 head
add_res "山田 花子" "ヤマダ ハナコ" 1982-07-15 2 "東京都千代田区千代田1-1" H001
add_res "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末" \
    "ジュゲムジュゲムゴコウノスリキレカイジャリスイギョノスイギョウマツ" \
    2001-01-01 1 "東京都千代田区千代田二丁目三番地四号 千代田ハイツ東館一二三四号室"
add_res "鈴木 一郎" "ｽｽﾞｷ ｲﾁﾛｳ" 1975-12-31 1 "東京都千代田区神田1-2-3"
nhi eligibility add 1 --insurer 133116 --symbol 1 --number 2 --kind hihokensha \
    --acquired 2020-04-01
[ "$rc" -eq 0 ] || bail "eligibility add: $out"
nhi eligibility correct 1 --insurer 133116 --symbol 1 --number 2 --kind hihokensha \
    --acquired 2020-04-01 --valid-until 2027-07-31
[ "$rc" -eq 0 ] || bail "eligibility correct: $out"
nhi eligibility add 2 --insurer 133116 --symbol 1 --number 3 --kind tanki --months 6 \
    --acquired 2024-10-01
[ "$rc" -eq 0 ] || bail "eligibility add: $out"
nhi print certificate 1 -o "$TEST_TMP/c1.pdf" --date 2025-04-01
[ "$rc" -eq 0 ] || bail "print certificate: $out"
nhi print certificate 1 -o "$TEST_TMP/c2.pdf" --date 2025-05-01 --reason "soiled"
[ "$rc" -eq 0 ] || bail "print certificate (reprint): $out"
# Card rows as personalization leaves them (the card tests write real
# cards through pcscd): one reported lost and revoked, one active.
sql "INSERT INTO cards (resident_id, kind, card_serial, user_number, key_generation,
    state, state_reason, issued_on, created_at, updated_at) VALUES
    (1, 'juki_existing', '0a0b0c0d0e0f10111213', zeroblob(16), 1, 'revoked', 'lost',
     '2024-05-01', '2024-05-01T01:00:00Z', '2024-06-01T01:00:00Z'),
    (1, 'standalone', '1a1b1c1d1e1f20212223', randomblob(16), 2, 'active', NULL,
     '2024-06-02', '2024-06-02T01:00:00Z', '2024-06-02T01:00:00Z');" ||
    bail "card rows"
cp "$DB" "$TEST_TMP/demo.db"
add_op boss supervisor
add_op carol clerk boss
add_op kim key_officer boss
add_op audrey auditor boss
add_op sam supervisor boss
as boss operator disable kim
[ "$rc" -eq 0 ] || bail "operator disable: $out"

CONF_EN=$TEST_TMP/nhicard-en.conf
cp "$CONF" "$CONF_EN"
printf '[ui]\nlanguage = en\n' >>"$CONF_EN"

# Mask what changes from day to day: today's date and store timestamps.
mask() {
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/TIMESTAMP/g' \
	    -e "s/$TODAY/TODAY/g" \
	    -e 's/station-[0-9a-f]\{8\}/station-XXXXXXXX/g' \
	    -e 's/（[0-9]\{1,3\}歳）/（AGE歳）/g; s/(age [0-9]\{1,3\})/(age AGE)/g' "$1"
}

# tui SCRIPT [CONFIG] [SIZE]: run a key script; status in $rc, stderr in $err.
tui() {
	NHICARD_TUI_SCRIPT=$TUI_DIR/$1.keys NHICARD_TUI_SIZE=${3:-80x24} \
	    "$NHICARD" --config "${2:-$CONF}" --db "${TUI_DB:-$DB}" tui >"$TEST_TMP/tui.out" \
	    2>"$TEST_TMP/tui.err"
	rc=$?
	err=$(cat "$TEST_TMP/tui.err")
}

# Scripts that log in as "demo" run on the copy without accounts.
for s in login-demo login-good login-bad login-locked login-disabled search \
    resident queue auditor resize; do
	case $s in
	login-demo|search|resident|queue|resize) TUI_DB=$TEST_TMP/demo.db ;;
	*) TUI_DB=$DB ;;
	esac
	tui "$s"
	is "$rc:$err" "0:" "script $s runs to its end"
done
# s on the resident screen: 性別 on the back at the person's request,
# kept and audited (issue 14), on a copy of its own.
cp "$TEST_TMP/demo.db" "$TEST_TMP/sexback.db"
TUI_DB=$TEST_TMP/sexback.db
tui sex-back
is "$rc:$err" "0:" "script sex-back runs to its end"
is "$("$SQLITE3" "$TEST_TMP/sexback.db" "SELECT group_concat(id || ':' || sex_on_back)
    FROM residents WHERE id <= 2")" "1:1,2:0" "s kept 性別 on the back for the resident shown"
is "$("$SQLITE3" "$TEST_TMP/sexback.db" "SELECT operator || ' ' || subject || ' ' || detail
    FROM audit_log WHERE action = 'resident.sex_on_back' ORDER BY seq")" \
    "demo resident:1 back (screen)
demo resident:1 front (screen)
demo resident:1 back (screen)" "each change from the screen is audited"
run "$NHICARD" --config "$CONF" --db "$TEST_TMP/sexback.db" print certificate 1 \
    --reason "after the screen" -o "$TEST_TMP/sexback.pdf"
is "$rc" 0 "a certificate printed after the change"
is "$(pdftotext -f 2 -l 2 -layout "$TEST_TMP/sexback.pdf" - 2>/dev/null | grep -c 性別)" 1 \
    "it carries 性別 on the back"
TUI_DB=$TEST_TMP/demo.db
tui english "$CONF_EN"
is "$rc:$err" "0:" "script english runs to its end"
tui wide "$CONF" 120x40
is "$rc:$err" "0:" "script wide (120x40) runs to its end"
TUI_DB=$DB

# Every dump as expected, and no dump without an expected file.
for f in "$OUT"/*.txt; do
	name=$(basename "$f" .txt)
	mask "$f" >"$f.masked"
	if [ -n "${NHICARD_TUI_RECORD:-}" ]; then
		cp "$f.masked" "$EXPECTED/$name.txt"
	fi
	if [ ! -f "$EXPECTED/$name.txt" ]; then
		ok 1 "dump $name has an expected file"
		continue
	fi
	if diff -u "$EXPECTED/$name.txt" "$f.masked" >"$TEST_TMP/diff"; then
		ok 0 "dump $name as expected"
	else
		ok 1 "dump $name as expected"
		sed 's/^/# /' "$TEST_TMP/diff" | head -40
	fi
done
for f in "$EXPECTED"/*.txt; do
	name=$(basename "$f" .txt)
	[ -f "$OUT/$name.txt" ] || { ok 1 "expected dump $name was written"; }
done

# The lockout and the refusals are in the audit trail, as on the command line.
like "$(sql "SELECT action || ' ' || outcome FROM audit_log WHERE operator = 'sam'
    ORDER BY seq")" "operator.lockout refused" "the lockout from the screen is audited"
like "$(sql "SELECT action || ' ' || outcome || ' ' || subject FROM audit_log
    WHERE operator = 'audrey' ORDER BY seq")" \
    "operator.role_refused refused resident search" "the auditor's refusal is audited"
unlike "$(sql "SELECT detail FROM audit_log" | grep -c 'ヤマダ\|山田\|寿限無')" "^[1-9]" \
    "no resident's name in the audit trail"

# A terminal smaller than 80x24 is refused with a clear message.
printf 'key q\n' >"$TEST_TMP/q.keys"
NHICARD_TUI_SCRIPT=$TEST_TMP/q.keys NHICARD_TUI_SIZE=60x20 \
    run "$NHICARD" --config "$CONF" --db "$DB" tui
is "$rc" 2 "a 60x20 terminal: exit 2"
like "$out" "端末の大きさが 60x20 です。この画面には 80x24 以上が必要です" \
    "a 60x20 terminal: the message says the size needed (Japanese)"
NHICARD_TUI_SCRIPT=$TEST_TMP/q.keys NHICARD_TUI_SIZE=60x20 \
    run "$NHICARD" --config "$CONF_EN" --db "$DB" tui
like "$out" "The terminal is 60x20: this screen needs at least 80x24" \
    "a 60x20 terminal: the message in English with ui.language = en"

# The locale: with LC_ALL=C the screen switches to C.UTF-8 and glibc then
# honours LANGUAGE (it ignores it in the "C" locale): still Japanese.
printf 'dump c-locale\nkey q\n' >"$TEST_TMP/c.keys"
LC_ALL=C LANG=C NHICARD_TUI_SCRIPT=$TEST_TMP/c.keys \
    run "$NHICARD" --config "$CONF" --db "$DB" tui
is "$rc" 0 "LC_ALL=C: runs"
like "$(cat "$OUT/c-locale.txt")" "国保カード発行端末です" \
    "LC_ALL=C: C.UTF-8 is used and the messages are Japanese"
rm -f "$OUT/c-locale.txt"

# A bad language setting and bad scripts are refused, naming what and where.
printf '[ui]\nlanguage = fr\n' >"$TEST_TMP/fr.conf"
cat "$CONF" "$TEST_TMP/fr.conf" >"$TEST_TMP/nhicard-fr.conf"
NHICARD_TUI_SCRIPT=$TEST_TMP/q.keys run "$NHICARD" --config "$TEST_TMP/nhicard-fr.conf" \
    --db "$DB" tui
like "$rc:$out" "^3:.*ui.language: expected ja or en, got 'fr'" "ui.language = fr refused"
printf 'key Enter\n\nfrobnicate\n' >"$TEST_TMP/bad.keys"
NHICARD_TUI_SCRIPT=$TEST_TMP/bad.keys run "$NHICARD" --config "$CONF" --db "$DB" tui
like "$rc:$out" "^3:.*bad.keys:3: unknown directive 'frobnicate'" \
    "an unknown directive names the script's line"
printf 'key Shift-Banana\n' >"$TEST_TMP/bad.keys"
NHICARD_TUI_SCRIPT=$TEST_TMP/bad.keys run "$NHICARD" --config "$CONF" --db "$DB" tui
like "$rc:$out" "^3:.*bad.keys:1: unknown key 'Shift-Banana'" "an unknown key is refused"
NHICARD_TUI_SCRIPT=$TEST_TMP/q.keys NHICARD_TUI_SIZE=80by24 \
    run "$NHICARD" --config "$CONF" --db "$DB" tui
like "$rc:$out" "^2:.*NHICARD_TUI_SIZE: expected COLSxLINES" "a bad NHICARD_TUI_SIZE is refused"
run "$NHICARD" --config "$CONF" --db "$DB" tui </dev/null
like "$rc:$out" "^2:.*端末で実行してください" "without a terminal or a script: refused"

done_testing
