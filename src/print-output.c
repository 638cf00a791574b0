/*
 * print-output.c: what happens to a finished PDF outside the program: a
 * PNG preview through pdftoppm(1); and the creation date option that keeps
 * output reproducible. Printers are print-cups.c's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "print.h"
#include "rules.h"
#include "util.h"

/* The full path of `prog` on $PATH, or NULL. Caller must free. */
static char *
find_program(const char *prog)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL, *path;

	dirs = xstrdup(env != NULL && *env != '\0' ? env : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		path = xasprintf("%s/%s", dir, prog);
		if (access(path, X_OK) == 0) {
			free(dirs);
			return path;
		}
		free(path);
	}
	free(dirs);
	return NULL;
}

/* Run argv (argv[0] a full path) and wait; its stderr is captured into
 * *errtext (caller must free, may be empty). Returns the exit status, or -1
 * if it could not run or died of a signal. */
static int
run_program(char *const argv[], char **errtext)
{
	char buf[512];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int pfd[2], status;

	*errtext = xstrdup("");
	if (pipe(pfd) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(pfd[1], 2);
		if (devnull >= 0)
			dup2(devnull, 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
	    (n < 0 && errno == EINTR)) {
		if (n > 0)
			len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	/* Drain whatever is left so the child never blocks on a full pipe. */
	{
		char scratch[512];

		while ((n = read(pfd[0], scratch, sizeof(scratch))) > 0 ||
		    (n < 0 && errno == EINTR))
			;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	free(*errtext);
	*errtext = xstrdup(buf);
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
print_preview_png(const char *pdf_path, const char *png_path)
{
	char *tool, *root = NULL, *msg = NULL, *first = NULL, *dot;
	struct stat sb;
	int st, r;

	if ((tool = find_program("pdftoppm")) == NULL)
		return err_set(NHI_ENOFILE, "cannot make the preview: the pdftoppm command"
		    " (package poppler-utils) is not installed");
	/* pdftoppm writes ROOT-1.png, ROOT-2.png ...: we rename page 1. */
	root = xstrdup(png_path);
	if ((dot = strrchr(root, '.')) != NULL && strcmp(dot, ".png") == 0)
		*dot = '\0';
	{
		char *argv[] = { tool, (char *)"-png", (char *)"-r", (char *)"300",
		    (char *)pdf_path, root, NULL };

		st = run_program(argv, &msg);
	}
	if (st != 0) {
		r = err_set(NHI_EIO, "preview %s: pdftoppm failed (exit %d): %s", png_path, st,
		    msg != NULL ? msg : "");
		goto out;
	}
	/* pdftoppm pads page numbers to the width of the page count. */
	first = xasprintf("%s-1.png", root);
	if (stat(first, &sb) != 0) {
		free(first);
		first = xasprintf("%s-01.png", root);
	}
	if (stat(first, &sb) != 0) {
		free(first);
		first = xasprintf("%s-001.png", root);
	}
	if (rename(first, png_path) != 0) {
		r = err_set(NHI_EIO, "preview %s: cannot rename %s: %s", png_path, first,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(first);
	free(msg);
	free(root);
	free(tool);
	return r;
}

int
print_parse_creation_date(const char *s, int64_t *out)
{
	struct nhi_date d;
	char *end;
	long long v;
	int hh = 0, mm = 0, ss = 0;
	char date[11];

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end != '\0' || errno != 0 || v < 0 || v > 7258118400LL)
			return err_set(NHI_EPARSE, "creation date '%s': expected @SECONDS since"
			    " 1970", s);
		*out = v;
		return 0;
	}
	if (strlen(s) < 10)
		goto bad;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (date_parse(date, &d) != 0)
		goto bad;
	if (s[10] != '\0') {
		char z = 0;

		if (sscanf(s + 10, "T%2d:%2d:%2d%c", &hh, &mm, &ss, &z) != 4 || z != 'Z' ||
		    strlen(s) != 20 || hh > 23 || mm > 59 || ss > 60)
			goto bad;
	}
	*out = (int64_t)date_to_days(&d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
bad:
	return err_set(NHI_EPARSE, "creation date '%s': expected YYYY-MM-DD,"
	    " YYYY-MM-DDTHH:MM:SSZ or @SECONDS", s);
}
