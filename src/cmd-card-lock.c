/*
 * cmd-card-lock.c: `nhicard card lock` and `nhicard card unlock`: DEACTIVATE
 * or ACTIVATE the NHI AP of the card in the reader (docs/card-profile.md
 * section 6). Locking is what revocation does to a card that is present;
 * the Juki card stays usable for its other services.
 */
#include "config.h"

#include <stdio.h>

#include "card-perso.h"
#include "card.h"
#include "cmd-card.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "flow-perso.h"
#include "store.h"

static int
card_lock_run(struct session *ctx, const struct cmd_entry *entry, int argc, int lock)
{
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct card *card = NULL;
	struct store *st;
	char serial[2 * CARD_SERIAL_LEN + 1] = "", subject[48];
	int r;

	if (argc != 1)
		return cmd_card_usage(entry, "no arguments expected");
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = flow_perso_setup(ctx, &prof, &keys)) != 0 ||
	    (r = session_card_connect(ctx, &card)) != 0)
		goto out;
	if ((r = card_set_locked(card, &prof, keys, st, lock, serial)) != 0)
		goto out;
	printf("card %s: NHI AP %s\n", serial, lock ? "locked (LCS 04)" : "unlocked (LCS 05)");
	r = 0;
out:
	if (argc == 1) {
		snprintf(subject, sizeof(subject), "serial:%s", serial[0] ? serial : "-");
		r = session_audit(ctx, r, lock ? "card.lock" : "card.unlock", subject, NULL);
	}
	card_close(card);
	card_keys_free(keys);
	return r;
}

static int
card_lock_exec(struct session *ctx, int argc, char **argv)
{
	if (argc > 1)
		return cmd_operands(&cmd_card_entry, "card lock", argc, argv, 1, 0);
	return card_lock_run(ctx, &cmd_card_lock_entry, argc, 1);
}

static int
card_unlock_exec(struct session *ctx, int argc, char **argv)
{
	if (argc > 1)
		return cmd_operands(&cmd_card_entry, "card unlock", argc, argv, 1, 0);
	return card_lock_run(ctx, &cmd_card_unlock_entry, argc, 0);
}

const struct cmd_entry cmd_card_lock_entry = {
	.name = "lock",
	.usage = "",
	.summary = "lock the NHI AP of the card in the reader (DEACTIVATE FILE)",
	.help =
	    "Opens the secure channel and deactivates the NHI AP: the card no\n"
	    "longer answers a clinic's challenge; its other applications keep\n"
	    "working. Records a 'locked' event on the card's store record.\n",
	.exec = card_lock_exec,
};

const struct cmd_entry cmd_card_unlock_entry = {
	.name = "unlock",
	.usage = "",
	.summary = "unlock a locked NHI AP whose key is still active",
	.help =
	    "Activates a deactivated NHI AP again (a card found before it was\n"
	    "replaced). Refused when the store shows the card's key is not active.\n",
	.exec = card_unlock_exec,
};
