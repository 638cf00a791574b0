/*
 * cmd-batch.c: `nhicard batch`: runs over a selection of residents with
 * checkpoints (batch.h, docs/batch.md). One table of sub-commands; each
 * prints the run id when it starts, progress on stderr (a bar on a
 * terminal, plain lines otherwise) and a summary on stdout.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cmd.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "store.h"
#include "util.h"

extern const struct cmd_entry cmd_batch_entry;
extern const struct cmd_entry cmd_batch_preissue_entry;	/* cmd-batch-preissue.c */

/* ---- Shared pieces ------------------------------------------------------- */

static volatile sig_atomic_t batch_interrupted;

static void
batch_on_signal(int sig)
{
	(void)sig;
	batch_interrupted = 1;
}

/* Ctrl-C (or TERM) stops the run between items: it stays resumable. */
static void
batch_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = batch_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int
batch_stop(void *arg)
{
	(void)arg;
	return batch_interrupted;
}

/* Progress options: --progress-every N (lines every N items). */
struct progress_opts {
	long	every_n;
	double	every_s;
	int	quiet;
};

static struct batch_progress *
progress_for(const struct progress_opts *po, const struct batch_run *run)
{
	return batch_progress_new(po->quiet ? NULL : stderr, run->kind, run->total, -1,
	    po->every_n, po->every_s);
}

static int
parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return err_set(NHI_EUSAGE, "%s: expected a number from %ld to %ld, not '%s'",
		    opt, min, max, s);
	*out = v;
	return 0;
}

static void
run_line(const struct batch_run *run)
{
	printf("%-16s %-8s %-9s %7lld items: %lld done, %lld exceptions, %lld open  %s  %s\n",
	    run->uid, run->kind, run->state, (long long)run->total, (long long)run->done,
	    (long long)run->exceptions, (long long)(run->pending + run->prepared),
	    run->created_at, run->selection);
}

static int
find_run(struct session *ctx, const char *key, struct batch_run *run)
{
	struct store *st;
	int r;

	if ((r = session_store(ctx, &st)) != 0)
		return r;
	return batch_run_find(st, key, run);
}

static int
audit_run(struct session *ctx, int r, const char *action, const struct batch_run *run,
    const char *detail)
{
	char subject[32];

	snprintf(subject, sizeof(subject), "batch:%lld", (long long)run->id);
	return session_audit(ctx, r, action, run->id != 0 ? subject : NULL, detail);
}

static void
summary(const struct batch_run *run, const char *what, long long n)
{
	printf("run %s: %s: %lld %s, %lld exceptions", run->uid, run->state, n, what,
	    (long long)run->exceptions);
	if (strcmp(run->state, BATCH_RUN_DONE) != 0)
		printf(" (%lld open: 'nhicard batch resume %s')",
		    (long long)(run->pending + run->prepared), run->uid);
	printf("\n");
	if (run->exceptions > 0)
		printf("exceptions: nhicard batch exceptions %s -o FILE.csv\n", run->uid);
}

/* Work a renew or revoke run to its end (or a stop). */
static int
work_run(struct session *ctx, struct batch_run *run, const struct progress_opts *po)
{
	struct batch_progress *pg = progress_for(po, run);
	struct batch_renew_result rr;
	struct batch_revoke_result vr;
	char detail[128];
	int r;

	batch_catch_signals();
	if (strcmp(run->kind, BATCH_KIND_RENEW) == 0) {
		r = batch_renew_execute(ctx, run, pg, batch_stop, NULL, &rr);
		batch_progress_finish(pg);
		if (r == 0)
			summary(run, "certificates renewed", (long long)run->done);
		if (r == 0 && rr.volumes > 0)
			printf("%lld PDF%s written this time\n", (long long)rr.volumes,
			    rr.volumes == 1 ? "" : "s");
		snprintf(detail, sizeof(detail), "renew done=%lld exceptions=%lld",
		    (long long)run->done, (long long)run->exceptions);
		/* A run finished now was audited in the transaction that
		 * marked it done; a stop or a failure is audited here. */
		if (r != 0 || strcmp(run->state, BATCH_RUN_DONE) != 0)
			r = audit_run(ctx, r, "batch.renew", run, detail);
	} else if (strcmp(run->kind, BATCH_KIND_REVOKE) == 0) {
		r = batch_revoke_execute(ctx, run, pg, batch_stop, NULL, &vr);
		batch_progress_finish(pg);
		if (r == 0)
			summary(run, "cards revoked", (long long)run->done);
		snprintf(detail, sizeof(detail), "revoke done=%lld exceptions=%lld",
		    (long long)run->done, (long long)run->exceptions);
		if (r != 0 || strcmp(run->state, BATCH_RUN_DONE) != 0)
			r = audit_run(ctx, r, "batch.revoke", run, detail);
	} else
		r = err_set(NHI_EUSAGE, "run %s is a %s run: resume it with 'nhicard batch %s'",
		    run->uid, run->kind, run->kind);
	batch_progress_free(pg);
	if (r == 0 && batch_interrupted)
		printf("stopped: resume with 'nhicard batch resume %s'\n", run->uid);
	return r;
}

/* Options every working sub-command takes; returns the getopt code or 0. */
#define PROGRESS_LONGOPTS \
	{ "progress-every", required_argument, NULL, 'P' }, \
	{ "quiet", no_argument, NULL, 'q' }

static int
progress_opt(int c, struct progress_opts *po)
{
	if (c == 'P')
		return parse_long("--progress-every", optarg, 1, 100000000, &po->every_n);
	po->quiet = 1;
	return 0;
}

static void
progress_defaults(struct progress_opts *po)
{
	po->every_n = 1000;
	po->every_s = 10;
	po->quiet = 0;
}

/* ---- list, status, exceptions, resume, cancel ---------------------------- */

static int
list_one(void *arg, const struct batch_run *run)
{
	(void)arg;
	run_line(run);
	return 0;
}

static int
batch_list_exec(struct session *ctx, int argc, char **argv)
{
	struct store *st;
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_operands(&cmd_batch_entry, "batch list", argc, argv, 1, 0);
	if (argc != 1)
		return err_set(NHI_EUSAGE, "batch list takes no arguments");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	return batch_run_walk(st, NULL, list_one, NULL);
}

static int
batch_status_exec(struct session *ctx, int argc, char **argv)
{
	struct batch_run run;
	int r;

	if (argc > 2)
		return cmd_operands(&cmd_batch_entry, "batch status", argc, argv, 1, 1);
	if (argc != 2)
		return err_set(NHI_EUSAGE, "batch status: expected one RUN");
	if ((r = find_run(ctx, argv[1], &run)) != 0)
		return r;
	printf("run:        %s (#%lld)\n", run.uid, (long long)run.id);
	printf("kind:       %s\n", run.kind);
	printf("state:      %s\n", run.state);
	printf("selection:  %s\n", run.selection);
	printf("day:        %s\n", run.on);
	printf("operator:   %s\n", run.operator_login[0] ? run.operator_login : "-");
	printf("created:    %s\n", run.created_at);
	printf("finished:   %s\n", run.finished_at[0] ? run.finished_at : "-");
	printf("items:      %lld\n", (long long)run.total);
	printf("pending:    %lld\n", (long long)run.pending);
	printf("prepared:   %lld\n", (long long)run.prepared);
	printf("done:       %lld\n", (long long)run.done);
	printf("exceptions: %lld\n", (long long)run.exceptions);
	return 0;
}

static int
batch_exceptions_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct batch_run run;
	struct store *st;
	const char *out = NULL;
	char *tmp = NULL;
	FILE *fp = stdout;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (c != 'o')
			return err_set(NHI_EUSAGE, "batch exceptions: unknown option");
		out = optarg;
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_batch_entry, "batch exceptions", argc, argv, optind, 1);
	if (argc - optind != 1)
		return err_set(NHI_EUSAGE, "batch exceptions: expected one RUN [-o FILE.csv]");
	if ((r = find_run(ctx, argv[optind], &run)) != 0 || (r = session_store(ctx, &st)) != 0)
		return r;
	if (out != NULL) {
		/* Written beside, then renamed: never half a report. */
		tmp = xasprintf("%s.tmp", out);
		if ((fp = fopen(tmp, "w")) == NULL) {
			r = err_set(NHI_EIO, "%s: cannot write", out);
			goto out;
		}
	}
	r = batch_exceptions_write(st, run.id, fp);
	if (out != NULL) {
		if (fclose(fp) != 0 && r == 0)
			r = err_set(NHI_EIO, "%s: write failed", out);
		fp = NULL;
		if (r == 0 && rename(tmp, out) != 0)
			r = err_set(NHI_EIO, "%s: cannot rename the report into place", out);
		if (r != 0)
			unlink(tmp);
		else
			fprintf(stderr, "%lld exceptions of run %s written to %s\n",
			    (long long)run.exceptions, run.uid, out);
	}
out:
	free(tmp);
	return r;
}

static int
batch_resume_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		PROGRESS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct progress_opts po;
	struct batch_run run;
	int c, r;

	progress_defaults(&po);
	optind = 0;
	while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		if (c != 'P' && c != 'q')
			return err_set(NHI_EUSAGE, "batch resume: unknown option");
		if ((r = progress_opt(c, &po)) != 0)
			return r;
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_batch_entry, "batch resume", argc, argv, optind, 1);
	if (argc - optind != 1)
		return err_set(NHI_EUSAGE, "batch resume: expected one RUN");
	if ((r = find_run(ctx, argv[optind], &run)) != 0)
		return r;
	if (strcmp(run.state, BATCH_RUN_DONE) == 0) {
		printf("run %s is done: nothing to do (%lld done, %lld exceptions)\n", run.uid,
		    (long long)run.done, (long long)run.exceptions);
		return 0;
	}
	if (strcmp(run.state, BATCH_RUN_CANCELLED) == 0)
		return err_set(NHI_ESTATE, "run %s was cancelled: it cannot be resumed", run.uid);
	printf("run %s (%s): resuming, %lld of %lld items open\n", run.uid, run.kind,
	    (long long)(run.pending + run.prepared), (long long)run.total);
	fflush(stdout);
	return work_run(ctx, &run, &po);
}

static int
batch_cancel_exec(struct session *ctx, int argc, char **argv)
{
	struct batch_run run;
	struct store *st;
	int r;

	if (argc > 2)
		return cmd_operands(&cmd_batch_entry, "batch cancel", argc, argv, 1, 1);
	if (argc != 2)
		return err_set(NHI_EUSAGE, "batch cancel: expected one RUN");
	if ((r = find_run(ctx, argv[1], &run)) != 0 || (r = session_store(ctx, &st)) != 0)
		return r;
	r = batch_run_cancel(st, run.id);
	if (r == 0)
		printf("run %s cancelled: %lld items stay open and are not worked\n", run.uid,
		    (long long)(run.pending + run.prepared));
	return audit_run(ctx, r, "batch.cancel", &run, NULL);
}

/* ---- renew --------------------------------------------------------------- */

static int
batch_renew_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "issued", required_argument, NULL, 'i' },
		{ "household", no_argument, NULL, 'H' },
		{ "volume-size", required_argument, NULL, 'V' },
		PROGRESS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct batch_renew_opts o;
	struct batch_renew_result res;
	struct batch_selection sel;
	struct progress_opts po;
	struct batch_run run;
	int c, r, dry = 0, used = 0;

	memset(&o, 0, sizeof(o));
	memset(&run, 0, sizeof(run));
	progress_defaults(&po);
	optind = 0;
	while ((c = getopt_long(argc, argv, "nd:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'd': o.out_dir = optarg; break;
		case 'f': o.from = optarg; break;
		case 'i': o.issued = optarg; break;
		case 'H': o.layout = BATCH_RENEW_HOUSEHOLD; break;
		case 'V':
			if ((r = parse_long("--volume-size", optarg, 1, 1000000,
			    &o.volume_size)) != 0)
				return r;
			break;
		case 'P': case 'q':
			if ((r = progress_opt(c, &po)) != 0)
				return r;
			break;
		default:
			return err_set(NHI_EUSAGE, "batch renew: unknown option or missing"
			    " argument");
		}
	}
	if ((r = batch_selection_parse(argc - optind, argv + optind, &sel, &used)) != 0)
		return r;
	if (optind + used != argc)
		return err_set(NHI_EUSAGE, "batch renew: unexpected '%s' after the selection",
		    argv[optind + used]);
	if (dry) {
		if ((r = batch_renew_dry(ctx, &sel, &o, &res)) != 0)
			return r;
		printf("dry run: %lld selected, %lld certificates would be renewed in %lld"
		    " PDF%s, %lld exceptions%s%s\n", (long long)res.selected,
		    (long long)res.renewed, (long long)res.volumes, res.volumes == 1 ? "" : "s",
		    (long long)res.exceptions, res.by_code[0] ? ": " : "", res.by_code);
		printf("nothing was written\n");
		return 0;
	}
	if ((r = batch_renew_create(ctx, &sel, &o, &run)) != 0)
		return audit_run(ctx, r, "batch.renew", &run, "create");
	printf("run %s (renew): %lld items selected, new validity from %s\n", run.uid,
	    (long long)run.total, run.on);
	fflush(stdout);
	return work_run(ctx, &run, &po);
}

/* ---- revoke -------------------------------------------------------------- */

static int
batch_revoke_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "reason", required_argument, NULL, 'r' },
		PROGRESS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct batch_revoke_result res;
	struct batch_selection sel;
	struct progress_opts po;
	struct batch_run run;
	const char *reason = NULL;
	int c, r, dry = 0, used = 0;

	memset(&run, 0, sizeof(run));
	progress_defaults(&po);
	optind = 0;
	while ((c = getopt_long(argc, argv, "nq", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'r': reason = optarg; break;
		case 'P': case 'q':
			if ((r = progress_opt(c, &po)) != 0)
				return r;
			break;
		default:
			return err_set(NHI_EUSAGE, "batch revoke: unknown option or missing"
			    " argument");
		}
	}
	if ((r = batch_selection_parse(argc - optind, argv + optind, &sel, &used)) != 0)
		return r;
	if (optind + used != argc)
		return err_set(NHI_EUSAGE, "batch revoke: unexpected '%s' after the list",
		    argv[optind + used]);
	if (dry) {
		if ((r = batch_revoke_dry(ctx, &sel, reason, &res)) != 0)
			return r;
		printf("dry run: %lld listed, %lld cards would be revoked, %lld exceptions%s%s\n",
		    (long long)res.selected, (long long)res.revoked, (long long)res.exceptions,
		    res.by_code[0] ? ": " : "", res.by_code);
		printf("nothing was written\n");
		return 0;
	}
	if ((r = batch_revoke_create(ctx, &sel, reason, &run)) != 0)
		return audit_run(ctx, r, "batch.revoke", &run, "create");
	printf("run %s (revoke): %lld items listed\n", run.uid, (long long)run.total);
	fflush(stdout);
	return work_run(ctx, &run, &po);
}

/* ---- The table ------------------------------------------------------------ */

static const struct cmd_entry batch_list_entry = {
	.name = "list", .usage = "", .summary = "the runs, newest first",
	.exec = batch_list_exec,
};
static const struct cmd_entry batch_status_entry = {
	.name = "status", .usage = "RUN", .summary = "one run's state and counts",
	.exec = batch_status_exec,
};
static const struct cmd_entry batch_resume_entry = {
	.name = "resume", .usage = "RUN", .summary = "go on with a stopped or killed run",
	.exec = batch_resume_exec,
};
static const struct cmd_entry batch_exceptions_entry = {
	.name = "exceptions", .usage = "RUN [-o FILE.csv]",
	.summary = "the run's exceptions report (CSV)", .exec = batch_exceptions_exec,
};
static const struct cmd_entry batch_cancel_entry = {
	.name = "cancel", .usage = "RUN", .summary = "stop a run for good",
	.exec = batch_cancel_exec,
};
static const struct cmd_entry batch_renew_entry = {
	.name = "renew", .usage = "[--dry-run] -d DIR [--from DATE] [--issued DATE]"
	    " [--household] [--volume-size N] SELECTION",
	.summary = "new certificates for everyone still insured", .exec = batch_renew_exec,
};
static const struct cmd_entry batch_revoke_entry = {
	.name = "revoke", .usage = "[--dry-run] [--reason died|eligibility_ended] list FILE",
	.summary = "revoke the cards of the persons a list names", .exec = batch_revoke_exec,
};

static const struct cmd_entry *const batch_subs[] = {
	&batch_list_entry,
	&batch_status_entry,
	&batch_resume_entry,
	&batch_exceptions_entry,
	&batch_cancel_entry,
	&batch_renew_entry,
	&batch_revoke_entry,
	/* Pre-issuance (cmd-batch-preissue.c) goes here: */
	&cmd_batch_preissue_entry,
	NULL
};

static int
cmd_batch_exec(struct session *ctx, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return cmd_usage(&cmd_batch_entry, "expected a sub-command");
	for (i = 0; batch_subs[i] != NULL; i++)
		if (strcmp(batch_subs[i]->name, argv[1]) == 0)
			return batch_subs[i]->exec(ctx, argc - 1, argv + 1);
	return cmd_usage(&cmd_batch_entry, "unknown sub-command");
}

const struct cmd_entry cmd_batch_entry = {
	.name = "batch",
	.usage = "list | status RUN | resume RUN | exceptions RUN [-o FILE.csv] | cancel RUN\n"
	    "       | renew [--dry-run] -d DIR [--from DATE] [--issued DATE] [--household]\n"
	    "               [--volume-size N] SELECTION\n"
	    "       | revoke [--dry-run] [--reason died|eligibility_ended] list FILE\n"
	    "       | preissue ... (see 'nhicard batch preissue --help')",
	.summary = "batch runs: annual renewal, bulk revocation, pre-issuance",
	.help =
	    "Runs over many residents with a checkpoint per person: a killed run is\n"
	    "resumed with 'batch resume RUN' and does no person twice (docs/batch.md).\n"
	    "RUN is a run id (B-YYYYMMDD-NNNN, printed when the run starts) or its number.\n"
	    "SELECTION is 'all' (everyone insured on the day), 'district D' (household\n"
	    "address code starting with D, or address starting with D), or 'list FILE'\n"
	    "(one person code or id:N per line, optionally ',died' or\n"
	    "',eligibility_ended'; '#' comments).\n"
	    "\n"
	    "renew        new certificates for everyone still insured on --from (default:\n"
	    "             the day after the current renewal day), the kind and validity\n"
	    "             from the rules; A4 sheets in volumes of --volume-size\n"
	    "             (print.volume_size) or --household: one PDF per household,\n"
	    "             into -d DIR, in mailing order. The valid certificate is\n"
	    "             superseded; the center's records are queued. No card is touched.\n"
	    "revoke       revoke the cards of the listed persons (died: from the death\n"
	    "             register; eligibility_ended: joined employee insurance).\n"
	    "--dry-run    say what would be done; nothing is written.\n"
	    "exceptions   persons set aside (moved away, died, not insured, changed since\n"
	    "             the selection, name not printable, ...), as CSV for a clerk.\n"
	    "Progress goes to stderr: a bar on a terminal, else a line every\n"
	    "--progress-every N items (1000) or 10 s; --quiet: none.\n"
	    "Ctrl-C stops between persons; the run stays resumable.\n",
	.exec = cmd_batch_exec,
};
