/*
 * cmd-report.c: `nhicard report daily [--date D] -o FILE.pdf`: the
 * supervisor's daily report (report-daily.c builds it; this file reads
 * the options and prints where it went).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "report.h"
#include "util.h"

static int
cmd_report_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_daily_result res;
	const char *out = NULL;
	char day[16];
	int c, r;

	if (argc < 2 || strcmp(argv[1], "daily") != 0)
		return cmd_usage(&cmd_report_entry, "expected 'daily'");
	time_today_jst_iso(day, sizeof(day));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "+d:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (strlen(optarg) >= sizeof(day))
				return err_set(NHI_EUSAGE, "report daily --date '%.20s...': expected"
				    " a date YYYY-MM-DD", optarg);
			snprintf(day, sizeof(day), "%s", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cmd_usage(&cmd_report_entry, "unknown option or missing value");
		}
	}
	if (optind < argc - 1)
		return cmd_operands(&cmd_report_entry, "report daily", argc - 1, argv + 1,
		    optind, 0);
	if (out == NULL)
		return cmd_usage(&cmd_report_entry, "report daily needs -o FILE.pdf");
	if ((r = report_daily_session(ctx, day, out, &res)) != 0)
		return r;
	printf("daily report for %s: %s (%zu page%s; %lld card%s issued, %lld refusal%s)%s\n",
	    day, out, res.pages, res.pages == 1 ? "" : "s", (long long)res.cards,
	    res.cards == 1 ? "" : "s", (long long)res.refusals, res.refusals == 1 ? "" : "s",
	    res.empty ? "; no activity that day" : "");
	return 0;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "daily [--date YYYY-MM-DD] -o FILE.pdf",
	.summary = "the supervisor's daily report (PDF)",
	.help =
	    "  daily   the day's report as an A4 PDF (Japanese): cards and\n"
	    "          certificates issued by path and kind, voids and reprints with\n"
	    "          reasons, loss reports, fees and waivers, the queue for the\n"
	    "          center at the day's end (waiting, near or past the deadline,\n"
	    "          rejected), unfinished cards, open held items, operators'\n"
	    "          actions and refusals from the audit trail, and charts of the\n"
	    "          week's issuances and the queue's age.\n"
	    "  --date  the day (JST), default today\n"
	    "  -o, --output FILE.pdf  where to write it (replaced atomically)\n"
	    "The same store and day give the same file. See docs/report.md.\n",
	.exec = cmd_report_exec,
};
