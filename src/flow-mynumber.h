/*
 * flow-mynumber.h: linking a resident's My Number card to their NHI
 * eligibility at the counter (flow-mynumber.c, docs/card-profile.md "The
 * My Number card"), for `nhicard mynumber link` and any screen.
 */
#ifndef NHI_FLOW_MYNUMBER_H
#define NHI_FLOW_MYNUMBER_H

#include <stdint.h>

#include "events.h"
#include "session.h"
#include "store-mynumber.h"

/*
 * Where the resident's PIN comes from when the reader has no PIN pad:
 * called once per PIN asked, with what to show ("input-support PIN (4
 * digits, 3 tries left)"); returns 0 and a malloc'd PIN (wiped and freed
 * by the flow) or an error that ends the flow. Never called twice for the
 * same PIN: a wrong PIN ends the run.
 */
typedef int (*mynumber_pin_fn)(void *arg, const char *prompt, char **pin);

struct mynumber_link_request {
	const char		*who;		/* store id or person code */
	mynumber_pin_fn		 pin;
	void			*pin_arg;
};

struct mynumber_link_result {
	const char	*action;	/* "linked", "relinked", "already linked" */
	char		 serial[80];
	char		 not_after[11];
	int64_t		 link_id;
	int64_t		 held_id;	/* a mismatch held for a supervisor */
	int		 tries_left;	/* after a wrong PIN, else -1 */
	unsigned long	 apdus;
};

/*
 * Link: connect to the card, check it is a My Number card, the
 * input-support PIN (pin pad or ask), the four items against the store
 * (all four; a difference holds the case for a supervisor and ends with
 * NHI_EMISMATCH), the authentication certificate against mynumber.ca /
 * mynumber.crl, then in one store transaction the link and its queue
 * record. A renewed certificate or a reissued card replaces the current
 * link (relink); a revoked certificate ends a link it held. Returns 0 or
 * the first error (err_reason set for the clerk).
 */
int	flow_mynumber_link(struct session *ctx, const struct mynumber_link_request *req,
	    const struct flow_events *ev, struct mynumber_link_result *res);

/* ---- Ending links (flow-mynumber-end.c) ------------------------------- */

/*
 * End the link `l` (state 'linked') in one store transaction: the row
 * becomes 'ended' with `why` (no personal data), a mynumber_unlinked
 * record (revocation lane, reason `queue_reason`: "revoked" or "clerk")
 * and an audit entry "mynumber.unlink". 0 or the store's error (nothing
 * written).
 */
int	flow_mynumber_end_link(struct session *ctx, struct store *st,
	    const struct mynumber_link *l, const char *why, const char *queue_reason);

/*
 * A clerk ends the resident's link by hand (the card was lost, returned,
 * or other): reason "lost", "returned" or "other" (NHI_EUSAGE else).
 * NHI_ESTATE (reason "mynumber.not_linked") when nothing is linked. A
 * refusal is audited; *link_id is the link ended.
 */
int	flow_mynumber_unlink(struct session *ctx, const char *who, const char *reason,
	    const struct flow_events *ev, int64_t *link_id);

struct mynumber_crl_result {
	size_t	crls;		/* CRL files applied */
	size_t	revoked;	/* their entries */
	size_t	ended;		/* links ended now */
	size_t	already;	/* revoked certificates whose link had ended */
};

/*
 * `nhicard mynumber check-revoked`: each CRL of mynumber.crl, its
 * signature checked against mynumber.ca and refused when older than the
 * last one applied for its issuer (store meta "mynumber.crl_applied:"
 * ISSUER = "NUMBER THISUPDATE"); every linked certificate it lists is
 * ended (flow_mynumber_end_link, one transaction each), so a rerun ends
 * nothing twice. Stops at the first error, keeping what was ended.
 * Audited ("mynumber.check_revoked").
 */
int	flow_mynumber_check_revoked(struct session *ctx, const struct flow_events *ev,
	    struct mynumber_crl_result *res);

#endif
