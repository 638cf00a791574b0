/*
 * events.c: calling the event hooks of a flow or a long action (events.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "events.h"
#include "util.h"

void
flow_step(const struct flow_events *ev, const char *id)
{
	if (ev != NULL && ev->step != NULL)
		ev->step(ev->arg, id);
}

void
flow_note(const struct flow_events *ev, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (ev == NULL || ev->note == NULL)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	ev->note(ev->arg, text);
	free(text);
}

int
flow_cancelled(const struct flow_events *ev)
{
	return ev != NULL && ev->cancel != NULL && ev->cancel(ev->arg) != 0;
}

static void
note_stdout(void *arg, const char *text)
{
	(void)arg;
	printf("%s\n", text);
}

const struct flow_events flow_events_stdout = { .note = note_stdout };
