/*
 * center-status-html.c: the operators' status page as HTML5 (center.md
 * "Status page"): tables and inline SVG bar charts drawn here, no script
 * and nothing fetched from elsewhere. Everything that came from the store
 * (station ids, record ids, reasons, clinic names) goes through
 * center_html_escape; numbers and times are printed by this file. The
 * data: center-status-data.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "util.h"

struct page {
	char	*b;
	size_t	 len;
};

static void
put(struct page *p, const char *s)
{
	size_t n = strlen(s);

	p->b = xrealloc(p->b, p->len + n + 1);
	memcpy(p->b + p->len, s, n + 1);
	p->len += n;
}

static void __attribute__((format(printf, 2, 3)))
putf(struct page *p, const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	put(p, t);
	free(t);
}

void
center_html_escape(char **buf, size_t *len, const char *s)
{
	struct page p = { *buf, *len };
	char one[2] = { 0, 0 };

	if (p.b == NULL)
		put(&p, "");
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': put(&p, "&amp;"); break;
		case '<': put(&p, "&lt;"); break;
		case '>': put(&p, "&gt;"); break;
		case '"': put(&p, "&quot;"); break;
		case '\'': put(&p, "&#39;"); break;
		default:
			one[0] = *s;
			put(&p, one);
		}
	}
	*buf = p.b;
	*len = p.len;
}

/* Escaped text from the store; "" for NULL. */
static void
esc(struct page *p, const char *s)
{
	center_html_escape(&p->b, &p->len, s);
}

static const char page_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>nhicard-center: status</title>\n"
    "<style>\n"
    "body{font-family:sans-serif;margin:1.5em;color:#111;background:#fff}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
    "th,td{border:1px solid #999;padding:.25em .6em;text-align:right;"
    "vertical-align:top}\n"
    "th{background:#eee;text-align:left}\n"
    "td.id,td.text,td.gaps,td.audit,td.time{text-align:left;"
    "overflow-wrap:anywhere;max-width:28em}\n"
    "tr.attention td{background:#fff3cd}\n"
    "td.alert{background:#f8d7da;text-align:left}\n"
    "figure{display:inline-block;margin:0 1.5em 1.5em 0}\n"
    "figcaption{font-weight:bold;overflow-wrap:anywhere;max-width:640px}\n"
    "svg text{font-family:sans-serif;font-size:11px}\n"
    "</style>\n</head>\n<body>\n";

/*
 * A bar chart of CENTER_STATUS_DAYS values (oldest first), as inline
 * SVG: each bar carries its day and value (data-day, data-value and a
 * <title> a browser shows on hover). `values` are tenths when `tenths`.
 */
static void
chart(struct page *p, const struct center_status *s, const char *cls,
    const char *caption_esc, const int64_t *values, int tenths, const char *unit)
{
	const int w = 640, h = 170, left = 48, right = 8, top = 12, bottom = 26;
	const int pw = w - left - right, ph = h - top - bottom;
	int64_t max = 0;
	int i;

	for (i = 0; i < CENTER_STATUS_DAYS; i++)
		if (values[i] > max)
			max = values[i];
	putf(p, "<figure class=\"%s\"><figcaption>%s</figcaption>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
	    " viewBox=\"0 0 %d %d\" role=\"img\">\n", cls, caption_esc, w, h, w, h);
	putf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\""
	    " stroke=\"#bbb\"/>\n", left, top, pw, ph);
	/* Scale: 0 and the highest value. */
	if (tenths)
		putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld.%lld%s</text>\n",
		    left - 4, top + 10, (long long)(max / 10), (long long)(max % 10), unit);
	else
		putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld%s</text>\n",
		    left - 4, top + 10, (long long)max, unit);
	putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4,
	    top + ph);
	for (i = 0; i < CENTER_STATUS_DAYS; i++) {
		double bw = (double)pw / CENTER_STATUS_DAYS;
		double bh = max > 0 ? (double)values[i] * ph / (double)max : 0;
		char v[32];

		if (tenths)
			snprintf(v, sizeof(v), "%lld.%lld", (long long)(values[i] / 10),
			    (long long)(values[i] % 10));
		else
			snprintf(v, sizeof(v), "%lld", (long long)values[i]);
		putf(p, "<rect class=\"bar\" data-day=\"%s\" data-value=\"%s\" x=\"%.1f\""
		    " y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s%s"
		    "</title></rect>\n", s->day[i], v, left + i * bw + 1,
		    top + ph - bh, bw - 2, bh, i == CENTER_STATUS_DAYS - 1 ? "#1f6fb2" :
		    "#5b9bd5", s->day[i], v, unit);
	}
	putf(p, "<text x=\"%d\" y=\"%d\">%s</text>\n", left, h - 8, s->day[0]);
	putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", w - right,
	    h - 8, s->day[CENTER_STATUS_DAYS - 1]);
	put(p, "</svg></figure>\n");
}

static void
station_row(struct page *p, const struct center_status_station *t)
{
	int attention = t->rejected > 0 || t->gaps[0] != '\0' || t->alerts > 0;

	put(p, attention ? "<tr class=\"station attention\" data-station=\"" :
	    "<tr class=\"station\" data-station=\"");
	esc(p, t->id);
	put(p, "\">\n<td class=\"id\">");
	esc(p, t->id);
	putf(p, "</td><td class=\"held\">%lld</td><td class=\"contiguous\">%lld</td>"
	    "<td class=\"highest\">%lld</td><td class=\"gaps\">", (long long)t->held,
	    (long long)t->contiguous, (long long)t->highest);
	put(p, t->gaps[0] != '\0' ? t->gaps : "none");
	putf(p, "</td><td class=\"rejected\">%lld</td><td class=\"time last-batch\">",
	    (long long)t->rejected);
	esc(p, t->last_batch);
	put(p, "</td><td class=\"time last-ack\">");
	if (t->last_ack != NULL) {
		esc(p, t->last_ack);
		putf(p, " (serial %lld)", (long long)t->ack_serial);
	} else
		put(p, "none");
	put(p, "</td>");
	if (t->alerts > 0) {
		putf(p, "<td class=\"alert audit\">ALERT (%lld): ", (long long)t->alerts);
		esc(p, t->alert);
	} else if (t->heads == 0)
		put(p, "<td class=\"audit\">no audit head received");
	else
		putf(p, "<td class=\"audit\">continuous: %lld heads, up to entry %lld",
		    (long long)t->heads, (long long)t->head_seq);
	if (t->held_revocations > 0)
		putf(p, "; %lld revocations held for an issuance not yet received",
		    (long long)t->held_revocations);
	put(p, "</td></tr>\n");
}

static void
station_rejections(struct page *p, const struct center_status_station *t)
{
	size_t i;

	if (t->nrej == 0)
		return;
	put(p, "<table class=\"rejections\" data-station=\"");
	esc(p, t->id);
	put(p, "\">\n<caption>Rejections outstanding: ");
	esc(p, t->id);
	if ((int64_t)t->nrej < t->rejected)
		putf(p, " (the first %zu of %lld)", t->nrej, (long long)t->rejected);
	put(p, "</caption>\n<tr><th>Seq</th><th>Record</th><th>Code</th><th>Reason</th>"
	    "<th>When (UTC)</th></tr>\n");
	for (i = 0; i < t->nrej; i++) {
		putf(p, "<tr class=\"rejection\"><td class=\"seq\">%lld</td><td class=\"text"
		    " record\">", (long long)t->rej[i].seq);
		esc(p, t->rej[i].record_id);
		put(p, "</td><td class=\"text code\">");
		esc(p, t->rej[i].code);
		put(p, "</td><td class=\"text reason\">");
		esc(p, t->rej[i].reason);
		put(p, "</td><td class=\"time\">");
		esc(p, t->rej[i].at);
		put(p, "</td></tr>\n");
	}
	put(p, "</table>\n");
}

static void
clinics(struct page *p, const struct center_status *s)
{
	size_t i;

	put(p, "<h2>Clinics</h2>\n");
	if (s->ncl == 0) {
		put(p, "<p id=\"no-clinics\">No clinic is registered and none asked.</p>\n");
		return;
	}
	put(p, "<table id=\"clinics\">\n<tr><th>医療機関コード</th><th>Name</th>"
	    "<th>Queries, last hour</th><th>A minute (last hour)</th>"
	    "<th>Queries, last 24 h</th><th>Refused, last 24 h</th></tr>\n");
	for (i = 0; i < s->ncl; i++) {
		const struct center_status_clinic *c = &s->cl[i];

		put(p, "<tr class=\"clinic\" data-clinic=\"");
		esc(p, c->code);
		put(p, "\"><td class=\"id\">");
		esc(p, c->code);
		put(p, "</td><td class=\"text name\">");
		if (c->name != NULL)
			esc(p, c->name);
		else
			put(p, "(not registered)");
		putf(p, "</td><td class=\"hour\">%lld</td><td class=\"per-minute\">%lld.%02lld"
		    "</td><td class=\"day\">%lld</td><td class=\"refused\">%lld</td></tr>\n",
		    (long long)c->last_hour, (long long)(c->last_hour * 100 / 60 / 100),
		    (long long)(c->last_hour * 100 / 60 % 100), (long long)c->last_day,
		    (long long)c->refused_day);
	}
	put(p, "</table>\n");
}

char *
center_status_html(const struct center_status *s)
{
	struct page p = { NULL, 0 };
	int64_t rate[CENTER_STATUS_DAYS];
	size_t i;
	int d;

	put(&p, page_head);
	putf(&p, "<h1>nhicard-center: status</h1>\n<p>As of <time id=\"now\">%s</time>"
	    " (UTC). Read only; reload for the latest. Days are UTC days.</p>\n",
	    s->now);
	put(&p, "<h2>Stations</h2>\n");
	if (s->nst == 0)
		put(&p, "<p id=\"no-stations\">No station has sent a batch yet.</p>\n");
	else {
		put(&p, "<table id=\"stations\">\n<tr><th>Station</th><th>Records held</th>"
		    "<th>Contiguous through</th><th>Highest</th><th>Gaps</th>"
		    "<th>Rejections outstanding</th><th>Last batch (UTC)</th>"
		    "<th>Last acknowledgement (UTC)</th><th>Audit history</th></tr>\n");
		for (i = 0; i < s->nst; i++)
			station_row(&p, &s->st[i]);
		put(&p, "</table>\n");
		for (i = 0; i < s->nst; i++)
			station_rejections(&p, &s->st[i]);
	}
	clinics(&p, s);

	putf(&p, "<h2>The last %d days</h2>\n", CENTER_STATUS_DAYS);
	for (d = 0; d < CENTER_STATUS_DAYS; d++) {
		int64_t all = s->records_day[d] + s->rejections_day[d];

		/* Tenths of a percent, rounded down. */
		rate[d] = all > 0 ? s->rejections_day[d] * 1000 / all : 0;
	}
	chart(&p, s, "chart queries", "Clinics' queries a day (all clinics)",
	    s->queries_day, 0, "");
	chart(&p, s, "chart rejection-rate", "Rejection rate a day (rejections per "
	    "record processed, %)", rate, 1, "%");
	for (i = 0; i < s->nst; i++) {
		char *cap = NULL;
		size_t len = 0;

		center_html_escape(&cap, &len, "Records a day: station ");
		center_html_escape(&cap, &len, s->st[i].id);
		chart(&p, s, "chart records", cap, s->st[i].records_day, 0, "");
		free(cap);
	}
	put(&p, "</body>\n</html>\n");
	return p.b;
}
