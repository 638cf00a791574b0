#!/bin/sh
# townyear: a year in the life of a town (issue 26, docs/reliability.md):
# tests/townyear.sh's simulation, timed. Prints:
#   townyear_days_per_min X     simulated days per minute of wall clock
#                               (every program under libfaketime, cards
#                               through pcscd)
#   townyear_operations N       program runs, card insertions included
#   townyear_faults N           faults injected
#   townyear_mismatches N       differences from the model (must be 0)
# The city (100,000 residents) in the full run, 本山町's 4,314 with
# BENCH_QUICK=1; TOWNYEAR_RESIDENTS and TOWNYEAR_DAYS override.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
TOWNYEAR_RESIDENTS=${TOWNYEAR_RESIDENTS:-$(sized 100000 4314)}
TOWNYEAR_SUMMARY=$TEST_TMP/summary
export TOWNYEAR_RESIDENTS TOWNYEAR_SUMMARY
$SHELL "$top_srcdir/tests/townyear.sh" >"$TEST_TMP/tap" 2>&1
rc=$?
get() { awk -v k="$1" '$1 == k { print $2 }' "$TOWNYEAR_SUMMARY" 2>/dev/null; }
[ -s "$TOWNYEAR_SUMMARY" ] || { cat "$TEST_TMP/tap" >&2; fail "the simulation left no figures (exit $rc)"; }
grep '^not ok\|^# mismatch' "$TEST_TMP/tap" >&2
echo "townyear_days_per_min $(get days_per_min) days/min"
echo "townyear_operations $(get operations) runs"
echo "townyear_faults $(get faults) faults"
echo "townyear_mismatches $(get mismatches) mismatches"
