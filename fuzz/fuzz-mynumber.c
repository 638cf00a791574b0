/*
 * Fuzz target: what the station and the clinic parse from a My Number
 * card (card-mynumber.c, card-pinpad.c, crypto-jpki.c) over a "fuzzing
 * reader" (a fake card and reader whose answers are slices of the input):
 * SELECT answers, VERIFY's 63Cx / 6983, the PIN pad's feature list and
 * answer, the four items file (FF20 template), the certificate read in
 * pieces from its DER header and then parsed as X.509, the signature.
 *
 * Input: a sequence of answers, each a 2-byte big-endian length then the
 * raw bytes (data + SW1 SW2 for a card, the output for a reader
 * control). When the input runs out the card answers 6F00.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "card-mynumber.h"
#include "crypto-jpki.h"
#include "error.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_reader {
	const uint8_t	*p;
	size_t		 left;
};

static int
fuzz_answer(struct fuzz_reader *fr, uint8_t *resp, size_t *resplen)
{
	size_t n;

	if (fr->left < 2) {
		resp[0] = 0x6f;
		resp[1] = 0x00;
		*resplen = 2;
		return 0;
	}
	n = (size_t)fr->p[0] << 8 | fr->p[1];
	fr->p += 2;
	fr->left -= 2;
	if (n > fr->left)
		n = fr->left;
	if (n > *resplen)
		n = *resplen;
	memcpy(resp, fr->p, n);
	fr->p += n;
	fr->left -= n;
	*resplen = n;
	return 0;
}

static int
fuzz_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
    size_t *resplen)
{
	(void)cmd;
	(void)cmdlen;
	return fuzz_answer(card->priv, resp, resplen);
}

static int
fuzz_control(struct card *card, uint32_t code, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen)
{
	(void)code;
	(void)in;
	(void)inlen;
	return fuzz_answer(card->priv, out, outlen);
}

static int
fuzz_noop(struct card *card)
{
	(void)card;
	return 0;
}

static void
fuzz_close(struct card *card)
{
	(void)card;
}

static const struct card_ops fuzz_ops = {
	.name = "fuzz",
	.transmit = fuzz_transmit,
	.begin = fuzz_noop,
	.end = fuzz_noop,
	.close = fuzz_close,
	.control = fuzz_control,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cert[MYNUMBER_CERT_MAX];
	struct fuzz_reader fr = { data, size };
	struct card card;
	struct card_items items;
	struct jpki_cert_info ci;
	uint8_t di[JPKI_DIGESTINFO_LEN] = { 0 }, sig[JPKI_SIG_MAX];
	size_t len, siglen;
	int tries;

	memset(&card, 0, sizeof(card));
	card.ops = &fuzz_ops;
	card.priv = &fr;
	(void)mynumber_detect(&card);
	(void)mynumber_pin_tries(&card, MYNUMBER_PIN_INPUT, &tries);
	(void)mynumber_verify_pin_pad(&card, MYNUMBER_PIN_INPUT, &tries);
	(void)mynumber_verify_pin(&card, MYNUMBER_PIN_INPUT, "1234", &tries);
	(void)mynumber_read_items(&card, &items);
	if (mynumber_read_cert(&card, cert, sizeof(cert), &len) == 0)
		(void)crypto_jpki_cert_info(cert, len, &ci);
	(void)mynumber_sign(&card, di, sizeof(di), sig, sizeof(sig), &siglen);
	err_clear();
	return 0;
}
