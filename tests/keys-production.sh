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

# Relabelled (issue 16 item 4): the same published keys renamed and their
# `test = yes` line changed to `test = no` are still refused, known by
# their key check values and public-key fingerprints.
RELABEL=$TEST_TMP/relabel
mkdir -p "$RELABEL"
for f in master-30.keys transport-ff.keys municipality.key; do
	sed -e 's/^test = yes$/test = no/' -e '/TEST KEY/d' "$top_srcdir/keys/test-$f" \
	    >"$RELABEL/$f"
done
chmod 600 "$RELABEL"/*
grep -q "test = yes" "$RELABEL"/* && bail "relabel failed"
sed -i "s|^dir = .*|dir = $RELABEL|" "$CONF"
as carol --reader "no such reader" issue --path new-juki 1
is "$rc" 1 "relabelled test master keys are refused in production (exit 1)"
like "$out" "relabel/master-30.keys: test keys refused in production mode: these are the published test keys \(by their key check values\)" \
    "naming the file and how they were recognized"
unlike "$out" "[0-9a-f]{32}" "no key material in the message"
is "$(sql "SELECT count(*) FROM cards")" 0 "no card row was started"
# (The relabelled signing key alone: tests/unit/test-crypto-keys.c.)

# Queue keys and certificates: relabelled, or any certificate naming the
# test CA, are refused before a batch is built.
for f in station.key station.crt center.crt; do
	sed -e 's/^test = yes$/test = no/' "$top_srcdir/keys/test-$f" >"$RELABEL/q-$f"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/O=nhicard TEST/CN=nhicard TEST queue CA" -keyout "$RELABEL/fake-ca.key" \
    -out "$RELABEL/fake-ca.crt" 2>/dev/null || bail "openssl req"
cat >>"$CONF" <<EOC
[queue]
station_key = $RELABEL/q-station.key
station_cert = $RELABEL/q-station.crt
center_cert = $RELABEL/q-center.crt
center_fingerprint = $(openssl x509 -in "$RELABEL/q-center.crt" -noout -fingerprint -sha256 | cut -d= -f2)
EOC
mkdir -p "$TEST_TMP/media"
as carol queue export "$TEST_TMP/media"
is "$rc" 1 "relabelled test queue keys are refused in production (exit 1)"
like "$out" "queue.station_key .*q-station.key is a TEST key or certificate" "naming the key"
sed -i "s|^station_key = .*|station_key = $RELABEL/fake-ca.key|; s|^station_cert = .*|station_cert = $RELABEL/fake-ca.crt|" "$CONF"
as carol queue export "$TEST_TMP/media"
is "$rc" 1 "a new certificate whose subject names the test CA is refused"
like "$out" "queue.station_cert .*fake-ca.crt is a TEST key or certificate" "naming it"
is "$(ls "$TEST_TMP/media" | wc -l)" 0 "no batch was written"

unset NHICARD_TEST_VIRTUAL_READER
# The vpcd virtual reader is refused in production unless allowed (issue
# 16 item 10): its "card" is a program anyone on the machine can run.
sed -i "s|^dir = .*|dir = $KEYDIR|" "$CONF"
as carol --reader "Virtual PCD 00 00" card status
is "$rc" 1 "production: a reader named like the vpcd virtual reader is refused (exit 1)"
like "$out" "reader 'Virtual PCD 00 00' is the vpcd virtual reader.*refused in production mode" \
    "saying why and how a test bench allows it"
printf '[card]\nallow_virtual_reader = yes\n' >>"$CONF"
as carol --reader "Virtual PCD 00 00" card status
unlike "$out" "vpcd virtual reader" "card.allow_virtual_reader = yes lets it through to PC/SC"

# A clear queue signing key readable by others is refused in production
# (issue 16 item 9); mode 0600 passes that check.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$RELABEL/own.key" \
    2>/dev/null || bail "openssl genpkey"
openssl req -x509 -new -key "$RELABEL/own.key" -days 2 -subj "/O=Town/CN=station ST01" \
    -out "$RELABEL/own.crt" 2>/dev/null || bail "openssl req"
chmod 644 "$RELABEL/own.key"
sed -i "s|^station_key = .*|station_key = $RELABEL/own.key|; s|^station_cert = .*|station_cert = $RELABEL/own.crt|" "$CONF"
sed -i "/^center_cert = /d; /^center_fingerprint = /d" "$CONF"
as carol queue export "$TEST_TMP/media"
is "$rc" 5 "a queue signing key readable by others is refused in production (exit 5)"
like "$out" "queue.station_key .*own.key is readable or writable by others \(mode 0644\)" \
    "naming the key, its mode and the fix"
unlike "$out" "BEGIN|PRIVATE" "no key material in the message"
chmod 600 "$RELABEL/own.key"
as carol queue export "$TEST_TMP/media"
unlike "$out" "readable or writable by others" "mode 0600 passes"

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
