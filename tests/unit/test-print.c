/* Unit tests of the print layer: template errors, fitting rules,
 * reproducible output. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "print.h"
#include "util.h"

static const char *
templates_dir(void)
{
	static char *dir;
	const char *top = getenv("top_srcdir");

	if (dir == NULL)
		dir = xasprintf("%s/templates", top != NULL ? top : "..");
	return dir;
}

static int
parse(const char *text)
{
	struct print_template *t = NULL;
	int r;

	r = print_template_parse("t.tmpl", text, strlen(text), &t);
	print_template_free(t);
	return r;
}

#define HEAD "document certificate\npage 85.6 54\nfont g ipaexg.ttf\n"

static void
test_template_errors_name_file_line_field(void **state)
{
	static const struct { const char *text, *detail; } cases[] = {
		{ "", "t.tmpl:1: empty template" },
		{ "page 85.6 54\n", "t.tmpl:1: the first directive must be 'document TYPE'" },
		{ "document card\n", "t.tmpl:1: unknown document type 'card'" },
		{ "document certificate\nfont g x.ttf\n", "t.tmpl:2: 'font' before 'page" },
		{ "document certificate\npage 85.6\n", "t.tmpl:2: expected 'page WIDTH HEIGHT'" },
		{ "document certificate\npage 85.6 abc\n", "t.tmpl:2: page height: 'abc' is not a number" },
		{ "document certificate\ndocument sheet\n", "t.tmpl:2: document given twice" },
		{ HEAD "field nmae 1 1 10 5\n", "t.tmpl:4: field 'nmae': unknown field" },
		{ HEAD "field name 1 1 10\n", "t.tmpl:4: field 'name': expected X Y WIDTH HEIGHT" },
		{ HEAD "field name 1 1 10 x5\n", "t.tmpl:4: field 'name': height: 'x5' is not a number" },
		{ HEAD "field name 80 1 10 5\n", "t.tmpl:4: field 'name': box 80,1 10x5 mm runs off the page" },
		{ HEAD "field name 1 1 10 5 size=5\n", "t.tmpl:4: field 'name': size: 5 is out of range" },
		{ HEAD "field name 1 1 10 5 size=9 min=4\n", "t.tmpl:4: field 'name': min: 4 is out of range" },
		{ HEAD "field name 1 1 10 5 size=7 min=8\n", "t.tmpl:4: field 'name': min 8 is larger than size 7" },
		{ HEAD "field name 1 1 10 1 size=9\n", "t.tmpl:4: field 'name': box height 1 mm cannot hold" },
		{ HEAD "field name 1 1 10 5 align=middle\n", "t.tmpl:4: field 'name': align: 'middle'" },
		{ HEAD "field name 1 1 10 5 fit=clip\n", "t.tmpl:4: field 'name': fit: 'clip' is not shrink or wrap" },
		{ HEAD "field name 1 1 10 5 font=mincho\n", "t.tmpl:4: field 'name': unknown font 'mincho'" },
		{ HEAD "field name 1 1 10 5 colour=red\n", "t.tmpl:4: field 'name': unknown attribute 'colour'" },
		{ HEAD "field name 1 1 10 5 when=young\n", "t.tmpl:4: field 'name': when: unknown condition 'young'" },
		{ HEAD "field name 1 1 10 5 \"x\"\n", "t.tmpl:4: field 'name': unexpected 'x'" },
		{ HEAD "text 1 1 10 5 size=9\n", "t.tmpl:4: text: the text must come last" },
		{ HEAD "text 1 1 10 5 \"open\n", "t.tmpl:4: unterminated quote" },
		{ HEAD "text 1 1 10 5 \"\xff\"\n", "t.tmpl:4: text is not valid UTF-8" },
		{ HEAD "line 1 1 90 1\n", "t.tmpl:4: line: line runs off the page" },
		{ HEAD "box 1 1 10 5 width=0\n", "t.tmpl:4: box: width: 0 is out of range" },
		{ HEAD "side middle\n", "t.tmpl:4: side: 'middle' is not front or back" },
		{ HEAD "grid 2 5 1 1\n", "t.tmpl:4: 'grid' is only for sheet templates" },
		{ HEAD "font g other.ttf\n", "t.tmpl:4: font 'g' declared twice" },
		{ HEAD "stamp 1 1\n", "t.tmpl:4: unknown directive 'stamp'" },
		{ "document certificate\npage 85.6 54\nfield name 1 1 10 5\n",
		  "t.tmpl:3: field 'name': no font declared before it" },
		{ "document sheet\npage 210 297\n", "t.tmpl:3: a sheet template needs 'grid" },
		{ "document sheet\npage 210 297\ngrid 2 0 1 1\n", "t.tmpl:3: grid rows: 0 is out of range" },
	};
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		err_clear();
		if (parse(cases[i].text) != NHI_EPARSE)
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		if (strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: detail '%s' lacks '%s'", i, err_detail(), cases[i].detail);
	}
}

static void
test_good_template_parses(void **state)
{
	assert_int_equal(parse(HEAD
	    "# comment\n"
	    "side front\n"
	    "field name 1 1 40 6 size=11 min=7 fit=wrap align=center valign=top # trailing\n"
	    "text 1 8 40 5 size=7 font=g when=!elderly \"a \\\"quoted\\\" \\\\ text\\nline 2\"\n"
	    "line 0 0 85.6 54 width=0.5\n"
	    "box 1 1 83.6 52\n"
	    "side back\n"
	    "field serial 1 1 30 4 size=6\r\n"), 0);
}

static void
test_shipped_templates_parse(void **state)
{
	static const char *names[] = { "certificate", "sleeve", "sheet", "receipt-counter",
	    "receipt-loss" };
	struct print_template *t;
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(names); i++) {
		t = NULL;
		if (print_template_load(templates_dir(), names[i], &t) != 0)
			fail_msg("%s: %s", names[i], err_detail());
		print_template_free(t);
	}
	assert_int_equal(print_template_load(templates_dir(), "nothing", &t), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "nothing.tmpl"));
}

static void
fill(struct print_certificate *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->kind = PRINT_KIND_HIHOKENSHA;
	c->serial = xstrdup("C-00000001");
	c->symbol = xstrdup("高知12");
	c->number = xstrdup("345678");
	c->branch = xstrdup("01");
	c->name = xstrdup(name);
	c->sex = 1;
	c->birth = (struct nhi_date){ 1954, 3, 15 };
	c->head_name = xstrdup("山田 太郎");
	c->address = xstrdup("高知県高知市本町五丁目1番45号");
	c->acquired = (struct nhi_date){ 2019, 5, 1 };
	c->issued = (struct nhi_date){ 2025, 11, 24 };
	c->valid_until = (struct nhi_date){ 2026, 7, 31 };
	c->insurer_number = xstrdup("390013");
	c->insurer_name = xstrdup("高知市");
	c->burden_pct = 20;
	c->burden_from = (struct nhi_date){ 2024, 4, 1 };
}

static int
render_cert(const struct print_certificate *c, int proof, int64_t when, uint8_t **pdf,
    size_t *len, size_t *warnings)
{
	struct print_opts o = { .templates_dir = templates_dir(), .creation_time = when,
	    .proof = proof };
	struct print_job *job = NULL;
	int r;

	if ((r = print_job_new(&o, &job)) != 0)
		return r;
	if ((r = print_job_add_certificate(job, c)) == 0) {
		if (warnings != NULL)
			*warnings = print_job_warning_count(job);
		r = print_job_render(job, pdf, len);
	}
	print_job_free(job);
	return r;
}

static void
test_same_input_same_bytes(void **state)
{
	struct print_certificate c;
	uint8_t *a = NULL, *b = NULL, *d = NULL;
	size_t alen, blen, dlen;

	fill(&c, "山田 太郎");
	assert_int_equal(render_cert(&c, 0, 1764000000, &a, &alen, NULL), 0);
	assert_int_equal(render_cert(&c, 0, 1764000000, &b, &blen, NULL), 0);
	assert_int_equal(render_cert(&c, 0, 1764000001, &d, &dlen, NULL), 0);
	assert_true(alen > 1000);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_true(alen != dlen || memcmp(a, d, alen) != 0);
	assert_memory_equal(a, "%PDF-", 5);
	free(a);
	free(b);
	free(d);
	print_certificate_clear(&c);
}

static void
test_long_name_shrinks_then_refused(void **state)
{
	struct print_certificate c;
	uint8_t *pdf = NULL;
	size_t len, warnings = 0;

	/* 20 kanji: shrinks (two lines at most) and prints. */
	fill(&c, "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末");
	assert_int_equal(render_cert(&c, 0, 0, &pdf, &len, NULL), 0);
	free(pdf);
	print_certificate_clear(&c);

	/* Far too long: refused, naming the field, never clipped. */
	fill(&c, "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処"
	    "やぶら小路の藪柑子パイポパイポパイポのシューリンガンシューリンガンのグーリンダイ");
	err_clear();
	assert_int_equal(render_cert(&c, 0, 0, &pdf, &len, NULL), NHI_ERANGE);
	assert_non_null(strstr(err_detail(), "certificate.tmpl"));
	assert_non_null(strstr(err_detail(), "field 'name'"));
	assert_non_null(strstr(err_detail(), "never clipped"));
	/* The proof shows it and warns instead. */
	assert_int_equal(render_cert(&c, 1, 0, &pdf, &len, &warnings), 0);
	assert_true(warnings >= 1);
	free(pdf);
	print_certificate_clear(&c);
}

static void
test_gaiji_warns(void **state)
{
	struct print_opts o = { .templates_dir = templates_dir(), .creation_time = -1 };
	struct print_certificate c;
	struct print_job *job = NULL;
	const struct print_warning *w;

	/* Flagged at import, printable: printed, and the clerk is warned. */
	fill(&c, "髙橋 花子");
	c.name_flags = PRINT_NAME_GAIJI;
	assert_int_equal(print_job_new(&o, &job), 0);
	assert_int_equal(print_job_add_certificate(job, &c), 0);
	assert_int_equal(print_job_warning_count(job), 1);
	w = print_job_warning(job, 0);
	assert_string_equal(w->field, "name");
	assert_non_null(strstr(w->text, "外字"));
	print_job_free(job);
	print_certificate_clear(&c);

	/* U+E001, an unmapped vendor 外字, and U+20BB7 (𠮷) have no glyph:
	 * refused rather than printed blank; the proof shows and warns. */
	fill(&c, "髙橋 \xee\x80\x81子");
	assert_int_equal(print_job_new(&o, &job), 0);
	err_clear();
	assert_int_equal(print_job_add_certificate(job, &c), NHI_EENCODING);
	assert_non_null(strstr(err_detail(), "field 'name'"));
	assert_non_null(strstr(err_detail(), "U+E001"));
	print_job_free(job);
	print_certificate_clear(&c);
	fill(&c, "\xf0\xa0\xae\xb7田 太郎");
	assert_int_equal(print_job_new(&o, &job), 0);
	assert_int_equal(print_job_add_certificate(job, &c), NHI_EENCODING);
	assert_non_null(strstr(err_detail(), "U+20BB7"));
	print_job_free(job);
	o.proof = 1;
	assert_int_equal(print_job_new(&o, &job), 0);
	assert_int_equal(print_job_add_certificate(job, &c), 0);
	assert_int_equal(print_job_warning_count(job), 1);
	assert_non_null(strstr(print_job_warning(job, 0)->text, "U+20BB7"));
	print_job_free(job);
	print_certificate_clear(&c);
	o.proof = 0;

	fill(&c, "斎藤 一");
	c.head_name_flags = PRINT_NAME_GAIJI;
	assert_int_equal(print_job_new(&o, &job), 0);
	assert_int_equal(print_job_add_certificate(job, &c), 0);
	assert_int_equal(print_job_warning_count(job), 1);
	assert_string_equal(print_job_warning(job, 0)->field, "head_name");
	print_job_free(job);
	print_certificate_clear(&c);
}

static void
test_missing_font_is_config_error(void **state)
{
	struct print_opts o = { .templates_dir = templates_dir(), .font_path = "/nonexistent",
	    .creation_time = -1 };
	struct print_certificate c;
	struct print_job *job = NULL;

	/* Templates name fonts relatively: with a font path that lacks them
	 * (and the templates directory without them) the job names the
	 * template line and the font. */
	fill(&c, "山田 太郎");
	assert_int_equal(print_job_new(&o, &job), 0);
	assert_int_equal(print_job_add_certificate(job, &c), NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "certificate.tmpl:"));
	assert_non_null(strstr(err_detail(), "font 'gothic'"));
	assert_non_null(strstr(err_detail(), "ipaexg.ttf not found"));
	print_job_free(job);
	print_certificate_clear(&c);
}

static void
test_creation_date_parse(void **state)
{
	int64_t t;

	assert_int_equal(print_parse_creation_date("2025-11-24", &t), 0);
	assert_int_equal(t, 1763942400);
	assert_int_equal(print_parse_creation_date("2025-11-24T01:02:03Z", &t), 0);
	assert_int_equal(t, 1763942400 + 3723);
	assert_int_equal(print_parse_creation_date("@1700000000", &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(print_parse_creation_date("2025-13-01", &t), NHI_EPARSE);
	assert_int_equal(print_parse_creation_date("@12x", &t), NHI_EPARSE);
	assert_int_equal(print_parse_creation_date("2025-11-24T01:02:03", &t), NHI_EPARSE);
}

/* A certificate without 有効期限 is never produced, on any document. */
static void
test_no_validity_end_refused(void **state)
{
	struct print_opts o = { .templates_dir = templates_dir(), .creation_time = -1 };
	struct print_certificate c;
	struct print_job *job = NULL;

	(void)state;
	fill(&c, "山田 太郎");
	memset(&c.valid_until, 0, sizeof(c.valid_until));
	assert_int_equal(print_job_new(&o, &job), 0);
	assert_int_equal(print_job_add_certificate(job, &c), NHI_EINTERNAL);
	assert_non_null(strstr(err_detail(), "有効期限"));
	assert_int_equal(print_job_add_sleeve(job, &c), NHI_EINTERNAL);
	assert_int_equal(print_job_add_sheet(job, &c, 1), NHI_EINTERNAL);
	print_job_free(job);
	print_certificate_clear(&c);
}

/* The printer's IPP state and reasons, as the reason the clerk is told. */
static void
test_queue_state_reason(void **state)
{
	const char *none[] = { "none" };
	const char *paper[] = { "media-empty-error", "paused" };
	const char *needed[] = { "media-needed-warning" };
	const char *offline[] = { "connecting-to-device" };
	const char *paused[] = { "paused" };
	const char *nulls[] = { NULL };

	(void)state;
	assert_null(print_queue_state_reason(3, none, 1));
	assert_null(print_queue_state_reason(4, NULL, 0));
	assert_null(print_queue_state_reason(3, nulls, 1));
	assert_string_equal(print_queue_state_reason(5, none, 1), "printer.stopped");
	assert_string_equal(print_queue_state_reason(3, paused, 1), "printer.stopped");
	/* Out of paper says more than stopped. */
	assert_string_equal(print_queue_state_reason(5, paper, 2), "printer.no_paper");
	assert_string_equal(print_queue_state_reason(4, needed, 1), "printer.no_paper");
	assert_string_equal(print_queue_state_reason(4, offline, 1), "printer.unreachable");
	assert_string_equal(print_queue_state_reason(5, offline, 1), "printer.unreachable");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_errors_name_file_line_field),
		cmocka_unit_test(test_good_template_parses),
		cmocka_unit_test(test_shipped_templates_parse),
		cmocka_unit_test(test_same_input_same_bytes),
		cmocka_unit_test(test_long_name_shrinks_then_refused),
		cmocka_unit_test(test_gaiji_warns),
		cmocka_unit_test(test_no_validity_end_refused),
		cmocka_unit_test(test_missing_font_is_config_error),
		cmocka_unit_test(test_creation_date_parse),
		cmocka_unit_test(test_queue_state_reason),
	};

	return cmocka_run_group_tests_name("print", tests, NULL, NULL);
}
