/* Fuzz target: the APDU codec. The input is decoded as a command APDU
 * (and, if it decodes, re-encoded and decoded again: the two must agree)
 * and parsed as a response APDU. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct apdu_resp resp;
	static uint8_t out[APDU_MAX_CMD];
	struct apdu a, b;
	size_t n;

	if (apdu_decode(data, size, &a) == 0) {
		if (apdu_encode(&a, 1, out, sizeof out, &n) != 0 ||
		    apdu_decode(out, n, &b) != 0 || b.lc != a.lc ||
		    b.has_le != a.has_le || (a.has_le && b.le != a.le) ||
		    (a.lc > 0 && memcmp(a.data, b.data, a.lc) != 0))
			abort();
	}
	(void)apdu_resp_parse(data, size, &resp);
	return 0;
}
