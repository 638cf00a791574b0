/*
 * session-auth.c: who acts in a session, and may they. Decides the acting
 * operator of a command before it runs (demo and test mode, bootstrap on
 * a store without operators, production), checks the role table, and
 * runs the two-person rule (session.h). Every refusal is audited; no
 * password ever reaches a log, an audit entry or an error detail.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "operator.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define BOOTSTRAP_LOGIN	"setup"

/*
 * The store behind ctx->db_path, opened (and migrated) through
 * session_store(), or NULL in *out when the file does not exist yet. Any other failure to
 * look at it is an error: nothing is granted on a store nobody could read.
 */
static int
station_store(struct session *ctx, struct store **out)
{
	struct stat sb;
	int e;

	*out = NULL;
	if (ctx->db_path == NULL)
		return 0;
	if (stat(ctx->db_path, &sb) != 0) {
		e = errno;
		if (e == ENOENT)
			return 0;
		return err_set(NHI_EPERM, "store %s: %s", ctx->db_path, strerror(e));
	}
	return session_store(ctx, out);
}

/*
 * The station's mode is the store's, fixed when `db init` created it
 * (meta station_mode). A configuration may name a stronger mode (a test
 * store run as production), never a weaker one. A store from before the
 * mode was recorded is production once it holds operator accounts; an
 * empty one takes the configuration's mode, which is recorded now.
 */
static int
station_mode_check(struct session *ctx, struct store *st, enum crypto_mode want)
{
	enum crypto_mode have;
	char *v = NULL, *detail;
	int64_t n = 0;
	int r;

	r = store_meta_get(st, STORE_META_STATION_MODE, &v);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		if ((r = store_operator_count(st, &n)) != 0)
			return r;
		v = xstrdup(n > 0 ? crypto_mode_name(CRYPTO_MODE_PRODUCTION) :
		    crypto_mode_name(want));
		if ((r = store_meta_set(st, STORE_META_STATION_MODE, v)) != 0)
			goto out;
	} else if (r != 0)
		return r;
	if (crypto_mode_parse(v, &have) != 0) {
		r = err_set(NHI_ESTORE_CORRUPT, "store %s: its station mode (meta %s) is"
		    " not demo, test or production", store_path(st), STORE_META_STATION_MODE);
		goto out;
	}
	if (want > have) {
		r = err_set(NHI_EDENIED, "store %s belongs to a %s station; the"
		    " configuration %s says station.mode = %s, which is refused: a"
		    " station's mode is fixed when its store is created and no"
		    " configuration can weaken it", store_path(st), crypto_mode_name(have),
		    ctx->config_path != NULL ? ctx->config_path : "(default)",
		    crypto_mode_name(want));
		detail = xasprintf("store is %s, configuration says %s",
		    crypto_mode_name(have), crypto_mode_name(want));
		operator_audit(st, ctx->operator_login, "station.mode", "station",
		    AUDIT_REFUSED, detail);
		free(detail);
		goto out;
	}
	r = 0;
out:
	free(v);
	return r;
}

/* Does the store hold any operator account? A store that does not exist
 * yet holds none; one that cannot be opened is an error (fail closed). */
static int
store_has_operators(struct store *st, int *has)
{
	int64_t n = 0;
	int r;

	*has = 0;
	if (st == NULL)
		return 0;
	if ((r = store_operator_count(st, &n)) != 0)
		return r;
	*has = n > 0;
	return 0;
}

static int
authenticate(struct session *ctx, const char *login, unsigned *roles)
{
	struct store *st;
	char *prompt, *pw = NULL;
	int r;

	if ((r = session_store(ctx, &st)) != 0)
		return r;
	prompt = xasprintf("Password for operator %s", login);
	r = operator_read_secret("NHICARD_PASSWORD_FD", prompt, &pw);
	free(prompt);
	if (r != 0)
		return r;
	r = operator_login(st, ctx->cfg, login, pw, roles);
	util_free_secret(pw, strlen(pw));
	return r;
}

int
operator_authorize(struct session *ctx, const char *command, int argc,
    char **argv)
{
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	unsigned need = operator_roles_for(command, sub), roles = 0;
	enum crypto_mode mode;
	struct store *st = NULL;
	char *want, *detail, *action;
	int r, has;

	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	if (need == OPERATOR_ROLE_NONE && ctx->operator_login == NULL) {
		/* help, version, the screen (which logs in itself): the store's
		 * mode still holds, but a store that cannot be opened is the
		 * command's to report. */
		if (station_store(ctx, &st) != 0) {
			err_clear();
			return 0;
		}
		return st != NULL ? station_mode_check(ctx, st, mode) : 0;
	}
	if ((r = station_store(ctx, &st)) != 0)
		return r;
	if (st != NULL && (r = station_mode_check(ctx, st, mode)) != 0)
		return r;
	if (ctx->operator_login == NULL ||
	    (strcmp(ctx->operator_login, OPERATOR_DEMO_LOGIN) == 0 &&
	    mode != CRYPTO_MODE_PRODUCTION)) {
		/* A built-in operator only on a store without accounts: whoever
		 * can write a configuration file must not become everybody. */
		if ((r = store_has_operators(st, &has)) != 0)
			return r;
		if (has) {
			r = err_set(NHI_EDENIED, "%s mode: say who you are with --operator"
			    " LOGIN (or NHICARD_OPERATOR); the store holds operator accounts,"
			    " so 'nhicard %s' needs an operator", crypto_mode_name(mode),
			    command);
			operator_audit(st, OPERATOR_DEMO_LOGIN, "operator.builtin_refused",
			    command, AUDIT_REFUSED, "store holds operator accounts");
			return r;
		}
		ctx->operator_login = mode != CRYPTO_MODE_PRODUCTION ? OPERATOR_DEMO_LOGIN :
		    BOOTSTRAP_LOGIN;
		ctx->operator_roles = OPERATOR_ROLE_ALL;
		return 0;
	}
	if (need == OPERATOR_ROLE_NONE)
		return 0;
	if ((r = authenticate(ctx, ctx->operator_login, &roles)) != 0)
		return r;
	ctx->operator_roles = roles;
	if ((roles & need) == 0) {
		want = operator_roles_text(need);
		action = xasprintf("%s%s%s", command, sub != NULL ? " " : "",
		    sub != NULL ? sub : "");
		r = err_set(NHI_EDENIED, "operator '%s' (%s) may not run 'nhicard %s':"
		    " it needs %s", ctx->operator_login, operator_role_name(roles), action,
		    want);
		detail = xasprintf("role %s may not run %s", operator_role_name(roles),
		    action);
		operator_audit(ctx->store, ctx->operator_login, "operator.role_refused",
		    action, AUDIT_REFUSED, detail);
		free(detail);
		free(action);
		free(want);
		return r;
	}
	return 0;
}

static int approval_check(struct session *ctx, const char *action, const char *detail);

static int
builtin_operator(const struct session *ctx)
{
	return ctx->operator_login == NULL ||
	    strcmp(ctx->operator_login, OPERATOR_DEMO_LOGIN) == 0 ||
	    strcmp(ctx->operator_login, BOOTSTRAP_LOGIN) == 0;
}

int
operator_require_approval(struct session *ctx, const char *action, const char *detail)
{
	if (builtin_operator(ctx))
		return 0;	/* the built-in operator approves its own actions */
	return approval_check(ctx, action, detail);
}

int
operator_require_approval_shown(struct session *ctx, const char *action, const char *detail)
{
	struct store *st;
	int64_t accounts = 0;
	char *d;
	int r;

	if (!builtin_operator(ctx) || ctx->approver == NULL)
		return approval_check(ctx, action, detail);
	if ((r = session_store(ctx, &st)) != 0 || (r = store_operator_count(st, &accounts)) != 0)
		return r;
	if (accounts > 0)
		return approval_check(ctx, action, detail);
	d = xasprintf("approver %s (demo: not checked, no operator accounts)%s%s",
	    ctx->approver, detail != NULL ? ": " : "", detail != NULL ? detail : "");
	operator_audit(st, ctx->operator_login != NULL ? ctx->operator_login :
	    OPERATOR_DEMO_LOGIN, action, "approval", AUDIT_OK, d);
	free(d);
	return 0;
}

static int
approval_check(struct session *ctx, const char *action, const char *detail)
{
	struct store *st;
	unsigned roles = 0;
	char *prompt, *pw = NULL, *d;
	int r;

	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if (ctx->approver == NULL) {
		r = err_reason(err_set(NHI_EDENIED, "%s needs a second person: a supervisor must"
		    " approve with --approver LOGIN (password on the terminal or"
		    " NHICARD_APPROVER_PASSWORD_FD)", action), "approval.needed");
		operator_audit(st, ctx->operator_login, action, "approval", AUDIT_REFUSED,
		    "no approver");
		return r;
	}
	if (ctx->operator_login != NULL && strcmp(ctx->approver, ctx->operator_login) == 0) {
		r = err_reason(err_set(NHI_EDENIED, "%s: the approver must be another operator than"
		    " '%s'", action, ctx->operator_login), "approval.same_person");
		operator_audit(st, ctx->operator_login, action, "approval", AUDIT_REFUSED,
		    "approver is the operator");
		return r;
	}
	if (ctx->approver_password != NULL)
		pw = xstrdup(ctx->approver_password);	/* asked by a screen */
	else {
		prompt = xasprintf("Password for approver %s", ctx->approver);
		r = operator_read_secret("NHICARD_APPROVER_PASSWORD_FD", prompt, &pw);
		free(prompt);
		if (r != 0)
			return r;
	}
	r = operator_login(st, ctx->cfg, ctx->approver, pw, &roles);
	util_free_secret(pw, strlen(pw));
	if (r != 0) {
		/* The supervisor's own login failed: say so, not that the clerk
		 * lacks a permission. */
		const char *why = err_reason_of(r);

		r = err_wrap(r, "%s: approval failed: ", action);
		if (why != NULL && strcmp(why, "login.wrong_password") == 0)
			why = "approval.wrong_password";
		return err_reason(r, why);
	}
	d = xasprintf("approver %s%s%s", ctx->approver, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	if ((roles & OPERATOR_ROLE_SUPERVISOR) == 0) {
		r = err_reason(err_set(NHI_EDENIED, "%s: approver '%s' is a %s, not a supervisor",
		    action, ctx->approver, operator_role_name(roles)), "approval.not_supervisor");
		operator_audit(st, ctx->operator_login, action, "approval", AUDIT_REFUSED, d);
		free(d);
		return r;
	}
	operator_audit(st, ctx->operator_login, action, "approval", AUDIT_OK, d);
	free(d);
	return 0;
}
