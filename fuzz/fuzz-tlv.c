/* Fuzz target: the BER-TLV parser. Walks the input as a list of TLVs,
 * descending into constructed ones (depth-limited), looks a few tags up,
 * and re-encodes each primitive TLV to check tlv_put agrees. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const uint8_t *p, size_t left, int depth)
{
	static uint8_t out[70000];
	struct tlv t;
	size_t off;

	while (left > 0 && tlv_next(&p, &left, &t) == 0) {
		if (t.constructed && depth < 16)
			walk(t.value, t.len, depth + 1);
		off = 0;
		if (tlv_put(out, sizeof out, &off, t.tag, t.value, t.len) != 0 ||
		    off < t.len || memcmp(out + off - t.len, t.value, t.len) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlv t;

	walk(data, size, 0);
	(void)tlv_find(data, size, 0x6f, &t);
	(void)tlv_find(data, size, 0x9f70, &t);
	return 0;
}
