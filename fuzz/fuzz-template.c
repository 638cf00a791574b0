/* Fuzz target: the print template parser (docs/templates.md). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct print_template *t = NULL;

	if (print_template_parse("fuzz.tmpl", (const char *)data, size, &t) == 0)
		(void)print_template_document(t);
	print_template_free(t);
	return 0;
}
