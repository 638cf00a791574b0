/*
 * batch-bureau.c: the card-bureau file of a pre-issuance run
 * (batch-preissue.h; the format is docs/batch.md "Card-bureau file"): the
 * prepared standalone cards of a run for joint issuance at a prefectural
 * center, signed with the station's key and encrypted to the bureau's
 * certificate (CMS, as the queue's batches), written atomically with mode
 * 0600 in the same step that marks the items exported.
 *
 * A re-export writes the same records: the user numbers were drawn at
 * preparation and are never drawn again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-bureau.h"
#include "batch-preissue.h"
#include "batch.h"
#include "crypto-cms.h"
#include "crypto-token.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "util.h"

struct bureau_text {
	char	*buf;
	size_t	 len, cap;
	size_t	 records;
	int64_t	 run_id;
};

static void
bt_add(struct bureau_text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2 + 4096;
		t->buf = xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
bt_printf(struct bureau_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bt_printf(struct bureau_text *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	bt_add(t, s, strlen(s));
	free(s);
}

/* A field must not hold the separators (TAB, CR, LF) nor other controls. */
static int
bt_field_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
bureau_row(void *arg, const struct preissue_export_row *row)
{
	struct bureau_text *t = arg;
	const struct preissue_item *it = row->item;
	char un[2 * CARD_USER_NUMBER_LEN + 1];

	if (!bt_field_ok(row->name_kanji) || !bt_field_ok(row->address))
		return err_set(NHI_EPARSE, "batch run %lld item %lld: the name or address holds"
		    " a control character; the bureau file cannot carry it", (long long)t->run_id,
		    (long long)it->seq);
	hex_encode(it->user_number, CARD_USER_NUMBER_LEN, un);
	bt_printf(t, "%lld\t%lld\t%s\t%d\t%.4s%.2s%.2s\t%d\t%s\t%s\n", (long long)it->seq,
	    (long long)it->resident_id, un, it->key_generation, it->issue_date,
	    it->issue_date + 5, it->issue_date + 8, card_kind_code("standalone"),
	    row->name_kanji, row->address);
	t->records++;
	return 0;
}

/* The station key and certificate and the bureau's pinned certificate;
 * test material is refused in production as for the queue. */
int
bureau_keys_load(struct session *ctx, struct crypto_cms_keys **out)
{
	static const char *const files[] = { "queue.station_key", "queue.station_cert",
	    "batch.bureau_cert" };
	enum crypto_mode mode;
	const char *path;
	size_t i;
	int r, is_test;

	if (config_get(ctx->cfg, "batch.bureau_cert", NULL) == NULL ||
	    config_get(ctx->cfg, "batch.bureau_fingerprint", NULL) == NULL)
		return err_set(NHI_ECONFIG, "%s: batch.bureau_cert and batch.bureau_fingerprint"
		    " must name the card bureau's certificate and its SHA-256 fingerprint",
		    ctx->config_path);
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	for (i = 0; mode == CRYPTO_MODE_PRODUCTION && i < NHI_ARRAY_LEN(files); i++) {
		if ((path = config_get(ctx->cfg, files[i], NULL)) == NULL)
			continue;
		if ((r = crypto_pem_is_test(path, &is_test)) != 0)
			return err_wrap(r, "%s: ", files[i]);
		if (is_test)
			return err_set(NHI_ETESTKEY, "%s %s is a TEST key or certificate:"
			    " refused in production mode (station.mode)", files[i], path);
	}
	if (config_get(ctx->cfg, "queue.station_key", NULL) == NULL ||
	    config_get(ctx->cfg, "queue.station_cert", NULL) == NULL)
		return err_set(NHI_ECONFIG, "%s: queue.station_key and queue.station_cert must"
		    " name the station's signing key and certificate", ctx->config_path);
	/* queue.station_key = pkcs11:LABEL: the key is in the token. */
	if ((r = crypto_token_for_key(ctx->cfg, "queue.station_key")) != 0)
		return r;
	return crypto_cms_keys_load(config_get(ctx->cfg, "queue.station_key", NULL),
	    config_get(ctx->cfg, "queue.station_cert", NULL),
	    config_get(ctx->cfg, "batch.bureau_cert", NULL),
	    config_get(ctx->cfg, "batch.bureau_fingerprint", NULL), out);
}

int
preissue_export(struct session *ctx, int64_t run_id, const char *path, size_t *records)
{
	struct crypto_cms_keys *keys = NULL;
	struct bureau_text body, t;
	struct store *st;
	char *station = NULL, now[32];
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r, in_txn = 0;

	memset(&body, 0, sizeof(body));
	memset(&t, 0, sizeof(t));
	body.run_id = run_id;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = batch_run_check(st, run_id, BATCH_KIND_PREISSUE)) != 0 ||
	    (r = bureau_keys_load(ctx, &keys)) != 0 ||
	    (r = store_meta_get(st, "station_id", &station)) != 0)
		goto out;
	if ((r = store_begin(st)) != 0)
		goto out;
	in_txn = 1;
	if ((r = store_preissue_export_walk(st, run_id, 1, bureau_row, &body)) != 0)
		goto out;
	queue_now_utc_offset(now, sizeof(now), 0);
	bt_printf(&t, "nhicard-bureau 1\nstation %s\nrun %lld\ncreated %s\n"
	    "insurer %s\nmunicipality %s\nrecords %zu\n", station, (long long)run_id, now,
	    config_get(ctx->cfg, "station.insurer_number", ""),
	    config_get(ctx->cfg, "station.municipality_code", ""), body.records);
	if (body.len > 0)
		bt_add(&t, body.buf, body.len);
	bt_printf(&t, "end %zu\n", body.records);
	if ((r = crypto_cms_seal(keys, t.buf, t.len, &der, &der_len)) != 0 ||
	    (r = fs_write_atomic(path, der, der_len, 0600)) != 0)
		goto out;
	/* The file is on disk: a failed commit leaves the items unmarked, and
	 * the next export writes the same records again. */
	if ((r = store_commit(st)) != 0)
		goto out;
	in_txn = 0;
	*records = body.records;
	r = 0;
out:
	if (in_txn)
		store_rollback(st);
	if (t.buf != NULL)
		util_wipe(t.buf, t.len);
	if (body.buf != NULL)
		util_wipe(body.buf, body.len);
	free(t.buf);
	free(body.buf);
	free(der);
	free(station);
	crypto_cms_keys_free(keys);
	return r;
}
