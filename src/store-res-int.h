/*
 * store-res-int.h: what the residents part of the store (store-resident.c,
 * store-household.c, store-eligibility.c, store-held.c, import.c)
 * shares and nothing else sees.
 */
#ifndef NHI_STORE_RES_INT_H
#define NHI_STORE_RES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store-int.h"
#include "text.h"

/* The id of a resident (status 'resident', not `exclude`) whose four items
 * equal `b` into *exact, or 0. */
int	store_resident_same_person(struct store *st, const struct text_basic_items *b,
	    int64_t exclude, int64_t *exact);

/* Fill *e from a row of ELIGIBILITY_COLUMNS. */
#define ELIGIBILITY_COLUMNS \
	"id, resident_id, insurer_number, symbol, number, coalesce(branch, ''), cert_kind,"\
	" coalesce(short_months, 0), acquired_on, coalesce(lost_on, ''),"\
	" coalesce(valid_until, ''), coalesce(burden_pct, 0), coalesce(burden_from, ''),"\
	" special_address, coalesce(superseded_by, 0), source, coalesce(note, ''), recorded_at"
struct eligibility;
void	store_eligibility_from_row(sqlite3_stmt *s, struct eligibility *e);

/* Insert period *e (no transaction handling); sets e->id. */
int	store_eligibility_insert(struct store *st, struct eligibility *e, const char *now);
/* Point period `old` at `by`. NHI_ESTATE if already superseded. */
int	store_eligibility_supersede(struct store *st, int64_t old, int64_t by);

/* Add a held item (INSERT OR IGNORE: the same item twice is one). Sets
 * *id to the item (new or existing). */
int	store_held_add(struct store *st, const char *kind, const char *person_code,
	    int64_t resident_id, const char *event, const char *event_date,
	    const char *reason, const char *record, const char *file, size_t line,
	    const char *now, int64_t *id);

#endif
