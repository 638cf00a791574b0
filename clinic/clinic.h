/*
 * clinic.h: nhicard-clinic, the clinic reception's terminal (issue 21).
 * A separate program on top of the library's card and crypto layers, like
 * nhicard-center: it waits for a card in any PC/SC reader, checks it as
 * docs/card-profile.md section 7 says (clinic-card.c), asks the shared-use
 * center (clinic-center.c: HTTPS with the clinic's certificate, answers
 * and lists verified against the center's signing certificate), keeps the
 * trust list, revocation list and last answers for offline use
 * (clinic-state.c), and writes one file per visit for the receipt
 * computer (clinic-visit.c). Contract: docs/clinic-api.md.
 */
#ifndef NHI_CLINIC_H
#define NHI_CLINIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card-perso.h"

/* Exit codes of `nhicard-clinic check` (docs/clinic-api.md section 7). */
enum clinic_exit {
	CLINIC_INSURED = 0,		/* the center answered: insured */
	CLINIC_EXIT_USAGE = 2,
	CLINIC_EXIT_CARD = 4,		/* no card, no valid NHI AP, reader trouble */
	CLINIC_EXIT_SYSTEM = 5,		/* files, keys, configuration */
	CLINIC_NOT_INSURED = 10,	/* the center answered: not insured */
	CLINIC_REVOKED = 11,		/* revoked (center, revocation list, locked AP) */
	CLINIC_FORGED = 12,		/* the key record's signature does not verify */
	CLINIC_COPIED = 13,		/* the card's answer to the challenge does not verify */
	CLINIC_UNKNOWN_MUNI = 14,	/* the record's signer is not in the trust list */
	CLINIC_OFFLINE = 20,		/* card checked, the center did not answer */
	CLINIC_REFUSED = 21,		/* the center refused the query */
};

struct clinic_opts {
	const char	*center_url;	/* https://host:port */
	const char	*cert, *key;	/* the clinic's TLS client identity */
	const char	*ca;		/* the CA of the center's TLS certificate */
	const char	*center_cert;	/* the center's signing certificate */
	const char	*state_dir;	/* trust list, revocations, answers */
	const char	*out_dir;	/* the receipt computer's folder; NULL none */
	const char	*reader;	/* NULL: any reader */
	const char	*config;	/* nhicard configuration (card profile); NULL */
	const char	*visit_date;	/* YYYY-MM-DD; NULL today */
	long		 wait_s;	/* for a card */
	long		 timeout_s;	/* for the center */
	char		 clinic_code[11];	/* from the certificate */
};

/* ---- clinic-center.c: the center over HTTPS ----------------------------- */

struct clinic_net;

/* Load the keys (the clinic's key and certificate, the center's signing
 * certificate). Returns 0, or NHI_ENOFILE / NHI_EKEY naming the file. */
int	clinic_net_open(const struct clinic_opts *o, struct clinic_net **out);
void	clinic_net_close(struct clinic_net *n);

/*
 * GET or POST `path` and verify the 200 answer's CMS signature with the
 * center's certificate: *content (JSON, caller frees), and the signed
 * bytes in *der (caller frees; may be NULL). *status the HTTP status; on
 * a status other than 200, *content holds the center's JSON error.
 * Returns 0, NHI_ENETWORK (no answer in time: the detail says why), or
 * NHI_EKEY (an answer not signed by the center).
 */
int	clinic_net_call(struct clinic_net *n, const char *path, const char *body,
	    long *status, char **content, uint8_t **der, size_t *derlen);

/* ---- clinic-state.c: what the terminal keeps ---------------------------- */

struct clinic_trust_key {
	char		 municipality[7];
	uint8_t		 signer_id[CARD_SIGNER_ID_LEN];
	uint8_t		 public_key[CARD_PUBKEY_LEN];
};

struct clinic_state {
	char		*dir;
	int64_t		 trust_version;
	struct clinic_trust_key *keys;
	size_t		 nkeys;
	int64_t		 revoked_version;
	char		(*revoked)[33];	/* user numbers revoked now */
	size_t		 nrevoked;
};

/* Read the kept lists (missing files: empty lists, version 0). */
int	clinic_state_load(const char *dir, struct clinic_state *st);
void	clinic_state_free(struct clinic_state *st);
/* Take a verified trust list / revocation list (JSON) and keep it. */
int	clinic_state_take_trust(struct clinic_state *st, const char *json);
int	clinic_state_take_revoked(struct clinic_state *st, const char *json);
/* The trust list's key for a signer id, or NULL. */
const struct clinic_trust_key *clinic_state_key(const struct clinic_state *st,
	    const uint8_t signer_id[CARD_SIGNER_ID_LEN]);
int	clinic_state_is_revoked(const struct clinic_state *st, const char *user_number);
/* Keep / read the last answer (signed CMS and its JSON) for a card. */
int	clinic_state_keep_answer(const struct clinic_state *st, const char *user_number,
	    const uint8_t *der, size_t len, const char *json, char **path);
int	clinic_state_last_answer(const struct clinic_state *st, const char *user_number,
	    char **json);

/* ---- clinic-visit.c: the receipt computer's file ------------------------ */

/* One visit's result as the file says it (docs/clinic-api.md section 6). */
struct clinic_visit {
	const char	*clinic;
	const char	*visit_date;
	const char	*result;	/* insured, not_insured, revoked, forged, ... */
	const char	*reason;	/* or NULL */
	const char	*source;	/* center, offline, card */
	const char	*answer_json;	/* the center's answer (JSON) or NULL */
	const char	*answer_file;	/* where its signed copy is kept, or NULL */
	const char	*fingerprint;	/* user number fingerprint, or NULL */
};

/* Write the file into `dir` atomically (temporary name, fsync, rename).
 * *name (caller frees): its name. */
int	clinic_visit_write(const char *dir, const struct clinic_visit *v, char **name);

/* ---- clinic-check.c ------------------------------------------------------ */

/* One check (wait for a card, card, center, visit file), reported on
 * `out`; returns the exit code (enum clinic_exit). */
int	clinic_check(const struct clinic_opts *o, struct clinic_net *net,
	    struct clinic_state *st, FILE *out);

#endif
