/*
 * crypto-keys.c: the key store: master key set files and the municipality
 * signing key file (docs/keys.md), the station mode that decides whether
 * test keys may be used, key check values and per-card key
 * diversification. Key material never reaches an error detail or a log:
 * details name the file, the line and the entry, and at most a KCV.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "crypto-keystore.h"
#include "crypto-token.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

#define KEYFILE_MAX	(64 * 1024)

const char *
crypto_mode_name(enum crypto_mode mode)
{
	switch (mode) {
	case CRYPTO_MODE_TEST:
		return "test";
	case CRYPTO_MODE_DEMO:
		return "demo";
	case CRYPTO_MODE_PRODUCTION:
	default:
		return "production";
	}
}

int
crypto_mode_parse(const char *v, enum crypto_mode *out)
{
	if (strcmp(v, "production") == 0)
		*out = CRYPTO_MODE_PRODUCTION;
	else if (strcmp(v, "test") == 0)
		*out = CRYPTO_MODE_TEST;
	else if (strcmp(v, "demo") == 0)
		*out = CRYPTO_MODE_DEMO;
	else
		return NHI_ECONFIG;
	return 0;
}

int
crypto_station_mode(const struct config *cfg, enum crypto_mode *out)
{
	const char *v = cfg != NULL ? config_get(cfg, "station.mode", NULL) : NULL;

	if (v == NULL) {
		*out = CRYPTO_MODE_PRODUCTION;
		return 0;
	}
	if (crypto_mode_parse(v, out) != 0)
		return err_set(NHI_ECONFIG, "station.mode: '%s' is not demo, test or"
		    " production", v);
	return 0;
}

#ifndef NHI_DATADIR
#define NHI_DATADIR "/usr/local/share/nhicard"
#endif

/* Is `path` (resolved) the folder `top` or inside it? */
static int
path_inside(const char *path, const char *top)
{
	char *a = realpath(path, NULL), *b = realpath(top, NULL);
	size_t n;
	int in = 0;

	if (a != NULL && b != NULL) {
		n = strlen(b);
		in = strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
	}
	free(a);
	free(b);
	return in;
}

int
crypto_keys_dir(const struct config *cfg, const char **out)
{
	const char *dir = config_get(cfg, "keys.dir", NULL);
	enum crypto_mode mode;
	int r;

	if ((r = crypto_station_mode(cfg, &mode)) != 0)
		return r;
	if (mode != CRYPTO_MODE_PRODUCTION) {
		*out = dir != NULL ? dir : NHI_DATADIR "/keys";
		return 0;
	}
	/* Production: the town's keys in a folder of its own, never among
	 * the shipped test keys of the installed data (docs/keys.md 4.4). */
	if (dir == NULL || *dir == '\0')
		return err_set(NHI_ECONFIG, "keys.dir is not set: a production station"
		    " keeps its keys in a folder of its own (e.g. /etc/nhicard/keys, 0700),"
		    " never in %s/keys with the shipped test keys", NHI_DATADIR);
	if (path_inside(dir, NHI_DATADIR))
		return err_set(NHI_ECONFIG, "keys.dir %s is inside the installed data %s:"
		    " a production station keeps its keys in a folder of its own",
		    dir, NHI_DATADIR);
	*out = dir;
	return 0;
}

/* ---- key file header lines ---- */

struct keyfile_entry {
	char	*name, *value;
	size_t	 line;
};

struct keyfile {
	const char		*path;
	struct keyfile_entry	*entries;
	size_t			 count;
	const char		*pem;		/* the PEM block, if any */
	size_t			 pemlen;
};

static void
keyfile_clear(struct keyfile *kf)
{
	size_t i;

	for (i = 0; i < kf->count; i++) {
		free(kf->entries[i].name);
		util_free_secret(kf->entries[i].value, strlen(kf->entries[i].value));
	}
	free(kf->entries);
	kf->entries = NULL;
	kf->count = 0;
}

/*
 * May an entry's name appear in an error? Not when it could be key material
 * put on the wrong side of the '=': a name of hex digits only.
 */
static int
keyfile_name_printable(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)name[i]))
			return 1;
	return 0;
}

/*
 * Parse "name = value" lines up to the end or to a "-----BEGIN" line.
 * Names are [a-z0-9-]; a name given twice is an error.
 */
static int
keyfile_parse(struct keyfile *kf, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *eq, *a, *b;
	size_t line = 0, i;
	struct keyfile_entry *e;

	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) >= 11 && strncmp(p, "-----BEGIN ", 11) == 0) {
			kf->pem = p;
			kf->pemlen = (size_t)(end - p);
			return 0;
		}
		for (a = p; a < nl && isspace((unsigned char)*a); a++)
			;
		if (a == nl || *a == '#')
			continue;
		if ((eq = memchr(a, '=', (size_t)(nl - a))) == NULL)
			return err_set(NHI_EKEY, "%s:%zu: expected 'name = value'",
			    kf->path, line);
		for (b = eq; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (b == a)
			return err_set(NHI_EKEY, "%s:%zu: missing name before '='",
			    kf->path, line);
		for (i = 0; a + i < b; i++)
			if (!islower((unsigned char)a[i]) && !isdigit((unsigned char)a[i]) &&
			    a[i] != '-')
				return err_set(NHI_EKEY, "%s:%zu: bad name", kf->path,
				    line);
		for (i = 0; i < kf->count; i++)
			if (strlen(kf->entries[i].name) == (size_t)(b - a) &&
			    strncmp(kf->entries[i].name, a, (size_t)(b - a)) == 0)
				return err_set(NHI_EKEY, "%s:%zu: %s given twice (first on"
				    " line %zu)", kf->path, line,
				    keyfile_name_printable(a, (size_t)(b - a)) ?
				    kf->entries[i].name : "an entry named like key material",
				    kf->entries[i].line);
		kf->entries = xreallocarray(kf->entries, kf->count + 1,
		    sizeof *kf->entries);
		e = &kf->entries[kf->count++];
		e->name = xstrndup(a, (size_t)(b - a));
		e->line = line;
		for (a = eq + 1; a < nl && isspace((unsigned char)*a); a++)
			;
		for (b = nl; b > a && isspace((unsigned char)b[-1]); b--)
			;
		e->value = xstrndup(a, (size_t)(b - a));
	}
	return 0;
}

static const struct keyfile_entry *
keyfile_get(const struct keyfile *kf, const char *name)
{
	size_t i;

	for (i = 0; i < kf->count; i++)
		if (strcmp(kf->entries[i].name, name) == 0)
			return &kf->entries[i];
	return NULL;
}

static const struct keyfile_entry *
keyfile_need(const struct keyfile *kf, const char *name, int *r)
{
	const struct keyfile_entry *e = keyfile_get(kf, name);

	if (e == NULL)
		*r = err_set(NHI_EKEY, "%s: missing '%s = ...'", kf->path, name);
	return e;
}

/* Names not in `known` are errors (a typo must not pass silently). */
static int
keyfile_check_names(const struct keyfile *kf, const char *const *known)
{
	size_t i, j;

	for (i = 0; i < kf->count; i++) {
		for (j = 0; known[j] != NULL; j++)
			if (strcmp(kf->entries[i].name, known[j]) == 0)
				break;
		if (known[j] == NULL && !keyfile_name_printable(kf->entries[i].name,
		    strlen(kf->entries[i].name)))
			return err_set(NHI_EKEY, "%s:%zu: unknown entry, named like key"
			    " material (not shown): is a key on the wrong side of '='?",
			    kf->path, kf->entries[i].line);
		if (known[j] == NULL)
			return err_set(NHI_EKEY, "%s:%zu: unknown entry '%s'", kf->path,
			    kf->entries[i].line, kf->entries[i].name);
	}
	return 0;
}

/* test = yes|no, and the refusal of test keys in production. */
static int
keyfile_test_flag(const struct keyfile *kf, enum crypto_mode mode, int *test)
{
	const struct keyfile_entry *e;
	int r = 0;

	if ((e = keyfile_need(kf, "test", &r)) == NULL)
		return r;
	if (strcmp(e->value, "yes") == 0)
		*test = 1;
	else if (strcmp(e->value, "no") == 0)
		*test = 0;
	else
		return err_set(NHI_EKEY, "%s:%zu: test must be yes or no", kf->path,
		    e->line);
	if (*test && mode == CRYPTO_MODE_PRODUCTION)
		return err_set(NHI_ETESTKEY, "%s: test keys refused in production"
		    " mode (set station.mode = demo or test to use them)", kf->path);
	return 0;
}

static int
keyfile_read(const char *path, char **text, size_t *len)
{
	int r;

	if ((r = fs_read_file(path, KEYFILE_MAX, text, len)) != 0)
		return err_wrap(r, "key file %s: ", path);
	/* A wrapped file (docs/keys.md 4.5) is opened with the passphrase. */
	if (strlen(*text) == *len && (r = crypto_keystore_open_text(path, text, len)) != 0) {
		util_free_secret(*text, *len);
		*text = NULL;
		return r;
	}
	if (strlen(*text) != *len) {
		util_free_secret(*text, *len);
		*text = NULL;
		return err_set(NHI_EKEY, "%s: NUL byte in key file", path);
	}
	return 0;
}

/* ---- master key sets ---- */

int
crypto_kcv(const uint8_t *key, size_t keylen, uint8_t kcv[3])
{
	static const char *const names[] = { "AES-128-ECB", "AES-192-ECB",
	    "AES-256-ECB" };
	uint8_t ones[16], out[32];
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, r = NHI_ECRYPTO;

	if (keylen != 16 && keylen != 24 && keylen != 32)
		return err_set(NHI_ERANGE, "KCV of a %zu-byte key", keylen);
	memset(ones, 0x01, sizeof ones);
	if ((c = EVP_CIPHER_fetch(NULL, names[(keylen - 16) / 8], NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_EncryptUpdate(ctx, out, &n, ones, sizeof ones) || n != 16) {
		err_set(r, "KCV: AES failed in OpenSSL");
		goto out;
	}
	memcpy(kcv, out, 3);
	r = 0;
out:
	OPENSSL_cleanse(out, sizeof out);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return r;
}

/* One key entry ("enc") and its optional check value ("enc-kcv"). */
static int
master_key(const struct keyfile *kf, const char *name, size_t keylen,
    uint8_t *key)
{
	const struct keyfile_entry *e, *k;
	char kcvname[16];
	uint8_t buf[SCP03_KEY_MAX + 1], kcv[3], want[4];
	int n, r = 0;

	if ((e = keyfile_need(kf, name, &r)) == NULL)
		return r;
	n = hex_decode(e->value, buf, sizeof buf);
	if (n < 0 || (size_t)n != keylen) {
		r = err_set(NHI_EKEY, "%s:%zu: %s: expected %zu bytes of hex",
		    kf->path, e->line, name, keylen);
		goto out;
	}
	memcpy(key, buf, keylen);
	snprintf(kcvname, sizeof kcvname, "%s-kcv", name);
	if ((k = keyfile_get(kf, kcvname)) != NULL) {
		if (hex_decode(k->value, want, sizeof want) != 3) {
			r = err_set(NHI_EKEY, "%s:%zu: %s: expected 3 bytes of hex",
			    kf->path, k->line, kcvname);
			goto out;
		}
		if ((r = crypto_kcv(key, keylen, kcv)) != 0)
			goto out;
		if (memcmp(kcv, want, 3) != 0) {
			r = err_set(NHI_EKEY, "%s:%zu: %s: the key's check value is"
			    " %02x%02x%02x, not %02x%02x%02x (mistyped key?)", kf->path,
			    k->line, name, kcv[0], kcv[1], kcv[2], want[0], want[1],
			    want[2]);
			goto out;
		}
	}
out:
	OPENSSL_cleanse(buf, sizeof buf);
	return r;
}

int
crypto_master_keys_load(const char *path, enum crypto_mode mode,
    struct crypto_master_keys *out)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = keyfile_read(path, &text, &len)) != 0)
		return r;
	r = crypto_master_keys_parse(path, text, len, mode, out);
	util_free_secret(text, len);
	return r;
}

int
crypto_master_keys_parse(const char *path, const char *text, size_t len,
    enum crypto_mode mode, struct crypto_master_keys *out)
{
	static const char *const known[] = { "test", "kvn", "algorithm", "enc",
	    "mac", "dek", "enc-kcv", "mac-kcv", "dek-kcv", NULL };
	struct keyfile kf = { .path = path };
	struct crypto_master_keys m;
	const struct keyfile_entry *e;
	char *end;
	long kvn;
	int r;

	memset(&m, 0, sizeof m);
	if ((r = keyfile_parse(&kf, text, len)) != 0)
		goto out;
	if (kf.pem != NULL) {
		r = err_set(NHI_EKEY, "%s: a master key file holds no PEM block", path);
		goto out;
	}
	if ((r = keyfile_check_names(&kf, known)) != 0 ||
	    (r = keyfile_test_flag(&kf, mode, &m.test)) != 0)
		goto out;
	if ((e = keyfile_need(&kf, "kvn", &r)) == NULL)
		goto out;
	kvn = strtol(e->value, &end, 16);
	if (e->value[0] == '\0' || *end != '\0' || strlen(e->value) != 2 ||
	    ((kvn < 0x01 || kvn > 0x7f) && kvn != 0xff)) {
		r = err_set(NHI_EKEY, "%s:%zu: kvn must be two hex digits, 01 to 7F"
		    " or FF", path, e->line);
		goto out;
	}
	m.kvn = (uint8_t)kvn;
	if ((e = keyfile_get(&kf, "algorithm")) == NULL ||
	    strcmp(e->value, "AES-128") == 0)
		m.keylen = 16;
	else if (strcmp(e->value, "AES-192") == 0)
		m.keylen = 24;
	else if (strcmp(e->value, "AES-256") == 0)
		m.keylen = 32;
	else {
		r = err_set(NHI_EKEY, "%s:%zu: algorithm must be AES-128, AES-192 or"
		    " AES-256", path, e->line);
		goto out;
	}
	if ((r = master_key(&kf, "enc", m.keylen, m.enc)) != 0 ||
	    (r = master_key(&kf, "mac", m.keylen, m.mac)) != 0 ||
	    (r = master_key(&kf, "dek", m.keylen, m.dek)) != 0)
		goto out;
	/* Known by what they are, whatever the file says about itself. */
	if (crypto_testkey_master(&m)) {
		m.test = 1;
		if (mode == CRYPTO_MODE_PRODUCTION) {
			r = err_set(NHI_ETESTKEY, "%s: test keys refused in production mode:"
			    " these are the published test keys (by their key check"
			    " values), whatever the file's test line says", path);
			goto out;
		}
	}
	*out = m;
	r = 0;
out:
	crypto_master_keys_wipe(&m);
	keyfile_clear(&kf);
	return r;
}

void
crypto_master_keys_wipe(struct crypto_master_keys *m)
{
	if (m != NULL)
		OPENSSL_cleanse(m, sizeof *m);
}

int
crypto_master_keys_kcvs(const struct crypto_master_keys *m, uint8_t kcv[3][3])
{
	int r;

	if (m->token != NULL) {
		if ((r = crypto_token_kcv(m->token, m->h_enc, kcv[0])) != 0 ||
		    (r = crypto_token_kcv(m->token, m->h_mac, kcv[1])) != 0 ||
		    (r = crypto_token_kcv(m->token, m->h_dek, kcv[2])) != 0)
			return r;
		return 0;
	}
	if ((r = crypto_kcv(m->enc, m->keylen, kcv[0])) != 0 ||
	    (r = crypto_kcv(m->mac, m->keylen, kcv[1])) != 0 ||
	    (r = crypto_kcv(m->dek, m->keylen, kcv[2])) != 0)
		return r;
	return 0;
}

char *
crypto_master_keys_describe(const struct crypto_master_keys *m)
{
	uint8_t k[3][3];

	if (crypto_master_keys_kcvs(m, k) != 0)
		return xasprintf("key version %02X, AES-%zu, KCV unavailable%s",
		    m->kvn, m->keylen * 8, m->test ? " (test keys)" : "");
	return xasprintf("key version %02X, AES-%zu, KCV ENC %02x%02x%02x"
	    " MAC %02x%02x%02x DEK %02x%02x%02x%s", m->kvn, m->keylen * 8,
	    k[0][0], k[0][1], k[0][2], k[1][0], k[1][1], k[1][2],
	    k[2][0], k[2][1], k[2][2], m->test ? " (test keys)" : "");
}

/*
 * The KDF of section 1 (crypto_scp03_kdf) with the PRF computed by the
 * token: one CKM_AES_CMAC per 16-byte block over the same input, so the
 * result equals the file store's for the same master key.
 */
static int
token_kdf(struct crypto_token *t, unsigned long h, uint8_t dc,
    const uint8_t *context, size_t ctxlen, uint8_t *out, size_t outlen)
{
	uint8_t in[16 + 32], block[SCP03_BLOCK];
	size_t done = 0, n;
	int r = 0;

	if (outlen == 0 || outlen > 64 || ctxlen > 32)
		return err_set(NHI_ERANGE, "KDF: %zu bytes, context %zu", outlen, ctxlen);
	memset(in, 0, 16);
	in[11] = dc;
	in[12] = 0x00;
	in[13] = (uint8_t)((outlen * 8) >> 8);
	in[14] = (uint8_t)(outlen * 8);
	memcpy(in + 16, context, ctxlen);
	for (in[15] = 1; done < outlen; in[15]++) {
		if ((r = crypto_token_cmac(t, h, in, 16 + ctxlen, block)) != 0)
			break;
		n = outlen - done < SCP03_BLOCK ? outlen - done : SCP03_BLOCK;
		memcpy(out + done, block, n);
		done += n;
	}
	OPENSSL_cleanse(block, sizeof block);
	return r;
}

int
crypto_keys_diversify(const struct crypto_master_keys *m,
    const uint8_t divdata[10], struct scp03_keyset *out)
{
	struct scp03_keyset ks;
	int r;

	memset(&ks, 0, sizeof ks);
	ks.kvn = m->kvn;
	ks.keylen = m->keylen;
	if (m->token != NULL && m->derive) {
		/*
		 * The card's keys derived in the token (docs/keys.md 4.9):
		 * ENC and MAC derive the session keys (and the card challenge
		 * and KDF steps need AES-ECB and CMAC), DEK wraps the keys of
		 * PUT KEY; every key may itself be wrapped for PUT KEY and
		 * have its KCV computed.
		 */
		unsigned use = CRYPTO_TOKEN_USE_ENCRYPT | CRYPTO_TOKEN_USE_WRAPPED;

		ks.token = m->token;
		if ((r = crypto_token_kdf_key(m->token, m->h_enc, CRYPTO_DIV_ENC, divdata,
		    10, m->keylen, use | CRYPTO_TOKEN_USE_DERIVE | CRYPTO_TOKEN_USE_SIGN,
		    &ks.h_enc)) != 0 ||
		    (r = crypto_token_kdf_key(m->token, m->h_mac, CRYPTO_DIV_MAC, divdata,
		    10, m->keylen, use | CRYPTO_TOKEN_USE_DERIVE, &ks.h_mac)) != 0 ||
		    (r = crypto_token_kdf_key(m->token, m->h_dek, CRYPTO_DIV_DEK, divdata,
		    10, m->keylen, use | CRYPTO_TOKEN_USE_WRAP, &ks.h_dek)) != 0)
			goto out;
		*out = ks;
		ks.token = NULL;	/* *out owns the objects */
		goto out;
	}
	if (m->token != NULL) {
		/* A master key without CKA_DERIVE (made before 4.9's KDF in
		 * the token): the token's CMAC, the card keys in memory. */
		if ((r = token_kdf(m->token, m->h_enc, CRYPTO_DIV_ENC, divdata, 10,
		    ks.enc, m->keylen)) != 0 ||
		    (r = token_kdf(m->token, m->h_mac, CRYPTO_DIV_MAC, divdata, 10,
		    ks.mac, m->keylen)) != 0 ||
		    (r = token_kdf(m->token, m->h_dek, CRYPTO_DIV_DEK, divdata, 10,
		    ks.dek, m->keylen)) != 0)
			goto out;
		*out = ks;
		goto out;
	}
	if ((r = crypto_scp03_kdf(m->enc, m->keylen, CRYPTO_DIV_ENC, divdata, 10,
	    ks.enc, m->keylen)) != 0 ||
	    (r = crypto_scp03_kdf(m->mac, m->keylen, CRYPTO_DIV_MAC, divdata, 10,
	    ks.mac, m->keylen)) != 0 ||
	    (r = crypto_scp03_kdf(m->dek, m->keylen, CRYPTO_DIV_DEK, divdata, 10,
	    ks.dek, m->keylen)) != 0)
		goto out;
	*out = ks;
out:
	crypto_scp03_keyset_wipe(&ks);
	return r;
}

/* ---- the signing key ---- */

int
crypto_sign_key_load(const char *path, enum crypto_mode mode,
    struct crypto_sign_key **out)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = keyfile_read(path, &text, &len)) != 0)
		return r;
	r = crypto_sign_key_parse(path, text, len, mode, out);
	util_free_secret(text, len);
	return r;
}

int
crypto_sign_key_parse(const char *path, const char *text, size_t len,
    enum crypto_mode mode, struct crypto_sign_key **out)
{
	static const char *const known[] = { "test", "curve", NULL };
	struct keyfile kf = { .path = path };
	const struct keyfile_entry *e;
	int test = 0, r;

	if ((r = keyfile_parse(&kf, text, len)) != 0 ||
	    (r = keyfile_check_names(&kf, known)) != 0 ||
	    (r = keyfile_test_flag(&kf, mode, &test)) != 0)
		goto out;
	if ((e = keyfile_need(&kf, "curve", &r)) == NULL)
		goto out;
	if (strcmp(e->value, "P-256") != 0) {
		r = err_set(NHI_EKEY, "%s:%zu: curve must be P-256", path, e->line);
		goto out;
	}
	if (kf.pem == NULL) {
		r = err_set(NHI_EKEY, "%s: no '-----BEGIN PRIVATE KEY-----' block",
		    path);
		goto out;
	}
	if (mode == CRYPTO_MODE_PRODUCTION && crypto_testkey_pem(kf.pem, kf.pemlen, NULL)) {
		r = err_set(NHI_ETESTKEY, "%s: test keys refused in production mode: this"
		    " is the published test signing key (by its public key), whatever"
		    " the file's test line says", path);
		goto out;
	}
	r = crypto_sign_key_from_pem(kf.pem, kf.pemlen, test, path, out);
out:
	keyfile_clear(&kf);
	return r;
}
