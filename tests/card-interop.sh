#!/bin/sh
# Cards from any maker (issue 17), each case through the real pcscd and
# the emulator: READ BINARY of a basic-items file longer than 256 bytes in
# every answering style ISO 7816-4 allows (Le bytes + 9000 at increasing
# offsets, 6282 at the end, 6Cxx wrong Le, 61xx GET RESPONSE, one extended
# READ BINARY); extended length only when the ATR announces it; a T=0 card
# and a slow card; the card kind decided from the card (a contradicting
# path refused); SCP03 at level 33 (R-ENC), with i = 70 (pseudo-random
# challenge; a wrong one stops the station), the encryption counter on a
# command without data, and a protected command sent without Le.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
PROBE=$top_builddir/tests/scp03-probe
LOG=$PCSC_TMP/cardsim.log

# The emulator's ATRs for a T=0 card and a card announcing extended length
# (docs/cardsim-os.md) are added to the allow-list; the defaults stay.
cat >>"$CONF" <<EOC
[card]
atr_allow = 3b8880014a554b495445535402,3b8880014e4849435445535413,3b084a554b4954455354,3b8d800180730021c04a554b495445535415
EOC

# A resident whose address has 118 characters (354 bytes of UTF-8): the
# card's basic-items file is 403 bytes.
L_ADDR="東京都千代田区千代田一丁目一番一号あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン一二三四五六七八九"

# fresh [ADDRESS]: a new store whose resident 1 holds the test card.
fresh() {
	rm -f "$DB"
	P_ADDR=${1:-東京都千代田区千代田1-1} make_store "$DB"
}

# long_card FILE KIND [cardsim options]: a Juki card of the long-address resident.
long_card() {
	_f=$1 _k=$2
	shift 2
	rm -f "$_f"
	: >"$LOG"
	card_insert "$_f" --kind "$_k" --verbose -o "name=$P_NAME" -o birth=19800401 \
	    -o sex=1 -o "address=$L_ADDR" -o municipality=131016 -o "keys=$KEYS" "$@"
}

# apdus: the commands the card received, one hex string a line.
apdus() { sed -n 's/^.*> \([0-9a-f]*\).*$/\1/p' "$LOG"; }

pcsc_start

# ---- 1. the 403-byte basic-items file, each answering style
is "$(printf '%s' "$L_ADDR" | wc -m | tr -d ' ')" 118 "the long address has 118 characters"
for style in iso eof-warning exact-le chain; do
	fresh "$L_ADDR"
	long_card "$TEST_TMP/long-$style" juki -o read-binary=$style
	nhi issue --no-print 1
	is "$rc" 0 "read-binary=$style: a 403-byte basic-items file is read and the card issued"
	case $style in
	iso)
		like "$out" "personalized \(12 APDUs\)" "iso: 256 bytes + 9000, then one READ BINARY at offset 256"
		like "$(apdus)" "00b0810000
00b0010000" "iso: the second READ BINARY reads the current EF at offset 0100"
		;;
	eof-warning)
		like "$out" "personalized \(12 APDUs\)" "eof-warning: the rest with 6282 ends the file"
		;;
	exact-le)
		like "$out" "personalized \(13 APDUs\)" "exact-le: 6C93 answered by a resend with Le 93"
		like "$(apdus)" "00b0010000
00b0010093" "exact-le: the resend has the exact Le"
		;;
	chain)
		like "$out" "personalized \(12 APDUs\)" "chain: 61xx answered by GET RESPONSE"
		like "$(apdus)" "00c0000093" "chain: GET RESPONSE with Le 93"
		;;
	esac
	is "$(sql "SELECT state FROM cards")" active "read-binary=$style: the card row is active"
done

# A short file (the normal case) takes one READ BINARY in every style.
for style in iso eof-warning exact-le; do
	fresh
	rm -f "$TEST_TMP/short-$style"
	insert_card "$TEST_TMP/short-$style" juki -o read-binary=$style
	nhi issue --no-print 1
	case $style in
	exact-le) want=12 ;;	# 6Cxx, then the exact Le
	*) want=11 ;;
	esac
	like "$out" "personalized \($want APDUs\)" "read-binary=$style, short file: $want APDUs"
done

# ---- 5. extended length only where the ATR says so
fresh "$L_ADDR"
long_card "$TEST_TMP/long-ext" juki -o read-binary=iso -o extended=1
nhi card status
like "$out" "^extended length: yes$" "the ATR's card capabilities announce extended length"
nhi issue --no-print 1
is "$rc" 0 "a card with extended length is issued"
like "$out" "personalized \(11 APDUs\)" "extended: the whole file in one READ BINARY"
like "$(apdus)" "^00b08100000000$" "extended: READ BINARY with the extended Le 0000 (65536)"
fresh "$L_ADDR"
long_card "$TEST_TMP/long-short" juki -o read-binary=iso
nhi card status
like "$out" "^extended length: no$" "a card whose ATR does not announce it"
nhi issue --no-print 1
is "$rc" 0 "is issued with short APDUs"
is "$(apdus | awk 'length($0) > 10 && substr($0, 9, 2) == "00"' | wc -l | tr -d ' ')" 0 \
    "no extended-length APDU was sent to it"
# The configuration can force extended length; a card without it says 6700.
printf '[card]\nextended = yes\n' >"$TEST_TMP/ext.conf"
cat "$CONF" "$TEST_TMP/ext.conf" >"$TEST_TMP/forced.conf"
fresh "$L_ADDR"
long_card "$TEST_TMP/long-forced" juki -o read-binary=iso
run "$NHICARD" --config "$TEST_TMP/forced.conf" --db "$DB" --reader "$PCSC_READER" issue --no-print 1
is "$rc" 4 "card.extended = yes on a card without it fails"
like "$out" "basic items: .*6700 wrong length" "and says the card refused the length"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing is recorded"

# ---- 5. a T=0 card and a slow card
fresh "$L_ADDR"
long_card "$TEST_TMP/t0" juki -o t0=1
nhi card status
like "$out" "^protocol: T=0$" "pcscd chose T=0 from the ATR"
nhi issue --no-print 1
is "$rc" 0 "a T=0 card is issued"
like "$(apdus)" "00c00000" "T=0: GET RESPONSE after 61xx"
like "$(apdus)" "^00a40400" "T=0: SELECT answered through 61xx"
nhi card verify
is "$rc" 0 "the T=0 card verifies"
fresh
rm -f "$TEST_TMP/t1"
insert_card "$TEST_TMP/t1" juki
nhi card status
like "$out" "^protocol: T=1$" "the default test card runs T=1"

# A card that needs 3 s for the key generation (APDU 7 of an existing Juki
# card): the station waits for it, as for a real card.
fresh
rm -f "$TEST_TMP/slow"
insert_card "$TEST_TMP/slow" juki --slow-apdu 7:3000 --verbose
nhi issue --no-print 1
is "$rc" 0 "a card that takes 3 s to generate its key is issued"
like "$out" "personalized \(11 APDUs\)" "with the usual 11 APDUs"

# ---- 2. the card kind comes from the card
fresh
rm -f "$TEST_TMP/new1"
insert_card "$TEST_TMP/new1" juki-new
nhi issue --no-print 1
is "$rc" 1 "a new Juki card on the existing-card path is refused"
like "$out" "newly issued Juki card \(its free area is empty\).*--path new-juki" \
    "the refusal gives the reason and the path to choose"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing is recorded"
nhi card inspect
like "$out" "^NHI AP: absent$" "nothing is written to the card"
nhi issue --no-print --path new-juki 1
is "$rc" 0 "the same card on the new-juki path is issued"
is "$(sql "SELECT kind FROM cards")" juki_new "as kind 2 (juki_new)"
fresh
rm -f "$TEST_TMP/old1"
insert_card "$TEST_TMP/old1" juki
nhi issue --no-print --path new-juki 1
is "$rc" 1 "an existing Juki card on the new-juki path is refused"
like "$out" "not a newly issued Juki card: its free area already holds this town's area" \
    "the refusal says what the card holds"
is "$(sql "SELECT count(*) FROM cards")" 0 "nothing is recorded"

# A new Juki card torn after its town area was created is finished on the
# new-juki path although its free area is no longer empty.
fresh
rm -f "$TEST_TMP/new2"
insert_card "$TEST_TMP/new2" juki-new --tear-after-exec 6
nhi issue --no-print --path new-juki 1
isnt "$rc" 0 "a new Juki card torn after CREATE FILE (town area) fails"
card_insert "$TEST_TMP/new2"
nhi issue --no-print --path new-juki 1
is "$rc" 0 "the retry on the new-juki path finishes it"
is "$(sql "SELECT kind || ' ' || state FROM cards")" "juki_new active" "as the row's kind"

# ---- 3. a standalone card pulled after PUT KEY: the restart's APDUs
fresh
rm -f "$TEST_TMP/sa"
insert_card "$TEST_TMP/sa" standalone --tear-after-exec 5
nhi issue --no-print --path standalone 1
isnt "$rc" 0 "a standalone card torn after PUT KEY fails"
is "$(sql "SELECT state || ' ' || step FROM cards")" "unfinished put_key" "the row is unfinished at put_key"
card_insert "$TEST_TMP/sa"
nhi issue --no-print --path standalone 1
is "$rc" 0 "the retry opens the channel with the town's keys and finishes"
like "$out" "restarted \(11 APDUs\)" "the restart takes 11 APDUs (no PUT KEY)"

# The other restarts of docs/card-profile.md 5.2, with their APDU counts:
# tear-after-exec N FLOW PATH ACTION COUNT.
while read -r n kind path action count what; do
	fresh
	rm -f "$TEST_TMP/r-$kind-$n"
	insert_card "$TEST_TMP/r-$kind-$n" $kind --tear-after-exec $n
	nhi issue --no-print --path $path 1
	card_insert "$TEST_TMP/r-$kind-$n"
	nhi issue --no-print --path $path 1
	like "$out" "$action \($count APDUs\)" "$kind torn after $what: $action with $count APDUs"
done <<EOR
5 juki existing restarted 11 EXTERNAL-AUTHENTICATE
6 juki existing restarted 12 CREATE-FILE-NHI-AP
8 juki existing restarted 12 PUT-DATA
5 juki-new new-juki restarted 12 EXTERNAL-AUTHENTICATE
10 juki-new new-juki finished 5 ACTIVATE-FILE
6 standalone standalone restarted 10 CREATE-FILE-town-area
9 juki existing finished 5 ACTIVATE-FILE
6 juki-new new-juki restarted 11 CREATE-FILE-town-area
7 juki-new new-juki restarted 12 CREATE-FILE-NHI-AP
4 standalone standalone restarted 12 EXTERNAL-AUTHENTICATE
7 standalone standalone restarted 11 CREATE-FILE-NHI-AP
10 standalone standalone finished 4 ACTIVATE-FILE
EOR

# ---- 4. SCP03
# Level 33: C-MAC, C-DEC, R-MAC and R-ENC (the public key comes back encrypted).
printf '[card]\nsecurity_level = 33\n' >"$TEST_TMP/l33.conf"
cat "$CONF" "$TEST_TMP/l33.conf" >"$TEST_TMP/level33.conf"
for kind in juki standalone; do
	fresh
	rm -f "$TEST_TMP/l33-$kind"
	insert_card "$TEST_TMP/l33-$kind" $kind --verbose
	: >"$LOG"
	path=existing
	[ $kind = standalone ] && path=standalone
	run "$NHICARD" --config "$TEST_TMP/level33.conf" --db "$DB" --reader "$PCSC_READER" \
	    issue --no-print --path $path 1
	is "$rc" 0 "security level 33 (R-ENC): the $kind card is issued"
	like "$(apdus)" "^8482330010" "EXTERNAL AUTHENTICATE asked for level 33"
	nhi card verify
	is "$rc" 0 "the $kind card personalized at level 33 verifies"
done

# i = 70: a pseudo-random card challenge with a sequence counter.
fresh
rm -f "$TEST_TMP/i70"
insert_card "$TEST_TMP/i70" juki -o scp-i=70
nhi issue --no-print 1
is "$rc" 0 "a card with i = 70 is issued (its challenge checked)"
like "$out" "personalized \(11 APDUs\)" "i = 70: 11 APDUs"
fresh
rm -f "$TEST_TMP/i70bad"
insert_card "$TEST_TMP/i70bad" juki -o scp-i=70 -o wrong-challenge=1 --verbose
: >"$LOG"
nhi issue --no-print 1
is "$rc" 4 "i = 70 with a challenge that is not the pseudo-random one: the station stops"
like "$out" "card challenge is not the pseudo-random one for sequence counter 000001" \
    "the error names the sequence counter"
unlike "$(apdus)" "^8482" "EXTERNAL AUTHENTICATE was never sent"
is "$(sql "SELECT state || ' ' || step FROM cards")" "unfinished open_channel" \
    "the row is unfinished at open_channel"
nhi card inspect
like "$out" "^NHI AP: absent$" "nothing was written to the card"

# The encryption counter advances on a command without data, on both ends:
# a command with data after it still decrypts (6A82 for an AID that is not
# there, not 6988). The probe takes plain commands: CLA INS P1 P2 data.
TOWNREF=8409f04e48494354131016		# 84 L AID of the town area
fresh
rm -f "$TEST_TMP/probe"
insert_card "$TEST_TMP/probe" juki
run "$PROBE" "$CONF" "$PCSC_READER" 33 00440400 00e404008406f00102030405
is "$rc" 0 "level 33: a command without data, then one with data"
like "$out" "^open level 33 i 60$" "the channel is open at level 33"
like "$out" "^6A80 $" "the command without data is answered (6A80: no target AID)"
like "$out" "^6A82 $" "the next command's data decrypted: the counters agree (6A82, not 6988)"
unlike "$out" "6988" "no secure messaging error"

# A protected command sent without Le (ACTIVATE FILE of the town area, LCS
# 05: 9000, nothing changes). A T=1 card answers the status word alone,
# without the R-MAC level 13 requires: the station rejects it.
run "$PROBE" "$CONF" "$PCSC_READER" 13 "00440400$TOWNREF" "nole:00440400$TOWNREF"
is "$rc" 1 "T=1, no Le: the probe stops"
like "$out" "^9000 $" "with Le 00 the card answers 9000 and its R-MAC"
like "$out" "^error RMAC: .*has no R-MAC" "without Le the missing R-MAC is an error, not a success"
# A T=0 card answers 61xx to a case 3 command that has data to return: the
# station fetches the R-MAC with GET RESPONSE and the command succeeds.
rm -f "$TEST_TMP/probe0"
: >"$LOG"
insert_card "$TEST_TMP/probe0" juki -o t0=1 --verbose
run "$PROBE" "$CONF" "$PCSC_READER" 13 "nole:00440400$TOWNREF"
is "$rc" 0 "T=0, no Le: the command succeeds"
like "$out" "^9000 $" "its R-MAC came with GET RESPONSE"
like "$(apdus)" "^00c0000008$" "GET RESPONSE fetched the 8-byte R-MAC"

done_testing
