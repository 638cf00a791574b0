/* Fuzz target: the fixed-length extract parser (CP932), line by line. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "extract.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct extract_parser *p = NULL;
	struct extract_record rec;
	struct extract_error err;
	struct tbuf out = { 0 };
	size_t start = 0, i;

	(void)extract_detect_format(buf, size);
	if (extract_parser_new(EXTRACT_FIXED, TEXT_ENC_CP932, &p) != 0)
		return 0;
	/* The station's insurer and a fixed today: the context checks too. */
	extract_parser_set_station(p, "390013", "2026-12-01");
	for (i = 0; i <= size; i++) {
		if (i < size && buf[i] != '\n')
			continue;
		if (extract_parse_line(p, buf + start, i - start, &rec, &err) == 0) {
			(void)extract_format_fixed(&rec, &out);
			extract_record_clear(&rec);
		}
		start = i + 1;
	}
	free(out.p);
	extract_parser_free(p);
	return 0;
}
