/*
 * center-batch.c: the intake's reading of a batch's content
 * (docs/queue-format.md section 2): the header line, one JSON record per
 * line, and the checks a record of each kind must pass. A line the intake
 * cannot even identify (no seq, id, attempt) fails the batch; a record it
 * can identify but not take is kept with a rejection code and reason.
 * No I/O: the fuzz target fuzz/fuzz-center-batch.c drives it directly.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center-json.h"
#include "center.h"
#include "error.h"
#include "util.h"

static const struct kind_rule {
	const char	*kind;
	const char	*lane;
	int		 needs_user;	/* data.user_number: 32 hex digits */
	const char	*needs_str;	/* a string member data must have */
	const char	*needs_int;	/* an integer member data must have */
} kind_rules[] = {
	{ "card_issued", "bulk", 1, NULL, "person" },
	{ "card_revoked", "revocation", 1, "reason", "person" },
	{ "card_reinstated", "revocation", 1, NULL, "person" },
	{ "certificate_issued", "bulk", 0, "serial", "person" },
	{ "certificate_voided", "bulk", 0, "serial", "person" },
	{ "eligibility_changed", "bulk", 0, NULL, "period" },
	{ "mynumber_linked", "bulk", 1, "cert_sha256", "person" },
	{ "mynumber_unlinked", "revocation", 1, "cert_serial", "person" },
};

static const char *const revocation_reasons[] = {
	"lost", "stolen", "damaged", "died", "eligibility_ended", "replaced",
};

/* Exactly `n` lower-case hex digits. */
static int
is_hex(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
is_hex32(const char *s)
{
	return is_hex(s, 32);
}

static int
station_id_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
		    s[i] == '.'))
			return 0;
	return 1;
}

void
center_in_reject(struct center_in *in, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *r;
	size_t i;

	if (in->reject_code != NULL)
		return;
	in->reject_code = code;
	va_start(ap, fmt);
	r = xvasprintf(fmt, ap);
	va_end(ap);
	/* The reason ends up on one line of the acknowledgement and may quote
	 * what the station sent: printable ASCII only, at most 255 bytes. */
	for (i = 0; r[i] != '\0'; i++)
		if ((unsigned char)r[i] < 0x20 || (unsigned char)r[i] >= 0x7f)
			r[i] = '?';
	if (i > 255)
		r[255] = '\0';
	in->reject_reason = r;
}

/* Check what a record of a known kind must carry; reject otherwise. */
static void
check_record(struct center_in *in, const struct cj_obj *data)
{
	const struct kind_rule *k = NULL;
	const char *v;
	int64_t n;
	size_t i;

	for (i = 0; i < sizeof(kind_rules) / sizeof(kind_rules[0]); i++)
		if (strcmp(kind_rules[i].kind, in->kind) == 0)
			k = &kind_rules[i];
	if (k == NULL) {
		center_in_reject(in, "unknown_kind", "unknown record kind '%.40s'", in->kind);
		return;
	}
	if (strcmp(k->lane, in->lane) != 0) {
		center_in_reject(in, "wrong_lane", "a %s record travels in lane %s, not '%.20s'",
		    k->kind, k->lane, in->lane);
		return;
	}
	if (k->needs_user) {
		in->user_number = cj_str(data, "user_number");
		if (!is_hex32(in->user_number)) {
			in->user_number = NULL;
			center_in_reject(in, "malformed", "data.user_number is not 32 hex digits");
			return;
		}
	}
	if (k->needs_str != NULL && ((v = cj_str(data, k->needs_str)) == NULL ||
	    *v == '\0')) {
		center_in_reject(in, "malformed", "data.%s is missing", k->needs_str);
		return;
	}
	if (k->needs_int != NULL && !cj_int(data, k->needs_int, &n)) {
		center_in_reject(in, "malformed", "data.%s is not an integer", k->needs_int);
		return;
	}
	if (strcmp(k->kind, "card_revoked") == 0) {
		v = cj_str(data, "reason");
		for (i = 0; i < sizeof(revocation_reasons) / sizeof(revocation_reasons[0]); i++)
			if (strcmp(v, revocation_reasons[i]) == 0)
				return;
		center_in_reject(in, "malformed", "data.reason '%.40s' is not a revocation reason", v);
	}
}

/* One record line: fatal only if seq, id or attempt are unusable. */
static int
parse_record(const char *line, size_t len, size_t lineno, struct center_in *in)
{
	const struct cj_obj *data;
	char where[48];
	const char *id;
	int r;

	snprintf(where, sizeof(where), "batch line %zu", lineno);
	in->line = xstrndup(line, len);
	if ((r = cj_parse(line, len, where, &in->obj)) != 0)
		return r;
	id = cj_str(in->obj, "id");
	if (!cj_int(in->obj, "seq", &in->seq) || in->seq < 1)
		return err_set(NHI_EPARSE, "%s: seq is missing or not a positive integer",
		    where);
	if (!is_hex32(id))
		return err_set(NHI_EPARSE, "%s: id is not 32 lower-case hex digits", where);
	memcpy(in->id, id, 33);
	if (!cj_int(in->obj, "attempt", &in->attempt) || in->attempt < 1)
		return err_set(NHI_EPARSE, "%s: attempt is missing or not a positive "
		    "integer", where);
	in->lane = cj_str(in->obj, "lane");
	in->kind = cj_str(in->obj, "kind");
	data = cj_obj(in->obj, "data");
	if (in->lane == NULL || in->kind == NULL)
		center_in_reject(in, "malformed", "lane or kind is missing");
	else if (cj_str(in->obj, "created") == NULL)
		center_in_reject(in, "malformed", "created is missing");
	else if (data == NULL)
		center_in_reject(in, "malformed", "data is missing or not an object");
	else
		check_record(in, data);
	if (in->lane == NULL)
		in->lane = "?";
	if (in->kind == NULL)
		in->kind = "?";
	return 0;
}

static int
parse_header(const char *line, size_t len, struct center_batch *b, int64_t *count)
{
	struct cj_obj *h = NULL;
	const char *fmt, *station, *ahash;
	int64_t version;
	int r;

	if ((r = cj_parse(line, len, "batch line 1 (header)", &h)) != 0)
		return r;
	fmt = cj_str(h, "format");
	station = cj_str(h, "station");
	if (fmt == NULL || strcmp(fmt, "nhicard-queue-batch") != 0)
		r = err_set(NHI_EPARSE, "batch line 1: format is not nhicard-queue-batch");
	else if (!cj_int(h, "version", &version) || version != 1)
		r = err_set(NHI_EPARSE, "batch line 1: version is not 1");
	else if (station == NULL || !station_id_ok(station))
		r = err_set(NHI_EPARSE, "batch line 1: station is missing or not a "
		    "station id ([A-Za-z0-9._-], 1 to 63)");
	else if (!cj_int(h, "batch", &b->number) || b->number < 1)
		r = err_set(NHI_EPARSE, "batch line 1: batch is not a positive integer");
	else if (!cj_int(h, "records", count) || *count < 0)
		r = err_set(NHI_EPARSE, "batch line 1: records is not a count");
	else if (!cj_int(h, "audit_seq", &b->audit_seq) || b->audit_seq < 0)
		r = err_set(NHI_EPARSE, "batch line 1: audit_seq is missing or negative");
	else if ((ahash = cj_str(h, "audit_hash")) == NULL || !is_hex(ahash, 64))
		r = err_set(NHI_EPARSE, "batch line 1: audit_hash is not 64 lower-case"
		    " hex digits");
	else {
		memcpy(b->audit_hash, ahash, 65);
		snprintf(b->station, sizeof(b->station), "%s", station);
		r = 0;
	}
	cj_free(h);
	return r;
}

int
center_batch_parse(const char *text, size_t len, struct center_batch *out)
{
	struct center_batch b = { .n = 0 };
	const char *p = text, *end = text + len, *nl;
	size_t lineno = 0, cap = 0;
	int64_t count = 0;
	int r;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		lineno++;
		if (nl == p) {
			r = err_set(NHI_EPARSE, "batch line %zu: empty line", lineno);
			goto out;
		}
		if (lineno == 1) {
			if ((r = parse_header(p, (size_t)(nl - p), &b, &count)) != 0)
				goto out;
		} else {
			if (b.n == cap) {
				cap = cap ? cap * 2 : 64;
				b.rec = xreallocarray(b.rec, cap, sizeof(*b.rec));
			}
			memset(&b.rec[b.n], 0, sizeof(b.rec[b.n]));
			b.n++;
			if ((r = parse_record(p, (size_t)(nl - p), lineno,
			    &b.rec[b.n - 1])) != 0)
				goto out;
		}
		p = nl + 1;
	}
	if (lineno == 0) {
		r = err_set(NHI_EPARSE, "batch: empty content");
		goto out;
	}
	if ((int64_t)b.n != count) {
		r = err_set(NHI_EPARSE, "batch: header says %lld records, %zu follow",
		    (long long)count, b.n);
		goto out;
	}
	*out = b;
	memset(&b, 0, sizeof(b));
	r = 0;
out:
	center_batch_free(&b);
	return r;
}

void
center_batch_free(struct center_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->rec[i].line);
		free(b->rec[i].reject_reason);
		cj_free(b->rec[i].obj);
	}
	free(b->rec);
	memset(b, 0, sizeof(*b));
}

