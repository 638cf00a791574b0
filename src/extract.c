/*
 * extract.c: the record of a register extract: the fields, their checks
 * and the code lists shared by the CSV and fixed-length readers
 * (extract-csv.c, extract-fixed.c), and writing records back out.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "extract-int.h"
#include "rules.h"
#include "util.h"

static const struct {
	const char *name;
	const char *fixed_code;
} event_names[EXTRACT_EV_COUNT] = {
	[EXTRACT_EV_FULL] = { "FULL", "00" },
	[EXTRACT_EV_BIRTH] = { "BIRTH", "11" },
	[EXTRACT_EV_MOVE_IN] = { "MOVE_IN", "12" },
	[EXTRACT_EV_MOVE_OUT] = { "MOVE_OUT", "21" },
	[EXTRACT_EV_DEATH] = { "DEATH", "22" },
	[EXTRACT_EV_MOVE_WITHIN] = { "MOVE_WITHIN", "31" },
	[EXTRACT_EV_NAME_CHANGE] = { "NAME_CHANGE", "41" },
	[EXTRACT_EV_HOUSEHOLD_CHANGE] = { "HOUSEHOLD_CHANGE", "42" },
	[EXTRACT_EV_BENEFIT] = { "BENEFIT", "51" },
};

/* The study's table 4-1 (本山町, 2004) and today's successors. */
static const char *const benefit_kinds[] = {
	"rojin",		/* 老人医療受給者証 */
	"kouki",		/* 後期高齢者医療被保険者証 (since 2008) */
	"kaigo",		/* 介護保険被保険者証 */
	"nyuji",		/* 乳児医療費受給者証 */
	"yoji",			/* 幼児医療費受給者証 */
	"seishin_kyotaku",	/* 精神障害者居宅介護等利用者証 */
	"shintai_shisetsu",	/* 身体障害者施設受給者証 */
	"shintai_kyotaku",	/* 身体障害者居宅受給者証 */
	"chiteki_shisetsu",	/* 知的障害者施設受給者証 */
	"chiteki_kyotaku",	/* 知的障害者居宅受給者証 */
	"kourei_shogai",	/* 高齢障害医療費受給者証 */
	"shogai",		/* 障害医療費受給者証 */
	"jido_kyotaku",		/* 児童居宅受給者証 */
	"hitorioya",		/* ひとり親家庭医療費受給者証 */
};

static const char *const cert_kinds[] = { EXTRACT_CERT_KINDS };

const char *
extract_event_name(enum extract_event ev)
{
	return ev < EXTRACT_EV_COUNT ? event_names[ev].name : "?";
}

int
extract_event_parse(const char *s, enum extract_event *out)
{
	int i;

	for (i = 0; i < EXTRACT_EV_COUNT; i++)
		if (strcasecmp(s, event_names[i].name) == 0) {
			*out = (enum extract_event)i;
			return 0;
		}
	return NHI_EPARSE;
}

int
extract_event_from_code(const char *code, enum extract_event *out)
{
	int i;

	for (i = 0; i < EXTRACT_EV_COUNT; i++)
		if (strcmp(code, event_names[i].fixed_code) == 0) {
			*out = (enum extract_event)i;
			return 0;
		}
	return NHI_EPARSE;
}

const char *
extract_event_code(enum extract_event ev)
{
	return ev < EXTRACT_EV_COUNT ? event_names[ev].fixed_code : "??";
}

int
extract_benefit_kind_known(const char *kind)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(benefit_kinds); i++)
		if (strcmp(kind, benefit_kinds[i]) == 0)
			return 1;
	return 0;
}

void
extract_record_clear(struct extract_record *rec)
{
	free(rec->person_code);
	free(rec->household_code);
	free(rec->name_kanji);
	free(rec->name_kana);
	free(rec->address);
	free(rec->address_code);
	free(rec->nationality);
	free(rec->residence_status);
	free(rec->insurer_number);
	free(rec->symbol);
	free(rec->number);
	free(rec->branch);
	free(rec->benefit_kind);
	free(rec->payer_number);
	free(rec->recipient_number);
	memset(rec, 0, sizeof(*rec));
}

int
extract_parser_new(enum extract_format fmt, enum text_encoding enc,
    struct extract_parser **out)
{
	struct extract_parser *p;
	int r;

	if (fmt == EXTRACT_FIXED && enc != TEXT_ENC_CP932)
		return err_set(NHI_EUSAGE, "the fixed-length layout is Shift_JIS (cp932) only");
	p = xcalloc(1, sizeof(*p));
	p->fmt = fmt;
	p->dec_name = enc == TEXT_ENC_CP932 ? "Shift_JIS" : "UTF-8";
	if ((r = text_decoder_new(enc, &p->dec)) != 0) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void
extract_parser_free(struct extract_parser *p)
{
	if (p == NULL)
		return;
	text_decoder_free(p->dec);
	free(p->buf.p);
	free(p->line.p);
	free(p);
}

void
extract_parser_set_station(struct extract_parser *p, const char *insurer_number,
    const char *today)
{
	snprintf(p->station_insurer, sizeof(p->station_insurer), "%s",
	    insurer_number != NULL ? insurer_number : "");
	snprintf(p->today, sizeof(p->today), "%s", today != NULL ? today : "");
}

const struct extract_header *
extract_parser_header(const struct extract_parser *p)
{
	return &p->header;
}

/* A date of the record after `limit` ("" no limit): the reason, or 0. */
static int
date_after(struct extract_error *err, const char *field, const char *date,
    const char *limit, const char *what)
{
	if (date[0] == '\0' || limit[0] == '\0' || strcmp(date, limit) <= 0)
		return 0;
	return extract_reject(err, NHI_ERANGE, field, "%s is after %s %s", date, what, limit);
}

/*
 * What a record cannot be, whatever its kind: dates after today or after
 * the day the extract speaks for, and another insurer's NHI period.
 */
static int
check_context(struct extract_parser *p, struct extract_record *rec,
    struct extract_error *err)
{
	const char *hd = p->header.present ? p->header.date : "";
	int r;

	if ((r = date_after(err, "event_date", rec->event_date, p->today, "today")) != 0 ||
	    (r = date_after(err, "event_date", rec->event_date, hd, "the header's date")) != 0)
		return r;
	if (rec->event == EXTRACT_EV_BENEFIT)
		return 0;
	if ((r = date_after(err, "birth_date", rec->birth_date, p->today, "today")) != 0 ||
	    (r = date_after(err, "birth_date", rec->birth_date, hd, "the header's date")) != 0)
		return r;
	if (!rec->has_nhi)
		return 0;
	if ((r = date_after(err, "acquired_on", rec->acquired_on, p->today, "today")) != 0 ||
	    (r = date_after(err, "acquired_on", rec->acquired_on, hd, "the header's date")) != 0)
		return r;
	if (p->station_insurer[0] != '\0' &&
	    strcmp(rec->insurer_number, p->station_insurer) != 0 && !rec->special_address)
		return extract_reject(err, NHI_ERANGE, "insurer_number", "%s is another insurer's "
		    "(this station is insurer %s); only a 住所地特例 line (special_address 1) "
		    "may name another insurer", rec->insurer_number, p->station_insurer);
	return 0;
}

int
extract_parse_line(struct extract_parser *p, const char *line, size_t len,
    struct extract_record *rec, struct extract_error *err)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	memset(err, 0, sizeof(*err));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (p->fmt == EXTRACT_FIXED)
		r = extract_fixed_parse(p, line, len, rec, err);
	else
		r = extract_csv_parse(p, line, len, rec, err);
	if (r == 0) {
		p->records++;
		if ((r = check_context(p, rec, err)) != 0)
			extract_record_clear(rec);
	}
	return r;
}

int
extract_reject(struct extract_error *err, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return code;
}

/* ---- Field checks ------------------------------------------------------ */

/* Decode a raw field into the parser's scratch buffer, trimming blanks at
 * the ends (ASCII spaces and, for fixed-length slots, U+3000): *out points
 * there, NUL-terminated, *outlen bytes, valid until the next field. Fields
 * the record keeps are copied (field_text); the others are checked where
 * they are, without an allocation each. */
static int
field_span(struct extract_parser *p, const struct extract_slice *f, const char *name,
    unsigned *flags, char **out, size_t *outlen, struct extract_error *err)
{
	size_t bad = 0, s, e;
	unsigned fl = 0;
	char *t;

	if (f->len > EXTRACT_FIELD_MAX)
		return extract_reject(err, NHI_ERANGE, name, "longer than %d bytes",
		    EXTRACT_FIELD_MAX);
	if (text_decode(p->dec, f->p, f->len, &p->buf, &fl, &bad) != 0)
		return extract_reject(err, NHI_EENCODING, name, "bad %s byte 0x%02X at byte %zu "
		    "of the field", p->dec_name, (unsigned char)f->p[bad], bad + 1);
	t = p->buf.p;
	s = 0;
	e = p->buf.len;
	for (;;) {
		if (s < e && t[s] == ' ')
			s++;
		else if (e - s >= 3 && memcmp(t + s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	for (;;) {
		if (e > s && t[e - 1] == ' ')
			e--;
		else if (e - s >= 3 && memcmp(t + e - 3, "\xe3\x80\x80", 3) == 0)
			e -= 3;
		else
			break;
	}
	for (size_t i = s; i < e; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return extract_reject(err, NHI_EPARSE, name, "control character 0x%02X "
			    "at byte %zu", (unsigned char)t[i], i + 1);
	if (flags != NULL)
		*flags |= fl;
	t[e] = '\0';
	*out = t + s;
	*outlen = e - s;
	return 0;
}

/* A field as a fresh UTF-8 string (field_span, copied). */
static int
field_text(struct extract_parser *p, const struct extract_slice *f, const char *name,
    unsigned *flags, char **out, struct extract_error *err)
{
	char *t;
	size_t n;
	int r;

	if ((r = field_span(p, f, name, flags, &t, &n, err)) != 0)
		return r;
	*out = xmemdup(t, n + 1);
	return 0;
}

static int
field_digits(struct extract_parser *p, const struct extract_slice *f, const char *name,
    size_t minlen, size_t maxlen, char **out, struct extract_error *err)
{
	char *s = NULL;
	size_t i, n;
	int r;

	if ((r = field_span(p, f, name, NULL, &s, &n, err)) != 0)
		return r;
	if (n == 0 && minlen == 0) {
		*out = xstrdup("");
		return 0;
	}
	if (n == 0)
		return extract_reject(err, NHI_EPARSE, name, "missing");
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return extract_reject(err, NHI_EPARSE, name, "'%s' is not a number", s);
	if (n < minlen || n > maxlen) {
		if (minlen == maxlen)
			return extract_reject(err, NHI_EPARSE, name, "'%s' must have %zu digits", s,
			    minlen);
		return extract_reject(err, NHI_EPARSE, name, "'%s' must have %zu to %zu digits",
		    s, minlen, maxlen);
	}
	*out = xmemdup(s, n + 1);
	return 0;
}

static int
field_date(struct extract_parser *p, const struct extract_slice *f, const char *name,
    int required, char out[11], struct extract_error *err)
{
	struct nhi_date d;
	char *s = NULL;
	size_t n;
	int r;

	if ((r = field_span(p, f, name, NULL, &s, &n, err)) != 0)
		return r;
	if (n == 0) {
		out[0] = '\0';
		return required ? extract_reject(err, NHI_EPARSE, name, "missing") : 0;
	}
	if (date_parse(s, &d) != 0 || !date_valid(&d))
		return extract_reject(err, NHI_EPARSE, name, "'%s' is not a date (YYYYMMDD or "
		    "YYYY-MM-DD)", s);
	date_format(&d, out, 11);
	return 0;
}

/* A small code: one of `allowed` (strings), stored as its index. */
static int
field_choice(struct extract_parser *p, const struct extract_slice *f, const char *name,
    const char *const *allowed, size_t n, int empty_ok, int *idx,
    struct extract_error *err)
{
	char *s = NULL;
	size_t i, len;
	int r;

	if ((r = field_span(p, f, name, NULL, &s, &len, err)) != 0)
		return r;
	if (len == 0 && empty_ok) {
		*idx = -1;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (strcmp(s, allowed[i]) == 0) {
			*idx = (int)i;
			return 0;
		}
	if (len == 0)
		return extract_reject(err, NHI_EPARSE, name, "missing");
	return extract_reject(err, NHI_EPARSE, name, "'%s' is not one of the allowed values",
	    s);
}

static int
field_required_text(struct extract_parser *p, const struct extract_slice *f,
    const char *name, unsigned *flags, char **out, struct extract_error *err)
{
	int r;

	if ((r = field_text(p, f, name, flags, out, err)) != 0)
		return r;
	if ((*out)[0] == '\0') {
		free(*out);
		*out = NULL;
		return extract_reject(err, NHI_EPARSE, name, "missing");
	}
	return 0;
}

/*
 * 記号 and 番号 (docs/formats.md): 1 to 10 characters, ASCII digits and
 * letters and '-'; a 記号 may also hold kanji and kana (「本山」). At most
 * 40 bytes of UTF-8, so that nothing is cut where it is stored or printed.
 */
static int
check_kigo(const char *s, const char *field, int kanji_ok, struct extract_error *err)
{
	size_t len = strlen(s), i = 0, n, chars = 0;
	uint32_t cp;

	while (i < len) {
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0)
			n = 1, cp = 0xFFFD;
		if (!(cp < 0x80 ? (isalnum((int)cp) || cp == '-') : kanji_ok &&
		    ((cp >= 0x3041 && cp <= 0x30FF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
		    (cp >= 0xF900 && cp <= 0xFAFF))))
			return extract_reject(err, NHI_EPARSE, field, "'%s': character %zu is not "
			    "allowed (%s)", s, chars + 1, kanji_ok ? "ASCII digits, letters, '-', "
			    "kanji or kana" : "ASCII digits, letters or '-'");
		i += n;
		chars++;
	}
	if (chars > 10 || len > 40)
		return extract_reject(err, NHI_ERANGE, field, "'%s' is longer than 10 characters",
		    s);
	return 0;
}

static int
check_nhi(struct extract_parser *p, const struct extract_slice *f,
    struct extract_record *rec, struct extract_error *err)
{
	static const char *const zero_one[] = { "0", "1" };
	static const char *const kinds[] = { "1", "2", "3", "4" };
	static const char *const months[] = { "1", "3", "6" };
	static const char *const burdens[] = { "10", "20", "30" };
	int r, idx;

	if ((r = field_text(p, &f[EXF_INSURER], "insurer_number", NULL,
	    &rec->insurer_number, err)) != 0)
		return r;
	if (rec->insurer_number[0] == '\0') {
		/* Not insured here: every other NHI field must be empty. */
		for (int i = EXF_SYMBOL; i <= EXF_SPECIAL; i++) {
			size_t k;
			for (k = 0; k < f[i].len && f[i].p[k] == ' '; k++)
				;
			if (k < f[i].len)
				return extract_reject(err, NHI_EPARSE, "insurer_number", "missing "
				    "while other eligibility fields are given");
		}
		rec->symbol = xstrdup("");
		rec->number = xstrdup("");
		rec->branch = xstrdup("");
		return 0;
	}
	rec->has_nhi = 1;
	if ((r = rules_insurer_number_check(rec->insurer_number)) != 0)
		return extract_reject(err, r, "insurer_number", "'%s': %s", rec->insurer_number,
		    r == NHI_ECHECKDIGIT ? "wrong check digit" :
		    r == NHI_ERANGE ? "prefecture out of range" : "must have 6 or 8 digits");
	if ((r = field_required_text(p, &f[EXF_SYMBOL], "symbol", NULL, &rec->symbol, err)) != 0 ||
	    (r = field_required_text(p, &f[EXF_NUMBER], "number", NULL, &rec->number, err)) != 0 ||
	    (r = field_digits(p, &f[EXF_BRANCH], "branch", 0, 2, &rec->branch, err)) != 0)
		return r;
	if ((r = check_kigo(rec->symbol, "symbol", 1, err)) != 0 ||
	    (r = check_kigo(rec->number, "number", 0, err)) != 0)
		return r;
	if (rec->branch[0] != '\0' && strlen(rec->branch) != 2)
		return extract_reject(err, NHI_EPARSE, "branch", "'%s' must have 2 digits",
		    rec->branch);
	if ((r = field_choice(p, &f[EXF_CERT_KIND], "cert_kind", kinds, 4, 0, &idx, err)) != 0)
		return r;
	rec->cert_kind = cert_kinds[idx];
	if ((r = field_choice(p, &f[EXF_SHORT_MONTHS], "short_months", months, 3, 1, &idx,
	    err)) != 0)
		return r;
	rec->short_months = idx < 0 ? 0 : (idx == 0 ? 1 : idx == 1 ? 3 : 6);
	if (strcmp(rec->cert_kind, "tanki") == 0 && rec->short_months == 0)
		return extract_reject(err, NHI_EPARSE, "short_months", "missing for a short-term "
		    "certificate (cert_kind 2)");
	if (strcmp(rec->cert_kind, "tanki") != 0 && rec->short_months != 0)
		return extract_reject(err, NHI_EPARSE, "short_months", "given for a certificate "
		    "that is not short-term");
	if ((r = field_date(p, &f[EXF_ACQUIRED], "acquired_on", 1, rec->acquired_on, err)) != 0 ||
	    (r = field_date(p, &f[EXF_LOST], "lost_on", 0, rec->lost_on, err)) != 0 ||
	    (r = field_date(p, &f[EXF_VALID_UNTIL], "valid_until", 0, rec->valid_until, err)) != 0)
		return r;
	if (rec->lost_on[0] && strcmp(rec->lost_on, rec->acquired_on) < 0)
		return extract_reject(err, NHI_ERANGE, "lost_on", "%s is before acquired_on %s",
		    rec->lost_on, rec->acquired_on);
	if ((r = field_choice(p, &f[EXF_BURDEN], "burden_pct", burdens, 3, 1, &idx, err)) != 0)
		return r;
	rec->burden_pct = idx < 0 ? 0 : (idx + 1) * 10;
	if ((r = field_date(p, &f[EXF_BURDEN_FROM], "burden_from", rec->burden_pct != 0,
	    rec->burden_from, err)) != 0)
		return r;
	if (rec->burden_pct == 0 && rec->burden_from[0] != '\0')
		return extract_reject(err, NHI_EPARSE, "burden_from", "given without burden_pct");
	if ((r = field_choice(p, &f[EXF_SPECIAL], "special_address", zero_one, 2, 1, &idx,
	    err)) != 0)
		return r;
	rec->special_address = idx == 1;
	return 0;
}

int
extract_fill_resident(struct extract_parser *p, const struct extract_slice *f,
    struct extract_record *rec, struct extract_error *err)
{
	static const char *const zero_one[] = { "0", "1" };
	static const char *const sexes[] = { "1", "2", "9" };
	int r, idx;
	size_t i, n;

	if ((r = field_date(p, &f[EXF_EVENT_DATE], "event_date", rec->event != EXTRACT_EV_FULL,
	    rec->event_date, err)) != 0 ||
	    (r = field_digits(p, &f[EXF_PERSON], "person_code", 1, 15, &rec->person_code, err)) != 0 ||
	    (r = field_digits(p, &f[EXF_HOUSEHOLD], "household_code", 1, 15,
	    &rec->household_code, err)) != 0 ||
	    (r = field_choice(p, &f[EXF_HEAD], "head", zero_one, 2, 0, &idx, err)) != 0)
		return r;
	rec->is_head = idx;
	if ((r = field_required_text(p, &f[EXF_NAME_KANJI], "name_kanji", &rec->name_flags,
	    &rec->name_kanji, err)) != 0 ||
	    (r = field_required_text(p, &f[EXF_NAME_KANA], "name_kana", &rec->name_flags,
	    &rec->name_kana, err)) != 0)
		return r;
	if (!text_is_kana(rec->name_kana))
		return extract_reject(err, NHI_EPARSE, "name_kana", "not kana");
	if ((r = field_date(p, &f[EXF_BIRTH], "birth_date", 1, rec->birth_date, err)) != 0 ||
	    (r = field_choice(p, &f[EXF_SEX], "sex", sexes, 3, 0, &idx, err)) != 0)
		return r;
	rec->sex = idx == 0 ? 1 : idx == 1 ? 2 : 9;
	if (rec->event_date[0] && strcmp(rec->birth_date, rec->event_date) > 0)
		return extract_reject(err, NHI_ERANGE, "birth_date", "%s is after event_date %s",
		    rec->birth_date, rec->event_date);
	if ((r = field_required_text(p, &f[EXF_ADDRESS], "address", &rec->address_flags,
	    &rec->address, err)) != 0 ||
	    (r = field_digits(p, &f[EXF_ADDRESS_CODE], "address_code", 0, 11,
	    &rec->address_code, err)) != 0 ||
	    (r = field_text(p, &f[EXF_NATIONALITY], "nationality", NULL, &rec->nationality,
	    err)) != 0)
		return r;
	n = strlen(rec->nationality);
	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)rec->nationality[i]))
			break;
	if (n != 0 && (i < n || n < 2 || n > 3))
		return extract_reject(err, NHI_EPARSE, "nationality", "'%s' is not an ISO 3166 "
		    "country code (2 or 3 capital letters)", rec->nationality);
	if ((r = field_text(p, &f[EXF_RESIDENCE], "residence_status", NULL,
	    &rec->residence_status, err)) != 0 ||
	    (r = field_date(p, &f[EXF_STAY_UNTIL], "stay_until", 0, rec->stay_until, err)) != 0)
		return r;
	if (n == 0 && (rec->residence_status[0] || rec->stay_until[0]))
		return extract_reject(err, NHI_EPARSE, "nationality", "missing while a residence "
		    "status or stay end is given");
	return check_nhi(p, f, rec, err);
}

int
extract_fill_benefit(struct extract_parser *p, const struct extract_slice *f,
    struct extract_record *rec, struct extract_error *err)
{
	int r;

	if ((r = field_date(p, &f[EXB_EVENT_DATE], "event_date", 0, rec->event_date, err)) != 0 ||
	    (r = field_digits(p, &f[EXB_PERSON], "person_code", 1, 15, &rec->person_code, err)) != 0 ||
	    (r = field_required_text(p, &f[EXB_KIND], "benefit_kind", NULL, &rec->benefit_kind,
	    err)) != 0)
		return r;
	if (!extract_benefit_kind_known(rec->benefit_kind))
		return extract_reject(err, NHI_EPARSE, "benefit_kind", "unknown kind '%s'",
		    rec->benefit_kind);
	if ((r = field_digits(p, &f[EXB_PAYER], "payer_number", 0, 8, &rec->payer_number,
	    err)) != 0)
		return r;
	if (rec->payer_number[0] && (r = rules_payer_number_check(rec->payer_number)) != 0)
		return extract_reject(err, r, "payer_number", "'%s': %s", rec->payer_number,
		    r == NHI_ECHECKDIGIT ? "wrong check digit" :
		    r == NHI_ERANGE ? "prefecture out of range" : "must have 8 digits");
	if ((r = field_digits(p, &f[EXB_RECIPIENT], "recipient_number", 0, 20,
	    &rec->recipient_number, err)) != 0 ||
	    (r = field_date(p, &f[EXB_VALID_FROM], "valid_from", 1, rec->valid_from, err)) != 0 ||
	    (r = field_date(p, &f[EXB_VALID_UNTIL], "valid_until", 0, rec->benefit_until,
	    err)) != 0)
		return r;
	if (rec->benefit_until[0] && strcmp(rec->benefit_until, rec->valid_from) < 0)
		return extract_reject(err, NHI_ERANGE, "valid_until", "%s is before valid_from %s",
		    rec->benefit_until, rec->valid_from);
	return 0;
}

int
extract_fill_header(struct extract_parser *p, const struct extract_slice *date,
    const struct extract_slice *municipality, const struct extract_slice *insurer,
    struct extract_error *err)
{
	struct extract_header h;
	char *m = NULL, *ins = NULL;
	int r;

	if (p->header.present || p->records > 0)
		return extract_reject(err, NHI_EPARSE, "event", "a header record must be the "
		    "first record of the file, and only one");
	memset(&h, 0, sizeof(h));
	if ((r = field_date(p, date, "header_date", 1, h.date, err)) != 0)
		return r;
	if ((r = field_digits(p, municipality, "municipality_code", 6, 6, &m, err)) != 0)
		goto out;
	if ((r = rules_municipality_code_check(m)) != 0) {
		r = extract_reject(err, r, "municipality_code", "'%s': wrong check digit", m);
		goto out;
	}
	if ((r = field_digits(p, insurer, "insurer_number", 6, 8, &ins, err)) != 0)
		goto out;
	if ((r = rules_insurer_number_check(ins)) != 0) {
		r = extract_reject(err, r, "insurer_number", "'%s': %s", ins,
		    r == NHI_ECHECKDIGIT ? "wrong check digit" : "not an insurer number");
		goto out;
	}
	if (p->today[0] != '\0' && strcmp(h.date, p->today) > 0) {
		r = extract_reject(err, NHI_ERANGE, "header_date", "%s is after today %s", h.date,
		    p->today);
		goto out;
	}
	snprintf(h.municipality_code, sizeof(h.municipality_code), "%s", m);
	snprintf(h.insurer_number, sizeof(h.insurer_number), "%s", ins);
	h.present = 1;
	p->header = h;
	r = 1;
out:
	free(m);
	free(ins);
	return r;
}
