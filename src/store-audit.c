/*
 * store-audit.c: the audit trail (audit.h, docs/audit.md): an append-only,
 * hash-chained table. Each entry's hash is SHA-256 over the previous
 * entry's hash and the canonical serialization of the entry's fields; the
 * newest seq and hash are also kept in meta (audit_head), so an entry
 * changed, removed or reordered breaks the chain, and a truncated tail no
 * longer reaches the head. Triggers refuse UPDATE and DELETE; the hashes
 * catch whoever drops them.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crypto-agent.h"
#include "crypto-audit.h"
#include "crypto-keystore.h"
#include "crypto.h"
#include "error.h"
#include "store-int.h"
#include "util.h"

#define AUDIT_HEAD_KEY	"audit_head"
#define AUDIT_MAGIC	"nhicard-audit-v1\n"
#define AUDIT_SEAL_KEY	"audit_seal"	/* meta: "SEQ:HASHHEX:MACHEX" */

/* ---- Canonical serialization ------------------------------------------ */

struct abuf {
	char	*p;
	size_t	 len, cap;
};

static void
abuf_add(struct abuf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A field: "~\n" for NULL, else "<decimal length>:<bytes>\n". */
static void
abuf_field(struct abuf *b, const char *s)
{
	char len[24];

	if (s == NULL) {
		abuf_add(b, "~\n", 2);
		return;
	}
	snprintf(len, sizeof(len), "%zu:", strlen(s));
	abuf_add(b, len, strlen(len));
	abuf_add(b, s, strlen(s));
	abuf_add(b, "\n", 1);
}

/* What an entry's hash is taken over: prev_hash, then the serialization. */
static void
audit_entry_bytes(const struct audit_entry *e, struct abuf *bp)
{
	struct abuf b = *bp;
	char seq[24];

	abuf_add(&b, e->prev_hash, AUDIT_HASH_LEN);
	abuf_add(&b, AUDIT_MAGIC, strlen(AUDIT_MAGIC));
	snprintf(seq, sizeof(seq), "%" PRId64, e->seq);
	abuf_field(&b, seq);
	abuf_field(&b, e->at);
	abuf_field(&b, e->station);
	abuf_field(&b, e->operator_login);
	abuf_field(&b, e->action);
	abuf_field(&b, e->subject);
	abuf_field(&b, e->outcome);
	abuf_field(&b, e->detail);
	*bp = b;
}

int
audit_entry_hash(const struct audit_entry *e, uint8_t out[AUDIT_HASH_LEN])
{
	struct abuf b = { NULL, 0, 0 };
	int r;

	audit_entry_bytes(e, &b);
	r = crypto_sha256(b.p, b.len, out);
	free(b.p);
	return r;
}

/* ---- The chain head ---------------------------------------------------- */

/* Parse meta audit_head "SEQ:HEX". *found is 0 when there is none. */
static int
audit_head_get(struct store *st, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN], int *found)
{
	char *v = NULL, *colon, *end;
	long long n;
	int r;

	*found = 0;
	r = store_meta_get(st, AUDIT_HEAD_KEY, &v);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	colon = strchr(v, ':');
	n = strtoll(v, &end, 10);
	if (colon == NULL || end != colon || n < 1 ||
	    hex_decode(colon + 1, hash, AUDIT_HASH_LEN) != AUDIT_HASH_LEN) {
		r = err_set(NHI_ESTORE_CORRUPT, "store %s: the audit chain head (meta %s) is"
		    " malformed", st->path, AUDIT_HEAD_KEY);
		goto out;
	}
	*seq = n;
	*found = 1;
	r = 0;
out:
	free(v);
	return r;
}

static int
audit_head_set(struct store *st, int64_t seq, const uint8_t hash[AUDIT_HASH_LEN])
{
	char hex[2 * AUDIT_HASH_LEN + 1], v[96];

	hex_encode(hash, AUDIT_HASH_LEN, hex);
	snprintf(v, sizeof(v), "%" PRId64 ":%s", seq, hex);
	return store_meta_set(st, AUDIT_HEAD_KEY, v);
}

/* ---- The keyed seal (docs/audit.md "The keyed seal") ------------------- */

static char	*audit_keyfile;		/* keys.dir/audit.key, when there is one */
static int	 audit_key_required;	/* a production store: it must be keyed */
static uint8_t	 audit_lkey[CRYPTO_AUDIT_KEY_LEN];	/* the key officer's process */
static int	 audit_lkey_held;
static int64_t	 audit_verified_seal = -1;

void
audit_keying(const char *keyfile, int required)
{
	free(audit_keyfile);
	audit_keyfile = keyfile != NULL ? xstrdup(keyfile) : NULL;
	audit_key_required = required;
}

void
audit_key_hold(const uint8_t key[CRYPTO_AUDIT_KEY_LEN])
{
	memcpy(audit_lkey, key, CRYPTO_AUDIT_KEY_LEN);
	audit_lkey_held = 1;
}

void
audit_key_forget(void)
{
	util_wipe(audit_lkey, sizeof(audit_lkey));
	audit_lkey_held = 0;
}

/* The key in this process: held already, or unwrapped with a passphrase
 * given on NHICARD_KEY_PASSPHRASE_FD (a key officer's command; nobody is
 * prompted). 0, NHI_ENOFILE (none to be had), or a key error. */
static int
audit_local_key(void)
{
	const char *pass;
	char *text = NULL, *inner = NULL;
	size_t len = 0, ilen = 0;
	int r;

	if (audit_lkey_held)
		return 0;
	if (audit_keyfile == NULL || !crypto_keystore_have_passphrase())
		return NHI_ENOFILE;
	if ((r = fs_read_file(audit_keyfile, 64 * 1024, &text, &len)) != 0)
		return r;
	if ((r = crypto_keystore_passphrase(&pass)) == 0 &&
	    (r = crypto_keystore_unwrap(audit_keyfile, text, len, pass, &inner,
	    &ilen)) == 0 &&
	    (r = crypto_audit_key_parse(audit_keyfile, inner, ilen, audit_lkey)) == 0)
		audit_lkey_held = 1;
	if (inner != NULL)
		util_free_secret(inner, ilen + 1);
	free(text);
	return r;
}

/* Is this agent answer "it holds no audit key" (started before the key
 * was created), which counts as locked? */
static int
agent_has_no_key(int r)
{
	return r == NHI_ENOFILE || (r == NHI_EKEY && err_detail() != NULL &&
	    strstr(err_detail(), "no audit key held") != NULL);
}

int
audit_seal_parse(const char *v, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN],
    uint8_t mac[AUDIT_HASH_LEN])
{
	char h[2 * AUDIT_HASH_LEN + 1];
	const char *p, *q;
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	p = strchr(v, ':');
	q = p != NULL ? strchr(p + 1, ':') : NULL;
	if (p == NULL || q == NULL || end != p || n < 1 || errno != 0 ||
	    (size_t)(q - p - 1) != 2 * AUDIT_HASH_LEN ||
	    strlen(q + 1) != 2 * AUDIT_HASH_LEN)
		return NHI_EPARSE;
	memcpy(h, p + 1, 2 * AUDIT_HASH_LEN);
	h[2 * AUDIT_HASH_LEN] = '\0';
	if (hex_decode(h, hash, AUDIT_HASH_LEN) != AUDIT_HASH_LEN ||
	    hex_decode(q + 1, mac, AUDIT_HASH_LEN) != AUDIT_HASH_LEN)
		return NHI_EPARSE;
	*seq = n;
	return 0;
}

static int
audit_seal_get(struct store *st, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN],
    uint8_t mac[AUDIT_HASH_LEN], int *found)
{
	char *v = NULL;
	int r;

	*found = 0;
	r = store_meta_get(st, AUDIT_SEAL_KEY, &v);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	if (audit_seal_parse(v, seq, hash, mac) != 0)
		r = err_set(NHI_ESTORE_CORRUPT, "audit log: the seal (meta %s) is malformed:"
		    " it was altered", AUDIT_SEAL_KEY);
	else
		*found = 1;
	free(v);
	return r;
}

static int
audit_seal_set(struct store *st, int64_t seq, const uint8_t hash[AUDIT_HASH_LEN],
    const uint8_t mac[AUDIT_HASH_LEN])
{
	char h[2 * AUDIT_HASH_LEN + 1], m[2 * AUDIT_HASH_LEN + 1], v[200];

	hex_encode(hash, AUDIT_HASH_LEN, h);
	hex_encode(mac, AUDIT_HASH_LEN, m);
	snprintf(v, sizeof(v), "%" PRId64 ":%s:%s", seq, h, m);
	return store_meta_set(st, AUDIT_SEAL_KEY, v);
}

static int audit_from_row(struct store *, sqlite3_stmt *, struct audit_entry *);

#define AUDIT_SELECT "SELECT seq, at, station, operator, action, subject, outcome," \
	" detail, prev_hash, hash FROM audit_log"

/*
 * Extend the seal to the chain head: from the seal in meta (or, with
 * `genesis` and no seal yet, from the log's beginning), along the entries
 * after it, by the key agent or the key held in this process. *sealed: 1
 * if sealed, 0 if the key could not be had (locked: the entries wait for
 * the next seal). An agent or key that refuses (the old seal does not
 * verify, the chain does not extend it) is an error: fail closed.
 */
static int
audit_seal_extend(struct store *st, int genesis, int *sealed)
{
	sqlite3_stmt *stmt = NULL;
	struct crypto_audit_link *links = NULL;
	struct audit_entry e;
	struct abuf b;
	uint8_t oh[AUDIT_HASH_LEN], om[AUDIT_HASH_LEN], nh[AUDIT_HASH_LEN], nm[AUDIT_HASH_LEN];
	uint8_t head[AUDIT_HASH_LEN];
	int64_t oseq = 0, nseq = 0, head_seq = 0;
	size_t n = 0, cap = 0, i;
	int r, rc, found, hfound;

	*sealed = 0;
	if (audit_keyfile == NULL && !audit_lkey_held)
		return 0;
	if ((r = audit_seal_get(st, &oseq, oh, om, &found)) != 0 ||
	    (r = audit_head_get(st, &head_seq, head, &hfound)) != 0)
		return r;
	if (!hfound || (found && oseq == head_seq))
		return 0;
	if (!found) {
		if (!genesis)
			return 0;	/* only `audit seal` and `keys create --audit` */
		oseq = 0;
		memset(oh, 0, sizeof(oh));
	}
	if ((r = store_prepare(st, AUDIT_SELECT " WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
	    &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, oseq);
	sqlite3_bind_int64(stmt, 2, head_seq);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = audit_from_row(st, stmt, &e)) != 0)
			goto out;
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 8;
			links = xreallocarray(links, cap, sizeof(*links));
		}
		memset(&b, 0, sizeof(b));
		audit_entry_bytes(&e, &b);
		links[n].bytes = (const uint8_t *)b.p;
		links[n].len = b.len;
		n++;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "read the audit log");
		goto out;
	}
	/* The key held here (a key ceremony, the agent's own start) first;
	 * else the agent; else a passphrase given to this process. */
	r = found && !audit_lkey_held ? crypto_agent_seal(oseq, oh, om, links, n, &nseq,
	    nm) : NHI_ENOFILE;
	if (r == 0) {
		/* The agent answers the seal, not the hash: recompute it. */
		uint8_t t[AUDIT_HASH_LEN];

		memcpy(nh, oh, sizeof(nh));
		for (i = 0; i < n && r == 0; i++)
			if ((r = crypto_sha256(links[i].bytes, links[i].len, t)) == 0)
				memcpy(nh, t, sizeof(nh));
		if (r != 0)
			goto out;
	} else if (r == NHI_EIO) {
		/* An agent that does not answer (exiting at its idle timeout):
		 * as locked; the next seal covers this entry. */
		log_warn("audit: entry not sealed now: %s", err_text(r));
		r = 0;
		goto out;
	} else if (agent_has_no_key(r)) {
		err_clear();
		if ((r = audit_local_key()) == NHI_ENOFILE) {
			err_clear();
			r = 0;	/* locked: sealed by a later entry */
			goto out;
		}
		if (r != 0 || (r = crypto_audit_extend(audit_lkey, oseq, oh, found ? om : NULL,
		    links, n, &nseq, nh, nm)) != 0)
			goto out;
	} else {
		r = err_wrap(r, "audit log: the seal was refused (run 'nhicard audit verify'): ");
		goto out;
	}
	if (nseq != head_seq || memcmp(nh, head, AUDIT_HASH_LEN) != 0) {
		r = err_set(NHI_ESTORE_CORRUPT, "audit log: the entries after the seal do not"
		    " lead to the chain head: the log was altered (run 'nhicard audit verify')");
		goto out;
	}
	if ((r = audit_seal_set(st, nseq, nh, nm)) != 0)
		goto out;
	*sealed = 1;
out:
	sqlite3_finalize(stmt);
	for (i = 0; i < n; i++)
		free((void *)links[i].bytes);
	free(links);
	return r;
}

/* Check the seal (seq, hash, mac) by the agent or this process's key.
 * 0, NHI_ESTATE (the keys are locked), NHI_EKEY (it does not match). */
static int
audit_seal_verify_mac(int64_t seq, const uint8_t hash[AUDIT_HASH_LEN],
    const uint8_t mac[AUDIT_HASH_LEN])
{
	int r;

	r = audit_lkey_held ? NHI_ENOFILE : crypto_agent_seal_check(seq, hash, mac);
	if (r == 0 || !agent_has_no_key(r))
		return r;
	err_clear();
	if ((r = audit_local_key()) == NHI_ENOFILE)
		return err_set(NHI_ESTATE, "audit log: the seal cannot be checked: the audit"
		    " key (%s) is locked (a key officer starts the key agent, 'nhicard keys"
		    " agent start', or gives the passphrase)", audit_keyfile);
	if (r != 0)
		return r;
	return crypto_audit_seal_check(audit_lkey, seq, hash, mac);
}

int
audit_seal(struct store *st, int64_t *through)
{
	uint8_t h[AUDIT_HASH_LEN], m[AUDIT_HASH_LEN];
	int r, sealed = 0, found, own = 0;

	if (audit_keyfile == NULL && !audit_lkey_held)
		return err_set(NHI_ESTATE, "audit log: the station has no audit key (a key"
		    " officer creates it: nhicard keys create --audit)");
	if (!st->in_txn) {
		if ((r = store_begin(st)) != 0)
			return r;
		own = 1;
	}
	if ((r = audit_seal_extend(st, 1, &sealed)) != 0)
		goto out;
	if ((r = audit_seal_get(st, through, h, m, &found)) != 0)
		goto out;
	if (!found) {
		r = err_set(NHI_ESTATE, "audit log: nothing sealed: a log never sealed is"
		    " sealed from entry 1 only with the key-store passphrase (the key"
		    " agent never seals from the beginning), or the log is empty");
		goto out;
	}
	if (!sealed && (r = audit_seal_verify_mac(*through, h, m)) != 0)
		goto out;
	if (own) {
		own = 0;
		r = store_commit(st);
	}
out:
	if (own)
		store_rollback(st);
	return r;
}

int
audit_seal_status(int64_t *sealed_through)
{
	*sealed_through = audit_verified_seal;
	return audit_keyfile != NULL;
}

/* ---- Appending ----------------------------------------------------------- */

static const char *
audit_nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int
audit_has(struct store *st, const char *action, const char *detail_prefix, int *found)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	*found = 0;
	if ((r = store_prepare(st, "SELECT 1 FROM audit_log WHERE action = ?1 AND outcome = 'ok'"
	    " AND substr(detail, 1, length(?2)) = ?2 LIMIT 1", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, detail_prefix, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*found = 1;
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, rc, "read the audit log");
	sqlite3_finalize(stmt);
	return r;
}

int
audit_names(struct store *st, const char *action_prefix, const char *subject, int *found)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	*found = 0;
	const char *base = strrchr(subject, '/');

	base = base != NULL ? base : subject;	/* "/name", or the whole subject */
	if ((r = store_prepare(st, "SELECT 1 FROM audit_log WHERE outcome = 'ok'"
	    " AND substr(action, 1, length(?1)) = ?1 AND (subject = ?2"
	    " OR substr(subject, -length(?3)) = ?3) LIMIT 1", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, action_prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, base, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*found = 1;
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, rc, "read the audit log");
	sqlite3_finalize(stmt);
	return r;
}

int
audit_append(struct store *st, const char *operator_login, const char *action,
    const char *subject, const char *outcome, const char *detail)
{
	sqlite3_stmt *stmt = NULL;
	struct audit_entry e;
	char now[24], *station = NULL;
	int64_t head_seq = 0;
	int r, rc, own = 0, found, sealed = 0;

	if (action == NULL || action[0] == '\0' || outcome == NULL || outcome[0] == '\0')
		return err_set(NHI_EINTERNAL, "audit: an entry needs an action and an outcome");
	memset(&e, 0, sizeof(e));
	if (!st->in_txn) {
		if ((r = store_begin(st)) != 0)
			return r;
		own = 1;
	}
	r = store_meta_get(st, "station_id", &station);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		station = xstrdup("-");
	} else if (r != 0)
		goto out;
	/* The next entry links to the head in meta, not to the last row: a
	 * truncated tail then stays visible after further appends. */
	if ((r = audit_head_get(st, &head_seq, e.prev_hash, &found)) != 0)
		goto out;
	if (!found)
		head_seq = 0;
	store_now(now, sizeof(now));
	e.seq = head_seq + 1;
	e.at = now;
	e.station = station;
	e.operator_login = audit_nonempty(operator_login);
	e.action = action;
	e.subject = audit_nonempty(subject);
	e.outcome = outcome;
	e.detail = audit_nonempty(detail);
	if ((r = audit_entry_hash(&e, e.hash)) != 0)
		goto out;
	if ((r = store_prepare(st, "INSERT INTO audit_log (seq, at, station, operator,"
	    " action, subject, outcome, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, ?7, ?8, ?9, ?10)", &stmt)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, e.seq);
	sqlite3_bind_text(stmt, 2, e.at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, e.station, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, e.operator_login, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, e.action, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, e.subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, e.outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, e.detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 9, e.prev_hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 10, e.hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_err(st, rc, "append to the audit log");
		goto out;
	}
	if ((r = audit_head_set(st, e.seq, e.hash)) != 0)
		goto out;
	/* Keyed: the seal moves to this entry when the key can be had. */
	if ((r = audit_seal_extend(st, 0, &sealed)) != 0)
		goto out;
	if (own && (r = store_commit(st)) != 0) {
		own = 0;
		goto out;
	}
	own = 0;
	r = 0;
out:
	sqlite3_finalize(stmt);
	if (own)
		store_rollback(st);
	free(station);
	return r;
}

int
audit_refusal(struct store *st, const char *operator_login, const char *action,
    const char *subject, int r, const char *why)
{
	char *saved = err_detail() != NULL ? xstrdup(err_detail()) : NULL, *detail;
	const char *key = err_reason_of(r);
	int ar;

	if (st == NULL || st->in_txn) {
		free(saved);
		return r;
	}
	detail = xasprintf("%s%s%s", why != NULL ? why : "", why != NULL ? ": " : "",
	    nhi_errname(r));
	if ((ar = audit_append(st, operator_login, action, subject,
	    nhi_exit_code(r) == NHI_EXIT_REFUSED || nhi_exit_code(r) == NHI_EXIT_USAGE ?
	    AUDIT_REFUSED : AUDIT_FAILED, detail)) != 0)
		log_warn("audit entry %s not written: %s", action, err_text(ar));
	if (saved != NULL)
		err_reason(err_set(r, "%s", saved), key);
	free(saved);
	free(detail);
	return r;
}

/* ---- Reading ----------------------------------------------------------- */

static const char *
audit_col(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}

/* Fill *e from a row of AUDIT_SELECT; 0, or NHI_ESTORE_CORRUPT when a hash
 * column is not 32 bytes. */
static int
audit_from_row(struct store *st, sqlite3_stmt *stmt, struct audit_entry *e)
{
	const void *ph = sqlite3_column_blob(stmt, 8), *h = sqlite3_column_blob(stmt, 9);

	int i;

	memset(e, 0, sizeof(*e));
	e->seq = sqlite3_column_int64(stmt, 0);
	/* The hash covers a field's bytes up to its end; a NUL written into a
	 * field would hide what follows it, so a field must be all text. */
	for (i = 1; i <= 7; i++) {
		const char *t = audit_col(stmt, i);

		if (t != NULL && strlen(t) != (size_t)sqlite3_column_bytes(stmt, i))
			return err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64
			    " was changed (a field holds a NUL byte)", e->seq);
	}
	e->at = audit_col(stmt, 1);
	e->station = audit_col(stmt, 2);
	e->operator_login = audit_col(stmt, 3);
	e->action = audit_col(stmt, 4);
	e->subject = audit_col(stmt, 5);
	e->outcome = audit_col(stmt, 6);
	e->detail = audit_col(stmt, 7);
	if (ph == NULL || h == NULL || sqlite3_column_bytes(stmt, 8) != AUDIT_HASH_LEN ||
	    sqlite3_column_bytes(stmt, 9) != AUDIT_HASH_LEN)
		return err_set(NHI_ESTORE_CORRUPT, "store %s: audit entry %" PRId64 " has a"
		    " malformed hash", st->path, e->seq);
	memcpy(e->prev_hash, ph, AUDIT_HASH_LEN);
	memcpy(e->hash, h, AUDIT_HASH_LEN);
	return 0;
}

/*
 * The keyed part of verify, after the chain walked intact through entry n:
 * a station with an audit key must have a seal, on an entry still there
 * with the hash it had when sealed, made with the key (docs/audit.md).
 */
static int
audit_verify_seal(int64_t n, int sfound, int64_t sseq, const uint8_t sh[AUDIT_HASH_LEN],
    const uint8_t sm[AUDIT_HASH_LEN], int seen, const uint8_t at_seal[AUDIT_HASH_LEN],
    int64_t *bad)
{
	int r;

	if (audit_keyfile == NULL && !audit_lkey_held) {
		if (sfound) {
			*bad = sseq;
			return err_set(NHI_ESTORE_CORRUPT, "audit log: the log is sealed"
			    " through entry %" PRId64 " but keys.dir holds no audit key"
			    " (audit.key): the key was removed", sseq);
		}
		if (audit_key_required && n > 0)
			return err_set(NHI_ESTATE, "audit log: the chain is not keyed: a"
			    " production station has an audit key (a key officer creates it:"
			    " nhicard keys create --audit; docs/audit.md)");
		return 0;
	}
	if (!sfound) {
		if (n == 0)
			return 0;
		*bad = 1;
		return err_set(NHI_ESTORE_CORRUPT, "audit log: %" PRId64 " entries and no"
		    " seal although the station has an audit key (%s): the seal was removed"
		    " (or the store was never sealed: a key officer checks it against an"
		    " export, then seals it with 'nhicard audit seal')", n,
		    audit_keyfile != NULL ? audit_keyfile : "held");
	}
	if (sseq > n || !seen) {
		*bad = n + 1;
		return err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64 " was sealed"
		    " but the log ends at entry %" PRId64 ": entries were removed", sseq, n);
	}
	if (memcmp(at_seal, sh, AUDIT_HASH_LEN) != 0) {
		*bad = sseq;
		return err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64 " is not the"
		    " entry that was sealed: the log was rewritten up to entry %" PRId64,
		    sseq, sseq);
	}
	if ((r = audit_seal_verify_mac(sseq, sh, sm)) == NHI_EKEY) {
		*bad = sseq;
		return err_set(NHI_ESTORE_CORRUPT, "audit log: the seal of entry %" PRId64
		    " does not match the audit key: the log and its seal were rewritten",
		    sseq);
	}
	if (r != 0)
		return r;
	audit_verified_seal = sseq;
	return 0;
}

int
audit_verify(struct store *st, int64_t *count, int64_t *first_bad)
{
	sqlite3_stmt *stmt = NULL;
	struct audit_entry e;
	uint8_t prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN], head[AUDIT_HASH_LEN];
	uint8_t sh[AUDIT_HASH_LEN], sm[AUDIT_HASH_LEN], at_seal[AUDIT_HASH_LEN];
	int64_t expect = 1, n = 0, head_seq = 0, bad = 0, sseq = 0;
	int r, rc, found, sfound = 0, seen = 0;

	audit_verified_seal = -1;
	memset(prev, 0, sizeof(prev));
	if ((r = audit_seal_get(st, &sseq, sh, sm, &sfound)) != 0) {
		bad = 1;
		goto out;
	}
	if ((r = audit_head_get(st, &head_seq, head, &found)) != 0) {
		bad = 1;
		goto out;
	}
	if ((r = store_prepare(st, AUDIT_SELECT " ORDER BY seq", &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = audit_from_row(st, stmt, &e)) != 0) {
			bad = e.seq;
			goto out;
		}
		if (e.seq != expect) {
			bad = expect;
			r = err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64 " is missing"
			    " (the log goes from entry %" PRId64 " to %" PRId64 "): entries were"
			    " removed", expect, expect - 1, e.seq);
			goto out;
		}
		if (memcmp(e.prev_hash, prev, AUDIT_HASH_LEN) != 0) {
			bad = e.seq;
			r = err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64 " does not"
			    " follow entry %" PRId64 " (its previous-hash differs): entries were"
			    " removed, reordered or changed", e.seq, e.seq - 1);
			goto out;
		}
		if ((r = audit_entry_hash(&e, h)) != 0)
			goto out;
		if (memcmp(h, e.hash, AUDIT_HASH_LEN) != 0) {
			bad = e.seq;
			r = err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64 " was changed"
			    " (its hash does not match its content)", e.seq);
			goto out;
		}
		memcpy(prev, e.hash, AUDIT_HASH_LEN);
		if (sfound && e.seq == sseq) {
			memcpy(at_seal, e.hash, AUDIT_HASH_LEN);
			seen = 1;
		}
		expect++;
		n++;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "read the audit log");
		goto out;
	}
	if (!found && n > 0) {
		bad = 1;
		r = err_set(NHI_ESTORE_CORRUPT, "audit log: %" PRId64 " entries but no chain"
		    " head (meta %s): the head was removed", n, AUDIT_HEAD_KEY);
		goto out;
	}
	if (found && (head_seq != n || memcmp(head, prev,
	    AUDIT_HASH_LEN) != 0)) {
		bad = n + 1 <= head_seq ? n + 1 : head_seq;
		r = err_set(NHI_ESTORE_CORRUPT, "audit log: the log ends at entry %" PRId64
		    " but the chain head is entry %" PRId64 ": the tail was truncated or"
		    " replaced (first bad entry %" PRId64 ")", n, head_seq, bad);
		goto out;
	}
	if ((r = audit_verify_seal(n, sfound, sseq, sh, sm, seen, at_seal, &bad)) != 0)
		goto out;
	if (count != NULL)
		*count = n;
	r = 0;
out:
	sqlite3_finalize(stmt);
	if (r == NHI_ESTORE_CORRUPT && first_bad != NULL)
		*first_bad = bad;
	return r;
}

int
audit_head(struct store *st, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	int r, found;

	if ((r = audit_head_get(st, seq, hash, &found)) != 0)
		return r;
	if (!found) {
		*seq = 0;
		memset(hash, 0, AUDIT_HASH_LEN);
	}
	return 0;
}

int
audit_hash_at(struct store *st, int64_t seq, uint8_t hash[AUDIT_HASH_LEN], int *found)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	*found = 0;
	if ((r = store_prepare(st, "SELECT hash FROM audit_log WHERE seq = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, seq);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == AUDIT_HASH_LEN) {
		memcpy(hash, sqlite3_column_blob(stmt, 0), AUDIT_HASH_LEN);
		*found = 1;
		r = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		r = 0;
	else
		r = store_err(st, rc, "read the audit log");
	sqlite3_finalize(stmt);
	return r;
}

int
audit_anchor_parse(const char *line, size_t len, int64_t *seq,
    uint8_t hash[AUDIT_HASH_LEN])
{
	const char *p = line, *end = line + len, *h = NULL, *key;
	char hex[2 * AUDIT_HASH_LEN + 1];
	size_t run = 0;
	int64_t n = 0;
	int digits = 0;

	/* seq: after "seq": in a JSON line, else the line's leading number. */
	if (len > 0 && line[0] == '{') {
		key = NULL;
		for (p = line; p + 6 <= end; p++)
			if (memcmp(p, "\"seq\":", 6) == 0) {
				key = p + 6;
				break;
			}
		if (key == NULL)
			return NHI_EPARSE;
		p = key;
	}
	while (p < end && *p >= '0' && *p <= '9' && digits < 18) {
		n = n * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0 || n < 1 || (p < end && *p >= '0' && *p <= '9'))
		return NHI_EPARSE;
	/* hash: the line's last run of exactly 64 lower-case hex digits. */
	for (p = line; p <= end; p++) {
		if (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
			run++;
			continue;
		}
		if (run == 2 * AUDIT_HASH_LEN)
			h = p - run;
		run = 0;
	}
	if (h == NULL)
		return NHI_EPARSE;
	memcpy(hex, h, 2 * AUDIT_HASH_LEN);
	hex[2 * AUDIT_HASH_LEN] = '\0';
	if (hex_decode(hex, hash, AUDIT_HASH_LEN) != AUDIT_HASH_LEN)
		return NHI_EPARSE;
	*seq = n;
	return 0;
}

int
audit_foreach(struct store *st, const char *from, const char *to,
    int (*fn)(const struct audit_entry *e, void *arg), void *arg)
{
	sqlite3_stmt *stmt = NULL;
	struct audit_entry e;
	int r, rc;

	if ((r = store_prepare(st, AUDIT_SELECT " WHERE (?1 IS NULL OR substr(at, 1, 10)"
	    " >= ?1) AND (?2 IS NULL OR substr(at, 1, 10) <= ?2) ORDER BY seq", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = audit_from_row(st, stmt, &e)) != 0 || (r = fn(&e, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "read the audit log");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(stmt);
	return r;
}
