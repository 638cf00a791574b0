#!/bin/sh
# The disk under the center's store full (issue 22): the store (the SQLite
# file, or with CENTER_ENGINE=pg the whole PostgreSQL cluster: data and
# WAL) on a small tmpfs of the test's own, filled by a ballast file. A
# batch posted then is refused with 503 (`store`, retryable): nothing is
# stored, half or whole, nothing is acknowledged, the station keeps the
# batch (exit 5, "they stay queued"). The ballast removed, the station's
# next send is stored exactly once by the same center process, never
# restarted. Needs root (mount); skipped otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
[ "$(id -u)" -eq 0 ] || skip_all "mounting a small tmpfs needs root"
MNT=$(mktemp -d /tmp/nhicard-full.XXXXXX) || bail "mktemp"
case ${CENTER_ENGINE:-sqlite} in
pg) size=160m ;;
*) size=4m ;;
esac
mount -t tmpfs -o "size=$size,mode=0755" nhicard-test-full "$MNT" 2>/dev/null || {
	rmdir "$MNT"
	skip_all "cannot mount a tmpfs (no CAP_SYS_ADMIN in this container?)"
}
at_exit "umount $MNT 2>/dev/null; rmdir $MNT 2>/dev/null"
# The PostgreSQL cluster (tests/lib/pg.sh) goes into the small file system.
PG_TMPDIR=$MNT
export PG_TMPDIR
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
center_tls
if [ "$CENTER_ENGINE" = sqlite ]; then
	CENTER_DB=$MNT/center.db
	csql() { "$SQLITE3" "$CENTER_DB" "$@"; }
else
	csql() { center_sql "$@"; }
fi
held() { csql "SELECT count(*) FROM record"; }

station_db st.db 300
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
center_start
station_conf st.conf "$CENTER_URL"

# Fill what is left of the file system.
dd if=/dev/zero of="$MNT/ballast" bs=64k 2>/dev/null
is "$(df -P "$MNT" | awk 'NR == 2 { print $4 }')" 0 "the store's file system is full"

run "$NHICARD" --db st.db --config st.conf queue send
is "$rc" 5 "disk full: the send ends with exit 5 (try again)"
like "$out" "not delivered, they stay queued: center https://127.0.0.1:[0-9]+ answered HTTP 503: STORE" \
    "disk full: the station hears 503 from the store and keeps the records"
like "$(cat center.log)" "POST /batch .*: 503" "disk full: the center logged the 503"
like "$(cat center.log)" "batch from nhicard TEST station ST01 refused: STORE: .*(disk is full|No space left)" \
    "disk full: the center's log says the disk is full"
is "$(held)" 0 "disk full: nothing is stored, not half a batch"
is "$(csql "SELECT count(*) FROM elig_period")" 0 "disk full: no eligibility row either"
is "$(csql "SELECT count(*) FROM ack_log")" 0 "disk full: no acknowledgement was made"
is "$(station_open st.db)" "$n" "disk full: every record is still open at the station"
is "$(station_through st.db)" 0 "disk full: the station applied no acknowledgement"
kill -0 "$CENTER_PID" 2>/dev/null
is "$?" 0 "disk full: the center is still running"

# Space again: the same center process takes the resend, once.
rm -f "$MNT/ballast"
run "$NHICARD" --db st.db --config st.conf queue send
is "$rc" 0 "space again: the send exits 0 (the center was not restarted)"
is "$(held)" "$n" "space again: every record is stored"
is "$(csql "SELECT count(*) FROM (SELECT station_id, record_id FROM record
    GROUP BY 1, 2 HAVING count(*) > 1) d")" 0 "space again: no record is stored twice"
is "$(station_through st.db)" "$n" "space again: the station's view: through $n"
is "$(station_open st.db)" 0 "space again: nothing is open at the station"
center_stop

done_testing
