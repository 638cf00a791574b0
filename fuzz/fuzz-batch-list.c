/* Fuzz target: batch list files (batch.h, docs/batch.md "List files"),
 * outside input from the register and insurance notices. Each line is
 * parsed as batch_list_read() parses it; whatever parses must hold a
 * well-formed person and a known reason, and a refusal must name the
 * file and line. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_entry(const struct batch_list_entry *e)
{
	const char *p;

	if (e->who[0] == '\0')
		abort();
	if (strncmp(e->who, "id:", 3) == 0) {
		if (e->resident_id <= 0)
			abort();
	} else {
		for (p = e->who; *p != '\0'; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') || *p == '-'))
				abort();
	}
	if (e->reason[0] != '\0' && strcmp(e->reason, "died") != 0 &&
	    strcmp(e->reason, "eligibility_ended") != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;
	struct batch_list_entry e;
	char prefix[32];
	long line = 0;
	int r;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		line++;
		memset(&e, 0, sizeof(e));
		r = batch_list_parse_line("fuzz.txt", line, s, (size_t)(nl - s), &e);
		if (r == 0)
			check_entry(&e);
		else if (r != 1) {
			if (r != NHI_EPARSE)
				abort();
			snprintf(prefix, sizeof(prefix), "fuzz.txt:%ld: ", line);
			if (strncmp(err_detail(), prefix, strlen(prefix)) != 0)
				abort();
		}
		s = nl < end ? nl + 1 : end;
	}
	err_clear();
	return 0;
}
