/*
 * cmd-eligibility.c: `nhicard eligibility list|current|add|correct`: NHI
 * eligibility periods of a resident. A period is never overwritten: a
 * correction adds a period that supersedes the old one.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd-lifecycle.h"
#include "audit.h"
#include "error.h"
#include "queue.h"
#include "rules.h"
#include "store.h"
#include "util.h"

enum {
	O_INSURER = 1000, O_SYMBOL, O_NUMBER, O_BRANCH, O_KIND, O_MONTHS, O_ACQUIRED,
	O_LOST, O_VALID, O_BURDEN, O_BURDEN_FROM, O_SPECIAL, O_NO_SPECIAL, O_NOTE, O_ALL,
	O_ON,
};

static const struct option elig_longopts[] = {
	{ "insurer", required_argument, NULL, O_INSURER },
	{ "symbol", required_argument, NULL, O_SYMBOL },
	{ "number", required_argument, NULL, O_NUMBER },
	{ "branch", required_argument, NULL, O_BRANCH },
	{ "kind", required_argument, NULL, O_KIND },
	{ "months", required_argument, NULL, O_MONTHS },
	{ "acquired", required_argument, NULL, O_ACQUIRED },
	{ "lost", required_argument, NULL, O_LOST },
	{ "valid-until", required_argument, NULL, O_VALID },
	{ "burden", required_argument, NULL, O_BURDEN },
	{ "burden-from", required_argument, NULL, O_BURDEN_FROM },
	{ "special-address", no_argument, NULL, O_SPECIAL },
	{ "no-special-address", no_argument, NULL, O_NO_SPECIAL },
	{ "note", required_argument, NULL, O_NOTE },
	{ "all", no_argument, NULL, O_ALL },
	{ "on", required_argument, NULL, O_ON },
	{ NULL, 0, NULL, 0 }
};

static int
usage(const char *why)
{
	return cmd_usage(&cmd_eligibility_entry, why);
}

static int
date_opt(const char *opt, const char *s, char *out)
{
	struct nhi_date d;
	char *why;
	int r;

	if (s[0] == '\0') {
		out[0] = '\0';
		return 0;
	}
	if (date_parse(s, &d) != 0 || !date_valid(&d)) {
		why = xasprintf("%s: '%s' is not a date (YYYY-MM-DD)", opt, s);
		r = usage(why);
		free(why);
		return r;
	}
	date_format(&d, out, 11);
	return 0;
}

/* Apply the options to *e (fields not given keep their value); *all and
 * *on for list and current. */
static int
parse_period(int argc, char **argv, struct eligibility *e, int *all, char *on)
{
	int ch, r;
	char *why;

	optind = 0;	/* 0: glibc re-reads the option string (main used "+") */
	while ((ch = getopt_long(argc, argv, "", elig_longopts, NULL)) != -1) {
		r = 0;
		switch (ch) {
		case O_INSURER:
			snprintf(e->insurer_number, sizeof(e->insurer_number), "%s", optarg);
			if (strlen(optarg) >= sizeof(e->insurer_number) ||
			    rules_insurer_number_check(optarg) != 0) {
				why = xasprintf("--insurer: '%s' is not a valid insurer number "
				    "(6 or 8 digits with a check digit)", optarg);
				r = usage(why);
				free(why);
			}
			break;
		case O_SYMBOL:
			snprintf(e->symbol, sizeof(e->symbol), "%s", optarg);
			break;
		case O_NUMBER:
			snprintf(e->number, sizeof(e->number), "%s", optarg);
			break;
		case O_BRANCH:
			if (optarg[0] != '\0' && (strlen(optarg) != 2 || optarg[0] < '0' ||
			    optarg[0] > '9' || optarg[1] < '0' || optarg[1] > '9'))
				return usage("--branch: expected 2 digits");
			snprintf(e->branch, sizeof(e->branch), "%s", optarg);
			break;
		case O_KIND:
			if (strcmp(optarg, "hihokensha") != 0 && strcmp(optarg, "tanki") != 0 &&
			    strcmp(optarg, "shikaku_shomei") != 0 && strcmp(optarg, "kakunin") != 0)
				return usage("--kind: expected hihokensha, tanki, shikaku_shomei or "
				    "kakunin");
			snprintf(e->cert_kind, sizeof(e->cert_kind), "%s", optarg);
			break;
		case O_MONTHS:
			e->short_months = atoi(optarg);
			if (e->short_months != 1 && e->short_months != 3 && e->short_months != 6)
				return usage("--months: expected 1, 3 or 6");
			break;
		case O_ACQUIRED:
			r = date_opt("--acquired", optarg, e->acquired_on);
			break;
		case O_LOST:
			r = date_opt("--lost", optarg, e->lost_on);
			break;
		case O_VALID:
			r = date_opt("--valid-until", optarg, e->valid_until);
			break;
		case O_BURDEN:
			e->burden_pct = atoi(optarg);
			if (e->burden_pct != 0 && e->burden_pct != 10 && e->burden_pct != 20 &&
			    e->burden_pct != 30)
				return usage("--burden: expected 10, 20 or 30 (percent)");
			break;
		case O_BURDEN_FROM:
			r = date_opt("--burden-from", optarg, e->burden_from);
			break;
		case O_SPECIAL:
			e->special_address = 1;
			break;
		case O_NO_SPECIAL:
			e->special_address = 0;
			break;
		case O_NOTE:
			snprintf(e->note, sizeof(e->note), "%s", optarg);
			break;
		case O_ALL:
			*all = 1;
			break;
		case O_ON:
			r = date_opt("--on", optarg, on);
			break;
		default:
			return usage("unknown option");
		}
		if (r != 0)
			return r;
	}
	return 0;
}

static int
check_period(const struct eligibility *e)
{
	if (e->insurer_number[0] == '\0' || e->symbol[0] == '\0' || e->number[0] == '\0' ||
	    e->cert_kind[0] == '\0' || e->acquired_on[0] == '\0')
		return usage("a period needs --insurer, --symbol, --number, --kind and --acquired");
	if ((strcmp(e->cert_kind, "tanki") == 0) != (e->short_months != 0))
		return usage("--months is given with, and only with, --kind tanki");
	if ((e->burden_pct != 0) != (e->burden_from[0] != '\0'))
		return usage("--burden and --burden-from go together (ages 70-74)");
	if (e->lost_on[0] && strcmp(e->lost_on, e->acquired_on) < 0)
		return usage("--lost is before --acquired");
	return 0;
}

/*
 * The checks the import runs (rules_check_nhi_record), on a counter write:
 * a period the rules contradict on `today` (NHI for someone 75 or over,
 * an excluded status of residence, ...) is refused, every finding named,
 * and so is an old kind of certificate for a period acquired after the
 * 資格確認書 switch (rules.kakunin_from).
 */
static int
counter_check(struct session *ctx, struct store *st, int64_t resident_id,
    const struct eligibility *e)
{
	struct rules_finding f[RULES_MAX_FINDINGS];
	struct rules_nhi_record nr;
	struct rules_policy p;
	struct resident res;
	struct nhi_date stay, acq;
	char text[900], day[11];
	size_t n, i, len = 0;
	int r;

	memset(&res, 0, sizeof(res));
	memset(&nr, 0, sizeof(nr));
	if ((r = rules_policy_from_config(ctx->cfg, &p)) != 0 ||
	    (r = store_resident_get(st, resident_id, &res)) != 0)
		return r;
	time_today_jst(&nr.on.y, &nr.on.m, &nr.on.d);
	if (date_parse(e->acquired_on, &acq) == 0 && strcmp(e->cert_kind, "kakunin") != 0 &&
	    rules_law_kakunin(&p, &acq)) {
		date_format(&p.kakunin_from, day, sizeof(day));
		r = err_set(NHI_EREFUSED, "--kind %s: no 被保険者証, 短期被保険者証 or 資格証明書"
		    " is issued for a period acquired on or after %s (rules.kakunin_from):"
		    " record --kind kakunin (資格確認書)", e->cert_kind, day);
		goto out;
	}
	if (date_parse(res.birth_date, &nr.birth) != 0 ||
	    date_parse(e->acquired_on, &nr.nhi.from) != 0) {
		r = err_set(NHI_EPARSE, "resident %lld: birth or acquisition date unreadable",
		    (long long)resident_id);
		goto out;
	}
	if (e->lost_on[0] != '\0' && date_parse(e->lost_on, &nr.nhi.to) == 0)
		nr.nhi.has_to = 1;
	nr.has_burden = e->burden_pct != 0;
	nr.burden_pct = e->burden_pct;
	if (res.nationality != NULL && res.nationality[0] != '\0') {
		nr.foreign = 1;
		nr.stay_status = rules_stay_status_from_text(res.residence_status);
		nr.stay_months = res.stay_until[0] != '\0' &&
		    date_parse(res.stay_until, &stay) == 0 ?
		    rules_stay_granted_months(&nr.nhi.from, &stay) : 999;
	}
	n = rules_check_nhi_record(&p, &nr, f, RULES_MAX_FINDINGS);
	if (n == 0) {
		r = 0;
		goto out;
	}
	for (i = 0; i < n && i < RULES_MAX_FINDINGS && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s (%s)",
		    i ? "; " : "", rules_finding_name(f[i].code), f[i].field);
	r = err_set(NHI_EREFUSED, "resident %lld: the rules contradict this period: %s"
	    " (docs/rules.md; the import flags the same)", (long long)resident_id, text);
out:
	store_resident_free(&res);
	return r;
}

static void
print_period(const struct eligibility *e)
{
	printf("#%-6lld %s %s-%s%s%s %-14s", (long long)e->id, e->insurer_number, e->symbol,
	    e->number, e->branch[0] ? "-" : "", e->branch, e->cert_kind);
	if (e->short_months)
		printf(" (%d months)", e->short_months);
	printf(" acquired %s", e->acquired_on);
	if (e->lost_on[0])
		printf(" lost %s", e->lost_on);
	if (e->valid_until[0])
		printf(" valid until %s", e->valid_until);
	if (e->burden_pct)
		printf(" burden %d%% from %s", e->burden_pct, e->burden_from);
	if (e->special_address)
		printf(" 住所地特例");
	printf(" [%s %s]", e->source, e->recorded_at);
	if (e->superseded_by)
		printf(" superseded by #%lld", (long long)e->superseded_by);
	if (e->note[0])
		printf(" (%s)", e->note);
	printf("\n");
}

static int
elig_list(struct session *ctx, int argc, char **argv, int current)
{
	struct eligibility e = { 0 }, *list = NULL;
	struct store *st;
	char on[11] = "";
	int64_t id;
	size_t n = 0, i;
	int r, all = 0;

	if ((r = parse_period(argc, argv, &e, &all, on)) != 0)
		return r;
	if (argc - optind > 1)
		return cmd_operands(&cmd_eligibility_entry, "eligibility", argc, argv, optind, 1);
	if (optind + 1 != argc)
		return usage("expected one resident id");
	if ((r = cmd_parse_id(&cmd_eligibility_entry, "a resident", argv[optind], &id)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	if (current) {
		if ((r = store_eligibility_current(st, id, on[0] ? on : NULL, &e)) != 0)
			return r;
		print_period(&e);
		return 0;
	}
	if ((r = store_eligibility_list(st, id, all, &list, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		print_period(&list[i]);
	printf("%zu period%s%s\n", n, n == 1 ? "" : "s", all ? "" :
	    " in force (--all shows superseded ones too)");
	free(list);
	return 0;
}

static int
elig_add(struct session *ctx, int argc, char **argv)
{
	struct eligibility e = { 0 };
	struct resident res = { 0 };
	struct store *st;
	char on[11], subject[32], detail[48];
	int64_t id, same;
	int r, all = 0;

	if ((r = parse_period(argc, argv, &e, &all, on)) != 0)
		return r;
	if (argc - optind > 1)
		return cmd_operands(&cmd_eligibility_entry, "eligibility", argc, argv, optind, 1);
	if (optind + 1 != argc)
		return usage("expected one resident id");
	if ((r = cmd_parse_id(&cmd_eligibility_entry, "a resident", argv[optind], &id)) != 0 ||
	    (r = check_period(&e)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	if ((r = store_resident_get(st, id, &res)) != 0)
		return r;
	store_resident_free(&res);
	e.resident_id = id;
	snprintf(e.source, sizeof(e.source), "counter");
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)id);
	if ((r = counter_check(ctx, st, id, &e)) != 0)
		return session_audit(ctx, r, "eligibility.add", subject, NULL);
	/* The period, its queue record and its audit entry commit together;
	 * the same period entered again (a rerun after a crash) adds nothing. */
	if ((r = store_begin(st)) != 0)
		return session_audit(ctx, r, "eligibility.add", subject, NULL);
	if ((r = store_eligibility_find_same(st, &e, &same)) != 0)
		goto fail;
	if (same != 0) {
		store_rollback(st);
		printf("resident #%lld already has this period (#%lld): nothing added\n",
		    (long long)id, (long long)same);
		return 0;
	}
	if ((r = queue_eligibility_add(st, &e, 0)) != 0)
		goto fail;
	snprintf(detail, sizeof(detail), "period:%lld", (long long)e.id);
	if ((r = audit_append(st, ctx->operator_login, "eligibility.add", subject, AUDIT_OK,
	    detail)) != 0 || (r = store_commit(st)) != 0)
		goto fail;
	if ((r = cmd_lifecycle_eligibility_sweep(ctx, NULL)) != 0)
		return r;
	printf("added eligibility period #%lld for resident #%lld\n", (long long)e.id,
	    (long long)id);
	return 0;
fail:
	store_rollback(st);
	return session_audit(ctx, r, "eligibility.add", subject, NULL);
}

static int
elig_correct(struct session *ctx, int argc, char **argv)
{
	struct eligibility *list = NULL, e;
	struct store *st;
	char on[11], subject[32], detail[80];
	int64_t pid, old;
	size_t n = 0, i;
	int r, all = 0, found = 0;

	/* The period id comes first so the options can override its fields. */
	if (argc < 2 || argv[1][0] == '-')
		return usage("correct: expected a period id");
	if ((r = cmd_parse_id(&cmd_eligibility_entry, "a period", argv[1], &pid)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	/* Find the period: its resident's history holds it. */
	if ((r = store_eligibility_get(st, pid, &e)) != 0)
		return r;
	if (e.superseded_by != 0)
		return err_set(NHI_ESTATE, "period #%lld is already superseded by #%lld: correct "
		    "that one", (long long)pid, (long long)e.superseded_by);
	old = e.id;
	e.note[0] = '\0';
	if ((r = parse_period(argc - 1, argv + 1, &e, &all, on)) != 0)
		return r;
	if (optind < argc - 1)	/* parse_period read argv + 1: PERIOD is its argv[0] */
		return cmd_operands(&cmd_eligibility_entry, "eligibility correct", argc - 1,
		    argv + 1, optind, 0);
	if (optind != argc - 1)
		return usage("correct: unexpected argument");
	if ((r = check_period(&e)) != 0)
		return r;
	if ((r = store_eligibility_list(st, e.resident_id, 0, &list, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if (list[i].id == old)
			found = 1;
	free(list);
	if (!found)
		return err_set(NHI_ENOTFOUND, "period #%lld is not in force", (long long)old);
	snprintf(e.source, sizeof(e.source), "correction");
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)e.resident_id);
	if ((r = counter_check(ctx, st, e.resident_id, &e)) != 0)
		return session_audit(ctx, r, "eligibility.correct", subject, NULL);
	/* The correction and its audit entry commit together. */
	if ((r = store_begin(st)) != 0)
		return session_audit(ctx, r, "eligibility.correct", subject, NULL);
	if ((r = queue_eligibility_add(st, &e, old)) != 0)
		goto fail;
	snprintf(detail, sizeof(detail), "period:%lld supersedes period:%lld",
	    (long long)e.id, (long long)old);
	if ((r = audit_append(st, ctx->operator_login, "eligibility.correct", subject,
	    AUDIT_OK, detail)) != 0 || (r = store_commit(st)) != 0)
		goto fail;
	if ((r = cmd_lifecycle_eligibility_sweep(ctx, NULL)) != 0)
		return r;
	printf("period #%lld supersedes #%lld (kept in the history)\n", (long long)e.id,
	    (long long)old);
	return 0;
fail:
	store_rollback(st);
	return session_audit(ctx, r, "eligibility.correct", subject, NULL);
}

static int
cmd_eligibility_exec(struct session *ctx, int argc, char **argv)
{
	if (argc < 2)
		return usage("expected list, current, add or correct");
	if (strcmp(argv[1], "list") == 0)
		return elig_list(ctx, argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "current") == 0)
		return elig_list(ctx, argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "add") == 0)
		return elig_add(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "correct") == 0)
		return elig_correct(ctx, argc - 1, argv + 1);
	return usage("expected list, current, add or correct");
}

const struct cmd_entry cmd_eligibility_entry = {
	.name = "eligibility",
	.usage = "list|current|add|correct ...",
	.summary = "NHI eligibility periods of a resident (history kept)",
	.help =
	    "  list RESIDENT_ID [--all]        periods in force (--all: with superseded)\n"
	    "  current RESIDENT_ID [--on D]    the period in force today (or on D)\n"
	    "  add RESIDENT_ID --insurer N --symbol S --number N [--branch NN]\n"
	    "      --kind hihokensha|tanki|shikaku_shomei|kakunin [--months 1|3|6]\n"
	    "      --acquired D [--lost D] [--valid-until D] [--burden 10|20|30\n"
	    "      --burden-from D] [--special-address] [--note TEXT]\n"
	    "      add a period entered at the counter\n"
	    "  correct PERIOD_ID [the options of add]\n"
	    "      add a corrected copy of the period; the old one is superseded,\n"
	    "      never overwritten (claims are corrected up to two years back)\n"
	    "Dates are YYYY-MM-DD; lost is the first day without eligibility.\n",
	.exec = cmd_eligibility_exec,
};
