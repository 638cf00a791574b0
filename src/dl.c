/*
 * dl.c: a shared library loaded on first use (util.h: util_dl_load). The
 * libraries only some commands need (libcups for printing on a queue,
 * libcurl for the queue's online push) are not linked into nhicard: with
 * their dependencies they cost every command's start several milliseconds
 * of the dynamic linker's symbol lookups (docs/performance.md "mynumber").
 */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>

#include "error.h"
#include "util.h"

int
util_dl_load(const char *soname, const char *what, const char *const *names,
    void **fns, size_t n)
{
	void *h;
	const char *e;
	size_t i;

	dlerror();
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		return err_set(NHI_ENOFILE, "%s (%s) cannot be loaded: %s", what, soname,
		    e != NULL ? e : "no reason given");
	}
	for (i = 0; i < n; i++) {
		dlerror();
		if ((fns[i] = dlsym(h, names[i])) == NULL) {
			e = dlerror();
			return err_set(NHI_EINTERNAL, "%s (%s) has no %s: %s", what, soname,
			    names[i], e != NULL ? e : "not found");
		}
	}
	/* Kept loaded for the life of the process. */
	return 0;
}
