/*
 * secret.c: read a password or passphrase: from a file
 * descriptor named by an environment variable (scripts and tests), or from
 * the terminal with echo off. Never from the command line, never logged.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"
#include "secret.h"
#include "util.h"

#define SECRET_MAX	1024

/* One line from fd into buf (cap SECRET_MAX), newline and CR dropped. */
static int
secret_read_fd(int fd, const char *what, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	ssize_t k;
	char c;

	for (;;) {
		k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_set(NHI_EIO, "%s: read failed: %s", what, strerror(errno));
		if (k == 0 || c == '\n')
			break;
		if (n + 1 >= cap)
			return err_set(NHI_ERANGE, "%s: longer than %zu bytes", what,
			    cap - 1);
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

int
operator_read_secret(const char *fd_env, const char *prompt, char **out)
{
	const char *env = getenv(fd_env);
	struct termios old, noecho;
	char buf[SECRET_MAX], *end;
	size_t len = 0;
	long fd;
	int tty = -1, echo_off = 0, r;

	if (env != NULL && *env != '\0') {
		fd = strtol(env, &end, 10);
		if (*end != '\0' || fd < 0 || fd > 1023)
			return err_set(NHI_EUSAGE, "%s: '%s' is not a file descriptor",
			    fd_env, env);
		/* A descriptor that cannot be read is named as such, never
		 * taken as an empty secret ("wrong passphrase" would mislead). */
		if (fcntl((int)fd, F_GETFD) < 0)
			return err_set(NHI_EUSAGE, "%s: file descriptor %ld is not open", fd_env,
			    fd);
		r = secret_read_fd((int)fd, fd_env, buf, sizeof buf, &len);
		if (r == 0 && len == 0)
			r = err_set(NHI_EUSAGE, "%s: file descriptor %ld gave nothing to read"
			    " (empty, or already read)", fd_env, fd);
		goto done;
	}
	if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		return err_set(NHI_EUSAGE, "%s needs a terminal, or the secret on the file"
		    " descriptor named by %s", prompt, fd_env);
	if (tcgetattr(tty, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
		noecho.c_lflag |= ICANON;
		if (tcsetattr(tty, TCSAFLUSH, &noecho) == 0)
			echo_off = 1;
	}
	if (write(tty, prompt, strlen(prompt)) < 0 || write(tty, ": ", 2) < 0) {
		r = err_set(NHI_EIO, "terminal: %s", strerror(errno));
		goto done;
	}
	r = secret_read_fd(tty, "terminal", buf, sizeof buf, &len);
	if (write(tty, "\n", 1) < 0)
		log_debug("terminal: could not end the prompt line");
done:
	if (echo_off)
		tcsetattr(tty, TCSAFLUSH, &old);
	if (tty >= 0)
		close(tty);
	if (r == 0)
		*out = xstrndup(buf, len);
	util_wipe(buf, sizeof buf);
	return r;
}
