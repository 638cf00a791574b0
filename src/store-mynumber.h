/*
 * store-mynumber.h: My Number card links (mynumber_links, schema v5):
 * which JPKI user-authentication certificate is linked to which resident
 * (store-mynumber.c). The caller owns the transaction (the link and its
 * queue record are written together, docs/design.md "The outbox").
 */
#ifndef NHI_STORE_MYNUMBER_H
#define NHI_STORE_MYNUMBER_H

#include <stdint.h>

#include "store.h"

struct mynumber_link {
	int64_t		 id;
	int64_t		 resident_id;
	char		 cert_issuer[256];
	char		 cert_serial[80];
	char		 not_after[11];
	char		 cert_sha256[65];	/* of the DER: the center checks the
						   certificate a clinic shows is this one */
	uint8_t		 user_number[16];
	char		 state[12];		/* linked, replaced, ended */
	char		 linked_at[24];
};

/* The resident's current link (state 'linked'): 0 or NHI_ENOTFOUND. */
int	store_mynumber_current(struct store *st, int64_t resident_id,
	    struct mynumber_link *out);
/* The link of a certificate, whatever its state: 0 or NHI_ENOTFOUND. */
int	store_mynumber_by_cert(struct store *st, const char *issuer, const char *serial,
	    struct mynumber_link *out);
/* Add a link in state 'linked' (l->id set). NHI_EXISTS when the
 * certificate is linked already. */
int	store_mynumber_add(struct store *st, struct mynumber_link *l);
/* A linked row becomes `state` ('replaced' or 'ended') with `reason`.
 * NHI_ESTATE when it is not 'linked'. */
int	store_mynumber_end(struct store *st, int64_t id, const char *state,
	    const char *reason);
/* Hold a link refused for its four items for a supervisor (held_items,
 * kind 'conflict', event 'mynumber_link'): `which` names the items that
 * differ, never their values. */
int	store_mynumber_hold(struct store *st, int64_t resident_id, const char *which,
	    int64_t *held_id);

#endif
