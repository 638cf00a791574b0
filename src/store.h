/*
 * store.h: the station's embedded store (SQLite).
 *
 * One SQLite file holds everything the station knows: residents, households,
 * eligibility periods, cards and their events, certificates, the outbound
 * queue, operators and the audit log. It runs in WAL mode with foreign keys
 * on, synchronous=FULL and a busy timeout, so a committed write survives a
 * power cut and a second process waits instead of failing.
 *
 * The schema is versioned with PRAGMA user_version and migrated forward, in
 * order, each step in its own transaction, when a store is opened. A store
 * written by a newer nhicard is refused (NHI_ESTORE_VERSION), never touched.
 *
 * Only files named store*.c call SQLite; every statement is prepared.
 */
#ifndef NHI_STORE_H
#define NHI_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* The schema version this program writes. */
int store_schema_latest(void);

enum store_open_flags {
	STORE_CREATE = 1 << 0,	/* create a new store; fail if the file exists */
	STORE_READONLY = 1 << 1,	/* no writes and no migration */
};

/*
 * Open the store at `path`. With STORE_CREATE the file is created with mode
 * 0600 and the latest schema; the file must not exist. Without it the file
 * must exist and is migrated forward (unless STORE_READONLY).
 * Returns 0 and sets *out (caller must store_close), or:
 *   NHI_ENOFILE        the directory, or (without STORE_CREATE) the file, is missing
 *   NHI_EEXISTS        STORE_CREATE and the file exists
 *   NHI_ESTORE_NOINIT  the file is not an nhicard store
 *   NHI_ESTORE_VERSION the schema is newer than this program
 *   NHI_ESTORE_CORRUPT the file is not a database
 *   NHI_EPERM, NHI_ESTORE, NHI_ESTORE_BUSY
 */
int	store_open(const char *path, int flags, struct store **out);

/*
 * `db init`: a new store built whole before it appears at `path`. The store
 * is created (as STORE_CREATE) in a temporary file next to it,
 * ".NAME.init-PID"; store_publish() puts it at `path`. A kill before that
 * leaves no store at `path`, only the temporary file, which the next
 * store_create removes (*removed: how many such files of a stopped process
 * it removed). NHI_EEXISTS when `path` exists. store_close without
 * store_publish removes the temporary file.
 */
int	store_create(const char *path, int *removed, struct store **out);
/* Make the store of store_create durable and move it to its path (never
 * over a file that appeared meanwhile: NHI_EEXISTS), then close it (also on
 * error). */
int	store_publish(struct store *st);

/* Close; NULL is a no-op. */
void	store_close(struct store *st);

/*
 * Whether a store may be used by one thread and then another (not at the
 * same time): SQLite built thread-safe. card-perso.c commits a new card
 * row on a second thread only then.
 */
int	store_threads_ok(void);

/* The path the store was opened with. */
const char *store_path(const struct store *st);

/* Who acts through this connection (an operator's login, copied; NULL:
 * the station itself), for audit entries written below the commands (the
 * queue's). session_store() keeps it current. */
void	store_set_actor(struct store *st, const char *login);
const char *store_actor(const struct store *st);

/* The schema version of the open store. */
int	store_schema_version(struct store *st, int *out);

/*
 * Transactions. store_begin takes the write lock at once (BEGIN IMMEDIATE),
 * so a transaction never fails half-way on a lock. Nesting is not allowed.
 */
int	store_begin(struct store *st);
int	store_commit(struct store *st);
/* Roll back if a transaction is open; safe to call in any cleanup path. */
void	store_rollback(struct store *st);

/*
 * Run SQLite's integrity_check and foreign_key_check. On success *report
 * (caller must free) holds "ok" or the problems found, one per line, and
 * *ok is 1 if none.
 */
int	store_check(struct store *st, char **report, int *ok);

/* The meta key holding the station mode the store was created for
 * ("demo", "test", "production"): the store, not a configuration file,
 * decides it (docs/operators.md). */
#define STORE_META_STATION_MODE	"station_mode"
/* "pending" after `nhicard restore` until the center's acknowledgement
 * has said what it holds (store-backup.c, docs/backup.md). */
#define STORE_META_RESTORED	"restored"

/*
 * A consistent copy of the live store at `dest` (a new file, 0600) with
 * SQLite's online backup: other processes may keep writing. 0, NHI_EEXISTS
 * (dest exists), NHI_EIO.
 */
int	store_backup_to(struct store *st, const char *dest);

/* *pending = 1 while a restored store waits for the center's word. */
int	store_restore_pending(struct store *st, int *pending);

/* A meta value ("station_id", "created_at"); caller must free *out. */
int	store_meta_get(struct store *st, const char *key, char **out);
int	store_meta_set(struct store *st, const char *key, const char *value);

/* Row counts of the main tables, for `db check` and tests. */
int	store_count(struct store *st, const char *table, int64_t *out);

/* The SQLite library version, for `nhicard version`. */
const char *store_library_version(void);


/* ---- Cards and card events (store-card.c) ----------------------------
 *
 * One row per NHI key written (or being written) to a card; see
 * docs/card-profile.md 5.2 for the states. Every function that changes a
 * row does it in its own transaction together with its card_events row,
 * so callers must not hold a transaction. Personal data never goes into
 * state_reason or event details: they name steps, status words and ids.
 */

#define STORE_USER_NUMBER_LEN	16
#define STORE_KEY_RECORD_MAX	512

struct store_card {
	int64_t		 id;
	int64_t		 resident_id;
	char		 kind[16];		/* juki_existing, juki_new, standalone */
	char		 card_serial[24];	/* lower-case hex of the 10-byte serial */
	uint8_t		 user_number[STORE_USER_NUMBER_LEN];
	int		 key_generation;
	char		 state[16];		/* personalizing, unfinished, active, ... */
	char		 state_reason[256];	/* "" if none */
	char		 step[32];		/* "" if none */
	uint8_t		 public_key[65];
	size_t		 public_key_len;	/* 0 until known */
	uint8_t		 key_record[STORE_KEY_RECORD_MAX];
	size_t		 key_record_len;	/* 0 until written */
	char		 issued_on[11];		/* YYYY-MM-DD, "" until active */
	int		 fee_yen;
	int		 fee_waived;
	char		 created_at[24], updated_at[24];
};

/*
 * Record the start of a personalization: insert `c` (id, state and times
 * are set here: state personalizing) with a "personalize_start" event
 * whose detail is `detail`. Sets c->id. Returns 0, NHI_EDUPLICATE when the
 * user number is already taken (draw another and retry), or a store error.
 * Joins the caller's open transaction (the card bureau's loop records its
 * cards in groups), else runs in its own.
 */
int	store_card_insert(struct store *st, struct store_card *c, const char *detail);

/*
 * Move card `id` to `state` (personalizing, unfinished), setting step and
 * state_reason (NULL keeps them) and adding event `event` with `detail`;
 * the life cycle (lifecycle.h) must allow `event` from the row's state
 * and lead to `state`. Joins the caller's transaction when one is open. Only from a state in `from` (a
 * comma-separated list such as "personalizing,unfinished"; NULL: any);
 * otherwise NHI_ESTATE. Returns 0, NHI_ENOTFOUND, NHI_ESTATE or a store
 * error.
 */
int	store_card_set_state(struct store *st, int64_t id, const char *from,
	    const char *state, const char *step, const char *reason,
	    const char *event, const char *detail);

/*
 * Finish a personalization: card `id` (personalizing or unfinished)
 * becomes active with its public key, key record and issue date, and an
 * "activated" event. NHI_ESTATE if the row is in another state, or if the
 * resident already has another active card (the store allows one).
 */
int	store_card_activate(struct store *st, int64_t id, const uint8_t *public_key,
	    size_t public_key_len, const uint8_t *key_record, size_t key_record_len,
	    const char *issued_on, const char *detail);

/* Add an event to card `id` without changing its state. */
int	store_card_event(struct store *st, int64_t id, const char *event,
	    const char *detail);

/*
 * Apply life-cycle event `event` (lifecycle.h: report_lost, revoke_*,
 * replace, reinstate, ...) to card `id`: the state and reason follow
 * lifecycle_next(), anything it refuses is NHI_ESTATE with its detail. The
 * card_events row records `detail` and, for a loss report, who reported it
 * and how (counter, phone, mail; NULL otherwise). Joins the caller's open
 * transaction (so queue and audit records commit with it), else runs in
 * its own. *after (may be NULL) is the row afterwards. Returns 0,
 * NHI_ENOTFOUND, NHI_ESTATE (refused, or a second active card for the
 * resident) or a store error.
 */
int	store_card_transition(struct store *st, int64_t id, const char *event,
	    const char *detail, const char *reported_by, const char *report_how,
	    struct store_card *after);

/* The card of resident `resident_id` (other than card `except`) that last
 * had a card event `event` ("report_lost", ...): 0 with *out and the
 * event's time in `at`, or NHI_ENOTFOUND (no detail set). */
int	store_card_last_report(struct store *st, int64_t resident_id, const char *event,
	    int64_t except, struct store_card *out, char at[24]);

/* The resident's newest card in `state`: 0 and *out, or NHI_ENOTFOUND. */
int	store_card_latest_for_resident(struct store *st, int64_t resident_id,
	    const char *state, struct store_card *out);

/* The resident's newest card that a replacement supersedes (suspended, or
 * revoked as stolen or damaged): 0 and *out, or NHI_ENOTFOUND. */
int	store_card_replaceable(struct store *st, int64_t resident_id,
	    struct store_card *out);

/* Active cards whose resident has no NHI eligibility period in force on
 * `on` (YYYY-MM-DD), by id. *ids (caller must free) and *n set. */
int	store_card_active_without_eligibility(struct store *st, const char *on,
	    int64_t **ids, size_t *n);

/* Look-ups: 0 and *out filled, or NHI_ENOTFOUND (or a store error). */
int	store_card_get(struct store *st, int64_t id, struct store_card *out);
int	store_card_by_user_number(struct store *st,
	    const uint8_t user_number[STORE_USER_NUMBER_LEN], struct store_card *out);
/* The newest personalizing or unfinished row for a card serial. */
int	store_card_pending_by_serial(struct store *st, const char *card_serial,
	    struct store_card *out);
/* The newest row of any state for a card serial. */
int	store_card_latest_by_serial(struct store *st, const char *card_serial,
	    struct store_card *out);
/* The resident's active card. */
int	store_card_active_for_resident(struct store *st, int64_t resident_id,
	    struct store_card *out);

/* The highest key generation of the resident's cards, 0 if none. */
int	store_card_max_generation(struct store *st, int64_t resident_id, int *out);

/* Events of card `id`, oldest first, as "at event from>to detail" lines;
 * *out (caller must free) is "" when there are none. */
int	store_card_events_text(struct store *st, int64_t id, char **out);

/* ---- Residents, households, eligibility, benefits, imports -----------
 * (store-resident.c, store-household.c, store-eligibility.c,
 *  store-held.c, import.c)
 *
 * A resident is keyed by the store's row id; person_code is the town's
 * 宛名番号 (NULL for a counter enrolment not yet matched with an extract),
 * never the 住民票コード. Dates are "YYYY-MM-DD" ("" when absent).
 * Eligibility periods and benefits are never overwritten: a correction
 * adds a row and points the old one at it (superseded_by).
 */

struct extract_record;

/* Bits of residents.name_flags (the same values as TEXT_F_* in text.h). */
#define STORE_NAME_GAIJI	0x01	/* 外字 kept in the name: see text.h */
#define STORE_NAME_HALFWIDTH	0x02	/* the kana arrived half-width */
#define STORE_ADDRESS_GAIJI	0x04	/* 外字 kept in the address */

struct resident {
	int64_t	 id;
	char	*person_code;		/* NULL: counter enrolment, not matched */
	int64_t	 household_id;		/* 0: none */
	char	*household_code;	/* "" when none */
	int	 is_head;
	char	*name_kanji;		/* as received; 外字 kept (text.h) */
	char	*name_kana;		/* as received (may be half-width) */
	char	*name_kana_norm;	/* full-width katakana, no blanks */
	char	 birth_date[11];
	int	 sex;			/* 1 male, 2 female, 9 n/a */
	char	*address;
	char	*address_code;		/* "" when none */
	char	*nationality;		/* "" for Japanese */
	char	*residence_status;	/* "" when none */
	char	 stay_until[11];
	char	 status[16];		/* resident, moved_out, deceased */
	char	 status_date[11];
	unsigned name_flags;		/* STORE_NAME_* */
	char	 origin[8];		/* extract, counter */
	char	 last_event_date[11];
	int	 sex_on_back;		/* 性別 on the back, at the person's request */
};

/* Free the strings of *r (not r itself) and zero it; NULL is a no-op. */
void	store_resident_free(struct resident *r);

/* 0 and *out filled (free with store_resident_free), or NHI_ENOTFOUND. */
int	store_resident_get(struct store *st, int64_t id, struct resident *out);
int	store_resident_find_by_code(struct store *st, const char *person_code,
	    struct resident *out);

/*
 * Enrol at the counter a person the last extract does not hold yet
 * (origin 'counter', no person code). r->household_code may be "" or name
 * a household (created if new). Names are normalized here (kana for
 * search). Sets r->id. Returns 0, NHI_EPARSE (a field missing or bad, with
 * detail), or a store error. Runs in its own transaction unless one is open.
 */
int	store_resident_add(struct store *st, struct resident *r);

/*
 * Change the editable fields of resident `r->id` (names, address, sex,
 * birth date, nationality, residence status, stay end, head flag) to those
 * of *r. Returns 0, NHI_ENOTFOUND, NHI_EPARSE or a store error.
 */
int	store_resident_update(struct store *st, const struct resident *r);
/*
 * 性別 on the back of the certificate and sleeve (1) or on the front (0),
 * at the person's request: *changed 1 if it was otherwise before. Call it
 * in the transaction that audits the change. 0 or NHI_ENOTFOUND.
 */
int	store_resident_set_sex_on_back(struct store *st, int64_t id, int on, int *changed);

/* A search: every non-NULL, non-empty criterion must hold. */
struct resident_query {
	const char	*kana_prefix;	/* any width, hiragana or katakana */
	const char	*kanji_prefix;	/* blanks of any width, anywhere, ignored */
	int		 fold_variants;	/* kanji: 髙 finds 高 and back (text_kanji_variants) */
	const char	*birth_date;	/* YYYY-MM-DD */
	const char	*symbol;	/* 記号 (with number) */
	const char	*number;	/* 番号 */
	const char	*household_code;
	const char	*person_code;
	int		 include_gone;	/* also moved out and deceased */
};

/*
 * Residents matching *q, ordered by kana, at most `limit`. *out (free with
 * store_resident_list_free) and *n set; *n may be 0. NHI_EUSAGE if no
 * criterion is given.
 */
int	store_resident_search(struct store *st, const struct resident_query *q,
	    size_t limit, struct resident **out, size_t *n);
void	store_resident_list_free(struct resident *list, size_t n);

/*
 * Rows the searches of this connection have stepped over in full scans of
 * a table or index (SQLITE_STMTSTATUS_FULLSCAN_STEP), since it opened.
 * Every search a clerk makes runs on an index: the unit test and the
 * benchmark (a guard figure) hold this at 0. A 記号 without its 番号 is the
 * one search that scans (it names a district: thousands of residents).
 */
uint64_t store_search_fullscan_steps(const struct store *st);

/* Residents whose name or address holds 外字 (name_flags), for the clerk. */
int	store_resident_list_gaiji(struct store *st, size_t limit,
	    struct resident **out, size_t *n);

/*
 * The four basic items (氏名, 生年月日, 性別, 住所) of a resident in the
 * normalized form of text_basic_items() (text.h), which card
 * personalization compares with what a Juki card holds.
 * Caller frees with text_basic_items_free.
 */
struct text_basic_items;
int	store_resident_basic_items(struct store *st, int64_t id,
	    struct text_basic_items *out);

/* The household head's kanji name (世帯主氏名) for certificates. *out
 * caller must free. NHI_ENOTFOUND when the household has no head. */
int	store_household_head_name(struct store *st, int64_t household_id, char **out);

/*
 * Find or create a household by code; the address is updated when it
 * differs. Sets *id. Must run inside a transaction of the caller's.
 */
int	store_household_upsert(struct store *st, const char *household_code,
	    const char *address, const char *address_code, const char *now, int64_t *id);

struct eligibility {
	int64_t	 id;
	int64_t	 resident_id;
	char	 insurer_number[9];
	char	 symbol[48];		/* 記号 */
	char	 number[48];		/* 番号 */
	char	 branch[3];		/* 枝番, "" when none */
	char	 cert_kind[16];		/* hihokensha, tanki, shikaku_shomei, kakunin */
	int	 short_months;		/* tanki: 1, 3, 6; else 0 */
	char	 acquired_on[11];
	char	 lost_on[11];
	char	 valid_until[11];
	int	 burden_pct;		/* 0 or 10, 20, 30 */
	char	 burden_from[11];	/* 発効期日 */
	int	 special_address;	/* 住所地特例 */
	int64_t	 superseded_by;		/* 0: in force */
	char	 source[12];		/* extract, counter, correction */
	char	 note[128];
	char	 recorded_at[24];
};

/*
 * The period in force for resident `id` on `on` (YYYY-MM-DD; NULL: today):
 * not superseded, acquired on or before `on`, not lost before or on it
 * (lost_on is the first day without eligibility). Returns 0, NHI_ENOTFOUND.
 */
int	store_eligibility_current(struct store *st, int64_t resident_id, const char *on,
	    struct eligibility *out);

/* One period by id: 0 or NHI_ENOTFOUND. */
int	store_eligibility_get(struct store *st, int64_t id, struct eligibility *out);

/* Every period of a resident, oldest first, superseded ones included when
 * `all`. *out caller must free (one array). */
int	store_eligibility_list(struct store *st, int64_t resident_id, int all,
	    struct eligibility **out, size_t *n);

/*
 * Add period *e for e->resident_id. If `supersedes` is not 0 that period
 * (which must be in force and belong to the same resident) is superseded
 * by the new one: history is never overwritten. Sets e->id and
 * e->recorded_at. Runs in its own transaction unless one is open.
 * Returns 0, NHI_ENOTFOUND, NHI_ESTATE (already superseded) or a store error.
 */
int	store_eligibility_add(struct store *st, struct eligibility *e, int64_t supersedes);

/*
 * *id: the period in force for e->resident_id with every field of *e the
 * same (a counter entry made twice, as when a killed command is rerun), or
 * 0 when there is none.
 */
int	store_eligibility_find_same(struct store *st, const struct eligibility *e, int64_t *id);

struct benefit {
	int64_t	 id;
	int64_t	 resident_id;
	char	 kind[24];		/* extract_benefit_kind_known() */
	char	 payer_number[9];
	char	 recipient_number[24];
	char	 valid_from[11];
	char	 valid_until[11];
	int64_t	 superseded_by;
};
/* Benefits in force (not superseded) of a resident. *out caller must free. */
int	store_benefit_list(struct store *st, int64_t resident_id,
	    struct benefit **out, size_t *n);

/* Items held for a clerk (held_items). */
struct held_item {
	int64_t	 id;
	char	 kind[16];		/* unknown_person, out_of_order, conflict, finding */
	char	 person_code[16];
	int64_t	 resident_id;		/* 0 when none */
	char	 event[20];
	char	 event_date[11];
	char	 reason[256];
	char	*record;		/* canonical UTF-8 CSV line, "" for none */
	char	*source_file;		/* "" when none */
	int64_t	 source_line;
	char	 held_at[24];
	char	 resolved_at[24];	/* "" while open */
	char	 resolution[64];
};
/* Open items (all when `all`), oldest first; free with store_held_list_free. */
int	store_held_list(struct store *st, int all, struct held_item **out, size_t *n);
int	store_held_get(struct store *st, int64_t id, struct held_item *out);
void	store_held_list_free(struct held_item *list, size_t n);
void	store_held_free(struct held_item *h);
/* Close an open item with a resolution word ("applied", "discarded", ...).
 * NHI_ENOTFOUND, NHI_ESTATE (already resolved). */
int	store_held_resolve(struct store *st, int64_t id, const char *resolution);
/* The oldest open rule finding about resident `resident_id` (by id or by
 * its person code) into *out (may be NULL; free with store_held_free):
 * 0, NHI_ENOTFOUND when there is none (no detail set), or a store error.
 * While one is open nothing is printed or issued for the person. */
int	store_held_open_finding(struct store *st, int64_t resident_id,
	    struct held_item *out);
/* The ids of every resident with an open rule finding, ascending (for a
 * batch run that checks thousands: one query). *ids (caller must free;
 * NULL when *n is 0) and *n set; 0 or a store error. */
int	store_held_finding_residents(struct store *st, int64_t **ids, size_t *n);

#endif
