/*
 * center-elig.c: what the center keeps to answer clinics (docs/clinic-api.md):
 * per card (user number) its issuance and revocation state, per person of
 * a station the eligibility periods as sent (nothing purged: clinics and
 * claims look back two years and more), the municipalities' signing keys
 * (the trust list), the clinics allowed to ask, insurer names, the
 * challenges already used, and the log of every query. On the intake's
 * store, through the database interface (center-store-int.h, center-db.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center.h"
#include "center-json.h"
#include "center-store-int.h"
#include "card-perso.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

/* Copy a column's text (or nothing) into out. */
static void
col_copy(struct center_stmt *st, int i, char *out, size_t len)
{
	const char *v = db_col_text(st, i);

	snprintf(out, len, "%s", v != NULL ? v : "");
}

/* Statements are prepared once and kept by the connection (keyed by their
 * text's address: each is a literal here), since a clinic query runs
 * several and their parsing showed in the profile. */
#define Q(cs, st, sql, ...)	center_q((cs), 1, (st), (sql), __VA_ARGS__)

static int
next_rev_version(struct center_store *cs, int64_t *out)
{
	struct center_stmt *st;
	int r;

	if ((r = Q(cs, &st, "SELECT coalesce(max(rev_version), 0) + 1 FROM elig_card",
	    "")) != 0)
		return r;
	return center_q_int(cs, st, "revocation list version", out);
}

static int
apply_issued(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	const char *un = cj_str(d, "user_number"), *rec = cj_str(d, "key_record");
	char muni[7] = "";
	struct center_stmt *st;
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
	if ((r = Q(cs, &st, "INSERT INTO elig_card (user_number, station_id, person,"
	    " issued, insurer_number, municipality, key_generation, public_key,"
	    " issued_on) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (user_number) DO UPDATE SET issued = 1, station_id = ?2,"
	    " person = ?3, insurer_number = ?4, municipality = ?5, key_generation = ?6,"
	    " public_key = ?7, issued_on = ?8", "ttittitt", un, station, person,
	    cj_str(d, "insurer_number"), muni[0] != '\0' ? muni : NULL, gen,
	    cj_str(d, "public_key"), cj_str(d, "issued_on"))) != 0)
		return r;
	return center_q_done(cs, st, "keep a card's issuance");
}

static int
apply_state(struct center_store *cs, const char *station, int64_t seq,
    const struct cj_obj *d, int revoked)
{
	struct center_stmt *st;
	int64_t person = 0, ver;
	int r;

	(void)cj_int(d, "person", &person);
	if ((r = next_rev_version(cs, &ver)) != 0)
		return r;
	/* Only a newer event of the station changes the state. */
	if ((r = Q(cs, &st, "INSERT INTO elig_card (user_number, station_id, person,"
	    " revoked, revoked_reason, revoked_on, state_seq, rev_version)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (user_number) DO UPDATE SET revoked = ?4, revoked_reason = ?5,"
	    " revoked_on = ?6, state_seq = ?7, rev_version = ?8"
	    " WHERE elig_card.state_seq < ?7", "ttidttii", cj_str(d, "user_number"),
	    station, person, revoked, revoked ? cj_str(d, "reason") : NULL,
	    cj_str(d, "date"), seq, ver)) != 0)
		return r;
	return center_q_done(cs, st, "keep a card's revocation state");
}

static int
apply_period(struct center_store *cs, const char *station, const struct cj_obj *d)
{
	struct center_stmt *st;
	int64_t period = 0, person = 0, old, months, pct;
	int r;

	(void)cj_int(d, "period", &period);
	(void)cj_int(d, "person", &person);
	if (cj_int(d, "replaces", &old)) {
		if ((r = Q(cs, &st, "UPDATE elig_period SET superseded = 1 WHERE"
		    " station_id = ?1 AND period = ?2", "ti", station, old)) != 0 ||
		    (r = center_q_done(cs, st, "supersede a period")) != 0)
			return r;
	}
	if (!cj_int(d, "short_months", &months))
		months = 0;
	if (!cj_int(d, "burden_pct", &pct))
		pct = 0;
	if ((r = Q(cs, &st, "INSERT INTO elig_period (station_id, period, person,"
	    " insurer_number, symbol, number, branch, cert_kind, short_months,"
	    " acquired_on, lost_on, valid_until, burden_pct, burden_from)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
	    " ON CONFLICT (station_id, period) DO UPDATE SET person = ?3,"
	    " superseded = 0, insurer_number = ?4, symbol = ?5, number = ?6,"
	    " branch = ?7, cert_kind = ?8, short_months = ?9, acquired_on = ?10,"
	    " lost_on = ?11, valid_until = ?12, burden_pct = ?13, burden_from = ?14",
	    "tiitttttitttit", station, period, person, cj_str(d, "insurer_number"),
	    cj_str(d, "symbol"), cj_str(d, "number"), cj_str(d, "branch"),
	    cj_str(d, "cert_kind"), months, cj_str(d, "acquired_on"),
	    cj_str(d, "lost_on"), cj_str(d, "valid_until"), pct,
	    cj_str(d, "burden_from"))) != 0)
		return r;
	return center_q_done(cs, st, "keep an eligibility period");
}

int
center_elig_period_bulk(const char *kind, const struct cj_obj *data, int64_t *period)
{
	int64_t old;

	if (data == NULL || strcmp(kind, "eligibility_changed") != 0 ||
	    cj_int(data, "replaces", &old))
		return 0;
	if (!cj_int(data, "period", period))
		*period = 0;
	return 1;
}

int
center_elig_periods_many(struct center_store *cs, const char *station,
    const struct cj_obj *const *data, size_t n)
{
	static char *full;	/* CENTER_PUT_CHUNK rows: made once, kept */
	const char *pre = "INSERT INTO elig_period (station_id, period, person,"
	    " insurer_number, symbol, number, branch, cert_kind, short_months,"
	    " acquired_on, lost_on, valid_until, burden_pct, burden_from) VALUES";
	const char *suf = " ON CONFLICT (station_id, period) DO UPDATE SET"
	    " person = excluded.person, superseded = 0,"
	    " insurer_number = excluded.insurer_number, symbol = excluded.symbol,"
	    " number = excluded.number, branch = excluded.branch,"
	    " cert_kind = excluded.cert_kind, short_months = excluded.short_months,"
	    " acquired_on = excluded.acquired_on, lost_on = excluded.lost_on,"
	    " valid_until = excluded.valid_until, burden_pct = excluded.burden_pct,"
	    " burden_from = excluded.burden_from";
	struct center_stmt *st = NULL;
	char *sql;
	size_t i;
	int r, keep = n == CENTER_PUT_CHUNK;

	if (n == 0)
		return 0;
	if (n > CENTER_PUT_CHUNK)
		return err_set(NHI_EINTERNAL, "center_elig_periods_many: %zu rows", n);
	if (keep && full == NULL)
		full = center_rows_sql(pre, CENTER_PUT_CHUNK, 14, suf);
	sql = keep ? full : center_rows_sql(pre, n, 14, suf);
	if (DB_OPS(cs->db)->prepare(cs->db, sql, keep, &st) != 0) {
		r = center_db_err(cs, "prepare");
		goto out;
	}
	/* As apply_period binds them, row after row. */
	for (i = 0; i < n; i++) {
		const struct cj_obj *d = data[i];
		int64_t period = 0, person = 0, months, pct;
		int b = (int)(i * 14);

		(void)cj_int(d, "period", &period);
		(void)cj_int(d, "person", &person);
		if (!cj_int(d, "short_months", &months))
			months = 0;
		if (!cj_int(d, "burden_pct", &pct))
			pct = 0;
		db_bind_text(st, b + 1, station);
		db_bind_int64(st, b + 2, period);
		db_bind_int64(st, b + 3, person);
		db_bind_text(st, b + 4, cj_str(d, "insurer_number"));
		db_bind_text(st, b + 5, cj_str(d, "symbol"));
		db_bind_text(st, b + 6, cj_str(d, "number"));
		db_bind_text(st, b + 7, cj_str(d, "branch"));
		db_bind_text(st, b + 8, cj_str(d, "cert_kind"));
		db_bind_int64(st, b + 9, months);
		db_bind_text(st, b + 10, cj_str(d, "acquired_on"));
		db_bind_text(st, b + 11, cj_str(d, "lost_on"));
		db_bind_text(st, b + 12, cj_str(d, "valid_until"));
		db_bind_int64(st, b + 13, pct);
		db_bind_text(st, b + 14, cj_str(d, "burden_from"));
	}
	r = center_q_done(cs, st, "keep eligibility periods");
out:
	if (!keep)
		free(sql);
	return r;
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
	struct center_stmt *st;
	int r, s;

	memset(out, 0, sizeof(*out));
	*found = 0;
	cs = center_store_reader(cs);
	if ((r = Q(cs, &st, "SELECT issued, station_id, person, insurer_number,"
	    " municipality, public_key, revoked, revoked_reason, revoked_on FROM"
	    " elig_card WHERE user_number = ?1", "t", user_number)) != 0)
		return r;
	s = db_step(st);
	if (s == DB_ROW) {
		*found = 1;
		out->issued = (int)db_col_int64(st, 0);
		col_copy(st, 1, out->station, sizeof(out->station));
		out->person = db_col_int64(st, 2);
		col_copy(st, 3, out->insurer_number, sizeof(out->insurer_number));
		col_copy(st, 4, out->municipality, sizeof(out->municipality));
		col_copy(st, 5, out->public_key, sizeof(out->public_key));
		out->revoked = (int)db_col_int64(st, 6);
		col_copy(st, 7, out->revoked_reason, sizeof(out->revoked_reason));
		col_copy(st, 8, out->revoked_on, sizeof(out->revoked_on));
	} else if (s != DB_DONE)
		r = center_db_err(cs, "read a card");
	db_finalize(st);
	return r;
}

int
center_elig_periods(struct center_store *cs, const char *station, int64_t person,
    struct center_period **out, size_t *n)
{
	struct center_stmt *st;
	struct center_period *v = NULL, *p;
	size_t k = 0;
	int r, s;

	cs = center_store_reader(cs);
	if ((r = Q(cs, &st, "SELECT insurer_number, symbol, number, branch, cert_kind,"
	    " short_months, acquired_on, lost_on, valid_until, burden_pct, burden_from"
	    " FROM elig_period WHERE station_id = ?1 AND person = ?2 AND superseded = 0"
	    " ORDER BY acquired_on, period", "ti", station, person)) != 0)
		return r;
	while ((s = db_step(st)) == DB_ROW) {
		v = xreallocarray(v, k + 1, sizeof(*v));
		p = &v[k++];
		memset(p, 0, sizeof(*p));
		col_copy(st, 0, p->insurer_number, sizeof(p->insurer_number));
		col_copy(st, 1, p->symbol, sizeof(p->symbol));
		col_copy(st, 2, p->number, sizeof(p->number));
		col_copy(st, 3, p->branch, sizeof(p->branch));
		col_copy(st, 4, p->cert_kind, sizeof(p->cert_kind));
		p->short_months = (int)db_col_int64(st, 5);
		col_copy(st, 6, p->acquired_on, sizeof(p->acquired_on));
		col_copy(st, 7, p->lost_on, sizeof(p->lost_on));
		col_copy(st, 8, p->valid_until, sizeof(p->valid_until));
		p->burden_pct = (int)db_col_int64(st, 9);
		col_copy(st, 10, p->burden_from, sizeof(p->burden_from));
	}
	if (s != DB_DONE) {
		free(v);
		r = center_db_err(cs, "read periods");
	} else {
		*out = v;
		*n = k;
	}
	db_finalize(st);
	return r;
}

int
center_elig_query_read(struct center_store *cs, const char *challenge, int64_t now,
    int64_t keep, const char *user_number, int *seen, struct center_card *card,
    int *found, struct center_period **out, size_t *n, int *done)
{
	struct center_stmt *st;
	struct center_period *v = NULL, *p;
	size_t k = 0;
	int r, s, first = 1;

	*done = 0;
	/* A data-modifying WITH is PostgreSQL's; a replica reads elsewhere. */
	if (DB_OPS(cs->db) != &center_db_pg || cs->replica != NULL)
		return 0;
	*done = 1;
	*seen = *found = 0;
	memset(card, 0, sizeof(*card));
	if (cs->queries++ % 256 == 0) {
		if ((r = Q(cs, &st, "DELETE FROM challenge_seen WHERE at < ?1", "i",
		    now - keep)) != 0)
			return r;
		if (DB_OPS(cs->db)->defer(st) != 0)
			return center_db_err(cs, "forget old challenges");
	}
	if ((r = Q(cs, &st, "WITH ch AS (INSERT INTO challenge_seen (challenge, at)"
	    " VALUES (?1, ?2) ON CONFLICT DO NOTHING RETURNING 1)"
	    " SELECT (SELECT count(*) FROM ch), c.user_number IS NOT NULL, c.issued,"
	    " c.station_id, c.person, c.insurer_number, c.municipality, c.public_key,"
	    " c.revoked, c.revoked_reason, c.revoked_on, p.period IS NOT NULL,"
	    " p.insurer_number, p.symbol, p.number, p.branch, p.cert_kind,"
	    " p.short_months, p.acquired_on, p.lost_on, p.valid_until, p.burden_pct,"
	    " p.burden_from, i.name"
	    " FROM (SELECT 1) AS one"
	    " LEFT JOIN elig_card c ON c.user_number = ?3"
	    " LEFT JOIN elig_period p ON p.station_id = c.station_id"
	    " AND p.person = c.person AND p.superseded = 0"
	    " LEFT JOIN insurer i ON i.number = p.insurer_number"
	    " ORDER BY p.acquired_on, p.period", "tit", challenge, now,
	    user_number)) != 0)
		return r;
	while ((s = db_step(st)) == DB_ROW) {
		if (first) {
			first = 0;
			*seen = db_col_int64(st, 0) == 0;
			*found = db_col_int64(st, 1) != 0;
			if (*found) {
				card->issued = (int)db_col_int64(st, 2);
				col_copy(st, 3, card->station, sizeof(card->station));
				card->person = db_col_int64(st, 4);
				col_copy(st, 5, card->insurer_number,
				    sizeof(card->insurer_number));
				col_copy(st, 6, card->municipality, sizeof(card->municipality));
				col_copy(st, 7, card->public_key, sizeof(card->public_key));
				card->revoked = (int)db_col_int64(st, 8);
				col_copy(st, 9, card->revoked_reason,
				    sizeof(card->revoked_reason));
				col_copy(st, 10, card->revoked_on, sizeof(card->revoked_on));
			}
		}
		if (db_col_int64(st, 11) == 0)
			continue;
		v = xreallocarray(v, k + 1, sizeof(*v));
		p = &v[k++];
		memset(p, 0, sizeof(*p));
		col_copy(st, 12, p->insurer_number, sizeof(p->insurer_number));
		col_copy(st, 13, p->symbol, sizeof(p->symbol));
		col_copy(st, 14, p->number, sizeof(p->number));
		col_copy(st, 15, p->branch, sizeof(p->branch));
		col_copy(st, 16, p->cert_kind, sizeof(p->cert_kind));
		p->short_months = (int)db_col_int64(st, 17);
		col_copy(st, 18, p->acquired_on, sizeof(p->acquired_on));
		col_copy(st, 19, p->lost_on, sizeof(p->lost_on));
		col_copy(st, 20, p->valid_until, sizeof(p->valid_until));
		p->burden_pct = (int)db_col_int64(st, 21);
		col_copy(st, 22, p->burden_from, sizeof(p->burden_from));
		col_copy(st, 23, p->insurer_name, sizeof(p->insurer_name));
		p->named = 1;
	}
	if (s != DB_DONE || first) {
		free(v);
		r = center_db_err(cs, "read a query's card and periods");
	} else {
		*out = v;
		*n = k;
	}
	db_finalize(st);
	return r;
}

int
center_trust_add(struct center_store *cs, const char *municipality,
    const char *public_key_hex, char signer_id[17], int64_t *version)
{
	uint8_t pub[CRYPTO_EC_PUB_LEN], h[CRYPTO_SHA256_LEN];
	struct center_stmt *st;
	char now[32];
	int r;

	if (strlen(public_key_hex) != 2 * CRYPTO_EC_PUB_LEN ||
	    hex_decode(public_key_hex, pub, sizeof(pub)) != CRYPTO_EC_PUB_LEN ||
	    crypto_ec_public_check(pub) != 0)
		return err_set(NHI_EKEY, "trust add: not an uncompressed P-256 public key");
	if ((r = crypto_sha256(pub, sizeof(pub), h)) != 0)
		return r;
	hex_encode(h, 8, signer_id);
	center_now_utc(now, sizeof(now));
	if ((r = Q(cs, &st, "INSERT INTO trust_key (signer_id, municipality,"
	    " public_key, version, added) VALUES (?1, ?2, ?3,"
	    " (SELECT coalesce(max(version), 0) + 1 FROM trust_key), ?4)"
	    " ON CONFLICT (signer_id) DO UPDATE SET municipality = ?2, public_key = ?3,"
	    " version = (SELECT coalesce(max(version), 0) + 1 FROM trust_key),"
	    " added = ?4", "tttt", signer_id, municipality, public_key_hex, now)) != 0 ||
	    (r = center_q_done(cs, st, "add to the trust list")) != 0)
		return r;
	return center_trust_each(cs, version, NULL, NULL);
}

int
center_trust_each(struct center_store *cs, int64_t *version,
    void (*fn)(void *, const char *, const char *, const char *), void *arg)
{
	struct center_stmt *st;
	int r, s;

	*version = 0;
	if ((r = Q(cs, &st, "SELECT municipality, signer_id, public_key, version FROM"
	    " trust_key ORDER BY municipality, signer_id", "")) != 0)
		return r;
	while ((s = db_step(st)) == DB_ROW) {
		if (db_col_int64(st, 3) > *version)
			*version = db_col_int64(st, 3);
		if (fn != NULL)
			fn(arg, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
	}
	if (s != DB_DONE)
		r = center_db_err(cs, "read the trust list");
	db_finalize(st);
	return r;
}

int
center_revoked_each(struct center_store *cs, int64_t since, int64_t *version,
    void (*fn)(void *, const char *, int, int64_t), void *arg)
{
	struct center_stmt *st;
	int r, s;

	if ((r = next_rev_version(cs, version)) != 0)
		return r;
	*version -= 1;
	if ((r = Q(cs, &st, "SELECT user_number, revoked, rev_version FROM elig_card"
	    " WHERE rev_version > ?1 ORDER BY rev_version", "i", since)) != 0)
		return r;
	while ((s = db_step(st)) == DB_ROW)
		fn(arg, db_col_text(st, 0), (int)db_col_int64(st, 1), db_col_int64(st, 2));
	if (s != DB_DONE)
		r = center_db_err(cs, "read the revocation list");
	db_finalize(st);
	return r;
}

int
center_clinic_add(struct center_store *cs, const char *code, const char *name)
{
	struct center_stmt *st;
	char now[32];
	int r;

	center_now_utc(now, sizeof(now));
	if ((r = Q(cs, &st, "INSERT INTO clinic (code, name, added) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (code) DO UPDATE SET name = ?2, added = ?3", "ttt", code,
	    name, now)) != 0)
		return r;
	return center_q_done(cs, st, "register a clinic");
}

int
center_clinic_known(struct center_store *cs, const char *code, int *known)
{
	struct center_stmt *st;
	int r, s;

	*known = 0;
	if ((r = Q(cs, &st, "SELECT 1 FROM clinic WHERE code = ?1", "t", code)) != 0)
		return r;
	s = db_step(st);
	if (s == DB_ERROR)
		r = center_db_err(cs, "look a clinic up");
	*known = s == DB_ROW;
	db_finalize(st);
	return r;
}

int
center_insurer_add(struct center_store *cs, const char *number, const char *name)
{
	struct center_stmt *st;
	int r;

	if ((r = Q(cs, &st, "INSERT INTO insurer (number, name) VALUES (?1, ?2)"
	    " ON CONFLICT (number) DO UPDATE SET name = ?2", "tt", number, name)) != 0)
		return r;
	return center_q_done(cs, st, "name an insurer");
}

int
center_insurer_name(struct center_store *cs, const char *number, char *name, size_t len)
{
	struct center_stmt *st;
	int r, s;

	name[0] = '\0';
	cs = center_store_reader(cs);
	if ((r = Q(cs, &st, "SELECT name FROM insurer WHERE number = ?1", "t",
	    number)) != 0)
		return r;
	s = db_step(st);
	if (s == DB_ROW)
		col_copy(st, 0, name, len);
	else if (s != DB_DONE)
		r = center_db_err(cs, "read an insurer's name");
	db_finalize(st);
	return r;
}

int
center_challenge_use(struct center_store *cs, const char *challenge, int64_t now,
    int64_t keep, int *seen)
{
	struct center_stmt *st;
	int r;

	*seen = 0;
	if (cs->queries++ % 256 == 0) {
		if ((r = Q(cs, &st, "DELETE FROM challenge_seen WHERE at < ?1", "i",
		    now - keep)) != 0 ||
		    (r = center_q_done(cs, st, "forget old challenges")) != 0)
			return r;
	}
	if ((r = Q(cs, &st, "INSERT INTO challenge_seen (challenge, at) VALUES (?1, ?2)"
	    " ON CONFLICT DO NOTHING", "ti", challenge, now)) != 0 ||
	    (r = center_q_done(cs, st, "remember a challenge")) != 0)
		return r;
	*seen = DB_OPS(cs->db)->changes(cs->db) == 0;
	return 0;
}

int
center_query_log(struct center_store *cs, const char *clinic, const char *user_number,
    const char *visit_date, const char *outcome)
{
	struct center_stmt *st;
	char now[32];
	int r;

	center_now_utc(now, sizeof(now));
	if ((r = Q(cs, &st, "INSERT INTO query_log (at, clinic, user_number, visit_date,"
	    " outcome) VALUES (?1, ?2, ?3, ?4, ?5)", "ttttt", now, clinic, user_number,
	    visit_date, outcome)) != 0)
		return r;
	/* In a query's transaction it travels with the COMMIT (PostgreSQL). */
	if (DB_OPS(cs->db)->defer(st) != 0)
		return center_db_err(cs, "record a query");
	return 0;
}

int
center_query_list(struct center_store *cs, const char *user_number, char **out)
{
	struct center_stmt *st;
	char *text, *t;
	int r, s;

	if ((r = Q(cs, &st, "SELECT q.at, q.clinic, coalesce(c.name, '?'),"
	    " coalesce(q.visit_date, '-'), q.outcome FROM query_log q LEFT JOIN clinic c"
	    " ON c.code = q.clinic WHERE q.user_number = ?1 ORDER BY q.id", "t",
	    user_number)) != 0)
		return r;
	text = xstrdup("");
	while ((s = db_step(st)) == DB_ROW) {
		t = xasprintf("%s%s clinic %s (%s) visit %s: %s\n", text,
		    db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2),
		    db_col_text(st, 3), db_col_text(st, 4));
		free(text);
		text = t;
	}
	if (s != DB_DONE) {
		free(text);
		r = center_db_err(cs, "read the query log");
	} else
		*out = text;
	db_finalize(st);
	return r;
}

int
center_store_query_begin(struct center_store *cs)
{
	if (DB_OPS(cs->db)->begin(cs->db, DB_TXN_RELAXED) != 0)
		return center_db_err(cs, "begin a query");
	return 0;
}

int
center_store_query_end(struct center_store *cs, int commit)
{
	if (!commit) {
		DB_OPS(cs->db)->rollback(cs->db);
		return 0;
	}
	if (DB_OPS(cs->db)->commit(cs->db) != 0) {
		int r = center_db_err(cs, "commit a query");

		DB_OPS(cs->db)->rollback(cs->db);
		return r;
	}
	return 0;
}
