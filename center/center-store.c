/*
 * center-store.c: the intake's own SQLite store (with center-elig.c, the
 * only center files that call SQLite). One row per record, keyed by (station, record id): a record
 * is stored once however often it arrives. Rejections are kept apart until
 * the station resubmits the record under the same id.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "center.h"
#include "center-store-int.h"
#include "error.h"
#include "util.h"

static const char center_schema[] =
    "CREATE TABLE IF NOT EXISTS station ("
    "  station_id TEXT PRIMARY KEY,"
    "  contiguous INTEGER NOT NULL DEFAULT 0,"
    "  ack_serial INTEGER NOT NULL DEFAULT 0,"
    "  first_seen TEXT NOT NULL,"
    "  last_seen TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS record ("
    "  station_id TEXT NOT NULL,"
    "  record_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL CHECK (seq > 0),"
    "  attempt INTEGER NOT NULL,"
    "  lane TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  user_number TEXT,"
    "  body TEXT NOT NULL,"
    "  received_at TEXT NOT NULL,"
    "  PRIMARY KEY (station_id, record_id),"
    "  UNIQUE (station_id, seq));"
    "CREATE INDEX IF NOT EXISTS record_user ON record(user_number, kind);"
    "CREATE TABLE IF NOT EXISTS rejection ("
    "  station_id TEXT NOT NULL,"
    "  record_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  code TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  count INTEGER NOT NULL DEFAULT 1,"
    "  at TEXT NOT NULL,"
    "  PRIMARY KEY (station_id, record_id));"
    "CREATE INDEX IF NOT EXISTS rejection_seq ON rejection(station_id, seq);"
    /* Every rejection and acknowledgement made, with its time: the
     * operators' status page draws rates from them (center-status-data.c). */
    "CREATE TABLE IF NOT EXISTS rejection_log ("
    "  station_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  code TEXT NOT NULL,"
    "  at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS rejection_log_at ON rejection_log(at);"
    "CREATE TABLE IF NOT EXISTS ack_log ("
    "  station_id TEXT NOT NULL,"
    "  serial INTEGER NOT NULL,"
    "  at TEXT NOT NULL,"
    "  PRIMARY KEY (station_id, serial));"
    /* Audit chain heads the stations' batches carried, and alerts. */
    "CREATE TABLE IF NOT EXISTS audit_head ("
    "  station_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL CHECK (seq >= 0),"
    "  hash TEXT NOT NULL,"
    "  batch INTEGER NOT NULL,"
    "  received TEXT NOT NULL,"
    "  PRIMARY KEY (station_id, seq, hash));"
    /* Revocations and reinstatements that came before the issuance of
     * their card: stored and acknowledged, applied when it arrives. */
    "CREATE TABLE IF NOT EXISTS held_revocation ("
    "  station_id TEXT NOT NULL,"
    "  record_id TEXT NOT NULL,"
    "  user_number TEXT NOT NULL,"
    "  received TEXT NOT NULL,"
    "  PRIMARY KEY (station_id, record_id));"
    "CREATE TABLE IF NOT EXISTS audit_alert ("
    "  station_id TEXT NOT NULL,"
    "  batch INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  received TEXT NOT NULL);";

int
center_db_err(struct center_store *cs, const char *what)
{
	int ec = sqlite3_errcode(cs->db);

	return err_set(ec == SQLITE_BUSY || ec == SQLITE_LOCKED ? NHI_ESTORE_BUSY :
	    NHI_ESTORE, "center store %s: %s: %s", cs->path, what,
	    sqlite3_errmsg(cs->db));
}

static void
now_utc(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
center_store_open(const char *path, struct center_store **out)
{
	struct center_store *cs = xcalloc(1, sizeof(*cs));
	int r;

	cs->path = xstrdup(path);
	if (sqlite3_open_v2(path, &cs->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK) {
		r = center_db_err(cs, "open");
		goto out;
	}
	sqlite3_busy_timeout(cs->db, 5000);
	if (sqlite3_exec(cs->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(cs->db, center_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(cs->db, center_elig_schema, NULL, NULL, NULL) != SQLITE_OK) {
		r = center_db_err(cs, "schema");
		goto out;
	}
	*out = cs;
	cs = NULL;
	r = 0;
out:
	center_store_close(cs);
	return r;
}

void
center_store_close(struct center_store *cs)
{
	if (cs == NULL)
		return;
	center_elig_close(cs);
	sqlite3_close(cs->db);
	free(cs->path);
	free(cs);
}

int
center_store_begin(struct center_store *cs)
{
	if (sqlite3_exec(cs->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return center_db_err(cs, "begin");
	return 0;
}

int
center_store_commit(struct center_store *cs)
{
	if (sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return center_db_err(cs, "commit");
	return 0;
}

void
center_store_rollback(struct center_store *cs)
{
	sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
prep(struct center_store *cs, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(cs->db, sql, -1, st, NULL) != SQLITE_OK)
		return center_db_err(cs, "prepare");
	return 0;
}

static int
station_touch(struct center_store *cs, const char *station)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT INTO station(station_id, first_seen, last_seen) "
	    "VALUES (?1, ?2, ?2) ON CONFLICT(station_id) DO UPDATE SET last_seen=?2",
	    &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, "station");
	sqlite3_finalize(st);
	return r;
}

int
center_store_put(struct center_store *cs, const struct center_record *rec,
    enum center_put *res)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r, rc;

	if ((r = station_touch(cs, rec->station)) != 0)
		goto out;
	if ((r = prep(cs, "SELECT seq FROM record WHERE station_id=?1 AND "
	    "(record_id=?2 OR seq=?3)", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rec->seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t held = sqlite3_column_int64(st, 0);
		int same_id;

		sqlite3_finalize(st);
		st = NULL;
		/* Which of the two matched? Ask for the id itself. */
		if ((r = prep(cs, "SELECT 1 FROM record WHERE station_id=?1 AND "
		    "record_id=?2 AND seq=?3", &st)) != 0)
			goto out;
		sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rec->record_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, rec->seq);
		same_id = sqlite3_step(st) == SQLITE_ROW;
		if (!same_id) {
			r = err_set(NHI_ECONFLICT, "station %s record %s seq %lld: "
			    "conflicts with a held record (seq %lld)", rec->station,
			    rec->record_id, (long long)rec->seq, (long long)held);
			goto out;
		}
		*res = CENTER_PUT_DUPLICATE;
		r = 0;
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = center_db_err(cs, "record lookup");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT INTO record(station_id, record_id, seq, lane, kind,"
	    " user_number, body, received_at, attempt) VALUES (?1,?2,?3,?4,?5,?6,?7,"
	    "?8,?9)", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rec->seq);
	sqlite3_bind_text(st, 4, rec->lane, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, rec->kind, -1, SQLITE_STATIC);
	if (rec->user_number != NULL)
		sqlite3_bind_text(st, 6, rec->user_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, rec->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, rec->attempt);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = center_db_err(cs, "record insert");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = prep(cs, "DELETE FROM rejection WHERE station_id=?1 AND record_id=?2",
	    &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = center_db_err(cs, "rejection clear");
		goto out;
	}
	*res = CENTER_PUT_STORED;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
center_store_reject(struct center_store *cs, const struct center_record *rec,
    const char *code, const char *reason)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	if ((r = station_touch(cs, rec->station)) != 0)
		return r;
	now_utc(now, sizeof(now));
	/* A record already stored under this id stays stored: never rejected. */
	if ((r = prep(cs, "INSERT INTO rejection(station_id, record_id, seq, attempt,"
	    " code, reason, at) SELECT ?1,?2,?3,?4,?5,?6,?7 WHERE NOT EXISTS (SELECT 1"
	    " FROM record WHERE station_id=?1 AND record_id=?2) "
	    "ON CONFLICT(station_id, record_id) DO UPDATE SET seq=?3, attempt=?4, "
	    "code=?5, reason=?6, at=?7, count=count+1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rec->seq);
	sqlite3_bind_int64(st, 4, rec->attempt);
	sqlite3_bind_text(st, 5, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, "rejection");
	sqlite3_finalize(st);
	st = NULL;
	if (r != 0 || sqlite3_changes(cs->db) == 0)
		return r;
	if ((r = prep(cs, "INSERT INTO rejection_log(station_id, seq, code, at)"
	    " VALUES (?1, ?2, ?3, ?4)", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rec->seq);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, "rejection log");
	sqlite3_finalize(st);
	return r;
}

int
center_store_next_serial(struct center_store *cs, const char *station,
    int64_t *serial)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	if ((r = prep(cs, "UPDATE station SET ack_serial=ack_serial+1 WHERE "
	    "station_id=?1 RETURNING ack_serial", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*serial = sqlite3_column_int64(st, 0);
		r = 0;
	} else
		r = center_db_err(cs, "acknowledgement serial");
	sqlite3_finalize(st);
	st = NULL;
	if (r != 0)
		return r;
	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT OR REPLACE INTO ack_log(station_id, serial, at)"
	    " VALUES (?1, ?2, ?3)", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, *serial);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, "acknowledgement log");
	sqlite3_finalize(st);
	return r;
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
	sqlite3_stmt *st = NULL;
	char line[400];
	int r;

	if ((r = prep(cs, "SELECT seq FROM record WHERE station_id=?1 AND seq>?2 "
	    "ORDER BY seq", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, through);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(line, sizeof(line), "held %lld\n",
		    (long long)sqlite3_column_int64(st, 0));
		append(text, len, line);
	}
	sqlite3_finalize(st);
	if ((r = prep(cs, "SELECT seq, record_id, attempt, code, reason FROM rejection"
	    " WHERE station_id=?1 ORDER BY seq", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(line, sizeof(line), "reject %lld %s %lld %.31s %.255s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4));
		append(text, len, line);
	}
	sqlite3_finalize(st);
	return 0;
}

int
center_store_user_known(struct center_store *cs, const char *user_number,
    int *known)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = prep(cs, "SELECT 1 FROM record WHERE user_number=?1 AND "
	    "kind='card_issued' LIMIT 1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, user_number, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*known = rc == SQLITE_ROW;
		r = 0;
	} else
		r = center_db_err(cs, "user number lookup");
	sqlite3_finalize(st);
	return r;
}

int
center_store_contiguous(struct center_store *cs, const char *station, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int r;

	/* Start from the remembered value: sequences below it are all held. */
	if ((r = prep(cs, "SELECT contiguous FROM station WHERE station_id=?1", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	/* Processed: stored or rejected. */
	if ((r = prep(cs, "SELECT seq FROM record WHERE station_id=?1 AND seq>?2 "
	    "UNION SELECT seq FROM rejection WHERE station_id=?1 AND seq>?2 "
	    "ORDER BY 1", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	while (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == n + 1)
		n++;
	sqlite3_finalize(st);
	st = NULL;
	if ((r = prep(cs, "UPDATE station SET contiguous=?2 WHERE station_id=?1",
	    &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = center_db_err(cs, "station update");
		goto out;
	}
	*out = n;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
center_store_count(struct center_store *cs, const char *station, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(cs, station != NULL ?
	    "SELECT count(*) FROM record WHERE station_id=?1" :
	    "SELECT count(*) FROM record", &st)) != 0)
		return r;
	if (station != NULL)
		sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		r = 0;
	} else
		r = center_db_err(cs, "count");
	sqlite3_finalize(st);
	return r;
}

/* Append the gaps (sequence numbers neither stored nor rejected, below the
 * highest processed) of one station. */
static int
status_gaps(struct center_store *cs, const char *station, char **buf)
{
	sqlite3_stmt *st = NULL;
	int64_t prev = 0, s;
	char *b = *buf, *nb;
	int r, any = 0;

	/* A rejected sequence number is processed, not missing. */
	if ((r = prep(cs, "SELECT seq FROM record WHERE station_id=?1 UNION "
	    "SELECT seq FROM rejection WHERE station_id=?1 ORDER BY 1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = sqlite3_column_int64(st, 0);
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
	sqlite3_finalize(st);
	nb = xasprintf("%s%s\n", b, any ? "" : "none");
	free(b);
	*buf = nb;
	return 0;
}

int
center_store_hold_revocation(struct center_store *cs, const struct center_record *rec)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT OR IGNORE INTO held_revocation (station_id, record_id,"
	    " user_number, received) VALUES (?1, ?2, ?3, ?4)", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, rec->station, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rec->user_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, "hold a revocation");
	sqlite3_finalize(st);
	return r;
}

int
center_store_apply_held(struct center_store *cs, const char *user_number, int64_t *applied)
{
	sqlite3_stmt *st = NULL;
	int r;

	*applied = 0;
	if ((r = prep(cs, "DELETE FROM held_revocation WHERE user_number = ?1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, user_number, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = center_db_err(cs, "apply held revocations");
	else
		*applied = sqlite3_changes(cs->db);
	sqlite3_finalize(st);
	return r;
}

int
center_store_held_count(struct center_store *cs, const char *user_number, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(cs, "SELECT count(*) FROM held_revocation WHERE ?1 IS NULL OR"
	    " user_number = ?1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, user_number, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = center_db_err(cs, "count held revocations");
	else
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

int
center_store_audit_head(struct center_store *cs, const char *station, int64_t batch,
    int64_t seq, const char *hash, const char **alert)
{
	sqlite3_stmt *st = NULL;
	char now[32], *detail = NULL;
	int64_t max_seq = -1;
	int r, rc, forked = 0;

	*alert = NULL;
	now_utc(now, sizeof(now));
	if ((r = prep(cs, "SELECT coalesce(max(seq), -1), (SELECT count(*) FROM audit_head"
	    " WHERE station_id = ?1 AND seq = ?2 AND hash <> ?3) FROM audit_head"
	    " WHERE station_id = ?1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = center_db_err(cs, "read audit heads");
		goto out;
	}
	max_seq = sqlite3_column_int64(st, 0);
	forked = sqlite3_column_int(st, 1) > 0;
	sqlite3_finalize(st);
	st = NULL;
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
		if ((r = prep(cs, "INSERT INTO audit_alert (station_id, batch, kind, detail,"
		    " received) VALUES (?1, ?2, ?3, ?4, ?5)", &st)) != 0)
			goto out;
		sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, batch);
		sqlite3_bind_text(st, 3, *alert, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			r = center_db_err(cs, "record an audit alert");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if ((r = prep(cs, "INSERT OR IGNORE INTO audit_head (station_id, seq, hash, batch,"
	    " received) VALUES (?1, ?2, ?3, ?4, ?5)", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, batch);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = center_db_err(cs, "keep an audit head");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	free(detail);
	return r;
}

int
center_store_audit_heads(struct center_store *cs, const char *station, char **out)
{
	sqlite3_stmt *st = NULL;
	char *b = xstrdup(""), *nb;
	int r, rc;

	if ((r = prep(cs, "SELECT seq, hash FROM audit_head WHERE station_id = ?1"
	    " AND seq > 0 ORDER BY seq, received", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nb = xasprintf("%s%lld %s\n", b, (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
		free(b);
		b = nb;
	}
	if (rc != SQLITE_DONE) {
		r = center_db_err(cs, "read audit heads");
		goto out;
	}
	*out = b;
	b = NULL;
	r = 0;
out:
	sqlite3_finalize(st);
	free(b);
	return r;
}

/* Append the station's audit alerts to *buf ("audit ALERT kind: detail"). */
static int
status_alerts(struct center_store *cs, const char *station, char **buf)
{
	sqlite3_stmt *st = NULL;
	char *nb;
	int r, rc;

	if ((r = prep(cs, "SELECT count(*) FROM held_revocation WHERE station_id = ?1",
	    &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
		nb = xasprintf("%s  revocations held for an issuance not yet received:"
		    " %lld\n", *buf, (long long)sqlite3_column_int64(st, 0));
		free(*buf);
		*buf = nb;
	}
	sqlite3_finalize(st);
	st = NULL;

	if ((r = prep(cs, "SELECT kind, detail FROM audit_alert WHERE station_id = ?1"
	    " ORDER BY rowid", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, station, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nb = xasprintf("%s  audit ALERT %s: %s\n", *buf,
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
		free(*buf);
		*buf = nb;
	}
	r = rc == SQLITE_DONE ? 0 : center_db_err(cs, "read audit alerts");
	sqlite3_finalize(st);
	return r;
}

int
center_store_status(struct center_store *cs, char **out)
{
	sqlite3_stmt *st = NULL;
	char *b = xstrdup(""), *nb, *station = NULL;
	int64_t held, contiguous, highest, rejected;
	int r;

	if ((r = prep(cs, "SELECT s.station_id, "
	    "(SELECT count(*) FROM record r WHERE r.station_id=s.station_id), "
	    "(SELECT coalesce(max(seq),0) FROM record r WHERE r.station_id=s.station_id), "
	    "(SELECT count(*) FROM rejection j WHERE j.station_id=s.station_id) "
	    "FROM station s ORDER BY s.station_id", &st)) != 0)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		free(station);
		station = xstrdup((const char *)sqlite3_column_text(st, 0));
		held = sqlite3_column_int64(st, 1);
		highest = sqlite3_column_int64(st, 2);
		rejected = sqlite3_column_int64(st, 3);
		if ((r = center_store_contiguous(cs, station, &contiguous)) != 0)
			goto out;
		nb = xasprintf("%sstation %s: held %lld, contiguous %lld, highest %lld, "
		    "rejected %lld, gaps ", b, station, (long long)held,
		    (long long)contiguous, (long long)highest, (long long)rejected);
		free(b);
		b = nb;
		if ((r = status_gaps(cs, station, &b)) != 0 ||
		    (r = status_alerts(cs, station, &b)) != 0)
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
	sqlite3_finalize(st);
	free(station);
	free(b);
	return r;
}
