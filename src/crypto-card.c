/*
 * crypto-card.c: the crypto a card does and a station never does, for the
 * card emulator's card OS (cardsim/os-nhi*.c): generating the card-unique
 * EC P-256 key pair, signing with it from its raw private scalar, and
 * decrypting PUT KEY key blocks under the static DEK. Kept apart from the
 * station's primitives so that the station cannot call them by mistake.
 */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto.h"
#include "error.h"

int
crypto_card_key_generate(uint8_t priv[CRYPTO_EC_PRIV_LEN],
    uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	EVP_PKEY *pkey = NULL;
	BIGNUM *d = NULL;
	uint8_t buf[CRYPTO_EC_PUB_LEN + 8];
	size_t n = 0;
	int r = NHI_ECRYPTO;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
	    BN_bn2binpad(d, priv, CRYPTO_EC_PRIV_LEN) != CRYPTO_EC_PRIV_LEN ||
	    !EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
	    buf, sizeof buf, &n) || n != CRYPTO_EC_PUB_LEN || buf[0] != 0x04)
		goto out;
	memcpy(pub, buf, CRYPTO_EC_PUB_LEN);
	r = 0;
out:
	if (r != 0) {
		OPENSSL_cleanse(priv, CRYPTO_EC_PRIV_LEN);
		err_set(r, "EC P-256 key generation failed in OpenSSL");
	}
	BN_clear_free(d);
	EVP_PKEY_free(pkey);
	return r;
}

int
crypto_card_key_derive(const void *seed, size_t len, uint8_t priv[CRYPTO_EC_PRIV_LEN],
    uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	EC_GROUP *group = NULL;
	EC_POINT *point = NULL;
	BN_CTX *bn = NULL;
	BIGNUM *d = NULL;
	uint8_t h[CRYPTO_SHA256_LEN];
	int r = NHI_ECRYPTO;

	if (crypto_sha256(seed, len, h) != 0)
		return NHI_ECRYPTO;
	if ((bn = BN_CTX_new()) == NULL ||
	    (group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (point = EC_POINT_new(group)) == NULL ||
	    (d = BN_bin2bn(h, sizeof(h), NULL)) == NULL ||
	    !BN_nnmod(d, d, EC_GROUP_get0_order(group), bn) || BN_is_zero(d) ||
	    !EC_POINT_mul(group, point, d, NULL, NULL, bn) ||
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub,
	    CRYPTO_EC_PUB_LEN, bn) != CRYPTO_EC_PUB_LEN ||
	    BN_bn2binpad(d, priv, CRYPTO_EC_PRIV_LEN) != CRYPTO_EC_PRIV_LEN)
		goto out;
	r = 0;
out:
	if (r != 0) {
		OPENSSL_cleanse(priv, CRYPTO_EC_PRIV_LEN);
		err_set(r, "EC P-256 key derivation failed in OpenSSL");
	}
	OPENSSL_cleanse(h, sizeof(h));
	BN_clear_free(d);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	BN_CTX_free(bn);
	return r;
}

/* An EVP_PKEY for a P-256 key pair given as raw scalar and point. */
static EVP_PKEY *
keypair_to_pkey(const uint8_t priv[CRYPTO_EC_PRIV_LEN],
    const uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *d = NULL;

	if ((d = BN_bin2bn(priv, CRYPTO_EC_PRIV_LEN, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    CRYPTO_EC_PUB_LEN) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pkey;
}

int
crypto_card_key_sign(const uint8_t priv[CRYPTO_EC_PRIV_LEN],
    const uint8_t pub[CRYPTO_EC_PUB_LEN], const void *data, size_t len,
    uint8_t sig[CRYPTO_EC_SIG_LEN])
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	uint8_t der[80];
	const uint8_t *p = der;
	const BIGNUM *r, *s;
	size_t dlen = sizeof der;
	int rc = NHI_ECRYPTO;

	if ((pkey = keypair_to_pkey(priv, pub)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1 ||
	    EVP_DigestSign(md, der, &dlen, data, len) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		err_set(rc, "ECDSA signing with the card key failed in OpenSSL");
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc;
}

int
crypto_card_dek_decrypt(const struct scp03_keyset *keys, const uint8_t *in,
    size_t len, uint8_t *out)
{
	static const uint8_t iv[SCP03_BLOCK];
	EVP_CIPHER_CTX *ctx = NULL;
	const char *name;
	int n = 0, m = 0, r = NHI_ECRYPTO;

	switch (keys->keylen) {
	case 16: name = "AES-128-CBC"; break;
	case 24: name = "AES-192-CBC"; break;
	case 32: name = "AES-256-CBC"; break;
	default:
		return err_set(NHI_ERANGE, "DEK of %zu bytes", keys->keylen);
	}
	if (len == 0 || len % SCP03_BLOCK != 0 || len > 64)
		return err_set(NHI_ERANGE, "PUT KEY: a key block of %zu bytes", len);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_DecryptInit_ex2(ctx, EVP_get_cipherbyname(name), keys->dek, iv, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_DecryptUpdate(ctx, out, &n, in, (int)len) ||
	    !EVP_DecryptFinal_ex(ctx, out + n, &m) || (size_t)(n + m) != len)
		goto out;
	r = 0;
out:
	if (r != 0)
		err_set(r, "AES decryption under the DEK failed in OpenSSL");
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
