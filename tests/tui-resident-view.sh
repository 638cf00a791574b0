#!/bin/sh
# What the clerk sees of a resident (issue 18 item 5), black-box through
# tmux at 80x24 (tests/lib/tui.sh), without a card service:
#   - the full address, however long: the row wraps under itself, nothing
#     is cut with "…";
#   - the household: the head first, this resident marked; Tab selects a
#     member, Enter opens their record, ESC comes back;
#   - the eligibility history: the 「(訂正済み)」 mark, the period's end
#     and the valid-until date shown whole at 80 columns;
#   - the rejections on the queue screen name the resident, in local time.
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
EOC
n() { "$NHICARD" --config "$CONF" --db "$DB" "$@" >/dev/null || bail "nhicard $*"; }
sql() { "$SQLITE3" "$DB" "$1"; }
# A 118-character address (as a Juki card may hold), ending in a word the
# test looks for.
ADDR="北海道札幌市中央区北一条西二丁目一番地札幌市役所本庁舎前通り沿い第三合同庁舎東棟別館高層住宅棟二十三階二三〇一号室北側角部屋南向き眺望良好住戸管理組合気付山田様方離れ二階奥の間終端"
n db init
# The member is entered before the head: the head is still listed first.
n resident add --name-kanji "佐藤 次郎" --name-kana "サトウ ジロウ" --birth 2010-05-05 \
    --sex 1 --address "$ADDR" --household H9
n resident add --name-kanji "佐藤 一郎" --name-kana "サトウ イチロウ" --birth 1970-01-01 \
    --sex 1 --address "$ADDR" --household H9 --head
n eligibility add --insurer 133116 --symbol 7 --number 1 --kind hihokensha \
    --acquired 2020-04-01 2
n eligibility correct 1 --insurer 133116 --symbol 7 --number 1 --kind hihokensha \
    --acquired 2020-04-01 --lost 2026-03-31 --valid-until 2027-07-31
# A rejected record about 一郎 (as an acknowledgement would mark it).
seq=$(sql "SELECT max(seq) FROM queue_records WHERE instr(CAST(payload AS TEXT), '\"person\":2') > 0")
[ -n "$seq" ] || bail "no queue record about resident 2"
sql "UPDATE queue_records SET sent_at = '2026-04-01T00:00:00Z', rejected_at = '2026-04-01T01:02:00Z',
    reject_code = 'unknown_person', reject_reason = 'test' WHERE seq = $seq"

tui_start --config "$CONF" --db "$DB" tui
tui_login_demo
ok $? "the demo operator logs in"
tui_open_resident サトウジ "サトウ ジロウ"
ok $? "the member is opened"

# ---- the address, whole
joined=$(printf '%s\n' "$screen" | sed -n "/^  $(tui_t 'Address')  /,/^  $(tui_t 'Household')  /p" |
    sed -e '$d' -e 's/^ *//' -e "s/^$(tui_t 'Address')  //" | tr -d '\n')
is "$joined" "$ADDR" "the 118-character address is on the screen whole (wrapped under itself)"
tui_hides "…" "nothing on the resident's screen is cut"

# ---- the household: head first, this resident marked, a member opened
first=$(printf '%s\n' "$screen" | sed -n "/$(tui_t '%s (%zu)' |
    sed "s/%s/$(tui_t 'Household members')/; s/%zu/2/")/{n;p;}")
like "$first" "佐藤 一郎 .*$(tui_t 'head')" "the head is listed first (entered after the member)"
tui_shows "$(tui_t '(this resident)')" "this resident is marked in the household"
tui_keys Tab
tui_wait_for "> 佐藤 一郎"
ok $? "Tab selects the head"
tui_shows "$(tui_t 'Enter open member  Tab next  i issue  r reprint  l loss  ESC back')" \
    "the key-hint line says Enter opens the member"
tui_keys Enter
tui_wait_for "$(tui_t 'Name')  佐藤 一郎"
ok $? "Enter opens the head's record"
tui_shows "$(tui_t 'head (this resident)')" "where the head is this resident"
tui_keys Escape
tui_wait_for "$(tui_t 'Name')  佐藤 次郎"
ok $? "ESC comes back to the member"

# ---- the eligibility history, not cut
tui_keys Escape
tui_keys Escape
tui_open_resident サトウイ "サトウ イチロウ"
ok $? "the head is opened"
tui_shows "$(tui_t ' (superseded)')" "the 「(訂正済み)」 mark is shown"
tui_shows "2020-04-01..2026-03-31" "the period's end date is whole"
tui_shows "$(tui_tf 'valid until %s' 2027-07-31)" "the valid-until date is whole"
tui_hides "…" "nothing is cut"
tui_keys Escape
tui_keys Escape

# ---- the rejections name the resident, in local time
tui_keys 2
tui_wait_for "$(tui_t 's send now  r retry  g refresh  Up/Down select  ESC back')"
ok $? "the queue screen opens"
want=$(TZ=${TZ:-} date -d '2026-04-01T01:02:00Z' '+%m/%d %H:%M')
like "$screen" "> #$seq $want 佐藤 一郎" "the rejection names the resident and the local time"
unlike "$screen" "2026-04-01T01:02" "no UTC time stamp"
tui_keys Escape
unlike "$(cat "$TEST_TMP/tui.err" 2>/dev/null)" "no (reason )?text" "stderr is clean"
done_testing
