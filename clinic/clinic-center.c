/*
 * clinic-center.c: the terminal's link to the center (docs/clinic-api.md):
 * HTTPS with the clinic's certificate (libcurl; one handle kept, so the
 * connection and its TLS session are reused), every 200 answer a CMS
 * SignedData verified against the center's signing certificate
 * (crypto-cms.h) before anything in it is believed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "clinic.h"
#include "crypto-cms.h"
#include "error.h"
#include "util.h"

#define MAX_ANSWER	(16u * 1024 * 1024)

struct clinic_net {
	const struct clinic_opts *o;
	struct crypto_cms_keys	*keys;
	CURL			*h;
};

/* The clinic code: the last word of the certificate's common name. */
static int
cert_code(const char *path, char code[11])
{
	FILE *fp = fopen(path, "r");
	X509 *x = NULL;
	char cn[256] = "", *sp;
	int n;

	if (fp == NULL)
		return err_set(NHI_ENOFILE, "--cert %s: cannot read", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL)
		return err_set(NHI_EKEY, "--cert %s: not a PEM certificate", path);
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof(cn));
	X509_free(x);
	sp = n > 0 ? strrchr(cn, ' ') : NULL;
	sp = sp != NULL ? sp + 1 : cn;
	if (strlen(sp) != 10 || strspn(sp, "0123456789") != 10)
		return err_set(NHI_EKEY, "--cert %s: its common name '%s' does not end in"
		    " a 10-digit 医療機関コード", path, cn);
	memcpy(code, sp, 11);
	return 0;
}

int
clinic_net_open(const struct clinic_opts *o, struct clinic_net **out)
{
	struct clinic_net *n = xcalloc(1, sizeof(*n));
	char fp[65];
	int r;

	n->o = o;
	if ((r = cert_code(o->cert, ((struct clinic_opts *)o)->clinic_code)) != 0 ||
	    (r = crypto_cert_fingerprint(o->center_cert, fp)) != 0 ||
	    (r = crypto_cms_keys_load(o->key, o->cert, o->center_cert, fp, &n->keys)) != 0)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (n->h = curl_easy_init()) == NULL) {
		r = err_set(NHI_EINTERNAL, "libcurl cannot start");
		goto fail;
	}
	*out = n;
	return 0;
fail:
	clinic_net_close(n);
	return r;
}

void
clinic_net_close(struct clinic_net *n)
{
	if (n == NULL)
		return;
	if (n->h != NULL)
		curl_easy_cleanup(n->h);
	crypto_cms_keys_free(n->keys);
	free(n);
}

struct buf {
	uint8_t	*p;
	size_t	 len;
	int	 too_big;
};

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t k = size * nmemb;

	if (b->len + k > MAX_ANSWER) {
		b->too_big = 1;
		return 0;
	}
	b->p = xrealloc(b->p, b->len + k + 1);
	memcpy(b->p + b->len, data, k);
	b->len += k;
	b->p[b->len] = 0;
	return k;
}

int
clinic_net_call(struct clinic_net *n, const char *path, const char *body,
    long *status, char **content, uint8_t **der, size_t *derlen)
{
	const struct clinic_opts *o = n->o;
	struct buf b = { 0 };
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", *url;
	uint8_t *c = NULL;
	size_t clen;
	CURLcode cc;
	int r;

	url = xasprintf("%s%s", o->center_url, path);
	curl_easy_reset(n->h);
	curl_easy_setopt(n->h, CURLOPT_URL, url);
	curl_easy_setopt(n->h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(n->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(n->h, CURLOPT_ERRORBUFFER, errbuf);
	if (body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(n->h, CURLOPT_POST, 1L);
		curl_easy_setopt(n->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(n->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		curl_easy_setopt(n->h, CURLOPT_HTTPHEADER, hdr);
	}
	curl_easy_setopt(n->h, CURLOPT_SSLCERT, o->cert);
	curl_easy_setopt(n->h, CURLOPT_SSLKEY, o->key);
	curl_easy_setopt(n->h, CURLOPT_CAINFO, o->ca);
	curl_easy_setopt(n->h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(n->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(n->h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(n->h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(n->h, CURLOPT_CONNECTTIMEOUT, o->timeout_s);
	curl_easy_setopt(n->h, CURLOPT_TIMEOUT, o->timeout_s);
	curl_easy_setopt(n->h, CURLOPT_PROXY, "");
	curl_easy_setopt(n->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(n->h, CURLOPT_WRITEDATA, &b);
	if ((cc = curl_easy_perform(n->h)) != CURLE_OK) {
		const char *m = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc);

		if (cc == CURLE_OPERATION_TIMEDOUT)
			r = err_set(NHI_ENETWORK, "the center %s did not answer within %ld s",
			    o->center_url, o->timeout_s);
		else if (cc == CURLE_PEER_FAILED_VERIFICATION)
			r = err_set(NHI_ENETWORK, "the center %s showed a TLS certificate"
			    " that does not verify against --ca %s (%s)", o->center_url,
			    o->ca, m);
		else
			r = err_set(NHI_ENETWORK, "the center %s cannot be reached (%s)",
			    o->center_url, m);
		goto out;
	}
	curl_easy_getinfo(n->h, CURLINFO_RESPONSE_CODE, status);
	if (*status != 200) {
		*content = b.p != NULL ? (char *)b.p : xstrdup("");
		b.p = NULL;
		r = 0;
		goto out;
	}
	if ((r = crypto_cms_verify_center(n->keys, b.p, b.len, "the center's answer",
	    &c, &clen)) != 0)
		goto out;
	*content = (char *)c;
	if (der != NULL) {
		*der = b.p;
		*derlen = b.len;
		b.p = NULL;
	}
	r = 0;
out:
	curl_slist_free_all(hdr);
	free(url);
	free(b.p);
	return r;
}
