/*
 * store.h: the station's embedded store (SQLite).
 *
 * One SQLite file holds everything the station knows: residents, households,
 * eligibility periods, cards and their events, certificates, the outbound
 * queue, operators and the audit log. It runs in WAL mode with foreign keys
 * on, synchronous=FULL and a busy timeout, so a committed write survives a
 * power cut and a second process waits instead of failing.
 *
 * The schema is versioned with PRAGMA user_version and migrated forward, in
 * order, each step in its own transaction, when a store is opened. A store
 * written by a newer nhicard is refused (NHI_ESTORE_VERSION), never touched.
 *
 * Only files named store*.c call SQLite; every statement is prepared.
 */
#ifndef NHI_STORE_H
#define NHI_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* The schema version this program writes. */
int store_schema_latest(void);

enum store_open_flags {
	STORE_CREATE = 1 << 0,	/* create a new store; fail if the file exists */
	STORE_READONLY = 1 << 1,	/* no writes and no migration */
};

/*
 * Open the store at `path`. With STORE_CREATE the file is created with mode
 * 0600 and the latest schema; the file must not exist. Without it the file
 * must exist and is migrated forward (unless STORE_READONLY).
 * Returns 0 and sets *out (caller must store_close), or:
 *   NHI_ENOFILE        the directory, or (without STORE_CREATE) the file, is missing
 *   NHI_EEXISTS        STORE_CREATE and the file exists
 *   NHI_ESTORE_NOINIT  the file is not an nhicard store
 *   NHI_ESTORE_VERSION the schema is newer than this program
 *   NHI_ESTORE_CORRUPT the file is not a database
 *   NHI_EPERM, NHI_ESTORE, NHI_ESTORE_BUSY
 */
int	store_open(const char *path, int flags, struct store **out);

/* Close; NULL is a no-op. */
void	store_close(struct store *st);

/* The path the store was opened with. */
const char *store_path(const struct store *st);

/* The schema version of the open store. */
int	store_schema_version(struct store *st, int *out);

/*
 * Transactions. store_begin takes the write lock at once (BEGIN IMMEDIATE),
 * so a transaction never fails half-way on a lock. Nesting is not allowed.
 */
int	store_begin(struct store *st);
int	store_commit(struct store *st);
/* Roll back if a transaction is open; safe to call in any cleanup path. */
void	store_rollback(struct store *st);

/*
 * Run SQLite's integrity_check and foreign_key_check. On success *report
 * (caller must free) holds "ok" or the problems found, one per line, and
 * *ok is 1 if none.
 */
int	store_check(struct store *st, char **report, int *ok);

/* A meta value ("station_id", "created_at"); caller must free *out. */
int	store_meta_get(struct store *st, const char *key, char **out);
int	store_meta_set(struct store *st, const char *key, const char *value);

/* Row counts of the main tables, for `db check` and tests. */
int	store_count(struct store *st, const char *table, int64_t *out);

/* The SQLite library version, for `nhicard version`. */
const char *store_library_version(void);

#endif
