/*
 * tui-i18n.c: the clerk's language. The screen needs a UTF-8 LC_CTYPE
 * (wide characters, wcwidth): the environment's locale, else C.UTF-8.
 * Messages come from the gettext domain "nhicard" (msgids English,
 * po/ja.po Japanese), bound to $NHICARD_LOCALEDIR (the build tree's po/
 * directory, for tests and the demo) or the installed locale directory.
 * The language is ui.language: "ja" (the default) or "en". It is chosen
 * with LANGUAGE, which glibc honours in any locale but "C"/"POSIX": under
 * C.UTF-8 it does (tests/tui-headless.sh checks it).
 */
#include "config.h"

#include <langinfo.h>
#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "nhiconf.h"
#include "tui-priv.h"

#ifndef NHI_LOCALEDIR
#define NHI_LOCALEDIR "/usr/local/share/locale"
#endif

static int
codeset_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

int
tui_i18n_init(const struct config *cfg)
{
	const char *lang = config_get(cfg, "ui.language", "ja");
	const char *dir = getenv("NHICARD_LOCALEDIR");

	if (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
		return err_set(NHI_ECONFIG, "ui.language: expected ja or en, got '%.32s'",
		    lang);
	if (setlocale(LC_ALL, "") == NULL || !codeset_is_utf8()) {
		if (setlocale(LC_ALL, "C.UTF-8") == NULL || !codeset_is_utf8())
			return err_set(NHI_EUSAGE, "the screen needs a UTF-8 locale and"
			    " C.UTF-8 is not installed: set LANG to a UTF-8 locale");
	}
	/* Numbers and dates stay as the store writes them. */
	setlocale(LC_NUMERIC, "C");
	if (dir == NULL || *dir == '\0')
		dir = NHI_LOCALEDIR;
	/* LANGUAGE decides (glibc reads it unless the locale is "C"). */
	if (setenv("LANGUAGE", lang, 1) != 0)
		return err_set(NHI_EINTERNAL, "cannot set LANGUAGE");
	if (bindtextdomain("nhicard", dir) == NULL ||
	    bind_textdomain_codeset("nhicard", "UTF-8") == NULL ||
	    textdomain("nhicard") == NULL)
		return err_set(NHI_EINTERNAL, "gettext: cannot bind the domain nhicard to %s",
		    dir);
	return 0;
}
