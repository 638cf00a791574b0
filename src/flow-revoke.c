/*
 * flow-revoke.c: a loss report (flow.h, docs/lifecycle.md), the steps
 * `nhicard revoke` and the clerk's loss-report screen share:
 *
 *   check     the request: a card or a resident, a reason a report gives,
 *             who reported it and how
 *   revoke    find the card; in one store transaction change its state,
 *             record the report, queue the revocation in the queue's
 *             revocation lane and append the "card.revoke" audit entry
 *   receipt   print the loss-report receipt when asked
 *
 * A replacement is not part of this flow: the caller runs issue_plan() and
 * issue_execute() with the new card once this one returned 0.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "certificate.h"
#include "error.h"
#include "flow-print.h"
#include "flow.h"
#include "lifecycle.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define REVOKE_REPORTED_BY_MAX	64

struct revoke_run {
	struct session			*ctx;
	struct store			*st;
	const struct revoke_request	*req;
	const struct flow_events	*ev;
	struct store_card		 card;		/* before the change */
	struct store_card		 after;
	int64_t				 queue_seq;	/* 0: nothing queued */
	int				 already;	/* the same report recorded before */
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

/* The request's own checks; NHI_EUSAGE naming the field (as the command
 * spells it: a command adds its usage line). */
static int
revoke_check(const struct revoke_request *req)
{
	if (req->who == NULL && req->card_id == 0)
		return err_set(NHI_EUSAGE, "expected RESIDENT or --card ID");
	if (req->reason == NULL)
		return err_set(NHI_EUSAGE, "--reason is required (lost, stolen, damaged, died,"
		    " eligibility_ended)");
	if (strcmp(req->reason, "replaced") == 0 || lifecycle_revoke_event(req->reason) == NULL)
		return err_set(NHI_EUSAGE, "--reason: expected lost, stolen, damaged, died or"
		    " eligibility_ended");
	if (req->reported_by == NULL || req->reported_by[0] == '\0')
		return err_set(NHI_EUSAGE, "--reported-by is required (who reported: holder,"
		    " family, register, ...)");
	if (strlen(req->reported_by) > REVOKE_REPORTED_BY_MAX)
		return err_set(NHI_EUSAGE, "--reported-by: at most 64 bytes (say who, e.g."
		    " 'holder' or 'spouse'; no more personal data than needed)");
	if (req->how == NULL || (strcmp(req->how, "counter") != 0 &&
	    strcmp(req->how, "phone") != 0 && strcmp(req->how, "mail") != 0))
		return err_set(NHI_EUSAGE, "--how: expected counter, phone or mail");
	if (req->replace && (strcmp(req->reason, "died") == 0 ||
	    strcmp(req->reason, "eligibility_ended") == 0))
		return err_set(NHI_EUSAGE, "--replace: no replacement is issued when the holder"
		    " died or the eligibility ended");
	return 0;
}

/*
 * The same report recorded before (a clerk rerunning a command killed after
 * it committed), for a person with no active card: the card that last had
 * this report (its card event) and still carries it. Then run->card is that
 * card and run->already is set: nothing changes; the receipt and a
 * replacement follow.
 */
static int
revoke_same_report(struct revoke_run *run, int64_t rid)
{
	const char *reason = run->req->reason;
	struct store_card prev;
	char at[24];

	if (store_card_last_report(run->st, rid, lifecycle_revoke_event(reason), 0, &prev,
	    at) != 0) {
		err_clear();
		return 0;
	}
	if (strcmp(prev.state, "active") == 0 || strcmp(prev.state_reason, reason) != 0)
		return 0;
	run->card = prev;
	run->after = prev;
	run->already = 1;
	return 1;
}

/* The card the report is about: the card named, else the resident's
 * active card, else (not for "lost") the resident's card reported lost. */
static int
revoke_find_card(struct revoke_run *run)
{
	const struct revoke_request *req = run->req;
	int64_t rid = 0;
	int r;

	if (req->who != NULL &&
	    (r = store_certificate_find_resident(run->st, req->who, &rid)) != 0)
		return r;
	if (req->card_id != 0) {
		if ((r = store_card_get(run->st, req->card_id, &run->card)) != 0)
			return r;
		if (rid != 0 && run->card.resident_id != rid)
			return err_set(NHI_ECONFLICT, "card %" PRId64 " belongs to resident %"
			    PRId64 ", not to resident %" PRId64, req->card_id,
			    run->card.resident_id, rid);
		return 0;
	}
	r = store_card_active_for_resident(run->st, rid, &run->card);
	if (r == NHI_ENOTFOUND && strcmp(req->reason, "lost") != 0)
		r = store_card_latest_for_resident(run->st, rid, "suspended", &run->card);
	if (r == NHI_ENOTFOUND) {
		/* The same report again (a clerk rerunning a command that was
		 * killed after it committed): the newest card already carries
		 * it. Nothing changes; the receipt and a replacement follow. */
		err_clear();
		if (revoke_same_report(run, rid))
			return 0;
		return err_set(NHI_ENOTFOUND, "resident %" PRId64 " has no active NHI card to"
		    " revoke (name the card with --card ID)", rid);
	}
	return r;
}

/* State change, report, revocation record and audit entry: one
 * transaction. */
static int
revoke_record(struct revoke_run *run)
{
	const struct revoke_request *req = run->req;
	const char *event = lifecycle_revoke_event(req->reason);
	char detail[160], audit[160], subject[32];
	int r;

	if ((r = store_begin(run->st)) != 0)
		return r;
	if ((r = store_card_get(run->st, run->card.id, &run->card)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "%s report (%s)", req->reason, req->how);
	if ((r = store_card_transition(run->st, run->card.id, event, detail, req->reported_by,
	    req->how, &run->after)) != 0)
		goto out;
	/* The center knows the key as active only while the row is active: a
	 * card already reported lost was revoked there by that report. */
	if (strcmp(run->card.state, "active") == 0 &&
	    (r = queue_card_revoked(run->st, run->card.id, req->reason, &run->queue_seq)) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "card:%" PRId64, run->card.id);
	snprintf(audit, sizeof(audit), "resident:%" PRId64 " reason=%s how=%s %s>%s"
	    " queue_seq=%" PRId64, run->card.resident_id, req->reason, req->how,
	    run->card.state, run->after.state, run->queue_seq);
	if ((r = audit_append(run->st, run->ctx->operator_login, "card.revoke", subject,
	    AUDIT_OK, audit)) != 0)
		goto out;
	r = store_commit(run->st);
out:
	if (r != 0)
		store_rollback(run->st);
	return r;
}

static int
revoke_receipt(struct revoke_run *run, struct revoke_result *res)
{
	const struct revoke_request *req = run->req;
	struct print_request a;
	char *pos[2], id[24];
	int r;

	if (req->receipt == NULL && req->printer == NULL) {
		flow_note(run->ev, "receipt: not printed (no --receipt or --printer); print it"
		    " with 'nhicard print receipt loss %" PRId64 " -o FILE.pdf'",
		    run->card.resident_id);
		return 0;
	}
	memset(&a, 0, sizeof(a));
	if ((r = flow_print_defaults(run->ctx, &a)) != 0)
		goto out;
	snprintf(id, sizeof(id), "%" PRId64, run->card.resident_id);
	pos[0] = (char *)"loss";
	pos[1] = id;
	a.sub = "receipt";
	a.pos = pos;
	a.npos = 2;
	a.out = req->receipt;
	a.printer = req->receipt == NULL ? req->printer : NULL;
	a.actions = xstrdup(revoke_action_text(req->reason));
	a.events = run->ev;
	if (req->replace)
		a.next_steps = xstrdup("再交付のカードをお渡しします。\n"
		    "元のカードが見つかったときは、窓口に返してください。");
	r = flow_print_run(run->ctx, &a);
out:
	free(a.actions);
	free(a.next_steps);
	if (r != 0)
		return err_wrap(r, "the report is recorded and card %" PRId64 " revoked, but"
		    " the loss-report receipt was not printed; print it with 'nhicard print"
		    " receipt loss %" PRId64 " -o FILE.pdf': ", run->card.id,
		    run->card.resident_id);
	res->receipt_printed = 1;
	return 0;
}

int
revoke_execute(struct session *ctx, const struct revoke_request *req,
    const struct flow_events *ev, struct revoke_result *res)
{
	struct revoke_run run;
	char subject[32], detail[96];
	int r;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.req = req;
	run.ev = ev;
	if ((r = revoke_check(req)) != 0 || (r = session_store(ctx, &run.st)) != 0)
		return r;
	flow_step(ev, "revoke");
	if ((r = revoke_find_card(&run)) != 0 || (!run.already && (r = revoke_record(&run)) != 0)) {
		snprintf(subject, sizeof(subject), "card:%" PRId64,
		    run.card.id != 0 ? run.card.id : req->card_id);
		snprintf(detail, sizeof(detail), "reason=%s how=%s", req->reason, req->how);
		return session_audit(ctx, r, "card.revoke", run.card.id != 0 || req->card_id != 0 ?
		    subject : NULL, detail);
	}
	res->card_id = run.card.id;
	res->resident_id = run.card.resident_id;
	snprintf(res->state_before, sizeof(res->state_before), "%s", run.card.state);
	snprintf(res->state_after, sizeof(res->state_after), "%s", run.after.state);
	res->queue_seq = run.queue_seq;
	if (run.already)
		flow_note(ev, "card %" PRId64 " (serial %s) of resident %" PRId64 " was already"
		    " reported %s (%s): nothing changed", run.card.id, run.card.card_serial,
		    run.card.resident_id, req->reason, run.card.state);
	else
		flow_note(ev, "card %" PRId64 " (serial %s) of resident %" PRId64 ": %s (%s)",
		    run.card.id, run.card.card_serial, run.card.resident_id, run.after.state,
		    run.after.state_reason);
	if (!run.already && run.queue_seq != 0)
		flow_note(ev, "revocation queued for the center: record %" PRId64 " (revocation"
		    " lane)", run.queue_seq);
	else if (!run.already)
		flow_note(ev, "revocation: the center was told when the card was reported lost");
	flow_step(ev, "receipt");
	return revoke_receipt(&run, res);
}

/* A card found: reinstated (flow.h), for the command and the screen. */
int
reinstate_execute(struct session *ctx, int64_t id, struct store_card *after, int64_t *seq)
{
	struct store *st;
	struct store_card before;
	char subject[32], detail[96];
	int r;

	if ((r = session_store(ctx, &st)) != 0 || (r = store_begin(st)) != 0)
		return r;
	if ((r = store_card_get(st, id, &before)) != 0 ||
	    (r = store_card_transition(st, id, LC_EV_REINSTATE, "card found: reinstated",
	    NULL, NULL, after)) != 0 ||
	    (r = queue_card_reinstated(st, id, seq)) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "card:%" PRId64, id);
	snprintf(detail, sizeof(detail), "resident:%" PRId64 " %s>%s queue_seq=%" PRId64,
	    before.resident_id, before.state, after->state, *seq);
	if ((r = audit_append(st, ctx->operator_login, "card.reinstate", subject, AUDIT_OK,
	    detail)) != 0)
		goto out;
	r = store_commit(st);
out:
	if (r != 0)
		store_rollback(st);
	return r;
}

