/*
 * store-int.h: what the store*.c files share and nothing else sees.
 */
#ifndef NHI_STORE_INT_H
#define NHI_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct store {
	sqlite3	*db;
	char	*path;
	int	 in_txn;
};

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

#endif
