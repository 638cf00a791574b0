#!/bin/sh
# mynumber: linking a My Number card at the counter (issue 24): `nhicard
# mynumber link` from the card in the reader to the link queued, through
# pcscd and the emulator's TEST My Number card, the PIN typed (given on a
# descriptor), the certificate checked against the test JPKI CA and its
# CRL. The median over MYNUMBER_BENCH_COUNT links (30; quick: 3), each a
# new process, the link removed between runs so each one links. Beside
# it the floor: its APDU count times the raw round trip of one APDU
# measured here as `make bench BENCH=apdu` does. Prints:
#   link_ms X ms              median, one link
#   link_apdus N apdus        APDUs of one link
#   link_apdu_floor_ms X ms   link_apdus x the median APDU round trip
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/jpki.sh"

CA=$TEST_TMP/ca
jpki_ca "$CA"
jpki_user "$CA" alice
printf '[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$CA/crl.pem" >>"$CONF"
make_store "$DB"
pcsc_start

# The floor: one APDU's round trip (the echo card, as bench/apdu.sh).
card_insert "$PCSC_TMP/echo.state"
rt=$("$top_builddir/bench/apdu-roundtrip" -n "$(sized 1000 200)" -w 100 "$PCSC_READER" |
    sed -n 's/^apdu_roundtrip_ms //p' | awk '{ print $1 }')
[ -n "$rt" ] || fail "apdu-roundtrip"
card_remove

card_insert "$TEST_TMP/card" --kind mynumber -o "cert=$CA/alice.crt" -o "key=$CA/alice.key" \
    -o "name=$P_NAME" -o "birth=$(echo $P_BIRTH | tr -d -)" -o "sex=$P_SEX" \
    -o "address=$P_ADDR"
printf '1234\n' >"$TEST_TMP/pin"
n=${MYNUMBER_BENCH_COUNT:-$(sized 30 3)}
: >"$TEST_TMP/times"
i=0
while [ "$i" -lt "$n" ]; do
	"$SQLITE3" "$DB" "DELETE FROM mynumber_links" || fail "reset the link"
	t0=$(now)
	out=$(NHICARD_PIN_FD=7 "$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" \
	    mynumber link 1 7<"$TEST_TMP/pin" 2>&1) || fail "link: $out"
	t1=$(now)
	case $out in *"My Number card: linked"*) ;; *) fail "not linked: $out" ;; esac
	elapsed "$t0" "$t1" >>"$TEST_TMP/times"
	echo >>"$TEST_TMP/times"
	i=$((i + 1))
done
apdus=$(printf '%s\n' "$out" | sed -n 's/.*, \([0-9]*\) APDUs).*/\1/p')
[ -n "$apdus" ] || fail "no APDU count in: $out"
ms=$(grep . "$TEST_TMP/times" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", 1000 * v[int((NR + 1) / 2)] }')
echo "link_ms $ms ms"
echo "link_apdus $apdus apdus"
echo "link_apdu_floor_ms $(awk -v a="$apdus" -v r="$rt" 'BEGIN { printf "%.2f", a * r }') ms"
