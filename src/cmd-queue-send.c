/*
 * cmd-queue-send.c: `nhicard queue send`: the online transport of the
 * queue (queue-push.h): pushes every open record to the center's intake
 * and applies the acknowledgements, then says what happened. On a network
 * failure it says that nothing is lost and the records stay queued.
 */
#include "config.h"

#include <stdio.h>

#include "cmd-queue-send.h"
#include "cmd.h"
#include "error.h"
#include "queue-push.h"
#include "queue.h"

int
cmd_queue_send(struct session *ctx, int argc, char **argv)
{
	struct queue_push_result res;
	struct store *st;
	int r;

	if (argc > 1)
		return cmd_operands(&cmd_queue_entry, "queue send", argc, argv, 1, 0);
	if (argc != 1)
		return err_set(NHI_EUSAGE, "queue send takes no arguments");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	r = queue_push_send(st, ctx->cfg, NULL, &res);
	if (r == 0 && res.batches == 0) {
		struct queue_state qs;

		if (store_queue_state(st, &qs) == 0)
			printf("nothing to send; the center holds through %lld\n",
			    (long long)qs.center_through);
	} else if (res.batches > 0 || r == 0)
		printf("sent %zu records in %zu batch%s: %zu acknowledged, %zu rejected;"
		    " center holds through %lld\n", res.records, res.batches,
		    res.batches == 1 ? "" : "es", res.acked, res.rejected,
		    (long long)res.through);
	if (res.restore_settled)
		printf("restored store settled: the center holds through %lld; %lld"
		    " number(s) made after the backup stay the center's, new records"
		    " continue after them\n", (long long)res.through,
		    (long long)res.restore_skipped);
	if (res.rejected > 0)
		printf("rejected records are work items: see 'nhicard queue status', "
		    "then 'nhicard queue retry SEQ'\n");
	/* Some refused: exit status 3, as for an import with rejected lines. */
	if (r == 0 && res.rejected > 0)
		r = err_set(NHI_EPARSE, "the center refused %zu record(s); see 'nhicard"
		    " queue status'", res.rejected);
	return r;
}
