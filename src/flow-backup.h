/*
 * flow-backup.h: `nhicard backup` and `nhicard restore` as library calls
 * (docs/backup.md): a backup is a directory holding a consistent copy of
 * the store (SQLite's online backup, taken while the station runs), the
 * configuration file, the key folder's files (wrapped key files as they
 * are) and a MANIFEST with each file's SHA-256.
 */
#ifndef NHI_FLOW_BACKUP_H
#define NHI_FLOW_BACKUP_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct backup_where {
	const char	*db_path;	/* the station's store */
	const char	*config_path;	/* its configuration file (may not exist) */
	const char	*keys_dir;	/* its key folder (NULL: none) */
};

struct backup_result {
	size_t		 files;		/* files written or restored */
	size_t		 keys;		/* of which key-folder files */
	int		 config_differs; /* restore: the backup's configuration is not
					   the one in place (left alone) */
	char		 station[40];
};

/*
 * Back up into `dest` (a new directory, 0700). `st` is the open store.
 * 0, NHI_EEXISTS (dest exists), NHI_EIO, NHI_EPERM.
 */
int	flow_backup(struct store *st, const struct backup_where *w, const char *dest,
	    struct backup_result *res);

/*
 * Restore the backup in `src`: its MANIFEST checked first (every file's
 * SHA-256); the store put in place of w->db_path (an existing one is kept
 * beside it as DB.before-restore-TIME; replacing one needs `replace`), key
 * files put in the key folder where missing (a different file of the same
 * name there is refused before anything changes); the configuration file
 * written only where none exists. The restored store is marked "restored":
 * it makes no new queue record until the center's acknowledgement has
 * said what it holds (docs/backup.md). Nothing changes on any error.
 */
int	flow_restore(const char *src, const struct backup_where *w, int replace,
	    struct backup_result *res);

/* A backup's MANIFEST (docs/backup.md), parsed. */
struct backup_manifest_file {
	char		 name[256];	/* relative: "store.db", "keys/x" */
	char		 hex[65];	/* SHA-256 */
	size_t		 size;
};
struct backup_manifest {
	char		 station[40];
	struct backup_manifest_file *files;	/* free() */
	size_t		 n;
};

/*
 * Parse a MANIFEST's text (`path` names it in errors, with the line).
 * 0 or NHI_EPARSE; a name with ".." or a leading '/' is refused.
 */
int	flow_backup_manifest_parse(const char *path, const char *data, size_t len,
	    struct backup_manifest *out);

#endif
