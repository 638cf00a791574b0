/*
 * center-store.c: the intake's own SQLite store (with center-elig.c, the
 * only center files that call SQLite). One row per record, keyed by (station, record id): a record
 * is stored once however often it arrives. Rejections are kept apart until
 * the station resubmits the record under the same id.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center.h"
#include "center-store-int.h"
#include "error.h"
#include "util.h"

int
center_db_err(struct center_store *cs, const char *what)
{
	const struct center_db_ops *ops = DB_OPS(cs->db);

	return err_set(ops->retryable(cs->db) ? NHI_ESTORE_BUSY : NHI_ESTORE,
	    "center store (%s) %s: %s: %s", ops->name,
	    ((struct center_db_head *)(void *)cs->db)->target, what,
	    ops->errmsg(cs->db));
}

void
center_now_utc(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
center_q(struct center_store *cs, int keep, struct center_stmt **st, const char *sql,
    const char *kinds, ...)
{
	va_list ap;

	*st = NULL;
	if (DB_OPS(cs->db)->prepare(cs->db, sql, keep, st) != 0)
		return center_db_err(cs, "prepare");
	va_start(ap, kinds);
	db_vbind(*st, kinds, ap);
	va_end(ap);
	return 0;
}

int
center_q_done(struct center_store *cs, struct center_stmt *st, const char *what)
{
	int r = db_step(st) == DB_DONE ? 0 : center_db_err(cs, what);

	db_finalize(st);
	return r;
}

int
center_q_int(struct center_store *cs, struct center_stmt *st, const char *what,
    int64_t *out)
{
	int r = 0;

	if (db_step(st) == DB_ROW)
		*out = db_col_int64(st, 0);
	else
		r = center_db_err(cs, what);
	db_finalize(st);
	return r;
}

int
center_store_open(const char *target, struct center_store **out)
{
	const struct center_db_ops *ops;
	struct center_store *cs;
	const char *conn;
	char err[300];
	int64_t have;
	int r, applied;

	ops = center_db_engine(target, &conn);
	cs = xcalloc(1, sizeof(*cs));
	if (ops->open(conn, &cs->db, err, sizeof(err)) != 0) {
		r = err_set(ops == &center_db_pg ? NHI_ESTORE_BUSY : NHI_ESTORE,
		    "center store (%s): cannot open %s: %s", ops->name,
		    ops == &center_db_pg ? "the database" : target, err);
		free(cs);
		return r;
	}
	/* A SQLite store is created (and migrated) on first use; a
	 * PostgreSQL one is migrated by `nhicard-center db migrate`. */
	if (ops == &center_db_sqlite) {
		if ((r = center_migrate(cs, &applied)) != 0)
			goto fail;
	} else {
		if ((r = center_migrate_version(cs, &have)) != 0)
			goto fail;
		if (have < center_migrate_latest(cs)) {
			r = err_set(NHI_ESTORE, "center store (%s) %s: schema version %lld,"
			    " this center needs %d: run nhicard-center db migrate",
			    ops->name, ((struct center_db_head *)(void *)cs->db)->target,
			    (long long)have, center_migrate_latest(cs));
			goto fail;
		}
	}
	*out = cs;
	return 0;
fail:
	center_store_close(cs);
	return r;
}

/* Open without applying or checking the schema (db migrate, restore). */
int
center_store_open_bare(const char *target, struct center_store **out)
{
	const struct center_db_ops *ops;
	struct center_store *cs;
	const char *conn;
	char err[300];

	ops = center_db_engine(target, &conn);
	cs = xcalloc(1, sizeof(*cs));
	if (ops->open(conn, &cs->db, err, sizeof(err)) != 0) {
		free(cs);
		return err_set(NHI_ESTORE, "center store (%s): cannot open %s: %s",
		    ops->name, ops == &center_db_pg ? "the database" : target, err);
	}
	*out = cs;
	return 0;
}

int
center_store_replica(struct center_store *cs, const char *target)
{
	struct center_store *rs;
	int64_t have;
	int r;

	if ((r = center_store_open_bare(target, &rs)) != 0)
		return r;
	/* A replica is not migrated by us: its primary's schema arrives. */
	if ((r = center_migrate_version(rs, &have)) != 0 ||
	    (have != center_migrate_latest(rs) && (r = err_set(NHI_ESTORE,
	    "replica (%s) %s: schema version %lld, this center needs %d",
	    DB_OPS(rs->db)->name, ((struct center_db_head *)(void *)rs->db)->target,
	    (long long)have, center_migrate_latest(rs))) != 0)) {
		center_store_close(rs);
		return r;
	}
	center_store_close(cs->replica);
	cs->replica = rs;
	return 0;
}

int
center_store_upkeep_start(struct center_store *cs)
{
	const struct center_db_ops *ops = DB_OPS(cs->db);
	char err[512];

	if (ops->upkeep_start == NULL)
		return 0;
	if (ops->upkeep_start(cs->db, err, sizeof(err)) != 0)
		return err_set(NHI_ESTORE, "center store (%s): %s", ops->name, err);
	return 0;
}

void
center_store_upkeep_stop(struct center_store *cs)
{
	const struct center_db_ops *ops = DB_OPS(cs->db);

	if (ops->upkeep_stop != NULL)
		ops->upkeep_stop(cs->db);
}

struct center_store *
center_store_reader(struct center_store *cs)
{
	if (cs->replica == NULL)
		return cs;
	(void)DB_OPS(cs->replica->db)->alive(cs->replica->db);
	return cs->replica;
}

void
center_store_close(struct center_store *cs)
{
	if (cs == NULL)
		return;
	center_store_close(cs->replica);
	DB_OPS(cs->db)->close(cs->db);
	free(cs);
}

int
center_store_begin(struct center_store *cs)
{
	cs->touched[0] = '\0';
	if (DB_OPS(cs->db)->begin(cs->db, DB_TXN_WRITE) != 0)
		return center_db_err(cs, "begin");
	return 0;
}

int
center_store_commit(struct center_store *cs)
{
	cs->touched[0] = '\0';
	if (DB_OPS(cs->db)->commit(cs->db) != 0)
		return center_db_err(cs, "commit");
	return 0;
}

void
center_store_rollback(struct center_store *cs)
{
	cs->touched[0] = '\0';
	DB_OPS(cs->db)->rollback(cs->db);
}

int
center_store_engine(struct center_store *cs, const char **name, int64_t *version,
    int *latest)
{
	*name = DB_OPS(cs->db)->name;
	*latest = center_migrate_latest(cs);
	return center_migrate_version(cs, version);
}

int
center_store_backup(struct center_store *cs, const char *dest)
{
	if (DB_OPS(cs->db)->backup(cs->db, dest) != 0)
		return err_set(NHI_ESTORE, "center store backup to %s: %s", dest,
		    DB_OPS(cs->db)->errmsg(cs->db));
	return 0;
}

int
center_store_restore(struct center_store *cs, const char *src)
{
	if (DB_OPS(cs->db)->restore(cs->db, src) != 0)
		return err_set(NHI_ESTORE, "center store restore from %s: %s", src,
		    DB_OPS(cs->db)->errmsg(cs->db));
	return 0;
}

static int
station_touch(struct center_store *cs, const char *station)
{
	struct center_stmt *st;
	char now[32];
	int r;

	if (strcmp(cs->touched, station) == 0)
		return 0;
	center_now_utc(now, sizeof(now));
	if ((r = center_q(cs, 1, &st, "INSERT INTO station(station_id, first_seen,"
	    " last_seen) VALUES (?1, ?2, ?2) ON CONFLICT(station_id) DO UPDATE SET"
	    " last_seen=?2", "tt", station, now)) != 0 ||
	    (r = center_q_done(cs, st, "station")) != 0)
		return r;
	/* With none outstanding, storing a record has no rejection to clear. */
	if ((r = center_q(cs, 1, &st, "SELECT count(*) FROM rejection WHERE"
	    " station_id=?1", "t", station)) != 0 ||
	    (r = center_q_int(cs, st, "rejections", &cs->touched_rejections)) != 0)
		return r;
	snprintf(cs->touched, sizeof(cs->touched), "%s", station);
	return 0;
}

int
center_store_put(struct center_store *cs, const struct center_record *rec,
    enum center_put *res)
{
	struct center_stmt *st = NULL;
	char now[32];
	int64_t held;
	int r, rc, same_id;

	if ((r = station_touch(cs, rec->station)) != 0)
		return r;
	/* Most records are new: insert, and look only when a key was taken.
	 * The same record at another process at this moment: the key makes
	 * this insert wait for the other's commit, then do nothing. */
	center_now_utc(now, sizeof(now));
	if ((r = center_q(cs, 1, &st, "INSERT INTO record(station_id, record_id, seq,"
	    " lane, kind, user_number, body, received_at, attempt) VALUES (?1,?2,?3,"
	    "?4,?5,?6,?7,?8,?9) ON CONFLICT DO NOTHING", "ttittttti", rec->station,
	    rec->record_id, rec->seq, rec->lane, rec->kind, rec->user_number,
	    rec->text, now, rec->attempt)) != 0 ||
	    (r = center_q_done(cs, st, "record insert")) != 0)
		return r;
	if (DB_OPS(cs->db)->changes(cs->db) == 1) {
		if (cs->touched_rejections > 0 &&
		    ((r = center_q(cs, 1, &st, "DELETE FROM rejection WHERE station_id=?1"
		    " AND record_id=?2", "tt", rec->station, rec->record_id)) != 0 ||
		    (r = center_q_done(cs, st, "rejection clear")) != 0))
			return r;
		*res = CENTER_PUT_STORED;
		return 0;
	}
	/* Held under this id or this seq? Both the same: a duplicate. */
	if ((r = center_q(cs, 1, &st, "SELECT seq, record_id = ?2 AND seq = ?3 FROM"
	    " record WHERE station_id=?1 AND (record_id=?2 OR seq=?3)"
	    " ORDER BY 2 DESC LIMIT 1", "tti", rec->station, rec->record_id,
	    rec->seq)) != 0)
		return r;
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_finalize(st);
		return rc == DB_DONE ? err_set(NHI_ESTORE_BUSY, "station %s record %s:"
		    " a key was taken but no record holds it: run again", rec->station,
		    rec->record_id) : center_db_err(cs, "record lookup");
	}
	held = db_col_int64(st, 0);
	same_id = db_col_int64(st, 1) != 0;
	db_finalize(st);
	if (!same_id)
		return err_set(NHI_ECONFLICT, "station %s record %s seq %lld: "
		    "conflicts with a held record (seq %lld)", rec->station,
		    rec->record_id, (long long)rec->seq, (long long)held);
	*res = CENTER_PUT_DUPLICATE;
	return 0;
}

/* The multi-row statements of center_store_put_many and
 * center_elig_periods_many: "PREFIX (?1,...,?k),(?k+1,...),... SUFFIX" for
 * n rows of k columns. Full chunks' text is made once and kept (a statement
 * is kept by its text's address); a shorter one is made for the call. */
char *
center_rows_sql(const char *prefix, size_t n, size_t k, const char *suffix)
{
	size_t i, j, len = strlen(prefix) + strlen(suffix) + n * k * 8 + n * 4 + 1;
	char *sql = xmalloc(len), *p = sql;

	p += snprintf(p, len, "%s", prefix);
	for (i = 0; i < n; i++) {
		*p++ = i > 0 ? ',' : ' ';
		*p++ = '(';
		for (j = 0; j < k; j++)
			p += snprintf(p, len - (size_t)(p - sql), "%s?%zu", j > 0 ? "," : "",
			    i * k + j + 1);
		*p++ = ')';
	}
	snprintf(p, len - (size_t)(p - sql), "%s", suffix);
	return sql;
}

int
center_store_put_many(struct center_store *cs, const struct center_record *recs,
    size_t n, int *stored)
{
	static char *full;	/* CENTER_PUT_CHUNK rows: made once, kept */
	struct center_stmt *st = NULL;
	const char *pre = "INSERT INTO record(station_id, record_id, seq, lane, kind,"
	    " user_number, body, received_at, attempt) VALUES";
	const char *suf = " ON CONFLICT DO NOTHING RETURNING record_id";
	char now[32], *sql;
	size_t i, j;
	int r, rc, keep = n == CENTER_PUT_CHUNK;

	if (n == 0)
		return 0;
	if (n > CENTER_PUT_CHUNK)
		return err_set(NHI_EINTERNAL, "center_store_put_many: %zu rows", n);
	if ((r = station_touch(cs, recs[0].station)) != 0)
		return r;
	/* One process makes the text; the intake's threads share the store
	 * lock, so this runs under it. */
	if (keep && full == NULL)
		full = center_rows_sql(pre, CENTER_PUT_CHUNK, 9, suf);
	sql = keep ? full : center_rows_sql(pre, n, 9, suf);
	center_now_utc(now, sizeof(now));
	if (DB_OPS(cs->db)->prepare(cs->db, sql, keep, &st) != 0) {
		r = center_db_err(cs, "prepare");
		goto out;
	}
	for (i = 0; i < n; i++) {
		int b = (int)(i * 9);

		db_bind_text(st, b + 1, recs[i].station);
		db_bind_text(st, b + 2, recs[i].record_id);
		db_bind_int64(st, b + 3, recs[i].seq);
		db_bind_text(st, b + 4, recs[i].lane);
		db_bind_text(st, b + 5, recs[i].kind);
		db_bind_text(st, b + 6, recs[i].user_number);
		db_bind_text(st, b + 7, recs[i].text);
		db_bind_text(st, b + 8, now);
		db_bind_int64(st, b + 9, recs[i].attempt);
		stored[i] = 0;
	}
	/* The rows inserted come back (the others' keys were held: duplicates
	 * or conflicts, for center_store_put to tell apart). Ids repeat
	 * within a batch only in a broken one: the first row takes the id. */
	while ((rc = db_step(st)) == DB_ROW) {
		const char *id = db_col_text(st, 0);

		for (i = 0; i < n; i++)
			if (!stored[i] && id != NULL && strcmp(recs[i].record_id, id) == 0) {
				stored[i] = 1;
				break;
			}
	}
	db_finalize(st);
	st = NULL;
	if (rc != DB_DONE) {
		r = center_db_err(cs, "record insert");
		goto out;
	}
	/* A resubmitted record clears its rejection (only a station with
	 * some outstanding has any to clear). */
	for (j = 0; j < n && cs->touched_rejections > 0; j++)
		if (stored[j] && ((r = center_q(cs, 1, &st, "DELETE FROM rejection WHERE"
		    " station_id=?1 AND record_id=?2", "tt", recs[j].station,
		    recs[j].record_id)) != 0 ||
		    (r = center_q_done(cs, st, "rejection clear")) != 0))
			goto out;
	r = 0;
out:
	if (!keep)
		free(sql);
	return r;
}

int
center_store_reject(struct center_store *cs, const struct center_record *rec,
    const char *code, const char *reason)
{
	struct center_stmt *st;
	char now[32];
	int r;

	if ((r = station_touch(cs, rec->station)) != 0)
		return r;
	center_now_utc(now, sizeof(now));
	/* A record already stored under this id stays stored: never rejected. */
	if ((r = center_q(cs, 1, &st, "INSERT INTO rejection(station_id, record_id, seq,"
	    " attempt, code, reason, at) SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT),"
	    " CAST(?3 AS BIGINT), CAST(?4 AS BIGINT), CAST(?5 AS TEXT),"
	    " CAST(?6 AS TEXT), CAST(?7 AS TEXT) WHERE NOT EXISTS (SELECT 1"
	    " FROM record WHERE station_id=?1 AND record_id=?2) "
	    "ON CONFLICT(station_id, record_id) DO UPDATE SET seq=?3, attempt=?4, "
	    "code=?5, reason=?6, at=?7, count=rejection.count+1", "ttiittt",
	    rec->station, rec->record_id, rec->seq, rec->attempt, code, reason,
	    now)) != 0 || (r = center_q_done(cs, st, "rejection")) != 0)
		return r;
	if (DB_OPS(cs->db)->changes(cs->db) == 0)
		return 0;
	cs->touched_rejections++;
	if ((r = center_q(cs, 1, &st, "INSERT INTO rejection_log(station_id, seq, code,"
	    " at) VALUES (?1, ?2, ?3, ?4)", "titt", rec->station, rec->seq, code,
	    now)) != 0)
		return r;
	return center_q_done(cs, st, "rejection log");
}

int
center_store_next_serial(struct center_store *cs, const char *station,
    int64_t *serial)
{
	struct center_stmt *st;
	char now[32];
	int r;

	if ((r = center_q(cs, 1, &st, "UPDATE station SET ack_serial=ack_serial+1 WHERE"
	    " station_id=?1 RETURNING ack_serial", "t", station)) != 0 ||
	    (r = center_q_int(cs, st, "acknowledgement serial", serial)) != 0)
		return r;
	center_now_utc(now, sizeof(now));
	if ((r = center_q(cs, 1, &st, "INSERT INTO ack_log(station_id, serial, at)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (station_id, serial) DO UPDATE SET"
	    " at = ?3", "tit", station, *serial, now)) != 0)
		return r;
	return center_q_done(cs, st, "acknowledgement log");
}

static void
append(char **text, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*text = xrealloc(*text, *len + n + 1);
	memcpy(*text + *len, s, n + 1);
	*len += n;
}

int
center_store_ack_lines(struct center_store *cs, const char *station, int64_t through,
    char **text, size_t *len)
{
	struct center_stmt *st;
	char line[400];
	int r, rc;

	if ((r = center_q(cs, 1, &st, "SELECT seq FROM record WHERE station_id=?1 AND"
	    " seq>?2 ORDER BY seq", "ti", station, through)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		snprintf(line, sizeof(line), "held %lld\n", (long long)db_col_int64(st, 0));
		append(text, len, line);
	}
	db_finalize(st);
	if (rc != DB_DONE)
		return center_db_err(cs, "held records");
	if ((r = center_q(cs, 1, &st, "SELECT seq, record_id, attempt, code, reason FROM"
	    " rejection WHERE station_id=?1 ORDER BY seq", "t", station)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		snprintf(line, sizeof(line), "reject %lld %s %lld %.31s %.255s\n",
		    (long long)db_col_int64(st, 0), db_col_text(st, 1),
		    (long long)db_col_int64(st, 2), db_col_text(st, 3),
		    db_col_text(st, 4));
		append(text, len, line);
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : center_db_err(cs, "rejections");
}

int
center_store_user_known(struct center_store *cs, const char *user_number,
    int *known)
{
	struct center_stmt *st;
	int r, rc;

	if ((r = center_q(cs, 1, &st, "SELECT 1 FROM record WHERE user_number=?1 AND "
	    "kind='card_issued' LIMIT 1", "t", user_number)) != 0)
		return r;
	rc = db_step(st);
	db_finalize(st);
	if (rc == DB_ERROR)
		return center_db_err(cs, "user number lookup");
	*known = rc == DB_ROW;
	return 0;
}

int
center_store_contiguous(struct center_store *cs, const char *station, int64_t *out)
{
	struct center_stmt *st;
	int64_t n = 0;
	int r, rc;

	/* Start from the remembered value: sequences below it are all held. */
	if ((r = center_q(cs, 1, &st, "SELECT contiguous FROM station WHERE"
	    " station_id=?1", "t", station)) != 0)
		return r;
	if ((rc = db_step(st)) == DB_ROW)
		n = db_col_int64(st, 0);
	db_finalize(st);
	if (rc == DB_ERROR)
		return center_db_err(cs, "contiguous mark");
	/* Processed: stored or rejected. */
	if ((r = center_q(cs, 1, &st, "SELECT seq FROM record WHERE station_id=?1 AND"
	    " seq>?2 UNION SELECT seq FROM rejection WHERE station_id=?1 AND seq>?2 "
	    "ORDER BY 1", "ti", station, n)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW && db_col_int64(st, 0) == n + 1)
		n++;
	db_finalize(st);
	if (rc == DB_ERROR)
		return center_db_err(cs, "contiguous mark");
	if ((r = center_q(cs, 1, &st, "UPDATE station SET contiguous=?2 WHERE"
	    " station_id=?1", "ti", station, n)) != 0 ||
	    (r = center_q_done(cs, st, "station update")) != 0)
		return r;
	*out = n;
	return 0;
}

int
center_store_count(struct center_store *cs, const char *station, int64_t *out)
{
	struct center_stmt *st;
	int r;

	if ((r = center_q(cs, 0, &st, station != NULL ?
	    "SELECT count(*) FROM record WHERE station_id=?1" :
	    "SELECT count(*) FROM record", station != NULL ? "t" : "", station)) != 0)
		return r;
	return center_q_int(cs, st, "count", out);
}

/* Append the gaps (sequence numbers neither stored nor rejected, below the
 * highest processed) of one station. */
static int
status_gaps(struct center_store *cs, const char *station, char **buf)
{
	struct center_stmt *st;
	int64_t prev = 0, s;
	char *b = *buf, *nb;
	int r, rc, any = 0;

	/* A rejected sequence number is processed, not missing. */
	if ((r = center_q(cs, 0, &st, "SELECT seq FROM record WHERE station_id=?1 UNION "
	    "SELECT seq FROM rejection WHERE station_id=?1 ORDER BY 1", "t",
	    station)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		s = db_col_int64(st, 0);
		if (s > prev + 1) {
			nb = s == prev + 2 ?
			    xasprintf("%s%s%lld", b, any ? "," : "", (long long)prev + 1) :
			    xasprintf("%s%s%lld-%lld", b, any ? "," : "",
			    (long long)prev + 1, (long long)s - 1);
			free(b);
			b = nb;
			any = 1;
		}
		prev = s;
	}
	db_finalize(st);
	nb = xasprintf("%s%s\n", b, any ? "" : "none");
	free(b);
	*buf = nb;
	return rc == DB_DONE ? 0 : center_db_err(cs, "gaps");
}

int
center_store_hold_revocation(struct center_store *cs, const struct center_record *rec)
{
	struct center_stmt *st;
	char now[32];
	int r;

	center_now_utc(now, sizeof(now));
	if ((r = center_q(cs, 1, &st, "INSERT INTO held_revocation (station_id,"
	    " record_id, user_number, received) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT DO NOTHING", "tttt", rec->station, rec->record_id,
	    rec->user_number, now)) != 0)
		return r;
	return center_q_done(cs, st, "hold a revocation");
}

int
center_store_apply_held(struct center_store *cs, const char *user_number, int64_t *applied)
{
	struct center_stmt *st;
	int r;

	*applied = 0;
	if ((r = center_q(cs, 1, &st, "DELETE FROM held_revocation WHERE"
	    " user_number = ?1", "t", user_number)) != 0 ||
	    (r = center_q_done(cs, st, "apply held revocations")) != 0)
		return r;
	*applied = DB_OPS(cs->db)->changes(cs->db);
	return 0;
}

int
center_store_held_count(struct center_store *cs, const char *user_number, int64_t *out)
{
	struct center_stmt *st;
	int r;

	if ((r = center_q(cs, 0, &st, user_number != NULL ?
	    "SELECT count(*) FROM held_revocation WHERE user_number = ?1" :
	    "SELECT count(*) FROM held_revocation", user_number != NULL ? "t" : "",
	    user_number)) != 0)
		return r;
	return center_q_int(cs, st, "count held revocations", out);
}

int
center_store_audit_head(struct center_store *cs, const char *station, int64_t batch,
    int64_t seq, const char *hash, const char **alert)
{
	struct center_stmt *st;
	char now[32], *detail = NULL;
	int64_t max_seq = -1;
	int r, forked = 0;

	*alert = NULL;
	center_now_utc(now, sizeof(now));
	if ((r = center_q(cs, 1, &st, "SELECT coalesce(max(seq), -1), (SELECT count(*)"
	    " FROM audit_head WHERE station_id = ?1 AND seq = ?2 AND hash <> ?3) FROM"
	    " audit_head WHERE station_id = ?1", "tit", station, seq, hash)) != 0)
		return r;
	if (db_step(st) != DB_ROW) {
		db_finalize(st);
		return center_db_err(cs, "read audit heads");
	}
	max_seq = db_col_int64(st, 0);
	forked = db_col_int64(st, 1) > 0;
	db_finalize(st);
	if (forked) {
		*alert = "forked";
		detail = xasprintf("batch %lld: audit head %lld has another hash than the"
		    " one held: the log was rewritten", (long long)batch, (long long)seq);
	} else if (seq < max_seq) {
		*alert = "shrunk";
		detail = xasprintf("batch %lld: audit head %lld is older than head %lld"
		    " held: entries were removed", (long long)batch, (long long)seq,
		    (long long)max_seq);
	}
	if (*alert != NULL) {
		r = center_q(cs, 1, &st, "INSERT INTO audit_alert (station_id, batch, kind,"
		    " detail, received) VALUES (?1, ?2, ?3, ?4, ?5)", "titt"
		    "t", station, batch, *alert, detail, now);
		free(detail);
		if (r != 0 || (r = center_q_done(cs, st, "record an audit alert")) != 0)
			return r;
	}
	if ((r = center_q(cs, 1, &st, "INSERT INTO audit_head (station_id, seq, hash,"
	    " batch, received) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
	    "titit", station, seq, hash, batch, now)) != 0)
		return r;
	return center_q_done(cs, st, "keep an audit head");
}

int
center_store_audit_heads(struct center_store *cs, const char *station, char **out)
{
	struct center_stmt *st;
	char *b, *nb;
	int r, rc;

	if ((r = center_q(cs, 0, &st, "SELECT seq, hash FROM audit_head WHERE"
	    " station_id = ?1 AND seq > 0 ORDER BY seq, received", "t", station)) != 0)
		return r;
	b = xstrdup("");
	while ((rc = db_step(st)) == DB_ROW) {
		nb = xasprintf("%s%lld %s\n", b, (long long)db_col_int64(st, 0),
		    db_col_text(st, 1));
		free(b);
		b = nb;
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		free(b);
		return center_db_err(cs, "read audit heads");
	}
	*out = b;
	return 0;
}

/* Append the station's audit alerts to *buf ("audit ALERT kind: detail"). */
static int
status_alerts(struct center_store *cs, const char *station, char **buf)
{
	struct center_stmt *st;
	int64_t held = 0;
	char *nb;
	int r, rc;

	if ((r = center_q(cs, 0, &st, "SELECT count(*) FROM held_revocation WHERE"
	    " station_id = ?1", "t", station)) != 0 ||
	    (r = center_q_int(cs, st, "held revocations", &held)) != 0)
		return r;
	if (held > 0) {
		nb = xasprintf("%s  revocations held for an issuance not yet received:"
		    " %lld\n", *buf, (long long)held);
		free(*buf);
		*buf = nb;
	}
	if ((r = center_q(cs, 0, &st, "SELECT kind, detail FROM audit_alert WHERE"
	    " station_id = ?1 ORDER BY rowid", "t", station)) != 0)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		nb = xasprintf("%s  audit ALERT %s: %s\n", *buf, db_col_text(st, 0),
		    db_col_text(st, 1));
		free(*buf);
		*buf = nb;
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : center_db_err(cs, "read audit alerts");
}

int
center_store_status(struct center_store *cs, char **out)
{
	struct center_stmt *st = NULL;
	char *b = xstrdup(""), *nb;
	struct {
		char	*id;
		int64_t	 held, highest, rejected;
	} *v = NULL;
	size_t n = 0, i;
	int64_t contiguous;
	int r, rc;

	if ((r = center_q(cs, 0, &st, "SELECT s.station_id, "
	    "(SELECT count(*) FROM record r WHERE r.station_id=s.station_id), "
	    "(SELECT coalesce(max(seq),0) FROM record r WHERE r.station_id=s.station_id), "
	    "(SELECT count(*) FROM rejection j WHERE j.station_id=s.station_id) "
	    "FROM station s ORDER BY s.station_id", "")) != 0)
		goto out;
	/* Read the stations first: the statement is done before the next. */
	while ((rc = db_step(st)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].id = xstrdup(db_col_text(st, 0));
		v[n].held = db_col_int64(st, 1);
		v[n].highest = db_col_int64(st, 2);
		v[n].rejected = db_col_int64(st, 3);
		n++;
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		r = center_db_err(cs, "stations");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = center_store_contiguous(cs, v[i].id, &contiguous)) != 0)
			goto out;
		nb = xasprintf("%sstation %s: held %lld, contiguous %lld, highest %lld, "
		    "rejected %lld, gaps ", b, v[i].id, (long long)v[i].held,
		    (long long)contiguous, (long long)v[i].highest,
		    (long long)v[i].rejected);
		free(b);
		b = nb;
		if ((r = status_gaps(cs, v[i].id, &b)) != 0 ||
		    (r = status_alerts(cs, v[i].id, &b)) != 0)
			goto out;
	}
	if (b[0] == '\0') {
		free(b);
		b = xstrdup("no stations\n");
	}
	*out = b;
	b = NULL;
	r = 0;
out:
	for (i = 0; i < n; i++)
		free(v[i].id);
	free(v);
	free(b);
	return r;
}
