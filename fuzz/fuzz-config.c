/* Fuzz target: the configuration parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "nhiconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = config_new();
	long n;

	(void)config_parse(cfg, "fuzz.conf", (const char *)data, size);
	(void)config_get(cfg, "store.path", NULL);
	(void)config_get_int(cfg, "card.retries", 0, 0, 100, &n);
	config_free(cfg);
	return 0;
}
