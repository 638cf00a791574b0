/*
 * Unit tests of the check digits (rules-checkdigit.c): the examples of
 * domain.md, every single-digit mutation of them, bad shapes, and the
 * generator functions.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "rules.h"
#include "util.h"

/* domain.md's examples, plus numbers worked out by hand in docs/rules.md. */
static const char *const insurer_valid[] = {
	"33120015", "54016027", "01040013",
	"131011",	/* 1*2+0+1*2+3+1*2 = 9 -> 1 */
	"390013",	/* 1*2+0+0+9+3*2 = 17 -> 3 */
};
static const char *const payer_valid[] = {
	"54016027",	/* 公費: law code 54, same rule */
	"12130019",	/* 1*2+0+0+3+1*2+2+1*2 = 11 -> 9 */
};
static const char *const municipality_valid[] = {
	"131016", "011002", "010006", "112143", "470007",
	"271004",	/* 大阪市: 12+35+4 = 51, r 7 -> 4 */
	"393410",	/* 高知県本山町: 18+45+12+12+2 = 89, r 1 -> 0 */
};

static void
test_examples_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(insurer_valid); i++)
		assert_int_equal(rules_insurer_number_check(insurer_valid[i]), 0);
	for (i = 0; i < NHI_ARRAY_LEN(payer_valid); i++)
		assert_int_equal(rules_payer_number_check(payer_valid[i]), 0);
	for (i = 0; i < NHI_ARRAY_LEN(municipality_valid); i++)
		assert_int_equal(rules_municipality_code_check(municipality_valid[i]), 0);
}

/* Whether the prefecture part of a mutated number left 01-47. */
static int
prefecture_bad(const char *s, size_t len, int municipality)
{
	const char *p = (len == 8 && !municipality) ? s + 2 : s;
	int v = (p[0] - '0') * 10 + (p[1] - '0');

	return v < 1 || v > 47;
}

/*
 * Every single-digit change of a valid number must be rejected: the mod-10
 * rule catches all of them, and for these mod-11 examples r is never 0 or 10,
 * where the rule has its known blind spot (see test_municipality_blind_spot).
 */
static void
mutate_all(const char *valid, int (*check)(const char *), int municipality)
{
	char buf[16];
	size_t len = strlen(valid), pos;
	char c;

	for (pos = 0; pos < len; pos++) {
		for (c = '0'; c <= '9'; c++) {
			int r;

			if (c == valid[pos])
				continue;
			memcpy(buf, valid, len + 1);
			buf[pos] = c;
			r = check(buf);
			if (prefecture_bad(buf, len, municipality)) {
				assert_int_equal(r, NHI_ERANGE);
				assert_non_null(strstr(err_detail(), "prefecture"));
			} else {
				if (r != NHI_ECHECKDIGIT)
					fail_msg("%s (from %s) gave %d", buf, valid, r);
				assert_non_null(strstr(err_detail(), buf));
				assert_non_null(strstr(err_detail(), "check digit should be"));
			}
		}
	}
}

static void
test_every_mutation_rejected(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(insurer_valid); i++)
		mutate_all(insurer_valid[i], rules_insurer_number_check, 0);
	for (i = 0; i < NHI_ARRAY_LEN(payer_valid); i++)
		mutate_all(payer_valid[i], rules_payer_number_check, 0);
	for (i = 0; i < NHI_ARRAY_LEN(municipality_valid); i++)
		mutate_all(municipality_valid[i], rules_municipality_code_check, 1);
}

/* Swapping two adjacent different digits (a common typing error). */
static void
test_transpositions(void **state)
{
	static const struct { const char *s; int code; } cases[] = {
		{ "33120051", NHI_ECHECKDIGIT },
		{ "33210015", NHI_ECHECKDIGIT },
		{ "45016027", NHI_ECHECKDIGIT },
		{ "10040013", NHI_ECHECKDIGIT },
		{ "113016", NHI_ECHECKDIGIT },
		{ "310016", NHI_ECHECKDIGIT },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		int r = strlen(cases[i].s) == 6 && cases[i].s[5] == '6' ?
		    rules_municipality_code_check(cases[i].s) :
		    rules_insurer_number_check(cases[i].s);
		assert_int_equal(r, cases[i].code);
	}
}

static void
test_municipality_blind_spot(void **state)
{
	(void)state;
	/* 01003: sum 11, r 0 -> 1. 01008: sum 21, r 10 -> 1 as well. */
	assert_int_equal(rules_municipality_code_check("010031"), 0);
	assert_int_equal(rules_municipality_code_check("010081"), 0);
	assert_int_equal(rules_municipality_code_check("010030"), NHI_ECHECKDIGIT);
}

static void
test_bad_shapes(void **state)
{
	static const struct {
		int which;	/* 0 insurer, 1 payer, 2 municipality */
		const char *s;
		int code;
		const char *detail;
	} cases[] = {
		{ 0, "", NHI_EPARSE, "insurer number '': expected 6 or 8" },
		{ 0, "3312001", NHI_EPARSE, "expected 6 or 8" },
		{ 0, "331200150", NHI_EPARSE, "expected 6 or 8" },
		{ 0, "13101", NHI_EPARSE, "expected 6 or 8" },
		{ 0, "3312001a", NHI_EPARSE, "'3312001a'" },
		{ 0, "331 0015", NHI_EPARSE, "ASCII digits" },
		{ 0, "\xef\xbc\x93\xef\xbc\x93\xef\xbc\x91\xef\xbc\x92", NHI_EPARSE, "ASCII" },
		{ 0, "13101 ", NHI_EPARSE, "expected" },
		{ 0, "-13101", NHI_EPARSE, "expected" },
		{ 0, "000000", NHI_ERANGE, "prefecture code 00" },
		{ 0, "480006", NHI_ERANGE, "prefecture code 48" },
		{ 0, "33000003", NHI_ERANGE, "prefecture code 00" },
		{ 1, "131011", NHI_EPARSE, "payer number '131011': expected 8" },
		{ 1, "54996027", NHI_ERANGE, "prefecture code 99" },
		{ 1, "54016028", NHI_ECHECKDIGIT, "payer number 54016028: check digit should be 7" },
		{ 2, "13101", NHI_EPARSE, "municipality code '13101': expected 6" },
		{ 2, "1310160", NHI_EPARSE, "expected 6" },
		{ 2, "13101x", NHI_EPARSE, "expected 6" },
		{ 2, "991016", NHI_ERANGE, "prefecture code 99" },
		{ 2, "131017", NHI_ECHECKDIGIT, "municipality code 131017: check digit should be 6" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		int r;

		err_clear();
		r = cases[i].which == 0 ? rules_insurer_number_check(cases[i].s) :
		    cases[i].which == 1 ? rules_payer_number_check(cases[i].s) :
		    rules_municipality_code_check(cases[i].s);
		if (r != cases[i].code)
			fail_msg("case %zu '%s': %d", i, cases[i].s, r);
		assert_non_null(err_detail());
		if (strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: detail '%s'", i, err_detail());
	}
	assert_int_equal(rules_insurer_number_check(NULL), NHI_EPARSE);
	assert_int_equal(rules_payer_number_check(NULL), NHI_EPARSE);
	assert_int_equal(rules_municipality_code_check(NULL), NHI_EPARSE);
}

static void
test_generators(void **state)
{
	static const struct { const char *body; int digit; } mod10[] = {
		{ "3312001", 5 }, { "5401602", 7 }, { "0104001", 3 },
		{ "13101", 1 }, { "0", 0 }, { "5", 9 }, { "9", 1 },
	};
	static const struct { const char *body; int digit; } mod11[] = {
		{ "13101", 6 }, { "01100", 2 }, { "01000", 6 }, { "11214", 3 },
		{ "47000", 7 }, { "01003", 1 }, { "01008", 1 },
	};
	static const char *const bad[] = { "", "12a", "1 2", NULL };
	size_t i;
	int d;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(mod10); i++) {
		assert_int_equal(rules_mod10_checkdigit(mod10[i].body, &d), 0);
		assert_int_equal(d, mod10[i].digit);
	}
	for (i = 0; i < NHI_ARRAY_LEN(mod11); i++) {
		assert_int_equal(rules_municipality_checkdigit(mod11[i].body, &d), 0);
		assert_int_equal(d, mod11[i].digit);
	}
	for (i = 0; i < NHI_ARRAY_LEN(bad); i++) {
		d = 42;
		assert_int_equal(rules_mod10_checkdigit(bad[i], &d), NHI_EPARSE);
		assert_int_equal(rules_municipality_checkdigit(bad[i], &d), NHI_EPARSE);
		assert_int_equal(d, 42);
	}
	assert_int_equal(rules_mod10_checkdigit("123456789012345678901234567890123", &d),
	    NHI_EPARSE);
	assert_int_equal(rules_municipality_checkdigit("131016", &d), NHI_EPARSE);
}

/* Generated numbers pass the checks: every 5-digit NHI body of one prefecture. */
static void
test_generated_pass(void **state)
{
	char num[16];
	int i, d;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(num, sizeof(num), "39%03d", i);
		assert_int_equal(rules_mod10_checkdigit(num, &d), 0);
		num[5] = (char)('0' + d);
		num[6] = '\0';
		assert_int_equal(rules_insurer_number_check(num), 0);
		num[5] = (char)('0' + (d + 1) % 10);
		assert_int_equal(rules_insurer_number_check(num), NHI_ECHECKDIGIT);

		snprintf(num, sizeof(num), "39%03d", i);
		assert_int_equal(rules_municipality_checkdigit(num, &d), 0);
		num[5] = (char)('0' + d);
		num[6] = '\0';
		assert_int_equal(rules_municipality_code_check(num), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_valid),
		cmocka_unit_test(test_every_mutation_rejected),
		cmocka_unit_test(test_transpositions),
		cmocka_unit_test(test_municipality_blind_spot),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_generators),
		cmocka_unit_test(test_generated_pass),
	};
	return cmocka_run_group_tests_name("rules-checkdigit", tests, NULL, NULL);
}
