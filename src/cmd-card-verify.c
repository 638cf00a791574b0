/*
 * cmd-card-verify.c: `nhicard card verify`: check the card in the reader
 * as a clinic terminal would (docs/card-profile.md section 7) and show
 * what the store knows of it: the NHI AP is activated, its key record's
 * signature verifies with the municipality signing key, the card answers a
 * fresh challenge with the key in the record, and the store's row for the
 * user number.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "card-perso.h"
#include "card.h"
#include "cmd-card.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "flow-perso.h"
#include "store.h"
#include "util.h"

static int
card_verify_exec(struct session *ctx, int argc, char **argv)
{
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct card *card = NULL;
	struct card_info info;
	struct card_nhi_state nhi;
	struct store_card row;
	struct store *st;
	char fp[9], subject[32];
	int r, began = 0;

	(void)argv;
	if (argc > 1)
		return cmd_operands(&cmd_card_entry, "card verify", argc, argv, 1, 0);
	if (argc != 1)
		return cmd_card_usage(&cmd_card_verify_entry, "no arguments expected");
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = flow_perso_setup(ctx, &prof, &keys)) != 0 ||
	    (r = session_card_connect(ctx, &card)) != 0 || (r = card_begin(card)) != 0)
		goto out;
	began = 1;
	if ((r = card_recognize(card, &prof, &info)) != 0 ||
	    (r = card_select_nhi(card, &prof, &nhi)) != 0)
		goto out;
	printf("card serial: %s\n", info.serial_hex);
	if (!nhi.present || nhi.lcs != CARD_LCS_ACTIVATED || !nhi.has_record) {
		r = err_set(NHI_ESTATE, "card %s has no valid NHI AP (%s)", info.serial_hex,
		    !nhi.present ? "absent" : !nhi.has_record ? "no key record" :
		    nhi.lcs == CARD_LCS_DEACTIVATED ? "locked" : "unfinished");
		goto out;
	}
	card_user_number_fingerprint(nhi.rec.user_number, fp);
	printf("user number: %s... (fingerprint), key generation %d\n", fp,
	    nhi.rec.key_generation);
	if ((r = card_record_check_signature(keys, &nhi.rec)) != 0)
		goto out;
	printf("key record signature: verifies\n");
	if ((r = card_challenge(card, &nhi.rec, NULL)) != 0)
		goto out;
	printf("challenge-response: verifies (genuine card)\n");
	r = store_card_by_user_number(st, nhi.rec.user_number, &row);
	if (r == NHI_ENOTFOUND) {
		r = err_set(NHI_ENOTFOUND, "card %s: the store has no record of user number"
		    " %s...: not issued by this station", info.serial_hex, fp);
		goto out;
	}
	if (r != 0)
		goto out;
	printf("store: card record %lld, resident %lld, %s, issued %s\n", (long long)row.id,
	    (long long)row.resident_id, row.state, row.issued_on[0] ? row.issued_on : "-");
	if (strcmp(row.card_serial, info.serial_hex) != 0) {
		r = err_set(NHI_ECONFLICT, "card %s: the store recorded this user number on"
		    " card %s", info.serial_hex, row.card_serial);
		goto out;
	}
	if (strcmp(row.state, "revoked") == 0) {
		/* Lock when presented (docs/lifecycle.md). */
		(void)card_end(card);
		began = 0;
		if ((r = card_set_locked(card, &prof, keys, st, 1, NULL)) != 0) {
			r = err_wrap(r, "card %s: its key is revoked (card record %lld) but"
			    " locking its NHI AP failed: ", info.serial_hex, (long long)row.id);
			goto out;
		}
		printf("NHI AP locked (LCS 04): the key is revoked (%s)\n", row.state_reason);
		snprintf(subject, sizeof(subject), "card:%lld", (long long)row.id);
		(void)session_audit(ctx, 0, "card.lock", subject, "locked when presented: key"
		    " revoked");
		r = err_set(NHI_ESTATE, "card %s: its key is revoked (%s) in the store (card"
		    " record %lld): the card must not be accepted; its NHI AP has been"
		    " locked", info.serial_hex, row.state_reason, (long long)row.id);
		goto out;
	}
	if (strcmp(row.state, "active") != 0) {
		r = err_set(NHI_ESTATE, "card %s: its key is %s in the store (card record"
		    " %lld): the card must not be accepted%s", info.serial_hex, row.state,
		    (long long)row.id, strcmp(row.state, "suspended") == 0 ? " (reported lost:"
		    " reinstate it with 'nhicard reinstate' if it was found)" : "");
		goto out;
	}
	printf("verdict: valid\n");
	r = 0;
out:
	if (began)
		(void)card_end(card);
	card_close(card);
	card_keys_free(keys);
	return r;
}

const struct cmd_entry cmd_card_verify_entry = {
	.name = "verify",
	.usage = "",
	.summary = "check the card's NHI AP as a clinic would, and its store record",
	.help =
	    "Selects the NHI AP, checks the key record's signature with the\n"
	    "municipality signing key, sends a fresh random challenge and verifies\n"
	    "the answer with the card's public key, and shows the store's record of\n"
	    "the card. Exits 0 only when all of it holds and the key is active.\n",
	.exec = card_verify_exec,
};
