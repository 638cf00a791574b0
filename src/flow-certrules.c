/*
 * flow-certrules.c: the rules every certificate path applies before a
 * document is recorded or printed, and before a card is issued: `nhicard
 * print certificate|sleeve|sheet`, the issue flow (commands and screens),
 * reprints and renewal runs all call flow_certificate_rules(), so no path
 * prints a document without a validity end computed by the rules, nor for
 * a person the rules exclude on that day, nor while an import finding
 * about the person is open.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flow-certrules.h"
#include "print.h"
#include "rules.h"
#include "store.h"
#include "util.h"

enum rules_cert_kind
flow_cert_kind_to_rules(enum print_cert_kind k)
{
	switch (k) {
	case PRINT_KIND_TANKI:		return RULES_CERT_SHORT;
	case PRINT_KIND_SHIKAKU_SHOMEI:	return RULES_CERT_SHIKAKU;
	case PRINT_KIND_KAKUNIN:	return RULES_CERT_KAKUNIN;
	default:			return RULES_CERT_REGULAR;
	}
}

enum print_cert_kind
flow_cert_kind_from_rules(enum rules_cert_kind k)
{
	switch (k) {
	case RULES_CERT_SHORT:		return PRINT_KIND_TANKI;
	case RULES_CERT_SHIKAKU:	return PRINT_KIND_SHIKAKU_SHOMEI;
	case RULES_CERT_KAKUNIN:	return PRINT_KIND_KAKUNIN;
	default:			return PRINT_KIND_HIHOKENSHA;
	}
}

int
flow_finding_check(struct store *st, int64_t resident_id)
{
	struct held_item h;
	char code[32];
	size_t n;
	int r;

	memset(&h, 0, sizeof(h));
	r = store_held_open_finding(st, resident_id, &h);
	if (r == NHI_ENOTFOUND)
		return 0;
	if (r != 0)
		return r;
	/* The finding's code only: its text may quote the person's dates. */
	n = strcspn(h.reason, ":");
	snprintf(code, sizeof(code), "%.*s", (int)(n < sizeof(code) - 1 ? n : sizeof(code) - 1),
	    h.reason);
	r = err_reason(err_set(NHI_EREFUSED, "resident %lld: import finding #%lld (%s) is open: nothing"
	    " is printed or issued until a clerk resolves it ('nhicard held show %lld',"
	    " 'nhicard held resolve %lld ack' once the record is right); 取込時の指摘が未解決です。窓口で確認して解決するまで"
	    "証やカードは交付できません", (long long)resident_id, (long long)h.id, code,
	    (long long)h.id, (long long)h.id), "issue.finding_open");
	store_held_free(&h);
	return r;
}

int
flow_person_rules(const struct rules_policy *p, const struct resident *res,
    const struct eligibility *e, const struct nhi_date *on, enum rules_cert_kind kind,
    const struct nhi_date *typed_end, struct rules_certificate_out *out)
{
	struct rules_certificate_in in;
	struct nhi_date from;
	int r;

	memset(&in, 0, sizeof(in));
	in.on = *on;
	if (date_parse(res->birth_date, &in.birth) != 0)
		return err_set(NHI_ERANGE, "resident %lld: no readable birth date",
		    (long long)res->id);
	in.stored_kind = kind;
	in.short_months = e->short_months;
	if (e->lost_on[0] != '\0' && date_parse(e->lost_on, &in.loss) == 0)
		in.has_loss = 1;
	/* A typed 有効期限 (eligibility --valid-until) only shortens; one
	 * already past on the issue day belonged to an earlier certificate. */
	if (typed_end != NULL && typed_end->y != 0 && date_cmp(typed_end, on) >= 0) {
		in.has_typed_end = 1;
		in.typed_end = *typed_end;
	}
	in.foreign = res->nationality != NULL && res->nationality[0] != '\0';
	if (in.foreign) {
		in.stay_status = rules_stay_status_from_text(res->residence_status);
		if (res->stay_until[0] != '\0' && date_parse(res->stay_until, &in.stay_end) == 0) {
			in.has_stay_end = 1;
			/* The stay as granted: NHI began with it (the store keeps
			 * no start of the stay). */
			if (date_parse(e->acquired_on, &from) == 0)
				in.stay_granted_months = rules_stay_granted_months(&from,
				    &in.stay_end);
		}
	}
	if ((r = rules_certificate_decide(p, &in, out)) != 0) {
		const char *ja = rules_refusal_ja(out->refusal);
		char why[768];

		snprintf(why, sizeof(why), "%s", err_text(r));
		return err_set(r, "resident %lld: %s%s%s", (long long)res->id, why,
		    *ja != '\0' ? "; " : "", ja);
	}
	return 0;
}

int
flow_certificate_rules(const struct rules_policy *p, struct store *st, int64_t resident_id,
    int64_t eligibility_id, struct print_certificate *c)
{
	int r;

	if ((r = flow_finding_check(st, resident_id)) != 0)
		return r;
	return flow_certificate_apply(p, st, resident_id, eligibility_id, c);
}

int
flow_certificate_apply(const struct rules_policy *p, struct store *st, int64_t resident_id,
    int64_t eligibility_id, struct print_certificate *c)
{
	struct rules_certificate_out out;
	struct eligibility e;
	struct resident res;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = store_eligibility_get(st, eligibility_id, &e)) != 0 ||
	    (r = store_resident_get(st, resident_id, &res)) != 0 ||
	    (r = flow_person_rules(p, &res, &e, &c->issued, flow_cert_kind_to_rules(c->kind),
	    &c->valid_until, &out)) != 0)
		goto out;
	c->kind = flow_cert_kind_from_rules(out.kind);
	c->valid_until = out.end;
	r = 0;
out:
	store_resident_free(&res);
	return r;
}
