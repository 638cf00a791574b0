#!/bin/sh
# The issue screen when the card is wrong or goes away, black-box through
# tmux against pcscd and the emulator (tests/lib/tui.sh): another person's
# card is refused naming which basic items differ (never their values) and
# nothing is recorded; a card pulled in the middle of the write (the
# emulator tears the connection at an APDU) leaves an unfinished store row
# and the screen says so and what to do; put back and issued again, the
# same card becomes active and verifies; that card presented again is
# refused as already active.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_need_tmux
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
make_store "$DB"
# Resident 2: the Juki cards' holder's namesake at another address.
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "山田 次郎" \
    --name-kana "ヤマダ ジロウ" --birth "$P_BIRTH" --sex 1 \
    --address "東京都千代田区千代田1-2" >/dev/null &&
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 9 \
    --number 2 --kind hihokensha --acquired 2020-04-01 2 >/dev/null ||
	bail "cannot add the second resident"
lcs() { "$CARDSIM" --inspect "$1" | sed -n 's/.*lcs=\([0-9][0-9]\) .*nhi-ap.*/\1/p'; }
counts() { sql "SELECT (SELECT count(*) FROM cards) || '/' || (SELECT count(*) FROM card_events)"; }
paths_hint=$(tui_t 'Enter: back to the card path (issue again)  ESC: back')
# The confirmation's question (its last line).
question=$(tui_t 'An NHI card is issued to %s.\nCard path: %s\nFee: %s\nInsert: %s\nPrinted: %s\n%sIssue the card?' |
    tail -n 1 | sed 's/^%s//')
# issue_on_screen: Enter, y on the issue screen (the card is in the reader).
issue_on_screen() {
	tui_keys Enter
	tui_wait_for "$question" || return 1
	tui_keys y
}

tui_start --config "$CONF" --db "$DB" --reader "$PCSC_READER" tui
tui_login_demo
ok $? "the demo operator logs in"

# ---- another person's card: refused, which items differ, nothing recorded
tui_open_resident ヤマダジ "ヤマダ ジロウ"
ok $? "resident 2 is opened"
insert_card "$TEST_TMP/juki" juki
n0=$(counts)
tui_keys i
tui_wait_for "$(tui_t 'Issue an NHI card')"
issue_on_screen
# The error box first (what happened, what to do), then the screen.
tui_wait_for "$(tui_t 'Press any key.')" 30
ok $? "the refusal is shown"
tui_keys Enter
tui_wait_for "$paths_hint"
ok $? "the screen says the card was not issued"
tui_shows "$(tui_t 'The card was not issued.')" "in the clerk's words"
items="$(tui_t name)$(tui_t ', ')$(tui_t address)"
tui_shows "$(tui_tf "This is not the resident's card: %s differ." "$items")" \
    "it names the items that differ: name and address"
tui_shows "$(tui_t "Check that it is the resident's own card; nothing was written.")" \
    "and says nothing was written"
tui_hides "山田 太郎" "the card holder's name is not shown"
tui_hides "千代田1-1" "nor the card's address"
is "$(counts)" "$n0" "nothing is recorded for the wrong card"
is "$(lcs "$TEST_TMP/juki")" "" "the card has no NHI AP"

# ---- the right person, but the card is pulled in the middle of the write
tui_keys Escape
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
tui_keys Escape
tui_wait_for "$(tui_t '/ search  Enter open  ESC back')"
tui_keys /
tui_type ヤマダタ
tui_keys Enter
tui_wait_for "ヤマダ タロウ"
tui_keys Enter
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
ok $? "resident 1 is opened"
# The emulator drops the connection when APDU 7 arrives: after the secure
# channel was opened and the NHI AP created, before the key is generated.
card_insert "$TEST_TMP/juki" --tear-after 7
tui_keys i
tui_wait_for "$(tui_t 'Issue an NHI card')"
issue_on_screen
tui_wait_for "$(tui_t 'Press any key.')" 30
ok $? "the failure is shown"
card_wait_removed
tui_keys Enter
tui_wait_for "$paths_hint"
tui_shows "$(tui_t 'The card is unfinished: the writing stopped half-way.')" \
    "the screen says the card is unfinished"
tui_shows "$(tui_t 'Put the same card back in the reader and issue again to finish it.')" \
    "and what to do"
tui_wait_for "$(tui_tf 'Reader: %s' "$(tui_t 'no card')")"
ok $? "the status line shows the reader empty"
is "$(sql "SELECT state FROM cards WHERE resident_id = 1")" unfinished \
    "the store row is unfinished"
like "$(sql "SELECT step FROM cards WHERE resident_id = 1")" "^[a-z_]+$" "with the step reached"
is "$(lcs "$TEST_TMP/juki")" 01 "the card holds an NHI AP still being created (LCS 01)"

# ---- put back and issued again: the same row finishes, the card is active
card_insert "$TEST_TMP/juki"
tui_keys Enter
tui_wait_for "$(tui_t 'Issue an NHI card')"
tui_keys Enter
# Before a new write the screen names the card left unfinished: finish it.
tui_wait_for "$(tui_t 'A card was left unfinished')"
ok $? "the screen says a card was left unfinished before writing again"
tui_keys 1
tui_wait_for "$question" || ok 1 "the confirmation follows"
tui_keys y
tui_wait_for "$(tui_t 'The card is issued.')" 30
ok $? "issued again, the card is finished"
is "$(sql "SELECT group_concat(state) FROM cards WHERE resident_id = 1")" active \
    "the same store row is now active"
like "$(sql "SELECT group_concat(event, ',') FROM card_events WHERE card_id =
  (SELECT id FROM cards WHERE resident_id = 1)")" \
    "^personalize_start,personalize_failed,personalize_(restart|finish)[a-z_]*,activated$" \
    "its events show the interruption and the finish"
is "$(lcs "$TEST_TMP/juki")" 05 "the card's NHI AP is activated"
nhi card verify
is "$rc" 0 "the card verifies"

# ---- the same card again: refused as already active, nothing recorded
tui_keys Enter
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
n0=$(counts)
tui_keys i
tui_wait_for "$(tui_t 'Issue an NHI card')"
issue_on_screen
tui_wait_for "$(tui_t 'Press any key.')" 30
ok $? "issuing onto the active card is refused"
tui_keys Enter
tui_wait_for "$paths_hint"
like "$screen" "already (carries|has) an active NHI" "the detail says the card is already active"
is "$(counts)" "$n0" "nothing is recorded for the refusal"
tui_running
ok $? "the screen is still running"
done_testing
