#!/bin/sh
# card: personalization through pcscd and the emulator (bench/card-bench.c).
# Prints:
#   card_apdus_existing_juki N apdus   APDUs of one personalization (goal <= 12)
#   card_apdus_new_juki N apdus
#   card_apdus_standalone N apdus
#   card_ms_per_card X ms              existing Juki card, mean over
#                                      CARD_BENCH_COUNT cards in one process,
#                                      store commits included (goal < 5)
#   card_ratio_vs_raw X ratio          that over replaying the same APDUs on
#                                      the transport alone (goal < 1.5)
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

pcsc_start
bench() {
	_db=$TEST_TMP/bench-$1.db
	rm -f "$_db"
	"$NHICARD" --config "$CONF" --db "$_db" db init >/dev/null || exit 1
	# The emulator's card state files (its "EEPROM", rewritten and synced
	# on every write APDU) go to memory when we can: the figure is about
	# the station, not about the emulator's disk. The store stays on disk.
	_cards=$(mktemp -d "${CARD_BENCH_CARDS:-/dev/shm}/nhicard-bench.XXXXXX" 2>/dev/null ||
	    mktemp -d "$TEST_TMP/cards.XXXXXX")
	shift_kind=$1
	shift
	"$top_builddir/bench/card-bench" --config "$CONF" --db "$_db" --reader "$PCSC_READER" \
	    --cardsim "$CARDSIM" --pcsc-wait "$PCSC_WAIT" --dir "$_cards" --kind "$shift_kind" "$@"
	_st=$?
	rm -rf "$_cards"
	return $_st
}
value() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }

out=$(bench juki --count 1) || exit 1
echo "card_apdus_existing_juki $(value "$out" apdus) apdus"
out=$(bench juki-new --count 1) || exit 1
echo "card_apdus_new_juki $(value "$out" apdus) apdus"
out=$(bench standalone --count 1) || exit 1
echo "card_apdus_standalone $(value "$out" apdus) apdus"
out=$(bench juki --count "${CARD_BENCH_COUNT:-50}" --raw) || exit 1
echo "card_ms_per_card $(value "$out" ms_per_card) ms"
echo "card_raw_ms_per_card $(value "$out" raw_ms) ms"
echo "card_ratio_vs_raw $(value "$out" ratio) ratio"
