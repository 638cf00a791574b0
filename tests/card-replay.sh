#!/bin/sh
# The emulator's test build (cardsim/nhicard-cardsim-test) and the card
# benchmark's floor (bench/card-bench.c --replay): only the test build
# takes fixed-challenge=; with it a recorded personalization replays in
# full on a second card (EXTERNAL AUTHENTICATE accepted, key generation and
# writes done by the card, every status word the station's run got), and a
# replay the card refuses fails the benchmark, naming the APDU.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
CARDSIM_TEST=$top_builddir/cardsim/nhicard-cardsim-test
BENCH=$top_builddir/bench/card-bench

# The installed emulator refuses the option, before it touches a card.
run "$CARDSIM" --kind juki --card "$TEST_TMP/a.state" -o "keys=$KEYS" \
    -o fixed-challenge=0102030405060708
is "$rc" 2 "the installed emulator refuses fixed-challenge= (exit 2)"
like "$out" "fixed-challenge=: only the emulator's test build has it" \
    "and says that only the test build has it"
[ ! -e "$TEST_TMP/a.state" ]
ok $? "no card was made"
run "$CARDSIM_TEST" --kind juki --card "$TEST_TMP/b.state" -o "keys=$KEYS" \
    -o fixed-challenge=0102
is "$rc" 2 "the test build refuses a challenge that is not 8 bytes"
like "$out" "fixed-challenge=0102: expected 8 bytes of hex" "and names the value"

pcsc_start
# bench DB COUNT ARGS...: card-bench over existing Juki cards, cards in the
# scratch directory; $out and $rc.
bench() {
	_db=$TEST_TMP/$1.db
	shift
	"$NHICARD" --config "$CONF" --db "$_db" db init >/dev/null || bail "db init"
	mkdir -p "$TEST_TMP/cards"
	run "$BENCH" --config "$CONF" --db "$_db" --reader "$PCSC_READER" \
	    --cardsim "$CARDSIM_TEST" --pcsc-wait "$PCSC_WAIT" --dir "$TEST_TMP/cards" \
	    --kind juki "$@"
}

bench good --count 2 --replay
is "$rc" 0 "two personalizations, each replayed in full on a second card"
like "$out" "^replay_ms [0-9.]*$" "the replay is timed"
like "$out" "^ratio [0-9.]*$" "and the ratio printed"
# The replay card did the card's work: its NHI AP is activated and holds a
# key pair and the key record, as the station's card does.
for f in card-0 replay-0; do
	grep -q '^df f04e484943415001 .*lcs=05' "$TEST_TMP/cards/$f"
	ok $? "$f: its NHI application is activated"
done
a=$(grep '^key ' "$TEST_TMP/cards/card-0" | sed 's/private=[0-9a-f]*//')
b=$(grep '^key ' "$TEST_TMP/cards/replay-0" | sed 's/private=[0-9a-f]*//')
[ -n "$a" ] && [ "$a" = "$b" ]
ok $? "the replay card generated the same key pair as the station's card"
rm -rf "$TEST_TMP/cards"

bench fault --count 1 --replay-fault
is "$rc" 1 "a replay the card refuses fails the benchmark"
like "$out" "replay of card 1: APDU [0-9]* of [0-9]* \(INS 82\) answered 6988, the station's run 9000" \
    "naming EXTERNAL AUTHENTICATE and both status words"
done_testing
