#!/bin/sh
# nhicard mynumber check-revoked and unlink: a new JPKI CRL ends every link
# whose certificate it lists (revocation lane, audited, one transaction
# each, nothing twice on a rerun), a CRL that does not verify against
# mynumber.ca or is older than the last one applied is refused, a crash
# inside one link's transaction leaves that link whole; a clerk ends a link
# by hand, refused when nothing is linked. The links are written into the
# store directly (tests/mynumber-link.sh links through the card).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/jpki.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "openssl is needed for the test JPKI CA"
CA=$TEST_TMP/ca
jpki_ca "$CA"
for u in a b c d; do jpki_user "$CA" $u; done
cp "$CA/crl.pem" "$TEST_TMP/crl-1.pem"
printf '[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$TEST_TMP/crl.pem" >>"$CONF"
ISSUER="CN=nhicard TEST JPKI user-authentication CA,O=nhicard TEST,C=JP"

make_store "$DB" || bail "make_store"
for n in 2 3 4; do
	"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "住民 $n" \
	    --name-kana "ジュウミン" --birth 1990-01-0$n --sex 1 --address "$P_ADDR" \
	    >/dev/null || bail "resident add $n"
done
# add_link RESIDENT USER STATE
add_link() {
	sql "INSERT INTO mynumber_links (resident_id, cert_issuer, cert_serial, not_after,
	    cert_sha256, user_number, state, linked_at) VALUES ($1, '$ISSUER',
	    '$(jpki_serial "$CA/$2.crt")', '2031-01-01', '$(printf %064d "$1")',
	    randomblob(16), '$3', '2026-12-01T00:00:00Z')" || bail "add_link $1"
}
add_link 1 a linked
add_link 2 b linked
add_link 3 c linked
add_link 4 d replaced
state() { sql "SELECT state || ' ' || coalesce(end_reason, '') FROM mynumber_links WHERE resident_id = $1"; }
unlinked() { sql "SELECT count(*) FROM queue_records WHERE kind = 'mynumber_unlinked'"; }
check() { nhi mynumber check-revoked "$@"; }

# ---- configuration
nhi mynumber check-revoked extra
is "$rc" 2 "check-revoked takes no operand"
check
is "$rc" 3 "a CRL file that is not there exits 3"
like "$out" "JPKI CRL $TEST_TMP/crl.pem" "and names the file"

# ---- the first CRL lists nothing of ours
cp "$TEST_TMP/crl-1.pem" "$TEST_TMP/crl.pem"
check
is "$rc" 0 "an empty CRL applies"
like "$out" "1 CRL applied, 0 revoked certificates listed, 0 links ended" "and says so"
like "$(sql "SELECT value FROM meta WHERE key = 'mynumber.crl_applied:$ISSUER'")" \
    '^01 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "its number and thisUpdate are kept in the store's meta"

# ---- b and d revoked: b's link ends, d's had been replaced
jpki_revoke "$CA" b
jpki_revoke "$CA" d
cp "$CA/crl.pem" "$TEST_TMP/crl-2.pem"
cp "$TEST_TMP/crl-2.pem" "$TEST_TMP/crl.pem"
check
is "$rc" 0 "a CRL listing two certificates applies"
like "$out" "2 revoked certificates listed, 1 links ended, 1 ended before" "the counts"
like "$out" "certificate serial $(jpki_serial "$CA/b.crt") is revoked" "the serial is named"
is "$(state 2)" "ended revoked (CRL 03 of $(sql "SELECT substr(value, 4) FROM meta WHERE key = 'mynumber.crl_applied:$ISSUER'"))" \
    "b's link ended, the CRL named"
is "$(state 1)/$(state 3)/$(state 4)" "linked /linked /replaced " "the others are untouched"
is "$(sql "SELECT lane || ' ' || kind FROM queue_records WHERE kind LIKE 'mynumber%'")" "revocation mynumber_unlinked" \
    "one record in the revocation lane"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records WHERE kind LIKE 'mynumber%'")" \
    "\"cert_serial\":\"$(jpki_serial "$CA/b.crt")\".*\"reason\":\"revoked\"" "naming the serial and why"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'mynumber.unlink' AND subject = 'resident:2'")" 1 \
    "the end is audited"
like "$(sql "SELECT detail FROM audit_log WHERE action = 'mynumber.check_revoked' ORDER BY seq DESC LIMIT 1")" \
    "1 links ended" "and the run"

check
is "$rc" 0 "a rerun of the same CRL applies"
like "$out" "0 links ended, 2 ended before" "and ends nothing twice"
is "$(unlinked)" 1 "nothing more is queued"

# ---- refused CRLs
cp "$TEST_TMP/crl-1.pem" "$TEST_TMP/crl.pem"
check
is "$rc" 1 "an older CRL exits 1"
like "$out" "older than the one applied last" "and says why"
mkdir -p "$TEST_TMP/fake" "$TEST_TMP/other"
jpki_ca "$TEST_TMP/fake"
jpki_user "$TEST_TMP/fake" x
jpki_revoke "$TEST_TMP/fake" x
cp "$TEST_TMP/fake/crl.pem" "$TEST_TMP/crl.pem"
check
is "$rc" 1 "a CRL signed by another key under the CA's name exits 1"
like "$out" "signature does not verify" "and says why"
jpki_ca "$TEST_TMP/other" "nhicard TEST other CA"
cp "$TEST_TMP/other/crl.pem" "$TEST_TMP/crl.pem"
check
is "$rc" 1 "a CRL of a CA not configured exits 1"
like "$out" "not a configured JPKI CA" "and says why"
printf 'not a crl\n' >"$TEST_TMP/crl.pem"
check
is "$rc" 3 "a file that is not a CRL is refused"
like "$out" "not a PEM or DER X.509 CRL" "and says what it is not"
cat "$TEST_TMP/crl-2.pem" "$TEST_TMP/crl-2.pem" >"$TEST_TMP/crl.pem"
check
like "$out" "more than one CRL" "a file of two CRLs is refused"
is "$(state 1)/$(state 3)/$(unlinked)" "linked /linked /1" "no refused CRL changed a link"

# ---- a crash inside a link's transaction
jpki_revoke "$CA" a
jpki_revoke "$CA" c
cp "$CA/crl.pem" "$TEST_TMP/crl.pem"
NHICARD_TEST_CRASH_AT=queue.record.after_insert check
is "$rc" 99 "a crash between a link's end and its record (test hook)"
is "$(state 1)/$(state 3)/$(unlinked)" "linked /linked /1" "leaves both links and the queue as they were"
check
is "$rc" 0 "the rerun applies"
like "$out" "2 links ended, 2 ended before" "and ends both"
is "$(unlinked)" 3 "one record each"

# ---- the test JPKI CA on a production station
printf '[station]\nmode = production\n[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" \
    "$TEST_TMP/crl.pem" >"$TEST_TMP/prod.conf"
run "$NHICARD" --config "$TEST_TMP/prod.conf" --db "$DB" mynumber check-revoked
like "$out" "test JPKI CA" "a production station refuses the test JPKI CA's CRL"
ok $([ "$rc" -ne 0 ] && echo 0 || echo 1) "and exits non-zero"

# ---- a clerk's unlink
sql "UPDATE mynumber_links SET state = 'linked', end_reason = NULL WHERE resident_id = 3"
nhi mynumber unlink 3
is "$rc" 2 "unlink without --reason exits 2"
nhi mynumber unlink 3 --reason stolen
is "$rc" 2 "an unknown reason exits 2"
like "$out" "lost, returned or other" "and names the reasons"
nhi mynumber unlink 3 4 --reason lost
is "$rc" 2 "two residents exit 2"
nhi mynumber unlink 99 --reason lost
is "$rc" 3 "no such resident exits 3"
nhi mynumber unlink 3 --reason returned
is "$rc" 0 "unlink exits 0"
like "$out" "ended \(returned\); queued" "and says so"
is "$(state 3)" "ended clerk: returned" "the link ended with the reason"
like "$(sql "SELECT lane || ' ' || CAST(payload AS TEXT) FROM queue_records ORDER BY seq DESC LIMIT 1")" \
    '^revocation .*"reason":"clerk"' "queued in the revocation lane"
is "$(sql "SELECT outcome FROM audit_log WHERE action = 'mynumber.unlink' AND subject = 'resident:3' ORDER BY seq DESC LIMIT 1")" \
    ok "audited"
nhi mynumber unlink 3 --reason lost
is "$rc" 1 "unlinking again exits 1"
like "$out" "no My Number card linked" "nothing is linked"
is "$(sql "SELECT outcome FROM audit_log WHERE action = 'mynumber.unlink' ORDER BY seq DESC LIMIT 1")" \
    refused "the refusal is audited"
is "$(unlinked)" 4 "and nothing is queued"
sql "UPDATE mynumber_links SET state = 'linked', end_reason = NULL WHERE resident_id = 3"
n0=$(unlinked)
NHICARD_TEST_CRASH_AT=queue.record.after_insert nhi mynumber unlink 3 --reason lost
is "$rc/$(state 3)/$(unlinked)" "99/linked /$n0" "a crash inside the unlink leaves the link and queue whole"
done_testing
