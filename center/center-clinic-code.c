/*
 * center-clinic-code.c: the 医療機関コード a clinic certificate names
 * (docs/clinic-api.md section 1). Ten digits: prefecture (2, 01..47),
 * point table (1: medical, 3: dental, 4: pharmacy), then the seven-digit
 * code of the institution: district (2), institution number (4) and a
 * check digit computed over those six digits with modulus 10, weights
 * 2, 1, 2, 1, 2, 1 from the left, the digits of each product added.
 */
#include "config.h"

#include <string.h>

#include "center.h"

int
center_clinic_code_ok(const char *code, const char **why)
{
	int i, sum = 0, pref, d;

	if (code == NULL || strlen(code) != 10 || strspn(code, "0123456789") != 10) {
		*why = "not 10 digits";
		return 0;
	}
	pref = (code[0] - '0') * 10 + (code[1] - '0');
	if (pref < 1 || pref > 47) {
		*why = "prefecture (digits 1-2) not 01..47";
		return 0;
	}
	if (code[2] != '1' && code[2] != '3' && code[2] != '4') {
		*why = "point table (digit 3) not 1, 3 or 4";
		return 0;
	}
	for (i = 0; i < 6; i++) {
		d = (code[3 + i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += d / 10 + d % 10;
	}
	if ((10 - sum % 10) % 10 != code[9] - '0') {
		*why = "check digit (digit 10) wrong";
		return 0;
	}
	return 1;
}
