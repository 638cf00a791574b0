/*
 * crypto-keystore-wrap.c: key files wrapped under a passphrase
 * (docs/keys.md 4.5): scrypt(passphrase, salt) gives an AES-256-GCM key
 * that encrypts the clear key file text; the public header (kind, key
 * version, KCVs) stays readable for `keys list` and is authenticated as
 * GCM additional data, so it cannot be altered unnoticed. Also the key
 * generation used by `keys create` and the per-process passphrase cache.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "crypto-agent.h"
#include "crypto-keystore.h"
#include "error.h"
#include "secret.h"
#include "util.h"

#define WRAP_SALT_LEN	16
#define WRAP_NONCE_LEN	12
#define WRAP_TAG_LEN	16
#define WRAP_KEY_LEN	32
#define WRAP_MAX	(64 * 1024)
#define WRAP_AAD_LABEL	"nhicard wrapped key file v1\n"

static char *cached_pass;

/* ---- a tiny "name = value" reader for the wrapped header ---- */

struct wline { char name[32]; const char *v; size_t vlen; };

/* Split text into at most `cap` lines; returns count or -1 if malformed. */
static int
wrap_lines(const char *text, size_t len, struct wline *out, int cap)
{
	const char *p = text, *end = text + len, *nl, *eq, *a, *b;
	int n = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		for (a = p; a < nl && isspace((unsigned char)*a); a++)
			;
		if (a == nl || *a == '#')
			continue;
		if ((eq = memchr(a, '=', (size_t)(nl - a))) == NULL || n >= cap)
			return -1;
		for (b = eq; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (b == a || (size_t)(b - a) >= sizeof out[n].name)
			return -1;
		memcpy(out[n].name, a, (size_t)(b - a));
		out[n].name[b - a] = '\0';
		for (a = eq + 1; a < nl && isspace((unsigned char)*a); a++)
			;
		for (b = nl; b > a && isspace((unsigned char)b[-1]); b--)
			;
		out[n].v = a;
		out[n].vlen = (size_t)(b - a);
		n++;
	}
	return n;
}

static const struct wline *
wline_get(const struct wline *l, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return &l[i];
	return NULL;
}

int
crypto_keystore_is_wrapped(const char *text, size_t len)
{
	struct wline l[32];
	const struct wline *w;
	const char *pem = strstr(text, "-----BEGIN");
	int n;

	/* Only the header lines before any PEM block count. */
	if (pem != NULL && (size_t)(pem - text) < len)
		len = (size_t)(pem - text);
	if ((n = wrap_lines(text, len, l, 32)) < 0)
		return 0;
	w = wline_get(l, n, "wrapped");
	return w != NULL && w->vlen == 1 && w->v[0] == '1';
}

/* The AES-256-GCM key from the passphrase. */
static int
wrap_key(const char *pass, const uint8_t *salt, const struct crypto_scrypt_params *p,
    uint8_t key[WRAP_KEY_LEN])
{
	return crypto_scrypt(pass, strlen(pass), salt, WRAP_SALT_LEN, p, key,
	    WRAP_KEY_LEN);
}

static int
gcm(int enc, const uint8_t key[WRAP_KEY_LEN], const uint8_t *nonce,
    const char *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[WRAP_TAG_LEN])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, r = NHI_ECRYPTO, ok;

	if (c == NULL)
		return err_set(r, "AES-256-GCM: OpenSSL failed");
	ok = EVP_CipherInit_ex2(c, EVP_aes_256_gcm(), NULL, NULL, enc, NULL) &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, WRAP_NONCE_LEN, NULL) &&
	    EVP_CipherInit_ex2(c, NULL, key, nonce, enc, NULL) &&
	    EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)aad, (int)aadlen) &&
	    EVP_CipherUpdate(c, out, &n, in, (int)len);
	if (!ok) {
		err_set(r, "AES-256-GCM: OpenSSL failed");
		goto out;
	}
	if (!enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, WRAP_TAG_LEN, tag)) {
		err_set(r, "AES-256-GCM: OpenSSL failed");
		goto out;
	}
	if (EVP_CipherFinal_ex(c, out + n, &m) <= 0) {
		r = enc ? err_set(r, "AES-256-GCM: OpenSSL failed") : NHI_EKEY;
		goto out;
	}
	if (enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, WRAP_TAG_LEN, tag)) {
		err_set(r, "AES-256-GCM: OpenSSL failed");
		goto out;
	}
	r = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

/* The additional data: the label and the header lines except the
 * ciphertext and tag, canonical "name=value\n". */
static char *
wrap_aad(const struct wline *l, int n, size_t *len)
{
	char *s = xstrdup(WRAP_AAD_LABEL), *t;
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(l[i].name, "data") == 0 || strcmp(l[i].name, "tag") == 0)
			continue;
		t = xasprintf("%s%s=%.*s\n", s, l[i].name, (int)l[i].vlen, l[i].v);
		free(s);
		s = t;
	}
	*len = strlen(s);
	return s;
}

int
crypto_keystore_wrap(const char *inner, size_t len, const char *passphrase,
    const struct crypto_scrypt_params *p, const char *info, char **out)
{
	uint8_t salt[WRAP_SALT_LEN], nonce[WRAP_NONCE_LEN], tag[WRAP_TAG_LEN];
	uint8_t key[WRAP_KEY_LEN], *ct = NULL;
	char salthex[2 * WRAP_SALT_LEN + 1], noncehex[2 * WRAP_NONCE_LEN + 1];
	char taghex[2 * WRAP_TAG_LEN + 1], *head = NULL, *cthex = NULL, *aad = NULL;
	struct wline l[32];
	size_t aadlen;
	int n, r;

	if (len == 0 || len > WRAP_MAX)
		return err_set(NHI_ERANGE, "wrap: key file of %zu bytes", len);
	if ((r = crypto_random(salt, sizeof salt)) != 0 ||
	    (r = crypto_random(nonce, sizeof nonce)) != 0 ||
	    (r = wrap_key(passphrase, salt, p, key)) != 0)
		goto out;
	hex_encode(salt, sizeof salt, salthex);
	hex_encode(nonce, sizeof nonce, noncehex);
	head = xasprintf("# nhicard wrapped key file (docs/keys.md 4.5): the keys are\n"
	    "# encrypted; only the lines below before 'data' are in clear.\n"
	    "wrapped = 1\n%skdf = scrypt\nscrypt-n = %" PRIu64 "\nscrypt-r = %" PRIu32
	    "\nscrypt-p = %" PRIu32 "\nsalt = %s\ncipher = AES-256-GCM\nnonce = %s\n",
	    info, p->n, p->r, p->p, salthex, noncehex);
	if ((n = wrap_lines(head, strlen(head), l, 32)) < 0) {
		r = err_set(NHI_EINTERNAL, "wrap: bad header");
		goto out;
	}
	aad = wrap_aad(l, n, &aadlen);
	ct = xmalloc(len);
	if ((r = gcm(1, key, nonce, aad, aadlen, (const uint8_t *)inner, len, ct, tag)) != 0)
		goto out;
	cthex = xmalloc(2 * len + 1);
	hex_encode(ct, len, cthex);
	hex_encode(tag, sizeof tag, taghex);
	*out = xasprintf("%sdata = %s\ntag = %s\n", head, cthex, taghex);
out:
	OPENSSL_cleanse(key, sizeof key);
	free(head);
	free(aad);
	free(ct);
	free(cthex);
	return r;
}

/* A hex value of exactly `want` bytes into a new buffer (or fixed out). */
static int
wrap_hex(const char *path, const struct wline *l, int n, const char *name,
    uint8_t *out, size_t want)
{
	const struct wline *w = wline_get(l, n, name);
	char *s;
	int k;

	if (w == NULL)
		return err_set(NHI_EKEY, "%s: wrapped key file without '%s'", path, name);
	s = xstrndup(w->v, w->vlen);
	k = hex_decode(s, out, want);
	free(s);
	if (k < 0 || (size_t)k != want)
		return err_set(NHI_EKEY, "%s: %s: expected %zu bytes of hex", path, name,
		    want);
	return 0;
}

static int
wrap_num(const char *path, const struct wline *l, int n, const char *name,
    uint64_t *out)
{
	const struct wline *w = wline_get(l, n, name);
	char *s, *end;

	if (w == NULL)
		return err_set(NHI_EKEY, "%s: wrapped key file without '%s'", path, name);
	s = xstrndup(w->v, w->vlen);
	*out = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0') {
		free(s);
		return err_set(NHI_EKEY, "%s: %s: expected a number", path, name);
	}
	free(s);
	return 0;
}

int
crypto_keystore_unwrap(const char *path, const char *text, size_t len,
    const char *passphrase, char **inner, size_t *innerlen)
{
	struct crypto_scrypt_params p;
	struct wline l[32];
	const struct wline *w;
	uint8_t salt[WRAP_SALT_LEN], nonce[WRAP_NONCE_LEN], tag[WRAP_TAG_LEN];
	uint8_t key[WRAP_KEY_LEN], *ct = NULL, *pt = NULL;
	uint64_t n64, r64, p64;
	size_t aadlen = 0, ctlen;
	char *aad = NULL, *s;
	int n, r;

	memset(key, 0, sizeof key);
	if ((n = wrap_lines(text, len, l, 32)) < 0)
		return err_set(NHI_EKEY, "%s: malformed wrapped key file", path);
	if ((w = wline_get(l, n, "kdf")) == NULL || w->vlen != 6 ||
	    memcmp(w->v, "scrypt", 6) != 0 ||
	    (w = wline_get(l, n, "cipher")) == NULL || w->vlen != 11 ||
	    memcmp(w->v, "AES-256-GCM", 11) != 0)
		return err_set(NHI_EKEY, "%s: wrapped key file: expected kdf = scrypt and"
		    " cipher = AES-256-GCM", path);
	if ((r = wrap_num(path, l, n, "scrypt-n", &n64)) != 0 ||
	    (r = wrap_num(path, l, n, "scrypt-r", &r64)) != 0 ||
	    (r = wrap_num(path, l, n, "scrypt-p", &p64)) != 0)
		return r;
	if (r64 > CRYPTO_SCRYPT_R_MAX || p64 > CRYPTO_SCRYPT_P_MAX)
		return err_set(NHI_EKEY, "%s: scrypt parameters out of range", path);
	p.n = n64;
	p.r = (uint32_t)r64;
	p.p = (uint32_t)p64;
	if (crypto_scrypt_check(&p, path) != 0)
		return err_set(NHI_EKEY, "%s: scrypt parameters out of range", path);
	if ((r = wrap_hex(path, l, n, "salt", salt, sizeof salt)) != 0 ||
	    (r = wrap_hex(path, l, n, "nonce", nonce, sizeof nonce)) != 0 ||
	    (r = wrap_hex(path, l, n, "tag", tag, sizeof tag)) != 0)
		return r;
	if ((w = wline_get(l, n, "data")) == NULL || w->vlen == 0 || w->vlen % 2 != 0 ||
	    w->vlen / 2 > WRAP_MAX)
		return err_set(NHI_EKEY, "%s: wrapped key file: bad 'data'", path);
	ctlen = w->vlen / 2;
	ct = xmalloc(ctlen);
	s = xstrndup(w->v, w->vlen);
	if (hex_decode(s, ct, ctlen) != (int)ctlen) {
		free(s);
		r = err_set(NHI_EKEY, "%s: data: bad hex", path);
		goto out;
	}
	free(s);
	aad = wrap_aad(l, n, &aadlen);
	pt = xmalloc(ctlen + 1);
	if ((r = wrap_key(passphrase, salt, &p, key)) != 0)
		goto out;
	r = gcm(0, key, nonce, aad, aadlen, ct, ctlen, pt, tag);
	if (r == NHI_EKEY) {
		r = err_set(NHI_EKEY, "%s: wrong key-store passphrase, or the file was"
		    " altered", path);
		goto out;
	}
	if (r != 0)
		goto out;
	pt[ctlen] = '\0';
	*inner = (char *)pt;
	*innerlen = ctlen;
	pt = NULL;
out:
	OPENSSL_cleanse(key, sizeof key);
	if (pt != NULL)
		util_free_secret(pt, ctlen + 1);
	free(ct);
	free(aad);
	return r;
}

int
crypto_keystore_passphrase(const char **out)
{
	int r;

	if (cached_pass == NULL &&
	    (r = operator_read_secret("NHICARD_KEY_PASSPHRASE_FD", "Key-store passphrase",
	    &cached_pass)) != 0)
		return r;
	*out = cached_pass;
	return 0;
}

int
crypto_keystore_have_passphrase(void)
{
	return cached_pass != NULL || getenv("NHICARD_KEY_PASSPHRASE_FD") != NULL;
}

void
crypto_keystore_forget(void)
{
	if (cached_pass != NULL)
		util_free_secret(cached_pass, strlen(cached_pass));
	cached_pass = NULL;
}

void
crypto_keystore_set_passphrase(const char *passphrase)
{
	crypto_keystore_forget();
	cached_pass = xstrdup(passphrase);
}

int
crypto_keystore_open_text(const char *path, char **text, size_t *len)
{
	const char *pass;
	char *inner = NULL;
	size_t innerlen = 0;
	int r;

	if (!crypto_keystore_is_wrapped(*text, *len))
		return 0;
	/* The key agent first (docs/keys.md 4.8): a clerk never types the
	 * key-store passphrase. Without an agent, only a passphrase given on
	 * NHICARD_KEY_PASSPHRASE_FD (a key officer's script, the tests) opens
	 * the file; nobody is asked on a terminal. */
	r = crypto_agent_fetch(path, *text, *len, &inner, &innerlen);
	if (r == NHI_ENOFILE && cached_pass == NULL &&
	    getenv("NHICARD_KEY_PASSPHRASE_FD") == NULL)
	{
		char *why = xstrdup(err_detail() != NULL ? err_detail() :
		    "the keys are locked");

		r = err_set(NHI_ESTATE, "key file %s is wrapped and %s", path, why);
		free(why);
		return r;
	}
	if (r == NHI_ENOFILE) {
		err_clear();
		if ((r = crypto_keystore_passphrase(&pass)) != 0)
			return err_wrap(r, "key file %s is wrapped: ", path);
		if ((r = crypto_keystore_unwrap(path, *text, *len, pass, &inner,
		    &innerlen)) != 0)
			return r;
	} else if (r != 0)
		return r;
	if (strlen(inner) != innerlen || crypto_keystore_is_wrapped(inner, innerlen)) {
		util_free_secret(inner, innerlen + 1);
		return err_set(NHI_EKEY, "%s: the wrapped content is not a key file", path);
	}
	util_free_secret(*text, *len);
	*text = inner;
	*len = innerlen;
	return 0;
}

int
crypto_keystore_generate_master(uint8_t kvn, size_t keylen, char **out)
{
	uint8_t k[3][SCP03_KEY_MAX], kcv[3][3];
	char hex[3][2 * SCP03_KEY_MAX + 1];
	int i, r;

	if (keylen != 16 && keylen != 24 && keylen != 32)
		return err_set(NHI_ERANGE, "key length %zu: expected 16, 24 or 32", keylen);
	if ((kvn < 0x01 || kvn > 0x7f) && kvn != 0xff)
		return err_set(NHI_ERANGE, "key version %02X: expected 01 to 7F", kvn);
	for (i = 0; i < 3; i++) {
		if ((r = crypto_random(k[i], keylen)) != 0 ||
		    (r = crypto_kcv(k[i], keylen, kcv[i])) != 0)
			goto out;
		hex_encode(k[i], keylen, hex[i]);
	}
	*out = xasprintf("test = no\nkvn = %02x\nalgorithm = AES-%zu\n"
	    "enc = %s\nenc-kcv = %02x%02x%02x\nmac = %s\nmac-kcv = %02x%02x%02x\n"
	    "dek = %s\ndek-kcv = %02x%02x%02x\n", kvn, keylen * 8,
	    hex[0], kcv[0][0], kcv[0][1], kcv[0][2], hex[1], kcv[1][0], kcv[1][1],
	    kcv[1][2], hex[2], kcv[2][0], kcv[2][1], kcv[2][2]);
	r = 0;
out:
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(hex, sizeof hex);
	return r;
}

int
crypto_keystore_generate_signing(char **out)
{
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	char *pem;
	long n;
	int r = NHI_ECRYPTO;

	if ((pk = EVP_EC_gen("P-256")) == NULL ||
	    (bio = BIO_new(BIO_s_secmem())) == NULL ||
	    !PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0) {
		err_set(r, "P-256 key generation failed in OpenSSL");
		goto out;
	}
	*out = xasprintf("test = no\ncurve = P-256\n%.*s", (int)n, pem);
	r = 0;
out:
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return r;
}

int
crypto_keystore_describe_wrapped(const char *path, const char *text, size_t len,
    char **out)
{
	static const char *const show[] = { "kind", "kvn", "algorithm", "enc-kcv",
	    "mac-kcv", "dek-kcv", "public-key-id", NULL };
	struct wline l[32];
	const struct wline *w;
	char *s = xstrdup(""), *t;
	int n, i;

	if ((n = wrap_lines(text, len, l, 32)) < 0) {
		free(s);
		return err_set(NHI_EKEY, "%s: malformed wrapped key file", path);
	}
	for (i = 0; show[i] != NULL; i++) {
		if ((w = wline_get(l, n, show[i])) == NULL)
			continue;
		t = xasprintf("%s%s%s %.*s", s, *s ? ", " : "", show[i], (int)w->vlen, w->v);
		free(s);
		s = t;
	}
	*out = s;
	return 0;
}
