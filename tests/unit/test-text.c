/* Unit tests of encodings and normalization (text.h). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "text.h"

static void
check_kana(const char *in, const char *want)
{
	struct tbuf b = { 0 };

	text_kana_normalize(in, &b);
	assert_string_equal(b.p, want);
	free(b.p);
}

static void
test_kana_normalize(void **state)
{
	check_kana("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ");
	check_kana("やまだ　たろう", "ヤマダタロウ");
	check_kana("ﾊﾟﾝ", "パン");
	check_kana("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン");
	check_kana("ガッコウ", "ガッコウ");
	check_kana("ｶﾞｯｺｰ", "ガッコー");
	check_kana("がっこう", "ガッコウ");
	check_kana("カ\xe3\x82\x99", "ガ");	/* combining voiced mark */
	check_kana("", "");
}

static void
test_is_kana(void **state)
{
	assert_true(text_is_kana("ヤマダ タロウ"));
	assert_true(text_is_kana("ﾔﾏﾀﾞ"));
	assert_true(text_is_kana("やまだ"));
	assert_false(text_is_kana("山田"));
	assert_false(text_is_kana("YAMADA"));
}

static void
test_address_normalize(void **state)
{
	struct tbuf b = { 0 };

	text_address_normalize("本山町本山１丁目２番地３号", &b);
	assert_string_equal(b.p, "本山町本山1-2-3");
	text_address_normalize("本山町 本山1-2-3", &b);
	assert_string_equal(b.p, "本山町本山1-2-3");
	text_address_normalize("本山町本山１－２－３", &b);
	assert_string_equal(b.p, "本山町本山1-2-3");
	text_address_normalize("本山町本山1ー2", &b);
	assert_string_equal(b.p, "本山町本山1-2");
	text_address_normalize("本山町本山12番地", &b);
	assert_string_equal(b.p, "本山町本山12");
	free(b.p);
}

static void
test_basic_items(void **state)
{
	struct text_basic_items a, b;

	text_basic_items_make("山田 太郎", "1960-05-01", 1, "本山町本山１番地", &a);
	text_basic_items_make("山田　太郎", "1960-05-01", 1, "本山町本山1", &b);
	assert_int_equal(text_basic_items_diff(&a, &b), 0);
	text_basic_items_free(&b);
	text_basic_items_make("山田太郎", "1960-05-02", 2, "本山町本山1", &b);
	assert_int_equal(text_basic_items_diff(&a, &b), TEXT_ITEM_BIRTH | TEXT_ITEM_SEX);
	text_basic_items_free(&b);
	text_basic_items_make("山田次郎", "1960-05-01", 1, "本山町本山2", &b);
	assert_int_equal(text_basic_items_diff(&a, &b), TEXT_ITEM_NAME | TEXT_ITEM_ADDRESS);
	text_basic_items_free(&b);
	text_basic_items_free(&a);
}

static void
test_utf8(void **state)
{
	assert_int_equal(text_utf8_invalid_at("abc", 3), 3);
	assert_int_equal(text_utf8_invalid_at("ab\xff", 3), 2);
	assert_int_equal(text_utf8_invalid_at("a\xc0\xaf", 3), 1);	/* overlong */
	assert_int_equal(text_utf8_invalid_at("\xed\xa0\x80", 3), 0);	/* surrogate */
	assert_int_equal(text_utf8_invalid_at("山", 3), 3);
	assert_int_equal(text_utf8_invalid_at("山", 2), 0);	/* cut */
}

static void
test_detect(void **state)
{
	enum text_encoding e;

	assert_int_equal(text_detect("abc,def\n", 8, &e), 0);
	assert_int_equal(e, TEXT_ENC_UTF8);
	assert_int_equal(text_detect("山田,やまだ\n", strlen("山田,やまだ\n"), &e), 0);
	assert_int_equal(e, TEXT_ENC_UTF8);
	/* 山田 in Shift_JIS, then half-width kana ﾔﾏﾀﾞ */
	assert_int_equal(text_detect("\x8e\x52\x93\x63,\xd4\xcf\xc0\xde\n", 10, &e), 0);
	assert_int_equal(e, TEXT_ENC_CP932);
	/* A BOM says UTF-8. */
	assert_int_equal(text_detect("\xef\xbb\xbf" "a", 4, &e), 0);
	assert_int_equal(e, TEXT_ENC_UTF8);
	/* Neither. */
	assert_int_equal(text_detect("\x80\x80\xff\xff\xfd", 5, &e), NHI_EENCODING);
}

static void
test_decode_cp932(void **state)
{
	struct text_decoder *d = NULL;
	struct tbuf b = { 0 };
	unsigned flags = 0;
	size_t bad = 0;

	assert_int_equal(text_decoder_new(TEXT_ENC_CP932, &d), 0);
	assert_int_equal(text_decode(d, "\x8e\x52\x93\x63", 4, &b, &flags, &bad), 0);
	assert_string_equal(b.p, "山田");
	assert_int_equal(flags, 0);
	/* Half-width kana is kept as received and flagged. */
	assert_int_equal(text_decode(d, "\xd4\xcf\xc0\xde", 4, &b, &flags, &bad), 0);
	assert_string_equal(b.p, "ﾔﾏﾀﾞ");
	assert_int_equal(flags, TEXT_F_HALFWIDTH);
	/* User-defined area: private use, kept, flagged. */
	flags = 0;
	assert_int_equal(text_decode(d, "\x8e\x52\xf0\x40", 4, &b, &flags, &bad), 0);
	assert_string_equal(b.p, "山\xee\x80\x80");
	assert_int_equal(flags, TEXT_F_GAIJI);
	/* Well-formed but unmapped: kept as {SJIS:XXXX}, flagged. */
	flags = 0;
	assert_int_equal(text_decode(d, "\x8e\x52\x85\x40\x93\x63", 6, &b, &flags, &bad), 0);
	assert_string_equal(b.p, "山{SJIS:8540}田");
	assert_int_equal(flags, TEXT_F_GAIJI);
	/* Ill-formed: a lead byte without its trail, a byte CP932 never uses. */
	assert_int_equal(text_decode(d, "\x8e\x52\x93", 3, &b, &flags, &bad), NHI_EENCODING);
	assert_int_equal(bad, 2);
	assert_int_equal(text_decode(d, "ab\xff", 3, &b, &flags, &bad), NHI_EENCODING);
	assert_int_equal(bad, 2);
	text_decoder_free(d);

	/* And back: the escape turns into its bytes again. */
	assert_int_equal(text_encode_cp932("山{SJIS:8540}田", &b), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.p, "\x8e\x52\x85\x40\x93\x63", 6);
	free(b.p);
}

static void
test_decode_utf8(void **state)
{
	struct text_decoder *d = NULL;
	struct tbuf b = { 0 };
	unsigned flags = 0;
	size_t bad = 0;

	assert_int_equal(text_decoder_new(TEXT_ENC_UTF8, &d), 0);
	assert_int_equal(text_decode(d, "山\xee\x80\x81", 6, &b, &flags, &bad), 0);
	assert_int_equal(flags, TEXT_F_GAIJI);
	assert_int_equal(text_decode(d, "山\xff田", 7, &b, &flags, &bad), NHI_EENCODING);
	assert_int_equal(bad, 3);
	text_decoder_free(d);
	free(b.p);
	assert_int_equal(text_flags_of("a{SJIS:8540}"), TEXT_F_GAIJI);
	assert_int_equal(text_flags_of("ﾔﾏﾀﾞ"), TEXT_F_HALFWIDTH);
	assert_int_equal(text_flags_of("山田"), 0);
}

/* 外字 for the clerk: private-use characters and {SJIS:XXXX} escapes are
 * marked 〓 with their codes listed; a name that differs from a card's
 * only at 外字 positions is told apart from another person's. */
static void
test_gaiji(void **state)
{
	struct tbuf b = { 0 };
	char codes[64];

	(void)state;
	assert_int_equal(text_gaiji_mark("山田 \xee\x80\x80郎{SJIS:8540}", &b, codes,
	    sizeof(codes)), 2);
	assert_string_equal(b.p, "山田 〓郎〓");
	assert_string_equal(codes, "U+E000, SJIS 8540");
	assert_int_equal(text_gaiji_mark("山田 太郎", &b, codes, sizeof(codes)), 0);
	assert_string_equal(b.p, "山田 太郎");
	assert_string_equal(codes, "");
	/* Not an escape: kept as typed. */
	assert_int_equal(text_gaiji_mark("{SJIS:85}", &b, NULL, 0), 0);
	free(b.p);

	assert_int_equal(text_name_gaiji_only_diff("山田 太郎", "山田 \xee\x80\x80郎"), 1);
	assert_int_equal(text_name_gaiji_only_diff("山田太郎", "山田　{SJIS:8540}郎"), 1);
	/* Another character differs too: another person. */
	assert_int_equal(text_name_gaiji_only_diff("山本 太郎", "山田 \xee\x80\x80郎"), 0);
	/* Lengths differ, or no 外字 at all. */
	assert_int_equal(text_name_gaiji_only_diff("山田 太郎郎", "山田 \xee\x80\x80郎"), 0);
	assert_int_equal(text_name_gaiji_only_diff("山田 太", "山田 \xee\x80\x80郎"), 0);
	assert_int_equal(text_name_gaiji_only_diff("山田 次郎", "山田 太郎"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kana_normalize),
		cmocka_unit_test(test_is_kana),
		cmocka_unit_test(test_address_normalize),
		cmocka_unit_test(test_basic_items),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_decode_cp932),
		cmocka_unit_test(test_decode_utf8),
		cmocka_unit_test(test_gaiji),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
