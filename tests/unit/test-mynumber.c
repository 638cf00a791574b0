/*
 * Unit tests of the My Number card's commands (card-mynumber.c) and the
 * PIN pad (card-pinpad.c) over scripted transcripts: the PIN pad's
 * PIN_VERIFY_STRUCTURE byte for byte, a reader without a PIN pad, the
 * pad's timeout and cancel, 63Cx / 6983, the four items file (and a
 * malformed one), and the certificate read in pieces.
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
#include "card-mynumber.h"
#include "error.h"
#include "reasons.h"
#include "util.h"

/* The feature request (CM_IOCTL_GET_FEATURE_REQUEST = 0x42000D48) and a
 * reader that has FEATURE_VERIFY_PIN_DIRECT at 0x42330006. */
#define FEATURES	"> 42 00 0d 48\n< 06 04 42 33 00 06 0a 04 42 33 00 0a\n"
/* The PIN_VERIFY_STRUCTURE for a 4-digit ASCII PIN: timeouts 30 s / 15 s,
 * format 82, block 04, length format 00, min/max 4/4, OK key, one
 * message, language 0411, then VERIFY 00 20 00 80 04 and the PIN's place. */
#define VERIFY_PAD	"> 42 33 00 06 1e 0f 82 04 00 04 04 02 01 11 04 00 00 00 00" \
			" 09 00 00 00 00 20 00 80 04 ff ff ff ff\n"

static int
pad(const char *answer, int *tries)
{
	char *text = xasprintf(FEATURES VERIFY_PAD "< %s\n", answer);
	struct card *card;
	int r;

	assert_int_equal(card_script_open_mem("pad", text, &card), 0);
	r = mynumber_verify_pin_pad(card, MYNUMBER_PIN_INPUT, tries);
	assert_true(card_script_done(card));
	card_close(card);
	free(text);
	return r;
}

static void
test_pin_pad(void **state)
{
	int tries;

	(void)state;
	assert_int_equal(pad("90 00", &tries), 0);
	assert_int_equal(pad("63 c2", &tries), NHI_EAUTH);
	assert_int_equal(tries, 2);
	assert_string_equal(err_reason_of(NHI_EAUTH), "mynumber.pin_wrong");
	assert_int_equal(pad("63 c0", &tries), NHI_EAUTH);
	assert_int_equal(tries, 0);
	assert_string_equal(err_reason_of(NHI_EAUTH), "mynumber.pin_locked");
	assert_int_equal(pad("69 83", &tries), NHI_EAUTH);
	assert_string_equal(err_reason_of(NHI_EAUTH), "mynumber.pin_locked");
	assert_int_equal(pad("64 00", &tries), NHI_ETIMEOUT);
	assert_int_equal(pad("64 01", &tries), NHI_ECANCELLED);
}

static void
test_no_pin_pad(void **state)
{
	struct card *card;
	int tries;

	(void)state;
	/* Features, none of them VERIFY_PIN_DIRECT: nothing else is sent. */
	assert_int_equal(card_script_open_mem("nopad",
	    "> 42 00 0d 48\n< 0a 04 42 33 00 0a\n", &card), 0);
	assert_int_equal(mynumber_verify_pin_pad(card, MYNUMBER_PIN_AUTH, &tries),
	    NHI_ENOTFOUND);
	assert_true(card_script_done(card));
	card_close(card);
}

static void
test_pin_keyboard(void **state)
{
	struct card *card;
	int tries;

	(void)state;
	assert_int_equal(card_script_open_mem("kbd",
	    "> 00 a4 04 0c 0a d3 92 f0 00 26 01 00 00 00 01\n< 90 00\n"
	    "> 00 a4 02 0c 02 00 18\n< 90 00\n"
	    "> 00 20 00 80 04 31 32 33 35\n< 63 c1\n", &card), 0);
	assert_int_equal(mynumber_verify_pin(card, MYNUMBER_PIN_AUTH, "1235", &tries),
	    NHI_EAUTH);
	assert_int_equal(tries, 1);
	assert_null(strstr(err_detail(), "1235"));
	assert_true(card_script_done(card));
	card_close(card);
	/* Not 4 digits: nothing is sent. */
	assert_int_equal(card_script_open_mem("kbd2", "", &card), 0);
	assert_int_equal(mynumber_verify_pin(card, MYNUMBER_PIN_AUTH, "12a4", &tries),
	    NHI_EUSAGE);
	card_close(card);
}

static void
test_items(void **state)
{
	struct card_items it;
	struct card *card;

	(void)state;
	/* FF20 { DF21 00, DF22 "ab", DF23 "xyz", DF24 "19800401", DF25 "1" } */
	assert_int_equal(card_script_open_mem("items",
	    "> 00 a4 02 0c 02 00 02\n< 90 00\n"
	    "> 00 b0 00 00 00\n< ff 20 1e df 21 01 00 df 22 02 61 62 df 23 03 78 79 7a"
	    " df 24 08 31 39 38 30 30 34 30 31 df 25 01 31 90 00\n", &card), 0);
	assert_int_equal(mynumber_read_items(card, &it), 0);
	assert_string_equal(it.name, "ab");
	assert_string_equal(it.address, "xyz");
	assert_string_equal(it.birth, "19800401");
	assert_string_equal(it.sex, "1");
	card_close(card);
	/* No birth date: malformed, said so. */
	assert_int_equal(card_script_open_mem("items2",
	    "> 00 a4 02 0c 02 00 02\n< 90 00\n"
	    "> 00 b0 00 00 00\n< ff 20 09 df 22 02 61 62 df 23 01 78 90 00\n", &card), 0);
	assert_int_equal(mynumber_read_items(card, &it), NHI_ECARD_PROTO);
	card_close(card);
	/* PIN not verified: 6982. */
	assert_int_equal(card_script_open_mem("items3",
	    "> 00 a4 02 0c 02 00 02\n< 90 00\n> 00 b0 00 00 00\n< 69 82\n", &card), 0);
	assert_int_equal(mynumber_read_items(card, &it), NHI_ECARD_SW);
	card_close(card);
}

static void
test_cert_in_pieces(void **state)
{
	uint8_t out[64];
	size_t len;
	struct card *card;

	(void)state;
	/* A 10-byte "certificate" (30 08 ...) read as 4 bytes, then the rest,
	 * which the card gives 3 bytes at a time. */
	assert_int_equal(card_script_open_mem("cert",
	    "> 00 a4 04 0c 0a d3 92 f0 00 26 01 00 00 00 01\n< 90 00\n"
	    "> 00 a4 02 0c 02 00 0a\n< 90 00\n"
	    "> 00 b0 00 00 04\n< 30 08 01 02 90 00\n"
	    "> 00 b0 00 04 06\n< 03 04 05 90 00\n"
	    "> 00 b0 00 07 03\n< 06 07 08 90 00\n", &card), 0);
	assert_int_equal(mynumber_read_cert(card, out, sizeof(out), &len), 0);
	assert_int_equal(len, 10);
	assert_int_equal(out[9], 0x08);
	assert_true(card_script_done(card));
	card_close(card);
	/* Not a SEQUENCE. */
	assert_int_equal(card_script_open_mem("cert2",
	    "> 00 a4 04 0c 0a d3 92 f0 00 26 01 00 00 00 01\n< 90 00\n"
	    "> 00 a4 02 0c 02 00 0a\n< 90 00\n"
	    "> 00 b0 00 00 04\n< 04 08 01 02 90 00\n", &card), 0);
	assert_int_equal(mynumber_read_cert(card, out, sizeof(out), &len), NHI_ECARD_PROTO);
	card_close(card);
}

static void
test_foreign(void **state)
{
	struct card *card;

	(void)state;
	/* A Juki card answers the JPKI AP's AID (the profile's Juki AP) but
	 * has no input-support AP. */
	assert_int_equal(card_script_open_mem("juki",
	    "> 00 a4 04 0c 0a d3 92 10 00 31 00 01 01 04 08\n< 6a 82\n", &card), 0);
	assert_int_equal(mynumber_detect(card), NHI_ECARD_UNKNOWN);
	assert_non_null(strstr(err_detail(), "not a My Number card"));
	card_close(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_pad),
		cmocka_unit_test(test_no_pin_pad),
		cmocka_unit_test(test_pin_keyboard),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_cert_in_pieces),
		cmocka_unit_test(test_foreign),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
