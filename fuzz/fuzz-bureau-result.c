/* Fuzz target: the card bureau's keys and result files (batch-bureau.h,
 * docs/batch.md "The bureau's files"), outside input from the bureau once
 * its signature verified. Each line is parsed as bureau_read_file() does;
 * a record that parses must be well formed for its pass, and a refusal
 * must name the file and line. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-bureau.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_record(const struct bureau_parse *p, const struct bureau_record *rec)
{
	if (rec->seq < 1 || rec->line != p->line)
		abort();
	if (p->pass == BUREAU_PASS_KEYS && rec->status != BUREAU_KEYED &&
	    rec->status != BUREAU_SPOILED)
		abort();
	if (p->pass == BUREAU_PASS_RESULT && rec->status == BUREAU_KEYED)
		abort();
	if (rec->status != BUREAU_SPOILED && (!rec->has_public_key ||
	    strlen(rec->serial) != 20 || rec->public_key[0] != 0x04))
		abort();
	if ((rec->status == BUREAU_MADE || rec->status == BUREAU_UNDELIVERABLE) &&
	    rec->record_len == 0)
		abort();
	if ((rec->status == BUREAU_KEYED || rec->status == BUREAU_SPOILED) &&
	    rec->record_len != 0)
		abort();
	if (rec->record_len > sizeof(rec->record))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;
	struct bureau_parse p;
	struct bureau_record rec;
	char prefix[48];
	int r, is_record;

	bureau_parse_init(&p, "fuzz.txt");
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		r = bureau_parse_line(&p, s, (size_t)(nl - s), &rec, &is_record);
		if (r == 0 && is_record)
			check_record(&p, &rec);
		else if (r != 0) {
			if (r != NHI_EPARSE)
				abort();
			snprintf(prefix, sizeof(prefix), "fuzz.txt:%ld: ", p.line);
			if (strncmp(err_detail(), prefix, strlen(prefix)) != 0)
				abort();
			break;
		}
		s = nl < end ? nl + 1 : end;
	}
	if (p.seen > p.records)
		abort();
	(void)bureau_parse_finish(&p);
	err_clear();
	return 0;
}
