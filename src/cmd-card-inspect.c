/*
 * cmd-card-inspect.c: `nhicard card inspect [--show-items]`: what is on
 * the card in the reader: its kind, which basic items it holds (their
 * values only with --show-items), the security domain's key versions and
 * children with their life cycle status, and the NHI AP's key record with
 * whether its signature verifies. Read-only: no secure channel.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card-perso.h"
#include "card.h"
#include "cmd-card.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "flow-perso.h"
#include "util.h"

static const char *
lcs_name(uint8_t lcs)
{
	switch (lcs) {
	case CARD_LCS_CREATION:
		return "creation (not valid)";
	case CARD_LCS_ACTIVATED:
		return "activated";
	case CARD_LCS_DEACTIVATED:
		return "deactivated (locked)";
	}
	return "unknown";
}

static void
print_record(const struct card_key_record *rec, struct card_keys *keys, const char *keyerr)
{
	char fp[9], id[2 * CARD_SIGNER_ID_LEN + 1];
	int r;

	card_user_number_fingerprint(rec->user_number, fp);
	hex_encode(rec->signer_id, CARD_SIGNER_ID_LEN, id);
	printf("key record:\n");
	printf("  user number: %s... (fingerprint)\n", fp);
	printf("  insurer number: %s\n", rec->insurer_number);
	printf("  municipality code: %s\n", rec->municipality_code);
	printf("  key generation: %d\n", rec->key_generation);
	printf("  issue date: %s\n", rec->issue_date);
	printf("  card kind: %s\n", card_kind_name(rec->kind));
	printf("  signer key id: %s\n", id);
	if (keys == NULL) {
		printf("  signature: not checked (%s)\n", keyerr);
		return;
	}
	r = card_record_check_signature(keys, rec);
	printf("  signature: %s\n", r == 0 ? "verifies" : err_text(r));
	err_clear();
}

static int
card_inspect_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "show-items", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct card *card = NULL;
	struct card_info info;
	struct card_nhi_state nhi;
	char aid[2 * CARD_AID_MAX + 1], *keyerr = NULL, subject[48];
	size_t i;
	int c, r, show = 0, began = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s", longopts, NULL)) != -1) {
		if (c != 's')
			return cmd_card_usage(&cmd_card_inspect_entry, "unknown option");
		show = 1;
	}
	if (optind < argc)
		return cmd_operands(&cmd_card_entry, "card inspect", argc, argv, optind, 0);
	if (optind != argc)
		return cmd_card_usage(&cmd_card_inspect_entry, "no arguments expected");
	if ((r = card_profile_load(ctx->cfg, &prof)) != 0)
		return err_wrap(r, "%s: ", ctx->config_path);
	if (card_keys_load(ctx->cfg, &prof, &keys) != 0)
		keyerr = xstrdup(err_text(err_last()));
	err_clear();
	if ((r = session_card_connect(ctx, &card)) != 0 || (r = card_begin(card)) != 0)
		goto out;
	began = 1;
	if ((r = card_recognize(card, &prof, &info)) != 0 ||
	    (r = card_select_nhi(card, &prof, &nhi)) != 0)
		goto out;
	printf("card serial: %s\n", info.serial_hex);
	printf("family: %s\n", info.family == CARD_FAMILY_JUKI ? "Juki card" : "standalone card");
	if (info.has_juki) {
		printf("basic items: name, birth date, sex, address, municipality (%s)\n",
		    info.items.municipality);
		/* Showing the holder's items is a read of personal data: on
		 * record first (the card's serial, never the items). */
		if (show) {
			snprintf(subject, sizeof(subject), "serial:%s", info.serial_hex);
			if ((r = session_audit(ctx, 0, "card.inspect", subject,
			    "basic items shown")) != 0)
				goto out;
			printf("  name: %s\n  birth date: %s\n  sex: %s\n  address: %s\n",
			    info.items.name, info.items.birth, info.items.sex,
			    info.items.address);
		}
	}
	printf("key versions:");
	for (i = 0; i < info.kvn_count; i++)
		printf(" %02X%s", info.kvns[i], info.kvns[i] == prof.kvn ? " (municipality)" :
		    info.kvns[i] == prof.transport_kvn ? " (transport)" : "");
	printf("\nsecurity domain children: %zu\n", info.child_count);
	for (i = 0; i < info.child_count; i++) {
		const struct card_child *ch = &info.children[i];
		int town = ch->aid_len == prof.aid_town_len &&
		    memcmp(ch->aid, prof.aid_town, ch->aid_len) == 0;
		int nhiap = ch->aid_len == prof.aid_nhi_len &&
		    memcmp(ch->aid, prof.aid_nhi, ch->aid_len) == 0;

		hex_encode(ch->aid, ch->aid_len, aid);
		printf("  %s %s: LCS %02X %s\n", aid, town ? "town area" : nhiap ? "NHI AP" :
		    "other application", ch->lcs, lcs_name(ch->lcs));
	}
	if (!nhi.present)
		printf("NHI AP: absent\n");
	else {
		printf("NHI AP: LCS %02X %s\n", nhi.lcs, lcs_name(nhi.lcs));
		if (nhi.has_record)
			print_record(&nhi.rec, keys, keyerr != NULL ? keyerr : "no keys");
		else
			printf("key record: none\n");
	}
	r = 0;
out:
	if (began)
		(void)card_end(card);
	card_close(card);
	card_keys_free(keys);
	free(keyerr);
	return r;
}

const struct cmd_entry cmd_card_inspect_entry = {
	.name = "inspect",
	.usage = "[--show-items]",
	.summary = "show what is on the card: kind, applications, key record",
	.help =
	    "Reads the card without changing it: its serial and family, which\n"
	    "basic items a Juki card holds (values only with --show-items: they\n"
	    "are personal data), the key versions and applications of the free\n"
	    "area with their life cycle status, and the NHI AP's key record with\n"
	    "whether its signature verifies against the key store.\n",
	.exec = card_inspect_exec,
};
