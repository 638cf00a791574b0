/*
 * queue-mynumber.h: the center's records of My Number card links
 * (queue-mynumber.c, docs/queue-format.md): `mynumber_linked` (bulk lane)
 * when a certificate is linked or relinked, `mynumber_unlinked`
 * (revocation lane) when a link ends. Written in the caller's store
 * transaction with the link itself.
 */
#ifndef NHI_QUEUE_MYNUMBER_H
#define NHI_QUEUE_MYNUMBER_H

#include <stdint.h>

#include "store-mynumber.h"

/* `replaces` is the serial of the certificate the link follows, or NULL. */
int	queue_mynumber_linked(struct store *st, const struct mynumber_link *l,
	    const char *replaces, int64_t *seq);
/* reason: "revoked", "replaced" or "clerk". */
int	queue_mynumber_unlinked(struct store *st, const struct mynumber_link *l,
	    const char *reason, int64_t *seq);

#endif
