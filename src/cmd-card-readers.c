/*
 * cmd-card-readers.c: `nhicard card readers`: the readers pcscd sees and
 * which of them hold a card.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "card.h"
#include "cmd-card.h"
#include "error.h"

static int
card_readers_exec(struct session *ctx, int argc, char **argv)
{
	char **names = NULL;
	size_t count = 0, i;
	int r, present;

	if (argc > 1)
		return cmd_operands(&cmd_card_entry, "card readers", argc, argv, 1, 0);
	if (argc != 1)
		return cmd_card_usage(&cmd_card_readers_entry, "no arguments expected");
	if ((r = card_list_readers(&names, &count)) != 0)
		return r;
	if (count == 0) {
		r = err_set(NHI_ENO_READER, "no card reader is connected (pcscd is running "
		    "but sees none)");
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((r = card_reader_present(names[i], &present)) != 0)
			goto out;
		printf("%s\t%s\n", present ? "card" : "empty", names[i]);
	}
	r = 0;
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return r;
}

const struct cmd_entry cmd_card_readers_entry = {
	.name = "readers",
	.usage = "",
	.summary = "list the readers and which hold a card",
	.help =
	    "One line per reader: 'card' or 'empty', a tab, the reader's name (the\n"
	    "name to give --reader). Exits 4 when pcscd is not running or sees no\n"
	    "reader.\n",
	.exec = card_readers_exec,
};
