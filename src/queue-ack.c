/*
 * queue-ack.c: applying the center's acknowledgement (docs/queue-format.md
 * section 4), shared by both transports: verify the center's signature,
 * parse, check it against the queue (station, duplicate, order, records
 * never sent), then reject and acknowledge records, all in one
 * transaction. Any error leaves the store as it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-cms.h"
#include "crypto.h"
#include "audit.h"
#include "error.h"
#include "queue-int.h"
#include "queue.h"
#include "store.h"
#include "util.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Check every record the acknowledgement names against the queue. */
static int
check_against_queue(struct store *st, const struct queue_ack *a,
    const struct queue_state *qs, int restored, const char *source)
{
	struct queue_record q;
	int64_t unsent, top = a->through;
	size_t i;
	int r;

	if (a->nheld > 0 && a->held[a->nheld - 1] > top)
		top = a->held[a->nheld - 1];
	for (i = 0; i < a->nrejects; i++)
		if (a->rejects[i].seq > top)
			top = a->rejects[i].seq;
	/* A restored store may be behind the center: what the center holds
	 * above the store's newest number was made after the backup. */
	if (top > qs->last_seq && !restored)
		return err_set(NHI_ESTATE, "%s: acknowledges record %lld, but this station's"
		    " newest record is %lld: records never sent", source, (long long)top,
		    (long long)qs->last_seq);
	if (a->through < qs->center_through)
		return err_set(NHI_ESTATE, "%s: 'through %lld' goes backwards: the center"
		    " already acknowledged through %lld", source, (long long)a->through,
		    (long long)qs->center_through);
	if ((r = store_queue_count_unsent(st, a->through, &unsent)) != 0)
		return r;
	if (unsent > 0)
		return err_set(NHI_ESTATE, "%s: 'through %lld' covers %lld records never"
		    " sent (export or send them first)", source, (long long)a->through,
		    (long long)unsent);
	for (i = 0; i < a->nheld; i++) {
		if (restored && a->held[i] > qs->last_seq)
			continue;
		if ((r = store_queue_get(st, a->held[i], &q)) != 0)
			return err_set(r, "%s: held %lld: no such record here", source,
			    (long long)a->held[i]);
		if (q.sent_at[0] == '\0')
			return err_set(NHI_ESTATE, "%s: held %lld: that record was never sent",
			    source, (long long)a->held[i]);
	}
	for (i = 0; i < a->nrejects; i++) {
		const struct queue_ack_reject *rj = &a->rejects[i];

		if (i > 0 && rj->seq == a->rejects[i - 1].seq)
			return err_set(NHI_EPARSE, "%s: record %lld rejected twice", source,
			    (long long)rj->seq);
		if (restored && rj->seq > qs->last_seq)
			continue;
		if ((r = store_queue_get(st, rj->seq, &q)) != 0)
			return err_set(r, "%s: reject %lld: no such record here", source,
			    (long long)rj->seq);
		if (strcmp(q.record_id, rj->record_id) != 0)
			return err_set(NHI_ECONFLICT, "%s: reject %lld names record id %s, but"
			    " this station's record %lld is %s", source, (long long)rj->seq,
			    rj->record_id, (long long)rj->seq, q.record_id);
		if (q.sent_at[0] == '\0')
			return err_set(NHI_ESTATE, "%s: reject %lld: that record was never sent",
			    source, (long long)rj->seq);
		if (rj->attempt > q.attempt)
			return err_set(NHI_ESTATE, "%s: reject %lld attempt %d: this station"
			    " only sent up to attempt %d", source, (long long)rj->seq,
			    rj->attempt, q.attempt);
		if (q.acked_at[0] != '\0' && rj->attempt == q.attempt)
			return err_set(NHI_ECONFLICT, "%s: reject %lld: the center acknowledged"
			    " that record earlier", source, (long long)rj->seq);
	}
	return 0;
}

static int
sort_rejects(const void *a, const void *b)
{
	return cmp_i64(&((const struct queue_ack_reject *)a)->seq,
	    &((const struct queue_ack_reject *)b)->seq);
}

static int
apply(struct store *st, const struct queue_ack *a, struct queue_ack_result *res)
{
	struct queue_record q;
	int64_t lo = 1, n, *skip = NULL;
	size_t i, j, nskip = 0;
	int r;

	/* Rejections of the current attempt become work items; every
	 * rejected seq (any attempt) is left out of the acknowledgement. */
	skip = xreallocarray(NULL, a->nrejects + 1, sizeof(*skip));
	for (i = 0; i < a->nrejects; i++) {
		const struct queue_ack_reject *rj = &a->rejects[i];

		skip[nskip++] = rj->seq;
		if ((r = store_queue_get(st, rj->seq, &q)) != 0)
			goto out;
		if (rj->attempt != q.attempt || q.acked_at[0] != '\0')
			continue;
		if (q.rejected_at[0] == '\0')
			res->rejected++;
		if ((r = store_queue_reject(st, rj->seq, rj->code, rj->reason)) != 0)
			goto out;
	}
	/* skip[] is sorted (rejects were). Acknowledge 1..through around it. */
	for (j = 0; j <= nskip; j++) {
		int64_t hi = j < nskip ? skip[j] - 1 : a->through;

		if (hi > a->through)
			hi = a->through;
		if (hi >= lo) {
			if ((r = store_queue_ack_range(st, lo, hi, &n)) != 0)
				goto out;
			res->acked += (size_t)n;
		}
		if (j < nskip && skip[j] + 1 > lo)
			lo = skip[j] + 1;
	}
	for (i = 0; i < a->nheld; i++) {
		if (bsearch(&a->held[i], skip, nskip, sizeof(*skip), cmp_i64) != NULL)
			continue;
		if ((r = store_queue_ack_range(st, a->held[i], a->held[i], &n)) != 0)
			goto out;
		res->acked += (size_t)n;
	}
	r = store_queue_set_center_through(st, a->through);
out:
	free(skip);
	return r;
}

int
queue_ack_apply(struct store *st, const struct queue_keys *keys, const uint8_t *der,
    size_t len, const char *source, struct queue_ack_result *res)
{
	struct queue_ack a;
	struct queue_state qs;
	struct queue_ack_result rs;
	uint8_t *content = NULL, md[CRYPTO_SHA256_LEN];
	char digest[2 * CRYPTO_SHA256_LEN + 1], *station = NULL, *detail = NULL;
	size_t clen;
	int64_t seen, top = 0, skipped = 0;
	int r, began = 0, restored = 0;
	size_t i;

	memset(&a, 0, sizeof(a));
	memset(&rs, 0, sizeof(rs));
	if ((r = crypto_cms_verify_center(queue_keys_cms(keys), der, len, source, &content,
	    &clen)) != 0 ||
	    (r = queue_ack_parse((const char *)content, clen, source, &a)) != 0 ||
	    (r = crypto_sha256(der, len, md)) != 0)
		goto out;
	hex_encode(md, sizeof(md), digest);
	if (a.nrejects > 0)	/* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(a.rejects, a.nrejects, sizeof(*a.rejects), sort_rejects);
	if ((r = store_begin(st)) != 0)
		goto out;
	began = 1;
	if ((r = store_meta_get(st, "station_id", &station)) != 0 ||
	    (r = store_queue_state(st, &qs)) != 0 ||
	    (r = store_queue_ack_seen(st, digest, &seen)) != 0)
		goto out;
	if (strcmp(station, a.station) != 0) {
		r = err_set(NHI_ECONFLICT, "%s: acknowledgement for station %s, this is"
		    " station %s", source, a.station, station);
		goto out;
	}
	if (seen != 0 || a.serial == qs.ack_serial) {
		r = err_set(NHI_EDUPLICATE, "%s: duplicate: acknowledgement serial %lld was"
		    " already imported; nothing changed", source,
		    (long long)(seen != 0 ? seen : a.serial));
		goto out;
	}
	if (a.serial < qs.ack_serial) {
		r = err_set(NHI_ESTATE, "%s: out of order: acknowledgement serial %lld is older"
		    " than serial %lld already imported; nothing changed", source,
		    (long long)a.serial, (long long)qs.ack_serial);
		goto out;
	}
	rs.serial = a.serial;
	rs.through = a.through;
	if ((r = store_restore_pending(st, &restored)) != 0 ||
	    (r = check_against_queue(st, &a, &qs, restored, source)) != 0)
		goto out;
	if (restored) {
		/* The center's word on a restored store: its numbers are never
		 * given again (docs/backup.md). */
		top = a.through;
		if (a.nheld > 0 && a.held[a.nheld - 1] > top)
			top = a.held[a.nheld - 1];
		for (i = 0; i < a.nrejects; i++)
			if (a.rejects[i].seq > top)
				top = a.rejects[i].seq;
		if ((r = store_queue_restore_settle(st, top, &skipped)) != 0)
			goto out;
		rs.restore_skipped = skipped;
		rs.restore_settled = 1;
	}
	if ((r = apply(st, &a, &rs)) != 0 ||
	    (r = store_queue_ack_record(st, a.serial, digest, a.through,
	    (int64_t)a.nrejects, source)) != 0)
		goto out;
	/* The acknowledgement and its audit entry commit together. */
	detail = xasprintf("serial %lld through %lld: %zu acknowledged, %zu rejected%s",
	    (long long)rs.serial, (long long)rs.through, rs.acked, rs.rejected,
	    restored ? "; restored store settled" : "");
	if (restored) {
		char *d = xasprintf("restored store settled: the center holds up to"
		    " %lld; %lld numbers made after the backup are the center's",
		    (long long)top, (long long)skipped);

		r = audit_append(st, store_actor(st), "queue.restore_settled", NULL,
		    AUDIT_OK, d);
		free(d);
		if (r != 0)
			goto out;
	}
	if ((r = audit_append(st, store_actor(st), "queue.import_ack", NULL, AUDIT_OK,
	    detail)) != 0)
		goto out;
	queue_test_crash("queue.ack.before_commit");
	if ((r = store_commit(st)) != 0)
		goto out;
	began = 0;
	if (res != NULL)
		*res = rs;
	r = 0;
out:
	if (began)
		store_rollback(st);
	if (r != 0)
		audit_refusal(st, store_actor(st), "queue.import_ack", NULL, r, NULL);
	free(station);
	free(detail);
	free(content);
	queue_ack_free(&a);
	return r;
}
