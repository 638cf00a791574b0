#!/bin/sh
# batch-kill.sh: batch runs killed at random points, many times, and
# resumed each time (docs/batch.md "Exactly once"): with the test hook
# NHICARD_TEST_CRASH_AT=batch:POINT:N at every checkpoint step, and with a
# real kill -9 at random moments. In the end every record is done exactly
# once: one certificate serial per resident per run, one queue record per
# certificate, never two valid certificates for a person, every item done
# or excepted, a volume rewritten after a kill byte for byte the same, and
# no card revoked twice. BATCH_KILL_SEED repeats a sequence.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
cd "$TEST_TMP" || bail "cd"

SQLITE3=${SQLITE3:-sqlite3}
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 command not installed"
[ -r /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] ||
	skip_all "fonts-ipaexfont not installed"
gen="$top_builddir/bench/gen-extract"
[ -x "$gen" ] || bail "bench/gen-extract not built"

SEED=${BATCH_KILL_SEED:-$(date +%s)}
echo "# seed $SEED (BATCH_KILL_SEED=$SEED repeats this run)"
rnd_state=$SEED
# rnd N: R becomes a pseudo-random number in 1..N from the seed (no
# subshell, so the state advances).
rnd() {
	rnd_state=$(( (rnd_state * 1103515245 + 12345) % 2147483648 ))
	R=$(( rnd_state / 65536 % $1 + 1 ))
}

DB="$TEST_TMP/t.db"
q() { "$SQLITE3" "$DB" "$1"; }
printf '[print]\ninsurer_name = 本山町\ntemplates_dir = %s/templates\n[rules]\nlaw = pilot\n' "$top_srcdir" > c.conf
nhi() { "$NHICARD" --db "$DB" --config c.conf "$@"; }
# In the background without a shell in between, so kill -9 hits nhicard.
nhi_bg() { "$NHICARD" --db "$DB" --config c.conf "$@" >/dev/null 2>&1 & pid=$!; }

"$NHICARD" --db "$DB" db init >/dev/null || bail "db init"
"$gen" --residents 300 --seed 23 --fault-rate 0 -o x.csv 2>/dev/null || bail "gen"
nhi import --quiet x.csv >/dev/null || bail "import"
# A first renewal, so the killed one supersedes valid certificates.
mkdir first out
nhi batch renew --quiet --from 2027-08-01 --issued 2027-06-01 -d first all >/dev/null ||
	bail "first renewal"

# ---- Renewal killed by the hook at every step --------------------------------
ISSUED=2027-07-15
renew_args="--quiet --from 2027-08-01 --issued $ISSUED --volume-size 3 -d out all"
run_uid() { q "SELECT run_uid FROM batch_runs WHERE kind = 'renew' AND id > 1 ORDER BY id DESC LIMIT 1"; }
# The invariant after any kill: the run's certificates and its items with a
# serial are the same set, one per resident.
invariant() {
	q "SELECT (SELECT count(*) FROM certificates WHERE issued_on = '$ISSUED')
	     = (SELECT count(*) FROM batch_items WHERE run_id = (SELECT max(id) FROM batch_runs WHERE id > 1)
	        AND cert_serial IS NOT NULL)
	   AND (SELECT count(*) FROM certificates WHERE issued_on = '$ISSUED')
	     = (SELECT count(DISTINCT resident_id) FROM certificates WHERE issued_on = '$ISSUED')
	   AND (SELECT count(*) FROM certificates WHERE voided_at IS NULL)
	     = (SELECT count(DISTINCT resident_id) FROM certificates)"
}
kills=0 broken=0 cycles=0
: > sums
while [ $cycles -lt 60 ]; do
	cycles=$((cycles + 1))
	uid=$(run_uid)
	rnd 4; kind=$R; rnd 12; n=$R
	[ -z "$uid" ] && [ $n -le 3 ] && kind=5
	# The first run is always killed with its second volume written.
	[ $cycles -eq 1 ] && kind=3 n=4
	case $kind in
	1) point=renew.item:$n ;;
	2) point=renew.prepare:$(( (n + 2) / 3 )) ;;
	3) point=renew.written:$(( (n + 2) / 3 )) ;;
	4) point=renew.done:$(( (n + 2) / 3 )) ;;
	5) point=create:1 ;;
	esac
	if [ -z "$uid" ]; then
		NHICARD_TEST_CRASH_AT=batch:$point nhi batch renew $renew_args >/dev/null 2>&1
	else
		NHICARD_TEST_CRASH_AT=batch:$point nhi batch resume --quiet "$uid" >/dev/null 2>&1
	fi
	rc=$?
	[ $rc -eq 99 ] && kills=$((kills + 1))
	[ $rc -ne 0 ] && [ $rc -ne 99 ] && { echo "# rc $rc at $point"; broken=$((broken + 1)); }
	[ "$(invariant)" = 1 ] || { echo "# invariant broken after $point"; broken=$((broken + 1)); }
	case $point in
	renew.written:*)
		# Killed with a volume written but not marked done: remember it.
		for v in $(q "SELECT DISTINCT volume FROM batch_items WHERE state = 'prepared'"); do
			[ -f "out/$v" ] && echo "$v $(cksum < "out/$v")" >> sums
		done ;;
	esac
	[ "$rc" -eq 0 ] && [ -n "$(run_uid)" ] &&
		[ "$(q "SELECT state FROM batch_runs WHERE run_uid = '$(run_uid)'")" = done ] && break
done
echo "# $cycles cycles, $kills kills by the hook"
ok $((kills < 20)) "the renewal was killed many times ($kills)"
is "$broken" 0 "after every kill the store was consistent"
uid=$(run_uid)
run nhi batch resume --quiet "$uid"
is "$rc" 0 "the last resume completes the run"
is "$(q "SELECT state FROM batch_runs WHERE run_uid = '$uid'")" done "the run is done"
R=$(q "SELECT id FROM batch_runs WHERE run_uid = '$uid'")
n_items=$(q "SELECT count(*) FROM batch_items WHERE run_id = $R")
n_done=$(q "SELECT count(*) FROM batch_items WHERE run_id = $R AND state = 'done'")
is "$(q "SELECT count(*) FROM batch_items WHERE run_id = $R AND state IN ('done', 'exception')")" \
    "$n_items" "every item is done or excepted"
is "$n_done" "$(q "SELECT count(*) FROM batch_items WHERE run_id = 1 AND state = 'done'")" \
    "as many renewed as in an unkilled run"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT resident_id) FROM certificates WHERE issued_on = '$ISSUED'")" \
    "$n_done $n_done" "one certificate serial per resident"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'certificate_issued'")" \
    "$(q "SELECT count(*) FROM certificates")" "as many certificate-issued records as certificates"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'certificate_voided'")" \
    "$(q "SELECT count(*) FROM certificates WHERE voided_at IS NOT NULL")" \
    "as many voided records as voided certificates"
is "$(q "SELECT count(*) FROM certificates WHERE voided_at IS NULL")" \
    "$(q "SELECT count(DISTINCT resident_id) FROM certificates")" "never two valid certificates"
missing=0
for v in $(q "SELECT DISTINCT volume FROM batch_items WHERE run_id = $R AND state = 'done'"); do
	[ -s "out/$v" ] || missing=$((missing + 1))
done
is "$missing" 0 "every volume is written"
changed=0
while read -r v sum; do
	[ "$(cksum < "out/$v")" = "$sum" ] || changed=$((changed + 1))
done < sums
ok $(( $(wc -l < sums) == 0 )) "volumes were killed after their PDF was written ($(wc -l < sums))"
is "$changed" 0 "volumes rewritten after a kill are byte for byte the same"

# ---- Renewal killed with kill -9 at random moments -----------------------------
# The run is created and stopped before its first volume (the hook), then
# each resume is killed at a random moment; small volumes keep it busy.
mkdir out9
NHICARD_TEST_CRASH_AT=batch:renew.prepare:1 nhi batch renew --quiet --from 2027-08-01 \
    --issued 2027-07-20 --volume-size 2 -d out9 all >/dev/null 2>&1
uid9=$(q "SELECT run_uid FROM batch_runs ORDER BY id DESC LIMIT 1")
[ "$uid9" != "$uid" ] || bail "the kill -9 run was not created"
k9=0 i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	[ "$(q "SELECT state FROM batch_runs WHERE run_uid = '$uid9'")" = done ] && break
	nhi_bg batch resume --quiet "$uid9"
	rnd 30
	sleep "$(printf '0.%03d' $((R * 10)))"
	kill -9 $pid 2>/dev/null && k9=$((k9 + 1))
	wait $pid 2>/dev/null
done
echo "# $k9 kill -9 of a running renewal"
run nhi batch resume --quiet "$uid9"
is "$rc" 0 "after the kill -9s the run resumes to its end"
R9=$(q "SELECT id FROM batch_runs WHERE run_uid = '$uid9'")
d9=$(q "SELECT count(*) FROM batch_items WHERE run_id = $R9 AND state = 'done'")
is "$d9" "$n_done" "the same persons renewed"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT resident_id) FROM certificates WHERE issued_on = '2027-07-20'")" \
    "$d9 $d9" "one certificate per resident despite the kill -9s"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'certificate_issued'")" \
    "$(q "SELECT count(*) FROM certificates")" "one certificate-issued record per certificate"
is "$(q "SELECT count(*) FROM certificates WHERE voided_at IS NULL")" \
    "$(q "SELECT count(DISTINCT resident_id) FROM certificates")" "never two valid certificates"
run nhi db check
is "$rc" 0 "the store passes its integrity check"

# ---- Revocation killed by the hook and by kill -9 -------------------------------
q "INSERT INTO cards (resident_id, kind, card_serial, user_number, key_generation, state,
   issued_on, created_at, updated_at) SELECT id, 'standalone', printf('%020x', id),
   randomblob(16), 1, 'active', '2026-01-01', 'x', 'x' FROM residents WHERE id <= 90"
q "UPDATE residents SET status = 'deceased', status_date = '2026-11-01' WHERE id <= 90"
q "SELECT person_code || ',died' FROM residents WHERE id <= 90 ORDER BY id" > deaths.txt
rnd 5
NHICARD_TEST_CRASH_AT=batch:revoke.prepared:$R nhi batch revoke --quiet list deaths.txt >/dev/null 2>&1
uidr=$(q "SELECT run_uid FROM batch_runs WHERE kind = 'revoke' ORDER BY id DESC LIMIT 1")
[ -n "$uidr" ] || bail "no revocation run"
rk=0 i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	[ "$(q "SELECT state FROM batch_runs WHERE run_uid = '$uidr'")" = done ] && break
	rnd 3; kind=$R; rnd 8; n=$R
	case $kind in
	1) NHICARD_TEST_CRASH_AT=batch:revoke.prepared:$n nhi batch resume --quiet "$uidr" \
	       >/dev/null 2>&1
	   [ $? -eq 99 ] && rk=$((rk + 1)) ;;
	2) NHICARD_TEST_CRASH_AT=batch:revoke.executed:$n nhi batch resume --quiet "$uidr" \
	       >/dev/null 2>&1
	   [ $? -eq 99 ] && rk=$((rk + 1)) ;;
	3) nhi_bg batch resume --quiet "$uidr"
	   sleep "0.0$n"
	   kill -9 $pid 2>/dev/null && rk=$((rk + 1))
	   wait $pid 2>/dev/null ;;
	esac
done
echo "# $rk revocation runs killed"
run nhi batch resume --quiet "$uidr"
is "$rc" 0 "the revocation run completes"
is "$(q "SELECT count(*) FROM cards WHERE state = 'revoked'")" 90 "every listed card is revoked"
is "$(q "SELECT count(*) FROM queue_records WHERE kind = 'card_revoked'")" 90 \
    "one revocation record per card"
is "$(q "SELECT count(*) FROM card_events WHERE event LIKE 'revoke%'")" 90 "one revocation event per card"
is "$(q "SELECT count(*) FROM batch_items i JOIN batch_runs r ON r.id = i.run_id
    WHERE r.run_uid = '$uidr' AND i.state = 'done'")" 90 "every item done, none excepted"

done_testing
