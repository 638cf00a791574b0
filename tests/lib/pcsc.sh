# pcsc.sh: the PC/SC test harness: a pcscd with vsmartcard's vpcd virtual
# reader, and card emulators (nhicard-cardsim) inserted into it. Sourced by
# the card tests (after common.sh) and by tools/demo-run.
#
# There is one pcscd per machine (its socket path is fixed), so every user
# of this file first takes a machine-wide lock (flock) and holds it until it
# exits: card tests take turns while other tests run in parallel.
#
#   pcsc_start [--empty]   lock, then use the running pcscd if it has a vpcd
#                          reader (fail clearly if it has none), else start
#                          our own `pcscd -f -c DIR` (--empty: with no reader
#                          configured at all). Exports PCSC_READER and
#                          PCSC_READER2 (the two vpcd slots) and PCSC_OWN
#                          (1 when the pcscd is ours).
#   pcsc_stop              stop our pcscd (never one we did not start).
#   card_insert [--slot N] FILE [cardsim options...]
#                          start an emulator playing the card kept in FILE
#                          and wait until pcscd sees the card.
#   card_remove [--slot N] end the emulator, wait until the reader is empty.
#   card_wait_removed [--slot N]
#                          wait until the reader is empty (after a tear).
# Nothing here sleeps for a fixed time: the helper tests/pcsc-wait waits on
# SCardGetStatusChange. Everything started here is stopped on exit, even when
# the test fails.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${CARDSIM:=$top_builddir/cardsim/nhicard-cardsim}"
: "${PCSC_WAIT:=$top_builddir/tests/pcsc-wait}"
: "${VPCD_DRIVER:=/usr/lib/pcsc/drivers/serial/libifdvpcd.so}"
: "${VPCD_PORT:=35963}"
: "${PCSC_LOCK:=/tmp/nhicard-pcscd.lock}"
: "${PCSC_LOCK_TIMEOUT:=900}"
: "${PCSC_TIMEOUT:=10}"
if [ -z "${PCSCD:-}" ]; then
	PCSCD=$(command -v pcscd 2>/dev/null || echo /usr/sbin/pcscd)
fi
export CARDSIM PCSC_WAIT VPCD_PORT

PCSC_OWN=0
PCSC_READER=
# The card tests' stores are production ones without a configuration: a
# test build (--enable-test-hooks) lets them use the vpcd reader, which a
# production station refuses (issue 16 item 10).
NHICARD_TEST_VIRTUAL_READER=1
export NHICARD_TEST_VIRTUAL_READER
PCSC_READER2=
_pcsc_pid=
_pcsc_locked=0
_pcsc_sims=
PCSC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nhicard-pcsc.XXXXXX") || {
	echo "pcsc.sh: mktemp failed" >&2
	exit 1
}

# Print why and fail the whole script (a TAP "Bail out!" when tap.sh is in).
_pcsc_fail() {
	if command -v bail >/dev/null 2>&1; then
		bail "pcsc harness: $*"
	fi
	echo "pcsc harness: $*" >&2
	exit 1
}

_pcsc_cleanup() {
	for _p in $_pcsc_sims; do
		kill "${_p#*:}" 2>/dev/null
	done
	for _p in $_pcsc_sims; do
		wait "${_p#*:}" 2>/dev/null
	done
	_pcsc_sims=
	pcsc_stop
	rm -rf "$PCSC_TMP"
}
if command -v at_exit >/dev/null 2>&1; then
	at_exit _pcsc_cleanup
else
	trap _pcsc_cleanup EXIT
	trap 'exit 130' INT TERM
fi

_pcsc_lock() {
	[ "$_pcsc_locked" = 1 ] && return 0
	command -v flock >/dev/null 2>&1 ||
		_pcsc_fail "flock(1) is missing (Debian package util-linux)"
	exec 9>>"$PCSC_LOCK" || _pcsc_fail "cannot open the lock file $PCSC_LOCK"
	flock -w "$PCSC_LOCK_TIMEOUT" 9 ||
		_pcsc_fail "another card test held $PCSC_LOCK for ${PCSC_LOCK_TIMEOUT}s"
	_pcsc_locked=1
}

# The vpcd readers pcscd shows, slot 0 first.
_pcsc_find_readers() {
	_list=$("$PCSC_WAIT" --timeout 2 list 2>/dev/null | grep '^Virtual PCD' | sort)
	PCSC_READER=$(printf '%s\n' "$_list" | sed -n 1p)
	PCSC_READER2=$(printf '%s\n' "$_list" | sed -n 2p)
	export PCSC_READER PCSC_READER2
}

pcsc_start() {
	_empty=0
	[ "${1:-}" = "--empty" ] && _empty=1
	_pcsc_lock
	[ -x "$PCSC_WAIT" ] || _pcsc_fail "$PCSC_WAIT is not built (make tests/pcsc-wait)"
	[ -x "$CARDSIM" ] || _pcsc_fail "$CARDSIM is not built"
	if [ -z "$_pcsc_pid" ] && "$PCSC_WAIT" --timeout 0 service 2>/dev/null; then
		# A pcscd we did not start: use it, never stop it.
		PCSC_OWN=0
		[ "$_empty" = 1 ] && return 1
		_pcsc_find_readers
		[ -n "$PCSC_READER" ] || _pcsc_fail "a pcscd not started by the tests is" \
		    "running and has no vpcd virtual reader ('Virtual PCD'): install" \
		    "vsmartcard-vpcd and restart it, or stop it (systemctl stop" \
		    "pcscd.socket pcscd) so the tests can start their own"
		export PCSC_OWN
		return 0
	fi
	[ -n "$_pcsc_pid" ] && pcsc_stop
	[ -x "$PCSCD" ] || _pcsc_fail "pcscd not found ($PCSCD): install pcscd"
	_conf="$PCSC_TMP/reader.conf.d"
	rm -rf "$_conf"
	mkdir -p "$_conf"
	if [ "$_empty" = 0 ]; then
		[ -f "$VPCD_DRIVER" ] || _pcsc_fail "vpcd driver $VPCD_DRIVER not found:" \
		    "install vsmartcard-vpcd"
		printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n' \
		    "$VPCD_PORT" "$VPCD_DRIVER" "$VPCD_PORT" >"$_conf/vpcd"
	fi
	"$PCSCD" -f -c "$_conf" >"$PCSC_TMP/pcscd.log" 2>&1 9>&- &
	_pcsc_pid=$!
	PCSC_OWN=1
	export PCSC_OWN
	if ! "$PCSC_WAIT" --timeout "$PCSC_TIMEOUT" service 2>"$PCSC_TMP/wait.err"; then
		_log=$(tail -5 "$PCSC_TMP/pcscd.log")
		_pcsc_fail "our pcscd did not come up: $(cat "$PCSC_TMP/wait.err") $_log"
	fi
	[ "$_empty" = 1 ] && return 0
	"$PCSC_WAIT" --timeout "$PCSC_TIMEOUT" reader "Virtual PCD 00 00" ||
		_pcsc_fail "our pcscd shows no vpcd reader: $(tail -5 "$PCSC_TMP/pcscd.log")"
	_pcsc_find_readers
}

pcsc_stop() {
	[ -n "$_pcsc_pid" ] || return 0
	kill "$_pcsc_pid" 2>/dev/null
	wait "$_pcsc_pid" 2>/dev/null
	_pcsc_pid=
	PCSC_OWN=0
	PCSC_READER=
	PCSC_READER2=
}

_pcsc_slot() {
	_slot=0
	if [ "${1:-}" = "--slot" ]; then
		_slot=$2
		_shift=2
	else
		_shift=0
	fi
	case $_slot in
	0) _reader=$PCSC_READER ;;
	1) _reader=$PCSC_READER2 ;;
	*) _pcsc_fail "no slot $_slot (0 or 1)" ;;
	esac
	[ -n "$_reader" ] || _pcsc_fail "no vpcd reader for slot $_slot (pcsc_start first)"
}

# End the emulators in slot $_slot (also reaps one that tore itself).
# Returns 0 when there was one.
_pcsc_reap_slot() {
	_left=
	_reaped=1
	for _p in $_pcsc_sims; do
		if [ "${_p%%:*}" = "$_slot" ]; then
			kill "${_p#*:}" 2>/dev/null
			wait "${_p#*:}" 2>/dev/null
			_reaped=0
		else
			_left="$_left $_p"
		fi
	done
	_pcsc_sims=$_left
	return $_reaped
}

card_insert() {
	_pcsc_slot "$@"
	shift $_shift
	_file=$1
	shift
	# A card still in the slot is removed first, and pcscd must have seen
	# it go: else the wait below would see the old card.
	if _pcsc_reap_slot; then
		"$PCSC_WAIT" --timeout "$PCSC_TIMEOUT" nocard "$_reader" ||
			_pcsc_fail "the previous card in '$_reader' did not go away"
	fi
	"$CARDSIM" --card "$_file" --port $((VPCD_PORT + _slot)) \
	    --connect-timeout "$PCSC_TIMEOUT" "$@" 2>>"$PCSC_TMP/cardsim.log" 9>&- &
	_pid=$!
	_pcsc_sims="$_pcsc_sims $_slot:$_pid"
	if ! "$PCSC_WAIT" --timeout "$PCSC_TIMEOUT" card "$_reader"; then
		kill "$_pid" 2>/dev/null
		_pcsc_fail "card $_file did not appear in '$_reader':" \
		    "$(tail -3 "$PCSC_TMP/cardsim.log")"
	fi
}

card_remove() {
	_pcsc_slot "$@"
	_pcsc_reap_slot
	"$PCSC_WAIT" --timeout "$PCSC_TIMEOUT" nocard "$_reader" ||
		_pcsc_fail "the card in '$_reader' did not go away"
}

card_wait_removed() {
	_pcsc_slot "$@"
	"$PCSC_WAIT" --timeout "$PCSC_TIMEOUT" nocard "$_reader"
}
