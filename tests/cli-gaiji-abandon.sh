#!/bin/sh
# The command line has what the counter screen has (issue 18), over the
# same flow functions:
#   - `nhicard issue --gaiji-decided`: a resident card whose name differs
#     from the register only at a 外字 is held (exit 1, reason
#     card.mismatch_gaiji, nothing written); --gaiji-decided without a
#     supervisor is refused; with --approver it is written and the decision
#     audited as issue.gaiji_match (issue_gaiji_approve, as the screen);
#   - `nhicard abandon --card ID --reason WHY`: a card pulled half-way and
#     left unfinished is given up (revoked, abandoned, audited
#     card.abandon), nothing queued; a bad reason, an active card, a card
#     that does not exist are refused and change nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
pcsc_start
make_store "$DB"
add() { "$NHICARD" --config "$CONF" --db "$DB" "$@" >/dev/null || bail "nhicard $*"; }
# Resident 2: the Juki card's four items, but 太 is a vendor 外字 (U+E000)
# in the register.
add resident add --name-kanji "山田 $(printf '\356\200\200')郎" --name-kana "ヤマダ ゲタロウ" \
    --birth "$P_BIRTH" --sex "$P_SEX" --address "$P_ADDR"
add eligibility add --insurer 133116 --symbol 1 --number 3 --kind hihokensha \
    --acquired 2020-04-01 2
# Resident 3: a standalone card by the rules.
add resident add --name-kanji "鈴木 一郎" --name-kana "スズキ イチロウ" --birth 1975-05-05 \
    --sex 1 --address "東京都千代田区神田2-2"
add eligibility add --insurer 133116 --symbol 1 --number 4 --kind hihokensha \
    --acquired 2020-04-01 3

# ---- 外字: held, refused without a supervisor, written with one
insert_card "$TEST_TMP/juki" juki
nhi issue --no-print 2
is "$rc" 1 "a card that differs only at the 外字 is held (exit 1)"
like "$out" "gaiji|外字" "the message says the 外字 is the cause"
unlike "$out" "belongs to (someone|another)" "it is not refused as another person's card"
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = 2")" 0 "nothing was written"
nhi issue --no-print --gaiji-decided 2
is "$rc" 1 "--gaiji-decided without a supervisor is refused"
like "$out" "second person|approver" "it says a supervisor must approve"
is "$(sql "SELECT count(*) FROM cards WHERE resident_id = 2")" 0 "nothing was written"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'issue.gaiji_match' AND outcome = 'ok'")" \
    0 "no decision is on record"
run "$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" --approver boss \
    issue --no-print --gaiji-decided 2
is "$rc" 0 "with the supervisor's decision the card is issued"
is "$(sql "SELECT state FROM cards WHERE resident_id = 2")" active "the card is active"
like "$(sql "SELECT outcome || ' ' || detail FROM audit_log WHERE action = 'issue.gaiji_match'")" \
    "^ok approver boss .*resident:2" "the decision is audited with the supervisor"
nhi issue --no-print --gaiji-decided STRAY 2
is "$rc" 2 "a stray word with --gaiji-decided is a usage error"
card_remove >/dev/null 2>&1
card_wait_removed >/dev/null 2>&1

# ---- abandon: a card pulled half-way, given up with a reason
insert_card "$TEST_TMP/blank" standalone --tear-after 7
nhi issue --no-print --path standalone 3
[ "$rc" = 4 ] || diag "$out"
is "$rc" 4 "the card pulled mid-write exits 4"
cid=$(sql "SELECT id FROM cards WHERE resident_id = 3")
is "$(sql "SELECT state FROM cards WHERE id = $cid")" unfinished "the card is unfinished"
card_wait_removed >/dev/null 2>&1
queued=$(sql "SELECT count(*) FROM queue_records")
nhi abandon --card "$cid" --reason forgot
is "$rc" 2 "a reason not in the list is a usage error"
like "$out" "lost, damaged or other" "it names the reasons"
is "$(sql "SELECT state FROM cards WHERE id = $cid")" unfinished "the card is unchanged"
nhi abandon --card "$cid"
is "$rc" 2 "no reason: a usage error"
nhi abandon --card 999 --reason lost
is "$rc" 3 "a card that does not exist: exit 3"
active=$(sql "SELECT id FROM cards WHERE resident_id = 2")
nhi abandon --card "$active" --reason lost
is "$rc" 1 "an active card cannot be given up"
is "$(sql "SELECT state FROM cards WHERE id = $active")" active "and stays active"
like "$(sql "SELECT outcome FROM audit_log WHERE action = 'card.abandon' AND subject = 'card:$active'")" \
    "refused|denied|fail" "the refusal is on record"
nhi abandon --card "$cid" --reason lost
is "$rc" 0 "the unfinished card is given up"
like "$out" "given up \\(lost\\), revoked" "the command says so"
is "$(sql "SELECT state || ' ' || state_reason FROM cards WHERE id = $cid")" "revoked abandoned" \
    "the card is revoked (abandoned)"
like "$(sql "SELECT operator || ' ' || outcome || ' ' || detail FROM audit_log WHERE action = 'card.abandon' AND subject = 'card:$cid'")" \
    "ok resident:3 unfinished>revoked \\(abandoned: lost\\)" "audited with who and why"
is "$(sql "SELECT count(*) FROM queue_records")" "$queued" "nothing is queued for the center (no key was issued)"
nhi abandon --card "$cid" --reason lost
is "$rc" 1 "a card already given up is refused"
done_testing
