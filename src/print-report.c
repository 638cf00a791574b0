/*
 * print-report.c: the report document (print-report.h): A4 portrait, the
 * title, up to two small bar charts side by side, then sections of lines
 * in IPAex Gothic, wrapped by width (never cut), pages added as needed,
 * each page numbered. Charts are drawn with libharu's own calls
 * (rectangles, lines, text); no image is embedded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hpdf.h>

#include "error.h"
#include "print-report.h"
#include "util.h"

#define PAGE_W		595.276		/* A4, points */
#define PAGE_H		841.89
#define MARGIN		51.0		/* 18 mm */
#define TITLE_PT	16.0
#define HEAD_PT		11.5
#define BODY_PT		9.5		/* the certificates' item size */
#define SMALL_PT	7.5
#define LEADING		1.45
#define CHART_H		128.0		/* a chart's box, points (45 mm) */
#define REPORT_FONT	"ipaexg.ttf"

struct rep {
	HPDF_Doc	 pdf;
	HPDF_Page	 page;
	HPDF_Font	 font;
	double		 y;		/* from the top, points */
	size_t		 pages;
	const struct print_report *r;
	HPDF_STATUS	 err;
};

static void
rep_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
	struct rep *p = user;

	(void)detail;
	if (p->err == 0)
		p->err = error;
}

void
print_report_section(struct print_report *r, const char *heading)
{
	r->sec = xreallocarray(r->sec, r->nsec + 1, sizeof(*r->sec));
	memset(&r->sec[r->nsec], 0, sizeof(r->sec[0]));
	r->sec[r->nsec++].heading = xstrdup(heading);
}

void
print_report_line(struct print_report *r, const char *fmt, ...)
{
	struct print_report_section *s;
	va_list ap;

	if (r->nsec == 0)
		print_report_section(r, "");
	s = &r->sec[r->nsec - 1];
	s->lines = xreallocarray(s->lines, s->nlines + 1, sizeof(*s->lines));
	va_start(ap, fmt);
	s->lines[s->nlines++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void
print_report_clear(struct print_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nsec; i++) {
		for (j = 0; j < r->sec[i].nlines; j++)
			free(r->sec[i].lines[j]);
		free(r->sec[i].lines);
		free(r->sec[i].heading);
	}
	free(r->sec);
	r->sec = NULL;
	r->nsec = 0;
}

/* Bytes of the UTF-8 sequence at s (1 for a broken one). */
static size_t
u8len(const unsigned char *s, uint32_t *cp)
{
	size_t n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 :
	    (*s & 0xf8) == 0xf0 ? 4 : 0;
	size_t i;
	uint32_t c;

	if (n == 0) {
		*cp = 0xfffd;
		return 1;
	}
	c = n == 1 ? *s : *s & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/*
 * What the font can draw: private-use characters (vendor 外字, no glyph
 * anywhere but the vendor's font), characters outside the BMP and broken
 * bytes become 〓 (geta, the usual mark for a character that cannot be
 * shown); control characters become spaces.
 */
static char *
printable(const char *s)
{
	size_t cap = strlen(s) * 3 + 1, o = 0, n;
	char *out = xmalloc(cap);
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;

	while (*p != '\0') {
		n = u8len(p, &c);
		if (c == 0xfffd || (c >= 0xe000 && c <= 0xf8ff) || c > 0xffff) {
			memcpy(out + o, "\xe3\x80\x93", 3);
			o += 3;
		} else if (c < 0x20 || c == 0x7f)
			out[o++] = ' ';
		else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return out;
}

static double
width(struct rep *p, const char *s, size_t n, double size)
{
	HPDF_TextWidth tw = HPDF_Font_TextWidth(p->font, (const HPDF_BYTE *)s, (HPDF_UINT)n);

	return (double)tw.width * size / 1000.0;
}

static void
text_at(struct rep *p, double x, double y_top, double size, const char *s)
{
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, p->font, (HPDF_REAL)size);
	HPDF_Page_TextOut(p->page, (HPDF_REAL)x, (HPDF_REAL)(PAGE_H - y_top - size * 0.88),
	    s);
	HPDF_Page_EndText(p->page);
}

static void
page_new(struct rep *p)
{
	char num[32];

	p->page = HPDF_AddPage(p->pdf);
	HPDF_Page_SetWidth(p->page, (HPDF_REAL)PAGE_W);
	HPDF_Page_SetHeight(p->page, (HPDF_REAL)PAGE_H);
	p->pages++;
	p->y = MARGIN;
	if (p->r->footer != NULL)
		text_at(p, MARGIN, PAGE_H - MARGIN + 14, SMALL_PT, p->r->footer);
	snprintf(num, sizeof(num), "%zu", p->pages);
	text_at(p, PAGE_W - MARGIN - width(p, num, strlen(num), SMALL_PT),
	    PAGE_H - MARGIN + 14, SMALL_PT, num);
}

/* Room for `h` points more on this page, or a new page. */
static void
need(struct rep *p, double h)
{
	if (p->y + h > PAGE_H - MARGIN)
		page_new(p);
}

/* One line of text, wrapped at the width; continuation lines indented. */
static void
paragraph(struct rep *p, const char *raw, double size, double indent)
{
	char *s = printable(raw);
	const char *line = s, *q = s, *space = NULL;
	double maxw = PAGE_W - 2 * MARGIN - indent, w = 0, cw, lead = size * LEADING;
	uint32_t c;
	size_t n;
	int cont = 0;

	while (1) {
		if (*q != '\0') {
			n = u8len((const unsigned char *)q, &c);
			cw = width(p, q, n, size);
		} else {
			n = 0;
			cw = 0;
		}
		if (*q == '\0' || (w + cw > maxw - (cont ? size : 0) && q > line)) {
			char *part;

			/* Inside a word of Latin letters: break at its space. */
			if (*q != '\0' && (unsigned char)*q < 0x80 && *q != ' ' &&
			    (unsigned char)q[-1] < 0x80 && q[-1] != ' ' && space != NULL &&
			    space > line)
				q = space;
			part = xstrndup(line, (size_t)(q - line));

			need(p, lead);
			text_at(p, MARGIN + indent + (cont ? size : 0), p->y, size, part);
			free(part);
			p->y += lead;
			if (*q == '\0')
				break;
			line = q;
			space = NULL;
			w = 0;
			cont = 1;
			continue;
		}
		w += cw;
		q += n;
		if (q[-1] == ' ')
			space = q;
	}
	free(s);
}

static void
chart(struct rep *p, const struct print_report_chart *c, double x, double y, double w)
{
	double top = y + HEAD_PT * 1.6, bottom = y + CHART_H - SMALL_PT * 1.8;
	double ph = bottom - top - SMALL_PT * 1.5, bw, bh;
	int64_t max = 0;
	char v[32];
	char *t;
	size_t i;

	t = printable(c->title);
	text_at(p, x, y, BODY_PT, t);
	free(t);
	for (i = 0; i < c->n; i++)
		if (c->values[i] > max)
			max = c->values[i];
	/* Frame and base line. */
	HPDF_Page_SetLineWidth(p->page, 0.5f);
	HPDF_Page_SetRGBStroke(p->page, 0.6f, 0.6f, 0.6f);
	HPDF_Page_Rectangle(p->page, (HPDF_REAL)x, (HPDF_REAL)(PAGE_H - bottom),
	    (HPDF_REAL)w, (HPDF_REAL)(bottom - top + SMALL_PT));
	HPDF_Page_Stroke(p->page);
	HPDF_Page_SetRGBStroke(p->page, 0, 0, 0);
	bw = c->n > 0 ? w / (double)c->n : w;
	for (i = 0; i < c->n; i++) {
		double bx = x + bw * (double)i + bw * 0.2;

		bh = max > 0 ? ph * (double)c->values[i] / (double)max : 0;
		HPDF_Page_SetRGBFill(p->page, i + 1 == c->n ? 0.12f : 0.36f,
		    i + 1 == c->n ? 0.44f : 0.61f, i + 1 == c->n ? 0.70f : 0.84f);
		if (bh > 0) {
			HPDF_Page_Rectangle(p->page, (HPDF_REAL)bx, (HPDF_REAL)(PAGE_H - bottom),
			    (HPDF_REAL)(bw * 0.6), (HPDF_REAL)bh);
			HPDF_Page_Fill(p->page);
		}
		HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
		snprintf(v, sizeof(v), "%lld", (long long)c->values[i]);
		text_at(p, bx + bw * 0.3 - width(p, v, strlen(v), SMALL_PT) / 2,
		    bottom - bh - SMALL_PT * 1.3, SMALL_PT, v);
		t = printable(c->labels[i] != NULL ? c->labels[i] : "");
		text_at(p, x + bw * (double)i + bw / 2 - width(p, t, strlen(t), SMALL_PT) / 2,
		    bottom + 2, SMALL_PT, t);
		free(t);
	}
}

static int
font_find(const struct print_opts *o, char **out)
{
	char *dirs = xstrdup(o->font_path != NULL ? o->font_path : PRINT_DEFAULT_FONT_PATH);
	char *dir, *save = NULL, *path;

	for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		path = xasprintf("%s/%s", dir, REPORT_FONT);
		if (access(path, R_OK) == 0) {
			free(dirs);
			*out = path;
			return 0;
		}
		free(path);
	}
	free(dirs);
	return err_set(NHI_ECONFIG, "report: the font %s (IPAex Gothic) is not in the font"
	    " path (print.font_path = %s); install fonts-ipaexfont-gothic or set"
	    " print.font_path", REPORT_FONT, o->font_path != NULL ? o->font_path :
	    PRINT_DEFAULT_FONT_PATH);
}

int
print_report_save(const struct print_report *r, const struct print_opts *opts,
    const char *path, size_t *pages)
{
	struct rep p = { .r = r };
	char *font = NULL, *t;
	const char *name;
	uint8_t *buf = NULL;
	HPDF_UINT32 size = 0, got = 0, n;
	HPDF_STATUS hs;
	size_t i, j;
	int r2;

	if ((r2 = font_find(opts, &font)) != 0)
		return r2;
	if ((p.pdf = HPDF_New(rep_error, &p)) == NULL) {
		free(font);
		return err_set(NHI_EINTERNAL, "PDF library (libharu) cannot start a document");
	}
	HPDF_SetCompressionMode(p.pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(p.pdf);
	HPDF_SetCurrentEncoder(p.pdf, "UTF-8");
	HPDF_SetInfoAttr(p.pdf, HPDF_INFO_CREATOR, "nhicard");
	if (opts->creation_time >= 0) {
		time_t tt = (time_t)opts->creation_time;
		struct tm tm;
		HPDF_Date date;

		gmtime_r(&tt, &tm);
		memset(&date, 0, sizeof(date));
		date.year = tm.tm_year + 1900;
		date.month = tm.tm_mon + 1;
		date.day = tm.tm_mday;
		date.hour = tm.tm_hour;
		date.minutes = tm.tm_min;
		date.seconds = tm.tm_sec;
		date.ind = 'Z';
		HPDF_SetInfoDateAttr(p.pdf, HPDF_INFO_CREATION_DATE, date);
	}
	name = HPDF_LoadTTFontFromFile(p.pdf, font, HPDF_TRUE);
	p.font = name != NULL ? HPDF_GetFont(p.pdf, name, "UTF-8") : NULL;
	if (p.font == NULL) {
		r2 = err_set(NHI_ECONFIG, "report: %s is not a TrueType font the PDF library"
		    " can embed (error 0x%04X)", font, (unsigned)p.err);
		goto out;
	}
	page_new(&p);
	t = printable(r->title);
	text_at(&p, MARGIN, p.y, TITLE_PT, t);
	free(t);
	p.y += TITLE_PT * 1.5;
	if (r->subtitle != NULL) {
		paragraph(&p, r->subtitle, BODY_PT, 0);
		p.y += BODY_PT * 0.5;
	}
	if (r->ncharts > 0) {
		double gap = 20, w = (PAGE_W - 2 * MARGIN - gap) / 2;

		for (i = 0; i < r->ncharts && i < 2; i++)
			chart(&p, &r->charts[i], MARGIN + (double)i * (w + gap), p.y, w);
		p.y += CHART_H + BODY_PT;
	}
	for (i = 0; i < r->nsec; i++) {
		/* A heading never ends a page: keep it with two lines. */
		need(&p, HEAD_PT * 1.8 + BODY_PT * LEADING * 2);
		p.y += HEAD_PT * 0.4;
		t = printable(r->sec[i].heading);
		text_at(&p, MARGIN, p.y, HEAD_PT, t);
		free(t);
		p.y += HEAD_PT * 1.25;
		HPDF_Page_SetLineWidth(p.page, 0.6f);
		HPDF_Page_MoveTo(p.page, (HPDF_REAL)MARGIN, (HPDF_REAL)(PAGE_H - p.y));
		HPDF_Page_LineTo(p.page, (HPDF_REAL)(PAGE_W - MARGIN), (HPDF_REAL)(PAGE_H - p.y));
		HPDF_Page_Stroke(p.page);
		p.y += HEAD_PT * 0.35;
		for (j = 0; j < r->sec[i].nlines; j++)
			paragraph(&p, r->sec[i].lines[j], BODY_PT, BODY_PT);
	}
	if (p.err != 0) {
		r2 = err_set(NHI_EINTERNAL, "PDF library error 0x%04X drawing the report",
		    (unsigned)p.err);
		goto out;
	}
	if (HPDF_SaveToStream(p.pdf) != HPDF_OK) {
		r2 = err_set(NHI_EINTERNAL, "PDF library cannot write the report (0x%04X)",
		    (unsigned)p.err);
		goto out;
	}
	size = HPDF_GetStreamSize(p.pdf);
	buf = xmalloc(size > 0 ? size : 1);
	while (got < size) {
		n = size - got;
		hs = HPDF_ReadFromStream(p.pdf, buf + got, &n);
		got += n;
		if (hs == HPDF_STREAM_EOF || n == 0)
			break;
		if (hs != HPDF_OK)
			break;
	}
	if (got != size) {
		r2 = err_set(NHI_EINTERNAL, "PDF library gave %u of %u bytes", (unsigned)got,
		    (unsigned)size);
		goto out;
	}
	if ((r2 = fs_write_atomic(path, buf, size, 0644)) != 0)
		goto out;
	*pages = p.pages;
	r2 = 0;
out:
	free(buf);
	free(font);
	HPDF_Free(p.pdf);
	return r2;
}
