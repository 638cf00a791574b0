/*
 * Tests of the key store (crypto-keys.c) and signatures (crypto-sign.c):
 * key check values, the per-card diversification vector of docs/keys.md,
 * station modes and the refusal of test keys in production, malformed key
 * files named by file and line, the shipped keys/test-* files, ECDSA sign
 * and verify, tampered signatures and bad public keys.
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

#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

static char tmpdir[] = "/tmp/nhi-keys-XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r = system(cmd);

	free(cmd);
	return r == 0 ? 0 : -1;
}

/* Write `text` to a file in the temporary directory; caller frees the path. */
static char *
write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);

	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0600), 0);
	return path;
}

static char *
shipped(const char *name)
{
	const char *top = getenv("top_srcdir");

	return xasprintf("%s/keys/%s", top != NULL ? top : "..", name);
}

static void
test_kcv(void **state)
{
	static const struct { const char *key, *kcv; } cases[] = {
		/* the GlobalPlatform default test key 40..4F: KCV 504A77 */
		{ "404142434445464748494a4b4c4d4e4f", "504a77" },
		{ "000102030405060708090a0b0c0d0e0f", "c35280" },
		{ "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
		  "17b3e9" },
	};
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		uint8_t key[32], kcv[3];
		char hex[7];
		int n = hex_decode(cases[i].key, key, sizeof key);

		assert_int_equal(crypto_kcv(key, (size_t)n, kcv), 0);
		hex_encode(kcv, 3, hex);
		assert_string_equal(hex, cases[i].kcv);
	}
	{
		uint8_t key[16] = { 0 }, kcv[3];
		assert_int_equal(crypto_kcv(key, 15, kcv), NHI_ERANGE);
	}
}

/* The vector of docs/keys.md, checked there with `openssl mac` and with
 * Python's cryptography package. */
static void
test_diversification_vector(void **state)
{
	struct crypto_master_keys m;
	struct scp03_keyset ks;
	uint8_t div[10];
	char hex[65];

	memset(&m, 0, sizeof m);
	m.kvn = 0x30;
	m.keylen = 16;
	assert_int_equal(hex_decode("000102030405060708090a0b0c0d0e0f", m.enc, 16), 16);
	assert_int_equal(hex_decode("101112131415161718191a1b1c1d1e1f", m.mac, 16), 16);
	assert_int_equal(hex_decode("202122232425262728292a2b2c2d2e2f", m.dek, 16), 16);
	assert_int_equal(hex_decode("00112233445566778899", div, 10), 10);
	assert_int_equal(crypto_keys_diversify(&m, div, &ks), 0);
	assert_int_equal(ks.kvn, 0x30);
	assert_int_equal(ks.keylen, 16);
	hex_encode(ks.enc, 16, hex);
	assert_string_equal(hex, "b9caf95150b3994ed3e1573b8c65c9d2");
	hex_encode(ks.mac, 16, hex);
	assert_string_equal(hex, "1b53c842a9d4cb695a4abeac8e1d2aac");
	hex_encode(ks.dek, 16, hex);
	assert_string_equal(hex, "cfd9c73aeae04ee3eeb11d51512a6763");
	/* another card, other keys */
	div[9] ^= 1;
	assert_int_equal(crypto_keys_diversify(&m, div, &ks), 0);
	hex_encode(ks.enc, 16, hex);
	assert_string_not_equal(hex, "b9caf95150b3994ed3e1573b8c65c9d2");
	crypto_scp03_keyset_wipe(&ks);
}

static void
test_station_mode(void **state)
{
	static const struct { const char *text; int code; enum crypto_mode mode; } cases[] = {
		{ "", 0, CRYPTO_MODE_PRODUCTION },
		{ "[station]\nmode = production\n", 0, CRYPTO_MODE_PRODUCTION },
		{ "[station]\nmode = test\n", 0, CRYPTO_MODE_TEST },
		{ "[station]\nmode = demo\n", 0, CRYPTO_MODE_DEMO },
		{ "[station]\nmode = Demo\n", NHI_ECONFIG, 0 },
	};
	enum crypto_mode mode;
	size_t i;

	assert_int_equal(crypto_station_mode(NULL, &mode), 0);
	assert_int_equal(mode, CRYPTO_MODE_PRODUCTION);
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		struct config *cfg = config_new();

		assert_int_equal(config_parse(cfg, "t.conf", cases[i].text,
		    strlen(cases[i].text)), 0);
		assert_int_equal(crypto_station_mode(cfg, &mode), cases[i].code);
		if (cases[i].code == 0)
			assert_int_equal(mode, cases[i].mode);
		else
			assert_non_null(strstr(err_detail(), "station.mode"));
		config_free(cfg);
	}
}

static const char good_master[] =
    "# test master keys\n"
    "test = yes\n"
    "kvn = 30\n"
    "algorithm = AES-128\n"
    "enc = 000102030405060708090a0b0c0d0e0f\n"
    "enc-kcv = c35280\n"
    "mac = 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f\n"
    "dek = 202122232425262728292a2b2c2d2e2f\n";

static void
test_master_load(void **state)
{
	struct crypto_master_keys m;
	char *path = write_file("good.keys", good_master), *desc;

	/* refused in production, accepted in test and demo */
	memset(&m, 0x5a, sizeof m);
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_PRODUCTION, &m),
	    NHI_ETESTKEY);
	assert_non_null(strstr(err_detail(), "good.keys"));
	assert_non_null(strstr(err_detail(), "production"));
	assert_int_equal(m.kvn, 0x5a);
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_TEST, &m), 0);
	assert_int_equal(m.kvn, 0x30);
	assert_int_equal(m.keylen, 16);
	assert_true(m.test);
	assert_int_equal(m.mac[15], 0x1f);
	desc = crypto_master_keys_describe(&m);
	assert_string_equal(desc, "key version 30, AES-128, KCV ENC c35280 MAC"
	    " 013808 DEK 840de5 (test keys)");
	free(desc);
	crypto_master_keys_wipe(&m);
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_DEMO, &m), 0);
	crypto_master_keys_wipe(&m);
	free(path);

	/* a production key set loads in production */
	path = write_file("prod.keys", "test = no\nkvn = 7f\nalgorithm = AES-256\n"
	    "enc = 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
	    "mac = 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
	    "dek = 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
	    "dek-kcv = 17B3E9\n");
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_PRODUCTION, &m), 0);
	assert_int_equal(m.keylen, 32);
	assert_int_equal(m.kvn, 0x7f);
	assert_false(m.test);
	crypto_master_keys_wipe(&m);
	free(path);
}

static void
test_master_errors(void **state)
{
	static const struct { const char *text, *detail; int code; } cases[] = {
		{ "test = yes\nkvn = 30\nenc = 00\n", "bad.keys:3: enc: expected 16 bytes of hex", NHI_EKEY },
		{ "test = yes\nkvn = 30\n\nenc = 000102030405060708090a0b0c0d0e0g\n",
		  "bad.keys:4: enc: expected 16 bytes of hex", NHI_EKEY },
		{ "test = maybe\n", "bad.keys:1: test must be yes or no", NHI_EKEY },
		{ "kvn = 30\n", "bad.keys: missing 'test = ...'", NHI_EKEY },
		{ "test = no\n", "bad.keys: missing 'kvn = ...'", NHI_EKEY },
		{ "test = no\nkvn = 80\n", "bad.keys:2: kvn must be two hex digits, 01 to 7F or FF", NHI_EKEY },
		{ "test = no\nkvn = fe\n", "bad.keys:2: kvn must be two hex digits, 01 to 7F or FF", NHI_EKEY },
		{ "test = no\nkvn = 3g\n", "bad.keys:2: kvn must be two hex digits, 01 to 7F or FF", NHI_EKEY },
		{ "test = no\nkvn = 30\nalgorithm = DES\n",
		  "bad.keys:3: algorithm must be AES-128, AES-192 or AES-256", NHI_EKEY },
		{ "test = no\nkvn = 30\n", "bad.keys: missing 'enc = ...'", NHI_EKEY },
		{ "test = no\nkvn = 30\nkvn = 31\n", "bad.keys:3: kvn given twice (first on line 2)", NHI_EKEY },
		{ "test = no\nkey = 30\n", "bad.keys:2: unknown entry 'key'", NHI_EKEY },
		/* A key on the wrong side of '=' is never echoed (issue 16 item 9). */
		{ "test = no\nkvn = 30\n000102030405060708090a0b0c0d0e0f = enc\n",
		  "bad.keys:3: unknown entry, named like key material (not shown): is a key"
		  " on the wrong side of '='?", NHI_EKEY },
		{ "test = no\n0102030405060708 = 1\n0102030405060708 = 2\n",
		  "bad.keys:3: an entry named like key material given twice (first on line 2)",
		  NHI_EKEY },
		{ "test = no\nKVN = 30\n", "bad.keys:2: bad name", NHI_EKEY },
		{ "test = no\njust words\n", "bad.keys:2: expected 'name = value'", NHI_EKEY },
		{ "test = no\n = 1\n", "bad.keys:2: missing name before '='", NHI_EKEY },
		{ "test = no\nkvn = 30\nenc = 000102030405060708090a0b0c0d0e0f\n"
		  "enc-kcv = c35281\n",
		  "bad.keys:4: enc: the key's check value is c35280, not c35281 (mistyped key?)",
		  NHI_EKEY },
		{ "test = no\nkvn = 30\nenc = 000102030405060708090a0b0c0d0e0f\n"
		  "enc-kcv = c352\n", "bad.keys:4: enc-kcv: expected 3 bytes of hex", NHI_EKEY },
		{ "test = no\n-----BEGIN PRIVATE KEY-----\n",
		  "bad.keys: a master key file holds no PEM block", NHI_EKEY },
	};
	struct crypto_master_keys m;
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		char *path = write_file("bad.keys", cases[i].text);
		const char *d;

		print_message("# case %zu\n", i);
		assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_TEST, &m),
		    cases[i].code);
		d = err_detail();
		assert_non_null(d);
		/* the detail starts with the full path */
		assert_int_equal(strncmp(d, tmpdir, strlen(tmpdir)), 0);
		assert_string_equal(d + strlen(tmpdir) + 1, cases[i].detail);
		/* never any key material */
		assert_null(strstr(d, "0102030405"));
		free(path);
	}
	assert_int_equal(crypto_master_keys_load("/nonexistent/k.keys",
	    CRYPTO_MODE_TEST, &m), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "/nonexistent/k.keys"));
}

static void
test_shipped_test_keys(void **state)
{
	struct crypto_master_keys m;
	struct crypto_sign_key *key = NULL;
	char *mp = shipped("test-master-30.keys"), *sp = shipped("test-municipality.key");

	assert_int_equal(crypto_master_keys_load(mp, CRYPTO_MODE_PRODUCTION, &m),
	    NHI_ETESTKEY);
	assert_int_equal(crypto_master_keys_load(mp, CRYPTO_MODE_DEMO, &m), 0);
	assert_int_equal(m.kvn, 0x30);
	assert_true(m.test);
	crypto_master_keys_wipe(&m);
	free(mp);
	mp = shipped("test-transport-ff.keys");
	assert_int_equal(crypto_master_keys_load(mp, CRYPTO_MODE_PRODUCTION, &m),
	    NHI_ETESTKEY);
	assert_int_equal(crypto_master_keys_load(mp, CRYPTO_MODE_TEST, &m), 0);
	assert_int_equal(m.kvn, 0xff);
	crypto_master_keys_wipe(&m);
	assert_int_equal(crypto_sign_key_load(sp, CRYPTO_MODE_PRODUCTION, &key),
	    NHI_ETESTKEY);
	assert_null(key);
	assert_int_equal(crypto_sign_key_load(sp, CRYPTO_MODE_TEST, &key), 0);
	assert_true(crypto_sign_key_is_test(key));
	crypto_sign_key_free(key);
	free(mp);
	free(sp);
}

static void
test_sign_verify(void **state)
{
	struct crypto_sign_key *key = NULL;
	char *sp = shipped("test-municipality.key");
	uint8_t pub[CRYPTO_EC_PUB_LEN], sig[CRYPTO_EC_SIG_LEN], sig2[CRYPTO_EC_SIG_LEN];
	static const char record[] = "user-number|insurer|municipality|generation";
	size_t i;

	assert_int_equal(crypto_sign_key_load(sp, CRYPTO_MODE_TEST, &key), 0);
	assert_int_equal(crypto_sign_key_public(key, pub), 0);
	assert_int_equal(pub[0], 0x04);
	assert_int_equal(crypto_ec_public_check(pub), 0);
	assert_int_equal(crypto_ecdsa_sign(key, record, sizeof record, sig), 0);
	assert_int_equal(crypto_ecdsa_verify(pub, record, sizeof record, sig), 0);
	/* ECDSA is randomized: a second signature differs and verifies too */
	assert_int_equal(crypto_ecdsa_sign(key, record, sizeof record, sig2), 0);
	assert_memory_not_equal(sig, sig2, sizeof sig);
	assert_int_equal(crypto_ecdsa_verify(pub, record, sizeof record, sig2), 0);
	/* tampered data, tampered signature bytes (r and s) */
	assert_int_equal(crypto_ecdsa_verify(pub, record, sizeof record - 1, sig),
	    NHI_EAUTH);
	for (i = 0; i < sizeof sig; i += 31) {
		memcpy(sig2, sig, sizeof sig);
		sig2[i] ^= 0x01;
		assert_int_equal(crypto_ecdsa_verify(pub, record, sizeof record, sig2),
		    NHI_EAUTH);
	}
	memset(sig2, 0, sizeof sig2);
	assert_int_equal(crypto_ecdsa_verify(pub, record, sizeof record, sig2),
	    NHI_EAUTH);
	/* another key's public point */
	pub[64] ^= 0x01;
	assert_int_equal(crypto_ec_public_check(pub), NHI_EKEY);
	assert_int_equal(crypto_ecdsa_verify(pub, record, sizeof record, sig), NHI_EKEY);
	pub[64] ^= 0x01;
	pub[0] = 0x02;
	assert_int_equal(crypto_ec_public_check(pub), NHI_EKEY);
	crypto_sign_key_free(key);
	free(sp);
}

static void
test_sign_key_errors(void **state)
{
	static const struct { const char *text, *detail; } cases[] = {
		{ "test = yes\ncurve = P-384\n", ":2: curve must be P-256" },
		{ "test = yes\n", ": missing 'curve = ...'" },
		{ "test = yes\ncurve = P-256\n", ": no '-----BEGIN PRIVATE KEY-----' block" },
		{ "test = yes\ncurve = P-256\n-----BEGIN PRIVATE KEY-----\nAAAA\n"
		  "-----END PRIVATE KEY-----\n",
		  ": the PEM block is not a readable unencrypted private key" },
		{ "test = yes\ncolor = blue\n", ":2: unknown entry 'color'" },
	};
	struct crypto_sign_key *key = NULL;
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		char *path = write_file("bad.key", cases[i].text), *want;

		want = xasprintf("%s%s", path, cases[i].detail);
		assert_int_equal(crypto_sign_key_load(path, CRYPTO_MODE_TEST, &key),
		    NHI_EKEY);
		assert_string_equal(err_detail(), want);
		assert_null(key);
		free(want);
		free(path);
	}
}

static void
test_random_and_sha256(void **state)
{
	uint8_t a[32], b[32], h[CRYPTO_SHA256_LEN];
	char hex[65];

	assert_int_equal(crypto_random(a, sizeof a), 0);
	assert_int_equal(crypto_random(b, sizeof b), 0);
	assert_memory_not_equal(a, b, sizeof a);
	assert_int_equal(crypto_sha256("abc", 3, h), 0);
	hex_encode(h, sizeof h, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* The shipped test keys with their "test = yes" line changed are still
 * refused in production (issue 16 item 4), and still accepted in test mode. */
static void
test_relabelled_test_keys(void **state)
{
	static const char *const names[] = { "test-master-30.keys", "test-municipality.key" };
	struct crypto_master_keys m;
	struct crypto_sign_key *k = NULL;
	char *text = NULL, *p, *path;
	size_t len, i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(names); i++) {
		char *src = shipped(names[i]);

		assert_int_equal(fs_read_file(src, 65536, &text, &len), 0);
		assert_non_null(p = strstr(text, "test = yes"));
		*p = '\0';
		p = xasprintf("%stest = no%s", text, p + 10);
		path = write_file(i == 0 ? "relabel.keys" : "relabel.key", p);
		free(p);
		if (i == 0) {
			assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_PRODUCTION,
			    &m), NHI_ETESTKEY);
			assert_non_null(strstr(err_detail(), "key check values"));
			assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_TEST, &m), 0);
			assert_int_equal(m.test, 1);
			crypto_master_keys_wipe(&m);
		} else {
			assert_int_equal(crypto_sign_key_load(path, CRYPTO_MODE_PRODUCTION,
			    &k), NHI_ETESTKEY);
			assert_non_null(strstr(err_detail(), "published test signing key"));
			assert_int_equal(crypto_sign_key_load(path, CRYPTO_MODE_TEST, &k), 0);
			crypto_sign_key_free(k);
			k = NULL;
		}
		assert_null(strstr(err_detail(), "-----BEGIN"));
		free(path);
		free(src);
		free(text);
		text = NULL;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kcv),
		cmocka_unit_test(test_diversification_vector),
		cmocka_unit_test(test_station_mode),
		cmocka_unit_test(test_master_load),
		cmocka_unit_test(test_master_errors),
		cmocka_unit_test(test_shipped_test_keys),
		cmocka_unit_test(test_relabelled_test_keys),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sign_key_errors),
		cmocka_unit_test(test_random_and_sha256),
	};

	return cmocka_run_group_tests_name("crypto-keys", tests, setup, teardown);
}
