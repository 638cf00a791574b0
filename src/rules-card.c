/*
 * rules-card.c: which card a person may get from the station.
 *
 * Sources: the study's table 3-1 (who receives an NHI certificate and who a
 * Juki card), fig. 5-1 (the NHI AP on a Juki card, or on a standalone card
 * for those the town cannot give a Juki card) and domain.md "Who gets which
 * card" / "Who is in NHI today". The decision, in order:
 *   1. not insured by this town                    -> nothing
 *   2. 75 or over (late-elderly scheme, policy)    -> nothing
 *   3. foreign resident not eligible for NHI       -> nothing
 *      (2005: stay under 1 year; 2012: stay of 3 months or less or not in
 *      the register; short-term stay, diplomats, excluded 特定活動 always)
 *   4. 住所地特例 (lives in another town)            -> standalone card
 *   5. foreign resident under the 2005 Juki rule   -> standalone card
 *   6. holds this town's Juki card                 -> NHI AP on it (upgrade)
 *   7. wants a new Juki card                       -> new Juki card + NHI AP
 *   8. holds another town's Juki card              -> standalone card
 *   9. no Juki card, none wanted                   -> paper only, or a
 *      standalone card (policy no_juki)
 * Everyone insured and eligible also gets the paper certificate, which
 * stays the legal proof during the transition.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "rules.h"

#include "reasons.h"

/* The reason's key in the one table of reasons (reasons.h): its text is
 * the English msgid, its Japanese in po/ja.po. */
static const struct {
	enum rules_card_reason	 reason;
	const char		*key;
} reason_keys[] = {
	{ RULES_REASON_NOT_INSURED, "card.not_insured" },
	{ RULES_REASON_LATE_ELDERLY, "card.late_elderly" },
	{ RULES_REASON_FOREIGN_STAY, "card.foreign_stay" },
	{ RULES_REASON_FOREIGN_STATUS, "card.foreign_status" },
	{ RULES_REASON_FOREIGN_UNREGISTERED, "card.foreign_unregistered" },
	{ RULES_REASON_TOKUREI, "card.tokurei" },
	{ RULES_REASON_FOREIGN_NO_JUKI, "card.foreign_no_juki" },
	{ RULES_REASON_HAS_JUKI, "card.has_juki" },
	{ RULES_REASON_OTHER_TOWN_CARD, "card.other_town_card" },
	{ RULES_REASON_WANTS_JUKI, "card.wants_juki" },
	{ RULES_REASON_NO_JUKI, "card.no_juki" },
};

enum rules_stay_status
rules_stay_status_from_text(const char *status)
{
	if (status == NULL)
		return RULES_STAY_ORDINARY;
	if (strstr(status, "短期滞在") != NULL)
		return RULES_STAY_SHORT_TERM;
	if (strstr(status, "外交") != NULL || strstr(status, "公用") != NULL)
		return RULES_STAY_DIPLOMAT;
	/* 国民健康保険法施行規則 1条: 特定活動 for medical stay (and those
	 * accompanying) or for sightseeing and recreation are excluded. */
	if (strstr(status, "医療滞在") != NULL ||
	    (strstr(status, "特定活動") != NULL &&
	    (strstr(status, "観光") != NULL || strstr(status, "保養") != NULL ||
	    strstr(status, "ロングステイ") != NULL)))
		return RULES_STAY_DESIGNATED_EXCLUDED;
	return RULES_STAY_ORDINARY;
}

static void
decide(struct rules_card_decision *out, enum rules_card_kind card,
    enum rules_card_reason reason, int paper)
{
	size_t i;

	out->card = card;
	out->reason = reason;
	out->paper_certificate = paper;
	out->reason_key = "";
	out->reason_en = "";
	for (i = 0; i < sizeof(reason_keys) / sizeof(reason_keys[0]); i++)
		if (reason_keys[i].reason == reason) {
			out->reason_key = reason_keys[i].key;
			out->reason_en = reason_text(reason_keys[i].key);
		}
}

/* The reason a foreign resident is not in NHI, or 0. */
static enum rules_card_reason
foreign_ineligible(const struct rules_policy *p, const struct rules_person *who)
{
	if (who->stay_status != RULES_STAY_ORDINARY)
		return RULES_REASON_FOREIGN_STATUS;
	if (p->foreign_stay == RULES_LAW_2005) {
		/* 原則として1年以上滞在 (table 3-1). */
		if (who->stay_months < 12)
			return RULES_REASON_FOREIGN_STAY;
	} else {
		/* Since 2012-07: over 3 months and in the register. */
		if (who->stay_months <= 3)
			return RULES_REASON_FOREIGN_STAY;
		if (!who->in_register)
			return RULES_REASON_FOREIGN_UNREGISTERED;
	}
	return 0;
}

void
rules_card_decide(const struct rules_policy *p, const struct rules_person *who,
    struct rules_card_decision *out)
{
	enum rules_card_reason why;

	if (!who->insured_here) {
		decide(out, RULES_CARD_NONE, RULES_REASON_NOT_INSURED, 0);
		return;
	}
	if (p->late_elderly && who->age >= 75) {
		decide(out, RULES_CARD_NONE, RULES_REASON_LATE_ELDERLY, 0);
		return;
	}
	if (who->foreign && (why = foreign_ineligible(p, who)) != 0) {
		decide(out, RULES_CARD_NONE, why, 0);
		return;
	}
	if (who->tokurei) {
		decide(out, RULES_CARD_STANDALONE, RULES_REASON_TOKUREI, 1);
		return;
	}
	if (who->foreign && p->foreign_juki == RULES_LAW_2005) {
		decide(out, RULES_CARD_STANDALONE, RULES_REASON_FOREIGN_NO_JUKI, 1);
		return;
	}
	if (who->juki == RULES_JUKI_THIS_TOWN) {
		decide(out, RULES_CARD_JUKI_EXISTING, RULES_REASON_HAS_JUKI, 1);
		return;
	}
	if (who->wants_juki) {
		decide(out, RULES_CARD_JUKI_NEW, RULES_REASON_WANTS_JUKI, 1);
		return;
	}
	if (who->juki == RULES_JUKI_OTHER_TOWN) {
		decide(out, RULES_CARD_STANDALONE, RULES_REASON_OTHER_TOWN_CARD, 1);
		return;
	}
	decide(out, p->no_juki == RULES_NO_JUKI_STANDALONE ?
	    RULES_CARD_STANDALONE : RULES_CARD_NONE, RULES_REASON_NO_JUKI, 1);
}
