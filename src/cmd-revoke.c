/*
 * cmd-revoke.c: `nhicard revoke`: a loss report (docs/lifecycle.md). It
 * identifies the person and the card, records the report (who reported
 * it, how, when) with the card's change of state, queues the revocation
 * in the queue's revocation lane and appends the audit entry, all in one
 * store transaction; then prints the loss-report receipt and, with
 * --replace, issues a replacement through `nhicard issue` with the new
 * card in the reader. Also cmd_lifecycle_replaced(), which `nhicard
 * issue` calls once a new card is active.
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
#include "cmd-print.h"
#include "error.h"
#include "lifecycle.h"
#include "nhiconf.h"
#include "queue.h"
#include "store.h"
#include "util.h"

#define REVOKE_REPORTED_BY_MAX	64

struct revoke {
	struct cmd_ctx	*ctx;
	struct store	*st;
	const char	*who;		/* RESIDENT as given, or NULL */
	int64_t		 card_id;	/* --card, or 0 */
	const char	*reason;
	const char	*reported_by;
	const char	*how;
	int		 replace;
	const char	*receipt;	/* --receipt FILE.pdf */
	const char	*printer;	/* --printer NAME, or print.printer */
	const char	*path;		/* --path, for the replacement */
	const char	*waiver;	/* --fee-waived, for the replacement */
	struct store_card card;		/* before the change */
	struct store_card after;
	int64_t		 queue_seq;	/* 0: nothing queued */
};

/* The receipt's first line for each reason. */
static const char *
revoke_action_text(const char *reason)
{
	static const char *const texts[][2] = {
		{ "lost", "カードの紛失届を受理し、国民健康保険の利用を停止しました。" },
		{ "stolen", "カードの盗難届を受理し、国民健康保険の利用を停止しました。" },
		{ "damaged", "カードの破損の届出を受理し、国民健康保険の利用を停止しました。" },
		{ "died", "被保険者の死亡の届出を受理し、国民健康保険の利用を停止しました。" },
		{ "eligibility_ended", "国民健康保険の資格喪失により、カードの国民健康保険の"
		    "利用を停止しました。" },
	};
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(texts); i++)
		if (strcmp(texts[i][0], reason) == 0)
			return texts[i][1];
	return texts[0][1];
}

static int
revoke_check_args(struct revoke *rv)
{
	const struct cmd_entry *e = &cmd_revoke_entry;

	if (rv->who == NULL && rv->card_id == 0)
		return cmd_usage(e, "expected RESIDENT or --card ID");
	if (rv->reason == NULL)
		return cmd_usage(e, "--reason is required (lost, stolen, damaged, died,"
		    " eligibility_ended)");
	if (strcmp(rv->reason, "replaced") == 0 || lifecycle_revoke_event(rv->reason) == NULL)
		return cmd_usage(e, "--reason: expected lost, stolen, damaged, died or"
		    " eligibility_ended");
	if (rv->reported_by == NULL || rv->reported_by[0] == '\0')
		return cmd_usage(e, "--reported-by is required (who reported: holder,"
		    " family, register, ...)");
	if (strlen(rv->reported_by) > REVOKE_REPORTED_BY_MAX)
		return cmd_usage(e, "--reported-by: at most 64 bytes (say who, e.g."
		    " 'holder' or 'spouse'; no more personal data than needed)");
	if (rv->how == NULL || (strcmp(rv->how, "counter") != 0 &&
	    strcmp(rv->how, "phone") != 0 && strcmp(rv->how, "mail") != 0))
		return cmd_usage(e, "--how: expected counter, phone or mail");
	if (rv->replace && (strcmp(rv->reason, "died") == 0 ||
	    strcmp(rv->reason, "eligibility_ended") == 0))
		return cmd_usage(e, "--replace: no replacement is issued when the holder died"
		    " or the eligibility ended");
	return 0;
}

/* The card the report is about: --card, else the resident's active card,
 * else (not for "lost") the resident's card reported lost. */
static int
revoke_find_card(struct revoke *rv)
{
	int64_t rid = 0;
	int r;

	if (rv->who != NULL &&
	    (r = store_certificate_find_resident(rv->st, rv->who, &rid)) != 0)
		return r;
	if (rv->card_id != 0) {
		if ((r = store_card_get(rv->st, rv->card_id, &rv->card)) != 0)
			return r;
		if (rid != 0 && rv->card.resident_id != rid)
			return err_set(NHI_ECONFLICT, "card %" PRId64 " belongs to resident %"
			    PRId64 ", not to resident %" PRId64, rv->card_id,
			    rv->card.resident_id, rid);
		return 0;
	}
	r = store_card_active_for_resident(rv->st, rid, &rv->card);
	if (r == NHI_ENOTFOUND && strcmp(rv->reason, "lost") != 0)
		r = store_card_latest_for_resident(rv->st, rid, "suspended", &rv->card);
	if (r == NHI_ENOTFOUND)
		return err_set(NHI_ENOTFOUND, "resident %" PRId64 " has no active NHI card to"
		    " revoke (name the card with --card ID)", rid);
	return r;
}

/* State change, report, revocation record and audit entry: one
 * transaction. */
static int
revoke_record(struct revoke *rv)
{
	const char *event = lifecycle_revoke_event(rv->reason);
	char detail[160], audit[160], subject[32];
	int r;

	if ((r = store_begin(rv->st)) != 0)
		return r;
	if ((r = store_card_get(rv->st, rv->card.id, &rv->card)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "%s report (%s)", rv->reason, rv->how);
	if ((r = store_card_transition(rv->st, rv->card.id, event, detail, rv->reported_by,
	    rv->how, &rv->after)) != 0)
		goto out;
	/* The center knows the key as active only while the row is active: a
	 * card already reported lost was revoked there by that report. */
	if (strcmp(rv->card.state, "active") == 0 &&
	    (r = queue_card_revoked(rv->st, rv->card.id, rv->reason, &rv->queue_seq)) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "card:%" PRId64, rv->card.id);
	snprintf(audit, sizeof(audit), "resident:%" PRId64 " reason=%s how=%s %s>%s"
	    " queue_seq=%" PRId64, rv->card.resident_id, rv->reason, rv->how,
	    rv->card.state, rv->after.state, rv->queue_seq);
	if ((r = audit_append(rv->st, rv->ctx->operator_login, "card.revoke", subject,
	    AUDIT_OK, audit)) != 0)
		goto out;
	r = store_commit(rv->st);
out:
	if (r != 0)
		store_rollback(rv->st);
	return r;
}

static int
revoke_receipt(struct revoke *rv)
{
	struct print_request a;
	char *pos[2], id[24];
	int r;

	if (rv->receipt == NULL && rv->printer == NULL) {
		printf("receipt: not printed (no --receipt or --printer); print it with"
		    " 'nhicard print receipt loss %" PRId64 " -o FILE.pdf'\n",
		    rv->card.resident_id);
		return 0;
	}
	memset(&a, 0, sizeof(a));
	if ((r = cmd_print_defaults(rv->ctx, &a)) != 0)
		goto out;
	snprintf(id, sizeof(id), "%" PRId64, rv->card.resident_id);
	pos[0] = (char *)"loss";
	pos[1] = id;
	a.sub = "receipt";
	a.pos = pos;
	a.npos = 2;
	a.out = rv->receipt;
	a.printer = rv->receipt == NULL ? rv->printer : NULL;
	a.actions = xstrdup(revoke_action_text(rv->reason));
	if (rv->replace)
		a.next_steps = xstrdup("再交付のカードをお渡しします。\n"
		    "元のカードが見つかったときは、窓口に返してください。");
	r = cmd_print_run(rv->ctx, &a);
out:
	free(a.actions);
	free(a.next_steps);
	if (r != 0)
		return err_wrap(r, "the report is recorded and card %" PRId64 " revoked, but"
		    " the loss-report receipt was not printed; print it with 'nhicard print"
		    " receipt loss %" PRId64 " -o FILE.pdf': ", rv->card.id,
		    rv->card.resident_id);
	return 0;
}

/* The replacement: `nhicard issue` for the resident with the new card. */
static int
revoke_replace(struct revoke *rv)
{
	char *argv[8], id[24];
	struct store_card old;
	int argc = 0, r;

	snprintf(id, sizeof(id), "%" PRId64, rv->card.resident_id);
	argv[argc++] = (char *)"issue";
	argv[argc++] = (char *)"--no-print";
	if (rv->path != NULL) {
		argv[argc++] = (char *)"--path";
		argv[argc++] = (char *)rv->path;
	}
	if (rv->waiver != NULL) {
		argv[argc++] = (char *)"--fee-waived";
		argv[argc++] = (char *)rv->waiver;
	}
	argv[argc++] = id;
	argv[argc] = NULL;
	printf("replacement: issuing a new card to resident %s\n", id);
	if ((r = cmd_issue_entry.exec(rv->ctx, argc, argv)) != 0)
		return err_wrap(r, "the report is recorded and card %" PRId64 " revoked, but"
		    " no replacement was issued; put the new card in the reader and run"
		    " 'nhicard issue %s': ", rv->card.id, id);
	if ((r = store_card_get(rv->st, rv->card.id, &old)) != 0)
		return r;
	printf("card %" PRId64 ": %s (%s)\n", old.id, old.state, old.state_reason);
	return 0;
}

int
cmd_lifecycle_replaced(struct cmd_ctx *ctx, int64_t resident_id, int64_t new_card_id,
    int64_t *old_id)
{
	struct store *st;
	struct store_card old, after;
	char detail[64], subject[32];
	int r;

	*old_id = 0;
	if ((r = cmd_store(ctx, &st)) != 0)
		return r;
	if ((r = store_begin(st)) != 0)
		return r;
	r = store_card_replaceable(st, resident_id, &old);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		store_rollback(st);
		return 0;
	}
	if (r != 0)
		goto out;
	snprintf(detail, sizeof(detail), "replaced by card %" PRId64, new_card_id);
	snprintf(subject, sizeof(subject), "card:%" PRId64, old.id);
	if ((r = store_card_transition(st, old.id, LC_EV_REPLACE, detail, NULL, NULL,
	    &after)) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "card.replace", subject, AUDIT_OK,
	    detail)) != 0 ||
	    (r = store_commit(st)) != 0)
		goto out;
	*old_id = old.id;
	r = 0;
out:
	if (r != 0)
		store_rollback(st);
	return r;
}

int
cmd_lifecycle_eligibility_sweep(struct cmd_ctx *ctx, size_t *revoked)
{
	struct store *st;
	struct store_card after;
	int64_t *ids = NULL, seq = 0;
	char today[11], subject[32], detail[96];
	size_t n = 0, i, done = 0;
	int r;

	if ((r = cmd_store(ctx, &st)) != 0)
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
cmd_revoke_exec(struct cmd_ctx *ctx, int argc, char **argv)
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
	struct revoke rv;
	char subject[32], detail[96];
	int c, r;

	memset(&rv, 0, sizeof(rv));
	rv.ctx = ctx;
	rv.printer = config_get(ctx->cfg, "print.printer", NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:r:b:h:Ro:P:p:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((r = cmd_parse_id(&cmd_revoke_entry, "a card", optarg,
			    &rv.card_id)) != 0)
				return r;
			break;
		case 'r':
			rv.reason = optarg;
			break;
		case 'b':
			rv.reported_by = optarg;
			break;
		case 'h':
			rv.how = optarg;
			break;
		case 'R':
			rv.replace = 1;
			break;
		case 'o':
			rv.receipt = optarg;
			break;
		case 'P':
			rv.printer = optarg;
			break;
		case 'p':
			rv.path = optarg;
			break;
		case 'w':
			rv.waiver = optarg;
			break;
		default:
			return cmd_usage(&cmd_revoke_entry, "unknown option or missing value");
		}
	}
	if (argc - optind > 1)
		return cmd_usage(&cmd_revoke_entry, "expected at most one RESIDENT");
	if (argc - optind == 1)
		rv.who = argv[optind];
	if ((r = revoke_check_args(&rv)) != 0)
		return r;
	if ((r = cmd_store(ctx, &rv.st)) != 0)
		return r;
	if ((r = revoke_find_card(&rv)) != 0 || (r = revoke_record(&rv)) != 0) {
		snprintf(subject, sizeof(subject), "card:%" PRId64,
		    rv.card.id != 0 ? rv.card.id : rv.card_id);
		snprintf(detail, sizeof(detail), "reason=%s how=%s", rv.reason, rv.how);
		return cmd_audit(ctx, r, "card.revoke", rv.card.id != 0 || rv.card_id != 0 ?
		    subject : NULL, detail);
	}
	printf("card %" PRId64 " (serial %s) of resident %" PRId64 ": %s (%s)\n",
	    rv.card.id, rv.card.card_serial, rv.card.resident_id, rv.after.state,
	    rv.after.state_reason);
	if (rv.queue_seq != 0)
		printf("revocation queued for the center: record %" PRId64 " (revocation"
		    " lane)\n", rv.queue_seq);
	else
		printf("revocation: the center was told when the card was reported lost\n");
	if ((r = revoke_receipt(&rv)) != 0)
		return r;
	if (rv.replace)
		return revoke_replace(&rv);
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
