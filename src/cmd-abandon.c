/*
 * cmd-abandon.c: `nhicard abandon --card ID --reason lost|damaged|other`:
 * a card left unfinished (pulled half-way, then lost, damaged, or another
 * card used) is given up with a reason, as the issue screen does: the
 * record becomes revoked (abandoned) through the life cycle, audited as
 * card.abandon, in one store transaction (issue_abandon_unfinished(),
 * flow-issue.c; docs/lifecycle.md). Any other state is refused with its
 * reason. Its key was never issued: nothing is queued for the center.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "flow.h"
#include "store.h"

static int
cmd_abandon_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_card after;
	const char *why = NULL;
	int64_t id = 0;
	char subject[32];
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((r = cmd_parse_id(&cmd_abandon_entry, "a card", optarg, &id)) != 0)
				return r;
			break;
		case 'r':
			why = optarg;
			break;
		default:
			return cmd_usage(&cmd_abandon_entry, "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cmd_operands(&cmd_abandon_entry, "abandon", argc, argv, optind, 0);
	if (id == 0 || why == NULL)
		return cmd_usage(&cmd_abandon_entry, "expected --card ID --reason WHY");
	if ((r = issue_abandon_unfinished(ctx, id, why, &after)) != 0) {
		/* A refusal is on record too, as for reinstate. */
		snprintf(subject, sizeof(subject), "card:%" PRId64, id);
		return session_audit(ctx, r, "card.abandon", subject, NULL);
	}
	printf("card %" PRId64 " (serial %s) of resident %" PRId64 ": given up (%s), %s\n",
	    id, after.card_serial[0] != '\0' ? after.card_serial : "-", after.resident_id,
	    why, after.state);
	return 0;
}

const struct cmd_entry cmd_abandon_entry = {
	.name = "abandon",
	.usage = "--card ID --reason lost|damaged|other",
	.summary = "give up a card left unfinished (pulled half-way), with a reason",
	.help =
	    "A card whose personalization stopped half-way (the store shows it\n"
	    "unfinished) is finished by putting the same card back and running\n"
	    "'nhicard issue' again. When that card cannot be finished, give it up:\n"
	    "  --reason lost      the card was pulled out and is lost\n"
	    "  --reason damaged   the card is damaged\n"
	    "  --reason other     another card is used instead\n"
	    "The record becomes revoked (abandoned) and the audit trail says who\n"
	    "gave it up and why; its key was never issued, so nothing is sent to\n"
	    "the center. The issue screen offers the same. See docs/lifecycle.md.\n"
	    "\n"
	    "Exit codes: 0 given up; 1 not allowed in the card's state (only an\n"
	    "unfinished card can be given up); 2 usage (a reason not in the list);\n"
	    "3 no such card; 5 store.\n",
	.exec = cmd_abandon_exec,
};
