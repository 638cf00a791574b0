/*
 * center-http.c: the intake's online side: HTTPS with mutual TLS on
 * libmicrohttpd. One route, POST /batch: the body is one batch file, the
 * answer the signed acknowledgement. The station's client certificate must
 * chain to the stations' CA (GnuTLS verifies it; libmicrohttpd only asks
 * for it) and its common name must be the batch's signer. All requests are
 * handled on one thread, so the store sees one batch at a time.
 *
 * Test faults (docs/center.md), from $NHICARD_CENTER_FAULT:
 *   drop-ack=N      store the first N batches, then cut the connection
 *                   instead of answering (a lost acknowledgement)
 *   exit-after-store  store the batch, then exit(99) before answering
 *   stale-ack       answer each batch with the acknowledgement made for the
 *                   station's previous request (one behind: out of order)
 *   reject-seq=N    (center-intake.c) reject seq N while its attempt is 1
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "center.h"
#include "error.h"
#include "util.h"

struct http_srv {
	struct center_store	*cs;
	const struct center_keys *keys;
	size_t			 max_body;
	long			 drop_acks;	/* test fault */
	int			 exit_after_store;
	int			 stale_ack;
	uint8_t			*prev_ack;	/* for stale-ack */
	size_t			 prev_ack_len;
	char			*prev_station;
};

struct http_req {
	uint8_t	*body;
	size_t	 len;
	int	 too_big;
};

/* The request being answered (one polling thread answers them all): what
 * the request log names. */
static struct {
	const char	*method, *url;
	char		 peer[128];
	char		 note[160];
} cur;

/* The request log: one line per answer on stderr (docs/center.md). */
static void
request_log(struct MHD_Connection *conn, unsigned status, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	char addr[INET6_ADDRSTRLEN] = "?", when[32];
	time_t t = time(NULL);
	struct tm tm;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr,
			    sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			    addr, sizeof(addr));
	}
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "nhicard-center: request %s %s %s from %s (%s): %u, %zu bytes%s%s\n",
	    when, cur.method != NULL ? cur.method : "?", cur.url != NULL ? cur.url : "?",
	    addr, cur.peer[0] != '\0' ? cur.peer : "peer not verified", status, len,
	    cur.note[0] != '\0' ? "; " : "", cur.note);
	fflush(stderr);
}

static enum MHD_Result
answer(struct MHD_Connection *conn, unsigned status, const char *type,
    const void *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	request_log(conn, status, len);

	resp = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
answer_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	char *t = xasprintf("%s\n", text);
	enum MHD_Result ret = answer(conn, status, "text/plain; charset=utf-8", t,
	    strlen(t));

	free(t);
	return ret;
}

/*
 * Verify the client's certificate against the stations' CA and take its
 * common name. Returns 0 and *cn (caller frees), or NHI_EREFUSED with the
 * reason as detail.
 */
static int
peer_check(struct MHD_Connection *conn, char **cn)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t sess;
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt = NULL;
	unsigned status = 0, ncerts = 0;
	char name[256];
	size_t namelen = sizeof(name);
	int r, g;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return err_set(NHI_EREFUSED, "not a TLS connection");
	sess = (gnutls_session_t)ci->tls_session;
	g = gnutls_certificate_verify_peers2(sess, &status);
	if (g == GNUTLS_E_NO_CERTIFICATE_FOUND ||
	    (certs = gnutls_certificate_get_peers(sess, &ncerts)) == NULL || ncerts == 0)
		return err_set(NHI_EREFUSED, "no client certificate");
	if (g < 0)
		return err_set(NHI_EREFUSED, "client certificate: %s", gnutls_strerror(g));
	if (status != 0) {
		gnutls_datum_t why = { NULL, 0 };

		gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &why, 0);
		r = err_set(NHI_EREFUSED, "client certificate does not chain to the "
		    "stations' CA: %s", why.data != NULL ? (char *)why.data : "?");
		gnutls_free(why.data);
		return r;
	}
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
	    name, &namelen) < 0) {
		r = err_set(NHI_EREFUSED, "client certificate has no common name");
		goto out;
	}
	*cn = xstrdup(name);
	r = 0;
out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return r;
}

/*
 * stale-ack: answer with the acknowledgement made for the station's
 * previous request and keep this one for the next (one behind). Swaps
 * *ack with the kept one; returns 1 if it did.
 */
static int
fault_stale_ack(struct http_srv *srv, const char *station, uint8_t **ack,
    size_t *acklen)
{
	uint8_t *p = srv->prev_ack;
	size_t n = srv->prev_ack_len;
	int same = srv->prev_station != NULL && strcmp(srv->prev_station, station) == 0;

	srv->prev_ack = *ack;
	srv->prev_ack_len = *acklen;
	free(srv->prev_station);
	srv->prev_station = xstrdup(station);
	if (same && p != NULL) {
		*ack = p;
		*acklen = n;
		return 1;
	}
	*ack = NULL;
	free(p);
	/* First request of the station: send a copy of its own. */
	*ack = xmemdup(srv->prev_ack, srv->prev_ack_len);
	*acklen = srv->prev_ack_len;
	return 0;
}

static enum MHD_Result
handle_batch(struct http_srv *srv, struct MHD_Connection *conn, struct http_req *req,
    const char *peer)
{
	uint8_t *ack = NULL;
	size_t acklen = 0;
	char *station = NULL;
	enum MHD_Result ret;
	int64_t serial;
	int r;

	r = center_intake_batch(srv->cs, srv->keys, peer, req->body, req->len, &ack,
	    &acklen, &station, &serial);
	if (r != 0) {
		unsigned status = r == NHI_EREFUSED ? MHD_HTTP_FORBIDDEN :
		    nhi_exit_code(r) == NHI_EXIT_DATA ? MHD_HTTP_BAD_REQUEST :
		    MHD_HTTP_SERVICE_UNAVAILABLE;
		char *t = xasprintf("%s: %s", nhi_errname(r), err_text(r));

		fprintf(stderr, "nhicard-center: batch from %s refused: %s\n", peer, t);
		ret = answer_text(conn, status, t);
		free(t);
		return ret;
	}
	if (srv->exit_after_store) {
		fprintf(stderr, "nhicard-center: test fault: exit after store\n");
		fflush(NULL);
		_exit(99);
	}
	if (srv->drop_acks > 0) {
		srv->drop_acks--;
		fprintf(stderr, "nhicard-center: test fault: acknowledgement dropped\n");
		ret = MHD_NO;
		goto out;
	}
	snprintf(cur.note, sizeof(cur.note), "station %s, acknowledgement serial %lld",
	    station, (long long)serial);
	if (srv->stale_ack && fault_stale_ack(srv, station, &ack, &acklen))
		fprintf(stderr, "nhicard-center: test fault: stale acknowledgement\n");
	ret = answer(conn, MHD_HTTP_OK, "application/pkcs7-mime", ack, acklen);
out:
	free(ack);
	free(station);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http_srv *srv = cls;
	struct http_req *req = *con_cls;
	char *peer = NULL;
	enum MHD_Result ret;

	cur.method = method;
	cur.url = url;
	cur.note[0] = '\0';
	if (req == NULL)
		cur.peer[0] = '\0';
	if (req == NULL) {
		if (strcmp(url, "/batch") != 0)
			return answer_text(conn, MHD_HTTP_NOT_FOUND, "no such path: use POST /batch");
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST /batch");
		if (peer_check(conn, &peer) != 0) {
			char *t = xasprintf("REFUSED: %s", err_detail());

			fprintf(stderr, "nhicard-center: %s\n", t);
			ret = answer_text(conn, MHD_HTTP_FORBIDDEN, t);
			free(t);
			return ret;
		}
		snprintf(cur.peer, sizeof(cur.peer), "%s", peer);
		free(peer);
		*con_cls = xcalloc(1, sizeof(struct http_req));
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (req->len + *upload_size > srv->max_body)
			req->too_big = 1;
		else {
			req->body = xrealloc(req->body, req->len + *upload_size);
			memcpy(req->body + req->len, upload, *upload_size);
			req->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->too_big)
		return answer_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "batch too large");
	if (peer_check(conn, &peer) != 0)
		return answer_text(conn, MHD_HTTP_FORBIDDEN, err_detail());
	ret = handle_batch(srv, conn, req, peer);
	free(peer);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_req *req = *con_cls;

	if (req == NULL)
		return;
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void
on_log(void *cls, const char *fmt, va_list ap)
{
	fputs("nhicard-center: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static int
faults_from_env(struct http_srv *srv)
{
	const char *f = getenv("NHICARD_CENTER_FAULT");

	if (f == NULL || *f == '\0')
		return 0;
#if !NHI_TEST_HOOKS
	(void)srv;
	return err_set(NHI_EUSAGE, "NHICARD_CENTER_FAULT=%s: this nhicard-center has no"
	    " test faults (built without --enable-test-hooks)", f);
#endif
	if (strncmp(f, "drop-ack=", 9) == 0)
		srv->drop_acks = strtol(f + 9, NULL, 10);
	else if (strcmp(f, "exit-after-store") == 0)
		srv->exit_after_store = 1;
	else if (strcmp(f, "stale-ack") == 0)
		srv->stale_ack = 1;
	else if (strncmp(f, "reject-seq=", 11) != 0)	/* center-intake.c */
		return err_set(NHI_EUSAGE, "NHICARD_CENTER_FAULT=%s: not a test fault "
		    "(drop-ack=N, exit-after-store, stale-ack, reject-seq=N)", f);
	fprintf(stderr, "nhicard-center: TEST FAULT ACTIVE: %s\n", f);
	return 0;
}

int
center_http_serve(struct center_store *cs, const struct center_keys *k,
    const struct center_http_opts *o)
{
	struct http_srv srv = { .cs = cs, .keys = k, .max_body = o->max_body };
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sin;
	char *key = NULL, *cert = NULL, *ca = NULL;
	size_t len;
	sigset_t set;
	int r, sig;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->listen, &sin.sin_addr) != 1) {
		r = err_set(NHI_EUSAGE, "--listen %s: not an IPv4 address", o->listen);
		goto out;
	}
	if ((r = fs_read_file(o->key_path, 1 << 20, &key, &len)) != 0 ||
	    (r = fs_read_file(o->cert_path, 1 << 20, &cert, &len)) != 0 ||
	    (r = fs_read_file(o->ca_path, 1 << 20, &ca, &len)) != 0)
		goto out;
	if ((r = faults_from_env(&srv)) != 0)
		goto out;
	/* Block the stop signals before MHD starts its thread; wait for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, &srv,
	    MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_MEM_TRUST, ca,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		r = err_set(NHI_ENETWORK, "cannot listen on %s port %u (in use? bad key?)",
		    o->listen, o->port);
		goto out;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on %s %u\n", o->listen, di != NULL ? di->port : o->port);
	fflush(stdout);
	if (sigwait(&set, &sig) != 0) {
		r = err_set(NHI_EINTERNAL, "sigwait: %s", strerror(errno));
		goto out;
	}
	fprintf(stderr, "nhicard-center: stopping on signal %d\n", sig);
	r = 0;
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	if (key != NULL)
		util_free_secret(key, strlen(key));
	free(cert);
	free(ca);
	free(srv.prev_ack);
	free(srv.prev_station);
	return r;
}
