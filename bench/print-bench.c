/*
 * print-bench.c: throughput and memory of the print layer.
 *
 *   print-bench TEMPLATES_DIR MODE COUNT VOLUME_SIZE
 *
 * MODE "card" puts each certificate on its own front and back pages, "sheet"
 * imposes them on A4. Certificates are rendered in volumes of VOLUME_SIZE
 * (one PDF each, written to a temporary file and removed), the way batches
 * run. Prints "certs_per_s N", "peak_mb N" (ru_maxrss) and "volume_ms N"
 * (mean time per volume).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "print.h"
#include "util.h"

static void
fill(struct print_certificate *c, size_t i)
{
	static const char *names[] = { "山田 太郎", "髙橋 花子", "勅使河原 右衛門三郎",
	    "ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ", "佐々木 健一郎", "NGUYEN VAN AN" };

	memset(c, 0, sizeof(*c));
	c->kind = (enum print_cert_kind)(i % 4);
	c->serial = xasprintf("C-%08zu", i + 1);
	c->symbol = xstrdup("高知12");
	c->number = xasprintf("%zu", 100000 + i);
	c->branch = xasprintf("%02zu", i % 7 + 1);
	c->name = xstrdup(names[i % NHI_ARRAY_LEN(names)]);
	c->sex = i % 2 + 1;
	c->birth = (struct nhi_date){ 1950 + (int)(i % 60), 1 + (int)(i % 12), 1 + (int)(i % 28) };
	c->head_name = xstrdup(names[(i + 1) % NHI_ARRAY_LEN(names)]);
	c->address = xasprintf("高知県高知市本町五丁目%zu番%zu号", i % 9 + 1, i % 50 + 1);
	c->acquired = (struct nhi_date){ 2019, 5, 1 };
	c->issued = (struct nhi_date){ 2025, 11, 24 };
	c->valid_until = (struct nhi_date){ 2026, 7, 31 };
	c->insurer_number = xstrdup("390013");
	c->insurer_name = xstrdup("高知市");
	if (i % 5 == 0) {
		c->burden_pct = 20;
		c->burden_from = (struct nhi_date){ 2024, 4, 1 };
	}
}

int
main(int argc, char **argv)
{
	struct print_opts o = { .creation_time = 1764000000 };
	struct print_certificate *certs;
	struct print_job *job = NULL;
	struct rusage ru;
	uint64_t t0, t1;
	size_t count, vol, i, first, n, nvol = 0;
	char path[64];
	int sheet, r;

	if (argc != 5) {
		fprintf(stderr, "usage: print-bench TEMPLATES_DIR card|sheet COUNT VOLUME_SIZE\n");
		return 2;
	}
	o.templates_dir = argv[1];
	sheet = strcmp(argv[2], "sheet") == 0;
	count = strtoul(argv[3], NULL, 10);
	vol = strtoul(argv[4], NULL, 10);
	if (count == 0 || vol == 0)
		return 2;
	snprintf(path, sizeof(path), "%s/print-bench.%ld.pdf",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", (long)getpid());
	certs = xcalloc(vol, sizeof(*certs));
	t0 = time_mono_ns();
	for (first = 0; first < count; first += vol) {
		n = count - first < vol ? count - first : vol;
		for (i = 0; i < n; i++)
			fill(&certs[i], first + i);
		if ((r = print_job_new(&o, &job)) != 0)
			goto fail;
		if (sheet)
			r = print_job_add_sheet(job, certs, n);
		else
			for (i = 0; i < n && r == 0; i++)
				r = print_job_add_certificate(job, &certs[i]);
		if (r != 0 || (r = print_job_save(job, path)) != 0)
			goto fail;
		print_job_free(job);
		job = NULL;
		for (i = 0; i < n; i++)
			print_certificate_clear(&certs[i]);
		nvol++;
	}
	t1 = time_mono_ns();
	unlink(path);
	getrusage(RUSAGE_SELF, &ru);
	printf("certs_per_s %.0f\n", (double)count / ((double)(t1 - t0) / 1e9));
	printf("peak_mb %.1f\n", (double)ru.ru_maxrss / 1024.0);
	printf("volume_ms %.1f\n", (double)(t1 - t0) / 1e6 / (double)nvol);
	free(certs);
	return 0;
fail:
	fprintf(stderr, "print-bench: %s\n", err_text(r));
	unlink(path);
	return 1;
}
