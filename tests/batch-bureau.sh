#!/bin/sh
# The card-bureau file of a pre-issuance run (docs/batch.md "Card-bureau
# file"): written with mode 0600, opened by the bureau with the stock
# openssl command (decrypt with its key, verify the station's signature),
# not by another key; one record per standalone item with the prepared user
# number and no birth date; items marked exported in the same step; a
# re-export gives the same records; a missing or wrong bureau certificate is
# refused naming the key.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v openssl >/dev/null 2>&1 || skip_all "no openssl command"

nhi() { run "$NHICARD" --config "$CONF" --db "$DB" "$@"; }
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
K=$top_srcdir/keys

preissue_store
# The bureau's key pair and certificate, and another key that is not it.
for b in bureau other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/O=test/CN=$b" \
	    -keyout "$TEST_TMP/$b.key" -out "$TEST_TMP/$b.crt" 2>/dev/null ||
	    bail "openssl req for $b"
done
cp "$CONF" "$CONF.nobureau"
cat >>"$CONF" <<EOC
[queue]
station_key = $K/test-station.key
station_cert = $K/test-station.crt
[batch]
bureau_cert = $TEST_TMP/bureau.crt
bureau_fingerprint = $(fingerprint "$TEST_TMP/bureau.crt")
EOC

nhi batch preissue prepare $SELECT
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
[ -n "$run" ] || bail "prepare gave no run: $out"

# ---- export
nhi batch preissue export -o "$TEST_TMP/out.cms" "$run"
is "$rc" 0 "export exits 0"
like "$out" "1 record" "export says how many records it wrote"
is "$(stat -c %a "$TEST_TMP/out.cms")" 600 "the file has mode 0600"

# bureau_open FILE KEY CERT: decrypt and verify as the bureau does.
bureau_open() {
	openssl cms -decrypt -binary -inform DER -in "$1" -recip "$3" -inkey "$2" \
	    -out "$1.signed" 2>/dev/null &&
	openssl cms -verify -binary -inform DER -in "$1.signed" \
	    -CAfile "$K/test-queue-ca.crt" -purpose any -out "$1.txt" 2>/dev/null &&
	cat "$1.txt"
}
text=$(bureau_open "$TEST_TMP/out.cms" "$TEST_TMP/bureau.key" "$TEST_TMP/bureau.crt")
is "$?" 0 "the bureau decrypts it and verifies the station's signature with openssl"
is "$(printf '%s\n' "$text" | head -1)" "nhicard-bureau 1" "the file starts with its format line"
like "$text" "^run $run$" "the header names the run"
is "$(printf '%s\n' "$text" | sed -n '/^insurer /,/^records /p' | tr '\n' ' ')" \
    "insurer 133116 municipality 131016 records 1 " \
    "the header names the insurer, the municipality and the record count"
rec=$(printf '%s\n' "$text" | grep -v '^[a-z]')
is "$(printf '%s\n' "$rec" | wc -l)" 1 "one record: the standalone item"
un=$(sql "SELECT lower(hex(user_number)) FROM batch_items WHERE run_id = $run AND resident_id = $RID_D")
is "$(printf '%s\n' "$rec" | cut -f2,3,4,6)" "$RID_D	$un	1	3" \
    "the record: person, prepared user number, key generation 1, card kind 3"
is "$(printf '%s\n' "$rec" | cut -f7,8)" "John SMITH	東京都千代田区神田3-3" \
    "the record carries the card face's name and the mailing address"
unlike "$rec" "1985" "the record carries no birth date"
is "$(printf '%s\n' "$text" | tail -1)" "end 1" "the file ends with the record count"

bureau_open "$TEST_TMP/out.cms" "$TEST_TMP/other.key" "$TEST_TMP/other.crt" >/dev/null
r=$?
ok "$([ "$r" -ne 0 ]; echo $?)" "another key cannot open the file"
openssl cms -decrypt -binary -inform DER -in "$TEST_TMP/out.cms" -inkey "$TEST_TMP/other.key" \
    -out /dev/null 2>/dev/null
r=$?
ok "$([ "$r" -ne 0 ]; echo $?)" "another key cannot decrypt it even without naming a recipient"
is "$(sql "SELECT count(*) FROM preissue_items WHERE run_id = $run AND exported_at IS NOT NULL")" 1 \
    "the exported item is marked exported"
is "$(sql "SELECT count(*) FROM cards")" 0 "exporting writes no card record"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" 0 \
    "exporting queues nothing for the center"

# ---- a re-export: the same records, no new user numbers
first=$(sql "SELECT exported_at FROM preissue_items WHERE run_id = $run AND exported_at IS NOT NULL")
nhi batch preissue export -o "$TEST_TMP/again.cms" "$run"
is "$rc" 0 "a re-export exits 0"
text2=$(bureau_open "$TEST_TMP/again.cms" "$TEST_TMP/bureau.key" "$TEST_TMP/bureau.crt")
is "$(printf '%s\n' "$text2" | grep -v '^created')" "$(printf '%s\n' "$text" | grep -v '^created')" \
    "a re-export writes the same records"
is "$(sql "SELECT exported_at FROM preissue_items WHERE run_id = $run AND exported_at IS NOT NULL")" \
    "$first" "the first export time is kept"

# ---- refusals
nhi --config "$CONF.nobureau" batch preissue export -o "$TEST_TMP/x.cms" "$run"
is "$rc" 3 "export without a bureau certificate exits 3"
like "$out" "batch.bureau_cert" "the error names the configuration key"
ok "$([ ! -e "$TEST_TMP/x.cms" ]; echo $?)" "no file is written"
sed "s/^bureau_fingerprint = .*/bureau_fingerprint = $(fingerprint "$TEST_TMP/other.crt")/" \
    "$CONF" >"$CONF.wrongfp"
nhi --config "$CONF.wrongfp" batch preissue export -o "$TEST_TMP/y.cms" "$run"
is "$rc" 3 "a bureau certificate that does not match its fingerprint is refused"
like "$out" "bureau.crt" "the error names the certificate file"
ok "$([ ! -e "$TEST_TMP/y.cms" ]; echo $?)" "no file is written"
nhi batch preissue export -o "$TEST_TMP/z.cms" 999
is "$rc" 3 "an unknown run exits 3"
nhi batch preissue export -o "$TEST_TMP/no/such/dir/z.cms" "$run"
is "$rc" 5 "an unwritable output exits 5"

done_testing
