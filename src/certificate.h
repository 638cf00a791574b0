/*
 * certificate.h: the certificates and receipts on record (certificate.c):
 * what printing reads (the print layer's structs filled from the store) and
 * records (serials, voids, with their queue records for the center).
 */
#ifndef NHI_CERTIFICATE_H
#define NHI_CERTIFICATE_H

#include <stdint.h>

struct store;
/*
 * What printing reads and records. The print layer's structs (print.h) are
 * filled here; strings in them are owned by the struct
 * (print_certificate_clear / print_receipt_clear free them).
 */
struct nhi_date;
struct print_certificate;
struct print_receipt;

/* A resident by person code (宛名番号) or numeric id. 0 and *out, or
 * NHI_ENOTFOUND naming the key. */
int	store_certificate_find_resident(struct store *st, const char *key, int64_t *out);

/*
 * The certificate items of resident `resident_id` as of day `on` (also the
 * 交付年月日): the resident, the household head, the current eligibility
 * period (not superseded, acquired by `on`, not lost before it). The items
 * for ages 70-74 are set only when the period has them and the resident is
 * 70-74 on `on`. serial is left NULL. Returns 0 (fills *out; the period's id
 * in *eligibility_id if not NULL), NHI_ENOTFOUND (no resident or no current
 * eligibility), NHI_ESTATE (moved out or deceased) or a store error.
 */
int	store_certificate_load(struct store *st, int64_t resident_id,
	    const struct nhi_date *on, struct print_certificate *out,
	    int64_t *eligibility_id);

/* The residents with current eligibility on `on`, by id, for a batch.
 * *ids (caller must free) and *n set on success. */
int	store_certificate_batch(struct store *st, const struct nhi_date *on,
	    int64_t **ids, size_t *n);

/*
 * Record a new certificate serial ("C-00000012"; sleeves "S-...") for
 * (resident, document: "certificate" or "sleeve"). Must run inside the
 * caller's store_begin() transaction, committed only once the PDF is
 * written. A still valid certificate of the same document is voided with
 * `reason` and linked to the new one (replaced_by); without a reason that is
 * NHI_EEXISTS naming the valid serial. *serial: caller must free.
 */
int	store_certificate_issue(struct store *st, int64_t resident_id,
	    int64_t eligibility_id, const char *document, const char *cert_kind,
	    const struct nhi_date *issued_on, const char *reason, char **serial);

/*
 * A certificate sent to a CUPS queue (docs/printing.md): the serial is
 * reserved as pending in a short transaction of the caller's, the lock is
 * released while the job runs, and store_certificate_settle in another
 * short transaction records it (printed: the certificate as
 * store_certificate_issue would, with the reserved serial, the earlier one
 * voided) or marks it failed. The checks of store_certificate_issue run at
 * reservation (NHI_EEXISTS without a reason); a second pending print of the
 * same resident and document is NHI_ESTATE naming it. *serial: caller must
 * free.
 */
int	store_certificate_reserve(struct store *st, int64_t resident_id,
	    int64_t eligibility_id, const char *document, const char *cert_kind,
	    const struct nhi_date *issued_on, const char *reason, const char *printer,
	    int64_t *pending_id, char **serial);
/* The CUPS job's id on the pending print (its own autocommit write). */
int	store_certificate_pending_job(struct store *st, int64_t pending_id, int job_id);
/* In the caller's transaction; `note` (may be NULL) kept with the row.
 * NHI_ESTATE when it was settled meanwhile (void: see below). */
int	store_certificate_settle(struct store *st, int64_t pending_id, int printed,
	    const char *note);

/*
 * A certificate written to a PDF file (-o) is reserved the same way, with
 * `printer` "file:PATH" (PATH absolute). For a rerun of such a print:
 * the pending print of (resident, document) with this reason (NULL: none),
 * target and issue day that a station which stopped left (*pending_id,
 * *serial: caller must free), else NHI_ENOTFOUND. Not a transaction of
 * its own.
 */
int	store_certificate_pending_left(struct store *st, int64_t resident_id,
	    const char *document, const char *reason, const char *target,
	    const struct nhi_date *issued_on, int64_t *pending_id, char **serial);
/* This process takes over a pending print left by a stopped station (its
 * host and pid); NHI_ESTATE when it was settled meanwhile. */
int	store_certificate_pending_take(struct store *st, int64_t pending_id);
/* A pending print given up before anything carrying its serial exists
 * (a PDF not written): the reservation is removed, the serial free again.
 * Its own statement. */
int	store_certificate_unreserve(struct store *st, int64_t pending_id);
/* The valid certificate of (resident, document) recorded by a settled
 * print with this reason, target and issue day (*serial, caller must
 * free), else NHI_ENOTFOUND: a reprint that already finished. */
int	store_certificate_reprinted(struct store *st, int64_t resident_id,
	    const char *document, const char *reason, const char *target,
	    const struct nhi_date *issued_on, char **serial);

/* A pending print whose station stopped (kill, crash, power). */
struct certificate_stale {
	int64_t	 id;
	char	*serial;
	char	*printer;	/* a CUPS queue, or "file:PATH" */
	int	 job_id;	/* 0: not yet known */
	char	*station_host;
	int64_t	 station_pid;
	int64_t	 resident_id;
	char	*person_code;
	char	*document;
	char	*reason;	/* NULL: a first print */
	char	*issued_on;	/* YYYY-MM-DD */
};
/*
 * The pending prints whose station (this host, by pid) is no longer
 * running; nothing is written (the caller asks CUPS about their jobs
 * first). *out (free with certificate_stale_free) and *n.
 */
int	store_certificate_list_stale(struct store *st, struct certificate_stale **out,
	    size_t *n);
/* In the caller's transaction: this process takes over the stale print `s`
 * (still pending, still the stopped station's), before settling or
 * following it; NHI_ESTATE when someone settled or took it meanwhile. */
int	store_certificate_claim(struct store *st, const struct certificate_stale *s);
/* In the caller's transaction: the pending print void (its serial never
 * valid, the earlier certificate stays valid), `note` kept with it. */
int	store_certificate_void(struct store *st, int64_t pending_id, const char *note);
void	certificate_stale_free(struct certificate_stale *v, size_t n);

/* A receipt's items: the resident's name, the latest active card's serial
 * (with `loss`: the latest revoked or suspended card's) and the valid
 * certificate's serial. The caller fills date, office, actions and
 * next_steps. Returns 0, NHI_ENOTFOUND or a store error. */
int	store_receipt_load(struct store *st, int64_t resident_id, int loss,
	    struct print_receipt *out);

#endif
