/*
 * batch-bureau.h: the card bureau's files that come back to the station
 * (docs/batch.md "The bureau's loop"): the keys file (pass keys: the
 * public keys the bureau's cards generated) and the result file (pass
 * result: which card each user number got, the key record as written and
 * the production status). One text format for both, parsed line by line
 * (batch-bureau-parse.c, fuzzed: fuzz/fuzz-bureau-result.c); the
 * station's two steps over them are sign-keys (batch-bureau-sign.c) and
 * import-result (batch-bureau-import.c).
 */
#ifndef NHI_BATCH_BUREAU_H
#define NHI_BATCH_BUREAU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card-perso.h"

struct session;

#define BUREAU_LINE_MAX		4096

enum bureau_pass {
	BUREAU_PASS_KEYS = 1,
	BUREAU_PASS_RESULT = 2,
};

enum bureau_status {
	BUREAU_KEYED = 1,		/* keys pass: key pair generated, NHI AP 01 */
	BUREAU_SPOILED,			/* either pass: the card failed, destroyed */
	BUREAU_MADE,			/* result: written, verified, mailed */
	BUREAU_UNDELIVERABLE,		/* result: mailed and returned */
};

const char *bureau_status_name(int status);

/* One record line. */
struct bureau_record {
	long		 line;
	int64_t		 seq;
	uint8_t		 user_number[CARD_USER_NUMBER_LEN];
	char		 serial[2 * CARD_SERIAL_LEN + 1];	/* "" for "-" */
	int		 status;
	int		 has_public_key;
	uint8_t		 public_key[CARD_PUBKEY_LEN];
	size_t		 record_len;				/* 0 for "-" */
	uint8_t		 record[256];
};

/* The parser's state across the lines of one file. */
struct bureau_parse {
	const char	*source;		/* the file name, for errors */
	long		 line;			/* the last line given */
	int		 stage;			/* internal: which line comes next */
	int		 pass;			/* enum bureau_pass, from the header */
	char		 station[64];
	int64_t		 run_id;
	char		 created[32];
	long		 records;		/* the header's count */
	long		 seen;			/* records parsed so far */
};

/* Start parsing file `source`. */
void	bureau_parse_init(struct bureau_parse *p, const char *source);

/*
 * Give the next line (without its LF; `len` bytes, no NUL needed). Returns
 * 0 (a header line taken, *is_record 0), 0 with *is_record 1 and *rec
 * filled (a record line), or NHI_EPARSE with "SOURCE:LINE: what" (never a
 * user number or key). A record's status must belong to the header's pass.
 */
int	bureau_parse_line(struct bureau_parse *p, const char *text, size_t len,
	    struct bureau_record *rec, int *is_record);

/* After the last line: NHI_EPARSE unless the file ended with its
 * "end N" line and N records. */
int	bureau_parse_finish(struct bureau_parse *p);

/*
 * Read a whole keys or result file from `fp` (the opened content): parse
 * every line, check that the header is of pass `want_pass` and names
 * `station` and run `run_id` (NHI_EPARSE, NHI_ESTATE otherwise), and call
 * fn (NULL: none, a check of the whole file) for each record; fn
 * returning non-zero stops and is returned.
 */
int	bureau_read_file(FILE *fp, const char *source, int want_pass, const char *station,
	    int64_t run_id, int (*fn)(void *arg, const struct bureau_record *rec), void *arg);

struct crypto_cms_keys;
struct card_keys;
struct preissue_item;

/* The key record of prepared item `it` with the card's public key `pub`
 * (DF01-DF08 from the item and the profile), signed with the
 * municipality's key into DF09 (batch-bureau-sign.c). 0 or an error. */
int	bureau_record_build(const struct card_profile *prof, struct card_keys *keys,
	    const struct preissue_item *it, const uint8_t pub[CARD_PUBKEY_LEN],
	    struct card_key_record *rec);
/* The station's key and certificate and the bureau's pinned certificate
 * (queue.station_key, queue.station_cert, batch.bureau_cert,
 * batch.bureau_fingerprint); test material refused in production
 * (batch-bureau.c). */
int	bureau_keys_load(struct session *ctx, struct crypto_cms_keys **out);

/*
 * What the two steps share while they walk a bureau file
 * (batch-bureau-walk.c): the store, the run, the unsealing keys, the
 * station's id, the card profile and the municipality's keys, the open
 * transaction of the current group, and where notes go.
 */
struct bureau_walk {
	struct store	*st;
	int64_t		 run_id;
	const char	*source;	/* the file's name, for messages */
	struct crypto_cms_keys *ck;
	char		*station;
	struct card_profile prof;
	struct card_keys *keys;
	int		 in_txn;
	size_t		 in_group;	/* records in the open transaction */
	void		(*note)(void *arg, const char *text);
	void		*note_arg;
};

/*
 * Check run `run_id`, unseal the bureau's file `path`, read it whole as
 * pass `pass` (refused whole before anything changes), load the card
 * profile and keys into `w`, then call each(arg, record) for every record
 * (each opens its groups with bureau_walk_group) and commit the last
 * group. w->note and w->note_arg are the caller's; free with
 * bureau_walk_end (which rolls back a group left open by an error).
 */
int	bureau_file_walk(struct session *ctx, int64_t run_id, const char *path, int pass,
	    struct bureau_walk *w, int (*each)(void *arg, const struct bureau_record *rec),
	    void *arg);
/* Before a record: open a transaction if none is, committing the open one
 * first when it holds `group` records already (0: never). */
int	bureau_walk_group(struct bureau_walk *w, size_t group);
/* A line for the clerk through w->note. */
void	bureau_walk_note(struct bureau_walk *w, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	bureau_walk_end(struct bureau_walk *w);

/*
 * The station's two steps (docs/batch.md). Both open FILE (signed by the
 * pinned bureau certificate, encrypted to the station), check that the
 * header names this station, run `run_id` and the step's pass, and refuse
 * the whole file (NHI_EPARSE, NHI_EKEY, NHI_ESTATE) before changing
 * anything when it does not.
 */
struct bureau_sign_result {
	size_t		 signed_records;
	size_t		 refused;		/* keyed records not signed */
	size_t		 spoiled;
};

/* Sign the key records of the keyed cards of `keys_path` and write them,
 * sealed to the bureau, to `out_path` (mode 0600, atomically). Each
 * refused record is named in a line through note(). */
int	bureau_sign_keys(struct session *ctx, int64_t run_id, const char *keys_path,
	    const char *out_path, void (*note)(void *arg, const char *text), void *arg,
	    struct bureau_sign_result *res);

struct bureau_import_result {
	size_t		 made;			/* items done by this import */
	size_t		 undeliverable;		/* cards revoked at the center as lost */
	size_t		 spoiled;		/* items set aside as spoiled */
	size_t		 exceptions;		/* items set aside for a failed check */
	size_t		 unchanged;		/* records already imported */
	size_t		 rejected;		/* records naming no open item */
	int		 run_done;		/* the run is done now */
};

/* Import the result file `path` into run `run_id`. Each exception and
 * rejection is named in a line through note(). */
int	bureau_import_result(struct session *ctx, int64_t run_id, const char *path,
	    void (*note)(void *arg, const char *text), void *arg,
	    struct bureau_import_result *res);

/* The exception codes the import adds (docs/batch.md). */
#define BUREAU_EX_SPOILED	"bureau_spoiled"
#define BUREAU_EX_NOT_SIGNED	"bureau_not_signed"
#define BUREAU_EX_SERIAL	"bureau_serial_taken"
#define BUREAU_EX_MISMATCH	"bureau_record_mismatch"
#define BUREAU_EX_SIGNATURE	"bureau_bad_signature"
#define BUREAU_EX_DUP_KEY	"bureau_duplicate_key"

#endif
