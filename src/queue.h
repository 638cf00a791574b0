/*
 * queue.h: the queue layer: the outbox of records for the shared-use
 * center. Every event the center must know (a card issued or revoked, a
 * certificate issued or voided, eligibility changed, a card reinstated) is
 * queued by the SAME store transaction that records the event, so there is
 * never an event without its record nor a record without its event. Records
 * are numbered per station without gaps, travel in two lanes (revocations
 * ahead of bulk traffic), are signed and encrypted into batch files (CMS),
 * delivered on media or online, and kept until the center acknowledged them
 * and the retention period passed.
 *
 * The queue_<event>() functions must be called inside an open store
 * transaction (store_begin); they return NHI_EINTERNAL otherwise.
 */
#ifndef NHI_QUEUE_H
#define NHI_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum queue_lane {
	QUEUE_LANE_REVOCATION,	/* revocations: never wait behind bulk records */
	QUEUE_LANE_BULK,	/* everything else */
};

/* Revocation reasons (docs/queue-format.md). */
#define QUEUE_REASON_LOST		"lost"
#define QUEUE_REASON_STOLEN		"stolen"
#define QUEUE_REASON_DAMAGED		"damaged"
#define QUEUE_REASON_DIED		"died"
#define QUEUE_REASON_ELIGIBILITY_ENDED	"eligibility_ended"
#define QUEUE_REASON_REPLACED		"replaced"

/*
 * Queue one record about an event, in the caller's transaction. Each sets
 * *seq (may be NULL) to the record's station sequence number.
 * Returns 0, NHI_EINTERNAL (no open transaction), NHI_ENOTFOUND (no such
 * card / certificate / period), or a store error.
 */
int	queue_card_issued(struct store *st, int64_t card_id, int64_t *seq);
int	queue_card_revoked(struct store *st, int64_t card_id, const char *reason,
	    int64_t *seq);
int	queue_card_reinstated(struct store *st, int64_t card_id, int64_t *seq);
int	queue_certificate_issued(struct store *st, int64_t certificate_id, int64_t *seq);
int	queue_certificate_voided(struct store *st, int64_t certificate_id,
	    const char *reason, int64_t *seq);
int	queue_eligibility_changed(struct store *st, int64_t period_id, int64_t *seq);

/* ---- The queue in the store (queue-store.c) ---------------------------
 *
 * Only the queue layer calls these. Lane and kind are the words of
 * docs/queue-format.md. Times are the store's UTC timestamps.
 */

struct queue_record {
	int64_t	 seq;
	char	 record_id[33];		/* 32 lower-case hex digits */
	char	 lane[12];		/* revocation, bulk */
	char	 kind[24];		/* card_issued, ... */
	const char *payload;		/* the "data" JSON object (borrowed) */
	size_t	 payload_len;
	char	 created_at[24];
	int	 attempt;
	char	 sent_at[24];		/* "" never sent */
	int64_t	 last_batch;
	char	 acked_at[24];		/* "" not acknowledged */
	char	 rejected_at[24];	/* "" not rejected */
	char	 reject_code[32];
	char	 reject_reason[256];
};

struct queue_state {
	int64_t	 last_seq;		/* the newest sequence number given */
	int64_t	 last_batch;		/* the newest batch number written */
	int64_t	 center_through;	/* highest contiguous seq acknowledged */
	int64_t	 ack_serial;		/* newest acknowledgement imported */
	int64_t	 purged_through;	/* records up to here were purged */
};

/* 1 if a store transaction is open. */
int	store_queue_in_txn(struct store *st);
/* Take the next sequence number (in the caller's transaction). */
int	store_queue_next_seq(struct store *st, int64_t *seq);
/* Insert a record (in the caller's transaction). */
int	store_queue_insert(struct store *st, int64_t seq, const char *record_id,
	    const char *lane, const char *kind, const char *payload, size_t len);
int	store_queue_state(struct store *st, struct queue_state *out);
/* Call fn for each open record (not acknowledged, not rejected), the
 * revocation lane first then bulk, each in seq order, at most `limit`
 * (0: all). rec->payload is valid during the call only. fn returning
 * non-zero stops the walk and is returned. */
/*
 * Call fn for the open card_issued records (bulk lane, neither acknowledged
 * nor rejected) of the card with `user_number` (32 hex digits), oldest
 * first. 0, fn's non-zero return, or a store error.
 */
int	store_queue_walk_open_issuance(struct store *st, const char *user_number,
	    int (*fn)(void *, const struct queue_record *), void *arg);
int	store_queue_walk_open(struct store *st, size_t limit,
	    int (*fn)(void *arg, const struct queue_record *rec), void *arg);
/* Call fn for every record with the given filter: "all", "rejected",
 * "unacked" (not acknowledged), seq order. */
int	store_queue_walk(struct store *st, const char *filter,
	    int (*fn)(void *arg, const struct queue_record *rec), void *arg);
int	store_queue_get(struct store *st, int64_t seq, struct queue_record *out);
/* Mark open records of `lane` with seq in [first, last] sent in `batch`. */
int	store_queue_mark_sent(struct store *st, const char *lane, int64_t first,
	    int64_t last, int64_t batch);
int	store_queue_set_last_batch(struct store *st, int64_t batch);
/* Acknowledgement updates (caller's transaction). */
int	store_queue_ack_seen(struct store *st, const char *digest, int64_t *serial);
int	store_queue_ack_record(struct store *st, int64_t serial, const char *digest,
	    int64_t through, int64_t rejected, const char *source);
/* Mark acknowledged the open (not acknowledged, not rejected) records
 * with seq in [first, last]; *n records changed. */
int	store_queue_ack_range(struct store *st, int64_t first, int64_t last, int64_t *n);
/*
 * A restored store learns what the center holds: every sequence number up
 * to `center_top` it does not have becomes an acknowledged placeholder
 * (kind restore_gap: the record was made and sent after the backup, the
 * center holds it) so that no number is given twice, and the store's
 * restored mark is settled. *skipped: how many. In a transaction.
 */
int	store_queue_restore_settle(struct store *st, int64_t center_top,
	    int64_t *skipped);
/* Raise queue_state.center_through to `through`. */
int	store_queue_set_center_through(struct store *st, int64_t through);
int	store_queue_reject(struct store *st, int64_t seq, const char *code,
	    const char *reason);
/* Count of records never sent with seq <= upto (an ack covering them is
 * for records never sent). */
int	store_queue_count_unsent(struct store *st, int64_t upto, int64_t *n);
/* A rejected record back to open, attempt + 1. NHI_ENOTFOUND, NHI_ESTATE. */
int	store_queue_retry(struct store *st, int64_t seq);
/* Backlog figures: open records (*pending), the oldest open record's
 * created_at ("" if none), open records created before `before`
 * (*older), rejected records (*rejected). */
int	store_queue_backlog(struct store *st, const char *before, int64_t *pending,
	    char oldest[24], int64_t *older, int64_t *rejected);
/* Gaps: *missing = sequence numbers above purged_through that have no
 * row (0 in a healthy store). */
int	store_queue_gaps(struct store *st, int64_t *missing);
/* Delete acknowledged records acknowledged before `acked_before`, only as
 * far as every earlier record is acknowledged too (purged_through moves
 * contiguously). *n deleted. Caller's transaction. */
int	store_queue_purge(struct store *st, const char *acked_before, int64_t *n);

/* Many records in one transaction (an import) without preparing the
 * statements for each: store_queue_writer_add takes the next seq and
 * inserts, in the caller's transaction; store_queue_writer_flush records
 * the sequence counter and must be called before that transaction commits.
 * While a writer is open nothing else may queue records. */
struct store_queue_writer;
int	store_queue_writer_new(struct store *st, struct store_queue_writer **out);
int	store_queue_writer_flush(struct store_queue_writer *w);
int	store_queue_writer_add(struct store_queue_writer *w, const char *record_id,
	    const char *lane, const char *kind, const char *payload, size_t len,
	    int64_t *seq);
void	store_queue_writer_free(struct store_queue_writer *w);

/*
 * queue_eligibility_changed for a period the caller has in hand: *e as
 * stored (e->id set), `replaces` the period it superseded (0: none). With
 * `w` (may be NULL) the record goes through that writer. Same transaction
 * rule and returns as queue_eligibility_changed.
 */
struct eligibility;
int	queue_eligibility_record(struct store *st, struct store_queue_writer *w,
	    const struct eligibility *e, int64_t replaces, int64_t *seq);

/* What a certificate record needs (certificates joined with its period). */
struct queue_certificate {
	char	 serial[24];
	int64_t	 resident_id;
	char	 document[16];
	char	 cert_kind[16];
	char	 issued_on[11];
	char	 void_reason[128];
	char	 insurer_number[9];
	char	 valid_from[11];
	char	 valid_until[11];
	char	 replaced_by[24];	/* serial of the replacement, "" none */
};
int	store_queue_certificate(struct store *st, int64_t id, struct queue_certificate *out);
/* The period that period `id` superseded (*old = 0: none). */
int	store_queue_period_replaces(struct store *st, int64_t id, int64_t *old);

/* ---- Delivery (queue-batch.c, queue-ack.c) ----------------------------
 *
 * Both transports (`queue export` to media, the online push) share these:
 * build a batch from the open records, mark it sent, apply an
 * acknowledgement. Key material comes from the [queue] configuration.
 */
struct config;
struct queue_keys;

/* Load the station's signing key and certificate and the center's
 * certificate (checked against queue.center_fingerprint). Returns 0,
 * NHI_ECONFIG (a key unset, or the fingerprint differs), NHI_ENOFILE,
 * NHI_ECRYPTO. Free with queue_keys_free. */
int	queue_keys_load(const struct config *cfg, struct queue_keys **out);
void	queue_keys_free(struct queue_keys *k);

struct queue_batch {
	int64_t	 number;		/* batch number, per station */
	char	*name;			/* file name: STATION-bNNNNNNNN.cms */
	uint8_t	*der;			/* CMS EnvelopedData(SignedData(content)) */
	size_t	 der_len;
	size_t	 records;
	size_t	 revocations;		/* how many of them are revocations */
	int64_t	 rev_first, rev_last;	/* seq range of revocations (0 none) */
	int64_t	 bulk_first, bulk_last;	/* seq range of bulk records (0 none) */
	int64_t	*pulled;		/* card_issued records brought forward to
					   travel with (or before) their card's
					   revocation: outside the bulk range */
	size_t	 npulled;
};

/*
 * Build up to `max_batches` batches (0: as many as needed) of at most
 * `per_batch` records from the open records, revocations first, inside
 * the caller's transaction, numbering them from queue_state.last_batch.
 * Nothing is marked sent: call queue_batches_sent() in the same
 * transaction once they are delivered (files written, or pushed).
 * *out (free with queue_batches_free) and *n set; *n may be 0.
 */
int	queue_batches_build(struct store *st, const struct queue_keys *keys,
	    size_t per_batch, size_t max_batches, struct queue_batch **out, size_t *n);
int	queue_batches_sent(struct store *st, const struct queue_batch *b, size_t n);
void	queue_batches_free(struct queue_batch *b, size_t n);

/* What an acknowledgement said and did. */
struct queue_ack_result {
	int64_t	 serial;
	int64_t	 through;
	size_t	 acked;			/* records newly acknowledged */
	size_t	 rejected;		/* records newly rejected */
	int	 restore_settled;	/* a restored store learnt the center's mark */
	int64_t	 restore_skipped;	/* numbers the center held beyond the store */
};

/*
 * Apply one acknowledgement (the center-signed CMS file bytes `der`, named
 * `source` in errors) in its own transaction: verify the center's
 * signature, parse, check it against the queue (station, serial, never
 * sent, going backwards) and apply. Nothing changes on any error.
 * Returns 0, NHI_EPARSE, NHI_ECRYPTO (bad signature), NHI_EEXISTS
 * (duplicate), NHI_ESTATE (out of order, records never sent), store errors.
 */
int	queue_ack_apply(struct store *st, const struct queue_keys *keys,
	    const uint8_t *der, size_t len, const char *source,
	    struct queue_ack_result *res);

/* The parsed content of an acknowledgement (queue-ackparse.c). */
struct queue_ack_reject {
	int64_t	 seq;
	char	 record_id[33];
	int	 attempt;
	char	 code[32];
	char	 reason[256];
};
struct queue_ack {
	char	 station[64];
	int64_t	 serial;
	char	 created[24];
	int64_t	 through;
	int64_t	*held;			/* seqs above through the center holds */
	size_t	 nheld;
	struct queue_ack_reject *rejects;
	size_t	 nrejects;
};
/* Parse the text of an acknowledgement (docs/queue-format.md), errors
 * naming `source` and the line. Free with queue_ack_free. */
int	queue_ack_parse(const char *text, size_t len, const char *source,
	    struct queue_ack *out);
void	queue_ack_free(struct queue_ack *a);

/* ---- Deadlines and backlog (queue-status.c) --------------------------- */

/* The [queue] limits: deadline_days (5), warn_days (1), max_pending
 * (1000000), max_age_days (5), retention_days (90), batch_records (10000). */
struct queue_limits {
	int	 deadline_days;
	int	 warn_days;
	long	 max_pending;
	int	 max_age_days;
	int	 retention_days;
	size_t	 batch_records;
};
/* Returns 0 or NHI_ECONFIG naming the key. */
int	queue_limits_load(const struct config *cfg, struct queue_limits *out);

struct queue_status {
	int64_t	 last_seq;
	int64_t	 center_through;
	int64_t	 ack_serial;
	int64_t	 purged_through;
	int64_t	 gaps;			/* missing sequence numbers: must be 0 */
	int64_t	 open;			/* not acknowledged, not rejected */
	int64_t	 rejected;		/* work items for a clerk */
	char	 oldest[24];		/* created_at of the oldest unacknowledged */
	int64_t	 oldest_age_s;
	int64_t	 near_deadline;		/* unacknowledged, within warn_days of it */
	int64_t	 past_deadline;		/* unacknowledged, older than deadline_days */
};
int	queue_status_get(struct store *st, const struct queue_limits *lim,
	    struct queue_status *out);

/*
 * May a new card be issued? 0, or NHI_EREFUSED saying which limit the
 * backlog passed (gaps, queue.max_pending, queue.max_age_days), or
 * NHI_ECONFIG / store errors.
 */
int	queue_backlog_check(struct store *st, const struct config *cfg);

/* UTC now as "YYYY-MM-DDTHH:MM:SSZ" (buf at least 21 bytes), like the
 * store's timestamps, with `offset_s` seconds added (negative: earlier). */
void	queue_now_utc_offset(char *buf, size_t len, int64_t offset_s);

/* Test hook (docs/queue-format.md): if $NHICARD_TEST_CRASH_AT equals
 * `point`, the process exits at once with status 99 (no cleanup, like a
 * power cut). Compiled in only with configure --enable-test-hooks. */
void	queue_test_crash(const char *point);

/* ---- The outbox (queue-outbox.c) --------------------------------------
 *
 * A change the center must learn of and its queue record go in one store
 * transaction (docs/design.md, "The outbox"). Where the change is one
 * store call, these make it and write its record: in the caller's
 * transaction, or in one of their own when the caller holds none.
 */

/* store_card_activate(), and the card's issuance record. */
int	queue_card_activate(struct store *st, int64_t id, const uint8_t *public_key,
	    size_t public_key_len, const uint8_t *key_record, size_t key_record_len,
	    const char *issued_on, const char *detail);

/* store_eligibility_add(), and the period's record for the center. */
int	queue_eligibility_add(struct store *st, struct eligibility *e, int64_t supersedes);

#endif
