#!/bin/sh
# `nhicard report daily`: the supervisor's daily report (docs/report.md).
# A station store with a known day (2026-04-01, JST): cards issued on
# three paths with a fee and a waiver, a reprint and a void with reasons,
# a loss report, an unfinished card, an open held finding, records
# waiting for the center (one past the deadline, one near it, one
# rejected), operators' actions and a refusal; a resident with a very long
# name holding 外字, a very long reason. The report's text (pdftotext)
# against the store and a kept copy, the rendered page (pdftoppm) the same
# on every run and as kept; a day with no activity; bad dates and paths.
# The rows are written with sqlite3: the report reads the store, and these
# are the rows the counter's commands write (the flows are tested in
# their own tests); the audit rows carry dummy hashes (the report does
# not verify the chain; `audit verify` does).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
SQLITE3=${SQLITE3:-sqlite3}
command -v pdftotext >/dev/null 2>&1 || skip_all "pdftotext (poppler-utils) missing"
command -v pdftoppm >/dev/null 2>&1 || skip_all "pdftoppm (poppler-utils) missing"
cd "$TEST_TMP" || bail "cd"
DATA=$top_srcdir/tests/data

printf '[station]\nmode = test\n[print]\ninsurer_name = テスト町\n' > st.conf
export NHICARD_CONFIG="$TEST_TMP/st.conf" NHICARD_DB="$TEST_TMP/st.db"
"$NHICARD" db init >/dev/null || bail "db init"
"$top_builddir/bench/gen-extract" --residents 12 --seed 5 -o ex.csv 2>/dev/null || bail "gen-extract"
"$NHICARD" import ex.csv >/dev/null || bail "import"

LONG_NAME="寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処やぶら小路の藪柑子パイポパイポパイポのシューリンガンシューリンガンのグーリンダイグーリンダイのポンポコピーのポンポコナーの長久命の長助"
LONG_REASON="氏名の誤記（申出人の説明では旧字体の「髙」を用いるべきところ「高」で印字されていたため、本人確認書類と照合のうえ再交付。照合した書類：運転免許証、住民票の写し。窓口で旧証を回収し裁断済み）END-OF-REASON"
"$SQLITE3" st.db "
UPDATE residents SET name_kanji = '$LONG_NAME', name_flags = 0 WHERE id = 1;
UPDATE residents SET name_kanji = '髙' || char(57345) || '花子', name_flags = 1 WHERE id = 2;
INSERT INTO cards (id, resident_id, kind, card_serial, user_number, key_generation, state,
    state_reason, step, issued_on, fee_yen, fee_waived, created_at, updated_at) VALUES
 (1, 1, 'juki_existing', 'C0000001', X'00000000000000000000000000000001', 1, 'active',
    NULL, NULL, '2026-04-01', 0, 0, '2026-04-01T00:10:00Z', '2026-04-01T00:10:00Z'),
 (2, 2, 'standalone', 'C0000002', X'00000000000000000000000000000002', 1, 'revoked',
    'lost', NULL, '2026-04-01', 1000, 0, '2026-04-01T01:00:00Z', '2026-04-01T03:00:00Z'),
 (3, 3, 'juki_existing', 'C0000003', X'00000000000000000000000000000003', 1, 'active',
    NULL, NULL, '2026-04-01', 1000, 1, '2026-04-01T02:00:00Z', '2026-04-01T02:00:00Z'),
 (4, 4, 'juki_new', 'C0000004', X'00000000000000000000000000000004', 1, 'unfinished',
    'card removed during personalization', 'card.put_key', NULL, 0, 0,
    '2026-04-01T04:00:00Z', '2026-04-01T04:00:00Z'),
 (5, 5, 'standalone', 'C0000005', X'00000000000000000000000000000005', 1, 'active',
    NULL, NULL, '2026-03-30', 0, 0, '2026-03-30T01:00:00Z', '2026-03-30T01:00:00Z'),
 (6, 6, 'juki_new', 'C0000006', X'00000000000000000000000000000006', 1, 'active',
    NULL, NULL, '2026-04-02', 0, 0, '2026-04-01T15:30:00Z', '2026-04-01T15:30:00Z');
INSERT INTO card_events (card_id, at, event, from_state, to_state, detail, reported_by,
    report_how) VALUES (2, '2026-04-01T03:00:00Z', 'revoke', 'active', 'revoked', 'lost',
    '本人（電話で申出）', 'phone');
INSERT INTO certificates (id, serial, resident_id, document, cert_kind, issued_on, issued_at,
    voided_at, void_reason, replaced_by) VALUES
 (2, 'S0000002', 1, 'certificate', 'hihokensha', '2026-04-01', '2026-04-01T05:00:00Z',
    NULL, NULL, NULL),
 (1, 'S0000001', 1, 'certificate', 'hihokensha', '2026-03-01', '2026-03-01T05:00:00Z',
    '2026-04-01T05:00:00Z', '$LONG_REASON', 2),
 (3, 'S0000003', 2, 'sleeve', 'kakunin', '2026-04-01', '2026-04-01T01:00:00Z',
    '2026-04-01T06:00:00Z', '交付誤り', NULL);
INSERT INTO held_items (kind, person_code, event, reason, held_at) VALUES
 ('finding', '000007', 'eligibility', '資格取得日が生年月日より前', '2026-04-01T02:30:00Z'),
 ('unknown_person', '999999', 'moved_in', '該当する住民がいない', '2026-03-20T02:30:00Z');
UPDATE held_items SET resolved_at = '2026-03-25T00:00:00Z', resolution = 'discarded'
    WHERE person_code = '999999';
DELETE FROM queue_records;
INSERT INTO queue_records (seq, record_id, lane, kind, payload, created_at, acked_at,
    rejected_at, reject_code, reject_reason) VALUES
 (1, 'r1', 'bulk', 'card_issued', X'7B7D', '2026-03-26T00:00:00Z', NULL, NULL, NULL, NULL),
 (2, 'r2', 'bulk', 'card_issued', X'7B7D', '2026-03-27T20:00:00Z', NULL, NULL, NULL, NULL),
 (3, 'r3', 'revocation', 'card_revoked', X'7B7D', '2026-04-01T03:00:00Z', NULL, NULL, NULL, NULL),
 (4, 'r4', 'bulk', 'card_issued', X'7B7D', '2026-03-31T00:00:00Z', NULL,
    '2026-04-01T01:00:00Z', 'bad', 'bad record'),
 (5, 'r5', 'bulk', 'card_issued', X'7B7D', '2026-03-31T00:00:00Z', '2026-03-31T09:00:00Z',
    NULL, NULL, NULL);
INSERT INTO audit_log (at, station, operator, action, subject, outcome, detail, prev_hash, hash)
VALUES
 ('2026-04-01T00:10:00Z', 'ST', 'yamada', 'card.issue', 'card:1', 'ok', NULL, X'00', X'01'),
 ('2026-04-01T01:00:00Z', 'ST', 'yamada', 'card.issue', 'card:2', 'ok', NULL, X'01', X'02'),
 ('2026-04-01T03:00:00Z', 'ST', 'sato', 'card.revoke', 'card:2', 'ok', 'lost', X'02', X'03'),
 ('2026-04-01T03:30:00Z', 'ST', 'sato', 'operator.role_refused', 'batch', 'refused',
    'role clerk may not run batch', X'03', X'04'),
 ('2026-04-02T03:30:00Z', 'ST', 'sato', 'card.issue', 'card:6', 'ok', NULL, X'04', X'05');
" || bail "the day's rows"

# The report of the day.
run "$NHICARD" report daily --date 2026-04-01 -o day.pdf
is "$rc" 0 "report daily --date 2026-04-01: exit 0"
is "$out" "daily report for 2026-04-01: day.pdf (2 pages; 3 cards issued, 1 refusal)" \
    "it says where it went, the pages, cards issued and refusals"
pdftotext -layout day.pdf day.txt 2>/dev/null || bail "pdftotext"
# The text without layout spaces or line breaks: wrapped lines rejoin.
flat=$(tr -d ' \n\f' < day.txt)

like "$(cat day.txt)" "業務日報 *2026年04月01日" "the title names the day"
like "$(cat day.txt)" "テスト町" "and the office"
cards_by_path=$("$SQLITE3" st.db "SELECT kind || '=' || count(*) FROM cards
    WHERE issued_on = '2026-04-01' GROUP BY kind ORDER BY kind" | tr '\n' ' ')
is "$cards_by_path" "juki_existing=2 standalone=1 " "(the store: cards issued by path)"
like "$flat" "カード既存の住基カードに追加：2枚" "issuances by path: on an existing 住基カード, 2"
like "$flat" "カード独自カード：1枚" "standalone card, 1 (独自カード, as the screens say)"
like "$flat" "カード交付合計3枚" "the total"
like "$flat" "証国民健康保険被保険者証：1件" "certificates printed by kind"
like "$flat" "再交付（旧証を無効）証番号S0000001" "the reprint, with the serial voided"
like "$flat" "END-OF-REASON" "a very long reason is printed whole (wrapped, not cut)"
like "$flat" "無効証番号S0000003髙〓花子（外字あり：〓は字形のない文字）理由：交付誤り" \
    "a void with its reason; a name with 外字 shows 〓 and says so"
like "$flat" "ポンポコナーの長久命の長助" "a very long name is printed whole"
like "$flat" "カードC0000002髙〓花子（外字あり：〓は字形のない文字）届出者：本人（電話で申出）方法：電話" \
    "the loss report: card, name, who reported it, how"
like "$flat" "手数料合計1000円、免除1件" "fees and waivers"
like "$flat" "未確認（送信待ち・確認待ち）：3件（うち失効レーン1件）" \
    "the queue at the day's end: waiting (the acknowledged and the rejected not counted)"
like "$flat" "期限（5日）まで1日以内：1件期限超過：1件" "near and past the deadline"
like "$flat" "センターが受け付けなかった記録（再送待ち）：1件" "rejections"
like "$flat" "カードC0000004.*到達した手順：card.put_key理由：cardremovedduringpersonalization" \
    "the unfinished card with its step and reason"
like "$flat" "規則の所見eligibility資格取得日が生年月日より前" "the open held finding"
unlike "$flat" "該当する住民がいない" "a held item resolved before the day is not listed"
like "$flat" "yamadacard.issue：2回" "operators' actions from the audit trail"
like "$flat" "12:30satooperator.role_refusedrefusedroleclerkmaynotrunbatch" \
    "the refusal, at its JST time"
unlike "$flat" "C0000006" "a card issued the next day (JST) is not in this day"

# Deterministic: the same store and day give the same bytes, text, page.
"$NHICARD" report daily --date 2026-04-01 -o again.pdf >/dev/null || bail "again"
cmp -s day.pdf again.pdf
ok $? "the same store and day give the same PDF, byte for byte"
pdftoppm -r 50 -png -f 1 -l 1 day.pdf page 2>/dev/null || bail "pdftoppm"
pdftoppm -r 50 -png -f 1 -l 1 again.pdf page2 2>/dev/null || bail "pdftoppm"
sum1=$(sha256sum < page-1.png | cut -d' ' -f1)
is "$(sha256sum < page2-1.png | cut -d' ' -f1)" "$sum1" "the rendered first page is the same"
cp page-1.png "$top_builddir/tests/report-daily-page1.png" 2>/dev/null
pdftotext day.pdf kept.txt 2>/dev/null
if [ "${NHICARD_UPDATE_GOLDEN:-}" = 1 ]; then
	cp kept.txt "$DATA/report-daily.txt"
	echo "$sum1" > "$DATA/report-daily-page1.sha256"
fi
diff -u "$DATA/report-daily.txt" kept.txt > text.diff
ok $? "the report's text is the kept one (tests/data/report-daily.txt)"
[ -s text.diff ] && head -40 text.diff | sed 's/^/# /'
is "$sum1" "$(cat "$DATA/report-daily-page1.sha256")" \
    "the rendered first page (pdftoppm -r 50) is the kept one (fonts-ipaexfont, poppler of tools/setup)"

# A day without activity: a report that says so.
run "$NHICARD" report daily --date 2026-01-05 -o empty.pdf
is "$rc" 0 "a day without activity: exit 0"
like "$out" "0 cards issued, 0 refusals); no activity that day" "the command says so"
like "$(pdftotext empty.pdf - 2>/dev/null | tr -d ' \n')" "この日の活動はありません" \
    "and so does the report"

# Bad input: named, nothing written.
before=$(sha256sum < st.db)
run "$NHICARD" report daily --date 2026-02-30 -o bad.pdf
is "$rc" 3 "--date 2026-02-30: bad input (exit 3)"
like "$out" "2026-02-30" "the date is named"
ok "$([ ! -e bad.pdf ]; echo $?)" "no file is written"
run "$NHICARD" report daily --date yesterday -o bad.pdf
is "$rc" 3 "--date yesterday: bad input"
like "$out" "report day 'yesterday': expected a date YYYY-MM-DD" "what is expected is said"
run "$NHICARD" report daily --date 2026-04-01
is "$rc" 2 "no -o: a usage error"
like "$out" "needs -o FILE.pdf" "the missing option is named"
run "$NHICARD" report weekly -o x.pdf
is "$rc" 2 "report weekly: a usage error"
run "$NHICARD" report daily --date 2026-04-01 -o "$TEST_TMP/no/such/dir/r.pdf"
ok "$([ "$rc" -ne 0 ]; echo $?)" "a directory that does not exist: an error (exit $rc)"
like "$out" "no/such/dir" "the path is named"
chmod 0555 "$TEST_TMP" 2>/dev/null
mkdir ro 2>/dev/null; chmod 0555 ro
run "$NHICARD" report daily --date 2026-04-01 -o ro/r.pdf
chmod 0755 ro "$TEST_TMP"
if [ "$(id -u)" != 0 ]; then
	ok "$([ "$rc" -ne 0 ] && [ -z "$(ls ro)" ]; echo $?)" \
	    "a directory not writable: an error, no file and no temporary left"
fi
printf '[print]\nfont_path = /nonexistent\n' >> st.conf
run "$NHICARD" report daily --date 2026-04-01 -o nofont.pdf
is "$rc" 3 "no font in print.font_path: a configuration error (exit 3)"
like "$out" "ipaexg.ttf .IPAex Gothic. is not in the font path" "the font and the path are named"
ok "$([ ! -e nofont.pdf ]; echo $?)" "no file is written"
is "$(sha256sum < st.db)" "$before" "reports and refused reports change nothing in the store"

done_testing
