/*
 * tcp-cut.c: a test helper: a TCP proxy on 127.0.0.1 that cuts every
 * connection after N bytes in one direction, so the queue's push tests can
 * make the network go away mid-transfer.
 *
 *   tcp-cut TARGET_PORT up|down N
 *   tcp-cut 0 hold 0
 *
 * "up" counts bytes from the client (the station) to the target (the
 * center): the request is cut before the center has it all. "down" counts
 * bytes from the target back: the center has the batch, its answer is cut.
 * "hold" accepts connections and never answers (a center that hangs: the
 * station's timeout). Prints "listening on 127.0.0.1 PORT" once ready; serves connections one
 * at a time until killed. Loopback only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
loopback(struct sockaddr_in *sin, unsigned port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

/* Forward both ways until either side closes or `limit` bytes went the
 * counted way; then close both. */
static void
relay(int client, int target, int count_up, long limit)
{
	struct pollfd p[2] = { { client, POLLIN, 0 }, { target, POLLIN, 0 } };
	char buf[4096];
	long counted = 0, moved[2] = { 0, 0 };
	ssize_t n, want;
	int i;

	for (;;) {
		if (poll(p, 2, 30000) <= 0)
			goto out;
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			want = sizeof(buf);
			if ((i == 0) == (count_up != 0) && limit - counted < want)
				want = limit - counted;
			n = read(p[i].fd, buf, (size_t)want);
			if (n <= 0)
				goto out;
			if (write(p[1 - i].fd, buf, (size_t)n) != n)
				goto out;
			moved[i] += n;
			if ((i == 0) == (count_up != 0)) {
				counted += n;
				if (counted >= limit) {
					fprintf(stderr, "tcp-cut: cut after %ld bytes %s\n",
					    counted, count_up ? "up" : "down");
					goto out;
				}
			}
		}
	}
out:
	/* The tests size their cuts from these figures. */
	fprintf(stderr, "tcp-cut: closed: %ld up, %ld down\n", moved[0], moved[1]);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin, tgt;
	socklen_t len = sizeof(sin);
	int lfd, c, t, up, one = 1;
	long limit;

	if (argc != 4 || (strcmp(argv[2], "up") != 0 && strcmp(argv[2], "down") != 0 &&
	    strcmp(argv[2], "hold") != 0)) {
		fprintf(stderr, "usage: tcp-cut TARGET_PORT up|down|hold N\n");
		return 2;
	}
	up = strcmp(argv[2], "up") == 0;
	limit = strtol(argv[3], NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	loopback(&tgt, (unsigned)strtoul(argv[1], NULL, 10));
	loopback(&sin, 0);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(lfd, 8) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		perror("tcp-cut: listen");
		return 1;
	}
	printf("listening on 127.0.0.1 %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		if ((c = accept(lfd, NULL, NULL)) < 0)
			continue;
		if (strcmp(argv[2], "hold") == 0)
			continue;	/* keep it open, say nothing */
		if ((t = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
		    connect(t, (struct sockaddr *)&tgt, sizeof(tgt)) == 0)
			relay(c, t, up, limit);
		if (t >= 0)
			close(t);
		close(c);
	}
}
