/*
 * center-query-in.c: reading a clinic's eligibility query
 * (docs/clinic-api.md section 3.1): untrusted JSON, every member checked
 * and named when wrong. No I/O: fuzz/fuzz-center-query.c drives it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center.h"
#include "center-json.h"
#include "error.h"
#include "util.h"

static int
hex_exact(const char *s, size_t bytes, uint8_t *out)
{
	size_t i;

	if (s == NULL || strlen(s) != 2 * bytes)
		return 0;
	for (i = 0; i < 2 * bytes; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return hex_decode(s, out, bytes) == (int)bytes;
}

static int
digits(const char *s, size_t lo, size_t hi)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= lo && n <= hi && strspn(s, "0123456789") == n;
}

/* YYYY-MM-DD, a real day. */
static int
date_ok(const char *s)
{
	struct tm tm;
	char back[11];

	if (s == NULL || strlen(s) != 10)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%d", &tm) == NULL)
		return 0;
	tm.tm_isdst = -1;
	tm.tm_hour = 12;
	if (mktime(&tm) == (time_t)-1)
		return 0;
	strftime(back, sizeof(back), "%Y-%m-%d", &tm);
	return strcmp(back, s) == 0;
}

/* Lower-case hex of 1..cap bytes into out; 0 if not. */
static int
hex_some(const char *s, size_t cap, uint8_t *out, size_t *len)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n % 2 != 0 || n / 2 > cap)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	*len = n / 2;
	return hex_decode(s, out, *len) == (int)*len;
}

/* A My Number card's query: certificate and signature instead of the
 * user number, insurer and the NHI card's answer. */
static const char *
mynumber_check(const struct cj_obj *o, struct center_query_in *q)
{
	q->mynumber = 1;
	if (!hex_some(cj_str(o, "certificate"), sizeof(q->cert), q->cert, &q->certlen))
		return "certificate is not 1 to 2048 bytes of lower-case hex";
	q->challenge = cj_str(o, "challenge");
	if (!hex_exact(q->challenge, CENTER_CHALLENGE_LEN, q->chal))
		return "challenge is not 64 lower-case hex digits";
	if (!hex_some(cj_str(o, "signature"), sizeof(q->sig), q->sig, &q->siglen))
		return "signature is not 1 to 512 bytes of lower-case hex";
	q->visit_date = cj_str(o, "visit_date");
	if (!date_ok(q->visit_date))
		return "visit_date is not a date YYYY-MM-DD";
	if (cj_has(o, "user_number") || cj_has(o, "answer"))
		return "a My Number query has no user_number nor answer";
	return NULL;
}

/* Check the query's members; NULL, or the name of what is wrong. */
static const char *
query_check(const struct cj_obj *o, struct center_query_in *q)
{
	int64_t v;
	const char *un;

	if (!cj_int(o, "version", &v) || v != 1)
		return "version is not 1";
	if (cj_has(o, "certificate"))
		return mynumber_check(o, q);
	un = cj_str(o, "user_number");
	if (!hex_exact(un, CENTER_USER_LEN, q->un))
		return "user_number is not 32 lower-case hex digits";
	memcpy(q->user_number_buf, un, 33);
	q->user_number = q->user_number_buf;
	q->insurer_number = cj_str(o, "insurer_number");
	if (!digits(q->insurer_number, 6, 8) || strlen(q->insurer_number) == 7)
		return "insurer_number is not 6 or 8 digits";
	q->challenge = cj_str(o, "challenge");
	if (!hex_exact(q->challenge, CENTER_CHALLENGE_LEN, q->chal))
		return "challenge is not 64 lower-case hex digits";
	if (!hex_exact(cj_str(o, "answer"), CENTER_ANSWER_LEN, q->answer))
		return "answer is not 128 lower-case hex digits";
	q->visit_date = cj_str(o, "visit_date");
	if (!date_ok(q->visit_date))
		return "visit_date is not a date YYYY-MM-DD";
	return NULL;
}

int
center_query_parse(const char *body, size_t len, struct center_query_in *q,
    struct cj_obj **obj, const char **why)
{
	static char detail[256];
	struct cj_obj *o = NULL;

	memset(q, 0, sizeof(*q));
	*obj = NULL;
	if (cj_parse(body, len, "query", &o) != 0) {
		snprintf(detail, sizeof(detail), "%s", err_detail());
		*why = detail;
		return NHI_EPARSE;
	}
	if ((*why = query_check(o, q)) != NULL) {
		cj_free(o);
		return NHI_EPARSE;
	}
	*obj = o;
	return 0;
}
