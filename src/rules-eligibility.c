/*
 * rules-eligibility.c: sanity checks on imported NHI periods. NHI membership
 * comes from the insurer's records; the station imports it and flags what
 * contradicts the rules (domain.md "Who is in NHI today") instead of
 * trusting it blindly. A check never fails: it lists findings, each with a
 * code, the field and a message, for a clerk.
 *
 * Findings:
 *   BAD_DATE           a date of the record is not a real day
 *   BEFORE_BIRTH       acquisition before birth
 *   LOSS_NOT_AFTER_ACQ loss on or before acquisition
 *   LATE_ELDERLY       NHI on or after the 75th birthday, from 2008-04-01
 *   WELFARE_OVERLAP    NHI overlapping 生活保護 (excluded from NHI)
 *   EMPLOYEE_OVERLAP   NHI overlapping employee insurance (被用者保険)
 *   BURDEN_OUTSIDE     a 70-74 burden ratio outside those ages
 *   BURDEN_MISSING     no burden ratio inside them (while in NHI)
 *   BURDEN_VALUE       a ratio other than 10, 20 or 30 percent
 *   FOREIGN_STAY       foreign resident with too short a stay
 *   FOREIGN_STATUS     short-term stay, diplomat, excluded 特定活動
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "rules.h"

static const struct nhi_date late_elderly_start = { 2008, 4, 1 };

struct findings {
	struct rules_finding	*out;
	size_t			 max, count;
};

static void add(struct findings *f, enum rules_finding_code code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct findings *f, enum rules_finding_code code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (f->count < f->max) {
		struct rules_finding *x = &f->out[f->count];

		x->code = code;
		x->field = field;
		va_start(ap, fmt);
		vsnprintf(x->message, sizeof(x->message), fmt, ap);
		va_end(ap);
	}
	f->count++;
}

/* Whether [a.from, a.to) and [b.from, b.to) share a day. */
static int
overlaps(const struct rules_period *a, const struct rules_period *b)
{
	if (a->has_to && date_cmp(&a->to, &b->from) <= 0)
		return 0;
	if (b->has_to && date_cmp(&b->to, &a->from) <= 0)
		return 0;
	return 1;
}

static int
period_valid(struct findings *f, const struct rules_period *p,
    const char *from_field, const char *to_field)
{
	int ok = 1;

	if (!date_valid(&p->from)) {
		add(f, RULES_F_BAD_DATE, from_field, "%s is not a valid day",
		    from_field);
		ok = 0;
	}
	if (p->has_to && !date_valid(&p->to)) {
		add(f, RULES_F_BAD_DATE, to_field, "%s is not a valid day",
		    to_field);
		ok = 0;
	}
	return ok;
}

static int
foreign_stay_short(const struct rules_policy *p, int months)
{
	return p->foreign_stay == RULES_LAW_2005 ? months < 12 : months <= 3;
}

size_t
rules_check_nhi_record(const struct rules_policy *p,
    const struct rules_nhi_record *rec, struct rules_finding *out, size_t max)
{
	struct findings f = { out, max, 0 };
	struct nhi_date b75, cutoff;
	char buf[11];
	int birth_ok, nhi_ok, on_ok;

	birth_ok = date_valid(&rec->birth);
	if (!birth_ok)
		add(&f, RULES_F_BAD_DATE, "birth", "birth is not a valid day");
	nhi_ok = period_valid(&f, &rec->nhi, "nhi.from", "nhi.to");
	on_ok = date_valid(&rec->on);
	if (!on_ok)
		add(&f, RULES_F_BAD_DATE, "on", "on: check date is not a valid day");

	if (birth_ok && nhi_ok && date_cmp(&rec->nhi.from, &rec->birth) < 0)
		add(&f, RULES_F_BEFORE_BIRTH, "nhi.from",
		    "nhi.from: acquisition before the birth date");
	if (nhi_ok && rec->nhi.has_to &&
	    date_cmp(&rec->nhi.to, &rec->nhi.from) <= 0)
		add(&f, RULES_F_LOSS_NOT_AFTER_ACQ, "nhi.to",
		    "nhi.to: loss date on or before the acquisition date");

	if (p->late_elderly && birth_ok && nhi_ok) {
		date_birthday(&rec->birth, 75, &b75);
		cutoff = date_cmp(&b75, &late_elderly_start) < 0 ?
		    late_elderly_start : b75;
		/* A closed period must end by the cutoff; an open one (until
		 * further notice) contradicts the rule once `on` reaches it. */
		if (rec->nhi.has_to ? date_cmp(&rec->nhi.to, &cutoff) > 0 :
		    (date_cmp(&rec->nhi.from, &cutoff) >= 0 ||
		    (on_ok && date_cmp(&rec->on, &cutoff) >= 0))) {
			date_format(&cutoff, buf, sizeof(buf));
			add(&f, RULES_F_LATE_ELDERLY, "nhi.to", "nhi.to: NHI "
			    "continues on or after %s, when the person is 75 "
			    "or older (後期高齢者医療)", buf);
		}
	}
	if (rec->has_welfare && nhi_ok &&
	    period_valid(&f, &rec->welfare, "welfare.from", "welfare.to") &&
	    overlaps(&rec->nhi, &rec->welfare))
		add(&f, RULES_F_WELFARE_OVERLAP, "welfare.from", "welfare.from: "
		    "public assistance (生活保護), which excludes NHI, overlaps "
		    "the NHI period");
	if (rec->has_employee && nhi_ok &&
	    period_valid(&f, &rec->employee, "employee.from", "employee.to") &&
	    overlaps(&rec->nhi, &rec->employee))
		add(&f, RULES_F_EMPLOYEE_OVERLAP, "employee.from", "employee.from: "
		    "employee insurance (被用者保険) overlaps the NHI period");

	if (rec->has_burden && rec->burden_pct != 10 && rec->burden_pct != 20 &&
	    rec->burden_pct != 30)
		add(&f, RULES_F_BURDEN_VALUE, "burden",
		    "burden: %d%% is not 10, 20 or 30", rec->burden_pct);
	if (birth_ok && on_ok) {
		int applies = rules_elderly_applies(&rec->birth, &rec->on);
		int in_nhi = nhi_ok && date_cmp(&rec->on, &rec->nhi.from) >= 0 &&
		    (!rec->nhi.has_to || date_cmp(&rec->on, &rec->nhi.to) < 0);
		/* A ratio with a later 発効期日 is in force from that day, not
		 * on `on`: a ratio for someone turning 70 is sent ahead of the
		 * window, which opens on the first of the month after reaching
		 * 70 (rules_elderly_start). */
		const struct nhi_date *in_force = rec->has_burden_from &&
		    date_valid(&rec->burden_from) &&
		    date_cmp(&rec->burden_from, &rec->on) > 0 ? &rec->burden_from : &rec->on;
		/* A ratio in force by the record's date on a period that has
		 * ended by then (the record of the loss at the 75th birthday
		 * keeps the ratio it had) is judged on the period's last day:
		 * it was in force until the period ended. A ratio sent ahead
		 * keeps being judged on its own 発効期日, and so does one whose
		 * 発効期日 is the record's date but after the period's last day
		 * (NHI lost on the day the ratio was to start: it never came
		 * into force). */
		struct nhi_date last;

		if (in_force == &rec->on && nhi_ok && rec->nhi.has_to &&
		    date_cmp(&rec->nhi.to, &rec->on) <= 0) {
			date_add_days(&rec->nhi.to, -1, &last);
			if (rec->has_burden_from && date_valid(&rec->burden_from) &&
			    date_cmp(&rec->burden_from, &last) > 0)
				in_force = &rec->burden_from;
			else if (date_cmp(&last, &rec->nhi.from) >= 0)
				in_force = &last;
		}

		if (rec->has_burden && !rules_elderly_applies(&rec->birth, in_force)) {
			date_format(in_force, buf, sizeof(buf));
			add(&f, RULES_F_BURDEN_OUTSIDE, "burden", "burden: a 70-74 "
			    "burden ratio on %s, outside ages 70-74", buf);
		} else if (!rec->has_burden && applies && in_nhi) {
			date_format(&rec->on, buf, sizeof(buf));
			add(&f, RULES_F_BURDEN_MISSING, "burden", "burden: no "
			    "burden ratio on %s for a person aged 70-74", buf);
		}
	}

	if (rec->foreign) {
		if (rec->stay_status != RULES_STAY_ORDINARY)
			add(&f, RULES_F_FOREIGN_STATUS, "stay_status",
			    "stay_status: short-term stay, diplomat or excluded "
			    "特定活動 may not join NHI");
		else if (foreign_stay_short(p, rec->stay_months))
			add(&f, RULES_F_FOREIGN_STAY, "stay_months",
			    "stay_months: a stay of %d months is too short for "
			    "NHI (%s)", rec->stay_months,
			    p->foreign_stay == RULES_LAW_2005 ?
			    "1 year or more, 2005 rule" : "over 3 months");
	}
	return f.count;
}

const char *
rules_finding_name(enum rules_finding_code code)
{
	switch (code) {
	case RULES_F_BAD_DATE:		return "BAD_DATE";
	case RULES_F_BEFORE_BIRTH:	return "BEFORE_BIRTH";
	case RULES_F_LOSS_NOT_AFTER_ACQ: return "LOSS_NOT_AFTER_ACQ";
	case RULES_F_LATE_ELDERLY:	return "LATE_ELDERLY";
	case RULES_F_WELFARE_OVERLAP:	return "WELFARE_OVERLAP";
	case RULES_F_EMPLOYEE_OVERLAP:	return "EMPLOYEE_OVERLAP";
	case RULES_F_BURDEN_OUTSIDE:	return "BURDEN_OUTSIDE";
	case RULES_F_BURDEN_MISSING:	return "BURDEN_MISSING";
	case RULES_F_BURDEN_VALUE:	return "BURDEN_VALUE";
	case RULES_F_FOREIGN_STAY:	return "FOREIGN_STAY";
	case RULES_F_FOREIGN_STATUS:	return "FOREIGN_STATUS";
	}
	return "UNKNOWN";
}
