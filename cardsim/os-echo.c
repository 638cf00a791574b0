/*
 * os-echo.c: the "echo" card personality: a minimal ISO 7816-4 card for
 * the transport's smoke tests and benchmarks. It proves that APDUs, status
 * words, response chaining (61xx), wrong-Le answers (6Cxx, T=0 mode) and
 * persistent state go through pcscd and vpcd intact.
 *
 * Commands (the application must be selected first, else 6985):
 *   00 A4 04 00 Lc AID [Le]   SELECT by AID (-o aid=HEX): 9000, or 6A82;
 *                             with Le, an FCI 6F { 84 AID }
 *   80 EE 00 00 Lc DATA [Le]  ECHO: returns DATA
 *   00 CA 01 01 Le            GET DATA counter: 4 bytes big-endian
 *   00 CA 01 02 Le            GET DATA pattern: 300 bytes 00 01 02 ...;
 *                             more than Le gives 61xx, then GET RESPONSE
 *   00 DA 01 01 04 VALUE      PUT DATA counter (persistent)
 *   80 E2 00 00 [Le]          INCREMENT the counter, returns the new value
 *   00 C0 00 00 Le            GET RESPONSE
 * Anything else: 6D00 (INS), 6E00 (CLA), 6A86 (P1-P2), 6700 (length).
 *
 * Options (-o KEY=VALUE, stored with the card): aid=HEX (default
 * D392F000260100000001), counter=N, t0=0|1 (ATR offers T=0 only and the
 * card answers case 4 with 61xx and a wrong Le with 6Cxx, as T=0 cards
 * do), extended=0|1 (the ATR's card capabilities announce extended
 * length; the card accepts it either way).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "cardsim.h"
#include "error.h"
#include "util.h"

#define ECHO_DEFAULT_AID	"D392F000260100000001"
#define ECHO_PATTERN_LEN	300

struct echo_card {
	/* persistent */
	uint8_t		 aid[16];
	size_t		 aidlen;
	uint32_t	 counter;
	int		 t0;
	int		 extended;
	/* volatile */
	int		 selected;
	uint8_t		 pending[SIM_RESP_MAX];	/* data left for GET RESPONSE */
	size_t		 pending_len, pending_off;
};

static int
set_aid(struct echo_card *c, const char *hex)
{
	uint8_t aid[16];
	int n;

	if ((n = hex_decode(hex, aid, sizeof(aid))) < 5)
		return err_set(NHI_EUSAGE, "aid=%s: expected 5 to 16 bytes of hex", hex);
	memcpy(c->aid, aid, (size_t)n);
	c->aidlen = (size_t)n;
	return 0;
}

static void *
echo_create(void)
{
	struct echo_card *c = xcalloc(1, sizeof(*c));

	(void)set_aid(c, ECHO_DEFAULT_AID);
	return c;
}

static int
echo_set(struct echo_card *c, const char *key, const char *value)
{
	char *end;
	unsigned long v;

	if (strcmp(key, "aid") == 0)
		return set_aid(c, value);
	if (strcmp(key, "counter") == 0 || strcmp(key, "t0") == 0 ||
	    strcmp(key, "extended") == 0) {
		v = strtoul(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v > 0xffffffffUL ||
		    (strcmp(key, "counter") != 0 && v > 1))
			return err_set(NHI_EUSAGE, "%s=%s: bad value", key, value);
		if (strcmp(key, "counter") == 0)
			c->counter = (uint32_t)v;
		else if (strcmp(key, "t0") == 0)
			c->t0 = (int)v;
		else
			c->extended = (int)v;
		return 0;
	}
	return err_set(NHI_EUSAGE, "echo card: unknown option '%s' (aid, counter, t0, "
	    "extended)", key);
}

static int
echo_option(void *card, const char *key, const char *value, int *changed)
{
	int r;

	if ((r = echo_set(card, key, value)) == 0)
		*changed = 1;
	return r;
}

/* The state is text, one key=value per line, as the options. */
static int
echo_load(void *card, const uint8_t *state, size_t len)
{
	char *text = xstrndup((const char *)state, len), *line, *save = NULL, *eq;
	int r = 0, lineno = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if ((eq = strchr(line, '=')) == NULL) {
			r = err_set(NHI_EPARSE, "line %d: expected key=value", lineno);
			break;
		}
		*eq = '\0';
		if ((r = echo_set(card, line, eq + 1)) != 0) {
			r = err_wrap(NHI_EPARSE, "line %d: ", lineno);
			break;
		}
	}
	free(text);
	return r;
}

static int
echo_save(void *card, uint8_t **out, size_t *outlen)
{
	struct echo_card *c = card;
	char aid[2 * sizeof(c->aid) + 1], *text;

	hex_encode(c->aid, c->aidlen, aid);
	text = xasprintf("aid=%s\ncounter=%lu\nt0=%d\nextended=%d\n", aid,
	    (unsigned long)c->counter, c->t0, c->extended);
	*outlen = strlen(text);
	*out = (uint8_t *)text;
	return 0;
}

static size_t
echo_atr(void *card, uint8_t *out)
{
	struct echo_card *c = card;
	/* Historical bytes: category 80, card capabilities 73 (third byte:
	 * 80 command chaining, 40 extended Lc/Le), issuer data 56 "NHISIM". */
	const uint8_t hist[] = { 0x80, 0x73, 0x00, 0x21, (uint8_t)(c->extended ? 0xC0 : 0x80),
	    0x56, 'N', 'H', 'I', 'S', 'I', 'M' };
	size_t n = 0, i;
	uint8_t tck = 0;

	out[n++] = 0x3B;
	if (c->t0) {
		out[n++] = (uint8_t)sizeof(hist);	/* no interface bytes: T=0 */
	} else {
		out[n++] = (uint8_t)(0x80 | sizeof(hist));	/* TD1 */
		out[n++] = 0x80;				/* TD2, T=0 */
		out[n++] = 0x01;				/* T=1 */
	}
	memcpy(out + n, hist, sizeof(hist));
	n += sizeof(hist);
	if (!c->t0) {
		for (i = 1; i < n; i++)
			tck ^= out[i];
		out[n++] = tck;
	}
	return n;
}

static void
echo_power(void *card, enum sim_power event)
{
	struct echo_card *c = card;

	c->selected = 0;
	c->pending_len = c->pending_off = 0;
}

static size_t
sw(uint8_t *resp, size_t n, uint16_t status)
{
	resp[n] = (uint8_t)(status >> 8);
	resp[n + 1] = (uint8_t)status;
	return n + 2;
}

/* Answer with `len` bytes of data as the card's protocol and Le allow:
 * up to Le now and 61xx for the rest, or 6Cxx (T=0, wrong Le). */
static size_t
answer(struct echo_card *c, const struct apdu *a, int case4, const uint8_t *data,
    size_t len, uint8_t *resp)
{
	size_t le = a->has_le ? a->le : 0, give, left;

	c->pending_len = c->pending_off = 0;
	if (len == 0)
		return sw(resp, 0, 0x9000);
	if (c->t0 && (case4 || !a->has_le)) {
		/* T=0 cannot send data in a case 3/4 exchange: 61xx. */
		memcpy(c->pending, data, len);
		c->pending_len = len;
		return sw(resp, 0, (uint16_t)(0x6100 | (len > 255 ? 0 : len)));
	}
	if (c->t0 && le != len && len <= 256)
		return sw(resp, 0, (uint16_t)(0x6C00 | (len & 0xff)));
	if (!a->has_le)
		return sw(resp, 0, 0x9000);
	give = len < le ? len : le;
	memcpy(resp, data, give);
	left = len - give;
	if (left == 0)
		return sw(resp, give, 0x9000);
	memcpy(c->pending, data + give, left);
	c->pending_len = left;
	return sw(resp, give, (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
}

static size_t
get_response(struct echo_card *c, const struct apdu *a, uint8_t *resp)
{
	size_t left = c->pending_len - c->pending_off, give;

	if (a->p1 != 0 || a->p2 != 0)
		return sw(resp, 0, 0x6A86);
	if (left == 0)
		return sw(resp, 0, 0x6985);
	if (c->t0 && a->le > left && left <= 256)
		return sw(resp, 0, (uint16_t)(0x6C00 | (left & 0xff)));
	give = a->has_le && a->le < left ? a->le : left;
	memcpy(resp, c->pending + c->pending_off, give);
	c->pending_off += give;
	left -= give;
	if (left == 0) {
		c->pending_len = c->pending_off = 0;
		return sw(resp, give, 0x9000);
	}
	return sw(resp, give, (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
}

static void
put_counter(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
echo_apdu(void *card, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *resplen,
    int *changed)
{
	struct echo_card *c = card;
	struct apdu a;
	uint8_t buf[ECHO_PATTERN_LEN + 32];
	size_t i;

	if (apdu_decode(cmd, len, &a) != 0) {
		*resplen = sw(resp, 0, 0x6700);
		return;
	}
	if (a.ins == 0xC0 && (a.cla & 0x7C) == 0) {
		*resplen = get_response(c, &a, resp);
		return;
	}
	c->pending_len = c->pending_off = 0;
	if (a.cla != 0x00 && a.cla != 0x80) {
		*resplen = sw(resp, 0, 0x6E00);
		return;
	}
	if (a.ins == 0xA4) {
		if (a.p1 != 0x04 || (a.p2 & ~0x0C) != 0) {
			*resplen = sw(resp, 0, 0x6A86);
			return;
		}
		c->selected = a.lc == c->aidlen && memcmp(a.data, c->aid, a.lc) == 0;
		if (!c->selected) {
			*resplen = sw(resp, 0, 0x6A82);
			return;
		}
		buf[0] = 0x6F;
		buf[1] = (uint8_t)(c->aidlen + 2);
		buf[2] = 0x84;
		buf[3] = (uint8_t)c->aidlen;
		memcpy(buf + 4, c->aid, c->aidlen);
		*resplen = answer(c, &a, 1, buf, a.has_le ? c->aidlen + 4 : 0, resp);
		return;
	}
	if (!c->selected && (a.ins == 0xEE || a.ins == 0xCA || a.ins == 0xDA ||
	    a.ins == 0xE2)) {
		*resplen = sw(resp, 0, 0x6985);
		return;
	}
	switch (a.ins) {
	case 0xEE:
		*resplen = answer(c, &a, 1, a.data, a.lc, resp);
		return;
	case 0xCA:
		if (a.p1 != 0x01 || (a.p2 != 0x01 && a.p2 != 0x02) || a.lc != 0) {
			*resplen = sw(resp, 0, a.lc != 0 ? 0x6700 : 0x6A88);
			return;
		}
		if (a.p2 == 0x01) {
			put_counter(buf, c->counter);
			*resplen = answer(c, &a, 0, buf, 4, resp);
		} else {
			for (i = 0; i < ECHO_PATTERN_LEN; i++)
				buf[i] = (uint8_t)i;
			*resplen = answer(c, &a, 0, buf, ECHO_PATTERN_LEN, resp);
		}
		return;
	case 0xDA:
		if (a.p1 != 0x01 || a.p2 != 0x01) {
			*resplen = sw(resp, 0, 0x6A88);
			return;
		}
		if (a.lc != 4) {
			*resplen = sw(resp, 0, 0x6700);
			return;
		}
		c->counter = (uint32_t)a.data[0] << 24 | (uint32_t)a.data[1] << 16 |
		    (uint32_t)a.data[2] << 8 | a.data[3];
		*changed = 1;
		*resplen = sw(resp, 0, 0x9000);
		return;
	case 0xE2:
		if (a.p1 != 0 || a.p2 != 0) {
			*resplen = sw(resp, 0, 0x6A86);
			return;
		}
		c->counter++;
		*changed = 1;
		put_counter(buf, c->counter);
		*resplen = answer(c, &a, 0, buf, a.has_le ? 4 : 0, resp);
		return;
	default:
		*resplen = sw(resp, 0, 0x6D00);
		return;
	}
}

static void
echo_free(void *card)
{
	free(card);
}

const struct sim_os sim_os_echo = {
	.name = "echo",
	.summary = "minimal ISO 7816-4 card: SELECT, ECHO, GET/PUT DATA, a persistent counter",
	.options = "aid=HEX counter=N t0=0|1 extended=0|1",
	.create = echo_create,
	.load = echo_load,
	.save = echo_save,
	.option = echo_option,
	.atr = echo_atr,
	.power = echo_power,
	.apdu = echo_apdu,
	.free = echo_free,
};
