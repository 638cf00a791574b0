/* Unit tests of the card decision (rules-card.c): the study's table 3-1 and
 * fig. 5-1, domain.md's "Who gets which card", both law eras. */
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

enum variant {
	V_TODAY,	/* defaults: 2012 rules, late-elderly, paper if no card */
	V_2005,		/* the study's rules: 1 year stay, no Juki card for foreigners */
	V_STANDALONE,	/* no_juki = standalone */
	V_NO75,		/* before 2008-04 */
	V_MIXED,	/* 2012 stay rule, 2005 Juki rule */
};

static void
policy_for(enum variant v, struct rules_policy *p)
{
	rules_policy_defaults(p);
	switch (v) {
	case V_TODAY:
		break;
	case V_2005:
		p->foreign_stay = RULES_LAW_2005;
		p->foreign_juki = RULES_LAW_2005;
		break;
	case V_STANDALONE:
		p->no_juki = RULES_NO_JUKI_STANDALONE;
		break;
	case V_NO75:
		p->late_elderly = 0;
		break;
	case V_MIXED:
		p->foreign_juki = RULES_LAW_2005;
		break;
	}
}

/* Shorthands for the person columns. */
#define CITIZEN(age, juki, wants)	{ (age), 1, 0, 0, RULES_STAY_ORDINARY, 1, 0, (juki), (wants) }
#define FOREIGN(months, status, reg, juki, wants) \
	{ 40, 1, 1, (months), (status), (reg), 0, (juki), (wants) }
#define NONE_	RULES_JUKI_NONE
#define OURS	RULES_JUKI_THIS_TOWN
#define OTHER	RULES_JUKI_OTHER_TOWN
#define ORD	RULES_STAY_ORDINARY

static const struct {
	int			 line;
	enum variant		 v;
	struct rules_person	 who;
	enum rules_card_kind	 card;
	enum rules_card_reason	 reason;
	int			 paper;
} cases[] = {
	/* Residents insured by this town (table 3-1 row 1). */
	{ __LINE__, V_TODAY, CITIZEN(40, OURS, 0), RULES_CARD_JUKI_EXISTING, RULES_REASON_HAS_JUKI, 1 },
	{ __LINE__, V_TODAY, CITIZEN(40, OURS, 1), RULES_CARD_JUKI_EXISTING, RULES_REASON_HAS_JUKI, 1 },
	{ __LINE__, V_TODAY, CITIZEN(40, NONE_, 1), RULES_CARD_JUKI_NEW, RULES_REASON_WANTS_JUKI, 1 },
	{ __LINE__, V_TODAY, CITIZEN(40, NONE_, 0), RULES_CARD_NONE, RULES_REASON_NO_JUKI, 1 },
	{ __LINE__, V_STANDALONE, CITIZEN(40, NONE_, 0), RULES_CARD_STANDALONE, RULES_REASON_NO_JUKI, 1 },
	{ __LINE__, V_TODAY, CITIZEN(40, OTHER, 0), RULES_CARD_STANDALONE, RULES_REASON_OTHER_TOWN_CARD, 1 },
	{ __LINE__, V_TODAY, CITIZEN(40, OTHER, 1), RULES_CARD_JUKI_NEW, RULES_REASON_WANTS_JUKI, 1 },
	{ __LINE__, V_TODAY, CITIZEN(0, NONE_, 1), RULES_CARD_JUKI_NEW, RULES_REASON_WANTS_JUKI, 1 },
	{ __LINE__, V_TODAY, CITIZEN(74, OURS, 0), RULES_CARD_JUKI_EXISTING, RULES_REASON_HAS_JUKI, 1 },
	/* 75 and over: late-elderly scheme since 2008-04. */
	{ __LINE__, V_TODAY, CITIZEN(75, OURS, 0), RULES_CARD_NONE, RULES_REASON_LATE_ELDERLY, 0 },
	{ __LINE__, V_TODAY, CITIZEN(90, NONE_, 1), RULES_CARD_NONE, RULES_REASON_LATE_ELDERLY, 0 },
	{ __LINE__, V_NO75, CITIZEN(80, OURS, 0), RULES_CARD_JUKI_EXISTING, RULES_REASON_HAS_JUKI, 1 },
	/* Not insured here (table 3-1 row 2): nothing for NHI. */
	{ __LINE__, V_TODAY, { 40, 0, 0, 0, ORD, 1, 0, OURS, 1 }, RULES_CARD_NONE, RULES_REASON_NOT_INSURED, 0 },
	{ __LINE__, V_TODAY, { 40, 0, 1, 60, ORD, 1, 1, NONE_, 0 }, RULES_CARD_NONE, RULES_REASON_NOT_INSURED, 0 },
	/* 住所地特例 (row 4): standalone card, whatever they hold. */
	{ __LINE__, V_TODAY, { 20, 1, 0, 0, ORD, 0, 1, NONE_, 1 }, RULES_CARD_STANDALONE, RULES_REASON_TOKUREI, 1 },
	{ __LINE__, V_TODAY, { 75, 1, 0, 0, ORD, 0, 1, OTHER, 0 }, RULES_CARD_NONE, RULES_REASON_LATE_ELDERLY, 0 },
	{ __LINE__, V_TODAY, { 70, 1, 0, 0, ORD, 0, 1, OTHER, 0 }, RULES_CARD_STANDALONE, RULES_REASON_TOKUREI, 1 },
	{ __LINE__, V_2005, { 19, 1, 0, 0, ORD, 0, 1, OURS, 0 }, RULES_CARD_STANDALONE, RULES_REASON_TOKUREI, 1 },
	/* Foreign residents today (2012 rules). */
	{ __LINE__, V_TODAY, FOREIGN(6, ORD, 1, NONE_, 0), RULES_CARD_NONE, RULES_REASON_NO_JUKI, 1 },
	{ __LINE__, V_TODAY, FOREIGN(6, ORD, 1, NONE_, 1), RULES_CARD_JUKI_NEW, RULES_REASON_WANTS_JUKI, 1 },
	{ __LINE__, V_TODAY, FOREIGN(4, ORD, 1, OURS, 0), RULES_CARD_JUKI_EXISTING, RULES_REASON_HAS_JUKI, 1 },
	{ __LINE__, V_TODAY, FOREIGN(3, ORD, 1, NONE_, 1), RULES_CARD_NONE, RULES_REASON_FOREIGN_STAY, 0 },
	{ __LINE__, V_TODAY, FOREIGN(1, ORD, 1, NONE_, 0), RULES_CARD_NONE, RULES_REASON_FOREIGN_STAY, 0 },
	{ __LINE__, V_TODAY, FOREIGN(12, ORD, 0, NONE_, 0), RULES_CARD_NONE, RULES_REASON_FOREIGN_UNREGISTERED, 0 },
	{ __LINE__, V_TODAY, FOREIGN(12, RULES_STAY_SHORT_TERM, 1, NONE_, 0), RULES_CARD_NONE, RULES_REASON_FOREIGN_STATUS, 0 },
	{ __LINE__, V_TODAY, FOREIGN(36, RULES_STAY_DIPLOMAT, 1, NONE_, 1), RULES_CARD_NONE, RULES_REASON_FOREIGN_STATUS, 0 },
	{ __LINE__, V_TODAY, FOREIGN(12, RULES_STAY_DESIGNATED_EXCLUDED, 1, NONE_, 0), RULES_CARD_NONE, RULES_REASON_FOREIGN_STATUS, 0 },
	/* Foreign residents in the study (2005): 1 year+, standalone card. */
	{ __LINE__, V_2005, FOREIGN(12, ORD, 0, NONE_, 1), RULES_CARD_STANDALONE, RULES_REASON_FOREIGN_NO_JUKI, 1 },
	{ __LINE__, V_2005, FOREIGN(24, ORD, 0, NONE_, 0), RULES_CARD_STANDALONE, RULES_REASON_FOREIGN_NO_JUKI, 1 },
	{ __LINE__, V_2005, FOREIGN(11, ORD, 1, NONE_, 0), RULES_CARD_NONE, RULES_REASON_FOREIGN_STAY, 0 },
	{ __LINE__, V_2005, FOREIGN(6, ORD, 1, NONE_, 1), RULES_CARD_NONE, RULES_REASON_FOREIGN_STAY, 0 },
	{ __LINE__, V_2005, FOREIGN(24, RULES_STAY_DIPLOMAT, 0, NONE_, 0), RULES_CARD_NONE, RULES_REASON_FOREIGN_STATUS, 0 },
	{ __LINE__, V_2005, CITIZEN(40, NONE_, 1), RULES_CARD_JUKI_NEW, RULES_REASON_WANTS_JUKI, 1 },
	/* The stay switch and the Juki switch are independent. */
	{ __LINE__, V_MIXED, FOREIGN(6, ORD, 1, NONE_, 1), RULES_CARD_STANDALONE, RULES_REASON_FOREIGN_NO_JUKI, 1 },
	{ __LINE__, V_MIXED, FOREIGN(3, ORD, 1, NONE_, 1), RULES_CARD_NONE, RULES_REASON_FOREIGN_STAY, 0 },
};

static void
test_decisions(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_policy p;
		struct rules_card_decision d;

		policy_for(cases[i].v, &p);
		memset(&d, 0xa5, sizeof(d));
		rules_card_decide(&p, &cases[i].who, &d);
		if (d.card != cases[i].card || d.reason != cases[i].reason ||
		    d.paper_certificate != cases[i].paper)
			fail_msg("line %d: card %d reason %d paper %d (%s)",
			    cases[i].line, d.card, d.reason,
			    d.paper_certificate, d.reason_en);
		assert_non_null(d.reason_key);
		assert_non_null(d.reason_en);
		assert_true(strlen(d.reason_key) > 0);
		assert_true(strlen(d.reason_en) > 0);
	}
}

/* Every reason has its own Japanese and English text. */
static void
test_reason_texts(void **state)
{
	struct rules_policy p;
	const char *seen_key[32] = { NULL }, *seen_en[32] = { NULL };
	size_t i, j, n = 0;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct rules_card_decision d;
		int dup = 0;

		policy_for(cases[i].v, &p);
		rules_card_decide(&p, &cases[i].who, &d);
		for (j = 0; j < n; j++)
			if (strcmp(seen_en[j], d.reason_en) == 0) {
				assert_string_equal(seen_key[j], d.reason_key);
				dup = 1;
			} else
				assert_string_not_equal(seen_key[j], d.reason_key);
		if (!dup) {
			seen_key[n] = d.reason_key;
			seen_en[n] = d.reason_en;
			n++;
		}
	}
	/* The table reaches every reason. */
	assert_int_equal(n, RULES_REASON_NO_JUKI);
}

static void
test_stay_status_text(void **state)
{
	static const struct { const char *text; enum rules_stay_status want; } texts[] = {
		{ "永住者", RULES_STAY_ORDINARY },
		{ "技術・人文知識・国際業務", RULES_STAY_ORDINARY },
		{ "留学", RULES_STAY_ORDINARY },
		{ "特定活動", RULES_STAY_ORDINARY },
		{ "特定活動（ワーキング・ホリデー）", RULES_STAY_ORDINARY },
		{ "", RULES_STAY_ORDINARY },
		{ NULL, RULES_STAY_ORDINARY },
		{ "短期滞在", RULES_STAY_SHORT_TERM },
		{ "外交", RULES_STAY_DIPLOMAT },
		{ "公用", RULES_STAY_DIPLOMAT },
		{ "特定活動（医療滞在）", RULES_STAY_DESIGNATED_EXCLUDED },
		{ "特定活動（医療滞在者の同伴者）", RULES_STAY_DESIGNATED_EXCLUDED },
		{ "特定活動（観光・保養を目的とするロングステイ）", RULES_STAY_DESIGNATED_EXCLUDED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(texts); i++)
		if (rules_stay_status_from_text(texts[i].text) != texts[i].want)
			fail_msg("'%s': %d", texts[i].text ? texts[i].text : "(null)",
			    rules_stay_status_from_text(texts[i].text));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_reason_texts),
		cmocka_unit_test(test_stay_status_text),
	};
	return cmocka_run_group_tests_name("rules-card", tests, NULL, NULL);
}
