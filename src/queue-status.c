/*
 * queue-status.c: the queue's health against the registration deadline
 * and the backlog limits ([queue] configuration, docs/queue-format.md
 * section 5): what `queue status` shows and what stops `nhicard issue`.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "nhiconf.h"
#include "queue-int.h"
#include "queue.h"
#include "store.h"
#include "util.h"

#define DAY	86400

int
queue_limits_load(const struct config *cfg, struct queue_limits *out)
{
	long v;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = config_get_int(cfg, "queue.deadline_days", 5, 1, 365, &v)) != 0)
		return r;
	out->deadline_days = (int)v;
	if ((r = config_get_int(cfg, "queue.warn_days", 1, 0, 365, &v)) != 0)
		return r;
	out->warn_days = (int)v;
	if ((r = config_get_int(cfg, "queue.max_pending", 1000000, 1, 1000000000L, &v)) != 0)
		return r;
	out->max_pending = v;
	if ((r = config_get_int(cfg, "queue.max_age_days", 5, 1, 365, &v)) != 0)
		return r;
	out->max_age_days = (int)v;
	if ((r = config_get_int(cfg, "queue.retention_days", 90, 0, 36500, &v)) != 0)
		return r;
	out->retention_days = (int)v;
	if ((r = config_get_int(cfg, "queue.batch_records", 10000, 1, 1000000, &v)) != 0)
		return r;
	out->batch_records = (size_t)v;
	return 0;
}

/* Seconds since a store timestamp "YYYY-MM-DDTHH:MM:SSZ"; 0 if unreadable. */
static int64_t
age_of(const char *ts)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return 0;
	t = timegm(&tm);
	return (int64_t)(time(NULL) - t);
}

int
queue_status_get(struct store *st, const struct queue_limits *lim, struct queue_status *out)
{
	struct queue_state qs;
	char past[24], near[24];
	int64_t older_near;
	int r;

	memset(out, 0, sizeof(*out));
	queue_now_utc_offset(past, sizeof(past), -(int64_t)lim->deadline_days * DAY);
	queue_now_utc_offset(near, sizeof(near),
	    -(int64_t)(lim->deadline_days - lim->warn_days) * DAY);
	if ((r = store_queue_state(st, &qs)) != 0 ||
	    (r = store_queue_gaps(st, &out->gaps)) != 0 ||
	    (r = store_queue_backlog(st, past, &out->open, out->oldest, &out->past_deadline,
	    &out->rejected)) != 0 ||
	    (r = store_queue_backlog(st, near, &out->open, out->oldest, &older_near,
	    &out->rejected)) != 0)
		return r;
	out->last_seq = qs.last_seq;
	out->center_through = qs.center_through;
	out->ack_serial = qs.ack_serial;
	out->purged_through = qs.purged_through;
	out->near_deadline = older_near - out->past_deadline;
	out->oldest_age_s = out->oldest[0] != '\0' ? age_of(out->oldest) : 0;
	return 0;
}

int
queue_backlog_check(struct store *st, const struct config *cfg)
{
	struct queue_limits lim;
	struct queue_status s;
	int r;

	if ((r = queue_limits_load(cfg, &lim)) != 0 ||
	    (r = queue_status_get(st, &lim, &s)) != 0)
		return r;
	if (s.gaps != 0)
		return err_set(NHI_EREFUSED, "the center queue has %lld missing sequence"
		    " numbers: no new issuance until it is repaired (nhicard queue status)",
		    (long long)s.gaps);
	if (s.open + s.rejected > lim.max_pending)
		return err_set(NHI_EREFUSED, "the center queue holds %lld records not"
		    " acknowledged by the center (limit queue.max_pending = %ld): export or"
		    " send them and import the acknowledgements before issuing new cards",
		    (long long)(s.open + s.rejected), lim.max_pending);
	if (s.oldest[0] != '\0' && s.oldest_age_s >= (int64_t)lim.max_age_days * DAY)
		return err_set(NHI_EREFUSED, "the oldest record the center has not"
		    " acknowledged was written %lld days ago (%s; limit queue.max_age_days ="
		    " %d): deliver the queue and import the acknowledgements before issuing"
		    " new cards", (long long)(s.oldest_age_s / DAY), s.oldest, lim.max_age_days);
	return 0;
}
