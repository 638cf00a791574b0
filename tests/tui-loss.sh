#!/bin/sh
# The clerk's loss-report screen, black-box through tmux against pcscd and
# the emulator (tests/lib/tui.sh): a card reported lost at the counter with
# a new card issued at once. The old card is suspended, then revoked
# (replaced) once the new card is active; its revocation is queued in the
# revocation lane; the loss-report receipt is printed; the new card carries
# the next key generation. Then a reprint of the certificate with a reason,
# which voids the old serial.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_need_tmux
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
command -v pdftotext >/dev/null 2>&1 || skip_all "pdftotext is needed to read the PDFs"
pcsc_start
make_store "$DB"
PRINT=$TEST_TMP/print
mkdir "$PRINT"
printf '[ui]\nprint_dir = %s\n' "$PRINT" >>"$CONF"
# lcs FILE: the NHI AP's life cycle status as the card itself keeps it.
lcs() { "$CARDSIM" --inspect "$1" | sed -n 's/.*lcs=\([0-9][0-9]\) .*nhi-ap.*/\1/p'; }
state() { sql "SELECT state || '/' || coalesce(state_reason, '') FROM cards WHERE id = $1"; }

# ---- card A, issued from the command line
insert_card "$TEST_TMP/a" juki
nhi issue --print-to "$PRINT" 1
is "$rc" 0 "card A is issued"
serial_a=$(sql "SELECT card_serial FROM cards WHERE id = 1")
un_a=$(sql "SELECT lower(hex(user_number)) FROM cards WHERE id = 1")
card_remove

tui_start --config "$CONF" --db "$DB" --reader "$PCSC_READER" tui
tui_login_demo
ok $? "the demo operator logs in"
tui_open_resident ヤマダ "ヤマダ タロウ"
ok $? "the resident is opened"

# ---- the loss report
tui_keys l
tui_wait_for "$(tui_t 'Enter: take the report (asks the reason, who and how)')"
ok $? "the loss-report screen opens"
tui_shows "$(tui_tf 'Card %s: %s, issued %s, key generation %d' "$serial_a" "$(tui_t active)" \
    "$(sql "SELECT issued_on FROM cards WHERE id = 1")" 1)" "it shows the resident's active card"
tui_keys Enter
tui_wait_for "$(tui_t 'the card was stolen')"
ok $? "Enter asks for the reason"
tui_keys 1
tui_wait_for "$(tui_t 'a family member')"
ok $? "then who reported it"
tui_keys 1
tui_wait_for "$(tui_t 'by phone')"
ok $? "then how"
tui_keys 1
tui_wait_for "$(tui_t 'Issue a new card now')"
ok $? "then whether a new card is issued now"
tui_keys 1
confirm=$(tui_tf "Card %s: %s.\nThe card's NHI key is revoked at the center at once: the card stops working for NHI at every clinic (a Juki card keeps its other services).\n%sReported by: %s, %s.\nThe loss-report receipt is printed to %s.\n%sRecord the report?" \
    "$serial_a" "$(tui_t 'the card was lost')" "" "$(tui_t 'the holder')" \
    "$(tui_t 'at the counter')" "$(tui_tf 'PDF files in %s' "$PRINT")" "")
tui_wait_for "$(printf '%s\n' "$confirm" | tail -n 1)"
ok $? "the confirmation asks before anything changes"
tui_shows "$(printf '%s\n' "$confirm" | sed -n 1p)" "it names the card and the reason"
like "$screen" "$(tui_t 'The card becomes suspended: it can be reinstated if it is found before a new card is issued.\n' | cut -c1-15)" \
    "it says the card becomes suspended"
is "$(state 1)" "active/" "nothing changed before the confirmation"
tui_keys y
tui_wait_for "$(tui_t 'The loss report is recorded.')"
ok $? "y records the report"
seq=$(sql "SELECT seq FROM queue_records WHERE kind = 'card_revoked'")
tui_shows "$(tui_tf 'Card %s: %s' "$serial_a" "$(tui_t 'suspended (reported lost)')")" \
    "the result shows the card suspended"
tui_shows "$(tui_tf "The key's revocation is queued for the center (record %lld)." "$seq")" \
    "and the revocation queued for the center"
tui_shows "$(tui_t 'Loss-report receipt:') $PRINT/receipt-loss-1.pdf" "and the receipt"
is "$(state 1)" "suspended/lost" "the old card is suspended (lost)"
is "$(sql "SELECT lane || ' ' || kind FROM queue_records WHERE seq = $seq")" \
    "revocation card_revoked" "its revocation is in the revocation lane"
like "$(sql "SELECT CAST(payload AS TEXT) FROM queue_records WHERE seq = $seq")" \
    "\"user_number\":\"$un_a\".*\"reason\":\"lost\"" "it revokes the old user number, reason lost"
is "$(sql "SELECT reported_by || ' ' || report_how FROM card_events WHERE card_id = 1
  AND event = 'report_lost'")" "holder counter" "the report says who and how"
t=$(pdftotext -layout "$PRINT/receipt-loss-1.pdf" - 2>/dev/null)
like "$t" "紛失届受理票" "the receipt is the loss-report receipt"
like "$t" "$serial_a" "it names the card stopped"
like "$t" "再交付のカードをお渡しします" "it says a new card follows"

# ---- the new card, at once: the issue screen prefers a new Juki card
tui_keys Enter
tui_wait_for "$(tui_t 'Reissue an NHI card')"
ok $? "Enter opens the reissue screen"
tui_wait_for "$(tui_t 'Card to insert:')"
tui_shows "> 2 $(tui_t 'a new Juki card (card fee)')" "a new Juki card is chosen, not the lost one"
cert=$(sql "SELECT serial FROM certificates WHERE resident_id = 1 AND voided_at IS NULL")
tui_shows "$(tui_t 'Print:') $(tui_tf "the counter receipt only (certificate %s stays valid)" "$cert")" \
    "the valid certificate stays valid: only the receipt is printed"
tui_keys Enter
tui_wait_for "$(tui_t 'The card reported lost is replaced (its key stays revoked).\n')"
ok $? "the confirmation says the lost card is replaced"
tui_keys y
tui_wait_for "$(tui_t 'Insert the card')"
tui_shows "$(tui_t 'the new Juki card the register issued')" "the box asks for the new Juki card"
insert_card "$TEST_TMP/b" juki-new
tui_wait_for "$(tui_t 'The card is issued.')" 30
ok $? "the new card is issued"
tui_shows "$(tui_t 'Key generation:') 2" "with the next key generation"
tui_shows "$(tui_tf 'Replaces card record %lld (now revoked: replaced).' 1)" \
    "and it replaces the card reported lost"
tui_shows "$(tui_tf 'Certificate %s stays valid.' "$cert")" "the certificate stays valid"
is "$(sql "SELECT count(*) FROM certificates WHERE resident_id = 1")" 1 \
    "no certificate was printed again"
tui_shows "$(tui_t 'Counter receipt: saved as PDF')" "the counter receipt is saved as a PDF"
like "$(pdftotext -layout "$PRINT/receipt-1.pdf" - 2>/dev/null)" "$cert" \
    "the counter receipt names the certificate that stays valid"
is "$(state 1)" "revoked/replaced" "the old card is revoked (replaced)"
is "$(state 2)" "active/" "the new card is active"
is "$(sql "SELECT kind || ' ' || key_generation FROM cards WHERE id = 2")" "juki_new 2" \
    "a new Juki card, key generation 2"
un_b=$(sql "SELECT lower(hex(user_number)) FROM cards WHERE id = 2")
[ -n "$un_b" ] && [ "$un_b" != "$un_a" ]
ok $? "with a new user number"
is "$(lcs "$TEST_TMP/b")" 05 "card B's NHI AP is activated on the card"
nhi card verify
is "$rc" 0 "card B verifies"
is "$(sql "SELECT count(*) FROM queue_records WHERE kind = 'card_revoked'")" 1 \
    "one revocation queued in all"
is "$(sql "SELECT group_concat(DISTINCT action) FROM (SELECT action FROM audit_log
  WHERE action LIKE 'card.%' ORDER BY action)")" "card.issue,card.replace,card.revoke" \
    "issue, revoke and replace are audited"

# ---- back to the resident, then a reprint of the certificate
tui_keys Enter
tui_wait_for "$(tui_t 'Enter: done')"
tui_keys Escape
tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
ok $? "back on the resident's screen"
old=$(sql "SELECT serial FROM certificates WHERE resident_id = 1 AND document = 'certificate'
  AND voided_at IS NULL")
tui_keys r
tui_wait_for "$(tui_t 'Valid certificate:') $old"
ok $? "the reprint screen shows the valid certificate"
tui_keys Enter
tui_wait_for "$(tui_t 'soiled or worn')"
ok $? "Enter asks for the reason"
tui_keys 1
tui_wait_for "$(tui_t 'Details (optional; required for other):' | sed 's/[(（].*//')"
tui_type "coffee"
tui_keys Enter
tui_wait_for "$old"
tui_keys y
tui_wait_for "$(tui_t 'The certificate is reissued and saved as a PDF.')"
ok $? "the certificate is reprinted"
new=$(sql "SELECT serial FROM certificates WHERE resident_id = 1 AND document = 'certificate'
  AND voided_at IS NULL")
[ -n "$new" ] && [ "$new" != "$old" ]
ok $? "a new serial is valid"
tui_shows "$(tui_t 'New certificate:') $new" "the screen shows the new serial"
tui_shows "$(tui_tf 'Certificate %s is void.' "$old")" "and the old one voided"
is "$(sql "SELECT void_reason FROM certificates WHERE serial = '$old'")" "soiled: coffee" \
    "the old serial is voided with the reason"
t=$(pdftotext -enc UTF-8 "$PRINT/certificate-1.pdf" - 2>&1 | tr -d ' ')
like "$t" "$new" "the PDF carries the new serial"
tui_running
ok $? "the screen is still running"
done_testing
