/*
 * crypto-version.c: the OpenSSL version found at run time.
 */
#include "config.h"

#include <openssl/crypto.h>

#include "crypto.h"

const char *
crypto_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
