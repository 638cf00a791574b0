/* Fuzz target: the rules layer's text parsers (ISO and era dates, GYYMMDD,
 * check-digit numbers) and the era formatter on whatever they accept. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[ERA_FORMAT_MAX], g[8];
	struct nhi_date d;
	int digit;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (date_parse(s, &d) == 0) {
		(void)era_format(&d, ERA_FMT_FULLWIDTH, buf, sizeof(buf));
		(void)era_gyymmdd_format(&d, g, sizeof(g));
	}
	if (era_parse(s, &d) == 0 && era_format(&d, 0, buf, sizeof(buf)) != 0)
		abort();	/* whatever parses must format */
	if (era_gyymmdd_parse(s, &d) == 0 &&
	    era_gyymmdd_format(&d, g, sizeof(g)) == 0 && strcmp(g, s) != 0)
		abort();	/* GYYMMDD round-trips exactly */
	(void)rules_insurer_number_check(s);
	(void)rules_payer_number_check(s);
	(void)rules_municipality_code_check(s);
	(void)rules_mod10_checkdigit(s, &digit);
	(void)rules_municipality_checkdigit(s, &digit);
	free(s);
	return 0;
}
