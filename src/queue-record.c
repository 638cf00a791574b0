/*
 * queue-record.c: the queue_<event>() functions: one record per event the
 * center must know, written by the caller's open store transaction with
 * the next gapless sequence number and a random 128-bit record id that
 * stays the same on every resubmission. The payload ("data", a flat JSON
 * object) is laid out in docs/queue-format.md. It names people by the
 * station's own row id, never by the 住民票コード or a name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "error.h"
#include "queue-int.h"
#include "queue.h"
#include "store.h"
#include "util.h"

void
queue_test_crash(const char *point)
{
#if NHI_TEST_HOOKS
	/* Read once: imports pass here for every record. */
	static const char *at;
	static int looked;

	if (!looked) {
		at = getenv("NHICARD_TEST_CRASH_AT");
		looked = 1;
	}
	if (at != NULL && strcmp(at, point) == 0)
		_exit(99);
#else
	(void)point;	/* a production build has no test hooks */
#endif
}

/*
 * A fresh random record id. Ids are drawn from the DRBG in blocks, since an
 * import queues one record per eligibility period; a drawn id is wiped from
 * the pool as it is handed out. Not thread-safe: records are written by the
 * store's one writer.
 */
static int
record_id(uint8_t id[16])
{
	static uint8_t pool[16 * 256];
	static size_t left;
	int r;

	if (left == 0) {
		if ((r = crypto_random(pool, sizeof(pool))) != 0)
			return r;
		left = sizeof(pool) / 16;
	}
	left--;
	memcpy(id, pool + 16 * left, 16);
	util_wipe(pool + 16 * left, 16);
	return 0;
}

/* Queue `data` (a JSON object) as a record of `kind` in `lane`. */
int
queue_append(struct store *st, enum queue_lane lane, const char *kind,
    const struct jbuf *data, int64_t *seq)
{
	uint8_t id[16];
	char idhex[33];
	int64_t n;
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_%s outside a store transaction", kind);
	if ((r = record_id(id)) != 0)
		return r;
	hex_encode(id, sizeof(id), idhex);
	if ((r = store_queue_next_seq(st, &n)) != 0 ||
	    (r = store_queue_insert(st, n, idhex,
	    lane == QUEUE_LANE_REVOCATION ? "revocation" : "bulk", kind, data->p,
	    data->len)) != 0)
		return r;
	queue_test_crash("queue.record.after_insert");
	if (seq != NULL)
		*seq = n;
	return 0;
}

static void
person(struct jbuf *b, int64_t resident_id)
{
	jb_int(b, "person", resident_id);
}

static int
card_record(struct store *st, int64_t card_id, const char *kind, enum queue_lane lane,
    const char *reason, int64_t *seq)
{
	struct store_card c;
	struct eligibility e;
	struct jbuf b;
	char today[11];
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_%s outside a store transaction", kind);
	if ((r = store_card_get(st, card_id, &c)) != 0)
		return r;
	jb_init(&b);
	jb_open(&b);
	jb_hex(&b, "user_number", c.user_number, sizeof(c.user_number));
	person(&b, c.resident_id);
	jb_int(&b, "key_generation", c.key_generation);
	if (strcmp(kind, "card_issued") == 0) {
		r = store_eligibility_current(st, c.resident_id, NULL, &e);
		if (r != 0 && r != NHI_ENOTFOUND)
			goto out;
		jb_str(&b, "insurer_number", r == 0 ? e.insurer_number : NULL);
		jb_str(&b, "card_kind", c.kind);
		jb_str(&b, "issued_on", c.issued_on);
		jb_hex(&b, "public_key", c.public_key, c.public_key_len);
		jb_hex(&b, "key_record", c.key_record, c.key_record_len);
	} else {
		time_today_jst_iso(today, sizeof(today));
		if (reason != NULL)
			jb_str(&b, "reason", reason);
		jb_str(&b, "date", today);
	}
	jb_close(&b);
	r = queue_append(st, lane, kind, &b, seq);
out:
	jb_free(&b);
	return r;
}

int
queue_card_issued(struct store *st, int64_t card_id, int64_t *seq)
{
	return card_record(st, card_id, "card_issued", QUEUE_LANE_BULK, NULL, seq);
}

static int
reason_known(const char *reason)
{
	static const char *const known[] = { QUEUE_REASON_LOST, QUEUE_REASON_STOLEN,
	    QUEUE_REASON_DAMAGED, QUEUE_REASON_DIED, QUEUE_REASON_ELIGIBILITY_ENDED,
	    QUEUE_REASON_REPLACED };
	size_t i;

	for (i = 0; reason != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(reason, known[i]) == 0)
			return 1;
	return 0;
}

int
queue_card_revoked(struct store *st, int64_t card_id, const char *reason, int64_t *seq)
{
	if (!reason_known(reason))
		return err_set(NHI_EUSAGE, "revocation reason '%s' is not one of lost,"
		    " stolen, damaged, died, eligibility_ended, replaced",
		    reason != NULL ? reason : "");
	return card_record(st, card_id, "card_revoked", QUEUE_LANE_REVOCATION, reason, seq);
}

int
queue_card_reinstated(struct store *st, int64_t card_id, int64_t *seq)
{
	/* A reinstatement undoes a revocation: it must not overtake it. */
	return card_record(st, card_id, "card_reinstated", QUEUE_LANE_REVOCATION, NULL, seq);
}

static int
certificate_record(struct store *st, int64_t id, const char *kind, const char *reason,
    int64_t *seq)
{
	struct queue_certificate c;
	struct jbuf b;
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_%s outside a store transaction", kind);
	if ((r = store_queue_certificate(st, id, &c)) != 0)
		return r;
	jb_init(&b);
	jb_open(&b);
	jb_str(&b, "serial", c.serial);
	person(&b, c.resident_id);
	jb_str(&b, "document", c.document);
	jb_str(&b, "cert_kind", c.cert_kind);
	jb_str(&b, "insurer_number", c.insurer_number);
	jb_str(&b, "issued_on", c.issued_on);
	jb_str(&b, "valid_from", c.valid_from);
	jb_str(&b, "valid_until", c.valid_until);
	if (strcmp(kind, "certificate_voided") == 0) {
		jb_str(&b, "reason", reason != NULL ? reason : c.void_reason);
		jb_str(&b, "replaced_by", c.replaced_by);
	}
	jb_close(&b);
	r = queue_append(st, QUEUE_LANE_BULK, kind, &b, seq);
	jb_free(&b);
	return r;
}

int
queue_certificate_issued(struct store *st, int64_t certificate_id, int64_t *seq)
{
	return certificate_record(st, certificate_id, "certificate_issued", NULL, seq);
}

int
queue_certificate_voided(struct store *st, int64_t certificate_id, const char *reason,
    int64_t *seq)
{
	return certificate_record(st, certificate_id, "certificate_voided", reason, seq);
}

int
queue_eligibility_record(struct store *st, struct store_queue_writer *w,
    const struct eligibility *e, int64_t replaces, int64_t *seq)
{
	struct jbuf b;
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_eligibility_changed outside a store"
		    " transaction");
	jb_init(&b);
	jb_open(&b);
	jb_int(&b, "period", e->id);
	if (replaces != 0)
		jb_int(&b, "replaces", replaces);
	person(&b, e->resident_id);
	jb_str(&b, "insurer_number", e->insurer_number);
	jb_str(&b, "symbol", e->symbol);
	jb_str(&b, "number", e->number);
	jb_str(&b, "branch", e->branch);
	jb_str(&b, "cert_kind", e->cert_kind);
	if (e->short_months)
		jb_int(&b, "short_months", e->short_months);
	jb_str(&b, "acquired_on", e->acquired_on);
	jb_str(&b, "lost_on", e->lost_on);
	jb_str(&b, "valid_until", e->valid_until);
	if (e->burden_pct)
		jb_int(&b, "burden_pct", e->burden_pct);
	jb_str(&b, "burden_from", e->burden_from);
	jb_int(&b, "special_address", e->special_address);
	jb_close(&b);
	if (w == NULL)
		r = queue_append(st, QUEUE_LANE_BULK, "eligibility_changed", &b, seq);
	else {
		uint8_t id[16];
		char idhex[33];
		int64_t n;

		if ((r = record_id(id)) == 0) {
			hex_encode(id, sizeof(id), idhex);
			r = store_queue_writer_add(w, idhex, "bulk", "eligibility_changed",
			    b.p, b.len, &n);
		}
		if (r == 0) {
			queue_test_crash("queue.record.after_insert");
			if (seq != NULL)
				*seq = n;
		}
	}
	jb_free(&b);
	return r;
}

int
queue_eligibility_changed(struct store *st, int64_t period_id, int64_t *seq)
{
	struct eligibility e;
	int64_t old;
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_eligibility_changed outside a store"
		    " transaction");
	/* store_queue_period_replaces scans the periods: callers that know
	 * the superseded period call queue_eligibility_record instead. */
	if ((r = store_eligibility_get(st, period_id, &e)) != 0 ||
	    (r = store_queue_period_replaces(st, period_id, &old)) != 0)
		return r;
	return queue_eligibility_record(st, NULL, &e, old, seq);
}
