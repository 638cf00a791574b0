/*
 * clinic-load: the load side of `make bench BENCH=clinic` (bench/clinic.sh).
 *
 *   clinic-load keys K             print K card key pairs' public points,
 *                                  "INDEX HEX" a line (derived from the
 *                                  index: the store's cards use key i % K)
 *   clinic-load run URL CERT KEY CA THREADS SECONDS CARDS K
 *                                  THREADS clients, each with one libcurl
 *                                  handle (keep-alive, TLS session reused),
 *                                  send eligibility queries for random
 *                                  cards of 0..CARDS-1 (user number: the
 *                                  index as 32 hex digits), each with its
 *                                  own challenge answered with the card's
 *                                  key (all made before the clock starts:
 *                                  4000 a second at most), for SECONDS;
 *                                  prints
 *                                  "queries N", "errors E", "per_s X",
 *                                  "p50_ms", "p99_ms"
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "crypto.h"
#include "util.h"

struct keypair {
	uint8_t	priv[CRYPTO_EC_PRIV_LEN];
	uint8_t	pub[CRYPTO_EC_PUB_LEN];
};

static struct keypair *keys;
static long nkeys, ncards, seconds;
static const char *url, *cert, *key, *ca;
/* The queries, made (and the cards' answers signed) before the clock
 * starts, so the clients spend their time on the center. */
static char (*bodies)[512];
static long nbodies, next_body;
static pthread_mutex_t body_lock = PTHREAD_MUTEX_INITIALIZER;

struct worker {
	pthread_t	 t;
	unsigned	 seed;
	long		 n, errors;
	double		*lat;
	size_t		 cap;
};

static int
derive(long i, struct keypair *kp)
{
	char seed[32];

	snprintf(seed, sizeof(seed), "bench-card-%ld", i);
	return crypto_card_key_derive(seed, strlen(seed), kp->priv, kp->pub);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
sink(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char full[256];
	double end = mono() + (double)seconds, t0, t1;
	long status, b;

	snprintf(full, sizeof(full), "%s/v1/eligibility", url);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(h, CURLOPT_SSLKEY, key);
	curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	while ((t0 = mono()) < end) {
		pthread_mutex_lock(&body_lock);
		b = next_body < nbodies ? next_body++ : -1;
		pthread_mutex_unlock(&body_lock);
		if (b < 0) {
			fprintf(stderr, "clinic-load: ran out of prepared queries\n");
			break;
		}
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, bodies[b]);
		status = 0;
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
		    status != 200) {
			if (w->errors++ < 3)
				fprintf(stderr, "clinic-load: query %ld: status %ld\n", b, status);
			continue;
		}
		t1 = mono();
		if (w->n == (long)w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->lat = xreallocarray(w->lat, w->cap, sizeof(double));
		}
		w->lat[w->n++] = (t1 - t0) * 1000.0;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct worker *w;
	long nthreads, i, total = 0, errors = 0;
	double *all, t0, t1;
	size_t k = 0;
	char hex[131];

	if (argc == 3 && strcmp(argv[1], "keys") == 0) {
		struct keypair kp;

		nkeys = atol(argv[2]);
		for (i = 0; i < nkeys; i++) {
			if (derive(i, &kp) != 0)
				return 1;
			hex_encode(kp.pub, sizeof(kp.pub), hex);
			printf("%ld %s\n", i, hex);
		}
		return 0;
	}
	if (argc != 10 || strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "usage: clinic-load keys K | run URL CERT KEY CA THREADS"
		    " SECONDS CARDS K\n");
		return 2;
	}
	url = argv[2], cert = argv[3], key = argv[4], ca = argv[5];
	nthreads = atol(argv[6]), seconds = atol(argv[7]), ncards = atol(argv[8]);
	nkeys = atol(argv[9]);
	keys = xcalloc((size_t)nkeys, sizeof(*keys));
	for (i = 0; i < nkeys; i++)
		if (derive(i, &keys[i]) != 0)
			return 1;
	/* At most 4000 queries a second are prepared for. */
	nbodies = 4000 * seconds;
	bodies = xcalloc((size_t)nbodies, sizeof(*bodies));
	srand(7);
	for (i = 0; i < nbodies; i++) {
		char un[33], chex[65], ahex[129];
		uint8_t chal[32], msg[48], sig[64], unb[16];
		long card = (long)((((unsigned long)rand() << 16) ^ (unsigned long)rand()) %
		    (unsigned long)ncards);
		time_t now = time(NULL);
		int j;

		snprintf(un, sizeof(un), "%032lx", card);
		hex_decode(un, unb, sizeof(unb));
		for (j = 0; j < 8; j++)
			chal[j] = (uint8_t)((uint64_t)now >> (56 - 8 * j));
		if (crypto_random(chal + 8, 24) != 0)
			return 1;
		memcpy(msg, chal, 32);
		memcpy(msg + 32, unb, 16);
		if (crypto_card_key_sign(keys[card % nkeys].priv, keys[card % nkeys].pub,
		    msg, sizeof(msg), sig) != 0)
			return 1;
		hex_encode(chal, 32, chex);
		hex_encode(sig, 64, ahex);
		snprintf(bodies[i], sizeof(bodies[i]), "{\"version\":1,\"user_number\":"
		    "\"%s\",\"insurer_number\":\"133116\",\"challenge\":\"%s\","
		    "\"answer\":\"%s\",\"visit_date\":\"2026-12-02\"}", un, chex, ahex);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	w = xcalloc((size_t)nthreads, sizeof(*w));
	t0 = mono();
	for (i = 0; i < nthreads; i++) {
		w[i].seed = (unsigned)(i * 7919 + 1);
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].t, NULL);
		total += w[i].n;
		errors += w[i].errors;
	}
	t1 = mono();
	all = xcalloc((size_t)total + 1, sizeof(double));
	for (i = 0; i < nthreads; i++) {
		memcpy(all + k, w[i].lat, (size_t)w[i].n * sizeof(double));
		k += (size_t)w[i].n;
	}
	qsort(all, k, sizeof(double), cmp);
	printf("queries %ld\nerrors %ld\nper_s %.0f\np50_ms %.2f\np99_ms %.2f\n", total,
	    errors, (double)total / (t1 - t0), k ? all[k / 2] : 0.0,
	    k ? all[(size_t)((double)k * 0.99)] : 0.0);
	for (i = 0; i < nthreads; i++)
		free(w[i].lat);
	free(w);
	free(all);
	free(bodies);
	curl_global_cleanup();
	return errors > 0 && total == 0;
}
