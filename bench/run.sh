#!/bin/sh
# run.sh [GROUP...]: run the benchmark groups (bench/GROUP.sh), all those
# bench/figures lists when none is named, and check what they print.
#
# Each group prints lines "name value unit" on stdout and sets up what it
# needs itself (a scratch directory, its own configuration, test mode and
# test keys), so that nothing depends on the machine. BENCH_QUICK=1 runs
# every group at small sizes (a few seconds each), as CI does; the figures
# are then only checked to be there, not judged.
#
# Fails (exit 1) when a group exits non-zero, leaves out a figure
# bench/figures lists for it, prints a figure that is not a number, or
# prints one bench/figures does not list; exit 2 for an unknown group.
# Ends with one line per figure that has a goal: "name value goal verdict"
# (met, NOT MET, or "quick" when the sizes were too small to judge). A goal
# written with a leading "!" is a guard: the figure does not depend on the
# sizes, so it is judged in the quick run too, and the run fails when it
# is not met.
# BENCH_DIR (default $top_srcdir/bench) is where groups and table are.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
bench=${BENCH_DIR:-$top_srcdir/bench}
table=$bench/figures
case ${BENCH_QUICK:-0} in
"" | 0 | no) BENCH_QUICK=0 ;;
*) BENCH_QUICK=1 ;;
esac
export BENCH_QUICK
# Nothing from the caller's environment chooses a store or configuration.
unset NHICARD_CONFIG NHICARD_DB NHICARD_OPERATOR NHICARD_APPROVER

[ -f "$table" ] || { echo "bench: no figure table $table" >&2; exit 2; }
# The table without comments: "group figure goal".
figures() { awk '!/^[ \t]*(#|$)/ { print $1, $2, ($3 == "" ? "-" : $3) }' "$table"; }

groups="$*"
[ -n "$groups" ] || groups=$(figures | awk '!seen[$1]++ { printf "%s ", $1 }')

out=$(mktemp -d "${TMPDIR:-/tmp}/nhicard-bench-run.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
: >"$out/all"
status=0
for g in $groups; do
	if [ ! -f "$bench/$g.sh" ]; then
		echo "bench: no group '$g' (bench/$g.sh)" >&2
		[ "$status" = 0 ] && status=2
		continue
	fi
	t0=$(date +%s)
	{ $SHELL "$bench/$g.sh"; echo $? >"$out/rc"; } | tee "$out/$g"
	rc=$(cat "$out/rc")
	echo "# bench: group $g took $(($(date +%s) - t0)) s" >&2
	if [ "$rc" != 0 ]; then
		echo "bench: group $g FAILED (exit $rc)" >&2
		status=1
	fi
	cat "$out/$g" >>"$out/all"
	# Every figure the table lists for the group, numeric; nothing else.
	figures | awk -v g="$g" -v f="$out/$g" '
		BEGIN { while ((getline l < f) > 0) { split(l, w, " ")
			if (w[1] ~ /^[a-z0-9_]+$/) val[w[1]] = w[2] } }
		{ known[$2] = 1 }
		$1 == g { n++; if (!($2 in val)) { print "bench: group " g " printed no figure " $2; bad = 1 }
			else if (val[$2] !~ /^-?[0-9]+(\.[0-9]+)?$/) {
				print "bench: group " g ": figure " $2 " is not a number: \"" val[$2] "\""; bad = 1 } }
		END { for (k in val) if (!(k in known)) {
				print "bench: group " g " printed " k ", which bench/figures does not list"; bad = 1 }
			if (n == 0 && length(val) == 0) { print "bench: group " g " printed no figure"; bad = 1 }
			exit bad }' >&2 || status=1
done

# The goals, judged against the figures of this run.
echo "== goals (name value goal verdict)"
figures | awk -v f="$out/all" -v quick="$BENCH_QUICK" '
	BEGIN { while ((getline l < f) > 0) { split(l, w, " "); val[w[1]] = w[2] } }
	$3 == "-" || !($2 in val) { next }
	{
		goal = $3
		guard = sub(/^!/, "", goal)
		match(goal, /^(<=|>=|<|>)/)
		op = substr(goal, 1, RLENGTH); bound = substr(goal, RLENGTH + 1)
		if (op == "") { print "bench: bad goal \"" goal "\" for " $2 > "/dev/stderr"; bad = 1; next }
		if (bound ~ /\*/) {
			split(bound, p, "*")
			if (!(p[2] in val)) { print $2, val[$2], goal, "no " p[2]; next }
			b = p[1] * val[p[2]]; shown = op sprintf("%.2f", b)
		} else { b = bound + 0; shown = goal }
		v = val[$2] + 0
		ok = (op == "<" && v < b) || (op == "<=" && v <= b) || (op == ">" && v > b) ||
		    (op == ">=" && v >= b)
		print $2, val[$2], (guard ? "!" : "") shown,
		    (quick == 1 && !guard ? "quick" : (ok ? "met" : "NOT MET"))
		if (guard && !ok) {
			print "bench: " $2 " " val[$2] " breaks its guard " shown > "/dev/stderr"
			bad = 1
		}
	}
	END { exit bad }' || status=1
[ "$BENCH_QUICK" = 1 ] && echo "# bench: quick sizes (BENCH_QUICK=1): figures checked, goals not judged"
exit $status
