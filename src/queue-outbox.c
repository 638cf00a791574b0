/*
 * queue-outbox.c: a store change and its queue record in one transaction,
 * for the changes that are one store call (queue.h, docs/design.md).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "queue.h"
#include "store.h"

int
queue_card_activate(struct store *st, int64_t id, const uint8_t *public_key,
    size_t public_key_len, const uint8_t *key_record, size_t key_record_len,
    const char *issued_on, const char *detail)
{
	int r, own = !store_queue_in_txn(st);

	if (own && (r = store_begin(st)) != 0)
		return r;
	/* the center learns of the card in the same transaction */
	if ((r = store_card_activate(st, id, public_key, public_key_len, key_record,
	    key_record_len, issued_on, detail)) == 0)
		r = queue_card_issued(st, id, NULL);
	if (!own)
		return r;
	if (r == 0)
		return store_commit(st);
	store_rollback(st);
	return r;
}

int
queue_eligibility_add(struct store *st, struct eligibility *e, int64_t supersedes)
{
	int r, own = !store_queue_in_txn(st);

	if (own && (r = store_begin(st)) != 0)
		return r;
	/* The center learns of it in the same transaction. */
	if ((r = store_eligibility_add(st, e, supersedes)) == 0)
		r = queue_eligibility_record(st, NULL, e, supersedes, NULL);
	if (!own)
		return r;
	if (r == 0)
		return store_commit(st);
	store_rollback(st);
	return r;
}
