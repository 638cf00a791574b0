/*
 * Unit tests of card_read_ef_sfi (card-read.c): a whole EF read the ISO
 * 7816-4 way from a card that answers in each style ISO allows. The fake
 * card here holds one transparent EF and answers READ BINARY by SFI and by
 * offset: Le bytes + 9000, 6282 at the end, 6Cxx for a wrong Le, 61xx
 * chaining, extended length, 6B00 past the end.
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

enum style { ISO, EOF_WARNING, EXACT_LE, CHAIN };

struct file_card {
	uint8_t		*ef;
	size_t		 len;
	enum style	 style;
	int		 current;	/* an SFI read made the EF current */
	uint8_t		 pending[70000];	/* CHAIN: left for GET RESPONSE */
	size_t		 pending_len;
	unsigned	 reads, get_responses, resends;
};

static size_t
sw(uint8_t *r, size_t n, uint16_t s)
{
	r[n] = (uint8_t)(s >> 8);
	r[n + 1] = (uint8_t)s;
	return n + 2;
}

static int
fc_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
    size_t *resplen)
{
	struct file_card *f = card->priv;
	struct apdu a;
	size_t off, avail, le;

	assert_int_equal(apdu_decode(cmd, cmdlen, &a), 0);
	if (a.ins == 0xC0) {
		f->get_responses++;
		avail = f->pending_len < a.le ? f->pending_len : a.le;
		memcpy(resp, f->pending, avail);
		memmove(f->pending, f->pending + avail, f->pending_len - avail);
		f->pending_len -= avail;
		*resplen = sw(resp, avail, f->pending_len ? (uint16_t)(0x6100 |
		    (f->pending_len > 255 ? 0 : f->pending_len)) : 0x9000);
		return 0;
	}
	assert_int_equal(a.ins, 0xB0);
	assert_true(a.has_le);
	f->reads++;
	if (a.p1 & 0x80) {
		assert_int_equal(a.p1, 0x81);
		off = a.p2;
		f->current = 1;
	} else {
		assert_true(f->current);
		off = (size_t)a.p1 << 8 | a.p2;
	}
	le = a.le;
	if (off > f->len || (off == f->len && f->style != EOF_WARNING)) {
		*resplen = sw(resp, 0, 0x6B00);
		return 0;
	}
	avail = f->len - off;
	switch (f->style) {
	case ISO:
		*resplen = sw(resp, 0, 0x9000);
		if (avail > le)
			avail = le;
		memcpy(resp, f->ef + off, avail);
		*resplen = sw(resp, avail, 0x9000);
		break;
	case EOF_WARNING:
		memcpy(resp, f->ef + off, avail < le ? avail : le);
		*resplen = sw(resp, avail < le ? avail : le, avail < le ? 0x6282 : 0x9000);
		break;
	case EXACT_LE:
		if (le > avail) {
			f->resends++;
			*resplen = sw(resp, 0, (uint16_t)(0x6C00 | (avail & 0xff)));
			break;
		}
		memcpy(resp, f->ef + off, le);
		*resplen = sw(resp, le, 0x9000);
		break;
	case CHAIN:
		if (avail <= le) {
			memcpy(resp, f->ef + off, avail);
			*resplen = sw(resp, avail, 0x9000);
			break;
		}
		memcpy(resp, f->ef + off, le);
		f->pending_len = avail - le;
		memcpy(f->pending, f->ef + off + le, f->pending_len);
		*resplen = sw(resp, le, (uint16_t)(0x6100 |
		    (f->pending_len > 255 ? 0 : f->pending_len)));
		break;
	}
	return 0;
}

static void
fc_close(struct card *card)
{
}

static const struct card_ops fc_ops = {
	.name = "file-card",
	.transmit = fc_transmit,
	.close = fc_close,
};

/* A card holding an EF of `len` bytes: a BER-TLV E0 template when tlv. */
static struct file_card *
fc_new(struct card *card, size_t len, int tlv, enum style style)
{
	struct file_card *f = xcalloc(1, sizeof(*f));
	size_t i;

	f->ef = xmalloc(len);
	for (i = 0; i < len; i++)
		f->ef[i] = (uint8_t)(i * 7);
	if (tlv) {
		assert_true(len > 4 && len - 4 < 65536);
		f->ef[0] = 0xE0;
		f->ef[1] = 0x82;
		f->ef[2] = (uint8_t)((len - 4) >> 8);
		f->ef[3] = (uint8_t)(len - 4);
	}
	f->len = len;
	f->style = style;
	memset(card, 0, sizeof(*card));
	card->ops = &fc_ops;
	card->priv = f;
	strcpy(card->reader, "File Card 00");
	return f;
}

static void
fc_free(struct file_card *f)
{
	free(f->ef);
	free(f);
}

static uint8_t buf[70000];

/* The 403-byte basic-items file of issue 17 in each style. */
static void
test_403_bytes_each_style(void **state)
{
	static const struct { enum style style; unsigned apdus; } cases[] = {
		{ ISO, 2 }, { EOF_WARNING, 2 }, { EXACT_LE, 3 }, { CHAIN, 2 },
	};
	size_t i, len;
	uint16_t s;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct card card;
		struct file_card *f = fc_new(&card, 403, 1, cases[i].style);

		assert_int_equal(card_read_ef_sfi(&card, 1, 1, buf, 4096, &len, &s), 0);
		assert_int_equal(len, 403);
		assert_int_equal(s, 0x9000);
		assert_memory_equal(buf, f->ef, 403);
		assert_int_equal(card.apdus, cases[i].apdus);
		fc_free(f);
	}
}

/* Without the TLV shortcut the end of a file of exactly 256 bytes is found
 * by 6B00 at offset 256; with 6282 by an empty answer. */
static void
test_end_of_file_signals(void **state)
{
	struct card card;
	struct file_card *f;
	size_t len;
	uint16_t s;

	f = fc_new(&card, 256, 0, ISO);
	assert_int_equal(card_read_ef_sfi(&card, 1, 0, buf, 4096, &len, &s), 0);
	assert_int_equal(len, 256);
	assert_int_equal(f->reads, 2);
	fc_free(f);
	f = fc_new(&card, 512, 0, EOF_WARNING);
	assert_int_equal(card_read_ef_sfi(&card, 1, 0, buf, 4096, &len, &s), 0);
	assert_int_equal(len, 512);
	assert_int_equal(f->reads, 3);
	assert_memory_equal(buf, f->ef, 512);
	fc_free(f);
	f = fc_new(&card, 100, 0, EXACT_LE);
	assert_int_equal(card_read_ef_sfi(&card, 1, 0, buf, 4096, &len, &s), 0);
	assert_int_equal(len, 100);
	assert_int_equal(f->resends, 1);
	fc_free(f);
}

/* Extended length: one READ BINARY with Le 65536 takes a 5000-byte file. */
static void
test_extended_one_read(void **state)
{
	struct card card;
	struct file_card *f = fc_new(&card, 5000, 1, ISO);
	size_t len;
	uint16_t s;

	card.extended = 1;
	assert_int_equal(card_read_ef_sfi(&card, 1, 1, buf, 8192, &len, &s), 0);
	assert_int_equal(len, 5000);
	assert_int_equal(card.apdus, 1);
	fc_free(f);
}

/* Refusals: longer than the caller's buffer, past offset 32767 (odd INS
 * B1 is not used), an error status word. */
static void
test_refusals(void **state)
{
	struct card card;
	struct file_card *f;
	size_t len;
	uint16_t s;

	f = fc_new(&card, 5000, 1, ISO);
	assert_int_equal(card_read_ef_sfi(&card, 1, 1, buf, 4096, &len, &s),
	    NHI_ECARD_PROTO);
	assert_non_null(strstr(err_detail(), "longer than 4096 bytes"));
	fc_free(f);
	f = fc_new(&card, 40000, 0, ISO);
	assert_int_equal(card_read_ef_sfi(&card, 1, 0, buf, sizeof(buf), &len, &s),
	    NHI_ECARD_PROTO);
	assert_non_null(strstr(err_detail(), "odd instruction B1"));
	assert_int_equal(f->reads, 128);	/* 128 reads of 256 reach 32768 */
	fc_free(f);
	f = fc_new(&card, 10, 0, ISO);
	f->len = 0;	/* offset 0 is past the end of an empty EF: 6B00 */
	assert_int_equal(card_read_ef_sfi(&card, 1, 0, buf, 4096, &len, &s),
	    NHI_ECARD_SW);
	assert_int_equal(s, 0x6B00);
	fc_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_403_bytes_each_style),
		cmocka_unit_test(test_end_of_file_signals),
		cmocka_unit_test(test_extended_one_read),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
