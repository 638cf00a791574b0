/*
 * print-docs.c: the printed documents: the card-size certificate, the
 * sleeve insert, the A4 imposition sheet with crop marks, and the receipts.
 * Each turns its input struct into field values and conditions and lets
 * the engine (print-job.c) draw the document's template.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "print-int.h"
#include "rules.h"
#include "util.h"

static const struct {
	const char	*name;
	const char	*title;
	const char	*note;		/* printed on the back (field kind_note) */
	const char	*noun;		/* how the back names the document */
} kinds[] = {
	[PRINT_KIND_HIHOKENSHA] = { "hihokensha", "国民健康保険被保険者証", NULL, "この証" },
	[PRINT_KIND_TANKI] = { "tanki", "国民健康保険被保険者証（短期）",
	    "この証は有効期限の短い被保険者証です。期限が過ぎる前に窓口で更新してください。",
	    "この証" },
	[PRINT_KIND_SHIKAKU_SHOMEI] = { "shikaku_shomei", "国民健康保険被保険者資格証明書",
	    "医療機関の窓口では医療費をいったん全額お支払いください。後日、申請により保険給付分を払い戻します。",
	    "この証明書" },
	[PRINT_KIND_KAKUNIN] = { "kakunin", "国民健康保険資格確認書", NULL, "この確認書" },
};

/*
 * 注意事項 on the back, naming the document as it is (この証, この証明書,
 * この確認書): a change is reported (届け出), the document is returned only
 * when NHI ends. The one place this wording lives (docs/templates.md).
 */
static char *
notes_text(enum print_cert_kind k)
{
	const char *n = kinds[k].noun;

	return xasprintf("一　受診の際は、%sを医療機関の窓口に出してください。\n"
	    "二　住所・氏名・世帯主などが変わったときは、14日以内に届け出てください。\n"
	    "三　国民健康保険の資格がなくなったときは、%sを返してください。\n"
	    "四　%sを他人に貸したり、不正に使ったりすると、法律により罰せられます。",
	    n, n, n);
}

static enum rules_cert_kind
rules_kind_of(enum print_cert_kind k)
{
	switch (k) {
	case PRINT_KIND_TANKI:		return RULES_CERT_SHORT;
	case PRINT_KIND_SHIKAKU_SHOMEI:	return RULES_CERT_SHIKAKU;
	case PRINT_KIND_KAKUNIN:	return RULES_CERT_KAKUNIN;
	default:			return RULES_CERT_REGULAR;
	}
}

int
print_cert_kind_parse(const char *s, enum print_cert_kind *out)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(kinds); i++) {
		if (strcmp(kinds[i].name, s) == 0) {
			*out = (enum print_cert_kind)i;
			return 0;
		}
	}
	return err_set(NHI_EPARSE, "unknown certificate kind '%s' (hihokensha, tanki,"
	    " shikaku_shomei, kakunin)", s);
}

const char *
print_cert_kind_name(enum print_cert_kind kind)
{
	return (size_t)kind < NHI_ARRAY_LEN(kinds) ? kinds[kind].name : "?";
}

const char *
print_cert_kind_title(enum print_cert_kind kind)
{
	return (size_t)kind < NHI_ARRAY_LEN(kinds) ? kinds[kind].title : "?";
}

void
print_certificate_clear(struct print_certificate *c)
{
	if (c == NULL)
		return;
	free(c->serial);
	free(c->symbol);
	free(c->number);
	free(c->branch);
	free(c->name);
	free(c->head_name);
	free(c->address);
	free(c->insurer_number);
	free(c->insurer_name);
	memset(c, 0, sizeof(*c));
}

void
print_receipt_clear(struct print_receipt *r)
{
	if (r == NULL)
		return;
	free(r->office);
	free(r->name);
	free(r->actions);
	free(r->card_serial);
	free(r->cert_serial);
	free(r->next_steps);
	memset(r, 0, sizeof(*r));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* A date in era form ("令和7年11月24日"), or NULL when absent. */
static int
era_value(const struct nhi_date *d, const char *field, char **out)
{
	char buf[ERA_FORMAT_MAX];
	int r;

	*out = NULL;
	if (d->y == 0)
		return 0;
	if ((r = era_format(d, 0, buf, sizeof(buf))) != 0)
		return err_wrap(r, "%s: ", field);
	*out = xstrdup(buf);
	return 0;
}

static int
cert_values(struct print_job *job, const struct print_certificate *c, struct print_values *v)
{
	static const struct {
		const char			*field;
		size_t				 off;
	} dates[] = {
		{ "birth", offsetof(struct print_certificate, birth) },
		{ "acquired", offsetof(struct print_certificate, acquired) },
		{ "issued", offsetof(struct print_certificate, issued) },
		{ "valid_until", offsetof(struct print_certificate, valid_until) },
		{ "burden_from", offsetof(struct print_certificate, burden_from) },
	};
	const char *sex;
	char *s;
	size_t i;
	int r;

	if ((size_t)c->kind >= NHI_ARRAY_LEN(kinds))
		return err_set(NHI_EINTERNAL, "certificate kind %d unknown", (int)c->kind);
	/* Every path computes 有効期限 with the rules (flow_certificate_rules):
	 * a document without one is never produced. */
	if (c->valid_until.y == 0)
		return err_set(NHI_EINTERNAL, "certificate %s has no validity end (有効期限):"
		    " the rules must give one", c->serial != NULL ? c->serial : "(proof)");
	/* Ages 70-74 with a burden ratio: 被保険者証兼高齢受給者証 (rules). */
	print_values_add(v, "title", xstrdup(c->burden_pct > 0 ?
	    rules_cert_kind_title(rules_kind_of(c->kind), 1) : kinds[c->kind].title), 0);
	print_values_add(v, "kind_note", dup_or_null(kinds[c->kind].note), 0);
	print_values_add(v, "notes", notes_text(c->kind), 0);
	print_values_add(v, "serial", dup_or_null(c->serial), 0);
	print_values_add(v, "symbol", dup_or_null(c->symbol), 0);
	print_values_add(v, "number", dup_or_null(c->number), 0);
	print_values_add(v, "branch", dup_or_null(c->branch), 0);
	print_values_add(v, "name", dup_or_null(c->name), (c->name_flags & PRINT_NAME_GAIJI) != 0);
	print_values_add(v, "head_name", dup_or_null(c->head_name),
	    (c->head_name_flags & PRINT_NAME_GAIJI) != 0);
	print_values_add(v, "address", dup_or_null(c->address), 0);
	print_values_add(v, "insurer_number", dup_or_null(c->insurer_number), 0);
	print_values_add(v, "insurer_name", dup_or_null(c->insurer_name), 0);
	sex = c->sex == 1 ? "男" : c->sex == 2 ? "女" : NULL;
	print_values_add(v, "sex", dup_or_null(sex), 0);
	for (i = 0; i < NHI_ARRAY_LEN(dates); i++) {
		const struct nhi_date *d = (const void *)((const char *)c + dates[i].off);

		if ((r = era_value(d, dates[i].field, &s)) != 0)
			return r;
		print_values_add(v, dates[i].field, s, 0);
	}
	if (c->burden_pct > 0) {
		print_values_add(v, "burden", xasprintf("%d割", c->burden_pct / 10), 0);
		print_values_cond(v, "elderly");
	}
	if (c->branch != NULL && *c->branch != '\0')
		print_values_cond(v, "branch");
	if (c->valid_until.y != 0)
		print_values_cond(v, "valid_until");
	print_values_cond(v, c->sex_on_back ? "sex_back" : "sex_front");
	print_values_cond(v, kinds[c->kind].name);
	if (print_job_proof(job))
		print_values_cond(v, "proof");
	return 0;
}

/* Front and back of one card-size document (certificate or sleeve). */
static int
add_card(struct print_job *job, const char *tmpl_name, const struct print_certificate *c)
{
	const struct print_template *t;
	struct print_values v = { 0 };
	char *ref = NULL;
	int r;

	if ((r = print_job_template(job, tmpl_name, &t)) != 0)
		return r;
	ref = xasprintf("%s %s", tmpl_name, c->serial != NULL ? c->serial : "(proof)");
	v.ref = ref;
	if ((r = cert_values(job, c, &v)) != 0 ||
	    (r = print_job_page_new(job, t->page_w, t->page_h)) != 0 ||
	    (r = print_job_draw(job, t, TMPL_FRONT, 0, 0, &v)) != 0 ||
	    (r = print_job_page_new(job, t->page_w, t->page_h)) != 0 ||
	    (r = print_job_draw(job, t, TMPL_BACK, 0, 0, &v)) != 0)
		goto out;
	r = 0;
out:
	print_values_clear(&v);
	free(ref);
	return r;
}

int
print_job_add_certificate(struct print_job *job, const struct print_certificate *c)
{
	return add_card(job, "certificate", c);
}

int
print_job_add_sleeve(struct print_job *job, const struct print_certificate *c)
{
	return add_card(job, "sleeve", c);
}

int
print_job_add_notice(struct print_job *job, const struct print_certificate *c)
{
	return add_card(job, "notice", c);
}

/* Crop marks around a card at (x, y) of w x h on the sheet: short lines in
 * the margin and gaps, never reaching into a neighbouring card. */
static void
crop_marks(struct print_job *job, const struct print_template *s, double x, double y,
    double w, double h, double room_l, double room_r, double room_t, double room_b)
{
	double off = s->crop_off, len = s->crop_len, l;

	if (len <= 0)
		return;
#define MARK_LEN(room) ((room) - off < len ? (room) - off : len)
	if ((l = MARK_LEN(room_l)) > 0) {
		print_job_line(job, x - off - l, y, x - off, y, 0.25);
		print_job_line(job, x - off - l, y + h, x - off, y + h, 0.25);
	}
	if ((l = MARK_LEN(room_r)) > 0) {
		print_job_line(job, x + w + off, y, x + w + off + l, y, 0.25);
		print_job_line(job, x + w + off, y + h, x + w + off + l, y + h, 0.25);
	}
	if ((l = MARK_LEN(room_t)) > 0) {
		print_job_line(job, x, y - off - l, x, y - off, 0.25);
		print_job_line(job, x + w, y - off - l, x + w, y - off, 0.25);
	}
	if ((l = MARK_LEN(room_b)) > 0) {
		print_job_line(job, x, y + h + off, x, y + h + off + l, 0.25);
		print_job_line(job, x + w, y + h + off, x + w, y + h + off + l, 0.25);
	}
#undef MARK_LEN
}

/* One sheet side: the cards [first, first+count) on the grid; backs are
 * mirrored left-right so they land behind their fronts in long-edge duplex. */
static int
sheet_side(struct print_job *job, const struct print_template *s,
    const struct print_template *card, const struct print_certificate *certs,
    size_t first, size_t count, enum tmpl_side side, int page_no, int pages)
{
	struct print_values sv = { 0 }, v;
	double gw, gh, mx, my, x, y;
	size_t i;
	int r, col, row;

	gw = s->cols * card->page_w + (s->cols - 1) * s->gap_x;
	gh = s->rows * card->page_h + (s->rows - 1) * s->gap_y;
	mx = (s->page_w - gw) / 2;
	my = (s->page_h - gh) / 2;
	if ((r = print_job_page_new(job, s->page_w, s->page_h)) != 0)
		return r;
	print_values_add(&sv, "page", xasprintf("%d", page_no), 0);
	print_values_add(&sv, "pages", xasprintf("%d", pages), 0);
	if (print_job_proof(job))
		print_values_cond(&sv, "proof");
	r = print_job_draw(job, s, side, 0, 0, &sv);
	print_values_clear(&sv);
	if (r != 0)
		return r;
	for (i = 0; i < count; i++) {
		char *ref;

		col = (int)(i % (size_t)s->cols);
		row = (int)(i / (size_t)s->cols);
		if (side == TMPL_BACK)
			col = s->cols - 1 - col;
		x = mx + col * (card->page_w + s->gap_x);
		y = my + row * (card->page_h + s->gap_y);
		crop_marks(job, s, x, y, card->page_w, card->page_h,
		    col == 0 ? mx : s->gap_x / 2, col == s->cols - 1 ? mx : s->gap_x / 2,
		    row == 0 ? my : s->gap_y / 2, row == s->rows - 1 ? my : s->gap_y / 2);
		memset(&v, 0, sizeof(v));
		ref = xasprintf("certificate %s",
		    certs[first + i].serial != NULL ? certs[first + i].serial : "(proof)");
		v.ref = ref;
		if ((r = cert_values(job, &certs[first + i], &v)) == 0)
			r = print_job_draw(job, card, side, x, y, &v);
		print_values_clear(&v);
		free(ref);
		if (r != 0)
			return r;
	}
	return 0;
}

int
print_job_add_sheet(struct print_job *job, const struct print_certificate *certs, size_t n)
{
	const struct print_template *s, *card;
	size_t per, first, count;
	int r, page_no, pages;

	if ((r = print_job_template(job, "sheet", &s)) != 0 ||
	    (r = print_job_template(job, "certificate", &card)) != 0)
		return r;
	if (s->cols * card->page_w + (s->cols - 1) * s->gap_x > s->page_w ||
	    s->rows * card->page_h + (s->rows - 1) * s->gap_y > s->page_h)
		return err_set(NHI_ECONFIG, "template %s: grid of %d x %d cards of %g x %g mm"
		    " does not fit the page of %g x %g mm", s->file, s->cols, s->rows,
		    card->page_w, card->page_h, s->page_w, s->page_h);
	per = (size_t)s->cols * (size_t)s->rows;
	pages = (int)((n + per - 1) / per) * 2;
	page_no = 1;
	for (first = 0; first < n; first += per) {
		count = n - first < per ? n - first : per;
		if ((r = sheet_side(job, s, card, certs, first, count, TMPL_FRONT, page_no++,
		    pages)) != 0 ||
		    (r = sheet_side(job, s, card, certs, first, count, TMPL_BACK, page_no++,
		    pages)) != 0)
			return r;
	}
	return 0;
}

static int
template_has_back(const struct print_template *t)
{
	size_t i;

	for (i = 0; i < t->nitems; i++)
		if (t->items[i].side == TMPL_BACK)
			return 1;
	return 0;
}

int
print_job_add_receipt(struct print_job *job, const struct print_receipt *rc)
{
	const struct print_template *t;
	struct print_values v = { 0 };
	char *s;
	int r;

	if ((r = print_job_template(job, rc->kind == PRINT_RECEIPT_LOSS ? "receipt-loss" :
	    "receipt-counter", &t)) != 0)
		return r;
	v.ref = "receipt";
	if ((r = era_value(&rc->date, "date", &s)) != 0)
		goto out;
	print_values_add(&v, "date", s, 0);
	print_values_add(&v, "office", dup_or_null(rc->office), 0);
	print_values_add(&v, "name", dup_or_null(rc->name), (rc->name_flags & PRINT_NAME_GAIJI) != 0);
	print_values_add(&v, "actions", dup_or_null(rc->actions), 0);
	print_values_add(&v, "card_serial", dup_or_null(rc->card_serial), 0);
	print_values_add(&v, "cert_serial", dup_or_null(rc->cert_serial), 0);
	print_values_add(&v, "next_steps", dup_or_null(rc->next_steps), 0);
	if (rc->card_serial != NULL && *rc->card_serial != '\0')
		print_values_cond(&v, "card_serial");
	if (rc->cert_serial != NULL && *rc->cert_serial != '\0')
		print_values_cond(&v, "cert_serial");
	if (print_job_proof(job))
		print_values_cond(&v, "proof");
	if ((r = print_job_page_new(job, t->page_w, t->page_h)) != 0 ||
	    (r = print_job_draw(job, t, TMPL_FRONT, 0, 0, &v)) != 0)
		goto out;
	if (template_has_back(t) &&
	    ((r = print_job_page_new(job, t->page_w, t->page_h)) != 0 ||
	    (r = print_job_draw(job, t, TMPL_BACK, 0, 0, &v)) != 0))
		goto out;
	r = 0;
out:
	print_values_clear(&v);
	return r;
}
