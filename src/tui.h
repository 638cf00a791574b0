/*
 * tui.h: the counter clerk's screens (ncursesw): what the `tui` command
 * (cmd-tui.c) and `nhicard version` need. The framework the screens share
 * is tui-int.h; docs/tui.md describes both.
 */
#ifndef NHI_TUI_H
#define NHI_TUI_H

struct session;

/* The ncurses version found at run time. */
const char *tui_library_version(void);

/* How to run the screen. All members may be NULL / 0. */
struct tui_options {
	/* A key script (headless tests, docs/tui.md): keys come from this
	 * file instead of the terminal, and curses renders to /dev/null. */
	const char	*script;
	/* Where a script's `dump NAME` writes NAME.txt ("." when NULL). */
	const char	*dump_dir;
	/* The terminal size of a scripted run (0: 80x24). */
	int		 cols, lines;
};

/*
 * Run the clerk's screen until the clerk quits: gettext and the locale
 * (tui_i18n_init), curses on the terminal (or the script's dummy
 * terminal), the login screen, then the home menu. Returns 0, or
 * NHI_EUSAGE (terminal smaller than 80x24, no UTF-8 locale, a bad
 * script: the detail says which), NHI_ENOFILE (the script), or an error of
 * the store or the configuration.
 */
int	tui_run(struct session *ctx, const struct tui_options *o);

#endif
