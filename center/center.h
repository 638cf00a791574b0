/*
 * center.h: nhicard-center, the reference intake of the shared-use center.
 *
 * A separate program from the station. It receives batch files (CMS:
 * signed by a station, encrypted to the center; docs/queue-format.md)
 * online over HTTPS with mutual TLS or from a directory (removable media),
 * verifies and decrypts them, stores each record exactly once in its own
 * store (keyed by station id + record id; SQLite or PostgreSQL through
 * center-db.h), and answers with an
 * acknowledgement signed by the center. It is a reference implementation
 * for tests and pilots (docs/center.md), not the national center.
 *
 * Modules: center-cms.c (OpenSSL: open batches, sign acknowledgements),
 * center-store.c (the store, through center-db.h: center-db-sqlite.c,
 * center-db-pg.c; the schema in center-migrate.c), center-json.c + center-batch.c (reading a
 * batch's content), center-intake.c (records -> store -> ack),
 * center-http.c (libmicrohttpd + GnuTLS client-certificate check),
 * center-main.c (command line).
 */
#ifndef NHI_CENTER_H
#define NHI_CENTER_H

#include <stddef.h>
#include <stdint.h>

struct center_keys;
struct center_store;

/* ---- center-cms.c ------------------------------------------------------ */

/*
 * Load the center's key and certificate (PEM; decrypts batches, signs
 * acknowledgements) and the CA certificate(s) that station certificates
 * must chain to. Returns 0, NHI_ENOFILE, NHI_EKEY (unreadable or
 * mismatched key), NHI_ECRYPTO. Free with center_keys_free.
 */
int	center_keys_load(const char *key_path, const char *cert_path,
	    const char *ca_path, struct center_keys **out);
void	center_keys_free(struct center_keys *k);

/* ---- center-crl.c ------------------------------------------------------ */

/*
 * The stations' certificate revocation list(s): PEM or DER CRLs, each
 * issued and signed by a certificate of ca_path (else NHI_EKEY), read
 * again when the file changes (a file that then fails to verify keeps the
 * list in force, logged). A check returns 0, or NHI_EREFUSED with the
 * reason "revoked_certificate: the WHAT 'CN' (serial S) was revoked on
 * DATE ..." when the certificate's serial is on its issuer's CRL. A NULL
 * list revokes nothing.
 */
struct center_crl;
int	center_crl_load(const char *path, const char *ca_path, struct center_crl **out);
void	center_crl_free(struct center_crl *cl);
int	center_crl_check_der(struct center_crl *cl, const uint8_t *der, size_t len,
	    const char *what);
int	center_crl_check_x509(struct center_crl *cl, void *x509, const char *what);
/* The keys take the list (freed with them); the list they check against. */
void	center_keys_set_crl(struct center_keys *k, struct center_crl *cl);
struct center_crl *center_keys_crl(const struct center_keys *k);

/*
 * Open one batch file: decrypt (EnvelopedData to the center) and verify
 * the station's signature (SignedData; the signer must chain to the CA).
 * DER, PEM or S/MIME encodings are accepted at both layers.
 * On success *payload (NUL-terminated, caller frees) holds the signed
 * content and *signer_cn (caller frees) the signer certificate's common
 * name. Returns 0, NHI_EPARSE (not CMS), NHI_EKEY (not for this center),
 * NHI_EREFUSED (signature or chain does not verify, or the signer's
 * certificate is on the stations' CRL: center_keys_set_crl).
 */
int	center_batch_open(const struct center_keys *k, const uint8_t *der,
	    size_t len, char **payload, size_t *payload_len, char **signer_cn);

/*
 * Sign an acknowledgement with the center's key: CMS SignedData, DER,
 * content attached, signer certificate included. *out (caller frees).
 * Returns 0 or NHI_ECRYPTO.
 */
int	center_ack_sign(const struct center_keys *k, const char *text,
	    size_t len, uint8_t **out, size_t *outlen);

/*
 * The key and certificate that sign what clinics get (answers, trust and
 * revocation lists), when not the center's own (--answer-key and
 * --answer-cert: an EC key signs far faster than the RSA key batches are
 * encrypted to). center_answer_sign signs with it, or with the center's.
 */
int	center_keys_answer_load(struct center_keys *k, const char *key_path,
	    const char *cert_path);
int	center_answer_sign(const struct center_keys *k, const char *text, size_t len,
	    uint8_t **out, size_t *outlen);

/* The P-256 public point (65 bytes, hex) of the key in PEM file `path`
 * (a public key, or a private key such as a municipality key file). */
int	center_pubkey_load(const char *path, char hex[131]);

/* ---- center-store.c ---------------------------------------------------- */

/*
 * Open the center's store: `target` is a SQLite file (created, with its
 * schema, if needed) or a PostgreSQL conninfo ("postgresql://...",
 * "pg:host=... dbname=..."), whose schema must be at this center's
 * version (`nhicard-center db migrate`). A PostgreSQL server that cannot
 * be reached is NHI_ESTORE_BUSY.
 */
int	center_store_open(const char *target, struct center_store **out);
/*
 * Read clinic queries' cards, periods and insurer names from a replica of
 * the store (a PostgreSQL standby, or any store at the same schema
 * version): opened now, used until center_store_close.
 */
int	center_store_replica(struct center_store *cs, const char *target);
/*
 * While serving: the engine's own upkeep off the requests' path (SQLite:
 * the WAL's checkpoints on a thread of their own, so no query's commit
 * waits for one; center-db-ckpt.c). Stopped by center_store_upkeep_stop
 * or center_store_close.
 */
int	center_store_upkeep_start(struct center_store *cs);
void	center_store_upkeep_stop(struct center_store *cs);
/* Open without applying or checking the schema (db migrate, restore). */
int	center_store_open_bare(const char *target, struct center_store **out);
/* The engine's name ("sqlite", "postgresql"), the store's schema version
 * and the newest this center knows. */
int	center_store_engine(struct center_store *cs, const char **name,
	    int64_t *version, int *latest);
/* Apply the missing migrations (*applied: how many). */
int	center_store_migrate(struct center_store *cs, int *applied);
/* The whole store to a file (SQLite online backup API; pg_dump custom
 * format), and back (the store's content replaced). */
int	center_store_backup(struct center_store *cs, const char *dest);
int	center_store_restore(struct center_store *cs, const char *src);
void	center_store_close(struct center_store *cs);
int	center_store_begin(struct center_store *cs);
int	center_store_commit(struct center_store *cs);
void	center_store_rollback(struct center_store *cs);

enum center_put {
	CENTER_PUT_STORED,	/* a new record, stored now */
	CENTER_PUT_DUPLICATE,	/* the same record id again: acknowledged, not stored */
};

struct center_record {
	const char	*station;	/* station id */
	const char	*record_id;	/* station's record id */
	int64_t		 seq;		/* station sequence number */
	int64_t		 attempt;
	const char	*lane;		/* "revocation" or "bulk" */
	const char	*kind;		/* "card_issued", "card_revoked", ... */
	const char	*user_number;	/* or NULL */
	const char	*text;		/* the record line as received */
};

/*
 * Store one record once. A record id already held for the station is a
 * duplicate (*res = CENTER_PUT_DUPLICATE); the same record id with another
 * sequence number, or a sequence number already held under another record
 * id, is NHI_ECONFLICT. Storing clears an earlier rejection of the id.
 */
int	center_store_put(struct center_store *cs, const struct center_record *rec,
	    enum center_put *res);
/*
 * Store up to CENTER_PUT_CHUNK records of one station in one statement
 * (one round trip on PostgreSQL): stored[i] is 1 for each record stored
 * now, 0 for one whose key was held (center_store_put then tells a
 * duplicate from a conflict). Exactly once as center_store_put: the keys
 * decide, a concurrent transaction's rows are waited for.
 */
#define CENTER_PUT_CHUNK	200
int	center_store_put_many(struct center_store *cs,
	    const struct center_record *recs, size_t n, int *stored);
/* "PREFIX (?1,..,?k),(..)... SUFFIX" for n rows of k columns (freed by the
 * caller). */
char	*center_rows_sql(const char *prefix, size_t n, size_t k, const char *suffix);

/* Remember (or refresh) why a record was rejected (code: a word). */
int	center_store_reject(struct center_store *cs, const struct center_record *rec,
	    const char *code, const char *reason);

/* Whether a card with this user number was issued (any station): *known. */
int	center_store_user_known(struct center_store *cs, const char *user_number,
	    int *known);

/*
 * The highest sequence number N such that 1..N were all processed for the
 * station (stored or rejected; 0 if none). Also remembers it.
 */
int	center_store_contiguous(struct center_store *cs, const char *station,
	    int64_t *out);

/* Take the station's next acknowledgement serial (1, 2, ...). */
int	center_store_next_serial(struct center_store *cs, const char *station,
	    int64_t *serial);

/*
 * Append to *text (xrealloc'd) the "held SEQ" lines (stored records above
 * `through`, ascending) and the "reject SEQ ID ATTEMPT CODE REASON" lines
 * (outstanding rejections) of the station (docs/queue-format.md).
 */
int	center_store_ack_lines(struct center_store *cs, const char *station,
	    int64_t through, char **text, size_t *len);

/*
 * The status view (per station: records held, highest contiguous, gaps,
 * rejections outstanding) in *out (caller frees).
 */
int	center_store_status(struct center_store *cs, char **out);

/*
 * A revocation or reinstatement (already stored with center_store_put)
 * whose card's issuance has not arrived yet: held, and applied by
 * center_store_apply_held when a card_issued record for the same user
 * number is stored (*applied: how many). center_store_held_count counts
 * those still held (user_number NULL: all).
 */
int	center_store_hold_revocation(struct center_store *cs,
	    const struct center_record *rec);
int	center_store_apply_held(struct center_store *cs, const char *user_number,
	    int64_t *applied);
int	center_store_held_count(struct center_store *cs, const char *user_number,
	    int64_t *out);

/*
 * Keep the audit chain head a batch of `station` carried (docs/audit.md
 * "Anchoring") and compare it with the heads already held: *alert is NULL
 * when it extends them, else a static word, "shrunk" (older than a head
 * held: the station's log lost entries) or "forked" (a head held has the
 * same seq and another hash: the log was rewritten); an alert is kept
 * with the batch number for `status`. Inside the intake's transaction.
 */
int	center_store_audit_head(struct center_store *cs, const char *station,
	    int64_t batch, int64_t seq, const char *hash, const char **alert);

/* The heads held for `station`, "SEQ HASH" a line, oldest first (the file
 * `nhicard audit verify --against` reads); *out caller frees. */
int	center_store_audit_heads(struct center_store *cs, const char *station,
	    char **out);

/* Number of records held for a station (all stations if NULL). */
int	center_store_count(struct center_store *cs, const char *station,
	    int64_t *out);

/* ---- center-batch.c, center-intake.c --------------------------------------------------- */

struct cj_obj;

/* One record line of a batch. */
struct center_in {
	int64_t		 seq;
	char		 id[33];
	int64_t		 attempt;
	const char	*lane;		/* into obj */
	const char	*kind;
	const char	*user_number;	/* data.user_number, or NULL */
	char		*line;		/* the line as received */
	struct cj_obj	*obj;
	const char	*reject_code;	/* set if the record itself is refused */
	char		*reject_reason;
};

struct center_batch {
	char		 station[64];
	int64_t		 number;
	int64_t		 audit_seq;	/* the station's audit head (header) */
	char		 audit_hash[65];	/* 64 lower-case hex digits */
	size_t		 n;
	struct center_in *rec;
};

/*
 * Parse a batch's content (docs/queue-format.md section 2). A line
 * without a usable seq, id and attempt, or a bad header, fails the batch
 * (NHI_EPARSE naming the line); a record that is otherwise wrong (unknown
 * kind, wrong lane, missing data) is kept with reject_code set. Free with
 * center_batch_free.
 */
int	center_batch_parse(const char *text, size_t len, struct center_batch *out);
void	center_batch_free(struct center_batch *b);

/* Mark a record rejected with a code (a word) and a reason, unless it
 * already is. */
void	center_in_reject(struct center_in *in, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Take one batch file: open it, store its records, and build the signed
 * acknowledgement (*ack, caller frees; *station, caller frees, the
 * station's id; *serial, the acknowledgement's serial). All records of the batch are stored in one transaction.
 * The last word of the batch signer's certificate common name must be
 * the batch's station id ("nhicard TEST station ST01" signs for ST01);
 * `peer_cn` (or NULL for media) is the TLS client's certificate name and
 * must name the same station. Returns 0, or the errors of center_batch_open,
 * NHI_EPARSE (the content is not a batch), NHI_EREFUSED (signer, peer and
 * station differ), store errors.
 */
int	center_intake_batch(struct center_store *cs, const struct center_keys *k,
	    const char *peer_cn, const uint8_t *batch, size_t len,
	    uint8_t **ack, size_t *acklen, char **station, int64_t *serial);

/* The acknowledgement file name, STATION-aNNNNNNNN.ack. Caller frees. */
char	*center_ack_file_name(const char *station, int64_t serial);

/* ---- center-elig.c: eligibility, trust list, clinics, query log -------- */

struct cj_obj;

/*
 * Whether a record's eligibility is one period written as sent (kind
 * eligibility_changed, no `replaces`): such records can be kept many at a
 * time by center_elig_periods_many (*period: its number, which must not
 * repeat within one call). The same rows center_elig_apply writes.
 */
int	center_elig_period_bulk(const char *kind, const struct cj_obj *data,
	    int64_t *period);
int	center_elig_periods_many(struct center_store *cs, const char *station,
	    const struct cj_obj *const *data, size_t n);

/*
 * Keep what a stored record says about eligibility (docs/clinic-api.md
 * section 2): card_issued, card_revoked, card_reinstated and
 * eligibility_changed update the per-card and per-person tables; other
 * kinds change nothing. A revocation or reinstatement older (station seq)
 * than the one applied is ignored; one for a card not issued yet makes
 * the card's row, which its issuance then completes. Inside the intake's
 * transaction.
 */
int	center_elig_apply(struct center_store *cs, const char *station, int64_t seq,
	    const char *kind, const struct cj_obj *data);

/* What the center knows of a card, by user number. */
struct center_card {
	int		 issued;		/* its card_issued arrived */
	char		 station[64];
	int64_t		 person;
	char		 insurer_number[9];
	char		 municipality[7];
	char		 public_key[131];	/* 130 hex digits */
	int		 revoked;
	char		 revoked_reason[32];
	char		 revoked_on[11];
};

/* *found 0 if no row for the user number (32 hex digits). */
int	center_elig_card(struct center_store *cs, const char *user_number,
	    struct center_card *out, int *found);

/* center-mynumber.c: My Number card links. Apply a mynumber_linked or
 * mynumber_unlinked record (other kinds: nothing), inside the intake's
 * transaction. */
int	center_mynumber_apply(struct center_store *cs, const char *station,
	    const char *kind, const struct cj_obj *data);
/* The link of the certificate whose DER has SHA-256 `cert_sha256` (64 hex
 * digits) as a card: station, person, insurer at linking, revoked = the
 * link ended (revoked_reason: revoked, replaced, clerk); user_number[33]
 * the number the center knows the person's linked card by. *found 0 when
 * no link names the certificate. */
int	center_mynumber_link(struct center_store *cs, const char *cert_sha256,
	    struct center_card *out, char user_number[33], int *found);

/* An eligibility period as the station sent it (strings "" when null). */
struct center_period {
	char		 insurer_number[9];
	char		 symbol[64];
	char		 number[64];
	char		 branch[8];
	char		 cert_kind[24];
	int		 short_months;
	char		 acquired_on[11];
	char		 lost_on[11];
	char		 valid_until[11];
	int		 burden_pct;
	char		 burden_from[11];
	int		 named;		/* insurer_name read with the period */
	char		 insurer_name[256];
};

/*
 * A clinic's query in one statement where the store allows (PostgreSQL
 * without a replica; *done = 1): take the challenge (*seen = 1 if it was
 * taken before), read the card (*found), its person's periods in force
 * oldest first with their insurers' names (*out, *n, caller frees); the
 * query's BEGIN travels with it (one round trip). Else *done = 0 and the
 * caller asks one by one (center_challenge_use, center_elig_card,
 * center_elig_periods, center_insurer_name).
 */
int	center_elig_query_read(struct center_store *cs, const char *challenge,
	    int64_t now, int64_t keep, const char *user_number, int *seen,
	    struct center_card *card, int *found, struct center_period **out,
	    size_t *n, int *done);

/* The periods in force of a person of a station (not superseded), oldest
 * first; *out (caller frees), *n. */
int	center_elig_periods(struct center_store *cs, const char *station,
	    int64_t person, struct center_period **out, size_t *n);

/* Register a municipality's signing public key (65-byte point as hex) in
 * the trust list; the list's version goes up by one. */
int	center_trust_add(struct center_store *cs, const char *municipality,
	    const char *public_key_hex, char signer_id[17], int64_t *version);

/* The trust list: callback per key; *version the list's version. */
int	center_trust_each(struct center_store *cs, int64_t *version,
	    void (*fn)(void *arg, const char *municipality, const char *signer_id,
	    const char *public_key), void *arg);

/* Cards whose revocation state changed after `since` (revocation list
 * version); fn gets the user number, 1 if revoked now, the change's
 * version. *version: the newest version. */
int	center_revoked_each(struct center_store *cs, int64_t since, int64_t *version,
	    void (*fn)(void *arg, const char *user_number, int revoked,
	    int64_t version), void *arg);

/* Clinics allowed to query (a 10-digit 医療機関コード), with a name. */
int	center_clinic_add(struct center_store *cs, const char *code, const char *name);
int	center_clinic_known(struct center_store *cs, const char *code, int *known);

/* Insurer names for answers (保険者名称). *name "" if unknown. */
int	center_insurer_add(struct center_store *cs, const char *number, const char *name);
int	center_insurer_name(struct center_store *cs, const char *number, char *name,
	    size_t len);

/*
 * Remember a challenge (64 hex digits) used at `now` (unix seconds):
 * *seen 1 if it was used before (a replay). Challenges older than `keep`
 * seconds are forgotten (their time stamp is refused anyway).
 */
int	center_challenge_use(struct center_store *cs, const char *challenge,
	    int64_t now, int64_t keep, int *seen);

/* Record one query (who asked about whom, when, what was answered). */
int	center_query_log(struct center_store *cs, const char *clinic,
	    const char *user_number, const char *visit_date, const char *outcome);

/* The queries about a user number, "AT CLINIC VISIT OUTCOME" a line
 * (what a resident may ask for); *out caller frees. */
int	center_query_list(struct center_store *cs, const char *user_number, char **out);

/* ---- center-clinic-code.c ------------------------------------------------ */

/*
 * 1 if `code` is a 医療機関コード as a clinic certificate must name it
 * (docs/clinic-api.md section 1): 10 ASCII digits, prefecture 01..47,
 * point table 1 (medical), 3 (dental) or 4 (pharmacy), and the check
 * digit (the last) right over the 6 digits before it. *why (static)
 * says what is wrong when 0.
 */
int	center_clinic_code_ok(const char *code, const char **why);

/* ---- center-query.c, center-publish.c: the clinics' API ------------------ */

/* What the API answers: an HTTP status and a body. */
struct center_reply {
	unsigned	 status;	/* 200, 400, 403, 429, 503 */
	const char	*type;		/* content type (static) */
	uint8_t		*body;		/* caller frees */
	size_t		 len;
	int		 to_sign;	/* body is the JSON still to be signed */
};

/* Sign a reply whose to_sign is set (the JSON body becomes the CMS
 * SignedData); outside the store's lock, so answers are signed in
 * parallel. 0 or NHI_ECRYPTO. */
int	center_reply_sign(const struct center_keys *k, struct center_reply *rep);

#define CENTER_CHALLENGE_LEN	32
#define CENTER_ANSWER_LEN	64
#define CENTER_USER_LEN		16
#define CENTER_MN_CERT_MAX	2048
#define CENTER_MN_SIG_MAX	512

/* A query as read (center-query-in.c); strings borrowed from the JSON. */
struct center_query_in {
	const char	*user_number;	/* NULL until read right; in user_number_buf */
	const char	*insurer_number;
	const char	*challenge;
	const char	*visit_date;
	uint8_t		 un[CENTER_USER_LEN];
	uint8_t		 chal[CENTER_CHALLENGE_LEN];
	uint8_t		 answer[CENTER_ANSWER_LEN];
	char		 user_number_buf[33];
	/* A My Number card (docs/clinic-api.md section 3.3): its
	 * user-authentication certificate (DER) and its signature over the
	 * challenge; user_number and insurer_number are the link's, filled
	 * by the query once the link is found. */
	int		 mynumber;
	uint8_t		 cert[CENTER_MN_CERT_MAX];
	size_t		 certlen;
	uint8_t		 sig[CENTER_MN_SIG_MAX];
	size_t		 siglen;
	char		 insurer_buf[9];
};

/*
 * Read a query body (docs/clinic-api.md section 3.1): 0 and *obj (the
 * JSON the strings point into; cj_free it), or NHI_EPARSE with *why
 * naming the member or the byte that is wrong (static text). On error
 * q->user_number is set only if it was read right.
 */
int	center_query_parse(const char *body, size_t len, struct center_query_in *q,
	    struct cj_obj **obj, const char **why);

/*
 * Answer one eligibility query (docs/clinic-api.md section 3) of clinic
 * `clinic` (a checked 医療機関コード) at unix time `now`: the request
 * body is untrusted JSON. Every query is recorded in the query log with
 * its outcome. 200 with a center-signed answer (CMS SignedData, JSON
 * inside) when the card proved present (or is unknown to the center);
 * 400 for a malformed query, 403 for a stale or replayed challenge (or
 * one made before `started`, the center's start: its memory of used
 * challenges may have lost the last ones) or an answer that does not
 * verify, each with a JSON error. A 200 reply has to_sign set: the caller
 * signs it with center_reply_sign. Returns 0, or a store error (the
 * caller answers 503).
 */
int	center_query(struct center_store *cs, const char *clinic, const char *body,
	    size_t len, int64_t now, int64_t started, struct center_reply *out);

/* The query's store work in one transaction whose commit does not wait
 * for the disk (synchronous=NORMAL; the next batch's commit or a
 * checkpoint makes it durable): docs/clinic-api.md section 2. */
int	center_store_query_begin(struct center_store *cs);
int	center_store_query_end(struct center_store *cs, int commit);

/* The signed trust list and the signed revocation list since `since`
 * (docs/clinic-api.md section 4). */
int	center_publish_trust(struct center_store *cs, const struct center_keys *k,
	    struct center_reply *out);
int	center_publish_revoked(struct center_store *cs, const struct center_keys *k,
	    int64_t since, struct center_reply *out);

/* A JSON error body {"error":CODE,"detail":...} with a status. */
void	center_reply_error(struct center_reply *out, unsigned status, const char *code,
	    const char *detail);

/* ---- center-status-data.c, center-status-html.c: the operators' page ---- */

#define CENTER_STATUS_DAYS	30	/* the charts' window, days (UTC) */
#define CENTER_STATUS_REJECTIONS 20	/* outstanding rejections listed a station */

struct center_status_rejection {
	int64_t		 seq;
	char		*record_id;
	char		*code;
	char		*reason;
	char		*at;
};

struct center_status_station {
	char		*id;
	int64_t		 held;		/* records stored */
	int64_t		 contiguous;	/* 1..N all processed */
	int64_t		 highest;	/* highest seq stored */
	char		*gaps;		/* "5,9-12" or "" */
	int64_t		 rejected;	/* rejections outstanding */
	struct center_status_rejection *rej;	/* the oldest few of them */
	size_t		 nrej;
	char		*last_batch;	/* UTC time a batch last touched it */
	char		*last_ack;	/* UTC time of its last acknowledgement, or NULL */
	int64_t		 ack_serial;
	int64_t		 heads;		/* audit heads held */
	int64_t		 head_seq;	/* the highest head's seq (-1: none) */
	int64_t		 alerts;	/* audit alerts (shrunk, forked) */
	char		*alert;		/* the latest alert's "kind: detail", or NULL */
	int64_t		 held_revocations;
	int64_t		 records_day[CENTER_STATUS_DAYS];	/* oldest first */
};

struct center_status_clinic {
	char		*code;
	char		*name;
	int64_t		 last_hour;	/* queries in the last 60 minutes */
	int64_t		 last_day;	/* ... in the last 24 hours */
	int64_t		 refused_day;	/* ... of them not answered (errors) */
};

struct center_status {
	char		 now[21];	/* YYYY-MM-DDTHH:MM:SSZ */
	char		 day[CENTER_STATUS_DAYS][11];	/* the window's days */
	struct center_status_station *st;
	size_t		 nst;
	struct center_status_clinic *cl;
	size_t		 ncl;
	int64_t		 records_day[CENTER_STATUS_DAYS];	/* all stations */
	int64_t		 rejections_day[CENTER_STATUS_DAYS];
	int64_t		 queries_day[CENTER_STATUS_DAYS];
	int64_t		 refused_day[CENTER_STATUS_DAYS];
};

/*
 * Read what the operators' page shows at unix time `now` (read only: it
 * changes nothing in the store). Free with center_status_free.
 */
int	center_status_read(struct center_store *cs, int64_t now, struct center_status *out);
void	center_status_free(struct center_status *s);

/* The page (HTML5, inline SVG charts, no script), every text from the
 * store escaped. Caller frees. */
char	*center_status_html(const struct center_status *s);

/* Append `s` escaped for HTML text and attribute values (& < > " ') to
 * *buf (xrealloc'd, *len its length). */
void	center_html_escape(char **buf, size_t *len, const char *s);

/* ---- center-http.c ----------------------------------------------------- */

struct center_http_opts {
	const char	*listen;	/* address, default 127.0.0.1 */
	unsigned	 port;		/* 0: any free port */
	const char	*key_path;	/* TLS server key and certificate (PEM) */
	const char	*cert_path;
	const char	*ca_path;	/* stations' CA (PEM) */
	unsigned	 max_body;	/* largest batch accepted, bytes */
	unsigned	 clinic_rate;	/* queries a minute per clinic (0: no limit) */
	unsigned	 threads;	/* request threads (the pool) */
	int		 admin_port;	/* the operators' page on 127.0.0.1 (plain
					 * HTTP); -1: none, 0: any free port */
};

/*
 * Serve POST /batch until SIGTERM/SIGINT. Prints "listening on ADDR PORT"
 * on stdout (flushed) once ready. Returns 0 or NHI_ENETWORK / NHI_EKEY.
 */
int	center_http_serve(struct center_store *cs, const struct center_keys *k,
	    const struct center_http_opts *o);

#endif
