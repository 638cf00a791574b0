/*
 * store-schema.c: the store's schema, as forward migrations.
 *
 * Each entry takes the schema from version-1 to version. Entries are never
 * edited once released; a change is a new entry. Dates are ISO 8601 text
 * (YYYY-MM-DD), times are UTC ISO 8601 text with a 'Z'.
 *
 * CHECK constraints on the tables a bulk import writes (residents,
 * eligibility_periods) spell small value lists with OR, not IN: SQLite
 * builds an ephemeral table for an IN list on every row inserted.
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
"  is_head        INTEGER NOT NULL DEFAULT 0 CHECK (is_head = 0 OR is_head = 1),"
"  name_kanji     TEXT NOT NULL,"
"  name_kana      TEXT NOT NULL,"		/* as received */
"  name_kana_norm TEXT NOT NULL,"		/* full-width katakana, for search */
"  birth_date     TEXT NOT NULL,"
"  sex            INTEGER NOT NULL CHECK (sex = 1 OR sex = 2 OR sex = 9),"	/* 1 male 2 female 9 n/a */
"  address        TEXT NOT NULL,"
"  nationality    TEXT,"			/* NULL: Japanese */
"  residence_status TEXT,"
"  stay_until     TEXT,"
"  status         TEXT NOT NULL DEFAULT 'resident'"
"                 CHECK (status = 'resident' OR status = 'moved_out' OR status = 'deceased'),"
"  status_date    TEXT,"
"  name_flags     INTEGER NOT NULL DEFAULT 0,"	/* bit 0: 外字 in the name */
"  origin         TEXT NOT NULL CHECK (origin = 'extract' OR origin = 'counter'),"
"  last_event_date TEXT,"		/* the latest register event applied */
"  created_at     TEXT NOT NULL,"
"  updated_at     TEXT NOT NULL"
") STRICT;"
"CREATE INDEX residents_kana ON residents (name_kana_norm);"
"CREATE INDEX residents_kanji ON residents (name_kanji);"
"CREATE INDEX residents_birth ON residents (birth_date);"
"CREATE INDEX residents_household ON residents (household_id);"
/* Counter enrolments not yet matched with an extract (few rows). */
"CREATE INDEX residents_unmatched ON residents (birth_date) WHERE person_code IS NULL;"

/* Change-extract records already applied, as canonical UTF-8 CSV lines:
 * importing the same extract twice finds them here and changes nothing. */
"CREATE TABLE import_events ("
"  id             INTEGER PRIMARY KEY,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  event          TEXT NOT NULL,"
"  event_date     TEXT,"
"  record         TEXT NOT NULL UNIQUE,"
"  source_file    TEXT,"
"  source_line    INTEGER,"
"  applied_at     TEXT NOT NULL"
") STRICT;"
"CREATE INDEX import_events_resident ON import_events (resident_id);"

/* What an import could not decide alone, for a clerk: change records about
 * an unknown person or out of order, partial four-item matches with a
 * counter enrolment, and rule findings on imported eligibility. */
"CREATE TABLE held_items ("
"  id             INTEGER PRIMARY KEY,"
"  kind           TEXT NOT NULL CHECK (kind IN"
"                 ('unknown_person', 'out_of_order', 'conflict', 'finding')),"
"  person_code    TEXT NOT NULL DEFAULT '',"
"  resident_id    INTEGER REFERENCES residents(id),"
"  event          TEXT NOT NULL DEFAULT '',"
"  event_date     TEXT,"
"  reason         TEXT NOT NULL,"
"  record         TEXT NOT NULL DEFAULT '',"	/* canonical UTF-8 CSV line */
"  source_file    TEXT,"
"  source_line    INTEGER,"
"  held_at        TEXT NOT NULL,"
"  resolved_at    TEXT,"
"  resolution     TEXT,"
"  UNIQUE (kind, person_code, record, reason)"
") STRICT;"
"CREATE INDEX held_items_open ON held_items (id) WHERE resolved_at IS NULL;"

/* NHI eligibility periods. History is kept: a correction adds a period and
 * points the old one at it (superseded_by); nothing is overwritten. */
"CREATE TABLE eligibility_periods ("
"  id             INTEGER PRIMARY KEY,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  insurer_number TEXT NOT NULL,"
"  symbol         TEXT NOT NULL,"		/* 記号 */
"  number         TEXT NOT NULL,"		/* 番号 */
"  branch         TEXT,"			/* 枝番 (2 digits, since 2021) */
"  cert_kind      TEXT NOT NULL CHECK (cert_kind = 'hihokensha' OR"
"                 cert_kind = 'tanki' OR cert_kind = 'shikaku_shomei' OR"
"                 cert_kind = 'kakunin'),"
"  short_months   INTEGER CHECK (short_months = 1 OR short_months = 3 OR short_months = 6),"
"  acquired_on    TEXT NOT NULL,"
"  lost_on        TEXT,"
"  valid_until    TEXT,"
"  burden_pct     INTEGER CHECK (burden_pct = 10 OR burden_pct = 20 OR burden_pct = 30),"
"  burden_from    TEXT,"
"  special_address INTEGER NOT NULL DEFAULT 0 CHECK (special_address = 0 OR special_address = 1),"	/* 住所地特例 */
"  superseded_by  INTEGER REFERENCES eligibility_periods(id),"
"  source         TEXT NOT NULL DEFAULT 'extract'"
"                 CHECK (source = 'extract' OR source = 'counter' OR source = 'correction'),"
"  note           TEXT,"
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
"  superseded_by  INTEGER REFERENCES benefits(id),"	/* history, as for eligibility */
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
"  state_reason   TEXT,"	/* why unfinished; suspended/revoked: docs/lifecycle.md */
"  step           TEXT,"			/* personalization step last reached */
"  public_key     BLOB,"			/* the card-unique key's public half */
"  key_record     BLOB,"			/* the signed key record as written */
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
"  operator_id    INTEGER REFERENCES operators(id),"
"  reported_by    TEXT,"			/* loss reports: who reported ("holder", ...) */
"  report_how     TEXT CHECK (report_how IN ('counter', 'phone', 'mail'))"
") STRICT;"
"CREATE INDEX card_events_card ON card_events (card_id);"

/* Printed certificates. A reprint voids the earlier serial with a reason. */
"CREATE TABLE certificates ("
"  id             INTEGER PRIMARY KEY,"
"  serial         TEXT NOT NULL UNIQUE,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  eligibility_id INTEGER REFERENCES eligibility_periods(id),"
"  document       TEXT NOT NULL CHECK (document IN ('certificate', 'sleeve')),"
"  cert_kind      TEXT NOT NULL CHECK (cert_kind IN"
"                 ('hihokensha', 'tanki', 'shikaku_shomei', 'kakunin')),"
"  issued_on      TEXT NOT NULL,"		/* 交付年月日 printed on it */
"  issued_at      TEXT NOT NULL,"
"  voided_at      TEXT,"
"  void_reason    TEXT,"
"  replaced_by    INTEGER REFERENCES certificates(id),"
"  CHECK ((voided_at IS NULL) = (void_reason IS NULL))"
") STRICT;"
"CREATE INDEX certificates_resident ON certificates (resident_id);"
/* Two valid certificates never exist for the same person and document. */
"CREATE UNIQUE INDEX certificates_one_valid ON certificates (resident_id, document)"
"  WHERE voided_at IS NULL;"

/* Records for the shared-use center, numbered without gaps per station
 * (docs/queue-format.md). seq comes from queue_state.last_seq, taken in
 * the transaction that records the event, so a rollback leaves no gap.
 * payload is the record's JSON line as it travels. A rejected record is a
 * clerk's work item until retried (same seq, same record_id, attempt + 1). */
"CREATE TABLE queue_records ("
"  seq            INTEGER PRIMARY KEY,"
"  record_id      TEXT NOT NULL,"		/* 128 random bits, hex: no index needed */
"  lane           TEXT NOT NULL CHECK (lane = 'revocation' OR lane = 'bulk'),"
"  kind           TEXT NOT NULL,"
"  payload        BLOB NOT NULL,"
"  created_at     TEXT NOT NULL,"
"  attempt        INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),"
"  sent_at        TEXT,"			/* first sent (exported or pushed) */
"  last_batch     INTEGER,"			/* the batch it last travelled in */
"  acked_at       TEXT,"
"  rejected_at    TEXT,"
"  reject_code    TEXT,"
"  reject_reason  TEXT,"
"  retried_at     TEXT,"
"  CHECK (acked_at IS NULL OR rejected_at IS NULL)"
") STRICT;"
"CREATE INDEX queue_records_open ON queue_records (lane, seq) WHERE acked_at IS NULL;"
/* The queue's counters: one row. center_through is the highest contiguous
 * sequence number the center acknowledged; ack_serial the serial of the
 * newest acknowledgement imported. */
"CREATE TABLE queue_state ("
"  id             INTEGER PRIMARY KEY CHECK (id = 1),"
"  last_seq       INTEGER NOT NULL DEFAULT 0,"
"  last_batch     INTEGER NOT NULL DEFAULT 0,"
"  center_through INTEGER NOT NULL DEFAULT 0,"
"  ack_serial     INTEGER NOT NULL DEFAULT 0,"
"  purged_through INTEGER NOT NULL DEFAULT 0"
") STRICT;"
"INSERT INTO queue_state (id) VALUES (1);"
/* Acknowledgements imported, by their digest: the same file twice is
 * refused. */
"CREATE TABLE queue_acks ("
"  serial         INTEGER PRIMARY KEY,"
"  digest         TEXT NOT NULL UNIQUE,"
"  through        INTEGER NOT NULL,"
"  rejected       INTEGER NOT NULL,"
"  source         TEXT NOT NULL,"
"  imported_at    TEXT NOT NULL"
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

/* Version 2: batch runs (docs/batch.md). One row per run and one per
 * selected person; an item's work and its state change are committed
 * together, so a killed run resumes without doing an item twice. The
 * snapshot is a SHA-256 of the person's data at selection time. */
static const char schema_v2[] =
"CREATE TABLE batch_runs ("
"  id             INTEGER PRIMARY KEY,"
"  run_uid        TEXT NOT NULL UNIQUE,"		/* B-YYYYMMDD-NNNN */
"  kind           TEXT NOT NULL CHECK (kind IN ('preissue', 'renew', 'revoke')),"
"  selection      TEXT NOT NULL,"
"  params         TEXT NOT NULL DEFAULT '',"
"  on_date        TEXT NOT NULL,"		/* the day eligibility is judged */
"  state          TEXT NOT NULL DEFAULT 'selected' CHECK (state IN"
"                 ('selected', 'running', 'done', 'cancelled')),"
"  operator       TEXT,"
"  created_at     TEXT NOT NULL,"
"  finished_at    TEXT,"
"  item_count     INTEGER NOT NULL DEFAULT 0"
") STRICT;"
"CREATE TABLE batch_items ("
"  id             INTEGER PRIMARY KEY,"
"  run_id         INTEGER NOT NULL REFERENCES batch_runs(id),"
"  seq            INTEGER NOT NULL CHECK (seq >= 1),"
"  resident_id    INTEGER REFERENCES residents(id),"	/* NULL: a list line naming nobody */
"  snapshot       BLOB CHECK (snapshot IS NULL OR length(snapshot) = 32),"
"  list_key       TEXT,"
"  list_line      INTEGER,"
"  arg            TEXT,"				/* revoke: the line's reason */
"  state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN"
"                 ('pending', 'prepared', 'done', 'exception')),"
"  exception      TEXT,"
"  exception_text TEXT,"
"  user_number    BLOB CHECK (user_number IS NULL OR length(user_number) = 16),"
"  card_id        INTEGER REFERENCES cards(id),"
"  cert_serial    TEXT,"
"  volume         TEXT,"
"  updated_at     TEXT NOT NULL,"
"  UNIQUE (run_id, seq),"
"  CHECK ((state = 'exception') = (exception IS NOT NULL))"
") STRICT;"
/* A person is in at most one open item of a run. */
"CREATE UNIQUE INDEX batch_items_one_open ON batch_items (run_id, resident_id)"
"  WHERE state = 'pending' OR state = 'prepared';"
"CREATE INDEX batch_items_resident ON batch_items (resident_id);";

/* Version 3: pre-issuance (docs/batch.md "Pre-issuance"). A prepared user
 * number is reserved: unique among batch items (and checked against the
 * cards). preissue_items holds what the key record and the certificate
 * need beside the item: the card path, the key generation, the planned
 * issue date, the period and kind to print; then the blank card bound to
 * it and when it went to a card bureau. */
static const char schema_v3[] =
"CREATE UNIQUE INDEX batch_items_user_number ON batch_items (user_number)"
"  WHERE user_number IS NOT NULL;"
"CREATE TABLE preissue_items ("
"  item_id        INTEGER PRIMARY KEY REFERENCES batch_items(id),"
"  run_id         INTEGER NOT NULL REFERENCES batch_runs(id),"
"  path           TEXT NOT NULL CHECK (path = 'existing' OR path = 'new-juki' OR"
"                 path = 'standalone'),"
"  key_generation INTEGER NOT NULL CHECK (key_generation >= 1),"
"  issue_date     TEXT NOT NULL,"
"  cert_kind      TEXT NOT NULL,"
"  eligibility_id INTEGER NOT NULL REFERENCES eligibility_periods(id),"
"  card_serial    TEXT,"		/* a standalone card bound to the item */
"  exported_at    TEXT"			/* in a card-bureau file since */
") STRICT;"
"CREATE INDEX preissue_items_serial ON preissue_items (card_serial)"
"  WHERE card_serial IS NOT NULL;"
"CREATE INDEX preissue_items_run ON preissue_items (run_id, path);";

/* Version 4: a search by birth date lists residents by name (kana), 50 at
 * most; with the date and the name in one index SQLite reads the first 50
 * in order instead of every resident born that day and sorting them (at
 * 4 million residents, about 120 a day: docs/performance.md "residents").
 * The index keeps its name, and still serves a birth date alone. */
static const char schema_v4[] =
"DROP INDEX residents_birth;"
"CREATE INDEX residents_birth ON residents (birth_date, name_kana_norm);";

/* Version 5: My Number cards linked to NHI at the counter (issue 24,
 * docs/card-profile.md "The My Number card"). A link is what the center
 * needs and no more: the JPKI user-authentication certificate's issuer,
 * serial and end of validity, and the user number the center knows the
 * person's linked card by (drawn by the station, kept across relinks).
 * Never the 個人番号, never the four items read from the card. */
static const char schema_v5[] =
"CREATE TABLE mynumber_links ("
"  id             INTEGER PRIMARY KEY,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  cert_issuer    TEXT NOT NULL,"
"  cert_serial    TEXT NOT NULL,"
"  not_after      TEXT NOT NULL,"
"  cert_sha256    TEXT NOT NULL CHECK (length(cert_sha256) = 64),"
"  user_number    BLOB NOT NULL CHECK (length(user_number) = 16),"
"  state          TEXT NOT NULL CHECK (state = 'linked' OR state = 'replaced' OR"
"                 state = 'ended'),"
"  linked_at      TEXT NOT NULL,"
"  ended_at       TEXT,"
"  end_reason     TEXT,"
"  UNIQUE (cert_issuer, cert_serial)"
") STRICT;"
"CREATE UNIQUE INDEX mynumber_links_current ON mynumber_links (resident_id)"
"  WHERE state = 'linked';";
/* Version 6: the card bureau's loop (docs/batch.md) checks that a public
 * key is on no other card record, once per imported card: an index, not a
 * scan of every card. */
static const char schema_v6[] =
"CREATE INDEX IF NOT EXISTS cards_public_key ON cards (public_key) WHERE public_key IS NOT NULL;";
/* Version 7: 性別 printed on the back of the certificate and sleeve instead
 * of the front, at the resident's request (issue 14; docs/templates.md):
 * kept per resident, set by a clerk (`resident edit --sex-on-back`),
 * audited, and used by every print path. */
static const char schema_v7[] =
"ALTER TABLE residents ADD COLUMN sex_on_back INTEGER NOT NULL DEFAULT 0"
"  CHECK (sex_on_back = 0 OR sex_on_back = 1);";

/* Version 8: a certificate sent to a CUPS queue is first recorded here as
 * pending (its serial reserved, so no other print takes it), the store's
 * write lock is released while the job runs, and a short transaction then
 * settles it: 'printed' (the certificate recorded, the earlier one voided),
 * 'failed' (the job failed, was cancelled or timed out) or 'void' (the
 * station stopped while the job was pending: found by a rerun or `db
 * check`). docs/printing.md. */
static const char schema_v8[] =
"CREATE TABLE print_pending ("
"  id             INTEGER PRIMARY KEY,"	/* the certificate id the serial names */
"  serial         TEXT NOT NULL UNIQUE,"
"  resident_id    INTEGER NOT NULL REFERENCES residents(id),"
"  eligibility_id INTEGER REFERENCES eligibility_periods(id),"
"  document       TEXT NOT NULL CHECK (document IN ('certificate', 'sleeve')),"
"  cert_kind      TEXT NOT NULL,"
"  issued_on      TEXT NOT NULL,"
"  reason         TEXT,"
"  printer        TEXT NOT NULL,"
"  job_id         INTEGER,"
"  station_host   TEXT NOT NULL,"
"  station_pid    INTEGER NOT NULL,"
"  state          TEXT NOT NULL CHECK (state IN ('pending', 'printed', 'failed', 'void')),"
"  created_at     TEXT NOT NULL,"
"  settled_at     TEXT,"
"  settle_note    TEXT"
") STRICT;"
/* One print at a time per person and document. */
"CREATE UNIQUE INDEX print_pending_one ON print_pending (resident_id, document)"
"  WHERE state = 'pending';";

/* Version 9: the searches a clerk types run on an index at any size
 * (docs/performance.md "residents"): a given name alone (翔太 finds
 * 「山田 翔太」) on an index of what follows the name's first blank, and a
 * 記号番号 without leading zeros (2-2 finds 02-000002) on an index of the
 * number and the symbol so trimmed, which replaces the index of the two as
 * stored (no search names them so any more). Both before took a scan of
 * every resident or period: 100 to 200 ms at a million. */
static const char schema_v9[] =
"CREATE INDEX residents_given ON residents (" STORE_GIVEN_NAME("name_kanji") ");"
"DROP INDEX eligibility_symbol_number;"
"CREATE INDEX eligibility_symbol_number ON eligibility_periods"
"  (" STORE_NO_ZEROS("number") ", " STORE_NO_ZEROS("symbol") ");";

const struct store_migration store_migrations[] = {
	{ 1, schema_v1 },
	{ 2, schema_v2 },
	{ 3, schema_v3 },
	{ 4, schema_v4 },
	{ 5, schema_v5 },
	{ 6, schema_v6 },
	{ 7, schema_v7 },
	{ 8, schema_v8 },
	{ 9, schema_v9 },
};
const size_t store_migrations_count =
    sizeof(store_migrations) / sizeof(store_migrations[0]);
