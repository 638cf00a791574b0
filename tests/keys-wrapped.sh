#!/bin/sh
# The key store: keys created, imported and rotated only wrapped (mode
# 0600, no key in clear in the file), list and kcv show check values,
# a wrong passphrase is a clear error (exit 3) that changes nothing,
# passwd re-wraps everything, and personalization opens wrapped keys.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

make_team
printf 'a wrong passphrase\n' >"$TEST_TMP/wrongpass"
# kim_wrong ARGS: as kim with the wrong key-store passphrase.
kim_wrong() {
	NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run "$NHICARD" --config "$CONF" \
	    --db "$DB" --operator kim "$@" 4<"$(pwfile kim)" 6<"$TEST_TMP/wrongpass"
}

printf 'short\n' >"$TEST_TMP/shortpass"
NHICARD_PASSWORD_FD=4 NHICARD_APPROVER_PASSWORD_FD=5 NHICARD_KEY_PASSPHRASE_FD=6 \
    run "$NHICARD" --config "$CONF" --db "$DB" --operator kim --approver boss keys create \
    4<"$(pwfile kim)" 5<"$(pwfile boss)" 6<"$TEST_TMP/shortpass"
is "$rc" 3 "a short first key-store passphrase is refused"
like "$out" "passphrase is too short: at least 12" "and the minimum said"

as_approved kim boss keys create --algorithm AES-256
is "$rc" 0 "keys create: an AES-256 master key set"
kcv_line=$out
like "$out" "kvn 30, algorithm AES-256, enc-kcv [0-9a-f]{6}, mac-kcv [0-9a-f]{6}, dek-kcv [0-9a-f]{6}" \
    "it shows the key version and check values"
is "$(stat -c %a "$KEYDIR/master-30.keys")" 600 "the key file is mode 0600"
like "$(cat "$KEYDIR/master-30.keys")" "^wrapped = 1$" "the file is wrapped"
unlike "$(cat "$KEYDIR/master-30.keys")" "^(enc|mac|dek) *=" "no key entry in clear"
as_approved kim boss keys create --signing
is "$rc" 0 "keys create --signing: a P-256 signing key"
like "$out" "municipality.key: kind signing, curve P-256, public-key-id [0-9a-f]{16}" \
    "it shows the key id"
unlike "$(cat "$KEYDIR/municipality.key")" "BEGIN PRIVATE KEY" "the private key is not in clear"
as_approved kim boss keys create --kvn 30
is "$rc" 3 "a key version that exists is refused"

as kim keys list
is "$rc" 0 "keys list"
like "$out" "wrapped $KEYDIR/master-30.keys: kind master, kvn 30, algorithm AES-256" \
    "list shows the public header without the passphrase"
as kim keys kcv
is "$rc" 0 "keys kcv unwraps and computes the check values"
enc=$(printf '%s\n' "$kcv_line" | sed -n 's/.*enc-kcv \([0-9a-f]*\).*/\1/p')
like "$out" "master-30.keys: kind master, kvn 30, algorithm AES-256, enc-kcv $enc" \
    "the computed KCV is the one shown at creation"

sum=$(cat "$KEYDIR"/* | md5sum)
kim_wrong keys kcv
is "$rc" 3 "a wrong key-store passphrase exits 3"
like "$out" "master-30.keys: wrong key-store passphrase, or the file was altered" \
    "the error names the file and says what is wrong"
kim_wrong keys passwd
is "$rc" 3 "keys passwd with the wrong old passphrase exits 3"
is "$(cat "$KEYDIR"/* | md5sum)" "$sum" "and nothing changed"

# An altered public header is detected (it is authenticated).
sed 's/^kvn = 30$/kvn = 31/' "$KEYDIR/master-30.keys" >"$TEST_TMP/altered.keys"
as kim keys kcv "$TEST_TMP/altered.keys"
is "$rc" 3 "a file whose clear header was altered does not open"

# Rotate: a new version, the old kept.
as_approved kim boss keys rotate
is "$rc" 0 "keys rotate"
like "$out" "key version 31 is new; set card.kvn = 31" "rotate names the new version"
like "$out" "Key version 30 stays" "and keeps the old"
test -f "$KEYDIR/master-30.keys"
is "$?" 0 "the old key file is still there"

# Rotate --to KK: the version named, so that the same command again does
# nothing more (docs/keys.md "Run again").
as_approved kim boss keys rotate --to 32
is "$rc" 0 "keys rotate --to 32"
like "$out" "key version 32 is new" "makes version 32"
sum=$(ls "$KEYDIR" | md5sum)
as_approved kim boss keys rotate --to 32
is "$rc" 0 "keys rotate --to 32 again exits 0"
like "$out" "key version 32 is there and audited .*: the rotation to it is done, nothing made" \
    "and says the rotation is done"
is "$(ls "$KEYDIR" | md5sum)" "$sum" "no version made"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate' AND subject LIKE '%master-32.keys'")" 1 \
    "one keys.rotate entry for version 32"
as_approved kim boss keys rotate --to 2f
is "$rc" 3 "keys rotate --to a version below the highest, not there: refused (exit 3)"
like "$out" "keys rotate --to 2F: the key store .* holds version 32: a rotation goes to a version above the highest" \
    "naming the highest version"
as_approved kim boss keys rotate --to 3G
is "$rc" 2 "keys rotate --to that is not two hex digits: usage error"
like "$out" "--to: two hex digits, 01 to 7F" "saying what --to takes"

# Import a clear key file: test keys are refused in production mode.
as_approved kim boss keys import "$top_srcdir/keys/test-master-30.keys"
is "$rc" 1 "importing test keys on a production station is refused"
like "$out" "test keys refused in production" "with the loader's message"
{ printf 'test = no\nkvn = 40\nalgorithm = AES-128\n'
  printf 'enc = 404142434445464748494a4b4c4d4e4f\nenc-kcv = 504a77\n'
  printf 'mac = 404142434445464748494a4b4c4d4e4f\ndek = 404142434445464748494a4b4c4d4e4f\n'; } \
    >"$TEST_TMP/clear-40.keys"
as kim keys import "$TEST_TMP/clear-40.keys"
is "$rc" 1 "import is a key ceremony: refused without an approver"
as_approved kim boss keys import "$TEST_TMP/clear-40.keys"
is "$rc" 0 "a clear production key file is imported"
like "$out" "master-40.keys: kind master, kvn 40, algorithm AES-128, enc-kcv 504a77, mac-kcv 504a77" \
    "with the check values of the keys it holds"
unlike "$(cat "$KEYDIR/master-40.keys")" "4041424344" "the imported key is not in clear"
like "$out" "the clear file .*clear-40.keys was overwritten and removed" \
    "the clear file is removed by default, as docs/keys.md says"
test -e "$TEST_TMP/clear-40.keys"
is "$?" 1 "it is gone"
# A refused import is audited.
as_approved kim boss keys import "$top_srcdir/keys/test-transport-ff.keys"
is "$rc" 1 "a test key set is refused"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.import' AND outcome <> 'ok' AND detail LIKE '%TESTKEY%'")" 2 \
    "both refused imports are audited"

# passwd: everything re-wrapped under the new passphrase.
printf 'the new key store passphrase\n' >"$TEST_TMP/newpass"
NHICARD_KEY_NEW_PASSPHRASE_FD=7 as kim keys passwd 7<"$TEST_TMP/newpass"
is "$rc" 0 "keys passwd"
like "$out" "5 wrapped key files in $KEYDIR now under the new passphrase" "re-wraps all five"
as kim keys kcv
is "$rc" 3 "the old passphrase no longer opens them"
cp "$TEST_TMP/newpass" "$PASSPHRASE"
as kim keys kcv
is "$rc" 0 "the new one does"
like "$out" "kvn 30, algorithm AES-256, enc-kcv $enc" "and the keys are the same"

# Personalization opens the wrapped keys with the same passphrase.
printf "[card]\nkvn = 30\n" >>"$CONF"
as carol resident add --name-kanji "試験 花子" --name-kana "シケン ハナコ" --birth 1990-02-03 \
    --sex 2 --address "東京都千代田区1-1"
as carol eligibility add --insurer 133116 --symbol 1 --number 3 --kind hihokensha \
    --acquired 2020-04-01 1
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run "$NHICARD" --config "$CONF" --db "$DB" \
    --operator carol --reader "no such reader" issue --path new-juki 1 4<"$(pwfile carol)" \
    6<"$TEST_TMP/wrongpass"
is "$rc" 3 "issue with wrapped keys and a wrong passphrase exits 3"
like "$out" "master-30.keys: wrong key-store passphrase" "naming the key file"
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run "$NHICARD" --config "$CONF" --db "$DB" \
    --operator carol --reader "no such reader" issue --path new-juki 1 4<"$(pwfile carol)" \
    6<"$PASSPHRASE"
unlike "$out" "passphrase|key file|TESTKEY|test keys" "with the right one the keys open and issue goes on to the card"
is "$rc" 4 "(and stops at the missing reader: exit 4)"

# keys import --remove-clear (the default said): the clear file goes once it is wrapped (issue
# 16 item 9), and the removal is audited; --keep-clear keeps it.
{ printf 'test = no\nkvn = 41\nalgorithm = AES-128\n'
  printf 'enc = 505152535455565758595a5b5c5d5e5f\n'
  printf 'mac = 505152535455565758595a5b5c5d5e5f\ndek = 505152535455565758595a5b5c5d5e5f\n'; } \
    >"$TEST_TMP/clear-41.keys"
as_approved kim boss keys import --remove-clear "$TEST_TMP/clear-41.keys"
is "$rc" 0 "import --remove-clear"
like "$out" "the clear file .*clear-41.keys was overwritten and removed" "says so"
test -e "$TEST_TMP/clear-41.keys"
is "$?" 1 "the clear file is gone"
test -e "$KEYDIR/master-41.keys"
is "$?" 0 "the wrapped one is in the key store"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.import' AND detail = 'clear file removed'")" \
    2 "each removal is audited"
{ printf 'test = no\nkvn = 42\nalgorithm = AES-128\n'
  printf 'enc = 606162636465666768696a6b6c6d6e6f\n'
  printf 'mac = 606162636465666768696a6b6c6d6e6f\ndek = 606162636465666768696a6b6c6d6e6f\n'; } \
    >"$TEST_TMP/clear-42.keys"
as_approved kim boss keys import --keep-clear "$TEST_TMP/clear-42.keys"
is "$rc" 0 "import --keep-clear"
test -e "$TEST_TMP/clear-42.keys"
is "$?" 0 "keeps the clear file"
like "$out" "--keep-clear: the clear file .*clear-42.keys stays" "and says so"

done_testing
