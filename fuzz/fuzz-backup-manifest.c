/* Fuzz target: a backup's MANIFEST (docs/backup.md), read by restore. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "flow-backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_manifest m;

	if (flow_backup_manifest_parse("fuzz/MANIFEST", (const char *)data, size, &m) == 0)
		free(m.files);
	return 0;
}
