/*
 * crypto-sign.c: ECDSA P-256 with SHA-256 for the NHI key record: signing
 * with the municipality key, verifying with a public point. Signatures are
 * raw r || s (64 bytes), public keys uncompressed points (65 bytes): fixed
 * sizes that fit card records and need no DER parser on a terminal.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "crypto-keystore.h"
#include "crypto-token.h"
#include "error.h"
#include "util.h"

struct crypto_sign_key {
	EVP_PKEY	*pkey;		/* the file store's key, or NULL */
	int		 test;
	/* A key in a PKCS#11 token (crypto-token.c): the token signs. */
	struct crypto_token *token;
	unsigned long	 handle;
	uint8_t		 pub[CRYPTO_EC_PUB_LEN];
};

int
crypto_sign_key_from_token(struct crypto_token *t, unsigned long h,
    const uint8_t pub[CRYPTO_EC_PUB_LEN], int test, struct crypto_sign_key **out)
{
	struct crypto_sign_key *key = xcalloc(1, sizeof *key);

	key->token = t;
	key->handle = h;
	key->test = test;
	memcpy(key->pub, pub, CRYPTO_EC_PUB_LEN);
	*out = key;
	return 0;
}

unsigned long
crypto_sign_key_token_handle(const struct crypto_sign_key *key)
{
	return key->handle;
}

void
crypto_sign_key_set_test(struct crypto_sign_key *key, int test)
{
	key->test = test;
}

/* 1 if `pkey` is an EC key on P-256. */
static int
is_p256(EVP_PKEY *pkey)
{
	char group[64];
	size_t n = 0;

	return EVP_PKEY_is_a(pkey, "EC") &&
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof group, &n) && strcmp(group, "prime256v1") == 0;
}

int
crypto_sign_key_from_pem(const char *pem, size_t len, int test,
    const char *where, struct crypto_sign_key **out)
{
	struct crypto_sign_key *key;
	EVP_PKEY *pkey = NULL;
	BIO *bio;

	if (len > INT32_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return err_set(NHI_ECRYPTO, "%s: cannot read the PEM block", where);
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		return err_set(NHI_EKEY, "%s: the PEM block is not a readable"
		    " unencrypted private key", where);
	if (!is_p256(pkey)) {
		EVP_PKEY_free(pkey);
		return err_set(NHI_EKEY, "%s: not an ECDSA P-256 key", where);
	}
	key = xcalloc(1, sizeof *key);
	key->pkey = pkey;
	key->test = test;
	*out = key;
	return 0;
}

void
crypto_sign_key_free(struct crypto_sign_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

int
crypto_sign_key_is_test(const struct crypto_sign_key *key)
{
	return key->test;
}

int
crypto_sign_key_public(const struct crypto_sign_key *key,
    uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	uint8_t buf[CRYPTO_EC_PUB_LEN + 8];
	size_t n = 0;

	if (key->token != NULL) {
		memcpy(pub, key->pub, CRYPTO_EC_PUB_LEN);
		return 0;
	}
	if (!EVP_PKEY_get_octet_string_param(key->pkey,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &n) ||
	    n != CRYPTO_EC_PUB_LEN || buf[0] != 0x04)
		return err_set(NHI_ECRYPTO, "cannot export the public key");
	memcpy(pub, buf, CRYPTO_EC_PUB_LEN);
	return 0;
}

int
crypto_ecdsa_sign(const struct crypto_sign_key *key, const void *data,
    size_t len, uint8_t sig[CRYPTO_EC_SIG_LEN])
{
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	uint8_t der[80];
	const uint8_t *p = der;
	const BIGNUM *r, *s;
	size_t dlen = sizeof der;
	int rc = NHI_ECRYPTO;

	if (key->token != NULL) {
		uint8_t h[CRYPTO_SHA256_LEN];

		if ((rc = crypto_sha256(data, len, h)) == 0)
			rc = crypto_token_ecdsa(key->token, key->handle, h, sig);
		return rc;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key->pkey,
	    NULL) != 1 ||
	    EVP_DigestSign(md, der, &dlen, data, len) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		err_set(rc, "ECDSA signing failed in OpenSSL");
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

/* An EVP_PKEY for an uncompressed P-256 point, or NULL. */
static EVP_PKEY *
pub_to_pkey(const uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (pub[0] != 0x04)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)pub, CRYPTO_EC_PUB_LEN);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	if (pkey != NULL) {
		/* fromdata does not check the point is on the curve. The
		 * quick check does that (and not the point at infinity);
		 * the full one adds n*Q = O, a scalar multiplication that P-256
		 * does not need: its cofactor is 1, every point on the curve
		 * is in the group. */
		EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

		if (check == NULL || EVP_PKEY_public_check_quick(check) != 1) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
		EVP_PKEY_CTX_free(check);
	}
	return pkey;
}

int
crypto_ec_public_check(const uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	EVP_PKEY *pkey = pub_to_pkey(pub);

	if (pkey == NULL)
		return err_set(NHI_EKEY, "not an uncompressed P-256 public key");
	EVP_PKEY_free(pkey);
	return 0;
}

int
crypto_ecdsa_verify(const uint8_t pub[CRYPTO_EC_PUB_LEN], const void *data,
    size_t len, const uint8_t sig[CRYPTO_EC_SIG_LEN])
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	uint8_t *der = NULL;
	int dlen, v, rc = NHI_ECRYPTO;
	/* The last key, checked on the curve once: a station verifies many
	 * records signed by the one municipality key (the card bureau's
	 * import: docs/performance.md "Card bureau"), and building and
	 * checking the point is as much work as the verification. */
	static _Thread_local uint8_t last_pub[CRYPTO_EC_PUB_LEN];
	static _Thread_local EVP_PKEY *last_pkey;

	if (last_pkey != NULL && memcmp(last_pub, pub, CRYPTO_EC_PUB_LEN) == 0) {
		if (EVP_PKEY_up_ref(last_pkey) != 1)
			return err_set(NHI_ECRYPTO, "EVP_PKEY_up_ref failed in OpenSSL");
		pkey = last_pkey;
	} else {
		if ((pkey = pub_to_pkey(pub)) == NULL)
			return err_set(NHI_EKEY, "not an uncompressed P-256 public key");
		EVP_PKEY_free(last_pkey);
		if (EVP_PKEY_up_ref(pkey) == 1) {
			last_pkey = pkey;
			memcpy(last_pub, pub, CRYPTO_EC_PUB_LEN);
		} else
			last_pkey = NULL;
	}
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;	/* owned by es now */
	if ((dlen = i2d_ECDSA_SIG(es, &der)) <= 0 ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
	    NULL) != 1)
		goto out;
	v = EVP_DigestVerify(md, der, (size_t)dlen, data, len);
	if (v == 1)
		rc = 0;
	else if (v == 0)
		rc = err_set(NHI_EAUTH, "ECDSA signature does not verify");
	else
		rc = err_set(NHI_EAUTH, "ECDSA signature is malformed");
out:
	if (rc == NHI_ECRYPTO)
		err_set(rc, "ECDSA verification failed in OpenSSL");
	BN_free(r);
	BN_free(s);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc;
}

int
crypto_testkey_sign_pub(const uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	EVP_PKEY *pkey = pub_to_pkey(pub);
	char hex[65];
	int t;

	if (pkey == NULL)
		return 0;
	t = crypto_testkey_pubkey((struct evp_pkey_st *)pkey, hex);
	EVP_PKEY_free(pkey);
	return t;
}

int
crypto_sign_key_raw(const struct crypto_sign_key *key, uint8_t priv[CRYPTO_EC_PRIV_LEN],
    uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	BIGNUM *bn = NULL;
	int r;

	if (key->token != NULL)
		return err_set(NHI_EKEY, "the signing key is in a token: it cannot be"
		    " read");
	if ((r = crypto_sign_key_public(key, pub)) != 0)
		return r;
	if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) ||
	    BN_bn2binpad(bn, priv, CRYPTO_EC_PRIV_LEN) != CRYPTO_EC_PRIV_LEN) {
		BN_clear_free(bn);
		return err_set(NHI_ECRYPTO, "cannot read the private key");
	}
	BN_clear_free(bn);
	return 0;
}
