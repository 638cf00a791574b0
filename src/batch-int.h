/*
 * batch-int.h: what the batch engine's files share with its store part
 * (batch-store.c) and nothing else sees.
 */
#ifndef NHI_BATCH_INT_H
#define NHI_BATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

/* What batch_store_person() reads about one resident. */
struct batch_person {
	int64_t		 resident_id;
	char		 person_code[64];
	char		 status[16];		/* resident, moved_out, deceased */
	unsigned	 name_flags;		/* STORE_NAME_* */
	int		 insured;		/* an eligibility period in force on the day */
	char		*snapshot_text;		/* canonical text of the person's data */
	size_t		 snapshot_len;
};

void	batch_person_clear(struct batch_person *p);

/*
 * Read resident `resident_id` as of `on` into *out (clear it with
 * batch_person_clear). Returns 0, NHI_ENOTFOUND or a store error.
 */
int	batch_store_person(struct store *st, int64_t resident_id, const char *on,
	    struct batch_person *out);

/*
 * Walk the residents an "all" or "district" selection takes on `on`, in
 * mailing order, with their data (one statement open: fn may write other
 * tables but not residents). fn non-zero stops and is returned.
 */
int	batch_store_select(struct store *st, const struct batch_selection *sel,
	    const char *on, int (*fn)(void *arg, const struct batch_person *p), void *arg);

/* Resolve a list entry's person: *resident_id, or 0 when unknown. */
int	batch_store_resolve(struct store *st, const struct batch_list_entry *e,
	    int64_t *resident_id);

/* Insert a run row (state selected) with a fresh uid; sets out->id, uid. */
int	batch_store_run_insert(struct store *st, struct batch_run *run);

/* Insert one item; sets it->id. */
int	batch_store_item_insert(struct store *st, struct batch_item *it);

/* 1 in *yes if the run already has an open item for the resident. */
int	batch_store_item_open_for(struct store *st, int64_t run_id, int64_t resident_id,
	    int *yes);

/* Set the run's item_count. */
int	batch_store_run_count(struct store *st, int64_t run_id, int64_t count);

/*
 * Walk the run's items in exception, in seq order, with the person code
 * (the list's key when the list named nobody). One statement is open.
 */
struct batch_exception_row {
	int64_t		 seq;
	const char	*person_code;
	int64_t		 list_line;
	const char	*code;
	const char	*text;
};
int	batch_store_exception_walk(struct store *st, int64_t run_id,
	    int (*fn)(void *arg, const struct batch_exception_row *row), void *arg);

/*
 * 1 in *changed if the person's data (p, read by batch_store_person) no
 * longer hashes to the item's snapshot.
 */
int	batch_snapshot_changed(const struct batch_person *p, const struct batch_item *it,
	    int *changed);

/* 1 if a transaction is open on st. */
int	batch_store_in_txn(struct store *st);

#endif
