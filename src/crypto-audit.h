/*
 * crypto-audit.h: the keyed seal of the audit chain (docs/audit.md
 * "The keyed seal"). The station's audit key (audit.key in keys.dir,
 * wrapped like every key file) never leaves the key agent: the agent
 * extends a seal only along the hash chain from a seal it can verify, so
 * whoever asks it (any process of the station's account) can append to
 * the sealed log but never rewrite or cut what is sealed.
 *
 * A seal is HMAC-SHA256(K, "nhicard-audit-seal-v1\n" || decimal seq ||
 * "\n" || hash), over the seq and hash of the newest sealed entry; since
 * each entry's hash covers the previous one, it pins every entry up to it.
 */
#ifndef NHI_CRYPTO_AUDIT_H
#define NHI_CRYPTO_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_AUDIT_KEY_LEN	32
#define CRYPTO_AUDIT_HASH_LEN	32

/* Fresh audit key file text ("kind = audit", "test = no", "key = HEX").
 * *out: free with util_free_secret(out, strlen(out)). 0 or NHI_ECRYPTO. */
int	crypto_audit_key_generate(char **out);

/* 1 if a key file's clear text is an audit key ("kind = audit" line). */
int	crypto_audit_key_is(const char *text, size_t len);

/* The key of an audit key file's clear text; `where` names it in errors.
 * 0 or NHI_EKEY (never echoing the key). */
int	crypto_audit_key_parse(const char *where, const char *text, size_t len,
	    uint8_t key[CRYPTO_AUDIT_KEY_LEN]);

/* The seal of (seq, hash). 0 or NHI_ECRYPTO. */
int	crypto_audit_seal_mac(const uint8_t key[CRYPTO_AUDIT_KEY_LEN], int64_t seq,
	    const uint8_t hash[CRYPTO_AUDIT_HASH_LEN], uint8_t out[CRYPTO_AUDIT_HASH_LEN]);

/* 0 if `mac` is the seal of (seq, hash) (constant time), else NHI_EKEY. */
int	crypto_audit_seal_check(const uint8_t key[CRYPTO_AUDIT_KEY_LEN], int64_t seq,
	    const uint8_t hash[CRYPTO_AUDIT_HASH_LEN], const uint8_t mac[CRYPTO_AUDIT_HASH_LEN]);

/* One entry's hashed bytes: its prev_hash (32 bytes) then its serialization. */
struct crypto_audit_link {
	const uint8_t	*bytes;
	size_t		 len;
};

/*
 * Extend a seal: (old_seq, old_hash) sealed by old_mac (NULL with old_seq 0
 * and a zero hash: the log's beginning, for the key's holder only), then
 * `n` entries each linking to the one before (its first 32 bytes are the
 * previous hash). On success *new_seq = old_seq + n, new_hash the last
 * entry's hash and new_mac its seal. NHI_EKEY names what does not hold
 * (the old seal, or the link at which the chain breaks).
 */
int	crypto_audit_extend(const uint8_t key[CRYPTO_AUDIT_KEY_LEN], int64_t old_seq,
	    const uint8_t old_hash[CRYPTO_AUDIT_HASH_LEN], const uint8_t *old_mac,
	    const struct crypto_audit_link *links, size_t n, int64_t *new_seq,
	    uint8_t new_hash[CRYPTO_AUDIT_HASH_LEN], uint8_t new_mac[CRYPTO_AUDIT_HASH_LEN]);

#endif
