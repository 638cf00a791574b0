/*
 * os-nhi.c: the NHI card OS (docs/card-profile.md): the three card
 * personalities (juki, juki-new, standalone) and the command dispatcher.
 *
 * One APDU goes through these steps:
 *   1. decode (a malformed APDU: 6700); GET RESPONSE is served from what a
 *      previous answer left over;
 *   2. secure messaging: a command with CLA bit 04 must belong to the open
 *      secure channel; its C-MAC is checked and its data decrypted (any
 *      error: 6988 and the channel is closed). A plain command other than
 *      SELECT, INITIALIZE UPDATE or GET RESPONSE while the channel is open
 *      is refused with 6982 and closes it;
 *   3. the handler of the instruction (os-nhi-files.c, os-nhi-sc.c);
 *   4. the response is protected (R-ENC, R-MAC) when the command came
 *      through the channel, then cut to Le (61xx for the rest).
 * Each handler checks everything before it changes anything, so a command
 * either happens completely or not at all; the framework saves the state
 * file before the answer leaves the card.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

const struct nhi_aid nhi_aid_juki = {
	{ 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 }, 10 };
const struct nhi_aid nhi_aid_sd = {
	{ 0xF0, 0x4E, 0x48, 0x49, 0x43, 0x53, 0x44 }, 7 };
const struct nhi_aid nhi_aid_nhi = {
	{ 0xF0, 0x4E, 0x48, 0x49, 0x43, 0x41, 0x50, 0x01 }, 8 };

int
nhi_aid_equal(const struct nhi_aid *a, const struct nhi_aid *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

int
nhi_aid_set(struct nhi_aid *aid, const uint8_t *b, size_t len)
{
	if (len < 5 || len > NHI_AID_MAX)
		return err_set(NHI_ERANGE, "an AID has 5 to 16 bytes, not %zu", len);
	memcpy(aid->b, b, len);
	aid->len = len;
	return 0;
}

int
nhi_town_aid(const char *municipality, struct nhi_aid *out)
{
	struct nhi_aid aid;
	size_t i, n = sizeof(NHI_AID_TOWN_PREFIX) - 1;

	if (municipality == NULL || strlen(municipality) != 6 ||
	    strspn(municipality, "0123456789") != 6)
		return err_set(NHI_EPARSE, "municipality code '%s': expected 6 digits",
		    municipality != NULL ? municipality : "");
	memcpy(aid.b, NHI_AID_TOWN_PREFIX, n);
	for (i = 0; i < 3; i++)
		aid.b[n + i] = (uint8_t)((municipality[2 * i] - '0') << 4 |
		    (municipality[2 * i + 1] - '0'));
	aid.len = n + 3;
	*out = aid;
	return 0;
}

/* ---- the sim_os hooks ---------------------------------------------- */

static void *
juki_create(void)
{
	return nhi_card_new("juki");
}

static void *
juki_new_create(void)
{
	return nhi_card_new("juki-new");
}

static void *
standalone_create(void)
{
	return nhi_card_new("standalone");
}

static void
os_show(void *card, FILE *out)
{
	nhi_card_show(card, out);
}

static int
os_load(void *card, const uint8_t *state, size_t len)
{
	return nhi_card_load(card, state, len);
}

static int
os_save(void *card, uint8_t **out, size_t *outlen)
{
	return nhi_card_save(card, out, outlen);
}

static int
os_option(void *card, const char *key, const char *value, int *changed)
{
	return nhi_card_option(card, key, value, changed);
}

/*
 * The ATR. T=1 (default): 3B 88 80 01 + 8 historical bytes + TCK; TD1 = 80
 * (T=0, TD2 follows), TD2 = 01 (T=1). T=0 only (t0=1): 3B 08 + the
 * historical bytes, no TCK. The historical bytes name the test card
 * ("JUKITEST", "NHICTEST"); with extended=1 they are preceded by the
 * COMPACT-TLV card capabilities 80 73 00 21 C0 (third byte bit 40: extended
 * Lc and Le), 13 historical bytes in all.
 */
static size_t
os_atr(void *card, uint8_t *out)
{
	static const uint8_t caps[] = { 0x80, 0x73, 0x00, 0x21, 0xC0 };
	struct nhi_card *c = card;
	const char *hist = c->family == NHI_FAMILY_JUKI ? "JUKITEST" : "NHICTEST";
	size_t n = 0, i, k = 8 + (c->extended ? sizeof(caps) : 0);
	uint8_t tck = 0;

	out[n++] = 0x3B;
	if (c->t0)
		out[n++] = (uint8_t)k;
	else {
		out[n++] = (uint8_t)(0x80 | k);
		out[n++] = 0x80;
		out[n++] = 0x01;
	}
	if (c->extended) {
		memcpy(out + n, caps, sizeof(caps));
		n += sizeof(caps);
	}
	memcpy(out + n, hist, 8);
	n += 8;
	if (c->t0)
		return n;
	for (i = 1; i < n; i++)
		tck ^= out[i];
	out[n++] = tck;
	return n;
}

static void
os_power(void *card, enum sim_power event)
{
	struct nhi_card *c = card;

	(void)event;
	nhi_sc_close(c);
	c->selected = NHI_SEL_NONE;
	c->ef_current = 0;
	c->pending_len = c->pending_off = 0;
}

static void
os_free(void *card)
{
	nhi_card_free(card);
}

/* ---- the dispatcher ------------------------------------------------- */

static size_t
put_sw(uint8_t *resp, size_t n, uint16_t sw)
{
	resp[n] = (uint8_t)(sw >> 8);
	resp[n + 1] = (uint8_t)sw;
	return n + 2;
}

/* Keep data and the final status word for GET RESPONSE; answer 61xx. */
static size_t
defer(struct nhi_card *c, const uint8_t *data, size_t len, uint16_t sw, uint8_t *resp)
{
	memcpy(c->pending, data, len);
	c->pending[len] = (uint8_t)(sw >> 8);
	c->pending[len + 1] = (uint8_t)sw;
	c->pending_len = len;
	return put_sw(resp, 0, (uint16_t)(0x6100 | (len > 255 ? 0 : len)));
}

/*
 * Send `ans` (data already protected) cut to Le: the rest waits for GET
 * RESPONSE behind 61xx. A command without Le gets the status word alone
 * (ISO 7816-3 case 1 and 3), even under R-MAC: the station sends Le.
 * A T=0 card (t0=1) cannot send data in a case 3 or 4 exchange: it answers
 * 61xx and the data comes with GET RESPONSE; to a case 2 command whose Le
 * is not the length it has it answers 6Cxx.
 */
static size_t
send_answer(struct nhi_card *c, const struct apdu *a, const uint8_t *data,
    size_t len, uint16_t sw, uint8_t *resp)
{
	size_t le = a->has_le ? a->le : 0, give, left;

	c->pending_len = c->pending_off = 0;
	if (len == 0)
		return put_sw(resp, 0, sw);
	if (c->t0 && a->lc > 0)
		return defer(c, data, len, sw, resp);
	if (!a->has_le)
		return put_sw(resp, 0, sw);
	if (c->t0 && le != len && len <= 256)
		return put_sw(resp, 0, (uint16_t)(0x6C00 | (len & 0xff)));
	give = len < le ? len : le;
	memcpy(resp, data, give);
	left = len - give;
	if (left == 0)
		return put_sw(resp, give, sw);
	/* The final status word is kept with the data: 61xx now, it later. */
	memcpy(c->pending, data + give, left);
	c->pending[left] = (uint8_t)(sw >> 8);
	c->pending[left + 1] = (uint8_t)sw;
	c->pending_len = left;
	return put_sw(resp, give, (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
}

static size_t
get_response(struct nhi_card *c, const struct apdu *a, uint8_t *resp)
{
	size_t left = c->pending_len - c->pending_off, give;
	uint16_t sw;

	if (a->p1 != 0 || a->p2 != 0)
		return put_sw(resp, 0, SW_WRONG_P1P2);
	if (left == 0)
		return put_sw(resp, 0, SW_CONDITIONS);
	if (c->t0 && a->has_le && a->le > left && left <= 256)
		return put_sw(resp, 0, (uint16_t)(0x6C00 | (left & 0xff)));
	give = a->has_le && a->le < left ? a->le : left;
	memcpy(resp, c->pending + c->pending_off, give);
	c->pending_off += give;
	left -= give;
	if (left > 0)
		return put_sw(resp, give, (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
	sw = (uint16_t)(c->pending[c->pending_len] << 8 | c->pending[c->pending_len + 1]);
	c->pending_len = c->pending_off = 0;
	return put_sw(resp, give, sw);
}

/* 1 if the raw command uses the extended length form. */
static int
is_extended(const uint8_t *raw, size_t len)
{
	return len > 5 && raw[4] == 0x00;
}

/* The class each instruction wants (without the secure messaging bit). */
static int
class_ok(uint8_t cla, uint8_t ins)
{
	uint8_t plain = cla & (uint8_t)~0x04;

	switch (ins) {
	case 0x50:	/* INITIALIZE UPDATE */
		return cla == 0x80;
	case 0x82:	/* EXTERNAL AUTHENTICATE */
		return cla == 0x84;
	case 0xD8:	/* PUT KEY */
		return plain == 0x80;
	default:
		return plain == 0x00;
	}
}

static void
dispatch(struct nhi_card *c, const struct nhi_cmd *cmd, struct nhi_answer *ans)
{
	switch (cmd->ins) {
	case 0xA4: nhi_cmd_select(c, cmd, ans); break;
	case 0xB0: nhi_cmd_read_binary(c, cmd, ans); break;
	case 0x50: nhi_cmd_initialize_update(c, cmd, ans); break;
	case 0xD8: nhi_cmd_put_key(c, cmd, ans); break;
	case 0xE0: nhi_cmd_create_file(c, cmd, ans); break;
	case 0xE4: nhi_cmd_delete_file(c, cmd, ans); break;
	case 0x44:	/* ACTIVATE FILE */
	case 0x04:	/* DEACTIVATE FILE */
		nhi_cmd_set_lcs(c, cmd, ans);
		break;
	case 0x46: nhi_cmd_generate_key(c, cmd, ans); break;
	case 0xDA: nhi_cmd_put_data(c, cmd, ans); break;
	case 0x88: nhi_cmd_internal_auth(c, cmd, ans); break;
	default: ans->sw = SW_INS; break;
	}
}

static int
known_ins(uint8_t ins)
{
	static const uint8_t known[] = { 0xA4, 0xB0, 0x50, 0x82, 0xD8, 0xE0, 0xE4,
	    0x44, 0x04, 0x46, 0xDA, 0x88 };

	return memchr(known, ins, sizeof(known)) != NULL;
}

static void
os_apdu(void *card, const uint8_t *raw, size_t rawlen, uint8_t *resp,
    size_t *resplen, int *changed)
{
	struct nhi_card *c = card;
	struct nhi_answer *ans = NULL;
	struct nhi_cmd cmd;
	struct apdu a;
	uint8_t hdr[4], *plain = NULL, *wrapped = NULL;
	size_t plainlen = 0, outlen;
	const uint8_t *out;
	int secured = 0, r;

	c->responses++;
	/* A card never saved (no --card) is made on its first command. */
	if (nhi_card_ready(c) != 0 && !c->build_warned) {
		log_warn("%s card: %s", c->kind, err_detail());
		c->build_warned = 1;
	}
	if (apdu_decode(raw, rawlen, &a) != 0 ||
	    (!c->extended && is_extended(raw, rawlen))) {
		err_clear();
		*resplen = put_sw(resp, 0, SW_WRONG_LENGTH);
		return;
	}
	if (a.ins == 0xC0 && a.cla == 0x00) {
		*resplen = get_response(c, &a, resp);
		return;
	}
	c->pending_len = c->pending_off = 0;
	if (!known_ins(a.ins)) {
		*resplen = put_sw(resp, 0, SW_INS);
		return;
	}
	if (!class_ok(a.cla, a.ins)) {
		*resplen = put_sw(resp, 0, SW_CLA);
		return;
	}
	ans = xcalloc(1, sizeof(*ans));
	memset(&cmd, 0, sizeof(cmd));
	cmd.cla = a.cla & (uint8_t)~0x04;
	cmd.ins = a.ins;
	cmd.p1 = a.p1;
	cmd.p2 = a.p2;
	cmd.data = a.data;
	cmd.lc = a.lc;
	cmd.has_le = a.has_le;
	cmd.le = a.le;

	/* A pending INITIALIZE UPDATE lasts exactly one command. */
	if (c->channel == NHI_SC_INITIALIZED && a.ins != 0x82)
		nhi_sc_close(c);

	if (a.ins == 0x82) {
		nhi_cmd_external_auth(c, &cmd, ans);
		goto send;
	}
	if (a.cla & 0x04) {
		if (c->channel != NHI_SC_OPEN) {
			ans->sw = SW_SECURITY;
			goto send;
		}
		hdr[0] = a.cla;
		hdr[1] = a.ins;
		hdr[2] = a.p1;
		hdr[3] = a.p2;
		plain = xmalloc(a.lc + 1);
		if (crypto_scp03_unwrap_command(&c->session, hdr, a.data, a.lc, plain,
		    a.lc + 1, &plainlen) != 0) {
			err_clear();
			nhi_sc_close(c);
			ans->sw = SW_SM_WRONG;
			goto send;
		}
		cmd.data = plain;
		cmd.lc = plainlen;
		cmd.secured = secured = 1;
	} else if (c->channel == NHI_SC_OPEN && a.ins != 0xA4 && a.ins != 0x50) {
		/* Inside a channel every command is protected. */
		nhi_sc_close(c);
		ans->sw = SW_SECURITY;
		goto send;
	}
	dispatch(c, &cmd, ans);
	*changed = ans->changed;

send:
	out = ans->data;
	outlen = ans->len;
	if (secured && c->channel == NHI_SC_OPEN) {
		wrapped = xmalloc(ans->len + 2 * SCP03_BLOCK);
		r = crypto_scp03_wrap_response(&c->session, ans->data, ans->len, ans->sw,
		    wrapped, ans->len + 2 * SCP03_BLOCK, &outlen);
		if (r != 0) {
			/* Cannot happen with sane sizes; a card would mute. */
			err_clear();
			nhi_sc_close(c);
			outlen = 0;
			ans->sw = SW_SM_WRONG;
		} else if (c->corrupt_rmac == c->responses &&
		    crypto_scp03_resp_has_rmac(&c->session, ans->len, ans->sw)) {
			/* Fault injection: the R-MAC's last byte is wrong. */
			wrapped[outlen - 1] ^= 0x01;
		}
		out = wrapped;
	}
	*resplen = send_answer(c, &a, out, outlen, ans->sw, resp);
	if (plain != NULL)
		util_free_secret(plain, a.lc + 1);
	if (wrapped != NULL)
		util_free_secret(wrapped, ans->len + 2 * SCP03_BLOCK);
	util_free_secret(ans, sizeof(*ans));
}

#define NHI_OS(var, kindname, what, createfn)				\
const struct sim_os var = {						\
	.name = kindname,						\
	.summary = what,						\
	.options = "at creation keys=DIR|FILE serial=HEX name= birth= sex= " \
	    "address= municipality=; any run corrupt-rmac=N "		\
	    "wrong-cryptogram=0|1 wrong-challenge=0|1 scp-i=60|70 "	\
	    "read-binary=chain|iso|eof-warning|exact-le t0=0|1 "	\
	    "extended=0|1; test build fixed-challenge=HEX "		\
	    "(docs/cardsim-os.md)",					\
	.create = createfn,						\
	.load = os_load,						\
	.save = os_save,						\
	.option = os_option,						\
	.atr = os_atr,							\
	.power = os_power,						\
	.apdu = os_apdu,						\
	.free = os_free,						\
	.show = os_show,						\
}

NHI_OS(sim_os_juki, "juki",
    "existing Juki card: four basic items, key set 30, town area with other apps",
    juki_create);
NHI_OS(sim_os_juki_new, "juki-new",
    "new Juki card: four basic items, key set 30, empty free area",
    juki_new_create);
NHI_OS(sim_os_standalone, "standalone",
    "blank standalone card: transport key set FF only",
    standalone_create);
