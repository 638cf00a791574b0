/*
 * os-nhi-keys.c: the crypto the NHI card needs beyond the SCP03 session:
 * its static keys (the card maker's diversification, docs/keys.md), its
 * EC P-256 key pair and signatures, key check values and the PUT KEY
 * decryption. Everything goes through libnhicard's crypto layer: the
 * emulator never calls OpenSSL itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

int
nhi_keys_kcv(const uint8_t *key, size_t keylen, uint8_t kcv[3])
{
	return crypto_kcv(key, keylen, kcv);
}

int
nhi_keys_dek_decrypt(const struct scp03_keyset *keys, const uint8_t *in,
    size_t len, uint8_t *out)
{
	return crypto_card_dek_decrypt(keys, in, len, out);
}

/* The master key file for `kvn`: `keys` itself, or in the directory
 * `keys` the test key store's file, else a production-shaped key store's
 * (master-KK.keys / transport-ff.keys, wrapped: opened through the key
 * agent or NHICARD_KEY_PASSPHRASE_FD, never in clear on disk; docs/keys.md
 * 4.6). Caller frees. */
static char *
master_key_path(const char *keys, uint8_t kvn)
{
	struct stat st;
	char *p;

	if (stat(keys, &st) != 0 || !S_ISDIR(st.st_mode))
		return xstrdup(keys);
	p = kvn == NHI_KVN_TRANSPORT ?
	    xasprintf("%s/test-transport-ff.keys", keys) :
	    xasprintf("%s/test-master-%02x.keys", keys, kvn);
	if (stat(p, &st) == 0)
		return p;
	free(p);
	if (kvn == NHI_KVN_TRANSPORT) {
		/* The card maker's set as `keys import` names it, or by role. */
		p = xasprintf("%s/master-ff.keys", keys);
		if (stat(p, &st) == 0)
			return p;
		free(p);
		return xasprintf("%s/transport-ff.keys", keys);
	}
	return xasprintf("%s/master-%02x.keys", keys, kvn);
}

int
nhi_keys_derive_static(const char *keys, uint8_t kvn,
    const uint8_t serial[NHI_SERIAL_LEN], struct scp03_keyset *out)
{
	struct crypto_master_keys m;
	char *path = master_key_path(keys, kvn);
	int r;

	memset(&m, 0, sizeof(m));
	/* The emulator is a test card: it accepts test keys. */
	if ((r = crypto_master_keys_load(path, CRYPTO_MODE_TEST, &m)) != 0)
		goto out;
	if (m.kvn != kvn) {
		r = err_set(NHI_EKEY, "%s holds key set %02x, the card needs %02x",
		    path, m.kvn, kvn);
		goto out;
	}
	r = crypto_keys_diversify(&m, serial, out);
out:
	crypto_master_keys_wipe(&m);
	free(path);
	return r;
}

int
nhi_keys_generate(uint8_t priv[NHI_EC_PRIV_LEN], uint8_t pub[NHI_EC_PUB_LEN])
{
	return crypto_card_key_generate(priv, pub);
}

int
nhi_keys_generate_fixed(const struct nhi_card *card, const struct nhi_aid *aid,
    uint8_t priv[NHI_EC_PRIV_LEN], uint8_t pub[NHI_EC_PUB_LEN])
{
	uint8_t seed[NHI_SERIAL_LEN + NHI_AID_MAX + 8];
	size_t n = 0;

	memcpy(seed, card->serial, NHI_SERIAL_LEN);
	n += NHI_SERIAL_LEN;
	memcpy(seed + n, aid->b, aid->len);
	n += aid->len;
	memcpy(seed + n, card->fixed_challenge, sizeof(card->fixed_challenge));
	n += sizeof(card->fixed_challenge);
	return crypto_card_key_derive(seed, n, priv, pub);
}

int
nhi_keys_sign(const uint8_t priv[NHI_EC_PRIV_LEN], const uint8_t pub[NHI_EC_PUB_LEN],
    const uint8_t *msg, size_t len, uint8_t sig[NHI_EC_SIG_LEN])
{
	return crypto_card_key_sign(priv, pub, msg, len, sig);
}
