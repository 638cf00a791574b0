#!/bin/sh
# `nhicard backup` and `nhicard restore` (docs/backup.md), and a restore the
# center survives: back up, make and send records, restore the older
# backup, make and send again: the center ends with every record exactly
# once, nothing refused as a conflict, and no sequence number given twice.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
center_tls

nhc() { "$NHICARD" --db st.db --config st.conf "$@"; }
last_seq() { "$SQLITE3" st.db "SELECT last_seq FROM queue_state"; }
center_rejects() { "$SQLITE3" center.db "SELECT count(*) FROM reject" 2>/dev/null || echo 0; }

# One extract cut in three: the days before the backup, after it, after
# the restore (the same town, other people each time).
"$top_builddir/bench/gen-extract" --residents 90 --seed 7 -o all.csv 2>/dev/null ||
    bail "gen-extract"
sed -n 1,20p all.csv > day1.csv
sed -n 21,30p all.csv > day1b.csv
sed -n 31,60p all.csv > day2.csv
sed -n 61,90p all.csv > day3.csv

printf '[station]\nmode = test\n' > st.db.conf
"$NHICARD" --config st.db.conf --db st.db db init >/dev/null || bail "db init"
"$SQLITE3" st.db "UPDATE meta SET value='ST01' WHERE key='station_id'" || bail "station id"
center_start
station_conf st.conf "$CENTER_URL"
mkdir keys && cp "$KEYS/test-station.crt" keys/station.crt && chmod 700 keys
printf '[keys]\ndir = %s/keys\n' "$TEST_TMP" >> st.conf

nhc import day1.csv >/dev/null || bail "import day 1"
run nhc queue send
is "$rc" 0 "day 1 sent"
n1=$(last_seq)
is "$(center_held ST01)" "$n1" "the center holds day 1's $n1 records"
# Made before the backup, sent only after it: open in the backup.
nhc import day1b.csv >/dev/null || bail "import day 1b"
n1b=$(last_seq)
ok "$([ "$n1b" -gt "$n1" ]; echo $?)" "records open at the backup ($n1 -> $n1b)"

# The backup: a directory with the store, the configuration, the key
# folder and a manifest.
run nhc backup bk
is "$rc" 0 "backup exits 0"
like "$out" "backup bk: station ST01" "it names the station"
ok "$([ -f bk/store.db ] && [ -f bk/nhicard.conf ] && [ -f bk/keys/station.crt ]; echo $?)" \
    "the store, the configuration and the key folder are in it"
is "$(stat -c %a bk)" 700 "the backup directory is 0700"
like "$(cat bk/MANIFEST)" "file store.db [0-9a-f]{64} [0-9]+" "the manifest sums the store"
is "$("$NHICARD" --config st.db.conf --db bk/store.db db check | sed -n 's/^integrity //p')" ok \
    "the copied store passes its integrity check"
run nhc backup bk
is "$rc" 3 "a backup never overwrites one"

# Day 2 after the backup: made and sent; then the station is lost.
nhc import day2.csv >/dev/null || bail "import day 2"
run nhc queue send
is "$rc" 0 "day 2 sent"
n2=$(last_seq)
ok "$([ "$n2" -gt "$n1b" ]; echo $?)" "day 2 queued records ($n1b -> $n2)"
is "$(center_held ST01)" "$n2" "the center holds days 1 and 2"

# A damaged backup is refused before anything changes.
cp -r bk bad && printf 'x' >> bad/nhicard.conf
run nhc restore --replace bad
is "$rc" 3 "a backup whose files do not match the manifest is refused"
like "$out" "nhicard.conf is not the file the MANIFEST names" "the file is named"
is "$(last_seq)" "$n2" "the store is untouched"

run nhc restore bk
is "$rc" 3 "restoring over a store needs --replace"
like "$out" "say --replace" "it says how"

run nhc restore --replace bk
is "$rc" 0 "restore exits 0"
like "$out" "restored station ST01" "it names the station"
is "$(last_seq)" "$n1b" "the store is the backup's (newest seq $n1b)"
ok "$(ls st.db.before-restore-* >/dev/null 2>&1; echo $?)" "the replaced store is kept aside"

# Before the center has spoken, no new number is given.
run nhc import day3.csv
is "$rc" 1 "a restored store makes no queue record before the center's word"
like "$out" "restored from a backup" "the refusal says why"
is "$(last_seq)" "$n1b" "nothing was numbered"

# The center's acknowledgement settles it: the numbers it holds from day 2
# stay its own.
run nhc queue send
is "$rc" 0 "the send after the restore exits 0"
like "$out" "restored store settled: the center holds through $n2" "the center's mark is learnt"
is "$(last_seq)" "$n2" "the station continues after the center's numbers"
is "$("$SQLITE3" st.db "SELECT count(*) FROM queue_records WHERE kind = 'restore_gap'")" \
    "$((n2 - n1b))" "day 2's numbers are kept as the center's"
is "$("$SQLITE3" st.db "SELECT count(*) FROM queue_records WHERE acked_at IS NULL")" 0 \
    "the records open in the backup went again and are acknowledged"

# Day 3 after the restore: new numbers, no conflict.
nhc import day3.csv >/dev/null || bail "import day 3"
n3=$(last_seq)
ok "$([ "$n3" -gt "$n2" ]; echo $?)" "day 3 numbered after the center's ($n2 -> $n3)"
run nhc queue send
is "$rc" 0 "day 3 sent"
like "$out" "0 rejected" "nothing refused"
is "$(center_held ST01)" "$n3" "the center holds every record of the three days"
is "$(center_dups)" "" "each exactly once"
is "$("$SQLITE3" center.db "SELECT count(*) FROM record r WHERE station_id='ST01'
    AND seq BETWEEN 1 AND $n3")" "$n3" "every number 1..$n3 once"
run nhc queue status
like "$out" "gaps: +0" "the station sees no gap"
run nhc audit verify
is "$rc" 0 "the restored station's audit chain verifies"
center_stop

# On media, with nothing open: the export of a restored store is one batch
# of no records, so that the center answers; its acknowledgement settles.
nhc backup bk2 >/dev/null || bail "backup 2"
nhc restore --replace bk2 >/dev/null || bail "restore 2"
mkdir media
run nhc queue export media
is "$rc" 0 "a restored store with nothing open exports"
is "$(ls media/ST01-b*.cms | wc -l)" 1 "one batch file"
"$CENTER" --db center.db import --key "$KEYS/test-center.key" --cert "$KEYS/test-center.crt" \
    --ca "$KEYS/test-queue-ca.crt" media >/dev/null 2>&1 || bail "center import"
run nhc queue import-ack media/ST01-a*.ack
is "$rc" 0 "the center's acknowledgement is imported"
like "$out" "restored store settled: 0 number" "and settles the store"
like "$("$SQLITE3" st.db "SELECT value FROM meta WHERE key = 'restored'")" "^settled " \
    "the store's restored mark is settled"
is "$(center_dups)" "" "still nothing twice at the center"

like "$(cat center.log)" "request [0-9T:Z-]+ POST /batch from 127.0.0.1 \(.*ST01\): 200, [0-9]+ bytes; station ST01, acknowledgement serial [0-9]+" \
    "the center logs every request: who, what, the answer"
run "$CENTER" --help
like "$out" "on port 8443 unless --port says otherwise" "the center's default port is fixed"

done_testing
