/*
 * queue-push.c: the queue's online transport (queue-push.h): batches
 * POSTed to the center's intake over HTTPS with mutual TLS. The only file
 * that calls libcurl. The center's certificate must chain to
 * queue.center_ca and name the host of queue.center_url; the station
 * presents queue.client_cert / queue.client_key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "audit.h"
#include "crypto-agent.h"
#include "crypto.h"
#include "crypto-cms.h"
#include "error.h"
#include "events.h"
#include "nhiconf.h"
#include "queue-push.h"
#include "queue.h"
#include "store.h"
#include "util.h"

#define PUSH_MAX_ANSWER	(16u * 1024 * 1024)

static char *
conf_str(const struct config *cfg, const char *key, int *missing)
{
	const char *v = config_get(cfg, key, NULL);

	if (v == NULL || *v == '\0') {
		if (*missing == 0)
			err_set(NHI_ECONFIG, "queue send: %s is not set in the configuration",
			    key);
		*missing = 1;
		return NULL;
	}
	return xstrdup(v);
}

int
queue_push_conf_load(const struct config *cfg, struct queue_push_conf *out)
{
	struct queue_push_conf pc = { 0 };
	enum crypto_mode mode;
	int missing = 0, r;

	pc.url = conf_str(cfg, "queue.center_url", &missing);
	pc.client_cert = conf_str(cfg, "queue.client_cert", &missing);
	pc.client_key = conf_str(cfg, "queue.client_key", &missing);
	pc.center_ca = conf_str(cfg, "queue.center_ca", &missing);
	if (missing) {
		r = NHI_ECONFIG;
		goto out;
	}
	if ((r = crypto_station_mode(cfg, &mode)) != 0)
		goto out;
	if (mode == CRYPTO_MODE_PRODUCTION &&
	    (r = crypto_key_file_private(pc.client_key, "queue.client_key")) != 0)
		goto out;
	/* An encrypted TLS key is opened through the key agent and handed to
	 * libcurl in memory: never OpenSSL's terminal prompt. */
	{
		char *text = NULL;
		size_t len = 0;

		if ((r = fs_read_file(pc.client_key, 1 << 20, &text, &len)) != 0) {
			err_wrap(r, "queue.client_key: ");
			goto out;
		}
		if (crypto_pem_is_encrypted(text, len)) {
			if ((r = crypto_pem_open(pc.client_key, "queue.client_key", &text,
			    &len)) != 0) {
				util_free_secret(text, len);
				goto out;
			}
			pc.client_key_pem = text;
			pc.client_key_len = len;
		} else
			util_free_secret(text, len);
	}
	if (strncmp(pc.url, "https://", 8) != 0) {
		r = err_set(NHI_ECONFIG, "queue.center_url %s: must start with https://",
		    pc.url);
		goto out;
	}
	if ((r = config_get_int(cfg, "queue.push_timeout", 30, 1, 3600,
	    &pc.timeout_s)) != 0 ||
	    (r = config_get_int(cfg, "queue.push_batch", 1000, 1, 1000000,
	    &pc.per_batch)) != 0)
		goto out;
	*out = pc;
	memset(&pc, 0, sizeof(pc));
	r = 0;
out:
	queue_push_conf_free(&pc);
	return r;
}

void
queue_push_conf_free(struct queue_push_conf *pc)
{
	free(pc->url);
	free(pc->client_cert);
	free(pc->client_key);
	free(pc->center_ca);
	if (pc->client_key_pem != NULL)
		util_free_secret(pc->client_key_pem, pc->client_key_len);
	memset(pc, 0, sizeof(*pc));
}

struct answer {
	uint8_t	*p;
	size_t	 len;
	int	 too_big;
};

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;

	if (a->len + n > PUSH_MAX_ANSWER) {
		a->too_big = 1;
		return 0;
	}
	a->p = xrealloc(a->p, a->len + n + 1);
	memcpy(a->p + a->len, data, n);
	a->len += n;
	a->p[a->len] = 0;
	return n;
}

/* libcurl, loaded on first use (dl.c): not linked into nhicard. */
static const char *const curl_names[] = {
	"curl_global_init",
	"curl_global_cleanup",
	"curl_easy_init",
	"curl_easy_setopt",
	"curl_easy_getinfo",
	"curl_easy_perform",
	"curl_easy_cleanup",
	"curl_easy_strerror",
	"curl_slist_append",
	"curl_slist_free_all",
};
static union {
	void	*p[10];
	struct {
		CURLcode (*global_init)(long);
		void (*global_cleanup)(void);
		CURL *(*easy_init)(void);
		CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
		CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
		CURLcode (*easy_perform)(CURL *);
		void (*easy_cleanup)(CURL *);
		const char *(*easy_strerror)(CURLcode);
		struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
		void (*slist_free_all)(struct curl_slist *);
	} f;
} C;
static int curl_loaded;

static int
curl_load(void)
{
	int r;

	if (curl_loaded)
		return 0;
	if ((r = util_dl_load("libcurl.so.4", "libcurl", curl_names, C.p,
	    NHI_ARRAY_LEN(curl_names))) != 0)
		return r;
	curl_loaded = 1;
	return 0;
}

/* Translate a libcurl failure into our codes, naming the problem. */
static int
curl_fail(const struct queue_push_conf *pc, CURLcode c, const char *msg)
{
	const char *m = msg[0] != '\0' ? msg : C.f.easy_strerror(c);

	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return err_set(NHI_EREFUSED, "center %s: its TLS certificate is not the "
		    "center's: it does not verify against queue.center_ca %s (%s)",
		    pc->url, pc->center_ca, m);
	case CURLE_SSL_CERTPROBLEM:
		return err_set(NHI_EKEY, "queue.client_cert %s: cannot be used (%s)",
		    pc->client_cert, m);
	case CURLE_SSL_CACERT_BADFILE:
		return err_set(NHI_EKEY, "queue.center_ca %s: cannot be read (%s)",
		    pc->center_ca, m);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return err_set(NHI_ENETWORK, "center %s: cannot connect (%s)", pc->url, m);
	case CURLE_OPERATION_TIMEDOUT:
		return err_set(NHI_ENETWORK, "center %s: timed out after %ld s (%s)",
		    pc->url, pc->timeout_s, m);
	case CURLE_SSL_CONNECT_ERROR:
		return err_set(NHI_ENETWORK, "center %s: TLS handshake failed (%s)",
		    pc->url, m);
	default:
		return err_set(NHI_ENETWORK, "center %s: connection lost (%s)", pc->url, m);
	}
}

int
queue_push_post(const struct queue_push_conf *pc, const uint8_t *batch, size_t len,
    uint8_t **ack, size_t *acklen)
{
	struct answer a = { 0 };
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", *url = NULL;
	long status = 0;
	CURL *h = NULL;
	CURLcode c;
	int r;

	if ((h = C.f.easy_init()) == NULL) {
		r = err_set(NHI_EINTERNAL, "curl_easy_init failed");
		goto out;
	}
	url = xasprintf("%s%sbatch", pc->url,
	    pc->url[strlen(pc->url) - 1] == '/' ? "" : "/");
	hdr = C.f.slist_append(hdr, "Content-Type: application/pkcs7-mime");
	hdr = C.f.slist_append(hdr, "Expect:");
	C.f.easy_setopt(h, CURLOPT_URL, url);
	C.f.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	C.f.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	C.f.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	C.f.easy_setopt(h, CURLOPT_POST, 1L);
	C.f.easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)batch);
	C.f.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	C.f.easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	C.f.easy_setopt(h, CURLOPT_SSLCERT, pc->client_cert);
	C.f.easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	if (pc->client_key_pem != NULL) {
		struct curl_blob kb = { pc->client_key_pem, pc->client_key_len,
		    CURL_BLOB_COPY };

		C.f.easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
	} else
		C.f.easy_setopt(h, CURLOPT_SSLKEY, pc->client_key);
	C.f.easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	C.f.easy_setopt(h, CURLOPT_CAINFO, pc->center_ca);
	C.f.easy_setopt(h, CURLOPT_CAPATH, NULL);
	C.f.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	C.f.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	C.f.easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	C.f.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, pc->timeout_s);
	C.f.easy_setopt(h, CURLOPT_TIMEOUT, pc->timeout_s);
	/* Never an http_proxy from the environment: the station talks to the
	 * center directly (LGWAN) and the TLS peer must be the center. */
	C.f.easy_setopt(h, CURLOPT_PROXY, "");
	C.f.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	C.f.easy_setopt(h, CURLOPT_WRITEDATA, &a);
	if ((c = C.f.easy_perform(h)) != CURLE_OK) {
		if (a.too_big)
			r = err_set(NHI_EPARSE, "center %s: answer larger than %u bytes",
			    pc->url, PUSH_MAX_ANSWER);
		else
			r = curl_fail(pc, c, errbuf);
		goto out;
	}
	C.f.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		/* The center's text answer names the problem; keep one line. */
		char *why = a.p != NULL ? xstrndup((char *)a.p, strcspn((char *)a.p, "\r\n"))
		    : xstrdup("");

		if (status == 403)
			r = err_set(NHI_EREFUSED, "center %s refused the station: %s",
			    pc->url, why);
		else if (status == 400)
			r = err_set(NHI_EPARSE, "center %s refused the batch as malformed: %s",
			    pc->url, why);
		else
			r = err_set(NHI_ENETWORK, "center %s answered HTTP %ld: %s", pc->url,
			    status, why);
		free(why);
		goto out;
	}
	*ack = a.p != NULL ? a.p : xcalloc(1, 1);
	*acklen = a.len;
	a.p = NULL;
	r = 0;
out:
	free(a.p);
	free(url);
	C.f.slist_free_all(hdr);
	if (h != NULL)
		C.f.easy_cleanup(h);
	return r;
}

/* One batch: build and mark sent (one transaction), post, apply the ack. */
static int
push_one(struct store *st, const struct queue_keys *keys,
    const struct queue_push_conf *pc, const struct flow_events *ev,
    struct queue_push_result *res, int *done)
{
	struct queue_batch *b = NULL;
	struct queue_ack_result ar;
	uint8_t *ack = NULL;
	char *detail = NULL;
	size_t n = 0, acklen = 0;
	int r;

	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = queue_batches_build(st, keys, (size_t)pc->per_batch, 1, &b, &n)) != 0)
		goto out;
	if (n == 0) {
		*done = 1;
		r = store_commit(st);
		goto out;
	}
	flow_step(ev, "queue.build");
	detail = xasprintf("batch %lld: %zu records (%zu revocations)",
	    (long long)b[0].number, b[0].records, b[0].revocations);
	/* Marked sent and audited in one transaction. */
	if ((r = queue_batches_sent(st, b, n)) != 0 ||
	    (r = audit_append(st, store_actor(st), "queue.send", NULL, AUDIT_OK,
	    detail)) != 0 || (r = store_commit(st)) != 0)
		goto out;
	queue_test_crash("push.after_mark_sent");
	/* No cancel here: the batch is marked sent and goes out now. */
	flow_step(ev, "queue.post");
	if ((r = queue_push_post(pc, b[0].der, b[0].der_len, &ack, &acklen)) != 0) {
		err_wrap(r, "batch %s (%zu records) not delivered, they stay queued: ",
		    b[0].name, b[0].records);
		store_rollback(st);
		audit_refusal(st, store_actor(st), "queue.send", NULL, r, "not delivered");
		goto out;
	}
	queue_test_crash("push.after_post");
	flow_step(ev, "queue.ack");
	memset(&ar, 0, sizeof(ar));
	if ((r = queue_ack_apply(st, keys, ack, acklen, pc->url, &ar)) != 0) {
		err_wrap(r, "batch %s delivered, its acknowledgement not applied (the "
		    "records are sent again next time): ", b[0].name);
		goto out;
	}
	res->batches++;
	res->records += b[0].records;
	res->acked += ar.acked;
	res->rejected += ar.rejected;
	res->through = ar.through;
	flow_note(ev, "%s: %zu records, %zu acknowledged, %zu rejected",
	    b[0].name, b[0].records, ar.acked, ar.rejected);
	if (ar.restore_settled) {
		res->restore_settled = 1;
		res->restore_skipped = ar.restore_skipped;
	}
	if (ar.acked + ar.rejected == 0 && b[0].records > 0) {
		/* Pushing again would send the same records forever. */
		r = err_set(NHI_ESTATE, "batch %s: the center's acknowledgement (through "
		    "%lld) covers none of its %zu records; see 'nhicard queue status'",
		    b[0].name, (long long)ar.through, b[0].records);
		goto out;
	}
	r = 0;
out:
	store_rollback(st);
	free(ack);
	free(detail);
	if (b != NULL)
		queue_batches_free(b, n);
	return r;
}

int
queue_push_send(struct store *st, const struct config *cfg,
    const struct flow_events *ev, struct queue_push_result *res)
{
	struct queue_push_conf pc = { 0 };
	struct queue_push_result dummy;
	struct queue_keys *keys = NULL;
	int r, done = 0;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if ((r = queue_push_conf_load(cfg, &pc)) != 0 ||
	    (r = queue_keys_load(cfg, &keys)) != 0) {
		audit_refusal(st, store_actor(st), "queue.send", NULL, r, NULL);
		goto out;
	}
	if ((r = curl_load()) != 0)
		goto out;
	if (C.f.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = err_set(NHI_EINTERNAL, "curl_global_init failed");
		goto out;
	}
	for (;;) {
		if ((r = push_one(st, keys, &pc, ev, res, &done)) != 0 || done)
			break;
		/* Between batches: the last one is acknowledged, the next
		 * one not built yet; stopping leaves it open. */
		if (flow_cancelled(ev)) {
			r = err_set(NHI_ECANCELLED, "queue send cancelled after %zu "
			    "batches (%zu records); the rest stays queued", res->batches,
			    res->records);
			break;
		}
	}
	C.f.global_cleanup();
out:
	queue_keys_free(keys);
	queue_push_conf_free(&pc);
	return r;
}
