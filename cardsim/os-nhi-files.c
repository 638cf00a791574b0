/*
 * os-nhi-files.c: the NHI card's file tree and the commands on it:
 * SELECT, READ BINARY, CREATE FILE, DELETE FILE, ACTIVATE FILE,
 * DEACTIVATE FILE, GENERATE ASYMMETRIC KEY PAIR, PUT DATA and INTERNAL
 * AUTHENTICATE (docs/card-profile.md sections 1, 3 and 4).
 *
 * The tree: the Juki AP (Juki cards) with its basic-items EF, and the
 * free-area SD; below the SD, DFs named by AID, each with its parent's AID,
 * its life cycle status, its data objects and possibly a card key pair.
 * Every write needs the secure channel (cmd->secured, else 6982) and names
 * its target by AID in a tag 84 data object, so that the SD stays selected.
 * Handlers check everything first and change the card last: a command
 * happens whole or not at all.
 */
#include "config.h"

#include <string.h>

#include "card.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

#define NHI_TAG_AID		0x84
#define NHI_TAG_RECORD		0x70
#define NHI_TAG_USER_NUMBER	0xDF01
#define NHI_TAG_PUBLIC_KEY	0xDF07

struct nhi_df *
nhi_df_find(struct nhi_card *card, const struct nhi_aid *aid)
{
	size_t i;

	for (i = 0; i < card->ndfs; i++)
		if (nhi_aid_equal(&card->dfs[i].aid, aid))
			return &card->dfs[i];
	return NULL;
}

/* 1 if some DF has `aid` as its parent. */
static int
df_has_children(const struct nhi_card *card, const struct nhi_aid *aid)
{
	size_t i;

	for (i = 0; i < card->ndfs; i++)
		if (nhi_aid_equal(&card->dfs[i].parent, aid))
			return 1;
	return 0;
}

/* 1 if `aid` names the Juki AP, the SD or a DF: a name already taken. */
static int
aid_taken(struct nhi_card *card, const struct nhi_aid *aid)
{
	return nhi_aid_equal(aid, &nhi_aid_sd) || nhi_df_find(card, aid) != NULL ||
	    (card->family == NHI_FAMILY_JUKI && nhi_aid_equal(aid, &nhi_aid_juki));
}

int
nhi_df_add(struct nhi_card *card, const struct nhi_aid *aid,
    const struct nhi_aid *parent, uint8_t lcs, struct nhi_df **out)
{
	struct nhi_df *df;

	if (aid_taken(card, aid))
		return err_set(NHI_EEXISTS, "a file with this AID exists");
	if (!nhi_aid_equal(parent, &nhi_aid_sd) && nhi_df_find(card, parent) == NULL)
		return err_set(NHI_ENOTFOUND, "the parent DF does not exist");
	if (card->ndfs == NHI_DF_MAX)
		return err_set(NHI_ERANGE, "the card holds %d DFs at most", NHI_DF_MAX);
	df = &card->dfs[card->ndfs++];
	memset(df, 0, sizeof(*df));
	df->aid = *aid;
	df->parent = *parent;
	df->lcs = lcs;
	if (out != NULL)
		*out = df;
	return 0;
}

int
nhi_df_object(const struct nhi_df *df, uint32_t tag, const uint8_t **value,
    size_t *len)
{
	struct tlv t;
	int r;

	if ((r = tlv_find(df->objects, df->objlen, tag, &t)) != 0)
		return r;
	*value = t.value;
	*len = t.len;
	return 0;
}

int
nhi_df_put_object(struct nhi_df *df, uint32_t tag, const uint8_t *value, size_t len)
{
	uint8_t buf[NHI_OBJECTS_MAX];
	const uint8_t *p = df->objects, *start;
	size_t left = df->objlen, off = 0;
	struct tlv t;
	int r;

	/* Keep every other object, in order, then add this one. */
	while (left > 0) {
		start = p;
		if ((r = tlv_next(&p, &left, &t)) != 0)
			return r;
		if (t.tag == tag)
			continue;
		memcpy(buf + off, start, (size_t)(p - start));
		off += (size_t)(p - start);
	}
	if ((r = tlv_put(buf, sizeof(buf), &off, tag, value, len)) != 0)
		return r;
	memcpy(df->objects, buf, off);
	df->objlen = off;
	return 0;
}

int
nhi_items_encode(const struct nhi_items *items, uint8_t *out, size_t cap,
    size_t *outlen)
{
	uint8_t inner[NHI_ITEMS_MAX];
	const char *v[5] = { items->name, items->birth, items->sex, items->address,
	    items->municipality };
	size_t off = 0, i;
	int r;

	for (i = 0; i < 5; i++)
		if ((r = tlv_put(inner, sizeof(inner), &off, 0xDF21 + (uint32_t)i,
		    (const uint8_t *)(v[i] != NULL ? v[i] : ""),
		    v[i] != NULL ? strlen(v[i]) : 0)) != 0)
			return err_set(r, "the basic items do not fit in %d bytes",
			    NHI_ITEMS_MAX);
	*outlen = 0;
	return tlv_put(out, cap, outlen, 0xE0, inner, off);
}

/*
 * The AID named by the command's data field: exactly one data object 84
 * (followed by `rest` when the caller wants more). 0 or -1 (6A80).
 */
static int
target_aid(const struct nhi_cmd *c, struct nhi_aid *aid, const uint8_t **rest,
    size_t *restlen)
{
	const uint8_t *p = c->data;
	size_t left = c->lc;
	struct tlv t;

	if (tlv_next(&p, &left, &t) != 0 || t.tag != NHI_TAG_AID ||
	    nhi_aid_set(aid, t.value, t.len) != 0) {
		err_clear();
		return -1;
	}
	if (rest == NULL)
		return left == 0 ? 0 : -1;
	*rest = p;
	*restlen = left;
	return 0;
}

/* ---- SELECT ---------------------------------------------------------- */

/* 61 { 4F AID 8A LCS } for each child of `parent`, depth-first. */
static int
put_children(const struct nhi_card *card, const struct nhi_aid *parent,
    uint8_t *out, size_t cap, size_t *off, int depth)
{
	uint8_t entry[NHI_AID_MAX + 8];
	size_t i, n;
	int r;

	if (depth > NHI_DF_MAX)
		return NHI_ERANGE;	/* a cycle cannot be built, but be sure */
	for (i = 0; i < card->ndfs; i++) {
		const struct nhi_df *df = &card->dfs[i];

		if (!nhi_aid_equal(&df->parent, parent))
			continue;
		n = 0;
		if ((r = tlv_put(entry, sizeof(entry), &n, 0x4F, df->aid.b,
		    df->aid.len)) != 0 ||
		    (r = tlv_put(entry, sizeof(entry), &n, 0x8A, &df->lcs, 1)) != 0 ||
		    (r = tlv_put(out, cap, off, 0x61, entry, n)) != 0 ||
		    (r = put_children(card, &df->aid, out, cap, off, depth + 1)) != 0)
			return r;
	}
	return 0;
}

static int
fci_sd(const struct nhi_card *card, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t children[NHI_DF_MAX * (NHI_AID_MAX + 8)], a5[sizeof(children) + 64];
	uint8_t kvns[NHI_KEYSET_MAX], inner[sizeof(a5) + 32];
	size_t nc = 0, na = 0, ni = 0, i;
	int r;

	for (i = 0; i < card->nkeysets; i++)
		kvns[i] = card->keysets[i].kvn;
	*outlen = 0;
	if ((r = put_children(card, &nhi_aid_sd, children, sizeof(children), &nc,
	    0)) != 0 ||
	    (r = tlv_put(a5, sizeof(a5), &na, 0xDF40, &card->family, 1)) != 0 ||
	    (r = tlv_put(a5, sizeof(a5), &na, 0xDF41, card->serial,
	    NHI_SERIAL_LEN)) != 0 ||
	    (r = tlv_put(a5, sizeof(a5), &na, 0xDF42, kvns, card->nkeysets)) != 0 ||
	    (r = tlv_put(a5, sizeof(a5), &na, 0xBF43, children, nc)) != 0 ||
	    (r = tlv_put(inner, sizeof(inner), &ni, 0x84, nhi_aid_sd.b,
	    nhi_aid_sd.len)) != 0 ||
	    (r = tlv_put(inner, sizeof(inner), &ni, 0xA5, a5, na)) != 0)
		return r;
	return tlv_put(out, cap, outlen, 0x6F, inner, ni);
}

/* 6F { 84 AID }: the Juki AP tells nothing more. */
static int
fci_juki(uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t inner[NHI_AID_MAX + 2];
	size_t ni = 0;
	int r;

	*outlen = 0;
	if ((r = tlv_put(inner, sizeof(inner), &ni, 0x84, nhi_aid_juki.b,
	    nhi_aid_juki.len)) != 0)
		return r;
	return tlv_put(out, cap, outlen, 0x6F, inner, ni);
}

static int
fci_df(const struct nhi_df *df, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t inner[NHI_OBJECTS_MAX + 64];
	size_t ni = 0;
	int r;

	*outlen = 0;
	if ((r = tlv_put(inner, sizeof(inner), &ni, 0x84, df->aid.b,
	    df->aid.len)) != 0 ||
	    (r = tlv_put(inner, sizeof(inner), &ni, 0x8A, &df->lcs, 1)) != 0 ||
	    (r = tlv_put(inner, sizeof(inner), &ni, 0xA5, df->objects,
	    df->objlen)) != 0)
		return r;
	return tlv_put(out, cap, outlen, 0x6F, inner, ni);
}

void
nhi_cmd_select(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	struct nhi_aid aid;
	struct nhi_df *df = NULL;
	enum nhi_selected sel;
	size_t n = 0;
	int r = 0;

	if (c->p1 != 0x04 || (c->p2 != 0x00 && c->p2 != 0x0C)) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (nhi_aid_set(&aid, c->data, c->lc) != 0) {
		err_clear();
		ans->sw = SW_NOT_FOUND;
		return;
	}
	if (card->family == NHI_FAMILY_JUKI && nhi_aid_equal(&aid, &nhi_aid_juki)) {
		sel = NHI_SEL_JUKI;
		r = fci_juki(ans->data, sizeof(ans->data), &n);
	} else if (nhi_aid_equal(&aid, &nhi_aid_sd)) {
		sel = NHI_SEL_SD;
		r = fci_sd(card, ans->data, sizeof(ans->data), &n);
	} else if ((df = nhi_df_find(card, &aid)) != NULL) {
		sel = NHI_SEL_DF;
		r = fci_df(df, ans->data, sizeof(ans->data), &n);
	} else {
		ans->sw = SW_NOT_FOUND;
		return;
	}
	if (r != 0) {
		err_clear();
		ans->sw = SW_NO_MEMORY;
		return;
	}
	/* A successful SELECT deselects the SD: its secure channel ends. */
	nhi_sc_close(card);
	card->selected = sel;
	card->ef_current = 0;
	card->selected_df = df != NULL ? (size_t)(df - card->dfs) : 0;
	ans->len = c->p2 == 0x0C ? 0 : n;
	ans->sw = df != NULL && df->lcs == NHI_LCS_DEACTIVATED ? SW_DEACTIVATED : SW_OK;
}

/* ---- READ BINARY (the basic-items EF) ------------------------------- */

void
nhi_cmd_read_binary(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	uint8_t ef[NHI_ITEMS_MAX + 8];
	size_t len, off, avail, le;

	if (c->lc != 0) {
		ans->sw = SW_WRONG_LENGTH;
		return;
	}
	/*
	 * SFI 01 of the Juki AP by SFI (P1 = 80 | SFI, P2 = offset), which
	 * makes it the current EF; then the current EF by a 15-bit offset
	 * (P1 bit 8 clear).
	 */
	if (card->selected != NHI_SEL_JUKI || (c->p1 & 0x80 && c->p1 != 0x81)) {
		ans->sw = SW_NOT_FOUND;
		return;
	}
	if (!(c->p1 & 0x80) && !card->ef_current) {
		ans->sw = SW_NO_CURRENT_EF;
		return;
	}
	off = c->p1 & 0x80 ? c->p2 : (size_t)c->p1 << 8 | c->p2;
	if (nhi_items_encode(&card->items, ef, sizeof(ef), &len) != 0) {
		err_clear();
		ans->sw = SW_NO_MEMORY;
		return;
	}
	card->ef_current = 1;
	if (off > len || (off == len && card->read_style != NHI_READ_CHAIN &&
	    card->read_style != NHI_READ_EOF_WARNING)) {
		ans->sw = SW_WRONG_OFFSET;
		return;
	}
	avail = len - off;
	le = c->has_le ? c->le : 0;
	ans->sw = SW_OK;
	switch (card->read_style) {
	case NHI_READ_CHAIN:
		/* All of the rest: the dispatcher cuts it to Le with 61xx. */
		break;
	case NHI_READ_ISO:
		if (avail > le)
			avail = le;
		break;
	case NHI_READ_EOF_WARNING:
		if (avail < le)
			ans->sw = SW_EOF_BEFORE_LE;
		else
			avail = le;
		break;
	case NHI_READ_EXACT_LE:
		if (le > avail) {
			ans->sw = (uint16_t)(0x6C00 | (avail & 0xff));
			return;
		}
		avail = le;
		break;
	}
	memcpy(ans->data, ef + off, avail);
	ans->len = avail;
}

/* ---- CREATE FILE and DELETE FILE ----------------------------------- */

/*
 * 62 { 82 01 38, 84 AID, 86 { 84 parent }, 8A 01 LCS }: parse into aid,
 * parent and lcs. 0 or -1 (6A80).
 */
static int
parse_fcp(const struct nhi_cmd *c, struct nhi_aid *aid, struct nhi_aid *parent,
    uint8_t *lcs)
{
	const uint8_t *p = c->data;
	size_t left = c->lc;
	struct tlv fcp, t;
	int r = -1;

	if (tlv_next(&p, &left, &fcp) != 0 || fcp.tag != 0x62 || left != 0)
		goto out;
	if (tlv_find(fcp.value, fcp.len, 0x82, &t) != 0 || t.len != 1 ||
	    t.value[0] != 0x38)
		goto out;
	if (tlv_find(fcp.value, fcp.len, 0x84, &t) != 0 ||
	    nhi_aid_set(aid, t.value, t.len) != 0)
		goto out;
	if (tlv_find(fcp.value, fcp.len, 0x86, &t) != 0 ||
	    tlv_find(t.value, t.len, 0x84, &t) != 0 ||
	    nhi_aid_set(parent, t.value, t.len) != 0)
		goto out;
	if (tlv_find(fcp.value, fcp.len, 0x8A, &t) != 0 || t.len != 1 ||
	    (t.value[0] != NHI_LCS_CREATION && t.value[0] != NHI_LCS_ACTIVATED))
		goto out;
	*lcs = t.value[0];
	r = 0;
out:
	err_clear();
	return r;
}

void
nhi_cmd_create_file(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	struct nhi_aid aid, parent;
	uint8_t lcs;
	int r;

	if (!c->secured) {
		ans->sw = SW_SECURITY;
		return;
	}
	if (c->p1 != 0 || c->p2 != 0) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (parse_fcp(c, &aid, &parent, &lcs) != 0) {
		ans->sw = SW_WRONG_DATA;
		return;
	}
	r = nhi_df_add(card, &aid, &parent, lcs, NULL);
	err_clear();
	switch (r) {
	case 0:
		ans->sw = SW_OK;
		ans->changed = 1;
		break;
	case NHI_EEXISTS:
		ans->sw = SW_EXISTS;
		break;
	case NHI_ENOTFOUND:
		ans->sw = SW_NOT_FOUND;
		break;
	default:
		ans->sw = SW_NO_MEMORY;
		break;
	}
}

void
nhi_cmd_delete_file(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	struct nhi_aid aid;
	struct nhi_df *df;
	size_t i;

	if (!c->secured) {
		ans->sw = SW_SECURITY;
		return;
	}
	if (c->p1 != 0x04 || c->p2 != 0x00) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (target_aid(c, &aid, NULL, NULL) != 0) {
		ans->sw = SW_WRONG_DATA;
		return;
	}
	if ((df = nhi_df_find(card, &aid)) == NULL) {
		/* The SD and the Juki AP are not DFs one can delete either. */
		ans->sw = aid_taken(card, &aid) ? SW_CONDITIONS : SW_NOT_FOUND;
		return;
	}
	/* Never a DF that still holds applications (a town area). */
	if (df_has_children(card, &aid)) {
		ans->sw = SW_CONDITIONS;
		return;
	}
	i = (size_t)(df - card->dfs);
	util_wipe(df, sizeof(*df));
	memmove(&card->dfs[i], &card->dfs[i + 1],
	    (card->ndfs - i - 1) * sizeof(card->dfs[0]));
	card->ndfs--;
	util_wipe(&card->dfs[card->ndfs], sizeof(card->dfs[0]));
	ans->sw = SW_OK;
	ans->changed = 1;
}

/* ---- ACTIVATE FILE and DEACTIVATE FILE ----------------------------- */

/*
 * The NHI AP may become usable only when it is complete: a key pair and a
 * key record whose user number has 16 bytes and whose public key is the
 * card's. A station that skipped a step cannot activate a half-written AP.
 */
static int
ap_complete(const struct nhi_df *df)
{
	const uint8_t *rec;
	size_t reclen;
	struct tlv t;

	if (!df->has_key || nhi_df_object(df, NHI_TAG_RECORD, &rec, &reclen) != 0)
		goto no;
	if (tlv_find(rec, reclen, NHI_TAG_USER_NUMBER, &t) != 0 || t.len != 16)
		goto no;
	if (tlv_find(rec, reclen, NHI_TAG_PUBLIC_KEY, &t) != 0 ||
	    t.len != NHI_EC_PUB_LEN || memcmp(t.value, df->key_public,
	    NHI_EC_PUB_LEN) != 0)
		goto no;
	return 1;
no:
	err_clear();
	return 0;
}

void
nhi_cmd_set_lcs(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	struct nhi_aid aid;
	struct nhi_df *df;
	int activate = c->ins == 0x44;

	if (!c->secured) {
		ans->sw = SW_SECURITY;
		return;
	}
	if (c->p1 != 0x04 || c->p2 != 0x00) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (target_aid(c, &aid, NULL, NULL) != 0) {
		ans->sw = SW_WRONG_DATA;
		return;
	}
	if ((df = nhi_df_find(card, &aid)) == NULL) {
		ans->sw = SW_NOT_FOUND;
		return;
	}
	ans->sw = SW_OK;
	if (activate) {
		/* Activating an activated DF is a no-op (a retried command). */
		if (df->lcs == NHI_LCS_ACTIVATED)
			return;
		if (df->lcs == NHI_LCS_CREATION && nhi_aid_equal(&aid, &nhi_aid_nhi) &&
		    !ap_complete(df)) {
			ans->sw = SW_CONDITIONS;
			return;
		}
		df->lcs = NHI_LCS_ACTIVATED;
	} else {
		if (df->lcs == NHI_LCS_DEACTIVATED)
			return;
		/* Only an operational DF can be locked. */
		if (df->lcs != NHI_LCS_ACTIVATED) {
			ans->sw = SW_CONDITIONS;
			return;
		}
		df->lcs = NHI_LCS_DEACTIVATED;
	}
	ans->changed = 1;
}

/* ---- GENERATE ASYMMETRIC KEY PAIR and PUT DATA ---------------------- */

/* The DF a personalization command writes: exists, and is in creation
 * state. Sets ans->sw and returns NULL otherwise. */
static struct nhi_df *
writable_df(struct nhi_card *card, const struct nhi_aid *aid, struct nhi_answer *ans)
{
	struct nhi_df *df;

	if ((df = nhi_df_find(card, aid)) == NULL) {
		ans->sw = SW_NOT_FOUND;
		return NULL;
	}
	if (df->lcs != NHI_LCS_CREATION) {
		ans->sw = SW_CONDITIONS;
		return NULL;
	}
	return df;
}

void
nhi_cmd_generate_key(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	uint8_t priv[NHI_EC_PRIV_LEN], pub[NHI_EC_PUB_LEN], inner[NHI_EC_PUB_LEN + 4];
	struct nhi_aid aid;
	struct nhi_df *df;
	size_t ni = 0, n = 0;

	if (!c->secured) {
		ans->sw = SW_SECURITY;
		return;
	}
	if (c->p1 != 0x00 || c->p2 != 0x81) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (target_aid(c, &aid, NULL, NULL) != 0) {
		ans->sw = SW_WRONG_DATA;
		return;
	}
	if ((df = writable_df(card, &aid, ans)) == NULL)
		return;
	if ((card->fixed ? nhi_keys_generate_fixed(card, &aid, priv, pub) :
	    nhi_keys_generate(priv, pub)) != 0 ||
	    tlv_put(inner, sizeof(inner), &ni, 0x86, pub, sizeof(pub)) != 0 ||
	    tlv_put(ans->data, sizeof(ans->data), &n, 0x7F49, inner, ni) != 0) {
		err_clear();
		ans->sw = SW_NO_MEMORY;
		goto out;
	}
	memcpy(df->key_private, priv, sizeof(priv));
	memcpy(df->key_public, pub, sizeof(pub));
	df->has_key = 1;
	ans->len = n;
	ans->sw = SW_OK;
	ans->changed = 1;
out:
	util_wipe(priv, sizeof(priv));
}

void
nhi_cmd_put_data(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	const uint8_t *rest, *p;
	size_t restlen, left;
	struct nhi_aid aid;
	struct nhi_df *df;
	struct tlv rec, t;

	if (!c->secured) {
		ans->sw = SW_SECURITY;
		return;
	}
	if (c->p1 != 0x00 || c->p2 != NHI_TAG_RECORD) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	/* 84 AID, then exactly one 70 template of well-formed objects. */
	if (target_aid(c, &aid, &rest, &restlen) != 0 ||
	    tlv_next(&rest, &restlen, &rec) != 0 || rec.tag != NHI_TAG_RECORD ||
	    restlen != 0) {
		err_clear();
		ans->sw = SW_WRONG_DATA;
		return;
	}
	for (p = rec.value, left = rec.len; left > 0;)
		if (tlv_next(&p, &left, &t) != 0) {
			err_clear();
			ans->sw = SW_WRONG_DATA;
			return;
		}
	if ((df = writable_df(card, &aid, ans)) == NULL)
		return;
	if (nhi_df_put_object(df, NHI_TAG_RECORD, rec.value, rec.len) != 0) {
		err_clear();
		ans->sw = SW_NO_MEMORY;
		return;
	}
	ans->sw = SW_OK;
	ans->changed = 1;
}

/* ---- INTERNAL AUTHENTICATE ------------------------------------------ */

void
nhi_cmd_internal_auth(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	uint8_t msg[32 + 16], sig[NHI_EC_SIG_LEN];
	const uint8_t *rec;
	size_t reclen;
	struct nhi_df *df;
	struct tlv user;

	if (c->p1 != 0x00 || c->p2 != 0x81) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	/* Only the selected, activated application answers. */
	if (card->selected != NHI_SEL_DF ||
	    (df = &card->dfs[card->selected_df])->lcs != NHI_LCS_ACTIVATED) {
		ans->sw = SW_CONDITIONS;
		return;
	}
	if (c->lc != 32) {
		ans->sw = SW_WRONG_LENGTH;
		return;
	}
	if (!df->has_key || nhi_df_object(df, NHI_TAG_RECORD, &rec, &reclen) != 0 ||
	    tlv_find(rec, reclen, NHI_TAG_USER_NUMBER, &user) != 0 || user.len != 16) {
		err_clear();
		ans->sw = SW_NO_DATA;
		return;
	}
	memcpy(msg, c->data, 32);
	memcpy(msg + 32, user.value, 16);
	if (nhi_keys_sign(df->key_private, df->key_public, msg, sizeof(msg), sig) != 0) {
		err_clear();
		ans->sw = SW_NO_MEMORY;
		return;
	}
	memcpy(ans->data, sig, sizeof(sig));
	ans->len = sizeof(sig);
	ans->sw = SW_OK;
}
