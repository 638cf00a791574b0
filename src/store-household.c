/*
 * store-household.c: households as the register knows them, and the name
 * of a household's head (世帯主氏名) for certificates.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-res-int.h"
#include "util.h"

int
store_household_upsert(struct store *st, const char *household_code, const char *address,
    const char *address_code, const char *now, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	/* Insert, or update the address only when it changed: an unchanged
	 * household is not written (idempotent imports). */
	if ((r = store_prepare(st, "INSERT INTO households (household_code, address,"
	    " address_code, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)"
	    " ON CONFLICT (household_code) DO UPDATE SET address = excluded.address,"
	    " address_code = excluded.address_code, updated_at = excluded.updated_at"
	    " WHERE address IS NOT excluded.address OR address_code IS NOT excluded.address_code"
	    " RETURNING id", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, household_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, address, -1, SQLITE_STATIC);
	if (address_code != NULL && address_code[0] != '\0')
		sqlite3_bind_text(s, 3, address_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		r = 0;
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "write household");
		goto out;
	}
	/* Unchanged: the upsert returned nothing; look the row up. */
	sqlite3_finalize(s);
	s = NULL;
	if ((r = store_prepare(st, "SELECT id FROM households WHERE household_code = ?1", &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, household_code, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = store_err(st, rc, "read household");
		goto out;
	}
	*id = sqlite3_column_int64(s, 0);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int
store_household_head_name(struct store *st, int64_t household_id, char **out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT name_kanji FROM residents WHERE household_id = ?1"
	    " AND is_head = 1 AND status = 'resident' ORDER BY id LIMIT 1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, household_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = xstrdup((const char *)sqlite3_column_text(s, 0));
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "household #%lld has no head", (long long)household_id);
	else
		r = store_err(st, rc, "read household head");
	sqlite3_finalize(s);
	return r;
}
