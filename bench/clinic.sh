#!/bin/sh
# bench/clinic.sh: the clinics' side of the center (issue 21).
#
#   center_query_per_s    eligibility queries answered (200, signed) per
#                         second by nhicard-center on 127.0.0.1, from
#                         BENCH_CLINIC_THREADS concurrent clients (8) over
#                         HTTPS with mutual TLS, each keeping its
#                         connection and TLS session; each query a random
#                         card of the store with a fresh challenge answered
#                         with that card's key; the store holds
#                         BENCH_CLINIC_CARDS cardholders (1,000,000; quick:
#                         10,000), each with a card and a period
#   center_query_p99_ms   the 99th percentile of one query's time, as a
#                         client sees it
#   center_cards          how many cardholders the store held
#   clinic_check_ms       one `nhicard-clinic check` of an emulator card
#                         already in the reader (through pcscd and vpcd),
#                         start to answer shown: the lists fetched, the
#                         card's SELECT and INTERNAL AUTHENTICATE, the
#                         query and the signed answer verified; the median
#                         of BENCH_CLINIC_CHECKS runs (20; quick: 5), the
#                         card issued at a station and sent to a center on
#                         loopback first (not timed)
#
# Client and center share this machine's cores. The store is filled with
# SQL (not timed); the cards use 1000 key pairs (card i has key i % 1000),
# so the center verifies a real ECDSA answer for every query. Answers are
# signed with an EC P-256 answer key (serve --answer-key), as a center
# would deploy; the RSA key of tests/ signs about 4000 a second per core
# at best.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
CENTER=$top_builddir/center/nhicard-center
LOAD=$top_builddir/bench/clinic-load
K=$KEYS
cards=${BENCH_CLINIC_CARDS:-$(sized 1000000 10000)}
threads=${BENCH_CLINIC_THREADS:-$(sized 8 2)}
secs=${BENCH_CLINIC_SECONDS:-$(sized 10 2)}
[ -x "$LOAD" ] || fail "bench/clinic-load is not built"
center_pid=
at_exit '[ -n "$center_pid" ] && kill "$center_pid" 2>/dev/null'
cd "$TEST_TMP" || exit 1

printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > tls.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout tls.key -out tls.csr 2>/dev/null &&
openssl x509 -req -in tls.csr -CA "$K/test-queue-ca.crt" -CAkey "$K/test-queue-ca.key" \
    -set_serial 99 -days 1 -extfile tls.ext -out tls.crt 2>/dev/null &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=nhicard TEST clinic 1311234569" -keyout clinic.key -out clinic.csr 2>/dev/null &&
openssl x509 -req -in clinic.csr -CA "$K/test-queue-ca.crt" -CAkey "$K/test-queue-ca.key" \
    -set_serial 98 -days 1 -out clinic.crt 2>/dev/null &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=nhicard TEST center answers" -keyout answer.key -out answer.csr 2>/dev/null &&
openssl x509 -req -in answer.csr -CA "$K/test-queue-ca.crt" -CAkey "$K/test-queue-ca.key" \
    -set_serial 97 -days 1 -out answer.crt 2>/dev/null || fail "TLS certificates"

# The store: schema, the clinic, then the cardholders by SQL.
"$CENTER" --db center.db status >/dev/null &&
"$CENTER" --db center.db clinic add 1311234569 bench >/dev/null &&
"$CENTER" --db center.db insurer add 133116 千代田区 >/dev/null || fail "center store"
"$LOAD" keys 1000 > keys.txt || fail "clinic-load keys"
"$SQLITE3" center.db <<SQL || fail "filling the store"
CREATE TEMP TABLE k (i INTEGER PRIMARY KEY, pub TEXT);
.separator " "
.import keys.txt k
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $cards - 1)
INSERT INTO elig_card (user_number, station_id, person, issued, insurer_number,
    municipality, key_generation, public_key, issued_on)
SELECT printf('%032x', i), 'ST01', i, 1, '133116', '131016', 1,
    (SELECT pub FROM k WHERE k.i = c.i % 1000), '2025-01-01' FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $cards - 1)
INSERT INTO elig_period (station_id, period, person, insurer_number, symbol, number,
    cert_kind, acquired_on, valid_until)
SELECT 'ST01', i, i, '133116', '1', i, 'hihokensha', '2020-04-01', '2027-07-31' FROM c;
COMMIT;
SQL
held=$("$SQLITE3" center.db "SELECT count(*) FROM elig_card")

mkfifo center.fifo || fail "mkfifo"
"$CENTER" --db center.db serve --key "$K/test-center.key" --cert "$K/test-center.crt" \
    --tls-key tls.key --tls-cert tls.crt --ca "$K/test-queue-ca.crt" --port 0 \
    --answer-key answer.key --answer-cert answer.crt \
    --clinic-rate 0 > center.fifo 2> center.log &
center_pid=$!
line=$(timeout 20 head -n 1 center.fifo)
case "$line" in "listening on 127.0.0.1 "[0-9]*) ;; *) cat center.log >&2; fail "center did not start" ;; esac
url=https://127.0.0.1:${line##* }

"$LOAD" run "$url" clinic.crt clinic.key "$K/test-queue-ca.crt" "$threads" "$secs" \
    "$cards" 1000 > load.txt 2> load.err || { cat load.err >&2; fail "clinic-load run"; }
errors=$(awk '$1 == "errors" { print $2 }' load.txt)
[ "$errors" = 0 ] || { cat load.err >&2; fail "$errors queries were not answered 200"; }
echo "center_query_per_s $(awk '$1 == "per_s" { print $2 }' load.txt) queries/s"
echo "center_query_p99_ms $(awk '$1 == "p99_ms" { print $2 }' load.txt) ms"
echo "center_cards $held cardholders"
kill "$center_pid"; wait "$center_pid" 2>/dev/null; center_pid=

# clinic_check_ms: station -> center -> clinic, as tests/clinic.sh does.
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/center.sh"
. "$top_srcdir/tests/lib/clinic.sh"
checks=${BENCH_CLINIC_CHECKS:-$(sized 20 5)}
mkdir e2e && cd e2e || fail "mkdir"
pcsc_start
make_store "$DB"
"$SQLITE3" "$DB" "UPDATE meta SET value='ST01' WHERE key='station_id'" || fail "station id"
center_tls
clinic_certs
center_start
station_conf q.conf "$CENTER_URL"
sed -n '/^\[queue\]/,$p' q.conf >> "$CONF"
clinic_register
insert_card "$TEST_TMP/juki" juki
"$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" issue --no-print 1 >/dev/null &&
"$NHICARD" --config "$CONF" --db "$DB" queue send >/dev/null || fail "issue and send"
i=0
: > check.ms
while [ $i -lt "$checks" ]; do
	t0=$(now)
	clinic check >/dev/null
	t1=$(now)
	[ "$rc" = 0 ] || fail "clinic check exited $rc"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >> check.ms
	i=$((i + 1))
done
echo "clinic_check_ms $(sort -n check.ms | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms"
