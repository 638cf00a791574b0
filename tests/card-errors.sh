#!/bin/sh
# Card and reader problems give a clear message and exit 4: no pcscd, no
# reader, a reader named that does not exist, several readers and none
# chosen, no card. Also the card command's usage errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"

skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $1"; }
: >"$TEST_TMP/empty.conf"
nhi() { run "$NHICARD" --config "$TEST_TMP/empty.conf" "$@"; }

# ---- usage
nhi card
is "$rc" 2 "card without a sub-command exits 2"
like "$out" "expected a sub-command" "and says what it expects"
nhi card frobnicate
is "$rc" 2 "an unknown card sub-command exits 2"
like "$out" "unknown card sub-command 'frobnicate'" "the unknown sub-command is named"
nhi card help
is "$rc" 0 "card help exits 0"
like "$out" "^  apdu " "card help lists apdu"
like "$out" "^  readers " "card help lists readers"
like "$out" "^  status " "card help lists status"
nhi card help apdu
like "$out" "usage: nhicard card apdu HEX" "card help apdu shows its usage"
nhi card apdu
is "$rc" 2 "card apdu without an APDU exits 2"
printf '[card]\nextended = maybe\n' >"$TEST_TMP/bad.conf"
run "$NHICARD" --config "$TEST_TMP/bad.conf" card status
is "$rc" 3 "a bad card.extended exits 3"
like "$out" "card.extended = maybe: expected auto, yes or no" "and names the setting"

# ---- no pcscd: only when the harness runs its own
pcsc_start
if [ "$PCSC_OWN" = 1 ]; then
	pcsc_stop
	"$PCSC_WAIT" --timeout 0 service 2>/dev/null
	isnt=$?
	ok $([ "$isnt" -ne 0 ] && echo 0 || echo 1) "pcscd is stopped"
	nhi card status
	is "$rc" 4 "status without pcscd exits 4"
	like "$out" "PC/SC service \(pcscd\) is not running" "the missing service is named"
	nhi card readers
	is "$rc" 4 "readers without pcscd exits 4"
	like "$out" "pcscd\) is not running" "readers names the missing service"
	nhi card apdu 00a4040000
	is "$rc" 4 "apdu without pcscd exits 4"

	# ---- a pcscd with no reader at all
	pcsc_start --empty
	nhi card readers
	is "$rc" 4 "readers with no reader exits 4"
	like "$out" "no card reader is connected" "readers says there is no reader"
	nhi card status
	is "$rc" 4 "status with no reader exits 4"
	like "$out" "no card reader is connected" "status says there is no reader"
	nhi --reader "Virtual PCD 00 00" card status
	is "$rc" 4 "a named reader with no reader at all exits 4"
	like "$out" "no card reader is connected \(wanted reader 'Virtual PCD 00 00'\)" \
	    "and names the reader wanted"
	pcsc_start
else
	for t in 1 2 3 4 5 6 7 8 9 10 11 12; do
		skip "a pcscd not started by the tests is running: cannot test without one"
	done
fi

# ---- readers present, but not the one named, or none chosen, or no card
nhi --reader "No Such Reader 00 00" card status
is "$rc" 4 "an unknown reader exits 4"
like "$out" "no reader named 'No Such Reader 00 00'; readers present: .*'$PCSC_READER'" \
    "the message lists the readers present"
nhi card status
is "$rc" 4 "several readers and none chosen exits 4"
like "$out" "readers are present and none was chosen: choose one with --reader" \
    "the message says how to choose"
like "$out" "'$PCSC_READER2'" "and lists the readers"
nhi --reader "$PCSC_READER" card status
is "$rc" 4 "an empty reader exits 4"
like "$out" "no card in reader '$PCSC_READER'" "the message names the empty reader"
nhi --reader "$PCSC_READER" card apdu 00a4040000
is "$rc" 4 "apdu to an empty reader exits 4"
like "$out" "no card in reader '$PCSC_READER'" "apdu names the empty reader"
printf '[card]\nreader = %s\n' "$PCSC_READER" >"$TEST_TMP/reader.conf"
run "$NHICARD" --config "$TEST_TMP/reader.conf" card status
like "$out" "no card in reader '$PCSC_READER'" "card.reader in the configuration chooses the reader"

done_testing
