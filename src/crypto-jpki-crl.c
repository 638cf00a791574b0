/*
 * crypto-jpki-crl.c: a JPKI certificate revocation list as the station's
 * revocation batch reads it (crypto-jpki.h, `nhicard mynumber
 * check-revoked`): parsed (PEM or DER, exactly one CRL), its signature
 * checked against the configured CA of its issuer, its number and
 * thisUpdate for the freshness check, and its revoked serials.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto-jpki.h"
#include "crypto-jpki-int.h"
#include "error.h"
#include "util.h"

#define CRL_FILE_MAX	(64 << 20)

struct jpki_crl {
	X509_CRL	*crl;
};

static void
crl_time(const ASN1_TIME *t, char out[21])
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ",
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100,
	    (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100);
}

int
crypto_jpki_crl_parse(const char *what, const uint8_t *data, size_t len,
    struct jpki_crl **out, struct jpki_crl_info *info)
{
	const unsigned char *p = data;
	X509_CRL *crl = NULL, *more = NULL;
	ASN1_INTEGER *num;
	STACK_OF(X509_REVOKED) *rev;
	BIO *b;
	int crit = 0;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	if (len == 0 || len > CRL_FILE_MAX)
		return err_set(NHI_EPARSE, "%s: empty or larger than %d bytes", what,
		    CRL_FILE_MAX);
	if ((b = BIO_new_mem_buf(data, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		if (crl != NULL)
			more = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (crl == NULL) {
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl != NULL && p != data + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	if (more != NULL) {
		X509_CRL_free(more);
		X509_CRL_free(crl);
		return err_set(NHI_EPARSE, "%s: holds more than one CRL (one per file)",
		    what);
	}
	if (crl == NULL)
		return err_set(NHI_EPARSE, "%s: not a PEM or DER X.509 CRL", what);
	jpki_name(X509_CRL_get_issuer(crl), info->issuer, sizeof(info->issuer));
	crl_time(X509_CRL_get0_lastUpdate(crl), info->this_update);
	if (info->this_update[0] == '\0') {
		X509_CRL_free(crl);
		return err_set(NHI_EPARSE, "%s: the CRL's thisUpdate does not parse", what);
	}
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL)) != NULL) {
		jpki_serial_hex(num, info->number, sizeof(info->number));
		ASN1_INTEGER_free(num);
	}
	ERR_clear_error();
	rev = X509_CRL_get_REVOKED(crl);
	info->revoked = rev != NULL ? (size_t)sk_X509_REVOKED_num(rev) : 0;
	*out = xmalloc(sizeof(**out));
	(*out)->crl = crl;
	return 0;
}

int
crypto_jpki_crl_read(const char *path, const char *cas, int production,
    struct jpki_crl **out, struct jpki_crl_info *info)
{
	STACK_OF(X509_OBJECT) *objs;
	X509_STORE *store;
	X509 *ca;
	EVP_PKEY *key;
	char *text = NULL, subject[256];
	size_t len;
	int r, n, i, named = 0, good = 0;

	*out = NULL;
	if ((r = fs_read_file(path, CRL_FILE_MAX, &text, &len)) != 0)
		return err_wrap(NHI_ECONFIG, "JPKI CRL %s: ", path);
	r = crypto_jpki_crl_parse(path, (const uint8_t *)text, len, out, info);
	free(text);
	if (r != 0)
		return r;
	if ((store = X509_STORE_new()) == NULL) {
		r = err_set(NHI_ECRYPTO, "X509_STORE_new");
		goto out;
	}
	if ((r = jpki_load_cas(cas, production, store, &n)) != 0)
		goto out;
	if (n == 0) {
		r = err_set(NHI_ECONFIG, "no JPKI CA certificate configured (mynumber.ca)");
		goto out;
	}
	objs = X509_STORE_get0_objects(store);
	for (i = 0; i < sk_X509_OBJECT_num(objs) && !good; i++) {
		if ((ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i))) == NULL)
			continue;
		jpki_name(X509_get_subject_name(ca), subject, sizeof(subject));
		if (strcmp(subject, info->issuer) != 0)
			continue;
		named = 1;
		if ((key = X509_get0_pubkey(ca)) != NULL &&
		    X509_CRL_verify((*out)->crl, key) == 1)
			good = 1;
	}
	ERR_clear_error();
	if (!named)
		r = err_reason(err_set(NHI_EREFUSED, "JPKI CRL %s: its issuer '%s' is not a"
		    " configured JPKI CA (mynumber.ca): not applied", path, info->issuer),
		    "mynumber.crl_unknown_ca");
	else if (!good)
		r = err_reason(err_set(NHI_EREFUSED, "JPKI CRL %s: its signature does not"
		    " verify with the key of the CA '%s': not applied", path, info->issuer),
		    "mynumber.crl_bad_signature");
out:
	X509_STORE_free(store);
	if (r != 0) {
		crypto_jpki_crl_free(*out);
		*out = NULL;
	}
	return r;
}

int
crypto_jpki_crl_each(const struct jpki_crl *c, int (*fn)(void *arg, const char *serial),
    void *arg)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(c->crl);
	char serial[80];
	int i, r;

	for (i = 0; rev != NULL && i < sk_X509_REVOKED_num(rev); i++) {
		jpki_serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(rev, i)),
		    serial, sizeof(serial));
		if (serial[0] != '\0' && (r = fn(arg, serial)) != 0)
			return r;
	}
	return 0;
}

void
crypto_jpki_crl_free(struct jpki_crl *c)
{
	if (c == NULL)
		return;
	X509_CRL_free(c->crl);
	free(c);
}

/* Compare two numbers in lower-case hex without leading zeros (BN_bn2hex
 * gives whole bytes: strip the zeros first). */
static int
hex_cmp(const char *a, const char *b)
{
	size_t la, lb;

	while (*a == '0' && a[1] != '\0')
		a++;
	while (*b == '0' && b[1] != '\0')
		b++;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

int
crypto_jpki_crl_older(const struct jpki_crl_info *info, const char *last_number,
    const char *last_this_update)
{
	if (last_number != NULL && last_number[0] != '\0' && info->number[0] != '\0' &&
	    hex_cmp(info->number, last_number) < 0)
		return 1;
	return last_this_update != NULL && strcmp(info->this_update, last_this_update) < 0;
}
