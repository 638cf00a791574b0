/*
 * card-script.c: a scripted transport for unit tests. It replays a recorded
 * APDU transcript instead of talking to a reader, so the layers above the
 * transport (card_xfer, the secure channel, the profile) can be tested
 * without pcscd. Transcript format, one item a line:
 *
 *   # comment (also after an item)
 *   > 80 50 30 00 08 b1 3e 5f 93 8f c1 08 c4 00   a command we must send
 *   < 00 00 ... 90 00                               the card's raw answer
 *   !removed        the next transmit fails with NHI_ECARD_REMOVED
 *   !reset          the next transmit fails with NHI_ECARD_RESET
 *   !atr 3b 8f ...  the card's ATR (before the first exchange)
 *   !extended       the card accepts extended-length APDUs
 *
 * A reader control (SCardControl: the PIN pad, card-pinpad.c) is scripted
 * as a command: its control code as 4 bytes big-endian, then its input;
 * the "< ..." line is the reader's output.
 *
 * In a command, ".." matches any byte (for random data the test cannot
 * fix). Every "> ..." must be followed by its "< ..." line. A command that
 * differs from the script, or one past its end, fails with NHI_ECARD_PROTO
 * naming the transcript line; the script is then stuck (every further
 * transmit fails the same way), as a confused card would be.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "error.h"
#include "util.h"

enum script_kind { SCRIPT_CMD, SCRIPT_REMOVED, SCRIPT_RESET };

struct script_step {
	enum script_kind kind;
	size_t		 line;
	uint8_t		*cmd;		/* SCRIPT_CMD: expected command */
	uint8_t		*any;		/* 1 where the command byte is ".." */
	size_t		 cmdlen;
	uint8_t		*resp;
	size_t		 resplen;
};

struct script {
	char			*name;
	struct script_step	*steps;
	size_t			 count, pos;
	int			 failed;
};

static void
script_free(struct script *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->count; i++) {
		free(sc->steps[i].cmd);
		free(sc->steps[i].any);
		free(sc->steps[i].resp);
	}
	free(sc->steps);
	free(sc->name);
	free(sc);
}

/* Parse the hex of one line (blanks allowed, ".." as a wildcard if `any`). */
static int
script_hex(const struct script *sc, size_t line, const char *s, uint8_t **out,
    uint8_t **any, size_t *outlen)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	uint8_t *b = xmalloc(cap), *w = xcalloc(cap, 1);
	int hi, lo;

	while (*s != '\0') {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (any != NULL && s[0] == '.' && s[1] == '.') {
			b[n] = 0;
			w[n++] = 1;
			s += 2;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1])) {
			free(b);
			free(w);
			return err_set(NHI_EPARSE, "%s:%zu: bad hex byte", sc->name, line);
		}
		hi = isdigit((unsigned char)s[0]) ? s[0] - '0' : tolower((unsigned char)s[0]) - 'a' + 10;
		lo = isdigit((unsigned char)s[1]) ? s[1] - '0' : tolower((unsigned char)s[1]) - 'a' + 10;
		b[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*out = b;
	*outlen = n;
	if (any != NULL)
		*any = w;
	else
		free(w);
	return 0;
}

static struct script_step *
script_add(struct script *sc, enum script_kind kind, size_t line)
{
	struct script_step *st;

	sc->steps = xreallocarray(sc->steps, sc->count + 1, sizeof *sc->steps);
	st = &sc->steps[sc->count++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->line = line;
	return st;
}

static int
script_parse(struct script *sc, struct card *card, const char *text)
{
	const char *p = text, *nl;
	char *buf = NULL, *s, *hash;
	size_t line = 0, len;
	struct script_step *open_cmd = NULL;
	int r = 0;

	for (; *p != '\0'; p = *nl == '\0' ? nl : nl + 1) {
		line++;
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		free(buf);
		buf = xstrndup(p, (size_t)(nl - p));
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		for (s = buf; isspace((unsigned char)*s); s++)
			;
		len = strlen(s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			s[--len] = '\0';
		if (len == 0)
			continue;
		if (open_cmd != NULL && s[0] != '<') {
			r = err_set(NHI_EPARSE, "%s:%zu: expected '< response' after"
			    " the command on line %zu", sc->name, line, open_cmd->line);
			goto out;
		}
		if (s[0] == '>') {
			open_cmd = script_add(sc, SCRIPT_CMD, line);
			if ((r = script_hex(sc, line, s + 1, &open_cmd->cmd,
			    &open_cmd->any, &open_cmd->cmdlen)) != 0)
				goto out;
			if (open_cmd->cmdlen < 4) {
				r = err_set(NHI_EPARSE, "%s:%zu: command shorter than 4"
				    " bytes", sc->name, line);
				goto out;
			}
		} else if (s[0] == '<') {
			if (open_cmd == NULL) {
				r = err_set(NHI_EPARSE, "%s:%zu: response without a"
				    " command", sc->name, line);
				goto out;
			}
			if ((r = script_hex(sc, line, s + 1, &open_cmd->resp, NULL,
			    &open_cmd->resplen)) != 0)
				goto out;
			if (open_cmd->resplen < 2) {
				r = err_set(NHI_EPARSE, "%s:%zu: response without a status"
				    " word", sc->name, line);
				goto out;
			}
			open_cmd = NULL;
		} else if (strcmp(s, "!removed") == 0)
			script_add(sc, SCRIPT_REMOVED, line);
		else if (strcmp(s, "!reset") == 0)
			script_add(sc, SCRIPT_RESET, line);
		else if (strcmp(s, "!extended") == 0)
			card->extended = 1;
		else if (strncmp(s, "!atr", 4) == 0 && (s[4] == ' ' || s[4] == '\t')) {
			uint8_t *atr;
			size_t atrlen;

			if ((r = script_hex(sc, line, s + 4, &atr, NULL, &atrlen)) != 0)
				goto out;
			if (atrlen == 0 || atrlen > sizeof card->atr) {
				free(atr);
				r = err_set(NHI_EPARSE, "%s:%zu: ATR of %zu bytes", sc->name,
				    line, atrlen);
				goto out;
			}
			memcpy(card->atr, atr, atrlen);
			card->atrlen = atrlen;
			free(atr);
		} else {
			r = err_set(NHI_EPARSE, "%s:%zu: expected '>', '<', '!removed',"
			    " '!reset', '!atr' or '!extended'", sc->name, line);
			goto out;
		}
	}
	if (open_cmd != NULL)
		r = err_set(NHI_EPARSE, "%s:%zu: command without a response",
		    sc->name, open_cmd->line);
out:
	free(buf);
	return r;
}

/* The first bytes of a command in hex, for the detail of a mismatch. */
static void
script_hex_head(const uint8_t *b, size_t len, char *out)
{
	size_t n = len > 16 ? 16 : len;

	hex_encode(b, n, out);
	if (n < len)
		strcat(out, "...");
}

static int
script_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen,
    uint8_t *resp, size_t *resplen)
{
	struct script *sc = card->priv;
	struct script_step *st;
	char got[40], want[40];
	size_t i;

	if (sc->failed)
		return err_set(NHI_ECARD_PROTO, "%s: the script already failed",
		    sc->name);
	if (sc->pos >= sc->count) {
		sc->failed = 1;
		script_hex_head(cmd, cmdlen, got);
		return err_set(NHI_ECARD_PROTO, "%s: script ended, unexpected command"
		    " %s", sc->name, got);
	}
	st = &sc->steps[sc->pos];
	if (st->kind == SCRIPT_REMOVED || st->kind == SCRIPT_RESET) {
		sc->pos++;
		return err_set(st->kind == SCRIPT_REMOVED ? NHI_ECARD_REMOVED :
		    NHI_ECARD_RESET, "%s:%zu: card %s", sc->name, st->line,
		    st->kind == SCRIPT_REMOVED ? "removed" : "reset");
	}
	for (i = 0; i < cmdlen && i < st->cmdlen; i++)
		if (!st->any[i] && st->cmd[i] != cmd[i])
			break;
	if (cmdlen != st->cmdlen || i < cmdlen) {
		sc->failed = 1;
		script_hex_head(cmd, cmdlen, got);
		script_hex_head(st->cmd, st->cmdlen, want);
		return err_set(NHI_ECARD_PROTO, "%s:%zu: command differs from the"
		    " script at byte %zu (sent %s, %zu bytes; script %s, %zu bytes)",
		    sc->name, st->line, i, got, cmdlen, want, st->cmdlen);
	}
	if (st->resplen > *resplen)
		return err_set(NHI_ERANGE, "%s:%zu: response of %zu bytes does not"
		    " fit in %zu", sc->name, st->line, st->resplen, *resplen);
	memcpy(resp, st->resp, st->resplen);
	*resplen = st->resplen;
	sc->pos++;
	return 0;
}

static int
script_begin(struct card *card)
{
	return 0;
}

static int
script_end(struct card *card)
{
	return 0;
}

static void
script_close(struct card *card)
{
	script_free(card->priv);
	free(card);
}

static int
script_control(struct card *card, uint32_t code, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen)
{
	uint8_t *cmd = xmalloc(4 + inlen);
	int r;

	cmd[0] = (uint8_t)(code >> 24);
	cmd[1] = (uint8_t)(code >> 16);
	cmd[2] = (uint8_t)(code >> 8);
	cmd[3] = (uint8_t)code;
	if (inlen > 0)
		memcpy(cmd + 4, in, inlen);
	r = script_transmit(card, cmd, 4 + inlen, out, outlen);
	free(cmd);
	return r;
}

static const struct card_ops script_ops = {
	.name = "script",
	.transmit = script_transmit,
	.begin = script_begin,
	.end = script_end,
	.close = script_close,
	.control = script_control,
};

int
card_script_open_mem(const char *name, const char *text, struct card **out)
{
	struct script *sc = xcalloc(1, sizeof *sc);
	struct card *card = xcalloc(1, sizeof *card);
	int r;

	sc->name = xstrdup(name);
	card->ops = &script_ops;
	card->priv = sc;
	snprintf(card->reader, sizeof card->reader, "script %s", name);
	if ((r = script_parse(sc, card, text)) != 0) {
		script_close(card);
		return r;
	}
	*out = card;
	return 0;
}

int
card_script_open(const char *path, struct card **out)
{
	char *text = NULL;
	size_t len;
	int r;

	if ((r = fs_read_file(path, 4 * 1024 * 1024, &text, &len)) != 0)
		return r;
	if (strlen(text) != len)
		r = err_set(NHI_EPARSE, "%s: NUL byte in transcript", path);
	else
		r = card_script_open_mem(path, text, out);
	free(text);
	return r;
}

int
card_script_done(const struct card *card)
{
	const struct script *sc = card->priv;

	if (card->ops != &script_ops)
		return 0;
	return !sc->failed && sc->pos == sc->count;
}
