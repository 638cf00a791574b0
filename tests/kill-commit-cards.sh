#!/bin/sh
# kill-commit-cards.sh: the card commands killed with SIGKILL right after
# and right before each of their store commits (NHICARD_TEST_KILL_AT_COMMIT,
# docs/reliability.md "Kill at a commit"), through pcscd and the emulator,
# then redone as a clerk would (put the card back, run the command again):
# the store ends as after an unkilled run, `db check` and `audit verify`
# are clean and the card in the reader verifies against the store. Then
# an issuance on a full disk (root only). tests/kill-commit.sh has the
# commands without a card.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/jpki.sh"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
. "$top_srcdir/tests/lib/killcommit.sh"
cd "$TEST_TMP" || bail "cd"

# put_back FILE: put the card back as a clerk would, once more if pcscd did
# not see it come within the harness's wait (seen about once in twenty
# right after a killed client); the third time is a bail-out.
put_back() {
	_tries=0
	while :; do
		_back=1
		_pcsc_fail() { _back=0; echo "# pcsc harness: $*" >&2; }
		card_remove
		card_insert "$1"
		_pcsc_fail() { bail "pcsc harness: $*"; }
		[ "$_back" = 1 ] && return 0
		_tries=$((_tries + 1))
		[ "$_tries" -lt 3 ] || bail "card $1 did not come back after 3 tries"
	done
}

# st ARGS: the station on the test store and reader (output as is).
st() { "$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" "$@"; }
make_store "$DB"
(export NHICARD_TEST_KILL_AT_COMMIT=1; "$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji 試験 --name-kana シケン \
    --birth 1990-01-01 --sex 1 --address 千代田区 >/dev/null 2>&1)
[ $? -eq 137 ] || skip_all "not a test-hooks build (configure --enable-test-hooks)"
rm -f "$DB" "$DB-wal" "$DB-shm"
pcsc_start
make_store "$DB"
kc_snap insured

# The card in the reader answers for the store's record: printed as state.
KC_EXTRA='st card verify >/dev/null 2>&1; echo "card verify $?"'

# ---- Issue: a Juki card personalized, its certificate printed ------------------
insert_card "$TEST_TMP/a" juki
card_remove
cp "$TEST_TMP/a" "$TEST_TMP/a.blank"
KC_RESET='card_remove; cp "$TEST_TMP/a.blank" "$TEST_TMP/a"; rm -rf pr; mkdir pr; put_back "$TEST_TMP/a"'
KC_PUTBACK='put_back "$TEST_TMP/a"'
KC_REFUSED_OK='already has an active NHI card|already carries an active NHI AP'
kc_run "issue (Juki card, certificate printed)" insured 'st issue --print-to pr 1'
KC_REFUSED_OK=
# The base for what follows: card A issued.
kc_restore insured
st issue --no-print 1 >/dev/null || bail "issue card A"
card_remove
cp "$TEST_TMP/a" "$TEST_TMP/a.issued"
kc_snap issued

# ---- Loss report (the card away), and the card found again ---------------------
KC_RESET='card_remove; cp "$TEST_TMP/a.issued" "$TEST_TMP/a"; put_back "$TEST_TMP/a"'
kc_run "revoke --reason lost (loss report)" issued 'st revoke 1 --reason lost --reported-by holder --how counter --receipt r.pdf'
st revoke 1 --reason lost --reported-by holder --how counter --receipt r.pdf >/dev/null 2>&1
kc_snap lost
KC_REFUSED_OK='is active|not suspended|not allowed'
kc_run "reinstate a found card" lost 'st reinstate --card 1'
KC_REFUSED_OK=

# ---- Loss report with a replacement on a new card -----------------------------
insert_card "$TEST_TMP/b" juki-new
card_remove
cp "$TEST_TMP/b" "$TEST_TMP/b.blank"
KC_RESET='card_remove; cp "$TEST_TMP/a.issued" "$TEST_TMP/a"; cp "$TEST_TMP/b.blank" "$TEST_TMP/b"; put_back "$TEST_TMP/b"'
KC_PUTBACK='put_back "$TEST_TMP/b"'
# The clerk's path (docs/lifecycle.md "Run again"): the new card in the
# reader verifies: finish with 'nhicard issue' (it takes up an unfinished
# issue or says the card is done); else the same command again (the loss
# report already recorded is said so, and the replacement goes on).
KC_RECOVER='if st card verify >/dev/null 2>&1; then st issue --path new-juki --no-print 1; else
	st revoke 1 --reason lost --reported-by holder --how counter --replace --path new-juki --receipt r.pdf; fi'
KC_REFUSED_OK='already has an active NHI card|already carries an active NHI AP'
kc_run "revoke --replace (reissue on a new card)" issued 'st revoke 1 --reason lost --reported-by holder --how counter --replace --path new-juki --receipt r.pdf'
KC_RESET= KC_PUTBACK= KC_RECOVER= KC_REFUSED_OK= KC_EXTRA=

# ---- Pre-issuance feed: the run's one item written on the Juki card -------------
kc_restore insured
printf 'id:1\n' >"$TEST_TMP/sel.txt"
st batch preissue prepare list "$TEST_TMP/sel.txt" >/dev/null || bail "batch preissue prepare"
prun=$(sql "SELECT max(id) FROM batch_runs WHERE kind = 'preissue'")
kc_snap prepared
KC_RESET='card_remove; cp "$TEST_TMP/a.blank" "$TEST_TMP/a"; rm -rf pr; mkdir pr; put_back "$TEST_TMP/a"'
KC_PUTBACK='put_back "$TEST_TMP/a"'
KC_EXTRA='st card verify >/dev/null 2>&1; echo "card verify $?"; ls pr'
# The clerk's path (docs/batch.md "The feed loop"): the feed again, the
# same card in the reader.
kc_run "batch preissue feed (Juki card, certificate printed)" prepared "st batch preissue feed --count 1 --max-wait 20 --print-to pr $prun"
KC_RESET= KC_PUTBACK= KC_EXTRA=

# ---- Pre-issuance feed of a standalone card, with the certificate and with
# the sleeve insert: a foreign resident (no Juki card: the study's rule)
# gets a blank card; the feed binds the card's serial to the item (a
# commit of its own) before it writes.
cp "$CONF" "$TEST_TMP/conf.orig"
sed -i 's/^\[rules\]$/[rules]\nforeign_juki = 2005/' "$CONF"
kc_restore insured
st resident add --name-kanji "John SMITH" --name-kana "ジョン スミス" --birth 1985-05-05 \
    --sex 1 --address "東京都千代田区神田3-3" --nationality US --residence-status 技術 \
    --stay-until 2030-01-01 >/dev/null || bail "resident add (foreign)"
st eligibility add --insurer 133116 --symbol 1 --number 12 --kind hihokensha \
    --acquired 2020-04-01 2 >/dev/null || bail "eligibility add (foreign)"
printf 'id:2\n' >"$TEST_TMP/sel-s.txt"
st batch preissue prepare list "$TEST_TMP/sel-s.txt" >/dev/null || bail "batch preissue prepare (standalone)"
[ "$(sql "SELECT group_concat(path) FROM preissue_items")" = standalone ] ||
    bail "the foreign resident's item is not standalone"
srun=$(sql "SELECT max(id) FROM batch_runs WHERE kind = 'preissue'")
kc_snap prepared-s
insert_card "$TEST_TMP/s" standalone
card_remove
cp "$TEST_TMP/s" "$TEST_TMP/s.blank"
KC_RESET='card_remove; cp "$TEST_TMP/s.blank" "$TEST_TMP/s"; rm -rf pr; mkdir pr; put_back "$TEST_TMP/s"'
KC_PUTBACK='put_back "$TEST_TMP/s"'
KC_EXTRA='st card verify >/dev/null 2>&1; echo "card verify $?"; ls pr'
kc_run "batch preissue feed (standalone card, certificate printed)" prepared-s \
    "st batch preissue feed --count 1 --max-wait 20 --print-to pr $srun"
kc_run "batch preissue feed --sleeve (standalone card, the sleeve insert printed)" prepared-s \
    "st batch preissue feed --count 1 --max-wait 20 --sleeve --print-to pr $srun"
# The last rerun's end: one sleeve insert, in the store and in pr.
is "$(sql "SELECT count(*) || ' ' || group_concat(document) FROM certificates WHERE voided_at IS NULL")" \
    "1 sleeve" "the sleeve feed printed one sleeve insert, recorded"
is "$(ls pr | wc -l)" 1 "and wrote its PDF"
KC_RESET= KC_PUTBACK= KC_EXTRA=
card_remove
cp "$TEST_TMP/conf.orig" "$CONF"

# ---- My Number card linked (a TEST JPKI CA), then relinked ---------------------
CA=$TEST_TMP/ca
jpki_ca "$CA"
jpki_user "$CA" alice
jpki_user "$CA" alice2
printf '[mynumber]\nca = %s\ncrl = %s\n' "$CA/ca.crt" "$CA/crl.pem" >>"$CONF"
printf '1234\n' >"$TEST_TMP/pin"
for c in alice alice2; do
	card_insert "$TEST_TMP/$c" --kind mynumber -o "cert=$CA/$c.crt" -o "key=$CA/$c.key" \
	    -o "name=$P_NAME" -o "birth=$(echo $P_BIRTH | tr -d -)" -o "sex=$P_SEX" \
	    -o "address=$P_ADDR" >/dev/null
	card_remove
	cp "$TEST_TMP/$c" "$TEST_TMP/$c.blank"
done
link='NHICARD_PIN_FD=7 st mynumber link 1 7<"$TEST_TMP/pin"'
KC_RESET='card_remove; cp "$TEST_TMP/$mn.blank" "$TEST_TMP/$mn"; put_back "$TEST_TMP/$mn"'
KC_PUTBACK='put_back "$TEST_TMP/$mn"'
mn=alice
kc_run "mynumber link" insured "$link"
kc_restore insured
eval "$link" >/dev/null || bail "mynumber link"
kc_snap linked
mn=alice2
kc_run "mynumber link (relink, a renewed certificate)" linked "$link"
KC_RESET= KC_PUTBACK=

# ---- Issuance on a full disk ----------------------------------------------------
if [ "$(id -u)" != 0 ] || ! mkdir small || ! mount -t tmpfs -o size=3m tmpfs small 2>/dev/null; then
	ok 0 "# SKIP an issuance on a full disk needs root to mount a small tmpfs"
	done_testing
	exit $?
fi
at_exit "umount '$TEST_TMP/small' 2>/dev/null"
cp "$TEST_TMP/insured.base" small/s.db
DB=$TEST_TMP/small/s.db
cp "$TEST_TMP/a.blank" "$TEST_TMP/a"
card_insert "$TEST_TMP/a" >/dev/null
kc_state "$DB" > before.state
dd if=/dev/zero of=small/ballast bs=4k 2>/dev/null
out=$(st issue --no-print 1 2>&1)
rc=$?
rm -f small/ballast
ok $([ "$rc" -ne 0 ]; echo $?) "an issuance on a full disk fails (exit $rc)"
like "$out" "disk full" "the error names the full disk: $(printf '%s' "$out" | head -1)"
kc_state "$DB" > after.state
cmp -s before.state after.state
ok $? "nothing half-written in the store"
st db check >/dev/null 2>&1
is "$?" 0 "db check is clean"
card_insert "$TEST_TMP/a" >/dev/null
out=$(st issue --no-print 1 2>&1)
is "$?" 0 "with the disk freed and the card put back, the issue succeeds"
is "$(sql "SELECT count(*) || ' ' || group_concat(state) FROM cards")" "1 active" "one card record, active"
st card verify >/dev/null 2>&1
is "$?" 0 "the card verifies against the store"
st audit verify >/dev/null 2>&1
is "$?" 0 "audit verify is clean"
done_testing
