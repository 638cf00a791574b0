/*
 * clinic-state.c: what the terminal keeps between checks, in its state
 * directory (docs/clinic-api.md section 5): the last trust list the
 * center signed (trust.json), the revocation list merged from the
 * center's lists since a version (revoked.json), and the last signed
 * answer per card (answers/, named by a hash of the user number). All
 * written atomically; all read as untrusted JSON (jansson).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "clinic.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

#define MAX_LIST	(256u * 1024 * 1024)

static int
read_json(const char *path, json_t **out)
{
	json_error_t e;
	char *text = NULL;
	size_t len;
	int r;

	*out = NULL;
	if ((r = fs_read_file(path, MAX_LIST, &text, &len)) != 0) {
		if (r == NHI_ENOFILE) {
			err_clear();
			return 0;
		}
		return r;
	}
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	free(text);
	if (*out == NULL || !json_is_object(*out))
		return err_set(NHI_EPARSE, "%s: byte %d: %s", path, e.position, e.text);
	return 0;
}

static int
parse_trust(struct clinic_state *st, json_t *j)
{
	json_t *keys = json_object_get(j, "keys"), *k;
	const char *muni, *sid, *pub;
	size_t i;

	if (!json_is_integer(json_object_get(j, "version")) || !json_is_array(keys))
		return err_set(NHI_EPARSE, "trust list: no version or no keys");
	free(st->keys);
	st->keys = xcalloc(json_array_size(keys) + 1, sizeof(*st->keys));
	st->nkeys = 0;
	st->trust_version = json_integer_value(json_object_get(j, "version"));
	json_array_foreach(keys, i, k) {
		struct clinic_trust_key *t = &st->keys[st->nkeys];

		muni = json_string_value(json_object_get(k, "municipality"));
		sid = json_string_value(json_object_get(k, "signer_id"));
		pub = json_string_value(json_object_get(k, "public_key"));
		if (muni == NULL || strlen(muni) != 6 || sid == NULL || pub == NULL ||
		    hex_decode(sid, t->signer_id, sizeof(t->signer_id)) != CARD_SIGNER_ID_LEN ||
		    hex_decode(pub, t->public_key, sizeof(t->public_key)) != CARD_PUBKEY_LEN)
			return err_set(NHI_EPARSE, "trust list: key %zu is malformed", i + 1);
		memcpy(t->municipality, muni, 7);
		st->nkeys++;
	}
	return 0;
}

static int
parse_revoked(struct clinic_state *st, json_t *j)
{
	json_t *list = json_object_get(j, "revoked"), *v;
	const char *un;
	size_t i;

	if (!json_is_integer(json_object_get(j, "version")) || !json_is_array(list))
		return err_set(NHI_EPARSE, "revocation list: no version or no list");
	st->revoked_version = json_integer_value(json_object_get(j, "version"));
	free(st->revoked);
	st->revoked = xcalloc(json_array_size(list) + 1, sizeof(*st->revoked));
	st->nrevoked = 0;
	json_array_foreach(list, i, v) {
		un = json_string_value(v);
		if (un == NULL || strlen(un) != 32)
			return err_set(NHI_EPARSE, "revocation list: entry %zu is malformed",
			    i + 1);
		memcpy(st->revoked[st->nrevoked++], un, 33);
	}
	return 0;
}

int
clinic_state_load(const char *dir, struct clinic_state *st)
{
	char *p;
	json_t *j = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	st->dir = xstrdup(dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(NHI_EIO, "--state %s: cannot create: %s", dir, strerror(errno));
	p = xasprintf("%s/answers", dir);
	if (mkdir(p, 0700) != 0 && errno != EEXIST) {
		r = err_set(NHI_EIO, "%s: cannot create: %s", p, strerror(errno));
		free(p);
		return r;
	}
	free(p);
	p = xasprintf("%s/trust.json", dir);
	if ((r = read_json(p, &j)) == 0 && j != NULL)
		r = parse_trust(st, j);
	json_decref(j);
	j = NULL;
	free(p);
	if (r != 0)
		return r;
	p = xasprintf("%s/revoked.json", dir);
	if ((r = read_json(p, &j)) == 0 && j != NULL)
		r = parse_revoked(st, j);
	json_decref(j);
	free(p);
	return r;
}

void
clinic_state_free(struct clinic_state *st)
{
	free(st->dir);
	free(st->keys);
	free(st->revoked);
	memset(st, 0, sizeof(*st));
}

int
clinic_state_take_trust(struct clinic_state *st, const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	const char *fmt = json_string_value(json_object_get(j, "format"));
	char *p;
	int r;

	if (j == NULL || fmt == NULL || strcmp(fmt, "nhicard-trust-list") != 0) {
		json_decref(j);
		return err_set(NHI_EPARSE, "the center's trust list is not one");
	}
	if ((r = parse_trust(st, j)) == 0) {
		p = xasprintf("%s/trust.json", st->dir);
		r = fs_write_atomic(p, text, strlen(text), 0600);
		free(p);
	}
	json_decref(j);
	return r;
}

int
clinic_state_take_revoked(struct clinic_state *st, const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e), *cards, *c, *out, *arr;
	const char *fmt = json_string_value(json_object_get(j, "format"));
	const char *un;
	char *p, *dump;
	size_t i, k;
	int r, rev;

	cards = json_object_get(j, "cards");
	if (j == NULL || fmt == NULL || strcmp(fmt, "nhicard-revocation-list") != 0 ||
	    !json_is_array(cards) || !json_is_integer(json_object_get(j, "version"))) {
		json_decref(j);
		return err_set(NHI_EPARSE, "the center's revocation list is not one");
	}
	/* Merge: each change since our version revokes or reinstates a card. */
	json_array_foreach(cards, i, c) {
		un = json_string_value(json_object_get(c, "user_number"));
		rev = json_is_true(json_object_get(c, "revoked"));
		if (un == NULL || strlen(un) != 32)
			continue;
		for (k = 0; k < st->nrevoked; k++)
			if (strcmp(st->revoked[k], un) == 0)
				break;
		if (rev && k == st->nrevoked) {
			st->revoked = xreallocarray(st->revoked, st->nrevoked + 1,
			    sizeof(*st->revoked));
			memcpy(st->revoked[st->nrevoked++], un, 33);
		} else if (!rev && k < st->nrevoked) {
			memmove(st->revoked[k], st->revoked[k + 1],
			    (st->nrevoked - k - 1) * sizeof(*st->revoked));
			st->nrevoked--;
		}
	}
	st->revoked_version = json_integer_value(json_object_get(j, "version"));
	json_decref(j);
	arr = json_array();
	for (k = 0; k < st->nrevoked; k++)
		json_array_append_new(arr, json_string(st->revoked[k]));
	out = json_pack("{s:I, s:o}", "version", (json_int_t)st->revoked_version,
	    "revoked", arr);
	dump = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	p = xasprintf("%s/revoked.json", st->dir);
	r = fs_write_atomic(p, dump, strlen(dump), 0600);
	free(p);
	free(dump);
	return r;
}

const struct clinic_trust_key *
clinic_state_key(const struct clinic_state *st, const uint8_t signer_id[CARD_SIGNER_ID_LEN])
{
	size_t i;

	for (i = 0; i < st->nkeys; i++)
		if (memcmp(st->keys[i].signer_id, signer_id, CARD_SIGNER_ID_LEN) == 0)
			return &st->keys[i];
	return NULL;
}

int
clinic_state_is_revoked(const struct clinic_state *st, const char *user_number)
{
	size_t i;

	for (i = 0; i < st->nrevoked; i++)
		if (strcmp(st->revoked[i], user_number) == 0)
			return 1;
	return 0;
}

/* answers/<first 16 hex digits of SHA-256(user number)>.EXT */
static char *
answer_path(const struct clinic_state *st, const char *un, const char *ext)
{
	uint8_t h[CRYPTO_SHA256_LEN];
	char hex[17];

	crypto_sha256(un, strlen(un), h);
	hex_encode(h, 8, hex);
	return xasprintf("%s/answers/%s.%s", st->dir, hex, ext);
}

int
clinic_state_keep_answer(const struct clinic_state *st, const char *user_number,
    const uint8_t *der, size_t len, const char *json, char **path)
{
	char *p = answer_path(st, user_number, "cms");
	char *q = answer_path(st, user_number, "json");
	int r;

	if ((r = fs_write_atomic(p, der, len, 0600)) == 0)
		r = fs_write_atomic(q, json, strlen(json), 0600);
	free(q);
	if (r == 0 && path != NULL)
		*path = p;
	else
		free(p);
	return r;
}

int
clinic_state_last_answer(const struct clinic_state *st, const char *user_number,
    char **json)
{
	char *p = answer_path(st, user_number, "json");
	size_t len;
	int r;

	*json = NULL;
	r = fs_read_file(p, 1 << 20, json, &len);
	free(p);
	if (r == NHI_ENOFILE) {
		err_clear();
		return 0;
	}
	return r;
}
