/*
 * flow-lifecycle.c: the card life cycle's step after a new card became
 * active: the card it replaces (reported lost, stolen or damaged) becomes
 * revoked (replaced), with its audit entry (flow.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "audit.h"
#include "error.h"
#include "flow.h"
#include "lifecycle.h"
#include "session.h"
#include "store.h"

int
flow_lifecycle_replaced(struct session *ctx, int64_t resident_id, int64_t new_card_id,
    int64_t *old_id)
{
	struct store *st;
	struct store_card old, after;
	char detail[64], subject[32];
	int r;

	*old_id = 0;
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if ((r = store_begin(st)) != 0)
		return r;
	r = store_card_replaceable(st, resident_id, &old);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		store_rollback(st);
		return 0;
	}
	if (r != 0)
		goto out;
	snprintf(detail, sizeof(detail), "replaced by card %" PRId64, new_card_id);
	snprintf(subject, sizeof(subject), "card:%" PRId64, old.id);
	if ((r = store_card_transition(st, old.id, LC_EV_REPLACE, detail, NULL, NULL,
	    &after)) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "card.replace", subject, AUDIT_OK,
	    detail)) != 0 ||
	    (r = store_commit(st)) != 0)
		goto out;
	*old_id = old.id;
	r = 0;
out:
	if (r != 0)
		store_rollback(st);
	return r;
}
