/*
 * center-status-data.c: what the operators' status page shows, read from
 * the center's store (read only: nothing is written, not even the
 * remembered contiguous mark): per station the records held, the
 * contiguous mark, gaps, outstanding rejections, the last batch and
 * acknowledgement, the audit heads' continuity; per clinic the query
 * rate; per day of the last CENTER_STATUS_DAYS (UTC) records, rejections
 * and queries. The page itself: center-status-html.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center.h"
#include "center-store-int.h"
#include "error.h"
#include "util.h"

static int
prep(struct center_store *cs, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(cs->db, sql, -1, st, NULL) != SQLITE_OK)
		return center_db_err(cs, "prepare (status page)");
	return 0;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* Unix time as UTC text: the time "YYYY-MM-DDTHH:MM:SSZ" (day 0) or the
 * day "YYYY-MM-DD" (day 1). */
static void
utc_text(int64_t t, int day, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (day)
		strftime(buf, len, "%Y-%m-%d", &tm);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The window's index of a day "YYYY-MM-DD", or -1. */
static int
day_index(const struct center_status *s, const char *day)
{
	int i;

	if (day == NULL)
		return -1;
	for (i = 0; i < CENTER_STATUS_DAYS; i++)
		if (strncmp(s->day[i], day, 10) == 0)
			return i;
	return -1;
}

/* Count per day: `sql` selects (day, count) with ?1 the first day (and
 * ?2 the station if `station`). */
static int
per_day(struct center_store *cs, const struct center_status *s, const char *sql,
    const char *station, int64_t out[CENTER_STATUS_DAYS])
{
	sqlite3_stmt *st = NULL;
	int r, rc, i;

	if ((r = prep(cs, sql, &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, s->day[0], -1, SQLITE_STATIC);
	if (station != NULL)
		sqlite3_bind_text(st, 2, station, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((i = day_index(s, (const char *)sqlite3_column_text(st, 0))) >= 0)
			out[i] = sqlite3_column_int64(st, 1);
	r = rc == SQLITE_DONE ? 0 : center_db_err(cs, "status page: per day");
	sqlite3_finalize(st);
	return r;
}

/* One integer from `sql` with the station bound to ?1. */
static int
one_int(struct center_store *cs, const char *sql, const char *station, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(cs, sql, &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		r = 0;
	} else
		r = center_db_err(cs, "status page");
	sqlite3_finalize(st);
	return r;
}

/* Contiguous mark and gaps: sequences processed (stored or rejected). */
static int
station_seqs(struct center_store *cs, struct center_status_station *t)
{
	sqlite3_stmt *st = NULL;
	int64_t prev = 0, s;
	char *g = xstrdup(""), *ng;
	int r, rc, cut = 0;

	if ((r = prep(cs, "SELECT seq FROM record WHERE station_id=?1 UNION "
	    "SELECT seq FROM rejection WHERE station_id=?1 ORDER BY 1", &st)) != 0) {
		free(g);
		return r;
	}
	sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s = sqlite3_column_int64(st, 0);
		if (s > prev + 1) {
			if (!cut)
				t->contiguous = prev;
			cut = 1;
			ng = s == prev + 2 ?
			    xasprintf("%s%s%lld", g, *g ? "," : "", (long long)prev + 1) :
			    xasprintf("%s%s%lld-%lld", g, *g ? "," : "",
			    (long long)prev + 1, (long long)s - 1);
			free(g);
			g = ng;
		}
		prev = s;
	}
	if (!cut)
		t->contiguous = prev;
	t->gaps = g;
	r = rc == SQLITE_DONE ? 0 : center_db_err(cs, "status page: gaps");
	sqlite3_finalize(st);
	return r;
}

static int
station_rejections(struct center_store *cs, struct center_status_station *t)
{
	sqlite3_stmt *st = NULL;
	struct center_status_rejection *j;
	int r, rc;

	if ((r = prep(cs, "SELECT seq, record_id, code, reason, at FROM rejection"
	    " WHERE station_id=?1 ORDER BY seq LIMIT ?2", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, CENTER_STATUS_REJECTIONS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t->rej = xreallocarray(t->rej, t->nrej + 1, sizeof(*t->rej));
		j = &t->rej[t->nrej++];
		j->seq = sqlite3_column_int64(st, 0);
		j->record_id = col_dup(st, 1);
		j->code = col_dup(st, 2);
		j->reason = col_dup(st, 3);
		j->at = col_dup(st, 4);
	}
	r = rc == SQLITE_DONE ? 0 : center_db_err(cs, "status page: rejections");
	sqlite3_finalize(st);
	return r;
}

static int
station_audit(struct center_store *cs, struct center_status_station *t)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = one_int(cs, "SELECT count(*) FROM audit_head WHERE station_id=?1",
	    t->id, &t->heads)) != 0 ||
	    (r = one_int(cs, "SELECT coalesce(max(seq), -1) FROM audit_head WHERE"
	    " station_id=?1", t->id, &t->head_seq)) != 0 ||
	    (r = one_int(cs, "SELECT count(*) FROM audit_alert WHERE station_id=?1",
	    t->id, &t->alerts)) != 0 ||
	    (r = one_int(cs, "SELECT count(*) FROM held_revocation WHERE station_id=?1",
	    t->id, &t->held_revocations)) != 0)
		return r;
	if (t->alerts == 0)
		return 0;
	if ((r = prep(cs, "SELECT kind || ': ' || detail FROM audit_alert WHERE"
	    " station_id=?1 ORDER BY rowid DESC LIMIT 1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t->alert = col_dup(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
read_stations(struct center_store *cs, struct center_status *s)
{
	sqlite3_stmt *st = NULL;
	struct center_status_station *t;
	int r, rc;
	size_t i;

	if ((r = prep(cs, "SELECT s.station_id, s.last_seen, s.ack_serial,"
	    " (SELECT count(*) FROM record r WHERE r.station_id=s.station_id),"
	    " (SELECT coalesce(max(seq),0) FROM record r WHERE r.station_id=s.station_id),"
	    " (SELECT count(*) FROM rejection j WHERE j.station_id=s.station_id),"
	    " (SELECT max(at) FROM ack_log a WHERE a.station_id=s.station_id)"
	    " FROM station s ORDER BY s.station_id", &st)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->st = xreallocarray(s->st, s->nst + 1, sizeof(*s->st));
		t = &s->st[s->nst++];
		memset(t, 0, sizeof(*t));
		t->id = col_dup(st, 0);
		t->last_batch = col_dup(st, 1);
		t->ack_serial = sqlite3_column_int64(st, 2);
		t->held = sqlite3_column_int64(st, 3);
		t->highest = sqlite3_column_int64(st, 4);
		t->rejected = sqlite3_column_int64(st, 5);
		t->last_ack = col_dup(st, 6);
	}
	r = rc == SQLITE_DONE ? 0 : center_db_err(cs, "status page: stations");
	sqlite3_finalize(st);
	for (i = 0; r == 0 && i < s->nst; i++) {
		t = &s->st[i];
		if ((r = station_seqs(cs, t)) != 0 ||
		    (r = station_rejections(cs, t)) != 0 ||
		    (r = station_audit(cs, t)) != 0)
			break;
		r = per_day(cs, s, "SELECT substr(received_at, 1, 10), count(*) FROM"
		    " record WHERE received_at >= ?1 AND station_id = ?2 GROUP BY 1",
		    t->id, t->records_day);
	}
	return r;
}

/* The outcomes a clinic got an answer with; anything else was refused. */
#define ANSWERED "('insured', 'no_such_card', 'revoked', 'other_insurer'," \
	" 'period_ended', 'no_period')"

static int
read_clinics(struct center_store *cs, struct center_status *s, int64_t now)
{
	sqlite3_stmt *st = NULL;
	struct center_status_clinic *c;
	char hour[21], day[21];
	int r, rc;

	utc_text(now - 3600, 0, hour, sizeof(hour));
	utc_text(now - 86400, 0, day, sizeof(day));
	/* Registered clinics, and codes that asked without being registered. */
	if ((r = prep(cs, "WITH c(code, name) AS (SELECT code, name FROM clinic UNION"
	    " SELECT DISTINCT clinic, NULL FROM query_log WHERE at >= ?2 AND clinic NOT"
	    " IN (SELECT code FROM clinic)) SELECT c.code, c.name,"
	    " (SELECT count(*) FROM query_log q WHERE q.clinic=c.code AND q.at >= ?1),"
	    " (SELECT count(*) FROM query_log q WHERE q.clinic=c.code AND q.at >= ?2),"
	    " (SELECT count(*) FROM query_log q WHERE q.clinic=c.code AND q.at >= ?2"
	    "  AND q.outcome NOT IN " ANSWERED ")"
	    " FROM c ORDER BY c.code", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, hour, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->cl = xreallocarray(s->cl, s->ncl + 1, sizeof(*s->cl));
		c = &s->cl[s->ncl++];
		c->code = col_dup(st, 0);
		c->name = col_dup(st, 1);
		c->last_hour = sqlite3_column_int64(st, 2);
		c->last_day = sqlite3_column_int64(st, 3);
		c->refused_day = sqlite3_column_int64(st, 4);
	}
	r = rc == SQLITE_DONE ? 0 : center_db_err(cs, "status page: clinics");
	sqlite3_finalize(st);
	return r;
}

int
center_status_read(struct center_store *cs, int64_t now, struct center_status *out)
{
	int r, i;

	memset(out, 0, sizeof(*out));
	utc_text(now, 0, out->now, sizeof(out->now));
	for (i = 0; i < CENTER_STATUS_DAYS; i++)
		utc_text(now - (int64_t)(CENTER_STATUS_DAYS - 1 - i) * 86400, 1,
		    out->day[i], sizeof(out->day[i]));
	/* One read transaction: the numbers agree with each other. */
	if (sqlite3_exec(cs->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return center_db_err(cs, "status page: begin");
	if ((r = read_stations(cs, out)) != 0 ||
	    (r = read_clinics(cs, out, now)) != 0 ||
	    (r = per_day(cs, out, "SELECT substr(received_at, 1, 10), count(*) FROM"
	    " record WHERE received_at >= ?1 GROUP BY 1", NULL, out->records_day)) != 0 ||
	    (r = per_day(cs, out, "SELECT substr(at, 1, 10), count(*) FROM rejection_log"
	    " WHERE at >= ?1 GROUP BY 1", NULL, out->rejections_day)) != 0 ||
	    (r = per_day(cs, out, "SELECT substr(at, 1, 10), count(*) FROM query_log"
	    " WHERE at >= ?1 GROUP BY 1", NULL, out->queries_day)) != 0 ||
	    (r = per_day(cs, out, "SELECT substr(at, 1, 10), count(*) FROM query_log"
	    " WHERE at >= ?1 AND outcome NOT IN " ANSWERED " GROUP BY 1", NULL,
	    out->refused_day)) != 0) {
		sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
		center_status_free(out);
		return r;
	}
	sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL);
	return 0;
}

void
center_status_free(struct center_status *s)
{
	size_t i, j;

	for (i = 0; i < s->nst; i++) {
		struct center_status_station *t = &s->st[i];

		for (j = 0; j < t->nrej; j++) {
			free(t->rej[j].record_id);
			free(t->rej[j].code);
			free(t->rej[j].reason);
			free(t->rej[j].at);
		}
		free(t->rej);
		free(t->id);
		free(t->gaps);
		free(t->last_batch);
		free(t->last_ack);
		free(t->alert);
	}
	free(s->st);
	for (i = 0; i < s->ncl; i++) {
		free(s->cl[i].code);
		free(s->cl[i].name);
	}
	free(s->cl);
	memset(s, 0, sizeof(*s));
}
