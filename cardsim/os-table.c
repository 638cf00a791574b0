/*
 * os-table.c: the card personalities nhicard-cardsim can play (--kind).
 * Add one line per personality; the first is the default.
 */
#include "config.h"

#include <string.h>

#include "cardsim.h"

extern const struct sim_os sim_os_echo;
extern const struct sim_os sim_os_juki, sim_os_juki_new, sim_os_standalone;
extern const struct sim_os sim_os_mynumber;

const struct sim_os *const sim_os_table[] = {
	&sim_os_echo,
	&sim_os_juki, &sim_os_juki_new, &sim_os_standalone,
	&sim_os_mynumber,
	NULL
};

const struct sim_os *
sim_os_find(const char *name)
{
	size_t i;

	for (i = 0; sim_os_table[i] != NULL; i++)
		if (strcmp(sim_os_table[i]->name, name) == 0)
			return sim_os_table[i];
	return NULL;
}
