/*
 * crypto.h: the crypto layer: everything that touches OpenSSL. Key
 * derivation, the SCP03 primitives, the key store, signatures, random
 * numbers. Secrets are wiped after use and compared in constant time; they
 * never reach a log line or an error detail (key check values may).
 */
#ifndef NHI_CRYPTO_H
#define NHI_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* The OpenSSL version in use at run time. */
const char *crypto_library_version(void);

#endif
