/* Fuzz target: encoding detection, decoding and the normalizations. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct text_decoder *d = NULL;
	struct text_basic_items b;
	struct tbuf out = { 0 }, n = { 0 }, back = { 0 };
	enum text_encoding enc;
	unsigned flags = 0;
	size_t bad = 0;
	char *s;

	if (text_detect(buf, size, &enc) != 0)
		enc = TEXT_ENC_CP932;
	if (text_decoder_new(enc, &d) != 0)
		return 0;
	if (text_decode(d, buf, size, &out, &flags, &bad) == 0) {
		/* Decoded text is UTF-8 without NULs up to its first NUL. */
		s = xstrndup(out.p, out.len);
		text_kana_normalize(s, &n);
		text_name_normalize(s, &n);
		text_address_normalize(s, &n);
		(void)text_is_kana(s);
		(void)text_flags_of(s);
		(void)text_encode_cp932(s, &back);
		text_basic_items_make(s, "2000-01-01", 1, s, &b);
		text_basic_items_free(&b);
		free(s);
	}
	text_decoder_free(d);
	free(out.p);
	free(n.p);
	free(back.p);
	return 0;
}
