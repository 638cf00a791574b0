/*
 * tui.h: the counter clerk's screens (ncursesw).
 */
#ifndef NHI_TUI_H
#define NHI_TUI_H

/* The ncurses version found at run time. */
const char *tui_library_version(void);

#endif
