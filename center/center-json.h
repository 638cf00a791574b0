/*
 * center-json.h: the intake's strict JSON reader for batch lines
 * (center-json.c). Objects of strings, integers, null, booleans and
 * objects; arrays and fractions are skipped as CJ_OTHER.
 */
#ifndef NHI_CENTER_JSON_H
#define NHI_CENTER_JSON_H

#include <stddef.h>
#include <stdint.h>

enum cj_type { CJ_NULL, CJ_BOOL, CJ_INT, CJ_STR, CJ_OBJ, CJ_OTHER };

struct cj_obj;

struct cj_member {
	char		*key;
	enum cj_type	 type;
	char		*str;		/* CJ_STR, decoded UTF-8 */
	int64_t		 num;		/* CJ_INT, CJ_BOOL */
	struct cj_obj	*obj;		/* CJ_OBJ */
};

struct cj_obj {
	struct cj_member *m;
	size_t		  n;
};

/*
 * Parse one JSON object spanning exactly s[0..len) (surrounding white
 * space allowed). Errors are NHI_EPARSE naming `where` and the byte.
 * *out: free with cj_free.
 */
int	cj_parse(const char *s, size_t len, const char *where, struct cj_obj **out);
void	cj_free(struct cj_obj *o);

/* A member by name, or NULL. */
const struct cj_member *cj_get(const struct cj_obj *o, const char *key);
/* A string member's value, or NULL if absent or not a string. */
const char *cj_str(const struct cj_obj *o, const char *key);
/* 1 and *out if the member is an integer, else 0. */
int	cj_int(const struct cj_obj *o, const char *key, int64_t *out);

#endif
