/* Fuzz target: the CSV extract parser, in UTF-8 and CP932, line by line,
 * and formatting back what it accepted. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run(enum text_encoding enc, const char *buf, size_t size)
{
	struct extract_parser *p = NULL;
	struct extract_record rec;
	struct extract_error err;
	struct tbuf out = { 0 };
	size_t start = 0, i;

	if (extract_parser_new(EXTRACT_CSV, enc, &p) != 0)
		return;
	/* The station's insurer and a fixed today: the context checks too. */
	extract_parser_set_station(p, "390013", "2026-12-01");
	for (i = 0; i <= size; i++) {
		if (i < size && buf[i] != '\n')
			continue;
		if (extract_parse_line(p, buf + start, i - start, &rec, &err) == 0) {
			(void)extract_format_csv(&rec, &out);
			(void)extract_format_fixed(&rec, &out);
			extract_record_clear(&rec);
		}
		start = i + 1;
	}
	free(out.p);
	extract_parser_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(TEXT_ENC_UTF8, (const char *)data, size);
	run(TEXT_ENC_CP932, (const char *)data, size);
	return 0;
}
