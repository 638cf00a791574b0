/*
 * center-mynumber.c: what the center keeps of the stations' My Number
 * card links (docs/clinic-api.md section 3.3): `mynumber_linked` adds a
 * link (a relink ends the link it replaces), `mynumber_unlinked` ends
 * one; a clinic's My Number query finds the link by the SHA-256 of the
 * certificate the card showed, so a certificate with the same issuer and
 * serial but another key is not the linked one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "center.h"
#include "center-json.h"
#include "center-store-int.h"
#include "error.h"
#include "util.h"

static void
bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void
col_copy(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", v != NULL ? (const char *)v : "");
}

static int
run(struct center_store *cs, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, what);

	sqlite3_finalize(st);
	return r;
}

static int
apply_linked(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	const char *replaces = cj_str(d, "replaces_serial");
	sqlite3_stmt *st = NULL;
	int64_t person = 0;
	int r;

	(void)cj_int(d, "person", &person);
	if (replaces != NULL && *replaces != '\0') {
		if (sqlite3_prepare_v2(cs->db, "UPDATE elig_mynumber SET ended = 1,"
		    " end_reason = 'replaced', ended_on = ?4 WHERE station_id = ?1 AND"
		    " cert_issuer = ?2 AND cert_serial = ?3 AND ended = 0", -1, &st,
		    NULL) != SQLITE_OK)
			return center_db_err(cs, "prepare");
		bind_str(st, 1, station);
		bind_str(st, 2, cj_str(d, "cert_issuer"));
		bind_str(st, 3, replaces);
		bind_str(st, 4, cj_str(d, "linked_at"));
		if ((r = run(cs, st, "end a replaced My Number link")) != 0)
			return r;
	}
	if (sqlite3_prepare_v2(cs->db, "INSERT OR REPLACE INTO elig_mynumber (cert_sha256,"
	    " cert_issuer, cert_serial, user_number, station_id, person, insurer_number,"
	    " not_after, ended) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)", -1, &st,
	    NULL) != SQLITE_OK)
		return center_db_err(cs, "prepare");
	bind_str(st, 1, cj_str(d, "cert_sha256"));
	bind_str(st, 2, cj_str(d, "cert_issuer"));
	bind_str(st, 3, cj_str(d, "cert_serial"));
	bind_str(st, 4, cj_str(d, "user_number"));
	bind_str(st, 5, station);
	sqlite3_bind_int64(st, 6, person);
	bind_str(st, 7, cj_str(d, "insurer_number"));
	bind_str(st, 8, cj_str(d, "cert_not_after"));
	return run(cs, st, "keep a My Number link");
}

static int
apply_unlinked(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(cs->db, "UPDATE elig_mynumber SET ended = 1, end_reason = ?4,"
	    " ended_on = ?5 WHERE station_id = ?1 AND cert_issuer = ?2 AND"
	    " cert_serial = ?3", -1, &st, NULL) != SQLITE_OK)
		return center_db_err(cs, "prepare");
	bind_str(st, 1, station);
	bind_str(st, 2, cj_str(d, "cert_issuer"));
	bind_str(st, 3, cj_str(d, "cert_serial"));
	bind_str(st, 4, cj_str(d, "reason"));
	bind_str(st, 5, cj_str(d, "date"));
	return run(cs, st, "end a My Number link");
}

int
center_mynumber_apply(struct center_store *cs, const char *station, const char *kind,
    const struct cj_obj *data)
{
	if (data == NULL)
		return 0;
	if (strcmp(kind, "mynumber_linked") == 0)
		return apply_linked(cs, station, data);
	if (strcmp(kind, "mynumber_unlinked") == 0)
		return apply_unlinked(cs, station, data);
	return 0;
}

int
center_mynumber_link(struct center_store *cs, const char *cert_sha256,
    struct center_card *out, char user_number[33], int *found)
{
	sqlite3_stmt *st = NULL;
	int r = 0, s;

	memset(out, 0, sizeof(*out));
	*found = 0;
	user_number[0] = '\0';
	if (sqlite3_prepare_v2(cs->db, "SELECT user_number, station_id, person,"
	    " insurer_number, ended, end_reason, ended_on FROM elig_mynumber WHERE"
	    " cert_sha256 = ?1", -1, &st, NULL) != SQLITE_OK)
		return center_db_err(cs, "prepare");
	bind_str(st, 1, cert_sha256);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*found = 1;
		out->issued = 1;
		col_copy(st, 0, user_number, 33);
		col_copy(st, 1, out->station, sizeof(out->station));
		out->person = sqlite3_column_int64(st, 2);
		col_copy(st, 3, out->insurer_number, sizeof(out->insurer_number));
		out->revoked = sqlite3_column_int(st, 4);
		col_copy(st, 5, out->revoked_reason, sizeof(out->revoked_reason));
		col_copy(st, 6, out->revoked_on, sizeof(out->revoked_on));
	} else if (s != SQLITE_DONE)
		r = center_db_err(cs, "read a My Number link");
	sqlite3_finalize(st);
	return r;
}
