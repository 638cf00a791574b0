#!/bin/sh
# run.sh SRCDIR BUILDDIR TARGET...: build each fuzz target with clang's
# libFuzzer (plus AddressSanitizer and UBSan) and run it for $FUZZ_SECONDS on
# a copy of its corpus. New inputs stay in BUILDDIR/fuzz-work/NAME. Any
# sanitizer report is fatal (-fno-sanitize-recover=all: undefined behaviour
# stops the run like a crash); a crashing input fails the run and is kept in
# SRCDIR/fuzz/corpus/NAME/regress-* so that `make check` replays it from
# then on (commit it with the fix).
set -eu
srcdir=$1 builddir=$2
shift 2
: "${CLANG:=clang}" "${FUZZ_SECONDS:=20}"
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "make fuzz: clang not found (apt-get install clang)" >&2
	exit 1
fi
work="$builddir/fuzz-work"
mkdir -p "$work/obj"
flags="-g -O1 -std=c11 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -I$builddir -I$srcdir/src $PKG_CFLAGS"
# The library, once, without main.c.
objs=""
for c in "$srcdir"/src/*.c; do
	case "$c" in */main.c) continue ;; esac
	o="$work/obj/$(basename "$c" .c).o"
	if [ ! -e "$o" ] || [ "$c" -nt "$o" ]; then
		$CLANG $flags -c "$c" -o "$o"
	fi
	objs="$objs $o"
done
status=0
for t in "$@"; do
	bin="$work/fuzz-$t"
	$CLANG $flags -fsanitize=fuzzer "$srcdir/fuzz/fuzz-$t.c" $objs $PKG_LIBS -o "$bin"
	mkdir -p "$work/$t"
	cp -n "$srcdir/fuzz/corpus/$t"/* "$work/$t"/ 2>/dev/null || true
	echo "fuzz $t: ${FUZZ_SECONDS}s"
	if ! (cd "$work" && "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -artifact_prefix="$work/crash-$t-" "$work/$t" >"$work/$t.log" 2>&1); then
		echo "fuzz $t: FAILED, see $work/$t.log" >&2
		tail -30 "$work/$t.log" >&2
		for a in "$work"/crash-"$t"-*; do
			[ -f "$a" ] || continue
			keep="$srcdir/fuzz/corpus/$t/regress-$(sha256sum "$a" | cut -c1-16)"
			cp "$a" "$keep" && echo "fuzz $t: input kept as $keep" >&2
			rm -f "$a"
		done
		status=1
	else
		tail -1 "$work/$t.log"
	fi
done
exit $status
