/*
 * Tests of the BER-TLV codec (card-tlv.c): tags of 1 to 3 bytes, lengths
 * of 1 to 3 bytes, the strictness rules (indefinite and overlong lengths,
 * long tags, values past the end), tlv_find and tlv_put round trips.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "card.h"
#include "error.h"
#include "util.h"

struct next_case {
	const char *hex;
	int code;
	uint32_t tag;
	size_t len;		/* value length */
	size_t used;		/* bytes consumed */
	int constructed;
	const char *detail;	/* substring, for errors */
};

static const struct next_case next_cases[] = {
	{ "5a 02 1234", 0, 0x5a, 2, 4, 0, NULL },
	{ "5a 00", 0, 0x5a, 0, 2, 0, NULL },
	{ "6f 03 8401ff ee", 0, 0x6f, 3, 5, 1, NULL },
	{ "9f70 01 07", 0, 0x9f70, 1, 4, 0, NULL },
	{ "5f20 00", 0, 0x5f20, 0, 3, 0, NULL },
	{ "bf0c 00", 0, 0xbf0c, 0, 3, 1, NULL },
	{ "df8101 01 aa", 0, 0xdf8101, 1, 5, 0, NULL },
	{ "7f4981 00", NHI_EPARSE, 0, 0, 0, 0, "overlong length" },
	{ "53 7f", NHI_EPARSE, 0, 0, 0, 0, "runs past the end" },
	/* errors */
	{ "", NHI_EPARSE, 0, 0, 0, 0, "no bytes left" },
	{ "00 01 aa", NHI_EPARSE, 0, 0, 0, 0, "tag byte 00" },
	{ "9f", NHI_EPARSE, 0, 0, 0, 0, "truncated tag" },
	{ "9f81", NHI_EPARSE, 0, 0, 0, 0, "truncated tag" },
	{ "9f80 01 00", NHI_EPARSE, 0, 0, 0, 0, "overlong tag" },
	{ "9f818101 00", NHI_EPARSE, 0, 0, 0, 0, "longer than 3 bytes" },
	{ "5a", NHI_EPARSE, 0, 0, 0, 0, "no length" },
	{ "30 80 0000", NHI_EPARSE, 0, 0, 0, 0, "indefinite" },
	{ "5a 81", NHI_EPARSE, 0, 0, 0, 0, "truncated length" },
	{ "5a 82 01", NHI_EPARSE, 0, 0, 0, 0, "truncated length" },
	{ "5a 81 05 0102030405", NHI_EPARSE, 0, 0, 0, 0, "overlong length" },
	{ "5a 82 0080", NHI_EPARSE, 0, 0, 0, 0, "overlong length" },
	{ "5a 83 000100", NHI_EPARSE, 0, 0, 0, 0, "length field of 4 bytes" },
	{ "5a 84 00000001 00", NHI_EPARSE, 0, 0, 0, 0, "length field of 5 bytes" },
	{ "5a 03 0102", NHI_EPARSE, 0, 0, 0, 0, "runs past the end" },
	{ "5a 81 90 00", NHI_EPARSE, 0, 0, 0, 0, "runs past the end" },
	{ "5a 82 ffff 00", NHI_EPARSE, 0, 0, 0, 0, "runs past the end" },
};

static void
test_next_cases(void **state)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(next_cases); i++) {
		const struct next_case *c = &next_cases[i];
		uint8_t in[64];
		const uint8_t *p = in;
		size_t left;
		struct tlv t;
		int n = hex_decode(c->hex, in, sizeof in);

		print_message("# %s\n", c->hex);
		assert_true(n >= 0);
		left = (size_t)n;
		assert_int_equal(tlv_next(&p, &left, &t), c->code);
		if (c->code != 0) {
			assert_ptr_equal(p, in);
			assert_int_equal(left, (size_t)n);
			assert_non_null(strstr(err_detail(), c->detail));
			continue;
		}
		assert_int_equal(t.tag, c->tag);
		assert_int_equal(t.len, c->len);
		assert_int_equal(t.constructed, c->constructed);
		assert_ptr_equal(t.value, in + c->used - c->len);
		assert_ptr_equal(p, in + c->used);
		assert_int_equal(left, (size_t)n - c->used);
	}
}

static void
test_long_lengths(void **state)
{
	static uint8_t buf[70000];
	const uint8_t *p;
	size_t left, off;
	struct tlv t;

	/* 81 80 and 82 0100 .. ffff, written by tlv_put and read back */
	off = 0;
	assert_int_equal(tlv_put(buf, sizeof buf, &off, 0x53, buf + 60000, 0x80), 0);
	assert_memory_equal(buf, "\x53\x81\x80", 3);
	assert_int_equal(off, 3 + 0x80);
	off = 0;
	assert_int_equal(tlv_put(buf, sizeof buf, &off, 0x53, buf + 60000, 0x100), 0);
	assert_memory_equal(buf, "\x53\x82\x01\x00", 4);
	off = 0;
	assert_int_equal(tlv_put(buf, sizeof buf, &off, 0xdf8101, buf + 60, 0xffff), 0);
	assert_memory_equal(buf, "\xdf\x81\x01\x82\xff\xff", 6);
	assert_int_equal(off, 6 + 0xffff);
	p = buf;
	left = off;
	assert_int_equal(tlv_next(&p, &left, &t), 0);
	assert_int_equal(t.tag, 0xdf8101);
	assert_int_equal(t.len, 0xffff);
	assert_int_equal(left, 0);
	off = 0;
	assert_int_equal(tlv_put(buf, sizeof buf, &off, 0x53, buf, 0x10000), NHI_ERANGE);
	assert_int_equal(off, 0);
}

static void
test_find(void **state)
{
	uint8_t in[64];
	struct tlv t;
	int n = hex_decode("6f 0a 84 02 a000 a5 04 9f65 01 ff  9000 00", in, sizeof in);

	/* "9000 00": tag 90 length 00, then 00 is not a tag */
	assert_true(n > 0);
	assert_int_equal(tlv_find(in, 12, 0x6f, &t), 0);
	assert_int_equal(t.len, 10);
	assert_true(t.constructed);
	/* nested: only this level is searched */
	assert_int_equal(tlv_find(in, 12, 0x84, &t), NHI_ENOTFOUND);
	assert_non_null(strstr(err_detail(), "84"));
	assert_int_equal(tlv_find(in + 2, 10, 0xa5, &t), 0);
	assert_int_equal(tlv_find(t.value, t.len, 0x9f65, &t), 0);
	assert_int_equal(t.len, 1);
	assert_int_equal(t.value[0], 0xff);
	/* found before the bad part: fine; after it: the parse error */
	assert_int_equal(tlv_find(in, (size_t)n, 0x90, &t), 0);
	assert_int_equal(tlv_find(in, (size_t)n, 0x91, &t), NHI_EPARSE);
	assert_int_equal(tlv_find(in, 0, 0x6f, &t), NHI_ENOTFOUND);
}

static void
test_put(void **state)
{
	uint8_t out[16];
	size_t off = 0;
	static const uint8_t v[] = { 1, 2, 3 };

	assert_int_equal(tlv_put(out, sizeof out, &off, 0x5a, v, 3), 0);
	assert_int_equal(tlv_put(out, sizeof out, &off, 0x9f70, NULL, 0), 0);
	assert_int_equal(tlv_put(out, sizeof out, &off, 0xbf0c, v, 2), 0);
	assert_int_equal(off, 5 + 3 + 5);
	assert_memory_equal(out, "\x5a\x03\x01\x02\x03\x9f\x70\x00\xbf\x0c\x02\x01\x02", 13);
	/* does not fit: nothing written, offset kept */
	assert_int_equal(tlv_put(out, sizeof out, &off, 0x5a, v, 2), NHI_ERANGE);
	assert_int_equal(off, 13);
	assert_int_equal(tlv_put(out, sizeof out, &off, 0x5a, v, 1), 0);
	assert_int_equal(off, 16);
	assert_int_equal(tlv_put(out, sizeof out, &off, 0x5a, NULL, 0), NHI_ERANGE);
	/* bad arguments */
	off = 0;
	assert_int_equal(tlv_put(out, sizeof out, &off, 0, v, 1), NHI_ERANGE);
	assert_int_equal(tlv_put(out, sizeof out, &off, 0x5a, NULL, 1), NHI_ERANGE);
	/* wrapping a value already in the buffer (in place) */
	memcpy(out, "\xaa\xbb", 2);
	off = 0;
	assert_int_equal(tlv_put(out, sizeof out, &off, 0x53, out, 2), 0);
	assert_memory_equal(out, "\x53\x02\xaa\xbb", 4);
}

/* Walk a nested structure built with tlv_put. */
static void
test_nested_round_trip(void **state)
{
	uint8_t inner[32], outer[48];
	size_t ioff = 0, ooff = 0, left;
	const uint8_t *p;
	struct tlv t;

	assert_int_equal(tlv_put(inner, sizeof inner, &ioff, 0x4f, (const uint8_t *)"\xa0\x00\x01", 3), 0);
	assert_int_equal(tlv_put(inner, sizeof inner, &ioff, 0x9f70, (const uint8_t *)"\x07", 1), 0);
	assert_int_equal(tlv_put(outer, sizeof outer, &ooff, 0xe3, inner, ioff), 0);
	p = outer;
	left = ooff;
	assert_int_equal(tlv_next(&p, &left, &t), 0);
	assert_int_equal(t.tag, 0xe3);
	assert_true(t.constructed);
	assert_int_equal(left, 0);
	p = t.value;
	left = t.len;
	assert_int_equal(tlv_next(&p, &left, &t), 0);
	assert_int_equal(t.tag, 0x4f);
	assert_int_equal(tlv_next(&p, &left, &t), 0);
	assert_int_equal(t.tag, 0x9f70);
	assert_int_equal(t.value[0], 7);
	assert_int_equal(left, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_cases),
		cmocka_unit_test(test_long_lengths),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_nested_round_trip),
	};

	return cmocka_run_group_tests_name("tlv", tests, NULL, NULL);
}
