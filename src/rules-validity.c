/*
 * rules-validity.c: when a certificate stops being valid, and the 70-74
 * burden-ratio dates (高齢受給者).
 *
 * The validity end is the earliest of the rules that apply (docs/rules.md):
 *   - the town's renewal day (e.g. every July 31, or every other year);
 *   - for 短期被保険者証, the end of a 1/3/6-month period from `from`;
 *   - for 資格確認書, the end of a kakunin_years-year period (up to 5);
 *   (periods as in 民法 143: date_period_end)
 *   - when the town uses it, the first March 31 on or after the day one
 *     reaches 18 (18歳に達する日以後の最初の3月31日);
 *   - the day before the 75th birthday (後期高齢者医療 since 2008-04-01;
 *     for people already 75 then, 2008-03-31);
 *   - the last day of a foreigner's authorized stay;
 *   - the day before the loss date (喪失日 is the first day without NHI).
 * On a tie, the more specific reason is reported (loss, stay, 75, ...).
 */
#include "config.h"

#include <stddef.h>

#include "error.h"
#include "rules.h"

static const struct nhi_date late_elderly_eve = { 2008, 3, 31 };

/* The first renewal day on or after `from`. */
static void
renewal_end(const struct rules_policy *p, const struct nhi_date *from,
    struct nhi_date *out)
{
	struct nhi_date r = { from->y, p->renewal_month, p->renewal_day };
	int cycle = p->renewal_cycle_years < 1 ? 1 : p->renewal_cycle_years;
	int off;

	if (date_cmp(&r, from) < 0)
		r.y++;
	off = ((r.y - p->renewal_anchor_year) % cycle + cycle) % cycle;
	if (off != 0)
		r.y += cycle - off;
	*out = r;
}

static void
consider(const struct nhi_date *cand, enum rules_end_reason why,
    struct nhi_date *best, enum rules_end_reason *best_why)
{
	/* Candidates come most specific first: only a strictly earlier day
	 * replaces the current one. */
	if (*best_why == 0 || date_cmp(cand, best) < 0) {
		*best = *cand;
		*best_why = why;
	}
}

int
rules_validity_end(const struct rules_policy *p,
    const struct rules_validity_in *in, struct nhi_date *end,
    enum rules_end_reason *why)
{
	struct nhi_date best = { 0, 0, 0 }, c, last75;
	enum rules_end_reason best_why = 0;

	if (!date_valid(&in->from))
		return err_set(NHI_ERANGE, "validity: start date %04d-%02d-%02d "
		    "is not a valid day", in->from.y, in->from.m, in->from.d);
	if (!date_valid(&in->birth))
		return err_set(NHI_ERANGE, "validity: birth date is not a valid "
		    "day");
	if (date_cmp(&in->birth, &in->from) > 0)
		return err_set(NHI_ERANGE, "validity: start date before birth");
	if (in->kind < RULES_CERT_REGULAR || in->kind > RULES_CERT_KAKUNIN)
		return err_set(NHI_ERANGE, "validity: unknown certificate kind %d",
		    (int)in->kind);
	if (in->kind == RULES_CERT_SHORT && in->short_months != 1 &&
	    in->short_months != 3 && in->short_months != 6)
		return err_set(NHI_ERANGE, "validity: 短期被保険者証 of %d months "
		    "(1, 3 or 6)", in->short_months);

	/* Before 2008-04 people of 75 and over stayed in NHI (老人保健 was an
	 * overlay); the late-elderly scheme took them all on 2008-04-01. */
	rules_nhi_last_day(&in->birth, &last75);
	if (date_cmp(&last75, &late_elderly_eve) < 0)
		last75 = late_elderly_eve;
	if (p->late_elderly && date_cmp(&in->from, &last75) > 0)
		return err_reason(err_set(NHI_EREFUSED, "validity: the person is 75 or older "
		    "on the start date (後期高齢者医療, not NHI)"), "law.over_75_start");

	if (in->has_loss) {
		if (!date_valid(&in->loss))
			return err_set(NHI_ERANGE, "validity: loss date is not a "
			    "valid day");
		if (date_cmp(&in->loss, &in->from) <= 0)
			return err_set(NHI_ERANGE, "validity: loss date on or "
			    "before the start date");
		date_add_days(&in->loss, -1, &c);
		consider(&c, RULES_END_LOSS, &best, &best_why);
	}
	if (in->has_stay_end) {
		if (!date_valid(&in->stay_end))
			return err_set(NHI_ERANGE, "validity: end of stay is not a "
			    "valid day");
		if (date_cmp(&in->stay_end, &in->from) < 0)
			return err_set(NHI_ERANGE, "validity: stay ended before "
			    "the start date");
		consider(&in->stay_end, RULES_END_STAY, &best, &best_why);
	}
	if (p->late_elderly)
		consider(&last75, RULES_END_AGE75, &best, &best_why);
	if (in->kind == RULES_CERT_SHORT) {
		date_period_end(&in->from, in->short_months, &c);
		consider(&c, RULES_END_SHORT, &best, &best_why);
	}
	if (in->kind == RULES_CERT_KAKUNIN) {
		date_period_end(&in->from, 12 * p->kakunin_years, &c);
		consider(&c, RULES_END_KAKUNIN, &best, &best_why);
	}
	if (p->under18_march31) {
		date_reach_age(&in->birth, 18, &c);
		if (c.m > 3)
			c.y++;
		c.m = 3;
		c.d = 31;
		if (date_cmp(&c, &in->from) >= 0)
			consider(&c, RULES_END_AGE18, &best, &best_why);
	}
	if (in->kind != RULES_CERT_KAKUNIN || p->kakunin_follows_renewal) {
		renewal_end(p, &in->from, &c);
		consider(&c, RULES_END_RENEWAL, &best, &best_why);
	}
	*end = best;
	if (why != NULL)
		*why = best_why;
	return 0;
}

const char *
rules_end_reason_name(enum rules_end_reason why)
{
	switch (why) {
	case RULES_END_RENEWAL:	return "renewal day";
	case RULES_END_AGE18:	return "March 31 after reaching 18";
	case RULES_END_SHORT:	return "short-term certificate months";
	case RULES_END_KAKUNIN:	return "資格確認書 years";
	case RULES_END_AGE75:	return "day before the 75th birthday";
	case RULES_END_STAY:	return "end of stay";
	case RULES_END_LOSS:	return "day before the loss date";
	case RULES_END_TYPED:	return "typed validity end";
	}
	return "unknown";
}

void
rules_elderly_start(const struct nhi_date *birth, struct nhi_date *out)
{
	struct nhi_date reach;

	/* 70歳に達する日の属する月の翌月1日: for a birth on the 1st one reaches
	 * 70 on the last day of the month before, so this is the birthday
	 * month's 1st. */
	date_reach_age(birth, 70, &reach);
	date_first_of_next_month(&reach, out);
}

void
rules_nhi_last_day(const struct nhi_date *birth, struct nhi_date *out)
{
	struct nhi_date b;

	/* 後期高齢者医療 starts on the 75th birthday itself. */
	date_birthday(birth, 75, &b);
	date_add_days(&b, -1, out);
}

int
rules_elderly_applies(const struct nhi_date *birth, const struct nhi_date *on)
{
	struct nhi_date start, last;

	rules_elderly_start(birth, &start);
	rules_nhi_last_day(birth, &last);
	return date_cmp(on, &start) >= 0 && date_cmp(on, &last) <= 0;
}
