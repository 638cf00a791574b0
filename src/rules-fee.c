/*
 * rules-fee.c: what a resident pays for a card.
 *
 * The NHI certificate is free; a Juki card costs a fee (about 500 yen in
 * the study, table 3-1 §(2)). The study warns (3.1 (2)①) that people who
 * already paid for their Juki card must not pay again when the NHI AP is
 * added: an upgrade is always free, and a card already paid for is never
 * charged twice. A reissue after loss has its own fee (fee.reissue_fee). A
 * waiver is a configured reason with an amount (or "all"); a waiver larger
 * than fee.supervisor_limit needs a supervisor's approval, which the caller
 * enforces (this returns the flag).
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "rules.h"

int
rules_fee(const struct rules_policy *p, const struct rules_fee_in *in,
    struct rules_fee_out *out)
{
	struct rules_fee_out o = { 0, 0, 0, 0 };
	const struct rules_waiver *w = NULL;
	size_t i;

	switch (in->kind) {
	case RULES_FEE_NEW_CARD:
		o.fee = in->already_paid ? 0 : p->card_fee;
		break;
	case RULES_FEE_UPGRADE:
		o.fee = 0;
		break;
	case RULES_FEE_REISSUE:
		o.fee = in->already_paid ? 0 : p->reissue_fee;
		break;
	case RULES_FEE_STANDALONE:
		o.fee = in->already_paid ? 0 : p->standalone_fee;
		break;
	default:
		return err_set(NHI_ERANGE, "fee: unknown kind %d", (int)in->kind);
	}
	if (in->waiver != NULL && in->waiver[0] != '\0') {
		for (i = 0; i < p->nwaivers; i++)
			if (strcmp(p->waivers[i].name, in->waiver) == 0)
				w = &p->waivers[i];
		if (w == NULL)
			return err_set(NHI_ENOTFOUND, "fee: waiver '%.32s' is not "
			    "in fee.waivers", in->waiver);
		o.waived = (w->yen == RULES_WAIVE_ALL || w->yen > o.fee) ?
		    o.fee : w->yen;
	}
	o.due = o.fee - o.waived;
	o.needs_supervisor = o.waived > p->supervisor_limit;
	*out = o;
	return 0;
}
