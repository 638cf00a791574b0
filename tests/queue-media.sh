#!/bin/sh
# The center queue on removable media: export (signed and encrypted
# batches the stock openssl command opens, a manifest), acknowledgements
# (good, duplicate, out of order, dropped, never sent, malformed, unsigned,
# wrongly signed, another station's), rejections as clerk work items,
# retry under the same record id, deadlines, backlog limits, purge.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/queue.sh"
cd "$TEST_TMP" || bail "cd"

queue_store a.db 40
queue_config q.conf
export NHICARD_CONFIG="$TEST_TMP/q.conf"
ST=$(station_of a.db)
N=$(q a.db "SELECT count(*) FROM eligibility_periods")
ok "$([ "$N" -gt 5 ]; echo $?)" "the import queued records ($N periods)"
is "$(q a.db "SELECT count(*) FROM queue_records WHERE kind = 'eligibility_changed'")" "$N" \
    "one eligibility_changed record per period, in the import's transaction"
is "$(q a.db "SELECT min(seq) || '-' || max(seq) || '-' || count(DISTINCT record_id) FROM queue_records")" \
    "1-$N-$N" "sequence numbers 1..$N without gaps, each with its own record id"
unlike "$(q a.db "SELECT group_concat(payload) FROM queue_records")" \
    "$(q a.db "SELECT name_kanji FROM residents LIMIT 1")" "no name travels in a record"

run "$NHICARD" --db a.db queue status
is "$rc" 0 "queue status exits 0"
like "$out" "newest record: +$N" "status shows the newest sequence number"
like "$out" "gaps: +0" "status shows no gaps"
like "$out" "waiting for the center: $N \(oldest unacknowledged" "status shows the open records and the oldest"

# An ack before anything was sent is for records never sent.
make_ack early.ack "$ST" 1 3
run "$NHICARD" --db a.db queue import-ack early.ack
is "$rc" 1 "an ack for records never sent is refused"
like "$out" "early.ack: .*never sent" "the error names the file and says why"

# Export.
run "$NHICARD" --db a.db queue export nosuchdir
is "$rc" 5 "export to a missing directory fails"
like "$out" "nosuchdir: not a directory" "the error names the directory"
NHICARD_CONFIG=/dev/null run "$NHICARD" --db a.db queue export .
is "$rc" 3 "export without [queue] keys fails"
like "$out" "center_fingerprint is not set" "the error names the missing key"
mkdir m1
run "$NHICARD" --db a.db queue export m1
is "$rc" 0 "export exits 0"
like "$out" "exported $N records \(0 revocations\) in 1 batch file to m1" "export says what it wrote"
is "$(ls m1)" "$ST-b00000001.cms
$ST-m00000001.manifest" "one batch file and its manifest"
is "$(sed -n 4p m1/$ST-m00000001.manifest)" \
    "batch $ST-b00000001.cms $(sha256sum m1/$ST-b00000001.cms | cut -d' ' -f1) $N 0" \
    "the manifest names the batch, its SHA-256 and record count"
content=$(open_batch m1/$ST-b00000001.cms)
ok $? "the stock openssl cms decrypts and verifies the batch"
like "$(printf '%s\n' "$content" | head -1)" "^\{\"format\":\"nhicard-queue-batch\",\"version\":1,\"station\":\"$ST\",\"batch\":1,.*\"records\":$N,\"audit_seq\":[0-9]+,\"audit_hash\":\"[0-9a-f]{64}\"\}$" \
    "the batch header"
aseq=$(printf '%s\n' "$content" | head -1 | sed 's/.*"audit_seq":\([0-9]*\).*/\1/')
is "$(printf '%s\n' "$content" | head -1 | sed 's/.*"audit_hash":"\([0-9a-f]*\)".*/\1/')" \
    "$(q a.db "SELECT lower(hex(hash)) FROM audit_log WHERE seq = $aseq")" \
    "it carries the station's audit head (seq $aseq and its hash)"
is "$(printf '%s\n' "$content" | sed -n '2,$p' | sed 's/^{"seq":\([0-9]*\),.*/\1/' | tr '\n' ' ')" \
    "$(seq 1 "$N" | tr '\n' ' ')" "every record once, in order"
id3=$(q a.db "SELECT record_id FROM queue_records WHERE seq = 3")
like "$content" "\{\"seq\":3,\"id\":\"$id3\",\"attempt\":1,\"lane\":\"bulk\",\"kind\":\"eligibility_changed\"" \
    "a record carries its seq, id, attempt, lane and kind"
open_batch m1/$ST-b00000001.cms "$K/test-center-wrong.key" "$K/test-center-wrong.crt" >/dev/null
ok "$([ $? -ne 0 ]; echo $?)" "another center's key cannot open the batch"

# Acknowledgements: through N with record 3 rejected.
snap() { q a.db "SELECT * FROM queue_records; SELECT * FROM queue_state; SELECT * FROM queue_acks" | md5sum; }
make_ack a1.ack "$ST" 1 "$N" "reject 3 $id3 1 unknown_person the center has no such person
"
run "$NHICARD" --db a.db queue import-ack a1.ack
is "$rc" 0 "a good acknowledgement imports"
like "$out" "serial 1: center holds through $N; $((N - 1)) records acknowledged, 1 rejected" \
    "import-ack says what it did"
run "$NHICARD" --db a.db queue status
like "$out" "rejected \(for a clerk\): 1" "status counts the rejected record"
like "$out" "#3 eligibility_changed $id3 attempt 1 rejected .*: unknown_person: the center has no such person" \
    "status lists the rejection with its reason as a work item"
before=$(snap)
run "$NHICARD" --db a.db queue import-ack a1.ack
is "$rc" 3 "the same acknowledgement twice is refused"
like "$out" "a1.ack: duplicate: acknowledgement serial 1 was already imported; nothing changed" \
    "the duplicate is named"
make_ack a1b.ack "$ST" 1 "$N"
run "$NHICARD" --db a.db queue import-ack a1b.ack
is "$rc" 3 "another file with an imported serial is a duplicate too"
make_ack bad.ack "$ST" 2 "$((N + 5))"
run "$NHICARD" --db a.db queue import-ack bad.ack
is "$rc" 1 "an ack beyond the newest record is refused"
like "$out" "bad.ack: acknowledges record $((N + 5)), but this station's newest record is $N: records never sent" \
    "it names the record never sent"
make_ack other.ack "station-other" 2 "$N"
run "$NHICARD" --db a.db queue import-ack other.ack
is "$rc" 3 "another station's ack is refused"
like "$out" "other.ack: acknowledgement for station station-other" "it names the station"
make_ack wrong.ack "$ST" 2 "$N" "" "$K/test-center-wrong.key" "$K/test-center-wrong.crt"
run "$NHICARD" --db a.db queue import-ack wrong.ack
is "$rc" 3 "an ack signed by another key is refused"
like "$out" "wrong.ack: not signed by the configured center certificate" "the wrong signer is named"
run "$NHICARD" --db a.db queue import-ack wrong.ack.txt
is "$rc" 3 "an unsigned ack is refused"
like "$out" "wrong.ack.txt: not a DER CMS file" "the unsigned file is named"
head -c 200 a1.ack > cut.ack
run "$NHICARD" --db a.db queue import-ack cut.ack
is "$rc" 3 "a truncated ack is refused"
printf 'nhicard-queue-ack 1\nstation %s\nserial 2\nthrough 1\nend\n' "$ST" > mal.txt
openssl cms -sign -binary -nodetach -outform DER -in mal.txt -signer "$K/test-center.crt" \
    -inkey "$K/test-center.key" -out mal.ack
run "$NHICARD" --db a.db queue import-ack mal.ack
is "$rc" 3 "a signed but malformed ack is refused"
like "$out" "mal.ack:4: expected 'created YYYY-MM-DDTHH:MM:SSZ'" "the line and what was expected are named"
# Altered content under a good signer: the signature fails.
cp a1.ack alt.ack
off=$(grep -abo "through $N" alt.ack | head -1 | cut -d: -f1)
printf '9' | dd of=alt.ack bs=1 seek=$((off + 8)) conv=notrunc 2>/dev/null
run "$NHICARD" --db a.db queue import-ack alt.ack
is "$rc" 3 "an altered ack is refused"
like "$out" "alt.ack: .*(signature does not verify|duplicate)" "the altered file is named"
is "$(snap)" "$before" "none of the bad acknowledgements changed anything"

# Out of order and dropped: serial 3 arrives, then 2.
make_ack a3.ack "$ST" 3 "$N" "reject 3 $id3 1 unknown_person the center has no such person
"
make_ack a2.ack "$ST" 2 "$N" "reject 3 $id3 1 unknown_person the center has no such person
"
run "$NHICARD" --db a.db queue import-ack a3.ack
is "$rc" 0 "serial 3 after 1 imports (serial 2 was dropped: acks are cumulative)"
run "$NHICARD" --db a.db queue import-ack a2.ack
is "$rc" 1 "serial 2 after 3 is refused"
like "$out" "a2.ack: out of order: acknowledgement serial 2 is older than serial 3" "out of order is named"

# Retry: the same record id, attempt 2, and only it is exported.
run "$NHICARD" --db a.db queue retry 4
is "$rc" 1 "retry of a record that is not rejected is refused"
like "$out" "queue record 4 is not rejected \(acknowledged\)" "it says why"
run "$NHICARD" --db a.db queue retry 3
is "$rc" 0 "retry of the rejected record"
like "$out" "record #3 .*id $id3.* attempt 2" "it keeps the record id"
mkdir m2
run "$NHICARD" --db a.db queue export m2
like "$out" "exported 1 records" "the next export carries only the open record"
content=$(open_batch m2/$ST-b00000002.cms)
like "$content" "\{\"seq\":3,\"id\":\"$id3\",\"attempt\":2," "resubmitted under the same id and seq"
# A later ack still stating the attempt-1 rejection leaves it open.
make_ack a4.ack "$ST" 4 "$N" "reject 3 $id3 1 unknown_person the center has no such person
"
run "$NHICARD" --db a.db queue import-ack a4.ack
is "$rc" 0 "an ack repeating an older attempt's rejection imports"
is "$(q a.db "SELECT coalesce(acked_at, 'open') || coalesce(rejected_at, '') FROM queue_records WHERE seq = 3")" \
    open "the resubmitted record stays open"
make_ack a5.ack "$ST" 5 "$N"
run "$NHICARD" --db a.db queue import-ack a5.ack
like "$out" "1 records acknowledged, 0 rejected" "the center's acceptance acknowledges it"
run "$NHICARD" --db a.db queue status
like "$out" "waiting for the center: 0" "nothing left waiting"
like "$out" "center holds through: +$N \(acknowledgement serial 5\)" "the center's mark"

# Purge obeys the retention period.
run "$NHICARD" --db a.db queue purge
is "$rc" 0 "purge exits 0"
like "$out" "purged 0 records" "nothing acknowledged is older than the retention period"
q a.db "UPDATE queue_records SET acked_at = '2020-01-01T00:00:00Z' WHERE seq <= 10"
q a.db "UPDATE queue_records SET acked_at = NULL, sent_at = NULL WHERE seq = 12"
run "$NHICARD" --db a.db queue purge
like "$out" "purged 10 records" "records acknowledged before the retention period go"
is "$(q a.db "SELECT min(seq) || ' ' || count(*) FROM queue_records")" "11 $((N - 10))" \
    "the rest stays"
q a.db "UPDATE queue_records SET acked_at = '2020-01-01T00:00:00Z' WHERE seq <> 12"
run "$NHICARD" --db a.db queue purge
like "$out" "purged 1 records" "an unacknowledged record stops the purge"
is "$(q a.db "SELECT min(seq) FROM queue_records")" 12 "nothing from the open record on is deleted"
run "$NHICARD" --db a.db queue status
like "$out" "gaps: +0" "a purge leaves no gap"

# Deadlines and the backlog limits of `nhicard issue`.
q a.db "UPDATE queue_records SET created_at = '2020-01-01T00:00:00Z' WHERE seq = 12"
run "$NHICARD" --db a.db queue status
like "$out" "1 past it" "a record past the deadline is counted"
like "$out" "warning: 1 records are past the 5-day registration deadline" "status warns"
queue_config q.conf; printf 'deadline_days = 3\n' >> q.conf
q a.db "UPDATE queue_records SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-2 days', '-1 hours') WHERE seq = 12"
run "$NHICARD" --db a.db queue status
like "$out" "deadline: +3 days; 1 near it \(within 1 days\), 0 past it" "queue.deadline_days is obeyed, with a warning before"
rid=$(q a.db "SELECT resident_id FROM eligibility_periods WHERE superseded_by IS NULL AND lost_on IS NULL LIMIT 1")
queue_config q.conf; printf 'max_age_days = 2\n' >> q.conf
run "$NHICARD" --db a.db issue --no-print "$rid"
is "$rc" 1 "issue is refused when the oldest record passes queue.max_age_days"
like "$out" "written 2 days ago .*queue.max_age_days = 2" "the refusal says why"
queue_config q.conf; printf 'max_age_days = 30\nmax_pending = 1\n' >> q.conf
q a.db "UPDATE queue_records SET acked_at = NULL WHERE seq IN (13, 14)"
run "$NHICARD" --db a.db issue --no-print "$rid"
is "$rc" 1 "issue is refused when the backlog passes queue.max_pending"
like "$out" "holds 3 records not acknowledged .*queue.max_pending = 1" "the refusal names the limit"
queue_config q.conf; printf 'max_age_days = 30\nmax_pending = 3\n' >> q.conf
run "$NHICARD" --db a.db issue --no-print "$rid"
like "$out" "station.municipality_code is not set" \
    "within the limits issue goes on to the card step (which needs a configured station)"
queue_config q.conf; printf 'max_pending = 100x\n' >> q.conf
run "$NHICARD" --db a.db queue status
is "$rc" 3 "a bad limit is a configuration error"
like "$out" "queue.max_pending" "the key is named"

# A production station refuses the published test key and certificates.
QUEUE_MODE=production queue_config q.conf
mkdir m9
run "$NHICARD" --db a.db queue export m9
is "$rc" 1 "a production station refuses the TEST queue keys"
like "$out" "queue.station_key .*test-station.key is a TEST key or certificate: refused in production mode" \
    "the refusal names the key and the mode"
is "$(ls m9 2>/dev/null | wc -l)" 0 "nothing was exported"
is "$(q a.db "SELECT count(*) FROM audit_log WHERE action = 'queue.export' AND outcome = 'refused'")" \
    1 "the refused export is audited"

# Every queue command is audited (issue 16 item 5), in the transaction of
# its change: the counts follow what the commands above did.
audit_of() { q a.db "SELECT count(*) FROM audit_log WHERE action = '$1' AND outcome = '$2'"; }
ok "$([ "$(audit_of queue.export ok)" -ge 2 ]; echo $?)" "each export is audited ($(audit_of queue.export ok))"
like "$(q a.db "SELECT detail FROM audit_log WHERE action = 'queue.export' AND outcome = 'ok'
    ORDER BY seq LIMIT 1")" "^batches 1\.\.1: $N records \([0-9]+ revocations\)$" \
    "with its batches and counts"
ok "$([ "$(audit_of queue.import_ack ok)" -ge 4 ]; echo $?)" "each imported acknowledgement is audited"
bad_acks=$(q a.db "SELECT count(*) FROM audit_log WHERE action = 'queue.import_ack' AND outcome <> 'ok'")
ok "$([ "$bad_acks" -ge 10 ]; echo $?)" \
    "and each refused one (never sent, duplicate, another station, wrong signer, unsigned, altered ...: $bad_acks)"
is "$(audit_of queue.retry ok)" 1 "the retry is audited"
is "$(q a.db "SELECT subject FROM audit_log WHERE action = 'queue.retry' AND outcome = 'ok'")" \
    "queue:3" "naming the record"
is "$(audit_of queue.retry refused)" 1 "the refused retry too"
is "$(audit_of queue.purge ok)" 3 "each purge is audited"
like "$(q a.db "SELECT group_concat(detail, '|') FROM audit_log WHERE action = 'queue.purge'")" \
    "10 records acknowledged before" "with what it deleted"
# Same transaction: a crash before the commit leaves neither the change nor the entry.
queue_config q.conf
q a.db "UPDATE queue_records SET acked_at = NULL, sent_at = NULL WHERE seq = 13"
before=$(audit_of queue.export ok)
mkdir m10
NHICARD_TEST_CRASH_AT=queue.export.before_commit run "$NHICARD" --db a.db queue export m10
ok "$([ "$rc" -ne 0 ]; echo $?)" "(the export was killed before its commit)"
is "$(audit_of queue.export ok)" "$before" "no export entry without the export"
is "$(q a.db "SELECT coalesce(sent_at, 'unsent') FROM queue_records WHERE seq = 13")" unsent \
    "and no record marked sent"
run "$NHICARD" --db a.db queue export m10
is "$rc" 0 "the export runs again"
is "$(audit_of queue.export ok)" "$((before + 1))" "and is audited once"

done_testing
