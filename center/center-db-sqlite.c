/*
 * center-db-sqlite.c: the center's database interface (center-db.h) on
 * one SQLite file: WAL, synchronous=FULL, a busy timeout. The embedded
 * engine of the demo, the tests and a pilot; backups through SQLite's
 * online backup API, which copies a live database page by page.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "center-db.h"
#include "center-db-ckpt.h"
#include "util.h"

#define SQLITE_KEEP	48

struct sl_stmt {
	struct center_stmt_head h;
	sqlite3_stmt	*st;
	int		 kept;
};

struct sl_db {
	struct center_db_head h;
	sqlite3		*db;
	const char	*kept_sql[SQLITE_KEEP];
	struct sl_stmt	*kept[SQLITE_KEEP];
	size_t		 nkept;
	/* A failed COMMIT's error, kept past the PRAGMA that follows it. */
	int		 saved;
	int		 saved_code;
	char		 saved_err[300];
	struct sl_ckpt	*ckpt;		/* serving: the checkpoint thread */
};

#define SL(db)	((struct sl_db *)(void *)(db))
#define SS(st)	((struct sl_stmt *)(void *)(st))

static void
sl_close(struct center_db *d)
{
	struct sl_db *db = SL(d);
	size_t i;

	if (db == NULL)
		return;
	sl_ckpt_stop(db->ckpt);
	for (i = 0; i < db->nkept; i++) {
		sqlite3_finalize(db->kept[i]->st);
		free(db->kept[i]);
	}
	sqlite3_close(db->db);
	free(db->h.target);
	free(db);
}

static int
sl_open(const char *target, struct center_db **out, char *err, size_t errlen)
{
	struct sl_db *db = xcalloc(1, sizeof(*db));

	db->h.ops = &center_db_sqlite;
	db->h.target = xstrdup(target);
	if (sqlite3_open_v2(target, &db->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", db->db != NULL ? sqlite3_errmsg(db->db) :
		    "out of memory");
		sl_close((struct center_db *)db);
		return -1;
	}
	sqlite3_busy_timeout(db->db, 5000);
	*out = (struct center_db *)db;
	return 0;
}

static int
sl_exec(struct center_db *d, const char *sql)
{
	return sqlite3_exec(SL(d)->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int
sl_begin(struct center_db *d, enum db_txn how)
{
	SL(d)->saved = 0;
	switch (how) {
	case DB_TXN_RELAXED:
		/* The query log may lose its last rows in a power cut. */
		if (sl_exec(d, "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE") == 0)
			return 0;
		(void)sl_exec(d, "PRAGMA synchronous=FULL");
		return -1;
	case DB_TXN_READ:
		return sl_exec(d, "BEGIN");
	default:
		return sl_exec(d, "BEGIN IMMEDIATE");
	}
}

static int
sl_commit(struct center_db *d)
{
	struct sl_db *db = SL(d);
	int r = sl_exec(d, "COMMIT");

	if (r != 0) {
		/* A full disk fails here: say so, not the PRAGMA's "not an error". */
		db->saved = 1;
		db->saved_code = sqlite3_errcode(db->db);
		snprintf(db->saved_err, sizeof(db->saved_err), "%s",
		    sqlite3_errmsg(db->db));
	}
	(void)sqlite3_exec(SL(d)->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	return r;
}

static void
sl_rollback(struct center_db *d)
{
	(void)sqlite3_exec(SL(d)->db, "ROLLBACK", NULL, NULL, NULL);
	(void)sqlite3_exec(SL(d)->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
}

static int
sl_prepare(struct center_db *d, const char *sql, int keep, struct center_stmt **out)
{
	struct sl_db *db = SL(d);
	struct sl_stmt *st;
	size_t i;

	db->saved = 0;

	if (keep)
		for (i = 0; i < db->nkept; i++)
			if (db->kept_sql[i] == sql) {
				*out = (struct center_stmt *)db->kept[i];
				return 0;
			}
	st = xcalloc(1, sizeof(*st));
	st->h.ops = &center_db_sqlite;
	if (sqlite3_prepare_v3(db->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0,
	    &st->st, NULL) != SQLITE_OK) {
		free(st);
		return -1;
	}
	if (keep && db->nkept < SQLITE_KEEP) {
		st->kept = 1;
		db->kept_sql[db->nkept] = sql;
		db->kept[db->nkept++] = st;
	}
	*out = (struct center_stmt *)st;
	return 0;
}

static void
sl_bind_text(struct center_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(SS(st)->st, i);
	else
		sqlite3_bind_text(SS(st)->st, i, s, -1, SQLITE_TRANSIENT);
}

static void
sl_bind_int64(struct center_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(SS(st)->st, i, v);
}

static int
sl_step(struct center_stmt *st)
{
	int rc = sqlite3_step(SS(st)->st);

	return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : DB_ERROR;
}

static const char *
sl_col_text(struct center_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(SS(st)->st, i);
}

static int64_t
sl_col_int64(struct center_stmt *st, int i)
{
	return sqlite3_column_int64(SS(st)->st, i);
}

static void
sl_finalize(struct center_stmt *st)
{
	if (SS(st)->kept) {
		sqlite3_reset(SS(st)->st);
		sqlite3_clear_bindings(SS(st)->st);
		return;
	}
	sqlite3_finalize(SS(st)->st);
	free(st);
}

/* In process: nothing to gain by holding a statement back. */
static int
sl_defer(struct center_stmt *s)
{
	int r = SS(s)->h.ops->step(s) == DB_DONE ? 0 : -1;

	SS(s)->h.ops->finalize(s);
	return r;
}

static int64_t
sl_changes(struct center_db *d)
{
	return sqlite3_changes(SL(d)->db);
}

static const char *
sl_errmsg(struct center_db *d)
{
	return SL(d)->saved ? SL(d)->saved_err : sqlite3_errmsg(SL(d)->db);
}

static int
sl_retryable(struct center_db *d)
{
	int ec = SL(d)->saved ? SL(d)->saved_code : sqlite3_errcode(SL(d)->db);

	return ec == SQLITE_BUSY || ec == SQLITE_LOCKED;
}

static int
sl_alive(struct center_db *d)
{
	(void)d;
	return 1;
}

/* Copy every page of `from` into `to` (the online backup API: readers and
 * writers of `from` go on meanwhile; a write restarts the copy). */
static int
sl_copy(sqlite3 *from, sqlite3 *to)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	int rc;

	if (b == NULL)
		return -1;
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
sl_backup(struct center_db *d, const char *dest)
{
	sqlite3 *to = NULL;
	int r;

	if (sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK) {
		sqlite3_close(to);
		return -1;
	}
	r = sl_copy(SL(d)->db, to);
	if (r != 0)
		fprintf(stderr, "nhicard-center: backup to %s: %s\n", dest,
		    sqlite3_errmsg(to));
	sqlite3_close(to);
	return r;
}

static int
sl_restore(struct center_db *d, const char *src)
{
	sqlite3 *from = NULL;
	int r;

	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_exec(from, "SELECT count(*) FROM schema_migration", NULL, NULL,
	    NULL) != SQLITE_OK) {
		fprintf(stderr, "nhicard-center: restore from %s: not a center backup:"
		    " %s\n", src, sqlite3_errmsg(from));
		sqlite3_close(from);
		return -1;
	}
	r = sl_copy(from, SL(d)->db);
	sqlite3_close(from);
	return r;
}

static int
sl_upkeep_start(struct center_db *d, char *err, size_t errlen)
{
	struct sl_db *db = SL(d);

	if (db->ckpt != NULL)
		return 0;
	return sl_ckpt_start(db->db, db->h.target, &db->ckpt, err, errlen);
}

static void
sl_upkeep_stop(struct center_db *d)
{
	sl_ckpt_stop(SL(d)->ckpt);
	SL(d)->ckpt = NULL;
}

const struct center_db_ops center_db_sqlite = {
	.name = "sqlite",
	.open = sl_open, .close = sl_close, .exec = sl_exec,
	.begin = sl_begin, .commit = sl_commit, .rollback = sl_rollback,
	.prepare = sl_prepare, .bind_text = sl_bind_text,
	.bind_int64 = sl_bind_int64, .step = sl_step, .col_text = sl_col_text,
	.col_int64 = sl_col_int64, .finalize = sl_finalize, .defer = sl_defer,
	.changes = sl_changes, .errmsg = sl_errmsg, .retryable = sl_retryable,
	.alive = sl_alive, .backup = sl_backup, .restore = sl_restore,
	.upkeep_start = sl_upkeep_start, .upkeep_stop = sl_upkeep_stop,
};
