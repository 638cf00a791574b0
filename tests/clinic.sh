#!/bin/sh
# The other half, end to end (issue 21): a card issued at the station,
# its records sent to nhicard-center over HTTPS, then nhicard-clinic reads
# the same emulator card through pcscd, checks it against the center's
# trust list and asks the center: insured, with the right numbers, and a
# visit file for the receipt computer. Then a copied card, a forged card,
# an unknown municipality, a center that is down or does not answer
# (offline, with the reason), and a revocation at the station that the
# clinic sees (online and from the revocation list offline). Then the
# query API's bad input: malformed queries, no challenge, a replayed or
# stale challenge, an answer that does not verify, a clinic that is not
# registered or not a clinic, a flood (rate limit); the center keeps
# running and records every query.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/center.sh"
. "$top_srcdir/tests/lib/clinic.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed"
command -v curl >/dev/null 2>&1 || skip_all "curl is needed to send raw queries"
cd "$TEST_TMP" || bail "cd"
today=$(TZ=JST-9 date +%Y-%m-%d)	# the clinic's visit date: JST

# ---- the command lines refuse what they do not take
run "$CLINIC" --center https://127.0.0.1:1 --cert x --key x --ca x --center-cert x check stray
is "$rc" 2 "nhicard-clinic: a stray word is a usage error"
run "$CLINIC" check
like "$out" "--center, --cert, --key, --ca and --center-cert are needed" "the needed options are named"
run "$CENTER" --db c0.db clinic add 1311234560 "x"
is "$rc" 2 "a 医療機関コード with a wrong check digit is refused (exit 2)"
like "$out" "check digit \(digit 10\) wrong" "and the message says which digit"
run "$CENTER" --db c0.db clinic add 4811234569 "x"
like "$out" "prefecture \(digits 1-2\) not 01..47" "a prefecture out of range is named"
run "$CENTER" --db c0.db trust add 131016 /nonexistent.pem
like "$out" "/nonexistent.pem: cannot read" "trust add names a key file it cannot read"

pcsc_start
make_store "$DB"
sql "UPDATE meta SET value='ST01' WHERE key='station_id'" || bail "station id"
center_tls
clinic_certs
center_start
station_conf q.conf "$CENTER_URL"
sed -n '/^\[queue\]/,$p' q.conf >> "$CONF"
clinic_register
# center_restart: on a new port; the station and the clinic follow.
center_restart() {
	center_start "$@"
	sed -i "s|^center_url = .*|center_url = $CENTER_URL|" "$CONF"
	CLINIC_URL=$CENTER_URL
}

# ---- issue, send, check: insured with the right numbers
insert_card "$TEST_TMP/juki" juki
nhi issue 1
is "$rc" 0 "the station issues the card"
nhi queue send
is "$rc" 0 "the station sends its queue to the center"
un=$(sql "SELECT lower(hex(user_number)) FROM cards")
is "$(center_sql "SELECT CAST(issued AS TEXT) || CAST(revoked AS TEXT) || municipality FROM elig_card
    WHERE user_number = '$un'")" "10131016" "the center keeps the card, not revoked, of 131016"

NHICARD_CLINIC_SAVE_QUERY=$TEST_TMP/query.json clinic check
is "$rc" 0 "the clinic's check exits 0 (insured)"
like "$out" "key record: signature verifies \(municipality 131016" "the key record verifies with the trust list"
like "$out" "card: answers the challenge \(genuine\)" "the card answers the challenge"
like "$out" "center: INSURED on $today" "the center says insured today"
like "$out" "insurer: 133116 千代田区" "insurer number and name"
like "$out" "記号: 1  番号: 2  枝番: -" "記号, 番号, 枝番 as the station holds them"
like "$out" "document: hihokensha, valid from 2020-04-01" "document kind and validity"
like "$out" "burden: 30%" "the burden ratio"
unlike "$out" "$un" "the user number is never shown whole"
vf=$(ls visits/*.visit 2>/dev/null | head -n 1)
[ -n "$vf" ]; ok $? "one visit file was written"
is "$(ls visits | wc -l)" 1 "nothing else (no temporary file) is left in the folder"
is "$(sed -n 1p "$vf")" "nhicard-visit 1" "the visit file starts with its header"
is "$(awk '$1 == "result" { print $2 }' "$vf")" insured "visit file: result insured"
is "$(awk '$1 == "symbol" || $1 == "number" || $1 == "insurer_number" { printf "%s ", $2 }' "$vf")" \
    "133116 1 2 " "visit file: insurer, 記号, 番号"
is "$(tail -n 1 "$vf")" end "the visit file ends with end"
af=$(awk '$1 == "answer_file" { print $2 }' "$vf")
openssl cms -verify -binary -inform DER -in "$af" -CAfile "$KEYS/test-queue-ca.crt" \
    -purpose any -out answer.json 2>/dev/null
is "$?" 0 "the kept answer is signed by the center (openssl cms -verify)"
like "$(cat answer.json)" "\"insured\":true" "the signed answer says insured"
like "$("$CENTER" --db "$CENTER_DB" queries "$un")" "clinic 1311234569 \(TEST clinic\) visit $today: insured" \
    "the center recorded who asked about the card, when and what it answered"

# ---- the query replayed: refused, and nothing answered about the card
run curl -s --cert clinic.crt --key clinic.key --cacert "$KEYS/test-queue-ca.crt" \
    -H 'Content-Type: application/json' --data-binary @query.json "$CENTER_URL/v1/eligibility"
like "$out" '"error":"replayed_challenge"' "a replayed query (same challenge) is refused"

# ---- a copied card (wrong answer to the challenge) and a forged one
card_remove
card_insert "$TEST_TMP/juki" --corrupt-resp 2
clinic check
is "$rc" 13 "a copied card (its answer does not verify) exits 13"
like "$out" "COPIED CARD" "the clerk is told it is a copy"
card_remove
card_insert "$TEST_TMP/juki" --corrupt-resp 1
clinic check
is "$rc" 12 "a forged card (the key record's signature fails) exits 12"
like "$out" "FORGED CARD: the key record's signature does not verify" "the clerk is told it is forged"
card_remove
card_insert "$TEST_TMP/juki"

# ---- a municipality the trust list does not hold
sid=$(center_sql "SELECT signer_id FROM trust_key")
center_sql "UPDATE trust_key SET signer_id = '00000000000000ff'"
clinic check
is "$rc" 14 "a card of a municipality not in the trust list exits 14"
like "$out" "UNKNOWN MUNICIPALITY: the key record is signed by key [0-9a-f]{16} for municipality 131016" \
    "the message names the signer key and municipality"
center_sql "UPDATE trust_key SET signer_id = '$sid'"
clinic update
like "$out" "trust list version 1 \(1 keys\)" "clinic update fetches the trust list again"

# ---- the center down, then a center that does not answer
center_stop
clinic check
is "$rc" 20 "with the center down the check exits 20 (offline)"
like "$out" "OFFLINE: the center .* cannot be reached" "it says it is offline and why"
like "$out" "offline: the card is genuine and not on the revocation list" "it says what it could check"
like "$out" "last answer kept here" "it shows the last answer kept for this card"
like "$out" "eligibility on $today NOT CONFIRMED" "it does not claim eligibility"
python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(120)' > mute.port &
mute=$!
at_exit "kill $mute 2>/dev/null"
i=0; while [ ! -s mute.port ] && [ $i -lt 100 ]; do i=$((i + 1)); python3 -c 'import time; time.sleep(0.05)'; done
CLINIC_URL=https://127.0.0.1:$(cat mute.port) clinic --timeout 1 check
is "$rc" 20 "a center that does not answer: offline (exit 20)"
like "$out" "did not answer within 1 s" "the reason is the timeout"
kill $mute 2>/dev/null

# ---- revoked at the station, sent: the clinic sees it
center_restart
nhi revoke --card 1 --reason lost --reported-by holder --how phone
is "$rc" 0 "the station revokes the card"
nhi queue send
is "$rc" 0 "and sends the revocation"
clinic check
is "$rc" 11 "the clinic's check of the revoked card exits 11"
like "$out" "center: NOT INSURED: the card is revoked \(lost" "the center says revoked, and why"
is "$(awk '$1 == "result" { print $2 }' "$(ls -t visits/*.visit | head -n 1)")" revoked \
    "the visit file says revoked"
clinic update
like "$out" "revocation list version [0-9]+ \(1 revoked\)" "the revocation list holds the card"
center_stop
clinic check
is "$rc" 11 "offline, the revocation list kept says revoked (exit 11)"
like "$out" "REVOKED \(revocation list version" "from the revocation list kept here"
center_restart

# ---- bad queries (raw, with the clinic's certificate)
q() { run curl -s --cert "${QCERT:-clinic.crt}" --key "${QKEY:-clinic.key}" \
    --cacert "$KEYS/test-queue-ca.crt" -H 'Content-Type: application/json' \
    --data-binary "$1" "$CENTER_URL/v1/eligibility"; }
now=$(printf '%016x' "$(date +%s)")
z48=000000000000000000000000000000000000000000000000
ans=$(printf '%0128d' 7)
q 'not json'
like "$out" '"error":"malformed"' "not JSON: malformed"
q '{"version":1,"user_number":"'$un'","insurer_number":"133116","visit_date":"2026-01-01"}'
like "$out" '"error":"malformed","detail":"challenge is not 64' "no challenge: refused, naming the member"
q '{"version":1,"user_number":"'$un'","insurer_number":"133116","challenge":"'$now$z48'","answer":"'$ans'","visit_date":"2026-02-30"}'
like "$out" 'visit_date is not a date' "an impossible date is named"
q '{"version":1,"user_number":"'$un'","insurer_number":"133116","challenge":"'$now$z48'","answer":"'$ans'","visit_date":"2026-01-05"}'
like "$out" '"error":"challenge_failed"' "an answer that is not the card's: refused (no card present)"
unlike "$out" "insured" "and nothing about the person is answered"
q '{"version":1,"user_number":"'$un'","insurer_number":"133116","challenge":"0000000000000001'$z48'","answer":"'$ans'","visit_date":"2026-01-05"}'
like "$out" '"error":"stale_challenge"' "a challenge from long ago: refused"
q '{"version":1,"version":1}'
like "$out" '"error":"malformed".*duplicate' "a duplicate key is refused"
QCERT=other.crt QKEY=other.key q '{}'
like "$out" '"error":"unknown_clinic"' "a clinic not registered at the center is refused"
QCERT=$KEYS/test-station.crt QKEY=$KEYS/test-station.key q '{}'
like "$out" '"error":"not_a_clinic"' "a station's certificate is not a clinic's"
run curl -s --cacert "$KEYS/test-queue-ca.crt" --data-binary '{}' "$CENTER_URL/v1/eligibility"
like "$out" "REFUSED: no client certificate" "no client certificate: refused"
kill -0 "$CENTER_PID"; ok $? "the center is still running after the bad input"
n=$(center_sql "SELECT count(*) FROM query_log WHERE outcome IN
    ('malformed', 'challenge_failed', 'stale_challenge', 'unknown_clinic')")
is "$n" 7 "each refused query is recorded with its outcome"

# ---- the serving center checkpoints its WAL itself (center-db-ckpt.c):
# the database file alone, copied without its WAL, holds the queries just
# recorded. SQLite's own checkpoint would come only at 1000 pages of WAL,
# inside some query's commit, with every other query waiting behind it.
if [ "$CENTER_ENGINE" = sqlite ]; then
	ckpt_rows() {
		rm -f ckpt.db ckpt.db-wal ckpt.db-shm
		cp center.db ckpt.db && "$SQLITE3" ckpt.db "SELECT count(*) FROM query_log
		    WHERE outcome IN ('malformed', 'challenge_failed', 'stale_challenge',
		    'unknown_clinic')" 2>/dev/null
	}
	i=0
	while [ "$(ckpt_rows)" != 7 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	is "$(ckpt_rows)" 7 "while serving, the database file holds the queries without its WAL (checkpointed)"
fi

# ---- a flood from one clinic: the rate limit answers 429 with the reason
center_stop
CENTER_ARGS="--clinic-rate 2" center_start
q '{}'; q '{}'; q '{}'
like "$out" '"error":"rate_limited","detail":"clinic 1311234569 asked more than 2 times a minute' \
    "the third query in a minute is refused with the reason"
kill -0 "$CENTER_PID"; ok $? "the center keeps running"
center_stop

done_testing
