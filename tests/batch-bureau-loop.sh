#!/bin/sh
# The card bureau's loop (docs/batch.md "The bureau's loop"), the bureau's
# side done with the stock openssl command: export, the bureau's keys file,
# sign-keys (the municipality's key stays at the station), the result file
# and import-result. Made cards become active with card_issued queued and
# their items done; spoiled ones are set aside; a partial file leaves the
# rest open; a re-import changes nothing; an undeliverable card is revoked
# at the center as lost; and every bad case (another bureau's signature,
# another station or run, a failed key-record signature, a serial active
# for another person, a public key twice, a record that is not the item's,
# an unknown user number) is refused or set aside, never marked done.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v openssl >/dev/null 2>&1 || skip_all "no openssl command"

. "$top_srcdir/tests/lib/bureau.sh"
nhi() { run "$NHICARD" --config "$CONF" --db "$DB" "$@"; }

preissue_store
# Foreign residents get standalone cards: D and seven more, the run's
# eight items, all for the bureau.
printf 'id:%s\n' "$RID_D" >"$TEST_TMP/selection.txt"
for i in 1 2 3 4 5 6 7; do
	add_insured "Alex SMITH$i" "アレックス スミス" "1990010$i" 1 "東京都千代田区神田4-$i" \
	    --nationality US --residence-status 技術 --stay-until 2030-01-01
	printf 'id:%s\n' "$added" >>"$TEST_TMP/selection.txt"
done
nhi batch preissue prepare $SELECT
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
[ -n "$run" ] || bail "prepare gave no run: $out"
station=$(sql "SELECT value FROM meta WHERE key = 'station_id'")
nhi batch preissue export -o "$TEST_TMP/req.cms" "$run"
is "$rc" 0 "export exits 0"
bureau_open "$TEST_TMP/req.cms" | grep -v '^[a-z]' >"$TEST_TMP/req.txt" ||
    bail "the bureau cannot open the export"
is "$(wc -l <"$TEST_TMP/req.txt")" 8 "the export carries the eight standalone items"

# seq_of N / un_of N: the Nth exported record's SEQ and user number.
seq_of() { sed -n "${1}p" "$TEST_TMP/req.txt" | cut -f1; }
un_of() { sed -n "${1}p" "$TEST_TMP/req.txt" | cut -f3; }
serial_of() { printf '0a0b0c0d0e0f00000%03d' "$1"; }
state_of() { sql "SELECT state || coalesce(':' || exception, '') FROM batch_items WHERE run_id = $run AND seq = $(seq_of "$1")"; }

# ---- pass 1: the bureau's keys file. Cards 1-8 generated their keys;
# card 8 shares card 7's serial and card 6 card 5's public key (bad cases
# for the import); a card was spoiled before it had a serial.
: >"$TEST_TMP/keys.lines"
for n in 1 2 3 4 5 6 7 8; do
	pub=$(card_pub "card$n")
	[ "$n" = 6 ] && pub=$(cat "$TEST_TMP/pub5")
	printf '%s' "$pub" >"$TEST_TMP/pub$n"
	s=$(serial_of "$n")
	[ "$n" = 8 ] && s=$(serial_of 7)
	printf '%s\t%s\t%s\tkeyed\t%s\t-\n' "$(seq_of "$n")" "$(un_of "$n")" "$s" "$pub" \
	    >>"$TEST_TMP/keys.lines"
done
bureau_file keys "$station" "$run" "$TEST_TMP/keys.lines" "$TEST_TMP/keys.txt"
bureau_seal "$TEST_TMP/keys.txt" "$TEST_TMP/keys.cms"

# A keys file with a malformed line is refused whole, nothing signed.
sed '8s/keyed/kyed/' "$TEST_TMP/keys.txt" >"$TEST_TMP/bad.txt"
bureau_seal "$TEST_TMP/bad.txt" "$TEST_TMP/bad.cms"
nhi batch preissue sign-keys -o "$TEST_TMP/rec.cms" "$TEST_TMP/bad.cms" "$run"
is "$rc" 3 "a keys file with a malformed line exits 3"
like "$out" "bad.cms:8: STATUS" "the error names the file, the line and the field"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing was signed or recorded"

# Records that cannot be signed are named, nothing is recorded for them:
# a point that is not on P-256, a user number of no item, a file signed
# by another bureau.
{
	printf '%s\t%s\t%s\tkeyed\t04%0128d\t-\n' "$(seq_of 1)" "$(un_of 1)" "$(serial_of 1)" 7
	printf '%s\t%s\t%s\tkeyed\t%s\t-\n' 99 00112233445566778899aabbccddeeff \
	    "$(serial_of 9)" "$(cat "$TEST_TMP/pub1")"
} >"$TEST_TMP/nk.lines"
bureau_file keys "$station" "$run" "$TEST_TMP/nk.lines" "$TEST_TMP/nk.txt"
bureau_seal "$TEST_TMP/nk.txt" "$TEST_TMP/nk.cms"
nhi batch preissue sign-keys -o "$TEST_TMP/nk-rec.cms" "$TEST_TMP/nk.cms" "$run"
is "$rc" 3 "sign-keys with records it cannot sign exits 3"
like "$out" "item $(seq_of 1): not signed: the public key is not a point of P-256" \
    "a public key off the curve is named"
like "$out" "nk.cms:8: not signed: the user number is no item of run $run" \
    "an unknown user number is named with its line"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing was recorded for them"
bureau_seal "$TEST_TMP/keys.txt" "$TEST_TMP/keys-other.cms" other
nhi batch preissue sign-keys -o "$TEST_TMP/x.cms" "$TEST_TMP/keys-other.cms" "$run"
is "$rc" 3 "a keys file signed by another bureau is refused"
ok "$([ ! -e "$TEST_TMP/x.cms" ]; echo $?)" "and nothing is signed for it"

nhi batch preissue sign-keys -o "$TEST_TMP/rec.cms" "$TEST_TMP/keys.cms" "$run"
is "$rc" 0 "sign-keys exits 0"
like "$out" "8 records signed" "every keyed card got its signed record"
is "$(stat -c %a "$TEST_TMP/rec.cms")" 600 "the signed records file has mode 0600"
is "$(sql "SELECT count(*) FROM cards WHERE state = 'personalizing' AND step = 'bureau'")" 8 \
    "each signed card has a card record being personalized, at step bureau"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" 0 \
    "signing queues nothing for the center"
rec_text=$(bureau_open "$TEST_TMP/rec.cms")
is "$?" 0 "the bureau opens the signed records with openssl"
is "$(printf '%s\n' "$rec_text" | head -1)" "nhicard-bureau-records 1" "its format line"
printf '%s\n' "$rec_text" | grep -v '^[a-z]' >"$TEST_TMP/rec.lines"
record_of() { awk -F'\t' -v s="$(seq_of "$1")" '$1 == s { print $4 }' "$TEST_TMP/rec.lines"; }

# The record signed for card 1: DF07 is the card's key, DF09 verifies with
# the municipality's public key (what a clinic checks), by openssl.
r1=$(record_of 1)
like "$r1" "df0741$(cat "$TEST_TMP/pub1")" "the signed record carries the card's public key as DF07"

# ---- the result, partial: 1, 2 made; 3 spoiled; 4 not yet (in production);
# 5 made, 6 made with 5's public key; 7 made, 8 made with 7's serial.
line() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(seq_of "$1")" "$(un_of "$1")" "$3" "$2" "$4" "$5"; }
{
	line 1 made "$(serial_of 1)" "$(cat "$TEST_TMP/pub1")" "$(record_of 1)"
	line 2 made "$(serial_of 2)" "$(cat "$TEST_TMP/pub2")" "$(record_of 2)"
	line 3 spoiled "$(serial_of 3)" - -
	line 5 made "$(serial_of 5)" "$(cat "$TEST_TMP/pub5")" "$(record_of 5)"
	line 6 made "$(serial_of 6)" "$(cat "$TEST_TMP/pub6")" "$(record_of 6)"
	line 7 made "$(serial_of 7)" "$(cat "$TEST_TMP/pub7")" "$(record_of 7)"
	line 8 made "$(serial_of 7)" "$(cat "$TEST_TMP/pub8")" "$(record_of 8)"
} >"$TEST_TMP/res1.lines"
bureau_file result "$station" "$run" "$TEST_TMP/res1.lines" "$TEST_TMP/res1.txt"
bureau_seal "$TEST_TMP/res1.txt" "$TEST_TMP/res1.cms"

# Bad files first: refused whole, nothing changes.
snap() { sql "SELECT state, exception FROM batch_items ORDER BY id; SELECT id, state FROM cards ORDER BY id; SELECT count(*) FROM queue_records"; }
before=$(snap)
bureau_seal "$TEST_TMP/res1.txt" "$TEST_TMP/other.cms" other
nhi batch preissue import-result "$TEST_TMP/other.cms" "$run"
is "$rc" 3 "a result signed by another bureau exits 3"
like "$out" "not signed by the configured card bureau" "the error says so"
bureau_file result OTHER-STATION "$run" "$TEST_TMP/res1.lines" "$TEST_TMP/st.txt"
bureau_seal "$TEST_TMP/st.txt" "$TEST_TMP/st.cms"
nhi batch preissue import-result "$TEST_TMP/st.cms" "$run"
is "$rc" 1 "a result for another station is refused"
like "$out" "made for station OTHER-STATION, not this station" "the error names the station"
bureau_file result "$station" 999 "$TEST_TMP/res1.lines" "$TEST_TMP/rn.txt"
bureau_seal "$TEST_TMP/rn.txt" "$TEST_TMP/rn.cms"
nhi batch preissue import-result "$TEST_TMP/rn.cms" "$run"
is "$rc" 1 "a result for another run is refused"
like "$out" "made for run 999, not run $run" "the error names the runs"
bureau_file keys "$station" "$run" "$TEST_TMP/keys.lines" "$TEST_TMP/k2.txt"
bureau_seal "$TEST_TMP/k2.txt" "$TEST_TMP/k2.cms"
nhi batch preissue import-result "$TEST_TMP/k2.cms" "$run"
is "$rc" 3 "a keys file given as the result is refused"
head -c 300 "$TEST_TMP/res1.cms" >"$TEST_TMP/cut.cms"
nhi batch preissue import-result "$TEST_TMP/cut.cms" "$run"
is "$rc" 3 "a damaged file is refused"
is "$(snap)" "$before" "the refused files changed nothing"

# Killed in the middle (a power cut after the first card's activation,
# before its group committed): nothing of the group is left.
NHICARD_TEST_CRASH_AT=bureau.import.made nhi batch preissue import-result "$TEST_TMP/res1.cms" "$run"
is "$rc" 99 "the import was killed inside its transaction"
is "$(snap)" "$before" "a killed import leaves the store, the cards and the queue as they were"

nhi batch preissue import-result "$TEST_TMP/res1.cms" "$run"
is "$rc" 3 "the import exits 3: items were set aside"
like "$out" "imported 4 made, 0 undeliverable, 1 spoiled, 2 exceptions, 0 unchanged, 0 rejected" \
    "the summary counts"
is "$(state_of 1)" done "card 1's item is done"
is "$(state_of 2)" done "card 2's item is done"
is "$(state_of 3)" "exception:bureau_spoiled" "the spoiled card's item is set aside"
is "$(state_of 4)" prepared "the item still in production stays open"
is "$(state_of 5)" done "card 5's item is done"
is "$(state_of 6)" "exception:bureau_duplicate_key" "a public key seen twice: set aside"
is "$(state_of 7)" done "card 7's item is done"
is "$(state_of 8)" "exception:bureau_serial_taken" "a serial active for another person: set aside"
is "$(sql "SELECT count(*) FROM cards WHERE state = 'active'")" 4 "four cards are active"
is "$(sql "SELECT count(*) FROM cards c JOIN batch_items b ON b.card_id = c.id WHERE c.state = 'active' AND b.state = 'done' AND c.public_key IS NOT NULL AND c.key_record IS NOT NULL")" 4 \
    "each done item holds its active card with its public key and record"
is "$(sql "SELECT count(*) FROM cards WHERE state = 'revoked' AND state_reason = 'abandoned'")" 3 \
    "the cards signed for the set-aside items are abandoned (keys never issued)"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" 4 \
    "card_issued is queued for each active card and no other"
is "$(sql "SELECT state FROM batch_runs WHERE id = $run")" running "the run stays open"
nhi batch exceptions "$run"
like "$out" "bureau_serial_taken" "the exceptions list names the reasons"

# ---- a re-import changes nothing
before=$(snap)
nhi batch preissue import-result "$TEST_TMP/res1.cms" "$run"
like "$out" "imported 0 made, 0 undeliverable, 0 spoiled, 0 exceptions, 7 unchanged, 0 rejected" \
    "a re-import finds every record already imported"
is "$(snap)" "$before" "a re-import changes nothing"
# The same result in BER (indefinite lengths, as openssl writes when
# streaming): opened by the whole parse instead of the detached one.
openssl cms -sign -binary -nodetach -nosmimecap -stream -outform DER -in "$TEST_TMP/res1.txt" \
    -signer "$TEST_TMP/bureau.crt" -inkey "$TEST_TMP/bureau.key" -out "$TEST_TMP/ber.signed" \
    2>/dev/null &&
openssl cms -encrypt -binary -aes256 -stream -outform DER -in "$TEST_TMP/ber.signed" \
    -out "$TEST_TMP/ber.cms" "$K/test-station.crt" 2>/dev/null || bail "BER file"
is "$(od -An -tx1 -j1 -N1 "$TEST_TMP/ber.cms" | tr -d ' ')" 80 "the BER file has an indefinite length"
nhi batch preissue import-result "$TEST_TMP/ber.cms" "$run"
like "$out" "7 unchanged" "a BER result opens and verifies too"
is "$(snap)" "$before" "and changes nothing either"

# ---- the rest: card 4 made with a record whose signature was altered
# (one byte of DF09), an unknown user number; then the good one.
bad4=$(record_of 4 | sed 's/.$/0/; s/0$/1/')
[ "$bad4" != "$(record_of 4)" ] || bad4=$(record_of 4 | sed 's/.$/2/')
{
	line 4 made "$(serial_of 4)" "$(cat "$TEST_TMP/pub4")" "$bad4"
	printf '%s\t%s\t%s\tmade\t%s\t%s\n' 99 00112233445566778899aabbccddeeff "$(serial_of 9)" \
	    "$(cat "$TEST_TMP/pub4")" "$(record_of 4)"
} >"$TEST_TMP/res2.lines"
bureau_file result "$station" "$run" "$TEST_TMP/res2.lines" "$TEST_TMP/res2.txt"
bureau_seal "$TEST_TMP/res2.txt" "$TEST_TMP/res2.cms"
nhi batch preissue import-result "$TEST_TMP/res2.cms" "$run"
is "$rc" 3 "the import with a bad signature exits 3"
like "$out" "res2.cms:8: the user number is no item of run $run" "the unknown user number is named with its line"
is "$(state_of 4)" "exception:bureau_bad_signature" "a key record whose signature fails: set aside, not done"
is "$(sql "SELECT count(*) FROM cards WHERE state = 'active'")" 4 "no card became active"
is "$(sql "SELECT state FROM batch_runs WHERE id = $run")" done \
    "the run is done: every item done or set aside"

# ---- undeliverable: card 2 comes back; revoked at the center as lost
{ line 2 undeliverable "$(serial_of 2)" "$(cat "$TEST_TMP/pub2")" "$(record_of 2)"; } \
    >"$TEST_TMP/res3.lines"
bureau_file result "$station" "$run" "$TEST_TMP/res3.lines" "$TEST_TMP/res3.txt"
bureau_seal "$TEST_TMP/res3.txt" "$TEST_TMP/res3.cms"
nhi batch preissue import-result "$TEST_TMP/res3.cms" "$run"
is "$rc" 0 "an undeliverable card's result imports"
like "$out" "1 undeliverable" "the summary counts it"
c2=$(sql "SELECT card_id FROM batch_items WHERE run_id = $run AND seq = $(seq_of 2)")
is "$(sql "SELECT state || ':' || state_reason FROM cards WHERE id = $c2")" "suspended:lost" \
    "the card is suspended (revoked at the center as lost), no clerk involved"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_revoked'")" 1 \
    "its revocation is queued for the center"
nhi batch preissue import-result "$TEST_TMP/res3.cms" "$run"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_revoked'")" 1 \
    "importing it again revokes nothing twice"
nhi reinstate --card "$c2"
is "$rc" 0 "the resident collects the returned card: a clerk reinstates it"
is "$(sql "SELECT state FROM cards WHERE id = $c2")" active "the card is active again"

# ---- lost in the mail: the resident reports it; the counter's loss path
c1=$(sql "SELECT card_id FROM batch_items WHERE run_id = $run AND seq = $(seq_of 1)")
nhi revoke --card "$c1" --reason lost --reported-by holder --how phone
is "$rc" 0 "a card lost in the mail takes the loss-report path"
is "$(sql "SELECT state FROM cards WHERE id = $c1")" suspended "the card is suspended"

done_testing
