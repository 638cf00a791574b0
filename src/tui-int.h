/*
 * tui-int.h: the counter clerk's screen framework (ncursesw), shared by
 * the screens. Not for commands or layers.
 *
 * The framework (tui.c and friends) owns the terminal, the screen stack,
 * the title line, the status line (operator, reader and card state, the
 * queue's backlog) and the key-hint line; a screen (tui-<name>.c) fills a
 * struct tui_screen_ops and draws only into the body window it is given,
 * as tig's views do.
 *
 * Layout at 80x24 (larger terminals give the body more room):
 *   row 0        title: "nhicard 国保カード発行  <screen title>"
 *   rows 1..L-3  body (the top screen's window)
 *   row L-2      status: operator, reader/card state, queue backlog, message
 *   row L-1      key hints of the top screen
 *
 * Every text a clerk reads goes through _() (gettext, domain "nhicard";
 * msgids are English, po/ja.po has the Japanese, the default language).
 * Strings are UTF-8; widths are terminal columns (full-width kana and
 * kanji take two): lay text out with tui_text_width / tui_put, never with
 * strlen.
 *
 * Screens act only through the flows (flow.h, flow-print.h, flow-perso.h)
 * and the layers' headers, never through a command: no rule
 * lives only in a screen. Before an action a screen calls
 * tui_authorize(t, "issue", NULL) with the command name the action
 * corresponds to, so the role table (operator-roles.c) decides as it does
 * for the command line.
 *
 * Nothing blocks the screen: long work (card writes, printing, sending)
 * runs under a tui_progress box whose updates also redraw the status line
 * and read keys; the card state is polled at every key timeout (250 ms).
 */
#ifndef NHI_TUI_INT_H
#define NHI_TUI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>

#include "card.h"
#include "flow.h"
#include "session.h"

/* gettext */
#include <libintl.h>
#define _(s)	gettext(s)
#define N_(s)	(s)

struct tui;
struct tui_screen;

/* A key: a character (wide) or a function key (KEY_* of curses). */
struct tui_key {
	int	 func;		/* 1: `code` is a KEY_* value */
	wint_t	 code;
};

/* What a screen's key handler did with a key. */
enum tui_key_result {
	TUI_KEY_UNHANDLED = 0,	/* the framework may use it (q, ESC, F1, ...) */
	TUI_KEY_HANDLED,	/* redraw */
	TUI_KEY_CLOSE,		/* pop this screen */
};

struct tui_screen_ops {
	const char	*name;		/* "search", "resident", ...: script dumps */
	/* Title for the title line (a msgid, translated by the framework). */
	const char	*title;
	/* Key hints for the bottom line (a msgid: "Enter 選択  / 検索 ..."). */
	const char	*hints;
	/* Set up; `arg` is what tui_push was given. 0 or an NHI_E* (the
	 * framework shows the error and does not push; NHI_EDENIED from
	 * tui_authorize and NHI_ECANCELLED are not shown again). */
	int		(*open)(struct tui *t, struct tui_screen *s, void *arg);
	/* Draw into `w` (the body; erase it first). */
	void		(*draw)(struct tui *t, struct tui_screen *s, WINDOW *w);
	enum tui_key_result (*key)(struct tui *t, struct tui_screen *s,
			    const struct tui_key *k);
	/* A card was inserted or removed while this screen is on top
	 * (optional). */
	void		(*card_changed)(struct tui *t, struct tui_screen *s,
			    const struct card_slot *slot);
	/* Free priv (optional). */
	void		(*close)(struct tui *t, struct tui_screen *s);
	/* Optional: the key hints (a msgid) for the screen's present state,
	 * NULL for `hints`; what F1 says about this screen (a msgid), and
	 * about its present state (NULL for `help`). */
	const char	*(*hints_now)(struct tui_screen *s);
	const char	*help;
	const char	*(*help_now)(struct tui_screen *s);
};

struct tui_screen {
	const struct tui_screen_ops *ops;
	void			*priv;
};

/* ---- The application (tui.c) ------------------------------------------- */

/* The command context (store, configuration, reader, operator). */
struct session	*tui_ctx(struct tui *t);

/* Open a screen on top. Returns 0 or the open error (already shown). */
int	tui_push(struct tui *t, const struct tui_screen_ops *ops, void *arg);
/* Close the top screen (the home screen is never closed this way). */
void	tui_pop(struct tui *t);
/* Ask for a full redraw after the current key. */
void	tui_dirty(struct tui *t);

/* The reader and card as last polled. */
const struct card_slot *tui_card(struct tui *t);

/*
 * Read one key, waiting at most `timeout_ms` (-1: until a key), polling
 * the card monitor and redrawing the status line meanwhile. Returns 1 and
 * fills *k, or 0 on timeout. Dialogs and progress boxes read keys here.
 * Under a key script (docs/tui.md) a zero timeout sees no key, any other
 * wait takes the script's next key, and the end of the script returns ESC
 * while the application quits.
 */
int	tui_read_key(struct tui *t, int timeout_ms, struct tui_key *k);

/*
 * 0 if the operator's roles allow the command `cmd` (sub-command `sub`,
 * may be NULL), as for the command line; else shows why (not allowed for
 * this role) and returns NHI_EDENIED.
 */
int	tui_authorize(struct tui *t, const char *cmd, const char *sub);

/* A one-line message on the status line until the next key (info). */
void	tui_status_message(struct tui *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* ---- Text layout (tui-text.c) ------------------------------------------ */

/* Terminal columns of a UTF-8 string (invalid bytes count as one). */
int	tui_text_width(const char *utf8);

/*
 * Write `utf8` at (y, x) of `w`, at most `cols` columns: a wide character
 * that would straddle the limit is not drawn; when cut, the last column
 * shows "…" (or ">" where the terminal cannot). Returns columns used.
 */
int	tui_put(WINDOW *w, int y, int x, int cols, const char *utf8);

/* Pad or cut to exactly `cols` columns into buf (cap bytes). */
void	tui_fit(char *buf, size_t cap, const char *utf8, int cols);
/*
 * Wrap `utf8` by terminal columns: the first line at most `first` columns,
 * the others at most `rest` (a wide character is never split; a blank at a
 * cut is dropped). *lines gets the lines (each and the array freed by the
 * caller); returns how many (1 or more).
 */
int	tui_wrap(const char *utf8, int first, int rest, char ***lines);
/* A name or an address as the clerk sees it: 外字 (private-use characters,
 * "{SJIS:XXXX}" escapes) shown as 〓 (text_gaiji_mark). Returns buf. */
const char *tui_name(const char *s, char *buf, size_t cap);

/* ---- Dialogs (tui-dialog.c) -------------------------------------------- */

/*
 * A modal box over the current screen. `title` and `body` are already
 * translated UTF-8 (body may have '\n'); the box wraps long lines by
 * width.
 */

/* "What will happen" and yes/no (y/n, Enter = the highlighted choice,
 * default No). Returns 1 for yes, 0 for no or ESC. */
int	tui_confirm(struct tui *t, const char *title, const char *body);

/* Information; any key closes. */
void	tui_message(struct tui *t, const char *title, const char *body);

/*
 * The error `r` (an NHI_E* code with its detail, error.h) for the clerk:
 * what happened and what to do next in the clerk's language (a table by
 * code, through gettext), then the detail as the technical reason.
 * `doing` is what was being done ("カードの書き込み"), translated.
 */
void	tui_error(struct tui *t, const char *doing, int r);

/*
 * A reason a clerk reads aloud (reasons.h) in the clerk's language: the
 * text of `key`, or NULL for an unknown or NULL key. tui_reason_word()
 * gives PREFIX.WORD's text ("state", "active"), or WORD itself when the
 * table has none (and says so on stderr, which the screen tests read).
 */
const char *tui_reason(const char *key);
const char *tui_reason_word(const char *prefix, const char *word);

/*
 * One line of input with wide characters (and kana via the terminal's
 * input method). `buf` holds the initial text and receives the result.
 * secret: show '*'. Returns 0 (Enter) or NHI_ECANCELLED (ESC).
 */
int	tui_prompt(struct tui *t, const char *label, char *buf, size_t cap, int secret);

/* A list to choose from (already translated items). Returns 0 and sets
 * *choice, or NHI_ECANCELLED. */
int	tui_choose(struct tui *t, const char *title, const char *const *items,
	    int count, int *choice);

/* ---- Progress (tui-progress.c) ----------------------------------------- */

struct tui_progress;

/*
 * A progress box: title, a bar, the current step's text, the notes so far
 * and, when cancellable, "ESC 中止". Updates never block: each redraws,
 * polls the card state and reads pending keys (ESC marks it cancelled
 * when cancellable).
 */
struct tui_progress *tui_progress_open(struct tui *t, const char *title, int cancellable);
void	tui_progress_set(struct tui_progress *p, int done, int total, const char *text);
void	tui_progress_note(struct tui_progress *p, const char *text);
int	tui_progress_cancelled(const struct tui_progress *p);
void	tui_progress_cancellable(struct tui_progress *p, int on);
/* Keep the box until a key when `wait` (to read the notes), then free. */
void	tui_progress_close(struct tui_progress *p, int wait);

/*
 * Fill *ev so a flow reports into `p`: step ids become translated step
 * texts (tui_step_text) and advance the bar over `total` expected steps,
 * notes are added, cancel() answers tui_progress_cancelled().
 */
void	tui_progress_events(struct tui_progress *p, int total, struct flow_events *ev);

/* The clerk's text for a flow step id ("card.generate_key" -> "鍵を生成"). */
const char *tui_step_text(const char *id);

/* ---- Screens ------------------------------------------------------------ */

extern const struct tui_screen_ops tui_home_ops;	/* menu (tui-home.c) */
extern const struct tui_screen_ops tui_login_ops;	/* tui-login.c */
extern const struct tui_screen_ops tui_search_ops;	/* tui-search.c */
extern const struct tui_screen_ops tui_resident_ops;	/* tui-resident.c, arg: int64_t * */
extern const struct tui_screen_ops tui_queue_ops;	/* tui-queue.c */
extern const struct tui_screen_ops tui_report_ops;	/* tui-report.c */
extern const struct tui_screen_ops tui_issue_ops;	/* tui-issue.c, arg: int64_t * */
extern const struct tui_screen_ops tui_reprint_ops;	/* tui-reprint.c, arg: int64_t * */
extern const struct tui_screen_ops tui_loss_ops;	/* tui-loss.c, arg: int64_t * */

#endif
