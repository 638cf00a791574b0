/*
 * bgcall.c: one function on a second thread, its error carried back
 * (bgcall.h). The error detail is kept per thread (error.c), so the
 * worker's is copied out before it ends and set again in the joiner.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bgcall.h"
#include "error.h"

static void
bgcall_capture(struct bgcall *bg)
{
	if (bg->r == 0)
		return;
	snprintf(bg->detail, sizeof(bg->detail), "%s", err_text(bg->r));
	bg->reason = err_reason_of(bg->r);
}

static void *
bgcall_main(void *arg)
{
	struct bgcall *bg = arg;

	err_clear();
	bg->r = bg->fn(bg->arg);
	bgcall_capture(bg);
	return NULL;
}

void
bgcall_start(struct bgcall *bg, int (*fn)(void *), void *arg, int inline_only)
{
	memset(bg, 0, sizeof(*bg));
	bg->fn = fn;
	bg->arg = arg;
	if (!inline_only && pthread_create(&bg->thread, NULL, bgcall_main, bg) == 0) {
		bg->state = 1;
		return;
	}
	/* No second thread: run it now, as if joined at once. */
	err_clear();
	bg->r = fn(arg);
	bgcall_capture(bg);
	bg->state = 2;
}

int
bgcall_join(struct bgcall *bg)
{
	if (bg->state == 0)
		return 0;
	if (bg->state == 1) {
		pthread_join(bg->thread, NULL);
		bg->state = 2;
	}
	if (bg->r != 0) {
		err_set(bg->r, "%s", bg->detail);
		if (bg->reason != NULL)
			err_reason(bg->r, bg->reason);
	}
	return bg->r;
}
