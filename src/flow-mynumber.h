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

#endif
