#!/bin/sh
# nhicard mynumber link end to end through pcscd and the emulator's TEST My
# Number card, certificates from a test JPKI CA made here: a link, a
# relink, and every bad case (wrong PIN with tries left and never
# retried, locked PIN, foreign card, unknown CA, expired and revoked
# certificates, four items differing in one character: held) leaving the
# store and the queue as they were.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/jpki.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "openssl is needed for the test JPKI CA"
command -v pdftotext >/dev/null 2>&1 || skip_all "pdftotext (poppler-utils) is needed"
CA=$TEST_TMP/ca
jpki_ca "$CA"
jpki_user "$CA" alice
jpki_user "$CA" alice2
jpki_user "$CA" old -startdate 200101000000Z -enddate 210101000000Z
jpki_user "$CA" lost
jpki_revoke "$CA" lost
mkdir -p "$TEST_TMP/other"
jpki_ca "$TEST_TMP/other" "nhicard TEST other CA"
jpki_user "$TEST_TMP/other" mallory
printf '[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$CA/crl.pem" >>"$CONF"

pcsc_start
make_store "$DB"
links() { sql "SELECT count(*) FROM mynumber_links"; }
queued() { sql "SELECT count(*) FROM queue_records WHERE kind LIKE 'mynumber%'"; }
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
link() { NHICARD_PIN_FD=7 run "$NHICARD" --config "$CONF" --db "$DB" \
    --reader "$PCSC_READER" mynumber link "$@" 7<"$TEST_TMP/pin"; }

# ---- a link
mn_card "$TEST_TMP/c1" "$CA/alice"
pin 1234
link 1
is "$rc" 0 "mynumber link exits 0"
like "$out" "My Number card: linked \(certificate serial $(jpki_serial "$CA/alice.crt")," \
    "the certificate's serial is shown"
is "$(sql "SELECT state || ' ' || cert_serial FROM mynumber_links")" \
    "linked $(jpki_serial "$CA/alice.crt")" "the link is stored"
is "$(queued)" 1 "one record is queued for the center"
data=$(sql "SELECT CAST(payload AS TEXT) FROM queue_records WHERE kind = 'mynumber_linked'")
like "$data" '"cert_issuer":"CN=nhicard TEST JPKI user-authentication CA,O=nhicard TEST,C=JP"' \
    "the record names the issuer"
like "$data" '"user_number":"[0-9a-f]{32}"' "the record carries the user number"
like "$data" "\"cert_sha256\":\"$("$OPENSSL" x509 -in "$CA/alice.crt" -outform DER | sha256sum | cut -c1-64)\"" \
    "and the certificate's SHA-256"
like "$data" '"insurer_number":"133116"' "and the person's insurer"
unlike "$data" "123456789018" "the 個人番号 is never in the record"
grep -q '^number_reads=0$' "$TEST_TMP/c1" && r=0 || r=1
is "$r" 0 "the 個人番号 file was never read"
unlike "$(sql "SELECT group_concat(detail) FROM audit_log")" "1234" "the PIN is not in the audit"

# ---- the paper of a linked person: 資格情報のお知らせ
nhi print notice 1 -o "$TEST_TMP/notice.pdf"
is "$rc" 0 "print notice of a linked resident exits 0"
txt=$(pdftotext -layout "$TEST_TMP/notice.pdf" - 2>/dev/null)
like "$txt" "資格情報のお知らせ" "the notice has its title"
like "$txt" "山田" "the resident's name"
like "$txt" "133116" "the insurer number"
like "$txt" "マイナンバーカード紐付け $(date -u +%Y-%m-%d)" "and the day of the link"
is "$(pdfinfo "$TEST_TMP/notice.pdf" | awk '/^Pages:/ { print $2 }')" 2 "front and back"
is "$(sql "SELECT count(*) FROM certificates")" 0 "a notice is not a certificate: nothing on record"
like "$(sql "SELECT group_concat(action) FROM audit_log")" "print.notice" "its printing is audited"

link 1
like "$out" "already linked" "the same card again is already linked"
is "$(links)/$(queued)" "1/1" "and nothing new is stored or queued"

# ---- relink: a renewed certificate
mn_card "$TEST_TMP/c2" "$CA/alice2"
link 1
is "$rc" 0 "a renewed certificate relinks"
like "$out" "relinked" "it says relinked"
is "$(sql "SELECT group_concat(state, ',') FROM mynumber_links ORDER BY id")" \
    "replaced,linked" "the old link is replaced"
is "$(sql "SELECT count(DISTINCT hex(user_number)) FROM mynumber_links")" 1 \
    "the user number is kept across a relink"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records WHERE kind = 'mynumber_linked' ORDER BY seq DESC LIMIT 1")" \
    "\"replaces_serial\":\"$(jpki_serial "$CA/alice.crt")\"" "the record names the serial replaced"

n0=$(links)/$(queued)
# ---- no notice for a resident without a link
"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "佐藤 花子" \
    --name-kana "サトウ ハナコ" --birth 1985-05-05 --sex 2 --address "$P_ADDR" >/dev/null ||
	bail "resident add"
nhi print notice 2 -o "$TEST_TMP/notice2.pdf"
is "$rc" 1 "print notice of a resident without a link exits 1"
like "$out" "no My Number card linked" "and says why"
ok $([ ! -e "$TEST_TMP/notice2.pdf" ] && echo 0 || echo 1) "no file is written"

# ---- wrong PIN: tries left shown, never retried
mn_card "$TEST_TMP/c3" "$CA/alice"
pin 9999
link 1
is "$rc" 4 "a wrong PIN exits 4"
like "$out" "wrong input-support PIN: 2 tries left" "the tries left are shown"
like "$out" "PIN tries left: 2" "and said on their own line"
like "$out" "clerk: 暗証番号が違います" "the clerk's explanation in Japanese"
grep -q '^input-tries=2$' "$TEST_TMP/c3" && r=0 || r=1
is "$r" 0 "the PIN was sent once, not retried"
is "$(links)/$(queued)" "$n0" "nothing is stored or queued"

# ---- locked PIN
mn_card "$TEST_TMP/c4" "$CA/alice" -o input-tries=0
pin 1234
link 1
is "$rc" 4 "a locked PIN exits 4"
like "$out" "PIN is locked" "the lock is named"
like "$out" "reset at the resident's municipal office" "the clerk is told where it is reset"
like "$out" "clerk: マイナンバーカードの暗証番号がロックされています。住所地の市区町村窓口" \
    "and in Japanese, from the reasons table"
is "$(links)/$(queued)" "$n0" "nothing is stored or queued"

# ---- a foreign card (a Juki card)
card_remove
insert_card "$TEST_TMP/juki" juki
link 1
is "$rc" 4 "a card that is not a My Number card exits 4"
like "$out" "not a My Number card" "and says so"

# ---- four items differing in one character: held, never linked
mn_card "$TEST_TMP/c5" "$CA/alice" -o "address=東京都千代田区千代田1-2"
link 1
is "$rc" 1 "four items differing in one character exit 1"
like "$out" "address" "the differing item is named"
unlike "$out" "千代田1-2" "not its value"
like "$out" "held for a supervisor: item [0-9]+" "the case is held"
like "$out" "clerk: マイナンバーカードの基本4情報が住民記録と一致しません" "said in Japanese"
is "$(sql "SELECT count(*) FROM held_items WHERE event = 'mynumber_link' AND resolved_at IS NULL")" 1 \
    "a held item waits for a supervisor"
is "$(links)/$(queued)" "$n0" "nothing is linked or queued"

# ---- unknown CA
mn_card "$TEST_TMP/c6" "$TEST_TMP/other/mallory"
link 1
is "$rc" 1 "a certificate of an unknown CA exits 1"
like "$out" "does not chain to a configured JPKI CA" "the unknown CA is named"
is "$(links)/$(queued)" "$n0" "nothing is stored or queued"

# ---- expired
mn_card "$TEST_TMP/c7" "$CA/old"
link 1
is "$rc" 1 "an expired certificate exits 1"
like "$out" "expired on 2021-01-01" "the end of validity is shown"
is "$(links)/$(queued)" "$n0" "nothing is stored or queued"

# ---- revoked: refused, and a link it held ends
sql "UPDATE mynumber_links SET state = 'replaced' WHERE id = 2"
sql "INSERT INTO mynumber_links (resident_id, cert_issuer, cert_serial, not_after,
    user_number, state, linked_at, cert_sha256) SELECT 1, cert_issuer,
    '$(jpki_serial "$CA/lost.crt")', '2030-01-01', user_number, 'ended', linked_at,
    cert_sha256 FROM mynumber_links WHERE id = 1"
sql "UPDATE mynumber_links SET state = 'linked' WHERE cert_serial = '$(jpki_serial "$CA/lost.crt")'"
mn_card "$TEST_TMP/c8" "$CA/lost"
link 1
is "$rc" 1 "a revoked certificate exits 1"
like "$out" "is revoked" "the revocation is named"
is "$(sql "SELECT state || ' ' || end_reason FROM mynumber_links WHERE cert_serial = '$(jpki_serial "$CA/lost.crt")'")" \
    "ended revoked" "the link it held ends"
is "$(sql "SELECT lane FROM queue_records WHERE kind = 'mynumber_unlinked'")" "revocation" \
    "the end is queued in the revocation lane"

# ---- faults: a card pulled half-way, a crash inside the link's transaction
jpki_user "$CA" hanako
hanako_card() {
	card_remove 2>/dev/null
	card_insert "$1" --kind mynumber -o "cert=$CA/hanako.crt" -o "key=$CA/hanako.key" \
	    -o "name=佐藤 花子" -o birth=19850505 -o sex=2 -o "address=$P_ADDR" "$2" "${3:-}"
}
n0=$(links)/$(queued)
pin 1234
hanako_card "$TEST_TMP/h1" --tear-after 8
link 2
is "$rc" 4 "a card pulled half-way (after 8 APDUs: PIN or items) exits 4"
like "$out" "removed" "and says the card was removed"
is "$(links)/$(queued)" "$n0" "nothing is stored or queued"
card_wait_removed
hanako_card "$TEST_TMP/h2" -o chunk=100
NHICARD_TEST_CRASH_AT=queue.record.after_insert link 2
is "$rc" 99 "a crash between the link and its queue record (test hook)"
is "$(links)/$(queued)" "$n0" "leaves neither the link nor the record"
link 2
is "$rc" 0 "the same card links afterwards"
like "$out" "My Number card: linked" "linked"
like "$out" "2[0-9] APDUs" "the certificate read 100 bytes at a time takes more READ BINARY"
is "$(sql "SELECT count(*) FROM mynumber_links WHERE resident_id = 2 AND state = 'linked'")/$(queued)" \
    "1/$(( ${n0#*/} + 1 ))" "one link and one record"
card_remove

# ---- the test CA in production
printf '[station]\nmode = production\n[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" \
    "$CA/crl.pem" >"$TEST_TMP/prod.conf"
mn_card "$TEST_TMP/c9" "$CA/alice"
NHICARD_PIN_FD=7 run "$NHICARD" --config "$TEST_TMP/prod.conf" --db "$DB" \
    --reader "$PCSC_READER" mynumber link 1 7<"$TEST_TMP/pin"
like "$out" "test JPKI CA" "a production station refuses the test JPKI CA"
ok $([ "$rc" -ne 0 ] && echo 0 || echo 1) "and does not link"
card_remove
done_testing
