#!/bin/sh
# batch-renew: annual renewal as a batch run (docs/batch.md "Renewal",
# docs/performance.md "Batch runs"). Prints:
#   batch_renew_100k_s X s        `nhicard batch renew all` over 100,000
#                                 insured: selection with snapshots, the
#                                 checks, serials with their queue records,
#                                 A4 volumes of 1,000 (PDF), checkpoints
#   batch_renew_peak_mb X MB      its peak RSS (GNU time)
#   batch_renew_peak_10k_mb X MB  the same at a tenth of the size: memory
#                                 is flat in the number of records
# BATCH_INSURED (100000) changes the size; BENCH_QUICK=1 makes it 2,000.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${NHICARD:?}"
. "$top_srcdir/bench/lib.sh"
TIME=/usr/bin/time
[ -x "$TIME" ] || fail "GNU time ($TIME) is needed (Debian package time)"
insured=${BATCH_INSURED:-$(sized 100000 2000)}
work=$TEST_TMP

# The group's configuration: test mode, the town that prints.
cat >"$work/c.conf" <<CONF
[station]
mode = test
[print]
insurer_name = 本山町
templates_dir = $top_srcdir/templates
[rules]
law = pilot
CONF

# population N DB: a store with about N insured (the generator gives NHI
# to about 46 % of its residents).
population() {
	_res=$(awk -v n="$1" 'BEGIN { printf "%d", n / 0.46 + 1 }')
	"$top_builddir/bench/gen-extract" --residents "$_res" --seed 42 -o "$work/x.csv" \
	    2>/dev/null || exit 1
	rm -f "$2"
	"$NHICARD" --config "$work/c.conf" --db "$2" db init >/dev/null || exit 1
	"$NHICARD" --config "$work/c.conf" --db "$2" import --quiet "$work/x.csv" \
	    >/dev/null 2>&1 || exit 1
	rm -f "$work/x.csv"
}

# renew DB: "seconds peak_kb items" of one renewal of everyone insured.
renew() {
	rm -rf "$work/out"
	mkdir "$work/out"
	"$TIME" -f '%e %M' -o "$work/time" "$NHICARD" --db "$1" --config "$work/c.conf" \
	    batch renew --quiet --from 2027-08-01 --volume-size 1000 -d "$work/out" all \
	    >"$work/log" 2>&1 || { echo "bench batch-renew: renewal failed:" >&2;
	    tail -5 "$work/log" >&2; exit 1; }
	echo "$(cat "$work/time") $(sed -n 's/.*(renew): \([0-9]*\) items.*/\1/p' "$work/log")"
}

population $((insured / 10)) "$work/small.db"
[ -f "$work/small.db" ] || fail "no store of $((insured / 10)) insured"
set -- $(renew "$work/small.db")
[ $# -eq 3 ] || fail "the renewal gave no time, peak and item count"
small_kb=$2
population "$insured" "$work/big.db"
[ -f "$work/big.db" ] || fail "no store of $insured insured"
set -- $(renew "$work/big.db")
[ $# -eq 3 ] || fail "the renewal gave no time, peak and item count"
echo "# batch-renew: $3 items selected, $(ls "$work/out" | wc -l) PDFs" >&2
printf 'batch_renew_100k_s %.2f s\n' "$1"
printf 'batch_renew_peak_mb %.1f MB\n' "$(awk -v k="$2" 'BEGIN { print k / 1024 }')"
printf 'batch_renew_peak_10k_mb %.1f MB\n' "$(awk -v k="$small_kb" 'BEGIN { print k / 1024 }')"
