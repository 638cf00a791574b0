#!/bin/sh
# The clerk's issue screen, black-box through tmux against pcscd and the
# emulator (tests/lib/tui.sh): a full issue on the Juki card the resident
# brings, with the certificate and the receipt as PDFs; the insert-card box
# following the reader and cancelled with ESC; a standalone card with the
# sleeve insert for a foreign resident. Each on the screen, in the store and
# on the card.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_need_tmux
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v pdftotext >/dev/null 2>&1 || skip_all "pdftotext is needed to read the PDFs"
pcsc_start
make_store "$DB"
PRINT=$TEST_TMP/print
mkdir "$PRINT"
printf '[ui]\nprint_dir = %s\n' "$PRINT" >>"$CONF"
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "John SMITH" \
    --name-kana "ジョン スミス" --birth 1985-05-05 --sex 1 --address "東京都千代田区神田3-3" \
    --nationality US --residence-status 技術 --stay-until 2030-01-01 >/dev/null &&
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
    --number 4 --kind hihokensha --acquired 2020-04-01 2 >/dev/null ||
	bail "cannot add the second resident"
rows() { sql "SELECT count(*) FROM cards"; }

tui_start --config "$CONF" --db "$DB" --reader "$PCSC_READER" tui
tui_login_demo
ok $? "the demo operator logs in"
tui_open_resident ヤマダ "ヤマダ タロウ"
ok $? "the resident is found and opened"

# ---- the issue screen: what the rules allow, in Japanese
tui_keys i
tui_wait_for "$(tui_t 'Issue an NHI card')"
ok $? "the issue screen opens"
# The screen is drawn once every path is planned: wait for its last line.
tui_wait_for "$(tui_t 'Card to insert:')"
tui_shows "$(tui_t 'Rules:') $(tui_t 'The insurance is written onto the resident card the resident holds.')" "the rules' reason, in Japanese (the reason table)"
tui_shows "> 1 $(tui_t 'the Juki card the resident brings')  $(tui_t fee) $(tui_tf '%d yen' 0)$(tui_t "  (the rules' choice)")" \
    "the Juki card held is the rules' choice, free"
tui_shows "2 $(tui_t 'a new Juki card (card fee)')  $(tui_t fee) $(tui_tf '%d yen' 500)" \
    "a new Juki card costs the card fee"
tui_shows "$(tui_t 'Card to insert:') $(tui_t "the resident's own Juki card")" \
    "it says which card to insert"
# The document is named as the rules of the day give it (pilot: 被保険者証).
printed=$(tui_tf '%s and the counter receipt, to %s' "国民健康保険被保険者証" \
    "$(tui_tf 'PDF files in %s' "$PRINT")")
# The line wraps after the directory's start: its beginning is enough.
tui_shows "$(tui_t 'Print:') $(printf '%s' "$printed" | sed "s|$PRINT.*||")" \
    "it says what is printed, and where"
like "$screen" "国保カード" "the screen speaks Japanese"

# ---- ESC in the insert-card box: nothing happens
confirm=$(tui_tf 'An NHI card is issued to %s.\nCard path: %s\nFee: %s\nInsert: %s\nPrinted: %s\n%sIssue the card?' \
    "山田 太郎" "$(tui_t 'the Juki card the resident brings')" "$(tui_tf '%d yen' 0)" \
    "$(tui_t "the resident's own Juki card")" "$printed" "")
tui_keys Enter
tui_wait_for "$(printf '%s\n' "$confirm" | tail -n 1)"
ok $? "Enter asks for confirmation"
tui_shows "$(printf '%s\n' "$confirm" | sed -n 2p)" "the confirmation names the path"
tui_shows "$(printf '%s\n' "$confirm" | sed -n 3p)" "and the fee"
tui_shows "$(printf '%s\n' "$confirm" | sed -n 4p)" "and the card to insert"
tui_keys y
tui_wait_for "$(tui_t 'Insert the card')"
ok $? "with no card in the reader, the screen asks for it"
tui_shows "$(tui_t "the resident's own Juki card")" "the box names the card to insert"
# The box is drawn before the reader's state arrives: wait for it.
tui_wait_for "$(tui_tf 'Reader: %s' "$(tui_t 'no card in the reader')")"
ok $? "and the reader's state"
tui_keys Escape
tui_wait_for "$(tui_t 'Cancelled: nothing was written.')"
ok $? "ESC cancels: nothing was written"
is "$(rows)" 0 "no card row after the cancel"

# ---- the full issue: insert the card while the box waits
tui_keys Enter
tui_wait_for "$(printf '%s\n' "$confirm" | tail -n 1)"
tui_keys y
tui_wait_for "$(tui_t 'Insert the card')"
insert_card "$TEST_TMP/juki" juki
tui_wait_for "$(tui_t 'The card is issued.')" 30
ok $? "inserting the card issues it"
serial=$(sql "SELECT card_serial FROM cards WHERE resident_id = 1")
cert=$(sql "SELECT serial FROM certificates WHERE resident_id = 1 AND voided_at IS NULL")
tui_shows "$(tui_t 'Card:') $(tui_t 'the Juki card the resident brings')  $(tui_t serial) $serial" \
    "the result shows the card's serial"
tui_shows "$(tui_t 'Key generation:') 1" "and the key generation"
tui_shows "$(tui_t 'Certificate saved as PDF:') $cert" "and the certificate's serial, saved as a PDF (not 'printed')"
tui_shows "$(tui_t 'Counter receipt: saved as PDF')" "and the receipt, saved as a PDF"
tui_hides "$(tui_t 'Counter receipt: printed')" "nothing says printed when nothing was printed"
tui_shows "$(tui_t 'PDF:') $PRINT/certificate-1.pdf" "and where the certificate went"
tui_shows "$(tui_t 'PDF:') $PRINT/receipt-1.pdf" "and the receipt"
is "$(sql "SELECT state || ' ' || kind || ' ' || key_generation FROM cards")" \
    "active juki_existing 1" "the store row is active"
nhi card inspect
like "$out" "^NHI AP: LCS 05 activated$" "the card's NHI AP is activated"
like "$out" "^  card kind: juki_existing$" "the card's record says its kind"
t=$(pdftotext -enc UTF-8 "$PRINT/certificate-1.pdf" - 2>&1 | tr -d ' ')
like "$t" "山田太郎" "the certificate carries the name"
like "$t" "$cert" "and its serial"
t=$(pdftotext -enc UTF-8 "$PRINT/receipt-1.pdf" - 2>&1 | tr -d ' \n')
like "$t" "$serial" "the receipt names the card's serial"
like "$t" "$cert" "and the certificate's serial"
is "$(sql "SELECT outcome FROM audit_log WHERE action = 'card.issue'")" ok "the issue is audited"

# Enter closes the result, back to the resident's screen.
tui_keys Enter
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
ok $? "Enter closes the result"

# ---- a standalone card for a foreign resident, with the sleeve insert
card_remove
tui_keys Escape
tui_wait_for "$(tui_t '/ search  Enter open  ESC back')"
tui_keys /
tui_type ジョン
tui_keys Enter
tui_wait_for "ジョン スミス"
tui_keys Enter
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
tui_keys i
tui_wait_for "$(tui_t 'Issue an NHI card')"
tui_keys 3 s
tui_wait_for "$(tui_t 'Card to insert:') $(tui_t 'a blank standalone card')"
ok $? "3 chooses the standalone card"
tui_shows "> 3 $(tui_t 'a standalone NHI card')  $(tui_t fee) $(tui_tf '%d yen' 0)" \
    "the standalone path is chosen"
tui_shows "$(tui_t 'Print:') $(tui_tf '%s and the counter receipt, to %s' \
    "$(tui_t 'the sleeve insert')" "$(tui_tf 'PDF files in %s' "$PRINT")" | sed "s|$PRINT.*||")" \
    "s chooses the sleeve insert"
insert_card "$TEST_TMP/standalone" standalone
tui_keys Enter
tui_wait_for "$(printf '%s\n' "$confirm" | tail -n 1)"
tui_shows "$(tui_t 'a blank standalone card')" "the confirmation names the blank card"
tui_keys y
tui_wait_for "$(tui_t 'The card is issued.')" 30
ok $? "a card already in the reader is written at once"
tui_shows "$(tui_t 'Card:') $(tui_t 'a standalone NHI card')" "the result names the standalone card"
sleeve=$(sql "SELECT serial FROM certificates WHERE resident_id = 2 AND document = 'sleeve'")
like "$sleeve" "^S-[0-9]+$" "a sleeve insert serial is recorded"
tui_shows "$(tui_t 'Sleeve insert saved as PDF:') $sleeve" "the result shows the sleeve insert's serial"
tui_shows "$(tui_t 'PDF:') $PRINT/sleeve-2.pdf" "and its PDF"
[ -s "$PRINT/sleeve-2.pdf" ]
ok $? "the sleeve insert PDF is written"
is "$(sql "SELECT state || ' ' || kind FROM cards WHERE resident_id = 2")" "active standalone" \
    "the standalone card is active"
nhi card inspect
like "$out" "^key versions: 30 \(municipality\)$" "the transport keys were replaced by the town's"
nhi card verify
is "$rc" 0 "the standalone card verifies"
tui_running
ok $? "the screen is still running"
is "$(cat "$TEST_TMP/tui.err" 2>/dev/null)" "" "nothing on stderr"
done_testing
