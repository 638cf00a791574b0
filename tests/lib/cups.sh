# cups.sh: a CUPS scheduler of the test's own (sourced by tests).
#
# cups_start DIR: run cupsd in the foreground of a child, not the system's
# daemon: its ServerRoot, spool, cache, state, logs and backends are under
# DIR; it listens on 127.0.0.1 at a free port and on DIR/cups.sock. Sets
# CUPS_SERVER (libcups and the cups-client commands talk to this cupsd) and
# CUPS_PID. The backend "nhitest" (tests/data/cups-backend-nhitest) writes
# each job to the file its device URI names, or plays a printer out of
# paper or one that fails (see the script).
# A queue on a file: cups_queue NAME FILE [lpadmin options]: a PPD queue
# (tests/data/cups-nhitest.ppd) whose device is the file. cupsd opens a
# file: device without creating or truncating it: FILE is made empty here
# (and must be emptied again before a job that should replace it).
# cups_stop: stop it (by its pid) and wait.
#
# Needs cupsd (cups-daemon) and lpadmin, cupsdisable (cups-client).

cups_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cups_start() {
	_cd=$1
	mkdir -p "$_cd/conf" "$_cd/spool/tmp" "$_cd/cache" "$_cd/state" "$_cd/log" \
	    "$_cd/bin/backend" "$_cd/out"
	chmod 0755 "$_cd" "$_cd/bin" "$_cd/bin/backend"
	# Filters run as the scheduler's user (lp): it must reach DIR.
	_p=$_cd
	while _p=$(dirname "$_p") && [ "$_p" != / ]; do
		[ -O "$_p" ] && chmod o+x "$_p"
	done
	chmod 0777 "$_cd/out"
	# The scheduler runs backends from ServerBin: ours alone, run as root
	# (mode 0700).
	cp "$top_srcdir/tests/data/cups-backend-nhitest" "$_cd/bin/backend/nhitest"
	chmod 0700 "$_cd/bin/backend/nhitest"
	# A queue with the PPD tests/data/cups-nhitest.ppd sends PDF through
	# the pass-through filter nhitest-pass, which keeps the job's options
	# beside the device file (DEVICE_URI file:PATH: PATH.options).
	mkdir -p "$_cd/bin/filter"
	chmod 0755 "$_cd/bin/filter"
	cat >"$_cd/bin/filter/nhitest-pass" <<'EOS'
#!/bin/sh
case $DEVICE_URI in file://*) printf '%s\n' "$5" >"${DEVICE_URI#file://}.options" ;; esac
if [ $# -ge 6 ]; then exec cat "$6"; else exec cat; fi
EOS
	chmod 0755 "$_cd/bin/filter/nhitest-pass"
	# cupsd starts every backend through its helper cups-exec.
	ln -sf /usr/lib/cups/daemon "$_cd/bin/daemon"
	CUPS_PORT=$(cups_free_port)
	cat >"$_cd/conf/cups-files.conf" <<EOC
ServerRoot $_cd/conf
ServerBin $_cd/bin
DataDir /usr/share/cups
RequestRoot $_cd/spool
TempDir $_cd/spool/tmp
CacheDir $_cd/cache
StateDir $_cd/state
AccessLog $_cd/log/access_log
ErrorLog $_cd/log/error_log
PageLog $_cd/log/page_log
FileDevice Yes
SystemGroup root
EOC
	cat >"$_cd/conf/cupsd.conf" <<EOC
LogLevel debug
Listen 127.0.0.1:$CUPS_PORT
Listen $_cd/cups.sock
Browsing No
DefaultAuthType None
WebInterface No
JobRetryInterval 1
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
EOC
	/usr/sbin/cupsd -f -c "$_cd/conf/cupsd.conf" -s "$_cd/conf/cups-files.conf" \
	    >"$_cd/log/cupsd.out" 2>&1 &
	CUPS_PID=$!
	CUPS_SERVER=127.0.0.1:$CUPS_PORT
	export CUPS_SERVER CUPS_PID CUPS_PORT
	# Ready when it answers (lpstat -r: "scheduler is running").
	_i=0
	until lpstat -r 2>/dev/null | grep -q 'is running'; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$CUPS_PID" 2>/dev/null; then
			echo "cups_start: cupsd did not start:" >&2
			cat "$_cd/log/cupsd.out" "$_cd/log/error_log" >&2 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}

cups_queue() {
	_q=$1 _f=$2
	shift 2
	: >"$_f"
	# lpadmin warns that drivers (PPDs) are deprecated: expected.
	lpadmin -p "$_q" -v "file://$_f" -P "$top_srcdir/tests/data/cups-nhitest.ppd" "$@" -E \
	    2>/dev/null
}

cups_stop() {
	[ -n "${CUPS_PID:-}" ] || return 0
	kill "$CUPS_PID" 2>/dev/null
	wait "$CUPS_PID" 2>/dev/null
	CUPS_PID=
}
