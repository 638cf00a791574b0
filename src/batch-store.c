/*
 * batch-store.c: the batch engine's tables (batch_runs, batch_items; see
 * batch.h and docs/batch.md): runs, items and their checkpoints, and the
 * selection queries with each person's snapshot text.
 *
 * Item state changes are single statements guarded by the state they
 * leave, so they join the caller's transaction (the checkpoint) or commit
 * alone, and an item done or excepted is never changed again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "batch-int.h"
#include "error.h"
#include "store-int.h"
#include "util.h"

/*
 * The person's data a run depends on, as one text: the resident row, the
 * household, the head's name and every period not superseded. Any change
 * an import or a clerk makes to what a certificate prints or to who is
 * insured changes it. ?1 is the run's day.
 */
#define PERSON_COLUMNS \
	" r.id, coalesce(r.person_code, ''), r.status, r.name_flags," \
	" EXISTS (SELECT 1 FROM eligibility_periods e WHERE e.resident_id = r.id" \
	"   AND e.superseded_by IS NULL AND e.acquired_on <= ?1" \
	"   AND (e.lost_on IS NULL OR e.lost_on > ?1))," \
	" coalesce(r.person_code, '') || char(31) || coalesce(r.household_id, '')" \
	" || char(31) || r.is_head || char(31) || r.name_kanji || char(31) || r.name_kana" \
	" || char(31) || r.birth_date || char(31) || r.sex || char(31) || r.address" \
	" || char(31) || coalesce(r.nationality, '') || char(31)" \
	" || coalesce(r.residence_status, '') || char(31) || coalesce(r.stay_until, '')" \
	" || char(31) || r.status || char(31) || coalesce(r.status_date, '')" \
	" || char(31) || r.name_flags || char(31) || coalesce(h.household_code, '')" \
	" || char(31) || coalesce(h.address, '') || char(31) || coalesce(h.address_code, '')" \
	" || char(31) || coalesce((SELECT hd.name_kanji FROM residents hd" \
	"   WHERE hd.household_id = r.household_id AND hd.is_head = 1" \
	"   ORDER BY hd.id LIMIT 1), '')" \
	" || char(31) || coalesce((SELECT group_concat(x, ';') FROM (SELECT e.id || '|'" \
	"   || e.insurer_number || '|' || e.symbol || '|' || e.number || '|'" \
	"   || coalesce(e.branch, '') || '|' || e.cert_kind || '|'" \
	"   || coalesce(e.short_months, '') || '|' || e.acquired_on || '|'" \
	"   || coalesce(e.lost_on, '') || '|' || coalesce(e.valid_until, '') || '|'" \
	"   || coalesce(e.burden_pct, '') || '|' || coalesce(e.burden_from, '') || '|'" \
	"   || e.special_address AS x FROM eligibility_periods e" \
	"   WHERE e.resident_id = r.id AND e.superseded_by IS NULL ORDER BY e.id)), '')"

#define PERSON_FROM \
	" FROM residents r LEFT JOIN households h ON h.id = r.household_id"

/* Mailing order: by address code, address, household, head first. */
#define MAILING_ORDER \
	" ORDER BY coalesce(h.address_code, ''), coalesce(h.address, r.address)," \
	" coalesce(r.household_id, 0), r.is_head DESC, r.birth_date, r.id"

#define RUN_COLUMNS "r.id, r.run_uid, r.kind, r.selection, r.params, r.state," \
	" coalesce(r.operator, ''), r.on_date, r.created_at, coalesce(r.finished_at, '')," \
	" r.item_count," \
	" (SELECT count(*) FROM batch_items i WHERE i.run_id = r.id AND i.state = 'pending')," \
	" (SELECT count(*) FROM batch_items i WHERE i.run_id = r.id AND i.state = 'prepared')," \
	" (SELECT count(*) FROM batch_items i WHERE i.run_id = r.id AND i.state = 'done')," \
	" (SELECT count(*) FROM batch_items i WHERE i.run_id = r.id AND i.state = 'exception')"

#define ITEM_COLUMNS "id, run_id, seq, coalesce(resident_id, 0), state, snapshot," \
	" coalesce(list_key, ''), coalesce(list_line, 0), coalesce(arg, '')," \
	" coalesce(exception, ''), coalesce(exception_text, ''), user_number," \
	" coalesce(card_id, 0), coalesce(cert_serial, ''), coalesce(volume, ''), updated_at"

#define ITEM_PAGE	256

void
batch_person_clear(struct batch_person *p)
{
	if (p == NULL)
		return;
	free(p->snapshot_text);
	memset(p, 0, sizeof(*p));
}

static void
person_from_row(sqlite3_stmt *s, struct batch_person *p)
{
	const unsigned char *t;

	memset(p, 0, sizeof(*p));
	p->resident_id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, p->person_code, sizeof(p->person_code));
	store_col_text(s, 2, p->status, sizeof(p->status));
	p->name_flags = (unsigned)sqlite3_column_int(s, 3);
	p->insured = sqlite3_column_int(s, 4);
	t = sqlite3_column_text(s, 5);
	p->snapshot_len = (size_t)sqlite3_column_bytes(s, 5);
	p->snapshot_text = xmalloc(p->snapshot_len + 1);
	if (t != NULL)
		memcpy(p->snapshot_text, t, p->snapshot_len);
	p->snapshot_text[p->snapshot_len] = '\0';
}

int
batch_store_person(struct store *st, int64_t resident_id, const char *on,
    struct batch_person *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT" PERSON_COLUMNS PERSON_FROM
	    " WHERE r.id = ?2", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, on, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, resident_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		person_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no resident #%lld", (long long)resident_id);
	else
		r = store_err(st, rc, "read a batch item's resident");
	sqlite3_finalize(s);
	return r;
}

/* 1 if s is a non-empty run of ASCII digits. */
static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int
batch_store_select(struct store *st, const struct batch_selection *sel, const char *on,
    int (*fn)(void *arg, const struct batch_person *p), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct batch_person p;
	const char *where;
	int r, rc;

	memset(&p, 0, sizeof(p));
	if (sel->kind == BATCH_SEL_ALL)
		where = "";
	else if (sel->kind == BATCH_SEL_DISTRICT && all_digits(sel->district))
		where = " AND substr(coalesce(h.address_code, ''), 1, length(?2)) = ?2";
	else if (sel->kind == BATCH_SEL_DISTRICT)
		where = " AND substr(coalesce(h.address, r.address), 1, length(?2)) = ?2";
	else
		return err_set(NHI_EINTERNAL, "batch selection: a list is not a query");
	{
		char *sql = xasprintf("SELECT" PERSON_COLUMNS PERSON_FROM
		    " WHERE r.status = 'resident' AND EXISTS (SELECT 1 FROM eligibility_periods e"
		    " WHERE e.resident_id = r.id AND e.superseded_by IS NULL"
		    " AND e.acquired_on <= ?1 AND (e.lost_on IS NULL OR e.lost_on > ?1))%s"
		    MAILING_ORDER, where);

		r = store_prepare(st, sql, &s);
		free(sql);
		if (r != 0)
			return r;
	}
	sqlite3_bind_text(s, 1, on, -1, SQLITE_STATIC);
	if (sel->kind == BATCH_SEL_DISTRICT)
		sqlite3_bind_text(s, 2, sel->district, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		person_from_row(s, &p);
		r = fn(arg, &p);
		batch_person_clear(&p);
		if (r != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "select residents for a batch run");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int
batch_store_resolve(struct store *st, const struct batch_list_entry *e,
    int64_t *resident_id)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, e->resident_id != 0 ?
	    "SELECT id FROM residents WHERE id = ?1" :
	    "SELECT id FROM residents WHERE person_code = ?2", &s)) != 0)
		return r;
	if (e->resident_id != 0)
		sqlite3_bind_int64(s, 1, e->resident_id);
	else
		sqlite3_bind_text(s, 2, e->who, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*resident_id = sqlite3_column_int64(s, 0);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		*resident_id = 0;
		r = 0;
	} else
		r = store_err(st, rc, "find a listed resident");
	sqlite3_finalize(s);
	return r;
}

int
batch_store_run_insert(struct store *st, struct batch_run *run)
{
	sqlite3_stmt *s = NULL;
	char today[11], day[9], now[24], prefix[16];
	int64_t n = 0;
	int r, rc;

	time_today_jst_iso(today, sizeof(today));
	snprintf(day, sizeof(day), "%.4s%.2s%.2s", today, today + 5, today + 8);
	snprintf(prefix, sizeof(prefix), "B-%s-", day);
	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "SELECT count(*) FROM batch_runs"
	    " WHERE substr(run_uid, 1, 11) = ?1", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = store_err(st, rc, "number a batch run");
		sqlite3_finalize(s);
		return r;
	}
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	{
		char uid[64];

		snprintf(uid, sizeof(uid), "%s%04lld", prefix, (long long)n + 1);
		snprintf(run->uid, sizeof(run->uid), "%.23s", uid);
	}
	snprintf(run->state, sizeof(run->state), "%s", BATCH_RUN_SELECTED);
	snprintf(run->created_at, sizeof(run->created_at), "%s", now);
	if ((r = store_prepare(st, "INSERT INTO batch_runs (run_uid, kind, selection,"
	    " params, on_date, state, operator, created_at) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " 'selected', ?6, ?7)", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, run->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, run->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, run->selection, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, run->params, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, run->on, -1, SQLITE_STATIC);
	if (run->operator_login[0] != '\0')
		sqlite3_bind_text(s, 6, run->operator_login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "record a batch run");
	else {
		run->id = sqlite3_last_insert_rowid(st->db);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
batch_store_item_insert(struct store *st, struct batch_item *it)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "INSERT INTO batch_items (run_id, seq, resident_id,"
	    " snapshot, list_key, list_line, arg, state, exception, exception_text,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, it->run_id);
	sqlite3_bind_int64(s, 2, it->seq);
	if (it->resident_id != 0) {
		sqlite3_bind_int64(s, 3, it->resident_id);
		sqlite3_bind_blob(s, 4, it->snapshot, BATCH_SNAPSHOT_LEN, SQLITE_STATIC);
	}
	if (it->list_key[0] != '\0') {
		sqlite3_bind_text(s, 5, it->list_key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, it->list_line);
	}
	if (it->arg[0] != '\0')
		sqlite3_bind_text(s, 7, it->arg, -1, SQLITE_STATIC);
	if (it->exception[0] != '\0') {
		sqlite3_bind_text(s, 8, BATCH_ITEM_EXCEPTION, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, it->exception, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 10, it->exception_text, -1, SQLITE_STATIC);
	} else
		sqlite3_bind_text(s, 8, BATCH_ITEM_PENDING, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "record a batch item");
	else {
		it->id = sqlite3_last_insert_rowid(st->db);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
batch_store_item_open_for(struct store *st, int64_t run_id, int64_t resident_id, int *yes)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT 1 FROM batch_items WHERE run_id = ?1"
	    " AND resident_id = ?2 AND (state = 'pending' OR state = 'prepared')", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, resident_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*yes = rc == SQLITE_ROW;
		r = 0;
	} else
		r = store_err(st, rc, "look for a batch item");
	sqlite3_finalize(s);
	return r;
}

/* Run one statement binding run id ?1; *changes set when non-NULL. */
static int
run_exec(struct store *st, const char *sql, int64_t id, const char *text,
    const char *what, int *changes)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if (text != NULL)
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, what);
	else {
		if (changes != NULL)
			*changes = sqlite3_changes(st->db);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
batch_store_run_count(struct store *st, int64_t run_id, int64_t count)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", (long long)count);
	return run_exec(st, "UPDATE batch_runs SET item_count = CAST(?2 AS INTEGER)"
	    " WHERE id = ?1", run_id, n, "count a batch run's items", NULL);
}

int
batch_store_in_txn(struct store *st)
{
	return st->in_txn;
}

/* ---- Runs --------------------------------------------------------------- */

static void
run_from_row(sqlite3_stmt *s, struct batch_run *run)
{
	memset(run, 0, sizeof(*run));
	run->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, run->uid, sizeof(run->uid));
	store_col_text(s, 2, run->kind, sizeof(run->kind));
	store_col_text(s, 3, run->selection, sizeof(run->selection));
	store_col_text(s, 4, run->params, sizeof(run->params));
	store_col_text(s, 5, run->state, sizeof(run->state));
	store_col_text(s, 6, run->operator_login, sizeof(run->operator_login));
	store_col_text(s, 7, run->on, sizeof(run->on));
	store_col_text(s, 8, run->created_at, sizeof(run->created_at));
	store_col_text(s, 9, run->finished_at, sizeof(run->finished_at));
	run->total = sqlite3_column_int64(s, 10);
	run->pending = sqlite3_column_int64(s, 11);
	run->prepared = sqlite3_column_int64(s, 12);
	run->done = sqlite3_column_int64(s, 13);
	run->exceptions = sqlite3_column_int64(s, 14);
}

int
batch_run_get(struct store *st, int64_t run_id, struct batch_run *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " RUN_COLUMNS " FROM batch_runs r"
	    " WHERE r.id = ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, run_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		run_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no batch run %lld", (long long)run_id);
	else
		r = store_err(st, rc, "read a batch run");
	sqlite3_finalize(s);
	return r;
}

int
batch_run_find(struct store *st, const char *key, struct batch_run *out)
{
	sqlite3_stmt *s = NULL;
	char *end;
	long long id;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " RUN_COLUMNS " FROM batch_runs r"
	    " WHERE r.run_uid = ?1 OR r.id = ?2 LIMIT 1", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	id = strtoll(key, &end, 10);
	if (*key != '\0' && *end == '\0' && id > 0)
		sqlite3_bind_int64(s, 2, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		run_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no batch run '%s' (give its id, e.g."
		    " B-20261125-0001, or its number from 'nhicard batch list')", key);
	else
		r = store_err(st, rc, "find a batch run");
	sqlite3_finalize(s);
	return r;
}

int
batch_run_check(struct store *st, int64_t run_id, const char *kind)
{
	struct batch_run run;
	int r;

	if ((r = batch_run_get(st, run_id, &run)) != 0)
		return r;
	if (strcmp(run.kind, kind) != 0)
		return err_set(NHI_ESTATE, "batch run %s is a %s run, not %s", run.uid,
		    run.kind, kind);
	if (strcmp(run.state, BATCH_RUN_CANCELLED) == 0)
		return err_set(NHI_ESTATE, "batch run %s was cancelled", run.uid);
	return 0;
}

int
batch_run_set_running(struct store *st, int64_t run_id)
{
	return run_exec(st, "UPDATE batch_runs SET state = 'running'"
	    " WHERE id = ?1 AND state = 'selected'", run_id, NULL,
	    "mark a batch run running", NULL);
}

int
batch_run_finish_if_complete(struct store *st, int64_t run_id, int *finished)
{
	char now[24];
	int r, n = 0;

	store_now(now, sizeof(now));
	if ((r = run_exec(st, "UPDATE batch_runs SET state = 'done', finished_at = ?2"
	    " WHERE id = ?1 AND (state = 'selected' OR state = 'running')"
	    " AND NOT EXISTS (SELECT 1 FROM batch_items WHERE run_id = ?1"
	    " AND (state = 'pending' OR state = 'prepared'))", run_id, now,
	    "finish a batch run", &n)) != 0)
		return r;
	if (finished != NULL)
		*finished = n > 0;
	return 0;
}

int
batch_run_finish_audited(struct store *st, int64_t run_id, int *finished)
{
	struct batch_run run;
	char action[32], subject[32], detail[128];
	int r, n = 0, own = !st->in_txn;

	if (own && (r = store_begin(st)) != 0)
		return r;
	if ((r = batch_run_finish_if_complete(st, run_id, &n)) != 0)
		goto out;
	if (n) {
		if ((r = batch_run_get(st, run_id, &run)) != 0)
			goto out;
		snprintf(action, sizeof(action), "batch.%s", run.kind);
		snprintf(subject, sizeof(subject), "batch:%lld", (long long)run_id);
		snprintf(detail, sizeof(detail), "%s done=%lld exceptions=%lld", run.kind,
		    (long long)run.done, (long long)run.exceptions);
		if ((r = audit_append(st, store_actor(st), action, subject, AUDIT_OK,
		    detail)) != 0)
			goto out;
	}
	if (own && (r = store_commit(st)) != 0)
		goto out;
	if (finished != NULL)
		*finished = n;
	return 0;
out:
	if (own)
		store_rollback(st);
	return r;
}

int
batch_run_cancel(struct store *st, int64_t run_id)
{
	struct batch_run run;
	char now[24];
	int r, n = 0;

	store_now(now, sizeof(now));
	if ((r = batch_run_get(st, run_id, &run)) != 0)
		return r;
	if ((r = run_exec(st, "UPDATE batch_runs SET state = 'cancelled', finished_at = ?2"
	    " WHERE id = ?1 AND (state = 'selected' OR state = 'running')", run_id, now,
	    "cancel a batch run", &n)) != 0)
		return r;
	if (n == 0)
		return err_set(NHI_ESTATE, "batch run %s is %s: it cannot be cancelled",
		    run.uid, run.state);
	return 0;
}

int
batch_run_walk(struct store *st, const char *kind,
    int (*fn)(void *arg, const struct batch_run *run), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct batch_run run;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " RUN_COLUMNS " FROM batch_runs r"
	    " WHERE ?1 IS NULL OR r.kind = ?1 ORDER BY r.id DESC", &s)) != 0)
		return r;
	if (kind != NULL)
		sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		run_from_row(s, &run);
		if ((r = fn(arg, &run)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "list batch runs");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

/* ---- Items -------------------------------------------------------------- */

static void
item_from_row(sqlite3_stmt *s, struct batch_item *it)
{
	memset(it, 0, sizeof(*it));
	it->id = sqlite3_column_int64(s, 0);
	it->run_id = sqlite3_column_int64(s, 1);
	it->seq = sqlite3_column_int64(s, 2);
	it->resident_id = sqlite3_column_int64(s, 3);
	store_col_text(s, 4, it->state, sizeof(it->state));
	if (sqlite3_column_bytes(s, 5) == BATCH_SNAPSHOT_LEN)
		memcpy(it->snapshot, sqlite3_column_blob(s, 5), BATCH_SNAPSHOT_LEN);
	store_col_text(s, 6, it->list_key, sizeof(it->list_key));
	it->list_line = sqlite3_column_int64(s, 7);
	store_col_text(s, 8, it->arg, sizeof(it->arg));
	store_col_text(s, 9, it->exception, sizeof(it->exception));
	store_col_text(s, 10, it->exception_text, sizeof(it->exception_text));
	if (sqlite3_column_bytes(s, 11) == BATCH_USER_NUMBER_LEN) {
		memcpy(it->user_number, sqlite3_column_blob(s, 11), BATCH_USER_NUMBER_LEN);
		it->has_user_number = 1;
	}
	it->card_id = sqlite3_column_int64(s, 12);
	store_col_text(s, 13, it->cert_serial, sizeof(it->cert_serial));
	store_col_text(s, 14, it->volume, sizeof(it->volume));
	store_col_text(s, 15, it->updated_at, sizeof(it->updated_at));
}

int
batch_item_get(struct store *st, int64_t item_id, struct batch_item *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_stmt(st, "SELECT " ITEM_COLUMNS " FROM batch_items"
	    " WHERE id = ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, item_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		item_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no batch item %lld", (long long)item_id);
	else
		r = store_err(st, rc, "read a batch item");
	store_stmt_done(st, s);
	return r;
}

/* 1 if `state` is in the comma-separated list `states`. */
static int
state_in(const char *state, const char *states)
{
	size_t n = strlen(state);
	const char *p = states;

	while ((p = strstr(p, state)) != NULL) {
		if ((p == states || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

int
batch_item_walk(struct store *st, int64_t run_id, const char *state,
    int (*fn)(void *arg, struct batch_item *it), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct batch_item *page;
	int64_t after = 0;
	size_t n, fetched, i;
	int r = 0, rc;

	page = xcalloc(ITEM_PAGE, sizeof(*page));
	do {
		/* One page, then the statement is gone before fn writes. */
		if ((r = store_prepare(st, "SELECT " ITEM_COLUMNS " FROM batch_items"
		    " WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3", &s)) != 0)
			goto out;
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_int64(s, 2, after);
		sqlite3_bind_int(s, 3, ITEM_PAGE);
		n = fetched = 0;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			item_from_row(s, &page[n]);
			after = page[n].seq;
			fetched++;
			if (state == NULL || state_in(page[n].state, state))
				n++;
		}
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE) {
			r = store_err(st, rc, "read batch items");
			goto out;
		}
		for (i = 0; i < n; i++)
			if ((r = fn(arg, &page[i])) != 0)
				goto out;
	} while (fetched == ITEM_PAGE);
	r = 0;
out:
	sqlite3_finalize(s);
	free(page);
	return r;
}

/* Change item `id` from an open state; NHI_ESTATE / NHI_ENOTFOUND if not. */
static int
item_update(struct store *st, int64_t id, const char *to, sqlite3_stmt *s)
{
	struct batch_item it;
	int r, rc;

	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		return store_err(st, rc, "checkpoint a batch item");
	if (sqlite3_changes(st->db) > 0)
		return 0;
	if ((r = batch_item_get(st, id, &it)) != 0)
		return r;
	return err_set(NHI_ESTATE, "batch run %lld item %lld is %s: it cannot become %s",
	    (long long)it.run_id, (long long)it.seq, it.state, to);
}

int
batch_item_prepared(struct store *st, int64_t item_id, const uint8_t *user_number,
    int64_t card_id, const char *cert_serial, const char *volume)
{
	static const char sql[] = "UPDATE batch_items SET state = 'prepared',"
	    " user_number = coalesce(?2, user_number), card_id = coalesce(?3, card_id),"
	    " cert_serial = coalesce(?4, cert_serial), volume = coalesce(?5, volume),"
	    " updated_at = ?6 WHERE id = ?1 AND state = 'pending'";
	sqlite3_stmt *s = NULL;
	char now[24];
	int r;

	store_now(now, sizeof(now));
	if ((r = store_stmt(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, item_id);
	if (user_number != NULL)
		sqlite3_bind_blob(s, 2, user_number, BATCH_USER_NUMBER_LEN, SQLITE_STATIC);
	if (card_id != 0)
		sqlite3_bind_int64(s, 3, card_id);
	if (cert_serial != NULL && cert_serial[0] != '\0')
		sqlite3_bind_text(s, 4, cert_serial, -1, SQLITE_STATIC);
	if (volume != NULL && volume[0] != '\0')
		sqlite3_bind_text(s, 5, volume, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
	r = item_update(st, item_id, BATCH_ITEM_PREPARED, s);
	store_stmt_done(st, s);
	return r;
}

int
batch_item_done(struct store *st, int64_t item_id, int64_t card_id, const char *cert_serial)
{
	static const char sql[] = "UPDATE batch_items SET state = 'done',"
	    " card_id = coalesce(?2, card_id), cert_serial = coalesce(?3, cert_serial),"
	    " updated_at = ?4 WHERE id = ?1 AND (state = 'pending' OR state = 'prepared')";
	sqlite3_stmt *s = NULL;
	char now[24];
	int r;

	store_now(now, sizeof(now));
	if ((r = store_stmt(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, item_id);
	if (card_id != 0)
		sqlite3_bind_int64(s, 2, card_id);
	if (cert_serial != NULL && cert_serial[0] != '\0')
		sqlite3_bind_text(s, 3, cert_serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	r = item_update(st, item_id, BATCH_ITEM_DONE, s);
	store_stmt_done(st, s);
	return r;
}

int
batch_item_exception(struct store *st, int64_t item_id, const char *code,
    const char *text)
{
	static const char sql[] = "UPDATE batch_items SET state = 'exception',"
	    " exception = ?2, exception_text = ?3, updated_at = ?4"
	    " WHERE id = ?1 AND (state = 'pending' OR state = 'prepared')";
	sqlite3_stmt *s = NULL;
	char now[24];
	int r;

	store_now(now, sizeof(now));
	if ((r = store_stmt(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, item_id);
	sqlite3_bind_text(s, 2, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text != NULL ? text : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	r = item_update(st, item_id, BATCH_ITEM_EXCEPTION, s);
	store_stmt_done(st, s);
	return r;
}

int
batch_store_exception_walk(struct store *st, int64_t run_id,
    int (*fn)(void *arg, const struct batch_exception_row *row), void *arg)
{
	struct batch_exception_row row;
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT i.seq, coalesce(r.person_code, i.list_key,"
	    " '#' || r.id, ''), coalesce(i.list_line, 0), i.exception,"
	    " coalesce(i.exception_text, '') FROM batch_items i"
	    " LEFT JOIN residents r ON r.id = i.resident_id"
	    " WHERE i.run_id = ?1 AND i.state = 'exception' ORDER BY i.seq", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row.seq = sqlite3_column_int64(s, 0);
		row.person_code = (const char *)sqlite3_column_text(s, 1);
		row.list_line = sqlite3_column_int64(s, 2);
		row.code = (const char *)sqlite3_column_text(s, 3);
		row.text = (const char *)sqlite3_column_text(s, 4);
		if ((r = fn(arg, &row)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "read a batch run's exceptions");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}
