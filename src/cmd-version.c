/*
 * cmd-version.c: `nhicard version`: this program's version and the versions
 * of the libraries found at run time.
 */
#include "config.h"

#include <stdio.h>

#include "card.h"
#include "cmd.h"
#include "crypto.h"
#include "print.h"
#include "store.h"
#include "tui.h"

static int
cmd_version_exec(struct session *ctx, int argc, char **argv)
{
	if (argc > 1)
		return cmd_operands(&cmd_version_entry, "version", argc, argv, 1, 0);
	printf("nhicard %s\n", PACKAGE_VERSION);
	printf("store schema %d\n", store_schema_latest());
	printf("SQLite %s\n", store_library_version());
	printf("%s\n", crypto_library_version());
	printf("%s (built against)\n", card_library_version());
	printf("libharu %s\n", print_library_version());
	printf("%s\n", tui_library_version());
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "print the versions of nhicard and of the libraries in use",
	.help = "",
	.exec = cmd_version_exec,
};
