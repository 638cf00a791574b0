/*
 * card.h: the card layer: PC/SC transport, APDU and BER-TLV codec, the
 * GlobalPlatform SCP03 secure channel and the NHI card profile.
 *
 * Only files named card*.c call PC/SC; PC/SC result codes are translated to
 * NHI_E* codes in exactly one function (card-pcsc.c). Everything above the
 * transport sees a `struct card` and its ops, so unit tests can replay
 * recorded APDU transcripts through a scripted transport (card-script.c)
 * instead of a reader.
 *
 * Sections: transport, APDU codec, BER-TLV codec, secure channel, profile.
 * Each section's functions live in the file named in its heading.
 */
#ifndef NHI_CARD_H
#define NHI_CARD_H

#include <stddef.h>
#include <stdint.h>

/* The PC/SC library this program was built against, for `nhicard version`. */
const char *card_library_version(void);

/* ---- APDU codec (card-apdu.c) ---------------------------------------- */

#define APDU_MAX_DATA	65535	/* extended length Lc */
#define APDU_MAX_RESP	65536	/* extended length Le, not counting SW */
#define APDU_MAX_CMD	(4 + 3 + APDU_MAX_DATA + 3)

/* A command APDU. `data` is borrowed, never owned. */
struct apdu {
	uint8_t		 cla, ins, p1, p2;
	const uint8_t	*data;
	size_t		 lc;	/* bytes of data; 0 if none */
	size_t		 le;	/* expected response bytes; 0 with has_le = max */
	int		 has_le;
};

/* A response APDU: data and status word. */
struct apdu_resp {
	uint8_t		 data[APDU_MAX_RESP];
	size_t		 len;
	uint16_t	 sw;
};

/*
 * Encode `a` into `out` (capacity `cap`), short form when it fits and
 * extended form only when `extended_ok`. Returns 0 and sets *outlen, or
 * NHI_ERANGE (too long for the allowed form or for `cap`).
 */
int	apdu_encode(const struct apdu *a, int extended_ok, uint8_t *out, size_t cap,
	    size_t *outlen);

/*
 * Decode a raw command APDU (ISO 7816-3 cases 1, 2S, 3S, 4S, 2E, 3E, 4E).
 * `out->data` points into `in`. Returns 0 or NHI_EPARSE. Fuzzed.
 */
int	apdu_decode(const uint8_t *in, size_t len, struct apdu *out);

/*
 * Split a raw response (data + SW1 SW2) into `out`. Returns 0, or
 * NHI_ECARD_PROTO if shorter than 2 bytes or longer than APDU_MAX_RESP + 2.
 */
int	apdu_resp_parse(const uint8_t *in, size_t len, struct apdu_resp *out);

/* ---- BER-TLV codec (card-tlv.c) -------------------------------------- */

/* One parsed TLV: tag up to 3 bytes, value borrowed from the input. */
struct tlv {
	uint32_t	 tag;
	const uint8_t	*value;
	size_t		 len;
	int		 constructed;
};

/*
 * Parse the TLV at *p (with `*left` bytes remaining), advance *p and *left.
 * Returns 0, or NHI_EPARSE on a bad tag, a bad length or a value that runs
 * past the end. Fuzzed.
 */
int	tlv_next(const uint8_t **p, size_t *left, struct tlv *out);

/* Find the first TLV with `tag` at this level of `buf`; 0 or NHI_ENOTFOUND
 * (or NHI_EPARSE). */
int	tlv_find(const uint8_t *buf, size_t len, uint32_t tag, struct tlv *out);

/* Append tag, length and value to `out` (capacity cap, *off advances).
 * Returns 0 or NHI_ERANGE. */
int	tlv_put(uint8_t *out, size_t cap, size_t *off, uint32_t tag,
	    const uint8_t *value, size_t len);

/* ---- Transport (card-pcsc.c, card-script.c, card-xfer.c) ------------- */

struct card;

struct card_ops {
	const char	*name;
	/* Send raw command bytes; put the raw response (data + SW) in `resp`
	 * (capacity `*resplen` on entry, length on return). */
	int		(*transmit)(struct card *card, const uint8_t *cmd, size_t cmdlen,
			    uint8_t *resp, size_t *resplen);
	/* Exclusive access for a short sequence (SCardBeginTransaction). */
	int		(*begin)(struct card *card);
	int		(*end)(struct card *card);
	/* Free everything; the card handle is gone after this. */
	void		(*close)(struct card *card);
	/* Optional (NULL: none): a reader control (SCardControl), for the
	 * PIN pad (card-pinpad.c). `*outlen` capacity in, length out. */
	int		(*control)(struct card *card, uint32_t code, const uint8_t *in,
			    size_t inlen, uint8_t *out, size_t *outlen);
};

struct card {
	const struct card_ops	*ops;
	void			*priv;
	uint8_t			 atr[33];
	size_t			 atrlen;
	char			 reader[128];
	int			 extended;	/* card accepts extended-length APDUs */
	int			 protocol;	/* 0 (T=0) or 1 (T=1), as pcscd chose */
	long			 settle_ms;	/* after a failed exchange, how long to
						   wait for the reader to say whether
						   the card went (card.settle_ms) */
	unsigned long		 apdus;		/* commands sent, for benchmarks */
};

/*
 * Connect to the card in `reader` (exact name), or in the only reader
 * present when `reader` is NULL. Returns 0 and sets *out (caller must
 * card_close), or NHI_ENO_SERVICE (no pcscd), NHI_ENO_READER (none, or
 * not that name, or several and none chosen: the detail lists them),
 * NHI_ENO_CARD, NHI_ECARD_BUSY, NHI_ECARD_PROTO.
 */
int	card_connect(const char *reader, struct card **out);

/* Close; NULL is a no-op. */
void	card_close(struct card *card);

/*
 * List reader names (NUL-terminated strings). *names (caller must free
 * each and the array) and *count are set on success. NHI_ENO_SERVICE if
 * pcscd is not running; zero readers is success with *count == 0.
 */
int	card_list_readers(char ***names, size_t *count);

/*
 * Whether `reader` holds a card, asked without connecting (no reset, no
 * exclusive access): *present is 1 (a card that answered), 0 (empty or a
 * mute card). Returns 0, NHI_ENO_SERVICE or NHI_EREADER_GONE.
 */
int	card_reader_present(const char *reader, int *present);

/*
 * Watching a reader (card-monitor.c), for a screen that shows the reader
 * and card at all times. One PC/SC context kept open; each poll asks
 * SCardGetStatusChange with a short timeout and never connects to the card.
 */
enum card_slot_state {
	CARD_SLOT_NO_SERVICE = 0,	/* pcscd is not running */
	CARD_SLOT_NO_READER,		/* the reader is not attached */
	CARD_SLOT_EMPTY,		/* no card */
	CARD_SLOT_PRESENT,		/* a card that answered (ATR) */
	CARD_SLOT_MUTE,			/* a card that did not answer */
	CARD_SLOT_IN_USE,		/* present, held exclusively by a program */
};

struct card_slot {
	enum card_slot_state	 state;
	char			 reader[128];	/* the reader watched ("" if none) */
	uint8_t			 atr[33];
	size_t			 atrlen;
	unsigned long		 changes;	/* bumps on every insert or removal */
};

struct card_monitor;

/*
 * Watch `reader` (NULL or "": the first reader found). Never fails for a
 * missing service or reader: those are states. *out: free with
 * card_monitor_free (NULL is a no-op).
 */
int	card_monitor_new(const char *reader, struct card_monitor **out);
void	card_monitor_free(struct card_monitor *m);

/*
 * Wait at most `timeout_ms` (0: do not wait) for a change and fill *out
 * with the reader's state now. Reconnects to a restarted pcscd and picks
 * up a reader attached later. Returns 1 if the state changed since the
 * last poll, 0 if not.
 */
int	card_monitor_poll(struct card_monitor *m, int timeout_ms, struct card_slot *out);

/*
 * Send one command and receive the whole response: encodes `cmd` (extended
 * length only if the card has it), follows 61xx with GET RESPONSE and
 * resends on 6Cxx with the right Le. A status word other than 9000 is not
 * an error here: it is in resp->sw for the caller to judge.
 * Errors: NHI_ECARD_REMOVED, NHI_ECARD_RESET, NHI_EREADER_GONE,
 * NHI_ENO_SERVICE, NHI_ECARD_PROTO, NHI_ERANGE.
 */
int	card_xfer(struct card *card, const struct apdu *cmd, struct apdu_resp *resp);

/*
 * Read a whole transparent EF named by its short file identifier
 * (card-read.c): READ BINARY at increasing offsets, Le 256 (65536 on a
 * card with extended length), ending on a short answer, 6282, or 6B00
 * past the end; 61xx and 6Cxx are card_xfer's. With `tlv` set the file is
 * one BER-TLV and reading stops as soon as it is complete. Files reaching
 * 32767 bytes (the odd-INS B1 range) are refused. Returns 0 with *outlen
 * bytes in out, NHI_ECARD_SW (*sw is the card's status word),
 * NHI_ECARD_PROTO (longer than cap), or a transport error.
 */
int	card_read_ef_sfi(struct card *card, uint8_t sfi, int tlv, uint8_t *out,
	    size_t cap, size_t *outlen, uint16_t *sw);

/*
 * The reader's PIN pad (card-pinpad.c, PC/SC part 10): verify a PIN typed
 * on the reader with FEATURE_VERIFY_PIN_DIRECT, the PIN never reaching
 * the host. `hdr` is the VERIFY command's CLA INS P1 P2; the PIN is
 * `pinlen` ASCII digits (minimum = maximum = pinlen). Returns 0 with the
 * card's (or the reader's: 6400 timeout, 6401 cancelled) status word in
 * *sw; NHI_ENOTFOUND without detail when the reader has no PIN pad; or a
 * transport error. Counts as one APDU.
 */
int	card_verify_pin_pad(struct card *card, const uint8_t hdr[4], size_t pinlen,
	    uint16_t *sw);

/* Start and end a short exclusive sequence (a personalization step). */
int	card_begin(struct card *card);
int	card_end(struct card *card);

/*
 * A scripted transport for unit tests: replays a transcript of
 * "> command-hex" / "< response-hex" lines; a command that differs from the
 * script fails with NHI_ECARD_PROTO naming the line. "!removed" and
 * "!reset" lines make the next transmit fail with that error.
 */
int	card_script_open(const char *path, struct card **out);
int	card_script_open_mem(const char *name, const char *text, struct card **out);
/* 1 if every scripted exchange was used. */
int	card_script_done(const struct card *card);

/* Human-readable meaning of a status word ("6982 security status not
 * satisfied"), for error details. */
const char *card_sw_text(uint16_t sw);

/* ---- Secure channel (card-scp03.c) ----------------------------------- */

/*
 * A GlobalPlatform SCP03 secure channel (Amendment D) over a `struct card`,
 * the station's side. The caller SELECTs the security domain first. The
 * primitives and the exact byte layouts are in crypto.h. Two steps, so the
 * caller can diversify the card's keys from the diversification data the
 * card returns in INITIALIZE UPDATE (crypto_keys_diversify):
 *
 *   scp03_init_update()   INITIALIZE UPDATE (host challenge from the
 *                         CSPRNG), parse and check the response
 *   scp03_authenticate()  derive the session keys, verify the card
 *                         cryptogram (NHI_ECRYPTOGRAM and nothing more is
 *                         sent if it is wrong), EXTERNAL AUTHENTICATE
 *   scp03_xfer()          wrap a command, unwrap and verify its response
 *   scp03_close()         wipe the session keys and free
 *
 * Any failure after INITIALIZE UPDATE (a wrong cryptogram, a refused
 * EXTERNAL AUTHENTICATE, a transport error, a wrong R-MAC) closes the
 * channel: every later scp03_xfer returns NHI_ESTATE without sending.
 */
struct scp03;
struct scp03_keyset;	/* crypto.h */

struct scp03_params {
	uint8_t		 kvn;		/* key version for INITIALIZE UPDATE P1;
					   0 = the card's default */
	uint8_t		 level;		/* SCP03_CMAC | SCP03_CDEC | SCP03_RMAC |
					   SCP03_RENC: 01, 03, 11, 13 or 33 */
	int		 s16;		/* 1: S16 mode (16-byte challenges, MACs) */
	const uint8_t	*host_challenge; /* NULL: random. Tests only: fixed, to
					   replay a recorded trace */
	const uint8_t	*sd_aid;	/* the selected security domain's AID:
					   a card with i = 70 (pseudo-random
					   card challenge) is checked with it */
	size_t		 sd_aid_len;
};

/*
 * Send INITIALIZE UPDATE and parse the answer (diversification data, key
 * information, card challenge, card cryptogram, sequence counter). Returns
 * 0 and sets *out (caller must scp03_close), or NHI_EAUTH (the card refused:
 * SW in the detail; a key version it does not have; no SCP03; a level the
 * card cannot do), NHI_ECARD_PROTO (malformed response), NHI_ERANGE, or a
 * transport error.
 */
int	scp03_init_update(struct card *card, const struct scp03_params *params,
	    struct scp03 **out);

/* The 10 bytes of key diversification data, the key version and the
 * i parameter the card returned. */
const uint8_t	*scp03_divdata(const struct scp03 *sc);
uint8_t		 scp03_card_kvn(const struct scp03 *sc);
uint8_t		 scp03_card_i(const struct scp03 *sc);

/*
 * Authenticate with the card's static keys (already diversified for this
 * card; `keys` is not kept, only the session keys are). A card with a
 * pseudo-random challenge (i bit 10) must have answered the challenge its
 * static ENC key, sequence counter and SD AID give.
 * Returns 0, NHI_ECRYPTOGRAM (card cryptogram wrong, or the card challenge
 * is not the pseudo-random one: EXTERNAL AUTHENTICATE was not sent), NHI_EAUTH (EXTERNAL AUTHENTICATE refused),
 * NHI_ESTATE (called twice), or a transport/crypto error.
 */
int	scp03_authenticate(struct scp03 *sc, const struct scp03_keyset *keys);

/* Both steps, for a caller whose keys do not depend on the card. */
int	scp03_open(struct card *card, const struct scp03_keyset *keys,
	    const struct scp03_params *params, struct scp03 **out);

/*
 * Send one command through the channel: CLA gets bit 04, the data is
 * encrypted (C-DECRYPTION) and MACed (C-MAC) per the level; the response is
 * verified (R-MAC) and decrypted (R-ENCRYPTION) into `resp`. A status word
 * other than 9000 is not an error here. Returns 0, NHI_ERMAC (the channel
 * is closed), NHI_ESTATE (channel not open), NHI_ERANGE, or a transport
 * error (the channel is closed).
 */
int	scp03_xfer(struct scp03 *sc, const struct apdu *cmd, struct apdu_resp *resp);

/* 1 while the channel is authenticated and usable. */
int	scp03_is_open(const struct scp03 *sc);

/* Wipe the session keys and free; does not close the card. NULL is a
 * no-op. */
void	scp03_close(struct scp03 *sc);

#endif
