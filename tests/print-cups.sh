#!/bin/sh
# print-cups.sh: `nhicard print --printer` against a real cupsd of the
# test's own (tests/lib/cups.sh: a throwaway configuration, a free port):
# the PDF arrives on a queue whose device is a file, with the job id back
# and the options (media, duplex) on the job; a printer out of paper, a
# stopped queue and an unreachable printer are told to the clerk in
# Japanese while the earlier certificate stays valid, and the new serial is
# recorded only when the job completed; a job that fails, a job that does
# not finish in time (cancelled) and an unknown queue record nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/cups.sh"

[ -x /usr/sbin/cupsd ] || skip_all "cupsd (cups-daemon) not installed"
for tool in lpadmin lpstat cupsdisable cupsenable pdftotext python3; do
	command -v $tool >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	command -v $tool >/dev/null 2>&1 || skip_all "$tool not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "cupsd of the test's own needs root (its backends run as root)"
SQLITE3=${SQLITE3:-sqlite3}
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"

CD=$TEST_TMP/cups
cups_start "$CD" || bail "cupsd did not start"
at_exit cups_stop
O=$CD/out
cups_queue office "$O/office.pdf" || bail "lpadmin office"
lpadmin -p opts -v "nhitest:$O/opts.pdf?ok" -E || bail "lpadmin opts"
lpadmin -p paper -v "nhitest:$O/paper.pdf?paper" -E || bail "lpadmin paper"
lpadmin -p offline -v "nhitest:$O/offline.pdf?offline" -E || bail "lpadmin offline"
lpadmin -p broken -v "nhitest:$O/broken.pdf?fail" -o printer-error-policy=abort-job -E ||
	bail "lpadmin broken"
cups_queue halted "$O/halted.pdf" || bail "lpadmin halted"
cups_queue late "$O/late.pdf" || bail "lpadmin late"
cups_queue held "$O/held.pdf" || bail "lpadmin held"

DB=$TEST_TMP/t.db
"$NHICARD" --db "$DB" db init >/dev/null || bail "db init failed"
"$SQLITE3" "$DB" <<'EOF' || bail "cannot fill the store"
INSERT INTO residents (id, person_code, household_id, is_head, name_kanji, name_kana,
  name_kana_norm, birth_date, sex, address, name_flags, origin, created_at, updated_at) VALUES
 (1, 'P001', NULL, 1, '山田 太郎', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマダ タロウ', '1954-03-15', 1,
  '高知県高知市本町五丁目1番45号', 0, 'extract', 'x', 'x');
INSERT INTO eligibility_periods (resident_id, insurer_number, symbol, number, branch,
  cert_kind, acquired_on, valid_until, burden_pct, burden_from, recorded_at) VALUES
 (1, '390013', '高知12', '345678', '01', 'hihokensha', '2019-05-01', '2026-07-31', 20, '2024-04-01', 'x');
EOF
CONF=$TEST_TMP/nhicard.conf
# A job that cannot finish fails the test in a minute, not print.job_timeout's
# default ten.
conf() {
	printf '[print]\ninsurer_name = 高知市\ntemplates_dir = %s\njob_timeout = %s\n' \
	    "$top_srcdir/templates" "$1"
	printf '[rules]\nlaw = pilot\n'
}
conf 60 >"$CONF"
# The clerk's language: Japanese from the build tree's catalog.
NHICARD_LOCALEDIR=$top_builddir/po LANGUAGE=ja LC_ALL=C.UTF-8
export NHICARD_LOCALEDIR LANGUAGE LC_ALL
FIXED="--date 2025-11-24 --creation-date 2025-11-24T09:00:00Z"
nhi() { "$NHICARD" --db "$DB" --config "$CONF" "$@"; }
sql() { "$SQLITE3" "$DB" "$1"; }
validc() { sql "SELECT group_concat(serial) FROM certificates WHERE voided_at IS NULL AND document = 'certificate'"; }
pending() { sql "SELECT group_concat(serial) FROM print_pending WHERE state = 'pending'"; }
count() { sql "SELECT count(*) FROM certificates"; }
valid() { sql "SELECT group_concat(serial) FROM certificates WHERE voided_at IS NULL"; }
# wait_for FILE ERE: until FILE holds a line matching ERE (at most 60 s).
wait_for() {
	_n=0
	until grep -Eq "$2" "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -le 600 ] || return 1
		sleep 0.1
	done
}

# ---- a queue whose device is a file: the PDF arrives, the job id comes back --
run nhi print certificate P001 $FIXED --printer office
is "$rc" 0 "certificate printed on the CUPS queue"
like "$out" "printer office: job [0-9]+ queued" "the job id comes back"
like "$out" "printer office: job [0-9]+ completed" "the job is followed until completed"
like "$out" "certificate C-00000001 printed to office" "the serial is reported"
job=$(printf '%s\n' "$out" | sed -n 's/.*printer office: job \([0-9]*\) completed.*/\1/p')
like "$(lpstat -W completed -o office)" "^office-$job " "cupsd has job $job completed"
is "$(head -c 5 "$O/office.pdf")" "%PDF-" "a PDF arrived on the queue's device file"
t=$(pdftotext -layout "$O/office.pdf" - 2>/dev/null)
like "$t" "山田 太郎" "the PDF that arrived is the resident's certificate"
like "$t" "C-00000001" "with the recorded serial"
is "$(valid)" "C-00000001" "the serial is recorded once the job completed"
unlike "$(cat "$O/office.pdf.options")" "sides=two-sided" "one-sided unless asked"

# ---- options: media and duplex on the job -------------------------------------
run nhi print sleeve P001 $FIXED --printer opts --media A4 --duplex short
is "$rc" 0 "sleeve printed with options"
like "$(cat "$O/opts.pdf.options")" "(^| )media=A4( |$)" "media=A4 on the job"
like "$(cat "$O/opts.pdf.options")" "(^| )sides=two-sided-short-edge( |$)" "--duplex short on the job"
run nhi print sheet P001 $FIXED --reason "年次更新" --printer opts
is "$rc" 0 "sheet printed"
like "$(cat "$O/opts.pdf.options")" "(^| )sides=two-sided-long-edge( |$)" \
    "a sheet is two-sided (long edge) by default"
unlike "$(cat "$O/opts.pdf.options")" "media=" "no media unless asked"
run nhi print sleeve P001 $FIXED --printer opts --duplex sideways --reason x
is "$rc" 2 "--duplex: usage error for an unknown value"
before=$(count)
valid_before=$(valid)

# ---- out of paper: the clerk is told, the earlier serial stays valid -------------
nhi print certificate P001 $FIXED --reason "汚損" --printer paper >"$TEST_TMP/paper.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/paper.out" "printer paper: job [0-9]+: プリンターの用紙がありません。用紙を補充してください"
is "$?" 0 "out of paper: the clerk is told in Japanese"
is "$(valid)" "$valid_before" "while the job waits, the earlier certificate stays valid"
is "$(count)" "$before" "and no new serial is recorded yet"
: >"$O/paper.pdf.paper"
wait "$pid"
is "$?" 0 "paper loaded: the job completes"
is "$(count)" "$((before + 1))" "the new serial is recorded once the job completed"
is "$(sql "SELECT voided_at IS NOT NULL FROM certificates WHERE serial = 'C-00000001'")" 1 \
    "the earlier certificate is voided then"
like "$(pdftotext "$O/paper.pdf" - 2>/dev/null)" "山田 太郎" "the PDF arrived after the paper"

# ---- a stopped queue (cupsdisable): told, then printed when resumed ---------------
cupsdisable halted || bail "cupsdisable"
before=$(count)
valid_before=$(valid)
nhi print certificate P001 $FIXED --reason "汚損" --printer halted >"$TEST_TMP/halted.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/halted.out" "printer halted: job [0-9]+: プリンターが停止しています"
is "$?" 0 "stopped queue: the clerk is told in Japanese"
is "$(valid)" "$valid_before" "the earlier certificate stays valid while the queue is stopped"
ok "$([ ! -s "$O/halted.pdf" ]; echo $?)" "nothing printed on the stopped queue"
cupsenable halted || bail "cupsenable"
wait "$pid"
is "$?" 0 "the queue resumed: the job completes"
is "$(count)" "$((before + 1))" "recorded once completed"
like "$(pdftotext "$O/halted.pdf" - 2>/dev/null)" "山田 太郎" "the PDF arrived"

# ---- a printer that cannot be reached, then comes back ---------------------------
before=$(count)
nhi print certificate P001 $FIXED --reason "汚損" --printer offline >"$TEST_TMP/offline.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/offline.out" "printer offline: job [0-9]+: プリンターに接続できません"
is "$?" 0 "unreachable printer: the clerk is told in Japanese"
is "$(count)" "$before" "nothing recorded while the printer cannot be reached"
: >"$O/offline.pdf.online"
wait "$pid"
is "$?" 0 "the printer came back: the job completes"
is "$(count)" "$((before + 1))" "recorded once completed"

# ---- a job that fails: nothing recorded, the earlier serial stays valid -----------
before=$(count)
valid_before=$(valid)
run nhi print certificate P001 $FIXED --reason "汚損" --printer broken
is "$rc" 5 "a failed job: system error"
like "$out" "印刷できませんでした。証の番号は記録していません" "the clerk is told in Japanese"
like "$out" "printer 'broken': job [0-9]+ failed" "the detail names the queue and the job"
is "$(count)" "$before" "no serial recorded for a failed job"
is "$(valid)" "$valid_before" "the earlier certificate stays valid"
is "$(sql "SELECT group_concat(state) FROM print_pending WHERE printer = 'broken'")" failed \
    "the serial reserved for the failed job is marked failed"
run nhi print sheet P001 $FIXED --reason "年次更新" --printer broken
is "$rc" 5 "a failed sheet job: system error"
is "$(count)" "$before" "no serial recorded for a failed sheet"

# ---- a stopped queue that does not resume in time: cancelled, nothing recorded ----
cupsdisable late || bail "cupsdisable late"
conf 2 >"$CONF"
run nhi print certificate P001 $FIXED --reason "汚損" --printer late
is "$rc" 5 "not finished in time: system error"
like "$out" "プリンターが停止しています" "the clerk was told the printer is stopped"
like "$out" "時間内に印刷が終わらなかったため、取り消しました" "then that the job was cancelled"
is "$(count)" "$before" "no serial recorded for a cancelled job"
is "$(valid)" "$valid_before" "the earlier certificate stays valid"
is "$(lpstat -o late)" "" "the job is no longer on the queue"
cupsenable late || bail "cupsenable late"
ok "$([ ! -s "$O/late.pdf" ]; echo $?)" "the cancelled job never prints when the queue resumes"

# ---- the store is not held while a job waits: the serial is pending ------------
conf 60 >"$CONF"
cupsdisable held || bail "cupsdisable held"
before=$(count)
valid_before=$(valid)
nhi print certificate P001 $FIXED --reason "汚損" --printer held >"$TEST_TMP/held.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/held.out" "printer held: job [0-9]+: プリンターが停止しています"
is "$?" 0 "held job: the clerk is told the queue is stopped"
held_serial=$(pending)
like "$held_serial" "^C-[0-9]{8}$" "the new serial is recorded as pending before the job runs"
is "$(valid)" "$valid_before" "the earlier certificate stays valid while pending"
run nhi resident edit 1 --address "高知県高知市本町五丁目1番46号"
is "$rc" 0 "another writer (resident edit) proceeds while the job is held"
is "$(sql "SELECT address FROM residents WHERE id = 1")" "高知県高知市本町五丁目1番46号" \
    "and its change is in the store"
is "$(pending)" "$held_serial" "the serial is still pending"
cupsenable held || bail "cupsenable held"
wait "$pid"
is "$?" 0 "the queue resumed: the job completes"
is "$(validc)" "$held_serial" "the pending serial is the one recorded valid"
is "$(sql "SELECT state FROM print_pending WHERE serial = '$held_serial'")" printed \
    "and its pending record is settled as printed"
is "$(count)" "$((before + 1))" "one certificate recorded"
like "$(pdftotext "$O/held.pdf" - 2>/dev/null)" "$held_serial" "the paper carries that serial"

# ---- a sheet batch does not hold the store either: its serials are pending -------
cupsdisable held || bail "cupsdisable held"
: >"$O/held.pdf"
before=$(count)
valid_before=$(valid)
nhi print sheet P001 $FIXED --reason "年次更新" --printer held >"$TEST_TMP/sheet.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/sheet.out" "printer held: job [0-9]+: プリンターが停止しています"
is "$?" 0 "held sheet job: the clerk is told the queue is stopped"
sheet_serial=$(pending)
like "$sheet_serial" "^C-[0-9]{8}$" "the sheet's serial is recorded as pending before the job runs"
sheet_job=$(sed -n 's/.*printer held: job \([0-9]*\) queued.*/\1/p' "$TEST_TMP/sheet.out")
is "$(sql "SELECT job_id FROM print_pending WHERE serial = '$sheet_serial'")" "$sheet_job" \
    "with its CUPS job id"
is "$(valid)" "$valid_before" "the earlier certificate stays valid while the sheet is pending"
run nhi resident edit 1 --address "高知県高知市本町五丁目1番47号"
is "$rc" 0 "another writer (resident edit) proceeds while the sheet job is held"
is "$(sql "SELECT address FROM residents WHERE id = 1")" "高知県高知市本町五丁目1番47号" \
    "and its change is in the store"
cupsenable held || bail "cupsenable held"
wait "$pid"
is "$?" 0 "the queue resumed: the sheet job completes"
is "$(validc)" "$sheet_serial" "the sheet's pending serial is the one recorded valid"
is "$(sql "SELECT state FROM print_pending WHERE serial = '$sheet_serial'")" printed \
    "and its pending record is settled as printed"
is "$(count)" "$((before + 1))" "one certificate recorded for the sheet"
like "$(pdftotext "$O/held.pdf" - 2>/dev/null)" "$sheet_serial" "the sheet carries that serial"

# ---- the station dies (kill -9) while its job is held: CUPS is asked -----------
# (docs/printing.md "A print that stopped"): a job still on the queue is left
# pending by db check, and the rerun of the same print follows it, not
# sending it again.
cupsdisable held || bail "cupsdisable held"
: >"$O/held.pdf"
before=$(count)
valid_before=$(valid)
rows_before=$(sql "SELECT count(*) FROM print_pending")
# kill_held NAME [ARGS]: a print of P001 on the stopped queue `held`, killed
# with -9 once its job waits; sets job and dead_serial.
kill_held() {
	_o=$TEST_TMP/$1.out
	shift
	"$NHICARD" --db "$DB" --config "$CONF" print certificate P001 $FIXED --printer held \
	    "$@" >"$_o" 2>&1 &
	_pid=$!
	wait_for "$_o" "printer held: job [0-9]+: プリンターが停止しています" ||
	    bail "the job did not wait on the stopped queue: $(cat "$_o")"
	job=$(sed -n 's/.*printer held: job \([0-9]*\) queued.*/\1/p' "$_o")
	dead_serial=$(pending)
	kill -9 "$_pid"
	wait "$_pid" 2>/dev/null
}
kill_held killed --reason "汚損"
like "$dead_serial" "^C-[0-9]{8}$" "a serial is pending"
is "$(sql "SELECT job_id FROM print_pending WHERE serial = '$dead_serial'")" "$job" \
    "with its CUPS job id"
is "$(pending)" "$dead_serial" "after kill -9 the serial is left pending"
run nhi db check
is "$rc" 0 "db check passes"
like "$out" "pending print $dead_serial on printer held \(job $job\) was left by a station that stopped; the job is still queued on the printer: left pending, nothing voided" \
    "db check asks CUPS: the job is still queued, named with its printer"
is "$(pending)" "$dead_serial" "the serial stays pending (not voided)"
like "$(lpstat -o held)" "^held-$job " "its job is not cancelled"
is "$(valid)" "$valid_before" "the earlier certificate stays valid"
# Another request for the same person is refused, naming the job.
run nhi print certificate P001 $FIXED --reason "紛失" --printer held
is "$rc" 1 "another print of the same certificate while the job waits: refused"
like "$out" "C-[0-9]{8} of resident 1 is being printed on 'held' \(job $job," \
    "the refusal names the job and the printer"
is "$(pending)" "$dead_serial" "nothing voided by the refusal"
is "$(sql "SELECT count(*) FROM print_pending")" "$((rows_before + 1))" \
    "and nothing reserved"
# The rerun of the same print follows the job left on the queue.
nhi print certificate P001 $FIXED --reason "汚損" --printer held >"$TEST_TMP/rerun.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/rerun.out" "job $job on printer held, sent by a print that stopped, is still on the queue: waiting for it"
is "$?" 0 "the rerun finds the job still on the queue and waits for it"
cupsenable held || bail "cupsenable held"
wait "$pid"
is "$?" 0 "the job completes: the rerun exits 0"
like "$(cat "$TEST_TMP/rerun.out")" "certificate $dead_serial printed to held" \
    "under the serial the stopped print reserved"
is "$(validc)" "$dead_serial" "that serial is the valid one"
is "$(sql "SELECT state FROM print_pending WHERE serial = '$dead_serial'")" printed \
    "its pending row is settled as printed"
is "$(sql "SELECT count(*) FROM print_pending")" "$((rows_before + 1))" \
    "no serial reserved for a second job"
is "$(count)" "$((before + 1))" "one certificate recorded"
is "$(pdftotext "$O/held.pdf" - 2>/dev/null | grep -c "$dead_serial")" 1 \
    "one paper came out, carrying that serial"
unlike "$(cat "$TEST_TMP/rerun.out")" "queued" "no job sent again"

# ---- a job cancelled on the queue: voided, printed anew -----------------------------
cupsdisable held || bail "cupsdisable held"
: >"$O/held.pdf"
kill_held killed2 --reason "破損"
dead2=$dead_serial job2=$job
cancel "$job2" || bail "cancel $job2"
nhi print certificate P001 $FIXED --reason "破損" --printer held >"$TEST_TMP/rerun2.out" 2>&1 &
pid=$!
wait_for "$TEST_TMP/rerun2.out" "printer held: job [0-9]+: プリンターが停止しています"
like "$(cat "$TEST_TMP/rerun2.out")" "pending print $dead2 on printer held \(job $job2, cancelled\) was left by a station that stopped: voided" \
    "the rerun asks CUPS: the cancelled job's serial is voided"
is "$(sql "SELECT state FROM print_pending WHERE serial = '$dead2'")" void "the stale one is void"
cupsenable held || bail "cupsenable held"
wait "$pid"
is "$?" 0 "the rerun prints anew"
new_serial=$(validc)
like "$new_serial" "^C-[0-9]{8}$" "a new serial is valid"
ok "$([ "$new_serial" != "$dead2" ]; echo $?)" "the void serial is not given again"
like "$(pdftotext "$O/held.pdf" - 2>/dev/null)" "$new_serial" "the paper carries the new serial"
unlike "$(pdftotext "$O/held.pdf" - 2>/dev/null)" "$dead2" "not the void one"

# ---- a job unknown to CUPS: db check voids it -----------------------------------
cupsdisable held || bail "cupsdisable held"
: >"$O/held.pdf"
kill_held killed3 --reason "汚れ"
cancel "$job" || bail "cancel $job"
sql "UPDATE print_pending SET job_id = 999999 WHERE serial = '$dead_serial'"
valid_before=$(valid)
run nhi db check
is "$rc" 0 "db check passes"
like "$out" "pending print $dead_serial on printer held \(job 999999, unknown to CUPS\) was left by a station that stopped: voided" \
    "a job CUPS does not know: voided, told so"
is "$(sql "SELECT state FROM print_pending WHERE serial = '$dead_serial'")" void "it is void"
is "$(valid)" "$valid_before" "the earlier certificate stays valid"
cupsenable held || bail "cupsenable held"

# ---- killed at a commit (test hooks): the job completed, not recorded ----------------
probe=$TEST_TMP/probe.db
if (NHICARD_TEST_KILL_AT_COMMIT=1; export NHICARD_TEST_KILL_AT_COMMIT;
    "$NHICARD" --db "$probe" db init >/dev/null 2>&1); [ $? -eq 137 ]; then
	hooks=1
else
	hooks=
fi
# commits_of ARGS: the number of store commits of `nhi ARGS` (run once).
commits_of() {
	rm -f "$TEST_TMP/commits.log"
	NHICARD_TEST_COMMIT_LOG=$TEST_TMP/commits.log nhi "$@" >/dev/null 2>&1 ||
	    bail "nhi $* failed"
	wc -l <"$TEST_TMP/commits.log" | tr -d ' '
}
# office_jobs: how many jobs the queue office ever completed.
office_jobs() { lpstat -W completed -o office | wc -l | tr -d ' '; }
if [ -n "$hooks" ]; then
	n=$(commits_of print certificate P001 $FIXED --reason "kill-probe" --printer office)
	# Killed just before the settling commit (its last): the paper is out,
	# the serial pending.
	: >"$O/office.pdf"
	valid_before=$(validc)
	run env NHICARD_TEST_KILL_AT_COMMIT=before:$n "$NHICARD" --db "$DB" --config "$CONF" \
	    print certificate P001 $FIXED --reason "汚損（印刷後に停止）" --printer office
	is "$rc" 137 "killed before the settling commit (after the job completed)"
	paid=$(pending)
	like "$paid" "^C-[0-9]{8}$" "its serial is left pending"
	like "$(pdftotext "$O/office.pdf" - 2>/dev/null)" "$paid" "its paper came out with that serial"
	jobs_before=$(office_jobs)
	audits_before=$(sql "SELECT count(*) FROM audit_log WHERE action = 'print.certificate'")
	: >"$O/office.pdf"
	run nhi print certificate P001 $FIXED --reason "汚損（印刷後に停止）" --printer office
	is "$rc" 0 "the rerun exits 0"
	like "$out" "pending print $paid on printer office \(job [0-9]+\) was left by a station that stopped; CUPS says the job completed: recorded as printed" \
	    "the rerun asks CUPS: the job completed, recorded"
	like "$out" "certificate printed on office by a print that stopped before recording it: recorded now, not printed again" \
	    "the clerk is told nothing is printed again"
	is "$(validc)" "$paid" "the serial on the paper is the valid one"
	is "$(sql "SELECT voided_at IS NOT NULL FROM certificates WHERE serial = '$valid_before'")" 1 \
	    "the earlier certificate is voided"
	is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'print.certificate'")" \
	    "$((audits_before + 1))" "the print is audited once"
	is "$(office_jobs)" "$jobs_before" "no job sent again"
	ok "$([ ! -s "$O/office.pdf" ]; echo $?)" "no second paper"
	run nhi audit verify
	is "$rc" 0 "the audit chain verifies"

	# The same, found by db check.
	valid_before=$(validc)
	run env NHICARD_TEST_KILL_AT_COMMIT=before:$n "$NHICARD" --db "$DB" --config "$CONF" \
	    print certificate P001 $FIXED --reason "汚損（確認前に停止）" --printer office
	is "$rc" 137 "killed before the settling commit again"
	paid=$(pending)
	run nhi db check
	is "$rc" 0 "db check passes"
	like "$out" "pending print $paid on printer office \(job [0-9]+\) was left by a station that stopped; CUPS says the job completed: recorded as printed \(the earlier one voided\), not printed again" \
	    "db check asks CUPS: the job completed, recorded"
	is "$(validc)" "$paid" "its serial is the valid one"
	is "$(sql "SELECT state FROM print_pending WHERE serial = '$paid'")" printed \
	    "its pending row is settled as printed"
	is "$(sql "SELECT voided_at IS NOT NULL FROM certificates WHERE serial = '$valid_before'")" 1 \
	    "the earlier certificate is voided"
	is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'print.certificate' AND detail LIKE '%recorded after it'")" 2 \
	    "audited as recorded after its station stopped"

	# A reprint killed after its settling commit: its rerun makes none.
	: >"$O/office.pdf"
	run env NHICARD_TEST_KILL_AT_COMMIT=$n "$NHICARD" --db "$DB" --config "$CONF" \
	    print certificate P001 $FIXED --reason "汚損（記録後に停止）" --printer office
	is "$rc" 137 "a reprint killed after its settling commit"
	done_serial=$(validc)
	like "$(pdftotext "$O/office.pdf" - 2>/dev/null)" "$done_serial" "its paper came out, recorded valid"
	jobs_before=$(office_jobs)
	before=$(count)
	: >"$O/office.pdf"
	run nhi print certificate P001 $FIXED --reason "汚損（記録後に停止）" --printer office
	is "$rc" 0 "its rerun exits 0"
	like "$out" "certificate $done_serial \(reprint for '汚損（記録後に停止）'\) was already printed on office and recorded: nothing voided or printed again" \
	    "the rerun finds the reprint done and says which"
	is "$(validc)" "$done_serial" "the reprint stays the valid one"
	is "$(count)" "$before" "no certificate recorded again"
	is "$(office_jobs)" "$jobs_before" "no job sent again"
	ok "$([ ! -s "$O/office.pdf" ]; echo $?)" "no second paper"

	# Killed just before the job id's write (the commit before the settling
	# one): the rerun finds the job on the queue by its name.
	cupsdisable held || bail "cupsdisable held"
	: >"$O/held.pdf"
	run env NHICARD_TEST_KILL_AT_COMMIT=before:$((n - 1)) "$NHICARD" --db "$DB" \
	    --config "$CONF" print certificate P001 $FIXED --reason "汚損（番号前に停止）" \
	    --printer held
	is "$rc" 137 "killed before the job id was kept"
	noid=$(pending)
	like "$noid" "^C-[0-9]{8}$" "its serial is left pending"
	is "$(sql "SELECT coalesce(job_id, 0) FROM print_pending WHERE serial = '$noid'")" 0 \
	    "with no job id"
	like "$(lpstat -o held)" "^held-[0-9]+ " "its job waits on the stopped queue"
	nhi print certificate P001 $FIXED --reason "汚損（番号前に停止）" --printer held \
	    >"$TEST_TMP/rerun5.out" 2>&1 &
	pid=$!
	wait_for "$TEST_TMP/rerun5.out" "certificate $noid: job [0-9]+ on printer held, sent by a print that stopped, is still on the queue: waiting for it"
	is "$?" 0 "the rerun finds the job by its name and waits for it"
	cupsenable held || bail "cupsenable held"
	wait "$pid"
	is "$?" 0 "the job completes: the rerun exits 0"
	is "$(validc)" "$noid" "the serial on the paper is the valid one"
	is "$(pdftotext "$O/held.pdf" - 2>/dev/null | grep -c "$noid")" 1 \
	    "one paper came out, carrying it"
	unlike "$(cat "$TEST_TMP/rerun5.out")" "queued" "no job sent again"
else
	ok 0 "# SKIP not a test-hooks build (configure --enable-test-hooks): the kill-at-commit cases"
fi

# ---- an unknown queue, and the print service gone --------------------------------
before=$(count)
run nhi print certificate P001 $FIXED --reason "汚損" --printer nosuch
is "$rc" 3 "unknown queue: data error"
like "$out" "この名前のプリンターはありません" "the clerk is told in Japanese"
like "$out" "printer 'nosuch': no such CUPS queue" "the detail names the queue"
# ---- a job held when the print service goes away: nothing changes -----------------
cupsdisable held || bail "cupsdisable held"
: >"$O/held.pdf"
kill_held killed4 --reason "水濡れ"
orphan=$dead_serial orphan_job=$job
cups_stop
run nhi print certificate P001 $FIXED --reason "汚損" --printer office
is "$rc" 5 "no print service: system error"
like "$out" "印刷サービスに接続できません" "the clerk is told in Japanese"
is "$(count)" "$before" "nothing recorded without a print service"
like "$out" "pending print $orphan on printer held \(job $orphan_job\) was left by a station that stopped, and the print service cannot say whether its paper came out: nothing changed" \
    "the rerun cannot ask CUPS about the stopped print's job: says so"
is "$(pending)" "$orphan" "its serial stays pending"
run nhi db check
is "$rc" 5 "db check without a print service to ask: system error"
like "$out" "印刷サービスに接続できません.*pending print $orphan on printer held \(job $orphan_job\).*nothing changed" \
    "db check says CUPS cannot be asked about the job, and that nothing changed"
is "$(pending)" "$orphan" "the serial stays pending (not voided)"
is "$(sql "SELECT state FROM print_pending WHERE serial = '$orphan'")" pending "its row unchanged"

done_testing
