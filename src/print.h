/*
 * print.h: the print layer: templates and PDF output through libharu.
 *
 * What is printed is described by templates (text files in the templates
 * directory, format in docs/templates.md) that IT staff edit without
 * recompiling. The layer's input is plain structs (struct print_certificate,
 * struct print_receipt) of UTF-8 strings and dates: it knows nothing of the
 * store. A print job is one PDF document (one volume of a batch); libharu
 * holds the whole document in memory until it is saved, so batches are split
 * into volumes by the caller.
 *
 * Text never gets clipped: a field that does not fit its box shrinks down to
 * its minimum size (never under PRINT_MIN_PT), and if it still does not fit
 * the job refuses it (NHI_ERANGE naming the field), except in proof mode
 * where it is drawn overflowing, framed in red and reported for the clerk.
 *
 * The same input with the same creation date gives the same bytes.
 *
 * Only files named print*.c call libharu; only print-cups.c calls libcups.
 */
#ifndef NHI_PRINT_H
#define NHI_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* The libharu version found at run time. */
const char *print_library_version(void);

/* The smallest text size anything is ever printed at, in points. */
#define PRINT_MIN_PT	6.0

/* The fonts searched for relative font file names (print.font_path). */
#define PRINT_DEFAULT_FONT_PATH \
	"/usr/share/fonts/opentype/ipaexfont-gothic:" \
	"/usr/share/fonts/opentype/ipaexfont-mincho:" \
	"/usr/share/fonts/truetype/ipaexfont-gothic:" \
	"/usr/share/fonts/truetype/ipaexfont-mincho"

/* ---- Input --------------------------------------------------------- */

/* The kinds of certificate (eligibility_periods.cert_kind). */
enum print_cert_kind {
	PRINT_KIND_HIHOKENSHA,		/* 被保険者証 */
	PRINT_KIND_TANKI,		/* 短期被保険者証 */
	PRINT_KIND_SHIKAKU_SHOMEI,	/* 被保険者資格証明書 */
	PRINT_KIND_KAKUNIN,		/* 資格確認書 */
};

/* Parse the store's name of a kind ("hihokensha", "tanki",
 * "shikaku_shomei", "kakunin"). Returns 0 or NHI_EPARSE. */
int	print_cert_kind_parse(const char *s, enum print_cert_kind *out);
/* The store's name of a kind. */
const char *print_cert_kind_name(enum print_cert_kind kind);
/* The printed title ("国民健康保険被保険者証"). */
const char *print_cert_kind_title(enum print_cert_kind kind);

/* Flags on a name (residents.name_flags). */
#define PRINT_NAME_GAIJI	0x1	/* holds a vendor 外字 at import */

/*
 * One certificate's items. Strings are UTF-8 and owned by the struct
 * (print_certificate_clear frees them); NULL prints as empty. A date with
 * y == 0 is absent.
 */
struct print_certificate {
	enum print_cert_kind kind;
	char	*serial;		/* certificate serial, printed on the back */
	char	*symbol;		/* 記号 */
	char	*number;		/* 番号 */
	char	*branch;		/* 枝番 (2 digits) or NULL */
	char	*name;			/* 氏名 */
	int	 name_flags;		/* PRINT_NAME_* */
	int	 sex;			/* 1 male, 2 female, 9 not stated */
	int	 sex_on_back;		/* 性別 printed on the back on request */
	struct nhi_date birth;		/* 生年月日 */
	char	*head_name;		/* 世帯主氏名 */
	int	 head_name_flags;
	char	*address;		/* 住所 */
	struct nhi_date acquired;	/* 資格取得年月日 */
	struct nhi_date issued;		/* 交付年月日 */
	struct nhi_date valid_until;	/* 有効期限 */
	char	*insurer_number;	/* 保険者番号 */
	char	*insurer_name;		/* 保険者名称 */
	int	 burden_pct;		/* 一部負担金の割合 for ages 70-74, else 0 */
	struct nhi_date burden_from;	/* 発効期日 */
};

/* Free the strings of `c` and zero it. NULL is a no-op. */
void	print_certificate_clear(struct print_certificate *c);

enum print_receipt_kind {
	PRINT_RECEIPT_COUNTER,		/* what was done at the counter */
	PRINT_RECEIPT_LOSS,		/* a loss report was taken */
};

/* A receipt's items; owned strings as above. */
struct print_receipt {
	enum print_receipt_kind kind;
	struct nhi_date date;		/* the day of the visit */
	char	*office;		/* 保険者名称 or the office */
	char	*name;
	int	 name_flags;
	char	*actions;		/* what was done, lines split by '\n' */
	char	*card_serial;
	char	*cert_serial;
	char	*next_steps;		/* what the resident does next, '\n' lines */
};

void	print_receipt_clear(struct print_receipt *r);

/* ---- Templates (print-template.c) --------------------------------- */

struct print_template;

/*
 * Parse template text. `name` (the file name) is used in error details:
 * "certificate.tmpl:12: field 'name': ...". Returns 0 and sets *out (caller
 * must print_template_free), or NHI_EPARSE with detail naming file, line and
 * field.
 */
int	print_template_parse(const char *name, const char *text, size_t len,
	    struct print_template **out);
/* Read and parse DIR/NAME.tmpl. Returns 0, NHI_EPARSE, or a file error
 * (NHI_ENOFILE naming the file). */
int	print_template_load(const char *dir, const char *name, struct print_template **out);
void	print_template_free(struct print_template *t);
/* The template's document type ("certificate", "sleeve", "sheet",
 * "receipt"). */
const char *print_template_document(const struct print_template *t);

/* ---- Jobs (print-job.c) ------------------------------------------- */

struct print_opts {
	const char	*templates_dir;	/* print.templates_dir; NULL: installed */
	const char	*font_path;	/* print.font_path; NULL: default */
	int64_t		 creation_time;	/* Unix time for /CreationDate; <0: none */
	int		 proof;		/* mark 外字 and overflow, do not refuse */
};

/* The installed templates directory. */
const char *print_default_templates_dir(void);

/* A warning for the clerk, collected while printing. */
struct print_warning {
	char	*field;		/* the template field ("name") */
	char	*text;		/* what is wrong, for the clerk */
};

struct print_job;

/* Start a PDF document. Returns 0 and sets *out (caller must
 * print_job_free), or NHI_ECONFIG / NHI_EINTERNAL. */
int	print_job_new(const struct print_opts *opts, struct print_job **out);
void	print_job_free(struct print_job *job);

/*
 * Add pages. Each loads its template from the templates directory on first
 * use (template errors are returned as NHI_EPARSE / NHI_ECONFIG naming file,
 * line and field). A field that does not fit even at its minimum size gives
 * NHI_ERANGE (outside proof mode); the job must then be thrown away.
 *
 * certificate: the card-size certificate, front and back (certificate.tmpl).
 * sleeve: the insert for the Juki card's case (sleeve.tmpl).
 * sheet: certificates imposed on A4 with crop marks, fronts then backs
 *        mirrored for duplex (sheet.tmpl + certificate.tmpl).
 * receipt: counter receipt (receipt-counter.tmpl) or loss-report receipt
 *        (receipt-loss.tmpl).
 */
int	print_job_add_certificate(struct print_job *job, const struct print_certificate *c);
int	print_job_add_sleeve(struct print_job *job, const struct print_certificate *c);
/* notice: the 資格情報のお知らせ a person whose My Number card is linked
 * receives (notice.tmpl): the same items, front and back. */
int	print_job_add_notice(struct print_job *job, const struct print_certificate *c);
int	print_job_add_sheet(struct print_job *job, const struct print_certificate *certs,
	    size_t n);
int	print_job_add_receipt(struct print_job *job, const struct print_receipt *r);

/* The warnings so far (外字 names, overflows in proof mode). */
size_t	print_job_warning_count(const struct print_job *job);
const struct print_warning *print_job_warning(const struct print_job *job, size_t i);
/* Pages so far. */
size_t	print_job_page_count(const struct print_job *job);

/*
 * The finished PDF. Returns 0 and sets *out (caller must free) and *len, or
 * NHI_EINTERNAL. The job may not get more pages afterwards.
 */
int	print_job_render(struct print_job *job, uint8_t **out, size_t *len);

/*
 * Render and write atomically to `path` (temporary file + rename, so a full
 * disk leaves no half file). Refuses an existing path that is not a regular
 * file (NHI_EIO). Returns 0 or the fs_write_atomic error.
 */
int	print_job_save(struct print_job *job, const char *path);

/* ---- Output helpers (print-output.c) ------------------------------ */

/* ---- Printing through CUPS (print-cups.c) -------------------------- */

/*
 * What a job on a CUPS queue is sent with, and who hears how it goes.
 * notify(arg, job_id, key, detail) is called once when the queue accepted
 * the job (key NULL), then each time the printer's state changes while the
 * job waits: key is a reason (reasons.h) "printer.stopped",
 * "printer.no_paper", "printer.unreachable", "printer.no_service", or
 * "printer.resumed" when the trouble is over; detail is the printer's own
 * message (may be empty).
 */
struct print_queue_opts {
	const char	*server;	/* print.cups_server; NULL: CUPS_SERVER or client.conf */
	const char	*media;		/* "A4", "iso_a4_210x297mm", ...; NULL: the queue's */
	const char	*sides;		/* "one-sided", "two-sided-long-edge", ... */
	const char	*title;		/* the job's name; NULL: "nhicard" */
	int		 timeout_s;	/* give up (and cancel) after; <=0: 600 */
	int		 poll_ms;	/* how often the job is looked at; <=0: 250 */
	void		(*notify)(void *arg, int job_id, const char *key, const char *detail);
	void		*arg;
};

/*
 * Print the PDF file on CUPS queue `queue` (by name) and follow the job
 * until it completed. Sets *job_id (may be NULL) as soon as the queue took
 * the job. Returns 0 when the job completed; otherwise an error with its
 * reason key (err_reason_of): NHI_ENETWORK "printer.no_service" (the
 * scheduler cannot be reached), NHI_ENOTFOUND "printer.no_queue", NHI_EIO
 * "printer.job_failed" (the job was refused, aborted or cancelled) or
 * "printer.timeout" (not done within timeout_s: the job is cancelled).
 */
int	print_queue_send(const char *pdf_path, const char *queue,
	    const struct print_queue_opts *o, int *job_id);

/* Follow job `job_id` already on `queue` (one a station that stopped left)
 * as print_queue_send does once the queue took it: 0 when it completed,
 * else its errors (a job not done within timeout_s is cancelled). */
int	print_queue_follow(const char *queue, const struct print_queue_opts *o, int job_id);

/* The newest job on `queue` named `title` (the job's name given at
 * print_queue_send), in *job_id (0: none). Returns 0, or NHI_ENETWORK
 * "printer.no_service" when the scheduler cannot be reached or asked. */
int	print_queue_find_job(const char *queue, const char *server, const char *title,
	    int *job_id);

/* What CUPS says of a job. */
enum print_job_state {
	PRINT_JOB_GONE,		/* unknown to CUPS (never there, or its history purged) */
	PRINT_JOB_WAITING,	/* queued, held or processing: paper may still come */
	PRINT_JOB_COMPLETED,	/* the paper came out */
	PRINT_JOB_ENDED,	/* cancelled, aborted or stopped */
};

/*
 * Ask CUPS (`server`: print.cups_server, NULL: the default) about job
 * `job_id` of `queue`: *state and its IPP name in `name` ("queued",
 * "held", "processing", "completed", "cancelled", "aborted", "stopped",
 * "unknown to CUPS"). Returns 0, or NHI_ENETWORK "printer.no_service" when
 * the scheduler cannot be reached or asked.
 */
int	print_queue_job(const char *queue, const char *server, int job_id,
	    enum print_job_state *state, char *name, size_t nlen);

/* Cancel job `job_id` on `queue` (a job left by a station that stopped):
 * 0 when cancelled or already finished, else the CUPS error. */
int	print_queue_cancel(const char *queue, const char *server, int job_id);

/* The reason key for a printer's state (IPP printer-state) and its
 * printer-state-reasons keywords, or NULL when nothing stops printing. */
const char *print_queue_state_reason(int printer_state, const char *const *reasons,
	    size_t n);

/* Render page 1.. of a PDF to PNG at 300 dpi with pdftoppm(1) into
 * `png_path` (several pages: png_path gets the first, the others are named
 * BASE-2.png, ...). Returns 0, NHI_ENOFILE (pdftoppm missing) or NHI_EIO. */
int	print_preview_png(const char *pdf_path, const char *png_path);

/* Parse a creation date: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or "@EPOCH".
 * Returns 0 and sets *out, or NHI_EPARSE. */
int	print_parse_creation_date(const char *s, int64_t *out);

#endif
