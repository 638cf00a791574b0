/*
 * batch-preissue.c: preparing a pre-issuance run (batch-preissue.h,
 * docs/batch.md "Pre-issuance"): for each selected insured person the card
 * path the rules give (the same issue_plan_decide() the counter uses), a
 * reserved random user number, the key record's fields and the
 * certificate data, each item with its checkpoint in one transaction.
 *
 * What is not done here, on purpose: nothing is queued for the center and
 * no key exists yet. The key pair is generated on the card when it is
 * written (docs/card-profile.md 4.1); the card layer queues "card issued"
 * in the transaction that makes the card active, so the center never
 * learns a user number that is not on a card.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-preissue.h"
#include "batch.h"
#include "crypto.h"
#include "error.h"
#include "flow-certrules.h"
#include "flow.h"
#include "queue.h"
#include "rules.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define PREISSUE_NUMBER_TRIES	8

/* What one person's preparation came to. */
struct prep_outcome {
	int		 exception;		/* 1: set aside, code and why say why */
	const char	*code;
	char		 why[256];
};

static int
prep_except(struct prep_outcome *po, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
prep_except(struct prep_outcome *po, const char *code, const char *fmt, ...)
{
	va_list ap;

	po->exception = 1;
	po->code = code;
	va_start(ap, fmt);
	vsnprintf(po->why, sizeof(po->why), fmt, ap);
	va_end(ap);
	err_clear();
	return 0;
}

/*
 * The rules of every certificate path on the run's day (flow-certrules.c):
 * an open finding about the person, or a person the rules exclude that
 * day, is set aside. 0 (po->exception set when so) or an error.
 */
/* The residents with an open finding, loaded once per run. */
struct held_set {
	int64_t	*ids;
	size_t	 n;
};

static int
held_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
prep_rules(struct store *st, const struct rules_policy *policy, const char *on,
    const struct held_set *held, const struct issue_plan *pl, struct prep_outcome *po)
{
	struct rules_certificate_out out;
	enum print_cert_kind kind;
	struct nhi_date day, typed;
	char why[512];
	int r;

	if (held->n > 0 && bsearch(&pl->res.id, held->ids, held->n, sizeof(*held->ids),
	    held_cmp) != NULL) {
		if ((r = flow_finding_check(st, pl->res.id)) == NHI_EREFUSED) {
			snprintf(why, sizeof(why), "%s", err_text(r));
			return prep_except(po, "finding_open", "%s", why);
		}
		if (r != 0)
			return r;
	}
	if (date_parse(on, &day) != 0)
		return err_set(NHI_EINTERNAL, "pre-issuance: bad day '%s'", on);
	if (print_cert_kind_parse(pl->elig.cert_kind, &kind) != 0)
		kind = PRINT_KIND_HIHOKENSHA;
	memset(&typed, 0, sizeof(typed));
	if (pl->elig.valid_until[0] != '\0' && date_parse(pl->elig.valid_until, &typed) != 0)
		memset(&typed, 0, sizeof(typed));
	r = flow_person_rules(policy, &pl->res, &pl->elig, &day, flow_cert_kind_to_rules(kind),
	    &typed, &out);
	if (r == NHI_EREFUSED || r == NHI_ERANGE) {
		snprintf(why, sizeof(why), "%s", err_text(r));
		return prep_except(po, "rules_refused", "%s", why);
	}
	return r;
}

/*
 * Decide and fill item `it` (run_id, resident_id set by the caller) for
 * one resident the batch engine's check let through (status, eligibility
 * on the run's day, a printable name). In a dry run (`dry`) no user number
 * is drawn. Returns 0 (po->exception says whether the person
 * is set aside) or an error.
 */
static int
prep_one(struct store *st, const struct rules_policy *policy, const char *on, int dry,
    const struct held_set *held, struct preissue_item *it, struct prep_outcome *po)
{
	struct issue_request req;
	struct issue_plan pl;
	int64_t active;
	int gen, taken, tries, in_run, r;

	memset(po, 0, sizeof(*po));
	memset(&pl, 0, sizeof(pl));
	if ((r = store_resident_get(st, it->resident_id, &pl.res)) != 0)
		return r == NHI_ENOTFOUND ? prep_except(po, BATCH_EX_NOT_FOUND,
		    "no such resident") : r;
	pl.have_res = 1;
	r = store_eligibility_current(st, it->resident_id, on, &pl.elig);
	if (r == NHI_ENOTFOUND) {
		r = prep_except(po, BATCH_EX_NOT_INSURED, "no NHI eligibility on %s", on);
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = store_preissue_person(st, it->resident_id, it->run_id, &active, &gen,
	    &in_run)) != 0)
		goto out;
	if (active != 0) {
		r = prep_except(po, "has_card", "already holds an active NHI card (card"
		    " record %lld)", (long long)active);
		goto out;
	}
	if (in_run) {
		r = prep_except(po, "in_other_run", "already prepared in another open"
		    " pre-issuance run");
		goto out;
	}
	if ((r = prep_rules(st, policy, on, held, &pl, po)) != 0 || po->exception)
		goto out;
	err_clear();
	pl.policy = *policy;
	memset(&req, 0, sizeof(req));
	if ((r = issue_plan_decide(&req, &pl)) == NHI_EREFUSED) {
		r = prep_except(po, "rules_refused", "%s", pl.decision.reason_en != NULL ?
		    pl.decision.reason_en : err_text(NHI_EREFUSED));
		goto out;
	}
	if (r != 0)
		goto out;
	snprintf(it->path, sizeof(it->path), "%s", perso_path_name(pl.path));
	it->key_generation = gen + 1;
	snprintf(it->issue_date, sizeof(it->issue_date), "%s", on);
	snprintf(it->cert_kind, sizeof(it->cert_kind), "%s", pl.elig.cert_kind);
	it->eligibility_id = pl.elig.id;
	if (dry) {
		r = 0;
		goto out;
	}
	/* 128 random bits: a collision is astronomically unlikely, but a
	 * prepared number is a promise, so it is checked all the same (and
	 * the store's unique index would refuse it). */
	for (tries = 0; tries < PREISSUE_NUMBER_TRIES; tries++) {
		if ((r = crypto_random(it->user_number, sizeof(it->user_number))) != 0 ||
		    (r = store_preissue_number_taken(st, it->user_number, &taken)) != 0)
			goto out;
		if (!taken)
			break;
	}
	if (tries == PREISSUE_NUMBER_TRIES) {
		r = err_set(NHI_ECRYPTO, "pre-issuance: %d random user numbers in a row were"
		    " taken: the random generator is broken", tries);
		goto out;
	}
	r = 0;
out:
	issue_plan_free(&pl);
	return r;
}

/* ---- The run ------------------------------------------------------------ */

struct prep {
	struct session				*ctx;
	struct store				*st;
	const struct preissue_prepare_opts	*o;
	struct preissue_prepare_result		*res;
	struct rules_policy			 policy;
	struct batch_progress			*pg;
	struct batch_run			 run;
	char					 on[11];
	struct held_set				 held;	/* open findings */
	int					 in_txn;
	size_t					 uncommitted;
	int64_t					 handled;
};

static void
prep_count(struct prep *p, const struct preissue_item *it)
{
	p->res->prepared++;
	if (strcmp(it->path, "existing") == 0)
		p->res->existing++;
	else if (strcmp(it->path, "new-juki") == 0)
		p->res->new_juki++;
	else
		p->res->standalone++;
}

/* One more exception with `code`. */
static void
prep_exception(struct prep *p, const char *code)
{
	struct preissue_prepare_result *res = p->res;
	size_t i;

	res->exceptions++;
	for (i = 0; i < res->ncodes; i++)
		if (strcmp(res->by_code[i].code, code) == 0)
			break;
	if (i == res->ncodes) {
		if (res->ncodes == PREISSUE_EX_CODES) {
			i = PREISSUE_EX_CODES - 1;
			snprintf(res->by_code[i].code, sizeof(res->by_code[i].code), "other");
		} else
			snprintf(res->by_code[res->ncodes++].code, sizeof(res->by_code[i].code),
			    "%s", code);
	}
	res->by_code[i].n++;
}

static void
prep_progress(struct prep *p)
{
	p->handled++;
	if (p->pg != NULL)
		batch_progress_update(p->pg, p->handled, (int64_t)p->res->exceptions);
}

/* Dry run: one selected person, nothing written. */
static int
prep_dry(void *arg, int64_t resident_id, const struct batch_list_entry *e)
{
	struct prep *p = arg;
	struct preissue_item it;
	struct prep_outcome po;
	char code[32], text[256];
	int r;

	(void)e;
	p->res->selected++;
	memset(&it, 0, sizeof(it));
	it.resident_id = resident_id;
	if (resident_id == 0) {
		prep_exception(p, BATCH_EX_NOT_FOUND);
		prep_progress(p);
		return 0;
	}
	if ((r = batch_person_check(p->st, resident_id, p->on, 1, code, text)) != 0)
		return r;
	if (code[0] != '\0') {
		prep_exception(p, code);
		prep_progress(p);
		return 0;
	}
	if ((r = prep_one(p->st, &p->policy, p->on, 1, &p->held, &it, &po)) != 0)
		return r;
	if (po.exception)
		prep_exception(p, po.code);
	else
		prep_count(p, &it);
	prep_progress(p);
	return 0;
}

static int
prep_commit(struct prep *p)
{
	int r;

	if (!p->in_txn)
		return 0;
	p->in_txn = 0;
	p->uncommitted = 0;
	if ((r = store_commit(p->st)) != 0)
		store_rollback(p->st);
	else
		queue_test_crash("preissue.prepare_commit");
	return r;
}

/* One pending item: its preparation and its checkpoint in one transaction
 * (grouped with the next ones until PREISSUE_COMMIT_ITEMS). */
static int
prep_item(void *arg, struct batch_item *bi)
{
	struct prep *p = arg;
	struct preissue_item it;
	struct prep_outcome po;
	char code[32], text[256];
	int r;

	if (p->o->stop != NULL && p->o->stop(p->o->stop_arg))
		return 1;
	p->res->selected++;
	if (!p->in_txn) {
		if ((r = store_begin(p->st)) != 0)
			return r;
		p->in_txn = 1;
	}
	memset(&it, 0, sizeof(it));
	it.item_id = bi->id;
	it.run_id = bi->run_id;
	it.seq = bi->seq;
	it.resident_id = bi->resident_id;
	if ((r = batch_item_check(p->st, &p->run, bi, 1, code, text)) != 0)
		return r;
	if (code[0] == '\0') {
		if ((r = prep_one(p->st, &p->policy, p->on, 0, &p->held, &it, &po)) != 0)
			return r;
		if (po.exception) {
			snprintf(code, sizeof(code), "%s", po.code);
			snprintf(text, sizeof(text), "%s", po.why);
		}
	}
	if (code[0] != '\0') {
		if ((r = batch_item_exception(p->st, bi->id, code, text)) != 0)
			return r;
		prep_exception(p, code);
	} else {
		if ((r = batch_item_prepared(p->st, bi->id, it.user_number, 0, NULL,
		    NULL)) != 0 || (r = store_preissue_add(p->st, &it)) != 0)
			return r;
		prep_count(p, &it);
	}
	util_wipe(it.user_number, sizeof(it.user_number));
	prep_progress(p);
	if (++p->uncommitted >= PREISSUE_COMMIT_ITEMS)
		return prep_commit(p);
	return 0;
}

int
preissue_prepare(struct session *ctx, const struct preissue_prepare_opts *o,
    struct preissue_prepare_result *res)
{
	struct prep p;
	int r, finished;

	memset(&p, 0, sizeof(p));
	memset(res, 0, sizeof(*res));
	p.ctx = ctx;
	p.o = o;
	p.res = res;
	if (o->on != NULL)
		snprintf(p.on, sizeof(p.on), "%s", o->on);
	else
		time_today_jst_iso(p.on, sizeof(p.on));
	if ((r = session_store(ctx, &p.st)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &p.policy)) != 0 ||
	    (r = store_held_finding_residents(p.st, &p.held.ids, &p.held.n)) != 0)
		return r;
	if (o->dry_run) {
		r = batch_select_walk(p.st, o->sel, p.on, prep_dry, &p);
		goto out;
	}
	/* The center queue's backlog, once for the run (as issue_plan does
	 * for one card). */
	if ((r = queue_backlog_check(p.st, ctx->cfg)) != 0)
		goto out;
	if (o->sel != NULL)
		r = batch_run_create(p.st, BATCH_KIND_PREISSUE, o->sel, p.on, "",
		    ctx->operator_login, &p.run);
	else if ((r = batch_run_check(p.st, o->resume_run_id, BATCH_KIND_PREISSUE)) == 0)
		r = batch_run_get(p.st, o->resume_run_id, &p.run);
	if (r != 0)
		goto out;
	res->run_id = p.run.id;
	snprintf(res->run_uid, sizeof(res->run_uid), "%s", p.run.uid);
	snprintf(p.on, sizeof(p.on), "%s", p.run.on);
	if ((r = batch_run_set_running(p.st, p.run.id)) != 0)
		goto out;
	if (o->progress_fp != NULL)
		p.pg = batch_progress_new(o->progress_fp, "preissue", p.run.pending, -1,
		    10000, 10.0);
	r = batch_item_walk(p.st, p.run.id, BATCH_ITEM_PENDING, prep_item, &p);
	if (r < 0) {
		if (p.in_txn)
			store_rollback(p.st);
		goto out;
	}
	if ((r = prep_commit(&p)) != 0)
		goto out;
	r = batch_run_finish_if_complete(p.st, p.run.id, &finished);
out:
	if (p.pg != NULL) {
		batch_progress_finish(p.pg);
		batch_progress_free(p.pg);
	}
	free(p.held.ids);
	return r;
}
