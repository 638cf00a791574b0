/* Unit tests of the center queue: records in the caller's transaction,
 * gapless numbers, lanes, payloads, batches (CMS round trip), the
 * acknowledgement parser and its application, retry and purge. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crypto-cms.h"
#include "error.h"
#include "nhiconf.h"
#include "queue.h"
#include "store.h"
#include "util.h"

struct fixture {
	char		 dir[64];
	struct store	*st;
	struct config	*cfg;
	struct queue_keys *keys;
	int64_t		 resident;
	char		 station[64];
	char		*k[6];		/* key paths */
};

static const char *
srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d != NULL ? d : ".";
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct resident r;
	char *path, *station = NULL, fp[65];
	static const char *names[] = { "test-station.key", "test-station.crt",
	    "test-center.crt", "test-center.key", "test-queue-ca.crt",
	    "test-center-wrong.key" };
	size_t i;

	snprintf(f->dir, sizeof(f->dir), "/tmp/nhicard-unit.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	for (i = 0; i < 6; i++)
		f->k[i] = xasprintf("%s/keys/%s", srcdir(), names[i]);
	path = xasprintf("%s/s.db", f->dir);
	if (store_open(path, STORE_CREATE, &f->st) != 0)
		return -1;
	free(path);
	if (store_meta_get(f->st, "station_id", &station) != 0)
		return -1;
	snprintf(f->station, sizeof(f->station), "%s", station);
	free(station);
	f->cfg = config_new();
	config_set(f->cfg, "station.mode", "test");
	config_set(f->cfg, "queue.station_key", f->k[0]);
	config_set(f->cfg, "queue.station_cert", f->k[1]);
	config_set(f->cfg, "queue.center_cert", f->k[2]);
	if (crypto_cert_fingerprint(f->k[2], fp) != 0 ||
	    (config_set(f->cfg, "queue.center_fingerprint", fp),
	    queue_keys_load(f->cfg, &f->keys)) != 0) {
		print_message("setup: %s\n", err_detail() != NULL ? err_detail() : "?");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.name_kanji = (char *)"試験 花子";
	r.name_kana = (char *)"シケン ハナコ";
	snprintf(r.birth_date, sizeof(r.birth_date), "1980-04-01");
	r.sex = 2;
	r.address = (char *)"東京都千代田区千代田1-1";
	r.household_code = (char *)"";
	r.nationality = (char *)"";
	r.residence_status = (char *)"";
	if (store_resident_add(f->st, &r) != 0)
		return -1;
	f->resident = r.id;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	size_t i;

	queue_keys_free(f->keys);
	config_free(f->cfg);
	store_close(f->st);
	(void)system(cmd);
	free(cmd);
	for (i = 0; i < 6; i++)
		free(f->k[i]);
	free(f);
	return 0;
}

/* An active card for the fixture's resident (queues card_issued). */
static int64_t
make_card(struct fixture *f, uint8_t tag)
{
	struct store_card c;
	uint8_t pub[65], rec[80];

	memset(&c, 0, sizeof(c));
	c.resident_id = f->resident;
	snprintf(c.kind, sizeof(c.kind), "standalone");
	snprintf(c.card_serial, sizeof(c.card_serial), "00112233445566778899");
	memset(c.user_number, tag, sizeof(c.user_number));
	c.key_generation = 1;
	assert_int_equal(store_card_insert(f->st, &c, "test"), 0);
	memset(pub, 0x04, sizeof(pub));
	memset(rec, 0x30, sizeof(rec));
	assert_int_equal(queue_card_activate(f->st, c.id, pub, sizeof(pub), rec, sizeof(rec),
	    "2026-11-25", "test"), 0);
	return c.id;
}

/* An eligibility period, added in its own transaction (queued). */
static int64_t
make_period(struct fixture *f, int64_t supersedes, const char *number)
{
	struct eligibility e;

	memset(&e, 0, sizeof(e));
	e.resident_id = f->resident;
	snprintf(e.insurer_number, sizeof(e.insurer_number), "133116");
	snprintf(e.symbol, sizeof(e.symbol), "千代");
	snprintf(e.number, sizeof(e.number), "%s", number);
	snprintf(e.branch, sizeof(e.branch), "01");
	snprintf(e.cert_kind, sizeof(e.cert_kind), "hihokensha");
	snprintf(e.acquired_on, sizeof(e.acquired_on), "2026-04-01");
	assert_int_equal(queue_eligibility_add(f->st, &e, supersedes), 0);
	return e.id;
}

struct collect {
	int64_t	 seq[64];
	char	 lane[64][12];
	char	 kind[64][24];
	char	*payload[64];
	size_t	 n;
};

static int
collect_fn(void *arg, const struct queue_record *q)
{
	struct collect *c = arg;

	if (c->n < 64) {
		c->seq[c->n] = q->seq;
		snprintf(c->lane[c->n], 12, "%s", q->lane);
		snprintf(c->kind[c->n], 24, "%s", q->kind);
		c->payload[c->n] = xstrndup(q->payload, q->payload_len);
		c->n++;
	}
	return 0;
}

static void
collect_free(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->payload[i]);
	c->n = 0;
}

static void
test_outside_transaction(void **state)
{
	struct fixture *f = *state;
	int64_t card = make_card(f, 1);

	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_LOST, NULL),
	    NHI_EINTERNAL);
	assert_int_equal(queue_eligibility_changed(f->st, 1, NULL), NHI_EINTERNAL);
}

static void
test_gapless_and_rollback(void **state)
{
	struct fixture *f = *state;
	struct queue_state qs;
	int64_t card = make_card(f, 2), seq = 0, missing = -1;

	/* card_issued was queued by the activation: seq 1. */
	assert_int_equal(store_queue_state(f->st, &qs), 0);
	assert_int_equal(qs.last_seq, 1);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_STOLEN, &seq), 0);
	assert_int_equal(seq, 2);
	store_rollback(f->st);	/* the event did not happen: neither did its record */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_LOST, &seq), 0);
	assert_int_equal(seq, 2);	/* no gap */
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_queue_gaps(f->st, &missing), 0);
	assert_int_equal(missing, 0);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, "misplaced", &seq), NHI_EUSAGE);
	assert_int_equal(queue_card_issued(f->st, 9999, &seq), NHI_ENOTFOUND);
	store_rollback(f->st);
}

static void
test_lanes_and_payloads(void **state)
{
	struct fixture *f = *state;
	struct collect c = { .n = 0 };
	int64_t card = make_card(f, 3), p1, seq;

	p1 = make_period(f, 0, "100");
	make_period(f, p1, "101");
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_DIED, &seq), 0);
	assert_int_equal(queue_card_reinstated(f->st, card, NULL), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_queue_walk_open(f->st, 0, collect_fn, &c), 0);
	assert_int_equal(c.n, 5);
	/* The revocation lane first, in seq order, then bulk in seq order. */
	assert_string_equal(c.kind[0], "card_revoked");
	assert_string_equal(c.lane[0], "revocation");
	assert_int_equal(c.seq[0], seq);
	assert_string_equal(c.kind[1], "card_reinstated");
	assert_string_equal(c.kind[2], "card_issued");
	assert_int_equal(c.seq[2], 1);
	assert_string_equal(c.kind[3], "eligibility_changed");
	assert_string_equal(c.kind[4], "eligibility_changed");
	assert_non_null(strstr(c.payload[0], "\"reason\":\"died\""));
	assert_non_null(strstr(c.payload[0], "\"user_number\":\"03030303030303030303030303030303\""));
	assert_non_null(strstr(c.payload[2], "\"public_key\":\"0404"));
	assert_non_null(strstr(c.payload[2], "\"card_kind\":\"standalone\""));
	assert_non_null(strstr(c.payload[4], "\"replaces\":"));
	assert_non_null(strstr(c.payload[4], "\"symbol\":\"千代\""));
	/* No name, birth date or address ever travels. */
	assert_null(strstr(c.payload[2], "花子"));
	assert_null(strstr(c.payload[2], "1980-04-01"));
	collect_free(&c);
	/* A limit still takes revocations first. */
	assert_int_equal(store_queue_walk_open(f->st, 1, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.lane[0], "revocation");
	collect_free(&c);
}

/* Issue 16 item 12: a card's issuance never travels after its revocation,
 * whatever the batch size: it rides in the same batch or an earlier one. */
static void
test_issuance_before_revocation(void **state)
{
	struct fixture *f = *state;
	struct queue_batch *b = NULL;
	struct queue_record q;
	uint8_t *content = NULL;
	size_t n = 0, clen = 0, i, per;
	char sfp[65];
	int64_t card = make_card(f, 6), rev = 0;
	long issued_at, revoked_at;

	make_period(f, 0, "300");
	make_period(f, 0, "301");
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_LOST, &rev), 0);
	for (per = 1; per <= 10; per += 9) {
		assert_int_equal(queue_batches_build(f->st, f->keys, per, 0, &b, &n), 0);
		issued_at = revoked_at = -1;
		for (i = 0; i < n; i++) {
			char *pi, *pr;

			assert_int_equal(crypto_cms_open(f->k[3], f->k[2], f->k[4], b[i].der,
			    b[i].der_len, "b", &content, &clen, sfp), 0);
			content = xrealloc(content, clen + 1);
			content[clen] = '\0';
			pi = strstr((char *)content, "\"kind\":\"card_issued\"");
			pr = strstr((char *)content, "\"kind\":\"card_revoked\"");
			if (pi != NULL && issued_at < 0)
				issued_at = (long)i;
			if (pr != NULL && revoked_at < 0)
				revoked_at = (long)i;
			if (pi != NULL && pr != NULL)
				assert_true(pi < pr);	/* within a batch too */
			free(content);
			content = NULL;
		}
		print_message("# per batch %zu: issuance in batch %ld, revocation in %ld\n",
		    per, issued_at, revoked_at);
		assert_true(issued_at >= 0 && revoked_at >= 0);
		assert_true(issued_at <= revoked_at);
		if (per == 1) {
			/* Marked sent with the batch that carried it. */
			assert_int_equal(queue_batches_sent(f->st, b, n), 0);
			assert_int_equal(store_queue_get(f->st, 1, &q), 0);
			assert_string_equal(q.kind, "card_issued");
			assert_int_equal(q.last_batch, b[issued_at].number);
		}
		queue_batches_free(b, n);
		b = NULL;
	}
	store_rollback(f->st);
}

static void
test_batch_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct queue_batch *b = NULL;
	uint8_t *content = NULL;
	size_t n = 0, clen = 0;
	char fp[65], sfp[65];
	int64_t card = make_card(f, 4);

	make_period(f, 0, "200");
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_LOST, NULL), 0);
	assert_int_equal(queue_batches_build(f->st, f->keys, 2, 0, &b, &n), 0);
	store_rollback(f->st);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].records, 2);
	assert_int_equal(b[0].revocations, 1);
	assert_int_equal(b[1].records, 1);
	assert_int_equal(crypto_cms_open(f->k[3], f->k[2], f->k[4], b[0].der, b[0].der_len,
	    "b0", &content, &clen, sfp), 0);
	assert_non_null(strstr((char *)content, "\"format\":\"nhicard-queue-batch\""));
	assert_non_null(strstr((char *)content, "\"records\":2,\"audit_seq\":"));
	/* The card's issuance (seq 1) rides first, before its revocation (seq 3). */
	assert_non_null(strstr((char *)content, "\"}\n{\"seq\":1,"));
	assert_non_null(strstr((char *)content, "}\n{\"seq\":3,"));
	assert_int_equal(crypto_cert_fingerprint(f->k[1], fp), 0);
	assert_string_equal(sfp, fp);
	free(content);
	/* Another key cannot open it. */
	assert_int_equal(crypto_cms_open(f->k[5], f->k[2], f->k[4], b[0].der, b[0].der_len,
	    "b0", &content, &clen, sfp), NHI_EKEY);
	queue_batches_free(b, n);
}

static void
test_wrong_center_fingerprint(void **state)
{
	struct fixture *f = *state;
	struct queue_keys *k = NULL;
	char *wrong = xasprintf("%s/keys/test-center-wrong.crt", srcdir());

	config_set(f->cfg, "queue.center_cert", wrong);
	assert_int_equal(queue_keys_load(f->cfg, &k), NHI_EKEY);
	assert_non_null(strstr(err_detail(), "fingerprint"));
	config_set(f->cfg, "queue.center_fingerprint", "12:34");
	assert_int_equal(queue_keys_load(f->cfg, &k), NHI_ECONFIG);
	assert_null(k);
	free(wrong);
}

static void
test_ack_parse(void **state)
{
	struct queue_ack a;
	static const char good[] = "nhicard-queue-ack 1\nstation ST01\nserial 3\n"
	    "created 2026-11-25T01:00:00Z\nthrough 10\nheld 12\nheld 15\n"
	    "reject 4 0123456789abcdef0123456789abcdef 2 bad_data the center says no\nend\n";
	static const char *const bad[] = {
		"nhicard-queue-ack 2\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 0\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 1\ncreated 2026-11-25T01:00:00Z\n"
		    "through 10\nheld 9\nend\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 1\ncreated 2026-11-25T01:00:00Z\n"
		    "through 10\nheld 12\nheld 12\nend\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 1\ncreated 2026-11-25T01:00:00Z\n"
		    "through 10\nreject 4 XYZ 1 c r\nend\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 1\ncreated 2026-11-25T01:00:00Z\n"
		    "through 10\nend\nmore\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 1\ncreated 2026-11-25T01:00:00Z\n"
		    "through 10\n",
		"nhicard-queue-ack 1\nstation ST01\nserial 1\ncreated 2026-11-25T01:00:00Z\n"
		    "through -1\nend\n",
		"nhicard-queue-ack 1\nstation ST 01\nserial 1\n",
	};
	size_t i;

	(void)state;
	assert_int_equal(queue_ack_parse(good, sizeof(good) - 1, "g.ack", &a), 0);
	assert_string_equal(a.station, "ST01");
	assert_int_equal(a.serial, 3);
	assert_int_equal(a.through, 10);
	assert_int_equal(a.nheld, 2);
	assert_int_equal(a.held[1], 15);
	assert_int_equal(a.nrejects, 1);
	assert_int_equal(a.rejects[0].attempt, 2);
	assert_string_equal(a.rejects[0].code, "bad_data");
	assert_string_equal(a.rejects[0].reason, "the center says no");
	queue_ack_free(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(queue_ack_parse(bad[i], strlen(bad[i]), "b.ack", &a),
		    NHI_EPARSE);
		assert_non_null(strstr(err_detail(), "b.ack"));
	}
	assert_int_equal(queue_ack_parse("nhicard-queue-ack 1\n\0", 21, "z.ack", &a),
	    NHI_EPARSE);
}

/* Deliver every open record (build + mark sent). */
static void
deliver(struct fixture *f)
{
	struct queue_batch *b = NULL;
	size_t n = 0;

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_batches_build(f->st, f->keys, 100, 0, &b, &n), 0);
	assert_int_equal(queue_batches_sent(f->st, b, n), 0);
	assert_int_equal(store_commit(f->st), 0);
	queue_batches_free(b, n);
}

/* Sign `text` as the center (or with the wrong key) and apply it. */
static int
ack(struct fixture *f, const char *text, int wrong, struct queue_ack_result *res)
{
	uint8_t *der = NULL;
	size_t len = 0;
	char *wrongcrt = xasprintf("%s/keys/test-center-wrong.crt", srcdir());
	int r;

	assert_int_equal(crypto_cms_sign_file_key(wrong ? f->k[5] : f->k[3],
	    wrong ? wrongcrt : f->k[2], text, strlen(text), &der, &len), 0);
	r = queue_ack_apply(f->st, f->keys, der, len, "t.ack", res);
	free(der);
	free(wrongcrt);
	return r;
}

static char *
ack_text(struct fixture *f, int serial, int through, const char *extra)
{
	return xasprintf("nhicard-queue-ack 1\nstation %s\nserial %d\n"
	    "created 2026-11-25T01:00:00Z\nthrough %d\n%send\n", f->station, serial, through,
	    extra);
}

static void
test_ack_apply(void **state)
{
	struct fixture *f = *state;
	struct queue_ack_result res;
	struct queue_record q;
	struct queue_state qs;
	char *t, *extra;
	int64_t card = make_card(f, 5), rev;

	make_period(f, 0, "300");				/* seq 2 */
	make_period(f, 0, "301");				/* seq 3 */
	t = ack_text(f, 1, 1, "");
	assert_int_equal(ack(f, t, 0, &res), NHI_ESTATE);	/* never sent */
	assert_non_null(strstr(err_detail(), "never sent"));
	free(t);
	deliver(f);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(queue_card_revoked(f->st, card, QUEUE_REASON_LOST, &rev), 0);
	assert_int_equal(store_commit(f->st), 0);
	deliver(f);
	/* Wrong signer, wrong station: refused, nothing changed. */
	t = ack_text(f, 1, 1, "");
	assert_int_equal(ack(f, t, 1, &res), NHI_EKEY);
	free(t);
	t = xasprintf("nhicard-queue-ack 1\nstation other\nserial 1\n"
	    "created 2026-11-25T01:00:00Z\nthrough 1\nend\n");
	assert_int_equal(ack(f, t, 0, &res), NHI_ECONFLICT);
	free(t);
	/* Through 1, revocation 4 held, record 2 rejected. */
	assert_int_equal(store_queue_get(f->st, 2, &q), 0);
	extra = xasprintf("held %lld\nreject 2 %s 1 unknown_person no such person\n",
	    (long long)rev, q.record_id);
	t = ack_text(f, 2, 1, extra);
	free(extra);
	assert_int_equal(ack(f, t, 0, &res), 0);
	assert_int_equal(res.acked, 2);
	assert_int_equal(res.rejected, 1);
	assert_int_equal(ack(f, t, 0, &res), NHI_EDUPLICATE);
	free(t);
	assert_int_equal(store_queue_get(f->st, rev, &q), 0);
	assert_true(q.acked_at[0] != '\0');
	assert_int_equal(store_queue_get(f->st, 2, &q), 0);
	assert_string_equal(q.reject_code, "unknown_person");
	/* Out of order: serial 1 after 2. */
	t = ack_text(f, 1, 1, "");
	assert_int_equal(ack(f, t, 0, &res), NHI_ESTATE);
	assert_non_null(strstr(err_detail(), "out of order"));
	free(t);
	/* Retry: attempt 2; a later ack repeating the attempt-1 rejection
	 * leaves it open, and does not acknowledge it either. */
	assert_int_equal(store_queue_retry(f->st, 2), 0);
	assert_int_equal(store_queue_retry(f->st, 2), NHI_ESTATE);
	deliver(f);
	assert_int_equal(store_queue_get(f->st, 2, &q), 0);
	assert_int_equal(q.attempt, 2);
	extra = xasprintf("reject 2 %s 1 unknown_person no such person\n", q.record_id);
	t = ack_text(f, 4, 3, extra);	/* serial 3 was dropped: fine */
	free(extra);
	assert_int_equal(ack(f, t, 0, &res), 0);
	free(t);
	assert_int_equal(store_queue_get(f->st, 2, &q), 0);
	assert_string_equal(q.acked_at, "");
	assert_string_equal(q.rejected_at, "");
	assert_int_equal(store_queue_get(f->st, 3, &q), 0);
	assert_true(q.acked_at[0] != '\0');
	/* Backwards. */
	t = ack_text(f, 5, 2, "");
	assert_int_equal(ack(f, t, 0, &res), NHI_ESTATE);
	assert_non_null(strstr(err_detail(), "backwards"));
	free(t);
	t = ack_text(f, 5, 4, "");
	assert_int_equal(ack(f, t, 0, &res), 0);
	free(t);
	assert_int_equal(store_queue_state(f->st, &qs), 0);
	assert_int_equal(qs.center_through, 4);
	assert_int_equal(qs.ack_serial, 5);
}

static void
test_purge(void **state)
{
	struct fixture *f = *state;
	struct queue_state qs;
	struct queue_record q;
	char *t, future[24];
	int64_t n = -1, missing = -1;

	make_period(f, 0, "400");
	make_period(f, 0, "401");
	make_period(f, 0, "402");
	deliver(f);
	t = ack_text(f, 1, 2, "");
	assert_int_equal(ack(f, t, 0, NULL), 0);
	free(t);
	/* Within the retention period: nothing goes. */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_queue_purge(f->st, "2000-01-01T00:00:00Z", &n), 0);
	assert_int_equal(n, 0);
	/* Past it: the acknowledged ones go, the open one stays. */
	queue_now_utc_offset(future, sizeof(future), 3600);
	assert_int_equal(store_queue_purge(f->st, future, &n), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_queue_get(f->st, 1, &q), NHI_ENOTFOUND);
	assert_int_equal(store_queue_get(f->st, 3, &q), 0);
	assert_int_equal(store_queue_state(f->st, &qs), 0);
	assert_int_equal(qs.purged_through, 2);
	assert_int_equal(store_queue_gaps(f->st, &missing), 0);
	assert_int_equal(missing, 0);
}

static void
test_writer(void **state)
{
	struct fixture *f = *state;
	struct store_queue_writer *w = NULL;
	struct queue_state qs;
	struct queue_record q;
	struct eligibility e;
	int64_t seq = 0, other;

	make_period(f, 0, "500");				/* seq 1 */
	assert_int_equal(store_queue_writer_new(f->st, &w), NHI_EINTERNAL);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_queue_writer_new(f->st, &w), 0);
	assert_int_equal(store_eligibility_get(f->st, 1, &e), 0);
	assert_int_equal(queue_eligibility_record(f->st, w, &e, 0, &seq), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(queue_eligibility_record(f->st, w, &e, 7, &seq), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(store_queue_writer_flush(w), 0);
	assert_int_equal(store_queue_state(f->st, &qs), 0);
	assert_int_equal(qs.last_seq, 3);
	/* Someone else taking a number while the writer is open is caught. */
	assert_int_equal(queue_eligibility_record(f->st, w, &e, 0, &seq), 0);
	assert_int_equal(store_queue_next_seq(f->st, &other), 0);
	assert_int_equal(store_queue_writer_flush(w), NHI_EINTERNAL);
	store_queue_writer_free(w);
	store_rollback(f->st);
	assert_int_equal(store_queue_state(f->st, &qs), 0);
	assert_int_equal(qs.last_seq, 1);
	assert_int_equal(store_queue_get(f->st, 2, &q), NHI_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outside_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gapless_and_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lanes_and_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issuance_before_revocation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_center_fingerprint, setup, teardown),
		cmocka_unit_test(test_ack_parse),
		cmocka_unit_test_setup_teardown(test_ack_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
