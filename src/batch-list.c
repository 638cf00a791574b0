/*
 * batch-list.c: list files for batch runs (batch.h, docs/batch.md "List
 * files"): one person per line with an optional reason, read line by line
 * so a list of any length takes the memory of one line. A list comes from
 * outside the station (the register, the employee-insurance notices), so
 * every malformed line is refused with its file and line number.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "error.h"
#include "text.h"
#include "util.h"

#define LIST_LINE_MAX	1024

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks around [*s, *e). */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

static int
person_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    c == '-';
}

/* Parse the person field [s, e) into out. */
static int
parse_person(const char *file, long line, const char *s, const char *e,
    struct batch_list_entry *out)
{
	size_t n = (size_t)(e - s), i;
	int64_t id = 0;

	if (n == 0)
		return err_set(NHI_EPARSE, "%s:%ld: no person code before the ','", file, line);
	if (n >= sizeof(out->who))
		return err_set(NHI_EPARSE, "%s:%ld: the person code is longer than %zu"
		    " characters", file, line, sizeof(out->who) - 1);
	if (n > 3 && memcmp(s, "id:", 3) == 0) {
		if (n - 3 > 18)
			return err_set(NHI_EPARSE, "%s:%ld: the store id after 'id:' is too"
			    " long", file, line);
		for (i = 3; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return err_set(NHI_EPARSE, "%s:%ld: the store id after 'id:' must be"
				    " digits", file, line);
			id = id * 10 + (s[i] - '0');
		}
		if (id <= 0)
			return err_set(NHI_EPARSE, "%s:%ld: the store id after 'id:' must be"
			    " positive", file, line);
	} else {
		for (i = 0; i < n; i++)
			if (!person_char(s[i]))
				return err_set(NHI_EPARSE, "%s:%ld: character %zu of the person code:"
				    " a person code holds only letters, digits and '-' (or write"
				    " id:N)", file, line, i + 1);
	}
	memcpy(out->who, s, n);
	out->who[n] = '\0';
	out->resident_id = id;
	return 0;
}

int
batch_list_parse_line(const char *file, long line, const char *text, size_t len,
    struct batch_list_entry *out)
{
	struct batch_list_entry e;
	const char *s = text, *end = text + len, *hash, *comma, *rs, *re;
	size_t bad, i;
	int r;

	memset(&e, 0, sizeof(e));
	e.line = line;
	if (line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if ((size_t)(end - s) > LIST_LINE_MAX)
		return err_set(NHI_EPARSE, "%s:%ld: the line is longer than %d bytes", file,
		    line, LIST_LINE_MAX);
	if ((bad = text_utf8_invalid_at(s, (size_t)(end - s))) != (size_t)(end - s))
		return err_set(NHI_EPARSE, "%s:%ld: byte %zu is not UTF-8", file, line, bad + 1);
	for (i = 0; s + i < end; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return err_set(NHI_EPARSE, "%s:%ld: byte %zu is a control character",
			    file, line, i + 1);
	if ((hash = memchr(s, '#', (size_t)(end - s))) != NULL)
		end = hash;
	trim(&s, &end);
	if (s == end)
		return 1;
	comma = memchr(s, ',', (size_t)(end - s));
	rs = re = NULL;
	if (comma != NULL) {
		rs = comma + 1;
		re = end;
		end = comma;
		trim(&s, &end);
		trim(&rs, &re);
		if (memchr(rs, ',', (size_t)(re - rs)) != NULL)
			return err_set(NHI_EPARSE, "%s:%ld: too many fields (expected PERSON or"
			    " PERSON,REASON)", file, line);
		if (rs == re)
			return err_set(NHI_EPARSE, "%s:%ld: nothing after the ',' (expected a"
			    " reason: died or eligibility_ended)", file, line);
	}
	if ((r = parse_person(file, line, s, end, &e)) != 0)
		return r;
	if (rs != NULL) {
		size_t n = (size_t)(re - rs);

		if (!((n == 4 && memcmp(rs, "died", 4) == 0) ||
		    (n == 17 && memcmp(rs, "eligibility_ended", 17) == 0)))
			return err_set(NHI_EPARSE, "%s:%ld: unknown reason '%.*s' (expected died"
			    " or eligibility_ended)", file, line, (int)(n > 32 ? 32 : n), rs);
		memcpy(e.reason, rs, n);
		e.reason[n] = '\0';
	}
	*out = e;
	return 0;
}

int
batch_list_read(const char *path, int (*fn)(void *arg, const struct batch_list_entry *e),
    void *arg)
{
	struct batch_list_entry e;
	FILE *fp;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	long line = 0;
	int r = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return err_set(errno == ENOENT ? NHI_ENOFILE : errno == EACCES ? NHI_EPERM :
		    NHI_EIO, "list %s: %s", path, strerror(errno));
	while ((n = getline(&buf, &cap, fp)) != -1) {
		line++;
		if ((size_t)n > LIST_LINE_MAX + 2) {
			r = err_set(NHI_EPARSE, "%s:%ld: the line is longer than %d bytes", path,
			    line, LIST_LINE_MAX);
			goto out;
		}
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			r = err_set(NHI_EPARSE, "%s:%ld: a NUL byte", path, line);
			goto out;
		}
		if ((r = batch_list_parse_line(path, line, buf, (size_t)n, &e)) < 0)
			goto out;
		if (r == 1)
			continue;
		if ((r = fn(arg, &e)) != 0)
			goto out;
	}
	if (ferror(fp)) {
		r = err_set(NHI_EIO, "list %s: read error after line %ld", path, line);
		goto out;
	}
	r = 0;
out:
	free(buf);
	fclose(fp);
	return r;
}
