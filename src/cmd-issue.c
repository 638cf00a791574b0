/*
 * cmd-issue.c: `nhicard issue RESIDENT`: the counter flow for one person
 * without the UI. It runs as a list of steps over one struct issue, so
 * later steps (print the certificate, queue the record for the center)
 * are added as entries of issue_steps[]:
 *
 *   resident  find the resident and their current NHI eligibility
 *   rules     decide which card path the rules allow and the fee
 *   queue     refuse while the center queue's backlog passes its limits
 *   card      connect, personalize the card, record it in the store
 *   report    print what was done
 *   certificate  print the certificate (or the sleeve insert) and record its
 *             serial, through the same code as `nhicard print`
 *   receipt   print the counter receipt (card and certificate serials)
 *
 * The card is issued once the card step succeeded: a later print failure
 * says so and how to print again, and never undoes the card.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card-perso.h"
#include "cmd.h"
#include "cmd-lifecycle.h"
#include "cmd-perso.h"
#include "cmd-print.h"
#include "error.h"
#include "nhiconf.h"
#include "queue.h"
#include "operator.h"
#include "rules.h"
#include "store.h"
#include "util.h"

struct issue {
	struct cmd_ctx		*ctx;
	struct store		*st;
	const char		*who;		/* RESIDENT as given */
	int			 path_given;
	enum perso_path		 path;
	const char		*waiver;	/* --fee-waived REASON */
	const char		*print_dir;	/* --print-to DIR */
	const char		*printer;	/* --printer NAME, or print.printer */
	int			 sleeve;	/* --sleeve: the sleeve insert */
	int			 no_print;	/* --no-print */
	struct resident		 res;
	int			 have_res;
	struct eligibility	 elig;
	struct rules_policy	 policy;
	struct rules_card_decision decision;
	struct rules_fee_out	 fee;
	struct card_profile	 prof;
	struct card_keys	*keys;
	struct perso_result	 result;
};

struct issue_step {
	const char	*name;
	int		(*run)(struct issue *is);
};

static int
step_resident(struct issue *is)
{
	int r;

	if ((r = cmd_store(is->ctx, &is->st)) != 0 ||
	    (r = cmd_perso_resident(is->st, is->who, &is->res)) != 0)
		return r;
	is->have_res = 1;
	r = store_eligibility_current(is->st, is->res.id, NULL, &is->elig);
	if (r == NHI_ENOTFOUND)
		return err_set(NHI_EREFUSED, "resident %lld is not insured by this town's NHI"
		    " today: no NHI card is issued", (long long)is->res.id);
	return r;
}

/* Months from today to YYYY-MM-DD, rounded down; 12 if unknown. */
static int
stay_months(const char *until)
{
	struct nhi_date end, today;
	char t[9];

	if (until[0] == '\0' || date_parse(until, &end) != 0)
		return 12;
	cmd_perso_today(t);
	if (date_parse(t, &today) != 0)
		return 12;
	return (end.y - today.y) * 12 + (end.m - today.m) - (end.d < today.d);
}

static void
rules_who(const struct issue *is, enum rules_juki juki, int wants, struct rules_person *p)
{
	struct nhi_date birth, today;
	char t[9];
	const char *status = is->res.residence_status;

	memset(p, 0, sizeof(*p));
	cmd_perso_today(t);
	if (date_parse(is->res.birth_date, &birth) == 0 && date_parse(t, &today) == 0)
		p->age = date_age(&birth, &today);
	p->insured_here = 1;
	p->foreign = is->res.nationality[0] != '\0';
	p->stay_months = stay_months(is->res.stay_until);
	if (strstr(status, "短期滞在") != NULL)
		p->stay_status = RULES_STAY_SHORT_TERM;
	else if (strstr(status, "外交") != NULL || strstr(status, "公用") != NULL)
		p->stay_status = RULES_STAY_DIPLOMAT;
	else
		p->stay_status = RULES_STAY_ORDINARY;
	p->in_register = 1;
	p->tokurei = is->elig.special_address;
	p->juki = juki;
	p->wants_juki = wants;
}

static int
step_rules(struct issue *is)
{
	static const enum rules_card_kind want[] = {
		[PERSO_PATH_EXISTING] = RULES_CARD_JUKI_EXISTING,
		[PERSO_PATH_NEW_JUKI] = RULES_CARD_JUKI_NEW,
		[PERSO_PATH_STANDALONE] = RULES_CARD_STANDALONE,
	};
	struct rules_fee_in fin;
	struct rules_person p;
	int r;

	if ((r = rules_policy_from_config(is->ctx->cfg, &is->policy)) != 0)
		return r;
	if (!is->path_given) {
		/* Default: the Juki card the resident holds, unless the rules give
		 * this person a standalone card. */
		rules_who(is, RULES_JUKI_THIS_TOWN, 0, &p);
		rules_card_decide(&is->policy, &p, &is->decision);
		is->path = PERSO_PATH_EXISTING;
		if (is->decision.card != RULES_CARD_JUKI_EXISTING) {
			rules_who(is, RULES_JUKI_NONE, 0, &p);
			rules_card_decide(&is->policy, &p, &is->decision);
			is->path = PERSO_PATH_STANDALONE;
		}
	} else {
		rules_who(is, is->path == PERSO_PATH_EXISTING ? RULES_JUKI_THIS_TOWN :
		    RULES_JUKI_NONE, is->path == PERSO_PATH_NEW_JUKI, &p);
		rules_card_decide(&is->policy, &p, &is->decision);
	}
	if (is->decision.card != want[is->path])
		return err_set(NHI_EREFUSED, "resident %lld cannot get the %s card path: %s",
		    (long long)is->res.id, perso_path_name(is->path),
		    is->decision.reason_en != NULL ? is->decision.reason_en : "the rules refuse it");
	memset(&fin, 0, sizeof(fin));
	fin.kind = is->path == PERSO_PATH_NEW_JUKI ? RULES_FEE_NEW_CARD :
	    is->path == PERSO_PATH_STANDALONE ? RULES_FEE_STANDALONE : RULES_FEE_UPGRADE;
	fin.waiver = is->waiver;
	if ((r = rules_fee(&is->policy, &fin, &is->fee)) != 0)
		return r;
	/* A waiver beyond fee.supervisor_limit needs a second person. */
	if (is->fee.needs_supervisor) {
		char detail[96];

		snprintf(detail, sizeof(detail), "resident:%lld waived %d yen",
		    (long long)is->res.id, is->fee.waived);
		return operator_require_approval(is->ctx, "issue.fee_waiver", detail);
	}
	return 0;
}

/* The center queue's backlog within the configured limits (queue.h). */
static int
step_queue(struct issue *is)
{
	return queue_backlog_check(is->st, is->ctx->cfg);
}

static int
step_card(struct issue *is)
{
	struct perso_request req;
	int r;

	if ((r = cmd_perso_setup(is->ctx, &is->prof, &is->keys)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	req.prof = &is->prof;
	req.store = is->st;
	req.keys = is->keys;
	req.resident_id = is->res.id;
	req.person.name = is->res.name_kanji;
	req.person.birth_date = is->res.birth_date;
	req.person.sex = is->res.sex;
	req.person.address = is->res.address;
	req.path = is->path;
	cmd_perso_today(req.issue_date);
	req.fee_yen = is->fee.due;
	req.fee_waived = is->fee.waived > 0;
	req.fee_reason = is->fee.waived > 0 ? is->waiver : NULL;
	return cmd_perso_run(is->ctx, &req, &is->result);
}

/* A card reported lost, stolen or damaged is now replaced (cmd-lifecycle.h). */
static int
step_lifecycle(struct issue *is)
{
	int64_t old;
	int r;

	if ((r = cmd_lifecycle_replaced(is->ctx, is->res.id, is->result.card_id, &old)) != 0)
		return err_wrap(r, "the card is issued (card record %lld is active), but the"
		    " card it replaces was not marked replaced: ", (long long)is->result.card_id);
	if (old != 0)
		printf("replaces card record %lld (now revoked: replaced)\n", (long long)old);
	return 0;
}

static int
step_report(struct issue *is)
{
	printf("issued an NHI card to resident %lld (%s path)\n", (long long)is->res.id,
	    perso_path_name(is->path));
	cmd_perso_print(stdout, &is->result);
	printf("fee: %d yen", is->fee.due);
	if (is->fee.waived > 0)
		printf(" (%d yen waived: %s)", is->fee.waived, is->waiver);
	printf("\n");
	return 0;
}

/* Print one document of this issuance to --print-to DIR or the printer. */
static int
issue_print(struct issue *is, const char *sub, const char *kind)
{
	struct print_request a;
	char *pos[2], *path = NULL, id[24];
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = cmd_print_defaults(is->ctx, &a)) != 0)
		return r;
	snprintf(id, sizeof(id), "%lld", (long long)is->res.id);
	a.sub = sub;
	if (is->print_dir != NULL) {
		path = xasprintf("%s/%s-%s.pdf", is->print_dir, kind != NULL ? "receipt" : sub, id);
		a.out = path;
	} else
		a.printer = is->printer;
	if (kind != NULL) {
		pos[0] = (char *)kind;
		pos[1] = id;
		a.npos = 2;
	} else {
		pos[0] = id;
		a.npos = 1;
	}
	a.pos = pos;
	r = cmd_print_run(is->ctx, &a);
	free(path);
	return r;
}

static int
printing(const struct issue *is)
{
	return !is->no_print && (is->print_dir != NULL || is->printer != NULL);
}

static int
step_certificate(struct issue *is)
{
	int r;

	if (!printing(is)) {
		printf("certificate: not printed (no --print-to, --printer or print.printer);"
		    " print it with 'nhicard print %s RESIDENT'\n",
		    is->sleeve ? "sleeve" : "certificate");
		return 0;
	}
	if ((r = issue_print(is, is->sleeve ? "sleeve" : "certificate", NULL)) != 0)
		return err_wrap(r, "the card is issued (card record %lld is active), but the %s"
		    " was not printed; print it with 'nhicard print %s %lld': ",
		    (long long)is->result.card_id, is->sleeve ? "sleeve insert" : "certificate",
		    is->sleeve ? "sleeve" : "certificate", (long long)is->res.id);
	return 0;
}

static int
step_receipt(struct issue *is)
{
	int r;

	if (!printing(is))
		return 0;
	if ((r = issue_print(is, "receipt", "counter")) != 0)
		return err_wrap(r, "the card is issued and the certificate printed, but the"
		    " receipt was not; print it with 'nhicard print receipt counter %lld': ",
		    (long long)is->res.id);
	return 0;
}

static const struct issue_step issue_steps[] = {
	{ "resident", step_resident },
	{ "rules", step_rules },
	{ "queue", step_queue },
	{ "card", step_card },
	{ "lifecycle", step_lifecycle },
	{ "report", step_report },
	{ "certificate", step_certificate },
	{ "receipt", step_receipt },
};

static int
cmd_issue_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "fee-waived", required_argument, NULL, 'w' },
		{ "print-to", required_argument, NULL, 'd' },
		{ "printer", required_argument, NULL, 'P' },
		{ "sleeve", no_argument, NULL, 's' },
		{ "no-print", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct issue is;
	size_t i;
	int c, r;

	memset(&is, 0, sizeof(is));
	is.ctx = ctx;
	is.printer = config_get(ctx->cfg, "print.printer", NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:w:d:P:sn", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((r = perso_path_parse(optarg, &is.path)) != 0)
				return cmd_usage(&cmd_issue_entry, err_text(r));
			is.path_given = 1;
			break;
		case 'w':
			is.waiver = optarg;
			break;
		case 'd':
			is.print_dir = optarg;
			break;
		case 'P':
			is.printer = optarg;
			break;
		case 's':
			is.sleeve = 1;
			break;
		case 'n':
			is.no_print = 1;
			break;
		default:
			return cmd_usage(&cmd_issue_entry, "unknown option or missing value");
		}
	}
	if (argc - optind != 1)
		return cmd_usage(&cmd_issue_entry, "expected one RESIDENT");
	is.who = argv[optind];
	r = 0;
	for (i = 0; i < NHI_ARRAY_LEN(issue_steps) && r == 0; i++) {
		if ((r = issue_steps[i].run(&is)) != 0)
			log_info("issue: step %s failed: %s", issue_steps[i].name,
			    nhi_errname(r));
	}
	if (is.have_res) {
		char subject[32], detail[96];

		snprintf(subject, sizeof(subject), "resident:%lld", (long long)is.res.id);
		snprintf(detail, sizeof(detail), "card:%lld path=%s gen=%d",
		    (long long)is.result.card_id, perso_path_name(is.path) != NULL ?
		    perso_path_name(is.path) : "-",
		    is.result.key_generation);
		r = cmd_audit(ctx, r, "card.issue", subject, detail);
	}
	card_keys_free(is.keys);
	if (is.have_res)
		store_resident_free(&is.res);
	return r;
}

const struct cmd_entry cmd_issue_entry = {
	.name = "issue",
	.usage = "[--path existing|new-juki|standalone] [--fee-waived REASON]"
	    " [--print-to DIR | --printer NAME | --no-print] [--sleeve] RESIDENT",
	.summary = "issue an NHI card to one resident (the counter flow)",
	.help =
	    "RESIDENT is the resident's id in the store, or their person code.\n"
	    "The rules decide whether the person may get the card path asked for\n"
	    "(by default: the Juki card they hold, or a standalone card when the\n"
	    "rules give them one). The card in the reader (--reader) is then\n"
	    "checked (a Juki card's four basic items must all match the resident)\n"
	    "and personalized with the NHI application; the store records it as\n"
	    "active only after the card was read back and answered a challenge.\n"
	    "A card pulled half-way is left unfinished: put it back and run the\n"
	    "same command again. See docs/personalization.md.\n"
	    "\n"
	    "  --path P            existing (the Juki card held), new-juki (a Juki\n"
	    "                      card just issued, with its fee) or standalone\n"
	    "  --fee-waived REASON a fee waiver reason configured in [fee] waivers\n"
	    "  --print-to DIR      write the certificate and the counter receipt as\n"
	    "                      PDFs into DIR (certificate-ID.pdf, receipt-ID.pdf)\n"
	    "  --printer NAME      print them on that CUPS queue (default:\n"
	    "                      print.printer in the configuration)\n"
	    "  --sleeve            print the sleeve insert instead of the certificate\n"
	    "  --no-print          print nothing (print later with 'nhicard print')\n"
	    "The certificate's serial is recorded only once it is printed; a print\n"
	    "failure leaves the card issued and says how to print again.\n"
	    "\n"
	    "Exit codes: 0 issued; 1 refused (rules, wrong person, card already\n"
	    "active); 2 usage; 3 bad data; 4 card or reader problem (the store\n"
	    "shows the attempt unfinished); 5 store or key files unavailable.\n",
	.exec = cmd_issue_exec,
};
