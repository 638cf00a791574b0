#!/bin/sh
# The card bureau's loop end to end with a card (issue 25): the station
# exports a pre-issuance run, the reference bureau nhicard-bureau opens it
# with its test key and keys a blank standalone emulator card through
# pcscd, the station signs the card's key record (the municipality's key
# never leaves the station), the bureau writes and verifies the card and
# returns the result, the station imports it and sends the card to
# nhicard-center, and nhicard-clinic accepts the mailed card: the record's
# signature, the card's answer to a challenge, insured at the center.
# And the bureau refuses to run in production.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/center.sh"
. "$top_srcdir/tests/lib/clinic.sh"
. "$top_srcdir/tests/lib/preissue.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed"
command -v openssl >/dev/null 2>&1 || skip_all "no openssl command"
BUREAU=$top_builddir/bureau/nhicard-bureau
[ -x "$BUREAU" ] || bail "bureau/nhicard-bureau not built"
cd "$TEST_TMP" || bail "cd"
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }

pcsc_start
preissue_store
sql "UPDATE meta SET value='ST01' WHERE key='station_id'" || bail "station id"
center_tls
clinic_certs
center_start
station_conf q.conf "$CENTER_URL"
sed -n '/^\[queue\]/,$p' q.conf >> "$CONF"
clinic_register

# The bureau: its key pair (pinned at the station), its card keys (the
# town's key set and the card maker's transport keys, no municipality
# signing key), and its configuration.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/O=test/CN=bureau" \
    -keyout bureau.key -out bureau.crt 2>/dev/null || bail "bureau key"
mkdir bkeys && cp "$KEYS/test-master-30.keys" "$KEYS/test-transport-ff.keys" bkeys/ ||
    bail "bureau key store"
printf '[batch]\nbureau_cert = %s\nbureau_fingerprint = %s\n' "$TEST_TMP/bureau.crt" \
    "$(fingerprint bureau.crt)" >>"$CONF"
cat >bureau.conf <<EOC
[station]
mode = test
municipality_code = 131016
insurer_number = 133116
[keys]
dir = $TEST_TMP/bkeys
[bureau]
key = $TEST_TMP/bureau.key
cert = $TEST_TMP/bureau.crt
station_ca = $KEYS/test-queue-ca.crt
station_cert = $KEYS/test-station.crt
station_fingerprint = $(fingerprint "$KEYS/test-station.crt")
EOC
bureau() { run "$BUREAU" --config bureau.conf --reader "$PCSC_READER" "$@"; }

# The run: resident D, a foreign resident: a standalone card.
printf 'id:%s\n' "$RID_D" >"$TEST_TMP/selection.txt"
nhi batch preissue prepare $SELECT
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
[ -n "$run" ] || bail "prepare gave no run: $out"
nhi batch preissue export -o req.cms "$run"
is "$rc" 0 "the station exports the run for the bureau"

sed 's/^mode = test/mode = production/' bureau.conf >prod.conf
run "$BUREAU" --config prod.conf --reader "$PCSC_READER" --seq 1 -o x.cms keys req.cms
is "$rc" 1 "the reference bureau refuses to run in production"
like "$out" "tests and training" "and says it is for tests and training"

insert_card "$TEST_TMP/blank" standalone
bureau --seq 1 -o keys.cms keys req.cms
is "$rc" 0 "the bureau keys the blank card through pcscd"
like "$out" "keyed for record 1" "it names the record"
serial=$(printf '%s\n' "$out" | sed -n 's/^card \([0-9a-f]*\): keyed.*/\1/p')

nhi batch preissue sign-keys -o rec.cms keys.cms "$run"
is "$rc" 0 "the station signs the card's key record"
like "$out" "1 record signed" "one record signed"

bureau --seq 1 -o res.cms write rec.cms
is "$rc" 0 "the bureau writes the signed record, activates, reads back and challenges"
like "$out" "card $serial: written, read back and verified" "the same card"
bureau --seq 1 -o res2.cms write rec.cms
ok "$([ "$rc" -ne 0 ]; echo $?)" "a card already written is not written again"

nhi batch preissue import-result res.cms "$run"
is "$rc" 0 "the station imports the result"
like "$out" "imported 1 made" "one card made"
is "$(sql "SELECT state FROM batch_runs WHERE id = $run")" done "the run is done"
is "$(sql "SELECT state || ' ' || card_serial FROM cards")" "active $serial" \
    "the card is active at the station with the bureau's card serial"

nhi queue send
is "$rc" 0 "the station sends card_issued to the center"
un=$(sql "SELECT lower(hex(user_number)) FROM cards")
is "$("$SQLITE3" center.db "SELECT issued || revoked || municipality FROM elig_card
    WHERE user_number = '$un'")" "10131016" "the center knows the mailed card"

clinic check
is "$rc" 0 "the clinic accepts the mailed card"
like "$out" "key record: signature verifies \(municipality 131016" "the station's signature verifies"
like "$out" "card: answers the challenge \(genuine\)" "the card answers the challenge"
like "$out" "center: INSURED" "the center says insured"

done_testing
