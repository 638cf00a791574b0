/*
 * cmd.h: the subcommand table. Every command is given the station
 * session (session.h) main() set up.
 *
 * One file per command (cmd-<name>.c) exports one `const struct cmd_entry`;
 * cmd.c holds the table. A command's exec returns 0 or an NHI_E* code with
 * detail set (error.h); main() prints the detail and exits with the code's
 * exit class. Commands talk to the layers (card, store, crypto, print, queue,
 * rules), never to SQLite, PC/SC, OpenSSL or libharu directly.
 */
#ifndef NHI_CMD_H
#define NHI_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "session.h"

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments after the name */
	const char	*summary;	/* one line for `nhicard help` */
	const char	*help;		/* full text for `nhicard CMD --help` */
	int		(*exec)(struct session *ctx, int argc, char **argv);
};

/* The table, NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* Find a command by exact name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* Print "usage: nhicard NAME USAGE" and the help text to `fp`. */
void cmd_print_help(FILE *fp, const struct cmd_entry *entry);

/* A usage error for `entry`: sets detail and returns NHI_EUSAGE. */
int cmd_usage(const struct cmd_entry *entry, const char *why);

/*
 * The operands argv[first..argc) after a command's options (getopt has
 * moved them there): more than `max` is a usage error for `entry` that
 * names every one beyond (`what`: "resident add"), so that a value with
 * blanks left unquoted is never cut silently. 0 when they fit.
 */
int cmd_operands(const struct cmd_entry *entry, const char *what, int argc, char **argv,
    int first, int max);

/*
 * Parse a record id (a positive decimal number, optionally written "#N" as
 * lists print it) from an argument. Returns
 * 0 and sets *out, or a usage error for `entry` saying "expected WHAT id".
 */
int cmd_parse_id(const struct cmd_entry *entry, const char *what, const char *arg,
    int64_t *out);

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_card_entry;
extern const struct cmd_entry cmd_db_entry;
extern const struct cmd_entry cmd_backup_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_print_entry;
extern const struct cmd_entry cmd_queue_entry;
extern const struct cmd_entry cmd_eligibility_entry;
extern const struct cmd_entry cmd_held_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_issue_entry;
extern const struct cmd_entry cmd_resident_entry;
extern const struct cmd_entry cmd_keys_entry;
extern const struct cmd_entry cmd_operator_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_batch_entry;
extern const struct cmd_entry cmd_reinstate_entry;
extern const struct cmd_entry cmd_abandon_entry;
extern const struct cmd_entry cmd_mynumber_entry;
extern const struct cmd_entry cmd_revoke_entry;
extern const struct cmd_entry cmd_tui_entry;

#endif
