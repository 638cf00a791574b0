/*
 * error-usage.c: usage errors of `nhicard NAME` (error.h).
 */
#include "config.h"

#include <stdio.h>

#include "error.h"

int
err_usage(const char *name, const char *usage, const char *why)
{
	return err_set(NHI_EUSAGE, "%s\nusage: nhicard %s %s\n"
	    "Run 'nhicard %s --help' for details.", why, name, usage, name);
}

int
err_operands(const char *name, const char *usage, const char *what, int argc,
    char **argv, int first, int max)
{
	char why[320];
	size_t o;
	int i;

	if (argc - first <= max)
		return 0;
	o = (size_t)snprintf(why, sizeof(why), "%s: unexpected argument%s", what,
	    argc - first - max > 1 ? "s" : "");
	for (i = first + max; i < argc && o < sizeof(why); i++)
		o += (size_t)snprintf(why + o, sizeof(why) - o, " '%.60s'", argv[i]);
	if (o < sizeof(why))
		snprintf(why + o, sizeof(why) - o, " (quote a value that holds blanks)");
	return err_usage(name, usage, why);
}
