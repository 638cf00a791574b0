/*
 * crypto-jpki.c: the JPKI user-authentication certificate and signature
 * (crypto-jpki.h): chain, validity and revocation against the configured
 * JPKI CA certificates and CRLs, the test JPKI CA refused in production,
 * the card's PKCS#1 v1.5 signature and the emulator's side of it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto.h"
#include "crypto-jpki.h"
#include "crypto-jpki-int.h"
#include "crypto-keystore.h"
#include "error.h"
#include "util.h"

#define TEST_CA_NAME	"nhicard TEST"
#define FILE_MAX	(1 << 20)

static const uint8_t sha256_prefix[19] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
	0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
};

static void
asn1_date(const ASN1_TIME *t, char out[11])
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		strcpy(out, "?");
		return;
	}
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000,
	    (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100);
}

void
jpki_name(const X509_NAME *nm, char *out, size_t cap)
{
	BIO *b;
	int n;

	out[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_read(b, out, (int)cap - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

void
jpki_serial_hex(const ASN1_INTEGER *serial, char *out, size_t cap)
{
	BIGNUM *bn;
	char *hex;
	size_t i;

	out[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(serial, NULL)) == NULL)
		return;
	if ((hex = BN_bn2hex(bn)) != NULL) {
		snprintf(out, cap, "%s", hex);
		for (i = 0; out[i]; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
		OPENSSL_free(hex);
	}
	BN_free(bn);
}

static void
cert_fill(X509 *x, struct jpki_cert_info *out)
{
	char name[512];

	memset(out, 0, sizeof(*out));
	jpki_name(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
	jpki_serial_hex(X509_get0_serialNumber(x), out->serial, sizeof(out->serial));
	asn1_date(X509_get0_notBefore(x), out->not_before);
	asn1_date(X509_get0_notAfter(x), out->not_after);
	X509_NAME_oneline(X509_get_issuer_name(x), name, sizeof(name));
	out->test = strstr(name, TEST_CA_NAME) != NULL;
	X509_NAME_oneline(X509_get_subject_name(x), name, sizeof(name));
	out->test |= strstr(name, TEST_CA_NAME) != NULL;
}

static X509 *
parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len == 0 || len > FILE_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

int
crypto_jpki_cert_info(const uint8_t *der, size_t len, struct jpki_cert_info *out)
{
	X509 *x = parse_der(der, len);

	if (x == NULL)
		return err_set(NHI_EPARSE, "the card's certificate (%zu bytes) is not a DER"
		    " X.509 certificate", len);
	cert_fill(x, out);
	X509_free(x);
	return 0;
}

/* Call fn for each path of a blank- or comma-separated list. */
static int
each_path(const char *list, int (*fn)(const char *, void *), void *arg, int *count)
{
	char *copy, *tok, *save = NULL;
	int r = 0;

	*count = 0;
	if (list == NULL)
		return 0;
	copy = xstrdup(list);
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL && r == 0;
	    tok = strtok_r(NULL, " \t,", &save)) {
		r = fn(tok, arg);
		(*count)++;
	}
	free(copy);
	return r;
}

struct load_ctx {
	X509_STORE	*store;
	int		 production;
	int		 crl;
};

static int
load_pem_file(const char *path, void *arg)
{
	struct load_ctx *c = arg;
	char *text = NULL, *why = NULL;
	size_t len;
	BIO *b;
	X509 *x;
	X509_CRL *crl;
	int r, n = 0;

	if ((r = fs_read_file(path, FILE_MAX, &text, &len)) != 0)
		return err_wrap(NHI_ECONFIG, "JPKI %s %s: ", c->crl ? "CRL" : "CA", path);
	if (!c->crl && c->production && crypto_testkey_pem(text, len, &why)) {
		r = err_set(NHI_ETESTKEY, "JPKI CA %s is the test JPKI CA (%s): refused in"
		    " production mode", path, why);
		free(why);
		free(text);
		return r;
	}
	if ((b = BIO_new_mem_buf(text, (int)len)) == NULL) {
		free(text);
		return err_set(NHI_ECRYPTO, "BIO_new_mem_buf");
	}
	if (c->crl) {
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
			X509_STORE_add_crl(c->store, crl);
			X509_CRL_free(crl);
			n++;
		}
	} else {
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
			X509_STORE_add_cert(c->store, x);
			X509_free(x);
			n++;
		}
	}
	ERR_clear_error();
	BIO_free(b);
	free(text);
	if (n == 0)
		return err_set(NHI_ECONFIG, "JPKI %s %s: no PEM %s in the file",
		    c->crl ? "CRL" : "CA", path, c->crl ? "X509 CRL" : "CERTIFICATE");
	return 0;
}

int
jpki_load_cas(const char *cas, int production, X509_STORE *store, int *n)
{
	struct load_ctx lc;

	memset(&lc, 0, sizeof(lc));
	lc.store = store;
	lc.production = production;
	return each_path(cas, load_pem_file, &lc, n);
}

int
crypto_jpki_verify(const struct jpki_trust *trust, const uint8_t *der, size_t len,
    time_t now, struct jpki_cert_info *out)
{
	struct jpki_cert_info info;
	struct load_ctx lc;
	X509_STORE_CTX *ctx = NULL;
	X509 *x;
	int r, n, err;

	if ((x = parse_der(der, len)) == NULL)
		return err_set(NHI_EPARSE, "the card's certificate (%zu bytes) is not a DER"
		    " X.509 certificate", len);
	cert_fill(x, &info);
	if (out != NULL)
		*out = info;
	memset(&lc, 0, sizeof(lc));
	lc.production = trust->production;
	if ((lc.store = X509_STORE_new()) == NULL) {
		r = err_set(NHI_ECRYPTO, "X509_STORE_new");
		goto out;
	}
	if ((r = each_path(trust->cas, load_pem_file, &lc, &n)) != 0)
		goto out;
	if (n == 0) {
		r = err_set(NHI_ECONFIG, "no JPKI CA certificate configured (mynumber.ca)");
		goto out;
	}
	lc.crl = 1;
	if ((r = each_path(trust->crls, load_pem_file, &lc, &n)) != 0)
		goto out;
	if (info.test && trust->production) {
		r = err_set(NHI_ETESTKEY, "the card's certificate is issued by the test JPKI"
		    " CA: refused in production mode");
		goto out;
	}
	X509_STORE_set_flags(lc.store, X509_V_FLAG_CRL_CHECK);
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, lc.store, x, NULL) != 1) {
		r = err_set(NHI_ECRYPTO, "X509_STORE_CTX_init");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	if (X509_verify_cert(ctx) == 1) {
		r = 0;
		goto out;
	}
	err = X509_STORE_CTX_get_error(ctx);
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		r = err_reason(err_set(NHI_EREFUSED, "the card's authentication certificate"
		    " expired on %s (renewed at the town office: a relink follows)",
		    info.not_after), "mynumber.cert_expired");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		r = err_reason(err_set(NHI_EREFUSED, "the card's authentication certificate"
		    " is valid only from %s", info.not_before), "mynumber.cert_not_yet_valid");
		break;
	case X509_V_ERR_CERT_REVOKED:
		r = err_reason(err_set(NHI_EREFUSED, "the card's authentication certificate"
		    " (serial %s) is revoked by its CA", info.serial), "mynumber.cert_revoked");
		break;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		r = err_set(NHI_ECONFIG, "no revocation list of the CA '%s' is configured"
		    " (mynumber.crl): revocation cannot be checked", info.issuer);
		break;
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		r = err_set(NHI_ECONFIG, "the revocation list of '%s' is out of date (%s):"
		    " fetch the current one", info.issuer, X509_verify_cert_error_string(err));
		break;
	default:
		r = err_reason(err_set(NHI_EREFUSED, "the card's certificate does not chain"
		    " to a configured JPKI CA (issuer '%s': %s)", info.issuer,
		    X509_verify_cert_error_string(err)), "mynumber.cert_unknown_ca");
		break;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(lc.store);
	X509_free(x);
	return r;
}

int
crypto_jpki_digestinfo(const uint8_t *msg, size_t len, uint8_t out[JPKI_DIGESTINFO_LEN])
{
	memcpy(out, sha256_prefix, sizeof(sha256_prefix));
	return crypto_sha256(msg, len, out + sizeof(sha256_prefix));
}

int
crypto_jpki_sig_verify(const uint8_t *certder, size_t certlen, const uint8_t *msg,
    size_t msglen, const uint8_t *sig, size_t siglen)
{
	X509 *x = parse_der(certder, certlen);
	EVP_PKEY_CTX *pc = NULL;
	uint8_t di[JPKI_DIGESTINFO_LEN];
	int r, ok;

	if (x == NULL)
		return err_set(NHI_EPARSE, "the card's certificate is not a DER X.509"
		    " certificate");
	if ((r = crypto_jpki_digestinfo(msg, msglen, di)) != 0)
		goto out;
	/* Raw PKCS#1 v1.5 (no md set): the DigestInfo is compared whole. */
	if ((pc = EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL)) == NULL ||
	    EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1) {
		r = err_set(NHI_EPARSE, "the card's certificate does not hold an RSA key");
		goto out;
	}
	ok = EVP_PKEY_verify(pc, sig, siglen, di, sizeof(di));
	r = ok == 1 ? 0 : err_set(NHI_EAUTH, "the card's signature does not verify with"
	    " its authentication certificate");
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	X509_free(x);
	return r;
}

int
crypto_jpki_card_sign(const uint8_t *keyder, size_t keylen, const uint8_t *in,
    size_t inlen, uint8_t *sig, size_t cap, size_t *siglen)
{
	const unsigned char *p = keyder;
	EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, (long)keylen);
	EVP_PKEY_CTX *pc = NULL;
	size_t n = cap;
	int r = 0;

	if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		r = err_set(NHI_EKEY, "the card's authentication key is not an RSA key");
		goto out;
	}
	if ((pc = EVP_PKEY_CTX_new(k, NULL)) == NULL || EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_sign(pc, sig, &n, in, inlen) != 1) {
		r = err_set(NHI_ERANGE, "cannot sign %zu bytes with the authentication key",
		    inlen);
		goto out;
	}
	*siglen = n;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(k);
	return r;
}

static int
load_pem(const char *path, int key, uint8_t **der, size_t *len)
{
	char *text = NULL;
	size_t tlen;
	unsigned char *buf = NULL;
	const unsigned char *p;
	BIO *b;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int n, r;

	if ((r = fs_read_file(path, FILE_MAX, &text, &tlen)) != 0)
		return r;
	if ((b = BIO_new_mem_buf(text, (int)tlen)) != NULL) {
		if (key)
			k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		else
			x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (k == NULL && x == NULL) {
		p = (const unsigned char *)text;
		if (key)
			k = d2i_AutoPrivateKey(NULL, &p, (long)tlen);
		else
			x = d2i_X509(NULL, &p, (long)tlen);
	}
	util_wipe(text, tlen);
	free(text);
	ERR_clear_error();
	if (k == NULL && x == NULL)
		return err_set(NHI_EPARSE, "%s: not a PEM or DER %s", path,
		    key ? "private key" : "certificate");
	n = key ? i2d_PrivateKey(k, &buf) : i2d_X509(x, &buf);
	EVP_PKEY_free(k);
	X509_free(x);
	if (n <= 0)
		return err_set(NHI_ECRYPTO, "%s: cannot encode", path);
	*der = xmalloc((size_t)n);
	memcpy(*der, buf, (size_t)n);
	OPENSSL_clear_free(buf, (size_t)n);
	*len = (size_t)n;
	return 0;
}

int
crypto_jpki_load_cert(const char *path, uint8_t **der, size_t *len)
{
	return load_pem(path, 0, der, len);
}

int
crypto_jpki_load_key(const char *path, uint8_t **der, size_t *len)
{
	return load_pem(path, 1, der, len);
}
