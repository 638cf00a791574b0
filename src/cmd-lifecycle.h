/*
 * cmd-lifecycle.h: what the commands share about the card life cycle and
 * the audit trail (cmd-revoke.c): the steps `nhicard issue`
 * takes after a new card became active (superseding a card reported lost).
 */
#ifndef NHI_CMD_LIFECYCLE_H
#define NHI_CMD_LIFECYCLE_H

#include <stdint.h>

#include "cmd.h"

/*
 * After `nhicard issue` made card `new_card_id` active for resident
 * `resident_id`: the card it replaces (reported lost, stolen or damaged)
 * becomes revoked (replaced), with an audit entry, one transaction. Its
 * card id is put in *old_id (0 when there was none). Returns 0 or the
 * store error.
 */
int	cmd_lifecycle_replaced(struct session *ctx, int64_t resident_id,
	    int64_t new_card_id, int64_t *old_id);

/*
 * Losing NHI eligibility revokes the key at the center: every active card
 * whose resident has no eligibility period in force today becomes revoked
 * (eligibility_ended), with a revocation record in the revocation lane and
 * an audit entry, one transaction per card. The card itself is untouched
 * (a Juki card stays in use for its other services) until it is presented.
 * Called after eligibility changes and imports. *revoked (may be NULL) is
 * the number of cards revoked. Returns 0 or the first error.
 */
int	cmd_lifecycle_eligibility_sweep(struct session *ctx, size_t *revoked);

#endif
