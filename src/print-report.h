/*
 * print-report.h: the print layer's report document: an A4 PDF of
 * sections of text lines (Japanese, wrapped to the width, never cut) and
 * small bar charts drawn with libharu's own drawing calls. Its input is
 * plain text: it knows nothing of the store. Used by the supervisor's
 * daily report (report-daily.c). (print-report.c)
 */
#ifndef NHI_PRINT_REPORT_H
#define NHI_PRINT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "print.h"

#define PRINT_REPORT_BARS	8

struct print_report_chart {
	const char	*title;
	size_t		 n;				/* bars, <= PRINT_REPORT_BARS */
	const char	*labels[PRINT_REPORT_BARS];
	int64_t		 values[PRINT_REPORT_BARS];
};

struct print_report_section {
	char		*heading;
	char		**lines;	/* UTF-8; a line longer than the width wraps */
	size_t		 nlines;
};

struct print_report {
	const char	*title;
	const char	*subtitle;
	const char	*footer;	/* left of the page number */
	struct print_report_chart charts[2];
	size_t		 ncharts;
	struct print_report_section *sec;
	size_t		 nsec;
};

/* Add a line (printf format) to the report's last section. */
void	print_report_line(struct print_report *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Start a section. */
void	print_report_section(struct print_report *r, const char *heading);
/* Free the sections (the strings the caller gave are not freed). */
void	print_report_clear(struct print_report *r);

/*
 * Write the report as a PDF to `path` (atomically). Private-use
 * characters (vendor 外字) print as 〓. The same report with the same
 * opts->creation_time gives the same bytes. *pages: how many pages.
 * Returns 0, NHI_ECONFIG (no font), NHI_EIO.
 */
int	print_report_save(const struct print_report *r, const struct print_opts *opts,
	    const char *path, size_t *pages);

#endif
