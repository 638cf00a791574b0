/*
 * Fuzz target: what nhicard-center parses from a station: the content of
 * a batch (after CMS: the header line and the JSON record lines) through
 * the intake's JSON reader and record checks. The center's sources are
 * included here because fuzz/run.sh links fuzz targets with the station's
 * library (src/) only.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../center/center-json.c"
#include "../center/center-batch.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct center_batch b;
	struct cj_obj *o = NULL;

	if (center_batch_parse((const char *)data, size, &b) == 0)
		center_batch_free(&b);
	/* Each line alone, as a JSON object. */
	if (cj_parse((const char *)data, size, "fuzz", &o) == 0) {
		(void)cj_str(o, "id");
		cj_free(o);
	}
	return 0;
}
