/*
 * cmd-card.h: `nhicard card SUB ...`: the card sub-commands for IT staff.
 *
 * Each sub-command is one file src/cmd-card-<sub>.c exporting one
 * `const struct cmd_entry cmd_card_<sub>_entry` (name, usage, summary,
 * help, exec as for top-level commands; exec gets argv[0] == SUB). To add
 * one: declare it below and add `&cmd_card_<sub>_entry,` to the table in
 * cmd-card.c (alphabetical), one line each.
 */
#ifndef NHI_CMD_CARD_H
#define NHI_CMD_CARD_H

#include "cmd.h"

struct card;

/* The sub-command table, NULL-terminated (cmd-card.c). */
extern const struct cmd_entry *const cmd_card_table[];

extern const struct cmd_entry cmd_card_apdu_entry;
extern const struct cmd_entry cmd_card_inspect_entry;
extern const struct cmd_entry cmd_card_lock_entry;
extern const struct cmd_entry cmd_card_personalize_entry;
extern const struct cmd_entry cmd_card_readers_entry;
extern const struct cmd_entry cmd_card_status_entry;
extern const struct cmd_entry cmd_card_unlock_entry;
extern const struct cmd_entry cmd_card_verify_entry;
extern const struct cmd_entry cmd_card_watch_entry;

/*
 * Connect to the card in the reader the station uses: --reader or
 * card.reader from the configuration, else the only reader present.
 * Applies card.extended (auto|yes|no, default auto: as the ATR says).
 * Returns 0 and sets *out (caller must card_close), or the card_connect
 * error (NHI_ENO_SERVICE, NHI_ENO_READER, NHI_ENO_CARD, ...) or
 * NHI_ECONFIG.
 */
int	cmd_card_connect(struct cmd_ctx *ctx, struct card **out);

/* A usage error for `nhicard card SUB`; returns NHI_EUSAGE. */
int	cmd_card_usage(const struct cmd_entry *sub, const char *why);

#endif
