/*
 * apdu-roundtrip.c: the raw APDU round trip through pcscd to the card:
 * `apdu-roundtrip [-n COUNT] [-w WARMUP] READER` sends COUNT ECHO
 * commands (a 16-byte case 4 APDU) through card_xfer after WARMUP
 * unmeasured ones and prints the median and the 99th percentile:
 *   apdu_roundtrip_ms 0.150 ms
 *   apdu_roundtrip_p99_ms 0.300 ms
 * The card must answer SELECT of the echo card's AID (nhicard-cardsim
 * --kind echo).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "error.h"
#include "util.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const uint8_t aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00,
	    0x00, 0x01 };
	static const uint8_t data[16] = { 0x4e, 0x48, 0x49 };
	struct apdu select = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .data = aid,
	    .lc = sizeof(aid) };
	struct apdu echo = { .cla = 0x80, .ins = 0xEE, .data = data, .lc = sizeof(data),
	    .has_le = 1 };
	struct apdu_resp *resp = xmalloc(sizeof(*resp));
	struct card *card = NULL;
	uint64_t *t, t0;
	long count = 2000, warmup = 200, i;
	int c, r;

	while ((c = getopt(argc, argv, "n:w:")) != -1) {
		switch (c) {
		case 'n':
			count = atol(optarg);
			break;
		case 'w':
			warmup = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || count < 1 || warmup < 0)
		goto usage;
	if ((r = card_connect(argv[optind], &card)) != 0 ||
	    (r = card_xfer(card, &select, resp)) != 0)
		goto fail;
	if (resp->sw != 0x9000) {
		fprintf(stderr, "apdu-roundtrip: SELECT answered %s\n", card_sw_text(resp->sw));
		return 1;
	}
	t = xcalloc((size_t)count, sizeof(*t));
	for (i = -warmup; i < count; i++) {
		t0 = time_mono_ns();
		if ((r = card_xfer(card, &echo, resp)) != 0)
			goto fail;
		if (i >= 0)
			t[i] = time_mono_ns() - t0;
		if (resp->sw != 0x9000 || resp->len != sizeof(data) ||
		    memcmp(resp->data, data, sizeof(data)) != 0) {
			fprintf(stderr, "apdu-roundtrip: wrong echo (%s)\n",
			    card_sw_text(resp->sw));
			return 1;
		}
	}
	qsort(t, (size_t)count, sizeof(*t), cmp_u64);
	printf("apdu_roundtrip_ms %.3f ms\n", (double)t[count / 2] / 1e6);
	printf("apdu_roundtrip_p99_ms %.3f ms\n", (double)t[(count * 99) / 100] / 1e6);
	card_close(card);
	free(t);
	free(resp);
	return 0;
fail:
	fprintf(stderr, "apdu-roundtrip: %s\n", err_text(r));
	card_close(card);
	return 1;
usage:
	fprintf(stderr, "usage: apdu-roundtrip [-n COUNT] [-w WARMUP] READER\n");
	return 2;
}
