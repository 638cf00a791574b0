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
#   card_transmit_ms_per_card X ms     of card_ms_per_card, the time spent
#                                      waiting for the card's answers
#   card_station_cpu_ms_per_card X ms  and the station's CPU time (user and
#                                      system); the rest is mostly the two
#                                      commits' fsyncs (docs/performance.md)
#   card_token_ms_per_card X ms        card_ms_per_card with the keys in a
#                                      PKCS#11 token (SoftHSM2, keys.store
#                                      = pkcs11, docs/keys.md 4.9): the
#                                      token computes the diversification
#                                      and the key-record signature
#   card_token_ratio_vs_file X ratio   the token's figure over the file
#                                      store's, the two measured back to
#                                      back the same way (no replay run)
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/token.sh"
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
	"$NHICARD" --config "${BCONF:-$CONF}" --db "$_db" db init >/dev/null || fail "db init"
	# The emulator's card state files (its "EEPROM", rewritten and synced
	# on every write APDU) go to memory when we can: the figure is about
	# the station, not about the emulator's disk. The store stays on disk.
	_cards=$(mktemp -d "${CARD_BENCH_CARDS:-/dev/shm}/nhicard-bench.XXXXXX" 2>/dev/null ||
	    mktemp -d "$TEST_TMP/cards.XXXXXX")
	shift_kind=$1
	shift
	"$top_builddir/bench/card-bench" --config "${BCONF:-$CONF}" --db "$_db" --reader "$PCSC_READER" \
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
echo "card_transmit_ms_per_card $(value "$out" transmit_ms) ms"
echo "card_station_cpu_ms_per_card $(value "$out" station_cpu_ms) ms"

# The same with the keys in a SoftHSM2 token: the shipped test keys
# imported into it (so the emulator's cards, made from the files, open).
token_have || fail "SoftHSM2 is needed for card_token_ms_per_card (tools/setup installs softhsm2)"
token_setup
tconf "$TEST_TMP/token.conf"
"$NHICARD" --config "$TEST_TMP/token.conf" --db "$TEST_TMP/token-import.db" db init \
    >/dev/null || fail "db init (token)"
for f in test-master-30.keys test-transport-ff.keys test-municipality.key; do
	"$NHICARD" --config "$TEST_TMP/token.conf" --db "$TEST_TMP/token-import.db" \
	    keys import --keep-clear "$KEYS/$f" >/dev/null || fail "keys import $f into the token"
done
# The file store's figure for the ratio is measured the same way just
# before (no --replay between the cards, as in the token's run).
out=$(bench juki --count "${CARD_BENCH_COUNT:-$(sized 50 3)}") ||
    fail "personalization with the file store"
file_ms=$(value "$out" ms_per_card)
out=$(BCONF=$TEST_TMP/token.conf bench juki --count "${CARD_BENCH_COUNT:-$(sized 50 3)}") ||
    fail "personalization with the token"
token_ms=$(value "$out" ms_per_card)
echo "card_token_ms_per_card $token_ms ms"
echo "card_token_ratio_vs_file $(awk -v a="$token_ms" -v b="$file_ms" 'BEGIN { printf "%.2f", a / b }') ratio"
