/*
 * center-json.h: the center's reading of untrusted JSON (batch lines,
 * clinic queries), on jansson (center-json.c). Strict: one object exactly,
 * no duplicate keys, no NUL in strings, integers only where integers are
 * asked for.
 */
#ifndef NHI_CENTER_JSON_H
#define NHI_CENTER_JSON_H

#include <stddef.h>
#include <stdint.h>

/* A parsed JSON object (a jansson json_t inside). */
struct cj_obj;

/*
 * Parse one JSON object spanning exactly s[0..len) (surrounding white
 * space allowed). Errors are NHI_EPARSE naming `where`, the byte and
 * jansson's reason. *out: free with cj_free.
 */
int	cj_parse(const char *s, size_t len, const char *where, struct cj_obj **out);
void	cj_free(struct cj_obj *o);

/* A member that is itself an object (borrowed from o), or NULL. */
const struct cj_obj *cj_obj(const struct cj_obj *o, const char *key);
/* 1 if the member exists (any type). */
int	cj_has(const struct cj_obj *o, const char *key);
/* A string member's value (UTF-8, borrowed), or NULL if absent or not a
 * string. */
const char *cj_str(const struct cj_obj *o, const char *key);
/* 1 and *out if the member is an integer, else 0. */
int	cj_int(const struct cj_obj *o, const char *key, int64_t *out);

#endif
