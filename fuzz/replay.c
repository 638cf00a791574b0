/*
 * replay.c: a main() for fuzz targets outside libFuzzer: feeds each file
 * named on the command line (or each file in a named directory) to
 * LLVMFuzzerTestOneInput once. `make check` uses it to replay the corpus
 * under the normal and the sanitizer builds. Prints TAP.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void
replay_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	if (fs_read_file(path, 16 * 1024 * 1024, &buf, &len) != 0) {
		printf("not ok %d - cannot read %s\n", ++n, path);
		return;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
}

int
main(int argc, char **argv)
{
	struct dirent **names;
	struct stat sb;
	int i, j, count;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if ((count = scandir(argv[i], &names, NULL, alphasort)) < 0)
				continue;
			for (j = 0; j < count; j++) {
				if (names[j]->d_name[0] != '.') {
					char *p = xasprintf("%s/%s", argv[i], names[j]->d_name);
					replay_file(p);
					free(p);
				}
				free(names[j]);
			}
			free(names);
		} else
			replay_file(argv[i]);
	}
	printf("1..%d\n", n);
	return 0;
}
