/*
 * vpcd.c: the emulator's side of vsmartcard's vpcd link: a TCP client
 * connection to the driver inside pcscd, carrying frames of a 2-byte
 * big-endian length and a payload.
 *
 * Latency matters (every APDU is one round trip): Nagle is off
 * (TCP_NODELAY) and delayed ACKs are off (TCP_QUICKACK, which Linux clears
 * again after receiving, so it is re-armed after every read).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cardsim.h"
#include "error.h"
#include "util.h"

static void
quickack(int fd)
{
#ifdef TCP_QUICKACK
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

static int
try_connect(const struct addrinfo *ai_list, int *err)
{
	const struct addrinfo *ai;
	int fd, one = 1;

	for (ai = ai_list; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0) {
			*err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			quickack(fd);
			return fd;
		}
		*err = errno;
		close(fd);
	}
	return -1;
}

int
vpcd_connect(const char *host, const char *port, long timeout_ms)
{
	struct addrinfo hints, *ai = NULL;
	uint64_t deadline = time_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	long backoff_ms = 10;
	int fd, e, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0)
		return err_set(NHI_ENETWORK, "vpcd %s:%s: %s", host, port, gai_strerror(e));
	for (;;) {
		if ((fd = try_connect(ai, &err)) >= 0)
			break;
		if (time_mono_ns() >= deadline) {
			fd = err_set(NHI_ENETWORK, "vpcd %s:%s: cannot connect within %ld ms "
			    "(last error: %s); is pcscd running with the vpcd reader?",
			    host, port, timeout_ms, strerror(err));
			break;
		}
		/* vpcd not listening yet (pcscd starting): back off, bounded. */
		struct timespec ts = { backoff_ms / 1000, (backoff_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		if (backoff_ms < 500)
			backoff_ms *= 2;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Read exactly len bytes. Returns len, 0 on EOF before any byte, <0 error. */
static long
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf + got, len - got, 0);
		quickack(fd);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(NHI_ENETWORK, "vpcd: receive failed: %s", strerror(errno));
		if (n == 0) {
			if (got == 0)
				return 0;
			return err_set(NHI_ENETWORK, "vpcd: connection closed inside a frame");
		}
		got += (size_t)n;
	}
	return (long)len;
}

long
vpcd_recv(int fd, uint8_t *buf, size_t cap)
{
	uint8_t hdr[2];
	size_t len;
	long r;

	if ((r = read_full(fd, hdr, 2)) <= 0)
		return r;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len > cap)
		return err_set(NHI_EPARSE, "vpcd: frame of %zu bytes exceeds %zu", len, cap);
	if (len == 0)
		return err_set(NHI_EPARSE, "vpcd: empty frame");
	if ((r = read_full(fd, buf, len)) == 0)
		return err_set(NHI_ENETWORK, "vpcd: connection closed inside a frame");
	return r;
}

int
vpcd_send(int fd, const uint8_t *buf, size_t len)
{
	uint8_t *frame;
	size_t off = 0;
	ssize_t n;
	int r = 0;

	if (len > 0xffff)
		return err_set(NHI_ERANGE, "vpcd: response of %zu bytes is too long", len);
	/* One write per frame: the header and the payload in one segment. */
	frame = xmalloc(len + 2);
	frame[0] = (uint8_t)(len >> 8);
	frame[1] = (uint8_t)len;
	memcpy(frame + 2, buf, len);
	while (off < len + 2) {
		n = send(fd, frame + off, len + 2 - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(NHI_ENETWORK, "vpcd: send failed: %s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	free(frame);
	return r;
}
