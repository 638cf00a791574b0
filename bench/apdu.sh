#!/bin/sh
# apdu: the raw APDU round trip through pcscd and vpcd to the emulator
# (median and 99th percentile over APDU_BENCH_COUNT ECHO commands, 2,000;
# quick: 200, after 200 warm-up). Needs no configuration: no nhicard
# command runs. Prints:
#   apdu_roundtrip_ms VALUE ms
#   apdu_roundtrip_p99_ms VALUE ms
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/pcsc.sh"

pcsc_start
card_insert "$PCSC_TMP/bench-card.state"
"$top_builddir/bench/apdu-roundtrip" -n "${APDU_BENCH_COUNT:-$(sized 2000 200)}" -w 200 \
    "$PCSC_READER" || fail "apdu-roundtrip"
