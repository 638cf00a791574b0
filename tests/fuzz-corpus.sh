#!/bin/sh
# Replay every fuzz target's corpus (fuzz/corpus/NAME) through its target
# built without libFuzzer: a crash or sanitizer report fails the test.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

for replay in "$top_builddir"/fuzz/replay-*; do
	[ -x "$replay" ] || continue
	name=${replay##*/replay-}
	corpus="$top_srcdir/fuzz/corpus/$name"
	if [ ! -d "$corpus" ]; then
		ok 1 "fuzz target $name has a corpus directory"
		continue
	fi
	run "$replay" "$corpus"
	is "$rc" 0 "fuzz target $name replays its corpus ($(ls "$corpus" | wc -l) inputs)"
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
done
done_testing
