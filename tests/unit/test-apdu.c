/*
 * Tests of the APDU codec (card-apdu.c) and of the scripted transport
 * (card-script.c): every ISO 7816-3 case both ways, the short/extended
 * choice, malformed commands and responses, transcript parse errors naming
 * their line, mismatches, removal and reset.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "card.h"
#include "error.h"
#include "util.h"

static uint8_t big[70000];

struct enc_case {
	const char *name;
	size_t lc, le;
	int has_le, extended_ok;
	int code;
	const char *head;	/* expected hex of the bytes after CLA INS P1 P2, data elided */
	size_t total;
};

static const struct enc_case enc_cases[] = {
	{ "case 1", 0, 0, 0, 0, 0, "", 4 },
	{ "case 2S Le 10", 0, 16, 1, 0, 0, "10", 5 },
	{ "case 2S Le 256 as 00", 0, 256, 1, 0, 0, "00", 5 },
	{ "case 2S Le max as 00", 0, 0, 1, 1, 0, "00", 5 },
	{ "case 3S", 3, 0, 0, 0, 0, "03", 8 },
	{ "case 3S Lc 255", 255, 0, 0, 0, 0, "ff", 4 + 1 + 255 },
	{ "case 4S", 2, 0, 1, 0, 0, "02", 4 + 1 + 2 + 1 },
	{ "case 2E Le 257", 0, 257, 1, 1, 0, "000101", 7 },
	{ "case 2E Le 65536 as 0000", 0, 65536, 1, 1, 0, "000000", 7 },
	{ "case 3E Lc 256", 256, 0, 0, 1, 0, "000100", 4 + 3 + 256 },
	{ "case 3E Lc 65535", 65535, 0, 0, 1, 0, "00ffff", 4 + 3 + 65535 },
	{ "case 4E Lc 300 Le 2", 300, 2, 1, 1, 0, "00012c", 4 + 3 + 300 + 2 },
	{ "case 4E Lc 1 Le 1000", 1, 1000, 1, 1, 0, "000001", 4 + 3 + 1 + 2 },
	{ "Lc 256 without extended", 256, 0, 0, 0, NHI_ERANGE, NULL, 0 },
	{ "Le 257 without extended", 0, 257, 1, 0, NHI_ERANGE, NULL, 0 },
	{ "Lc 65536", 65536, 0, 0, 1, NHI_ERANGE, NULL, 0 },
	{ "Le 65537", 0, 65537, 1, 1, NHI_ERANGE, NULL, 0 },
};

static void
test_encode_cases(void **state)
{
	static uint8_t out[APDU_MAX_CMD];
	size_t i, n;

	for (i = 0; i < NHI_ARRAY_LEN(enc_cases); i++) {
		const struct enc_case *c = &enc_cases[i];
		struct apdu a = { 0x80, 0xca, 0x9f, 0x7f, big, c->lc, c->le, c->has_le };
		struct apdu back;
		char hex[16];
		int r;

		print_message("# %s\n", c->name);
		r = apdu_encode(&a, c->extended_ok, out, sizeof out, &n);
		assert_int_equal(r, c->code);
		if (r != 0)
			continue;
		assert_int_equal(n, c->total);
		assert_memory_equal(out, "\x80\xca\x9f\x7f", 4);
		hex_encode(out + 4, strlen(c->head) / 2, hex);
		assert_string_equal(hex, c->head);
		if (c->lc > 0)
			assert_memory_equal(out + n - c->lc - (c->has_le ?
			    (n > 4 + 1 + c->lc + 1 ? 2 : 1) : 0), big, c->lc);
		/* and back */
		assert_int_equal(apdu_decode(out, n, &back), 0);
		assert_int_equal(back.cla, 0x80);
		assert_int_equal(back.p2, 0x7f);
		assert_int_equal(back.lc, c->lc);
		assert_int_equal(back.has_le, c->has_le);
		if (c->has_le)
			assert_int_equal(back.le, c->le == 0 ? 256 : c->le);
		if (c->lc > 0)
			assert_memory_equal(back.data, big, c->lc);
	}
}

static void
test_encode_capacity(void **state)
{
	uint8_t out[8];
	struct apdu a = { 0x00, 0xa4, 0x04, 0x00, big, 4, 0, 1 };
	size_t n;

	assert_int_equal(apdu_encode(&a, 0, out, sizeof out, &n), NHI_ERANGE);
	assert_non_null(strstr(err_detail(), "00A4"));
	a.lc = 3;
	a.has_le = 0;
	assert_int_equal(apdu_encode(&a, 0, out, sizeof out, &n), 0);
	assert_int_equal(n, 8);
	/* data announced but missing */
	a.data = NULL;
	assert_int_equal(apdu_encode(&a, 0, out, sizeof out, &n), NHI_ERANGE);
}

struct dec_case {
	const char *hex;
	int code;
	size_t lc, le;
	int has_le;
};

static const struct dec_case dec_cases[] = {
	{ "00a40400", 0, 0, 0, 0 },
	{ "00b0000000", 0, 0, 256, 1 },
	{ "00b0000012", 0, 0, 0x12, 1 },
	{ "00a4040002 3f00", 0, 2, 0, 0 },
	{ "00a4040002 3f00 00", 0, 2, 256, 1 },
	{ "00a4040002 3f00 20", 0, 2, 0x20, 1 },
	{ "00b00000 000000", 0, 0, 65536, 1 },
	{ "00b00000 000102", 0, 0, 0x102, 1 },
	{ "00d60000 000002 abcd", 0, 2, 0, 0 },
	{ "00d60000 000002 abcd 0000", 0, 2, 65536, 1 },
	{ "00d60000 000002 abcd 0010", 0, 2, 16, 1 },
	/* malformed */
	{ "", NHI_EPARSE, 0, 0, 0 },
	{ "00a404", NHI_EPARSE, 0, 0, 0 },
	{ "00a4040002 3f", NHI_EPARSE, 0, 0, 0 },
	{ "00a4040002 3f00 0000", NHI_EPARSE, 0, 0, 0 },
	{ "00a4040001 3f00 0000", NHI_EPARSE, 0, 0, 0 },
	{ "00a40400 00 00", NHI_EPARSE, 0, 0, 0 },
	{ "00a40400 000000 00", NHI_EPARSE, 0, 0, 0 },
	{ "00a40400 000003 abcd", NHI_EPARSE, 0, 0, 0 },
	{ "00a40400 000002 abcd 00", NHI_EPARSE, 0, 0, 0 },
	{ "00a40400 000002 abcd 000000", NHI_EPARSE, 0, 0, 0 },
	{ "00a40400 000000 abcd", NHI_EPARSE, 0, 0, 0 },
};

static void
test_decode_cases(void **state)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(dec_cases); i++) {
		const struct dec_case *c = &dec_cases[i];
		uint8_t in[64];
		struct apdu a, untouched;
		int n = hex_decode(c->hex, in, sizeof in);

		print_message("# %s\n", c->hex);
		assert_true(n >= 0);
		memset(&a, 0x5a, sizeof a);
		untouched = a;
		assert_int_equal(apdu_decode(in, (size_t)n, &a), c->code);
		if (c->code != 0) {
			/* output untouched on error */
			assert_memory_equal(&a, &untouched, sizeof a);
			continue;
		}
		assert_int_equal(a.lc, c->lc);
		assert_int_equal(a.has_le, c->has_le);
		if (c->has_le)
			assert_int_equal(a.le, c->le);
		if (c->lc > 0)
			assert_ptr_equal(a.data, in + (size_t)n - c->lc -
			    (c->has_le ? (in[4] == 0 ? 2 : 1) : 0));
	}
}

static void
test_resp_parse(void **state)
{
	static struct apdu_resp r;
	static uint8_t in[APDU_MAX_RESP + 3];

	assert_int_equal(apdu_resp_parse((const uint8_t *)"\x90\x00", 2, &r), 0);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.sw, 0x9000);
	assert_int_equal(apdu_resp_parse((const uint8_t *)"\x01\x02\x62\x83", 4, &r), 0);
	assert_int_equal(r.len, 2);
	assert_int_equal(r.sw, 0x6283);
	assert_memory_equal(r.data, "\x01\x02", 2);
	assert_int_equal(apdu_resp_parse(in, 1, &r), NHI_ECARD_PROTO);
	assert_int_equal(apdu_resp_parse(in, 0, &r), NHI_ECARD_PROTO);
	assert_int_equal(apdu_resp_parse(in, APDU_MAX_RESP + 2, &r), 0);
	assert_int_equal(r.len, APDU_MAX_RESP);
	assert_int_equal(apdu_resp_parse(in, APDU_MAX_RESP + 3, &r), NHI_ECARD_PROTO);
}

/* ---- scripted transport ---- */

static int
send_hex(struct card *card, const char *hex, uint8_t *resp, size_t *resplen)
{
	uint8_t cmd[64];
	int n = hex_decode(hex, cmd, sizeof cmd);

	assert_true(n >= 0);
	*resplen = 64;
	return card->ops->transmit(card, cmd, (size_t)n, resp, resplen);
}

static void
test_script_replays(void **state)
{
	struct card *card;
	uint8_t resp[64];
	size_t n;

	assert_int_equal(card_script_open_mem("t.apdu",
	    "# a card\n"
	    "!atr 3b 02 14 50\n"
	    "!extended\n"
	    "> 00 a4 04 00 02 3f 00   # SELECT\n"
	    "< 90 00\n"
	    "\n"
	    "> 80 50 00 00 02 .. .. 00\n"
	    "< 01 02 90 00\n"
	    "!reset\n"
	    "> 00b0000000\n"
	    "< 6a82\n"
	    "!removed\n", &card), 0);
	assert_int_equal(card->atrlen, 4);
	assert_memory_equal(card->atr, "\x3b\x02\x14\x50", 4);
	assert_int_equal(card->extended, 1);
	assert_int_equal(send_hex(card, "00a40400023f00", resp, &n), 0);
	assert_int_equal(n, 2);
	assert_false(card_script_done(card));
	assert_int_equal(send_hex(card, "8050000002abcd00", resp, &n), 0);
	assert_memory_equal(resp, "\x01\x02\x90\x00", 4);
	assert_int_equal(send_hex(card, "00b0000000", resp, &n), NHI_ECARD_RESET);
	assert_non_null(strstr(err_detail(), "t.apdu:9"));
	assert_int_equal(send_hex(card, "00b0000000", resp, &n), 0);
	assert_int_equal(send_hex(card, "00b0000000", resp, &n), NHI_ECARD_REMOVED);
	assert_true(card_script_done(card));
	/* past the end */
	assert_int_equal(send_hex(card, "00b0000000", resp, &n), NHI_ECARD_PROTO);
	assert_non_null(strstr(err_detail(), "script ended"));
	assert_false(card_script_done(card));
	card_close(card);
}

static void
test_script_mismatch_names_line(void **state)
{
	struct card *card;
	uint8_t resp[64];
	size_t n;

	assert_int_equal(card_script_open_mem("m.apdu",
	    "> 00a4040002 3f00\n< 9000\n# two\n> 00b0000010\n< 9000\n", &card), 0);
	assert_int_equal(send_hex(card, "00a40400023f00", resp, &n), 0);
	assert_int_equal(send_hex(card, "00b0000020", resp, &n), NHI_ECARD_PROTO);
	assert_string_equal(err_detail(), "m.apdu:4: command differs from the script"
	    " at byte 4 (sent 00b0000020, 5 bytes; script 00b0000010, 5 bytes)");
	/* stuck after a mismatch */
	assert_int_equal(send_hex(card, "00b0000010", resp, &n), NHI_ECARD_PROTO);
	assert_false(card_script_done(card));
	card_close(card);

	/* a shorter command */
	assert_int_equal(card_script_open_mem("m.apdu", "> 00b0000010\n< 9000\n",
	    &card), 0);
	assert_int_equal(send_hex(card, "00b00000", resp, &n), NHI_ECARD_PROTO);
	assert_non_null(strstr(err_detail(), "m.apdu:1:"));
	card_close(card);

	/* response too big for the caller */
	assert_int_equal(card_script_open_mem("m.apdu", "> 00b0000010\n< 0102039000\n",
	    &card), 0);
	n = 3;
	assert_int_equal(card->ops->transmit(card, (const uint8_t *)"\x00\xb0\x00\x00\x10",
	    5, resp, &n), NHI_ERANGE);
	card_close(card);
}

static void
test_script_parse_errors(void **state)
{
	static const struct { const char *text, *detail; } cases[] = {
		{ "> 00a4\n< 9000\n", "s.apdu:1: command shorter than 4 bytes" },
		{ "> 00a40400\n> 00a40400\n< 9000\n",
		  "s.apdu:2: expected '< response' after the command on line 1" },
		{ "< 9000\n", "s.apdu:1: response without a command" },
		{ "> 00a40400\n", "s.apdu:1: command without a response" },
		{ "> 00a40400\n< 90\n", "s.apdu:2: response without a status word" },
		{ "\n\n> 00a4040g\n< 9000\n", "s.apdu:3: bad hex byte" },
		{ "> 00a40400\n< 900\n", "s.apdu:2: bad hex byte" },
		{ "> 00a40400\n< ..00\n", "s.apdu:2: bad hex byte" },
		{ "hello\n", "s.apdu:1: expected '>', '<', '!removed', '!reset', '!atr'"
		  " or '!extended'" },
		{ "!atr\n", "s.apdu:1: expected '>', '<', '!removed', '!reset', '!atr'"
		  " or '!extended'" },
		{ "!atr 3b\n!atr 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
		  " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n",
		  "s.apdu:2: ATR of 34 bytes" },
	};
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct card *card = NULL;

		assert_int_equal(card_script_open_mem("s.apdu", cases[i].text, &card),
		    NHI_EPARSE);
		assert_string_equal(err_detail(), cases[i].detail);
		assert_null(card);
	}
}

static void
test_script_file(void **state)
{
	struct card *card = NULL;
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/tests/data/scp03-aes128-33.apdu",
	    top != NULL ? top : "..");

	assert_int_equal(card_script_open(path, &card), 0);
	assert_false(card_script_done(card));
	card_close(card);
	free(path);
	assert_int_equal(card_script_open("/nonexistent/x.apdu", &card), NHI_ENOFILE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_cases),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_decode_cases),
		cmocka_unit_test(test_resp_parse),
		cmocka_unit_test(test_script_replays),
		cmocka_unit_test(test_script_mismatch_names_line),
		cmocka_unit_test(test_script_parse_errors),
		cmocka_unit_test(test_script_file),
	};

	memset(big, 0xa5, sizeof big);
	return cmocka_run_group_tests_name("apdu", tests, NULL, NULL);
}
