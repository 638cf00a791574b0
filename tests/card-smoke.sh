#!/bin/sh
# Card smoke test: APDUs through libpcsclite and pcscd to the emulator
# (nhicard card apdu/status/readers), persistence across removal, and the
# emulator's faults as the station sees them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"

pcsc_start
: >"$TEST_TMP/empty.conf"
nhi() { run "$NHICARD" --config "$TEST_TMP/empty.conf" --reader "$PCSC_READER" "$@"; }

AID=d392f000260100000001
SELECT=00a404000a$AID
CARD=$TEST_TMP/card1.state
ECHO_ATR=3b8c80018073002180564e484953494d11

card_insert "$CARD"

# ---- status, readers
nhi card status
is "$rc" 0 "card status exits 0"
like "$out" "^reader: $PCSC_READER\$" "status names the reader"
like "$out" "^card: present\$" "status says a card is present"
like "$out" "^atr: $ECHO_ATR\$" "status shows the emulator's ATR"
like "$out" "^extended length: no\$" "no extended length without the ATR's capability"

nhi card readers
is "$rc" 0 "card readers exits 0"
like "$out" "^card	$PCSC_READER\$" "readers marks the reader holding the card"
like "$out" "^empty	$PCSC_READER2\$" "readers marks the empty reader"

# ---- APDUs and replies
nhi card apdu $SELECT 80ee000005a1b2c3d4e500 00ca010100 80ee0000020102 ffee0000 00520000
is "$rc" 0 "card apdu exits 0"
like "$out" "^> $SELECT\$" "the command is echoed"
like "$out" "^< 9000 success\$" "SELECT of the echo AID answers 9000"
like "$out" "^< a1b2c3d4e5 9000 success\$" "ECHO returns its data"
like "$out" "^< 00000000 9000 success\$" "GET DATA returns the fresh counter"
like "$out" "^< 6E00 class not supported\$" "an unknown CLA answers 6E00"
like "$out" "^< 6D00 instruction code not supported or invalid\$" "an unknown INS answers 6D00"

# 300 bytes answered 256 + 612C, then GET RESPONSE: card_xfer joins them.
pattern=$(i=0; while [ $i -lt 300 ]; do printf '%02x' $((i % 256)); i=$((i + 1)); done)
nhi card apdu $SELECT 00ca010200
like "$out" "^< $pattern 9000 success\$" "a 300-byte answer is joined across 61xx"

nhi card apdu 00a404000ad392f000260100000099
like "$out" "^< 6A82 file or application not found\$" "SELECT of another AID answers 6A82"

nhi card apdu $SELECT 80ee0000 zz
is "$rc" 2 "a malformed APDU is a usage error"
like "$out" "APDU 3 'zz' is not a command APDU" "the malformed APDU is named"
unlike "$out" "^> " "nothing is sent when an APDU is malformed"

# ---- persistence across removal and insertion
nhi card apdu $SELECT 00da0101040000002a 80e2000000
like "$out" "^< 0000002b 9000 success\$" "INCREMENT after PUT DATA returns 43"
card_remove
nhi card status
is "$rc" 4 "status with the card removed exits 4"
like "$out" "no card in reader '$PCSC_READER'" "the removed card is reported for the reader"
like "$(cat "$CARD")" "^counter=43\$" "the state file holds the counter"
card_insert "$CARD"
nhi card apdu $SELECT 00ca010100
like "$out" "^< 0000002b 9000 success\$" "the counter survives removal and insertion"

# ---- a T=0 card in the second reader: 61xx for case 4, 6Cxx for wrong Le
card_insert --slot 1 "$TEST_TMP/t0.state" -o t0=1 --verbose
run "$NHICARD" --config "$TEST_TMP/empty.conf" --reader "$PCSC_READER2" card status
like "$out" "^atr: 3b0c8073002180564e484953494d\$" "the T=0 card's ATR offers T=0 only"
run "$NHICARD" --config "$TEST_TMP/empty.conf" --reader "$PCSC_READER2" card apdu \
    $SELECT 80ee00000311223300 00ca010100
is "$rc" 0 "APDUs to the T=0 card exit 0"
like "$out" "^< 112233 9000 success\$" "a T=0 case 4 answer is fetched with GET RESPONSE"
like "$out" "^< 00000000 9000 success\$" "a wrong Le is corrected after 6Cxx"
like "$(cat "$PCSC_TMP/cardsim.log")" "> 00c0000003" "the card saw GET RESPONSE with Le 03"
like "$(cat "$PCSC_TMP/cardsim.log")" "> 00ca010104" "the card saw the command resent with Le 04"
card_remove --slot 1

# ---- extended length: from the ATR, or from the configuration
big=$(i=0; while [ $i -lt 300 ]; do printf 'ab'; i=$((i + 1)); done)
nhi card apdu $SELECT 80ee000000012c${big}0000
is "$rc" 3 "an extended APDU to a card without extended length exits 3"
like "$out" "needs extended length, which the card does not support" "and says why"
card_remove
card_insert "$TEST_TMP/ext.state" -o extended=1
nhi card status
like "$out" "^extended length: yes\$" "the ATR's card capabilities announce extended length"
nhi card apdu $SELECT 80ee000000012c${big}0000
like "$out" "^< $big 9000 success\$" "a 300-byte extended APDU goes through"
card_remove
card_insert "$CARD"
printf '[card]\nextended = yes\n' >"$TEST_TMP/ext.conf"
run "$NHICARD" --config "$TEST_TMP/ext.conf" --reader "$PCSC_READER" card status
like "$out" "^extended length: yes\$" "card.extended = yes overrides the ATR"

# ---- faults seen from the station
card_insert "$CARD" --fail-apdu 2:6982
nhi card apdu $SELECT 00ca010100 00ca010100
like "$out" "< 6982 security status not satisfied" "--fail-apdu answers the chosen APDU with the SW"
like "$out" "^< 0000002b 9000 success\$" "the next APDU is answered normally"

card_insert "$CARD" --tear-after 2
nhi card apdu $SELECT 80e2000000 00ca010100
is "$rc" 4 "a tear exits 4"
like "$out" "card was removed from reader '$PCSC_READER'" "the tear is reported as a removal, naming the reader"
card_wait_removed
ok $? "the reader is empty after the tear"
like "$(cat "$CARD")" "^counter=43\$" "a tear before the command leaves the card unchanged"

card_insert "$CARD" --tear-after-exec 2
nhi card apdu $SELECT 80e2000000
is "$rc" 4 "a tear after executing exits 4"
like "$out" "card was removed from reader '$PCSC_READER'" "and is reported as a removal"
card_wait_removed
like "$(cat "$CARD")" "^counter=44\$" "a tear after executing keeps the new state"

card_insert "$CARD" --corrupt-resp 2
nhi card apdu $SELECT 80ee000003a1b2c300
like "$out" "^< a1b2c2 9000 success\$" "--corrupt-resp flips the last data byte"

card_insert "$CARD" --delay-ms 150
t0=$(date +%s%N)
nhi card apdu $SELECT
t1=$(date +%s%N)
like "$out" "^< 9000 success\$" "a delayed card still answers"
ok $([ $(( (t1 - t0) / 1000000 )) -ge 150 ] && echo 0 || echo 1) "--delay-ms delays the answer"

card_insert "$CARD" --atr 3b00
nhi card status
like "$out" "^atr: 3b00\$" "--atr replaces the ATR"
card_remove

done_testing
