/*
 * card-pcsc.c: the PC/SC transport: readers, connecting to a card,
 * transmitting raw APDUs (T=0 and T=1) and short exclusive transactions,
 * over pcsc-lite.
 *
 * PC/SC result codes become NHI_E* codes in exactly one function,
 * pcsc_error(), whose details name the reader. A transmit that fails with
 * a communication error is first classified by asking pcscd what the
 * reader saw (pcsc_settle): a card pulled in the middle of an exchange
 * shows up as SCARD_E_NOT_TRANSACTED or SCARD_F_COMM_ERROR, and only a
 * moment later as an empty reader; the clerk must hear "card removed".
 *
 * A card reset by another program: pcscd resets the card when it closes
 * the handle of a program that ended (or was killed) without
 * disconnecting. If that happens just after we connected, our handle may
 * not carry the reset event, and the first command fails with
 * SCARD_E_PROTO_MISMATCH (the card's protocol is undefined again) rather
 * than SCARD_W_RESET_CARD. Before our first command the card holds no
 * state of ours, so we reconnect once and go on (pcsc_recover); after it,
 * either code means the card lost our selection and secure channel, and
 * the caller hears NHI_ECARD_RESET.
 *
 * Extended length: taken from the ATR's historical bytes, the card
 * capabilities (COMPACT-TLV tag 7, third software function byte, bit b7
 * "extended Lc and Le fields", ISO/IEC 7816-4 8.1.1.2.7). Callers may
 * override card->extended after connecting (configuration card.extended).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <PCSC/reader.h>

#include "card.h"
#include "error.h"
#include "util.h"

/* How long a failed transmit waits for pcscd to report the card gone, by
 * default (card->settle_ms, configuration card.settle_ms). */
#define PCSC_SETTLE_MS	1500

struct pcsc_card {
	SCARDCONTEXT	 ctx;
	SCARDHANDLE	 handle;
	DWORD		 protocol;
	int		 in_transaction;
	int		 fresh;		/* no command answered since connecting */
};

/* The symbolic name of a PC/SC code, for details. */
static const char *
pcsc_code_name(LONG rv)
{
	switch (rv) {
#define N(x) case x: return #x;
	N(SCARD_E_NO_SERVICE) N(SCARD_E_SERVICE_STOPPED) N(SCARD_E_NO_READERS_AVAILABLE)
	N(SCARD_W_REMOVED_CARD) N(SCARD_W_RESET_CARD) N(SCARD_E_READER_UNAVAILABLE)
	N(SCARD_E_UNKNOWN_READER) N(SCARD_E_NO_SMARTCARD) N(SCARD_E_SHARING_VIOLATION)
	N(SCARD_W_UNRESPONSIVE_CARD) N(SCARD_W_UNPOWERED_CARD) N(SCARD_W_UNSUPPORTED_CARD)
	N(SCARD_E_PROTO_MISMATCH) N(SCARD_E_NOT_TRANSACTED) N(SCARD_F_COMM_ERROR)
	N(SCARD_E_COMM_DATA_LOST) N(SCARD_E_TIMEOUT) N(SCARD_E_INSUFFICIENT_BUFFER)
	N(SCARD_E_NO_MEMORY) N(SCARD_E_INVALID_HANDLE) N(SCARD_E_INVALID_PARAMETER)
	N(SCARD_E_INVALID_VALUE) N(SCARD_E_NOT_READY) N(SCARD_F_INTERNAL_ERROR)
	N(SCARD_E_CARD_UNSUPPORTED) N(SCARD_E_SERVER_TOO_BUSY) N(SCARD_E_CANCELLED)
#undef N
	default:
		return "unknown PC/SC code";
	}
}

/*
 * The one place where PC/SC result codes become NHI_E* codes. `reader`
 * (may be NULL) and `what` (the operation) go into the detail.
 */
static int
pcsc_error(LONG rv, const char *reader, const char *what)
{
	char where[200];
	const char *name = pcsc_code_name(rv);
	unsigned long code = (unsigned long)(uint32_t)rv;

	if (reader != NULL)
		snprintf(where, sizeof(where), "reader '%s'", reader);
	else
		snprintf(where, sizeof(where), "PC/SC");
	switch (rv) {
	case SCARD_S_SUCCESS:
		return 0;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return err_set(NHI_ENO_SERVICE, "the PC/SC service (pcscd) is not running "
		    "(%s, %s): start it, e.g. 'systemctl start pcscd.socket'", what, name);
	case SCARD_E_NO_READERS_AVAILABLE:
		return err_set(NHI_ENO_READER, "no card reader is connected (%s, %s)",
		    what, name);
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_UNKNOWN_READER:
		return err_set(NHI_EREADER_GONE, "%s was disconnected or is unavailable "
		    "(%s, %s)", where, what, name);
	case SCARD_E_NO_SMARTCARD:
		return err_set(NHI_ENO_CARD, "no card in %s: insert the card (%s, %s)",
		    where, what, name);
	case SCARD_W_REMOVED_CARD:
		return err_set(NHI_ECARD_REMOVED, "the card was removed from %s (%s, %s)",
		    where, what, name);
	case SCARD_W_RESET_CARD:
		return err_set(NHI_ECARD_RESET, "the card in %s was reset by another "
		    "program (%s, %s)", where, what, name);
	case SCARD_E_SHARING_VIOLATION:
		return err_set(NHI_ECARD_BUSY, "the card in %s is in use by another "
		    "program (%s, %s)", where, what, name);
	case SCARD_E_TIMEOUT:
		return err_set(NHI_ETIMEOUT, "%s: timed out (%s, %s)", where, what, name);
	case SCARD_E_NO_MEMORY:
		return err_set(NHI_ENOMEM, "%s: PC/SC out of memory (%s)", where, what);
	case SCARD_W_UNSUPPORTED_CARD:
	case SCARD_E_CARD_UNSUPPORTED:
		return err_set(NHI_ECARD_UNKNOWN, "the card in %s is not supported by the "
		    "reader (%s, %s)", where, what, name);
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
		return err_set(NHI_ECARD_PROTO, "the card in %s does not answer: check "
		    "that it is inserted the right way (%s, %s)", where, what, name);
	case SCARD_E_INVALID_HANDLE:
	case SCARD_E_INVALID_PARAMETER:
	case SCARD_E_INVALID_VALUE:
	case SCARD_F_INTERNAL_ERROR:
		return err_set(NHI_EINTERNAL, "%s: %s failed: %s (0x%08lx)", where, what,
		    name, code);
	default:
		return err_set(NHI_ECARD_PROTO, "%s: communication with the card failed "
		    "(%s, %s, 0x%08lx: %s)", where, what, name, code,
		    pcsc_stringify_error(rv));
	}
}

/*
 * After a failed exchange: if the failure is a communication error, wait
 * (bounded) for pcscd to report what happened to the card, so that a card
 * pulled mid-exchange is reported as removed rather than as a protocol
 * error. Returns the PC/SC code to translate.
 */
static LONG
pcsc_settle(struct card *card, LONG rv)
{
	struct pcsc_card *pc = card->priv;
	SCARD_READERSTATE rs;
	uint64_t deadline = time_mono_ns() + (uint64_t)card->settle_ms * 1000000u;
	uint64_t now;
	LONG st;

	/* Our protocol no longer holds: the card was reset under us. */
	if (rv == SCARD_E_PROTO_MISMATCH)
		return SCARD_W_RESET_CARD;
	if (rv != SCARD_E_NOT_TRANSACTED && rv != SCARD_F_COMM_ERROR &&
	    rv != SCARD_E_COMM_DATA_LOST && rv != SCARD_W_UNRESPONSIVE_CARD &&
	    rv != SCARD_W_UNPOWERED_CARD)
		return rv;
	/* A card removed and inserted again (or reset) already shows on the
	 * handle. */
	st = SCardStatus(pc->handle, NULL, NULL, NULL, NULL, NULL, NULL);
	if (st == SCARD_W_REMOVED_CARD || st == SCARD_W_RESET_CARD ||
	    st == SCARD_E_NO_SMARTCARD)
		return st == SCARD_E_NO_SMARTCARD ? SCARD_W_REMOVED_CARD : st;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = card->reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		now = time_mono_ns();
		st = SCardGetStatusChange(pc->ctx, now < deadline ?
		    (DWORD)((deadline - now) / 1000000u) : 0, &rs, 1);
		if (st == SCARD_E_UNKNOWN_READER || st == SCARD_E_READER_UNAVAILABLE)
			return st;
		if (st == SCARD_E_NO_SERVICE || st == SCARD_E_SERVICE_STOPPED)
			return st;
		if (st != SCARD_S_SUCCESS)
			return rv;
		if (rs.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE))
			return rs.dwEventState & SCARD_STATE_EMPTY ?
			    SCARD_W_REMOVED_CARD : SCARD_E_READER_UNAVAILABLE;
		if (time_mono_ns() >= deadline)
			return rv;
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	}
}

/* The reader names as a NULL-terminated vector; *count set. */
static int
pcsc_readers(SCARDCONTEXT ctx, char ***names, size_t *count)
{
	char *buf = NULL, *p, **v = NULL;
	DWORD len = 0;
	size_t n = 0;
	LONG rv;
	int r;

	rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv == SCARD_S_SUCCESS) {
		buf = xmalloc(len);
		rv = SCardListReaders(ctx, NULL, buf, &len);
	}
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		v = xcalloc(1, sizeof(*v));
		goto done;
	}
	if (rv != SCARD_S_SUCCESS) {
		r = pcsc_error(rv, NULL, "listing readers");
		goto out;
	}
	v = xcalloc(1, sizeof(*v));
	for (p = buf; p < buf + len && *p != '\0'; p += strlen(p) + 1) {
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrdup(p);
		v[n] = NULL;
	}
done:
	*names = v;
	*count = n;
	v = NULL;
	r = 0;
out:
	free(buf);
	free(v);
	return r;
}

static void
free_names(char **names, size_t count)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

static int
pcsc_context(SCARDCONTEXT *ctx)
{
	LONG rv;

	if ((rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx)) !=
	    SCARD_S_SUCCESS)
		return pcsc_error(rv, NULL, "connecting to pcscd");
	return 0;
}

int
card_list_readers(char ***names, size_t *count)
{
	SCARDCONTEXT ctx;
	int r;

	if ((r = pcsc_context(&ctx)) != 0)
		return r;
	r = pcsc_readers(ctx, names, count);
	SCardReleaseContext(ctx);
	return r;
}

int
card_reader_present(const char *reader, int *present)
{
	SCARD_READERSTATE rs;
	SCARDCONTEXT ctx;
	LONG rv;
	int r;

	if ((r = pcsc_context(&ctx)) != 0)
		return r;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	rv = SCardGetStatusChange(ctx, 0, &rs, 1);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
		r = pcsc_error(rv, reader, "asking for the reader's state");
	else if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE))
		r = pcsc_error(SCARD_E_UNKNOWN_READER, reader, "asking for the reader's state");
	else
		*present = (rs.dwEventState & SCARD_STATE_PRESENT) &&
		    !(rs.dwEventState & SCARD_STATE_MUTE);
	SCardReleaseContext(ctx);
	return r;
}

/* "'A', 'B'" for details; caller frees. */
static char *
join_names(char **names, size_t count)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < count; i++) {
		t = xasprintf("%s%s'%s'", s, i > 0 ? ", " : "", names[i]);
		free(s);
		s = t;
	}
	return s;
}

/* Pick the reader: the exact name, or the only one. */
static int
pick_reader(SCARDCONTEXT ctx, const char *want, char *out, size_t cap)
{
	char **names = NULL, *list = NULL;
	size_t count = 0, i;
	const char *pick = NULL;
	int r;

	if ((r = pcsc_readers(ctx, &names, &count)) != 0)
		return r;
	list = join_names(names, count);
	if (count == 0) {
		if (want != NULL)
			r = err_set(NHI_ENO_READER, "no card reader is connected (wanted "
			    "reader '%s')", want);
		else
			r = err_set(NHI_ENO_READER, "no card reader is connected");
		goto out;
	}
	if (want != NULL) {
		for (i = 0; i < count; i++)
			if (strcmp(names[i], want) == 0)
				pick = names[i];
		if (pick == NULL) {
			r = err_set(NHI_ENO_READER, "no reader named '%s'; readers present: %s",
			    want, list);
			goto out;
		}
	} else if (count == 1)
		pick = names[0];
	else {
		r = err_set(NHI_ENO_READER, "%zu readers are present and none was chosen: "
		    "choose one with --reader NAME (or card.reader in the configuration): %s",
		    count, list);
		goto out;
	}
	if (strlen(pick) >= cap) {
		r = err_set(NHI_ENO_READER, "reader name too long: '%s'", pick);
		goto out;
	}
	memcpy(out, pick, strlen(pick) + 1);
	r = 0;
out:
	free(list);
	free_names(names, count);
	return r;
}

/*
 * Does the ATR announce extended Lc/Le? Walks the interface bytes to the
 * historical bytes, then their COMPACT-TLV objects for the card
 * capabilities (tag 7, third byte, bit 0x40).
 */
static int
atr_extended(const uint8_t *atr, size_t len)
{
	size_t i = 1, k, hist, end;
	uint8_t y, td;
	int tck = 0;

	if (len < 2)
		return 0;
	td = atr[i++];			/* T0 */
	k = td & 0x0f;
	for (;;) {
		y = td >> 4;
		i += (size_t)((y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1));
		if (!(y & 8))
			break;
		if (i >= len)
			return 0;
		td = atr[i++];
		if ((td & 0x0f) != 0)
			tck = 1;
	}
	hist = i;
	end = hist + k;
	if (end > len || k == 0 || (tck && end + 1 > len))
		return 0;
	if (atr[hist] != 0x80)		/* only the COMPACT-TLV category */
		return 0;
	for (i = hist + 1; i < end; ) {
		uint8_t tag = atr[i] >> 4, l = atr[i] & 0x0f;

		if (i + 1 + l > end)
			return 0;
		if (tag == 7 && l >= 3)
			return (atr[i + 3] & 0x40) != 0;
		i += 1 + (size_t)l;
	}
	return 0;
}

/*
 * `rv` says the card was reset by someone else. If no command of ours has
 * been answered since we connected, the reset lost nothing: acknowledge it
 * (reconnect without another reset, the protocol negotiated again) and
 * return 1 to retry once. Otherwise 0: the caller reports the reset.
 */
static int
pcsc_recover(struct card *card, LONG rv)
{
	struct pcsc_card *pc = card->priv;
	DWORD proto = 0;
	LONG st;

	if (!pc->fresh || (rv != SCARD_W_RESET_CARD && rv != SCARD_E_PROTO_MISMATCH))
		return 0;
	pc->fresh = 0;
	st = SCardReconnect(pc->handle, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &proto);
	if (st != SCARD_S_SUCCESS) {
		log_debug("card: the card in '%s' was reset before our first command; "
		    "reconnecting failed (%s)", card->reader, pcsc_code_name(st));
		return 0;
	}
	pc->protocol = proto;
	card->protocol = proto == SCARD_PROTOCOL_T0 ? 0 : 1;
	log_debug("card: the card in '%s' was reset by another program before our "
	    "first command (%s); reconnected, T=%d", card->reader, pcsc_code_name(rv),
	    card->protocol);
	return 1;
}

static LONG
pcsc_transmit_once(struct pcsc_card *pc, const uint8_t *cmd, size_t cmdlen,
    uint8_t *resp, DWORD *len)
{
	const SCARD_IO_REQUEST *pci = pc->protocol == SCARD_PROTOCOL_T0 ?
	    SCARD_PCI_T0 : SCARD_PCI_T1;

	return SCardTransmit(pc->handle, pci, cmd, (DWORD)cmdlen, NULL, resp, len);
}

static int
pcsc_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
    size_t *resplen)
{
	struct pcsc_card *pc = card->priv;
	DWORD len = (DWORD)*resplen;
	LONG rv;

	rv = pcsc_transmit_once(pc, cmd, cmdlen, resp, &len);
	if (rv != SCARD_S_SUCCESS && pcsc_recover(card, rv)) {
		len = (DWORD)*resplen;
		rv = pcsc_transmit_once(pc, cmd, cmdlen, resp, &len);
	}
	if (rv == SCARD_S_SUCCESS && len < 2) {
		/* No status word: the link broke mid-exchange (vpcd reports a
		 * vanished card this way). Ask the reader what happened. */
		rv = pcsc_settle(card, SCARD_F_COMM_ERROR);
		if (rv == SCARD_F_COMM_ERROR)
			return err_set(NHI_ECARD_PROTO, "reader '%s': the card answered "
			    "%lu bytes, without a status word", card->reader,
			    (unsigned long)len);
	}
	if (rv != SCARD_S_SUCCESS)
		return pcsc_error(pcsc_settle(card, rv), card->reader, "sending a command");
	pc->fresh = 0;
	*resplen = len;
	return 0;
}

static int
pcsc_begin(struct card *card)
{
	struct pcsc_card *pc = card->priv;
	LONG rv;

	rv = SCardBeginTransaction(pc->handle);
	if (rv != SCARD_S_SUCCESS && pcsc_recover(card, rv))
		rv = SCardBeginTransaction(pc->handle);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_error(pcsc_settle(card, rv), card->reader,
		    "starting a transaction");
	pc->in_transaction = 1;
	return 0;
}

static int
pcsc_end(struct card *card)
{
	struct pcsc_card *pc = card->priv;
	LONG rv;

	pc->in_transaction = 0;
	if ((rv = SCardEndTransaction(pc->handle, SCARD_LEAVE_CARD)) != SCARD_S_SUCCESS)
		return pcsc_error(rv, card->reader, "ending a transaction");
	return 0;
}

static void
pcsc_close(struct card *card)
{
	struct pcsc_card *pc = card->priv;

	if (pc != NULL) {
		if (pc->in_transaction)
			(void)SCardEndTransaction(pc->handle, SCARD_LEAVE_CARD);
		/* Reset on the way out: no secure channel or selection
		 * survives us for the next program. */
		if (pc->handle != 0)
			(void)SCardDisconnect(pc->handle, SCARD_RESET_CARD);
		if (pc->ctx != 0)
			(void)SCardReleaseContext(pc->ctx);
		free(pc);
	}
	free(card);
}

static int
pcsc_control(struct card *card, uint32_t code, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen)
{
	struct pcsc_card *pc = card->priv;
	DWORD got = 0;
	LONG rv;

	rv = SCardControl(pc->handle, (DWORD)code, in, (DWORD)inlen, out, (DWORD)*outlen,
	    &got);
	/* Asking for the features of a reader that has none is no failure of
	 * the card: no settling then. */
	if (rv != SCARD_S_SUCCESS)
		return pcsc_error(code == CM_IOCTL_GET_FEATURE_REQUEST ? rv :
		    pcsc_settle(card, rv), card->reader, "a reader control");
	*outlen = got;
	return 0;
}

static const struct card_ops pcsc_ops = {
	.name = "pcsc",
	.transmit = pcsc_transmit,
	.begin = pcsc_begin,
	.end = pcsc_end,
	.close = pcsc_close,
	.control = pcsc_control,
};

int
card_connect(const char *reader, struct card **out)
{
	struct card *card = xcalloc(1, sizeof(*card));
	struct pcsc_card *pc = xcalloc(1, sizeof(*pc));
	DWORD atrlen = sizeof(card->atr), state = 0, proto = 0, namelen = 0;
	LONG rv;
	int r;

	card->ops = &pcsc_ops;
	card->priv = pc;
	if ((r = pcsc_context(&pc->ctx)) != 0 ||
	    (r = pick_reader(pc->ctx, reader, card->reader, sizeof(card->reader))) != 0)
		goto out;
	rv = SCardConnect(pc->ctx, card->reader, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &pc->handle, &pc->protocol);
	if (rv != SCARD_S_SUCCESS) {
		pc->handle = 0;
		r = pcsc_error(rv, card->reader, "connecting to the card");
		goto out;
	}
	rv = SCardStatus(pc->handle, NULL, &namelen, &state, &proto, card->atr, &atrlen);
	if (rv != SCARD_S_SUCCESS) {
		r = pcsc_error(rv, card->reader, "reading the card's ATR");
		goto out;
	}
	card->atrlen = atrlen;
	card->extended = atr_extended(card->atr, card->atrlen);
	card->protocol = pc->protocol == SCARD_PROTOCOL_T0 ? 0 : 1;
	card->settle_ms = PCSC_SETTLE_MS;
	pc->fresh = 1;
	log_debug("card: connected to '%s', T=%d, extended length %s", card->reader,
	    pc->protocol == SCARD_PROTOCOL_T0 ? 0 : 1, card->extended ? "yes" : "no");
	*out = card;
	card = NULL;
	r = 0;
out:
	if (card != NULL)
		pcsc_close(card);
	return r;
}
