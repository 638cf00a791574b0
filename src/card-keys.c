/*
 * card-keys.c: the keys card personalization uses, gathered from the key
 * store directory (docs/keys.md): master key sets by key version and the
 * municipality signing key. Loading and the crypto itself are the crypto
 * layer's; this file only knows which files the profile needs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "card.h"
#include "card-perso.h"
#include "crypto.h"
#include "crypto-token.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

#ifndef NHI_DATADIR
#define NHI_DATADIR "/usr/local/share/nhicard"
#endif

struct card_keys {
	struct crypto_master_keys municipality;
	struct crypto_master_keys transport;
	int			 has_transport;
	char			*transport_missing;	/* the file we looked for */
	struct crypto_sign_key	*signer;
	uint8_t			 signer_pub[CRYPTO_EC_PUB_LEN];
	uint8_t			 signer_id[CARD_SIGNER_ID_LEN];
	int			 test;
};

/* dir/NAME, or dir/test-NAME when only that exists; NULL if neither. */
static char *
keys_path(const char *dir, const char *name)
{
	struct stat sb;
	char *p = xasprintf("%s/%s", dir, name);

	if (stat(p, &sb) == 0)
		return p;
	free(p);
	p = xasprintf("%s/test-%s", dir, name);
	if (stat(p, &sb) == 0)
		return p;
	free(p);
	return NULL;
}

static int
keys_master(const char *dir, uint8_t kvn, enum crypto_mode mode,
    struct crypto_master_keys *out, char **missing)
{
	char name[32], *path;
	int r;

	snprintf(name, sizeof(name), "master-%02x.keys", kvn);
	if ((path = keys_path(dir, name)) == NULL) {
		/* The card maker's transport key set is named for what it is. */
		snprintf(name, sizeof(name), "transport-%02x.keys", kvn);
		path = keys_path(dir, name);
		snprintf(name, sizeof(name), "master-%02x.keys", kvn);
	}
	if (path == NULL) {
		if (missing != NULL)
			*missing = xasprintf("%s/%s", dir, name);
		return err_set(NHI_ENOFILE, "key store %s: no master key set for key"
		    " version %02X (%s)", dir, kvn, name);
	}
	r = crypto_master_keys_load(path, mode, out);
	if (r == 0 && out->kvn != kvn)
		r = err_set(NHI_EKEY, "key file %s: holds key version %02X, not %02X",
		    path, out->kvn, kvn);
	free(path);
	return r;
}

/*
 * keys.store = pkcs11 (docs/keys.md 4.9): every key from the token,
 * master key sets by label master-KK-enc/mac/dek, the signing key
 * "municipality"; `k` gets handles, never key bytes.
 */
static int
card_keys_load_token(const struct config *cfg, const struct card_profile *prof,
    int with_signer, struct card_keys *k)
{
	struct crypto_token *t;
	enum crypto_mode mode;
	uint8_t h[CRYPTO_SHA256_LEN];
	int r;

	if ((r = crypto_station_mode(cfg, &mode)) != 0 ||
	    (r = crypto_token_from_config(cfg, &t)) != 0 ||
	    (r = crypto_token_master_keys(t, prof->kvn, mode, &k->municipality)) != 0)
		return r;
	r = crypto_token_master_keys(t, prof->transport_kvn, mode, &k->transport);
	if (r == 0)
		k->has_transport = 1;
	else if (r == NHI_ENOFILE)
		k->transport_missing = xasprintf("token %s: master-%02x-enc",
		    crypto_token_label(t), prof->transport_kvn);
	else
		return r;
	err_clear();
	/* PUT KEY wraps the municipality's card keys under the transport
	 * DEK: both in the token, or both in memory. */
	if (k->has_transport && !k->transport.derive)
		k->municipality.derive = 0;
	if (!with_signer) {
		k->test = k->municipality.test;
		return 0;
	}
	if ((r = crypto_token_sign_key(t, CRYPTO_TOKEN_SIGNING_LABEL, mode,
	    &k->signer)) != 0 ||
	    (r = crypto_sign_key_public(k->signer, k->signer_pub)) != 0 ||
	    (r = crypto_sha256(k->signer_pub, sizeof(k->signer_pub), h)) != 0)
		return r;
	memcpy(k->signer_id, h, CARD_SIGNER_ID_LEN);
	k->test = k->municipality.test || crypto_sign_key_is_test(k->signer);
	return 0;
}

static int
keys_load(const struct config *cfg, const struct card_profile *prof, int with_signer,
    struct card_keys **out)
{
	struct card_keys *k = xcalloc(1, sizeof(*k));
	const char *dir = NULL;
	uint8_t h[CRYPTO_SHA256_LEN];
	enum crypto_mode mode;
	char *path = NULL;
	int r, token = 0;

	if ((r = crypto_keys_store_token(cfg, &token)) != 0)
		goto out;
	if (token) {
		r = card_keys_load_token(cfg, prof, with_signer, k);
		if (r == 0) {
			*out = k;
			k = NULL;
		}
		goto out;
	}
	if ((r = crypto_station_mode(cfg, &mode)) != 0 ||
	    (r = crypto_keys_dir(cfg, &dir)) != 0 ||
	    (r = keys_master(dir, prof->kvn, mode, &k->municipality, NULL)) != 0)
		goto out;
	r = keys_master(dir, prof->transport_kvn, mode, &k->transport, &k->transport_missing);
	if (r == 0)
		k->has_transport = 1;
	else if (r != NHI_ENOFILE)
		goto out;
	err_clear();
	if (!with_signer) {
		k->test = k->municipality.test;
		goto done;
	}
	if ((path = keys_path(dir, "municipality.key")) == NULL) {
		r = err_set(NHI_ENOFILE, "key store %s: no municipality signing key"
		    " (municipality.key)", dir);
		goto out;
	}
	if ((r = crypto_sign_key_load(path, mode, &k->signer)) != 0 ||
	    (r = crypto_sign_key_public(k->signer, k->signer_pub)) != 0 ||
	    (r = crypto_sha256(k->signer_pub, sizeof(k->signer_pub), h)) != 0)
		goto out;
	memcpy(k->signer_id, h, CARD_SIGNER_ID_LEN);
	k->test = k->municipality.test || crypto_sign_key_is_test(k->signer);
done:
	*out = k;
	k = NULL;
	r = 0;
out:
	free(path);
	card_keys_free(k);
	return r;
}

int
card_keys_load(const struct config *cfg, const struct card_profile *prof,
    struct card_keys **out)
{
	return keys_load(cfg, prof, 1, out);
}

int
card_keys_load_no_signer(const struct config *cfg, const struct card_profile *prof,
    struct card_keys **out)
{
	return keys_load(cfg, prof, 0, out);
}

void
card_keys_free(struct card_keys *k)
{
	if (k == NULL)
		return;
	crypto_master_keys_wipe(&k->municipality);
	crypto_master_keys_wipe(&k->transport);
	crypto_sign_key_free(k->signer);
	free(k->transport_missing);
	free(k);
}

int
card_keys_diversify(const struct card_keys *k, uint8_t kvn,
    const uint8_t serial[CARD_SERIAL_LEN], struct scp03_keyset *out)
{
	if (kvn == k->municipality.kvn)
		return crypto_keys_diversify(&k->municipality, serial, out);
	if (k->has_transport && kvn == k->transport.kvn)
		return crypto_keys_diversify(&k->transport, serial, out);
	if (k->transport_missing != NULL)
		return err_set(NHI_ENOFILE, "no master key set for key version %02X: a blank"
		    " standalone card needs the card maker's transport keys (%s)", kvn,
		    k->transport_missing);
	return err_set(NHI_ENOFILE, "no master key set for key version %02X", kvn);
}

const uint8_t *
card_keys_signer_id(const struct card_keys *k)
{
	return k->signer_id;
}

int
card_keys_sign(const struct card_keys *k, const uint8_t *data, size_t len,
    uint8_t sig[CARD_SIG_LEN])
{
	if (k->signer == NULL)
		return err_set(NHI_EKEY, "no municipality signing key loaded");
	return crypto_ecdsa_sign(k->signer, data, len, sig);
}

int
card_keys_are_test(const struct card_keys *k)
{
	return k->test;
}

int
card_record_check_signature(struct card_keys *k, const struct card_key_record *rec)
{
	int r;

	if (memcmp(rec->signer_id, k->signer_id, CARD_SIGNER_ID_LEN) != 0) {
		char hex[2 * CARD_SIGNER_ID_LEN + 1];

		hex_encode(rec->signer_id, CARD_SIGNER_ID_LEN, hex);
		return err_set(NHI_ENOTFOUND, "the key record names signer key %s, which is"
		    " not this station's municipality signing key", hex);
	}
	r = crypto_ecdsa_verify(k->signer_pub, rec->raw + rec->signed_off, rec->signed_len,
	    rec->signature);
	if (r == NHI_EAUTH)
		return err_set(NHI_EAUTH, "the key record's signature (DF09) does not verify"
		    " with the municipality signing key it names: a forged or damaged"
		    " record");
	return r;
}
