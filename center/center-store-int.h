/*
 * center-store-int.h: the center store's handle, shared by the files that
 * run its queries through the database interface (center-db.h):
 * center-store.c (records, acknowledgements), center-elig.c (eligibility,
 * trust list, clinics, query log), center-status-data.c (the status
 * page) and center-migrate.c (the schema).
 */
#ifndef NHI_CENTER_STORE_INT_H
#define NHI_CENTER_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "center-db.h"

struct center_store {
	struct center_db *db;
	/* Where a clinic query reads the card, its periods, the insurer's
	 * name and a My Number link, when a replica is configured
	 * (center_store_replica; center_store_reader); the challenge and the
	 * query log are written to the primary. */
	struct center_store *replica;
	unsigned long queries;	/* since open: prunes the challenge cache */
	/* The station whose row this transaction already touched: a batch's
	 * records touch it once, not once each (a round trip on PostgreSQL). */
	char	touched[64];
	int64_t	touched_rejections;	/* its outstanding rejections, then */
};

/* Where a clinic query reads: the replica when one is configured (a
 * connection it lost is made again here, as a transaction's begin does on
 * the primary), else `cs` itself. */
struct center_store *center_store_reader(struct center_store *cs);

/* The store error for `what`: NHI_ESTORE_BUSY when running the
 * transaction again may pass (busy, a concurrent duplicate, a lost
 * connection), else NHI_ESTORE. */
int	center_db_err(struct center_store *cs, const char *what);

/* Now as "YYYY-MM-DDTHH:MM:SSZ". */
void	center_now_utc(char *buf, size_t len);

/* Prepare (kept by the connection if `keep`) and bind by `kinds`
 * (db_bind); 0 or the store error. */
int	center_q(struct center_store *cs, int keep, struct center_stmt **st,
	    const char *sql, const char *kinds, ...);
/* Run a statement to its end and finalize it; 0 or the store error
 * naming `what`. */
int	center_q_done(struct center_store *cs, struct center_stmt *st,
	    const char *what);
/* One integer from a statement's first row, then finalize it. */
int	center_q_int(struct center_store *cs, struct center_stmt *st,
	    const char *what, int64_t *out);

/* The schema (center-migrate.c): the newest version, the store's, and
 * applying what is missing (*applied: how many). */
int	center_migrate_latest(struct center_store *cs);
int	center_migrate_version(struct center_store *cs, int64_t *version);
int	center_migrate(struct center_store *cs, int *applied);

#endif
