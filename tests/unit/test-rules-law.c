/* Unit tests of the law of the day (rules-law.c): the document kind on
 * both sides of 2024-12-02, the certificate decision on every path, Juki
 * cards and granted stay lengths. */
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

enum variant { V_TODAY, V_PILOT, V_SWITCH2030 };

static void
policy_for(enum variant v, struct rules_policy *p)
{
	rules_policy_defaults(p);
	if (v == V_PILOT)
		p->has_kakunin_from = p->has_juki_new_until = 0;
	if (v == V_SWITCH2030)
		p->kakunin_from = D(2030, 4, 1);
}

static const struct {
	int			 line;
	enum variant		 v;
	enum rules_cert_kind	 stored;
	struct nhi_date		 birth, on;
	enum rules_cert_kind	 want;
} kind_cases[] = {
	/* The day before and the day of the switch. */
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, D(1980, 5, 10), D(2024, 12, 1), RULES_CERT_REGULAR },
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, D(1980, 5, 10), D(2024, 12, 2), RULES_CERT_KAKUNIN },
	{ __LINE__, V_TODAY, RULES_CERT_SHORT, D(1980, 5, 10), D(2024, 12, 1), RULES_CERT_SHORT },
	{ __LINE__, V_TODAY, RULES_CERT_SHORT, D(1980, 5, 10), D(2024, 12, 2), RULES_CERT_KAKUNIN },
	{ __LINE__, V_TODAY, RULES_CERT_SHIKAKU, D(1980, 5, 10), D(2024, 12, 2), RULES_CERT_KAKUNIN },
	{ __LINE__, V_TODAY, RULES_CERT_KAKUNIN, D(1980, 5, 10), D(2026, 1, 1), RULES_CERT_KAKUNIN },
	/* The pilot's rules keep the old kinds. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, D(1980, 5, 10), D(2026, 12, 2), RULES_CERT_REGULAR },
	{ __LINE__, V_PILOT, RULES_CERT_SHORT, D(1980, 5, 10), D(2026, 12, 2), RULES_CERT_SHORT },
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, D(1980, 5, 10), D(2026, 12, 2), RULES_CERT_SHIKAKU },
	/* A configured switch day. */
	{ __LINE__, V_SWITCH2030, RULES_CERT_REGULAR, D(1980, 5, 10), D(2030, 3, 31), RULES_CERT_REGULAR },
	{ __LINE__, V_SWITCH2030, RULES_CERT_REGULAR, D(1980, 5, 10), D(2030, 4, 1), RULES_CERT_KAKUNIN },
	/* No 資格証明書 for a child up to the March 31 after reaching 18:
	 * born 2006-04-02 reaches 18 on 2024-04-01, so up to 2025-03-31. */
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, D(2006, 4, 2), D(2025, 3, 31), RULES_CERT_SHORT },
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, D(2006, 4, 2), D(2025, 4, 1), RULES_CERT_SHIKAKU },
	/* Born 2006-04-01 reaches 18 on 2024-03-31: up to that very day. */
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, D(2006, 4, 1), D(2024, 3, 31), RULES_CERT_SHORT },
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, D(2006, 4, 1), D(2024, 4, 1), RULES_CERT_SHIKAKU },
	{ __LINE__, V_SWITCH2030, RULES_CERT_SHIKAKU, D(2015, 6, 1), D(2026, 6, 1), RULES_CERT_SHORT },
};

static void
test_document_kind(void **state)
{
	struct rules_policy p;
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(kind_cases); i++) {
		policy_for(kind_cases[i].v, &p);
		if (rules_document_kind(&p, kind_cases[i].stored, &kind_cases[i].birth,
		    &kind_cases[i].on) != kind_cases[i].want)
			fail_msg("line %d: kind %d", kind_cases[i].line,
			    (int)rules_document_kind(&p, kind_cases[i].stored,
			    &kind_cases[i].birth, &kind_cases[i].on));
	}
}

static void
test_titles(void **state)
{
	(void)state;
	assert_string_equal(rules_cert_kind_title(RULES_CERT_REGULAR, 1),
	    "国民健康保険被保険者証兼高齢受給者証");
	assert_string_equal(rules_cert_kind_title(RULES_CERT_REGULAR, 0),
	    "国民健康保険被保険者証");
	assert_string_equal(rules_cert_kind_title(RULES_CERT_KAKUNIN, 0),
	    "国民健康保険資格確認書");
	assert_string_equal(rules_cert_kind_title(RULES_CERT_SHIKAKU, 0),
	    "国民健康保険被保険者資格証明書");
}

#define ADULT D(1980, 5, 10)
enum { F_NONE = 0, F_FOREIGN = 1, F_EXPLICIT = 2 };

static const struct {
	int			 line;
	enum variant		 v;
	enum rules_cert_kind	 stored;
	int			 flags, short_months;
	struct nhi_date		 birth, on, loss, stay_end, typed;
	enum rules_stay_status	 status;
	int			 granted;
	int			 rc;
	enum rules_refusal	 refusal;
	enum rules_cert_kind	 kind;
	struct nhi_date		 end;
	enum rules_end_reason	 why;
} decide_cases[] = {
	/* Today's law: a 資格確認書 for 5 years. */
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_KAKUNIN, D(2031, 12, 1), RULES_END_KAKUNIN },
	/* Pilot: a 被保険者証 to the renewal day, a 6-month 短期証. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_REGULAR, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_PILOT, RULES_CERT_SHORT, F_NONE, 6, ADULT, D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_SHORT, D(2027, 6, 1), RULES_END_SHORT },
	{ __LINE__, V_PILOT, RULES_CERT_SHORT, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_SHORT, D(2027, 6, 1), RULES_END_SHORT },
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_SHIKAKU, D(2027, 7, 31), RULES_END_RENEWAL },
	/* A typed end shortens, never lengthens. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, D(2027, 3, 31), 0, 0, 0, 0, RULES_CERT_REGULAR, D(2027, 3, 31), RULES_END_TYPED },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, D(2029, 3, 31), 0, 0, 0, 0, RULES_CERT_REGULAR, D(2027, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2026, 12, 2), NONE, NONE, D(2026, 12, 1), 0, 0, NHI_ERANGE, RULES_REFUSE_VALIDITY, 0, NONE, 0 },
	/* Never past the last NHI day: born 1952-03-10, 75 on 2027-03-10. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, D(1952, 3, 10), D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_REGULAR, D(2027, 3, 9), RULES_END_AGE75 },
	{ __LINE__, V_TODAY, RULES_CERT_KAKUNIN, F_NONE, 0, D(1952, 3, 10), D(2026, 12, 2), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_KAKUNIN, D(2027, 3, 9), RULES_END_AGE75 },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, D(1952, 3, 10), D(2027, 3, 9), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_REGULAR, D(2027, 3, 9), RULES_END_AGE75 },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, D(1952, 3, 10), D(2027, 3, 10), NONE, NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_LATE_ELDERLY, 0, NONE, 0 },
	/* Born 1900, 1912, 1926: nothing today. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, D(1900, 1, 1), D(2026, 12, 2), NONE, NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_LATE_ELDERLY, 0, NONE, 0 },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, D(1912, 7, 30), D(2026, 12, 2), NONE, NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_LATE_ELDERLY, 0, NONE, 0 },
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_NONE, 0, D(1926, 12, 25), D(2026, 12, 2), NONE, NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_LATE_ELDERLY, 0, NONE, 0 },
	/* The loss date. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2026, 12, 2), D(2027, 1, 15), NONE, NONE, 0, 0, 0, 0, RULES_CERT_REGULAR, D(2027, 1, 14), RULES_END_LOSS },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_NONE, 0, ADULT, D(2027, 1, 15), D(2027, 1, 15), NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_LOST, 0, NONE, 0 },
	/* Foreign residents: the stay end, the status, the granted length. */
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_FOREIGN, 0, ADULT, D(2026, 12, 2), NONE, D(2027, 1, 14), NONE, RULES_STAY_ORDINARY, 36, 0, 0, RULES_CERT_REGULAR, D(2027, 1, 14), RULES_END_STAY },
	{ __LINE__, V_PILOT, RULES_CERT_REGULAR, F_FOREIGN, 0, ADULT, D(2026, 12, 2), NONE, D(2026, 12, 1), NONE, RULES_STAY_ORDINARY, 36, NHI_EREFUSED, RULES_REFUSE_STAY_ENDED, 0, NONE, 0 },
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_FOREIGN, 0, ADULT, D(2026, 12, 2), NONE, D(2027, 12, 1), NONE, RULES_STAY_DESIGNATED_EXCLUDED, 12, NHI_EREFUSED, RULES_REFUSE_STAY_STATUS, 0, NONE, 0 },
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_FOREIGN, 0, ADULT, D(2026, 12, 2), NONE, D(2027, 1, 31), NONE, RULES_STAY_SHORT_TERM, 3, NHI_EREFUSED, RULES_REFUSE_STAY_STATUS, 0, NONE, 0 },
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_FOREIGN, 0, ADULT, D(2026, 12, 2), NONE, D(2027, 1, 31), NONE, RULES_STAY_ORDINARY, 3, NHI_EREFUSED, RULES_REFUSE_STAY_SHORT, 0, NONE, 0 },
	/* 技能実習 granted 36 months, 1.4 months left: still issued. */
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_FOREIGN, 0, ADULT, D(2026, 12, 2), NONE, D(2027, 1, 14), NONE, RULES_STAY_ORDINARY, 36, 0, 0, RULES_CERT_KAKUNIN, D(2027, 1, 14), RULES_END_STAY },
	/* An old kind asked for after the switch is refused with the reason. */
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_EXPLICIT, 0, ADULT, D(2026, 12, 2), NONE, NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_KIND, 0, NONE, 0 },
	{ __LINE__, V_TODAY, RULES_CERT_REGULAR, F_EXPLICIT, 0, ADULT, D(2024, 12, 1), NONE, NONE, NONE, 0, 0, 0, 0, RULES_CERT_REGULAR, D(2025, 7, 31), RULES_END_RENEWAL },
	{ __LINE__, V_PILOT, RULES_CERT_SHIKAKU, F_EXPLICIT, 0, D(2010, 1, 1), D(2026, 12, 2), NONE, NONE, NONE, 0, 0, NHI_EREFUSED, RULES_REFUSE_KIND, 0, NONE, 0 },
};

static void
test_certificate_decide(void **state)
{
	struct rules_policy p;
	struct rules_certificate_in in;
	struct rules_certificate_out out;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(decide_cases); i++) {
		policy_for(decide_cases[i].v, &p);
		memset(&in, 0, sizeof(in));
		in.on = decide_cases[i].on;
		in.birth = decide_cases[i].birth;
		in.stored_kind = decide_cases[i].stored;
		in.explicit_kind = (decide_cases[i].flags & F_EXPLICIT) != 0;
		in.short_months = decide_cases[i].short_months;
		in.has_loss = decide_cases[i].loss.y != 0;
		in.loss = decide_cases[i].loss;
		in.foreign = (decide_cases[i].flags & F_FOREIGN) != 0;
		in.stay_status = decide_cases[i].status;
		in.stay_granted_months = decide_cases[i].granted;
		in.has_stay_end = decide_cases[i].stay_end.y != 0;
		in.stay_end = decide_cases[i].stay_end;
		in.has_typed_end = decide_cases[i].typed.y != 0;
		in.typed_end = decide_cases[i].typed;
		rc = rules_certificate_decide(&p, &in, &out);
		if (rc != decide_cases[i].rc)
			fail_msg("line %d: rc %d (%s)", decide_cases[i].line, rc, err_text(rc));
		if (out.refusal != decide_cases[i].refusal)
			fail_msg("line %d: refusal %d", decide_cases[i].line, (int)out.refusal);
		if (rc != 0) {
			if (err_detail() == NULL || *err_detail() == '\0')
				fail_msg("line %d: no reason given", decide_cases[i].line);
			continue;
		}
		if (out.kind != decide_cases[i].kind ||
		    date_cmp(&out.end, &decide_cases[i].end) != 0 ||
		    out.why != decide_cases[i].why)
			fail_msg("line %d: kind %d end %04d-%02d-%02d why %d",
			    decide_cases[i].line, (int)out.kind, out.end.y, out.end.m,
			    out.end.d, (int)out.why);
	}
}

static const struct {
	int		 line;
	enum variant	 v;
	struct nhi_date	 issue, on;
	int		 rc;
} juki_cases[] = {
	/* Issued 2015-12-28: valid through 2025-12-27. */
	{ __LINE__, V_TODAY, D(2015, 12, 28), D(2025, 12, 27), 0 },
	{ __LINE__, V_TODAY, D(2015, 12, 28), D(2025, 12, 28), NHI_EREFUSED },
	{ __LINE__, V_PILOT, D(2005, 4, 1), D(2015, 3, 31), 0 },
	{ __LINE__, V_PILOT, D(2005, 4, 1), D(2015, 4, 1), NHI_EREFUSED },
	/* Issue day unknown: under today's law the latest possible expiry. */
	{ __LINE__, V_TODAY, NONE, D(2025, 12, 30), 0 },
	{ __LINE__, V_TODAY, NONE, D(2026, 12, 2), NHI_EREFUSED },
	{ __LINE__, V_PILOT, NONE, D(2026, 12, 2), 0 },
	{ __LINE__, V_TODAY, D(2015, 2, 30), D(2020, 1, 1), NHI_ERANGE },
};

static void
test_juki(void **state)
{
	struct rules_policy p;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(juki_cases); i++) {
		policy_for(juki_cases[i].v, &p);
		rc = rules_juki_card_check(&p, juki_cases[i].issue.y != 0,
		    &juki_cases[i].issue, &juki_cases[i].on);
		if (rc != juki_cases[i].rc)
			fail_msg("line %d: rc %d", juki_cases[i].line, rc);
	}
	policy_for(V_TODAY, &p);
	assert_int_equal(rules_juki_new_allowed(&p, &D(2015, 12, 31)), 0);
	assert_int_equal(rules_juki_new_allowed(&p, &D(2016, 1, 1)), NHI_EREFUSED);
	assert_non_null(strstr(err_detail(), "rules.law = pilot"));
	policy_for(V_PILOT, &p);
	assert_int_equal(rules_juki_new_allowed(&p, &D(2026, 12, 2)), 0);
}

static const struct {
	int		 line;
	struct nhi_date	 from, until;
	int		 months;
} stay_cases[] = {
	{ __LINE__, D(2024, 4, 1), D(2027, 3, 31), 36 },
	{ __LINE__, D(2024, 4, 1), D(2024, 6, 30), 3 },
	{ __LINE__, D(2024, 4, 1), D(2024, 7, 1), 3 },
	{ __LINE__, D(2024, 4, 1), D(2024, 6, 29), 2 },
	{ __LINE__, D(2024, 1, 31), D(2024, 2, 29), 1 },
	{ __LINE__, D(2024, 4, 1), D(2024, 3, 1), 0 },
	{ __LINE__, NONE, D(2024, 3, 1), 0 },
};

static void
test_stay_granted(void **state)
{
	size_t i;
	int m;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(stay_cases); i++) {
		m = rules_stay_granted_months(&stay_cases[i].from, &stay_cases[i].until);
		if (m != stay_cases[i].months)
			fail_msg("line %d: %d months", stay_cases[i].line, m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_kind),
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_certificate_decide),
		cmocka_unit_test(test_juki),
		cmocka_unit_test(test_stay_granted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
