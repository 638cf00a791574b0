/*
 * store-eligibility.c: NHI eligibility periods (history kept: corrections
 * add a period and supersede the old one) and the town's other benefit
 * certificates attached to the same person.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "store-res-int.h"
#include "util.h"

void
store_eligibility_from_row(sqlite3_stmt *s, struct eligibility *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->resident_id = sqlite3_column_int64(s, 1);
	store_col_text(s, 2, e->insurer_number, sizeof(e->insurer_number));
	store_col_text(s, 3, e->symbol, sizeof(e->symbol));
	store_col_text(s, 4, e->number, sizeof(e->number));
	store_col_text(s, 5, e->branch, sizeof(e->branch));
	store_col_text(s, 6, e->cert_kind, sizeof(e->cert_kind));
	e->short_months = sqlite3_column_int(s, 7);
	store_col_text(s, 8, e->acquired_on, sizeof(e->acquired_on));
	store_col_text(s, 9, e->lost_on, sizeof(e->lost_on));
	store_col_text(s, 10, e->valid_until, sizeof(e->valid_until));
	e->burden_pct = sqlite3_column_int(s, 11);
	store_col_text(s, 12, e->burden_from, sizeof(e->burden_from));
	e->special_address = sqlite3_column_int(s, 13);
	e->superseded_by = sqlite3_column_int64(s, 14);
	store_col_text(s, 15, e->source, sizeof(e->source));
	store_col_text(s, 16, e->note, sizeof(e->note));
	store_col_text(s, 17, e->recorded_at, sizeof(e->recorded_at));
}

static void
bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL && v[0] != '\0')
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* A period's columns as ?1 to ?13, in the order of eligibility_periods'
 * insert (store_eligibility_insert) and its twin lookup
 * (store_eligibility_find_same). */
static void
bind_period(sqlite3_stmt *s, const struct eligibility *e)
{
	sqlite3_bind_int64(s, 1, e->resident_id);
	sqlite3_bind_text(s, 2, e->insurer_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, e->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, e->number, -1, SQLITE_STATIC);
	bind_opt(s, 5, e->branch);
	sqlite3_bind_text(s, 6, e->cert_kind, -1, SQLITE_STATIC);
	if (e->short_months != 0)
		sqlite3_bind_int(s, 7, e->short_months);
	sqlite3_bind_text(s, 8, e->acquired_on, -1, SQLITE_STATIC);
	bind_opt(s, 9, e->lost_on);
	bind_opt(s, 10, e->valid_until);
	if (e->burden_pct != 0)
		sqlite3_bind_int(s, 11, e->burden_pct);
	bind_opt(s, 12, e->burden_from);
	sqlite3_bind_int(s, 13, e->special_address ? 1 : 0);
}

int
store_eligibility_insert(struct store *st, struct eligibility *e, const char *now)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "INSERT INTO eligibility_periods (resident_id,"
	    " insurer_number, symbol, number, branch, cert_kind, short_months, acquired_on,"
	    " lost_on, valid_until, burden_pct, burden_from, special_address, source, note,"
	    " recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16)", &s)) != 0)
		return r;
	bind_period(s, e);
	sqlite3_bind_text(s, 14, e->source[0] ? e->source : "extract", -1, SQLITE_STATIC);
	bind_opt(s, 15, e->note);
	sqlite3_bind_text(s, 16, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "add eligibility period");
	else {
		e->id = sqlite3_last_insert_rowid(st->db);
		snprintf(e->recorded_at, sizeof(e->recorded_at), "%s", now);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_eligibility_supersede(struct store *st, int64_t old, int64_t by)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "UPDATE eligibility_periods SET superseded_by = ?2"
	    " WHERE id = ?1 AND superseded_by IS NULL", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, old);
	sqlite3_bind_int64(s, 2, by);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "supersede eligibility period");
	else if (sqlite3_changes(st->db) == 0)
		r = err_set(NHI_ESTATE, "eligibility period #%lld is already superseded",
		    (long long)old);
	else
		r = 0;
	sqlite3_finalize(s);
	return r;
}

int
store_eligibility_find_same(struct store *st, const struct eligibility *e, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	*id = 0;
	if ((r = store_prepare(st, "SELECT id FROM eligibility_periods WHERE resident_id = ?1"
	    " AND insurer_number = ?2 AND symbol = ?3 AND number = ?4 AND branch IS ?5"
	    " AND cert_kind = ?6 AND short_months IS ?7 AND acquired_on = ?8 AND lost_on IS ?9"
	    " AND valid_until IS ?10 AND burden_pct IS ?11 AND burden_from IS ?12"
	    " AND special_address = ?13 AND superseded_by IS NULL ORDER BY id LIMIT 1", &s)) != 0)
		return r;
	bind_period(s, e);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, rc, "find eligibility period");
	sqlite3_finalize(s);
	return r;
}

int
store_eligibility_add(struct store *st, struct eligibility *e, int64_t supersedes)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc, own = !st->in_txn;

	store_now(now, sizeof(now));
	if (own && (r = store_begin(st)) != 0)
		return r;
	if (supersedes != 0) {
		if ((r = store_prepare(st, "SELECT resident_id, superseded_by FROM"
		    " eligibility_periods WHERE id = ?1", &s)) != 0)
			goto out;
		sqlite3_bind_int64(s, 1, supersedes);
		if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
			r = rc == SQLITE_DONE ? err_set(NHI_ENOTFOUND, "no eligibility period #%lld",
			    (long long)supersedes) : store_err(st, rc, "read eligibility period");
			goto out;
		}
		if (sqlite3_column_int64(s, 0) != e->resident_id) {
			r = err_set(NHI_ECONFLICT, "eligibility period #%lld belongs to another "
			    "resident", (long long)supersedes);
			goto out;
		}
		if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
			r = err_set(NHI_ESTATE, "eligibility period #%lld is already superseded",
			    (long long)supersedes);
			goto out;
		}
	}
	if ((r = store_eligibility_insert(st, e, now)) != 0)
		goto out;
	if (supersedes != 0 && (r = store_eligibility_supersede(st, supersedes, e->id)) != 0)
		goto out;
	if (own && (r = store_commit(st)) != 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(s);
	if (r != 0 && own)
		store_rollback(st);
	return r;
}

int
store_eligibility_current(struct store *st, int64_t resident_id, const char *on,
    struct eligibility *out)
{
	sqlite3_stmt *s = NULL;
	char today[11];
	int r, rc;

	if (on == NULL) {
		time_today_jst_iso(today, sizeof(today));
		on = today;
	}
	if ((r = store_stmt(st, "SELECT " ELIGIBILITY_COLUMNS " FROM eligibility_periods"
	    " WHERE resident_id = ?1 AND superseded_by IS NULL AND acquired_on <= ?2"
	    " AND (lost_on IS NULL OR lost_on > ?2)"
	    " ORDER BY acquired_on DESC, id DESC LIMIT 1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	sqlite3_bind_text(s, 2, on, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_eligibility_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "resident #%lld has no NHI eligibility on %s",
		    (long long)resident_id, on);
	else
		r = store_err(st, rc, "read eligibility");
	store_stmt_done(st, s);
	return r;
}

int
store_eligibility_list(struct store *st, int64_t resident_id, int all,
    struct eligibility **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct eligibility *list = NULL;
	size_t cnt = 0, cap = 0;
	int r, rc;

	if ((r = store_prepare(st, all ?
	    "SELECT " ELIGIBILITY_COLUMNS " FROM eligibility_periods WHERE resident_id = ?1"
	    " ORDER BY acquired_on, id" :
	    "SELECT " ELIGIBILITY_COLUMNS " FROM eligibility_periods WHERE resident_id = ?1"
	    " AND superseded_by IS NULL ORDER BY acquired_on, id", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		store_eligibility_from_row(s, &list[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		free(list);
		r = store_err(st, rc, "list eligibility");
	} else {
		*out = list;
		*n = cnt;
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_benefit_list(struct store *st, int64_t resident_id, struct benefit **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct benefit *list = NULL;
	size_t cnt = 0, cap = 0;
	int r, rc;

	if ((r = store_prepare(st, "SELECT id, resident_id, kind, coalesce(payer_number, ''),"
	    " coalesce(recipient_number, ''), coalesce(valid_from, ''), coalesce(valid_until, '')"
	    " FROM benefits WHERE resident_id = ?1 AND superseded_by IS NULL"
	    " ORDER BY kind, valid_from, id", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		memset(&list[cnt], 0, sizeof(list[cnt]));
		list[cnt].id = sqlite3_column_int64(s, 0);
		list[cnt].resident_id = sqlite3_column_int64(s, 1);
		store_col_text(s, 2, list[cnt].kind, sizeof(list[cnt].kind));
		store_col_text(s, 3, list[cnt].payer_number, sizeof(list[cnt].payer_number));
		store_col_text(s, 4, list[cnt].recipient_number, sizeof(list[cnt].recipient_number));
		store_col_text(s, 5, list[cnt].valid_from, sizeof(list[cnt].valid_from));
		store_col_text(s, 6, list[cnt].valid_until, sizeof(list[cnt].valid_until));
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		free(list);
		r = store_err(st, rc, "list benefits");
	} else {
		*out = list;
		*n = cnt;
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_eligibility_get(struct store *st, int64_t id, struct eligibility *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " ELIGIBILITY_COLUMNS " FROM eligibility_periods"
	    " WHERE id = ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_eligibility_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no eligibility period #%lld", (long long)id);
	else
		r = store_err(st, rc, "read eligibility period");
	sqlite3_finalize(s);
	return r;
}
