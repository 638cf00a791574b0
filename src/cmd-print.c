/*
 * cmd-print.c: `nhicard print certificate|sleeve|sheet|receipt`: print the
 * papers handed over at the counter, to a PDF file, a CUPS queue, or a PNG
 * proof. The options are parsed here; printing is flow-print.c.
 *
 * A certificate's serial is recorded in the same store transaction that
 * voids the earlier one, and that transaction commits only after the PDF was
 * written (or its print job completed), so a full disk never leaves a serial for a
 * paper that does not exist. A proof (--preview) records nothing.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "flow-print.h"
#include "nhiconf.h"
#include "print.h"
#include "rules.h"
#include "util.h"


static void
append_line(char **dst, const char *line)
{
	char *s;

	if (*dst == NULL) {
		*dst = xstrdup(line);
		return;
	}
	s = xasprintf("%s\n%s", *dst, line);
	free(*dst);
	*dst = s;
}

static int
parse_args(struct session *ctx, int argc, char **argv, struct print_request *a)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "printer", required_argument, NULL, 'P' },
		{ "preview", required_argument, NULL, 'p' },
		{ "reason", required_argument, NULL, 'R' },
		{ "date", required_argument, NULL, 'D' },
		{ "creation-date", required_argument, NULL, 'C' },
		{ "templates", required_argument, NULL, 'T' },
		{ "volume-size", required_argument, NULL, 'V' },
		{ "all", no_argument, NULL, 'a' },
		{ "action", required_argument, NULL, 'A' },
		{ "next", required_argument, NULL, 'N' },
		{ "sex-on-back", no_argument, NULL, 'S' },
		{ "media", required_argument, NULL, 'M' },
		{ "duplex", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 }
	};
	const char *creation = NULL;
	char *end;
	int c, r, targets;

	if (argc < 2)
		return cmd_usage(&cmd_print_entry, "expected certificate, sleeve, notice, sheet or receipt");
	a->sub = argv[1];
	if (strcmp(a->sub, "certificate") != 0 && strcmp(a->sub, "sleeve") != 0 &&
	    strcmp(a->sub, "notice") != 0 &&
	    strcmp(a->sub, "sheet") != 0 && strcmp(a->sub, "receipt") != 0)
		return cmd_usage(&cmd_print_entry, "expected certificate, sleeve, notice, sheet or receipt");
	if ((r = flow_print_defaults(ctx, a)) != 0)
		return r;
	a->reprint_once = 1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'P':
			a->printer = optarg;
			break;
		case 'p':
			a->preview = optarg;
			break;
		case 'R':
			a->reason = optarg;
			break;
		case 'D':
			if (date_parse(optarg, &a->day) != 0 || !date_valid(&a->day))
				return cmd_usage(&cmd_print_entry, "--date: expected YYYY-MM-DD");
			break;
		case 'C':
			creation = optarg;
			break;
		case 'T':
			a->opts.templates_dir = optarg;
			break;
		case 'V':
			a->volume_size = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || a->volume_size < 1 ||
			    a->volume_size > 1000000)
				return cmd_usage(&cmd_print_entry, "--volume-size: expected 1 to 1000000");
			break;
		case 'a':
			a->all = 1;
			break;
		case 'A':
			append_line(&a->actions, optarg);
			break;
		case 'N':
			append_line(&a->next_steps, optarg);
			break;
		case 'S':
			a->sex_on_back = 1;
			break;
		case 'M':
			a->media = optarg;
			break;
		case 'X':
			if ((a->sides = flow_print_sides(optarg)) == NULL)
				return cmd_usage(&cmd_print_entry, "--duplex: expected long, short or off");
			break;
		default:
			return cmd_usage(&cmd_print_entry, "unknown option or missing argument");
		}
	}
	a->pos = argv + 1 + optind;
	a->npos = argc - 1 - optind;
	targets = (a->out != NULL) + (a->printer != NULL) + (a->preview != NULL);
	if (targets != 1)
		return cmd_usage(&cmd_print_entry,
		    "give exactly one of -o FILE.pdf, --printer NAME, --preview FILE.png");
	if (creation != NULL &&
	    (r = print_parse_creation_date(creation, &a->opts.creation_time)) != 0)
		return r;
	a->opts.proof = a->preview != NULL;
	return 0;
}

static int
cmd_print_exec(struct session *ctx, int argc, char **argv)
{
	struct print_request a = { 0 };
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) != 0)
		goto out;
	r = flow_print_run(ctx, &a);
out:
	free(a.actions);
	free(a.next_steps);
	return r;
}

const struct cmd_entry cmd_print_entry = {
	.name = "print",
	.usage = FLOW_PRINT_USAGE,
	.summary = "print certificates, sleeve inserts, batch sheets and receipts",
	.help =
	    "  certificate RESIDENT   the card-size certificate (front and back) of the\n"
	    "                         resident's current eligibility (被保険者証, 短期,\n"
	    "                         資格証明書 or 資格確認書)\n"
	    "  sleeve RESIDENT        the insert for the Juki card's transparent case\n"
	    "  notice RESIDENT        資格情報のお知らせ, for a resident whose My Number\n"
	    "                         card is linked ('nhicard mynumber link')\n"
	    "  sheet --all|RESIDENT...  certificates imposed on A4 with crop marks,\n"
	    "                         in volumes of --volume-size (FILE-001.pdf, ...;\n"
	    "                         one print job each), each recorded once written\n"
	    "  receipt counter|loss RESIDENT  the counter or loss-report receipt\n"
	    "RESIDENT is a person code (宛名番号) or a resident id.\n"
	    "Output (exactly one):\n"
	    "  -o, --output FILE.pdf  write the PDF (atomically)\n"
	    "  --printer NAME         print on the CUPS queue NAME and wait until the\n"
	    "                         job completed (the clerk is told when the printer\n"
	    "                         is stopped, out of paper or unreachable)\n"
	    "  --preview FILE.png     a proof at 300 dpi (pdftoppm); marks 外字 and text\n"
	    "                         that does not fit; records nothing\n"
	    "Options:\n"
	    "  --reason TEXT          reprint: void the valid certificate with this reason\n"
	    "  --sex-on-back          certificate, sleeve: 性別 on the back for this print;\n"
	    "                         a resident who asked for it always gets it there\n"
	    "                         (resident edit --sex-on-back yes)\n"
	    "  --date YYYY-MM-DD      交付年月日 / receipt date (default today)\n"
	    "  --creation-date D      PDF creation date (YYYY-MM-DD[THH:MM:SSZ] or\n"
	    "                         @EPOCH; default $SOURCE_DATE_EPOCH, else now)\n"
	    "  --templates DIR        templates directory (print.templates_dir)\n"
	    "  --media NAME           printer: media (print.media), e.g. A4\n"
	    "  --duplex long|short|off  printer: two-sided (print.duplex; sheet: long)\n"
	    "  --volume-size N        sheet: certificates per PDF (print.volume_size, 1000)\n"
	    "  --action TEXT, --next TEXT  receipt: what was done, what to do next\n"
	    "                         (repeatable; one line each)\n"
	    "Configuration: print.templates_dir, print.font_path (colon-separated font\n"
	    "directories), print.insurer_name (保険者名称), print.volume_size,\n"
	    "print.printer, print.media, print.duplex, print.cups_server,\n"
	    "print.job_timeout (seconds, 600: then the job is cancelled).\n"
	    "A certificate's serial is recorded (and the earlier one voided) only once\n"
	    "its PDF is written or its print job completed. Text that does not fit even at its minimum size (never\n"
	    "under 6 pt) is refused, never clipped: check it with --preview.\n",
	.exec = cmd_print_exec,
};
