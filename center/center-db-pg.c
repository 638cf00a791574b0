/*
 * center-db-pg.c: the center's database interface (center-db.h) on
 * PostgreSQL through libpq: the production store, shared by several
 * `nhicard-center serve` processes. Parameters travel as text and the
 * server gives them the types of the columns they meet; statements the
 * store keeps are prepared once per connection. A connection that was
 * lost is reset at the next transaction, so a center recovers when the
 * server is back without a restart; meanwhile every call fails with an
 * error the intake answers as retryable (the station keeps its batch).
 * Error text is the server's primary message only: its DETAIL may quote a
 * key (a user number) and must not reach a log.
 */
#include "config.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <libpq-fe.h>

#include "center-db.h"
#include "util.h"

#define PG_KEEP		64
/* The protocol's limit on one statement's parameters. */
#define PG_PARAMS	65535

struct pg_db;

struct pg_stmt {
	struct center_stmt_head h;
	struct pg_db	*db;
	char		*sql;		/* with $N for ?N */
	char		**param;	/* [cap], grown as bound */
	int		 nparams, cap;
	int		 kept;		/* index + 1 in the kept list, or 0 */
	PGresult	*res;
	int		 row, nrows, ran;
};

struct pg_db {
	struct center_db_head h;
	PGconn		*conn;
	char		*conninfo;
	const char	*kept_sql[PG_KEEP];
	struct pg_stmt	*kept[PG_KEEP];
	int		 prepared[PG_KEEP];	/* on the current connection */
	size_t		 nkept;
	int64_t		 changes;
	/* Statements held back to travel with the next one (libpq pipeline
	 * mode: one round trip for all): a relaxed transaction's BEGIN, and
	 * statements whose result is only success (db_defer). */
	struct pg_pending {
		char	*name;		/* a kept statement's, or NULL */
		char	*sql;		/* else its text */
		char	**param;
		int	 nparams;
	}		*pend;
	size_t		 npend, cappend;
	int		 in_txn;
	char		 sqlstate[6];
	char		 err[300];
};

#define PD(db)	((struct pg_db *)(void *)(db))
#define PS(st)	((struct pg_stmt *)(void *)(st))

static void
pg_seterr(struct pg_db *db, const PGresult *res)
{
	const char *m = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *s = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (m == NULL)
		m = PQerrorMessage(db->conn);
	snprintf(db->err, sizeof(db->err), "%s", m != NULL && *m ? m : "no answer");
	db->err[strcspn(db->err, "\n")] = '\0';
	/* A connection gone is retryable: class 08. */
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", s != NULL ? s :
	    PQstatus(db->conn) != CONNECTION_OK ? "08006" : "XX000");
}

static void
pend_free(struct pg_db *db)
{
	size_t i;
	int j;

	for (i = 0; i < db->npend; i++) {
		for (j = 0; j < db->pend[i].nparams; j++)
			free(db->pend[i].param[j]);
		free(db->pend[i].param);
		free(db->pend[i].name);
		free(db->pend[i].sql);
	}
	db->npend = 0;
}

static void
pend_add(struct pg_db *db, const char *name, const char *sql, char **param,
    int nparams)
{
	struct pg_pending *p;
	int j;

	if (db->npend == db->cappend) {
		db->cappend = db->cappend ? 2 * db->cappend : 8;
		db->pend = xreallocarray(db->pend, db->cappend, sizeof(*db->pend));
	}
	p = &db->pend[db->npend++];
	p->name = name != NULL ? xstrdup(name) : NULL;
	p->sql = sql != NULL ? xstrdup(sql) : NULL;
	p->nparams = nparams;
	p->param = nparams > 0 ? xcalloc((size_t)nparams, sizeof(char *)) : NULL;
	for (j = 0; j < nparams; j++)
		p->param[j] = param[j] != NULL ? xstrdup(param[j]) : NULL;
}

/*
 * Send the held-back statements and then `last` (a kept statement's name
 * or text, with parameters) in one pipeline and one round trip; the
 * result of `last` is returned (NULL with the error set if any failed:
 * the first failure's error is kept, the later ones are skipped by the
 * server). Without held-back statements, an ordinary call.
 */
static PGresult *
pg_send(struct pg_db *db, const char *name, const char *sql, int nparams,
    char **param)
{
	PGresult *res, *last = NULL, *fail = NULL;
	size_t i, n = db->npend;
	int ok = 1;

	if (n == 0)
		return name != NULL ? PQexecPrepared(db->conn, name, nparams,
		    (const char *const *)param, NULL, NULL, 0) :
		    PQexecParams(db->conn, sql, nparams, NULL,
		    (const char *const *)param, NULL, NULL, 0);
	if (PQenterPipelineMode(db->conn) != 1) {
		pend_free(db);
		return NULL;
	}
	for (i = 0; i < n && ok; i++)
		ok = db->pend[i].name != NULL ?
		    PQsendQueryPrepared(db->conn, db->pend[i].name, db->pend[i].nparams,
		    (const char *const *)db->pend[i].param, NULL, NULL, 0) :
		    PQsendQueryParams(db->conn, db->pend[i].sql, db->pend[i].nparams, NULL,
		    (const char *const *)db->pend[i].param, NULL, NULL, 0);
	if (ok)
		ok = name != NULL ? PQsendQueryPrepared(db->conn, name, nparams,
		    (const char *const *)param, NULL, NULL, 0) :
		    PQsendQueryParams(db->conn, sql, nparams, NULL,
		    (const char *const *)param, NULL, NULL, 0);
	pend_free(db);
	if (!ok || PQpipelineSync(db->conn) != 1) {
		/* The connection is unusable: reset at the next transaction. */
		pg_seterr(db, NULL);
		PQreset(db->conn);
		return NULL;
	}
	/* n + 1 results, each followed by a NULL; then the sync. */
	for (i = 0; i <= n; i++) {
		while ((res = PQgetResult(db->conn)) != NULL) {
			ExecStatusType s = PQresultStatus(res);

			if (i == n && last == NULL && s != PGRES_PIPELINE_ABORTED)
				last = res;
			else if (fail == NULL && s != PGRES_COMMAND_OK &&
			    s != PGRES_TUPLES_OK && s != PGRES_PIPELINE_ABORTED)
				fail = res;
			else
				PQclear(res);
		}
	}
	while ((res = PQgetResult(db->conn)) != NULL &&
	    PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		PQclear(res);
	PQclear(res);
	(void)PQexitPipelineMode(db->conn);
	if (fail != NULL) {
		PQclear(last);
		return fail;
	}
	return last;
}

static void
pg_close(struct center_db *d)
{
	struct pg_db *db = PD(d);
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nkept; i++) {
		db->kept[i]->kept = 0;
		db->h.ops->finalize((struct center_stmt *)db->kept[i]);
	}
	pend_free(db);
	free(db->pend);
	PQfinish(db->conn);
	free(db->conninfo);
	free(db->h.target);
	free(db);
}

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* "relation already exists, skipping" and the like */
}

static int
pg_open(const char *target, struct center_db **out, char *err, size_t errlen)
{
	struct pg_db *db = xcalloc(1, sizeof(*db));

	db->h.ops = &center_db_pg;
	db->conninfo = xstrdup(target);
	db->conn = PQconnectdb(target);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		snprintf(err, errlen, "%s", db->conn != NULL ?
		    PQerrorMessage(db->conn) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		pg_close((struct center_db *)db);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, pg_notice, NULL);
	/* Named for messages without the conninfo (it may hold a password). */
	db->h.target = xasprintf("postgresql database %s on %s", PQdb(db->conn),
	    PQhost(db->conn) != NULL && PQhost(db->conn)[0] == '/' ? "a local socket" :
	    PQhost(db->conn));
	*out = (struct center_db *)db;
	return 0;
}

/* Reconnect a connection that was lost; its prepared statements went with it. */
static int
pg_alive(struct center_db *d)
{
	struct pg_db *db = PD(d);
	size_t i;

	if (PQstatus(db->conn) == CONNECTION_OK)
		return 1;
	PQreset(db->conn);
	for (i = 0; i < db->nkept; i++)
		db->prepared[i] = 0;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		pg_seterr(db, NULL);
		return 0;
	}
	PQsetNoticeProcessor(db->conn, pg_notice, NULL);
	return 1;
}

static int
pg_exec(struct center_db *d, const char *sql)
{
	struct pg_db *db = PD(d);
	PGresult *res = db->npend > 0 ? pg_send(db, NULL, sql, 0, NULL) :
	    PQexec(db->conn, sql);
	ExecStatusType s = PQresultStatus(res);
	int r = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -1;

	if (r != 0)
		pg_seterr(db, res);
	PQclear(res);
	return r;
}

static int
pg_begin(struct center_db *d, enum db_txn how)
{
	struct pg_db *db = PD(d);

	pend_free(db);
	if (!pg_alive(d))
		return -1;
	db->in_txn = 1;
	switch (how) {
	case DB_TXN_RELAXED:
		/* A clinic's query: its BEGIN travels with its first statement. */
		pend_add(db, NULL, "BEGIN", NULL, 0);
		pend_add(db, NULL, "SET LOCAL synchronous_commit = off", NULL, 0);
		return 0;
	case DB_TXN_READ:
		return pg_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	default:
		return pg_exec(d, "BEGIN");
	}
}

static int
pg_commit(struct center_db *d)
{
	PD(d)->in_txn = 0;
	return pg_exec(d, "COMMIT");
}

static void
pg_rollback(struct center_db *d)
{
	struct pg_db *db = PD(d);
	char err[sizeof(db->err)], state[sizeof(db->sqlstate)];

	/* Keep the error that made us roll back. */
	memcpy(err, db->err, sizeof(err));
	memcpy(state, db->sqlstate, sizeof(state));
	db->in_txn = 0;
	pend_free(db);
	if (PQstatus(db->conn) == CONNECTION_OK)
		(void)pg_exec(d, "ROLLBACK");
	memcpy(db->err, err, sizeof(err));
	memcpy(db->sqlstate, state, sizeof(state));
}

/* ?N (SQLite) to $N (PostgreSQL), outside quoted text. */
static char *
pg_sql(const char *sql)
{
	char *out = xstrdup(sql), *p;
	int quoted = 0;

	for (p = out; *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && *p == '?' && p[1] >= '0' && p[1] <= '9')
			*p = '$';
	}
	return out;
}

static void
pg_reset(struct pg_stmt *st)
{
	int i;

	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = st->ran = 0;
	for (i = 0; i < st->nparams; i++) {
		free(st->param[i]);
		st->param[i] = NULL;
	}
	st->nparams = 0;
}

static int
pg_prepare(struct center_db *d, const char *sql, int keep, struct center_stmt **out)
{
	struct pg_db *db = PD(d);
	struct pg_stmt *st;
	size_t i;

	if (keep)
		for (i = 0; i < db->nkept; i++)
			if (db->kept_sql[i] == sql) {
				*out = (struct center_stmt *)db->kept[i];
				return 0;
			}
	st = xcalloc(1, sizeof(*st));
	st->h.ops = &center_db_pg;
	st->db = db;
	st->sql = pg_sql(sql);
	if (keep && db->nkept < PG_KEEP) {
		db->kept_sql[db->nkept] = sql;
		db->kept[db->nkept++] = st;
		st->kept = (int)db->nkept;
	}
	*out = (struct center_stmt *)st;
	return 0;
}

static void
pg_bind_text(struct center_stmt *s, int i, const char *v)
{
	struct pg_stmt *st = PS(s);

	if (i < 1 || i > PG_PARAMS)
		return;
	if (i > st->cap) {
		int cap = st->cap < 16 ? 16 : st->cap;

		while (cap < i)
			cap *= 2;
		st->param = xreallocarray(st->param, (size_t)cap, sizeof(*st->param));
		memset(st->param + st->cap, 0, (size_t)(cap - st->cap) * sizeof(*st->param));
		st->cap = cap;
	}
	free(st->param[i - 1]);
	st->param[i - 1] = v != NULL ? xstrdup(v) : NULL;
	if (i > st->nparams)
		st->nparams = i;
}

static void
pg_bind_int64(struct center_stmt *s, int i, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	pg_bind_text(s, i, buf);
}

static int
pg_step(struct center_stmt *s)
{
	struct pg_stmt *st = PS(s);
	struct pg_db *db = st->db;
	ExecStatusType es;
	const char *n;
	char name[16];

	if (!st->ran) {
		st->ran = 1;
		if (st->kept) {
			snprintf(name, sizeof(name), "k%d", st->kept);
			if (!db->prepared[st->kept - 1]) {
				PGresult *p = PQprepare(db->conn, name, st->sql, 0, NULL);

				if (PQresultStatus(p) != PGRES_COMMAND_OK) {
					pg_seterr(db, p);
					PQclear(p);
					return DB_ERROR;
				}
				PQclear(p);
				db->prepared[st->kept - 1] = 1;
			}
			st->res = pg_send(db, name, NULL, st->nparams, st->param);
		} else
			st->res = pg_send(db, NULL, st->sql, st->nparams, st->param);
		es = PQresultStatus(st->res);
		if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
			pg_seterr(db, st->res);
			return DB_ERROR;
		}
		n = PQcmdTuples(st->res);
		if (n != NULL && *n != '\0')
			db->changes = strtoll(n, NULL, 10);
		st->nrows = es == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
		st->row = -1;
	}
	if (st->res == NULL)
		return DB_ERROR;
	if (st->row + 1 >= st->nrows) {
		st->row = st->nrows;
		return DB_DONE;
	}
	st->row++;
	return DB_ROW;
}

static const char *
pg_col_text(struct center_stmt *s, int i)
{
	struct pg_stmt *st = PS(s);

	if (st->res == NULL || st->row < 0 || st->row >= st->nrows ||
	    PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static int64_t
pg_col_int64(struct center_stmt *s, int i)
{
	const char *v = pg_col_text(s, i);

	if (v == NULL)
		return 0;
	/* A boolean reads as 1 or 0. */
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

static void
pg_finalize(struct center_stmt *s)
{
	struct pg_stmt *st = PS(s);

	pg_reset(st);
	if (st->kept)
		return;
	free(st->param);
	free(st->sql);
	free(st);
}

/* In a transaction, hold the statement back to travel with the next one
 * (COMMIT at the latest): its failure fails that one. Else run it now. */
static int
pg_defer(struct center_stmt *s)
{
	struct pg_stmt *st = PS(s);
	struct pg_db *db = st->db;
	char name[16];
	int r = 0;

	if (!db->in_txn) {
		r = pg_step(s) == DB_DONE ? 0 : -1;
		pg_finalize(s);
		return r;
	}
	if (st->kept) {
		snprintf(name, sizeof(name), "k%d", st->kept);
		if (!db->prepared[st->kept - 1]) {
			PGresult *p = PQprepare(db->conn, name, st->sql, 0, NULL);

			if (PQresultStatus(p) != PGRES_COMMAND_OK) {
				pg_seterr(db, p);
				r = -1;
			} else
				db->prepared[st->kept - 1] = 1;
			PQclear(p);
		}
		if (r == 0)
			pend_add(db, name, NULL, st->param, st->nparams);
	} else
		pend_add(db, NULL, st->sql, st->param, st->nparams);
	pg_finalize(s);
	return r;
}

static int64_t
pg_changes(struct center_db *d)
{
	return PD(d)->changes;
}

static const char *
pg_errmsg(struct center_db *d)
{
	return PD(d)->err;
}

static int
pg_retryable(struct center_db *d)
{
	const char *s = PD(d)->sqlstate;

	/* A unique key a concurrent transaction took (the same batch at two
	 * processes: run again, the record is then a duplicate), a
	 * serialization failure or deadlock, a lost connection, a server
	 * shutting down or starting up. */
	return strcmp(s, "23505") == 0 || strncmp(s, "40", 2) == 0 ||
	    strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0 ||
	    PQstatus(PD(d)->conn) != CONNECTION_OK;
}

/* Run a PostgreSQL client program (pg_dump, pg_restore) on our database. */
static int
pg_run(struct pg_db *db, char *const argv[])
{
	extern char **environ;
	pid_t pid;
	int st, e;

	if ((e = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ)) != 0) {
		snprintf(db->err, sizeof(db->err), "cannot run %s: %s", argv[0],
		    strerror(e));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(db->err, sizeof(db->err), "%s failed (status %d)", argv[0],
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

static int
pg_backup(struct center_db *d, const char *dest)
{
	char *dbarg = xasprintf("--dbname=%s", PD(d)->conninfo);
	char *argv[] = { "pg_dump", "--format=custom", "--no-owner", "--file",
	    (char *)dest, dbarg, NULL };
	int r = pg_run(PD(d), argv);

	free(dbarg);
	return r;
}

static int
pg_restore(struct center_db *d, const char *src)
{
	char *dbarg = xasprintf("--dbname=%s", PD(d)->conninfo);
	char *argv[] = { "pg_restore", "--clean", "--if-exists", "--no-owner",
	    "--single-transaction", "--exit-on-error", dbarg, (char *)src, NULL };
	int r = pg_run(PD(d), argv);

	free(dbarg);
	return r;
}

const struct center_db_ops center_db_pg = {
	.name = "postgresql",
	.open = pg_open, .close = pg_close, .exec = pg_exec,
	.begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback,
	.prepare = pg_prepare, .bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64, .step = pg_step, .col_text = pg_col_text,
	.col_int64 = pg_col_int64, .finalize = pg_finalize, .defer = pg_defer,
	.changes = pg_changes, .errmsg = pg_errmsg, .retryable = pg_retryable,
	.alive = pg_alive, .backup = pg_backup, .restore = pg_restore,
};
