#!/bin/sh
# batch-roles.sh: who may run `nhicard batch` (src/operator-roles.c): a
# supervisor starts, resumes and cancels runs; a clerk may list them, see
# their state and work their exceptions, but not start one; each run is in
# the audit log under the operator who ran it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"
cd "$TEST_TMP" || bail "cd"
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
gen="$top_builddir/bench/gen-extract"
[ -x "$gen" ] || bail "bench/gen-extract not built"

make_team
"$gen" --residents 40 --seed 3 --fault-rate 0 -o x.csv 2>/dev/null || bail "gen"
# The station is insurer 133116 (tests/lib/operators.sh): an extract of
# another insurer's periods is refused (issue 15), so the town's is made.
sed -i 's/,390013,/,133116,/' x.csv
as carol import --quiet x.csv
[ "$rc" -eq 0 ] || bail "import: $out"
mkdir out

as carol batch renew --from 2027-08-01 -d out all
is "$rc" 1 "a clerk may not start a renewal"
like "$out" "operator 'carol' \(clerk\) may not run 'nhicard batch renew': it needs supervisor" \
    "the refusal names the role it needs"
as carol batch revoke --reason died list x.csv
is "$rc" 1 "nor a revocation"
as boss batch renew --quiet --from 2027-08-01 -d out all
is "$rc" 0 "a supervisor runs the renewal"
RUN=$(sql "SELECT run_uid FROM batch_runs")
is "$(sql "SELECT operator FROM batch_runs")" boss "the run records who ran it"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'batch.renew' AND operator = 'boss'
    AND subject = 'batch:1' AND outcome = 'ok'")" 1 "and the audit log has it"
as carol batch list
is "$rc" 0 "a clerk lists the runs"
like "$out" "^$RUN +renew +done" "and sees the run"
as carol batch status "$RUN"
is "$rc" 0 "a clerk sees a run's state"
as carol batch exceptions "$RUN"
is "$rc" 0 "a clerk reads the exceptions report"
as carol batch resume "$RUN"
is "$rc" 1 "a clerk may not resume a run"
as audrey batch list
is "$rc" 1 "an auditor does not see batch runs (the audit log has them)"

done_testing
