/*
 * tui-login.c: the login screen. Enter asks for the operator and the
 * password (a secret prompt) and calls operator_login() (operator.h):
 * failures count towards the lockout, a locked or disabled account is
 * refused with a clear message, and every failure is audited there.
 *
 * The built-in demo operator: on the command line main() calls
 * operator_authorize(), which lets a command without --operator run as
 * "demo" with every role in demo and test mode (and as "setup" on a
 * production store without any account yet). The screen asks the same
 * function the same question (a command without an operator) instead of
 * repeating its rules; in production with accounts it refuses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "error.h"
#include "operator.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "tui-priv.h"
#include "util.h"

#define LOGIN_MAX	64
#define PASSWORD_MAX	256

/* The logged-in operator's name (ctx->operator_login points here). */
static char login_name[LOGIN_MAX];

/* What operator_authorize() is asked for the built-in operator: a command
 * that needs a role, run without --operator (it is in no role table, so
 * it needs a supervisor: never "anyone"). */
static const char login_probe[] = "tui.login";

static int
login_open(struct tui *t, struct tui_screen *s, void *arg)
{
	return 0;
}

static void
login_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	tui_put(w, 1, 2, COLS - 4, _("Welcome to the NHI card station."));
	tui_put(w, 3, 2, COLS - 4, _("Press Enter to log in with your operator name and"
	    " password."));
	tui_put(w, 4, 2, COLS - 4, _("In demo or test mode the operator \"demo\" needs no"
	    " password."));
	tui_put(w, 6, 2, COLS - 4, _("Press q to quit."));
}

/* Why operator_login() refused, in the clerk's words. */
static void
login_refused(struct tui *t, struct store *st, const char *login, int r)
{
	struct operator_account a;
	char *detail = xstrdup(err_text(r)), *body, now[32];
	const char *why = _("Unknown operator or wrong password. Check the name and"
	    " type the password again (several wrong passwords lock the account).");

	memset(&a, 0, sizeof(a));
	queue_now_utc_offset(now, sizeof(now), 0);
	if (r == NHI_EDENIED && store_operator_get(st, login, &a) == 0) {
		if (a.disabled)
			why = _("This operator account is disabled. A supervisor can"
			    " enable it again.");
		else if (a.locked_until[0] != '\0' && strcmp(a.locked_until, now) > 0)
			why = _("This operator account is locked after too many wrong"
			    " passwords. Wait until the time below, or ask a supervisor to"
			    " unlock it now.");
	} else if (r != NHI_EDENIED) {
		free(detail);
		operator_account_clear(&a);
		err_clear();
		tui_error(t, _("Logging in"), r);
		return;
	}
	operator_account_clear(&a);
	err_clear();
	body = xasprintf("%s\n\n%s %s", why, _("Details:"), detail);
	tui_message(t, _("Login failed"), body);
	free(body);
	free(detail);
}

/* The built-in operator, as main() decides it for a command. */
static int
login_builtin(struct tui *t)
{
	struct session *ctx = tui_ctx(t);
	char *argv[] = { (char *)"tui", NULL };
	int r;

	ctx->operator_login = NULL;
	ctx->operator_roles = 0;
	if ((r = operator_authorize(ctx, login_probe, 1, argv)) != 0) {
		char *body = xasprintf("%s\n\n%s %s", _("The built-in operator \"demo\""
		    " works only in demo or test mode. Log in with your operator name and"
		    " password."), _("Details:"), err_text(r));

		ctx->operator_login = NULL;
		ctx->operator_roles = 0;
		tui_message(t, _("Login failed"), body);
		free(body);
		return r;
	}
	snprintf(login_name, sizeof(login_name), "%s", ctx->operator_login);
	ctx->operator_login = login_name;
	return 0;
}

static int
login_run(struct tui *t)
{
	struct session *ctx = tui_ctx(t);
	char login[LOGIN_MAX] = "", *pw = NULL, *label;
	struct store *st;
	unsigned roles = 0;
	int r;

	if ((r = tui_prompt(t, _("Operator name:"), login, sizeof(login), 0)) != 0)
		return r;
	if (login[0] == '\0' || strcmp(login, OPERATOR_DEMO_LOGIN) == 0)
		return login_builtin(t);
	if ((r = session_store(ctx, &st)) != 0) {
		tui_error(t, _("Logging in"), r);
		return r;
	}
	pw = xcalloc(1, PASSWORD_MAX);
	label = xasprintf(_("Password for %s:"), login);
	r = tui_prompt(t, label, pw, PASSWORD_MAX, 1);
	free(label);
	if (r == 0)
		r = operator_login(st, ctx->cfg, login, pw, &roles);
	util_free_secret(pw, PASSWORD_MAX);
	if (r == NHI_ECANCELLED)
		return r;
	if (r != 0) {
		login_refused(t, st, login, r);
		return r;
	}
	snprintf(login_name, sizeof(login_name), "%s", login);
	ctx->operator_login = login_name;
	ctx->operator_roles = roles;
	operator_audit(st, login_name, "operator.login", "operator", AUDIT_OK, "screen");
	return 0;
}

static enum tui_key_result
login_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	if ((k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\r' ||
	    k->code == '\n'))) {
		if (login_run(t) == 0)
			return TUI_KEY_CLOSE;
		return TUI_KEY_HANDLED;
	}
	if (!k->func && (k->code == 'q' || k->code == TUI_ESC)) {
		tui_quit(t);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

const struct tui_screen_ops tui_login_ops = {
	.name = "login",
	.title = N_("Log in"),
	.hints = N_("Enter log in  q quit"),
	.help = N_("Log in with your operator name and password before any work;"
	    " every action is recorded under that name. Enter asks for the name, then"
	    " the password (shown as stars). A wrong password counts towards the"
	    " lockout. q quits."),
	.open = login_open,
	.draw = login_draw,
	.key = login_key,
};
