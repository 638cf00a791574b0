/*
 * queue-store.c: the center queue's tables (queue_records, queue_state,
 * queue_acks): gapless sequence numbers taken inside the caller's
 * transaction, the walk over open records (revocations first), and the
 * updates an export, an acknowledgement, a retry and a purge make. The
 * queue layer (queue*.c) builds payloads and decides; this file only reads
 * and writes rows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "error.h"
#include "queue.h"
#include "store-int.h"
#include "util.h"

#define QREC_COLUMNS "seq, record_id, lane, kind, payload, created_at, attempt," \
	" sent_at, last_batch, acked_at, rejected_at, reject_code, reject_reason"

int
store_queue_in_txn(struct store *st)
{
	return st->in_txn;
}

static int
need_txn(struct store *st, const char *what)
{
	if (!st->in_txn)
		return err_set(NHI_EINTERNAL, "%s outside a store transaction", what);
	return 0;
}

/* A restored store numbers nothing until the center has said what it
 * holds: a number it used since the backup would be refused as a
 * conflict (docs/backup.md). */
static int
need_settled(struct store *st)
{
	int pending, r;

	if ((r = store_restore_pending(st, &pending)) != 0)
		return r;
	if (pending)
		return err_set(NHI_ESTATE, "this store was restored from a backup and the"
		    " center may hold records made after it: run 'nhicard queue send' (or"
		    " export, and import the center's newest acknowledgement) before new"
		    " records are made (docs/backup.md)");
	return 0;
}

/* Run a statement with up to two int64 and two text binds; no rows. */
static int
exec_simple(struct store *st, const char *sql, const char *what, int64_t a, int64_t b,
    const char *t1, const char *t2, int64_t *changes)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	if (t1 != NULL)
		sqlite3_bind_text(s, 3, t1, -1, SQLITE_STATIC);
	if (t2 != NULL)
		sqlite3_bind_text(s, 4, t2, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, what);
	else {
		if (changes != NULL)
			*changes = sqlite3_changes64(st->db);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_queue_next_seq(struct store *st, int64_t *seq)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = need_txn(st, "queue record")) != 0 || (r = need_settled(st)) != 0)
		return r;
	if ((r = store_stmt(st, "UPDATE queue_state SET last_seq = last_seq + 1"
	    " WHERE id = 1 RETURNING last_seq", &s)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		r = rc == SQLITE_DONE ? 0 : store_err(st, rc, "take queue sequence number");
	} else
		r = rc == SQLITE_DONE ? err_set(NHI_ESTORE, "queue_state row missing") :
		    store_err(st, rc, "take queue sequence number");
	store_stmt_done(st, s);
	return r;
}

int
store_queue_insert(struct store *st, int64_t seq, const char *record_id,
    const char *lane, const char *kind, const char *payload, size_t len)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	if ((r = need_txn(st, "queue record")) != 0)
		return r;
	if ((r = store_stmt(st, "INSERT INTO queue_records (seq, record_id, lane, kind,"
	    " payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s)) != 0)
		return r;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_text(s, 2, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, lane, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "insert queue record");
	store_stmt_done(st, s);
	return r;
}

int
store_queue_state(struct store *st, struct queue_state *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT last_seq, last_batch, center_through,"
	    " ack_serial, purged_through FROM queue_state WHERE id = 1", &s)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->last_seq = sqlite3_column_int64(s, 0);
		out->last_batch = sqlite3_column_int64(s, 1);
		out->center_through = sqlite3_column_int64(s, 2);
		out->ack_serial = sqlite3_column_int64(s, 3);
		out->purged_through = sqlite3_column_int64(s, 4);
		r = 0;
	} else
		r = rc == SQLITE_DONE ? err_set(NHI_ESTORE, "queue_state row missing") :
		    store_err(st, rc, "read queue state");
	sqlite3_finalize(s);
	return r;
}

static void
rec_from_row(sqlite3_stmt *s, struct queue_record *q)
{
	memset(q, 0, sizeof(*q));
	q->seq = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, q->record_id, sizeof(q->record_id));
	store_col_text(s, 2, q->lane, sizeof(q->lane));
	store_col_text(s, 3, q->kind, sizeof(q->kind));
	q->payload = sqlite3_column_blob(s, 4);
	q->payload_len = (size_t)sqlite3_column_bytes(s, 4);
	if (q->payload == NULL)
		q->payload = "";
	store_col_text(s, 5, q->created_at, sizeof(q->created_at));
	q->attempt = sqlite3_column_int(s, 6);
	store_col_text(s, 7, q->sent_at, sizeof(q->sent_at));
	q->last_batch = sqlite3_column_int64(s, 8);
	store_col_text(s, 9, q->acked_at, sizeof(q->acked_at));
	store_col_text(s, 10, q->rejected_at, sizeof(q->rejected_at));
	store_col_text(s, 11, q->reject_code, sizeof(q->reject_code));
	store_col_text(s, 12, q->reject_reason, sizeof(q->reject_reason));
}

static int
walk_sql(struct store *st, const char *sql, int64_t limit,
    int (*fn)(void *, const struct queue_record *), void *arg, size_t *count)
{
	sqlite3_stmt *s = NULL;
	struct queue_record q;
	int r, rc;

	if ((r = store_prepare(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rec_from_row(s, &q);
		if (count != NULL)
			(*count)++;
		if ((r = fn(arg, &q)) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : store_err(st, rc, "read queue records");
out:
	sqlite3_finalize(s);
	return r;
}

int
store_queue_walk_open_issuance(struct store *st, const char *user_number,
    int (*fn)(void *, const struct queue_record *), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct queue_record q;
	char *needle = xasprintf("\"user_number\":\"%s\"", user_number);
	int r, rc;

	if ((r = store_prepare(st, "SELECT " QREC_COLUMNS " FROM queue_records WHERE"
	    " lane = 'bulk' AND kind = 'card_issued' AND acked_at IS NULL AND"
	    " rejected_at IS NULL AND instr(CAST(payload AS TEXT), ?1) > 0"
	    " ORDER BY seq", &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, needle, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rec_from_row(s, &q);
		if ((r = fn(arg, &q)) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : store_err(st, rc, "read queue records");
out:
	sqlite3_finalize(s);
	free(needle);
	return r;
}

int
store_queue_walk_open(struct store *st, size_t limit,
    int (*fn)(void *, const struct queue_record *), void *arg)
{
	size_t got = 0;
	int64_t lim = limit == 0 ? -1 : (int64_t)limit;
	int r;

	if ((r = walk_sql(st, "SELECT " QREC_COLUMNS " FROM queue_records WHERE"
	    " lane = 'revocation' AND acked_at IS NULL AND rejected_at IS NULL"
	    " ORDER BY seq LIMIT ?1", lim, fn, arg, &got)) != 0)
		return r;
	if (limit != 0 && got >= limit)
		return 0;
	return walk_sql(st, "SELECT " QREC_COLUMNS " FROM queue_records WHERE"
	    " lane = 'bulk' AND acked_at IS NULL AND rejected_at IS NULL"
	    " ORDER BY seq LIMIT ?1", limit == 0 ? -1 : (int64_t)(limit - got), fn, arg, NULL);
}

int
store_queue_walk(struct store *st, const char *filter,
    int (*fn)(void *, const struct queue_record *), void *arg)
{
	const char *where;

	if (strcmp(filter, "all") == 0)
		where = "1";
	else if (strcmp(filter, "rejected") == 0)
		where = "rejected_at IS NOT NULL";
	else if (strcmp(filter, "unacked") == 0)
		where = "acked_at IS NULL";
	else
		return err_set(NHI_EINTERNAL, "queue walk filter '%s'", filter);
	{
		char *sql = xasprintf("SELECT " QREC_COLUMNS " FROM queue_records WHERE %s"
		    " ORDER BY seq LIMIT ?1", where);
		int r = walk_sql(st, sql, -1, fn, arg, NULL);

		free(sql);
		return r;
	}
}

int
store_queue_get(struct store *st, int64_t seq, struct queue_record *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " QREC_COLUMNS " FROM queue_records"
	    " WHERE seq = ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, seq);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rec_from_row(s, out);
		out->payload = "";	/* not kept past the statement */
		out->payload_len = 0;
		r = 0;
	} else
		r = rc == SQLITE_DONE ? err_set(NHI_ENOTFOUND, "no queue record %lld",
		    (long long)seq) : store_err(st, rc, "read queue record");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_mark_sent(struct store *st, const char *lane, int64_t first, int64_t last,
    int64_t batch)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	if ((r = need_txn(st, "queue mark sent")) != 0)
		return r;
	if ((r = store_prepare(st, "UPDATE queue_records SET sent_at = coalesce(sent_at, ?4),"
	    " last_batch = ?5 WHERE lane = ?3 AND seq BETWEEN ?1 AND ?2"
	    " AND acked_at IS NULL AND rejected_at IS NULL", &s)) != 0)
		return r;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(s, 1, first);
	sqlite3_bind_int64(s, 2, last);
	sqlite3_bind_text(s, 3, lane, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, batch);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "mark queue records sent");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_set_last_batch(struct store *st, int64_t batch)
{
	return exec_simple(st, "UPDATE queue_state SET last_batch = max(last_batch, ?1)"
	    " WHERE id = 1 AND ?2 = ?2", "record batch number", batch, 0, NULL, NULL, NULL);
}

int
store_queue_ack_seen(struct store *st, const char *digest, int64_t *serial)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT serial FROM queue_acks WHERE digest = ?1", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*serial = sqlite3_column_int64(s, 0);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		*serial = 0;
		r = 0;
	} else
		r = store_err(st, rc, "read queue acknowledgements");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_ack_record(struct store *st, int64_t serial, const char *digest,
    int64_t through, int64_t rejected, const char *source)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	if ((r = need_txn(st, "queue acknowledgement")) != 0)
		return r;
	if ((r = store_prepare(st, "INSERT INTO queue_acks (serial, digest, through,"
	    " rejected, source, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s)) != 0)
		return r;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(s, 1, serial);
	sqlite3_bind_text(s, 2, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, through);
	sqlite3_bind_int64(s, 4, rejected);
	sqlite3_bind_text(s, 5, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "record queue acknowledgement");
	sqlite3_finalize(s);
	if (r == 0)
		r = exec_simple(st, "UPDATE queue_state SET ack_serial = ?1 WHERE id = 1"
		    " AND ?2 = ?2", "record acknowledgement serial", serial, 0, NULL, NULL, NULL);
	return r;
}

int
store_queue_ack_range(struct store *st, int64_t first, int64_t last, int64_t *n)
{
	char now[24];
	int r;

	if ((r = need_txn(st, "queue acknowledgement")) != 0)
		return r;
	store_now(now, sizeof(now));
	return exec_simple(st, "UPDATE queue_records SET acked_at = ?3 WHERE seq BETWEEN"
	    " ?1 AND ?2 AND acked_at IS NULL AND rejected_at IS NULL",
	    "acknowledge queue records", first, last, now, NULL, n);
}

int
store_queue_set_center_through(struct store *st, int64_t through)
{
	return exec_simple(st, "UPDATE queue_state SET center_through ="
	    " max(center_through, ?1) WHERE id = 1 AND ?2 = ?2",
	    "record acknowledged sequence", through, 0, NULL, NULL, NULL);
}

int
store_queue_reject(struct store *st, int64_t seq, const char *code, const char *reason)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	if ((r = store_prepare(st, "UPDATE queue_records SET rejected_at = ?2,"
	    " reject_code = ?3, reject_reason = ?4, acked_at = NULL WHERE seq = ?1", &s)) != 0)
		return r;
	store_now(now, sizeof(now));
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "reject queue record");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_count_unsent(struct store *st, int64_t upto, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT count(*) FROM queue_records WHERE seq <= ?1"
	    " AND sent_at IS NULL", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, upto);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*n = sqlite3_column_int64(s, 0);
		r = 0;
	} else
		r = store_err(st, rc, "count unsent queue records");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_retry(struct store *st, int64_t seq)
{
	struct queue_record q;
	char now[24], subject[32], detail[128];
	int r, own = !st->in_txn;

	if (own && (r = store_begin(st)) != 0)
		return r;
	if ((r = store_queue_get(st, seq, &q)) != 0)
		goto out;
	if (q.rejected_at[0] == '\0') {
		r = err_set(NHI_ESTATE, "queue record %lld is not rejected (%s)",
		    (long long)seq, q.acked_at[0] ? "acknowledged" : "waiting for the center");
		goto out;
	}
	store_now(now, sizeof(now));
	if ((r = exec_simple(st, "UPDATE queue_records SET rejected_at = NULL,"
	    " reject_code = NULL, reject_reason = NULL, retried_at = ?3,"
	    " attempt = attempt + 1 WHERE seq = ?1 AND ?2 = ?2", "retry queue record",
	    seq, 0, now, NULL, NULL)) != 0)
		goto out;
	/* The retry and its audit entry commit together. */
	snprintf(subject, sizeof(subject), "queue:%lld", (long long)seq);
	snprintf(detail, sizeof(detail), "%s rejected %s, resubmitted as attempt %d",
	    q.kind, q.reject_code, q.attempt + 1);
	if ((r = audit_append(st, st->actor, "queue.retry", subject, AUDIT_OK, detail)) != 0)
		goto out;
	if (own && (r = store_commit(st)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0 && own) {
		store_rollback(st);
		snprintf(subject, sizeof(subject), "queue:%lld", (long long)seq);
		audit_refusal(st, st->actor, "queue.retry", subject, r, NULL);
	}
	return r;
}

static int
count_query(struct store *st, const char *sql, const char *bind, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, sql, &s)) != 0)
		return r;
	if (bind != NULL)
		sqlite3_bind_text(s, 1, bind, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		r = 0;
	} else
		r = store_err(st, rc, "count queue records");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_backlog(struct store *st, const char *before, int64_t *pending,
    char oldest[24], int64_t *older, int64_t *rejected)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = count_query(st, "SELECT count(*) FROM queue_records WHERE acked_at IS NULL"
	    " AND rejected_at IS NULL", NULL, pending)) != 0 ||
	    (r = count_query(st, "SELECT count(*) FROM queue_records WHERE acked_at IS NULL"
	    " AND created_at < ?1", before, older)) != 0 ||
	    (r = count_query(st, "SELECT count(*) FROM queue_records WHERE"
	    " rejected_at IS NOT NULL", NULL, rejected)) != 0)
		return r;
	if ((r = store_prepare(st, "SELECT min(created_at) FROM queue_records WHERE"
	    " acked_at IS NULL", &s)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_col_text(s, 0, oldest, 24);
		r = 0;
	} else
		r = store_err(st, rc, "read oldest queue record");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_gaps(struct store *st, int64_t *missing)
{
	struct queue_state qs;
	int64_t rows;
	int r;

	if ((r = store_queue_state(st, &qs)) != 0 ||
	    (r = count_query(st, "SELECT count(*) FROM queue_records WHERE seq > (SELECT"
	    " purged_through FROM queue_state WHERE id = 1)", NULL, &rows)) != 0)
		return r;
	*missing = (qs.last_seq - qs.purged_through) - rows;
	return 0;
}

int
store_queue_purge(struct store *st, const char *acked_before, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int64_t upto, base;
	int r, rc;

	if ((r = need_txn(st, "queue purge")) != 0)
		return r;
	/* The purge line: just below the first record that may not go. */
	if ((r = store_prepare(st, "SELECT coalesce((SELECT min(seq) - 1 FROM queue_records"
	    " WHERE acked_at IS NULL OR acked_at >= ?1),"
	    " (SELECT last_seq FROM queue_state WHERE id = 1)),"
	    " (SELECT purged_through FROM queue_state WHERE id = 1)", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, acked_before, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = store_err(st, rc, "find queue purge line");
		sqlite3_finalize(s);
		return r;
	}
	upto = sqlite3_column_int64(s, 0);
	base = sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	*n = 0;
	if (upto <= base)
		return 0;
	if ((r = exec_simple(st, "DELETE FROM queue_records WHERE seq <= ?1 AND"
	    " acked_at IS NOT NULL AND ?2 = ?2", "purge queue records", upto, 0, NULL, NULL,
	    n)) != 0)
		return r;
	return exec_simple(st, "UPDATE queue_state SET purged_through = ?1 WHERE id = 1"
	    " AND ?2 = ?2", "record queue purge", upto, 0, NULL, NULL, NULL);
}

int
store_queue_certificate(struct store *st, int64_t id, struct queue_certificate *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT c.serial, c.resident_id, c.document, c.cert_kind,"
	    " c.issued_on, coalesce(c.void_reason, ''), coalesce(e.insurer_number, ''),"
	    " coalesce(e.valid_until, ''), coalesce(e.acquired_on, ''),"
	    " coalesce((SELECT serial FROM certificates WHERE id = c.replaced_by), '')"
	    " FROM certificates c LEFT JOIN eligibility_periods e ON e.id = c.eligibility_id"
	    " WHERE c.id = ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		store_col_text(s, 0, out->serial, sizeof(out->serial));
		out->resident_id = sqlite3_column_int64(s, 1);
		store_col_text(s, 2, out->document, sizeof(out->document));
		store_col_text(s, 3, out->cert_kind, sizeof(out->cert_kind));
		store_col_text(s, 4, out->issued_on, sizeof(out->issued_on));
		store_col_text(s, 5, out->void_reason, sizeof(out->void_reason));
		store_col_text(s, 6, out->insurer_number, sizeof(out->insurer_number));
		store_col_text(s, 7, out->valid_until, sizeof(out->valid_until));
		store_col_text(s, 8, out->valid_from, sizeof(out->valid_from));
		store_col_text(s, 9, out->replaced_by, sizeof(out->replaced_by));
		r = 0;
	} else
		r = rc == SQLITE_DONE ? err_set(NHI_ENOTFOUND, "no certificate #%lld",
		    (long long)id) : store_err(st, rc, "read certificate");
	sqlite3_finalize(s);
	return r;
}

int
store_queue_period_replaces(struct store *st, int64_t id, int64_t *old)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT id FROM eligibility_periods WHERE"
	    " superseded_by = ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*old = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		r = 0;
	} else
		r = store_err(st, rc, "read superseded period");
	sqlite3_finalize(s);
	return r;
}

/* Prepared statements for many records in one transaction (an import).
 * The sequence counter is kept here and written back by
 * store_queue_writer_flush, once, before the transaction commits. */
struct store_queue_writer {
	struct store	*st;
	sqlite3_stmt	*ins;
	int64_t		 first;		/* last_seq when the writer began */
	int64_t		 last;		/* the newest seq it gave */
	time_t		 now_t;		/* the second `now` was formatted for */
	char		 now[24];	/* store_now's text of now_t */
};

int
store_queue_writer_new(struct store *st, struct store_queue_writer **out)
{
	struct store_queue_writer *w;
	struct queue_state qs;
	int r;

	if ((r = need_txn(st, "queue writer")) != 0 || (r = need_settled(st)) != 0 ||
	    (r = store_queue_state(st, &qs)) != 0)
		return r;
	w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->first = w->last = qs.last_seq;
	if ((r = store_prepare(st, "INSERT INTO queue_records (seq, record_id, lane, kind,"
	    " payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &w->ins)) != 0) {
		store_queue_writer_free(w);
		return r;
	}
	*out = w;
	return 0;
}

void
store_queue_writer_free(struct store_queue_writer *w)
{
	if (w == NULL)
		return;
	sqlite3_finalize(w->ins);
	free(w);
}

int
store_queue_writer_flush(struct store_queue_writer *w)
{
	int64_t n = 0;
	int r;

	if (w->last == w->first)
		return 0;
	if ((r = exec_simple(w->st, "UPDATE queue_state SET last_seq = ?1 WHERE id = 1"
	    " AND last_seq = ?2", "record queue sequence number", w->last, w->first, NULL,
	    NULL, &n)) != 0)
		return r;
	if (n != 1)
		return err_set(NHI_EINTERNAL, "queue sequence numbers were taken while a"
		    " queue writer was open");
	w->first = w->last;
	return 0;
}

int
store_queue_writer_add(struct store_queue_writer *w, const char *record_id,
    const char *lane, const char *kind, const char *payload, size_t len, int64_t *seq)
{
	time_t t = time(NULL);
	int r, rc;

	if ((r = need_txn(w->st, "queue record")) != 0)
		return r;
	/* The time a record is made, formatted again only when the second
	 * changes: an import adds a record a period. */
	if (t != w->now_t || w->now[0] == '\0') {
		store_time_text(t, w->now, sizeof(w->now));
		w->now_t = t;
	}
	sqlite3_bind_int64(w->ins, 1, w->last + 1);
	sqlite3_bind_text(w->ins, 2, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->ins, 3, lane, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->ins, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(w->ins, 5, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(w->ins, 6, w->now, -1, SQLITE_STATIC);
	rc = sqlite3_step(w->ins);
	sqlite3_reset(w->ins);
	sqlite3_clear_bindings(w->ins);
	if (rc != SQLITE_DONE)
		return store_err(w->st, rc, "insert queue record");
	*seq = ++w->last;
	return 0;
}

int
store_queue_restore_settle(struct store *st, int64_t center_top, int64_t *skipped)
{
	struct queue_state qs;
	sqlite3_stmt *s = NULL;
	char now[24], *mark = NULL;
	int64_t seq;
	int r = 0, rc;

	*skipped = 0;
	if ((r = need_txn(st, "restore settle")) != 0 || (r = store_queue_state(st, &qs)) != 0)
		return r;
	store_now(now, sizeof(now));
	if (center_top > qs.last_seq) {
		/* The numbers the center holds from the lost days: taken here as
		 * acknowledged placeholders, never given again. */
		if ((r = store_prepare(st, "INSERT INTO queue_records (seq, record_id, lane,"
		    " kind, payload, created_at, sent_at, acked_at) VALUES (?1,"
		    " 'held-by-center-before-restore', 'bulk', 'restore_gap', X'', ?2, ?2, ?2)",
		    &s)) != 0)
			return r;
		for (seq = qs.last_seq + 1; seq <= center_top; seq++) {
			sqlite3_bind_int64(s, 1, seq);
			sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc != SQLITE_DONE) {
				r = store_err(st, rc, "record a number the center holds");
				break;
			}
		}
		sqlite3_finalize(s);
		if (r != 0)
			return r;
		if ((r = exec_simple(st, "UPDATE queue_state SET last_seq = ?1 WHERE id = 1",
		    "raise the queue sequence number", center_top, 0, NULL, NULL, NULL)) != 0)
			return r;
		*skipped = center_top - qs.last_seq;
	}
	mark = xasprintf("settled %s", now);
	r = store_meta_set(st, STORE_META_RESTORED, mark);
	free(mark);
	return r;
}
