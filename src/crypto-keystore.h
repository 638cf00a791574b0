/*
 * crypto-keystore.h: operator password hashing (crypto-password.c) and
 * passphrase-wrapped key files (crypto-keystore-wrap.c), both built on
 * scrypt (RFC 7914) through OpenSSL 3's EVP_KDF "SCRYPT". Formats are in
 * docs/operators.md (password hashes) and docs/keys.md 4.5 (wrapped key
 * files). Secrets are wiped after use and never reach an error detail.
 */
#ifndef NHI_CRYPTO_KEYSTORE_H
#define NHI_CRYPTO_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* scrypt cost parameters: N (a power of two), r, p. */
struct crypto_scrypt_params {
	uint64_t	 n;
	uint32_t	 r;
	uint32_t	 p;
};

/* The defaults: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s). */
#define CRYPTO_SCRYPT_N		32768
#define CRYPTO_SCRYPT_R		8
#define CRYPTO_SCRYPT_P		1
/* Accepted bounds (a stored hash outside them is malformed). */
#define CRYPTO_SCRYPT_N_MIN	1024
#define CRYPTO_SCRYPT_N_MAX	(1u << 20)
#define CRYPTO_SCRYPT_R_MAX	32
#define CRYPTO_SCRYPT_P_MAX	16

/* 0 if `p` is within the bounds above (N a power of two), else NHI_ERANGE
 * naming `where`. */
int	crypto_scrypt_check(const struct crypto_scrypt_params *p, const char *where);

/*
 * scrypt(password, salt) with `p` into out[outlen]. Returns 0, NHI_ERANGE
 * (parameters) or NHI_ECRYPTO.
 */
int	crypto_scrypt(const char *password, size_t pwlen, const uint8_t *salt,
	    size_t saltlen, const struct crypto_scrypt_params *p, uint8_t *out,
	    size_t outlen);

/*
 * Hash an operator password: a fresh 16-byte salt, 32 bytes of scrypt,
 * written as "scrypt$N$r$p$SALTHEX$HASHHEX". *out: caller must free.
 * Returns 0, NHI_ERANGE, NHI_ECRYPTO.
 */
int	crypto_password_hash(const char *password,
	    const struct crypto_scrypt_params *p, char **out);

/*
 * Check `password` against a stored hash string, in constant time.
 * Returns 0 (match), NHI_EDENIED (no match) or NHI_EPARSE (the stored
 * string is malformed or its parameters out of bounds).
 */
int	crypto_password_verify(const char *password, const char *stored);

/* ---- Wrapped key files (crypto-keystore-wrap.c) -------------------- */

/* 1 if a key file's text is a wrapped one ("wrapped = 1" header). */
int	crypto_keystore_is_wrapped(const char *text, size_t len);

/*
 * Wrap the clear text of a key file (`inner`, the docs/keys.md 4.1/4.2
 * format) under `passphrase`: scrypt(passphrase, salt) -> AES-256-GCM key;
 * the public header `info` ("name = value\n" lines: kind, kvn, KCVs, test;
 * may be "") goes in clear and is authenticated as additional data.
 * *out: the wrapped file's text, caller must free. 0, NHI_ERANGE, NHI_ECRYPTO.
 */
int	crypto_keystore_wrap(const char *inner, size_t len, const char *passphrase,
	    const struct crypto_scrypt_params *p, const char *info, char **out);

/*
 * Unwrap a wrapped file's text (`path` for errors) with `passphrase`.
 * Returns 0 and *inner / *innerlen (free with util_free_secret), NHI_EKEY
 * (malformed, or wrong passphrase / altered file: one message for both) or
 * NHI_ECRYPTO.
 */
int	crypto_keystore_unwrap(const char *path, const char *text, size_t len,
	    const char *passphrase, char **inner, size_t *innerlen);

/*
 * What crypto-keys.c calls on every key file it reads: if `*text` is
 * wrapped, get the key-store passphrase (crypto_keystore_passphrase) and
 * replace *text / *len by the clear inner text (the old buffer is wiped
 * and freed). Clear files pass unchanged. Returns 0, NHI_EKEY, NHI_EIO.
 */
int	crypto_keystore_open_text(const char *path, char **text, size_t *len);

/*
 * The key-store passphrase for this process: read once (from the file
 * descriptor in $NHICARD_KEY_PASSPHRASE_FD, else from the terminal without
 * echo) and kept until crypto_keystore_forget. *out points to the cached
 * copy (do not free). Returns 0, NHI_EUSAGE (no terminal and no fd) or
 * NHI_EIO.
 */
int	crypto_keystore_passphrase(const char **out);
void	crypto_keystore_forget(void);
/* 1 if crypto_keystore_passphrase would answer without a terminal (cached,
 * or $NHICARD_KEY_PASSPHRASE_FD is set). */
int	crypto_keystore_have_passphrase(void);

/* Set the cached passphrase (tests, and `keys passwd` after a change). */
void	crypto_keystore_set_passphrase(const char *passphrase);

/*
 * Fresh keys as clear key-file text (held in memory only, wrapped by the
 * caller): a master key set of `keylen` 16/24/32 bytes with version `kvn`
 * and KCVs, or a P-256 signing key (PKCS#8 PEM). test = no. *out: free
 * with util_free_secret(out, strlen(out)). 0, NHI_ERANGE, NHI_ECRYPTO.
 */
int	crypto_keystore_generate_master(uint8_t kvn, size_t keylen, char **out);
int	crypto_keystore_generate_signing(char **out);

/*
 * The public header of a wrapped file as one line for `keys list`
 * ("kind master, kvn 31, AES-128, KCV ENC .. MAC .. DEK .."); *out caller
 * must free. 0 or NHI_EKEY.
 */
int	crypto_keystore_describe_wrapped(const char *path, const char *text,
	    size_t len, char **out);

/*
 * The key file parsers of crypto-keys.c on text already in memory (the
 * inner text of a wrapped file); `where` names it in errors. Same returns
 * as crypto_master_keys_load / crypto_sign_key_load.
 */
int	crypto_master_keys_parse(const char *where, const char *text, size_t len,
	    enum crypto_mode mode, struct crypto_master_keys *out);
int	crypto_sign_key_parse(const char *where, const char *text, size_t len,
	    enum crypto_mode mode, struct crypto_sign_key **out);

/* ---- The published test keys (crypto-testkeys.c) --------------------- */

/* 1 if the master key set is one of the shipped test sets (by its KCVs). */
int	crypto_testkey_master(const struct crypto_master_keys *m);

/* 1 if the public key is one of the shipped test keys; hex gets its
 * SHA-256 (of the DER SubjectPublicKeyInfo) either way. */
struct evp_pkey_st;
int	crypto_testkey_pubkey(struct evp_pkey_st *pkey, char hex[65]);

/*
 * 1 if a PEM text holds a shipped test key or certificate, or a
 * certificate whose subject or issuer names the test CA ("nhicard TEST");
 * *why (caller frees, may be NULL) then says which, with the public
 * fingerprint. Never key material.
 */
int	crypto_testkey_pem(const char *text, size_t len, char **why);

#endif
