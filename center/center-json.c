/*
 * center-json.c: strict JSON objects for the center, on jansson (a JSON
 * library Debian keeps; docs/design.md "Libraries we added"). It replaced
 * a reader of our own. Fuzzed through fuzz/fuzz-center-batch.c and
 * fuzz/fuzz-center-query.c.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "center-json.h"
#include "error.h"

#define J(o)	((json_t *)(o))

int
cj_parse(const char *s, size_t len, const char *where, struct cj_obj **out)
{
	json_error_t e;
	json_t *j;

	/* JSON_REJECT_DUPLICATES: a key given twice is ambiguous, refused.
	 * Strings with \u0000 are refused (no JSON_ALLOW_NUL). */
	j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		return err_set(NHI_EPARSE, "%s, byte %d: %s", where, e.position + 1, e.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(NHI_EPARSE, "%s: not a JSON object", where);
	}
	*out = (struct cj_obj *)j;
	return 0;
}

void
cj_free(struct cj_obj *o)
{
	if (o != NULL)
		json_decref(J(o));
}

const struct cj_obj *
cj_obj(const struct cj_obj *o, const char *key)
{
	json_t *v = o != NULL ? json_object_get(J(o), key) : NULL;

	return json_is_object(v) ? (const struct cj_obj *)v : NULL;
}

int
cj_has(const struct cj_obj *o, const char *key)
{
	return o != NULL && json_object_get(J(o), key) != NULL;
}

const char *
cj_str(const struct cj_obj *o, const char *key)
{
	json_t *v = o != NULL ? json_object_get(J(o), key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
cj_int(const struct cj_obj *o, const char *key, int64_t *out)
{
	json_t *v = o != NULL ? json_object_get(J(o), key) : NULL;

	if (!json_is_integer(v))
		return 0;
	*out = (int64_t)json_integer_value(v);
	return 1;
}
