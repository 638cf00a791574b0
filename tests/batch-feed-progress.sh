#!/bin/sh
# The feed loop's progress (docs/batch.md "Pre-issuance"): off a terminal
# the clerk's lines stay as they are, plus the plain progress line of the
# other runs ("preissue feed: N/TOTAL done, E exceptions, R/min") every
# --progress-every N cards and a closing line; under a pseudo-terminal
# (script(1)) a bar redrawn in place with the run's total, the exceptions,
# a rate in cards per minute and a time left, drawn again below each prompt
# so "remove the card" stays in view. Two feeds over one run of four items:
# the second counts the first's two cards in N/TOTAL, not in its rate.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v script >/dev/null 2>&1 || skip_all "script (util-linux) is needed for a terminal"
pcsc_start
preissue_store

out=$("$NHICARD" --config "$CONF" --db "$DB" batch preissue prepare $SELECT 2>&1) ||
    bail "prepare: $out"
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
like "$run" "^[0-9]+$" "prepare names its run"
is "$(sql "SELECT count(*) FROM batch_items WHERE run_id = $run")" 4 "the run has four items"

# ---- bad options are refused and named
nhi() { run "$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" "$@"; }
nhi batch preissue feed --progress-every 0 "$run"
is "$rc" 2 "--progress-every 0 is refused"
like "$out" "--progress-every: expected a number from 1 to 100000000, not '0'" \
    "the error names the option and the value"
nhi batch preissue feed --progress-every x "$run"
like "$out" "--progress-every: expected a number .* not 'x'" "a word is refused too"

# ---- off a terminal: today's lines plus the periodic line
feed_start "$run" --no-print --count 2 --progress-every 1
feed_next 1
insert_person_card "$TEST_TMP/card-b" "$B_NAME" "$B_BIRTH" "$B_SEX" "$B_ADDR"
feed_wait_line 1 "^remove the card$"
like "$(feed_log)" "^preissue feed: 1/4 done, 0 exceptions, [0-9]+\.[0-9]/min$" \
    "after a card: the periodic line with count, total, exceptions and rate"
card_remove
feed_next 2
insert_person_card "$TEST_TMP/card-c" "$C_NAME" "$C_BIRTH" "$C_SEX" "$C_ADDR"
feed_end
is "$feed_rc" 0 "the feed exits 0 after --count 2"
like "$(feed_log)" "^preissue feed: 2/4 done, 0 exceptions, [0-9]+\.[0-9]/min$" \
    "every card gives a line with --progress-every 1"
like "$(feed_log)" "^preissue feed: 2/4 done, 0 exceptions, in [0-9]+\.[0-9] s$" \
    "a closing line"
like "$(feed_log)" "^next card: put a card in the reader \(run $run: 4 open\)$" \
    "the prompt is the same line as before"
like "$(feed_log)" "^feed ended: count \(2 cards, 2 issued" "the feed's own summary stays"
is "$(grep -c "$(printf '\r')" "$FEED_LOG")" 0 "no carriage return off a terminal"
is "$(grep -c '\[#*-*\]' "$FEED_LOG")" 0 "no bar off a terminal"
card_remove

# ---- --quiet: the clerk's lines only
nhi batch preissue feed --quiet --count 1 --max-wait 1 "$run"
like "$out" "feed ended: max-wait" "a --quiet feed still says why it ended"
unlike "$out" "preissue feed:" "--quiet prints no progress line"

# ---- on a terminal: the bar, below the last prompt
# Quote one word for the shell script(1) runs.
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
: >"$FEED_LOG"
script -qfec "COLUMNS=100 $(sq "$NHICARD") --config $(sq "$CONF") --db $(sq "$DB") --reader $(sq "$PCSC_READER") batch preissue feed --no-print --max-wait 60 $run" \
    /dev/null >"$FEED_LOG" 2>&1 9>&- </dev/null &
feed_pid=$!
at_exit 'if [ -n "$feed_pid" ]; then kill $feed_pid 2>/dev/null; fi'
feed_next 1
insert_person_card "$TEST_TMP/card-a" "$P_NAME" "$(echo $P_BIRTH | tr -d -)" "$P_SEX" "$P_ADDR"
feed_wait_line 1 "remove the card"
card_remove
feed_next 2
SLOT=0 insert_card "$TEST_TMP/card-s" standalone
feed_wait_line 1 "feed ended: run complete"
feed_end
is "$feed_rc" 0 "the feed under a terminal exits 0"
tr '\r' '\n' <"$FEED_LOG" | sed 's/\x1b\[K//g' | grep -v '^$' >"$TEST_TMP/tty.txt"
like "$(cat "$TEST_TMP/tty.txt")" \
    "^preissue feed \[#+-+\] 2/4  0 exc  0\.0/min  -:-- left$" \
    "before a card of this feed: the earlier two counted, no rate nor time left yet"
like "$(cat "$TEST_TMP/tty.txt")" \
    "^preissue feed \[#+-+\] 3/4  0 exc  [0-9]+\.[0-9]/min  [0-9]+:[0-9][0-9] left$" \
    "after a card: the run's total, a rate per minute and a time left"
like "$(cat "$TEST_TMP/tty.txt")" "^preissue feed \[#+\] 4/4  0 exc  [0-9]+\.[0-9]/min  0:00 left$" \
    "the last card fills the bar"
ok "$(grep -c "$(printf '\r')preissue feed \[" "$FEED_LOG" | awk '{ print ($1 > 0) ? 0 : 1 }')" \
    "the bar is redrawn in place"
is "$(grep '^preissue feed \[' "$TEST_TMP/tty.txt" | awk '{ print length($0) }' | sort -u)" 99 \
    "the bar fills the terminal's width but its last column"
# The line after each prompt is the bar: the prompt stays in view above it.
is "$(awk '/^remove the card$/ { getline; if ($0 ~ /^preissue feed \[/) n++ } END { print n + 0 }' \
    "$TEST_TMP/tty.txt")" 2 "the bar is drawn again below each 'remove the card'"
is "$(awk '/^next card: put a card in the reader/ { getline; if ($0 ~ /^preissue feed \[/) n++ } END { print n + 0 }' \
    "$TEST_TMP/tty.txt")" 2 "and below each 'next card' prompt"
like "$(cat "$TEST_TMP/tty.txt")" "^feed ended: run complete \(2 cards, 2 issued" \
    "the feed's summary is a line of its own"
like "$(cat "$TEST_TMP/tty.txt")" "^preissue feed: 4/4 done, 0 exceptions, in [0-9]+\.[0-9] s$" \
    "the closing line after the bar"
is "$(sql "SELECT state FROM batch_runs WHERE id = $run")" done "the run is done"

done_testing
