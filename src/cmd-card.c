/*
 * cmd-card.c: `nhicard card SUB ...`: dispatch over the card
 * sub-commands (one file each, src/cmd-card-<sub>.c) and what they share:
 * connecting to the station's reader.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "cmd-card.h"
#include "cmd.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

/* Alphabetical; one line per sub-command (declared in cmd-card.h). */
const struct cmd_entry *const cmd_card_table[] = {
	&cmd_card_apdu_entry,
	&cmd_card_inspect_entry,
	&cmd_card_lock_entry,
	&cmd_card_personalize_entry,
	&cmd_card_readers_entry,
	&cmd_card_status_entry,
	&cmd_card_unlock_entry,
	&cmd_card_verify_entry,
	&cmd_card_watch_entry,
	NULL
};

/* The vpcd virtual reader's names ("Virtual PCD 00 00"): a card in it is
 * software anyone on the machine can run, fit for tests only. */
static int
reader_is_virtual(const char *name)
{
	return name != NULL && strstr(name, "Virtual PCD") != NULL;
}

/* A production station refuses the virtual reader unless the configuration
 * says card.allow_virtual_reader = yes (a test bench). */
static int
reader_allowed(struct cmd_ctx *ctx, const char *name)
{
	enum crypto_mode mode;
	const char *allow = config_get(ctx->cfg, "card.allow_virtual_reader", "no");
	int r;

	if (!reader_is_virtual(name))
		return 0;
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	if (mode != CRYPTO_MODE_PRODUCTION || strcmp(allow, "yes") == 0)
		return 0;
	/* The test suite's card tests (a test build only). */
	if (NHI_TEST_HOOKS && getenv("NHICARD_TEST_VIRTUAL_READER") != NULL)
		return 0;
	return err_set(NHI_EDENIED, "reader '%s' is the vpcd virtual reader, whose"
	    " card is a program anyone on this machine can run: refused in production"
	    " mode (card.allow_virtual_reader = yes allows it on a test bench)", name);
}

int
cmd_card_connect(struct cmd_ctx *ctx, struct card **out)
{
	struct card *card = NULL;
	const char *ext = config_get(ctx->cfg, "card.extended", "auto"), *settle;
	int r;

	if (strcmp(ext, "auto") != 0 && strcmp(ext, "yes") != 0 && strcmp(ext, "no") != 0)
		return err_set(NHI_ECONFIG, "%s: card.extended = %s: expected auto, yes "
		    "or no", ctx->config_path, ext);
	if ((r = reader_allowed(ctx, ctx->reader)) != 0)
		return r;
	if ((r = card_connect(ctx->reader, &card)) != 0)
		return r;
	/* The reader picked when none was named: checked before any APDU. */
	if ((r = reader_allowed(ctx, card->reader)) != 0) {
		card_close(card);
		return r;
	}
	if ((settle = config_get(ctx->cfg, "card.settle_ms", NULL)) != NULL) {
		char *end;
		long v = strtol(settle, &end, 10);

		if (*settle == '\0' || *end != '\0' || v < 0 || v > 60000) {
			card_close(card);
			return err_set(NHI_ECONFIG, "%s: card.settle_ms = %s: expected"
			    " milliseconds from 0 to 60000", ctx->config_path, settle);
		}
		card->settle_ms = v;
	}
	if (strcmp(ext, "yes") == 0)
		card->extended = 1;
	else if (strcmp(ext, "no") == 0)
		card->extended = 0;
	*out = card;
	return 0;
}

int
cmd_card_usage(const struct cmd_entry *sub, const char *why)
{
	return err_set(NHI_EUSAGE, "%s\nusage: nhicard card %s %s\n"
	    "Run 'nhicard card help %s' for details.", why, sub->name, sub->usage,
	    sub->name);
}

static const struct cmd_entry *
card_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_card_table[i] != NULL; i++)
		if (strcmp(cmd_card_table[i]->name, name) == 0)
			return cmd_card_table[i];
	return NULL;
}

static void
card_list(FILE *fp)
{
	size_t i;

	fprintf(fp, "card sub-commands:\n");
	for (i = 0; cmd_card_table[i] != NULL; i++)
		fprintf(fp, "  %-10s %s\n", cmd_card_table[i]->name,
		    cmd_card_table[i]->summary);
}

static int
cmd_card_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *sub;

	if (argc < 2)
		return cmd_usage(&cmd_card_entry, "expected a sub-command; "
		    "'nhicard card help' lists them");
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			card_list(stdout);
			return 0;
		}
		if ((sub = card_find(argv[2])) == NULL)
			return err_set(NHI_EUSAGE, "unknown card sub-command '%s'; "
			    "'nhicard card help' lists them", argv[2]);
		printf("usage: nhicard card %s%s%s\n\n%s\n", sub->name,
		    sub->usage[0] ? " " : "", sub->usage, sub->summary);
		if (sub->help != NULL && sub->help[0] != '\0')
			printf("\n%s", sub->help);
		return 0;
	}
	if ((sub = card_find(argv[1])) == NULL)
		return err_set(NHI_EUSAGE, "unknown card sub-command '%s'; "
		    "'nhicard card help' lists them", argv[1]);
	return sub->exec(ctx, argc - 1, argv + 1);
}

const struct cmd_entry cmd_card_entry = {
	.name = "card",
	.usage = "SUB [ARGS]",
	.summary = "inspect cards and readers (IT staff)",
	.help =
	    "Card sub-commands for IT staff; they use the reader named by --reader\n"
	    "(or card.reader in the configuration), else the only reader present.\n"
	    "  help [SUB]       list all the sub-commands, or explain one\n"
	    "  readers          list the readers and which hold a card\n"
	    "  status           the reader, the card's ATR and extended-length support\n"
	    "  apdu HEX...      send raw command APDUs and print the responses\n"
	    "  ...              'nhicard card help' lists the others\n"
	    "Configuration: card.extended = auto|yes|no overrides what the ATR says\n"
	    "about extended-length APDUs. A card or reader problem exits 4.\n",
	.exec = cmd_card_exec,
};
