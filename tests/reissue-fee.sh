#!/bin/sh
# reissue-fee.sh: a card replacing one reported lost costs fee.reissue_fee
# (docs/rules.md "Fees"), waivers apply, through pcscd and the emulator: a
# standalone card (free when first issued) lost and replaced is charged;
# a second loss replaced with a configured waiver is not. Under today's law
# the Juki card path is refused with the reason before any card is touched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
printf '[fee]\nreissue_fee = 700\nstandalone_fee = 0\nsupervisor_limit = 1000\nwaivers = disaster:all\n' \
    >>"$CONF"
pcsc_start
make_store "$DB"

insert_card "$TEST_TMP/a" standalone
nhi issue --path standalone 1
is "$rc" 0 "a standalone card is issued"
like "$out" "fee: 0 yen" "the first standalone card is free (fee.standalone_fee)"
card_remove

insert_card "$TEST_TMP/b" standalone
nhi revoke 1 --reason lost --reported-by holder --how counter --replace --path standalone
is "$rc" 0 "the lost card is replaced"
like "$out" "fee: 700 yen" "the replacement costs fee.reissue_fee"
is "$(sql "SELECT fee_yen FROM cards WHERE id = 2")" 700 "the store records the fee"
card_remove

insert_card "$TEST_TMP/c" standalone
nhi revoke 1 --reason lost --reported-by holder --how counter --replace --path standalone \
    --fee-waived disaster
is "$rc" 0 "the second loss is replaced with a waiver"
like "$out" "fee: 0 yen \\(700 yen waived: disaster\\)" "the waiver applies to the reissue fee"
card_remove

# Today's law: no Juki card path, said before any card is touched.
grep -v '^law = pilot$' "$CONF" >"$TEST_TMP/today.conf"
insert_card "$TEST_TMP/j" juki
run "$NHICARD" --config "$TEST_TMP/today.conf" --db "$DB" --reader "$PCSC_READER" \
    issue --path existing 1
is "$rc" 1 "today's law: the Juki card path is refused"
like "$out" "expired at the latest on 2025-12-30" "with the reason"
is "$(sql "SELECT count(*) FROM cards WHERE kind = 'juki_existing'")" 0 "no Juki card recorded"
card_remove

done_testing
