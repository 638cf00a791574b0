/*
 * cmd-lifecycle.h: what the commands share about the card life cycle and
 * the audit trail (cmd-audit.c, cmd-revoke.c): one call that records an
 * audit entry for a command's outcome, and the steps `nhicard issue`
 * takes after a new card became active (superseding a card reported lost).
 */
#ifndef NHI_CMD_LIFECYCLE_H
#define NHI_CMD_LIFECYCLE_H

#include <stdint.h>

#include "cmd.h"

/* The outcome word for a command's result: "ok" (0), "refused" (exit
 * class 1, 2: rules, states, usage) or "failed". */
const char *cmd_audit_outcome(int r);

/*
 * Append an audit entry for a command that ended with `r` (0 or an NHI_E*
 * code): operator ctx->operator_login, `action` ("card.lock"), `subject`
 * ("card:7", "resident:12"; may be NULL), `detail` (no personal data, no
 * secrets; may be NULL; for a failure the error's name is added). Opens
 * the store if needed; a command that failed before the store was opened
 * is not recorded. Returns `r` unchanged, keeping its detail text: an
 * audit failure is logged and, when the command succeeded, returned.
 */
int	cmd_audit(struct cmd_ctx *ctx, int r, const char *action, const char *subject,
	    const char *detail);

/*
 * After `nhicard issue` made card `new_card_id` active for resident
 * `resident_id`: the card it replaces (reported lost, stolen or damaged)
 * becomes revoked (replaced), with an audit entry, one transaction. Its
 * card id is put in *old_id (0 when there was none). Returns 0 or the
 * store error.
 */
int	cmd_lifecycle_replaced(struct cmd_ctx *ctx, int64_t resident_id,
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
int	cmd_lifecycle_eligibility_sweep(struct cmd_ctx *ctx, size_t *revoked);

#endif
