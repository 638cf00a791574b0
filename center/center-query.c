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
#include "error.h"
#include "util.h"

/* A challenge's time stamp may be this far from the center's clock. */
#define CHALLENGE_WINDOW	300
/* Challenges are remembered (replays refused) for this long. */
#define CHALLENGE_KEEP		(2 * CHALLENGE_WINDOW + 60)

#define CHALLENGE_LEN	32
#define ANSWER_LEN	64
#define USER_LEN	16

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

static int
hex_exact(const char *s, size_t bytes, uint8_t *out)
{
	size_t i;

	if (s == NULL || strlen(s) != 2 * bytes)
		return 0;
	for (i = 0; i < 2 * bytes; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return hex_decode(s, out, bytes) == (int)bytes;
}

static int
digits(const char *s, size_t lo, size_t hi)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= lo && n <= hi && strspn(s, "0123456789") == n;
}

/* YYYY-MM-DD, a real day. */
static int
date_ok(const char *s)
{
	struct tm tm;
	char back[11];

	if (s == NULL || strlen(s) != 10)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%d", &tm) == NULL)
		return 0;
	tm.tm_isdst = -1;
	tm.tm_hour = 12;
	if (mktime(&tm) == (time_t)-1)
		return 0;
	strftime(back, sizeof(back), "%Y-%m-%d", &tm);
	return strcmp(back, s) == 0;
}

struct query {
	const char	*user_number;
	const char	*insurer_number;
	const char	*challenge;
	const char	*visit_date;
	uint8_t		 un[USER_LEN];
	uint8_t		 chal[CHALLENGE_LEN];
	uint8_t		 answer[ANSWER_LEN];
};

/* Check the query's members; 0, or the name of what is wrong. */
static const char *
query_check(const struct cj_obj *o, struct query *q)
{
	int64_t v;

	if (!cj_int(o, "version", &v) || v != 1)
		return "version is not 1";
	q->user_number = cj_str(o, "user_number");
	if (!hex_exact(q->user_number, USER_LEN, q->un))
		return "user_number is not 32 lower-case hex digits";
	q->insurer_number = cj_str(o, "insurer_number");
	if (!digits(q->insurer_number, 6, 8) || strlen(q->insurer_number) == 7)
		return "insurer_number is not 6 or 8 digits";
	q->challenge = cj_str(o, "challenge");
	if (!hex_exact(q->challenge, CHALLENGE_LEN, q->chal))
		return "challenge is not 64 lower-case hex digits";
	if (!hex_exact(cj_str(o, "answer"), ANSWER_LEN, q->answer))
		return "answer is not 128 lower-case hex digits";
	q->visit_date = cj_str(o, "visit_date");
	if (!date_ok(q->visit_date))
		return "visit_date is not a date YYYY-MM-DD";
	return NULL;
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
decide(const struct center_period *p, size_t n, const struct query *q,
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

static int
sign_reply(const struct center_keys *k, json_t *j, struct center_reply *out)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (text == NULL)
		return err_set(NHI_EINTERNAL, "cannot encode an answer");
	r = center_ack_sign(k, text, strlen(text), &out->body, &out->len);
	free(text);
	if (r == 0) {
		out->status = 200;
		out->type = "application/pkcs7-mime";
	}
	return r;
}

static int
refuse(struct center_store *cs, const char *clinic, const char *un, const char *visit,
    struct center_reply *out, unsigned status, const char *code, const char *detail)
{
	int r = center_query_log(cs, clinic, un, visit, code);

	center_reply_error(out, status, code, detail);
	return r;
}

int
center_query(struct center_store *cs, const struct center_keys *k, const char *clinic,
    const char *body, size_t len, int64_t now, struct center_reply *out)
{
	struct cj_obj *o = NULL;
	struct query q;
	struct center_card card;
	struct center_period *periods = NULL;
	const struct center_period *p = NULL;
	const char *why, *reason = NULL, *ended_on = NULL;
	uint8_t pub[CRYPTO_EC_PUB_LEN], msg[CHALLENGE_LEN + USER_LEN];
	char name[256], at[32];
	size_t n = 0;
	int64_t t;
	int r, found, seen;
	json_t *j = NULL;
	time_t tt = (time_t)now;
	struct tm tm;

	memset(&q, 0, sizeof(q));
	memset(out, 0, sizeof(*out));
	if (cj_parse(body, len, "query", &o) != 0) {
		r = refuse(cs, clinic, NULL, NULL, out, 400, "malformed", err_detail());
		goto out;
	}
	if ((why = query_check(o, &q)) != NULL) {
		r = refuse(cs, clinic, hex_exact(q.user_number, USER_LEN, q.un) ?
		    q.user_number : NULL, NULL, out, 400, "malformed", why);
		goto out;
	}
	t = challenge_time(q.chal);
	if (t < now - CHALLENGE_WINDOW || t > now + CHALLENGE_WINDOW) {
		r = refuse(cs, clinic, q.user_number, q.visit_date, out, 403,
		    "stale_challenge", "the challenge's time stamp is more than 300"
		    " seconds from the center's clock: make a fresh one");
		goto out;
	}
	if ((r = center_challenge_use(cs, q.challenge, now, CHALLENGE_KEEP, &seen)) != 0)
		goto out;
	if (seen) {
		r = refuse(cs, clinic, q.user_number, q.visit_date, out, 403,
		    "replayed_challenge", "this challenge was used before: a query needs"
		    " the card's answer to a fresh challenge");
		goto out;
	}
	if ((r = center_elig_card(cs, q.user_number, &card, &found)) != 0)
		goto out;
	gmtime_r(&tt, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "format", "nhicard-eligibility-answer", "version", 1, "answered_at", at,
	    "clinic", clinic, "user_number", q.user_number, "insurer_number_asked",
	    q.insurer_number, "visit_date", q.visit_date, "challenge", q.challenge);
	if (!found || !card.issued) {
		json_object_set_new(j, "insured", json_false());
		json_object_set_new(j, "reason", json_string("no_such_card"));
		if ((r = center_query_log(cs, clinic, q.user_number, q.visit_date,
		    "no_such_card")) == 0)
			r = sign_reply(k, j, out);
		goto out;
	}
	/* The card must be present: its answer to this challenge. */
	memcpy(msg, q.chal, CHALLENGE_LEN);
	memcpy(msg + CHALLENGE_LEN, q.un, USER_LEN);
	if (hex_decode(card.public_key, pub, sizeof(pub)) != CRYPTO_EC_PUB_LEN ||
	    crypto_ecdsa_verify(pub, msg, sizeof(msg), q.answer) != 0) {
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
			r = sign_reply(k, j, out);
		goto out;
	}
	if ((r = center_elig_periods(cs, card.station, card.person, &periods, &n)) != 0)
		goto out;
	p = decide(periods, n, &q, &reason, &ended_on);
	if (p == NULL) {
		json_object_set_new(j, "insured", json_false());
		json_object_set_new(j, "reason", json_string(reason));
		if (ended_on != NULL)
			set_str(j, "ended_on", ended_on);
		if ((r = center_query_log(cs, clinic, q.user_number, q.visit_date,
		    reason)) == 0)
			r = sign_reply(k, j, out);
		goto out;
	}
	if ((r = center_insurer_name(cs, p->insurer_number, name, sizeof(name))) != 0)
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
		r = sign_reply(k, j, out);
out:
	json_decref(j);
	free(periods);
	cj_free(o);
	return r;
}
