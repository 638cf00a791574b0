/*
 * card-bench.c: personalization through pcscd and the emulator, many
 * cards in one process (bench/card.sh). For each card it starts
 * nhicard-cardsim on a fresh card state file, waits until the card is in
 * the reader (untimed), then times card_personalize (all APDUs, the
 * crypto and the store commits). With --replay it runs every card with
 * a fixed serial and card challenge (the emulator's test build,
 * cardsim/nhicard-cardsim-test: -o serial= -o fixed-challenge=), then
 * replays the same command bytes on a second fresh card with the same
 * serial and challenge through the transport alone (no station crypto, no
 * store) and times that: the card accepts EXTERNAL AUTHENTICATE and does
 * all of its own work (key generation, writes, signature), and every
 * replayed answer must carry the status word the station's run got, or
 * the bench fails (--replay-fault gives the second card another challenge,
 * for the test that shows it). That replay is the floor of a personalization: what the
 * card and transport cost without the station. With --record FILE it runs one card
 * with the fixed test values of struct perso_request and writes the APDU
 * transcript (tests/data/perso-*.apdu, the format of card-script.c).
 *
 * usage: card-bench --config CONF --db DB --reader NAME --cardsim PATH
 *            --dir DIR --kind juki|juki-new|standalone [--count N] [--replay]
 *            [--replay-fault]
 *            [--record FILE] [--port PORT] [--pcsc-wait PATH]
 * Prints "apdus N", "ms_per_card X" and with --replay "replay_ms X" and
 * "ratio X" (ms_per_card over replay_ms).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "card.h"
#include "card-perso.h"
#include "error.h"
#include "nhiconf.h"
#include "store.h"
#include "util.h"

#define BENCH_MAX_APDUS	32

static FILE *record_fp;
static const struct card_ops *real_ops;
static struct card_ops record_ops;
/* The last run's command bytes and status words, for the replay. */
static uint8_t raw_cmd[BENCH_MAX_APDUS][600];
static size_t raw_len[BENCH_MAX_APDUS], raw_count;
static uint64_t transmit_ns;	/* in the station's runs */
static unsigned raw_sw[BENCH_MAX_APDUS];
static int raw_overflow;

static void
put_hex(FILE *fp, const char *tag, const uint8_t *b, size_t n)
{
	size_t i;

	fprintf(fp, "%s", tag);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%02x", i == 0 ? " " : (i % 32 == 0 ? "" : ""), b[i]);
	fprintf(fp, "\n");
}

static int
record_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
    size_t *resplen)
{
	uint64_t t0 = time_mono_ns();
	int r;

	r = real_ops->transmit(card, cmd, cmdlen, resp, resplen);
	transmit_ns += time_mono_ns() - t0;
	if (raw_count < BENCH_MAX_APDUS && cmdlen <= sizeof(raw_cmd[0])) {
		memcpy(raw_cmd[raw_count], cmd, cmdlen);
		raw_sw[raw_count] = r == 0 && *resplen >= 2 ?
		    (unsigned)resp[*resplen - 2] << 8 | resp[*resplen - 1] : 0;
		raw_len[raw_count++] = cmdlen;
	} else
		raw_overflow = 1;
	if (record_fp != NULL) {
		put_hex(record_fp, ">", cmd, cmdlen);
		if (r == 0)
			put_hex(record_fp, "<", resp, *resplen);
		else
			fprintf(record_fp, "!removed\n");
	}
	return r;
}

/* The process's CPU time (user and system), ms. */
static double
cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double
now_ms(void)
{
	return (double)time_mono_ns() / 1e6;
}

/* With --replay: the serial of card n and the fixed card challenge, as
 * emulator options ("" without). */
static char o_serial[64], o_fixed[64];

static pid_t
sim_start(const char *cardsim, const char *file, const char *kind, const char *name,
    const char *keys, const char *port)
{
	char o_name[256], o_keys[512];
	const char *fixed = o_fixed[0] != '\0' ? "-o" : NULL;
	pid_t pid;

	snprintf(o_name, sizeof(o_name), "name=%s", name);
	snprintf(o_keys, sizeof(o_keys), "keys=%s", keys);
	if ((pid = fork()) < 0)
		fatal("fork failed");
	if (pid == 0) {
		char log[600];
		FILE *fp;

		snprintf(log, sizeof(log), "%s.log", file);
		if ((fp = freopen(log, "a", stderr)) == NULL)
			_exit(126);
		if (strcmp(kind, "standalone") == 0)
			execl(cardsim, cardsim, "--card", file, "--kind", kind, "-o", o_keys,
			    "--port", port, "--connect-timeout", "10", fixed, o_serial, fixed,
			    o_fixed, (char *)NULL);
		else
			execl(cardsim, cardsim, "--card", file, "--kind", kind, "-o", o_name,
			    "-o", "birth=19800401", "-o", "sex=1", "-o",
			    "address=東京都千代田区千代田1-1", "-o", "municipality=131016",
			    "-o", o_keys, "--port", port, "--connect-timeout", "10", fixed,
			    o_serial, fixed, o_fixed, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static const char *pcsc_wait = "tests/pcsc-wait";

/* Run tests/pcsc-wait for `what` (card, nocard) on the reader (untimed). */
static int
wait_reader(const char *what, const char *reader)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0)
		fatal("fork failed");
	if (pid == 0) {
		execl(pcsc_wait, pcsc_wait, "--timeout", "10", what, reader, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(NHI_ETIMEOUT, "%s: waiting for '%s' in '%s' failed", pcsc_wait,
		    what, reader);
	return 0;
}

/* End the emulator and wait until pcscd saw the card go (untimed). */
static void
sim_stop(pid_t pid, const char *reader)
{
	kill(pid, SIGTERM);
	(void)waitpid(pid, NULL, 0);
	(void)wait_reader("nocard", reader);
	err_clear();
}

/* Connect once pcscd sees the card (untimed). */
static int
wait_card(const char *reader, struct card **out)
{
	int r;

	if ((r = wait_reader("card", reader)) != 0)
		return r;
	return card_connect(reader, out);
}

/* A new resident whose four items are the emulator's card's. */
static int
add_resident(struct store *st, const char *name, int64_t *id)
{
	struct resident r;
	int e;

	memset(&r, 0, sizeof(r));
	r.name_kanji = (char *)name;
	r.name_kana = (char *)"シケン タロウ";
	snprintf(r.birth_date, sizeof(r.birth_date), "1980-04-01");
	r.sex = 1;
	r.address = (char *)"東京都千代田区千代田1-1";
	r.household_code = (char *)"";
	r.nationality = (char *)"";
	r.residence_status = (char *)"";
	if ((e = store_resident_add(st, &r)) != 0)
		return e;
	*id = r.id;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "reader", required_argument, NULL, 'r' },
		{ "cardsim", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'D' },
		{ "kind", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },
		{ "replay", no_argument, NULL, 'R' },
		{ "replay-fault", no_argument, NULL, 'F' },
		{ "record", required_argument, NULL, 'w' },
		{ "port", required_argument, NULL, 'p' },
		{ "pcsc-wait", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	static const uint8_t host_chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static uint8_t user_number[16], challenge[32], signature[64];
	const char *conf = NULL, *db = NULL, *reader = NULL, *cardsim = NULL, *dir = NULL;
	const char *kind = "juki", *record = NULL, *port = "35963";
	struct config *cfg = config_new();
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct store *st = NULL;
	struct perso_request req;
	struct perso_result res;
	struct card *card = NULL;
	double t0, c0, total = 0, replay_total = 0, cpu_total = 0;
	char file[512], name[64];
	uint8_t resp[600];
	size_t resplen, i, bad;
	long count = 20, n;
	unsigned sw = 0;
	int c, r, replay = 0, replay_fault = 0;
	pid_t pid;

	log_init("card-bench");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'd': db = optarg; break;
		case 'r': reader = optarg; break;
		case 's': cardsim = optarg; break;
		case 'D': dir = optarg; break;
		case 'k': kind = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'R': replay = 1; break;
		case 'F': replay = replay_fault = 1; break;
		case 'w': record = optarg; count = 1; break;
		case 'p': port = optarg; break;
		case 'W': pcsc_wait = optarg; break;
		default:
			fprintf(stderr, "card-bench: bad option\n");
			return 2;
		}
	}
	if (conf == NULL || db == NULL || cardsim == NULL || dir == NULL || count < 1) {
		fprintf(stderr, "usage: card-bench --config CONF --db DB --cardsim PATH --dir DIR"
		    " [--reader NAME] [--kind K] [--count N] [--replay] [--record FILE]\n");
		return 2;
	}
	memset(user_number, 0x11, sizeof(user_number));
	memset(challenge, 0x22, sizeof(challenge));
	memset(signature, 0x33, sizeof(signature));
	memset(&req, 0, sizeof(req));
	if ((r = config_load(cfg, conf)) != 0 || (r = card_profile_load(cfg, &prof)) != 0 ||
	    (r = card_keys_load(cfg, &prof, &keys)) != 0 ||
	    (r = store_open(db, 0, &st)) != 0)
		goto out;
	req.prof = &prof;
	req.store = st;
	req.keys = keys;
	req.path = strcmp(kind, "standalone") == 0 ? PERSO_PATH_STANDALONE :
	    strcmp(kind, "juki-new") == 0 ? PERSO_PATH_NEW_JUKI : PERSO_PATH_EXISTING;
	snprintf(req.issue_date, sizeof(req.issue_date), "20250401");
	if (record != NULL) {
		req.test_host_challenge = host_chal;
		req.test_user_number = user_number;
		req.test_challenge = challenge;
		req.test_signature = signature;
		if ((record_fp = fopen(record, "w")) == NULL)
			fatal("cannot write %s", record);
	}
	for (n = 0; n < count; n++) {
		snprintf(name, sizeof(name), "試験 太郎%ld", n);
		if ((r = add_resident(st, name, &req.resident_id)) != 0)
			goto out;
		req.person.name = name;
		req.person.birth_date = "1980-04-01";
		req.person.sex = 1;
		req.person.address = "東京都千代田区千代田1-1";
		snprintf(file, sizeof(file), "%s/card-%ld", dir, n);
		if (replay) {
			/* Both cards of round n: the same serial and challenge. */
			snprintf(o_serial, sizeof(o_serial), "serial=4e484942454e%08lx", n);
			snprintf(o_fixed, sizeof(o_fixed), "fixed-challenge=%016lx",
			    0x0123456789abcdefUL ^ (unsigned long)n);
		}
		pid = sim_start(cardsim, file, kind, name, config_get(cfg, "keys.dir", "keys"),
		    port);
		if ((r = wait_card(reader, &card)) != 0) {
			sim_stop(pid, reader);
			goto out;
		}
		real_ops = card->ops;
		record_ops = *card->ops;
		record_ops.transmit = record_transmit;
		card->ops = &record_ops;
		raw_count = 0;
		if (record_fp != NULL) {
			fprintf(record_fp, "# %s card personalized by card-bench --record with the"
			    " fixed test values\n!atr", kind);
			put_hex(record_fp, "", card->atr, card->atrlen);
		}
		t0 = now_ms();
		c0 = cpu_ms();
		r = card_personalize(card, &req, &res);
		total += now_ms() - t0;
		cpu_total += cpu_ms() - c0;
		card->ops = real_ops;
		card_close(card);
		card = NULL;
		sim_stop(pid, reader);
		if (r != 0)
			goto out;
		if (replay) {
			if (raw_overflow) {
				r = err_set(NHI_ERANGE, "the personalization sent more than %d APDUs"
				    " or one over %zu bytes: cannot replay it", BENCH_MAX_APDUS,
				    sizeof(raw_cmd[0]));
				goto out;
			}
			snprintf(file, sizeof(file), "%s/replay-%ld", dir, n);
			/* For the test that a replay the card refuses fails. */
			if (replay_fault)
				snprintf(o_fixed, sizeof(o_fixed), "fixed-challenge=%016lx",
				    0xfedcba9876543210UL ^ (unsigned long)n);
			pid = sim_start(cardsim, file, kind, name, config_get(cfg, "keys.dir",
			    "keys"), port);
			if ((r = wait_card(reader, &card)) != 0) {
				sim_stop(pid, reader);
				goto out;
			}
			t0 = now_ms();
			for (i = 0, bad = 0; i < raw_count && r == 0 && bad == 0; i++) {
				resplen = sizeof(resp);
				r = card->ops->transmit(card, raw_cmd[i], raw_len[i], resp, &resplen);
				sw = r == 0 && resplen >= 2 ?
				    (unsigned)resp[resplen - 2] << 8 | resp[resplen - 1] : 0;
				/* The card must do what it did for the station. */
				if (r == 0 && sw != raw_sw[i])
					bad = i + 1;
			}
			replay_total += now_ms() - t0;
			card_close(card);
			card = NULL;
			sim_stop(pid, reader);
			if (r == 0 && bad != 0)
				r = err_set(NHI_ECARD_SW, "replay of card %ld: APDU %zu of %zu (INS "
				    "%02X) answered %04X, the station's run %04X: the card did not "
				    "accept the replay (is %s the emulator's test build?)", n + 1,
				    bad, raw_count, raw_cmd[bad - 1][1], sw, raw_sw[bad - 1],
				    cardsim);
			if (r != 0)
				goto out;
		}
	}
	printf("apdus %lu\n", res.apdus);
	printf("ms_per_card %.3f\n", total / count);
	/* Where it goes: waiting for the card's answers (the transport and
	 * the card), and the station's own CPU time (the rest is mostly the
	 * store's fsyncs). */
	printf("transmit_ms %.3f\nstation_cpu_ms %.3f\n",
	    (double)transmit_ns / 1e6 / count, cpu_total / count);
	if (replay)
		printf("replay_ms %.3f\nratio %.3f\n", replay_total / count,
		    total / replay_total);
	r = 0;
out:
	if (r != 0)
		fprintf(stderr, "card-bench: %s\n", err_text(r));
	if (record_fp != NULL)
		fclose(record_fp);
	card_close(card);
	card_keys_free(keys);
	store_close(st);
	config_free(cfg);
	return r == 0 ? 0 : 1;
}
