/*
 * card-monitor.c: watching one reader for a screen (card.h): the reader
 * and the card in it as states, without connecting to the card, so a
 * clerk sees an insert or a removal at the next poll.
 *
 * One PC/SC context is kept; when pcscd goes away (SCARD_E_NO_SERVICE,
 * SCARD_E_INVALID_HANDLE) it is dropped and established again at a later
 * poll. A reader is picked by name, or the first one listed when none was
 * named; a reader unplugged is a state, and is found again when it
 * returns.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "card.h"
#include "error.h"
#include "util.h"

struct card_monitor {
	char		*want;		/* the reader asked for, or NULL: first */
	SCARDCONTEXT	 ctx;
	int		 have_ctx;
	DWORD		 known;		/* last dwEventState, for the next wait */
	struct card_slot last;
	int		 polled;
};

int
card_monitor_new(const char *reader, struct card_monitor **out)
{
	struct card_monitor *m = xcalloc(1, sizeof(*m));

	if (reader != NULL && reader[0] != '\0')
		m->want = xstrdup(reader);
	*out = m;
	return 0;
}

static void
monitor_drop(struct card_monitor *m)
{
	if (m->have_ctx)
		(void)SCardReleaseContext(m->ctx);
	m->have_ctx = 0;
	m->known = SCARD_STATE_UNAWARE;
}

void
card_monitor_free(struct card_monitor *m)
{
	if (m == NULL)
		return;
	monitor_drop(m);
	free(m->want);
	free(m);
}

/* The reader to watch into name[cap]: the one asked for if listed, else
 * the first. 0 if found, else NHI_ENO_READER or NHI_ENO_SERVICE. */
static int
monitor_reader(struct card_monitor *m, char *name, size_t cap)
{
	DWORD len = 0;
	char *list, *p;
	LONG rv;
	int r = NHI_ENO_READER;

	rv = SCardListReaders(m->ctx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return NHI_ENO_READER;
	if (rv != SCARD_S_SUCCESS)
		return NHI_ENO_SERVICE;
	list = xmalloc(len);
	rv = SCardListReaders(m->ctx, NULL, list, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		free(list);
		return NHI_ENO_READER;
	}
	if (rv != SCARD_S_SUCCESS) {
		free(list);
		return NHI_ENO_SERVICE;
	}
	for (p = list; *p != '\0'; p += strlen(p) + 1) {
		if (m->want == NULL || strcmp(p, m->want) == 0) {
			snprintf(name, cap, "%s", p);
			r = 0;
			break;
		}
	}
	free(list);
	return r;
}

int
card_monitor_poll(struct card_monitor *m, int timeout_ms, struct card_slot *out)
{
	struct card_slot now;
	SCARD_READERSTATE rs;
	char name[sizeof(now.reader)];
	LONG rv;
	int changed, r;

	memset(&now, 0, sizeof(now));
	now.changes = m->last.changes;
	if (!m->have_ctx) {
		if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &m->ctx) !=
		    SCARD_S_SUCCESS) {
			now.state = CARD_SLOT_NO_SERVICE;
			goto done;
		}
		m->have_ctx = 1;
		m->known = SCARD_STATE_UNAWARE;
	}
	if ((r = monitor_reader(m, name, sizeof(name))) != 0) {
		if (r == NHI_ENO_SERVICE) {
			monitor_drop(m);
			now.state = CARD_SLOT_NO_SERVICE;
		} else
			now.state = CARD_SLOT_NO_READER;
		m->known = SCARD_STATE_UNAWARE;
		goto done;
	}
	snprintf(now.reader, sizeof(now.reader), "%s", name);
	if (strcmp(name, m->last.reader) != 0)
		m->known = SCARD_STATE_UNAWARE;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = name;
	rs.dwCurrentState = m->known;
	rv = SCardGetStatusChange(m->ctx, timeout_ms < 0 ? 0 : (DWORD)timeout_ms, &rs, 1);
	if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_INVALID_HANDLE ||
	    rv == SCARD_E_SERVICE_STOPPED) {
		monitor_drop(m);
		now.state = CARD_SLOT_NO_SERVICE;
		now.reader[0] = '\0';
		goto done;
	}
	if (rv == SCARD_E_TIMEOUT && m->polled) {
		/* Nothing changed since the state we know. */
		now = m->last;
		goto done;
	}
	if ((rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) ||
	    (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE))) {
		now.state = CARD_SLOT_NO_READER;
		m->known = SCARD_STATE_UNAWARE;
		goto done;
	}
	m->known = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	if (!(rs.dwEventState & SCARD_STATE_PRESENT))
		now.state = CARD_SLOT_EMPTY;
	else if (rs.dwEventState & SCARD_STATE_MUTE)
		now.state = CARD_SLOT_MUTE;
	else if (rs.dwEventState & SCARD_STATE_EXCLUSIVE)
		now.state = CARD_SLOT_IN_USE;
	else
		now.state = CARD_SLOT_PRESENT;
	if (rs.cbAtr <= sizeof(now.atr) && now.state != CARD_SLOT_EMPTY) {
		memcpy(now.atr, rs.rgbAtr, rs.cbAtr);
		now.atrlen = rs.cbAtr;
	}
done:
	/* The event counter in the high 16 bits of dwEventState would also
	 * say "removed and put back"; comparing states and ATRs suffices for a
	 * screen, and a new card's insert shows as EMPTY then PRESENT. */
	changed = !m->polled || now.state != m->last.state ||
	    strcmp(now.reader, m->last.reader) != 0 || now.atrlen != m->last.atrlen ||
	    memcmp(now.atr, m->last.atr, now.atrlen) != 0;
	if (changed && m->polled)
		now.changes++;
	m->last = now;
	m->polled = 1;
	*out = now;
	return changed;
}
