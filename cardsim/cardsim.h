/*
 * cardsim.h: nhicard-cardsim, the card emulator for tests and training.
 *
 * The emulator has two halves. The framework (main.c, vpcd.c, state.c)
 * speaks vpcd's framing to pcscd, counts APDUs, injects faults and keeps
 * the card's state file. A card personality ("OS", cardsim/os-*.c) is the
 * card itself: its ATR, how it answers each APDU, and how its persistent
 * state is turned into bytes and back. A personality never sees the socket;
 * the framework never looks inside the state.
 *
 * Adding a personality: write cardsim/os-NAME.c exporting one
 * `const struct sim_os sim_os_NAME`, add one line to the table in
 * cardsim/os-table.c, and the source to mk/cardsim.am (or your fragment).
 *
 * Nothing under src/ knows about the emulator; the emulator may use
 * libnhicard's util, error and crypto layers.
 */
#ifndef NHI_CARDSIM_H
#define NHI_CARDSIM_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define SIM_ATR_MAX	33
#define SIM_APDU_MAX	(4 + 3 + 65535 + 3)
#define SIM_RESP_MAX	(65536 + 2)

/* Power events forwarded from vpcd's control messages. */
enum sim_power { SIM_POWER_OFF, SIM_POWER_ON, SIM_POWER_RESET };

struct sim_os {
	const char	*name;		/* --kind NAME */
	const char	*summary;	/* one line for --help */
	const char	*options;	/* help for its -o KEY=VALUE options, or "" */
	/* A new card with factory content. Never NULL (x*alloc). */
	void		*(*create)(void);
	/*
	 * Replace the card's persistent state with `len` bytes written by
	 * save() earlier. Returns 0 or NHI_EPARSE with detail (err_set).
	 */
	int		 (*load)(void *card, const uint8_t *state, size_t len);
	/* Serialize the persistent state; *out is malloc'd (caller frees). */
	int		 (*save)(void *card, uint8_t **out, size_t *outlen);
	/*
	 * One -o KEY=VALUE option, applied after load(). Sets *changed when
	 * it altered persistent state. Returns 0 or NHI_EUSAGE with detail.
	 */
	int		 (*option)(void *card, const char *key, const char *value,
			    int *changed);
	/* The ATR; returns its length (at most SIM_ATR_MAX). */
	size_t		 (*atr)(void *card, uint8_t *out);
	/* Power off, on or reset: drop volatile state (selection, sessions). */
	void		 (*power)(void *card, enum sim_power event);
	/*
	 * Execute one command APDU. Write data + SW1 SW2 to `resp` (capacity
	 * SIM_RESP_MAX) and set *resplen (at least 2). Set *changed when the
	 * persistent state changed: the framework then rewrites the state
	 * file before answering. A malformed command is answered with a
	 * status word (6700, 6D00, ...), never with an error return.
	 */
	void		 (*apdu)(void *card, const uint8_t *cmd, size_t len,
			    uint8_t *resp, size_t *resplen, int *changed);
	void		 (*free)(void *card);
	/* Optional: print the card's state for people (--inspect); NULL
	 * prints the state file as it is. Never prints private keys. */
	void		 (*show)(void *card, FILE *out);
};

/* os-table.c: the personalities, NULL-terminated. */
extern const struct sim_os *const sim_os_table[];
const struct sim_os *sim_os_find(const char *name);

/* state.c: the state file: a header line "nhicard-cardsim 1 KIND\n", then
 * the personality's bytes. */
/* Load `path` into `card` if it exists (*existed says). Returns 0,
 * NHI_EPARSE (bad header, other kind) or an fs error, with detail. */
int	sim_state_load(const char *path, const struct sim_os *os, void *card,
	    int *existed);
/* Read only the kind named in the header; *kind is malloc'd. Returns 0,
 * NHI_ENOFILE or NHI_EPARSE. */
int	sim_state_kind(const char *path, char **kind);
/* Atomically rewrite `path` with the card's state (mode 0600). */
int	sim_state_save(const char *path, const struct sim_os *os, void *card);

/* vpcd.c: the link to pcscd's vpcd driver. */
/*
 * Connect to host:port, retrying with a growing back-off (10 ms doubling
 * to 500 ms) until `timeout_ms` has passed. Sets TCP_NODELAY and
 * TCP_QUICKACK. Returns the socket, or NHI_ENETWORK (with detail).
 */
int	vpcd_connect(const char *host, const char *port, long timeout_ms);
/*
 * Receive one frame into buf (capacity cap). Returns the payload length,
 * 0 when vpcd closed the connection (between frames), or NHI_ENETWORK /
 * NHI_EPARSE (a frame bigger than cap).
 */
long	vpcd_recv(int fd, uint8_t *buf, size_t cap);
/* Send one frame. Returns 0 or NHI_ENETWORK. */
int	vpcd_send(int fd, const uint8_t *buf, size_t len);

#endif
