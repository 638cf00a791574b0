# killcommit.sh: kill a station command at each of its store commits and
# check the clerk's rerun ends where an unkilled run ends (after common.sh;
# docs/reliability.md "Kill at a commit"). Needs a test-hooks build.
#
#   kc_snap NAME          keep the store $DB (checkpointed) as the base NAME
#   kc_state DB           the store's content without what differs from run
#                         to run (times, random ids, the audit log: checked
#                         by `audit verify` instead)
#   kc_run NAME BASE CMD  count CMD's commits on a copy of BASE, then for
#                         each commit k (all up to $KC_CAP, else a spread)
#                         kill CMD right after and right before it, rerun
#                         it as a clerk would ($KC_RECOVER, default CMD
#                         again) and compare with the unkilled run.
# CMD and KC_RECOVER are shell text run with eval; they use $DB. A rerun
# may be refused (exit 1 or 3) when the killed run had already done the work,
# if its message matches $KC_REFUSED_OK; anything else must exit 0, or
# $KC_RC when set: the exit status the unkilled run must give too (a file
# refused or partly imported, exit 3, which still commits its refusal).
# $KC_EXTRA (shell text, optional) prints more state (files written).
# $KC_TODO: a known fault not fixed yet (the check is a TAP TODO).
# $KC_DIFF_LINES: how many lines of a state difference to show (6).
# $KC_RESET (shell text, optional) runs after each restore of the store
# (the card's file put back as it was, reinserted); $KC_PUTBACK after a
# kill, before the rerun (the card put back). Both run in this shell, so
# that an emulator they start is this shell's to reap: CMD, KC_RECOVER
# and KC_EXTRA must not start one.
# kc_nhi ARGS runs the checks (`db check`, `audit verify`); a test whose
# store needs an operator redefines it after sourcing this file.

: "${SQLITE3:=sqlite3}"
KC_CAP=${KC_CAP:-20}

kc_nhi() { "$NHICARD" --config "$CONF" --db "$DB" "$@"; }

kc_snap() {
	"$SQLITE3" "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null || bail "checkpoint $DB"
	cp "$DB" "$TEST_TMP/$1.base" || bail "snap $1"
}

kc_restore() {
	rm -f "$DB" "$DB-wal" "$DB-shm"
	cp "$TEST_TMP/$1.base" "$DB" || bail "restore $1"
	if [ -n "${KC_RESET:-}" ]; then eval "$KC_RESET" >/dev/null 2>&1; fi
}

kc_state() {
	# $KC_NOBATCH: leave out batch numbers (a delivery killed after its
	# commit is carried again under the next number, docs/queue-format.md)
	# and the center's acknowledgement serials (an acknowledgement whose
	# commit was lost is answered again, under the center's next serial,
	# for the same records).
	_lb=last_batch _as=ack_serial _qs=serial
	[ -n "${KC_NOBATCH:-}" ] && _lb="'-'" _as="'-'" _qs="'-'"
	"$SQLITE3" "$1" "
SELECT 'R', id, person_code, household_id, is_head, name_kanji, name_kana, birth_date, sex,
  address, nationality, residence_status, stay_until, status, status_date, name_flags, origin,
  last_event_date FROM residents ORDER BY id;
SELECT 'H', id, household_code, address, address_code FROM households ORDER BY id;
SELECT 'E', id, resident_id, insurer_number, symbol, number, branch, cert_kind, short_months,
  acquired_on, lost_on, valid_until, burden_pct, burden_from, special_address, superseded_by,
  source, note FROM eligibility_periods ORDER BY id;
SELECT 'B', id, resident_id, kind, payer_number, recipient_number, valid_from, valid_until,
  superseded_by FROM benefits ORDER BY id;
SELECT 'C', id, resident_id, kind, card_serial, key_generation, state, state_reason, step,
  public_key IS NULL, issued_on, fee_yen, fee_waived FROM cards ORDER BY id;
SELECT 'CE', card_id, event, from_state, to_state, detail, operator_id, reported_by, report_how
  FROM card_events ORDER BY id;
SELECT 'CT', resident_id, eligibility_id, document, cert_kind, issued_on, voided_at IS NULL,
  void_reason, replaced_by IS NULL FROM certificates ORDER BY id;
SELECT 'Q', seq, lane, kind, CAST(payload AS TEXT), attempt, sent_at IS NULL, $_lb,
  acked_at IS NULL, rejected_at IS NULL, reject_code, retried_at IS NULL
  FROM queue_records ORDER BY seq;
SELECT 'QS', last_seq, $_lb, center_through, $_as, purged_through FROM queue_state;
SELECT 'QA', $_qs, digest, through, rejected FROM queue_acks ORDER BY through, serial;
SELECT 'HI', id, kind, person_code, resident_id, event, event_date, reason, record,
  source_line, resolved_at IS NULL, resolution FROM held_items ORDER BY id;
SELECT 'IE', resident_id, event, event_date, record, source_line FROM import_events ORDER BY id;
SELECT 'BR', id, kind, selection, params, on_date, state, item_count FROM batch_runs ORDER BY id;
SELECT 'BI', run_id, seq, resident_id, list_key, arg, state, exception, card_id, volume
  FROM batch_items ORDER BY id;
SELECT 'PI', item_id, path, key_generation, issue_date, cert_kind, eligibility_id, card_serial,
  exported_at IS NULL FROM preissue_items ORDER BY item_id;
SELECT DISTINCT 'A', action, subject FROM audit_log WHERE outcome = 'ok'
  AND action NOT IN ('resident.show', 'resident.search') ORDER BY 2, 3;
SELECT 'ML', resident_id, cert_issuer, cert_serial, state, end_reason FROM mynumber_links
  ORDER BY id;
" | grep -v '^CE|[0-9]*|personalize_restart|' | sed -E -e 's/[0-9a-fA-F]{16,}/<hex>/g' \
    -e 's/\([0-9]+ APDUs\)/(N APDUs)/' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/<time>/g' \
    -e 's/B-[0-9]{8}-[0-9]{4}/<run>/g' -e 's/created=[0-9]+/created=<t>/g'
	if [ -n "${KC_EXTRA:-}" ]; then eval "$KC_EXTRA"; fi
}

# kc_pick N: the commits to kill at: all up to KC_CAP, else a spread.
kc_pick() {
	if [ "$1" -le "$KC_CAP" ]; then
		seq 1 "$1"
	else
		awk -v n="$1" -v c="$KC_CAP" 'BEGIN { for (i = 0; i < c; i++)
		    print 1 + int(i * (n - 1) / (c - 1)) }' | uniq
	fi
}

kc_run() {
	_name=$1 _base=$2 _cmd=$3
	_log=$TEST_TMP/commits.log
	kc_restore "$_base"
	rm -f "$_log"
	out=$(export NHICARD_TEST_COMMIT_LOG="$_log"; eval "$_cmd" 2>&1)
	rc=$?
	_n=$(wc -l < "$_log" 2>/dev/null || echo 0)
	_n=$((_n + 0))
	if [ "$rc" -ne "${KC_RC:-0}" ] || [ "$_n" -lt 1 ]; then
		ok 1 "$_name: the unkilled run exits ${KC_RC:-0} and commits ($_n commits)"
		echo "#   rc $rc: $(printf '%s' "$out" | head -c 300)"
		return
	fi
	ok 0 "$_name: the unkilled run exits ${KC_RC:-0} and commits $_n times"
	kc_state "$DB" > "$TEST_TMP/ref.state"
	_kills=0 _bad=""
	for _k in $(kc_pick "$_n"); do
		for _at in "$_k" "before:$_k"; do
			kc_restore "$_base"
			(export NHICARD_TEST_KILL_AT_COMMIT="$_at"; eval "$_cmd") >/dev/null 2>&1
			_krc=$?
			if [ "$_krc" -ne 137 ]; then
				_bad="$_bad $_at:not-killed($_krc)"
				continue
			fi
			_kills=$((_kills + 1))
			if [ -n "${KC_PUTBACK:-}" ]; then eval "$KC_PUTBACK" >&2; fi
			out=$(eval "${KC_RECOVER:-$_cmd}" 2>&1)
			rc=$?
			if [ "$rc" -ne 0 ] && [ "$rc" -ne "${KC_RC:-0}" ]; then
				if { [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; } || [ -z "${KC_REFUSED_OK:-}" ] ||
				    ! printf '%s\n' "$out" | grep -Eq -- "$KC_REFUSED_OK"; then
					_bad="$_bad $_at:rerun-rc$rc"
					echo "#   $_name $_at: rerun exit $rc: $(printf '%s' "$out" | head -c 300)"
				fi
			fi
			_c=$(kc_nhi db check 2>&1) ||
				{ _bad="$_bad $_at:db-check"; echo "#   $_c" | head -3; }
			_c=$(kc_nhi audit verify 2>&1) ||
				{ _bad="$_bad $_at:audit"; echo "#   $_c" | head -3; }
			kc_state "$DB" > "$TEST_TMP/got.state"
			if ! cmp -s "$TEST_TMP/ref.state" "$TEST_TMP/got.state"; then
				_bad="$_bad $_at:state"
				diff "$TEST_TMP/ref.state" "$TEST_TMP/got.state" | head -${KC_DIFF_LINES:-6} | sed 's/^/#   /'
			fi
		done
	done
	is "$_bad" "" "$_name: killed $_kills times (after and before each commit), each rerun ends as the unkilled run, db check and audit verify clean${KC_TODO:+ # TODO $KC_TODO}"
}
