#!/bin/sh
# nhicard-cardsim's own command line and state file errors (no pcscd
# needed, so no harness lock).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
: "${CARDSIM:=$top_builddir/cardsim/nhicard-cardsim}"

run "$CARDSIM" --help
is "$rc" 0 "--help exits 0"
like "$out" "^  echo " "--help lists the echo card"

run "$CARDSIM" --fail-apdu 3
is "$rc" 2 "--fail-apdu without SW exits 2"
like "$out" "--fail-apdu 3: expected N:SW" "and says what it expects"
run "$CARDSIM" --fail-apdu 3:69
is "$rc" 2 "a short SW exits 2"
run "$CARDSIM" --tear-after 0
is "$rc" 2 "--tear-after 0 exits 2"
like "$out" "--tear-after 0: expected a positive APDU number" "and names the option"
run "$CARDSIM" --kind nope
is "$rc" 2 "an unknown kind exits 2"
like "$out" "unknown card kind 'nope'" "the kind is named"
run "$CARDSIM" --card "$TEST_TMP/c" -o colour=blue
is "$rc" 2 "an unknown personality option exits 2"
like "$out" "unknown option 'colour'" "the option is named"

printf 'garbage\n' >"$TEST_TMP/bad.state"
run "$CARDSIM" --card "$TEST_TMP/bad.state"
is "$rc" 3 "a file that is not a card state exits 3"
like "$out" "card state .*bad.state: not an nhicard-cardsim state file" "the file is named"
printf 'nhicard-cardsim 1 echo\ncounter=12x\n' >"$TEST_TMP/bad2.state"
run "$CARDSIM" --card "$TEST_TMP/bad2.state"
is "$rc" 3 "a bad value in a card state exits 3"
like "$out" "bad2.state: line 1: counter=12x: bad value" "the file and line are named"
printf 'nhicard-cardsim 1 juki\n' >"$TEST_TMP/other.state"
run "$CARDSIM" --kind echo --card "$TEST_TMP/other.state"
is "$rc" 3 "a state of another kind exits 3"
like "$out" "holds a 'juki' card, not 'echo'" "the kinds are named"

# Nothing listens on port 1: a bounded, clear failure (no pcscd needed).
run "$CARDSIM" --card "$TEST_TMP/new.state" --port 1 --connect-timeout 0
is "$rc" 5 "no vpcd to connect to exits 5"
like "$out" "vpcd 127.0.0.1:1: cannot connect" "the address is named"
like "$(cat "$TEST_TMP/new.state")" "^counter=0\$" "a new card's state file is created"

done_testing
