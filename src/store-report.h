/*
 * store-report.h: what the supervisor's daily report (report-daily.c)
 * reads from the store for one day, read only. The day is a JST day (the
 * town office's); the store's timestamps are UTC. Lists come as rows of
 * text columns whose meaning each list states; `gaiji` is set when a
 * name in the row was flagged as holding 外字 at import. (store-report.c)
 */
#ifndef NHI_STORE_REPORT_H
#define NHI_STORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_REPORT_COLS	5
#define STORE_REPORT_WEEK	7	/* days in the week chart, the day last */
#define STORE_REPORT_AGES	6	/* queue age buckets: 0-1, 1-2, 2-3, 3-4,
					 * 4-5 days, 5 days and more */

struct store_report_row {
	char	*c[STORE_REPORT_COLS];	/* never NULL ("" when absent) */
	int64_t	 n;
	int	 gaiji;
};

struct store_report_rows {
	struct store_report_row *r;
	size_t	 n;
};

struct store_daily {
	char	 day[11];		/* YYYY-MM-DD (JST) */
	char	 from_utc[21], to_utc[21];	/* the day as UTC times [from, to) */
	struct store_report_rows cards;	/* issued that day: c0 path (cards.kind), n */
	struct store_report_rows certs;	/* printed: c0 document, c1 cert_kind, n */
	struct store_report_rows voids;	/* voided: c0 time, c1 serial, c2 name,
					 * c3 reason, c4 "reprint" or "" */
	struct store_report_rows losses;	/* loss reports: c0 time, c1 card serial,
					 * c2 name, c3 reported by, c4 how */
	struct store_report_rows fees;	/* cards issued: c0 card serial, c1 name,
					 * c2 path, c3 "waived" or "", n fee (yen) */
	struct store_report_rows unfinished;	/* at the day's end: c0 created,
					 * c1 card serial, c2 name, c3 step, c4 reason */
	struct store_report_rows held;	/* open at the day's end: c0 held at,
					 * c1 kind, c2 event, c3 reason */
	struct store_report_rows actions;	/* audit, that day, done: c0 operator,
					 * c1 action, n */
	struct store_report_rows refusals;	/* audit, that day, not done: c0 time,
					 * c1 operator, c2 action, c3 outcome, c4 detail */
	/* The queue at the day's end. */
	int64_t	 q_waiting;		/* neither acknowledged nor rejected */
	int64_t	 q_revocation;		/* of them, in the revocation lane */
	int64_t	 q_near;		/* within warn_days of the deadline */
	int64_t	 q_past;		/* past the deadline */
	int64_t	 q_rejected;		/* rejected, not retried */
	int64_t	 q_age[STORE_REPORT_AGES];
	char	 week_day[STORE_REPORT_WEEK][11];
	int64_t	 week[STORE_REPORT_WEEK];	/* cards issued a day */
};

/*
 * Read the day `day` ("YYYY-MM-DD", JST). deadline_days and warn_days
 * are the queue's ([queue] deadline_days, warn_days). Returns 0 or a
 * store error; free with store_report_daily_free.
 */
int	store_report_daily(struct store *st, const char *day, int deadline_days,
	    int warn_days, struct store_daily *out);
void	store_report_daily_free(struct store_daily *d);

#endif
