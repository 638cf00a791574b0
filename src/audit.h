/*
 * audit.h: the audit trail: every action (who, which station, when, what,
 * on whom, outcome) appended to an append-only, hash-chained log in the
 * store, so that `nhicard audit verify` detects any entry changed, removed
 * or reordered. Entries hold no key material and only the personal data
 * they need (record ids, not names).
 */
#ifndef NHI_AUDIT_H
#define NHI_AUDIT_H

#include <stdint.h>

struct store;

/* Outcomes. */
#define AUDIT_OK	"ok"
#define AUDIT_REFUSED	"refused"
#define AUDIT_FAILED	"failed"

/*
 * Append one entry. `operator_login` is the operator acting (NULL for the
 * station itself), `action` a dotted name ("card.revoke", "keys.rotate"),
 * `subject` what it acted on ("resident:12", "card:7"), `detail` short
 * free text without personal data or secrets (may be NULL). Call it inside
 * the action's own store transaction when there is one, so the action and
 * its entry commit together; otherwise it commits by itself.
 * Returns 0 or a store / crypto error.
 */
int	audit_append(struct store *st, const char *operator_login, const char *action,
	    const char *subject, const char *outcome, const char *detail);

/*
 * Audit a refusal or failure `r` of `action` in a transaction of its own,
 * after the action rolled back: detail "WHY: ERRNAME". The caller's error
 * detail is kept (it is what the user sees); a failure to write is logged.
 * Returns r.
 */
int	audit_refusal(struct store *st, const char *operator_login, const char *action,
	    const char *subject, int r, const char *why);

/* ---- Reading the log (store-audit.c), for verify and export ----------- */

/* *found: 1 if an entry of `action` with outcome ok and a detail starting
 * with `detail_prefix` is in the log, else 0. */
int	audit_has(struct store *st, const char *action, const char *detail_prefix,
	    int *found);

/* *found: 1 if an entry whose action starts with `action_prefix`, with
 * outcome ok, names `subject`, or a path ending in the same "/NAME" (a key
 * directory moved or named another way); a key file written by a ceremony
 * that was stopped before its entry has none (cmd-keys.c). */
int	audit_names(struct store *st, const char *action_prefix, const char *subject,
	    int *found);

#define AUDIT_HASH_LEN	32

/* One entry as stored. NULL fields (operator, subject, detail) are NULL. */
struct audit_entry {
	int64_t		 seq;
	const char	*at;		/* UTC, YYYY-MM-DDTHH:MM:SSZ */
	const char	*station;
	const char	*operator_login;
	const char	*action;
	const char	*subject;
	const char	*outcome;
	const char	*detail;
	uint8_t		 prev_hash[AUDIT_HASH_LEN];
	uint8_t		 hash[AUDIT_HASH_LEN];
};

/*
 * The entry's hash: SHA-256 over prev_hash and the canonical
 * serialization of its fields (docs/audit.md), into out. 0 or NHI_ECRYPTO.
 */
int	audit_entry_hash(const struct audit_entry *e, uint8_t out[AUDIT_HASH_LEN]);

/*
 * Walk the whole chain, oldest first, and compare its end with the chain
 * head kept in meta (audit_head). Returns 0 (intact; *count entries), or
 * NHI_ESTORE_CORRUPT with *first_bad the first bad seq and a detail that
 * names it and says what is wrong (changed, removed, reordered, tail
 * truncated), or a store error. count and first_bad may be NULL.
 */
int	audit_verify(struct store *st, int64_t *count, int64_t *first_bad);

/*
 * The keyed seal (docs/audit.md "The keyed seal"). `keyfile` is the
 * station's wrapped audit key (keys.dir/audit.key) when there is one, NULL
 * otherwise; `required`: a production store, whose chain must be keyed.
 * Set by the session when it opens the store. With a key file, every
 * append moves the seal (meta audit_seal) to the new entry through the key
 * agent, or the key held in this process; while the keys are locked the
 * entries wait for the next seal. audit_verify then also checks the seal.
 */
void	audit_keying(const char *keyfile, int required);
/* The key itself, in the key officer's process (`keys create --audit`). */
void	audit_key_hold(const uint8_t key[32]);
void	audit_key_forget(void);

/*
 * Seal the log through its head now, from its beginning if it holds no
 * seal yet (the key officer's `audit seal`). *through: the sealed seq.
 * 0, NHI_ESTATE (no audit key, or locked), NHI_EKEY, NHI_ESTORE_CORRUPT.
 */
int	audit_seal(struct store *st, int64_t *through);

/* The seal as kept in meta audit_seal, "SEQ:HASHHEX:MACHEX" (a store file
 * anyone with write access may have edited). 0 or NHI_EPARSE; no detail. */
int	audit_seal_parse(const char *v, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN],
	    uint8_t mac[AUDIT_HASH_LEN]);

/* 1 if the station has an audit key; *sealed_through: the seal the last
 * audit_verify checked (-1: none). */
int	audit_seal_status(int64_t *sealed_through);

/* The chain head: its seq and hash (0 and zeros for an empty log). */
int	audit_head(struct store *st, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN]);

/* The stored hash of entry `seq`: *found 0 when there is no such entry. */
int	audit_hash_at(struct store *st, int64_t seq, uint8_t hash[AUDIT_HASH_LEN],
	    int *found);

/*
 * One anchor (a seq and the hash the chain had there) from a line of an
 * `audit export` (JSON lines or CSV) or of the center's copy of the heads
 * ("SEQ HASH"): the seq is the JSON member "seq" or the line's leading
 * number, the hash the line's last run of 64 lower-case hex digits.
 * Returns 0, or NHI_EPARSE for a line that holds no anchor (a CSV header).
 * No error detail is set.
 */
int	audit_anchor_parse(const char *line, size_t len, int64_t *seq,
	    uint8_t hash[AUDIT_HASH_LEN]);

/*
 * Call `fn` for every entry whose day (the date part of `at`, UTC) is in
 * [from, to] (YYYY-MM-DD; NULL: open), oldest first. The entry's strings
 * are valid only during the call. A non-zero return of `fn` stops the walk
 * and is returned. Returns 0 or a store error.
 */
int	audit_foreach(struct store *st, const char *from, const char *to,
	    int (*fn)(const struct audit_entry *e, void *arg), void *arg);

#endif
