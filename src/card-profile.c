/*
 * card-profile.c: the NHI card profile's configuration and card
 * recognition (docs/card-profile.md sections 2, 3.1, 9): the ATR
 * allow-list, SELECT of the Juki AP and the free-area SD, the basic items
 * and the SD's FCI, and the four-item match.
 *
 * The parsers read what a card sends and are fuzzed; they never put card
 * content other than AIDs, serials and status words into error details
 * (the basic items are personal data).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "card-perso.h"
#include "error.h"
#include "nhiconf.h"
#include "rules.h"
#include "text.h"
#include "util.h"

#define DEFAULT_ATR_ALLOW	"3b8880014a554b495445535402,3b8880014e4849435445535413"
#define DEFAULT_AID_JUKI	"d392f000260100000001"
#define DEFAULT_AID_SD		"f04e4849435344"
#define DEFAULT_AID_TOWN_PREFIX	"f04e48494354"
#define DEFAULT_AID_NHI		"f04e484943415001"

static int
profile_hex(const struct config *cfg, const char *key, const char *def, uint8_t *out,
    size_t cap, size_t min, size_t *outlen)
{
	const char *v = config_get(cfg, key, def);
	int n;

	if ((n = hex_decode(v, out, cap)) < 0 || (size_t)n < min)
		return err_set(NHI_ECONFIG, "configuration %s: '%s' is not %zu to %zu bytes"
		    " of hex", key, v, min, cap);
	*outlen = (size_t)n;
	return 0;
}

static int
profile_byte(const struct config *cfg, const char *key, const char *def, uint8_t *out)
{
	size_t n;

	return profile_hex(cfg, key, def, out, 1, 1, &n);
}

/* Parse "hex[/mask],hex[/mask],...". */
static int
profile_atr_list(const char *list, struct card_profile *prof)
{
	char *copy = xstrdup(list), *save = NULL, *item, *slash;
	struct card_atr_pattern *pat;
	int n, m, r = 0;

	prof->atr_count = 0;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (prof->atr_count == CARD_ATR_ALLOW_MAX) {
			r = err_set(NHI_ECONFIG, "configuration card.atr_allow: more than %d"
			    " entries", CARD_ATR_ALLOW_MAX);
			goto out;
		}
		pat = &prof->atr_allow[prof->atr_count];
		if ((slash = strchr(item, '/')) != NULL)
			*slash++ = '\0';
		n = hex_decode(item, pat->atr, sizeof(pat->atr));
		if (n < 2) {
			r = err_set(NHI_ECONFIG, "configuration card.atr_allow: entry %zu is"
			    " not an ATR in hex", prof->atr_count + 1);
			goto out;
		}
		pat->len = (size_t)n;
		memset(pat->mask, 0xff, sizeof(pat->mask));
		if (slash != NULL) {
			m = hex_decode(slash, pat->mask, sizeof(pat->mask));
			if (m != n) {
				r = err_set(NHI_ECONFIG, "configuration card.atr_allow: the mask"
				    " of entry %zu must have as many bytes as its ATR",
				    prof->atr_count + 1);
				goto out;
			}
		}
		prof->atr_count++;
	}
	if (prof->atr_count == 0)
		r = err_set(NHI_ECONFIG, "configuration card.atr_allow is empty");
out:
	free(copy);
	return r;
}

int
card_profile_load_reader(const struct config *cfg, struct card_profile *out)
{
	struct card_profile p;
	int r;

	memset(&p, 0, sizeof(p));
	if ((r = profile_atr_list(config_get(cfg, "card.atr_allow", DEFAULT_ATR_ALLOW),
	    &p)) != 0 ||
	    (r = profile_hex(cfg, "card.aid_juki", DEFAULT_AID_JUKI, p.aid_juki,
	    CARD_AID_MAX, 5, &p.aid_juki_len)) != 0 ||
	    (r = profile_hex(cfg, "card.aid_sd", DEFAULT_AID_SD, p.aid_sd,
	    CARD_AID_MAX, 5, &p.aid_sd_len)) != 0 ||
	    (r = profile_hex(cfg, "card.aid_town_prefix", DEFAULT_AID_TOWN_PREFIX,
	    p.aid_town, CARD_AID_MAX - 3, 2, &p.aid_town_len)) != 0 ||
	    (r = profile_hex(cfg, "card.aid_nhi", DEFAULT_AID_NHI, p.aid_nhi,
	    CARD_AID_MAX, 5, &p.aid_nhi_len)) != 0 ||
	    (r = profile_byte(cfg, "card.kvn", "30", &p.kvn)) != 0 ||
	    (r = profile_byte(cfg, "card.transport_kvn", "ff", &p.transport_kvn)) != 0 ||
	    (r = profile_byte(cfg, "card.security_level", "13", &p.level)) != 0)
		return r;
	*out = p;
	return 0;
}

int
card_profile_load(const struct config *cfg, struct card_profile *out)
{
	struct card_profile p;
	const char *muni, *insurer;
	size_t i;
	int r;

	if ((r = card_profile_load_reader(cfg, &p)) != 0)
		return r;
	if ((muni = config_get(cfg, "station.municipality_code", NULL)) == NULL)
		return err_set(NHI_ECONFIG, "configuration station.municipality_code is not"
		    " set (the town's 6-digit code, e.g. 131016)");
	if ((r = rules_municipality_code_check(muni)) != 0)
		return err_wrap(NHI_ECONFIG, "configuration station.municipality_code: ");
	if ((insurer = config_get(cfg, "station.insurer_number", NULL)) == NULL)
		return err_set(NHI_ECONFIG, "configuration station.insurer_number is not"
		    " set (the town's 6-digit insurer number)");
	if ((r = rules_insurer_number_check(insurer)) != 0)
		return err_wrap(NHI_ECONFIG, "configuration station.insurer_number: ");
	snprintf(p.municipality_code, sizeof(p.municipality_code), "%s", muni);
	snprintf(p.insurer_number, sizeof(p.insurer_number), "%s", insurer);
	/* The town area: prefix + the code as 3 BCD bytes. */
	for (i = 0; i < 3; i++)
		p.aid_town[p.aid_town_len++] = (uint8_t)((muni[2 * i] - '0') << 4 |
		    (muni[2 * i + 1] - '0'));
	*out = p;
	return 0;
}

int
card_profile_atr_check(const struct card_profile *prof, const uint8_t *atr, size_t len)
{
	char hex[2 * 33 + 1];
	size_t i, j;

	for (i = 0; i < prof->atr_count; i++) {
		const struct card_atr_pattern *p = &prof->atr_allow[i];

		if (p->len != len)
			continue;
		for (j = 0; j < len; j++)
			if ((atr[j] & p->mask[j]) != (p->atr[j] & p->mask[j]))
				break;
		if (j == len)
			return 0;
	}
	hex_encode(atr, len > 33 ? 33 : len, hex);
	return err_set(NHI_ECARD_UNKNOWN, "unknown card: its ATR %s is not on the allow-list"
	    " (card.atr_allow); this is not an NHI card of this town", hex);
}

/* ---- Parsing ---------------------------------------------------------- */

static int
items_text(const uint8_t *e0, size_t len, uint32_t tag, const char *what, char *out,
    size_t cap, size_t exact)
{
	struct tlv t;

	if (tlv_find(e0, len, tag, &t) != 0)
		return err_set(NHI_ECARD_UNKNOWN, "card basic items: %s (tag %X) missing or"
		    " malformed", what, tag);
	if (t.len == 0 || t.len >= cap || (exact != 0 && t.len != exact) ||
	    memchr(t.value, '\0', t.len) != NULL)
		return err_set(NHI_ECARD_UNKNOWN, "card basic items: %s (tag %X) has a bad"
		    " length (%zu bytes)", what, tag, t.len);
	memcpy(out, t.value, t.len);
	out[t.len] = '\0';
	return 0;
}

static int
all_digits(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int
card_items_parse(const uint8_t *buf, size_t len, struct card_items *out)
{
	struct card_items it;
	struct tlv e0;
	int r;

	memset(&it, 0, sizeof(it));
	if (tlv_find(buf, len, 0xE0, &e0) != 0)
		return err_set(NHI_ECARD_UNKNOWN, "card basic items: no E0 template");
	if ((r = items_text(e0.value, e0.len, 0xDF21, "name", it.name, sizeof(it.name), 0)) != 0 ||
	    (r = items_text(e0.value, e0.len, 0xDF22, "birth date", it.birth,
	    sizeof(it.birth), 8)) != 0 ||
	    (r = items_text(e0.value, e0.len, 0xDF23, "sex", it.sex, sizeof(it.sex), 1)) != 0 ||
	    (r = items_text(e0.value, e0.len, 0xDF24, "address", it.address,
	    sizeof(it.address), 0)) != 0 ||
	    (r = items_text(e0.value, e0.len, 0xDF25, "municipality code", it.municipality,
	    sizeof(it.municipality), 6)) != 0)
		return r;
	if (!all_digits(it.birth) || !all_digits(it.municipality) ||
	    (it.sex[0] != '1' && it.sex[0] != '2'))
		return err_set(NHI_ECARD_UNKNOWN, "card basic items: birth date, sex or"
		    " municipality code is not in the profile's format");
	if (text_utf8_invalid_at(it.name, strlen(it.name)) != strlen(it.name) ||
	    text_utf8_invalid_at(it.address, strlen(it.address)) != strlen(it.address))
		return err_set(NHI_ECARD_UNKNOWN, "card basic items: name or address is not"
		    " valid UTF-8");
	*out = it;
	return 0;
}

static int
aid_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int
fci_children(const struct card_profile *prof, const uint8_t *p, size_t left,
    struct card_info *info)
{
	struct tlv t, aid, lcs;
	struct card_child *c;
	size_t prefix = prof->aid_town_len - 3;

	while (left > 0) {
		if (tlv_next(&p, &left, &t) != 0 || t.tag != 0x61)
			return err_set(NHI_ECARD_UNKNOWN, "SD FCI: malformed child list (BF43)");
		if (info->child_count == CARD_CHILDREN_MAX)
			return err_set(NHI_ECARD_UNKNOWN, "SD FCI: more than %d children",
			    CARD_CHILDREN_MAX);
		if (tlv_find(t.value, t.len, 0x4F, &aid) != 0 || aid.len < 1 ||
		    aid.len > CARD_AID_MAX || tlv_find(t.value, t.len, 0x8A, &lcs) != 0 ||
		    lcs.len != 1)
			return err_set(NHI_ECARD_UNKNOWN, "SD FCI: child %zu lacks its AID or LCS",
			    info->child_count + 1);
		c = &info->children[info->child_count++];
		memcpy(c->aid, aid.value, aid.len);
		c->aid_len = aid.len;
		c->lcs = lcs.value[0];
		if (aid_eq(c->aid, c->aid_len, prof->aid_town, prof->aid_town_len))
			info->town_present = 1;
		else if (aid_eq(c->aid, c->aid_len, prof->aid_nhi, prof->aid_nhi_len)) {
			info->nhi_present = 1;
			info->nhi_lcs = c->lcs;
		} else if (c->aid_len == prof->aid_town_len &&
		    memcmp(c->aid, prof->aid_town, prefix) == 0) {
			char hex[2 * CARD_AID_MAX + 1];

			hex_encode(c->aid, c->aid_len, hex);
			return err_set(NHI_ECARD_UNKNOWN, "this card belongs to another"
			    " municipality (its town area %s is not this station's); it"
			    " cannot carry this town's NHI AP", hex);
		} else
			info->other_apps++;
	}
	return 0;
}

int
card_sd_fci_parse(const struct card_profile *prof, const uint8_t *buf, size_t len,
    struct card_info *out)
{
	struct tlv fci, aid, a5, t;
	size_t i;

	out->family = CARD_FAMILY_UNKNOWN;
	out->kvn_count = out->child_count = out->other_apps = 0;
	out->town_present = out->nhi_present = 0;
	out->nhi_lcs = 0;
	if (tlv_find(buf, len, 0x6F, &fci) != 0)
		return err_set(NHI_ECARD_UNKNOWN, "SD FCI: no 6F template");
	if (tlv_find(fci.value, fci.len, 0x84, &aid) != 0 ||
	    !aid_eq(aid.value, aid.len, prof->aid_sd, prof->aid_sd_len))
		return err_set(NHI_ECARD_UNKNOWN, "SD FCI: missing or wrong SD AID (84)");
	if (tlv_find(fci.value, fci.len, 0xA5, &a5) != 0)
		return err_set(NHI_ECARD_UNKNOWN, "SD FCI: no A5 template");
	if (tlv_find(a5.value, a5.len, 0xDF40, &t) != 0 || t.len != 1 ||
	    (t.value[0] != CARD_FAMILY_JUKI && t.value[0] != CARD_FAMILY_STANDALONE))
		return err_set(NHI_ECARD_UNKNOWN, "SD FCI: card family (DF40) missing or"
		    " unknown");
	out->family = t.value[0];
	if (tlv_find(a5.value, a5.len, 0xDF41, &t) != 0 || t.len != CARD_SERIAL_LEN)
		return err_set(NHI_ECARD_UNKNOWN, "SD FCI: card serial (DF41) missing or not"
		    " %d bytes", CARD_SERIAL_LEN);
	memcpy(out->serial, t.value, CARD_SERIAL_LEN);
	hex_encode(out->serial, CARD_SERIAL_LEN, out->serial_hex);
	if (tlv_find(a5.value, a5.len, 0xDF42, &t) != 0 || t.len > sizeof(out->kvns))
		return err_set(NHI_ECARD_UNKNOWN, "SD FCI: key versions (DF42) missing or"
		    " too many");
	for (i = 0; i < t.len; i++)
		out->kvns[i] = t.value[i];
	out->kvn_count = t.len;
	if (tlv_find(a5.value, a5.len, 0xBF43, &t) == 0)
		return fci_children(prof, t.value, t.len, out);
	return 0;
}

int
card_info_has_kvn(const struct card_info *info, uint8_t kvn)
{
	size_t i;

	for (i = 0; i < info->kvn_count; i++)
		if (info->kvns[i] == kvn)
			return 1;
	return 0;
}

/* ---- Recognition ------------------------------------------------------ */

static int
select_aid(struct card *card, const uint8_t *aid, size_t len, struct apdu_resp *resp)
{
	struct apdu a = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x00,
	    .data = aid, .lc = len, .le = 0, .has_le = 1 };

	return card_xfer(card, &a, resp);
}

int
card_recognize(struct card *card, const struct card_profile *prof, struct card_info *out)
{
	struct apdu_resp *resp = xmalloc(sizeof(*resp));
	struct card_info *info = xcalloc(1, sizeof(*info));
	int r;

	if ((r = card_profile_atr_check(prof, card->atr, card->atrlen)) != 0)
		goto out;
	if ((r = select_aid(card, prof->aid_juki, prof->aid_juki_len, resp)) != 0)
		goto out;
	if (resp->sw == 0x9000) {
		info->has_juki = 1;
		uint16_t sw;
		size_t len;

		if ((r = card_read_ef_sfi(card, CARD_SFI_ITEMS, 1, resp->data,
		    CARD_ITEMS_MAX, &len, &sw)) != 0) {
			if (r == NHI_ECARD_SW)
				r = err_set(NHI_ECARD_SW, "reading the Juki card's basic"
				    " items: %s", card_sw_text(sw));
			else
				r = err_wrap(r, "reading the Juki card's basic items: ");
			goto out;
		}
		if ((r = card_items_parse(resp->data, len, &info->items)) != 0)
			goto out;
		if (strcmp(info->items.municipality, prof->municipality_code) != 0) {
			r = err_set(NHI_ECARD_UNKNOWN, "this Juki card was issued by"
			    " municipality %s, not by this station's %s: the resident must"
			    " use a card of this town", info->items.municipality,
			    prof->municipality_code);
			goto out;
		}
	} else if (resp->sw != 0x6A82) {
		r = err_set(NHI_ECARD_UNKNOWN, "unknown card: SELECT of the Juki AP answered %s",
		    card_sw_text(resp->sw));
		goto out;
	}
	if ((r = select_aid(card, prof->aid_sd, prof->aid_sd_len, resp)) != 0)
		goto out;
	if (resp->sw == 0x6A82) {
		r = err_set(NHI_ECARD_UNKNOWN, "unknown card: it has no free-area security"
		    " domain, so it cannot carry the NHI AP");
		goto out;
	}
	if (resp->sw != 0x9000) {
		r = err_set(NHI_ECARD_UNKNOWN, "unknown card: SELECT of the security domain"
		    " answered %s", card_sw_text(resp->sw));
		goto out;
	}
	if ((r = card_sd_fci_parse(prof, resp->data, resp->len, info)) != 0)
		goto out;
	if (info->has_juki != (info->family == CARD_FAMILY_JUKI)) {
		r = err_set(NHI_ECARD_UNKNOWN, "unknown card %s: its security domain says"
		    " family %d but the Juki AP is %s", info->serial_hex, info->family,
		    info->has_juki ? "present" : "absent");
		goto out;
	}
	*out = *info;
	r = 0;
out:
	free(resp);
	free(info);
	return r;
}

/* ---- The four-item match ---------------------------------------------- */

int
card_items_match(const struct card_items *items, const struct card_person *p)
{
	struct text_basic_items card = { 0 }, person = { 0 };
	char birth[11], which[64] = "";
	unsigned diff;

	/* The card spells the birth date YYYYMMDD, the store YYYY-MM-DD. */
	snprintf(birth, sizeof(birth), "%.4s-%.2s-%.2s", items->birth, items->birth + 4,
	    items->birth + 6);
	text_basic_items_make(items->name, birth, items->sex[0] - '0', items->address, &card);
	text_basic_items_make(p->name, p->birth_date, p->sex, p->address, &person);
	diff = text_basic_items_diff(&card, &person);
	text_basic_items_free(&card);
	text_basic_items_free(&person);
	/* Only the name differs, and only where the resident's name holds
	 * 外字: the card may well be theirs (the card spells the character
	 * another way). Not another person: a supervisor decides. */
	if (diff == TEXT_ITEM_NAME && text_name_gaiji_only_diff(items->name, p->name)) {
		if (p->gaiji_decided)
			return 0;
		return err_reason(err_set(NHI_EMISMATCH, "the card's name differs from the"
		    " resident's only where the resident's name holds 外字; the other"
		    " items match: a supervisor decides whether it is the resident's own"
		    " card (nothing was written)"), "card.mismatch_gaiji");
	}
	if (diff & TEXT_ITEM_NAME)
		strcat(which, ", name");
	if (diff & TEXT_ITEM_BIRTH)
		strcat(which, ", birth date");
	if (diff & TEXT_ITEM_SEX)
		strcat(which, ", sex");
	if (diff & TEXT_ITEM_ADDRESS)
		strcat(which, ", address");
	if (which[0] != '\0')
		return err_reason(err_set(NHI_EMISMATCH, "the card's basic items do not match the"
		    " chosen resident: %s differ%s; check that this is the resident's own"
		    " card", which + 2, strchr(which + 2, ',') == NULL ? "s" : ""), "card.mismatch");
	return 0;
}
