/* Unit tests of the extract parsers (extract.h): each field's checks name
 * the field, and the CSV and fixed-length forms say the same thing. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "extract.h"
#include "text.h"

#define GOOD "FULL,2024-04-01,1001,501,1,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1960-05-01,1," \
	"本山町本山1番地,01,,,,390013,01,000123,01,1,,2010-04-01,,2025-07-31,,,0"

static int
parse(const char *line, struct extract_record *rec, struct extract_error *err)
{
	struct extract_parser *p = NULL;
	int r;

	assert_int_equal(extract_parser_new(EXTRACT_CSV, TEXT_ENC_UTF8, &p), 0);
	r = extract_parse_line(p, line, strlen(line), rec, err);
	extract_parser_free(p);
	return r;
}

static void
test_good_line(void **state)
{
	struct extract_record rec;
	struct extract_error err;

	assert_int_equal(parse(GOOD, &rec, &err), 0);
	assert_int_equal(rec.event, EXTRACT_EV_FULL);
	assert_string_equal(rec.person_code, "1001");
	assert_string_equal(rec.name_kanji, "山田 太郎");
	assert_string_equal(rec.name_kana, "ﾔﾏﾀﾞ ﾀﾛｳ");
	assert_true(rec.name_flags & TEXT_F_HALFWIDTH);
	assert_string_equal(rec.birth_date, "1960-05-01");
	assert_int_equal(rec.sex, 1);
	assert_int_equal(rec.has_nhi, 1);
	assert_string_equal(rec.cert_kind, "hihokensha");
	assert_string_equal(rec.valid_until, "2025-07-31");
	extract_record_clear(&rec);
	/* Comments and the header line are skipped. */
	assert_int_equal(parse("# a comment", &rec, &err), 1);
	assert_int_equal(parse("event,event_date,person_code", &rec, &err), 1);
	assert_int_equal(parse("", &rec, &err), 1);
}

/* Replace field `idx` (0-based) of GOOD with `value`. */
static char *
with_field(int idx, const char *value)
{
	char *out = malloc(strlen(GOOD) + strlen(value) + 1), *o = out;
	const char *s = GOOD;
	int f = 0;

	while (*s) {
		if (f == idx) {
			o += sprintf(o, "%s", value);
			while (*s && *s != ',')
				s++;
			f++;
			continue;
		}
		if (*s == ',')
			f++;
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static void
test_each_field_is_named(void **state)
{
	static const struct { int idx; const char *value, *field, *reason; int code; } cases[] = {
		{ 0, "FOO", "event", "unknown event 'FOO'", NHI_EPARSE },
		{ 1, "2024-13-01", "event_date", "'2024-13-01' is not a date", NHI_EPARSE },
		{ 2, "12a", "person_code", "'12a' is not a number", NHI_EPARSE },
		{ 2, "", "person_code", "missing", NHI_EPARSE },
		{ 3, "1234567890123456", "household_code", "must have 1 to 15 digits", NHI_EPARSE },
		{ 4, "2", "head", "'2' is not one of the allowed values", NHI_EPARSE },
		{ 5, "", "name_kanji", "missing", NHI_EPARSE },
		{ 6, "YAMADA", "name_kana", "not kana", NHI_EPARSE },
		{ 7, "1970-02-30", "birth_date", "'1970-02-30' is not a date", NHI_EPARSE },
		{ 7, "2025-01-01", "birth_date", "is after event_date", NHI_ERANGE },
		{ 8, "3", "sex", "'3' is not one of the allowed values", NHI_EPARSE },
		{ 9, "", "address", "missing", NHI_EPARSE },
		{ 11, "Viet", "nationality", "not an ISO 3166 country code", NHI_EPARSE },
		{ 14, "390014", "insurer_number", "'390014': wrong check digit", NHI_ECHECKDIGIT },
		{ 14, "39001", "insurer_number", "must have 6 or 8 digits", NHI_EPARSE },
		{ 16, "", "number", "missing", NHI_EPARSE },
		{ 17, "1", "branch", "'1' must have 2 digits", NHI_EPARSE },
		{ 18, "5", "cert_kind", "not one of the allowed values", NHI_EPARSE },
		{ 18, "2", "short_months", "missing for a short-term certificate", NHI_EPARSE },
		{ 19, "6", "short_months", "given for a certificate that is not short-term",
		    NHI_EPARSE },
		{ 21, "2009-01-01", "lost_on", "before acquired_on 2010-04-01", NHI_ERANGE },
		{ 23, "20", "burden_from", "missing", NHI_EPARSE },
		{ 23, "15", "burden_pct", "not one of the allowed values", NHI_EPARSE },
	};
	struct extract_record rec;
	struct extract_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *line = with_field(cases[i].idx, cases[i].value);
		int r = parse(line, &rec, &err);
		if (r != cases[i].code || strcmp(err.field, cases[i].field) != 0 ||
		    strstr(err.reason, cases[i].reason) == NULL)
			fail_msg("case %zu (%s): got %d %s: %s", i, line, r, err.field, err.reason);
		free(line);
	}
}

static void
test_line_shape(void **state)
{
	struct extract_record rec;
	struct extract_error err;
	char line[512];

	/* Truncated: the first missing column is named. */
	snprintf(line, sizeof(line), "%.*s", 60, GOOD);
	assert_int_equal(parse("FULL,2024-04-01,1001,501,1,山田", &rec, &err), NHI_EPARSE);
	assert_string_equal(err.field, "name_kana");
	assert_non_null(strstr(err.reason, "expected 26 fields, found 6"));
	snprintf(line, sizeof(line), "%s,extra", GOOD);
	assert_int_equal(parse(line, &rec, &err), NHI_EPARSE);
	assert_string_equal(err.field, "line");
	/* Quotes. */
	assert_int_equal(parse("FULL,\"2024-04-01", &rec, &err), NHI_EPARSE);
	assert_string_equal(err.field, "event_date");
	assert_string_equal(err.reason, "unterminated quote");
	/* Mis-encoded: the byte and its place in the field. */
	snprintf(line, sizeof(line), "%s", GOOD);
	memcpy(strstr(line, "太郎"), "\xff\xfe\xfd", 3);
	assert_int_equal(parse(line, &rec, &err), NHI_EENCODING);
	assert_string_equal(err.field, "name_kanji");
	assert_string_equal(err.reason, "bad UTF-8 byte 0xFF at byte 8 of the field");
	/* Not insured here: the NHI fields must all be empty. */
	assert_int_equal(parse("FULL,2024-04-01,1001,501,1,山田 太郎,ヤマダ,1960-05-01,1,"
	    "本山1,,,,,,01,,,,,,,,,,", &rec, &err), NHI_EPARSE);
	assert_string_equal(err.field, "insurer_number");
	/* Benefits. */
	assert_int_equal(parse("BENEFIT,2024-04-01,1001,kaigo,,1234567,2024-04-01,", &rec,
	    &err), 0);
	assert_string_equal(rec.benefit_kind, "kaigo");
	extract_record_clear(&rec);
	assert_int_equal(parse("BENEFIT,2024-04-01,1001,golf,,1,2024-04-01,", &rec, &err),
	    NHI_EPARSE);
	assert_string_equal(err.field, "benefit_kind");
	assert_int_equal(parse("BENEFIT,2024-04-01,1001,nyuji,33120016,1,2024-04-01,", &rec,
	    &err), NHI_ECHECKDIGIT);
	assert_string_equal(err.field, "payer_number");
}

static void
test_fixed_round_trip(void **state)
{
	struct extract_parser *p = NULL;
	struct extract_record rec, back;
	struct extract_error err;
	struct tbuf out = { 0 }, csv1 = { 0 }, csv2 = { 0 };

	assert_int_equal(parse(GOOD, &rec, &err), 0);
	assert_int_equal(extract_format_fixed(&rec, &out), 0);
	assert_int_equal(out.len, extract_fixed_record_len() + 2);
	assert_int_equal(extract_detect_format(out.p, out.len), EXTRACT_FIXED);
	assert_int_equal(extract_parser_new(EXTRACT_FIXED, TEXT_ENC_CP932, &p), 0);
	assert_int_equal(extract_parse_line(p, out.p, out.len - 1, &back, &err), 0);
	extract_format_csv(&rec, &csv1);
	extract_format_csv(&back, &csv2);
	assert_string_equal(csv1.p, csv2.p);
	extract_record_clear(&back);
	/* Truncated fixed-length record. */
	assert_int_equal(extract_parse_line(p, out.p, 200, &back, &err), NHI_EPARSE);
	assert_string_equal(err.field, "line");
	assert_string_equal(err.reason, "200 bytes, expected 319 (truncated line?)");
	/* A double-byte character cut by a field boundary. */
	out.p[80] = (char)0x8e;	/* lead byte as the last byte of name_kanji */
	assert_int_equal(extract_parse_line(p, out.p, out.len - 2, &back, &err), NHI_EENCODING);
	assert_string_equal(err.field, "name_kanji");
	extract_parser_free(p);
	extract_record_clear(&rec);
	free(out.p);
	free(csv1.p);
	free(csv2.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_line),
		cmocka_unit_test(test_each_field_is_named),
		cmocka_unit_test(test_line_shape),
		cmocka_unit_test(test_fixed_round_trip),
	};

	return cmocka_run_group_tests_name("extract", tests, NULL, NULL);
}
