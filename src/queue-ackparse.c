/*
 * queue-ackparse.c: the parser of the center's acknowledgement text
 * (docs/queue-format.md section 4). Strict: every line is checked, every
 * error names the source and the line. It sees only text whose signature
 * was already verified, but it is written for hostile input all the same
 * (fuzz/fuzz-queue-ack.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "queue.h"
#include "util.h"

#define ACK_MAX_LINES	1000000
#define ACK_MAX_LINE	1024

/* A decimal number: digits only, at most 18 of them. */
static int
parse_num(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
word_ok(const char *s, size_t len, size_t max, int upper_ok)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		    (upper_ok && ((c >= 'A' && c <= 'Z') || c == '-'))))
			return 0;
	}
	return 1;
}

static int
hex32_ok(const char *s, size_t len)
{
	size_t i;

	if (len != 32)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The next space-separated field of line[*pos..len). */
static int
field(const char *line, size_t len, size_t *pos, const char **f, size_t *flen)
{
	size_t s = *pos, e;

	if (s >= len)
		return -1;
	for (e = s; e < len && line[e] != ' '; e++)
		;
	if (e == s)
		return -1;
	*f = line + s;
	*flen = e - s;
	*pos = e < len ? e + 1 : e;
	return 0;
}

/* "KEY VALUE" with VALUE a number. */
static int
keyed_num(const char *line, size_t len, const char *key, int64_t *out)
{
	size_t kl = strlen(key);

	if (len <= kl + 1 || memcmp(line, key, kl) != 0 || line[kl] != ' ')
		return -1;
	return parse_num(line + kl + 1, len - kl - 1, out);
}

void
queue_ack_free(struct queue_ack *a)
{
	if (a == NULL)
		return;
	free(a->held);
	free(a->rejects);
	memset(a, 0, sizeof(*a));
}

/* NULL, or what is wrong with the reject line. */
static const char *
parse_reject(const char *line, size_t len, struct queue_ack_reject *rj)
{
	const char *f;
	size_t fl, pos = 7, i;
	int64_t v;

	memset(rj, 0, sizeof(*rj));
	if (field(line, len, &pos, &f, &fl) != 0 || parse_num(f, fl, &rj->seq) != 0 ||
	    rj->seq < 1)
		return "sequence number";
	if (field(line, len, &pos, &f, &fl) != 0 || !hex32_ok(f, fl))
		return "record id (32 lower-case hex digits)";
	memcpy(rj->record_id, f, 32);
	if (field(line, len, &pos, &f, &fl) != 0 || parse_num(f, fl, &v) != 0 || v < 1 ||
	    v > 1000000)
		return "attempt";
	rj->attempt = (int)v;
	if (field(line, len, &pos, &f, &fl) != 0 || !word_ok(f, fl, 31, 0))
		return "code ([a-z0-9_], at most 31)";
	memcpy(rj->code, f, fl);
	if (pos >= len || len - pos > 255)
		return "reason (1 to 255 bytes)";
	for (i = pos; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return "control character in the reason";
	memcpy(rj->reason, line + pos, len - pos);
	return NULL;
}

int
queue_ack_parse(const char *text, size_t len, const char *source, struct queue_ack *out)
{
	struct queue_ack a;
	const char *line, *nl;
	size_t ll, lineno = 0, pos = 0, cap_h = 0, cap_r = 0;
	int stage = 0, r;	/* stages: 0 header 1 station 2 serial 3 created 4 through 5 body 6 end */
	int64_t v;
	const char *why;

	memset(&a, 0, sizeof(a));
	if (memchr(text, '\0', len) != NULL) {
		r = err_set(NHI_EPARSE, "%s: a NUL byte in the acknowledgement", source);
		goto out;
	}
	while (pos < len) {
		line = text + pos;
		nl = memchr(line, '\n', len - pos);
		ll = nl != NULL ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl != NULL);
		lineno++;
		if (stage == 6) {
			r = err_set(NHI_EPARSE, "%s:%zu: text after 'end'", source, lineno);
			goto out;
		}
		if (nl == NULL) {
			r = err_set(NHI_EPARSE, "%s:%zu: the last line has no line end", source,
			    lineno);
			goto out;
		}
		if (ll > ACK_MAX_LINE || lineno > ACK_MAX_LINES) {
			r = err_set(NHI_EPARSE, "%s:%zu: line too long or too many lines", source,
			    lineno);
			goto out;
		}
		switch (stage) {
		case 0:
			if (ll != 19 || memcmp(line, "nhicard-queue-ack 1", 19) != 0) {
				r = err_set(NHI_EPARSE, "%s:1: not an nhicard acknowledgement"
				    " (expected 'nhicard-queue-ack 1')", source);
				goto out;
			}
			break;
		case 1:
			if (ll <= 8 || memcmp(line, "station ", 8) != 0 ||
			    !word_ok(line + 8, ll - 8, sizeof(a.station) - 1, 1)) {
				r = err_set(NHI_EPARSE, "%s:%zu: expected 'station ID'", source,
				    lineno);
				goto out;
			}
			memcpy(a.station, line + 8, ll - 8);
			break;
		case 2:
			if (keyed_num(line, ll, "serial", &a.serial) != 0 || a.serial < 1) {
				r = err_set(NHI_EPARSE, "%s:%zu: expected 'serial N' (N >= 1)",
				    source, lineno);
				goto out;
			}
			break;
		case 3:
			if (ll != 28 || memcmp(line, "created ", 8) != 0 || line[8 + 4] != '-' ||
			    line[8 + 10] != 'T' || line[8 + 19] != 'Z') {
				r = err_set(NHI_EPARSE, "%s:%zu: expected 'created"
				    " YYYY-MM-DDTHH:MM:SSZ'", source, lineno);
				goto out;
			}
			memcpy(a.created, line + 8, 20);
			break;
		case 4:
			if (keyed_num(line, ll, "through", &a.through) != 0) {
				r = err_set(NHI_EPARSE, "%s:%zu: expected 'through N'", source,
				    lineno);
				goto out;
			}
			break;
		default:
			if (ll == 3 && memcmp(line, "end", 3) == 0) {
				stage = 6;
				continue;
			}
			if (keyed_num(line, ll, "held", &v) == 0) {
				if (v <= a.through || (a.nheld > 0 && v <= a.held[a.nheld - 1])) {
					r = err_set(NHI_EPARSE, "%s:%zu: held %lld: must be above"
					    " 'through' and ascending", source, lineno, (long long)v);
					goto out;
				}
				if (a.nheld == cap_h) {
					cap_h = cap_h ? cap_h * 2 : 16;
					a.held = xreallocarray(a.held, cap_h, sizeof(*a.held));
				}
				a.held[a.nheld++] = v;
			} else if (ll > 7 && memcmp(line, "reject ", 7) == 0) {
				if (a.nrejects == cap_r) {
					cap_r = cap_r ? cap_r * 2 : 16;
					a.rejects = xreallocarray(a.rejects, cap_r,
					    sizeof(*a.rejects));
				}
				if ((why = parse_reject(line, ll, &a.rejects[a.nrejects])) != NULL) {
					r = err_set(NHI_EPARSE, "%s:%zu: bad reject line: %s", source,
					    lineno, why);
					goto out;
				}
				a.nrejects++;
			} else {
				r = err_set(NHI_EPARSE, "%s:%zu: expected 'held N', 'reject ...'"
				    " or 'end'", source, lineno);
				goto out;
			}
			continue;
		}
		stage++;
	}
	if (stage != 6) {
		r = err_set(NHI_EPARSE, "%s: truncated acknowledgement (no 'end' line)", source);
		goto out;
	}
	*out = a;
	memset(&a, 0, sizeof(a));
	r = 0;
out:
	queue_ack_free(&a);
	return r;
}
