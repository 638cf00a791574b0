#!/bin/sh
# batch-engine.sh: `nhicard batch` (docs/batch.md): selections and mailing
# order, dry runs that write nothing, renewal (serials once, the old
# certificate superseded, the center's records queued, volumes and
# household PDFs), bulk revocation from a list, the exceptions report
# (moved away, died, changed since the selection, name not printable),
# resuming a finished run, malformed list lines named by file:line, and
# the progress lines.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
cd "$TEST_TMP" || bail "cd"

SQLITE3=${SQLITE3:-sqlite3}
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
gen="$top_builddir/bench/gen-extract"
[ -x "$gen" ] || bail "bench/gen-extract not built"

q() { "$SQLITE3" "$DB" "$1"; }
DB="$TEST_TMP/t.db"
printf '[print]\ninsurer_name = 本山町\ntemplates_dir = %s/templates\n[rules]\nlaw = pilot\n' "$top_srcdir" > c.conf
nhi() { "$NHICARD" --db "$DB" --config c.conf "$@"; }
dump() { "$SQLITE3" "$DB" .dump; }

"$NHICARD" --db "$DB" db init >/dev/null || bail "db init"
"$gen" --residents 240 --seed 11 --fault-rate 0 -o x.csv 2>/dev/null || bail "gen"
nhi import --quiet x.csv >/dev/null || bail "import"
FROM=2027-08-01
INSURED="SELECT r.id FROM residents r WHERE r.status = 'resident' AND EXISTS
  (SELECT 1 FROM eligibility_periods e WHERE e.resident_id = r.id AND e.superseded_by IS NULL
   AND e.acquired_on <= '$FROM' AND (e.lost_on IS NULL OR e.lost_on > '$FROM'))"
n_insured=$(q "SELECT count(*) FROM ($INSURED)")
[ "$n_insured" -gt 50 ] || bail "too few insured ($n_insured)"

# ---- Dry runs write nothing ------------------------------------------------
mkdir out
dump > before.sql
run nhi batch renew --dry-run --from $FROM -d out all
is "$rc" 0 "renew --dry-run succeeds"
like "$out" "dry run: $n_insured selected, [0-9]+ certificates would be renewed" \
    "the dry run counts everyone insured on $FROM"
like "$out" "nothing was written" "and says nothing was written"
dump > after.sql
cmp -s before.sql after.sql
ok $? "the store is byte for byte the same after the dry run"
is "$(ls out | wc -l)" 0 "no PDF was written"
would=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) certificates would be renewed.*/\1/p')
run nhi batch renew --dry-run --from $FROM --volume-size 20 -d out all
vols=$(printf '%s\n' "$out" | sed -n 's/.* renewed in \([0-9]*\) PDFs.*/\1/p')

# ---- A renewal run ----------------------------------------------------------
run nhi batch renew --from $FROM --issued 2027-07-01 --volume-size 20 \
    --progress-every 40 -d out all
is "$rc" 0 "renew all succeeds"
like "$out" "run B-[0-9]{8}-0001 \(renew\): $n_insured items selected" "the run id is shown on start"
like "$out" "renew: 40/$n_insured done" "plain progress lines every 40 items off a terminal"
RUN=$(printf '%s\n' "$out" | sed -n 's/^run \(B-[0-9-]*\) (renew).*/\1/p')
done1=$(q "SELECT count(*) FROM batch_items WHERE state = 'done'")
is "$done1" "$would" "exactly what the dry run said was renewed"
is "$(q "SELECT count(*) FROM batch_items WHERE state IN ('pending', 'prepared')")" 0 \
    "no item is left open"
is "$(q "SELECT count(*) FROM certificates")" "$done1" "one certificate serial per renewed person"
is "$(q "SELECT count(DISTINCT cert_serial) FROM batch_items WHERE state = 'done'")" "$done1" \
    "every done item has its own serial"
is "$(q "SELECT count(*) FROM batch_items i JOIN certificates c ON c.serial = i.cert_serial
    AND c.resident_id = i.resident_id AND c.issued_on = '2027-07-01'")" "$done1" \
    "each item's serial is the resident's certificate, issued on the run's issue date"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'certificate_issued'")" "$done1" \
    "one certificate-issued record per certificate for the center"
is "$(ls out | wc -l)" "$(( (n_insured + 19) / 20 ))" "A4 sheets in volumes of 20 items"
is "$(ls out | wc -l)" "$vols" "as many PDFs as the dry run said"
is "$(q "SELECT count(DISTINCT volume) FROM batch_items WHERE state = 'done'")" "$(ls out | wc -l)" \
    "every volume named on its items was written"
# Mailing order: household address code, then address.
is "$(q "SELECT count(*) FROM (SELECT coalesce(h.address_code, '') || char(31) || coalesce(h.address, r.address) AS k,
    lag(coalesce(h.address_code, '') || char(31) || coalesce(h.address, r.address)) OVER (ORDER BY i.seq) AS p
    FROM batch_items i JOIN residents r ON r.id = i.resident_id LEFT JOIN households h ON h.id = r.household_id
    WHERE i.run_id = 1) WHERE p > k")" 0 "items are numbered in mailing order"
if command -v pdfinfo >/dev/null 2>&1; then
	pages=$(pdfinfo out/"$RUN"-v0001.pdf 2>/dev/null | sed -n 's/^Pages: *//p')
	like "$pages" '^[1-9][0-9]*$' "the first volume is a PDF with pages ($pages)"
fi
if command -v pdftotext >/dev/null 2>&1; then
	s1=$(q "SELECT cert_serial FROM batch_items WHERE run_id = 1 AND state = 'done' ORDER BY seq LIMIT 1")
	v1=$(q "SELECT volume FROM batch_items WHERE cert_serial = '$s1'")
	pdftotext out/"$v1" - 2>/dev/null | grep -q -- "$s1"
	ok $? "the volume carries the recorded serial $s1"
fi

# ---- A finished run does nothing ------------------------------------------
dump > before.sql
ls -l --time-style=+%s.%N out > files-before
run nhi batch resume "$RUN"
is "$rc" 0 "resume of a finished run succeeds"
like "$out" "is done: nothing to do" "and says there is nothing to do"
dump > after.sql
cmp -s before.sql after.sql
ok $? "the store is unchanged"
ls -l --time-style=+%s.%N out > files-after
cmp -s files-before files-after
ok $? "no PDF was rewritten"

# ---- A second renewal supersedes the first's certificates -------------------
mkdir out2
run nhi batch renew --from $FROM --household --quiet -d out2 all
is "$rc" 0 "a second renewal (one PDF per household) succeeds"
done2=$(q "SELECT count(*) FROM batch_items WHERE run_id = 2 AND state = 'done'")
is "$(q "SELECT count(*) FROM certificates WHERE voided_at IS NULL")" "$(q "SELECT count(DISTINCT resident_id) FROM certificates")" \
    "never two valid certificates for a person"
is "$(q "SELECT count(*) FROM certificates WHERE voided_at IS NOT NULL AND replaced_by IS NOT NULL")" "$done1" \
    "every first-run certificate is voided and linked to its successor"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'certificate_voided'")" "$done1" \
    "the center is told of each voided certificate"
is "$(ls out2 | wc -l)" "$(q "SELECT count(DISTINCT coalesce(r.household_id, -r.id)) FROM batch_items i
    JOIN residents r ON r.id = i.resident_id WHERE i.run_id = 2 AND i.state = 'done'")" \
    "one PDF per household"

# ---- District selection ----------------------------------------------------
D=$(q "SELECT address_code FROM households WHERE address_code IS NOT NULL ORDER BY address_code LIMIT 1")
want=$(q "SELECT count(*) FROM ($INSURED) x JOIN residents r ON r.id = x.id
    JOIN households h ON h.id = r.household_id WHERE h.address_code LIKE '$D%'")
run nhi batch renew --dry-run --from $FROM -d out all
run nhi batch renew --dry-run --from $FROM -d out district "$D"
like "$out" "dry run: $want selected" "district $D selects its $want insured"

# ---- Exceptions: changes between the selection and the work ----------------
set -- $(q "SELECT person_code FROM residents r WHERE r.id IN ($INSURED) AND r.household_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM residents o WHERE o.household_id = r.household_id AND o.id <> r.id)
    ORDER BY r.id LIMIT 5")
[ $# -eq 5 ] || bail "five single-person households needed"
OKP=$1 GAIJI=$2 DIED=$3 MOVED=$4 CHANGED=$5
q "UPDATE residents SET name_flags = 1 WHERE person_code = '$GAIJI'"
printf '# renewal by list\n%s\n%s\n%s\n%s\n%s\nNOBODY-1\n' "$OKP" "$GAIJI" "$DIED" "$MOVED" "$CHANGED" > five.txt
mkdir out3
NHICARD_TEST_CRASH_AT=batch:renew.prepare:1 run nhi batch renew --from $FROM -d out3 list five.txt
is "$rc" 99 "a renewal killed before its first volume committed"
RUN3=$(q "SELECT run_uid FROM batch_runs ORDER BY id DESC LIMIT 1")
is "$(q "SELECT group_concat(i.state) FROM batch_items i JOIN batch_runs r ON r.id = i.run_id WHERE r.run_uid = '$RUN3'")" \
    "pending,pending,pending,pending,pending,exception" "its items are selected, nothing done (the unknown line excepted)"
q "UPDATE residents SET status = 'deceased', status_date = '2026-11-01' WHERE person_code = '$DIED';
   UPDATE residents SET status = 'moved_out', status_date = '2026-11-01' WHERE person_code = '$MOVED'"
CID=$(q "SELECT id FROM residents WHERE person_code = '$CHANGED'")
run nhi resident edit "$CID" --address "高知県長岡郡本山町本山999番地"
is "$rc" 0 "a resident's address is changed at the counter after the selection"
certs_changed=$(q "SELECT count(*) FROM certificates WHERE resident_id = $CID")
run nhi batch resume "$RUN3"
is "$rc" 0 "the run resumes"
like "$out" "1 certificates renewed, 5 exceptions" "one renewed, five set aside"
nhi batch exceptions "$RUN3" -o ex.csv 2>/dev/null
is "$(head -1 ex.csv | tr -d '\r')" "run,seq,person_code,list_line,exception,detail" "the report's header"
ex() { grep ",$1," ex.csv | cut -d, -f5; }
is "$(ex "$GAIJI")" name_not_printable "a name with 外字 is set aside"
is "$(ex "$DIED")" died "a death is set aside"
is "$(ex "$MOVED")" moved_away "a move away is set aside"
is "$(ex "$CHANGED")" changed "a change since the selection is set aside"
is "$(ex NOBODY-1)" not_found "a list line naming nobody is set aside"
is "$(grep -c ",$OKP," ex.csv)" 0 "the unchanged person is not in the report"
is "$(q "SELECT count(*) FROM certificates WHERE resident_id = $CID")" "$certs_changed" \
    "no certificate was recorded for the changed resident"
is "$(q "SELECT coalesce(i.cert_serial, '') FROM batch_items i JOIN batch_runs r ON r.id = i.run_id
    WHERE r.run_uid = '$RUN3' AND i.resident_id = $CID")" "" "nor printed with stale data"
names=$(q "SELECT name_kanji || char(10) || birth_date FROM residents WHERE person_code IN ('$GAIJI', '$DIED', '$MOVED', '$CHANGED')")
leak=0
for w in $names; do grep -qF -- "$w" ex.csv && leak=1; done
is "$leak" 0 "the report holds no name or birth date"

# ---- Bulk revocation ---------------------------------------------------------
q "INSERT INTO cards (resident_id, kind, card_serial, user_number, key_generation, state,
   issued_on, created_at, updated_at) SELECT id, 'standalone', printf('%020x', id),
   randomblob(16), 1, 'active', '2026-01-01', 'x', 'x' FROM residents WHERE id <= 12"
q "UPDATE residents SET status = 'deceased', status_date = '2026-11-01' WHERE id IN (1, 2, 3)"
NOINS=$(q "SELECT person_code FROM residents r WHERE id <= 12 AND status = 'resident' AND r.id NOT IN
    (SELECT resident_id FROM eligibility_periods WHERE lost_on IS NULL) LIMIT 1")
INS=$(q "SELECT person_code FROM residents WHERE id <= 12 AND id IN ($INSURED) AND status = 'resident' LIMIT 1")
p() { q "SELECT person_code FROM residents WHERE id = $1"; }
{
	echo "# deaths from the register, then employee insurance"
	echo "$(p 1),died"
	echo "id:2 , died   # by store id"
	echo "$(p 3)"
	echo "$INS,died"
	[ -n "$NOINS" ] && echo "$NOINS,eligibility_ended"
	echo "$(p 1),died"
} > revoke.txt
dump > before.sql
run nhi batch revoke --dry-run --reason died list revoke.txt
is "$rc" 0 "revoke --dry-run succeeds"
like "$out" "cards would be revoked" "the dry run says what would be revoked"
dump > after.sql
cmp -s before.sql after.sql
ok $? "the revocation dry run writes nothing"
run nhi batch revoke list revoke.txt
is "$rc" 3 "a line without a reason and no --reason is refused"
like "$out" "revoke.txt:4: no reason" "naming the file and line"
run nhi batch revoke --reason died list revoke.txt
is "$rc" 0 "the revocation run succeeds"
RUNR=$(printf '%s\n' "$out" | sed -n 's/^run \(B-[0-9-]*\) (revoke).*/\1/p')
is "$(q "SELECT group_concat(state || ':' || id) FROM cards WHERE state <> 'active' ORDER BY id")" \
    "revoked:1,revoked:2,revoked:3$([ -n "$NOINS" ] && printf ',revoked:%s' "$(q "SELECT id FROM residents WHERE person_code = '$NOINS'")")" \
    "the listed cards are revoked"
nrev=$(q "SELECT count(*) FROM cards WHERE state = 'revoked'")
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'card_revoked'")" "$nrev" \
    "one revocation record per card for the center"
nhi batch exceptions "$RUNR" > rex.csv
is "$(grep -c ',duplicate,' rex.csv)" 1 "a person listed twice is reported once as a duplicate"
is "$(grep ",$INS," rex.csv | cut -d, -f5)" not_deceased "a death the register does not know is not acted on"
run nhi batch revoke --reason died list revoke.txt
is "$rc" 0 "the same list again"
nhi batch exceptions "$(q "SELECT run_uid FROM batch_runs ORDER BY id DESC LIMIT 1")" > rex2.csv
is "$(grep -c ',already_revoked,' rex2.csv)" "$nrev" "cards already revoked are reported"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'card_revoked'")" "$nrev" \
    "and not revoked twice"

# ---- Malformed list lines ------------------------------------------------------
runs=$(q "SELECT count(*) FROM batch_runs")
bad() {
	# bad LINE PATTERN WHAT
	printf '# ok\n%s\n%s\n' "$OKP" "$1" > bad.txt
	run nhi batch renew --from $FROM -d out3 list bad.txt
	is "$rc" 3 "$3: refused (a data error)"
	like "$out" "bad\.txt:3: $2" "$3: named with file:line"
}
bad 'P 1' "character 2 of the person code" "a blank inside a person code"
bad "$OKP,lost" "unknown reason 'lost'" "an unknown reason"
bad "$OKP,died,x" "too many fields" "three fields"
bad "id:12a" "the store id after 'id:' must be digits" "a bad store id"
bad ",died" "no person code" "no person"
printf 'A\001B\n' > ctl.txt
run nhi batch renew --from $FROM -d out3 list ctl.txt
like "$out" "ctl\.txt:1: byte 2 is a control character" "a control character is named"
printf '\377\n' > enc.txt
run nhi batch renew --from $FROM -d out3 list enc.txt
like "$out" "enc\.txt:1: byte 1 is not UTF-8" "bytes that are not UTF-8 are named"
run nhi batch renew --from $FROM -d no-such-dir all
like "$out" "no-such-dir: no such directory" "a missing output directory is refused before the run"
run nhi batch renew --from $FROM -d out3 list missing.txt
like "$out" "missing\.txt" "a missing list is named"
is "$(q "SELECT count(*) FROM batch_runs")" "$runs" "no run was created from a bad list"

# ---- Status, list, unknown runs, cancel --------------------------------------
run nhi batch status "$RUN"
like "$out" "state: +done" "status shows the state"
like "$out" "done: +$done1" "and the counts"
run nhi batch list
is "$(printf '%s\n' "$out" | grep -c '^B-')" "$runs" "list shows every run"
run nhi batch status B-19990101-0001
is "$rc" 3 "an unknown run is refused"
like "$out" "no batch run 'B-19990101-0001'" "and named"
NHICARD_TEST_CRASH_AT=batch:renew.prepare:1 run nhi batch renew --from $FROM -d out3 list five.txt
RUNC=$(q "SELECT run_uid FROM batch_runs ORDER BY id DESC LIMIT 1")
run nhi batch cancel "$RUNC"
is "$rc" 0 "a stopped run can be cancelled"
run nhi batch resume "$RUNC"
like "$out" "cancelled" "a cancelled run is not resumed"

# ---- Progress on a terminal --------------------------------------------------
if command -v script >/dev/null 2>&1; then
	mkdir out4
	script -qec "COLUMNS=70 $NHICARD --db $DB --config c.conf batch renew --from $FROM -d out4 all" \
	    tty.log >/dev/null 2>&1
	tr '\r' '\n' < tty.log > tty.txt
	grep -Eq '^renew \[#*-*\] [0-9]+/[0-9]+ +[0-9]+/s +[0-9:-]+ left' tty.txt
	ok $? "on a terminal a bar with count, rate and time left"
	grep -q "$(printf '\r')renew \[" tty.log
	ok $? "redrawn in place"
fi

done_testing
