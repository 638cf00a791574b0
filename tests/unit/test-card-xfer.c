/*
 * Unit tests of card_xfer (card-xfer.c): GET RESPONSE on 61xx, resending
 * on 6Cxx, status words passed through, transport errors, bounds. A fake
 * transport defined here checks each command and plays the answers.
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

struct exchange {
	const char	*cmd;		/* expected command, hex */
	const char	*resp;		/* answer, hex (data + SW) */
	int		 error;		/* or fail with this NHI_E* code */
};

struct fake {
	const struct exchange	*ex;
	size_t			 n, next;
	int			 endless_61;	/* answer 6101 forever */
};

static char pattern_hex[2 * 300 + 5];

static int
fake_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
    size_t *resplen)
{
	struct fake *f = card->priv;
	char got[2 * 300 + 1];
	int n;

	if (f->endless_61) {
		resp[0] = 0xAA;
		resp[1] = 0x61;
		resp[2] = 0x01;
		*resplen = 3;
		return 0;
	}
	assert_true(f->next < f->n);
	assert_true(cmdlen <= 300);
	hex_encode(cmd, cmdlen, got);
	assert_string_equal(got, f->ex[f->next].cmd);
	if (f->ex[f->next].error != 0)
		return err_set(f->ex[f->next++].error, "fake: injected");
	n = hex_decode(f->ex[f->next++].resp, resp, *resplen);
	assert_true(n >= 0);
	*resplen = (size_t)n;
	return 0;
}

static void
fake_close(struct card *card)
{
}

static const struct card_ops fake_ops = {
	.name = "fake",
	.transmit = fake_transmit,
	.close = fake_close,
};

static void
fake_card(struct card *card, struct fake *f, const struct exchange *ex, size_t n)
{
	memset(card, 0, sizeof(*card));
	memset(f, 0, sizeof(*f));
	f->ex = ex;
	f->n = n;
	card->ops = &fake_ops;
	card->priv = f;
	strcpy(card->reader, "Fake Reader 00");
}

static struct apdu_resp resp;

static void
test_get_response_accumulates(void **state)
{
	static char first[2 * 256 + 5];
	struct exchange ex[] = {
		{ "00ca010200", first, 0 },
		{ "00c000002c", NULL, 0 },
	};
	struct apdu a = { .cla = 0x00, .ins = 0xCA, .p1 = 0x01, .p2 = 0x02, .has_le = 1 };
	struct card card;
	struct fake f;
	char tail[2 * 44 + 5];
	size_t i;

	/* 256 bytes + 612C, then the 44 left + 9000. */
	memcpy(first, pattern_hex, 2 * 256);
	strcpy(first + 2 * 256, "612c");
	memcpy(tail, pattern_hex + 2 * 256, 2 * 44);
	strcpy(tail + 2 * 44, "9000");
	ex[1].resp = tail;
	fake_card(&card, &f, ex, 2);
	assert_int_equal(card_xfer(&card, &a, &resp), 0);
	assert_int_equal(resp.sw, 0x9000);
	assert_int_equal(resp.len, 300);
	for (i = 0; i < 300; i++)
		assert_int_equal(resp.data[i], (uint8_t)i);
	assert_int_equal(card.apdus, 2);
	assert_int_equal(f.next, 2);
}

static void
test_wrong_le_resent(void **state)
{
	static const struct exchange ex[] = {
		{ "00ca010100", "6c04", 0 },
		{ "00ca010104", "0000002a9000", 0 },
	};
	struct apdu a = { .cla = 0x00, .ins = 0xCA, .p1 = 0x01, .p2 = 0x01, .has_le = 1 };
	struct card card;
	struct fake f;

	fake_card(&card, &f, ex, 2);
	assert_int_equal(card_xfer(&card, &a, &resp), 0);
	assert_int_equal(resp.sw, 0x9000);
	assert_int_equal(resp.len, 4);
	assert_int_equal(resp.data[3], 0x2a);
	assert_int_equal(card.apdus, 2);
}

static void
test_t0_case4_then_wrong_le_in_get_response(void **state)
{
	/* T=0 case 4: 61xx; the GET RESPONSE's Le is then corrected by 6Cxx;
	 * the logical channel of CLA 81 is kept in GET RESPONSE's CLA. */
	static const struct exchange ex[] = {
		{ "81ee000003010203", "6105", 0 },
		{ "01c0000005", "6c03", 0 },
		{ "01c0000003", "0102039000", 0 },
	};
	static const uint8_t data[] = { 1, 2, 3 };
	struct apdu a = { .cla = 0x81, .ins = 0xEE, .data = data, .lc = 3 };
	struct card card;
	struct fake f;

	fake_card(&card, &f, ex, 3);
	assert_int_equal(card_xfer(&card, &a, &resp), 0);
	assert_int_equal(resp.sw, 0x9000);
	assert_int_equal(resp.len, 3);
	assert_memory_equal(resp.data, data, 3);
	assert_int_equal(card.apdus, 3);
}

static void
test_error_sw_passed_through(void **state)
{
	static const struct exchange ex[] = {
		{ "00a4040005a000000001", "6a82", 0 },
	};
	static const uint8_t aid[] = { 0xa0, 0, 0, 0, 1 };
	struct apdu a = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .data = aid, .lc = 5 };
	struct card card;
	struct fake f;

	fake_card(&card, &f, ex, 1);
	assert_int_equal(card_xfer(&card, &a, &resp), 0);
	assert_int_equal(resp.sw, 0x6A82);
	assert_int_equal(resp.len, 0);
	assert_string_equal(card_sw_text(0x6A82), "6A82 file or application not found");
}

static void
test_transport_error_propagates(void **state)
{
	static const struct exchange ex[] = {
		{ "00ca010200", "61ff", 0 },
		{ "00c00000ff", NULL, NHI_ECARD_REMOVED },
	};
	struct apdu a = { .cla = 0x00, .ins = 0xCA, .p1 = 0x01, .p2 = 0x02, .has_le = 1 };
	struct card card;
	struct fake f;

	fake_card(&card, &f, ex, 2);
	assert_int_equal(card_xfer(&card, &a, &resp), NHI_ECARD_REMOVED);
}

static void
test_repeated_6c_bounded(void **state)
{
	static const struct exchange ex[] = {
		{ "00ca010100", "6c04", 0 },
		{ "00ca010104", "6c05", 0 },
		{ "00ca010105", "6c06", 0 },
	};
	struct apdu a = { .cla = 0x00, .ins = 0xCA, .p1 = 0x01, .p2 = 0x01, .has_le = 1 };
	struct card card;
	struct fake f;

	/* Two resends, then the card's word is handed back for the caller. */
	fake_card(&card, &f, ex, 3);
	assert_int_equal(card_xfer(&card, &a, &resp), 0);
	assert_int_equal(resp.sw, 0x6C06);
	assert_int_equal(f.next, 3);
}

static void
test_endless_61_is_protocol_error(void **state)
{
	struct apdu a = { .cla = 0x00, .ins = 0xCA, .p1 = 0x01, .p2 = 0x02, .has_le = 1 };
	struct card card;
	struct fake f;

	fake_card(&card, &f, NULL, 0);
	f.endless_61 = 1;
	assert_int_equal(card_xfer(&card, &a, &resp), NHI_ECARD_PROTO);
	assert_non_null(strstr(err_detail(), "Fake Reader 00"));
}

static void
test_short_response_is_protocol_error(void **state)
{
	static const struct exchange ex[] = {
		{ "00ca0101", "90", 0 },
	};
	struct apdu a = { .cla = 0x00, .ins = 0xCA, .p1 = 0x01, .p2 = 0x01 };
	struct card card;
	struct fake f;

	fake_card(&card, &f, ex, 1);
	assert_int_equal(card_xfer(&card, &a, &resp), NHI_ECARD_PROTO);
	assert_non_null(strstr(err_detail(), "no status word"));
}

static void
test_extended_needs_card_support(void **state)
{
	static uint8_t big[300];
	struct apdu a = { .cla = 0x80, .ins = 0xEE, .data = big, .lc = sizeof(big) };
	struct card card;
	struct fake f;

	fake_card(&card, &f, NULL, 0);
	assert_int_equal(card_xfer(&card, &a, &resp), NHI_ERANGE);
	assert_int_equal(card.apdus, 0);
}

static void
test_sw_texts(void **state)
{
	assert_string_equal(card_sw_text(0x9000), "9000 success");
	assert_string_equal(card_sw_text(0x6982), "6982 security status not satisfied");
	assert_string_equal(card_sw_text(0x63C2),
	    "63C2 verification failed; low nibble = tries left");
	assert_string_equal(card_sw_text(0x6110),
	    "6110 more response data available (GET RESPONSE)");
	assert_string_equal(card_sw_text(0x6D00),
	    "6D00 instruction code not supported or invalid");
	assert_string_equal(card_sw_text(0x1234), "1234 unknown status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_response_accumulates),
		cmocka_unit_test(test_wrong_le_resent),
		cmocka_unit_test(test_t0_case4_then_wrong_le_in_get_response),
		cmocka_unit_test(test_error_sw_passed_through),
		cmocka_unit_test(test_transport_error_propagates),
		cmocka_unit_test(test_repeated_6c_bounded),
		cmocka_unit_test(test_endless_61_is_protocol_error),
		cmocka_unit_test(test_short_response_is_protocol_error),
		cmocka_unit_test(test_extended_needs_card_support),
		cmocka_unit_test(test_sw_texts),
	};
	uint8_t pattern[300];
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	hex_encode(pattern, sizeof(pattern), pattern_hex);
	return cmocka_run_group_tests_name("card-xfer", tests, NULL, NULL);
}
