/*
 * print-job.c: the print engine: one PDF document through libharu, fonts
 * embedded from TrueType files, UTF-8 text laid out in template boxes.
 *
 * Layout rule (the Kurume lesson): text shrinks in quarter points down to
 * its field's minimum (never under PRINT_MIN_PT) and wraps where the field
 * says fit=wrap; what still does not fit is never clipped: the job refuses
 * it with NHI_ERANGE naming the field, or in proof mode draws it overflowing
 * in a red frame and records a warning for the clerk. Names flagged as 外字
 * (and any private-use character) are marked on proofs and always warned.
 *
 * Nothing varying goes into the PDF: libharu writes no document ID without
 * encryption and the creation date is the caller's, so the same input gives
 * the same bytes.
 */
#include "config.h"

#include <hpdf.h>
#include <hpdf_font.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "print-int.h"
#include "util.h"

#ifndef NHI_DATADIR
#define NHI_DATADIR "/usr/local/share/nhicard"
#endif

#define LEADING		1.25	/* line pitch, in font sizes */
#define ASCENT		0.88	/* IPAex: ascender over the em */
#define SHRINK_STEP	0.25	/* points */

/* An embedded font and the advance widths looked up so far (libharu's
 * glyph lookup is a linear search of the cmap: caching the widths is most
 * of the speed of a batch). */
struct job_font {
	char		*path;
	HPDF_Font	 font;
	uint32_t	*keys;		/* code point + 1; 0 is an empty slot */
	float		*widths;	/* in 1/1000 em */
	uint8_t		*noglyph;	/* 1: the font has no glyph for it */
	size_t		 cap, used;
};

/* Which job font a template's font index resolved to. */
struct job_font_ref {
	const struct print_template *t;
	int		 idx;
	struct job_font	*font;
};

struct job_tmpl {
	char			*name;
	struct print_template	*t;
};

struct print_job {
	HPDF_Doc		 pdf;
	HPDF_Page		 page;
	double			 page_h;	/* current page height, mm */
	char			*templates_dir;
	char			*font_path;
	int			 proof;
	HPDF_STATUS		 hpdf_error;
	HPDF_STATUS		 hpdf_detail;
	struct job_font		**fonts;
	size_t			 nfonts;
	struct job_font_ref	*refs;
	size_t			 nrefs;
	struct job_tmpl		*tmpls;
	size_t			 ntmpls;
	struct print_warning	*warns;
	size_t			 nwarns;
	size_t			 pages;
	int			 rendered;
};

/* A line of laid-out text. */
struct span {
	const char	*s;
	size_t		 len;
};

const char *
print_default_templates_dir(void)
{
	return NHI_DATADIR "/templates";
}

static void
job_hpdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
	struct print_job *job = user;

	if (job->hpdf_error == 0) {
		job->hpdf_error = error;
		job->hpdf_detail = detail;
	}
}

static int
job_check(struct print_job *job, const char *what)
{
	if (job->hpdf_error == 0)
		return 0;
	return err_set(NHI_EINTERNAL, "PDF library (libharu) failed while %s: error 0x%04X"
	    " (detail %u)", what, (unsigned)job->hpdf_error, (unsigned)job->hpdf_detail);
}

void
print_values_add(struct print_values *v, const char *name, char *value, int gaiji)
{
	if (v->n == PRINT_MAX_VALUES)
		fatal("print_values_add: too many values");
	v->v[v->n].name = name;
	v->v[v->n].value = value;
	v->v[v->n].gaiji = gaiji;
	v->n++;
}

void
print_values_cond(struct print_values *v, const char *cond)
{
	if (v->nconds == PRINT_MAX_CONDS)
		fatal("print_values_cond: too many conditions");
	v->conds[v->nconds++] = cond;
}

void
print_values_clear(struct print_values *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i].value);
	memset(v, 0, sizeof(*v));
}

int
print_job_new(const struct print_opts *opts, struct print_job **out)
{
	struct print_job *job;
	struct tm tm;
	time_t t;
	HPDF_Date date;
	int r;

	job = xcalloc(1, sizeof(*job));
	job->templates_dir = xstrdup(opts->templates_dir != NULL ? opts->templates_dir :
	    print_default_templates_dir());
	job->font_path = xstrdup(opts->font_path != NULL ? opts->font_path :
	    PRINT_DEFAULT_FONT_PATH);
	job->proof = opts->proof;
	if ((job->pdf = HPDF_New(job_hpdf_error, job)) == NULL) {
		r = err_set(NHI_EINTERNAL, "PDF library (libharu) cannot start a document");
		goto out;
	}
	HPDF_SetCompressionMode(job->pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(job->pdf);
	HPDF_SetCurrentEncoder(job->pdf, "UTF-8");
	HPDF_SetInfoAttr(job->pdf, HPDF_INFO_CREATOR, "nhicard");
	if (opts->creation_time >= 0) {
		t = (time_t)opts->creation_time;
		gmtime_r(&t, &tm);
		memset(&date, 0, sizeof(date));
		date.year = tm.tm_year + 1900;
		date.month = tm.tm_mon + 1;
		date.day = tm.tm_mday;
		date.hour = tm.tm_hour;
		date.minutes = tm.tm_min;
		date.seconds = tm.tm_sec;
		date.ind = 'Z';
		HPDF_SetInfoDateAttr(job->pdf, HPDF_INFO_CREATION_DATE, date);
	}
	if ((r = job_check(job, "starting a document")) != 0)
		goto out;
	*out = job;
	job = NULL;
	r = 0;
out:
	print_job_free(job);
	return r;
}

void
print_job_free(struct print_job *job)
{
	size_t i;

	if (job == NULL)
		return;
	if (job->pdf != NULL)
		HPDF_Free(job->pdf);
	for (i = 0; i < job->nfonts; i++) {
		free(job->fonts[i]->path);
		free(job->fonts[i]->keys);
		free(job->fonts[i]->widths);
		free(job->fonts[i]->noglyph);
		free(job->fonts[i]);
	}
	free(job->refs);
	for (i = 0; i < job->ntmpls; i++) {
		free(job->tmpls[i].name);
		print_template_free(job->tmpls[i].t);
	}
	for (i = 0; i < job->nwarns; i++) {
		free(job->warns[i].field);
		free(job->warns[i].text);
	}
	free(job->fonts);
	free(job->tmpls);
	free(job->warns);
	free(job->templates_dir);
	free(job->font_path);
	free(job);
}

int
print_job_proof(const struct print_job *job)
{
	return job->proof;
}

size_t
print_job_warning_count(const struct print_job *job)
{
	return job->nwarns;
}

const struct print_warning *
print_job_warning(const struct print_job *job, size_t i)
{
	return i < job->nwarns ? &job->warns[i] : NULL;
}

size_t
print_job_page_count(const struct print_job *job)
{
	return job->pages;
}

static void
job_warn(struct print_job *job, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
job_warn(struct print_job *job, const char *field, const char *fmt, ...)
{
	va_list ap;

	job->warns = xreallocarray(job->warns, job->nwarns + 1, sizeof(*job->warns));
	job->warns[job->nwarns].field = xstrdup(field);
	va_start(ap, fmt);
	job->warns[job->nwarns].text = xvasprintf(fmt, ap);
	va_end(ap);
	job->nwarns++;
}

int
print_job_template(struct print_job *job, const char *name,
    const struct print_template **out)
{
	struct print_template *t = NULL;
	size_t i;
	int r;

	for (i = 0; i < job->ntmpls; i++) {
		if (strcmp(job->tmpls[i].name, name) == 0) {
			*out = job->tmpls[i].t;
			return 0;
		}
	}
	if ((r = print_template_load(job->templates_dir, name, &t)) != 0)
		return r;
	job->tmpls = xreallocarray(job->tmpls, job->ntmpls + 1, sizeof(*job->tmpls));
	job->tmpls[job->ntmpls].name = xstrdup(name);
	job->tmpls[job->ntmpls].t = t;
	job->ntmpls++;
	*out = t;
	return 0;
}

/* Find a font file: absolute as given, else in each directory of the font
 * path, then in the templates directory. Caller must free *out. */
static int
font_resolve(struct print_job *job, const struct print_template *t, int idx, char **out)
{
	const struct tmpl_font *f = &t->fonts[idx];
	char *dirs, *dir, *save = NULL, *path;

	if (f->file[0] == '/') {
		if (access(f->file, R_OK) == 0) {
			*out = xstrdup(f->file);
			return 0;
		}
		return err_set(NHI_ECONFIG, "template %s:%d: font '%s': cannot read %s",
		    t->file, f->line, f->name, f->file);
	}
	dirs = xasprintf("%s:%s", job->font_path, job->templates_dir);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		path = xasprintf("%s/%s", dir, f->file);
		if (access(path, R_OK) == 0) {
			free(dirs);
			*out = path;
			return 0;
		}
		free(path);
	}
	free(dirs);
	return err_set(NHI_ECONFIG, "template %s:%d: font '%s': %s not found in the font"
	    " path (print.font_path = %s) nor in %s; install fonts-ipaexfont or set"
	    " print.font_path", t->file, f->line, f->name, f->file, job->font_path,
	    job->templates_dir);
}

static int
job_font(struct print_job *job, const struct print_template *t, int idx,
    struct job_font **out)
{
	struct job_font *jf;
	const char *name;
	char *path = NULL;
	HPDF_Font font;
	size_t i;
	int r;

	for (i = 0; i < job->nrefs; i++) {
		if (job->refs[i].t == t && job->refs[i].idx == idx) {
			*out = job->refs[i].font;
			return 0;
		}
	}
	if ((r = font_resolve(job, t, idx, &path)) != 0)
		return r;
	jf = NULL;
	for (i = 0; i < job->nfonts; i++)
		if (strcmp(job->fonts[i]->path, path) == 0)
			jf = job->fonts[i];
	if (jf == NULL) {
		name = HPDF_LoadTTFontFromFile(job->pdf, path, HPDF_TRUE);
		font = name != NULL ? HPDF_GetFont(job->pdf, name, "UTF-8") : NULL;
		if (name == NULL || font == NULL || job->hpdf_error != 0) {
			r = err_set(NHI_ECONFIG, "template %s:%d: font '%s': %s is not a TrueType"
			    " font the PDF library can embed (error 0x%04X)", t->file,
			    t->fonts[idx].line, t->fonts[idx].name, path,
			    (unsigned)job->hpdf_error);
			goto out;
		}
		jf = xcalloc(1, sizeof(*jf));
		jf->path = path;
		path = NULL;
		jf->font = font;
		job->fonts = xreallocarray(job->fonts, job->nfonts + 1, sizeof(*job->fonts));
		job->fonts[job->nfonts++] = jf;
	}
	job->refs = xreallocarray(job->refs, job->nrefs + 1, sizeof(*job->refs));
	job->refs[job->nrefs].t = t;
	job->refs[job->nrefs].idx = idx;
	job->refs[job->nrefs].font = jf;
	job->nrefs++;
	*out = jf;
	r = 0;
out:
	free(path);
	return r;
}

int
print_job_page_new(struct print_job *job, double w, double h)
{
	if (job->rendered)
		return err_set(NHI_EINTERNAL, "print job already rendered");
	job->page = HPDF_AddPage(job->pdf);
	if (job->page != NULL) {
		HPDF_Page_SetWidth(job->page, (HPDF_REAL)PRINT_MM_TO_PT(w));
		HPDF_Page_SetHeight(job->page, (HPDF_REAL)PRINT_MM_TO_PT(h));
	}
	job->page_h = h;
	job->pages++;
	return job_check(job, "adding a page");
}

void
print_job_line(struct print_job *job, double x1, double y1, double x2, double y2,
    double width_pt)
{
	double ph = PRINT_MM_TO_PT(job->page_h);

	HPDF_Page_SetLineWidth(job->page, (HPDF_REAL)width_pt);
	HPDF_Page_MoveTo(job->page, (HPDF_REAL)PRINT_MM_TO_PT(x1),
	    (HPDF_REAL)(ph - PRINT_MM_TO_PT(y1)));
	HPDF_Page_LineTo(job->page, (HPDF_REAL)PRINT_MM_TO_PT(x2),
	    (HPDF_REAL)(ph - PRINT_MM_TO_PT(y2)));
	HPDF_Page_Stroke(job->page);
}

static void
job_rect(struct print_job *job, double x, double y, double w, double h, double width_pt)
{
	double ph = PRINT_MM_TO_PT(job->page_h);

	HPDF_Page_SetLineWidth(job->page, (HPDF_REAL)width_pt);
	HPDF_Page_Rectangle(job->page, (HPDF_REAL)PRINT_MM_TO_PT(x),
	    (HPDF_REAL)(ph - PRINT_MM_TO_PT(y + h)), (HPDF_REAL)PRINT_MM_TO_PT(w),
	    (HPDF_REAL)PRINT_MM_TO_PT(h));
	HPDF_Page_Stroke(job->page);
}

/* Bytes of the UTF-8 sequence starting at s (1 for a stray byte). */
static size_t
utf8_len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* 1 if the text holds a private-use character (a vendor 外字 that came
 * through import unmapped): it cannot be printed faithfully. */
static int
has_private_use(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		/* U+E000..U+F8FF is EE 80 80 .. EF A3 BF; planes 15-16 start F3 B0 / F4. */
		if (p[0] == 0xee || (p[0] == 0xef && p[1] >= 0x80 && p[1] <= 0xa3) ||
		    (p[0] == 0xf3 && p[1] >= 0xb0) || p[0] == 0xf4)
			return 1;
	}
	return 0;
}

/* The code point of the UTF-8 sequence s[0..n). */
static uint32_t
utf8_decode(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t i;

	if (n == 1)
		return p[0];
	c = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++)
		c = (c << 6) | (p[i] & 0x3f);
	return c;
}

/* 1 if the font has a glyph for code point c. libharu 2.3 addresses
 * glyphs by 16-bit code: nothing outside the BMP can be printed. It has no
 * public call for glyph coverage, so this reads the font's attributes
 * (hpdf_font.h, installed with libhpdf-dev). */
static int
font_has_glyph(struct job_font *f, uint32_t c)
{
	HPDF_FontAttr attr = (HPDF_FontAttr)f->font->attr;

	if (c > 0xffff)
		return 0;
	if (c < 0x20)
		return 1;
	return attr != NULL && attr->fontdef != NULL &&
	    HPDF_TTFontDef_GetGlyphid(attr->fontdef, (HPDF_UINT16)c) != 0;
}

/*
 * The advance width of one character (bytes s[0..n)), in 1/1000 em, and
 * in *missing whether the font lacks its glyph (it would print blank).
 */
static float
char_info(struct job_font *f, const char *s, size_t n, int *missing)
{
	uint32_t c = utf8_decode(s, n), key = c + 1, *okeys;
	float *owidths;
	uint8_t *onog;
	size_t i, ocap, slot;
	HPDF_TextWidth tw;

	if (f->used * 2 >= f->cap) {
		okeys = f->keys;
		owidths = f->widths;
		onog = f->noglyph;
		ocap = f->cap;
		f->cap = ocap ? ocap * 2 : 1024;
		f->keys = xcalloc(f->cap, sizeof(*f->keys));
		f->widths = xcalloc(f->cap, sizeof(*f->widths));
		f->noglyph = xcalloc(f->cap, sizeof(*f->noglyph));
		for (i = 0; i < ocap; i++) {
			if (okeys[i] == 0)
				continue;
			for (slot = (okeys[i] * 2654435761u) & (f->cap - 1); f->keys[slot] != 0;
			    slot = (slot + 1) & (f->cap - 1))
				;
			f->keys[slot] = okeys[i];
			f->widths[slot] = owidths[i];
			f->noglyph[slot] = onog[i];
		}
		free(okeys);
		free(owidths);
		free(onog);
	}
	for (slot = (key * 2654435761u) & (f->cap - 1); f->keys[slot] != 0;
	    slot = (slot + 1) & (f->cap - 1)) {
		if (f->keys[slot] == key) {
			*missing = f->noglyph[slot];
			return f->widths[slot];
		}
	}
	tw = HPDF_Font_TextWidth(f->font, (const HPDF_BYTE *)s, (HPDF_UINT)n);
	f->keys[slot] = key;
	f->widths[slot] = (float)tw.width;
	f->noglyph[slot] = !font_has_glyph(f, c);
	f->used++;
	*missing = f->noglyph[slot];
	return (float)tw.width;
}

/* The first character of text the font cannot print, or 0. */
static uint32_t
first_missing_glyph(struct job_font *f, const char *text)
{
	size_t n;
	int missing;

	for (; *text != '\0'; text += n) {
		n = utf8_len(text);
		if (*text == '\n')
			continue;
		(void)char_info(f, text, n, &missing);
		if (missing)
			return utf8_decode(text, n);
	}
	return 0;
}

static double
text_width(struct job_font *f, const char *s, size_t len, double size)
{
	double w = 0;
	size_t i, n;
	int missing;

	for (i = 0; i < len; i += n) {
		n = utf8_len(s + i);
		if (n > len - i)
			n = len - i;
		w += char_info(f, s + i, n, &missing);
	}
	return w * size / 1000.0;
}

/* Characters that must not start a line (a small 禁則 set). */
static int
no_line_start(const char *s, size_t n)
{
	static const char *const marks[] = { "、", "。", "，", "．", "）", "」", "』",
	    "】", "・", "ー", ")", ",", ".", NULL };
	size_t i;

	for (i = 0; marks[i] != NULL; i++)
		if (strlen(marks[i]) == n && memcmp(marks[i], s, n) == 0)
			return 1;
	return 0;
}

/*
 * Lay text out in lines at `size`: each '\n' ends a line; with `wrap` lines
 * also break before the character that would pass `maxw` (points). Sets
 * *lines (caller must free), *n and the widest line in *widest.
 */
static void
layout(struct job_font *font, const char *text, double size, double maxw, int wrap,
    struct span **lines, size_t *n, double *widest)
{
	struct span *out = NULL, cur;
	size_t count = 0, cap = 0, cl, prev_len = 0, word_start = 0;
	const char *p = text;
	double w = 0, cw, best = 0;

	cur.s = p;
	cur.len = 0;
	for (;;) {
		int end = *p == '\0', nl = *p == '\n';

		if (!end && !nl) {
			cl = utf8_len(p);
			cw = text_width(font, p, cl, size);
			if (wrap && cur.len > 0 && w + cw > maxw) {
				/* Latin words break at blanks; */
				if (*p != ' ' && (unsigned char)*p < 0x80 && word_start > 0) {
					p = cur.s + word_start;
					cur.len = word_start;
				/* keep 、。 off the start of a line: take the last
				 * character down with it. */
				} else if (no_line_start(p, cl) && cur.len > prev_len && prev_len > 0) {
					cur.len -= prev_len;
					p -= prev_len;
					cl = prev_len;
					cw = text_width(font, p, cl, size);
				}
				w = text_width(font, cur.s, cur.len, size);
				goto emit;
			}
			cur.len += cl;
			w += cw;
			prev_len = cl;
			p += cl;
			/* Where the current Latin word starts (after a blank); 0 if
			 * the line holds no blank or the word is not Latin. */
			if (cl == 1 && p[-1] == ' ')
				word_start = cur.len;
			else if (cl > 1)
				word_start = 0;
			continue;
		}
emit:
		if (count == cap) {
			cap = cap ? cap * 2 : 4;
			out = xreallocarray(out, cap, sizeof(*out));
		}
		out[count++] = cur;
		if (w > best)
			best = w;
		if (end)
			break;
		if (nl)
			p++;
		else
			while (*p == ' ')	/* a wrapped line starts with no blank */
				p++;
		cur.s = p;
		cur.len = 0;
		w = 0;
		prev_len = 0;
		word_start = 0;
	}
	*lines = out;
	*n = count;
	*widest = best;
}

static double
block_height(size_t nlines, double size)
{
	return size + (double)(nlines - 1) * size * LEADING;
}

static const char *
values_get(const struct print_values *v, const char *name, int *gaiji)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->v[i].name, name) == 0) {
			*gaiji = v->v[i].gaiji;
			return v->v[i].value != NULL ? v->v[i].value : "";
		}
	}
	*gaiji = 0;
	return "";
}

static int
cond_holds(const struct print_values *v, const struct tmpl_item *it)
{
	size_t i;
	int set = 0;

	if (it->when == NULL)
		return 1;
	for (i = 0; i < v->nconds; i++)
		if (strcmp(v->conds[i], it->when) == 0)
			set = 1;
	return set != it->when_not;
}

static void
draw_lines(struct print_job *job, struct job_font *font, const struct tmpl_item *it,
    double ox, double oy, double size, const struct span *lines, size_t n,
    double *end_x)
{
	double ph = PRINT_MM_TO_PT(job->page_h);
	double bx = PRINT_MM_TO_PT(ox + it->x), by = PRINT_MM_TO_PT(oy + it->y);
	double bw = PRINT_MM_TO_PT(it->w), bh = PRINT_MM_TO_PT(it->h);
	double top, x, w;
	size_t i;
	char *buf;

	if (it->valign == TMPL_TOP)
		top = by;
	else if (it->valign == TMPL_BOTTOM)
		top = by + bh - block_height(n, size);
	else
		top = by + (bh - block_height(n, size)) / 2;
	HPDF_Page_BeginText(job->page);
	HPDF_Page_SetFontAndSize(job->page, font->font, (HPDF_REAL)size);
	for (i = 0; i < n; i++) {
		w = text_width(font, lines[i].s, lines[i].len, size);
		x = it->align == TMPL_LEFT ? bx : it->align == TMPL_RIGHT ? bx + bw - w :
		    bx + (bw - w) / 2;
		*end_x = x + w;
		if (lines[i].len == 0)
			continue;
		buf = xstrndup(lines[i].s, lines[i].len);
		HPDF_Page_TextOut(job->page, (HPDF_REAL)x,
		    (HPDF_REAL)(ph - (top + size * ASCENT + (double)i * size * LEADING)),
		    buf);
		free(buf);
	}
	HPDF_Page_EndText(job->page);
}

/* A proof marker (※外字): red, just after the text or above the box's right
 * end when the box is full. */
static void
draw_marker(struct print_job *job, struct job_font *font, const struct tmpl_item *it,
    double ox, double oy, double end_x, const char *marker)
{
	double ph = PRINT_MM_TO_PT(job->page_h), size = PRINT_MIN_PT;
	double mw = text_width(font, marker, strlen(marker), size);
	double bx = PRINT_MM_TO_PT(ox + it->x), bw = PRINT_MM_TO_PT(it->w);
	double by = PRINT_MM_TO_PT(oy + it->y), x, y;

	if (end_x + 2 + mw <= bx + bw) {
		x = end_x + 2;
		y = by + PRINT_MM_TO_PT(it->h) / 2 + size * 0.35;
	} else {
		x = bx + bw - mw;
		y = by - 1;
	}
	HPDF_Page_SetRGBFill(job->page, 0.85f, 0, 0);
	HPDF_Page_BeginText(job->page);
	HPDF_Page_SetFontAndSize(job->page, font->font, (HPDF_REAL)size);
	HPDF_Page_TextOut(job->page, (HPDF_REAL)x, (HPDF_REAL)(ph - y), marker);
	HPDF_Page_EndText(job->page);
	HPDF_Page_SetRGBFill(job->page, 0, 0, 0);
}

/* A static text's first line, cut at 12 characters, to name it in
 * messages. Caller must free. */
static char *
text_label(const char *text)
{
	const char *p = text;
	size_t chars = 0;

	while (*p != '\0' && *p != '\n' && chars < 12) {
		p += utf8_len(p);
		chars++;
	}
	if (*p == '\0')
		return xstrdup(text);
	return xasprintf("%.*s…", (int)(p - text), text);
}

static int
draw_text_item(struct print_job *job, const struct print_template *t,
    const struct tmpl_item *it, double ox, double oy, const struct print_values *v)
{
	const char *text;
	struct span *lines = NULL;
	size_t n = 0;
	double size, widest, end_x = 0;
	double bw = PRINT_MM_TO_PT(it->w), bh = PRINT_MM_TO_PT(it->h);
	struct job_font *font = NULL;
	uint32_t missing;
	int r, gaiji = 0, fits = 0;

	text = it->kind == TMPL_TEXT ? it->text : values_get(v, it->name, &gaiji);
	if (it->kind == TMPL_FIELD && has_private_use(text))
		gaiji = 1;
	if (*text == '\0')
		return 0;
	if ((r = job_font(job, t, it->font, &font)) != 0)
		return r;
	/* A character the font cannot draw would print blank: never silently. */
	if ((missing = first_missing_glyph(font, text)) != 0) {
		char *label = it->kind == TMPL_FIELD ? xstrdup(it->name) : text_label(it->text);

		if (!job->proof) {
			r = err_set(NHI_EENCODING, "template %s:%d: %s '%s'%s%s: the character"
			    " U+%04X has no glyph in font '%s' (%s) and would print blank; it is"
			    " never silently dropped: check it with --preview, or name a font that"
			    " has it in the template", t->file, it->line,
			    it->kind == TMPL_FIELD ? "field" : "text", label,
			    v->ref != NULL ? " of " : "", v->ref != NULL ? v->ref : "",
			    (unsigned)missing, t->fonts[it->font].name, font->path);
			free(label);
			return r;
		}
		job_warn(job, label, "%s%s%s: the character U+%04X has no glyph in font '%s'"
		    " and prints blank (marked on the proof)", v->ref != NULL ? v->ref : "",
		    v->ref != NULL ? ": " : "", label, (unsigned)missing,
		    t->fonts[it->font].name);
		free(label);
	}
	for (size = it->size; ; size -= SHRINK_STEP) {
		if (size < it->min)
			size = it->min;
		free(lines);
		layout(font, text, size, bw, it->fit == TMPL_WRAP, &lines, &n, &widest);
		fits = widest <= bw + 0.01 && block_height(n, size) <= bh + 0.01;
		if (fits || size <= it->min)
			break;
	}
	if (!fits) {
		char *label = NULL;
		const char *what = it->kind == TMPL_FIELD ? it->name :
		    (label = text_label(it->text));

		if (!job->proof) {
			r = err_set(NHI_ERANGE, "template %s:%d: %s '%s'%s%s: the text does not fit"
			    " its box (%g x %g mm) even at the minimum %g pt; it is never clipped:"
			    " check it with --preview, shorten it or widen the box in the template",
			    t->file, it->line, it->kind == TMPL_FIELD ? "field" : "text", what,
			    v->ref != NULL ? " of " : "", v->ref != NULL ? v->ref : "",
			    it->w, it->h, it->min);
			free(label);
			goto out;
		}
		job_warn(job, what, "%s%s%s does not fit its box even at %g pt (framed in red"
		    " on the proof)", v->ref != NULL ? v->ref : "", v->ref != NULL ? ": " : "",
		    what, it->min);
		free(label);
		HPDF_Page_SetRGBStroke(job->page, 0.85f, 0, 0);
		job_rect(job, ox + it->x, oy + it->y, it->w, it->h, 0.8);
		HPDF_Page_SetRGBStroke(job->page, 0, 0, 0);
	}
	draw_lines(job, font, it, ox, oy, size, lines, n, &end_x);
	if (job->proof && (gaiji || missing != 0))
		draw_marker(job, font, it, ox, oy, end_x, gaiji && missing != 0 ?
		    "※外字・字形なし" : gaiji ? "※外字" : "※字形なし");
	if (gaiji) {
		job_warn(job, it->name, "%s%s%s holds 外字 (flagged at import or a private-use"
		    " character): check the printed characters before handing it over",
		    v->ref != NULL ? v->ref : "", v->ref != NULL ? ": " : "", it->name);
	}
	r = job_check(job, "drawing text");
out:
	free(lines);
	return r;
}

int
print_job_draw(struct print_job *job, const struct print_template *t,
    enum tmpl_side side, double ox, double oy, const struct print_values *v)
{
	const struct tmpl_item *it;
	size_t i;
	int r;

	for (i = 0; i < t->nitems; i++) {
		it = &t->items[i];
		if (it->side != side || !cond_holds(v, it))
			continue;
		switch (it->kind) {
		case TMPL_LINE:
			print_job_line(job, ox + it->x, oy + it->y, ox + it->w, oy + it->h, it->width);
			break;
		case TMPL_BOX:
			job_rect(job, ox + it->x, oy + it->y, it->w, it->h, it->width);
			break;
		case TMPL_FIELD:
		case TMPL_TEXT:
			if ((r = draw_text_item(job, t, it, ox, oy, v)) != 0)
				return r;
			break;
		}
	}
	return job_check(job, "drawing a page");
}

int
print_job_render(struct print_job *job, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	HPDF_UINT32 size, got = 0, n;
	HPDF_STATUS st;
	int r;

	if (job->pages == 0)
		return err_set(NHI_EINTERNAL, "print job has no pages");
	job->rendered = 1;
	if (HPDF_SaveToStream(job->pdf) != HPDF_OK) {
		r = job_check(job, "writing the document");
		return r != 0 ? r : err_set(NHI_EINTERNAL, "PDF library cannot write the document");
	}
	size = HPDF_GetStreamSize(job->pdf);
	buf = xmalloc(size > 0 ? size : 1);
	while (got < size) {
		n = size - got;
		st = HPDF_ReadFromStream(job->pdf, buf + got, &n);
		got += n;
		if (st == HPDF_STREAM_EOF || n == 0)
			break;
		if (st != HPDF_OK) {
			free(buf);
			return job_check(job, "reading the document");
		}
	}
	if (got != size) {
		free(buf);
		return err_set(NHI_EINTERNAL, "PDF library gave %u of %u bytes", (unsigned)got,
		    (unsigned)size);
	}
	/* Reading to the end counts as an error in libharu's bookkeeping. */
	job->hpdf_error = 0;
	HPDF_ResetError(job->pdf);
	/* Drop libharu's copy of the bytes: batches keep memory down. */
	HPDF_ResetStream(job->pdf);
	*out = buf;
	*len = size;
	return 0;
}

int
print_job_save(struct print_job *job, const char *path)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t len;
	int r;

	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return err_set(NHI_EIO, "%s: not a regular file; give a file name for the PDF",
		    path);
	if ((r = print_job_render(job, &buf, &len)) != 0)
		return r;
	r = fs_write_atomic(path, buf, len, 0600);
	free(buf);
	return r;
}
