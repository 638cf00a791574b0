/*
 * store-sort.c: how the store sorts a whole table, for the index builds
 * that read every row (the deferred indexes of an initial load). A schema
 * migration's index builds keep SQLite's defaults: version 9's two indexes
 * over a 4M store took 4.7 to 7.5 s either way, with no difference between
 * the two settings beyond the machine's noise.
 *
 * SQLite's sorter keeps up to cache_size of keys in memory per task, then
 * writes a sorted run to a temporary file and merges the runs. Given a
 * second processor, one worker thread sorts and writes a run while the
 * main thread reads the table into the next, and shares the merge: at 4
 * million residents, where each index is sorted in several runs, an
 * initial load's index phase took a third less time on two cores
 * (docs/performance.md "Index builds on two threads"). Two tasks each hold
 * a run, so the page cache is halved: the builds' memory stays what one
 * task with a 64 MB cache took. On one processor the worker could only
 * take turns with the main thread while the halved runs add a merge (the
 * 1M index phase: 5.0 s single, 6.0 s with the worker, under taskset -c
 * 0): there a single task sorts in 64 MB runs.
 */

#include "config.h"

#include <sched.h>
#include <stdlib.h>

#include "store-int.h"
#include "util.h"

/* The processors this process may run on (taskset and cpusets count). */
static int
usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

void
store_sort_begin(struct store *st)
{
	long kib = 65536;
	int threads = 0;
	char *sql;

	if (usable_cpus() >= 2) {
		kib = 32768;
		threads = 1;
	}
#if NHI_TEST_HOOKS
	/* Test builds: NHICARD_TEST_SORT_KIB=N sorts in runs of N KiB
	 * (SQLite keeps at least 250 pages) with the worker, on any number
	 * of processors, so that a small table takes the path of a large one
	 * (tests/residents-import.sh). */
	const char *v = getenv("NHICARD_TEST_SORT_KIB");

	if (v != NULL && atol(v) > 0) {
		kib = atol(v);
		threads = 1;
	}
#endif
	sql = xasprintf("PRAGMA cache_size = -%ld; PRAGMA threads = %d", kib, threads);
	(void)sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	free(sql);
}

void
store_sort_end(struct store *st)
{
	(void)sqlite3_exec(st->db, "PRAGMA cache_size = -2000; PRAGMA threads = 0", NULL,
	    NULL, NULL);
}
