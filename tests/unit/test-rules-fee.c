/* Unit tests of the fee policy (rules-fee.c): no second fee, free
 * upgrades, reissue fees, configured waivers and the supervisor flag. */
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
town_policy(struct rules_policy *p)
{
	rules_policy_defaults(p);
	p->reissue_fee = 800;
	p->standalone_fee = 100;
	p->supervisor_limit = 200;
	strcpy(p->waivers[0].name, "low_income");
	p->waivers[0].yen = RULES_WAIVE_ALL;
	strcpy(p->waivers[1].name, "student");
	p->waivers[1].yen = 200;
	strcpy(p->waivers[2].name, "campaign");
	p->waivers[2].yen = 5000;
	p->nwaivers = 3;
}

static void
test_fee_table(void **state)
{
	static const struct {
		int line;
		int town;	/* 0 defaults, 1 town_policy */
		enum rules_fee_kind kind;
		int paid;
		const char *waiver;
		int fee, waived, due, sup;
	} cases[] = {
		/* Defaults: 500 yen for a new Juki card, nothing else. */
		{ __LINE__, 0, RULES_FEE_NEW_CARD, 0, NULL, 500, 0, 500, 0 },
		{ __LINE__, 0, RULES_FEE_NEW_CARD, 1, NULL, 0, 0, 0, 0 },
		{ __LINE__, 0, RULES_FEE_UPGRADE, 0, NULL, 0, 0, 0, 0 },
		{ __LINE__, 0, RULES_FEE_UPGRADE, 1, NULL, 0, 0, 0, 0 },
		{ __LINE__, 0, RULES_FEE_REISSUE, 0, NULL, 500, 0, 500, 0 },
		{ __LINE__, 0, RULES_FEE_STANDALONE, 0, NULL, 0, 0, 0, 0 },
		{ __LINE__, 0, RULES_FEE_NEW_CARD, 0, "", 500, 0, 500, 0 },
		/* A town's own fees and waivers. */
		{ __LINE__, 1, RULES_FEE_NEW_CARD, 0, NULL, 500, 0, 500, 0 },
		{ __LINE__, 1, RULES_FEE_NEW_CARD, 0, "low_income", 500, 500, 0, 1 },
		{ __LINE__, 1, RULES_FEE_NEW_CARD, 0, "student", 500, 200, 300, 0 },
		{ __LINE__, 1, RULES_FEE_NEW_CARD, 0, "campaign", 500, 500, 0, 1 },
		{ __LINE__, 1, RULES_FEE_NEW_CARD, 1, "low_income", 0, 0, 0, 0 },
		{ __LINE__, 1, RULES_FEE_UPGRADE, 0, "campaign", 0, 0, 0, 0 },
		{ __LINE__, 1, RULES_FEE_REISSUE, 0, NULL, 800, 0, 800, 0 },
		{ __LINE__, 1, RULES_FEE_REISSUE, 0, "student", 800, 200, 600, 0 },
		{ __LINE__, 1, RULES_FEE_REISSUE, 0, "low_income", 800, 800, 0, 1 },
		{ __LINE__, 1, RULES_FEE_STANDALONE, 0, NULL, 100, 0, 100, 0 },
		{ __LINE__, 1, RULES_FEE_STANDALONE, 0, "student", 100, 100, 0, 0 },
		{ __LINE__, 1, RULES_FEE_STANDALONE, 1, NULL, 0, 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_policy p;
		struct rules_fee_in in = { cases[i].kind, cases[i].paid, cases[i].waiver };
		struct rules_fee_out o;

		if (cases[i].town)
			town_policy(&p);
		else
			rules_policy_defaults(&p);
		if (rules_fee(&p, &in, &o) != 0)
			fail_msg("line %d: %s", cases[i].line, err_detail());
		if (o.fee != cases[i].fee || o.waived != cases[i].waived ||
		    o.due != cases[i].due || o.needs_supervisor != cases[i].sup)
			fail_msg("line %d: fee %d waived %d due %d sup %d",
			    cases[i].line, o.fee, o.waived, o.due,
			    o.needs_supervisor);
	}
}

static void
test_fee_errors(void **state)
{
	struct rules_policy p;
	struct rules_fee_out o = { 7, 7, 7, 7 };
	struct rules_fee_in unknown = { RULES_FEE_NEW_CARD, 0, "friend_of_mayor" };
	struct rules_fee_in badkind = { 0, 0, NULL };

	(void)state;
	town_policy(&p);
	assert_int_equal(rules_fee(&p, &unknown, &o), NHI_ENOTFOUND);
	assert_non_null(strstr(err_detail(), "friend_of_mayor"));
	assert_non_null(strstr(err_detail(), "fee.waivers"));
	assert_int_equal(o.fee, 7);
	assert_int_equal(rules_fee(&p, &badkind, &o), NHI_ERANGE);
	assert_non_null(strstr(err_detail(), "unknown kind 0"));
	assert_int_equal(o.due, 7);
	/* A waiver configured in another town is unknown here. */
	rules_policy_defaults(&p);
	unknown.waiver = "low_income";
	assert_int_equal(rules_fee(&p, &unknown, &o), NHI_ENOTFOUND);
}

/* With a supervisor limit of 0 every waiver of money needs approval. */
static void
test_supervisor_limit_zero(void **state)
{
	struct rules_policy p;
	struct rules_fee_in in = { RULES_FEE_NEW_CARD, 0, "student" };
	struct rules_fee_out o;

	(void)state;
	town_policy(&p);
	p.supervisor_limit = 0;
	assert_int_equal(rules_fee(&p, &in, &o), 0);
	assert_int_equal(o.waived, 200);
	assert_int_equal(o.needs_supervisor, 1);
	in.kind = RULES_FEE_UPGRADE;
	assert_int_equal(rules_fee(&p, &in, &o), 0);
	assert_int_equal(o.waived, 0);
	assert_int_equal(o.needs_supervisor, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fee_table),
		cmocka_unit_test(test_fee_errors),
		cmocka_unit_test(test_supervisor_limit_zero),
	};
	return cmocka_run_group_tests_name("rules-fee", tests, NULL, NULL);
}
