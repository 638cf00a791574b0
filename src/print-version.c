/*
 * print-version.c: the libharu version found at run time.
 */
#include "config.h"

#include <hpdf.h>

#include "print.h"

const char *
print_library_version(void)
{
	return HPDF_GetVersion();
}
