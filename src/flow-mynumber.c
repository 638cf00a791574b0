/*
 * flow-mynumber.c: linking a My Number card at the counter
 * (flow-mynumber.h). The order is the guard's: nothing is written before
 * the card's four items matched the resident's and its certificate
 * verified; the link and its queue record are one store transaction. The
 * 個人番号 is never read; the PIN is sent once, never kept, never logged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card.h"
#include "card-mynumber.h"
#include "crypto.h"
#include "crypto-jpki.h"
#include "error.h"
#include "flow-mynumber.h"
#include "flow-perso.h"
#include "nhiconf.h"
#include "queue-mynumber.h"
#include "session.h"
#include "store-mynumber.h"
#include "util.h"

/* Ask the PIN of `which` and present it once. */
static int
present_pin(struct card *card, const struct mynumber_link_request *req,
    enum mynumber_pin which, int *tries_left)
{
	char prompt[128], *pin = NULL;
	int tries, r;

	*tries_left = -1;
	if ((r = mynumber_pin_tries(card, which, &tries)) != 0)
		return r;
	if (tries == 0) {
		*tries_left = 0;
		return err_reason(err_set(NHI_EAUTH, "the %s PIN is locked: nothing was sent;"
		    " it is reset at the resident's municipal office (My Number card desk)"
		    " with the card and an identity check",
		    which == MYNUMBER_PIN_AUTH ? "user-authentication" : "input-support"),
		    "mynumber.pin_locked");
	}
	if (tries < 0)
		return 0;
	if ((r = mynumber_verify_pin_pad(card, which, tries_left)) != NHI_ENOTFOUND)
		return r;
	snprintf(prompt, sizeof(prompt), "%s PIN (4 digits, %d %s left): ",
	    which == MYNUMBER_PIN_AUTH ? "user-authentication" : "input-support", tries,
	    tries == 1 ? "try" : "tries");
	if (req->pin == NULL)
		return err_set(NHI_EUSAGE, "no way to ask the resident's PIN");
	if ((r = req->pin(req->pin_arg, prompt, &pin)) != 0)
		return r;
	r = mynumber_verify_pin(card, which, pin, tries_left);
	util_free_secret(pin, strlen(pin));
	return r;
}

static int
trust_get(struct session *ctx, struct jpki_trust *t)
{
	enum crypto_mode mode;
	int r;

	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	t->cas = config_get(ctx->cfg, "mynumber.ca", NULL);
	t->crls = config_get(ctx->cfg, "mynumber.crl", NULL);
	t->production = mode == CRYPTO_MODE_PRODUCTION;
	return 0;
}

/* A revoked certificate ends the link it held (one transaction). */
static int
end_revoked(struct session *ctx, struct store *st, const struct jpki_cert_info *ci,
    const struct flow_events *ev)
{
	struct mynumber_link l;
	int r;

	if (store_mynumber_by_cert(st, ci->issuer, ci->serial, &l) != 0 ||
	    strcmp(l.state, "linked") != 0) {
		err_clear();
		return 0;
	}
	if ((r = flow_mynumber_end_link(ctx, st, &l, "revoked", "revoked")) != 0)
		return r;
	flow_note(ev, "link %lld ended: its certificate is revoked", (long long)l.id);
	return 0;
}

static int
record_link(struct store *st, int64_t resident_id, const struct jpki_cert_info *ci,
    const uint8_t *cert, size_t certlen, struct mynumber_link_result *res)
{
	struct mynumber_link cur, l;
	int have_cur, r;

	if ((r = store_mynumber_by_cert(st, ci->issuer, ci->serial, &l)) == 0) {
		if (l.resident_id != resident_id)
			return err_set(NHI_ECONFLICT, "this card's certificate is linked to"
			    " another resident (link %lld): a supervisor checks",
			    (long long)l.id);
		if (strcmp(l.state, "linked") != 0)
			return err_set(NHI_ESTATE, "this card's certificate was linked before"
			    " and its link %s: a renewed certificate is needed",
			    strcmp(l.state, "ended") == 0 ? "ended" : "was replaced");
		res->action = "already linked";
		res->link_id = l.id;
		return 0;
	}
	if (r != NHI_ENOTFOUND)
		return r;
	err_clear();
	memset(&l, 0, sizeof(l));
	l.resident_id = resident_id;
	snprintf(l.cert_issuer, sizeof(l.cert_issuer), "%s", ci->issuer);
	snprintf(l.cert_serial, sizeof(l.cert_serial), "%s", ci->serial);
	snprintf(l.not_after, sizeof(l.not_after), "%s", ci->not_after);
	{
		uint8_t h[CRYPTO_SHA256_LEN];

		if ((r = crypto_sha256(cert, certlen, h)) != 0)
			return r;
		hex_encode(h, sizeof(h), l.cert_sha256);
	}
	if ((r = store_begin(st)) != 0)
		return r;
	r = store_mynumber_current(st, resident_id, &cur);
	have_cur = r == 0;
	if (r != 0 && r != NHI_ENOTFOUND)
		goto fail;
	err_clear();
	/* A relink keeps the user number the center knows the person by. */
	if (have_cur)
		memcpy(l.user_number, cur.user_number, sizeof(l.user_number));
	else if ((r = crypto_random(l.user_number, sizeof(l.user_number))) != 0)
		goto fail;
	if ((have_cur && (r = store_mynumber_end(st, cur.id, "replaced",
	    "relinked")) != 0) ||
	    (r = store_mynumber_add(st, &l)) != 0 ||
	    (r = queue_mynumber_linked(st, &l, have_cur ? cur.cert_serial : NULL,
	    NULL)) != 0 ||
	    (r = store_commit(st)) != 0)
		goto fail;
	res->action = have_cur ? "relinked" : "linked";
	res->link_id = l.id;
	return 0;
fail:
	store_rollback(st);
	return r;
}

int
flow_mynumber_link(struct session *ctx, const struct mynumber_link_request *req,
    const struct flow_events *ev, struct mynumber_link_result *res)
{
	static uint8_t cert[MYNUMBER_CERT_MAX];
	struct resident who;
	struct card_person person;
	struct card_items items;
	struct jpki_trust trust;
	struct jpki_cert_info ci;
	struct card *card = NULL;
	struct store *st;
	char subject[40];
	size_t certlen;
	int have_who = 0, r, mr;

	memset(res, 0, sizeof(*res));
	res->tries_left = -1;
	memset(&items, 0, sizeof(items));
	if ((r = session_store(ctx, &st)) != 0 || (r = trust_get(ctx, &trust)) != 0)
		return r;
	if ((r = flow_perso_resident(st, req->who, &who)) != 0)
		return r;
	have_who = 1;
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)who.id);
	flow_step(ev, "card.connect");
	if ((r = session_card_connect(ctx, &card)) != 0)
		goto out;
	flow_step(ev, "mynumber.detect");
	if ((r = mynumber_detect(card)) != 0)
		goto out;
	flow_step(ev, "mynumber.pin");
	if ((r = present_pin(card, req, MYNUMBER_PIN_INPUT, &res->tries_left)) != 0)
		goto out;
	flow_step(ev, "mynumber.items");
	if ((r = mynumber_read_items(card, &items)) != 0)
		goto out;
	memset(&person, 0, sizeof(person));
	person.name = who.name_kanji;
	person.birth_date = who.birth_date;
	person.sex = who.sex;
	person.address = who.address;
	if ((mr = card_items_match(&items, &person)) != 0) {
		char which[64];

		mynumber_items_which(&items, &person, which, sizeof(which));
		if (which[0] == '\0')	/* the name, at the resident's 外字 only */
			snprintf(which, sizeof(which), "name (at 外字 only)");
		if ((r = store_begin(st)) == 0 &&
		    (r = store_mynumber_hold(st, who.id, which, &res->held_id)) == 0)
			r = store_commit(st);
		else
			store_rollback(st);
		if (r == 0)
			r = err_reason(err_set(NHI_EMISMATCH, "the My Number card's basic items"
			    " differ from the resident's (%s): not linked, held for a"
			    " supervisor (held item %lld)", which, (long long)res->held_id),
			    "mynumber.items_differ");
		goto out;
	}
	flow_step(ev, "mynumber.certificate");
	if ((r = mynumber_read_cert(card, cert, sizeof(cert), &certlen)) != 0)
		goto out;
	r = crypto_jpki_verify(&trust, cert, certlen, time(NULL), &ci);
	snprintf(res->serial, sizeof(res->serial), "%s", ci.serial);
	snprintf(res->not_after, sizeof(res->not_after), "%s", ci.not_after);
	if (r != 0) {
		if (err_reason_of(r) != NULL &&
		    strcmp(err_reason_of(r), "mynumber.cert_revoked") == 0) {
			char keep[1024];
			int e;

			snprintf(keep, sizeof(keep), "%s", err_detail());
			if ((e = end_revoked(ctx, st, &ci, ev)) != 0)
				r = e;
			else
				r = err_reason(err_set(NHI_EREFUSED, "%s", keep),
				    "mynumber.cert_revoked");
		}
		goto out;
	}
	flow_step(ev, "mynumber.link");
	r = record_link(st, who.id, &ci, cert, certlen, res);
out:
	if (card != NULL) {
		res->apdus = card->apdus;
		card_close(card);
	}
	util_wipe(&items, sizeof(items));
	(void)session_audit(ctx, r, "mynumber.link", have_who ? subject : NULL,
	    r == 0 ? res->action : NULL);
	if (have_who)
		store_resident_free(&who);
	return r;
}
