/*
 * batch-report.c: a batch run's exceptions report (batch.h): CSV with
 * only what a clerk needs to find the person and act (the person code,
 * the list line, what is wrong); no name, birth date or address.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "batch-int.h"
#include "error.h"

/* One CSV field, quoted when it holds a comma, quote or line break. */
static void
csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

struct report {
	FILE		*fp;
	const char	*uid;
};

static int
report_row(void *arg, const struct batch_exception_row *row)
{
	struct report *rp = arg;

	fprintf(rp->fp, "%s,%lld,", rp->uid, (long long)row->seq);
	csv_field(rp->fp, row->person_code);
	if (row->list_line > 0)
		fprintf(rp->fp, ",%lld,", (long long)row->list_line);
	else
		fputs(",,", rp->fp);
	csv_field(rp->fp, row->code);
	fputc(',', rp->fp);
	csv_field(rp->fp, row->text);
	fputs("\r\n", rp->fp);
	return 0;
}

int
batch_exceptions_write(struct store *st, int64_t run_id, FILE *fp)
{
	struct batch_run run;
	struct report rp;
	int r;

	if ((r = batch_run_get(st, run_id, &run)) != 0)
		return r;
	rp.fp = fp;
	rp.uid = run.uid;
	fputs("run,seq,person_code,list_line,exception,detail\r\n", fp);
	if ((r = batch_store_exception_walk(st, run_id, report_row, &rp)) != 0)
		return r;
	if (fflush(fp) != 0 || ferror(fp))
		return err_set(NHI_EIO, "batch run %s: writing the exceptions report failed",
		    run.uid);
	return 0;
}
