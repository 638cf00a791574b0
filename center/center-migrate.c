/*
 * center-migrate.c: the center's schema, as versioned migrations for each
 * engine (center-db.h), and the code that applies them. A migration is
 * applied once, in a transaction with the row that records it in
 * schema_migration; `nhicard-center db migrate` applies those missing (a
 * SQLite store is migrated on open as well: it is created on first use).
 * Add a migration at the end of both lists; never edit one applied.
 *
 * Version 1 is the schema of issues 6 to 21. On PostgreSQL integers are
 * BIGINT, the query log's id a BIGSERIAL, and audit_alert has (last) the
 * column `rowid` SQLite gives every table (alerts are listed in its order).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center.h"
#include "center-db.h"
#include "center-store-int.h"
#include "error.h"
#include "util.h"

struct migration {
	int		 version;
	const char	*what;
	const char	*sql;
};

static const struct migration sqlite_migrations[] = {
	{ 1, "records, acknowledgements, audit heads, eligibility, clinics",
	"CREATE TABLE IF NOT EXISTS station ("
	"  station_id TEXT PRIMARY KEY,"
	"  contiguous INTEGER NOT NULL DEFAULT 0,"
	"  ack_serial INTEGER NOT NULL DEFAULT 0,"
	"  first_seen TEXT NOT NULL,"
	"  last_seen TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS record ("
	"  station_id TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL CHECK (seq > 0),"
	"  attempt INTEGER NOT NULL,"
	"  lane TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  user_number TEXT,"
	"  body TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, record_id),"
	"  UNIQUE (station_id, seq));"
	"CREATE INDEX IF NOT EXISTS record_user ON record(user_number, kind);"
	"CREATE TABLE IF NOT EXISTS rejection ("
	"  station_id TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  attempt INTEGER NOT NULL,"
	"  code TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL DEFAULT 1,"
	"  at TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, record_id));"
	"CREATE INDEX IF NOT EXISTS rejection_seq ON rejection(station_id, seq);"
	/* Every rejection and acknowledgement made, with its time: the
	 * operators' status page draws rates from them (center-status-data.c). */
	"CREATE TABLE IF NOT EXISTS rejection_log ("
	"  station_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  code TEXT NOT NULL,"
	"  at TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS rejection_log_at ON rejection_log(at);"
	"CREATE TABLE IF NOT EXISTS ack_log ("
	"  station_id TEXT NOT NULL,"
	"  serial INTEGER NOT NULL,"
	"  at TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, serial));"
	/* Audit chain heads the stations' batches carried, and alerts. */
	"CREATE TABLE IF NOT EXISTS audit_head ("
	"  station_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL CHECK (seq >= 0),"
	"  hash TEXT NOT NULL,"
	"  batch INTEGER NOT NULL,"
	"  received TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, seq, hash));"
	/* Revocations and reinstatements that came before the issuance of
	 * their card: stored and acknowledged, applied when it arrives. */
	"CREATE TABLE IF NOT EXISTS held_revocation ("
	"  station_id TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  user_number TEXT NOT NULL,"
	"  received TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, record_id));"
	"CREATE TABLE IF NOT EXISTS audit_alert ("
	"  station_id TEXT NOT NULL,"
	"  batch INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  received TEXT NOT NULL);"
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
	"CREATE INDEX IF NOT EXISTS query_log_user ON query_log(user_number);"	},
	{ 2, "My Number card links (issue 24)",
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
	" cert_serial);"	},
};

static const struct migration pg_migrations[] = {
	{ 1, "records, acknowledgements, audit heads, eligibility, clinics",
	"CREATE TABLE IF NOT EXISTS station ("
	"  station_id TEXT PRIMARY KEY,"
	"  contiguous BIGINT NOT NULL DEFAULT 0,"
	"  ack_serial BIGINT NOT NULL DEFAULT 0,"
	"  first_seen TEXT NOT NULL,"
	"  last_seen TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS record ("
	"  station_id TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  seq BIGINT NOT NULL CHECK (seq > 0),"
	"  attempt BIGINT NOT NULL,"
	"  lane TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  user_number TEXT,"
	"  body TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, record_id),"
	"  UNIQUE (station_id, seq));"
	"CREATE INDEX IF NOT EXISTS record_user ON record(user_number, kind);"
	"CREATE TABLE IF NOT EXISTS rejection ("
	"  station_id TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  seq BIGINT NOT NULL,"
	"  attempt BIGINT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count BIGINT NOT NULL DEFAULT 1,"
	"  at TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, record_id));"
	"CREATE INDEX IF NOT EXISTS rejection_seq ON rejection(station_id, seq);"
	/* Every rejection and acknowledgement made, with its time: the
	 * operators' status page draws rates from them (center-status-data.c). */
	"CREATE TABLE IF NOT EXISTS rejection_log ("
	"  station_id TEXT NOT NULL,"
	"  seq BIGINT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  at TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS rejection_log_at ON rejection_log(at);"
	"CREATE TABLE IF NOT EXISTS ack_log ("
	"  station_id TEXT NOT NULL,"
	"  serial BIGINT NOT NULL,"
	"  at TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, serial));"
	/* Audit chain heads the stations' batches carried, and alerts. */
	"CREATE TABLE IF NOT EXISTS audit_head ("
	"  station_id TEXT NOT NULL,"
	"  seq BIGINT NOT NULL CHECK (seq >= 0),"
	"  hash TEXT NOT NULL,"
	"  batch BIGINT NOT NULL,"
	"  received TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, seq, hash));"
	/* Revocations and reinstatements that came before the issuance of
	 * their card: stored and acknowledged, applied when it arrives. */
	"CREATE TABLE IF NOT EXISTS held_revocation ("
	"  station_id TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  user_number TEXT NOT NULL,"
	"  received TEXT NOT NULL,"
	"  PRIMARY KEY (station_id, record_id));"
	"CREATE TABLE IF NOT EXISTS audit_alert ("
	"  station_id TEXT NOT NULL,"
	"  batch BIGINT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  received TEXT NOT NULL,"
	"  rowid BIGSERIAL PRIMARY KEY);"
	"CREATE TABLE IF NOT EXISTS elig_card ("
	"  user_number TEXT PRIMARY KEY,"
	"  station_id TEXT NOT NULL,"
	"  person BIGINT NOT NULL,"
	"  issued BIGINT NOT NULL DEFAULT 0,"
	"  insurer_number TEXT,"
	"  municipality TEXT,"
	"  key_generation BIGINT,"
	"  public_key TEXT,"
	"  issued_on TEXT,"
	"  revoked BIGINT NOT NULL DEFAULT 0,"
	"  revoked_reason TEXT,"
	"  revoked_on TEXT,"
	"  state_seq BIGINT NOT NULL DEFAULT 0,"
	"  rev_version BIGINT NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS elig_card_rev ON elig_card(rev_version);"
	"CREATE TABLE IF NOT EXISTS elig_period ("
	"  station_id TEXT NOT NULL,"
	"  period BIGINT NOT NULL,"
	"  person BIGINT NOT NULL,"
	"  superseded BIGINT NOT NULL DEFAULT 0,"
	"  insurer_number TEXT, symbol TEXT, number TEXT, branch TEXT,"
	"  cert_kind TEXT, short_months BIGINT, acquired_on TEXT, lost_on TEXT,"
	"  valid_until TEXT, burden_pct BIGINT, burden_from TEXT,"
	"  PRIMARY KEY (station_id, period));"
	"CREATE INDEX IF NOT EXISTS elig_period_person ON elig_period(station_id, person);"
	"CREATE TABLE IF NOT EXISTS trust_key ("
	"  signer_id TEXT PRIMARY KEY,"
	"  municipality TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  version BIGINT NOT NULL,"
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
	"  at BIGINT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS challenge_seen_at ON challenge_seen(at);"
	"CREATE TABLE IF NOT EXISTS query_log ("
	"  id BIGSERIAL PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  clinic TEXT NOT NULL,"
	"  user_number TEXT,"
	"  visit_date TEXT,"
	"  outcome TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS query_log_user ON query_log(user_number);"	},
	{ 2, "My Number card links (issue 24)",
	"CREATE TABLE IF NOT EXISTS elig_mynumber ("
	"  cert_sha256 TEXT PRIMARY KEY,"
	"  cert_issuer TEXT NOT NULL,"
	"  cert_serial TEXT NOT NULL,"
	"  user_number TEXT NOT NULL,"
	"  station_id TEXT NOT NULL,"
	"  person BIGINT NOT NULL,"
	"  insurer_number TEXT,"
	"  not_after TEXT,"
	"  ended BIGINT NOT NULL DEFAULT 0,"
	"  end_reason TEXT,"
	"  ended_on TEXT);"
	"CREATE INDEX IF NOT EXISTS elig_mynumber_cert ON elig_mynumber(cert_issuer,"
	" cert_serial);"	},
};

#define NMIG(a)	(sizeof(a) / sizeof((a)[0]))

static const struct migration *
migrations(struct center_store *cs, size_t *n)
{
	if (DB_OPS(cs->db) == &center_db_pg) {
		*n = NMIG(pg_migrations);
		return pg_migrations;
	}
	*n = NMIG(sqlite_migrations);
	return sqlite_migrations;
}

int
center_migrate_latest(struct center_store *cs)
{
	size_t n;
	const struct migration *m = migrations(cs, &n);

	return m[n - 1].version;
}

int
center_migrate_version(struct center_store *cs, int64_t *version)
{
	struct center_stmt *st = NULL;
	int r = 0;

	/* Read only (a standby is): a store without the table is at 0. */
	*version = 0;
	if (db_prepare(cs->db, "SELECT coalesce(max(version), 0) FROM schema_migration",
	    &st) != 0)
		return DB_OPS(cs->db)->retryable(cs->db) ?
		    center_db_err(cs, "schema version") : 0;
	switch (db_step(st)) {
	case DB_ROW:
		*version = db_col_int64(st, 0);
		break;
	case DB_ERROR:
		if (DB_OPS(cs->db)->retryable(cs->db))
			r = center_db_err(cs, "schema version");
		break;
	default:
		break;
	}
	db_finalize(st);
	return r;
}

int
center_store_migrate(struct center_store *cs, int *applied)
{
	return center_migrate(cs, applied);
}

int
center_migrate(struct center_store *cs, int *applied)
{
	const struct center_db_ops *ops = DB_OPS(cs->db);
	struct center_stmt *st = NULL;
	const struct migration *m;
	int64_t have;
	char now[32];
	size_t n, i;
	int r;

	*applied = 0;
	if (ops->exec(cs->db, "CREATE TABLE IF NOT EXISTS schema_migration ("
	    " version BIGINT PRIMARY KEY, what TEXT NOT NULL, applied TEXT NOT NULL)") != 0)
		return center_db_err(cs, "schema version table");
	m = migrations(cs, &n);
	for (i = 0; i < n; i++) {
		if ((r = center_migrate_version(cs, &have)) != 0)
			return r;
		if (m[i].version <= have)
			continue;
		if (ops->begin(cs->db, DB_TXN_WRITE) != 0)
			return center_db_err(cs, "begin a migration");
		center_now_utc(now, sizeof(now));
		/* Two processes migrating at once: the second one's insert of
		 * the version row fails on its key, and its work rolls back. */
		if (ops->exec(cs->db, m[i].sql) != 0) {
			r = center_db_err(cs, "migration");
			goto fail;
		}
		if (db_prepare(cs->db, "INSERT INTO schema_migration (version, what,"
		    " applied) VALUES (?1, ?2, ?3)", &st) != 0) {
			r = center_db_err(cs, "migration");
			goto fail;
		}
		db_bind(st, "itt", (int64_t)m[i].version, m[i].what, now);
		r = db_step(st) == DB_DONE ? 0 : center_db_err(cs, "record a migration");
		db_finalize(st);
		if (r != 0)
			goto fail;
		if (ops->commit(cs->db) != 0) {
			r = center_db_err(cs, "commit a migration");
			goto fail;
		}
		log_info("center store %s: migration %d applied (%s)",
		    ((struct center_db_head *)(void *)cs->db)->target, m[i].version,
		    m[i].what);
		(*applied)++;
	}
	return 0;
fail:
	ops->rollback(cs->db);
	return r;
}
