/*
 * batch-preissue.h: pre-issuance of NHI cards for a whole selection
 * (issue 9, docs/batch.md "Pre-issuance"), over the batch engine
 * (batch.h: runs, items, checkpoints, exceptions).
 *
 *   prepare   for each selected insured person: the card path the rules
 *             give (issue_plan_decide, flow.h), a reserved random user
 *             number, the key record's fields (insurer, municipality, key
 *             generation, issue date, card kind) and the certificate data
 *             (the period and kind the certificate prints). Nothing is
 *             queued for the center: the center learns a user number only
 *             when its card is active (store_card_activate queues it), so
 *             it never knows a key that is not on a card.
 *   feed      one reader, card after card: wait for a card (card monitor,
 *             no busy loop), match it to its prepared person (a Juki card
 *             by its four basic items, a blank standalone card to the next
 *             standalone item in mailing order), personalize it with the
 *             prepared user number, print, mark the item done, wait for
 *             the removal.
 *   export    the prepared standalone items as a signed and encrypted file
 *             for a card bureau (joint issuance at a prefectural center).
 *
 * The store part (batch-preissue-store.c) is the only file here that speaks SQL.
 */
#ifndef NHI_BATCH_PREISSUE_H
#define NHI_BATCH_PREISSUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card-perso.h"

struct session;
struct flow_events;
struct store;

/* ---- Prepared items in the store (batch-preissue-store.c) -------------------- */

/* One prepared card: what batch_items holds for it plus preissue_items. */
struct preissue_item {
	int64_t		 item_id;		/* batch_items.id */
	int64_t		 run_id;
	int64_t		 seq;			/* position in the run: mailing order */
	int64_t		 resident_id;
	char		 state[16];		/* the batch engine's item state */
	char		 path[16];		/* existing, new-juki, standalone */
	uint8_t		 user_number[CARD_USER_NUMBER_LEN];
	int		 key_generation;
	char		 issue_date[11];	/* planned, YYYY-MM-DD */
	char		 cert_kind[16];
	int64_t		 eligibility_id;	/* the period the certificate prints */
	char		 card_serial[24];	/* bound card, "" none */
	int64_t		 card_id;		/* 0 until issued */
	char		 cert_serial[32];	/* "" until printed */
	char		 exported_at[24];	/* "" not exported */
};

/*
 * Record the preparation of item `it->item_id` (key record fields,
 * certificate data; the user number goes into batch_items through
 * batch_item_prepared) in the caller's open transaction. Returns 0 or a
 * store error.
 */
int	store_preissue_add(struct store *st, const struct preissue_item *it);

/* 1 in *taken if `un` is on a card record or reserved by a prepared item. */
int	store_preissue_number_taken(struct store *st,
	    const uint8_t un[CARD_USER_NUMBER_LEN], int *taken);

/* 1 in *used if a card record other than `except_card` holds `public_key`
 * (the card bureau's loop: a public key is never seen twice). */
int	store_preissue_key_used(struct store *st, const uint8_t *public_key, size_t len,
	    int64_t except_card, int *used);

/* The id of a card record other than `except_card` that holds card serial
 * `serial` and is active or suspended (in use by someone), 0 if none. */
int	store_preissue_serial_active(struct store *st, const char *serial,
	    int64_t except_card, int64_t *card_id);

/* Look-ups: 0 and *out, or NHI_ENOTFOUND. */
int	store_preissue_get(struct store *st, int64_t item_id, struct preissue_item *out);
int	store_preissue_by_user_number(struct store *st, int64_t run_id,
	    const uint8_t un[CARD_USER_NUMBER_LEN], struct preissue_item *out);
/* The item of the run a card serial was bound to. */
int	store_preissue_by_serial(struct store *st, int64_t run_id, const char *serial,
	    struct preissue_item *out);
/* The first open (not done, no exception) standalone item of the run with
 * no card bound and not exported, in mailing order. */
int	store_preissue_next_standalone(struct store *st, int64_t run_id,
	    struct preissue_item *out);

/*
 * The open items of the run whose resident was born on `birth`
 * (YYYY-MM-DD) on a Juki card path: the candidates for a Juki card.
 * *out (caller must free) and *n set; *n may be 0.
 */
int	store_preissue_juki_candidates(struct store *st, int64_t run_id,
	    const char *birth, struct preissue_item **out, size_t *n);

/* Bind a card serial to an item (a checkpoint, its own transaction). */
int	store_preissue_bind(struct store *st, int64_t item_id, const char *serial);

/* The serial of the resident's valid certificate (or sleeve) into
 * serial[32]; NHI_ENOTFOUND if none. */
int	store_preissue_valid_certificate(struct store *st, int64_t resident_id,
	    const char *document, char serial[32]);

/* The serial of the resident's valid certificate (or sleeve) printed
 * since card `card_id` became active (a feed killed after the print, before
 * its item's checkpoint: the rerun does not print it twice) into
 * serial[32]; NHI_ENOTFOUND if none. */
int	store_preissue_certificate_since_card(struct store *st, int64_t resident_id,
	    const char *document, int64_t card_id, char serial[32]);

/* The items a feed may still write: prepared, not exported: *n. */
int	store_preissue_open_count(struct store *st, int64_t run_id, int64_t *n);

/*
 * What preparing a resident must know, in one query: the id of their
 * active card (*active_card, 0 if none), their highest key generation
 * (*max_generation, 0 if none) and whether they have a pending or prepared
 * item in another pre-issuance run than `run_id` that is not cancelled
 * (*in_other_run).
 */
int	store_preissue_person(struct store *st, int64_t resident_id, int64_t run_id,
	    int64_t *active_card, int *max_generation, int *in_other_run);

/*
 * Walk the standalone items of the run that a bureau file carries (open
 * or exported before, never done nor excepted), in mailing order; fn
 * returning non-zero stops the walk and is returned. With `mark` they are
 * marked exported (exported_at set once, kept on a re-export) in the
 * caller's transaction.
 */
struct preissue_export_row {
	const struct preissue_item *item;
	const char	*person_code;
	const char	*name_kanji, *name_kana;
	const char	*household_code;
	const char	*address;		/* mailing address: the household's */
};
int	store_preissue_export_walk(struct store *st, int64_t run_id, int mark,
	    int (*fn)(void *arg, const struct preissue_export_row *row), void *arg);

/* ---- The three steps (batch-preissue.c, batch-feed.c, batch-bureau.c) -- */

struct batch_selection;

struct preissue_prepare_opts {
	const struct batch_selection *sel;	/* batch.h; NULL: resume a run */
	int64_t		 resume_run_id;		/* the run to resume when sel is NULL */
	int		 dry_run;
	const char	*on;			/* YYYY-MM-DD; NULL: today (JST) */
	FILE		*progress_fp;		/* progress lines (batch.h), or NULL */
	int		(*stop)(void *arg);	/* a key asks to stop (NULL: none) */
	void		*stop_arg;
	const struct flow_events *ev;
};

struct preissue_prepare_result {
	int64_t		 run_id;		/* 0 in a dry run */
	char		 run_uid[24];
	size_t		 selected;
	size_t		 prepared;		/* would be, in a dry run */
	size_t		 existing, new_juki, standalone;
	size_t		 exceptions;
	/* The exceptions by code, in order of first appearance (the codes
	 * beyond PREISSUE_EX_CODES are counted under the last one, "other"). */
#define PREISSUE_EX_CODES	16
	struct {
		char	 code[32];
		size_t	 n;
	}		 by_code[PREISSUE_EX_CODES];
	size_t		 ncodes;
};

/*
 * Select (batch_run_create), decide and prepare every pending item of the
 * run (or, with dry_run, walk the selection and say what would be
 * prepared, changing nothing; or resume run o->resume_run_id). An item's
 * preparation and its checkpoint are one transaction; commits are grouped
 * (PREISSUE_COMMIT_ITEMS items), so a killed prepare redoes at most that
 * many whole items and never half of one. Returns 0 and fills *res, or the
 * first error that stops the run (a person the rules refuse is an
 * exception of the run, not an error).
 */
#define PREISSUE_COMMIT_ITEMS	256

int	preissue_prepare(struct session *ctx, const struct preissue_prepare_opts *o,
	    struct preissue_prepare_result *res);

struct preissue_feed_opts {
	int64_t		 run_id;
	long		 count;			/* stop after N cards; 0: no limit */
	int		 max_wait_s;		/* stop when no card for SEC; 0: none */
	const char	*print_dir;		/* PDFs into DIR, or NULL */
	const char	*printer;		/* or a CUPS queue, or NULL */
	int		 sleeve;		/* the sleeve insert, not the certificate */
	int		 (*stop)(void *arg);	/* a key asks to stop (NULL: none) */
	void		*stop_arg;
	const struct flow_events *ev;
	struct batch_progress	*progress;	/* updated per card and wait, or NULL */
};

struct preissue_feed_result {
	size_t		 cards;			/* cards seen */
	size_t		 issued;		/* items done by this feed */
	size_t		 exceptions;		/* items set aside */
	size_t		 rejected;		/* cards that matched no item */
	size_t		 retry;			/* cards pulled mid-write */
	const char	*ended;			/* "run complete", "count", "max-wait", "key" */
};

/*
 * The feed loop (docs/batch.md): never busy-waits (SCardGetStatusChange
 * through the card monitor) and never issues a card twice; a killed feed
 * resumes with the next `feed` (the card pulled or killed mid-write
 * finishes when it is put back). Returns 0 (the loop ended: res->ended
 * says why) or an error that stops the station (no reader service, the
 * store, the keys).
 */
int	preissue_feed(struct session *ctx, const struct preissue_feed_opts *o,
	    struct preissue_feed_result *res);

/*
 * Write the card-bureau file of run `run_id` to `path` (atomically, mode
 * 0600): the standalone items as docs/batch.md describes, signed with the
 * station key (queue.station_key, queue.station_cert) and encrypted to
 * the bureau (batch.bureau_cert, pinned by batch.bureau_fingerprint), and
 * mark them exported in the same step. A re-export writes the same
 * records. *records is set. Returns 0, NHI_ENOTFOUND (no such run),
 * NHI_ECONFIG, NHI_EKEY, file and store errors.
 */
int	preissue_export(struct session *ctx, int64_t run_id, const char *path,
	    size_t *records);

#endif
