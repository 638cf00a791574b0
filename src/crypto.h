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

/* ---- SCP03 primitives (crypto-scp03.c) --------------------------------
 *
 * GlobalPlatform Card Specification v2.3, Amendment D (SCP03), for both
 * ends of the channel: the station (card-scp03.c) and the card emulator's
 * card OS. All keys are AES-128, -192 or -256 (16, 24, 32 bytes).
 *
 * KDF (NIST SP 800-108, counter mode, PRF = AES-CMAC), one PRF input per
 * 16-byte output block i = 1, 2, ...:
 *
 *   00 00 00 00 00 00 00 00 00 00 00 | DC  label: 11 zero bytes and the
 *                                          derivation constant DC
 *   00                                     separation indicator
 *   L (2 bytes, big-endian)                output length in BITS
 *   i (1 byte)                             block counter, from 01
 *   context                                (see each use)
 *
 * Derivation constants and contexts:
 *   00 card cryptogram  key S-MAC  L = 64 (S8) or 128 (S16)
 *                       context = host challenge || card challenge
 *   01 host cryptogram  same as 00
 *   02 card challenge   key static ENC, L = 64 / 128 (pseudo-random
 *                       challenge), context = sequence counter (3 bytes)
 *                       || AID of the security domain
 *   04 S-ENC            key static ENC, L = key bits, context as 00
 *   06 S-MAC            key static MAC, same
 *   07 S-RMAC           key static MAC, same
 *
 * Command protection (security level bit 01 C-MAC, 02 C-DECRYPTION):
 *   - the encryption counter (16 bytes, big-endian, 0 at the start of the
 *     session) is incremented once for EVERY command after EXTERNAL
 *     AUTHENTICATE, whether or not it carries data;
 *   - C-DECRYPTION, only if the command has data: data || 80 00.. to a
 *     multiple of 16 (always at least one pad byte), AES-CBC with S-ENC and
 *     ICV = AES-ECB(S-ENC, counter);
 *   - C-MAC = first s bytes of CMAC(S-MAC, chain || CLA' INS P1 P2 Lc' ||
 *     data') where CLA' has bit 04 set, Lc' counts the (encrypted) data and
 *     the MAC (1 byte, or 00 Lh Ll when over 255), data' is the data as sent;
 *     chain (the MAC chaining value) becomes the whole 16-byte CMAC. The
 *     chain is 16 zero bytes for EXTERNAL AUTHENTICATE.
 * Response protection (10 R-MAC, 20 R-ENCRYPTION):
 *   - R-ENCRYPTION: response data || 80 00.., AES-CBC with S-ENC and ICV =
 *     AES-ECB(S-ENC, counter with its first byte set to 80), the counter
 *     being that of the command the response answers; no data, no
 *     encryption;
 *   - R-MAC = first s bytes of CMAC(S-RMAC, chain || data' || SW1 SW2),
 *     chain being the command's C-MAC chaining value (not updated);
 *     appended after the data: data' || R-MAC || SW1 SW2.
 *   - no R-MAC on a response that has no data and a status word other
 *     than 9000, 62xx or 63xx (crypto_scp03_resp_has_rmac).
 * s is 8 in S8 mode and 16 in S16 mode (i parameter bit 01).
 */

#define SCP03_KEY_MAX		32
#define SCP03_BLOCK		16
/* The security levels of EXTERNAL AUTHENTICATE P1. */
#define SCP03_CMAC		0x01
#define SCP03_CDEC		0x02
#define SCP03_RMAC		0x10
#define SCP03_RENC		0x20
/* Derivation constants. */
#define SCP03_DC_CARD_CRYPTOGRAM	0x00
#define SCP03_DC_HOST_CRYPTOGRAM	0x01
#define SCP03_DC_CARD_CHALLENGE		0x02
#define SCP03_DC_S_ENC			0x04
#define SCP03_DC_S_MAC			0x06
#define SCP03_DC_S_RMAC			0x07
/* The i parameter bits (INITIALIZE UPDATE key information, byte 3). */
#define SCP03_I_S16		0x01
#define SCP03_I_PSEUDO_RANDOM	0x10
#define SCP03_I_RMAC		0x20
#define SCP03_I_RENC		0x40

struct crypto_token;

/*
 * A static key set (already diversified for the card). With keys derived
 * in a PKCS#11 token (keys.store = pkcs11, docs/keys.md 4.9) `token` is
 * set, enc/mac/dek stay zero and h_enc/h_mac/h_dek are the token's
 * session objects, destroyed by crypto_scp03_keyset_wipe (so a key set
 * is not copied once made).
 */
struct scp03_keyset {
	uint8_t		 kvn;		/* key version number */
	size_t		 keylen;	/* 16, 24 or 32 */
	uint8_t		 enc[SCP03_KEY_MAX];
	uint8_t		 mac[SCP03_KEY_MAX];
	uint8_t		 dek[SCP03_KEY_MAX];
	struct crypto_token *token;
	unsigned long	 h_enc, h_mac, h_dek;
};

/* The state of one secure channel session, the same on both ends. */
struct scp03_session {
	size_t		 keylen;
	size_t		 s;		/* 8 (S8) or 16 (S16) */
	uint8_t		 level;		/* SCP03_CMAC | ... */
	uint8_t		 s_enc[SCP03_KEY_MAX];
	uint8_t		 s_mac[SCP03_KEY_MAX];
	uint8_t		 s_rmac[SCP03_KEY_MAX];
	/* Session keys in the token (when the key set's are): s_enc, s_mac
	 * and s_rmac stay zero; destroyed by crypto_scp03_wipe. */
	struct crypto_token *token;
	unsigned long	 h_enc, h_mac, h_rmac;
	uint8_t		 chain[SCP03_BLOCK];	/* MAC chaining value */
	uint8_t		 counter[SCP03_BLOCK];	/* encryption counter */
};

/*
 * The KDF above: `outlen` bytes (1..64) derived from `key` (16/24/32
 * bytes) with derivation constant `dc` and `context`. L is outlen * 8.
 * Returns 0, NHI_ERANGE (bad sizes) or NHI_ECRYPTO.
 */
int	crypto_scp03_kdf(const uint8_t *key, size_t keylen, uint8_t dc,
	    const uint8_t *context, size_t ctxlen, uint8_t *out, size_t outlen);

/*
 * Start a session: derive S-ENC, S-MAC and S-RMAC from `keys` and the two
 * challenges (each `s` bytes, s = 8 or 16), zero the chain and the counter,
 * level 0 (set by crypto_scp03_set_level after EXTERNAL AUTHENTICATE).
 * Returns 0, NHI_ERANGE or NHI_ECRYPTO. Wipe with crypto_scp03_wipe.
 */
int	crypto_scp03_derive_session(const struct scp03_keyset *keys,
	    const uint8_t *host_challenge, const uint8_t *card_challenge, size_t s,
	    struct scp03_session *out);

/*
 * The card (dc 00) or host (dc 01) cryptogram, sess->s bytes into `out`.
 * Returns 0 or NHI_ECRYPTO.
 */
int	crypto_scp03_cryptogram(const struct scp03_session *sess, uint8_t dc,
	    const uint8_t *host_challenge, const uint8_t *card_challenge,
	    uint8_t *out);

/*
 * The pseudo-random card challenge (card side, i bit 10): `s` bytes from
 * the static ENC key, the 3-byte sequence counter and the SD's AID.
 */
int	crypto_scp03_card_challenge(const struct scp03_keyset *keys,
	    const uint8_t seq[3], const uint8_t *aid, size_t aidlen, size_t s,
	    uint8_t *out);

/* 1 if `level` is one GlobalPlatform allows (01, 03, 11, 13, 33), else
 * 0. */
int	crypto_scp03_level_valid(uint8_t level);

/*
 * C-MAC over `msg` (CLA' INS P1 P2 Lc' data', as described above): updates
 * sess->chain and writes sess->s bytes to `mac`. Both ends call it (the
 * card to recompute and compare). Returns 0 or NHI_ECRYPTO.
 */
int	crypto_scp03_cmac(struct scp03_session *sess, const uint8_t *msg,
	    size_t len, uint8_t *mac);

/*
 * Station: protect one command at sess->level. `hdr` is CLA INS P1 P2 of
 * the plain command (CLA gets bit 04 set in place); `data`/`len` its data.
 * Increments the counter, encrypts (C-DEC and len > 0), MACs (C-MAC), and
 * writes the new data field (data' || C-MAC) to `out` (capacity cap).
 * Returns 0, NHI_ERANGE (too long) or NHI_ECRYPTO.
 */
int	crypto_scp03_wrap_command(struct scp03_session *sess, uint8_t hdr[4],
	    const uint8_t *data, size_t len, uint8_t *out, size_t cap,
	    size_t *outlen);

/*
 * Card: check and strip one protected command. `hdr` as received (CLA with
 * bit 04), `data`/`len` the data field as received (data' || C-MAC).
 * Increments the counter, verifies the C-MAC (NHI_EAUTH if wrong or
 * missing), decrypts (C-DEC; NHI_EAUTH on bad padding) into `out`.
 * Returns 0, NHI_EAUTH, NHI_ERANGE or NHI_ECRYPTO.
 */
int	crypto_scp03_unwrap_command(struct scp03_session *sess,
	    const uint8_t hdr[4], const uint8_t *data, size_t len, uint8_t *out,
	    size_t cap, size_t *outlen);

/* 1 if a response with `datalen` bytes of data and status `sw` carries an
 * R-MAC at sess->level. */
int	crypto_scp03_resp_has_rmac(const struct scp03_session *sess,
	    size_t datalen, uint16_t sw);

/*
 * Card: protect one response (R-ENC, R-MAC per sess->level) for the
 * command last unwrapped: writes data' || R-MAC to `out` (the SW is sent
 * after it, unchanged). Returns 0, NHI_ERANGE or NHI_ECRYPTO.
 */
int	crypto_scp03_wrap_response(struct scp03_session *sess,
	    const uint8_t *data, size_t len, uint16_t sw, uint8_t *out,
	    size_t cap, size_t *outlen);

/*
 * Station: verify and strip one response to the command last wrapped.
 * `data`/`len` is the response data before the SW (data' || R-MAC).
 * Returns 0 with the plain data in `out`, NHI_ERMAC (R-MAC wrong or
 * missing, or bad padding after decryption), NHI_ERANGE or NHI_ECRYPTO.
 */
int	crypto_scp03_unwrap_response(struct scp03_session *sess,
	    const uint8_t *data, size_t len, uint16_t sw, uint8_t *out,
	    size_t cap, size_t *outlen);

/*
 * Encrypt a key for PUT KEY under the static DEK: AES-CBC, ICV zero,
 * `len` a multiple of 16 (AES keys of 16 or 32 bytes; 24-byte keys are
 * padded by the caller). Returns 0, NHI_ERANGE or NHI_ECRYPTO.
 */
int	crypto_scp03_dek_encrypt(const struct scp03_keyset *keys,
	    const uint8_t *in, size_t len, uint8_t *out);

/*
 * The PUT KEY value of key `which` (0 ENC, 1 MAC, 2 DEK) of `keys`:
 * encrypted under the static DEK of `dek` as crypto_scp03_dek_encrypt
 * (keys->keylen bytes into `out`), and its KCV. Keys in a token are
 * wrapped by the token (C_WrapKey, CKM_AES_CBC, ICV zero) and their KCV
 * computed there. NHI_EKEY for a key in a token under a DEK that is not.
 */
int	crypto_scp03_put_key_value(const struct scp03_keyset *dek,
	    const struct scp03_keyset *keys, int which, uint8_t *out,
	    uint8_t kcv[3]);

/* Wipe a session or a key set (NULL is a no-op). */
void	crypto_scp03_wipe(struct scp03_session *sess);
void	crypto_scp03_keyset_wipe(struct scp03_keyset *keys);

/* Constant-time comparison: 1 if equal. */
int	crypto_equal(const void *a, const void *b, size_t len);

/* ---- Random numbers and hashes (crypto-rand.c) ------------------------ */

/* `len` bytes from the OpenSSL CSPRNG (RAND_bytes). 0 or NHI_ECRYPTO. */
int	crypto_random(uint8_t *out, size_t len);

/* SHA-256 of `len` bytes into out[32]. 0 or NHI_ECRYPTO. */
#define CRYPTO_SHA256_LEN	32
int	crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

/* ---- Key store (crypto-keys.c) -----------------------------------------
 *
 * Key files (docs/keys.md): UTF-8 text, one "name = value" a line, '#'
 * comments, blank lines ignored; a signing key file continues with a PEM
 * block. Every file says `test = yes` or `test = no`; files with test keys
 * are named keys/test-*. Errors name the file and the line, never a key.
 */

struct config;

/* The station mode, config key `station.mode`: demo, test or production
 * (the default). */
enum crypto_mode { CRYPTO_MODE_PRODUCTION, CRYPTO_MODE_TEST, CRYPTO_MODE_DEMO };

/* Read station.mode from `cfg` (NULL: production). 0 or NHI_ECONFIG. */
int	crypto_station_mode(const struct config *cfg, enum crypto_mode *out);
/*
 * The key folder (keys.dir). Demo and test stations default to the shipped
 * test keys (NHI_DATADIR/keys); a production station must name a folder
 * of its own outside the installed data: NHI_ECONFIG otherwise.
 */
int	crypto_keys_dir(const struct config *cfg, const char **out);
/* "demo", "test" or "production" <-> the mode; parse: 0 or NHI_ECONFIG. A
 * smaller enum value is a stronger mode (production < test < demo). */
const char *crypto_mode_name(enum crypto_mode mode);
int	crypto_mode_parse(const char *name, enum crypto_mode *out);

/* A master key set: the municipality's keys from which each card's static
 * SCP03 keys are diversified. */
struct crypto_master_keys {
	uint8_t		 kvn;		/* key version number, 01..7F or FF */
	size_t		 keylen;	/* 16, 24 or 32 */
	uint8_t		 enc[SCP03_KEY_MAX];
	uint8_t		 mac[SCP03_KEY_MAX];
	uint8_t		 dek[SCP03_KEY_MAX];
	int		 test;		/* the file says test = yes */
	/* Keys held in a PKCS#11 token (crypto-token.h, keys.store =
	 * pkcs11): enc/mac/dek stay zero, the token computes with the
	 * object handles below. NULL for the file key store. */
	struct crypto_token	*token;
	unsigned long	 h_enc, h_mac, h_dek;
	/* The token derives the card keys itself (the three have
	 * CKA_DERIVE): crypto_keys_diversify gives a key set of handles. */
	int		 derive;
};

/* The three KCVs (ENC, MAC, DEK) of a master key set, from the bytes or
 * by the token. 0, NHI_ERANGE or NHI_ECRYPTO. */
int	crypto_master_keys_kcvs(const struct crypto_master_keys *m,
	    uint8_t kcv[3][3]);

/*
 * Load a master key set file. Refuses test keys in production mode
 * (NHI_ETESTKEY). Returns 0 and fills *out (wipe with
 * crypto_master_keys_wipe), or NHI_ENOFILE/NHI_EIO, NHI_EKEY (malformed:
 * the detail names file and line, a KCV that does not match, a missing
 * entry), NHI_ETESTKEY.
 */
int	crypto_master_keys_load(const char *path, enum crypto_mode mode,
	    struct crypto_master_keys *out);
void	crypto_master_keys_wipe(struct crypto_master_keys *m);

/*
 * The GlobalPlatform key check value of an AES key: the first 3 bytes of
 * AES-ECB(key, 16 bytes of 01). 0, NHI_ERANGE or NHI_ECRYPTO.
 */
int	crypto_kcv(const uint8_t *key, size_t keylen, uint8_t kcv[3]);

/*
 * One line for staff: "key version 30, AES-128, KCV ENC 1a2b3c MAC ...
 * DEK ... (test keys)". Never key material. Caller must free.
 */
char	*crypto_master_keys_describe(const struct crypto_master_keys *m);

/*
 * Per-card static keys from the master keys and the card's 10 bytes of
 * key diversification data (INITIALIZE UPDATE): for each key type, the
 * SCP03 KDF above with the master key, derivation constant 81 (ENC),
 * 82 (MAC) or 83 (DEK), context = the 10 bytes, L = key bits. out->kvn is
 * m->kvn. Returns 0, NHI_ERANGE or NHI_ECRYPTO.
 */
#define CRYPTO_DIV_ENC	0x81
#define CRYPTO_DIV_MAC	0x82
#define CRYPTO_DIV_DEK	0x83
int	crypto_keys_diversify(const struct crypto_master_keys *m,
	    const uint8_t divdata[10], struct scp03_keyset *out);

/* ---- Signatures (crypto-sign.c) ---------------------------------------
 *
 * ECDSA on P-256 with SHA-256. Signatures are raw r || s, 32 bytes each,
 * big-endian (64 bytes); public keys are uncompressed points 04 || X || Y
 * (65 bytes).
 */
#define CRYPTO_EC_PUB_LEN	65
#define CRYPTO_EC_SIG_LEN	64

struct crypto_sign_key;

/*
 * Load the municipality signing key: header lines (test = yes|no,
 * curve = P-256) then a PEM private key. Refuses test keys in production
 * (NHI_ETESTKEY). Returns 0 and *out (caller must crypto_sign_key_free),
 * or NHI_ENOFILE/NHI_EIO, NHI_EKEY (naming file and line), NHI_ETESTKEY.
 */
int	crypto_sign_key_load(const char *path, enum crypto_mode mode,
	    struct crypto_sign_key **out);
void	crypto_sign_key_free(struct crypto_sign_key *key);

/* A signing key from PEM text (PKCS#8 or SEC1 "EC PRIVATE KEY"), marked
 * test or not; `where` names the source in errors. The key store's
 * loader uses it. 0, NHI_EKEY or NHI_ECRYPTO. */
int	crypto_sign_key_from_pem(const char *pem, size_t len, int test,
	    const char *where, struct crypto_sign_key **out);
int	crypto_sign_key_is_test(const struct crypto_sign_key *key);

/* The key's public point (65 bytes). 0 or NHI_ECRYPTO. */
int	crypto_sign_key_public(const struct crypto_sign_key *key,
	    uint8_t pub[CRYPTO_EC_PUB_LEN]);

/* Sign SHA-256(data) with the key: 64 bytes r || s. 0 or NHI_ECRYPTO. */
int	crypto_ecdsa_sign(const struct crypto_sign_key *key, const void *data,
	    size_t len, uint8_t sig[CRYPTO_EC_SIG_LEN]);

/*
 * Verify a raw r || s signature over SHA-256(data) with an uncompressed
 * P-256 public point. Returns 0, NHI_EAUTH (signature wrong), NHI_EKEY
 * (not a point on P-256) or NHI_ECRYPTO.
 */
int	crypto_ecdsa_verify(const uint8_t pub[CRYPTO_EC_PUB_LEN], const void *data,
	    size_t len, const uint8_t sig[CRYPTO_EC_SIG_LEN]);

/* 0 if `pub` is a valid uncompressed P-256 point, else NHI_EKEY. */
int	crypto_ec_public_check(const uint8_t pub[CRYPTO_EC_PUB_LEN]);

/* ---- Card-side crypto (crypto-card.c), for the card emulator only ----- */
#define CRYPTO_EC_PRIV_LEN	32
/* A fresh P-256 key pair: raw private scalar and uncompressed point.
 * 0 or NHI_ECRYPTO. */
int	crypto_card_key_generate(uint8_t priv[CRYPTO_EC_PRIV_LEN],
	    uint8_t pub[CRYPTO_EC_PUB_LEN]);
/* The P-256 key pair whose private scalar is SHA-256(seed) (mod the group
 * order): the same work as crypto_card_key_generate (one multiplication
 * of the generator), with a result a test can repeat. For the emulator's
 * test build only (fixed-challenge=, docs/cardsim.md). 0 or NHI_ECRYPTO. */
int	crypto_card_key_derive(const void *seed, size_t len,
	    uint8_t priv[CRYPTO_EC_PRIV_LEN], uint8_t pub[CRYPTO_EC_PUB_LEN]);
/* ECDSA P-256 over SHA-256(data) with a raw key pair: r || s. 0 or
 * NHI_ECRYPTO. */
int	crypto_card_key_sign(const uint8_t priv[CRYPTO_EC_PRIV_LEN],
	    const uint8_t pub[CRYPTO_EC_PUB_LEN], const void *data, size_t len,
	    uint8_t sig[CRYPTO_EC_SIG_LEN]);
/* PUT KEY, card side: AES-CBC decryption (IV zero, no padding) of `len`
 * bytes (16..64, whole blocks) under keys->dek. 0, NHI_ERANGE or
 * NHI_ECRYPTO. */
int	crypto_card_dek_decrypt(const struct scp03_keyset *keys, const uint8_t *in,
	    size_t len, uint8_t *out);

#endif
