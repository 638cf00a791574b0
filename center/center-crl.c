/*
 * center-crl.c: the stations' certificate revocation list (issue 22). A
 * station whose certificate the CA revoked (a PC stolen, a key leaked, a
 * town leaving the system) must be refused although its certificate still
 * chains to the CA: `serve --crl FILE` (and `import --crl FILE`) names one
 * or more PEM or DER CRLs issued by the stations' CA (`--ca`). Each is
 * checked when read: issued by a certificate of the CA file and its
 * signature verifying with that certificate's key, else the file is
 * refused. The file is read again, without a restart, when it changes
 * (its inode, size or modification time, looked at before each batch); a
 * new file that does not verify keeps the list in force and is logged.
 * The batch's signer and the TLS client certificate are both checked; a
 * revoked one is refused with NHI_EREFUSED and the reason code
 * `revoked_certificate` (the station hears 403).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "center.h"
#include "error.h"
#include "util.h"

/* Larger is not a CRL of ours (a station CA revokes a few thousand). */
#define CRL_FILE_MAX	(64L << 20)

struct center_crl {
	pthread_mutex_t	 lock;
	char		*path;
	char		*ca_path;
	STACK_OF(X509_CRL) *crls;
	size_t		 revoked;	/* entries in all */
	/* The file as last read. */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
};

static void
crls_free(STACK_OF(X509_CRL) *s)
{
	sk_X509_CRL_pop_free(s, X509_CRL_free);
}

/* The CA certificates that may issue the CRLs. */
static STACK_OF(X509) *
ca_read(const char *path)
{
	STACK_OF(X509) *s = sk_X509_new_null();
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	if (b == NULL || s == NULL) {
		BIO_free(b);
		sk_X509_free(s);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(s, x);
	ERR_clear_error();
	BIO_free(b);
	return s;
}

/* Read and check the file: every CRL issued and signed by a CA certificate. */
static int
crl_read(const char *path, const char *ca_path, STACK_OF(X509_CRL) **out,
    size_t *revoked, struct stat *st)
{
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	STACK_OF(X509) *ca = NULL;
	X509_CRL *c;
	BIO *b = NULL;
	char buf[16];
	int r, i, j, n = 0;

	*revoked = 0;
	if (stat(path, st) != 0) {
		r = err_set(NHI_ENOFILE, "stations' CRL %s: %s", path, strerror(errno));
		goto out;
	}
	if (st->st_size > CRL_FILE_MAX) {
		r = err_set(NHI_EPARSE, "stations' CRL %s: larger than %ld bytes", path,
		    CRL_FILE_MAX);
		goto out;
	}
	if ((b = BIO_new_file(path, "rb")) == NULL) {
		r = err_set(NHI_ENOFILE, "stations' CRL %s: cannot open", path);
		goto out;
	}
	/* PEM (one or more) or one DER. */
	if (BIO_read(b, buf, 11) == 11 && memcmp(buf, "-----BEGIN ", 11) == 0) {
		(void)BIO_reset(b);
		while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL)
			sk_X509_CRL_push(crls, c);
	} else {
		(void)BIO_reset(b);
		if ((c = d2i_X509_CRL_bio(b, NULL)) != NULL)
			sk_X509_CRL_push(crls, c);
	}
	ERR_clear_error();
	if (sk_X509_CRL_num(crls) == 0) {
		r = err_set(NHI_EPARSE, "stations' CRL %s: no certificate revocation"
		    " list in it (PEM or DER)", path);
		goto out;
	}
	if ((ca = ca_read(ca_path)) == NULL) {
		r = err_set(NHI_ENOFILE, "stations' CA %s: cannot read", ca_path);
		goto out;
	}
	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		c = sk_X509_CRL_value(crls, i);
		for (j = 0; j < sk_X509_num(ca); j++) {
			X509 *x = sk_X509_value(ca, j);

			if (X509_NAME_cmp(X509_get_subject_name(x),
			    X509_CRL_get_issuer(c)) == 0 &&
			    X509_CRL_verify(c, X509_get0_pubkey(x)) == 1)
				break;
		}
		ERR_clear_error();
		if (j == sk_X509_num(ca)) {
			r = err_set(NHI_EKEY, "stations' CRL %s: list %d is not issued and"
			    " signed by a certificate of the stations' CA %s", path, i + 1,
			    ca_path);
			goto out;
		}
		/* An empty list has no entries at all (-1). */
		if (sk_X509_REVOKED_num(X509_CRL_get_REVOKED(c)) > 0)
			n += sk_X509_REVOKED_num(X509_CRL_get_REVOKED(c));
	}
	*revoked = (size_t)n;
	*out = crls;
	crls = NULL;
	r = 0;
out:
	ERR_clear_error();
	BIO_free(b);
	sk_X509_pop_free(ca, X509_free);
	crls_free(crls);
	return r;
}

static void
crl_mark(struct center_crl *cl, const struct stat *st)
{
	cl->dev = st->st_dev;
	cl->ino = st->st_ino;
	cl->size = st->st_size;
	cl->mtime = st->st_mtim;
}

int
center_crl_load(const char *path, const char *ca_path, struct center_crl **out)
{
	struct center_crl *cl;
	STACK_OF(X509_CRL) *crls;
	struct stat st;
	size_t n;
	int r;

	if ((r = crl_read(path, ca_path, &crls, &n, &st)) != 0)
		return r;
	cl = xcalloc(1, sizeof(*cl));
	pthread_mutex_init(&cl->lock, NULL);
	cl->path = xstrdup(path);
	cl->ca_path = xstrdup(ca_path);
	cl->crls = crls;
	cl->revoked = n;
	crl_mark(cl, &st);
	fprintf(stderr, "nhicard-center: stations' CRL %s: %zu revoked certificate(s)\n",
	    path, n);
	*out = cl;
	return 0;
}

void
center_crl_free(struct center_crl *cl)
{
	if (cl == NULL)
		return;
	crls_free(cl->crls);
	pthread_mutex_destroy(&cl->lock);
	free(cl->path);
	free(cl->ca_path);
	free(cl);
}

/* Read the file again if it changed since (under cl->lock). */
static void
crl_refresh(struct center_crl *cl)
{
	STACK_OF(X509_CRL) *crls;
	struct stat st;
	size_t n;

	if (stat(cl->path, &st) == 0 && st.st_dev == cl->dev && st.st_ino == cl->ino &&
	    st.st_size == cl->size && st.st_mtim.tv_sec == cl->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == cl->mtime.tv_nsec)
		return;
	if (crl_read(cl->path, cl->ca_path, &crls, &n, &st) != 0) {
		/* Keep the list in force; say so once per change of the file. */
		fprintf(stderr, "nhicard-center: %s; the list read before stays in force\n",
		    err_detail());
		err_clear();
		if (stat(cl->path, &st) == 0)
			crl_mark(cl, &st);
		return;
	}
	crls_free(cl->crls);
	cl->crls = crls;
	cl->revoked = n;
	crl_mark(cl, &st);
	fprintf(stderr, "nhicard-center: stations' CRL %s read again: %zu revoked"
	    " certificate(s)\n", cl->path, n);
}

static void
time_text(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "?");
}

/* NHI_EREFUSED if the certificate is on a CRL of its issuer. */
static int
crl_check(struct center_crl *cl, X509 *x, const char *what)
{
	X509_REVOKED *rev = NULL;
	char when[32], cn[256] = "?", *serial = NULL;
	BIGNUM *bn;
	int i, r = 0;

	if (cl == NULL || x == NULL)
		return 0;
	pthread_mutex_lock(&cl->lock);
	crl_refresh(cl);
	for (i = 0; i < sk_X509_CRL_num(cl->crls) && rev == NULL; i++) {
		X509_CRL *c = sk_X509_CRL_value(cl->crls, i);

		if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_issuer_name(x)) == 0 &&
		    X509_CRL_get0_by_serial(c, &rev, X509_get0_serialNumber(x)) != 1)
			rev = NULL;
	}
	if (rev != NULL) {
		time_text(X509_REVOKED_get0_revocationDate(rev), when, sizeof(when));
		(void)X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
		    cn, sizeof(cn));
		if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL) {
			serial = BN_bn2hex(bn);
			BN_free(bn);
		}
		r = err_set(NHI_EREFUSED, "revoked_certificate: the %s '%s' (serial %s)"
		    " was revoked on %s (stations' CRL %s)", what, cn,
		    serial != NULL ? serial : "?", when, cl->path);
		OPENSSL_free(serial);
	}
	pthread_mutex_unlock(&cl->lock);
	ERR_clear_error();
	return r;
}

int
center_crl_check_x509(struct center_crl *cl, void *x509, const char *what)
{
	return crl_check(cl, (X509 *)x509, what);
}

int
center_crl_check_der(struct center_crl *cl, const uint8_t *der, size_t len,
    const char *what)
{
	const unsigned char *p = der;
	X509 *x;
	int r;

	if (cl == NULL)
		return 0;
	if (len > INT32_MAX || (x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return err_set(NHI_EREFUSED, "the %s cannot be read", what);
	}
	r = crl_check(cl, x, what);
	X509_free(x);
	return r;
}
