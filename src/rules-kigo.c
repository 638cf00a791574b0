/*
 * rules-kigo.c: the 記号番号 after a move within the town.
 *
 * In many towns 記号 is the address (district) code and 番号 the household
 * code, so both change when a household moves inside the town
 * (domain.md). Other towns keep the number for life (scheme fixed).
 *
 * Guarantee: the card key (user number on the card) is random and has
 * nothing to do with 記号番号. These functions take and return only the
 * three 記号番号 strings: they cannot read nor change any key, and a move
 * never requires rewriting a card (tests/unit/test-rules-kigo.c).
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "rules.h"

/* Left-pad the digits of `code` with zeros to `width` into out. */
static int
pad_code(const char *what, const char *code, int width, char *out,
    size_t outlen)
{
	size_t len, i;

	if (code == NULL || code[0] == '\0')
		return err_set(NHI_EPARSE, "記号番号: %s code missing", what);
	len = strlen(code);
	for (i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return err_set(NHI_EPARSE, "記号番号: %s code '%.16s' "
			    "is not ASCII digits", what, code);
	if (len > (size_t)width || (size_t)width >= outlen)
		return err_set(NHI_ERANGE, "記号番号: %s code '%.16s' has more "
		    "than %d digits", what, code, width);
	memset(out, '0', (size_t)width - len);
	memcpy(out + width - len, code, len + 1);
	return 0;
}

int
rules_kigo_bango_on_move(const struct rules_policy *p,
    const struct rules_kigo_bango *old, const char *address_code,
    const char *new_household, struct rules_kigo_bango *out)
{
	struct rules_kigo_bango r = *old;
	int rc;

	if (p->kigo_scheme == RULES_KIGO_FIXED) {
		*out = r;
		return 0;
	}
	if ((rc = pad_code("address", address_code, p->kigo_address_digits,
	    r.kigo, sizeof(r.kigo))) != 0)
		return rc;
	if (new_household != NULL &&
	    (rc = pad_code("household", new_household,
	    p->kigo_household_digits, r.bango, sizeof(r.bango))) != 0)
		return rc;
	*out = r;
	return 0;
}
