#!/bin/sh
# The center queue under faults: the station killed at each step (after a
# record is written, during an export, before an acknowledgement commits),
# and the wrong center certificate. After each, the station's view is
# consistent: every record once, no gap, nothing acknowledged that was not.
# The kills use the test hook NHICARD_TEST_CRASH_AT (docs/queue-format.md).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/queue.sh"
cd "$TEST_TMP" || bail "cd"

queue_config q.conf
export NHICARD_CONFIG="$TEST_TMP/q.conf"
consistent() {
	# consistent DB: seq 1..last without gaps, state matches the rows.
	q "$1" "SELECT (SELECT last_seq - purged_through FROM queue_state) = count(*)
	    AND coalesce(max(seq), 0) = (SELECT last_seq FROM queue_state) FROM queue_records"
}

# Killed with a record written, the event's transaction not committed.
"$NHICARD" --db a.db db init >/dev/null
"$gen" --residents 30 --seed 5 -o x.csv 2>/dev/null
NHICARD_TEST_CRASH_AT=queue.record.after_insert run "$NHICARD" --db a.db import x.csv
is "$rc" 99 "the import is killed after writing its first record"
is "$(q a.db "SELECT count(*) FROM eligibility_periods") $(q a.db "SELECT count(*) FROM queue_records")" \
    "0 0" "neither the events nor their records survive"
is "$(q a.db "SELECT last_seq FROM queue_state")" 0 "no sequence number was used up"
run "$NHICARD" --db a.db import x.csv
is "$rc" 0 "the import runs again"
N=$(q a.db "SELECT count(*) FROM eligibility_periods")
is "$(q a.db "SELECT count(*) || ' ' || max(seq) FROM queue_records")" "$N $N" \
    "every period has its record, numbered 1..$N"
ST=$(station_of a.db)

# Killed while exporting, at each step.
mkdir m1
NHICARD_TEST_CRASH_AT=queue.export.before_commit run "$NHICARD" --db a.db queue export m1
is "$rc" 99 "export killed before its commit"
is "$(q a.db "SELECT count(*) FROM queue_records WHERE sent_at IS NOT NULL") $(ls m1 | wc -l)" "0 0" \
    "nothing marked sent, nothing written"
NHICARD_TEST_CRASH_AT=queue.export.after_commit run "$NHICARD" --db a.db queue export m1
is "$rc" 99 "export killed after its commit, before any file"
is "$(q a.db "SELECT count(*) FROM queue_records WHERE sent_at IS NOT NULL AND acked_at IS NULL") $(ls m1 | wc -l)" \
    "$N 0" "the records are marked sent but stay open"
NHICARD_TEST_CRASH_AT=queue.export.after_files run "$NHICARD" --db a.db queue export m1
is "$rc" 99 "export killed after the batch files, before the manifest"
is "$(ls m1)" "$ST-b00000002.cms" "a batch file without a manifest (an incomplete export)"
run "$NHICARD" --db a.db queue export m1
is "$rc" 0 "the next export completes"
ls m1/*.manifest >/dev/null 2>&1
ok $? "with its manifest"
content=$(open_batch "m1/$ST-b00000003.cms")
is "$(printf '%s\n' "$content" | sed -n '2,$p' | wc -l)" "$N" "every open record travels again"
is "$(printf '%s\n' "$content" | sed -n '2,$p' | sed 's/^{"seq":\([0-9]*\),"id":"\([0-9a-f]*\)".*/\1 \2/' | md5sum)" \
    "$(q a.db "SELECT seq || ' ' || record_id FROM queue_records ORDER BY seq" | md5sum)" \
    "under the same seqs and record ids"
is "$(consistent a.db)" 1 "the queue is consistent"

# Killed after applying an ack, before its commit.
make_ack a1.ack "$ST" 1 "$N"
before=$(q a.db "SELECT * FROM queue_records; SELECT * FROM queue_state" | md5sum)
NHICARD_TEST_CRASH_AT=queue.ack.before_commit run "$NHICARD" --db a.db queue import-ack a1.ack
is "$rc" 99 "import-ack killed before its commit"
is "$(q a.db "SELECT * FROM queue_records; SELECT * FROM queue_state" | md5sum)" "$before" \
    "nothing acknowledged"
run "$NHICARD" --db a.db queue import-ack a1.ack
is "$rc" 0 "the same acknowledgement imports afterwards (it was never recorded)"
is "$(q a.db "SELECT count(*) FROM queue_records WHERE acked_at IS NULL")" 0 "now all are acknowledged"

# Killed during a purge.
q a.db "UPDATE queue_records SET acked_at = '2020-01-01T00:00:00Z'"
NHICARD_TEST_CRASH_AT=queue.purge.before_commit run "$NHICARD" --db a.db queue purge
is "$rc" 99 "purge killed before its commit"
is "$(q a.db "SELECT count(*) FROM queue_records")" "$N" "nothing deleted"
is "$(consistent a.db)" 1 "the queue is consistent"

# The wrong center certificate.
queue_config wrong.conf "$K/test-center-wrong.crt" "$(fingerprint "$K/test-center.crt")"
NHICARD_CONFIG="$TEST_TMP/wrong.conf" run "$NHICARD" --db a.db queue export m1
is "$rc" 3 "a center certificate that does not match the pinned fingerprint is refused"
like "$out" "test-center-wrong.crt: the center certificate's SHA-256 fingerprint .* is not queue.center_fingerprint" \
    "the error names the certificate and the fingerprint"
queue_config wrong.conf "$K/test-center-wrong.crt"
"$NHICARD" --db b.db db init >/dev/null
"$NHICARD" --db b.db import x.csv >/dev/null
mkdir m2
NHICARD_CONFIG="$TEST_TMP/wrong.conf" run "$NHICARD" --db b.db queue export m2
is "$rc" 0 "a station pinned to another certificate exports to it"
b=$(ls m2/*.cms)
open_batch "$b" >/dev/null
ok "$([ $? -ne 0 ]; echo $?)" "the real center cannot decrypt a batch encrypted to the wrong certificate"
open_batch "$b" "$K/test-center-wrong.key" "$K/test-center-wrong.crt" >/dev/null
ok $? "(only the holder of that certificate can)"
make_ack b1.ack "$(station_of b.db)" 1 1
NHICARD_CONFIG="$TEST_TMP/wrong.conf" run "$NHICARD" --db b.db queue import-ack b1.ack
is "$rc" 3 "the real center's ack is refused by a station pinned to another certificate"

done_testing
