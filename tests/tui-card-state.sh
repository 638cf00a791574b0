#!/bin/sh
# tui-card-state.sh: the clerk's screen shows the reader's state on its
# status line and follows a card inserted and pulled while it runs
# (card_monitor_poll at every key timeout), through pcscd and the virtual
# reader. The screen runs from a key script whose wait-card directives
# poll the reader; this test inserts and pulls the card meanwhile.

. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

[ -x "$PCSCD" ] || skip_all "pcscd is not installed"
pcsc_start
make_store "$DB"
OUT=$TEST_TMP/dumps
mkdir -p "$OUT"
cat >"$TEST_TMP/card.keys" <<'EOK'
key Enter
type demo
key Enter
wait-card empty 30
dump state-empty
wait-card present 30
dump state-present
wait-card empty 30
dump state-removed
key q
EOK

# wait_file FILE: poll (at most 30 s) until the screen wrote FILE.
wait_file() {
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -s "$1" ]
}

LANG=C.UTF-8 LC_ALL=C.UTF-8 NHICARD_LOCALEDIR=${NHICARD_LOCALEDIR:-$top_builddir/po} \
    NHICARD_TUI_SCRIPT=$TEST_TMP/card.keys NHICARD_TUI_DUMP_DIR=$OUT \
    "$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" tui \
    >"$TEST_TMP/tui.out" 2>"$TEST_TMP/tui.err" &
tui_pid=$!
at_exit "kill $tui_pid 2>/dev/null"

wait_file "$OUT/state-empty.txt"
ok $? "the screen saw the empty reader"
insert_card "$TEST_TMP/juki.card" juki
wait_file "$OUT/state-present.txt"
ok $? "the screen saw the card inserted"
card_remove
wait_file "$OUT/state-removed.txt"
ok $? "the screen saw the card pulled"
wait $tui_pid
is "$?:$(cat "$TEST_TMP/tui.err")" "0:" "the screen ran to the script's end"

status() { sed -n 23p "$OUT/$1.txt"; }
like "$(status state-empty)" "操作者 demo.*読取機：カードなし" \
    "status line: no card ($(status state-empty))"
like "$(status state-present)" "読取機：カードあり" \
    "status line: card present ($(status state-present))"
like "$(status state-removed)" "読取機：カードなし" \
    "status line: no card again ($(status state-removed))"

done_testing
