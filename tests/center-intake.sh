#!/bin/sh
# nhicard-center on removable media: `queue export` -> `nhicard-center
# import` -> `queue import-ack`; duplicates replayed, a rejected record
# resubmitted under the same id, and every kind of bad batch refused with
# the file and the reason. Batches made with the stock openssl command
# prove the format is the documented one.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
cd "$TEST_TMP" || bail "cd"
center_tls

K=$KEYS
center() { "$CENTER" --db "$CENTER_DB" "$@"; }
cimport() {
	"$CENTER" --db "$CENTER_DB" import --key "$K/test-center.key" \
	    --cert "$K/test-center.crt" --ca "$K/test-queue-ca.crt" "$@"
}
contiguous() { center status | sed -n "s/^station $1: .*contiguous \([0-9]*\),.*/\1/p"; }

# The command line.
run "$CENTER" --help
is "$rc" 0 "--help exits 0"
like "$out" "--port N" "--help shows serve and --port"
like "$out" "import .*DIR" "--help shows import"
like "$out" "status" "--help shows status"
run "$CENTER" frobnicate
is "$rc" 2 "an unknown command is a usage error (exit 2)"
like "$out" "unknown command 'frobnicate'" "the unknown command is named"
run "$CENTER" --db "$CENTER_DB" serve --port 0
is "$rc" 2 "serve without keys is a usage error"
like "$out" "needs --key, --cert and --ca" "the missing options are named"
run "$CENTER" --db "$CENTER_DB" serve --port 70000 --key a --cert b --ca c
is "$rc" 2 "a port out of range is a usage error"
like "$out" "--port 70000" "the bad port is named"
run center status
is "$rc" 0 "status on a new store exits 0"
like "$out" "no stations" "a new store has no stations"

# A station with records, exported to media.
station_conf st.conf
station_db st.db 60
n=$("$SQLITE3" st.db "SELECT count(*) FROM queue_records")
ok "$([ "$n" -ge 10 ]; echo $?)" "the station queued records ($n)"
# One record is damaged before it travels: the center must reject it.
"$SQLITE3" st.db "UPDATE queue_records SET payload = CAST(replace(CAST(payload AS TEXT),
    '\"period\":', '\"periodx\":') AS BLOB) WHERE seq = 3"
mkdir m1
run "$NHICARD" --db st.db --config st.conf queue export m1
is "$rc" 0 "queue export exits 0"

run cimport m1
is "$rc" 0 "nhicard-center import exits 0"
like "$out" "ST01-b00000001.cms: acknowledged in ST01-a00000001.ack" "the batch is acknowledged in a file"
ok "$([ -f m1/ST01-a00000001.ack ]; echo $?)" "the acknowledgement file is written next to the batch"
is "$(center_held ST01)" "$((n - 1))" "the center holds every record but the damaged one"
run openssl cms -verify -binary -inform DER -in m1/ST01-a00000001.ack \
    -CAfile "$K/test-queue-ca.crt" -purpose any
is "$rc" 0 "the stock openssl command verifies the acknowledgement"
like "$out" "^through $n$" "the acknowledgement counts the rejected record as processed"
like "$out" "reject 3 [0-9a-f]{32} 1 malformed data.period is not an integer" \
    "the rejection names the record, the attempt and the reason"

run "$NHICARD" --db st.db --config st.conf queue import-ack m1/ST01-a00000001.ack
is "$rc" 0 "the station imports the acknowledgement"
is "$(station_through st.db)" "$n" "the station's view: the center holds through $n"
is "$(contiguous ST01)" "$n" "the center's view: contiguous $n"
run "$NHICARD" --db st.db --config st.conf queue status
like "$out" "data.period is not an integer" "the rejection is a work item at the station"

# The same batch again (a replay from the media): stored once, acknowledged again.
run cimport m1
is "$rc" 0 "a replayed batch is accepted"
is "$(center_held ST01)" "$((n - 1))" "a replayed batch stores nothing twice"
is "$(center_dups)" "" "no record is stored twice"
run "$NHICARD" --db st.db --config st.conf queue import-ack m1/ST01-a00000002.ack
is "$rc" 0 "the second acknowledgement (serial 2) is applied"
run "$NHICARD" --db st.db --config st.conf queue import-ack m1/ST01-a00000001.ack
ok "$([ "$rc" -ne 0 ]; echo $?)" "an older acknowledgement is refused by the station"
is "$(station_through st.db)" "$n" "the refused acknowledgement changes nothing"

# The clerk repairs the cause and resubmits under the same record id.
id3=$("$SQLITE3" st.db "SELECT record_id FROM queue_records WHERE seq = 3")
"$SQLITE3" st.db "UPDATE queue_records SET payload = CAST(replace(CAST(payload AS TEXT),
    '\"periodx\":', '\"period\":') AS BLOB) WHERE seq = 3"
run "$NHICARD" --db st.db --config st.conf queue retry 3
is "$rc" 0 "queue retry resubmits the rejected record"
mkdir m2
"$NHICARD" --db st.db --config st.conf queue export m2 >/dev/null
run cimport m2
is "$rc" 0 "the resubmission is imported"
is "$(center_held ST01)" "$n" "the center now holds every record"
is "$(center_sql "SELECT attempt FROM record WHERE record_id = '$id3'")" 2 \
    "it is stored once, under the same id, as attempt 2"
is "$(center_sql "SELECT count(*) FROM rejection")" 0 "the rejection is cleared"
ack=$(ls m2/*.ack)
run "$NHICARD" --db st.db --config st.conf queue import-ack $ack
is "$rc" 0 "the station imports the new acknowledgement"
is "$(station_open st.db)" 0 "nothing is open at the station"
is "$("$SQLITE3" st.db "SELECT count(*) FROM queue_records WHERE acked_at IS NOT NULL")" "$n" \
    "every record is acknowledged at the station"
run center status
like "$out" "station ST01: held $n, contiguous $n, highest $n, rejected 0, gaps none" \
    "status: held, contiguous, highest, rejected, gaps"

# Bad batches, each refused naming the file and the problem.
mkdir bad
printf 'not cms at all' > bad/ST01-b00000099.cms
run cimport bad
is "$rc" 3 "a file that is not CMS is refused (exit 3)"
like "$out" "bad/ST01-b00000099.cms: batch: not a CMS structure" "the file and the problem are named"
rm bad/*

# Hand-made batches with the stock openssl command.
hdr() { printf '{"format":"nhicard-queue-batch","version":1,"station":"%s","batch":1,"created":"2026-11-25T00:00:00Z","records":%s,"audit_seq":0,"audit_hash":"%064d"}\n' "$1" "$2" 0; }
rec() { printf '{"seq":%s,"id":"%s","attempt":1,"lane":"bulk","kind":"eligibility_changed","created":"2026-11-25T00:00:00Z","data":{"period":%s,"person":1}}\n' "$1" "$2" "$1"; }
mkbatch() {
	# mkbatch OUT CONTENT SIGNER_CERT SIGNER_KEY RECIPIENT_CERT
	openssl cms -sign -binary -nodetach -outform DER -in "$2" -signer "$3" \
	    -inkey "$4" -out "$1.sig" 2>/dev/null &&
	openssl cms -encrypt -binary -aes256 -outform DER -in "$1.sig" -out "$1" "$5" \
	    2>/dev/null || bail "openssl cms failed"
	rm -f "$1.sig"
}
{ hdr ST09 1; rec 1 0123456789abcdef0123456789abcdef; } > st09.jsonl
mkbatch bad/ST09-b00000001.cms st09.jsonl "$K/test-station.crt" "$K/test-station.key" "$K/test-center.crt"
run cimport bad
is "$rc" 1 "a batch for another station than its signer's is refused"
like "$out" "batch 1 of station ST09 is signed by the certificate of 'nhicard TEST station ST01'" \
    "the station and the signer are named"
rm bad/*

{ hdr ST01 1; rec 1 0123456789abcdef0123456789abcdef; } > self.jsonl
mkbatch bad/ST01-b00000077.cms self.jsonl wrong.crt wrong.key "$K/test-center.crt"
run cimport bad
is "$rc" 1 "a batch signed outside the stations' CA is refused"
like "$out" "ST01-b00000077.cms: batch: station signature does not verify" "the signature problem is named"
rm bad/*

mkbatch bad/ST01-b00000078.cms self.jsonl "$K/test-station.crt" "$K/test-station.key" \
    "$K/test-center-wrong.crt"
run cimport bad
is "$rc" 3 "a batch encrypted to another center is refused"
like "$out" "cannot decrypt with the center's key" "the decryption problem is named"
rm bad/*

for case in 'header:{"format":"other","version":1}' 'count:' 'line:' 'seq:' 'id:'; do
	name=${case%%:*}
	case $name in
	header) printf '%s\n' "${case#*:}" > c.jsonl; want="batch line 1: format is not nhicard-queue-batch" ;;
	nohead) { hdr ST01 1 | sed 's/,"audit_seq".*}/}/'; rec 1 0123456789abcdef0123456789abcdef; } > c.jsonl
	       want="batch line 1: audit_seq is missing or negative" ;;
	count) { hdr ST01 2; rec 1 0123456789abcdef0123456789abcdef; } > c.jsonl
	       want="header says 2 records, 1 follow" ;;
	line) { hdr ST01 1; printf '{"seq":1,"id":\n'; } > c.jsonl; want="batch line 2, byte 15: unexpected token near end of file" ;;
	seq) { hdr ST01 1; printf '{"seq":-4,"id":"0123456789abcdef0123456789abcdef","attempt":1}\n'; } > c.jsonl
	     want="batch line 2: seq is missing or not a positive integer" ;;
	id) { hdr ST01 1; printf '{"seq":4,"id":"XYZ","attempt":1}\n'; } > c.jsonl
	    want="batch line 2: id is not 32 lower-case hex digits" ;;
	esac
	mkbatch bad/ST01-b00000080.cms c.jsonl "$K/test-station.crt" "$K/test-station.key" "$K/test-center.crt"
	run cimport bad
	is "$rc" 3 "malformed batch ($name) is refused (exit 3)"
	like "$out" "$want" "malformed batch ($name): the line and the problem are named"
	rm bad/*
done

# A well-formed record the center cannot take: rejected with a reason,
# the rest of the batch is stored.
{ hdr ST02 4
  printf '{"seq":1,"id":"11111111111111111111111111111111","attempt":1,"lane":"revocation","kind":"card_revoked","created":"2026-11-25T00:00:00Z","data":{"user_number":"22222222222222222222222222222222","person":1,"reason":"lost"}}\n'
  printf '{"seq":2,"id":"33333333333333333333333333333333","attempt":1,"lane":"bulk","kind":"card_revoked","created":"2026-11-25T00:00:00Z","data":{}}\n'
  printf '{"seq":3,"id":"44444444444444444444444444444444","attempt":1,"lane":"bulk","kind":"evil\\nthrough 999","created":"2026-11-25T00:00:00Z","data":{}}\n'
  rec 6 55555555555555555555555555555555
} > c.jsonl
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=nhicard TEST/CN=nhicard TEST station ST02" -keyout st02.key -out st02.csr 2>/dev/null
openssl x509 -req -in st02.csr -CA "$K/test-queue-ca.crt" -CAkey "$K/test-queue-ca.key" \
    -set_serial 77 -days 2 -out st02.crt 2>/dev/null || bail "station ST02 certificate"
mkbatch bad/ST02-b00000001.cms c.jsonl st02.crt st02.key "$K/test-center.crt"
run cimport bad
is "$rc" 0 "a batch with refused records is still acknowledged"
run openssl cms -verify -binary -inform DER -in bad/ST02-a00000001.ack -CAfile "$K/test-queue-ca.crt" -purpose any
unlike "$out" "reject 1 " \
    "a revocation before its card's issuance is not rejected (issue 16 item 12)"
like "$out" "reject 2 3{32} 1 wrong_lane a card_revoked record travels in lane revocation" \
    "a record in the wrong lane is rejected with its reason"
like "$out" "reject 3 4{32} 1 unknown_kind unknown record kind 'evil\?through 999'" \
    "an unknown kind is rejected, the station's text made harmless"
unlike "$out" "^through 999" "the station's text cannot forge a line of the acknowledgement"
like "$out" "^through 3$" "rejected records count as processed, up to the gap"
like "$out" "^held 6$" "a record above the gap is reported held"
is "$(center_held ST02)" 2 "of ST02 the good record and the early revocation are stored"
run center status
like "$out" "station ST02: held 2, contiguous 3, highest 6, rejected 2, gaps 4-5" \
    "status shows the gap and the rejections"
like "$out" "revocations held for an issuance not yet received: 1" \
    "and the revocation held for its issuance"
is "$(center_held ST01)" "$n" "ST01 is untouched by all the refused batches"
is "$(center_dups)" "" "no record is stored twice"

# ---- A revocation never loses to its own issuance (issue 16 item 12):
# the center holds a revocation or reinstatement that arrives before the
# card's issuance and applies it when the issuance comes, in every order,
# in one batch or in several.
issued() { printf '{"seq":%s,"id":"%s","attempt":1,"lane":"bulk","kind":"card_issued","created":"2026-11-25T00:00:00Z","data":{"user_number":"%s","person":1}}\n' "$1" "$2" "$3"; }
revoked() { printf '{"seq":%s,"id":"%s","attempt":1,"lane":"revocation","kind":"card_revoked","created":"2026-11-25T00:00:00Z","data":{"user_number":"%s","person":1,"reason":"lost"}}\n' "$1" "$2" "$3"; }
reinstated() { printf '{"seq":%s,"id":"%s","attempt":1,"lane":"revocation","kind":"card_reinstated","created":"2026-11-25T00:00:00Z","data":{"user_number":"%s","person":1}}\n' "$1" "$2" "$3"; }
held_for() { center_sql "SELECT count(*) FROM held_revocation WHERE user_number = '$1'"; }
id() { printf '%032d' "$1"; }
U1=$(printf 'a%031d' 1); U2=$(printf 'a%031d' 2); U3=$(printf 'a%031d' 3); U4=$(printf 'a%031d' 4)
st02() { # st02 NUMBER: the lines on stdin as batch NUMBER of ST02, imported
	cat > b.jsonl
	{ hdr ST02 "$(wc -l < b.jsonl | tr -d ' ')" | sed "s/\"batch\":1,/\"batch\":$1,/"; cat b.jsonl; } > c.jsonl
	mkdir -p o
	mkbatch o/ST02-b$(printf '%08d' "$1").cms c.jsonl st02.crt st02.key "$K/test-center.crt"
	run cimport o
	rm -f o/*.cms
}
# Revocation alone first, its issuance in a later batch.
revoked 7 "$(id 7)" "$U1" | st02 2
is "$rc" 0 "a batch with only an early revocation is acknowledged"
unlike "$(openssl cms -verify -binary -inform DER -in o/ST02-a*2.ack -noverify 2>/dev/null)" \
    "reject 7 " "the early revocation is not rejected"
is "$(held_for "$U1")" 1 "it is held for its issuance"
issued 8 "$(id 8)" "$U1" | st02 3
is "$(held_for "$U1")" 0 "the issuance in a later batch applies it"
# Revocation and reinstatement before the issuance, all in one batch.
{ revoked 9 "$(id 9)" "$U2"; reinstated 10 "$(id 10)" "$U2"; issued 11 "$(id 11)" "$U2"; } | st02 4
is "$(held_for "$U2")" 0 "one batch, revocation lines first: applied at once"
# Issuance first, then the revocation: never held.
issued 12 "$(id 12)" "$U3" | st02 5
revoked 13 "$(id 13)" "$U3" | st02 6
is "$(held_for "$U3")" 0 "issuance before revocation: nothing held"
# Reinstatement alone before everything: held too.
reinstated 14 "$(id 14)" "$U4" | st02 7
is "$(held_for "$U4")" 1 "an early reinstatement is held as well"
{ issued 15 "$(id 15)" "$U4"; revoked 16 "$(id 16)" "$U4"; } | st02 8
is "$(held_for "$U4")" 0 "and applied with its issuance"
is "$(center_sql "SELECT count(*) FROM record WHERE station_id = 'ST02'
    AND user_number IN ('$U1', '$U2', '$U3', '$U4')")" 10 "every record of those cards is stored once"
is "$(center_sql "SELECT count(*) FROM rejection WHERE station_id = 'ST02'
    AND seq >= 7")" 0 "and none was rejected"

# ---- The station's audit head rides in every batch (issue 16 item 3): the
# center keeps it, flags a history that shrank, and gives the heads back
# for the station's `audit verify --against`.
more() {
	"$top_builddir/bench/gen-extract" --residents 2 --seed "$1" -o "more$1.csv" \
	    2>/dev/null || bail "gen-extract"
	# Other people under person codes of their own: the same codes with
	# other names would be held for a clerk (issue 15), not queued.
	sed -i "s/^\(FULL,[^,]*,\)1/\1$(($1 - 18))/" "more$1.csv"
	"$NHICARD" --db st.db --config st.conf import "more$1.csv" >/dev/null || bail "import"
}
more 21
more 22
mkdir m5
run "$NHICARD" --db st.db --config st.conf queue export m5
run cimport m5
is "$rc" 0 "a batch with the audit head is taken"
run center heads ST01
is "$rc" 0 "nhicard-center heads exits 0"
like "$out" "[0-9]+ [0-9a-f]{64}$" "it lists SEQ HASH lines"
printf '%s\n' "$out" >heads.txt
last=$(tail -1 heads.txt | cut -d' ' -f1)
for f in m5/ST01-b*.cms; do
	openssl cms -decrypt -binary -inform DER -in "$f" -recip "$K/test-center.crt" \
	    -inkey "$K/test-center.key" -out m5.sig 2>/dev/null &&
	openssl cms -verify -binary -inform DER -in m5.sig -noverify -out m5.txt \
	    2>/dev/null || bail "open batch $f"
done
is "$last" "$(head -1 m5.txt | sed 's/.*"audit_seq":\([0-9]*\).*/\1/')" \
    "the last head is the one the batch carried"
run "$NHICARD" --db st.db --config st.conf audit verify --against heads.txt
is "$rc" 0 "the station's log matches the center's heads"
# The station cuts its tail and moves its head back: one SQL statement.
"$SQLITE3" st.db "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > 1;
    UPDATE meta SET value = '1:' || (SELECT lower(hex(hash)) FROM audit_log WHERE seq = 1)
    WHERE key = 'audit_head'" || bail "cut"
run "$NHICARD" --db st.db --config st.conf audit verify
is "$rc" 0 "the cut log verifies alone"
run "$NHICARD" --db st.db --config st.conf audit verify --against heads.txt
is "$rc" 3 "against the center's heads it does not (exit 3)"
like "$out" "entries were removed" "and says entries were removed"
more 23
mkdir m6
run "$NHICARD" --db st.db --config st.conf queue export m6
run cimport m6
is "$rc" 0 "the next batch is still taken (its records must count)"
run center status
# (The cut log grows again from entry 1: the center sees its next head
# either as older than the newest it holds or, when it reaches a seq the
# center held, as another hash for it: both are the alert.)
like "$out" "audit ALERT (shrunk: batch [0-9]+: audit head [0-9]+ is older than head $last held|forked: batch [0-9]+: audit head [0-9]+ has another hash than the one held)" \
    "but the center flags the shrunk history"
if [ "$CENTER_ENGINE" = sqlite ]; then
	is "$(stat -c %a center.db)" 600 "the center's store is for its user alone"
else
	# On PostgreSQL the server's own files and roles keep the store.
	like "$("$CENTER" --db "$CENTER_DB" db version)" \
	    "^postgresql store: schema version 2 of 2" \
	    "the store is PostgreSQL's, at the center's schema version"
fi
is "$(stat -c %a m6/ST01-a*.ack | sort -u)" 600 "and so are its acknowledgements"

done_testing
