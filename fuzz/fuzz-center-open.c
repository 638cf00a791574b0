/*
 * Fuzz target: the body of a POST /batch at nhicard-center (a batch file):
 * CMS in DER, PEM or S/MIME, decrypted with the test center key and
 * verified against the test queue CA (keys/), then parsed. The keys are
 * found in $NHICARD_FUZZ_KEYS, else $top_srcdir/keys (`make check` sets
 * top_srcdir; for `make fuzz` export NHICARD_FUZZ_KEYS=/path/to/keys);
 * without them every input is skipped.
 * The center's sources are included because fuzz/run.sh links fuzz
 * targets with the station's library only.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../center/center-json.c"
#include "../center/center-batch.c"
#include "../center/center-cms.c"
#include "../center/center-crl.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct center_keys *fuzz_keys;

static void
fuzz_load_keys(void)
{
	static int tried;
	const char *dir = getenv("NHICARD_FUZZ_KEYS"), *top = getenv("top_srcdir");
	char *keys, *key, *cert, *ca;

	if (tried || (dir == NULL && top == NULL))
		return;
	tried = 1;
	keys = dir != NULL ? xstrdup(dir) : xasprintf("%s/keys", top);
	key = xasprintf("%s/test-center.key", keys);
	cert = xasprintf("%s/test-center.crt", keys);
	ca = xasprintf("%s/test-queue-ca.crt", keys);
	free(keys);
	(void)center_keys_load(key, cert, ca, &fuzz_keys);
	free(key);
	free(cert);
	free(ca);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct center_batch b;
	char *payload = NULL, *cn = NULL;
	size_t len;

	fuzz_load_keys();
	if (fuzz_keys == NULL)
		return 0;
	if (center_batch_open(fuzz_keys, data, size, &payload, &len, &cn) == 0) {
		if (center_batch_parse(payload, len, &b) == 0)
			center_batch_free(&b);
		free(payload);
		free(cn);
	}
	return 0;
}
