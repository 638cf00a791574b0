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

int
crypto_cms_unseal_file(const struct crypto_cms_keys *k, const char *path,
    const char *peer, FILE **content)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	FILE *mid = NULL, *out = NULL;
	BIO *midb = NULL, *outb = NULL;
	int r, i, n, fd, found = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(NHI_ENOFILE, "%s: cannot open: %s", path, strerror(errno));
	r = read_cms_fd(fd, path, NID_pkcs7_enveloped, &cms);
	close(fd);
	if (r != 0 || (r = tmp_bio(&mid, &midb)) != 0)
		goto out;
	if (CMS_decrypt(cms, k->station_key, k->station_cert, NULL, midb, CMS_BINARY) != 1) {
		r = err_set(NHI_EKEY, "%s: cannot decrypt: not encrypted to this station's"
		    " certificate", path);
		goto out;
	}
	CMS_ContentInfo_free(cms);
	cms = NULL;
	if (BIO_flush(midb) != 1 || fflush(mid) != 0) {
		r = err_set(NHI_EIO, "%s: temporary file: %s", path, strerror(errno));
		goto out;
	}
	BIO_free(midb);
	midb = NULL;
	r = read_cms_fd(fileno(mid), path, NID_pkcs7_signed, &cms);
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
	if ((r = tmp_bio(&out, &outb)) != 0)
		goto out;
	if (CMS_verify(cms, k->center_stack, NULL, NULL, outb,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) != 1) {
		r = err_set(NHI_EKEY, "%s: the %s's signature does not verify (file"
		    " altered or signed with another key)", path, peer);
		goto out;
	}
	if (BIO_flush(outb) != 1 || fflush(out) != 0 || fseek(out, 0, SEEK_SET) != 0) {
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
