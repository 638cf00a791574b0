/*
 * Fuzz target: what the station parses from a card during
 * personalization: the basic items (E0), the SD's FCI (6F with children)
 * and the key record (70). The first input byte picks the parser.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "card-perso.h"
#include "nhiconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct card_profile prof;
	static int loaded;
	struct card_items items;
	struct card_info info;
	struct card_key_record rec;

	if (!loaded) {
		struct config *cfg = config_new();

		config_set(cfg, "station.municipality_code", "131016");
		config_set(cfg, "station.insurer_number", "133116");
		if (card_profile_load(cfg, &prof) != 0)
			return 0;
		config_free(cfg);
		loaded = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		(void)card_items_parse(data + 1, size - 1, &items);
		break;
	case 1:
		memset(&info, 0, sizeof(info));
		(void)card_sd_fci_parse(&prof, data + 1, size - 1, &info);
		break;
	default:
		if (card_key_record_parse(data + 1, size - 1, &rec) == 0 &&
		    (rec.signed_off + rec.signed_len > rec.raw_len))
			__builtin_trap();
		break;
	}
	return 0;
}
