#!/bin/sh
# db-init-kill.sh: `db init` killed (SIGKILL) right after and right before
# each of its store commits (the test hook NHICARD_TEST_KILL_AT_COMMIT,
# docs/reliability.md "Kill at a commit"): the store is built whole in a
# temporary file and put in place at the end, so a kill leaves no store at
# --db (never a half-made one that db init refuses), and the clerk's rerun
# of db init removes the leftover and makes a complete store.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
cd "$TEST_TMP" || bail "cd"

DB=$TEST_TMP/s.db
printf '[station]\nmode = test\nid = ST01\n' > c.conf
nhi() { "$NHICARD" --config c.conf --db "$DB" "$@"; }

(export NHICARD_TEST_KILL_AT_COMMIT=1; nhi db init >/dev/null 2>&1)
[ $? -eq 137 ] || skip_all "not a test-hooks build (configure --enable-test-hooks)"
rm -f "$DB" "$DB-wal" "$DB-shm" .s.db.init-*

rm -f log
(export NHICARD_TEST_COMMIT_LOG="$TEST_TMP/log"; nhi db init >/dev/null) || bail "db init"
n=$(wc -l < log)
ok "$([ "$n" -ge 2 ]; echo $?)" "db init commits $n times (each migration, the meta, the audit entry)"
ref=$("${SQLITE3:-sqlite3}" "$DB" "PRAGMA user_version; SELECT key, value FROM meta
  WHERE key IN ('station_id', 'station_mode') ORDER BY key; SELECT action FROM audit_log;")
rm -f "$DB" "$DB-wal" "$DB-shm"

bad=""
for k in $(seq 1 "$n"); do
	for at in "$k" "before:$k"; do
		rm -f "$DB" "$DB-wal" "$DB-shm"
		(export NHICARD_TEST_KILL_AT_COMMIT="$at"; nhi db init) >/dev/null 2>&1
		krc=$?
		[ "$krc" -eq 137 ] || { bad="$bad $at:not-killed($krc)"; continue; }
		# No store, or none that is not whole: nothing at --db.
		[ -e "$DB" ] && bad="$bad $at:store-left"
		ls -a | grep -q '^\.s\.db\.init-' || bad="$bad $at:no-temp"
		out=$(nhi db init 2>&1)
		rc=$?
		[ "$rc" -eq 0 ] || { bad="$bad $at:rerun-rc$rc"; echo "#   $out" | head -3; continue; }
		printf '%s\n' "$out" | grep -q "removed 1 unfinished store file of a db init that stopped" ||
			bad="$bad $at:not-told"
		ls -a | grep -q '^\.s\.db\.init-' && bad="$bad $at:temp-left"
		nhi db check >/dev/null 2>&1 || bad="$bad $at:db-check"
		nhi audit verify >/dev/null 2>&1 || bad="$bad $at:audit"
		got=$("${SQLITE3:-sqlite3}" "$DB" "PRAGMA user_version; SELECT key, value FROM meta
		  WHERE key IN ('station_id', 'station_mode') ORDER BY key; SELECT action FROM audit_log;")
		[ "$got" = "$ref" ] || bad="$bad $at:state"
	done
done
is "$bad" "" "db init killed after and before each of its $n commits: no store left at --db, the rerun removes the temporary file, says so and makes a complete store"

# A temporary file of an init still running is left alone.
rm -f "$DB" "$DB-wal" "$DB-shm"
: > ".s.db.init-$$"
run nhi db init
is "$rc" 0 "db init beside another init's temporary file works"
ok "$([ -e ".s.db.init-$$" ]; echo $?)" "and leaves the file of a process still running"
unlike "$out" "removed" "saying nothing of it"
rm -f ".s.db.init-$$"

# The store appears only whole: a store made meanwhile is never overwritten.
run nhi db init
is "$rc" 3 "db init refuses an existing store"
like "$out" "already exists" "and says why"

done_testing
