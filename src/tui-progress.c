/*
 * tui-progress.c: the progress box of long work (card writes, printing,
 * sending): a title, a bar, the current step in the clerk's words, the
 * notes so far and "ESC cancel" while stopping is safe. Every update
 * redraws, polls the reader and reads pending keys, so the screen never
 * freezes between a flow's steps. tui_progress_events() turns a flow's
 * events (flow.h) into updates; tui_step_text() names every step id the
 * flows (flow.h) and card personalization (card-perso.h) report.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tui-priv.h"
#include "util.h"

#define PROGRESS_NOTES	5
#define PROGRESS_COLS	60

struct tui_progress {
	struct tui	*t;
	WINDOW		*w;
	char		*title;
	int		 h, cols;
	int		 done, total;
	char		 text[256];
	char		*notes[PROGRESS_NOTES];
	int		 nnotes;
	int		 cancellable, cancelled;
	int		 steps, steps_total;	/* tui_progress_events */
};

static void
draw(struct tui_progress *p, const char *last_line)
{
	WINDOW *w = p->w;
	int i, fill, wdt = p->cols + 4;
	char bar[PROGRESS_COLS + 8];

	werase(w);
	for (i = 0; i < wdt; i++) {
		mvwaddch(w, 0, i, i == 0 || i == wdt - 1 ? '+' : '-');
		mvwaddch(w, p->h - 1, i, i == 0 || i == wdt - 1 ? '+' : '-');
	}
	for (i = 1; i < p->h - 1; i++) {
		mvwaddch(w, i, 0, '|');
		mvwaddch(w, i, wdt - 1, '|');
	}
	mvwaddstr(w, 0, 2, " ");
	wattron(w, A_BOLD);
	tui_put(w, 0, 3, p->cols - 2, p->title);
	wattroff(w, A_BOLD);
	waddstr(w, " ");
	tui_put(w, 1, 2, p->cols, p->text);
	/* The bar: [#####.....] nn% */
	fill = p->total > 0 ? (p->done * (p->cols - 8)) / p->total : 0;
	if (fill > p->cols - 8)
		fill = p->cols - 8;
	bar[0] = '[';
	for (i = 0; i < p->cols - 8; i++)
		bar[1 + i] = i < fill ? '#' : '.';
	snprintf(bar + 1 + (p->cols - 8), sizeof(bar) - (size_t)(p->cols - 7), "] %3d%%",
	    p->total > 0 ? (p->done > p->total ? 100 : p->done * 100 / p->total) : 0);
	mvwaddstr(w, 2, 2, bar);
	for (i = 0; i < p->nnotes; i++)
		tui_put(w, 4 + i, 2, p->cols, p->notes[i]);
	if (last_line != NULL)
		tui_put(w, p->h - 2, 2, p->cols, last_line);
	else if (p->cancellable)
		tui_put(w, p->h - 2, 2, p->cols, _("ESC cancel"));
	wnoutrefresh(w);
	tui_draw_status(p->t);
	doupdate();
}

/* Read the keys typed meanwhile: ESC cancels when that is safe. */
static void
pump(struct tui_progress *p)
{
	struct tui_key k;

	while (tui_read_key(p->t, 0, &k) == 1) {
		if (!k.func && k.code == TUI_ESC && p->cancellable)
			p->cancelled = 1;
	}
}

struct tui_progress *
tui_progress_open(struct tui *t, const char *title, int cancellable)
{
	struct tui_progress *p = xcalloc(1, sizeof(*p));
	int y, x;

	p->t = t;
	p->title = xstrdup(title);
	p->cancellable = cancellable;
	p->cols = COLS - 6 < PROGRESS_COLS ? COLS - 6 : PROGRESS_COLS;
	p->h = 4 + PROGRESS_NOTES + 3;
	y = 1 + (LINES - 3 - p->h) / 2;
	x = (COLS - p->cols - 4) / 2;
	p->w = newwin(p->h, p->cols + 4, y < 1 ? 1 : y, x < 0 ? 0 : x);
	t->modal++;
	draw(p, NULL);
	return p;
}

void
tui_progress_set(struct tui_progress *p, int done, int total, const char *text)
{
	p->done = done;
	p->total = total;
	snprintf(p->text, sizeof(p->text), "%s", text);
	draw(p, NULL);
	pump(p);
}

void
tui_progress_note(struct tui_progress *p, const char *text)
{
	int i;

	if (p->nnotes == PROGRESS_NOTES) {
		free(p->notes[0]);
		for (i = 1; i < PROGRESS_NOTES; i++)
			p->notes[i - 1] = p->notes[i];
		p->nnotes--;
	}
	p->notes[p->nnotes++] = xstrdup(text);
	draw(p, NULL);
	pump(p);
}

int
tui_progress_cancelled(const struct tui_progress *p)
{
	return p->cancelled;
}

void
tui_progress_cancellable(struct tui_progress *p, int on)
{
	p->cancellable = on;
	draw(p, NULL);
}

void
tui_progress_close(struct tui_progress *p, int wait)
{
	struct tui *t;
	struct tui_key k;
	int i;

	if (p == NULL)
		return;
	t = p->t;
	if (wait) {
		p->cancellable = 0;
		do
			draw(p, _("Press any key."));
		while (tui_read_key(t, -1, &k) != 1 || (k.func && k.code == KEY_RESIZE));
	}
	delwin(p->w);
	t->modal--;
	if (t->body != NULL) {
		touchwin(t->body);
		wnoutrefresh(t->body);
	}
	tui_dirty(t);
	doupdate();
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->title);
	free(p);
}

static void
ev_step(void *arg, const char *id)
{
	struct tui_progress *p = arg;

	p->steps++;
	tui_progress_set(p, p->steps, p->steps_total > p->steps ? p->steps_total :
	    p->steps + 1, tui_step_text(id));
}

static void
ev_note(void *arg, const char *text)
{
	tui_progress_note(arg, text);
}

static int
ev_cancel(void *arg)
{
	struct tui_progress *p = arg;

	pump(p);
	return p->cancelled;
}

void
tui_progress_events(struct tui_progress *p, int total, struct flow_events *ev)
{
	p->steps = 0;
	p->steps_total = total;
	memset(ev, 0, sizeof(*ev));
	ev->step = ev_step;
	ev->note = ev_note;
	ev->cancel = ev_cancel;
	ev->arg = p;
}

/* Every step id of flow.h and card-perso.h, with the clerk's text. */
static const struct {
	const char	*id;
	const char	*text;
} step_texts[] = {
	{ "resident", N_("Finding the resident") },
	{ "rules", N_("Checking the rules") },
	{ "queue", N_("Checking the queue for the center") },
	{ "card", N_("Writing the card") },
	{ "card.recognize", N_("Reading the card") },
	{ "card.match", N_("Checking the card holder") },
	{ "card.decide", N_("Deciding what to write") },
	{ "card.open_channel", N_("Opening a secure channel to the card") },
	{ "card.put_key", N_("Setting the card's keys") },
	{ "card.delete_old", N_("Removing the old NHI application") },
	{ "card.create_town", N_("Creating the town's area on the card") },
	{ "card.create_nhi", N_("Creating the NHI application") },
	{ "card.generate_key", N_("Generating the key on the card") },
	{ "card.put_record", N_("Writing the NHI record") },
	{ "card.activate", N_("Activating the NHI application") },
	{ "card.read_back", N_("Reading the card back") },
	{ "card.challenge", N_("Checking the card's key") },
	{ "card.record", N_("Recording the card") },
	{ "lifecycle", N_("Updating the card records") },
	{ "report", N_("Recording the issue") },
	{ "certificate", N_("Printing the certificate") },
	{ "receipt", N_("Printing the receipt") },
	{ "revoke", N_("Revoking the card at the center") },
	{ "replace", N_("Replacing the card") },
	{ "send", N_("Sending to the center") },
	{ "queue.build", N_("Building the batch") },
	{ "queue.post", N_("Posting the batch to the center") },
	{ "queue.ack", N_("Applying the center's acknowledgement") },
};

const char *
tui_step_text(const char *id)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(step_texts); i++)
		if (strcmp(step_texts[i].id, id) == 0)
			return _(step_texts[i].text);
	return id;
}
