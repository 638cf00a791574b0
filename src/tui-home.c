/*
 * tui-home.c: the home menu of the clerk's screen: search residents, the
 * queue for the center, the daily report, log out, quit. Always at the bottom of the
 * screen stack.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tui-priv.h"
#include "util.h"

enum home_item { HOME_SEARCH, HOME_QUEUE, HOME_REPORT, HOME_LOGOUT, HOME_QUIT, HOME_COUNT };

static const char *const home_items[HOME_COUNT] = {
	N_("Search residents"),
	N_("Queue for the center"),
	N_("Daily report"),
	N_("Log out"),
	N_("Quit"),
};

struct home {
	int	 sel;
};

static int
home_open(struct tui *t, struct tui_screen *s, void *arg)
{
	s->priv = xcalloc(1, sizeof(struct home));
	return 0;
}

static void
home_close(struct tui *t, struct tui_screen *s)
{
	free(s->priv);
}

static void
home_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct home *h = s->priv;
	char line[256];
	int i;

	tui_put(w, 1, 2, COLS - 4, _("Choose with the arrow keys and Enter, or press"
	    " the number."));
	for (i = 0; i < HOME_COUNT; i++) {
		snprintf(line, sizeof(line), " %d  %s ", i + 1, _(home_items[i]));
		if (i == h->sel)
			wattron(w, A_REVERSE);
		tui_put(w, 3 + i * 2, 4, COLS - 8, line);
		wattroff(w, A_REVERSE);
	}
}

static void
home_run(struct tui *t, int item)
{
	switch (item) {
	case HOME_SEARCH:
		(void)tui_push(t, &tui_search_ops, NULL);
		break;
	case HOME_QUEUE:
		(void)tui_push(t, &tui_queue_ops, NULL);
		break;
	case HOME_REPORT:
		(void)tui_push(t, &tui_report_ops, NULL);
		break;
	case HOME_LOGOUT:
		tui_logout(t);
		break;
	default:
		tui_quit_ask(t);
		break;
	}
}

static enum tui_key_result
home_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct home *h = s->priv;

	if (k->func && k->code == KEY_UP) {
		h->sel = h->sel > 0 ? h->sel - 1 : HOME_COUNT - 1;
		return TUI_KEY_HANDLED;
	}
	if (k->func && k->code == KEY_DOWN) {
		h->sel = (h->sel + 1) % HOME_COUNT;
		return TUI_KEY_HANDLED;
	}
	if ((k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\r' ||
	    k->code == '\n'))) {
		home_run(t, h->sel);
		return TUI_KEY_HANDLED;
	}
	if (!k->func && k->code >= '1' && k->code < '1' + HOME_COUNT) {
		h->sel = (int)(k->code - '1');
		home_run(t, h->sel);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

const struct tui_screen_ops tui_home_ops = {
	.name = "home",
	.title = N_("Menu"),
	.hints = N_("Enter choose  1-5 shortcut  q quit"),
	.help = N_("The menu: 1 finds a resident (then issue, reprint or a loss report"
	    " from their screen), 2 shows what waits for the center and sends it, 3"
	    " shows the day's figures and saves the daily report as a PDF."
	    " Quitting with revocations not sent asks first."),
	.open = home_open,
	.draw = home_draw,
	.key = home_key,
	.close = home_close,
};
