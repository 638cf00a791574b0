/*
 * Unit tests of 記号番号 on a move within the town (rules-kigo.c), and of
 * the guarantee that a move never touches the card key: the function sees
 * only the 記号番号 strings, so a record's key is the same before and after
 * and the result does not depend on it.
 */
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

static void
policy(struct rules_policy *p, enum rules_kigo_scheme scheme, int a, int h)
{
	rules_policy_defaults(p);
	p->kigo_scheme = scheme;
	p->kigo_address_digits = a;
	p->kigo_household_digits = h;
}

static void
test_moves(void **state)
{
	static const struct {
		int line;
		enum rules_kigo_scheme scheme;
		int a, h;
		struct rules_kigo_bango old;
		const char *address, *household;
		struct rules_kigo_bango want;
	} cases[] = {
		{ __LINE__, RULES_KIGO_ADDRESS_HOUSEHOLD, 3, 5, { "012", "00345", "01" }, "027", NULL, { "027", "00345", "01" } },
		{ __LINE__, RULES_KIGO_ADDRESS_HOUSEHOLD, 3, 5, { "012", "00345", "01" }, "27", NULL, { "027", "00345", "01" } },
		{ __LINE__, RULES_KIGO_ADDRESS_HOUSEHOLD, 3, 5, { "012", "00345", "02" }, "5", "678", { "005", "00678", "02" } },
		{ __LINE__, RULES_KIGO_ADDRESS_HOUSEHOLD, 3, 5, { "012", "00345", "" }, "012", "00346", { "012", "00346", "" } },
		{ __LINE__, RULES_KIGO_ADDRESS_HOUSEHOLD, 2, 6, { "01", "000345", "01" }, "99", "123456", { "99", "123456", "01" } },
		{ __LINE__, RULES_KIGO_ADDRESS_HOUSEHOLD, 8, 10, { "1", "2", "" }, "12345678", "1234567890", { "12345678", "1234567890", "" } },
		/* Towns whose 記号番号 does not follow the address. */
		{ __LINE__, RULES_KIGO_FIXED, 3, 5, { "A12", "00345", "01" }, "027", "999", { "A12", "00345", "01" } },
		{ __LINE__, RULES_KIGO_FIXED, 3, 5, { "012", "00345", "01" }, NULL, NULL, { "012", "00345", "01" } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_policy p;
		struct rules_kigo_bango out;

		policy(&p, cases[i].scheme, cases[i].a, cases[i].h);
		memset(&out, 0, sizeof(out));
		if (rules_kigo_bango_on_move(&p, &cases[i].old, cases[i].address,
		    cases[i].household, &out) != 0)
			fail_msg("line %d: %s", cases[i].line, err_detail());
		assert_string_equal(out.kigo, cases[i].want.kigo);
		assert_string_equal(out.bango, cases[i].want.bango);
		assert_string_equal(out.edaban, cases[i].want.edaban);
	}
}

static void
test_bad_codes(void **state)
{
	static const struct {
		const char *address, *household;
		int code;
		const char *detail;
	} cases[] = {
		{ NULL, NULL, NHI_EPARSE, "address code missing" },
		{ "", NULL, NHI_EPARSE, "address code missing" },
		{ "1a", NULL, NHI_EPARSE, "address code '1a'" },
		{ "1234", NULL, NHI_ERANGE, "more than 3 digits" },
		{ "12", "", NHI_EPARSE, "household code missing" },
		{ "12", "123456", NHI_ERANGE, "household code '123456' has more than 5" },
		{ "12", "12-34", NHI_EPARSE, "not ASCII digits" },
		{ "\xef\xbc\x91", NULL, NHI_EPARSE, "not ASCII digits" },
	};
	struct rules_policy p;
	struct rules_kigo_bango old = { "012", "00345", "01" };
	size_t i;

	(void)state;
	policy(&p, RULES_KIGO_ADDRESS_HOUSEHOLD, 3, 5);
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_kigo_bango out = { "x", "x", "x" };
		int r = rules_kigo_bango_on_move(&p, &old, cases[i].address,
		    cases[i].household, &out);

		if (r != cases[i].code || strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: %d '%s'", i, r, err_detail());
		assert_string_equal(out.kigo, "x");
	}
}

/* A resident's record as a caller holds it: the key sits beside 記号番号. */
struct record {
	uint8_t			card_key[16];
	struct rules_kigo_bango	kb;
	uint8_t			user_number[8];
};

static void
test_card_key_untouched(void **state)
{
	struct rules_policy p;
	struct record a, b, before;
	struct rules_kigo_bango ka, kb;

	(void)state;
	policy(&p, RULES_KIGO_ADDRESS_HOUSEHOLD, 3, 5);
	memset(&a, 0, sizeof(a));
	memset(a.card_key, 0x5c, sizeof(a.card_key));
	memset(a.user_number, 0x3a, sizeof(a.user_number));
	strcpy(a.kb.kigo, "012");
	strcpy(a.kb.bango, "00345");
	strcpy(a.kb.edaban, "01");
	b = a;
	memset(b.card_key, 0xc3, sizeof(b.card_key));
	memset(b.user_number, 0x11, sizeof(b.user_number));
	before = a;

	/* The move changes 記号番号 in place and nothing else of the record. */
	assert_int_equal(rules_kigo_bango_on_move(&p, &a.kb, "027", "901", &a.kb), 0);
	assert_memory_equal(a.card_key, before.card_key, sizeof(a.card_key));
	assert_memory_equal(a.user_number, before.user_number, sizeof(a.user_number));
	assert_string_equal(a.kb.kigo, "027");
	assert_string_equal(a.kb.bango, "00901");
	assert_string_equal(a.kb.edaban, "01");

	/* Two records with different keys get the same 記号番号. */
	assert_int_equal(rules_kigo_bango_on_move(&p, &before.kb, "027", "901", &ka), 0);
	assert_int_equal(rules_kigo_bango_on_move(&p, &b.kb, "027", "901", &kb), 0);
	assert_memory_equal(&ka, &kb, sizeof(ka));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_bad_codes),
		cmocka_unit_test(test_card_key_untouched),
	};
	return cmocka_run_group_tests_name("rules-kigo", tests, NULL, NULL);
}
