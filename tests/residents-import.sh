#!/bin/sh
# Imports of full extracts: CSV in UTF-8 and CP932, fixed-length, the same
# extract twice, dry runs, 外字, and every kind of bad line reported with
# its file, line and field.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

gen="$top_builddir/bench/gen-extract"
SQLITE3=${SQLITE3:-sqlite3}
[ -x "$gen" ] || bail "bench/gen-extract not built"
cd "$TEST_TMP" || bail "cd"

rows() {
	# The person data of a store, without timestamps, sorted.
	"$SQLITE3" "$1" "SELECT r.person_code, h.household_code, r.is_head, r.name_kanji,
	  r.name_kana, r.name_kana_norm, r.birth_date, r.sex, r.address, r.nationality,
	  r.residence_status, r.stay_until, r.name_flags, e.insurer_number, e.symbol, e.number,
	  e.branch, e.cert_kind, e.short_months, e.acquired_on, e.lost_on, e.valid_until,
	  e.burden_pct, e.burden_from, e.special_address
	  FROM residents r JOIN households h ON h.id = r.household_id
	  LEFT JOIN eligibility_periods e ON e.resident_id = r.id ORDER BY r.person_code"
}

# UTF-8 CSV.
"$gen" --residents 300 --seed 11 --halfwidth 30 --foreign 5 -o utf8.csv 2>/dev/null
"$NHICARD" --db a.db db init >/dev/null
run "$NHICARD" --db a.db import utf8.csv
is "$rc" 0 "a clean UTF-8 extract imports (exit 0)"
like "$out" "utf8.csv: CSV, utf-8" "the encoding is detected as UTF-8"
like "$out" "300 lines, 300 records: 300 new, 0 updated, 0 unchanged" "300 residents are new"
is "$("$SQLITE3" a.db "SELECT count(*) FROM residents")" 300 "300 residents stored"
is "$("$SQLITE3" a.db "SELECT count(*) FROM residents WHERE name_kana_norm GLOB '*[ｦ-ﾟ]*'")" 0 \
    "the search form of kana has no half-width kana left"
ok "$([ "$("$SQLITE3" a.db "SELECT count(*) FROM residents WHERE name_kana GLOB '*[ｦ-ﾟ]*'")" -gt 0 ]; echo $?)" \
    "half-width kana is kept as received"

# The same extract twice changes nothing but the audit log, which records
# every import (one entry). Issue 15 changed this: a repeated import used
# to leave no trace at all.
before=$("$SQLITE3" a.db .dump | grep -v -e audit_log -e audit_head | md5sum)
audits=$("$SQLITE3" a.db "SELECT count(*) FROM audit_log")
run "$NHICARD" --db a.db import utf8.csv
is "$rc" 0 "the second import exits 0"
like "$out" "0 new, 0 updated, 300 unchanged" "the second import changes nothing"
is "$("$SQLITE3" a.db .dump | grep -v -e audit_log -e audit_head | md5sum)" "$before" \
    "the store but the audit log is byte-for-byte the same"
is "$("$SQLITE3" a.db "SELECT count(*) FROM audit_log")" "$((audits + 1))" \
    "and the audit log has one entry more"
like "$("$SQLITE3" a.db "SELECT action || ' ' || coalesce(detail, '') FROM audit_log ORDER BY seq DESC LIMIT 1")" \
    "import.file .*0 new, 0 updated, 300 unchanged" "saying what the import did"

# CP932 CSV, detected and declared: the same rows.
"$gen" --residents 300 --seed 11 --halfwidth 30 --foreign 5 --encoding cp932 -o sjis.csv 2>/dev/null
"$NHICARD" --db b.db db init >/dev/null
run "$NHICARD" --db b.db import sjis.csv
is "$rc" 0 "a Shift_JIS extract imports"
like "$out" "sjis.csv: CSV, cp932" "the encoding is detected as CP932"
is "$(rows b.db | md5sum)" "$(rows a.db | md5sum)" "CP932 gives the same residents as UTF-8"
"$NHICARD" --db c.db db init >/dev/null
run "$NHICARD" --db c.db import --encoding cp932 --format csv sjis.csv
is "$rc" 0 "--encoding cp932 --format csv is accepted"
run "$NHICARD" --db c.db import --encoding utf-8 sjis.csv
is "$rc" 3 "declaring UTF-8 for a Shift_JIS file rejects its lines"
like "$out" "sjis.csv:1: name_kanji: bad UTF-8 byte 0x[0-9A-F]{2} at byte 1 of the field" \
    "the first bad line, field and byte are named"

# Fixed-length Shift_JIS: the same rows.
"$gen" --residents 300 --seed 11 --halfwidth 30 --foreign 5 --format fixed -o fixed.dat 2>/dev/null
"$NHICARD" --db d.db db init >/dev/null
run "$NHICARD" --db d.db import fixed.dat
is "$rc" 0 "a fixed-length extract imports"
like "$out" "fixed.dat: fixed-length, cp932" "the fixed-length layout is detected"
is "$(rows d.db | md5sum)" "$(rows a.db | md5sum)" "fixed-length gives the same residents as CSV"
run "$NHICARD" --db d.db import --format fixed --encoding utf-8 fixed.dat
is "$rc" 2 "fixed-length with --encoding utf-8 is a usage error"

# Dry run: reports, writes nothing.
"$NHICARD" --db e.db db init >/dev/null
before=$("$SQLITE3" e.db .dump | md5sum)
run "$NHICARD" --db e.db import --dry-run utf8.csv
is "$rc" 0 "a dry run exits 0"
like "$out" "dry run" "and says so"
is "$("$SQLITE3" e.db .dump | md5sum)" "$before" "a dry run writes nothing"

# Faults: each rejected line is named with its field and reason; the
# good lines go in and the bad ones to FILE.rej.
check_faults() {
	# check_faults FILE FAULTS-LIST REPORT
	while read -r _ line kind; do
		case $kind in
		bad_check) pat="$1:$line: insurer_number: '[0-9]+': wrong check digit" ;;
		bad_date) pat="$1:$line: birth_date: '[0-9]{4}-?02-?30' is not a date" ;;
		truncated) pat="$1:$line: [a-z_]+: .*truncated line\\?" ;;
		misencoded) pat="$1:$line: name_kanji: bad (UTF-8|Shift_JIS) byte 0xFF at byte 1 of the field" ;;
		duplicate) pat="$1:$line: person_code: person [0-9]+ given twice in this file \\(first on line $((line - 1))\\)" ;;
		*) continue ;;
		esac
		like "$3" "$pat" "$1 line $line ($kind) is reported"
	done < "$2"
}
for form in "csv utf-8" "csv cp932" "fixed cp932"; do
	set -- $form
	f="bad-$1-$2"
	"$gen" --residents 400 --seed 5 --format "$1" --encoding "$2" --fault-rate 40 \
	    --faults bad_check,bad_date,truncated,misencoded,duplicate -o "$f" 2>"$f.faults"
	nf=$(wc -l < "$f.faults")
	"$NHICARD" --db "$f.db" db init >/dev/null
	run "$NHICARD" --db "$f.db" import "$f"
	is "$rc" 3 "$f: an extract with bad lines exits 3"
	like "$out" "$nf rejected" "$f: the $nf bad lines are rejected"
	check_faults "$f" "$f.faults" "$out"
	is "$(grep -c '^# ' "$f.rej")" "$nf" "$f: the reject file holds the $nf lines with their reasons"
	total=$(grep -c '' "$f")
	is "$("$SQLITE3" "$f.db" "SELECT count(*) FROM residents")" "$((total - nf))" \
	    "$f: every good line is in"
done

# 外字: kept, flagged, listed; never replaced.
"$gen" --residents 200 --seed 3 --encoding cp932 --fault-rate 50 --faults gaiji -o gaiji.csv 2>gaiji.faults
ng=$(wc -l < gaiji.faults)
"$NHICARD" --db g.db db init >/dev/null
run "$NHICARD" --db g.db import gaiji.csv
is "$rc" 0 "an extract with 外字 imports"
like "$out" "$ng with 外字" "the 外字 names are counted"
like "$out" "外字 kept in the name" "and reported"
run "$NHICARD" --db g.db resident gaiji
like "$out" "^$ng residents? with 外字" "resident gaiji lists them"
ok "$(printf '%s' "$out" | grep -Eq '\{SJIS:8540\}|'"$(printf '\356\200\201')"; echo $?)" \
    "the vendor character is kept (private use or {SJIS:XXXX})"
is "$("$SQLITE3" g.db "SELECT count(*) FROM residents WHERE name_flags & 1")" "$ng" \
    "name_flags marks exactly those residents"

# The deferred index builds of an initial load: sorted with a worker thread
# in many runs (as at 4 million residents; a test-hooks build forces it on
# a small extract), every index still holds exactly the table's rows, the
# store has the schema of a new one, and searches give what they give
# after a load sorted in one run.
"$gen" --residents 40000 --seed 17 -o sortruns.csv 2>/dev/null || bail "gen-extract"
"$NHICARD" --db one.db db init >/dev/null
"$NHICARD" --db runs.db db init >/dev/null
"$NHICARD" --db fresh.db db init >/dev/null
run "$NHICARD" --db one.db import --quiet sortruns.csv
is "$rc" 0 "a 40,000-resident initial load imports"
NHICARD_LOG=debug NHICARD_TEST_SORT_KIB=1 run "$NHICARD" --db runs.db import --quiet sortruns.csv
is "$rc" 0 "and imports with its indexes sorted in runs by two threads"
is "$(printf '%s\n' "$out" | grep -c "import: CREATE INDEX")" 8 \
    "all eight deferred indexes were dropped and built again at the end"
is "$("$SQLITE3" runs.db "PRAGMA integrity_check")" ok "every index holds exactly the table's rows"
schema() { "$SQLITE3" "$1" "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name" | md5sum; }
is "$(schema runs.db)" "$(schema fresh.db)" "the store has the schema of a new one, every index back"
by_index() {
	"$SQLITE3" "$1" "SELECT person_code FROM residents INDEXED BY residents_birth
	  WHERE birth_date BETWEEN '1950-01-01' AND '1950-12-31' ORDER BY birth_date, name_kana_norm, id;
	  SELECT person_code FROM residents INDEXED BY residents_kana
	  WHERE name_kana_norm >= 'タ' AND name_kana_norm < 'チ' ORDER BY name_kana_norm, id" | md5sum
}
is "$(by_index runs.db)" "$(by_index one.db)" "the indexes give the rows a one-run load gives"

# Files that cannot be read.
run "$NHICARD" --db a.db import no-such-file.csv
is "$rc" 5 "a missing file exits 5"
like "$out" "no-such-file.csv: cannot open" "and is named"
printf '\200\200\377\377\375\n' > junk.csv
run "$NHICARD" --db a.db import junk.csv
is "$rc" 3 "a file in no known encoding exits 3"
like "$out" "junk.csv: cannot tell the encoding" "and says why"
run "$NHICARD" --db a.db import
is "$rc" 2 "import without a file is a usage error"
run "$NHICARD" import --help
like "$out" "usage: nhicard import" "import --help"

done_testing
