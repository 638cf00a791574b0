/*
 * print-cups.c: a finished PDF to a CUPS queue through libcups (print.h):
 * the job is created on the queue by name with its options (media, sides),
 * its id comes back, and the job is followed until it completed, failed or
 * ran out of time. While it waits, the printer's state is told to the
 * caller as a reason key (reasons.h: "printer.stopped", "printer.no_paper",
 * "printer.unreachable"), once each time it changes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cups/cups.h>
#include <cups/ipp.h>

#include "error.h"
#include "print.h"
#include "util.h"

#define DEFAULT_POLL_MS		250
#define CONNECT_MS		10000

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
print_queue_state_reason(int printer_state, const char *const *reasons, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *r = reasons[i];

		if (r == NULL)
			continue;
		if (strncmp(r, "media-empty", 11) == 0 || strncmp(r, "media-needed", 12) == 0)
			return "printer.no_paper";
	}
	for (i = 0; i < n; i++) {
		const char *r = reasons[i];

		if (r == NULL)
			continue;
		if (strncmp(r, "connecting-to-device", 20) == 0 ||
		    strncmp(r, "offline-report", 14) == 0 ||
		    strncmp(r, "shutdown", 8) == 0 ||
		    strncmp(r, "timed-out", 9) == 0)
			return "printer.unreachable";
	}
	if (printer_state == IPP_PSTATE_STOPPED)
		return "printer.stopped";
	for (i = 0; i < n; i++)
		if (reasons[i] != NULL && strncmp(reasons[i], "paused", 6) == 0)
			return "printer.stopped";
	return NULL;
}

/* The CUPS error of the last request, as an NHI error naming the queue. */
static int
cups_error(const char *queue, const char *what)
{
	ipp_status_t st = cupsLastError();
	const char *msg = cupsLastErrorString();

	if (st == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || st == IPP_STATUS_ERROR_INTERNAL)
		return err_reason(err_set(NHI_ENETWORK, "printer '%s': %s: the print service"
		    " (CUPS at %s:%d) cannot be reached: %s", queue, what, cupsServer(),
		    ippPort(), msg != NULL ? msg : "no message"), "printer.no_service");
	if (st == IPP_STATUS_ERROR_NOT_FOUND)
		return err_reason(err_set(NHI_ENOTFOUND, "printer '%s': no such CUPS queue on %s:%d",
		    queue, cupsServer(), ippPort()), "printer.no_queue");
	return err_reason(err_set(NHI_EIO, "printer '%s': %s: %s", queue, what,
	    msg != NULL ? msg : "no message"), "printer.job_failed");
}

/* The printer's state and reasons; returns the reason key or NULL. */
static const char *
printer_state(http_t *http, const char *queue, char *detail, size_t dlen)
{
	static const char *const want[] = { "printer-state", "printer-state-reasons",
	    "printer-state-message" };
	char uri[HTTP_MAX_URI];
	const char *reasons[16], *key;
	ipp_attribute_t *a;
	ipp_t *req, *resp;
	int pstate = IPP_PSTATE_IDLE, i, n = 0;

	*detail = '\0';
	httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", NULL, "localhost",
	    ippPort(), "/printers/%s", queue);
	req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
	    3, NULL, want);
	if ((resp = cupsDoRequest(http, req, "/")) == NULL)
		return "printer.no_service";
	if ((a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM)) != NULL)
		pstate = ippGetInteger(a, 0);
	if ((a = ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD)) != NULL)
		for (i = 0; i < ippGetCount(a) && n < 16; i++)
			reasons[n++] = ippGetString(a, i, NULL);
	key = print_queue_state_reason(pstate, reasons, (size_t)n);
	if ((a = ippFindAttribute(resp, "printer-state-message", IPP_TAG_TEXT)) != NULL &&
	    ippGetString(a, 0, NULL) != NULL)
		snprintf(detail, dlen, "%s", ippGetString(a, 0, NULL));
	ippDelete(resp);
	return key;
}

/* The job's state (IPP_JSTATE_*), or 0 when it cannot be read. */
static int
job_state(http_t *http, int job_id, char *detail, size_t dlen)
{
	static const char *const want[] = { "job-state", "job-printer-state-message" };
	char uri[HTTP_MAX_URI];
	ipp_attribute_t *a;
	ipp_t *req, *resp;
	int state = 0;

	*detail = '\0';
	httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", NULL, "localhost",
	    ippPort(), "/jobs/%d", job_id);
	req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL, uri);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
	    cupsUser());
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
	    2, NULL, want);
	if ((resp = cupsDoRequest(http, req, "/")) == NULL)
		return 0;
	if ((a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)) != NULL)
		state = ippGetInteger(a, 0);
	if ((a = ippFindAttribute(resp, "job-printer-state-message", IPP_TAG_TEXT)) != NULL &&
	    ippGetString(a, 0, NULL) != NULL)
		snprintf(detail, dlen, "%s", ippGetString(a, 0, NULL));
	ippDelete(resp);
	return state;
}

static void
notify(const struct print_queue_opts *o, int job_id, const char *key, const char *detail)
{
	if (o->notify != NULL)
		o->notify(o->arg, job_id, key, detail);
}

int
print_queue_send(const char *pdf_path, const char *queue,
    const struct print_queue_opts *o, int *job_id_out)
{
	static const struct print_queue_opts none = { 0 };
	cups_option_t *options = NULL;
	cups_dest_t *dest = NULL;
	http_t *http = NULL;
	const char *last = NULL, *key;
	char detail[256], jdetail[256];
	double deadline;
	int num_options = 0, job_id = 0, state, r;

	if (o == NULL)
		o = &none;
	if (job_id_out != NULL)
		*job_id_out = 0;
	if (queue == NULL || *queue == '\0')
		return err_set(NHI_EUSAGE, "no printer named (--printer or print.printer)");
	if (o->server != NULL && *o->server != '\0')
		cupsSetServer(o->server);
	if ((http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(),
	    1, CONNECT_MS, NULL)) == NULL) {
		r = err_reason(err_set(NHI_ENETWORK, "printer '%s': the print service (CUPS at"
		    " %s:%d) cannot be reached", queue, cupsServer(), ippPort()),
		    "printer.no_service");
		goto out;
	}
	if ((dest = cupsGetNamedDest(http, queue, NULL)) == NULL) {
		r = cupsLastError() == IPP_STATUS_OK ||
		    cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND ?
		    err_reason(err_set(NHI_ENOTFOUND, "printer '%s': no such CUPS queue on %s:%d",
		    queue, cupsServer(), ippPort()), "printer.no_queue") :
		    cups_error(queue, "find the queue");
		goto out;
	}
	if (o->media != NULL && *o->media != '\0')
		num_options = cupsAddOption("media", o->media, num_options, &options);
	if (o->sides != NULL && *o->sides != '\0')
		num_options = cupsAddOption("sides", o->sides, num_options, &options);
	num_options = cupsAddOption("document-format", CUPS_FORMAT_PDF, num_options,
	    &options);
	job_id = cupsPrintFile2(http, queue, pdf_path,
	    o->title != NULL ? o->title : "nhicard", num_options, options);
	if (job_id <= 0) {
		r = cups_error(queue, "the job was not accepted");
		goto out;
	}
	if (job_id_out != NULL)
		*job_id_out = job_id;
	notify(o, job_id, NULL, "");
	deadline = now_s() + (o->timeout_s > 0 ? o->timeout_s : 600);
	for (;;) {
		state = job_state(http, job_id, jdetail, sizeof(jdetail));
		if (state == IPP_JSTATE_COMPLETED) {
			r = 0;
			goto out;
		}
		if (state == IPP_JSTATE_ABORTED || state == IPP_JSTATE_CANCELED) {
			r = err_reason(err_set(NHI_EIO, "printer '%s': job %d %s: %s", queue,
			    job_id, state == IPP_JSTATE_ABORTED ? "failed" : "was cancelled",
			    *jdetail != '\0' ? jdetail : "no message from the printer"),
			    "printer.job_failed");
			goto out;
		}
		if (state == 0) {
			/* The service went away: say so once, keep trying. */
			key = "printer.no_service";
			*detail = '\0';
		} else {
			key = printer_state(http, queue, detail, sizeof(detail));
		}
		if (key != last && (key == NULL || last == NULL || strcmp(key, last) != 0)) {
			if (key != NULL)
				notify(o, job_id, key, *detail != '\0' ? detail : jdetail);
			else if (last != NULL)
				notify(o, job_id, "printer.resumed", "");
			last = key;
		}
		if (now_s() > deadline)
			break;
		sleep_ms(o->poll_ms > 0 ? o->poll_ms : DEFAULT_POLL_MS);
	}
	/* Out of time: the job goes, so no paper comes out later. */
	cupsCancelJob2(http, queue, job_id, 0);
	r = err_reason(err_set(NHI_EIO, "printer '%s': job %d did not finish within %d s%s%s:"
	    " cancelled", queue, job_id, o->timeout_s > 0 ? o->timeout_s : 600,
	    last != NULL ? " while " : "", last != NULL ? last : ""), "printer.timeout");
out:
	cupsFreeOptions(num_options, options);
	cupsFreeDests(dest != NULL, dest);
	if (http != NULL)
		httpClose(http);
	return r;
}

int
print_queue_cancel(const char *queue, const char *server, int job_id)
{
	http_t *http;
	int r = 0;

	if (server != NULL && *server != '\0')
		cupsSetServer(server);
	if ((http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(),
	    1, CONNECT_MS, NULL)) == NULL)
		return err_reason(err_set(NHI_ENETWORK, "printer '%s': the print service (CUPS at"
		    " %s:%d) cannot be reached", queue, cupsServer(), ippPort()),
		    "printer.no_service");
	/* A job that already completed, or is gone, cannot be cancelled: fine. */
	if (cupsCancelJob2(http, queue, job_id, 0) != IPP_STATUS_OK &&
	    cupsLastError() != IPP_STATUS_ERROR_NOT_POSSIBLE &&
	    cupsLastError() != IPP_STATUS_ERROR_NOT_FOUND)
		r = cups_error(queue, "cancel the job");
	httpClose(http);
	return r;
}
