/*
 * center-db.h: the one interface between nhicard-center and its database
 * engine (issue 22). The store's queries (center-store.c, center-elig.c,
 * center-status-data.c) are written once, in the SQL both engines take
 * (?N parameters, ON CONFLICT, RETURNING, CAST), and run through a small
 * table of functions, as SQLite's VFS or OpenSSH's cipher table do:
 * center-db-sqlite.c (the embedded default: demo, tests, a pilot) and
 * center-db-pg.c (PostgreSQL through libpq: production). The schema of
 * each engine is a list of versioned migrations (center-migrate.c).
 *
 * A statement is prepared, bound (parameters are 1-based, as ?N), stepped
 * row by row and finalized; a statement prepared with `keep` is kept by
 * the connection (keyed by the SQL text's address: each is a literal) and
 * only reset by db_finalize.
 */
#ifndef NHI_CENTER_DB_H
#define NHI_CENTER_DB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct center_db;
struct center_stmt;

enum db_step {
	DB_ROW = 1,	/* a row is there to read */
	DB_DONE = 0,	/* no (more) rows */
	DB_ERROR = -1,	/* see db_errmsg */
};

/* How a transaction begins. */
enum db_txn {
	DB_TXN_WRITE,	/* takes the write lock at once (SQLite IMMEDIATE) */
	DB_TXN_RELAXED,	/* a write whose loss in a crash costs nothing (query log) */
	DB_TXN_READ,	/* a consistent read */
};

struct center_db_ops {
	const char *name;		/* "sqlite", "postgresql" */
	int	(*open)(const char *target, struct center_db **out, char *err,
		    size_t errlen);
	void	(*close)(struct center_db *);
	/* One or more statements without parameters; 0 or -1. */
	int	(*exec)(struct center_db *, const char *sql);
	int	(*begin)(struct center_db *, enum db_txn);
	int	(*commit)(struct center_db *);
	void	(*rollback)(struct center_db *);
	int	(*prepare)(struct center_db *, const char *sql, int keep,
		    struct center_stmt **);
	void	(*bind_text)(struct center_stmt *, int i, const char *s);
	void	(*bind_int64)(struct center_stmt *, int i, int64_t v);
	int	(*step)(struct center_stmt *);
	const char *(*col_text)(struct center_stmt *, int i);
	int64_t	(*col_int64)(struct center_stmt *, int i);
	void	(*finalize)(struct center_stmt *);
	/* Run a bound statement whose only result is success, and finalize
	 * it: PostgreSQL holds it back inside a transaction to travel with
	 * the next statement or the COMMIT in one round trip (libpq pipeline
	 * mode), whose failure is then its failure; SQLite runs it now. */
	int	(*defer)(struct center_stmt *);
	/* Rows changed by the last INSERT, UPDATE or DELETE. */
	int64_t	(*changes)(struct center_db *);
	const char *(*errmsg)(struct center_db *);
	/* Whether the last error may pass if the transaction is run again
	 * (busy, a unique key taken by a concurrent transaction, a
	 * serialization failure, a lost connection). */
	int	(*retryable)(struct center_db *);
	/* Whether the connection is up (after reconnecting if it was lost). */
	int	(*alive)(struct center_db *);
	/* Copy the whole database to `dest` (a file for SQLite, a pg_dump
	 * custom archive for PostgreSQL) and back. */
	int	(*backup)(struct center_db *, const char *dest);
	int	(*restore)(struct center_db *, const char *src);
	/* Serving (center-http.c): the engine's own upkeep moved off the
	 * requests' path, or NULL where it has none. SQLite: the WAL's
	 * checkpoints on a thread of their own (center-db-ckpt.c). 0, or -1
	 * and a message in err; stop undoes start (and nothing without it). */
	int	(*upkeep_start)(struct center_db *, char *err, size_t errlen);
	void	(*upkeep_stop)(struct center_db *);
};

/* Every connection starts with its table. */
struct center_db_head {
	const struct center_db_ops *ops;
	char	*target;	/* the path or conninfo, for messages (no password) */
};

/* And every statement. */
struct center_stmt_head {
	const struct center_db_ops *ops;
};

extern const struct center_db_ops center_db_sqlite;
extern const struct center_db_ops center_db_pg;

/*
 * Which engine a --db value names: "postgresql://...", "postgres://..."
 * or "pg:CONNINFO" is PostgreSQL (the conninfo after "pg:"), anything else
 * a SQLite file. *conn points into `target`.
 */
const struct center_db_ops *center_db_engine(const char *target, const char **conn);

/* The calls, through the connection's table. */
#define DB_OPS(db)	(((const struct center_db_head *)(const void *)(db))->ops)
#define STMT_OPS(st)	(((const struct center_stmt_head *)(const void *)(st))->ops)
int	db_prepare(struct center_db *, const char *sql, struct center_stmt **);
int	db_prepare_keep(struct center_db *, const char *sql, struct center_stmt **);
/* Bind by a list of kinds, one letter a parameter from ?1: 't' text
 * (const char *, NULL binds NULL), 'i' int64_t, 'd' int. */
void	db_bind(struct center_stmt *, const char *kinds, ...);
void	db_vbind(struct center_stmt *, const char *kinds, va_list ap);
void	db_bind_text(struct center_stmt *, int i, const char *s);
void	db_bind_int64(struct center_stmt *, int i, int64_t v);
int	db_step(struct center_stmt *);
const char *db_col_text(struct center_stmt *, int i);
int64_t	db_col_int64(struct center_stmt *, int i);
void	db_finalize(struct center_stmt *);

#endif
