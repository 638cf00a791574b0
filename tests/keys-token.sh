#!/bin/sh
# Keys in a PKCS#11 token (keys.store = pkcs11, docs/keys.md 4.9) through
# pcscd and the emulator: a SoftHSM2 token made in the scratch directory,
# the shipped test keys imported into it (the clear copies removed), a
# Juki card and a blank standalone card issued with the token doing the
# diversification and the key-record signature; both cards then verify
# with the file key store too (the token derives the same card keys). A
# wrong PIN, a PIN file readable by others, a missing token, module or
# key label each give a clear error that leaves store and card as they
# were; the PIN never shows. A token failing mid-issue (fault hook) leaves
# an unfinished row and card that the next issue completes. Key creation
# and rotation in the token.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/token.sh"

token_have || skip_all "SoftHSM2 is needed (Debian softhsm2)"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"

# ---- the token, in the scratch directory
token_setup
(umask 077; printf '999999\n' >"$TEST_TMP/badpin")
TCONF=$TEST_TMP/token.conf
tconf "$TCONF"
# tnhi ARGS: nhicard with the token key store; t2nhi CONF ARGS: another one.
tnhi() { run "$NHICARD" --config "$TCONF" --db "$DB" --reader "$PCSC_READER" "$@"; }
t2nhi() { _c=$1; shift; run "$NHICARD" --config "$_c" --db "$DB" --reader "$PCSC_READER" "$@"; }

pcsc_start
make_store "$DB"

# ---- import the shipped test keys (copies: the import removes them)
mkdir "$TEST_TMP/import"
for f in test-master-30.keys test-transport-ff.keys test-municipality.key; do
	cp "$KEYS/$f" "$TEST_TMP/import/$f"
	tnhi keys import "$TEST_TMP/import/$f"
	is "$rc" 0 "keys import $f into the token"
	[ -e "$TEST_TMP/import/$f" ]
	is "$?" 1 "the clear copy of $f is removed"
done
like "$out" "^imported pkcs11:town/municipality \(sensitive, not extractable\)$" \
    "the signing key went into the token"
tnhi keys import "$KEYS/test-master-30.keys" --keep-clear
is "$rc" 2 "keys import FILE --keep-clear: the option goes first"
tnhi keys import --keep-clear "$KEYS/test-master-30.keys"
is "$rc" 0 "importing the same key version 30 again makes nothing (a stopped import's rerun)"
like "$out" "pkcs11:town/master-30 already holds this key: an import stopped before it finished" \
    "and says the token already holds it"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.import' AND subject = 'pkcs11:town/master-30'
    AND detail LIKE 'import %'")" 1 "one import entry for it"
# Another key under a label taken is refused, naming the label.
sed 's/^enc = .*/enc = 404142434445464748494a4b4c4d4e4f/; /^enc-kcv/d' "$KEYS/test-master-30.keys" \
    >"$TEST_TMP/other-30.keys"
tnhi keys import --keep-clear "$TEST_TMP/other-30.keys"
is "$rc" 3 "importing another key as version 30 is refused"
like "$out" "the label 'master-30-enc' is taken" "the refusal names the label"
[ -e "$KEYS/test-master-30.keys" ]
is "$?" 0 "--keep-clear left the shipped file"

tnhi keys list
is "$rc" 0 "keys list with the token"
enc=$(sed -n 's/^enc-kcv = //p' "$KEYS/test-master-30.keys")
mac=$(sed -n 's/^mac-kcv = //p' "$KEYS/test-master-30.keys")
like "$out" "master-30-enc/mac/dek: key version 30, AES-128, KCV ENC $enc MAC $mac" \
    "the token computes the KCVs of the file's keys"
like "$out" "master-ff-enc/mac/dek: key version FF" "the transport set is there too"
like "$out" "municipality: EC P-256 signing key, key id [0-9a-f]{16}" "and the signing key"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.import' AND subject LIKE 'pkcs11:town/%'
    AND outcome = 'ok'")" 7 "each import, each removed clear file and the kept one of the import again are audited"

# ---- a Juki card issued with the token
# The card's keys and the SCP03 session keys stay in the token too
# (docs/keys.md 4.9): NHICARD_TEST_KEYS_IN_TOKEN (a --enable-test-hooks
# build) makes every AES with key bytes in the station's memory fail, so
# the issues, verifications and PUT KEY below pass only if the token
# derived the keys and ran the secure channel with handles.
# (Exported after the emulator started: the card side has bytes. That
# the hook refuses the file store's path is checked in
# tests/unit/test-crypto-token.c.)
insert_card "$TEST_TMP/juki" juki
NHICARD_TEST_KEYS_IN_TOKEN=1
export NHICARD_TEST_KEYS_IN_TOKEN
tnhi issue 1
is "$rc" 0 "issue with keys in the token exits 0"
like "$out" "^card: juki_existing, serial [0-9a-f]{20}: personalized \(11 APDUs\)$" \
    "the card is personalized through pcscd"
tnhi card verify
is "$rc" 0 "the card verifies with the token"
like "$out" "verdict: valid" "valid with the token"
unset NHICARD_TEST_KEYS_IN_TOKEN
nhi card verify
is "$rc" 0 "the same card verifies with the file key store"
like "$out" "verdict: valid" "the token's diversification equals the files'"
nhi card inspect
like "$out" "^  signature: verifies$" "the key record the token signed verifies with the file's key"

# ---- a blank standalone card: transport keys FF replaced by version 30
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "John SMITH" \
    --name-kana "ジョン スミス" --birth 1985-05-05 --sex 1 --address "東京都千代田区神田3-3" \
    --nationality US --residence-status 技術 --stay-until 2030-01-01 >/dev/null
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
    --number 4 --kind hihokensha --acquired 2020-04-01 2 >/dev/null
insert_card "$TEST_TMP/standalone" standalone
NHICARD_TEST_KEYS_IN_TOKEN=1
export NHICARD_TEST_KEYS_IN_TOKEN
tnhi issue --path standalone 2
unset NHICARD_TEST_KEYS_IN_TOKEN
is "$rc" 0 "a blank standalone card issued with the token"
is "$(printf '%s' "$out" | grep -c 'test hook')" 0 \
    "transport keys, PUT KEY (wrapped by the token) and session keys all in the token"
nhi card inspect
like "$out" "^key versions: 30 \(municipality\)$" "the card got the town's keys written by PUT KEY"
nhi card verify
is "$rc" 0 "the standalone card verifies with the file key store"

# ---- errors: store and card unchanged, the PIN never shown
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "Jane DOE" \
    --name-kana "ジェーン ドウ" --birth 1990-06-06 --sex 2 --address "東京都千代田区神田3-4" \
    --nationality US --residence-status 技術 --stay-until 2030-01-01 >/dev/null
"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
    --number 5 --kind hihokensha --acquired 2020-04-01 3 >/dev/null
insert_card "$TEST_TMP/standalone2" standalone
rows() { sql "SELECT count(*) || '/' || (SELECT count(*) FROM card_events) FROM cards"; }
n0=$(rows)

tconf "$TEST_TMP/badpin.conf"
sed -i "s|^pkcs11_pin_file = .*|pkcs11_pin_file = $TEST_TMP/badpin|" "$TEST_TMP/badpin.conf"
t2nhi "$TEST_TMP/badpin.conf" issue --path standalone 3
is "$rc" 1 "a wrong PIN: exit 1"
like "$out" "token 'town': the user PIN was refused: wrong PIN" "the error says the PIN is wrong"
unlike "$out" "999999" "the PIN is not shown"

chmod 644 "$TEST_TMP/pin"
tnhi issue --path standalone 3
is "$rc" 3 "a PIN file readable by others: exit 3"
like "$out" "keys.pkcs11_pin_file: .*/pin is readable or writable by others \(mode 0644\)" \
    "the error names the file and says chmod 600"
unlike "$out" "402153" "the PIN is not shown"
chmod 600 "$TEST_TMP/pin"

tconf "$TEST_TMP/notoken.conf"
sed -i 's|^pkcs11_token = .*|pkcs11_token = county-hsm|' "$TEST_TMP/notoken.conf"
t2nhi "$TEST_TMP/notoken.conf" issue --path standalone 3
is "$rc" 5 "a missing token: exit 5"
like "$out" "keys.pkcs11_token: no token labelled 'county-hsm'" "the error names the token"

tconf "$TEST_TMP/nomodule.conf"
sed -i "s|^pkcs11_module = .*|pkcs11_module = $TEST_TMP/no-such-module.so|" \
    "$TEST_TMP/nomodule.conf"
t2nhi "$TEST_TMP/nomodule.conf" issue --path standalone 3
is "$rc" 3 "a missing module: exit 3"
like "$out" "keys.pkcs11_module: cannot load .*no-such-module.so" "the error names the module"

printf '[card]\nkvn = 44\n' >>"$TCONF"
tnhi issue --path standalone 3
is "$rc" 5 "a key version the token does not hold: exit 5"
like "$out" "token 'town': no secret key labelled 'master-44-enc'" "the error names the label"
tconf "$TCONF"

is "$(rows)" "$n0" "nothing was recorded for the refusals"
nhi card inspect
like "$out" "^key versions: FF \(transport\)$" "the card still has its transport keys"
like "$out" "^NHI AP: absent$" "and no NHI AP"

# The token fails in the middle of the issue (the fault hook of a
# --enable-test-hooks build), first while deriving the card's keys ...
state3() { sql "SELECT group_concat(state) FROM cards WHERE resident_id = 3"; }
NHICARD_TEST_TOKEN_FAIL=derive
export NHICARD_TEST_TOKEN_FAIL
tnhi issue --path standalone 3
unset NHICARD_TEST_TOKEN_FAIL
is "$rc" 5 "the token failing while deriving the card's keys: exit 5"
like "$out" "token 'town': deriving a key \(AES-ECB-ENCRYPT-DATA\): device removed" \
    "the error names the derivation"
is "$(state3)" "unfinished" "the attempt is recorded unfinished, never active"
nhi card inspect
like "$out" "^key versions: FF \(transport\)$" "the card keeps its transport keys"
# ... while computing the cryptograms with the session MAC key ...
NHICARD_TEST_TOKEN_FAIL=cmac
export NHICARD_TEST_TOKEN_FAIL
tnhi issue --path standalone 3
unset NHICARD_TEST_TOKEN_FAIL
is "$rc" 5 "the token failing during the card session: exit 5"
like "$out" "token 'town': AES-CMAC: device removed .*is the token connected\?" \
    "the error says the token is gone"
is "$(state3)" "unfinished" "the attempt is recorded unfinished, never active"
nhi card inspect
like "$out" "^key versions: FF \(transport\)$" "the card keeps its transport keys"
like "$out" "^NHI AP: absent$" "and has no NHI AP"

# ... then while signing the key record, after the card's keys were replaced.
NHICARD_TEST_TOKEN_FAIL=ecdsa
export NHICARD_TEST_TOKEN_FAIL
tnhi issue --path standalone 3
unset NHICARD_TEST_TOKEN_FAIL
is "$rc" 5 "the token failing at the key-record signature: exit 5"
like "$out" "token 'town': ECDSA: device removed" "the error names the signature"
is "$(state3)" "unfinished" "still one unfinished row"
nhi card inspect
like "$out" "^NHI AP: LCS 01 creation \(not valid\)$" "the card holds an unfinished NHI AP, not a valid one"
like "$out" "^key record: none$" "and no key record"

tnhi issue --path standalone 3
is "$rc" 0 "the same card is issued once the token and configuration are right"
is "$(state3)" "active" "the same row ends active"
nhi card verify
like "$out" "verdict: valid" "and the card verifies with the file store"

# ---- the queue's CMS signature by the token (queue.station_key = pkcs11:...)
{ printf 'test = yes\ncurve = P-256\n'; sed -n '/-----BEGIN/,$p' "$KEYS/test-station.key"; } \
    >"$TEST_TMP/import/station.key"
tnhi keys import --label queue-station "$TEST_TMP/import/station.key"
is "$rc" 0 "keys import --label queue-station: the queue key into the token"
fp=$(openssl x509 -in "$KEYS/test-center.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
qconf() {
	cp "$TCONF" "$1"
	printf '[queue]\nstation_key = %s\nstation_cert = %s\ncenter_cert = %s\ncenter_fingerprint = %s\n' \
	    "$2" "$KEYS/test-station.crt" "$KEYS/test-center.crt" "$fp" >>"$1"
}
qconf "$TEST_TMP/q.conf" pkcs11:queue-station
mkdir "$TEST_TMP/out"
t2nhi "$TEST_TMP/q.conf" queue export "$TEST_TMP/out"
is "$rc" 0 "queue export signs with the token's key"
b=$(ls "$TEST_TMP/out"/*.cms)
openssl cms -decrypt -binary -inform DER -in "$b" -recip "$KEYS/test-center.crt" \
    -inkey "$KEYS/test-center.key" -out "$b.signed" 2>/dev/null &&
openssl cms -verify -binary -inform DER -in "$b.signed" -CAfile "$KEYS/test-queue-ca.crt" \
    -purpose any -out "$b.txt" 2>/dev/null
is "$?" 0 "the stock openssl cms decrypts the batch and verifies the token's signature"
like "$(head -1 "$b.txt")" '^\{"format":"nhicard-queue-batch"' "and it is the batch"
qconf "$TEST_TMP/q2.conf" pkcs11:municipality
mkdir "$TEST_TMP/out2"
t2nhi "$TEST_TMP/q2.conf" queue export "$TEST_TMP/out2"
is "$rc" 3 "a token key that is not the certificate's is refused"
like "$out" "the station key does not match certificate" "saying so"
cp "$CONF" "$TEST_TMP/q3.conf"
printf '[queue]\nstation_key = pkcs11:queue-station\nstation_cert = %s\ncenter_cert = %s\ncenter_fingerprint = %s\n' \
    "$KEYS/test-station.crt" "$KEYS/test-center.crt" "$fp" >>"$TEST_TMP/q3.conf"
t2nhi "$TEST_TMP/q3.conf" queue export "$TEST_TMP/out2"
is "$rc" 3 "a pkcs11: key without keys.store = pkcs11 is refused"
like "$out" "queue.station_key = pkcs11:queue-station names a key in a PKCS#11 token, but keys.store is not pkcs11" \
    "naming the setting"
is "$(ls "$TEST_TMP/out2" | wc -l)" 0 "no batch file was written for the refusals"

# ---- creation and rotation inside the token
tnhi keys create --kvn 30
is "$rc" 3 "keys create of a version the token holds is refused"
tnhi keys rotate
is "$rc" 0 "keys rotate in the token"
like "$out" "^created pkcs11:town/master-31 \(generated in the token, not extractable\)$" \
    "rotation generates version 31 in the token"
like "$out" "master-31-enc/mac/dek: key version 31, AES-128, KCV ENC [0-9a-f]{6}" \
    "with its check values"
tnhi keys passwd
is "$rc" 2 "keys passwd does not apply to a token"
like "$out" "changed with the token's own tools" "and says how the PIN is changed"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate'
    AND subject = 'pkcs11:town/master-31'")" 1 "the rotation is audited"

done_testing
