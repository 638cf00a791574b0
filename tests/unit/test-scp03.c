/*
 * Tests of the station's SCP03 channel (card-scp03.c) through the scripted
 * transport: public traces replayed from tests/data/scp03-*.apdu, a wrong
 * card cryptogram (nothing sent after INITIALIZE UPDATE), a wrong R-MAC
 * (rejected, channel closed), refusals and malformed answers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "card.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

static const char eid_plain[] = "bf3e125a1089882119900000000000000000000005";

static void
keyset(struct scp03_keyset *ks, uint8_t kvn, size_t keylen)
{
	size_t i;

	memset(ks, 0, sizeof *ks);
	ks->kvn = kvn;
	ks->keylen = keylen;
	for (i = 0; i < keylen; i++) {
		ks->enc[i] = (uint8_t)(0x00 + i % 16);
		ks->mac[i] = (uint8_t)(0x10 + i % 16);
		ks->dek[i] = (uint8_t)(0x20 + i % 16);
	}
}

static char *
data_text(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/tests/data/%s", top != NULL ? top : "..", name);
	char *text = NULL;
	size_t len;

	assert_int_equal(fs_read_file(path, 1 << 20, &text, &len), 0);
	free(path);
	return text;
}

/* Replace the first occurrence of `from` in `text` (same length). */
static void
patch(char *text, const char *from, const char *to)
{
	char *p = strstr(text, from);

	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

static void
get_eid(struct apdu *a)
{
	static const uint8_t data[] = { 0xbf, 0x3e, 0x03, 0x5c, 0x01, 0x5a };

	memset(a, 0, sizeof *a);
	a->cla = 0x80;
	a->ins = 0xe2;
	a->p1 = 0x91;
	a->p2 = 0x00;
	a->data = data;
	a->lc = sizeof data;
	a->has_le = 1;
	a->le = 256;
}

/* The AID of the traces' security domain, the eUICC's ISD-R (SGP.02). */
static const uint8_t isd_r_aid[] = { 0xa0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10,
    0xff, 0xff, 0xff, 0xff, 0x89, 0x00, 0x00, 0x01, 0x00 };

struct replay {
	const char *file;
	uint8_t kvn, level;
	size_t keylen;
	const char *host_challenge;
};

static const struct replay replays[] = {
	{ "scp03-aes128-33.apdu", 0x30, 0x33, 16, "fdf38259a1e0de44" },
	{ "scp03-aes128-11.apdu", 0x30, 0x11, 16, "b13e5f938fc108c4" },
	{ "scp03-aes256-03.apdu", 0x32, 0x03, 32, "c6066990fc426e1d" },
};

static int
run_open(const char *name, const char *text, const struct replay *rp,
    struct card **cardp, struct scp03 **scp)
{
	struct scp03_keyset ks;
	struct scp03_params p;
	uint8_t hc[8];

	assert_int_equal(card_script_open_mem(name, text, cardp), 0);
	assert_int_equal(hex_decode(rp->host_challenge, hc, sizeof hc), 8);
	keyset(&ks, rp->kvn, rp->keylen);
	memset(&p, 0, sizeof p);
	p.kvn = rp->kvn;
	p.level = rp->level;
	p.host_challenge = hc;
	/* The traces' card (an eUICC) answers i = 70: its challenges are the
	 * pseudo-random ones of its ISD-R, which the station checks. */
	p.sd_aid = isd_r_aid;
	p.sd_aid_len = sizeof isd_r_aid;
	*scp = NULL;
	return scp03_open(*cardp, &ks, &p, scp);
}

static void
test_replay_public_traces(void **state)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(replays); i++) {
		struct card *card;
		struct scp03 *sc;
		struct apdu a;
		struct apdu_resp *resp = xmalloc(sizeof *resp);
		char *text = data_text(replays[i].file), hex[128];

		assert_int_equal(run_open(replays[i].file, text, &replays[i], &card,
		    &sc), 0);
		assert_true(scp03_is_open(sc));
		assert_int_equal(scp03_card_kvn(sc), replays[i].kvn);
		assert_int_equal(scp03_card_i(sc), 0x70);
		get_eid(&a);
		assert_int_equal(scp03_xfer(sc, &a, resp), 0);
		assert_int_equal(resp->sw, 0x9000);
		hex_encode(resp->data, resp->len, hex);
		assert_string_equal(hex, eid_plain);
		assert_true(card_script_done(card));
		assert_int_equal(card->apdus, 3);
		scp03_close(sc);
		card_close(card);
		free(text);
		free(resp);
	}
}

static void
test_wrong_card_cryptogram_stops(void **state)
{
	struct card *card;
	struct scp03 *sc;
	char *text = data_text("scp03-aes128-33.apdu");

	/* last byte of the card cryptogram 2d -> 2e */
	patch(text, "6b 37 2d 00 00 03", "6b 37 2e 00 00 03");
	assert_int_equal(run_open("bad-cryptogram", text, &replays[0], &card, &sc),
	    NHI_ECRYPTOGRAM);
	assert_null(sc);
	assert_non_null(strstr(err_detail(), "card cryptogram"));
	/* only INITIALIZE UPDATE went out: EXTERNAL AUTHENTICATE (the next
	 * scripted command) was never sent */
	assert_int_equal(card->apdus, 1);
	assert_false(card_script_done(card));
	card_close(card);
	free(text);
}

/*
 * i = 70: the card challenge must be the pseudo-random one (static ENC key,
 * sequence counter, SD AID). A challenge changed in the trace, or the same
 * answer checked against another SD's AID, stops the station after
 * INITIALIZE UPDATE, even when (as a cloned card could) the card
 * cryptogram is made to fit.
 */
static void
test_pseudo_random_challenge_checked(void **state)
{
	struct card *card;
	struct scp03 *sc;
	struct scp03_keyset ks;
	struct scp03_params p;
	uint8_t hc[8];
	char *text = data_text("scp03-aes128-33.apdu");

	/* the sequence counter 000003 -> 000004: another challenge expected */
	patch(text, "6b 37 2d 00 00 03", "6b 37 2d 00 00 04");
	assert_int_equal(run_open("bad-seq", text, &replays[0], &card, &sc),
	    NHI_ECRYPTOGRAM);
	assert_null(sc);
	assert_non_null(strstr(err_detail(), "pseudo-random"));
	assert_int_equal(card->apdus, 1);
	card_close(card);
	free(text);

	/* the true answer, but for another security domain */
	text = data_text("scp03-aes128-33.apdu");
	assert_int_equal(card_script_open_mem("other-sd", text, &card), 0);
	assert_int_equal(hex_decode(replays[0].host_challenge, hc, sizeof hc), 8);
	keyset(&ks, 0x30, 16);
	memset(&p, 0, sizeof p);
	p.kvn = 0x30;
	p.level = 0x33;
	p.host_challenge = hc;
	p.sd_aid = (const uint8_t *)"\xa0\x00\x00\x01\x51\x00\x00\x00";
	p.sd_aid_len = 8;
	assert_int_equal(scp03_open(card, &ks, &p, &sc), NHI_ECRYPTOGRAM);
	assert_int_equal(card->apdus, 1);
	card_close(card);

	/* i = 70 and no SD AID to check with: refused, not trusted */
	assert_int_equal(card_script_open_mem("no-aid", text, &card), 0);
	p.sd_aid = NULL;
	p.sd_aid_len = 0;
	assert_int_equal(scp03_open(card, &ks, &p, &sc), NHI_EAUTH);
	assert_int_equal(card->apdus, 1);
	card_close(card);
	free(text);
}

static void
test_wrong_keys_stop(void **state)
{
	struct card *card;
	struct scp03 *sc;
	struct replay rp = replays[0];
	char *text = data_text("scp03-aes128-33.apdu");

	/* the AES-256 keys of version 30 do not make this card's cryptogram */
	rp.keylen = 32;
	assert_int_equal(run_open("wrong-keys", text, &rp, &card, &sc),
	    NHI_ECRYPTOGRAM);
	assert_int_equal(card->apdus, 1);
	card_close(card);
	free(text);
}

static void
test_wrong_rmac_rejected(void **state)
{
	static const struct { const char *file, *from, *to; } cases[] = {
		{ "scp03-aes128-11.apdu", "bd fa 90 00", "bd fb 90 00" },
		{ "scp03-aes128-33.apdu", "75 b9 90 00", "75 b8 90 00" },
		/* the data changed, the R-MAC kept */
		{ "scp03-aes128-11.apdu", "bf 3e 12 5a 10 89", "bf 3e 12 5a 10 88" },
		/* R-MAC dropped: only the SW is left */
		{ "scp03-aes128-11.apdu", "< bf 3e 12", "< 90 00 # " },
	};
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct card *card;
		struct scp03 *sc;
		struct apdu a;
		struct apdu_resp *resp = xmalloc(sizeof *resp);
		char *text = data_text(cases[i].file);
		const struct replay *rp = strstr(cases[i].file, "33") ? &replays[0] :
		    &replays[1];

		patch(text, cases[i].from, cases[i].to);
		assert_int_equal(run_open(cases[i].file, text, rp, &card, &sc), 0);
		get_eid(&a);
		assert_int_equal(scp03_xfer(sc, &a, resp), NHI_ERMAC);
		assert_int_equal(resp->len, 0);
		assert_false(scp03_is_open(sc));
		/* the channel is closed: nothing more is sent */
		assert_int_equal(scp03_xfer(sc, &a, resp), NHI_ESTATE);
		assert_int_equal(card->apdus, 3);
		scp03_close(sc);
		card_close(card);
		free(text);
		free(resp);
	}
}

static void
test_refusals_and_bad_answers(void **state)
{
	static const struct { const char *from, *to; int code; const char *detail; } cases[] = {
		/* INITIALIZE UPDATE refused (key version not on the card) */
		{ "2d 00 00 03 90 00", "2d 00 00 03 6a 88", NHI_EAUTH, "SW 6A88" },
		/* SCP02 instead of 03 */
		{ "30 03 70 3b", "30 02 70 3b", NHI_EAUTH, "protocol 02" },
		/* another key version than asked */
		{ "30 03 70 3b", "31 03 70 3b", NHI_ECARD_PROTO, "key version 30" },
		/* S16 announced */
		{ "30 03 70 3b", "30 03 71 3b", NHI_EAUTH, "S16" },
		/* no R-MAC / R-ENC support for level 33 */
		{ "30 03 70 3b", "30 03 10 3b", NHI_EAUTH, "level 33" },
		/* sequence counter missing although i says pseudo-random */
		{ "2d 00 00 03 90 00", "2d 90 00 #       ", NHI_ECARD_PROTO, "expected 32" },
		/* EXTERNAL AUTHENTICATE refused */
		{ "< 90 00\n# GET", "< 69 82\n# GET", NHI_EAUTH, "EXTERNAL AUTHENTICATE" },
	};
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct card *card;
		struct scp03 *sc;
		char *text = data_text("scp03-aes128-33.apdu");

		print_message("# case %zu\n", i);
		patch(text, cases[i].from, cases[i].to);
		assert_int_equal(run_open("t", text, &replays[0], &card, &sc),
		    cases[i].code);
		assert_non_null(strstr(err_detail(), cases[i].detail));
		assert_null(sc);
		card_close(card);
		free(text);
	}
}

static void
test_removed_card_closes_channel(void **state)
{
	struct card *card;
	struct scp03 *sc;
	struct apdu a;
	struct apdu_resp *resp = xmalloc(sizeof *resp);
	char *text = data_text("scp03-aes128-33.apdu");

	patch(text, "# GET DATA", "!removed #");
	assert_int_equal(run_open("removed", text, &replays[0], &card, &sc), 0);
	get_eid(&a);
	assert_int_equal(scp03_xfer(sc, &a, resp), NHI_ECARD_REMOVED);
	assert_int_equal(scp03_xfer(sc, &a, resp), NHI_ESTATE);
	scp03_close(sc);
	card_close(card);
	free(text);
	free(resp);
}

static void
test_bad_level(void **state)
{
	struct card *card;
	struct scp03 *sc = NULL;
	struct scp03_keyset ks;
	struct scp03_params p = { .kvn = 0x30, .level = 0x31 };

	assert_int_equal(card_script_open_mem("empty", "", &card), 0);
	keyset(&ks, 0x30, 16);
	assert_int_equal(scp03_open(card, &ks, &p, &sc), NHI_ERANGE);
	assert_int_equal(card->apdus, 0);
	card_close(card);
}

static void
append_hex(char **text, const char *prefix, const uint8_t *b, size_t len)
{
	char *hex = xmalloc(2 * len + 1), *t;

	hex_encode(b, len, hex);
	t = xasprintf("%s%s%s\n", *text, prefix, hex);
	free(hex);
	free(*text);
	*text = t;
}

/*
 * The profile's configuration (docs/card-profile.md 3.2): i = 60 (random
 * card challenge, no sequence counter), level 13, a card playing its side
 * with the crypto-scp03 primitives as the emulator does: a response with
 * data and R-MAC, an error status without R-MAC, and a wrong R-MAC.
 */
static void
test_profile_level_13_i60(void **state)
{
	struct scp03_keyset ks;
	struct scp03_session card_sess;
	struct scp03_params p;
	struct scp03 *sc;
	struct card *card;
	struct apdu a;
	struct apdu_resp *resp = xmalloc(sizeof *resp);
	uint8_t hc[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, cc[8] = { 9, 9, 9, 9, 8, 8, 8, 8 };
	uint8_t buf[128], hdr[4], wrapped[64], plain[64], rdata[64];
	size_t n, wl, pl, rl;
	char *text = xstrdup("# synthetic: i = 60, level 13\n");
	static const uint8_t cmd_data[] = { 0x4f, 0x00 };
	static const uint8_t answer[] = { 0xe3, 0x03, 0x4f, 0x01, 0xaa };

	keyset(&ks, 0x30, 16);
	assert_int_equal(crypto_scp03_derive_session(&ks, hc, cc, 8, &card_sess), 0);
	/* INITIALIZE UPDATE */
	memcpy(buf, "\x80\x50\x30\x00\x08", 5);
	memcpy(buf + 5, hc, 8);
	buf[13] = 0;
	append_hex(&text, "> ", buf, 14);
	memset(buf, 0x42, 10);
	memcpy(buf + 10, "\x30\x03\x60", 3);
	memcpy(buf + 13, cc, 8);
	assert_int_equal(crypto_scp03_cryptogram(&card_sess, SCP03_DC_CARD_CRYPTOGRAM,
	    hc, cc, buf + 21), 0);
	memcpy(buf + 29, "\x90\x00", 2);
	append_hex(&text, "< ", buf, 31);
	/* EXTERNAL AUTHENTICATE, as the card checks it */
	assert_int_equal(crypto_scp03_cryptogram(&card_sess, SCP03_DC_HOST_CRYPTOGRAM,
	    hc, cc, buf + 5), 0);
	memcpy(buf, "\x84\x82\x13\x00\x10", 5);
	assert_int_equal(crypto_scp03_cmac(&card_sess, buf, 13, buf + 13), 0);
	append_hex(&text, "> ", buf, 21);
	append_hex(&text, "< ", (const uint8_t *)"\x90\x00", 2);
	card_sess.level = 0x13;
	/* the command the station will wrap, wrapped by an independent
	 * session copy; the card unwraps it and answers */
	{
		struct scp03_session host_copy = card_sess;

		memcpy(hdr, "\x80\xf2\x40\x00", 4);
		assert_int_equal(crypto_scp03_wrap_command(&host_copy, hdr, cmd_data,
		    sizeof cmd_data, wrapped, sizeof wrapped, &wl), 0);
		crypto_scp03_wipe(&host_copy);
	}
	memcpy(buf, hdr, 4);
	buf[4] = (uint8_t)wl;
	memcpy(buf + 5, wrapped, wl);
	buf[5 + wl] = 0x00;
	append_hex(&text, "> ", buf, 6 + wl);
	assert_int_equal(crypto_scp03_unwrap_command(&card_sess, hdr, wrapped, wl,
	    plain, sizeof plain, &pl), 0);
	assert_int_equal(pl, sizeof cmd_data);
	assert_memory_equal(plain, cmd_data, pl);
	assert_int_equal(crypto_scp03_wrap_response(&card_sess, answer, sizeof answer,
	    0x9000, rdata, sizeof rdata, &rl), 0);
	assert_int_equal(rl, sizeof answer + 8);	/* no R-ENC at level 13 */
	memcpy(rdata + rl, "\x90\x00", 2);
	append_hex(&text, "< ", rdata, rl + 2);
	/* a second command answered 6A88 without data: no R-MAC */
	memcpy(hdr, "\x80\xca\x00\x66", 4);
	assert_int_equal(crypto_scp03_wrap_command(&card_sess, hdr, NULL, 0, wrapped,
	    sizeof wrapped, &wl), 0);
	memcpy(buf, hdr, 4);
	buf[4] = (uint8_t)wl;
	memcpy(buf + 5, wrapped, wl);
	buf[5 + wl] = 0x00;
	append_hex(&text, "> ", buf, 6 + wl);
	assert_false(crypto_scp03_resp_has_rmac(&card_sess, 0, 0x6a88));
	append_hex(&text, "< ", (const uint8_t *)"\x6a\x88", 2);

	assert_int_equal(card_script_open_mem("level13", text, &card), 0);
	memset(&p, 0, sizeof p);
	p.kvn = 0x30;
	p.level = 0x13;
	p.host_challenge = hc;
	assert_int_equal(scp03_open(card, &ks, &p, &sc), 0);
	assert_int_equal(scp03_card_i(sc), 0x60);
	memset(buf, 0x42, 10);
	assert_memory_equal(scp03_divdata(sc), buf, 10);
	memset(&a, 0, sizeof a);
	a.cla = 0x80; a.ins = 0xf2; a.p1 = 0x40; a.p2 = 0x00;
	a.data = cmd_data; a.lc = sizeof cmd_data; a.has_le = 1; a.le = 256;
	assert_int_equal(scp03_xfer(sc, &a, resp), 0);
	assert_int_equal(resp->sw, 0x9000);
	assert_int_equal(resp->len, sizeof answer);
	assert_memory_equal(resp->data, answer, sizeof answer);
	memset(&a, 0, sizeof a);
	a.cla = 0x80; a.ins = 0xca; a.p1 = 0x00; a.p2 = 0x66; a.has_le = 1; a.le = 256;
	assert_int_equal(scp03_xfer(sc, &a, resp), 0);
	assert_int_equal(resp->sw, 0x6a88);
	assert_int_equal(resp->len, 0);
	assert_true(scp03_is_open(sc));
	assert_true(card_script_done(card));
	n = card->apdus;
	assert_int_equal(n, 4);
	scp03_close(sc);
	card_close(card);
	crypto_scp03_wipe(&card_sess);
	free(text);
	free(resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_public_traces),
		cmocka_unit_test(test_pseudo_random_challenge_checked),
		cmocka_unit_test(test_wrong_card_cryptogram_stops),
		cmocka_unit_test(test_wrong_keys_stop),
		cmocka_unit_test(test_wrong_rmac_rejected),
		cmocka_unit_test(test_refusals_and_bad_answers),
		cmocka_unit_test(test_removed_card_closes_channel),
		cmocka_unit_test(test_bad_level),
		cmocka_unit_test(test_profile_level_13_i60),
	};

	return cmocka_run_group_tests_name("scp03", tests, NULL, NULL);
}
