/*
 * tui-search.c: searching residents, as `nhicard resident search` does
 * (store_resident_search): the clerk types one thing and the screen tells
 * what it is: a birth date (YYYY-MM-DD, YYYYMMDD or an era date such as
 * 昭和55年4月1日 / S55.4.1, parsed by the rules layer), kana (full- or
 * half-width, hiragana or katakana: the store normalizes it), 記号番号
 * (SYMBOL-NUMBER) or else the start of the kanji name. Enter on a result
 * opens the resident screen.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "tui-priv.h"
#include "search.h"
#include "tui-search.h"
#include "util.h"

#define SEARCH_LIMIT	200
#define SEARCH_TEXT_MAX	128

struct search {
	char		 text[SEARCH_TEXT_MAX];
	enum tui_search_kind kind;
	char		 arg[SEARCH_TEXT_MAX];	/* normalized criterion */
	char		 number[SEARCH_TEXT_MAX];	/* 番号 of 記号番号 */
	struct resident	*list;
	size_t		 n;
	int		 searched;
	int		 sel, first;
};

enum tui_search_kind
tui_search_classify(const char *text, char *arg, size_t argcap, char *number,
    size_t numcap)
{
	/* The command line reads a clerk's text the same way (search.c). */
	switch (search_classify(text, arg, argcap, number, numcap)) {
	case SEARCH_BIRTH:	return TUI_SEARCH_BIRTH;
	case SEARCH_KANA:	return TUI_SEARCH_KANA;
	case SEARCH_SYMBOL:	return TUI_SEARCH_SYMBOL;
	case SEARCH_BAD_DATE:	return TUI_SEARCH_BAD_DATE;
	case SEARCH_KANJI:	break;
	}
	return TUI_SEARCH_KANJI;
}

static const char *
kind_text(enum tui_search_kind kind)
{
	switch (kind) {
	case TUI_SEARCH_BIRTH:
		return _("birth date");
	case TUI_SEARCH_KANA:
		return _("kana name");
	case TUI_SEARCH_SYMBOL:
		return _("symbol-number");
	case TUI_SEARCH_KANJI:
		return _("kanji name");
	case TUI_SEARCH_BAD_DATE:
		return _("date not understood");
	}
	return "";
}

const char *
tui_sex_text(int sex)
{
	return sex == 1 ? _("M") : sex == 2 ? _("F") : "-";
}

static int
search_open(struct tui *t, struct tui_screen *s, void *arg)
{
	int r;

	if ((r = tui_authorize(t, "resident", "search")) != 0)
		return r;
	s->priv = xcalloc(1, sizeof(struct search));
	return 0;
}

static void
search_close(struct tui *t, struct tui_screen *s)
{
	struct search *se = s->priv;

	store_resident_list_free(se->list, se->n);
	free(se);
}

static void
search_run(struct tui *t, struct search *se)
{
	struct resident_query q;
	struct store *st;
	char msg[SEARCH_TEXT_MAX + 64];
	int r;

	store_resident_list_free(se->list, se->n);
	se->list = NULL;
	se->n = 0;
	se->sel = se->first = 0;
	se->kind = tui_search_classify(se->text, se->arg, sizeof(se->arg), se->number,
	    sizeof(se->number));
	memset(&q, 0, sizeof(q));
	switch (se->kind) {
	case TUI_SEARCH_BIRTH:
		q.birth_date = se->arg;
		break;
	case TUI_SEARCH_KANA:
		q.kana_prefix = se->arg;
		break;
	case TUI_SEARCH_SYMBOL:
		q.symbol = se->arg;
		q.number = se->number;
		break;
	case TUI_SEARCH_KANJI:
		q.kanji_prefix = se->arg;
		break;
	case TUI_SEARCH_BAD_DATE:
		/* Not a name search: the clerk meant a date. */
		se->searched = 1;
		snprintf(msg, sizeof(msg), _("date not understood: %s"), se->text);
		tui_error(t, _("Searching"), err_set(NHI_EUSAGE, "%s", msg));
		return;
	}
	se->searched = 1;
	if ((r = session_store(tui_ctx(t), &st)) != 0 ||
	    (r = store_resident_search(st, &q, SEARCH_LIMIT, &se->list, &se->n)) != 0) {
		se->list = NULL;
		se->n = 0;
		tui_error(t, _("Searching"), r);
	}
}

static void
search_prompt(struct tui *t, struct search *se)
{
	char text[SEARCH_TEXT_MAX] = "";

	if (tui_prompt(t, _("Search: kana, kanji name, birth date (1980-04-01 or"
	    " S55.4.1) or symbol-number (1-2):"), text, sizeof(text), 0) != 0)
		return;
	if (text[0] == '\0')
		return;
	snprintf(se->text, sizeof(se->text), "%s", text);
	search_run(t, se);
}

static void
search_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct search *se = s->priv;
	int rows = getmaxy(w) - 4, cols = getmaxx(w), i, addr;
	char line[2048], c1[256], c2[256], c3[64], c4[64], c5[512], nm[512];
	const struct resident *r;

	if (!se->searched) {
		tui_put(w, 1, 2, cols - 4, _("Press Enter or / to search."));
		tui_put(w, 2, 2, cols - 4, _("Type kana, a kanji name, a birth date or a"
		    " symbol-number."));
		return;
	}
	snprintf(line, sizeof(line), _("Search %s (%s): %zu found"), se->text,
	    kind_text(se->kind), se->n);
	tui_put(w, 0, 1, cols - 2, line);
	if (se->n == SEARCH_LIMIT)
		tui_put(w, 0, cols - 20, 19, _("(narrow the search)"));
	if (se->n == 0) {
		tui_put(w, 2, 2, cols - 4, _("No resident matches. Check the spelling or"
		    " search another way."));
		return;
	}
	/* Columns: kanji 16, kana 16, birth 10, sex 4, address the rest. */
	addr = cols - 2 - 16 - 1 - 16 - 1 - 10 - 1 - 4 - 1 - 1;
	tui_fit(c1, sizeof(c1), _("Name"), 16);
	tui_fit(c2, sizeof(c2), _("Kana"), 16);
	tui_fit(c3, sizeof(c3), _("Born"), 10);
	tui_fit(c4, sizeof(c4), _("Sex"), 4);
	tui_fit(c5, sizeof(c5), _("Address"), addr);
	snprintf(line, sizeof(line), "  %s %s %s %s %s", c1, c2, c3, c4, c5);
	wattron(w, A_BOLD);
	tui_put(w, 1, 0, cols, line);
	wattroff(w, A_BOLD);
	if (se->sel < se->first)
		se->first = se->sel;
	if (se->sel >= se->first + rows)
		se->first = se->sel - rows + 1;
	for (i = 0; i < rows && se->first + i < (int)se->n; i++) {
		r = &se->list[se->first + i];
		tui_fit(c1, sizeof(c1), tui_name(r->name_kanji, nm, sizeof(nm)), 16);
		tui_fit(c2, sizeof(c2), tui_name(r->name_kana, nm, sizeof(nm)), 16);
		tui_fit(c3, sizeof(c3), r->birth_date, 10);
		tui_fit(c4, sizeof(c4), tui_sex_text(r->sex), 4);
		tui_fit(c5, sizeof(c5), tui_name(r->address, nm, sizeof(nm)), addr);
		snprintf(line, sizeof(line), "%s %s %s %s %s %s",
		    se->first + i == se->sel ? ">" : " ", c1, c2, c3, c4, c5);
		if (se->first + i == se->sel)
			wattron(w, A_REVERSE);
		tui_put(w, 2 + i, 0, cols, line);
		wattroff(w, A_REVERSE);
	}
}

static enum tui_key_result
search_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct search *se = s->priv;
	int rows = LINES - 3 - 4, enter;

	enter = (k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\r' ||
	    k->code == '\n'));
	if ((!k->func && k->code == '/') || (enter && se->n == 0)) {
		search_prompt(t, se);
		return TUI_KEY_HANDLED;
	}
	if (enter) {
		int64_t id = se->list[se->sel].id;

		(void)tui_push(t, &tui_resident_ops, &id);
		return TUI_KEY_HANDLED;
	}
	if (!k->func || se->n == 0)
		return TUI_KEY_UNHANDLED;
	switch (k->code) {
	case KEY_UP:
		if (se->sel > 0)
			se->sel--;
		return TUI_KEY_HANDLED;
	case KEY_DOWN:
		if (se->sel + 1 < (int)se->n)
			se->sel++;
		return TUI_KEY_HANDLED;
	case KEY_PPAGE:
		se->sel = se->sel > rows ? se->sel - rows : 0;
		return TUI_KEY_HANDLED;
	case KEY_NPAGE:
		se->sel = se->sel + rows < (int)se->n ? se->sel + rows : (int)se->n - 1;
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

const struct tui_screen_ops tui_search_ops = {
	.name = "search",
	.title = N_("Search residents"),
	.hints = N_("/ search  Enter open  ESC back"),
	.help = N_("Type a name as the resident says it (kanji with or without a space,"
	    " the given name alone, or kana), a birth date (1980-04-01, 1980/04/01,"
	    " or S55.4.1) or the symbol and number (2-2). A date that"
	    " does not exist is said so, not searched as a name."),
	.open = search_open,
	.draw = search_draw,
	.key = search_key,
	.close = search_close,
};
