/* Unit tests of scrypt and the operator password hashes (crypto-password.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto-keystore.h"
#include "error.h"
#include "util.h"

static const struct crypto_scrypt_params fast = { 1024, 8, 1 };

/* RFC 7914 section 12, the second vector: through OpenSSL's EVP_KDF. */
static void
test_rfc7914_vector(void **state)
{
	static const uint8_t want[64] = {
		0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7, 0x19,
		0x0d, 0x01, 0xe9, 0xfe, 0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23, 0x78, 0x30,
		0xe7, 0x73, 0x76, 0x63, 0x4b, 0x37, 0x31, 0x62, 0x2e, 0xaf, 0x30, 0xd9,
		0x2e, 0x22, 0xa3, 0x88, 0x6f, 0xf1, 0x09, 0x27, 0x9d, 0x98, 0x30, 0xda,
		0xc7, 0x27, 0xaf, 0xb9, 0x4a, 0x83, 0xee, 0x6d, 0x83, 0x60, 0xcb, 0xdf,
		0xa2, 0xcc, 0x06, 0x40 };
	const struct crypto_scrypt_params p = { 1024, 8, 16 };
	uint8_t out[64];

	(void)state;
	assert_int_equal(crypto_scrypt("password", 8, (const uint8_t *)"NaCl", 4, &p, out,
	    sizeof out), 0);
	assert_memory_equal(out, want, sizeof want);
}

static void
test_hash_and_verify(void **state)
{
	const struct crypto_scrypt_params p = { 2048, 4, 2 };
	char *h = NULL, *h2 = NULL;

	(void)state;
	assert_int_equal(crypto_password_hash("correct horse", &p, &h), 0);
	/* Self-describing, with the parameters asked for. */
	assert_int_equal(strncmp(h, "scrypt$2048$4$2$", 16), 0);
	assert_int_equal(strlen(h), 16 + 32 + 1 + 64);
	assert_int_equal(crypto_password_verify("correct horse", h), 0);
	assert_int_equal(crypto_password_verify("correct horsE", h), NHI_EDENIED);
	assert_int_equal(crypto_password_verify("", h), NHI_EDENIED);
	/* A fresh salt each time. */
	assert_int_equal(crypto_password_hash("correct horse", &p, &h2), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(crypto_password_verify("correct horse", h2), 0);
	free(h);
	free(h2);
}

/* Every part of the stored string counts: hash, salt and each parameter. */
static void
test_changed_hash_fails(void **state)
{
	char *h = NULL, *c;
	size_t n;

	(void)state;
	assert_int_equal(crypto_password_hash("s3cret-pass", &fast, &h), 0);
	n = strlen(h);
	c = xstrdup(h);
	c[n - 1] = c[n - 1] == '0' ? '1' : '0';		/* last hash digit */
	assert_int_equal(crypto_password_verify("s3cret-pass", c), NHI_EDENIED);
	free(c);
	c = xstrdup(h);
	c[16] = c[16] == '0' ? '1' : '0';		/* first salt digit */
	assert_int_equal(crypto_password_verify("s3cret-pass", c), NHI_EDENIED);
	free(c);
	c = xasprintf("scrypt$2048%s", h + 11);		/* N changed */
	assert_int_equal(crypto_password_verify("s3cret-pass", c), NHI_EDENIED);
	free(c);
	c = xasprintf("scrypt$1024$4%s", h + 13);	/* r changed */
	assert_int_equal(crypto_password_verify("s3cret-pass", c), NHI_EDENIED);
	free(c);
	free(h);
}

static void
test_malformed_hashes(void **state)
{
	static const char *const bad[] = {
		"",
		"bcrypt$...",
		"scrypt$1000$8$1$00112233445566778899aabbccddeeff$"
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"scrypt$512$8$1$00112233445566778899aabbccddeeff$"
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"scrypt$1024$0$1$00112233445566778899aabbccddeeff$"
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"scrypt$1024$8$99$00112233445566778899aabbccddeeff$"
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"scrypt$1024$8$1$0011$"
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"scrypt$1024$8$1$00112233445566778899aabbccddeeff$0011",
		"scrypt$1024$8$1$00112233445566778899aabbccddeeff$"
		    "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"scrypt$99999999999999999999$8$1$00112233445566778899aabbccddeeff$"
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(crypto_password_verify("x", bad[i]), NHI_EPARSE);
		assert_non_null(strstr(err_detail(), "password hash"));
	}
}

static void
test_parameter_bounds(void **state)
{
	struct crypto_scrypt_params p = { 1024, 8, 1 };

	(void)state;
	assert_int_equal(crypto_scrypt_check(&p, "t"), 0);
	p.n = 3000;
	assert_int_equal(crypto_scrypt_check(&p, "t"), NHI_ERANGE);
	p.n = 1u << 21;
	assert_int_equal(crypto_scrypt_check(&p, "t"), NHI_ERANGE);
	p.n = 1024;
	p.r = 0;
	assert_int_equal(crypto_scrypt_check(&p, "t"), NHI_ERANGE);
	p.r = 8;
	p.p = 17;
	assert_int_equal(crypto_scrypt_check(&p, "t"), NHI_ERANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7914_vector),
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_changed_hash_fails),
		cmocka_unit_test(test_malformed_hashes),
		cmocka_unit_test(test_parameter_bounds),
	};
	return cmocka_run_group_tests_name("crypto-password", tests, NULL, NULL);
}
