#!/bin/sh
# batch: pre-issuance runs (docs/batch.md, docs/performance.md "Batch runs").
# Prints:
#   batch_prepare_100k_s X s      selection, dry run and preparation (user
#                                 numbers, key record fields, certificate
#                                 data, checkpoints) for 100,000 insured
#                                 (goal < 60)
#   batch_dry_run_100k_s X s      the dry run alone
#   batch_peak_mb X MB            peak RSS of the prepare at 100,000 (goal
#                                 < 128, flat in the number of records)
#   batch_peak_10k_mb X MB        the same at 10,000, to show it is flat
#   batch_cards_per_min X cards   the feed loop over BATCH_CARDS blank
#                                 standalone cards through pcscd and the
#                                 emulator, inserted one after another,
#                                 each certificate printed to a PDF
#   batch_card_only_per_min X cards  the same inserts and removals without
#                                 the station: what the card and reader allow
#   batch_station_share X ratio   1 - feed rate / card-only rate: the share
#                                 of the time the station adds
# and then bench/batch-renew.sh (its figures belong to this group).
# BATCH_INSURED (100000) and BATCH_CARDS (20) change the sizes;
# BENCH_QUICK=1 makes them 2,000 and 2.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${NHICARD:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"
TIME=/usr/bin/time
[ -x "$TIME" ] || fail "GNU time ($TIME) is needed (Debian package time)"
insured=${BATCH_INSURED:-$(sized 100000 2000)}
cards=${BATCH_CARDS:-$(sized 20 2)}
work=$TEST_TMP

# The group's configuration, for the generated stores and the feed loop
# alike, is tests/lib/perso.sh's with preissue.sh's line, written into the
# group's own scratch directory ($CONF): test mode and keys, the test town,
# the pilot's rules, foreign residents on standalone cards.

# population N DB: a store with about N insured (the generator gives NHI to
# about 46 % of residents), imported as bench/residents.sh does.
population() {
	_res=$(awk -v n="$1" 'BEGIN { printf "%d", n / 0.46 + 1 }')
	"$top_builddir/bench/gen-extract" --residents "$_res" --seed 42 -o "$work/x.csv" \
	    2>/dev/null || fail "gen-extract"
	# The generator's insurer is 390013; the group's town is 133116, and an
	# extract of another insurer's periods is refused (issue 15).
	sed -i 's/,390013,/,133116,/' "$work/x.csv"
	rm -f "$2"
	"$NHICARD" --config "$CONF" --db "$2" db init >/dev/null || fail "db init"
	"$NHICARD" --config "$CONF" --db "$2" import --quiet "$work/x.csv" >"$work/import.out" 2>&1 ||
	    fail "import: $(tail -2 "$work/import.out")"
	rm -f "$work/x.csv"
}

# prepare DB [--dry-run]: "seconds peak_kb" of one prepare of all insured.
prepare() {
	_db=$1
	shift
	$TIME -f '%e %M' -o "$work/time" "$NHICARD" --config "$CONF" --db "$_db" \
	    batch preissue prepare \
	    "$@" all >"$work/prepare.log" 2>&1 || {
		echo "bench batch: prepare failed:" >&2
		tail -5 "$work/prepare.log" >&2
		exit 1
	}
	tail -1 "$work/time"
}

population "$insured" "$work/big.db"
[ -f "$work/big.db" ] || fail "no store of $insured insured"
n=$("$SQLITE3" "$work/big.db" "SELECT count(DISTINCT resident_id) FROM eligibility_periods")
set -- $(prepare "$work/big.db" --dry-run)
[ $# -eq 2 ] || exit 1
dry=$1
set -- $(prepare "$work/big.db")
[ $# -eq 2 ] || exit 1
prep=$1 peak=$2
prepared=$("$SQLITE3" "$work/big.db" "SELECT count(*) FROM preissue_items")
echo "# $n insured in the store, $prepared prepared" >&2
awk -v a="$dry" -v b="$prep" 'BEGIN { printf "batch_prepare_100k_s %.2f s\n", a + b }'
printf 'batch_dry_run_100k_s %.2f s\n' "$dry"
awk -v k="$peak" 'BEGIN { printf "batch_peak_mb %.1f MB\n", k / 1024 }'
rm -f "$work/big.db"*

population $((insured / 10)) "$work/small.db"
set -- $(prepare "$work/small.db")
[ $# -eq 2 ] || exit 1
awk -v k="$2" 'BEGIN { printf "batch_peak_10k_mb %.1f MB\n", k / 1024 }'
rm -f "$work/small.db"*

# ---- the feed loop with the virtual card
pcsc_start
"$NHICARD" --config "$CONF" --db "$DB" db init >/dev/null || exit 1
i=0
while [ $i -lt "$cards" ]; do
	add_insured "Test PERSON$i" "テスト" 19800101 1 "東京都千代田区$i" \
	    --nationality US --residence-status 技術 --stay-until 2030-01-01
	i=$((i + 1))
done
out=$("$NHICARD" --config "$CONF" --db "$DB" batch preissue prepare all 2>/dev/null) || exit 1
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
cardsdir=$(mktemp -d "${CARD_BENCH_CARDS:-/dev/shm}/nhicard-bench.XXXXXX" 2>/dev/null ||
    mktemp -d "$work/cards.XXXXXX")
mkdir -p "$work/print"
feed_start "$run" --print-to "$work/print"
t0=$(now)
i=1
while [ $i -le "$cards" ]; do
	feed_next $i
	SLOT=0 insert_card "$cardsdir/c$i" standalone
	feed_wait_line $i "remove the card"
	card_remove
	i=$((i + 1))
done
feed_end
t1=$(now)
issued=$(grep -c ': done, card record' "$FEED_LOG")
[ "$issued" = "$cards" ] || { echo "bench batch: $issued of $cards cards issued" >&2; exit 1; }
feed=$(elapsed "$t0" "$t1")
# The same inserts and removals, no station.
t0=$(now)
i=1
while [ $i -le "$cards" ]; do
	SLOT=0 insert_card "$cardsdir/d$i" standalone
	card_remove
	i=$((i + 1))
done
t1=$(now)
raw=$(elapsed "$t0" "$t1")
rm -rf "$cardsdir"
awk -v n="$cards" -v t="$feed" 'BEGIN { printf "batch_cards_per_min %.1f cards\n", n * 60 / t }'
awk -v n="$cards" -v t="$raw" 'BEGIN { printf "batch_card_only_per_min %.1f cards\n", n * 60 / t }'
awk -v a="$feed" -v b="$raw" 'BEGIN { printf "batch_station_share %.2f ratio\n", 1 - b / a }'
pcsc_stop

$SHELL "$top_srcdir/bench/batch-renew.sh" || exit 1
