/*
 * tui.c: the clerk's screen application: curses on the terminal (or on a
 * dummy terminal for a key script), the screen stack, the title, status
 * and key-hint lines, reading keys while polling the card reader, the role
 * check before an action, and the main loop (tui-int.h, docs/tui.md).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "error.h"
#include "operator.h"
#include "queue.h"
#include "store.h"
#include "tui-priv.h"
#include "util.h"

static struct tui_screen *
top(struct tui *t)
{
	return &t->stack[t->depth - 1];
}

struct session *
tui_ctx(struct tui *t)
{
	return t->ctx;
}

const struct card_slot *
tui_card(struct tui *t)
{
	return &t->slot;
}

void
tui_dirty(struct tui *t)
{
	t->dirty = 1;
}

void
tui_quit(struct tui *t)
{
	t->quit = 1;
}

static int
count_revocation(void *arg, const struct queue_record *rec)
{
	if (strcmp(rec->lane, "revocation") == 0)
		(*(int64_t *)arg)++;
	return 0;
}

void
tui_quit_ask(struct tui *t)
{
	struct store *st;
	int64_t n = 0;
	char *body;
	int go;

	/* Revocations still at the station: a card reported lost keeps
	 * working at clinics until the center has them. Say so first. */
	if (t->ctx->operator_login == NULL || session_store(t->ctx, &st) != 0 ||
	    store_queue_walk_open(st, 0, count_revocation, &n) != 0) {
		err_clear();
		n = 0;
	}
	if (n == 0) {
		tui_quit(t);
		return;
	}
	body = xasprintf(_("%lld revocation(s) have not been sent to the center yet: until they"
	    " are sent, the cards stopped at this counter still work at clinics.\n"
	    "Send them first from the menu (2 queue for the center, s send).\n"
	    "Quit anyway?"), (long long)n);
	go = tui_confirm(t, _("Revocations not sent"), body);
	free(body);
	if (go)
		tui_quit(t);
}

int
tui_push(struct tui *t, const struct tui_screen_ops *ops, void *arg)
{
	struct tui_screen *s;
	int r;

	if (t->depth >= TUI_STACK_MAX) {
		r = err_set(NHI_EINTERNAL, "too many screens open (%d)", t->depth);
		tui_error(t, _("Opening a screen"), r);
		return r;
	}
	s = &t->stack[t->depth];
	s->ops = ops;
	s->priv = NULL;
	if (ops->open != NULL && (r = ops->open(t, s, arg)) != 0) {
		/* tui_authorize() has shown its refusal; ESC is the clerk's. */
		if (r != NHI_EDENIED && r != NHI_ECANCELLED)
			tui_error(t, _("Opening a screen"), r);
		s->ops = NULL;
		return r;
	}
	t->depth++;
	t->dirty = 1;
	return 0;
}

static void
pop_one(struct tui *t)
{
	struct tui_screen *s = top(t);

	if (s->ops->close != NULL)
		s->ops->close(t, s);
	s->ops = NULL;
	s->priv = NULL;
	t->depth--;
	t->dirty = 1;
}

void
tui_pop(struct tui *t)
{
	if (t->depth > 1)
		pop_one(t);
}

void
tui_logout(struct tui *t)
{
	while (t->depth > 1)
		pop_one(t);
	t->ctx->operator_login = NULL;
	t->ctx->operator_roles = 0;
	(void)tui_push(t, &tui_login_ops, NULL);
}

/* ---- Windows ----------------------------------------------------------- */

static void
free_windows(struct tui *t)
{
	WINDOW **w[] = { &t->title, &t->body, &t->status, &t->hints };
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(w); i++) {
		if (*w[i] != NULL)
			delwin(*w[i]);
		*w[i] = NULL;
	}
}

/* (Re)create the four windows for the terminal's size. */
static void
layout(struct tui *t)
{
	free_windows(t);
	t->too_small = COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
	if (t->too_small) {
		/* Keys are still read, from a window of one line. */
		t->hints = newwin(1, COLS > 0 ? COLS : 1, LINES > 0 ? LINES - 1 : 0, 0);
	} else {
		t->title = newwin(1, COLS, 0, 0);
		t->body = newwin(LINES - 3, COLS, 1, 0);
		t->status = newwin(1, COLS, LINES - 2, 0);
		t->hints = newwin(1, COLS, LINES - 1, 0);
	}
	keypad(t->hints, TRUE);
	t->dirty = 1;
}

static void
draw_too_small(struct tui *t)
{
	char text[256];

	werase(stdscr);
	snprintf(text, sizeof(text), _("The terminal is %dx%d: this screen needs at"
	    " least %dx%d. Make the window larger."), COLS, LINES, TUI_MIN_COLS,
	    TUI_MIN_LINES);
	/* Wrap by hand: the window may be narrow. */
	{
		int y = 0, x = 0, cols = COLS > 1 ? COLS : 1;
		const char *p = text;

		while (*p != '\0' && y < LINES) {
			char one[8];
			size_t n = 1;

			while ((p[n] & 0xc0) == 0x80)
				n++;
			memcpy(one, p, n);
			one[n] = '\0';
			if (x + tui_text_width(one) > cols) {
				y++;
				x = 0;
				if (y >= LINES)
					break;
			}
			x += tui_put(stdscr, y, x, cols - x, one);
			p += n;
		}
	}
	wnoutrefresh(stdscr);
}

static const char *
slot_text(const struct card_slot *slot)
{
	switch (slot->state) {
	case CARD_SLOT_NO_SERVICE:
		return _("no card service");
	case CARD_SLOT_NO_READER:
		return _("no reader");
	case CARD_SLOT_EMPTY:
		return _("no card");
	case CARD_SLOT_PRESENT:
		return _("card present");
	case CARD_SLOT_MUTE:
		return _("card not answering");
	case CARD_SLOT_IN_USE:
		return _("card in use");
	}
	return "?";
}

/* Records waiting for the center (the queue's backlog), or -1. */
static int64_t
queue_waiting(struct tui *t)
{
	struct queue_limits lim;
	struct queue_status qs;
	struct store *st;

	if (t->ctx->operator_login == NULL)
		return -1;
	if (session_store(t->ctx, &st) != 0 || queue_limits_load(t->ctx->cfg, &lim) != 0 ||
	    queue_status_get(st, &lim, &qs) != 0) {
		err_clear();
		return -1;
	}
	return qs.open;
}

/*
 * The status line: operator (roles) | reader | records waiting | message.
 * When a message does not fit, the roles and the queue give way to it:
 * the operator and the reader's state always show.
 */
static void
status_text(struct tui *t, int full, char *line, size_t cap)
{
	const char *login = t->ctx->operator_login;
	char part[256], *rt;

	if (login == NULL)
		snprintf(line, cap, "%s", _("Not logged in"));
	else if (full) {
		rt = tui_roles_text(t->ctx->operator_roles);
		snprintf(line, cap, _("Operator %s (%s)"), login, rt);
		free(rt);
	} else
		snprintf(line, cap, "%s", login);
	strncat(line, " | ", cap - strlen(line) - 1);
	snprintf(part, sizeof(part), _("Reader: %s"), slot_text(&t->slot));
	strncat(line, part, cap - strlen(line) - 1);
	if (full && t->queue_open >= 0) {
		strncat(line, " | ", cap - strlen(line) - 1);
		snprintf(part, sizeof(part), _("Queue: %lld"), (long long)t->queue_open);
		strncat(line, part, cap - strlen(line) - 1);
	}
	if (t->message[0] != '\0') {
		strncat(line, " | ", cap - strlen(line) - 1);
		strncat(line, t->message, cap - strlen(line) - 1);
	}
}

void
tui_draw_status(struct tui *t)
{
	char line[512];

	if (t->too_small || t->status == NULL)
		return;
	wbkgdset(t->status, A_REVERSE);
	werase(t->status);
	status_text(t, 1, line, sizeof(line));
	if (t->message[0] != '\0' && tui_text_width(line) > COLS)
		status_text(t, 0, line, sizeof(line));
	tui_put(t->status, 0, 0, COLS, line);
	wnoutrefresh(t->status);
}

/* The key hints of screen s in its present state (hints_now), else its
 * fixed ones, translated. */
static const char *
screen_hints(struct tui_screen *s)
{
	const char *h = s->ops->hints_now != NULL ? s->ops->hints_now(s) : NULL;

	if (h == NULL)
		h = s->ops->hints;
	return h != NULL ? _(h) : "";
}

static void
redraw(struct tui *t)
{
	struct tui_screen *s = top(t);
	char line[512];

	if (t->too_small) {
		draw_too_small(t);
		doupdate();
		return;
	}
	t->queue_open = queue_waiting(t);
	wbkgdset(t->title, A_REVERSE);
	werase(t->title);
	snprintf(line, sizeof(line), "%s  %s", _("nhicard NHI card station"),
	    s->ops->title != NULL ? _(s->ops->title) : "");
	tui_put(t->title, 0, 0, COLS, line);
	wnoutrefresh(t->title);

	werase(t->body);
	if (s->ops->draw != NULL)
		s->ops->draw(t, s, t->body);
	wnoutrefresh(t->body);

	tui_draw_status(t);

	werase(t->hints);
	snprintf(line, sizeof(line), "%s  %s", screen_hints(s), _("F1 help"));
	tui_put(t->hints, 0, 0, COLS, line);
	wnoutrefresh(t->hints);
	doupdate();
	t->dirty = 0;
}

/* The roles in `bits` in the clerk's words ("clerk or supervisor");
 * caller must free. */
char *
tui_roles_text(unsigned bits)
{
	static const struct {
		unsigned	 bit;
		const char	*text;
	} names[] = {
		{ OPERATOR_ROLE_CLERK, N_("clerk") },
		{ OPERATOR_ROLE_SUPERVISOR, N_("supervisor") },
		{ OPERATOR_ROLE_KEY_OFFICER, N_("key officer") },
		{ OPERATOR_ROLE_AUDITOR, N_("auditor") },
	};
	char *s, *n;
	size_t i;

	if (bits == OPERATOR_ROLE_ALL)
		return xstrdup(_("all roles"));
	s = xstrdup("");
	for (i = 0; i < NHI_ARRAY_LEN(names); i++) {
		if (!(bits & names[i].bit))
			continue;
		n = xasprintf("%s%s%s", s, *s ? _(" or ") : "", _(names[i].text));
		free(s);
		s = n;
	}
	return s;
}

/* ---- Keys and the card ------------------------------------------------- */

void
tui_poll_card(struct tui *t)
{
	struct card_slot slot;
	struct tui_screen *s;
	int changed;

	if (t->mon == NULL)
		return;
	changed = card_monitor_poll(t->mon, 0, &slot);
	if (!changed && slot.state == t->slot.state)
		return;
	t->slot = slot;
	s = top(t);
	if (s->ops->card_changed != NULL)
		s->ops->card_changed(t, s, &t->slot);
	/* The body follows at once unless a dialog covers it. */
	if (t->modal == 0 && !t->too_small)
		redraw(t);
	else {
		tui_draw_status(t);
		doupdate();
	}
}

int
tui_read_key(struct tui *t, int timeout_ms, struct tui_key *k)
{
	int left = timeout_ms, wait, rc;
	wint_t wc;

	if (t->script != NULL) {
		for (;;) {
			tui_poll_card(t);
			if (timeout_ms == 0)
				return 0;
			if (t->quit) {
				/* After the script's end every wait ends with ESC. */
				k->func = 0;
				k->code = TUI_ESC;
				return 1;
			}
			doupdate();
			rc = tui_script_next(t, k);
			if (rc == 1) {
				if (k->func && k->code == KEY_RESIZE)
					layout(t);
				t->message[0] = '\0';
				return 1;
			}
			if (rc < 0) {
				/* The end of the script: quit, closing what is open. */
				tui_quit(t);
				k->func = 0;
				k->code = TUI_ESC;
				return 1;
			}
			if (timeout_ms > 0)
				return 0;
		}
	}
	for (;;) {
		wait = left < 0 || left > TUI_POLL_MS ? TUI_POLL_MS : left;
		wtimeout(t->hints, wait);
		rc = wget_wch(t->hints, &wc);
		if (rc == KEY_CODE_YES || rc == OK) {
			k->func = rc == KEY_CODE_YES;
			k->code = wc;
			if (k->func && k->code == KEY_RESIZE)
				layout(t);
			t->message[0] = '\0';
			return 1;
		}
		tui_poll_card(t);
		if (left >= 0) {
			left -= wait;
			if (left <= 0)
				return 0;
		}
	}
}

void
tui_status_message(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	tui_draw_status(t);
	doupdate();
}

int
tui_authorize(struct tui *t, const char *cmd, const char *sub)
{
	struct session *ctx = t->ctx;
	unsigned need = operator_roles_for(cmd, sub);
	char *want, *wanted, *action, *detail, *body;
	struct store *st;
	int r;

	if (need == OPERATOR_ROLE_NONE || (ctx->operator_roles & need) != 0)
		return 0;
	want = operator_roles_text(need);
	wanted = tui_roles_text(need);
	action = xasprintf("%s%s%s", cmd, sub != NULL ? " " : "", sub != NULL ? sub : "");
	r = err_set(NHI_EDENIED, "operator '%s' (%s) may not run '%s': it needs %s",
	    ctx->operator_login != NULL ? ctx->operator_login : "-",
	    operator_role_name(ctx->operator_roles) != NULL ?
	    operator_role_name(ctx->operator_roles) : "-", action, want);
	/* Audited as the command line does (no personal data). */
	detail = xasprintf("role %s may not run %s (screen)",
	    operator_role_name(ctx->operator_roles) != NULL ?
	    operator_role_name(ctx->operator_roles) : "-", action);
	if (session_store(ctx, &st) == 0)
		operator_audit(st, ctx->operator_login, "operator.role_refused", action,
		    AUDIT_REFUSED, detail);
	body = xasprintf(_("Your role may not do this (it needs: %s).\nAsk a"
	    " supervisor, or log in as an operator who may."), wanted);
	tui_message(t, _("Not authorized"), body);
	free(body);
	free(detail);
	free(action);
	free(wanted);
	free(want);
	return r;
}

/* ---- The main loop ----------------------------------------------------- */

static void
help(struct tui *t)
{
	struct tui_screen *s = top(t);
	const char *what = s->ops->help_now != NULL ? s->ops->help_now(s) : NULL;
	char *body;

	/* This screen in its present state, its keys now, then the framework's. */
	if (what == NULL)
		what = s->ops->help;
	body = xasprintf("%s%s%s\n\n%s", what != NULL ? _(what) : "",
	    what != NULL ? "\n\n" : "", screen_hints(s),
	    _("ESC or q goes back one screen; on the menu, q quits.\nThe line above"
	    " the keys shows the operator, the card reader and the records waiting"
	    " for the center."));
	tui_message(t, _("Keys"), body);
	free(body);
}

static void
main_loop(struct tui *t)
{
	struct tui_key k;
	enum tui_key_result res;
	int depth;

	while (!t->quit && t->depth > 0) {
		redraw(t);
		if (tui_read_key(t, -1, &k) != 1)
			continue;
		if (k.func && k.code == KEY_RESIZE)
			continue;
		if (t->too_small) {
			/* Only q works until the terminal is large enough. */
			if (!k.func && k.code == 'q')
				tui_quit(t);
			continue;
		}
		if (t->quit)
			break;
		depth = t->depth;
		res = top(t)->ops->key != NULL ? top(t)->ops->key(t, top(t), &k) :
		    TUI_KEY_UNHANDLED;
		if (res == TUI_KEY_CLOSE) {
			if (t->depth == depth)
				tui_pop(t);
			continue;
		}
		if (res == TUI_KEY_HANDLED)
			continue;
		if (k.func && k.code == KEY_F(1))
			help(t);
		else if (!k.func && (k.code == TUI_ESC || k.code == 'q')) {
			if (t->depth > 1)
				tui_pop(t);
			else if (k.code == 'q')
				tui_quit_ask(t);
		}
	}
}

static int
start_curses(struct tui *t, const struct tui_options *o)
{
	char num[16];

	if (o->script != NULL) {
		/* A dummy terminal: the screen goes to /dev/null, keys come
		 * from the script, the size from the options. */
		snprintf(num, sizeof(num), "%d", o->cols > 0 ? o->cols : TUI_MIN_COLS);
		setenv("COLUMNS", num, 1);
		snprintf(num, sizeof(num), "%d", o->lines > 0 ? o->lines : TUI_MIN_LINES);
		setenv("LINES", num, 1);
		if ((t->term_out = fopen("/dev/null", "w")) == NULL ||
		    (t->term_in = fopen("/dev/null", "r")) == NULL)
			return err_set(NHI_EIO, "/dev/null: cannot open");
		t->screen = newterm("xterm", t->term_out, t->term_in);
		if (t->screen == NULL)
			return err_set(NHI_EUSAGE, "no terminfo entry for xterm"
			    " (install ncurses-base)");
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			return err_set(NHI_EUSAGE, "%s", _("nhicard tui needs a terminal"
			    " (or NHICARD_TUI_SCRIPT for a key script)"));
		t->screen = newterm(NULL, stdout, stdin);
		if (t->screen == NULL)
			return err_set(NHI_EUSAGE, "unknown terminal type '%s'",
			    getenv("TERM") != NULL ? getenv("TERM") : "");
	}
	set_term(t->screen);
	cbreak();
	noecho();
	nonl();
	set_escdelay(25);
	curs_set(0);
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES)
		return err_set(NHI_EUSAGE, _("The terminal is %dx%d: this screen needs at"
		    " least %dx%d. Make the window larger."), COLS, LINES, TUI_MIN_COLS,
		    TUI_MIN_LINES);
	layout(t);
	return 0;
}

int
tui_run(struct session *ctx, const struct tui_options *o)
{
	struct tui *t = xcalloc(1, sizeof(*t));
	int r;

	t->ctx = ctx;
	t->queue_open = -1;
	/* The screen logs operators in itself. */
	ctx->operator_login = NULL;
	ctx->operator_roles = 0;
	if ((r = tui_i18n_init(ctx->cfg)) != 0)
		goto out;
	if (o->script != NULL &&
	    (r = tui_script_open(o->script, o->dump_dir, &t->script)) != 0)
		goto out;
	if ((r = start_curses(t, o)) != 0)
		goto out;
	if ((r = card_monitor_new(ctx->reader, &t->mon)) != 0)
		goto out;
	(void)card_monitor_poll(t->mon, 0, &t->slot);
	if ((r = tui_push(t, &tui_home_ops, NULL)) != 0 ||
	    (r = tui_push(t, &tui_login_ops, NULL)) != 0)
		goto out;
	main_loop(t);
	r = 0;
out:
	while (t->depth > 0)
		pop_one(t);
	free_windows(t);
	if (t->screen != NULL) {
		endwin();
		delscreen(t->screen);
	}
	if (t->term_out != NULL)
		fclose(t->term_out);
	if (t->term_in != NULL)
		fclose(t->term_in);
	card_monitor_free(t->mon);
	tui_script_free(t->script);
	free(t);
	return r;
}
