/*
 * center-store-int.h: the center store's handle, shared by the files that
 * call SQLite: center-store.c (records, acknowledgements) and
 * center-elig.c (eligibility, trust list, clinics, query log).
 */
#ifndef NHI_CENTER_STORE_INT_H
#define NHI_CENTER_STORE_INT_H

#include <sqlite3.h>

struct center_store {
	sqlite3	*db;
	char	*path;
	unsigned long queries;	/* since open: prunes the challenge cache */
};

/* The store error for `what`, NHI_ESTORE or NHI_ESTORE_BUSY. */
int	center_db_err(struct center_store *cs, const char *what);
/* The eligibility schema (center-elig.c), created with the store. */
extern const char center_elig_schema[];

#endif
