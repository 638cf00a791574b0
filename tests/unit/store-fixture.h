/*
 * store-fixture.h: a cmocka fixture for unit tests that need a fresh store:
 * `setup` creates one in a new temporary directory, `teardown` closes it
 * and removes the directory. Include it once, after cmocka.h, store.h and
 * util.h, and pass setup/teardown to cmocka_unit_test_setup_teardown.
 */
#ifndef NHI_STORE_FIXTURE_H
#define NHI_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/nhicard-unit.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	if (store_open(f->path, STORE_CREATE, &f->st) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(f->st);
	(void)system(cmd);
	free(cmd);
	free(f);
	return 0;
}

#endif
