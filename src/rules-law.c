/*
 * rules-law.c: the law of the day a document is issued, and the checks
 * every certificate path runs (print, reprint, issue, renewal, screens).
 *
 *   - The kind of document (rules_document_kind): since 2024-12-02 (健康保険
 *     法等の一部を改正する法律, 令和5年法律第48号) no new 被保険者証,
 *     短期被保険者証 or 被保険者資格証明書 is issued: a 資格確認書 instead.
 *     The day is the policy's kakunin_from (rules.kakunin_from, none under
 *     the pilot's rules). Before it, a child up to the March 31 after
 *     reaching 18 gets a 短期被保険者証 instead of a 資格証明書 (国民健康
 *     保険法 9条6項, since 2010-07).
 *   - The validity end (rules_certificate_decide): rules_validity_end on
 *     the document's kind, shortened (never lengthened) by a typed end.
 *   - Who gets nothing: the day past the last NHI day (the day before the
 *     75th birthday), past the loss date or the end of stay, a status of
 *     residence excluded from NHI, a stay granted for 3 months or less.
 *   - Juki cards (rules_juki_card_check, rules_juki_new_allowed): issued
 *     until 2015-12 (番号法 附則), each valid 10 years from its issue day.
 * Everything is pure: the caller passes the day and the person.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "rules.h"

int
rules_law_kakunin(const struct rules_policy *p, const struct nhi_date *on)
{
	return p->has_kakunin_from && date_cmp(on, &p->kakunin_from) >= 0;
}

/* The first March 31 on or after the day one reaches 18. */
static void
march31_after_18(const struct nhi_date *birth, struct nhi_date *out)
{
	struct nhi_date c;

	date_reach_age(birth, 18, &c);
	if (c.m > 3)
		c.y++;
	c.m = 3;
	c.d = 31;
	*out = c;
}

enum rules_cert_kind
rules_document_kind(const struct rules_policy *p, enum rules_cert_kind stored,
    const struct nhi_date *birth, const struct nhi_date *on)
{
	struct nhi_date m31;

	if (rules_law_kakunin(p, on))
		return RULES_CERT_KAKUNIN;
	if (stored == RULES_CERT_SHIKAKU && date_valid(birth)) {
		march31_after_18(birth, &m31);
		if (date_cmp(on, &m31) <= 0)
			return RULES_CERT_SHORT;
	}
	return stored;
}

const char *
rules_cert_kind_title(enum rules_cert_kind kind, int elderly)
{
	switch (kind) {
	case RULES_CERT_REGULAR:
		return elderly ? "国民健康保険被保険者証兼高齢受給者証" :
		    "国民健康保険被保険者証";
	case RULES_CERT_SHORT:
		return elderly ? "国民健康保険被保険者証兼高齢受給者証（短期）" :
		    "国民健康保険被保険者証（短期）";
	case RULES_CERT_SHIKAKU:
		return "国民健康保険被保険者資格証明書";
	case RULES_CERT_KAKUNIN:
		return "国民健康保険資格確認書";
	}
	return "?";
}

int
rules_stay_granted_months(const struct nhi_date *from, const struct nhi_date *until)
{
	int m;

	if (!date_valid(from) || !date_valid(until))
		return 0;
	/* The last day of the stay counts: a stay from 04-01 to 06-30 is 3
	 * months. */
	{
		struct nhi_date after;

		date_add_days(until, 1, &after);
		m = date_months_between(from, &after);
	}
	return m > 0 ? m : 0;
}

static int
foreign_stay_short(const struct rules_policy *p, int months)
{
	return p->foreign_stay == RULES_LAW_2005 ? months < 12 : months <= 3;
}

int
rules_certificate_decide(const struct rules_policy *p,
    const struct rules_certificate_in *in, struct rules_certificate_out *out)
{
	struct rules_validity_in v;
	struct nhi_date last, end, typed_end;
	char day[11], buf[11];
	enum rules_end_reason why;
	int r;

	memset(out, 0, sizeof(*out));
	if (!date_valid(&in->on) || !date_valid(&in->birth))
		return err_set(NHI_ERANGE, "certificate: the issue day or the birth date is"
		    " not a valid day");
	date_format(&in->on, day, sizeof(day));
	if (p->late_elderly) {
		rules_nhi_last_day(&in->birth, &last);
		if (date_cmp(&last, &(struct nhi_date){ 2008, 3, 31 }) < 0)
			last = (struct nhi_date){ 2008, 3, 31 };
		if (date_cmp(&in->on, &last) > 0) {
			out->refusal = RULES_REFUSE_LATE_ELDERLY;
			return err_reason(err_set(NHI_EREFUSED, "the rules exclude this person on %s: past"
			    " the last NHI day, the day before the 75th birthday (後期高齢者"
			    "医療, not NHI)", day), "law.late_elderly");
		}
	}
	if (in->has_loss && date_cmp(&in->on, &in->loss) >= 0) {
		date_format(&in->loss, buf, sizeof(buf));
		out->refusal = RULES_REFUSE_LOST;
		return err_reason(err_set(NHI_EREFUSED, "the rules exclude this person on %s: NHI was"
		    " lost on %s", day, buf), "law.lost");
	}
	if (in->foreign) {
		if (in->stay_status != RULES_STAY_ORDINARY) {
			out->refusal = RULES_REFUSE_STAY_STATUS;
			return err_reason(err_set(NHI_EREFUSED, "the rules exclude this person on %s: the"
			    " status of residence (short-term stay, diplomat or excluded"
			    " 特定活動) may not join NHI", day), "law.stay_status");
		}
		if (in->has_stay_end && date_cmp(&in->on, &in->stay_end) > 0) {
			date_format(&in->stay_end, buf, sizeof(buf));
			out->refusal = RULES_REFUSE_STAY_ENDED;
			return err_reason(err_set(NHI_EREFUSED, "the rules exclude this person on %s: the"
			    " stay ended on %s", day, buf), "law.stay_ended");
		}
		if (in->stay_granted_months > 0 &&
		    foreign_stay_short(p, in->stay_granted_months)) {
			out->refusal = RULES_REFUSE_STAY_SHORT;
			return err_reason(err_set(NHI_EREFUSED, "the rules exclude this person on %s: a"
			    " stay granted for %d months is too short for NHI (%s)", day,
			    in->stay_granted_months, p->foreign_stay == RULES_LAW_2005 ?
			    "1 year or more, 2005 rule" : "over 3 months"), "law.stay_short");
		}
	}
	out->kind = rules_document_kind(p, in->stored_kind, &in->birth, &in->on);
	if (in->explicit_kind && out->kind != in->stored_kind) {
		out->refusal = RULES_REFUSE_KIND;
		if (out->kind == RULES_CERT_KAKUNIN) {
			date_format(&p->kakunin_from, buf, sizeof(buf));
			return err_reason(err_set(NHI_EREFUSED, "a %s is no longer issued since %s:"
			    " the document is a 資格確認書", rules_cert_kind_title(
			    in->stored_kind, 0), buf), "law.kind_ended");
		}
		return err_reason(err_set(NHI_EREFUSED, "no 被保険者資格証明書 for a child up to the"
		    " March 31 after reaching 18: the document is a 短期被保険者証"), "law.child_short_term");
	}
	memset(&v, 0, sizeof(v));
	v.kind = out->kind;
	v.short_months = in->short_months;
	if (v.kind == RULES_CERT_SHORT && v.short_months != 1 && v.short_months != 3 &&
	    v.short_months != 6)
		v.short_months = 6;
	v.from = in->on;
	v.birth = in->birth;
	v.has_stay_end = in->foreign && in->has_stay_end;
	v.stay_end = in->stay_end;
	v.has_loss = in->has_loss;
	v.loss = in->loss;
	if ((r = rules_validity_end(p, &v, &end, &why)) != 0) {
		out->refusal = RULES_REFUSE_VALIDITY;
		return r;
	}
	if (in->has_typed_end) {
		if (!date_valid(&in->typed_end) || date_cmp(&in->typed_end, &in->on) < 0) {
			out->refusal = RULES_REFUSE_VALIDITY;
			date_format(&in->typed_end, buf, sizeof(buf));
			return err_set(NHI_ERANGE, "valid_until: %s is before the issue day"
			    " %s", buf, day);
		}
		typed_end = in->typed_end;
		if (date_cmp(&typed_end, &end) < 0) {
			end = typed_end;
			why = RULES_END_TYPED;
		}
	}
	out->end = end;
	out->why = why;
	return 0;
}

int
rules_juki_new_allowed(const struct rules_policy *p, const struct nhi_date *on)
{
	char buf[11];

	if (!p->has_juki_new_until || date_cmp(on, &p->juki_new_until) <= 0)
		return 0;
	date_format(&p->juki_new_until, buf, sizeof(buf));
	return err_reason(err_set(NHI_EREFUSED, "new Juki cards (住基カード) are no longer issued"
	    " (issuance ended on %s; the new-juki path belongs to the pilot's rules:"
	    " rules.law = pilot)", buf), "issue.juki_new_ended");
}

int
rules_juki_card_check(const struct rules_policy *p, int has_issue,
    const struct nhi_date *issue, const struct nhi_date *on)
{
	struct nhi_date last;
	char buf[11];

	if (has_issue) {
		if (!date_valid(issue))
			return err_set(NHI_ERANGE, "Juki card: issue day is not a valid day");
		/* 10 years from the issue day, that day counted. */
		date_period_end(issue, 12 * RULES_JUKI_VALID_YEARS, &last);
	} else if (p->has_juki_new_until)
		/* Issue day unknown: the last card issued expires last. */
		date_period_end(&p->juki_new_until, 12 * RULES_JUKI_VALID_YEARS, &last);
	else
		return 0;
	if (date_cmp(on, &last) <= 0)
		return 0;
	date_format(&last, buf, sizeof(buf));
	return err_reason(err_set(NHI_EREFUSED, "the Juki card (住基カード) expired%s on %s (valid 10"
	    " years from its issue day%s)", has_issue ? "" : " at the latest", buf,
	    has_issue ? "" : "; issuance ended in December 2015"), "issue.juki_expired");
}

const char *
rules_refusal_ja(enum rules_refusal refusal)
{
	switch (refusal) {
	case RULES_REFUSE_NONE:		return "";
	case RULES_REFUSE_LATE_ELDERLY:	return "75歳以上は後期高齢者医療の対象のため、国保の証・カードは交付できません";
	case RULES_REFUSE_LOST:		return "国保の資格を喪失しているため交付できません";
	case RULES_REFUSE_STAY_STATUS:	return "在留資格が国保の適用除外のため交付できません";
	case RULES_REFUSE_STAY_ENDED:	return "在留期間が満了しているため交付できません";
	case RULES_REFUSE_STAY_SHORT:	return "在留期間が3か月以下のため国保の対象外です";
	case RULES_REFUSE_KIND:		return "この種類の証は、この日の法令では交付できません";
	case RULES_REFUSE_VALIDITY:	return "有効期限を決められません（日付を確認してください）";
	}
	return "";
}
