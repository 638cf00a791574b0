/*
 * cmd-tui.c: `nhicard tui`: the counter clerk's screen (tui.h,
 * docs/tui.md). The operator logs in on the screen itself; the role table
 * lets the command start without one (operator-roles.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "error.h"
#include "tui.h"

static int
cmd_tui_exec(struct session *ctx, int argc, char **argv)
{
	struct tui_options o = { 0 };
	const char *size;
	char x;

	if (argc > 1)
		return cmd_operands(&cmd_tui_entry, "tui", argc, argv, 1, 0);
	o.script = getenv("NHICARD_TUI_SCRIPT");
	if (o.script != NULL && *o.script == '\0')
		o.script = NULL;
	o.dump_dir = getenv("NHICARD_TUI_DUMP_DIR");
	if ((size = getenv("NHICARD_TUI_SIZE")) != NULL && *size != '\0' &&
	    (sscanf(size, "%d%c%d", &o.cols, &x, &o.lines) != 3 || x != 'x' ||
	    o.cols < 10 || o.lines < 5 || o.cols > 1000 || o.lines > 1000))
		return err_set(NHI_EUSAGE, "NHICARD_TUI_SIZE: expected COLSxLINES such as"
		    " 80x24, got '%.32s'", size);
	return tui_run(ctx, &o);
}

const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage = "",
	.summary = "the counter clerk's screen (ncurses, Japanese or English)",
	.help =
	    "  Log in, search residents, see a resident's household, eligibility,\n"
	    "  cards and certificates, issue, reprint, take loss reports, see the\n"
	    "  queue for the center. ui.language = ja (default) or en.\n"
	    "  Headless runs (tests): NHICARD_TUI_SCRIPT=FILE (a key script),\n"
	    "  NHICARD_TUI_DUMP_DIR=DIR (screen dumps), NHICARD_TUI_SIZE=80x24.\n"
	    "  See docs/tui.md.\n",
	.exec = cmd_tui_exec,
};
