/*
 * batch-bureau-sign.c: `batch preissue sign-keys` (batch-bureau.h,
 * docs/batch.md "Signing the records"): the card bureau sent the public
 * keys its cards generated; the station checks each against its prepared
 * item, builds the key record (DF01-DF08), signs it with the
 * municipality's key, which never leaves the station, records the card
 * (state personalizing, step bureau) bound to the item, and seals the
 * signed records back to the bureau.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-bureau.h"
#include "batch-preissue.h"
#include "batch.h"
#include "crypto-cms.h"
#include "crypto.h"
#include "error.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "util.h"

struct sign_run {
	struct session	*ctx;
	struct bureau_walk w;
	struct bureau_sign_result *res;
	char		*buf;			/* the records file */
	size_t		 len, cap;
};

/* The card rows are recorded in groups of this many records per
 * transaction (a killed sign-keys loses at most the group; a re-run signs
 * again and keeps the rows it finds). */
#define BUREAU_SIGN_GROUP	255

static void
sr_add(struct sign_run *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sr_add(struct sign_run *s, const char *fmt, ...)
{
	va_list ap;
	char *t;
	size_t n;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(t);
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2 + 4096;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, t, n + 1);
	s->len += n;
	free(t);
}

/* The key record of `it` with the card's public key, signed. */
int
bureau_record_build(const struct card_profile *prof, struct card_keys *keys,
    const struct preissue_item *it, const uint8_t pub[CARD_PUBKEY_LEN],
    struct card_key_record *rec)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	memcpy(rec->user_number, it->user_number, CARD_USER_NUMBER_LEN);
	snprintf(rec->insurer_number, sizeof(rec->insurer_number), "%s", prof->insurer_number);
	snprintf(rec->municipality_code, sizeof(rec->municipality_code), "%s",
	    prof->municipality_code);
	rec->key_generation = it->key_generation;
	snprintf(rec->issue_date, sizeof(rec->issue_date), "%.4s%.2s%.2s", it->issue_date,
	    it->issue_date + 5, it->issue_date + 8);
	rec->kind = card_kind_code("standalone");
	memcpy(rec->public_key, pub, CARD_PUBKEY_LEN);
	memcpy(rec->signer_id, card_keys_signer_id(keys), CARD_SIGNER_ID_LEN);
	if ((r = card_key_record_encode(rec)) != 0 ||
	    (r = card_keys_sign(keys, rec->raw + rec->signed_off, rec->signed_len,
	    rec->signature)) != 0)
		return r;
	return card_key_record_seal(rec);
}

/* Why the keyed card `rec` cannot be signed for its item: 0 and why[0]
 * = '\0' when it can (then *card is its existing card row, id 0 if none). */
static int
sign_check(struct sign_run *s, const struct bureau_record *rec,
    const struct preissue_item *it, struct store_card *card, char *why, size_t n)
{
	struct store_card other;
	int r, used;

	why[0] = '\0';
	memset(card, 0, sizeof(*card));
	if (it->seq != rec->seq) {
		snprintf(why, n, "the user number is item %lld's, not item %lld's",
		    (long long)it->seq, (long long)rec->seq);
		return 0;
	}
	if (strcmp(it->path, "standalone") != 0 || it->exported_at[0] == '\0') {
		snprintf(why, n, "the item was not exported to the bureau");
		return 0;
	}
	if (strcmp(it->state, BATCH_ITEM_PREPARED) != 0) {
		snprintf(why, n, "the item is %s, not open", it->state);
		return 0;
	}
	if (it->card_serial[0] != '\0' && strcmp(it->card_serial, rec->serial) != 0) {
		snprintf(why, n, "a record was already signed for another card (%s) of"
		    " this item", it->card_serial);
		return 0;
	}
	r = store_card_by_user_number(s->w.st, it->user_number, &other);
	if (r == 0) {
		if (strcmp(other.card_serial, rec->serial) != 0 ||
		    (strcmp(other.state, "personalizing") != 0 &&
		    strcmp(other.state, "unfinished") != 0)) {
			snprintf(why, n, "the user number is on card record %lld (%s)",
			    (long long)other.id, other.state);
			return 0;
		}
		*card = other;
	} else if (r != NHI_ENOTFOUND)
		return r;
	err_clear();
	r = store_card_latest_by_serial(s->w.st, rec->serial, &other);
	if (r == 0 && other.id != card->id && (strcmp(other.state, "active") == 0 ||
	    strcmp(other.state, "suspended") == 0)) {
		snprintf(why, n, "card serial %s is %s for card record %lld", rec->serial,
		    other.state, (long long)other.id);
		return 0;
	}
	if (r != 0 && r != NHI_ENOTFOUND)
		return r;
	err_clear();
	if (crypto_ec_public_check(rec->public_key) != 0) {
		err_clear();
		snprintf(why, n, "the public key is not a point of P-256");
		return 0;
	}
	if ((r = store_preissue_key_used(s->w.st, rec->public_key, CARD_PUBKEY_LEN, 0,
	    &used)) != 0)
		return r;
	if (used)
		snprintf(why, n, "the public key is already on a card record");
	return 0;
}

static int
sign_one(void *arg, const struct bureau_record *rec)
{
	struct sign_run *s = arg;
	struct preissue_item it;
	struct store_card card;
	struct card_key_record kr;
	char why[160], un[2 * CARD_USER_NUMBER_LEN + 1], *hex;
	int r;

	if ((r = bureau_walk_group(&s->w, BUREAU_SIGN_GROUP)) != 0)
		return r;
	if (rec->status == BUREAU_SPOILED) {
		s->res->spoiled++;
		bureau_walk_note(&s->w, "item %lld: spoiled at the bureau before its record was signed:"
		    " the item stays open for another card", (long long)rec->seq);
		return 0;
	}
	r = store_preissue_by_user_number(s->w.st, s->w.run_id, rec->user_number, &it);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		s->res->refused++;
		bureau_walk_note(&s->w, "%s:%ld: not signed: the user number is no item of run %lld",
		    s->w.source, rec->line, (long long)s->w.run_id);
		return 0;
	}
	if (r != 0 || (r = sign_check(s, rec, &it, &card, why, sizeof(why))) != 0)
		return r;
	if (why[0] != '\0') {
		s->res->refused++;
		bureau_walk_note(&s->w, "item %lld: not signed: %s", (long long)rec->seq, why);
		return 0;
	}
	if ((r = bureau_record_build(&s->w.prof, s->w.keys, &it, rec->public_key, &kr)) != 0)
		return r;
	if (card.id == 0) {
		memset(&card, 0, sizeof(card));
		card.resident_id = it.resident_id;
		snprintf(card.kind, sizeof(card.kind), "standalone");
		snprintf(card.card_serial, sizeof(card.card_serial), "%s", rec->serial);
		memcpy(card.user_number, it.user_number, STORE_USER_NUMBER_LEN);
		card.key_generation = it.key_generation;
		snprintf(card.step, sizeof(card.step), "bureau");
		card.fee_waived = 1;
		snprintf(why, sizeof(why), "card bureau: run %lld item %lld, record signed",
		    (long long)s->w.run_id, (long long)it.seq);
		if ((r = store_card_insert(s->w.st, &card, why)) != 0)
			return r;
	}
	if (it.card_serial[0] == '\0' &&
	    (r = store_preissue_bind(s->w.st, it.item_id, rec->serial)) != 0)
		return r;
	hex = xmalloc(2 * kr.raw_len + 1);
	hex_encode(kr.raw, kr.raw_len, hex);
	hex_encode(it.user_number, CARD_USER_NUMBER_LEN, un);
	sr_add(s, "%lld\t%s\t%s\t%s\n", (long long)it.seq, un, rec->serial, hex);
	free(hex);
	s->res->signed_records++;
	return 0;
}

int
bureau_sign_keys(struct session *ctx, int64_t run_id, const char *keys_path,
    const char *out_path, void (*note)(void *arg, const char *text), void *arg,
    struct bureau_sign_result *res)
{
	struct sign_run s;
	char now[32], *head = NULL, *all = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0, n;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.w.note = note;
	s.w.note_arg = arg;
	s.res = res;
	if ((r = bureau_file_walk(ctx, run_id, keys_path, BUREAU_PASS_KEYS, &s.w, sign_one,
	    &s)) != 0)
		goto out;
	queue_now_utc_offset(now, sizeof(now), 0);
	head = xasprintf("nhicard-bureau-records 1\nstation %s\nrun %lld\ncreated %s\n"
	    "records %zu\n", s.w.station, (long long)run_id, now, res->signed_records);
	n = strlen(head) + s.len;
	all = xmalloc(n + 64);
	memcpy(all, head, strlen(head));
	if (s.len > 0)
		memcpy(all + strlen(head), s.buf, s.len);
	n += (size_t)snprintf(all + n, 64, "end %zu\n", res->signed_records);
	if ((r = crypto_cms_seal(s.w.ck, all, n, &der, &der_len)) != 0 ||
	    (r = fs_write_atomic(out_path, der, der_len, 0600)) != 0)
		goto out;
	r = 0;
out:
	bureau_walk_end(&s.w);
	free(s.buf);
	free(head);
	free(all);
	free(der);
	return r;
}
