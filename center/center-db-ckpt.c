/*
 * center-db-ckpt.c: a serving SQLite center's WAL checkpoints, on a
 * thread of their own (center-db.h upkeep_start).
 *
 * SQLite checkpoints by default inside the commit that takes the WAL past
 * 1000 pages: that commit copies the WAL into the database and waits for
 * two fsyncs. A clinic query's commit runs under the server's lock
 * (center-http.c), so every query behind it waited too: tens of
 * milliseconds on a slow disk, the center's p99 (docs/performance.md).
 * Here the serving connection never checkpoints: its WAL hook (which
 * replaces SQLite's automatic checkpoint) only wakes a thread, which
 * with its own connection runs a PASSIVE checkpoint: it takes no lock a
 * writer or reader waits for, copies what the WAL holds, and syncs the
 * database (synchronous=FULL). Commits that come during a checkpoint
 * wake it once more. The WAL restarts from its beginning at the next
 * write once all of it is in the database, as before. No timer: the
 * thread sleeps while nothing is committed and reads no clock. (A first
 * version woke every 200 ms on a timed wait; under tests/townyear.sh's
 * libfaketime its center refused some clinic challenges as stale, in two
 * runs of two: docs/performance.md "clinic".)
 *
 * A failed checkpoint (a full disk) is said once on stderr, and its
 * recovery once; the commits go on into the WAL meanwhile (a batch's
 * commit stays synchronous=FULL: nothing acknowledged is lost).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "center-db-ckpt.h"
#include "util.h"

/* SQLite's own threshold (pages), given back at stop. */
#define CKPT_AUTO_PAGES	1000

struct sl_ckpt {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;
	int		 pending;	/* a commit since the last checkpoint began */
	sqlite3		*serving;	/* its autocheckpoint restored at stop */
	sqlite3		*db;		/* the thread's own connection */
	char		*target;
};

static void
ckpt_once(struct sl_ckpt *c, int *failing)
{
	int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);

	if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
		if (*failing && rc == SQLITE_OK)
			fprintf(stderr, "nhicard-center: %s: WAL checkpoints work again\n",
			    c->target);
		if (rc == SQLITE_OK)
			*failing = 0;
		return;
	}
	if (!*failing)
		fprintf(stderr, "nhicard-center: %s: WAL checkpoint failed: %s (the"
		    " commits go on into the WAL; tried again after the next)\n",
		    c->target, sqlite3_errmsg(c->db));
	*failing = 1;
}

/* The serving connection's WAL hook: after each commit, in the committing
 * thread (under the server's lock): only a flag and a signal. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sl_ckpt *c = arg;

	(void)db;
	(void)name;
	(void)pages;
	pthread_mutex_lock(&c->mu);
	if (!c->pending) {
		c->pending = 1;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return SQLITE_OK;
}

static void *
ckpt_run(void *arg)
{
	struct sl_ckpt *c = arg;
	int failing = 0;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->stop && !c->pending)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->pending = 0;
		pthread_mutex_unlock(&c->mu);
		ckpt_once(c, &failing);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
sl_ckpt_start(sqlite3 *serving, const char *target, struct sl_ckpt **out,
    char *err, size_t errlen)
{
	struct sl_ckpt *c = xcalloc(1, sizeof(*c));

	*out = NULL;
	c->serving = serving;
	c->target = xstrdup(target);
	if (sqlite3_open_v2(target, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "WAL checkpointer: cannot open %s: %s", target,
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c->target);
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, ckpt_run, c) != 0) {
		snprintf(err, errlen, "WAL checkpointer: cannot start a thread");
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		sqlite3_close(c->db);
		free(c->target);
		free(c);
		return -1;
	}
	/* Only now: without the thread the serving connection keeps its own.
	 * A WAL hook replaces SQLite's automatic checkpoint (which is one). */
	sqlite3_wal_hook(serving, ckpt_hook, c);
	*out = c;
	return 0;
}

void
sl_ckpt_stop(struct sl_ckpt *c)
{
	int failing = 0;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	sqlite3_wal_autocheckpoint(c->serving, CKPT_AUTO_PAGES);
	/* What the last commits left in the WAL, into the database now. */
	ckpt_once(c, &failing);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->target);
	free(c);
}
