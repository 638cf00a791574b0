/*
 * Unit tests of the emulator's NHI card OS (cardsim/os-nhi*.c), driving its
 * APDU handler directly. Secure channel commands are wrapped with the
 * station-side SCP03 primitives of the crypto layer and the static keys
 * come from the test key store (keys/), as in a real personalization.
 */
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

#include "card.h"
#include "cardsim.h"
#include "crypto.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

#ifndef NHI_TEST_KEYS
#error "NHI_TEST_KEYS must name the test key store (keys/)"
#endif

extern const struct sim_os sim_os_juki, sim_os_juki_new, sim_os_standalone;

/* The key store the card maker (the card) and the station (the test) use. */
static const char *key_dir = NHI_TEST_KEYS;

static const uint8_t SERIAL[10] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    0x99, 0x00 };
static const char SERIAL_HEX[] = "11223344556677889900";
/* The town area of 本山町 (394114). */
static const uint8_t TOWN[] = { 0xF0, 0x4E, 0x48, 0x49, 0x43, 0x54, 0x39, 0x41, 0x14 };
static const uint8_t SD[] = { 0xF0, 0x4E, 0x48, 0x49, 0x43, 0x53, 0x44 };
static const uint8_t NHI[] = { 0xF0, 0x4E, 0x48, 0x49, 0x43, 0x41, 0x50, 0x01 };
static const uint8_t JUKI[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
    0x01 };

/* The station's end of the conversation with one emulated card. */
struct host {
	const struct sim_os *os;
	void		*card;
	struct scp03_session sess;
	int		 changed;	/* the last command changed the card */
	uint8_t		 resp[SIM_RESP_MAX];
	size_t		 len;		/* response data (without SW) */
	uint16_t	 sw;
};

static struct host *
host_new(const struct sim_os *os, const char *const *opts)
{
	struct host *h = xcalloc(1, sizeof(*h));
	char *dup, *eq;
	int changed = 0;
	size_t i;

	h->os = os;
	h->card = os->create();
	assert_int_equal(os->option(h->card, "keys", key_dir, &changed), 0);
	assert_int_equal(os->option(h->card, "serial", SERIAL_HEX, &changed), 0);
	for (i = 0; opts != NULL && opts[i] != NULL; i++) {
		dup = xstrdup(opts[i]);
		eq = strchr(dup, '=');
		*eq = '\0';
		assert_int_equal(os->option(h->card, dup, eq + 1, &changed), 0);
		free(dup);
	}
	assert_int_equal(changed, 1);
	return h;
}

/* The card's state file body. Caller frees. */
static char *
host_save(struct host *h)
{
	uint8_t *out = NULL;
	size_t len = 0;

	assert_int_equal(h->os->save(h->card, &out, &len), 0);
	out = xrealloc(out, len + 1);
	out[len] = '\0';
	return (char *)out;
}

static void
host_free(struct host *h)
{
	h->os->free(h->card);
	crypto_scp03_wipe(&h->sess);
	free(h);
}

/* Send raw bytes; split the answer into data and SW. */
static void
tx_raw(struct host *h, const uint8_t *cmd, size_t len)
{
	size_t n = 0;

	h->changed = 0;
	h->os->apdu(h->card, cmd, len, h->resp, &n, &h->changed);
	assert_true(n >= 2);
	h->len = n - 2;
	h->sw = (uint16_t)(h->resp[n - 2] << 8 | h->resp[n - 1]);
}

/* A plain command: header, data, Le 00 when `le`. */
static void
tx(struct host *h, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t lc, int le)
{
	uint8_t cmd[300];
	size_t n = 0;

	cmd[n++] = cla;
	cmd[n++] = ins;
	cmd[n++] = p1;
	cmd[n++] = p2;
	if (lc > 0) {
		cmd[n++] = (uint8_t)lc;
		memcpy(cmd + n, data, lc);
		n += lc;
	}
	if (le)
		cmd[n++] = 0x00;
	tx_raw(h, cmd, n);
}

static void
select_aid(struct host *h, const uint8_t *aid, size_t len)
{
	tx(h, 0x00, 0xA4, 0x04, 0x00, aid, len, 1);
}

/* The card's static keys as the station derives them. */
static void
static_keys(uint8_t kvn, struct scp03_keyset *out)
{
	struct crypto_master_keys m;
	char *file = kvn == 0xFF ? xasprintf("%s/test-transport-ff.keys", key_dir) :
	    xasprintf("%s/test-master-30.keys", key_dir);

	assert_int_equal(crypto_master_keys_load(file, CRYPTO_MODE_TEST, &m), 0);
	assert_int_equal(crypto_keys_diversify(&m, SERIAL, out), 0);
	crypto_master_keys_wipe(&m);
	free(file);
}

/*
 * INITIALIZE UPDATE + EXTERNAL AUTHENTICATE at `level` with key set `kvn`.
 * Returns the SW of EXTERNAL AUTHENTICATE, or 0x0001 when the card
 * cryptogram is wrong (the station stops there).
 */
static uint16_t
open_channel_x(struct host *h, uint8_t kvn, uint8_t level, int bad_host)
{
	static const uint8_t host_chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct scp03_keyset keys;
	uint8_t cryptogram[8], msg[5 + 8], cmd[5 + 16], mac[16];

	static_keys(kvn, &keys);
	select_aid(h, SD, sizeof(SD));
	assert_int_equal(h->sw, 0x9000);
	tx(h, 0x80, 0x50, kvn, 0x00, host_chal, 8, 1);
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(h->len, 29);
	assert_memory_equal(h->resp, SERIAL, 10);
	assert_int_equal(h->resp[10], kvn);
	assert_int_equal(h->resp[11], 0x03);
	assert_int_equal(h->resp[12], 0x60);
	assert_int_equal(crypto_scp03_derive_session(&keys, host_chal, h->resp + 13, 8,
	    &h->sess), 0);
	assert_int_equal(crypto_scp03_cryptogram(&h->sess, SCP03_DC_CARD_CRYPTOGRAM,
	    host_chal, h->resp + 13, cryptogram), 0);
	if (!crypto_equal(cryptogram, h->resp + 21, 8)) {
		crypto_scp03_keyset_wipe(&keys);
		return 0x0001;
	}
	assert_int_equal(crypto_scp03_cryptogram(&h->sess, SCP03_DC_HOST_CRYPTOGRAM,
	    host_chal, h->resp + 13, cryptogram), 0);
	if (bad_host)
		cryptogram[0] ^= 0x01;
	memcpy(msg, (const uint8_t[]){ 0x84, 0x82, level, 0x00, 0x10 }, 5);
	memcpy(msg + 5, cryptogram, 8);
	assert_int_equal(crypto_scp03_cmac(&h->sess, msg, sizeof(msg), mac), 0);
	memcpy(cmd, msg, 13);
	memcpy(cmd + 13, mac, 8);
	tx_raw(h, cmd, sizeof(cmd));
	h->sess.level = level;
	crypto_scp03_keyset_wipe(&keys);
	return h->sw;
}

static uint16_t
open_channel(struct host *h, uint8_t kvn, uint8_t level)
{
	return open_channel_x(h, kvn, level, 0);
}

/*
 * A command through the channel; the response is checked and unwrapped in
 * place (h->len, h->resp). `corrupt` flips the C-MAC's last byte. Returns
 * the result of unwrapping the response (0 or NHI_ERMAC).
 */
static int
tx_sc(struct host *h, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t lc, int le, int corrupt)
{
	uint8_t hdr[4] = { cla, ins, p1, p2 }, body[400], cmd[420], plain[SIM_RESP_MAX];
	size_t blen = 0, n = 0, plen = 0;
	int r;

	assert_int_equal(crypto_scp03_wrap_command(&h->sess, hdr, data, lc, body,
	    sizeof(body), &blen), 0);
	if (corrupt)
		body[blen - 1] ^= 0x01;
	memcpy(cmd, hdr, 4);
	n = 4;
	cmd[n++] = (uint8_t)blen;
	memcpy(cmd + n, body, blen);
	n += blen;
	if (le)
		cmd[n++] = 0x00;
	tx_raw(h, cmd, n);
	r = crypto_scp03_unwrap_response(&h->sess, h->resp, h->len, h->sw, plain,
	    sizeof(plain), &plen);
	if (r == 0) {
		memcpy(h->resp, plain, plen);
		h->len = plen;
	}
	err_clear();
	return r;
}

/* 84 L AID [+ extra] */
static size_t
aid_ref(uint8_t *out, const uint8_t *aid, size_t len)
{
	out[0] = 0x84;
	out[1] = (uint8_t)len;
	memcpy(out + 2, aid, len);
	return 2 + len;
}

static uint16_t
create_df(struct host *h, const uint8_t *aid, size_t alen, const uint8_t *parent,
    size_t plen, uint8_t lcs)
{
	uint8_t fcp[64];
	size_t n = 0;

	fcp[n++] = 0x62;
	fcp[n++] = (uint8_t)(3 + 2 + alen + 4 + plen + 3);
	memcpy(fcp + n, (const uint8_t[]){ 0x82, 0x01, 0x38 }, 3);
	n += 3;
	n += aid_ref(fcp + n, aid, alen);
	fcp[n++] = 0x86;
	fcp[n++] = (uint8_t)(2 + plen);
	n += aid_ref(fcp + n, parent, plen);
	memcpy(fcp + n, (const uint8_t[]){ 0x8A, 0x01, lcs }, 3);
	n += 3;
	assert_int_equal(tx_sc(h, 0x00, 0xE0, 0x00, 0x00, fcp, n, 1, 0), 0);
	return h->sw;
}

/* A command naming its target by AID; under R-MAC always with Le. */
static uint16_t
by_aid(struct host *h, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *aid,
    size_t len)
{
	uint8_t data[20];

	assert_int_equal(tx_sc(h, 0x00, ins, p1, p2, data, aid_ref(data, aid, len), 1,
	    0), 0);
	return h->sw;
}

/* A key record with `pub` (the signature is not the card's business). */
static size_t
make_record(uint8_t *out, const uint8_t user[16], const uint8_t pub[65])
{
	uint8_t inner[256], zero[64];
	size_t n = 0, off = 0;

	memset(zero, 0xAB, sizeof(zero));
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF01, user, 16), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF02,
	    (const uint8_t *)"394114", 6), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF03,
	    (const uint8_t *)"394114", 6), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF04,
	    (const uint8_t *)"\x01", 1), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF05,
	    (const uint8_t *)"20261124", 8), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF06,
	    (const uint8_t *)"\x01", 1), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF07, pub, 65), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF08, zero, 8), 0);
	assert_int_equal(tlv_put(inner, sizeof(inner), &n, 0xDF09, zero, 64), 0);
	assert_int_equal(tlv_put(out, 300, &off, 0x70, inner, n), 0);
	return off;
}

/* The NHI AP's public key from GENERATE ASYMMETRIC KEY PAIR. */
static void
generate(struct host *h, uint8_t pub[65])
{
	struct tlv t, p;

	assert_int_equal(by_aid(h, 0x46, 0x00, 0x81, NHI, sizeof(NHI)), 0x9000);
	assert_int_equal(tlv_find(h->resp, h->len, 0x7F49, &t), 0);
	assert_int_equal(tlv_find(t.value, t.len, 0x86, &p), 0);
	assert_int_equal(p.len, 65);
	assert_int_equal(crypto_ec_public_check(p.value), 0);
	memcpy(pub, p.value, 65);
}

static uint16_t
put_record(struct host *h, const uint8_t user[16], const uint8_t pub[65])
{
	uint8_t data[320];
	size_t n = aid_ref(data, NHI, sizeof(NHI));

	n += make_record(data + n, user, pub);
	assert_int_equal(tx_sc(h, 0x00, 0xDA, 0x00, 0x70, data, n, 1, 0), 0);
	return h->sw;
}

/* The whole existing-Juki-card personalization; leaves the NHI AP
 * activated. */
static void
personalize(struct host *h, const uint8_t user[16], uint8_t pub[65])
{
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(create_df(h, NHI, sizeof(NHI), TOWN, sizeof(TOWN), 0x01), 0x9000);
	assert_true(h->changed);
	generate(h, pub);
	assert_int_equal(put_record(h, user, pub), 0x9000);
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x9000);
	assert_true(h->changed);
}

/* LCS of `aid` in the SD's FCI, or -1 when not listed. */
static int
lcs_in_fci(struct host *h, const uint8_t *aid, size_t len)
{
	const uint8_t *p;
	size_t left;
	struct tlv fci, a5, kids, kid, t;

	select_aid(h, SD, sizeof(SD));
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(tlv_find(h->resp, h->len, 0x6F, &fci), 0);
	assert_int_equal(tlv_find(fci.value, fci.len, 0xA5, &a5), 0);
	assert_int_equal(tlv_find(a5.value, a5.len, 0xBF43, &kids), 0);
	for (p = kids.value, left = kids.len; left > 0;) {
		assert_int_equal(tlv_next(&p, &left, &kid), 0);
		assert_int_equal(tlv_find(kid.value, kid.len, 0x4F, &t), 0);
		if (t.len == len && memcmp(t.value, aid, len) == 0) {
			assert_int_equal(tlv_find(kid.value, kid.len, 0x8A, &t), 0);
			return t.value[0];
		}
	}
	return -1;
}

/* ---- the tests -------------------------------------------------------- */

static void
test_juki_recognition(void **state)
{
	static const char *const opts[] = { "name=佐藤 花子", "birth=19750102", "sex=2",
	    "address=高知県長岡郡本山町本山１番地", NULL };
	struct host *h = host_new(&sim_os_juki, opts);
	uint8_t atr[SIM_ATR_MAX], expect_atr[13];
	struct tlv e0, t, fci, a5;
	size_t n, full;

	(void)state;
	free(host_save(h));	/* builds the card */
	n = h->os->atr(h->card, atr);
	assert_int_equal(hex_decode("3b8880014a554b495445535402", expect_atr, 13), 13);
	assert_int_equal(n, 13);
	assert_memory_equal(atr, expect_atr, 13);

	/* READ BINARY needs the Juki AP selected. */
	tx(h, 0x00, 0xB0, 0x81, 0x00, NULL, 0, 1);
	assert_int_equal(h->sw, 0x6A82);
	select_aid(h, JUKI, sizeof(JUKI));
	assert_int_equal(h->sw, 0x9000);
	tx(h, 0x00, 0xB0, 0x81, 0x00, NULL, 0, 1);
	assert_int_equal(h->sw, 0x9000);
	full = h->len;
	assert_int_equal(tlv_find(h->resp, h->len, 0xE0, &e0), 0);
	assert_int_equal(tlv_find(e0.value, e0.len, 0xDF21, &t), 0);
	assert_int_equal(t.len, strlen("佐藤 花子"));
	assert_memory_equal(t.value, "佐藤 花子", t.len);
	assert_int_equal(tlv_find(e0.value, e0.len, 0xDF22, &t), 0);
	assert_memory_equal(t.value, "19750102", 8);
	assert_int_equal(tlv_find(e0.value, e0.len, 0xDF23, &t), 0);
	assert_memory_equal(t.value, "2", 1);
	assert_int_equal(tlv_find(e0.value, e0.len, 0xDF25, &t), 0);
	assert_memory_equal(t.value, "394114", 6);

	/* A short Le: the rest comes by GET RESPONSE. */
	tx_raw(h, (const uint8_t[]){ 0x00, 0xB0, 0x81, 0x00, 0x10 }, 5);
	assert_int_equal(h->len, 16);
	assert_int_equal(h->sw >> 8, 0x61);
	tx_raw(h, (const uint8_t[]){ 0x00, 0xC0, 0x00, 0x00, (uint8_t)(h->sw & 0xff) }, 5);
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(h->len + 16, full);

	/* The SD: family, serial, key set 30, the town area and its two apps,
	 * depth-first. */
	select_aid(h, SD, sizeof(SD));
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(tlv_find(h->resp, h->len, 0x6F, &fci), 0);
	assert_int_equal(tlv_find(fci.value, fci.len, 0xA5, &a5), 0);
	assert_int_equal(tlv_find(a5.value, a5.len, 0xDF40, &t), 0);
	assert_int_equal(t.value[0], 0x01);
	assert_int_equal(tlv_find(a5.value, a5.len, 0xDF41, &t), 0);
	assert_memory_equal(t.value, SERIAL, 10);
	assert_int_equal(tlv_find(a5.value, a5.len, 0xDF42, &t), 0);
	assert_int_equal(t.len, 1);
	assert_int_equal(t.value[0], 0x30);
	assert_int_equal(lcs_in_fci(h, TOWN, sizeof(TOWN)), 0x05);
	assert_int_equal(lcs_in_fci(h, NHI, sizeof(NHI)), -1);

	/* Unknown AID, bad P1, unknown INS, bad CLA. */
	select_aid(h, (const uint8_t[]){ 0xA0, 0, 0, 0, 1 }, 5);
	assert_int_equal(h->sw, 0x6A82);
	tx(h, 0x00, 0xA4, 0x00, 0x00, SD, sizeof(SD), 1);
	assert_int_equal(h->sw, 0x6A86);
	tx(h, 0x00, 0x12, 0x00, 0x00, NULL, 0, 0);
	assert_int_equal(h->sw, 0x6D00);
	tx(h, 0xA0, 0xA4, 0x04, 0x00, SD, sizeof(SD), 1);
	assert_int_equal(h->sw, 0x6E00);
	host_free(h);
}

static void
test_writes_need_the_channel(void **state)
{
	struct host *h = host_new(&sim_os_juki, NULL);
	uint8_t data[20];
	size_t n = aid_ref(data, NHI, sizeof(NHI));
	char *before, *after;

	(void)state;
	before = host_save(h);
	select_aid(h, SD, sizeof(SD));
	/* Plain writes: 6982. */
	tx(h, 0x00, 0xE0, 0x00, 0x00, data, n, 0);
	assert_int_equal(h->sw, 0x6982);
	tx(h, 0x00, 0xE4, 0x04, 0x00, data, n, 0);
	assert_int_equal(h->sw, 0x6982);
	tx(h, 0x00, 0x44, 0x04, 0x00, data, n, 0);
	assert_int_equal(h->sw, 0x6982);
	tx(h, 0x80, 0xD8, 0x30, 0x81, data, n, 1);
	assert_int_equal(h->sw, 0x6982);
	/* Secure messaging without a channel: 6982 too. */
	tx(h, 0x04, 0xE0, 0x00, 0x00, data, n, 0);
	assert_int_equal(h->sw, 0x6982);
	/* EXTERNAL AUTHENTICATE without INITIALIZE UPDATE. */
	tx(h, 0x84, 0x82, 0x13, 0x00, data, 16, 0);
	assert_int_equal(h->sw, 0x6985);
	/* INITIALIZE UPDATE needs the SD selected. */
	select_aid(h, JUKI, sizeof(JUKI));
	tx(h, 0x80, 0x50, 0x30, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x6985);
	after = host_save(h);
	assert_string_equal(before, after);
	free(before);
	free(after);
	host_free(h);
}

static void
test_wrong_cmac_closes_the_channel(void **state)
{
	struct host *h = host_new(&sim_os_juki_new, NULL);
	uint8_t data[20];

	(void)state;
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(tx_sc(h, 0x00, 0xE4, 0x04, 0x00, data,
	    aid_ref(data, NHI, sizeof(NHI)), 1, 1), 0);
	assert_int_equal(h->sw, 0x6988);
	/* The channel is gone: a correctly wrapped command is refused. */
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x6982);
	assert_false(h->changed);
	assert_int_equal(lcs_in_fci(h, TOWN, sizeof(TOWN)), -1);

	/* A plain command inside an open channel closes it as well. */
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	tx(h, 0x00, 0xE0, 0x00, 0x00, data, 10, 0);
	assert_int_equal(h->sw, 0x6982);
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x6982);

	/* A wrong host cryptogram: 6300, no channel. */
	assert_int_equal(open_channel_x(h, 0x30, 0x13, 1), 0x6300);
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x6982);
	/* A level GlobalPlatform does not define: 6A86. */
	assert_int_equal(open_channel(h, 0x30, 0x12), 0x6A86);
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	/* Selecting ends the channel. */
	select_aid(h, SD, sizeof(SD));
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x6982);
	/* An unknown key version: 6A88. */
	tx(h, 0x80, 0x50, 0x31, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x6A88);
	host_free(h);
}

static void
test_channel_lifecycle(void **state)
{
	struct host *h = host_new(&sim_os_juki, NULL);
	uint8_t data[20];

	(void)state;
	/* A reset ends the channel and the selection. */
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	h->os->power(h->card, SIM_POWER_RESET);
	assert_int_equal(create_df(h, NHI, sizeof(NHI), TOWN, sizeof(TOWN), 0x01), 0x6982);
	tx(h, 0x80, 0x50, 0x30, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x6985);	/* nothing selected */
	/* A command between INITIALIZE UPDATE and EXTERNAL AUTHENTICATE drops
	 * the pending session. */
	select_aid(h, SD, sizeof(SD));
	tx(h, 0x80, 0x50, 0x30, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x9000);
	tx(h, 0x00, 0xB0, 0x81, 0x00, NULL, 0, 1);
	tx(h, 0x84, 0x82, 0x13, 0x00, data, 16, 0);
	assert_int_equal(h->sw, 0x6985);
	/* A failing SELECT leaves the channel open. */
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	select_aid(h, (const uint8_t[]){ 0xA0, 0, 0, 0, 9 }, 5);
	assert_int_equal(h->sw, 0x6A82);
	assert_int_equal(create_df(h, NHI, sizeof(NHI), TOWN, sizeof(TOWN), 0x01), 0x9000);
	/* Malformed commands in the channel: PUT KEY without data, bad FCP,
	 * CREATE under a parent that does not exist. */
	assert_int_equal(tx_sc(h, 0x80, 0xD8, 0x30, 0x81, NULL, 0, 1, 0), 0);
	assert_int_equal(h->sw, 0x6700);
	assert_int_equal(tx_sc(h, 0x00, 0xE0, 0x00, 0x00, data, aid_ref(data, NHI,
	    sizeof(NHI)), 1, 0), 0);
	assert_int_equal(h->sw, 0x6A80);
	assert_int_equal(create_df(h, (const uint8_t[]){ 0xF0, 1, 2, 3, 4 }, 5,
	    (const uint8_t[]){ 0xF0, 9, 9, 9, 9 }, 5, 0x05), 0x6A82);
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, SD, sizeof(SD)), 0x6A82);
	assert_int_equal(by_aid(h, 0xE4, 0x04, 0x00, SD, sizeof(SD)), 0x6985);
	/* READ BINARY beyond the end of the EF. */
	select_aid(h, JUKI, sizeof(JUKI));
	tx(h, 0x00, 0xB0, 0x81, 0xFF, NULL, 0, 1);
	assert_int_equal(h->sw, 0x6B00);
	host_free(h);
}

static void
test_new_juki_personalization(void **state)
{
	struct host *h = host_new(&sim_os_juki_new, NULL);
	uint8_t user[16], pub[65], chal[32], msg[48];
	struct tlv fci, t, rec;

	(void)state;
	memset(user, 0x5A, sizeof(user));
	assert_int_equal(lcs_in_fci(h, TOWN, sizeof(TOWN)), -1);
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x9000);
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x6A89);
	assert_int_equal(create_df(h, NHI, sizeof(NHI), TOWN, sizeof(TOWN), 0x01), 0x9000);
	/* Not complete: ACTIVATE refused. */
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x6985);
	assert_false(h->changed);
	generate(h, pub);
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x6985);
	/* A record with another public key does not let it activate either. */
	pub[64] ^= 1;
	assert_int_equal(put_record(h, user, pub), 0x9000);
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x6985);
	pub[64] ^= 1;
	assert_int_equal(put_record(h, user, pub), 0x9000);
	/* DEACTIVATE of a DF in creation: 6985. */
	assert_int_equal(by_aid(h, 0x04, 0x04, 0x00, NHI, sizeof(NHI)), 0x6985);
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x9000);
	/* Once active, no more personalization writes. */
	assert_int_equal(by_aid(h, 0x46, 0x00, 0x81, NHI, sizeof(NHI)), 0x6985);
	assert_int_equal(put_record(h, user, pub), 0x6985);
	/* A retried ACTIVATE is harmless. */
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x9000);
	assert_false(h->changed);
	assert_int_equal(lcs_in_fci(h, NHI, sizeof(NHI)), 0x05);

	/* The clinic terminal's view: FCI with LCS and record, then a
	 * challenge the card signs with the key in the record. */
	select_aid(h, NHI, sizeof(NHI));
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(tlv_find(h->resp, h->len, 0x6F, &fci), 0);
	assert_int_equal(tlv_find(fci.value, fci.len, 0x8A, &t), 0);
	assert_int_equal(t.value[0], 0x05);
	assert_int_equal(tlv_find(fci.value, fci.len, 0xA5, &t), 0);
	assert_int_equal(tlv_find(t.value, t.len, 0x70, &rec), 0);
	assert_int_equal(tlv_find(rec.value, rec.len, 0xDF07, &t), 0);
	assert_memory_equal(t.value, pub, 65);
	assert_int_equal(crypto_random(chal, sizeof(chal)), 0);
	tx(h, 0x00, 0x88, 0x00, 0x81, chal, 32, 1);
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(h->len, 64);
	memcpy(msg, chal, 32);
	memcpy(msg + 32, user, 16);
	assert_int_equal(crypto_ecdsa_verify(pub, msg, sizeof(msg), h->resp), 0);
	/* A signature over another challenge does not verify. */
	msg[0] ^= 1;
	assert_int_equal(crypto_ecdsa_verify(pub, msg, sizeof(msg), h->resp), NHI_EAUTH);
	err_clear();
	tx(h, 0x00, 0x88, 0x00, 0x81, chal, 31, 1);
	assert_int_equal(h->sw, 0x6700);

	/* Locking: DEACTIVATE, then 6283 on SELECT and no signature. */
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(by_aid(h, 0x04, 0x04, 0x00, NHI, sizeof(NHI)), 0x9000);
	assert_true(h->changed);
	assert_int_equal(lcs_in_fci(h, NHI, sizeof(NHI)), 0x04);
	select_aid(h, NHI, sizeof(NHI));
	assert_int_equal(h->sw, 0x6283);
	assert_int_equal(tlv_find(h->resp, h->len, 0x6F, &fci), 0);
	tx(h, 0x00, 0x88, 0x00, 0x81, chal, 32, 1);
	assert_int_equal(h->sw, 0x6985);
	/* INTERNAL AUTHENTICATE outside the NHI AP: 6985. */
	select_aid(h, SD, sizeof(SD));
	tx(h, 0x00, 0x88, 0x00, 0x81, chal, 32, 1);
	assert_int_equal(h->sw, 0x6985);
	/* Reinstate, then re-key path: DELETE FILE and create again. */
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(by_aid(h, 0x44, 0x04, 0x00, NHI, sizeof(NHI)), 0x9000);
	assert_int_equal(lcs_in_fci(h, NHI, sizeof(NHI)), 0x05);
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(by_aid(h, 0xE4, 0x04, 0x00, TOWN, sizeof(TOWN)), 0x6985);
	assert_int_equal(by_aid(h, 0xE4, 0x04, 0x00, NHI, sizeof(NHI)), 0x9000);
	assert_int_equal(by_aid(h, 0xE4, 0x04, 0x00, NHI, sizeof(NHI)), 0x6A82);
	assert_int_equal(lcs_in_fci(h, NHI, sizeof(NHI)), -1);
	host_free(h);
}

/* The objects line of a DF in a state file, or NULL. Caller frees. */
static char *
objects_line(const char *state, const char *aidhex)
{
	char *key = xasprintf("\nobjects %s ", aidhex), *p = strstr(state, key), *end;
	char *line = NULL;

	if (p != NULL) {
		end = strchr(p + 1, '\n');
		line = xstrndup(p + 1, end != NULL ? (size_t)(end - p - 1) : strlen(p + 1));
	}
	free(key);
	return line;
}

static void
test_other_apps_untouched(void **state)
{
	struct host *h = host_new(&sim_os_juki, NULL);
	uint8_t user[16], pub[65];
	char *before, *after, *seal0, *lib0, *seal1, *lib1;

	(void)state;
	memset(user, 0x11, sizeof(user));
	before = host_save(h);
	seal0 = objects_line(before, "f05345414c524547");
	lib0 = objects_line(before, "f04c494252415259");
	assert_non_null(seal0);
	assert_non_null(lib0);
	personalize(h, user, pub);
	/* The town area cannot be deleted while it holds apps. */
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);
	assert_int_equal(by_aid(h, 0xE4, 0x04, 0x00, TOWN, sizeof(TOWN)), 0x6985);
	after = host_save(h);
	seal1 = objects_line(after, "f05345414c524547");
	lib1 = objects_line(after, "f04c494252415259");
	assert_string_equal(seal0, seal1);
	assert_string_equal(lib0, lib1);
	assert_non_null(strstr(after, "df f05345414c524547 parent=f04e48494354394114 lcs=05\n"));
	assert_non_null(strstr(after, "df f04c494252415259 parent=f04e48494354394114 lcs=05\n"));
	assert_non_null(strstr(after, "df f04e484943415001 parent=f04e48494354394114 lcs=05\n"));
	/* The SD lists the town area, then its apps, depth-first. */
	assert_int_equal(lcs_in_fci(h, NHI, sizeof(NHI)), 0x05);
	free(before);
	free(after);
	free(seal0);
	free(lib0);
	free(seal1);
	free(lib1);
	host_free(h);
}

/* PUT KEY data: new KVN and the three new keys under the opener's DEK. */
static size_t
put_key_data(uint8_t *out, const struct scp03_keyset *opener,
    const struct scp03_keyset *fresh, int bad_kcv)
{
	const uint8_t *keys[3] = { fresh->enc, fresh->mac, fresh->dek };
	size_t n = 0, i, len = fresh->keylen;

	out[n++] = fresh->kvn;
	for (i = 0; i < 3; i++) {
		out[n++] = 0x88;
		out[n++] = (uint8_t)(1 + len);
		out[n++] = (uint8_t)len;
		assert_int_equal(crypto_scp03_dek_encrypt(opener, keys[i], len, out + n), 0);
		n += len;
		out[n++] = 0x03;
		assert_int_equal(crypto_kcv(keys[i], len, out + n), 0);
		if (bad_kcv && i == 2)
			out[n] ^= 1;
		n += 3;
	}
	return n;
}

static void
test_standalone_put_key(void **state)
{
	struct host *h = host_new(&sim_os_standalone, NULL);
	struct scp03_keyset transport, muni;
	uint8_t data[128], kcv[3], atr[SIM_ATR_MAX], expect_atr[13];
	struct tlv fci, a5, t;
	size_t n;
	char *text;

	(void)state;
	static_keys(0xFF, &transport);
	static_keys(0x30, &muni);
	assert_int_equal(h->os->atr(h->card, atr), 13);
	assert_int_equal(hex_decode("3b8880014e4849435445535413", expect_atr, 13), 13);
	assert_memory_equal(atr, expect_atr, 13);
	/* No Juki AP on a standalone card. */
	select_aid(h, JUKI, sizeof(JUKI));
	assert_int_equal(h->sw, 0x6A82);
	/* The municipality's keys do not open a blank card. */
	tx(h, 0x80, 0x50, 0x30, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x6985);	/* SD not selected yet */
	select_aid(h, SD, sizeof(SD));
	tx(h, 0x80, 0x50, 0x30, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x6A88);

	assert_int_equal(open_channel(h, 0xFF, 0x13), 0x9000);
	/* A wrong KCV: 6A80 and nothing changes. */
	n = put_key_data(data, &transport, &muni, 1);
	assert_int_equal(tx_sc(h, 0x80, 0xD8, 0xFF, 0x81, data, n, 1, 0), 0);
	assert_int_equal(h->sw, 0x6A80);
	assert_false(h->changed);
	n = put_key_data(data, &transport, &muni, 0);
	assert_int_equal(tx_sc(h, 0x80, 0xD8, 0xFF, 0x81, data, n, 1, 0), 0);
	assert_int_equal(h->sw, 0x9000);
	assert_true(h->changed);
	assert_int_equal(h->len, 10);
	assert_int_equal(h->resp[0], 0x30);
	assert_int_equal(crypto_kcv(muni.enc, 16, kcv), 0);
	assert_memory_equal(h->resp + 1, kcv, 3);
	assert_int_equal(crypto_kcv(muni.mac, 16, kcv), 0);
	assert_memory_equal(h->resp + 4, kcv, 3);
	assert_int_equal(crypto_kcv(muni.dek, 16, kcv), 0);
	assert_memory_equal(h->resp + 7, kcv, 3);
	/* The same session goes on with the issuance. */
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x9000);

	/* Only key set 30 now: FF is refused, 30 opens. */
	select_aid(h, SD, sizeof(SD));
	assert_int_equal(tlv_find(h->resp, h->len, 0x6F, &fci), 0);
	assert_int_equal(tlv_find(fci.value, fci.len, 0xA5, &a5), 0);
	assert_int_equal(tlv_find(a5.value, a5.len, 0xDF40, &t), 0);
	assert_int_equal(t.value[0], 0x02);
	assert_int_equal(tlv_find(a5.value, a5.len, 0xDF42, &t), 0);
	assert_int_equal(t.len, 1);
	assert_int_equal(t.value[0], 0x30);
	tx(h, 0x80, 0x50, 0xFF, 0x00, data, 8, 1);
	assert_int_equal(h->sw, 0x6A88);
	assert_int_equal(open_channel(h, 0x30, 0x33), 0x9000);
	/* Security level 33: responses are encrypted too; this one has data. */
	assert_int_equal(create_df(h, NHI, sizeof(NHI), TOWN, sizeof(TOWN), 0x01), 0x9000);
	{
		uint8_t pub[65];

		generate(h, pub);
	}
	text = host_save(h);
	assert_null(strstr(text, "keyset ff"));
	assert_non_null(strstr(text, "keyset 30 "));
	free(text);
	crypto_scp03_keyset_wipe(&transport);
	crypto_scp03_keyset_wipe(&muni);
	host_free(h);
}

/* A master key file of AES-256 keys for `kvn` in `dir`. */
static void
write_master_keys(const char *dir, const char *name, uint8_t kvn)
{
	uint8_t key[3][32], kcv[3][3];
	char hex[3][65], *path = xasprintf("%s/%s", dir, name), *text;
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(crypto_random(key[i], 32), 0);
		assert_int_equal(crypto_kcv(key[i], 32, kcv[i]), 0);
		hex_encode(key[i], 32, hex[i]);
	}
	text = xasprintf("test = yes\nkvn = %02x\nalgorithm = AES-256\n"
	    "enc = %s\nenc-kcv = %02x%02x%02x\nmac = %s\nmac-kcv = %02x%02x%02x\n"
	    "dek = %s\ndek-kcv = %02x%02x%02x\n", kvn,
	    hex[0], kcv[0][0], kcv[0][1], kcv[0][2], hex[1], kcv[1][0], kcv[1][1], kcv[1][2],
	    hex[2], kcv[2][0], kcv[2][1], kcv[2][2]);
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0600), 0);
	free(text);
	free(path);
}

static void
test_aes256_keys(void **state)
{
	char dir[] = "/tmp/test-cardsim-os-keys-XXXXXX", *p;
	struct scp03_keyset transport, muni;
	struct host *h;
	uint8_t data[160];
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_master_keys(dir, "test-transport-ff.keys", 0xFF);
	write_master_keys(dir, "test-master-30.keys", 0x30);
	key_dir = dir;
	h = host_new(&sim_os_standalone, NULL);
	static_keys(0xFF, &transport);
	static_keys(0x30, &muni);
	assert_int_equal(transport.keylen, 32);
	assert_int_equal(open_channel(h, 0xFF, 0x33), 0x9000);
	n = put_key_data(data, &transport, &muni, 0);
	assert_int_equal(n, 1 + 3 * (3 + 32 + 4));
	assert_int_equal(tx_sc(h, 0x80, 0xD8, 0xFF, 0x81, data, n, 1, 0), 0);
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(h->len, 10);
	assert_int_equal(open_channel(h, 0x30, 0x33), 0x9000);
	assert_int_equal(create_df(h, TOWN, sizeof(TOWN), SD, sizeof(SD), 0x05), 0x9000);
	host_free(h);
	crypto_scp03_keyset_wipe(&transport);
	crypto_scp03_keyset_wipe(&muni);
	key_dir = NHI_TEST_KEYS;
	p = xasprintf("%s/test-transport-ff.keys", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/test-master-30.keys", dir);
	unlink(p);
	free(p);
	rmdir(dir);
}

static void
test_state_survives_save_and_load(void **state)
{
	struct host *h = host_new(&sim_os_juki, NULL);
	void *again;
	uint8_t user[16], pub[65], chal[32], msg[48];
	uint8_t *out = NULL;
	size_t len = 0;
	char *text, *text2, path[] = "/tmp/test-cardsim-os-XXXXXX", *shown = NULL;
	size_t shownlen = 0;
	FILE *fp;
	int fd, existed;

	(void)state;
	memset(user, 0x77, sizeof(user));
	personalize(h, user, pub);
	text = host_save(h);
	assert_non_null(strstr(text, "key f04e484943415001 private="));

	/* A new card loaded from the state answers as the old one. */
	again = sim_os_juki.create();
	assert_int_equal(sim_os_juki.load(again, (const uint8_t *)text, strlen(text)), 0);
	assert_int_equal(sim_os_juki.save(again, &out, &len), 0);
	text2 = xstrndup((const char *)out, len);
	assert_string_equal(text, text2);
	h->os->free(h->card);
	h->card = again;
	select_aid(h, NHI, sizeof(NHI));
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(crypto_random(chal, sizeof(chal)), 0);
	tx(h, 0x00, 0x88, 0x00, 0x81, chal, 32, 1);
	assert_int_equal(h->sw, 0x9000);
	memcpy(msg, chal, 32);
	memcpy(msg + 32, user, 16);
	assert_int_equal(crypto_ecdsa_verify(pub, msg, sizeof(msg), h->resp), 0);
	/* Creation options are refused on a loaded card. */
	assert_int_equal(sim_os_juki.option(again, "name", "x", &existed), NHI_EUSAGE);

	/* Through the framework's state file, and --inspect. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sim_state_save(path, &sim_os_juki, again), 0);
	fp = open_memstream(&shown, &shownlen);
	assert_int_equal(nhi_card_inspect(path, fp), 0);
	fclose(fp);
	assert_non_null(strstr(shown, "kind juki\n"));
	assert_non_null(strstr(shown, "df F04E484943415001 lcs=05 activated nhi-ap\n"));
	assert_non_null(strstr(shown, "record.user-number 77777777777777777777777777777777\n"));
	assert_non_null(strstr(shown, "record.issue-date 20261124\n"));
	assert_non_null(strstr(shown, "keyset 30 aes128 kcv-enc="));
	assert_null(strstr(shown, "private"));
	free(shown);
	unlink(path);

	free(out);
	free(text);
	free(text2);
	host_free(h);
}

/* Make the card's next response carry a wrong R-MAC. */
static void
corrupt_next(struct host *h)
{
	char n[32];
	int changed = 0;

	snprintf(n, sizeof(n), "%lu", ((struct nhi_card *)h->card)->responses + 1);
	assert_int_equal(h->os->option(h->card, "corrupt-rmac", n, &changed), 0);
	assert_false(changed);
}

static void
test_fault_injection(void **state)
{
	struct host *h = host_new(&sim_os_juki, NULL);
	int changed = 0;
	uint8_t data[20];

	(void)state;
	/* A wrong card cryptogram: the station must stop. */
	assert_int_equal(h->os->option(h->card, "wrong-cryptogram", "1", &changed), 0);
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x0001);
	assert_int_equal(h->os->option(h->card, "wrong-cryptogram", "0", &changed), 0);
	assert_false(changed);
	assert_int_equal(open_channel(h, 0x30, 0x13), 0x9000);

	/* A wrong R-MAC: only where there is an R-MAC (not on an error). */
	corrupt_next(h);
	assert_int_equal(tx_sc(h, 0x00, 0xE0, 0x00, 0x00, data, aid_ref(data, NHI,
	    sizeof(NHI)), 1, 0), 0);
	assert_int_equal(h->sw, 0x6A80);
	assert_int_equal(create_df(h, NHI, sizeof(NHI), TOWN, sizeof(TOWN), 0x01), 0x9000);
	corrupt_next(h);
	assert_int_equal(tx_sc(h, 0x00, 0x46, 0x00, 0x81, data, aid_ref(data, NHI,
	    sizeof(NHI)), 1, 0), NHI_ERMAC);
	assert_int_equal(h->sw, 0x9000);
	/* Without Le the card answers the status word alone: no R-MAC. */
	assert_int_equal(tx_sc(h, 0x00, 0x46, 0x00, 0x81, data, aid_ref(data, NHI,
	    sizeof(NHI)), 0, 0), NHI_ERMAC);
	assert_int_equal(h->len, 0);
	assert_int_equal(h->sw, 0x9000);
	assert_int_equal(h->os->option(h->card, "corrupt-rmac", "0", &changed), NHI_EUSAGE);
	assert_int_equal(h->os->option(h->card, "bogus", "1", &changed), NHI_EUSAGE);
	assert_non_null(strstr(err_detail(), "bogus"));
	host_free(h);
}

static void
test_bad_state_files(void **state)
{
	static const struct { const char *text, *detail; } cases[] = {
		{ "family juki\n", "no 'serial' line" },
		{ "serial 00112233445566778899\n", "no 'family' line" },
		{ "family juki\nserial 0011\n", "line 2: serial" },
		{ "family robot\n", "line 1: family" },
		{ "family standalone\nserial 00112233445566778899\nkeyset 30 enc=00\n",
		  "line 3: expected mac=HEX" },
		{ "family standalone\nserial 00112233445566778899\n"
		  "df f04e484943415001 parent=f04e48494354394114 lcs=01\n",
		  "line 3: df" },
		{ "family standalone\nserial 00112233445566778899\n"
		  "df f04e48494354394114 parent=f04e4849435344 lcs=07\n",
		  "line 3: df: LCS 07" },
		{ "family standalone\nserial 00112233445566778899\n"
		  "objects f04e48494354394114 0101\n", "line 3: no df line" },
		{ "family standalone\nserial 00112233445566778899\nwhat ever\n",
		  "line 3: unknown keyword 'what'" },
		{ "family juki\nserial 00112233445566778899\nitem.name x\n",
		  "five item" },
	};
	void *card = sim_os_standalone.create();
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		assert_int_equal(sim_os_standalone.load(card, (const uint8_t *)cases[i].text,
		    strlen(cases[i].text)), NHI_EPARSE);
		if (strstr(err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err_detail(),
			    cases[i].detail);
	}
	sim_os_standalone.free(card);
}

static void
test_creation_options(void **state)
{
	void *card = sim_os_juki.create();
	uint8_t *out = NULL;
	size_t len = 0;
	int changed = 0;

	(void)state;
	assert_int_equal(sim_os_juki.option(card, "birth", "1980-04-01", &changed),
	    NHI_EUSAGE);
	assert_non_null(strstr(err_detail(), "YYYYMMDD"));
	assert_int_equal(sim_os_juki.option(card, "sex", "3", &changed), NHI_EUSAGE);
	assert_int_equal(sim_os_juki.option(card, "serial", "0011", &changed), NHI_EUSAGE);
	assert_int_equal(sim_os_juki.option(card, "municipality", "13101", &changed),
	    NHI_EUSAGE);
	/* No key store: the card cannot be made. */
	assert_int_equal(sim_os_juki.option(card, "keys", "/nonexistent/keys", &changed),
	    0);
	assert_int_equal(sim_os_juki.save(card, &out, &len), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "/nonexistent/keys"));
	sim_os_juki.free(card);
	card = sim_os_standalone.create();
	assert_int_equal(sim_os_standalone.option(card, "name", "x", &changed), NHI_EUSAGE);
	sim_os_standalone.free(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_juki_recognition),
		cmocka_unit_test(test_writes_need_the_channel),
		cmocka_unit_test(test_wrong_cmac_closes_the_channel),
		cmocka_unit_test(test_channel_lifecycle),
		cmocka_unit_test(test_new_juki_personalization),
		cmocka_unit_test(test_other_apps_untouched),
		cmocka_unit_test(test_standalone_put_key),
		cmocka_unit_test(test_aes256_keys),
		cmocka_unit_test(test_state_survives_save_and_load),
		cmocka_unit_test(test_fault_injection),
		cmocka_unit_test(test_bad_state_files),
		cmocka_unit_test(test_creation_options),
	};

	unsetenv("NHICARD_CARDSIM_KEYS");
	return cmocka_run_group_tests_name("cardsim-os", tests, NULL, NULL);
}
