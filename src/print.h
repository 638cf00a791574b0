/*
 * print.h: the print layer: templates and PDF output through libharu.
 */
#ifndef NHI_PRINT_H
#define NHI_PRINT_H

/* The libharu version found at run time. */
const char *print_library_version(void);

#endif
