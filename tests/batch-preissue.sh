#!/bin/sh
# Pre-issuance end to end through pcscd and the emulator (docs/batch.md
# "Pre-issuance"): a dry run that changes nothing, the preparation (user
# numbers reserved, nothing queued for the center), then one feed loop over
# cards put in the reader one after another: the Juki cards of three
# residents in a shuffled order, the Juki card of a person not in the run,
# a card pulled mid-write and put back later, a blank standalone card.
# Afterwards every prepared person has exactly one active card carrying the
# prepared user number, a certificate PDF each, and the center queue one
# card_issued record per card; a second feed over the finished run does
# nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/preissue.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
preissue_store

# ---- dry run: says what it would do, writes nothing
n_items0=$(sql "SELECT count(*) FROM batch_items")
nhi batch preissue prepare --dry-run $SELECT
is "$rc" 0 "prepare --dry-run exits 0"
like "$out" "would prepare 4 " "the dry run counts the four prepared cards"
like "$out" "existing 3, new-juki 0, standalone 1" "the dry run gives the card paths"
is "$(sql "SELECT count(*) FROM batch_items")" "$n_items0" "the dry run wrote no item"
is "$(sql "SELECT count(*) FROM preissue_items")" 0 "the dry run reserved no user number"

# ---- prepare
nhi batch preissue prepare $SELECT
is "$rc" 0 "prepare exits 0"
run=$(printf '%s\n' "$out" | sed -n 's/^run .* (id \([0-9]*\)).*/\1/p')
like "$run" "^[0-9]+$" "prepare names its run id"
like "$out" "prepared 4 " "four cards are prepared"
is "$(sql "SELECT count(*) FROM preissue_items WHERE run_id = $run")" 4 \
    "four items carry prepared data"
is "$(sql "SELECT count(DISTINCT user_number) FROM batch_items WHERE run_id = $run AND length(user_number) = 16")" 4 \
    "four distinct 16-byte user numbers are reserved"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" 0 \
    "nothing is queued for the center before a card is active"
is "$(sql "SELECT group_concat(path, ',') FROM (SELECT path FROM preissue_items WHERE run_id = $run ORDER BY path)")" \
    "existing,existing,existing,standalone" "three Juki cards and one standalone card"
is "$(sql "SELECT count(*) FROM cards")" 0 "no card record exists yet"
un_a=$(sql "SELECT hex(b.user_number) FROM batch_items b WHERE b.run_id = $run AND b.resident_id = $RID_A")
unlike "$out" "$un_a" "prepare never prints a user number"

# A second prepare of the same selection is a new run only with --force? No:
# the people of an open run are not prepared twice.
nhi batch preissue prepare $SELECT
like "$out" "prepared 0 " "people already in an open run are not prepared again"
like "$out" "^exceptions by code: in_other_run 4$" "the exceptions are counted by code"

# ---- the feed loop
mkdir "$TEST_TMP/print"
feed_start "$run" --print-to "$TEST_TMP/print"
# 1. resident B's Juki card first (not the run's first item)
feed_next 1
insert_person_card "$TEST_TMP/card-b" "$B_NAME" "$B_BIRTH" "$B_SEX" "$B_ADDR"
feed_wait_line 1 "remove the card"
like "$(feed_log)" "item [0-9]+ \(resident $RID_B, existing\)" "B's card is matched to B's item"
card_remove
# 2. a person who is not in the run
feed_next 2
insert_person_card "$TEST_TMP/card-e" "$E_NAME" "$E_BIRTH" "$E_SEX" "$E_ADDR"
feed_wait_line 2 "remove the card"
like "$(feed_log)" "matches no open prepared person of run $run" "a card of a person not in the run is set aside"
card_remove
# 3. resident A's card pulled mid-write
feed_next 3
insert_person_card "$TEST_TMP/card-a" "$P_NAME" "$(echo $P_BIRTH | tr -d -)" "$P_SEX" "$P_ADDR" \
    --tear-after 10
feed_wait_line 3 "remove the card"
like "$(feed_log)" "pulled during the write" "a card pulled mid-write is reported"
card_wait_removed
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_A AND state = 'active'")" 0 \
    "the torn card is not active"
# 4. resident C
feed_next 4
insert_person_card "$TEST_TMP/card-c" "$C_NAME" "$C_BIRTH" "$C_SEX" "$C_ADDR"
feed_wait_line 4 "remove the card"
card_remove
# 5. a blank standalone card: the standalone item
feed_next 5
SLOT=0 insert_card "$TEST_TMP/card-s" standalone
feed_wait_line 5 "remove the card"
like "$(feed_log)" "\(resident $RID_D, standalone\)" "the blank card goes to the standalone item"
card_remove
# 6. A's card put back: the write is finished, same user number
feed_next 6
card_insert "$TEST_TMP/card-a"
feed_wait_line 6 "remove the card"
card_remove
feed_end
is "$feed_rc" 0 "the feed loop exits 0"
like "$(feed_log)" "feed ended: run complete" "the feed ends when the run is complete"
like "$(feed_log)" "6 cards, 4 issued, 0 exceptions, 1 set aside, 1 to put back" \
    "the feed counts cards, issues, set-asides and the torn card"

# ---- outcome
is "$(sql "SELECT count(*) FROM cards WHERE state = 'active'")" 4 "four active cards"
is "$(sql "SELECT count(*) FROM (SELECT resident_id FROM cards WHERE state = 'active' GROUP BY resident_id HAVING count(*) = 1)")" 4 \
    "each prepared person has exactly one active card"
is "$(sql "SELECT count(*) FROM cards c JOIN batch_items b ON b.card_id = c.id AND b.user_number = c.user_number WHERE b.run_id = $run")" 4 \
    "every card carries its item's prepared user number"
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = $RID_E")" 0 "the person outside the run got no card"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_issued'")" 4 \
    "the center queue holds one card_issued record per card"
is "$(sql "SELECT count(DISTINCT json_extract(CAST(payload AS TEXT), '\$.user_number')) FROM queue_records WHERE kind = 'card_issued' AND json_extract(CAST(payload AS TEXT), '\$.user_number') IN (SELECT lower(hex(user_number)) FROM cards WHERE state = 'active')")" 4 \
    "the four card_issued records name the four active cards"
for rid in $RID_A $RID_B $RID_C $RID_D; do
	ok "$([ -s "$TEST_TMP/print/certificate-$rid.pdf" ]; echo $?)" "certificate PDF of resident $rid"
done
is "$(sql "SELECT count(*) FROM batch_items WHERE run_id = $run AND cert_serial LIKE 'C-%'")" 4 \
    "every item records its certificate serial"

# ---- resuming a finished run does nothing
c0=$(sql "SELECT count(*) FROM card_events")
nhi batch preissue feed --max-wait 1 "$run"
is "$rc" 0 "feeding a finished run exits 0"
like "$out" "feed ended: run complete \(0 cards" "a finished run takes no card"
is "$(sql "SELECT count(*) FROM card_events")" "$c0" "nothing changed"

done_testing
