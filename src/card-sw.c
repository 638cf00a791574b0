/*
 * card-sw.c: what a status word means, for error details and the IT
 * staff's `nhicard card apdu`: ISO/IEC 7816-4 (5.6) and the
 * GlobalPlatform Card Specification's additions.
 */
#include "config.h"

#include <stdio.h>

#include "card.h"

struct sw_text {
	uint16_t	 sw;
	uint16_t	 mask;		/* bits of sw that must match */
	const char	*text;
};

/* First match wins: exact codes before the ranges that contain them. */
static const struct sw_text sw_table[] = {
	{ 0x9000, 0xFFFF, "success" },
	{ 0x6100, 0xFF00, "more response data available (GET RESPONSE)" },
	{ 0x6200, 0xFFFF, "warning: no information given, memory unchanged" },
	{ 0x6281, 0xFFFF, "warning: part of returned data may be corrupted" },
	{ 0x6282, 0xFFFF, "warning: end of file or record reached before Le bytes" },
	{ 0x6283, 0xFFFF, "warning: selected file deactivated" },
	{ 0x6284, 0xFFFF, "warning: file control information not formatted correctly" },
	{ 0x6285, 0xFFFF, "warning: selected file in termination state" },
	{ 0x6286, 0xFFFF, "warning: no input data available from a sensor" },
	{ 0x6300, 0xFFFF, "warning: memory changed, verification failed" },
	{ 0x6310, 0xFFFF, "more data available (GlobalPlatform GET STATUS)" },
	{ 0x6381, 0xFFFF, "warning: file filled up by the last write" },
	{ 0x63C0, 0xFFF0, "verification failed; low nibble = tries left" },
	{ 0x6400, 0xFFFF, "execution error, memory unchanged" },
	{ 0x6401, 0xFFFF, "immediate response required by the card" },
	{ 0x6500, 0xFFFF, "execution error, memory changed" },
	{ 0x6581, 0xFFFF, "memory failure" },
	{ 0x6700, 0xFFFF, "wrong length" },
	{ 0x6800, 0xFFFF, "function in CLA not supported" },
	{ 0x6881, 0xFFFF, "logical channel not supported" },
	{ 0x6882, 0xFFFF, "secure messaging not supported" },
	{ 0x6883, 0xFFFF, "last command of the chain expected" },
	{ 0x6884, 0xFFFF, "command chaining not supported" },
	{ 0x6900, 0xFFFF, "command not allowed" },
	{ 0x6981, 0xFFFF, "command incompatible with file structure" },
	{ 0x6982, 0xFFFF, "security status not satisfied" },
	{ 0x6983, 0xFFFF, "authentication method blocked" },
	{ 0x6984, 0xFFFF, "reference data not usable" },
	{ 0x6985, 0xFFFF, "conditions of use not satisfied" },
	{ 0x6986, 0xFFFF, "command not allowed (no current EF)" },
	{ 0x6987, 0xFFFF, "expected secure messaging data objects missing" },
	{ 0x6988, 0xFFFF, "incorrect secure messaging data objects" },
	{ 0x6A80, 0xFFFF, "incorrect parameters in the command data field" },
	{ 0x6A81, 0xFFFF, "function not supported" },
	{ 0x6A82, 0xFFFF, "file or application not found" },
	{ 0x6A83, 0xFFFF, "record not found" },
	{ 0x6A84, 0xFFFF, "not enough memory space in the file" },
	{ 0x6A85, 0xFFFF, "Nc inconsistent with TLV structure" },
	{ 0x6A86, 0xFFFF, "incorrect parameters P1-P2" },
	{ 0x6A87, 0xFFFF, "Nc inconsistent with parameters P1-P2" },
	{ 0x6A88, 0xFFFF, "referenced data or reference data not found" },
	{ 0x6A89, 0xFFFF, "file already exists" },
	{ 0x6A8A, 0xFFFF, "DF name already exists" },
	{ 0x6B00, 0xFFFF, "wrong parameters P1-P2" },
	{ 0x6C00, 0xFF00, "wrong Le field; SW2 = the exact length" },
	{ 0x6D00, 0xFFFF, "instruction code not supported or invalid" },
	{ 0x6E00, 0xFFFF, "class not supported" },
	{ 0x6F00, 0xFFFF, "no precise diagnosis" },
	/* GlobalPlatform Card Specification (11.1.3 and the commands). */
	{ 0x9484, 0xFFFF, "algorithm not supported (GlobalPlatform)" },
	{ 0x9485, 0xFFFF, "invalid key check value (GlobalPlatform)" },
	/* Ranges, last. */
	{ 0x6200, 0xFF00, "warning, memory unchanged" },
	{ 0x6300, 0xFF00, "warning, memory changed" },
	{ 0x6400, 0xFF00, "execution error, memory unchanged" },
	{ 0x6500, 0xFF00, "execution error, memory changed" },
	{ 0x6600, 0xFF00, "security-related error" },
	{ 0x6800, 0xFF00, "function in CLA not supported" },
	{ 0x6900, 0xFF00, "command not allowed" },
	{ 0x6A00, 0xFF00, "wrong parameters P1-P2" },
};

/* The text lives in a per-thread buffer, valid until the next call in the
 * same thread: copy it before calling again. */
const char *
card_sw_text(uint16_t sw)
{
	static _Thread_local char buf[96];
	size_t i;

	for (i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++) {
		if ((sw & sw_table[i].mask) == sw_table[i].sw) {
			snprintf(buf, sizeof(buf), "%04X %s", sw, sw_table[i].text);
			return buf;
		}
	}
	snprintf(buf, sizeof(buf), "%04X unknown status", sw);
	return buf;
}
