/*
 * crypto-scp03.c: the GlobalPlatform SCP03 primitives (Amendment D) on
 * OpenSSL 3: the SP 800-108 AES-CMAC KDF, session keys, cryptograms,
 * command and response wrapping. Symmetric: the station and the card
 * emulator's card OS both use these. The byte layouts are in crypto.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"
#include "crypto-token.h"
#include "error.h"

static const char *
aes_cbc_name(size_t keylen)
{
	switch (keylen) {
	case 16: return "AES-128-CBC";
	case 24: return "AES-192-CBC";
	case 32: return "AES-256-CBC";
	}
	return NULL;
}

static const char *
aes_ecb_name(size_t keylen)
{
	switch (keylen) {
	case 16: return "AES-128-ECB";
	case 24: return "AES-192-ECB";
	case 32: return "AES-256-ECB";
	}
	return NULL;
}

/*
 * Test hook (a --enable-test-hooks build): NHICARD_TEST_KEYS_IN_TOKEN set
 * refuses every AES with key bytes in this process, so a test proves that
 * an issue with keys.store = pkcs11 holds no card or session key bytes.
 */
static int
soft_key_refused(void)
{
#if NHI_TEST_HOOKS
	if (getenv("NHICARD_TEST_KEYS_IN_TOKEN") != NULL)
		return err_set(NHI_ECRYPTO, "test hook: AES with key bytes in the"
		    " station's memory");
#endif
	return 0;
}

/* A token's CMAC input: the longest is a C-MAC's chain || header ||
 * 255 bytes of data || C-MAC. */
#define TOKEN_MSG_MAX	(SCP03_BLOCK + 5 + 255 + SCP03_BLOCK + 2)

/*
 * AES-CMAC over the concatenation of up to four parts; 16 bytes out. With
 * `t` set the key is the token's object `h` (CKM_AES_CMAC) and key/keylen
 * are not used.
 */
static int
aes_cmac(struct crypto_token *t, unsigned long h, const uint8_t *key,
    size_t keylen, const uint8_t *const *parts, const size_t *lens,
    size_t nparts, uint8_t out[SCP03_BLOCK])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	const char *cipher = aes_cbc_name(keylen);
	size_t i, outlen = 0;
	int r = NHI_ECRYPTO;

	if (t != NULL) {
		uint8_t msg[TOKEN_MSG_MAX];
		size_t n = 0;

		for (i = 0; i < nparts; i++) {
			if (lens[i] > sizeof msg - n)
				return err_set(NHI_ERANGE, "AES-CMAC: more than %zu"
				    " bytes", sizeof msg);
			if (lens[i] > 0)
				memcpy(msg + n, parts[i], lens[i]);
			n += lens[i];
		}
		r = crypto_token_cmac(t, h, msg, n, out);
		OPENSSL_cleanse(msg, sizeof msg);
		return r;
	}
	if ((r = soft_key_refused()) != 0)
		return r;
	if (cipher == NULL)
		return err_set(NHI_ERANGE, "AES-CMAC: key of %zu bytes", keylen);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
	    (char *)cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "CMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, key, keylen, params))
		goto out;
	for (i = 0; i < nparts; i++)
		if (lens[i] > 0 && !EVP_MAC_update(ctx, parts[i], lens[i]))
			goto out;
	if (!EVP_MAC_final(ctx, out, &outlen, SCP03_BLOCK) || outlen != SCP03_BLOCK)
		goto out;
	r = 0;
out:
	if (r != 0)
		err_set(r, "AES-CMAC failed in OpenSSL");
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

/* AES without padding: ECB when iv is NULL, else CBC; with `t` set, by
 * the token's key object `h`. */
static int
aes_raw(struct crypto_token *t, unsigned long h, const uint8_t *key,
    size_t keylen, const uint8_t *iv, int enc, const uint8_t *in, size_t len,
    uint8_t *out)
{
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	const char *name = iv == NULL ? aes_ecb_name(keylen) : aes_cbc_name(keylen);
	int n = 0, m = 0, r = NHI_ECRYPTO;

	if (t != NULL)
		return crypto_token_aes(t, h, iv, enc, in, len, out);
	if ((r = soft_key_refused()) != 0)
		return r;
	if (name == NULL)
		return err_set(NHI_ERANGE, "AES: key of %zu bytes", keylen);
	if (len % SCP03_BLOCK != 0 || len > (size_t)INT32_MAX)
		return err_set(NHI_ERANGE, "AES: %zu bytes is not a whole number of"
		    " blocks", len);
	if ((c = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_CipherUpdate(ctx, out, &n, in, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &m) || (size_t)(n + m) != len)
		goto out;
	r = 0;
out:
	if (r != 0)
		err_set(r, "AES failed in OpenSSL");
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return r;
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* The KDF with the key's bytes, or (t set) the token's key `h`. */
static int
kdf_ref(struct crypto_token *t, unsigned long h, const uint8_t *key,
    size_t keylen, uint8_t dc, const uint8_t *context, size_t ctxlen,
    uint8_t *out, size_t outlen)
{
	uint8_t fixed[16], block[SCP03_BLOCK];
	const uint8_t *parts[2];
	size_t lens[2], done = 0, n;
	int r = 0;

	if (outlen == 0 || outlen > 64 || (t == NULL && aes_cbc_name(keylen) == NULL))
		return err_set(NHI_ERANGE, "SCP03 KDF: %zu bytes from a %zu-byte key",
		    outlen, keylen);
	memset(fixed, 0, sizeof fixed);
	fixed[11] = dc;
	fixed[12] = 0x00;
	fixed[13] = (uint8_t)((outlen * 8) >> 8);
	fixed[14] = (uint8_t)(outlen * 8);
	parts[0] = fixed;
	lens[0] = sizeof fixed;
	parts[1] = context;
	lens[1] = ctxlen;
	for (fixed[15] = 1; done < outlen; fixed[15]++) {
		if ((r = aes_cmac(t, h, key, keylen, parts, lens, 2, block)) != 0)
			goto out;
		n = outlen - done < SCP03_BLOCK ? outlen - done : SCP03_BLOCK;
		memcpy(out + done, block, n);
		done += n;
	}
out:
	OPENSSL_cleanse(block, sizeof block);
	return r;
}

int
crypto_scp03_kdf(const uint8_t *key, size_t keylen, uint8_t dc,
    const uint8_t *context, size_t ctxlen, uint8_t *out, size_t outlen)
{
	return kdf_ref(NULL, 0, key, keylen, dc, context, ctxlen, out, outlen);
}

int
crypto_scp03_derive_session(const struct scp03_keyset *keys,
    const uint8_t *host_challenge, const uint8_t *card_challenge, size_t s,
    struct scp03_session *out)
{
	struct scp03_session sess;
	uint8_t ctx[32];
	int r;

	if (s != 8 && s != 16)
		return err_set(NHI_ERANGE, "SCP03: challenge length %zu", s);
	memset(&sess, 0, sizeof sess);
	memcpy(ctx, host_challenge, s);
	memcpy(ctx + s, card_challenge, s);
	sess.keylen = keys->keylen;
	sess.s = s;
	if (keys->token != NULL) {
		/* Session keys derived in the token, never in memory. */
		sess.token = keys->token;
		if ((r = crypto_token_kdf_key(keys->token, keys->h_enc, SCP03_DC_S_ENC,
		    ctx, 2 * s, keys->keylen, CRYPTO_TOKEN_USE_ENCRYPT |
		    CRYPTO_TOKEN_USE_DECRYPT, &sess.h_enc)) != 0 ||
		    (r = crypto_token_kdf_key(keys->token, keys->h_mac, SCP03_DC_S_MAC,
		    ctx, 2 * s, keys->keylen, CRYPTO_TOKEN_USE_SIGN, &sess.h_mac)) != 0 ||
		    (r = crypto_token_kdf_key(keys->token, keys->h_mac, SCP03_DC_S_RMAC,
		    ctx, 2 * s, keys->keylen, CRYPTO_TOKEN_USE_SIGN, &sess.h_rmac)) != 0)
			goto out;
		*out = sess;
		sess.token = NULL;	/* *out owns the objects now */
		goto out;
	}
	if ((r = crypto_scp03_kdf(keys->enc, keys->keylen, SCP03_DC_S_ENC, ctx,
	    2 * s, sess.s_enc, keys->keylen)) != 0 ||
	    (r = crypto_scp03_kdf(keys->mac, keys->keylen, SCP03_DC_S_MAC, ctx,
	    2 * s, sess.s_mac, keys->keylen)) != 0 ||
	    (r = crypto_scp03_kdf(keys->mac, keys->keylen, SCP03_DC_S_RMAC, ctx,
	    2 * s, sess.s_rmac, keys->keylen)) != 0)
		goto out;
	*out = sess;
out:
	crypto_scp03_wipe(&sess);
	return r;
}

int
crypto_scp03_cryptogram(const struct scp03_session *sess, uint8_t dc,
    const uint8_t *host_challenge, const uint8_t *card_challenge, uint8_t *out)
{
	uint8_t ctx[32];

	memcpy(ctx, host_challenge, sess->s);
	memcpy(ctx + sess->s, card_challenge, sess->s);
	return kdf_ref(sess->token, sess->h_mac, sess->s_mac, sess->keylen, dc, ctx,
	    2 * sess->s, out, sess->s);
}

int
crypto_scp03_card_challenge(const struct scp03_keyset *keys, const uint8_t seq[3],
    const uint8_t *aid, size_t aidlen, size_t s, uint8_t *out)
{
	uint8_t ctx[3 + 16];

	if (aidlen > 16 || (s != 8 && s != 16))
		return err_set(NHI_ERANGE, "SCP03 card challenge: AID of %zu bytes",
		    aidlen);
	memcpy(ctx, seq, 3);
	memcpy(ctx + 3, aid, aidlen);
	return kdf_ref(keys->token, keys->h_enc, keys->enc, keys->keylen,
	    SCP03_DC_CARD_CHALLENGE, ctx, 3 + aidlen, out, s);
}

int
crypto_scp03_level_valid(uint8_t level)
{
	return level == 0x01 || level == 0x03 || level == 0x11 || level == 0x13 ||
	    level == 0x33;
}

int
crypto_scp03_cmac(struct scp03_session *sess, const uint8_t *msg, size_t len,
    uint8_t *mac)
{
	const uint8_t *parts[2] = { sess->chain, msg };
	size_t lens[2] = { SCP03_BLOCK, len };
	uint8_t full[SCP03_BLOCK];
	int r;

	if ((r = aes_cmac(sess->token, sess->h_mac, sess->s_mac, sess->keylen, parts,
	    lens, 2, full)) != 0)
		return r;
	memcpy(sess->chain, full, SCP03_BLOCK);
	memcpy(mac, full, sess->s);
	return 0;
}

static void
counter_increment(uint8_t counter[SCP03_BLOCK])
{
	int i;

	for (i = SCP03_BLOCK - 1; i >= 0; i--)
		if (++counter[i] != 0)
			break;
}

/* ICV for command (resp = 0) or response (resp = 1) encryption. */
static int
scp03_icv(const struct scp03_session *sess, int resp, uint8_t icv[SCP03_BLOCK])
{
	uint8_t block[SCP03_BLOCK];

	memcpy(block, sess->counter, SCP03_BLOCK);
	if (resp)
		block[0] = 0x80;
	return aes_raw(sess->token, sess->h_enc, sess->s_enc, sess->keylen, NULL, 1,
	    block, SCP03_BLOCK, icv);
}

/* Pad with 80 00.. and encrypt with S-ENC; out holds len rounded up. */
static int
scp03_encrypt(const struct scp03_session *sess, int resp, const uint8_t *in,
    size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t icv[SCP03_BLOCK];
	size_t padded = (len / SCP03_BLOCK + 1) * SCP03_BLOCK;
	int r;

	if (padded > cap)
		return err_set(NHI_ERANGE, "SCP03: %zu bytes do not fit once"
		    " encrypted", len);
	memmove(out, in, len);
	out[len] = 0x80;
	memset(out + len + 1, 0, padded - len - 1);
	if ((r = scp03_icv(sess, resp, icv)) != 0 ||
	    (r = aes_raw(sess->token, sess->h_enc, sess->s_enc, sess->keylen, icv,
	    1, out, padded, out)) != 0)
		return r;
	*outlen = padded;
	return 0;
}

/* Decrypt and strip 80 00..; bad padding is `badcode`. */
static int
scp03_decrypt(const struct scp03_session *sess, int resp, int badcode,
    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t icv[SCP03_BLOCK];
	size_t n;
	int r;

	if (len == 0 || len % SCP03_BLOCK != 0)
		return err_set(badcode, "SCP03: encrypted data of %zu bytes is not"
		    " whole blocks", len);
	if (len > cap)
		return err_set(NHI_ERANGE, "SCP03: %zu bytes of data do not fit", len);
	if ((r = scp03_icv(sess, resp, icv)) != 0 ||
	    (r = aes_raw(sess->token, sess->h_enc, sess->s_enc, sess->keylen, icv,
	    0, in, len, out)) != 0)
		return r;
	for (n = len; n > 0 && out[n - 1] == 0x00; n--)
		;
	if (n == 0 || n + SCP03_BLOCK <= len || out[n - 1] != 0x80) {
		OPENSSL_cleanse(out, len);
		return err_set(badcode, "SCP03: bad padding after decryption");
	}
	*outlen = n - 1;
	return 0;
}

/* CLA' INS P1 P2 Lc' data': the C-MAC input after the chaining value. */
static int
scp03_command_mac(struct scp03_session *sess, const uint8_t hdr[4],
    const uint8_t *data, size_t len, uint8_t *mac)
{
	uint8_t *msg;
	size_t n = 0, lc = len + sess->s;
	int r;

	if (lc > 65535)
		return err_set(NHI_ERANGE, "SCP03: command data of %zu bytes", len);
	msg = OPENSSL_malloc(4 + 3 + len);
	if (msg == NULL)
		return err_set(NHI_ENOMEM, "SCP03: out of memory");
	memcpy(msg, hdr, 4);
	msg[0] |= 0x04;
	n = 4;
	if (lc > 255) {
		msg[n++] = 0x00;
		msg[n++] = (uint8_t)(lc >> 8);
	}
	msg[n++] = (uint8_t)lc;
	memcpy(msg + n, data, len);
	n += len;
	r = crypto_scp03_cmac(sess, msg, n, mac);
	OPENSSL_free(msg);
	return r;
}

int
crypto_scp03_wrap_command(struct scp03_session *sess, uint8_t hdr[4],
    const uint8_t *data, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = len;
	int r;

	counter_increment(sess->counter);
	if ((sess->level & SCP03_CDEC) && len > 0) {
		if ((r = scp03_encrypt(sess, 0, data, len, out, cap, &n)) != 0)
			return r;
	} else if (len > 0) {
		if (len > cap)
			return err_set(NHI_ERANGE, "SCP03: %zu bytes of command data",
			    len);
		memmove(out, data, len);
	}
	if (sess->level & SCP03_CMAC) {
		if (cap - n < sess->s)
			return err_set(NHI_ERANGE, "SCP03: no room for the C-MAC");
		if ((r = scp03_command_mac(sess, hdr, out, n, out + n)) != 0)
			return r;
		hdr[0] |= 0x04;
		n += sess->s;
	}
	*outlen = n;
	return 0;
}

int
crypto_scp03_unwrap_command(struct scp03_session *sess, const uint8_t hdr[4],
    const uint8_t *data, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t mac[SCP03_BLOCK];
	size_t n = len;
	int r;

	counter_increment(sess->counter);
	if (sess->level & SCP03_CMAC) {
		if ((hdr[0] & 0x04) == 0 || len < sess->s)
			return err_set(NHI_EAUTH, "SCP03: command %02X%02X has no C-MAC",
			    hdr[0], hdr[1]);
		n = len - sess->s;
		if ((r = scp03_command_mac(sess, hdr, data, n, mac)) != 0)
			return r;
		if (!crypto_equal(mac, data + n, sess->s))
			return err_set(NHI_EAUTH, "SCP03: command %02X%02X: wrong C-MAC",
			    hdr[0], hdr[1]);
	}
	if ((sess->level & SCP03_CDEC) && n > 0)
		return scp03_decrypt(sess, 0, NHI_EAUTH, data, n, out, cap, outlen);
	if (n > cap)
		return err_set(NHI_ERANGE, "SCP03: %zu bytes of command data", n);
	memmove(out, data, n);
	*outlen = n;
	return 0;
}

int
crypto_scp03_resp_has_rmac(const struct scp03_session *sess, size_t datalen,
    uint16_t sw)
{
	if (!(sess->level & SCP03_RMAC))
		return 0;
	if (datalen > 0)
		return 1;
	return sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
}

static int
scp03_rmac(const struct scp03_session *sess, const uint8_t *data, size_t len,
    uint16_t sw, uint8_t *mac)
{
	uint8_t swb[2] = { (uint8_t)(sw >> 8), (uint8_t)sw }, full[SCP03_BLOCK];
	const uint8_t *parts[3] = { sess->chain, data, swb };
	size_t lens[3] = { SCP03_BLOCK, len, 2 };
	int r;

	if ((r = aes_cmac(sess->token, sess->h_rmac, sess->s_rmac, sess->keylen,
	    parts, lens, 3, full)) != 0)
		return r;
	memcpy(mac, full, sess->s);
	return 0;
}

int
crypto_scp03_wrap_response(struct scp03_session *sess, const uint8_t *data,
    size_t len, uint16_t sw, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = len;
	int r;

	if ((sess->level & SCP03_RENC) && len > 0) {
		if ((r = scp03_encrypt(sess, 1, data, len, out, cap, &n)) != 0)
			return r;
	} else if (len > 0) {
		if (len > cap)
			return err_set(NHI_ERANGE, "SCP03: %zu bytes of response", len);
		memmove(out, data, len);
	}
	if (crypto_scp03_resp_has_rmac(sess, n, sw)) {
		if (cap - n < sess->s)
			return err_set(NHI_ERANGE, "SCP03: no room for the R-MAC");
		if ((r = scp03_rmac(sess, out, n, sw, out + n)) != 0)
			return r;
		n += sess->s;
	}
	*outlen = n;
	return 0;
}

int
crypto_scp03_unwrap_response(struct scp03_session *sess, const uint8_t *data,
    size_t len, uint16_t sw, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t mac[SCP03_BLOCK];
	size_t n = len;
	int r;

	if (crypto_scp03_resp_has_rmac(sess, len, sw)) {
		if (len < sess->s)
			return err_set(NHI_ERMAC, "SCP03: response (SW %04X) of %zu"
			    " bytes has no R-MAC", sw, len);
		n = len - sess->s;
		if ((r = scp03_rmac(sess, data, n, sw, mac)) != 0)
			return r;
		if (!crypto_equal(mac, data + n, sess->s))
			return err_set(NHI_ERMAC, "SCP03: response (SW %04X): wrong"
			    " R-MAC", sw);
	}
	if ((sess->level & SCP03_RENC) && n > 0)
		return scp03_decrypt(sess, 1, NHI_ERMAC, data, n, out, cap, outlen);
	if (n > cap)
		return err_set(NHI_ERANGE, "SCP03: %zu bytes of response", n);
	memmove(out, data, n);
	*outlen = n;
	return 0;
}

int
crypto_scp03_dek_encrypt(const struct scp03_keyset *keys, const uint8_t *in,
    size_t len, uint8_t *out)
{
	static const uint8_t zero[SCP03_BLOCK];

	return aes_raw(keys->token, keys->h_dek, keys->dek, keys->keylen, zero, 1,
	    in, len, out);
}

int
crypto_scp03_put_key_value(const struct scp03_keyset *dek,
    const struct scp03_keyset *keys, int which, uint8_t *out, uint8_t kcv[3])
{
	const uint8_t *v = which == 0 ? keys->enc : which == 1 ? keys->mac : keys->dek;
	unsigned long h = which == 0 ? keys->h_enc : which == 1 ? keys->h_mac :
	    keys->h_dek;
	int r;

	if (keys->token == NULL) {
		if ((r = crypto_scp03_dek_encrypt(dek, v, keys->keylen, out)) != 0)
			return r;
		return crypto_kcv(v, keys->keylen, kcv);
	}
	if (dek->token != keys->token)
		return err_set(NHI_EKEY, "PUT KEY: keys derived in the token cannot be"
		    " sent under a DEK that is not in the token");
	if ((r = crypto_token_wrap(keys->token, dek->h_dek, h, keys->keylen,
	    out)) != 0)
		return r;
	return crypto_token_kcv(keys->token, h, kcv);
}

void
crypto_scp03_wipe(struct scp03_session *sess)
{
	if (sess == NULL)
		return;
	if (sess->token != NULL) {
		crypto_token_destroy(sess->token, sess->h_enc);
		crypto_token_destroy(sess->token, sess->h_mac);
		crypto_token_destroy(sess->token, sess->h_rmac);
	}
	OPENSSL_cleanse(sess, sizeof *sess);
}

void
crypto_scp03_keyset_wipe(struct scp03_keyset *keys)
{
	if (keys == NULL)
		return;
	if (keys->token != NULL) {
		crypto_token_destroy(keys->token, keys->h_enc);
		crypto_token_destroy(keys->token, keys->h_mac);
		crypto_token_destroy(keys->token, keys->h_dek);
	}
	OPENSSL_cleanse(keys, sizeof *keys);
}
