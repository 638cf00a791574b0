/*
 * queue-batch.c: batches of open records for the center, shared by both
 * transports (media export and online push): revocations first, then bulk
 * records, each in seq order; each batch's text (docs/queue-format.md
 * section 2) signed by the station and encrypted to the center (CMS).
 * Building changes nothing; queue_batches_sent() records the delivery in
 * the caller's transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crypto.h"
#include "crypto-cms.h"
#include "crypto-token.h"
#include "error.h"
#include "nhiconf.h"
#include "queue-int.h"
#include "queue.h"
#include "store.h"
#include "util.h"

struct queue_keys {
	struct crypto_cms_keys *cms;
};

int
queue_keys_load(const struct config *cfg, struct queue_keys **out)
{
	static const char *const files[] = { "queue.station_key", "queue.station_cert",
	    "queue.center_cert" };
	struct crypto_cms_keys *cms;
	struct queue_keys *k;
	enum crypto_mode mode;
	const char *path;
	size_t i;
	int r, is_test;

	/* The published test keys and certificates never serve a town. */
	if ((r = crypto_station_mode(cfg, &mode)) != 0)
		return r;
	for (i = 0; mode == CRYPTO_MODE_PRODUCTION && i < NHI_ARRAY_LEN(files); i++) {
		if ((path = config_get(cfg, files[i], NULL)) == NULL)
			continue;
		if ((r = crypto_pem_is_test(path, &is_test)) != 0)
			return err_wrap(r, "%s: ", files[i]);
		if (is_test)
			return err_set(NHI_ETESTKEY, "%s %s is a TEST key or certificate:"
			    " refused in production mode (station.mode)", files[i], path);
	}
	/* The signing key in clear: for the station's user alone. */
	if (mode == CRYPTO_MODE_PRODUCTION &&
	    (path = config_get(cfg, "queue.station_key", NULL)) != NULL &&
	    (r = crypto_key_file_private(path, "queue.station_key")) != 0)
		return r;
	/* queue.station_key = pkcs11:LABEL: the key is in the token. */
	if ((r = crypto_token_for_key(cfg, "queue.station_key")) != 0)
		return r;
	if ((r = crypto_cms_keys_load(config_get(cfg, "queue.station_key", NULL),
	    config_get(cfg, "queue.station_cert", NULL),
	    config_get(cfg, "queue.center_cert", NULL),
	    config_get(cfg, "queue.center_fingerprint", NULL), &cms)) != 0)
		return r;
	k = xcalloc(1, sizeof(*k));
	k->cms = cms;
	*out = k;
	return 0;
}

void
queue_keys_free(struct queue_keys *k)
{
	if (k == NULL)
		return;
	crypto_cms_keys_free(k->cms);
	free(k);
}

struct crypto_cms_keys *
queue_keys_cms(const struct queue_keys *k)
{
	return k->cms;
}

struct builder {
	struct store	*st;
	int64_t		*pulled;		/* issuances brought forward */
	size_t		 npulled;
	const struct queue_keys *keys;
	const char	*station;
	int64_t		 audit_seq;		/* the audit chain's head */
	char		 audit_hash[2 * AUDIT_HASH_LEN + 1];
	size_t		 per_batch, max_batches;
	int64_t		 next_number;
	struct jbuf	 body;
	struct queue_batch cur;
	struct queue_batch *out;
	size_t		 n;
	int		 err;
	int		 probe;			/* an empty batch may go */
};

static int
flush(struct builder *b)
{
	struct jbuf all;
	char created[24], head[384];
	int hl, r;

	if (b->cur.records == 0 && !b->probe)
		return 0;
	queue_now_utc(created, sizeof(created));
	/* The audit head rides in every signed batch: the center keeps it and
	 * sees a station's history shrink or fork (docs/audit.md). */
	hl = snprintf(head, sizeof(head), "{\"format\":\"nhicard-queue-batch\",\"version\":1,"
	    "\"station\":\"%s\",\"batch\":%lld,\"created\":\"%s\",\"records\":%zu,"
	    "\"audit_seq\":%lld,\"audit_hash\":\"%s\"}\n",
	    b->station, (long long)b->cur.number, created, b->cur.records,
	    (long long)b->audit_seq, b->audit_hash);
	jb_init(&all);
	jb_reserve(&all, (size_t)hl + b->body.len);
	jb_raw(&all, head, (size_t)hl);
	jb_raw(&all, b->body.p, b->body.len);
	r = crypto_cms_seal(b->keys->cms, all.p, all.len, &b->cur.der, &b->cur.der_len);
	util_wipe(all.p, all.len);
	jb_free(&all);
	if (r != 0)
		return r;
	b->cur.name = xasprintf("%s-b%08lld.cms", b->station, (long long)b->cur.number);
	b->out = xreallocarray(b->out, b->n + 1, sizeof(*b->out));
	b->out[b->n++] = b->cur;
	memset(&b->cur, 0, sizeof(b->cur));
	b->body.len = 0;
	b->next_number++;
	return 0;
}

static int
is_pulled(const struct builder *b, int64_t seq)
{
	size_t i;

	for (i = 0; i < b->npulled; i++)
		if (b->pulled[i] == seq)
			return 1;
	return 0;
}

static int add_one(struct builder *b, const struct queue_record *q, int pulled);

/* An issuance that must travel no later than its card's revocation. */
static int
pull_issuance(void *arg, const struct queue_record *q)
{
	struct builder *b = arg;

	if (is_pulled(b, q->seq))
		return 0;
	b->pulled = xreallocarray(b->pulled, b->npulled + 1, sizeof(*b->pulled));
	b->pulled[b->npulled++] = q->seq;
	return add_one(b, q, 1);
}

/*
 * The walk's callback: revocations first, then bulk. A revocation or
 * reinstatement first brings along its card's issuance if that is still
 * open, so the issuance goes in the same batch or an earlier one: the
 * center must never see a revocation before what it revokes.
 */
static int
add_record(void *arg, const struct queue_record *q)
{
	struct builder *b = arg;
	const char *u;
	char user[33];
	int r;

	if (strcmp(q->lane, "bulk") == 0 && is_pulled(b, q->seq))
		return 0;
	if (strcmp(q->lane, "revocation") == 0 && (u = memmem(q->payload,
	    q->payload_len, "\"user_number\":\"", 15)) != NULL &&
	    (size_t)(q->payload + q->payload_len - u) >= 15 + 32) {
		memcpy(user, u + 15, 32);
		user[32] = '\0';
		if ((r = store_queue_walk_open_issuance(b->st, user, pull_issuance, b)) != 0)
			return r;
	}
	return add_one(b, q, 0);
}

static int
add_one(struct builder *b, const struct queue_record *q, int pulled)
{
	char head[256];
	int hl, r;

	if (b->cur.records == 0)
		b->cur.number = b->next_number;
	hl = snprintf(head, sizeof(head), "{\"seq\":%lld,\"id\":\"%s\",\"attempt\":%d,"
	    "\"lane\":\"%s\",\"kind\":\"%s\",\"created\":\"%s\",\"data\":",
	    (long long)q->seq, q->record_id, q->attempt, q->lane, q->kind, q->created_at);
	jb_reserve(&b->body, (size_t)hl + q->payload_len + 2);
	jb_raw(&b->body, head, (size_t)hl);
	jb_raw(&b->body, q->payload, q->payload_len);
	jb_raw(&b->body, "}\n", 2);
	if (pulled) {
		b->cur.pulled = xreallocarray(b->cur.pulled, b->cur.npulled + 1,
		    sizeof(*b->cur.pulled));
		b->cur.pulled[b->cur.npulled++] = q->seq;
	} else if (strcmp(q->lane, "revocation") == 0) {
		if (b->cur.rev_first == 0)
			b->cur.rev_first = q->seq;
		b->cur.rev_last = q->seq;
		b->cur.revocations++;
	} else {
		if (b->cur.bulk_first == 0)
			b->cur.bulk_first = q->seq;
		b->cur.bulk_last = q->seq;
	}
	b->cur.records++;
	if (b->cur.records >= b->per_batch && (r = flush(b)) != 0)
		return r;
	return 0;
}

int
queue_batches_build(struct store *st, const struct queue_keys *keys, size_t per_batch,
    size_t max_batches, struct queue_batch **out, size_t *n)
{
	struct builder b;
	struct queue_state qs;
	uint8_t ahash[AUDIT_HASH_LEN];
	char *station = NULL;
	int r;

	memset(&b, 0, sizeof(b));
	if (per_batch == 0)
		return err_set(NHI_EINTERNAL, "queue batch of 0 records");
	if ((r = store_meta_get(st, "station_id", &station)) != 0 ||
	    (r = store_queue_state(st, &qs)) != 0 ||
	    (r = audit_head(st, &b.audit_seq, ahash)) != 0)
		goto out;
	hex_encode(ahash, AUDIT_HASH_LEN, b.audit_hash);
	b.st = st;
	b.keys = keys;
	b.station = station;
	b.per_batch = per_batch;
	b.max_batches = max_batches;
	b.next_number = qs.last_batch + 1;
	jb_init(&b.body);
	if ((r = store_queue_walk_open(st, max_batches ? per_batch * max_batches : 0,
	    add_record, &b)) != 0 || (r = flush(&b)) != 0)
		goto out;
	/* A restored store with nothing open still asks the center what it
	 * holds: one batch of no records (docs/backup.md). */
	if (b.n == 0 && (r = store_restore_pending(st, &b.probe)) != 0)
		goto out;
	if (b.n == 0 && b.probe) {
		b.cur.number = b.next_number;
		if ((r = flush(&b)) != 0)
			goto out;
	}
	*out = b.out;
	*n = b.n;
	b.out = NULL;
	b.n = 0;
	r = 0;
out:
	if (b.body.p != NULL) {
		util_wipe(b.body.p, b.body.len);
		jb_free(&b.body);
	}
	free(b.cur.der);
	free(b.cur.pulled);
	free(b.pulled);
	queue_batches_free(b.out, b.n);
	free(station);
	return r;
}

int
queue_batches_sent(struct store *st, const struct queue_batch *b, size_t n)
{
	size_t i, j;
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_batches_sent outside a store transaction");
	for (i = 0; i < n; i++) {
		if (b[i].rev_first != 0 && (r = store_queue_mark_sent(st, "revocation",
		    b[i].rev_first, b[i].rev_last, b[i].number)) != 0)
			return r;
		if (b[i].bulk_first != 0 && (r = store_queue_mark_sent(st, "bulk",
		    b[i].bulk_first, b[i].bulk_last, b[i].number)) != 0)
			return r;
		for (j = 0; j < b[i].npulled; j++)
			if ((r = store_queue_mark_sent(st, "bulk", b[i].pulled[j],
			    b[i].pulled[j], b[i].number)) != 0)
				return r;
		if ((r = store_queue_set_last_batch(st, b[i].number)) != 0)
			return r;
	}
	return 0;
}

void
queue_batches_free(struct queue_batch *b, size_t n)
{
	size_t i;

	for (i = 0; b != NULL && i < n; i++) {
		free(b[i].name);
		free(b[i].pulled);
		free(b[i].der);
	}
	free(b);
}
