# pg.sh: a throwaway PostgreSQL cluster for the center's tests on
# PostgreSQL (issue 22), as pcsc.sh starts its own pcscd: initdb into a
# new temporary directory, the server on a Unix socket in that directory
# only (listen_addresses is empty: no TCP port is opened, so nothing else
# on the machine can reach it and the port number, which only names the
# socket file, is always free), trust authentication for that socket, and
# stopped and removed on exit. Nothing connects to a server it did not
# start.
#
# initdb refuses to run as root: as root the cluster belongs to the
# `postgres` user (the Debian package's; tools/setup installs it) and its
# programs run through runuser; its directory is made for that user alone.
#
#   pg_start        start the cluster; sets PG_DIR, PG_HOST, PG_PORT and
#                   PG_CONN (a libpq conninfo for the database `postgres`)
#   pg_stop         stop it (immediate) and remove its directory
#   pg_halt         stop the server but keep the cluster (the fault tests)
#   pg_resume       start it again after pg_halt
#   pg_createdb N   a new database N
#   pg_sql DB SQL   run SQL, rows as sqlite3 prints them (a|b)
#   pg_replica      a streaming standby of the cluster (pg_basebackup -R),
#                   on the next port's socket in the same directory; sets
#                   PG_REPLICA_PORT (stopped with the cluster)
#   pg_replica_sql DB SQL   pg_sql on the standby
#
# Needs: common.sh sourced.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PSQL=${PSQL:-psql}

_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "${PG_USER:-postgres}" -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || bail "PostgreSQL server not found ($PG_BIN): run tools/setup"
	command -v "$PSQL" >/dev/null || bail "psql not found: run tools/setup"
	# In /tmp (PG_TMPDIR), not $TMPDIR: the cluster's user must reach it,
	# and the socket's path must stay short (108 bytes at most).
	PG_DIR=$(mktemp -d "${PG_TMPDIR:-/tmp}/nhicard-pg.XXXXXX") || bail "mktemp (pg)"
	at_exit "pg_stop"
	if [ "$(id -u)" -eq 0 ]; then
		id "${PG_USER:-postgres}" >/dev/null 2>&1 ||
		    bail "as root the test cluster runs as user ${PG_USER:-postgres}: none"
		chown "${PG_USER:-postgres}" "$PG_DIR" || bail "chown $PG_DIR"
	fi
	chmod 700 "$PG_DIR"
	PG_HOST=$PG_DIR
	PG_PORT=${PG_PORT:-5432}
	_pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U nhicard -E UTF8 \
	    --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
	    { cat "$PG_DIR/initdb.log" >&2; bail "initdb failed"; }
	pg_resume
	PG_CONN="host=$PG_HOST port=$PG_PORT user=nhicard dbname=postgres"
	export PG_DIR PG_HOST PG_PORT PG_CONN
}

pg_resume() {
	# fsync off: a test cluster is thrown away, a crash costs nothing
	# (the benchmarks set PG_OPTS, fsync on, as a center would run).
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 600 \
	    -o "-c listen_addresses='' -k $PG_DIR -p $PG_PORT ${PG_OPTS--c fsync=off}" \
	    start >/dev/null 2>&1 ||
	    { tail -20 "$PG_DIR/server.log" >&2; bail "the test PostgreSQL did not start"; }
}

pg_halt() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
	[ -f "$PG_DIR/replica/postmaster.pid" ] &&
	    _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -m immediate -w stop >/dev/null 2>&1
	[ -f "$PG_DIR/data/postmaster.pid" ] && pg_halt
	rm -rf "$PG_DIR"
}

pg_createdb() {
	"$PSQL" -X -q -d "$PG_CONN" -c "CREATE DATABASE \"$1\"" >/dev/null ||
	    bail "cannot create database $1"
}

pg_dropdb() {
	"$PSQL" -X -q -d "$PG_CONN" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
	    >/dev/null || bail "cannot drop database $1"
}

pg_sql() {
	_db=$1
	shift
	"$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 -F "${PG_SEP:-|}" \
	    -d "host=$PG_HOST port=$PG_PORT user=nhicard dbname=$_db" -c "$*"
}

pg_replica() {
	PG_REPLICA_PORT=$((PG_PORT + 1))
	_pg_as "$PG_BIN/pg_basebackup" -D "$PG_DIR/replica" -R -X stream \
	    -d "host=$PG_HOST port=$PG_PORT user=nhicard" >"$PG_DIR/basebackup.log" 2>&1 ||
	    { cat "$PG_DIR/basebackup.log" >&2; bail "pg_basebackup failed"; }
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -l "$PG_DIR/replica.log" -w -t 600 \
	    -o "-c listen_addresses='' -k $PG_DIR -p $PG_REPLICA_PORT ${PG_OPTS--c fsync=off}" \
	    start >/dev/null 2>&1 ||
	    { tail -20 "$PG_DIR/replica.log" >&2; bail "the test standby did not start"; }
	export PG_REPLICA_PORT
}

pg_replica_sql() {
	_db=$1
	shift
	"$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 -F "${PG_SEP:-|}" \
	    -d "host=$PG_HOST port=$PG_REPLICA_PORT user=nhicard dbname=$_db" -c "$*"
}
