/*
 * store-held.c: items an import held for a clerk (held_items): change
 * records about unknown persons or out of order, partial matches with a
 * counter enrolment, and rule findings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-res-int.h"
#include "util.h"

#define HELD_COLUMNS "id, kind, person_code, coalesce(resident_id, 0), event,"\
	" coalesce(event_date, ''), reason, record, coalesce(source_file, ''),"\
	" coalesce(source_line, 0), held_at, coalesce(resolved_at, ''), coalesce(resolution, '')"

static void
held_from_row(sqlite3_stmt *s, struct held_item *h)
{
	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, h->kind, sizeof(h->kind));
	store_col_text(s, 2, h->person_code, sizeof(h->person_code));
	h->resident_id = sqlite3_column_int64(s, 3);
	store_col_text(s, 4, h->event, sizeof(h->event));
	store_col_text(s, 5, h->event_date, sizeof(h->event_date));
	store_col_text(s, 6, h->reason, sizeof(h->reason));
	h->record = xstrdup((const char *)sqlite3_column_text(s, 7));
	h->source_file = xstrdup((const char *)sqlite3_column_text(s, 8));
	h->source_line = sqlite3_column_int64(s, 9);
	store_col_text(s, 10, h->held_at, sizeof(h->held_at));
	store_col_text(s, 11, h->resolved_at, sizeof(h->resolved_at));
	store_col_text(s, 12, h->resolution, sizeof(h->resolution));
}

void
store_held_free(struct held_item *h)
{
	if (h == NULL)
		return;
	free(h->record);
	free(h->source_file);
	memset(h, 0, sizeof(*h));
}

void
store_held_list_free(struct held_item *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		store_held_free(&list[i]);
	free(list);
}

int
store_held_add(struct store *st, const char *kind, const char *person_code,
    int64_t resident_id, const char *event, const char *event_date, const char *reason,
    const char *record, const char *file, size_t line, const char *now, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "INSERT INTO held_items (kind, person_code, resident_id,"
	    " event, event_date, reason, record, source_file, source_line, held_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
	    " ON CONFLICT (kind, person_code, record, reason) DO NOTHING", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, person_code != NULL ? person_code : "", -1, SQLITE_STATIC);
	if (resident_id != 0)
		sqlite3_bind_int64(s, 3, resident_id);
	sqlite3_bind_text(s, 4, event != NULL ? event : "", -1, SQLITE_STATIC);
	if (event_date != NULL && event_date[0] != '\0')
		sqlite3_bind_text(s, 5, event_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, record != NULL ? record : "", -1, SQLITE_STATIC);
	if (file != NULL) {
		sqlite3_bind_text(s, 8, file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 9, (sqlite3_int64)line);
	}
	sqlite3_bind_text(s, 10, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		r = store_err(st, rc, "hold item");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if ((r = store_prepare(st, "SELECT id FROM held_items WHERE kind = ?1 AND"
	    " person_code = ?2 AND record = ?3 AND reason = ?4", &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, person_code != NULL ? person_code : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, record != NULL ? record : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = store_err(st, rc, "read held item");
		goto out;
	}
	*id = sqlite3_column_int64(s, 0);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int
store_held_list(struct store *st, int all, struct held_item **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct held_item *list = NULL;
	size_t cnt = 0, cap = 0;
	int r, rc;

	if ((r = store_prepare(st, all ? "SELECT " HELD_COLUMNS " FROM held_items ORDER BY id" :
	    "SELECT " HELD_COLUMNS " FROM held_items WHERE resolved_at IS NULL ORDER BY id",
	    &s)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		held_from_row(s, &list[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		store_held_list_free(list, cnt);
		r = store_err(st, rc, "list held items");
	} else {
		*out = list;
		*n = cnt;
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_held_get(struct store *st, int64_t id, struct held_item *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " HELD_COLUMNS " FROM held_items WHERE id = ?1",
	    &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		held_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no held item #%lld", (long long)id);
	else
		r = store_err(st, rc, "read held item");
	sqlite3_finalize(s);
	return r;
}

int
store_held_resolve(struct store *st, int64_t id, const char *resolution)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "UPDATE held_items SET resolved_at = ?2, resolution = ?3"
	    " WHERE id = ?1 AND resolved_at IS NULL", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, resolution, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "resolve held item");
	else if (sqlite3_changes(st->db) == 0) {
		struct held_item h;
		if ((r = store_held_get(st, id, &h)) == 0) {
			r = err_set(NHI_ESTATE, "held item #%lld is already resolved (%s)",
			    (long long)id, h.resolution);
			store_held_free(&h);
		}
	} else
		r = 0;
	sqlite3_finalize(s);
	return r;
}

int
store_held_open_finding(struct store *st, int64_t resident_id, struct held_item *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	/* A finding names the resident by id, or (held before the match) by
	 * the person code the resident now carries. */
	if ((r = store_prepare(st, "SELECT " HELD_COLUMNS " FROM held_items h"
	    " WHERE h.kind = 'finding' AND h.resolved_at IS NULL AND (h.resident_id = ?1"
	    "  OR (h.person_code <> '' AND h.person_code = (SELECT person_code FROM"
	    "  residents WHERE id = ?1))) ORDER BY h.id LIMIT 1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, resident_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (out != NULL)
			held_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = NHI_ENOTFOUND;
	else
		r = store_err(st, rc, "find open findings");
	sqlite3_finalize(s);
	return r;
}

int
store_held_finding_residents(struct store *st, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int64_t *list = NULL;
	size_t cnt = 0, cap = 0;
	int r, rc;

	if ((r = store_prepare(st, "SELECT DISTINCT coalesce(h.resident_id, r.id) AS rid"
	    " FROM held_items h LEFT JOIN residents r ON h.person_code <> ''"
	    "  AND r.person_code = h.person_code"
	    " WHERE h.kind = 'finding' AND h.resolved_at IS NULL AND rid IS NOT NULL"
	    " UNION SELECT r.id FROM held_items h JOIN residents r"
	    "  ON h.person_code <> '' AND r.person_code = h.person_code"
	    " WHERE h.kind = 'finding' AND h.resolved_at IS NULL ORDER BY 1", &s)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[cnt++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(list);
		return store_err(st, rc, "list residents with open findings");
	}
	*ids = list;
	*n = cnt;
	return 0;
}
