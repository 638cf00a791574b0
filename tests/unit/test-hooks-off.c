/*
 * test-hooks-off: the test hooks are compiled out of a production build
 * (issue 16 item 10). This program is built from the hooks' own sources
 * without --enable-test-hooks' define: with NHICARD_TEST_CRASH_AT naming
 * the point, the hooks must return instead of ending the process.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch.h"
#include "queue.h"
#include "store.h"
#include "util.h"

static void
test_crash_points_are_inert(void **state)
{
	(void)state;
	assert_int_equal(NHI_TEST_HOOKS, 0);
	assert_int_equal(setenv("NHICARD_TEST_CRASH_AT", "queue.export.before_commit", 1), 0);
	queue_test_crash("queue.export.before_commit");	/* would _exit(99) */
	assert_int_equal(setenv("NHICARD_TEST_CRASH_AT", "batch:renew.prepare:1", 1), 0);
	batch_test_crash("renew.prepare");			/* would _exit(99) */
}

/* NHICARD_TEST_KILL_AT_COMMIT (src/store.c) is inert too: creating a
 * store commits many times, and the process goes on. */
static void
test_kill_at_commit_is_inert(void **state)
{
	char dir[] = "/tmp/hooks-off.XXXXXX", path[64];
	struct store *st = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	assert_int_equal(setenv("NHICARD_TEST_KILL_AT_COMMIT", "1", 1), 0);
	assert_int_equal(setenv("NHICARD_TEST_COMMIT_LOG", "/dev/full", 1), 0);
	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);	/* would SIGKILL */
	store_close(st);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_points_are_inert),
		cmocka_unit_test(test_kill_at_commit_is_inert),
	};

	return cmocka_run_group_tests_name("hooks-off", tests, NULL, NULL);
}
