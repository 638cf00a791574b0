/*
 * state.c: the card's state file, so that a card survives removal.
 *
 * Layout: one header line "nhicard-cardsim 1 KIND\n" naming the
 * personality, then the personality's own bytes (see its save()). The file
 * is rewritten atomically (fs_write_atomic) after every command that
 * changed the card, before the answer goes back: a card pulled at any
 * moment keeps either the old or the new state, never a mix.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cardsim.h"
#include "error.h"
#include "util.h"

#define STATE_MAGIC	"nhicard-cardsim 1 "
#define STATE_MAX	(16u * 1024 * 1024)

/* Split the file into kind and body. */
static int
parse_header(const char *path, char *buf, size_t len, char **kind,
    const uint8_t **body, size_t *bodylen)
{
	char *nl;

	if (len < strlen(STATE_MAGIC) || memcmp(buf, STATE_MAGIC, strlen(STATE_MAGIC)) != 0 ||
	    (nl = memchr(buf, '\n', len)) == NULL)
		return err_set(NHI_EPARSE, "card state %s: not an nhicard-cardsim state file "
		    "(expected a first line '" STATE_MAGIC "KIND')", path);
	*nl = '\0';
	*kind = buf + strlen(STATE_MAGIC);
	*body = (const uint8_t *)(nl + 1);
	*bodylen = len - (size_t)(nl + 1 - buf);
	return 0;
}

int
sim_state_kind(const char *path, char **kind)
{
	char *buf = NULL, *k;
	const uint8_t *body;
	size_t len, bodylen;
	int r;

	if ((r = fs_read_file(path, STATE_MAX, &buf, &len)) != 0 ||
	    (r = parse_header(path, buf, len, &k, &body, &bodylen)) != 0)
		goto out;
	*kind = xstrdup(k);
	r = 0;
out:
	free(buf);
	return r;
}

int
sim_state_load(const char *path, const struct sim_os *os, void *card, int *existed)
{
	char *buf = NULL, *kind;
	const uint8_t *body;
	size_t len, bodylen;
	int r;

	*existed = 0;
	if ((r = fs_read_file(path, STATE_MAX, &buf, &len)) == NHI_ENOFILE) {
		err_clear();
		r = 0;
		goto out;
	}
	if (r != 0 || (r = parse_header(path, buf, len, &kind, &body, &bodylen)) != 0)
		goto out;
	if (strcmp(kind, os->name) != 0) {
		r = err_set(NHI_EPARSE, "card state %s holds a '%s' card, not '%s'",
		    path, kind, os->name);
		goto out;
	}
	if ((r = os->load(card, body, bodylen)) != 0) {
		r = err_wrap(r, "card state %s: ", path);
		goto out;
	}
	*existed = 1;
	r = 0;
out:
	free(buf);
	return r;
}

int
sim_state_save(const char *path, const struct sim_os *os, void *card)
{
	uint8_t *body = NULL, *file = NULL;
	char *hdr;
	size_t bodylen = 0, hdrlen;
	int r;

	hdr = xasprintf(STATE_MAGIC "%s\n", os->name);
	hdrlen = strlen(hdr);
	if ((r = os->save(card, &body, &bodylen)) != 0)
		goto out;
	file = xmalloc(hdrlen + bodylen);
	memcpy(file, hdr, hdrlen);
	if (bodylen > 0)
		memcpy(file + hdrlen, body, bodylen);
	r = fs_write_atomic(path, file, hdrlen + bodylen, 0600);
out:
	/* The state may hold card keys: wipe the copies. */
	util_free_secret(body, bodylen);
	util_free_secret(file, file != NULL ? hdrlen + bodylen : 0);
	free(hdr);
	return r;
}
