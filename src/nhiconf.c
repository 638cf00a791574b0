/*
 * nhiconf.c: the INI-like configuration parser.
 */
#include <config.h>

#include "nhiconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

#define CONFIG_MAX_FILE	(1024 * 1024)
#define CONFIG_MAX_KEY	128

struct config_entry {
	char	*key;
	char	*value;
	char	*origin;	/* "FILE:LINE" it came from, or NULL (set in code) */
};

struct config {
	struct config_entry	*entries;
	size_t			 count, cap;
	char			*path;		/* the file loaded, or NULL */
};

struct config *
config_new(void)
{
	return xcalloc(1, sizeof(struct config));
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->count; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
		free(cfg->entries[i].origin);
	}
	free(cfg->entries);
	free(cfg->path);
	free(cfg);
}

static struct config_entry *
config_find(const struct config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		if (strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	return NULL;
}

void
config_set(struct config *cfg, const char *key, const char *value)
{
	struct config_entry *e;

	if ((e = config_find(cfg, key)) != NULL) {
		free(e->value);
		e->value = xstrdup(value);
		return;
	}
	if (cfg->count == cfg->cap) {
		cfg->cap = cfg->cap == 0 ? 16 : cfg->cap * 2;
		cfg->entries = xreallocarray(cfg->entries, cfg->cap, sizeof(*e));
	}
	e = &cfg->entries[cfg->count++];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->origin = NULL;
}

const char *
config_origin(const struct config *cfg, const char *key)
{
	struct config_entry *e;

	if (cfg == NULL || (e = config_find(cfg, key)) == NULL)
		return NULL;
	return e->origin;
}

int
config_error_where(const struct config *cfg, int code)
{
	const char *d = err_detail(), *hit, *best = NULL;
	size_t i, n, bestlen = 0;

	if (cfg == NULL || d == NULL || err_last() != code)
		return code;
	/* The longest key of this configuration the message names, as a
	 * whole word ("validity.renewal: ..." names validity.renewal). */
	for (i = 0; i < cfg->count; i++) {
		if (cfg->entries[i].origin == NULL)
			continue;
		n = strlen(cfg->entries[i].key);
		for (hit = strstr(d, cfg->entries[i].key); hit != NULL;
		    hit = strstr(hit + 1, cfg->entries[i].key)) {
			int before = hit > d && (isalnum((unsigned char)hit[-1]) ||
			    hit[-1] == '_' || hit[-1] == '.' || hit[-1] == '-');
			int after = isalnum((unsigned char)hit[n]) || hit[n] == '_' ||
			    hit[n] == '-' || hit[n] == '.';

			if (!before && !after && n > bestlen) {
				best = cfg->entries[i].origin;
				bestlen = n;
			}
		}
	}
	/* A key that is missing is named with the file it is missing from. */
	if (best == NULL)
		best = cfg->path;
	if (best == NULL || strncmp(d, best, strlen(best)) == 0 ||
	    (cfg->path != NULL && strstr(d, cfg->path) != NULL))
		return code;
	return err_wrap(code, "%s: ", best);
}

const char *
config_get(const struct config *cfg, const char *key, const char *def)
{
	struct config_entry *e;

	if (cfg == NULL || (e = config_find(cfg, key)) == NULL)
		return def;
	return e->value;
}

int
config_get_int(const struct config *cfg, const char *key, long def, long min,
    long max, long *out)
{
	const char *v = config_get(cfg, key, NULL);
	char *end;
	long n;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		return err_set(NHI_ECONFIG, "configuration key %s: '%s' is not a number", key, v);
	if (n < min || n > max)
		return err_set(NHI_ECONFIG, "configuration key %s: %ld is outside %ld..%ld",
		    key, n, min, max);
	*out = n;
	return 0;
}

size_t
config_count(const struct config *cfg)
{
	return cfg->count;
}

const char *
config_key_at(const struct config *cfg, size_t i)
{
	return i < cfg->count ? cfg->entries[i].key : NULL;
}

const char *
config_value_at(const struct config *cfg, size_t i)
{
	return i < cfg->count ? cfg->entries[i].value : NULL;
}

static int
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= CONFIG_MAX_KEY)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static void
trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

int
config_parse(struct config *cfg, const char *name, const char *text, size_t len)
{
	char section[CONFIG_MAX_KEY] = "", key[2 * CONFIG_MAX_KEY + 1];
	const char *p = text, *end = text + len, *eol, *s, *e, *eq, *ks, *ke;
	char *value;
	size_t lineno = 0;

	while (p < end) {
		lineno++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		s = p;
		e = eol;
		p = eol < end ? eol + 1 : end;
		if (memchr(s, '\0', (size_t)(e - s)) != NULL)
			return err_set(NHI_ECONFIG, "%s:%zu: NUL byte in line", name, lineno);
		trim(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (e[-1] != ']' || !valid_name(s + 1, (size_t)(e - s - 2)))
				return err_set(NHI_ECONFIG, "%s:%zu: bad section header", name, lineno);
			memcpy(section, s + 1, (size_t)(e - s - 2));
			section[e - s - 2] = '\0';
			continue;
		}
		if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL)
			return err_set(NHI_ECONFIG, "%s:%zu: expected 'key = value'", name, lineno);
		ks = s;
		ke = eq;
		trim(&ks, &ke);
		if (!valid_name(ks, (size_t)(ke - ks)))
			return err_set(NHI_ECONFIG, "%s:%zu: bad key name", name, lineno);
		snprintf(key, sizeof(key), "%s%s%.*s", section, section[0] ? "." : "",
		    (int)(ke - ks), ks);
		s = eq + 1;
		trim(&s, &e);
		if (s < e && *s == '"') {
			/* "quoted value"  # a comment after the quote is allowed */
			const char *q = memchr(s + 1, '"', (size_t)(e - s - 1)), *t;

			if (q == NULL)
				return err_set(NHI_ECONFIG, "%s:%zu: %s: unterminated quote",
				    name, lineno, key);
			for (t = q + 1; t < e && (*t == ' ' || *t == '\t'); t++)
				;
			if (t < e && *t != '#')
				return err_set(NHI_ECONFIG, "%s:%zu: %s: text after the closing"
				    " quote", name, lineno, key);
			s++;
			e = q;
		} else {
			/* An inline comment: '#' after a blank ends the value
			 * ("renewal = 07-31   # MM-DD"); a '#' inside a word stays. */
			const char *c;

			for (c = s; c < e; c++)
				if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t'))
					break;
			e = c;
			trim(&s, &e);
		}
		if (config_find(cfg, key) != NULL)
			return err_set(NHI_ECONFIG, "%s:%zu: %s: key given twice", name, lineno, key);
		value = xstrndup(s, (size_t)(e - s));
		config_set(cfg, key, value);
		free(value);
		config_find(cfg, key)->origin = xasprintf("%s:%zu", name, lineno);
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path)
{
	char *text = NULL;
	size_t len;
	int r;

	if ((r = fs_read_file(path, CONFIG_MAX_FILE, &text, &len)) != 0)
		return r;
	r = config_parse(cfg, path, text, len);
	free(text);
	if (r == 0) {
		free(cfg->path);
		cfg->path = xstrdup(path);
	}
	return r;
}
