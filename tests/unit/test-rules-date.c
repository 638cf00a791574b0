/* Unit tests of the calendar functions of the rules layer (rules-date.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "rules.h"
#include "util.h"

#define D(y, m, d) ((struct nhi_date){ (y), (m), (d) })

static void
assert_date(struct nhi_date got, struct nhi_date want)
{
	char g[16], w[16];

	date_format(&got, g, sizeof(g));
	date_format(&want, w, sizeof(w));
	assert_string_equal(g, w);
}

static void
test_parse_good(void **state)
{
	static const struct { const char *s; int y, m, d; const char *iso; } cases[] = {
		{ "2026-11-24", 2026, 11, 24, "2026-11-24" },
		{ "20261124", 2026, 11, 24, "2026-11-24" },
		{ "1868-01-01", 1868, 1, 1, "1868-01-01" },
		{ "2200-12-31", 2200, 12, 31, "2200-12-31" },
		{ "2024-02-29", 2024, 2, 29, "2024-02-29" },
		{ "2000-02-29", 2000, 2, 29, "2000-02-29" },
		{ "19890107", 1989, 1, 7, "1989-01-07" },
		{ "1912-07-30", 1912, 7, 30, "1912-07-30" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date d = D(0, 0, 0);
		char buf[11];

		assert_int_equal(date_parse(cases[i].s, &d), 0);
		assert_int_equal(d.y, cases[i].y);
		assert_int_equal(d.m, cases[i].m);
		assert_int_equal(d.d, cases[i].d);
		assert_true(date_valid(&d));
		date_format(&d, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].iso);
	}
}

static void
test_parse_bad(void **state)
{
	static const struct { const char *s; int code; const char *detail; } cases[] = {
		{ "", NHI_EPARSE, "expected YYYY-MM-DD" },
		{ "2026-1-24", NHI_EPARSE, "expected YYYY-MM-DD" },
		{ "2026/11/24", NHI_EPARSE, "expected YYYY-MM-DD" },
		{ "2026-11-24 ", NHI_EPARSE, "expected YYYY-MM-DD" },
		{ "202611245", NHI_EPARSE, "expected YYYY-MM-DD" },
		{ "2026-1a-24", NHI_EPARSE, "'2026-1a-24'" },
		{ "+2026-11-2", NHI_EPARSE, "expected" },
		{ "2026-13-01", NHI_ERANGE, "no such day" },
		{ "2026-00-10", NHI_ERANGE, "no such day" },
		{ "2026-11-00", NHI_ERANGE, "no such day" },
		{ "2026-11-31", NHI_ERANGE, "no such day" },
		{ "2025-02-29", NHI_ERANGE, "'2025-02-29'" },
		{ "1900-02-29", NHI_ERANGE, "no such day" },
		{ "1867-12-31", NHI_ERANGE, "1868-01-01" },
		{ "2201-01-01", NHI_ERANGE, "2200-12-31" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date d = D(7, 7, 7);

		assert_int_equal(date_parse(cases[i].s, &d), cases[i].code);
		assert_non_null(strstr(err_detail(), cases[i].detail));
		/* The output is untouched on error. */
		assert_int_equal(d.y, 7);
	}
	assert_int_equal(date_parse(NULL, &(struct nhi_date){ 0, 0, 0 }), NHI_EPARSE);
}

static void
test_format_roundtrip(void **state)
{
	struct nhi_date d = D(1868, 1, 1), back;
	char buf[11];
	long n = 0;

	(void)state;
	/* Every day of the supported range formats and parses back. */
	while (date_valid(&d)) {
		date_format(&d, buf, sizeof(buf));
		assert_int_equal(date_parse(buf, &back), 0);
		assert_int_equal(date_cmp(&d, &back), 0);
		date_add_days(&d, 1, &d);
		n++;
	}
	assert_date(d, D(2201, 1, 1));
	/* 1868..2200: 333 years, 81 leap years (1900 and 2100 are not). */
	assert_int_equal(n, 333L * 365 + 81);
}

/* Out-of-range dates still print in 10 characters (clamped as the format
 * always did), and a short buffer gets the start of the text, terminated. */
static void
test_format_clamp_and_short(void **state)
{
	char buf[11], small[5];

	(void)state;
	date_format(&(struct nhi_date){ 12345, 113, 40 }, buf, sizeof(buf));
	assert_string_equal(buf, "2345-13-40");
	date_format(&(struct nhi_date){ -1, -5, -9 }, buf, sizeof(buf));
	assert_string_equal(buf, "0000-00-00");
	date_format(&(struct nhi_date){ 7, 2, 3 }, buf, sizeof(buf));
	assert_string_equal(buf, "0007-02-03");
	date_format(&(struct nhi_date){ 2026, 12, 3 }, small, sizeof(small));
	assert_string_equal(small, "2026");
	buf[0] = 'x';
	date_format(&(struct nhi_date){ 2026, 12, 3 }, buf, 0);
	assert_int_equal(buf[0], 'x');
}

static void
test_valid_and_leap(void **state)
{
	static const struct { int y, leap; } years[] = {
		{ 1868, 1 }, { 1900, 0 }, { 1996, 1 }, { 2000, 1 }, { 2023, 0 },
		{ 2024, 1 }, { 2100, 0 }, { 2200, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(years); i++) {
		assert_int_equal(date_is_leap(years[i].y), years[i].leap);
		assert_int_equal(date_days_in_month(years[i].y, 2), 28 + years[i].leap);
		assert_int_equal(date_valid(&D(years[i].y, 2, 29)), years[i].leap);
	}
	assert_int_equal(date_days_in_month(2026, 0), 0);
	assert_int_equal(date_days_in_month(2026, 13), 0);
	assert_int_equal(date_days_in_month(2026, 4), 30);
	assert_int_equal(date_days_in_month(2026, 12), 31);
	assert_false(date_valid(NULL));
	assert_false(date_valid(&D(2026, 4, 31)));
}

static void
test_cmp(void **state)
{
	static const struct { struct nhi_date a, b; int sign; } cases[] = {
		{ D(2026, 1, 1), D(2026, 1, 1), 0 },
		{ D(2025, 12, 31), D(2026, 1, 1), -1 },
		{ D(2026, 2, 1), D(2026, 1, 31), 1 },
		{ D(2026, 1, 2), D(2026, 1, 1), 1 },
		{ D(1989, 1, 7), D(1989, 1, 8), -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		int c = date_cmp(&cases[i].a, &cases[i].b);

		assert_int_equal((c > 0) - (c < 0), cases[i].sign);
		c = date_cmp(&cases[i].b, &cases[i].a);
		assert_int_equal((c > 0) - (c < 0), -cases[i].sign);
	}
}

static void
test_age(void **state)
{
	static const struct { struct nhi_date birth, on; int age; } cases[] = {
		{ D(2000, 5, 10), D(2026, 5, 9), 25 },
		{ D(2000, 5, 10), D(2026, 5, 10), 26 },
		{ D(2000, 5, 10), D(2000, 5, 10), 0 },
		{ D(2000, 12, 31), D(2001, 12, 30), 0 },
		{ D(2000, 12, 31), D(2001, 12, 31), 1 },
		/* Born on Feb 29: older from Mar 1 in common years. */
		{ D(2004, 2, 29), D(2025, 2, 28), 20 },
		{ D(2004, 2, 29), D(2025, 3, 1), 21 },
		{ D(2004, 2, 29), D(2024, 2, 28), 19 },
		{ D(2004, 2, 29), D(2024, 2, 29), 20 },
		{ D(1951, 4, 1), D(2026, 3, 31), 74 },
		{ D(1951, 4, 1), D(2026, 4, 1), 75 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++)
		assert_int_equal(date_age(&cases[i].birth, &cases[i].on), cases[i].age);
}

static void
test_days(void **state)
{
	static const struct { struct nhi_date d; long days; int wday; } cases[] = {
		{ D(1970, 1, 1), 0, 4 },
		{ D(1969, 12, 31), -1, 3 },
		{ D(2000, 3, 1), 11017, 3 },
		{ D(2026, 11, 24), 20781, 2 },
		{ D(1868, 1, 1), -37255, 3 },
		{ D(1989, 1, 8), 6947, 0 },
		{ D(2019, 5, 1), 18017, 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date back;

		assert_int_equal(date_to_days(&cases[i].d), cases[i].days);
		date_from_days(cases[i].days, &back);
		assert_date(back, cases[i].d);
		assert_int_equal(date_weekday(&cases[i].d), cases[i].wday);
	}
}

static void
test_add(void **state)
{
	static const struct { struct nhi_date d; long n; struct nhi_date want; } days[] = {
		{ D(2024, 2, 28), 1, D(2024, 2, 29) },
		{ D(2025, 2, 28), 1, D(2025, 3, 1) },
		{ D(2025, 12, 31), 1, D(2026, 1, 1) },
		{ D(2026, 1, 1), -1, D(2025, 12, 31) },
		{ D(2026, 3, 1), -1, D(2026, 2, 28) },
		{ D(2026, 1, 1), 365, D(2027, 1, 1) },
		{ D(2024, 1, 1), 366, D(2025, 1, 1) },
	};
	static const struct { struct nhi_date d; int n; struct nhi_date want; } months[] = {
		{ D(2026, 1, 31), 1, D(2026, 2, 28) },
		{ D(2024, 1, 31), 1, D(2024, 2, 29) },
		{ D(2026, 8, 1), 3, D(2026, 11, 1) },
		{ D(2026, 11, 15), 2, D(2027, 1, 15) },
		{ D(2026, 1, 15), -1, D(2025, 12, 15) },
		{ D(2026, 3, 31), -1, D(2026, 2, 28) },
		{ D(2024, 2, 29), 12, D(2025, 2, 28) },
		{ D(2024, 2, 29), 48, D(2028, 2, 29) },
		{ D(2026, 5, 31), -17, D(2024, 12, 31) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(days); i++) {
		struct nhi_date r;

		date_add_days(&days[i].d, days[i].n, &r);
		assert_date(r, days[i].want);
	}
	for (i = 0; i < NHI_ARRAY_LEN(months); i++) {
		struct nhi_date r = months[i].d;

		date_add_months(&r, months[i].n, &r);	/* in place */
		assert_date(r, months[i].want);
	}
}

static void
test_month_ends(void **state)
{
	static const struct { struct nhi_date d, last, next; } cases[] = {
		{ D(2024, 2, 10), D(2024, 2, 29), D(2024, 3, 1) },
		{ D(2026, 2, 1), D(2026, 2, 28), D(2026, 3, 1) },
		{ D(2026, 12, 31), D(2026, 12, 31), D(2027, 1, 1) },
		{ D(2026, 4, 30), D(2026, 4, 30), D(2026, 5, 1) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date r;

		date_last_of_month(&cases[i].d, &r);
		assert_date(r, cases[i].last);
		date_first_of_next_month(&cases[i].d, &r);
		assert_date(r, cases[i].next);
	}
}

static void
test_birthday_and_reach(void **state)
{
	static const struct {
		struct nhi_date birth;
		int years;
		struct nhi_date birthday, reach;
	} cases[] = {
		{ D(2008, 4, 1), 18, D(2026, 4, 1), D(2026, 3, 31) },
		{ D(2008, 4, 2), 18, D(2026, 4, 2), D(2026, 4, 1) },
		{ D(1956, 3, 1), 70, D(2026, 3, 1), D(2026, 2, 28) },
		{ D(1954, 3, 1), 70, D(2024, 3, 1), D(2024, 2, 29) },
		{ D(2004, 2, 29), 21, D(2025, 3, 1), D(2025, 2, 28) },
		{ D(2004, 2, 29), 20, D(2024, 2, 29), D(2024, 2, 28) },
		{ D(1951, 1, 1), 75, D(2026, 1, 1), D(2025, 12, 31) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date r;

		date_birthday(&cases[i].birth, cases[i].years, &r);
		assert_date(r, cases[i].birthday);
		assert_int_equal(date_age(&cases[i].birth, &r), cases[i].years);
		date_reach_age(&cases[i].birth, cases[i].years, &r);
		assert_date(r, cases[i].reach);
		assert_int_equal(date_age(&cases[i].birth, &r), cases[i].years - 1);
	}
}

static void
test_months_between(void **state)
{
	static const struct { struct nhi_date a, b; int months; } cases[] = {
		{ D(2026, 1, 15), D(2026, 1, 15), 0 },
		{ D(2026, 1, 15), D(2026, 2, 14), 0 },
		{ D(2026, 1, 15), D(2026, 2, 15), 1 },
		{ D(2026, 1, 15), D(2026, 4, 14), 2 },
		{ D(2026, 1, 15), D(2026, 4, 15), 3 },
		{ D(2026, 1, 15), D(2026, 4, 16), 3 },
		{ D(2026, 1, 31), D(2026, 2, 28), 1 },
		{ D(2026, 1, 31), D(2026, 2, 27), 0 },
		{ D(2028, 1, 31), D(2028, 2, 28), 0 },
		{ D(2028, 1, 31), D(2028, 2, 29), 1 },
		{ D(2026, 11, 24), D(2027, 11, 24), 12 },
		{ D(2026, 11, 24), D(2027, 11, 23), 11 },
		{ D(2026, 2, 15), D(2026, 1, 16), 0 },
		{ D(2026, 2, 15), D(2026, 1, 15), -1 },
		{ D(2026, 2, 28), D(2026, 1, 31), -1 },
		{ D(2024, 2, 29), D(2025, 2, 28), 12 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++)
		if (date_months_between(&cases[i].a, &cases[i].b) != cases[i].months)
			fail_msg("case %zu: %d, want %d", i,
			    date_months_between(&cases[i].a, &cases[i].b),
			    cases[i].months);
}

static void
test_period_end(void **state)
{
	static const struct { struct nhi_date from; int months; struct nhi_date end; } cases[] = {
		{ D(2026, 8, 1), 1, D(2026, 8, 31) },
		{ D(2026, 8, 1), 3, D(2026, 10, 31) },
		{ D(2026, 8, 15), 6, D(2027, 2, 14) },
		{ D(2026, 1, 31), 1, D(2026, 2, 28) },
		{ D(2028, 1, 31), 1, D(2028, 2, 29) },
		{ D(2028, 1, 29), 1, D(2028, 2, 28) },
		{ D(2026, 1, 29), 1, D(2026, 2, 28) },
		{ D(2026, 3, 31), 1, D(2026, 4, 30) },
		{ D(2028, 2, 29), 60, D(2033, 2, 28) },
		{ D(2024, 12, 2), 60, D(2029, 12, 1) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date r;

		date_period_end(&cases[i].from, cases[i].months, &r);
		assert_date(r, cases[i].end);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_format_clamp_and_short),
		cmocka_unit_test(test_valid_and_leap),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_month_ends),
		cmocka_unit_test(test_birthday_and_reach),
		cmocka_unit_test(test_months_between),
		cmocka_unit_test(test_period_end),
	};
	return cmocka_run_group_tests_name("rules-date", tests, NULL, NULL);
}
