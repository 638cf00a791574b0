/* Unit tests of opening, migrating and checking the store. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "store.h"
#include "store-int.h"
#include "util.h"

struct fixture {
	char	dir[64];
	char	path[96];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/nhicard-unit.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	(void)system(cmd);
	free(cmd);
	free(f);
	return 0;
}

static void
test_create_open_close(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct stat sb;
	int version;
	char *station = NULL;

	assert_int_equal(store_open(f->path, STORE_CREATE, &st), 0);
	assert_int_equal(store_schema_version(st, &version), 0);
	assert_int_equal(version, store_schema_latest());
	assert_int_equal(store_meta_get(st, "station_id", &station), 0);
	assert_true(strncmp(station, "station-", 8) == 0);
	free(station);
	store_close(st);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	st = NULL;
	assert_int_equal(store_open(f->path, 0, &st), 0);
	store_close(st);
	/* Creating over an existing store is refused. */
	st = NULL;
	assert_int_equal(store_open(f->path, STORE_CREATE, &st), NHI_EEXISTS);
	assert_null(st);
}

static void
test_transactions_roll_back(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char *v = NULL;

	assert_int_equal(store_open(f->path, STORE_CREATE, &st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), NHI_EINTERNAL);
	assert_int_equal(store_meta_set(st, "k", "v1"), 0);
	store_rollback(st);
	assert_int_equal(store_meta_get(st, "k", &v), NHI_ENOTFOUND);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "k", "v2"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_meta_get(st, "k", &v), 0);
	assert_string_equal(v, "v2");
	free(v);
	store_close(st);
}

static void
test_missing_and_foreign(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char *bad = xasprintf("%s/none/s.db", f->dir);
	FILE *fp;

	assert_int_equal(store_open(bad, STORE_CREATE, &st), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "does not exist"));
	assert_int_equal(store_open(f->path, 0, &st), NHI_ENOFILE);
	free(bad);

	/* A text file is not a database, and is not removed. */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 300; i++)
		fputs("plain text, not SQLite\n", fp);
	fclose(fp);
	assert_int_equal(store_open(f->path, 0, &st), NHI_ESTORE_CORRUPT);
	assert_null(st);
	assert_int_equal(access(f->path, F_OK), 0);
}

static void
test_check_reports_ok(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char *report = NULL;
	int64_t n = -1;
	int ok = 0;

	assert_int_equal(store_open(f->path, STORE_CREATE, &st), 0);
	assert_int_equal(store_check(st, &report, &ok), 0);
	assert_int_equal(ok, 1);
	assert_string_equal(report, "ok");
	free(report);
	assert_int_equal(store_count(st, "residents", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_count(st, "sqlite_schema; DROP TABLE x", &n), NHI_EINTERNAL);
	store_close(st);
}

/* How many statements the connection holds (sqlite3_next_stmt). */
static int
stmt_count(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int n = 0;

	while ((s = sqlite3_next_stmt(db, s)) != NULL)
		n++;
	return n;
}

/* The prepared-statement cache (store-stmt.c): one statement a SQL text,
 * handed out reset with no bindings, a nested use on its own, all
 * finalized when the store closes. */
static void
test_stmt_cache(void **state)
{
	static const char sel[] = "SELECT value FROM meta WHERE key = ?1";
	struct fixture *f = *state;
	struct store *st = NULL;
	sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
	char copy[sizeof(sel)];
	int base;

	assert_int_equal(store_open(f->path, STORE_CREATE, &st), 0);
	base = stmt_count(st->db);
	assert_int_equal(store_stmt(st, sel, &a), 0);
	assert_non_null(a);
	assert_int_equal(stmt_count(st->db), base + 1);
	/* Left on a row: a read is open until store_stmt_done resets it. */
	sqlite3_bind_text(a, 1, "station_id", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_true(sqlite3_stmt_busy(a));
	store_stmt_done(st, a);
	assert_false(sqlite3_stmt_busy(a));

	/* The same text (even from another buffer) gives the same statement,
	 * its binding cleared: the key matches no row. */
	memcpy(copy, sel, sizeof(sel));
	assert_int_equal(store_stmt(st, copy, &b), 0);
	assert_ptr_equal(b, a);
	assert_int_equal(sqlite3_step(b), SQLITE_DONE);
	assert_int_equal(stmt_count(st->db), base + 1);

	/* Asked for again while handed out: a statement of its own, which
	 * store_stmt_done finalizes. */
	assert_int_equal(store_stmt(st, sel, &c), 0);
	assert_non_null(c);
	assert_ptr_not_equal(c, b);
	assert_int_equal(stmt_count(st->db), base + 2);
	store_stmt_done(st, c);
	assert_int_equal(stmt_count(st->db), base + 1);
	store_stmt_done(st, b);
	store_stmt_done(st, NULL);
	assert_int_equal(store_stmt_cached(st), 1);

	/* A bad text is an error naming the store, and nothing is cached. */
	assert_int_not_equal(store_stmt(st, "SELECT nosuch FROM meta", &c), 0);
	assert_null(c);
	assert_non_null(strstr(err_detail(), "prepare"));
	err_clear();
	assert_int_equal(store_stmt_cached(st), 1);

	/* The store's own calls (store_meta_get) use the cache and give every statement back:
	 * none is left stepping. */
	assert_int_equal(store_meta_set(st, "k", "v"), 0);
	{
		char *v = NULL;

		assert_int_equal(store_meta_get(st, "k", &v), 0);
		assert_string_equal(v, "v");
		free(v);
	}
	for (a = sqlite3_next_stmt(st->db, NULL); a != NULL; a = sqlite3_next_stmt(st->db, a))
		assert_false(sqlite3_stmt_busy(a));

	/* What store_close does first: every statement finalized. */
	store_stmt_close_all(st);
	assert_int_equal(store_stmt_cached(st), 0);
	assert_int_equal(stmt_count(st->db), 0);
	/* and the cache starts again after it */
	assert_int_equal(store_stmt(st, sel, &a), 0);
	store_stmt_done(st, a);
	assert_int_equal(stmt_count(st->db), 1);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_open_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions_roll_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_reports_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
