/*
 * timeutil.c: clocks.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "util.h"

uint64_t
time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define JST_OFFSET_S	(9 * 3600)

void
time_today_jst(int *y, int *m, int *d)
{
	time_t t = time(NULL) + JST_OFFSET_S;
	struct tm tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

void
time_today_jst_iso(char *buf, size_t len)
{
	int y, m, d;

	time_today_jst(&y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}
