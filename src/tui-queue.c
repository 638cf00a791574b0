/*
 * tui-queue.c: the queue for the shared-use center, as `nhicard queue
 * status` shows it (queue_limits_load, queue_status_get,
 * store_queue_walk): records waiting per lane, the oldest one's age
 * against the registration deadline, gaps, and the rejected records as
 * the clerk's work items. `s` sends now (queue_push_send, the function
 * `nhicard queue send` calls) under a progress box.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "queue.h"
#include "queue-push.h"
#include "store.h"
#include "tui-priv.h"
#include "util.h"

#define REJECTS_MAX	100

struct queue_view {
	struct queue_limits	 lim;
	struct queue_status	 qs;
	char			*station;
	int64_t			 lane_rev, lane_bulk;
	struct queue_record	*rejects;	/* payload not kept */
	size_t			 nrejects;
	int			 first;
	int			 loaded;
};

static int
count_lane(void *arg, const struct queue_record *rec)
{
	struct queue_view *qv = arg;

	if (strcmp(rec->lane, "revocation") == 0)
		qv->lane_rev++;
	else
		qv->lane_bulk++;
	return 0;
}

static int
add_reject(void *arg, const struct queue_record *rec)
{
	struct queue_view *qv = arg;

	if (qv->nrejects >= REJECTS_MAX)
		return 0;
	qv->rejects = xreallocarray(qv->rejects, qv->nrejects + 1, sizeof(*qv->rejects));
	qv->rejects[qv->nrejects] = *rec;
	qv->rejects[qv->nrejects].payload = NULL;
	qv->rejects[qv->nrejects].payload_len = 0;
	qv->nrejects++;
	return 0;
}

static void
unload(struct queue_view *qv)
{
	free(qv->station);
	free(qv->rejects);
	qv->station = NULL;
	qv->rejects = NULL;
	qv->nrejects = 0;
	qv->lane_rev = qv->lane_bulk = 0;
	qv->loaded = 0;
}

static int
load(struct tui *t, struct queue_view *qv)
{
	struct cmd_ctx *ctx = tui_ctx(t);
	struct store *st;
	int r;

	unload(qv);
	if ((r = cmd_store(ctx, &st)) != 0 ||
	    (r = queue_limits_load(ctx->cfg, &qv->lim)) != 0 ||
	    (r = queue_status_get(st, &qv->lim, &qv->qs)) != 0 ||
	    (r = store_meta_get(st, "station_id", &qv->station)) != 0 ||
	    (r = store_queue_walk_open(st, 0, count_lane, qv)) != 0 ||
	    (r = store_queue_walk(st, "rejected", add_reject, qv)) != 0)
		return r;
	qv->loaded = 1;
	return 0;
}

static int
queue_open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct queue_view *qv;
	int r;

	if ((r = tui_authorize(t, "queue", "status")) != 0)
		return r;
	qv = xcalloc(1, sizeof(*qv));
	if ((r = load(t, qv)) != 0) {
		unload(qv);
		free(qv);
		return r;
	}
	s->priv = qv;
	return 0;
}

static void
queue_close(struct tui *t, struct tui_screen *s)
{
	struct queue_view *qv = s->priv;

	unload(qv);
	free(qv);
}

static void
queue_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct queue_view *qv = s->priv;
	const struct queue_status *q = &qv->qs;
	int cols = getmaxx(w) - 4, rows = getmaxy(w), y = 0, i;
	char line[1024];

	if (!qv->loaded)
		return;
	snprintf(line, sizeof(line), _("Station %s"), qv->station);
	tui_put(w, y++, 2, cols, line);
	snprintf(line, sizeof(line), _("Newest record %lld; the center holds through %lld"
	    " (acknowledgement %lld)"), (long long)q->last_seq,
	    (long long)q->center_through, (long long)q->ack_serial);
	tui_put(w, y++, 2, cols, line);
	snprintf(line, sizeof(line), _("Waiting for the center: %lld (revocations %lld,"
	    " other records %lld)"), (long long)q->open, (long long)qv->lane_rev,
	    (long long)qv->lane_bulk);
	tui_put(w, y++, 2, cols, line);
	if (q->oldest[0] != '\0') {
		snprintf(line, sizeof(line), _("Oldest waiting: %s, %lld days %lld hours old"
		    " (deadline %d days)"), q->oldest, (long long)(q->oldest_age_s / 86400),
		    (long long)(q->oldest_age_s % 86400 / 3600), qv->lim.deadline_days);
		tui_put(w, y++, 2, cols, line);
	}
	snprintf(line, sizeof(line), _("Near the deadline: %lld   Past the deadline:"
	    " %lld"), (long long)q->near_deadline, (long long)q->past_deadline);
	if (q->past_deadline > 0)
		wattron(w, A_BOLD);
	tui_put(w, y++, 2, cols, line);
	wattroff(w, A_BOLD);
	if (q->gaps != 0) {
		wattron(w, A_BOLD);
		snprintf(line, sizeof(line), _("Gaps: %lld sequence numbers are missing: the"
		    " queue is damaged. Tell IT staff."), (long long)q->gaps);
	} else
		snprintf(line, sizeof(line), "%s", _("Gaps: none"));
	tui_put(w, y++, 2, cols, line);
	wattroff(w, A_BOLD);
	y++;
	wattron(w, A_BOLD);
	snprintf(line, sizeof(line), _("Rejected by the center (work items): %lld"),
	    (long long)q->rejected);
	tui_put(w, y++, 1, cols, line);
	wattroff(w, A_BOLD);
	if (q->rejected == 0)
		tui_put(w, y++, 2, cols, _("None."));
	else
		tui_put(w, y++, 2, cols, _("Correct the record, then retry it with 'nhicard"
		    " queue retry SEQ'."));
	if (qv->first > (int)qv->nrejects - 1)
		qv->first = qv->nrejects > 0 ? (int)qv->nrejects - 1 : 0;
	for (i = qv->first; i < (int)qv->nrejects && y < rows; i++) {
		const struct queue_record *rec = &qv->rejects[i];

		snprintf(line, sizeof(line), "#%lld %s %s %s: %s", (long long)rec->seq,
		    rec->kind, rec->rejected_at, rec->reject_code, rec->reject_reason);
		tui_put(w, y++, 2, cols, line);
	}
}

static void
queue_send(struct tui *t, struct queue_view *qv)
{
	struct cmd_ctx *ctx = tui_ctx(t);
	struct queue_push_result res;
	struct tui_progress *p;
	struct store *st;
	char *body;
	int r;

	if (tui_authorize(t, "queue", "send") != 0)
		return;
	body = xasprintf(_("Send the %lld waiting records to the center now?\nRevocations"
	    " go first. Nothing is lost if the network fails: the records stay"
	    " queued."), (long long)qv->qs.open);
	r = tui_confirm(t, _("Send to the center"), body);
	free(body);
	if (!r)
		return;
	if ((r = cmd_store(ctx, &st)) != 0) {
		tui_error(t, _("Sending to the center"), r);
		return;
	}
	/* queue_push_send() has no progress callback: one step, no cancel. */
	p = tui_progress_open(t, _("Send to the center"), 0);
	tui_progress_set(p, 0, 1, tui_step_text("send"));
	memset(&res, 0, sizeof(res));
	r = queue_push_send(st, ctx->cfg, &res);
	tui_progress_set(p, 1, 1, tui_step_text("send"));
	tui_progress_close(p, 0);
	if (r != 0)
		tui_error(t, _("Sending to the center"), r);
	else {
		body = xasprintf(_("Sent %zu records in %zu batches: %zu acknowledged, %zu"
		    " rejected. The center holds through %lld."), res.records, res.batches,
		    res.acked, res.rejected, (long long)res.through);
		tui_message(t, _("Send to the center"), body);
		free(body);
	}
	if ((r = load(t, qv)) != 0)
		tui_error(t, _("Reading the queue"), r);
}

static enum tui_key_result
queue_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct queue_view *qv = s->priv;
	int r;

	if (k->func && k->code == KEY_UP) {
		if (qv->first > 0)
			qv->first--;
		return TUI_KEY_HANDLED;
	}
	if (k->func && k->code == KEY_DOWN) {
		qv->first++;
		return TUI_KEY_HANDLED;
	}
	if (k->func)
		return TUI_KEY_UNHANDLED;
	if (k->code == 's') {
		queue_send(t, qv);
		return TUI_KEY_HANDLED;
	}
	if (k->code == 'g') {
		if ((r = load(t, qv)) != 0)
			tui_error(t, _("Reading the queue"), r);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

const struct tui_screen_ops tui_queue_ops = {
	.name = "queue",
	.title = N_("Queue for the center"),
	.hints = N_("s send now  g refresh  Up/Down scroll  ESC back"),
	.open = queue_open,
	.draw = queue_draw,
	.key = queue_key,
	.close = queue_close,
};
