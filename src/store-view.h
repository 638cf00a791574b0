/*
 * store-view.h: what the clerk's resident screen lists that the store
 * had no list for: a resident's cards (newest first) and certificates
 * (newest first). Read-only; no personal data beyond the resident's own
 * records. (store-view.c; a command may show the same lists.)
 */
#ifndef NHI_STORE_VIEW_H
#define NHI_STORE_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* One card record as a list shows it. */
struct store_card_brief {
	int64_t	 id;
	char	 kind[16];		/* juki_existing, juki_new, standalone */
	char	 card_serial[24];
	int	 key_generation;
	char	 state[16];		/* personalizing, unfinished, active, ... */
	char	 state_reason[64];	/* revocation reason, "" if none */
	char	 issued_on[11];		/* "" until active */
};

/* One printed certificate or sleeve insert. */
struct store_certificate_brief {
	int64_t	 id;
	char	 serial[24];
	char	 document[16];		/* certificate, sleeve */
	char	 cert_kind[16];		/* hihokensha, tanki, ... */
	char	 issued_on[11];
	int	 voided;		/* 1 when voided */
	char	 void_reason[64];
};

/*
 * The cards of resident `resident_id`, newest first. *out (caller must
 * free; NULL when *n is 0) and *n set. Returns 0 or a store error.
 */
int	store_card_list_for_resident(struct store *st, int64_t resident_id,
	    struct store_card_brief **out, size_t *n);

/* The certificates of resident `resident_id`, newest first; as above. */
int	store_certificate_list_for_resident(struct store *st, int64_t resident_id,
	    struct store_certificate_brief **out, size_t *n);

#endif
