/*
 * tui-report.c: the supervisor's daily report on the screen (issue 27):
 * the day's figures (cards issued by path, certificates, voids and
 * reprints, loss reports, fees and waivers, the queue at the day's end,
 * unfinished cards, open findings, the operators' actions and refusals)
 * and the week's issuances as a bar chart, read through
 * report_daily_figures() (report.h); `p` writes the A4 PDF with
 * report_daily_session(), what `nhicard report daily` calls, into
 * ui.print_dir as daily-YYYY-MM-DD.pdf. Left/Right change the day, `d`
 * asks for one. The role check is `report daily`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "nhiconf.h"
#include "report.h"
#include "rules.h"
#include "store-report.h"
#include "tui-priv.h"
#include "util.h"

struct report_view {
	char			 day[48];	/* YYYY-MM-DD (JST) */
	struct store_daily	 d;
	int			 loaded;
};

static void
unload(struct report_view *rv)
{
	if (rv->loaded)
		store_report_daily_free(&rv->d);
	rv->loaded = 0;
}

static int
load(struct tui *t, struct report_view *rv)
{
	int r;

	unload(rv);
	memset(&rv->d, 0, sizeof(rv->d));
	if ((r = report_daily_figures(tui_ctx(t), rv->day, &rv->d)) != 0)
		return r;
	rv->loaded = 1;
	return 0;
}

/* The day `days` away from rv->day. */
static void
shift_day(struct report_view *rv, int days)
{
	struct nhi_date d;
	struct tm tm;
	time_t when;

	if (date_parse(rv->day, &d) != 0) {
		err_clear();
		return;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d.y - 1900;
	tm.tm_mon = d.m - 1;
	tm.tm_mday = d.d + days;
	tm.tm_hour = 12;
	when = timegm(&tm);
	gmtime_r(&when, &tm);
	snprintf(rv->day, sizeof(rv->day), "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
}

static int64_t
rows_sum(const struct store_report_rows *rows)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < rows->n; i++)
		n += rows->r[i].n;
	return n;
}

static const char *
path_word(const char *kind)
{
	if (strcmp(kind, "juki_existing") == 0)
		return _("resident card held");
	if (strcmp(kind, "juki_new") == 0)
		return _("new resident card");
	if (strcmp(kind, "standalone") == 0)
		return _("standalone card");
	return kind;
}

static int
report_open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct report_view *rv;
	int r;

	if ((r = tui_authorize(t, "report", "daily")) != 0)
		return r;
	rv = xcalloc(1, sizeof(*rv));
	time_today_jst_iso(rv->day, sizeof(rv->day));
	if ((r = load(t, rv)) != 0) {
		free(rv);
		return r;
	}
	s->priv = rv;
	return 0;
}

static void
report_close(struct tui *t, struct tui_screen *s)
{
	struct report_view *rv = s->priv;

	unload(rv);
	free(rv);
}

static void
report_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	const struct report_view *rv = s->priv;
	const struct store_daily *d = &rv->d;
	int rows = getmaxy(w), cols = getmaxx(w) - 3, y = 0, i;
	int64_t fee = 0, waived = 0, cards = rows_sum(&d->cards), most = 0;
	char line[512], part[256], bar[64];
	size_t k;

	if (!rv->loaded)
		return;
	snprintf(line, sizeof(line), _("Daily report for %s (Japan time)"), rv->day);
	wattron(w, A_BOLD);
	tui_put(w, y++, 1, cols, line);
	wattroff(w, A_BOLD);
	if (d->cards.n == 0 && d->certs.n == 0 && d->voids.n == 0 && d->losses.n == 0 &&
	    d->actions.n == 0 && d->refusals.n == 0)
		tui_put(w, y++, 2, cols, _("No activity that day."));
	/* Cards by path. */
	snprintf(line, sizeof(line), _("Cards issued: %lld"), (long long)cards);
	for (k = 0; k < d->cards.n; k++) {
		snprintf(part, sizeof(part), "%s%s %lld", k == 0 ? _(" (") : _(", "),
		    path_word(d->cards.r[k].c[0]), (long long)d->cards.r[k].n);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s", part);
	}
	if (d->cards.n > 0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s", _(")"));
	tui_put(w, y++, 2, cols, line);
	snprintf(line, sizeof(line), _("Certificates printed: %lld   Voided or reissued: %zu"
	    "   Loss reports: %zu"), (long long)rows_sum(&d->certs), d->voids.n,
	    d->losses.n);
	tui_put(w, y++, 2, cols, line);
	for (k = 0; k < d->fees.n; k++) {
		if (d->fees.r[k].c[3][0] != '\0')
			waived++;
		fee += d->fees.r[k].n;
	}
	snprintf(line, sizeof(line), _("Fees: %lld yen   Waivers: %lld"), (long long)fee,
	    (long long)waived);
	tui_put(w, y++, 2, cols, line);
	snprintf(line, sizeof(line), _("Waiting for the center: %lld (revocations %lld)"
	    "   Near the deadline: %lld   Past it: %lld   Rejected: %lld"),
	    (long long)d->q_waiting, (long long)d->q_revocation, (long long)d->q_near,
	    (long long)d->q_past, (long long)d->q_rejected);
	tui_put(w, y++, 2, cols, line);
	snprintf(line, sizeof(line), _("Unfinished cards: %zu   Findings waiting: %zu"),
	    d->unfinished.n, d->held.n);
	tui_put(w, y++, 2, cols, line);
	snprintf(line, sizeof(line), _("Operators' actions: %lld   Refusals: %zu"),
	    (long long)rows_sum(&d->actions), d->refusals.n);
	tui_put(w, y++, 2, cols, line);
	/* The week's issuances, as bars of '#' (ASCII: one column each). */
	y++;
	if (y < rows) {
		wattron(w, A_BOLD);
		tui_put(w, y++, 1, cols, _("Cards issued this week"));
		wattroff(w, A_BOLD);
	}
	for (i = 0; i < STORE_REPORT_WEEK; i++)
		if (d->week[i] > most)
			most = d->week[i];
	for (i = 0; i < STORE_REPORT_WEEK && y < rows; i++) {
		int len = most > 0 ? (int)(d->week[i] * 40 / most) : 0;

		if (d->week[i] > 0 && len == 0)
			len = 1;
		memset(bar, '#', (size_t)len);
		bar[len] = '\0';
		snprintf(line, sizeof(line), "%.5s %-40s %lld", d->week_day[i] + 5, bar,
		    (long long)d->week[i]);
		tui_put(w, y++, 2, cols, line);
	}
}

/* `p`: the A4 PDF into ui.print_dir, as `nhicard report daily` writes it. */
static void
report_save(struct tui *t, struct report_view *rv)
{
	const char *dir = config_get(tui_ctx(t)->cfg, "ui.print_dir", NULL);
	struct report_daily_result res;
	char *path, *body;
	int r;

	if (dir == NULL || dir[0] == '\0') {
		tui_message(t, _("Daily report"), _("The PDF is saved in ui.print_dir, which is"
		    " not set. Ask the system administrator to set it."));
		return;
	}
	path = xasprintf("%s/daily-%s.pdf", dir, rv->day);
	if ((r = report_daily_session(tui_ctx(t), rv->day, path, &res)) != 0) {
		tui_error(t, _("Saving the daily report"), r);
		free(path);
		return;
	}
	body = xasprintf(_("Saved as PDF: %s (%zu pages)."), path, res.pages);
	tui_message(t, _("Daily report"), body);
	tui_status_message(t, _("Saved as PDF: %s"), path);
	free(body);
	free(path);
}

static enum tui_key_result
report_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct report_view *rv = s->priv;
	char day[48];
	int r;

	if (k->func && (k->code == KEY_LEFT || k->code == KEY_RIGHT)) {
		shift_day(rv, k->code == KEY_LEFT ? -1 : 1);
		if ((r = load(t, rv)) != 0)
			tui_error(t, _("Reading the daily figures"), r);
		return TUI_KEY_HANDLED;
	}
	if (k->func)
		return TUI_KEY_UNHANDLED;
	switch (k->code) {
	case 'p':
		if (tui_authorize(t, "report", "daily") == 0)
			report_save(t, rv);
		return TUI_KEY_HANDLED;
	case 'd':
		snprintf(day, sizeof(day), "%s", rv->day);
		if (tui_prompt(t, _("Day (YYYY-MM-DD):"), day, sizeof(day), 0) != 0)
			return TUI_KEY_HANDLED;
		{
			struct nhi_date nd;

			if (date_parse(day, &nd) != 0) {
				err_clear();
				tui_message(t, _("Daily report"), _("The day is not a date:"
				    " type it as 2026-04-01."));
				return TUI_KEY_HANDLED;
			}
			snprintf(rv->day, sizeof(rv->day), "%04d-%02d-%02d", nd.y, nd.m, nd.d);
		}
		if ((r = load(t, rv)) != 0)
			tui_error(t, _("Reading the daily figures"), r);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

const struct tui_screen_ops tui_report_ops = {
	.name = "report",
	.title = N_("Daily report"),
	.hints = N_("p save PDF  d day  Left/Right previous/next day  ESC back"),
	.help = N_("The day's figures for the supervisor: cards issued by path,"
	    " certificates, voids and reissues, loss reports, fees and waivers, what"
	    " waits for the center, unfinished cards, findings waiting, the operators'"
	    " actions and refusals, and the week's issuances. p saves the A4 report"
	    " as a PDF (what 'nhicard report daily' writes) in ui.print_dir; d asks"
	    " for another day, Left and Right go a day back or forward."),
	.open = report_open,
	.draw = report_draw,
	.key = report_key,
	.close = report_close,
};
