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

/* libcups, loaded on first use (dl.c): not linked into nhicard. */
static const char *const cups_names[] = {
	"cupsAddOption",
	"cupsCancelJob2",
	"cupsDoRequest",
	"cupsEncryption",
	"cupsFreeDests",
	"cupsFreeOptions",
	"cupsGetNamedDest",
	"cupsLastError",
	"cupsLastErrorString",
	"cupsPrintFile2",
	"cupsServer",
	"cupsSetServer",
	"cupsUser",
	"httpAssembleURIf",
	"httpClose",
	"httpConnect2",
	"ippAddString",
	"ippAddStrings",
	"ippDelete",
	"ippFindAttribute",
	"ippFirstAttribute",
	"ippGetCount",
	"ippGetInteger",
	"ippGetName",
	"ippGetString",
	"ippNewRequest",
	"ippNextAttribute",
	"ippPort",
};
static union {
	void	*p[28];
	struct {
		__typeof__(cupsAddOption) *cupsAddOption;
		__typeof__(cupsCancelJob2) *cupsCancelJob2;
		__typeof__(cupsDoRequest) *cupsDoRequest;
		__typeof__(cupsEncryption) *cupsEncryption;
		__typeof__(cupsFreeDests) *cupsFreeDests;
		__typeof__(cupsFreeOptions) *cupsFreeOptions;
		__typeof__(cupsGetNamedDest) *cupsGetNamedDest;
		__typeof__(cupsLastError) *cupsLastError;
		__typeof__(cupsLastErrorString) *cupsLastErrorString;
		__typeof__(cupsPrintFile2) *cupsPrintFile2;
		__typeof__(cupsServer) *cupsServer;
		__typeof__(cupsSetServer) *cupsSetServer;
		__typeof__(cupsUser) *cupsUser;
		__typeof__(httpAssembleURIf) *httpAssembleURIf;
		__typeof__(httpClose) *httpClose;
		__typeof__(httpConnect2) *httpConnect2;
		__typeof__(ippAddString) *ippAddString;
		__typeof__(ippAddStrings) *ippAddStrings;
		__typeof__(ippDelete) *ippDelete;
		__typeof__(ippFindAttribute) *ippFindAttribute;
		__typeof__(ippFirstAttribute) *ippFirstAttribute;
		__typeof__(ippGetCount) *ippGetCount;
		__typeof__(ippGetInteger) *ippGetInteger;
		__typeof__(ippGetName) *ippGetName;
		__typeof__(ippGetString) *ippGetString;
		__typeof__(ippNewRequest) *ippNewRequest;
		__typeof__(ippNextAttribute) *ippNextAttribute;
		__typeof__(ippPort) *ippPort;
	} f;
} C;
static int cups_loaded;

static int
cups_load(const char *queue)
{
	int r;

	if (cups_loaded)
		return 0;
	if ((r = util_dl_load("libcups.so.2", "libcups", cups_names, C.p,
	    NHI_ARRAY_LEN(cups_names))) != 0)
		return err_reason(err_wrap(r, "printer '%s': ", queue), "printer.no_service");
	cups_loaded = 1;
	return 0;
}

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
	ipp_status_t st = C.f.cupsLastError();
	const char *msg = C.f.cupsLastErrorString();

	if (st == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || st == IPP_STATUS_ERROR_INTERNAL)
		return err_reason(err_set(NHI_ENETWORK, "printer '%s': %s: the print service"
		    " (CUPS at %s:%d) cannot be reached: %s", queue, what, C.f.cupsServer(),
		    C.f.ippPort(), msg != NULL ? msg : "no message"), "printer.no_service");
	if (st == IPP_STATUS_ERROR_NOT_FOUND)
		return err_reason(err_set(NHI_ENOTFOUND, "printer '%s': no such CUPS queue on %s:%d",
		    queue, C.f.cupsServer(), C.f.ippPort()), "printer.no_queue");
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
	C.f.httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", NULL, "localhost",
	    C.f.ippPort(), "/printers/%s", queue);
	req = C.f.ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
	C.f.ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
	    3, NULL, want);
	if ((resp = C.f.cupsDoRequest(http, req, "/")) == NULL)
		return "printer.no_service";
	if ((a = C.f.ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM)) != NULL)
		pstate = C.f.ippGetInteger(a, 0);
	if ((a = C.f.ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD)) != NULL)
		for (i = 0; i < C.f.ippGetCount(a) && n < 16; i++)
			reasons[n++] = C.f.ippGetString(a, i, NULL);
	key = print_queue_state_reason(pstate, reasons, (size_t)n);
	if ((a = C.f.ippFindAttribute(resp, "printer-state-message", IPP_TAG_TEXT)) != NULL &&
	    C.f.ippGetString(a, 0, NULL) != NULL)
		snprintf(detail, dlen, "%s", C.f.ippGetString(a, 0, NULL));
	C.f.ippDelete(resp);
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
	C.f.httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", NULL, "localhost",
	    C.f.ippPort(), "/jobs/%d", job_id);
	req = C.f.ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL, uri);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
	    C.f.cupsUser());
	C.f.ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
	    2, NULL, want);
	if ((resp = C.f.cupsDoRequest(http, req, "/")) == NULL)
		return 0;
	if ((a = C.f.ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)) != NULL)
		state = C.f.ippGetInteger(a, 0);
	if ((a = C.f.ippFindAttribute(resp, "job-printer-state-message", IPP_TAG_TEXT)) != NULL &&
	    C.f.ippGetString(a, 0, NULL) != NULL)
		snprintf(detail, dlen, "%s", C.f.ippGetString(a, 0, NULL));
	C.f.ippDelete(resp);
	return state;
}

static void
notify(const struct print_queue_opts *o, int job_id, const char *key, const char *detail)
{
	if (o->notify != NULL)
		o->notify(o->arg, job_id, key, detail);
}

/* Connect to the scheduler (print.cups_server, else CUPS_SERVER or
 * client.conf): NULL and the error set (printer.no_service) when it cannot
 * be reached. */
static http_t *
cups_connect(const char *queue, const char *server, int *r)
{
	http_t *http;

	*r = 0;
	if ((*r = cups_load(queue)) != 0)
		return NULL;
	if (server != NULL && *server != '\0')
		C.f.cupsSetServer(server);
	if ((http = C.f.httpConnect2(C.f.cupsServer(), C.f.ippPort(), NULL, AF_UNSPEC,
	    C.f.cupsEncryption(), 1, CONNECT_MS, NULL)) == NULL)
		*r = err_reason(err_set(NHI_ENETWORK, "printer '%s': the print service (CUPS at"
		    " %s:%d) cannot be reached", queue, C.f.cupsServer(), C.f.ippPort()),
		    "printer.no_service");
	return http;
}

/*
 * Follow job `job_id` until it completed (0), failed (printer.job_failed)
 * or ran out of time (cancelled, printer.timeout), telling the printer's
 * state as it changes.
 */
static int
follow(http_t *http, const char *queue, const struct print_queue_opts *o, int job_id)
{
	const char *last = NULL, *key;
	char detail[256], jdetail[256];
	double deadline;
	int state;

	deadline = now_s() + (o->timeout_s > 0 ? o->timeout_s : 600);
	for (;;) {
		state = job_state(http, job_id, jdetail, sizeof(jdetail));
		if (state == IPP_JSTATE_COMPLETED)
			return 0;
		if (state == IPP_JSTATE_ABORTED || state == IPP_JSTATE_CANCELED)
			return err_reason(err_set(NHI_EIO, "printer '%s': job %d %s: %s", queue,
			    job_id, state == IPP_JSTATE_ABORTED ? "failed" : "was cancelled",
			    *jdetail != '\0' ? jdetail : "no message from the printer"),
			    "printer.job_failed");
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
	C.f.cupsCancelJob2(http, queue, job_id, 0);
	return err_reason(err_set(NHI_EIO, "printer '%s': job %d did not finish within %d s%s%s:"
	    " cancelled", queue, job_id, o->timeout_s > 0 ? o->timeout_s : 600,
	    last != NULL ? " while " : "", last != NULL ? last : ""), "printer.timeout");
}

int
print_queue_send(const char *pdf_path, const char *queue,
    const struct print_queue_opts *o, int *job_id_out)
{
	static const struct print_queue_opts none = { 0 };
	cups_option_t *options = NULL;
	cups_dest_t *dest = NULL;
	http_t *http = NULL;
	int num_options = 0, job_id = 0, r;

	if (o == NULL)
		o = &none;
	if (job_id_out != NULL)
		*job_id_out = 0;
	if (queue == NULL || *queue == '\0')
		return err_set(NHI_EUSAGE, "no printer named (--printer or print.printer)");
	if ((http = cups_connect(queue, o->server, &r)) == NULL)
		return r;
	if ((dest = C.f.cupsGetNamedDest(http, queue, NULL)) == NULL) {
		r = C.f.cupsLastError() == IPP_STATUS_OK ||
		    C.f.cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND ?
		    err_reason(err_set(NHI_ENOTFOUND, "printer '%s': no such CUPS queue on %s:%d",
		    queue, C.f.cupsServer(), C.f.ippPort()), "printer.no_queue") :
		    cups_error(queue, "find the queue");
		goto out;
	}
	if (o->media != NULL && *o->media != '\0')
		num_options = C.f.cupsAddOption("media", o->media, num_options, &options);
	if (o->sides != NULL && *o->sides != '\0')
		num_options = C.f.cupsAddOption("sides", o->sides, num_options, &options);
	num_options = C.f.cupsAddOption("document-format", CUPS_FORMAT_PDF, num_options,
	    &options);
	job_id = C.f.cupsPrintFile2(http, queue, pdf_path,
	    o->title != NULL ? o->title : "nhicard", num_options, options);
	if (job_id <= 0) {
		r = cups_error(queue, "the job was not accepted");
		goto out;
	}
	if (job_id_out != NULL)
		*job_id_out = job_id;
	notify(o, job_id, NULL, "");
	r = follow(http, queue, o, job_id);
out:
	C.f.cupsFreeOptions(num_options, options);
	C.f.cupsFreeDests(dest != NULL, dest);
	if (http != NULL)
		C.f.httpClose(http);
	return r;
}

int
print_queue_follow(const char *queue, const struct print_queue_opts *o, int job_id)
{
	static const struct print_queue_opts none = { 0 };
	http_t *http;
	int r;

	if (o == NULL)
		o = &none;
	if ((http = cups_connect(queue, o->server, &r)) == NULL)
		return r;
	r = follow(http, queue, o, job_id);
	C.f.httpClose(http);
	return r;
}

int
print_queue_job(const char *queue, const char *server, int job_id,
    enum print_job_state *out, char *name, size_t nlen)
{
	static const char *const want[] = { "job-state" };
	/* CUPS's job states, what each means for the paper, and the name the
	 * clerk is told; any other state is taken as aborted. */
	static const struct {
		ipp_jstate_t		state;
		enum print_job_state	outcome;
		const char		*name;
	} states[] = {
		{ IPP_JSTATE_PENDING,		PRINT_JOB_WAITING,	"queued" },
		{ IPP_JSTATE_HELD,		PRINT_JOB_WAITING,	"held" },
		{ IPP_JSTATE_PROCESSING,	PRINT_JOB_WAITING,	"processing" },
		{ IPP_JSTATE_COMPLETED,		PRINT_JOB_COMPLETED,	"completed" },
		{ IPP_JSTATE_STOPPED,		PRINT_JOB_ENDED,	"stopped" },
		{ IPP_JSTATE_CANCELED,		PRINT_JOB_ENDED,	"cancelled" },
		{ IPP_JSTATE_ABORTED,		PRINT_JOB_ENDED,	"aborted" },
	};
	char uri[HTTP_MAX_URI];
	ipp_attribute_t *a;
	ipp_status_t st;
	ipp_t *req, *resp;
	http_t *http;
	size_t i;
	int r = 0, state = 0;

	*out = PRINT_JOB_GONE;
	snprintf(name, nlen, "unknown to CUPS");
	if ((http = cups_connect(queue, server, &r)) == NULL)
		return r;
	C.f.httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", NULL, "localhost",
	    C.f.ippPort(), "/jobs/%d", job_id);
	req = C.f.ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL, uri);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
	    C.f.cupsUser());
	C.f.ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
	    1, NULL, want);
	resp = C.f.cupsDoRequest(http, req, "/");
	st = C.f.cupsLastError();
	if (st == IPP_STATUS_ERROR_NOT_FOUND) {
		/* Never there, or its history is gone: no paper to expect. */
		r = 0;
	} else if (resp == NULL || st >= IPP_STATUS_ERROR_BAD_REQUEST) {
		const char *msg = C.f.cupsLastErrorString();

		r = err_reason(err_set(NHI_ENETWORK, "printer '%s': the print service (CUPS at"
		    " %s:%d) could not be asked about job %d: %s", queue, C.f.cupsServer(),
		    C.f.ippPort(), job_id, msg != NULL ? msg : "no answer"), "printer.no_service");
	} else if ((a = C.f.ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)) != NULL) {
		state = C.f.ippGetInteger(a, 0);
		*out = PRINT_JOB_ENDED;
		snprintf(name, nlen, "aborted");
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (state == (int)states[i].state) {
				*out = states[i].outcome;
				snprintf(name, nlen, "%s", states[i].name);
				break;
			}
	}
	if (resp != NULL)
		C.f.ippDelete(resp);
	C.f.httpClose(http);
	return r;
}

int
print_queue_find_job(const char *queue, const char *server, const char *title, int *job_id)
{
	static const char *const want[] = { "job-id", "job-name" };
	char uri[HTTP_MAX_URI];
	ipp_attribute_t *a;
	ipp_status_t st;
	ipp_t *req, *resp;
	http_t *http;
	const char *name = NULL;
	int r = 0, id = 0;

	*job_id = 0;
	if ((http = cups_connect(queue, server, &r)) == NULL)
		return r;
	C.f.httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", NULL, "localhost",
	    C.f.ippPort(), "/printers/%s", queue);
	req = C.f.ippNewRequest(IPP_OP_GET_JOBS);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
	    C.f.cupsUser());
	C.f.ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, "all");
	C.f.ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
	    2, NULL, want);
	resp = C.f.cupsDoRequest(http, req, "/");
	st = C.f.cupsLastError();
	if (st == IPP_STATUS_ERROR_NOT_FOUND) {
		r = 0;	/* no such queue any more: no job on it */
	} else if (resp == NULL || st >= IPP_STATUS_ERROR_BAD_REQUEST) {
		const char *msg = C.f.cupsLastErrorString();

		r = err_reason(err_set(NHI_ENETWORK, "printer '%s': the print service (CUPS at"
		    " %s:%d) could not list the queue's jobs: %s", queue, C.f.cupsServer(),
		    C.f.ippPort(), msg != NULL ? msg : "no answer"), "printer.no_service");
	} else {
		/* One group per job; the last job of that name wins. */
		for (a = C.f.ippFirstAttribute(resp); a != NULL; a = C.f.ippNextAttribute(resp)) {
			const char *an = C.f.ippGetName(a);

			if (an == NULL) {
				id = 0;
				name = NULL;
				continue;
			}
			if (strcmp(an, "job-id") == 0)
				id = C.f.ippGetInteger(a, 0);
			else if (strcmp(an, "job-name") == 0)
				name = C.f.ippGetString(a, 0, NULL);
			if (id > 0 && name != NULL && strcmp(name, title) == 0 && id > *job_id)
				*job_id = id;
		}
	}
	if (resp != NULL)
		C.f.ippDelete(resp);
	C.f.httpClose(http);
	return r;
}

int
print_queue_cancel(const char *queue, const char *server, int job_id)
{
	http_t *http;
	int r = 0;

	if ((http = cups_connect(queue, server, &r)) == NULL)
		return r;
	/* A job that already completed, or is gone, cannot be cancelled: fine. */
	if (C.f.cupsCancelJob2(http, queue, job_id, 0) != IPP_STATUS_OK &&
	    C.f.cupsLastError() != IPP_STATUS_ERROR_NOT_POSSIBLE &&
	    C.f.cupsLastError() != IPP_STATUS_ERROR_NOT_FOUND)
		r = cups_error(queue, "cancel the job");
	C.f.httpClose(http);
	return r;
}
