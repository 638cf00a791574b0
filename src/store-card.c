/*
 * store-card.c: the cards table and its card_events: the station's record
 * of every NHI key it wrote or started to write (docs/card-profile.md 5.2).
 *
 * Each change of a row and its event are one transaction, so a crash
 * leaves either both or neither. The user number is unique: an insert that
 * collides answers NHI_EDUPLICATE so the caller draws another one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "lifecycle.h"
#include "store-int.h"
#include "util.h"

#define CARD_COLUMNS \
	"id, resident_id, kind, card_serial, user_number, key_generation, state," \
	" coalesce(state_reason, ''), coalesce(step, ''), public_key, key_record," \
	" coalesce(issued_on, ''), fee_yen, fee_waived, created_at, updated_at"

static size_t
card_copy_blob(sqlite3_stmt *stmt, int col, uint8_t *out, size_t cap)
{
	const void *b = sqlite3_column_blob(stmt, col);
	size_t n = (size_t)sqlite3_column_bytes(stmt, col);

	if (b == NULL || n > cap)
		return 0;
	memcpy(out, b, n);
	return n;
}

static void
card_from_row(sqlite3_stmt *stmt, struct store_card *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(stmt, 0);
	c->resident_id = sqlite3_column_int64(stmt, 1);
	store_col_text(stmt, 2, c->kind, sizeof(c->kind));
	store_col_text(stmt, 3, c->card_serial, sizeof(c->card_serial));
	(void)card_copy_blob(stmt, 4, c->user_number, sizeof(c->user_number));
	c->key_generation = sqlite3_column_int(stmt, 5);
	store_col_text(stmt, 6, c->state, sizeof(c->state));
	store_col_text(stmt, 7, c->state_reason, sizeof(c->state_reason));
	store_col_text(stmt, 8, c->step, sizeof(c->step));
	c->public_key_len = card_copy_blob(stmt, 9, c->public_key, sizeof(c->public_key));
	c->key_record_len = card_copy_blob(stmt, 10, c->key_record, sizeof(c->key_record));
	store_col_text(stmt, 11, c->issued_on, sizeof(c->issued_on));
	c->fee_yen = sqlite3_column_int(stmt, 12);
	c->fee_waived = sqlite3_column_int(stmt, 13);
	store_col_text(stmt, 14, c->created_at, sizeof(c->created_at));
	store_col_text(stmt, 15, c->updated_at, sizeof(c->updated_at));
}

/* Run a prepared look-up whose parameters are bound; fill *out from the
 * first row. */
static int
card_fetch(struct store *st, sqlite3_stmt *stmt, const char *what, struct store_card *out)
{
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return err_set(NHI_ENOTFOUND, "no card record for %s", what);
	if (rc != SQLITE_ROW)
		return store_err(st, rc, what);
	card_from_row(stmt, out);
	return 0;
}

/* Insert one card_events row inside the caller's transaction, with the
 * loss report's who and how when given (NULL otherwise). */
static int
card_event_insert_report(struct store *st, int64_t id, const char *event,
    const char *from, const char *to, const char *detail, const char *reported_by,
    const char *report_how)
{
	sqlite3_stmt *stmt = NULL;
	char now[24];
	int r, rc;

	if ((r = store_stmt(st, "INSERT INTO card_events (card_id, at, event, from_state,"
	    " to_state, detail, reported_by, report_how) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	    " ?7, ?8)", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 7, reported_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, report_how, -1, SQLITE_STATIC);
	store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, detail, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "record card event");
	else
		r = 0;
	store_stmt_done(st, stmt);
	return r;
}

static int
card_event_insert(struct store *st, int64_t id, const char *event, const char *from,
    const char *to, const char *detail)
{
	return card_event_insert_report(st, id, event, from, to, detail, NULL, NULL);
}

/* Join the caller's transaction when one is open, else open one (*own). */
static int
card_txn_begin(struct store *st, int *own)
{
	*own = !st->in_txn;
	return *own ? store_begin(st) : 0;
}

/* Commit what card_txn_begin opened; roll it back on error. The caller's
 * own transaction is left to the caller. */
static int
card_txn_end(struct store *st, int own, int r)
{
	if (!own)
		return r;
	if (r == 0)
		return store_commit(st);
	store_rollback(st);
	return r;
}

int
store_card_insert(struct store *st, struct store_card *c, const char *detail)
{
	sqlite3_stmt *stmt = NULL;
	char now[24];
	int64_t id;
	int r, rc, own;

	if ((r = card_txn_begin(st, &own)) != 0)
		return r;
	if ((r = store_stmt(st, "INSERT INTO cards (resident_id, kind, card_serial,"
	    " user_number, key_generation, state, step, fee_yen, fee_waived, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'personalizing', ?6, ?7, ?8, ?9, ?9)",
	    &stmt)) != 0)
		goto out;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, c->resident_id);
	sqlite3_bind_text(stmt, 2, c->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, c->card_serial, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 4, c->user_number, STORE_USER_NUMBER_LEN, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, c->key_generation);
	sqlite3_bind_text(stmt, 6, c->step[0] ? c->step : "start", -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 7, c->fee_yen);
	sqlite3_bind_int(stmt, 8, c->fee_waived);
	sqlite3_bind_text(stmt, 9, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE &&
	    strstr(sqlite3_errmsg(st->db), "user_number") != NULL) {
		r = err_set(NHI_EDUPLICATE, "store %s: user number already taken", st->path);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "insert card");
		goto out;
	}
	id = sqlite3_last_insert_rowid(st->db);
	if ((r = card_event_insert(st, id, "personalize_start", NULL, "personalizing",
	    detail)) != 0)
		goto out;
	if (own && (r = store_commit(st)) != 0)
		goto out;
	own = 0;
	c->id = id;
	snprintf(c->state, sizeof(c->state), "personalizing");
	snprintf(c->created_at, sizeof(c->created_at), "%s", now);
	snprintf(c->updated_at, sizeof(c->updated_at), "%s", now);
	r = 0;
out:
	store_stmt_done(st, stmt);
	if (r != 0 && own)
		store_rollback(st);
	return r;
}

/* 1 if `state` is one of the comma-separated `list`. */
static int
card_state_in(const char *state, const char *list)
{
	size_t n = strlen(state);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, state, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* The row's current state (and, when `reason` is not NULL, its
 * state_reason), inside the caller's transaction. */
static int
card_current_state_reason(struct store *st, int64_t id, char *state, size_t cap,
    char *reason, size_t rcap)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "SELECT state, coalesce(state_reason, '') FROM cards"
	    " WHERE id = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_col_text(stmt, 0, state, cap);
		if (reason != NULL)
			store_col_text(stmt, 1, reason, rcap);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no card record with id %lld", (long long)id);
	else
		r = store_err(st, rc, "read card state");
	store_stmt_done(st, stmt);
	return r;
}

static int
card_current_state(struct store *st, int64_t id, char *state, size_t cap)
{
	return card_current_state_reason(st, id, state, cap, NULL, 0);
}

/* Ask the life cycle (lifecycle.h) whether `event` may move the row from
 * `cur` (with `cur_reason`) and, when `want` is not NULL, that it leads
 * there. Sets *to and *to_reason. */
static int
card_check_transition(int64_t id, const char *cur, const char *cur_reason,
    const char *event, const char *want, const char **to, const char **to_reason)
{
	int r;

	if ((r = lifecycle_next(id, cur, cur_reason, event, to, to_reason)) != 0)
		return r;
	if (want != NULL && strcmp(*to, want) != 0)
		return err_set(NHI_EINTERNAL, "card record %lld: event %s leads from %s to"
		    " %s, not %s", (long long)id, event, cur, *to, want);
	return 0;
}

int
store_card_set_state(struct store *st, int64_t id, const char *from, const char *state,
    const char *step, const char *reason, const char *event, const char *detail)
{
	sqlite3_stmt *stmt = NULL;
	char cur[16], cur_reason[256], now[24];
	const char *to, *to_reason;
	int r, rc, own;

	if ((r = card_txn_begin(st, &own)) != 0)
		return r;
	if ((r = card_current_state_reason(st, id, cur, sizeof(cur), cur_reason,
	    sizeof(cur_reason))) != 0)
		goto out;
	if (from != NULL && !card_state_in(cur, from)) {
		r = err_set(NHI_ESTATE, "card record %lld is %s, not %s", (long long)id, cur, from);
		goto out;
	}
	if ((r = card_check_transition(id, cur, cur_reason, event, state, &to,
	    &to_reason)) != 0)
		goto out;
	if (to_reason != NULL)
		reason = to_reason;	/* the life cycle's reason ("": none) */
	if ((r = store_stmt(st, "UPDATE cards SET state = ?2,"
	    " step = coalesce(?3, step), state_reason = CASE WHEN ?4 IS NULL THEN"
	    " state_reason WHEN ?4 = '' THEN NULL ELSE ?4 END,"
	    " updated_at = ?5 WHERE id = ?1", &stmt)) != 0)
		goto out;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_err(st, rc, "update card state");
		goto out;
	}
	r = card_event_insert(st, id, event, cur, state, detail);
out:
	store_stmt_done(st, stmt);
	return card_txn_end(st, own, r);
}

int
store_card_activate(struct store *st, int64_t id, const uint8_t *public_key,
    size_t public_key_len, const uint8_t *key_record, size_t key_record_len,
    const char *issued_on, const char *detail)
{
	sqlite3_stmt *stmt = NULL;
	char cur[16], now[24];
	const char *to, *to_reason;
	int r, rc, own;

	if ((r = card_txn_begin(st, &own)) != 0)
		return r;
	if ((r = card_current_state(st, id, cur, sizeof(cur))) != 0)
		goto out;
	if (!card_state_in(cur, "personalizing,unfinished")) {
		r = err_set(NHI_ESTATE, "card record %lld is %s: only a card being"
		    " personalized can become active", (long long)id, cur);
		goto out;
	}
	if ((r = card_check_transition(id, cur, NULL, LC_EV_ACTIVATED, "active", &to,
	    &to_reason)) != 0)
		goto out;
	if ((r = store_stmt(st, "UPDATE cards SET state = 'active', step = 'done',"
	    " state_reason = NULL, public_key = ?2, key_record = ?3, issued_on = ?4,"
	    " updated_at = ?5 WHERE id = ?1", &stmt)) != 0)
		goto out;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_blob(stmt, 2, public_key, (int)public_key_len, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, key_record, (int)key_record_len, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, issued_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		r = err_reason(err_set(NHI_ESTATE, "card record %lld: the resident already has"
		    " another active card", (long long)id), "card.holder_has_active");
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "activate card");
		goto out;
	}
	r = card_event_insert(st, id, LC_EV_ACTIVATED, cur, "active", detail);
out:
	store_stmt_done(st, stmt);
	return card_txn_end(st, own, r);
}

int
store_card_event(struct store *st, int64_t id, const char *event, const char *detail)
{
	char cur[16];
	int r, own;

	if ((r = card_txn_begin(st, &own)) != 0)
		return r;
	if ((r = card_current_state(st, id, cur, sizeof(cur))) == 0)
		r = card_event_insert(st, id, event, cur, cur, detail);
	return card_txn_end(st, own, r);
}

int
store_card_transition(struct store *st, int64_t id, const char *event,
    const char *detail, const char *reported_by, const char *report_how,
    struct store_card *after)
{
	sqlite3_stmt *stmt = NULL;
	struct store_card row;
	char cur[16], cur_reason[256], now[24];
	const char *to, *to_reason;
	int r, rc, own;

	if ((r = card_txn_begin(st, &own)) != 0)
		return r;
	if ((r = card_current_state_reason(st, id, cur, sizeof(cur), cur_reason,
	    sizeof(cur_reason))) != 0 ||
	    (r = card_check_transition(id, cur, cur_reason, event, NULL, &to,
	    &to_reason)) != 0)
		goto out;
	if ((r = store_stmt(st, "UPDATE cards SET state = ?2, state_reason ="
	    " CASE WHEN ?3 IS NULL THEN state_reason WHEN ?3 = '' THEN NULL ELSE ?3 END,"
	    " updated_at = ?4 WHERE id = ?1", &stmt)) != 0)
		goto out;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, to_reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		r = err_reason(err_set(NHI_ESTATE, "card %lld: the resident already has another active"
		    " card; a person holds one active NHI key at a time", (long long)id), "card.holder_has_active");
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "change card state");
		goto out;
	}
	if ((r = card_event_insert_report(st, id, event, cur, to, detail, reported_by,
	    report_how)) != 0)
		goto out;
	if (after != NULL && (r = store_card_get(st, id, &row)) != 0)
		goto out;
	if (after != NULL)
		*after = row;
	r = 0;
out:
	store_stmt_done(st, stmt);
	return card_txn_end(st, own, r);
}

int
store_card_latest_for_resident(struct store *st, int64_t resident_id,
    const char *state, struct store_card *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[64];
	int r;

	if ((r = store_stmt(st, "SELECT " CARD_COLUMNS " FROM cards WHERE resident_id = ?1"
	    " AND state = ?2 ORDER BY id DESC LIMIT 1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "a %s card of resident %lld", state,
	    (long long)resident_id);
	r = card_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_last_report(struct store *st, int64_t resident_id, const char *event,
    int64_t except, struct store_card *out, char at[24])
{
	sqlite3_stmt *stmt = NULL;
	int64_t id = 0;
	int r, rc;

	if ((r = store_stmt(st, "SELECT c.id, e.at FROM card_events e JOIN cards c"
	    " ON c.id = e.card_id WHERE c.resident_id = ?1 AND e.event = ?2 AND c.id <> ?3"
	    " ORDER BY e.id DESC LIMIT 1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, except);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		store_col_text(stmt, 1, at, 24);
	}
	r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? NHI_ENOTFOUND :
	    store_err(st, rc, "read card events");
	store_stmt_done(st, stmt);
	if (r != 0)
		return r;
	return store_card_get(st, id, out);
}

int
store_card_get(struct store *st, int64_t id, struct store_card *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[48];
	int r;

	if ((r = store_stmt(st, "SELECT " CARD_COLUMNS " FROM cards WHERE id = ?1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	snprintf(what, sizeof(what), "id %lld", (long long)id);
	r = card_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_by_user_number(struct store *st,
    const uint8_t user_number[STORE_USER_NUMBER_LEN], struct store_card *out)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_stmt(st, "SELECT " CARD_COLUMNS " FROM cards WHERE user_number = ?1",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_blob(stmt, 1, user_number, STORE_USER_NUMBER_LEN, SQLITE_STATIC);
	r = card_fetch(st, stmt, "the card's user number", out);
	store_stmt_done(st, stmt);
	return r;
}

static int
card_by_serial(struct store *st, const char *sql, const char *card_serial,
    struct store_card *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[64];
	int r;

	if ((r = store_stmt(st, sql, &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, card_serial, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "card serial %s", card_serial);
	r = card_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_pending_by_serial(struct store *st, const char *card_serial,
    struct store_card *out)
{
	return card_by_serial(st, "SELECT " CARD_COLUMNS " FROM cards WHERE card_serial = ?1"
	    " AND state IN ('personalizing', 'unfinished') ORDER BY id DESC LIMIT 1",
	    card_serial, out);
}

int
store_card_latest_by_serial(struct store *st, const char *card_serial,
    struct store_card *out)
{
	return card_by_serial(st, "SELECT " CARD_COLUMNS " FROM cards WHERE card_serial = ?1"
	    " ORDER BY id DESC LIMIT 1", card_serial, out);
}

int
store_card_active_for_resident(struct store *st, int64_t resident_id,
    struct store_card *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[48];
	int r;

	if ((r = store_stmt(st, "SELECT " CARD_COLUMNS " FROM cards WHERE resident_id = ?1"
	    " AND state = 'active'", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	snprintf(what, sizeof(what), "an active card of resident %lld", (long long)resident_id);
	r = card_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_max_generation(struct store *st, int64_t resident_id, int *out)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "SELECT coalesce(max(key_generation), 0) FROM cards"
	    " WHERE resident_id = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = store_err(st, rc, "read key generation");
		goto out;
	}
	*out = sqlite3_column_int(stmt, 0);
	r = 0;
out:
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_events_text(struct store *st, int64_t id, char **out)
{
	sqlite3_stmt *stmt = NULL;
	char *text = xstrdup(""), *next;
	const unsigned char *c[5];
	int r, rc, i;

	if ((r = store_stmt(st, "SELECT at, event, coalesce(from_state, '-'),"
	    " coalesce(to_state, '-'), coalesce(detail, '') FROM card_events"
	    " WHERE card_id = ?1 ORDER BY id", &stmt)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 0; i < 5; i++)
			c[i] = sqlite3_column_text(stmt, i);
		next = xasprintf("%s%s %s %s>%s %s\n", text, c[0], c[1], c[2], c[3], c[4]);
		free(text);
		text = next;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "read card events");
		goto out;
	}
	*out = text;
	text = NULL;
	r = 0;
out:
	free(text);
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_replaceable(struct store *st, int64_t resident_id, struct store_card *out)
{
	sqlite3_stmt *stmt = NULL;
	char what[64];
	int r;

	if ((r = store_stmt(st, "SELECT " CARD_COLUMNS " FROM cards WHERE resident_id = ?1"
	    " AND (state = 'suspended' OR (state = 'revoked' AND state_reason IN"
	    " ('lost', 'stolen', 'damaged'))) ORDER BY id DESC LIMIT 1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	snprintf(what, sizeof(what), "a replaceable card of resident %lld",
	    (long long)resident_id);
	r = card_fetch(st, stmt, what, out);
	store_stmt_done(st, stmt);
	return r;
}

int
store_card_active_without_eligibility(struct store *st, const char *on, int64_t **ids,
    size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	int64_t *list = NULL;
	size_t count = 0, cap = 0;
	int r, rc;

	/* The same period-in-force test as store_eligibility_current(). */
	if ((r = store_stmt(st, "SELECT c.id FROM cards c WHERE c.state = 'active'"
	    " AND NOT EXISTS (SELECT 1 FROM eligibility_periods e"
	    " WHERE e.resident_id = c.resident_id AND e.superseded_by IS NULL"
	    " AND e.acquired_on <= ?1 AND (e.lost_on IS NULL OR e.lost_on > ?1))"
	    " ORDER BY c.id", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, on, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 8;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[count++] = sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "find cards without eligibility");
		goto out;
	}
	*ids = list;
	*n = count;
	list = NULL;
	r = 0;
out:
	free(list);
	store_stmt_done(st, stmt);
	return r;
}
