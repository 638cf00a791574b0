#!/bin/sh
# Tearing: each personalization flow (existing Juki card, new Juki card,
# standalone card) is torn at EVERY APDU boundary, before the card executes
# the APDU (--tear-after N) and after it executed it but before it answered
# (--tear-after-exec N). After each tear: issue exits 4, the store shows no
# card row or an unfinished one (never active), the card holds no NHI AP, an
# unfinished one (LCS 01) or a complete one; then the same card, put back
# without fault, is finished or restarted cleanly and ends active and
# verifiable.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
TEMPLATE=$TEST_TMP/template.db
make_store "$TEMPLATE"

# count KIND PATH: the APDUs of one clean run, into $total.
count() {
	cp "$TEMPLATE" "$DB"
	rm -f "$TEST_TMP/clean"
	insert_card "$TEST_TMP/clean" "$1"
	nhi issue --path "$2" 1
	[ "$rc" = 0 ] || bail "a clean $1 personalization failed: $out"
	n=$(printf '%s\n' "$out" | sed -n 's/.*(\([0-9]*\) APDUs).*/\1/p')
	[ -n "$n" ] || bail "issue did not say how many APDUs it sent: $out"
	total=$n
}

# tear KIND PATH MODE N
tear() {
	kind=$1 path=$2 mode=$3 n=$4
	what="$kind $mode $n"
	cp "$TEMPLATE" "$DB"
	card=$TEST_TMP/card-$kind-$mode-$n
	insert_card "$card" "$kind" "--$mode" "$n"
	nhi issue --path "$path" 1
	is "$rc" 4 "$what: issue exits 4 when the card is torn"
	like "$out" "card was removed|card was reset|removed|reset" "$what: the error says the card went away"
	state=$(sql "SELECT group_concat(state) FROM cards")
	case $state in
	"" | unfinished) ok 0 "$what: store row is '${state:-none}'" ;;
	*) ok 1 "$what: store row is '$state', want none or unfinished" ;;
	esac
	card_wait_removed >/dev/null 2>&1
	card_insert "$card"
	nhi card inspect
	is "$rc" 0 "$what: the torn card is still readable"
	ap=$(printf '%s\n' "$out" | sed -n 's/^NHI AP: //p')
	case $ap in
	absent | "LCS 01 creation (not valid)") ok 0 "$what: card shows NHI AP '$ap'" ;;
	"LCS 05 activated")
		printf '%s\n' "$out" | grep -q '^  signature: verifies$'
		ok $? "$what: a complete NHI AP carries a verified record"
		;;
	*) ok 1 "$what: card shows NHI AP '$ap'" ;;
	esac
	if [ "$kind" = juki ]; then
		others=$(printf '%s\n' "$out" | grep -c 'other application: LCS 05')
		is "$others" 2 "$what: the town's other applications are untouched"
	fi
	nhi issue --path "$path" 1
	is "$rc" 0 "$what: the retry finishes ($(printf '%s' "$out" | sed -n 's/^card: //p'))"
	is "$(sql "SELECT group_concat(state) FROM cards")" active "$what: store ends active"
	nhi card verify
	like "$out" "verdict: valid" "$what: the card verifies"
}

for flow in "juki existing" "juki-new new-juki" "standalone standalone"; do
	set -- $flow
	kind=$1 path=$2
	count "$kind" "$path"
	ok $([ "$total" -le 12 ] && echo 0 || echo 1) "$kind: $total APDUs, at most 12"
	for mode in tear-after tear-after-exec; do
		i=1
		while [ "$i" -le "$total" ]; do
			tear "$kind" "$path" "$mode" "$i"
			i=$((i + 1))
		done
	done
done
card_remove
done_testing
