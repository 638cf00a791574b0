/*
 * cmd-queue.c: `nhicard queue status|send|export|import-ack|retry|purge`:
 * the station's side of the records for the shared-use center on removable
 * media (docs/queue-format.md). `send`, the online push, is in
 * cmd-queue-send.c and shares the same queue functions
 * (queue_batches_build, queue_ack_apply).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-queue-send.h"
#include "crypto.h"
#include "error.h"
#include "queue.h"
#include "store.h"
#include "util.h"

#define ACK_MAX_BYTES	(64u << 20)

static int
usage(const char *why)
{
	return cmd_usage(&cmd_queue_entry, why);
}

struct status_walk {
	size_t	 n;
};

static int
print_rejected(void *arg, const struct queue_record *q)
{
	struct status_walk *w = arg;

	printf("  #%lld %s %s attempt %d rejected %s: %s: %s\n", (long long)q->seq, q->kind,
	    q->record_id, q->attempt, q->rejected_at, q->reject_code, q->reject_reason);
	w->n++;
	return 0;
}

static int
queue_status(struct session *ctx, struct store *st)
{
	struct queue_limits lim;
	struct queue_status s;
	struct status_walk w = { 0 };
	char *station = NULL;
	int r;

	if ((r = queue_limits_load(ctx->cfg, &lim)) != 0 ||
	    (r = queue_status_get(st, &lim, &s)) != 0 ||
	    (r = store_meta_get(st, "station_id", &station)) != 0)
		goto out;
	printf("station:                %s\n", station);
	printf("newest record:          %lld\n", (long long)s.last_seq);
	printf("center holds through:   %lld (acknowledgement serial %lld)\n",
	    (long long)s.center_through, (long long)s.ack_serial);
	printf("gaps:                   %lld%s\n", (long long)s.gaps,
	    s.gaps != 0 ? "  ** sequence numbers missing: the queue is damaged **" : "");
	printf("waiting for the center: %lld", (long long)s.open);
	if (s.oldest[0] != '\0')
		printf(" (oldest unacknowledged %s, %lld days %lld hours old)", s.oldest,
		    (long long)(s.oldest_age_s / 86400), (long long)(s.oldest_age_s % 86400 / 3600));
	printf("\n");
	printf("deadline:               %d days; %lld near it (within %d days), %lld past it\n",
	    lim.deadline_days, (long long)s.near_deadline, lim.warn_days,
	    (long long)s.past_deadline);
	printf("rejected (for a clerk): %lld\n", (long long)s.rejected);
	if ((r = store_queue_walk(st, "rejected", print_rejected, &w)) != 0)
		goto out;
	if (s.past_deadline > 0)
		printf("warning: %lld records are past the %d-day registration deadline\n",
		    (long long)s.past_deadline, lim.deadline_days);
	else if (s.near_deadline > 0)
		printf("warning: %lld records reach the %d-day registration deadline within"
		    " %d days\n", (long long)s.near_deadline, lim.deadline_days, lim.warn_days);
	if (s.gaps != 0)
		r = err_set(NHI_ESTORE_CORRUPT, "the center queue has %lld missing sequence"
		    " numbers", (long long)s.gaps);
out:
	free(station);
	return r;
}

/* The manifest of an export (docs/queue-format.md section 2). */
static int
write_manifest(const char *dir, const char *station, const struct queue_batch *b,
    size_t n)
{
	uint8_t md[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1], now[24], *text, *line, *path;
	size_t i;
	int r;

	queue_now_utc_offset(now, sizeof(now), 0);
	text = xasprintf("nhicard-queue-manifest 1\nstation %s\ncreated %s\n", station, now);
	for (i = 0; i < n; i++) {
		if ((r = crypto_sha256(b[i].der, b[i].der_len, md)) != 0) {
			free(text);
			return r;
		}
		hex_encode(md, sizeof(md), hex);
		line = xasprintf("%sbatch %s %s %zu %zu\n", text, b[i].name, hex, b[i].records,
		    b[i].revocations);
		free(text);
		text = line;
	}
	line = xasprintf("%send\n", text);
	free(text);
	text = line;
	path = xasprintf("%s/%s-m%08lld.manifest", dir, station, (long long)b[0].number);
	r = fs_write_atomic(path, text, strlen(text), 0644);
	free(path);
	free(text);
	return r;
}

static int
queue_export(struct session *ctx, struct store *st, const char *dir)
{
	struct queue_limits lim;
	struct queue_keys *keys = NULL;
	struct queue_batch *b = NULL;
	struct stat sb;
	size_t n = 0, i, records = 0, revs = 0;
	char *station = NULL, *path, *detail = NULL;
	int r, began = 0;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		r = err_set(NHI_ENOFILE, "%s: not a directory (the export medium)", dir);
		goto out;
	}
	if ((r = queue_limits_load(ctx->cfg, &lim)) != 0 ||
	    (r = queue_keys_load(ctx->cfg, &keys)) != 0 ||
	    (r = store_meta_get(st, "station_id", &station)) != 0 ||
	    (r = store_begin(st)) != 0)
		goto out;
	began = 1;
	if ((r = queue_batches_build(st, keys, lim.batch_records, 0, &b, &n)) != 0)
		goto out;
	if (n == 0) {
		printf("nothing to export: every record was acknowledged or is rejected\n");
		goto out;
	}
	/*
	 * Record the delivery first, then write: a crash in between leaves
	 * records marked sent but still open, and every export carries every
	 * open record again, so nothing is lost; the other order could leave
	 * files on the medium that the station believes it never sent.
	 */
	if ((r = queue_batches_sent(st, b, n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		records += b[i].records;
		revs += b[i].revocations;
	}
	/* The export and its audit entry commit together. */
	detail = xasprintf("batches %lld..%lld: %zu records (%zu revocations)",
	    (long long)b[0].number, (long long)b[n - 1].number, records, revs);
	if ((r = audit_append(st, ctx->operator_login, "queue.export", NULL, AUDIT_OK,
	    detail)) != 0)
		goto out;
	queue_test_crash("queue.export.before_commit");
	if ((r = store_commit(st)) != 0)
		goto out;
	began = 0;
	queue_test_crash("queue.export.after_commit");
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, b[i].name);
		r = fs_write_atomic(path, b[i].der, b[i].der_len, 0644);
		free(path);
		if (r != 0)
			goto out;
	}
	queue_test_crash("queue.export.after_files");
	if ((r = write_manifest(dir, station, b, n)) != 0)
		goto out;
	printf("exported %zu records (%zu revocations) in %zu batch file%s to %s"
	    " (%s-m%08lld.manifest)\n", records, revs, n, n == 1 ? "" : "s", dir, station,
	    (long long)b[0].number);
out:
	if (began)
		store_rollback(st);
	if (r != 0)
		audit_refusal(st, ctx->operator_login, "queue.export", NULL, r, NULL);
	queue_batches_free(b, n);
	queue_keys_free(keys);
	free(station);
	free(detail);
	return r;
}

static int
queue_import_ack(struct session *ctx, struct store *st, int argc, char **argv)
{
	struct queue_keys *keys = NULL;
	struct queue_ack_result res;
	char *data = NULL;
	size_t len;
	int i, r;

	if ((r = queue_keys_load(ctx->cfg, &keys)) != 0)
		return audit_refusal(st, ctx->operator_login, "queue.import_ack", NULL, r, NULL);
	for (i = 0; i < argc; i++) {
		if ((r = fs_read_file(argv[i], ACK_MAX_BYTES, &data, &len)) != 0) {
			audit_refusal(st, ctx->operator_login, "queue.import_ack", NULL, r,
			    "unreadable file");
			goto out;
		}
		r = queue_ack_apply(st, keys, (const uint8_t *)data, len, argv[i], &res);
		free(data);
		data = NULL;
		if (r != 0)
			goto out;
		printf("%s: acknowledgement serial %lld: center holds through %lld;"
		    " %zu records acknowledged, %zu rejected\n", argv[i], (long long)res.serial,
		    (long long)res.through, res.acked, res.rejected);
		if (res.restore_settled)
			printf("%s: restored store settled: %lld number(s) made after the"
			    " backup stay the center's, new records continue after them\n",
			    argv[i], (long long)res.restore_skipped);
	}
	r = 0;
out:
	queue_keys_free(keys);
	return r;
}

static int
queue_retry(struct store *st, const char *arg)
{
	struct queue_record q;
	int64_t seq;
	int r;

	if ((r = cmd_parse_id(&cmd_queue_entry, "record", arg, &seq)) != 0)
		return audit_refusal(st, store_actor(st), "queue.retry", NULL, r, NULL);
	if ((r = store_queue_retry(st, seq)) != 0 || (r = store_queue_get(st, seq, &q)) != 0)
		return r;
	printf("record #%lld (%s, id %s) will be resubmitted as attempt %d\n",
	    (long long)seq, q.kind, q.record_id, q.attempt);
	return 0;
}

static int
queue_purge(struct session *ctx, struct store *st)
{
	struct queue_limits lim;
	char before[24], detail[96];
	int64_t n;
	int r;

	if ((r = queue_limits_load(ctx->cfg, &lim)) != 0)
		return audit_refusal(st, ctx->operator_login, "queue.purge", NULL, r, NULL);
	queue_now_utc_offset(before, sizeof(before), -(int64_t)lim.retention_days * 86400);
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = store_queue_purge(st, before, &n)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "%lld records acknowledged before %s", (long long)n,
	    before);
	if ((r = audit_append(st, ctx->operator_login, "queue.purge", NULL, AUDIT_OK,
	    detail)) != 0)
		goto out;
	queue_test_crash("queue.purge.before_commit");
	if ((r = store_commit(st)) != 0)
		goto out;
	printf("purged %lld records acknowledged before %s (queue.retention_days = %d)\n",
	    (long long)n, before, lim.retention_days);
	return 0;
out:
	store_rollback(st);
	return audit_refusal(st, ctx->operator_login, "queue.purge", NULL, r, NULL);
}

static int
cmd_queue_exec(struct session *ctx, int argc, char **argv)
{
	struct store *st;
	const char *sub;
	int r;

	if (argc < 2)
		return usage("expected status, send, export, import-ack, retry or purge");
	sub = argv[1];
	if (strcmp(sub, "send") == 0)
		return cmd_queue_send(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "status") == 0) {
		if (argc > 2)
			return cmd_operands(&cmd_queue_entry, "queue status", argc, argv, 2, 0);
		if (argc != 2)
			return usage("status takes no arguments");
	} else if (strcmp(sub, "export") == 0) {
		if (argc > 3)
			return cmd_operands(&cmd_queue_entry, "queue export", argc, argv, 2, 1);
		if (argc != 3)
			return usage("export takes one DIR");
	} else if (strcmp(sub, "import-ack") == 0) {
		if (argc < 3)
			return usage("import-ack takes one or more FILEs");
	} else if (strcmp(sub, "retry") == 0) {
		if (argc > 3)
			return cmd_operands(&cmd_queue_entry, "queue retry", argc, argv, 2, 1);
		if (argc != 3)
			return usage("retry takes one record number");
	} else if (strcmp(sub, "purge") == 0) {
		if (argc > 2)
			return cmd_operands(&cmd_queue_entry, "queue purge", argc, argv, 2, 0);
		if (argc != 2)
			return usage("purge takes no arguments");
	} else
		return usage("unknown subcommand");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if (strcmp(sub, "status") == 0)
		return queue_status(ctx, st);
	if (strcmp(sub, "export") == 0)
		return queue_export(ctx, st, argv[2]);
	if (strcmp(sub, "import-ack") == 0)
		return queue_import_ack(ctx, st, argc - 2, argv + 2);
	if (strcmp(sub, "retry") == 0)
		return queue_retry(st, argv[2]);
	return queue_purge(ctx, st);
}

const struct cmd_entry cmd_queue_entry = {
	.name = "queue",
	.usage = "status | send | export DIR | import-ack FILE... | retry SEQ | purge",
	.summary = "records for the shared-use center: deliver, acknowledge, retry",
	.help =
	    "  status          sequence numbers, gaps (there must be none), what the\n"
	    "                  center has not acknowledged and how old it is against\n"
	    "                  the registration deadline, rejected records\n"
	    CMD_QUEUE_SEND_HELP
	    "  export DIR      write every open record (revocations first) as signed\n"
	    "                  and encrypted batch files and a manifest to DIR\n"
	    "  import-ack FILE...  apply the center's signed acknowledgements\n"
	    "  retry SEQ       resubmit a rejected record (same record id)\n"
	    "  purge           delete records acknowledged more than\n"
	    "                  queue.retention_days ago\n"
	    "Formats: docs/queue-format.md. Keys: [queue] station_key, station_cert,\n"
	    "center_cert, center_fingerprint.\n",
	.exec = cmd_queue_exec,
};
