/*
 * Known-answer tests of the SCP03 primitives (crypto-scp03.c) against the
 * public traces of osmocom/pysim (tests/unittests/test_globalplatform.py:
 * AES-128/192/256 at security levels 11, 03 and 33, S8 mode, pseudo-random
 * card challenge) and kaoh/globalplatform (src/scp03Test.c: session keys),
 * plus the card side of the channel against the station side.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "card.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	int n = hex_decode(s, out, cap);

	assert_true(n >= 0);
	return (size_t)n;
}

static void
assert_hex_equal(const uint8_t *got, size_t len, const char *want)
{
	char buf[2 * 600 + 1];

	assert_true(len <= 600);
	hex_encode(got, len, buf);
	assert_string_equal(buf, want);
}

struct trace {
	const char *name;
	const char *enc, *mac, *dek;
	const char *init_upd_cmd, *init_upd_rsp, *ext_auth_cmd;
	const char *get_eid_cmd, *get_eid_rsp;
	const char *case_apdu[4];
};

#define K128 "000102030405060708090a0b0c0d0e0f", "101112131415161718191a1b1c1d1e1f", \
	"202122232425262728292a2b2c2d2e2f"
#define K192 "000102030405060708090a0b0c0d0e0f0001020304050607", \
	"101112131415161718191a1b1c1d1e1f1011121314151617", \
	"202122232425262728292a2b2c2d2e2f2021222324252627"
#define K256 "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f", \
	"101112131415161718191a1b1c1d1e1f101112131415161718191a1b1c1d1e1f", \
	"202122232425262728292a2b2c2d2e2f202122232425262728292a2b2c2d2e2f"

/* osmocom/pysim tests/unittests/test_globalplatform.py, SCP03_Test_*. */
static const struct trace traces[] = {
	{ "AES128_11", K128, "8050300008b13e5f938fc108c400",
	  "000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002",
	  "84821100107d5f5826a993ebc89eea24957fa0b3ce",
	  "84e291000ebf3e035c015a558d036518a2829700",
	  "bf3e125a1089882119900000000000000000000005971be68992dbbdfa",
	  { "84f220020863a63f8959827fb2", "84ca006608a0c6a4a74166f7ce00",
	    "84f22002124f0212345c054f9f70c52249b50272656536",
	    "84f280020a4f00e91443f6dce6b8ed00" } },
	{ "AES128_03", K128, "80503000088e1552d0513c60f300",
	  "0000000000000000000030037030760cd2c47c1dd395065fe5ead8a9d7000001",
	  "8482030010fd4721a14d9b07003c451d2f8ae6bb21",
	  "84e2910018ca9c00f6713d79bc8baa642bdff51c3f6a4082d3bd9ad26c00",
	  "bf3e125a1089882119900000000000000000000005",
	  { "84f2200208c9811b11f1264cf1", "84ca006608e10ab60b3054798800",
	    "84f22002184e2908bdb48b2315a55482e9e936ca122d6ecfae7d17416e",
	    "84f28002180dd10a6b6193e5340b9e77d32d5a179cd710ac2773aefb2800" } },
	{ "AES128_33", K128, "8050300008fdf38259a1e0de4400",
	  "000000000000000000003003703b1aca81e821f219081cdc01c26b372d000003",
	  "84823300108c36f96bcc00724a4e13ad591d7da3f0",
	  "84e2910018267a85dfe4a98fca6fb0527e0dfecce4914e40401433c87f00",
	  "f3ba2b1013aa6224f5e1c138d71805c569e5439b47576260b75fc021b25097cb2e68f8a0144975b9",
	  { "84f2200208ac6a59024bed84cc", "84ca006608409912ad8fb7aed000",
	    "84f22002185f3dafc3ac14c381536a488bf44e06d056df9d74dbd21e5a",
	    "84f280021865165105be3373347d0424d4400af2ac393f569ec779389e00" } },
	{ "AES192_11", K192, "80503100087396430b768b085b00",
	  "000000000000000000003103708cfc23522ffdbf1e5df5542cac8fd866000003",
	  "84821100102145ed30b146f5db252fb7e624cec244",
	  "84e291000ebf3e035c015aff42cf801d14394400",
	  "bf3e125a1089882119900000000000000000000005162fbd33e04940a9",
	  { "84f22002084584e4f6784811ee", "84ca006608937776ebe190fa3000",
	    "84f22002124f0212345c054f9f70c59a52bddf3040368c",
	    "84f280020a4f009804b11411f7393d00" } },
	{ "AES192_03", K192, "805031000869c65da8202bf19f00",
	  "00000000000000000000310370b570a67be38446717729d6dd3d2ec5b1000001",
	  "848203001065df4f1a356a887905466516d9e5b7c1",
	  "84e2910018d2c6fb477c5d4afe4fd4d21f17eff10d3578ec1774a12a2d00",
	  "bf3e125a1089882119900000000000000000000005",
	  { "84f2200208964e188f0b1bb697", "84ca006608f0820035a41d3e1800",
	    "84f220021806b076ed452cd1fa84f77f5c08a146aa77a9286757dea791",
	    "84f2800218d06527e39222dce091fabdb8e9b898417a67a6852d3577db00" } },
	{ "AES192_33", K192, "80503100089b3f2eef0e8c937400",
	  "00000000000000000000310370f6bb305a15bae1a68f79fb08212fbed7000002",
	  "84823300109100bc22d58b45b86a26365ce39ff3cf",
	  "84e29100188f7f946c84f70d17994bc6e8791251bb1bb1bf02cf8de58900",
	  "c05176c1b6f72aae50c32cbee63b0e95998928fd4dfb2be9f27ffde8c8476f5909b4805cc4039599",
	  { "84f2200208d5d97754b6b3d2ba", "84ca006608516c82b8e30adbeb00",
	    "84f2200218cc247f4761e6944277a4e0d6e32e44025b1e31537e2fc668",
	    "84f2800218ba22b63d509bef5d093b43e5eaed03ed23144ab2d9cb51de00" } },
	{ "AES256_11", K256, "805032000811666d57866c6f5400",
	  "0000000000000000000032037053ea8847efa7674e41498a4d66cf0dee000003",
	  "84821100102f2ad190eff2fafc4908996d1cebd310",
	  "84e291000ebf3e035c015af4b680372542b59d00",
	  "bf3e125a10898821199000000000000000000000058012dd7f01f1c4c1",
	  { "84f2200208d618b7da68d5fe52", "84ca0066088f3e055db23ad5e500",
	    "84f22002124f0212345c054f9f70c5b6e15cc42404915e",
	    "84f280020a4f00aa124aa74afe7f7500" } },
	{ "AES256_03", K256, "8050320008c6066990fc426e1d00",
	  "000000000000000000003203708682cd81bbd8919f2de3f2664581f118000001",
	  "848203001077c493b632edadaf865a1e64acc07ce9",
	  "84e29100183ddaa60594963befaada3525b492ede23c2ab2c1ce3afe4400",
	  "bf3e125a1089882119900000000000000000000005",
	  { "84f2200208480ddc8e419da38d", "84ca0066083e9d6a6c0b2d732000",
	    "84f22002183ebfef2da8b04af2a85f491f299b76973df76ff08a4031be",
	    "84f2800218783fff80990f5585b1055010ea95094a26e4a8f1ef4b18e100" } },
	{ "AES256_33", K256, "805032000897b2055fe58599fd00",
	  "00000000000000000000320370a8439a22cedf045fa9f1903b2834f26e000002",
	  "8482330010508a0fd959d2e547c6b33154a6be2057",
	  "84e29100187a5ef717eaf1e135ae92fe54429d0e465decda65f5fe5aea00",
	  "ea90dbfa648a67c5eb6abc57f8530b97d0cd5647c5e8732016b55203b078dd2ace7f8bc5d1c1cd99",
	  { "84f2200208bcc5c17275545d93", "84ca00660804806aba9d543bb600",
	    "84f2200218717222491556ec81a45f49ce48be33320024801a1c4cb0e0",
	    "84f2800218561f105bccd3a1642904b251ccc1228beb80a82370a8637000" } },
};

static const char *const plain_cases[4] = {
	"80f22002", "80ca006600", "80f220020a4f0212345c054f9f70c5", "80f28002024f0000",
};

static void
load_keyset(const struct trace *t, struct scp03_keyset *ks)
{
	memset(ks, 0, sizeof *ks);
	ks->keylen = unhex(t->enc, ks->enc, sizeof ks->enc);
	assert_int_equal(unhex(t->mac, ks->mac, sizeof ks->mac), ks->keylen);
	assert_int_equal(unhex(t->dek, ks->dek, sizeof ks->dek), ks->keylen);
}

/* Wrap a plain command APDU the way the station does; hex of the result. */
static void
wrap_and_check(struct scp03_session *sess, const char *plain_hex, const char *want)
{
	uint8_t plain[300], data[300], wire[320];
	struct apdu a, w;
	size_t n, dlen, wlen;
	uint8_t hdr[4];

	n = unhex(plain_hex, plain, sizeof plain);
	assert_int_equal(apdu_decode(plain, n, &a), 0);
	hdr[0] = a.cla; hdr[1] = a.ins; hdr[2] = a.p1; hdr[3] = a.p2;
	assert_int_equal(crypto_scp03_wrap_command(sess, hdr, a.data, a.lc, data,
	    sizeof data, &dlen), 0);
	w = a;
	w.cla = hdr[0];
	w.data = data;
	w.lc = dlen;
	assert_int_equal(apdu_encode(&w, 0, wire, sizeof wire, &wlen), 0);
	assert_hex_equal(wire, wlen, want);
}

static void
test_pysim_traces(void **state)
{
	size_t i, j;

	for (i = 0; i < NHI_ARRAY_LEN(traces); i++) {
		const struct trace *t = &traces[i];
		struct scp03_keyset ks;
		struct scp03_session sess;
		uint8_t cmd[64], rsp[64], crypt[16], mac[16], ea[64], buf[64];
		uint8_t eidrsp[64], plain[64];
		size_t cmdlen, rsplen, n, eidlen, plen;
		char want_eid[200];

		print_message("# trace %s\n", t->name);
		load_keyset(t, &ks);
		cmdlen = unhex(t->init_upd_cmd, cmd, sizeof cmd);
		rsplen = unhex(t->init_upd_rsp, rsp, sizeof rsp);
		assert_int_equal(cmdlen, 14);
		assert_int_equal(rsplen, 32);
		assert_int_equal(rsp[11], 0x03);
		/* host challenge cmd[5..13], card challenge rsp[13..21] */
		assert_int_equal(crypto_scp03_derive_session(&ks, cmd + 5, rsp + 13, 8,
		    &sess), 0);
		assert_int_equal(crypto_scp03_cryptogram(&sess, SCP03_DC_CARD_CRYPTOGRAM,
		    cmd + 5, rsp + 13, crypt), 0);
		assert_memory_equal(crypt, rsp + 21, 8);
		/* the pseudo-random card challenge (i = 70) from the sequence
		 * counter and the AID of the eUICC's ISD-R (GET EID is an
		 * ISD-R command), A0000005591010FFFFFFFF8900000100 */
		{
			uint8_t aid[16], cc[8];
			unhex("A0000005591010FFFFFFFF8900000100", aid, sizeof aid);
			assert_int_equal(crypto_scp03_card_challenge(&ks, rsp + 29, aid,
			    sizeof aid, 8, cc), 0);
			assert_memory_equal(cc, rsp + 13, 8);
		}
		/* EXTERNAL AUTHENTICATE: host cryptogram and C-MAC, chain zero */
		n = unhex(t->ext_auth_cmd, ea, sizeof ea);
		assert_int_equal(crypto_scp03_cryptogram(&sess, SCP03_DC_HOST_CRYPTOGRAM,
		    cmd + 5, rsp + 13, crypt), 0);
		memcpy(buf, "\x84\x82", 2);
		buf[2] = ea[2];
		buf[3] = 0;
		buf[4] = 0x10;
		memcpy(buf + 5, crypt, 8);
		assert_int_equal(crypto_scp03_cmac(&sess, buf, 13, mac), 0);
		memcpy(buf + 13, mac, 8);
		assert_memory_equal(buf, ea, n);
		assert_true(crypto_scp03_level_valid(ea[2]));
		sess.level = ea[2];

		wrap_and_check(&sess, "80E2910006BF3E035C015A00", t->get_eid_cmd);
		eidlen = unhex(t->get_eid_rsp, eidrsp, sizeof eidrsp);
		assert_int_equal(crypto_scp03_unwrap_response(&sess, eidrsp, eidlen,
		    0x9000, plain, sizeof plain, &plen), 0);
		assert_hex_equal(plain, plen, "bf3e125a1089882119900000000000000000000005");
		/* one bit off in the last byte: rejected when there is an R-MAC */
		eidrsp[eidlen - 1] ^= 0x01;
		if (sess.level & SCP03_RMAC)
			assert_int_equal(crypto_scp03_unwrap_response(&sess, eidrsp,
			    eidlen, 0x9000, plain, sizeof plain, &plen), NHI_ERMAC);
		/* the same with another status word */
		eidrsp[eidlen - 1] ^= 0x01;
		if (sess.level & SCP03_RMAC)
			assert_int_equal(crypto_scp03_unwrap_response(&sess, eidrsp,
			    eidlen, 0x6a82, plain, sizeof plain, &plen), NHI_ERMAC);
		(void)want_eid;

		for (j = 0; j < 4; j++)
			wrap_and_check(&sess, plain_cases[j], t->case_apdu[j]);
		crypto_scp03_wipe(&sess);
		crypto_scp03_keyset_wipe(&ks);
	}
}

/*
 * kaoh/globalplatform src/scp03Test.c, mutual_auth: session keys from
 * static keys and the challenges of an INITIALIZE UPDATE, and the EXTERNAL
 * AUTHENTICATE at level 03.
 */
static void
test_kaoh_session_keys(void **state)
{
	struct scp03_keyset ks;
	struct scp03_session sess;
	uint8_t host[8], rsp[32], crypt[8], msg[13], mac[8];

	memset(&ks, 0, sizeof ks);
	ks.keylen = 16;
	unhex("F995D0A069335C7DF42E590317FFEA6D", ks.enc, 16);
	unhex("58563362EC5A4541ABCD32B34B1EAE7D", ks.mac, 16);
	unhex("0A02A6D687406DCFA09DC70B3EDB7E38", ks.dek, 16);
	unhex("9BD6BF878FB8E991", host, 8);
	assert_int_equal(unhex("00000000000000000000300370"
	    "3C80C2CC87EB3A35E4EDBA35E629C336" "00001E", rsp, sizeof rsp), 32);
	assert_int_equal(crypto_scp03_derive_session(&ks, host, rsp + 13, 8, &sess), 0);
	assert_hex_equal(sess.s_enc, 16, "d83ee38c9954c8078987a5e9ee6ab13c");
	assert_hex_equal(sess.s_mac, 16, "6ff37716e0413065e8dfd08bf1e9ec5e");
	assert_hex_equal(sess.s_rmac, 16, "0254c786e57aca8982670c1c1a05ff12");
	assert_int_equal(crypto_scp03_cryptogram(&sess, SCP03_DC_CARD_CRYPTOGRAM,
	    host, rsp + 13, crypt), 0);
	assert_memory_equal(crypt, rsp + 21, 8);
	assert_int_equal(crypto_scp03_cryptogram(&sess, SCP03_DC_HOST_CRYPTOGRAM,
	    host, rsp + 13, crypt), 0);
	memcpy(msg, "\x84\x82\x03\x00\x10", 5);
	memcpy(msg + 5, crypt, 8);
	assert_int_equal(crypto_scp03_cmac(&sess, msg, 13, mac), 0);
	assert_hex_equal(crypt, 8, "23ebfedc579d22cd");
	assert_hex_equal(mac, 8, "cdb6a25a5ff7891f");
	crypto_scp03_wipe(&sess);
}

/* The card side of the emulator undoes what the station does, and a
 * response it wraps verifies at the station, at every level and S16. */
static void
test_card_side_round_trip(void **state)
{
	static const uint8_t levels[] = { 0x01, 0x03, 0x11, 0x13, 0x33 };
	static const size_t modes[] = { 8, 16 };
	size_t i, m, len;

	for (m = 0; m < 2; m++)
	for (i = 0; i < sizeof levels; i++) {
		struct scp03_keyset ks;
		struct scp03_session host, card;
		uint8_t hc[16], cc[16], hdr[4] = { 0x80, 0xe2, 0x90, 0x00 };
		uint8_t data[64], wire[128], back[128], resp[128];
		size_t wl, bl, rl;

		memset(&ks, 0, sizeof ks);
		ks.keylen = 16;
		memset(ks.enc, 0x41, 16);
		memset(ks.mac, 0x42, 16);
		memset(hc, 0x11, sizeof hc);
		memset(cc, 0x22, sizeof cc);
		assert_int_equal(crypto_scp03_derive_session(&ks, hc, cc, modes[m], &host), 0);
		assert_int_equal(crypto_scp03_derive_session(&ks, hc, cc, modes[m], &card), 0);
		host.level = card.level = levels[i];
		for (len = 0; len < 40; len += 7) {
			memset(data, (int)len, len);
			hdr[0] = 0x80;
			assert_int_equal(crypto_scp03_wrap_command(&host, hdr, data, len,
			    wire, sizeof wire, &wl), 0);
			assert_int_equal(crypto_scp03_unwrap_command(&card, hdr, wire, wl,
			    back, sizeof back, &bl), 0);
			assert_int_equal(bl, len);
			assert_memory_equal(back, data, len);
			assert_int_equal(crypto_scp03_wrap_response(&card, data, len,
			    0x9000, wire, sizeof wire, &wl), 0);
			assert_int_equal(crypto_scp03_unwrap_response(&host, wire, wl,
			    0x9000, resp, sizeof resp, &rl), 0);
			assert_int_equal(rl, len);
			assert_memory_equal(resp, data, len);
		}
		/* a tampered command is refused by the card */
		hdr[0] = 0x80;
		assert_int_equal(crypto_scp03_wrap_command(&host, hdr, data, 5, wire,
		    sizeof wire, &wl), 0);
		wire[0] ^= 0x80;
		assert_int_equal(crypto_scp03_unwrap_command(&card, hdr, wire, wl, back,
		    sizeof back, &bl), NHI_EAUTH);
		crypto_scp03_wipe(&host);
		crypto_scp03_wipe(&card);
	}
}

static void
test_kdf_bounds(void **state)
{
	uint8_t key[16] = { 0 }, out[65];

	assert_int_equal(crypto_scp03_kdf(key, 15, 0x04, NULL, 0, out, 16), NHI_ERANGE);
	assert_int_equal(crypto_scp03_kdf(key, 16, 0x04, NULL, 0, out, 0), NHI_ERANGE);
	assert_int_equal(crypto_scp03_kdf(key, 16, 0x04, NULL, 0, out, 65), NHI_ERANGE);
	assert_int_equal(crypto_scp03_kdf(key, 16, 0x04, NULL, 0, out, 40), 0);
	assert_false(crypto_scp03_level_valid(0x00));
	assert_false(crypto_scp03_level_valid(0x02));
	assert_false(crypto_scp03_level_valid(0x31));
	assert_true(crypto_scp03_level_valid(0x33));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pysim_traces),
		cmocka_unit_test(test_kaoh_session_keys),
		cmocka_unit_test(test_card_side_round_trip),
		cmocka_unit_test(test_kdf_bounds),
	};

	return cmocka_run_group_tests_name("scp03-crypto", tests, NULL, NULL);
}
