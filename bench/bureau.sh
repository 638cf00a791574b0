#!/bin/sh
# bureau: the card bureau's loop at scale (docs/batch.md "The bureau's
# loop", docs/performance.md "Card bureau"). Prints:
#   bureau_import_100k_s X s       import-result of a 100,000-card result
#                                  file: opening the CMS layers, every
#                                  record checked against its item and its
#                                  key record's signature verified, cards
#                                  activated, card_issued queued, items
#                                  done (goal < 60)
#   bureau_import_100k_cpu_s X s   its processor time (user + system): what
#                                  the import costs without the other
#                                  programs of a shared machine
#   bureau_import_peak_mb X MB     peak RSS of that import (goal < 128)
#   bureau_import_peak_10k_mb X MB the same at a tenth of the size: flat
#   bureau_sign_100k_s X s         sign-keys of the 100,000 public keys (no goal)
# BUREAU_CARDS (100000) changes the size; BENCH_QUICK=1 makes it 2,000.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${NHICARD:?}"
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/lib/perso.sh"
TIME=/usr/bin/time
[ -x "$TIME" ] || fail "GNU time ($TIME) is needed (Debian package time)"
command -v openssl >/dev/null 2>&1 || fail "the openssl command is needed (the bureau's side)"
cards=${BUREAU_CARDS:-$(sized 100000 2000)}
work=$TEST_TMP

# The group's configuration: tests/lib/perso.sh's (test mode and keys, the
# test town) under today's law, where every insured person's card is a
# standalone card, so every prepared item goes to the bureau; then
# tests/lib/bureau.sh's bureau keys.
sed -i '/^law = pilot$/d' "$CONF"
. "$top_srcdir/tests/lib/bureau.sh"

# loop N DB: a store with about N insured, prepared, exported, keyed by
# the bureau and signed; leaves the result file in $work/res.cms and sets
# $run and $sign_s.
loop() {
	_res=$(awk -v n="$1" 'BEGIN { printf "%d", n / 0.46 + 1 }')
	"$top_builddir/bench/gen-extract" --residents "$_res" --seed 42 -o "$work/x.csv" \
	    2>/dev/null || fail "gen-extract"
	sed -i 's/,390013,/,133116,/' "$work/x.csv"
	rm -f "$2"*
	"$NHICARD" --config "$CONF" --db "$2" db init >/dev/null || fail "db init"
	"$NHICARD" --config "$CONF" --db "$2" import --quiet "$work/x.csv" >"$work/import.out" 2>&1 ||
	    fail "import: $(tail -2 "$work/import.out")"
	rm -f "$work/x.csv"
	_out=$("$NHICARD" --config "$CONF" --db "$2" batch preissue prepare all 2>/dev/null) ||
	    fail "prepare: $_out"
	run=$(printf '%s\n' "$_out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
	"$NHICARD" --config "$CONF" --db "$2" batch preissue export -o "$work/req.cms" "$run" \
	    >/dev/null || fail "export"
	_station=$("$SQLITE3" "$2" "SELECT value FROM meta WHERE key = 'station_id'")
	bureau_open "$work/req.cms" | "$top_builddir/bench/gen-bureau-keys" >"$work/keys.lines" ||
	    fail "the bureau's keys"
	bureau_file keys "$_station" "$run" "$work/keys.lines" "$work/keys.txt"
	bureau_seal "$work/keys.txt" "$work/keys.cms"
	rm -f "$work/req.cms"* "$work/keys.lines" "$work/keys.txt"
	_t0=$(now)
	"$NHICARD" --config "$CONF" --db "$2" batch preissue sign-keys -o "$work/rec.cms" \
	    "$work/keys.cms" "$run" >"$work/sign.out" 2>&1 || fail "sign-keys: $(tail -2 "$work/sign.out")"
	sign_s=$(elapsed "$_t0" "$(now)")
	# The result: every card made; DF07 is the public key inside the record
	# (tag DF07, length 41, the point 04 X Y). Looked for at byte
	# boundaries and with its 04: a plain string search could match
	# "df0741" across the bytes of the random fields before it, and the
	# bench's own file was then refused (seen once, in a 94,304-card run).
	bureau_open "$work/rec.cms" | awk -F'\t' '/^[0-9]/ {
		k = ""
		for (i = 1; i + 137 <= length($4) + 1; i += 2)
			if (substr($4, i, 8) == "df074104") { k = substr($4, i + 6, 130); break }
		if (k == "") { print "no public key in the record of " $1 > "/dev/stderr"; exit 1 }
		printf "%s\t%s\t%s\tmade\t%s\t%s\n", $1, $2, $3, k, $4 }' >"$work/res.lines" ||
	    fail "the result's public keys"
	bureau_file result "$_station" "$run" "$work/res.lines" "$work/res.txt"
	bureau_seal "$work/res.txt" "$work/res.cms"
	made=$(wc -l <"$work/res.lines")
	rm -f "$work/rec.cms"* "$work/res.lines" "$work/res.txt" "$work/res.cms.signed" "$work/keys.cms"*
}

# import DB: "seconds peak_kb cpu_seconds" of the import of $work/res.cms.
import() {
	$TIME -f '%e %M %U %S' -o "$work/time" "$NHICARD" --config "$CONF" --db "$1" \
	    batch preissue import-result "$work/res.cms" "$run" >"$work/imp.out" 2>&1 ||
	    fail "import-result: $(tail -3 "$work/imp.out")"
	_n=$("$SQLITE3" "$1" "SELECT count(*) FROM batch_items WHERE run_id = $run AND state = 'done'")
	[ "$_n" = "$made" ] || fail "import-result made $_n items done of $made"
	tail -1 "$work/time" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

loop "$cards" "$work/big.db"
echo "# $made cards in the result file ($(du -k "$work/res.cms" | cut -f1) KB), signed in $sign_s s" >&2
set -- $(import "$work/big.db")
[ $# -eq 3 ] || exit 1
printf 'bureau_import_100k_s %.2f s\n' "$1"
printf 'bureau_import_100k_cpu_s %.2f s\n' "$3"
awk -v k="$2" 'BEGIN { printf "bureau_import_peak_mb %.1f MB\n", k / 1024 }'
printf 'bureau_sign_100k_s %.2f s\n' "$sign_s"
rm -f "$work/big.db"* "$work/res.cms"

loop $((cards / 10)) "$work/small.db"
set -- $(import "$work/small.db")
[ $# -eq 3 ] || exit 1
awk -v k="$2" 'BEGIN { printf "bureau_import_peak_10k_mb %.1f MB\n", k / 1024 }'
