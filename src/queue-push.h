/*
 * queue-push.h: the queue's online transport: push open records to the
 * center's intake over HTTPS with mutual TLS (libcurl; src/queue-push.c is
 * the only file that calls it) and apply the acknowledgement each answer
 * carries. Batches and acknowledgements are the same as on media
 * (queue_batches_build / queue_ack_apply, docs/queue-format.md).
 */
#ifndef NHI_QUEUE_PUSH_H
#define NHI_QUEUE_PUSH_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct flow_events;
struct store;

/* Where and how to push: the [queue] configuration keys. */
struct queue_push_conf {
	char	*url;		/* queue.center_url, https://HOST:PORT (no path) */
	char	*client_cert;	/* queue.client_cert: the station's TLS certificate (PEM) */
	char	*client_key;	/* queue.client_key: its key (PEM) */
	char	*center_ca;	/* queue.center_ca: CA the center's TLS certificate chains to */
	long	 timeout_s;	/* queue.push_timeout: whole request, seconds (default 30) */
	long	 per_batch;	/* queue.push_batch: records per batch (default 1000) */
	char	*client_key_pem; /* the key opened in memory when the file is
				   encrypted (key agent), else NULL */
	size_t	 client_key_len;
};

/*
 * Read the push configuration. Returns 0, or NHI_ECONFIG naming the first
 * missing or bad key. Free with queue_push_conf_free.
 */
int	queue_push_conf_load(const struct config *cfg, struct queue_push_conf *out);
void	queue_push_conf_free(struct queue_push_conf *pc);

/*
 * POST one batch file to URL/batch and return the answer body (the
 * center's acknowledgement; *ack, caller frees). Returns 0,
 * NHI_ENETWORK (refused, reset, timed out, 5xx: nothing is known to have
 * arrived), NHI_EREFUSED (the center's TLS certificate does not verify
 * against queue.center_ca, or the center refused the station: 403),
 * NHI_EPARSE (the center said the batch is malformed: 400), NHI_ENOFILE /
 * NHI_EKEY (the station's certificate or key cannot be used).
 */
int	queue_push_post(const struct queue_push_conf *pc, const uint8_t *batch,
	    size_t len, uint8_t **ack, size_t *acklen);

struct queue_push_result {
	size_t	 batches;	/* batches delivered and acknowledged */
	size_t	 records;	/* records in them */
	size_t	 acked;		/* records newly acknowledged */
	size_t	 rejected;	/* records newly rejected (work items) */
	int64_t	 through;	/* the center's highest contiguous after the last ack */
	int	 restore_settled; /* a restored store learnt what the center holds */
	int64_t	 restore_skipped; /* numbers the center held beyond the store */
};

/*
 * `nhicard queue send`: push every open record, revocation lane first, in
 * batches of queue.push_batch: for each batch, build it and mark it sent
 * in one transaction (no lock is held on the network), POST it, and apply
 * the acknowledgement (queue_ack_apply, its own transaction). A failure
 * stops the run; what was acknowledged stays acknowledged, the rest stays
 * open and is sent again next time (the center keeps one copy).
 * ev (may be NULL; events.h) hears, per batch, the steps "queue.build"
 * (built and marked sent), "queue.post", "queue.ack" and one note saying
 * what the acknowledgement did; ev->cancel is asked only between batches
 * (after one batch's acknowledgement is applied, before the next is
 * built), never between marking a batch sent and posting it: a nonzero
 * answer stops the run with NHI_ECANCELLED, the batches done stay done
 * and the rest stays open.
 * *res (may be NULL) says what was done, also on error and cancel.
 * Returns 0, NHI_ECANCELLED or the errors of queue_push_post,
 * queue_batches_build, queue_ack_apply.
 * Test hooks ($NHICARD_TEST_CRASH_AT): push.after_mark_sent (batch marked
 * sent, nothing posted), push.after_post (the center answered, the
 * acknowledgement not applied).
 */
int	queue_push_send(struct store *st, const struct config *cfg,
	    const struct flow_events *ev, struct queue_push_result *res);

#endif
