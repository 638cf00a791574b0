#!/bin/sh
# Tearing: each personalization flow (existing Juki card, new Juki card,
# standalone card) is torn at EVERY APDU boundary, before the card executes
# the APDU (--tear-after N) and after it executed it but before it answered
# (--tear-after-exec N). After each tear: issue exits 4, the store shows no
# card row or an unfinished one (never active), the card holds no NHI AP, an
# unfinished one (LCS 01) or a complete one; then the same card, put back
# without fault, is finished or restarted cleanly and ends active and
# verifiable. The two modes run side by side, one in each vpcd slot of the
# same pcscd (card detection, not the station, is what takes the time);
# their results are numbered here in a fixed order.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
TEMPLATE=$TEST_TMP/template.db
# The emulator's inspect mode, when it has one (else only the station's view).
SIM_INSPECT=0
"$CARDSIM" --help 2>&1 | grep -q -- '--inspect' && SIM_INSPECT=1
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

# tear KIND PATH MODE N (in slot $SLOT, on store $DB)
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
	card_wait_removed --slot "$SLOT" >/dev/null 2>&1
	if [ "$SIM_INSPECT" = 1 ]; then
		# The emulator's own view of the torn card, independent of the station.
		sim=$("$CARDSIM" --inspect "$card" 2>&1)
		lcs=$(printf '%s\n' "$sim" | sed -n 's/.* lcs=\([0-9A-Fa-f]*\) .*nhi-ap.*/\1/p')
		case $lcs in
		"" | 01) ok 0 "$what: emulator shows the NHI AP ${lcs:-absent}" ;;
		05)
			printf '%s\n' "$sim" | grep -q 'record.user-number'
			ok $? "$what: emulator shows a complete NHI AP with its record"
			;;
		*) ok 1 "$what: emulator shows the NHI AP in LCS '$lcs'" ;;
		esac
	fi
	card_insert --slot "$SLOT" "$card"
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

# run_mode MODE SLOT: every flow torn at every boundary in MODE; the
# results go to $TEST_TMP/results-MODE as "STATUS<TAB>DESCRIPTION" lines
# (and "#" comment lines), for the parent to number.
run_mode() {
	mode=$1
	SLOT=$2
	DB=$TEST_TMP/s-$mode.db
	[ "$SLOT" = 1 ] && PCSC_READER=$PCSC_READER2
	ok() { printf '%s\t%s\n' "$1" "$2"; }
	for flow in "juki existing" "juki-new new-juki" "standalone standalone"; do
		set -- $flow
		eval "total=\$total_$(echo "$1" | tr - _)"
		i=1
		while [ "$i" -le "$total" ]; do
			tear "$1" "$2" "$mode" "$i"
			i=$((i + 1))
		done
	done
	card_remove --slot "$SLOT" >/dev/null 2>&1
	printf 'END\t%s\n' "$mode"
}

for flow in "juki existing" "juki-new new-juki" "standalone standalone"; do
	set -- $flow
	count "$1" "$2"
	ok $([ "$total" -le 12 ] && echo 0 || echo 1) "$1: $total APDUs, at most 12"
	eval "total_$(echo "$1" | tr - _)=$total"
done
card_remove
[ -n "$PCSC_READER2" ] || bail "the harness gave no second vpcd slot"
run_mode tear-after 0 >"$TEST_TMP/results-tear-after" 2>&1 &
pid0=$!
run_mode tear-after-exec 1 >"$TEST_TMP/results-tear-after-exec" 2>&1 &
pid1=$!
wait $pid0
wait $pid1
for mode in tear-after tear-after-exec; do
	finished=1
	while IFS="$(printf '\t')" read -r status desc; do
		case $status in
		0 | 1) ok "$status" "$desc" ;;
		END) finished=0 ;;
		*) printf '# %s %s\n' "$status" "$desc" ;;
		esac
	done <"$TEST_TMP/results-$mode"
	ok "$finished" "$mode: every flow was torn at every boundary to the end"
done
done_testing
