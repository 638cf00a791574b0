# common.sh: what every shell test shares: where things are and a scratch
# directory removed on exit (even when the test fails).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${NHICARD:=$top_builddir/src/nhicard}"
export top_srcdir top_builddir NHICARD

. "$top_srcdir/tests/lib/tap.sh"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nhicard-test.XXXXXX") || bail "mktemp failed"
export TEST_TMP
_cleanup_hooks=""
at_exit() { _cleanup_hooks="$1; $_cleanup_hooks"; }
_common_cleanup() {
	eval "$_cleanup_hooks"
	rm -rf "$TEST_TMP"
}
trap _common_cleanup EXIT
trap 'exit 130' INT TERM

# A configuration that keeps everything under the scratch directory.
unset NHICARD_DB NHICARD_CONFIG
# A test that names no configuration runs a test station: station.mode
# unset means production, and `db init` refuses production without
# station.id (issue 19). Tests of production give --config or
# $NHICARD_CONFIG with the mode and id they mean (tests/lib/operators.sh).
printf '# tests/lib/common.sh: a test station\n[station]\nmode = test\n' \
    >"$TEST_TMP/test-station.conf"
NHICARD_CONFIG=$TEST_TMP/test-station.conf
export NHICARD_CONFIG
