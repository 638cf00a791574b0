# lib.sh: what every benchmark group shares; sourced first by each
# bench/GROUP.sh. It gives the group what the tests have
# (tests/lib/common.sh): a scratch directory $TEST_TMP removed on exit, no
# NHICARD_CONFIG or NHICARD_DB from the caller (NHICARD_CONFIG names a test
# station's configuration for a command given none), and at_exit. Each group
# then writes its own configuration into the scratch directory, in one
# place at its top (test mode, the test keys of keys/, paths), and passes
# it to everything it runs: no group depends on the machine's
# /etc/nhicard or the caller's environment.
#
#   sized FULL QUICK   FULL, or QUICK when BENCH_QUICK=1 (CI: a few seconds
#                      a group, figures checked but not judged)
#   now, elapsed T0 T1 wall clock seconds, and the difference
#   fail MESSAGE       say which group failed and why, exit 1

: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/common.sh"
: "${SQLITE3:=sqlite3}"
KEYS=$top_srcdir/keys
BENCH_GROUP=${BENCH_GROUP:-$(basename "$0" .sh)}
case ${BENCH_QUICK:-0} in
"" | 0 | no) BENCH_QUICK=0 ;;
*) BENCH_QUICK=1 ;;
esac
export BENCH_QUICK

sized() { if [ "$BENCH_QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
fail() {
	echo "bench $BENCH_GROUP: $*" >&2
	exit 1
}
