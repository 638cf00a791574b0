#!/bin/sh
# bench/queue-push.sh: the queue's online push on loopback.
#
#   queue_push_records_per_s   records pushed by `nhicard queue send` to
#                              nhicard-center on 127.0.0.1 over HTTPS with
#                              mutual TLS, in batches of queue.push_batch
#                              (1000), each acknowledged and applied:
#                              batch build (sign + encrypt), transfer,
#                              intake (decrypt, verify, parse, store once,
#                              sign the ack) and the ack applied, end to end
#   queue_push_records         how many records that was
#
# The records are the eligibility records of BENCH_PUSH_RESIDENTS residents
# (default 40,000, about half of whom have a period: some 20,000 records;
# BENCH_QUICK=1: 2,000) imported into a new store; the import is not timed.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${NHICARD:?}"
. "$top_srcdir/bench/lib.sh"
CENTER="$top_builddir/center/nhicard-center"
K=$KEYS
residents=${BENCH_PUSH_RESIDENTS:-$(sized 40000 2000)}
work=$TEST_TMP
center_pid=
at_exit '[ -n "$center_pid" ] && kill "$center_pid" 2>/dev/null'
cd "$work" || exit 1

# TLS material for the intake on 127.0.0.1, signed by the test queue CA.
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > tls.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout tls.key -out tls.csr 2>/dev/null &&
openssl x509 -req -in tls.csr -CA "$K/test-queue-ca.crt" -CAkey "$K/test-queue-ca.key" \
    -set_serial 99 -days 1 -extfile tls.ext -out tls.crt 2>/dev/null || fail "TLS certificate"

mkfifo center.fifo || fail "mkfifo"
"$CENTER" --db center.db serve --key "$K/test-center.key" --cert "$K/test-center.crt" \
    --tls-key tls.key --tls-cert tls.crt --ca "$K/test-queue-ca.crt" --port 0 \
    > center.fifo 2> center.log &
center_pid=$!
line=$(timeout 20 head -n 1 center.fifo)
port=${line##* }
case "$line" in "listening on 127.0.0.1 "[0-9]*) ;; *) cat center.log >&2; fail "center did not start" ;; esac

# The group's configuration: test mode, the test queue keys, the intake.
fp=$(openssl x509 -in "$K/test-center.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f')
cat > st.conf <<CONF
[station]
mode = test
[queue]
station_key = $K/test-station.key
station_cert = $K/test-station.crt
center_cert = $K/test-center.crt
center_fingerprint = $fp
center_url = https://127.0.0.1:$port
client_cert = $K/test-station.crt
client_key = $K/test-station.key
center_ca = $K/test-queue-ca.crt
CONF

# A station store with records (station id ST01, as in the test certificate).
"$NHICARD" --config st.conf --db st.db db init >/dev/null || fail "db init"
"$SQLITE3" st.db "UPDATE meta SET value='ST01' WHERE key='station_id'" || fail "station id"
"$top_builddir/bench/gen-extract" --residents "$residents" --seed 5 -o st.csv 2>/dev/null ||
    fail "gen-extract"
"$NHICARD" --config st.conf --db st.db import --quiet st.csv >/dev/null 2>&1 || fail "import"
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")

t0=$(now)
"$NHICARD" --db st.db --config st.conf queue send > send.log 2>&1 || { cat send.log >&2; fail "queue send"; }
t1=$(now)
held=$("$SQLITE3" center.db "SELECT count(*) FROM record")
[ "$held" = "$n" ] || fail "the center holds $held records, expected $n"
awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "queue_push_records_per_s %.0f records/s\n", n / (b - a) }'
echo "queue_push_records $n records"
