#!/bin/sh
# No extract puts a wrong person or a wrong period into the store: another
# insurer's periods, the same person under a new person code, a known code
# with another name or birth date, another town's file, impossible dates,
# periods that a death, a move out or a full line without insurance end,
# the 70-74 burden window, and the small things of the import's report.
# Each case goes through `nhicard import` and is checked in the store.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

gen="$top_builddir/bench/gen-extract"
SQLITE3=${SQLITE3:-sqlite3}
[ -x "$gen" ] || bail "bench/gen-extract not built"
cd "$TEST_TMP" || bail "cd"
conf=$TEST_TMP/nhicard.conf
# 本山町: municipality 393444, NHI insurer 390013 (what gen-extract writes).
printf '[station]\nmode = test\nmunicipality_code = 393444\ninsurer_number = 390013\n' >"$conf"
db=s.db
"$NHICARD" --config "$conf" --db $db db init >/dev/null || bail "db init"
nh() { run "$NHICARD" --config "$conf" --db $db "$@"; }
q() { "$SQLITE3" $db "$1"; }
hdr='event,event_date,person_code,household_code,head,name_kanji,name_kana,birth_date,sex,address,address_code,nationality,residence_status,stay_until,insurer_number,symbol,number,branch,cert_kind,short_months,acquired_on,lost_on,valid_until,burden_pct,burden_from,special_address'

# 1. Another insurer's period is refused, a 住所地特例 one is kept.
cat > insurers.csv <<CSV
$hdr
FULL,2024-04-01,2001,601,1,岡田 一郎,オカダ イチロウ,1970-01-01,1,本山町本山1番地,,,,,390013,01,000601,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,2002,602,1,岡田 二郎,オカダ ジロウ,1971-01-01,1,本山町本山2番地,,,,,390021,01,000602,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,2003,603,1,岡田 三郎,オカダ サブロウ,1972-01-01,1,本山町本山3番地,,,,,390021,01,000603,01,1,,2010-04-01,,,,,1
CSV
nh import insurers.csv
is "$rc" 3 "a line of another insurer is rejected (exit 3)"
like "$out" "insurers.csv:3: insurer_number: 390021 is another insurer's \\(this station is insurer 390013\\)" \
    "with the field, the insurer and the station's"
is "$(q "SELECT count(*) FROM residents WHERE person_code = '2002'")" 0 "the refused line stores nothing"
is "$(q "SELECT group_concat(e.insurer_number || '/' || e.special_address, ' ') FROM eligibility_periods e
    JOIN residents r ON r.id = e.resident_id WHERE r.person_code IN ('2001', '2003')
    ORDER BY r.person_code")" "390013/0 390021/1" "the station's period and the 住所地特例 one are kept"
grep -q '^FULL,2024-04-01,2002,' insurers.csv.rej
ok $? "the refused line is in the reject file"

# 2. The same person under a new person code: held, never merged nor
# duplicated; the match runs against every resident, through an index.
cat > again.csv <<CSV
MOVE_IN,2024-05-01,2901,690,1,岡田 一郎,オカダ イチロウ,1970-01-01,1,本山町本山１番地,,,,,390013,01,000690,01,1,,2024-05-01,,,,,0
CSV
nh import again.csv
is "$rc" 0 "a held line is not an error"
like "$out" "again.csv:1: held #[0-9]+ for a clerk: all four basic items match resident #[0-9]+ \\(person code 2001\\)" \
    "a new code for a known person is held, naming the resident"
is "$(q "SELECT count(*) FROM residents WHERE name_kanji = '岡田 一郎'")" 1 "no second resident"
is "$(q "SELECT count(*) FROM eligibility_periods e JOIN residents r ON r.id = e.resident_id
    WHERE r.name_kanji = '岡田 一郎'")" 1 "no second open period"
plan=$(q "EXPLAIN QUERY PLAN SELECT id FROM residents WHERE birth_date = '1970-01-01' AND sex = 1
    AND person_code IS NOT NULL")
like "$plan" "USING INDEX residents_birth" "the four-item match is an index look-up, not a scan"
# Within one initial load too.
cat > twice.csv <<CSV
FULL,2024-04-01,3001,701,1,西村 健,ニシムラ ケン,1980-02-02,1,本山町北山1番地,,,,,,,,,,,,,,,,
FULL,2024-04-01,3002,702,1,西村　健,ニシムラ ケン,1980-02-02,1,本山町北山１番地,,,,,,,,,,,,,,,,
CSV
"$NHICARD" --config "$conf" --db t.db db init >/dev/null
run "$NHICARD" --config "$conf" --db t.db import twice.csv
like "$out" "twice.csv:2: held #[0-9]+ for a clerk: all four basic items match resident #[0-9]+ \\(person code 3001\\)" \
    "the same person twice under two codes in an initial load is held"
is "$("$SQLITE3" t.db "SELECT count(*) FROM residents")" 1 "one resident"
hid=$("$SQLITE3" t.db "SELECT id FROM held_items WHERE person_code = '3002'")
run "$NHICARD" --config "$conf" --db t.db held resolve "$hid" force
is "$rc" 0 "a clerk who judges them two people forces the line in"
is "$("$SQLITE3" t.db "SELECT count(*) FROM residents")" 2 "then there are two"
# Across the in-memory tables' growth (the four-item index and the table of
# person codes already read grow by half at three quarters full: 4096,
# 6144, 9216 slots): a person repeated at the end under a new code is still
# held, and a person code repeated at the end still names its first line.
"$top_builddir/bench/gen-extract" --residents 7000 --seed 11 -o big.csv 2>/dev/null ||
    bail "gen-extract"
first=$(grep -m1 '^FULL,' big.csv)
firstline=$(grep -n -m1 '^FULL,' big.csv | cut -d: -f1)
code=$(printf '%s\n' "$first" | cut -d, -f3)
printf '%s\n' "$first" | awk -F, -v OFS=, '{ $3 = "99999001"; $4 = "99999"; print }' >> big.csv
printf '%s\n' "$first" >> big.csv
total=$(wc -l < big.csv)
rm -f g.db
"$NHICARD" --config "$conf" --db g.db db init >/dev/null
run "$NHICARD" --config "$conf" --db g.db import big.csv
like "$out" "big.csv:$((total - 1)): held #[0-9]+ for a clerk: all four basic items match resident #[0-9]+ \\(person code $code\\)" \
    "after the tables grew, a known person under a new code is held"
like "$out" "big.csv:$total: .*person $code given twice in this file \\(first on line $firstline\\)" \
    "after the tables grew, a repeated person code names its first line"
is "$("$SQLITE3" g.db "SELECT count(*) FROM residents WHERE person_code = '99999001'")" 0 \
    "the held line made no resident"

# 3. A known person code with another name or birth date.
cat > ident.csv <<CSV
FULL,2024-06-01,2001,601,1,岡田 一郎,オカダ イチロウ,1970-01-02,1,本山町本山1番地,,,,,390013,01,000601,01,1,,2010-04-01,,,,,0
NAME_CHANGE,2024-06-02,2003,603,1,岡本 三郎,オカモト サブロウ,1972-01-01,1,本山町本山3番地,,,,,390021,01,000603,01,1,,2010-04-01,,,,,1
MOVE_WITHIN,2024-06-03,2003,603,1,岡田 四郎,オカダ シロウ,1972-01-01,1,本山町本山4番地,,,,,390021,01,000603,01,1,,2010-04-01,,,,,1
CSV
nh import ident.csv
is "$rc" 0 "disagreeing lines are held, not errors"
like "$out" "ident.csv:1: held #[0-9]+ for a clerk: FULL for person code 2001 differs from the store in birth date" \
    "another birth date is a correction a clerk must see"
is "$(q "SELECT birth_date FROM residents WHERE person_code = '2001'")" 1970-01-01 "the birth date is not overwritten"
is "$(q "SELECT name_kanji FROM residents WHERE person_code = '2003' AND address = '本山町本山3番地'")" "岡本 三郎" \
    "a NAME_CHANGE is the event that changes a name"
like "$out" "ident.csv:3: held #[0-9]+ for a clerk: MOVE_WITHIN for person code 2003 differs from the store in name" \
    "another name without a NAME_CHANGE is held"
# Another town's extract whose codes overlap ours: refused as a whole.
"$gen" --residents 30 --seed 21 -o town-a.csv 2>/dev/null
"$gen" --residents 30 --seed 22 -o town-b.csv 2>/dev/null
"$NHICARD" --config "$conf" --db w.db db init >/dev/null
run "$NHICARD" --config "$conf" --db w.db import town-a.csv
is "$rc" 0 "our town's extract imports"
before=$("$SQLITE3" w.db "SELECT person_code, name_kanji, birth_date FROM residents ORDER BY 1" | md5sum)
run "$NHICARD" --config "$conf" --db w.db import town-b.csv
is "$rc" 3 "a file whose known codes mostly disagree is refused (exit 3)"
like "$out" "town-b.csv: refused: [0-9]+ of the 30 known person codes in it have another name, birth date or sex" \
    "and says why"
is "$("$SQLITE3" w.db "SELECT person_code, name_kanji, birth_date FROM residents ORDER BY 1" | md5sum)" \
    "$before" "no name or birth date was replaced"
is "$("$SQLITE3" w.db "SELECT count(*) FROM held_items")" 0 "nor anything held"
{ echo "HEADER,2024-04-01,392014,390021"; cat town-b.csv; } > town-b-hdr.csv
run "$NHICARD" --config "$conf" --db w.db import town-b-hdr.csv
is "$rc" 3 "a file whose header names another town is refused"
like "$out" "the file's header names municipality 392014, insurer 390021; this station is municipality 393444, insurer 390013" \
    "naming the file's municipality and insurer and the station's"
{ echo "HEADER,2024-04-01,393444,390013"; cat town-a.csv; } > town-a-hdr.csv
run "$NHICARD" --config "$conf" --db w.db import town-a-hdr.csv
is "$rc" 0 "our own header is accepted"
like "$out" "0 new, 0 updated, 30 unchanged" "and the file is the same"

# 4. Dates that cannot be, whatever the line kind.
cat > dates.csv <<CSV
HEADER,2024-07-01,393444,390013
FULL,,4001,801,1,未来 一,ミライ ハジメ,2099-01-01,1,本山町本山9番地,,,,,,,,,,,,,,,,
FULL,,4002,802,1,未来 二,ミライ フタバ,2024-08-01,2,本山町本山9番地,,,,,,,,,,,,,,,,
MOVE_IN,2099-03-01,4003,803,1,未来 三,ミライ ミツ,1990-01-01,2,本山町本山9番地,,,,,,,,,,,,,,,,
MOVE_IN,2024-06-01,4004,804,1,未来 四,ミライ ヨツ,1990-01-01,2,本山町本山9番地,,,,,390013,01,000804,01,1,,2099-01-01,,,,,0
BENEFIT,2099-01-01,2001,kaigo,,1234567,2017-08-01,
FULL,,4005,805,1,明治 前,メイジ マエ,1850-01-01,1,本山町本山9番地,,,,,,,,,,,,,,,,
CSV
nh import dates.csv
is "$rc" 3 "impossible dates are rejected"
like "$out" "dates.csv:2: birth_date: 2099-01-01 is after today" "a future birth without an event date"
like "$out" "dates.csv:3: birth_date: 2024-08-01 is after the header's date 2024-07-01" \
    "a birth after the extract's own date"
like "$out" "dates.csv:4: event_date: 2099-03-01 is after today" "a future event"
like "$out" "dates.csv:5: acquired_on: 2099-01-01 is after today" "a future acquisition"
like "$out" "dates.csv:6: event_date: 2099-01-01 is after today" "a future benefit record"
like "$out" "dates.csv:7: birth_date: '1850-01-01' is not a date" "a birth before 明治 is no date"
is "$(q "SELECT count(*) FROM residents WHERE person_code LIKE '400%'")" 0 "none of them is stored"

# 5. Periods that should end.
cat > base5.csv <<CSV
FULL,2024-04-01,5001,901,1,終了 一,シュウリョウ ハジメ,1960-01-01,1,本山町汗見川1番地,,,,,390013,05,000901,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,5002,902,1,終了 二,シュウリョウ ニ,1960-02-01,1,本山町汗見川2番地,,,,,390013,05,000902,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,5003,903,1,終了 三,シュウリョウ サン,1960-03-01,1,本山町汗見川3番地,,,,,390013,05,000903,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,5004,904,1,終了 四,シュウリョウ シ,1960-04-01,1,本山町汗見川4番地,,,,,390013,05,000904,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,5005,905,1,終了 五,シュウリョウ ゴ,1960-05-01,1,本山町汗見川5番地,,,,,390013,05,000905,01,1,,2010-04-01,,,,,0
CSV
nh import base5.csv
is "$rc" 0 "five insured people"
cat > ends.csv <<CSV
FULL,2024-09-01,5001,901,1,終了 一,シュウリョウ ハジメ,1960-01-01,1,本山町汗見川1番地,,,,,,,,,,,,,,,,
DEATH,2024-09-10,5002,902,1,終了 二,シュウリョウ ニ,1960-02-01,1,本山町汗見川2番地,,,,,390013,05,000902,01,1,,2010-04-01,,,,,0
DEATH,2024-09-11,5003,903,1,終了 三,シュウリョウ サン,1960-03-01,1,本山町汗見川3番地,,,,,,,,,,,,,,,,
MOVE_OUT,2024-09-12,5004,904,1,終了 四,シュウリョウ シ,1960-04-01,1,本山町汗見川4番地,,,,,,,,,,,,,,,,
CSV
nh import ends.csv
is "$rc" 0 "the ending lines import"
like "$out" "0 new, 4 updated" "each one changes the store"
lost() {
	q "SELECT coalesce(e.lost_on, 'open') FROM eligibility_periods e JOIN residents r
	    ON r.id = e.resident_id WHERE r.person_code = '$1' AND e.superseded_by IS NULL"
}
is "$(lost 5001)" 2024-09-01 "a full line without insurance ends the period on its date"
is "$(lost 5002)" 2024-09-11 "a death without a loss date ends it the day after"
is "$(lost 5003)" 2024-09-12 "a death line without insurance fields ends it the day after"
is "$(lost 5004)" 2024-09-13 "a move out ends it the day after"
is "$(lost 5005)" open "the others stay open"
is "$(q "SELECT count(*) FROM eligibility_periods WHERE superseded_by IS NOT NULL")" 4 \
    "the open periods are kept in the history, superseded"
rid=$(q "SELECT id FROM residents WHERE person_code = '5002'")
nh eligibility current "$rid" --on 2024-09-11
is "$rc" 3 "nothing in force the day after the death"
before=$(q .dump | grep -v -e audit_log -e audit_head | md5sum)
nh import ends.csv
is "$(q .dump | grep -v -e audit_log -e audit_head | md5sum)" "$before" "importing the ending lines again changes nothing"
printf 'HEADER,2024-10-01,393444,390013\nFULL,,5005,905,1,終了 五,シュウリョウ ゴ,1960-05-01,1,本山町汗見川5番地,,,,,,,,,,,,,,,,\n' > hdr5.csv
nh import hdr5.csv
is "$(lost 5005)" 2024-10-01 "without its own date, a full line ends the period on the header's date"

# 7. The 70-74 burden window opens on the first of the month after reaching 70.
cat > burden.csv <<CSV
FULL,2026-11-20,6001,961,1,古希 一,コキ ハジメ,1956-11-15,1,本山町寺家1番地,,,,,390013,06,000961,01,1,,2000-04-01,,,20,2026-12-01,0
FULL,2026-11-20,6002,962,1,古希 二,コキ ジ,1956-12-01,2,本山町寺家2番地,,,,,390013,06,000962,01,1,,2000-04-01,,,20,2026-12-01,0
FULL,2026-11-20,6003,963,1,古希 三,コキ サン,1956-12-02,1,本山町寺家3番地,,,,,390013,06,000963,01,1,,2000-04-01,,,20,2026-12-01,0
FULL,2026-11-20,6004,964,1,古希 四,コキ シ,1956-11-15,2,本山町寺家4番地,,,,,390013,06,000964,01,1,,2000-04-01,,,20,2026-11-01,0
CSV
nh import burden.csv
is "$rc" 0 "ratios sent ahead of the 70-74 window import"
is "$(q "SELECT group_concat(person_code, ' ') FROM held_items WHERE kind = 'finding'
    AND reason LIKE 'BURDEN_OUTSIDE%' AND person_code LIKE '600%' ORDER BY person_code")" "6003 6004" \
    "only ratios in force before the window opens are flagged"

# 8. Searches a clerk will type: blanks of any width, era dates, 異体字.
cat > names.csv <<CSV
FULL,2024-04-01,8001,981,1,山崎 太郎,ヤマザキ タロウ,1945-10-03,1,本山町吉延1番地,,,,,,,,,,,,,,,,
FULL,2024-04-01,8002,982,1,髙橋　花子,タカハシ ハナコ,1989-01-08,2,本山町吉延2番地,,,,,,,,,,,,,,,,
FULL,2024-04-01,8003,983,1,濵田 﨑子,ハマダ サキコ,2019-05-01,2,本山町吉延3番地,,,,,,,,,,,,,,,,
FULL,2024-04-01,8004,984,1,渡邊 一,ワタナベ ハジメ,1980-04-01,1,本山町吉延4番地,,,,,,,,,,,,,,,,
CSV
nh import names.csv
is "$rc" 0 "names to search for"
for k in "山崎 太郎" "山崎太郎" "山崎　太郎" " 山崎  太郎 " "山崎 太"; do
	nh resident search --kanji "$k"
	like "$out" "8001 +山崎 太郎" "--kanji '$k' finds 山崎 太郎 (blanks of any width ignored)"
done
nh resident search --kanji "髙橋花子"
like "$out" "8002 +髙橋　花子" "a name stored with a full-width blank, searched without one"
for d in S20.10.03 昭和20年10月3日 1945/10/03 １９４５－１０－０３ 19451003; do
	nh resident search --birth "$d"
	like "$out" "8001 " "--birth $d is 1945-10-03"
done
nh resident search H1.1.8
like "$out" "8002 " "H1.1.8 as the search text is a birth date"
nh resident search R1.5.1
like "$out" "8003 " "R1.5.1 too"
nh resident search S64.1.8
is "$rc" 2 "S64.1.8 (昭和 ended on the 7th) is an error"
like "$out" "date not understood" "'date not understood', not a name search"
nh resident search --birth 1980-02-30
is "$rc" 2 "a --birth that is no day is an error"
nh resident search --kanji 高橋
is "$rc" 3 "高橋 does not find 髙橋 without --variants"
nh resident search --kanji 高橋 --variants
like "$out" "8002 +髙橋　花子" "with --variants it does, and shows the name as stored"
nh resident search --kanji "浜田 崎" --variants
like "$out" "8003 +濵田 﨑子" "濵/浜 and 﨑/崎 fold"
for k in 渡辺 渡邉 渡邊; do
	nh resident search --kanji "$k" --variants
	like "$out" "8004 +渡邊 一" "$k finds 渡邊 with --variants"
done
nh resident search 山崎 太郎
is "$rc" 2 "an unquoted name is refused"
like "$out" "unexpected argument '太郎'" "naming the word left over"

# 10. Small things: held show #N, --quiet, --dry-run.
hid=$(q "SELECT id FROM held_items WHERE person_code = '2001' AND kind = 'conflict'")
nh held show "#$hid"
is "$rc" 0 "held show accepts #N as held list prints it"
like "$out" "ident.csv:1" "and shows the item"
printf 'FULL,2024-04-01,7001,971,1,\356\200\200田 太,ガイジ タ,1950-01-01,1,本山町本山7番地,,,,,,,,,,,,,,,,\n' > gaiji.csv
nh import --quiet --dry-run gaiji.csv
unlike "$out" "外字 kept" "--quiet prints no 外字 line"
like "$out" "1 with 外字" "but counts it in the summary"
before=$(q .dump | md5sum)
nh import --dry-run again.csv
like "$out" "again.csv:1: would be held for a clerk: all four basic items match" \
    "a dry run says what would be held"
unlike "$out" "held #" "and names no held item"
is "$(q .dump | md5sum)" "$before" "and writes nothing"

# 11. What the format document promises: 記号 and 番号 characters, the
# fixed-length header, findings recorded with their resident.
cat > kigo.csv <<CSV
FULL,2024-04-01,9001,991,1,記号 一,キゴウ ハジメ,1970-01-01,1,本山町本山1番地,,,,,390013,本山,000991,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,9002,992,1,記号 二,キゴウ ジ,1970-01-02,1,本山町本山2番地,,,,,390013,0 1,000992,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,9003,993,1,記号 三,キゴウ サン,1970-01-03,1,本山町本山3番地,,,,,390013,01,０００９９３,01,1,,2010-04-01,,,,,0
FULL,2024-04-01,9004,994,1,記号 四,キゴウ シ,1970-01-04,1,本山町本山4番地,,,,,390013,01,00099400001,01,1,,2010-04-01,,,,,0
CSV
nh import kigo.csv
is "$rc" 3 "bad 記号 and 番号 are rejected"
like "$out" "kigo.csv:2: symbol: '0 1': character 2 is not allowed" "a blank in the 記号"
like "$out" "kigo.csv:3: number: '０００９９３': character 1 is not allowed \\(ASCII digits, letters or '-'\\)" \
    "full-width digits in the 番号"
like "$out" "kigo.csv:4: number: '00099400001' is longer than 10 characters" "an 11-character 番号"
is "$(q "SELECT e.symbol FROM eligibility_periods e JOIN residents r ON r.id = e.resident_id
    WHERE r.person_code = '9001'")" "本山" "a 記号 in kanji is kept"
"$gen" --residents 5 --seed 31 --format fixed -o fixed.dat 2>/dev/null
hd=$(printf 'HD20240401392014390021%297s' '')
{ printf '%s\r\n' "$hd"; cat fixed.dat; } > fixed-hdr.dat
run "$NHICARD" --config "$conf" --db t.db import fixed-hdr.dat
is "$rc" 3 "a fixed-length file whose header names another town is refused"
like "$out" "header names municipality 392014, insurer 390021" "naming its codes"
is "$(q "SELECT count(*) FROM held_items WHERE kind = 'finding' AND resident_id IS NULL")" 0 \
    "every finding is recorded with its resident (to hold back issuing and printing)"

done_testing
