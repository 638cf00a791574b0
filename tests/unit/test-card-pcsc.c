/*
 * Unit tests of the PC/SC transport (card-pcsc.c) when the card is reset
 * by another program: the race that pcscd leaves open when it cleans up
 * after a killed program (it resets the card; a handle opened just then
 * may miss the reset event, and its first command fails with
 * SCARD_E_PROTO_MISMATCH). The SCard* functions card-pcsc.c calls are
 * defined here, so they take the place of pcsc-lite's in this program,
 * and each answers what the test scripts.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "card.h"
#include "error.h"

#define READER	"Test Reader 00 00"

/* What the fake pcscd answers next, and what it saw. */
static struct {
	LONG	 transmit[4];	/* SCardTransmit results, in order */
	size_t	 ntransmit, transmits;
	LONG	 begin[4];	/* SCardBeginTransaction results */
	size_t	 nbegin, begins;
	LONG	 reconnect;	/* SCardReconnect's result */
	int	 reconnects;
	DWORD	 reconnect_init;	/* its dwInitialization */
	DWORD	 proto_now;	/* the protocol a (re)connect negotiates */
	DWORD	 proto_sent;	/* the protocol of the last SCardTransmit */
	LONG	 status;	/* SCardStatus on a connected handle, after the ATR */
	int	 statuses;
} fk;

static const BYTE atr[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };

LONG
SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx)
{
	(void)scope; (void)r1; (void)r2;
	*ctx = 1;
	return SCARD_S_SUCCESS;
}

LONG
SCardReleaseContext(SCARDCONTEXT ctx)
{
	(void)ctx;
	return SCARD_S_SUCCESS;
}

LONG
SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len)
{
	static const char names[] = READER "\0";

	(void)ctx; (void)groups;
	if (readers != NULL) {
		if (*len < sizeof(names))
			return SCARD_E_INSUFFICIENT_BUFFER;
		memcpy(readers, names, sizeof(names));
	}
	*len = sizeof(names);
	return SCARD_S_SUCCESS;
}

LONG
SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD prefer,
    LPSCARDHANDLE handle, LPDWORD proto)
{
	(void)ctx; (void)share; (void)prefer;
	assert_string_equal(reader, READER);
	*handle = 7;
	*proto = fk.proto_now;
	return SCARD_S_SUCCESS;
}

LONG
SCardReconnect(SCARDHANDLE handle, DWORD share, DWORD prefer, DWORD init, LPDWORD proto)
{
	(void)share; (void)prefer;
	assert_int_equal(handle, 7);
	fk.reconnects++;
	fk.reconnect_init = init;
	if (fk.reconnect == SCARD_S_SUCCESS)
		*proto = fk.proto_now;
	return fk.reconnect;
}

LONG
SCardDisconnect(SCARDHANDLE handle, DWORD how)
{
	(void)handle; (void)how;
	return SCARD_S_SUCCESS;
}

LONG
SCardStatus(SCARDHANDLE handle, LPSTR name, LPDWORD namelen, LPDWORD state,
    LPDWORD proto, LPBYTE patr, LPDWORD atrlen)
{
	(void)handle; (void)name;
	if (patr == NULL) {
		/* pcsc_settle asking what became of the card. */
		fk.statuses++;
		return fk.status;
	}
	if (namelen != NULL)
		*namelen = sizeof(READER);
	if (state != NULL)
		*state = SCARD_PRESENT;
	if (proto != NULL)
		*proto = fk.proto_now;
	memcpy(patr, atr, sizeof(atr));
	*atrlen = sizeof(atr);
	return SCARD_S_SUCCESS;
}

LONG
SCardBeginTransaction(SCARDHANDLE handle)
{
	LONG rv = fk.begins < fk.nbegin ? fk.begin[fk.begins] : SCARD_S_SUCCESS;

	(void)handle;
	fk.begins++;
	return rv;
}

LONG
SCardEndTransaction(SCARDHANDLE handle, DWORD how)
{
	(void)handle; (void)how;
	return SCARD_S_SUCCESS;
}

LONG
SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *rs, DWORD n)
{
	(void)ctx; (void)timeout; (void)n;
	rs->dwEventState = SCARD_STATE_PRESENT;
	return SCARD_S_SUCCESS;
}

LONG
SCardControl(SCARDHANDLE handle, DWORD code, LPCVOID in, DWORD inlen, LPVOID out,
    DWORD outlen, LPDWORD got)
{
	(void)handle; (void)code; (void)in; (void)inlen; (void)out; (void)outlen;
	*got = 0;
	return SCARD_E_UNSUPPORTED_FEATURE;
}

LONG
SCardTransmit(SCARDHANDLE handle, const SCARD_IO_REQUEST *pci, LPCBYTE cmd,
    DWORD cmdlen, SCARD_IO_REQUEST *rpci, LPBYTE resp, LPDWORD resplen)
{
	LONG rv = fk.transmits < fk.ntransmit ? fk.transmit[fk.transmits] :
	    SCARD_S_SUCCESS;

	(void)handle; (void)cmd; (void)cmdlen; (void)rpci;
	fk.transmits++;
	fk.proto_sent = pci->dwProtocol;
	if (rv != SCARD_S_SUCCESS)
		return rv;
	assert_true(*resplen >= 2);
	resp[0] = 0x90;
	resp[1] = 0x00;
	*resplen = 2;
	return SCARD_S_SUCCESS;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.proto_now = SCARD_PROTOCOL_T1;
	fk.status = SCARD_S_SUCCESS;
	return 0;
}

/* One SELECT by the transport; its return, and the answer in *sw. */
static int
select_mf(struct card *card, uint16_t *sw)
{
	static const uint8_t cmd[] = { 0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00 };
	uint8_t resp[258];
	size_t len = sizeof(resp);
	int r;

	*sw = 0;
	if ((r = card->ops->transmit(card, cmd, sizeof(cmd), resp, &len)) == 0) {
		assert_int_equal(len, 2);
		*sw = (uint16_t)(resp[0] << 8 | resp[1]);
	}
	return r;
}

static struct card *
connect_card(void)
{
	struct card *card = NULL;

	assert_int_equal(card_connect(NULL, &card), 0);
	assert_non_null(card);
	card->settle_ms = 0;
	return card;
}

/*
 * One command under a scripted pcscd: `prior` commands answered first,
 * then the one under test. What it returns, how often the transport
 * reconnected and sent, and the protocol of its last send.
 */
static const struct transmit_case {
	const char	*what;
	LONG		 script[3];	/* SCardTransmit's results, in order */
	int		 prior;		/* commands answered before */
	LONG		 reconnect;	/* SCardReconnect's result */
	int		 want;		/* the command's return */
	int		 reconnects, transmits;
} transmit_cases[] = {
	/* pcscd's race: the handle missed the reset, the card's protocol is
	 * undefined again. Reconnect without resetting, renegotiate, send
	 * once more. */
	{ "PROTO_MISMATCH at the first command",
	  { SCARD_E_PROTO_MISMATCH }, 0, SCARD_S_SUCCESS, 0, 1, 2 },
	{ "RESET_CARD at the first command",
	  { SCARD_W_RESET_CARD }, 0, SCARD_S_SUCCESS, 0, 1, 2 },
	/* Once the card has answered us, a reset lost our selection and
	 * secure channel: no silent reconnect, the caller hears it. */
	{ "PROTO_MISMATCH after an answer",
	  { SCARD_S_SUCCESS, SCARD_E_PROTO_MISMATCH }, 1, SCARD_S_SUCCESS,
	  NHI_ECARD_RESET, 0, 2 },
	{ "RESET_CARD after an answer",
	  { SCARD_S_SUCCESS, SCARD_W_RESET_CARD }, 1, SCARD_S_SUCCESS,
	  NHI_ECARD_RESET, 0, 2 },
	/* One retry only. */
	{ "reset again after the reconnect",
	  { SCARD_E_PROTO_MISMATCH, SCARD_E_PROTO_MISMATCH }, 0, SCARD_S_SUCCESS,
	  NHI_ECARD_RESET, 1, 2 },
	/* The card pulled while we reconnect: the reset is reported and
	 * nothing is sent again. */
	{ "reconnect fails",
	  { SCARD_E_PROTO_MISMATCH }, 0, SCARD_E_NO_SMARTCARD, NHI_ECARD_RESET, 1, 1 },
};

static void
transmit_after_reset(void **state)
{
	const struct transmit_case *c;
	struct card *card;
	uint16_t sw;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(transmit_cases) / sizeof(transmit_cases[0]); i++) {
		c = &transmit_cases[i];
		print_message("case: %s\n", c->what);
		setup(NULL);
		card = connect_card();
		memcpy(fk.transmit, c->script, sizeof(c->script));
		fk.ntransmit = sizeof(c->script) / sizeof(c->script[0]);
		fk.reconnect = c->reconnect;
		/* A reconnect negotiates T=0 where the connect had T=1. */
		fk.proto_now = SCARD_PROTOCOL_T0;
		for (k = 0; k < c->prior; k++)
			assert_int_equal(select_mf(card, &sw), 0);
		assert_int_equal(select_mf(card, &sw), c->want);
		assert_int_equal(fk.reconnects, c->reconnects);
		assert_int_equal(fk.transmits, c->transmits);
		if (c->reconnects > 0)
			assert_int_equal(fk.reconnect_init, SCARD_LEAVE_CARD);
		if (c->want == 0) {
			assert_int_equal(sw, 0x9000);
			/* The retry used the protocol the reconnect negotiated. */
			assert_int_equal(fk.proto_sent, SCARD_PROTOCOL_T0);
			assert_int_equal(card->protocol, 0);
		} else {
			assert_non_null(strstr(err_detail(), "was reset by another program"));
			assert_non_null(strstr(err_detail(), READER));
		}
		card_close(card);
	}
}

/* The reset met at the first transaction's start: the same recovery. */
static void
first_transaction_after_reset_reconnects(void **state)
{
	struct card *card;
	uint16_t sw;

	(void)state;
	card = connect_card();
	fk.begin[0] = SCARD_W_RESET_CARD;
	fk.nbegin = 1;
	assert_int_equal(card->ops->begin(card), 0);
	assert_int_equal(fk.begins, 2);
	assert_int_equal(fk.reconnects, 1);
	assert_int_equal(select_mf(card, &sw), 0);
	assert_int_equal(card->ops->end(card), 0);
	card_close(card);
}

/* A transaction started after an answer: the reset is reported. */
static void
reset_at_a_later_transaction_is_reported(void **state)
{
	struct card *card;
	uint16_t sw;

	(void)state;
	card = connect_card();
	assert_int_equal(select_mf(card, &sw), 0);
	fk.begin[0] = SCARD_W_RESET_CARD;
	fk.nbegin = 1;
	assert_int_equal(card->ops->begin(card), NHI_ECARD_RESET);
	assert_int_equal(fk.reconnects, 0);
	card_close(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(transmit_after_reset, setup),
		cmocka_unit_test_setup(first_transaction_after_reset_reconnects, setup),
		cmocka_unit_test_setup(reset_at_a_later_transaction_is_reported, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
