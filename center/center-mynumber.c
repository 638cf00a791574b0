/*
 * center-mynumber.c: what the center keeps of the stations' My Number
 * card links (docs/clinic-api.md section 3.3): `mynumber_linked` adds a
 * link (a relink ends the link it replaces), `mynumber_unlinked` ends
 * one; a clinic's My Number query finds the link by the SHA-256 of the
 * certificate the card showed, so a certificate with the same issuer and
 * serial but another key is not the linked one; it reads the replica when
 * one is configured, as the other query paths do. Written once for both
 * engines, through the center's database interface (center-db.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "center.h"
#include "center-db.h"
#include "center-json.h"
#include "center-store-int.h"
#include "error.h"
#include "util.h"

static int
apply_linked(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	const char *replaces = cj_str(d, "replaces_serial");
	struct center_stmt *st;
	int64_t person = 0;
	int r;

	(void)cj_int(d, "person", &person);
	if (replaces != NULL && *replaces != '\0') {
		if ((r = center_q(cs, 1, &st, "UPDATE elig_mynumber SET ended = 1,"
		    " end_reason = 'replaced', ended_on = ?4 WHERE station_id = ?1 AND"
		    " cert_issuer = ?2 AND cert_serial = ?3 AND ended = 0", "tttt", station,
		    cj_str(d, "cert_issuer"), replaces, cj_str(d, "linked_at"))) != 0 ||
		    (r = center_q_done(cs, st, "end a replaced My Number link")) != 0)
			return r;
	}
	/* A link sent again (a relink of the same certificate) replaces it. */
	if ((r = center_q(cs, 1, &st, "INSERT INTO elig_mynumber (cert_sha256,"
	    " cert_issuer, cert_serial, user_number, station_id, person, insurer_number,"
	    " not_after, ended, end_reason, ended_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8, 0, NULL, NULL) ON CONFLICT (cert_sha256) DO UPDATE SET cert_issuer ="
	    " excluded.cert_issuer, cert_serial = excluded.cert_serial, user_number ="
	    " excluded.user_number, station_id = excluded.station_id, person ="
	    " excluded.person, insurer_number = excluded.insurer_number, not_after ="
	    " excluded.not_after, ended = 0, end_reason = NULL, ended_on = NULL",
	    "tttttitt", cj_str(d, "cert_sha256"), cj_str(d, "cert_issuer"),
	    cj_str(d, "cert_serial"), cj_str(d, "user_number"), station, person,
	    cj_str(d, "insurer_number"), cj_str(d, "cert_not_after"))) != 0)
		return r;
	return center_q_done(cs, st, "keep a My Number link");
}

static int
apply_unlinked(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	struct center_stmt *st;
	int r;

	if ((r = center_q(cs, 1, &st, "UPDATE elig_mynumber SET ended = 1, end_reason = ?4,"
	    " ended_on = ?5 WHERE station_id = ?1 AND cert_issuer = ?2 AND"
	    " cert_serial = ?3", "ttttt", station, cj_str(d, "cert_issuer"),
	    cj_str(d, "cert_serial"), cj_str(d, "reason"), cj_str(d, "date"))) != 0)
		return r;
	return center_q_done(cs, st, "end a My Number link");
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

static void
col_copy(struct center_stmt *st, int i, char *out, size_t len)
{
	const char *v = db_col_text(st, i);

	snprintf(out, len, "%s", v != NULL ? v : "");
}

int
center_mynumber_link(struct center_store *cs, const char *cert_sha256,
    struct center_card *out, char user_number[33], int *found)
{
	struct center_stmt *st;
	int r, s;

	memset(out, 0, sizeof(*out));
	*found = 0;
	user_number[0] = '\0';
	/* A query's read: the replica when one is configured, as the cards'. */
	cs = center_store_reader(cs);
	if ((r = center_q(cs, 1, &st, "SELECT user_number, station_id, person,"
	    " insurer_number, ended, end_reason, ended_on FROM elig_mynumber WHERE"
	    " cert_sha256 = ?1", "t", cert_sha256)) != 0)
		return r;
	s = db_step(st);
	if (s == DB_ROW) {
		*found = 1;
		out->issued = 1;
		col_copy(st, 0, user_number, 33);
		col_copy(st, 1, out->station, sizeof(out->station));
		out->person = db_col_int64(st, 2);
		col_copy(st, 3, out->insurer_number, sizeof(out->insurer_number));
		out->revoked = (int)db_col_int64(st, 4);
		col_copy(st, 5, out->revoked_reason, sizeof(out->revoked_reason));
		col_copy(st, 6, out->revoked_on, sizeof(out->revoked_on));
	} else if (s != DB_DONE)
		r = center_db_err(cs, "read a My Number link");
	db_finalize(st);
	return r;
}
