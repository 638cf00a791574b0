/* Unit tests of the sanity checks on imported NHI periods
 * (rules-eligibility.c): each finding, its field, and records that pass. */
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
#define OPEN { D(0, 0, 0), 0, D(0, 0, 0) }
#define PERIOD(f, t) { f, 1, t }
#define FROM(f) { f, 0, D(0, 0, 0) }

/* A 45-year-old insured since 2020, checked on 2026-11-24: no findings. */
static struct rules_nhi_record
base(void)
{
	struct rules_nhi_record r;

	memset(&r, 0, sizeof(r));
	r.birth = D(1981, 6, 15);
	r.nhi.from = D(2020, 4, 1);
	r.on = D(2026, 11, 24);
	return r;
}

enum tweak {
	T_NONE, T_BEFORE_BIRTH, T_LOSS_SAME, T_LOSS_BEFORE, T_BAD_FROM,
	T_BAD_BIRTH, T_BAD_TO, T_BAD_ON, T_AGE75_OPEN, T_AGE75_ENDS_ON_BIRTHDAY,
	T_AGE75_ENDS_AFTER, T_AGE75_BEFORE_2008, T_AGE75_BEFORE_2008_LONG,
	T_AGE75_FEB29, T_WELFARE_OVERLAP, T_WELFARE_ADJACENT, T_WELFARE_OPEN,
	T_EMPLOYEE_OVERLAP, T_EMPLOYEE_BEFORE, T_BAD_WELFARE, T_BURDEN_YOUNG,
	T_BURDEN_OK, T_BURDEN_MISSING, T_BURDEN_MISSING_NOT_IN_NHI,
	T_BURDEN_BAD_VALUE, T_BURDEN_DAY_BEFORE, T_BURDEN_BORN_1ST,
	T_BURDEN_AHEAD, T_BURDEN_AHEAD_EARLY, T_BURDEN_AHEAD_BORN_1ST,
	T_BURDEN_AHEAD_BORN_2ND, T_BURDEN_FROM_PAST, T_BURDEN_FROM_AT_75,
	T_BURDEN_ENDS_AT_75, T_BURDEN_ENDED_YOUNG, T_BURDEN_AHEAD_MOVED_OUT,
	T_BURDEN_LOST_ON_START,
	T_FOREIGN_OK, T_FOREIGN_3M, T_FOREIGN_4M, T_FOREIGN_SHORT_TERM,
	T_FOREIGN_DIPLOMAT, T_FOREIGN_2005_11M, T_MANY,
};

static void
apply(enum tweak t, struct rules_nhi_record *r, struct rules_policy *p)
{
	switch (t) {
	case T_NONE:
		break;
	case T_BEFORE_BIRTH:
		r->nhi.from = D(1981, 6, 14);
		break;
	case T_LOSS_SAME:
		r->nhi.has_to = 1;
		r->nhi.to = r->nhi.from;
		break;
	case T_LOSS_BEFORE:
		r->nhi.has_to = 1;
		r->nhi.to = D(2019, 3, 31);
		break;
	case T_BAD_FROM:
		r->nhi.from = D(2020, 2, 30);
		break;
	case T_BAD_BIRTH:
		r->birth = D(1981, 0, 15);
		break;
	case T_BAD_TO:
		r->nhi.has_to = 1;
		r->nhi.to = D(2026, 4, 31);
		break;
	case T_BAD_ON:
		r->on = D(2026, 11, 31);
		break;
	case T_AGE75_OPEN:
		r->birth = D(1950, 1, 10);
		r->nhi.from = D(2010, 1, 1);
		break;
	case T_AGE75_ENDS_ON_BIRTHDAY:
		r->birth = D(1950, 1, 10);
		r->nhi.from = D(2010, 1, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2025, 1, 10);
		r->on = D(2024, 1, 10);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_AGE75_ENDS_AFTER:
		r->birth = D(1950, 1, 10);
		r->nhi.from = D(2010, 1, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2025, 1, 11);
		r->on = D(2024, 1, 10);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_AGE75_BEFORE_2008:
		r->birth = D(1920, 5, 5);
		r->nhi.from = D(1990, 1, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2008, 4, 1);
		r->on = D(1990, 1, 1);
		break;
	case T_AGE75_BEFORE_2008_LONG:
		r->birth = D(1920, 5, 5);
		r->nhi.from = D(1990, 1, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2008, 4, 2);
		r->on = D(1990, 1, 1);
		break;
	case T_AGE75_FEB29:
		/* 75th birthday 2027-03-01: a loss on 03-01 is right. */
		r->birth = D(1952, 2, 29);
		r->nhi.from = D(2012, 4, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2027, 3, 1);
		r->on = D(2026, 11, 24);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_WELFARE_OVERLAP:
		r->has_welfare = 1;
		r->welfare = (struct rules_period)PERIOD(D(2024, 1, 1), D(2025, 1, 1));
		break;
	case T_WELFARE_ADJACENT:
		r->nhi.has_to = 1;
		r->nhi.to = D(2024, 1, 1);
		r->on = D(2023, 1, 1);
		r->has_welfare = 1;
		r->welfare = (struct rules_period)FROM(D(2024, 1, 1));
		break;
	case T_WELFARE_OPEN:
		r->has_welfare = 1;
		r->welfare = (struct rules_period)FROM(D(2010, 1, 1));
		break;
	case T_EMPLOYEE_OVERLAP:
		r->has_employee = 1;
		r->employee = (struct rules_period)PERIOD(D(2019, 4, 1), D(2020, 4, 2));
		break;
	case T_EMPLOYEE_BEFORE:
		r->has_employee = 1;
		r->employee = (struct rules_period)PERIOD(D(2019, 4, 1), D(2020, 4, 1));
		break;
	case T_BAD_WELFARE:
		r->has_welfare = 1;
		r->welfare = (struct rules_period)PERIOD(D(2024, 13, 1), D(2025, 1, 1));
		break;
	case T_BURDEN_YOUNG:
		r->has_burden = 1;
		r->burden_pct = 30;
		break;
	case T_BURDEN_OK:
		r->birth = D(1955, 6, 15);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_BURDEN_MISSING:
		r->birth = D(1955, 6, 15);
		break;
	case T_BURDEN_MISSING_NOT_IN_NHI:
		r->birth = D(1955, 6, 15);
		r->nhi.has_to = 1;
		r->nhi.to = D(2026, 1, 1);
		break;
	case T_BURDEN_BAD_VALUE:
		r->birth = D(1955, 6, 15);
		r->has_burden = 1;
		r->burden_pct = 25;
		break;
	case T_BURDEN_DAY_BEFORE:
		/* 70 on 2026-12-01 (reached 11-30): from 2026-12-01, not 11-24. */
		r->birth = D(1956, 12, 1);
		r->on = D(2026, 11, 30);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_BURDEN_BORN_1ST:
		r->birth = D(1956, 12, 1);
		r->on = D(2026, 12, 1);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_BURDEN_AHEAD:
		/* Turns 70 on 2026-11-15 (reached 11-14): the window opens
		 * 2026-12-01, and a ratio effective then is sent in November. */
		r->birth = D(1956, 11, 15);
		r->on = D(2026, 11, 20);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2026, 12, 1);
		break;
	case T_BURDEN_AHEAD_EARLY:
		/* The same person with a ratio effective a month early. */
		r->birth = D(1956, 11, 15);
		r->on = D(2026, 11, 20);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2026, 11, 30);
		break;
	case T_BURDEN_AHEAD_BORN_1ST:
		/* Born on the 1st: reaches 70 on 11-30, window from 12-01. */
		r->birth = D(1956, 12, 1);
		r->on = D(2026, 11, 1);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2026, 12, 1);
		break;
	case T_BURDEN_AHEAD_BORN_2ND:
		/* Born on the 2nd: reaches 70 on 12-01, window from 2027-01-01. */
		r->birth = D(1956, 12, 2);
		r->on = D(2026, 11, 1);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2026, 12, 1);
		break;
	case T_BURDEN_FROM_PAST:
		/* An effective date in the past: the ratio is judged on `on`. */
		r->birth = D(1955, 6, 15);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2025, 7, 1);
		break;
	case T_BURDEN_FROM_AT_75:
		/* Effective on the 75th birthday: 後期高齢者医療 by then. */
		r->birth = D(1952, 1, 10);
		r->on = D(2026, 11, 24);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2027, 1, 10);
		break;
	case T_BURDEN_ENDS_AT_75:
		/* The town's record of the loss on the 75th birthday (docs/
		 * formats.md "NHI-only changes"): dated that day, the period as
		 * it was, ratio included, with its loss date (issue 26: the
		 * year's simulation met one a week). No finding. */
		r->birth = D(1952, 1, 10);
		r->nhi.from = D(2017, 4, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2027, 1, 10);
		r->on = D(2027, 1, 10);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2022, 2, 1);
		break;
	case T_BURDEN_AHEAD_MOVED_OUT:
		/* Turned 70 on 2027-08-15, the ratio sent ahead from 09-01,
		 * moved out on 08-17 (NHI ends 08-18): the move-out record
		 * carries the ratio that never came into force. No finding. */
		r->birth = D(1957, 8, 15);
		r->nhi.from = D(2015, 4, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2027, 8, 18);
		r->on = D(2027, 8, 17);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2027, 9, 1);
		break;
	case T_BURDEN_LOST_ON_START:
		/* Turned 70 on 2027-05-08, the ratio from 06-01; the record
		 * of 06-01 ends NHI that very day (the last day 05-31): the
		 * ratio never came into force. No finding (issue 26: the
		 * year's simulation held it as BURDEN_OUTSIDE on 05-31). */
		r->birth = D(1957, 5, 8);
		r->nhi.from = D(2026, 4, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2027, 6, 1);
		r->on = D(2027, 6, 1);
		r->has_burden = 1;
		r->burden_pct = 20;
		r->has_burden_from = 1;
		r->burden_from = D(2027, 6, 1);
		break;
	case T_BURDEN_ENDED_YOUNG:
		/* An ended period still judged on its last day: 65 then. */
		r->birth = D(1960, 1, 10);
		r->nhi.from = D(2017, 4, 1);
		r->nhi.has_to = 1;
		r->nhi.to = D(2025, 6, 1);
		r->on = D(2026, 11, 24);
		r->has_burden = 1;
		r->burden_pct = 20;
		break;
	case T_FOREIGN_OK:
		r->foreign = 1;
		r->stay_months = 12;
		break;
	case T_FOREIGN_3M:
		r->foreign = 1;
		r->stay_months = 3;
		break;
	case T_FOREIGN_4M:
		r->foreign = 1;
		r->stay_months = 4;
		break;
	case T_FOREIGN_SHORT_TERM:
		r->foreign = 1;
		r->stay_months = 24;
		r->stay_status = RULES_STAY_SHORT_TERM;
		break;
	case T_FOREIGN_DIPLOMAT:
		r->foreign = 1;
		r->stay_months = 36;
		r->stay_status = RULES_STAY_DIPLOMAT;
		break;
	case T_FOREIGN_2005_11M:
		p->foreign_stay = RULES_LAW_2005;
		r->foreign = 1;
		r->stay_months = 11;
		break;
	case T_MANY:
		r->birth = D(1940, 1, 1);
		r->nhi.from = D(1939, 1, 1);
		r->has_burden = 1;
		r->burden_pct = 99;
		r->foreign = 1;
		r->stay_months = 1;
		r->has_welfare = 1;
		r->welfare = (struct rules_period)FROM(D(2000, 1, 1));
		r->has_employee = 1;
		r->employee = (struct rules_period)FROM(D(2000, 1, 1));
		break;
	}
}

#define MAXF 8
static const struct {
	int line;
	enum tweak t;
	enum rules_finding_code codes[MAXF];	/* in order, 0-terminated */
	const char *field;			/* of the first finding */
	const char *text;			/* in the first message */
} cases[] = {
	{ __LINE__, T_NONE, { 0 }, NULL, NULL },
	{ __LINE__, T_BEFORE_BIRTH, { RULES_F_BEFORE_BIRTH }, "nhi.from", "before the birth" },
	{ __LINE__, T_LOSS_SAME, { RULES_F_LOSS_NOT_AFTER_ACQ }, "nhi.to", "on or before the acquisition" },
	{ __LINE__, T_LOSS_BEFORE, { RULES_F_LOSS_NOT_AFTER_ACQ }, "nhi.to", "nhi.to: loss date" },
	{ __LINE__, T_BAD_FROM, { RULES_F_BAD_DATE }, "nhi.from", "nhi.from is not a valid day" },
	{ __LINE__, T_BAD_BIRTH, { RULES_F_BAD_DATE }, "birth", "birth is not a valid day" },
	{ __LINE__, T_BAD_TO, { RULES_F_BAD_DATE }, "nhi.to", "nhi.to is not" },
	{ __LINE__, T_BAD_ON, { RULES_F_BAD_DATE }, "on", "check date" },
	{ __LINE__, T_AGE75_OPEN, { RULES_F_LATE_ELDERLY }, "nhi.to", "on or after 2025-01-10" },
	{ __LINE__, T_AGE75_ENDS_ON_BIRTHDAY, { 0 }, NULL, NULL },
	{ __LINE__, T_AGE75_ENDS_AFTER, { RULES_F_LATE_ELDERLY }, "nhi.to", "75 or older" },
	{ __LINE__, T_AGE75_BEFORE_2008, { 0 }, NULL, NULL },
	{ __LINE__, T_AGE75_BEFORE_2008_LONG, { RULES_F_LATE_ELDERLY }, "nhi.to", "2008-04-01" },
	{ __LINE__, T_AGE75_FEB29, { 0 }, NULL, NULL },
	{ __LINE__, T_WELFARE_OVERLAP, { RULES_F_WELFARE_OVERLAP }, "welfare.from", "生活保護" },
	{ __LINE__, T_WELFARE_ADJACENT, { 0 }, NULL, NULL },
	{ __LINE__, T_WELFARE_OPEN, { RULES_F_WELFARE_OVERLAP }, "welfare.from", "public assistance" },
	{ __LINE__, T_EMPLOYEE_OVERLAP, { RULES_F_EMPLOYEE_OVERLAP }, "employee.from", "被用者保険" },
	{ __LINE__, T_EMPLOYEE_BEFORE, { 0 }, NULL, NULL },
	{ __LINE__, T_BAD_WELFARE, { RULES_F_BAD_DATE }, "welfare.from", "welfare.from is not" },
	{ __LINE__, T_BURDEN_YOUNG, { RULES_F_BURDEN_OUTSIDE }, "burden", "on 2026-11-24, outside ages 70-74" },
	{ __LINE__, T_BURDEN_OK, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_MISSING, { RULES_F_BURDEN_MISSING }, "burden", "no burden ratio on 2026-11-24" },
	{ __LINE__, T_BURDEN_MISSING_NOT_IN_NHI, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_BAD_VALUE, { RULES_F_BURDEN_VALUE }, "burden", "25% is not" },
	{ __LINE__, T_BURDEN_DAY_BEFORE, { RULES_F_BURDEN_OUTSIDE }, "burden", "2026-11-30" },
	{ __LINE__, T_BURDEN_BORN_1ST, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_AHEAD, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_AHEAD_EARLY, { RULES_F_BURDEN_OUTSIDE }, "burden", "on 2026-11-30, outside" },
	{ __LINE__, T_BURDEN_AHEAD_BORN_1ST, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_AHEAD_BORN_2ND, { RULES_F_BURDEN_OUTSIDE }, "burden", "on 2026-12-01, outside" },
	{ __LINE__, T_BURDEN_FROM_PAST, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_FROM_AT_75, { RULES_F_BURDEN_OUTSIDE }, "burden", "on 2027-01-10, outside" },
	{ __LINE__, T_BURDEN_ENDS_AT_75, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_AHEAD_MOVED_OUT, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_LOST_ON_START, { 0 }, NULL, NULL },
	{ __LINE__, T_BURDEN_ENDED_YOUNG, { RULES_F_BURDEN_OUTSIDE }, "burden", "on 2025-05-31, outside" },
	{ __LINE__, T_FOREIGN_OK, { 0 }, NULL, NULL },
	{ __LINE__, T_FOREIGN_3M, { RULES_F_FOREIGN_STAY }, "stay_months", "3 months is too short" },
	{ __LINE__, T_FOREIGN_4M, { 0 }, NULL, NULL },
	{ __LINE__, T_FOREIGN_SHORT_TERM, { RULES_F_FOREIGN_STATUS }, "stay_status", "short-term stay" },
	{ __LINE__, T_FOREIGN_DIPLOMAT, { RULES_F_FOREIGN_STATUS }, "stay_status", "diplomat" },
	{ __LINE__, T_FOREIGN_2005_11M, { RULES_F_FOREIGN_STAY }, "stay_months", "2005 rule" },
	{ __LINE__, T_MANY, { RULES_F_BEFORE_BIRTH, RULES_F_LATE_ELDERLY,
	    RULES_F_WELFARE_OVERLAP, RULES_F_EMPLOYEE_OVERLAP,
	    RULES_F_BURDEN_VALUE, RULES_F_BURDEN_OUTSIDE, RULES_F_FOREIGN_STAY },
	    "nhi.from", "before the birth" },
};

static void
test_findings(void **state)
{
	size_t i, j, n, want;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_policy p;
		struct rules_nhi_record r = base();
		struct rules_finding f[RULES_MAX_FINDINGS];

		rules_policy_defaults(&p);
		apply(cases[i].t, &r, &p);
		n = rules_check_nhi_record(&p, &r, f, NHI_ARRAY_LEN(f));
		for (want = 0; want < MAXF && cases[i].codes[want] != 0; want++)
			;
		if (n != want) {
			fail_msg("line %d: %zu findings, want %zu (first: %s %s)",
			    cases[i].line, n, want,
			    n > 0 ? rules_finding_name(f[0].code) : "-",
			    n > 0 ? f[0].message : "");
		}
		for (j = 0; j < n; j++) {
			if (f[j].code != cases[i].codes[j])
				fail_msg("line %d: finding %zu is %s (%s)",
				    cases[i].line, j,
				    rules_finding_name(f[j].code), f[j].message);
			/* Every message names its field. */
			if (strstr(f[j].message, f[j].field) == NULL)
				fail_msg("line %d: '%s' does not name %s",
				    cases[i].line, f[j].message, f[j].field);
		}
		if (n > 0) {
			assert_string_equal(f[0].field, cases[i].field);
			if (strstr(f[0].message, cases[i].text) == NULL)
				fail_msg("line %d: message '%s'", cases[i].line,
				    f[0].message);
		}
	}
}

/* More findings than room: the count is still right, nothing overflows. */
static void
test_truncated(void **state)
{
	struct rules_policy p;
	struct rules_nhi_record r = base();
	struct rules_finding f[3];

	(void)state;
	rules_policy_defaults(&p);
	apply(T_MANY, &r, &p);
	memset(f, 0, sizeof(f));
	assert_int_equal(rules_check_nhi_record(&p, &r, f, 2), 7);
	assert_int_equal(f[0].code, RULES_F_BEFORE_BIRTH);
	assert_int_equal(f[1].code, RULES_F_LATE_ELDERLY);
	assert_int_equal(f[2].code, 0);
	assert_int_equal(rules_check_nhi_record(&p, &r, NULL, 0), 7);
}

static void
test_late_elderly_switch(void **state)
{
	struct rules_policy p;
	struct rules_nhi_record r = base();
	struct rules_finding f[RULES_MAX_FINDINGS];

	(void)state;
	rules_policy_defaults(&p);
	apply(T_AGE75_OPEN, &r, &p);
	assert_int_equal(rules_check_nhi_record(&p, &r, f, RULES_MAX_FINDINGS), 1);
	p.late_elderly = 0;
	assert_int_equal(rules_check_nhi_record(&p, &r, f, RULES_MAX_FINDINGS), 0);
}

static void
test_names(void **state)
{
	int c;

	(void)state;
	for (c = RULES_F_BAD_DATE; c <= RULES_F_FOREIGN_STATUS; c++)
		assert_string_not_equal(rules_finding_name(c), "UNKNOWN");
	assert_string_equal(rules_finding_name(0), "UNKNOWN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_late_elderly_switch),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("rules-eligibility", tests, NULL, NULL);
}
