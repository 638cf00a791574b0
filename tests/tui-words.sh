#!/bin/sh
# The words of the clerk's screens (issue 18 item 7):
#   - tests/words.py over the catalog (po/ja.po: every screen's and
#     dialog's text, the reasons, the help texts) and over every screen the
#     screen tests walk (their dumps, tests/tui*/.../*.txt, each compared
#     with the live screen by its own test): no half-width blank before a
#     bracket (`失効 (紛失)`), no half-width brackets, colons, question
#     marks or commas in Japanese, no line starting with 。, none of the
#     variant terms (単独カード, 再印刷, 国保AP, 未送信, ...), every screen
#     with a help text of its own, keys in help texts in 「」;
#   - the checker itself finds each class in a catalog and a screen made
#     with one fault each (it can fail);
#   - F1 on each screen (log in, menu, search, resident, queue, daily
#     report), through tmux at 80x24, shows that screen's own help.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"

: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip_all "python3 is needed for tests/words.py"
WORDS=$top_srcdir/tests/words.py

# ---- the catalog and the walked screens
dumps=$(ls "$top_srcdir"/tests/tui/expected/*.txt "$top_srcdir"/tests/tui/*-expected/*.txt)
run "$PYTHON" "$WORDS" "$top_srcdir" $dumps --terms-only "$top_srcdir/tests/data/report-daily.txt"
is "$rc" 0 "the catalog and the screens have no fault of wording"
[ "$rc" -eq 0 ] || diag "$out"
like "$out" "words: [0-9]{3,} translations, [0-9]{2,} screens, 0 faults" \
    "it read the whole catalog and every screen dump"

# ---- the checker finds each class
mkdir -p "$TEST_TMP/bad/po" "$TEST_TMP/bad/src"
cat >"$TEST_TMP/bad/po/ja.po" <<'EOP'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "state"
msgstr "失効 (紛失)"

msgid "superseded"
msgstr "被保険者証(訂正済み)"

msgid "reason"
msgstr "理由: 紛失"

msgid "ask"
msgstr "発行しますか?"

msgid "list"
msgstr "山田,佐藤"

msgid "wrapped"
msgstr "発行しました\n。次へ"

msgid "term"
msgstr "単独カードを再印刷します"

msgid "Help of the one screen: r resubmits."
msgstr "画面の説明です。記録を直してから r で再送します。"
EOP
cat >"$TEST_TMP/bad/src/tui-one.c" <<'EOC'
const struct tui_screen_ops tui_one_ops = {
	.title = N_("One"),
	.help = N_("Help of the one screen: r resubmits."),
};
EOC
cat >"$TEST_TMP/bad/src/tui-two.c" <<'EOC'
const struct tui_screen_ops tui_two_ops = {
	.title = N_("Two"),
};
EOC
printf 'nhicard 国保カード発行  住民\n  失効 (紛失)\n  理由: 汚損\n操作者 demo (全権限)\n' \
    >"$TEST_TMP/bad/screen.txt"
run "$PYTHON" "$WORDS" "$TEST_TMP/bad" "$TEST_TMP/bad/screen.txt"
is "$rc" 1 "a catalog with faults fails"
for class in space-bracket halfwidth-paren ascii-colon ascii-question ascii-comma \
    line-punct "term: 単独カード" "term: 再印刷" help-keys help-missing; do
	like "$out" "po/ja.po:[0-9]+: $class|src/tui-(one|two).c: $class" "it finds $class"
done
like "$out" "screen.txt:2: space-bracket" "it finds a fault on a screen, with its line"
like "$out" "screen.txt:4: halfwidth-paren" "the status line is checked too"
printf 'カード 単独カード：1 枚\n' >"$TEST_TMP/bad/report.txt"
run "$PYTHON" "$WORDS" "$top_srcdir" --terms-only "$TEST_TMP/bad/report.txt"
like "$out" "report.txt:1: term: 単独カード" "the daily report's text is checked for the terms"

# ---- F1: each screen's own help
tui_need_tmux
: "${SQLITE3:=sqlite3}"
CONF=$TEST_TMP/nhicard.conf
DB=$TEST_TMP/s.db
PCSCLITE_CSOCK_NAME=$TEST_TMP/no-pcscd.comm
export PCSCLITE_CSOCK_NAME
printf '[station]\nmode = demo\nmunicipality_code = 131016\ninsurer_number = 133116\n[keys]\ndir = %s\n' \
    "$top_srcdir/keys" >"$CONF"
"$NHICARD" --config "$CONF" --db "$DB" db init >/dev/null || bail "db init"
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "山田 太郎" \
    --name-kana "ヤマダ タロウ" --birth 1980-04-01 --sex 1 --address "千代田1-1" \
    >/dev/null || bail "resident add"
# The opening of a screen's help as the box shows it (its first twelve
# characters; cut counts bytes).
opening() { tui_t "$1" | "$PYTHON" -c 'import sys; print(sys.stdin.read()[:12])'; }
H_LOGIN=$(opening "Log in with your operator name and password before any work; every action is recorded under that name. Enter asks for the name, then the password (shown as stars). A wrong password counts towards the lockout. q quits.")
H_MENU=$(opening "The menu: 1 finds a resident (then issue, reprint or a loss report from their screen), 2 shows what waits for the center and sends it, 3 shows the day's figures and saves the daily report as a PDF. Quitting with revocations not sent asks first.")
H_SEARCH=$(opening "Type a name as the resident says it (kanji with or without a space, the given name alone, or kana), a birth date (1980-04-01, 1980/04/01, or S55.4.1) or the symbol and number (2-2). A date that does not exist is said so, not searched as a name.")
H_RES=$(opening "The resident's record: name (gaiji marked), birth date with age, the whole address, the household (the head first), NHI eligibility, cards and certificates; long lines wrap. Tab selects a household member (> ) and Enter opens their record; ESC comes back. i issues a card, r reprints the certificate with a reason, l takes a loss report (a card found is reinstated there). s prints the sex on the back of the person's certificates from now on, at the person's request (s again: on the front).")
H_QUEUE=$(opening "What waits for the center: revocations go first. s sends now; a record the center rejected is listed with the resident, the local time and the reason; correct it, then r resubmits the selected one.")
H_REPORT=$(opening "The day's figures for the supervisor: cards issued by path, certificates, voids and reissues, loss reports, fees and waivers, what waits for the center, unfinished cards, findings waiting, the operators' actions and refusals, and the week's issuances. p saves the A4 report as a PDF (what 'nhicard report daily' writes) in ui.print_dir; d asks for another day, Left and Right go a day back or forward.")
# f1 NAME OPENING: F1 shows OPENING and no other screen's help; ESC closes.
f1() {
	tui_keys F1
	tui_wait_for "$(tui_t 'Keys')" 5
	tui_shows "$2" "F1 on the $1 screen shows its own help"
	# Inside the box (between its borders), no other screen's help.
	others=$(printf '%s\n' "$screen" | grep '^ *|' | grep -F -e "$H_LOGIN" -e "$H_MENU" \
	    -e "$H_SEARCH" -e "$H_RES" -e "$H_QUEUE" -e "$H_REPORT" | grep -c -F -v "$2")
	is "$others" 0 "and no other screen's"
	tui_keys Enter
	tui_wait_gone "+- $(tui_t 'Keys')" 5
}
tui_start --config "$CONF" --db "$DB" tui
tui_wait_for "$(tui_t 'Enter log in  q quit')"
f1 login "$H_LOGIN"
tui_keys Enter
tui_wait_for "$(tui_t 'Operator name:')"
tui_keys Enter
tui_wait_for "$(tui_t 'Search residents')"
f1 menu "$H_MENU"
tui_keys 1
tui_wait_for "$(tui_t '/ search  Enter open  ESC back')"
f1 search "$H_SEARCH"
tui_keys Escape
tui_open_resident ヤマダ "ヤマダ タロウ"
f1 resident "$H_RES"
tui_keys Escape
tui_keys Escape
tui_keys 2
tui_wait_for "$(tui_t 's send now  r retry  g refresh  Up/Down select  ESC back')"
f1 queue "$H_QUEUE"
tui_keys Escape
tui_keys 3
tui_wait_for "$(tui_t 'p save PDF  d day  Left/Right previous/next day  ESC back')"
f1 "daily report" "$H_REPORT"
tui_keys Escape
done_testing
