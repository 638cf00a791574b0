# queue.sh: what the queue tests share: a store with a few queued records,
# a [queue] configuration with the test keys, and acknowledgements signed
# as the center signs them (docs/queue-format.md). Source after common.sh.

SQLITE3=${SQLITE3:-sqlite3}
K="$top_srcdir/keys"
gen="$top_builddir/bench/gen-extract"
[ -x "$gen" ] || bail "bench/gen-extract not built"
command -v openssl >/dev/null || skip_all "no openssl command"

fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }

# queue_config FILE [CENTER_CERT [FINGERPRINT]]
queue_config() {
	cat > "$1" <<EOC
[station]
mode = ${QUEUE_MODE:-test}
[rules]
law = pilot
[queue]
station_key = $K/test-station.key
station_cert = $K/test-station.crt
center_cert = ${2:-$K/test-center.crt}
center_fingerprint = ${3:-$(fingerprint "${2:-$K/test-center.crt}")}
EOC
}

# queue_store DB RESIDENTS: a store whose residents' periods are queued.
queue_store() {
	# The store records the station's mode when it is created.
	printf '[station]\nmode = %s\n' "${QUEUE_MODE:-test}" >"$1.conf"
	"$NHICARD" --config "$1.conf" --db "$1" db init >/dev/null || bail "db init"
	"$gen" --residents "$2" --seed 5 -o "$TEST_TMP/x-$2.csv" 2>/dev/null || bail "gen"
	"$NHICARD" --db "$1" import "$TEST_TMP/x-$2.csv" >/dev/null || bail "import"
}

station_of() { "$SQLITE3" "$1" "SELECT value FROM meta WHERE key = 'station_id'"; }
q() { "$SQLITE3" "$1" "$2"; }

# make_ack OUT STATION SERIAL THROUGH [EXTRA_LINES [KEY CERT]]: a signed ack.
make_ack() {
	printf 'nhicard-queue-ack 1\nstation %s\nserial %s\ncreated 2026-11-25T01:00:00Z\nthrough %s\n%send\n' \
	    "$2" "$3" "$4" "${5:-}" > "$1.txt"
	openssl cms -sign -binary -nodetach -outform DER -in "$1.txt" \
	    -signer "${7:-$K/test-center.crt}" -inkey "${6:-$K/test-center.key}" -out "$1" ||
	    bail "openssl cms -sign"
}

# open_batch FILE [KEY CERT]: decrypt and verify a batch with the stock
# openssl command, as the center would; prints the content.
open_batch() {
	openssl cms -decrypt -binary -inform DER -in "$1" -recip "${3:-$K/test-center.crt}" \
	    -inkey "${2:-$K/test-center.key}" -out "$1.signed" 2>/dev/null &&
	openssl cms -verify -binary -inform DER -in "$1.signed" -CAfile "$K/test-queue-ca.crt" \
	    -purpose any -out "$1.txt" 2>/dev/null && cat "$1.txt"
}
