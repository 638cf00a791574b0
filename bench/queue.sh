#!/bin/sh
# queue.sh: the center queue's benchmarks (bench/queue-bench.c).
#   queue_export_100k_s          100,000 records read from the store into
#                                signed and encrypted batches (goal: under 1 s)
#   queue_openssl_cms_100k_s     `openssl cms` signing and then encrypting
#                                the same payload, in the same run
#   queue_export_ratio_vs_openssl  the first over the second (goal: under 2)
# and then bench/queue-push.sh (queue_push_records_per_s,
# queue_push_records). BENCH_QUICK=1: 2,000 records.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
B="$top_builddir/bench/queue-bench"
D=$TEST_TMP
[ -x "$B" ] || fail "$B not built (make bench builds it)"
val() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }
records=$(sized 100000 2000)

# The group's configuration: test mode, the queue's test keys.
fp=$(openssl x509 -in "$KEYS/test-center.crt" -noout -fingerprint -sha256 |
    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f') || fail "center certificate fingerprint"
cat >"$D/queue.conf" <<CONF
[station]
mode = test
[queue]
station_key = $KEYS/test-station.key
station_cert = $KEYS/test-station.crt
center_cert = $KEYS/test-center.crt
center_fingerprint = $fp
CONF

out=$("$B" "$D/queue.conf" "$D" "$records") || fail "queue-bench failed: $out"
exp=$(val "$out" export_s)
echo "queue_export_100k_s $exp s"
t0=$(now)
openssl cms -sign -binary -nodetach -outform DER -in "$D/payload" -signer "$KEYS/test-station.crt" \
    -inkey "$KEYS/test-station.key" -out "$D/signed.der" || fail "openssl cms -sign"
openssl cms -encrypt -binary -outform DER -aes256 -in "$D/signed.der" -out "$D/enc.der" \
    "$KEYS/test-center.crt" || fail "openssl cms -encrypt"
t1=$(now)
ossl=$(elapsed "$t0" "$t1")
printf 'queue_openssl_cms_100k_s %.3f s\n' "$ossl"
printf 'queue_export_ratio_vs_openssl %.2f x\n' "$(awk "BEGIN { print $exp / $ossl }")"

# The online push figure (queue_push_records_per_s) belongs to this group too.
$SHELL "$top_srcdir/bench/queue-push.sh" || exit 1
