/*
 * cmd-operator.c: `nhicard operator add|list|passwd|disable|enable|unlock`:
 * operator accounts (docs/operators.md). Supervisors only (the role table),
 * except on a store with no operator yet, where the first account, a
 * supervisor, is created by whoever sets the station up (bootstrap).
 * New passwords come from the terminal or $NHICARD_NEW_PASSWORD_FD.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmd.h"
#include "crypto-keystore.h"
#include "error.h"
#include "operator.h"
#include "store.h"
#include "util.h"


static int
usage(const char *why)
{
	return cmd_usage(&cmd_operator_entry, why);
}

/* A login: 1-63 of [a-z0-9._-], starting with a letter. */
static int
check_login(const char *login)
{
	size_t i, n = strlen(login);

	if (n == 0 || n > 63 || login[0] < 'a' || login[0] > 'z')
		goto bad;
	for (i = 0; i < n; i++)
		if (!((login[i] >= 'a' && login[i] <= 'z') ||
		    (login[i] >= '0' && login[i] <= '9') || strchr("._-", login[i])))
			goto bad;
	if (strcmp(login, OPERATOR_DEMO_LOGIN) == 0 || strcmp(login, "setup") == 0)
		return err_set(NHI_EUSAGE, "login '%s' is reserved for the built-in"
		    " operator", login);
	return 0;
bad:
	return err_set(NHI_EUSAGE, "login '%s': 1 to 63 lower-case letters, digits,"
	    " '.', '_' or '-', starting with a letter", login);
}

/* The new password, hashed. */
static int
new_password_hash(struct session *ctx, const char *login, char **hash)
{
	struct crypto_scrypt_params p;
	char *prompt, *pw = NULL;
	int r;

	if ((r = operator_scrypt_params(ctx->cfg, &p)) != 0)
		return r;
	prompt = xasprintf("New password for operator %s", login);
	r = operator_read_secret("NHICARD_NEW_PASSWORD_FD", prompt, &pw);
	free(prompt);
	if (r != 0)
		return r;
	if ((r = operator_password_check(login, pw)) == 0)
		r = crypto_password_hash(pw, &p, hash);
	util_free_secret(pw, strlen(pw));
	return r;
}

static int
op_add(struct session *ctx, struct store *st, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct operator_account a;
	const char *role = NULL, *name = NULL;
	int64_t count = 0;
	int c, r;

	memset(&a, 0, sizeof(a));
	optind = 0;	/* 0: glibc re-reads the option string (main used "+") */
	while ((c = getopt_long(argc, argv, "r:n:", longopts, NULL)) != -1) {
		if (c == 'r')
			role = optarg;
		else if (c == 'n')
			name = optarg;
		else
			return usage("unknown option to operator add");
	}
	if (argc - optind > 1)
		return cmd_operands(&cmd_operator_entry, "operator add", argc, argv, optind, 1);
	if (optind != argc - 1)
		return usage("operator add LOGIN --role ROLE [--name TEXT]");
	if (role == NULL)
		return usage("operator add: --role clerk|supervisor|key_officer|auditor");
	if ((a.role = operator_role_bit(role)) == 0)
		return usage("--role: expected clerk, supervisor, key_officer or auditor");
	if ((r = check_login(argv[optind])) != 0)
		return r;
	if ((r = store_operator_count(st, &count)) != 0)
		return r;
	if (count == 0 && a.role != OPERATOR_ROLE_SUPERVISOR)
		return err_set(NHI_EREFUSED, "the first operator of a station must be a"
		    " supervisor (--role supervisor): it creates the others");
	snprintf(a.login, sizeof(a.login), "%s", argv[optind]);
	snprintf(a.display_name, sizeof(a.display_name), "%s",
	    name != NULL ? name : argv[optind]);
	if ((r = new_password_hash(ctx, a.login, &a.password_hash)) != 0)
		goto out;
	if ((r = store_begin(st)) != 0)
		goto out;
	if ((r = store_operator_insert(st, &a)) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "operator.add", a.login,
	    AUDIT_OK, role)) != 0 || (r = store_commit(st)) != 0) {
		store_rollback(st);
		goto out;
	}
	printf("operator %s added (%s)%s\n", a.login, role,
	    count == 0 ? ": the station's first supervisor; from now on production"
	    " mode needs --operator" : "");
out:
	operator_account_clear(&a);
	return r;
}

/* UTC now in the store's format, to tell a lock still running. */
static void
utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
op_list(struct store *st)
{
	struct operator_account *v = NULL;
	size_t n = 0, i;
	char now[32];
	int r;

	if ((r = store_operator_list(st, &v, &n)) != 0)
		return r;
	utc_now(now, sizeof(now));
	for (i = 0; i < n; i++) {
		printf("%-16s %-12s %-9s %s\n", v[i].login, operator_role_name(v[i].role),
		    v[i].disabled ? "disabled" : v[i].locked_until[0] &&
		    strcmp(v[i].locked_until, now) > 0 ? "locked" : "active",
		    v[i].display_name);
		operator_account_clear(&v[i]);
	}
	free(v);
	printf("%zu operator%s\n", n, n == 1 ? "" : "s");
	return 0;
}

/* passwd, disable, enable, unlock: one LOGIN each. */
static int
op_change(struct session *ctx, struct store *st, const char *sub, int argc, char **argv)
{
	struct operator_account a;
	char *hash = NULL, *action;
	int r;

	if (argc > 2)
		return cmd_operands(&cmd_operator_entry, "operator", argc, argv, 1, 1);
	if (argc != 2)
		return usage("expected one LOGIN");
	memset(&a, 0, sizeof(a));
	if ((r = store_operator_get(st, argv[1], &a)) != 0)
		return r;
	operator_account_clear(&a);
	if (strcmp(sub, "passwd") == 0 &&
	    (r = new_password_hash(ctx, argv[1], &hash)) != 0)
		return r;
	if ((r = store_begin(st)) != 0)
		goto out;
	if (strcmp(sub, "passwd") == 0)
		r = store_operator_set_password(st, argv[1], hash);
	else if (strcmp(sub, "unlock") == 0)
		r = store_operator_set_failures(st, argv[1], 0, NULL);
	else
		r = store_operator_set_disabled(st, argv[1], strcmp(sub, "disable") == 0);
	action = xasprintf("operator.%s", sub);
	if (r == 0)
		r = audit_append(st, ctx->operator_login, action, argv[1], AUDIT_OK, NULL);
	free(action);
	if (r != 0 || (r = store_commit(st)) != 0) {
		store_rollback(st);
		goto out;
	}
	printf("operator %s: %s\n", argv[1], strcmp(sub, "passwd") == 0 ?
	    "password changed" : strcmp(sub, "unlock") == 0 ? "unlocked" :
	    strcmp(sub, "disable") == 0 ? "disabled" : "enabled");
out:
	if (hash != NULL)
		util_free_secret(hash, strlen(hash));
	return r;
}

static int
operator_exec(struct session *ctx, int argc, char **argv)
{
	struct store *st;
	const char *sub;
	int r;

	if (argc < 2)
		return usage("expected add, list, passwd, disable, enable or unlock");
	sub = argv[1];
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "passwd") != 0 && strcmp(sub, "disable") != 0 &&
	    strcmp(sub, "enable") != 0 && strcmp(sub, "unlock") != 0)
		return usage("expected add, list, passwd, disable, enable or unlock");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if (strcmp(sub, "add") == 0)
		return op_add(ctx, st, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return argc == 2 ? op_list(st) :
		    cmd_operands(&cmd_operator_entry, "operator list", argc, argv, 2, 0);
	return op_change(ctx, st, sub, argc - 1, argv + 1);
}

const struct cmd_entry cmd_operator_entry = {
	.name = "operator",
	.usage = "add LOGIN --role ROLE [--name TEXT] | list | passwd LOGIN |"
	    " disable LOGIN | enable LOGIN | unlock LOGIN",
	.summary = "manage operator accounts and their roles (supervisors)",
	.help =
	    "Operator accounts (docs/operators.md). Roles: clerk, supervisor,\n"
	    "key_officer, auditor. Supervisors only; the first account of a store is\n"
	    "created without an operator and must be a supervisor.\n"
	    "  add LOGIN --role ROLE   new account; the password is read from the\n"
	    "                          terminal or NHICARD_NEW_PASSWORD_FD (10+ chars)\n"
	    "  list                    accounts, roles and states\n"
	    "  passwd LOGIN            set a new password (and clear a lockout)\n"
	    "  disable | enable LOGIN  stop or allow an account's logins\n"
	    "  unlock LOGIN            clear a lockout after failed logins\n",
	.exec = operator_exec,
};
