/*
 * Unit tests of the serving center's WAL checkpointer (center-db-ckpt.c),
 * through a SQLite VFS of the test's own that counts the writes to the
 * main database file, by thread, and, when told, fails them as a full
 * disk does. In WAL mode only a checkpoint writes the main file: writes by
 * another thread are the checkpointer's; writes by the test's own thread,
 * which only commits, are checkpoints run inside its commits.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "center-db-ckpt.h"

/* ---- the VFS: the default one, the main database's writes watched */

static sqlite3_vfs *real_vfs;
static pthread_t test_thread;		/* the serving connection's */
static volatile int fail_main;		/* fail the main file's writes */
static volatile long ckpt_writes;	/* to the main file, by another thread */
static volatile long own_writes;	/* ... by the test's (serving) thread */
static volatile long main_failed;	/* failed there */

struct wfile {
	sqlite3_file	 base;
	int		 main;
	sqlite3_file	*real;		/* follows this struct */
};

#define REAL(f)	(((struct wfile *)(void *)(f))->real)

static int
w_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
w_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}

static int
w_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	if (((struct wfile *)(void *)f)->main) {
		if (fail_main) {
			__atomic_add_fetch(&main_failed, 1, __ATOMIC_SEQ_CST);
			return SQLITE_FULL;
		}
		__atomic_add_fetch(pthread_equal(pthread_self(), test_thread) ?
		    &own_writes : &ckpt_writes, 1, __ATOMIC_SEQ_CST);
	}
	return REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}

static int
w_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
w_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
w_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
w_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
w_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
w_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
w_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
w_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
w_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
w_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}

static int
w_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
w_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
w_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: no memory mapping, so every page goes through w_write. */
static const sqlite3_io_methods w_methods = {
	2, w_close, w_read, w_write, w_truncate, w_sync, w_size, w_lock,
	w_unlock, w_reserved, w_fcntl, w_sector, w_devchar, w_shm_map,
	w_shm_lock, w_shm_barrier, w_shm_unmap, NULL, NULL
};

static int
w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct wfile *w = (struct wfile *)(void *)f;
	int rc;

	(void)vfs;
	w->real = (sqlite3_file *)(void *)(w + 1);
	w->main = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out);
	w->base.pMethods = rc == SQLITE_OK ? &w_methods : NULL;
	return rc;
}

static int
w_delete(sqlite3_vfs *v, const char *n, int sync)
{
	(void)v;
	return real_vfs->xDelete(real_vfs, n, sync);
}

static int
w_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
	(void)v;
	return real_vfs->xAccess(real_vfs, n, flags, out);
}

static int
w_fullpath(sqlite3_vfs *v, const char *n, int len, char *out)
{
	(void)v;
	return real_vfs->xFullPathname(real_vfs, n, len, out);
}

static int
w_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
w_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return real_vfs->xSleep(real_vfs, us);
}

static int
w_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
w_lasterr(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static sqlite3_vfs w_vfs;

static void
vfs_install(void)
{
	if (real_vfs != NULL)
		return;
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	w_vfs.iVersion = 1;
	w_vfs.szOsFile = (int)sizeof(struct wfile) + real_vfs->szOsFile;
	w_vfs.mxPathname = real_vfs->mxPathname;
	w_vfs.zName = "ckpt-test";
	w_vfs.xOpen = w_open;
	w_vfs.xDelete = w_delete;
	w_vfs.xAccess = w_access;
	w_vfs.xFullPathname = w_fullpath;
	w_vfs.xRandomness = w_random;
	w_vfs.xSleep = w_sleep;
	w_vfs.xCurrentTime = w_time;
	w_vfs.xGetLastError = w_lasterr;
	assert_int_equal(sqlite3_vfs_register(&w_vfs, 1), SQLITE_OK);
}

/* ---- helpers */

static char dir[64], path[96], errpath[96];

/* Poll (10 ms steps, at most 10 s) until *v passes `want`. */
static int
wait_long(volatile long *v, long want)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000; i++) {
		if (__atomic_load_n(v, __ATOMIC_SEQ_CST) >= want)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int
count_in_stderr(const char *what)
{
	char buf[8192], *p = buf;
	size_t n;
	int c = 0;
	FILE *f;

	fflush(stderr);
	assert_non_null(f = fopen(errpath, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while ((p = strstr(p, what)) != NULL) {
		c++;
		p += strlen(what);
	}
	return c;
}

static void
insert(sqlite3 *db, int rows)
{
	char sql[128];
	int i;

	for (i = 0; i < rows; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO t (v) VALUES (randomblob(%d))", 900);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
}

static long
rows_in(sqlite3 *db)
{
	sqlite3_stmt *st;
	long n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
setup(void **state)
{
	(void)state;
	vfs_install();
	snprintf(dir, sizeof(dir), "/tmp/nhicard-ckpt.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/center.db", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	assert_non_null(freopen(errpath, "w", stderr));
	fail_main = 0;
	ckpt_writes = own_writes = main_failed = 0;
	test_thread = pthread_self();
	return 0;
}

static int
teardown(void **state)
{
	char p[128];

	(void)state;
	assert_non_null(freopen("/dev/null", "w", stderr));
	snprintf(p, sizeof(p), "%s/center.db-wal", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/center.db-shm", dir);
	unlink(p);
	unlink(path);
	unlink(errpath);
	rmdir(dir);
	return 0;
}

static sqlite3 *
serving_open(void)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
	    " PRAGMA synchronous=NORMAL;"
	    " CREATE TABLE IF NOT EXISTS t (v BLOB)", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* ---- the tests */

/* The thread checkpoints what the serving connection commits; stop
 * checkpoints the rest and gives the connection its own back. */
static void
test_checkpoints(void **state)
{
	struct sl_ckpt *c = NULL;
	sqlite3 *db = serving_open();
	char err[256];
	long before;

	(void)state;
	assert_int_equal(sl_ckpt_start(db, path, &c, err, sizeof(err)), 0);
	assert_non_null(c);
	insert(db, 50);
	assert_true(wait_long(&ckpt_writes, 1));
	sl_ckpt_stop(c);
	/* After stop, this connection checkpoints on its own again: 1100
	 * commits put more than 1000 pages into the WAL. */
	before = own_writes;
	insert(db, 1100);
	assert_true(own_writes > before);
	assert_int_equal(rows_in(db), 1150);
	assert_int_equal(count_in_stderr("WAL checkpoint failed"), 0);
	sqlite3_close(db);
}

/* While the thread runs, a commit never checkpoints, past 1000 pages of
 * WAL too (SQLite's own threshold): the serving thread writes nothing to
 * the main file. Without sl_ckpt_start it does (test_cannot_open). */
static void
test_serving_connection_never_checkpoints(void **state)
{
	struct sl_ckpt *c = NULL;
	sqlite3 *db = serving_open();
	char err[256];
	long before;

	(void)state;
	assert_int_equal(sl_ckpt_start(db, path, &c, err, sizeof(err)), 0);
	before = own_writes;
	insert(db, 1100);
	assert_int_equal(own_writes, before);
	assert_int_equal(rows_in(db), 1100);
	assert_true(wait_long(&ckpt_writes, 1));
	sl_ckpt_stop(c);
	sqlite3_close(db);
}

/* A full disk: the failure said once (not at each commit's checkpoint),
 * the commits go on into the WAL, and the recovery said once; nothing is
 * lost. */
static void
test_full_disk(void **state)
{
	struct sl_ckpt *c = NULL;
	sqlite3 *db = serving_open();
	char err[256];
	long before;
	int i;

	(void)state;
	assert_int_equal(sl_ckpt_start(db, path, &c, err, sizeof(err)), 0);
	fail_main = 1;
	insert(db, 20);
	assert_true(wait_long(&main_failed, 1));
	/* Three more commits, each waking a checkpoint that fails. */
	for (i = 0; i < 3; i++) {
		before = main_failed;
		insert(db, 1);
		assert_true(wait_long(&main_failed, before + 1));
	}
	insert(db, 17);
	assert_int_equal(count_in_stderr("WAL checkpoint failed: database or disk is full"), 1);
	assert_int_equal(count_in_stderr(path), 1);	/* it names the store */
	fail_main = 0;
	before = ckpt_writes;
	insert(db, 1);		/* the next commit wakes the next checkpoint */
	assert_true(wait_long(&ckpt_writes, before + 1));
	sl_ckpt_stop(c);
	assert_int_equal(count_in_stderr("WAL checkpoints work again"), 1);
	assert_int_equal(count_in_stderr("WAL checkpoint failed"), 1);
	assert_int_equal(rows_in(db), 41);
	sqlite3_close(db);
}

/* A store the thread cannot open: start says so and changes nothing. */
static void
test_cannot_open(void **state)
{
	struct sl_ckpt *c = (struct sl_ckpt *)(uintptr_t)1;
	sqlite3 *db = serving_open();
	char err[256], bad[128];

	(void)state;
	snprintf(bad, sizeof(bad), "%s/no/such/dir/center.db", dir);
	assert_int_equal(sl_ckpt_start(db, bad, &c, err, sizeof(err)), -1);
	assert_null(c);
	assert_non_null(strstr(err, "WAL checkpointer: cannot open"));
	assert_non_null(strstr(err, bad));
	/* The serving connection still checkpoints on its own. */
	insert(db, 1100);
	assert_true(own_writes > 0);
	assert_int_equal(ckpt_writes, 0);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serving_connection_never_checkpoints,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_open, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
