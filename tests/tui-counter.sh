#!/bin/sh
# The counter screen as a clerk needs it (issue 18), black-box through tmux
# at 80x24 (tests/lib/tui.sh), without a card service:
#   - reasons in Japanese from the one table (src/reasons.c): a resident not
#     insured here is refused with the Japanese reason, no English above the
#     details, and nothing the screen showed lacked a text (stderr);
#   - names and numbers as clerks type them: 山田翔太, 山田　翔太, 翔太,
#     2-2 and ２－２ for 02-000002, 1980/04/01 and full-width digits; an
#     impossible date (S64.1.8) says the date was not understood;
#   - fee waivers with the configuration's Japanese labels, and the
#     supervisor's approval step shown to the demo operator too.
# Each check prints the clerk's view it looked at on failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_need_tmux

: "${SQLITE3:=sqlite3}"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
CONF=$TEST_TMP/nhicard.conf
DB=$TEST_TMP/s.db
PCSCLITE_CSOCK_NAME=$TEST_TMP/no-pcscd.comm
export PCSCLITE_CSOCK_NAME
cat >"$CONF" <<EOC
[station]
mode = demo
municipality_code = 131016
insurer_number = 133116
[keys]
dir = $top_srcdir/keys
[rules]
no_juki = standalone
law = pilot
[fee]
new_card_fee = 500
waivers = low_income:all, student:250
waiver_labels = low_income:低所得世帯, student:学生
supervisor_limit = 0
[print]
templates_dir = $top_srcdir/templates
insurer_name = 千代田区
EOC
n() { "$NHICARD" --config "$CONF" --db "$DB" "$@" >/dev/null || bail "nhicard $*"; }
sql() { "$SQLITE3" "$DB" "$1"; }
n db init
n resident add --name-kanji "山田 翔太" --name-kana "ヤマダ ショウタ" --birth 1980-04-01 \
    --sex 1 --address "東京都千代田区千代田1-1"
n eligibility add --insurer 133116 --symbol 02 --number 000002 --kind hihokensha \
    --acquired 2020-04-01 1
n resident add --name-kanji "佐藤 花子" --name-kana "サトウ ハナコ" --birth 1990-01-01 \
    --sex 2 --address "東京都千代田区千代田2-2"

tui_start --config "$CONF" --db "$DB" tui
tui_login_demo
ok $? "the demo operator logs in"

# ---- item 3: the search as clerks type
tui_keys 1
tui_wait_for "$(tui_t '/ search  Enter open  ESC back')"
PROMPT=$(tui_t 'Search: kana, kanji name, birth date (1980-04-01 or S55.4.1) or symbol-number (1-2):' |
    cut -c1-12)
# search TEXT: type TEXT into the search prompt; wait for the results'
# heading, which quotes TEXT ("検索 TEXT (kind): N 件").
search() {
	tui_keys /
	tui_wait_for "$PROMPT" || return 1
	tui_type "$1"
	tui_keys Enter
	tui_wait_for "$(tui_t 'Search %s (%s): %zu found' | Q=$1 awk '{ i = index($0, "%s");
	    s = substr($0, 1, i - 1) ENVIRON["Q"]; r = substr($0, i + 2); print s substr(r, 1, index(r, "%s") - 1) }')" 5
}
for q in 山田翔太 "山田　翔太" 翔太 2-2 "２－２" 1980/04/01 "１９８０－０４－０１" "S55.4.1"; do
	search "$q"
	ok $? "'$q' is searched"
	tui_shows "ヤマダ ショウタ" "'$q' finds 山田 翔太"
done
search 佐藤
tui_shows "サトウ ハナコ" "佐藤 finds 佐藤 花子"
tui_hides "ヤマダ ショウタ" "a new search replaces the results"
tui_keys /
tui_wait_for "$PROMPT"
tui_type "S64.1.8"
tui_keys Enter
tui_wait_for "$(tui_tf 'date not understood: %s' S64.1.8)" 5
ok $? "S64.1.8 (no such day: 昭和 ended on the 7th) is not searched as a name"
tui_shows "S64.1.8" "the message quotes the text typed"
tui_shows "$(tui_t 'date not understood' | cut -c1-6)" "it says the date was not understood, in Japanese"
tui_keys Enter
tui_keys Escape

# ---- item 1: a refusal with its reason in Japanese
tui_open_resident サトウ "サトウ ハナコ"
ok $? "the resident who is not insured is opened"
tui_keys i
tui_wait_for "$(tui_t "Not insured by this town's National Health Insurance.")" 10
ok $? "issuing to her is refused with the reason in Japanese (the reason table)"
# Above the details, the box speaks Japanese only (the detail may stay
# technical, below).
above=$(printf '%s\n' "$screen" | sed -n "/$(tui_t 'Error')/,/$(tui_t 'Details:')/p" |
    sed "/$(tui_t 'Details:')/d")
unlike "$above" "[A-Za-z]{4,}" "no English above the details"
tui_shows "$(tui_t 'Details:') resident 2 is not insured" "the technical detail stays below"
tui_keys Enter
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
tui_keys Escape
tui_keys Escape

# ---- item 6: the waivers' labels, the approval step in demo mode
tui_open_resident ヤマダ "ヤマダ ショウタ"
ok $? "the insured resident is opened"
tui_keys i
tui_wait_for "$(tui_t 'Card to insert:')"
ok $? "the issue screen opens"
tui_keys 2
tui_keys w
tui_wait_for "低所得世帯"
ok $? "w lists the waivers with their labels from the configuration"
tui_shows "学生" "every waiver has its label"
tui_hides "low_income" "no configuration word is shown"
tui_keys 2
tui_wait_for "$(tui_tf '%s (the whole fee)' 低所得世帯)"
ok $? "the chosen waiver shows with its label"
tui_keys Enter
tui_wait_for "$(tui_t 'Approval needed')"
ok $? "the demo operator sees the supervisor's approval step too"
tui_keys Enter
tui_wait_for "$(tui_t 'Approving supervisor:')"
ok $? "it asks for the approving supervisor"
tui_type boss
tui_keys Enter
tui_wait_for "$(tui_tf 'Password for %s:' boss)"
ok $? "and the password"
tui_type pw-not-checked
tui_keys Enter
tui_wait_for "カードを発行しますか"
ok $? "then the confirmation follows, as in production"
tui_keys n
like "$(sql "SELECT outcome || ' ' || detail FROM audit_log WHERE action = 'issue.fee_waiver'")" \
    "^ok approver boss \\(demo: not checked" "the demo approval is audited as not checked"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing was issued"

tui_keys Escape
tui_keys Escape
# Nothing the screen showed lacked a Japanese text.
unlike "$(cat "$TEST_TMP/tui.err" 2>/dev/null)" "no (reason )?text" \
    "every reason shown had its Japanese text (stderr is clean)"
done_testing
