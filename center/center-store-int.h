/*
 * center-store-int.h: the center store's handle, shared by the files that
 * call SQLite: center-store.c (records, acknowledgements) and
 * center-elig.c (eligibility, trust list, clinics, query log).
 */
#ifndef NHI_CENTER_STORE_INT_H
#define NHI_CENTER_STORE_INT_H

#include <sqlite3.h>

#include <stddef.h>

#define CENTER_STMT_CACHE	32

struct center_store {
	sqlite3	*db;
	char	*path;
	unsigned long queries;	/* since open: prunes the challenge cache */
	/* center-elig.c's prepared statements, kept */
	const char *stmt_sql[CENTER_STMT_CACHE];
	sqlite3_stmt *stmts[CENTER_STMT_CACHE];
	size_t	 nstmts;
};

/* Finalize center-elig.c's kept statements (before closing). */
void	center_elig_close(struct center_store *cs);

/* The store error for `what`, NHI_ESTORE or NHI_ESTORE_BUSY. */
int	center_db_err(struct center_store *cs, const char *what);
/* The eligibility schema (center-elig.c), created with the store. */
extern const char center_elig_schema[];

#endif
