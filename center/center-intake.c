/*
 * center-intake.c: what the intake does with one batch, whatever brought
 * it (HTTPS or media): open it (center-cms.c), parse it (center-batch.c),
 * store each record once, reject what it cannot take with a reason, and
 * build the center-signed, cumulative acknowledgement
 * (docs/queue-format.md section 4).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "center.h"
#include "center-json.h"
#include "error.h"
#include "util.h"

char *
center_ack_file_name(const char *station, int64_t serial)
{
	return xasprintf("%s-a%08lld.ack", station, (long long)serial);
}

static int
take_record(struct center_store *cs, const char *station, struct center_in *in,
    int check_user)
{
	struct center_record rec = {
		.station = station, .record_id = in->id, .seq = in->seq,
		.attempt = in->attempt, .lane = in->lane, .kind = in->kind,
		.user_number = in->user_number, .text = in->line,
	};
	enum center_put res;
	int64_t applied;
	int r, known = 1;

	if (in->reject_code == NULL && check_user &&
	    (r = center_store_user_known(cs, in->user_number, &known)) != 0)
		return r;
	if (in->reject_code != NULL)
		return center_store_reject(cs, &rec, in->reject_code, in->reject_reason);
	r = center_store_put(cs, &rec, &res);
	if (r == NHI_ECONFLICT) {
		center_in_reject(in, "conflict", "seq %lld or id already held under another id "
		    "or seq", (long long)in->seq);
		return center_store_reject(cs, &rec, in->reject_code, in->reject_reason);
	}
	if (r != 0)
		return r;
	/* What the record says about eligibility, for the clinics' queries. */
	if (res == CENTER_PUT_STORED && (r = center_elig_apply(cs, station, in->seq,
	    in->kind, cj_obj(in->obj, "data"))) != 0)
		return r;
	/* A revocation before the issuance it revokes is held, not refused:
	 * refusing it left a lost card valid until a clerk noticed. */
	if (!known && res != CENTER_PUT_DUPLICATE) {
		if ((r = center_store_hold_revocation(cs, &rec)) != 0)
			return r;
		log_info("station %s seq %lld: %s held until its card's issuance"
		    " arrives", station, (long long)in->seq, in->kind);
	}
	if (strcmp(in->kind, "card_issued") == 0 && in->user_number != NULL) {
		if ((r = center_store_apply_held(cs, in->user_number, &applied)) != 0)
			return r;
		if (applied > 0)
			log_info("station %s seq %lld: issuance arrived, %lld held"
			    " revocation(s) applied", station, (long long)in->seq,
			    (long long)applied);
	}
	return 0;
}

static int
ack_text(struct center_store *cs, const char *station, int64_t *serial_out,
    char **out, size_t *outlen)
{
	char now[32], *text = NULL, *tail;
	int64_t through, serial;
	size_t len;
	time_t t = time(NULL);
	struct tm tm;
	int r;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((r = center_store_contiguous(cs, station, &through)) != 0 ||
	    (r = center_store_next_serial(cs, station, &serial)) != 0)
		return r;
	text = xasprintf("nhicard-queue-ack 1\nstation %s\nserial %lld\ncreated %s\n"
	    "through %lld\n", station, (long long)serial, now, (long long)through);
	len = strlen(text);
	if ((r = center_store_ack_lines(cs, station, through, &text, &len)) != 0) {
		free(text);
		return r;
	}
	tail = xasprintf("%send\n", text);
	free(text);
	*serial_out = serial;
	*outlen = len + 4;
	*out = tail;
	return 0;
}

/* A certificate names its station by the last word of its common name
 * ("nhicard TEST station ST01" is ST01; "ST01" is ST01). */
static const char *
cn_station(const char *cn)
{
	const char *sp = strrchr(cn, ' ');

	return sp != NULL ? sp + 1 : cn;
}

/* Test fault (docs/center.md): $NHICARD_CENTER_FAULT=reject-seq=N rejects
 * the record with seq N while its attempt is 1. */
static void
fault_reject(struct center_in *in)
{
	const char *f = NHI_TEST_HOOKS ? getenv("NHICARD_CENTER_FAULT") : NULL;

	if (f != NULL && strncmp(f, "reject-seq=", 11) == 0 &&
	    strtoll(f + 11, NULL, 10) == in->seq && in->attempt == 1)
		center_in_reject(in, "test_reject", "rejected by the test fault reject-seq");
}

/* Test fault (docs/center.md): $NHICARD_CENTER_FAULT=commit-wait=PATH
 * holds the first batch's transaction open before its commit: creates
 * PATH.waiting, then waits (at most 60 s) for PATH to exist. The test of
 * two processes taking the same batch at once sends the batch to the
 * other process meanwhile, so the two transactions overlap for certain. */
static void
fault_commit_wait(void)
{
	const char *f = NHI_TEST_HOOKS ? getenv("NHICARD_CENTER_FAULT") : NULL;
	static int done;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char *w;
	FILE *fp;
	int i;

	if (f == NULL || strncmp(f, "commit-wait=", 12) != 0 || done)
		return;
	done = 1;
	w = xasprintf("%s.waiting", f + 12);
	if ((fp = fopen(w, "w")) != NULL)
		fclose(fp);
	free(w);
	for (i = 0; i < 6000 && access(f + 12, F_OK) != 0; i++)
		nanosleep(&ts, NULL);
}

static int
is_rev(const struct center_in *in)
{
	return in->user_number != NULL && (strcmp(in->kind, "card_revoked") == 0 ||
	    strcmp(in->kind, "card_reinstated") == 0);
}

/*
 * Records stored many to a statement (center_store_put_many,
 * center_elig_periods_many): one round trip for up to CENTER_PUT_CHUNK
 * records and one for their periods, where one record took two. A chunk
 * holds consecutive eligibility periods written as sent, each period
 * number once, so the order of their writes within it cannot matter; any
 * other record ends the chunk and is taken alone after it, as before.
 */
struct chunk {
	struct center_in	*in[CENTER_PUT_CHUNK];
	int64_t			 period[CENTER_PUT_CHUNK];
	size_t			 n;
};

static int
chunk_add(struct chunk *c, struct center_in *in)
{
	int64_t period;
	size_t i;

	if (c->n == CENTER_PUT_CHUNK || in->reject_code != NULL ||
	    !center_elig_period_bulk(in->kind, cj_obj(in->obj, "data"), &period))
		return 0;
	for (i = 0; i < c->n; i++)
		if (c->period[i] == period)
			return 0;
	c->in[c->n] = in;
	c->period[c->n++] = period;
	return 1;
}

static int
chunk_flush(struct center_store *cs, const char *station, struct chunk *c)
{
	struct center_record rec[CENTER_PUT_CHUNK];
	const struct cj_obj *data[CENTER_PUT_CHUNK];
	int stored[CENTER_PUT_CHUNK];
	size_t i, k = 0;
	int r;

	if (c->n == 0)
		return 0;
	for (i = 0; i < c->n; i++)
		rec[i] = (struct center_record){
			.station = station, .record_id = c->in[i]->id,
			.seq = c->in[i]->seq, .attempt = c->in[i]->attempt,
			.lane = c->in[i]->lane, .kind = c->in[i]->kind,
			.user_number = c->in[i]->user_number, .text = c->in[i]->line,
		};
	if ((r = center_store_put_many(cs, rec, c->n, stored)) != 0)
		return r;
	for (i = 0; i < c->n; i++) {
		if (stored[i]) {
			data[k++] = cj_obj(c->in[i]->obj, "data");
			continue;
		}
		/* A key held: a duplicate (nothing to do) or a conflict
		 * (rejected), told apart one by one as before. */
		if ((r = take_record(cs, station, c->in[i], 0)) != 0)
			return r;
	}
	r = center_elig_periods_many(cs, station, data, k);
	c->n = 0;
	return r;
}

/* Store one batch's records and build its acknowledgement, in one
 * transaction (rolled back on any error). */
static int
store_batch(struct center_store *cs, struct center_batch *b, int64_t *ser,
    char **text, size_t *tlen)
{
	const char *alert = NULL;
	size_t i;
	int r, pass;

	if ((r = center_store_begin(cs)) != 0)
		return r;
	/* The station's audit head: kept, and a history that shrank or forked
	 * flagged (the batch is still taken: its revocations must count). */
	if ((r = center_store_audit_head(cs, b->station, b->number, b->audit_seq,
	    b->audit_hash, &alert)) != 0)
		goto fail;
	if (alert != NULL)
		log_warn("station %s batch %lld: audit history %s (see status)",
		    b->station, (long long)b->number, alert);
	/* Issuances before the revocations that may name them (same batch). */
	for (pass = 0; pass < 2; pass++) {
		struct chunk c = { .n = 0 };

		for (i = 0; i < b->n; i++) {
			int rev = is_rev(&b->rec[i]);

			if (rev != pass)
				continue;
			fault_reject(&b->rec[i]);
			/* Periods many at a time (the bulk of an intake); the
			 * rest one by one, in order, after the chunk before. */
			if (!rev && chunk_add(&c, &b->rec[i]))
				continue;
			if ((r = chunk_flush(cs, b->station, &c)) != 0)
				goto fail;
			if (!rev && chunk_add(&c, &b->rec[i]))
				continue;
			if ((r = take_record(cs, b->station, &b->rec[i], rev)) != 0)
				goto fail;
		}
		if ((r = chunk_flush(cs, b->station, &c)) != 0)
			goto fail;
	}
	if ((r = ack_text(cs, b->station, ser, text, tlen)) != 0)
		goto fail;
	fault_commit_wait();
	if ((r = center_store_commit(cs)) != 0) {
		free(*text);
		*text = NULL;
		goto fail;
	}
	return 0;
fail:
	center_store_rollback(cs);
	return r;
}

/* How often a batch's transaction is run again when the store says it may
 * pass then: the same batch stored by another process at this moment (its
 * records are duplicates the next time), SQLite busy. A store that is down
 * fails each time: the station hears 503 and sends the batch later. */
#define STORE_TRIES	5

int
center_intake_batch(struct center_store *cs, const struct center_keys *k,
    const char *peer_cn, const uint8_t *batch, size_t len, uint8_t **ack,
    size_t *acklen, char **station, int64_t *serial)
{
	struct center_batch b = { .n = 0 };
	char *payload = NULL, *signer = NULL, *text = NULL;
	size_t plen, tlen;
	int64_t ser = 0;
	int r, tries;

	if ((r = center_batch_open(k, batch, len, &payload, &plen, &signer)) != 0 ||
	    (r = center_batch_parse(payload, plen, &b)) != 0)
		goto out;
	if (strcmp(cn_station(signer), b.station) != 0) {
		r = err_set(NHI_EREFUSED, "batch %lld of station %s is signed by the "
		    "certificate of '%s'", (long long)b.number, b.station, signer);
		goto out;
	}
	if (peer_cn != NULL && strcmp(cn_station(peer_cn), b.station) != 0) {
		r = err_set(NHI_EREFUSED, "batch of station %s sent over the connection "
		    "of '%s'", b.station, peer_cn);
		goto out;
	}
	for (tries = 1; ; tries++) {
		r = store_batch(cs, &b, &ser, &text, &tlen);
		if (r != NHI_ESTORE_BUSY || tries == STORE_TRIES)
			break;
		log_warn("station %s batch %lld: store busy (%s), running the batch"
		    " again", b.station, (long long)b.number, err_text(r));
	}
	if (r != 0)
		goto out;
	if ((r = center_ack_sign(k, text, tlen, ack, acklen)) != 0)
		goto out;
	*station = xstrdup(b.station);
	*serial = ser;
	r = 0;
out:
	center_batch_free(&b);
	free(payload);
	free(signer);
	free(text);
	return r;
}
