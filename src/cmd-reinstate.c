/*
 * cmd-reinstate.c: `nhicard reinstate --card ID`: a card reported lost
 * turned up before a replacement was issued: it becomes active again, the
 * center is told through the queue (queue_card_reinstated) and the audit
 * entry appended, in one store transaction (docs/lifecycle.md). Anything
 * the life cycle does not allow (a card replaced, stolen, ...) is refused
 * with its reason.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "flow.h"
#include "lifecycle.h"
#include "queue.h"
#include "store.h"

static int
cmd_reinstate_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_card after;
	struct store *st;
	int64_t id = 0, seq = 0;
	char subject[32];
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((r = cmd_parse_id(&cmd_reinstate_entry, "a card", optarg, &id)) != 0)
				return r;
			break;
		default:
			return cmd_usage(&cmd_reinstate_entry, "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cmd_operands(&cmd_reinstate_entry, "reinstate", argc, argv, optind, 0);
	if (optind != argc || id == 0)
		return cmd_usage(&cmd_reinstate_entry, "expected --card ID");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if ((r = reinstate_execute(ctx, id, &after, &seq)) != 0) {
		snprintf(subject, sizeof(subject), "card:%" PRId64, id);
		return session_audit(ctx, r, "card.reinstate", subject, NULL);
	}
	printf("card %" PRId64 " (serial %s) of resident %" PRId64 ": reinstated, %s\n",
	    id, after.card_serial, after.resident_id, after.state);
	printf("reinstatement queued for the center: record %" PRId64 "\n", seq);
	return 0;
}

const struct cmd_entry cmd_reinstate_entry = {
	.name = "reinstate",
	.usage = "--card ID",
	.summary = "reinstate a card reported lost that turned up before a replacement",
	.help =
	    "A card reported lost ('nhicard revoke --reason lost', state suspended)\n"
	    "that was found before a replacement was issued becomes active again;\n"
	    "the center is told through the queue. A card replaced, stolen, damaged,\n"
	    "or revoked for any other reason stays revoked (exit 1), and its NHI AP\n"
	    "is locked when it is presented to the station. See docs/lifecycle.md.\n"
	    "\n"
	    "Exit codes: 0 reinstated; 1 not allowed in the card's state (or the\n"
	    "resident holds another active card); 2 usage; 3 no such card;\n"
	    "5 store.\n",
	.exec = cmd_reinstate_exec,
};
