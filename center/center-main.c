/*
 * center-main.c: nhicard-center's command line: serve (the online intake),
 * import (batch files from removable media), status (per station: records
 * held, highest contiguous, gaps). See nhicard-center(1).
 */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "center.h"
#include "error.h"
#include "util.h"

/* The intake's port when --port is not given (the stations' center_url). */
#define CENTER_DEFAULT_PORT	8443

#define DEFAULT_MAX_BATCH	(64u * 1024 * 1024)

struct center_opts {
	const char	*db;
	const char	*key;
	const char	*cert;
	const char	*tls_key;
	const char	*tls_cert;
	const char	*ca;
	const char	*listen;
	const char	*out_dir;
	long		 port;
	long		 max_batch;
	long		 clinic_rate;
	long		 threads;
	long		 admin_port;
	const char	*answer_key;
	const char	*answer_cert;
	const char	*replica;
	const char	*crl;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: nhicard-center [--db PATH] serve --key PEM --cert PEM --ca PEM\n"
	    "                      [--tls-key PEM --tls-cert PEM] [--listen ADDR]\n"
	    "                      [--port N] [--max-batch BYTES] [--replica DB]\n"
	    "                      [--crl FILE]\n"
	    "       nhicard-center [--db PATH] import --key PEM --cert PEM --ca PEM\n"
	    "                      [--out DIR] [--crl FILE] DIR\n"
	    "                      [--admin-port N]\n"
	    "       nhicard-center [--db PATH] status\n"
	    "       nhicard-center [--db PATH] status-page\n"
	    "       nhicard-center [--db PATH] heads STATION\n"
	    "       nhicard-center [--db PATH] clinic add CODE NAME\n"
	    "       nhicard-center [--db PATH] trust add MUNICIPALITY KEY.pem\n"
	    "       nhicard-center [--db PATH] insurer add NUMBER NAME\n"
	    "       nhicard-center [--db PATH] queries USER_NUMBER\n"
	    "       nhicard-center [--db PATH] db migrate|version\n"
	    "       nhicard-center [--db PATH] db backup|restore FILE\n"
	    "\n"
	    "The reference intake of the shared-use center: takes the stations' batch\n"
	    "files (CMS, signed by the station, encrypted to the center), stores each\n"
	    "record once per station and record id, and answers with acknowledgements\n"
	    "signed by the center.\n"
	    "\n"
	    "  serve     HTTPS with mutual TLS: POST /batch, the answer is the\n"
	    "            acknowledgement. Listens on 127.0.0.1 unless --listen says\n"
	    "            otherwise, on port 8443 unless --port says otherwise (--port 0\n"
	    "            picks a free one). Prints 'listening on ADDR PORT' when ready;\n"
	    "            logs one line per request on stderr; stops on SIGTERM/SIGINT.\n"
	    "  import    read every *.cms batch file in DIR (removable media) and\n"
	    "            write one acknowledgement file per batch into --out DIR\n"
	    "            (default DIR), for the station's 'nhicard queue import-ack'.\n"
	    "  status    per station: records held, highest contiguous sequence,\n"
	    "            highest sequence, rejections outstanding, gaps, and any\n"
	    "            audit ALERT (a station's audit history shrank or forked).\n"
	    "  status-page  the operators' status page (HTML, what serve's\n"
	    "            --admin-port serves) on stdout.\n"
	    "  heads     the audit chain heads a station's batches carried, one\n"
	    "            'SEQ HASH' a line: the file for the station's 'nhicard\n"
	    "            audit verify --against'.\n"
	    "  clinic add   allow a clinic (its 10-digit 医療機関コード, named by the\n"
	    "            last word of its certificate's common name) to query.\n"
	    "  trust add    put a municipality's signing public key (PEM) in the\n"
	    "            trust list published to clinics (GET /v1/trust).\n"
	    "  insurer add  the name answered for an insurer number.\n"
	    "  queries      who asked about a card (user number, 32 hex digits):\n"
	    "            when, which clinic, the visit date and the answer.\n"
	    "  --clinic-rate N  (serve) queries a minute one clinic may make\n"
	    "            (default 600; 0: no limit); more are answered 429.\n"
	    "  --answer-key, --answer-cert  (serve) the key and certificate that\n"
	    "            sign answers and lists for clinics (default --key, --cert)\n"
	    "  --replica DB  (serve) read clinic queries' cards and periods from\n"
	    "            this replica of the store (a PostgreSQL standby); the\n"
	    "            challenges and the query log go to --db.\n"
	    "  --threads N  (serve) request threads (default 2); the store is\n"
	    "            used by one at a time, answers are signed in parallel.\n"
	    "  --admin-port N  (serve) the operators' read-only status page, GET\n"
	    "            /status, plain HTTP on 127.0.0.1 only (0: a free port;\n"
	    "            default: none); its address is logged on stderr.\n"
	    "  db migrate   apply the schema's missing migrations (a PostgreSQL\n"
	    "            store must be migrated before use; a SQLite file is on open).\n"
	    "  db version   the engine and the schema version.\n"
	    "  db backup FILE   a copy of the whole store, taken while it is in use\n"
	    "            (SQLite: a database file; PostgreSQL: pg_dump custom format).\n"
	    "  db restore FILE  replace the store's content with a backup's.\n"
	    "  The clinics' API and its contract: docs/clinic-api.md.\n"
	    "\n"
	    "  --db PATH     the center's store (default $NHICARD_CENTER_DB or\n"
	    "                ./nhicard-center.db): a SQLite file, created if missing,\n"
	    "                or PostgreSQL: 'postgresql://...' or 'pg:CONNINFO'\n"
	    "  --key, --cert the center's private key and certificate (PEM): TLS server,\n"
	    "                batch decryption, acknowledgement signatures\n"
	    "  --tls-key, --tls-cert  a separate TLS server key and certificate (its\n"
	    "                name must match the host in the stations' queue.center_url);\n"
	    "                default --key and --cert\n"
	    "  --crl FILE    (serve, import) the stations' CA's revocation list(s)\n"
	    "                (PEM or DER, signed by a --ca certificate): a batch signed\n"
	    "                or sent with a revoked certificate is refused (403,\n"
	    "                revoked_certificate); read again when the file changes\n"
	    "  --ca          the CA certificate(s) station certificates chain to (PEM);\n"
	    "                the last word of a station certificate's common name is\n"
	    "                the station id\n"
	    "\n"
	    "Exit status: 0 ok, 2 usage, 3 bad input, 5 file/store/network, 6 internal.\n");
}

static int
parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return err_set(NHI_EUSAGE, "%s %s: expected a number from %ld to %ld",
		    opt, s, lo, hi);
	*out = v;
	return 0;
}

static int
need_keys(const struct center_opts *o, const char *cmd)
{
	if (o->key == NULL || o->cert == NULL || o->ca == NULL)
		return err_set(NHI_EUSAGE, "%s needs --key, --cert and --ca", cmd);
	if ((o->tls_key == NULL) != (o->tls_cert == NULL))
		return err_set(NHI_EUSAGE, "--tls-key and --tls-cert go together");
	return 0;
}

/* The keys, and the stations' CRL when --crl names one. */
static int
keys_load(const struct center_opts *o, struct center_keys **k)
{
	struct center_crl *cl;
	int r;

	if ((r = center_keys_load(o->key, o->cert, o->ca, k)) != 0)
		return r;
	if (o->crl == NULL)
		return 0;
	if ((r = center_crl_load(o->crl, o->ca, &cl)) != 0) {
		center_keys_free(*k);
		*k = NULL;
		return r;
	}
	center_keys_set_crl(*k, cl);
	return 0;
}

static int
cmd_serve(struct center_store *cs, const struct center_opts *o)
{
	struct center_keys *k = NULL;
	struct center_http_opts ho = {
		.listen = o->listen, .port = (unsigned)o->port,
		.key_path = o->tls_key != NULL ? o->tls_key : o->key,
		.cert_path = o->tls_cert != NULL ? o->tls_cert : o->cert,
		.ca_path = o->ca,
		.max_body = (unsigned)o->max_batch,
		.clinic_rate = (unsigned)o->clinic_rate,
		.threads = (unsigned)o->threads,
		.admin_port = (int)o->admin_port,
	};
	int r;

	if ((r = need_keys(o, "serve")) != 0 ||
	    (r = keys_load(o, &k)) != 0)
		goto out;
	if ((o->answer_key == NULL) != (o->answer_cert == NULL)) {
		r = err_set(NHI_EUSAGE, "--answer-key and --answer-cert go together");
		goto out;
	}
	if (o->answer_key != NULL &&
	    (r = center_keys_answer_load(k, o->answer_key, o->answer_cert)) != 0)
		goto out;
	if (o->replica != NULL && (r = center_store_replica(cs, o->replica)) != 0)
		goto out;
	r = center_http_serve(cs, k, &ho);
out:
	center_keys_free(k);
	return r;
}

static int
name_is_batch(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".cms") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One batch file: intake, then the acknowledgement file next to it. */
static int
import_one(struct center_store *cs, const struct center_keys *k, const char *dir,
    const char *out_dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name), *data = NULL, *station = NULL;
	char *ack_path = NULL, *ack_name = NULL;
	uint8_t *ack = NULL;
	size_t len, acklen;
	int64_t serial;
	int r;

	if ((r = fs_read_file(path, DEFAULT_MAX_BATCH, &data, &len)) != 0)
		goto out;
	if ((r = center_intake_batch(cs, k, NULL, (const uint8_t *)data, len, &ack,
	    &acklen, &station, &serial)) != 0) {
		r = err_wrap(r, "%s: ", path);
		goto out;
	}
	ack_name = center_ack_file_name(station, serial);
	ack_path = xasprintf("%s/%s", out_dir, ack_name);
	if ((r = fs_write_atomic(ack_path, ack, acklen, 0600)) != 0)
		goto out;
	printf("%s: acknowledged in %s\n", name, ack_name);
	r = 0;
out:
	free(path);
	free(data);
	free(station);
	free(ack);
	free(ack_path);
	free(ack_name);
	return r;
}

static int
cmd_import(struct center_store *cs, const struct center_opts *o, const char *dir)
{
	struct center_keys *k = NULL;
	struct dirent *de;
	DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, i, failed = 0;
	int r, first = 0;

	if ((r = need_keys(o, "import")) != 0 ||
	    (r = keys_load(o, &k)) != 0)
		goto out;
	if ((d = opendir(dir)) == NULL) {
		r = err_set(NHI_ENOFILE, "import: cannot read directory %s", dir);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!name_is_batch(de->d_name))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if ((r = import_one(cs, k, dir, o->out_dir != NULL ? o->out_dir : dir,
		    names[i])) != 0) {
			fprintf(stderr, "nhicard-center: %s\n", err_text(r));
			if (failed++ == 0)
				first = r;
		}
	}
	printf("%zu batch file(s), %zu refused\n", n, failed);
	r = failed > 0 ? first : 0;
	if (failed > 0)
		err_set(r, "import: %zu of %zu batch file(s) refused (see above)",
		    failed, n);
out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	center_keys_free(k);
	return r;
}

/* The audit heads held for a station, for `nhicard audit verify --against`. */
static int
cmd_heads(struct center_store *cs, const char *station)
{
	char *text = NULL;
	int r;

	if ((r = center_store_audit_heads(cs, station, &text)) != 0)
		return r;
	fputs(text, stdout);
	free(text);
	return 0;
}

/* clinic add, trust add, insurer add, queries: the clinics' side. */
static int
cmd_register(struct center_store *cs, const char *cmd, char **argv)
{
	char hex[131], signer[17], *text = NULL;
	const char *why;
	int64_t version;
	int r;

	if (strcmp(cmd, "queries") == 0) {
		if (strlen(argv[0]) != 32 || strspn(argv[0], "0123456789abcdef") != 32)
			return err_set(NHI_EUSAGE, "queries: '%s' is not a user number"
			    " (32 lower-case hex digits)", argv[0]);
		if ((r = center_query_list(cs, argv[0], &text)) != 0)
			return r;
		fputs(*text != '\0' ? text : "no queries about this card\n", stdout);
		free(text);
		return 0;
	}
	if (strcmp(cmd, "clinic") == 0) {
		if (!center_clinic_code_ok(argv[1], &why))
			return err_set(NHI_EUSAGE, "clinic add: '%s' is not a 医療機関コード:"
			    " %s (docs/clinic-api.md)", argv[1], why);
		if ((r = center_clinic_add(cs, argv[1], argv[2])) != 0)
			return r;
		printf("clinic %s registered\n", argv[1]);
		return 0;
	}
	if (strcmp(cmd, "insurer") == 0) {
		size_t n = strlen(argv[1]);

		if ((n != 6 && n != 8) || strspn(argv[1], "0123456789") != n)
			return err_set(NHI_EUSAGE, "insurer add: '%s' is not an insurer"
			    " number (6 or 8 digits)", argv[1]);
		if ((r = center_insurer_add(cs, argv[1], argv[2])) != 0)
			return r;
		printf("insurer %s named\n", argv[1]);
		return 0;
	}
	if (strlen(argv[1]) != 6 || strspn(argv[1], "0123456789") != 6)
		return err_set(NHI_EUSAGE, "trust add: '%s' is not a municipality code"
		    " (6 digits)", argv[1]);
	if ((r = center_pubkey_load(argv[2], hex)) != 0 ||
	    (r = center_trust_add(cs, argv[1], hex, signer, &version)) != 0)
		return r;
	printf("municipality %s key %s in the trust list, version %lld\n", argv[1],
	    signer, (long long)version);
	return 0;
}

static int
cmd_status(struct center_store *cs)
{
	char *text = NULL;
	int r;

	if ((r = center_store_status(cs, &text)) != 0)
		return r;
	fputs(text, stdout);
	free(text);
	return 0;
}

static int
cmd_status_page(struct center_store *cs)
{
	struct center_status st;
	char *html;
	int r;

	if ((r = center_status_read(cs, (int64_t)time(NULL), &st)) != 0)
		return r;
	html = center_status_html(&st);
	center_status_free(&st);
	fputs(html, stdout);
	free(html);
	if (fflush(stdout) != 0)
		return err_set(NHI_EIO, "status-page: cannot write stdout");
	return 0;
}

/* db migrate | version | backup FILE | restore FILE */
static int
cmd_db(const char *target, char **argv, int argc)
{
	struct center_store *cs = NULL;
	const char *what = argc > 0 ? argv[0] : "";
	const char *engine;
	int64_t version;
	int r, applied, latest;

	if (!((strcmp(what, "migrate") == 0 || strcmp(what, "version") == 0) ?
	    argc == 1 : (strcmp(what, "backup") == 0 ||
	    strcmp(what, "restore") == 0) && argc == 2))
		return err_set(NHI_EUSAGE, "db: expected 'db migrate', 'db version',"
		    " 'db backup FILE' or 'db restore FILE'");
	if ((r = center_store_open_bare(target, &cs)) != 0)
		return r;
	if (strcmp(what, "migrate") == 0) {
		if ((r = center_store_migrate(cs, &applied)) == 0 &&
		    (r = center_store_engine(cs, &engine, &version, &latest)) == 0)
			printf("%s store: %d migration(s) applied, schema version %lld\n",
			    engine, applied, (long long)version);
	} else if (strcmp(what, "version") == 0) {
		if ((r = center_store_engine(cs, &engine, &version, &latest)) == 0)
			printf("%s store: schema version %lld of %d\n", engine,
			    (long long)version, latest);
	} else if (strcmp(what, "backup") == 0) {
		if ((r = center_store_backup(cs, argv[1])) == 0)
			printf("store backed up to %s\n", argv[1]);
	} else {
		if ((r = center_store_restore(cs, argv[1])) == 0)
			printf("store restored from %s\n", argv[1]);
	}
	center_store_close(cs);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "max-batch", required_argument, NULL, 'm' },
		{ "clinic-rate", required_argument, NULL, 'R' },
		{ "threads", required_argument, NULL, 'T' },
		{ "admin-port", required_argument, NULL, 'P' },
		{ "answer-key", required_argument, NULL, 'A' },
		{ "answer-cert", required_argument, NULL, 'B' },
		{ "replica", required_argument, NULL, 'r' },
		{ "crl", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct center_opts o = { .listen = "127.0.0.1", .port = CENTER_DEFAULT_PORT,
	    .max_batch = DEFAULT_MAX_BATCH, .clinic_rate = 600, .threads = 2,
	    .admin_port = -1 };
	struct center_store *cs = NULL;
	const char *cmd;
	int c, r;

	/* Its store holds decrypted records (insurer, 記号, 番号): for the
	 * center's user alone, as everything else it writes. */
	umask(077);
	log_init("nhicard-center");
	o.db = getenv("NHICARD_CENTER_DB");
	if (o.db == NULL || *o.db == '\0')
		o.db = "nhicard-center.db";
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		r = 0;
		switch (c) {
		case 'd': o.db = optarg; break;
		case 'k': o.key = optarg; break;
		case 'c': o.cert = optarg; break;
		case 'a': o.ca = optarg; break;
		case 'K': o.tls_key = optarg; break;
		case 'C': o.tls_cert = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'p':
			r = parse_long("--port", optarg, 0, 65535, &o.port);
			break;
		case 'm':
			r = parse_long("--max-batch", optarg, 1024, 1L << 30, &o.max_batch);
			break;
		case 'R':
			r = parse_long("--clinic-rate", optarg, 0, 10000000, &o.clinic_rate);
			break;
		case 'A':
			o.answer_key = optarg;
			break;
		case 'B':
			o.answer_cert = optarg;
			break;
		case 'r':
			o.replica = optarg;
			break;
		case 'L':
			o.crl = optarg;
			break;
		case 'T':
			r = parse_long("--threads", optarg, 1, 64, &o.threads);
			break;
		case 'P':
			r = parse_long("--admin-port", optarg, 0, 65535, &o.admin_port);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nhicard-center %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return NHI_EXIT_USAGE;
		}
		if (r != 0)
			goto fail;
	}
	if (optind >= argc) {
		usage(stderr);
		return NHI_EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "db") == 0) {
		if ((r = cmd_db(o.db, argv + optind, argc - optind)) == 0)
			return 0;
		goto fail;
	}
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "import") != 0 &&
	    strcmp(cmd, "status") != 0 && strcmp(cmd, "heads") != 0 &&
	    strcmp(cmd, "status-page") != 0 &&
	    strcmp(cmd, "clinic") != 0 && strcmp(cmd, "trust") != 0 &&
	    strcmp(cmd, "insurer") != 0 && strcmp(cmd, "queries") != 0) {
		r = err_set(NHI_EUSAGE, "unknown command '%s' (serve, import, status,"
		    " status-page, heads, clinic, trust, insurer, queries, db)", cmd);
		goto fail;
	}
	if (strcmp(cmd, "clinic") == 0 || strcmp(cmd, "trust") == 0 ||
	    strcmp(cmd, "insurer") == 0) {
		if (optind + 3 != argc || strcmp(argv[optind], "add") != 0) {
			r = err_set(NHI_EUSAGE, "%s: expected '%s add' and two arguments",
			    cmd, cmd);
			goto fail;
		}
	} else if (strcmp(cmd, "import") == 0 || strcmp(cmd, "heads") == 0 ||
	    strcmp(cmd, "queries") == 0 ? optind + 1 != argc : optind != argc) {
		r = err_set(NHI_EUSAGE, "%s: wrong number of arguments", cmd);
		goto fail;
	}
	if ((r = center_store_open(o.db, &cs)) != 0)
		goto fail;
	if (strcmp(cmd, "serve") == 0)
		r = cmd_serve(cs, &o);
	else if (strcmp(cmd, "import") == 0)
		r = cmd_import(cs, &o, argv[optind]);
	else if (strcmp(cmd, "heads") == 0)
		r = cmd_heads(cs, argv[optind]);
	else if (strcmp(cmd, "status-page") == 0)
		r = cmd_status_page(cs);
	else if (strcmp(cmd, "clinic") == 0 || strcmp(cmd, "trust") == 0 ||
	    strcmp(cmd, "insurer") == 0 || strcmp(cmd, "queries") == 0)
		r = cmd_register(cs, cmd, argv + optind);
	else
		r = cmd_status(cs);
	center_store_close(cs);
	if (r == 0)
		return 0;
fail:
	fprintf(stderr, "nhicard-center: %s\n", err_text(r));
	if (r == NHI_EUSAGE)
		fprintf(stderr, "Run 'nhicard-center --help' for usage.\n");
	return nhi_exit_code(r);
}
