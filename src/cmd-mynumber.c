/*
 * cmd-mynumber.c: `nhicard mynumber link WHO`: link the resident's My
 * Number card in the reader to their NHI eligibility (flow-mynumber.c,
 * docs/card-profile.md "The My Number card"); `mynumber unlink WHO
 * --reason R`: a clerk ends a link by hand; `mynumber check-revoked`: a
 * new JPKI CRL ends the links of revoked certificates (flow-mynumber-end.c). The resident types the PIN
 * at the keyboard, never echoed (a test or a kiosk gives it through the
 * descriptor in NHICARD_PIN_FD); it is sent to the card once and never
 * kept.
 */
#include "config.h"

#include <getopt.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "events.h"
#include "flow-mynumber.h"
#include "nhiconf.h"
#include "reasons.h"
#include "secret.h"
#include "session.h"

#ifndef NHI_LOCALEDIR
#define NHI_LOCALEDIR "/usr/local/share/locale"
#endif

/*
 * The clerk's explanation of a refusal (reasons.c), in the station's
 * language (ui.language, Japanese by default: po/ja.po), on its own line
 * after the technical detail: what to tell the resident, e.g. where a
 * locked PIN is reset.
 */
static void
say_reason(struct session *ctx, int r)
{
	const char *key = err_reason_of(r), *en, *dir = getenv("NHICARD_LOCALEDIR");
	const char *lang = config_get(ctx->cfg, "ui.language", "ja");

	if (key == NULL || (en = reason_text(key)) == NULL)
		return;
	if (strcmp(lang, "ja") == 0 && (setlocale(LC_ALL, "C.UTF-8") != NULL ||
	    setlocale(LC_ALL, "") != NULL) && setenv("LANGUAGE", "ja", 1) == 0 &&
	    bindtextdomain("nhicard", dir != NULL && *dir != '\0' ? dir :
	    NHI_LOCALEDIR) != NULL && bind_textdomain_codeset("nhicard", "UTF-8") != NULL)
		en = dgettext("nhicard", en);
	printf("clerk: %s\n", en);
}

static int
pin_keyboard(void *arg, const char *prompt, char **pin)
{
	(void)arg;
	return operator_read_secret("NHICARD_PIN_FD", prompt, pin);
}

static int
mynumber_link(struct session *ctx, int argc, char **argv)
{
	struct mynumber_link_request req;
	struct mynumber_link_result res;
	int r;

	if (argc > 3)
		return cmd_operands(&cmd_mynumber_entry, "mynumber link", argc, argv, 2, 1);
	if (argc != 3)
		return cmd_usage(&cmd_mynumber_entry, "link: expected one resident (id or"
		    " person code)");
	memset(&req, 0, sizeof(req));
	req.who = argv[2];
	req.pin = pin_keyboard;
	r = flow_mynumber_link(ctx, &req, &flow_events_stdout, &res);
	if (r != 0) {
		say_reason(ctx, r);
		if (res.tries_left >= 0)
			printf("PIN tries left: %d\n", res.tries_left);
		if (res.held_id != 0)
			printf("held for a supervisor: item %lld\n", (long long)res.held_id);
		return r;
	}
	printf("My Number card: %s (certificate serial %s, valid until %s, %lu APDUs)\n",
	    res.action, res.serial, res.not_after, res.apdus);
	printf("link %lld queued for the center\n", (long long)res.link_id);
	return 0;
}

static int
mynumber_unlink(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL;
	int64_t id;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "r:", longopts, NULL)) != -1) {
		if (c != 'r')
			return cmd_usage(&cmd_mynumber_entry, "unlink: unknown option or"
			    " missing value");
		reason = optarg;
	}
	if (argc - 1 - optind > 1)
		return cmd_operands(&cmd_mynumber_entry, "mynumber unlink", argc - 1,
		    argv + 1, optind, 1);
	if (argc - 1 - optind != 1)
		return cmd_usage(&cmd_mynumber_entry, "unlink: expected one resident (id or"
		    " person code)");
	if (reason == NULL)
		return cmd_usage(&cmd_mynumber_entry, "unlink: --reason lost|returned|other"
		    " is required");
	if (strcmp(reason, "lost") != 0 && strcmp(reason, "returned") != 0 &&
	    strcmp(reason, "other") != 0) {
		char why[128];

		snprintf(why, sizeof(why), "unlink: --reason '%.40s': expected lost,"
		    " returned or other", reason);
		return cmd_usage(&cmd_mynumber_entry, why);
	}
	if ((r = flow_mynumber_unlink(ctx, argv[1 + optind], reason, &flow_events_stdout,
	    &id)) != 0) {
		say_reason(ctx, r);
		return r;
	}
	printf("link %lld ended (%s); queued for the center\n", (long long)id, reason);
	return 0;
}

static int
mynumber_check_revoked(struct session *ctx, int argc, char **argv)
{
	struct mynumber_crl_result res;
	int r;

	if (argc > 2)
		return cmd_operands(&cmd_mynumber_entry, "mynumber check-revoked", argc, argv,
		    2, 0);
	r = flow_mynumber_check_revoked(ctx, &flow_events_stdout, &res);
	printf("check-revoked: %zu CRL applied, %zu revoked certificates listed,"
	    " %zu links ended, %zu ended before\n", res.crls, res.revoked, res.ended,
	    res.already);
	return r;
}

static int
cmd_mynumber_exec(struct session *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "link") == 0)
		return mynumber_link(ctx, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "unlink") == 0)
		return mynumber_unlink(ctx, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "check-revoked") == 0)
		return mynumber_check_revoked(ctx, argc, argv);
	return cmd_usage(&cmd_mynumber_entry, "expected: link WHO, unlink WHO --reason R,"
	    " or check-revoked");
}

const struct cmd_entry cmd_mynumber_entry = {
	.name = "mynumber",
	.usage = "link WHO | unlink WHO --reason lost|returned|other | check-revoked",
	.summary = "link a resident's My Number card to their NHI eligibility, end links",
	.help =
	    "link WHO: the resident (store id or person code) presents their My\n"
	    "Number card and types its input-support PIN (never echoed, sent once:\n"
	    "a wrong PIN is not retried). The card's four basic items must all match\n"
	    "the store (else nothing is linked and the case is held for a\n"
	    "supervisor); its user-authentication certificate must chain to a\n"
	    "configured JPKI CA (mynumber.ca), be valid and not revoked\n"
	    "(mynumber.crl). The link and its record for the center are written\n"
	    "together. A renewed certificate or a reissued card relinks; a revoked\n"
	    "certificate ends the link. The 個人番号 is never read.\n"
	    "\n"
	    "unlink WHO --reason lost|returned|other: end the resident's link by\n"
	    "hand (no card needed); the center is told in the revocation lane.\n"
	    "Refused when nothing is linked.\n"
	    "\n"
	    "check-revoked (supervisor): apply the JPKI CRLs of mynumber.crl after\n"
	    "fetching new ones: each must verify with its CA of mynumber.ca and be\n"
	    "no older than the last applied; every link whose certificate it lists\n"
	    "ends (one transaction each, queued, audited). A rerun ends nothing twice.\n"
	    "\n"
	    "Exit codes: 0 linked, unlinked, applied; 1 refused (four items\n"
	    "differ: held; certificate expired, revoked or of an unknown CA;\n"
	    "nothing linked; a CRL that does not verify or is older); 2 usage;\n"
	    "3 no such resident, configuration; 4 card: not a My Number card,\n"
	    "wrong or locked PIN; 5 store.\n",
	.exec = cmd_mynumber_exec,
};
