/*
 * crypto-token.h: the second key-store backend: keys held in a PKCS#11
 * token (a hardware security module; SoftHSM2 in the tests) that never
 * leave it (docs/keys.md 4.9). Chosen by `keys.store = pkcs11`; the file
 * key store (crypto-keys.c) stays the default. The token computes the
 * card keys and SCP03 session keys as key objects of its own
 * (crypto_token_kdf_key), the secure channel's AES and CMAC with them,
 * the master keys' key check values (CKM_AES_ECB) and the municipality
 * key's ECDSA signatures (CKM_ECDSA); the station gets the results, never
 * the keys.
 * The PIN comes from keys.pkcs11_pin_file (mode 0600) and is never logged
 * nor put in an error detail.
 */
#ifndef NHI_CRYPTO_TOKEN_H
#define NHI_CRYPTO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct config;
struct crypto_token;

/* Token object labels (docs/keys.md 4.9). */
#define CRYPTO_TOKEN_SIGNING_LABEL	"municipality"
/* queue.station_key = pkcs11:LABEL names a key pair in the token. */
#define CRYPTO_TOKEN_REF		"pkcs11:"

/*
 * keys.store: *is_token = 0 for `file` (the default), 1 for `pkcs11`.
 * 0 or NHI_ECONFIG naming the setting.
 */
int	crypto_keys_store_token(const struct config *cfg, int *is_token);

/*
 * The token configured by keys.pkcs11_module, keys.pkcs11_token (the
 * token label) and keys.pkcs11_pin_file: loaded, a user session logged
 * in. Opened once per process and kept (do not close it). Errors:
 * NHI_ECONFIG (a setting missing, a module that does not load, a PIN file
 * readable by others), NHI_ENOFILE (PIN file or token not found),
 * NHI_EDENIED (wrong PIN, PIN locked), NHI_ECRYPTO.
 */
int	crypto_token_from_config(const struct config *cfg, struct crypto_token **out);

/* The same with explicit values (`pin` NUL-terminated); the caller closes. */
int	crypto_token_open(const char *module, const char *label, const char *pin,
	    struct crypto_token **out);
void	crypto_token_close(struct crypto_token *t);

/*
 * The master key set of version `kvn` (objects master-KK-enc, -mac,
 * -dek): *out holds handles, not key bytes (out->token set); the KCVs are
 * computed by the token and a shipped test set is refused in production
 * (NHI_ETESTKEY). NHI_ENOFILE naming the missing label, NHI_EKEY (wrong
 * type or length, the three keys differ in length).
 */
int	crypto_token_master_keys(struct crypto_token *t, uint8_t kvn,
	    enum crypto_mode mode, struct crypto_master_keys *out);

/*
 * The signing key labelled `label` (EC P-256 private key and its public
 * key object). Refused in production when its public key is a shipped
 * test key. NHI_ENOFILE, NHI_EKEY, NHI_ETESTKEY.
 */
int	crypto_token_sign_key(struct crypto_token *t, const char *label,
	    enum crypto_mode mode, struct crypto_sign_key **out);

/*
 * Key creation inside the token: sensitive, never extractable, token
 * objects. A master key set of `keylen` bytes (CKM_AES_KEY_GEN), a P-256
 * key pair (CKM_EC_KEY_PAIR_GEN). NHI_EEXISTS when the label is taken.
 */
int	crypto_token_generate_master(struct crypto_token *t, uint8_t kvn,
	    size_t keylen);
int	crypto_token_generate_signing(struct crypto_token *t, const char *label);
/* Put a master key set from a clear file into the token (the same
 * attributes: sensitive, not extractable). NHI_EEXISTS. */
int	crypto_token_import_master(struct crypto_token *t,
	    const struct crypto_master_keys *m);

/* Put a file store's signing key into the token under `label` (a private
 * key, sensitive and not extractable, and its public key), so that the
 * signer key id of the cards already issued stays. NHI_EEXISTS. */
int	crypto_token_import_signing(struct crypto_token *t, const char *label,
	    const struct crypto_sign_key *key);

/* The highest master key version 01..7F in the token (0: none). */
int	crypto_token_highest_kvn(struct crypto_token *t, unsigned *out);

/* *yes: 1 when an object (secret, private or public key) is labelled
 * `label` in the token. 0 or a token error. */
int	crypto_token_has_label(struct crypto_token *t, const char *label, int *yes);

/* One line per key object for `keys list`: label, type, KCV or key id. */
int	crypto_token_describe(struct crypto_token *t, char **out);

/*
 * The token key `label` (an EC P-256 key pair) as an EVP_PKEY whose ECDSA
 * runs in the token (crypto-token-evp.c), for OpenSSL's CMS signing.
 * Caller frees with EVP_PKEY_free. NHI_ENOFILE, NHI_EKEY, NHI_ECRYPTO.
 */
struct evp_pkey_st;
int	crypto_token_evp_key(struct crypto_token *t, const char *label,
	    struct evp_pkey_st **out);

/* If the setting `name` of `cfg` is pkcs11:LABEL, open the configured
 * token (crypto_token_from_config) so the key can be loaded; else 0. */
int	crypto_token_for_key(const struct config *cfg, const char *name);

/* The token opened by crypto_token_from_config in this process, or NULL. */
struct crypto_token *crypto_token_current(void);
/* Make `t` the current token (tests). */
void	crypto_token_set_current(struct crypto_token *t);

/* The token's label (for messages). */
const char *crypto_token_label(const struct crypto_token *t);

/* ---- the operations crypto-keys.c and crypto-sign.c call ---- */

/* AES-CMAC of `len` bytes with the key `h`: 16 bytes. */
int	crypto_token_cmac(struct crypto_token *t, unsigned long h,
	    const uint8_t *in, size_t len, uint8_t out[16]);
/* The GlobalPlatform KCV of the AES key `h` (AES-ECB of 16 bytes 01). */
int	crypto_token_kcv(struct crypto_token *t, unsigned long h, uint8_t kcv[3]);
/* ECDSA over a 32-byte hash with the private key `h`: raw r || s. */
int	crypto_token_ecdsa(struct crypto_token *t, unsigned long h,
	    const uint8_t hash[32], uint8_t sig[CRYPTO_EC_SIG_LEN]);

/*
 * A key derived in the token, never in memory: the SCP03 KDF (docs/keys.md
 * 1) with the token key `h` (which needs CKA_DERIVE and CKA_ENCRYPT),
 * derivation constant `dc` and `context` (at most 64 bytes), L = keylen *
 * 8 bits, keylen 16, 24 or 32. *out is a session object (CKA_TOKEN false),
 * sensitive, with the uses of `use` (CRYPTO_TOKEN_USE_*); destroy it with
 * crypto_token_destroy. NHI_ERANGE or NHI_ECRYPTO naming the mechanism.
 */
#define CRYPTO_TOKEN_USE_ENCRYPT	0x01	/* CKA_ENCRYPT */
#define CRYPTO_TOKEN_USE_DECRYPT	0x02	/* CKA_DECRYPT */
#define CRYPTO_TOKEN_USE_SIGN		0x04	/* CKA_SIGN, CKA_VERIFY (CMAC) */
#define CRYPTO_TOKEN_USE_DERIVE		0x08	/* CKA_DERIVE */
#define CRYPTO_TOKEN_USE_WRAP		0x10	/* CKA_WRAP */
#define CRYPTO_TOKEN_USE_WRAPPED	0x20	/* CKA_EXTRACTABLE: only wrapped */
int	crypto_token_kdf_key(struct crypto_token *t, unsigned long h, uint8_t dc,
	    const uint8_t *context, size_t ctxlen, size_t keylen, unsigned use,
	    unsigned long *out);
/* AES-ECB of one block with the token key `h`. */
int	crypto_token_encrypt_block(struct crypto_token *t, unsigned long h,
	    const uint8_t in[16], uint8_t out[16]);
/* AES with the token key `h`: ECB when iv is NULL, else CBC; no
 * padding, `len` a multiple of 16; enc 1 encrypts, 0 decrypts. */
int	crypto_token_aes(struct crypto_token *t, unsigned long h, const uint8_t *iv,
	    int enc, const uint8_t *in, size_t len, uint8_t *out);
/* The key `key` (keylen bytes, CKA_EXTRACTABLE) encrypted by the token
 * under `wrapping` (CKA_WRAP): C_WrapKey, CKM_AES_CBC, ICV zero. */
int	crypto_token_wrap(struct crypto_token *t, unsigned long wrapping,
	    unsigned long key, size_t keylen, uint8_t *out);
/* 1 if the key `h` has CKA_DERIVE (master keys made before the KDF moved
 * into the token do not, and their card keys are computed in memory). */
int	crypto_token_can_derive(struct crypto_token *t, unsigned long h);
/* Destroy a session object made by crypto_token_kdf_key (0: no-op). */
void	crypto_token_destroy(struct crypto_token *t, unsigned long h);

/* A signing key whose ECDSA runs in the token (crypto-sign.c). */
int	crypto_sign_key_from_token(struct crypto_token *t, unsigned long h,
	    const uint8_t pub[CRYPTO_EC_PUB_LEN], int test,
	    struct crypto_sign_key **out);
/* The private scalar and public point of a file store's key, for
 * crypto_token_import_signing only; NHI_EKEY for a key in a token. */
int	crypto_sign_key_raw(const struct crypto_sign_key *key,
	    uint8_t priv[CRYPTO_EC_PRIV_LEN], uint8_t pub[CRYPTO_EC_PUB_LEN]);
unsigned long crypto_sign_key_token_handle(const struct crypto_sign_key *key);
void	crypto_sign_key_set_test(struct crypto_sign_key *key, int test);
/* 1 if the public point is one of the shipped test keys (crypto-sign.c). */
int	crypto_testkey_sign_pub(const uint8_t pub[CRYPTO_EC_PUB_LEN]);

#endif
