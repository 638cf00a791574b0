#!/bin/sh
# card: personalization through pcscd and the emulator (bench/card-bench.c).
# Prints:
#   card_apdus_existing_juki N apdus   APDUs of one personalization (goal <= 12)
#   card_apdus_new_juki N apdus
#   card_apdus_standalone N apdus
#   card_ms_per_card X ms              existing Juki card, mean over
#                                      CARD_BENCH_COUNT cards (50; quick: 3)
#                                      in one process, store commits
#                                      included (goal < 5)
#   card_replay_ms_per_card X ms       the floor: the same command bytes
#                                      replayed on a second card with the
#                                      same serial and a fixed card
#                                      challenge (the emulator's test
#                                      build), which accepts EXTERNAL
#                                      AUTHENTICATE and does all of its own
#                                      work: key generation, writes,
#                                      signature; every status word must
#                                      match the station's run
#   card_ratio_vs_replay X ratio       the first over the second (goal < 1.5)
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
# The emulator's test build: the only one with fixed-challenge=.
CARDSIM_TEST=$top_builddir/cardsim/nhicard-cardsim-test
[ -x "$CARDSIM_TEST" ] || fail "$CARDSIM_TEST not built (make bench builds it)"

# The group's configuration is tests/lib/perso.sh's, written into the
# group's own scratch directory ($CONF): test mode and keys, the test town,
# the pilot's rules (the card paths are the Juki card's).

pcsc_start
bench() {
	_db=$TEST_TMP/bench-$1.db
	rm -f "$_db"
	"$NHICARD" --config "$CONF" --db "$_db" db init >/dev/null || fail "db init"
	# The emulator's card state files (its "EEPROM", rewritten and synced
	# on every write APDU) go to memory when we can: the figure is about
	# the station, not about the emulator's disk. The store stays on disk.
	_cards=$(mktemp -d "${CARD_BENCH_CARDS:-/dev/shm}/nhicard-bench.XXXXXX" 2>/dev/null ||
	    mktemp -d "$TEST_TMP/cards.XXXXXX")
	shift_kind=$1
	shift
	"$top_builddir/bench/card-bench" --config "$CONF" --db "$_db" --reader "$PCSC_READER" \
	    --cardsim "$CARDSIM_TEST" --pcsc-wait "$PCSC_WAIT" --dir "$_cards" \
	    --kind "$shift_kind" "$@"
	_st=$?
	rm -rf "$_cards"
	return $_st
}
value() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }

out=$(bench juki --count 1) || fail "existing Juki card"
echo "card_apdus_existing_juki $(value "$out" apdus) apdus"
out=$(bench juki-new --count 1) || fail "new Juki card"
echo "card_apdus_new_juki $(value "$out" apdus) apdus"
out=$(bench standalone --count 1) || fail "standalone card"
echo "card_apdus_standalone $(value "$out" apdus) apdus"
out=$(bench juki --count "${CARD_BENCH_COUNT:-$(sized 50 3)}" --replay) ||
    fail "personalization and replay"
echo "card_ms_per_card $(value "$out" ms_per_card) ms"
echo "card_replay_ms_per_card $(value "$out" replay_ms) ms"
echo "card_ratio_vs_replay $(value "$out" ratio) ratio"
