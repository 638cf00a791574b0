/*
 * test-crypto-token.c: the PKCS#11 key store (crypto-token.c) against a
 * SoftHSM2 token made for the test in a temporary directory
 * (SOFTHSM2_CONF). The token's diversification equals the file store's
 * for the same imported master keys and the published vector of
 * docs/keys.md 2; key check values come from the token; ECDSA signatures
 * made by the token verify; a wrong PIN, a missing token, a missing module
 * and a missing label give errors naming what is wrong (never the PIN);
 * and no key the station puts in the token can be read back: this test
 * asks the module itself, on its own session, for CKA_VALUE.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "crypto.h"
#include "crypto-token.h"
#include "crypto-cms.h"
#include "error.h"
#include "util.h"

#define TOKEN_LABEL	"nhitest"
#define USER_PIN	"271828"
#define SO_PIN		"31415926"

static const char *module = "/usr/lib/softhsm/libsofthsm2.so";
static char tmpdir[] = "/tmp/nhi-token-XXXXXX";
static struct crypto_token *tok;

static int
setup(void **state)
{
	char path[256], cmd[512];
	FILE *f;

	(void)state;
	if (getenv("NHICARD_SOFTHSM2") != NULL)
		module = getenv("NHICARD_SOFTHSM2");
	if (access(module, R_OK) != 0) {
		fprintf(stderr, "no SoftHSM2 module at %s (Debian softhsm2)\n", module);
		return -1;
	}
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/tokens", tmpdir);
	if (mkdir(path, 0700) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/softhsm2.conf", tmpdir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
	    "log.level = ERROR\n", tmpdir);
	fclose(f);
	setenv("SOFTHSM2_CONF", path, 1);
	snprintf(cmd, sizeof cmd, "softhsm2-util --init-token --free --label %s"
	    " --so-pin %s --pin %s >/dev/null", TOKEN_LABEL, SO_PIN, USER_PIN);
	if (system(cmd) != 0)
		return -1;
	return crypto_token_open(module, TOKEN_LABEL, USER_PIN, &tok) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	crypto_token_close(tok);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Master keys of the docs/keys.md 2 vector, as a file store would load them. */
static void
vector_master(struct crypto_master_keys *m, uint8_t kvn)
{
	size_t i;

	memset(m, 0, sizeof *m);
	m->kvn = kvn;
	m->keylen = 16;
	for (i = 0; i < 16; i++) {
		m->enc[i] = (uint8_t)i;
		m->mac[i] = (uint8_t)(0x10 + i);
		m->dek[i] = (uint8_t)(0x20 + i);
	}
}

/* 1 if the module, asked on a session of the test's own, gives the
 * CKA_VALUE of the object `h` (a session object of the station's); else
 * checks that it is sensitive and that CKA_EXTRACTABLE is `ext` (true
 * for a card key that PUT KEY sends wrapped under the DEK). */
static int
value_readable(unsigned long h, CK_BBOOL want_ext)
{
	CK_RV (*getlist)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[8];
	CK_ULONG nslots = 8, i;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_BYTE buf[64];
	CK_BBOOL ext = CK_TRUE, sens = CK_FALSE;
	CK_ATTRIBUTE val = { CKA_VALUE, buf, sizeof buf };
	CK_ATTRIBUTE flags[] = {
		{ CKA_EXTRACTABLE, &ext, sizeof ext },
		{ CKA_SENSITIVE, &sens, sizeof sens },
	};
	void *dl;
	CK_RV rv;
	int found = 0;

	assert_non_null(dl = dlopen(module, RTLD_NOW));
	*(void **)&getlist = dlsym(dl, "C_GetFunctionList");
	assert_non_null(getlist);
	assert_int_equal(getlist(&f), CKR_OK);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &nslots), CKR_OK);
	for (i = 0; i < nslots && !found; i++) {
		assert_int_equal(f->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		if (memcmp(ti.label, TOKEN_LABEL, strlen(TOKEN_LABEL)) == 0)
			found = 1;
	}
	assert_true(found);
	assert_int_equal(f->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION, NULL, NULL,
	    &s), CKR_OK);
	rv = f->C_GetAttributeValue(s, h, &val, 1);
	assert_int_equal(f->C_GetAttributeValue(s, h, flags, 2), CKR_OK);
	f->C_CloseSession(s);
	dlclose(dl);
	if (rv == CKR_OK)
		return 1;
	assert_int_equal(rv, CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(ext, want_ext);
	assert_int_equal(sens, CK_TRUE);
	return 0;
}

static void
aes_block_sw(const uint8_t *key, size_t keylen, const uint8_t in[16],
    uint8_t out[16])
{
	const EVP_CIPHER *c = keylen == 16 ? EVP_aes_128_ecb() : keylen == 24 ?
	    EVP_aes_192_ecb() : EVP_aes_256_ecb();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, c, NULL, key, NULL), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, in, 16), 1);
	assert_int_equal(n, 16);
	EVP_CIPHER_CTX_free(ctx);
}

/* The token key `h` encrypts the probe block as `want` (bytes) does. */
static void
assert_same_key(unsigned long h, const uint8_t *want, size_t keylen)
{
	static const uint8_t probe[16] = "nhicard 23 probe";
	uint8_t a[16], b[16];

	assert_int_equal(crypto_token_encrypt_block(tok, h, probe, a), 0);
	aes_block_sw(want, keylen, probe, b);
	assert_memory_equal(a, b, 16);
}

static void
test_vector_in_token(void **state)
{
	static const uint8_t div[10] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	    0x77, 0x88, 0x99 };
	static const uint8_t enc[16] = { 0xb9, 0xca, 0xf9, 0x51, 0x50, 0xb3, 0x99,
	    0x4e, 0xd3, 0xe1, 0x57, 0x3b, 0x8c, 0x65, 0xc9, 0xd2 };
	static const uint8_t dek[16] = { 0xcf, 0xd9, 0xc7, 0x3a, 0xea, 0xe0, 0x4e,
	    0xe3, 0xee, 0xb1, 0x1d, 0x51, 0x51, 0x2a, 0x67, 0x63 };
	struct crypto_master_keys file, in;
	struct scp03_keyset a, b;
	uint8_t kf[3][3], kt[3][3];

	(void)state;
	vector_master(&file, 0x30);
	assert_int_equal(crypto_token_import_master(tok, &file), 0);
	assert_int_equal(crypto_token_master_keys(tok, 0x30, CRYPTO_MODE_TEST, &in), 0);
	assert_non_null(in.token);
	assert_int_equal(in.keylen, 16);
	/* The station holds handles, not the key. */
	assert_memory_equal(in.enc, (uint8_t[16]){ 0 }, 16);
	assert_true(in.derive);
	/* The card's keys are derived in the token: the key set holds
	 * handles, its key bytes stay zero, and the keys are those of the
	 * published vector and of the file store. */
	assert_int_equal(crypto_keys_diversify(&in, div, &b), 0);
	assert_ptr_equal(b.token, tok);
	assert_true(b.h_enc != 0 && b.h_mac != 0 && b.h_dek != 0);
	assert_memory_equal(b.enc, (uint8_t[SCP03_KEY_MAX]){ 0 }, SCP03_KEY_MAX);
	assert_memory_equal(b.mac, (uint8_t[SCP03_KEY_MAX]){ 0 }, SCP03_KEY_MAX);
	assert_memory_equal(b.dek, (uint8_t[SCP03_KEY_MAX]){ 0 }, SCP03_KEY_MAX);
	assert_same_key(b.h_enc, enc, 16);
	assert_same_key(b.h_dek, dek, 16);
	assert_int_equal(crypto_keys_diversify(&file, div, &a), 0);
	assert_null(a.token);
	assert_memory_equal(a.enc, enc, 16);
	assert_same_key(b.h_mac, a.mac, 16);
	assert_int_equal(b.kvn, 0x30);
	/* Not readable: sensitive, and only wrapped (for PUT KEY). */
	assert_int_equal(value_readable(b.h_enc, CK_TRUE), 0);
	crypto_scp03_keyset_wipe(&b);
	crypto_scp03_keyset_wipe(&a);
	/* KCVs by the token equal those of the bytes (c35280 for 00..0f). */
	assert_int_equal(crypto_master_keys_kcvs(&in, kt), 0);
	assert_int_equal(crypto_master_keys_kcvs(&file, kf), 0);
	assert_memory_equal(kt, kf, sizeof kt);
	assert_memory_equal(kt[0], ((uint8_t[3]){ 0xc3, 0x52, 0x80 }), 3);
	/* Importing the same version again is refused, nothing changes. */
	assert_int_equal(crypto_token_import_master(tok, &file), NHI_EEXISTS);
	assert_non_null(strstr(err_detail(), "master-30-enc"));
	crypto_master_keys_wipe(&file);
}

/*
 * Keys derived in the token (crypto_token_kdf_key): the derived key never
 * comes out, so the test has it AES-encrypt a known block in the token and
 * compares with software AES under the key the software KDF computes.
 */
static void
test_kdf_in_token(void **state)
{
	static const uint8_t div[10] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	    0x77, 0x88, 0x99 };
	/* docs/keys.md 2: the card's ENC and DEK for the vector master set. */
	static const uint8_t enc[16] = { 0xb9, 0xca, 0xf9, 0x51, 0x50, 0xb3, 0x99,
	    0x4e, 0xd3, 0xe1, 0x57, 0x3b, 0x8c, 0x65, 0xc9, 0xd2 };
	static const uint8_t dek[16] = { 0xcf, 0xd9, 0xc7, 0x3a, 0xea, 0xe0, 0x4e,
	    0xe3, 0xee, 0xb1, 0x1d, 0x51, 0x51, 0x2a, 0x67, 0x63 };
	/* kaoh/globalplatform scp03Test.c: static keys, challenges, session
	 * keys (as in test-scp03-crypto.c). */
	static const uint8_t k_enc[16] = { 0xF9, 0x95, 0xD0, 0xA0, 0x69, 0x33, 0x5C,
	    0x7D, 0xF4, 0x2E, 0x59, 0x03, 0x17, 0xFF, 0xEA, 0x6D };
	static const uint8_t k_mac[16] = { 0x58, 0x56, 0x33, 0x62, 0xEC, 0x5A, 0x45,
	    0x41, 0xAB, 0xCD, 0x32, 0xB3, 0x4B, 0x1E, 0xAE, 0x7D };
	static const uint8_t ctx[16] = { 0x9B, 0xD6, 0xBF, 0x87, 0x8F, 0xB8, 0xE9,
	    0x91, 0x3C, 0x80, 0xC2, 0xCC, 0x87, 0xEB, 0x3A, 0x35 };
	static const uint8_t s_enc[16] = { 0xd8, 0x3e, 0xe3, 0x8c, 0x99, 0x54, 0xc8,
	    0x07, 0x89, 0x87, 0xa5, 0xe9, 0xee, 0x6a, 0xb1, 0x3c };
	static const uint8_t s_mac[16] = { 0x6f, 0xf3, 0x77, 0x16, 0xe0, 0x41, 0x30,
	    0x65, 0xe8, 0xdf, 0xd0, 0x8b, 0xf1, 0xe9, 0xec, 0x5e };
	static const uint8_t s_rmac[16] = { 0x02, 0x54, 0xc7, 0x86, 0xe5, 0x7a, 0xca,
	    0x89, 0x82, 0x67, 0x0c, 0x1c, 0x1a, 0x05, 0xff, 0x12 };
	static const size_t lens[3] = { 16, 24, 32 };
	struct crypto_master_keys file, in;
	uint8_t sw[32], sw2[32], ctx32[32];
	unsigned long h, h2;
	size_t i, k;

	(void)state;
	/* The published diversification vector: a 26-byte input (the last
	 * block incomplete: K2 and padding). */
	vector_master(&file, 0x61);
	assert_int_equal(crypto_token_import_master(tok, &file), 0);
	assert_int_equal(crypto_token_master_keys(tok, 0x61, CRYPTO_MODE_TEST, &in), 0);
	assert_int_equal(crypto_token_kdf_key(tok, in.h_enc, 0x81, div, 10, 16,
	    CRYPTO_TOKEN_USE_ENCRYPT, &h), 0);
	assert_same_key(h, enc, 16);
	crypto_token_destroy(tok, h);
	assert_int_equal(crypto_token_kdf_key(tok, in.h_dek, 0x83, div, 10, 16,
	    CRYPTO_TOKEN_USE_ENCRYPT, &h), 0);
	assert_same_key(h, dek, 16);
	/* The derived key cannot be read: sensitive, not extractable. */
	assert_int_equal(value_readable(h, CK_FALSE), 0);
	crypto_token_destroy(tok, h);
	crypto_master_keys_wipe(&file);

	/* SCP03 session keys from static keys in the token: S8 (a 32-byte
	 * input, two complete blocks: K1), the kaoh vector. */
	memset(&file, 0, sizeof file);
	file.kvn = 0x62;
	file.keylen = 16;
	memcpy(file.enc, k_enc, 16);
	memcpy(file.mac, k_mac, 16);
	memcpy(file.dek, k_mac, 16);
	assert_int_equal(crypto_token_import_master(tok, &file), 0);
	assert_int_equal(crypto_token_master_keys(tok, 0x62, CRYPTO_MODE_TEST, &in), 0);
	assert_int_equal(crypto_token_kdf_key(tok, in.h_enc, SCP03_DC_S_ENC, ctx, 16,
	    16, CRYPTO_TOKEN_USE_ENCRYPT, &h), 0);
	assert_same_key(h, s_enc, 16);
	crypto_token_destroy(tok, h);
	assert_int_equal(crypto_token_kdf_key(tok, in.h_mac, SCP03_DC_S_MAC, ctx, 16,
	    16, CRYPTO_TOKEN_USE_ENCRYPT, &h), 0);
	assert_same_key(h, s_mac, 16);
	crypto_token_destroy(tok, h);
	assert_int_equal(crypto_token_kdf_key(tok, in.h_mac, SCP03_DC_S_RMAC, ctx, 16,
	    16, CRYPTO_TOKEN_USE_ENCRYPT, &h), 0);
	assert_same_key(h, s_rmac, 16);
	crypto_token_destroy(tok, h);
	crypto_master_keys_wipe(&file);

	/* AES-128, -192, -256: a card key derived in the token from a master
	 * key, then a session key derived from that card key (S16: a 48-byte
	 * input), both equal the software KDF's. */
	for (i = 0; i < 32; i++)
		ctx32[i] = (uint8_t)(0xa0 + i);
	for (k = 0; k < 3; k++) {
		memset(&file, 0, sizeof file);
		file.kvn = (uint8_t)(0x63 + k);
		file.keylen = lens[k];
		for (i = 0; i < lens[k]; i++) {
			file.enc[i] = (uint8_t)(7 * i + k);
			file.mac[i] = (uint8_t)(11 * i + k);
			file.dek[i] = (uint8_t)(13 * i + k);
		}
		assert_int_equal(crypto_token_import_master(tok, &file), 0);
		assert_int_equal(crypto_token_master_keys(tok, file.kvn,
		    CRYPTO_MODE_TEST, &in), 0);
		assert_int_equal(crypto_token_kdf_key(tok, in.h_enc, 0x81, div, 10,
		    lens[k], CRYPTO_TOKEN_USE_ENCRYPT | CRYPTO_TOKEN_USE_DERIVE, &h), 0);
		assert_int_equal(crypto_scp03_kdf(file.enc, lens[k], 0x81, div, 10, sw,
		    lens[k]), 0);
		assert_same_key(h, sw, lens[k]);
		assert_int_equal(crypto_token_kdf_key(tok, h, SCP03_DC_S_ENC, ctx32, 32,
		    lens[k], CRYPTO_TOKEN_USE_ENCRYPT, &h2), 0);
		assert_int_equal(crypto_scp03_kdf(sw, lens[k], SCP03_DC_S_ENC, ctx32, 32,
		    sw2, lens[k]), 0);
		assert_same_key(h2, sw2, lens[k]);
		crypto_token_destroy(tok, h2);
		crypto_token_destroy(tok, h);
		crypto_master_keys_wipe(&file);
	}
#if NHI_TEST_HOOKS
	/* The hook tests/keys-token.sh relies on: with it, a session from
	 * key bytes is refused, one from keys in the token is not. */
	{
		struct scp03_keyset kb, kt;
		struct scp03_session sb, st;
		static const uint8_t hc[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

		memset(&kb, 0, sizeof kb);
		kb.keylen = 16;
		memcpy(kb.enc, k_enc, 16);
		memcpy(kb.mac, k_mac, 16);
		vector_master(&file, 0x61);
		assert_int_equal(crypto_token_master_keys(tok, 0x61, CRYPTO_MODE_TEST,
		    &in), 0);
		assert_int_equal(crypto_keys_diversify(&in, div, &kt), 0);
		setenv("NHICARD_TEST_KEYS_IN_TOKEN", "1", 1);
		assert_int_equal(crypto_scp03_derive_session(&kb, hc, hc, 8, &sb),
		    NHI_ECRYPTO);
		assert_non_null(strstr(err_detail(), "key bytes"));
		assert_int_equal(crypto_scp03_derive_session(&kt, hc, hc, 8, &st), 0);
		assert_ptr_equal(st.token, tok);
		assert_memory_equal(st.s_mac, (uint8_t[SCP03_KEY_MAX]){ 0 },
		    SCP03_KEY_MAX);
		unsetenv("NHICARD_TEST_KEYS_IN_TOKEN");
		/* The token's session keys equal the software ones: the same
		 * cryptogram (S-MAC, CKM_AES_CMAC) and ICV-encrypted block
		 * (S-ENC). */
		assert_int_equal(crypto_keys_diversify(&file, div, &kb), 0);
		assert_int_equal(crypto_scp03_derive_session(&kb, hc, hc, 8, &sb), 0);
		{
			uint8_t c1[8], c2[8], w1[64], w2[64], hd1[4] = { 0x80, 0xca, 0, 0x66 },
			    hd2[4] = { 0x80, 0xca, 0, 0x66 };
			size_t n1, n2;

			assert_int_equal(crypto_scp03_cryptogram(&st, 0x01, hc, hc, c1), 0);
			assert_int_equal(crypto_scp03_cryptogram(&sb, 0x01, hc, hc, c2), 0);
			assert_memory_equal(c1, c2, 8);
			st.level = sb.level = SCP03_CMAC | SCP03_CDEC;
			assert_int_equal(crypto_scp03_wrap_command(&st, hd1, hc, 8, w1,
			    sizeof w1, &n1), 0);
			assert_int_equal(crypto_scp03_wrap_command(&sb, hd2, hc, 8, w2,
			    sizeof w2, &n2), 0);
			assert_int_equal(n1, n2);
			assert_memory_equal(w1, w2, n1);
		}
		crypto_scp03_wipe(&st);
		crypto_scp03_wipe(&sb);
		crypto_scp03_keyset_wipe(&kt);
		crypto_scp03_keyset_wipe(&kb);
		crypto_master_keys_wipe(&file);
	}
#endif
	/* Bad sizes are refused before the token is asked. */
	assert_int_equal(crypto_token_kdf_key(tok, in.h_enc, 0x81, div, 10, 20,
	    CRYPTO_TOKEN_USE_ENCRYPT, &h), NHI_ERANGE);
	assert_int_equal(h, 0);
}

/* The shipped test key set: refused in production, accepted (marked test)
 * in test mode, by the KCVs the token computes. */
static void
test_testkeys_in_token(void **state)
{
	const char *top = getenv("top_srcdir");
	struct crypto_master_keys file, in;
	char path[512];

	(void)state;
	snprintf(path, sizeof path, "%s/keys/test-transport-ff.keys", top ? top : "..");
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_TEST, &file), 0);
	assert_int_equal(crypto_token_import_master(tok, &file), 0);
	assert_int_equal(crypto_token_master_keys(tok, 0xff, CRYPTO_MODE_PRODUCTION, &in),
	    NHI_ETESTKEY);
	assert_int_equal(crypto_token_master_keys(tok, 0xff, CRYPTO_MODE_TEST, &in), 0);
	assert_true(in.test);
	crypto_master_keys_wipe(&file);
}

static void
test_generate_and_rotate(void **state)
{
	static const uint8_t div[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct crypto_master_keys m31, m32;
	struct scp03_keyset a, b;
	unsigned high = 0;

	(void)state;
	assert_int_equal(crypto_token_generate_master(tok, 0x31, 16), 0);
	assert_int_equal(crypto_token_generate_master(tok, 0x32, 32), 0);
	assert_int_equal(crypto_token_generate_master(tok, 0x32, 16), NHI_EEXISTS);
	assert_int_equal(crypto_token_highest_kvn(tok, &high), 0);
	assert_int_equal(high, 0x32);
	assert_int_equal(crypto_token_master_keys(tok, 0x31, CRYPTO_MODE_PRODUCTION,
	    &m31), 0);
	assert_int_equal(crypto_token_master_keys(tok, 0x32, CRYPTO_MODE_PRODUCTION,
	    &m32), 0);
	assert_int_equal(m32.keylen, 32);
	assert_false(m31.test);
	assert_int_equal(crypto_keys_diversify(&m31, div, &a), 0);
	assert_int_equal(crypto_keys_diversify(&m32, div, &b), 0);
	assert_int_equal(b.keylen, 32);
	/* Handles to different keys (compared by what they encrypt). */
	{
		static const uint8_t probe[16] = "nhicard 23 probe";
		uint8_t e1[16], e2[16], e3[16];

		assert_int_equal(crypto_token_encrypt_block(tok, a.h_enc, probe, e1), 0);
		assert_int_equal(crypto_token_encrypt_block(tok, a.h_mac, probe, e2), 0);
		assert_int_equal(crypto_token_encrypt_block(tok, b.h_enc, probe, e3), 0);
		assert_memory_not_equal(e1, e2, 16);
		assert_memory_not_equal(e1, e3, 16);
	}
	crypto_scp03_keyset_wipe(&a);
	crypto_scp03_keyset_wipe(&b);
}

static void
test_signing(void **state)
{
	struct crypto_sign_key *k = NULL;
	uint8_t pub[CRYPTO_EC_PUB_LEN], sig[CRYPTO_EC_SIG_LEN];
	static const char msg[] = "key record";

	(void)state;
	assert_int_equal(crypto_token_sign_key(tok, "municipality", CRYPTO_MODE_PRODUCTION,
	    &k), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "'municipality'"));
	assert_int_equal(crypto_token_generate_signing(tok, "municipality"), 0);
	assert_int_equal(crypto_token_generate_signing(tok, "municipality"), NHI_EEXISTS);
	assert_int_equal(crypto_token_sign_key(tok, "municipality", CRYPTO_MODE_PRODUCTION,
	    &k), 0);
	assert_false(crypto_sign_key_is_test(k));
	assert_int_equal(crypto_sign_key_public(k, pub), 0);
	assert_int_equal(crypto_ec_public_check(pub), 0);
	assert_int_equal(crypto_ecdsa_sign(k, msg, sizeof msg, sig), 0);
	assert_int_equal(crypto_ecdsa_verify(pub, msg, sizeof msg, sig), 0);
	sig[5] ^= 1;
	assert_int_equal(crypto_ecdsa_verify(pub, msg, sizeof msg, sig), NHI_EAUTH);
	crypto_sign_key_free(k);
}

/* The shipped signing key moved into the token: the same public key (so
 * the same signer key id on cards), signatures by the token verify with
 * the file's public key; a test key, refused in production. */
static void
test_import_signing(void **state)
{
	const char *top = getenv("top_srcdir");
	struct crypto_sign_key *file = NULL, *in = NULL;
	uint8_t pf[CRYPTO_EC_PUB_LEN], pt[CRYPTO_EC_PUB_LEN], sig[CRYPTO_EC_SIG_LEN];
	char path[512];
	static const char msg[] = "record";

	(void)state;
	snprintf(path, sizeof path, "%s/keys/test-municipality.key", top ? top : "..");
	assert_int_equal(crypto_sign_key_load(path, CRYPTO_MODE_TEST, &file), 0);
	assert_int_equal(crypto_token_import_signing(tok, "municipality-imported", file),
	    0);
	assert_int_equal(crypto_token_sign_key(tok, "municipality-imported",
	    CRYPTO_MODE_PRODUCTION, &in), NHI_ETESTKEY);
	assert_int_equal(crypto_token_sign_key(tok, "municipality-imported",
	    CRYPTO_MODE_TEST, &in), 0);
	assert_true(crypto_sign_key_is_test(in));
	assert_int_equal(crypto_sign_key_public(file, pf), 0);
	assert_int_equal(crypto_sign_key_public(in, pt), 0);
	assert_memory_equal(pf, pt, sizeof pf);
	assert_int_equal(crypto_ecdsa_sign(in, msg, sizeof msg, sig), 0);
	assert_int_equal(crypto_ecdsa_verify(pf, msg, sizeof msg, sig), 0);
	/* A key in the token cannot be read to be imported elsewhere. */
	assert_int_equal(crypto_token_import_signing(tok, "again", in), NHI_EKEY);
	crypto_sign_key_free(in);
	crypto_sign_key_free(file);
}

/*
 * The queue's CMS signature with the station key in the token
 * (queue.station_key = pkcs11:queue-station): OpenSSL builds the
 * SignedData, the token signs; the center's side opens the batch and
 * verifies the signature against the CA, naming the station's certificate.
 */
static void
test_cms_with_token_key(void **state)
{
	const char *top = getenv("top_srcdir");
	struct crypto_cms_keys *k = NULL;
	struct crypto_sign_key *sk = NULL;
	char kp[512], sc[512], cc[512], ck[512], ca[512], fp[65], signer[65];
	char *pem = NULL;
	uint8_t *der = NULL, *content = NULL;
	size_t plen = 0, dlen = 0, clen = 0;
	static const char data[] = "{\"record\":1}\n";

	(void)state;
	top = top ? top : "..";
	snprintf(kp, sizeof kp, "%s/keys/test-station.key", top);
	snprintf(sc, sizeof sc, "%s/keys/test-station.crt", top);
	snprintf(cc, sizeof cc, "%s/keys/test-center.crt", top);
	snprintf(ck, sizeof ck, "%s/keys/test-center.key", top);
	snprintf(ca, sizeof ca, "%s/keys/test-queue-ca.crt", top);
	assert_int_equal(fs_read_file(kp, 1 << 16, &pem, &plen), 0);
	assert_int_equal(crypto_sign_key_from_pem(pem, plen, 1, kp, &sk), 0);
	assert_int_equal(crypto_token_import_signing(tok, "queue-station", sk), 0);
	crypto_sign_key_free(sk);
	free(pem);
	assert_int_equal(crypto_cert_fingerprint(cc, fp), 0);
	/* No token open in this process's key store: a clear error. */
	crypto_token_set_current(NULL);
	assert_int_equal(crypto_cms_keys_load("pkcs11:queue-station", sc, cc, fp, &k),
	    NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "keys.store is not pkcs11"));
	crypto_token_set_current(tok);
	assert_int_equal(crypto_cms_keys_load("pkcs11:no-such-key", sc, cc, fp, &k),
	    NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "'no-such-key'"));
	/* A token key that is not the certificate's: refused. */
	assert_int_equal(crypto_cms_keys_load("pkcs11:municipality", sc, cc, fp, &k),
	    NHI_EKEY);
	assert_int_equal(crypto_cms_keys_load("pkcs11:queue-station", sc, cc, fp, &k), 0);
	assert_int_equal(crypto_cms_seal(k, data, strlen(data), &der, &dlen), 0);
	assert_int_equal(crypto_cms_open(ck, cc, ca, der, dlen, "batch", &content, &clen,
	    signer), 0);
	assert_int_equal(clen, strlen(data));
	assert_memory_equal(content, data, clen);
	assert_int_equal(crypto_cert_fingerprint(sc, fp), 0);
	assert_string_equal(signer, fp);
	free(content);
	free(der);
	crypto_cms_keys_free(k);
	crypto_token_set_current(NULL);
}

/* The module, asked directly on a session of our own: CKA_VALUE refused. */
static void
test_never_extractable(void **state)
{
	static const char *const labels[] = { "master-30-enc", "master-30-mac",
	    "master-30-dek", "master-31-enc", "master-32-dek", "municipality",
	    "municipality-imported", "queue-station" };
	CK_RV (*getlist)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[8];
	CK_ULONG nslots = 8, n, i;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_TOKEN_INFO ti;
	void *dl;
	size_t k;
	CK_RV rv;
	int found = 0;

	(void)state;
	assert_non_null(dl = dlopen(module, RTLD_NOW));
	*(void **)&getlist = dlsym(dl, "C_GetFunctionList");
	assert_non_null(getlist);
	assert_int_equal(getlist(&f), CKR_OK);
	rv = f->C_Initialize(NULL);
	assert_true(rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &nslots), CKR_OK);
	for (i = 0; i < nslots && !found; i++) {
		assert_int_equal(f->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		if (memcmp(ti.label, TOKEN_LABEL, strlen(TOKEN_LABEL)) == 0)
			found = 1;
	}
	assert_true(found);
	assert_int_equal(f->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION, NULL, NULL,
	    &s), CKR_OK);
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
	assert_true(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN);
	for (k = 0; k < sizeof labels / sizeof labels[0]; k++) {
		CK_OBJECT_CLASS cls = k >= 5 ? CKO_PRIVATE_KEY : CKO_SECRET_KEY;
		CK_ATTRIBUTE tpl[] = {
			{ CKA_CLASS, &cls, sizeof cls },
			{ CKA_LABEL, (void *)(uintptr_t)labels[k], strlen(labels[k]) },
		};
		CK_BYTE buf[128];
		CK_BBOOL ext = CK_TRUE, sens = CK_FALSE;
		CK_ATTRIBUTE val = { CKA_VALUE, buf, sizeof buf };
		CK_ATTRIBUTE flags[] = {
			{ CKA_EXTRACTABLE, &ext, sizeof ext },
			{ CKA_SENSITIVE, &sens, sizeof sens },
		};

		assert_int_equal(f->C_FindObjectsInit(s, tpl, 2), CKR_OK);
		assert_int_equal(f->C_FindObjects(s, &h, 1, &n), CKR_OK);
		f->C_FindObjectsFinal(s);
		assert_int_equal(n, 1);
		assert_int_equal(f->C_GetAttributeValue(s, h, &val, 1),
		    CKR_ATTRIBUTE_SENSITIVE);
		assert_int_equal(val.ulValueLen, CK_UNAVAILABLE_INFORMATION);
		assert_int_equal(f->C_GetAttributeValue(s, h, flags, 2), CKR_OK);
		assert_int_equal(ext, CK_FALSE);
		assert_int_equal(sens, CK_TRUE);
	}
	f->C_CloseSession(s);
}

/*
 * A wrong PIN: refused, named as a PIN problem, the PIN not shown. The
 * login belongs to the process (PKCS#11), so the test closes its token
 * first, as a fresh station process would start; then the right PIN.
 */
static void
test_wrong_pin(void **state)
{
	struct crypto_token *t = NULL;

	(void)state;
	crypto_token_close(tok);
	tok = NULL;
	assert_int_equal(crypto_token_open(module, TOKEN_LABEL, "999999", &t),
	    NHI_EDENIED);
	assert_null(t);
	assert_non_null(strstr(err_detail(), "PIN was refused"));
	assert_non_null(strstr(err_detail(), TOKEN_LABEL));
	assert_null(strstr(err_detail(), "999999"));
	assert_int_equal(crypto_token_open(module, TOKEN_LABEL, USER_PIN, &tok), 0);
}

static void
test_clear_errors(void **state)
{
	struct crypto_token *t = NULL;
	struct crypto_master_keys m;

	(void)state;
	/* No such token. */
	assert_int_equal(crypto_token_open(module, "town-hsm", USER_PIN, &t), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "no token labelled 'town-hsm'"));
	assert_null(strstr(err_detail(), USER_PIN));
	/* No such module. */
	assert_int_equal(crypto_token_open("/nonexistent/libp11.so", TOKEN_LABEL, USER_PIN,
	    &t), NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "keys.pkcs11_module"));
	/* No key of that version (a missing label). */
	assert_int_equal(crypto_token_master_keys(tok, 0x44, CRYPTO_MODE_TEST, &m),
	    NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "'master-44-enc'"));
	/* The failed opens above did not close the open token's module. */
	assert_int_equal(crypto_token_master_keys(tok, 0x30, CRYPTO_MODE_TEST, &m), 0);
}

/*
 * Master keys made before the KDF moved into the token (CKA_DERIVE false,
 * as nhicard made them then; put in by the test on its own session): the
 * token cannot derive from them, so the card keys come from its CMAC, in
 * memory, as before, and equal the vector's.
 */
static void
test_master_without_derive(void **state)
{
	static const uint8_t div[10] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	    0x77, 0x88, 0x99 };
	static const uint8_t enc[16] = { 0xb9, 0xca, 0xf9, 0x51, 0x50, 0xb3, 0x99,
	    0x4e, 0xd3, 0xe1, 0x57, 0x3b, 0x8c, 0x65, 0xc9, 0xd2 };
	static const char *const labels[3] = { "master-70-enc", "master-70-mac",
	    "master-70-dek" };
	CK_RV (*getlist)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[8];
	CK_ULONG nslots = 8, i;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_OBJECT_HANDLE h;
	struct crypto_master_keys file, in;
	struct scp03_keyset ks;
	void *dl;
	size_t k;
	int found = 0;

	(void)state;
	vector_master(&file, 0x70);
	assert_non_null(dl = dlopen(module, RTLD_NOW));
	*(void **)&getlist = dlsym(dl, "C_GetFunctionList");
	assert_non_null(getlist);
	assert_int_equal(getlist(&f), CKR_OK);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &nslots), CKR_OK);
	for (i = 0; i < nslots && !found; i++) {
		assert_int_equal(f->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		if (memcmp(ti.label, TOKEN_LABEL, strlen(TOKEN_LABEL)) == 0)
			found = 1;
	}
	assert_true(found);
	assert_int_equal(f->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	for (k = 0; k < 3; k++) {
		CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
		CK_KEY_TYPE kt = CKK_AES;
		CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
		CK_ATTRIBUTE tpl[] = {
			{ CKA_CLASS, &cls, sizeof cls },
			{ CKA_KEY_TYPE, &kt, sizeof kt },
			{ CKA_LABEL, (void *)(uintptr_t)labels[k], strlen(labels[k]) },
			{ CKA_TOKEN, &yes, sizeof yes },
			{ CKA_PRIVATE, &yes, sizeof yes },
			{ CKA_SENSITIVE, &yes, sizeof yes },
			{ CKA_EXTRACTABLE, &no, sizeof no },
			{ CKA_SIGN, &yes, sizeof yes },
			{ CKA_ENCRYPT, &yes, sizeof yes },
			{ CKA_DERIVE, &no, sizeof no },
			{ CKA_VALUE, k == 0 ? file.enc : k == 1 ? file.mac : file.dek, 16 },
		};

		assert_int_equal(f->C_CreateObject(s, tpl, sizeof tpl / sizeof tpl[0],
		    &h), CKR_OK);
	}
	f->C_CloseSession(s);
	dlclose(dl);
	assert_int_equal(crypto_token_master_keys(tok, 0x70, CRYPTO_MODE_TEST, &in), 0);
	assert_false(in.derive);
	assert_int_equal(crypto_keys_diversify(&in, div, &ks), 0);
	assert_null(ks.token);
	assert_memory_equal(ks.enc, enc, 16);
	crypto_scp03_keyset_wipe(&ks);
	/* The token itself refuses to derive from such a key. */
	assert_int_equal(crypto_token_kdf_key(tok, in.h_enc, 0x81, div, 10, 16,
	    CRYPTO_TOKEN_USE_ENCRYPT, &h), NHI_ECRYPTO);
	crypto_master_keys_wipe(&file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_pin),
		cmocka_unit_test(test_vector_in_token),
		cmocka_unit_test(test_testkeys_in_token),
		cmocka_unit_test(test_generate_and_rotate),
		cmocka_unit_test(test_signing),
		cmocka_unit_test(test_import_signing),
		cmocka_unit_test(test_cms_with_token_key),
		cmocka_unit_test(test_never_extractable),
		cmocka_unit_test(test_clear_errors),
		cmocka_unit_test(test_kdf_in_token),
		cmocka_unit_test(test_master_without_derive),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
