/*
 * os-nhi-state.c: making a new NHI test card, and its state file.
 *
 * A new card (create + -o options) gets its factory content when it is
 * built: the static key set diversified for its serial from the key store
 * (the emulator plays the card maker), the holder's four basic items on
 * Juki cards, and on a `juki` card a town area already holding the town's
 * other applications. Creation options only apply to a card being created;
 * fault injection options apply to any run, and so does fixed-challenge=,
 * which only the test build (NHI_CARDSIM_TEST_BUILD) accepts.
 *
 * The state file is text, one fact per line, so that tests and clerks in
 * training can read it (docs/cardsim-os.md):
 *
 *   family juki|standalone
 *   serial HEX                     10 bytes of key diversification data
 *   item.name|birth|sex|address|municipality VALUE     (Juki cards)
 *   keyset KVN enc=HEX mac=HEX dek=HEX                 (static keys)
 *   df AID parent=AID lcs=HEX      a DF below the SD, parents first
 *   objects AID HEX                its data objects (BER-TLV)
 *   key AID private=HEX public=HEX its EC P-256 key pair
 *
 * Blank lines and lines starting with '#' are ignored.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

#define NHI_DEFAULT_NAME	"山田 太郎"
#define NHI_DEFAULT_BIRTH	"19800401"
#define NHI_DEFAULT_SEX		"1"
#define NHI_DEFAULT_ADDRESS	"高知県長岡郡本山町本山５８２番地"
#define NHI_DEFAULT_CODE	"394114"	/* 本山町 */

/* The other town applications a `juki` card already holds. */
static const struct {
	const char	*what;
	struct nhi_aid	 aid;
	const char	*objects;	/* hex */
} other_apps[] = {
	{ "seal registration", { { 0xF0, 0x53, 0x45, 0x41, 0x4C, 0x52, 0x45, 0x47 }, 8 },
	  /* C1 registration number "S-0012345", C2 registered 20040105 */
	  "c109532d30303132333435c2083230303430313035" },
	{ "library", { { 0xF0, 0x4C, 0x49, 0x42, 0x52, 0x41, 0x52, 0x59 }, 8 },
	  /* C1 library card number "L-000777", C2 branch "01" */
	  "c1084c2d303030373737c2023031" },
};

/* ---- creation --------------------------------------------------------- */

struct nhi_card *
nhi_card_new(const char *kind)
{
	struct nhi_card *c = xcalloc(1, sizeof(*c));
	const char *keydir = getenv("NHICARD_CARDSIM_KEYS");

	c->kind = kind;
	c->scp_i = 0x60;
	c->family = strcmp(kind, "standalone") == 0 ? NHI_FAMILY_STANDALONE :
	    NHI_FAMILY_JUKI;
	if (crypto_random(c->serial, sizeof(c->serial)) != 0)
		fatal("cannot draw a card serial: %s", err_text(NHI_ECRYPTO));
	if (c->family == NHI_FAMILY_JUKI) {
		c->items.name = xstrdup(NHI_DEFAULT_NAME);
		c->items.birth = xstrdup(NHI_DEFAULT_BIRTH);
		c->items.sex = xstrdup(NHI_DEFAULT_SEX);
		c->items.address = xstrdup(NHI_DEFAULT_ADDRESS);
	}
	c->town_code = xstrdup(NHI_DEFAULT_CODE);
	if (keydir != NULL && *keydir != '\0')
		c->keydir = xstrdup(keydir);
	c->fresh = 1;
	c->keys_pending = 1;
	return c;
}

static void
items_free(struct nhi_items *items)
{
	free(items->name);
	free(items->birth);
	free(items->sex);
	free(items->address);
	free(items->municipality);
	memset(items, 0, sizeof(*items));
}

/* Forget the persistent content (keys wiped). */
static void
card_clear(struct nhi_card *c)
{
	size_t i;

	nhi_sc_close(c);
	items_free(&c->items);
	for (i = 0; i < c->nkeysets; i++)
		crypto_scp03_keyset_wipe(&c->keysets[i]);
	c->nkeysets = 0;
	util_wipe(c->dfs, sizeof(c->dfs));
	c->ndfs = 0;
	c->selected = NHI_SEL_NONE;
}

void
nhi_card_free(struct nhi_card *card)
{
	if (card == NULL)
		return;
	card_clear(card);
	free(card->keydir);
	free(card->town_code);
	util_free_secret(card, sizeof(*card));
}

/*
 * Give a card being created its factory content from its creation
 * parameters. Returns 0 or the key store's error.
 */
static int
card_build(struct nhi_card *c)
{
	struct scp03_keyset keys;
	struct nhi_aid town;
	struct nhi_df *df;
	uint8_t obj[256];
	size_t i;
	int n, r;

	memset(&keys, 0, sizeof(keys));
	if (c->keydir == NULL)
		return err_set(NHI_EKEY, "no key store for the card maker: give -o "
		    "keys=DIR or set NHICARD_CARDSIM_KEYS");
	if ((r = nhi_town_aid(c->town_code, &town)) != 0)
		return r;
	if ((r = nhi_keys_derive_static(c->keydir,
	    c->family == NHI_FAMILY_JUKI ? NHI_KVN_MUNICIPALITY : NHI_KVN_TRANSPORT,
	    c->serial, &keys)) != 0)
		return r;
	for (i = 0; i < c->nkeysets; i++)
		crypto_scp03_keyset_wipe(&c->keysets[i]);
	c->keysets[0] = keys;
	c->nkeysets = 1;
	util_wipe(c->dfs, sizeof(c->dfs));
	c->ndfs = 0;
	if (c->family == NHI_FAMILY_JUKI) {
		free(c->items.municipality);
		c->items.municipality = xstrdup(c->town_code);
	}
	if (strcmp(c->kind, "juki") == 0) {
		if ((r = nhi_df_add(c, &town, &nhi_aid_sd, NHI_LCS_ACTIVATED, NULL)) != 0)
			goto out;
		for (i = 0; i < NHI_ARRAY_LEN(other_apps); i++) {
			if ((n = hex_decode(other_apps[i].objects, obj, sizeof(obj))) < 0) {
				r = n;
				goto out;
			}
			if ((r = nhi_df_add(c, &other_apps[i].aid, &town,
			    NHI_LCS_ACTIVATED, &df)) != 0)
				goto out;
			memcpy(df->objects, obj, (size_t)n);
			df->objlen = (size_t)n;
		}
	}
	c->keys_pending = 0;
	r = 0;
out:
	crypto_scp03_keyset_wipe(&keys);
	return r;
}

int
nhi_card_ready(struct nhi_card *c)
{
	return c->fresh && c->keys_pending ? card_build(c) : 0;
}

/* ---- options ----------------------------------------------------------- */

static int
all_digits(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789") == len;
}

static int
set_string(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
	return 0;
}

/* A creation parameter. */
static int
set_creation(struct nhi_card *c, const char *key, const char *value)
{
	int n;

	if (strcmp(key, "serial") == 0) {
		if ((n = hex_decode(value, c->serial, sizeof(c->serial))) !=
		    NHI_SERIAL_LEN) {
			err_clear();
			return err_set(NHI_EUSAGE, "serial=%s: expected 10 bytes of hex",
			    value);
		}
		return 0;
	}
	if (strcmp(key, "keys") == 0)
		return set_string(&c->keydir, value);
	if (strcmp(key, "municipality") == 0) {
		if (!all_digits(value, 6))
			return err_set(NHI_EUSAGE, "municipality=%s: expected the 6-digit "
			    "municipality code", value);
		return set_string(&c->town_code, value);
	}
	if (c->family != NHI_FAMILY_JUKI)
		return err_set(NHI_EUSAGE, "%s=: a standalone card has no basic items (name, "
		    "birth, sex, address)", key);
	if (strcmp(key, "birth") == 0) {
		if (!all_digits(value, 8))
			return err_set(NHI_EUSAGE, "birth=%s: expected YYYYMMDD", value);
		return set_string(&c->items.birth, value);
	}
	if (strcmp(key, "sex") == 0) {
		if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0)
			return err_set(NHI_EUSAGE, "sex=%s: expected 1 (male) or 2 (female)",
			    value);
		return set_string(&c->items.sex, value);
	}
	if (*value == '\0' || strchr(value, '\n') != NULL ||
	    strlen(value) > NHI_ITEM_TEXT_MAX)
		return err_set(NHI_EUSAGE, "%s=: expected one non-empty line of at most "
		    "%d bytes", key, NHI_ITEM_TEXT_MAX);
	if (strcmp(key, "name") == 0)
		return set_string(&c->items.name, value);
	return set_string(&c->items.address, value);
}

int
nhi_card_option(struct nhi_card *c, const char *key, const char *value, int *changed)
{
	static const char *const creation[] = { "serial", "keys", "municipality",
	    "name", "birth", "sex", "address" };
	char *end;
	unsigned long v;
	size_t i;
	int r;

	if (strcmp(key, "corrupt-rmac") == 0) {
		v = strtoul(value, &end, 10);
		if (*value == '\0' || *value == '-' || *end != '\0' || v == 0)
			return err_set(NHI_EUSAGE, "corrupt-rmac=%s: expected a positive APDU "
			    "number", value);
		c->corrupt_rmac = v;
		return 0;
	}
	if (strcmp(key, "wrong-cryptogram") == 0) {
		if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
			return err_set(NHI_EUSAGE, "wrong-cryptogram=%s: expected 0 or 1",
			    value);
		c->wrong_cryptogram = value[0] == '1';
		return 0;
	}
	if (strcmp(key, "wrong-challenge") == 0 || strcmp(key, "t0") == 0 ||
	    strcmp(key, "extended") == 0) {
		if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
			return err_set(NHI_EUSAGE, "%s=%s: expected 0 or 1", key, value);
		if (key[0] == 'w')
			c->wrong_challenge = value[0] == '1';
		else if (key[0] == 't')
			c->t0 = value[0] == '1';
		else
			c->extended = value[0] == '1';
		return 0;
	}
	if (strcmp(key, "scp-i") == 0) {
		if (strcmp(value, "60") != 0 && strcmp(value, "70") != 0)
			return err_set(NHI_EUSAGE, "scp-i=%s: expected 60 (random card "
			    "challenge) or 70 (pseudo-random, with a sequence counter)",
			    value);
		c->scp_i = value[0] == '6' ? 0x60 : 0x70;
		return 0;
	}
	if (strcmp(key, "read-binary") == 0) {
		static const char *const styles[] = { "chain", "iso", "eof-warning",
		    "exact-le" };

		for (i = 0; i < NHI_ARRAY_LEN(styles); i++)
			if (strcmp(value, styles[i]) == 0) {
				c->read_style = (enum nhi_read_style)i;
				return 0;
			}
		return err_set(NHI_EUSAGE, "read-binary=%s: expected chain, iso, "
		    "eof-warning or exact-le", value);
	}
	if (strcmp(key, "fixed-challenge") == 0) {
#ifdef NHI_CARDSIM_TEST_BUILD
		/* Not stored: a card with it answers the same commands with
		 * the same bytes, so a recorded session replays in full. */
		if (hex_decode(value, c->fixed_challenge, sizeof(c->fixed_challenge)) !=
		    (int)sizeof(c->fixed_challenge)) {
			err_clear();
			return err_set(NHI_EUSAGE, "fixed-challenge=%s: expected 8 bytes of "
			    "hex", value);
		}
		c->fixed = 1;
		return 0;
#else
		return err_set(NHI_EUSAGE, "fixed-challenge=: only the emulator's test "
		    "build has it (cardsim/nhicard-cardsim-test, for tests and "
		    "benchmarks): a card with a fixed challenge is not a card");
#endif
	}
	for (i = 0; i < NHI_ARRAY_LEN(creation); i++)
		if (strcmp(key, creation[i]) == 0)
			break;
	if (i == NHI_ARRAY_LEN(creation))
		return err_set(NHI_EUSAGE, "%s card: unknown option '%s' (serial, keys, "
		    "municipality, name, birth, sex, address, corrupt-rmac, "
		    "wrong-cryptogram, wrong-challenge, read-binary, t0, extended, "
		    "scp-i)", c->kind, key);
	if (!c->fresh)
		return err_set(NHI_EUSAGE, "%s=: only when the card is created (the card "
		    "file exists already)", key);
	if ((r = set_creation(c, key, value)) != 0)
		return r;
	c->keys_pending = 1;
	*changed = 1;
	return 0;
}

/* ---- the state file ------------------------------------------------------ */

static void
put_hex(char **text, const char *prefix, const uint8_t *b, size_t len)
{
	char *hex = xmalloc(2 * len + 1), *old = *text;

	hex_encode(b, len, hex);
	*text = xasprintf("%s%s%s", old, prefix, hex);
	util_free_secret(old, strlen(old));
	util_free_secret(hex, 2 * len + 1);
}

/* Append prefix, value and a newline. */
static void
put_line(char **text, const char *prefix, const char *value)
{
	char *old = *text;

	*text = xasprintf("%s%s%s\n", old, prefix, value);
	util_free_secret(old, strlen(old));
}

int
nhi_card_save(struct nhi_card *c, uint8_t **out, size_t *outlen)
{
	char *text, aid[2 * NHI_AID_MAX + 1], head[128];
	const struct nhi_df *df;
	size_t i;
	int r;

	if ((r = nhi_card_ready(c)) != 0)
		return r;
	text = xasprintf("# nhicard-cardsim NHI test card (docs/cardsim-os.md).\n"
	    "# TEST CARD: its keys are written here in clear.\n"
	    "family %s\n", c->family == NHI_FAMILY_JUKI ? "juki" : "standalone");
	put_hex(&text, "serial ", c->serial, NHI_SERIAL_LEN);
	put_line(&text, "", "");
	if (c->family == NHI_FAMILY_JUKI) {
		put_line(&text, "item.name ", c->items.name);
		put_line(&text, "item.birth ", c->items.birth);
		put_line(&text, "item.sex ", c->items.sex);
		put_line(&text, "item.address ", c->items.address);
		put_line(&text, "item.municipality ", c->items.municipality);
	}
	for (i = 0; i < c->nkeysets; i++) {
		const struct scp03_keyset *k = &c->keysets[i];

		snprintf(head, sizeof(head), "keyset %02x enc=", k->kvn);
		put_hex(&text, head, k->enc, k->keylen);
		put_hex(&text, " mac=", k->mac, k->keylen);
		put_hex(&text, " dek=", k->dek, k->keylen);
		put_line(&text, "", "");
	}
	for (i = 0; i < c->ndfs; i++) {
		df = &c->dfs[i];
		hex_encode(df->aid.b, df->aid.len, aid);
		put_hex(&text, "df ", df->aid.b, df->aid.len);
		put_hex(&text, " parent=", df->parent.b, df->parent.len);
		snprintf(head, sizeof(head), " lcs=%02x", df->lcs);
		put_line(&text, "", head);
		if (df->objlen > 0) {
			snprintf(head, sizeof(head), "objects %s ", aid);
			put_hex(&text, head, df->objects, df->objlen);
			put_line(&text, "", "");
		}
		if (df->has_key) {
			snprintf(head, sizeof(head), "key %s private=", aid);
			put_hex(&text, head, df->key_private, NHI_EC_PRIV_LEN);
			put_hex(&text, " public=", df->key_public, NHI_EC_PUB_LEN);
			put_line(&text, "", "");
		}
	}
	*outlen = strlen(text);
	*out = (uint8_t *)text;
	return 0;
}

/* "name=HEX" into b (capacity cap): exactly `want` bytes, any number when
 * want is 0 (*got says). */
static int
field_hex(const char *tok, const char *name, uint8_t *b, size_t cap, size_t want,
    size_t *got)
{
	size_t nl = strlen(name);
	int n;

	if (tok == NULL || strncmp(tok, name, nl) != 0 || tok[nl] != '=')
		return err_set(NHI_EPARSE, "expected %s=HEX", name);
	if ((n = hex_decode(tok + nl + 1, b, cap)) < 0 ||
	    (want != 0 && (size_t)n != want)) {
		err_clear();
		return err_set(NHI_EPARSE, "%s: expected %zu bytes of hex", name, want);
	}
	if (got != NULL)
		*got = (size_t)n;
	return 0;
}

static int
parse_aid(const char *tok, struct nhi_aid *aid)
{
	uint8_t b[NHI_AID_MAX];
	int n;

	if (tok == NULL || (n = hex_decode(tok, b, sizeof(b))) < 0 ||
	    nhi_aid_set(aid, b, (size_t)n) != 0) {
		err_clear();
		return err_set(NHI_EPARSE, "expected an AID of 5 to 16 bytes of hex");
	}
	return 0;
}

static int
load_keyset(struct nhi_card *c, char *rest)
{
	struct scp03_keyset k;
	char *save = NULL, *kvn = strtok_r(rest, " ", &save);
	uint8_t b;
	size_t len = 0, l2 = 0, l3 = 0;
	int r;

	memset(&k, 0, sizeof(k));
	if (kvn == NULL || strlen(kvn) != 2 || hex_decode(kvn, &b, 1) != 1) {
		err_clear();
		return err_set(NHI_EPARSE, "keyset: expected a KVN of 2 hex digits");
	}
	k.kvn = b;
	if ((r = field_hex(strtok_r(NULL, " ", &save), "enc", k.enc, sizeof(k.enc), 0,
	    &len)) != 0 ||
	    (r = field_hex(strtok_r(NULL, " ", &save), "mac", k.mac, sizeof(k.mac), 0,
	    &l2)) != 0 ||
	    (r = field_hex(strtok_r(NULL, " ", &save), "dek", k.dek, sizeof(k.dek), 0,
	    &l3)) != 0)
		goto out;
	if ((len != 16 && len != 24 && len != 32) || l2 != len || l3 != len) {
		r = err_set(NHI_EPARSE, "keyset %02x: three AES keys of 16, 24 or 32 "
		    "bytes", k.kvn);
		goto out;
	}
	if (nhi_keyset_find(c, k.kvn) != NULL || c->nkeysets == NHI_KEYSET_MAX) {
		r = err_set(NHI_EPARSE, "keyset %02x: a second set of that KVN, or more "
		    "than %d sets", k.kvn, NHI_KEYSET_MAX);
		goto out;
	}
	k.keylen = len;
	c->keysets[c->nkeysets++] = k;
out:
	crypto_scp03_keyset_wipe(&k);
	return r;
}

static int
load_df(struct nhi_card *c, char *rest)
{
	struct nhi_aid aid, parent;
	char *save = NULL, *tok;
	uint8_t lcs;
	int r;

	if ((r = parse_aid(strtok_r(rest, " ", &save), &aid)) != 0)
		return r;
	tok = strtok_r(NULL, " ", &save);
	if (tok == NULL || strncmp(tok, "parent=", 7) != 0)
		return err_set(NHI_EPARSE, "df: expected parent=AID");
	if ((r = parse_aid(tok + 7, &parent)) != 0 ||
	    (r = field_hex(strtok_r(NULL, " ", &save), "lcs", &lcs, 1, 1, NULL)) != 0)
		return r;
	if (lcs != NHI_LCS_CREATION && lcs != NHI_LCS_ACTIVATED &&
	    lcs != NHI_LCS_DEACTIVATED)
		return err_set(NHI_EPARSE, "df: LCS %02x is not 01, 04 or 05", lcs);
	if ((r = nhi_df_add(c, &aid, &parent, lcs, NULL)) != 0)
		return err_wrap(NHI_EPARSE, "df (parents come first): ");
	return 0;
}

/* The DF named by the first word of `rest`; *rest advances past it. */
static int
line_df(struct nhi_card *c, char **rest, char **save, struct nhi_df **out)
{
	struct nhi_aid aid;
	int r;

	if ((r = parse_aid(strtok_r(*rest, " ", save), &aid)) != 0)
		return r;
	if ((*out = nhi_df_find(c, &aid)) == NULL)
		return err_set(NHI_EPARSE, "no df line for this AID before it");
	return 0;
}

static int
load_objects(struct nhi_card *c, char *rest)
{
	struct nhi_df *df;
	char *save = NULL, *hex;
	const uint8_t *p;
	size_t left;
	struct tlv t;
	int n, r;

	if ((r = line_df(c, &rest, &save, &df)) != 0)
		return r;
	if ((hex = strtok_r(NULL, " ", &save)) == NULL ||
	    (n = hex_decode(hex, df->objects, sizeof(df->objects))) < 0) {
		err_clear();
		return err_set(NHI_EPARSE, "objects: expected up to %d bytes of hex",
		    NHI_OBJECTS_MAX);
	}
	df->objlen = (size_t)n;
	for (p = df->objects, left = df->objlen; left > 0;)
		if (tlv_next(&p, &left, &t) != 0)
			return err_set(NHI_EPARSE, "objects: not BER-TLV");
	return 0;
}

static int
load_key(struct nhi_card *c, char *rest)
{
	struct nhi_df *df;
	char *save = NULL;
	int r;

	if ((r = line_df(c, &rest, &save, &df)) != 0 ||
	    (r = field_hex(strtok_r(NULL, " ", &save), "private", df->key_private,
	    NHI_EC_PRIV_LEN, NHI_EC_PRIV_LEN, NULL)) != 0 ||
	    (r = field_hex(strtok_r(NULL, " ", &save), "public", df->key_public,
	    NHI_EC_PUB_LEN, NHI_EC_PUB_LEN, NULL)) != 0)
		return r;
	df->has_key = 1;
	return 0;
}

static int
load_line(struct nhi_card *c, char *line, int *have)
{
	char *rest = strchr(line, ' ');

	if (rest == NULL)
		return err_set(NHI_EPARSE, "expected 'keyword value'");
	*rest++ = '\0';
	if (strcmp(line, "family") == 0) {
		if (strcmp(rest, "juki") == 0)
			c->family = NHI_FAMILY_JUKI;
		else if (strcmp(rest, "standalone") == 0)
			c->family = NHI_FAMILY_STANDALONE;
		else
			return err_set(NHI_EPARSE, "family: juki or standalone");
		have[0] = 1;
		return 0;
	}
	if (strcmp(line, "serial") == 0) {
		if (hex_decode(rest, c->serial, sizeof(c->serial)) != NHI_SERIAL_LEN) {
			err_clear();
			return err_set(NHI_EPARSE, "serial: expected 10 bytes of hex");
		}
		have[1] = 1;
		return 0;
	}
	if (strcmp(line, "item.name") == 0)
		return set_string(&c->items.name, rest);
	if (strcmp(line, "item.birth") == 0)
		return set_string(&c->items.birth, rest);
	if (strcmp(line, "item.sex") == 0)
		return set_string(&c->items.sex, rest);
	if (strcmp(line, "item.address") == 0)
		return set_string(&c->items.address, rest);
	if (strcmp(line, "item.municipality") == 0)
		return set_string(&c->items.municipality, rest);
	if (strcmp(line, "keyset") == 0)
		return load_keyset(c, rest);
	if (strcmp(line, "df") == 0)
		return load_df(c, rest);
	if (strcmp(line, "objects") == 0)
		return load_objects(c, rest);
	if (strcmp(line, "key") == 0)
		return load_key(c, rest);
	return err_set(NHI_EPARSE, "unknown keyword '%s'", line);
}

int
nhi_card_load(struct nhi_card *c, const uint8_t *state, size_t len)
{
	char *text = xstrndup((const char *)state, len), *line, *next;
	int r = 0, lineno = 0, have[2] = { 0, 0 };

	card_clear(c);
	c->fresh = 0;
	c->keys_pending = 0;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if ((r = load_line(c, line, have)) != 0) {
			r = err_wrap(NHI_EPARSE, "line %d: ", lineno);
			goto out;
		}
	}
	if (!have[0] || !have[1]) {
		r = err_set(NHI_EPARSE, "no '%s' line", have[0] ? "serial" : "family");
		goto out;
	}
	if (c->family == NHI_FAMILY_JUKI && (c->items.name == NULL ||
	    c->items.birth == NULL || c->items.sex == NULL ||
	    c->items.address == NULL || c->items.municipality == NULL)) {
		r = err_set(NHI_EPARSE, "a Juki card needs the five item.* lines");
		goto out;
	}
out:
	util_free_secret(text, len + 1);
	return r;
}
