#!/bin/sh
# A station whose certificate the stations' CA revoked (issue 22): the
# center is given the CA's revocation list (`serve --crl`, `import --crl`)
# and reads it again when the file changes, without a restart. A batch
# signed with, or sent over a connection of, a revoked certificate is
# refused with 403 and the reason code revoked_certificate, the attempt is
# logged, nothing is stored, and the station says so and keeps its
# records. A list not signed by the CA is refused at start and, replacing
# the file later, leaves the list in force. Both engines (-pg.sh).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
center_tls

send() { "$NHICARD" --db st.db --config st.conf queue send; }

# The CA's bookkeeping for `openssl ca`: revoked serials and CRLs.
mkdir ca
: > ca/index.txt
echo 01 > ca/crlnumber
cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = $TEST_TMP/ca/index.txt
crlnumber = $TEST_TMP/ca/crlnumber
certificate = $KEYS/test-queue-ca.crt
private_key = $KEYS/test-queue-ca.key
default_md = sha256
default_crl_days = 2
CNF
crl() { # crl OUT: the CRL of what ca/index.txt revokes, signed by the CA
	openssl ca -config ca.cnf -gencrl -out "$1" 2>/dev/null || bail "openssl ca -gencrl"
}
revoke() { # revoke CERT
	openssl ca -config ca.cnf -revoke "$1" -crl_reason keyCompromise 2>/dev/null ||
	    bail "openssl ca -revoke $1"
}
crl empty.crl

# A second certificate for the station's TLS connection (same name, its own
# serial): revoked alone, the batches are still signed by a good one.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=nhicard TEST/CN=nhicard TEST station ST01" -keyout tlsst.key \
    -out tlsst.csr 2>/dev/null &&
openssl x509 -req -in tlsst.csr -CA "$KEYS/test-queue-ca.crt" \
    -CAkey "$KEYS/test-queue-ca.key" -set_serial 7777 -days 2 \
    -out tlsst.crt 2>/dev/null || bail "the station's TLS certificate"

# A CRL that is not the CA's: refused at start, naming the file.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=nhicard TEST/CN=nhicard TEST queue CA" -days 2 -keyout other.key \
    -out other.crt 2>/dev/null || bail "other CA"
sed "s|$KEYS/test-queue-ca.crt|$TEST_TMP/other.crt|; s|$KEYS/test-queue-ca.key|$TEST_TMP/other.key|" \
    ca.cnf > other.cnf
openssl ca -config other.cnf -gencrl -out forged.crl 2>/dev/null || bail "forged CRL"
run "$CENTER" --db "$CENTER_DB" serve --key "$KEYS/test-center.key" \
    --cert "$KEYS/test-center.crt" --ca "$KEYS/test-queue-ca.crt" --port 0 \
    --crl forged.crl
ok "$([ "$rc" -ne 0 ]; echo $?)" "a CRL not signed by the stations' CA: the center does not start"
like "$out" "stations' CRL forged.crl: list 1 is not issued and signed by a certificate of the stations' CA" \
    "the refused list is named"
printf 'not a CRL\n' > junk.crl
run "$CENTER" --db "$CENTER_DB" serve --key "$KEYS/test-center.key" \
    --cert "$KEYS/test-center.crt" --ca "$KEYS/test-queue-ca.crt" --port 0 --crl junk.crl
ok "$([ "$rc" -ne 0 ]; echo $?)" "a file that holds no CRL: the center does not start"
like "$out" "junk.crl: no certificate revocation list in it" "the file is named"
run "$CENTER" --db "$CENTER_DB" serve --key "$KEYS/test-center.key" \
    --cert "$KEYS/test-center.crt" --ca "$KEYS/test-queue-ca.crt" --port 0 --crl missing.crl
ok "$([ "$rc" -ne 0 ]; echo $?)" "a missing CRL file: the center does not start"
like "$out" "missing.crl" "the missing file is named"

station_db st.db 60
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")

# The center starts with a list that revokes nothing.
cp empty.crl stations.crl
CENTER_ARGS="--crl stations.crl" center_start
station_conf st.conf "$CENTER_URL"
printf 'push_batch = 10\n' >> st.conf
like "$(cat center.log)" "stations' CRL stations.crl: 0 revoked certificate" \
    "the center logs the list it read"

# The CA revokes the station's certificate; the file is replaced while the
# center runs.
revoke "$KEYS/test-station.crt"
crl new.crl
mv new.crl stations.crl
run send
is "$rc" 1 "revoked station: the send fails (exit 1)"
like "$out" "not delivered, they stay queued: center https://127.0.0.1:[0-9]+ refused the station: REFUSED: revoked_certificate: the (TLS client|batch's signer) certificate 'nhicard TEST station ST01' \(serial 17CAF8530E157015CCE4AFB5EA5ECAE06FF5462E\) was revoked on 20[0-9-]+T" \
    "revoked station: the station names the revocation, the certificate and that the records stay queued"
is "$(center_held ST01)" 0 "revoked station: nothing is stored"
is "$(center_sql "SELECT count(*) FROM station")" 0 "revoked station: not even the station's row"
is "$(station_open st.db)" "$n" "revoked station: every record is still open at the station"
is "$(station_through st.db)" 0 "revoked station: the station applied no acknowledgement"
like "$(cat center.log)" "stations' CRL stations.crl read again: 1 revoked certificate" \
    "the center read the new list without a restart"
like "$(cat center.log)" "batch from nhicard TEST station ST01 refused: REFUSED: revoked_certificate" \
    "the refused attempt is logged"
like "$(cat center.log)" "POST /batch from 127.0.0.1 \(nhicard TEST station ST01\): 403" \
    "the request log shows the 403"

# A file replaced by one that does not verify: the list stays in force.
cp forged.crl stations.crl
run send
is "$rc" 1 "a forged list replacing the CRL: still refused"
like "$out" "revoked_certificate" "a forged list replacing the CRL: the reason is revocation"
like "$(cat center.log)" "stations' CA .*; the list read before stays in force" \
    "the forged list is logged and ignored"
is "$(center_held ST01)" 0 "a forged list replacing the CRL: nothing is stored"

# The batch's signer is revoked but the TLS certificate is good (the signer
# check, the one the media path shares).
sed -i "s|^client_cert = .*|client_cert = $TEST_TMP/tlsst.crt|; s|^client_key = .*|client_key = $TEST_TMP/tlsst.key|" st.conf
crl stations.crl
run send
is "$rc" 1 "revoked signer, good connection: refused"
like "$out" "revoked_certificate: the batch's signer certificate 'nhicard TEST station ST01'" \
    "the signer's revocation is named"
is "$(center_held ST01)" 0 "revoked signer: nothing is stored"
center_stop

# On media: import --crl refuses the batch file, writes no acknowledgement.
mkdir m1
"$NHICARD" --db st.db --config st.conf queue export m1 >/dev/null || bail "queue export"
run "$CENTER" --db "$CENTER_DB" import --key "$KEYS/test-center.key" \
    --cert "$KEYS/test-center.crt" --ca "$KEYS/test-queue-ca.crt" --crl stations.crl m1
ok "$([ "$rc" -ne 0 ]; echo $?)" "media: the import of a revoked station's batch fails"
like "$out" "revoked_certificate: the batch's signer certificate" "media: the revocation is named"
is "$(ls m1/*.ack 2>/dev/null | wc -l | tr -d ' ')" 0 "media: no acknowledgement is written"
is "$(center_held ST01)" 0 "media: nothing is stored"

# Now only the TLS certificate is revoked (a new CA bookkeeping): the
# batches are signed by the station's good certificate, the connection's
# is refused.
: > ca/index.txt
revoke tlsst.crt
crl stations.crl
CENTER_ARGS="--crl stations.crl" center_start
station_conf st.conf "$CENTER_URL"
printf 'push_batch = 10\n' >> st.conf
sed -i "s|^client_cert = .*|client_cert = $TEST_TMP/tlsst.crt|; s|^client_key = .*|client_key = $TEST_TMP/tlsst.key|" st.conf
run send
is "$rc" 1 "revoked TLS certificate, good signer: refused"
like "$out" "revoked_certificate: the TLS client certificate 'nhicard TEST station ST01' \(serial 1E61\)" \
    "the connection's revocation is named with its serial"
is "$(center_held ST01)" 0 "revoked TLS certificate: nothing is stored"

# The station gets its good certificate back: the records are taken once,
# without restarting the center.
station_conf st.conf "$CENTER_URL"
printf 'push_batch = 10\n' >> st.conf
run send
is "$rc" 0 "the station with a good certificate: the send exits 0"
is "$(center_held ST01)" "$n" "every record is stored"
is "$(center_dups)" "" "no record is stored twice"
is "$(station_through st.db)" "$n" "the station's view: through $n"
is "$(station_open st.db)" 0 "nothing is open at the station"
center_stop

done_testing
