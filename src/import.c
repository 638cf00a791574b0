/*
 * import.c: applying parsed register-extract records to the store.
 *
 * One import is one transaction with its statements prepared once (a full
 * extract of a million residents is one pass of index look-ups and
 * inserts). Every record is compared with what the store holds, so that an
 * unchanged record writes nothing and importing the same extract twice
 * changes nothing. What the import cannot decide alone is held for a clerk
 * (held_items): change records about an unknown person or out of order,
 * a new person who partially matches a counter enrolment, and rule
 * findings on eligibility. docs/formats.md describes the outcomes.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "error.h"
#include "extract.h"
#include "import.h"
#include "queue.h"
#include "rules.h"
#include "store-res-int.h"
#include "util.h"

enum {
	Q_RES_BY_CODE, Q_RES_INSERT, Q_RES_UPDATE, Q_HH_INSERT, Q_HH_UPDATE, Q_HH_SELECT,
	Q_ELIG_SAME, Q_ELIG_INSERT, Q_ELIG_SUPERSEDE, Q_EVENT_SEEN, Q_EVENT_INSERT,
	Q_UNMATCHED, Q_BEN_SAME, Q_BEN_INSERT, Q_BEN_SUPERSEDE, Q_SAME_ITEMS, Q_RES_BY_ID,
	Q_ELIG_OPEN, Q_COUNT
};

static const char *const import_sql[Q_COUNT] = {
	[Q_RES_BY_CODE] = "SELECT id, coalesce(household_id, 0), is_head, name_kanji, name_kana,"
	    " birth_date, sex, address, coalesce(nationality, ''), coalesce(residence_status, ''),"
	    " coalesce(stay_until, ''), status, coalesce(status_date, ''), name_flags,"
	    " coalesce(last_event_date, '') FROM residents WHERE person_code = ?1",
	[Q_RES_INSERT] = "INSERT INTO residents (person_code, household_id, is_head, name_kanji,"
	    " name_kana, name_kana_norm, birth_date, sex, address, nationality, residence_status,"
	    " stay_until, status, status_date, name_flags, origin, last_event_date, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	    " ?15, 'extract', ?16, ?17, ?17)",
	[Q_RES_UPDATE] = "UPDATE residents SET person_code = ?1, household_id = ?2, is_head = ?3,"
	    " name_kanji = ?4, name_kana = ?5, name_kana_norm = ?6, birth_date = ?7, sex = ?8,"
	    " address = ?9, nationality = ?10, residence_status = ?11, stay_until = ?12,"
	    " status = ?13, status_date = ?14, name_flags = ?15, origin = 'extract',"
	    " last_event_date = ?16, updated_at = ?17 WHERE id = ?18",
	[Q_HH_INSERT] = "INSERT INTO households (household_code, address, address_code,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
	[Q_HH_UPDATE] = "UPDATE households SET address = ?2, address_code = ?3,"
	    " updated_at = ?4 WHERE household_code = ?1",
	[Q_HH_SELECT] = "SELECT id, address, coalesce(address_code, '') FROM households"
	    " WHERE household_code = ?1",
	[Q_ELIG_SAME] = "SELECT " ELIGIBILITY_COLUMNS " FROM eligibility_periods"
	    " WHERE resident_id = ?1 AND acquired_on = ?2 AND superseded_by IS NULL"
	    " ORDER BY id DESC LIMIT 1",
	[Q_ELIG_INSERT] = "INSERT INTO eligibility_periods (resident_id, insurer_number, symbol,"
	    " number, branch, cert_kind, short_months, acquired_on, lost_on, valid_until,"
	    " burden_pct, burden_from, special_address, source, note, recorded_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'extract', ?14, ?15)",
	[Q_ELIG_SUPERSEDE] = "UPDATE eligibility_periods SET superseded_by = ?2 WHERE id = ?1",
	[Q_EVENT_SEEN] = "SELECT resident_id FROM import_events WHERE record = ?1",
	[Q_EVENT_INSERT] = "INSERT INTO import_events (resident_id, event, event_date, record,"
	    " source_file, source_line, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_UNMATCHED] = "SELECT id, name_kanji, birth_date, sex, address FROM residents"
	    " WHERE person_code IS NULL AND (birth_date = ?1 OR name_kanji = ?2)",
	[Q_BEN_SAME] = "SELECT id, coalesce(payer_number, ''), coalesce(recipient_number, ''),"
	    " coalesce(valid_until, '') FROM benefits WHERE resident_id = ?1 AND kind = ?2"
	    " AND valid_from = ?3 AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
	[Q_BEN_INSERT] = "INSERT INTO benefits (resident_id, kind, payer_number,"
	    " recipient_number, valid_from, valid_until, recorded_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_BEN_SUPERSEDE] = "UPDATE benefits SET superseded_by = ?2 WHERE id = ?1",
	/* Everyone with the same birth date and sex (residents_birth): the
	 * four-item match against every resident, not only enrolments. */
	[Q_SAME_ITEMS] = "SELECT id, coalesce(person_code, ''), name_kanji, address FROM residents"
	    " WHERE birth_date = ?1 AND sex = ?2 AND person_code IS NOT NULL",
	[Q_RES_BY_ID] = "SELECT coalesce(person_code, ''), name_kanji, birth_date, sex, address"
	    " FROM residents WHERE id = ?1",
	/* Periods still open on a day (not superseded, no loss date up to it). */
	[Q_ELIG_OPEN] = "SELECT " ELIGIBILITY_COLUMNS " FROM eligibility_periods"
	    " WHERE resident_id = ?1 AND superseded_by IS NULL AND (lost_on IS NULL OR lost_on > ?2)"
	    " ORDER BY id",
};

/*
 * Persons added by an initial load, by a hash of their four basic items:
 * the secondary indexes are deferred then, so the four-item match looks
 * here (and confirms a hit by the primary key) instead of in the table.
 * One 64-bit slot a person: the hash's high 32 bits and the resident id
 * (0: empty), at most three quarters full and grown by half, so 11 to 16
 * bytes a resident (48 MB at 4 million; docs/performance.md "residents").
 * A hash that two people share only costs a row read: every hit is
 * confirmed by the row.
 */
struct items_index {
	uint64_t	*slot;
	size_t		 cap, n;
};

struct store_import {
	struct store	*st;
	sqlite3_stmt	*q[Q_COUNT];
	int		 committed;
	int64_t		 unmatched;	/* counter enrolments without a person code */
	int		 initial_load;	/* the tables were empty: nobody to look up */
	int		 created_by_change;	/* a change record added a person */
	int		 journal_switched;	/* WAL to be restored at the end */
	char		**deferred_index;	/* CREATE INDEX statements to run at commit */
	size_t		 ndeferred;
	char		 now[24];
	char		 today[11];
	struct rules_policy policy;
	struct tbuf	 kana, csv;
	/* The last household seen: members come together in an extract. */
	char		*hh_code, *hh_address, *hh_address_code;
	int64_t		 hh_id;
	struct store_queue_writer *qw;	/* center queue records (queue.h) */
	struct items_index items;	/* initial load: four-item keys of new persons */
	struct tbuf	 norm_a, norm_b;	/* name normalization scratch */
	char		 extract_date[11];	/* the header's date, "" none */
	size_t		 known, disagreeing;	/* person codes found; with other items */
};

/* What the store holds about a person found by code. */
struct known {
	int64_t	 id, household_id;
	int	 is_head, sex;
	unsigned name_flags;
	char	*name_kanji, *name_kana, *birth_date, *address, *nationality;
	char	*residence_status, *stay_until, *status, *status_date, *last_event_date;
};

static void
known_free(struct known *k)
{
	free(k->name_kanji);
	free(k->name_kana);
	free(k->birth_date);
	free(k->address);
	free(k->nationality);
	free(k->residence_status);
	free(k->stay_until);
	free(k->status);
	free(k->status_date);
	free(k->last_event_date);
	memset(k, 0, sizeof(*k));
}

static char *
dupcol(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

static int
step_done(struct store_import *im, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : store_err(im->st, rc, what);
}

static void
finish(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void
bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL && v[0] != '\0')
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static uint64_t
items_hash(const struct text_basic_items *b)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *parts[3] = { b->name, b->birth_date, b->address };
	const char *p;
	int i;

	for (i = 0; i < 3; i++) {
		for (p = parts[i]; *p != '\0'; p++) {
			h ^= (unsigned char)*p;
			h *= 0x100000001b3ULL;
		}
		h ^= 0x1f;	/* a separator no text holds */
		h *= 0x100000001b3ULL;
	}
	h ^= (uint64_t)b->sex;
	h *= 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

/* The home slot of hash h: h scaled to the table (any size, not only a
 * power of two), after a multiply that spreads FNV's low-entropy bits. */
static size_t
items_home(const struct items_index *x, uint32_t h)
{
	uint32_t m = (uint32_t)(((uint64_t)h * 0x9e3779b97f4a7c15ULL) >> 32);

	return (size_t)(((uint64_t)m * x->cap) >> 32);
}

static void
items_place(struct items_index *x, uint64_t v)
{
	size_t i;

	for (i = items_home(x, (uint32_t)(v >> 32)); x->slot[i] != 0; )
		if (++i == x->cap)
			i = 0;
	x->slot[i] = v;
}

/* Add key -> id (duplicate keys kept: a hit is confirmed by the row). */
static int
items_put(struct items_index *x, uint64_t key, int64_t id)
{
	size_t i, oldcap;
	uint64_t *old;

	if (id <= 0 || id > (int64_t)UINT32_MAX)
		return err_set(NHI_EINTERNAL, "initial load: resident id %lld is beyond the"
		    " four-item index", (long long)id);
	if (4 * (x->n + 1) > 3 * x->cap) {
		old = x->slot;
		oldcap = x->cap;
		x->cap = oldcap ? oldcap + oldcap / 2 : 4096;
		if (x->cap > UINT32_MAX)
			return err_set(NHI_EINTERNAL, "initial load: the four-item index is"
			    " full");
		x->slot = xcalloc(x->cap, sizeof(*x->slot));
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				items_place(x, old[i]);
		free(old);
	}
	items_place(x, (key >> 32 << 32) | (uint64_t)id);
	x->n++;
	return 0;
}

/* The first id with `key` at or after slot *pos (start with *pos = SIZE_MAX);
 * 0 when there is no more. */
static int64_t
items_next(const struct items_index *x, uint64_t key, size_t *pos)
{
	uint32_t h = (uint32_t)(key >> 32);
	size_t i;

	if (x->cap == 0)
		return 0;
	i = *pos == SIZE_MAX ? items_home(x, h) : *pos + 1 == x->cap ? 0 : *pos + 1;
	for (; x->slot[i] != 0; i = i + 1 == x->cap ? 0 : i + 1)
		if ((uint32_t)(x->slot[i] >> 32) == h) {
			*pos = i;
			return (int64_t)(x->slot[i] & UINT32_MAX);
		}
	return 0;
}

static void
items_free(struct items_index *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

/*
 * An initial load (residents and eligibility empty): nobody can be found
 * by code (the command rejects a person code given twice in a file), and
 * the secondary indexes are cheaper to build once, sorted, at the end than
 * to grow row by row. They are dropped here and created again by
 * store_import_commit, in the same transaction, from their own SQL in the
 * schema, so the result is the same store.
 */
/* The process's CPU time so far (user and system), for the debug log. */
static double
cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int
initial_load_prepare(struct store_import *im)
{
	sqlite3_stmt *s = NULL;
	char *drop, **names = NULL;
	size_t i;
	int r, rc;

	if ((r = store_prepare(im->st, "SELECT (SELECT count(*) FROM residents) +"
	    " (SELECT count(*) FROM eligibility_periods)", &s)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = store_err(im->st, rc, "count residents");
		goto out;
	}
	im->initial_load = sqlite3_column_int64(s, 0) == 0;
	sqlite3_finalize(s);
	s = NULL;
	if (!im->initial_load) {
		r = 0;
		goto out;
	}
	/* The queue's open-records index is partial but carries no constraint:
	 * an initial load queues a record per period, so it is deferred too. */
	if ((r = store_prepare(im->st, "SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
	    " AND sql IS NOT NULL AND sql NOT LIKE '%UNIQUE%' AND"
	    " ((tbl_name IN ('residents', 'eligibility_periods') AND sql NOT LIKE '%WHERE%')"
	    " OR name = 'queue_records_open')", &s)) != 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		im->deferred_index = xreallocarray(im->deferred_index, im->ndeferred + 1,
		    sizeof(char *));
		im->deferred_index[im->ndeferred++] =
		    xstrdup((const char *)sqlite3_column_text(s, 1));
		names = xreallocarray(names, im->ndeferred, sizeof(char *));
		names[im->ndeferred - 1] = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	if (rc != SQLITE_DONE) {
		r = store_err(im->st, rc, "read schema");
		goto out;
	}
	/* The schema cannot change while the statement reading it runs. */
	sqlite3_finalize(s);
	s = NULL;
	for (i = 0; i < im->ndeferred; i++) {
		drop = xasprintf("DROP INDEX \"%s\"", names[i]);
		rc = sqlite3_exec(im->st->db, drop, NULL, NULL, NULL);
		free(drop);
		if (rc != SQLITE_OK) {
			r = store_err(im->st, rc, "defer index");
			goto out;
		}
	}
	r = 0;
out:
	for (i = 0; names != NULL && i < im->ndeferred; i++)
		free(names[i]);
	free(names);
	sqlite3_finalize(s);
	return r;
}

/* Set the journal mode; 0 if SQLite now reports `mode`. */
static int
journal_mode(struct store *st, const char *mode)
{
	sqlite3_stmt *s = NULL;
	char *sql = xasprintf("PRAGMA journal_mode = %s", mode);
	int ok = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(s, 0), mode) == 0)
		ok = 1;
	sqlite3_finalize(s);
	free(sql);
	return ok ? 0 : NHI_ESTORE;
}

/*
 * An initial load into an empty store writes every page once through a
 * rollback journal (which holds almost nothing: the pages were empty)
 * instead of twice through the WAL (log, then checkpoint). This needs the
 * store to ourselves: if another connection holds it, the mode does not
 * change and the load simply runs in WAL mode. The store goes back to WAL
 * at the end (store_import_free), committed or not; a crash in between
 * leaves a hot rollback journal that SQLite rolls back on the next open,
 * and store_open puts WAL back.
 */
static int
journal_for_load(struct store_import *im)
{
	sqlite3_stmt *s = NULL;
	int empty = 0;

	if (sqlite3_prepare_v2(im->st->db, "SELECT NOT EXISTS (SELECT 1 FROM residents)"
	    " AND NOT EXISTS (SELECT 1 FROM eligibility_periods)", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		empty = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (empty && journal_mode(im->st, "delete") == 0)
		im->journal_switched = 1;
	return 0;
}

int
store_import_begin(struct store *st, struct store_import **out)
{
	struct store_import *im = xcalloc(1, sizeof(*im));
	sqlite3_stmt *s = NULL;
	int i, r, rc;

	im->st = st;
	rules_policy_defaults(&im->policy);
	store_now(im->now, sizeof(im->now));
	time_today_jst_iso(im->today, sizeof(im->today));
	/* A large page cache: a full extract touches every index page.
	 * With the four-item index and the reader's table of codes it sets
	 * the import's peak (docs/performance.md "residents"); the deferred
	 * index builds sort with their own (store_sort_begin, store-sort.c). */
	(void)sqlite3_exec(st->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
	if ((r = journal_for_load(im)) != 0 || (r = store_begin(st)) != 0)
		goto out;
	for (i = 0; i < Q_COUNT; i++)
		if ((r = store_prepare(st, import_sql[i], &im->q[i])) != 0)
			goto out;
	if ((r = store_prepare(st, "SELECT count(*) FROM residents WHERE person_code IS NULL",
	    &s)) != 0)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = store_err(st, rc, "count counter enrolments");
		goto out;
	}
	im->unmatched = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if ((r = initial_load_prepare(im)) != 0)
		goto out;
	*out = im;
	im = NULL;
	r = 0;
out:
	sqlite3_finalize(s);
	store_import_free(im);
	return r;
}

int
store_import_commit(struct store_import *im)
{
	int i, r;

	size_t k;
	int rc;
	uint64_t t0 = time_mono_ns();

	for (i = 0; i < Q_COUNT; i++) {
		sqlite3_finalize(im->q[i]);
		im->q[i] = NULL;
	}
	if (im->qw != NULL && (r = store_queue_writer_flush(im->qw)) != 0)
		return r;
	store_queue_writer_free(im->qw);
	im->qw = NULL;
	log_debug("import: rows done, cpu %.2f s", cpu_s());
	/* The four-item index has done its work: its memory goes before the
	 * index builds' sorter takes its own. bench/residents.sh reads this. */
	log_debug("import: four-item index: %zu bytes for %zu residents",
	    im->items.cap * sizeof(*im->items.slot), im->items.n);
	items_free(&im->items);
	if (im->ndeferred > 0)
		store_sort_begin(im->st);
	for (k = 0; k < im->ndeferred; k++) {
		t0 = time_mono_ns();
		if ((rc = sqlite3_exec(im->st->db, im->deferred_index[k], NULL, NULL, NULL)) !=
		    SQLITE_OK)
			return store_err(im->st, rc, "create index");
		log_debug("import: %.60s: %.2f s, cpu %.2f s", im->deferred_index[k],
		    (double)(time_mono_ns() - t0) / 1e9, cpu_s());
	}
	t0 = time_mono_ns();
	if ((r = store_commit(im->st)) != 0)
		return r;
	log_debug("import: commit: %.2f s, cpu %.2f s", (double)(time_mono_ns() - t0) / 1e9,
	    cpu_s());
	im->committed = 1;
	return 0;
}

void
store_import_free(struct store_import *im)
{
	int i;

	if (im == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(im->q[i]);
	store_queue_writer_free(im->qw);
	if (!im->committed)
		store_rollback(im->st);
	if (im->journal_switched && journal_mode(im->st, "wal") != 0)
		log_warn("store %s: could not return to WAL mode after an initial load; "
		    "it will on the next open", im->st->path);
	store_sort_end(im->st);
	free(im->kana.p);
	free(im->csv.p);
	free(im->norm_a.p);
	free(im->norm_b.p);
	items_free(&im->items);
	free(im->hh_code);
	free(im->hh_address);
	free(im->hh_address_code);
	while (im->ndeferred > 0)
		free(im->deferred_index[--im->ndeferred]);
	free(im->deferred_index);
	free(im);
}

static int
find_known(struct store_import *im, const struct extract_record *rec, struct known *k,
    int *found)
{
	sqlite3_stmt *s = im->q[Q_RES_BY_CODE];
	const char *code = rec->person_code;
	int rc;

	*found = 0;
	/* In an initial load a full-extract line cannot name a known person
	 * unless a change line of this file created them (then look up). */
	if (im->initial_load && rec->event == EXTRACT_EV_FULL && !im->created_by_change)
		return 0;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(k, 0, sizeof(*k));
		k->id = sqlite3_column_int64(s, 0);
		k->household_id = sqlite3_column_int64(s, 1);
		k->is_head = sqlite3_column_int(s, 2);
		k->name_kanji = dupcol(s, 3);
		k->name_kana = dupcol(s, 4);
		k->birth_date = dupcol(s, 5);
		k->sex = sqlite3_column_int(s, 6);
		k->address = dupcol(s, 7);
		k->nationality = dupcol(s, 8);
		k->residence_status = dupcol(s, 9);
		k->stay_until = dupcol(s, 10);
		k->status = dupcol(s, 11);
		k->status_date = dupcol(s, 12);
		k->name_flags = (unsigned)sqlite3_column_int(s, 13);
		k->last_event_date = dupcol(s, 14);
		*found = 1;
	}
	finish(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(im->st, rc, "find resident");
	return 0;
}

static int
household_id(struct store_import *im, const struct extract_record *rec, int64_t *id)
{
	sqlite3_stmt *s;
	int r, rc, same = 0;

	if (im->hh_code != NULL && strcmp(im->hh_code, rec->household_code) == 0 &&
	    strcmp(im->hh_address, rec->address) == 0 &&
	    strcmp(im->hh_address_code, rec->address_code) == 0) {
		*id = im->hh_id;
		return 0;
	}
	/* Look up, then insert or update only what changed (no UPSERT ...
	 * RETURNING: its result table costs more than a second look-up). */
	*id = 0;
	s = im->q[Q_HH_SELECT];
	sqlite3_bind_text(s, 1, rec->household_code, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		same = strcmp((const char *)sqlite3_column_text(s, 1), rec->address) == 0 &&
		    strcmp((const char *)sqlite3_column_text(s, 2), rec->address_code) == 0;
	}
	finish(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(im->st, rc, "read household");
	if (*id == 0 || !same) {
		s = im->q[*id == 0 ? Q_HH_INSERT : Q_HH_UPDATE];
		sqlite3_bind_text(s, 1, rec->household_code, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, rec->address, -1, SQLITE_STATIC);
		bind_opt(s, 3, rec->address_code);
		sqlite3_bind_text(s, 4, im->now, -1, SQLITE_STATIC);
		if ((r = step_done(im, s, "write household")) != 0)
			return r;
		if (*id == 0)
			*id = sqlite3_last_insert_rowid(im->st->db);
	}
	free(im->hh_code);
	free(im->hh_address);
	free(im->hh_address_code);
	im->hh_code = xstrdup(rec->household_code);
	im->hh_address = xstrdup(rec->address);
	im->hh_address_code = xstrdup(rec->address_code);
	im->hh_id = *id;
	return 0;
}

static const char *
status_for(const struct extract_record *rec, const char *old)
{
	switch (rec->event) {
	case EXTRACT_EV_MOVE_OUT:
		return "moved_out";
	case EXTRACT_EV_DEATH:
		return "deceased";
	default:
		return old != NULL && rec->event == EXTRACT_EV_FULL ? old : "resident";
	}
}

static unsigned
flags_of(const struct extract_record *rec)
{
	unsigned f = rec->name_flags & (TEXT_F_GAIJI | TEXT_F_HALFWIDTH);

	if (rec->address_flags & TEXT_F_GAIJI)
		f |= STORE_ADDRESS_GAIJI;
	return f;
}

/* Bind the person columns shared by insert (offset 0) and update. */
static void
bind_person(struct store_import *im, sqlite3_stmt *s, const struct extract_record *rec,
    int64_t hh, const char *status, const char *status_date, const char *last_event)
{
	text_kana_normalize(rec->name_kana, &im->kana);
	sqlite3_bind_text(s, 1, rec->person_code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, hh);
	sqlite3_bind_int(s, 3, rec->is_head);
	sqlite3_bind_text(s, 4, rec->name_kanji, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, rec->name_kana, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, im->kana.p, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, rec->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 8, rec->sex);
	sqlite3_bind_text(s, 9, rec->address, -1, SQLITE_STATIC);
	bind_opt(s, 10, rec->nationality);
	bind_opt(s, 11, rec->residence_status);
	bind_opt(s, 12, rec->stay_until);
	sqlite3_bind_text(s, 13, status, -1, SQLITE_STATIC);
	bind_opt(s, 14, status_date);
	sqlite3_bind_int(s, 15, (int)flags_of(rec));
	bind_opt(s, 16, last_event);
	sqlite3_bind_text(s, 17, im->now, -1, SQLITE_STATIC);
}

static int
same_person_data(const struct known *k, const struct extract_record *rec, int64_t hh,
    const char *status, const char *status_date, const char *last_event)
{
	return k->household_id == hh && k->is_head == rec->is_head &&
	    strcmp(k->name_kanji, rec->name_kanji) == 0 &&
	    strcmp(k->name_kana, rec->name_kana) == 0 &&
	    strcmp(k->birth_date, rec->birth_date) == 0 && k->sex == rec->sex &&
	    strcmp(k->address, rec->address) == 0 &&
	    strcmp(k->nationality, rec->nationality) == 0 &&
	    strcmp(k->residence_status, rec->residence_status) == 0 &&
	    strcmp(k->stay_until, rec->stay_until) == 0 &&
	    strcmp(k->status, status) == 0 &&
	    strcmp(k->status_date, status_date) == 0 &&
	    strcmp(k->last_event_date, last_event) == 0 &&
	    k->name_flags == flags_of(rec);
}

static int
hold(struct store_import *im, const char *kind, const struct extract_record *rec,
    int64_t resident_id, const char *file, size_t line, struct store_import_result *res)
{
	int r;

	if (rec != NULL)
		(void)extract_format_csv(rec, &im->csv);
	if (im->csv.len > 0 && im->csv.p[im->csv.len - 1] == '\n')
		im->csv.p[--im->csv.len] = '\0';
	r = store_held_add(im->st, kind, rec->person_code, resident_id,
	    extract_event_name(rec->event), rec->event_date, res->reason, im->csv.p, file, line,
	    im->now, &res->held_id);
	res->outcome = STORE_IMPORT_HELD;
	res->resident_id = resident_id;
	return r;
}

static void
add_finding(struct store_import *im, const struct extract_record *rec, int64_t rid,
    const char *file, size_t line, const char *text, struct store_import_result *res)
{
	int64_t id;

	(void)extract_format_csv(rec, &im->csv);
	if (im->csv.len > 0 && im->csv.p[im->csv.len - 1] == '\n')
		im->csv.p[--im->csv.len] = '\0';
	if (store_held_add(im->st, "finding", rec->person_code, rid,
	    extract_event_name(rec->event), rec->event_date, text, im->csv.p, file, line,
	    im->now, &id) == 0)
		res->findings++;
}

/* Months from `a` to `b` (YYYY-MM-DD), rounded down; 0 if b <= a. */
static int
months_between(const struct nhi_date *a, const struct nhi_date *b)
{
	int m = (b->y - a->y) * 12 + (b->m - a->m) - (b->d < a->d ? 1 : 0);

	return m > 0 ? m : 0;
}

/* Rule findings on an eligibility period as imported (the rules layer's
 * rules_check_nhi_record): flagged for a clerk, not refused. */
static void
check_eligibility(struct store_import *im, const struct extract_record *rec, int64_t rid,
    const char *file, size_t line, const char *superseded_lost,
    struct store_import_result *res)
{
	struct rules_nhi_record nr;
	struct rules_finding f[RULES_MAX_FINDINGS];
	struct nhi_date stay;
	char text[256], two_years[11];
	size_t n, i;

	memset(&nr, 0, sizeof(nr));
	/* Ages and burden ratios are checked as of the day the extract speaks
	 * for (its event date), today when it gives none. */
	if (date_parse(rec->birth_date, &nr.birth) != 0 ||
	    date_parse(rec->acquired_on, &nr.nhi.from) != 0 ||
	    date_parse(rec->event_date[0] ? rec->event_date : im->today, &nr.on) != 0)
		return;
	if (rec->lost_on[0] != '\0' && date_parse(rec->lost_on, &nr.nhi.to) == 0)
		nr.nhi.has_to = 1;
	nr.has_burden = rec->burden_pct != 0;
	nr.burden_pct = rec->burden_pct;
	if (rec->burden_from[0] != '\0' && date_parse(rec->burden_from, &nr.burden_from) == 0)
		nr.has_burden_from = 1;
	if (rec->nationality[0] != '\0') {
		nr.foreign = 1;
		nr.stay_status = rules_stay_status_from_text(rec->residence_status);
		/* The extract gives the end of the stay, not the period granted:
		 * the months from acquisition to that end stand for it. */
		nr.stay_months = rec->stay_until[0] != '\0' &&
		    date_parse(rec->stay_until, &stay) == 0 ?
		    months_between(&nr.nhi.from, &stay) : 999;
	}
	n = rules_check_nhi_record(&im->policy, &nr, f, RULES_MAX_FINDINGS);
	for (i = 0; i < n && i < RULES_MAX_FINDINGS; i++) {
		snprintf(text, sizeof(text), "%s: %s", rules_finding_name(f[i].code),
		    f[i].message);
		add_finding(im, rec, rid, file, line, text, res);
	}
	/* Claims are corrected two years back, not further: a loss date set
	 * more than two years before the day the extract speaks for. */
	date_add_months(&nr.on, -24, &stay);
	date_format(&stay, two_years, sizeof(two_years));
	if (superseded_lost != NULL && strcmp(superseded_lost, rec->lost_on) != 0 &&
	    rec->lost_on[0] != '\0' && strcmp(rec->lost_on, two_years) < 0)
		add_finding(im, rec, rid, file, line, "LATE_CORRECTION: loss date corrected more "
		    "than two years back: claims before it cannot be corrected", res);
}

static int
elig_equal(const struct eligibility *e, const struct extract_record *rec)
{
	return strcmp(e->insurer_number, rec->insurer_number) == 0 &&
	    strcmp(e->symbol, rec->symbol) == 0 && strcmp(e->number, rec->number) == 0 &&
	    strcmp(e->branch, rec->branch) == 0 && strcmp(e->cert_kind, rec->cert_kind) == 0 &&
	    e->short_months == rec->short_months && strcmp(e->lost_on, rec->lost_on) == 0 &&
	    strcmp(e->valid_until, rec->valid_until) == 0 && e->burden_pct == rec->burden_pct &&
	    strcmp(e->burden_from, rec->burden_from) == 0 &&
	    e->special_address == rec->special_address;
}

/* snprintf(dst, len, "%s", src) without the formatting: cut to fit. */
static void
copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Queue the period just written (new_id, superseding old_id or 0) for the
 * center, from the record in hand (no read back). */
static int
queue_period(struct store_import *im, const struct extract_record *rec, int64_t rid,
    int64_t new_id, int64_t old_id)
{
	struct eligibility e;
	int r;

	if (im->qw == NULL && (r = store_queue_writer_new(im->st, &im->qw)) != 0)
		return r;
	memset(&e, 0, sizeof(e));
	e.id = new_id;
	e.resident_id = rid;
	copy_text(e.insurer_number, sizeof(e.insurer_number), rec->insurer_number);
	copy_text(e.symbol, sizeof(e.symbol), rec->symbol);
	copy_text(e.number, sizeof(e.number), rec->number);
	copy_text(e.branch, sizeof(e.branch), rec->branch);
	copy_text(e.cert_kind, sizeof(e.cert_kind), rec->cert_kind);
	e.short_months = rec->short_months;
	memcpy(e.acquired_on, rec->acquired_on, sizeof(e.acquired_on));
	memcpy(e.lost_on, rec->lost_on, sizeof(e.lost_on));
	memcpy(e.valid_until, rec->valid_until, sizeof(e.valid_until));
	e.burden_pct = rec->burden_pct;
	memcpy(e.burden_from, rec->burden_from, sizeof(e.burden_from));
	e.special_address = rec->special_address;
	return queue_eligibility_record(im->st, im->qw, &e, old_id, NULL);
}

/* Add the record's period unless the same one is in force; a changed one
 * supersedes the period with the same acquisition date. *changed set. */
static int
apply_eligibility(struct store_import *im, const struct extract_record *rec, int64_t rid,
    int is_new, const char *file, size_t line, int *changed, struct store_import_result *res)
{
	sqlite3_stmt *s;
	struct eligibility old;
	int64_t old_id = 0, new_id;
	char old_lost[11] = "";
	int r, rc;

	*changed = 0;
	if (!rec->has_nhi)
		return 0;
	if (!is_new) {
		s = im->q[Q_ELIG_SAME];
		sqlite3_bind_int64(s, 1, rid);
		sqlite3_bind_text(s, 2, rec->acquired_on, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			store_eligibility_from_row(s, &old);
			finish(s);
			if (elig_equal(&old, rec))
				return 0;
			old_id = old.id;
			snprintf(old_lost, sizeof(old_lost), "%s", old.lost_on);
		} else {
			finish(s);
			if (rc != SQLITE_DONE)
				return store_err(im->st, rc, "read eligibility");
		}
	}
	s = im->q[Q_ELIG_INSERT];
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_text(s, 2, rec->insurer_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rec->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, rec->number, -1, SQLITE_STATIC);
	bind_opt(s, 5, rec->branch);
	sqlite3_bind_text(s, 6, rec->cert_kind, -1, SQLITE_STATIC);
	if (rec->short_months)
		sqlite3_bind_int(s, 7, rec->short_months);
	sqlite3_bind_text(s, 8, rec->acquired_on, -1, SQLITE_STATIC);
	bind_opt(s, 9, rec->lost_on);
	bind_opt(s, 10, rec->valid_until);
	if (rec->burden_pct)
		sqlite3_bind_int(s, 11, rec->burden_pct);
	bind_opt(s, 12, rec->burden_from);
	sqlite3_bind_int(s, 13, rec->special_address);
	if (old_id != 0)
		sqlite3_bind_text(s, 14, "correction by a later extract", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 15, im->now, -1, SQLITE_STATIC);
	if ((r = step_done(im, s, "add eligibility period")) != 0)
		return r;
	new_id = sqlite3_last_insert_rowid(im->st->db);
	if (old_id != 0) {
		s = im->q[Q_ELIG_SUPERSEDE];
		sqlite3_bind_int64(s, 1, old_id);
		sqlite3_bind_int64(s, 2, new_id);
		if ((r = step_done(im, s, "supersede eligibility period")) != 0)
			return r;
	}
	/* The center learns of it in the import's transaction. */
	if ((r = queue_period(im, rec, rid, new_id, old_id)) != 0)
		return r;
	*changed = 1;
	check_eligibility(im, rec, rid, file, line, old_id != 0 ? old_lost : NULL, res);
	return 0;
}

/*
 * Another resident with a person code whose four basic items all equal
 * `mine`: *id (0 when none) and its person code. One index look-up (birth
 * date) or, in an initial load, one hash probe: never a scan.
 */
static int
find_same_person(struct store_import *im, const struct text_basic_items *mine,
    uint64_t key, int64_t *id, char *code, size_t codelen)
{
	struct text_basic_items other;
	sqlite3_stmt *s;
	size_t pos = SIZE_MAX;
	int64_t cand;
	int rc;

	*id = 0;
	if (im->initial_load) {
		s = im->q[Q_RES_BY_ID];
		while (*id == 0 && (cand = items_next(&im->items, key, &pos)) != 0) {
			sqlite3_bind_int64(s, 1, cand);
			if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
				text_basic_items_make((const char *)sqlite3_column_text(s, 1),
				    (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3),
				    (const char *)sqlite3_column_text(s, 4), &other);
				if (text_basic_items_diff(mine, &other) == 0) {
					*id = cand;
					snprintf(code, codelen, "%s", sqlite3_column_text(s, 0));
				}
				text_basic_items_free(&other);
			}
			finish(s);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				return store_err(im->st, rc, "match residents");
		}
		return 0;
	}
	s = im->q[Q_SAME_ITEMS];
	sqlite3_bind_text(s, 1, mine->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, mine->sex);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		text_basic_items_make((const char *)sqlite3_column_text(s, 2), mine->birth_date,
		    mine->sex, (const char *)sqlite3_column_text(s, 3), &other);
		if (text_basic_items_diff(mine, &other) == 0) {
			*id = sqlite3_column_int64(s, 0);
			snprintf(code, codelen, "%s", sqlite3_column_text(s, 1));
		}
		text_basic_items_free(&other);
		if (*id != 0)
			break;
	}
	finish(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(im->st, rc, "match residents");
	return 0;
}

/* A new person: merge with a counter enrolment matching all four items,
 * hold a partial match or a resident with another person code matching
 * all four, else insert. */
static int
new_person(struct store_import *im, const struct extract_record *rec, const char *file,
    size_t line, int flags, struct store_import_result *res)
{
	static const char *const item_names[] = { "name", "birth date", "sex", "address" };
	struct text_basic_items mine, other;
	sqlite3_stmt *s;
	int64_t merge = 0, partial = 0, hh;
	uint64_t key = 0;
	unsigned diff, pdiff = 0;
	const char *status = status_for(rec, NULL);
	const char *status_date = rec->event == EXTRACT_EV_FULL ? "" : rec->event_date;
	int r, rc, changed, bits, i;

	if (im->unmatched > 0) {
		text_basic_items_make(rec->name_kanji, rec->birth_date, rec->sex, rec->address,
		    &mine);
		s = im->q[Q_UNMATCHED];
		sqlite3_bind_text(s, 1, rec->birth_date, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, rec->name_kanji, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			text_basic_items_make((const char *)sqlite3_column_text(s, 1),
			    (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3),
			    (const char *)sqlite3_column_text(s, 4), &other);
			diff = text_basic_items_diff(&mine, &other);
			text_basic_items_free(&other);
			for (bits = 0, i = 0; i < 4; i++)
				bits += (diff >> i) & 1;
			if (diff == 0) {
				merge = sqlite3_column_int64(s, 0);
				break;
			}
			/* Three of the four items agree: likely the same person
			 * with one item changed or mistyped, for a clerk to
			 * judge. Two shared items (a common name and the sex)
			 * say nothing about identity. */
			if (bits == 1 && partial == 0) {
				partial = sqlite3_column_int64(s, 0);
				pdiff = diff;
			}
		}
		finish(s);
		text_basic_items_free(&mine);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_err(im->st, rc, "match counter enrolments");
		/* A clerk who forces the record has looked at the partial match. */
		if (merge == 0 && partial != 0 && !(flags & STORE_IMPORT_FORCE)) {
			size_t o = (size_t)snprintf(res->reason, sizeof(res->reason),
			    "partially matches counter enrolment #%lld; differs in",
			    (long long)partial);
			for (i = 0; i < 4 && o < sizeof(res->reason); i++)
				if (pdiff & (1u << i))
					o += (size_t)snprintf(res->reason + o, sizeof(res->reason) - o,
					    " %s", item_names[i]);
			return hold(im, "conflict", rec, partial, file, line, res);
		}
	}
	if (merge == 0) {
		char code[24] = "";
		int64_t same = 0;

		/* Normalized in the import's scratch buffers: no copy a record. */
		text_name_normalize(rec->name_kanji, &im->norm_a);
		text_address_normalize(rec->address, &im->norm_b);
		memset(&mine, 0, sizeof(mine));
		mine.name = im->norm_a.p;
		mine.address = im->norm_b.p;
		memcpy(mine.birth_date, rec->birth_date, sizeof(mine.birth_date));
		mine.sex = rec->sex;
		key = items_hash(&mine);
		if (!(flags & STORE_IMPORT_FORCE) &&
		    (r = find_same_person(im, &mine, key, &same, code, sizeof(code))) != 0)
			return r;
		/* Never merged nor duplicated silently: the wrong-linkage
		 * lesson. A clerk who forces it has judged them two people. */
		if (same != 0) {
			snprintf(res->reason, sizeof(res->reason), "all four basic items match "
			    "resident #%lld (person code %s): the same person under a new "
			    "person code?", (long long)same, code);
			return hold(im, "conflict", rec, same, file, line, res);
		}
	}
	if ((r = household_id(im, rec, &hh)) != 0)
		return r;
	if (merge != 0) {
		s = im->q[Q_RES_UPDATE];
		bind_person(im, s, rec, hh, status, status_date, rec->event_date);
		sqlite3_bind_int64(s, 18, merge);
		if ((r = step_done(im, s, "merge counter enrolment")) != 0)
			return r;
		im->unmatched--;
		res->resident_id = merge;
		res->outcome = STORE_IMPORT_MERGED;
		return apply_eligibility(im, rec, merge, 0, file, line, &changed, res);
	}
	s = im->q[Q_RES_INSERT];
	bind_person(im, s, rec, hh, status, status_date, rec->event_date);
	if ((r = step_done(im, s, "add resident")) != 0)
		return r;
	res->resident_id = sqlite3_last_insert_rowid(im->st->db);
	res->outcome = STORE_IMPORT_NEW;
	if (im->initial_load && (r = items_put(&im->items, key, res->resident_id)) != 0)
		return r;
	return apply_eligibility(im, rec, res->resident_id, 1, file, line, &changed, res);
}

/*
 * Which identity items of a known person the record contradicts beyond the
 * event it carries (TEXT_ITEM_* bits): the birth date and the sex always
 * (corrections a clerk must see), the name unless the record is a
 * NAME_CHANGE. Names are compared normalized (blanks do not count).
 */
static unsigned
identity_diff(struct store_import *im, const struct known *k,
    const struct extract_record *rec)
{
	unsigned d = 0;

	if (strcmp(k->birth_date, rec->birth_date) != 0)
		d |= TEXT_ITEM_BIRTH;
	if (k->sex != rec->sex)
		d |= TEXT_ITEM_SEX;
	if (rec->event != EXTRACT_EV_NAME_CHANGE && strcmp(k->name_kanji, rec->name_kanji) != 0) {
		text_name_normalize(k->name_kanji, &im->norm_a);
		text_name_normalize(rec->name_kanji, &im->norm_b);
		if (strcmp(im->norm_a.p, im->norm_b.p) != 0)
			d |= TEXT_ITEM_NAME;
	}
	return d;
}

/* The day a record ends the person's NHI on, "" when it does not: the day
 * after a death or a move out; the extract's date for a full-extract line
 * without insurance. */
static void
period_end_of(const struct store_import *im, const struct extract_record *rec, char out[11])
{
	struct nhi_date d;

	out[0] = '\0';
	if ((rec->event == EXTRACT_EV_DEATH || rec->event == EXTRACT_EV_MOVE_OUT) &&
	    date_parse(rec->event_date, &d) == 0) {
		date_add_days(&d, 1, &d);
		date_format(&d, out, 11);
	} else if (rec->event == EXTRACT_EV_FULL && !rec->has_nhi)
		snprintf(out, 11, "%s", rec->event_date[0] ? rec->event_date :
		    im->extract_date[0] ? im->extract_date : im->today);
}

/*
 * End every period of `rid` still open on `end` (not superseded, no loss
 * date or a later one) and acquired before it: a superseding period with
 * lost_on `end`, queued for the center like any other. *changed set.
 */
static int
end_open_periods(struct store_import *im, const struct extract_record *rec, int64_t rid,
    const char *end, const char *file, size_t line, int *changed,
    struct store_import_result *res)
{
	struct eligibility *open = NULL;
	struct extract_record eff;
	size_t n = 0, i;
	sqlite3_stmt *s = im->q[Q_ELIG_OPEN];
	int r = 0, rc, ch;

	*changed = 0;
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_text(s, 2, end, -1, SQLITE_STATIC);
	/* Read them all first: the loop below writes the same table. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		open = xreallocarray(open, n + 1, sizeof(*open));
		store_eligibility_from_row(s, &open[n]);
		if (strcmp(open[n].acquired_on, end) < 0)
			n++;
	}
	finish(s);
	if (rc != SQLITE_DONE) {
		free(open);
		return store_err(im->st, rc, "read open periods");
	}
	for (i = 0; i < n && r == 0; i++) {
		eff = *rec;
		eff.has_nhi = 1;
		eff.insurer_number = open[i].insurer_number;
		eff.symbol = open[i].symbol;
		eff.number = open[i].number;
		eff.branch = open[i].branch;
		eff.cert_kind = open[i].cert_kind;
		eff.short_months = open[i].short_months;
		memcpy(eff.acquired_on, open[i].acquired_on, sizeof(eff.acquired_on));
		snprintf(eff.lost_on, sizeof(eff.lost_on), "%s", end);
		memcpy(eff.valid_until, open[i].valid_until, sizeof(eff.valid_until));
		eff.burden_pct = open[i].burden_pct;
		memcpy(eff.burden_from, open[i].burden_from, sizeof(eff.burden_from));
		eff.special_address = open[i].special_address;
		r = apply_eligibility(im, &eff, rid, 0, file, line, &ch, res);
		*changed |= ch;
	}
	free(open);
	return r;
}

/* Why a record cannot be applied to the person as the store knows them
 * (out of order); "" when it can. */
static void
order_problem(const struct known *k, const struct extract_record *rec, char *why, size_t len)
{
	why[0] = '\0';
	if (strcmp(k->status, "deceased") == 0)
		snprintf(why, len, "%s for a person recorded as deceased on %s",
		    extract_event_name(rec->event), k->status_date);
	else if (strcmp(k->status, "moved_out") == 0 && rec->event != EXTRACT_EV_MOVE_IN)
		snprintf(why, len, "%s for a person recorded as moved out on %s",
		    extract_event_name(rec->event), k->status_date);
	else if (rec->event_date[0] && k->last_event_date[0] &&
	    strcmp(rec->event_date, k->last_event_date) < 0)
		snprintf(why, len, "%s dated %s, but the last event applied is dated %s",
		    extract_event_name(rec->event), rec->event_date, k->last_event_date);
	else if (rec->event == EXTRACT_EV_BIRTH)
		snprintf(why, len, "BIRTH for a person already known");
	else if (rec->event == EXTRACT_EV_MOVE_IN && strcmp(k->status, "resident") == 0)
		snprintf(why, len, "MOVE_IN for a person already resident");
}

static int
apply_benefit(struct store_import *im, const struct extract_record *rec, const char *file,
    size_t line, struct store_import_result *res)
{
	struct known k;
	sqlite3_stmt *s;
	int64_t old = 0;
	int r, rc, found;

	if ((r = find_known(im, rec, &k, &found)) != 0)
		return r;
	if (!found) {
		snprintf(res->reason, sizeof(res->reason), "BENEFIT for unknown person code %s",
		    rec->person_code);
		return hold(im, "unknown_person", rec, 0, file, line, res);
	}
	res->resident_id = k.id;
	known_free(&k);
	s = im->q[Q_BEN_SAME];
	sqlite3_bind_int64(s, 1, res->resident_id);
	sqlite3_bind_text(s, 2, rec->benefit_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rec->valid_from, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(s, 1), rec->payer_number) == 0 &&
		    strcmp((const char *)sqlite3_column_text(s, 2), rec->recipient_number) == 0 &&
		    strcmp((const char *)sqlite3_column_text(s, 3), rec->benefit_until) == 0) {
			finish(s);
			res->outcome = STORE_IMPORT_UNCHANGED;
			return 0;
		}
		old = sqlite3_column_int64(s, 0);
	}
	finish(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(im->st, rc, "read benefit");
	s = im->q[Q_BEN_INSERT];
	sqlite3_bind_int64(s, 1, res->resident_id);
	sqlite3_bind_text(s, 2, rec->benefit_kind, -1, SQLITE_STATIC);
	bind_opt(s, 3, rec->payer_number);
	bind_opt(s, 4, rec->recipient_number);
	sqlite3_bind_text(s, 5, rec->valid_from, -1, SQLITE_STATIC);
	bind_opt(s, 6, rec->benefit_until);
	sqlite3_bind_text(s, 7, im->now, -1, SQLITE_STATIC);
	if ((r = step_done(im, s, "add benefit")) != 0)
		return r;
	if (old != 0) {
		int64_t id = sqlite3_last_insert_rowid(im->st->db);
		s = im->q[Q_BEN_SUPERSEDE];
		sqlite3_bind_int64(s, 1, old);
		sqlite3_bind_int64(s, 2, id);
		if ((r = step_done(im, s, "supersede benefit")) != 0)
			return r;
	}
	res->outcome = old != 0 ? STORE_IMPORT_UPDATED : STORE_IMPORT_NEW;
	return 0;
}

static int
record_event(struct store_import *im, const struct extract_record *rec, int64_t rid,
    const char *file, size_t line)
{
	sqlite3_stmt *s = im->q[Q_EVENT_INSERT];

	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_text(s, 2, extract_event_name(rec->event), -1, SQLITE_STATIC);
	bind_opt(s, 3, rec->event_date);
	sqlite3_bind_text(s, 4, im->csv.p, (int)im->csv.len, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)line);
	sqlite3_bind_text(s, 7, im->now, -1, SQLITE_STATIC);
	return step_done(im, s, "record event");
}

int
store_import_apply(struct store_import *im, const struct extract_record *rec,
    const char *file, size_t line, int flags, struct store_import_result *res)
{
	struct known k = { 0 };
	struct extract_record eff;
	sqlite3_stmt *s;
	const char *status, *status_date, *last_event;
	char end[11];
	unsigned idiff;
	int64_t hh;
	int r, rc, found = 0, changed = 0, is_change = rec->event != EXTRACT_EV_FULL;

	memset(res, 0, sizeof(*res));
	if (rec->event == EXTRACT_EV_BENEFIT)
		return apply_benefit(im, rec, file, line, res);
	if (is_change) {
		/* The same change record twice is applied once. */
		(void)extract_format_csv(rec, &im->csv);
		if (im->csv.len > 0 && im->csv.p[im->csv.len - 1] == '\n')
			im->csv.p[--im->csv.len] = '\0';
		s = im->q[Q_EVENT_SEEN];
		sqlite3_bind_text(s, 1, im->csv.p, (int)im->csv.len, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			res->resident_id = sqlite3_column_int64(s, 0);
		finish(s);
		if (rc == SQLITE_ROW) {
			res->outcome = STORE_IMPORT_UNCHANGED;
			return 0;
		}
		if (rc != SQLITE_DONE)
			return store_err(im->st, rc, "read applied events");
	}
	if ((r = find_known(im, rec, &k, &found)) != 0)
		return r;
	if (!found) {
		if (rec->event == EXTRACT_EV_FULL || rec->event == EXTRACT_EV_BIRTH ||
		    rec->event == EXTRACT_EV_MOVE_IN || (flags & STORE_IMPORT_FORCE)) {
			if ((r = new_person(im, rec, file, line, flags, res)) != 0 ||
			    res->outcome == STORE_IMPORT_HELD)
				return r;
			if (is_change) {
				im->created_by_change = 1;
				(void)extract_format_csv(rec, &im->csv);
				if (im->csv.len > 0 && im->csv.p[im->csv.len - 1] == '\n')
					im->csv.p[--im->csv.len] = '\0';
				return record_event(im, rec, res->resident_id, file, line);
			}
			return 0;
		}
		snprintf(res->reason, sizeof(res->reason), "%s for unknown person code %s",
		    extract_event_name(rec->event), rec->person_code);
		return hold(im, "unknown_person", rec, 0, file, line, res);
	}
	res->resident_id = k.id;
	/* A person code is the same person: a line that says otherwise is a
	 * correction for a clerk, or a sign of a wrong file (counted). */
	im->known++;
	if ((idiff = identity_diff(im, &k, rec)) != 0)
		im->disagreeing++;
	/* A full-extract line older than an event already applied is stale:
	 * the store knows better, and re-importing old extracts must not undo
	 * later changes nor pile up held items. */
	if (rec->event == EXTRACT_EV_FULL && rec->event_date[0] && k.last_event_date[0] &&
	    strcmp(rec->event_date, k.last_event_date) < 0 && !(flags & STORE_IMPORT_FORCE)) {
		res->outcome = STORE_IMPORT_UNCHANGED;
		snprintf(res->reason, sizeof(res->reason), "older than the last event applied "
		    "(%s): skipped", k.last_event_date);
		r = 0;
		goto out;
	}
	if (idiff != 0 && !(flags & STORE_IMPORT_FORCE)) {
		size_t o = (size_t)snprintf(res->reason, sizeof(res->reason), "%s for person "
		    "code %s differs from the store in", extract_event_name(rec->event),
		    rec->person_code);
		if (idiff & TEXT_ITEM_NAME)
			o += (size_t)snprintf(res->reason + o, sizeof(res->reason) - o, " name");
		if ((idiff & TEXT_ITEM_BIRTH) && o < sizeof(res->reason))
			o += (size_t)snprintf(res->reason + o, sizeof(res->reason) - o,
			    " birth date");
		if ((idiff & TEXT_ITEM_SEX) && o < sizeof(res->reason))
			o += (size_t)snprintf(res->reason + o, sizeof(res->reason) - o, " sex");
		if (o < sizeof(res->reason))
			snprintf(res->reason + o, sizeof(res->reason) - o, " (a name changes "
			    "by NAME_CHANGE; a birth date or sex only by a clerk's correction)");
		r = hold(im, "conflict", rec, k.id, file, line, res);
		goto out;
	}
	if (!(flags & STORE_IMPORT_FORCE)) {
		if (rec->event == EXTRACT_EV_FULL && strcmp(k.status, "resident") != 0)
			snprintf(res->reason, sizeof(res->reason), "full extract lists a person "
			    "recorded as %s on %s", k.status, k.status_date);
		else
			order_problem(&k, rec, res->reason, sizeof(res->reason));
		if (res->reason[0] != '\0') {
			r = hold(im, "out_of_order", rec, k.id, file, line, res);
			goto out;
		}
	}
	if ((r = household_id(im, rec, &hh)) != 0)
		goto out;
	status = status_for(rec, k.status);
	status_date = is_change && rec->event != EXTRACT_EV_NAME_CHANGE &&
	    rec->event != EXTRACT_EV_HOUSEHOLD_CHANGE && rec->event != EXTRACT_EV_MOVE_WITHIN ?
	    rec->event_date : k.status_date;
	last_event = rec->event_date[0] && strcmp(rec->event_date, k.last_event_date) > 0 ?
	    rec->event_date : k.last_event_date;
	if (!same_person_data(&k, rec, hh, status, status_date, last_event)) {
		s = im->q[Q_RES_UPDATE];
		bind_person(im, s, rec, hh, status, status_date, last_event);
		sqlite3_bind_int64(s, 18, k.id);
		if ((r = step_done(im, s, "update resident")) != 0)
			goto out;
		changed = 1;
	}
	/* A death or a move out ends the period the day after, whatever
	 * the line's loss date says (a later one is cut back to it). */
	period_end_of(im, rec, end);
	eff = *rec;
	if (end[0] != '\0' && rec->has_nhi &&
	    (eff.lost_on[0] == '\0' || strcmp(eff.lost_on, end) > 0) &&
	    strcmp(eff.acquired_on, end) < 0)
		memcpy(eff.lost_on, end, sizeof(eff.lost_on));
	if ((r = apply_eligibility(im, &eff, k.id, 0, file, line, &found, res)) != 0)
		goto out;
	changed |= found;
	if (end[0] != '\0') {
		if ((r = end_open_periods(im, rec, k.id, end, file, line, &found, res)) != 0)
			goto out;
		changed |= found;
	}
	if (is_change) {
		(void)extract_format_csv(rec, &im->csv);
		if (im->csv.len > 0 && im->csv.p[im->csv.len - 1] == '\n')
			im->csv.p[--im->csv.len] = '\0';
		if ((r = record_event(im, rec, k.id, file, line)) != 0)
			goto out;
	}
	res->outcome = changed ? STORE_IMPORT_UPDATED : STORE_IMPORT_UNCHANGED;
	r = 0;
out:
	known_free(&k);
	return r;
}

void
store_import_set_policy(struct store_import *im, const struct rules_policy *policy)
{
	im->policy = *policy;
}

void
store_import_set_extract_date(struct store_import *im, const char *date)
{
	snprintf(im->extract_date, sizeof(im->extract_date), "%s", date != NULL ? date : "");
}

void
store_import_identity_counts(const struct store_import *im, size_t *known,
    size_t *disagreeing)
{
	*known = im->known;
	*disagreeing = im->disagreeing;
}

void
store_import_prepare_process(void)
{
	/* Memory statistics take a global mutex on every allocation; a bulk
	 * import makes millions. Only possible before SQLite initializes (the
	 * call is refused, harmlessly, afterwards). */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
