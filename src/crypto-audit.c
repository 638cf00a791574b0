/*
 * crypto-audit.c: the audit key and the keyed seal of the audit chain
 * (crypto-audit.h, docs/audit.md).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto-audit.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

#define SEAL_MAGIC	"nhicard-audit-seal-v1\n"

int
crypto_audit_key_generate(char **out)
{
	uint8_t k[CRYPTO_AUDIT_KEY_LEN];
	char hex[2 * CRYPTO_AUDIT_KEY_LEN + 1];
	int r;

	if ((r = crypto_random(k, sizeof(k))) != 0)
		return r;
	hex_encode(k, sizeof(k), hex);
	*out = xasprintf("kind = audit\ntest = no\nkey = %s\n", hex);
	util_wipe(k, sizeof(k));
	util_wipe(hex, sizeof(hex));
	return 0;
}

/* The value of line "name = value" in text, copied into buf; 0 or -1. */
static int
line_value(const char *text, size_t len, const char *name, char *buf, size_t cap)
{
	const char *p = text, *end = text + len, *eol, *v;
	size_t nl = strlen(name), vl;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((size_t)(eol - p) <= nl || memcmp(p, name, nl) != 0)
			continue;
		v = p + nl;
		while (v < eol && *v == ' ')
			v++;
		if (v >= eol || *v != '=')
			continue;
		v++;
		while (v < eol && *v == ' ')
			v++;
		vl = (size_t)(eol - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\r'))
			vl--;
		if (vl + 1 > cap)
			return -1;
		memcpy(buf, v, vl);
		buf[vl] = '\0';
		return 0;
	}
	return -1;
}

int
crypto_audit_key_is(const char *text, size_t len)
{
	char kind[16];

	return line_value(text, len, "kind", kind, sizeof(kind)) == 0 &&
	    strcmp(kind, "audit") == 0;
}

int
crypto_audit_key_parse(const char *where, const char *text, size_t len,
    uint8_t key[CRYPTO_AUDIT_KEY_LEN])
{
	char hex[2 * CRYPTO_AUDIT_KEY_LEN + 2];
	int ok;

	if (!crypto_audit_key_is(text, len))
		return err_set(NHI_EKEY, "%s: not an audit key file (no 'kind = audit')", where);
	ok = line_value(text, len, "key", hex, sizeof(hex)) == 0 &&
	    strlen(hex) == 2 * CRYPTO_AUDIT_KEY_LEN &&
	    hex_decode(hex, key, CRYPTO_AUDIT_KEY_LEN) == CRYPTO_AUDIT_KEY_LEN;
	util_wipe(hex, sizeof(hex));
	if (!ok)
		return err_set(NHI_EKEY, "%s: the audit key is not 64 hex digits", where);
	return 0;
}

int
crypto_audit_seal_mac(const uint8_t key[CRYPTO_AUDIT_KEY_LEN], int64_t seq,
    const uint8_t hash[CRYPTO_AUDIT_HASH_LEN], uint8_t out[CRYPTO_AUDIT_HASH_LEN])
{
	uint8_t msg[sizeof(SEAL_MAGIC) + 24 + CRYPTO_AUDIT_HASH_LEN];
	unsigned int outlen = 0;
	int n;

	n = snprintf((char *)msg, sizeof(msg), "%s%" PRId64 "\n", SEAL_MAGIC, seq);
	if (n < 0 || (size_t)n + CRYPTO_AUDIT_HASH_LEN > sizeof(msg))
		return err_set(NHI_ECRYPTO, "audit seal: message too long");
	memcpy(msg + n, hash, CRYPTO_AUDIT_HASH_LEN);
	if (HMAC(EVP_sha256(), key, CRYPTO_AUDIT_KEY_LEN, msg,
	    (size_t)n + CRYPTO_AUDIT_HASH_LEN, out, &outlen) == NULL ||
	    outlen != CRYPTO_AUDIT_HASH_LEN)
		return err_set(NHI_ECRYPTO, "audit seal: HMAC-SHA256 failed");
	return 0;
}

int
crypto_audit_seal_check(const uint8_t key[CRYPTO_AUDIT_KEY_LEN], int64_t seq,
    const uint8_t hash[CRYPTO_AUDIT_HASH_LEN], const uint8_t mac[CRYPTO_AUDIT_HASH_LEN])
{
	uint8_t want[CRYPTO_AUDIT_HASH_LEN];
	int r;

	if ((r = crypto_audit_seal_mac(key, seq, hash, want)) != 0)
		return r;
	if (CRYPTO_memcmp(want, mac, CRYPTO_AUDIT_HASH_LEN) != 0)
		return err_set(NHI_EKEY, "the audit seal of entry %" PRId64 " does not"
		    " match: the log was rewritten up to that entry, or the seal was"
		    " made with another key", seq);
	return 0;
}

int
crypto_audit_extend(const uint8_t key[CRYPTO_AUDIT_KEY_LEN], int64_t old_seq,
    const uint8_t old_hash[CRYPTO_AUDIT_HASH_LEN], const uint8_t *old_mac,
    const struct crypto_audit_link *links, size_t n, int64_t *new_seq,
    uint8_t new_hash[CRYPTO_AUDIT_HASH_LEN], uint8_t new_mac[CRYPTO_AUDIT_HASH_LEN])
{
	uint8_t h[CRYPTO_AUDIT_HASH_LEN];
	static const uint8_t zero[CRYPTO_AUDIT_HASH_LEN];
	size_t i;
	int r;

	if (old_mac == NULL) {
		if (old_seq != 0 || memcmp(old_hash, zero, sizeof(zero)) != 0)
			return err_set(NHI_EKEY, "audit seal: an unsealed start must be"
			    " the log's beginning");
	} else if ((r = crypto_audit_seal_check(key, old_seq, old_hash, old_mac)) != 0)
		return r;
	if (n == 0)
		return err_set(NHI_EKEY, "audit seal: no entry to seal after entry %"
		    PRId64, old_seq);
	memcpy(h, old_hash, sizeof(h));
	for (i = 0; i < n; i++) {
		if (links[i].len < CRYPTO_AUDIT_HASH_LEN ||
		    memcmp(links[i].bytes, h, CRYPTO_AUDIT_HASH_LEN) != 0)
			return err_set(NHI_EKEY, "audit seal: entry %" PRId64 " does not"
			    " follow the sealed chain", old_seq + (int64_t)i + 1);
		if ((r = crypto_sha256(links[i].bytes, links[i].len, h)) != 0)
			return r;
	}
	*new_seq = old_seq + (int64_t)n;
	memcpy(new_hash, h, CRYPTO_AUDIT_HASH_LEN);
	return crypto_audit_seal_mac(key, *new_seq, h, new_mac);
}
