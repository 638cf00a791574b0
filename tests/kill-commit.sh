#!/bin/sh
# kill-commit.sh: every station command that writes the store (and needs
# no card) killed with SIGKILL right after and right before each of its
# store commits (the test hook NHICARD_TEST_KILL_AT_COMMIT, docs/reliability.md
# "Kill at a commit"), then rerun as a clerk would: the rerun's exit status
# and message are clear, `db check` and `audit verify` are clean, and the
# store ends as after a run that was not killed (no resident, period,
# certificate or queue record twice, nothing lost). The card commands are
# in tests/kill-commit-cards.sh.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/queue.sh"
cd "$TEST_TMP" || bail "cd"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
. "$top_srcdir/tests/lib/killcommit.sh"

DB=$TEST_TMP/s.db
CONF=$TEST_TMP/c.conf
queue_config "$CONF"
printf '[print]\ninsurer_name = 本山町\ntemplates_dir = %s/templates\n' "$top_srcdir" >> "$CONF"
nhi() { "$NHICARD" --config "$CONF" --db "$DB" "$@"; }

# The probe: a test-hooks build kills at commit 1.
"$NHICARD" --config "$CONF" --db "$DB" db init >/dev/null || bail "db init"
(export NHICARD_TEST_KILL_AT_COMMIT=1; nhi resident search --all x >/dev/null 2>&1;
    nhi eligibility list 1 >/dev/null 2>&1; nhi db check >/dev/null 2>&1;
    nhi resident add --name-kanji 試験 --name-kana シケン --birth 1990-01-01 --sex 1 \
    --address 本山町 >/dev/null 2>&1)
[ $? -eq 137 ] || skip_all "not a test-hooks build (configure --enable-test-hooks)"
rm -f "$DB" "$DB-wal" "$DB-shm"

nhi db init >/dev/null || bail "db init"
kc_snap empty

# ---- Resident register: a full extract, then a change extract ---------------
"$gen" --residents 40 --seed 7 --fault-rate 0 -o gen.csv 2>/dev/null || bail "gen"
kc_run "import (generated full extract, 40 residents)" empty 'nhi import --quiet gen.csv'

H=event,event_date,person_code,household_code,head,name_kanji,name_kana,birth_date,sex,address,address_code,nationality,residence_status,stay_until,insurer_number,symbol,number,branch,cert_kind,short_months,acquired_on,lost_on,valid_until,burden_pct,burden_from,special_address
cat > full.csv <<CSV
$H
FULL,2024-04-01,1001,501,1,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1960-05-01,1,本山町本山1番地,01,,,,390013,01,000501,01,1,,2010-04-01,,2025-07-31,,,0
FULL,2024-04-01,1002,501,0,山田 花子,やまだ はなこ,1952-08-10,2,本山町本山1番地,01,,,,390013,01,000501,02,1,,2010-04-01,,2025-07-31,20,2022-09-01,0
FULL,2024-04-01,1003,502,1,グエン ヴァン アン,グエン ヴァン アン,1995-01-01,1,本山町吉野2番地,02,VNM,技能実習,2026-03-31,390013,02,000502,01,2,6,2023-01-01,,2024-09-30,,,0
FULL,2024-04-01,1004,503,1,鈴木 一郎,スズキ イチロウ,1970-02-03,1,本山町寺家3番地,03,,,,,,,,,,,,,,,
CSV
cat > changes.csv <<'CSV'
BIRTH,2024-05-10,1005,501,0,山田 翔太,ヤマダ ショウタ,2024-05-10,1,本山町本山1番地,01,,,,390013,01,000501,03,1,,2024-05-10,,2025-07-31,,,0
MOVE_IN,2024-05-15,1006,504,1,高橋 陽子,タカハシ ヨウコ,1988-11-11,2,本山町古田4番地,04,,,,390013,04,000504,01,1,,2024-05-15,,2025-07-31,,,0
MOVE_WITHIN,2024-06-01,1001,501,1,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1960-05-01,1,本山町吉野7番地,02,,,,390013,02,000507,01,1,,2010-04-01,,2025-07-31,,,0
NAME_CHANGE,2024-06-05,1006,504,1,田中 陽子,タナカ ヨウコ,1988-11-11,2,本山町古田4番地,04,,,,390013,04,000504,01,1,,2024-05-15,,2025-07-31,,,0
MOVE_OUT,2024-06-20,1003,502,1,グエン ヴァン アン,グエン ヴァン アン,1995-01-01,1,本山町吉野2番地,02,VNM,技能実習,2026-03-31,390013,02,000502,01,2,6,2023-01-01,2024-06-21,2024-09-30,,,0
DEATH,2024-06-25,1002,501,0,山田 花子,やまだ はなこ,1952-08-10,2,本山町本山1番地,01,,,,390013,01,000501,02,1,,2010-04-01,2024-06-26,2025-07-31,20,2022-09-01,0
BENEFIT,2024-04-01,1002,kaigo,,1234567,2017-08-01,
MOVE_OUT,2024-06-20,9999,509,1,不明 太郎,フメイ タロウ,1990-01-01,1,本山町不明1番地,09,,,,,,,,,,,,,,,
CSV
kc_run "import (full extract)" empty 'nhi import --quiet full.csv'
nhi import --quiet full.csv >/dev/null || bail "import full.csv"
kc_snap full
kc_run "import (change extract, one held)" full 'nhi import --quiet changes.csv'
nhi import --quiet changes.csv >/dev/null || bail "import changes.csv"
kc_snap changed

# ---- Counter: enrolment and edits -------------------------------------------
KC_REFUSED_OK='resident #[0-9]+ already has the same name, birth date, sex and address'
kc_run "resident add" full 'nhi resident add --name-kanji "佐藤 次郎" --name-kana "サトウ ジロウ" --birth 1985-03-03 --sex 1 --address 本山町本山9番地'
KC_REFUSED_OK=
kc_run "resident edit" changed 'nhi resident edit 1 --address 本山町寺家8番地 --sex-on-back yes'
kc_run "eligibility add" changed 'nhi eligibility add 4 --insurer 390013 --symbol 03 --number 000503 --kind hihokensha --acquired 2024-07-01'

# ---- Held item resolved once the person is known ----------------------------
sed -n '1p' full.csv > late-full.csv
echo 'FULL,2024-04-01,9999,509,1,不明 太郎,フメイ タロウ,1990-01-01,1,本山町不明1番地,09,,,,390013,09,000509,01,1,,2020-04-01,,2025-07-31,,,0' >> late-full.csv
nhi import --quiet late-full.csv >/dev/null || bail "import late-full.csv"
held=$(q "$DB" "SELECT id FROM held_items WHERE resolved_at IS NULL AND person_code = '9999'")
[ -n "$held" ] || bail "no held item"
kc_snap held
KC_REFUSED_OK='resolved|already'
kc_run "held resolve retry" held "nhi held resolve $held retry"
KC_REFUSED_OK=

# ---- Certificates: a first print and a reprint --------------------------------
KC_REFUSED_OK='certificate C-[0-9]+ of resident 1 is still valid'
kc_run "print certificate (first)" changed 'nhi print certificate 1001 --date 2024-07-01 --creation-date 2024-07-01 -o cert.pdf'
KC_REFUSED_OK=
kc_snap printed
# Killed anywhere, the rerun records the PDF written, prints the serial
# reserved, or finds the reprint done (docs/printing.md "A print that stopped").
KC_EXTRA='pdftotext reprint.pdf - 2>/dev/null | grep -o "C-[0-9]*"'
kc_run "print certificate --reason (reprint)" printed 'nhi print certificate 1001 --reason 汚損 --date 2024-07-02 --creation-date 2024-07-02 -o reprint.pdf'
KC_EXTRA=

# ---- Annual renewal: a killed run is resumed ----------------------------------
# The clerk's path (docs/batch.md): a run that was started is resumed.
kc_run_uid() { q "$DB" "SELECT run_uid FROM batch_runs WHERE kind = 'renew' ORDER BY id DESC LIMIT 1"; }
renew='rm -rf out; mkdir out; nhi batch renew --quiet --from 2025-08-01 --issued 2025-07-15 --volume-size 2 -d out all'
KC_RECOVER='u=$(kc_run_uid); if [ -n "$u" ]; then nhi batch resume --quiet "$u"; else nhi batch renew --quiet --from 2025-08-01 --issued 2025-07-15 --volume-size 2 -d out all; fi'
KC_EXTRA='ls out'
KC_REFUSED_OK='is done|already done'
kc_run "batch renew (resumed)" changed "$renew"
KC_RECOVER= KC_EXTRA= KC_REFUSED_OK= KC_TODO=

# ---- Queue: export, then the center's acknowledgement ------------------------
KC_EXTRA='ls exp | sed -E "s/-([bm])[0-9]{8}/-\1N/"'
KC_NOBATCH=1
kc_run "queue export" changed 'rm -rf exp; mkdir -p exp; nhi queue export exp'
KC_EXTRA= KC_NOBATCH=
mkdir -p exp && nhi queue export exp >/dev/null || bail "queue export"
kc_snap exported
through=$(q "$DB" "SELECT max(seq) FROM queue_records")
make_ack ack1 "$(station_of "$DB")" 1 "$through"
KC_REFUSED_OK='already'
kc_run "queue import-ack" exported 'nhi queue import-ack ack1'
KC_REFUSED_OK=

done_testing
