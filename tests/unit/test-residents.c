/* Unit tests of the residents store API: imports through the store,
 * counter enrolment and the four-item merge, searches, eligibility. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "extract.h"
#include "import.h"
#include "queue.h"
#include "store.h"
#include "text.h"
#include "util.h"

#include "store-fixture.h"

/* Import CSV lines (UTF-8) in one import; outcomes into out[]. */
static void
import_lines(struct store *st, const char *const *lines, size_t n,
    struct store_import_result *out)
{
	struct extract_parser *p = NULL;
	struct store_import *im = NULL;
	struct extract_record rec;
	struct extract_error err;
	size_t i;

	assert_int_equal(extract_parser_new(EXTRACT_CSV, TEXT_ENC_UTF8, &p), 0);
	assert_int_equal(store_import_begin(st, &im), 0);
	for (i = 0; i < n; i++) {
		if (extract_parse_line(p, lines[i], strlen(lines[i]), &rec, &err) != 0)
			fail_msg("line %zu: %s: %s", i + 1, err.field, err.reason);
		assert_int_equal(store_import_apply(im, &rec, "t.csv", i + 1, 0, &out[i]), 0);
		extract_record_clear(&rec);
	}
	assert_int_equal(store_import_commit(im), 0);
	store_import_free(im);
	extract_parser_free(p);
}

#define P1 "FULL,2024-04-01,1001,501,1,山田 太郎,ヤマダ タロウ,1960-05-01,1,本山町本山1番地,,,,," \
	"390013,01,000501,01,1,,2010-04-01,,2025-07-31,,,0"
#define P2 "FULL,2024-04-01,1002,501,0,山田 花子,ﾔﾏﾀﾞ ﾊﾅｺ,1962-08-10,2,本山町本山1番地,,,,," \
	"390013,01,000501,02,1,,2010-04-01,,2025-07-31,,,0"

#define P3 "FULL,2024-04-01,1003,502,1,佐藤\xe3\x80\x80翔太,サトウ ショウタ,1990-01-02,1,本山町本山2番地,,,,," \
	"390013,01,000502,01,1,,2010-04-01,,2025-07-31,,,0"

/* The person codes found by searching kanji `kanji` (or else 記号 `symbol`
 * and 番号 `number`), in order, joined by ',' into buf. */
static const char *
found(struct store *st, const char *kanji, const char *symbol, const char *number,
    char *buf, size_t cap)
{
	struct resident_query q = { 0 };
	struct resident *list = NULL;
	size_t n, i, o = 0;

	q.kanji_prefix = kanji;
	q.symbol = symbol;
	q.number = number;
	assert_int_equal(store_resident_search(st, &q, 10, &list, &n), 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i > 0 ? "," : "",
		    list[i].person_code);
	store_resident_list_free(list, n);
	return buf;
}

/* A given name alone and a 記号番号 without leading zeros, each on an index
 * (no row stepped over in a full scan), with 山田 太郎 (1001), 山田 花子
 * (1002) and 佐藤　翔太 (1003, a full-width blank) stored. */
static void
search_given_and_number(struct store *st)
{
	static const char *const lines[] = { P3 };
	struct store_import_result res[1];
	char b[64];

	import_lines(st, lines, 1, res);
	assert_int_equal(res[0].outcome, STORE_IMPORT_NEW);
	assert_int_equal(store_search_fullscan_steps(st), 0);
	assert_string_equal(found(st, "翔太", NULL, NULL, b, sizeof(b)), "1003");
	assert_string_equal(found(st, "花子", NULL, NULL, b, sizeof(b)), "1002");
	/* The start of the given name, not any part of the name. */
	assert_string_equal(found(st, "太", NULL, NULL, b, sizeof(b)), "1001");
	assert_string_equal(found(st, "田", NULL, NULL, b, sizeof(b)), "");
	assert_string_equal(found(st, "山田", NULL, NULL, b, sizeof(b)), "1001,1002");
	assert_string_equal(found(st, "佐藤翔", NULL, NULL, b, sizeof(b)), "1003");
	/* 2-502 finds 01-000502; zeros inside the number count. */
	assert_string_equal(found(st, NULL, "1", "502", b, sizeof(b)), "1003");
	assert_string_equal(found(st, NULL, "001", "0000502", b, sizeof(b)), "1003");
	assert_string_equal(found(st, NULL, "1", "52", b, sizeof(b)), "");
	assert_string_equal(found(st, NULL, NULL, "501", b, sizeof(b)), "1001,1002");
	assert_string_equal(found(st, NULL, "2", "501", b, sizeof(b)), "");
	assert_int_equal(store_search_fullscan_steps(st), 0);
	/* The one search that scans, which shows the count counts. */
	assert_string_equal(found(st, NULL, "01", NULL, b, sizeof(b)), "1003,1001,1002");
	assert_true(store_search_fullscan_steps(st) > 0);
}

static void
test_import_get_search(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = { P1, P2 };
	struct store_import_result res[2];
	struct resident r, *list = NULL;
	struct resident_query q = { 0 };
	struct eligibility e;
	struct text_basic_items b;
	char *head = NULL;
	size_t n;

	import_lines(f->st, lines, 2, res);
	assert_int_equal(res[0].outcome, STORE_IMPORT_NEW);
	assert_int_equal(res[1].outcome, STORE_IMPORT_NEW);
	assert_int_equal(store_resident_find_by_code(f->st, "1002", &r), 0);
	assert_string_equal(r.name_kana, "ﾔﾏﾀﾞ ﾊﾅｺ");
	assert_string_equal(r.name_kana_norm, "ヤマダハナコ");
	assert_true(r.name_flags & STORE_NAME_HALFWIDTH);
	assert_int_equal(store_household_head_name(f->st, r.household_id, &head), 0);
	assert_string_equal(head, "山田 太郎");
	free(head);
	assert_int_equal(store_eligibility_current(f->st, r.id, "2024-04-01", &e), 0);
	assert_string_equal(e.number, "000501");
	assert_string_equal(e.branch, "02");
	assert_int_equal(store_eligibility_current(f->st, r.id, "2009-01-01", &e), NHI_ENOTFOUND);
	assert_int_equal(store_resident_basic_items(f->st, r.id, &b), 0);
	assert_string_equal(b.name, "山田花子");
	assert_string_equal(b.address, "本山町本山1");
	text_basic_items_free(&b);
	store_resident_free(&r);

	/* Kana prefix: any width, hiragana or katakana. */
	q.kana_prefix = "やまだ";
	assert_int_equal(store_resident_search(f->st, &q, 10, &list, &n), 0);
	assert_int_equal(n, 2);
	store_resident_list_free(list, n);
	q.kana_prefix = "ﾔﾏﾀﾞﾊ";
	assert_int_equal(store_resident_search(f->st, &q, 10, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].person_code, "1002");
	store_resident_list_free(list, n);
	memset(&q, 0, sizeof(q));
	q.symbol = "01";
	q.number = "000501";
	assert_int_equal(store_resident_search(f->st, &q, 10, &list, &n), 0);
	assert_int_equal(n, 2);
	store_resident_list_free(list, n);
	memset(&q, 0, sizeof(q));
	assert_int_equal(store_resident_search(f->st, &q, 10, &list, &n), NHI_EUSAGE);
	search_given_and_number(f->st);

	/* Importing the same lines again changes nothing. */
	import_lines(f->st, lines, 2, res);
	assert_int_equal(res[0].outcome, STORE_IMPORT_UNCHANGED);
	assert_int_equal(res[1].outcome, STORE_IMPORT_UNCHANGED);
}

static void
test_counter_merge_and_conflict(void **state)
{
	struct fixture *f = *state;
	struct resident add = { 0 }, dup = { 0 }, got;
	struct store_import_result res[1];
	static const char *const same[] = {
		"MOVE_IN,2024-05-01,3001,701,1,鈴木 一郎,スズキ イチロウ,1980-01-02,1,"
		"本山町本山５番地,,,,,,,,,,,,,,,,"
	};
	static const char *const partial[] = {
		"MOVE_IN,2024-05-01,3002,702,1,佐藤 二郎,サトウ ジロウ,1981-02-03,1,"
		"本山町吉野9番地,,,,,,,,,,,,,,,,"
	};
	int64_t n;

	add.name_kanji = (char *)"鈴木　一郎";
	add.name_kana = (char *)"すずき いちろう";
	snprintf(add.birth_date, sizeof(add.birth_date), "1980-01-02");
	add.sex = 1;
	add.address = (char *)"本山町本山5";
	add.household_code = (char *)"";
	assert_int_equal(store_resident_add(f->st, &add), 0);
	/* The same four items at the counter again: refused, named. */
	dup = add;
	assert_int_equal(store_resident_add(f->st, &dup), NHI_EEXISTS);
	assert_non_null(strstr(err_detail(), "already has the same name"));
	/* The extract brings the person: merged, not duplicated. */
	import_lines(f->st, same, 1, res);
	assert_int_equal(res[0].outcome, STORE_IMPORT_MERGED);
	assert_int_equal(res[0].resident_id, add.id);
	assert_int_equal(store_count(f->st, "residents", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_resident_get(f->st, add.id, &got), 0);
	assert_string_equal(got.person_code, "3001");
	store_resident_free(&got);

	/* A partial match (name and birth date agree, address differs). */
	memset(&add, 0, sizeof(add));
	add.name_kanji = (char *)"佐藤 二郎";
	add.name_kana = (char *)"サトウ ジロウ";
	snprintf(add.birth_date, sizeof(add.birth_date), "1981-02-03");
	add.sex = 1;
	add.address = (char *)"本山町本山9番地";
	add.household_code = (char *)"";
	assert_int_equal(store_resident_add(f->st, &add), 0);
	import_lines(f->st, partial, 1, res);
	assert_int_equal(res[0].outcome, STORE_IMPORT_HELD);
	assert_non_null(strstr(res[0].reason, "differs in address"));
	assert_int_equal(store_count(f->st, "residents", &n), 0);
	assert_int_equal(n, 2);
}

static void
test_eligibility_history(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = { P1 };
	struct store_import_result res[1];
	struct eligibility e, *list = NULL;
	int64_t rid;
	size_t n;

	import_lines(f->st, lines, 1, res);
	rid = res[0].resident_id;
	assert_int_equal(store_eligibility_current(f->st, rid, "2024-04-01", &e), 0);
	/* A correction supersedes, never overwrites. */
	snprintf(e.number, sizeof(e.number), "000999");
	snprintf(e.source, sizeof(e.source), "correction");
	int64_t old = e.id;
	assert_int_equal(queue_eligibility_add(f->st, &e, old), 0);
	assert_int_equal(queue_eligibility_add(f->st, &e, old), NHI_ESTATE);
	assert_int_equal(store_eligibility_list(f->st, rid, 1, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].superseded_by, list[1].id);
	assert_string_equal(list[0].number, "000501");
	free(list);
	assert_int_equal(store_eligibility_current(f->st, rid, NULL, &e), 0);
	assert_string_equal(e.number, "000999");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_get_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_merge_and_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eligibility_history, setup, teardown),
	};

	return cmocka_run_group_tests_name("residents", tests, NULL, NULL);
}
