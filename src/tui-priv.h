/*
 * tui-priv.h: what the framework's files (tui.c, tui-dialog.c,
 * tui-progress.c, tui-script.c, tui-i18n.c) share and the screens do not
 * see: the application struct, the script driver and the locale set-up.
 */
#ifndef NHI_TUI_PRIV_H
#define NHI_TUI_PRIV_H

#include <stdio.h>

#include "tui-int.h"
#include "tui.h"

#define TUI_STACK_MAX	16
#define TUI_MIN_COLS	80
#define TUI_MIN_LINES	24
/* The key timeout: the reader is polled at least this often. */
#define TUI_POLL_MS	250
/* ESC as a character (curses has no KEY_ESC). */
#define TUI_ESC		27

struct tui_script;

struct tui {
	struct session		*ctx;
	struct tui_screen	 stack[TUI_STACK_MAX];
	int			 depth;
	WINDOW			*title, *body, *status, *hints;
	SCREEN			*screen;
	FILE			*term_out, *term_in;
	int			 quit;
	int			 dirty;
	int			 too_small;
	int			 modal;		/* dialogs open over the body */
	struct card_monitor	*mon;
	struct card_slot	 slot;
	char			 message[256];	/* status message until the next key */
	int64_t			 queue_open;	/* records waiting, -1 unknown */
	struct tui_script	*script;
};

/* ---- The script driver (tui-script.c) ---------------------------------- */

/* Read the script at `path` (all of it: errors name the line). Returns 0
 * and *out (tui_script_free), NHI_ENOFILE, or NHI_EPARSE naming
 * path:line. */
int	tui_script_open(const char *path, const char *dump_dir, struct tui_script **out);
void	tui_script_free(struct tui_script *s);

/*
 * The next key of the script for tui_read_key: runs `dump` and
 * `wait-card` directives on the way. Returns 1 and *k, 0 when a wait-card
 * directive ran (the caller re-checks the card, as on a timeout), or -1
 * at the end of the script (the application quits).
 */
int	tui_script_next(struct tui *t, struct tui_key *k);

/* Write the screen (curscr) as UTF-8 text to `path`: wide characters
 * once, trailing blanks stripped. 0 or NHI_EIO. */
int	tui_dump_screen(const char *path);

/* ---- Locale and messages (tui-i18n.c) ---------------------------------- */

/*
 * A UTF-8 LC_CTYPE (C.UTF-8 when the environment's locale is not UTF-8),
 * the gettext domain "nhicard" bound to $NHICARD_LOCALEDIR or the
 * installed locale directory, and the language of ui.language (ja, the
 * default, or en). Returns 0, NHI_EUSAGE (no UTF-8 locale) or NHI_ECONFIG
 * (ui.language not ja or en).
 */
int	tui_i18n_init(const struct config *cfg);

/* ---- Framework internals (tui.c) --------------------------------------- */

/* Redraw the status line now (dialogs and progress boxes call it). */
void	tui_draw_status(struct tui *t);
/* Poll the card monitor without waiting; tells the top screen. */
void	tui_poll_card(struct tui *t);
/* The roles in `bits` in the clerk's words; caller must free. */
char	*tui_roles_text(unsigned bits);
/* End the main loop after the current key (quit, or the script ended). */
void	tui_quit(struct tui *t);
/* Quit at the clerk's request: first a warning (default No) when
 * revocations have not been sent to the center. */
void	tui_quit_ask(struct tui *t);
/* Forget the operator and show the login screen again. */
void	tui_logout(struct tui *t);

#endif
