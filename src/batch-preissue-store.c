/*
 * batch-preissue-store.c: the store part of pre-issuance (batch-preissue.h):
 * preissue_items (schema version 3) next to the batch engine's
 * batch_items, which hold the item's state, the reserved user number, the
 * card and the certificate serial.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "batch-preissue.h"
#include "error.h"
#include "store-int.h"
#include "util.h"

/* The columns item_fetch reads, in order. */
#define ITEM_COLUMNS \
	"b.id, b.run_id, b.seq, b.resident_id, b.state, p.path, b.user_number," \
	" p.key_generation, p.issue_date, p.cert_kind, p.eligibility_id," \
	" p.card_serial, b.card_id, b.cert_serial, p.exported_at"
#define ITEM_FROM " FROM preissue_items p JOIN batch_items b ON b.id = p.item_id"

static void
item_read(sqlite3_stmt *stmt, struct preissue_item *out)
{
	const void *un;

	memset(out, 0, sizeof(*out));
	out->item_id = sqlite3_column_int64(stmt, 0);
	out->run_id = sqlite3_column_int64(stmt, 1);
	out->seq = sqlite3_column_int64(stmt, 2);
	out->resident_id = sqlite3_column_int64(stmt, 3);
	store_col_text(stmt, 4, out->state, sizeof(out->state));
	store_col_text(stmt, 5, out->path, sizeof(out->path));
	un = sqlite3_column_blob(stmt, 6);
	if (un != NULL && sqlite3_column_bytes(stmt, 6) == CARD_USER_NUMBER_LEN)
		memcpy(out->user_number, un, CARD_USER_NUMBER_LEN);
	out->key_generation = sqlite3_column_int(stmt, 7);
	store_col_text(stmt, 8, out->issue_date, sizeof(out->issue_date));
	store_col_text(stmt, 9, out->cert_kind, sizeof(out->cert_kind));
	out->eligibility_id = sqlite3_column_int64(stmt, 10);
	store_col_text(stmt, 11, out->card_serial, sizeof(out->card_serial));
	out->card_id = sqlite3_column_int64(stmt, 12);
	store_col_text(stmt, 13, out->cert_serial, sizeof(out->cert_serial));
	store_col_text(stmt, 14, out->exported_at, sizeof(out->exported_at));
}

/* Step a prepared one-row query into *out. */
static int
item_fetch(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct preissue_item *out)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW) {
		item_read(stmt, out);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return err_set(NHI_ENOTFOUND, "no prepared item with %s", what);
	return store_err(st, rc, what);
}

int
store_preissue_add(struct store *st, const struct preissue_item *it)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "INSERT INTO preissue_items (item_id, run_id, path,"
	    " key_generation, issue_date, cert_kind, eligibility_id) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, it->item_id);
	sqlite3_bind_int64(stmt, 2, it->run_id);
	sqlite3_bind_text(stmt, 3, it->path, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, it->key_generation);
	sqlite3_bind_text(stmt, 5, it->issue_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, it->cert_kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, it->eligibility_id);
	rc = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return rc == SQLITE_DONE ? 0 : store_err(st, rc, "recording a prepared item");
}

int
store_preissue_number_taken(struct store *st, const uint8_t un[CARD_USER_NUMBER_LEN],
    int *taken)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM cards WHERE user_number = ?1)"
	    " OR EXISTS (SELECT 1 FROM batch_items WHERE user_number = ?1)", &stmt)) != 0)
		return r;
	sqlite3_bind_blob(stmt, 1, un, CARD_USER_NUMBER_LEN, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*taken = sqlite3_column_int(stmt, 0);
		r = 0;
	} else
		r = store_err(st, rc, "looking up a user number");
	store_stmt_done(st, stmt);
	return r;
}

int
store_preissue_get(struct store *st, int64_t item_id, struct preissue_item *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[48];
	int r;

	if ((r = store_stmt(st, "SELECT " ITEM_COLUMNS ITEM_FROM " WHERE p.item_id = ?1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, item_id);
	snprintf(what, sizeof(what), "item id %lld", (long long)item_id);
	r = item_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_preissue_by_user_number(struct store *st, int64_t run_id,
    const uint8_t un[CARD_USER_NUMBER_LEN], struct preissue_item *out)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_stmt(st, "SELECT " ITEM_COLUMNS ITEM_FROM
	    " WHERE b.user_number = ?1 AND b.run_id = ?2", &stmt)) != 0)
		return r;
	sqlite3_bind_blob(stmt, 1, un, CARD_USER_NUMBER_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, run_id);
	r = item_fetch(st, stmt, "that user number in the run", out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_preissue_by_serial(struct store *st, int64_t run_id, const char *serial,
    struct preissue_item *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[64];
	int r;

	if ((r = store_stmt(st, "SELECT " ITEM_COLUMNS ITEM_FROM
	    " WHERE p.card_serial = ?1 AND p.run_id = ?2 ORDER BY b.seq LIMIT 1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, run_id);
	snprintf(what, sizeof(what), "card serial %s", serial);
	r = item_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_preissue_next_standalone(struct store *st, int64_t run_id, struct preissue_item *out)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_stmt(st, "SELECT " ITEM_COLUMNS ITEM_FROM
	    " WHERE p.run_id = ?1 AND p.path = 'standalone' AND p.card_serial IS NULL"
	    " AND p.exported_at IS NULL AND b.state = 'prepared' ORDER BY b.seq LIMIT 1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, run_id);
	r = item_fetch(st, stmt, "a free standalone card in the run", out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_preissue_juki_candidates(struct store *st, int64_t run_id, const char *birth,
    struct preissue_item **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct preissue_item *list = NULL;
	size_t count = 0, cap = 0;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " ITEM_COLUMNS ITEM_FROM
	    " JOIN residents r ON r.id = b.resident_id"
	    " WHERE r.birth_date = ?1 AND b.run_id = ?2 AND b.state = 'prepared'"
	    " AND p.path <> 'standalone' AND p.exported_at IS NULL ORDER BY b.seq",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, birth, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 4;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		item_read(stmt, &list[count++]);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		free(list);
		return store_err(st, rc, "looking for the prepared persons of a birth date");
	}
	*out = list;
	*n = count;
	return 0;
}

int
store_preissue_bind(struct store *st, int64_t item_id, const char *serial)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "UPDATE preissue_items SET card_serial = ?2"
	    " WHERE item_id = ?1 AND card_serial IS NULL", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, item_id);
	sqlite3_bind_text(stmt, 2, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (rc != SQLITE_DONE)
		return store_err(st, rc, "binding a card to a prepared item");
	if (sqlite3_changes(st->db) != 1)
		return err_set(NHI_ESTATE, "prepared item %lld already has a card bound",
		    (long long)item_id);
	return 0;
}

int
store_preissue_valid_certificate(struct store *st, int64_t resident_id,
    const char *document, char serial[32])
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT serial FROM certificates WHERE resident_id = ?1"
	    " AND document = ?2 AND voided_at IS NULL", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, document, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_col_text(stmt, 0, serial, 32);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "resident %lld has no valid %s",
		    (long long)resident_id, document);
	else
		r = store_err(st, rc, "looking up a certificate");
	sqlite3_finalize(stmt);
	return r;
}

int
store_preissue_certificate_since_card(struct store *st, int64_t resident_id,
    const char *document, int64_t card_id, char serial[32])
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT c.serial FROM certificates c WHERE c.resident_id = ?1"
	    " AND c.document = ?2 AND c.voided_at IS NULL AND c.issued_at >= (SELECT max(at)"
	    " FROM card_events WHERE card_id = ?3 AND to_state = 'active')", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, document, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, card_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_col_text(stmt, 0, serial, 32);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "resident %lld has no %s printed since card"
		    " record %lld became active", (long long)resident_id, document,
		    (long long)card_id);
	else
		r = store_err(st, rc, "looking up a certificate");
	sqlite3_finalize(stmt);
	return r;
}

int
store_preissue_open_count(struct store *st, int64_t run_id, int64_t *n)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT count(*)" ITEM_FROM " WHERE b.run_id = ?1"
	    " AND b.state = 'prepared' AND p.exported_at IS NULL", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, run_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(stmt, 0);
		r = 0;
	} else
		r = store_err(st, rc, "counting the open items of a run");
	sqlite3_finalize(stmt);
	return r;
}

int
store_preissue_person(struct store *st, int64_t resident_id, int64_t run_id,
    int64_t *active_card, int *max_generation, int *in_other_run)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT"
	    " (SELECT id FROM cards WHERE resident_id = ?1 AND state = 'active'),"
	    " (SELECT coalesce(max(key_generation), 0) FROM cards WHERE resident_id = ?1),"
	    " EXISTS (SELECT 1 FROM batch_items b JOIN batch_runs r ON r.id = b.run_id"
	    " WHERE b.resident_id = ?1 AND b.run_id <> ?2 AND r.kind = 'preissue'"
	    " AND r.state <> 'cancelled' AND (b.state = 'pending' OR b.state = 'prepared'))",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_int64(stmt, 2, run_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*active_card = sqlite3_column_int64(stmt, 0);
		*max_generation = sqlite3_column_int(stmt, 1);
		*in_other_run = sqlite3_column_int(stmt, 2);
		r = 0;
	} else
		r = store_err(st, rc, "reading a resident's cards and runs");
	sqlite3_finalize(stmt);
	return r;
}

int
store_preissue_export_walk(struct store *st, int64_t run_id, int mark,
    int (*fn)(void *arg, const struct preissue_export_row *row), void *arg)
{
	sqlite3_stmt *stmt = NULL, *upd = NULL;
	struct preissue_export_row row;
	struct preissue_item it;
	char now[32];
	int r, rc;

	if (mark && !st->in_txn)
		return err_set(NHI_EINTERNAL, "store_preissue_export_walk: marking needs the"
		    " caller's transaction");
	if (mark) {
		/* exported_at is set once: a re-export keeps the first time. */
		store_now(now, sizeof(now));
		if ((r = store_prepare(st, "UPDATE preissue_items SET exported_at = ?2"
		    " WHERE run_id = ?1 AND path = 'standalone' AND exported_at IS NULL"
		    " AND card_serial IS NULL AND item_id IN (SELECT id FROM batch_items"
		    " WHERE run_id = ?1 AND state = 'prepared')", &upd)) != 0)
			return r;
		sqlite3_bind_int64(upd, 1, run_id);
		sqlite3_bind_text(upd, 2, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(upd);
		sqlite3_finalize(upd);
		if (rc != SQLITE_DONE)
			return store_err(st, rc, "marking items exported");
	}
	if ((r = store_prepare(st, "SELECT " ITEM_COLUMNS ", r.person_code, r.name_kanji,"
	    " r.name_kana, coalesce(h.household_code, ''), coalesce(h.address, r.address)"
	    ITEM_FROM " JOIN residents r ON r.id = b.resident_id"
	    " LEFT JOIN households h ON h.id = r.household_id"
	    " WHERE b.run_id = ?1 AND b.state = 'prepared' AND p.exported_at IS NOT NULL"
	    " ORDER BY b.seq", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		item_read(stmt, &it);
		row.item = &it;
		row.person_code = (const char *)sqlite3_column_text(stmt, 15);
		row.name_kanji = (const char *)sqlite3_column_text(stmt, 16);
		row.name_kana = (const char *)sqlite3_column_text(stmt, 17);
		row.household_code = (const char *)sqlite3_column_text(stmt, 18);
		row.address = (const char *)sqlite3_column_text(stmt, 19);
		if (row.person_code == NULL)
			row.person_code = "";
		if (row.name_kanji == NULL)
			row.name_kanji = "";
		if (row.name_kana == NULL)
			row.name_kana = "";
		if ((r = fn(arg, &row)) != 0) {
			util_wipe(&it, sizeof(it));
			sqlite3_finalize(stmt);
			return r;
		}
	}
	util_wipe(&it, sizeof(it));
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_err(st, rc, "reading the items to export");
}

int
store_preissue_key_used(struct store *st, const uint8_t *public_key, size_t len,
    int64_t except_card, int *used)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM cards WHERE public_key = ?1"
	    " AND id <> ?2)", &stmt)) != 0)
		return r;
	sqlite3_bind_blob(stmt, 1, public_key, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, except_card);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*used = sqlite3_column_int(stmt, 0);
	store_stmt_done(st, stmt);
	return rc == SQLITE_ROW ? 0 : store_err(st, rc, "looking for a public key");
}

int
store_preissue_serial_active(struct store *st, const char *serial, int64_t except_card,
    int64_t *card_id)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	*card_id = 0;
	if ((r = store_stmt(st, "SELECT id FROM cards WHERE card_serial = ?1 AND id <> ?2"
	    " AND state IN ('active', 'suspended') ORDER BY id LIMIT 1", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, except_card);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*card_id = sqlite3_column_int64(stmt, 0);
	store_stmt_done(st, stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_err(st, rc, "looking for a card serial");
}
