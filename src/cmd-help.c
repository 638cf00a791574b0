/*
 * cmd-help.c: `nhicard help [COMMAND]`.
 */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "error.h"

static int
cmd_help_exec(struct session *ctx, int argc, char **argv)
{
	const struct cmd_entry *entry;
	size_t i;

	if (argc > 2)
		return cmd_operands(&cmd_help_entry, "help", argc, argv, 1, 1);
	if (argc == 2) {
		if ((entry = cmd_find(argv[1])) == NULL)
			return err_set(NHI_EUSAGE, "unknown command '%s'; "
			    "'nhicard help' lists them", argv[1]);
		cmd_print_help(stdout, entry);
		return 0;
	}
	printf("usage: nhicard [--db PATH] [--config PATH] [--reader NAME]\n"
	    "               [--operator LOGIN] [--approver LOGIN] COMMAND [ARGS]\n\n"
	    "nhicard is the town-office station for NHI keys on resident cards.\n\n"
	    "Commands:\n");
	for (i = 0; cmd_table[i] != NULL; i++)
		printf("  %-12s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nRun 'nhicard COMMAND --help' for one command's options.\n"
	    "Exit codes: 0 success, 1 refused, 2 usage, 3 data problem,\n"
	    "4 card or reader problem, 5 system problem (file, store, disk,\n"
	    "network), 6 internal error. See nhicard(1).\n");
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "list the commands, or explain one",
	.help = "",
	.exec = cmd_help_exec,
};
