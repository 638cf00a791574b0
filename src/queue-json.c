/*
 * queue-json.c: the tiny JSON writer of the queue: flat objects of strings
 * and integers, UTF-8 passed through, control characters, quotes and
 * backslashes escaped (RFC 8259).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue-int.h"
#include "queue.h"
#include "util.h"

void
jb_init(struct jbuf *b)
{
	b->cap = 256;
	b->p = xmalloc(b->cap);
	b->len = 0;
	b->p[0] = '\0';
	b->first = 1;
}

void
jb_free(struct jbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
jb_reserve(struct jbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

void
jb_raw(struct jbuf *b, const char *s, size_t len)
{
	jb_reserve(b, len);
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
jb_open(struct jbuf *b)
{
	jb_raw(b, "{", 1);
	b->first = 1;
}

void
jb_close(struct jbuf *b)
{
	jb_raw(b, "}", 1);
	b->first = 0;
}

static void
quoted(struct jbuf *b, const char *s)
{
	const unsigned char *u;
	char esc[8];

	jb_raw(b, "\"", 1);
	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		const unsigned char *run = u;

		while (*u >= 0x20 && *u != '"' && *u != '\\')
			u++;
		if (u > run)
			jb_raw(b, (const char *)run, (size_t)(u - run));
		if (*u == '\0')
			break;
		if (*u == '"' || *u == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*u;
			jb_raw(b, esc, 2);
		} else {	/* a control character */
			snprintf(esc, sizeof(esc), "\\u%04x", *u);
			jb_raw(b, esc, 6);
		}
	}
	jb_raw(b, "\"", 1);
}

static void
key(struct jbuf *b, const char *k)
{
	if (!b->first)
		jb_raw(b, ",", 1);
	b->first = 0;
	quoted(b, k);
	jb_raw(b, ":", 1);
}

void
jb_str(struct jbuf *b, const char *k, const char *val)
{
	key(b, k);
	if (val == NULL || *val == '\0')
		jb_raw(b, "null", 4);
	else
		quoted(b, val);
}

void
jb_int(struct jbuf *b, const char *k, int64_t val)
{
	char num[24], *e = num + sizeof(num), *q = e;
	uint64_t u = val < 0 ? (uint64_t)0 - (uint64_t)val : (uint64_t)val;

	key(b, k);
	/* Digit by digit ("%lld"): a queue record has several numbers. */
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (val < 0)
		*--q = '-';
	jb_raw(b, q, (size_t)(e - q));
}

void
jb_hex(struct jbuf *b, const char *k, const uint8_t *p, size_t len)
{
	char *h;

	if (p == NULL || len == 0) {
		jb_str(b, k, NULL);
		return;
	}
	h = xmalloc(len * 2 + 1);
	hex_encode(p, len, h);
	jb_str(b, k, h);
	free(h);
}

void
jb_member_raw(struct jbuf *b, const char *k, const char *json, size_t len)
{
	key(b, k);
	jb_raw(b, json, len);
}

void
queue_now_utc_offset(char *buf, size_t len, int64_t offset_s)
{
	time_t t = time(NULL) + (time_t)offset_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
