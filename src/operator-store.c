/*
 * operator-store.c: operator accounts (table operators): login, display
 * name, role, password hash (crypto-password.c format), failed logins,
 * lock time, disabled flag. Callers decide; this file only reads and
 * writes rows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "operator.h"
#include "store-int.h"
#include "util.h"

#define OP_COLUMNS "id, login, display_name, role, password_hash, failed_logins," \
	" coalesce(locked_until, ''), disabled, created_at"

void
operator_account_clear(struct operator_account *a)
{
	if (a == NULL)
		return;
	if (a->password_hash != NULL)
		util_free_secret(a->password_hash, strlen(a->password_hash));
	memset(a, 0, sizeof(*a));
}

static void
op_from_row(sqlite3_stmt *s, struct operator_account *a)
{
	char role[32];

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, a->login, sizeof(a->login));
	store_col_text(s, 2, a->display_name, sizeof(a->display_name));
	store_col_text(s, 3, role, sizeof(role));
	a->role = operator_role_bit(role);
	a->password_hash = store_col_dup(s, 4);
	a->failed_logins = sqlite3_column_int(s, 5);
	store_col_text(s, 6, a->locked_until, sizeof(a->locked_until));
	a->disabled = sqlite3_column_int(s, 7);
	store_col_text(s, 8, a->created_at, sizeof(a->created_at));
}

int
store_operator_count(struct store *st, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT count(*) FROM operators", &s)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) != SQLITE_ROW)
		r = store_err(st, rc, "counting operators");
	else
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return r;
}

int
store_operator_insert(struct store *st, struct operator_account *a)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	const char *role = operator_role_name(a->role);
	int r, rc;

	if (role == NULL)
		return err_set(NHI_EINTERNAL, "operator %s: no single role", a->login);
	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "INSERT INTO operators (login, display_name, role,"
	    " password_hash, created_at) VALUES (?, ?, ?, ?, ?)", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, a->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT)
		r = err_set(NHI_EEXISTS, "operator '%s' already exists", a->login);
	else if (rc != SQLITE_DONE)
		r = store_err(st, rc, "adding an operator");
	else {
		a->id = sqlite3_last_insert_rowid(st->db);
		snprintf(a->created_at, sizeof(a->created_at), "%s", now);
	}
	sqlite3_finalize(s);
	return r;
}

int
store_operator_get(struct store *st, const char *login, struct operator_account *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " OP_COLUMNS " FROM operators WHERE login = ?",
	    &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		op_from_row(s, out);
	else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no operator '%s'", login);
	else
		r = store_err(st, rc, "reading an operator");
	sqlite3_finalize(s);
	return r;
}

int
store_operator_list(struct store *st, struct operator_account **out, size_t *count)
{
	sqlite3_stmt *s = NULL;
	struct operator_account *v = NULL;
	size_t n = 0, i;
	int r, rc;

	if ((r = store_prepare(st, "SELECT " OP_COLUMNS " FROM operators ORDER BY login",
	    &s)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		op_from_row(s, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "listing operators");
		for (i = 0; i < n; i++)
			operator_account_clear(&v[i]);
		free(v);
	} else {
		*out = v;
		*count = n;
	}
	sqlite3_finalize(s);
	return r;
}

/* Run one UPDATE of a row named by login; NHI_ENOTFOUND if none. */
static int
op_update(struct store *st, const char *sql, const char *login, int has_text,
    const char *text, int has_num, int num)
{
	sqlite3_stmt *s = NULL;
	int r, rc, i = 1;

	if ((r = store_prepare(st, sql, &s)) != 0)
		return r;
	if (has_text)
		sqlite3_bind_text(s, i++, text, -1, SQLITE_STATIC);
	if (has_num)
		sqlite3_bind_int(s, i++, num);
	sqlite3_bind_text(s, i, login, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "updating an operator");
	else if (sqlite3_changes(st->db) == 0)
		r = err_set(NHI_ENOTFOUND, "no operator '%s'", login);
	sqlite3_finalize(s);
	return r;
}

int
store_operator_set_password(struct store *st, const char *login, const char *hash)
{
	return op_update(st, "UPDATE operators SET password_hash = ?, failed_logins = 0,"
	    " locked_until = NULL WHERE login = ?", login, 1, hash, 0, 0);
}

int
store_operator_set_failures(struct store *st, const char *login, int failed,
    const char *locked_until)
{
	if (locked_until != NULL && *locked_until == '\0')
		locked_until = NULL;
	return op_update(st, "UPDATE operators SET locked_until = ?, failed_logins = ?"
	    " WHERE login = ?", login, 1, locked_until, 1, failed);
}

int
store_operator_attempt(struct store *st, const char *login, const char *now,
    int max_failures, const char *lock_until, struct operator_account *out,
    enum operator_attempt *verdict)
{
	struct operator_account a;
	int r, own = 0;

	memset(&a, 0, sizeof(a));
	if (!st->in_txn) {
		if ((r = store_begin(st)) != 0)
			return r;
		own = 1;
	}
	if ((r = store_operator_get(st, login, &a)) != 0)
		goto out;
	if (a.disabled) {
		*verdict = OPERATOR_ATTEMPT_DISABLED;
	} else if (a.locked_until[0] != '\0' && strcmp(a.locked_until, now) > 0) {
		*verdict = OPERATOR_ATTEMPT_LOCKED;
	} else {
		if (a.locked_until[0] != '\0') {	/* the lock has passed */
			a.failed_logins = 0;
			a.locked_until[0] = '\0';
		}
		if (a.failed_logins >= max_failures) {
			/* Attempts still in flight used up the tries: lock now. */
			snprintf(a.locked_until, sizeof(a.locked_until), "%s", lock_until);
			*verdict = OPERATOR_ATTEMPT_LOCKED;
		} else {
			a.failed_logins++;
			*verdict = OPERATOR_ATTEMPT_CHECK;
		}
		if ((r = store_operator_set_failures(st, login, a.failed_logins,
		    a.locked_until)) != 0)
			goto out;
	}
	if (own) {
		own = 0;
		if ((r = store_commit(st)) != 0)
			goto out;
	}
	*out = a;
	memset(&a, 0, sizeof(a));
	r = 0;
out:
	if (own)
		store_rollback(st);
	operator_account_clear(&a);
	return r;
}

int
store_operator_set_disabled(struct store *st, const char *login, int disabled)
{
	return op_update(st, "UPDATE operators SET disabled = ? WHERE login = ?", login,
	    0, NULL, 1, disabled ? 1 : 0);
}
