#!/bin/sh
# A card pulled in the middle of `nhicard issue`: the command says the
# card record is unfinished, at which step, and what to do (put the same
# card back and issue again) -- not just that the card went away -- and
# issuing again with the card back finishes it on the same card record.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
make_store "$DB"

# The eighth APDU of an existing Juki card's flow is a write in the
# secure channel (docs/personalization.md); the emulator drops off there.
insert_card "$TEST_TMP/juki" juki --tear-after 8
nhi issue --no-print 1
is "$rc" 4 "a card pulled mid-write exits 4 (card)"
like "$out" "card record 1 is unfinished at step [a-z_]+" "the message names the unfinished record and its step"
like "$out" "put the" "and says what to do"
is "$(sql "SELECT state FROM cards WHERE id = 1")" "unfinished" "the store shows the attempt unfinished"
card_wait_removed >/dev/null 2>&1
card_insert "$TEST_TMP/juki"
nhi issue --no-print 1
is "$rc" 0 "issuing again with the card back exits 0"
like "$out" "restarted|finished" "the same card record is taken up again"
is "$(sql "SELECT id || ' ' || state FROM cards")" "1 active" "one card record, active"
done_testing
