#!/bin/sh
# Change extracts of each kind, items held for a clerk, counter enrolment
# merged on the four basic items, searches and eligibility commands.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

SQLITE3=${SQLITE3:-sqlite3}
cd "$TEST_TMP" || bail "cd"
db=s.db
"$NHICARD" --db $db db init >/dev/null || bail "db init"
nh() { run "$NHICARD" --db $db "$@"; }
q() { "$SQLITE3" $db "$1"; }

cat > full.csv <<'CSV'
event,event_date,person_code,household_code,head,name_kanji,name_kana,birth_date,sex,address,address_code,nationality,residence_status,stay_until,insurer_number,symbol,number,branch,cert_kind,short_months,acquired_on,lost_on,valid_until,burden_pct,burden_from,special_address
FULL,2024-04-01,1001,501,1,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1960-05-01,1,本山町本山1番地,01,,,,390013,01,000501,01,1,,2010-04-01,,2025-07-31,,,0
FULL,2024-04-01,1002,501,0,山田 花子,やまだ はなこ,1952-08-10,2,本山町本山1番地,01,,,,390013,01,000501,02,1,,2010-04-01,,2025-07-31,20,2022-09-01,0
FULL,2024-04-01,1003,502,1,グエン ヴァン アン,グエン ヴァン アン,1995-01-01,1,本山町吉野2番地,02,VNM,技能実習,2026-03-31,390013,02,000502,01,2,6,2023-01-01,,2024-09-30,,,0
FULL,2024-04-01,1004,503,1,鈴木 一郎,スズキ イチロウ,1970-02-03,1,本山町寺家3番地,03,,,,,,,,,,,,,,,
CSV
nh import full.csv
is "$rc" 0 "the full extract imports"
like "$out" "4 new" "four residents are new"

# Each kind of change.
cat > changes.csv <<'CSV'
BIRTH,2024-05-10,1005,501,0,山田 翔太,ヤマダ ショウタ,2024-05-10,1,本山町本山1番地,01,,,,390013,01,000501,03,1,,2024-05-10,,2025-07-31,,,0
MOVE_IN,2024-05-15,1006,504,1,高橋 陽子,タカハシ ヨウコ,1988-11-11,2,本山町古田4番地,04,,,,390013,04,000504,01,1,,2024-05-15,,2025-07-31,,,0
MOVE_WITHIN,2024-06-01,1001,501,1,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1960-05-01,1,本山町吉野7番地,02,,,,390013,02,000507,01,1,,2010-04-01,,2025-07-31,,,0
NAME_CHANGE,2024-06-05,1006,504,1,田中 陽子,タナカ ヨウコ,1988-11-11,2,本山町古田4番地,04,,,,390013,04,000504,01,1,,2024-05-15,,2025-07-31,,,0
HOUSEHOLD_CHANGE,2024-06-10,1004,504,0,鈴木 一郎,スズキ イチロウ,1970-02-03,1,本山町古田4番地,04,,,,,,,,,,,,,,,
MOVE_OUT,2024-06-20,1003,502,1,グエン ヴァン アン,グエン ヴァン アン,1995-01-01,1,本山町吉野2番地,02,VNM,技能実習,2026-03-31,390013,02,000502,01,2,6,2023-01-01,2024-06-21,2024-09-30,,,0
DEATH,2024-06-25,1002,501,0,山田 花子,やまだ はなこ,1952-08-10,2,本山町本山1番地,01,,,,390013,01,000501,02,1,,2010-04-01,2024-06-26,2025-07-31,20,2022-09-01,0
BENEFIT,2024-04-01,1002,kaigo,,1234567,2017-08-01,
CSV
nh import changes.csv
is "$rc" 0 "the change extract imports"
like "$out" "3 new, 5 updated, 0 unchanged, 0 merged, 0 held, 0 rejected; 0 with 外字; 0 findings" \
    "births, move-ins and the benefit add, the other changes update"
is "$(q "SELECT address FROM residents WHERE person_code = '1001'")" "本山町吉野7番地" \
    "MOVE_WITHIN moves the person"
is "$(q "SELECT count(*) FROM eligibility_periods e JOIN residents r ON r.id = e.resident_id
    WHERE r.person_code = '1001'")" 2 "the 記号番号 change adds a period"
is "$(q "SELECT e.number FROM eligibility_periods e JOIN residents r ON r.id = e.resident_id
    WHERE r.person_code = '1001' AND e.superseded_by IS NOT NULL")" 000501 \
    "and supersedes the old one, kept in the history"
is "$(q "SELECT name_kanji || '/' || name_kana_norm FROM residents WHERE person_code = '1006'")" \
    "田中 陽子/タナカヨウコ" "NAME_CHANGE renames"
is "$(q "SELECT h.household_code || '/' || r.is_head FROM residents r JOIN households h
    ON h.id = r.household_id WHERE r.person_code = '1004'")" "504/0" "HOUSEHOLD_CHANGE moves the household"
is "$(q "SELECT status || ' ' || status_date FROM residents WHERE person_code = '1003'")" \
    "moved_out 2024-06-20" "MOVE_OUT marks the person moved out"
is "$(q "SELECT status || ' ' || status_date FROM residents WHERE person_code = '1002'")" \
    "deceased 2024-06-25" "DEATH marks the person deceased"
is "$(q "SELECT count(*) FROM benefits")" 1 "a benefit certificate attaches to the person"

# Every import adds one audit entry (issue 15), and nothing else here.
before=$(q .dump | grep -v -e audit_log -e audit_head | md5sum)
nh import changes.csv
is "$rc" 0 "the same change extract again"
like "$out" "0 new, 0 updated, 8 unchanged, 0 merged, 0 held" "changes nothing"
is "$(q .dump | grep -v -e audit_log -e audit_head | md5sum)" "$before" "the store is the same"
nh import full.csv
like "$out" "0 new, 0 updated, 4 unchanged" "an older full extract does not undo later changes"
is "$(q .dump | grep -v -e audit_log -e audit_head | md5sum)" "$before" "nor holds anything"

# Held for a clerk: unknown person, out of order, after death.
cat > late.csv <<'CSV'
MOVE_OUT,2024-07-01,9999,601,1,誰 某,ダレ ソレ,1950-01-01,1,本山町本山9番地,,,,,,,,,,,,,,,,
MOVE_WITHIN,2024-05-01,1001,501,1,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1960-05-01,1,本山町本山8番地,01,,,,390013,01,000508,01,1,,2010-04-01,,2025-07-31,,,0
MOVE_WITHIN,2024-07-01,1002,501,0,山田 花子,やまだ はなこ,1952-08-10,2,本山町本山8番地,01,,,,,,,,,,,,,,,
CSV
nh import late.csv
is "$rc" 0 "held lines are not errors"
like "$out" "late.csv:1: held #[0-9]+ for a clerk: MOVE_OUT for unknown person code 9999" \
    "a change for an unknown person is held"
like "$out" "late.csv:2: held #[0-9]+ for a clerk: MOVE_WITHIN dated 2024-05-01, but the last event applied is dated 2024-06-01" \
    "a change older than the last one applied is held"
like "$out" "late.csv:3: held #[0-9]+ for a clerk: MOVE_WITHIN for a person recorded as deceased on 2024-06-25" \
    "a move after a death is held"
is "$(q "SELECT address FROM residents WHERE person_code = '1001'")" "本山町吉野7番地" \
    "a held change is not applied"
nh import late.csv
like "$out" "3 held" "importing again holds the same items"
is "$(q "SELECT count(*) FROM held_items WHERE kind != 'finding'")" 3 "not twice"
nh held list
like "$out" "unknown_person +MOVE_OUT +9999" "held list shows the unknown person"
like "$out" "out_of_order +MOVE_WITHIN +1001" "and the out-of-order move"
id_unknown=$(q "SELECT id FROM held_items WHERE person_code = '9999'")
id_order=$(q "SELECT id FROM held_items WHERE person_code = '1001' AND kind = 'out_of_order'")
id_dead=$(q "SELECT id FROM held_items WHERE person_code = '1002' AND kind = 'out_of_order'")
nh held show "$id_unknown"
like "$out" "from +late.csv:1" "held show names the file and line"
nh held resolve "$id_order" retry
is "$rc" 1 "retrying a still out-of-order item is refused"
like "$out" "still cannot be applied" "and says why"
nh held resolve "$id_order" discard
is "$rc" 0 "a clerk discards it"
nh held resolve "$id_order" discard
is "$rc" 1 "an item is resolved once"
nh held resolve "$id_unknown" force
is "$rc" 0 "a clerk forces the unknown person in"
is "$(q "SELECT status FROM residents WHERE person_code = '9999'")" moved_out "who is recorded as moved out"
nh held resolve "$id_dead" bogus
is "$rc" 2 "an unknown resolution is a usage error"

# Counter enrolment, then the extract: merged on all four items.
nh resident add --name-kanji "伊藤　健" --name-kana "いとう けん" --birth 1990-07-07 --sex 1 \
    --address "本山町本山１２番地３"
is "$rc" 0 "resident add enrols at the counter"
like "$out" "enrolled resident #[0-9]+" "and gives the id"
nh resident add --name-kanji "伊藤 健" --name-kana "イトウ ケン" --birth 1990-07-07 --sex 1 \
    --address "本山町本山12-3"
is "$rc" 3 "the same person twice at the counter is refused"
like "$out" "already has the same name, birth date, sex and address" "and says why"
cat > movein.csv <<'CSV'
MOVE_IN,2024-07-02,1010,510,1,伊藤 健,イトウ ケン,1990-07-07,1,本山町本山12番地3,,,,,390013,01,000510,01,1,,2024-07-02,,2025-07-31,,,0
MOVE_IN,2024-07-02,1011,511,1,伊藤 恵子,イトウ ケイコ,1991-03-03,2,本山町本山13番地,,,,,,,,,,,,,,,,
CSV
nh resident add --name-kanji "伊藤 恵子" --name-kana "イトウ ケイコ" --birth 1991-03-03 --sex 2 \
    --address "本山町本山14番地"
nh import movein.csv
like "$out" "movein.csv:1: person 1010 merged with counter enrolment #[0-9]+" \
    "the extract is merged with the counter enrolment"
like "$out" "movein.csv:2: held #[0-9]+ for a clerk: partially matches counter enrolment #[0-9]+; differs in address" \
    "a partial match is held as a conflict"
is "$(q "SELECT count(*) FROM residents WHERE name_kanji LIKE '伊藤%'")" 2 "never duplicated"
is "$(q "SELECT person_code || ' ' || origin FROM residents WHERE name_kanji = '伊藤 健'")" "1010 extract" \
    "the counter enrolment now has the person code"

# Searches.
nh resident search --kana ﾔﾏﾀﾞ
like "$out" "2 residents found" "half-width kana finds hiragana and katakana names"
nh resident search --kana やまだた
like "$out" "1 resident found" "hiragana finds a half-width name"
like "$out" "1001 +山田 太郎" "the right one"
nh resident search --kana ヤマダ --all
like "$out" "3 residents found" "--all includes the deceased"
nh resident search --kanji 山田
like "$out" "2 residents found" "kanji prefix"
nh resident search --birth 19700203
like "$out" "1004 +鈴木 一郎" "birth date (YYYYMMDD)"
nh resident search --symbol 02 --number 000507
like "$out" "1001 +山田 太郎" "記号番号 finds the holder of the period in force"
nh resident search --symbol 01 --number 000501
unlike "$out" "1001 " "the superseded 記号番号 does not"
nh resident search --household 504
like "$out" "2 residents found" "household"
nh resident search --kana ゾ
is "$rc" 3 "no match exits 3"
nh resident search
is "$rc" 2 "search without a criterion is a usage error"
nh resident search --kana 山田
is "$rc" 2 "--kana with kanji is a usage error"
nh resident show --code 1001
like "$out" "世帯主氏名 +山田 太郎" "show prints the household head"
like "$out" "four items +山田太郎 / 1960-05-01 / 1 / 本山町吉野7" "and the four items, normalized"
like "$out" "superseded" "and the history"
rid=$(q "SELECT id FROM residents WHERE person_code = '1006'")
nh resident edit "$rid" --address "本山町古田5番地"
is "$rc" 0 "resident edit"
is "$(q "SELECT address FROM residents WHERE id = $rid")" "本山町古田5番地" "changes the address"
nh resident edit "$rid" --birth 2024-02-30
is "$rc" 2 "a bad date is a usage error"

# Eligibility commands.
rid=$(q "SELECT id FROM residents WHERE person_code = '1004'")
nh eligibility add "$rid" --insurer 390013 --symbol 04 --number 000504 --branch 02 \
    --kind tanki --months 3 --acquired 2024-06-10
is "$rc" 0 "eligibility add"
pid=$(q "SELECT id FROM eligibility_periods WHERE resident_id = $rid")
nh eligibility add "$rid" --insurer 390014 --symbol 04 --number 1 --kind hihokensha --acquired 2024-06-10
is "$rc" 2 "a wrong check digit is refused"
like "$out" "390014" "and named"
nh eligibility add "$rid" --insurer 390013 --symbol 04 --number 1 --kind tanki --acquired 2024-06-10
is "$rc" 2 "tanki without --months is refused"
nh eligibility correct "$pid" --kind hihokensha --months ""
is "$rc" 2 "--months must be 1, 3 or 6"
nh eligibility correct "$pid" --lost 2024-08-01
is "$rc" 0 "eligibility correct"
like "$out" "supersedes #$pid" "adds a superseding period"
nh eligibility correct "$pid" --lost 2024-09-01
is "$rc" 1 "a superseded period cannot be corrected again"
nh eligibility list "$rid" --all
like "$out" "superseded by #" "list --all shows the history"
nh eligibility current "$rid" --on 2024-07-01
like "$out" "tanki +\\(3 months\\) acquired 2024-06-10 lost 2024-08-01" "current on a day"
nh eligibility current "$rid" --on 2024-08-01
is "$rc" 3 "nothing in force from the loss date"

# Rule findings: imported, but flagged for a clerk rather than trusted.
cat > old.csv <<'CSV'
FULL,2024-04-01,1020,520,1,森 茂,モリ シゲル,1940-01-01,1,本山町北山1番地,,,,,390013,09,000520,01,1,,2000-04-01,,2025-07-31,,,0
CSV
nh import old.csv
is "$rc" 0 "an NHI period for an 84-year-old imports"
like "$out" "1 findings" "with a finding"
nh held list
like "$out" "finding +FULL +1020 +LATE_ELDERLY" "listed for a clerk, named by the rule"
fid=$(q "SELECT id FROM held_items WHERE person_code = '1020'")
nh held resolve "$fid" retry
is "$rc" 2 "a finding cannot be retried"
nh held resolve "$fid" ack
is "$rc" 0 "a clerk acknowledges it"

for c in import resident eligibility held; do
	run "$NHICARD" $c --help
	like "$out" "usage: nhicard $c" "$c --help"
done
done_testing
