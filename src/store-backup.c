/*
 * store-backup.c: a consistent copy of a live store with SQLite's online
 * backup API (docs/backup.md), and the store's "restored" mark that keeps
 * it from numbering new queue records until the center has said what it
 * holds (docs/queue-format.md 6).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "store-int.h"
#include "store.h"
#include "util.h"

int
store_backup_to(struct store *st, const char *dest)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b = NULL;
	int rc, r = 0, fd;

	/* The copy is made 0600 before SQLite writes anything into it. */
	if ((fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return err_set(errno == EEXIST ? NHI_EEXISTS : NHI_EIO,
		    "backup %s: cannot create: %s", dest, strerror(errno));
	close(fd);
	if ((rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE, NULL)) != SQLITE_OK) {
		r = err_set(NHI_EIO, "backup %s: cannot open: %s", dest,
		    out != NULL ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
		goto out;
	}
	if ((b = sqlite3_backup_init(out, "main", st->db, "main")) == NULL) {
		r = err_set(NHI_EIO, "backup %s: %s", dest, sqlite3_errmsg(out));
		goto out;
	}
	/* All pages in one step: a writer in another process waits (busy
	 * timeout) rather than restarting the copy forever. */
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (rc != SQLITE_DONE)
		r = err_set(NHI_EIO, "backup %s: copy failed: %s", dest, sqlite3_errstr(rc));
out:
	if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK && r == 0)
		r = err_set(NHI_EIO, "backup %s: %s", dest, sqlite3_errmsg(out));
	if (out != NULL && sqlite3_close(out) != SQLITE_OK && r == 0)
		r = err_set(NHI_EIO, "backup %s: cannot close", dest);
	if (r != 0)
		unlink(dest);
	return r;
}

int
store_restore_pending(struct store *st, int *pending)
{
	char *v = NULL;
	int r;

	r = store_meta_get(st, STORE_META_RESTORED, &v);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		*pending = 0;
		return 0;
	}
	if (r != 0)
		return r;
	*pending = strcmp(v, "pending") == 0;
	free(v);
	return 0;
}
