/*
 * flow-issue.c: issuing an NHI card to one resident (flow.h), the steps
 * `nhicard issue`, the clerk's issue screen and batch runs share:
 *
 *   plan:     resident  find the resident and their NHI eligibility today
 *             rules     the card path the rules allow, and the fee
 *             queue     refuse while the center queue's backlog passes its limits
 *   execute:  card      connect, personalize the card, record it in the store
 *             lifecycle a card reported lost is now replaced
 *             certificate  print the certificate (or the sleeve insert)
 *             receipt   print the counter receipt
 *
 * The card is issued once the card step succeeded: a later print failure
 * says so and how to print again, and never undoes the card.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "card-perso.h"
#include "certificate.h"
#include "error.h"
#include "flow-certrules.h"
#include "flow-perso.h"
#include "flow-print.h"
#include "flow.h"
#include "lifecycle.h"
#include "reasons.h"
#include "nhiconf.h"
#include "operator.h"
#include "queue.h"
#include "rules.h"
#include "session.h"
#include "store.h"
#include "util.h"

/* The stay as granted, in months: from NHI's acquisition (the store keeps
 * no start of the stay) to its last day; 12 if unknown. Not the months
 * left from today: a stay granted for 3 years qualifies to its last day. */
static int
stay_months(const struct issue_plan *pl)
{
	struct nhi_date from, until;
	int m;

	if (pl->res.stay_until[0] == '\0' || date_parse(pl->res.stay_until, &until) != 0 ||
	    date_parse(pl->elig.acquired_on, &from) != 0)
		return 12;
	m = rules_stay_granted_months(&from, &until);
	return m > 0 ? m : 12;
}

static void
rules_who(const struct issue_plan *pl, enum rules_juki juki, int wants,
    struct rules_person *p)
{
	struct nhi_date birth, today;
	char t[9];
	const char *status = pl->res.residence_status;

	memset(p, 0, sizeof(*p));
	flow_perso_today(t);
	if (date_parse(pl->res.birth_date, &birth) == 0 && date_parse(t, &today) == 0)
		p->age = date_age(&birth, &today);
	p->insured_here = 1;
	p->foreign = pl->res.nationality[0] != '\0';
	p->stay_months = stay_months(pl);
	p->stay_status = rules_stay_status_from_text(status);
	p->in_register = 1;
	p->tokurei = pl->elig.special_address;
	p->juki = juki;
	p->wants_juki = wants;
}

static int
plan_resident(struct session *ctx, const struct issue_request *req, struct issue_plan *pl)
{
	struct store_card old;
	struct store *st;
	int r;

	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = flow_perso_resident(st, req->who, &pl->res)) != 0)
		return r;
	pl->have_res = 1;
	r = store_eligibility_current(st, pl->res.id, NULL, &pl->elig);
	if (r == NHI_ENOTFOUND)
		return err_reason(err_set(NHI_EREFUSED, "resident %lld is not insured by this"
		    " town's NHI today: no NHI card is issued", (long long)pl->res.id),
		    "card.not_insured");
	if (r != 0)
		return r;
	memset(&old, 0, sizeof(old));
	if ((r = store_card_replaceable(st, pl->res.id, &old)) == 0)
		pl->replaces_card = 1;
	else if (r != NHI_ENOTFOUND)
		return r;
	err_clear();
	return 0;
}

/* Nobody the rules exclude today gets a card: the same rules as every
 * certificate path (flow-certrules.c), before any card is touched. The
 * clerk's screen shows decision.reason_key's text. */
static int
plan_eligible(struct session *ctx, struct issue_plan *pl)
{
	struct print_certificate c;
	struct store *st;
	struct nhi_date today;
	int64_t eid = 0;
	int r;

	memset(&c, 0, sizeof(c));
	time_today_jst(&today.y, &today.m, &today.d);
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if ((r = flow_finding_check(st, pl->res.id)) != 0) {
		if (r == NHI_EREFUSED)
			pl->decision.reason_key = "issue.finding_open";
		return r;
	}
	if ((r = store_certificate_load(st, pl->res.id, &today, &c, &eid)) == 0)
		r = flow_certificate_rules(&pl->policy, st, pl->res.id, eid, &c);
	if (r == 0) {
		pl->document = flow_cert_kind_to_rules(c.kind);
		pl->document_title = rules_cert_kind_title(pl->document, c.burden_pct > 0);
	}
	print_certificate_clear(&c);
	if (r == NHI_EREFUSED) {
		/* The rule that excludes, when it named itself (rules-law.c). */
		pl->decision.reason_key = err_reason_of(r) != NULL ? err_reason_of(r) :
		    "issue.excluded_today";
		pl->decision.reason_en = reason_text(pl->decision.reason_key);
	}
	return r;
}

int
issue_plan_decide(const struct issue_request *req, struct issue_plan *pl)
{
	static const enum rules_card_kind want[] = {
		[PERSO_PATH_EXISTING] = RULES_CARD_JUKI_EXISTING,
		[PERSO_PATH_NEW_JUKI] = RULES_CARD_JUKI_NEW,
		[PERSO_PATH_STANDALONE] = RULES_CARD_STANDALONE,
	};
	struct rules_fee_in fin;
	struct rules_person p;
	struct nhi_date today;
	int juki_valid, r;

	/* Juki cards: valid 10 years from issue, issued until 2015-12 (rules
	 * law of the day; the pilot's rules keep them). The station knows no
	 * Juki card's issue day (docs/rules.md), so the latest expiry applies. */
	time_today_jst(&today.y, &today.m, &today.d);
	juki_valid = rules_juki_card_check(&pl->policy, 0, NULL, &today) == 0;
	err_clear();
	if (req->path_given && req->path == PERSO_PATH_EXISTING && !juki_valid) {
		pl->path = req->path;
		memset(&pl->decision, 0, sizeof(pl->decision));
		pl->decision.reason_key = "issue.juki_expired";
		pl->decision.reason_en = "the Juki card has expired";
		r = rules_juki_card_check(&pl->policy, 0, NULL, &today);
		return err_reason(err_wrap(r, "resident %lld cannot get the existing card path: ",
		    (long long)pl->res.id), "issue.juki_expired");
	}
	if (req->path_given && req->path == PERSO_PATH_NEW_JUKI &&
	    (r = rules_juki_new_allowed(&pl->policy, &today)) != 0) {
		pl->path = req->path;
		memset(&pl->decision, 0, sizeof(pl->decision));
		pl->decision.reason_key = "issue.juki_new_ended";
		pl->decision.reason_en = "new Juki cards are no longer issued";
		return err_reason(err_wrap(r, "resident %lld cannot get the new-juki card path: ",
		    (long long)pl->res.id), "issue.juki_new_ended");
	}
	if (!req->path_given) {
		/* Default: the Juki card the resident holds (while Juki cards are
		 * valid), unless the rules give this person a standalone card. */
		rules_who(pl, juki_valid ? RULES_JUKI_THIS_TOWN : RULES_JUKI_NONE, 0, &p);
		rules_card_decide(&pl->policy, &p, &pl->decision);
		pl->path = PERSO_PATH_EXISTING;
		if (pl->decision.card != RULES_CARD_JUKI_EXISTING) {
			rules_who(pl, RULES_JUKI_NONE, 0, &p);
			rules_card_decide(&pl->policy, &p, &pl->decision);
			pl->path = PERSO_PATH_STANDALONE;
		}
	} else {
		pl->path = req->path;
		rules_who(pl, pl->path == PERSO_PATH_EXISTING ? RULES_JUKI_THIS_TOWN :
		    RULES_JUKI_NONE, pl->path == PERSO_PATH_NEW_JUKI, &p);
		rules_card_decide(&pl->policy, &p, &pl->decision);
	}
	if (pl->decision.card != want[pl->path])
		return err_reason(err_set(NHI_EREFUSED, "resident %lld cannot get the %s card"
		    " path: %s", (long long)pl->res.id, perso_path_name(pl->path),
		    pl->decision.reason_en != NULL ? pl->decision.reason_en :
		    "the rules refuse it"), pl->decision.reason_key);
	memset(&fin, 0, sizeof(fin));
	fin.kind = pl->path == PERSO_PATH_NEW_JUKI ? RULES_FEE_NEW_CARD :
	    pl->path == PERSO_PATH_STANDALONE ? RULES_FEE_STANDALONE : RULES_FEE_UPGRADE;
	/* A card replacing one lost, stolen or damaged costs the reissue fee
	 * (fee.reissue_fee, waivers apply); the NHI AP on a card the resident
	 * already holds stays free. */
	if (pl->replaces_card && pl->path != PERSO_PATH_EXISTING)
		fin.kind = RULES_FEE_REISSUE;
	fin.waiver = req->waiver;
	return rules_fee(&pl->policy, &fin, &pl->fee);
}

static int
plan_rules(struct session *ctx, const struct issue_request *req, struct issue_plan *pl)
{
	int r;

	if ((r = rules_policy_from_config(ctx->cfg, &pl->policy)) != 0 ||
	    (r = issue_plan_decide(req, pl)) != 0)
		return r;
	/* A waiver beyond fee.supervisor_limit needs a second person. */
	if (pl->fee.needs_supervisor) {
		char detail[96];

		snprintf(detail, sizeof(detail), "resident:%lld waived %d yen",
		    (long long)pl->res.id, pl->fee.waived);
		return operator_require_approval(ctx, "issue.fee_waiver", detail);
	}
	return 0;
}

/* The still valid certificate, if any (store_receipt_load knows it). */
static int
plan_certificate(struct store *st, struct issue_plan *pl)
{
	struct print_receipt rc;
	int r;

	memset(&rc, 0, sizeof(rc));
	pl->valid_certificate[0] = '\0';
	r = store_receipt_load(st, pl->res.id, 0, &rc);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	if (rc.cert_serial != NULL)
		snprintf(pl->valid_certificate, sizeof(pl->valid_certificate), "%s",
		    rc.cert_serial);
	print_receipt_clear(&rc);
	return 0;
}

int
issue_plan(struct session *ctx, const struct issue_request *req, struct issue_plan *plan)
{
	struct store *st;
	int r;

	memset(plan, 0, sizeof(*plan));
	if ((r = plan_resident(ctx, req, plan)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &plan->policy)) != 0 ||
	    (r = plan_eligible(ctx, plan)) != 0 ||
	    (r = plan_rules(ctx, req, plan)) != 0)
		return r;
	/* The center queue's backlog within the configured limits (queue.h). */
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = plan_certificate(st, plan)) != 0)
		return r;
	return queue_backlog_check(st, ctx->cfg);
}

void
issue_plan_free(struct issue_plan *plan)
{
	if (plan->have_res)
		store_resident_free(&plan->res);
	plan->have_res = 0;
}

/* ---- Execution --------------------------------------------------------- */

struct issue_run {
	struct session			*ctx;
	const struct issue_request	*req;
	struct issue_plan		*plan;
	const struct flow_events	*ev;
	struct issue_result		*res;
};

static void
card_progress(void *arg, const char *step)
{
	const struct issue_run *run = arg;
	char id[48];

	snprintf(id, sizeof(id), "card.%s", step);
	flow_step(run->ev, id);
}

static int
card_cancel(void *arg)
{
	const struct issue_run *run = arg;

	return flow_cancelled(run->ev);
}

/* Whether the issue of card record `card_id` ran to its end: its card.issue
 * entry (issue_execute) is in the audit log. */
static int
issue_finished(void *arg, int64_t card_id)
{
	struct issue_run *run = arg;
	struct store *st;
	char prefix[40];
	int found = 1;

	snprintf(prefix, sizeof(prefix), "card:%lld path=", (long long)card_id);
	if (session_store(run->ctx, &st) != 0 ||
	    audit_has(st, "card.issue", prefix, &found) != 0)
		return 1;	/* unsure: refuse as before */
	return found;
}

static int
run_card(struct issue_run *run)
{
	struct issue_plan *pl = run->plan;
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct perso_request preq;
	struct store *st;
	int r;

	if ((r = session_store(run->ctx, &st)) != 0 ||
	    (r = flow_perso_setup(run->ctx, &prof, &keys)) != 0)
		return r;
	memset(&preq, 0, sizeof(preq));
	flow_perso_request(&preq, &prof, keys, st, &pl->res);
	preq.person.gaiji_decided = run->req->gaiji_decided;
	preq.path = pl->path;
	preq.fee_yen = pl->fee.due;
	preq.fee_waived = pl->fee.waived > 0;
	preq.fee_reason = pl->fee.waived > 0 ? run->req->waiver : NULL;
	preq.progress = card_progress;
	preq.cancel = card_cancel;
	preq.hook_arg = run;
	preq.issue_finished = issue_finished;
	r = flow_perso_run(run->ctx, &preq, &run->res->card);
	card_keys_free(keys);
	return r;
}

/* A card reported lost, stolen or damaged is now replaced (cmd-lifecycle.h). */
static int
run_lifecycle(struct issue_run *run)
{
	int64_t old;
	int r;

	if ((r = flow_lifecycle_replaced(run->ctx, run->plan->res.id, run->res->card.card_id,
	    &old)) != 0)
		return err_wrap(r, "the card is issued (card record %lld is active), but the"
		    " card it replaces was not marked replaced: ",
		    (long long)run->res->card.card_id);
	run->res->replaced_card_id = old;
	if (old != 0)
		flow_note(run->ev, "replaces card record %lld (now revoked: replaced)",
		    (long long)old);
	return 0;
}

/* What was done, for the clerk: card, serial, key generation, the user
 * number's fingerprint (never the whole number), never keys. */
static int
run_report(struct issue_run *run)
{
	const struct perso_result *c = &run->res->card;
	const struct issue_plan *pl = run->plan;

	flow_note(run->ev, "issued an NHI card to resident %lld (%s path)",
	    (long long)pl->res.id, perso_path_name(pl->path));
	flow_perso_report(run->ev, c);
	if (pl->fee.waived > 0)
		flow_note(run->ev, "fee: %d yen (%d yen waived: %s)", pl->fee.due,
		    pl->fee.waived, run->req->waiver);
	else
		flow_note(run->ev, "fee: %d yen", pl->fee.due);
	return 0;
}

/* Print one document of this issuance to the print directory or printer. */
static int
issue_print(struct issue_run *run, const char *sub, const char *kind)
{
	struct print_request a;
	char *pos[2], *path = NULL, id[24];
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = flow_print_defaults(run->ctx, &a)) != 0)
		return r;
	snprintf(id, sizeof(id), "%lld", (long long)run->plan->res.id);
	a.sub = sub;
	a.events = run->ev;
	a.sex_on_back = run->req->sex_on_back;
	if (run->req->print_dir != NULL) {
		path = xasprintf("%s/%s-%s.pdf", run->req->print_dir,
		    kind != NULL ? "receipt" : sub, id);
		a.out = path;
	} else
		a.printer = run->req->printer;
	if (kind != NULL) {
		pos[0] = (char *)kind;
		pos[1] = id;
		a.npos = 2;
	} else {
		pos[0] = id;
		a.npos = 1;
	}
	a.pos = pos;
	r = flow_print_run(run->ctx, &a);
	free(path);
	return r;
}

static int
printing(const struct issue_request *req)
{
	return !req->no_print && (req->print_dir != NULL || req->printer != NULL);
}

static int
run_certificate(struct issue_run *run)
{
	const char *sub = run->req->sleeve ? "sleeve" : "certificate";
	int r;

	if (!printing(run->req)) {
		flow_note(run->ev, "certificate: not printed (no --print-to, --printer or"
		    " print.printer); print it with 'nhicard print %s RESIDENT'", sub);
		return 0;
	}
	if (!run->req->sleeve && run->plan->valid_certificate[0] != '\0') {
		flow_note(run->ev, "certificate: %s stays valid, not printed again (a reprint"
		    " with a reason voids it: 'nhicard print certificate %lld --reason TEXT')",
		    run->plan->valid_certificate, (long long)run->plan->res.id);
		return 0;
	}
	if ((r = issue_print(run, sub, NULL)) != 0)
		return err_wrap(r, "the card is issued (card record %lld is active), but the %s"
		    " was not printed; print it with 'nhicard print %s %lld': ",
		    (long long)run->res->card.card_id,
		    run->req->sleeve ? "sleeve insert" : "certificate", sub,
		    (long long)run->plan->res.id);
	run->res->certificate_printed = 1;
	return 0;
}

static int
run_receipt(struct issue_run *run)
{
	int r;

	if (!printing(run->req))
		return 0;
	if ((r = issue_print(run, "receipt", "counter")) != 0)
		return err_wrap(r, "the card is issued and the certificate printed, but the"
		    " receipt was not; print it with 'nhicard print receipt counter %lld': ",
		    (long long)run->plan->res.id);
	run->res->receipt_printed = 1;
	return 0;
}

static const struct {
	const char	*name;
	int		(*run)(struct issue_run *);
} issue_steps[] = {
	{ "card", run_card },
	{ "lifecycle", run_lifecycle },
	{ "report", run_report },
	{ "certificate", run_certificate },
	{ "receipt", run_receipt },
};

int
issue_execute(struct session *ctx, const struct issue_request *req,
    struct issue_plan *plan, const struct flow_events *ev, struct issue_result *res)
{
	struct issue_run run;
	char subject[32], detail[96];
	size_t i;
	int r = 0;

	memset(res, 0, sizeof(*res));
	run.ctx = ctx;
	run.req = req;
	run.plan = plan;
	run.ev = ev;
	run.res = res;
	for (i = 0; i < NHI_ARRAY_LEN(issue_steps) && r == 0; i++) {
		flow_step(ev, issue_steps[i].name);
		if ((r = issue_steps[i].run(&run)) != 0)
			log_info("issue: step %s failed: %s", issue_steps[i].name,
			    nhi_errname(r));
	}
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)plan->res.id);
	snprintf(detail, sizeof(detail), "card:%lld path=%s gen=%d",
	    (long long)res->card.card_id, perso_path_name(plan->path) != NULL ?
	    perso_path_name(plan->path) : "-", res->card.key_generation);
	return session_audit(ctx, r, "card.issue", subject, detail);
}

int
issue_run(struct session *ctx, const struct issue_request *req,
    const struct flow_events *ev, struct issue_result *res)
{
	struct issue_plan plan;
	char subject[32], detail[96];
	int r;

	if ((r = issue_plan(ctx, req, &plan)) == 0 && req->gaiji_decided)
		r = issue_gaiji_approve(ctx, plan.res.id);
	if (r == 0)
		r = issue_execute(ctx, req, &plan, ev, res);
	else if (plan.have_res) {
		log_info("issue: plan refused: %s", nhi_errname(r));
		snprintf(subject, sizeof(subject), "resident:%lld", (long long)plan.res.id);
		snprintf(detail, sizeof(detail), "card:0 path=%s gen=0",
		    perso_path_name(plan.path) != NULL ? perso_path_name(plan.path) : "-");
		r = session_audit(ctx, r, "card.issue", subject, detail);
	}
	issue_plan_free(&plan);
	return r;
}

const char *const issue_abandon_whys[] = { "lost", "damaged", "other", NULL };

int
issue_gaiji_approve(struct session *ctx, int64_t resident_id)
{
	char detail[64];

	snprintf(detail, sizeof(detail), "resident:%lld", (long long)resident_id);
	return operator_require_approval_shown(ctx, "issue.gaiji_match", detail);
}

int
issue_abandon_unfinished(struct session *ctx, int64_t card_id, const char *why,
    struct store_card *after)
{
	struct store *st;
	struct store_card before;
	char subject[32], detail[160];
	size_t i;
	int r;

	for (i = 0; why != NULL && issue_abandon_whys[i] != NULL; i++)
		if (strcmp(why, issue_abandon_whys[i]) == 0)
			break;
	if (why == NULL || issue_abandon_whys[i] == NULL)
		return err_set(NHI_EUSAGE, "abandoning card %lld: the reason must be lost,"
		    " damaged or other", (long long)card_id);
	if ((r = session_store(ctx, &st)) != 0 || (r = store_begin(st)) != 0)
		return r;
	snprintf(detail, sizeof(detail), "abandoned: %s", why);
	if ((r = store_card_get(st, card_id, &before)) != 0 ||
	    (r = store_card_transition(st, card_id, LC_EV_ABANDON, detail, NULL, NULL,
	    after)) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "card:%lld", (long long)card_id);
	snprintf(detail, sizeof(detail), "resident:%lld %s>%s (abandoned: %s)",
	    (long long)before.resident_id, before.state, after->state, why);
	if ((r = audit_append(st, ctx->operator_login, "card.abandon", subject, AUDIT_OK,
	    detail)) != 0)
		goto out;
	r = store_commit(st);
out:
	if (r != 0)
		store_rollback(st);
	return r;
}
