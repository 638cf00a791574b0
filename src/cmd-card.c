/*
 * cmd-card.c: `nhicard card SUB ...`: dispatch over the card
 * sub-commands (one file each, src/cmd-card-<sub>.c) and what they share:
 * connecting to the station's reader.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "cmd-card.h"
#include "cmd.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

/* Alphabetical; one line per sub-command (declared in cmd-card.h). */
const struct cmd_entry *const cmd_card_table[] = {
	&cmd_card_apdu_entry,
	&cmd_card_inspect_entry,
	&cmd_card_lock_entry,
	&cmd_card_personalize_entry,
	&cmd_card_readers_entry,
	&cmd_card_status_entry,
	&cmd_card_unlock_entry,
	&cmd_card_verify_entry,
	&cmd_card_watch_entry,
	NULL
};

int
cmd_card_usage(const struct cmd_entry *sub, const char *why)
{
	return err_set(NHI_EUSAGE, "%s\nusage: nhicard card %s %s\n"
	    "Run 'nhicard card help %s' for details.", why, sub->name, sub->usage,
	    sub->name);
}

static const struct cmd_entry *
card_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_card_table[i] != NULL; i++)
		if (strcmp(cmd_card_table[i]->name, name) == 0)
			return cmd_card_table[i];
	return NULL;
}

static void
card_list(FILE *fp)
{
	size_t i;

	fprintf(fp, "card sub-commands:\n");
	for (i = 0; cmd_card_table[i] != NULL; i++)
		fprintf(fp, "  %-10s %s\n", cmd_card_table[i]->name,
		    cmd_card_table[i]->summary);
}

static int
cmd_card_exec(struct session *ctx, int argc, char **argv)
{
	const struct cmd_entry *sub;

	if (argc < 2)
		return cmd_usage(&cmd_card_entry, "expected a sub-command; "
		    "'nhicard card help' lists them");
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			card_list(stdout);
			return 0;
		}
		if ((sub = card_find(argv[2])) == NULL)
			return err_set(NHI_EUSAGE, "unknown card sub-command '%s'; "
			    "'nhicard card help' lists them", argv[2]);
		printf("usage: nhicard card %s%s%s\n\n%s\n", sub->name,
		    sub->usage[0] ? " " : "", sub->usage, sub->summary);
		if (sub->help != NULL && sub->help[0] != '\0')
			printf("\n%s", sub->help);
		return 0;
	}
	if ((sub = card_find(argv[1])) == NULL)
		return err_set(NHI_EUSAGE, "unknown card sub-command '%s'; "
		    "'nhicard card help' lists them", argv[1]);
	return sub->exec(ctx, argc - 1, argv + 1);
}

const struct cmd_entry cmd_card_entry = {
	.name = "card",
	.usage = "SUB [ARGS]",
	.summary = "inspect cards and readers (IT staff)",
	.help =
	    "Card sub-commands for IT staff; they use the reader named by --reader\n"
	    "(or card.reader in the configuration), else the only reader present.\n"
	    "  help [SUB]       list all the sub-commands, or explain one\n"
	    "  readers          list the readers and which hold a card\n"
	    "  status           the reader, the card's ATR and extended-length support\n"
	    "  apdu HEX...      send raw command APDUs and print the responses\n"
	    "  ...              'nhicard card help' lists the others\n"
	    "Configuration: card.extended = auto|yes|no overrides what the ATR says\n"
	    "about extended-length APDUs. A card or reader problem exits 4.\n",
	.exec = cmd_card_exec,
};
