#!/bin/sh
# print.sh: `nhicard print`: every document kind checked for page size
# (pdfinfo) and text (pdftotext), with era dates and long and unusual names;
# a PNG of each under tests/output/print/; reproducible bytes; template
# errors; reprints void the earlier serial; a failed write records nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

for tool in pdfinfo pdftotext pdftoppm; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool (poppler-utils) not installed"
done
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
SQLITE3=${SQLITE3:-sqlite3}
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"

OUT="$top_builddir/tests/output/print"
mkdir -p "$OUT"
T="--templates $top_srcdir/templates"
FIXED="--date 2025-11-24 --creation-date 2025-11-24T09:00:00Z"

# A store with one resident per case.
mkstore() {
	"$NHICARD" --db "$1" db init >/dev/null || bail "db init failed"
	"$SQLITE3" "$1" <<'EOF' || bail "cannot fill the store"
INSERT INTO households (id, household_code, address, created_at, updated_at) VALUES
 (1, 'H001', '高知県高知市本町五丁目1番45号', 'x', 'x'),
 (2, 'H002', '高知県高知市桜井町二丁目3番4号', 'x', 'x');
INSERT INTO residents (id, person_code, household_id, is_head, name_kanji, name_kana,
  name_kana_norm, birth_date, sex, address, name_flags, origin, created_at, updated_at) VALUES
 (1, 'P001', 1, 1, '山田 太郎', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマダ タロウ', '1954-03-15', 1,
  '高知県高知市本町五丁目1番45号', 0, 'extract', 'x', 'x'),
 (2, 'P002', 1, 0, '髙橋 花子', 'ﾀｶﾊｼ ﾊﾅｺ', 'タカハシ ハナコ', '1989-01-08', 2,
  '高知県高知市本町五丁目1番45号 コーポ本町302号室', 1, 'extract', 'x', 'x'),
 (3, 'P003', 2, 1, '勅使河原右衛門三郎兵衛之助左衛門太郎丸', 'ﾃｼｶﾞﾜﾗ', 'テシガワラ', '1960-12-01', 1,
  '高知県高知市桜井町二丁目3番4号', 0, 'extract', 'x', 'x'),
 (4, 'P004', 2, 0, 'ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ', 'ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ', 'グエン ヴァン アン', '1995-07-07', 9,
  '高知県高知市桜井町二丁目3番4号', 0, 'extract', 'x', 'x'),
 (5, 'P005', NULL, 0, 'NGUYEN VAN AN WILLIAMSON-FERNANDEZ DE LA CRUZ', 'ｸﾞｴﾝ', 'グエン', '1980-02-29', 1,
  '高知県高知市桜井町二丁目3番4号', 0, 'extract', 'x', 'x'),
 (6, 'P006', NULL, 0, '寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処やぶら小路の藪柑子パイポパイポパイポのシューリンガン', 'ｼﾞｭｹﾞﾑ', 'ジュゲム', '1990-01-01', 1,
  '高知県高知市', 0, 'extract', 'x', 'x'),
 (7, 'P007', NULL, 0, '無資格 一郎', 'ﾑｼｶｸ', 'ムシカク', '1990-01-01', 1,
  '高知県高知市', 0, 'extract', 'x', 'x');
INSERT INTO eligibility_periods (resident_id, insurer_number, symbol, number, branch,
  cert_kind, acquired_on, valid_until, burden_pct, burden_from, recorded_at) VALUES
 (1, '390013', '高知12', '345678', '01', 'hihokensha', '2019-05-01', '2026-07-31', 20, '2024-04-01', 'x'),
 (2, '390013', '高知12', '345678', '02', 'tanki', '2019-05-01', '2026-01-31', NULL, NULL, 'x'),
 (3, '390013', '高知13', '100200', '01', 'shikaku_shomei', '2020-04-01', NULL, NULL, NULL, 'x'),
 (4, '390013', '高知13', '100200', '02', 'kakunin', '2024-12-02', '2029-07-31', NULL, NULL, 'x'),
 (5, '390013', '高知14', '555', NULL, 'hihokensha', '2023-10-10', '2026-07-31', NULL, NULL, 'x'),
 (6, '390013', '高知15', '777', '01', 'hihokensha', '2023-10-10', '2026-07-31', NULL, NULL, 'x');
EOF
}

DB="$TEST_TMP/t.db"
mkstore "$DB"
CONF="$TEST_TMP/nhicard.conf"
printf '[print]\ninsurer_name = 高知市\n[rules]\nlaw = pilot\n' > "$CONF"
nhi() { "$NHICARD" --db "$DB" --config "$CONF" "$@"; }

pagesize() { pdfinfo "$1" | sed -n 's/^Page size: *\([0-9.]*\) x \([0-9.]*\) pts.*/\1 x \2/p'; }
text() { pdftotext -layout "$1" - 2>/dev/null; }
png() { pdftoppm -png -r 150 "$1" "$OUT/$2" 2>/dev/null; }

# ---- certificate: every kind, front and back --------------------------------
run nhi print certificate P001 $T $FIXED -o "$TEST_TMP/p001.pdf"
is "$rc" 0 "certificate P001 printed"
like "$out" "certificate C-00000001 printed to" "the serial is reported"
is "$(pagesize "$TEST_TMP/p001.pdf")" "242.646 x 153.071" "ID-1 page: 85.6 x 54 mm"
is "$(pdfinfo "$TEST_TMP/p001.pdf" | sed -n 's/^Pages: *//p')" 2 "front and back"
t=$(text "$TEST_TMP/p001.pdf")
like "$t" "国民健康保険被保険者証" "被保険者証 title"
like "$t" "記号 +高知12 +番号 +345678 +（枝番） *01" "記号・番号・枝番"
like "$t" "山田 太郎" "氏名"
like "$t" "昭和29年3月15日" "生年月日 in era form"
like "$t" "性別 +男" "性別"
like "$t" "世帯主氏名 *山田 太郎" "世帯主氏名"
like "$t" "高知県高知市本町五丁目1番45号" "住所"
like "$t" "資格取得年月日 *令和元年5月1日" "資格取得年月日 with 元年"
like "$t" "交付年月日 *令和7年11月24日" "交付年月日"
like "$t" "有効期限 *令和8年7月31日" "有効期限"
like "$t" "一部負担金の割合 *2割" "ages 70-74: 一部負担金の割合"
like "$t" "発効期日 *令和6年4月1日" "ages 70-74: 発効期日"
like "$t" "保険者番号 *390013 *保険者名称 *高知市" "保険者番号 and 保険者名称"
like "$t" "注意事項" "back: notes"
like "$t" "臓器提供に関する意思表示" "back: organ donation field"
like "$t" "C-00000001" "back: the serial"
png "$TEST_TMP/p001.pdf" certificate-hihokensha-elderly

run nhi print certificate P002 $T $FIXED -o "$TEST_TMP/p002.pdf"
is "$rc" 0 "短期 certificate printed"
like "$out" "warning: .*name holds 外字" "外字 name: the clerk is warned"
t=$(text "$TEST_TMP/p002.pdf")
like "$t" "国民健康保険被保険者証（短期）" "短期被保険者証 title"
like "$t" "髙橋 花子" "name with 髙"
like "$t" "平成元年1月8日" "born on the first day of 平成: 元年"
like "$t" "有効期限の短い被保険者証" "短期: note on the back"
unlike "$t" "一部負担金" "under 70: no 一部負担金の割合"
png "$TEST_TMP/p002.pdf" certificate-tanki-gaiji

run nhi print certificate P003 $T $FIXED -o "$TEST_TMP/p003.pdf"
is "$rc" 0 "資格証明書 with a long kanji name printed"
t=$(text "$TEST_TMP/p003.pdf")
like "$t" "国民健康保険被保険者資格証明書" "被保険者資格証明書 title"
like "$t" "勅使河原右衛門三郎兵衛之助左衛門太郎丸" "long kanji name printed whole"
like "$t" "全額" "資格証明書: pay in full note"
like "$t" "有効期限" "資格証明書: the validity end from the rules is printed"
png "$TEST_TMP/p003.pdf" certificate-shikaku-shomei-long-name

run nhi print certificate P004 $T $FIXED -o "$TEST_TMP/p004.pdf"
is "$rc" 0 "資格確認書 with a half-width kana name printed"
t=$(text "$TEST_TMP/p004.pdf")
like "$t" "国民健康保険資格確認書" "資格確認書 title"
like "$t" "ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ" "half-width kana name"
like "$t" "有効期限 *令和11年7月31日" "資格確認書 validity"
unlike "$t" "性別 +[男女]" "sex 9: nothing printed"
png "$TEST_TMP/p004.pdf" certificate-kakunin-halfwidth-kana

run nhi print certificate P005 $T $FIXED -o "$TEST_TMP/p005.pdf"
is "$rc" 0 "long Latin name wraps and prints"
t=$(text "$TEST_TMP/p005.pdf")
like "$t" "NGUYEN VAN AN" "long Latin name, first part"
like "$t" "WILLIAMSON-FERNANDEZ" "long Latin name, second part"
unlike "$t" "（枝番）" "no 枝番: no 枝番 label"
png "$TEST_TMP/p005.pdf" certificate-long-latin-name

# ---- too long: refused, never clipped; the proof shows it ------------------
run nhi print certificate P006 $T $FIXED -o "$TEST_TMP/p006.pdf"
is "$rc" 3 "a name that cannot fit even at the minimum size is refused"
like "$out" "certificate.tmpl:[0-9]+: field 'name'.*never clipped" "the error names template, line and field"
ok "$([ ! -e "$TEST_TMP/p006.pdf" ]; echo $?)" "no PDF written"
is "$("$SQLITE3" "$DB" "SELECT count(*) FROM certificates WHERE resident_id = 6")" 0 \
    "no serial recorded for the refused certificate"
run nhi print certificate P006 $T $FIXED --preview "$OUT/proof-overflow.png"
is "$rc" 0 "the proof of the refused certificate renders"
like "$out" "warning: .*name does not fit" "the proof warns of the overflow"
ok "$([ -s "$OUT/proof-overflow.png" ]; echo $?)" "proof PNG written"
is "$("$SQLITE3" "$DB" "SELECT count(*) FROM certificates")" 5 "a proof records no serial"

run nhi print certificate P007 $T $FIXED -o "$TEST_TMP/p007.pdf"
is "$rc" 3 "no eligibility: refused"
like "$out" "no NHI eligibility" "the error says why"

# A character the font has no glyph for (𠮷, outside the BMP) would print
# blank: refused, never silently dropped; the proof marks it.
"$SQLITE3" "$DB" "INSERT INTO residents (id, person_code, name_kanji, name_kana, name_kana_norm,
  birth_date, sex, address, name_flags, origin, created_at, updated_at) VALUES
  (8, 'P008', '𠮷田 太郎', 'ﾖｼﾀﾞ ﾀﾛｳ', 'ヨシダ タロウ', '1970-01-01', 1, '高知県高知市', 0, 'extract', 'x', 'x');
  INSERT INTO eligibility_periods (resident_id, insurer_number, symbol, number, cert_kind,
  acquired_on, recorded_at) VALUES (8, '390013', '高知16', '888', 'hihokensha', '2020-01-01', 'x')" ||
	bail "sqlite3"
run nhi print certificate P008 $T $FIXED -o "$TEST_TMP/p008.pdf"
is "$rc" 3 "a character without a glyph is refused"
like "$out" "field 'name'.*U\+20BB7 has no glyph" "the error names the field and the character"
is "$("$SQLITE3" "$DB" "SELECT count(*) FROM certificates WHERE resident_id = 8")" 0 "no serial recorded"
run nhi print certificate P008 $T $FIXED --preview "$OUT/proof-missing-glyph.png"
is "$rc" 0 "the proof renders"
like "$out" "warning: .*U\+20BB7" "the proof warns"

# ---- sleeve ------------------------------------------------------------------
run nhi print sleeve P001 $T $FIXED -o "$TEST_TMP/sleeve.pdf"
is "$rc" 0 "sleeve insert printed"
like "$out" "sleeve S-00000006 printed" "sleeves have their own serial"
is "$(pagesize "$TEST_TMP/sleeve.pdf")" "255.118 x 175.748" "sleeve page: 90 x 62 mm"
t=$(text "$TEST_TMP/sleeve.pdf")
like "$t" "照会するための鍵" "sleeve: the card holds the key a clinic looks the person up with"
unlike "$t" "NHI AP" "sleeve: no English for residents"
like "$t" "山田 太郎" "sleeve: the certificate items"
like "$t" "令和7年11月24日" "sleeve: era dates"
png "$TEST_TMP/sleeve.pdf" sleeve

# ---- sheet -------------------------------------------------------------------
DB2="$TEST_TMP/batch.db"
mkstore "$DB2"
"$SQLITE3" "$DB2" "DELETE FROM eligibility_periods WHERE resident_id = 6" || bail "sqlite3"
run "$NHICARD" --db "$DB2" --config "$CONF" print sheet --all $T $FIXED -o "$TEST_TMP/sheet.pdf"
is "$rc" 0 "batch sheet printed"
like "$out" "5 certificates \(C-00000001 to C-00000005\)" "one serial per certificate"
is "$(pagesize "$TEST_TMP/sheet.pdf")" "595.276 x 841.89" "A4 sheet"
is "$(pdfinfo "$TEST_TMP/sheet.pdf" | sed -n 's/^Pages: *//p')" 2 "fronts and backs"
t=$(text "$TEST_TMP/sheet.pdf")
like "$t" "一括印刷（表）" "sheet header"
like "$t" "勅使河原右衛門三郎兵衛之助左衛門太郎丸" "sheet holds the long name"
like "$t" "ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ" "sheet holds the half-width name"
png "$TEST_TMP/sheet.pdf" sheet
# Volumes.
DB3="$TEST_TMP/vol.db"
mkstore "$DB3"
"$SQLITE3" "$DB3" "DELETE FROM eligibility_periods WHERE resident_id = 6" || bail "sqlite3"
run "$NHICARD" --db "$DB3" --config "$CONF" print sheet --all $T $FIXED --volume-size 2 \
    -o "$TEST_TMP/vol.pdf"
is "$rc" 0 "batch in volumes"
ok "$([ -s "$TEST_TMP/vol-001.pdf" ] && [ -s "$TEST_TMP/vol-002.pdf" ] &&
    [ -s "$TEST_TMP/vol-003.pdf" ] && [ ! -e "$TEST_TMP/vol-004.pdf" ]; echo $?)" \
    "5 certificates in volumes of 2: three files"

# ---- receipts ----------------------------------------------------------------
run nhi print receipt counter P001 $T $FIXED -o "$TEST_TMP/rc.pdf" \
    --action "被保険者証を交付しました" --action "カードに国保の資格を書き込みました" \
    --next "次回の更新は令和8年7月です"
is "$rc" 0 "counter receipt printed"
is "$(pagesize "$TEST_TMP/rc.pdf")" "419.528 x 595.276" "A5 receipt"
t=$(text "$TEST_TMP/rc.pdf")
like "$t" "窓口受付票" "counter receipt title"
like "$t" "受付日 *令和7年11月24日" "receipt date in era form"
like "$t" "山田 太郎" "receipt name"
like "$t" "被保険者証を交付しました" "what was done"
like "$t" "証の交付番号 *C-00000001" "certificate serial on the receipt, named for what it is"
like "$t" "次回の更新は令和8年7月です" "next steps"
png "$TEST_TMP/rc.pdf" receipt-counter
"$SQLITE3" "$DB" "INSERT INTO cards (resident_id, kind, card_serial, user_number, key_generation,
  state, state_reason, created_at, updated_at) VALUES (2, 'juki_existing', '0123456789ABCDEF',
  zeroblob(16), 1, 'revoked', 'lost', 'x', 'x')" || bail "sqlite3"
run nhi print receipt loss P002 $T $FIXED -o "$TEST_TMP/rl.pdf"
is "$rc" 0 "loss-report receipt printed"
t=$(text "$TEST_TMP/rl.pdf")
like "$t" "紛失届受理票" "loss receipt title"
like "$t" "停止したカード *0123456789ABCDEF" "the revoked card's serial"
like "$t" "再交付" "next steps for a loss"
png "$TEST_TMP/rl.pdf" receipt-loss

# ---- same input, same bytes ----------------------------------------------------
A="$TEST_TMP/a.db"; B="$TEST_TMP/b.db"
mkstore "$A"; mkstore "$B"
"$NHICARD" --db "$A" --config "$CONF" print certificate P002 $T $FIXED -o "$TEST_TMP/a.pdf" >/dev/null 2>&1
"$NHICARD" --db "$B" --config "$CONF" print certificate P002 $T $FIXED -o "$TEST_TMP/b.pdf" >/dev/null 2>&1
ok "$(cmp -s "$TEST_TMP/a.pdf" "$TEST_TMP/b.pdf"; echo $?)" "same input and creation date: same bytes"
A2="$TEST_TMP/a2.db"; mkstore "$A2"
SOURCE_DATE_EPOCH=1764000000 "$NHICARD" --db "$A2" --config "$CONF" print certificate P002 $T \
    --date 2025-11-24 -o "$TEST_TMP/a2.pdf" >/dev/null 2>&1
B2="$TEST_TMP/b2.db"; mkstore "$B2"
SOURCE_DATE_EPOCH=1764000000 "$NHICARD" --db "$B2" --config "$CONF" print certificate P002 $T \
    --date 2025-11-24 -o "$TEST_TMP/b2.pdf" >/dev/null 2>&1
ok "$(cmp -s "$TEST_TMP/a2.pdf" "$TEST_TMP/b2.pdf"; echo $?)" "SOURCE_DATE_EPOCH: same bytes"
ok "$(! cmp -s "$TEST_TMP/a.pdf" "$TEST_TMP/a2.pdf"; echo $?)" "another creation date: other bytes"

# ---- reprint voids the earlier serial -----------------------------------------
run nhi print certificate P001 $T $FIXED -o "$TEST_TMP/again.pdf"
is "$rc" 3 "a reprint without a reason is refused"
like "$out" "C-00000001 of resident 1 is still valid.*--reason" "the error names the valid serial"
run nhi print certificate P001 $T $FIXED -o "$TEST_TMP/again.pdf" --reason "汚損"
is "$rc" 0 "reprint with a reason"
new=$(printf '%s\n' "$out" | sed -n 's/^certificate \(C-[0-9]*\) printed.*/\1/p')
is "$("$SQLITE3" "$DB" "SELECT void_reason || '|' || (SELECT serial FROM certificates n WHERE n.id = o.replaced_by)
  FROM certificates o WHERE serial = 'C-00000001'")" "汚損|$new" "the earlier serial is voided with the reason and linked"
is "$("$SQLITE3" "$DB" "SELECT count(*) FROM certificates WHERE resident_id = 1
  AND document = 'certificate' AND voided_at IS NULL")" 1 "one valid certificate"
like "$(text "$TEST_TMP/again.pdf")" "$new" "the reprint carries the new serial"
run "$SQLITE3" "$DB" "INSERT INTO certificates (serial, resident_id, document, cert_kind, issued_on,
  issued_at) VALUES ('X-1', 1, 'certificate', 'hihokensha', '2025-11-24', 'x')"
ok "$([ "$rc" -ne 0 ]; echo $?)" "the store itself refuses a second valid certificate"
like "$out" "UNIQUE" "by the partial unique index"

# ---- failed writes record nothing ---------------------------------------------
count() { "$SQLITE3" "$DB" "SELECT count(*) FROM certificates"; }
before=$(count)
run nhi print certificate P002 $T $FIXED --reason test -o /dev/full
is "$rc" 5 "/dev/full is refused"
like "$out" "not a regular file" "the error says why"
run nhi print certificate P002 $T $FIXED --reason test -o "$TEST_TMP/no/such/dir/x.pdf"
is "$rc" 5 "missing directory: system error"
like "$out" "x.pdf.tmp.*cannot create" "the error names the file"
# A disk that fills up half-way: a file-size limit (in 512-byte blocks)
# above the store's size but under the PDF's (~290 KB, as again.pdf) makes
# write() fail.
dbsize=$(stat -c %s "$DB")
pdfsize=$(stat -c %s "$TEST_TMP/again.pdf")
[ $((dbsize + 16384)) -lt "$pdfsize" ] ||
    bail "store grew to $dbsize bytes, the PDF is $pdfsize: the file-size trick needs a smaller store"
# Room for the store to grow by four pages (the failed print's audit entry).
lim=$(( (dbsize + 16384) / 512 ))
run sh -c "trap '' XFSZ; ulimit -f $lim; exec \"\$@\"" sh "$NHICARD" --db "$DB" --config "$CONF" \
    print certificate P002 $T $FIXED --reason test -o "$TEST_TMP/full.pdf"
is "$rc" 5 "write failing half-way: system error"
like "$out" "write failed" "the error says the write failed"
ok "$([ ! -e "$TEST_TMP/full.pdf" ] && ! ls "$TEST_TMP"/full.pdf.tmp.* >/dev/null 2>&1; echo $?)" \
    "no half file left behind"
is "$(count)" "$before" "no serial recorded for any failed write"
is "$("$SQLITE3" "$DB" "SELECT count(*) FROM certificates WHERE resident_id = 2 AND voided_at IS NULL")" 1 \
    "the valid certificate stays valid"

# ---- printer and preview tools -------------------------------------------------
# The printer is a CUPS queue, through libcups (tests/print-cups.sh runs a
# real cupsd); with no print service listening, nothing is recorded.
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run env CUPS_SERVER=127.0.0.1:$dead "$NHICARD" --db "$DB" --config "$CONF" print certificate \
    P002 $T $FIXED --reason test --printer office1
is "$rc" 5 "no print service: system error"
like "$out" "print service \(CUPS at 127.0.0.1:$dead\) cannot be reached" \
    "the error names the print service that cannot be reached"
is "$(count)" "$before" "no serial recorded without a print service"
mkdir -p "$TEST_TMP/bin"
for t in sh cat; do ln -s "$(command -v $t)" "$TEST_TMP/bin/$t"; done
run env PATH="$TEST_TMP/bin" "$NHICARD" --db "$DB" --config "$CONF" print certificate P002 $T \
    $FIXED --preview "$TEST_TMP/x.png"
is "$rc" 5 "no pdftoppm: system error"
like "$out" "pdftoppm command \(package poppler-utils\) is not installed" "clear error without pdftoppm"

# ---- malformed templates name file, line and field -------------------------------
BAD="$TEST_TMP/templates"
mkdir -p "$BAD"
cp "$top_srcdir"/templates/*.tmpl "$BAD/"
sed -i 's/^field birth 15 20 37 4 size=8.5$/field birth 15 20 37 4 size=8.5 colour=red/' "$BAD/certificate.tmpl"
line=$(grep -n 'colour=red' "$BAD/certificate.tmpl" | cut -d: -f1)
[ -n "$line" ] || bail "could not break the template"
run nhi print certificate P001 --templates "$BAD" $FIXED --reason t -o "$TEST_TMP/bad.pdf"
is "$rc" 3 "malformed template: data error"
like "$out" "certificate.tmpl:$line: field 'birth': unknown attribute 'colour'" \
    "the error names file, line and field"
cp "$top_srcdir/templates/certificate.tmpl" "$BAD/"
sed -i 's/^font gothic ipaexg.ttf$/font gothic nosuchfont.ttf/' "$BAD/certificate.tmpl"
run nhi print certificate P001 --templates "$BAD" $FIXED --reason t -o "$TEST_TMP/bad.pdf"
is "$rc" 3 "missing font: configuration error"
like "$out" "certificate.tmpl:[0-9]+: font 'gothic': nosuchfont.ttf not found" "names the font line"
run nhi print certificate P001 --templates "$TEST_TMP/none" $FIXED --reason t -o "$TEST_TMP/bad.pdf"
is "$rc" 5 "missing templates directory: system error"
like "$out" "certificate.tmpl.*cannot open" "names the template file"

# ---- usage ---------------------------------------------------------------------
run nhi print certificate P001 $T
is "$rc" 2 "no output target: usage error"
run nhi print certificate P001 $T -o a.pdf --preview b.png
is "$rc" 2 "two output targets: usage error"
run nhi print certificate P001 $T --creation-date yesterday -o "$TEST_TMP/u.pdf"
is "$rc" 3 "bad creation date"
like "$out" "creation date 'yesterday'" "names the bad value"

done_testing
