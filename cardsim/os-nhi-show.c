/*
 * os-nhi-show.c: print an NHI test card for people and for tests (the
 * --inspect mode): the tree, each DF's life cycle status, the key record
 * field by field, key check values. Never a private key or a static key.
 *
 * One fact per line, "keyword value...", indented under its DF, so that a
 * test can grep it (docs/cardsim-os.md shows an example).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

extern const struct sim_os sim_os_juki, sim_os_juki_new, sim_os_standalone;

static void
print_hex(FILE *out, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(out, "%02X", b[i]);
}

static const char *
lcs_name(uint8_t lcs)
{
	switch (lcs) {
	case NHI_LCS_CREATION: return "creation";
	case NHI_LCS_ACTIVATED: return "activated";
	case NHI_LCS_DEACTIVATED: return "deactivated";
	}
	return "?";
}

/* The key record's fields, one per line. */
static void
show_record(FILE *out, const uint8_t *rec, size_t len, const char *indent)
{
	static const struct {
		uint32_t	 tag;
		const char	*name;
		int		 text;	/* ASCII, else hex */
	} fields[] = {
		{ 0xDF01, "user-number", 0 }, { 0xDF02, "insurer-number", 1 },
		{ 0xDF03, "municipality", 1 }, { 0xDF04, "key-generation", 0 },
		{ 0xDF05, "issue-date", 1 }, { 0xDF06, "card-kind", 0 },
		{ 0xDF07, "public-key", 0 }, { 0xDF08, "signer-key-id", 0 },
		{ 0xDF09, "signature", 0 },
	};
	struct tlv t;
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(fields); i++) {
		if (tlv_find(rec, len, fields[i].tag, &t) != 0) {
			err_clear();
			fprintf(out, "%srecord.%s (missing)\n", indent, fields[i].name);
			continue;
		}
		fprintf(out, "%srecord.%s ", indent, fields[i].name);
		if (fields[i].text)
			fprintf(out, "%.*s", (int)t.len, (const char *)t.value);
		else if ((fields[i].tag == 0xDF04 || fields[i].tag == 0xDF06) &&
		    t.len == 1)
			fprintf(out, "%u", t.value[0]);
		else
			print_hex(out, t.value, t.len);
		fputc('\n', out);
	}
}

/* A DF and, below it, its children. */
static void
show_df(const struct nhi_card *c, const struct nhi_aid *parent, FILE *out,
    int depth)
{
	char indent[2 * 8 + 1];
	const uint8_t *rec;
	size_t i, reclen;

	if (depth > 8)
		return;
	memset(indent, ' ', sizeof(indent));
	indent[2 * depth + 2] = '\0';
	for (i = 0; i < c->ndfs; i++) {
		const struct nhi_df *df = &c->dfs[i];

		if (!nhi_aid_equal(&df->parent, parent))
			continue;
		fprintf(out, "%.*sdf ", 2 * depth, indent);
		print_hex(out, df->aid.b, df->aid.len);
		fprintf(out, " lcs=%02X %s%s\n", df->lcs, lcs_name(df->lcs),
		    nhi_aid_equal(&df->aid, &nhi_aid_nhi) ? " nhi-ap" :
		    memcmp(df->aid.b, NHI_AID_TOWN_PREFIX,
		    sizeof(NHI_AID_TOWN_PREFIX) - 1) == 0 ? " town-area" : "");
		if (df->has_key) {
			fprintf(out, "%skey.public ", indent);
			print_hex(out, df->key_public, NHI_EC_PUB_LEN);
			fputc('\n', out);
		}
		if (nhi_df_object(df, 0x70, &rec, &reclen) == 0)
			show_record(out, rec, reclen, indent);
		else
			err_clear();
		if (df->objlen > 0) {
			fprintf(out, "%sobjects ", indent);
			print_hex(out, df->objects, df->objlen);
			fputc('\n', out);
		}
		show_df(c, &df->aid, out, depth + 1);
	}
}

void
nhi_card_show(const struct nhi_card *c, FILE *out)
{
	const struct scp03_keyset *k;
	uint8_t kcv[3][3];
	size_t i;

	fprintf(out, "family %s\nserial ", c->family == NHI_FAMILY_JUKI ? "juki" :
	    "standalone");
	print_hex(out, c->serial, NHI_SERIAL_LEN);
	fputc('\n', out);
	if (c->family == NHI_FAMILY_JUKI) {
		fprintf(out, "juki-ap ");
		print_hex(out, nhi_aid_juki.b, nhi_aid_juki.len);
		fprintf(out, "\n  item.name %s\n  item.birth %s\n  item.sex %s\n"
		    "  item.address %s\n  item.municipality %s\n", c->items.name,
		    c->items.birth, c->items.sex, c->items.address,
		    c->items.municipality);
	}
	fprintf(out, "sd ");
	print_hex(out, nhi_aid_sd.b, nhi_aid_sd.len);
	fputc('\n', out);
	for (i = 0; i < c->nkeysets; i++) {
		k = &c->keysets[i];
		if (nhi_keys_kcv(k->enc, k->keylen, kcv[0]) != 0 ||
		    nhi_keys_kcv(k->mac, k->keylen, kcv[1]) != 0 ||
		    nhi_keys_kcv(k->dek, k->keylen, kcv[2]) != 0) {
			err_clear();
			memset(kcv, 0, sizeof(kcv));
		}
		fprintf(out, "  keyset %02X aes%zu kcv-enc=%02X%02X%02X "
		    "kcv-mac=%02X%02X%02X kcv-dek=%02X%02X%02X\n", k->kvn, 8 * k->keylen,
		    kcv[0][0], kcv[0][1], kcv[0][2], kcv[1][0], kcv[1][1], kcv[1][2],
		    kcv[2][0], kcv[2][1], kcv[2][2]);
	}
	show_df(c, &nhi_aid_sd, out, 1);
}

int
nhi_card_inspect(const char *path, FILE *out)
{
	static const struct sim_os *const kinds[] = { &sim_os_juki, &sim_os_juki_new,
	    &sim_os_standalone };
	const struct sim_os *os = NULL;
	void *card = NULL;
	char *kind = NULL;
	size_t i;
	int existed = 0, r;

	if ((r = sim_state_kind(path, &kind)) != 0)
		goto out;
	for (i = 0; i < NHI_ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i]->name, kind) == 0)
			os = kinds[i];
	if (os == NULL) {
		r = err_set(NHI_EPARSE, "card state %s holds a '%s' card, not an NHI "
		    "card (juki, juki-new, standalone)", path, kind);
		goto out;
	}
	card = os->create();
	if ((r = sim_state_load(path, os, card, &existed)) != 0)
		goto out;
	if (!existed) {
		r = err_set(NHI_ENOFILE, "card state %s: no such file", path);
		goto out;
	}
	fprintf(out, "kind %s\n", kind);
	nhi_card_show(card, out);
out:
	if (card != NULL)
		os->free(card);
	free(kind);
	return r;
}
