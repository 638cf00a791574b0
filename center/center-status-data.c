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

/* Statements here run once per page: prepared, not kept. */
#define Q(cs, st, sql, ...)	center_q((cs), 0, (st), (sql), __VA_ARGS__)

/* The text of a column (NULL stays NULL), the caller's. */
static char *
col_dup(struct center_stmt *st, int i)
{
	const char *t = db_col_text(st, i);

	return t != NULL ? xstrdup(t) : NULL;
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
	struct center_stmt *st;
	int r, rc, i;

	if ((r = Q(cs, &st, sql, station != NULL ? "tt" : "t", s->day[0],
	    station)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW)
		if ((i = day_index(s, db_col_text(st, 0))) >= 0)
			out[i] = db_col_int64(st, 1);
	db_finalize(st);
	return rc == DB_DONE ? 0 : center_db_err(cs, "status page: per day");
}

/* One integer from `sql` with the station bound to ?1. */
static int
one_int(struct center_store *cs, const char *sql, const char *station, int64_t *out)
{
	struct center_stmt *st;
	int r;

	if ((r = Q(cs, &st, sql, "t", station)) != 0)
		return r;
	return center_q_int(cs, st, "status page", out);
}

/* Contiguous mark and gaps: sequences processed (stored or rejected). */
static int
station_seqs(struct center_store *cs, struct center_status_station *t)
{
	struct center_stmt *st;
	int64_t prev = 0, s;
	char *g, *ng;
	int r, rc, cut = 0;

	if ((r = Q(cs, &st, "SELECT seq FROM record WHERE station_id=?1 UNION "
	    "SELECT seq FROM rejection WHERE station_id=?1 ORDER BY 1", "t",
	    t->id)) != 0)
		return r;
	g = xstrdup("");
	while ((rc = db_step(st)) == DB_ROW) {
		s = db_col_int64(st, 0);
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
	db_finalize(st);
	return rc == DB_DONE ? 0 : center_db_err(cs, "status page: gaps");
}

static int
station_rejections(struct center_store *cs, struct center_status_station *t)
{
	struct center_stmt *st;
	struct center_status_rejection *j;
	int r, rc;

	if ((r = Q(cs, &st, "SELECT seq, record_id, code, reason, at FROM rejection"
	    " WHERE station_id=?1 ORDER BY seq LIMIT ?2", "td", t->id,
	    CENTER_STATUS_REJECTIONS)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		t->rej = xreallocarray(t->rej, t->nrej + 1, sizeof(*t->rej));
		j = &t->rej[t->nrej++];
		j->seq = db_col_int64(st, 0);
		j->record_id = col_dup(st, 1);
		j->code = col_dup(st, 2);
		j->reason = col_dup(st, 3);
		j->at = col_dup(st, 4);
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : center_db_err(cs, "status page: rejections");
}

static int
station_audit(struct center_store *cs, struct center_status_station *t)
{
	struct center_stmt *st;
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
	if ((r = Q(cs, &st, "SELECT kind || ': ' || detail FROM audit_alert WHERE"
	    " station_id=?1 ORDER BY rowid DESC LIMIT 1", "t", t->id)) != 0)
		return r;
	if (db_step(st) == DB_ROW)
		t->alert = col_dup(st, 0);
	db_finalize(st);
	return 0;
}

static int
read_stations(struct center_store *cs, struct center_status *s)
{
	struct center_stmt *st;
	struct center_status_station *t;
	int r, rc;
	size_t i;

	if ((r = Q(cs, &st, "SELECT s.station_id, s.last_seen, s.ack_serial,"
	    " (SELECT count(*) FROM record r WHERE r.station_id=s.station_id),"
	    " (SELECT coalesce(max(seq),0) FROM record r WHERE r.station_id=s.station_id),"
	    " (SELECT count(*) FROM rejection j WHERE j.station_id=s.station_id),"
	    " (SELECT max(at) FROM ack_log a WHERE a.station_id=s.station_id)"
	    " FROM station s ORDER BY s.station_id", "")) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		s->st = xreallocarray(s->st, s->nst + 1, sizeof(*s->st));
		t = &s->st[s->nst++];
		memset(t, 0, sizeof(*t));
		t->id = col_dup(st, 0);
		t->last_batch = col_dup(st, 1);
		t->ack_serial = db_col_int64(st, 2);
		t->held = db_col_int64(st, 3);
		t->highest = db_col_int64(st, 4);
		t->rejected = db_col_int64(st, 5);
		t->last_ack = col_dup(st, 6);
	}
	db_finalize(st);
	r = rc == DB_DONE ? 0 : center_db_err(cs, "status page: stations");
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
	struct center_stmt *st;
	struct center_status_clinic *c;
	char hour[21], day[21];
	int r, rc;

	utc_text(now - 3600, 0, hour, sizeof(hour));
	utc_text(now - 86400, 0, day, sizeof(day));
	/* Registered clinics, and codes that asked without being registered. */
	if ((r = Q(cs, &st, "WITH c(code, name) AS (SELECT code, name FROM clinic UNION"
	    " SELECT DISTINCT clinic, NULL FROM query_log WHERE at >= ?2 AND clinic NOT"
	    " IN (SELECT code FROM clinic)) SELECT c.code, c.name,"
	    " (SELECT count(*) FROM query_log q WHERE q.clinic=c.code AND q.at >= ?1),"
	    " (SELECT count(*) FROM query_log q WHERE q.clinic=c.code AND q.at >= ?2),"
	    " (SELECT count(*) FROM query_log q WHERE q.clinic=c.code AND q.at >= ?2"
	    "  AND q.outcome NOT IN " ANSWERED ")"
	    " FROM c ORDER BY c.code", "tt", hour, day)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		s->cl = xreallocarray(s->cl, s->ncl + 1, sizeof(*s->cl));
		c = &s->cl[s->ncl++];
		c->code = col_dup(st, 0);
		c->name = col_dup(st, 1);
		c->last_hour = db_col_int64(st, 2);
		c->last_day = db_col_int64(st, 3);
		c->refused_day = db_col_int64(st, 4);
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : center_db_err(cs, "status page: clinics");
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
	if (DB_OPS(cs->db)->begin(cs->db, DB_TXN_READ) != 0)
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
		DB_OPS(cs->db)->rollback(cs->db);
		center_status_free(out);
		return r;
	}
	(void)DB_OPS(cs->db)->commit(cs->db);
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
