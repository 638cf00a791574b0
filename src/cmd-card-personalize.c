/*
 * cmd-card-personalize.c: `nhicard card personalize --kind K RESIDENT`:
 * IT staff run the personalization of `nhicard issue` for a named resident
 * with an explicit card kind, without the counter's rules and fees (for
 * re-runs, training and checking a reader). Records the card exactly as
 * issue does. Still refused for a person the rules exclude today or with
 * an open import finding.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "card-perso.h"
#include "certificate.h"
#include "cmd-card.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "flow-certrules.h"
#include "flow-perso.h"
#include "flow.h"
#include "rules.h"
#include "store.h"
#include "util.h"

/*
 * Without the counter's card-path rules and fees, but never for a person
 * the rules exclude today or while an import finding about them is open
 * (docs/rules.md "The law of the day"). A resident without a period in
 * force today is left to IT staff, as before.
 */
static int
personalize_allowed(struct session *ctx, struct store *st, int64_t resident_id)
{
	struct print_certificate c;
	struct rules_policy p;
	struct nhi_date today;
	int64_t eid = 0;
	int r;

	if ((r = flow_finding_check(st, resident_id)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &p)) != 0)
		return r;
	time_today_jst(&today.y, &today.m, &today.d);
	memset(&c, 0, sizeof(c));
	r = store_certificate_load(st, resident_id, &today, &c, &eid);
	if (r == 0)
		r = flow_certificate_rules(&p, st, resident_id, eid, &c);
	else if (r == NHI_ENOTFOUND || r == NHI_ESTATE) {
		err_clear();
		r = 0;
	}
	print_certificate_clear(&c);
	return r;
}

static int
card_personalize_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct perso_request req;
	struct perso_result res;
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct resident who;
	struct store *st;
	int c, r, have_who = 0, kind_given = 0;

	memset(&req, 0, sizeof(req));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+k:", longopts, NULL)) != -1) {
		if (c != 'k')
			return cmd_card_usage(&cmd_card_personalize_entry,
			    "unknown option or missing value");
		if ((r = perso_path_parse(optarg, &req.path)) != 0)
			return cmd_card_usage(&cmd_card_personalize_entry, err_text(r));
		kind_given = 1;
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_card_entry, "card personalize", argc, argv, optind, 1);
	if (!kind_given || argc - optind != 1)
		return cmd_card_usage(&cmd_card_personalize_entry,
		    "expected --kind KIND and one RESIDENT");
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = flow_perso_resident(st, argv[optind], &who)) != 0)
		goto out;
	have_who = 1;
	if ((r = personalize_allowed(ctx, st, who.id)) != 0 ||
	    (r = flow_perso_setup(ctx, &prof, &keys)) != 0)
		goto out;
	flow_perso_request(&req, &prof, keys, st, &who);
	if ((r = flow_perso_run(ctx, &req, &res)) != 0)
		goto out;
	printf("personalized the card of resident %lld (%s)\n", (long long)who.id,
	    perso_path_name(req.path));
	flow_perso_report(&flow_events_stdout, &res);
	r = 0;
out:
	if (have_who) {
		char subject[32], detail[64];

		snprintf(subject, sizeof(subject), "resident:%lld", (long long)who.id);
		if (r == 0)
			snprintf(detail, sizeof(detail), "card:%lld gen=%d",
			    (long long)res.card_id, res.key_generation);
		r = session_audit(ctx, r, "card.personalize", subject, r == 0 ? detail : NULL);
	}
	card_keys_free(keys);
	if (have_who)
		store_resident_free(&who);
	return r;
}

const struct cmd_entry cmd_card_personalize_entry = {
	.name = "personalize",
	.usage = "--kind existing|new-juki|standalone RESIDENT",
	.summary = "write the NHI AP for a resident (no rules, no fee)",
	.help =
	    "Runs the personalization of 'nhicard issue' on the card in the reader\n"
	    "for RESIDENT (store id or person code) with the given card kind, but\n"
	    "without the eligibility rules and the fee (but never for a person the\n"
	    "rules exclude today or with an open import finding). The card checks (ATR, four\n"
	    "basic items, an already active NHI AP), the store record and the retry\n"
	    "behaviour are the same; see docs/personalization.md.\n",
	.exec = card_personalize_exec,
};
