#!/bin/sh
# The My Number card at the clinic, end to end (issue 24): a card linked
# at the station, the link sent to nhicard-center over HTTPS, then
# nhicard-clinic reads the same TEST My Number card through pcscd: its
# certificate, the patient's PIN, its signature over the center's
# challenge; the center answers by the link: insured. Then a card never
# linked, a certificate replaced by a relink, a wrong PIN (tries left,
# not retried) and a locked PIN.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/center.sh"
. "$top_srcdir/tests/lib/clinic.sh"
. "$top_srcdir/tests/lib/jpki.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed"
command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "openssl is needed for the test JPKI CA"
cd "$TEST_TMP" || bail "cd"
today=$(TZ=JST-9 date +%Y-%m-%d)
CA=$TEST_TMP/ca
jpki_ca "$CA"
jpki_user "$CA" alice
jpki_user "$CA" alice2
jpki_user "$CA" bob
jpki_user "$CA" lost
jpki_revoke "$CA" lost
mkdir -p "$TEST_TMP/other"
jpki_ca "$TEST_TMP/other" "nhicard TEST other CA"
jpki_user "$TEST_TMP/other" mallory
# The clinic's own JPKI settings (nhicard-clinic --config).
printf '[station]\nmode = test\n[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$CA/crl.pem" \
    >"$TEST_TMP/clinic.conf"

pcsc_start
make_store "$DB"
sql "UPDATE meta SET value='ST01' WHERE key='station_id'" || bail "station id"
center_tls
clinic_certs
center_start
station_conf q.conf "$CENTER_URL"
sed -n '/^\[queue\]/,$p' q.conf >> "$CONF"
printf '[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$CA/crl.pem" >>"$CONF"
clinic_register

mn_card() {
	_f=$1
	_c=$2
	shift 2
	card_remove 2>/dev/null
	card_insert "$_f" --kind mynumber -o "cert=$_c.crt" -o "key=$_c.key" \
	    -o "name=$P_NAME" -o "birth=$(echo $P_BIRTH | tr -d -)" -o "sex=$P_SEX" \
	    -o "address=$P_ADDR" "$@"
}
pin() { printf '%s\n' "$1" >"$TEST_TMP/pin"; }
link() { NHICARD_PIN_FD=7 nhi mynumber link "$@" 7<"$TEST_TMP/pin"; }
mcheck() { NHICARD_PIN_FD=7 clinic --config "$TEST_TMP/clinic.conf" check "$@" 7<"$TEST_TMP/pin"; }

# ---- link at the station, send, check at the clinic: insured
mn_card "$TEST_TMP/c1" "$CA/alice"
pin 1234
link 1
is "$rc" 0 "the station links the My Number card"
nhi queue send
is "$rc" 0 "the station sends the link to the center"
is "$("$SQLITE3" center.db "SELECT ended || ' ' || cert_serial FROM elig_mynumber")" \
    "0 $(jpki_serial "$CA/alice.crt")" "the center keeps the link"
un=$(sql "SELECT lower(hex(user_number)) FROM mynumber_links")
mcheck
is "$rc" 0 "the clinic's check of the My Number card exits 0 (insured)"
like "$out" "card: My Number card, user-authentication certificate serial" "the card is read as a My Number card"
like "$out" "card: its certificate chains to a configured JPKI CA and is not revoked" \
    "the clinic checks the certificate against its own JPKI CA and CRL"
like "$out" "card: signs the challenge with its authentication key" "the card signs the challenge"
like "$out" "center: INSURED on $today" "the center answers by the link: insured"
like "$out" "insurer: 133116 千代田区" "insurer number and name"
like "$out" "記号: 1  番号: 2" "記号 and 番号"
unlike "$out" "$un" "the user number is never shown whole"
unlike "$out" "1234" "the PIN is never shown"
is "$("$SQLITE3" center.db "SELECT outcome FROM query_log ORDER BY id DESC LIMIT 1")" insured \
    "the center logs the query"
is "$("$SQLITE3" center.db "SELECT user_number FROM query_log ORDER BY id DESC LIMIT 1")" "$un" \
    "under the link's user number"
grep -q '^number_reads=0$' "$TEST_TMP/c1" && r=0 || r=1
is "$r" 0 "neither the station nor the clinic read the 個人番号"

# ---- wrong PIN: tries left shown, not retried; then locked
pin 0000
mcheck
is "$rc" 4 "a wrong PIN at the clinic exits 4"
like "$out" "wrong user-authentication PIN: 2 tries left" "the tries left are shown"
grep -q '^auth-tries=2$' "$TEST_TMP/c1" && r=0 || r=1
is "$r" 0 "the PIN was presented once"
mn_card "$TEST_TMP/c1" "$CA/alice" -o auth-tries=0
pin 1234
mcheck
is "$rc" 4 "a locked PIN exits 4"
like "$out" "PIN is LOCKED: it is reset at the patient's municipal office" \
    "the clinic says where it is reset"

# ---- a card never linked
mn_card "$TEST_TMP/c2" "$CA/bob"
mcheck
is "$rc" 10 "a My Number card the center has no link for exits 10"
like "$out" "NOT INSURED: the center knows no card" "and says the center knows no such card"

# ---- a relink ends the old certificate's link
mn_card "$TEST_TMP/c3" "$CA/alice2"
link 1
is "$rc" 0 "a renewed certificate relinks"
nhi queue send
is "$rc" 0 "the relink is sent"
mcheck
is "$rc" 0 "the renewed card is insured"
mn_card "$TEST_TMP/c4" "$CA/alice"
mcheck
is "$rc" 11 "the replaced certificate exits 11 (revoked)"
like "$out" "the card is revoked \(replaced" "the clinic says it was replaced"

# ---- the clinic's own JPKI checks, before any PIN (a wrong PIN typed:
# had it been presented, the card would count a try)
pin 0000
mn_card "$TEST_TMP/c5" "$CA/lost"
mcheck
is "$rc" 11 "a revoked certificate exits 11 at the clinic"
like "$out" "NOT VALID: the card's authentication certificate \(serial $(jpki_serial "$CA/lost.crt")\) is revoked by its CA; the PIN was not asked" \
    "and says so before the PIN"
card_remove
grep -q '^auth-tries=3$' "$TEST_TMP/c5" && r=0 || r=1
is "$r" 0 "no PIN was presented (the card still counts 3 tries)"
mn_card "$TEST_TMP/c6" "$TEST_TMP/other/mallory"
mcheck
is "$rc" 14 "a certificate of a CA the clinic does not trust exits 14"
like "$out" "NOT ACCEPTED: the card's certificate does not chain to a configured JPKI CA" \
    "and says so"
card_remove
grep -q '^auth-tries=3$' "$TEST_TMP/c6" && r=0 || r=1
is "$r" 0 "no PIN was presented (the card still counts 3 tries)"
ls "$TEST_TMP/visits"/*.visit >/dev/null || bail "no visit files"
like "$(cat "$TEST_TMP"/visits/*.visit | grep '^result ' | sort -u | tr '\n' ' ')" "result unknown_ca" \
    "the visit file records the refusal"
printf '[station]\nmode = test\n' >"$TEST_TMP/clinic-none.conf"
mn_card "$TEST_TMP/c7" "$CA/alice2"
NHICARD_PIN_FD=7 clinic --config "$TEST_TMP/clinic-none.conf" check 7<"$TEST_TMP/pin"
is "$rc" 5 "a clinic without mynumber.ca / mynumber.crl exits 5 for a My Number card"
like "$out" "need the JPKI CA certificates and revocation lists" "and names the keys"
printf '[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$CA/crl.pem" >"$TEST_TMP/clinic-prod.conf"
mn_card "$TEST_TMP/c8" "$CA/alice2"
NHICARD_PIN_FD=7 clinic --config "$TEST_TMP/clinic-prod.conf" check 7<"$TEST_TMP/pin"
is "$rc" 14 "a production clinic (no station.mode) refuses the test JPKI CA"
like "$out" "test JPKI CA" "and says so"
card_remove
done_testing
