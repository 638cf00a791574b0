/* Unit tests of the rule settings (rules-policy.c): defaults, every key,
 * and errors that name the key. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "nhiconf.h"
#include "rules.h"
#include "util.h"

static int
load(const char *text, struct rules_policy *p)
{
	struct config *cfg = config_new();
	int r;

	r = config_parse(cfg, "t.conf", text, strlen(text));
	assert_int_equal(r, 0);
	r = rules_policy_from_config(cfg, p);
	config_free(cfg);
	return r;
}

static void
test_defaults(void **state)
{
	struct rules_policy p, q;

	(void)state;
	rules_policy_defaults(&p);
	assert_int_equal(p.renewal_month, 7);
	assert_int_equal(p.renewal_day, 31);
	assert_int_equal(p.renewal_cycle_years, 1);
	assert_int_equal(p.under18_march31, 0);
	assert_int_equal(p.kakunin_years, 5);
	assert_int_equal(p.foreign_stay, RULES_LAW_2012);
	assert_int_equal(p.foreign_juki, RULES_LAW_2012);
	assert_int_equal(p.late_elderly, 1);
	assert_int_equal(p.no_juki, RULES_NO_JUKI_PAPER);
	assert_int_equal(p.card_fee, 500);
	assert_int_equal(p.reissue_fee, 500);
	assert_int_equal(p.standalone_fee, 0);
	assert_int_equal(p.nwaivers, 0);
	assert_int_equal(p.kigo_scheme, RULES_KIGO_FIXED);
	/* Today's law: 資格確認書 from 2024-12-02, Juki cards until 2015-12. */
	assert_int_equal(p.has_kakunin_from, 1);
	assert_int_equal(p.kakunin_from.y * 10000 + p.kakunin_from.m * 100 + p.kakunin_from.d,
	    20241202);
	assert_int_equal(p.has_juki_new_until, 1);
	assert_int_equal(p.juki_new_until.y * 10000 + p.juki_new_until.m * 100 +
	    p.juki_new_until.d, 20151231);
	/* An empty configuration gives the defaults. */
	assert_int_equal(load("", &q), 0);
	assert_memory_equal(&p, &q, sizeof(p));
}

static void
test_every_key(void **state)
{
	struct rules_policy p;

	(void)state;
	assert_int_equal(load(
	    "[validity]\n"
	    "renewal = 09-30\n"
	    "renewal_cycle_years = 2\n"
	    "renewal_anchor_year = 2027\n"
	    "under18_march31 = yes\n"
	    "kakunin_years = 3\n"
	    "kakunin_follows_renewal = true\n"
	    "[rules]\n"
	    "foreign_stay = 2005\n"
	    "foreign_juki = 2005\n"
	    "late_elderly = no\n"
	    "no_juki = standalone\n"
	    "[fee]\n"
	    "card_fee = 1000\n"
	    "reissue_fee = 800\n"
	    "standalone_fee = 100\n"
	    "supervisor_limit = 300\n"
	    "waivers = low_income:all, student:250,disaster:0\n"
	    "[kigo]\n"
	    "scheme = address_household\n"
	    "address_digits = 4\n"
	    "household_digits = 6\n", &p), 0);
	assert_int_equal(p.renewal_month, 9);
	assert_int_equal(p.renewal_day, 30);
	assert_int_equal(p.renewal_cycle_years, 2);
	assert_int_equal(p.renewal_anchor_year, 2027);
	assert_int_equal(p.under18_march31, 1);
	assert_int_equal(p.kakunin_years, 3);
	assert_int_equal(p.kakunin_follows_renewal, 1);
	assert_int_equal(p.foreign_stay, RULES_LAW_2005);
	assert_int_equal(p.foreign_juki, RULES_LAW_2005);
	assert_int_equal(p.late_elderly, 0);
	assert_int_equal(p.no_juki, RULES_NO_JUKI_STANDALONE);
	assert_int_equal(p.card_fee, 1000);
	assert_int_equal(p.reissue_fee, 800);
	assert_int_equal(p.standalone_fee, 100);
	assert_int_equal(p.supervisor_limit, 300);
	assert_int_equal(p.nwaivers, 3);
	assert_string_equal(p.waivers[0].name, "low_income");
	assert_int_equal(p.waivers[0].yen, RULES_WAIVE_ALL);
	assert_string_equal(p.waivers[1].name, "student");
	assert_int_equal(p.waivers[1].yen, 250);
	assert_string_equal(p.waivers[2].name, "disaster");
	assert_int_equal(p.waivers[2].yen, 0);
	assert_int_equal(p.kigo_scheme, RULES_KIGO_ADDRESS_HOUSEHOLD);
	assert_int_equal(p.kigo_address_digits, 4);
	assert_int_equal(p.kigo_household_digits, 6);
}

static void
test_errors_name_the_key(void **state)
{
	static const struct { const char *text, *detail; } cases[] = {
		{ "[validity]\nrenewal = 7-31\n", "validity.renewal: '7-31' is not MM-DD" },
		{ "[validity]\nrenewal = 07/31\n", "validity.renewal: '07/31' is not MM-DD" },
		{ "[validity]\nrenewal = 13-01\n", "validity.renewal: '13-01' is not a day of every year" },
		{ "[validity]\nrenewal = 02-29\n", "validity.renewal: '02-29' is not a day of every year" },
		{ "[validity]\nrenewal = 04-31\n", "validity.renewal" },
		{ "[validity]\nrenewal_cycle_years = 3\n", "validity.renewal_cycle_years" },
		{ "[validity]\nrenewal_anchor_year = soon\n", "validity.renewal_anchor_year" },
		{ "[validity]\nunder18_march31 = maybe\n", "validity.under18_march31: 'maybe' is not yes or no" },
		{ "[validity]\nkakunin_years = 6\n", "validity.kakunin_years" },
		{ "[validity]\nkakunin_follows_renewal = 2\n", "validity.kakunin_follows_renewal" },
		{ "[rules]\nforeign_stay = 2008\n", "rules.foreign_stay: '2008' is not 2005 or 2012" },
		{ "[rules]\nforeign_juki = new\n", "rules.foreign_juki: 'new' is not 2005 or 2012" },
		{ "[rules]\nlate_elderly = perhaps\n", "rules.late_elderly" },
		{ "[rules]\nno_juki = nothing\n", "rules.no_juki: 'nothing' is not paper or standalone" },
		{ "[fee]\ncard_fee = -1\n", "fee.card_fee" },
		{ "[fee]\ncard_fee = 500yen\n", "fee.card_fee" },
		{ "[fee]\nreissue_fee = 100001\n", "fee.reissue_fee" },
		{ "[fee]\nstandalone_fee = x\n", "fee.standalone_fee" },
		{ "[fee]\nsupervisor_limit = -5\n", "fee.supervisor_limit" },
		{ "[fee]\nwaivers = low_income\n", "fee.waivers: 'low_income' is not name:yen or name:all" },
		{ "[fee]\nwaivers = :100\n", "fee.waivers: waiver name must have" },
		{ "[fee]\nwaivers = Low:100\n", "fee.waivers: waiver name 'Low' may hold only" },
		{ "[fee]\nwaivers = a:100, a:200\n", "fee.waivers: waiver 'a' given twice" },
		{ "[fee]\nwaivers = a:\n", "fee.waivers: waiver 'a': bad amount" },
		{ "[fee]\nwaivers = a:12x\n", "fee.waivers: waiver 'a': amount '12x'" },
		{ "[fee]\nwaivers = a:-3\n", "fee.waivers: waiver 'a': amount '-3'" },
		{ "[fee]\nwaivers = a:9999999\n", "fee.waivers: waiver 'a': amount '9999999'" },
		{ "[fee]\nwaivers = a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1,l:1,m:1,n:1,o:1,p:1,q:1\n",
		    "fee.waivers: more than 16 waivers" },
		{ "[kigo]\nscheme = address\n", "kigo.scheme: 'address' is not fixed or address_household" },
		{ "[kigo]\naddress_digits = 0\n", "kigo.address_digits" },
		{ "[kigo]\nhousehold_digits = 11\n", "kigo.household_digits" },
		{ "[rules]\nlaw = 2005\n", "rules.law: '2005' is not today or pilot" },
		{ "[rules]\nkakunin_from = soon\n", "rules.kakunin_from: 'soon' is not YYYY-MM-DD or none" },
		{ "[rules]\nkakunin_from = 2024-02-30\n", "rules.kakunin_from" },
		{ "[rules]\njuki_new_until = never\n", "rules.juki_new_until: 'never' is not YYYY-MM-DD or none" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_policy p;

		memset(&p, 0x5a, sizeof(p));
		if (load(cases[i].text, &p) != NHI_ECONFIG)
			fail_msg("case %zu: accepted", i);
		if (strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: '%s'", i, err_detail());
		/* Nothing is written on error. */
		assert_int_equal(p.card_fee, 0x5a5a5a5a);
	}
}

/* The law of the day: today, the pilot's, and each key on its own. */
static void
test_law_keys(void **state)
{
	struct rules_policy p;

	(void)state;
	assert_int_equal(load("[rules]\nlaw = pilot\n", &p), 0);
	assert_int_equal(p.has_kakunin_from, 0);
	assert_int_equal(p.has_juki_new_until, 0);
	assert_int_equal(load("[rules]\nlaw = today\n", &p), 0);
	assert_int_equal(p.has_kakunin_from, 1);
	assert_int_equal(p.has_juki_new_until, 1);
	/* A key given with the pilot's rules wins over them. */
	assert_int_equal(load("[rules]\nlaw = pilot\nkakunin_from = 2030-04-01\n", &p), 0);
	assert_int_equal(p.has_kakunin_from, 1);
	assert_int_equal(p.kakunin_from.y, 2030);
	assert_int_equal(p.has_juki_new_until, 0);
	assert_int_equal(load("[rules]\nkakunin_from = none\njuki_new_until = 2010-03-31\n",
	    &p), 0);
	assert_int_equal(p.has_kakunin_from, 0);
	assert_int_equal(p.has_juki_new_until, 1);
	assert_int_equal(p.juki_new_until.y, 2010);
}

/* Spaces and an empty list are fine; the whole fee can be waived. */
static void
test_waiver_spacing(void **state)
{
	struct rules_policy p;

	(void)state;
	assert_int_equal(load("[fee]\nwaivers = \" a:1 ,  b:all ,\"\n", &p), 0);
	assert_int_equal(p.nwaivers, 2);
	assert_string_equal(p.waivers[1].name, "b");
	assert_int_equal(load("[fee]\nwaivers = \"\"\n", &p), 0);
	assert_int_equal(p.nwaivers, 0);
}

/* Labels: the clerk's words for a waiver; errors name the key and the
 * waiver; without a label the name stands. */
static void
test_waiver_labels(void **state)
{
	struct rules_policy p;

	(void)state;
	assert_int_equal(load("[fee]\nwaivers = \"low_income:all, student:250\"\n"
	    "waiver_labels = \"low_income:低所得世帯 , student: 学生\"\n", &p), 0);
	assert_string_equal(p.waivers[0].label, "低所得世帯");
	assert_string_equal(p.waivers[1].label, "学生");
	assert_string_equal(rules_waiver_label(&p, "student"), "学生");
	assert_null(rules_waiver_label(&p, "nobody"));
	assert_int_equal(load("[fee]\nwaivers = \"a:1, b:2\"\nwaiver_labels = \"a:甲\"\n", &p), 0);
	assert_string_equal(rules_waiver_label(&p, "b"), "b");
	assert_int_equal(load("[fee]\nwaivers = \"a:1\"\nwaiver_labels = \"x:甲\"\n", &p),
	    NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "fee.waiver_labels: 'x'"));
	assert_int_equal(load("[fee]\nwaivers = \"a:1\"\nwaiver_labels = \"a:\"\n", &p),
	    NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "waiver 'a'"));
	assert_int_equal(load("[fee]\nwaivers = \"a:1\"\nwaiver_labels = \"a\"\n", &p),
	    NHI_ECONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_waiver_spacing),
		cmocka_unit_test(test_waiver_labels),
		cmocka_unit_test(test_law_keys),
	};
	return cmocka_run_group_tests_name("rules-policy", tests, NULL, NULL);
}
