/* Fuzz target: a JPKI revocation list as `nhicard mynumber check-revoked`
 * parses it before checking its signature (crypto-jpki-crl.c): PEM or DER,
 * one CRL, its issuer, number, thisUpdate and revoked serials. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "crypto-jpki.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(void *arg, const char *serial)
{
	(void)serial;
	(*(size_t *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_crl *c;
	struct jpki_crl_info info;
	size_t n = 0;

	if (crypto_jpki_crl_parse("fuzz.crl", data, size, &c, &info) == 0) {
		(void)crypto_jpki_crl_each(c, count, &n);
		(void)crypto_jpki_crl_older(&info, "01", "2026-01-01T00:00:00Z");
		crypto_jpki_crl_free(c);
	}
	err_clear();
	return 0;
}
