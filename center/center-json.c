/*
 * center-json.c: the intake's strict little JSON reader for batch lines
 * (RFC 8259; docs/queue-format.md): one object per line, members that are
 * strings, integers, null, booleans or objects. Arrays and fractional
 * numbers are accepted and skipped (later format versions may add such
 * members; an intake ignores what it does not know). Nesting is bounded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center-json.h"
#include "error.h"
#include "util.h"

#define CJ_MAX_DEPTH	8

struct cj_parser {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	const char	*where;		/* "batch line 3" */
};

static int
cj_fail(struct cj_parser *p, const char *what)
{
	return err_set(NHI_EPARSE, "%s, byte %zu: %s", p->where, p->pos + 1, what);
}

static void
ws(struct cj_parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	    p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
		p->pos++;
}

static int
hex4(struct cj_parser *p, unsigned *out)
{
	unsigned v = 0;
	int i;
	char c;

	if (p->pos + 4 > p->len)
		return cj_fail(p, "short \\u escape");
	for (i = 0; i < 4; i++) {
		c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return cj_fail(p, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static void
put_utf8(char *o, size_t *n, unsigned cp)
{
	if (cp < 0x80)
		o[(*n)++] = (char)cp;
	else if (cp < 0x800) {
		o[(*n)++] = (char)(0xc0 | (cp >> 6));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		o[(*n)++] = (char)(0xe0 | (cp >> 12));
		o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o[(*n)++] = (char)(0xf0 | (cp >> 18));
		o[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* A string at p->pos (the opening quote); *out (caller frees). */
static int
string(struct cj_parser *p, char **out)
{
	/* Decoded text is never longer than the encoded one. */
	size_t start = ++p->pos, n = 0;
	char *o = NULL;
	unsigned cp, lo;
	unsigned char c;
	int r;

	while (p->pos < p->len && p->s[p->pos] != '"')
		p->pos += p->s[p->pos] == '\\' ? 2 : 1;
	if (p->pos >= p->len)
		return cj_fail(p, "unterminated string");
	o = xmalloc(p->pos - start + 1);
	p->pos = start;
	while ((c = (unsigned char)p->s[p->pos]) != '"') {
		if (c < 0x20) {
			r = cj_fail(p, "control character in a string");
			goto fail;
		}
		p->pos++;
		if (c != '\\') {
			o[n++] = (char)c;
			continue;
		}
		c = (unsigned char)p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/': o[n++] = (char)c; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u':
			if ((r = hex4(p, &cp)) != 0)
				goto fail;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->pos + 6 > p->len || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u') {
					r = cj_fail(p, "lone surrogate");
					goto fail;
				}
				p->pos += 2;
				if ((r = hex4(p, &lo)) != 0)
					goto fail;
				if (lo < 0xdc00 || lo > 0xdfff) {
					r = cj_fail(p, "bad surrogate pair");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				r = cj_fail(p, "lone surrogate");
				goto fail;
			}
			if (cp == 0) {
				r = cj_fail(p, "NUL in a string");
				goto fail;
			}
			put_utf8(o, &n, cp);
			break;
		default:
			r = cj_fail(p, "bad escape");
			goto fail;
		}
	}
	p->pos++;
	o[n] = '\0';
	*out = o;
	return 0;
fail:
	free(o);
	return r;
}

static int value(struct cj_parser *p, int depth, struct cj_member *m);

static int
object(struct cj_parser *p, int depth, struct cj_obj **out)
{
	struct cj_obj *o = xcalloc(1, sizeof(*o));
	struct cj_member m;
	size_t i;
	int r;

	if (depth > CJ_MAX_DEPTH) {
		r = cj_fail(p, "nested too deeply");
		goto fail;
	}
	p->pos++;	/* { */
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		*out = o;
		return 0;
	}
	for (;;) {
		memset(&m, 0, sizeof(m));
		ws(p);
		if (p->pos >= p->len || p->s[p->pos] != '"') {
			r = cj_fail(p, "expected a member name");
			goto fail;
		}
		if ((r = string(p, &m.key)) != 0)
			goto fail;
		for (i = 0; i < o->n; i++)
			if (strcmp(o->m[i].key, m.key) == 0) {
				free(m.key);
				r = cj_fail(p, "duplicate member name");
				goto fail;
			}
		ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':') {
			free(m.key);
			r = cj_fail(p, "expected ':'");
			goto fail;
		}
		p->pos++;
		ws(p);
		if ((r = value(p, depth, &m)) != 0) {
			free(m.key);
			goto fail;
		}
		o->m = xreallocarray(o->m, o->n + 1, sizeof(*o->m));
		o->m[o->n++] = m;
		ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			break;
		}
		r = cj_fail(p, "expected ',' or '}'");
		goto fail;
	}
	*out = o;
	return 0;
fail:
	cj_free(o);
	return r;
}

/* Skip an array (its values are not kept). */
static int
array(struct cj_parser *p, int depth)
{
	struct cj_member m;
	int r;

	if (depth > CJ_MAX_DEPTH)
		return cj_fail(p, "nested too deeply");
	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		memset(&m, 0, sizeof(m));
		ws(p);
		r = value(p, depth, &m);
		free(m.str);
		cj_free(m.obj);
		if (r != 0)
			return r;
		ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			return 0;
		}
		return cj_fail(p, "expected ',' or ']'");
	}
}

static int
number(struct cj_parser *p, struct cj_member *m)
{
	size_t digits = 0;
	int neg = 0, frac = 0;
	uint64_t v = 0;

	if (p->s[p->pos] == '-') {
		neg = 1;
		p->pos++;
	}
	if (p->pos < p->len && p->s[p->pos] == '0' && p->pos + 1 < p->len &&
	    p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')
		return cj_fail(p, "leading zero");
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		if (v > (uint64_t)INT64_MAX / 10)
			return cj_fail(p, "number out of range");
		v = v * 10 + (uint64_t)(p->s[p->pos++] - '0');
		if (v > (uint64_t)INT64_MAX)
			return cj_fail(p, "number out of range");
		digits++;
	}
	if (digits == 0)
		return cj_fail(p, "expected a value");
	if (p->pos < p->len && p->s[p->pos] == '.') {
		frac = 1;
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return cj_fail(p, "bad fraction");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		frac = 1;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return cj_fail(p, "bad exponent");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (frac) {
		m->type = CJ_OTHER;
		return 0;
	}
	m->type = CJ_INT;
	m->num = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int
word(struct cj_parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->pos + n > p->len || memcmp(p->s + p->pos, w, n) != 0)
		return cj_fail(p, "expected a value");
	p->pos += n;
	return 0;
}

static int
value(struct cj_parser *p, int depth, struct cj_member *m)
{
	int r;

	if (p->pos >= p->len)
		return cj_fail(p, "expected a value");
	switch (p->s[p->pos]) {
	case '"':
		m->type = CJ_STR;
		return string(p, &m->str);
	case '{':
		m->type = CJ_OBJ;
		return object(p, depth + 1, &m->obj);
	case '[':
		m->type = CJ_OTHER;
		return array(p, depth + 1);
	case 't':
		m->type = CJ_BOOL;
		m->num = 1;
		return word(p, "true");
	case 'f':
		m->type = CJ_BOOL;
		return word(p, "false");
	case 'n':
		m->type = CJ_NULL;
		return word(p, "null");
	default:
		if ((r = number(p, m)) != 0)
			return r;
		return 0;
	}
}

int
cj_parse(const char *s, size_t len, const char *where, struct cj_obj **out)
{
	struct cj_parser p = { .s = s, .len = len, .where = where };
	struct cj_obj *o = NULL;
	int r;

	ws(&p);
	if (p.pos >= p.len || s[p.pos] != '{')
		return cj_fail(&p, "expected a JSON object");
	if ((r = object(&p, 1, &o)) != 0)
		return r;
	ws(&p);
	if (p.pos != p.len) {
		cj_free(o);
		return cj_fail(&p, "text after the object");
	}
	*out = o;
	return 0;
}

void
cj_free(struct cj_obj *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->m[i].key);
		free(o->m[i].str);
		cj_free(o->m[i].obj);
	}
	free(o->m);
	free(o);
}

const struct cj_member *
cj_get(const struct cj_obj *o, const char *key)
{
	size_t i;

	for (i = 0; o != NULL && i < o->n; i++)
		if (strcmp(o->m[i].key, key) == 0)
			return &o->m[i];
	return NULL;
}

const char *
cj_str(const struct cj_obj *o, const char *key)
{
	const struct cj_member *m = cj_get(o, key);

	return m != NULL && m->type == CJ_STR ? m->str : NULL;
}

int
cj_int(const struct cj_obj *o, const char *key, int64_t *out)
{
	const struct cj_member *m = cj_get(o, key);

	if (m == NULL || m->type != CJ_INT)
		return 0;
	*out = m->num;
	return 1;
}
