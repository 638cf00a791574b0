/*
 * center-publish.c: what the center publishes to clinics
 * (docs/clinic-api.md section 4): the trust list (the municipalities'
 * signing public keys, versioned) and the revocation list since a
 * version, each JSON signed by the center (CMS SignedData), so a clinic
 * terminal can check key records and revocations offline.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "center.h"
#include "error.h"
#include "util.h"

static void
now_utc(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
sign_json(const struct center_keys *k, json_t *j, struct center_reply *out)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (text == NULL)
		return err_set(NHI_EINTERNAL, "cannot encode a list");
	r = center_answer_sign(k, text, strlen(text), &out->body, &out->len);
	free(text);
	if (r == 0) {
		out->status = 200;
		out->type = "application/pkcs7-mime";
	}
	return r;
}

static void
trust_one(void *arg, const char *muni, const char *signer, const char *pub)
{
	json_array_append_new((json_t *)arg, json_pack("{s:s, s:s, s:s}",
	    "municipality", muni, "signer_id", signer, "public_key", pub));
}

int
center_publish_trust(struct center_store *cs, const struct center_keys *k,
    struct center_reply *out)
{
	json_t *keys = json_array(), *j;
	char now[32];
	int64_t version;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = center_trust_each(cs, &version, trust_one, keys)) != 0) {
		json_decref(keys);
		return r;
	}
	now_utc(now, sizeof(now));
	j = json_pack("{s:s, s:i, s:I, s:s, s:o}", "format", "nhicard-trust-list",
	    "format_version", 1, "version", (json_int_t)version, "created", now,
	    "keys", keys);
	r = sign_json(k, j, out);
	json_decref(j);
	return r;
}

static void
revoked_one(void *arg, const char *un, int revoked, int64_t version)
{
	json_array_append_new((json_t *)arg, json_pack("{s:s, s:b, s:I}",
	    "user_number", un, "revoked", revoked, "version", (json_int_t)version));
}

int
center_publish_revoked(struct center_store *cs, const struct center_keys *k,
    int64_t since, struct center_reply *out)
{
	json_t *cards = json_array(), *j;
	char now[32];
	int64_t version;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = center_revoked_each(cs, since, &version, revoked_one, cards)) != 0) {
		json_decref(cards);
		return r;
	}
	now_utc(now, sizeof(now));
	j = json_pack("{s:s, s:i, s:I, s:I, s:s, s:o}", "format", "nhicard-revocation-list",
	    "format_version", 1, "since", (json_int_t)since, "version", (json_int_t)version,
	    "created", now, "cards", cards);
	r = sign_json(k, j, out);
	json_decref(j);
	return r;
}
