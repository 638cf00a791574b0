/*
 * gen-bureau-keys: the card bureau's side of a keys file at scale, for
 * bench/bureau.sh: reads the record lines of an opened card-bureau export
 * (docs/batch.md "Card-bureau file") on standard input and writes, for
 * each, the keys file's record line (docs/batch.md "The bureau's files"):
 * its SEQ and user number, a card serial made from the SEQ and the public
 * key of a P-256 key pair derived from it (the work of a card's GENERATE,
 * repeatable), status keyed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util.h"

int
main(void)
{
	char line[8192], seed[64], hex[2 * CRYPTO_EC_PUB_LEN + 1], *tab, *un, *end;
	uint8_t priv[CRYPTO_EC_PRIV_LEN], pub[CRYPTO_EC_PUB_LEN];
	long long seq;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		seq = strtoll(line, &end, 10);
		if (end == line || *end != '\t' || seq < 1)
			continue;	/* a header line */
		if ((tab = strchr(end + 1, '\t')) == NULL)
			continue;
		un = tab + 1;
		if ((tab = strchr(un, '\t')) == NULL)
			continue;
		*tab = '\0';
		snprintf(seed, sizeof(seed), "bench card %lld", seq);
		if (crypto_card_key_derive(seed, strlen(seed), priv, pub) != 0) {
			fprintf(stderr, "gen-bureau-keys: key derivation failed\n");
			return 1;
		}
		hex_encode(pub, sizeof(pub), hex);
		printf("%lld\t%s\t%020llx\tkeyed\t%s\t-\n", seq, un, seq, hex);
	}
	return 0;
}
