#!/bin/sh
# queue.sh: the center queue's benchmarks (bench/queue-bench.c).
#   queue_export_100k_s          100,000 records read from the store into
#                                signed and encrypted batches (goal: under 1 s)
#   queue_export_ratio_vs_openssl  that over `openssl cms` signing and then
#                                encrypting the same payload, in the same run
#                                (goal: under 2)
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
B="$top_builddir/bench/queue-bench"
K="$top_srcdir/keys"
[ -x "$B" ] || { echo "bench/queue: $B not built (make bench builds it)" >&2; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/queue-bench.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
val() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }
now() { date +%s.%N; }

out=$("$B" "$K" "$D" 100000) || { echo "$out" >&2; exit 1; }
exp=$(val "$out" export_s)
echo "queue_export_100k_s $exp s"
t0=$(now)
openssl cms -sign -binary -nodetach -outform DER -in "$D/payload" -signer "$K/test-station.crt" \
    -inkey "$K/test-station.key" -out "$D/signed.der" || exit 1
openssl cms -encrypt -binary -outform DER -aes256 -in "$D/signed.der" -out "$D/enc.der" \
    "$K/test-center.crt" || exit 1
t1=$(now)
ossl=$(awk "BEGIN { print $t1 - $t0 }")
printf 'queue_openssl_cms_100k_s %.3f s\n' "$ossl"
printf 'queue_export_ratio_vs_openssl %.2f x\n' "$(awk "BEGIN { print $exp / $ossl }")"

# The online push figure (queue_push_records_per_s) belongs to this group too.
$SHELL "$top_srcdir/bench/queue-push.sh" || exit 1
