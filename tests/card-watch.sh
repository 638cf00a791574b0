#!/bin/sh
# nhicard card watch through pcscd and the emulator: the card monitor the
# clerk's screen uses (card-monitor.c) reports a card inserted and
# removed, pcscd stopped, a pcscd with no reader and the reader back; and
# the command's own options and errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"

: >"$TEST_TMP/empty.conf"
KEYS=$top_srcdir/keys
nhi() { run "$NHICARD" --config "$TEST_TMP/empty.conf" "$@"; }
W=$TEST_TMP/watch.out
_watch_pid=
_watch_stop() {
	[ -n "$_watch_pid" ] || return 0
	kill "$_watch_pid" 2>/dev/null
	wait "$_watch_pid" 2>/dev/null
	_watch_pid=
}
at_exit _watch_stop

# watch_start: a watcher on slot 0 in the background, writing to $W.
watch_start() {
	: >"$W"
	"$NHICARD" --config "$TEST_TMP/empty.conf" --reader "$PCSC_READER" card watch \
	    --timeout-ms 120000 >"$W" 2>"$W.err" 9>&- &
	_watch_pid=$!
}

# watch_mark: remember how many lines the watcher printed so far.
_mark=0
watch_mark() { _mark=$(wc -l <"$W"); }

# watch_last PATTERN: wait (at most 20 s, polling) until the watcher printed
# a line since watch_mark and its last line matches PATTERN (grep -E); then
# $last is that line.
watch_last() {
	_i=0
	while [ $_i -lt 200 ]; do
		last=$(tail -n 1 "$W")
		if [ "$(wc -l <"$W")" -gt "$_mark" ] &&
		    printf '%s\n' "$last" | grep -Eq -- "$1"; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# the watcher printed: $(tr '\t\n' ' |' <"$W")"
	return 1
}

# ---- usage
nhi card watch --count 0
is "$rc" 2 "--count 0 is a usage error"
like "$out" "--count: expected a number of lines from 1 to 1000000" "it says what --count takes"
nhi card watch --timeout-ms x
is "$rc" 2 "a malformed --timeout-ms is a usage error"
like "$out" "--timeout-ms: expected milliseconds" "it says what --timeout-ms takes"
nhi card watch extra
is "$rc" 2 "an argument is a usage error"
nhi card help watch
like "$out" "usage: nhicard card watch \[--count N\] \[--timeout-ms MS\]" "card help watch shows its usage"

pcsc_start
reader=$PCSC_READER

# ---- one line, then a timeout
nhi --reader "$reader" card watch --count 1
is "$rc" 0 "--count 1 exits 0 after the first line"
is "$out" "empty	$reader" "an empty reader: 'empty', a tab, the reader"
nhi --reader "No Such Reader 00 00" card watch --count 1
is "$rc" 0 "a reader that is not attached is a state, not an error"
is "$out" "no-reader" "it is reported as no-reader"
nhi --reader "$reader" card watch --count 2 --timeout-ms 300
is "$rc" 4 "fewer lines than --count within --timeout-ms exits 4"
like "$out" "timed out after 300 ms with 1 of the 2 state lines" "it says how many lines came"

# ---- insert and remove while watching
watch_start
watch_last "^empty	$reader\$"
ok $? "the watcher starts with the empty reader"
watch_mark
card_insert "$TEST_TMP/juki" --kind juki -o "name=山田 太郎" -o birth=19800401 -o sex=1 \
    -o "address=東京都千代田区千代田1-1" -o municipality=131016 -o "keys=$KEYS"
watch_last "^present	"
ok $? "an inserted card shows as present"
nhi --reader "$reader" card status
atr=$(printf '%s\n' "$out" | sed -n 's/^atr: //p')
is "$last" "present	$reader	$atr" "the line names the reader and the card's ATR"
watch_mark
card_remove
watch_last "^empty	$reader\$"
ok $? "a removed card shows as empty"
watch_mark
card_insert "$TEST_TMP/juki"
watch_last "^present	$reader	$atr\$"
ok $? "the card put back shows as present again"
# A card pulled by itself (a tear in the middle of a command).
watch_mark
card_insert "$TEST_TMP/juki" --tear-after 1
watch_last "^present	"
ok $? "the next card shows as present"
watch_mark
nhi --reader "$reader" card apdu 00a4040000
card_wait_removed
watch_last "^empty	$reader\$"
ok $? "a card that vanished mid-command shows as empty"

# ---- pcscd stopped, a pcscd with no reader, the reader back
if [ "$PCSC_OWN" = 1 ]; then
	watch_mark
	pcsc_stop
	watch_last "^no-service\$"
	ok $? "pcscd stopped shows as no-service"
	watch_mark
	pcsc_start --empty
	watch_last "^no-reader\$"
	ok $? "a pcscd with no reader shows as no-reader"
	watch_mark
	pcsc_start
	watch_last "^empty	$reader\$"
	ok $? "the restarted pcscd and its reader are picked up"
	watch_mark
	card_insert "$TEST_TMP/juki"
	watch_last "^present	$reader	$atr\$"
	ok $? "a card inserted after the restart shows as present"
else
	for t in 1 2 3 4; do
		ok 0 "# SKIP a pcscd not started by the tests is running: not stopping it"
	done
fi
_watch_stop
# Every line is one of the documented states, and no state repeats.
like "$(cut -f1 "$W" | sort -u | tr '\n' ' ')" \
    "^((empty|present|no-service|no-reader|mute|in-use) )+\$" "only documented states"
is "$(uniq -d "$W" | head -n 1)" "" "a line is printed only when the state changed"
is "$(cat "$W.err")" "" "nothing on stderr"
done_testing
