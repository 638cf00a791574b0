/*
 * batch.h: the batch engine (issue 9, docs/batch.md): runs over a
 * selection of residents, done item by item with checkpoints, so a killed
 * run resumes where it stopped and does no record twice.
 *
 *   run        one row in batch_runs: a kind (preissue, renew, revoke), the
 *              selection as given, kind-specific parameters, the day the
 *              run judges eligibility ("on"), a state (selected, running,
 *              done, cancelled) and a uid shown to the clerk
 *              ("B-20261125-0001": the date and a per-day number).
 *   item       one row in batch_items per selected person, numbered in
 *              mailing order (seq), with a snapshot (SHA-256 of the
 *              person's resident, household and eligibility data at
 *              selection time) and a state:
 *                pending    selected, nothing done yet
 *                prepared   the kind's first step is committed (renew:
 *                           serials allocated; preissue: user number
 *                           reserved; revoke: the card to revoke chosen)
 *                done       finished; never touched again
 *                exception  set aside for a clerk, with a code and a text
 *   checkpoint an item's work and its state change are committed in ONE
 *              store transaction (the item functions below join the
 *              caller's transaction), so after a crash an item is either
 *              wholly done or not at all, and a resumed run skips it.
 *
 * Stale data: before acting on an item, a kind calls batch_item_check()
 * inside its transaction: a person who moved away, died, lost NHI
 * eligibility or whose data changed since the selection is an exception,
 * never acted on with stale data.
 *
 * Nothing here writes to stdout/stderr but the progress reporter and the
 * report writers, which are given a FILE. SQL lives in batch-store.c.
 */
#ifndef NHI_BATCH_H
#define NHI_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct session;
struct flow_events;
struct store;

/* ---- Kinds and states (the text stored in the tables) ------------------- */

#define BATCH_KIND_PREISSUE	"preissue"
#define BATCH_KIND_RENEW	"renew"
#define BATCH_KIND_REVOKE	"revoke"

#define BATCH_RUN_SELECTED	"selected"	/* created, no item worked yet */
#define BATCH_RUN_RUNNING	"running"
#define BATCH_RUN_DONE		"done"		/* every item done or excepted */
#define BATCH_RUN_CANCELLED	"cancelled"

#define BATCH_ITEM_PENDING	"pending"
#define BATCH_ITEM_PREPARED	"prepared"
/* Prepared, not yet done: what a pre-issuance feed works on. */
#define BATCH_ITEM_OPEN		BATCH_ITEM_PREPARED
#define BATCH_ITEM_DONE		"done"
#define BATCH_ITEM_EXCEPTION	"exception"

/*
 * Exception codes (batch_items.exception). A kind may add its own (short,
 * lower-case, no personal data): "has_card", "rules_refused", ...
 */
#define BATCH_EX_NOT_FOUND	"not_found"		/* a list line names nobody */
#define BATCH_EX_MOVED_AWAY	"moved_away"
#define BATCH_EX_DIED		"died"
#define BATCH_EX_NOT_INSURED	"not_insured"		/* no NHI eligibility on the run's day */
#define BATCH_EX_CHANGED	"changed"		/* data changed since the selection */
#define BATCH_EX_NAME		"name_not_printable"	/* 外字 in the name */
#define BATCH_EX_ALREADY_REVOKED "already_revoked"
#define BATCH_EX_NO_CARD	"no_card"
#define BATCH_EX_DUPLICATE	"duplicate"		/* listed twice: the first line counts */

#define BATCH_SNAPSHOT_LEN	32
#define BATCH_USER_NUMBER_LEN	16

struct batch_run {
	int64_t		 id;
	char		 uid[24];		/* "B-YYYYMMDD-NNNN" */
	char		 kind[16];
	char		 selection[512];	/* as given: "all", "district 01", "list F" */
	char		 params[512];		/* kind-specific "k=v k=v", "" none */
	char		 state[16];
	char		 operator_login[64];
	char		 on[11];		/* YYYY-MM-DD the run judges eligibility */
	char		 created_at[24];
	char		 finished_at[24];	/* "" until done or cancelled */
	/* Item counts, computed when the run is read. */
	int64_t		 total, pending, prepared, done, exceptions;
};

struct batch_item {
	int64_t		 id;			/* batch_items.id */
	int64_t		 run_id;
	int64_t		 seq;			/* 1.. in mailing (or list) order */
	int64_t		 resident_id;		/* 0: the list line named nobody */
	char		 state[16];
	uint8_t		 snapshot[BATCH_SNAPSHOT_LEN];
	char		 list_key[64];		/* the list line's person, "" otherwise */
	int64_t		 list_line;		/* its line number, 0 otherwise */
	char		 arg[32];		/* the line's reason (revoke), "" none */
	char		 exception[32];		/* code, "" none */
	char		 exception_text[256];
	uint8_t		 user_number[BATCH_USER_NUMBER_LEN];
	int		 has_user_number;
	int64_t		 card_id;		/* 0 none */
	char		 cert_serial[32];	/* "" none */
	char		 volume[64];		/* output file name (renew), "" none */
	char		 updated_at[24];
};

/* ---- Selections and list files (batch-select.c, batch-list.c) ------------ */

enum batch_sel_kind {
	BATCH_SEL_ALL = 1,	/* everyone insured on the run's day */
	BATCH_SEL_DISTRICT,	/* the insured of one district */
	BATCH_SEL_LIST,		/* the persons a list file names */
};

struct batch_selection {
	enum batch_sel_kind	 kind;
	const char		*district;	/* BATCH_SEL_DISTRICT: see below */
	const char		*list_path;	/* BATCH_SEL_LIST */
};

/*
 * Parse selection words from argv: "all" | "district D" | "list FILE".
 * A district D matches households whose address_code begins with D, or,
 * when D is not all digits, whose address begins with D. The strings
 * point into argv. Sets *used to the number of words taken. Returns 0, or
 * NHI_EUSAGE naming what is wrong.
 */
int	batch_selection_parse(int argc, char **argv, struct batch_selection *out,
	    int *used);

/* The selection as one line for batch_runs.selection (truncated to n). */
void	batch_selection_format(const struct batch_selection *sel, char *buf, size_t n);

/*
 * One line of a list file (docs/batch.md "List files"), UTF-8:
 *     PERSON[,REASON]        # comment
 * PERSON is a person code (宛名番号: letters, digits, '-') or "id:N" for a
 * store id; REASON (revoke lists) is "died" or "eligibility_ended". Blank
 * lines and lines starting with '#' are skipped; spaces around fields are
 * trimmed; a UTF-8 BOM on line 1 is skipped; CRLF is accepted.
 */
struct batch_list_entry {
	char		 who[64];	/* person code, or "id:N" */
	int64_t		 resident_id;	/* N of "id:N", else 0 */
	char		 reason[24];	/* "" when the line gives none */
	long		 line;
};

/*
 * Parse one line (`len` bytes, no newline needed) of file `file` at
 * `line`. Returns 0 and fills *out, 1 for a blank or comment line, or
 * NHI_EPARSE with detail "FILE:LINE: what" (bad person, unknown reason,
 * too many fields, not UTF-8, control characters, too long).
 */
int	batch_list_parse_line(const char *file, long line, const char *text, size_t len,
	    struct batch_list_entry *out);

/*
 * Read list file `path` line by line (memory flat in its length), calling
 * fn for each entry; fn returning non-zero stops and is returned. Returns
 * 0, the first parse error (file:line: what), NHI_ENOFILE or NHI_EIO.
 */
int	batch_list_read(const char *path,
	    int (*fn)(void *arg, const struct batch_list_entry *e), void *arg);

/* ---- Runs (batch.c over batch-store.c) ---------------------------------- */

/*
 * Create a run of `kind` over `sel` judging eligibility on `on`
 * (YYYY-MM-DD): the run row and one pending item per selected person with
 * its snapshot, in one transaction (so a run exists wholly or not at
 * all; the caller must not hold one). "all" and "district" select the
 * residents insured on `on` in mailing order (household address code,
 * address, household, resident); a list keeps the list's order and makes
 * each line an item: a person the store does not know, or listed twice,
 * is an item already in exception (not_found, duplicate). The list file
 * is read once, line by line, inside the creating transaction: a
 * malformed line rolls the whole creation back and is returned as
 * NHI_EPARSE "FILE:LINE: what". Fills *out. Returns 0 or an error.
 */
int	batch_run_create(struct store *st, const char *kind, const struct batch_selection *sel,
	    const char *on, const char *params, const char *operator_login,
	    struct batch_run *out);

/*
 * Find a run by uid ("B-...") or store id (decimal). Returns 0 and fills
 * *out with its counts, or NHI_ENOTFOUND.
 */
int	batch_run_find(struct store *st, const char *key, struct batch_run *out);
int	batch_run_get(struct store *st, int64_t run_id, struct batch_run *out);

/*
 * 0 if run `run_id` exists, is of `kind` and is not cancelled; else
 * NHI_ENOTFOUND or NHI_ESTATE (detail says which run and why).
 */
int	batch_run_check(struct store *st, int64_t run_id, const char *kind);

/*
 * Mark the run running (from selected), or done when no item is pending
 * or prepared any more (sets finished_at). Each joins the caller's
 * transaction or runs in its own. A done run stays done.
 */
int	batch_run_set_running(struct store *st, int64_t run_id);
int	batch_run_finish_if_complete(struct store *st, int64_t run_id, int *finished);
/* The same, with the run's audit entry ("batch.KIND", "KIND done=N
 * exceptions=M") in the transaction that marks it done: a process killed
 * right after leaves no finished run unaudited. In its own transaction
 * unless one is open. */
int	batch_run_finish_audited(struct store *st, int64_t run_id, int *finished);

/* Cancel a run that is not done: its open items stay as they are. */
int	batch_run_cancel(struct store *st, int64_t run_id);

/*
 * Walk the runs, newest first, calling fn (non-zero stops and is
 * returned). `kind` NULL: all kinds.
 */
int	batch_run_walk(struct store *st, const char *kind,
	    int (*fn)(void *arg, const struct batch_run *run), void *arg);

/* ---- Items ---------------------------------------------------------------- */

/*
 * Walk the items of a run in seq order, those in `state` (NULL: all; a
 * comma-separated list such as "pending,prepared" allowed), in pages: no
 * statement is open while fn runs, so fn may write (and commit). fn
 * returning non-zero stops the walk and is returned. Memory is one page.
 */
int	batch_item_walk(struct store *st, int64_t run_id, const char *state,
	    int (*fn)(void *arg, struct batch_item *it), void *arg);

int	batch_item_get(struct store *st, int64_t item_id, struct batch_item *out);

/*
 * Is the item's person still as selected, as of the run's day? Call it
 * inside the transaction that acts. Returns 0 with code[0] = '\0' if the
 * item may be acted on; 0 with code (BATCH_EX_*, up to 32 bytes) and
 * text[256] set when it must be set aside (moved_away, died, not_insured,
 * changed, name_not_printable when `need_printable_name`); or a store
 * error. Never records anything itself.
 */
int	batch_item_check(struct store *st, const struct batch_run *run,
	    const struct batch_item *it, int need_printable_name, char code[32],
	    char text[256]);

/*
 * State changes of an item. Each joins the caller's open transaction (the
 * checkpoint: commit it with the item's work) or runs in its own. An item
 * already done or in exception is never changed: NHI_ESTATE.
 *   prepared   from pending; the given result fields (NULL/0: unchanged)
 *   done       from pending or prepared; card_id 0 and cert_serial NULL or
 *              "" keep what the item holds
 *   exception  from pending or prepared, with a code and a text for the
 *              clerk (no personal data beyond the item's person code)
 */
int	batch_item_prepared(struct store *st, int64_t item_id,
	    const uint8_t *user_number, int64_t card_id, const char *cert_serial,
	    const char *volume);
int	batch_item_done(struct store *st, int64_t item_id, int64_t card_id,
	    const char *cert_serial);
int	batch_item_exception(struct store *st, int64_t item_id, const char *code,
	    const char *text);

/*
 * The simple driver for kinds that work one item at a time (revoke,
 * pre-issuance preparation): marks the run running, calls ops->item for
 * each pending or prepared item in seq order, reports progress, and marks
 * the run done when no item is open. ops->item must do the item's work and
 * its checkpoint (batch_item_done / _prepared / _exception) itself, in
 * one transaction when it can. `stop` (may be NULL) is asked between
 * items; non-zero ends the walk early (the run stays running, resumable).
 * Returns 0 or the first error ops->item returns (the run stays running).
 */
struct batch_progress;
struct batch_ops {
	int	(*item)(void *arg, struct store *st, const struct batch_run *run,
		    struct batch_item *it);
	int	(*stop)(void *arg);
	void	*arg;
};
int	batch_run_items(struct store *st, struct batch_run *run, const struct batch_ops *ops,
	    struct batch_progress *pg);

/*
 * Dry run: walk the selection exactly as batch_run_create would, without
 * writing anything (no run, no items), calling fn for each selected
 * person (resident_id 0 for a list line naming nobody) with the list
 * entry (NULL for all/district). Returns 0, fn's non-zero, or an error.
 */
int	batch_select_walk(struct store *st, const struct batch_selection *sel, const char *on,
	    int (*fn)(void *arg, int64_t resident_id, const struct batch_list_entry *e),
	    void *arg);

/*
 * The check batch_item_check applies, for a person not yet in a run (dry
 * runs): status, eligibility on `on`, the name. Same outputs.
 */
int	batch_person_check(struct store *st, int64_t resident_id, const char *on,
	    int need_printable_name, char code[32], char text[256]);

/*
 * Test hook: with NHICARD_TEST_CRASH_AT=batch:POINT:N in the environment,
 * the N-th call (1-based, counted per process) with this POINT ends the
 * process at once (_exit(99)), as a power cut would; otherwise nothing.
 * The points are listed in docs/batch.md.
 */
void	batch_test_crash(const char *point);	/* --enable-test-hooks only */

/* ---- Reports (batch-report.c) -------------------------------------------- */

/*
 * The exceptions of a run as CSV (UTF-8, header line, RFC 4180 quoting):
 *     run,seq,person_code,list_line,exception,detail
 * Only what a clerk needs to find the person: no name, birth date or
 * address. Returns 0, NHI_EIO.
 */
int	batch_exceptions_write(struct store *st, int64_t run_id, FILE *fp);

/* ---- Progress (batch-progress.c) ----------------------------------------- */

/*
 * A progress reporter for `total` items. On a terminal (tty = 1, or -1
 * and isatty(fileno(fp))) one line redrawn in place: a bar, count/total,
 * the rate per second and the time left; otherwise a plain line
 * "LABEL: N/TOTAL done, E exceptions, R/s" every `every_n` items or
 * `every_s` seconds, whichever comes first (0: that trigger off). Caller
 * must batch_progress_free. fp may be NULL (reports nothing).
 */
struct batch_progress *batch_progress_new(FILE *fp, const char *label, int64_t total,
	    int tty, int64_t every_n, double every_s);
/* `done` items handled so far (done + exceptions), `exceptions` of them. */
void	batch_progress_update(struct batch_progress *pg, int64_t done, int64_t exceptions);
/* The closing line (always printed, also off a terminal). */
void	batch_progress_finish(struct batch_progress *pg);
void	batch_progress_free(struct batch_progress *pg);

/*
 * The terminal line for `done` of `total` after `elapsed_s` seconds in a
 * `width`-column terminal, into buf (n bytes), e.g.
 * "renew [########------] 1200/3000  400/s  0:05 left". For tests.
 */
void	batch_progress_format(char *buf, size_t n, const char *label, int64_t done,
	    int64_t total, double elapsed_s, int width);

/*
 * The feed's style (cards come at a person's pace): the rate in items per
 * minute, the exceptions on the bar, and `base` items of the run handled
 * before this session, counted in N/TOTAL but not in the rate (nor the
 * time left). Off a terminal the lines read "LABEL: N/TOTAL done, E
 * exceptions, R/min". Call before the first update; pg may be NULL.
 */
void	batch_progress_per_minute(struct batch_progress *pg, int64_t base);
/*
 * On a terminal, erase the bar before another line is printed, and draw
 * it again (now, below that line) after; off a terminal nothing. pg may
 * be NULL.
 */
void	batch_progress_clear(struct batch_progress *pg);
void	batch_progress_redraw(struct batch_progress *pg);
/*
 * The terminal line of the per-minute style into buf (n bytes): `done`
 * of `total` handled, `base` of them before this session, `exceptions` of
 * them, after `elapsed_s` seconds, e.g.
 * "preissue feed [##------] 12/240  1 exc  6.0/min  38:00 left". For tests.
 */
void	batch_progress_format_min(char *buf, size_t n, const char *label, int64_t done,
	    int64_t base, int64_t exceptions, int64_t total, double elapsed_s, int width);

/* ---- Run parameters ------------------------------------------------------- */

/*
 * batch_runs.params holds a kind's parameters as "key=value" lines, so a
 * resumed run works exactly as it started (same days, same files, same
 * PDF creation date). Get `key` into buf (n bytes): 0, or NHI_ENOTFOUND.
 */
int	batch_param_get(const char *params, const char *key, char *buf, size_t n);
/* Append "key=value\n" to params (n bytes); NHI_ERANGE if it does not fit
 * or the value holds a newline. */
int	batch_param_add(char *params, size_t n, const char *key, const char *value);

/* ---- Annual renewal (batch-renew.c) ---------------------------------------- */

enum batch_renew_layout {
	BATCH_RENEW_SHEET = 0,		/* A4 imposition in volumes (print sheet) */
	BATCH_RENEW_HOUSEHOLD,		/* one PDF per household, card-size pages */
};

struct batch_renew_opts {
	const char	*from;		/* first day of the new validity (YYYY-MM-DD);
					   NULL: the day after the current cycle's
					   renewal day (rules) */
	const char	*issued;	/* 交付年月日; NULL: today (JST) */
	const char	*out_dir;	/* the PDFs go here (must exist) */
	enum batch_renew_layout layout;
	long		 volume_size;	/* sheet: certificates per PDF; 0: print.volume_size */
};

struct batch_renew_result {
	int64_t		 selected;	/* items (dry run: persons) */
	int64_t		 renewed;	/* certificates (dry run: would be) */
	int64_t		 exceptions;
	int64_t		 volumes;	/* PDFs written (dry run: would be) */
	int64_t		 skipped;	/* done before this call (a resumed run) */
	/* Dry run: exceptions by code, "code=N code=N". */
	char		 by_code[256];
};

/*
 * Dry run: what a renewal of `sel` would do, writing nothing (no run, no
 * serial, no file). Returns 0 and fills *res, or an error.
 */
int	batch_renew_dry(struct session *ctx, const struct batch_selection *sel,
	    const struct batch_renew_opts *o, struct batch_renew_result *res);

/*
 * Create a renewal run (batch_run_create with the parameters fixed:
 * from, issued, out_dir, layout, volume size and the PDFs' creation
 * date). Fills *run. Returns 0 or an error (NHI_EUSAGE for bad options).
 */
int	batch_renew_create(struct session *ctx, const struct batch_selection *sel,
	    const struct batch_renew_opts *o, struct batch_run *run);

/*
 * Work (or resume) renewal run `run` (docs/batch.md "Renewal"). Per volume:
 *   1. one transaction: each pending item checked (batch_item_check),
 *      then its new serial recorded (store_certificate_issue: the valid
 *      one voided as superseded, certificate-issued and -voided records
 *      queued) and the item marked prepared with serial and volume, or
 *      set aside as an exception;
 *   2. the volume's PDF written atomically from the items' serials
 *      (fixed creation date: a rewrite is byte for byte the same);
 *   3. one transaction: the volume's items marked done.
 * A resumed run first rewrites the volumes left prepared, then goes on.
 * `stop` (may be NULL) is asked between volumes. A done run does nothing.
 * Returns 0 and fills *res, or the first error (the run stays resumable).
 */
int	batch_renew_execute(struct session *ctx, struct batch_run *run,
	    struct batch_progress *pg, int (*stop)(void *arg), void *stop_arg,
	    struct batch_renew_result *res);

/* ---- Bulk revocation (batch-revoke.c) -------------------------------------- */

struct batch_revoke_result {
	int64_t		 selected;
	int64_t		 revoked;	/* dry run: would be */
	int64_t		 exceptions;
	int64_t		 skipped;
	char		 by_code[256];
};

/*
 * Dry run of a revocation list (sel must be a list): what would be
 * revoked and what set aside, writing nothing. `reason` is the default
 * for lines without one (NULL: every line must give one).
 */
int	batch_revoke_dry(struct session *ctx, const struct batch_selection *sel,
	    const char *reason, struct batch_revoke_result *res);

/*
 * Create a revocation run over the list. A line without a reason takes
 * `reason`; with neither the creation fails naming the line (file:line).
 */
int	batch_revoke_create(struct session *ctx, const struct batch_selection *sel,
	    const char *reason, struct batch_run *run);

/*
 * Work (or resume) revocation run `run`: per item, the card chosen and the
 * item marked prepared (a checkpoint), then revoke_execute() (flow.h: one
 * transaction: state, report, queue record, audit), then the item done.
 * A prepared item whose card is already revoked is done (the revocation
 * of the killed run); a pending item whose card is already revoked is an
 * exception (already_revoked), never revoked twice. Exceptions also:
 * not_found, no_card, changed (data changed since the selection),
 * still_insured (eligibility_ended but insured on the run's day),
 * not_deceased (died but the register says alive).
 */
int	batch_revoke_execute(struct session *ctx, struct batch_run *run,
	    struct batch_progress *pg, int (*stop)(void *arg), void *stop_arg,
	    struct batch_revoke_result *res);

#endif
