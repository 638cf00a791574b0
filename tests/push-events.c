/*
 * push-events.c: a test driver for queue_push_send()'s events
 * (queue-push.h): `push-events CONF DB CANCEL_AFTER` pushes the open
 * records of store DB as `nhicard queue send` does and prints every event
 * as a line ("step ID", "note TEXT", "cancel? N"); cancel() answers yes
 * once CANCEL_AFTER batches are acknowledged (0: never). Then it prints
 * "result BATCHES RECORDS ACKED REJECTED" and "rc 0" or "rc CODE TEXT"
 * (the NHI_E* code and its detail) and exits 0 unless the driver itself
 * failed.
 * tests/tui-queue-send.sh runs it against nhicard-center.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flow.h"
#include "nhiconf.h"
#include "queue-push.h"
#include "store.h"

struct counter {
	int	acks;
	int	cancel_after;
};

static void
on_step(void *arg, const char *id)
{
	struct counter *c = arg;

	if (strcmp(id, "queue.ack") == 0)
		c->acks++;
	printf("step %s\n", id);
}

static void
on_note(void *arg, const char *text)
{
	(void)arg;
	printf("note %s\n", text);
}

static int
on_cancel(void *arg)
{
	struct counter *c = arg;

	printf("cancel? %d\n", c->acks);
	return c->cancel_after > 0 && c->acks >= c->cancel_after;
}

int
main(int argc, char **argv)
{
	struct counter c = { 0, 0 };
	struct flow_events ev = { on_step, on_note, on_cancel, &c };
	struct queue_push_result res;
	struct config *cfg = NULL;
	struct store *st = NULL;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: push-events CONF DB CANCEL_AFTER\n");
		return 2;
	}
	c.cancel_after = atoi(argv[3]);
	cfg = config_new();
	if ((r = config_load(cfg, argv[1])) != 0 ||
	    (r = store_open(argv[2], 0, &st)) != 0) {
		fprintf(stderr, "push-events: %s\n", err_text(r));
		config_free(cfg);
		return 1;
	}
	r = queue_push_send(st, cfg, &ev, &res);
	printf("result %zu %zu %zu %zu\n", res.batches, res.records, res.acked,
	    res.rejected);
	if (r == 0)
		printf("rc 0\n");
	else
		printf("rc %d %s\n", r, err_text(r));
	store_close(st);
	config_free(cfg);
	return 0;
}
