#!/bin/sh
# Pre-issuance killed and resumed (docs/batch.md "Pre-issuance"): a prepare
# killed after its first commit group and resumed prepares every item
# exactly once; a feed killed with -9 in the middle of a card write, and one
# killed after the card became active but before its checkpoint, resume with
# the same card put back: nothing is issued twice, the unfinished card
# finishes with its prepared user number, one card_issued record per card.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
gen=$top_builddir/bench/gen-extract
[ -x "$gen" ] || bail "bench/gen-extract is not built"

# ---- prepare, killed after its first commit group, then resumed
BIG=$TEST_TMP/big.db
"$NHICARD" --db "$BIG" db init >/dev/null || bail "db init"
"$gen" --residents 1200 --seed 7 -o "$TEST_TMP/x.csv" 2>/dev/null || bail "gen-extract"
"$NHICARD" --db "$BIG" import --quiet "$TEST_TMP/x.csv" >/dev/null 2>&1 || bail "import"
out=$(NHICARD_TEST_CRASH_AT=preissue.prepare_commit "$NHICARD" --db "$BIG" batch preissue \
    prepare all 2>&1)
is "$?" 99 "the prepare is killed after its first commit group"
bigrun=$("$SQLITE3" "$BIG" "SELECT max(id) FROM batch_runs")
total=$("$SQLITE3" "$BIG" "SELECT count(*) FROM batch_items WHERE run_id = $bigrun")
left=$("$SQLITE3" "$BIG" "SELECT count(*) FROM batch_items WHERE run_id = $bigrun AND state = 'pending'")
is "$((total - left))" 256 "one group of 256 items was committed before the kill"
is "$("$SQLITE3" "$BIG" "SELECT count(*) FROM preissue_items")" \
    "$("$SQLITE3" "$BIG" "SELECT count(*) FROM batch_items WHERE state = 'prepared'")" \
    "every prepared item has its prepared data, and only those"
out=$("$NHICARD" --db "$BIG" batch preissue prepare --resume "$bigrun" 2>&1)
is "$?" 0 "prepare --resume exits 0"
is "$("$SQLITE3" "$BIG" "SELECT count(*) FROM batch_items WHERE run_id = $bigrun AND state = 'pending'")" 0 \
    "no item is left pending"
is "$("$SQLITE3" "$BIG" "SELECT count(*) FROM preissue_items")" \
    "$("$SQLITE3" "$BIG" "SELECT count(*) FROM batch_items WHERE state = 'prepared'")" \
    "each prepared item was prepared exactly once"
is "$("$SQLITE3" "$BIG" "SELECT count(DISTINCT user_number) FROM batch_items WHERE user_number IS NOT NULL")" \
    "$("$SQLITE3" "$BIG" "SELECT count(*) FROM batch_items WHERE state = 'prepared'")" \
    "each prepared item has its own user number"
like "$out" "prepared [0-9]+ cards" "the resumed prepare reports what it prepared"
before=$("$SQLITE3" "$BIG" "SELECT group_concat(hex(user_number)) FROM batch_items ORDER BY id")
out=$("$NHICARD" --db "$BIG" batch preissue prepare --resume "$bigrun" 2>&1)
is "$?" 0 "resuming a fully prepared run exits 0"
like "$out" "prepared 0 cards" "resuming a fully prepared run prepares nothing"
is "$("$SQLITE3" "$BIG" "SELECT group_concat(hex(user_number)) FROM batch_items ORDER BY id")" \
    "$before" "and changes no user number"

# ---- the feed, killed mid-write and after the write
pcsc_start
preissue_store
out=$("$NHICARD" --config "$CONF" --db "$DB" batch preissue prepare $SELECT 2>&1) ||
    bail "prepare: $out"
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
mkdir "$TEST_TMP/print"
MAIN_DB=$DB
cp "$DB" "$TEST_TMP/template.db"

# kill -9 while resident B's card is being written (the emulator answers
# slowly, so the write is caught half-way by polling the store). The card
# stays in the reader: the feed started again finds it there.
insert_person_card "$TEST_TMP/card-b" "$B_NAME" "$B_BIRTH" "$B_SEX" "$B_ADDR" --delay-ms 150
feed_start "$run" --print-to "$TEST_TMP/print"
i=0
until [ "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_B AND state = 'personalizing'")" = 1 ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && bail "the write never started: $(feed_log)"
	sleep 0.05
done
kill -9 "$feed_pid"
wait "$feed_pid" 2>/dev/null
feed_pid=
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_B AND state = 'active'")" 0 \
    "killed mid-write: the card is not active"
is "$(sql "SELECT state FROM batch_items WHERE run_id = $run AND resident_id = $RID_B")" prepared \
    "killed mid-write: the item is still open"
feed_start "$run" --print-to "$TEST_TMP/print" --count 1
feed_wait_line 1 "remove the card"
card_remove
feed_end
is "$feed_rc" 0 "the resumed feed exits 0"
like "$(feed_log)" "(restarted|finished) for item" "the torn card is restarted or finished"
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_B")" 1 \
    "one card record for the person: the torn one, reused"
is "$(sql "SELECT count(*) FROM cards c JOIN batch_items b ON b.card_id = c.id AND b.user_number = c.user_number WHERE b.resident_id = $RID_B AND b.state = 'done' AND c.state = 'active'")" 1 \
    "the item is done with an active card carrying its prepared user number"

# Killed at each step of the write (NHICARD_TEST_CRASH_AT: the process
# ends at once, like kill -9, between two APDUs), each time on a fresh copy
# of the prepared run and a fresh card; the feed started again finishes the
# card: one card record, active, with the prepared user number.
for step in open_channel create_nhi generate_key put_record activate read_back challenge record; do
	DB=$TEST_TMP/step.db
	cp "$TEST_TMP/template.db" "$DB"
	rm -f "$TEST_TMP/card-step"
	insert_person_card "$TEST_TMP/card-step" "$C_NAME" "$C_BIRTH" "$C_SEX" "$C_ADDR"
	out=$(NHICARD_TEST_CRASH_AT=preissue.card.$step "$NHICARD" --config "$CONF" --db "$DB" \
	    --reader "$PCSC_READER" batch preissue feed --max-wait 20 "$run" 2>&1)
	r=$?
	is "$r/$(sql "SELECT count(*) FROM cards WHERE state = 'active'")" "99/0" \
	    "killed at $step: no active card"
	feed_start "$run" --count 1
	feed_wait_line 1 "remove the card"
	card_remove
	feed_end
	is "$(sql "SELECT count(*) || ' ' || group_concat(c.state) FROM cards c JOIN batch_items b ON b.user_number = c.user_number AND b.card_id = c.id AND b.state = 'done' WHERE b.resident_id = $RID_C")/$(sql "SELECT count(*) FROM cards")/$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" \
	    "1 active/1/1" "killed at $step, resumed: one card record, active, prepared number, one card_issued"
done
DB=$MAIN_DB

# NHICARD_TEST_CRASH_AT: the card is active, the process dies before the
# certificate and the checkpoint.
insert_person_card "$TEST_TMP/card-c" "$C_NAME" "$C_BIRTH" "$C_SEX" "$C_ADDR"
out=$(NHICARD_TEST_CRASH_AT=preissue.after_write "$NHICARD" --config "$CONF" --db "$DB" \
    --reader "$PCSC_READER" batch preissue feed --max-wait 20 --print-to "$TEST_TMP/print" \
    "$run" 2>&1)
is "$?" 99 "the feed dies right after the write"
is "$(sql "SELECT state FROM batch_items WHERE run_id = $run AND resident_id = $RID_C")" prepared \
    "the item is not checkpointed yet"
feed_start "$run" --print-to "$TEST_TMP/print" --count 1
feed_wait_line 1 "remove the card"
card_remove
feed_end
like "$(feed_log)" "already active for item [0-9]+; finishing the item" \
    "the resumed feed finishes the item of the active card without writing it"
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_C")" 1 "no second card record"
is "$(sql "SELECT state FROM batch_items WHERE run_id = $run AND resident_id = $RID_C")" done \
    "the item is done"
ok "$([ -s "$TEST_TMP/print/certificate-$RID_C.pdf" ]; echo $?)" "its certificate is printed"

# The same card again: already issued, set aside.
card_insert "$TEST_TMP/card-c"
feed_start "$run" --count 1
feed_wait_line 1 "remove the card"
card_remove
feed_end
like "$(feed_log)" "was already issued for item" "a card put in twice is not written twice"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" 2 \
    "one card_issued record per card issued"
is "$(sql "SELECT count(*) FROM cards WHERE state = 'active'")" 2 "two active cards in all"

# A prepared user number is reserved: if a card record already holds it
# (here: forced in the store), the write fails and nothing is written, never
# a random number instead.
sql "INSERT INTO cards (resident_id, kind, card_serial, user_number, key_generation, state, state_reason, created_at, updated_at) SELECT $RID_E, 'standalone', 'ffffffffffffffffffff', user_number, 1, 'revoked', 'damaged', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM batch_items WHERE run_id = $run AND resident_id = $RID_A" ||
    bail "cannot force a taken user number"
insert_person_card "$TEST_TMP/card-a" "$P_NAME" "$(echo $P_BIRTH | tr -d -)" "$P_SEX" "$P_ADDR"
feed_start "$run" --count 1
feed_wait_line 1 "remove the card"
card_remove
feed_end
like "$(feed_log)" "exception card_refused: .*prepared user number [0-9a-f]{8}\.\.\. is already on another card record" \
    "a taken prepared user number sets the item aside, naming only a fingerprint"
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_A")" 0 \
    "no card record is made with another number"
is "$(sql "SELECT state || ' ' || exception FROM batch_items WHERE run_id = $run AND resident_id = $RID_A")" \
    "exception card_refused" "the item is an exception for a clerk"

done_testing
