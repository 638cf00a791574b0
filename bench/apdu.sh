#!/bin/sh
# apdu: the raw APDU round trip through pcscd and vpcd to the emulator
# (median and 99th percentile over 2000 ECHO commands after 200 warm-up).
# Prints:
#   apdu_roundtrip_ms VALUE ms
#   apdu_roundtrip_p99_ms VALUE ms
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/pcsc.sh"

pcsc_start
card_insert "$PCSC_TMP/bench-card.state"
"$top_builddir/bench/apdu-roundtrip" -n "${APDU_BENCH_COUNT:-2000}" -w 200 "$PCSC_READER"
