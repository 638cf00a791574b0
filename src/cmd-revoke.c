/*
 * cmd-revoke.c: `nhicard revoke`: a loss report (docs/lifecycle.md). The
 * steps (check, find the card, record the report with the card's change
 * of state, the revocation in the queue's revocation lane and the audit
 * entry in one store transaction, the loss-report receipt) live in
 * flow-revoke.c, shared with the clerk's loss-report screen; this command
 * parses the options, runs the flow, prints its lines and, with
 * --replace, runs the issue flow (flow-issue.c) with the new card in the
 * reader. Also the eligibility sweep that `nhicard eligibility` and
 * `nhicard import` run (cmd-lifecycle.h).
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-lifecycle.h"
#include "card-perso.h"
#include "error.h"
#include "flow.h"
#include "lifecycle.h"
#include "nhiconf.h"
#include "queue.h"
#include "store.h"
#include "util.h"

/* The replacement: the issue flow for the resident with the new card in
 * the reader, printing nothing (as `nhicard issue --no-print`). */
static int
revoke_replace(struct session *ctx, const struct revoke_result *rres, const char *path,
    const char *waiver, const struct flow_events *ev)
{
	struct issue_request req;
	struct issue_result res;
	struct store_card old;
	struct store *st;
	char id[24];
	int r;

	snprintf(id, sizeof(id), "%" PRId64, rres->resident_id);
	memset(&req, 0, sizeof(req));
	req.who = id;
	req.no_print = 1;
	req.waiver = waiver;
	if (path != NULL) {
		if ((r = perso_path_parse(path, &req.path)) != 0)
			return cmd_usage(&cmd_revoke_entry, err_text(r));
		req.path_given = 1;
	}
	printf("replacement: issuing a new card to resident %s\n", id);
	r = issue_run(ctx, &req, ev, &res);
	if (r != 0)
		return err_wrap(r, "the report is recorded and card %" PRId64 " revoked, but"
		    " no replacement was issued; put the new card in the reader and run"
		    " 'nhicard issue %s': ", rres->card_id, id);
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = store_card_get(st, rres->card_id, &old)) != 0)
		return r;
	printf("card %" PRId64 ": %s (%s)\n", old.id, old.state, old.state_reason);
	return 0;
}

int
cmd_lifecycle_eligibility_sweep(struct session *ctx, size_t *revoked)
{
	struct store *st;
	struct store_card after;
	int64_t *ids = NULL, seq = 0;
	char today[11], subject[32], detail[96];
	size_t n = 0, i, done = 0;
	int r;

	if ((r = session_store(ctx, &st)) != 0)
		return r;
	time_today_jst_iso(today, sizeof(today));
	if ((r = store_card_active_without_eligibility(st, today, &ids, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = store_begin(st)) != 0)
			goto out;
		snprintf(subject, sizeof(subject), "card:%" PRId64, ids[i]);
		if ((r = store_card_transition(st, ids[i], LC_EV_REVOKE_ELIG,
		    "no NHI eligibility in force", NULL, NULL, &after)) != 0 ||
		    (r = queue_card_revoked(st, ids[i], QUEUE_REASON_ELIGIBILITY_ENDED,
		    &seq)) != 0)
			goto fail;
		snprintf(detail, sizeof(detail), "resident:%" PRId64 " reason=eligibility_ended"
		    " automatic queue_seq=%" PRId64, after.resident_id, seq);
		if ((r = audit_append(st, ctx->operator_login, "card.revoke", subject, AUDIT_OK,
		    detail)) != 0 || (r = store_commit(st)) != 0)
			goto fail;
		printf("card %" PRId64 " of resident %" PRId64 ": revoked (eligibility_ended):"
		    " the NHI key is revoked at the center; the card stays in use for its"
		    " other services\n", ids[i], after.resident_id);
		done++;
	}
	r = 0;
	goto out;
fail:
	store_rollback(st);
out:
	free(ids);
	if (revoked != NULL)
		*revoked = done;
	return r;
}

static int
cmd_revoke_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "reason", required_argument, NULL, 'r' },
		{ "reported-by", required_argument, NULL, 'b' },
		{ "how", required_argument, NULL, 'h' },
		{ "replace", no_argument, NULL, 'R' },
		{ "receipt", required_argument, NULL, 'o' },
		{ "printer", required_argument, NULL, 'P' },
		{ "path", required_argument, NULL, 'p' },
		{ "fee-waived", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct revoke_request req;
	struct revoke_result res;
	const char *path = NULL, *waiver = NULL;
	char why[1024];
	int c, r;

	memset(&req, 0, sizeof(req));
	req.printer = config_get(ctx->cfg, "print.printer", NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:r:b:h:Ro:P:p:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((r = cmd_parse_id(&cmd_revoke_entry, "a card", optarg,
			    &req.card_id)) != 0)
				return r;
			break;
		case 'r':
			req.reason = optarg;
			break;
		case 'b':
			req.reported_by = optarg;
			break;
		case 'h':
			req.how = optarg;
			break;
		case 'R':
			req.replace = 1;
			break;
		case 'o':
			req.receipt = optarg;
			break;
		case 'P':
			req.printer = optarg;
			break;
		case 'p':
			path = optarg;
			break;
		case 'w':
			waiver = optarg;
			break;
		default:
			return cmd_usage(&cmd_revoke_entry, "unknown option or missing value");
		}
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_revoke_entry, "revoke", argc, argv, optind, 1);
	if (argc - optind == 1)
		req.who = argv[optind];
	if ((r = revoke_execute(ctx, &req, &flow_events_stdout, &res)) != 0) {
		/* The flow's usage errors name the option; add the usage line. */
		if (r == NHI_EUSAGE) {
			snprintf(why, sizeof(why), "%s", err_text(r));
			return cmd_usage(&cmd_revoke_entry, why);
		}
		return r;
	}
	if (req.replace)
		return revoke_replace(ctx, &res, path, waiver, &flow_events_stdout);
	return 0;
}

const struct cmd_entry cmd_revoke_entry = {
	.name = "revoke",
	.usage = "RESIDENT|--card ID --reason REASON --reported-by WHO --how HOW"
	    " [--replace [--path P] [--fee-waived W]] [--receipt FILE.pdf | --printer NAME]",
	.summary = "record a loss report: revoke the card's NHI key at once",
	.help =
	    "Records a report that a card was lost, stolen or damaged, that its\n"
	    "holder died or that the NHI eligibility ended, and revokes the card's\n"
	    "NHI key at once: the card's state changes, the report (who, how, when)\n"
	    "is recorded, the revocation is queued in the queue's revocation lane\n"
	    "and the audit entry appended, in one transaction. See docs/lifecycle.md.\n"
	    "\n"
	    "  RESIDENT            the resident's id or person code: their active\n"
	    "                      card (or, except for lost, their suspended card)\n"
	    "  --card ID           the card record instead\n"
	    "  --reason R          lost (the card becomes suspended: it can be\n"
	    "                      reinstated if found before a replacement), stolen,\n"
	    "                      damaged, died, eligibility_ended (revoked)\n"
	    "  --reported-by WHO   who reported it (holder, family, register, ...)\n"
	    "  --how HOW           counter, phone or mail\n"
	    "  --receipt FILE.pdf  write the loss-report receipt there (else to\n"
	    "  --printer NAME      that CUPS queue, default print.printer)\n"
	    "  --replace           then issue a replacement to the new card in the\n"
	    "                      reader ('nhicard issue'): a new user number and the\n"
	    "                      next key generation; the old card becomes revoked\n"
	    "                      (replaced) and is locked when it is presented again\n"
	    "  --path, --fee-waived  passed to 'nhicard issue' for the replacement\n"
	    "\n"
	    "Exit codes: 0 revoked; 1 not allowed in the card's state; 2 usage;\n"
	    "3 unknown resident or card; 4 card problem (replacement); 5 store.\n",
	.exec = cmd_revoke_exec,
};
