/*
 * batch-progress.c: progress of a batch run (batch.h). On a terminal one
 * line redrawn in place (a bar, count, rate, time left); in a log or a
 * pipe plain lines every N items or S seconds, so a log stays readable.
 * The pre-issuance feed's style counts cards per minute over its session
 * and shows the exceptions; its clerk's lines are printed between
 * batch_progress_clear and batch_progress_redraw.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "util.h"

struct batch_progress {
	FILE		*fp;
	char		*label;
	int64_t		 total;
	int		 tty;
	int64_t		 every_n;
	double		 every_s;
	uint64_t	 start_ns, last_ns;
	int64_t		 last_done;
	int64_t		 done, exceptions;
	int		 drawn;
	int		 per_min;	/* the feed's style: batch_progress_per_minute */
	int64_t		 base;		/* handled before this session */
};

static double
elapsed(const struct batch_progress *pg, uint64_t now)
{
	return (double)(now - pg->start_ns) / 1e9;
}

/* "1:02:03" or "2:03" into buf. */
static void
fmt_time(char *buf, size_t n, double s)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* "LABEL [####----]TAIL" into buf: the bar takes what the label and the
 * tail leave of `width` columns, at least 10. */
static void
bar_line(char *buf, size_t n, const char *label, const char *tail, int64_t done,
    int64_t total, int width)
{
	int barw, fill, i;
	size_t len;

	barw = width - (int)strlen(label) - 3 - (int)strlen(tail);
	if (barw < 10)
		barw = 10;
	fill = total > 0 ? (int)((double)barw * (double)done / (double)total) : 0;
	if (fill > barw)
		fill = barw;
	snprintf(buf, n, "%s [", label);
	len = strlen(buf);
	for (i = 0; i < barw && len + 1 < n; i++)
		buf[len++] = i < fill ? '#' : '-';
	buf[len < n ? len : n - 1] = '\0';
	if (len + 1 < n) {
		buf[len++] = ']';
		buf[len] = '\0';
	}
	if (len < n)
		snprintf(buf + len, n - len, "%s", tail);
}

void
batch_progress_format(char *buf, size_t n, const char *label, int64_t done,
    int64_t total, double elapsed_s, int width)
{
	char left[32], tail[96];
	double rate = elapsed_s > 0 ? (double)done / elapsed_s : 0;

	if (done > 0 && rate > 0 && total >= done)
		fmt_time(left, sizeof(left), (double)(total - done) / rate);
	else
		snprintf(left, sizeof(left), "-:--");
	snprintf(tail, sizeof(tail), " %lld/%lld  %.0f/s  %s left", (long long)done,
	    (long long)total, rate, left);
	bar_line(buf, n, label, tail, done, total, width);
}

void
batch_progress_format_min(char *buf, size_t n, const char *label, int64_t done,
    int64_t base, int64_t exceptions, int64_t total, double elapsed_s, int width)
{
	char left[32], tail[128];
	int64_t now = done > base ? done - base : 0;
	double rate = elapsed_s > 0 ? (double)now * 60.0 / elapsed_s : 0;

	if (now > 0 && rate > 0 && total >= done)
		fmt_time(left, sizeof(left), (double)(total - done) / rate * 60.0);
	else
		snprintf(left, sizeof(left), "-:--");
	snprintf(tail, sizeof(tail), " %lld/%lld  %lld exc  %.1f/min  %s left",
	    (long long)done, (long long)total, (long long)exceptions, rate, left);
	bar_line(buf, n, label, tail, done, total, width);
}

struct batch_progress *
batch_progress_new(FILE *fp, const char *label, int64_t total, int tty, int64_t every_n,
    double every_s)
{
	struct batch_progress *pg = xcalloc(1, sizeof(*pg));

	pg->fp = fp;
	pg->label = xstrdup(label);
	pg->total = total;
	pg->tty = tty >= 0 ? tty : fp != NULL && isatty(fileno(fp));
	pg->every_n = every_n;
	pg->every_s = every_s;
	pg->start_ns = pg->last_ns = time_mono_ns();
	return pg;
}

void
batch_progress_per_minute(struct batch_progress *pg, int64_t base)
{
	if (pg == NULL)
		return;
	pg->per_min = 1;
	pg->base = pg->done = pg->last_done = base < 0 ? 0 : base;
}

static void
draw(struct batch_progress *pg, uint64_t now)
{
	char line[256];
	const char *cols = getenv("COLUMNS");
	int width = cols != NULL && atoi(cols) >= 40 ? atoi(cols) : 80;

	if (width > (int)sizeof(line) - 1)
		width = (int)sizeof(line) - 1;
	if (pg->per_min)
		batch_progress_format_min(line, sizeof(line), pg->label, pg->done, pg->base,
		    pg->exceptions, pg->total, elapsed(pg, now), width - 1);
	else
		batch_progress_format(line, sizeof(line), pg->label, pg->done, pg->total,
		    elapsed(pg, now), width - 1);
	fprintf(pg->fp, "\r%s\033[K", line);
	fflush(pg->fp);
	pg->drawn = 1;
}

void
batch_progress_update(struct batch_progress *pg, int64_t done, int64_t exceptions)
{
	uint64_t now;
	double since;

	if (pg == NULL)
		return;
	pg->done = done;
	pg->exceptions = exceptions;
	if (pg->fp == NULL)
		return;
	now = time_mono_ns();
	since = (double)(now - pg->last_ns) / 1e9;
	if (pg->tty) {
		/* Redraw at most ten times a second. */
		if (since >= 0.1 || done == pg->total) {
			draw(pg, now);
			pg->last_ns = now;
		}
		return;
	}
	if ((pg->every_n > 0 && done - pg->last_done >= pg->every_n) ||
	    (pg->every_s > 0 && since >= pg->every_s)) {
		double e = elapsed(pg, now);

		if (pg->per_min)
			fprintf(pg->fp, "%s: %lld/%lld done, %lld exceptions, %.1f/min\n",
			    pg->label, (long long)done, (long long)pg->total,
			    (long long)exceptions,
			    e > 0 ? (double)(done - pg->base) * 60.0 / e : 0.0);
		else
			fprintf(pg->fp, "%s: %lld/%lld done, %lld exceptions, %.0f/s\n",
			    pg->label, (long long)done, (long long)pg->total,
			    (long long)exceptions, e > 0 ? (double)done / e : 0.0);
		fflush(pg->fp);
		pg->last_done = done;
		pg->last_ns = now;
	}
}

void
batch_progress_clear(struct batch_progress *pg)
{
	if (pg == NULL || pg->fp == NULL || !pg->tty || !pg->drawn)
		return;
	fputs("\r\033[K", pg->fp);
	fflush(pg->fp);
	pg->drawn = 0;
}

void
batch_progress_redraw(struct batch_progress *pg)
{
	uint64_t now;

	if (pg == NULL || pg->fp == NULL || !pg->tty)
		return;
	now = time_mono_ns();
	draw(pg, now);
	pg->last_ns = now;
}

void
batch_progress_finish(struct batch_progress *pg)
{
	uint64_t now;

	if (pg == NULL || pg->fp == NULL)
		return;
	now = time_mono_ns();
	if (pg->tty) {
		draw(pg, now);
		fputc('\n', pg->fp);
	}
	fprintf(pg->fp, "%s: %lld/%lld done, %lld exceptions, in %.1f s\n", pg->label,
	    (long long)pg->done, (long long)pg->total, (long long)pg->exceptions,
	    elapsed(pg, now));
	fflush(pg->fp);
}

void
batch_progress_free(struct batch_progress *pg)
{
	if (pg == NULL)
		return;
	free(pg->label);
	free(pg);
}
