/*
 * store-schema.c: the store's schema, as forward migrations.
 *
 * Each entry takes the schema from version-1 to version. Entries are never
 * edited once released; a change is a new entry. Dates are ISO 8601 text
 * (YYYY-MM-DD), times are UTC ISO 8601 text with a 'Z'.
 *
 * Deliberately absent: the resident-register code (住民票コード). The law
 * restricts it to register purposes, so the station never stores it.
 */
#include "config.h"

#include "store-int.h"

static const char schema_v1[] =
/* Key/value facts about this store: station id, creation time. */
"CREATE TABLE meta ("
"  key   TEXT PRIMARY KEY,"
"  value TEXT NOT NULL"
") STRICT;"

/* Households as the register knows them. */
"CREATE TABLE households ("
"  id             INTEGER PRIMARY KEY,"
"  household_code TEXT NOT NULL UNIQUE,"	/* the town's household number */
"  address        TEXT NOT NULL,"
"  address_code   TEXT,"
"  created_at     TEXT NOT NULL,"
"  updated_at     TEXT NOT NULL"
") STRICT;"

/* Residents: the four basic items (name, birth date, sex, address) and
 * what search and printing need. person_code is the town's own internal
 * person number (宛名番号), never the 住民票コード. */
"CREATE TABLE residents ("
"  id             INTEGER PRIMARY KEY,"
"  person_code    TEXT UNIQUE,"
"  household_id   INTEGER REFERENCES households(id),"
"  is_head        INTEGER NOT NULL DEFAULT 0 CHECK (is_head IN (0, 1)),"
"  name_kanji     TEXT NOT NULL,"
"  name_kana      TEXT NOT NULL,"		/* as received */
"  name_kana_norm TEXT NOT NULL,"		/* full-width katakana, for search */
"  birth_date     TEXT NOT NULL,"
"  sex            INTEGER NOT NULL CHECK (sex IN (1, 2, 9)),"	/* 1 male 2 female 9 n/a */
"  address        TEXT NOT NULL,"
"  nationality    TEXT,"			/* NULL: Japanese */
"  residence_status TEXT,"
"  stay_until     TEXT,"
"  status         TEXT NOT NULL DEFAULT 'resident'"
"                 CHECK (status IN ('resident', 'moved_out', 'deceased')),"
"  status_date    TEXT,"
"  name_flags     INTEGER NOT NULL DEFAULT 0,"	/* bit 0: 外字 in the name */
"  origin         TEXT NOT NULL CHECK (origin IN ('extract', 'counter')),"
"  created_at     TEXT NOT NULL,"
"  updated_at     TEXT NOT NULL"
") STRICT;"
"CREATE INDEX residents_kana ON residents (name_kana_norm);"
"CREATE INDEX residents_kanji ON residents (name_kanji);"
"CREATE INDEX residents_birth ON residents (birth_date);"
"CREATE INDEX residents_household ON residents (household_id);"

/* NHI eligibility periods. History is kept: a correction adds a period and
 * points the old one at it (superseded_by); nothing is overwritten. */
"CREATE TABLE eligibility_periods ("
"  id             INTEGER PRIMARY KEY,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  insurer_number TEXT NOT NULL,"
"  symbol         TEXT NOT NULL,"		/* 記号 */
"  number         TEXT NOT NULL,"		/* 番号 */
"  branch         TEXT,"			/* 枝番 (2 digits, since 2021) */
"  cert_kind      TEXT NOT NULL CHECK (cert_kind IN"
"                 ('hihokensha', 'tanki', 'shikaku_shomei', 'kakunin')),"
"  short_months   INTEGER CHECK (short_months IN (1, 3, 6)),"
"  acquired_on    TEXT NOT NULL,"
"  lost_on        TEXT,"
"  valid_until    TEXT,"
"  burden_pct     INTEGER CHECK (burden_pct IN (10, 20, 30)),"
"  burden_from    TEXT,"
"  special_address INTEGER NOT NULL DEFAULT 0 CHECK (special_address IN (0, 1)),"	/* 住所地特例 */
"  superseded_by  INTEGER REFERENCES eligibility_periods(id),"
"  recorded_at    TEXT NOT NULL"
") STRICT;"
"CREATE INDEX eligibility_resident ON eligibility_periods (resident_id);"
"CREATE INDEX eligibility_symbol_number ON eligibility_periods (symbol, number);"

/* The town's other benefit certificates (受給者証) attached to a person,
 * so one card key serves them all. */
"CREATE TABLE benefits ("
"  id             INTEGER PRIMARY KEY,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  kind           TEXT NOT NULL,"
"  payer_number   TEXT,"			/* 公費負担者番号 */
"  recipient_number TEXT,"
"  valid_from     TEXT,"
"  valid_until    TEXT,"
"  recorded_at    TEXT NOT NULL"
") STRICT;"
"CREATE INDEX benefits_resident ON benefits (resident_id);"

/* Cards carrying an NHI AP. The user number is the key the center knows;
 * it is random, never derived from any register number. */
"CREATE TABLE cards ("
"  id             INTEGER PRIMARY KEY,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  kind           TEXT NOT NULL CHECK (kind IN"
"                 ('juki_existing', 'juki_new', 'standalone')),"
"  card_serial    TEXT NOT NULL,"		/* the chip's diversification data, hex */
"  user_number    BLOB NOT NULL UNIQUE CHECK (length(user_number) = 16),"
"  key_generation INTEGER NOT NULL CHECK (key_generation >= 1),"
"  state          TEXT NOT NULL CHECK (state IN"
"                 ('personalizing', 'unfinished', 'active', 'suspended', 'revoked')),"
"  state_reason   TEXT,"
"  public_key     BLOB,"			/* the card-unique key's public half */
"  issued_on      TEXT,"
"  fee_yen        INTEGER NOT NULL DEFAULT 0,"
"  fee_waived     INTEGER NOT NULL DEFAULT 0 CHECK (fee_waived IN (0, 1)),"
"  created_at     TEXT NOT NULL,"
"  updated_at     TEXT NOT NULL"
") STRICT;"
"CREATE INDEX cards_resident ON cards (resident_id);"
"CREATE INDEX cards_serial ON cards (card_serial);"
/* A person has at most one active NHI key at a time. */
"CREATE UNIQUE INDEX cards_one_active ON cards (resident_id) WHERE state = 'active';"

"CREATE TABLE card_events ("
"  id             INTEGER PRIMARY KEY,"
"  card_id        INTEGER NOT NULL REFERENCES cards(id),"
"  at             TEXT NOT NULL,"
"  event          TEXT NOT NULL,"
"  from_state     TEXT,"
"  to_state       TEXT,"
"  detail         TEXT,"
"  operator_id    INTEGER REFERENCES operators(id)"
") STRICT;"
"CREATE INDEX card_events_card ON card_events (card_id);"

/* Printed certificates. A reprint voids the earlier serial with a reason. */
"CREATE TABLE certificates ("
"  id             INTEGER PRIMARY KEY,"
"  serial         TEXT NOT NULL UNIQUE,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  eligibility_id INTEGER REFERENCES eligibility_periods(id),"
"  document       TEXT NOT NULL,"		/* certificate, sleeve, ... */
"  cert_kind      TEXT NOT NULL,"
"  issued_at      TEXT NOT NULL,"
"  voided_at      TEXT,"
"  void_reason    TEXT,"
"  replaced_by    INTEGER REFERENCES certificates(id)"
") STRICT;"
"CREATE INDEX certificates_resident ON certificates (resident_id);"

/* Records for the shared-use center, numbered without gaps per station. */
"CREATE TABLE queue_records ("
"  seq            INTEGER PRIMARY KEY,"
"  record_id      TEXT NOT NULL UNIQUE,"
"  lane           TEXT NOT NULL CHECK (lane IN ('revocation', 'bulk')),"
"  kind           TEXT NOT NULL,"
"  payload        BLOB NOT NULL,"
"  created_at     TEXT NOT NULL,"
"  sent_at        TEXT,"
"  acked_at       TEXT,"
"  rejected_at    TEXT,"
"  reject_reason  TEXT"
") STRICT;"

"CREATE TABLE operators ("
"  id             INTEGER PRIMARY KEY,"
"  login          TEXT NOT NULL UNIQUE,"
"  display_name   TEXT NOT NULL,"
"  role           TEXT NOT NULL CHECK (role IN"
"                 ('clerk', 'supervisor', 'key_officer', 'auditor')),"
"  password_hash  TEXT NOT NULL,"
"  failed_logins  INTEGER NOT NULL DEFAULT 0,"
"  locked_until   TEXT,"
"  disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
"  created_at     TEXT NOT NULL"
") STRICT;"

/* Append-only, hash-chained audit log. */
"CREATE TABLE audit_log ("
"  seq            INTEGER PRIMARY KEY,"
"  at             TEXT NOT NULL,"
"  station        TEXT NOT NULL,"
"  operator       TEXT,"
"  action         TEXT NOT NULL,"
"  subject        TEXT,"
"  outcome        TEXT NOT NULL,"
"  detail         TEXT,"
"  prev_hash      BLOB NOT NULL,"
"  hash           BLOB NOT NULL"
") STRICT;"
"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;";

const struct store_migration store_migrations[] = {
	{ 1, schema_v1 },
};
const size_t store_migrations_count =
    sizeof(store_migrations) / sizeof(store_migrations[0]);
