/*
 * store.c: opening, migrating, checking and transactions of the store.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "store-int.h"
#include "util.h"

#define STORE_BUSY_TIMEOUT_MS	10000

int
store_schema_latest(void)
{
	return store_migrations[store_migrations_count - 1].version;
}

const char *
store_library_version(void)
{
	return sqlite3_libversion();
}

int
store_err(struct store *st, int rc, const char *what)
{
	const char *msg = st != NULL && st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	const char *path = st != NULL && st->path != NULL ? st->path : "store";

	/* A full disk met while opening the WAL or its index is an I/O error
	 * to SQLite: the clerk must be told the disk is full. */
	if ((rc & 0xff) == SQLITE_IOERR && st != NULL && st->db != NULL &&
	    sqlite3_system_errno(st->db) == ENOSPC)
		rc = SQLITE_FULL;
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return err_set(NHI_ENOSPACE, "store %s: %s: disk full", path, what);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(NHI_ESTORE_BUSY, "store %s: %s: busy (another program holds it)",
		    path, what);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return err_set(NHI_ESTORE_CORRUPT, "store %s: %s: %s", path, what, msg);
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return err_set(NHI_EPERM, "store %s: %s: %s", path, what, msg);
	case SQLITE_CANTOPEN:
		return err_set(NHI_ENOFILE, "store %s: %s: cannot open", path, what);
	case SQLITE_IOERR:
		return err_set(NHI_EIO, "store %s: %s: %s", path, what, msg);
	case SQLITE_CONSTRAINT:
		return err_set(NHI_ECONFLICT, "store %s: %s: %s", path, what, msg);
	case SQLITE_NOMEM:
		fatal("out of memory in SQLite");
	default:
		return err_set(NHI_ESTORE, "store %s: %s: %s", path, what, msg);
	}
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	int rc;

	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL)) != SQLITE_OK)
		return store_err(st, rc, "prepare");
	return 0;
}

static int
store_exec(struct store *st, const char *sql, const char *what)
{
	int rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_err(st, rc, what);
	return 0;
}

static int
store_pragma_int(struct store *st, const char *sql, int *out)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = store_err(st, rc, "read pragma");
		goto out;
	}
	*out = sqlite3_column_int(stmt, 0);
	r = 0;
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_schema_version(struct store *st, int *out)
{
	return store_pragma_int(st, "PRAGMA user_version", out);
}

void
store_now(char *buf, size_t len)
{
	store_time_text(time(NULL), buf, len);
}

void
store_time_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
store_col_text(sqlite3_stmt *stmt, int i, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(stmt, i);

	snprintf(dst, len, "%s", t != NULL ? (const char *)t : "");
}

char *
store_col_dup(sqlite3_stmt *stmt, int i)
{
	const unsigned char *t = sqlite3_column_text(stmt, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

/* ---- Test hook: kill -9 at a commit boundary ---------------------------
 *
 * Only in a --enable-test-hooks build (docs/reliability.md "Kill at a
 * commit"); a production build compiles all of this out. Every durable
 * commit of the process, of every store it opens, explicit (store_commit) or
 * a lone statement's own, passes SQLite's commit hook, so that is where they
 * are counted, once, in this one place:
 *
 *   NHICARD_TEST_KILL_AT_COMMIT=N         SIGKILL right after the N-th
 *                                         commit is durable (in the WAL)
 *   NHICARD_TEST_KILL_AT_COMMIT=before:N  SIGKILL just before the N-th
 *                                         commit's COMMIT takes effect
 *   NHICARD_TEST_COMMIT_LOG=FILE          append "PID N" to FILE after the
 *                                         N-th commit is durable
 *
 * "After" is reached from the WAL hook (a commit that wrote pages), from
 * store_commit once COMMIT returned (a transaction that wrote nothing), or at
 * store_close (a lone statement that changed nothing).
 */
#if NHI_TEST_HOOKS
#include <signal.h>

static struct {
	int	 looked;
	int	 armed;		/* any of the two variables set */
	long	 kill_at;	/* 0: none */
	int	 before;	/* kill_at counts "before:N" */
	const char *log;	/* NHICARD_TEST_COMMIT_LOG, or NULL */
	long	 commits;	/* commits begun (the commit hook) */
	long	 done;		/* commits known durable */
} commit_hook;

static void
commit_hook_read_env(void)
{
	const char *v;
	char *end;
	long n;

	if (commit_hook.looked)
		return;
	commit_hook.looked = 1;
	commit_hook.log = getenv("NHICARD_TEST_COMMIT_LOG");
	if (commit_hook.log != NULL && commit_hook.log[0] == '\0')
		commit_hook.log = NULL;
	if ((v = getenv("NHICARD_TEST_KILL_AT_COMMIT")) != NULL && v[0] != '\0') {
		if (strncmp(v, "before:", 7) == 0) {
			commit_hook.before = 1;
			v += 7;
		}
		n = strtol(v, &end, 10);
		if (*end == '\0' && n >= 1)
			commit_hook.kill_at = n;
		else
			fatal("NHICARD_TEST_KILL_AT_COMMIT=%s: want N or before:N (N >= 1)",
			    getenv("NHICARD_TEST_KILL_AT_COMMIT"));
	}
	commit_hook.armed = commit_hook.log != NULL || commit_hook.kill_at > 0;
}

static void
commit_hook_die(void)
{
	(void)kill(getpid(), SIGKILL);
	_exit(137);	/* not reached */
}

/* Every commit begun so far is now durable: log and maybe die. */
static void
commit_hook_settle(void)
{
	FILE *f;

	while (commit_hook.done < commit_hook.commits) {
		commit_hook.done++;
		if (commit_hook.log != NULL && (f = fopen(commit_hook.log, "a")) != NULL) {
			fprintf(f, "%ld %ld\n", (long)getpid(), commit_hook.done);
			fclose(f);
		}
		if (!commit_hook.before && commit_hook.done == commit_hook.kill_at)
			commit_hook_die();
	}
}

static int
commit_hook_begin(void *arg)
{
	(void)arg;
	commit_hook_settle();	/* one a hook could not see end */
	commit_hook.commits++;
	if (commit_hook.before && commit_hook.commits == commit_hook.kill_at)
		commit_hook_die();
	return 0;	/* go on with the commit */
}

static int
commit_hook_wal(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)arg;
	commit_hook_settle();
	/* A WAL hook replaces SQLite's automatic checkpoint: do what it does. */
	if (frames >= 1000)
		(void)sqlite3_wal_checkpoint(db, name);
	return SQLITE_OK;
}

static void
commit_hook_install(struct store *st)
{
	commit_hook_read_env();
	if (!commit_hook.armed)
		return;
	(void)sqlite3_commit_hook(st->db, commit_hook_begin, NULL);
	(void)sqlite3_wal_hook(st->db, commit_hook_wal, NULL);
}
#define COMMIT_HOOK_INSTALL(st)	commit_hook_install(st)
#define COMMIT_HOOK_SETTLE()	do { if (commit_hook.armed) commit_hook_settle(); } while (0)
/* A COMMIT that failed (disk full) after the hook counted it. */
#define COMMIT_HOOK_FAILED()	do { if (commit_hook.commits > commit_hook.done) \
	commit_hook.commits--; } while (0)
#else
#define COMMIT_HOOK_INSTALL(st)	((void)(st))	/* a production build has none */
#define COMMIT_HOOK_SETTLE()	((void)0)
#define COMMIT_HOOK_FAILED()	((void)0)
#endif

static int
store_configure(struct store *st, int readonly)
{
	char *mode = NULL;
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	COMMIT_HOOK_INSTALL(st);
	if ((r = store_exec(st, "PRAGMA foreign_keys = ON", "enable foreign keys")) != 0 ||
	    (r = store_exec(st, "PRAGMA synchronous = FULL", "set synchronous")) != 0)
		return r;
	if (readonly)
		return 0;
	/* journal_mode answers with the mode now in force. */
	if ((r = store_prepare(st, "PRAGMA journal_mode = WAL", &stmt)) != 0)
		return r;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = store_err(st, rc, "set WAL mode");
		goto out;
	}
	mode = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	if (strcmp(mode, "wal") != 0) {
		r = err_set(NHI_ESTORE, "store %s: cannot use WAL mode (got %s)", st->path, mode);
		goto out;
	}
	r = 0;
out:
	free(mode);
	sqlite3_finalize(stmt);
	return r;
}

static int
store_is_nhicard(struct store *st, int *yes)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT count(*) FROM sqlite_schema"
	    " WHERE type = 'table' AND name = 'meta'", &stmt)) != 0)
		return r;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = store_err(st, rc, "read schema");
		goto out;
	}
	*yes = sqlite3_column_int(stmt, 0) == 1;
	r = 0;
out:
	sqlite3_finalize(stmt);
	return r;
}

/* Apply every migration above `from`, each in its own transaction. */
static int
store_migrate(struct store *st, int from)
{
	char sql[64];
	size_t i;
	int r;

	for (i = 0; i < store_migrations_count; i++) {
		if (store_migrations[i].version <= from)
			continue;
		if ((r = store_begin(st)) != 0)
			return r;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    store_migrations[i].version);
		if ((r = store_exec(st, store_migrations[i].sql, "migrate schema")) != 0 ||
		    (r = store_exec(st, sql, "set schema version")) != 0) {
			store_rollback(st);
			return err_wrap(r, "schema version %d: ", store_migrations[i].version);
		}
		if ((r = store_commit(st)) != 0)
			return r;
		log_info("store schema migrated to version %d", store_migrations[i].version);
	}
	return 0;
}

static int
store_check_dir(const char *path)
{
	char *copy = xstrdup(path), *dir = dirname(copy);
	struct stat sb;
	int r = 0;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		r = err_set(NHI_ENOFILE, "store %s: directory %s does not exist", path, dir);
	free(copy);
	return r;
}

static int
store_create_file(const char *path)
{
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		e = errno;
		if (e == EEXIST)
			return err_set(NHI_EEXISTS, "store %s already exists", path);
		if (e == EACCES || e == EPERM || e == EROFS)
			return err_set(NHI_EPERM, "store %s: cannot create: %s", path, strerror(e));
		return err_set(NHI_EIO, "store %s: cannot create: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

int
store_threads_ok(void)
{
	return sqlite3_threadsafe() != 0;
}

int
store_open(const char *path, int flags, struct store **out)
{
	struct store *st = NULL;
	int r, rc, version, ours = 0, created = 0, oflags;
	char now[32], station[40];
	struct stat sb;

	if ((r = store_check_dir(path)) != 0)
		return r;
	if (flags & STORE_CREATE) {
		if ((r = store_create_file(path)) != 0)
			return r;
		created = 1;
	} else if (stat(path, &sb) != 0) {
		return err_set(NHI_ENOFILE, "store %s does not exist (create it with 'nhicard db init')",
		    path);
	}

	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if ((rc = sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK) {
		r = store_err(st, rc, "open");
		goto out;
	}
	if ((r = store_configure(st, flags & STORE_READONLY)) != 0)
		goto out;
	if ((r = store_schema_version(st, &version)) != 0)
		goto out;
	if (version > store_schema_latest()) {
		r = err_set(NHI_ESTORE_VERSION, "store %s has schema version %d; this nhicard "
		    "knows up to %d: use a newer nhicard", path, version, store_schema_latest());
		goto out;
	}
	if (version == 0 && !created) {
		r = err_set(NHI_ESTORE_NOINIT, "store %s is not an nhicard store "
		    "(create one with 'nhicard db init')", path);
		goto out;
	}
	if (version > 0) {
		if ((r = store_is_nhicard(st, &ours)) != 0)
			goto out;
		if (!ours) {
			r = err_set(NHI_ESTORE_NOINIT, "store %s is not an nhicard store", path);
			goto out;
		}
	}
	if (version < store_schema_latest()) {
		if (flags & STORE_READONLY) {
			r = err_set(NHI_ESTORE_VERSION, "store %s has schema version %d and needs "
			    "migrating, which a read-only open cannot do", path, version);
			goto out;
		}
		if ((r = store_migrate(st, version)) != 0)
			goto out;
	}
	if (created) {
		store_now(now, sizeof(now));
		snprintf(station, sizeof(station), "station-%08lx", (unsigned long)time(NULL));
		if ((r = store_meta_set(st, "created_at", now)) != 0 ||
		    (r = store_meta_set(st, "station_id", station)) != 0)
			goto out;
	}
	*out = st;
	st = NULL;
	r = 0;
out:
	if (st != NULL) {
		store_close(st);
		if (created)
			(void)unlink(path);
	}
	return r;
}

/* A temporary store (PATH and its -wal, -shm, -journal) removed. */
static void
unlink_store_files(const char *path)
{
	static const char *const tails[] = { "-wal", "-shm", "-journal" };
	size_t i;

	(void)unlink(path);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char *p = xasprintf("%s%s", path, tails[i]);

		(void)unlink(p);
		free(p);
	}
}

/* Remove the temporary stores ".NAME.init-PID" of init processes no
 * longer running (this host's: the directory is the station's). */
static int
remove_stale_inits(const char *dir, const char *base)
{
	char *prefix = xasprintf(".%s.init-", base);
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL) {
		free(prefix);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char *end, *p;
		long pid;

		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + plen, &end, 10);
		if (errno != 0 || end == de->d_name + plen || *end != '\0' || pid <= 0)
			continue;	/* its -wal, -shm: removed with it */
		if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue;	/* an init still running */
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink_store_files(p);
		free(p);
		n++;
	}
	closedir(d);
	free(prefix);
	return n;
}

int
store_create(const char *path, int *removed, struct store **out)
{
	char *copy_d = xstrdup(path), *copy_b = xstrdup(path), *tmp;
	const char *dir, *base;
	struct stat sb;
	int r;

	*removed = 0;
	if ((r = store_check_dir(path)) != 0)
		goto out;
	if (lstat(path, &sb) == 0) {
		r = err_set(NHI_EEXISTS, "store %s already exists", path);
		goto out;
	}
	dir = dirname(copy_d);
	base = basename(copy_b);
	*removed = remove_stale_inits(dir, base);
	tmp = xasprintf("%s/.%s.init-%ld", dir, base, (long)getpid());
	r = store_open(tmp, STORE_CREATE, out);
	free(tmp);
	if (r == 0)
		(*out)->publish_as = xstrdup(path);
out:
	free(copy_d);
	free(copy_b);
	return r;
}

int
store_publish(struct store *st)
{
	char *tmp = NULL, *final = NULL, *copy = NULL;
	struct stat sb;
	int r, fd, rc;

	if (st->publish_as == NULL || st->in_txn) {
		store_close(st);
		return err_set(NHI_EINTERNAL, "store_publish: not a store of store_create");
	}
	/* Everything into the main file: it alone is moved. */
	if ((rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
	    NULL)) != SQLITE_OK) {
		r = store_err(st, rc, "write the new store out");
		store_close(st);
		return r;
	}
	tmp = xstrdup(st->path);
	final = st->publish_as;
	st->publish_as = NULL;	/* published, not a leftover: store_close keeps it */
	store_close(st);
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		r = err_set(NHI_EIO, "store %s: cannot write it out: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	/* link, not rename: never over a store that appeared meanwhile. */
	if (link(tmp, final) != 0) {
		r = errno == EEXIST ? err_set(NHI_EEXISTS, "store %s already exists", final) :
		    err_set(NHI_EIO, "store %s: cannot put it in place: %s", final,
		    strerror(errno));
		goto fail;
	}
	unlink_store_files(tmp);
	copy = xstrdup(final);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		rc = fsync(fd);
		close(fd);
	} else
		rc = -1;
	if (rc != 0 || stat(final, &sb) != 0) {
		r = err_set(NHI_EIO, "store %s: its directory cannot be written out: %s", final,
		    strerror(errno));
		goto out;
	}
	r = 0;
	goto out;
fail:
	unlink_store_files(tmp);
out:
	free(copy);
	free(tmp);
	free(final);
	return r;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_txn)
		store_rollback(st);
	COMMIT_HOOK_SETTLE();
	store_stmt_close_all(st);
	sqlite3_close_v2(st->db);
	/* A store_create never published: its temporary file goes. */
	if (st->publish_as != NULL) {
		unlink_store_files(st->path);
		free(st->publish_as);
	}
	free(st->path);
	free(st->actor);
	free(st);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

void
store_set_actor(struct store *st, const char *login)
{
	if (st->actor != NULL && login != NULL && strcmp(st->actor, login) == 0)
		return;
	free(st->actor);
	st->actor = login != NULL ? xstrdup(login) : NULL;
}

const char *
store_actor(const struct store *st)
{
	return st->actor;
}

int
store_begin(struct store *st)
{
	int r;

	if (st->in_txn)
		return err_set(NHI_EINTERNAL, "store: nested transaction");
	if ((r = store_exec(st, "BEGIN IMMEDIATE", "begin transaction")) != 0)
		return r;
	st->in_txn = 1;
	return 0;
}

int
store_commit(struct store *st)
{
	int r;

	if ((r = store_exec(st, "COMMIT", "commit")) != 0) {
		COMMIT_HOOK_FAILED();
		store_rollback(st);
		return r;
	}
	st->in_txn = 0;
	COMMIT_HOOK_SETTLE();
	return 0;
}

void
store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db) == 0)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = 0;
}

int
store_meta_get(struct store *st, const char *key, char **out)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_stmt(st, "SELECT value FROM meta WHERE key = ?1", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		r = err_set(NHI_ENOTFOUND, "store %s: no meta value %s", st->path, key);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = store_err(st, rc, "read meta");
		goto out;
	}
	*out = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	r = 0;
out:
	store_stmt_done(st, stmt);
	return r;
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "write meta");
	else
		r = 0;
	sqlite3_finalize(stmt);
	return r;
}

int
store_count(struct store *st, const char *table, int64_t *out)
{
	static const char *tables[] = { "residents", "households", "eligibility_periods",
	    "benefits", "cards", "card_events", "certificates", "queue_records",
	    "operators", "audit_log" };
	sqlite3_stmt *stmt = NULL;
	char sql[96];
	size_t i;
	int r, rc;

	/* Table names cannot be bound; accept only known ones. */
	for (i = 0; i < NHI_ARRAY_LEN(tables); i++)
		if (strcmp(tables[i], table) == 0)
			break;
	if (i == NHI_ARRAY_LEN(tables))
		return err_set(NHI_EINTERNAL, "store_count: unknown table %s", table);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = store_err(st, rc, "count rows");
		goto out;
	}
	*out = sqlite3_column_int64(stmt, 0);
	r = 0;
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_check(struct store *st, char **report, int *ok)
{
	sqlite3_stmt *stmt = NULL;
	char *buf = NULL, *line;
	size_t len = 0;
	int r, rc, good = 1;

	if ((r = store_prepare(st, "PRAGMA integrity_check", &stmt)) != 0)
		return r;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(stmt, 0);
		if (strcmp(row, "ok") == 0)
			continue;
		good = 0;
		line = xasprintf("%s\n", row);
		buf = xrealloc(buf, len + strlen(line) + 1);
		memcpy(buf + len, line, strlen(line) + 1);
		len += strlen(line);
		free(line);
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "integrity check");
		goto out;
	}
	if ((r = store_prepare(st, "PRAGMA foreign_key_check", &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		good = 0;
		line = xasprintf("foreign key: %s row %lld refers to missing %s\n",
		    (const char *)sqlite3_column_text(stmt, 0),
		    (long long)sqlite3_column_int64(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2));
		buf = xrealloc(buf, len + strlen(line) + 1);
		memcpy(buf + len, line, strlen(line) + 1);
		len += strlen(line);
		free(line);
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "foreign key check");
		goto out;
	}
	*report = good ? xstrdup("ok") : buf;
	if (good)
		free(buf);
	buf = NULL;
	*ok = good;
	r = 0;
out:
	sqlite3_finalize(stmt);
	free(buf);
	return r;
}
