/*
 * store-mynumber.c: the mynumber_links table (store-mynumber.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "error.h"
#include "store-int.h"
#include "store-mynumber.h"
#include "store-res-int.h"
#include "util.h"

#define LINK_COLUMNS "id, resident_id, cert_issuer, cert_serial, not_after," \
	" user_number, state, linked_at, cert_sha256"

static void
copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", t != NULL ? (const char *)t : "");
}

static void
from_row(sqlite3_stmt *s, struct mynumber_link *l)
{
	const void *un = sqlite3_column_blob(s, 5);

	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(s, 0);
	l->resident_id = sqlite3_column_int64(s, 1);
	copy_text(l->cert_issuer, sizeof(l->cert_issuer), s, 2);
	copy_text(l->cert_serial, sizeof(l->cert_serial), s, 3);
	copy_text(l->not_after, sizeof(l->not_after), s, 4);
	if (un != NULL && sqlite3_column_bytes(s, 5) == 16)
		memcpy(l->user_number, un, 16);
	copy_text(l->state, sizeof(l->state), s, 6);
	copy_text(l->linked_at, sizeof(l->linked_at), s, 7);
	copy_text(l->cert_sha256, sizeof(l->cert_sha256), s, 8);
}

static int
one(struct store *st, sqlite3_stmt *s, struct mynumber_link *out, const char *what)
{
	int rc = sqlite3_step(s), r = 0;

	if (rc == SQLITE_ROW)
		from_row(s, out);
	else if (rc == SQLITE_DONE)
		r = NHI_ENOTFOUND;
	else
		r = store_err(st, rc, what);
	sqlite3_finalize(s);
	return r;
}

int
store_mynumber_current(struct store *st, int64_t resident_id, struct mynumber_link *out)
{
	sqlite3_stmt *s;
	int r;

	if ((r = store_prepare(st, "SELECT " LINK_COLUMNS " FROM mynumber_links WHERE"
	    " resident_id = ?1 AND state = 'linked'", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	return one(st, s, out, "read My Number link");
}

int
store_mynumber_by_cert(struct store *st, const char *issuer, const char *serial,
    struct mynumber_link *out)
{
	sqlite3_stmt *s;
	int r;

	if ((r = store_prepare(st, "SELECT " LINK_COLUMNS " FROM mynumber_links WHERE"
	    " cert_issuer = ?1 AND cert_serial = ?2", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, serial, -1, SQLITE_STATIC);
	return one(st, s, out, "read My Number link");
}

int
store_mynumber_add(struct store *st, struct mynumber_link *l)
{
	sqlite3_stmt *s;
	int r, rc;

	store_now(l->linked_at, sizeof(l->linked_at));
	snprintf(l->state, sizeof(l->state), "linked");
	if ((r = store_prepare(st, "INSERT INTO mynumber_links (resident_id, cert_issuer,"
	    " cert_serial, not_after, user_number, state, linked_at, cert_sha256) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, 'linked', ?6, ?7)", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, l->resident_id);
	sqlite3_bind_text(s, 2, l->cert_issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, l->cert_serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, l->not_after, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, l->user_number, 16, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, l->linked_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, l->cert_sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(NHI_EEXISTS, "this certificate (serial %s) is linked already",
		    l->cert_serial);
	if (rc != SQLITE_DONE)
		return store_err(st, rc, "add My Number link");
	l->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_mynumber_end(struct store *st, int64_t id, const char *state, const char *reason)
{
	sqlite3_stmt *s;
	char now[24];
	int r, rc;

	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "UPDATE mynumber_links SET state = ?2, ended_at = ?3,"
	    " end_reason = ?4 WHERE id = ?1 AND state = 'linked'", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_err(st, rc, "end My Number link");
	if (sqlite3_changes(st->db) != 1)
		return err_set(NHI_ESTATE, "My Number link %lld is not linked", (long long)id);
	return 0;
}

int
store_mynumber_hold(struct store *st, int64_t resident_id, const char *which,
    int64_t *held_id)
{
	char now[24], reason[256], record[40];

	store_now(now, sizeof(now));
	snprintf(record, sizeof(record), "resident=%lld", (long long)resident_id);
	snprintf(reason, sizeof(reason), "My Number card's four basic items differ from"
	    " the resident's (%s): not linked, a supervisor checks", which);
	return store_held_add(st, "conflict", "", resident_id, "mynumber_link", NULL,
	    reason, record, NULL, 0, now, held_id);
}
