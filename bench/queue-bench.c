/*
 * queue-bench.c: the center queue's export cost.
 *
 *   queue-bench CONF DIR COUNT
 *
 * CONF is the group's configuration (bench/queue.sh writes it: test mode
 * and the queue's test keys, queue.station_key, station_cert, center_cert
 * and center_fingerprint). Fills a new store in DIR with COUNT eligibility_changed records (payloads
 * of the real size), then times reading them from the store into signed
 * and encrypted batches (queue_batches_build, 10,000 records per batch)
 * and recording the delivery (queue_batches_sent), as `queue export` does
 * minus the file writes. Writes the same plaintext, all batches' records,
 * to DIR/payload for the openssl comparison (bench/queue.sh). Prints
 * "export_s N", "batches N", "bytes N".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "nhiconf.h"
#include "queue.h"
#include "store.h"
#include "util.h"

static int
dump(void *arg, const struct queue_record *q)
{
	FILE *fp = arg;

	fprintf(fp, "{\"seq\":%lld,\"id\":\"%s\",\"attempt\":%d,\"lane\":\"%s\",\"kind\":\"%s\","
	    "\"created\":\"%s\",\"data\":", (long long)q->seq, q->record_id, q->attempt,
	    q->lane, q->kind, q->created_at);
	fwrite(q->payload, 1, q->payload_len, fp);
	fputs("}\n", fp);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store *st = NULL;
	struct config *cfg = config_new();
	struct queue_keys *keys = NULL;
	struct queue_batch *b = NULL;
	char *path, id[33], payload[512];
	size_t n = 0, i, bytes = 0;
	long count;
	int64_t seq;
	uint64_t t0, t1;
	FILE *out;
	int r;

	if (argc != 4 || (count = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: queue-bench CONF DIR COUNT\n");
		return 2;
	}
	path = xasprintf("%s/bench.db", argv[2]);
	if ((r = config_load(cfg, argv[1])) != 0 || (r = queue_keys_load(cfg, &keys)) != 0 ||
	    (r = store_open(path, STORE_CREATE, &st)) != 0 || (r = store_begin(st)) != 0)
		goto fail;
	free(path);
	for (i = 0; i < (size_t)count; i++) {
		snprintf(id, sizeof(id), "%032zx", i * 2654435761u);
		snprintf(payload, sizeof(payload), "{\"period\":%zu,\"person\":%zu,"
		    "\"insurer_number\":\"01130012\",\"symbol\":\"札幌中\",\"number\":\"%06zu\","
		    "\"branch\":\"01\",\"cert_kind\":\"hihokensha\",\"acquired_on\":\"2026-04-01\","
		    "\"lost_on\":null,\"valid_until\":\"2027-07-31\",\"burden_pct\":30,"
		    "\"burden_from\":\"2026-08-01\",\"special_address\":0}", i + 1, i + 1, i);
		if ((r = store_queue_next_seq(st, &seq)) != 0 ||
		    (r = store_queue_insert(st, seq, id, "bulk", "eligibility_changed", payload,
		    strlen(payload))) != 0)
			goto fail;
	}
	if ((r = store_commit(st)) != 0)
		goto fail;
	t0 = time_mono_ns();
	if ((r = store_begin(st)) != 0 ||
	    (r = queue_batches_build(st, keys, 10000, 0, &b, &n)) != 0 ||
	    (r = queue_batches_sent(st, b, n)) != 0 || (r = store_commit(st)) != 0)
		goto fail;
	t1 = time_mono_ns();
	for (i = 0; i < n; i++)
		bytes += b[i].der_len;
	path = xasprintf("%s/payload", argv[2]);
	if ((out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "queue-bench: %s: cannot write\n", path);
		return 1;
	}
	free(path);
	(void)store_queue_walk(st, "all", dump, out);
	fclose(out);
	printf("export_s %.3f\nbatches %zu\nbytes %zu\n", (double)(t1 - t0) / 1e9, n, bytes);
	queue_batches_free(b, n);
	queue_keys_free(keys);
	store_close(st);
	config_free(cfg);
	return 0;
fail:
	fprintf(stderr, "queue-bench: %s\n", err_text(r));
	return 1;
}
