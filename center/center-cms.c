/*
 * center-cms.c: the intake's OpenSSL code: the center's keys, opening
 * batch files (decrypt EnvelopedData, verify SignedData against the
 * stations' CA) and signing acknowledgements. With center-crl.c (the
 * stations' revocation list) the only center files that call OpenSSL.
 */
#include "config.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>	/* before cms.h: PEM_read_bio_CMS */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "center.h"
#include "error.h"
#include "util.h"

struct center_keys {
	EVP_PKEY	*key;
	X509		*cert;
	X509_STORE	*ca;
	EVP_PKEY	*akey;		/* answers to clinics; NULL: key */
	X509		*acert;
	struct center_crl *crl;		/* the stations' CRL, or NULL */
};

void
center_keys_set_crl(struct center_keys *k, struct center_crl *cl)
{
	center_crl_free(k->crl);
	k->crl = cl;
}

struct center_crl *
center_keys_crl(const struct center_keys *k)
{
	return k->crl;
}

static int
ossl_err(int code, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return err_set(code, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

void
center_keys_free(struct center_keys *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->key);
	X509_free(k->cert);
	X509_STORE_free(k->ca);
	EVP_PKEY_free(k->akey);
	X509_free(k->acert);
	center_crl_free(k->crl);
	free(k);
}

int
center_keys_load(const char *key_path, const char *cert_path, const char *ca_path,
    struct center_keys **out)
{
	struct center_keys *k = xcalloc(1, sizeof(*k));
	BIO *b = NULL;
	int r;

	if ((b = BIO_new_file(key_path, "r")) == NULL) {
		r = err_set(NHI_ENOFILE, "center key %s: cannot open", key_path);
		goto out;
	}
	k->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	b = NULL;
	if (k->key == NULL) {
		r = err_set(NHI_EKEY, "center key %s: not a PEM private key", key_path);
		goto out;
	}
	if ((b = BIO_new_file(cert_path, "r")) == NULL) {
		r = err_set(NHI_ENOFILE, "center certificate %s: cannot open", cert_path);
		goto out;
	}
	k->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	b = NULL;
	if (k->cert == NULL) {
		r = err_set(NHI_EKEY, "center certificate %s: not a PEM certificate",
		    cert_path);
		goto out;
	}
	if (X509_check_private_key(k->cert, k->key) != 1) {
		r = err_set(NHI_EKEY, "center key %s does not match certificate %s",
		    key_path, cert_path);
		goto out;
	}
	if ((k->ca = X509_STORE_new()) == NULL) {
		r = ossl_err(NHI_ECRYPTO, "X509_STORE_new");
		goto out;
	}
	if (X509_STORE_load_file(k->ca, ca_path) != 1) {
		r = err_set(NHI_EKEY, "station CA %s: cannot read PEM certificates",
		    ca_path);
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	ERR_clear_error();
	center_keys_free(k);
	return r;
}

/* Read a CMS structure in DER, PEM or S/MIME form. */
static CMS_ContentInfo *
cms_read(const uint8_t *p, size_t len)
{
	CMS_ContentInfo *cms = NULL;
	BIO *b;

	if (len > INT32_MAX || (b = BIO_new_mem_buf(p, (int)len)) == NULL)
		return NULL;
	if (len > 11 && memcmp(p, "-----BEGIN ", 11) == 0)
		cms = PEM_read_bio_CMS(b, NULL, NULL, NULL);
	else if (len > 13 && memcmp(p, "MIME-Version:", 13) == 0)
		cms = SMIME_read_CMS(b, NULL);
	else
		cms = d2i_CMS_bio(b, NULL);
	BIO_free(b);
	return cms;
}

/* Take a memory BIO's contents as a NUL-terminated string. */
static void
bio_take(BIO *b, char **out, size_t *outlen)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	char *s;

	/* An empty BIO may answer with no buffer at all: memcpy from NULL is
	 * undefined even for 0 bytes. */
	if (n <= 0 || data == NULL)
		n = 0;
	s = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	*outlen = (size_t)n;
}

int
center_batch_open(const struct center_keys *k, const uint8_t *der, size_t len,
    char **payload, size_t *payload_len, char **signer_cn)
{
	CMS_ContentInfo *env = NULL, *sig = NULL;
	BIO *inner = NULL, *content = NULL;
	STACK_OF(X509) *signers = NULL;
	char *in = NULL, *text = NULL, cn[256];
	size_t inlen, textlen;
	int r;

	if ((env = cms_read(der, len)) == NULL) {
		r = err_set(NHI_EPARSE, "batch: not a CMS structure (%zu bytes)", len);
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(env)) != NID_pkcs7_enveloped) {
		r = err_set(NHI_EPARSE, "batch: not CMS EnvelopedData (not encrypted)");
		goto out;
	}
	inner = BIO_new(BIO_s_mem());
	if (CMS_decrypt(env, k->key, k->cert, NULL, inner, CMS_BINARY) != 1) {
		r = ossl_err(NHI_EKEY, "batch: cannot decrypt with the center's key "
		    "(encrypted to another certificate?)");
		goto out;
	}
	bio_take(inner, &in, &inlen);
	if ((sig = cms_read((const uint8_t *)in, inlen)) == NULL ||
	    OBJ_obj2nid(CMS_get0_type(sig)) != NID_pkcs7_signed) {
		r = err_set(NHI_EPARSE, "batch: decrypted content is not CMS SignedData");
		goto out;
	}
	content = BIO_new(BIO_s_mem());
	if (CMS_verify(sig, NULL, k->ca, NULL, content, CMS_BINARY) != 1) {
		r = ossl_err(NHI_EREFUSED, "batch: station signature does not verify "
		    "against the stations' CA");
		goto out;
	}
	signers = CMS_get0_signers(sig);
	if (signers == NULL || sk_X509_num(signers) != 1 ||
	    X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(signers, 0)),
	    NID_commonName, cn, sizeof(cn)) <= 0) {
		r = err_set(NHI_EREFUSED, "batch: expected one signer with a common name");
		goto out;
	}
	/* Chaining to the CA is not enough: the CA may have revoked it. */
	if ((r = center_crl_check_x509(k->crl, sk_X509_value(signers, 0),
	    "batch's signer certificate")) != 0)
		goto out;
	bio_take(content, &text, &textlen);
	if (memchr(text, '\0', textlen) != NULL) {
		r = err_set(NHI_EPARSE, "batch: signed content contains a NUL byte");
		goto out;
	}
	*payload = text;
	*payload_len = textlen;
	text = NULL;
	*signer_cn = xstrdup(cn);
	r = 0;
out:
	ERR_clear_error();
	sk_X509_free(signers);
	CMS_ContentInfo_free(env);
	CMS_ContentInfo_free(sig);
	BIO_free(inner);
	BIO_free(content);
	free(in);
	free(text);
	return r;
}

static int
cms_sign(X509 *cert, EVP_PKEY *key, const char *text, size_t len, uint8_t **out,
    size_t *outlen)
{
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL, *der = NULL;
	char *data;
	long n;
	int r;

	if (len > INT32_MAX || (in = BIO_new_mem_buf(text, (int)len)) == NULL) {
		r = err_set(NHI_ECRYPTO, "content to sign too large");
		goto out;
	}
	if ((cms = CMS_sign(cert, key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP)) == NULL) {
		r = ossl_err(NHI_ECRYPTO, "signing");
		goto out;
	}
	der = BIO_new(BIO_s_mem());
	if (i2d_CMS_bio(der, cms) != 1) {
		r = ossl_err(NHI_ECRYPTO, "encoding a signed content");
		goto out;
	}
	n = BIO_get_mem_data(der, &data);
	*out = xmemdup(data, (size_t)n);
	*outlen = (size_t)n;
	r = 0;
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(der);
	return r;
}

int
center_ack_sign(const struct center_keys *k, const char *text, size_t len,
    uint8_t **out, size_t *outlen)
{
	return cms_sign(k->cert, k->key, text, len, out, outlen);
}

int
center_answer_sign(const struct center_keys *k, const char *text, size_t len,
    uint8_t **out, size_t *outlen)
{
	if (k->akey != NULL)
		return cms_sign(k->acert, k->akey, text, len, out, outlen);
	return cms_sign(k->cert, k->key, text, len, out, outlen);
}

int
center_keys_answer_load(struct center_keys *k, const char *key_path,
    const char *cert_path)
{
	BIO *b;

	if ((b = BIO_new_file(key_path, "r")) == NULL)
		return err_set(NHI_ENOFILE, "answer key %s: cannot open", key_path);
	k->akey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k->akey == NULL)
		return err_set(NHI_EKEY, "answer key %s: not a PEM private key", key_path);
	if ((b = BIO_new_file(cert_path, "r")) == NULL)
		return err_set(NHI_ENOFILE, "answer certificate %s: cannot open", cert_path);
	k->acert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (k->acert == NULL)
		return err_set(NHI_EKEY, "answer certificate %s: not a PEM certificate",
		    cert_path);
	if (X509_check_private_key(k->acert, k->akey) != 1) {
		ERR_clear_error();
		return err_set(NHI_EKEY, "answer key %s does not match certificate %s",
		    key_path, cert_path);
	}
	return 0;
}

int
center_pubkey_load(const char *path, char hex[131])
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *pk = NULL;
	uint8_t pub[65];
	size_t len = 0;
	int r;

	if (b == NULL)
		return err_set(NHI_ENOFILE, "%s: cannot read", path);
	pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (pk == NULL) {
		(void)BIO_reset(b);
		pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	}
	BIO_free(b);
	ERR_clear_error();
	if (pk == NULL || !EVP_PKEY_is_a(pk, "EC") ||
	    EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", pub, sizeof(pub),
	    &len) != 1 || len != sizeof(pub) || pub[0] != 0x04) {
		r = err_set(NHI_EKEY, "%s: not a P-256 public (or private) key in PEM", path);
		goto out;
	}
	hex_encode(pub, sizeof(pub), hex);
	r = 0;
out:
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}
