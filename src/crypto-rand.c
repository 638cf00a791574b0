/*
 * crypto-rand.c: random bytes and SHA-256 through OpenSSL, for the layers
 * that must not call OpenSSL themselves (host challenges, user numbers,
 * record digests).
 */
#include "config.h"

#include <limits.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "error.h"

int
crypto_random(uint8_t *out, size_t len)
{
	if (len > INT_MAX || RAND_bytes(out, (int)len) != 1)
		return err_set(NHI_ECRYPTO, "no random bytes from OpenSSL (%zu asked)",
		    len);
	return 0;
}

int
crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != CRYPTO_SHA256_LEN)
		return err_set(NHI_ECRYPTO, "SHA-256 failed in OpenSSL");
	return 0;
}
