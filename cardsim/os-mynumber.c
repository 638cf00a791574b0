/*
 * os-mynumber.c: the "mynumber" card personality: a TEST My Number card
 * (個人番号カード) with the two applications the station uses
 * (docs/card-profile.md "The My Number card"):
 *
 *   JPKI AP              AID D3 92 F0 00 26 01 00 00 00 01
 *     EF 000A  user-authentication certificate (DER), readable freely
 *     EF 000B  the CA certificate (when given), readable freely
 *     EF 0017  the authentication key (RSA), COMPUTE DIGITAL SIGNATURE
 *     EF 0018  the authentication PIN (4 digits, 3 tries)
 *   input-support AP     AID D3 92 10 00 31 00 01 01 04 08
 *     EF 0011  its PIN (4 digits, 3 tries)
 *     EF 0001  the 個人番号 (behind the PIN; the station never reads it:
 *              the card counts reads in `number_reads` for the tests)
 *     EF 0002  the four basic items (behind the PIN):
 *              FF20 { DF21 header, DF22 name, DF23 address,
 *                     DF24 birth YYYYMMDD, DF25 sex }
 *
 * Commands: SELECT by AID (00 A4 04 0C|00), SELECT EF (00 A4 02 0C 02 FID),
 * READ BINARY of the current EF (00 B0 P1 P2 Le, offset P1 P2, at most
 * `chunk` bytes an answer: files are read in pieces; 6B00 past the end),
 * VERIFY of the current PIN EF (00 20 00 80 [Lc PIN]: no data asks the
 * tries left, 63Cx; a wrong PIN answers 63Cx with the tries left, 6983
 * once none are left), COMPUTE DIGITAL SIGNATURE (80 2A 00 80 Lc
 * DigestInfo 00) with the key EF current and its PIN verified since the
 * AP was selected (else 6982). Anything else: 6D00, 6E00, 6A86, 6700.
 *
 * The certificate and key come from the tests' test JPKI CA (-o cert=FILE
 * -o key=FILE when the card is created; tests/lib/jpki.sh makes them);
 * everything on this card is test material, as its ATR ("JPKITEST") says.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "cardsim.h"
#include "crypto-jpki.h"
#include "error.h"
#include "util.h"

#define MN_FILE_MAX	4096
#define MN_TRIES	3

enum mn_ap { AP_NONE, AP_JPKI, AP_INPUT };

static const uint8_t aid_jpki[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00,
	0x00, 0x01 };
static const uint8_t aid_input[] = { 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01,
	0x04, 0x08 };

struct mn_card {
	/* persistent */
	uint8_t		*cert, *cacert, *key;
	size_t		 certlen, cacertlen, keylen;
	char		 auth_pin[5], input_pin[5];
	int		 auth_tries, input_tries;
	char		*name, *address, birth[9], sex[2], number[13];
	unsigned long	 number_reads;
	unsigned	 chunk;
	/* volatile */
	enum mn_ap	 ap;
	uint16_t	 ef;
	int		 auth_ok, input_ok;
};

static void *
mn_create(void)
{
	struct mn_card *c = xcalloc(1, sizeof(*c));

	strcpy(c->auth_pin, "1234");
	strcpy(c->input_pin, "1234");
	c->auth_tries = c->input_tries = MN_TRIES;
	c->name = xstrdup("山田 太郎");
	c->address = xstrdup("高知県長岡郡本山町本山５８２番地");
	strcpy(c->birth, "19800401");
	strcpy(c->sex, "1");
	strcpy(c->number, "123456789018");
	c->chunk = 256;
	return c;
}

static void
mn_free(void *card)
{
	struct mn_card *c = card;

	if (c == NULL)
		return;
	free(c->cert);
	free(c->cacert);
	if (c->key != NULL)
		util_free_secret(c->key, c->keylen);
	free(c->name);
	free(c->address);
	util_free_secret(c, sizeof(*c));
}

static int
set_blob(uint8_t **dst, size_t *dlen, const char *hex)
{
	size_t n = strlen(hex) / 2;
	uint8_t *b;

	if (n == 0 || n > MN_FILE_MAX) {
		return err_set(NHI_EUSAGE, "expected 1 to %d bytes of hex", MN_FILE_MAX);
	}
	b = xmalloc(n);
	if (hex_decode(hex, b, n) != (int)n) {
		free(b);
		err_clear();
		return err_set(NHI_EUSAGE, "bad hex");
	}
	free(*dst);
	*dst = b;
	*dlen = n;
	return 0;
}

static int
digits(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789") == n;
}

static int
set_tries(int *dst, const char *key, const char *value)
{
	if (strlen(value) != 1 || value[0] < '0' || value[0] > '3')
		return err_set(NHI_EUSAGE, "%s=%s: expected 0 to 3", key, value);
	*dst = value[0] - '0';
	return 0;
}

/* One key=value, from an option or the state file (`file`: values are hex
 * blobs there, file paths in options). */
static int
mn_set(struct mn_card *c, const char *key, const char *value, int file)
{
	uint8_t *der = NULL;
	size_t len;
	int r;

	if (strcmp(key, "cert") == 0 || strcmp(key, "cacert") == 0 ||
	    strcmp(key, "key") == 0) {
		uint8_t **dst = key[0] == 'k' ? &c->key : key[1] == 'e' ? &c->cert :
		    &c->cacert;
		size_t *dlen = key[0] == 'k' ? &c->keylen : key[1] == 'e' ? &c->certlen :
		    &c->cacertlen;

		if (file)
			return set_blob(dst, dlen, value);
		r = key[0] == 'k' ? crypto_jpki_load_key(value, &der, &len) :
		    crypto_jpki_load_cert(value, &der, &len);
		if (r != 0)
			return err_wrap(NHI_EUSAGE, "%s=: ", key);
		if (*dst != NULL)
			util_free_secret(*dst, *dlen);
		*dst = der;
		*dlen = len;
		return 0;
	}
	if (strcmp(key, "auth-pin") == 0 || strcmp(key, "input-pin") == 0) {
		if (!digits(value, 4))
			return err_set(NHI_EUSAGE, "%s=: expected 4 digits", key);
		strcpy(key[0] == 'a' ? c->auth_pin : c->input_pin, value);
		return 0;
	}
	if (strcmp(key, "auth-tries") == 0)
		return set_tries(&c->auth_tries, key, value);
	if (strcmp(key, "input-tries") == 0)
		return set_tries(&c->input_tries, key, value);
	if (strcmp(key, "birth") == 0) {
		if (!digits(value, 8))
			return err_set(NHI_EUSAGE, "birth=%s: expected YYYYMMDD", value);
		strcpy(c->birth, value);
		return 0;
	}
	if (strcmp(key, "sex") == 0) {
		if (!digits(value, 1))
			return err_set(NHI_EUSAGE, "sex=%s: expected one digit", value);
		strcpy(c->sex, value);
		return 0;
	}
	if (strcmp(key, "number") == 0) {
		if (!digits(value, 12))
			return err_set(NHI_EUSAGE, "number=: expected 12 digits");
		strcpy(c->number, value);
		return 0;
	}
	if (strcmp(key, "number_reads") == 0) {
		c->number_reads = strtoul(value, NULL, 10);
		return 0;
	}
	if (strcmp(key, "chunk") == 0) {
		unsigned long v = strtoul(value, NULL, 10);

		if (v < 1 || v > 256)
			return err_set(NHI_EUSAGE, "chunk=%s: expected 1 to 256", value);
		c->chunk = (unsigned)v;
		return 0;
	}
	if (strcmp(key, "name") == 0 || strcmp(key, "address") == 0) {
		if (*value == '\0' || strlen(value) > 400 || strchr(value, '\n') != NULL)
			return err_set(NHI_EUSAGE, "%s=: expected one line of 1 to 400 bytes",
			    key);
		free(key[0] == 'n' ? c->name : c->address);
		*(key[0] == 'n' ? &c->name : &c->address) = xstrdup(value);
		return 0;
	}
	return err_set(NHI_EUSAGE, "mynumber card: unknown option '%s' (cert, key, cacert,"
	    " auth-pin, input-pin, auth-tries, input-tries, name, birth, sex, address,"
	    " number, chunk)", key);
}

static int
mn_option(void *card, const char *key, const char *value, int *changed)
{
	int r;

	if ((r = mn_set(card, key, value, 0)) == 0)
		*changed = 1;
	return r;
}

static int
mn_load(void *card, const uint8_t *state, size_t len)
{
	char *text = xstrndup((const char *)state, len), *line, *save = NULL, *eq;
	int r = 0, lineno = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			r = err_set(NHI_EPARSE, "line %d: expected key=value", lineno);
			break;
		}
		*eq = '\0';
		if ((r = mn_set(card, line, eq + 1, 1)) != 0) {
			r = err_wrap(NHI_EPARSE, "line %d: ", lineno);
			break;
		}
	}
	util_wipe(text, len);
	free(text);
	return r;
}

static char *
hexdup(const uint8_t *b, size_t n)
{
	char *h = xmalloc(2 * n + 1);

	hex_encode(b, n, h);
	return h;
}

static int
mn_save(void *card, uint8_t **out, size_t *outlen)
{
	struct mn_card *c = card;
	char *cert = hexdup(c->cert, c->certlen), *ca = hexdup(c->cacert, c->cacertlen);
	char *key = hexdup(c->key, c->keylen), *text;

	text = xasprintf("# TEST My Number card (nhicard-cardsim): test keys only\n"
	    "%s%s%s%s%s%s"
	    "auth-pin=%s\nauth-tries=%d\ninput-pin=%s\ninput-tries=%d\n"
	    "name=%s\naddress=%s\nbirth=%s\nsex=%s\nnumber=%s\nnumber_reads=%lu\n"
	    "chunk=%u\n",
	    c->certlen ? "cert=" : "", cert, c->certlen ? "\n" : "",
	    c->cacertlen ? "cacert=" : "", ca, c->cacertlen ? "\n" : "",
	    c->auth_pin, c->auth_tries, c->input_pin, c->input_tries, c->name,
	    c->address, c->birth, c->sex, c->number, c->number_reads, c->chunk);
	if (c->keylen) {
		char *t2 = xasprintf("%skey=%s\n", text, key);

		util_free_secret(text, strlen(text));
		text = t2;
	}
	util_free_secret(key, strlen(key));
	free(cert);
	free(ca);
	*outlen = strlen(text);
	*out = (uint8_t *)text;
	return 0;
}

static size_t
mn_atr(void *card, uint8_t *out)
{
	static const uint8_t hist[] = { 'J', 'P', 'K', 'I', 'T', 'E', 'S', 'T' };
	size_t n = 0, i;
	uint8_t tck = 0;

	(void)card;
	out[n++] = 0x3B;
	out[n++] = 0x80 | sizeof(hist);
	out[n++] = 0x80;
	out[n++] = 0x01;
	memcpy(out + n, hist, sizeof(hist));
	n += sizeof(hist);
	for (i = 1; i < n; i++)
		tck ^= out[i];
	out[n++] = tck;
	return n;
}

static void
mn_power(void *card, enum sim_power event)
{
	struct mn_card *c = card;

	(void)event;
	c->ap = AP_NONE;
	c->ef = 0;
	c->auth_ok = c->input_ok = 0;
}

static void
sw(uint8_t *resp, size_t *len, size_t off, uint16_t s)
{
	resp[off] = (uint8_t)(s >> 8);
	resp[off + 1] = (uint8_t)s;
	*len = off + 2;
}

/* The four items as the input-support AP's EF 0002 holds them. */
static size_t
items_file(const struct mn_card *c, uint8_t *out, size_t cap)
{
	uint8_t inner[1024];
	size_t off = 0, o2 = 0;
	static const uint8_t header[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

	if (tlv_put(inner, sizeof(inner), &off, 0xDF21, header, sizeof(header)) != 0 ||
	    tlv_put(inner, sizeof(inner), &off, 0xDF22, (const uint8_t *)c->name,
	    strlen(c->name)) != 0 ||
	    tlv_put(inner, sizeof(inner), &off, 0xDF23, (const uint8_t *)c->address,
	    strlen(c->address)) != 0 ||
	    tlv_put(inner, sizeof(inner), &off, 0xDF24, (const uint8_t *)c->birth, 8) != 0 ||
	    tlv_put(inner, sizeof(inner), &off, 0xDF25, (const uint8_t *)c->sex, 1) != 0 ||
	    tlv_put(out, cap, &o2, 0xFF20, inner, off) != 0)
		return 0;
	return o2;
}

static void
do_select(struct mn_card *c, const struct apdu *a, uint8_t *resp, size_t *len)
{
	if (a->p1 == 0x04) {
		if (a->lc == sizeof(aid_jpki) && memcmp(a->data, aid_jpki, a->lc) == 0)
			c->ap = AP_JPKI;
		else if (a->lc == sizeof(aid_input) && memcmp(a->data, aid_input, a->lc) == 0)
			c->ap = AP_INPUT;
		else {
			sw(resp, len, 0, 0x6A82);
			return;
		}
		c->ef = 0;
		c->auth_ok = c->input_ok = 0;
		sw(resp, len, 0, 0x9000);
		return;
	}
	if (a->p1 == 0x02 && a->lc == 2) {
		uint16_t fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
		int ok = 0;

		if (c->ap == AP_JPKI)
			ok = fid == 0x000A || (fid == 0x000B && c->cacertlen > 0) ||
			    fid == 0x0017 || fid == 0x0018;
		else if (c->ap == AP_INPUT)
			ok = fid == 0x0001 || fid == 0x0002 || fid == 0x0011;
		if (!ok) {
			sw(resp, len, 0, 0x6A82);
			return;
		}
		c->ef = fid;
		sw(resp, len, 0, 0x9000);
		return;
	}
	sw(resp, len, 0, 0x6A86);
}

static void
do_read(struct mn_card *c, const struct apdu *a, uint8_t *resp, size_t *len, int *changed)
{
	uint8_t buf[MN_FILE_MAX];
	const uint8_t *file = NULL;
	size_t flen = 0, off, n, want;

	if (a->p1 & 0x80) {
		sw(resp, len, 0, 0x6A86);	/* no SFIs on this card */
		return;
	}
	if (c->ap == AP_JPKI && c->ef == 0x000A) {
		file = c->cert;
		flen = c->certlen;
	} else if (c->ap == AP_JPKI && c->ef == 0x000B) {
		file = c->cacert;
		flen = c->cacertlen;
	} else if (c->ap == AP_INPUT && (c->ef == 0x0001 || c->ef == 0x0002)) {
		if (!c->input_ok) {
			sw(resp, len, 0, 0x6982);
			return;
		}
		if (c->ef == 0x0001) {
			c->number_reads++;
			*changed = 1;
			memcpy(buf, c->number, 12);
			flen = 12;
		} else
			flen = items_file(c, buf, sizeof(buf));
		file = buf;
	} else {
		sw(resp, len, 0, c->ef == 0 ? 0x6986 : 0x6981);
		return;
	}
	if (file == NULL || flen == 0) {
		sw(resp, len, 0, 0x6A82);
		return;
	}
	off = (size_t)(a->p1 << 8 | a->p2);
	if (off >= flen) {
		sw(resp, len, 0, 0x6B00);
		return;
	}
	want = a->le == 0 ? 256 : a->le;
	n = flen - off;
	if (n > want)
		n = want;
	if (n > c->chunk)
		n = c->chunk;
	memcpy(resp, file + off, n);
	sw(resp, len, n, 0x9000);
}

static void
do_verify(struct mn_card *c, const struct apdu *a, uint8_t *resp, size_t *len, int *changed)
{
	int *tries, *ok;
	const char *pin;

	if (a->p1 != 0x00 || a->p2 != 0x80) {
		sw(resp, len, 0, 0x6A86);
		return;
	}
	if (c->ap == AP_JPKI && c->ef == 0x0018) {
		tries = &c->auth_tries;
		ok = &c->auth_ok;
		pin = c->auth_pin;
	} else if (c->ap == AP_INPUT && c->ef == 0x0011) {
		tries = &c->input_tries;
		ok = &c->input_ok;
		pin = c->input_pin;
	} else {
		sw(resp, len, 0, 0x6986);
		return;
	}
	if (*tries == 0) {
		sw(resp, len, 0, 0x6983);
		return;
	}
	if (a->lc == 0) {
		sw(resp, len, 0, *ok ? 0x9000 : (uint16_t)(0x63C0 | *tries));
		return;
	}
	if (a->lc == 4 && memcmp(a->data, pin, 4) == 0) {
		if (*tries != MN_TRIES) {
			*tries = MN_TRIES;
			*changed = 1;
		}
		*ok = 1;
		sw(resp, len, 0, 0x9000);
		return;
	}
	(*tries)--;
	*ok = 0;
	*changed = 1;
	sw(resp, len, 0, (uint16_t)(0x63C0 | *tries));
}

static void
do_sign(struct mn_card *c, const struct apdu *a, uint8_t *resp, size_t *len)
{
	size_t n;

	if (a->p1 != 0x00 || a->p2 != 0x80) {
		sw(resp, len, 0, 0x6A86);
		return;
	}
	if (c->ap != AP_JPKI || c->ef != 0x0017) {
		sw(resp, len, 0, 0x6986);
		return;
	}
	if (!c->auth_ok) {
		sw(resp, len, 0, 0x6982);
		return;
	}
	if (c->key == NULL || a->lc == 0) {
		sw(resp, len, 0, c->key == NULL ? 0x6A88 : 0x6700);
		return;
	}
	if (crypto_jpki_card_sign(c->key, c->keylen, a->data, a->lc, resp, 512, &n) != 0) {
		err_clear();
		sw(resp, len, 0, 0x6A80);
		return;
	}
	sw(resp, len, n, 0x9000);
}

static void
mn_apdu(void *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp, size_t *resplen,
    int *changed)
{
	struct mn_card *c = card;
	struct apdu a;

	if (apdu_decode(cmd, cmdlen, &a) != 0) {
		err_clear();
		sw(resp, resplen, 0, 0x6700);
		return;
	}
	if (a.cla == 0x00 && a.ins == 0xA4)
		do_select(c, &a, resp, resplen);
	else if (a.cla == 0x00 && a.ins == 0xB0)
		do_read(c, &a, resp, resplen, changed);
	else if (a.cla == 0x00 && a.ins == 0x20)
		do_verify(c, &a, resp, resplen, changed);
	else if (a.cla == 0x80 && a.ins == 0x2A)
		do_sign(c, &a, resp, resplen);
	else if (a.cla != 0x00 && a.cla != 0x80)
		sw(resp, resplen, 0, 0x6E00);
	else
		sw(resp, resplen, 0, 0x6D00);
}

const struct sim_os sim_os_mynumber = {
	.name = "mynumber",
	.summary = "TEST My Number card: JPKI AP (auth certificate, key, PIN) and the "
	    "input-support AP (four basic items behind a PIN)",
	.options = "cert=FILE key=FILE cacert=FILE auth-pin=NNNN input-pin=NNNN "
	    "auth-tries=0..3 input-tries=0..3 name= birth=YYYYMMDD sex= address= "
	    "number=12 digits chunk=1..256",
	.create = mn_create,
	.load = mn_load,
	.save = mn_save,
	.option = mn_option,
	.atr = mn_atr,
	.power = mn_power,
	.apdu = mn_apdu,
	.free = mn_free,
};
