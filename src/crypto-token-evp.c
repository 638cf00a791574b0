/*
 * crypto-token-evp.c: a key in the PKCS#11 token as an OpenSSL EVP_PKEY,
 * for the queue's CMS signatures (queue.station_key = pkcs11:LABEL,
 * docs/keys.md 4.9). OpenSSL builds the CMS SignedData as for a PEM key;
 * the one private-key operation, ECDSA over the digest, is done by the
 * token (CKM_ECDSA). Debian 12 has no PKCS#11 provider for OpenSSL 3, so
 * the key is an EC_KEY with an EC_KEY_METHOD whose sign_sig asks the
 * token: OpenSSL 3 still routes such "foreign" keys through their method
 * (the way engine keys work), and that API is marked deprecated, hence
 * OPENSSL_SUPPRESS_DEPRECATED in this file alone.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "crypto.h"
#include "crypto-token.h"
#include "error.h"
#include "util.h"

struct token_ref {
	struct crypto_token	*token;
	unsigned long		 handle;
};

static int ref_index = -1;
static EC_KEY_METHOD *method;

static void
ref_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	free(ptr);
}

static ECDSA_SIG *
token_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *rp, EC_KEY *ec)
{
	struct token_ref *ref = EC_KEY_get_ex_data(ec, ref_index);
	uint8_t sig[CRYPTO_EC_SIG_LEN];
	ECDSA_SIG *s = NULL;
	BIGNUM *r = NULL, *ss = NULL;

	/* The token signs a 32-byte hash: the CMS signatures are SHA-256. */
	if (ref == NULL || dlen != 32 ||
	    crypto_token_ecdsa(ref->token, ref->handle, dgst, sig) != 0)
		return NULL;
	if ((s = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (ss = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    ECDSA_SIG_set0(s, r, ss) != 1) {
		BN_free(r);
		BN_free(ss);
		ECDSA_SIG_free(s);
		return NULL;
	}
	return s;
}

static int
method_init(void)
{
	int (*sign)(int, const unsigned char *, int, unsigned char *, unsigned int *,
	    const BIGNUM *, const BIGNUM *, EC_KEY *) = NULL;
	int (*setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **) = NULL;

	if (method != NULL)
		return 0;
	if (ref_index < 0 && (ref_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
	    ref_free)) < 0)
		return NHI_ECRYPTO;
	if ((method = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
		return NHI_ECRYPTO;
	/* OpenSSL's own sign (DER around sign_sig) and setup, our sign_sig. */
	EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &sign, &setup, NULL);
	EC_KEY_METHOD_set_sign(method, sign, setup, token_sign_sig);
	return 0;
}

int
crypto_token_evp_key(struct crypto_token *t, const char *label, EVP_PKEY **out)
{
	struct crypto_sign_key *sk = NULL;
	struct token_ref *ref;
	uint8_t pub[CRYPTO_EC_PUB_LEN];
	EC_KEY *ec = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = crypto_token_sign_key(t, label, CRYPTO_MODE_DEMO, &sk)) != 0)
		return r;
	if ((r = crypto_sign_key_public(sk, pub)) != 0)
		goto out;
	r = NHI_ECRYPTO;
	if (method_init() != 0 ||
	    (ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    EC_KEY_set_method(ec, method) != 1 ||
	    EC_KEY_oct2key(ec, pub, sizeof pub, NULL) != 1)
		goto out;
	ref = xcalloc(1, sizeof *ref);
	ref->token = t;
	ref->handle = crypto_sign_key_token_handle(sk);
	if (EC_KEY_set_ex_data(ec, ref_index, ref) != 1) {
		free(ref);
		goto out;
	}
	if ((pkey = EVP_PKEY_new()) == NULL || EVP_PKEY_assign_EC_KEY(pkey, ec) != 1)
		goto out;
	ec = NULL;
	*out = pkey;
	pkey = NULL;
	r = 0;
out:
	if (r == NHI_ECRYPTO) {
		ERR_clear_error();
		err_set(r, "token '%s': cannot make an OpenSSL key for '%s'",
		    crypto_token_label(t), label);
	}
	EC_KEY_free(ec);
	EVP_PKEY_free(pkey);
	crypto_sign_key_free(sk);
	return r;
}
