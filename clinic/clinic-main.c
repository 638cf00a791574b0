/*
 * clinic-main.c: nhicard-clinic's command line (nhicard-clinic(1)):
 * check (one card), watch (card after card), update (the lists only).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "card.h"
#include "clinic.h"
#include "error.h"
#include "util.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: nhicard-clinic [options] check | watch | update\n"
	    "\n"
	    "The clinic reception's terminal: checks an NHI card in any PC/SC reader\n"
	    "(the key record's signature against the center's trust list, the card's\n"
	    "answer to a fresh challenge), asks the shared-use center whether the\n"
	    "holder is insured on the visit date, shows the answer and writes one file\n"
	    "per visit for the receipt computer. Without the center it says it is\n"
	    "offline and shows what it could check.\n"
	    "\n"
	    "  check    wait for a card, check it once, exit with the result's code\n"
	    "  watch    check each card inserted, until interrupted\n"
	    "  update   fetch the trust list and revocation list only\n"
	    "\n"
	    "  --center URL        the center (https://HOST:PORT)\n"
	    "  --cert PEM --key PEM  this clinic's TLS certificate and key; the\n"
	    "                      certificate's common name ends in its 医療機関コード\n"
	    "  --ca PEM            the CA of the center's TLS certificate\n"
	    "  --center-cert PEM   the center's signing certificate (answers, lists)\n"
	    "  --state DIR         lists and last answers kept here (./nhicard-clinic)\n"
	    "  --out DIR           the receipt computer's folder (*.visit files)\n"
	    "  --reader NAME       only this reader (default: any)\n"
	    "  --config FILE       nhicard configuration for card.* (AIDs, ATRs)\n"
	    "  --date YYYY-MM-DD   the visit date (default today)\n"
	    "  --wait SECONDS      for a card (default 60)\n"
	    "  --timeout SECONDS   for the center (default 5), then offline\n"
	    "\n"
	    "Exit status: 0 insured, 2 usage, 4 card or reader, 5 files or keys,\n"
	    "10 not insured, 11 revoked, 12 forged card, 13 copied card, 14 unknown\n"
	    "municipality, 20 offline (the center did not answer), 21 refused by the\n"
	    "center. docs/clinic-api.md.\n");
}

static int
num(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		err_set(NHI_EUSAGE, "%s %s: expected a number from %ld to %ld", opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "center", required_argument, NULL, 'u' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'a' },
		{ "center-cert", required_argument, NULL, 'C' },
		{ "state", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "reader", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'f' },
		{ "date", required_argument, NULL, 'd' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct clinic_opts o = { .state_dir = "nhicard-clinic", .wait_s = 60,
	    .timeout_s = 5 };
	struct clinic_net *net = NULL;
	struct clinic_state st;
	const char *cmd;
	struct tm tm;
	int c, code;

	memset(&st, 0, sizeof(st));
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o.center_url = optarg; break;
		case 'c': o.cert = optarg; break;
		case 'k': o.key = optarg; break;
		case 'a': o.ca = optarg; break;
		case 'C': o.center_cert = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'r': o.reader = optarg; break;
		case 'f': o.config = optarg; break;
		case 'd':
			memset(&tm, 0, sizeof(tm));
			if (strlen(optarg) != 10 || strptime(optarg, "%Y-%m-%d", &tm) == NULL) {
				fprintf(stderr, "nhicard-clinic: --date %s: not YYYY-MM-DD\n",
				    optarg);
				return CLINIC_EXIT_USAGE;
			}
			o.visit_date = optarg;
			break;
		case 'w':
			if (num("--wait", optarg, 0, 86400, &o.wait_s) != 0)
				goto usage_err;
			break;
		case 't':
			if (num("--timeout", optarg, 1, 600, &o.timeout_s) != 0)
				goto usage_err;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nhicard-clinic %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return CLINIC_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return CLINIC_EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "watch") != 0 &&
	    strcmp(cmd, "update") != 0) {
		err_set(NHI_EUSAGE, "unknown command '%s' (check, watch, update)", cmd);
		goto usage_err;
	}
	if (o.center_url == NULL || o.cert == NULL || o.key == NULL || o.ca == NULL ||
	    o.center_cert == NULL) {
		err_set(NHI_EUSAGE, "--center, --cert, --key, --ca and --center-cert are"
		    " needed");
		goto usage_err;
	}
	if (o.out_dir != NULL && mkdir(o.out_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "nhicard-clinic: --out %s: cannot create: %s\n", o.out_dir,
		    strerror(errno));
		return CLINIC_EXIT_SYSTEM;
	}
	if (clinic_net_open(&o, &net) != 0 || clinic_state_load(o.state_dir, &st) != 0) {
		fprintf(stderr, "nhicard-clinic: %s\n", err_detail());
		code = CLINIC_EXIT_SYSTEM;
		goto out;
	}
	if (strcmp(cmd, "update") == 0) {
		long status = 0;
		char *content = NULL, path[64];
		int r;

		if ((r = clinic_net_call(net, "/v1/trust", NULL, &status, &content, NULL,
		    NULL)) == 0 && status == 200 &&
		    (r = clinic_state_take_trust(&st, content)) == 0) {
			free(content);
			content = NULL;
			snprintf(path, sizeof(path), "/v1/revoked?since=%lld",
			    (long long)st.revoked_version);
			if ((r = clinic_net_call(net, path, NULL, &status, &content, NULL,
			    NULL)) == 0 && status == 200)
				r = clinic_state_take_revoked(&st, content);
		}
		free(content);
		if (r != 0 || status != 200) {
			fprintf(stderr, "nhicard-clinic: update: %s\n", r != 0 ?
			    err_text(r) : "the center refused");
			code = r != 0 ? CLINIC_OFFLINE : CLINIC_REFUSED;
			goto out;
		}
		printf("trust list version %lld (%zu keys), revocation list version %lld"
		    " (%zu revoked)\n", (long long)st.trust_version, st.nkeys,
		    (long long)st.revoked_version, st.nrevoked);
		code = 0;
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "check") == 0) {
		code = clinic_check(&o, net, &st, stdout);
		goto out;
	}
	/* watch: a check per card; wait for it to leave before the next. */
	o.wait_s = 86400;
	for (;;) {
		char **names = NULL;
		size_t n = 0, i;
		int any = 1, present;
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		code = clinic_check(&o, net, &st, stdout);
		printf("result: %d\n", code);
		while (any) {
			any = 0;
			if (card_list_readers(&names, &n) == 0) {
				for (i = 0; i < n; i++) {
					if ((o.reader == NULL || strcmp(o.reader, names[i]) == 0) &&
					    card_reader_present(names[i], &present) == 0 &&
					    present)
						any = 1;
					free(names[i]);
				}
				free(names);
			}
			if (any)
				nanosleep(&ts, NULL);
		}
	}
out:
	clinic_net_close(net);
	clinic_state_free(&st);
	return code;
usage_err:
	fprintf(stderr, "nhicard-clinic: %s\nRun 'nhicard-clinic --help' for usage.\n",
	    err_detail());
	return CLINIC_EXIT_USAGE;
}
