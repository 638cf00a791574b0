/* Unit tests of Japanese era dates (rules-era.c): boundary days, 元年,
 * full-width digits, GYYMMDD, and invalid inputs. */
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

/* Each era boundary, both sides, and ordinary days. */
static const struct {
	struct nhi_date d;
	const char *text, *gyymmdd;
} known[] = {
	{ D(1868, 1, 1), "明治元年1月1日", "1010101" },
	{ D(1868, 10, 23), "明治元年10月23日", "1011023" },
	{ D(1869, 1, 1), "明治2年1月1日", "1020101" },
	{ D(1912, 7, 29), "明治45年7月29日", "1450729" },
	{ D(1912, 7, 30), "大正元年7月30日", "2010730" },
	{ D(1912, 12, 31), "大正元年12月31日", "2011231" },
	{ D(1913, 1, 1), "大正2年1月1日", "2020101" },
	{ D(1926, 12, 24), "大正15年12月24日", "2151224" },
	{ D(1926, 12, 25), "昭和元年12月25日", "3011225" },
	{ D(1927, 1, 1), "昭和2年1月1日", "3020101" },
	{ D(1951, 4, 1), "昭和26年4月1日", "3260401" },
	{ D(1988, 2, 29), "昭和63年2月29日", "3630229" },
	{ D(1989, 1, 7), "昭和64年1月7日", "3640107" },
	{ D(1989, 1, 8), "平成元年1月8日", "4010108" },
	{ D(1990, 1, 1), "平成2年1月1日", "4020101" },
	{ D(2000, 2, 29), "平成12年2月29日", "4120229" },
	{ D(2019, 4, 30), "平成31年4月30日", "4310430" },
	{ D(2019, 5, 1), "令和元年5月1日", "5010501" },
	{ D(2019, 12, 31), "令和元年12月31日", "5011231" },
	{ D(2020, 1, 1), "令和2年1月1日", "5020101" },
	{ D(2024, 12, 2), "令和6年12月2日", "5061202" },
	{ D(2025, 11, 24), "令和7年11月24日", "5071124" },
	{ D(2117, 12, 31), "令和99年12月31日", "5991231" },
};

static void
test_format_known(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(known); i++) {
		char buf[ERA_FORMAT_MAX], g[8];

		assert_int_equal(era_format(&known[i].d, 0, buf, sizeof(buf)), 0);
		assert_string_equal(buf, known[i].text);
		assert_int_equal(era_gyymmdd_format(&known[i].d, g, sizeof(g)), 0);
		assert_string_equal(g, known[i].gyymmdd);
	}
}

static void
test_parse_known(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(known); i++) {
		struct nhi_date d = D(0, 0, 0);

		assert_int_equal(era_parse(known[i].text, &d), 0);
		assert_int_equal(date_cmp(&d, &known[i].d), 0);
		d = D(0, 0, 0);
		assert_int_equal(era_gyymmdd_parse(known[i].gyymmdd, &d), 0);
		assert_int_equal(date_cmp(&d, &known[i].d), 0);
	}
}

static void
test_from_to(void **state)
{
	static const struct { struct nhi_date d; struct nhi_era_date e; } cases[] = {
		{ D(1989, 1, 7), { NHI_ERA_SHOWA, 64, 1, 7 } },
		{ D(1989, 1, 8), { NHI_ERA_HEISEI, 1, 1, 8 } },
		{ D(2019, 4, 30), { NHI_ERA_HEISEI, 31, 4, 30 } },
		{ D(2019, 5, 1), { NHI_ERA_REIWA, 1, 5, 1 } },
		{ D(1926, 12, 24), { NHI_ERA_TAISHO, 15, 12, 24 } },
		{ D(1926, 12, 25), { NHI_ERA_SHOWA, 1, 12, 25 } },
		{ D(1912, 7, 29), { NHI_ERA_MEIJI, 45, 7, 29 } },
		{ D(1912, 7, 30), { NHI_ERA_TAISHO, 1, 7, 30 } },
		{ D(2200, 12, 31), { NHI_ERA_REIWA, 182, 12, 31 } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_era_date e;
		struct nhi_date d;

		assert_int_equal(era_from_date(&cases[i].d, &e), 0);
		assert_int_equal(e.era, cases[i].e.era);
		assert_int_equal(e.year, cases[i].e.year);
		assert_int_equal(e.m, cases[i].e.m);
		assert_int_equal(e.d, cases[i].e.d);
		assert_int_equal(era_to_date(&cases[i].e, &d), 0);
		assert_int_equal(date_cmp(&d, &cases[i].d), 0);
	}
	assert_string_equal(era_name(NHI_ERA_MEIJI), "明治");
	assert_string_equal(era_name(NHI_ERA_REIWA), "令和");
	assert_null(era_name(0));
	assert_null(era_name(6));
}

/* Every day of the range maps to an era and back, and era years only grow. */
static void
test_every_day_roundtrip(void **state)
{
	struct nhi_date d = D(1868, 1, 1), back;
	struct nhi_era_date e, prev = { 0, 0, 0, 0 };
	char buf[ERA_FORMAT_MAX], g[8];
	int changes = 0;

	(void)state;
	while (date_valid(&d)) {
		assert_int_equal(era_from_date(&d, &e), 0);
		assert_int_equal(era_to_date(&e, &back), 0);
		assert_int_equal(date_cmp(&d, &back), 0);
		assert_int_equal(era_format(&d, 0, buf, sizeof(buf)), 0);
		assert_int_equal(era_parse(buf, &back), 0);
		assert_int_equal(date_cmp(&d, &back), 0);
		if (e.year <= 99) {
			assert_int_equal(era_gyymmdd_format(&d, g, sizeof(g)), 0);
			assert_int_equal(era_gyymmdd_parse(g, &back), 0);
			assert_int_equal(date_cmp(&d, &back), 0);
		} else
			assert_int_equal(era_gyymmdd_format(&d, g, sizeof(g)), NHI_ERANGE);
		if (e.era != prev.era) {
			assert_int_equal(e.year, 1);
			changes++;
		} else
			assert_true(e.year >= prev.year);
		prev = e;
		date_add_days(&d, 1, &d);
	}
	assert_int_equal(changes, 5);
}

static void
test_fullwidth_and_flags(void **state)
{
	static const struct { struct nhi_date d; unsigned flags; const char *text; } cases[] = {
		{ D(2025, 11, 24), ERA_FMT_FULLWIDTH, "令和７年１１月２４日" },
		{ D(2019, 5, 1), ERA_FMT_FULLWIDTH, "令和元年５月１日" },
		{ D(2019, 5, 1), ERA_FMT_NO_GANNEN, "令和1年5月1日" },
		{ D(2019, 5, 1), ERA_FMT_NO_GANNEN | ERA_FMT_FULLWIDTH, "令和１年５月１日" },
		{ D(1989, 1, 7), ERA_FMT_FULLWIDTH, "昭和６４年１月７日" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		char buf[ERA_FORMAT_MAX];
		struct nhi_date back;

		assert_int_equal(era_format(&cases[i].d, cases[i].flags, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(era_parse(buf, &back), 0);
		assert_int_equal(date_cmp(&back, &cases[i].d), 0);
	}
}

static void
test_parse_variants(void **state)
{
	static const struct { const char *s; struct nhi_date d; } cases[] = {
		{ "令和 7年 11月 24日", D(2025, 11, 24) },
		{ "\xe3\x80\x80令和７年１１月２４日\xe3\x80\x80", D(2025, 11, 24) },
		{ "令和07年01月05日", D(2025, 1, 5) },
		{ "令和1年5月1日", D(2019, 5, 1) },
		{ "R7.11.24", D(2025, 11, 24) },
		{ "r07.11.24", D(2025, 11, 24) },
		{ "H31.04.30", D(2019, 4, 30) },
		{ "S64.1.7", D(1989, 1, 7) },
		{ "T1.7.30", D(1912, 7, 30) },
		{ "M45.7.29", D(1912, 7, 29) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date d = D(0, 0, 0);

		if (era_parse(cases[i].s, &d) != 0)
			fail_msg("'%s': %s", cases[i].s, err_detail());
		assert_int_equal(date_cmp(&d, &cases[i].d), 0);
	}
}

static void
test_parse_invalid(void **state)
{
	static const struct { const char *s; int code; const char *detail; } cases[] = {
		{ "平成32年1月1日", NHI_ERANGE, "after 平成 ended" },
		{ "平成31年5月1日", NHI_ERANGE, "after 平成 ended" },
		{ "昭和65年1月1日", NHI_ERANGE, "after 昭和 ended" },
		{ "昭和64年1月8日", NHI_ERANGE, "after 昭和 ended" },
		{ "平成元年1月7日", NHI_ERANGE, "before 平成 began" },
		{ "令和元年4月30日", NHI_ERANGE, "before 令和 began" },
		{ "大正元年7月29日", NHI_ERANGE, "before 大正 began" },
		{ "大正15年12月25日", NHI_ERANGE, "after 大正 ended" },
		{ "明治45年7月30日", NHI_ERANGE, "after 明治 ended" },
		{ "令和7年13月1日", NHI_ERANGE, "no month 13" },
		{ "令和7年0月1日", NHI_ERANGE, "no month 0" },
		{ "令和7年2月29日", NHI_ERANGE, "no such day" },
		{ "令和7年4月31日", NHI_ERANGE, "no such day" },
		{ "令和0年5月1日", NHI_ERANGE, "has no year 0" },
		{ "令和183年1月1日", NHI_ERANGE, "no such day" },
		{ "令和7年11月24", NHI_EPARSE, "expected like" },
		{ "令和7年11月24日x", NHI_EPARSE, "expected like" },
		{ "令和年11月24日", NHI_EPARSE, "expected like" },
		{ "令和7/11/24", NHI_EPARSE, "expected like" },
		{ "天平7年1月1日", NHI_EPARSE, "'天平7年1月1日'" },
		{ "2025-11-24", NHI_EPARSE, "expected like" },
		{ "R元.5.1", NHI_EPARSE, "expected like" },
		{ "R7.11", NHI_EPARSE, "expected like" },
		{ "R7.11.24日", NHI_EPARSE, "expected like" },
		{ "令和1234年1月1日", NHI_EPARSE, "expected like" },
		{ "令和元年元月1日", NHI_EPARSE, "expected like" },
		{ "", NHI_EPARSE, "expected like" },
		{ "H32.1.1", NHI_ERANGE, "'H32.1.1'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date d = D(9, 9, 9);
		int r = era_parse(cases[i].s, &d);

		if (r != cases[i].code)
			fail_msg("'%s': got %d (%s)", cases[i].s, r, err_detail());
		if (strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("'%s': detail '%s'", cases[i].s, err_detail());
		assert_int_equal(d.y, 9);
	}
	assert_int_equal(era_parse(NULL, &(struct nhi_date){ 0, 0, 0 }), NHI_EPARSE);
}

static void
test_gyymmdd_invalid(void **state)
{
	static const struct { const char *s; int code; const char *detail; } cases[] = {
		{ "4320101", NHI_ERANGE, "after 平成 ended" },
		{ "3650101", NHI_ERANGE, "after 昭和 ended" },
		{ "3640108", NHI_ERANGE, "after 昭和 ended" },
		{ "4010107", NHI_ERANGE, "before 平成 began" },
		{ "5010430", NHI_ERANGE, "before 令和 began" },
		{ "5071301", NHI_ERANGE, "no month 13" },
		{ "5070229", NHI_ERANGE, "no such day" },
		{ "5000501", NHI_ERANGE, "no year 0" },
		{ "6010101", NHI_ERANGE, "unknown era code 6" },
		{ "0010101", NHI_ERANGE, "unknown era code 0" },
		{ "507112", NHI_EPARSE, "expected 7 ASCII digits" },
		{ "50711240", NHI_EPARSE, "expected 7" },
		{ "5O71124", NHI_EPARSE, "'5O71124'" },
		{ "", NHI_EPARSE, "expected 7" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date d = D(9, 9, 9);
		int r = era_gyymmdd_parse(cases[i].s, &d);

		if (r != cases[i].code)
			fail_msg("'%s': got %d (%s)", cases[i].s, r, err_detail());
		if (strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("'%s': detail '%s'", cases[i].s, err_detail());
		assert_int_equal(d.y, 9);
	}
	assert_int_equal(era_gyymmdd_parse(NULL, &(struct nhi_date){ 0, 0, 0 }), NHI_EPARSE);
}

static void
test_format_invalid(void **state)
{
	char buf[ERA_FORMAT_MAX], small[8], g[8];
	struct nhi_era_date e;

	(void)state;
	assert_int_equal(era_format(&D(1867, 12, 31), 0, buf, sizeof(buf)), NHI_ERANGE);
	assert_int_equal(era_format(&D(2025, 2, 29), 0, buf, sizeof(buf)), NHI_ERANGE);
	assert_int_equal(era_format(&D(2025, 1, 1), 0, small, sizeof(small)), NHI_EINTERNAL);
	assert_int_equal(era_gyymmdd_format(&D(2025, 1, 1), g, 7), NHI_EINTERNAL);
	assert_int_equal(era_gyymmdd_format(&D(2118, 1, 1), g, sizeof(g)), NHI_ERANGE);
	assert_non_null(strstr(err_detail(), "令和100年"));
	assert_int_equal(era_from_date(&D(2201, 1, 1), &e), NHI_ERANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_known),
		cmocka_unit_test(test_parse_known),
		cmocka_unit_test(test_from_to),
		cmocka_unit_test(test_every_day_roundtrip),
		cmocka_unit_test(test_fullwidth_and_flags),
		cmocka_unit_test(test_parse_variants),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_gyymmdd_invalid),
		cmocka_unit_test(test_format_invalid),
	};
	return cmocka_run_group_tests_name("rules-era", tests, NULL, NULL);
}
