/*
 * cmd-mynumber.c: `nhicard mynumber link WHO`: link the resident's My
 * Number card in the reader to their NHI eligibility (flow-mynumber.c,
 * docs/card-profile.md "The My Number card"). The resident types the PIN
 * at the keyboard, never echoed (a test or a kiosk gives it through the
 * descriptor in NHICARD_PIN_FD); it is sent to the card once and never
 * kept.
 */
#include "config.h"

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
cmd_mynumber_exec(struct session *ctx, int argc, char **argv)
{
	struct mynumber_link_request req;
	struct mynumber_link_result res;
	int r;

	if (argc < 2 || strcmp(argv[1], "link") != 0)
		return cmd_usage(&cmd_mynumber_entry, "expected: link WHO");
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

const struct cmd_entry cmd_mynumber_entry = {
	.name = "mynumber",
	.usage = "link WHO",
	.summary = "link a resident's My Number card to their NHI eligibility",
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
	    "Exit codes: 0 linked; 1 refused (four items differ: held; certificate\n"
	    "expired, revoked or of an unknown CA); 2 usage; 3 no such resident,\n"
	    "configuration; 4 card: not a My Number card, wrong or locked PIN;\n"
	    "5 store.\n",
	.exec = cmd_mynumber_exec,
};
