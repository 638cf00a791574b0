/*
 * tui-text.c: laying out UTF-8 text by terminal columns (wcwidth): a
 * full-width kana or kanji takes two columns, a half-width kana one.
 * Every screen lays text out with these, never with strlen.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"
#include "tui-int.h"
#include "util.h"

/* The mark of a cut text, and its fallback. */
#define TUI_CUT_MARK	L'\u2026'	/* … */
#define TUI_CUT_ASCII	L'>'

/*
 * The next character of s[0..len): its code point in *wc (U+FFFD for a
 * byte that is not well-formed UTF-8: one byte, one column), its byte
 * length returned, its columns in *cols (control characters count one:
 * they are drawn as '?').
 */
static size_t
next_char(const char *s, size_t len, wchar_t *wc, int *cols)
{
	uint32_t cp;
	size_t n = text_utf8_next(s, len, &cp);
	int w;

	if (n == 0) {
		*wc = L'?';
		*cols = 1;
		return 1;
	}
	*wc = (wchar_t)cp;
	w = wcwidth(*wc);
	if (w < 0) {
		*wc = L'?';
		w = 1;
	}
	*cols = w;
	return n;
}

int
tui_text_width(const char *utf8)
{
	size_t len = strlen(utf8), off = 0;
	wchar_t wc;
	int cols, total = 0;

	while (off < len) {
		off += next_char(utf8 + off, len - off, &wc, &cols);
		total += cols;
	}
	return total;
}

/* One code point as UTF-8 into mb (4 bytes); returns its length. */
static size_t
utf8_encode(uint32_t cp, char mb[4])
{
	if (cp < 0x80) {
		mb[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		mb[0] = (char)(0xc0 | (cp >> 6));
		mb[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		mb[0] = (char)(0xe0 | (cp >> 12));
		mb[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		mb[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	mb[0] = (char)(0xf0 | (cp >> 18));
	mb[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	mb[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	mb[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The cut mark, or '>' when the locale cannot show "…" in one column. */
static wchar_t
cut_mark(void)
{
	return wcwidth(TUI_CUT_MARK) == 1 ? TUI_CUT_MARK : TUI_CUT_ASCII;
}

/*
 * Lay `utf8` out in `cols` columns as wide characters into out (capacity
 * cap, NUL-terminated): cut with the mark when it does not fit. Returns
 * the columns used.
 */
static int
layout(const char *utf8, int cols, wchar_t *out, size_t cap)
{
	size_t len = strlen(utf8), off = 0, n = 0;
	wchar_t wc;
	int w, used = 0, total = tui_text_width(utf8), room;

	if (cols <= 0 || cap < 2) {
		if (cap > 0)
			out[0] = L'\0';
		return 0;
	}
	/* When cut, keep the last column for the mark. */
	room = total <= cols ? cols : cols - 1;
	while (off < len && n + 2 < cap) {
		size_t step = next_char(utf8 + off, len - off, &wc, &w);

		if (used + w > room)
			break;
		out[n++] = wc;
		used += w;
		off += step;
	}
	if (total > cols && n + 1 < cap) {
		out[n++] = cut_mark();
		used++;
	}
	out[n] = L'\0';
	return used;
}

int
tui_put(WINDOW *w, int y, int x, int cols, const char *utf8)
{
	wchar_t buf[1024];
	int used;

	used = layout(utf8, cols, buf, NHI_ARRAY_LEN(buf));
	if (used > 0)
		mvwaddnwstr(w, y, x, buf, -1);
	return used;
}

void
tui_fit(char *buf, size_t cap, const char *utf8, int cols)
{
	wchar_t wbuf[1024];
	size_t off = 0, i;
	int used;
	char mb[4];

	if (cap == 0)
		return;
	used = layout(utf8, cols, wbuf, NHI_ARRAY_LEN(wbuf));
	for (i = 0; wbuf[i] != L'\0'; i++) {
		size_t n = utf8_encode((uint32_t)wbuf[i], mb);

		if (off + n + 1 > cap)
			break;
		memcpy(buf + off, mb, n);
		off += n;
	}
	/* A wide character that would straddle the end leaves a blank. */
	for (; used < cols && off + 2 <= cap; used++)
		buf[off++] = ' ';
	buf[off] = '\0';
}

const char *
tui_name(const char *s, char *buf, size_t cap)
{
	struct tbuf b = { 0 };

	text_gaiji_mark(s != NULL ? s : "", &b, NULL, 0);
	snprintf(buf, cap, "%s", b.p);
	free(b.p);
	return buf;
}

int
tui_wrap(const char *utf8, int first, int rest, char ***lines)
{
	size_t len = strlen(utf8), off = 0, start = 0;
	char **out = NULL;
	wchar_t wc;
	int n = 0, used = 0, cols, room = first > 0 ? first : 1;

	while (off < len) {
		size_t step = next_char(utf8 + off, len - off, &wc, &cols);

		if (used + cols > room && off > start) {
			out = xreallocarray(out, (size_t)n + 1, sizeof(*out));
			out[n++] = xstrndup(utf8 + start, off - start);
			start = off;
			used = 0;
			room = rest > 0 ? rest : 1;
			/* A continuation does not start with the blank it was cut at. */
			if (wc == L' ') {
				off += step;
				start = off;
				continue;
			}
		}
		used += cols;
		off += step;
	}
	if (off > start || n == 0) {
		out = xreallocarray(out, (size_t)n + 1, sizeof(*out));
		out[n++] = xstrndup(utf8 + start, off - start);
	}
	*lines = out;
	return n;
}
