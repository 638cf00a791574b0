/*
 * flow-print.c: printing the papers handed over at the counter (a
 * certificate, a sleeve, a sheet, a receipt) to a PDF file, a CUPS queue
 * or a PNG proof, for `nhicard print` and every action that prints
 * (flow-print.h).
 *
 * A certificate's serial is recorded in the same store transaction that
 * voids the earlier one, and that transaction commits only after the PDF was
 * written, or after its job on the CUPS queue completed (print-cups.c), so
 * a full disk, a failed job or a printer out of paper never leaves a serial
 * for a paper that does not exist, and the earlier serial stays valid until
 * then. A certificate or sleeve sent to a CUPS queue reserves its serial as
 * pending first and holds no transaction while the job runs
 * (print_card_queued; docs/printing.md), and so does a sheet batch's
 * volume sent to a CUPS queue (print_sheet). One written to a PDF file
 * is reserved the same way, so that the rerun of a print killed at any
 * point finishes it (print_card_file); to a CUPS queue the rerun asks CUPS
 * what became of the stopped print's job (sweep_stale, print_card_queued).
 * A proof (--preview) records nothing.
 */
#include "config.h"

#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <errno.h>

#include "audit.h"
#include "certificate.h"
#include "error.h"
#include "flow-certrules.h"
#include "flow-print.h"
#include "flow.h"
#include "nhiconf.h"
#include "operator.h"
#include "print.h"
#include "reasons.h"
#include "rules.h"
#include "session.h"
#include "store.h"
#include "store-mynumber.h"
#include "util.h"

#define DEFAULT_VOLUME_SIZE	1000
#define DEFAULT_JOB_TIMEOUT	600

const char *
flow_print_sides(const char *duplex)
{
	if (duplex == NULL)
		return NULL;
	if (strcmp(duplex, "long") == 0)
		return "two-sided-long-edge";
	if (strcmp(duplex, "short") == 0)
		return "two-sided-short-edge";
	if (strcmp(duplex, "off") == 0)
		return "one-sided";
	return NULL;
}

static void
today(struct nhi_date *d)
{
	time_today_jst(&d->y, &d->m, &d->d);
}

int
flow_print_defaults(struct session *ctx, struct print_request *a)
{
	const char *env;
	int r;

	a->opts.templates_dir = config_get(ctx->cfg, "print.templates_dir", NULL);
	a->opts.font_path = config_get(ctx->cfg, "print.font_path", NULL);
	if ((r = config_get_int(ctx->cfg, "print.volume_size", DEFAULT_VOLUME_SIZE, 1,
	    1000000, &a->volume_size)) != 0)
		return r;
	if ((r = config_get_int(ctx->cfg, "print.job_timeout", DEFAULT_JOB_TIMEOUT, 1,
	    86400, &a->job_timeout)) != 0)
		return r;
	a->media = config_get(ctx->cfg, "print.media", NULL);
	a->cups_server = config_get(ctx->cfg, "print.cups_server", NULL);
	if ((env = config_get(ctx->cfg, "print.duplex", NULL)) != NULL &&
	    (a->sides = flow_print_sides(env)) == NULL)
		return err_set(NHI_ECONFIG, "print.duplex: expected long, short or off, got"
		    " '%.32s'", env);
	today(&a->day);
	if ((env = getenv("SOURCE_DATE_EPOCH")) != NULL && *env != '\0') {
		char *at = xasprintf("@%s", env);

		r = print_parse_creation_date(at, &a->opts.creation_time);
		free(at);
		if (r != 0)
			return err_wrap(r, "SOURCE_DATE_EPOCH: ");
	} else
		a->opts.creation_time = (int64_t)time(NULL);
	return 0;
}

/* A line for the clerk: to the caller's events (a screen), else stdout. */
static void __attribute__((format(printf, 2, 3)))
print_note(const struct print_request *a, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	if (a->events != NULL)
		flow_note(a->events, "%s", text);
	else {
		printf("%s\n", text);
		/* A job that waits for paper is told at once, not at exit. */
		fflush(stdout);
	}
	free(text);
}

static void
show_warnings(const struct print_request *a, const struct print_job *job)
{
	size_t i;

	for (i = 0; i < print_job_warning_count(job); i++) {
		if (a->events != NULL)
			flow_note(a->events, "warning: %s", print_job_warning(job, i)->text);
		else
			fprintf(stderr, "nhicard: warning: %s\n", print_job_warning(job, i)->text);
	}
}

/* The PDF job of a certificate, or of its sleeve when DOCUMENT is
 * "sleeve", its layout warnings shown. *JOBP, once set, is the caller's
 * to free, on error too. */
static int
build_document_job(const struct print_request *a, const char *document,
    const struct print_certificate *c, struct print_job **jobp)
{
	int r;

	if ((r = print_job_new(&a->opts, jobp)) != 0)
		return r;
	r = strcmp(document, "sleeve") == 0 ? print_job_add_sleeve(*jobp, c) :
	    print_job_add_certificate(*jobp, c);
	if (r == 0)
		show_warnings(a, *jobp);
	return r;
}

/* The clerk hears how the job on the printer goes: its id, then each
 * change of the printer's state, in the catalog's language. */
/* A certificate's pending serial (store_certificate_reserve), or none. */
struct pending {
	struct store	*st;
	int64_t		 id;
	const int64_t	*ids;	/* a sheet's: n of them (id unused) */
	size_t		 n;
};

struct notify_arg {
	const struct print_request	*a;
	const struct pending		*pending;
};

static void
queue_notify(void *arg, int job_id, const char *key, const char *detail)
{
	const struct notify_arg *na = arg;
	const struct print_request *a = na->a;
	const char *text;
	int e;

	if (key == NULL) {
		print_note(a, "printer %s: job %d queued", a->printer, job_id);
		/* Kept with the pending serial: a `db check` after the station
		 * stopped cancels it. Only a note if the store is busy. */
		if (na->pending != NULL) {
			const struct pending *p = na->pending;
			size_t i, n = p->ids != NULL ? p->n : 1;

			for (i = 0; i < n; i++)
				if ((e = store_certificate_pending_job(p->st, p->ids != NULL ?
				    p->ids[i] : p->id, job_id)) != 0) {
					print_note(a, "warning: job %d not kept with the pending"
					    " serial: %s", job_id, err_text(e));
					err_clear();
					break;
				}
		}
		return;
	}
	text = reason_text(key);
	text = text != NULL ? dgettext("nhicard", text) : key;
	if (detail != NULL && *detail != '\0')
		print_note(a, "printer %s: job %d: %s (%s)", a->printer, job_id, text, detail);
	else
		print_note(a, "printer %s: job %d: %s", a->printer, job_id, text);
}

/* A temporary file name next to nothing in particular ($TMPDIR). Caller must
 * unlink and free. */
static int
temp_pdf(char **out)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	path = xasprintf("%s/nhicard-print.XXXXXX", dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		int r = err_set(NHI_EIO, "cannot create a temporary file in %s",
		    dir != NULL && *dir != '\0' ? dir : "/tmp");

		free(path);
		return r;
	}
	close(fd);
	*out = path;
	return 0;
}

/*
 * Write the job where the arguments say: -o FILE, the printer, or a PNG
 * proof. For -o the file is `path` (a volume name in batches).
 */
static int
deliver(struct print_request *a, struct print_job *job, const char *path, int *wrote,
    const struct pending *pending)
{
	char *tmp = NULL;
	int r;

	*wrote = 0;
	if (a->out != NULL) {
		if ((r = print_job_save(job, path)) != 0)
			return r;
		*wrote = 1;
		return 0;
	}
	if ((r = temp_pdf(&tmp)) != 0)
		return r;
	if ((r = print_job_save(job, tmp)) != 0)
		goto out;
	if (a->printer != NULL) {
		struct notify_arg na = { a, pending };
		struct print_queue_opts q = {
			.server = a->cups_server,
			.media = a->media,
			.sides = a->sides != NULL ? a->sides :
			    strcmp(a->sub, "sheet") == 0 ? "two-sided-long-edge" : NULL,
			.title = a->job_title != NULL ? a->job_title : a->sub,
			.timeout_s = (int)a->job_timeout,
			.notify = queue_notify,
			.arg = &na,
		};

		r = print_queue_send(tmp, a->printer, &q, &a->job_id);
		if (r != 0 && err_reason_of(r) != NULL) {
			/* The clerk's words first, the detail after. */
			const char *why = dgettext("nhicard", reason_text(err_reason_of(r)));

			r = err_wrap(r, "%s ", why);
		} else if (r == 0)
			print_note(a, "printer %s: job %d completed", a->printer, a->job_id);
	} else
		r = print_preview_png(tmp, a->preview);
out:
	unlink(tmp);
	free(tmp);
	return r;
}

static const char *
target_name(const struct print_request *a, const char *path)
{
	return a->out != NULL ? path : a->printer != NULL ? a->printer : a->preview;
}

/* The print request a stale pending row is matched against (its rerun). */
struct stale_match {
	int64_t		 resident_id;
	const char	*document;
	const char	*reason;
	const char	*printer;
	const struct nhi_date *day;
};

/* What became of the stale row of the print being run again. */
enum stale_fate {
	STALE_NONE,		/* none, or voided: print anew */
	STALE_PRINTED,		/* its job completed: recorded now */
	STALE_WAITING,		/* its job is still on the queue: *mine is it */
};

/* Free what one stale row holds (not the row). */
static void
stale_clear(struct certificate_stale *s)
{
	free(s->serial);
	free(s->printer);
	free(s->station_host);
	free(s->person_code);
	free(s->document);
	free(s->reason);
	free(s->issued_on);
	memset(s, 0, sizeof(*s));
}

static int
stale_matches(const struct certificate_stale *s, const struct stale_match *m)
{
	char day[16];

	if (m == NULL || s->resident_id != m->resident_id ||
	    strcmp(s->document, m->document) != 0 || strcmp(s->printer, m->printer) != 0)
		return 0;
	if ((s->reason == NULL) != (m->reason == NULL) ||
	    (s->reason != NULL && strcmp(s->reason, m->reason) != 0))
		return 0;
	date_format(m->day, day, sizeof(day));
	return strcmp(s->issued_on, day) == 0;
}

/* CUPS could not be asked about a stale print's job: the clerk's words
 * first, then which print, and that nothing changed. */
static int
cups_unanswered(int r, const struct certificate_stale *s)
{
	char job[32];

	if (s->job_id > 0)
		snprintf(job, sizeof(job), "job %d", s->job_id);
	else
		snprintf(job, sizeof(job), "job not known");
	r = err_wrap(r, "pending print %s on printer %s (%s) was left by a station that"
	    " stopped, and the print service cannot say whether its paper came out:"
	    " nothing changed (run it again once CUPS answers): ", s->serial, s->printer, job);
	if (err_reason_of(r) != NULL)
		r = err_wrap(r, "%s ", dgettext("nhicard", reason_text(err_reason_of(r))));
	return r;
}

/*
 * The pending prints whose station stopped (kill, crash, power). CUPS is
 * asked first about each one's job (nothing is written if it cannot be
 * reached): a job that completed is recorded as printed, the earlier
 * certificate voided, with its audit entry, in one transaction; a job still
 * queued, held or processing is left pending (the rerun of that same print,
 * `m`, takes it over: *fate STALE_WAITING, *mine filled); any other (file
 * prints, no job id, a job cancelled, aborted, stopped or unknown to CUPS)
 * is voided and its job cancelled, so no paper with a void serial comes out
 * later. Each is told to the clerk.
 */
static int
sweep_stale(struct session *ctx, struct store *st, const struct flow_events *events,
    const struct stale_match *m, enum stale_fate *fate, struct certificate_stale *mine)
{
	struct print_request a = { .events = events };
	struct certificate_stale *v = NULL;
	enum print_job_state *js = NULL;
	const char *server = config_get(ctx->cfg, "print.cups_server", NULL);
	char (*jname)[32] = NULL;
	char *note = NULL;
	size_t n = 0, i;
	enum { KEPT, PRINTED, VOIDED, WAITING } *done = NULL;
	int r;

	if (fate != NULL)
		*fate = STALE_NONE;
	if ((r = store_certificate_list_stale(st, &v, &n)) != 0 || n == 0)
		return r;
	js = xcalloc(n, sizeof(*js));
	jname = xcalloc(n, sizeof(*jname));
	done = xcalloc(n, sizeof(*done));
	/* CUPS first: a scheduler that cannot be asked changes nothing. */
	for (i = 0; i < n; i++) {
		js[i] = PRINT_JOB_GONE;
		snprintf(jname[i], sizeof(jname[i]), "not known");
		if (strncmp(v[i].printer, "file:", 5) == 0)
			continue;
		if (v[i].job_id <= 0) {
			/* Killed before the job's id was kept: found by its name. */
			char *title = xasprintf("%s %s", v[i].document, v[i].serial);

			r = print_queue_find_job(v[i].printer, server, title, &v[i].job_id);
			free(title);
			if (r != 0) {
				r = cups_unanswered(r, &v[i]);
				goto out;
			}
			if (v[i].job_id <= 0)
				continue;
		}
		if ((r = print_queue_job(v[i].printer, server, v[i].job_id, &js[i], jname[i],
		    sizeof(jname[i]))) != 0) {
			r = cups_unanswered(r, &v[i]);
			goto out;
		}
	}
	if ((r = store_begin(st)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (js[i] == PRINT_JOB_WAITING) {
			if (fate != NULL && stale_matches(&v[i], m)) {
				*fate = STALE_WAITING;
				*mine = v[i];
				memset(&v[i], 0, sizeof(v[i]));
			} else
				done[i] = WAITING;
			continue;
		}
		if ((r = store_certificate_claim(st, &v[i])) == NHI_ESTATE) {
			err_clear();	/* someone else settled it meanwhile */
			continue;
		}
		if (r != 0)
			goto rollback;
		if (js[i] == PRINT_JOB_COMPLETED) {
			free(note);
			note = xasprintf("CUPS job %d completed; recorded after its station"
			    " stopped", v[i].job_id);
			if ((r = store_certificate_settle(st, v[i].id, 1, note)) != 0)
				goto rollback;
			free(note);
			note = xasprintf("resident:%.40s", v[i].person_code != NULL ?
			    v[i].person_code : "-");
			if ((r = audit_append(st, ctx->operator_login, v[i].document[0] == 's' ?
			    "print.sleeve" : "print.certificate", note, AUDIT_OK, v[i].reason !=
			    NULL ? "reprint: the valid one voided; printed by a station that"
			    " stopped (CUPS job completed), recorded after it" : "printed by a"
			    " station that stopped (CUPS job completed), recorded after it")) != 0)
				goto rollback;
			done[i] = PRINTED;
			if (fate != NULL && stale_matches(&v[i], m))
				*fate = STALE_PRINTED;
			continue;
		}
		if ((r = store_certificate_void(st, v[i].id, "the station stopped while the job"
		    " was pending and the job did not complete: the serial is void, the earlier"
		    " certificate stays valid")) != 0)
			goto rollback;
		done[i] = VOIDED;
	}
	if ((r = store_commit(st)) != 0)
		goto rollback;
	for (i = 0; i < n; i++) {
		if (done[i] == KEPT)
			continue;
		if (done[i] == PRINTED)
			print_note(&a, "pending print %s on printer %s (job %d) was left by a"
			    " station that stopped; CUPS says the job completed: recorded as"
			    " printed (the earlier one voided), not printed again", v[i].serial,
			    v[i].printer, v[i].job_id);
		else if (done[i] == WAITING)
			print_note(&a, "pending print %s on printer %s (job %d) was left by a"
			    " station that stopped; the job is still %s on the printer: left"
			    " pending, nothing voided (a rerun of that print waits for it; to"
			    " print anew, cancel job %d on %s and run `nhicard db check`)",
			    v[i].serial, v[i].printer, v[i].job_id, jname[i], v[i].job_id,
			    v[i].printer);
		else if (strncmp(v[i].printer, "file:", 5) == 0)
			print_note(&a, "pending print %s to file %s was left by a station that"
			    " stopped: voided, the earlier certificate stays valid (a PDF carrying"
			    " it is void)", v[i].serial, v[i].printer + 5);
		else
			print_note(&a, "pending print %s on printer %s (job %d, %s) was left by a"
			    " station that stopped: voided, the earlier certificate stays valid",
			    v[i].serial, v[i].printer, v[i].job_id, jname[i]);
		if (done[i] == VOIDED && v[i].job_id > 0 && js[i] != PRINT_JOB_GONE &&
		    strncmp(v[i].printer, "file:", 5) != 0 &&
		    print_queue_cancel(v[i].printer, server, v[i].job_id) != 0) {
			print_note(&a, "warning: job %d on printer %s could not be cancelled: %s",
			    v[i].job_id, v[i].printer, err_text(err_last()));
			err_clear();
		}
	}
	r = 0;
	goto out;
rollback:
	store_rollback(st);
	if (fate != NULL) {
		if (*fate == STALE_WAITING)
			stale_clear(mine);
		*fate = STALE_NONE;
	}
out:
	free(note);
	free(js);
	free(jname);
	free(done);
	certificate_stale_free(v, n);
	return r;
}

int
flow_print_settle_stale(struct session *ctx, struct store *st,
    const struct flow_events *events)
{
	return sweep_stale(ctx, st, events, NULL, NULL, NULL);
}

/* The audit subject of a print: the resident as the clerk named them. */
static const char *
print_subject(const struct print_request *a)
{
	static char subject[64];

	snprintf(subject, sizeof(subject), "resident:%.40s",
	    a->npos > 0 ? a->pos[a->npos - 1] : "-");
	return subject;
}

/* The print's audit entry, in the settling transaction. */
static int
audit_card(struct session *ctx, struct store *st, const struct print_request *a,
    const char *document, const char *detail)
{
	return audit_append(st, ctx->operator_login, document[0] == 's' ? "print.sleeve" :
	    "print.certificate", print_subject(a), AUDIT_OK, detail != NULL ? detail :
	    a->reason != NULL ? "reprint: the valid one voided" : NULL);
}

/*
 * A certificate or sleeve to a CUPS queue without holding the store's write
 * lock while the job runs: its serial is reserved as pending (committed),
 * the job is sent and followed, then one short transaction records it and
 * voids the earlier one (completed) or marks it failed.
 *
 * Run again after its station stopped (docs/printing.md "A print that
 * stopped"), the same request (resident, reason, printer, day) finds what
 * the stopped one left: a reprint already recorded is not made again; a
 * pending serial whose job completed is recorded, not printed again; one
 * whose job is still on the queue is taken over and its job followed (up
 * to print.job_timeout), not sent again; else it is voided and printed anew.
 */
static int
print_card_queued(struct session *ctx, struct store *st, struct print_request *a,
    struct print_certificate *c, int64_t rid, int64_t eid, const char *document,
    int *audited)
{
	struct stale_match m = { rid, document, a->reason, a->printer, &a->day };
	struct certificate_stale left = { 0 };
	struct print_job *job = NULL;
	struct pending p = { .st = st };
	enum stale_fate fate;
	char *serial = NULL;
	int r, r2, wrote = 0;

	/* A reprint that finished: its rerun makes none. */
	if (a->reprint_once && a->reason != NULL &&
	    (r = store_certificate_reprinted(st, rid, document, a->reason, a->printer,
	    &a->day, &serial)) != NHI_ENOTFOUND) {
		if (r == 0) {
			print_note(a, "%s %s (reprint for '%s') was already printed on %s and"
			    " recorded: nothing voided or printed again (for one more copy,"
			    " reprint with another reason)", document, serial, a->reason,
			    a->printer);
			*audited = 1;
		}
		free(serial);
		return r;
	}
	if ((r = sweep_stale(ctx, st, a->events, &m, &fate, &left)) != 0)
		return r;
	if (fate == STALE_PRINTED) {
		print_note(a, "%s printed on %s by a print that stopped before recording it:"
		    " recorded now, not printed again", document, a->printer);
		*audited = 1;
		return 0;
	}
	if (fate == STALE_WAITING) {
		/* Its job is still on the queue: followed, not sent again. */
		if ((r = store_begin(st)) != 0)
			goto out;
		if ((r = store_certificate_claim(st, &left)) != 0 ||
		    (r = store_commit(st)) != 0) {
			store_rollback(st);
			goto out;
		}
		p.id = left.id;
		c->serial = left.serial;
		left.serial = NULL;
		a->job_id = left.job_id;
		print_note(a, "%s %s: job %d on printer %s, sent by a print that stopped, is"
		    " still on the queue: waiting for it (up to %ld s), not sent again",
		    document, c->serial, left.job_id, a->printer, a->job_timeout);
		{
			struct notify_arg na = { a, NULL };
			struct print_queue_opts q = {
				.server = a->cups_server,
				.timeout_s = (int)a->job_timeout,
				.notify = queue_notify,
				.arg = &na,
			};

			r = print_queue_follow(a->printer, &q, left.job_id);
			if (r != 0 && err_reason_of(r) != NULL)
				r = err_wrap(r, "%s ", dgettext("nhicard",
				    reason_text(err_reason_of(r))));
			else if (r == 0)
				print_note(a, "printer %s: job %d completed", a->printer,
				    left.job_id);
		}
	} else {
		if ((r = store_begin(st)) != 0)
			goto out;
		if ((r = store_certificate_reserve(st, rid, eid, document,
		    print_cert_kind_name(c->kind), &a->day, a->reason, a->printer, &p.id,
		    &c->serial)) != 0 || (r = store_commit(st)) != 0) {
			store_rollback(st);
			goto out;
		}
		if ((r = build_document_job(a, document, c, &job)) == 0) {
			/* Named for the serial: a rerun finds the job even if
			 * its id was never kept. */
			char *title = xasprintf("%s %s", document, c->serial);

			a->job_title = title;
			r = deliver(a, job, NULL, &wrote, &p);
			a->job_title = NULL;
			free(title);
		}
		print_job_free(job);
	}
	/* Settle: recorded if the job completed, failed otherwise. */
	if ((r2 = store_begin(st)) == 0) {
		r2 = store_certificate_settle(st, p.id, r == 0, r == 0 ? NULL : err_text(r));
		/* A completed print and its audit entry commit together. */
		if (r2 == 0 && r == 0)
			r2 = audit_card(ctx, st, a, document, NULL);
		r2 = r2 == 0 ? store_commit(st) : (store_rollback(st), r2);
		if (r2 == 0 && r == 0)
			*audited = 1;
	}
	if (r != 0)
		goto out;
	if (r2 != 0) {
		/* Printed, but not recorded: the serial on the paper is not valid. */
		r = err_wrap(r2, "%s %s printed on %s but not recorded (the earlier one stays"
		    " valid; print it again): ", document, c->serial, a->printer);
		if (store_begin(st) == 0) {
			if (store_certificate_settle(st, p.id, 0, err_text(r)) == 0)
				store_commit(st);
			else
				store_rollback(st);
		}
		goto out;
	}
	print_note(a, "%s %s printed to %s", document, c->serial, a->printer);
out:
	stale_clear(&left);
	return r;
}

/* Record a pending print as printed with its audit entry, in one short
 * transaction. */
static int
settle_printed(struct session *ctx, struct store *st, const struct print_request *a,
    int64_t id, const char *document, const char *detail)
{
	int r;

	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = store_certificate_settle(st, id, 1, NULL)) != 0 ||
	    (r = audit_card(ctx, st, a, document, detail)) != 0 ||
	    (r = store_commit(st)) != 0) {
		store_rollback(st);
		return r;
	}
	return 0;
}

/*
 * A certificate or sleeve to a PDF file (-o). Like a CUPS print its serial
 * is reserved as pending first ("file:PATH"), the file at PATH removed in
 * that same step, then the PDF is written (atomically: a file at PATH is
 * complete) and the print settled. So a station killed at any point leaves
 * what its rerun (same resident, reason, file and day) can finish, ending
 * as a run that was not killed (docs/printing.md "A print that stopped"):
 * a pending serial with its PDF written is recorded (not printed again), one
 * without is printed now under the same serial, and a reprint already
 * recorded with its PDF there is not made again.
 */
static int
print_card_file(struct session *ctx, struct store *st, struct print_request *a,
    struct print_certificate *c, int64_t rid, int64_t eid, const char *document,
    int *audited)
{
	struct print_job *job = NULL;
	struct stat sb;
	char *target, *cwd = NULL, *serial = NULL;
	int64_t id = 0;
	int r, r2, wrote = 0, resumed = 0, exists;

	exists = lstat(a->out, &sb) == 0;
	if (exists && !S_ISREG(sb.st_mode))
		return err_set(NHI_EIO, "%s: not a regular file; give a file name for the PDF",
		    a->out);
	if (a->out[0] == '/')
		target = xasprintf("file:%s", a->out);
	else {
		if ((cwd = getcwd(NULL, 0)) == NULL)
			return err_set(NHI_EIO, "cannot name the current directory");
		target = xasprintf("file:%s/%s", cwd, a->out);
		free(cwd);
	}
	/* A reprint that finished, its PDF there: its rerun makes none. */
	if (a->reprint_once && a->reason != NULL && exists &&
	    (r = store_certificate_reprinted(st, rid, document,
	    a->reason, target, &a->day, &serial)) != NHI_ENOTFOUND) {
		if (r == 0) {
			print_note(a, "%s %s (reprint for '%s') was already printed to %s and"
			    " recorded: nothing voided or printed again (for one more copy,"
			    " reprint with another reason)", document, serial, a->reason, a->out);
			*audited = 1;
		}
		goto out;
	}
	/* A print of this file that a stopped station left pending. */
	r = store_certificate_pending_left(st, rid, document, a->reason, target, &a->day,
	    &id, &serial);
	if (r == 0 && exists) {
		/* Its PDF was written (the reservation removed any file there). */
		if ((r = settle_printed(ctx, st, a, id, document, "written by a print that"
		    " stopped; recorded by its rerun")) != 0)
			goto out;
		*audited = 1;
		print_note(a, "%s %s was written to %s by a print that stopped before recording"
		    " it: recorded now, not printed again", document, serial, a->out);
		goto out;
	}
	if (r == 0) {
		/* Reserved, never written: printed now under the same serial. */
		if ((r = store_begin(st)) != 0)
			goto out;
		if ((r = store_certificate_pending_take(st, id)) != 0 ||
		    (r = store_commit(st)) != 0) {
			store_rollback(st);
			goto out;
		}
		print_note(a, "%s %s was reserved by a print that stopped before writing it:"
		    " printing it now", document, serial);
		c->serial = serial;
		serial = NULL;
		resumed = 1;
	} else if (r != NHI_ENOTFOUND)
		goto out;
	if (!resumed) {
		if ((r = flow_print_settle_stale(ctx, st, a->events)) != 0)
			goto out;
		if ((r = store_begin(st)) != 0)
			goto out;
		if ((r = store_certificate_reserve(st, rid, eid, document,
		    print_cert_kind_name(c->kind), &a->day, a->reason, target, &id,
		    &c->serial)) != 0) {
			store_rollback(st);
			goto out;
		}
		/* Before the reservation is durable: a file at PATH while it is
		 * pending is this print's. */
		if (exists && unlink(a->out) != 0 && errno != ENOENT) {
			r = err_set(NHI_EIO, "%s: cannot replace it: %s", a->out, strerror(errno));
			store_rollback(st);
			goto out;
		}
		if ((r = store_commit(st)) != 0) {
			store_rollback(st);
			goto out;
		}
	}
	if ((r = build_document_job(a, document, c, &job)) == 0)
		r = deliver(a, job, a->out, &wrote, NULL);
	if (r == 0 && (r2 = settle_printed(ctx, st, a, id, document, NULL)) != 0) {
		/* Written, not recorded: no serial, no paper. */
		unlink(a->out);
		r = err_wrap(r2, "%s %s not recorded (the earlier one stays valid; print it"
		    " again): ", document, c->serial);
	} else if (r == 0) {
		*audited = 1;
		print_note(a, "%s %s printed to %s", document, c->serial, a->out);
		goto out;
	}
	/* Failed, no PDF (written atomically, or removed): nothing carries the
	 * serial, so it is released, as if never reserved. */
	{
		char *why = xstrdup(err_text(r));

		if (store_certificate_unreserve(st, id) != 0) {
			print_note(a, "warning: pending print %s not released: %s (`db check`"
			    " voids it)", c->serial, err_text(err_last()));
			r = err_set(r, "%s", why);
		}
		free(why);
	}
out:
	print_job_free(job);
	free(serial);
	free(target);
	return r;
}

/* certificate or sleeve for one resident. */
static int
print_card(struct session *ctx, struct print_request *a, int *audited)
{
	const char *document = strcmp(a->sub, "sleeve") == 0 ? "sleeve" : "certificate";
	struct print_certificate c = { 0 };
	struct rules_policy policy;
	struct print_job *job = NULL;
	struct store *st;
	int64_t rid, eid = 0;
	int r, wrote = 0;

	if (a->npos > 1)
		return err_operands("print", FLOW_PRINT_USAGE,
		    a->sub, a->npos, a->pos, 0, 1);
	if (a->npos != 1)
		return err_usage("print", FLOW_PRINT_USAGE,
		    "expected one RESIDENT (person code or id)");
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = store_certificate_find_resident(st, a->pos[0], &rid)) != 0 ||
	    (r = store_certificate_load(st, rid, &a->day, &c, &eid)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &policy)) != 0 ||
	    (r = flow_certificate_rules(&policy, st, rid, eid, &c)) != 0)
		goto out;
	/* The resident's kept choice (resident edit --sex-on-back), or this
	 * print's --sex-on-back on top of it. */
	if (a->sex_on_back)
		c.sex_on_back = 1;
	c.insurer_name = xstrdup(config_get(ctx->cfg, "print.insurer_name", ""));
	/* A certificate is reserved, printed, then recorded: to a CUPS queue
	 * or to a PDF file (the command asks for exactly one target). */
	if (!a->opts.proof) {
		if (a->out != NULL)
			r = print_card_file(ctx, st, a, &c, rid, eid, document, audited);
		else if (a->printer != NULL)
			r = print_card_queued(ctx, st, a, &c, rid, eid, document, audited);
		else
			r = err_set(NHI_EUSAGE, "print %s: no target (-o FILE.pdf, --printer"
			    " NAME or --preview FILE.png)", a->sub);
		goto out;
	}
	/* A proof (--preview): nothing recorded. */
	c.serial = xstrdup("見本（校正刷り）");
	if ((r = build_document_job(a, document, &c, &job)) != 0 ||
	    (r = deliver(a, job, NULL, &wrote, NULL)) != 0)
		goto out;
	print_note(a, "proof of the %s written to %s (nothing recorded)", document, a->preview);
	r = 0;
out:
	print_job_free(job);
	print_certificate_clear(&c);
	return r;
}

/*
 * The 資格情報のお知らせ for a resident whose My Number card is linked
 * (notice.tmpl). It is a notice, not a certificate: no serial is recorded
 * and nothing is voided by a new one; its printing is audited. A resident
 * without a link is refused: the rules' certificate is theirs.
 */
static int
print_notice(struct session *ctx, struct print_request *a)
{
	struct print_certificate c = { 0 };
	struct rules_policy policy;
	struct print_job *job = NULL;
	struct mynumber_link link;
	struct store *st;
	int64_t rid, eid = 0;
	int r, wrote = 0;

	if (a->npos > 1)
		return err_operands("print", FLOW_PRINT_USAGE,
		    a->sub, a->npos, a->pos, 0, 1);
	if (a->npos != 1)
		return err_usage("print", FLOW_PRINT_USAGE,
		    "expected one RESIDENT (person code or id)");
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = store_certificate_find_resident(st, a->pos[0], &rid)) != 0)
		goto out;
	if ((r = store_mynumber_current(st, rid, &link)) == NHI_ENOTFOUND) {
		r = err_set(NHI_EREFUSED, "resident %lld has no My Number card linked: the"
		    " notice is for linked people (print the certificate the rules give)",
		    (long long)rid);
		goto out;
	}
	if (r != 0 ||
	    (r = store_certificate_load(st, rid, &a->day, &c, &eid)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &policy)) != 0 ||
	    (r = flow_certificate_rules(&policy, st, rid, eid, &c)) != 0)
		goto out;
	c.insurer_name = xstrdup(config_get(ctx->cfg, "print.insurer_name", ""));
	c.serial = xasprintf("マイナンバーカード紐付け %.10s", link.linked_at);
	if ((r = print_job_new(&a->opts, &job)) != 0 ||
	    (r = print_job_add_notice(job, &c)) != 0)
		goto out;
	show_warnings(a, job);
	if ((r = deliver(a, job, a->out, &wrote, NULL)) != 0)
		goto out;
	print_note(a, "notice (資格情報のお知らせ) printed to %s", target_name(a, a->out));
out:
	print_job_free(job);
	print_certificate_clear(&c);
	return r;
}

/* The volume file name: FILE itself for one volume, else FILE-001.pdf ... */
static char *
volume_path(const char *out, size_t vol, size_t nvol)
{
	const char *dot;

	if (out == NULL || nvol == 1)
		return xstrdup(out != NULL ? out : "");
	if ((dot = strrchr(out, '.')) != NULL && strchr(dot, '/') == NULL)
		return xasprintf("%.*s-%03zu%s", (int)(dot - out), out, vol + 1, dot);
	return xasprintf("%s-%03zu", out, vol + 1);
}

/* Settle a sheet's pending serials in one short transaction: recorded
 * (printed) or failed with `note`. */
static int
settle_sheet(struct store *st, const int64_t *pids, size_t n, int printed, const char *note)
{
	size_t i;
	int r;

	if ((r = store_begin(st)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = store_certificate_settle(st, pids[i], printed, note)) != 0) {
			store_rollback(st);
			return r;
		}
	return store_commit(st);
}

/* A batch on A4 sheets, split into volumes of a->volume_size certificates,
 * each committed after its file was written. To a CUPS queue each volume's
 * serials are reserved as pending first and settled once its job ended, no
 * transaction open while it runs (as print_card_queued). */
static int
print_sheet(struct session *ctx, struct print_request *a)
{
	struct print_certificate *certs = NULL;
	struct rules_policy policy;
	struct print_job *job = NULL;
	struct store *st;
	int64_t *ids = NULL, eid;
	size_t n = 0, i, vol, nvol, first, count, loaded = 0;
	char *path = NULL;
	int64_t *pids = NULL;
	size_t npids = 0;
	int r, r2, in_txn = 0, wrote = 0, held = 0;
	int queued = !a->opts.proof && a->out == NULL && a->printer != NULL;

	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &policy)) != 0)
		return r;
	if (queued && (r = flow_print_settle_stale(ctx, st, a->events)) != 0)
		return r;
	if (a->all) {
		if (a->npos != 0)
			return err_usage("print", FLOW_PRINT_USAGE,
			    "give --all or RESIDENT..., not both");
		if ((r = store_certificate_batch(st, &a->day, &ids, &n)) != 0)
			return r;
	} else {
		if (a->npos == 0)
			return err_usage("print", FLOW_PRINT_USAGE,
			    "expected --all or RESIDENT...");
		n = (size_t)a->npos;
		ids = xcalloc(n, sizeof(*ids));
		for (i = 0; i < n; i++)
			if ((r = store_certificate_find_resident(st, a->pos[i], &ids[i])) != 0)
				goto out;
	}
	if (a->all)
		/* Everyone the rules exclude that day is left out, each named. */
		for (i = 0; i < n; ) {
			struct print_certificate probe = { 0 };

			r = store_certificate_load(st, ids[i], &a->day, &probe, &eid);
			if (r == 0)
				r = flow_certificate_rules(&policy, st, ids[i], eid, &probe);
			print_certificate_clear(&probe);
			if (r == NHI_EREFUSED) {
				print_note(a, "left out: %s", err_text(r));
				err_clear();
				memmove(&ids[i], &ids[i + 1], (n - i - 1) * sizeof(*ids));
				n--;
				continue;
			}
			if (r != 0)
				goto out;
			i++;
		}
	if (n == 0) {
		r = err_set(NHI_ENOTFOUND, "no resident has NHI eligibility on that day: nothing"
		    " to print");
		goto out;
	}
	/* A reprint voids every valid certificate it replaces: beyond
	 * operators.bulk_void_limit that needs a second person. */
	if (a->reason != NULL && !a->opts.proof) {
		long limit;
		char detail[64];

		if ((r = config_get_int(ctx->cfg, "operators.bulk_void_limit", 20, 0,
		    1000000, &limit)) != 0)
			goto out;
		snprintf(detail, sizeof(detail), "reprint of %zu certificates", n);
		if ((long)n > limit &&
		    (r = operator_require_approval(ctx, "print.sheet.bulk_void", detail)) != 0)
			goto out;
	}
	if (a->opts.proof)
		a->volume_size = (long)n;	/* one proof to look at */
	nvol = (n + (size_t)a->volume_size - 1) / (size_t)a->volume_size;
	for (vol = 0; vol < nvol; vol++) {
		first = vol * (size_t)a->volume_size;
		count = n - first < (size_t)a->volume_size ? n - first : (size_t)a->volume_size;
		certs = xcalloc(count, sizeof(*certs));
		loaded = 0;
		if (queued) {
			pids = xcalloc(count, sizeof(*pids));
			npids = 0;
		}
		if (!a->opts.proof) {
			if ((r = store_begin(st)) != 0)
				goto out;
			in_txn = 1;
		}
		for (i = 0; i < count; i++) {
			if ((r = store_certificate_load(st, ids[first + i], &a->day, &certs[i],
			    &eid)) != 0)
				goto out;
			loaded++;
			if ((r = flow_certificate_rules(&policy, st, ids[first + i], eid,
			    &certs[i])) != 0)
				goto out;
			certs[i].insurer_name = xstrdup(config_get(ctx->cfg,
			    "print.insurer_name", ""));
			if (a->opts.proof)
				certs[i].serial = xstrdup("見本");
			else if (queued) {
				if ((r = store_certificate_reserve(st, ids[first + i], eid,
				    "certificate", print_cert_kind_name(certs[i].kind), &a->day,
				    a->reason, a->printer, &pids[npids], &certs[i].serial)) != 0)
					goto out;
				npids++;
			} else if ((r = store_certificate_issue(st, ids[first + i], eid,
			    "certificate", print_cert_kind_name(certs[i].kind), &a->day,
			    a->reason, &certs[i].serial)) != 0)
				goto out;
		}
		if (queued) {
			/* The serials reserved; the lock is released for the job. */
			if ((r = store_commit(st)) != 0)
				goto out;
			in_txn = 0;
			held = 1;
		}
		path = volume_path(a->out, vol, nvol);
		if ((r = print_job_new(&a->opts, &job)) != 0 ||
		    (r = print_job_add_sheet(job, certs, count)) != 0)
			goto out;
		show_warnings(a, job);
		{
			struct pending p = { st, 0, pids, npids };

			r = deliver(a, job, path, &wrote, queued ? &p : NULL);
		}
		if (queued) {
			/* Recorded if the job completed, failed otherwise. */
			r2 = settle_sheet(st, pids, npids, r == 0, r == 0 ? NULL : err_text(r));
			if (r == 0 && r2 != 0) {
				r = err_wrap(r2, "%zu certificates printed on %s but not recorded"
				    " (the earlier ones stay valid; print them again): ", count,
				    a->printer);
				(void)settle_sheet(st, pids, npids, 0, err_text(r));
			}
			free(pids);
			pids = NULL;
			npids = 0;
			held = 0;
		}
		if (r != 0)
			goto out;
		if (in_txn) {
			if ((r = store_commit(st)) != 0)
				goto out;
			in_txn = 0;
		}
		print_note(a, "%zu certificates (%s to %s) printed to %s", count,
		    certs[0].serial, certs[count - 1].serial, target_name(a, path));
		print_job_free(job);
		job = NULL;
		for (i = 0; i < loaded; i++)
			print_certificate_clear(&certs[i]);
		free(certs);
		certs = NULL;
		free(path);
		path = NULL;
		wrote = 0;
	}
	r = 0;
out:
	if (in_txn) {
		store_rollback(st);
		if (wrote)
			unlink(path);
	}
	/* Reserved, never sent (the sheet could not be made): failed. */
	if (held) {
		char *why = xstrdup(err_text(r));

		if (settle_sheet(st, pids, npids, 0, why) != 0)
			r = err_set(r, "%s", why);
		free(why);
	}
	free(pids);
	print_job_free(job);
	for (i = 0; certs != NULL && i < loaded; i++)
		print_certificate_clear(&certs[i]);
	free(certs);
	free(path);
	free(ids);
	return r;
}

static int
print_receipt(struct session *ctx, struct print_request *a)
{
	struct print_receipt rc = { 0 };
	struct print_job *job = NULL;
	struct store *st;
	int64_t rid;
	int r, loss, wrote;

	if (a->npos > 2)
		return err_operands("print", FLOW_PRINT_USAGE,
		    "print receipt", a->npos, a->pos, 0, 2);
	if (a->npos != 2 || (strcmp(a->pos[0], "counter") != 0 &&
	    strcmp(a->pos[0], "loss") != 0))
		return err_usage("print", FLOW_PRINT_USAGE,
		    "expected: receipt counter|loss RESIDENT");
	loss = strcmp(a->pos[0], "loss") == 0;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = store_certificate_find_resident(st, a->pos[1], &rid)) != 0 ||
	    (r = store_receipt_load(st, rid, loss, &rc)) != 0)
		goto out;
	rc.date = a->day;
	rc.office = xstrdup(config_get(ctx->cfg, "print.insurer_name", ""));
	rc.actions = a->actions != NULL ? xstrdup(a->actions) : xstrdup(loss ?
	    "カードの紛失届を受理し、国民健康保険の利用を停止しました。" :
	    "国民健康保険の手続きを受け付けました。");
	rc.next_steps = a->next_steps != NULL ? xstrdup(a->next_steps) : xstrdup(loss ?
	    "カードの再交付を申請してください（本人確認書類をお持ちください）。\n"
	    "カードが見つかったときは、窓口に返してください。" :
	    "記載内容に誤りがあるときは、窓口までお知らせください。");
	if ((r = print_job_new(&a->opts, &job)) != 0 ||
	    (r = print_job_add_receipt(job, &rc)) != 0)
		goto out;
	show_warnings(a, job);
	if ((r = deliver(a, job, a->out, &wrote, NULL)) != 0)
		goto out;
	print_note(a, "%s receipt printed to %s", loss ? "loss-report" : "counter",
	    target_name(a, a->out));
	r = 0;
out:
	print_job_free(job);
	print_receipt_clear(&rc);
	return r;
}

int
flow_print_run(struct session *ctx, struct print_request *a)
{
	char action[32], subject[64];
	int r, audited = 0;

	if (strcmp(a->sub, "certificate") == 0 || strcmp(a->sub, "sleeve") == 0)
		r = print_card(ctx, a, &audited);
	else if (strcmp(a->sub, "notice") == 0)
		r = print_notice(ctx, a);
	else if (strcmp(a->sub, "sheet") == 0)
		r = print_sheet(ctx, a);
	else
		r = print_receipt(ctx, a);
	if (r == 0 && audited)
		return 0;	/* audited in the certificate's transaction */
	/* The audit trail: what was printed for whom; a reason voids. */
	snprintf(action, sizeof(action), "print.%s", a->sub);
	snprintf(subject, sizeof(subject), "resident:%.40s",
	    a->npos > 0 ? a->pos[a->npos - 1] : "-");
	return session_audit(ctx, r, action, strcmp(a->sub, "sheet") == 0 ? NULL : subject,
	    a->reason != NULL ? "reprint: the valid one voided" : NULL);
}
