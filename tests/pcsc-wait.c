/*
 * pcsc-wait.c: a test helper that waits on PC/SC events, so the harness
 * (tests/lib/pcsc.sh) never sleeps for a fixed time.
 *
 *   pcsc-wait [--timeout SEC] service        pcscd accepts clients
 *   pcsc-wait [--timeout SEC] reader NAME    reader NAME is present
 *   pcsc-wait [--timeout SEC] noreader NAME  reader NAME is gone
 *   pcsc-wait [--timeout SEC] card NAME      a card is present in NAME
 *   pcsc-wait [--timeout SEC] nocard NAME    reader NAME is empty
 *   pcsc-wait list                           print the readers, one a line
 *
 * Readers and cards are awaited with SCardGetStatusChange (the reader-list
 * pseudo reader "\\?PnP?\Notification" for readers). Only the service
 * itself has no event to wait on: SCardEstablishContext is retried with a
 * short back-off. Exit 0 when the condition holds, 1 on timeout or error
 * (with a message on stderr), 2 on a usage error.
 *
 * A test helper, not part of nhicard: it calls PC/SC directly.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

static const char *progname = "pcsc-wait";

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_service(long deadline, SCARDCONTEXT *ctx)
{
	struct timespec ts = { 0, 10 * 1000000L };
	LONG rv;

	for (;;) {
		rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx);
		if (rv == SCARD_S_SUCCESS)
			return 0;
		if (now_ms() >= deadline) {
			fprintf(stderr, "%s: pcscd not reachable: %s\n", progname,
			    pcsc_stringify_error(rv));
			return 1;
		}
		nanosleep(&ts, NULL);
	}
}

/* Is `name` in the reader list? -1 on error. */
static int
reader_present(SCARDCONTEXT ctx, const char *name, int print)
{
	char *buf = NULL, *p;
	DWORD len = 0;
	LONG rv;
	int found = 0;

	rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return 0;
	if (rv != SCARD_S_SUCCESS)
		goto fail;
	if ((buf = malloc(len)) == NULL)
		return -1;
	rv = SCardListReaders(ctx, NULL, buf, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		free(buf);
		return 0;
	}
	if (rv != SCARD_S_SUCCESS)
		goto fail;
	for (p = buf; *p != '\0'; p += strlen(p) + 1) {
		if (print)
			printf("%s\n", p);
		if (name != NULL && strcmp(p, name) == 0)
			found = 1;
	}
	free(buf);
	return found;
fail:
	free(buf);
	fprintf(stderr, "%s: SCardListReaders: %s\n", progname, pcsc_stringify_error(rv));
	return -1;
}

static int
wait_reader(SCARDCONTEXT ctx, const char *name, int want, long deadline)
{
	SCARD_READERSTATE rs;
	long left;
	int present;
	LONG rv;

	memset(&rs, 0, sizeof(rs));
	rs.szReader = "\\\\?PnP?\\Notification";
	/* Prime the notification state, then loop: check, wait for a change. */
	(void)SCardGetStatusChange(ctx, 0, &rs, 1);
	rs.dwCurrentState = rs.dwEventState;
	for (;;) {
		if ((present = reader_present(ctx, name, 0)) < 0)
			return 1;
		if (present == want)
			return 0;
		if ((left = deadline - now_ms()) <= 0)
			break;
		rv = SCardGetStatusChange(ctx, (DWORD)left, &rs, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			fprintf(stderr, "%s: SCardGetStatusChange: %s\n", progname,
			    pcsc_stringify_error(rv));
			return 1;
		}
		rs.dwCurrentState = rs.dwEventState;
	}
	fprintf(stderr, "%s: timed out waiting for reader '%s' to %s\n", progname, name,
	    want ? "appear" : "go away");
	return 1;
}

static int
wait_card(SCARDCONTEXT ctx, const char *name, int want, long deadline)
{
	SCARD_READERSTATE rs;
	long left;
	LONG rv;
	int r;

	if ((r = wait_reader(ctx, name, 1, deadline)) != 0)
		return r;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = name;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		left = deadline - now_ms();
		rv = SCardGetStatusChange(ctx, left > 0 ? (DWORD)left : 0, &rs, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			fprintf(stderr, "%s: SCardGetStatusChange(%s): %s\n", progname, name,
			    pcsc_stringify_error(rv));
			return 1;
		}
		if (want && (rs.dwEventState & SCARD_STATE_PRESENT) &&
		    !(rs.dwEventState & SCARD_STATE_MUTE) && rs.cbAtr > 0)
			return 0;
		if (!want && (rs.dwEventState & SCARD_STATE_EMPTY))
			return 0;
		if (rv == SCARD_E_TIMEOUT || left <= 0)
			break;
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	}
	fprintf(stderr, "%s: timed out waiting for %s in reader '%s'\n", progname,
	    want ? "a card" : "the card to be removed", name);
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: %s [--timeout SEC] service|list|reader NAME|noreader NAME|"
	    "card NAME|nocard NAME\n", progname);
	return 2;
}

int
main(int argc, char **argv)
{
	SCARDCONTEXT ctx = 0;
	double timeout = 10;
	const char *what, *name = NULL;
	long deadline;
	int i = 1, r;

	if (argc > 2 && strcmp(argv[1], "--timeout") == 0) {
		char *end;

		timeout = strtod(argv[2], &end);
		if (*end != '\0' || timeout < 0)
			return usage();
		i = 3;
	}
	if (i >= argc)
		return usage();
	what = argv[i++];
	if (strcmp(what, "service") != 0 && strcmp(what, "list") != 0) {
		if (i >= argc)
			return usage();
		name = argv[i++];
	}
	if (i != argc)
		return usage();
	deadline = now_ms() + (long)(timeout * 1000);

	if ((r = wait_service(deadline, &ctx)) != 0)
		return r;
	if (strcmp(what, "service") == 0)
		r = 0;
	else if (strcmp(what, "list") == 0)
		r = reader_present(ctx, NULL, 1) < 0;
	else if (strcmp(what, "reader") == 0)
		r = wait_reader(ctx, name, 1, deadline);
	else if (strcmp(what, "noreader") == 0)
		r = wait_reader(ctx, name, 0, deadline);
	else if (strcmp(what, "card") == 0)
		r = wait_card(ctx, name, 1, deadline);
	else if (strcmp(what, "nocard") == 0)
		r = wait_card(ctx, name, 0, deadline);
	else
		r = usage();
	SCardReleaseContext(ctx);
	return r;
}
