#!/bin/sh
# bench/center.sh: the center at scale (issue 22), on PostgreSQL and SQLite.
#
#   center_intake_per_s          records stored per second by the center on
#                                PostgreSQL, BENCH_CENTER_PROCS serve
#                                processes (4) sharing one database, while
#                                BENCH_CENTER_STATIONS stations (50) each post
#                                one batch of BENCH_CENTER_RECORDS records
#                                (2000) at once over HTTPS with mutual TLS:
#                                decrypt, verify, parse, store once, sign the
#                                acknowledgement; first post to last answer
#   center_intake_per_s_sqlite   the same into one SQLite center (one process)
#   center_query_per_s_pg        eligibility queries answered (200, signed)
#                                per second with BENCH_CENTER_PG_CARDS
#                                cardholders (10,000,000; quick: 10,000) on
#                                PostgreSQL, BENCH_CENTER_PROCS serve
#                                processes, one load client of
#                                BENCH_CENTER_CLIENTS connections (2) each
#                                (bench/clinic-load): 8 in all
#   center_query_p99_ms_pg       the 99th percentile of a query's time as a
#                                client sees it (the larger of the clients')
#   center_query_per_s_sqlite    the same on SQLite, one process (4
#   center_query_p99_ms_sqlite   threads), 8 connections, with
#                                BENCH_CENTER_SQLITE_CARDS (1,000,000)
#   center_pg_cards, center_sqlite_cards   how many cardholders that was
#
# BENCH_CENTER_PARTS (default "pg-intake pg-query sqlite") runs only some
# of the three parts (to measure one change again without the rest).
#
# The PostgreSQL cluster is the benchmark's own (tests/lib/pg.sh), on a
# Unix socket, fsync on, with shared_buffers 512MB. The cardholders are
# made server-side (generate_series; the SQLite store by a recursive
# query), not timed; card i has key pair i % 1000 (as bench/clinic.sh), so
# every query verifies a real ECDSA answer. Clients, centers and the
# database share this machine's cores.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/pg.sh"
CENTER=$top_builddir/center/nhicard-center
LOAD=$top_builddir/bench/clinic-load
K=$KEYS
stations=${BENCH_CENTER_STATIONS:-$(sized 50 5)}
records=${BENCH_CENTER_RECORDS:-$(sized 2000 100)}
procs=${BENCH_CENTER_PROCS:-4}
clients=${BENCH_CENTER_CLIENTS:-2}
pg_cards=${BENCH_CENTER_PG_CARDS:-$(sized 10000000 10000)}
sl_cards=${BENCH_CENTER_SQLITE_CARDS:-$(sized 1000000 10000)}
secs=${BENCH_CENTER_SECONDS:-$(sized 15 2)}
parts=" ${BENCH_CENTER_PARTS:-pg-intake pg-query sqlite} "
part() { case $parts in *" $1 "*) return 0 ;; esac; return 1; }
[ -x "$LOAD" ] || fail "bench/clinic-load is not built"
command -v curl >/dev/null || fail "curl not found"
pids=
at_exit 'for p in $pids; do kill "$p" 2>/dev/null; done'
cd "$TEST_TMP" || exit 1

# Certificates: the center's TLS, a clinic, the answer key, and one per
# station ("nhicard TEST station S001"...), all under the test queue CA.
serial=100
cert() { # cert NAME CN [EXT]
	serial=$((serial + 1))
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA "$K/test-queue-ca.crt" \
	    -CAkey "$K/test-queue-ca.key" -set_serial "$serial" \
	    -days 1 ${3:+-extfile "$3"} -out "$1.crt" 2>/dev/null || fail "certificate $1"
}
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > tls.ext
cert tls 127.0.0.1 tls.ext
cert clinic "nhicard TEST clinic 1311234569"
cert answer "nhicard TEST center answers"

# One batch a station: eligibility records, signed by the station,
# encrypted to the center (docs/queue-format.md), made before the clock.
mkdir batches
i=1
while [ "$i" -le "$stations" ]; do
	s=$(printf 'S%03d' "$i")
	cert "batches/$s" "nhicard TEST station $s"
	awk -v s="$s" -v n="$records" 'BEGIN {
		printf "{\"format\":\"nhicard-queue-batch\",\"version\":1,\"station\":\"%s\",\"batch\":1,\"created\":\"2026-12-01T00:00:00Z\",\"records\":%d,\"audit_seq\":0,\"audit_hash\":\"%064d\"}\n", s, n, 0
		for (q = 1; q <= n; q++)
			printf "{\"seq\":%d,\"id\":\"%s%028d\",\"attempt\":1,\"lane\":\"bulk\",\"kind\":\"eligibility_changed\",\"created\":\"2026-12-01T00:00:00Z\",\"data\":{\"person\":%d,\"period\":%d,\"insurer_number\":\"133116\",\"symbol\":\"1\",\"number\":\"%d\",\"cert_kind\":\"hihokensha\",\"acquired_on\":\"2020-04-01\",\"valid_until\":\"2027-07-31\"}}\n", q, "aaaa", q, q, q, q
	}' > "batches/$s.jsonl"
	openssl cms -sign -binary -nodetach -outform DER -in "batches/$s.jsonl" \
	    -signer "batches/$s.crt" -inkey "batches/$s.key" -out "batches/$s.sig" 2>/dev/null &&
	openssl cms -encrypt -binary -aes256 -outform DER -in "batches/$s.sig" \
	    -out "batches/$s.cms" "$K/test-center.crt" 2>/dev/null || fail "batch $s"
	i=$((i + 1))
done
total=$((stations * records))

# serve DB [ARGS]: start a center on a free port; sets URL, adds its pid.
n_serve=0
serve() {
	n_serve=$((n_serve + 1))
	mkfifo "c$n_serve.fifo" || fail "mkfifo"
	_db=$1
	shift
	"$CENTER" --db "$_db" serve --key "$K/test-center.key" --cert "$K/test-center.crt" \
	    --tls-key tls.key --tls-cert tls.crt --ca "$K/test-queue-ca.crt" --port 0 \
	    --answer-key answer.key --answer-cert answer.crt --clinic-rate 0 "$@" \
	    > "c$n_serve.fifo" 2> "c$n_serve.log" &
	pids="$pids $!"
	_line=$(timeout 60 head -n 1 "c$n_serve.fifo")
	case "$_line" in "listening on 127.0.0.1 "[0-9]*) ;;
	*) cat "c$n_serve.log" >&2; fail "center did not start" ;; esac
	URL=https://127.0.0.1:${_line##* }
}
stop_all() { for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=; }

# intake URL...: every station posts its batch at once, to the centers in
# turn; prints the records per second; every answer must be 200.
intake() {
	rm -f batches/*.code
	_cp=
	t0=$(now)
	i=1
	for s in $(cd batches && ls *.cms | sed 's/\.cms$//'); do
		eval "_u=\${$(( (i - 1) % $# + 1 ))}"
		curl -s -o "batches/$s.ack" -w '%{http_code}' --cacert "$K/test-queue-ca.crt" \
		    --cert "batches/$s.crt" --key "batches/$s.key" --max-time 600 \
		    --data-binary @"batches/$s.cms" -H 'Content-Type: application/octet-stream' \
		    "$_u/batch" > "batches/$s.code" &
		_cp="$_cp $!"
		i=$((i + 1))
	done
	for _p in $_cp; do wait "$_p"; done
	t1=$(now)
	bad=$(for f in batches/*.code; do [ "$(cat "$f")" = 200 ] || echo "$f"; done | wc -l)
	[ "$bad" = 0 ] || { grep -h refused c*.log >&2
	    fail "$bad batches were not acknowledged (200)"; }
	awk -v a="$t0" -v b="$t1" -v n="$total" 'BEGIN { printf "%.0f", n / (b - a) }'
}

# query URL...: a load client on each center at once; "per_s p99_ms".
query() {
	_i=0
	for _u in "$@"; do
		_i=$((_i + 1))
		"$LOAD" run "$_u" clinic.crt clinic.key "$K/test-queue-ca.crt" "$clients" "$secs" \
		    "$cards" 1000 > "load$_i.txt" 2> "load$_i.err" &
		eval "lp$_i=\$!"
	done
	_j=1
	while [ "$_j" -le "$_i" ]; do
		eval "wait \$lp$_j" || { cat "load$_j.err" >&2; fail "clinic-load run"; }
		_e=$(awk '$1 == "errors" { print $2 }' "load$_j.txt")
		[ "$_e" = 0 ] || { cat "load$_j.err" >&2; fail "$_e queries were not answered 200"; }
		_j=$((_j + 1))
	done
	cat load[0-9]*.txt | awk '$1 == "per_s" { s += $2 } $1 == "p99_ms" && $2 > p { p = $2 }
	    END { printf "%.0f %.1f", s, p }'
	rm -f load[0-9]*.txt
}

"$LOAD" keys 1000 > keys.txt || fail "clinic-load keys"

# ---- PostgreSQL ------------------------------------------------------
PG_OPTS="-c shared_buffers=512MB -c max_wal_size=4GB -c checkpoint_timeout=30min"
pg_start
pg_createdb center
PGDB="pg:host=$PG_HOST port=$PG_PORT user=nhicard dbname=center"
"$CENTER" --db "$PGDB" db migrate >/dev/null || fail "db migrate"

if part pg-intake; then
p=0
urls=
while [ "$p" -lt "$procs" ]; do serve "$PGDB" --threads 2; urls="$urls $URL"; p=$((p + 1)); done
# shellcheck disable=SC2086
rate=$(intake $urls) || exit 1
held=$(pg_sql center "SELECT count(*) FROM record")
[ "$held" = "$total" ] || fail "PostgreSQL holds $held records, expected $total"
echo "center_intake_per_s $rate records/s"
stop_all
fi

if part pg-query; then
"$CENTER" --db "$PGDB" clinic add 1311234569 bench >/dev/null &&
"$CENTER" --db "$PGDB" insurer add 133116 千代田区 >/dev/null || fail "center store"
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "host=$PG_HOST port=$PG_PORT user=nhicard dbname=center" \
    >/dev/null <<SQL || fail "filling PostgreSQL"
CREATE TEMP TABLE k (i int PRIMARY KEY, pub text);
\\copy k FROM 'keys.txt' WITH (DELIMITER ' ')
TRUNCATE elig_card, elig_period;
INSERT INTO elig_card (user_number, station_id, person, issued, insurer_number,
    municipality, key_generation, public_key, issued_on)
SELECT lpad(to_hex(g), 32, '0'), 'ST01', g, 1, '133116', '131016', 1, k.pub, '2025-01-01'
    FROM generate_series(0, $pg_cards - 1) g JOIN k ON k.i = g % 1000;
INSERT INTO elig_period (station_id, period, person, insurer_number, symbol, number,
    cert_kind, acquired_on, valid_until)
SELECT 'ST01', g, g, '133116', '1', g::text, 'hihokensha', '2020-04-01', '2027-07-31'
    FROM generate_series(0, $pg_cards - 1) g;
VACUUM ANALYZE elig_card;
VACUUM ANALYZE elig_period;
SQL
cards=$(pg_sql center "SELECT count(*) FROM elig_card")
p=0
urls=
while [ "$p" -lt "$procs" ]; do serve "$PGDB" --threads 2; urls="$urls $URL"; p=$((p + 1)); done
# shellcheck disable=SC2086
set -- $(query $urls)
echo "center_query_per_s_pg $1 queries/s"
echo "center_query_p99_ms_pg $2 ms"
echo "center_pg_cards $cards cardholders"
stop_all
fi
pg_stop
part sqlite || exit 0

# ---- SQLite -----------------------------------------------------------
serve center.db --threads 2
rate=$(intake "$URL") || exit 1
held=$("$SQLITE3" center.db "SELECT count(*) FROM record")
[ "$held" = "$total" ] || fail "SQLite holds $held records, expected $total"
echo "center_intake_per_s_sqlite $rate records/s"
stop_all
"$CENTER" --db center.db clinic add 1311234569 bench >/dev/null &&
"$CENTER" --db center.db insurer add 133116 千代田区 >/dev/null || fail "center store"
"$SQLITE3" center.db <<SQL || fail "filling SQLite"
CREATE TEMP TABLE k (i INTEGER PRIMARY KEY, pub TEXT);
.separator " "
.import keys.txt k
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $sl_cards - 1)
INSERT INTO elig_card (user_number, station_id, person, issued, insurer_number,
    municipality, key_generation, public_key, issued_on)
SELECT printf('%032x', i), 'ST01', i, 1, '133116', '131016', 1,
    (SELECT pub FROM k WHERE k.i = c.i % 1000), '2025-01-01' FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $sl_cards - 1)
INSERT INTO elig_period (station_id, period, person, insurer_number, symbol, number,
    cert_kind, acquired_on, valid_until)
SELECT 'ST01', i, i, '133116', '1', i, 'hihokensha', '2020-04-01', '2027-07-31' FROM c;
COMMIT;
SQL
cards=$("$SQLITE3" center.db "SELECT count(*) FROM elig_card")
serve center.db --threads 4
clients=$((clients * procs))
set -- $(query "$URL")
echo "center_query_per_s_sqlite $1 queries/s"
echo "center_query_p99_ms_sqlite $2 ms"
echo "center_sqlite_cards $cards cardholders"
stop_all
