/* Unit tests of validity ends and the 70-74 dates (rules-validity.c). */
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
#define NONE D(0, 0, 0)

/* Policy variants the cases pick from. */
enum variant {
	V_DEFAULT,	/* renewal 07-31 yearly, no 18 rule, 75 rule on */
	V_BIENNIAL26,	/* renewal every 2 years, 2026 a renewal year */
	V_BIENNIAL27,	/* same, 2027 a renewal year */
	V_UNDER18,	/* the March 31 rule on */
	V_NO75,		/* late-elderly switch off */
	V_KAKUNIN1,	/* 資格確認書 1 year */
	V_KAKUNIN_RENEW,/* 資格確認書 follows the renewal day */
	V_SEPT30,	/* renewal 09-30 */
};

static void
policy_for(enum variant v, struct rules_policy *p)
{
	rules_policy_defaults(p);
	switch (v) {
	case V_DEFAULT:
		break;
	case V_BIENNIAL26:
		p->renewal_cycle_years = 2;
		p->renewal_anchor_year = 2026;
		break;
	case V_BIENNIAL27:
		p->renewal_cycle_years = 2;
		p->renewal_anchor_year = 2027;
		break;
	case V_UNDER18:
		p->under18_march31 = 1;
		break;
	case V_NO75:
		p->late_elderly = 0;
		break;
	case V_KAKUNIN1:
		p->kakunin_years = 1;
		break;
	case V_KAKUNIN_RENEW:
		p->kakunin_follows_renewal = 1;
		break;
	case V_SEPT30:
		p->renewal_month = 9;
		p->renewal_day = 30;
		break;
	}
}

#define ADULT D(1980, 5, 10)

static const struct {
	int			 line;
	enum variant		 v;
	enum rules_cert_kind	 kind;
	int			 months;
	struct nhi_date		 from, birth, stay_end, loss;
	struct nhi_date		 end;
	enum rules_end_reason	 why;
} validity_cases[] = {
	/* The renewal day. */
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 7, 31), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 7, 30), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 1, 15), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHIKAKU, 0, D(2026, 12, 31), ADULT, NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_SEPT30, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, NONE, D(2026, 9, 30), RULES_END_RENEWAL },
	{ __LINE__, V_SEPT30, RULES_CERT_REGULAR, 0, D(2026, 10, 1), ADULT, NONE, NONE, D(2027, 9, 30), RULES_END_RENEWAL },
	{ __LINE__, V_BIENNIAL26, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, NONE, D(2028, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_BIENNIAL26, RULES_CERT_REGULAR, 0, D(2027, 3, 1), ADULT, NONE, NONE, D(2028, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_BIENNIAL26, RULES_CERT_REGULAR, 0, D(2026, 7, 1), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_BIENNIAL26, RULES_CERT_REGULAR, 0, D(2024, 8, 1), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_BIENNIAL27, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_BIENNIAL27, RULES_CERT_REGULAR, 0, D(2027, 8, 1), ADULT, NONE, NONE, D(2029, 7, 31), RULES_END_RENEWAL },
	/* 短期被保険者証: 1, 3, 6 months, periods as in 民法 143. */
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 3, D(2026, 8, 1), ADULT, NONE, NONE, D(2026, 10, 31), RULES_END_SHORT },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 1, D(2026, 8, 1), ADULT, NONE, NONE, D(2026, 8, 31), RULES_END_SHORT },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 6, D(2026, 8, 1), ADULT, NONE, NONE, D(2027, 1, 31), RULES_END_SHORT },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 6, D(2026, 3, 1), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 1, D(2026, 1, 31), ADULT, NONE, NONE, D(2026, 2, 28), RULES_END_SHORT },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 1, D(2028, 1, 31), ADULT, NONE, NONE, D(2028, 2, 29), RULES_END_SHORT },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 1, D(2026, 1, 15), ADULT, NONE, NONE, D(2026, 2, 14), RULES_END_SHORT },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 3, D(2026, 11, 30), ADULT, NONE, NONE, D(2027, 2, 28), RULES_END_SHORT },
	/* 資格確認書: up to 5 years, renewal only if the policy says so. */
	{ __LINE__, V_DEFAULT, RULES_CERT_KAKUNIN, 0, D(2024, 12, 2), ADULT, NONE, NONE, D(2029, 12, 1), RULES_END_KAKUNIN },
	{ __LINE__, V_DEFAULT, RULES_CERT_KAKUNIN, 0, D(2028, 2, 29), ADULT, NONE, NONE, D(2033, 2, 28), RULES_END_KAKUNIN },
	{ __LINE__, V_KAKUNIN1, RULES_CERT_KAKUNIN, 0, D(2024, 12, 2), ADULT, NONE, NONE, D(2025, 12, 1), RULES_END_KAKUNIN },
	{ __LINE__, V_KAKUNIN_RENEW, RULES_CERT_KAKUNIN, 0, D(2024, 12, 2), ADULT, NONE, NONE, D(2025, 7, 31), RULES_END_RENEWAL },
	/* The March 31 after reaching 18 (reached the day before the birthday). */
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2025, 8, 1), D(2008, 4, 1), NONE, NONE, D(2026, 3, 31), RULES_END_AGE18 },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2025, 8, 1), D(2008, 4, 2), NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(2008, 4, 2), NONE, NONE, D(2027, 3, 31), RULES_END_AGE18 },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2025, 8, 1), D(2008, 2, 29), NONE, NONE, D(2026, 3, 31), RULES_END_AGE18 },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2025, 8, 1), D(2008, 3, 31), NONE, NONE, D(2026, 3, 31), RULES_END_AGE18 },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2026, 3, 31), D(2008, 4, 1), NONE, NONE, D(2026, 3, 31), RULES_END_AGE18 },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2026, 4, 1), D(2008, 4, 1), NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(2007, 6, 1), NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_UNDER18, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(2020, 6, 1), NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2025, 8, 1), D(2008, 4, 1), NONE, NONE, D(2026, 7, 31), RULES_END_RENEWAL },
	/* The end of a foreigner's stay; the loss date. */
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, D(2026, 12, 15), NONE, D(2026, 12, 15), RULES_END_STAY },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, D(2026, 8, 1), NONE, D(2026, 8, 1), RULES_END_STAY },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, D(2029, 1, 1), NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, D(2026, 10, 1), D(2026, 9, 30), RULES_END_LOSS },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, D(2026, 8, 2), D(2026, 8, 1), RULES_END_LOSS },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 3, D(2026, 8, 1), ADULT, D(2026, 9, 30), D(2026, 9, 15), D(2026, 9, 14), RULES_END_LOSS },
	/* Ties go to the more specific reason. */
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, D(2027, 8, 1), D(2027, 7, 31), RULES_END_LOSS },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, D(2027, 7, 31), NONE, D(2027, 7, 31), RULES_END_STAY },
	{ __LINE__, V_DEFAULT, RULES_CERT_SHORT, 3, D(2026, 5, 1), ADULT, NONE, NONE, D(2026, 7, 31), RULES_END_SHORT },
	/* The day before the 75th birthday. */
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1951, 9, 10), NONE, NONE, D(2026, 9, 9), RULES_END_AGE75 },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1951, 8, 2), NONE, NONE, D(2026, 8, 1), RULES_END_AGE75 },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1952, 2, 29), NONE, NONE, D(2027, 2, 28), RULES_END_AGE75 },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1953, 2, 28), NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_NO75, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1951, 9, 10), NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_NO75, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1930, 1, 1), NONE, NONE, D(2027, 7, 31), RULES_END_RENEWAL },
	/* Before 2008-04 the 75-and-over stayed in NHI until 2008-03-31. */
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2007, 8, 1), D(1930, 1, 1), NONE, NONE, D(2008, 3, 31), RULES_END_AGE75 },
	{ __LINE__, V_DEFAULT, RULES_CERT_REGULAR, 0, D(2007, 8, 1), D(1933, 6, 1), NONE, NONE, D(2008, 5, 31), RULES_END_AGE75 },
};

static void
test_validity_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(validity_cases); i++) {
		struct rules_policy p;
		struct rules_validity_in in;
		struct nhi_date end;
		enum rules_end_reason why = 0;
		char got[16], want[16];
		int r;

		policy_for(validity_cases[i].v, &p);
		memset(&in, 0, sizeof(in));
		in.kind = validity_cases[i].kind;
		in.short_months = validity_cases[i].months;
		in.from = validity_cases[i].from;
		in.birth = validity_cases[i].birth;
		in.has_stay_end = validity_cases[i].stay_end.y != 0;
		in.stay_end = validity_cases[i].stay_end;
		in.has_loss = validity_cases[i].loss.y != 0;
		in.loss = validity_cases[i].loss;
		r = rules_validity_end(&p, &in, &end, &why);
		if (r != 0)
			fail_msg("line %d: %d %s", validity_cases[i].line, r, err_detail());
		date_format(&end, got, sizeof(got));
		date_format(&validity_cases[i].end, want, sizeof(want));
		if (strcmp(got, want) != 0 || why != validity_cases[i].why)
			fail_msg("line %d: got %s (%s), want %s (%s)",
			    validity_cases[i].line, got, rules_end_reason_name(why), want,
			    rules_end_reason_name(validity_cases[i].why));
		/* The end never precedes the start. */
		assert_true(date_cmp(&end, &in.from) >= 0);
	}
}

static void
test_validity_errors(void **state)
{
	static const struct {
		int line;
		enum rules_cert_kind kind;
		int months;
		struct nhi_date from, birth, stay_end, loss;
		int code;
		const char *detail;
	} bad[] = {
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 2, 30), ADULT, NONE, NONE, NHI_ERANGE, "start date 2026-02-30" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(2026, 13, 1), NONE, NONE, NHI_ERANGE, "birth date" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(2026, 8, 2), NONE, NONE, NHI_ERANGE, "before birth" },
		{ __LINE__, 0, 0, D(2026, 8, 1), ADULT, NONE, NONE, NHI_ERANGE, "unknown certificate kind 0" },
		{ __LINE__, 5, 0, D(2026, 8, 1), ADULT, NONE, NONE, NHI_ERANGE, "unknown certificate kind 5" },
		{ __LINE__, RULES_CERT_SHORT, 2, D(2026, 8, 1), ADULT, NONE, NONE, NHI_ERANGE, "of 2 months" },
		{ __LINE__, RULES_CERT_SHORT, 0, D(2026, 8, 1), ADULT, NONE, NONE, NHI_ERANGE, "of 0 months" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, D(2026, 8, 1), NHI_ERANGE, "loss date on or before" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, D(2026, 7, 1), NHI_ERANGE, "loss date on or before" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, NONE, D(2026, 9, 31), NHI_ERANGE, "loss date is not" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, D(2026, 7, 31), NONE, NHI_ERANGE, "stay ended before" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), ADULT, D(2026, 6, 31), NONE, NHI_ERANGE, "end of stay is not" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1951, 8, 1), NONE, NONE, NHI_EREFUSED, "75 or older" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2026, 8, 1), D(1940, 1, 1), NONE, NONE, NHI_EREFUSED, "後期高齢者医療" },
		{ __LINE__, RULES_CERT_REGULAR, 0, D(2008, 4, 1), D(1930, 1, 1), NONE, NONE, NHI_EREFUSED, "75 or older" },
	};
	struct rules_policy p;
	size_t i;

	(void)state;
	rules_policy_defaults(&p);
	for (i = 0; i < NHI_ARRAY_LEN(bad); i++) {
		struct rules_validity_in in;
		struct nhi_date end = D(1, 1, 1);
		int r;

		memset(&in, 0, sizeof(in));
		in.kind = bad[i].kind;
		in.short_months = bad[i].months;
		in.from = bad[i].from;
		in.birth = bad[i].birth;
		in.has_stay_end = bad[i].stay_end.y != 0;
		in.stay_end = bad[i].stay_end;
		in.has_loss = bad[i].loss.y != 0;
		in.loss = bad[i].loss;
		r = rules_validity_end(&p, &in, &end, NULL);
		if (r != bad[i].code || strstr(err_detail(), bad[i].detail) == NULL)
			fail_msg("line %d: %d '%s'", bad[i].line, r, err_detail());
		assert_int_equal(end.y, 1);
	}
}

static void
test_reason_names(void **state)
{
	int why;

	(void)state;
	for (why = RULES_END_RENEWAL; why <= RULES_END_LOSS; why++)
		assert_string_not_equal(rules_end_reason_name(why), "unknown");
	assert_string_equal(rules_end_reason_name(0), "unknown");
}

static void
test_elderly(void **state)
{
	static const struct { struct nhi_date birth, start, last; } cases[] = {
		{ D(1956, 3, 15), D(2026, 4, 1), D(2031, 3, 14) },
		/* Born on the 1st: from the birthday month. */
		{ D(1956, 3, 1), D(2026, 3, 1), D(2031, 2, 28) },
		{ D(1956, 1, 1), D(2026, 1, 1), D(2030, 12, 31) },
		{ D(1956, 4, 1), D(2026, 4, 1), D(2031, 3, 31) },
		{ D(1956, 4, 2), D(2026, 5, 1), D(2031, 4, 1) },
		{ D(1956, 12, 31), D(2027, 1, 1), D(2031, 12, 30) },
		{ D(1956, 12, 2), D(2027, 1, 1), D(2031, 12, 1) },
		/* Feb 29: reaches 70 on Feb 28 in a common year. */
		{ D(1956, 2, 29), D(2026, 3, 1), D(2031, 2, 28) },
		{ D(1954, 3, 1), D(2024, 3, 1), D(2029, 2, 28) },
		{ D(1953, 2, 28), D(2023, 3, 1), D(2028, 2, 27) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct nhi_date s, l, before, after;
		char a[16], b[16];

		rules_elderly_start(&cases[i].birth, &s);
		rules_nhi_last_day(&cases[i].birth, &l);
		date_format(&s, a, sizeof(a));
		date_format(&cases[i].start, b, sizeof(b));
		if (strcmp(a, b) != 0)
			fail_msg("case %zu start %s want %s", i, a, b);
		date_format(&l, a, sizeof(a));
		date_format(&cases[i].last, b, sizeof(b));
		if (strcmp(a, b) != 0)
			fail_msg("case %zu last %s want %s", i, a, b);
		date_add_days(&s, -1, &before);
		date_add_days(&l, 1, &after);
		assert_false(rules_elderly_applies(&cases[i].birth, &before));
		assert_true(rules_elderly_applies(&cases[i].birth, &s));
		assert_true(rules_elderly_applies(&cases[i].birth, &l));
		assert_false(rules_elderly_applies(&cases[i].birth, &after));
		assert_int_equal(date_age(&cases[i].birth, &l), 74);
		assert_int_equal(date_age(&cases[i].birth, &after), 75);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validity_table),
		cmocka_unit_test(test_validity_errors),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_elderly),
	};
	return cmocka_run_group_tests_name("rules-validity", tests, NULL, NULL);
}
