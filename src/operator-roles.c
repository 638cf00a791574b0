/*
 * operator-roles.c: role names and THE table of which roles may run which
 * command and sub-command, consulted by operator_authorize() before every
 * command runs. One place to read and review (docs/operators.md prints it).
 * A command missing from the table needs a supervisor: fail closed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "operator.h"
#include "util.h"

#define CLERK	OPERATOR_ROLE_CLERK
#define SUPER	OPERATOR_ROLE_SUPERVISOR
#define KEYOFF	OPERATOR_ROLE_KEY_OFFICER
#define AUDIT	OPERATOR_ROLE_AUDITOR

static const struct {
	const char	*name;
	unsigned	 bit;
} role_names[] = {
	{ "clerk", CLERK },
	{ "supervisor", SUPER },
	{ "key_officer", KEYOFF },
	{ "auditor", AUDIT },
};

/* sub NULL: any sub-command not listed before it for the same command. */
static const struct {
	const char	*cmd;
	const char	*sub;
	unsigned	 roles;
} role_table[] = {
	{ "help",	 NULL,		OPERATOR_ROLE_NONE },
	{ "version",	 NULL,		OPERATOR_ROLE_NONE },
	{ "tui",	 NULL,		OPERATOR_ROLE_NONE },	/* logs in on the screen */
	{ "audit",	 "seal",	KEYOFF | SUPER | AUDIT },	/* needs the key too */
	{ "audit",	 NULL,		AUDIT | SUPER },
	{ "abandon",	 NULL,		CLERK | SUPER },
	{ "backup",	 NULL,		SUPER | KEYOFF },
	{ "restore",	 NULL,		SUPER },
	{ "batch",	 "list",	CLERK | SUPER },	/* reading runs: a clerk works the exceptions */
	{ "batch",	 "status",	CLERK | SUPER },
	{ "batch",	 "exceptions",	CLERK | SUPER },
	{ "batch",	 NULL,		SUPER },	/* starting, resuming, cancelling runs */
	{ "card",	 "lock",	SUPER },
	{ "card",	 "apdu",	KEYOFF | SUPER },
	{ "card",	 "personalize",	CLERK | SUPER },
	{ "card",	 NULL,		CLERK | SUPER | KEYOFF },
	{ "db",		 "check",	SUPER | AUDIT },
	{ "db",		 NULL,		SUPER },
	{ "eligibility", NULL,		CLERK | SUPER },
	{ "held",	 NULL,		CLERK | SUPER },
	{ "import",	 NULL,		CLERK | SUPER },
	{ "issue",	 NULL,		CLERK | SUPER },
	{ "mynumber",	 "check-revoked", SUPER },	/* a batch over every link */
	{ "mynumber",	 NULL,		CLERK | SUPER },
	{ "keys",	 "agent",	KEYOFF | SUPER },	/* a supervisor may lock it */
	{ "keys",	 NULL,		KEYOFF },
	{ "operator",	 "list",	SUPER | AUDIT },
	{ "operator",	 NULL,		SUPER },
	{ "print",	 NULL,		CLERK | SUPER },
	{ "queue",	 "purge",	SUPER },
	{ "queue",	 NULL,		CLERK | SUPER },
	{ "reinstate",	 NULL,		CLERK | SUPER },
	{ "report",	 NULL,		SUPER | AUDIT },	/* the daily report: read only */
	{ "resident",	 NULL,		CLERK | SUPER },
	{ "revoke",	 NULL,		CLERK | SUPER },
};

unsigned
operator_role_bit(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(role_names[i].name, name) == 0)
			return role_names[i].bit;
	return 0;
}

const char *
operator_role_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (role_names[i].bit == bit)
			return role_names[i].name;
	return NULL;
}

char *
operator_roles_text(unsigned bits)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (!(bits & role_names[i].bit))
			continue;
		t = xasprintf("%s%s%s", s, *s ? " or " : "", role_names[i].name);
		free(s);
		s = t;
	}
	return s;
}

unsigned
operator_roles_for(const char *cmd, const char *sub)
{
	size_t i;

	for (i = 0; i < sizeof(role_table) / sizeof(role_table[0]); i++) {
		if (strcmp(role_table[i].cmd, cmd) != 0)
			continue;
		if (role_table[i].sub == NULL ||
		    (sub != NULL && strcmp(role_table[i].sub, sub) == 0))
			return role_table[i].roles;
	}
	return SUPER;
}
