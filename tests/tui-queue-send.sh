#!/bin/sh
# The queue screen (src/tui-queue.c) against nhicard-center on 127.0.0.1:
# a key script (tests/tui/queue-send.keys) sends in batches with progress
# and the result, the center rejects one record (its test fault), `r`
# resubmits it under the same record id and the next send delivers it;
# dumps compared with tests/tui/queue-expected/ (NHICARD_TUI_RECORD=1
# writes them instead; review every change), the station's and the
# center's stores checked. Then queue_push_send()'s events through
# tests/push-events: the steps of every batch, cancel asked only between
# batches, a cancel leaving the rest open, a later send delivering every
# record exactly once.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the stores"
TUI_DIR=$top_srcdir/tests/tui
EXPECTED=$TUI_DIR/queue-expected
OUT=$TEST_TMP/dumps
EVENTS=$top_builddir/tests/push-events
mkdir -p "$OUT"
NHICARD_LOCALEDIR=${NHICARD_LOCALEDIR:-$top_builddir/po}
PCSCLITE_CSOCK_NAME=$TEST_TMP/no-pcscd.comm
NHICARD_TUI_DUMP_DIR=$OUT
export NHICARD_LOCALEDIR PCSCLITE_CSOCK_NAME NHICARD_TUI_DUMP_DIR
unset NHICARD_TUI_SIZE NHICARD_TUI_SCRIPT LANGUAGE NHICARD_OPERATOR NHICARD_TEST_CRASH_AT
LANG=C.UTF-8
LC_ALL=C.UTF-8
export LANG LC_ALL
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)
cd "$TEST_TMP" || bail "cd"
center_tls

# 11..15 records in batches of 5: three batches; the center rejects seq 2.
station_db st.db 26
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
[ "$n" -gt 10 ] && [ "$n" -le 15 ] || bail "expected 11..15 queued records, got $n"
center_start NHICARD_CENTER_FAULT=reject-seq=2
station_conf st.conf "$CENTER_URL"
printf 'push_batch = 5\n' >> st.conf

mask() {
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/TIMESTAMP/g' \
	    -e 's|[0-1][0-9]/[0-3][0-9] [0-2][0-9]:[0-5][0-9]|LOCALTIME|g' \
	    -e "s/$TODAY/TODAY/g" -e 's/[0-9a-f]\{32\}/RECORDID/g' \
	    -e "s/\([ ：]\)$n 件/\1N 件/g; s/ $n 番/ N 番/g; s/\([ ：]\)$((n - 1)) 件/\1N-1 件/g" \
	    -e "s/送信待ち：$n\$/送信待ち：N/" "$1"
}

# ---- the screen
NHICARD_TUI_SCRIPT=$TUI_DIR/queue-send.keys NHICARD_TUI_SIZE=80x24 \
    "$NHICARD" --config st.conf --db st.db tui >tui.out 2>tui.err
rc=$?
is "$rc:$(cat tui.err)" "0:" "script queue-send runs to its end"
for f in "$OUT"/*.txt; do
	name=$(basename "$f" .txt)
	mask "$f" >"$f.masked"
	[ -n "${NHICARD_TUI_RECORD:-}" ] && cp "$f.masked" "$EXPECTED/$name.txt"
	if [ ! -f "$EXPECTED/$name.txt" ]; then
		ok 1 "dump $name has an expected file"
	elif diff -u "$EXPECTED/$name.txt" "$f.masked" >diff.out; then
		ok 0 "dump $name as expected"
	else
		ok 1 "dump $name as expected"
		sed 's/^/# /' diff.out | head -40
	fi
done
for f in "$EXPECTED"/*.txt; do
	[ -f "$OUT/$(basename "$f")" ] || ok 1 "expected dump $(basename "$f" .txt) was written"
done
id2=$("$SQLITE3" st.db "SELECT record_id FROM queue_records WHERE seq = 2")
is "$("$SQLITE3" st.db "SELECT attempt FROM queue_records WHERE seq = 2")" 2 \
    "the resubmitted record is attempt 2 at the station"
is "$("$SQLITE3" center.db "SELECT count(*) || ' ' || max(attempt) FROM record
    WHERE record_id = '$id2'")" "1 2" "the center stored it once, same id, attempt 2"
is "$(center_held ST01)" "$n" "the center holds every record"
is "$(center_dups)" "" "no record is stored twice"
is "$(station_open st.db)" 0 "nothing is open at the station"
is "$("$SQLITE3" st.db "SELECT count(*) FROM queue_records WHERE rejected_at IS NOT NULL")" 0 \
    "no rejection remains"
is "$("$SQLITE3" st.db "SELECT count(*) FROM queue_records WHERE acked_at IS NULL")" 0 \
    "every record is acknowledged"
center_stop

# ---- the events: steps per batch, cancel only between batches
rm -f center.db st.db st.db.csv
station_db st.db 26
center_start
station_conf st.conf "$CENTER_URL"
printf 'push_batch = 5\n' >> st.conf
run "$EVENTS" st.conf st.db 1
is "$rc" 0 "push-events runs"
is "$(printf '%s\n' "$out" | grep -v '^note \|^rc ' | tr '\n' ' ')" \
    "step queue.build step queue.post step queue.ack cancel? 1 result 1 5 5 0 " \
    "one batch: build, post, ack, then cancel is asked and stops the run"
like "$out" "rc -[0-9]+ queue send cancelled after 1 batches \\(5 records\\); the rest stays queued" \
    "the cancel is NHI_ECANCELLED with what was done"
like "$out" "note ST01-b[0-9]*\\.cms: 5 records, 5 acknowledged, 0 rejected" \
    "the batch has a note naming it"
is "$(center_held ST01)" 5 "the center holds the first batch only"
is "$(station_open st.db)" "$((n - 5))" "the rest stays open at the station"
is "$("$SQLITE3" st.db "SELECT count(*) FROM queue_records WHERE acked_at IS NULL
    AND sent_at IS NOT NULL")" 0 "no record is left marked sent and unacknowledged"
run "$EVENTS" st.conf st.db 0
is "$(printf '%s\n' "$out" | grep -c '^step queue.build$')" 2 "the later send builds two batches"
is "$(printf '%s\n' "$out" | grep -c '^cancel? ')" 2 \
    "cancel is asked between batches and after the last one only"
like "$out" "result 2 $((n - 5)) $((n - 5)) 0" "the later send delivers the rest"
like "$out" "rc 0" "the later send succeeds"
is "$(center_held ST01)" "$n" "the center holds every record"
is "$(center_dups)" "" "every record is stored exactly once"
is "$(station_open st.db)" 0 "nothing is open at the station"
run "$NHICARD" --db st.db --config st.conf queue send
is "$rc" 0 "the command line send still works"
like "$out" "^nothing to send; the center holds through $n" "its output is unchanged"
center_stop
done_testing
