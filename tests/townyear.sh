#!/bin/sh
# A year in the life of a town (issue 26): tests/townyear/townyear.py
# replays a generated town's year (本山町's size, 4,314 residents) through
# the real programs: every day's change extract, the counter's cards
# through pcscd and the emulator, loss reports, found cards, replacements,
# reprints, the renewal run, the queue to nhicard-center online and on
# removable media, with faults on a schedule (kill -9 at a commit, a card
# pulled at an APDU, the center down for a day, an extract twice and one
# late, an acknowledgement twice). Every program runs under libfaketime on
# the simulated day. At two checkpoints and at the end the station's
# periods, statuses and cards, the center's records and the clinic's
# answers (nhicard-clinic through pcscd) are compared with the model:
# 0 mismatches, audit verify and db check clean.
#
# TOWNYEAR_RESIDENTS, TOWNYEAR_DAYS, TOWNYEAR_CARDS, TOWNYEAR_SEED set the
# size; the sanitizer build (or NHICARD_SANITIZER=1) runs 60 days.
# TOWNYEAR_SUMMARY=FILE keeps the figures (bench/townyear.sh).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"

SQLITE3=${SQLITE3:-sqlite3}
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"
FAKETIME_LIB=${FAKETIME_LIB:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1}
[ -f "$FAKETIME_LIB" ] || FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -f "$FAKETIME_LIB" ] || skip_all "libfaketime is needed (Debian package faketime)"
CENTER=${CENTER:-$top_builddir/center/nhicard-center}
CLINIC=${CLINIC:-$top_builddir/clinic/nhicard-clinic}
GEN=$top_builddir/bench/gen-extract
TCP_CUT=$top_builddir/tests/tcp-cut
[ -x "$TCP_CUT" ] || bail "tests/tcp-cut not built"
[ -x "$GEN" ] || bail "bench/gen-extract not built"
KEYS=$top_srcdir/keys
residents=${TOWNYEAR_RESIDENTS:-4314}
days=${TOWNYEAR_DAYS:-365}
# The sanitizer build (--enable-sanitizers: the programs link libasan) runs
# a shorter year; ASan must then accept libfaketime preloaded before it.
if ldd "$NHICARD" 2>/dev/null | grep -q libasan; then
	NHICARD_SANITIZER=1
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export ASAN_OPTIONS
fi
[ "${NHICARD_SANITIZER:-0}" = 1 ] && days=${TOWNYEAR_DAYS:-60}
cards=${TOWNYEAR_CARDS:-24}
seed=${TOWNYEAR_SEED:-26}
start=2027-04-01
cd "$TEST_TMP" || bail "cd"
diag() { printf '%s\n' "$1" | sed 's/^/# /'; }
# TOWNYEAR_KEEP=DIR: keep the scratch directory there (to look at a failure).

# Everything made on the first simulated day, valid for years.
ft() { LD_PRELOAD=$FAKETIME_LIB FAKETIME="@$start 08:00:00" DONT_FAKE_MONOTONIC=1 "$@"; }
cert() {	# cert NAME CN SERIAL EXT
	printf '%s\n' "$4" > "$1.ext"
	ft openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/O=nhicard TEST/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
	ft openssl x509 -req -in "$1.csr" -CA "$KEYS/test-queue-ca.crt" \
	    -CAkey "$KEYS/test-queue-ca.key" -set_serial "$3" -days 800 \
	    -extfile "$1.ext" -out "$1.crt" 2>/dev/null || bail "cannot make $1.crt"
}
cert tls 127.0.0.1 4242 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
cert clinic "nhicard TEST clinic 1311234569" 5151 "extendedKeyUsage=clientAuth"

fp=$(openssl x509 -in "$KEYS/test-center.crt" -noout -fingerprint -sha256 |
    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
CONF=$TEST_TMP/station.conf
# The station's store on a small tmpfs of its own when we may mount one
# (root): the simulation fills it for an "hour" (a full disk).
mkdir st || bail "mkdir"
disk=
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=$((64 + residents / 400))m tmpfs st 2>/dev/null; then
	at_exit "umount '$TEST_TMP/st' 2>/dev/null"
	disk=--full-disk
else
	diag "cannot mount a tmpfs here: no full disk"
fi
DB=$TEST_TMP/st/station.db
# TOWNYEAR_KEEP=DIR: keep the scratch directory there (to look at a
# failure); registered after the tmpfs, so it runs before the unmount.
_keep() { rm -rf "$TOWNYEAR_KEEP"; cp -r "$TEST_TMP" "$TOWNYEAR_KEEP"; }
[ -n "${TOWNYEAR_KEEP:-}" ] && at_exit _keep
cat > "$CONF" <<CONF
[station]
mode = test
municipality_code = 131016
insurer_number = 390013
[keys]
dir = $KEYS
[rules]
no_juki = standalone
law = pilot
[print]
templates_dir = $top_srcdir/templates
insurer_name = 本山町
[fee]
reissue_fee = 700
standalone_fee = 0
supervisor_limit = 1000
waivers = low_income:all
[queue]
station_key = $KEYS/test-station.key
station_cert = $KEYS/test-station.crt
center_cert = $KEYS/test-center.crt
center_fingerprint = $fp
center_url = https://127.0.0.1:1
client_cert = $KEYS/test-station.crt
client_key = $KEYS/test-station.key
center_ca = $KEYS/test-queue-ca.crt
push_timeout = 10
CONF
NHICARD_TEST_COMMIT_LOG=$TEST_TMP/commits ft "$NHICARD" --config "$CONF" --db "$DB" db init \
    >/dev/null || bail "db init"
"$SQLITE3" "$DB" "UPDATE meta SET value='ST01' WHERE key='station_id'" || bail "station id"
ft "$CENTER" --db center.db clinic add 1311234569 "TEST clinic" >/dev/null &&
ft "$CENTER" --db center.db trust add 131016 "$KEYS/test-municipality.key" >/dev/null &&
ft "$CENTER" --db center.db insurer add 390013 "本山町" >/dev/null ||
    bail "cannot register the clinic, the key and the insurer at the center"
"$GEN" --residents "$residents" --seed "$seed" --year 2027 --fault-rate 0 -o full.csv \
    2>/dev/null || bail "gen-extract"

# kill -9 at a commit needs the test hooks (--enable-test-hooks): a build
# without them counts no commit.
# (db init above counted its commits into commits).
kill=
[ -s "$TEST_TMP/commits" ] || { kill=--no-kill; diag "no test hooks in this build: no kill -9 at a commit"; }

pcsc_start
export TEST_TMP NHICARD CONF DB PCSC_READER CARDSIM PCSC_WAIT VPCD_PORT KEYS CENTER \
    CLINIC FAKETIME_LIB TCP_CUT
summary=${TOWNYEAR_SUMMARY:-$TEST_TMP/summary}
# The renewal run 105 days in (2027-07-15); half-way through a shorter year.
renew=105
[ "$days" -lt 150 ] && renew=$((days / 2))
python3 "$top_srcdir/tests/townyear/townyear.py" --full full.csv --start "$start" \
    --days "$days" --seed "$seed" --cards "$cards" --faults $kill $disk --renewal-after "$renew" --summary "$summary" \
    > sim.out 2> sim.err
rc=$?
is "$rc" 0 "the simulation ran to its end"
[ "$rc" = 0 ] || diag "$(tail -n 20 sim.err)"
get() { awk -v k="$1" '$1 == k { print $2 }' "$summary" 2>/dev/null; }
is "$(get days)" "$days" "$days days simulated"
[ "$(get count_counter_issue)" -gt 0 ] 2>/dev/null
ok $? "cards were issued at the counter ($(get count_counter_issue)) through pcscd"
# At least one event a year for every 20 residents, pro rata for a
# shorter year (the sanitizer build's 60 days).
[ "$(get events)" -gt "$((residents * days / 365 / 20))" ] 2>/dev/null
ok $? "the register sent the days' events ($(get events) in $days days)"
[ "$(get faults)" -gt 5 ] 2>/dev/null
ok $? "faults were injected ($(get faults))"
is "$(get mismatches)" 0 "0 mismatches between the programs and the model"
[ "$(get mismatches)" = 0 ] || diag "$(grep '^mismatch' sim.out | head -n 20)"
is "$(get selfcheck_caught)" 2 \
    "the checks can fail: a period changed at the station and a card revoked at the center behind the programs' backs are both caught"
diag "$(tr '\n' ' ' < "$summary")"
done_testing
