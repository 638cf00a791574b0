/*
 * store-report.c: the store's side of the supervisor's daily report
 * (store-report.h): one read transaction, nothing written. Lists are
 * ordered by time and then id, so the same store and day give the same
 * report.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-int.h"
#include "store-report.h"
#include "util.h"

/* Run `sql` (?1 day, ?2 from, ?3 to, ?4 deadline days, ?5 warn days) and
 * keep its rows: text columns first (up to STORE_REPORT_COLS, `ncols`),
 * then, if `has_n`, an integer, then, if `has_gaiji`, the name flags. */
static int
rows(struct store *st, const struct store_daily *d, int deadline, int warn,
    const char *sql, int ncols, int has_n, int has_gaiji, struct store_report_rows *out)
{
	sqlite3_stmt *stmt = NULL;
	struct store_report_row *row;
	int r, rc, i;

	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, d->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, d->from_utc, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, d->to_utc, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(stmt) >= 4)
		sqlite3_bind_int(stmt, 4, deadline);
	if (sqlite3_bind_parameter_count(stmt) >= 5)
		sqlite3_bind_int(stmt, 5, warn);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->r = xreallocarray(out->r, out->n + 1, sizeof(*out->r));
		row = &out->r[out->n++];
		memset(row, 0, sizeof(*row));
		for (i = 0; i < STORE_REPORT_COLS; i++)
			row->c[i] = i < ncols ? store_col_dup(stmt, i) : xstrdup("");
		if (has_n)
			row->n = sqlite3_column_int64(stmt, ncols);
		if (has_gaiji)
			row->gaiji = (sqlite3_column_int(stmt, ncols + has_n) & 1) != 0;
	}
	r = rc == SQLITE_DONE ? 0 : store_err(st, rc, "read the daily report");
	sqlite3_finalize(stmt);
	return r;
}

static void
rows_free(struct store_report_rows *l)
{
	size_t i;
	int j;

	for (i = 0; i < l->n; i++)
		for (j = 0; j < STORE_REPORT_COLS; j++)
			free(l->r[i].c[j]);
	free(l->r);
	memset(l, 0, sizeof(*l));
}

void
store_report_daily_free(struct store_daily *d)
{
	rows_free(&d->cards);
	rows_free(&d->certs);
	rows_free(&d->voids);
	rows_free(&d->losses);
	rows_free(&d->fees);
	rows_free(&d->unfinished);
	rows_free(&d->held);
	rows_free(&d->actions);
	rows_free(&d->refusals);
}

/* Queue records waiting at the day's end (?3), as a condition on q. */
#define WAITING "q.created_at < ?3 AND (q.acked_at IS NULL OR q.acked_at >= ?3)" \
	" AND (q.rejected_at IS NULL OR q.rejected_at >= ?3)"
/* Age in days at the day's end. */
#define AGE "(julianday(?3) - julianday(q.created_at))"

static int
queue_state(struct store *st, struct store_daily *d, int deadline, int warn)
{
	struct store_report_rows l = { NULL, 0 };
	int r;
	size_t i;

	if ((r = rows(st, d, deadline, warn, "SELECT 'all',"
	    " count(*), 0 FROM queue_records q WHERE " WAITING
	    " UNION ALL SELECT 'revocation', count(*), 0 FROM queue_records q WHERE "
	    WAITING " AND q.lane = 'revocation'"
	    " UNION ALL SELECT 'near', count(*), 0 FROM queue_records q WHERE " WAITING
	    " AND " AGE " >= ?4 - ?5 AND " AGE " < ?4"
	    " UNION ALL SELECT 'past', count(*), 0 FROM queue_records q WHERE " WAITING
	    " AND " AGE " >= ?4"
	    " UNION ALL SELECT 'rejected', count(*), 0 FROM queue_records q WHERE"
	    " q.rejected_at IS NOT NULL AND q.rejected_at < ?3 AND"
	    " (q.retried_at IS NULL OR q.retried_at >= ?3)"
	    " UNION ALL SELECT 'age' || min(CAST(" AGE " AS INTEGER), 5), count(*), 0"
	    " FROM queue_records q WHERE " WAITING " GROUP BY 1", 1, 1, 0, &l)) != 0)
		return r;
	for (i = 0; i < l.n; i++) {
		const char *k = l.r[i].c[0];

		if (strcmp(k, "all") == 0)
			d->q_waiting = l.r[i].n;
		else if (strcmp(k, "revocation") == 0)
			d->q_revocation = l.r[i].n;
		else if (strcmp(k, "near") == 0)
			d->q_near = l.r[i].n;
		else if (strcmp(k, "past") == 0)
			d->q_past = l.r[i].n;
		else if (strcmp(k, "rejected") == 0)
			d->q_rejected = l.r[i].n;
		else if (strncmp(k, "age", 3) == 0 && k[3] >= '0' && k[3] <= '5')
			d->q_age[k[3] - '0'] = l.r[i].n;
	}
	rows_free(&l);
	return 0;
}

static int
week(struct store *st, struct store_daily *d)
{
	struct store_report_rows l = { NULL, 0 };
	size_t i;
	int r, k;

	/* The week's days, and the cards issued on each. */
	if ((r = rows(st, d, 0, 0, "WITH RECURSIVE w(k, day) AS (SELECT 0, date(?1, '-6 days')"
	    " UNION ALL SELECT k + 1, date(day, '+1 day') FROM w WHERE k < 6)"
	    " SELECT w.day, (SELECT count(*) FROM cards c WHERE c.issued_on = w.day)"
	    " FROM w ORDER BY w.k", 1, 1, 0, &l)) != 0)
		return r;
	for (i = 0, k = 0; i < l.n && k < STORE_REPORT_WEEK; i++, k++) {
		snprintf(d->week_day[k], sizeof(d->week_day[k]), "%s", l.r[i].c[0]);
		d->week[k] = l.r[i].n;
	}
	rows_free(&l);
	return 0;
}

static int
day_bounds(struct store *st, struct store_daily *d)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	/* JST is UTC+9 all year. */
	if ((r = store_prepare(st, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-9 hours'),"
	    " strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '+15 hours')", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, d->day, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW ||
	    sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		r = err_set(NHI_EPARSE, "report day '%s': not a date", d->day);
	else {
		store_col_text(stmt, 0, d->from_utc, sizeof(d->from_utc));
		store_col_text(stmt, 1, d->to_utc, sizeof(d->to_utc));
		r = 0;
	}
	sqlite3_finalize(stmt);
	return r;
}

int
store_report_daily(struct store *st, const char *day, int deadline_days, int warn_days,
    struct store_daily *d)
{
	int r, dl = deadline_days, w = warn_days;

	memset(d, 0, sizeof(*d));
	snprintf(d->day, sizeof(d->day), "%s", day);
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_err(st, sqlite3_errcode(st->db), "begin the daily report");
	if ((r = day_bounds(st, d)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT c.kind, count(*) FROM cards c WHERE"
	    " c.issued_on = ?1 GROUP BY c.kind ORDER BY c.kind", 1, 1, 0, &d->cards)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT c.document, c.cert_kind, count(*) FROM"
	    " certificates c WHERE c.issued_at >= ?2 AND c.issued_at < ?3"
	    " GROUP BY 1, 2 ORDER BY 1, 2", 2, 1, 0, &d->certs)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT c.voided_at, c.serial, r.name_kanji,"
	    " c.void_reason, CASE WHEN c.replaced_by IS NULL THEN '' ELSE 'reprint' END,"
	    " r.name_flags FROM certificates c JOIN residents r ON r.id = c.resident_id"
	    " WHERE c.voided_at >= ?2 AND c.voided_at < ?3 ORDER BY c.voided_at, c.id",
	    5, 0, 1, &d->voids)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT e.at, c.card_serial, r.name_kanji,"
	    " e.reported_by, e.report_how, r.name_flags FROM card_events e"
	    " JOIN cards c ON c.id = e.card_id JOIN residents r ON r.id = c.resident_id"
	    " WHERE e.reported_by IS NOT NULL AND e.at >= ?2 AND e.at < ?3"
	    " ORDER BY e.at, e.id", 5, 0, 1, &d->losses)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT c.card_serial, r.name_kanji, c.kind,"
	    " CASE WHEN c.fee_waived THEN 'waived' ELSE '' END, c.fee_yen, r.name_flags"
	    " FROM cards c JOIN residents r ON r.id = c.resident_id WHERE"
	    " c.issued_on = ?1 ORDER BY c.id", 4, 1, 1, &d->fees)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT c.created_at, c.card_serial, r.name_kanji,"
	    " coalesce(c.step, ''), coalesce(c.state_reason, ''), r.name_flags FROM cards c"
	    " JOIN residents r ON r.id = c.resident_id WHERE c.state IN ('personalizing',"
	    " 'unfinished') AND c.created_at < ?3 ORDER BY c.created_at, c.id",
	    5, 0, 1, &d->unfinished)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT h.held_at, h.kind, h.event, h.reason FROM"
	    " held_items h WHERE h.held_at < ?3 AND (h.resolved_at IS NULL OR"
	    " h.resolved_at >= ?3) ORDER BY h.held_at, h.id", 4, 0, 0, &d->held)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT coalesce(a.operator, '-'), a.action, count(*)"
	    " FROM audit_log a WHERE a.at >= ?2 AND a.at < ?3 AND a.outcome = 'ok'"
	    " GROUP BY 1, 2 ORDER BY 1, 2", 2, 1, 0, &d->actions)) != 0 ||
	    (r = rows(st, d, dl, w, "SELECT a.at, coalesce(a.operator, '-'), a.action,"
	    " a.outcome, coalesce(a.detail, '') FROM audit_log a WHERE a.at >= ?2 AND"
	    " a.at < ?3 AND a.outcome <> 'ok' ORDER BY a.seq", 5, 0, 0, &d->refusals)) != 0 ||
	    (r = queue_state(st, d, dl, w)) != 0 ||
	    (r = week(st, d)) != 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		store_report_daily_free(d);
		return r;
	}
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return 0;
}
