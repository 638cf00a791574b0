#!/bin/sh
# The store decides the station's mode (issue 16, items 1, 2 and 13): an
# insider who points --config or $NHICARD_CONFIG at a file saying
# `mode = test` or `mode = demo` does not turn a production store into one
# that runs as the built-in operator, approves its own two-person actions
# or shows personal data without a login; a store holding operator
# accounts never grants a built-in operator in any mode; a store that
# needs a schema migration is migrated before anyone is granted anything.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"

make_team
is "$(sql "SELECT value FROM meta WHERE key = 'station_mode'")" production \
    "db init records the station mode in the store"
as carol resident add --name-kanji "秘密 花子" --name-kana "ヒミツ ハナコ" --birth 1977-07-17 \
    --sex 2 --address "東京都千代田区霞が関9-9-9"
[ "$rc" -eq 0 ] || bail "resident add: $out"

PROD_CONF=$TEST_TMP/prod.conf
cp "$CONF" "$PROD_CONF"

# ---- item 1: a copy of the configuration saying mode = test
write_conf test
NHICARD_NEW_PASSWORD_FD=3 nhi operator add mallory --role supervisor 3<"$(pwfile mallory)"
is "$rc" 1 "test-mode configuration on a production store: operator add is refused"
like "$out" "belongs to a production station; the configuration .* says station.mode = test" \
    "the refusal says the store is production and the configuration weaker"
is "$(sql "SELECT count(*) FROM operators WHERE login = 'mallory'")" 0 "no account was added"
NHICARD_KEY_PASSPHRASE_FD=6 nhi keys create 6<"$PASSPHRASE"
is "$rc" 1 "keys create without a key officer and an approver is refused"
is "$(ls "$KEYDIR" | wc -l)" 0 "no key file was written"
NHICARD_CONFIG=$CONF run "$NHICARD" --db "$DB" held list
is "$rc" 1 "the same through \$NHICARD_CONFIG"
as demo held list
is "$rc" 1 "--operator demo is no way around it"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'station.mode'
    AND outcome = 'refused' AND detail = 'store is production, configuration says test'")" \
    4 "every refusal is audited"

# ---- item 13: mode = demo reads no personal data without a login
write_conf demo
nhi operator list
is "$rc" 1 "demo-mode configuration: operator list is refused"
nhi resident show 1
is "$rc" 1 "resident show is refused"
unlike "$out" "秘密|ヒミツ|霞が関" "and shows none of the resident's data"
nhi resident search --kana ヒミツ
is "$rc" 1 "resident search is refused"
unlike "$out" "秘密|ヒミツ" "and finds nobody"
printf 'key q\n' >"$TEST_TMP/q.keys"
NHICARD_TUI_SCRIPT=$TEST_TMP/q.keys run "$NHICARD" --config "$CONF" --db "$DB" tui
is "$rc" 1 "the clerk's screen is refused too"
like "$out" "belongs to a production station" "for the same reason"

# A stronger configuration is fine: the production one still works.
cp "$PROD_CONF" "$CONF"
as carol held list
is "$rc" 0 "the production configuration runs as before"

# Reads of personal data are audited (who, which resident; never the data).
as carol resident show 1
is "$rc" 0 "a clerk reads a resident"
is "$(sql "SELECT operator || ' ' || subject || ' ' || outcome FROM audit_log
    WHERE action = 'resident.show' ORDER BY seq DESC LIMIT 1")" "carol resident:1 ok" \
    "the read is audited with who and which resident"
as carol resident search --kana ヒミツ
is "$rc" 0 "a clerk searches"
is "$(sql "SELECT operator || ' ' || detail FROM audit_log WHERE action = 'resident.search'
    ORDER BY seq DESC LIMIT 1")" "carol 1 found by kana" \
    "the search is audited with the fields searched and the count, not the values"
unlike "$(sql "SELECT group_concat(coalesce(detail, '') || subject, ' ') FROM audit_log")" \
    "秘密|ヒミツ|霞が関|1977" "no personal data in the audit trail"

# ---- item 2: a store that needs a schema migration grants nothing
sql "DROP INDEX batch_items_user_number; DROP INDEX preissue_items_serial;
    DROP INDEX preissue_items_run; DROP TABLE preissue_items;
    DROP TABLE IF EXISTS mynumber_links; DROP INDEX IF EXISTS cards_public_key;
    DROP TABLE IF EXISTS print_pending; DROP INDEX residents_given;
    DROP INDEX eligibility_symbol_number;
    CREATE INDEX eligibility_symbol_number ON eligibility_periods (symbol, number);
    ALTER TABLE residents DROP COLUMN sex_on_back; PRAGMA user_version = 2"
is "$(sql "PRAGMA user_version")" 2 "the store is back at schema version 2"
NHICARD_NEW_PASSWORD_FD=3 nhi operator add mallory --role supervisor 3<"$(pwfile mallory)"
is "$rc" 1 "after the upgrade, a command without --operator is still refused"
like "$out" "production mode: say who you are with --operator LOGIN" "and told to log in"
is "$(sql "SELECT count(*) FROM operators WHERE login = 'mallory'")" 0 "no account was added"
ok "$([ "$(sql "PRAGMA user_version")" -ge 3 ] && echo 0 || echo 1)" \
    "the store was migrated before the decision"

# A store that cannot be read grants nothing either.
chmod 000 "$DB"
if [ -r "$DB" ]; then
	ok 0 "# SKIP running as root: the store stays readable"
else
	NHICARD_NEW_PASSWORD_FD=3 nhi operator add mallory --role supervisor 3<"$(pwfile mallory)"
	is "$rc" 1 "an unreadable store: refused, not bootstrap"
fi
chmod 600 "$DB"

# ---- test and demo stores: the built-in operator until the first account
DB=$TEST_TMP/t.db
write_conf test
nhi db init
like "$out" "station mode test, fixed for this store" "db init says which mode it records"
nhi held list
is "$rc" 0 "a test store without accounts: the built-in operator runs"
nhi keys list
is "$rc" 0 "with every role"
add_op boss supervisor
nhi held list
is "$rc" 1 "once the store holds an account the built-in operator is refused"
like "$out" "test mode: say who you are with --operator LOGIN" "and says why"
as boss held list
is "$rc" 0 "a named operator runs"
cp "$PROD_CONF" "$CONF"
sed -i "s|^dir = .*|dir = $KEYDIR|" "$CONF"
as boss held list
is "$rc" 0 "a production configuration on a test store is stronger: accepted"

# A store from before the mode was recorded: production once it holds accounts.
DB=$TEST_TMP/s.db
sql "DELETE FROM meta WHERE key = 'station_mode'"
write_conf test
nhi held list
is "$rc" 1 "an old store with accounts and no recorded mode is production"
is "$(sql "SELECT value FROM meta WHERE key = 'station_mode'")" production "and recorded so"

done_testing
