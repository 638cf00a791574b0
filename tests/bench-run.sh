#!/bin/sh
# bench/run.sh, the benchmark driver `make bench` and CI run, on groups of
# its own in a scratch bench directory (BENCH_DIR): a group that fails,
# leaves out a figure, prints one that is not a number or one the table
# does not list fails the run; the goals are judged at the end, one line a
# figure, and not judged at quick sizes, but for guards ("!"), which are
# and fail the run.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
B=$TEST_TMP/bench
mkdir -p "$B"
cat >"$B/figures" <<'EOF2'
# group figure goal
alpha  a_s      <10
alpha  a_mb     -
beta   b_s      <=2*a_s
beta   b_rate   >=100
EOF2
# group NAME BODY: bench/NAME.sh running BODY.
group() { printf '#!/bin/sh\n%s\n' "$2" >"$B/$1.sh"; }
drive() { run env BENCH_DIR="$B" "$SHELL" "$top_srcdir/bench/run.sh" "$@"; }

group alpha 'echo "a_s 4.5 s"; echo "a_mb 12.0 MB"'
group beta 'echo "b_s 9.5 s"; echo "b_rate 99 r/s"'
drive
is "$rc" 0 "every group printed its figures: exit 0"
like "$out" "^a_s 4.5 s$" "the groups' lines come through"
like "$out" "^a_s 4.5 <10 met$" "a goal met"
like "$out" "^b_s 9.5 <=9.00 NOT MET$" "a goal relative to another figure, not met"
like "$out" "^b_rate 99 >=100 NOT MET$" "a lower bound not met"
unlike "${out#*== goals}" "a_mb" "no verdict for a figure without a goal"

BENCH_QUICK=1 drive
is "$rc" 0 "quick sizes: exit 0"
like "$out" "^b_rate 99 >=100 quick$" "goals are not judged at quick sizes"

drive alpha
is "$rc" 0 "one group by name"
unlike "$out" "^b_s" "runs that group only"

group beta 'echo "b_s 1.0 s"'
drive
is "$rc" 1 "a figure left out fails the run"
like "$out" "bench: group beta printed no figure b_rate" "naming group and figure"

group beta 'echo "b_s 1.0 s"; echo "b_rate fast r/s"'
drive beta
is "$rc" 1 "a figure that is not a number fails the run"
like "$out" 'figure b_rate is not a number: "fast"' "naming the figure and the value"

group beta 'echo "b_s 1.0 s"; echo "b_rate 120 r/s"; echo "b_new 3 x"'
drive beta
is "$rc" 1 "a figure the table does not list fails the run"
like "$out" "bench: group beta printed b_new, which bench/figures does not list" \
    "naming it"

group beta 'echo "b_s 1.0 s"; echo "b_rate 120 r/s"; exit 3'
drive beta
is "$rc" 1 "a group that exits non-zero fails the run"
like "$out" "bench: group beta FAILED \(exit 3\)" "with its exit status"

group beta 'exit 0'
drive beta
is "$rc" 1 "a group that prints nothing fails the run"
like "$out" "printed no figure b_s" "every figure is missed"

# A guard ("!"): a figure that does not depend on the sizes, judged in the
# quick run too, and failing the run when broken.
cat >>"$B/figures" <<'EOF2'
delta  d_bytes  !<40
EOF2
group delta 'echo "d_bytes 32.4 bytes"'
BENCH_QUICK=1 drive delta
is "$rc" 0 "a guard that holds: exit 0, even at quick sizes"
like "$out" "^d_bytes 32.4 !<40 met$" "a guard is judged at quick sizes"
group delta 'echo "d_bytes 52.0 bytes"'
BENCH_QUICK=1 drive delta
is "$rc" 1 "a broken guard fails the quick run"
like "$out" "bench: d_bytes 52.0 breaks its guard <40" "naming the figure and its bound"
drive delta
is "$rc" 1 "and the full run"

drive gamma
is "$rc" 2 "an unknown group: exit 2"
like "$out" "bench: no group 'gamma'" "named"

rm "$B/figures"
drive alpha
is "$rc" 2 "no figure table: exit 2"
like "$out" "bench: no figure table" "said"
done_testing
