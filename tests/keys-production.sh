#!/bin/sh
# The shipped test keys (keys/test-*) are refused outside demo and test
# mode, from the command line: a production station with them cannot
# issue or verify a card (exit 1, TESTKEY), before any card is touched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

make_team
sed -i "s|^dir = $KEYDIR\$|dir = $top_srcdir/keys|" "$CONF"
as carol resident add --name-kanji "試験 次郎" --name-kana "シケン ジロウ" --birth 1980-01-01 \
    --sex 1 --address "東京都千代田区1-1"
as carol eligibility add --insurer 133116 --symbol 1 --number 5 --kind hihokensha \
    --acquired 2020-04-01 1

as carol --reader "no such reader" issue --path new-juki 1
is "$rc" 1 "production mode with the test keys: issue is refused (exit 1)"
like "$out" "keys/test-master-30.keys: test keys refused in production mode" \
    "naming the test key file"
is "$(sql "SELECT count(*) FROM cards")" 0 "no card row was started"
as carol --reader "no such reader" card verify
is "$rc" 1 "card verify is refused the same way"
like "$out" "test keys refused in production" "with the same reason"

# A station created in test mode goes past the keys (to the missing reader).
DB=$TEST_TMP/test.db
write_conf test
sed -i "s|^dir = $KEYDIR\$|dir = $top_srcdir/keys|" "$CONF"
nhi db init
nhi resident add --name-kanji "試験 次郎" --name-kana "シケン ジロウ" --birth 1980-01-01 \
    --sex 1 --address "東京都千代田区1-1"
nhi eligibility add --insurer 133116 --symbol 1 --number 5 --kind hihokensha \
    --acquired 2020-04-01 1
nhi --reader "no such reader" issue --path new-juki 1
unlike "$out" "test keys refused" "test mode accepts the test keys"
is "$rc" 4 "and stops at the reader (exit 4)"

done_testing
