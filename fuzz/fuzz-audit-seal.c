/*
 * Fuzz target: what the keyed audit seal reads from files others can write
 * (docs/audit.md "The keyed seal"): the seal kept in the store's meta table
 * (audit_seal_parse), an audit key file's clear text (crypto_audit_key_is,
 * crypto_audit_key_parse), and a chain of entries the key agent is asked to
 * extend a seal along (crypto_audit_extend, the bytes of SEAL's links).
 * The input: the seal text, a NUL, the key file text, a NUL, then links as
 * a length byte and that many bytes each.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crypto-audit.h"
#include "error.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_audit_link links[64];
	uint8_t hash[32], mac[32], key[32], nh[32], nm[32];
	const uint8_t *p = data, *end = data + size, *z;
	char *seal = NULL, *kf = NULL;
	int64_t seq = 0, nseq = 0;
	size_t n = 0, len;
	int have_seal = 0;

	memset(key, 0x5a, sizeof(key));
	if ((z = memchr(p, 0, (size_t)(end - p))) == NULL)
		z = end;
	seal = xstrndup((const char *)p, (size_t)(z - p));
	have_seal = audit_seal_parse(seal, &seq, hash, mac) == 0;
	p = z < end ? z + 1 : end;
	if ((z = memchr(p, 0, (size_t)(end - p))) == NULL)
		z = end;
	kf = xstrndup((const char *)p, (size_t)(z - p));
	if (crypto_audit_key_is(kf, strlen(kf)))
		(void)crypto_audit_key_parse("fuzz/audit.key", kf, strlen(kf), key);
	p = z < end ? z + 1 : end;
	while (p < end && n < sizeof(links) / sizeof(links[0])) {
		len = *p++;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		links[n].bytes = p;
		links[n].len = len;
		n++;
		p += len;
	}
	if (!have_seal) {
		seq = 0;
		memset(hash, 0, sizeof(hash));
	}
	(void)crypto_audit_extend(key, seq, hash, have_seal ? mac : NULL, links, n, &nseq,
	    nh, nm);
	err_clear();
	free(seal);
	free(kf);
	return 0;
}
