/*
 * log.c: levelled diagnostics on stderr. Never log keys, PINs or personal
 * data; log record ids instead.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static enum log_level log_level = LOG_LEVEL_WARN;
static const char *log_progname = "nhicard";

void
log_init(const char *progname)
{
	const char *env = getenv("NHICARD_LOG");

	if (progname != NULL)
		log_progname = progname;
	if (env == NULL)
		return;
	if (strcmp(env, "debug") == 0)
		log_level = LOG_LEVEL_DEBUG;
	else if (strcmp(env, "info") == 0)
		log_level = LOG_LEVEL_INFO;
	else if (strcmp(env, "warn") == 0)
		log_level = LOG_LEVEL_WARN;
	else if (strcmp(env, "error") == 0)
		log_level = LOG_LEVEL_ERROR;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warning", "error" };
	va_list ap;

	if (level < log_level)
		return;
	fprintf(stderr, "%s: %s: ", log_progname, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
