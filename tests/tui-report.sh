#!/bin/sh
# The supervisor's daily report on the screen (issue 27), black-box
# through tmux at 80x24 (tests/lib/tui.sh): menu 3 opens the day's
# figures; `d` takes a day (a bad one is said so), Left/Right step a day;
# the figures are those of `nhicard report daily` for the same store and
# day; `p` saves the PDF into ui.print_dir, the same bytes the command
# writes; without ui.print_dir `p` says what to set and writes nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_need_tmux

: "${SQLITE3:=sqlite3}"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to build the store"
command -v pdftotext >/dev/null 2>&1 || skip_all "pdftotext (poppler-utils) missing"
CONF=$TEST_TMP/nhicard.conf
DB=$TEST_TMP/s.db
PRINT=$TEST_TMP/print
mkdir "$PRINT"
PCSCLITE_CSOCK_NAME=$TEST_TMP/no-pcscd.comm
export PCSCLITE_CSOCK_NAME
cat >"$CONF" <<EOC
[station]
mode = demo
municipality_code = 131016
insurer_number = 133116
[keys]
dir = $top_srcdir/keys
[print]
templates_dir = $top_srcdir/templates
insurer_name = テスト町
[ui]
print_dir = $PRINT
EOC
n() { "$NHICARD" --config "$CONF" --db "$DB" "$@" >/dev/null || bail "nhicard $*"; }
sql() { "$SQLITE3" "$DB" "$1"; }
n db init
for k in イチ ニ サン ヨン; do
	n resident add --name-kanji "住民 $k" --name-kana "ジュウミン $k" --birth 1980-01-01 \
	    --sex 1 --address "テスト町$k"
done
# 2026-04-01 (JST): three cards issued (two paths, one fee waived), one
# left unfinished, a loss report, a certificate printed and one voided.
sql "
INSERT INTO cards (id, resident_id, kind, card_serial, user_number, key_generation, state,
    state_reason, step, issued_on, fee_yen, fee_waived, created_at, updated_at) VALUES
 (1, 1, 'juki_existing', 'C0000001', X'00000000000000000000000000000001', 1, 'active',
    NULL, NULL, '2026-04-01', 0, 0, '2026-04-01T00:10:00Z', '2026-04-01T00:10:00Z'),
 (2, 2, 'standalone', 'C0000002', X'00000000000000000000000000000002', 1, 'revoked',
    'lost', NULL, '2026-04-01', 1000, 0, '2026-04-01T01:00:00Z', '2026-04-01T03:00:00Z'),
 (3, 3, 'standalone', 'C0000003', X'00000000000000000000000000000003', 1, 'active',
    NULL, NULL, '2026-04-01', 1000, 1, '2026-04-01T02:00:00Z', '2026-04-01T02:00:00Z'),
 (4, 4, 'juki_new', 'C0000004', X'00000000000000000000000000000004', 1, 'unfinished',
    'card removed during personalization', 'card.put_key', NULL, 0, 0,
    '2026-04-01T04:00:00Z', '2026-04-01T04:00:00Z');
INSERT INTO card_events (card_id, at, event, from_state, to_state, detail, reported_by,
    report_how) VALUES (2, '2026-04-01T03:00:00Z', 'revoke', 'active', 'revoked', 'lost',
    '本人', 'phone');
INSERT INTO certificates (id, serial, resident_id, document, cert_kind, issued_on, issued_at,
    voided_at, void_reason, replaced_by) VALUES
 (2, 'S0000002', 1, 'certificate', 'hihokensha', '2026-04-01', '2026-04-01T05:00:00Z',
    NULL, NULL, NULL),
 (1, 'S0000001', 1, 'certificate', 'hihokensha', '2026-03-01', '2026-03-01T05:00:00Z',
    '2026-04-01T05:00:00Z', 'soiled', 2);" || bail "the day's rows"

# What the command says of that day.
cli=$("$NHICARD" --config "$CONF" --db "$DB" report daily --date 2026-04-01 \
    -o "$TEST_TMP/cli.pdf") || bail "report daily"
cards=$(printf '%s\n' "$cli" | sed -n 's/.*; \([0-9]*\) cards\{0,1\} issued.*/\1/p')
is "$cards" 3 "the command counts the day's three cards"

tui_start --config "$CONF" --db "$DB" tui
tui_login_demo
ok $? "the demo operator logs in"
tui_shows "3  $(tui_t 'Daily report')" "the menu offers the daily report as 3"
tui_keys 3
tui_wait_for "$(tui_t 'p save PDF  d day  Left/Right previous/next day  ESC back')"
ok $? "3 opens the daily report"
tui_shows "$(tui_tf 'Daily report for %s (Japan time)' "$(date -u -d '+9 hours' +%Y-%m-%d)")" \
    "it opens on today (JST)"

# ---- another day: a bad one is said so, then 2026-04-01
tui_keys d
tui_wait_for "$(tui_t 'Day (YYYY-MM-DD):')"
tui_keys C-u
for i in 1 2 3 4 5 6 7 8 9 10; do tui_keys BSpace; done
tui_type 2026-13-45
tui_keys Enter
tui_wait_for "$(tui_t 'The day is not a date: type it as 2026-04-01.')"
ok $? "a day that is no date is said so"
tui_keys Enter
tui_keys d
tui_wait_for "$(tui_t 'Day (YYYY-MM-DD):')"
for i in 1 2 3 4 5 6 7 8 9 10; do tui_keys BSpace; done
tui_type 2026-04-01
tui_keys Enter
tui_wait_for "$(tui_tf 'Daily report for %s (Japan time)' 2026-04-01)"
ok $? "d shows the day typed"
tui_shows "$(tui_tf 'Cards issued: %lld' 3)" "three cards issued, as the command says"
tui_shows "$(tui_t 'standalone card') 2" "two of them standalone"
tui_shows "$(tui_t 'resident card held') 1" "one on the resident card held"
tui_shows "$(tui_tf 'Fees: %lld yen   Waivers: %lld' 2000 1 | sed 's/　.*//')" \
    "the fees of the day"
tui_shows "$(tui_tf 'Unfinished cards: %zu   Findings waiting: %zu' 1 0 | sed 's/　.*//')" \
    "the card left unfinished"
tui_shows "$(tui_tf 'Certificates printed: %lld   Voided or reissued: %zu   Loss reports: %zu' 1 1 1)" \
    "certificates, voids and the loss report"
tui_shows "04-01 ########################################" "the week chart has the day's bar"
tui_keys Left
tui_wait_for "$(tui_tf 'Daily report for %s (Japan time)' 2026-03-31)"
ok $? "Left goes a day back"
tui_shows "$(tui_t 'No activity that day.')" "a day without activity says so"
tui_keys Right
tui_wait_for "$(tui_tf 'Daily report for %s (Japan time)' 2026-04-01)"
ok $? "Right comes forward again"

# ---- the PDF
tui_keys p
tui_wait_for "$(tui_t 'Saved as PDF: %s (%zu pages).' | sed 's/%s.*//')"
ok $? "p saves the PDF and says so"
tui_shows "daily-2026-04-01.pdf" "naming the file"
[ -s "$PRINT/daily-2026-04-01.pdf" ]
ok $? "the PDF is in ui.print_dir"
cmp -s "$PRINT/daily-2026-04-01.pdf" "$TEST_TMP/cli.pdf"
ok $? "the same bytes as 'nhicard report daily' for that day"
pdftotext "$PRINT/daily-2026-04-01.pdf" - 2>/dev/null | grep -q "業務日報"
ok $? "the PDF is the daily report"
tui_keys Enter
tui_keys F1
tui_wait_for "$(tui_t 'Daily report')"
tui_shows "ui.print_dir" "F1 says where the PDF goes"
tui_keys Enter
tui_keys Escape
tui_keys Escape
tui_stop

# ---- without ui.print_dir: said so, nothing written
sed -i '/^print_dir/d' "$CONF"
rm -f "$PRINT"/*
tui_start --config "$CONF" --db "$DB" tui
tui_login_demo
tui_keys 3
tui_wait_for "$(tui_t 'p save PDF  d day  Left/Right previous/next day  ESC back')"
tui_keys p
tui_wait_for "ui.print_dir"
ok $? "without ui.print_dir p says what to set"
is "$(ls "$PRINT" | wc -l)" 0 "and nothing is written"
tui_keys Enter
unlike "$(cat "$TEST_TMP/tui.err" 2>/dev/null)" "no (reason )?text" "stderr is clean"
done_testing
