/*
 * cmd-lifecycle.h: what the commands share about the card life cycle
 * (cmd-revoke.c): the eligibility sweep after eligibility changes and
 * imports.
 */
#ifndef NHI_CMD_LIFECYCLE_H
#define NHI_CMD_LIFECYCLE_H

#include <stdint.h>

#include "cmd.h"

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
