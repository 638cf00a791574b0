/*
 * cmd-issue.c: `nhicard issue RESIDENT`: the counter flow for one person
 * without the UI. The steps (resident, rules, queue, card, lifecycle,
 * report, certificate, receipt) live in flow-issue.c, shared with the
 * clerk's screen and batch runs; this command parses the options, runs the
 * plan and the execution and prints the flow's lines as they come.
 *
 * The card is issued once the card step succeeded: a later print failure
 * says so and how to print again, and never undoes the card.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "card-perso.h"
#include "cmd.h"
#include "error.h"
#include "flow.h"
#include "nhiconf.h"
#include "util.h"

static int
cmd_issue_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "fee-waived", required_argument, NULL, 'w' },
		{ "print-to", required_argument, NULL, 'd' },
		{ "printer", required_argument, NULL, 'P' },
		{ "sleeve", no_argument, NULL, 's' },
		{ "no-print", no_argument, NULL, 'n' },
		{ "sex-on-back", no_argument, NULL, 'S' },
		{ "gaiji-decided", no_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	struct issue_request req;
	struct issue_result res;
	int c, r;

	memset(&req, 0, sizeof(req));
	req.printer = config_get(ctx->cfg, "print.printer", NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:w:d:P:sn", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((r = perso_path_parse(optarg, &req.path)) != 0)
				return cmd_usage(&cmd_issue_entry, err_text(r));
			req.path_given = 1;
			break;
		case 'w':
			req.waiver = optarg;
			break;
		case 'd':
			req.print_dir = optarg;
			break;
		case 'P':
			req.printer = optarg;
			break;
		case 's':
			req.sleeve = 1;
			break;
		case 'n':
			req.no_print = 1;
			break;
		case 'S':
			req.sex_on_back = 1;
			break;
		case 'G':
			req.gaiji_decided = 1;
			break;
		default:
			return cmd_usage(&cmd_issue_entry, "unknown option or missing value");
		}
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_issue_entry, "issue", argc, argv, optind, 1);
	if (argc - optind != 1)
		return cmd_usage(&cmd_issue_entry, "expected one RESIDENT");
	req.who = argv[optind];
	return issue_run(ctx, &req, &flow_events_stdout, &res);
}

const struct cmd_entry cmd_issue_entry = {
	.name = "issue",
	.usage = "[--path existing|new-juki|standalone] [--fee-waived REASON]"
	    " [--print-to DIR | --printer NAME | --no-print] [--sleeve] [--sex-on-back]"
	    " [--gaiji-decided] RESIDENT",
	.summary = "issue an NHI card to one resident (the counter flow)",
	.help =
	    "RESIDENT is the resident's id in the store, or their person code.\n"
	    "The rules decide whether the person may get the card path asked for\n"
	    "(by default: the Juki card they hold, or a standalone card when the\n"
	    "rules give them one). Nobody the rules exclude today gets a card; under\n"
	    "today's law Juki cards have expired (rules.law = pilot keeps them). The card in the reader (--reader) is then\n"
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
	    "  --sex-on-back       性別 on the back for this print (a resident who asked\n"
	    "                      for it always gets it: resident edit --sex-on-back)\n"
	    "  --gaiji-decided     a supervisor checked that the card, whose name\n"
	    "                      differs from the register only at 外字, is the\n"
	    "                      resident's own (needs --approver; audited as\n"
	    "                      issue.gaiji_match). Without it such a card is held:\n"
	    "                      exit 1, nothing written, reason card.mismatch_gaiji\n"
	    "The certificate's serial is recorded only once it is printed; a print\n"
	    "failure leaves the card issued and says how to print again.\n"
	    "\n"
	    "Exit codes: 0 issued; 1 refused (rules, wrong person, card already\n"
	    "active); 2 usage; 3 bad data; 4 card or reader problem (the store\n"
	    "shows the attempt unfinished); 5 store or key files unavailable.\n",
	.exec = cmd_issue_exec,
};
