#!/bin/sh
# soak-faults.sh: the faults the town-year soak (issue 26) injects, each on
# its own with the clerk's recovery: a change extract delivered twice, two
# delivered out of order, an acknowledgement imported twice, and a full
# disk (a small tmpfs, as root) during an import, a queue export and an
# acknowledgement import. docs/reliability.md "Faults found by the fault
# tests"; docs/formats.md for the clerk's path after an out-of-order day.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/queue.sh"
cd "$TEST_TMP" || bail "cd"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"
. "$top_srcdir/tests/lib/killcommit.sh"

CONF=$TEST_TMP/c.conf
queue_config "$CONF"
DB=$TEST_TMP/s.db
nhi() { run "$NHICARD" --config "$CONF" --db "$DB" "$@"; }

H=event,event_date,person_code,household_code,head,name_kanji,name_kana,birth_date,sex,address,address_code,nationality,residence_status,stay_until,insurer_number,symbol,number,branch,cert_kind,short_months,acquired_on,lost_on,valid_until,burden_pct,burden_from,special_address
cat > full.csv <<CSV
$H
FULL,2024-04-01,1001,501,1,山田 太郎,ヤマダ タロウ,1960-05-01,1,本山町本山1番地,01,,,,390013,01,000501,01,1,,2010-04-01,,2025-07-31,,,0
FULL,2024-04-01,1002,502,1,鈴木 花子,スズキ ハナコ,1970-02-03,2,本山町寺家3番地,03,,,,390013,03,000502,01,1,,2012-04-01,,2025-07-31,,,0
CSV
# Day 1: 1003 moves in, 1001 moves within the town (new 記号番号); day 2: 1001 changes
# name (the record carries the day's whole person, the move included) and
# 1002 dies.
cat > day1.csv <<'CSV'
MOVE_IN,2024-06-01,1003,503,1,高橋 陽子,タカハシ ヨウコ,1988-11-11,2,本山町古田4番地,04,,,,390013,04,000504,01,1,,2024-06-01,,2025-07-31,,,0
MOVE_WITHIN,2024-06-01,1001,501,1,山田 太郎,ヤマダ タロウ,1960-05-01,1,本山町吉野7番地,02,,,,390013,02,000507,01,1,,2010-04-01,,2025-07-31,,,0
CSV
cat > day2.csv <<'CSV'
NAME_CHANGE,2024-06-05,1001,501,1,本山 太郎,モトヤマ タロウ,1960-05-01,1,本山町吉野7番地,02,,,,390013,02,000507,01,1,,2010-04-01,,2025-07-31,,,0
DEATH,2024-06-06,1002,502,1,鈴木 花子,スズキ ハナコ,1970-02-03,2,本山町寺家3番地,03,,,,390013,03,000502,01,1,,2012-04-01,2024-06-07,2025-07-31,,,0
CSV
# truth DB: who is who and insured when, by person code (row ids depend on
# the order records came in).
truth() {
	"$SQLITE3" "$1" "
SELECT 'R', r.person_code, h.household_code, r.is_head, r.name_kanji, r.name_kana, r.birth_date,
  r.sex, r.address, r.status, r.status_date FROM residents r
  LEFT JOIN households h ON h.id = r.household_id ORDER BY r.person_code;
SELECT 'E', r.person_code, e.insurer_number, e.symbol, e.number, e.branch, e.cert_kind,
  e.acquired_on, e.lost_on, e.valid_until, e.burden_pct, e.superseded_by IS NULL
  FROM eligibility_periods e JOIN residents r ON r.id = e.resident_id
  WHERE e.superseded_by IS NULL ORDER BY 2, 3, 4, 5, 6, 8;
SELECT 'B', r.person_code, b.kind, b.recipient_number, b.valid_from FROM benefits b
  JOIN residents r ON r.id = b.resident_id WHERE b.superseded_by IS NULL ORDER BY 2, 3;"
}
"$NHICARD" --config "$CONF" --db "$DB" db init >/dev/null || bail "db init"
nhi import --quiet full.csv; [ "$rc" -eq 0 ] || bail "full import: $out"
kc_snap base
# In order: the truth.
nhi import --quiet day1.csv; is "$rc" 0 "in order: day 1 imports"
nhi import --quiet day2.csv; is "$rc" 0 "in order: day 2 imports"
truth "$DB" > inorder.state
is "$(grep -c '^R|' inorder.state) $(grep -c '^E|' inorder.state)" "3 3" \
    "the truth: three residents, three periods in force"

# ---- A change extract delivered twice -----------------------------------------
kc_state "$DB" | grep -v '^A|' > once.state
nhi import --quiet day2.csv
is "$rc" 0 "day 2 delivered again imports without error"
like "$out" "0 new, 0 updated, 2 unchanged" "and changes nothing"
kc_state "$DB" | grep -v '^A|' > twice.state
cmp -s once.state twice.state
ok $? "the store is as after one delivery (no period, record or held item twice)"

# ---- Two change extracts out of order -----------------------------------------
kc_restore base
nhi import --quiet day2.csv
is "$rc" 0 "out of order: day 2 first imports"
nhi import --quiet day1.csv
is "$rc" 0 "day 1 after day 2: not an error"
like "$out" "1 held" "day 1's older change is held"
q "$DB" "SELECT id, kind, reason FROM held_items" | sed 's/^/# held: /'
held=$(q "$DB" "SELECT id FROM held_items WHERE resolved_at IS NULL")
[ -n "$held" ]
ok $? "one out-of-order item is open"
nhi held show "$held"
like "$out" "MOVE_WITHIN" "the clerk sees the held record"
# The documented path (docs/formats.md): a held older change whose effect
# a later record already carries is discarded; forcing it would undo it.
nhi held resolve "$held" discard
is "$rc" 0 "the clerk discards it"
truth "$DB" > outoforder.state
if cmp -s inorder.state outoforder.state; then ok 0 "the end state equals in-order delivery"
else ok 1 "the end state equals in-order delivery"; diff inorder.state outoforder.state | head -8 | sed 's/^/#   /'; fi

# ---- An acknowledgement imported twice -----------------------------------------
mkdir -p exp
nhi queue export exp; [ "$rc" -eq 0 ] || bail "queue export: $out"
through=$(q "$DB" "SELECT max(seq) FROM queue_records")
make_ack ack1 "$(station_of "$DB")" 1 "$through"
nhi queue import-ack ack1
is "$rc" 0 "the acknowledgement imports"
kc_state "$DB" | grep -v '^A|' > acked.state
nhi queue import-ack ack1
ok $([ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || [ "$rc" -eq 3 ]; echo $?) "the same acknowledgement again exits $rc"
like "$out" "[Dd]uplicate|already" "and says it is a duplicate: $(printf '%s' "$out" | head -1)"
kc_state "$DB" | grep -v '^A|' > acked2.state
cmp -s acked.state acked2.state
ok $? "it changes nothing"
nhi audit verify
is "$rc" 0 "audit verify is clean"

# ---- A full disk ----------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	echo "# SKIP full disk: needs root (mount -t tmpfs)"
	ok 0 "# SKIP full disk needs root to mount a small tmpfs"
	done_testing
	exit $?
fi
mkdir small
mount -t tmpfs -o size=3m tmpfs small 2>/dev/null || {
	ok 0 "# SKIP full disk: cannot mount a tmpfs here"; done_testing; exit $?; }
at_exit "umount '$TEST_TMP/small' 2>/dev/null"
"$gen" --residents 300 --seed 11 --fault-rate 0 -o big.csv 2>/dev/null || bail "gen"
DB=$TEST_TMP/small/s.db
"$NHICARD" --config "$CONF" --db "$DB" db init >/dev/null || bail "db init on tmpfs"
nhi import --quiet full.csv; [ "$rc" -eq 0 ] || bail "import on tmpfs"
fill() { dd if=/dev/zero of=small/ballast bs=4k 2>/dev/null; sync; }
# full_disk WHAT CMD: the command fails on a full disk with a clear error,
# leaves the store as it was, and succeeds once the ballast is gone.
full_disk() {
	_what=$1
	shift
	"$SQLITE3" "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	kc_state "$DB" | grep -v '^A|' > before.state
	fill
	nhi "$@"
	_frc=$rc _fout=$out
	rm -f small/ballast
	isnt_ok=0; [ "$_frc" -ne 0 ] || isnt_ok=1
	ok $isnt_ok "$_what on a full disk fails (exit $_frc)"
	like "$_fout" "disk full|No space left|容量" "$_what: the error names the full disk: $(printf '%s' "$_fout" | head -1)"
	kc_state "$DB" | grep -v '^A|' > after.state
	cmp -s before.state after.state
	ok $? "$_what: nothing half-written in the store"
	nhi db check
	is "$rc" 0 "$_what: db check is clean"
	nhi "$@"
	is "$rc" 0 "$_what: the rerun without the ballast succeeds"
	nhi audit verify
	is "$rc" 0 "$_what: audit verify is clean"
}
full_disk "import" import --quiet big.csv
mkdir -p small/exp
full_disk "queue export" queue export small/exp
through=$(q "$DB" "SELECT max(seq) FROM queue_records")
make_ack ack2 "$(station_of "$DB")" 1 "$through"
cp ack2 small/ack2
full_disk "queue import-ack" queue import-ack small/ack2
done_testing
