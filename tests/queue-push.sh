#!/bin/sh
# `nhicard queue send`: the online push to nhicard-center over HTTPS with
# mutual TLS on 127.0.0.1: everything delivered once, the station's view
# matching the center's; a center that is down, hangs, or shows the wrong
# certificate; a station the center does not trust; bad configuration.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
center_tls

send() { "$NHICARD" --db st.db --config st.conf queue send; }
contiguous() { "$CENTER" --db "$CENTER_DB" status | sed -n "s/^station $1: .*contiguous \([0-9]*\),.*/\1/p"; }

station_db st.db 60
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
ok "$([ "$n" -ge 10 ]; echo $?)" "the station queued records ($n)"

# Configuration problems are named before anything travels.
printf '[station]\nmode = test\n' > st.conf
run send
is "$rc" 3 "send without a center URL is a configuration error (exit 3)"
like "$out" "queue.center_url is not set" "the missing key is named"
station_conf st.conf http://127.0.0.1:1
run send
is "$rc" 3 "a plain http URL is refused"
like "$out" "queue.center_url http://127.0.0.1:1: must start with https://" "the URL is named"

# The center is down: connection refused, nothing changes, exit 5.
center_start
center_stop
station_conf st.conf "$CENTER_URL"
before=$("$SQLITE3" st.db "SELECT count(*), max(seq) FROM queue_records WHERE acked_at IS NULL")
run send
is "$rc" 5 "a center that is down: exit 5"
like "$out" "cannot connect" "the failure says the center cannot be reached"
like "$out" "not delivered, they stay queued" "it says the records stay queued"
is "$(station_open st.db)" "$n" "every record is still open"
is "$(station_through st.db)" 0 "the station's view is unchanged"

# A center that accepts the connection and never answers: timeout, exit 5.
listen_start "$top_builddir/tests/tcp-cut" 0 hold 0
hold_pid=$LISTEN_PID
station_conf st.conf "https://127.0.0.1:$LISTEN_PORT"
sed -i 's/^push_timeout = .*/push_timeout = 1/' st.conf
run send
is "$rc" 5 "a center that hangs: exit 5"
like "$out" "timed out after 1 s" "the timeout is named"
is "$(station_open st.db)" "$n" "every record is still open after the timeout"
kill "$hold_pid" 2>/dev/null

# The center shows a certificate from another CA: refused, nothing sent.
CENTER_TLS_KEY=wrong.key CENTER_TLS_CERT=wrong.crt center_start
station_conf st.conf "$CENTER_URL"
run send
is "$rc" 1 "the wrong center certificate is refused (exit 1)"
like "$out" "TLS certificate is not the center's: it does not verify against queue.center_ca" \
    "the problem is named with the key to check"
center_stop
is "$(center_held ST01)" 0 "the wrong center received nothing"
is "$(station_open st.db)" "$n" "every record is still open"

# A center that takes smaller batches than the station sends.
CENTER_ARGS="--max-batch 1024" center_start
station_conf st.conf "$CENTER_URL"
run send
is "$rc" 5 "a batch over the center's limit: exit 5"
like "$out" "answered HTTP 413: batch too large" "the center's answer is named"
is "$(station_open st.db)" "$n" "every record is still open"
center_stop

# The right center; the station presents a certificate it does not trust.
center_start
station_conf st.conf "$CENTER_URL"
sed -i "s|^client_cert = .*|client_cert = $TEST_TMP/wrong.crt|; s|^client_key = .*|client_key = $TEST_TMP/wrong.key|" st.conf
run send
is "$rc" 1 "a station certificate outside the stations' CA is refused (exit 1)"
like "$out" "refused the station: REFUSED: client certificate does not chain" \
    "the center says why"
is "$(center_held ST01)" 0 "nothing was stored for an untrusted station"

# A station's TLS certificate from the right CA but for another station.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=nhicard TEST/CN=nhicard TEST station ST02" -keyout st02.key -out st02.csr 2>/dev/null
openssl x509 -req -in st02.csr -CA "$KEYS/test-queue-ca.crt" -CAkey "$KEYS/test-queue-ca.key" \
    -set_serial 77 -days 2 -out st02.crt 2>/dev/null || bail "station ST02 certificate"
station_conf st.conf "$CENTER_URL"
sed -i "s|^client_cert = .*|client_cert = $TEST_TMP/st02.crt|; s|^client_key = .*|client_key = $TEST_TMP/st02.key|" st.conf
run send
is "$rc" 1 "a batch of ST01 over the connection of ST02 is refused (exit 1)"
like "$out" "batch of station ST01 sent over the connection of 'nhicard TEST station ST02'" \
    "the center names both stations"
is "$(center_held ST01)" 0 "nothing was stored"

# Everything in order: all delivered once, both views agree.
station_conf st.conf "$CENTER_URL"
sed -i 's/^push_timeout = .*/push_timeout = 10\npush_batch = 25/' st.conf
run send
is "$rc" 0 "queue send exits 0"
like "$out" "sent $n records in [0-9]+ batches: $n acknowledged, 0 rejected; center holds through $n" \
    "it says what was sent and acknowledged"
is "$(center_held ST01)" "$n" "the center holds every record"
is "$(center_dups)" "" "no record is stored twice"
is "$(station_through st.db)" "$n" "the station's view: through $n"
is "$(contiguous ST01)" "$n" "the center's view: contiguous $n"
is "$(station_open st.db)" 0 "nothing is open at the station"
run send
is "$rc" 0 "a send with nothing open exits 0"
like "$out" "nothing to send; the center holds through $n" "and says nothing was sent"

# New events later travel the same way.
"$top_builddir/bench/gen-extract" --residents 80 --seed 8 -o more.csv 2>/dev/null
# Other people under new person codes: the same codes with other names are
# another town's file and refused whole (issue 15).
sed -i 's/^\(FULL,[^,]*,\)1/\12/' more.csv
"$NHICARD" --db st.db import more.csv >/dev/null || bail "import"
m=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
ok "$([ "$m" -gt "$n" ]; echo $?)" "more records were queued ($m)"
run send
is "$rc" 0 "the second send exits 0"
is "$(center_held ST01)" "$m" "the center holds all $m records"
is "$(station_through st.db)" "$(contiguous ST01)" "the views agree"
run "$CENTER" --db "$CENTER_DB" status
like "$out" "station ST01: held $m, contiguous $m, highest $m, rejected 0, gaps none" \
    "the center's status"

# Online, a revocation that arrives before its card's issuance is held and
# applied when the issuance comes (issue 16 item 12), posted as a station
# posts: mutual TLS, signed by the station, encrypted to the center.
U=$(printf 'b%031d' 7)
post() { # post SEQ KIND LANE: one record of card U as its own batch
	printf '{"format":"nhicard-queue-batch","version":1,"station":"ST01","batch":%s,"created":"2026-11-25T00:00:00Z","records":1,"audit_seq":0,"audit_hash":"%064d"}\n{"seq":%s,"id":"%032d","attempt":1,"lane":"%s","kind":"%s","created":"2026-11-25T00:00:00Z","data":{"user_number":"%s","person":1%s}}\n' \
	    "$((900 + $1))" 0 "$1" "$1" "$3" "$2" "$U" \
	    "$([ "$2" = card_revoked ] && echo ',"reason":"lost"')" >p.jsonl
	openssl cms -sign -binary -nodetach -outform DER -in p.jsonl -signer "$KEYS/test-station.crt" \
	    -inkey "$KEYS/test-station.key" -out p.sig 2>/dev/null &&
	openssl cms -encrypt -binary -aes256 -outform DER -in p.sig -out p.cms \
	    "$KEYS/test-center.crt" 2>/dev/null || bail "openssl cms"
	curl -s -o p.ack -w '%{http_code}' --cacert "$KEYS/test-queue-ca.crt" \
	    --cert "$KEYS/test-station.crt" --key "$KEYS/test-station.key" \
	    --data-binary @p.cms -H 'Content-Type: application/octet-stream' "$CENTER_URL/batch"
}
held() { center_sql "SELECT count(*) FROM held_revocation WHERE user_number = '$U'"; }
is "$(post $((m + 1)) card_revoked revocation)" 200 "an early revocation posted online is taken"
unlike "$(openssl cms -verify -binary -inform DER -in p.ack -noverify 2>/dev/null)" \
    "reject $((m + 1)) " "and not rejected"
is "$(held)" 1 "the center holds it for its issuance"
is "$(post $((m + 2)) card_issued bulk)" 200 "the issuance follows online"
is "$(held)" 0 "and the held revocation is applied"
center_stop

# Every send is audited in the transaction that marks its batch sent, and
# every acknowledgement applied, as from the media (issue 16 item 5).
ok "$([ "$("$SQLITE3" st.db "SELECT count(*) FROM audit_log WHERE action = 'queue.send'
    AND outcome = 'ok'")" -ge 2 ]; echo $?)" "each batch sent is audited"
failed_sends=$("$SQLITE3" st.db "SELECT count(*) FROM audit_log WHERE action = 'queue.send'
    AND outcome <> 'ok'")
ok "$([ "$failed_sends" -ge 6 ]; echo $?)" \
    "each failed send too (configuration, down, timeout, wrong center, too large ...: $failed_sends)"
ok "$([ "$("$SQLITE3" st.db "SELECT count(*) FROM audit_log WHERE action = 'queue.import_ack'
    AND outcome = 'ok'")" -ge 2 ]; echo $?)" "each acknowledgement applied is audited"

done_testing
