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
