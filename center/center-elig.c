/*
 * center-elig.c: what the center keeps to answer clinics (docs/clinic-api.md):
 * per card (user number) its issuance and revocation state, per person of
 * a station the eligibility periods as sent (nothing purged: clinics and
 * claims look back two years and more), the municipalities' signing keys
 * (the trust list), the clinics allowed to ask, insurer names, the
 * challenges already used, and the log of every query. SQLite, on the
 * intake's store (center-store-int.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "center.h"
#include "center-json.h"
#include "center-store-int.h"
#include "card-perso.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

const char center_elig_schema[] =
    "CREATE TABLE IF NOT EXISTS elig_card ("
    "  user_number TEXT PRIMARY KEY,"
    "  station_id TEXT NOT NULL,"
    "  person INTEGER NOT NULL,"
    "  issued INTEGER NOT NULL DEFAULT 0,"
    "  insurer_number TEXT,"
    "  municipality TEXT,"
    "  key_generation INTEGER,"
    "  public_key TEXT,"
    "  issued_on TEXT,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  revoked_reason TEXT,"
    "  revoked_on TEXT,"
    "  state_seq INTEGER NOT NULL DEFAULT 0,"
    "  rev_version INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS elig_card_rev ON elig_card(rev_version);"
    "CREATE TABLE IF NOT EXISTS elig_period ("
    "  station_id TEXT NOT NULL,"
    "  period INTEGER NOT NULL,"
    "  person INTEGER NOT NULL,"
    "  superseded INTEGER NOT NULL DEFAULT 0,"
    "  insurer_number TEXT, symbol TEXT, number TEXT, branch TEXT,"
    "  cert_kind TEXT, short_months INTEGER, acquired_on TEXT, lost_on TEXT,"
    "  valid_until TEXT, burden_pct INTEGER, burden_from TEXT,"
    "  PRIMARY KEY (station_id, period));"
    "CREATE INDEX IF NOT EXISTS elig_period_person ON elig_period(station_id, person);"
    "CREATE TABLE IF NOT EXISTS trust_key ("
    "  signer_id TEXT PRIMARY KEY,"
    "  municipality TEXT NOT NULL,"
    "  public_key TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  added TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS clinic ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  added TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS insurer ("
    "  number TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS challenge_seen ("
    "  challenge TEXT PRIMARY KEY,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS challenge_seen_at ON challenge_seen(at);"
    "CREATE TABLE IF NOT EXISTS query_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  clinic TEXT NOT NULL,"
    "  user_number TEXT,"
    "  visit_date TEXT,"
    "  outcome TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS query_log_user ON query_log(user_number);"
    /* My Number card links (center-mynumber.c), by certificate. */
    "CREATE TABLE IF NOT EXISTS elig_mynumber ("
    "  cert_sha256 TEXT PRIMARY KEY,"
    "  cert_issuer TEXT NOT NULL,"
    "  cert_serial TEXT NOT NULL,"
    "  user_number TEXT NOT NULL,"
    "  station_id TEXT NOT NULL,"
    "  person INTEGER NOT NULL,"
    "  insurer_number TEXT,"
    "  not_after TEXT,"
    "  ended INTEGER NOT NULL DEFAULT 0,"
    "  end_reason TEXT,"
    "  ended_on TEXT);"
    "CREATE INDEX IF NOT EXISTS elig_mynumber_cert ON elig_mynumber(cert_issuer,"
    " cert_serial);";

/*
 * Statements are prepared once and kept (keyed by their text's address:
 * each is a literal here), since a clinic query runs several and their
 * parsing showed in the profile; release() resets one for its next use.
 */
static int
prep(struct center_store *cs, const char *sql, sqlite3_stmt **st)
{
	size_t i;

	for (i = 0; i < cs->nstmts; i++)
		if (cs->stmt_sql[i] == sql) {
			*st = cs->stmts[i];
			return 0;
		}
	if (sqlite3_prepare_v3(cs->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) !=
	    SQLITE_OK)
		return center_db_err(cs, "prepare");
	if (cs->nstmts < CENTER_STMT_CACHE) {
		cs->stmt_sql[cs->nstmts] = sql;
		cs->stmts[cs->nstmts++] = *st;
	}
	return 0;
}

static void
release(struct center_store *cs, sqlite3_stmt *st)
{
	size_t i;

	for (i = 0; i < cs->nstmts; i++)
		if (cs->stmts[i] == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	release(cs, st);
}

void
center_elig_close(struct center_store *cs)
{
	size_t i;

	for (i = 0; i < cs->nstmts; i++)
		sqlite3_finalize(cs->stmts[i]);
	cs->nstmts = 0;
}

/* Run a statement to its end; 0 or the store error naming `what`. */
static int
done(struct center_store *cs, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : center_db_err(cs, what);

	release(cs, st);
	return r;
}

static void
bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void
now_utc(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
col_copy(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", v != NULL ? (const char *)v : "");
}

static int
next_rev_version(struct center_store *cs, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(cs, "SELECT coalesce(max(rev_version), 0) + 1 FROM elig_card", &st)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW)
		r = center_db_err(cs, "revocation list version");
	else
		*out = sqlite3_column_int64(st, 0);
	release(cs, st);
	return r;
}

static int
apply_issued(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	const char *un = cj_str(d, "user_number"), *rec = cj_str(d, "key_record");
	char muni[7] = "";
	sqlite3_stmt *st = NULL;
	int64_t person = 0, gen = 0;
	int r;

	(void)cj_int(d, "person", &person);
	(void)cj_int(d, "key_generation", &gen);
	/* The municipality is in the signed key record (DF03). */
	if (rec != NULL) {
		size_t n = strlen(rec) / 2;
		uint8_t *raw = xmalloc(n + 1);
		struct card_key_record kr;

		if (n > 0 && hex_decode(rec, raw, n) == (int)n &&
		    card_key_record_parse(raw, n, &kr) == 0)
			memcpy(muni, kr.municipality_code, 7);
		free(raw);
	}
	if ((r = prep(cs, "INSERT INTO elig_card (user_number, station_id, person, issued,"
	    " insurer_number, municipality, key_generation, public_key, issued_on)"
	    " VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (user_number) DO UPDATE SET issued = 1, station_id = ?2,"
	    " person = ?3, insurer_number = ?4, municipality = ?5, key_generation = ?6,"
	    " public_key = ?7, issued_on = ?8", &st)) != 0)
		return r;
	bind_str(st, 1, un);
	bind_str(st, 2, station);
	sqlite3_bind_int64(st, 3, person);
	bind_str(st, 4, cj_str(d, "insurer_number"));
	bind_str(st, 5, muni[0] != '\0' ? muni : NULL);
	sqlite3_bind_int64(st, 6, gen);
	bind_str(st, 7, cj_str(d, "public_key"));
	bind_str(st, 8, cj_str(d, "issued_on"));
	return done(cs, st, "keep a card's issuance");
}

static int
apply_state(struct center_store *cs, const char *station, int64_t seq,
    const struct cj_obj *d, int revoked)
{
	sqlite3_stmt *st = NULL;
	int64_t person = 0, ver;
	int r;

	(void)cj_int(d, "person", &person);
	if ((r = next_rev_version(cs, &ver)) != 0)
		return r;
	/* Only a newer event of the station changes the state. */
	if ((r = prep(cs, "INSERT INTO elig_card (user_number, station_id, person, revoked,"
	    " revoked_reason, revoked_on, state_seq, rev_version)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (user_number) DO UPDATE SET revoked = ?4, revoked_reason = ?5,"
	    " revoked_on = ?6, state_seq = ?7, rev_version = ?8"
	    " WHERE state_seq < ?7", &st)) != 0)
		return r;
	bind_str(st, 1, cj_str(d, "user_number"));
	bind_str(st, 2, station);
	sqlite3_bind_int64(st, 3, person);
	sqlite3_bind_int(st, 4, revoked);
	bind_str(st, 5, revoked ? cj_str(d, "reason") : NULL);
	bind_str(st, 6, cj_str(d, "date"));
	sqlite3_bind_int64(st, 7, seq);
	sqlite3_bind_int64(st, 8, ver);
	return done(cs, st, "keep a card's revocation state");
}

static int
apply_period(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	sqlite3_stmt *st = NULL;
	int64_t period = 0, person = 0, old, n;
	int r;

	(void)cj_int(d, "period", &period);
	(void)cj_int(d, "person", &person);
	if (cj_int(d, "replaces", &old)) {
		if ((r = prep(cs, "UPDATE elig_period SET superseded = 1 WHERE"
		    " station_id = ?1 AND period = ?2", &st)) != 0)
			return r;
		bind_str(st, 1, station);
		sqlite3_bind_int64(st, 2, old);
		if ((r = done(cs, st, "supersede a period")) != 0)
			return r;
	}
	if ((r = prep(cs, "INSERT OR REPLACE INTO elig_period (station_id, period, person,"
	    " insurer_number, symbol, number, branch, cert_kind, short_months,"
	    " acquired_on, lost_on, valid_until, burden_pct, burden_from)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	    &st)) != 0)
		return r;
	bind_str(st, 1, station);
	sqlite3_bind_int64(st, 2, period);
	sqlite3_bind_int64(st, 3, person);
	bind_str(st, 4, cj_str(d, "insurer_number"));
	bind_str(st, 5, cj_str(d, "symbol"));
	bind_str(st, 6, cj_str(d, "number"));
	bind_str(st, 7, cj_str(d, "branch"));
	bind_str(st, 8, cj_str(d, "cert_kind"));
	sqlite3_bind_int64(st, 9, cj_int(d, "short_months", &n) ? n : 0);
	bind_str(st, 10, cj_str(d, "acquired_on"));
	bind_str(st, 11, cj_str(d, "lost_on"));
	bind_str(st, 12, cj_str(d, "valid_until"));
	sqlite3_bind_int64(st, 13, cj_int(d, "burden_pct", &n) ? n : 0);
	bind_str(st, 14, cj_str(d, "burden_from"));
	return done(cs, st, "keep an eligibility period");
}

int
center_elig_apply(struct center_store *cs, const char *station, int64_t seq,
    const char *kind, const struct cj_obj *data)
{
	if (data == NULL)
		return 0;
	if (strcmp(kind, "card_issued") == 0)
		return apply_issued(cs, station, data);
	if (strcmp(kind, "card_revoked") == 0)
		return apply_state(cs, station, seq, data, 1);
	if (strcmp(kind, "card_reinstated") == 0)
		return apply_state(cs, station, seq, data, 0);
	if (strcmp(kind, "eligibility_changed") == 0)
		return apply_period(cs, station, data);
	return center_mynumber_apply(cs, station, kind, data);
}

int
center_elig_card(struct center_store *cs, const char *user_number,
    struct center_card *out, int *found)
{
	sqlite3_stmt *st = NULL;
	int r, s;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((r = prep(cs, "SELECT issued, station_id, person, insurer_number, municipality,"
	    " public_key, revoked, revoked_reason, revoked_on FROM elig_card"
	    " WHERE user_number = ?1", &st)) != 0)
		return r;
	bind_str(st, 1, user_number);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*found = 1;
		out->issued = sqlite3_column_int(st, 0);
		col_copy(st, 1, out->station, sizeof(out->station));
		out->person = sqlite3_column_int64(st, 2);
		col_copy(st, 3, out->insurer_number, sizeof(out->insurer_number));
		col_copy(st, 4, out->municipality, sizeof(out->municipality));
		col_copy(st, 5, out->public_key, sizeof(out->public_key));
		out->revoked = sqlite3_column_int(st, 6);
		col_copy(st, 7, out->revoked_reason, sizeof(out->revoked_reason));
		col_copy(st, 8, out->revoked_on, sizeof(out->revoked_on));
	} else if (s != SQLITE_DONE)
		r = center_db_err(cs, "read a card");
	release(cs, st);
	return r;
}

int
center_elig_periods(struct center_store *cs, const char *station, int64_t person,
    struct center_period **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct center_period *v = NULL, *p;
	size_t k = 0;
	int r, s;

	if ((r = prep(cs, "SELECT insurer_number, symbol, number, branch, cert_kind,"
	    " short_months, acquired_on, lost_on, valid_until, burden_pct, burden_from"
	    " FROM elig_period WHERE station_id = ?1 AND person = ?2 AND superseded = 0"
	    " ORDER BY acquired_on, period", &st)) != 0)
		return r;
	bind_str(st, 1, station);
	sqlite3_bind_int64(st, 2, person);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, k + 1, sizeof(*v));
		p = &v[k++];
		col_copy(st, 0, p->insurer_number, sizeof(p->insurer_number));
		col_copy(st, 1, p->symbol, sizeof(p->symbol));
		col_copy(st, 2, p->number, sizeof(p->number));
		col_copy(st, 3, p->branch, sizeof(p->branch));
		col_copy(st, 4, p->cert_kind, sizeof(p->cert_kind));
		p->short_months = sqlite3_column_int(st, 5);
		col_copy(st, 6, p->acquired_on, sizeof(p->acquired_on));
		col_copy(st, 7, p->lost_on, sizeof(p->lost_on));
		col_copy(st, 8, p->valid_until, sizeof(p->valid_until));
		p->burden_pct = sqlite3_column_int(st, 9);
		col_copy(st, 10, p->burden_from, sizeof(p->burden_from));
	}
	if (s != SQLITE_DONE) {
		free(v);
		r = center_db_err(cs, "read periods");
	} else {
		*out = v;
		*n = k;
	}
	release(cs, st);
	return r;
}

int
center_trust_add(struct center_store *cs, const char *municipality,
    const char *public_key_hex, char signer_id[17], int64_t *version)
{
	uint8_t pub[CRYPTO_EC_PUB_LEN], h[CRYPTO_SHA256_LEN];
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	if (strlen(public_key_hex) != 2 * CRYPTO_EC_PUB_LEN ||
	    hex_decode(public_key_hex, pub, sizeof(pub)) != CRYPTO_EC_PUB_LEN ||
	    crypto_ec_public_check(pub) != 0)
		return err_set(NHI_EKEY, "trust add: not an uncompressed P-256 public key");
	if ((r = crypto_sha256(pub, sizeof(pub), h)) != 0)
		return r;
	hex_encode(h, 8, signer_id);
	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT OR REPLACE INTO trust_key (signer_id, municipality,"
	    " public_key, version, added) VALUES (?1, ?2, ?3,"
	    " (SELECT coalesce(max(version), 0) + 1 FROM trust_key), ?4)", &st)) != 0)
		return r;
	bind_str(st, 1, signer_id);
	bind_str(st, 2, municipality);
	bind_str(st, 3, public_key_hex);
	bind_str(st, 4, now);
	if ((r = done(cs, st, "add to the trust list")) != 0)
		return r;
	return center_trust_each(cs, version, NULL, NULL);
}

int
center_trust_each(struct center_store *cs, int64_t *version,
    void (*fn)(void *, const char *, const char *, const char *), void *arg)
{
	sqlite3_stmt *st = NULL;
	int r, s;

	*version = 0;
	if ((r = prep(cs, "SELECT municipality, signer_id, public_key, version FROM"
	    " trust_key ORDER BY municipality, signer_id", &st)) != 0)
		return r;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 3) > *version)
			*version = sqlite3_column_int64(st, 3);
		if (fn != NULL)
			fn(arg, (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (const char *)sqlite3_column_text(st, 2));
	}
	if (s != SQLITE_DONE)
		r = center_db_err(cs, "read the trust list");
	release(cs, st);
	return r;
}

int
center_revoked_each(struct center_store *cs, int64_t since, int64_t *version,
    void (*fn)(void *, const char *, int, int64_t), void *arg)
{
	sqlite3_stmt *st = NULL;
	int r, s;

	if ((r = next_rev_version(cs, version)) != 0)
		return r;
	*version -= 1;
	if ((r = prep(cs, "SELECT user_number, revoked, rev_version FROM elig_card"
	    " WHERE rev_version > ?1 ORDER BY rev_version", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, since);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2));
	if (s != SQLITE_DONE)
		r = center_db_err(cs, "read the revocation list");
	release(cs, st);
	return r;
}

int
center_clinic_add(struct center_store *cs, const char *code, const char *name)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT OR REPLACE INTO clinic (code, name, added)"
	    " VALUES (?1, ?2, ?3)", &st)) != 0)
		return r;
	bind_str(st, 1, code);
	bind_str(st, 2, name);
	bind_str(st, 3, now);
	return done(cs, st, "register a clinic");
}

int
center_clinic_known(struct center_store *cs, const char *code, int *known)
{
	sqlite3_stmt *st = NULL;
	int r, s;

	if ((r = prep(cs, "SELECT 1 FROM clinic WHERE code = ?1", &st)) != 0)
		return r;
	bind_str(st, 1, code);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		r = center_db_err(cs, "look a clinic up");
	*known = s == SQLITE_ROW;
	release(cs, st);
	return r;
}

int
center_insurer_add(struct center_store *cs, const char *number, const char *name)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(cs, "INSERT OR REPLACE INTO insurer (number, name) VALUES (?1, ?2)",
	    &st)) != 0)
		return r;
	bind_str(st, 1, number);
	bind_str(st, 2, name);
	return done(cs, st, "name an insurer");
}

int
center_insurer_name(struct center_store *cs, const char *number, char *name, size_t len)
{
	sqlite3_stmt *st = NULL;
	int r, s;

	name[0] = '\0';
	if ((r = prep(cs, "SELECT name FROM insurer WHERE number = ?1", &st)) != 0)
		return r;
	bind_str(st, 1, number);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		col_copy(st, 0, name, len);
	else if (s != SQLITE_DONE)
		r = center_db_err(cs, "read an insurer's name");
	release(cs, st);
	return r;
}

int
center_challenge_use(struct center_store *cs, const char *challenge, int64_t now,
    int64_t keep, int *seen)
{
	sqlite3_stmt *st = NULL;
	int r, s;

	*seen = 0;
	if (cs->queries++ % 256 == 0) {
		if ((r = prep(cs, "DELETE FROM challenge_seen WHERE at < ?1", &st)) != 0)
			return r;
		sqlite3_bind_int64(st, 1, now - keep);
		if ((r = done(cs, st, "forget old challenges")) != 0)
			return r;
	}
	if ((r = prep(cs, "INSERT OR IGNORE INTO challenge_seen (challenge, at)"
	    " VALUES (?1, ?2)", &st)) != 0)
		return r;
	bind_str(st, 1, challenge);
	sqlite3_bind_int64(st, 2, now);
	s = sqlite3_step(st);
	if (s != SQLITE_DONE)
		r = center_db_err(cs, "remember a challenge");
	else
		*seen = sqlite3_changes(cs->db) == 0;
	release(cs, st);
	return r;
}

int
center_query_log(struct center_store *cs, const char *clinic, const char *user_number,
    const char *visit_date, const char *outcome)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	now_utc(now, sizeof(now));
	if ((r = prep(cs, "INSERT INTO query_log (at, clinic, user_number, visit_date,"
	    " outcome) VALUES (?1, ?2, ?3, ?4, ?5)", &st)) != 0)
		return r;
	bind_str(st, 1, now);
	bind_str(st, 2, clinic);
	bind_str(st, 3, user_number);
	bind_str(st, 4, visit_date);
	bind_str(st, 5, outcome);
	return done(cs, st, "record a query");
}

int
center_query_list(struct center_store *cs, const char *user_number, char **out)
{
	sqlite3_stmt *st = NULL;
	char *text = xstrdup(""), *t;
	int r, s;

	if ((r = prep(cs, "SELECT q.at, q.clinic, coalesce(c.name, '?'),"
	    " coalesce(q.visit_date, '-'), q.outcome FROM query_log q LEFT JOIN clinic c"
	    " ON c.code = q.clinic WHERE q.user_number = ?1 ORDER BY q.id", &st)) != 0) {
		free(text);
		return r;
	}
	bind_str(st, 1, user_number);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		t = xasprintf("%s%s clinic %s (%s) visit %s: %s\n", text,
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4));
		free(text);
		text = t;
	}
	if (s != SQLITE_DONE) {
		free(text);
		r = center_db_err(cs, "read the query log");
	} else
		*out = text;
	release(cs, st);
	return r;
}

int
center_store_query_begin(struct center_store *cs)
{
	if (sqlite3_exec(cs->db, "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		(void)sqlite3_exec(cs->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		return center_db_err(cs, "begin a query");
	}
	return 0;
}

int
center_store_query_end(struct center_store *cs, int commit)
{
	int r = 0;

	if (sqlite3_exec(cs->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		r = center_db_err(cs, commit ? "commit a query" : "roll a query back");
		(void)sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
	}
	(void)sqlite3_exec(cs->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	return r;
}
