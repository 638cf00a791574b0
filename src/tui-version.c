/*
 * tui-version.c: the ncurses version found at run time.
 */
#include "config.h"

#include <curses.h>

#include "tui.h"

const char *
tui_library_version(void)
{
	return curses_version();
}
