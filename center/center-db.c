/*
 * center-db.c: the engine-neutral half of the center's database
 * interface (center-db.h): which engine a --db value names, and the calls
 * that go through the connection's or the statement's table.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "center-db.h"

const struct center_db_ops *
center_db_engine(const char *target, const char **conn)
{
	*conn = target;
	if (strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0)
		return &center_db_pg;
	if (strncmp(target, "pg:", 3) == 0) {
		*conn = target + 3;
		return &center_db_pg;
	}
	return &center_db_sqlite;
}

int
db_prepare(struct center_db *db, const char *sql, struct center_stmt **st)
{
	return DB_OPS(db)->prepare(db, sql, 0, st);
}

int
db_prepare_keep(struct center_db *db, const char *sql, struct center_stmt **st)
{
	return DB_OPS(db)->prepare(db, sql, 1, st);
}

void
db_bind(struct center_stmt *st, const char *kinds, ...)
{
	va_list ap;

	va_start(ap, kinds);
	db_vbind(st, kinds, ap);
	va_end(ap);
}

void
db_vbind(struct center_stmt *st, const char *kinds, va_list ap)
{
	int i;

	for (i = 0; kinds[i] != '\0'; i++)
		switch (kinds[i]) {
		case 't':
			STMT_OPS(st)->bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		case 'i':
			STMT_OPS(st)->bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			STMT_OPS(st)->bind_int64(st, i + 1, va_arg(ap, int));
			break;
		}
}

void
db_bind_text(struct center_stmt *st, int i, const char *s)
{
	STMT_OPS(st)->bind_text(st, i, s);
}

void
db_bind_int64(struct center_stmt *st, int i, int64_t v)
{
	STMT_OPS(st)->bind_int64(st, i, v);
}

int
db_step(struct center_stmt *st)
{
	return STMT_OPS(st)->step(st);
}

const char *
db_col_text(struct center_stmt *st, int i)
{
	return STMT_OPS(st)->col_text(st, i);
}

int64_t
db_col_int64(struct center_stmt *st, int i)
{
	return STMT_OPS(st)->col_int64(st, i);
}

void
db_finalize(struct center_stmt *st)
{
	if (st != NULL)
		STMT_OPS(st)->finalize(st);
}
