/*
 * print-template.c: the template parser (format: docs/templates.md).
 *
 * A template is line-oriented UTF-8 text: one directive per line, '#' starts
 * a comment outside quotes. Every error names the file, the line and, for
 * items, the field or directive, so IT staff can fix a template without
 * reading code. The parser is fuzzed (fuzz/fuzz-template.c).
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "print-int.h"
#include "util.h"

#define TMPL_MAX_TOKENS	16
#define TMPL_MAX_ITEMS	2000
#define TMPL_MAX_FONTS	8
#define TMPL_MAX_MM	1000.0
#define TMPL_MAX_PT	200.0

static const char *const cert_fields[] = {
	"title", "symbol", "number", "branch", "name", "sex", "birth", "head_name",
	"address", "acquired", "issued", "valid_until", "insurer_number",
	"insurer_name", "burden", "burden_from", "serial", "kind_note", "notes", NULL
};
static const char *const cert_conditions[] = {
	"elderly", "branch", "sex_front", "sex_back", "hihokensha", "tanki",
	"shikaku_shomei", "kakunin", "valid_until", "proof", NULL
};
static const char *const sheet_fields[] = { "page", "pages", NULL };
static const char *const sheet_conditions[] = { "proof", NULL };
static const char *const receipt_fields[] = {
	"date", "office", "name", "actions", "card_serial", "cert_serial",
	"next_steps", NULL
};
static const char *const receipt_conditions[] = {
	"card_serial", "cert_serial", "proof", NULL
};

static const struct {
	const char		*document;
	const char *const	*fields;
	const char *const	*conditions;
} documents[] = {
	{ "certificate", cert_fields, cert_conditions },
	{ "sleeve", cert_fields, cert_conditions },
	{ "notice", cert_fields, cert_conditions },
	{ "sheet", sheet_fields, sheet_conditions },
	{ "receipt", receipt_fields, receipt_conditions },
};

const char *const *
print_tmpl_fields(const char *document)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(documents); i++)
		if (strcmp(documents[i].document, document) == 0)
			return documents[i].fields;
	return NULL;
}

const char *const *
print_tmpl_conditions(const char *document)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(documents); i++)
		if (strcmp(documents[i].document, document) == 0)
			return documents[i].conditions;
	return NULL;
}

static int
in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* 1 if s[0..len) is well-formed UTF-8 without control characters (but
 * newlines when `nl`). */
static int
utf8_ok(const char *s, size_t len, int nl)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	unsigned int c;
	int n, i;

	while (p < end) {
		c = *p;
		if (c < 0x80) {
			if ((c < 0x20 && !(nl && c == '\n')) || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, c &= 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, c &= 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, c &= 0x07;
		else
			return 0;
		if (end - p <= n)
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* The parser's state for one template. */
struct tparse {
	const char		*file;
	int			 line;
	struct print_template	*t;
	enum tmpl_side		 side;
	int			 have_page;
	char			*tok[TMPL_MAX_TOKENS];
	int			 quoted[TMPL_MAX_TOKENS];
	int			 ntok;
	const char		*what;	/* "field 'name'" for error details */
};

static int
perr(struct tparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
perr(struct tparse *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (p->what != NULL)
		r = err_set(NHI_EPARSE, "template %s:%d: %s: %s", p->file, p->line, p->what, msg);
	else
		r = err_set(NHI_EPARSE, "template %s:%d: %s", p->file, p->line, msg);
	free(msg);
	return r;
}

static void
tokens_free(struct tparse *p)
{
	int i;

	for (i = 0; i < p->ntok; i++)
		free(p->tok[i]);
	p->ntok = 0;
}

/* Split one line into tokens: bare words and "quoted strings" (with \" and
 * \\ escapes); '#' outside quotes ends the line. */
static int
tokenize(struct tparse *p, const char *s, size_t len)
{
	const char *end = s + len;
	char *buf;
	size_t n;

	p->ntok = 0;
	while (s < end) {
		if (*s == ' ' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		if (*s == '#')
			break;
		if (p->ntok == TMPL_MAX_TOKENS)
			return perr(p, "too many words on the line (at most %d)", TMPL_MAX_TOKENS);
		if (*s == '"') {
			buf = xmalloc((size_t)(end - s));
			n = 0;
			for (s++; s < end && *s != '"'; s++) {
				if (*s == '\\' && s + 1 < end && s[1] == 'n') {
					s++;
					buf[n++] = '\n';
					continue;
				}
				if (*s == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\'))
					s++;
				buf[n++] = *s;
			}
			if (s == end) {
				free(buf);
				return perr(p, "unterminated quote");
			}
			s++;
			buf[n] = '\0';
			if (!utf8_ok(buf, n, 1)) {
				free(buf);
				return perr(p, "text is not valid UTF-8 (or holds control characters)");
			}
			p->quoted[p->ntok] = 1;
		} else {
			const char *start = s;

			while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
				s++;
			n = (size_t)(s - start);
			if (!utf8_ok(start, n, 0))
				return perr(p, "word is not valid UTF-8");
			buf = xstrndup(start, n);
			p->quoted[p->ntok] = 0;
		}
		p->tok[p->ntok++] = buf;
	}
	return 0;
}

static int
parse_num(struct tparse *p, const char *s, const char *what, double lo, double hi,
    double *out)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return perr(p, "%s: '%s' is not a number", what, s);
	if (v < lo || v > hi)
		return perr(p, "%s: %s is out of range (%g to %g)", what, s, lo, hi);
	*out = v;
	return 0;
}

static int
parse_int(struct tparse *p, const char *s, const char *what, int lo, int hi, int *out)
{
	double v;
	int r;

	if ((r = parse_num(p, s, what, lo, hi, &v)) != 0)
		return r;
	if (v != floor(v))
		return perr(p, "%s: '%s' is not a whole number", what, s);
	*out = (int)v;
	return 0;
}

static int
font_index(struct tparse *p, const char *name, int *out)
{
	size_t i;

	for (i = 0; i < p->t->nfonts; i++) {
		if (strcmp(p->t->fonts[i].name, name) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return perr(p, "unknown font '%s' (declare it with 'font %s FILE' first)", name, name);
}

/* Parse the key=value attributes from token `first` on into `it`. */
static int
parse_attrs(struct tparse *p, int first, int last, struct tmpl_item *it)
{
	const char *const *conds = print_tmpl_conditions(p->t->document);
	char *eq, *key, *val;
	int i, r, have_min = 0;

	for (i = first; i < last; i++) {
		if (p->quoted[i] || (eq = strchr(p->tok[i], '=')) == NULL)
			return perr(p, "unexpected '%s' (attributes are key=value)", p->tok[i]);
		*eq = '\0';
		key = p->tok[i];
		val = eq + 1;
		if (strcmp(key, "size") == 0 && (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT)) {
			if ((r = parse_num(p, val, "size", PRINT_MIN_PT, TMPL_MAX_PT, &it->size)) != 0)
				return r;
		} else if (strcmp(key, "min") == 0 &&
		    (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT)) {
			if ((r = parse_num(p, val, "min", PRINT_MIN_PT, TMPL_MAX_PT, &it->min)) != 0)
				return r;
			have_min = 1;
		} else if (strcmp(key, "font") == 0 &&
		    (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT)) {
			if ((r = font_index(p, val, &it->font)) != 0)
				return r;
		} else if (strcmp(key, "align") == 0 &&
		    (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT)) {
			if (strcmp(val, "left") == 0)
				it->align = TMPL_LEFT;
			else if (strcmp(val, "center") == 0)
				it->align = TMPL_CENTER;
			else if (strcmp(val, "right") == 0)
				it->align = TMPL_RIGHT;
			else
				return perr(p, "align: '%s' is not left, center or right", val);
		} else if (strcmp(key, "fit") == 0 &&
		    (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT)) {
			if (strcmp(val, "shrink") == 0)
				it->fit = TMPL_SHRINK;
			else if (strcmp(val, "wrap") == 0)
				it->fit = TMPL_WRAP;
			else
				return perr(p, "fit: '%s' is not shrink or wrap", val);
		} else if (strcmp(key, "valign") == 0 &&
		    (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT)) {
			if (strcmp(val, "middle") == 0)
				it->valign = TMPL_MIDDLE;
			else if (strcmp(val, "top") == 0)
				it->valign = TMPL_TOP;
			else if (strcmp(val, "bottom") == 0)
				it->valign = TMPL_BOTTOM;
			else
				return perr(p, "valign: '%s' is not top, middle or bottom", val);
		} else if (strcmp(key, "width") == 0 &&
		    (it->kind == TMPL_LINE || it->kind == TMPL_BOX)) {
			if ((r = parse_num(p, val, "width", 0.05, 10, &it->width)) != 0)
				return r;
		} else if (strcmp(key, "when") == 0) {
			it->when_not = val[0] == '!';
			if (!in_list(conds, val + it->when_not))
				return perr(p, "when: unknown condition '%s' for a %s template",
				    val + it->when_not, p->t->document);
			free(it->when);
			it->when = xstrdup(val + it->when_not);
		} else
			return perr(p, "unknown attribute '%s'", key);
	}
	if (it->kind == TMPL_FIELD || it->kind == TMPL_TEXT) {
		if (!have_min)
			it->min = it->size < PRINT_MIN_PT + 1 ? it->size : PRINT_MIN_PT + 1;
		if (it->min > it->size)
			return perr(p, "min %g is larger than size %g", it->min, it->size);
		/* The box must hold one line at the minimum size. */
		if (PRINT_MM_TO_PT(it->h) < it->min)
			return perr(p, "box height %g mm cannot hold text of %g pt", it->h, it->min);
	}
	return 0;
}

/* X Y W H from tokens 1..4 (or X1 Y1 X2 Y2 for lines), checked against the
 * page. */
static int
parse_box(struct tparse *p, struct tmpl_item *it)
{
	double *v[4] = { &it->x, &it->y, &it->w, &it->h };
	static const char *names[4] = { "x", "y", "width", "height" };
	static const char *lnames[4] = { "x1", "y1", "x2", "y2" };
	int i, r, need = it->kind == TMPL_FIELD ? 6 : 5;

	if (p->ntok < need)
		return perr(p, "expected %s after the name", it->kind == TMPL_LINE ?
		    "X1 Y1 X2 Y2" : "X Y WIDTH HEIGHT (mm)");
	for (i = 0; i < 4; i++)
		if ((r = parse_num(p, p->tok[i + 1 + (it->kind == TMPL_FIELD)],
		    it->kind == TMPL_LINE ? lnames[i] : names[i], 0, TMPL_MAX_MM, v[i])) != 0)
			return r;
	if (it->kind == TMPL_LINE) {
		if (it->x > p->t->page_w || it->w > p->t->page_w ||
		    it->y > p->t->page_h || it->h > p->t->page_h)
			return perr(p, "line runs off the page (%g x %g mm)",
			    p->t->page_w, p->t->page_h);
		return 0;
	}
	if (it->w <= 0 || it->h <= 0)
		return perr(p, "box has no area");
	/* A little tolerance for rounding in hand-written coordinates. */
	if (it->x + it->w > p->t->page_w + 0.01 || it->y + it->h > p->t->page_h + 0.01)
		return perr(p, "box %g,%g %gx%g mm runs off the page (%g x %g mm)",
		    it->x, it->y, it->w, it->h, p->t->page_w, p->t->page_h);
	return 0;
}

static struct tmpl_item *
new_item(struct tparse *p, enum tmpl_kind kind)
{
	struct print_template *t = p->t;
	struct tmpl_item *it;

	t->items = xreallocarray(t->items, t->nitems + 1, sizeof(*t->items));
	it = &t->items[t->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->side = p->side;
	it->line = p->line;
	it->size = 9;
	it->width = 0.3;
	it->align = TMPL_LEFT;
	it->fit = TMPL_SHRINK;
	return it;
}

static int
parse_item(struct tparse *p, enum tmpl_kind kind)
{
	struct print_template *t = p->t;
	struct tmpl_item *it;
	char *what = NULL;
	int r, first, last = p->ntok;

	if (t->nitems == TMPL_MAX_ITEMS)
		return perr(p, "too many items (at most %d)", TMPL_MAX_ITEMS);
	if (kind == TMPL_FIELD) {
		if (p->ntok < 2)
			return perr(p, "field without a name");
		what = xasprintf("field '%s'", p->tok[1]);
		p->what = what;
		if (!in_list(print_tmpl_fields(t->document), p->tok[1])) {
			r = perr(p, "unknown field for a %s template", t->document);
			goto out;
		}
	} else {
		p->what = kind == TMPL_TEXT ? "text" : kind == TMPL_LINE ? "line" : "box";
	}
	if ((kind == TMPL_FIELD || kind == TMPL_TEXT) && t->nfonts == 0) {
		r = perr(p, "no font declared before it");
		goto out;
	}
	it = new_item(p, kind);
	if (kind == TMPL_FIELD)
		it->name = xstrdup(p->tok[1]);
	if (kind == TMPL_TEXT) {
		if (p->ntok < 2 || !p->quoted[p->ntok - 1]) {
			r = perr(p, "the text must come last, in double quotes");
			goto out;
		}
		it->text = xstrdup(p->tok[p->ntok - 1]);
		last = p->ntok - 1;
	}
	if ((r = parse_box(p, it)) != 0)
		goto out;
	first = kind == TMPL_FIELD ? 6 : 5;
	if ((r = parse_attrs(p, first, last, it)) != 0)
		goto out;
	r = 0;
out:
	p->what = NULL;
	free(what);
	return r;
}

static int
parse_line(struct tparse *p)
{
	struct print_template *t = p->t;
	const char *kw;
	double v;
	int r;

	if (p->ntok == 0)
		return 0;
	kw = p->tok[0];
	if (p->quoted[0])
		return perr(p, "a line starts with a directive, not a quoted text");
	if (t->document == NULL && strcmp(kw, "document") != 0)
		return perr(p, "the first directive must be 'document TYPE'");
	if (strcmp(kw, "document") == 0) {
		if (t->document != NULL)
			return perr(p, "document given twice");
		if (p->ntok != 2)
			return perr(p, "expected 'document TYPE'");
		if (print_tmpl_fields(p->tok[1]) == NULL)
			return perr(p, "unknown document type '%s' (certificate, sleeve, notice, sheet,"
			    " receipt)", p->tok[1]);
		t->document = xstrdup(p->tok[1]);
		return 0;
	}
	if (strcmp(kw, "page") == 0) {
		if (p->have_page)
			return perr(p, "page given twice");
		if (p->ntok != 3)
			return perr(p, "expected 'page WIDTH HEIGHT' (mm)");
		if ((r = parse_num(p, p->tok[1], "page width", 20, TMPL_MAX_MM, &t->page_w)) != 0 ||
		    (r = parse_num(p, p->tok[2], "page height", 20, TMPL_MAX_MM, &t->page_h)) != 0)
			return r;
		p->have_page = 1;
		return 0;
	}
	if (!p->have_page)
		return perr(p, "'%s' before 'page WIDTH HEIGHT'", kw);
	if (strcmp(kw, "font") == 0) {
		size_t i;

		if (p->ntok != 3)
			return perr(p, "expected 'font NAME FILE'");
		for (i = 0; i < t->nfonts; i++)
			if (strcmp(t->fonts[i].name, p->tok[1]) == 0)
				return perr(p, "font '%s' declared twice", p->tok[1]);
		if (t->nfonts == TMPL_MAX_FONTS)
			return perr(p, "too many fonts (at most %d)", TMPL_MAX_FONTS);
		t->fonts = xreallocarray(t->fonts, t->nfonts + 1, sizeof(*t->fonts));
		t->fonts[t->nfonts].name = xstrdup(p->tok[1]);
		t->fonts[t->nfonts].file = xstrdup(p->tok[2]);
		t->fonts[t->nfonts].line = p->line;
		t->nfonts++;
		return 0;
	}
	if (strcmp(kw, "side") == 0) {
		if (p->ntok != 2)
			return perr(p, "expected 'side front' or 'side back'");
		if (strcmp(p->tok[1], "front") == 0)
			p->side = TMPL_FRONT;
		else if (strcmp(p->tok[1], "back") == 0)
			p->side = TMPL_BACK;
		else
			return perr(p, "side: '%s' is not front or back", p->tok[1]);
		return 0;
	}
	if (strcmp(kw, "field") == 0)
		return parse_item(p, TMPL_FIELD);
	if (strcmp(kw, "text") == 0)
		return parse_item(p, TMPL_TEXT);
	if (strcmp(kw, "line") == 0)
		return parse_item(p, TMPL_LINE);
	if (strcmp(kw, "box") == 0)
		return parse_item(p, TMPL_BOX);
	if (strcmp(kw, "grid") == 0 || strcmp(kw, "crop") == 0) {
		if (strcmp(t->document, "sheet") != 0)
			return perr(p, "'%s' is only for sheet templates", kw);
		if (strcmp(kw, "grid") == 0) {
			if (p->ntok != 5)
				return perr(p, "expected 'grid COLUMNS ROWS GAP-X GAP-Y'");
			if ((r = parse_int(p, p->tok[1], "grid columns", 1, 20, &t->cols)) != 0 ||
			    (r = parse_int(p, p->tok[2], "grid rows", 1, 20, &t->rows)) != 0 ||
			    (r = parse_num(p, p->tok[3], "grid gap-x", 0, 100, &t->gap_x)) != 0 ||
			    (r = parse_num(p, p->tok[4], "grid gap-y", 0, 100, &t->gap_y)) != 0)
				return r;
			return 0;
		}
		if (p->ntok != 3)
			return perr(p, "expected 'crop LENGTH OFFSET' (mm)");
		if ((r = parse_num(p, p->tok[1], "crop length", 0, 20, &v)) != 0)
			return r;
		t->crop_len = v;
		return parse_num(p, p->tok[2], "crop offset", 0, 20, &t->crop_off);
	}
	return perr(p, "unknown directive '%s'", kw);
}

int
print_template_parse(const char *name, const char *text, size_t len,
    struct print_template **out)
{
	struct tparse p = { .file = name };
	const char *s = text, *end = text + len, *nl;
	int r;

	p.t = xcalloc(1, sizeof(*p.t));
	p.t->file = xstrdup(name);
	while (s < end) {
		p.line++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		if (memchr(s, '\0', (size_t)(nl - s)) != NULL) {
			r = perr(&p, "NUL byte in the line");
			goto out;
		}
		r = tokenize(&p, s, (size_t)(nl - s));
		if (r == 0)
			r = parse_line(&p);
		tokens_free(&p);
		if (r != 0)
			goto out;
		s = nl + 1;
	}
	p.line++;
	if (p.t->document == NULL) {
		r = perr(&p, "empty template: expected 'document TYPE'");
		goto out;
	}
	if (!p.have_page) {
		r = perr(&p, "no 'page WIDTH HEIGHT'");
		goto out;
	}
	if (strcmp(p.t->document, "sheet") == 0 && p.t->cols == 0) {
		r = perr(&p, "a sheet template needs 'grid COLUMNS ROWS GAP-X GAP-Y'");
		goto out;
	}
	*out = p.t;
	p.t = NULL;
	r = 0;
out:
	print_template_free(p.t);
	return r;
}

int
print_template_load(const char *dir, const char *name, struct print_template **out)
{
	char *path, *text = NULL;
	size_t len;
	int r;

	path = xasprintf("%s/%s.tmpl", dir, name);
	if ((r = fs_read_file(path, 1024 * 1024, &text, &len)) != 0) {
		r = err_wrap(r, "template %s (print.templates_dir): ", name);
		goto out;
	}
	r = print_template_parse(path, text, len, out);
out:
	free(text);
	free(path);
	return r;
}

void
print_template_free(struct print_template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nitems; i++) {
		free(t->items[i].name);
		free(t->items[i].text);
		free(t->items[i].when);
	}
	for (i = 0; i < t->nfonts; i++) {
		free(t->fonts[i].name);
		free(t->fonts[i].file);
	}
	free(t->items);
	free(t->fonts);
	free(t->document);
	free(t->file);
	free(t);
}

const char *
print_template_document(const struct print_template *t)
{
	return t->document;
}
