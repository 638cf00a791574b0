#!/bin/sh
# print.sh: the print layer's benchmarks (bench/print-bench.c). Needs no
# configuration: print-bench takes the templates directory of the tree.
#   print_certs_per_s      card-size certificates (front + back) per second
#                          into PDF on one core, volumes of 1000 (goal 1,000)
#   print_sheet_certs_per_s  the same imposed on A4 sheets
#   print_volume_ms        time of one volume of one certificate: the fixed
#                          cost of a PDF (font parsing and embedding)
#   print_100k_peak_mb     peak memory (ru_maxrss) of a 100,000-certificate
#                          batch in sheet volumes of $PRINT_VOLUME (default
#                          1000; goal under 256 MB)
#   print_100k_certs_per_s the same run's rate
# BENCH_QUICK=1: 200 certificates instead of 10,000, 1,000 instead of 100,000.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
B="$top_builddir/bench/print-bench"
T="$top_srcdir/templates"
VOL=${PRINT_VOLUME:-1000}
rate=$(sized 10000 200)
big=$(sized 100000 1000)
[ -x "$B" ] || fail "$B not built (make bench builds it)"
val() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }
# On one core when taskset can pin us, else as we are.
one_core() { taskset -c 0 "$@" 2>/dev/null || "$@"; }

out=$(one_core "$B" "$T" card "$rate" 1000) || fail "print-bench card: $out"
echo "print_certs_per_s $(val "$out" certs_per_s) certs/s"
out=$(one_core "$B" "$T" sheet "$rate" 1000) || fail "print-bench sheet: $out"
echo "print_sheet_certs_per_s $(val "$out" certs_per_s) certs/s"
out=$("$B" "$T" card 20 1) || fail "print-bench volume: $out"
echo "print_volume_ms $(val "$out" volume_ms) ms"
out=$("$B" "$T" sheet "$big" "$VOL") || fail "print-bench $big: $out"
echo "print_100k_peak_mb $(val "$out" peak_mb) MB"
echo "print_100k_certs_per_s $(val "$out" certs_per_s) certs/s"
