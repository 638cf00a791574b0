/*
 * cmd.c: the subcommand table.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "store.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_abandon_entry,
	&cmd_audit_entry,
	&cmd_backup_entry,
	&cmd_batch_entry,
	&cmd_card_entry,
	&cmd_db_entry,
	&cmd_eligibility_entry,
	&cmd_held_entry,
	&cmd_report_entry,
	&cmd_help_entry,
	&cmd_import_entry,
	&cmd_issue_entry,
	&cmd_keys_entry,
	&cmd_operator_entry,
	&cmd_print_entry,
	&cmd_queue_entry,
	&cmd_reinstate_entry,
	&cmd_mynumber_entry,
	&cmd_resident_entry,
	&cmd_restore_entry,
	&cmd_revoke_entry,
	&cmd_tui_entry,
	&cmd_version_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void
cmd_print_help(FILE *fp, const struct cmd_entry *entry)
{
	fprintf(fp, "usage: nhicard %s%s%s\n\n%s\n", entry->name,
	    entry->usage[0] ? " " : "", entry->usage, entry->summary);
	if (entry->help != NULL && entry->help[0] != '\0')
		fprintf(fp, "\n%s", entry->help);
}

int
cmd_usage(const struct cmd_entry *entry, const char *why)
{
	return err_usage(entry->name, entry->usage, why);
}

int
cmd_operands(const struct cmd_entry *entry, const char *what, int argc, char **argv,
    int first, int max)
{
	return err_operands(entry->name, entry->usage, what, argc, argv, first, max);
}

int
cmd_parse_id(const struct cmd_entry *entry, const char *what, const char *arg,
    int64_t *out)
{
	char *end, why[96];
	long long v;

	/* "#4", as lists print ids, is the id 4. */
	if (arg[0] == '#' && arg[1] >= '0' && arg[1] <= '9')
		arg++;
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || v <= 0 || errno == ERANGE) {
		snprintf(why, sizeof(why), "expected %s id (a positive number), got '%.32s'",
		    what, arg);
		return cmd_usage(entry, why);
	}
	*out = v;
	return 0;
}
