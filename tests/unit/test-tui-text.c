/*
 * Unit tests of the clerk's screen's text layout (tui-text.c): widths by
 * terminal columns (full-width kana and kanji two, half-width kana one),
 * cutting and padding, drawing into a curses window; how search text is
 * read (tui-search.h); and a text for every flow step id.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui-int.h"
#include "tui-search.h"

static int
setup(void **state)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return -1;
	return 0;
}

static void
test_width(void **state)
{
	assert_int_equal(tui_text_width(""), 0);
	assert_int_equal(tui_text_width("abc"), 3);
	assert_int_equal(tui_text_width("山田"), 4);
	assert_int_equal(tui_text_width("ヤマダ タロウ"), 13);
	/* Half-width kana: one column each, the voiced mark too. */
	assert_int_equal(tui_text_width("ﾔﾏﾀﾞ"), 4);
	assert_int_equal(tui_text_width("山田ﾀﾛｳ"), 7);
	/* Full-width digits and the ideographic space are wide. */
	assert_int_equal(tui_text_width("１２"), 4);
	assert_int_equal(tui_text_width("山\xe3\x80\x80田"), 6);
	/* A byte that is not UTF-8 counts one column. */
	assert_int_equal(tui_text_width("a\xff" "b"), 3);
	assert_int_equal(tui_text_width("\xe5\xb1"), 2);
}

static void
check_fit(const char *in, int cols, const char *want)
{
	char buf[256];

	tui_fit(buf, sizeof(buf), in, cols);
	assert_string_equal(buf, want);
	assert_int_equal(tui_text_width(buf), cols);
}

static void
test_fit(void **state)
{
	check_fit("ab", 4, "ab  ");
	check_fit("山田", 4, "山田");
	check_fit("山田", 6, "山田  ");
	/* Cut: the last column shows the mark. */
	check_fit("山田太郎", 5, "山田…");
	/* A wide character that would straddle the end leaves a blank. */
	check_fit("山田太郎", 6, "山田… ");
	check_fit("abcdef", 4, "abc…");
	check_fit("ﾔﾏﾀﾞﾀﾛｳ", 5, "ﾔﾏﾀﾞ…");
	check_fit("ﾔﾏﾀﾞﾀﾛｳ", 7, "ﾔﾏﾀﾞﾀﾛｳ");
	check_fit("", 3, "   ");
	check_fit("山", 1, "…");
}

static void
test_fit_small_buffer(void **state)
{
	char buf[5];

	/* Never past the buffer: "山田" is 6 bytes. */
	tui_fit(buf, sizeof(buf), "山田", 4);
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(buf, "山");
}

/* The text of row 0 of w, wide characters once. */
static void
row_text(WINDOW *w, int cols, char *out, size_t cap)
{
	cchar_t cc;
	wchar_t wch[CCHARW_MAX + 1];
	attr_t attrs;
	short pair;
	size_t off = 0;
	int x;

	for (x = 0; x < cols; x++) {
		char mb[8];
		int n;

		assert_int_equal(mvwin_wch(w, 0, x, &cc), OK);
		assert_int_equal(getcchar(&cc, wch, &attrs, &pair, NULL), OK);
		n = (int)wcrtomb(mb, wch[0], NULL);
		assert_true(n > 0 && off + (size_t)n < cap);
		memcpy(out + off, mb, (size_t)n);
		off += (size_t)n;
		if (wcwidth(wch[0]) == 2)
			x++;
	}
	out[off] = '\0';
}

static void
test_put(void **state)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	WINDOW *w;
	char text[256];

	assert_non_null(out);
	assert_non_null(in);
	setenv("COLUMNS", "80", 1);
	setenv("LINES", "24", 1);
	scr = newterm("xterm", out, in);
	assert_non_null(scr);
	w = newwin(1, 12, 0, 0);
	assert_int_equal(tui_put(w, 0, 0, 12, "山田 太郎"), 9);
	row_text(w, 12, text, sizeof(text));
	assert_string_equal(text, "山田 太郎   ");
	werase(w);
	assert_int_equal(tui_put(w, 0, 0, 6, "寿限無寿限無"), 5);
	row_text(w, 12, text, sizeof(text));
	assert_string_equal(text, "寿限…       ");
	werase(w);
	assert_int_equal(tui_put(w, 0, 2, 8, "ｽｽﾞｷ ｲﾁﾛｳ"), 8);
	row_text(w, 12, text, sizeof(text));
	assert_string_equal(text, "  ｽｽﾞｷ ｲﾁ…  ");
	assert_int_equal(tui_put(w, 0, 0, 0, "x"), 0);
	delwin(w);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

static void
check_search(const char *text, enum tui_search_kind kind, const char *arg,
    const char *number)
{
	char a[128], n[128];

	assert_int_equal(tui_search_classify(text, a, sizeof(a), n, sizeof(n)), kind);
	assert_string_equal(a, arg);
	assert_string_equal(n, number);
}

static void
test_search_classify(void **state)
{
	check_search("1980-04-01", TUI_SEARCH_BIRTH, "1980-04-01", "");
	check_search("19800401", TUI_SEARCH_BIRTH, "1980-04-01", "");
	check_search("昭和55年4月1日", TUI_SEARCH_BIRTH, "1980-04-01", "");
	check_search("S55.4.1", TUI_SEARCH_BIRTH, "1980-04-01", "");
	check_search("令和元年5月1日", TUI_SEARCH_BIRTH, "2019-05-01", "");
	check_search("ﾔﾏﾀﾞ", TUI_SEARCH_KANA, "ﾔﾏﾀﾞ", "");
	check_search("やまだ たろう", TUI_SEARCH_KANA, "やまだ たろう", "");
	check_search("ヤマダ", TUI_SEARCH_KANA, "ヤマダ", "");
	check_search("山田", TUI_SEARCH_KANJI, "山田", "");
	check_search("12-345", TUI_SEARCH_SYMBOL, "12", "345");
	check_search("A1-7", TUI_SEARCH_SYMBOL, "A1", "7");
	/* The forms a clerk types (issue 15): slashes, era letters without
	 * padding, full-width digits. */
	check_search("1980/04/01", TUI_SEARCH_BIRTH, "1980-04-01", "");
	check_search("S20.10.03", TUI_SEARCH_BIRTH, "1945-10-03", "");
	check_search("昭和20年10月3日", TUI_SEARCH_BIRTH, "1945-10-03", "");
	check_search("H1.1.8", TUI_SEARCH_BIRTH, "1989-01-08", "");
	check_search("R1.5.1", TUI_SEARCH_BIRTH, "2019-05-01", "");
	check_search("１９８０－０４－０１", TUI_SEARCH_BIRTH, "1980-04-01", "");
	/* A date's shape but no such day is an error, never a name search
	 * (it used to search the name "1980-02-30" and find nobody). */
	check_search("1980-02-30", TUI_SEARCH_BAD_DATE, "1980-02-30", "");
	check_search("S64.1.8", TUI_SEARCH_BAD_DATE, "S64.1.8", "");
	check_search("H31.5.1", TUI_SEARCH_BAD_DATE, "H31.5.1", "");
	/* Not a date: a symbol-number or a name. */
	check_search("12-345", TUI_SEARCH_SYMBOL, "12", "345");
	check_search("S1-7", TUI_SEARCH_SYMBOL, "S1", "7");
	check_search("-5", TUI_SEARCH_KANJI, "-5", "");
	check_search("Smith", TUI_SEARCH_KANJI, "Smith", "");
}

static void
test_step_texts(void **state)
{
	/* Every step id flow.h and card-perso.h name has the clerk's text. */
	static const char *const ids[] = {
		"resident", "rules", "queue", "card", "lifecycle", "report",
		"certificate", "receipt", "revoke", "replace", "send",
		"card.recognize", "card.match", "card.decide", "card.open_channel",
		"card.put_key", "card.delete_old", "card.create_town",
		"card.create_nhi", "card.generate_key", "card.put_record",
		"card.activate", "card.read_back", "card.challenge", "card.record",
	};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *t = tui_step_text(ids[i]);

		assert_non_null(t);
		assert_string_not_equal(t, ids[i]);
	}
	/* An unknown id shows as itself rather than nothing. */
	assert_string_equal(tui_step_text("card.future_step"), "card.future_step");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_fit_small_buffer),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_search_classify),
		cmocka_unit_test(test_step_texts),
	};

	return cmocka_run_group_tests_name("tui-text", tests, setup, NULL);
}
