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

/* A usage error for `nhicard card SUB`; returns NHI_EUSAGE. */
int	cmd_card_usage(const struct cmd_entry *sub, const char *why);

#endif
