#!/bin/sh
# kill-commit-batch.sh: pre-issuance without a card (prepare, the bureau
# file's export, sign-keys, import-result) killed with SIGKILL right after
# and right before each of its store commits (NHICARD_TEST_KILL_AT_COMMIT,
# docs/reliability.md "Kill at a commit"), then run again as the clerk
# would (a prepare that left a run is resumed, docs/batch.md; the other
# steps are run again): the rerun is clear, `db check` and `audit verify`
# are clean and the store (items, prepared data, card records, queue,
# audit) ends as after an unkilled run. The feed (a card in the reader)
# is in tests/kill-commit-cards.sh.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v openssl >/dev/null 2>&1 || skip_all "no openssl command"
. "$top_srcdir/tests/lib/bureau.sh"
. "$top_srcdir/tests/lib/killcommit.sh"
cd "$TEST_TMP" || bail "cd"

st() { "$NHICARD" --config "$CONF" --db "$DB" "$@"; }
(NHICARD_TEST_KILL_AT_COMMIT=1 st db init) >/dev/null 2>&1
[ $? -eq 137 ] || skip_all "not a test-hooks build (configure --enable-test-hooks)"
rm -f "$DB" "$DB-wal" "$DB-shm"

# Residents A, B, C (Juki cards) and D with two more foreign residents
# (standalone cards: the bureau's).
preissue_store
for i in 1 2; do
	add_insured "Alex SMITH$i" "アレックス スミス" "1990010$i" 1 "東京都千代田区神田4-$i" \
	    --nationality US --residence-status 技術 --stay-until 2030-01-01
	printf 'id:%s\n' "$added" >>"$TEST_TMP/selection.txt"
done
station=$(sql "SELECT value FROM meta WHERE key = 'station_id'")
kc_snap selected

# ---- prepare: a killed prepare that left its run is resumed ---------------------
kc_run_id() { sql "SELECT id FROM batch_runs WHERE kind = 'preissue' ORDER BY id DESC LIMIT 1"; }
KC_RECOVER='r=$(kc_run_id); if [ -n "$r" ]; then st batch preissue prepare --resume "$r"; else st batch preissue prepare $SELECT; fi'
KC_REFUSED_OK='is done|already done'
kc_run "batch preissue prepare" selected 'st batch preissue prepare $SELECT'
KC_RECOVER= KC_REFUSED_OK=
kc_restore selected
st batch preissue prepare $SELECT >prepare.out || bail "prepare: $(cat prepare.out)"
run=$(kc_run_id)
kc_snap prepared

# ---- export: the bureau's file, written again --------------------------------
# What the bureau reads: the records (SEQ, path, user number, ...).
KC_EXTRA='bureau_open req.cms 2>/dev/null | grep -v "^[a-z]" | sort'
kc_run "batch preissue export" prepared 'rm -f req.cms; st batch preissue export -o req.cms $run'
KC_EXTRA=
kc_restore prepared
st batch preissue export -o req.cms "$run" >/dev/null || bail "export"
kc_snap exported
bureau_open req.cms | grep -v '^[a-z]' >req.txt || bail "the bureau cannot open the export"
[ "$(wc -l <req.txt)" = 3 ] || bail "the export has $(wc -l <req.txt) records, not 3"

# ---- sign-keys: the bureau's keys file, the records signed -------------------------
seq_of() { sed -n "${1}p" req.txt | cut -f1; }
un_of() { sed -n "${1}p" req.txt | cut -f3; }
serial_of() { printf '0a0b0c0d0e0f00000%03d' "$1"; }
: >keys.lines
for n in 1 2 3; do
	card_pub "card$n" >"pub$n"
	printf '%s\t%s\t%s\tkeyed\t%s\t-\n' "$(seq_of "$n")" "$(un_of "$n")" "$(serial_of "$n")" \
	    "$(cat "pub$n")" >>keys.lines
done
bureau_file keys "$station" "$run" keys.lines keys.txt
bureau_seal keys.txt keys.cms
# What the bureau gets: the signed key records (ECDSA: new each time; their
# count and the public keys they carry).
KC_EXTRA='bureau_open rec.cms 2>/dev/null | grep -v "^[a-z]" | cut -f1,2 | sort'
kc_run "batch preissue sign-keys" exported 'rm -f rec.cms; st batch preissue sign-keys -o rec.cms keys.cms $run'
KC_EXTRA=
kc_restore exported
st batch preissue sign-keys -o rec.cms keys.cms "$run" >/dev/null || bail "sign-keys"
kc_snap signed
bureau_open rec.cms | grep -v '^[a-z]' >rec.lines || bail "the bureau cannot open the records"
record_of() { awk -F'\t' -v s="$(seq_of "$1")" '$1 == s { print $4 }' rec.lines; }

# ---- import-result: two cards made, one came back undeliverable ------------------
line() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(seq_of "$1")" "$(un_of "$1")" "$(serial_of "$1")" \
    "$2" "$(cat "pub$1")" "$(record_of "$1")"; }
{ line 1 made; line 2 made; line 3 undeliverable; } >res.lines
bureau_file result "$station" "$run" res.lines res.txt
bureau_seal res.txt res.cms
kc_run "batch preissue import-result" signed 'st batch preissue import-result res.cms $run'

# ---- import-result of a file refused whole ----------------------------------------
# A record with five fields: the file is refused naming the line (exit 3),
# nothing imported; the refusal is audited.
{ line 1 made | cut -f1-5; line 2 made; } >bad.lines
bureau_file result "$station" "$run" bad.lines bad.txt
bureau_seal bad.txt bad.cms
KC_RC=3
kc_run "batch preissue import-result (a malformed file, refused)" signed \
    'st batch preissue import-result bad.cms $run'

# ---- import-result of a file partly imported -------------------------------------
# Card 1 made; card 2's record altered after signing (an exception of its
# item, the card abandoned); a user number of no item (rejected); item 3
# not named (it stays open: its card still in production). Exit 3.
rec2=$(record_of 2)
case "$rec2" in *0) rec2=${rec2%0}1 ;; *) rec2=${rec2%?}0 ;; esac
{ line 1 made
  printf '%s\t%s\t%s\tmade\t%s\t%s\n' "$(seq_of 2)" "$(un_of 2)" "$(serial_of 2)" \
      "$(cat pub2)" "$rec2"
  printf '99\t0123456789abcdef0123456789abcdef\t0a0b0c0d0e0f00000099\tmade\t%s\t%s\n' \
      "$(cat pub3)" "$(record_of 3)"; } >part.lines
bureau_file result "$station" "$run" part.lines part.txt
bureau_seal part.txt part.cms
kc_run "batch preissue import-result (partly imported: an exception, a rejected record, an item left open)" \
    signed 'st batch preissue import-result part.cms $run'
# Then the rest: the whole file on the partly imported run (item 3 made,
# the records already imported unchanged or refused as they were).
kc_restore signed
st batch preissue import-result part.cms "$run" >/dev/null 2>&1
is "$(sql "SELECT group_concat(state || ':' || coalesce(exception, '-'), ' ') FROM batch_items
    WHERE run_id = $run AND seq IN ($(seq_of 1), $(seq_of 2), $(seq_of 3)) ORDER BY seq")" "done:- exception:bureau_bad_signature prepared:-" \
    "the partial file: the bureau's item 1 done, 2 set aside, 3 open"
kc_snap partly
# The set-aside item's record is counted unchanged (exit 0).
KC_RC=
kc_run "batch preissue import-result (the whole file after a partial one)" partly \
    'st batch preissue import-result res.cms $run'
KC_RC=

done_testing
