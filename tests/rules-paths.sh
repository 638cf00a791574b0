#!/bin/sh
# rules-paths.sh: the rules of the day on every certificate path without a
# card (docs/rules.md "The law of the day"): print certificate, sleeve and
# sheet on both sides of 2024-12-02, the validity end always printed, the
# people the rules exclude refused (75 and over, excluded stay status), an
# open import finding blocking print, issue and renewal until resolved,
# counter eligibility writes checked like the import, Juki cards under
# today's law and the pilot's, the granted stay length, 性別 on the back.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

for tool in pdftotext; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool (poppler-utils) not installed"
done
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
SQLITE3=${SQLITE3:-sqlite3}
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"

T="--templates $top_srcdir/templates"
C="--creation-date 2025-11-24T09:00:00Z"
DB="$TEST_TMP/t.db"
"$NHICARD" --db "$DB" db init >/dev/null || bail "db init failed"
"$SQLITE3" "$DB" <<'EOF' || bail "cannot fill the store"
INSERT INTO residents (id, person_code, is_head, name_kanji, name_kana, name_kana_norm,
  birth_date, sex, address, nationality, residence_status, stay_until, name_flags, origin,
  created_at, updated_at) VALUES
 (1, 'P001', 0, '山田 太郎', 'ﾔﾏﾀﾞ', 'ヤマダ', '1980-05-10', 1, '高知県高知市本町1', NULL, NULL, NULL, 0, 'extract', 'x', 'x'),
 (2, 'P002', 0, '長寿 一郎', 'ﾁｮｳｼﾞｭ', 'チョウジュ', '1926-12-25', 1, '高知県高知市本町2', NULL, NULL, NULL, 0, 'extract', 'x', 'x'),
 (3, 'P003', 0, '子供 花子', 'ｺﾄﾞﾓ', 'コドモ', '2010-06-01', 2, '高知県高知市本町3', NULL, NULL, NULL, 0, 'extract', 'x', 'x'),
 (4, 'P004', 0, '高齢 次郎', 'ｺｳﾚｲ', 'コウレイ', '1954-03-15', 1, '高知県高知市本町4', NULL, NULL, NULL, 0, 'extract', 'x', 'x'),
 (5, 'P005', 0, 'WANG FANG', 'ﾜﾝ', 'ワン', '1970-01-01', 2, '高知県高知市本町5', 'CN', '特定活動（医療滞在）', '2027-06-30', 0, 'extract', 'x', 'x'),
 (6, 'P006', 0, 'NGUYEN AN', 'ｸﾞｴﾝ', 'グエン', '2000-02-02', 1, '高知県高知市本町6', 'VN', '技能実習', '2027-01-14', 0, 'extract', 'x', 'x'),
 (7, 'P007', 0, '期限 三郎', 'ｷｹﾞﾝ', 'キゲン', '1980-05-10', 1, '高知県高知市本町7', NULL, NULL, NULL, 0, 'extract', 'x', 'x');
INSERT INTO eligibility_periods (resident_id, insurer_number, symbol, number, branch,
  cert_kind, acquired_on, valid_until, burden_pct, burden_from, recorded_at) VALUES
 (1, '390013', '高知12', '1', NULL, 'hihokensha', '2019-05-01', NULL, NULL, NULL, 'x'),
 (2, '390013', '高知12', '2', NULL, 'hihokensha', '2000-04-01', '2027-07-31', NULL, NULL, 'x'),
 (3, '390013', '高知12', '3', NULL, 'shikaku_shomei', '2020-04-01', NULL, NULL, NULL, 'x'),
 (4, '390013', '高知12', '4', NULL, 'hihokensha', '2019-05-01', NULL, 20, '2024-04-01', 'x'),
 (5, '390013', '高知12', '5', NULL, 'hihokensha', '2024-07-01', NULL, NULL, NULL, 'x'),
 (6, '390013', '高知12', '6', NULL, 'hihokensha', '2024-01-15', NULL, NULL, NULL, 'x'),
 (7, '390013', '高知12', '7', NULL, 'hihokensha', '2019-05-01', '2025-03-31', NULL, NULL, 'x');
EOF
TODAY="$TEST_TMP/today.conf"
PILOT="$TEST_TMP/pilot.conf"
printf '[print]\ninsurer_name = 高知市\ntemplates_dir = %s/templates\n[rules]\nno_juki = standalone\n' \
    "$top_srcdir" >"$TODAY"
cp "$TODAY" "$PILOT"
printf 'law = pilot\n' >>"$PILOT"
nhi() { run "$NHICARD" --db "$DB" --config "$TODAY" "$@"; }
pilot() { run "$NHICARD" --db "$DB" --config "$PILOT" "$@"; }
text() { pdftotext -layout "$1" - 2>/dev/null; }
certs() { "$SQLITE3" "$DB" "SELECT count(*) FROM certificates"; }

# ---- the law of the day: both sides of 2024-12-02 -----------------------------
nhi print certificate P001 $T $C --date 2024-12-01 -o "$TEST_TMP/before.pdf"
is "$rc" 0 "the day before the switch: printed"
t=$(text "$TEST_TMP/before.pdf")
like "$t" "国民健康保険被保険者証" "the day before: a 被保険者証"
like "$t" "有効期限 +令和7年7月31日" "its validity end is the renewal day, printed"
nhi print certificate P001 $T $C --date 2024-12-02 --reason "switch test" -o "$TEST_TMP/after.pdf"
is "$rc" 0 "the day of the switch: printed"
t=$(text "$TEST_TMP/after.pdf")
like "$t" "国民健康保険資格確認書" "from 2024-12-02: a 資格確認書, not a 被保険者証"
unlike "$t" "被保険者証" "no 被保険者証 anywhere on it"
like "$t" "有効期限 +令和11年12月1日" "5 years (validity.kakunin_years)"
like "$t" "この確認書を医療機関" "the back names it この確認書"
unlike "$t" "この証を" "never この証 on a 資格確認書"
is "$("$SQLITE3" "$DB" "SELECT cert_kind FROM certificates ORDER BY id DESC LIMIT 1")" kakunin \
    "the store records the kind printed"
printf '[rules]\nkakunin_from = 2030-04-01\n' >"$TEST_TMP/sw.conf"
run "$NHICARD" --db "$DB" --config "$TEST_TMP/sw.conf" print certificate P001 $T $C \
    --date 2026-12-02 --preview "$TEST_TMP/sw.png"
run sh -c "\"$NHICARD\" --db \"$DB\" --config \"$TEST_TMP/sw.conf\" print certificate P001 $T $C --date 2026-12-02 --reason sw -o \"$TEST_TMP/sw.pdf\" && pdftotext \"$TEST_TMP/sw.pdf\" -"
like "$out" "国民健康保険被保険者証" "the switch day is configurable (rules.kakunin_from)"
pilot print certificate P001 $T $C --date 2026-12-02 --reason pilot -o "$TEST_TMP/pilot.pdf"
t=$(text "$TEST_TMP/pilot.pdf")
like "$t" "国民健康保険被保険者証" "the pilot's rules keep the 被保険者証 (rules.law = pilot)"
like "$t" "有効期限 +令和9年7月31日" "with its validity end"
like "$t" "受診の際は、この証を" "注意事項: この証 on a 被保険者証"
like "$t" "変わったときは、14日以内に届け出て" "注意事項: a change is reported"
like "$t" "資格がなくなったときは、この証を返してください" "注意事項: returned when NHI ends"

# ---- titles and kinds before the switch ------------------------------------
nhi print certificate P003 $T $C --date 2024-11-01 -o "$TEST_TMP/child.pdf"
t=$(text "$TEST_TMP/child.pdf")
like "$t" "被保険者証（短期）" "a child up to March 31 after 18: a 短期証, not a 資格証明書"
unlike "$t" "資格証明書" "no 資格証明書 for the child"
like "$t" "有効期限 +令和7年4月30日" "the 短期証's 6 months"
nhi print certificate P004 $T $C --date 2024-11-01 -o "$TEST_TMP/elderly.pdf"
t=$(text "$TEST_TMP/elderly.pdf")
like "$t" "国民健康保険被保険者証兼高齢受給者証" "ages 70-74: the combined title"
like "$t" "一部負担金の割合 +2割" "with the burden ratio"

# ---- a typed validity end only shortens --------------------------------------
nhi print certificate P007 $T $C --date 2024-11-01 -o "$TEST_TMP/typed.pdf"
like "$(text "$TEST_TMP/typed.pdf")" "有効期限 +令和7年3月31日" "a typed end before the rules' end shortens it"
nhi print certificate P002 $T $C --date 2001-04-01 -o "$TEST_TMP/typed2.pdf"
like "$(text "$TEST_TMP/typed2.pdf")" "有効期限 +平成13年7月31日" "a typed end after the rules' end never lengthens it"

# ---- nobody past their last NHI day ------------------------------------------
n=$(certs)
nhi print certificate P002 $T $C -o "$TEST_TMP/old.pdf"
is "$rc" 1 "born 1926: print certificate refused (exit 1)"
like "$out" "past the last NHI day" "the refusal names the rule"
like "$out" "後期高齢者医療" "and the scheme the person is in"
like "$out" "交付できません" "and says it in the clerk's language"
unlike "$out" "1926" "the birth date is not in the error"
is "$(certs)" "$n" "nothing recorded"
[ ! -e "$TEST_TMP/old.pdf" ]; ok $? "no paper written"
nhi card personalize --kind standalone P002
is "$rc" 1 "born 1926: card personalize (IT staff, no card-path rules) is refused too"
like "$out" "past the last NHI day" "with the rule named"
nhi print sleeve P002 $T $C -o "$TEST_TMP/old-sleeve.pdf"
is "$rc" 1 "born 1926: the sleeve refused too"
nhi print certificate P005 $T $C -o "$TEST_TMP/med.pdf"
is "$rc" 1 "特定活動（医療滞在）: refused"
like "$out" "status of residence" "the refusal names the stay status"
nhi print sheet --all $T $C --date 2024-12-02 --reason "sheet test" -o "$TEST_TMP/sheet.pdf"
is "$rc" 0 "sheet --all prints the others"
like "$out" "left out: resident 2: .*past the last NHI day" "the 1926 resident is left out, named"
like "$out" "left out: resident 5: .*status of residence" "the excluded stay status is left out, named"
like "$out" "5 certificates" "five printed"
t=$(text "$TEST_TMP/sheet.pdf")
unlike "$t" "長寿" "the excluded are not on the sheet"
nhi print sheet $T $C P002 -o "$TEST_TMP/sheet2.pdf"
is "$rc" 1 "a sheet naming an excluded resident is refused"

# ---- an open import finding blocks print, issue and renewal ------------------
"$SQLITE3" "$DB" "INSERT INTO held_items (kind, person_code, resident_id, reason, held_at)
  VALUES ('finding', 'P006', 6, 'BURDEN_MISSING: burden: no burden ratio', 'x')" ||
	bail "cannot hold a finding"
fid=$("$SQLITE3" "$DB" "SELECT id FROM held_items WHERE person_code = 'P006'")
n=$(certs)
nhi print certificate P006 $T $C -o "$TEST_TMP/held.pdf"
is "$rc" 1 "an open finding: print refused"
like "$out" "import finding #$fid \\(BURDEN_MISSING\\) is open" "the finding is named by id and code"
like "$out" "held resolve $fid" "and how to resolve it"
like "$out" "未解決" "in the clerk's language"
unlike "$out" "no burden ratio" "the finding's text (personal data) is not quoted"
is "$(certs)" "$n" "nothing recorded"
nhi issue --no-print P006
is "$rc" 1 "an open finding: issue refused before any card"
like "$out" "import finding #$fid" "issue names the finding"
mkdir -p "$TEST_TMP/renew"
printf 'P006\n' >"$TEST_TMP/l6"
nhi batch renew --quiet --from 2027-08-01 -d "$TEST_TMP/renew" list "$TEST_TMP/l6"
is "$rc" 0 "renewal runs"
like "$("$SQLITE3" "$DB" "SELECT exception FROM batch_items WHERE resident_id = 6")" \
    finding_open "renewal: the resident with an open finding is an exception"
nhi batch preissue prepare --dry-run list "$TEST_TMP/l6"
like "$out" "finding_open" "pre-issuance sets the resident with an open finding aside"
run "$NHICARD" --db "$DB" held resolve "$fid" ack
is "$rc" 0 "the clerk resolves the finding"
nhi print certificate P006 $T $C --reason resolved -o "$TEST_TMP/resolved.pdf"
is "$rc" 0 "resolved: printed"

# ---- foreign residents: the granted stay, not the months left -----------------
t=$(text "$TEST_TMP/resolved.pdf")
like "$t" "国民健康保険資格確認書" "技能実習 with 1.4 months left: a 資格確認書"
like "$t" "有効期限 +令和9年1月14日" "valid to the end of the stay"
nhi issue --no-print P006
unlike "$out" "stay" "issue does not call a 3-year stay too short"
like "$out" "standalone|reader|card" "issue goes on to the card"
nhi issue --no-print P005
is "$rc" 1 "issue refuses 特定活動（医療滞在）"
like "$out" "status of residence" "with the reason"

# ---- renewal under today's law produces 資格確認書 ----------------------------
mkdir -p "$TEST_TMP/renew2"
printf 'P001\nP003\n' >"$TEST_TMP/l13"
nhi batch renew --quiet --from 2027-08-01 -d "$TEST_TMP/renew2" list "$TEST_TMP/l13"
is "$rc" 0 "renewal of two"
is "$("$SQLITE3" "$DB" "SELECT group_concat(DISTINCT cert_kind) FROM certificates
  WHERE resident_id IN (1, 3) AND voided_at IS NULL")" kakunin "renewal produces 資格確認書"

# ---- Juki cards --------------------------------------------------------------
nhi issue --no-print --path existing P001
is "$rc" 1 "today's law: a Juki card is refused"
like "$out" "Juki card .*expired at the latest on 2025-12-30" "with its expiry"
nhi issue --no-print --path new-juki P001
is "$rc" 1 "today's law: no new Juki card"
like "$out" "no longer issued .*rules.law = pilot" "the new-juki path belongs to the pilot's rules"
pilot issue --no-print --path new-juki P001
unlike "$out" "no longer issued" "the pilot's rules keep the new-juki path"

# ---- counter eligibility writes: the import's checks ------------------------
run "$NHICARD" --db "$DB" --config "$TODAY" resident add --name-kanji "大正 花子" \
    --name-kana "タイショウ ハナコ" --birth 1912-07-30 --sex 2 --address "高知県高知市本町8"
is "$rc" 0 "a resident born 1912 is enrolled"
rid=$("$SQLITE3" "$DB" "SELECT id FROM residents WHERE birth_date = '1912-07-30'")
nhi eligibility add --insurer 390013 --symbol 1 --number 8 --kind kakunin --acquired 2020-04-01 "$rid"
is "$rc" 1 "an open NHI period for someone over 75 is refused at the counter"
like "$out" "LATE_ELDERLY" "the finding is named"
is "$("$SQLITE3" "$DB" "SELECT count(*) FROM eligibility_periods WHERE resident_id = $rid")" 0 \
    "nothing stored"
nhi eligibility add --insurer 390013 --symbol 1 --number 9 --kind hihokensha --acquired 2025-01-01 1
is "$rc" 1 "an old kind for a period acquired after the switch is refused"
like "$out" "kakunin" "the refusal says what to record"
nhi eligibility add --insurer 390013 --symbol 1 --number 9 --kind kakunin --acquired 2025-01-01 --lost 2025-06-01 1
is "$rc" 0 "a 資格確認書 period is accepted"
pid=$("$SQLITE3" "$DB" "SELECT id FROM eligibility_periods WHERE resident_id = 2")
nhi eligibility correct "$pid" --note "still open"
is "$rc" 1 "correcting keeps the check: still open past 75 is refused"
nhi eligibility correct "$pid" --lost 2001-12-25
is "$rc" 0 "a correction closing it at the 75th birthday is accepted"

# ---- 性別 on the back, on request ----------------------------------------------
nhi print certificate P001 $T $C --sex-on-back --preview "$TEST_TMP/sex.png"
nhi print certificate P001 $T $C --sex-on-back --reason "性別を裏面に" -o "$TEST_TMP/sex.pdf"
is "$rc" 0 "--sex-on-back printed"
front=$(pdftotext -f 1 -l 1 -layout "$TEST_TMP/sex.pdf" - 2>/dev/null)
back=$(pdftotext -f 2 -l 2 -layout "$TEST_TMP/sex.pdf" - 2>/dev/null)
unlike "$front" "性別" "not on the front"
like "$back" "性別 +男" "on the back"

# ---- 性別 on the back kept per resident (resident edit --sex-on-back) ----------
sql() { "$SQLITE3" "$DB" "$1"; }
sexaudit() { sql "SELECT count(*) FROM audit_log WHERE action = 'resident.sex_on_back' AND $1"; }
# sexplace PDF FRONTPAGE BACKPAGE: "front", "back" or "both/none" for 性別.
sexplace() {
	_f=$(pdftotext -f "$2" -l "$2" -layout "$1" - 2>/dev/null | grep -c "性別")
	_b=$(pdftotext -f "$3" -l "$3" -layout "$1" - 2>/dev/null | grep -c "性別")
	if [ "$_f" -gt 0 ] && [ "$_b" -eq 0 ]; then echo front
	elif [ "$_f" -eq 0 ] && [ "$_b" -gt 0 ]; then echo back
	else echo "front $_f back $_b"; fi
}
nhi print certificate P001 $T $C --reason "before" -o "$TEST_TMP/s0.pdf"
is "$(sexplace "$TEST_TMP/s0.pdf" 1 2)" front "by default 性別 is on the front"
n0=$(sexaudit "1")
nhi resident edit 1 --sex-on-back maybe
is "$rc" 2 "--sex-on-back takes yes or no (usage error)"
is "$(sql "SELECT sex_on_back FROM residents WHERE id = 1")" 0 "a refused value changes nothing"
nhi resident edit 999 --sex-on-back yes
is "$rc" 3 "an unknown resident: exit 3"
is "$(sexaudit "outcome = 'ok'")" "$n0" "and no change is recorded"
nhi resident edit 1 --sex-on-back yes
is "$rc" 0 "the clerk records the person's request"
like "$out" "resident #1: 性別 printed on the back" "it says what changed"
is "$(sql "SELECT sex_on_back FROM residents WHERE id = 1")" 1 "kept with the resident"
is "$(sexaudit "subject = 'resident:1' AND outcome = 'ok' AND detail = 'back'")" 1 \
    "audited as resident.sex_on_back, detail back"
nhi resident show 1
like "$out" "性別の記載 +裏面" "resident show says it"
nhi resident edit 1 --sex-on-back yes
like "$out" "\(as before\)" "set again: said unchanged"
is "$(sexaudit "subject = 'resident:1' AND detail = 'back (unchanged)'")" 1 "and audited as unchanged"
# Every print path, without any per-print option:
nhi print certificate P001 $T $C --reason "kept choice" -o "$TEST_TMP/s1.pdf"
is "$rc" 0 "print certificate (a reprint, with its reason)"
is "$(sexplace "$TEST_TMP/s1.pdf" 1 2)" back "print certificate: 性別 on the back, no option given"
nhi print sleeve P001 $T $C -o "$TEST_TMP/s1-sleeve.pdf"
is "$rc" 0 "print sleeve"
is "$(sexplace "$TEST_TMP/s1-sleeve.pdf" 1 2)" back "print sleeve: on the back"
nhi print sheet P001 P004 $T $C --reason "sheet" -o "$TEST_TMP/s1-sheet.pdf"
is "$rc" 0 "print sheet"
is "$(pdftotext -f 1 -l 1 -layout "$TEST_TMP/s1-sheet.pdf" - | grep -c "性別")" 1 \
    "print sheet: the fronts hold 性別 once (P004's, not P001's)"
is "$(pdftotext -f 2 -l 2 -layout "$TEST_TMP/s1-sheet.pdf" - | grep -c "性別")" 1 \
    "print sheet: the backs hold it once (P001's)"
mkdir -p "$TEST_TMP/renew3"
printf 'P001\n' >"$TEST_TMP/l1"
nhi batch renew --quiet --from 2027-08-01 -d "$TEST_TMP/renew3" list "$TEST_TMP/l1"
is "$rc" 0 "batch renew"
rp=$(ls "$TEST_TMP/renew3"/*.pdf | head -1)
is "$(sexplace "$rp" 1 2)" back "batch renew: on the back"
# Back to the front; the per-print option still puts it on the back.
nhi resident edit 1 --sex-on-back no
is "$rc" 0 "the person's request withdrawn"
is "$(sexaudit "subject = 'resident:1' AND detail = 'front'")" 1 "audited, detail front"
nhi print certificate P001 $T $C --reason "front again" -o "$TEST_TMP/s2.pdf"
is "$(sexplace "$TEST_TMP/s2.pdf" 1 2)" front "on the front again"
nhi print certificate P001 $T $C --sex-on-back --reason "once" -o "$TEST_TMP/s3.pdf"
is "$(sexplace "$TEST_TMP/s3.pdf" 1 2)" back "--sex-on-back still puts it on the back for one print"
is "$(sql "SELECT sex_on_back FROM residents WHERE id = 1")" 0 "without changing what is kept"
# Together with another field: one resident.edit and one resident.sex_on_back.
nhi resident edit 1 --address "高知県高知市本町1-2" --sex-on-back yes
is "$rc" 0 "an address change and the request together"
is "$(sql "SELECT address || ' ' || sex_on_back FROM residents WHERE id = 1")" "高知県高知市本町1-2 1" \
    "both kept"

done_testing
