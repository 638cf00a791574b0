/*
 * tui-card.h: what the clerk's card screens share (tui-issue.c,
 * tui-reprint.c, tui-loss.c; helpers in tui-card.c): where documents are
 * printed, the reader's state in the clerk's words, waiting for a card,
 * the resident's heading line, and the issue screen opened for a reissue
 * after a loss report.
 */
#ifndef NHI_TUI_CARD_H
#define NHI_TUI_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "tui-int.h"

/*
 * The issue screen (tui-issue.c) opened right after a loss report
 * (tui-loss.c), arg: int64_t * (the resident). Same code as
 * tui_issue_ops; it prefers a new card over the one reported lost.
 */
extern const struct tui_screen_ops tui_reissue_ops;

/* Where a card screen prints: print.printer, else ui.print_dir as PDF
 * files, else nowhere (both NULL). Borrowed from the configuration. */
struct tui_print_target {
	const char	*printer;
	const char	*dir;
};

void	tui_card_print_target(struct tui *t, struct tui_print_target *out);

/* The target for the clerk ("printer X", "PDF files in DIR", "not
 * printed ..."), translated, into buf. */
void	tui_card_print_target_text(const struct tui_print_target *pt, char *buf,
	    size_t cap);

/* The reader's state for the clerk, translated ("カードがありません"). */
const char *tui_card_state_text(const struct card_slot *slot);

/*
 * Unless a card is in the reader already, show a box `title` saying
 * `what` (translated: which card to insert) and the reader's state at
 * each change, until a card answers. Returns 0 (a card is present) or NHI_ECANCELLED
 * (ESC).
 */
int	tui_card_wait(struct tui *t, const char *title, const char *what);

/*
 * The resident's heading line: name (kana), birth date, sex, id, as the
 * clerk checks it at the counter, into buf. 0, or the store's error
 * (NHI_ENOTFOUND for an unknown id).
 */
int	tui_card_resident_line(struct tui *t, int64_t resident_id, char *buf, size_t cap);

/*
 * A flow's events for a progress box `p` (tui_progress_events over
 * `total` steps), filled into *ev with `ce` as their state (the caller
 * keeps it while the flow runs). The flow's notes are English lines for
 * the commands: only print warnings reach the box (the screens show the
 * facts in the clerk's language). When the flow passes its cancel point
 * (asked once, before the card is written) the box stops offering ESC and
 * says the card is being written. The serial of the certificate or
 * sleeve insert printed (the print step's note) is kept in `printed`.
 */
struct tui_card_events {
	struct flow_events	 box;
	struct tui_progress	*p;
	char			 printed[32];	/* "C-00000012", or "" */
};

void	tui_card_events(struct tui_card_events *ce, struct tui_progress *p, int total,
	    struct flow_events *ev);

/* Draw `text` at row y of w, cut to the window's width from column 1. */
void	tui_card_line(WINDOW *w, int y, const char *text);

/* Draw `text` from row y of w, wrapped by width (at most `rows` rows).
 * Returns the rows used. */
int	tui_card_wrap(WINDOW *w, int y, int rows, const char *text);

#endif
