/*
 * center-query.c: one eligibility query of a clinic (docs/clinic-api.md
 * section 3). The query is untrusted JSON (center-json.c); the card must
 * be present: the query carries a fresh challenge (its first 8 bytes the
 * time it was made) and the card's answer to it, which must verify with
 * the card's public key from its issuance; a challenge is taken once.
 * Then the center looks at the person's periods on the visit date and
 * answers, signed with its key. Every query is recorded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "center.h"
#include "center-json.h"
#include "crypto.h"
#include "crypto-jpki.h"
#include "error.h"
#include "util.h"

/* A challenge's time stamp may be this far from the center's clock. */
#define CHALLENGE_WINDOW	300
/* Challenges are remembered (replays refused) for this long. */
#define CHALLENGE_KEEP		(2 * CHALLENGE_WINDOW + 60)


void
center_reply_error(struct center_reply *out, unsigned status, const char *code,
    const char *detail)
{
	json_t *j = json_pack("{s:s, s:s}", "error", code, "detail", detail);
	char *t = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	out->status = status;
	out->type = "application/json";
	out->len = strlen(t);
	out->body = (uint8_t *)xstrdup(t);
	free(t);
}

static int64_t
challenge_time(const uint8_t *c)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < 8; i++)
		t = t << 8 | c[i];
	return (int64_t)t;
}

/* The period that decides, and why not insured when none does. */
static const struct center_period *
decide(const struct center_period *p, size_t n, const struct center_query_in *q,
    const char **reason, const char **ended_on)
{
	const struct center_period *covering = NULL, *ended = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].acquired_on[0] == '\0' ||
		    strcmp(p[i].acquired_on, q->visit_date) > 0)
			continue;
		if (p[i].lost_on[0] != '\0' && strcmp(q->visit_date, p[i].lost_on) >= 0) {
			if (ended == NULL || strcmp(p[i].lost_on, ended->lost_on) > 0)
				ended = &p[i];
			continue;
		}
		if (covering == NULL || strcmp(p[i].acquired_on, covering->acquired_on) >= 0)
			covering = &p[i];
	}
	if (covering != NULL && strcmp(covering->insurer_number, q->insurer_number) == 0)
		return covering;
	if (covering != NULL)
		*reason = "other_insurer";
	else if (ended != NULL) {
		*reason = "period_ended";
		*ended_on = ended->lost_on;
	} else
		*reason = "no_period";
	return NULL;
}

static void
set_str(json_t *j, const char *key, const char *v)
{
	json_object_set_new(j, key, v != NULL && *v != '\0' ? json_string(v) : json_null());
}

int
center_reply_sign(const struct center_keys *k, struct center_reply *rep)
{
	uint8_t *der = NULL;
	size_t len = 0;
	int r;

	if (!rep->to_sign)
		return 0;
	r = center_answer_sign(k, (const char *)rep->body, rep->len, &der, &len);
	free(rep->body);
	rep->body = der;
	rep->len = len;
	rep->to_sign = 0;
	return r;
}

/* The answer's JSON, to be signed by the caller outside the store lock. */
static int
sign_reply(json_t *j, struct center_reply *out)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (text == NULL)
		return err_set(NHI_EINTERNAL, "cannot encode an answer");
	out->body = (uint8_t *)text;
	out->len = strlen(text);
	out->to_sign = 1;
	out->status = 200;
	out->type = "application/pkcs7-mime";
	return 0;
}

static int
refuse(struct center_store *cs, const char *clinic, const char *un, const char *visit,
    struct center_reply *out, unsigned status, const char *code, const char *detail)
{
	int r = center_query_log(cs, clinic, un, visit, code);

	center_reply_error(out, status, code, detail);
	return r;
}

static int
query(struct center_store *cs, const char *clinic, const char *body, size_t len,
    int64_t now, int64_t started, struct center_reply *out)
{
	struct cj_obj *o = NULL;
	struct center_query_in q;
	struct center_card card;
	struct center_period *periods = NULL;
	const struct center_period *p = NULL;
	const char *why, *reason = NULL, *ended_on = NULL;
	uint8_t pub[CRYPTO_EC_PUB_LEN], msg[CENTER_CHALLENGE_LEN + CENTER_USER_LEN];
	char name[256], at[32];
	size_t n = 0;
	int64_t t;
	int r, found = 0, seen = 0, fast = 0;
	json_t *j = NULL;
	time_t tt = (time_t)now;
	struct tm tm;

	memset(&q, 0, sizeof(q));
	memset(out, 0, sizeof(*out));
	if (center_query_parse(body, len, &q, &o, &why) != 0) {
		r = refuse(cs, clinic, q.user_number, NULL, out, 400, "malformed", why);
		goto out;
	}
	t = challenge_time(q.chal);
	if (t < now - CHALLENGE_WINDOW || t > now + CHALLENGE_WINDOW || t < started) {
		r = refuse(cs, clinic, q.user_number, q.visit_date, out, 403,
		    "stale_challenge", "the challenge's time stamp is more than 300"
		    " seconds from the center's clock, or before the center started:"
		    " make a fresh one");
		goto out;
	}
	/* One statement where the store allows, else one by one. */
	if (!q.mynumber && (r = center_elig_query_read(cs, q.challenge, now,
	    CHALLENGE_KEEP, q.user_number, &seen, &card, &found, &periods, &n,
	    &fast)) != 0)
		goto out;
	if (!fast && (r = center_challenge_use(cs, q.challenge, now, CHALLENGE_KEEP,
	    &seen)) != 0)
		goto out;
	if (seen) {
		r = refuse(cs, clinic, q.user_number, q.visit_date, out, 403,
		    "replayed_challenge", "this challenge was used before: a query needs"
		    " the card's answer to a fresh challenge");
		goto out;
	}
	if (q.mynumber) {
		/* The card signed this challenge with the key of the certificate
		 * it showed, and a link names exactly that certificate. */
		uint8_t h[CRYPTO_SHA256_LEN];
		char fp[65];

		if (crypto_jpki_sig_verify(q.cert, q.certlen, q.chal, CENTER_CHALLENGE_LEN,
		    q.sig, q.siglen) != 0) {
			err_clear();
			r = refuse(cs, clinic, NULL, q.visit_date, out, 403,
			    "challenge_failed", "the My Number card's signature does not"
			    " verify with the certificate it showed");
			goto out;
		}
		if ((r = crypto_sha256(q.cert, q.certlen, h)) != 0)
			goto out;
		hex_encode(h, sizeof(h), fp);
		if ((r = center_mynumber_link(cs, fp, &card, q.user_number_buf,
		    &found)) != 0)
			goto out;
		q.user_number = q.user_number_buf;
		snprintf(q.insurer_buf, sizeof(q.insurer_buf), "%s", card.insurer_number);
		q.insurer_number = q.insurer_buf;
	} else if (!fast && (r = center_elig_card(cs, q.user_number, &card, &found)) != 0)
		goto out;
	gmtime_r(&tt, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "format", "nhicard-eligibility-answer", "version", 1, "answered_at", at,
	    "clinic", clinic, "user_number", q.user_number, "insurer_number_asked",
	    q.insurer_number, "visit_date", q.visit_date, "challenge", q.challenge);
	if (q.mynumber)
		json_object_set_new(j, "card", json_string("mynumber"));
	if (!found || !card.issued) {
		json_object_set_new(j, "insured", json_false());
		json_object_set_new(j, "reason", json_string("no_such_card"));
		if ((r = center_query_log(cs, clinic, q.user_number, q.visit_date,
		    "no_such_card")) == 0)
			r = sign_reply(j, out);
		goto out;
	}
	/* The card must be present: its answer to this challenge. */
	memcpy(msg, q.chal, CENTER_CHALLENGE_LEN);
	memcpy(msg + CENTER_CHALLENGE_LEN, q.un, CENTER_USER_LEN);
	if (!q.mynumber && (hex_decode(card.public_key, pub, sizeof(pub)) != CRYPTO_EC_PUB_LEN ||
	    crypto_ecdsa_verify(pub, msg, sizeof(msg), q.answer) != 0)) {
		r = refuse(cs, clinic, q.user_number, q.visit_date, out, 403,
		    "challenge_failed", "the card's answer does not verify with the key"
		    " of the card issued under this user number: no card, or a copy");
		goto out;
	}
	if (card.revoked) {
		json_object_set_new(j, "insured", json_false());
		json_object_set_new(j, "reason", json_string("revoked"));
		set_str(j, "revoked_reason", card.revoked_reason);
		set_str(j, "revoked_on", card.revoked_on);
		if ((r = center_query_log(cs, clinic, q.user_number, q.visit_date,
		    "revoked")) == 0)
			r = sign_reply(j, out);
		goto out;
	}
	if (!fast && (r = center_elig_periods(cs, card.station, card.person, &periods,
	    &n)) != 0)
		goto out;
	p = decide(periods, n, &q, &reason, &ended_on);
	if (p == NULL) {
		json_object_set_new(j, "insured", json_false());
		json_object_set_new(j, "reason", json_string(reason));
		if (ended_on != NULL)
			set_str(j, "ended_on", ended_on);
		if ((r = center_query_log(cs, clinic, q.user_number, q.visit_date,
		    reason)) == 0)
			r = sign_reply(j, out);
		goto out;
	}
	if (p->named)
		snprintf(name, sizeof(name), "%s", p->insurer_name);
	else if ((r = center_insurer_name(cs, p->insurer_number, name, sizeof(name))) != 0)
		goto out;
	json_object_set_new(j, "insured", json_true());
	set_str(j, "insurer_number", p->insurer_number);
	set_str(j, "insurer_name", name);
	set_str(j, "symbol", p->symbol);
	set_str(j, "number", p->number);
	set_str(j, "branch", p->branch);
	set_str(j, "document", p->cert_kind);
	set_str(j, "valid_from", p->acquired_on);
	set_str(j, "valid_until", p->valid_until);
	/* The 70-74 ratio (高齢受給者) from its 発効期日; else the general 3割
	 * (the 2割 before school age is the clinic's, from the birth date). */
	if (p->burden_pct > 0 && p->burden_from[0] != '\0' &&
	    strcmp(p->burden_from, q.visit_date) <= 0) {
		json_object_set_new(j, "burden_pct", json_integer(p->burden_pct));
		json_object_set_new(j, "elderly", json_true());
	} else {
		json_object_set_new(j, "burden_pct", json_integer(30));
		json_object_set_new(j, "elderly", json_false());
	}
	json_object_set_new(j, "limit_category", json_null());
	if ((r = center_query_log(cs, clinic, q.user_number, q.visit_date, "insured")) == 0)
		r = sign_reply(j, out);
out:
	json_decref(j);
	free(periods);
	cj_free(o);
	return r;
}

int
center_query(struct center_store *cs, const char *clinic, const char *body, size_t len,
    int64_t now, int64_t started, struct center_reply *out)
{
	int r;

	if ((r = center_store_query_begin(cs)) != 0)
		return r;
	r = query(cs, clinic, body, len, now, started, out);
	if (r != 0) {
		free(out->body);
		memset(out, 0, sizeof(*out));
		(void)center_store_query_end(cs, 0);
		return r;
	}
	if ((r = center_store_query_end(cs, 1)) != 0) {
		free(out->body);
		memset(out, 0, sizeof(*out));
	}
	return r;
}
