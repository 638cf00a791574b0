/*
 * crypto-cms.c: CMS for the center queue with OpenSSL: sign-then-encrypt
 * batch files, verify the center's signed acknowledgements against the
 * pinned center certificate, and the center's matching operations (open a
 * batch, sign an acknowledgement). DER throughout, so the stock
 * `openssl cms` command reads every file (docs/queue-format.md).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto-agent.h"
#include "crypto-cms.h"
#include "crypto-keystore.h"
#include "crypto-token.h"
#include "error.h"
#include "util.h"

struct crypto_cms_keys {
	EVP_PKEY	*station_key;
	X509		*station_cert;
	X509		*center_cert;
	STACK_OF(X509)	*center_stack;
};

static int
open_file(const char *path, const char *what, BIO **out)
{
	BIO *b;

	if (path == NULL || *path == '\0')
		return err_set(NHI_ECONFIG, "no %s file configured", what);
	if ((b = BIO_new_file(path, "rb")) == NULL) {
		ERR_clear_error();
		return err_set(errno == ENOENT ? NHI_ENOFILE : NHI_EIO,
		    "%s: cannot open %s: %s", path, what, strerror(errno));
	}
	*out = b;
	return 0;
}

static int
load_cert(const char *path, const char *what, X509 **out)
{
	BIO *b = NULL;
	X509 *x;
	int r;

	if ((r = open_file(path, what, &b)) != 0)
		return r;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL) {
		ERR_clear_error();
		return err_set(NHI_EKEY, "%s: not a PEM certificate (%s)", path, what);
	}
	*out = x;
	return 0;
}

static int
load_key(const char *path, const char *what, EVP_PKEY **out)
{
	BIO *b;
	EVP_PKEY *k;
	char *text = NULL;
	size_t len = 0;
	int r;

	/* A key in the PKCS#11 token (docs/keys.md 4.9): pkcs11:LABEL. */
	if (strncmp(path, CRYPTO_TOKEN_REF, strlen(CRYPTO_TOKEN_REF)) == 0) {
		if (crypto_token_current() == NULL)
			return err_set(NHI_ECONFIG, "%s %s is a key in a PKCS#11 token, but"
			    " keys.store is not pkcs11", what, path);
		return crypto_token_evp_key(crypto_token_current(),
		    path + strlen(CRYPTO_TOKEN_REF), out);
	}
	/* An encrypted key opens through the key agent (crypto-agent.h),
	 * never through OpenSSL's terminal prompt. */
	if ((r = fs_read_file(path, 1 << 20, &text, &len)) != 0)
		return err_wrap(r, "%s: ", what);
	if ((r = crypto_pem_open(path, what, &text, &len)) != 0) {
		util_free_secret(text, len);
		return r;
	}
	if ((b = BIO_new_mem_buf(text, (int)len)) == NULL) {
		util_free_secret(text, len);
		return err_set(NHI_ECRYPTO, "%s: BIO_new_mem_buf", path);
	}
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	BIO_free(b);
	util_free_secret(text, len);
	if (k == NULL) {
		ERR_clear_error();
		return err_set(NHI_EKEY, "%s: not a PEM private key (%s)", path, what);
	}
	*out = k;
	return 0;
}

static int
fingerprint(X509 *x, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32) {
		ERR_clear_error();
		return err_set(NHI_ECRYPTO, "certificate digest failed in OpenSSL");
	}
	hex_encode(md, n, out);
	return 0;
}

int
crypto_cert_fingerprint(const char *path, char out[65])
{
	X509 *x;
	int r;

	if ((r = load_cert(path, "certificate", &x)) != 0)
		return r;
	r = fingerprint(x, out);
	X509_free(x);
	return r;
}

/* The configured fingerprint, normalized to 64 lower-case hex digits. */
static int
normalize_fp(const char *in, char out[65])
{
	size_t n = 0;
	const char *p;

	for (p = in; *p != '\0'; p++) {
		if (*p == ':' || *p == ' ')
			continue;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		    (*p >= 'A' && *p <= 'F')) || n == 64)
			return err_set(NHI_ECONFIG, "queue.center_fingerprint: not a SHA-256"
			    " fingerprint (64 hex digits)");
		out[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	}
	if (n != 64)
		return err_set(NHI_ECONFIG, "queue.center_fingerprint: not a SHA-256"
		    " fingerprint (64 hex digits)");
	out[64] = '\0';
	return 0;
}

void
crypto_cms_keys_free(struct crypto_cms_keys *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->station_key);
	X509_free(k->station_cert);
	sk_X509_free(k->center_stack);
	X509_free(k->center_cert);
	free(k);
}

int
crypto_cms_keys_load(const char *station_key, const char *station_cert,
    const char *center_cert, const char *center_fp, struct crypto_cms_keys **out)
{
	struct crypto_cms_keys *k = xcalloc(1, sizeof(*k));
	char want[65], got[65];
	int r;

	if (center_fp == NULL || *center_fp == '\0') {
		r = err_set(NHI_ECONFIG, "queue.center_fingerprint is not set: the"
		    " center's certificate must be pinned");
		goto out;
	}
	if ((r = normalize_fp(center_fp, want)) != 0 ||
	    (r = load_key(station_key, "station key", &k->station_key)) != 0 ||
	    (r = load_cert(station_cert, "station certificate", &k->station_cert)) != 0 ||
	    (r = load_cert(center_cert, "center certificate", &k->center_cert)) != 0 ||
	    (r = fingerprint(k->center_cert, got)) != 0)
		goto out;
	if (CRYPTO_memcmp(want, got, 64) != 0) {
		r = err_set(NHI_EKEY, "%s: the center certificate's SHA-256 fingerprint"
		    " %s is not queue.center_fingerprint %s: refusing it", center_cert,
		    got, want);
		goto out;
	}
	if (X509_check_private_key(k->station_cert, k->station_key) != 1) {
		ERR_clear_error();
		r = err_set(NHI_EKEY, "%s: the station key does not match certificate %s",
		    station_key, station_cert);
		goto out;
	}
	k->center_stack = sk_X509_new_null();
	if (k->center_stack == NULL || !sk_X509_push(k->center_stack, k->center_cert)) {
		r = err_set(NHI_ECRYPTO, "certificate stack failed in OpenSSL");
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	crypto_cms_keys_free(k);
	return r;
}

/* The bytes of a memory BIO as a new buffer. */
static int
bio_take(BIO *b, uint8_t **out, size_t *outlen)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);

	if (n < 0)
		return err_set(NHI_ECRYPTO, "memory BIO failed in OpenSSL");
	*out = xmalloc((size_t)n + 1);
	memcpy(*out, p, (size_t)n);
	(*out)[n] = '\0';
	*outlen = (size_t)n;
	return 0;
}

static int
sign_der(EVP_PKEY *key, X509 *cert, const void *data, size_t len, BIO **out)
{
	BIO *in = NULL, *der = NULL;
	CMS_ContentInfo *cms = NULL;
	int r;

	if (len > INT32_MAX)
		return err_set(NHI_ERANGE, "CMS content of %zu bytes is too large", len);
	in = BIO_new_mem_buf(data, (int)len);
	der = BIO_new(BIO_s_mem());
	if (in == NULL || der == NULL ||
	    (cms = CMS_sign(cert, key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP)) == NULL ||
	    i2d_CMS_bio(der, cms) != 1) {
		ERR_clear_error();
		r = err_set(NHI_ECRYPTO, "CMS signing failed in OpenSSL");
		goto out;
	}
	*out = der;
	der = NULL;
	r = 0;
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(der);
	return r;
}

int
crypto_cms_seal(const struct crypto_cms_keys *k, const void *data, size_t len,
    uint8_t **out, size_t *outlen)
{
	BIO *signed_der = NULL, *enc = NULL;
	CMS_ContentInfo *cms = NULL;
	int r;

	if ((r = sign_der(k->station_key, k->station_cert, data, len, &signed_der)) != 0)
		return r;
	enc = BIO_new(BIO_s_mem());
	if (enc == NULL || (cms = CMS_encrypt(k->center_stack, signed_der,
	    EVP_aes_256_cbc(), CMS_BINARY)) == NULL || i2d_CMS_bio(enc, cms) != 1) {
		ERR_clear_error();
		r = err_set(NHI_ECRYPTO, "CMS encryption failed in OpenSSL");
		goto out;
	}
	r = bio_take(enc, out, outlen);
out:
	CMS_ContentInfo_free(cms);
	BIO_free(signed_der);
	BIO_free(enc);
	return r;
}

static int
parse_cms(const uint8_t *der, size_t len, const char *source, int nid,
    CMS_ContentInfo **out)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;

	if (len == 0 || len > INT32_MAX)
		return err_set(NHI_EPARSE, "%s: empty or oversized file (%zu bytes), not a"
		    " CMS file", source, len);
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms == NULL || p != der + len) {
		ERR_clear_error();
		CMS_ContentInfo_free(cms);
		return err_set(NHI_EPARSE, "%s: not a DER CMS file (unsigned or damaged)",
		    source);
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != nid) {
		CMS_ContentInfo_free(cms);
		return err_set(NHI_EPARSE, "%s: CMS %s, expected %s", source,
		    OBJ_nid2ln(OBJ_obj2nid(CMS_get0_type(cms))), OBJ_nid2ln(nid));
	}
	*out = cms;
	return 0;
}

int
crypto_cms_verify_center(const struct crypto_cms_keys *k, const uint8_t *der,
    size_t len, const char *source, uint8_t **content, size_t *clen)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	BIO *out = NULL;
	int r, i, n, found = 0;

	if ((r = parse_cms(der, len, source, NID_pkcs7_signed, &cms)) != 0)
		return r;
	sis = CMS_get0_SignerInfos(cms);
	n = sis != NULL ? sk_CMS_SignerInfo_num(sis) : 0;
	for (i = 0; i < n; i++)
		if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, i),
		    k->center_cert) == 0)
			found++;
	if (n != 1 || found != 1) {
		r = err_set(NHI_EKEY, "%s: not signed by the configured center certificate"
		    " (%d signer%s, %d of them the center)", source, n, n == 1 ? "" : "s",
		    found);
		goto out;
	}
	out = BIO_new(BIO_s_mem());
	if (out == NULL || CMS_verify(cms, k->center_stack, NULL, NULL, out,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) != 1) {
		ERR_clear_error();
		r = err_set(NHI_EKEY, "%s: the center's signature does not verify (file"
		    " altered or signed with another key)", source);
		goto out;
	}
	r = bio_take(out, content, clen);
out:
	ERR_clear_error();
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	return r;
}

/*
 * d2i a CMS of type `nid` from the open file `fd`, mapped rather than read
 * into a buffer: the parsed structure holds the content once, the mapping
 * is dropped right after the parse (what a 100,000-card bureau result
 * needs: docs/performance.md "Card bureau").
 */
static int
read_cms_fd(int fd, const char *source, int nid, CMS_ContentInfo **out)
{
	struct stat sb;
	void *map;
	int r;

	if (fstat(fd, &sb) != 0)
		return err_set(NHI_EIO, "%s: %s", source, strerror(errno));
	if (sb.st_size <= 0 || (uint64_t)sb.st_size > INT32_MAX)
		return err_set(NHI_EPARSE, "%s: empty or oversized file (%lld bytes), not a"
		    " CMS file", source, (long long)sb.st_size);
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return err_set(NHI_EIO, "%s: cannot map: %s", source, strerror(errno));
	(void)madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
	r = parse_cms(map, (size_t)sb.st_size, source, nid, out);
	munmap(map, (size_t)sb.st_size);
	return r;
}

/* An unlinked temporary file as a BIO that does not close the FILE. */
static int
tmp_bio(FILE **fp, BIO **b)
{
	if ((*fp = tmpfile()) == NULL)
		return err_set(NHI_EIO, "temporary file: %s", strerror(errno));
	if ((*b = BIO_new_fp(*fp, BIO_NOCLOSE)) == NULL) {
		fclose(*fp);
		*fp = NULL;
		return err_set(NHI_ECRYPTO, "file BIO failed in OpenSSL");
	}
	return 0;
}

/* ---- Detaching the big content (the card bureau's files) -----------------
 *
 * A 100,000-card result is some 60 MB. OpenSSL parses a CMS file whole,
 * holding its content once more; for the two layers of a bureau file
 * (EnvelopedData around SignedData) that is two or three copies. Both
 * layers' content is one DER OCTET STRING: we read only the headers,
 * rebuild each layer without its content (the content is OPTIONAL in
 * both), and give OpenSSL the content as a detached stream from a file.
 * Memory then holds the headers; anything unexpected (BER, a content not
 * where OpenSSL and the openssl command put it) falls back to parsing the
 * whole file.
 */

#define DER_HEAD_MAX	65536

struct der {
	unsigned	 tag;
	size_t		 off;		/* of the tag */
	size_t		 hlen, len;	/* header and value lengths */
};

/* The TLV at b[off], within blen bytes of header; -1 if malformed. */
static int
der_at(const uint8_t *b, size_t blen, size_t off, struct der *d)
{
	size_t n, i;

	if (off + 2 > blen || (b[off] & 0x1f) == 0x1f)
		return -1;
	d->tag = b[off];
	d->off = off;
	if (b[off + 1] < 0x80) {
		d->len = b[off + 1];
		d->hlen = 2;
		return 0;
	}
	n = b[off + 1] & 0x7f;
	if (n == 0 || n > 4 || off + 2 + n > blen)
		return -1;
	d->len = 0;
	for (i = 0; i < n; i++)
		d->len = d->len << 8 | b[off + 2 + i];
	d->hlen = 2 + n;
	return 0;
}

/* Append a DER header for `tag` and `len` to buf. */
static void
der_put(uint8_t **buf, size_t *n, unsigned tag, size_t len)
{
	uint8_t h[6];
	size_t k = 0, i;

	h[k++] = (uint8_t)tag;
	if (len < 0x80)
		h[k++] = (uint8_t)len;
	else {
		int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;

		h[k++] = (uint8_t)(0x80 | bytes);
		for (i = (size_t)bytes; i > 0; i--)
			h[k++] = (uint8_t)(len >> (8 * (i - 1)));
	}
	*buf = xrealloc(*buf, *n + k);
	memcpy(*buf + *n, h, k);
	*n += k;
}

static void
der_add(uint8_t **buf, size_t *n, const uint8_t *p, size_t len)
{
	*buf = xrealloc(*buf, *n + len + 1);
	if (len > 0)
		memcpy(*buf + *n, p, len);
	*n += len;
}

/*
 * Rebuild ContentInfo { OID, [0] { SEQUENCE { pre, SEQUENCE { inner }, post } } }
 * with the given pieces: the content type's OID bytes (whole TLV), the
 * outer SEQUENCE's children before the inner one (pre), the inner
 * SEQUENCE's kept children (inner) and what follows it (post).
 */
static void
der_rebuild(const uint8_t *oid, size_t oidlen, const uint8_t *pre, size_t prelen,
    const uint8_t *inner, size_t innerlen, const uint8_t *post, size_t postlen,
    uint8_t **out, size_t *outlen)
{
	uint8_t *seq = NULL, *ci = NULL, *a0 = NULL;
	size_t nseq = 0, nci = 0, na0 = 0, nin = 0;
	uint8_t *in = NULL;

	der_put(&in, &nin, 0x30, innerlen);
	der_add(&in, &nin, inner, innerlen);
	der_put(&seq, &nseq, 0x30, prelen + nin + postlen);
	der_add(&seq, &nseq, pre, prelen);
	der_add(&seq, &nseq, in, nin);
	der_add(&seq, &nseq, post, postlen);
	der_put(&a0, &na0, 0xA0, nseq);
	der_add(&a0, &na0, seq, nseq);
	der_put(&ci, &nci, 0x30, oidlen + na0);
	der_add(&ci, &nci, oid, oidlen);
	der_add(&ci, &nci, a0, na0);
	free(in);
	free(seq);
	free(a0);
	*out = ci;
	*outlen = nci;
}

/* Up to DER_HEAD_MAX bytes from the start of fd, and its size. */
static int
head_read(int fd, uint8_t *b, size_t *blen, size_t *size)
{
	struct stat sb;
	ssize_t got;

	if (fstat(fd, &sb) != 0 || sb.st_size <= 0)
		return -1;
	*size = (size_t)sb.st_size;
	got = pread(fd, b, DER_HEAD_MAX, 0);
	if (got <= 0)
		return -1;
	*blen = (size_t)got;
	return 0;
}

/* Walk ContentInfo, its OID, [0], and the outer SEQUENCE of the layer;
 * `at` is then its first child. */
static int
layer_open(const uint8_t *b, size_t blen, size_t size, struct der *oid,
    struct der *outer, size_t *at)
{
	struct der ci, a0;

	if (der_at(b, blen, 0, &ci) != 0 || ci.tag != 0x30 || ci.hlen + ci.len != size ||
	    der_at(b, blen, ci.hlen, oid) != 0 || oid->tag != 0x06 ||
	    der_at(b, blen, oid->off + oid->hlen + oid->len, &a0) != 0 || a0.tag != 0xA0 ||
	    der_at(b, blen, a0.off + a0.hlen, outer) != 0 || outer->tag != 0x30 ||
	    outer->off + outer->hlen + outer->len != size || oid->off + oid->hlen + oid->len > blen)
		return -1;
	*at = outer->off + outer->hlen;
	return 0;
}

/* An EnvelopedData whose encryptedContent is a primitive [0] at the very
 * end of the file: the rebuilt structure without it, and where it is. */
static int
enveloped_detach(int fd, uint8_t **der, size_t *derlen, size_t *coff, size_t *clen)
{
	uint8_t *b = xmalloc(DER_HEAD_MAX);
	struct der oid, ed, c, eci, x;
	size_t blen, size, at, pre_off;
	int r = -1;

	if (head_read(fd, b, &blen, &size) != 0 || layer_open(b, blen, size, &oid, &ed, &at) != 0)
		goto out;
	pre_off = at;
	/* version, originatorInfo [0], recipientInfos SET, then the ECI */
	for (;;) {
		if (der_at(b, blen, at, &c) != 0)
			goto out;
		if (c.tag == 0x30)
			break;
		at += c.hlen + c.len;
	}
	eci = c;
	if (der_at(b, blen, eci.off + eci.hlen, &x) != 0 || x.tag != 0x06)
		goto out;
	at = x.off + x.hlen + x.len;
	if (der_at(b, blen, at, &x) != 0 || x.tag != 0x30)
		goto out;
	at = x.off + x.hlen + x.len;
	if (der_at(b, blen, at, &x) != 0 || x.tag != 0x80 || x.off + x.hlen + x.len != size ||
	    eci.off + eci.hlen + eci.len != size || x.off > blen)
		goto out;
	der_rebuild(b + oid.off, oid.hlen + oid.len, b + pre_off, eci.off - pre_off,
	    b + eci.off + eci.hlen, x.off - (eci.off + eci.hlen), NULL, 0, der, derlen);
	*coff = x.off + x.hlen;
	*clen = x.len;
	r = 0;
out:
	free(b);
	return r;
}

/* A SignedData whose eContent is [0] { OCTET STRING } (primitive): the
 * rebuilt structure without it, and where the content is. */
static int
signed_detach(int fd, uint8_t **der, size_t *derlen, size_t *coff, size_t *clen)
{
	uint8_t *b = xmalloc(DER_HEAD_MAX), *post = NULL;
	struct der oid, sd, c, eci, x, os;
	size_t blen, size, at, pre_off, post_off;
	ssize_t got;
	int r = -1;

	if (head_read(fd, b, &blen, &size) != 0 || layer_open(b, blen, size, &oid, &sd, &at) != 0)
		goto out;
	pre_off = at;
	/* version INTEGER, digestAlgorithms SET, then encapContentInfo */
	for (;;) {
		if (der_at(b, blen, at, &c) != 0)
			goto out;
		if (c.tag == 0x30)
			break;
		at += c.hlen + c.len;
	}
	eci = c;
	if (der_at(b, blen, eci.off + eci.hlen, &x) != 0 || x.tag != 0x06)
		goto out;
	at = x.off + x.hlen + x.len;
	if (der_at(b, blen, at, &c) != 0 || c.tag != 0xA0 ||
	    der_at(b, blen, c.off + c.hlen, &os) != 0 || os.tag != 0x04 ||
	    os.off + os.hlen + os.len != eci.off + eci.hlen + eci.len ||
	    c.off + c.hlen + c.len != eci.off + eci.hlen + eci.len)
		goto out;
	post_off = eci.off + eci.hlen + eci.len;
	if (size - post_off > (1u << 20))
		goto out;	/* certificates and signers: small, else not ours */
	post = xmalloc(size - post_off + 1);
	got = pread(fd, post, size - post_off, (off_t)post_off);
	if (got < 0 || (size_t)got != size - post_off)
		goto out;
	der_rebuild(b + oid.off, oid.hlen + oid.len, b + pre_off, eci.off - pre_off,
	    b + x.off, x.hlen + x.len, post, size - post_off, der, derlen);
	*coff = os.off + os.hlen;
	*clen = os.len;
	r = 0;
out:
	free(post);
	free(b);
	return r;
}

/* Copy `len` bytes at `off` of fd into a new unlinked temporary file,
 * rewound; NULL on failure (err set). */
static FILE *
range_copy(int fd, size_t off, size_t len, const char *source)
{
	FILE *f = tmpfile();
	uint8_t *buf = xmalloc(65536);
	ssize_t got;
	size_t done = 0, want;

	if (f == NULL) {
		err_set(NHI_EIO, "temporary file: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	while (done < len) {
		want = len - done < 65536 ? len - done : 65536;
		got = pread(fd, buf, want, (off_t)(off + done));
		if (got <= 0 || fwrite(buf, 1, (size_t)got, f) != (size_t)got) {
			err_set(NHI_EIO, "%s: copying the content: %s", source, strerror(errno));
			fclose(f);
			free(buf);
			return NULL;
		}
		done += (size_t)got;
	}
	free(buf);
	if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
		err_set(NHI_EIO, "%s: temporary file: %s", source, strerror(errno));
		fclose(f);
		return NULL;
	}
	return f;
}

static int
parse_small(const uint8_t *der, size_t len, const char *source, int nid,
    CMS_ContentInfo **out)
{
	return parse_cms(der, len, source, nid, out);
}

int
crypto_cms_unseal_file(const struct crypto_cms_keys *k, const char *path,
    const char *peer, FILE **content)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	FILE *mid = NULL, *out = NULL, *cf = NULL;
	BIO *midb = NULL, *outb = NULL, *dcont = NULL;
	uint8_t *small = NULL;
	size_t small_len = 0, coff = 0, clen = 0;
	int r, i, n, fd, found = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(NHI_ENOFILE, "%s: cannot open: %s", path, strerror(errno));
	if (enveloped_detach(fd, &small, &small_len, &coff, &clen) == 0) {
		r = parse_small(small, small_len, path, NID_pkcs7_enveloped, &cms);
		if (r == 0 && (cf = fopen(path, "rb")) != NULL && fseek(cf, (long)coff,
		    SEEK_SET) == 0)
			dcont = BIO_new_fp(cf, BIO_NOCLOSE);
		if (r == 0 && dcont == NULL)
			r = err_set(NHI_EIO, "%s: cannot read: %s", path, strerror(errno));
	} else
		r = read_cms_fd(fd, path, NID_pkcs7_enveloped, &cms);
	close(fd);
	free(small);
	small = NULL;
	if (r != 0 || (r = tmp_bio(&mid, &midb)) != 0)
		goto out;
	if (CMS_decrypt(cms, k->station_key, k->station_cert, dcont, midb, CMS_BINARY) != 1) {
		r = err_set(NHI_EKEY, "%s: cannot decrypt: not encrypted to this station's"
		    " certificate", path);
		goto out;
	}
	CMS_ContentInfo_free(cms);
	cms = NULL;
	BIO_free(dcont);
	dcont = NULL;
	if (cf != NULL)
		fclose(cf);
	cf = NULL;
	if (BIO_flush(midb) != 1 || fflush(mid) != 0) {
		r = err_set(NHI_EIO, "%s: temporary file: %s", path, strerror(errno));
		goto out;
	}
	BIO_free(midb);
	midb = NULL;
	if (signed_detach(fileno(mid), &small, &small_len, &coff, &clen) == 0) {
		r = parse_small(small, small_len, path, NID_pkcs7_signed, &cms);
		if (r == 0 && (out = range_copy(fileno(mid), coff, clen, path)) == NULL)
			r = NHI_EIO;
	} else
		r = read_cms_fd(fileno(mid), path, NID_pkcs7_signed, &cms);
	free(small);
	small = NULL;
	fclose(mid);
	mid = NULL;
	if (r != 0)
		goto out;
	sis = CMS_get0_SignerInfos(cms);
	n = sis != NULL ? sk_CMS_SignerInfo_num(sis) : 0;
	for (i = 0; i < n; i++)
		if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, i),
		    k->center_cert) == 0)
			found++;
	if (n != 1 || found != 1) {
		r = err_set(NHI_EKEY, "%s: not signed by the configured %s certificate"
		    " (%d signer%s, %d of them the %s)", path, peer, n, n == 1 ? "" : "s",
		    found, peer);
		goto out;
	}
	if (out != NULL) {
		/* Detached: the content is already in its own file; verify
		 * reads it through once. */
		if ((dcont = BIO_new_fp(out, BIO_NOCLOSE)) == NULL) {
			r = err_set(NHI_ECRYPTO, "file BIO failed in OpenSSL");
			goto out;
		}
	} else if ((r = tmp_bio(&out, &outb)) != 0)
		goto out;
	if (CMS_verify(cms, k->center_stack, NULL, dcont, outb,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) != 1) {
		r = err_set(NHI_EKEY, "%s: the %s's signature does not verify (file"
		    " altered or signed with another key)", path, peer);
		goto out;
	}
	if ((outb != NULL && BIO_flush(outb) != 1) || fflush(out) != 0 ||
	    fseek(out, 0, SEEK_SET) != 0) {
		r = err_set(NHI_EIO, "%s: temporary file: %s", path, strerror(errno));
		goto out;
	}
	*content = out;
	out = NULL;
	r = 0;
out:
	ERR_clear_error();
	BIO_free(midb);
	BIO_free(outb);
	BIO_free(dcont);
	free(small);
	if (cf != NULL)
		fclose(cf);
	if (mid != NULL)
		fclose(mid);
	if (out != NULL)
		fclose(out);
	CMS_ContentInfo_free(cms);
	return r;
}

int
crypto_cms_open(const char *center_key, const char *center_cert, const char *ca_cert,
    const uint8_t *der, size_t len, const char *source, uint8_t **content,
    size_t *clen, char signer_fp[65])
{
	CMS_ContentInfo *env = NULL, *sig = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL, *ca = NULL, *signer;
	X509_STORE *store = NULL;
	STACK_OF(X509) *signers = NULL;
	BIO *inner = NULL, *out = NULL;
	char *p;
	long n;
	int r;

	if ((r = load_key(center_key, "center key", &key)) != 0 ||
	    (r = load_cert(center_cert, "center certificate", &cert)) != 0 ||
	    (r = load_cert(ca_cert, "CA certificate", &ca)) != 0 ||
	    (r = parse_cms(der, len, source, NID_pkcs7_enveloped, &env)) != 0)
		goto out;
	inner = BIO_new(BIO_s_mem());
	if (inner == NULL || CMS_decrypt(env, key, cert, NULL, inner, CMS_BINARY) != 1) {
		r = err_set(NHI_EKEY, "%s: cannot decrypt: not encrypted to this center's"
		    " certificate", source);
		goto out;
	}
	n = BIO_get_mem_data(inner, &p);
	if ((r = parse_cms((const uint8_t *)p, (size_t)n, source, NID_pkcs7_signed,
	    &sig)) != 0)
		goto out;
	store = X509_STORE_new();
	out = BIO_new(BIO_s_mem());
	if (store == NULL || out == NULL || X509_STORE_add_cert(store, ca) != 1) {
		r = err_set(NHI_ECRYPTO, "certificate store failed in OpenSSL");
		goto out;
	}
	if (CMS_verify(sig, NULL, store, NULL, out, CMS_BINARY) != 1) {
		r = err_set(NHI_EKEY, "%s: the station's signature does not verify against"
		    " %s", source, ca_cert);
		goto out;
	}
	signers = CMS_get0_signers(sig);
	if (signers == NULL || sk_X509_num(signers) != 1 ||
	    (signer = sk_X509_value(signers, 0)) == NULL ||
	    (r = fingerprint(signer, signer_fp)) != 0) {
		if (r == 0)
			r = err_set(NHI_EKEY, "%s: expected exactly one signer", source);
		goto out;
	}
	r = bio_take(out, content, clen);
out:
	ERR_clear_error();
	sk_X509_free(signers);
	X509_STORE_free(store);
	BIO_free(inner);
	BIO_free(out);
	CMS_ContentInfo_free(env);
	CMS_ContentInfo_free(sig);
	EVP_PKEY_free(key);
	X509_free(cert);
	X509_free(ca);
	return r;
}

int
crypto_cms_sign_file_key(const char *keyfile, const char *certfile, const void *data,
    size_t len, uint8_t **out, size_t *outlen)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIO *der = NULL;
	int r;

	if ((r = load_key(keyfile, "signing key", &key)) != 0 ||
	    (r = load_cert(certfile, "signing certificate", &cert)) != 0 ||
	    (r = sign_der(key, cert, data, len, &der)) != 0)
		goto out;
	r = bio_take(der, out, outlen);
out:
	BIO_free(der);
	EVP_PKEY_free(key);
	X509_free(cert);
	return r;
}

int
crypto_key_file_private(const char *path, const char *what)
{
	struct stat sb;

	/* A key in the token has no file (its PIN file is checked instead). */
	if (strncmp(path, CRYPTO_TOKEN_REF, strlen(CRYPTO_TOKEN_REF)) == 0)
		return 0;
	if (stat(path, &sb) != 0)
		return err_set(NHI_ENOFILE, "%s %s: %s", what, path, strerror(errno));
	if ((sb.st_mode & 077) != 0)
		return err_set(NHI_EPERM, "%s %s is readable or writable by others (mode"
		    " %04o): refused in production mode; 'chmod 600 %s' (docs/keys.md)",
		    what, path, (unsigned)(sb.st_mode & 07777), path);
	return 0;
}

int
crypto_pem_is_test(const char *path, int *is_test)
{
	char *text = NULL, *line, *save = NULL;
	size_t len;
	int r;

	/* A key in the token: its certificate (queue.station_cert) is checked;
	 * a shipped test key imported into a token has the test certificate. */
	if (strncmp(path, CRYPTO_TOKEN_REF, strlen(CRYPTO_TOKEN_REF)) == 0) {
		*is_test = 0;
		return 0;
	}
	if ((r = fs_read_file(path, 1 << 20, &text, &len)) != 0)
		return r;
	/* What the file is, before what it says. */
	*is_test = crypto_testkey_pem(text, len, NULL);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "-----BEGIN", 10) == 0)
			break;
		if (strcmp(line, "test = yes") == 0 || strcmp(line, "test = yes\r") == 0)
			*is_test = 1;
	}
	free(text);
	return 0;
}
