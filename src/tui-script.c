/*
 * tui-script.c: the headless driver of the clerk's screen, as tig's
 * tests do it: with NHICARD_TUI_SCRIPT=FILE, `nhicard tui` renders on a
 * dummy terminal and reads its keys from FILE, one directive a line
 * (docs/tui.md):
 *
 *   key NAME          Enter, ESC, Tab, Backspace, Delete, Up, Down, Left,
 *                     Right, Home, End, PageUp, PageDown, F1..F12, Space,
 *                     or one character (key y, key 検)
 *   type TEXT         the characters of TEXT (UTF-8), one key each
 *   dump NAME         the screen as UTF-8 text into DUMP_DIR/NAME.txt
 *   wait-card present|empty [SECONDS]
 *                     poll the reader until that state (at most SECONDS,
 *                     default 10)
 *   resize COLSxLINES the terminal changes size (KEY_RESIZE)
 *   # comment, blank lines
 *
 * The script is test input only: it is read whole at start and any bad
 * line stops the program with the line named.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "error.h"
#include "text.h"
#include "tui-priv.h"
#include "util.h"

#define SCRIPT_MAX_BYTES	(1u << 20)

enum directive_kind { D_KEY, D_DUMP, D_WAIT_CARD, D_RESIZE };

struct directive {
	enum directive_kind	 kind;
	struct tui_key		 key;
	char			*name;		/* dump */
	enum card_slot_state	 state;		/* wait-card */
	int			 seconds;
	int			 cols, lines;	/* resize */
	size_t			 line;
};

struct tui_script {
	char			*path;
	char			*dump_dir;
	struct directive	*d;
	size_t			 n, pos;
};

static const struct {
	const char	*name;
	int		 func;
	wint_t		 code;
} key_names[] = {
	{ "Enter", 0, '\r' }, { "ESC", 0, TUI_ESC }, { "Esc", 0, TUI_ESC },
	{ "Escape", 0, TUI_ESC }, { "Tab", 0, '\t' }, { "Space", 0, ' ' },
	{ "Backspace", 1, KEY_BACKSPACE }, { "Delete", 1, KEY_DC },
	{ "Up", 1, KEY_UP }, { "Down", 1, KEY_DOWN }, { "Left", 1, KEY_LEFT },
	{ "Right", 1, KEY_RIGHT }, { "Home", 1, KEY_HOME }, { "End", 1, KEY_END },
	{ "PageUp", 1, KEY_PPAGE }, { "PageDown", 1, KEY_NPAGE },
};

static struct directive *
add(struct tui_script *s, enum directive_kind kind, size_t line)
{
	struct directive *d;

	s->d = xreallocarray(s->d, s->n + 1, sizeof(*s->d));
	d = &s->d[s->n++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->line = line;
	return d;
}

static int
parse_key(struct tui_script *s, size_t line, const char *arg)
{
	struct directive *d;
	uint32_t cp;
	size_t i, n;
	int f;

	for (i = 0; i < NHI_ARRAY_LEN(key_names); i++) {
		if (strcmp(key_names[i].name, arg) == 0) {
			d = add(s, D_KEY, line);
			d->key.func = key_names[i].func;
			d->key.code = key_names[i].code;
			return 0;
		}
	}
	if ((arg[0] == 'F' || arg[0] == 'f') && arg[1] >= '1' && arg[1] <= '9') {
		f = atoi(arg + 1);
		if (f >= 1 && f <= 12) {
			d = add(s, D_KEY, line);
			d->key.func = 1;
			d->key.code = KEY_F(f);
			return 0;
		}
	}
	n = text_utf8_next(arg, strlen(arg), &cp);
	if (n == 0 || arg[n] != '\0')
		return err_set(NHI_EPARSE, "%s:%zu: unknown key '%.40s' (Enter, ESC, Tab,"
		    " Up, Down, F1, ... or one character)", s->path, line, arg);
	d = add(s, D_KEY, line);
	d->key.code = (wint_t)cp;
	return 0;
}

static int
parse_type(struct tui_script *s, size_t line, const char *arg)
{
	struct directive *d;
	size_t len = strlen(arg), off = 0, n;
	uint32_t cp;

	while (off < len) {
		if ((n = text_utf8_next(arg + off, len - off, &cp)) == 0)
			return err_set(NHI_EPARSE, "%s:%zu: type: not UTF-8 at byte %zu",
			    s->path, line, off);
		d = add(s, D_KEY, line);
		d->key.code = (wint_t)cp;
		off += n;
	}
	return 0;
}

static int
parse_line(struct tui_script *s, size_t line, char *text)
{
	struct directive *d;
	char *arg, *end;
	size_t i;
	long v;

	if (text[0] == '#' || text[strspn(text, " \t")] == '\0')
		return 0;
	if ((arg = strchr(text, ' ')) != NULL)
		*arg++ = '\0';
	else
		arg = text + strlen(text);
	if (strcmp(text, "type") == 0)
		return parse_type(s, line, arg);
	/* Other directives take words: drop trailing blanks. */
	for (i = strlen(arg); i > 0 && (arg[i - 1] == ' ' || arg[i - 1] == '\t'); i--)
		arg[i - 1] = '\0';
	if (strcmp(text, "key") == 0)
		return parse_key(s, line, arg);
	if (strcmp(text, "dump") == 0) {
		if (arg[0] == '\0' || strspn(arg, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(arg) ||
		    arg[0] == '.')
			return err_set(NHI_EPARSE, "%s:%zu: dump: expected a name of"
			    " letters, digits, '.', '_' and '-'", s->path, line);
		d = add(s, D_DUMP, line);
		d->name = xstrdup(arg);
		return 0;
	}
	if (strcmp(text, "wait-card") == 0) {
		char *secs = strchr(arg, ' ');

		if (secs != NULL)
			*secs++ = '\0';
		d = add(s, D_WAIT_CARD, line);
		d->seconds = 10;
		if (strcmp(arg, "present") == 0)
			d->state = CARD_SLOT_PRESENT;
		else if (strcmp(arg, "empty") == 0)
			d->state = CARD_SLOT_EMPTY;
		else
			return err_set(NHI_EPARSE, "%s:%zu: wait-card: expected present or"
			    " empty", s->path, line);
		if (secs != NULL) {
			errno = 0;
			v = strtol(secs, &end, 10);
			if (*end != '\0' || v < 1 || v > 600 || errno != 0)
				return err_set(NHI_EPARSE, "%s:%zu: wait-card: seconds from 1"
				    " to 600", s->path, line);
			d->seconds = (int)v;
		}
		return 0;
	}
	if (strcmp(text, "resize") == 0) {
		int c, l;
		char x;

		if (sscanf(arg, "%d%c%d", &c, &x, &l) != 3 || x != 'x' || c < 10 ||
		    l < 5 || c > 1000 || l > 1000)
			return err_set(NHI_EPARSE, "%s:%zu: resize: expected COLSxLINES",
			    s->path, line);
		d = add(s, D_RESIZE, line);
		d->cols = c;
		d->lines = l;
		return 0;
	}
	return err_set(NHI_EPARSE, "%s:%zu: unknown directive '%.32s' (key, type, dump,"
	    " wait-card, resize)", s->path, line, text);
}

int
tui_script_open(const char *path, const char *dump_dir, struct tui_script **out)
{
	struct tui_script *s = xcalloc(1, sizeof(*s));
	char *data = NULL, *p, *nl;
	size_t len, line = 0;
	int r;

	s->path = xstrdup(path);
	s->dump_dir = xstrdup(dump_dir != NULL && *dump_dir != '\0' ? dump_dir : ".");
	if ((r = fs_read_file(path, SCRIPT_MAX_BYTES, &data, &len)) != 0)
		goto out;
	if (text_utf8_invalid_at(data, len) != len) {
		r = err_set(NHI_EENCODING, "%s: not UTF-8 at byte %zu", path,
		    text_utf8_invalid_at(data, len));
		goto out;
	}
	for (p = data; p < data + len; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(data + len - p))) == NULL)
			nl = data + len;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if ((r = parse_line(s, line, p)) != 0)
			goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	free(data);
	tui_script_free(s);
	return r;
}

void
tui_script_free(struct tui_script *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->d[i].name);
	free(s->d);
	free(s->path);
	free(s->dump_dir);
	free(s);
}

/* One code point as UTF-8. */
static void
put_utf8(FILE *fp, wchar_t wc)
{
	uint32_t cp = (uint32_t)wc;

	if (cp < 0x80)
		fputc((int)cp, fp);
	else if (cp < 0x800) {
		fputc(0xc0 | (int)(cp >> 6), fp);
		fputc(0x80 | (int)(cp & 0x3f), fp);
	} else if (cp < 0x10000) {
		fputc(0xe0 | (int)(cp >> 12), fp);
		fputc(0x80 | (int)((cp >> 6) & 0x3f), fp);
		fputc(0x80 | (int)(cp & 0x3f), fp);
	} else {
		fputc(0xf0 | (int)(cp >> 18), fp);
		fputc(0x80 | (int)((cp >> 12) & 0x3f), fp);
		fputc(0x80 | (int)((cp >> 6) & 0x3f), fp);
		fputc(0x80 | (int)(cp & 0x3f), fp);
	}
}

int
tui_dump_screen(const char *path)
{
	FILE *fp;
	cchar_t cc;
	wchar_t wch[CCHARW_MAX + 1], row[1024];
	attr_t attrs;
	short pair;
	int y, x, w, n, i;

	if ((fp = fopen(path, "w")) == NULL)
		return err_set(NHI_EIO, "%s: %s", path, strerror(errno));
	for (y = 0; y < LINES; y++) {
		n = 0;
		for (x = 0; x < COLS && n < (int)NHI_ARRAY_LEN(row) - 1; x++) {
			if (mvwin_wch(curscr, y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &attrs, &pair, NULL) == ERR || wch[0] == L'\0') {
				row[n++] = L' ';
				continue;
			}
			row[n++] = wch[0];
			/* A wide character once: skip the column it covers. */
			if ((w = wcwidth(wch[0])) == 2)
				x++;
		}
		while (n > 0 && row[n - 1] == L' ')
			n--;
		for (i = 0; i < n; i++)
			put_utf8(fp, row[i]);
		fputc('\n', fp);
	}
	if (fclose(fp) != 0)
		return err_set(NHI_EIO, "%s: write failed", path);
	return 0;
}

int
tui_script_next(struct tui *t, struct tui_key *k)
{
	struct tui_script *s = t->script;
	struct directive *d;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char *path;
	int i, r;

	while (s->pos < s->n) {
		d = &s->d[s->pos++];
		switch (d->kind) {
		case D_KEY:
			*k = d->key;
			return 1;
		case D_DUMP:
			doupdate();
			path = xasprintf("%s/%s.txt", s->dump_dir, d->name);
			if ((r = tui_dump_screen(path)) != 0)
				log_error("%s:%zu: %s", s->path, d->line, err_text(r));
			free(path);
			break;
		case D_WAIT_CARD:
			for (i = 0; i < d->seconds * 10; i++) {
				tui_poll_card(t);
				if (tui_card(t)->state == d->state)
					break;
				nanosleep(&ts, NULL);
			}
			if (tui_card(t)->state != d->state)
				log_error("%s:%zu: wait-card: the reader did not reach that"
				    " state in %d s", s->path, d->line, d->seconds);
			return 0;
		case D_RESIZE:
			resizeterm(d->lines, d->cols);
			k->func = 1;
			k->code = KEY_RESIZE;
			return 1;
		}
	}
	return -1;
}
