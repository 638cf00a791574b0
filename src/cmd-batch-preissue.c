/*
 * cmd-batch-preissue.c: `nhicard batch preissue prepare|feed|export`: the
 * pre-issuance steps of batch-preissue.h for a clerk or a script: parse
 * the options, run the step, print its lines and a summary.
 */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "batch-bureau.h"
#include "batch-preissue.h"
#include "cmd.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "flow.h"
#include "nhiconf.h"
#include "rules.h"
#include "store.h"
#include "util.h"

extern const struct cmd_entry cmd_batch_preissue_entry;

/* A line for the clerk; arg: the feed's progress reporter or NULL (on a
 * terminal its bar is drawn again below the line). */
static void
pre_note(void *arg, const char *text)
{
	struct batch_progress *pg = arg;

	batch_progress_clear(pg);
	printf("%s\n", text);
	fflush(stdout);
	batch_progress_redraw(pg);
}

/* On a terminal, 'q' (then Enter, the terminal being in line mode) stops
 * the run between items or cards. */
static int
pre_stop_key(void *arg)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char c;

	(void)arg;
	if (!isatty(0) || poll(&pfd, 1, 0) <= 0)
		return 0;
	if (read(0, &c, 1) != 1)
		return 0;
	return c == 'q' || c == 'Q';
}

static int
pre_usage(const char *why)
{
	return err_set(NHI_EUSAGE, "%s\nusage: nhicard batch preissue %s\n"
	    "Run 'nhicard batch preissue help' for details.", why,
	    cmd_batch_preissue_entry.usage);
}

/* RUN: a run uid ("B-...") or id, of kind preissue. */
static int
pre_run(struct session *ctx, const char *key, struct batch_run *run)
{
	struct store *st;
	int r;

	if ((r = session_store(ctx, &st)) != 0 || (r = batch_run_find(st, key, run)) != 0)
		return r;
	if (strcmp(run->kind, BATCH_KIND_PREISSUE) != 0)
		return err_set(NHI_ESTATE, "run %s is a %s run, not a pre-issuance run",
		    run->uid, run->kind);
	return 0;
}

/* "exceptions by code: rules_refused 843, not_insured 12" */
static void
pre_codes(const struct preissue_prepare_result *res)
{
	size_t i;

	if (res->ncodes == 0)
		return;
	printf("exceptions by code:");
	for (i = 0; i < res->ncodes; i++)
		printf("%s %s %zu", i == 0 ? "" : ",", res->by_code[i].code, res->by_code[i].n);
	printf("\n");
}

static int
pre_prepare(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "date", required_argument, NULL, 'D' },
		{ "resume", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const struct flow_events ev = { .note = pre_note };
	struct preissue_prepare_opts o;
	struct preissue_prepare_result res;
	struct batch_selection sel;
	struct batch_run run;
	struct nhi_date d;
	const char *resume = NULL;
	char subject[48], detail[160];
	int c, r, used = 0;

	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+nD:R:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = 1;
			break;
		case 'D':
			if (date_parse(optarg, &d) != 0)
				return pre_usage("--date wants YYYY-MM-DD");
			o.on = optarg;
			break;
		case 'R':
			resume = optarg;
			break;
		default:
			return pre_usage("unknown option or missing value");
		}
	}
	argc -= optind;
	argv += optind;
	if (resume != NULL) {
		if (argc != 0 || o.dry_run || o.on != NULL)
			return pre_usage("--resume RUN takes no selection, --dry-run nor --date");
		if ((r = pre_run(ctx, resume, &run)) != 0)
			return r;
		o.resume_run_id = run.id;
	} else {
		if ((r = batch_selection_parse(argc, argv, &sel, &used)) != 0)
			return r;
		if (used != argc)
			return cmd_operands(&cmd_batch_entry, "batch preissue prepare", argc, argv,
			    (int)used, 0);
		o.sel = &sel;
	}
	o.stop = pre_stop_key;
	o.progress_fp = o.dry_run ? NULL : stderr;
	r = preissue_prepare(ctx, &o, &res);
	if (r == 0 && o.dry_run) {
		printf("dry run: would prepare %zu cards (existing %zu, new-juki %zu,"
		    " standalone %zu), %zu exceptions, of %zu selected; nothing was written\n",
		    res.prepared, res.existing, res.new_juki, res.standalone, res.exceptions,
		    res.selected);
		pre_codes(&res);
		return 0;
	}
	if (res.run_id != 0)
		printf("run %s (id %lld): prepared %zu cards (existing %zu, new-juki %zu,"
		    " standalone %zu), %zu exceptions, of %zu items\n", res.run_uid,
		    (long long)res.run_id, res.prepared, res.existing, res.new_juki,
		    res.standalone, res.exceptions, res.selected);
	if (r == 0 && res.exceptions > 0) {
		pre_codes(&res);
		printf("exceptions: nhicard batch exceptions %s -o FILE.csv\n", res.run_uid);
	}
	if (o.dry_run)
		return r;
	snprintf(subject, sizeof(subject), "batch:%lld", (long long)res.run_id);
	snprintf(detail, sizeof(detail), "preissue prepared=%zu exceptions=%zu",
	    res.prepared, res.exceptions);
	return session_audit(ctx, r, "batch.preissue.prepare", subject, detail);
}

static int
pre_feed(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "max-wait", required_argument, NULL, 'w' },
		{ "print-to", required_argument, NULL, 'd' },
		{ "printer", required_argument, NULL, 'P' },
		{ "sleeve", no_argument, NULL, 's' },
		{ "no-print", no_argument, NULL, 'n' },
		{ "progress-every", required_argument, NULL, 'E' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct flow_events ev = { .note = pre_note };
	struct preissue_feed_opts o;
	struct preissue_feed_result res;
	struct batch_run run;
	char subject[48], detail[160], *end;
	int c, r, no_print = 0, quiet = 0;
	long v, every_n = 1000;

	memset(&o, 0, sizeof(o));
	o.printer = config_get(ctx->cfg, "print.printer", NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:w:d:P:snq", longopts, NULL)) != -1) {
		switch (c) {
		case 'E':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 100000000)
				return err_set(NHI_EUSAGE, "--progress-every: expected a number"
				    " from 1 to 100000000, not '%s'", optarg);
			every_n = v;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'c':
		case 'w':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v <= 0 || v > 1000000)
				return pre_usage(c == 'c' ? "--count wants a positive number" :
				    "--max-wait wants a positive number of seconds");
			if (c == 'c')
				o.count = v;
			else
				o.max_wait_s = (int)v;
			break;
		case 'd':
			o.print_dir = optarg;
			break;
		case 'P':
			o.printer = optarg;
			break;
		case 's':
			o.sleeve = 1;
			break;
		case 'n':
			no_print = 1;
			break;
		default:
			return pre_usage("unknown option or missing value");
		}
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_batch_entry, "batch preissue feed", argc, argv, optind, 1);
	if (argc - optind != 1)
		return pre_usage("expected one RUN");
	if (no_print)
		o.print_dir = o.printer = NULL;
	if ((r = pre_run(ctx, argv[optind], &run)) != 0)
		return r;
	o.run_id = run.id;
	o.stop = pre_stop_key;
	/* Progress on stderr like the other runs: a bar on a terminal, a line
	 * every N cards or 10 s otherwise; the clerk's lines stay on stdout. */
	o.progress = batch_progress_new(quiet ? NULL : stderr, "preissue feed", run.total, -1,
	    every_n, 10);
	ev.arg = o.progress;
	o.ev = &ev;
	r = preissue_feed(ctx, &o, &res);
	ev.arg = NULL;
	batch_progress_finish(o.progress);
	batch_progress_free(o.progress);
	snprintf(subject, sizeof(subject), "batch:%lld", (long long)run.id);
	snprintf(detail, sizeof(detail), "preissue feed cards=%zu issued=%zu exceptions=%zu"
	    " set_aside=%zu", res.cards, res.issued, res.exceptions, res.rejected);
	return session_audit(ctx, r, "batch.preissue.feed", subject, detail);
}

static int
pre_export(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct batch_run run;
	const char *path = NULL;
	char subject[48], detail[64];
	size_t n = 0;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:", longopts, NULL)) != -1) {
		if (c != 'o')
			return pre_usage("unknown option or missing value");
		path = optarg;
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_batch_entry, "batch preissue export", argc, argv, optind, 1);
	if (path == NULL || argc - optind != 1)
		return pre_usage("expected -o FILE and one RUN");
	if ((r = pre_run(ctx, argv[optind], &run)) != 0)
		return r;
	r = preissue_export(ctx, run.id, path, &n);
	if (r == 0)
		printf("run %s: %zu record%s exported to %s\n", run.uid, n, n == 1 ? "" : "s",
		    path);
	snprintf(subject, sizeof(subject), "batch:%lld", (long long)run.id);
	snprintf(detail, sizeof(detail), "preissue bureau export records=%zu", n);
	return session_audit(ctx, r, "batch.preissue.export", subject, detail);
}

static void
pre_line(void *arg, const char *text)
{
	(void)arg;
	printf("%s\n", text);
	fflush(stdout);
}

static int
pre_sign_keys(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct bureau_sign_result res;
	struct batch_run run;
	const char *path = NULL;
	char subject[48], detail[96];
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:", longopts, NULL)) != -1) {
		if (c != 'o')
			return pre_usage("unknown option or missing value");
		path = optarg;
	}
	if (argc - optind > 2)
		return cmd_operands(&cmd_batch_entry, "batch preissue sign-keys", argc, argv,
		    optind, 2);
	if (path == NULL || argc - optind != 2)
		return pre_usage("expected -o FILE, the bureau's keys file and one RUN");
	if ((r = pre_run(ctx, argv[optind + 1], &run)) != 0)
		return r;
	memset(&res, 0, sizeof(res));
	r = bureau_sign_keys(ctx, run.id, argv[optind], path, pre_line, NULL, &res);
	if (r == 0)
		printf("run %s: %zu record%s signed into %s, %zu not signed, %zu spoiled\n",
		    run.uid, res.signed_records, res.signed_records == 1 ? "" : "s", path,
		    res.refused, res.spoiled);
	snprintf(subject, sizeof(subject), "batch:%lld", (long long)run.id);
	snprintf(detail, sizeof(detail), "preissue bureau sign-keys signed=%zu refused=%zu"
	    " spoiled=%zu", res.signed_records, res.refused, res.spoiled);
	r = session_audit(ctx, r, "batch.preissue.sign", subject, detail);
	if (r == 0 && res.refused > 0)
		r = err_set(NHI_EPARSE, "%zu keyed card%s not signed (named above)",
		    res.refused, res.refused == 1 ? "" : "s");
	return r;
}

static int
pre_import_result(struct session *ctx, int argc, char **argv)
{
	struct bureau_import_result res;
	struct batch_run run;
	char subject[48], detail[160];
	int r;

	if (argc > 3)
		return cmd_operands(&cmd_batch_entry, "batch preissue import-result", argc, argv,
		    1, 2);
	if (argc != 3 || argv[1][0] == '-')
		return pre_usage("expected the bureau's result FILE and one RUN");
	if ((r = pre_run(ctx, argv[2], &run)) != 0)
		return r;
	memset(&res, 0, sizeof(res));
	r = bureau_import_result(ctx, run.id, argv[1], pre_line, NULL, &res);
	if (r == 0)
		printf("run %s: imported %zu made, %zu undeliverable, %zu spoiled, %zu"
		    " exceptions, %zu unchanged, %zu rejected%s\n", run.uid, res.made,
		    res.undeliverable, res.spoiled, res.exceptions, res.unchanged, res.rejected,
		    res.run_done ? "; the run is done" : "");
	snprintf(subject, sizeof(subject), "batch:%lld", (long long)run.id);
	snprintf(detail, sizeof(detail), "preissue bureau import made=%zu undeliverable=%zu"
	    " spoiled=%zu exceptions=%zu unchanged=%zu rejected=%zu", res.made,
	    res.undeliverable, res.spoiled, res.exceptions, res.unchanged, res.rejected);
	r = session_audit(ctx, r, "batch.preissue.import", subject, detail);
	if (r == 0 && res.rejected + res.exceptions + res.spoiled > 0)
		r = err_set(NHI_EPARSE, "%zu record%s rejected, %zu item%s set aside (named"
		    " above; nhicard batch exceptions %s)", res.rejected,
		    res.rejected == 1 ? "" : "s", res.exceptions + res.spoiled,
		    res.exceptions + res.spoiled == 1 ? "" : "s", run.uid);
	return r;
}

static int
cmd_batch_preissue_exec(struct session *ctx, int argc, char **argv)
{
	if (argc < 2)
		return pre_usage("expected prepare, feed, export, sign-keys, import-result or"
		    " help");
	/* main() answers --help anywhere with the help of `batch`: "help"
	 * gives this one. */
	if (strcmp(argv[1], "help") == 0) {
		printf("usage: nhicard batch preissue %s\n\n%s\n\n%s",
		    cmd_batch_preissue_entry.usage, cmd_batch_preissue_entry.summary,
		    cmd_batch_preissue_entry.help);
		return 0;
	}
	if (strcmp(argv[1], "prepare") == 0)
		return pre_prepare(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "feed") == 0)
		return pre_feed(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return pre_export(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "sign-keys") == 0)
		return pre_sign_keys(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "import-result") == 0)
		return pre_import_result(ctx, argc - 1, argv + 1);
	return pre_usage("expected prepare, feed, export, sign-keys, import-result or help");
}

const struct cmd_entry cmd_batch_preissue_entry = {
	.name = "preissue",
	.usage = "prepare [--dry-run] [--date YYYY-MM-DD] SELECTION | prepare --resume RUN\n"
	    "       | feed [--count N] [--max-wait SEC] [--print-to DIR | --printer NAME |"
	    " --no-print] [--sleeve]\n"
	    "         [--progress-every N] [--quiet] RUN\n"
	    "       | export -o FILE RUN | sign-keys -o FILE KEYS RUN\n"
	    "       | import-result FILE RUN | help",
	.summary = "pre-issue NHI cards for a selection: prepare, feed cards, or export"
	    " for a card bureau",
	.help =
	    "SELECTION is all | district D | list FILE (see 'nhicard batch --help').\n"
	    "RUN is a run id (B-YYYYMMDD-NNNN) or its number. See docs/batch.md.\n"
	    "\n"
	    "prepare   for each selected insured person: the card path the rules give,\n"
	    "          a reserved random user number, the key record's fields and the\n"
	    "          certificate data; one checkpoint per person. Nothing is queued\n"
	    "          for the center until a card is active. --dry-run says what\n"
	    "          would be prepared and writes nothing; --resume RUN finishes a\n"
	    "          preparation that was stopped.\n"
	    "feed      personalize cards put in the reader one after another: a Juki\n"
	    "          card goes to the prepared person whose four basic items it\n"
	    "          holds, a blank standalone card to the next standalone item;\n"
	    "          each is written with its prepared user number, verified, its\n"
	    "          certificate printed (--print-to DIR, --printer, --sleeve) and\n"
	    "          checkpointed; then 'remove the card'. A card pulled mid-write is\n"
	    "          finished when put back. Stops when the run is complete, after\n"
	    "          --count N cards, when no card came for --max-wait SEC, or on\n"
	    "          'q' + Enter at a terminal; --max-wait also bounds the wait for\n"
	    "          a card's removal. Progress on stderr: on a terminal a bar\n"
	    "          (cards handled of the run's items, exceptions, cards per\n"
	    "          minute, time left) below the last prompt; otherwise a line\n"
	    "          every --progress-every N cards (1000) or 10 s; --quiet: none.\n"
	    "export    the prepared standalone cards for a card bureau: signed with\n"
	    "          the station key, encrypted to batch.bureau_cert (pinned by\n"
	    "          batch.bureau_fingerprint), mode 0600; the items are marked\n"
	    "          exported and a re-export writes the same records.\n"
	    "sign-keys the bureau's keys file (the public keys its cards generated):\n"
	    "          each checked against its item, its key record signed with the\n"
	    "          municipality's key and sealed back to the bureau into -o FILE.\n"
	    "import-result  the bureau's result: each card that verifies becomes\n"
	    "          active (card_issued queued) and its item done; spoiled cards and\n"
	    "          records that do not verify set the item aside with the reason;\n"
	    "          undeliverable cards are revoked at the center as lost. A\n"
	    "          re-import changes nothing. Exit 3 when a record was rejected or\n"
	    "          an item set aside.\n",
	.exec = cmd_batch_preissue_exec,
};
