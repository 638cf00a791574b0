# center.sh: what the center and push tests share: TLS material made at
# test time (signed by the queue's test CA in keys/), a station store with
# records, and nhicard-center started on 127.0.0.1 with a free port (the
# tests wait for its "listening on" line, never a fixed time).
#
# Needs: common.sh sourced, cd "$TEST_TMP".

CENTER=${CENTER:-$top_builddir/center/nhicard-center}
SQLITE3=${SQLITE3:-sqlite3}
KEYS=$top_srcdir/keys
[ -x "$CENTER" ] || bail "center/nhicard-center not built"
command -v openssl >/dev/null || bail "openssl command not found"

# The center's store (issue 22): the SQLite file center.db, or with
# CENTER_ENGINE=pg a database `center` in a throwaway PostgreSQL cluster
# of the test's own (tests/lib/pg.sh). Tests name it "$CENTER_DB" and
# read it with center_sql, so each runs on both engines (the *-pg.sh
# variants in the test list set CENTER_ENGINE=pg).
CENTER_ENGINE=${CENTER_ENGINE:-sqlite}
case $CENTER_ENGINE in
sqlite)
	CENTER_DB=center.db ;;
pg)
	. "$top_srcdir/tests/lib/pg.sh"
	pg_start ;;
*)
	bail "CENTER_ENGINE=$CENTER_ENGINE: expected sqlite or pg" ;;
esac

# center_db_new: an empty store (SQLite: no file; PostgreSQL: a new
# database, migrated).
center_db_new() {
	case $CENTER_ENGINE in
	sqlite)
		rm -f center.db center.db-wal center.db-shm ;;
	pg)
		pg_dropdb center
		pg_createdb center
		CENTER_DB="pg:host=$PG_HOST port=$PG_PORT user=nhicard dbname=center"
		"$CENTER" --db "$CENTER_DB" db migrate >/dev/null ||
		    bail "nhicard-center db migrate"
		# The tests' fixtures write times with SQLite's strftime(FORMAT,
		# 'now', MODIFIER...): the test database has a function of that
		# name for them (the center never calls it), UTC, our one format;
		# and date('now', MODIFIER...).
		pg_sql center "CREATE FUNCTION strftime(f text, b text,
		    VARIADIC m text[] DEFAULT '{}') RETURNS text LANGUAGE sql AS
		    \$\$ SELECT to_char((now() AT TIME ZONE 'UTC') + coalesce((SELECT
		    sum(x::interval) FROM unnest(m) x), '0'),
		    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \$\$" >/dev/null ||
		    bail "the test database's strftime"
		pg_sql center "CREATE FUNCTION date(b text, VARIADIC m text[]
		    DEFAULT '{}') RETURNS text LANGUAGE sql AS \$\$ SELECT
		    substr(strftime('', b, VARIADIC m), 1, 10) \$\$" >/dev/null ||
		    bail "the test database's date" ;;
	esac
}
[ "$CENTER_ENGINE" = pg ] && center_db_new

# center_sql [-s SEP] SQL: rows of the center's store as sqlite3 prints
# them (columns split by | or SEP).
center_sql() {
	_sep='|'
	if [ "$1" = -s ]; then
		_sep=$2
		shift 2
	fi
	case $CENTER_ENGINE in
	sqlite) "$SQLITE3" -separator "$_sep" center.db "$@" ;;
	pg) PG_SEP=$_sep pg_sql center "$@" ;;
	esac
}

# center_tls: the center's TLS certificate for 127.0.0.1 signed by the
# test queue CA (tls.key/tls.crt), and one from another CA (wrong.key,
# wrong.crt) for the wrong-certificate tests.
center_tls() {
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > tls.ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/O=nhicard TEST/CN=127.0.0.1" -keyout tls.key -out tls.csr 2>/dev/null &&
	openssl x509 -req -in tls.csr -CA "$KEYS/test-queue-ca.crt" \
	    -CAkey "$KEYS/test-queue-ca.key" -set_serial 4242 -days 2 \
	    -extfile tls.ext -out tls.crt 2>/dev/null || bail "cannot make the TLS certificate"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/O=nhicard TEST/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	    -days 2 -keyout wrong.key -out wrong.crt 2>/dev/null ||
	    bail "cannot make the wrong TLS certificate"
}

# station_conf FILE [URL]: a station configuration with the test queue keys.
station_conf() {
	fp=$(openssl x509 -in "$KEYS/test-center.crt" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
	cat > "$1" <<CONF
[station]
mode = test
[queue]
station_key = $KEYS/test-station.key
station_cert = $KEYS/test-station.crt
center_cert = $KEYS/test-center.crt
center_fingerprint = $fp
center_url = ${2:-https://127.0.0.1:1}
client_cert = $KEYS/test-station.crt
client_key = $KEYS/test-station.key
center_ca = $KEYS/test-queue-ca.crt
push_timeout = 10
CONF
}

# station_db DB N: a station store (station id ST01, as in the test
# certificate) with N queued records (eligibility of N imported residents).
station_db() {
	# A test station: the store records its mode when it is created.
	printf '[station]\nmode = test\n' >"$1.conf"
	"$NHICARD" --config "$1.conf" --db "$1" db init >/dev/null || bail "db init"
	"$SQLITE3" "$1" "UPDATE meta SET value='ST01' WHERE key='station_id'" ||
	    bail "cannot set the station id"
	"$top_builddir/bench/gen-extract" --residents "$2" --seed 7 -o "$1.csv" \
	    2>/dev/null || bail "gen-extract"
	"$NHICARD" --db "$1" import "$1.csv" >/dev/null || bail "import"
}

# listen_start COMMAND...: start a program that prints "listening on
# 127.0.0.1 PORT" when ready; wait for that line (bounded), set LISTEN_PID
# and LISTEN_PORT. Its stderr goes to listen.log.
listen_start() {
	rm -f listen.fifo
	mkfifo listen.fifo || bail "mkfifo"
	"$@" > listen.fifo 2>> listen.log &
	LISTEN_PID=$!
	at_exit "kill $LISTEN_PID 2>/dev/null"
	line=$(timeout 20 head -n 1 listen.fifo)
	case "$line" in
	"listening on 127.0.0.1 "[0-9]*) LISTEN_PORT=${line##* } ;;
	*) cat listen.log >&2; bail "$1 did not start: '$line'" ;;
	esac
}

# center_start [VAR=VALUE...]: start the intake (store $CENTER_DB) on a free
# port; sets CENTER_PID and CENTER_URL. The variables go to its environment;
# $CENTER_ARGS are more options for `serve`.
center_start() {
	rm -f center.fifo
	mkfifo center.fifo || bail "mkfifo"
	env "$@" "$CENTER" --db "$CENTER_DB" serve --key "$KEYS/test-center.key" \
	    --cert "$KEYS/test-center.crt" --tls-key "${CENTER_TLS_KEY:-tls.key}" \
	    --tls-cert "${CENTER_TLS_CERT:-tls.crt}" --ca "$KEYS/test-queue-ca.crt" \
	    --port 0 ${CENTER_ARGS:-} > center.fifo 2>> center.log &
	CENTER_PID=$!
	line=$(timeout 20 head -n 1 center.fifo)
	port=${line##* }
	case "$line" in
	"listening on 127.0.0.1 "[0-9]*) ;;
	*) cat center.log >&2; bail "nhicard-center did not start: '$line'" ;;
	esac
	CENTER_URL=https://127.0.0.1:$port
	at_exit "kill $CENTER_PID 2>/dev/null"
}

# center_stop: stop the intake and wait for it.
center_stop() {
	kill "$CENTER_PID" 2>/dev/null
	wait "$CENTER_PID" 2>/dev/null
	return 0
}

# center_held STATION: how many records the center holds for a station.
center_held() {
	center_sql "SELECT count(*) FROM record WHERE station_id='$1'"
}

# center_dups: record ids stored more than once (must be empty).
center_dups() {
	center_sql "SELECT station_id, record_id FROM record GROUP BY 1, 2
	    HAVING count(*) > 1"
}

# station_through DB: the center's contiguous mark as the station knows it.
station_through() {
	"$SQLITE3" "$1" "SELECT center_through FROM queue_state"
}

# station_open DB: records neither acknowledged nor rejected.
station_open() {
	"$SQLITE3" "$1" "SELECT count(*) FROM queue_records WHERE acked_at IS NULL
	    AND rejected_at IS NULL"
}
