/*
 * crypto-password.c: scrypt (RFC 7914) through OpenSSL 3's EVP_KDF
 * "SCRYPT", and the operator password hash strings built on it:
 * "scrypt$N$r$p$SALTHEX$HASHHEX" (16-byte salt, 32-byte hash), so that a
 * stored hash says how it was made and parameters can rise later without
 * breaking old hashes. Comparison is constant-time (CRYPTO_memcmp).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto.h"
#include "crypto-keystore.h"
#include "error.h"
#include "util.h"

#define PW_SALT_LEN	16
#define PW_HASH_LEN	32
/* Memory bound handed to OpenSSL: above the largest allowed cost. */
#define SCRYPT_MAXMEM	((uint64_t)1 << 31)

int
crypto_scrypt_check(const struct crypto_scrypt_params *p, const char *where)
{
	if (p->n < CRYPTO_SCRYPT_N_MIN || p->n > CRYPTO_SCRYPT_N_MAX ||
	    (p->n & (p->n - 1)) != 0)
		return err_set(NHI_ERANGE, "%s: scrypt N must be a power of two from"
		    " %u to %u", where, CRYPTO_SCRYPT_N_MIN, CRYPTO_SCRYPT_N_MAX);
	if (p->r < 1 || p->r > CRYPTO_SCRYPT_R_MAX)
		return err_set(NHI_ERANGE, "%s: scrypt r must be 1 to %u", where,
		    CRYPTO_SCRYPT_R_MAX);
	if (p->p < 1 || p->p > CRYPTO_SCRYPT_P_MAX)
		return err_set(NHI_ERANGE, "%s: scrypt p must be 1 to %u", where,
		    CRYPTO_SCRYPT_P_MAX);
	return 0;
}

int
crypto_scrypt(const char *password, size_t pwlen, const uint8_t *salt,
    size_t saltlen, const struct crypto_scrypt_params *p, uint8_t *out,
    size_t outlen)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[7], *q = params;
	uint64_t n = p->n, maxmem = SCRYPT_MAXMEM;
	uint32_t r = p->r, par = p->p;
	int rc;

	if ((rc = crypto_scrypt_check(p, "scrypt")) != 0)
		return rc;
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)password, pwlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, saltlen);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	*q = OSSL_PARAM_construct_end();
	rc = NHI_ECRYPTO;
	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(kctx, out, outlen, params) <= 0) {
		err_set(rc, "scrypt failed in OpenSSL");
		goto out;
	}
	rc = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

int
crypto_password_hash(const char *password, const struct crypto_scrypt_params *p,
    char **out)
{
	uint8_t salt[PW_SALT_LEN], hash[PW_HASH_LEN];
	char salthex[2 * PW_SALT_LEN + 1], hashhex[2 * PW_HASH_LEN + 1];
	int r;

	if ((r = crypto_random(salt, sizeof salt)) != 0 ||
	    (r = crypto_scrypt(password, strlen(password), salt, sizeof salt, p, hash,
	    sizeof hash)) != 0)
		goto out;
	hex_encode(salt, sizeof salt, salthex);
	hex_encode(hash, sizeof hash, hashhex);
	*out = xasprintf("scrypt$%" PRIu64 "$%" PRIu32 "$%" PRIu32 "$%s$%s", p->n,
	    p->r, p->p, salthex, hashhex);
out:
	OPENSSL_cleanse(hash, sizeof hash);
	OPENSSL_cleanse(hashhex, sizeof hashhex);
	return r;
}

/* Parse one decimal field up to '$'; advances *s past the '$'. */
static int
pw_field(const char **s, uint64_t max, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return -1;
	}
	if (*p != '$')
		return -1;
	*s = p + 1;
	*out = v;
	return 0;
}

int
crypto_password_verify(const char *password, const char *stored)
{
	struct crypto_scrypt_params p;
	uint8_t salt[PW_SALT_LEN], want[PW_HASH_LEN], got[PW_HASH_LEN];
	const char *s = stored, *dollar;
	char salthex[2 * PW_SALT_LEN + 1];
	uint64_t n, rr, pp;
	int r;

	if (strncmp(s, "scrypt$", 7) != 0)
		return err_set(NHI_EPARSE, "password hash: not an scrypt$ string");
	s += 7;
	if (pw_field(&s, CRYPTO_SCRYPT_N_MAX, &n) != 0 ||
	    pw_field(&s, CRYPTO_SCRYPT_R_MAX, &rr) != 0 ||
	    pw_field(&s, CRYPTO_SCRYPT_P_MAX, &pp) != 0)
		return err_set(NHI_EPARSE, "password hash: bad scrypt parameters");
	p.n = n;
	p.r = (uint32_t)rr;
	p.p = (uint32_t)pp;
	if ((r = crypto_scrypt_check(&p, "password hash")) != 0)
		return err_set(NHI_EPARSE, "password hash: scrypt parameters out of bounds");
	if ((dollar = strchr(s, '$')) == NULL ||
	    (size_t)(dollar - s) != 2 * PW_SALT_LEN)
		return err_set(NHI_EPARSE, "password hash: bad salt");
	memcpy(salthex, s, 2 * PW_SALT_LEN);
	salthex[2 * PW_SALT_LEN] = '\0';
	if (hex_decode(salthex, salt, sizeof salt) != PW_SALT_LEN ||
	    strlen(dollar + 1) != 2 * PW_HASH_LEN ||
	    hex_decode(dollar + 1, want, sizeof want) != PW_HASH_LEN)
		return err_set(NHI_EPARSE, "password hash: bad salt or hash");
	if ((r = crypto_scrypt(password, strlen(password), salt, sizeof salt, &p, got,
	    sizeof got)) != 0)
		goto out;
	r = CRYPTO_memcmp(got, want, sizeof got) == 0 ? 0 :
	    err_set(NHI_EDENIED, "wrong password");
out:
	OPENSSL_cleanse(got, sizeof got);
	OPENSSL_cleanse(want, sizeof want);
	return r;
}
