/*
 * bureau-main.c: nhicard-bureau, the reference card bureau for tests and
 * training (docs/bureau.md; the loop is docs/batch.md "The bureau's
 * loop"). It does what a bureau's machine does with one blank standalone
 * card in a PC/SC reader, one card per run:
 *
 *   keys   open the station's export (the bureau's key; the station's
 *          signature checked against its CA), take the record SEQ, key
 *          the card (transport keys, PUT KEY, town area, NHI AP in LCS 01,
 *          GENERATE KEY PAIR) and write the keys file: the card's serial
 *          and public key, signed by the bureau, encrypted to the station.
 *   write  open the station's signed records, take record SEQ, check that
 *          the card in the reader is the one keyed for it, PUT DATA the
 *          record as signed, ACTIVATE, read back and challenge; write the
 *          result file (made, or undeliverable with --undeliverable).
 *
 * It has no municipality signing key and refuses to run unless the
 * configuration says station.mode = test: never for production.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "card-perso.h"
#include "crypto-cms.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

struct opts {
	const char	*config, *reader, *out;
	long		 seq;
	int		 undeliverable;
};

static int
usage(void)
{
	fprintf(stderr, "usage: nhicard-bureau --config FILE --reader NAME --seq SEQ -o OUT"
	    " keys EXPORT\n"
	    "       nhicard-bureau --config FILE --reader NAME --seq SEQ -o OUT"
	    " [--undeliverable] write RECORDS\n"
	    "Test and training only (docs/bureau.md).\n");
	return 2;
}

static int
die(int r)
{
	fprintf(stderr, "nhicard-bureau: %s\n", err_text(r));
	return r == NHI_EUSAGE ? 2 : 1;
}

/* The bureau's side of the configuration: [bureau] key, cert, station_ca,
 * station_cert, station_fingerprint. */
static int
need(const struct config *cfg, const char *key, const char **out)
{
	if ((*out = config_get(cfg, key, NULL)) == NULL)
		return err_set(NHI_ECONFIG, "the configuration needs %s", key);
	return 0;
}

/* Open a file from the station: decrypt with the bureau's key, verify the
 * station's signature against its CA. */
static int
open_station_file(const struct config *cfg, const char *path, char **text)
{
	const char *key, *cert, *ca;
	char *der = NULL;
	uint8_t *content = NULL;
	size_t len = 0, clen = 0;
	char fp[65];
	int r;

	if ((r = need(cfg, "bureau.key", &key)) != 0 || (r = need(cfg, "bureau.cert", &cert)) != 0 ||
	    (r = need(cfg, "bureau.station_ca", &ca)) != 0 ||
	    (r = fs_read_file(path, 256u << 20, &der, &len)) != 0 ||
	    (r = crypto_cms_open(key, cert, ca, (const uint8_t *)der, len, path, &content, &clen, fp)) != 0) {
		free(der);
		return r;
	}
	free(der);
	*text = (char *)content;
	return 0;
}

/* The header value of "KEY VALUE" in text, into buf. */
static int
header_value(const char *text, const char *key, char *buf, size_t n)
{
	const char *p = text;
	size_t k = strlen(key), l;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, k) == 0 && p[k] == ' ') {
			l = strcspn(p + k + 1, "\n");
			if (l >= n)
				break;
			memcpy(buf, p + k + 1, l);
			buf[l] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return err_set(NHI_EPARSE, "the station's file has no %s line", key);
}

/* Field `i` (0-based, TAB separated) of the record line SEQ, into buf. */
static int
record_field(const char *text, long seq, int i, char *buf, size_t n)
{
	char want[32];
	const char *p = text, *f, *e;
	size_t l;
	int j;

	snprintf(want, sizeof(want), "%ld\t", seq);
	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, strlen(want)) == 0) {
			f = p;
			for (j = 0; j < i && f != NULL; j++) {
				f = strchr(f, '\t');
				if (f != NULL)
					f++;
			}
			if (f == NULL)
				break;
			e = f + strcspn(f, "\t\n");
			l = (size_t)(e - f);
			if (l >= n)
				break;
			memcpy(buf, f, l);
			buf[l] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return err_set(NHI_ENOTFOUND, "the station's file has no record %ld", seq);
}

/* Sign as the bureau, encrypt to the station, write `out` (mode 0600). */
static int
seal_to_station(const struct config *cfg, const char *text, const char *out)
{
	struct crypto_cms_keys *k = NULL;
	const char *key, *cert, *scert, *sfp;
	uint8_t *der = NULL;
	size_t len = 0;
	int r;

	if ((r = need(cfg, "bureau.key", &key)) != 0 || (r = need(cfg, "bureau.cert", &cert)) != 0 ||
	    (r = need(cfg, "bureau.station_cert", &scert)) != 0 ||
	    (r = need(cfg, "bureau.station_fingerprint", &sfp)) != 0 ||
	    (r = crypto_cms_keys_load(key, cert, scert, sfp, &k)) != 0 ||
	    (r = crypto_cms_seal(k, text, strlen(text), &der, &len)) != 0 ||
	    (r = fs_write_atomic(out, der, len, 0600)) != 0) {
		crypto_cms_keys_free(k);
		free(der);
		return r;
	}
	crypto_cms_keys_free(k);
	free(der);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "reader", required_argument, NULL, 'r' },
		{ "seq", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "undeliverable", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0 };
	struct config *cfg = config_new();
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct card *card = NULL;
	char *text = NULL, *body = NULL, station[64], run[32], un[64], serial[2 * CARD_SERIAL_LEN + 1],
	    want_serial[32], rechex[600], pubhex[2 * CARD_PUBKEY_LEN + 1];
	uint8_t pub[CARD_PUBKEY_LEN], rec[300];
	int c, r, n;

	while ((c = getopt_long(argc, argv, "c:r:s:o:u", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'r': o.reader = optarg; break;
		case 's': o.seq = strtol(optarg, NULL, 10); break;
		case 'o': o.out = optarg; break;
		case 'u': o.undeliverable = 1; break;
		default: return usage();
		}
	}
	if (argc - optind != 2 || o.config == NULL || o.reader == NULL || o.out == NULL ||
	    o.seq < 1 || (strcmp(argv[optind], "keys") != 0 && strcmp(argv[optind], "write") != 0))
		return usage();
	if ((r = config_load(cfg, o.config)) != 0)
		return die(r);
	if (strcmp(config_get(cfg, "station.mode", ""), "test") != 0) {
		fprintf(stderr, "nhicard-bureau: a reference bureau for tests and training:"
		    " refused unless station.mode = test (%s)\n", o.config);
		return 1;
	}
	if ((r = card_profile_load(cfg, &prof)) != 0 ||
	    (r = card_keys_load_no_signer(cfg, &prof, &keys)) != 0 ||
	    (r = open_station_file(cfg, argv[optind + 1], &text)) != 0 ||
	    (r = header_value(text, "station", station, sizeof(station))) != 0 ||
	    (r = header_value(text, "run", run, sizeof(run))) != 0 ||
	    (r = card_connect(o.reader, &card)) != 0)
		goto out;
	if (strcmp(argv[optind], "keys") == 0) {
		/* The export: SEQ PERSON USER-NUMBER ... */
		if ((r = record_field(text, o.seq, 2, un, sizeof(un))) != 0 ||
		    (r = card_bureau_generate(card, &prof, keys, serial, pub)) != 0)
			goto out;
		hex_encode(pub, CARD_PUBKEY_LEN, pubhex);
		body = xasprintf("nhicard-bureau-result 1\npass keys\nstation %s\nrun %s\n"
		    "created 2026-01-01T00:00:00Z\nrecords 1\n%ld\t%s\t%s\tkeyed\t%s\t-\nend 1\n",
		    station, run, o.seq, un, serial, pubhex);
		printf("card %s: keyed for record %ld\n", serial, o.seq);
	} else {
		/* The signed records: SEQ USER-NUMBER CARD-SERIAL KEY-RECORD */
		if ((r = record_field(text, o.seq, 1, un, sizeof(un))) != 0 ||
		    (r = record_field(text, o.seq, 2, want_serial, sizeof(want_serial))) != 0 ||
		    (r = record_field(text, o.seq, 3, rechex, sizeof(rechex))) != 0)
			goto out;
		if ((n = hex_decode(rechex, rec, sizeof(rec))) < 0) {
			r = err_set(NHI_EPARSE, "record %ld: the key record is not hex", o.seq);
			goto out;
		}
		if ((r = card_bureau_write(card, &prof, keys, rec, (size_t)n, serial)) != 0)
			goto out;
		if (strcmp(serial, want_serial) != 0) {
			r = err_set(NHI_ESTATE, "card %s is not the card keyed for record %ld (%s)",
			    serial, o.seq, want_serial);
			goto out;
		}
		/* DF07 is in the record: 03 bytes of tag and length before it. */
		{
			const char *p = strstr(rechex, "df0741");

			if (p == NULL || strlen(p) < 6 + 130) {
				r = err_set(NHI_EPARSE, "record %ld has no DF07", o.seq);
				goto out;
			}
			memcpy(pubhex, p + 6, 130);
			pubhex[130] = '\0';
		}
		body = xasprintf("nhicard-bureau-result 1\npass result\nstation %s\nrun %s\n"
		    "created 2026-01-01T00:00:00Z\nrecords 1\n%ld\t%s\t%s\t%s\t%s\t%s\nend 1\n",
		    station, run, o.seq, un, serial, o.undeliverable ? "undeliverable" : "made",
		    pubhex, rechex);
		printf("card %s: written, read back and verified for record %ld\n", serial, o.seq);
	}
	r = seal_to_station(cfg, body, o.out);
out:
	if (card != NULL)
		card_close(card);
	card_keys_free(keys);
	free(text);
	free(body);
	config_free(cfg);
	return r == 0 ? 0 : die(r);
}
