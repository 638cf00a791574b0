/*
 * cmd-card-watch.c: `nhicard card watch`: one line per change of the
 * reader and card state, as the clerk's screen sees them (the card
 * monitor, card.h), for scripts and for testing the monitor itself.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card.h"
#include "cmd-card.h"
#include "error.h"
#include "util.h"

/* How long one poll waits for a change, in milliseconds. */
#define WATCH_POLL_MS	250

static const char *
watch_state_word(enum card_slot_state state)
{
	switch (state) {
	case CARD_SLOT_NO_SERVICE:
		return "no-service";
	case CARD_SLOT_NO_READER:
		return "no-reader";
	case CARD_SLOT_EMPTY:
		return "empty";
	case CARD_SLOT_PRESENT:
		return "present";
	case CARD_SLOT_MUTE:
		return "mute";
	case CARD_SLOT_IN_USE:
		return "in-use";
	}
	return "unknown";
}

/* STATE [TAB READER [TAB ATR]]: the fields a script cuts. */
static void
watch_print(const struct card_slot *slot)
{
	char atr[2 * sizeof(slot->atr) + 1];

	printf("%s", watch_state_word(slot->state));
	if (slot->reader[0] != '\0') {
		printf("\t%s", slot->reader);
		if (slot->atrlen > 0) {
			hex_encode(slot->atr, slot->atrlen, atr);
			printf("\t%s", atr);
		}
	}
	printf("\n");
	fflush(stdout);
}

/* Sleep `ms` milliseconds (the monitor answers at once without pcscd or
 * a reader: this keeps the loop from spinning). */
static void
watch_pause(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A positive decimal number of at most `max` into *out; 0 or -1. */
static int
watch_number(const char *arg, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
card_watch_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct card_monitor *m = NULL;
	struct card_slot slot;
	long count = 0, timeout_ms = 0, seen = 0;
	uint64_t start, t0, now;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (watch_number(optarg, 1000000L, &count) != 0)
				return cmd_card_usage(&cmd_card_watch_entry, "--count: expected"
				    " a number of lines from 1 to 1000000");
			break;
		case 't':
			if (watch_number(optarg, 86400000L, &timeout_ms) != 0)
				return cmd_card_usage(&cmd_card_watch_entry, "--timeout-ms:"
				    " expected milliseconds from 1 to 86400000");
			break;
		default:
			return cmd_card_usage(&cmd_card_watch_entry,
			    "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cmd_operands(&cmd_card_entry, "card watch", argc, argv, optind, 0);
	if (optind != argc)
		return cmd_card_usage(&cmd_card_watch_entry, "no arguments expected");
	if ((r = card_monitor_new(ctx->reader, &m)) != 0)
		return r;
	start = time_mono_ns();
	for (;;) {
		long wait = WATCH_POLL_MS;

		now = time_mono_ns();
		if (timeout_ms > 0) {
			long left = timeout_ms - (long)((now - start) / 1000000u);

			if (left <= 0)
				break;
			if (left < wait)
				wait = left;
		}
		t0 = now;
		if (card_monitor_poll(m, (int)wait, &slot)) {
			watch_print(&slot);
			if (count > 0 && ++seen >= count)
				break;
		}
		/* Without pcscd or the reader the poll does not wait. */
		now = time_mono_ns();
		if (slot.state == CARD_SLOT_NO_SERVICE || slot.state == CARD_SLOT_NO_READER)
			watch_pause(wait - (long)((now - t0) / 1000000u));
	}
	card_monitor_free(m);
	if (count > 0 && seen < count)
		return err_set(NHI_ETIMEOUT, "card watch: timed out after %ld ms with %ld of"
		    " the %ld state lines asked for", timeout_ms, seen, count);
	return 0;
}

const struct cmd_entry cmd_card_watch_entry = {
	.name = "watch",
	.usage = "[--count N] [--timeout-ms MS]",
	.summary = "print a line for every change of the reader and card state",
	.help =
	    "Watches the station's reader (--reader or card.reader, else the first\n"
	    "reader pcscd lists) as the clerk's screen does, without connecting to\n"
	    "the card, and prints the state at start and one line per change:\n"
	    "  STATE<TAB>READER<TAB>ATR\n"
	    "STATE is no-service (pcscd is not running), no-reader (the reader is\n"
	    "not attached), empty, present (a card answered: its ATR in hex\n"
	    "follows), mute (a card that did not answer) or in-use (a program\n"
	    "holds the card exclusively). READER and ATR are left out when unknown.\n"
	    "A restarted pcscd and a reader attached later are picked up.\n"
	    "\n"
	    "  --count N        stop after N lines (the first one included)\n"
	    "  --timeout-ms MS  stop after MS milliseconds\n"
	    "Without either it runs until interrupted. Exits 0, or 4 when the\n"
	    "timeout came before N lines.\n",
	.exec = card_watch_exec,
};
