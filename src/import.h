/*
 * import.h: the resident register import (import.c): parsed extract
 * records applied to the residents and eligibility periods of the store,
 * with the center's queue records of the periods, in one transaction.
 */
#ifndef NHI_IMPORT_H
#define NHI_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct extract_record;

/*
 * Imports. One import is one transaction: store_import_begin() opens it
 * and prepares the statements, store_import_apply() applies records, and
 * store_import_commit() commits (store_import_free() without a commit
 * rolls everything back). See docs/formats.md for what each record does.
 */
struct store_import;

enum store_import_outcome {
	STORE_IMPORT_NEW,		/* a person added */
	STORE_IMPORT_UPDATED,		/* a person or period changed */
	STORE_IMPORT_UNCHANGED,		/* already so: nothing written */
	STORE_IMPORT_MERGED,		/* matched a counter enrolment on all four items */
	STORE_IMPORT_HELD,		/* held for a clerk (held_items) */
};

/* Flags for store_import_apply. */
#define STORE_IMPORT_FORCE	0x01	/* a clerk resolves: skip order checks */

struct store_import_result {
	enum store_import_outcome outcome;
	int64_t	 resident_id;		/* 0 when held for an unknown person */
	int64_t	 held_id;		/* held item (outcome HELD), else 0 */
	char	 reason[256];		/* why held, "" otherwise */
	int	 findings;		/* rule findings recorded for a clerk */
};

int	store_import_begin(struct store *st, struct store_import **out);
/* Call before the store is opened in a process that imports: turns off
 * SQLite's global memory statistics (a mutex per allocation). Harmless if
 * SQLite is already in use. */
void	store_import_prepare_process(void);
/* The rules policy for the sanity checks (default: rules_policy_defaults). */
struct rules_policy;
void	store_import_set_policy(struct store_import *im, const struct rules_policy *policy);
/* The day the file speaks for (its header's date): a full-extract line
 * without insurance and without its own date ends the NHI period on it
 * (today when neither is given). */
void	store_import_set_extract_date(struct store_import *im, const char *date);
/* How many records named a known person code, and how many of those
 * disagreed with the store on name, birth date or sex (held): a file where
 * most disagree is another town's or another day's, not corrections. */
void	store_import_identity_counts(const struct store_import *im, size_t *known,
	    size_t *disagreeing);
/* Apply one record read from file:line. Returns 0 and fills *res, or a
 * store error (the import must then be abandoned). */
int	store_import_apply(struct store_import *im, const struct extract_record *rec,
	    const char *file, size_t line, int flags, struct store_import_result *res);
int	store_import_commit(struct store_import *im);
/* Roll back if not committed, finalize, free; NULL is a no-op. */
void	store_import_free(struct store_import *im);

#endif
