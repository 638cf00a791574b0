/*
 * Fuzz target: a clinic's eligibility query body as nhicard-center reads
 * it (docs/clinic-api.md section 3.1): untrusted JSON through jansson and
 * every member's check. The center's sources are included because
 * fuzz/run.sh links fuzz targets with the station's library only.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../center/center-json.c"
#include "../center/center-query-in.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct center_query_in q;
	struct cj_obj *o = NULL;
	const char *why = NULL;

	if (center_query_parse((const char *)data, size, &q, &o, &why) == 0) {
		/* A query read right has every member; a My Number card's has
		 * its certificate and signature and no user number yet. */
		if (q.challenge == NULL || q.visit_date == NULL)
			__builtin_trap();
		if (q.mynumber ? q.user_number != NULL || q.certlen == 0 ||
		    q.siglen == 0 : q.user_number == NULL || q.insurer_number == NULL)
			__builtin_trap();
		cj_free(o);
	} else if (why == NULL)
		__builtin_trap();
	return 0;
}
