/*
 * report.h: reports for the town office's supervisor, built once here
 * and shown by a command (cmd-report.c) or a screen. A report reads the
 * store (store-report.h) and draws through the print layer
 * (print-report.h); it writes nothing to the store and nothing to stdout.
 * (report-daily.c)
 */
#ifndef NHI_REPORT_H
#define NHI_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct store;
struct store_daily;
struct print_opts;

struct report_daily_result {
	size_t	 pages;
	int	 empty;		/* no activity that day (the report says so) */
	int64_t	 cards;		/* cards issued that day */
	int64_t	 refusals;	/* refusals in the audit trail that day */
};

/*
 * The supervisor's daily report for `day` ("YYYY-MM-DD", JST) as an A4
 * PDF at `path` (docs/report.md): the day's issuances by path and kind,
 * voids and reprints with reasons, loss reports, fees and waivers, the
 * queue at the day's end (waiting, near and past the deadline,
 * rejections), unfinished cards, open held items, the operators' actions
 * and refusals from the audit trail, and charts of the week's issuances
 * and the queue's age. `station` names the office in the title.
 * deadline_days and warn_days are the queue's. The same store, day and
 * po->creation_time give the same bytes. Returns 0, NHI_EPARSE (day),
 * store and print errors.
 */
int	report_daily(struct store *st, const char *day, const char *station,
	    int deadline_days, int warn_days, const struct print_opts *po,
	    const char *path, struct report_daily_result *res);

/*
 * The same for the station's session (the command and the screen): the
 * office's name (print.insurer_name), the font (print.font_path) and the
 * queue's limits from the configuration, the session's store.
 */
int	report_daily_session(struct session *ctx, const char *day, const char *path,
	    struct report_daily_result *res);

/*
 * The day's figures for a screen: the store's day (store-report.h) with
 * the queue's limits from the configuration. Free with
 * store_report_daily_free(). 0, NHI_EPARSE (day), store errors.
 */
int	report_daily_figures(struct session *ctx, const char *day, struct store_daily *out);

#endif
