/*
 * store-stmt.c: the store's prepared-statement cache (docs/performance.md
 * "Card bureau"). Preparing a statement costs more than running most of
 * ours, and the batches run the same few hundred thousand times, so the
 * store keeps each SQL text's statement, prepared once: store_stmt hands
 * it out reset with its bindings cleared, store_stmt_done resets it (which
 * ends the read a stepping SELECT holds) and keeps it, store_close
 * finalizes them all.
 *
 * A statement already handed out (the same SQL asked for again before its
 * store_stmt_done, as a nested walk would) or one beyond the cache's room
 * is prepared on its own and finalized by store_stmt_done.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-int.h"
#include "util.h"

/* Room for every constant SQL text the station runs; the rest go uncached. */
#define STMT_CACHE_MAX	256

struct store_stmt_entry {
	uint32_t	 hash;
	int		 in_use;
	char		*sql;
	sqlite3_stmt	*stmt;
};

struct store_stmt_cache {
	struct store_stmt_entry	 e[STMT_CACHE_MAX];
	size_t			 n;
};

static uint32_t
stmt_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
store_stmt(struct store *st, const char *sql, sqlite3_stmt **out)
{
	struct store_stmt_cache *c;
	struct store_stmt_entry *e;
	uint32_t h = stmt_hash(sql);
	size_t i;
	int rc;

	*out = NULL;
	if (st->stmts == NULL)
		st->stmts = xcalloc(1, sizeof(*st->stmts));
	c = st->stmts;
	for (i = 0; i < c->n; i++) {
		e = &c->e[i];
		if (e->hash != h || strcmp(e->sql, sql) != 0)
			continue;
		if (e->in_use)
			break;		/* nested use: a statement of its own */
		sqlite3_reset(e->stmt);
		sqlite3_clear_bindings(e->stmt);
		e->in_use = 1;
		*out = e->stmt;
		return 0;
	}
	if (i < c->n || c->n == STMT_CACHE_MAX)
		return store_prepare(st, sql, out);
	if ((rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
	    NULL)) != SQLITE_OK) {
		*out = NULL;
		return store_err(st, rc, "prepare");
	}
	e = &c->e[c->n++];
	e->hash = h;
	e->sql = xstrdup(sql);
	e->stmt = *out;
	e->in_use = 1;
	return 0;
}

void
store_stmt_done(struct store *st, sqlite3_stmt *stmt)
{
	struct store_stmt_cache *c = st->stmts;
	size_t i;

	if (stmt == NULL)
		return;
	for (i = 0; c != NULL && i < c->n; i++) {
		if (c->e[i].stmt != stmt)
			continue;
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);	/* no pointer to the caller's data kept */
		c->e[i].in_use = 0;
		return;
	}
	sqlite3_finalize(stmt);
}

void
store_stmt_close_all(struct store *st)
{
	struct store_stmt_cache *c = st->stmts;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		sqlite3_finalize(c->e[i].stmt);
		free(c->e[i].sql);
	}
	free(c);
	st->stmts = NULL;
}

size_t
store_stmt_cached(const struct store *st)
{
	return st->stmts != NULL ? st->stmts->n : 0;
}
