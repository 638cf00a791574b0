/* Fuzz target: reading what a clerk types into a search (search.c): the
 * date forms, era dates, kana, 記号番号, each line of the input as one
 * text; and the kanji-name forms the store searches with. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "search.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), arg[256], number[256], date[11];
	size_t start = 0, i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i <= size; i++) {
		if (i < size && text[i] != '\n' && text[i] != '\0')
			continue;
		text[i] = '\0';
		(void)search_date_parse(text + start, date);
		(void)search_classify(text + start, arg, sizeof(arg), number, sizeof(number));
		err_clear();
		start = i + 1;
	}
	free(text);
	return 0;
}
