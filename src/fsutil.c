/*
 * fsutil.c: whole-file reads and crash-safe whole-file writes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

static int
errno_code(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return NHI_ENOSPACE;
	case EACCES:
	case EPERM:
	case EROFS:
		return NHI_EPERM;
	case ENOENT:
	case ENOTDIR:
		return NHI_ENOFILE;
	default:
		return NHI_EIO;
	}
}

int
fs_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	char *tmp = NULL, *dircopy = NULL;
	const char *p = data;
	int fd = -1, dfd = -1, r, e;
	ssize_t w;

	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0) {
		e = errno;
		r = err_set(errno_code(e), "%s: cannot create: %s", tmp, strerror(e));
		goto out;
	}
	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			r = err_set(errno_code(e), "%s: write failed: %s", tmp, strerror(e));
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		e = errno;
		fd = -1;
		r = err_set(errno_code(e), "%s: sync failed: %s", tmp, strerror(e));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		e = errno;
		r = err_set(errno_code(e), "%s: rename failed: %s", path, strerror(e));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	dircopy = xstrdup(path);
	if ((dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	free(dircopy);
	return r;
}

int
fs_read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, r, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return err_set(errno_code(e), "%s: cannot open: %s", path, strerror(e));
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		if ((n = read(fd, buf + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			r = err_set(errno_code(e), "%s: read failed: %s", path, strerror(e));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = err_set(NHI_ERANGE, "%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}
