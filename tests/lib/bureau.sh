# bureau.sh: the card bureau's side of the pre-issuance loop done with the
# stock openssl command (docs/batch.md "The bureau's loop"), for the tests
# of sign-keys and import-result (after common.sh, perso.sh, preissue.sh):
# a bureau key pair and another one, the station configured for them, and
# helpers that open the station's files and seal the bureau's.

K=$top_srcdir/keys
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
for _b in bureau other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/O=test/CN=$_b" \
	    -keyout "$TEST_TMP/$_b.key" -out "$TEST_TMP/$_b.crt" 2>/dev/null ||
	    bail "openssl req for $_b"
done
cat >>"$CONF" <<EOC
[queue]
station_key = $K/test-station.key
station_cert = $K/test-station.crt
[batch]
bureau_cert = $TEST_TMP/bureau.crt
bureau_fingerprint = $(fingerprint "$TEST_TMP/bureau.crt")
EOC

# bureau_open FILE: decrypt with the bureau's key and verify the station's
# signature, as a bureau does; the text on stdout.
bureau_open() {
	openssl cms -decrypt -binary -inform DER -in "$1" -recip "$TEST_TMP/bureau.crt" \
	    -inkey "$TEST_TMP/bureau.key" -out "$1.signed" 2>/dev/null &&
	openssl cms -verify -binary -inform DER -in "$1.signed" \
	    -CAfile "$K/test-queue-ca.crt" -purpose any -out "$1.txt" 2>/dev/null &&
	cat "$1.txt"
}

# bureau_seal TEXT-FILE OUT [SIGNER]: sign as the bureau (or as SIGNER:
# "other") and encrypt to the station's certificate.
bureau_seal() {
	_s=${3:-bureau}
	openssl cms -sign -binary -nodetach -nosmimecap -outform DER -in "$1" \
	    -signer "$TEST_TMP/$_s.crt" -inkey "$TEST_TMP/$_s.key" -out "$2.signed" \
	    2>/dev/null &&
	openssl cms -encrypt -binary -aes256 -outform DER -in "$2.signed" -out "$2" \
	    "$K/test-station.crt" 2>/dev/null || bail "bureau_seal $1"
}

# card_pub NAME: a fresh P-256 key pair (as a card's GENERATE makes one)
# kept in $TEST_TMP/NAME.pem; its public point in hex on stdout.
card_pub() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$TEST_TMP/$1.pem" 2>/dev/null &&
	openssl ec -in "$TEST_TMP/$1.pem" -pubout -outform DER 2>/dev/null | tail -c 65 |
	    od -An -tx1 | tr -d ' \n'
}

# bureau_file PASS STATION RUN LINES-FILE OUT: the text of a keys or
# result file around the record lines.
bureau_file() {
	_n=$(grep -c . "$4")
	{
		printf 'nhicard-bureau-result 1\npass %s\nstation %s\nrun %s\n' "$1" "$2" "$3"
		printf 'created 2026-11-30T01:00:00Z\nrecords %s\n' "$_n"
		cat "$4"
		printf 'end %s\n' "$_n"
	} >"$5"
}
