#!/bin/sh
# print.sh: the print layer's benchmarks (bench/print-bench.c).
#   print_certs_per_s      card-size certificates (front + back) per second
#                          into PDF on one core, volumes of 1000 (goal 1,000)
#   print_sheet_certs_per_s  the same imposed on A4 sheets
#   print_volume_ms        time of one volume of one certificate: the fixed
#                          cost of a PDF (font parsing and embedding)
#   print_100k_peak_mb     peak memory (ru_maxrss) of a 100,000-certificate
#                          batch in sheet volumes of $PRINT_VOLUME (default
#                          1000; goal under 256 MB)
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
B="$top_builddir/bench/print-bench"
T="$top_srcdir/templates"
VOL=${PRINT_VOLUME:-1000}
[ -x "$B" ] || { echo "bench/print: $B not built (make bench builds it)" >&2; exit 1; }
val() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }

out=$(taskset -c 0 "$B" "$T" card 10000 1000 2>&1 || "$B" "$T" card 10000 1000) || { echo "$out" >&2; exit 1; }
echo "print_certs_per_s $(val "$out" certs_per_s) certs/s"
out=$(taskset -c 0 "$B" "$T" sheet 10000 1000 2>&1 || "$B" "$T" sheet 10000 1000) || { echo "$out" >&2; exit 1; }
echo "print_sheet_certs_per_s $(val "$out" certs_per_s) certs/s"
out=$("$B" "$T" card 20 1) || exit 1
echo "print_volume_ms $(val "$out" volume_ms) ms"
out=$("$B" "$T" sheet 100000 "$VOL") || exit 1
echo "print_100k_peak_mb $(val "$out" peak_mb) MB"
echo "print_100k_certs_per_s $(val "$out" certs_per_s) certs/s"
