#!/bin/sh
# The center's store on either engine (issue 22; CENTER_ENGINE=pg in
# center-db-pg.sh): migrations, a backup restored with every record found,
# a restore from a file that is no backup refused with the store unchanged,
# `status`; and on PostgreSQL two `nhicard-center serve` processes taking
# the same batch at once (stored once, both acknowledge it), and the
# database stopped while the center runs (batches refused as retryable, the
# station keeps them, taken once the database is back, no restart).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
center_tls

center() { "$CENTER" --db "$CENTER_DB" "$@"; }
send() { "$NHICARD" --db st.db --config st.conf queue send; }
# Every record as the center holds it, one line each, in order.
records() { center_sql "SELECT station_id, record_id, seq, attempt, body FROM record
    ORDER BY station_id, seq"; }

# A My Number card's query (docs/clinic-api.md 3.3), as nhicard-clinic sends
# it, with a throwaway RSA certificate NAME.crt/key standing for the card's:
# the center checks the signature over the challenge, then reads the link.
mn_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=nhicard TEST My Number $1" \
	    -keyout "$1.key" -out "$1.crt" -days 2 2>/dev/null || bail "cannot make $1.crt"
}
hexof() { od -An -v -tx1 | tr -d ' \n'; }
# mn_link NAME PERSON: the link of NAME's certificate, and a period, at the primary.
mn_link() {
	center_sql "INSERT INTO elig_mynumber (cert_sha256, cert_issuer, cert_serial,
	    user_number, station_id, person, insurer_number, not_after) VALUES
	    ('$(openssl x509 -in "$1.crt" -outform DER | openssl dgst -sha256 -r | cut -c1-64)',
	    'CN=nhicard TEST', '$2', '$(printf '%032x' "$2")', 'ST01', $2, '133116', '2030-01-01');
	    INSERT INTO elig_period (station_id, period, person, insurer_number, symbol, number,
	    cert_kind, acquired_on, valid_until) VALUES ('ST01', $2, $2, '133116', '1', '$2',
	    'hihokensha', '2020-04-01', '2027-07-31')" >/dev/null || bail "cannot keep the link"
}
# mn_query NAME: one query with NAME's card; prints the center's outcome.
mn_query() {
	_chal=$(printf '%016x' "$(date +%s)")$(openssl rand -hex 24)
	_sig=$(printf '%s' "$_chal" | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' |
	    openssl dgst -sha256 -sign "$1.key" | hexof)
	curl -s -o /dev/null --cert clinic.crt --key clinic.key --cacert "$KEYS/test-queue-ca.crt" \
	    -H 'Content-Type: application/json' --data-binary "{\"version\":1,\"certificate\":\"$(openssl x509 -in "$1.crt" -outform DER | hexof)\",\"challenge\":\"$_chal\",\"signature\":\"$_sig\",\"visit_date\":\"$(date +%Y-%m-%d)\"}" \
	    "$CENTER_URL/v1/eligibility" || bail "curl"
	center_sql "SELECT outcome FROM query_log ORDER BY id DESC LIMIT 1"
}

run center db migrate
is "$rc" 0 "db migrate exits 0"
run center db version
is "$rc" 0 "db version exits 0"
like "$out" "^$( [ "$CENTER_ENGINE" = pg ] && echo postgresql || echo sqlite) store: schema version 2 of 2" \
    "it names the engine and the schema version"
run center db migrate
is "$rc" 0 "db migrate on a migrated store exits 0"
like "$out" "0 migration\(s\) applied, schema version 2" "and applies nothing twice"
run center db frobnicate
is "$rc" 2 "an unknown db command is a usage error"
like "$out" "db: expected 'db migrate'" "the db commands are named"

# Records through the online push.
station_conf st.conf
station_db st.db 120
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
center_start
station_conf st.conf "$CENTER_URL"
run send
is "$rc" 0 "the station sends its records"
is "$(center_held ST01)" "$n" "the center holds all $n"
records > before.txt

# Backup, an empty store, restore: every record is back, byte for byte.
run center db backup backup.db
is "$rc" 0 "db backup exits 0 while the center serves"
ok "$([ -s backup.db ]; echo $?)" "the backup file is written"
center_stop
center_db_new
like "$(center status)" "^no stations" "a new store holds nothing"
echo "not a backup" > junk.db
run center db restore junk.db
ok "$([ "$rc" -ne 0 ]; echo $?)" "a restore from a file that is no backup fails"
like "$out" "restore from junk.db" "the file is named"
run center db restore backup.db
is "$rc" 0 "db restore exits 0"
records > after.txt
is "$(wc -l < after.txt)" "$n" "the restored store holds every record"
ok "$(cmp -s before.txt after.txt; echo $?)" "each one as it was (station, id, seq, attempt, text)"
run center status
is "$rc" 0 "status on the restored store exits 0"
like "$out" "^station ST01: held $n, contiguous $n, highest $n, rejected 0, gaps none" \
    "status shows every record held"
run center db restore junk.db
is "$(records | cmp -s - before.txt; echo $?)" 0 "a failed restore leaves the store as it was"

# A record under a sequence number held for another id is rejected as a
# conflict; the held record again (same id, same seq) is a duplicate.
post() { # post SEQ ID: one record as its own batch; the acknowledgement's text
	printf '{"format":"nhicard-queue-batch","version":1,"station":"ST01","batch":%s,"created":"2026-12-01T00:00:00Z","records":1,"audit_seq":0,"audit_hash":"%064d"}\n{"seq":%s,"id":"%s","attempt":1,"lane":"bulk","kind":"eligibility_changed","created":"2026-12-01T00:00:00Z","data":{"person":1,"period":%s}}\n' \
	    "$((800 + $1))" 0 "$1" "$2" "$1" > p.jsonl
	openssl cms -sign -binary -nodetach -outform DER -in p.jsonl \
	    -signer "$KEYS/test-station.crt" -inkey "$KEYS/test-station.key" -out p.sig 2>/dev/null &&
	openssl cms -encrypt -binary -aes256 -outform DER -in p.sig -out p.cms \
	    "$KEYS/test-center.crt" 2>/dev/null || bail "openssl cms"
	curl -s -o p.ack --cacert "$KEYS/test-queue-ca.crt" --cert "$KEYS/test-station.crt" \
	    --key "$KEYS/test-station.key" --data-binary @p.cms \
	    -H 'Content-Type: application/octet-stream' "$CENTER_URL/batch" &&
	openssl cms -verify -binary -inform DER -in p.ack -noverify 2>/dev/null
}
center_start
id1=$(center_sql "SELECT record_id FROM record WHERE seq = 1")
like "$(post 1 "$(printf '%032d' 42)")" "^reject 1 0{30}42 1 conflict " \
    "a record under a sequence number held for another id: rejected as a conflict"
is "$(center_held ST01)" "$n" "nothing more is stored"
unlike "$(post 1 "$id1")" "^reject 1 $id1 " "the held record again is no rejection (a duplicate)"
is "$(center_held ST01)" "$n" "and not stored twice"
center_stop

if [ "$CENTER_ENGINE" != pg ]; then
	# My Number queries read the replica (serve --replica), as the cards'
	# do: on SQLite the replica is a copy of the store taken before the
	# link was kept at the primary: unknown there, then known once the
	# copy is taken again.
	. "$top_srcdir/tests/lib/clinic.sh"
	clinic_certs
	"$CENTER" --db "$CENTER_DB" clinic add 1311234569 "TEST clinic" >/dev/null &&
	"$CENTER" --db "$CENTER_DB" insurer add 133116 "千代田区" >/dev/null || bail "register"
	mn_cert alice
	"$SQLITE3" center.db ".backup replica.db" || bail "copy the store"
	mn_link alice 77
	CENTER_ARGS="--replica $TEST_TMP/replica.db --clinic-rate 0"
	center_start
	is "$(mn_query alice)" no_such_card \
	    "a My Number query reads the replica: a link the replica lacks is unknown"
	center_stop
	"$SQLITE3" center.db ".backup replica.db" || bail "copy the store"
	center_start
	is "$(mn_query alice)" insured "once the replica holds the link, the card is insured"
	center_stop
	CENTER_ARGS=
	center_start
	is "$(mn_query alice)" insured "without a replica the primary is read"
	center_stop
	done_testing
	exit
fi

# --- PostgreSQL only ---------------------------------------------------

# A database without the schema: the center says what to run.
pg_createdb bare
run "$CENTER" --db "pg:host=$PG_HOST port=$PG_PORT user=nhicard dbname=bare" status
is "$rc" 5 "a database not migrated: exit 5"
like "$out" "schema version 0, this center needs 2: run nhicard-center db migrate" \
    "the center says to run db migrate"
run "$CENTER" --db "pg:host=$PG_HOST port=$PG_PORT user=nhicard dbname=nosuch" status
is "$rc" 5 "a database that does not exist: exit 5"
like "$out" "cannot open the database" "the store is named"
unlike "$out" "host=" "the conninfo is not printed"

# The same batch at two serve processes at once. Process A holds its
# transaction open before the commit (test fault commit-wait); B gets the
# batch meanwhile and waits on A's uncommitted rows (a lock of the
# database's, seen in pg_stat_activity; our code takes none); A commits;
# B goes on and finds every record held: duplicates. (Had B's insert come
# first to a key, it would fail on it and B run the batch again.) Both
# acknowledge; each record is stored once.
center_db_new
rm -f st.db st.db.csv
station_db st.db 300
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
mkdir m1
"$NHICARD" --db st.db --config st.conf queue export m1 >/dev/null || bail "queue export"
batch=$(ls m1/*.cms | head -1)
center_start NHICARD_CENTER_FAULT=commit-wait="$TEST_TMP/go"
url_a=$CENTER_URL
pid_a=$CENTER_PID
center_start
url_b=$CENTER_URL
pid_b=$CENTER_PID
# until_true WHAT CMD...: wait (at most a minute) until CMD succeeds.
until_true() {
	_what=$1
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ "$_i" -lt 1200 ] || bail "$_what"
		sleep 0.05
	done
}
b_waits() { [ "$(pg_sql center "SELECT count(*) FROM pg_stat_activity WHERE
    datname = 'center' AND wait_event_type = 'Lock'")" -ge 1 ]; }
post() { # post URL OUT: the batch, as a station posts it
	curl -s -o "$2.ack" -w '%{http_code}' --cacert "$KEYS/test-queue-ca.crt" \
	    --cert "$KEYS/test-station.crt" --key "$KEYS/test-station.key" \
	    --data-binary @"$batch" -H 'Content-Type: application/octet-stream' \
	    "$1/batch" > "$2.code"
}
post "$url_a" a &
pa=$!
until_true "process A did not reach its commit" test -f go.waiting
post "$url_b" b &
pb=$!
until_true "process B did not wait on A's transaction" b_waits
is "$(center_held ST01)" 0 "while both transactions are open nothing is visible"
touch go
wait "$pa"
wait "$pb"
is "$(cat a.code)" 200 "process A acknowledges the batch"
is "$(cat b.code)" 200 "process B acknowledges the same batch"
is "$(center_held ST01)" "$n" "the center holds its $n records"
is "$(center_dups)" "" "none of them twice"
through_a=$(openssl cms -verify -binary -inform DER -in a.ack -noverify 2>/dev/null | sed -n 's/^through //p')
through_b=$(openssl cms -verify -binary -inform DER -in b.ack -noverify 2>/dev/null | sed -n 's/^through //p')
is "$through_a $through_b" "$n $n" "both acknowledgements say through $n"
is "$(center_sql "SELECT ack_serial FROM station WHERE station_id = 'ST01'")" 2 \
    "two acknowledgements, serials 1 and 2"
kill "$pid_a" "$pid_b" 2>/dev/null
wait "$pid_a" "$pid_b" 2>/dev/null

# The database stops while the center runs: batches are refused with a
# retryable answer (503; the station keeps its records), and taken when
# the database is back, by the same process.
center_db_new
rm -f st.db st.db.csv
station_db st.db 40
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
center_start
center_pid=$CENTER_PID
station_conf st.conf "$CENTER_URL"
pg_halt
run send
is "$rc" 5 "with the database stopped, queue send fails (exit 5)"
like "$out" "503|not delivered, they stay queued" "the center refused them as retryable"
is "$(station_open st.db)" "$n" "the station keeps every record"
ok "$(kill -0 "$center_pid"; echo $?)" "the center is still running"
like "$(cat center.log)" "store" "the center logged the store error"
pg_resume
run send
is "$rc" 0 "with the database back, queue send succeeds"
is "$(station_open st.db)" 0 "every record is acknowledged"
is "$(center_held ST01)" "$n" "the center holds each record"
is "$(center_dups)" "" "none twice"
ok "$(kill -0 "$center_pid"; echo $?)" "by the same center process (no restart)"
run center status
is "$rc" 0 "status works after the database came back"
center_stop

# The database stops in the middle of a batch (its records inserted, the
# commit not yet made): nothing is stored, nothing acknowledged; the same
# batch, sent again once the database is back, is stored once.
center_db_new
rm -f st.db st.db.csv
station_db st.db 40
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
center_start NHICARD_CENTER_FAULT=commit-wait="$TEST_TMP/go2"
station_conf st.conf "$CENTER_URL"
send > send1.log 2>&1 &
sp=$!
until_true "the batch did not reach its commit" test -f go2.waiting
pg_halt
touch go2
wait "$sp"
is "$?" 5 "the batch cut off by the database's stop is not acknowledged (exit 5)"
is "$(station_open st.db)" "$n" "the station keeps every record"
pg_resume
is "$(center_held ST01)" 0 "the center stored none of it (the transaction never committed)"
run send
is "$rc" 0 "sent again, it is taken"
is "$(center_held ST01)" "$n" "every record once"
is "$(center_dups)" "" "none twice"
center_stop

# Clinic queries read the card and its periods from a replica (serve
# --replica): with the standby's replay paused, cards added at the primary
# are unknown to the queries; once it has replayed them, they are insured.
# The challenges and the query log are written to the primary.
center_db_new
pg_replica
make -C "$top_builddir" bench/clinic-load >/dev/null 2>&1 || bail "cannot build bench/clinic-load"
LOAD=$top_builddir/bench/clinic-load
. "$top_srcdir/tests/lib/clinic.sh"
clinic_certs
"$CENTER" --db "$CENTER_DB" clinic add 1311234569 "TEST clinic" >/dev/null &&
"$CENTER" --db "$CENTER_DB" insurer add 133116 "千代田区" >/dev/null || bail "register"
"$LOAD" keys 10 > keys.txt || bail "clinic-load keys"
replica_has() { [ "$(pg_replica_sql center "SELECT count(*) FROM $1")" = "$2" ]; }
until_true "the standby did not replay the registration" replica_has clinic 1
pg_replica_sql center "SELECT pg_wal_replay_pause()" >/dev/null || bail "pause replay"
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "host=$PG_HOST port=$PG_PORT user=nhicard dbname=center" \
    >/dev/null <<SQL || bail "cards at the primary"
CREATE TEMP TABLE k (i int, pub text);
\\copy k FROM 'keys.txt' WITH (DELIMITER ' ')
INSERT INTO elig_card (user_number, station_id, person, issued, insurer_number,
    municipality, key_generation, public_key, issued_on)
SELECT lpad(to_hex(i), 32, '0'), 'ST01', i, 1, '133116', '131016', 1, pub, '2025-01-01' FROM k;
INSERT INTO elig_period (station_id, period, person, insurer_number, symbol, number,
    cert_kind, acquired_on, valid_until)
SELECT 'ST01', i, i, '133116', '1', i::text, 'hihokensha', '2020-04-01', '2027-07-31' FROM k;
SQL
CENTER_ARGS="--replica postgresql:///center?host=$PG_HOST&port=$PG_REPLICA_PORT&user=nhicard --clinic-rate 0"
center_start
CENTER_ARGS=
"$LOAD" run "$CENTER_URL" clinic.crt clinic.key "$KEYS/test-queue-ca.crt" 1 1 10 10 \
    > load1.txt 2> load1.err || bail "clinic-load: $(cat load1.err)"
is "$(awk '$1 == "errors" { print $2 }' load1.txt)" 0 "every query is answered (200)"
is "$(center_sql "SELECT DISTINCT outcome FROM query_log")" no_such_card \
    "cards the replica has not replayed are unknown: the queries read the replica"
last=$(center_sql "SELECT max(id) FROM query_log")
pg_replica_sql center "SELECT pg_wal_replay_resume()" >/dev/null || bail "resume replay"
until_true "the standby did not replay the cards" replica_has elig_card 10
"$LOAD" run "$CENTER_URL" clinic.crt clinic.key "$KEYS/test-queue-ca.crt" 1 1 10 10 \
    > load2.txt 2> load2.err || bail "clinic-load: $(cat load2.err)"
is "$(center_sql "SELECT DISTINCT outcome FROM query_log WHERE id > $last")" insured \
    "once replayed, the same cards are insured"
# My Number queries read the replica too.
mn_cert alice
pg_replica_sql center "SELECT pg_wal_replay_pause()" >/dev/null || bail "pause replay"
mn_link alice 77
is "$(mn_query alice)" no_such_card \
    "a My Number query reads the replica: a link it has not replayed is unknown"
pg_replica_sql center "SELECT pg_wal_replay_resume()" >/dev/null || bail "resume replay"
until_true "the standby did not replay the link" replica_has elig_mynumber 1
is "$(mn_query alice)" insured "once replayed, the My Number card is insured"
center_stop

done_testing
