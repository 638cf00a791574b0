/*
 * main.c: nhicard-cardsim: a smart card emulator that plugs into pcscd
 * through vsmartcard's vpcd reader driver, for tests, benchmarks and
 * clerk training.
 *
 * One process is one card in one reader: starting it inserts the card,
 * ending it (or closing the connection) removes it. The card's state lives
 * in a file (--card) rewritten after every change, so the same card can be
 * removed and inserted again. Faults can be injected on request so tests
 * can observe torn, slow and failing cards from the station's side.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cardsim.h"
#include "error.h"
#include "util.h"
#include "crypto-agent.h"

#define MAX_FAILS	32

struct fail_rule {
	unsigned long	 n;
	uint16_t	 sw;
};

struct sim {
	const struct sim_os	*os;
	void			*card;
	const char		*state_path;
	uint8_t			 atr[SIM_ATR_MAX];
	size_t			 atrlen;
	int			 verbose;
	unsigned long		 apdus;		/* APDUs received since insertion */
	unsigned long		 tear_after, tear_after_exec, corrupt_resp;
	long			 delay_ms;
	unsigned long		 slow_n;	/* --slow-apdu N:MS */
	long			 slow_ms;
	struct fail_rule	 fails[MAX_FAILS];
	size_t			 nfails;
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
	    "usage: nhicard-cardsim [--card FILE] [--kind NAME] [-o KEY=VALUE]...\n"
	    "           [--host HOST] [--port PORT] [--connect-timeout SEC] [--atr HEX]\n"
	    "           [--tear-after N] [--tear-after-exec N] [--delay-ms MS]\n"
	    "           [--slow-apdu N:MS]\n"
	    "           [--fail-apdu N:SW]... [--corrupt-resp N] [--verbose]\n"
	    "       nhicard-cardsim --inspect FILE\n"
	    "\n"
	    "Plays one smart card in pcscd's vpcd virtual reader until the reader\n"
	    "closes the connection, a fault option tears it, or a signal arrives.\n"
	    "--inspect FILE prints the card kept in FILE (no private keys) and exits.\n"
	    "See nhicard-cardsim(1).\n\nCard kinds (--kind):\n");
	for (i = 0; sim_os_table[i] != NULL; i++)
		fprintf(fp, "  %-10s %s\n  %-10s options: %s\n", sim_os_table[i]->name,
		    sim_os_table[i]->summary, "", sim_os_table[i]->options);
}

/* --inspect FILE: print a card state file for people, then exit. */
static int
inspect(const char *path)
{
	const struct sim_os *os;
	char *kind = NULL, *text = NULL;
	void *card = NULL;
	size_t len;
	int r, existed = 0;

	if ((r = sim_state_kind(path, &kind)) != 0)
		goto out;
	if ((os = sim_os_find(kind)) == NULL) {
		r = err_set(NHI_EPARSE, "%s: unknown card kind '%s'", path, kind);
		goto out;
	}
	if (os->show == NULL) {
		if ((r = fs_read_file(path, 1 << 20, &text, &len)) == 0)
			fwrite(text, 1, len, stdout);
		goto out;
	}
	card = os->create();
	if ((r = sim_state_load(path, os, card, &existed)) != 0)
		goto out;
	printf("kind %s\n", kind);
	os->show(card, stdout);
out:
	if (card != NULL)
		os->free(card);
	free(kind);
	free(text);
	if (r != 0) {
		fprintf(stderr, "nhicard-cardsim: %s\n", err_text(r));
		return nhi_exit_code(r);
	}
	return 0;
}

static int
parse_count(const char *opt, const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || v == 0 || v > 100000000UL)
		return err_set(NHI_EUSAGE, "--%s %s: expected a positive APDU number", opt, s);
	*out = v;
	return 0;
}

static int
parse_fail(struct sim *sim, const char *s)
{
	const char *colon = strchr(s, ':');
	char *nstr;
	uint8_t sw[2];
	int r;

	if (sim->nfails == MAX_FAILS)
		return err_set(NHI_EUSAGE, "--fail-apdu: at most %d", MAX_FAILS);
	if (colon == NULL)
		return err_set(NHI_EUSAGE, "--fail-apdu %s: expected N:SW (e.g. 3:6982)", s);
	nstr = xstrndup(s, (size_t)(colon - s));
	r = parse_count("fail-apdu", nstr, &sim->fails[sim->nfails].n);
	free(nstr);
	if (r != 0)
		return r;
	if (strlen(colon + 1) != 4 || hex_decode(colon + 1, sw, sizeof(sw)) != 2)
		return err_set(NHI_EUSAGE, "--fail-apdu %s: SW must be 4 hex digits", s);
	sim->fails[sim->nfails++].sw = (uint16_t)(sw[0] << 8 | sw[1]);
	return 0;
}

/* --slow-apdu N:MS: APDU N takes MS milliseconds (a key generation). */
static int
parse_slow(struct sim *sim, const char *s)
{
	const char *colon = strchr(s, ':');
	char *nstr, *end;
	long ms;
	int r;

	if (colon == NULL)
		return err_set(NHI_EUSAGE, "--slow-apdu %s: expected N:MS (e.g. 8:3000)", s);
	nstr = xstrndup(s, (size_t)(colon - s));
	r = parse_count("slow-apdu", nstr, &sim->slow_n);
	free(nstr);
	if (r != 0)
		return r;
	ms = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || ms < 0 || ms > 600000)
		return err_set(NHI_EUSAGE, "--slow-apdu %s: MS must be 0 to 600000", s);
	sim->slow_ms = ms;
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void
log_apdu(const struct sim *sim, const char *dir, const uint8_t *p, size_t len)
{
	char *hex;

	if (!sim->verbose)
		return;
	hex = xmalloc(2 * len + 1);
	hex_encode(p, len, hex);
	fprintf(stderr, "cardsim: %s %s\n", dir, hex);
	free(hex);
}

/*
 * Handle one APDU. Returns 1 to answer (resp filled), 0 to tear (drop the
 * connection without answering), or an error.
 */
static int
handle_apdu(struct sim *sim, const uint8_t *cmd, size_t len, uint8_t *resp,
    size_t *resplen)
{
	unsigned long n = ++sim->apdus;
	size_t i;
	int changed = 0, r;

	log_apdu(sim, ">", cmd, len);
	if (sim->tear_after == n) {
		fprintf(stderr, "cardsim: torn at APDU %lu, before executing it\n", n);
		return 0;
	}
	if (sim->delay_ms > 0)
		sleep_ms(sim->delay_ms);
	if (sim->slow_n == n && sim->slow_ms > 0)
		sleep_ms(sim->slow_ms);
	for (i = 0; i < sim->nfails; i++) {
		if (sim->fails[i].n == n) {
			resp[0] = (uint8_t)(sim->fails[i].sw >> 8);
			resp[1] = (uint8_t)sim->fails[i].sw;
			*resplen = 2;
			log_apdu(sim, "< (injected)", resp, 2);
			return 1;
		}
	}
	sim->os->apdu(sim->card, cmd, len, resp, resplen, &changed);
	if (changed && sim->state_path != NULL &&
	    (r = sim_state_save(sim->state_path, sim->os, sim->card)) != 0)
		return r;
	if (sim->tear_after_exec == n) {
		fprintf(stderr, "cardsim: torn at APDU %lu, after executing it\n", n);
		return 0;
	}
	if (sim->corrupt_resp == n && *resplen > 2)
		resp[*resplen - 3] ^= 0x01;	/* last data byte: a MAC's tail */
	log_apdu(sim, "<", resp, *resplen);
	return 1;
}

/* Serve vpcd until it closes, we tear, or a signal. */
static int
serve(struct sim *sim, int fd)
{
	uint8_t *buf = xmalloc(SIM_APDU_MAX), *resp = xmalloc(SIM_RESP_MAX);
	size_t resplen;
	long n;
	int r;

	for (;;) {
		if ((n = vpcd_recv(fd, buf, SIM_APDU_MAX)) <= 0) {
			r = (int)n;
			if (n == 0 && sim->verbose)
				fprintf(stderr, "cardsim: reader closed the connection\n");
			break;
		}
		if (n == 1) {
			if (sim->verbose)
				fprintf(stderr, "cardsim: control %s\n", buf[0] == 0 ?
				    "power off" : buf[0] == 1 ? "power on" : buf[0] == 2 ?
				    "reset" : buf[0] == 4 ? "get ATR" : "unknown");
			switch (buf[0]) {
			case 0x00:
				sim->os->power(sim->card, SIM_POWER_OFF);
				continue;
			case 0x01:
				sim->os->power(sim->card, SIM_POWER_ON);
				continue;
			case 0x02:
				sim->os->power(sim->card, SIM_POWER_RESET);
				continue;
			case 0x04:
				if ((r = vpcd_send(fd, sim->atr, sim->atrlen)) != 0)
					goto out;
				continue;
			default:
				fprintf(stderr, "cardsim: ignoring unknown control 0x%02x\n",
				    buf[0]);
				continue;
			}
		}
		if ((r = handle_apdu(sim, buf, (size_t)n, resp, &resplen)) < 0)
			break;
		if (r == 0)
			break;		/* torn: the caller closes the socket */
		if ((r = vpcd_send(fd, resp, resplen)) != 0)
			break;
	}
out:
	free(buf);
	free(resp);
	return r;
}

static long
parse_long(const char *opt, const char *s, long min, long max, int *bad)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		err_set(NHI_EUSAGE, "--%s %s: expected a number from %ld to %ld", opt, s,
		    min, max);
		*bad = 1;
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "kind", required_argument, NULL, 'k' },
		{ "option", required_argument, NULL, 'o' },
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "atr", required_argument, NULL, 'A' },
		{ "tear-after", required_argument, NULL, 't' },
		{ "tear-after-exec", required_argument, NULL, 'x' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "fail-apdu", required_argument, NULL, 'f' },
		{ "slow-apdu", required_argument, NULL, 'S' },
		{ "corrupt-resp", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "inspect", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sim sim;
	const char *kind = NULL, *host = "127.0.0.1", *port = "35963", *atr_hex = NULL;
	char **opts = NULL, *file_kind = NULL, *eq;
	size_t nopts = 0, i;
	long timeout_s = 10;
	int c, r = 0, fd = -1, bad = 0, existed = 0, changed = 0, n;

	memset(&sim, 0, sizeof(sim));
	log_init("nhicard-cardsim");
	/* A card made from a production-shaped (wrapped) key store asks the
	 * station's key agent (docs/keys.md 4.6). */
	crypto_agent_set_socket(getenv("NHICARD_KEY_AGENT_SOCKET"));
	while ((c = getopt_long(argc, argv, "c:k:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			sim.state_path = optarg;
			break;
		case 'k':
			kind = optarg;
			break;
		case 'o':
			opts = xreallocarray(opts, nopts + 1, sizeof(*opts));
			opts[nopts++] = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'T':
			timeout_s = parse_long("connect-timeout", optarg, 0, 3600, &bad);
			break;
		case 'A':
			atr_hex = optarg;
			break;
		case 't':
			bad |= parse_count("tear-after", optarg, &sim.tear_after) != 0;
			break;
		case 'x':
			bad |= parse_count("tear-after-exec", optarg, &sim.tear_after_exec) != 0;
			break;
		case 'C':
			bad |= parse_count("corrupt-resp", optarg, &sim.corrupt_resp) != 0;
			break;
		case 'd':
			sim.delay_ms = parse_long("delay-ms", optarg, 0, 600000, &bad);
			break;
		case 'f':
			bad |= parse_fail(&sim, optarg) != 0;
			break;
		case 'S':
			bad |= parse_slow(&sim, optarg) != 0;
			break;
		case 'v':
			sim.verbose = 1;
			break;
		case 'I':
			return inspect(optarg);
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nhicard-cardsim %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return NHI_EXIT_USAGE;
		}
		if (bad) {
			fprintf(stderr, "nhicard-cardsim: %s\n", err_text(NHI_EUSAGE));
			return NHI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nhicard-cardsim: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return NHI_EXIT_USAGE;
	}

	/* The kind: --kind, else the state file's, else the default. */
	if (sim.state_path != NULL &&
	    (r = sim_state_kind(sim.state_path, &file_kind)) != 0 && r != NHI_ENOFILE)
		goto out;
	r = 0;
	if (kind == NULL)
		kind = file_kind != NULL ? file_kind : sim_os_table[0]->name;
	if ((sim.os = sim_os_find(kind)) == NULL) {
		r = err_set(NHI_EUSAGE, "unknown card kind '%s'; see --help", kind);
		goto out;
	}
	sim.card = sim.os->create();
	if (sim.state_path != NULL &&
	    (r = sim_state_load(sim.state_path, sim.os, sim.card, &existed)) != 0)
		goto out;
	for (i = 0; i < nopts; i++) {
		if ((eq = strchr(opts[i], '=')) == NULL) {
			r = err_set(NHI_EUSAGE, "-o %s: expected KEY=VALUE", opts[i]);
			goto out;
		}
		*eq = '\0';
		if ((r = sim.os->option(sim.card, opts[i], eq + 1, &changed)) != 0)
			goto out;
	}
	if (sim.state_path != NULL && (changed || !existed) &&
	    (r = sim_state_save(sim.state_path, sim.os, sim.card)) != 0)
		goto out;
	if (atr_hex != NULL) {
		if ((n = hex_decode(atr_hex, sim.atr, sizeof(sim.atr))) < 2) {
			r = err_set(NHI_EUSAGE, "--atr %s: expected 2 to %d bytes of hex",
			    atr_hex, SIM_ATR_MAX);
			goto out;
		}
		sim.atrlen = (size_t)n;
	} else
		sim.atrlen = sim.os->atr(sim.card, sim.atr);

	/* SIGTERM keeps its default: the state file is always complete (it is
	 * rewritten atomically before each answer), so being killed at any
	 * moment is a clean card removal. */
	signal(SIGPIPE, SIG_IGN);

	if ((fd = vpcd_connect(host, port, timeout_s * 1000)) < 0) {
		r = fd;
		goto out;
	}
	if (sim.verbose)
		fprintf(stderr, "cardsim: %s card inserted via %s:%s\n", sim.os->name, host,
		    port);
	r = serve(&sim, fd);
out:
	if (fd >= 0)
		close(fd);
	if (sim.card != NULL)
		sim.os->free(sim.card);
	free(opts);
	free(file_kind);
	if (r != 0) {
		fprintf(stderr, "nhicard-cardsim: %s\n", err_text(r));
		return nhi_exit_code(r);
	}
	return 0;
}
