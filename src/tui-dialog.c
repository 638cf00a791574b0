/*
 * tui-dialog.c: modal boxes over the current screen: yes/no with what
 * will happen, a message, an error in the clerk's words (what happened,
 * what to do next: a table by NHI_E* code), one line of input with
 * wide-character editing, and a list to choose from. Boxes are drawn with
 * ASCII borders: line-drawing characters are "ambiguous width" and take
 * two columns on many Japanese terminals.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "error.h"
#include "reasons.h"
#include "tui-priv.h"
#include "util.h"

/* ---- Wrapping ---------------------------------------------------------- */

struct lines {
	char	**v;
	int	  n;
};

static void
lines_add(struct lines *l, const char *s, size_t len)
{
	l->v = xreallocarray(l->v, (size_t)l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrndup(s, len);
}

static void
lines_free(struct lines *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t
char_len(const char *s)
{
	size_t n = 1;

	if ((unsigned char)s[0] >= 0xc0)
		while ((s[n] & 0xc0) == 0x80 && n < 4)
			n++;
	return n;
}

/* Wrap `text` into lines of at most `cols` columns: at a blank when the
 * line has one (English), else at any character (Japanese). */
static void
wrap(const char *text, int cols, struct lines *out)
{
	const char *p = text, *start = text, *blank = NULL;
	char one[8];
	int used = 0, w;
	size_t n;

	while (*p != '\0') {
		if (*p == '\n') {
			lines_add(out, start, (size_t)(p - start));
			start = ++p;
			blank = NULL;
			used = 0;
			continue;
		}
		n = char_len(p);
		memcpy(one, p, n);
		one[n] = '\0';
		w = tui_text_width(one);
		if (used + w > cols && p > start) {
			if (blank != NULL && *p != ' ') {
				lines_add(out, start, (size_t)(blank - start));
				start = blank + 1;
			} else {
				lines_add(out, start, (size_t)(p - start));
				start = p;
			}
			while (*start == ' ')
				start++;
			blank = NULL;
			used = tui_text_width(start) - tui_text_width(p);
			if (p < start)
				p = start;
			continue;
		}
		if (*p == ' ')
			blank = p;
		used += w;
		p += n;
	}
	lines_add(out, start, (size_t)(p - start));
}

/* ---- Boxes ------------------------------------------------------------- */

struct box {
	WINDOW	*w;
	int	 h, cols;	/* inner columns */
};

/* The most inner rows a box has in this terminal. */
static int
box_max_rows(void)
{
	return LINES - 5;
}

/* Open a box for `rows` inner lines of up to `want` columns. */
static void
box_open(struct tui *t, struct box *b, int rows, int want)
{
	int maxcols = COLS - 6, maxrows = box_max_rows(), y, x;

	b->cols = want < 30 ? 30 : want > maxcols ? maxcols : want;
	b->h = (rows > maxrows ? maxrows : rows) + 2;
	y = 1 + (LINES - 3 - b->h) / 2;
	x = (COLS - b->cols - 4) / 2;
	b->w = newwin(b->h, b->cols + 4, y < 1 ? 1 : y, x < 0 ? 0 : x);
	keypad(b->w, TRUE);
	t->modal++;
}

static void
box_frame(struct box *b, const char *title)
{
	int i, wdt = b->cols + 4;

	werase(b->w);
	for (i = 0; i < wdt; i++) {
		mvwaddch(b->w, 0, i, i == 0 || i == wdt - 1 ? '+' : '-');
		mvwaddch(b->w, b->h - 1, i, i == 0 || i == wdt - 1 ? '+' : '-');
	}
	for (i = 1; i < b->h - 1; i++) {
		mvwaddch(b->w, i, 0, '|');
		mvwaddch(b->w, i, wdt - 1, '|');
	}
	if (title != NULL && title[0] != '\0') {
		mvwaddstr(b->w, 0, 2, " ");
		wattron(b->w, A_BOLD);
		tui_put(b->w, 0, 3, b->cols - 2, title);
		wattroff(b->w, A_BOLD);
		waddstr(b->w, " ");
	}
}

static void
box_show(struct tui *t, struct box *b)
{
	wnoutrefresh(b->w);
	tui_draw_status(t);
	doupdate();
}

/* Close the box and show what was under it again. */
static void
box_close(struct tui *t, struct box *b)
{
	delwin(b->w);
	b->w = NULL;
	t->modal--;
	if (t->body != NULL) {
		touchwin(t->body);
		wnoutrefresh(t->body);
	}
	tui_dirty(t);
	doupdate();
}

static int
widest(const struct lines *l)
{
	int i, w, m = 0;

	for (i = 0; i < l->n; i++)
		if ((w = tui_text_width(l->v[i])) > m)
			m = w;
	return m;
}

static int
is_enter(const struct tui_key *k)
{
	return (k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\n' ||
	    k->code == '\r'));
}

static int
is_esc(const struct tui_key *k)
{
	return !k->func && k->code == TUI_ESC;
}

/* The body wrapped for a box as wide as the terminal allows. */
static void
wrap_body(const char *body, struct lines *l)
{
	int cols = COLS - 6 < 72 ? COLS - 6 : 72;

	wrap(body, cols, l);
}

/* ---- Message, confirm -------------------------------------------------- */

/* The lines that fit, from the box's first inner row. */
static void
draw_lines(struct box *b, const struct lines *l)
{
	int i;

	for (i = 0; i < l->n && 1 + i < b->h - 1; i++)
		tui_put(b->w, 1 + i, 2, b->cols, l->v[i]);
}

/*
 * A body taller than the terminal allows scrolls: the box keeps its last
 * `foot` inner rows for what follows the body (the key hint, the
 * buttons), shows the body's rows from `top` above them, and says on its
 * lower border which rows those are. Nothing of a long error detail is
 * cut off where the clerk or IT staff cannot reach it.
 */
static int
body_rows(const struct box *b, int foot)
{
	int rows = b->h - 2 - foot;

	return rows < 1 ? 1 : rows;
}

/* Would `n` body lines and `foot` more rows overflow a box here? */
static int
body_scrolls(int n, int foot)
{
	return n + foot > box_max_rows();
}

static void
draw_body(struct box *b, const struct lines *l, int top, int foot)
{
	int rows = body_rows(b, foot), i, x;
	char pos[40];

	for (i = 0; i < rows && top + i < l->n; i++)
		tui_put(b->w, 1 + i, 2, b->cols, l->v[top + i]);
	if (rows >= l->n)
		return;
	snprintf(pos, sizeof(pos), " %d-%d/%d %s ", top + 1,
	    top + rows < l->n ? top + rows : l->n, l->n,
	    top + rows < l->n ? "v" : top > 0 ? "^" : "");
	x = b->cols + 4 - (int)strlen(pos) - 2;
	mvwaddstr(b->w, b->h - 1, x < 1 ? 1 : x, pos);
}

/* Up, Down, PgUp, PgDn, Home, End move `*top` in a body that scrolls;
 * 1 if `k` was one of them. */
static int
body_scroll(const struct tui_key *k, const struct box *b, const struct lines *l,
    int foot, int *top)
{
	int rows = body_rows(b, foot), last = l->n - rows, t = *top;

	if (!k->func || rows >= l->n)
		return 0;
	switch (k->code) {
	case KEY_UP:
		t--;
		break;
	case KEY_DOWN:
		t++;
		break;
	case KEY_PPAGE:
		t -= rows;
		break;
	case KEY_NPAGE:
		t += rows;
		break;
	case KEY_HOME:
		t = 0;
		break;
	case KEY_END:
		t = last;
		break;
	default:
		return 0;
	}
	*top = t < 0 ? 0 : t > last ? last : t;
	return 1;
}

void
tui_message(struct tui *t, const char *title, const char *body)
{
	struct lines l = { 0 };
	struct tui_key k;
	struct box b;
	const char *foot;
	int top = 0, w;

	wrap_body(body, &l);
	/* The hint names the scroll keys only when there is something to
	 * scroll; then those keys do not close the box. */
	foot = body_scrolls(l.n, 2) ?
	    _("Press any key. (Up/Down, PgUp/PgDn, Home/End: scroll)") :
	    _("Press any key.");
	w = tui_text_width(foot);
	box_open(t, &b, l.n + 2, widest(&l) > w ? widest(&l) : w);
	for (;;) {
		box_frame(&b, title);
		draw_body(&b, &l, top, 2);
		tui_put(b.w, b.h - 2, 2, b.cols, foot);
		box_show(t, &b);
		if (tui_read_key(t, -1, &k) != 1 || (k.func && k.code == KEY_RESIZE))
			continue;
		if (!body_scroll(&k, &b, &l, 2, &top))
			break;
	}
	box_close(t, &b);
	lines_free(&l);
}

int
tui_confirm(struct tui *t, const char *title, const char *body)
{
	struct lines l = { 0 };
	struct tui_key k;
	struct box b;
	int yes = 0, done = 0, row, top = 0;
	char yes_text[64], no_text[64];

	snprintf(yes_text, sizeof(yes_text), "[ %s ]", _("Yes (y)"));
	snprintf(no_text, sizeof(no_text), "[ %s ]", _("No (n)"));
	wrap_body(body, &l);
	box_open(t, &b, l.n + 2, widest(&l) > 40 ? widest(&l) : 40);
	while (!done) {
		box_frame(&b, title);
		draw_body(&b, &l, top, 2);
		row = b.h - 2;
		if (yes)
			wattron(b.w, A_REVERSE);
		tui_put(b.w, row, 2, b.cols, yes_text);
		wattroff(b.w, A_REVERSE);
		if (!yes)
			wattron(b.w, A_REVERSE);
		tui_put(b.w, row, 4 + tui_text_width(yes_text), b.cols, no_text);
		wattroff(b.w, A_REVERSE);
		box_show(t, &b);
		if (tui_read_key(t, -1, &k) != 1 || body_scroll(&k, &b, &l, 2, &top))
			continue;
		if (is_esc(&k)) {
			yes = 0;
			done = 1;
		} else if (is_enter(&k))
			done = 1;
		else if (!k.func && (k.code == 'y' || k.code == 'Y')) {
			yes = 1;
			done = 1;
		} else if (!k.func && (k.code == 'n' || k.code == 'N')) {
			yes = 0;
			done = 1;
		} else if ((k.func && (k.code == KEY_LEFT || k.code == KEY_RIGHT)) ||
		    (!k.func && k.code == '\t'))
			yes = !yes;
	}
	box_close(t, &b);
	lines_free(&l);
	return yes;
}

/* ---- Errors ------------------------------------------------------------ */

/* What happened and what to do next, by code (msgids; translated when
 * shown). */
static const struct {
	int		 code;
	const char	*what;
	const char	*next;
} error_table[] = {
	{ NHI_EUSAGE, N_("The request was not complete or not valid."),
	  N_("Check what you entered and try again.") },
	{ NHI_ENOMEM, N_("The computer ran out of memory."),
	  N_("Close other programs, restart nhicard and try again. Tell IT staff if it happens again.") },
	{ NHI_EINTERNAL, N_("nhicard met an internal error."),
	  N_("Tell IT staff what you were doing; the details below help them.") },
	{ NHI_ECRYPTO, N_("The cryptographic library failed."),
	  N_("Tell IT staff; the details below help them.") },
	{ NHI_EIO, N_("A file could not be read or written."),
	  N_("Check the disk and the printer's folder, then try again. Tell IT staff if it happens again.") },
	{ NHI_ENOSPACE, N_("The disk is full."),
	  N_("Tell IT staff to free disk space. Nothing was lost.") },
	{ NHI_EPERM, N_("nhicard may not use a file it needs."),
	  N_("Tell IT staff which file (see the details).") },
	{ NHI_ENOFILE, N_("A file or folder nhicard needs is missing."),
	  N_("Tell IT staff which file (see the details).") },
	{ NHI_ESTORE, N_("The station's database reported an error."),
	  N_("Try again. Tell IT staff if it happens again.") },
	{ NHI_ESTORE_BUSY, N_("The station's database is busy with other work."),
	  N_("Wait a moment and try again.") },
	{ NHI_ESTORE_CORRUPT, N_("The station's database is damaged."),
	  N_("Stop issuing and tell IT staff at once: they restore it from the backup.") },
	{ NHI_ESTORE_VERSION, N_("The station's database was written by a newer nhicard."),
	  N_("Tell IT staff: this station needs the newer program.") },
	{ NHI_ESTORE_NOINIT, N_("The station's database is not set up."),
	  N_("Tell IT staff: run 'nhicard db init' first.") },
	{ NHI_ENETWORK, N_("The center could not be reached."),
	  N_("Nothing is lost: the records stay queued. Try again later; tell IT staff if the network stays down.") },
	{ NHI_ECONFIG, N_("The station's settings are wrong."),
	  N_("Tell IT staff which setting (see the details).") },
	{ NHI_EPARSE, N_("Some data is not in the expected form."),
	  N_("Check what you entered; for a file, tell IT staff which line (see the details).") },
	{ NHI_EENCODING, N_("Some text has characters nhicard cannot read."),
	  N_("Check the text; for a file, tell IT staff which line (see the details).") },
	{ NHI_ECHECKDIGIT, N_("A number's check digit is wrong."),
	  N_("Check the number against the document and enter it again.") },
	{ NHI_ERANGE, N_("A value is outside the allowed range."),
	  N_("Check what you entered (for a date: does that day exist?).") },
	{ NHI_ENOTFOUND, N_("Nothing was found."),
	  N_("Check what you entered, or search another way.") },
	{ NHI_EEXISTS, N_("This already exists."),
	  N_("Look at the existing record instead of creating a new one.") },
	{ NHI_ECONFLICT, N_("The data conflicts with what the station holds."),
	  N_("Check the resident's records; a supervisor can resolve the conflict.") },
	{ NHI_EDUPLICATE, N_("This was done already."),
	  N_("Look at the resident's records before doing it again.") },
	{ NHI_ESTATE, N_("This is not possible in the current state."),
	  N_("Read the reason below; the resident's cards and records show the state.") },
	{ NHI_EREFUSED, N_("The rules do not allow this."),
	  N_("Read the reason below and explain it to the resident; a supervisor can help.") },
	{ NHI_EDENIED, N_("Not allowed for this operator."),
	  N_("Log in as an operator who may do this, or ask a supervisor.") },
	{ NHI_EMISMATCH, N_("The card belongs to someone else."),
	  N_("Check that the card in the reader is the resident's own card. Nothing was written.") },
	{ NHI_EKEY, N_("A key the station needs is missing or wrong."),
	  N_("Tell the key officer (see the details).") },
	{ NHI_ETESTKEY, N_("Test keys cannot be used in production."),
	  N_("Tell the key officer: the production keys must be installed.") },
	{ NHI_EAUTH, N_("The card did not accept the station's keys."),
	  N_("Check that this is a card of this town; tell the key officer if it keeps failing.") },
	{ NHI_ECRYPTOGRAM, N_("The card's answer could not be verified."),
	  N_("The card may not be genuine. Do not use it; tell the key officer.") },
	{ NHI_ERMAC, N_("The card's answer was altered or damaged."),
	  N_("Take the card out, put it back and try again; tell IT staff if it happens again.") },
	{ NHI_ENO_SERVICE, N_("The card service (pcscd) is not running."),
	  N_("Tell IT staff to start pcscd; the status line shows when it runs again.") },
	{ NHI_ENO_READER, N_("No card reader is connected."),
	  N_("Connect the card reader; the status line shows when it is found.") },
	{ NHI_EREADER_GONE, N_("The card reader was disconnected."),
	  N_("Connect it again and repeat the step.") },
	{ NHI_ENO_CARD, N_("There is no card in the reader."),
	  N_("Insert the card (chip first, face up) and try again.") },
	{ NHI_ECARD_REMOVED, N_("The card was taken out too early."),
	  N_("Put the card back and repeat the step; an unfinished card is finished then.") },
	{ NHI_ECARD_RESET, N_("The card was reset during the work."),
	  N_("Leave the card in the reader and repeat the step.") },
	{ NHI_ECARD_UNKNOWN, N_("This card is not one the station knows."),
	  N_("Check that it is a resident card or an NHI card of this town.") },
	{ NHI_ECARD_SW, N_("The card refused a command."),
	  N_("Take the card out, put it back and try again; tell IT staff if it keeps failing.") },
	{ NHI_ECARD_PROTO, N_("The card answered in an unexpected way."),
	  N_("Take the card out, put it back and try again; the card may be damaged.") },
	{ NHI_ECARD_BUSY, N_("Another program is using the card."),
	  N_("Close the other program and try again.") },
	{ NHI_ETIMEOUT, N_("The card or reader did not answer in time."),
	  N_("Check the card and the reader, then try again.") },
	{ NHI_ECANCELLED, N_("Cancelled. Nothing was changed."),
	  N_("Start again when you are ready.") },
};

/* The clerk's text for code `r`: what happened, and what to do next. */
static void
error_words(int r, const char **what, const char **next)
{
	size_t i;

	*what = N_("Something went wrong.");
	*next = N_("Tell IT staff; the details below help them.");
	for (i = 0; i < NHI_ARRAY_LEN(error_table); i++) {
		if (error_table[i].code == r) {
			*what = error_table[i].what;
			*next = error_table[i].next;
			return;
		}
	}
}

const char *
tui_reason(const char *key)
{
	const char *text = reason_text(key);

	return text != NULL ? _(text) : NULL;
}

const char *
tui_reason_word(const char *prefix, const char *word)
{
	const char *text = reason_word(prefix, word);

	if (text != NULL)
		return _(text);
	if (word != NULL && word[0] != '\0')
		fprintf(stderr, "nhicard tui: no text for the reason %s.%s\n", prefix, word);
	return word != NULL ? word : "";
}

void
tui_error(struct tui *t, const char *doing, int r)
{
	const char *what, *next, *why = tui_reason(err_reason_of(r));
	char *detail = xstrdup(err_text(r)), *body;

	error_words(r, &what, &next);
	/* A refusal the clerk explains to the resident names its reason in
	 * the clerk's language first; the technical detail stays below. A
	 * refusal without one is reported on stderr (the screen tests fail
	 * on it). */
	if (why == NULL && (r == NHI_EREFUSED || r == NHI_ESTATE || r == NHI_EMISMATCH))
		fprintf(stderr, "nhicard tui: no reason text for a refusal (%s)\n",
		    nhi_errname(r));
	if (why != NULL && r == NHI_EDENIED)
		/* A login or an approval that failed says what failed (a wrong
		 * password), not that the clerk lacks a permission. */
		body = xasprintf(_("%s: %s\n\n%s %s"), doing, why, _("Details:"), detail);
	else if (why != NULL)
		body = xasprintf(_("%s: %s\n\n%s %s\n\n%s\n\n%s %s"), doing, _(what),
		    _("Reason:"), why, _(next), _("Details:"), detail);
	else
		body = xasprintf(_("%s: %s\n\n%s\n\n%s %s"), doing, _(what), _(next),
		    _("Details:"), detail);
	tui_message(t, _("Error"), body);
	free(body);
	free(detail);
}

/* ---- One line of input ------------------------------------------------- */

#define PROMPT_MAX	256

/* Columns of wide string s[0..n). */
static int
wcols(const wchar_t *s, size_t n)
{
	size_t i;
	int c = 0, w;

	for (i = 0; i < n; i++)
		c += (w = wcwidth(s[i])) < 0 ? 1 : w;
	return c;
}

int
tui_prompt(struct tui *t, const char *label, char *buf, size_t cap, int secret)
{
	wchar_t line[PROMPT_MAX + 1];
	struct lines l = { 0 };
	struct tui_key k;
	struct box b;
	size_t len = 0, cur, i, first;
	int r = 0, done = 0, row, x, w;
	mbstate_t st;
	const char *src = buf;

	memset(&st, 0, sizeof(st));
	len = mbsrtowcs(line, &src, PROMPT_MAX, &st);
	if (len == (size_t)-1)
		len = 0;
	line[len] = L'\0';
	cur = len;
	wrap_body(label, &l);
	lines_add(&l, "", 0);
	box_open(t, &b, l.n, 60);
	curs_set(1);
	while (!done) {
		box_frame(&b, NULL);
		draw_lines(&b, &l);
		row = b.h - 2;
		/* Scroll so the cursor stays visible. */
		first = 0;
		while (wcols(line + first, cur - first) >= b.cols - 1)
			first++;
		wmove(b.w, row, 2);
		for (i = first, x = 0; i < len; i++) {
			w = secret ? 1 : wcwidth(line[i]);
			if (w < 0)
				w = 1;
			if (x + w > b.cols - 1)
				break;
			if (secret)
				waddch(b.w, '*');
			else {
				wchar_t one[2] = { line[i], L'\0' };

				waddnwstr(b.w, one, 1);
			}
			x += w;
		}
		wmove(b.w, row, 2 + (secret ? (int)(cur - first) :
		    wcols(line + first, cur - first)));
		wnoutrefresh(b.w);
		doupdate();
		if (tui_read_key(t, -1, &k) != 1)
			continue;
		if (is_esc(&k)) {
			r = NHI_ECANCELLED;
			done = 1;
		} else if (is_enter(&k))
			done = 1;
		else if ((k.func && k.code == KEY_BACKSPACE) ||
		    (!k.func && (k.code == 127 || k.code == 8))) {
			if (cur > 0) {
				memmove(line + cur - 1, line + cur,
				    (len - cur + 1) * sizeof(wchar_t));
				cur--;
				len--;
			}
		} else if (k.func && k.code == KEY_DC) {
			if (cur < len) {
				memmove(line + cur, line + cur + 1,
				    (len - cur) * sizeof(wchar_t));
				len--;
			}
		} else if (k.func && k.code == KEY_LEFT) {
			if (cur > 0)
				cur--;
		} else if (k.func && k.code == KEY_RIGHT) {
			if (cur < len)
				cur++;
		} else if (k.func && k.code == KEY_HOME)
			cur = 0;
		else if (k.func && k.code == KEY_END)
			cur = len;
		else if (!k.func && k.code >= 0x20 && k.code != 127 && len < PROMPT_MAX) {
			memmove(line + cur + 1, line + cur, (len - cur + 1) * sizeof(wchar_t));
			line[cur++] = (wchar_t)k.code;
			len++;
		}
	}
	curs_set(0);
	if (r == 0) {
		const wchar_t *p = line;
		size_t n;

		memset(&st, 0, sizeof(st));
		n = wcsrtombs(buf, &p, cap - 1, &st);
		if (n == (size_t)-1)
			n = 0;
		buf[n] = '\0';
	}
	/* A secret does not stay in memory longer than needed. */
	util_wipe(line, sizeof(line));
	box_close(t, &b);
	lines_free(&l);
	return r;
}

/* ---- A list ------------------------------------------------------------ */

int
tui_choose(struct tui *t, const char *title, const char *const *items, int count,
    int *choice)
{
	struct tui_key k;
	struct box b;
	int sel = 0, first = 0, rows, i, want = 0, w, done = 0, r = 0;

	for (i = 0; i < count; i++)
		if ((w = tui_text_width(items[i]) + 4) > want)
			want = w;
	box_open(t, &b, count, want);
	rows = b.h - 2;
	while (!done && count > 0) {
		if (sel < first)
			first = sel;
		if (sel >= first + rows)
			first = sel - rows + 1;
		box_frame(&b, title);
		for (i = 0; i < rows && first + i < count; i++) {
			char line[512];

			snprintf(line, sizeof(line), "%d %s", (first + i + 1) % 10,
			    items[first + i]);
			if (first + i == sel)
				wattron(b.w, A_REVERSE);
			tui_put(b.w, 1 + i, 2, b.cols, line);
			wattroff(b.w, A_REVERSE);
		}
		box_show(t, &b);
		if (tui_read_key(t, -1, &k) != 1)
			continue;
		if (is_esc(&k)) {
			r = NHI_ECANCELLED;
			done = 1;
		} else if (is_enter(&k))
			done = 1;
		else if (k.func && k.code == KEY_UP)
			sel = sel > 0 ? sel - 1 : count - 1;
		else if (k.func && k.code == KEY_DOWN)
			sel = sel + 1 < count ? sel + 1 : 0;
		else if (!k.func && k.code >= '1' && k.code <= '9' &&
		    (int)(k.code - '1') < count) {
			sel = (int)(k.code - '1');
			done = 1;
		}
	}
	if (count <= 0)
		r = NHI_ECANCELLED;
	box_close(t, &b);
	if (r == 0)
		*choice = sel;
	return r;
}
