#!/bin/sh
# docs/production.md walked on a scratch directory: install (make install
# into a DESTDIR), the installed sample configuration with only the
# required values filled in, db init, operators, the town's own keys in two-person
# ceremonies, the key agent, the station's and the center's certificates
# from a CA of the town's own (no test key anywhere), an import of the
# register extract, one card issued by a clerk who is never asked for a
# passphrase, the record sent to the center, a backup. Steps are numbered
# as in the document.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed"

# ---- 1. Install
R=$TEST_TMP/root
${MAKE:-make} -s -C "$top_builddir" install DESTDIR="$R" >install.log 2>&1 ||
    { cat install.log >&2; bail "make install"; }
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sysconf=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")
localstate=$(sed -n 's/^localstatedir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")
pkgdata=$(sed -n 's/^datarootdir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")/nhicard
SAMPLE=$R$sysconf/nhicard/nhicard.conf.sample
ok "$([ -f "$SAMPLE" ]; echo $?)" "the sample configuration is installed ($sysconf/nhicard)"
is "$(stat -c %a "$R$localstate/lib/nhicard")" 700 "make install made the store's folder 0700"
ok "$(grep -q "$sysconf/nhicard/nhicard.conf" "$R$prefix/share/man/man1/nhicard.1"; echo $?)" \
    "the installed man page names the configuration under the install's sysconfdir"

STATE=$R$localstate/lib/nhicard
KEYDIR=$TEST_TMP/etc-keys
mkdir -m 0700 "$KEYDIR"

# ---- 2. Configure: the sample, with only the required values filled in.
CONF=$TEST_TMP/nhicard.conf
sed -e "s|^# id = ST01|id = ST01|" \
    -e "s|^# municipality_code = 131016|municipality_code = 131016|" \
    -e "s|^# insurer_number = 133116|insurer_number = 133116|" \
    -e "s|^# dir = /etc/nhicard/keys|dir = $KEYDIR|" \
    -e "s|^# path = /var/lib/nhicard/nhicard.db|path = $STATE/nhicard.db|" \
    -e "s|^# insurer_name = 千代田区|insurer_name = 千代田区|" \
    -e "s|^# templates_dir = .*|templates_dir = $R$pkgdata/templates|" \
    -e "s|^no_juki = paper |no_juki = standalone |" \
    "$SAMPLE" > "$CONF"
nhc() { run "$NHICARD" --config "$CONF" "$@"; }

# ---- 3. The store
nhc db init
is "$rc" 0 "db init on the sample's default store path"
like "$out" "station ST01" "with the station's id"
like "$out" "station mode production" "a production station"

# The sample's inline comments reach the rules as values, and a value
# that is wrong is named with its file and line (a scratch test station).
ok "$(grep -q '^renewal = 07-31 *#' "$CONF"; echo $?)" "the sample keeps its inline comments"
sed -e 's/^mode = production/mode = test/' -e 's/^renewal = 07-31 /renewal = 13-31 /' \
    -e "s|^path = .*|path = $TEST_TMP/t.db|" "$CONF" > t.conf
line=$(grep -n '^renewal = 13-31' t.conf | cut -d: -f1)
"$NHICARD" --config t.conf db init >/dev/null 2>&1 || bail "db init of the scratch station"
cat > t.csv <<'CSV'
FULL,2024-04-01,1001,501,1,山田 太郎,ヤマダ タロウ,1980-04-01,1,東京都千代田区千代田1-1,,,,,133116,01,000501,01,1,,2010-04-01,,,,,0
CSV
run "$NHICARD" --config t.conf import t.csv
is "$rc" 3 "a bad value in the configuration: exit 3"
like "$out" "t.conf:$line: .*validity.renewal" "the error names the file and line of the key"

# ---- 4. Operators
pw() { printf 'pw-%s-secret-2026\n' "$1" > "pw.$1"; echo "pw.$1"; }
printf 'the town key-store passphrase\n' > passphrase
NHICARD_NEW_PASSWORD_FD=3 nhc operator add boss --role supervisor 3<"$(pw boss)"
is "$rc" 0 "the first supervisor"
as() { _l=$1; shift; NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --operator "$_l" "$@" 4<"pw.$_l" </dev/null; }
for op in sam:supervisor kim:key_officer ken:key_officer carol:clerk audrey:auditor; do
	NHICARD_NEW_PASSWORD_FD=3 as boss operator add "${op%%:*}" --role "${op#*:}" 3<"$(pw "${op%%:*}")"
	is "$rc" 0 "operator ${op%%:*} (${op#*:})"
done
ceremony() { NHICARD_PASSWORD_FD=4 NHICARD_APPROVER_PASSWORD_FD=5 NHICARD_KEY_PASSPHRASE_FD=6 \
    run "$NHICARD" --config "$CONF" --operator kim --approver boss "$@" 4<pw.kim 5<pw.boss \
    6<passphrase </dev/null; }

# ---- 5. The town's keys (two-person ceremonies)
ceremony keys create
is "$rc" 0 "keys create"
like "$out" "master-30.keys: kind master, kvn 30" "the first key set has the cards' version 30"
ceremony keys create --signing
is "$rc" 0 "keys create --signing"
ceremony keys create --audit
is "$rc" 0 "keys create --audit"
like "$out" "audit log sealed through entry [0-9]+" "the audit key seals the log from entry 1"
# The card maker's transport key set (blank standalone cards), handed over
# in clear on a medium: imported, and the clear file removed.
{ printf 'test = no\nkvn = FF\nalgorithm = AES-128\n'
  for k in enc mac dek; do printf '%s = %s\n' $k "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; done
} > transport.keys
ceremony keys import --remove-clear transport.keys
is "$rc" 0 "keys import of the card maker's transport key set"
ok "$([ ! -e transport.keys ]; echo $?)" "the clear file is gone"
as kim keys list
is "$rc" 0 "keys list"

# ---- 6. Certificates: the station's (from the town's CA, named ST01) and
# the center's, its fingerprint pinned.
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null &&
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/O=Motoyama Town/CN=Queue CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$KEYDIR/queue-ca.crt" 2>/dev/null || bail "CA"
mkcert() { # NAME CN KEYTYPE EXT...
	_n=$1 _cn=$2 _kt=$3; shift 3
	if [ "$_kt" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$_n.key" 2>/dev/null
	else
		openssl ecparam -name prime256v1 -genkey -noout -out "$_n.key" 2>/dev/null
	fi
	openssl req -new -key "$_n.key" -subj "/O=Motoyama Town/CN=$_cn" -out "$_n.csr" 2>/dev/null &&
	printf '%s\n' "$@" > "$_n.ext" &&
	openssl x509 -req -in "$_n.csr" -CA "$KEYDIR/queue-ca.crt" -CAkey ca.key -set_serial "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')" \
	    -days 30 -extfile "$_n.ext" -out "$_n.crt" 2>/dev/null || bail "certificate $_n"
}
mkcert station ST01 ec basicConstraints=CA:FALSE keyUsage=digitalSignature
mkcert center "Center" rsa basicConstraints=CA:FALSE keyUsage=digitalSignature,keyEncipherment
mkcert ctls 127.0.0.1 ec basicConstraints=CA:FALSE extendedKeyUsage=serverAuth subjectAltName=IP:127.0.0.1
# The station's key kept encrypted under the key-store passphrase: the
# key agent opens it with the rest (docs/keys.md 4.8).
openssl pkey -in station.key -aes256 -passout file:passphrase -out "$KEYDIR/station.key" ||
    bail "encrypt the station key"
chmod 0600 "$KEYDIR/station.key"
install -m 0644 station.crt "$KEYDIR/station.crt"
install -m 0644 center.crt "$KEYDIR/center.crt"
fp=$(openssl x509 -in center.crt -noout -fingerprint -sha256 | sed 's/.*=//')
listen_start "$CENTER" --db center.db serve --key center.key --cert center.crt \
    --tls-key ctls.key --tls-cert ctls.crt --ca "$KEYDIR/queue-ca.crt" --port 0
CENTER_URL=https://127.0.0.1:$LISTEN_PORT
# The [queue] values the center gave (the sample's lines, filled in).
sed -i -e "s|^# station_key = .*|station_key = $KEYDIR/station.key|" \
    -e "s|^# station_cert = .*|station_cert = $KEYDIR/station.crt|" \
    -e "s|^# center_cert = .*|center_cert = $KEYDIR/center.crt|" \
    -e "s|^# center_fingerprint = .*|center_fingerprint = $fp|" \
    -e "s|^# center_url = .*|center_url = $CENTER_URL|" \
    -e "s|^# client_cert = .*|client_cert = $KEYDIR/station.crt|" \
    -e "s|^# client_key = .*|client_key = $KEYDIR/station.key|" \
    -e "s|^# center_ca = .*|center_ca = $KEYDIR/queue-ca.crt|" "$CONF"
as kim keys list
is "$rc" 0 "keys list with the queue certificates in the key folder"
like "$out" "other $KEYDIR/station.key: a PEM file" "a queue key is named as such, not an error"

# Before the agent: the encrypted queue key is not opened by a prompt.
as carol queue send
is "$rc" 1 "an encrypted queue key without the agent: refused (exit 1)"
like "$out" "station.key \(queue.client_key\) is encrypted and the keys are locked" \
    "it says the key is encrypted and the keys locked, not 'not a PEM private key'"

# ---- 7. Start of day: the key officer unlocks the keys into the agent.
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run "$NHICARD" --config "$CONF" \
    --operator kim keys agent start 4<pw.kim 6<passphrase </dev/null
is "$rc" 0 "the key agent started"
like "$out" "key agent: 5 key file\(s\)" "it holds master-30, master-ff, municipality.key, audit.key and the encrypted station key"
at_exit "NHICARD_PASSWORD_FD=4 \"$NHICARD\" --config \"$CONF\" --operator kim keys agent lock 4<\"$TEST_TMP/pw.kim\" >/dev/null 2>&1"

# ---- 8. The register extract
cat > extract.csv <<'CSV'
FULL,2024-04-01,1001,501,1,山田 太郎,ヤマダ タロウ,1980-04-01,1,東京都千代田区千代田1-1,,,,,133116,01,000501,01,1,,2010-04-01,,,,,0
CSV
as carol import extract.csv
is "$rc" 0 "the clerk imports the register extract"
like "$out" "1 new" "one resident"

# ---- 9. The first card: a test bench reader (the emulator) with a card
# made from the town's own wrapped keys through the agent.
printf '\n[card]\nallow_virtual_reader = yes\n' >> "$CONF"
pcsc_start
NHICARD_KEY_AGENT_SOCKET=$STATE/keys-agent.sock card_insert "$TEST_TMP/card" \
    --kind standalone -o "keys=$KEYDIR"
NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --operator carol --reader "$PCSC_READER" \
    issue 1 4<pw.carol </dev/null
is "$rc" 0 "the clerk issues the card (no passphrase asked)"
like "$out" "personalized" "the card is personalized"
unlike "$out" "[Pp]assphrase" "nobody is asked for the key-store passphrase"
NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --operator carol --reader "$PCSC_READER" \
    card verify 4<pw.carol </dev/null
is "$rc" 0 "card verify"
like "$out" "verdict: valid" "the card verifies"

# ---- 10. Send to the center
as carol queue send
is "$rc" 0 "queue send"
like "$out" "0 rejected" "the center took everything: $out"
is "$("$SQLITE3" center.db "SELECT count(*) FROM record WHERE station_id = 'ST01' AND kind = 'card_issued'")" 1 \
    "the center holds the card's issuance"
is "$("$SQLITE3" center.db "SELECT count(*) FROM record WHERE station_id = 'ST01'")" \
    "$("$SQLITE3" "$STATE/nhicard.db" "SELECT last_seq FROM queue_state")" "and every record of the station"

# ---- 11. End of day: the audit trail checked while the agent still
# runs (it checks the seal), then lock, back up.
as audrey audit verify
is "$rc" 0 "the audit chain verifies"
like "$out" "sealed through entry [0-9]+ \(the audit key's seal matches\)" \
    "and the audit key's seal matches"
as kim keys agent lock
is "$rc" 0 "the agent is locked"
as boss backup "$TEST_TMP/backup-1"
is "$rc" 0 "backup"
ok "$([ -f "$TEST_TMP/backup-1/keys/master-30.keys" ] && [ -f "$TEST_TMP/backup-1/store.db" ]; echo $?)" \
    "the backup holds the store and the wrapped keys"
unlike "$(cat "$TEST_TMP/backup-1/keys/master-30.keys")" "^(enc|mac|dek) *=" "no key in clear in it"
as audrey audit verify
is "$rc" 1 "locked, the seal cannot be checked: verify says so (exit 1)"
like "$out" "the seal cannot be checked: the audit key .* is locked" "naming the lock"

done_testing
