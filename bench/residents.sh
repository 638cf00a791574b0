#!/bin/sh
# bench/residents.sh: resident imports and search over 1,000,000 residents.
#
#   import_1m_s              nhicard import of a 1,000,000-resident full
#                            extract (CSV, UTF-8) into a new store
#   import_ratio_vs_sqlite3  that time over the sqlite3 shell loading the
#                            same rows into the same tables and indexes,
#                            measured in the same run
#   search_p99_ms            resident search latency (bench-search) over
#                            the store the import made
#
# The sqlite3 side: households and residents are loaded with `.import`
# straight into the store's tables (with their indexes); eligibility
# periods have NULLs in INTEGER columns of a STRICT table, which `.import`
# cannot write (it writes ''), so they go through a staging table and one
# INSERT ... SELECT nullif(...). BENCH_RESIDENTS changes the size.
set -u
: "${top_builddir:?}" "${NHICARD:?}"
SQLITE3=${SQLITE3:-sqlite3}
n=${BENCH_RESIDENTS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/nhicard-bench-res.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

"$top_builddir/bench/gen-extract" --residents "$n" --seed 42 -o "$work/full.csv" || exit 1

"$NHICARD" --db "$work/a.db" db init >/dev/null || exit 1
t0=$(now)
"$NHICARD" --db "$work/a.db" import --quiet "$work/full.csv" >"$work/import.log" 2>&1
rc=$?
t1=$(now)
if [ "$rc" -ne 0 ]; then
	echo "bench residents: import failed ($rc):" >&2
	tail -5 "$work/import.log" >&2
	exit 1
fi
ours=$(elapsed "$t0" "$t1")
printf 'import_1m_s %.2f s\n' "$ours"

# The same rows, exported from the store the import made.
for t in households residents eligibility_periods; do
	"$SQLITE3" -csv "$work/a.db" "SELECT * FROM $t" >"$work/$t.csv" || exit 1
done
"$NHICARD" --db "$work/b.db" db init >/dev/null || exit 1
cat >"$work/load.sql" <<'SQL'
.mode csv
.import households.csv households
.import residents.csv residents
CREATE TEMP TABLE e_in (id, resident_id, insurer_number, symbol, number, branch,
  cert_kind, short_months, acquired_on, lost_on, valid_until, burden_pct, burden_from,
  special_address, superseded_by, source, note, recorded_at);
.import eligibility_periods.csv e_in
INSERT INTO eligibility_periods SELECT id, resident_id, insurer_number, symbol, number,
  nullif(branch, ''), cert_kind, nullif(short_months, ''), acquired_on,
  nullif(lost_on, ''), nullif(valid_until, ''), nullif(burden_pct, ''),
  nullif(burden_from, ''), special_address, nullif(superseded_by, ''), source,
  nullif(note, ''), recorded_at FROM e_in;
SQL
t0=$(now)
(cd "$work" && "$SQLITE3" b.db <load.sql) >"$work/shell.log" 2>&1
t1=$(now)
shell=$(elapsed "$t0" "$t1")
rows=$("$SQLITE3" "$work/b.db" "SELECT count(*) FROM residents")
if [ "$rows" != "$("$SQLITE3" "$work/a.db" "SELECT count(*) FROM residents")" ]; then
	echo "bench residents: the sqlite3 shell loaded $rows residents:" >&2
	head -5 "$work/shell.log" >&2
	exit 1
fi
printf 'sqlite3_import_1m_s %.2f s\n' "$shell"
awk -v a="$ours" -v b="$shell" 'BEGIN { printf "import_ratio_vs_sqlite3 %.2f ratio\n", a / b }'

"$top_builddir/bench/bench-search" --db "$work/a.db" --queries 2000 2>/dev/null || exit 1
