/*
 * center-http.c: the intake's online side: HTTPS with mutual TLS on
 * libmicrohttpd. POST /batch: the body is one batch file, the answer the
 * signed acknowledgement. The clinics' API (docs/clinic-api.md): POST
 * /v1/eligibility, GET /v1/trust, GET /v1/revoked, for client
 * certificates naming a registered 医療機関コード, with a per-clinic rate.
 * The operators' status page (GET /status) on a separate plain-HTTP
 * listener bound to 127.0.0.1 (--admin-port), never on the TLS one. The station's client certificate must
 * chain to the stations' CA (GnuTLS verifies it; libmicrohttpd only asks
 * for it) and its common name must be the batch's signer. Requests run on
 * a pool of threads (--threads); the store is used under one lock, so it
 * sees one batch or query at a time, and answers are signed outside it.
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
#include <pthread.h>
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

/* A clinic's allowance (token bucket): `rate` queries a minute, burst as
 * many. */
struct clinic_bucket {
	char		 code[11];
	double		 tokens;
	double		 last;		/* monotonic seconds */
};

struct http_srv {
	/* The store, the rate buckets and the test faults are used under
	 * `lock`: requests run on a pool of threads; answers are signed
	 * outside it. */
	pthread_mutex_t		 lock;
	int64_t			 started;	/* unix time the center started */
	struct center_store	*cs;
	unsigned		 clinic_rate;	/* queries a minute per clinic; 0 none */
	struct clinic_bucket	*buckets;
	size_t			 nbuckets;
	const struct center_keys *keys;
	size_t			 max_body;
	long			 drop_acks;	/* test fault */
	int			 exit_after_store;
	int			 stale_ack;
	uint8_t			*prev_ack;	/* for stale-ack */
	size_t			 prev_ack_len;
	char			*prev_station;
};

enum http_route { ROUTE_BATCH = 1, ROUTE_QUERY, ROUTE_TRUST, ROUTE_REVOKED };

struct http_req {
	enum http_route	 route;
	char		 clinic[11];	/* ROUTE_QUERY..: the checked code */
	char		 peer[128];	/* the verified peer, for the request log */
	uint8_t		*body;
	size_t		 len;
	int		 too_big;
};

/* Largest query body accepted (a query is ~400 bytes). */
#define MAX_QUERY_BODY	8192

/* The request being answered by this thread (a pool of request threads
 * answers them, each connection on one thread): what the request log
 * names. */
static _Thread_local struct {
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

/* What a TLS connection's client proved, kept for the connection's later
 * requests (keep-alive): the certificate chain is verified once. */
struct conn_ctx {
	char	*cn;
	/* The registered clinic this connection's certificate names, once
	 * looked up (registrations are only added: a round trip a query
	 * saved). */
	char	 clinic[11];
};

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct conn_ctx *c;

	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = xcalloc(1, sizeof(struct conn_ctx));
	else if ((c = *socket_context) != NULL) {
		free(c->cn);
		free(c);
		*socket_context = NULL;
	}
}

/* peer_check, once per connection. */
static int
peer_check_cached(struct MHD_Connection *conn, char **cn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_ctx *c = ci != NULL ? ci->socket_context : NULL;
	int r;

	if (c != NULL && c->cn != NULL) {
		*cn = xstrdup(c->cn);
		return 0;
	}
	if ((r = peer_check(conn, cn)) == 0 && c != NULL)
		c->cn = xstrdup(*cn);
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

/* NHI_EREFUSED if the TLS client certificate is on the stations' CRL
 * (looked at for each batch: the list may change while a connection lives). */
static int
peer_revoked(struct http_srv *srv, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *certs;
	unsigned ncerts = 0;

	if (center_keys_crl(srv->keys) == NULL)
		return 0;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL ||
	    (certs = gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session,
	    &ncerts)) == NULL || ncerts == 0)
		return err_set(NHI_EREFUSED, "no client certificate");
	return center_crl_check_der(center_keys_crl(srv->keys), certs[0].data,
	    certs[0].size, "TLS client certificate");
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

	/* The connection's certificate too: a revoked one is refused even
	 * when the batch is signed by another. */
	r = peer_revoked(srv, conn);
	if (r == 0)
		r = center_intake_batch(srv->cs, srv->keys, peer, req->body, req->len,
		    &ack, &acklen, &station, &serial);
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
answer_reply(struct MHD_Connection *conn, struct center_reply *rep)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(rep->len, rep->body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(rep->body);
		return MHD_NO;
	}
	rep->body = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type);
	if (rep->status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "60");
	ret = MHD_queue_response(conn, rep->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
answer_error(struct MHD_Connection *conn, unsigned status, const char *code,
    const char *detail)
{
	struct center_reply rep;

	center_reply_error(&rep, status, code, detail);
	return answer_reply(conn, &rep);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 if the clinic may ask now (and takes one query from its allowance). */
static int
rate_take(struct http_srv *srv, const char *code)
{
	struct clinic_bucket *b = NULL;
	double now = mono_now();
	size_t i;

	if (srv->clinic_rate == 0)
		return 1;
	for (i = 0; i < srv->nbuckets; i++)
		if (strcmp(srv->buckets[i].code, code) == 0)
			b = &srv->buckets[i];
	if (b == NULL) {
		srv->buckets = xreallocarray(srv->buckets, srv->nbuckets + 1,
		    sizeof(*srv->buckets));
		b = &srv->buckets[srv->nbuckets++];
		snprintf(b->code, sizeof(b->code), "%s", code);
		b->tokens = srv->clinic_rate;
		b->last = now;
	}
	b->tokens += (now - b->last) * srv->clinic_rate / 60.0;
	if (b->tokens > srv->clinic_rate)
		b->tokens = srv->clinic_rate;
	b->last = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

/* The clinic behind a verified client certificate: the last word of its
 * common name, a valid 医療機関コード registered at the center. */
static enum MHD_Result
clinic_check(struct http_srv *srv, struct MHD_Connection *conn, const char *cn,
    struct http_req *req)
{
	const char *code = strrchr(cn, ' '), *why;
	const union MHD_ConnectionInfo *ci;
	struct conn_ctx *c;
	char *t;
	enum MHD_Result ret;
	int known = 0;

	code = code != NULL ? code + 1 : cn;
	if (!center_clinic_code_ok(code, &why)) {
		t = xasprintf("the client certificate's common name '%s' does not end in a"
		    " 医療機関コード: %s", cn, why);
		fprintf(stderr, "nhicard-center: %s\n", t);
		ret = answer_error(conn, MHD_HTTP_FORBIDDEN, "not_a_clinic", t);
		free(t);
		return ret;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = ci != NULL ? ci->socket_context : NULL;
	if (c != NULL && strcmp(c->clinic, code) == 0)
		known = 1;
	else if (center_clinic_known(srv->cs, code, &known) != 0)
		return answer_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store", err_detail());
	if (known && c != NULL)
		snprintf(c->clinic, sizeof(c->clinic), "%s", code);
	if (!known) {
		(void)center_query_log(srv->cs, code, NULL, NULL, "unknown_clinic");
		t = xasprintf("clinic %s is not registered at this center", code);
		fprintf(stderr, "nhicard-center: %s\n", t);
		ret = answer_error(conn, MHD_HTTP_FORBIDDEN, "unknown_clinic", t);
		free(t);
		return ret;
	}
	memcpy(req->clinic, code, 11);
	return MHD_YES;
}

static enum MHD_Result
handle_clinic(struct http_srv *srv, struct MHD_Connection *conn, struct http_req *req)
{
	struct center_reply rep;
	const char *since;
	char *end;
	long long v = 0;
	int r;

	memset(&rep, 0, sizeof(rep));
	pthread_mutex_lock(&srv->lock);
	switch (req->route) {
	case ROUTE_QUERY:
		if (!rate_take(srv, req->clinic)) {
			char *t = xasprintf("clinic %s asked more than %u times a minute:"
			    " wait and ask again", req->clinic, srv->clinic_rate);

			(void)center_query_log(srv->cs, req->clinic, NULL, NULL,
			    "rate_limited");
			center_reply_error(&rep, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited", t);
			free(t);
			pthread_mutex_unlock(&srv->lock);
			return answer_reply(conn, &rep);
		}
		r = center_query(srv->cs, req->clinic, (const char *)req->body, req->len,
		    (int64_t)time(NULL), srv->started, &rep);
		break;
	case ROUTE_TRUST:
		r = center_publish_trust(srv->cs, srv->keys, &rep);
		break;
	default:
		since = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since");
		if (since != NULL) {
			v = strtoll(since, &end, 10);
			if (*since == '\0' || *end != '\0' || v < 0) {
				pthread_mutex_unlock(&srv->lock);
				return answer_error(conn, MHD_HTTP_BAD_REQUEST, "malformed",
				    "since is not a version number");
			}
		}
		r = center_publish_revoked(srv->cs, srv->keys, v, &rep);
		break;
	}
	pthread_mutex_unlock(&srv->lock);
	if (r == 0)
		r = center_reply_sign(srv->keys, &rep);
	if (r != 0) {
		free(rep.body);
		fprintf(stderr, "nhicard-center: clinic %s: %s\n", req->clinic, err_text(r));
		return answer_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		    "the center cannot answer now: ask again later");
	}
	return answer_reply(conn, &rep);
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
	enum http_route route;
	const char *want;

	cur.method = method;
	cur.url = url;
	cur.note[0] = '\0';
	if (req == NULL)
		cur.peer[0] = '\0';
	else
		memcpy(cur.peer, req->peer, sizeof(cur.peer));
	if (req == NULL) {
		if (strcmp(url, "/batch") == 0)
			route = ROUTE_BATCH, want = MHD_HTTP_METHOD_POST;
		else if (strcmp(url, "/v1/eligibility") == 0)
			route = ROUTE_QUERY, want = MHD_HTTP_METHOD_POST;
		else if (strcmp(url, "/v1/trust") == 0)
			route = ROUTE_TRUST, want = MHD_HTTP_METHOD_GET;
		else if (strcmp(url, "/v1/revoked") == 0)
			route = ROUTE_REVOKED, want = MHD_HTTP_METHOD_GET;
		else
			return answer_text(conn, MHD_HTTP_NOT_FOUND, "no such path: POST"
			    " /batch, POST /v1/eligibility, GET /v1/trust, GET /v1/revoked");
		if (strcmp(method, want) != 0)
			return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "wrong method for this path (docs/clinic-api.md)");
		if (peer_check_cached(conn, &peer) != 0) {
			char *t = xasprintf("REFUSED: %s", err_detail());

			fprintf(stderr, "nhicard-center: %s\n", t);
			ret = answer_text(conn, MHD_HTTP_FORBIDDEN, t);
			free(t);
			return ret;
		}
		snprintf(cur.peer, sizeof(cur.peer), "%s", peer);
		req = xcalloc(1, sizeof(struct http_req));
		req->route = route;
		memcpy(req->peer, cur.peer, sizeof(req->peer));
		ret = MHD_YES;
		if (route != ROUTE_BATCH) {
			pthread_mutex_lock(&srv->lock);
			ret = clinic_check(srv, conn, peer, req);
			pthread_mutex_unlock(&srv->lock);
		}
		if (ret != MHD_YES) {
			free(req);
			free(peer);
			return ret;
		}
		free(peer);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t max = req->route == ROUTE_BATCH ? srv->max_body :
		    req->route == ROUTE_QUERY ? MAX_QUERY_BODY : 0;

		if (req->len + *upload_size > max)
			req->too_big = 1;
		else {
			req->body = xrealloc(req->body, req->len + *upload_size);
			memcpy(req->body + req->len, upload, *upload_size);
			req->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->route != ROUTE_BATCH) {
		if (req->too_big)
			return answer_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "malformed",
			    "the query is larger than 4096 bytes");
		return handle_clinic(srv, conn, req);
	}
	if (req->too_big)
		return answer_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "batch too large");
	if (peer_check_cached(conn, &peer) != 0)
		return answer_text(conn, MHD_HTTP_FORBIDDEN, err_detail());
	pthread_mutex_lock(&srv->lock);
	ret = handle_batch(srv, conn, req, peer);
	pthread_mutex_unlock(&srv->lock);
	free(peer);
	return ret;
}

/*
 * The operators' status page (docs/center.md "Status page"), on its own
 * plain-HTTP listener bound to 127.0.0.1 (--admin-port): never on the
 * stations' and clinics' TLS listener. GET / or /status; read only.
 */
static enum MHD_Result
on_admin(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http_srv *srv = cls;
	struct MHD_Response *resp;
	struct center_status st;
	enum MHD_Result ret;
	char *html;
	int r;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(url, "/") != 0 && strcmp(url, "/status") != 0)
		return answer_text(conn, MHD_HTTP_NOT_FOUND, "no such path: GET /status");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "the status page is read only: GET /status");
	pthread_mutex_lock(&srv->lock);
	r = center_status_read(srv->cs, (int64_t)time(NULL), &st);
	pthread_mutex_unlock(&srv->lock);
	if (r != 0) {
		fprintf(stderr, "nhicard-center: status page: %s\n", err_text(r));
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the store cannot be read now: reload later");
	}
	html = center_status_html(&st);
	center_status_free(&st);
	resp = MHD_create_response_from_buffer(strlen(html), html, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(html);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/html; charset=utf-8");
	/* No script may run even if an escape were missed; nothing is loaded. */
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
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
	else if (strncmp(f, "reject-seq=", 11) != 0 &&	/* center-intake.c */
	    strncmp(f, "commit-wait=", 12) != 0)
		return err_set(NHI_EUSAGE, "NHICARD_CENTER_FAULT=%s: not a test fault "
		    "(drop-ack=N, exit-after-store, stale-ack, reject-seq=N,"
		    " commit-wait=PATH)", f);
	fprintf(stderr, "nhicard-center: TEST FAULT ACTIVE: %s\n", f);
	return 0;
}

int
center_http_serve(struct center_store *cs, const struct center_keys *k,
    const struct center_http_opts *o)
{
	struct http_srv srv = { .cs = cs, .keys = k, .max_body = o->max_body,
	    .clinic_rate = o->clinic_rate, .started = (int64_t)time(NULL) };
	struct MHD_Daemon *d = NULL, *admin = NULL;
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
	pthread_mutex_init(&srv.lock, NULL);
	if ((r = center_store_upkeep_start(cs)) != 0)
		goto out;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, &srv,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 1),
	    MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_MEM_TRUST, ca,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		r = err_set(NHI_ENETWORK, "cannot listen on %s port %u (in use? bad key?)",
		    o->listen, o->port);
		goto out;
	}
	if (o->admin_port >= 0) {
		struct sockaddr_in ain;

		memset(&ain, 0, sizeof(ain));
		ain.sin_family = AF_INET;
		ain.sin_port = htons((uint16_t)o->admin_port);
		ain.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		admin = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		    MHD_USE_ERROR_LOG, 0, NULL, NULL, on_admin, &srv,
		    MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ain,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		    MHD_OPTION_END);
		if (admin == NULL) {
			r = err_set(NHI_ENETWORK, "cannot listen on 127.0.0.1 port %d for"
			    " the status page (in use?)", o->admin_port);
			goto out;
		}
		di = MHD_get_daemon_info(admin, MHD_DAEMON_INFO_BIND_PORT);
		/* On stderr, before the "listening on" line: stdout's first
		 * line stays the TLS listener's. */
		fprintf(stderr, "nhicard-center: status page on http://127.0.0.1:%u/status\n",
		    di != NULL ? di->port : (unsigned)o->admin_port);
		fflush(stderr);
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
	if (admin != NULL)
		MHD_stop_daemon(admin);
	if (d != NULL)
		MHD_stop_daemon(d);
	center_store_upkeep_stop(cs);
	if (key != NULL)
		util_free_secret(key, strlen(key));
	free(cert);
	free(ca);
	free(srv.prev_ack);
	free(srv.prev_station);
	free(srv.buckets);
	pthread_mutex_destroy(&srv.lock);
	return r;
}
