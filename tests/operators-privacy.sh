#!/bin/sh
# Data protection: what the station writes (store and its -wal/-shm,
# PDFs, reject files, key files) is readable by the station's user alone,
# and debug logging prints no resident's name, birth date or address, no
# password and no key material.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
MODE=test
. "$top_srcdir/tests/lib/operators.sh"

gen="$top_builddir/bench/gen-extract"
[ -x "$gen" ] || bail "bench/gen-extract not built"
umask 022	# what a careless login shell has: nhicard must not rely on it
ERR=$TEST_TMP/stderr
: >"$ERR"
# dbg ARGS: nhicard at debug level, stderr collected in $ERR.
dbg() {
	out=$(NHICARD_LOG=debug NHICARD_KEY_PASSPHRASE_FD=6 "$NHICARD" --config "$CONF" \
	    --db "$DB" "$@" 2>>"$ERR" 6<"$PASSPHRASE")
	rc=$?
}

NAME="秘密 花子"
KANA="ヒミツ ハナコ"
BIRTH=1977-07-17
ADDR="東京都千代田区霞が関9-9-9"
dbg db init
is "$rc" 0 "db init"
is "$(stat -c %a "$DB")" 600 "the store is mode 0600"
dbg resident add --name-kanji "$NAME" --name-kana "$KANA" --birth "$BIRTH" --sex 2 \
    --address "$ADDR"
is "$rc" 0 "resident add at debug level"
dbg eligibility add --insurer 133116 --symbol 1 --number 77 --kind hihokensha \
    --acquired 2020-04-01 1
is "$rc" 0 "eligibility add"

# Hold a reader connection open so the -wal and -shm files stay.
mkfifo "$TEST_TMP/sqlin"
"$SQLITE3" "$DB" <"$TEST_TMP/sqlin" >/dev/null 2>&1 &
sqlpid=$!
exec 9>"$TEST_TMP/sqlin"
echo "SELECT count(*) FROM residents;" >&9
dbg resident edit 1 --address "$ADDR"
dbg resident show 1
like "$out" "$NAME" "resident show prints the name to the clerk (stdout)"
for f in "$DB-wal" "$DB-shm"; do
	if [ -e "$f" ]; then
		is "$(stat -c %a "$f")" 600 "$(basename "$f") is mode 0600"
	else
		ok 0 "$(basename "$f") not present (checkpointed)"
	fi
done
exec 9>&-
wait "$sqlpid"

dbg resident search --kana ヒミツ
dbg print certificate -o "$TEST_TMP/cert.pdf" 1
is "$rc" 0 "print certificate"
is "$(stat -c %a "$TEST_TMP/cert.pdf")" 600 "the certificate PDF is mode 0600"
dbg --reader "no such reader" issue --path new-juki 1
dbg keys create
is "$rc" 0 "keys create"
is "$(stat -c %a "$KEYDIR/master-30.keys")" 600 "the key file is mode 0600"
dbg keys kcv
is "$rc" 0 "keys kcv"

"$gen" --residents 5 --seed 3 -o "$TEST_TMP/x.csv" 2>/dev/null
# The station's own insurer (tests/lib/operators.sh), as an import requires.
sed -i 's/,390013,/,133116,/' "$TEST_TMP/x.csv"
printf 'this line is not a record\n' >>"$TEST_TMP/x.csv"
dbg import "$TEST_TMP/x.csv"
test -f "$TEST_TMP/x.csv.rej"
is "$?" 0 "import wrote a reject file"
is "$(stat -c %a "$TEST_TMP/x.csv.rej")" 600 "the reject file is mode 0600"

log=$(cat "$ERR")
like "$log" "." "debug logging produced output to check"
unlike "$log" "秘密|花子|ヒミツ|ハナコ" "no name in the debug log"
unlike "$log" "$BIRTH|19770717|1977" "no birth date in the debug log"
unlike "$log" "霞が関|千代田区" "no address in the debug log"
unlike "$log" "key store passphrase" "no passphrase in the debug log"
unlike "$log" "[0-9a-fA-F]{32}" "no key-sized hex in the debug log"

done_testing
