/*
 * lifecycle.h: the card life cycle (docs/lifecycle.md): the states a card
 * record (a row of `cards`, one NHI key) can be in, the events that move
 * it, and the one pure, table-driven function that says whether an event
 * is allowed in a state and where it leads. Every state change of a card
 * record goes through lifecycle_next() (store-card.c), so a transition
 * that is not in the table never happens.
 *
 * States: personalizing, unfinished, active, suspended (reported lost:
 * revoked at the center, can be reinstated), revoked (with a reason:
 * lost, stolen, damaged, died, eligibility_ended, replaced; abandoned: a
 * personalization given up, its key never issued).
 */
#ifndef NHI_LIFECYCLE_H
#define NHI_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

/* Events that change a card record's state. */
#define LC_EV_RESTART		"personalize_restart"
#define LC_EV_FAILED		"personalize_failed"
#define LC_EV_ACTIVATED		"activated"
#define LC_EV_REPORT_LOST	"report_lost"
#define LC_EV_REVOKE_STOLEN	"revoke_stolen"
#define LC_EV_REVOKE_DAMAGED	"revoke_damaged"
#define LC_EV_REVOKE_DIED	"revoke_died"
#define LC_EV_REVOKE_ELIG	"revoke_eligibility_ended"
#define LC_EV_REPLACE		"replace"
#define LC_EV_REINSTATE		"reinstate"
#define LC_EV_ABANDON		"personalize_abandoned"	/* a card left
						 * unfinished is given up: revoked
						 * (abandoned), its key never issued */

/* The states and events, NULL-terminated, in table order (for tests and
 * documentation). */
extern const char *const lifecycle_states[];
extern const char *const lifecycle_events[];
/* The revocation reasons (queue.h's QUEUE_REASON_*), NULL-terminated. */
extern const char *const lifecycle_reasons[];

/*
 * Where `event` takes card record `card_id` (used in the error text only)
 * from `state` with `reason` (the revocation reason of a suspended or
 * revoked record; "" or NULL otherwise). On success *to_state is the new
 * state and *to_reason the new reason: a revocation reason, "" to clear it,
 * or NULL to keep the caller's own text (personalize_failed stores why the
 * attempt failed). Both point to static strings.
 * Returns 0, NHI_ESTATE (the event is not allowed: the detail says why,
 * e.g. "card 7 is revoked (replaced); it cannot be reinstated after a
 * replacement was issued") or NHI_EUSAGE (an unknown state or event).
 */
int	lifecycle_next(int64_t card_id, const char *state, const char *reason,
	    const char *event, const char **to_state, const char **to_reason);

/* The revocation event for a reason ("stolen" -> "revoke_stolen", "lost"
 * -> "report_lost", "replaced" -> "replace"); NULL if `reason` is not
 * one of lifecycle_reasons. */
const char *lifecycle_revoke_event(const char *reason);

#endif
