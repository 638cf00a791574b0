/*
 * hex.c: hexadecimal encoding for display, configuration and test data.
 */
#include "config.h"

#include <ctype.h>

#include "error.h"
#include "util.h"

void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *in, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	while (*in != '\0') {
		if (isspace((unsigned char)*in) || *in == ':') {
			in++;
			continue;
		}
		if ((hi = hex_digit((unsigned char)in[0])) < 0 ||
		    (lo = hex_digit((unsigned char)in[1])) < 0)
			return NHI_EPARSE;
		if (n >= cap)
			return NHI_ERANGE;
		out[n++] = (uint8_t)(hi << 4 | lo);
		in += 2;
	}
	return (int)n;
}
