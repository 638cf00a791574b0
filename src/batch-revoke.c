/*
 * batch-revoke.c: bulk revocation from a list as a batch run (batch.h,
 * docs/batch.md "Revocation"): people who joined employee insurance
 * (eligibility_ended) and deaths from the register (died). Each card is
 * revoked by revoke_execute() (flow.h), the counter's own flow: state,
 * report, queue record and audit entry in one transaction.
 *
 * Exactly once: the item is marked prepared with the card it will revoke
 * (a checkpoint), then the card is revoked, then the item is done. A
 * resumed run finds a prepared item's card revoked (the killed run did
 * it) and only marks it done; a pending item whose card is already revoked
 * is reported, never revoked twice.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-int.h"
#include "error.h"
#include "flow.h"
#include "session.h"
#include "store.h"
#include "util.h"

static int
reason_ok(const char *reason)
{
	return strcmp(reason, "died") == 0 || strcmp(reason, "eligibility_ended") == 0;
}

/*
 * The person's side of a revocation: code set when the item must be set
 * aside. `it` may be a dry run's (snapshot not compared).
 */
static int
revoke_person(struct store *st, const char *on, const struct batch_item *it,
    const char *reason, int compare, char code[32], char text[256])
{
	struct batch_person p;
	int changed = 0, r;

	code[0] = text[0] = '\0';
	if (it->resident_id == 0) {
		snprintf(code, 32, "%s", BATCH_EX_NOT_FOUND);
		snprintf(text, 256, "the list names nobody the station knows");
		return 0;
	}
	if ((r = batch_store_person(st, it->resident_id, on, &p)) != 0)
		return r;
	if (compare && (r = batch_snapshot_changed(&p, it, &changed)) != 0)
		goto out;
	if (changed) {
		snprintf(code, 32, "%s", BATCH_EX_CHANGED);
		snprintf(text, 256, "the resident's data changed since the selection: check"
		    " and list again");
	} else if (strcmp(reason, "died") == 0 && strcmp(p.status, "deceased") != 0) {
		snprintf(code, 32, "not_deceased");
		snprintf(text, 256, "listed as died but the register records no death"
		    " (status %s)", p.status);
	} else if (strcmp(reason, "eligibility_ended") == 0 && p.insured) {
		snprintf(code, 32, "still_insured");
		snprintf(text, 256, "listed as eligibility ended but insured on %s", on);
	}
	r = 0;
out:
	batch_person_clear(&p);
	return r;
}

/* The card to revoke: 0 and *card, or 0 with code set. */
static int
revoke_card(struct store *st, int64_t resident_id, struct store_card *card,
    char code[32], char text[256])
{
	int r;

	code[0] = text[0] = '\0';
	r = store_card_active_for_resident(st, resident_id, card);
	if (r == NHI_ENOTFOUND)
		r = store_card_latest_for_resident(st, resident_id, "suspended", card);
	if (r != NHI_ENOTFOUND)
		return r;
	r = store_card_latest_for_resident(st, resident_id, "revoked", card);
	if (r == 0) {
		snprintf(code, 32, "%s", BATCH_EX_ALREADY_REVOKED);
		snprintf(text, 256, "card %lld is already revoked: nothing done",
		    (long long)card->id);
		return 0;
	}
	if (r != NHI_ENOTFOUND)
		return r;
	err_clear();
	snprintf(code, 32, "%s", BATCH_EX_NO_CARD);
	snprintf(text, 256, "the resident has no NHI card");
	return 0;
}

struct revoke {
	struct session		*ctx;
	char			 reason[24];	/* the run's default, "" none */
	int			 (*stop)(void *arg);
	void			*stop_arg;
};

static int
revoke_stop(void *arg)
{
	struct revoke *rv = arg;

	return rv->stop != NULL && rv->stop(rv->stop_arg);
}

static int
revoke_item(void *arg, struct store *st, const struct batch_run *run, struct batch_item *it)
{
	struct revoke *rv = arg;
	struct revoke_request req;
	struct revoke_result res;
	struct store_card card;
	char code[32], text[256], by[64];
	const char *reason = it->arg[0] != '\0' ? it->arg : rv->reason;
	int r;

	if (!reason_ok(reason))
		return batch_item_exception(st, it->id, "no_reason", "the line gives no reason"
		    " and the run has none");
	if (strcmp(it->state, BATCH_ITEM_PENDING) == 0) {
		if ((r = revoke_person(st, run->on, it, reason, 1, code, text)) != 0)
			return r;
		if (code[0] == '\0' &&
		    (r = revoke_card(st, it->resident_id, &card, code, text)) != 0)
			return r;
		if (code[0] != '\0')
			return batch_item_exception(st, it->id, code, text);
		if ((r = batch_item_prepared(st, it->id, NULL, card.id, NULL, NULL)) != 0)
			return r;
		it->card_id = card.id;
		batch_test_crash("revoke.prepared");
	}
	if ((r = store_card_get(st, it->card_id, &card)) != 0)
		return r;
	if (strcmp(card.state, "revoked") != 0) {
		memset(&req, 0, sizeof(req));
		snprintf(by, sizeof(by), "register (batch %s)", run->uid);
		req.card_id = it->card_id;
		req.reason = reason;
		req.reported_by = by;
		req.how = "mail";
		if ((r = revoke_execute(rv->ctx, &req, NULL, &res)) != 0)
			return r;
		batch_test_crash("revoke.executed");
	}
	return batch_item_done(st, it->id, it->card_id, NULL);
}

int
batch_revoke_execute(struct session *ctx, struct batch_run *run, struct batch_progress *pg,
    int (*stop)(void *arg), void *stop_arg, struct batch_revoke_result *res)
{
	struct batch_ops ops;
	struct revoke rv;
	struct store *st;
	int64_t before;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&rv, 0, sizeof(rv));
	if (strcmp(run->kind, BATCH_KIND_REVOKE) != 0)
		return err_set(NHI_ESTATE, "batch run %s is a %s run, not revoke", run->uid,
		    run->kind);
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	rv.ctx = ctx;
	rv.stop = stop;
	rv.stop_arg = stop_arg;
	if (batch_param_get(run->params, "reason", rv.reason, sizeof(rv.reason)) != 0)
		rv.reason[0] = '\0';
	res->selected = run->total;
	res->skipped = before = run->done + run->exceptions;
	memset(&ops, 0, sizeof(ops));
	ops.item = revoke_item;
	ops.stop = revoke_stop;
	ops.arg = &rv;
	if ((r = batch_run_items(st, run, &ops, pg)) != 0)
		return r;
	res->revoked = run->done;
	res->exceptions = run->exceptions;
	return 0;
}

/* ---- Creation and dry run ------------------------------------------------ */

struct list_check {
	const char	*path;
	const char	*reason;
};

static int
need_reason(void *arg, const struct batch_list_entry *e)
{
	struct list_check *lc = arg;

	if (e->reason[0] == '\0' && lc->reason == NULL)
		return err_set(NHI_EPARSE, "%s:%ld: no reason on the line and no --reason for"
		    " the run (died or eligibility_ended)", lc->path, e->line);
	return 0;
}

static int
revoke_sel(const struct batch_selection *sel, const char *reason)
{
	struct list_check lc;

	if (sel->kind != BATCH_SEL_LIST)
		return err_set(NHI_EUSAGE, "revocation takes a list (list FILE), not '%s'",
		    sel->kind == BATCH_SEL_ALL ? "all" : "district");
	if (reason != NULL && !reason_ok(reason))
		return err_set(NHI_EUSAGE, "--reason: expected died or eligibility_ended");
	lc.path = sel->list_path;
	lc.reason = reason;
	return batch_list_read(sel->list_path, need_reason, &lc);
}

int
batch_revoke_create(struct session *ctx, const struct batch_selection *sel,
    const char *reason, struct batch_run *run)
{
	struct store *st;
	char params[128] = "", today[11];
	int r;

	if ((r = revoke_sel(sel, reason)) != 0 || (r = session_store(ctx, &st)) != 0)
		return r;
	if (reason != NULL && (r = batch_param_add(params, sizeof(params), "reason",
	    reason)) != 0)
		return r;
	time_today_jst_iso(today, sizeof(today));
	return batch_run_create(st, BATCH_KIND_REVOKE, sel, today, params,
	    ctx->operator_login, run);
}

struct revoke_dry {
	struct store			*st;
	const char			*reason;
	char				 on[11];
	struct batch_revoke_result	*res;
	char				 codes[8][32];
	int64_t				 counts[8];
	int				 ncodes;
};

static int
dry_listed(void *arg, int64_t resident_id, const struct batch_list_entry *e)
{
	struct revoke_dry *d = arg;
	struct batch_item it;
	struct store_card card;
	char code[32], text[256];
	int r, i;

	d->res->selected++;
	memset(&it, 0, sizeof(it));
	it.resident_id = resident_id;
	if ((r = revoke_person(d->st, d->on, &it, e->reason[0] ? e->reason : d->reason, 0,
	    code, text)) != 0)
		return r;
	if (code[0] == '\0' && (r = revoke_card(d->st, resident_id, &card, code, text)) != 0)
		return r;
	if (code[0] == '\0') {
		d->res->revoked++;
		return 0;
	}
	d->res->exceptions++;
	for (i = 0; i < d->ncodes && strcmp(d->codes[i], code) != 0; i++)
		;
	if (i == d->ncodes) {
		if (d->ncodes == 8)
			i = 7;
		else
			snprintf(d->codes[d->ncodes++], sizeof(d->codes[0]), "%s", code);
	}
	d->counts[i]++;
	return 0;
}

int
batch_revoke_dry(struct session *ctx, const struct batch_selection *sel,
    const char *reason, struct batch_revoke_result *res)
{
	struct revoke_dry d;
	size_t len = 0;
	int r, i;

	memset(&d, 0, sizeof(d));
	memset(res, 0, sizeof(*res));
	if ((r = revoke_sel(sel, reason)) != 0 || (r = session_store(ctx, &d.st)) != 0)
		return r;
	d.reason = reason != NULL ? reason : "";
	d.res = res;
	time_today_jst_iso(d.on, sizeof(d.on));
	if ((r = batch_select_walk(d.st, sel, d.on, dry_listed, &d)) != 0)
		return r;
	for (i = 0; i < d.ncodes && len < sizeof(res->by_code); i++)
		len += (size_t)snprintf(res->by_code + len, sizeof(res->by_code) - len, "%s%s=%lld",
		    i ? " " : "", d.codes[i], (long long)d.counts[i]);
	return 0;
}
