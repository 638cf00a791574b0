#!/bin/sh
# The store: db init and db check, and the errors around them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

db="$TEST_TMP/station.db"

run "$NHICARD" --db "$db" db init
is "$rc" 0 "db init exits 0"
like "$out" "schema version [0-9]+" "db init reports the schema version"
is "$(stat -c %a "$db")" 600 "the store is created with mode 0600"

run "$NHICARD" --db "$db" db init
is "$rc" 3 "db init refuses an existing store"
like "$out" "already exists" "and says why"

run "$NHICARD" --db "$db" db check
is "$rc" 0 "db check on a fresh store exits 0"
like "$out" "integrity ok" "db check reports integrity"
like "$out" "schema version [0-9]+" "db check reports the schema version"
like "$out" "residents +0" "db check counts residents"

printf '[station]\nid = ST01\n' > "$TEST_TMP/id.conf"
run "$NHICARD" --config "$TEST_TMP/id.conf" --db "$TEST_TMP/st01.db" db init
is "$rc" 0 "db init with station.id exits 0"
like "$out" "station ST01\)" "db init reports the configured station id"
is "$("${SQLITE3:-sqlite3}" "$TEST_TMP/st01.db" "SELECT value FROM meta WHERE key = 'station_id'")" \
    ST01 "the store holds the configured station id"
printf '[station]\nid = "ST 01;x"\n' > "$TEST_TMP/badid.conf"
run "$NHICARD" --config "$TEST_TMP/badid.conf" --db "$TEST_TMP/badid.db" db init
is "$rc" 3 "a malformed station.id exits 3"
like "$out" "station.id" "the key is named"
is "$(ls "$TEST_TMP/badid.db" 2>/dev/null)" "" "and no store is created"

NHICARD_DB="$db" run "$NHICARD" db check
is "$rc" 0 "NHICARD_DB names the store"

# Production without station.id is refused, also when station.mode is
# unset (which means production), and no store is made (issue 19).
printf '[store]\n' > "$TEST_TMP/nomode.conf"
run "$NHICARD" --config "$TEST_TMP/nomode.conf" --db "$TEST_TMP/nomode.db" db init
is "$rc" 3 "db init with station.mode and station.id unset is refused (exit 3)"
like "$out" "station.id is not set in .*nomode.conf: a production station needs the id" \
    "it names the missing station.id and the file"
like "$out" "station.mode is not set either, which means production" "and says the unset mode is production"
is "$(ls "$TEST_TMP/nomode.db" 2>/dev/null)" "" "and no store is created"
printf '[station]\nmode = production\n' > "$TEST_TMP/prod.conf"
run "$NHICARD" --config "$TEST_TMP/prod.conf" --db "$TEST_TMP/prod.db" db init
is "$rc" 3 "db init with station.mode = production and no station.id is refused too"
env -u NHICARD_CONFIG "$NHICARD" --config /dev/null --db "$TEST_TMP/devnull.db" db init \
    >"$TEST_TMP/devnull.out" 2>&1
is "$?" 3 "an empty configuration (/dev/null) is production too: refused"

printf '[store]\npath = %s\n' "$db" > "$TEST_TMP/station.conf"
run "$NHICARD" --config "$TEST_TMP/station.conf" db check
is "$rc" 0 "store.path in the configuration names the store"

run "$NHICARD" --db "$TEST_TMP/no/such/dir/x.db" db init
is "$rc" 5 "a store in a missing directory exits 5"
like "$out" "directory .*/no/such/dir does not exist" "the missing directory is named"

run "$NHICARD" --db "$TEST_TMP/absent.db" db check
is "$rc" 5 "a missing store exits 5"
like "$out" "db init" "the error says how to create one"

# Schemas 5 to 9 (issues 24, 25, 14, printing, search): a store of schema 4
# gains the My Number links, the cards' public-key index,
# residents.sex_on_back, 0 (性別 on the front) for everyone, the pending
# prints (print_pending) and the search indexes of given names and of
# 記号番号 without leading zeros, and keeps its residents.
cp "$db" "$TEST_TMP/v4.db"
"${SQLITE3:-sqlite3}" "$TEST_TMP/v4.db" "INSERT INTO residents (name_kanji, name_kana,
  name_kana_norm, birth_date, sex, address, name_flags, origin, created_at, updated_at)
  VALUES ('移行 太郎', 'ｲｺｳ', 'イコウ', '1980-01-01', 1, '高知県', 0, 'counter', 'x', 'x');
  ALTER TABLE residents DROP COLUMN sex_on_back; DROP TABLE mynumber_links;
  DROP INDEX cards_public_key; DROP TABLE print_pending; DROP INDEX residents_given;
  DROP INDEX eligibility_symbol_number;
  CREATE INDEX eligibility_symbol_number ON eligibility_periods (symbol, number);
  PRAGMA user_version = 4;" ||
    bail "cannot make a schema 4 store"
run "$NHICARD" --db "$TEST_TMP/v4.db" db check
is "$rc" 0 "a schema 4 store opens (migrated)"
is "$("${SQLITE3:-sqlite3}" "$TEST_TMP/v4.db" "PRAGMA user_version; SELECT name_kanji || ' '
  || sex_on_back FROM residents")" "9
移行 太郎 0" "it is at schema 9, the resident kept, 性別 on the front"
is "$("${SQLITE3:-sqlite3}" "$TEST_TMP/v4.db" "SELECT count(*) FROM sqlite_schema
  WHERE name IN ('mynumber_links', 'cards_public_key', 'print_pending', 'residents_given')
  OR (name = 'eligibility_symbol_number' AND sql LIKE '%ltrim(number%')")" 5 \
    "with the My Number links, the cards' public-key index, the pending prints and the search indexes"

# A store written by a newer nhicard is refused, untouched.
cp "$db" "$TEST_TMP/newer.db"
"${SQLITE3:-sqlite3}" "$TEST_TMP/newer.db" "PRAGMA user_version = 9999;"
sum_before=$(md5sum < "$TEST_TMP/newer.db")
run "$NHICARD" --db "$TEST_TMP/newer.db" db check
is "$rc" 3 "a store from a newer schema exits 3"
like "$out" "schema version 9999" "the newer version is named"
is "$(md5sum < "$TEST_TMP/newer.db")" "$sum_before" "the newer store is left untouched"

# A file that is not a database.
printf 'not a database, just text\n%.0s' $(seq 1 200) > "$TEST_TMP/junk.db"
run "$NHICARD" --db "$TEST_TMP/junk.db" db check
is "$rc" 3 "a file that is not a store exits 3"
like "$out" "junk.db" "the bad file is named"

# Some other SQLite database.
"${SQLITE3:-sqlite3}" "$TEST_TMP/other.db" "CREATE TABLE t(x); PRAGMA user_version = 1;"
run "$NHICARD" --db "$TEST_TMP/other.db" db check
is "$rc" 3 "another program's database exits 3"
like "$out" "not an nhicard store" "and is named as such"

# A damaged store is reported by db check.
cp "$db" "$TEST_TMP/damaged.db"
"${SQLITE3:-sqlite3}" "$TEST_TMP/damaged.db" "PRAGMA foreign_keys=OFF; INSERT INTO residents
  (id, household_id, name_kanji, name_kana, name_kana_norm, birth_date, sex, address, origin,
   created_at, updated_at) VALUES (1, 42, 'x', 'x', 'x', '2000-01-01', 1, 'x', 'counter', 'x', 'x');"
run "$NHICARD" --db "$TEST_TMP/damaged.db" db check
is "$rc" 3 "db check exits 3 on a broken foreign key"
like "$out" "foreign key: residents row 1" "the broken row is named"

done_testing
