/*
 * tui-card.c: what the clerk's card screens share (tui-card.h): the print
 * target from the configuration, the reader's state in the clerk's words,
 * the "insert the card" box and the resident's heading line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "nhiconf.h"
#include "store.h"
#include "tui-card.h"

/* ESC as a character (curses has no KEY_ESC). */
#define TUI_CARD_ESC	27

void
tui_card_print_target(struct tui *t, struct tui_print_target *out)
{
	struct session *ctx = tui_ctx(t);
	const char *printer = config_get(ctx->cfg, "print.printer", NULL);
	const char *dir = config_get(ctx->cfg, "ui.print_dir", NULL);

	memset(out, 0, sizeof(*out));
	if (printer != NULL && printer[0] != '\0')
		out->printer = printer;
	else if (dir != NULL && dir[0] != '\0')
		out->dir = dir;
}

void
tui_card_print_target_text(const struct tui_print_target *pt, char *buf, size_t cap)
{
	if (pt->printer != NULL)
		snprintf(buf, cap, _("printer %s"), pt->printer);
	else if (pt->dir != NULL)
		snprintf(buf, cap, _("PDF files in %s"), pt->dir);
	else
		snprintf(buf, cap, "%s", _("not printed (no print.printer or ui.print_dir"
		    " is configured)"));
}

const char *
tui_card_state_text(const struct card_slot *slot)
{
	switch (slot->state) {
	case CARD_SLOT_NO_SERVICE:
		return _("the PC/SC service (pcscd) is not running");
	case CARD_SLOT_NO_READER:
		return _("no card reader is connected");
	case CARD_SLOT_EMPTY:
		return _("no card in the reader");
	case CARD_SLOT_PRESENT:
		return _("a card is in the reader");
	case CARD_SLOT_MUTE:
		return _("the card does not answer: put it in the right way round");
	case CARD_SLOT_IN_USE:
		return _("the card is in use by another program");
	}
	return "?";
}

int
tui_card_wait(struct tui *t, const char *title, const char *what)
{
	const struct card_slot *slot = tui_card(t);
	struct tui_progress *p;
	struct tui_key k;
	char text[512];
	int r = 0, shown = -1;

	if (slot->state == CARD_SLOT_PRESENT)
		return 0;
	p = tui_progress_open(t, title, 1);
	tui_progress_set(p, 0, 1, what);
	for (;;) {
		slot = tui_card(t);
		if (slot->state == CARD_SLOT_PRESENT)
			break;
		/* The reader's state, one note per change. */
		if ((int)slot->state != shown) {
			snprintf(text, sizeof(text), _("Reader: %s"),
			    tui_card_state_text(slot));
			tui_progress_note(p, text);
			shown = (int)slot->state;
		}
		tui_progress_set(p, 0, 1, what);
		if (tui_progress_cancelled(p)) {
			r = NHI_ECANCELLED;
			break;
		}
		/* Waits for a key at most 250 ms, polling the reader meanwhile. */
		if (tui_read_key(t, 250, &k) == 1 && !k.func && k.code == TUI_CARD_ESC) {
			r = NHI_ECANCELLED;
			break;
		}
	}
	tui_progress_close(p, 0);
	return r;
}

static void
card_ev_step(void *arg, const char *id)
{
	struct tui_card_events *ce = arg;

	if (ce->box.step != NULL)
		ce->box.step(ce->box.arg, id);
}

static void
card_ev_note(void *arg, const char *text)
{
	struct tui_card_events *ce = arg;
	char doc[16], serial[32];

	/* flow-print.c: "certificate C-00000012 printed to FILE". */
	if (sscanf(text, "%15s %31s printed to", doc, serial) == 2 &&
	    (strcmp(doc, "certificate") == 0 || strcmp(doc, "sleeve") == 0) &&
	    strstr(text, " printed to ") != NULL)
		snprintf(ce->printed, sizeof(ce->printed), "%s", serial);
	if (strncmp(text, "warning:", 8) == 0 && ce->box.note != NULL)
		ce->box.note(ce->box.arg, text);
}

static int
card_ev_cancel(void *arg)
{
	struct tui_card_events *ce = arg;
	int stop = ce->box.cancel != NULL && ce->box.cancel(ce->box.arg);

	if (!stop) {
		tui_progress_cancellable(ce->p, 0);
		tui_progress_note(ce->p, _("Writing the card: this can no longer be"
		    " cancelled. Do not pull the card."));
	}
	return stop;
}

void
tui_card_events(struct tui_card_events *ce, struct tui_progress *p, int total,
    struct flow_events *ev)
{
	memset(ce, 0, sizeof(*ce));
	ce->p = p;
	tui_progress_events(p, total, &ce->box);
	memset(ev, 0, sizeof(*ev));
	ev->step = card_ev_step;
	ev->note = card_ev_note;
	ev->cancel = card_ev_cancel;
	ev->arg = ce;
}

int
tui_card_resident_line(struct tui *t, int64_t resident_id, char *buf, size_t cap)
{
	struct store *st;
	struct resident res;
	char nm[512], nk[512];
	int r;

	if ((r = session_store(tui_ctx(t), &st)) != 0 ||
	    (r = store_resident_get(st, resident_id, &res)) != 0)
		return r;
	snprintf(buf, cap, _("%s (%s)  born %s  %s  resident %lld"),
	    tui_name(res.name_kanji, nm, sizeof(nm)), tui_name(res.name_kana, nk, sizeof(nk)), res.birth_date, res.sex == 1 ? _("male") : res.sex == 2 ?
	    _("female") : "-", (long long)res.id);
	store_resident_free(&res);
	return 0;
}

int
tui_card_wrap(WINDOW *w, int y, int rows, const char *text)
{
	int cols = getmaxx(w) - 2, used = 0, x = 0;
	const char *p = text;
	char one[8];

	if (cols <= 0)
		return 0;
	while (*p != '\0' && used < rows && y + used < getmaxy(w)) {
		size_t n = 1;

		while (n < sizeof(one) - 1 && (p[n] & 0xc0) == 0x80)
			n++;
		memcpy(one, p, n);
		one[n] = '\0';
		if (x + tui_text_width(one) > cols) {
			used++;
			x = 0;
			if (used >= rows || y + used >= getmaxy(w))
				break;
		}
		x += tui_put(w, y + used, 1 + x, cols - x, one);
		p += n;
	}
	return used + (x > 0 ? 1 : 0);
}

void
tui_card_line(WINDOW *w, int y, const char *text)
{
	int cols = getmaxx(w) - 2;

	if (y >= 0 && y < getmaxy(w) && cols > 0)
		tui_put(w, y, 1, cols, text);
}
