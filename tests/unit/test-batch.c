/* Unit tests of the batch engine's pure parts and its item checkpoints:
 * list lines, selections, run parameters, the progress line, and item
 * state changes in a fresh store (no item changed twice). */
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

#include "batch.h"
#include "error.h"
#include "store.h"
#include "util.h"

static int
line(const char *text, struct batch_list_entry *e)
{
	memset(e, 0, sizeof(*e));
	return batch_list_parse_line("l.txt", 7, text, strlen(text), e);
}

static void
test_list_lines(void **state)
{
	struct batch_list_entry e;

	(void)state;
	assert_int_equal(line("P-0012\n", &e), 0);
	assert_string_equal(e.who, "P-0012");
	assert_string_equal(e.reason, "");
	assert_int_equal(e.line, 7);
	assert_int_equal(line("  id:42 , died   # from the register\r\n", &e), 0);
	assert_string_equal(e.who, "id:42");
	assert_int_equal(e.resident_id, 42);
	assert_string_equal(e.reason, "died");
	assert_int_equal(line("100000001,eligibility_ended", &e), 0);
	assert_string_equal(e.reason, "eligibility_ended");
	assert_int_equal(line("", &e), 1);
	assert_int_equal(line("   \t \n", &e), 1);
	assert_int_equal(line("# a comment, with a comma", &e), 1);
	assert_int_equal(line("A B", &e), NHI_EPARSE);
	assert_non_null(strstr(err_detail(), "l.txt:7:"));
	assert_int_equal(line("P1,lost", &e), NHI_EPARSE);
	assert_non_null(strstr(err_detail(), "unknown reason 'lost'"));
	assert_int_equal(line("P1,died,x", &e), NHI_EPARSE);
	assert_int_equal(line("P1,", &e), NHI_EPARSE);
	assert_int_equal(line(",died", &e), NHI_EPARSE);
	assert_int_equal(line("id:0", &e), NHI_EPARSE);
	assert_int_equal(line("id:", &e), NHI_EPARSE);
	assert_int_equal(line("id:1234567890123456789", &e), NHI_EPARSE);
	assert_int_equal(line("名前", &e), NHI_EPARSE);
	assert_int_equal(line("P1\001", &e), NHI_EPARSE);
	assert_non_null(strstr(err_detail(), "control character"));
	assert_int_equal(line("P\xff", &e), NHI_EPARSE);
	assert_non_null(strstr(err_detail(), "not UTF-8"));
	assert_int_equal(line("0123456789012345678901234567890123456789012345678901234567890123",
	    &e), NHI_EPARSE);
	/* A BOM only on line 1. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(batch_list_parse_line("l.txt", 1, "\xef\xbb\xbfP1", 5, &e), 0);
	assert_string_equal(e.who, "P1");
	assert_int_equal(batch_list_parse_line("l.txt", 2, "\xef\xbb\xbfP1", 5, &e), NHI_EPARSE);
	err_clear();
}

static void
test_selection(void **state)
{
	struct batch_selection sel;
	char *a1[] = { (char *)"all" }, *a2[] = { (char *)"district", (char *)"01" },
	    *a3[] = { (char *)"list", (char *)"f.txt" }, *a4[] = { (char *)"list" },
	    *a5[] = { (char *)"everyone" };
	char buf[64];
	int used;

	(void)state;
	assert_int_equal(batch_selection_parse(1, a1, &sel, &used), 0);
	assert_int_equal(sel.kind, BATCH_SEL_ALL);
	assert_int_equal(used, 1);
	assert_int_equal(batch_selection_parse(2, a2, &sel, &used), 0);
	assert_int_equal(sel.kind, BATCH_SEL_DISTRICT);
	assert_string_equal(sel.district, "01");
	batch_selection_format(&sel, buf, sizeof(buf));
	assert_string_equal(buf, "district 01");
	assert_int_equal(batch_selection_parse(2, a3, &sel, &used), 0);
	assert_int_equal(sel.kind, BATCH_SEL_LIST);
	assert_int_equal(used, 2);
	assert_int_equal(batch_selection_parse(1, a4, &sel, &used), NHI_EUSAGE);
	assert_int_equal(batch_selection_parse(1, a5, &sel, &used), NHI_EUSAGE);
	assert_int_equal(batch_selection_parse(0, a5, &sel, &used), NHI_EUSAGE);
	err_clear();
}

static void
test_params(void **state)
{
	char p[64] = "", v[32];

	(void)state;
	assert_int_equal(batch_param_add(p, sizeof(p), "from", "2027-08-01"), 0);
	assert_int_equal(batch_param_add(p, sizeof(p), "out", "/tmp/a b"), 0);
	assert_int_equal(batch_param_get(p, "out", v, sizeof(v)), 0);
	assert_string_equal(v, "/tmp/a b");
	assert_int_equal(batch_param_get(p, "from", v, sizeof(v)), 0);
	assert_string_equal(v, "2027-08-01");
	assert_int_equal(batch_param_get(p, "fro", v, sizeof(v)), NHI_ENOTFOUND);
	assert_int_equal(batch_param_add(p, sizeof(p), "x", "a\nb"), NHI_ERANGE);
	assert_int_equal(batch_param_add(p, sizeof(p), "long",
	    "0123456789012345678901234567890123456789"), NHI_ERANGE);
	assert_int_equal(batch_param_get(p, "long", v, sizeof(v)), NHI_ENOTFOUND);
	err_clear();
}

static void
test_progress_format(void **state)
{
	char buf[128];

	(void)state;
	batch_progress_format(buf, sizeof(buf), "renew", 300, 1200, 3.0, 60);
	/* A quarter done at 100/s: 9 s left. */
	assert_non_null(strstr(buf, "300/1200"));
	assert_non_null(strstr(buf, "100/s"));
	assert_non_null(strstr(buf, "0:09 left"));
	assert_int_equal((int)strlen(buf), 60);
	assert_memory_equal(buf, "renew [#", 8);
	batch_progress_format(buf, sizeof(buf), "renew", 0, 10, 0.0, 60);
	assert_non_null(strstr(buf, "-:-- left"));
	batch_progress_format(buf, sizeof(buf), "renew", 10, 10, 2.0, 60);
	assert_null(strchr(buf, '-'));
	/* Narrow terminals keep a bar of at least 10. */
	batch_progress_format(buf, 20, "renew", 5, 10, 1.0, 10);
	assert_true(strlen(buf) <= 19);
}

static void
test_progress_lines(void **state)
{
	struct batch_progress *pg;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int i;

	(void)state;
	assert_non_null(fp);
	pg = batch_progress_new(fp, "revoke", 25, 0, 10, 0);
	for (i = 1; i <= 25; i++)
		batch_progress_update(pg, i, i / 5);
	batch_progress_finish(pg);
	batch_progress_free(pg);
	fclose(fp);
	/* Every 10 items, then the closing line; no carriage return off a tty. */
	assert_non_null(strstr(text, "revoke: 10/25 done, 2 exceptions"));
	assert_non_null(strstr(text, "revoke: 20/25 done, 4 exceptions"));
	assert_null(strstr(text, "revoke: 15/25"));
	assert_non_null(strstr(text, "revoke: 25/25 done, 5 exceptions, in"));
	assert_null(strchr(text, '\r'));
	free(text);
	batch_progress_update(NULL, 1, 0);
	batch_progress_finish(NULL);
	batch_progress_free(NULL);
}

/* The feed's style: cards per minute over this session only. */
static void
test_progress_format_min(void **state)
{
	char buf[128];

	(void)state;
	/* 10 cards (12 handled, 2 before this feed) in a minute: 228 left at
	 * 10/min is 22 min 48 s. */
	batch_progress_format_min(buf, sizeof(buf), "preissue feed", 12, 2, 1, 240, 60.0, 80);
	assert_memory_equal(buf, "preissue feed [#", 16);
	assert_non_null(strstr(buf, "] 12/240  1 exc  10.0/min  22:48 left"));
	assert_int_equal((int)strlen(buf), 80);
	/* Only the earlier feeds' items: no rate yet, no time left. */
	batch_progress_format_min(buf, sizeof(buf), "preissue feed", 40, 40, 0, 240, 30.0, 80);
	assert_non_null(strstr(buf, " 40/240  0 exc  0.0/min  -:-- left"));
	/* One card a minute, 199 to go: hours. */
	batch_progress_format_min(buf, sizeof(buf), "preissue feed", 1, 0, 0, 200, 60.0, 80);
	assert_non_null(strstr(buf, " 1.0/min  3:19:00 left"));
	/* Slower than one a minute: 1 card in 4 minutes, 3 left: 12 minutes. */
	batch_progress_format_min(buf, sizeof(buf), "feed", 1, 0, 0, 4, 240.0, 60);
	assert_non_null(strstr(buf, " 0.2/min  12:00 left"));
	batch_progress_format_min(buf, sizeof(buf), "feed", 4, 0, 0, 4, 30.0, 60);
	assert_non_null(strstr(buf, " 4/4  0 exc  8.0/min  0:00 left"));
	assert_null(strchr(buf, '-'));
	batch_progress_format_min(buf, 20, "feed", 2, 0, 0, 4, 30.0, 10);
	assert_true(strlen(buf) <= 19);
}

static void
test_progress_feed_lines(void **state)
{
	struct batch_progress *pg;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	assert_non_null(fp);
	/* Off a terminal: a line every 2 cards counted from the base. */
	pg = batch_progress_new(fp, "preissue feed", 10, 0, 2, 0);
	batch_progress_per_minute(pg, 4);
	batch_progress_update(pg, 4, 1);
	batch_progress_update(pg, 5, 1);
	batch_progress_clear(pg);
	batch_progress_redraw(pg);
	batch_progress_update(pg, 6, 2);
	batch_progress_finish(pg);
	batch_progress_free(pg);
	fclose(fp);
	assert_null(strstr(text, "preissue feed: 4/10"));
	assert_null(strstr(text, "preissue feed: 5/10"));
	assert_non_null(strstr(text, "preissue feed: 6/10 done, 2 exceptions, "));
	assert_non_null(strstr(text, "/min\npreissue feed: 6/10 done, 2 exceptions, in "));
	assert_null(strchr(text, '\r'));
	free(text);

	/* On a terminal: the bar is erased for a line and drawn again. */
	text = NULL;
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	pg = batch_progress_new(fp, "preissue feed", 10, 1, 2, 0);
	batch_progress_per_minute(pg, 3);
	batch_progress_clear(pg);		/* nothing drawn yet: nothing */
	batch_progress_redraw(pg);
	fflush(fp);
	assert_memory_equal(text, "\rpreissue feed [", 16);
	assert_non_null(strstr(text, " 3/10  0 exc  0.0/min  -:-- left\033[K"));
	batch_progress_clear(pg);
	batch_progress_clear(pg);		/* once */
	fclose(fp);
	assert_int_equal((int)(strstr(text, "\r\033[K") - text), (int)len - 4);
	batch_progress_free(pg);
	free(text);
	batch_progress_per_minute(NULL, 1);
	batch_progress_clear(NULL);
	batch_progress_redraw(NULL);
}

static void
test_items_once(void **state)
{
	char path[] = "/tmp/test-batch-XXXXXX", dbp[64], list[64];
	struct batch_selection sel;
	struct batch_run run, again;
	struct batch_item it;
	struct store *st = NULL;
	FILE *fp;
	int fin = 0;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(dbp, sizeof(dbp), "%s/t.db", path);
	snprintf(list, sizeof(list), "%s/l.txt", path);
	assert_int_equal(store_open(dbp, STORE_CREATE, &st), 0);
	fp = fopen(list, "w");
	assert_non_null(fp);
	fputs("NOBODY-1\nNOBODY-2,died\n", fp);
	fclose(fp);
	memset(&sel, 0, sizeof(sel));
	sel.kind = BATCH_SEL_LIST;
	sel.list_path = list;
	assert_int_equal(batch_run_create(st, BATCH_KIND_REVOKE, &sel, "2026-11-25", "",
	    "tester", &run), 0);
	assert_int_equal(run.total, 2);
	assert_int_equal(run.exceptions, 2);
	assert_memory_equal(run.uid, "B-", 2);
	assert_int_equal(batch_item_get(st, 1, &it), 0);
	assert_string_equal(it.exception, BATCH_EX_NOT_FOUND);
	assert_string_equal(it.list_key, "NOBODY-1");
	/* Excepted items never change again. */
	assert_int_equal(batch_item_done(st, it.id, 0, NULL), NHI_ESTATE);
	assert_int_equal(batch_item_prepared(st, it.id, NULL, 0, "C-1", NULL), NHI_ESTATE);
	assert_int_equal(batch_item_get(st, 2, &it), 0);
	assert_string_equal(it.arg, "died");
	assert_int_equal(batch_run_finish_if_complete(st, run.id, &fin), 0);
	assert_int_equal(fin, 1);
	assert_int_equal(batch_run_find(st, run.uid, &again), 0);
	assert_string_equal(again.state, BATCH_RUN_DONE);
	assert_int_equal(batch_run_check(st, run.id, BATCH_KIND_RENEW), NHI_ESTATE);
	assert_int_equal(batch_run_cancel(st, run.id), NHI_ESTATE);
	assert_int_equal(batch_run_find(st, "B-19990101-0001", &again), NHI_ENOTFOUND);
	/* The second run of the day gets the next number. */
	assert_int_equal(batch_run_create(st, BATCH_KIND_REVOKE, &sel, "2026-11-25", "",
	    "tester", &again), 0);
	assert_int_equal(strcmp(again.uid, run.uid) > 0, 1);
	assert_string_equal(again.uid + 11, "0002");
	assert_int_equal(batch_run_create(st, "bogus", &sel, "2026-11-25", "", NULL, &again),
	    NHI_EUSAGE);
	store_close(st);
	unlink(dbp);
	unlink(list);
	rmdir(path);
	err_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_lines),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_progress_format),
		cmocka_unit_test(test_progress_lines),
		cmocka_unit_test(test_progress_format_min),
		cmocka_unit_test(test_progress_feed_lines),
		cmocka_unit_test(test_items_once),
	};

	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
