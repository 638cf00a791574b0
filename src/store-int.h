/*
 * store-int.h: what the store*.c files share and nothing else sees.
 */
#ifndef NHI_STORE_INT_H
#define NHI_STORE_INT_H

#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

struct store {
	sqlite3	*db;
	char	*path;
	int	 in_txn;
	char	*actor;		/* the operator acting through it, or NULL */
	struct store_stmt_cache *stmts;	/* store-stmt.c's statements, or NULL */
	char	*publish_as;	/* store_create: the store's path once published */
	uint64_t search_fullscan;	/* rows searches stepped over in full scans */
};

/*
 * The expressions two search indexes are built on (schema version 9) and
 * the searches name, word for word, so that SQLite uses the index: a
 * name's given name (what follows its first blank, ASCII or U+3000; the
 * whole name if it has none), and a 記号 or 番号 without its leading zeros.
 * COL is the column as the statement names it. Changing one is a schema
 * change: a migration that rebuilds the index.
 */
#define STORE_GIVEN_NAME(col) \
	"substr(" col ", instr(replace(" col ", '\xe3\x80\x80', ' '), ' ') + 1)"
#define STORE_NO_ZEROS(col)	"ltrim(" col ", '0')"


/* One forward migration: the SQL that takes the schema from version-1. */
struct store_migration {
	int		 version;
	const char	*sql;
};

extern const struct store_migration store_migrations[];
extern const size_t store_migrations_count;

/* Translate a SQLite result code to an NHI_E* code, with detail naming `what`. */
int	store_err(struct store *st, int rc, const char *what);

/* Prepare `sql`; on failure set detail and return an NHI_E* code. */
int	store_prepare(struct store *st, const char *sql, sqlite3_stmt **out);

/* A prepared statement for the constant SQL text `sql` from the store's
 * cache (store-stmt.c): prepared on first use, later handed out reset and
 * with its bindings cleared. Every store_stmt is paired with one
 * store_stmt_done (NULL is allowed), on every path: a SELECT left stepping
 * holds a read transaction open. */
int	store_stmt(struct store *st, const char *sql, sqlite3_stmt **out);

/* Give back a statement from store_stmt: reset and kept, never finalized
 * (a statement of its own, from a nested use, is finalized). */
void	store_stmt_done(struct store *st, sqlite3_stmt *stmt);

/* Finalize every cached statement (store_close). */
void	store_stmt_close_all(struct store *st);

/* How many statements the cache holds (the unit test). */
size_t	store_stmt_cached(const struct store *st);

/* Sort whole tables for an initial load's index builds (store-sort.c): a
 * worker thread and runs of half the memory when a second processor is
 * there, one task and 64 MB runs when not. store_sort_end puts back the
 * connection's defaults (a 2 MB cache, no worker). */
void	store_sort_begin(struct store *st);
void	store_sort_end(struct store *st);

/* UTC now as "YYYY-MM-DDTHH:MM:SSZ" (buf at least 21 bytes): the store's
 * timestamps. (Dates people see are JST: time_today_jst in util.h.) */
void	store_now(char *buf, size_t len);
/* The same text for the time `t`. */
void	store_time_text(time_t t, char *buf, size_t len);

/* Column `i` as text into dst (cut to len-1 bytes); NULL gives "". */
void	store_col_text(sqlite3_stmt *stmt, int i, char *dst, size_t len);

/* Column `i` as a new string; NULL gives "". Caller must free. */
char	*store_col_dup(sqlite3_stmt *stmt, int i);

#endif
