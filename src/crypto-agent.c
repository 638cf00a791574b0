/*
 * crypto-agent.c: the key agent and its client (crypto-agent.h,
 * docs/keys.md 4.8). Unwrapped key files live only in this process's
 * locked pages; nothing of them is logged, and they are wiped on every
 * way out.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto-agent.h"
#include "crypto-audit.h"
#include "crypto-keystore.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

#define AGENT_FILE_MAX	(64 * 1024)
#define AGENT_LINE_MAX	256
#define AGENT_IO_TIMEOUT 5

struct agent_file {
	char	 digest[2 * CRYPTO_SHA256_LEN + 1];
	char	*inner;		/* mlocked */
	size_t	 len;
	char	 name[256];
	int	 audit;		/* the audit key: never given out (SEAL, CHECK) */
};

struct crypto_agent {
	struct agent_file *f;
	size_t		 n;
	int		 fd;
	char		*socket_path;
	time_t		 started;
	unsigned long	 served;
	int64_t		 seal_floor;	/* the newest verified seal a SEAL extended */
};

static char *agent_socket;

void
crypto_agent_set_socket(const char *path)
{
	free(agent_socket);
	agent_socket = path != NULL && *path != '\0' ? xstrdup(path) : NULL;
}

const char *
crypto_agent_socket(void)
{
	return agent_socket;
}

int
crypto_agent_audit_key(struct crypto_agent *a, uint8_t key[CRYPTO_AUDIT_KEY_LEN])
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->f[i].audit)
			return crypto_audit_key_parse(a->f[i].name, a->f[i].inner,
			    a->f[i].len, key);
	return NHI_ENOFILE;
}

static int
hex32(const char *s, uint8_t out[CRYPTO_AUDIT_HASH_LEN])
{
	return strlen(s) == 2 * CRYPTO_AUDIT_HASH_LEN &&
	    hex_decode(s, out, CRYPTO_AUDIT_HASH_LEN) == CRYPTO_AUDIT_HASH_LEN ? 0 : -1;
}

static void
digest_hex(const void *p, size_t n, char out[2 * CRYPTO_SHA256_LEN + 1])
{
	uint8_t md[CRYPTO_SHA256_LEN];

	if (crypto_sha256(p, n, md) != 0)
		memset(md, 0, sizeof(md));
	hex_encode(md, sizeof(md), out);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void
crypto_agent_drop(struct crypto_agent *a)
{
	if (a == NULL)
		return;
	free(a->socket_path);
	a->socket_path = NULL;
	crypto_agent_free(a);
}

void
crypto_agent_free(struct crypto_agent *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		util_wipe(a->f[i].inner, a->f[i].len);
		munlock(a->f[i].inner, a->f[i].len + 1);
		free(a->f[i].inner);
	}
	free(a->f);
	if (a->fd >= 0)
		close(a->fd);
	if (a->socket_path != NULL)
		unlink(a->socket_path);
	free(a->socket_path);
	free(a);
}

int
crypto_agent_load(const char *dir, const char *passphrase, struct crypto_agent **out,
    size_t *nfiles)
{
	struct crypto_agent *a = xcalloc(1, sizeof(*a));
	struct dirent **ents = NULL;
	char *path = NULL, *text = NULL, *inner = NULL;
	size_t len = 0, ilen = 0;
	int k, i, r = 0;

	a->fd = -1;
	/* Not dumpable: no core file, no ptrace by the same account. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((k = scandir(dir, &ents, NULL, alphasort)) < 0) {
		r = err_set(NHI_ENOFILE, "key store %s: cannot read the directory", dir);
		goto out;
	}
	for (i = 0; i < k && r == 0; i++) {
		const char *nm = ents[i]->d_name;

		if (nm[0] == '.' || (!ends_with(nm, ".keys") && !ends_with(nm, ".key")))
			continue;
		free(path);
		path = xasprintf("%s/%s", dir, nm);
		if ((r = fs_read_file(path, AGENT_FILE_MAX, &text, &len)) != 0)
			break;
		if (crypto_pem_is_encrypted(text, len)) {
			/* An encrypted queue or TLS key: opened with the same
			 * passphrase, held as clear PKCS#8 PEM. */
			if ((r = crypto_pem_decrypt(path, text, len, passphrase, &inner,
			    &ilen)) != 0)
				break;
		} else if (!crypto_keystore_is_wrapped(text, len)) {
			free(text);
			text = NULL;
			continue;
		} else if ((r = crypto_keystore_unwrap(path, text, len, passphrase,
		    &inner, &ilen)) != 0)
			break;
		a->f = xreallocarray(a->f, a->n + 1, sizeof(*a->f));
		digest_hex(text, len, a->f[a->n].digest);
		/* Locked pages: never written to swap. A limit too low for
		 * these few kilobytes is an error, not a silent downgrade. */
		if (mlock(inner, ilen + 1) != 0) {
			r = err_set(NHI_EIO, "key agent: cannot lock %zu bytes in memory (%s):"
			    " raise the account's memlock limit", ilen, strerror(errno));
			util_free_secret(inner, ilen + 1);
			break;
		}
		a->f[a->n].inner = inner;
		a->f[a->n].len = ilen;
		a->f[a->n].audit = crypto_audit_key_is(inner, ilen);
		snprintf(a->f[a->n].name, sizeof(a->f[a->n].name), "%s", nm);
		a->n++;
		inner = NULL;
		free(text);
		text = NULL;
	}
	if (r == 0 && a->n == 0)
		r = err_set(NHI_ENOFILE, "key store %s holds no wrapped key file: nothing"
		    " for the agent to hold", dir);
out:
	for (i = 0; i < k; i++)
		free(ents[i]);
	free(ents);
	free(path);
	free(text);
	if (r != 0) {
		crypto_agent_free(a);
		return r;
	}
	*nfiles = a->n;
	*out = a;
	return 0;
}

static int
agent_connect(const char *path, int *fd)
{
	struct sockaddr_un sa;
	struct timeval tv = { AGENT_IO_TIMEOUT, 0 };
	int s, e;

	if (path == NULL)
		return err_set(NHI_ENOFILE, "no key agent socket is configured");
	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(NHI_ECONFIG, "key agent socket %s: path too long", path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_set(NHI_EIO, "key agent: socket: %s", strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		e = errno;
		close(s);
		if (e == ENOENT || e == ECONNREFUSED)
			return err_set(NHI_ENOFILE, "the keys are locked: no key agent runs at"
			    " %s (a key officer unlocks them with 'nhicard keys agent start')",
			    path);
		return err_set(NHI_EIO, "key agent %s: %s", path, strerror(e));
	}
	*fd = s;
	return 0;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, c, n, MSG_NOSIGNAL)) <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line (without '\n') into buf; -1 on error, EOF or overlong. */
static int
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t g;
	char c;

	while (n + 1 < cap) {
		if ((g = recv(fd, &c, 1, 0)) <= 0) {
			if (g < 0 && errno == EINTR)
				continue;
			return -1;
		}
		if (c == '\n') {
			buf[n] = '\0';
			return 0;
		}
		buf[n++] = c;
	}
	return -1;
}

static int
read_full(int fd, char *p, size_t n)
{
	ssize_t g;

	while (n > 0) {
		if ((g = recv(fd, p, n, 0)) <= 0) {
			if (g < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += g;
		n -= (size_t)g;
	}
	return 0;
}

static int
answer_error(const char *path, const char *line)
{
	if (strncmp(line, "NO denied", 9) == 0)
		return err_set(NHI_EDENIED, "key agent %s refused this account: %s", path,
		    line + 3);
	if (strncmp(line, "NO ", 3) == 0)
		return err_set(NHI_EKEY, "key agent %s: %s", path, line + 3);
	return err_set(NHI_EIO, "key agent %s: unexpected answer", path);
}

int
crypto_agent_fetch(const char *path, const char *wrapped, size_t len, char **inner,
    size_t *innerlen)
{
	char req[AGENT_LINE_MAX], line[AGENT_LINE_MAX], digest[2 * CRYPTO_SHA256_LEN + 1];
	char *buf = NULL, *end;
	unsigned long n;
	int fd = -1, r;

	if ((r = agent_connect(agent_socket, &fd)) != 0)
		return r;
	digest_hex(wrapped, len, digest);
	snprintf(req, sizeof(req), "GET %s\n", digest);
	if (write_all(fd, req, strlen(req)) != 0 || read_line(fd, line, sizeof(line)) != 0) {
		r = err_set(NHI_EIO, "key agent %s: no answer", agent_socket);
		goto out;
	}
	if (strncmp(line, "OK ", 3) != 0) {
		r = answer_error(agent_socket, line);
		if (r == NHI_EKEY)
			err_set(NHI_EKEY, "key file %s: the key agent does not hold it (changed"
			    " since the agent was started? a key officer restarts it)", path);
		goto out;
	}
	n = strtoul(line + 3, &end, 10);
	if (*end != '\0' || n == 0 || n > AGENT_FILE_MAX) {
		r = err_set(NHI_EIO, "key agent %s: malformed answer", agent_socket);
		goto out;
	}
	buf = xmalloc(n + 1);
	if (read_full(fd, buf, n) != 0) {
		util_free_secret(buf, n + 1);
		buf = NULL;
		r = err_set(NHI_EIO, "key agent %s: answer cut short", agent_socket);
		goto out;
	}
	buf[n] = '\0';
	*inner = buf;
	*innerlen = n;
	r = 0;
out:
	close(fd);
	return r;
}

int
crypto_agent_request(const char *request, char **answer)
{
	char line[AGENT_LINE_MAX], *req;
	int fd = -1, r;

	if ((r = agent_connect(agent_socket, &fd)) != 0)
		return r;
	req = xasprintf("%s\n", request);
	if (write_all(fd, req, strlen(req)) != 0 || read_line(fd, line, sizeof(line)) != 0)
		r = err_set(NHI_EIO, "key agent %s: no answer", agent_socket);
	else if (strncmp(line, "OK ", 3) != 0)
		r = answer_error(agent_socket, line);
	else
		*answer = xstrdup(line + 3);
	free(req);
	close(fd);
	return r;
}

int
crypto_agent_seal(int64_t old_seq, const uint8_t old_hash[CRYPTO_AUDIT_HASH_LEN],
    const uint8_t old_mac[CRYPTO_AUDIT_HASH_LEN], const struct crypto_audit_link *links,
    size_t n, int64_t *new_seq, uint8_t new_mac[CRYPTO_AUDIT_HASH_LEN])
{
	char req[AGENT_LINE_MAX], line[AGENT_LINE_MAX], h[2 * CRYPTO_AUDIT_HASH_LEN + 1];
	char m[2 * CRYPTO_AUDIT_HASH_LEN + 1], mac[80];
	long long seq;
	size_t i;
	int fd = -1, r;

	if ((r = agent_connect(agent_socket, &fd)) != 0)
		return r;
	hex_encode(old_hash, CRYPTO_AUDIT_HASH_LEN, h);
	hex_encode(old_mac, CRYPTO_AUDIT_HASH_LEN, m);
	snprintf(req, sizeof(req), "SEAL %lld %s %s %zu\n", (long long)old_seq, h, m, n);
	r = write_all(fd, req, strlen(req));
	for (i = 0; i < n && r == 0; i++) {
		snprintf(req, sizeof(req), "%zu\n", links[i].len);
		if ((r = write_all(fd, req, strlen(req))) == 0)
			r = write_all(fd, links[i].bytes, links[i].len);
	}
	if (r != 0 || read_line(fd, line, sizeof(line)) != 0) {
		r = err_set(NHI_EIO, "key agent %s: no answer to the audit seal", agent_socket);
		goto out;
	}
	if (strncmp(line, "OK ", 3) != 0) {
		r = answer_error(agent_socket, line);
		goto out;
	}
	if (sscanf(line + 3, "%lld %79s", &seq, mac) != 2 || hex32(mac, new_mac) != 0) {
		r = err_set(NHI_EIO, "key agent %s: malformed answer", agent_socket);
		goto out;
	}
	*new_seq = seq;
	r = 0;
out:
	close(fd);
	return r;
}

int
crypto_agent_seal_check(int64_t seq, const uint8_t hash[CRYPTO_AUDIT_HASH_LEN],
    const uint8_t mac[CRYPTO_AUDIT_HASH_LEN])
{
	char req[AGENT_LINE_MAX], *ans = NULL, h[2 * CRYPTO_AUDIT_HASH_LEN + 1];
	char m[2 * CRYPTO_AUDIT_HASH_LEN + 1];
	int r;

	hex_encode(hash, CRYPTO_AUDIT_HASH_LEN, h);
	hex_encode(mac, CRYPTO_AUDIT_HASH_LEN, m);
	snprintf(req, sizeof(req), "CHECK %lld %s %s", (long long)seq, h, m);
	r = crypto_agent_request(req, &ans);
	free(ans);
	return r;
}

int
crypto_pem_is_encrypted(const char *text, size_t len)
{
	(void)len;
	return strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
	    strstr(text, "Proc-Type: 4,ENCRYPTED") != NULL;
}

/* Never OpenSSL's terminal prompt: the passphrase given, or none. */
static int
pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (pass == NULL || (n = strlen(pass)) == 0 || n >= (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

int
crypto_pem_decrypt(const char *path, const char *text, size_t len, const char *pass,
    char **clear, size_t *clen)
{
	BIO *in = BIO_new_mem_buf(text, (int)len), *out = NULL;
	EVP_PKEY *k = NULL;
	char *p = NULL;
	long n;
	int r;

	if (in == NULL)
		return err_set(NHI_ECRYPTO, "%s: BIO_new_mem_buf", path);
	k = PEM_read_bio_PrivateKey(in, NULL, pem_pass_cb, (void *)pass);
	BIO_free(in);
	if (k == NULL) {
		ERR_clear_error();
		return err_set(NHI_EKEY, "%s: the encrypted private key does not open with"
		    " the key-store passphrase (wrong passphrase, or not a PEM key)", path);
	}
	if ((out = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PKCS8PrivateKey(out, k, NULL, NULL, 0, NULL, NULL) ||
	    (n = BIO_get_mem_data(out, &p)) <= 0) {
		ERR_clear_error();
		r = err_set(NHI_ECRYPTO, "%s: cannot re-encode the private key", path);
	} else {
		*clear = xmalloc((size_t)n + 1);
		memcpy(*clear, p, (size_t)n);
		(*clear)[n] = '\0';
		*clen = (size_t)n;
		r = 0;
	}
	if (out != NULL) {
		if (BIO_get_mem_data(out, &p) > 0)
			util_wipe(p, (size_t)BIO_get_mem_data(out, &p));
		BIO_free(out);
	}
	EVP_PKEY_free(k);
	return r;
}

int
crypto_pem_open(const char *path, const char *what, char **text, size_t *len)
{
	const char *pass;
	char *clear = NULL;
	size_t clen = 0;
	int r;

	if (!crypto_pem_is_encrypted(*text, *len))
		return 0;
	/* The key agent holds it opened (docs/keys.md 4.8); else only a
	 * passphrase on NHICARD_KEY_PASSPHRASE_FD; nobody is prompted. */
	r = crypto_agent_fetch(path, *text, *len, &clear, &clen);
	if (r == NHI_ENOFILE && getenv("NHICARD_KEY_PASSPHRASE_FD") == NULL) {
		char *why = xstrdup(err_detail() != NULL ? err_detail() : "the keys are locked");

		r = err_set(NHI_ESTATE, "%s (%s) is encrypted and %s", path, what, why);
		free(why);
		return r;
	}
	if (r == NHI_ENOFILE) {
		err_clear();
		if ((r = crypto_keystore_passphrase(&pass)) != 0 ||
		    (r = crypto_pem_decrypt(path, *text, *len, pass, &clear, &clen)) != 0)
			return r;
	} else if (r != 0)
		return r;
	util_free_secret(*text, *len);
	*text = clear;
	*len = clen;
	return 0;
}

/* ---- the agent ---- */

static volatile sig_atomic_t agent_stop;

static void
on_signal(int sig)
{
	(void)sig;
	agent_stop = 1;
}

int
crypto_agent_listen(struct crypto_agent *a, const char *socket_path)
{
	struct sockaddr_un sa;
	char *probe = NULL;
	int fd, r;

	/* A live agent there already: refuse; a stale socket: replace. */
	{
		const char *save = agent_socket;

		agent_socket = (char *)socket_path;
		r = crypto_agent_request("STATUS", &probe);
		agent_socket = (char *)save;
		free(probe);
		if (r == 0 || r == NHI_EDENIED)
			return err_set(NHI_EEXISTS, "a key agent already runs at %s (lock it"
			    " first: 'nhicard keys agent lock')", socket_path);
		err_clear();
	}
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return err_set(NHI_ECONFIG, "key agent socket %s: path too long", socket_path);
	unlink(socket_path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_set(NHI_EIO, "key agent: socket: %s", strerror(errno));
	/* The socket is the account's alone (umask 077 in main, and 0600). */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(socket_path, 0600) != 0 || listen(fd, 16) != 0) {
		r = err_set(NHI_EIO, "key agent socket %s: %s", socket_path, strerror(errno));
		close(fd);
		unlink(socket_path);
		return r;
	}
	a->fd = fd;
	a->socket_path = xstrdup(socket_path);
	return 0;
}

/* The audit key's clear value, into key: 0, or -1 when none is held. */
static int
agent_audit_key(struct crypto_agent *a, uint8_t key[CRYPTO_AUDIT_KEY_LEN])
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->f[i].audit && crypto_audit_key_parse(a->f[i].name, a->f[i].inner,
		    a->f[i].len, key) == 0)
			return 0;
	err_clear();
	return -1;
}

#define AGENT_SEAL_LINKS_MAX	1000000
#define AGENT_SEAL_LINK_MAX	(1024 * 1024)

/*
 * "CHECK SEQ HASH MAC": OK valid / NO. "SEAL SEQ HASH MAC N" then N times
 * "LEN\n" and LEN bytes (an entry's prev_hash and serialization): the seal
 * extended along those entries (crypto_audit_extend), never from a seal
 * older than the newest one this agent extended (a log cut back to a seal
 * saved earlier). The key itself never leaves the agent.
 */
static void
serve_seal(struct crypto_agent *a, int c, const char *line)
{
	struct crypto_audit_link *links = NULL;
	uint8_t key[CRYPTO_AUDIT_KEY_LEN], h[CRYPTO_AUDIT_HASH_LEN], m[CRYPTO_AUDIT_HASH_LEN];
	uint8_t nh[CRYPTO_AUDIT_HASH_LEN], nm[CRYPTO_AUDIT_HASH_LEN];
	char hs[80], ms[80], lenline[32], *ans = NULL, *end, hex[2 * CRYPTO_AUDIT_HASH_LEN + 1];
	long long seq = 0, nseq;
	unsigned long n = 0, i, k = 0, len;
	int64_t newseq = 0;
	int check = line[0] == 'C', got;

	if (agent_audit_key(a, key) != 0) {
		write_all(c, "NO no audit key held\n", 21);
		return;
	}
	got = check ? sscanf(line, "CHECK %lld %79s %79s", &seq, hs, ms) :
	    sscanf(line, "SEAL %lld %79s %79s %lu", &seq, hs, ms, &n);
	if (got != (check ? 3 : 4) || seq < 0 || hex32(hs, h) != 0 ||
	    (strcmp(ms, "-") != 0 && hex32(ms, m) != 0)) {
		ans = xstrdup("NO malformed request\n");
		goto out;
	}
	if (check) {
		ans = xstrdup(strcmp(ms, "-") != 0 &&
		    crypto_audit_seal_check(key, seq, h, m) == 0 ? "OK valid\n" :
		    "NO the seal does not match\n");
		goto out;
	}
	/* Only the key's holder seals from the beginning (docs/audit.md). */
	if (strcmp(ms, "-") == 0 || n == 0 || n > AGENT_SEAL_LINKS_MAX) {
		ans = xstrdup("NO refused: a seal extends a verified seal\n");
		goto out;
	}
	if (seq < a->seal_floor) {
		ans = xasprintf("NO refused: entry %lld is older than the seal this agent"
		    " extended last (entry %lld): the log was cut back\n", seq,
		    (long long)a->seal_floor);
		goto out;
	}
	links = xcalloc(n, sizeof(*links));
	for (k = 0; k < n; k++) {
		if (read_line(c, lenline, sizeof(lenline)) != 0 ||
		    (len = strtoul(lenline, &end, 10)) < CRYPTO_AUDIT_HASH_LEN ||
		    *end != '\0' || len > AGENT_SEAL_LINK_MAX) {
			ans = xstrdup("NO malformed request\n");
			goto out;
		}
		links[k].bytes = xmalloc(len);
		links[k].len = len;
		if (read_full(c, (char *)links[k].bytes, len) != 0) {
			ans = xstrdup("NO request cut short\n");
			k++;
			goto out;
		}
	}
	if (crypto_audit_extend(key, seq, h, m, links, n, &newseq, nh, nm) != 0) {
		ans = xasprintf("NO refused: %s\n", err_detail() != NULL ? err_detail() :
		    "the chain does not extend the seal");
		err_clear();
		goto out;
	}
	nseq = (long long)newseq;
	a->seal_floor = seq;
	hex_encode(nm, sizeof(nm), hex);
	ans = xasprintf("OK %lld %s\n", nseq, hex);
out:
	util_wipe(key, sizeof(key));
	if (ans != NULL && strlen(ans) > AGENT_LINE_MAX - 2) {
		ans[AGENT_LINE_MAX - 2] = '\n';
		ans[AGENT_LINE_MAX - 1] = '\0';
	}
	for (i = 0; i < k && links != NULL; i++)
		free((void *)links[i].bytes);
	free(links);
	if (ans != NULL)
		write_all(c, ans, strlen(ans));
	free(ans);
}

static void
serve_one(struct crypto_agent *a, int c, int *lock, int *fetched)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = { AGENT_IO_TIMEOUT, 0 };
	char line[AGENT_LINE_MAX], head[64];
	size_t i;

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Only the agent's own account (the station's) is answered. */
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 ||
	    cred.uid != geteuid()) {
		write_all(c, "NO denied: not the station's account\n", 37);
		return;
	}
	if (read_line(c, line, sizeof(line)) != 0)
		return;
	if (strcmp(line, "LOCK") == 0) {
		write_all(c, "OK locked\n", 10);
		*lock = 1;
		return;
	}
	if (strcmp(line, "STATUS") == 0) {
		char *s = xasprintf("OK unlocked, %zu key files, %lu requests served,"
		    " up %lld s\n", a->n, a->served, (long long)(time(NULL) - a->started));

		write_all(c, s, strlen(s));
		free(s);
		return;
	}
	if (strncmp(line, "GET ", 4) == 0) {
		for (i = 0; i < a->n; i++)
			if (strcmp(a->f[i].digest, line + 4) == 0)
				break;
		if (i == a->n) {
			write_all(c, "NO not held\n", 12);
			return;
		}
		if (a->f[i].audit) {
			write_all(c, "NO the audit key is not given out\n", 34);
			return;
		}
		snprintf(head, sizeof(head), "OK %zu\n", a->f[i].len);
		if (write_all(c, head, strlen(head)) == 0)
			write_all(c, a->f[i].inner, a->f[i].len);
		a->served++;
		*fetched = 1;
		return;
	}
	if (strncmp(line, "SEAL ", 5) == 0 || strncmp(line, "CHECK ", 6) == 0) {
		serve_seal(a, c, line);
		*fetched = 1;
		return;
	}
	write_all(c, "NO unknown request\n", 19);
}

int
crypto_agent_serve(struct crypto_agent *a, long idle_s, long lifetime_s)
{
	struct sigaction sa;
	struct rlimit nocore = { 0, 0 };
	struct pollfd p;
	time_t last, now;
	long wait_s;
	int lock = 0, fetched, c, r = 0;

	setrlimit(RLIMIT_CORE, &nocore);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->started = last = time(NULL);
	while (!lock && !agent_stop) {
		now = time(NULL);
		wait_s = idle_s - (long)(now - last);
		if (lifetime_s - (long)(now - a->started) < wait_s)
			wait_s = lifetime_s - (long)(now - a->started);
		if (wait_s <= 0)
			break;	/* idle or lifetime over: lock */
		p.fd = a->fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, wait_s > 3600 ? 3600 * 1000 : (int)wait_s * 1000) < 0) {
			if (errno == EINTR)
				continue;
			r = err_set(NHI_EIO, "key agent: poll: %s", strerror(errno));
			break;
		}
		if (!(p.revents & POLLIN))
			continue;
		if ((c = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		fetched = 0;
		serve_one(a, c, &lock, &fetched);
		close(c);
		if (fetched)
			last = time(NULL);
	}
	crypto_agent_free(a);
	return r;
}

int
crypto_agent_background(struct crypto_agent *a, long idle_s, long lifetime_s)
{
	int ready[2] = { -1, -1 }, r = 0;
	pid_t pid;
	char b;

	if (pipe(ready) != 0) {
		crypto_agent_free(a);
		return err_set(NHI_EIO, "key agent: pipe failed");
	}
	if ((pid = fork()) < 0) {
		close(ready[0]);
		close(ready[1]);
		crypto_agent_free(a);
		return err_set(NHI_EIO, "key agent: fork failed");
	}
	if (pid == 0) {
		int dn = open("/dev/null", O_RDWR);

		close(ready[0]);
		setsid();
		if (dn >= 0) {
			dup2(dn, 0);
			dup2(dn, 1);
			dup2(dn, 2);
			if (dn > 2)
				close(dn);
		}
		/* Detached from the session (a second fork), then "ready". */
		if (fork() > 0)
			_exit(0);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		close(ready[1]);
		_exit(crypto_agent_serve(a, idle_s, lifetime_s) == 0 ? 0 : 1);
	}
	close(ready[1]);
	waitpid(pid, NULL, 0);
	if (read(ready[0], &b, 1) != 1)
		r = err_set(NHI_EIO, "key agent did not start");
	close(ready[0]);
	/* This process forgets the keys; the agent holds them. */
	crypto_agent_drop(a);
	return r;
}
