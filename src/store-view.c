/*
 * store-view.c: a resident's cards and certificates as lists
 * (store-view.h), for the clerk's resident screen.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-int.h"
#include "store-view.h"
#include "util.h"

int
store_card_list_for_resident(struct store *st, int64_t resident_id,
    struct store_card_brief **out, size_t *n)
{
	struct store_card_brief *v = NULL, *c;
	sqlite3_stmt *s = NULL;
	size_t count = 0;
	int r, rc;

	if ((r = store_prepare(st, "SELECT id, kind, coalesce(card_serial, ''),"
	    " key_generation, state, coalesce(state_reason, ''), coalesce(issued_on, '')"
	    " FROM cards WHERE resident_id = ?1 ORDER BY id DESC", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, count + 1, sizeof(*v));
		c = &v[count++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, c->kind, sizeof(c->kind));
		store_col_text(s, 2, c->card_serial, sizeof(c->card_serial));
		c->key_generation = sqlite3_column_int(s, 3);
		store_col_text(s, 4, c->state, sizeof(c->state));
		store_col_text(s, 5, c->state_reason, sizeof(c->state_reason));
		store_col_text(s, 6, c->issued_on, sizeof(c->issued_on));
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "list the resident's cards");
		free(v);
		goto out;
	}
	*out = v;
	*n = count;
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int
store_certificate_list_for_resident(struct store *st, int64_t resident_id,
    struct store_certificate_brief **out, size_t *n)
{
	struct store_certificate_brief *v = NULL, *c;
	sqlite3_stmt *s = NULL;
	size_t count = 0;
	int r, rc;

	if ((r = store_prepare(st, "SELECT id, serial, document, cert_kind, issued_on,"
	    " voided_at IS NOT NULL, coalesce(void_reason, '') FROM certificates"
	    " WHERE resident_id = ?1 ORDER BY id DESC", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, count + 1, sizeof(*v));
		c = &v[count++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, c->serial, sizeof(c->serial));
		store_col_text(s, 2, c->document, sizeof(c->document));
		store_col_text(s, 3, c->cert_kind, sizeof(c->cert_kind));
		store_col_text(s, 4, c->issued_on, sizeof(c->issued_on));
		c->voided = sqlite3_column_int(s, 5);
		store_col_text(s, 6, c->void_reason, sizeof(c->void_reason));
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "list the resident's certificates");
		free(v);
		goto out;
	}
	*out = v;
	*n = count;
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}
