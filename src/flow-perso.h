/*
 * flow-perso.h: the personalization steps the issue flow, batch feeds and
 * the `nhicard card` personalization sub-commands share (flow-perso.c):
 * finding the resident, loading the card profile and keys, connecting to
 * the card and running the personalization, and reporting its outcome
 * for a clerk. Calls the card, store, rules and crypto layers.
 */
#ifndef NHI_FLOW_PERSO_H
#define NHI_FLOW_PERSO_H

#include <stdint.h>
#include <stdio.h>

#include "card-perso.h"
#include "session.h"
#include "store.h"

/*
 * Find a resident by store id or, when no row has that id, by person
 * code (宛名番号). *out (free with store_resident_free) is set. Returns 0,
 * NHI_ENOTFOUND (naming what was looked for), NHI_ESTATE (moved out or
 * deceased), or a store error.
 */
int	flow_perso_resident(struct store *st, const char *arg, struct resident *out);

/* The profile and keys from the configuration. *keys: caller must
 * card_keys_free. */
int	flow_perso_setup(struct session *ctx, struct card_profile *prof,
	    struct card_keys **keys);

/* Today as YYYYMMDD (UTC+9, the town's calendar) into buf[9]. */
void	flow_perso_today(char *buf);

/*
 * Connect to the card (--reader / card.reader) and run card_personalize
 * for `req` (prof, keys, store and resident already filled). Returns 0
 * and fills *res, or the error of the first thing that failed.
 */
int	flow_perso_run(struct session *ctx, struct perso_request *req,
	    struct perso_result *res);

/*
 * Fill what every personalization of a resident shares: profile, keys,
 * store, the resident's id and four basic items (borrowed from `res`,
 * which must outlive `req`) and today's date. Other fields are left as
 * they are.
 */
void	flow_perso_request(struct perso_request *req, const struct card_profile *prof,
	    struct card_keys *keys, struct store *st, const struct resident *res);

/* Report what was done, one note per line (flow.h): card, serial, key
 * generation, the user number's fingerprint (never the whole number),
 * never keys. */
struct flow_events;
void	flow_perso_report(const struct flow_events *ev, const struct perso_result *res);

#endif
