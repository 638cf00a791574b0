/*
 * tui-queue.c: the queue for the shared-use center, as `nhicard queue
 * status` shows it (queue_limits_load, queue_status_get,
 * store_queue_walk): records waiting per lane, the oldest one's age
 * against the registration deadline, gaps, and the rejected records as
 * the clerk's work items. `s` sends now (queue_push_send, the function
 * `nhicard queue send` calls) under a progress box showing batch i of n,
 * ESC stopping it between batches; `r` resubmits the selected rejection
 * under the same record id (store_queue_retry, what `nhicard queue retry
 * SEQ` calls).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "flow.h"
#include "nhiconf.h"
#include "queue.h"
#include "queue-push.h"
#include "store.h"
#include "tui-priv.h"
#include "util.h"

/* A store time (UTC, "2026-12-02T22:00:00Z") as the clerk's local time
 * ("12/03 07:00"), or the text as it is when it is not one. */
static const char *
local_time(const char *utc, char *buf, size_t cap)
{
	struct tm tm;
	time_t when;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return utc;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	when = timegm(&tm);
	if (localtime_r(&when, &tm) == NULL || strftime(buf, cap, "%m/%d %H:%M", &tm) == 0)
		return utc;
	return buf;
}

/* Why the center rejected a record, in the clerk's words (the reason
 * table), the center's own code when it has no text there. */
static const char *
reject_text(const struct queue_record *rec)
{
	return tui_reason_word("center", rec->reject_code);
}


#define REJECTS_MAX	100

struct queue_view {
	struct queue_limits	 lim;
	struct queue_status	 qs;
	char			*station;
	int64_t			 lane_rev, lane_bulk;
	struct queue_record	*rejects;	/* payload not kept */
	int64_t			*persons;	/* the resident of each, 0 unknown */
	char			**names;	/* their names (gaiji marked), or NULL */
	size_t			 nrejects;
	int			 first;
	int			 sel;		/* the selected rejection */
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

/* The resident a record is about: its payload's "person" (every record
 * kind names one, queue-record.c), 0 when it has none. */
static int64_t
record_person(const struct queue_record *rec)
{
	static const char key[] = "\"person\":";
	char buf[4096];
	const char *p;
	size_t n;

	if (rec->payload == NULL)
		return 0;
	n = rec->payload_len < sizeof(buf) - 1 ? rec->payload_len : sizeof(buf) - 1;
	memcpy(buf, rec->payload, n);
	buf[n] = '\0';
	if ((p = strstr(buf, key)) == NULL)
		return 0;
	return strtoll(p + sizeof(key) - 1, NULL, 10);
}

/* The names of the residents the rejections are about, looked up after
 * the walk (a store read inside it would nest statements). */
static void
reject_names(struct store *st, struct queue_view *qv)
{
	struct resident res;
	char nm[512];
	size_t i;

	qv->names = xcalloc(qv->nrejects + 1, sizeof(*qv->names));
	for (i = 0; i < qv->nrejects; i++) {
		memset(&res, 0, sizeof(res));
		if (qv->persons[i] <= 0)
			continue;
		if (store_resident_get(st, qv->persons[i], &res) != 0) {
			err_clear();
			continue;
		}
		qv->names[i] = xstrdup(tui_name(res.name_kanji, nm, sizeof(nm)));
		store_resident_free(&res);
	}
}

static int
add_reject(void *arg, const struct queue_record *rec)
{
	struct queue_view *qv = arg;

	if (qv->nrejects >= REJECTS_MAX)
		return 0;
	qv->rejects = xreallocarray(qv->rejects, qv->nrejects + 1, sizeof(*qv->rejects));
	qv->persons = xreallocarray(qv->persons, qv->nrejects + 1, sizeof(*qv->persons));
	qv->persons[qv->nrejects] = record_person(rec);
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
	for (size_t i = 0; qv->names != NULL && i < qv->nrejects; i++)
		free(qv->names[i]);
	free(qv->names);
	free(qv->persons);
	free(qv->rejects);
	qv->station = NULL;
	qv->rejects = NULL;
	qv->names = NULL;
	qv->persons = NULL;
	qv->nrejects = 0;
	qv->lane_rev = qv->lane_bulk = 0;
	qv->loaded = 0;
}

static int
load(struct tui *t, struct queue_view *qv)
{
	struct session *ctx = tui_ctx(t);
	struct store *st;
	int r;

	unload(qv);
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = queue_limits_load(ctx->cfg, &qv->lim)) != 0 ||
	    (r = queue_status_get(st, &qv->lim, &qv->qs)) != 0 ||
	    (r = store_meta_get(st, "station_id", &qv->station)) != 0 ||
	    (r = store_queue_walk_open(st, 0, count_lane, qv)) != 0 ||
	    (r = store_queue_walk(st, "rejected", add_reject, qv)) != 0)
		return r;
	reject_names(st, qv);
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
	char line[1024], when[32];

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
		tui_put(w, y++, 2, cols, _("Correct the record, then press r to resubmit"
		    " the selected one (> ) under the same record id."));
	if (qv->sel > (int)qv->nrejects - 1)
		qv->sel = qv->nrejects > 0 ? (int)qv->nrejects - 1 : 0;
	if (qv->sel < 0)
		qv->sel = 0;
	if (qv->first > qv->sel)
		qv->first = qv->sel;
	if (qv->sel - qv->first > rows - y - 1)
		qv->first = qv->sel - (rows - y - 1);
	for (i = qv->first; i < (int)qv->nrejects && y < rows; i++) {
		const struct queue_record *rec = &qv->rejects[i];

		char who[64];

		/* Whom it is about and when (local time); the record's kind
		 * and the center's full words are in the resubmit dialog. */
		tui_fit(who, sizeof(who), qv->names[i] != NULL ? qv->names[i] : "-", 16);
		snprintf(line, sizeof(line), "%s#%lld %s %s %s", i == qv->sel ? "> " :
		    "  ", (long long)rec->seq, local_time(rec->rejected_at, when, sizeof(when)),
		    who, reject_text(rec));
		if (i == qv->sel)
			wattron(w, A_REVERSE);
		tui_put(w, y++, 2, cols, line);
		wattroff(w, A_REVERSE);
	}
}

/* The progress box's events, with the batch number in the step text. */
struct send_progress {
	struct flow_events	 inner;		/* tui_progress_events() */
	struct tui_progress	*p;
	int			 batch, batches, steps;
};

static void
send_step(void *arg, const char *id)
{
	struct send_progress *sp = arg;
	char text[256];

	if (strcmp(id, "queue.build") == 0) {
		sp->batch++;
		if (sp->batch > sp->batches)
			sp->batches = sp->batch;	/* records queued meanwhile */
	}
	sp->steps++;
	snprintf(text, sizeof(text), _("Batch %d of %d: %s"), sp->batch, sp->batches,
	    tui_step_text(id));
	tui_progress_set(sp->p, sp->steps, 3 * sp->batches, text);
}

static void
send_note(void *arg, const char *text)
{
	struct send_progress *sp = arg;

	sp->inner.note(sp->inner.arg, text);
}

static int
send_cancel(void *arg)
{
	struct send_progress *sp = arg;

	return sp->inner.cancel(sp->inner.arg);
}

static void
queue_send(struct tui *t, struct queue_view *qv)
{
	struct session *ctx = tui_ctx(t);
	struct queue_push_result res;
	struct send_progress sp;
	struct flow_events ev;
	struct tui_progress *p;
	struct store *st;
	long per_batch = 1000;
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
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = config_get_int(ctx->cfg, "queue.push_batch", 1000, 1, 1000000,
	    &per_batch)) != 0) {
		tui_error(t, _("Sending to the center"), r);
		return;
	}
	/* ESC is honoured between batches only (queue_push_send). */
	p = tui_progress_open(t, _("Send to the center"), 1);
	memset(&sp, 0, sizeof(sp));
	tui_progress_events(p, 0, &sp.inner);
	sp.p = p;
	sp.batches = (int)((qv->qs.open + per_batch - 1) / per_batch);
	memset(&ev, 0, sizeof(ev));
	ev.step = send_step;
	ev.note = send_note;
	ev.cancel = send_cancel;
	ev.arg = &sp;
	tui_progress_set(p, 0, sp.batches > 0 ? 3 * sp.batches : 1,
	    tui_step_text("send"));
	memset(&res, 0, sizeof(res));
	r = queue_push_send(st, ctx->cfg, &ev, &res);
	if (r != 0 && r != NHI_ECANCELLED) {
		tui_progress_close(p, 0);
		tui_error(t, _("Sending to the center"), r);
	} else {
		tui_progress_cancellable(p, 0);
		body = xasprintf(_("Sent %zu records in %zu batches: %zu acknowledged, %zu"
		    " rejected."), res.records, res.batches, res.acked, res.rejected);
		tui_progress_note(p, body);
		free(body);
		body = xasprintf(_("The center holds through %lld."), (long long)res.through);
		tui_progress_note(p, body);
		free(body);
		if (r == NHI_ECANCELLED)
			tui_progress_note(p, _("Cancelled: the other records stay queued and"
			    " go with the next send."));
		if (res.rejected > 0)
			tui_progress_note(p, _("Rejected records are work items: select one"
			    " and press r."));
		tui_progress_close(p, 1);
	}
	if ((r = load(t, qv)) != 0)
		tui_error(t, _("Reading the queue"), r);
}

/* `r`: resubmit the selected rejection under the same record id. */
static void
queue_retry(struct tui *t, struct queue_view *qv)
{
	struct session *ctx = tui_ctx(t);
	const struct queue_record *rec;
	struct store *st;
	char *body;
	int r;

	if (qv->nrejects == 0) {
		tui_message(t, _("Resubmit a rejected record"), _("No record is rejected."));
		return;
	}
	if (tui_authorize(t, "queue", "retry") != 0)
		return;
	rec = &qv->rejects[qv->sel];
	body = xasprintf(_("Resubmit record #%lld (%s, record id %s) to the center?\n"
	    "It goes back to the queue as attempt %d under the same record id and is"
	    " sent with the next send; the center keeps one copy. Correct the data"
	    " first if the rejection asks for it.\nThe center said: %s %s"),
	    (long long)rec->seq, tui_reason_word("kind", rec->kind), rec->record_id,
	    rec->attempt + 1, reject_text(rec), rec->reject_reason);
	r = tui_confirm(t, _("Resubmit a rejected record"), body);
	free(body);
	if (!r)
		return;
	if ((r = session_store(ctx, &st)) != 0 || (r = store_queue_retry(st, rec->seq)) != 0)
		tui_error(t, _("Resubmitting the record"), r);
	if ((r = load(t, qv)) != 0)
		tui_error(t, _("Reading the queue"), r);
}

static enum tui_key_result
queue_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct queue_view *qv = s->priv;
	int r;

	if (k->func && k->code == KEY_UP) {
		if (qv->sel > 0)
			qv->sel--;
		return TUI_KEY_HANDLED;
	}
	if (k->func && k->code == KEY_DOWN) {
		qv->sel++;
		return TUI_KEY_HANDLED;
	}
	if (k->func)
		return TUI_KEY_UNHANDLED;
	if (k->code == 's') {
		queue_send(t, qv);
		return TUI_KEY_HANDLED;
	}
	if (k->code == 'r') {
		queue_retry(t, qv);
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
	.hints = N_("s send now  r retry  g refresh  Up/Down select  ESC back"),
	.help = N_("What waits for the center: revocations go first. s sends now; a"
	    " record the center rejected is listed with the resident, the local time"
	    " and the reason; correct it, then r resubmits the selected one."),
	.open = queue_open,
	.draw = queue_draw,
	.key = queue_key,
	.close = queue_close,
};
