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
};

struct card {
	const struct card_ops	*ops;
	void			*priv;
	uint8_t			 atr[33];
	size_t			 atrlen;
	char			 reader[128];
	int			 extended;	/* card accepts extended-length APDUs */
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
 * Send one command and receive the whole response: encodes `cmd` (extended
 * length only if the card has it), follows 61xx with GET RESPONSE and
 * resends on 6Cxx with the right Le. A status word other than 9000 is not
 * an error here: it is in resp->sw for the caller to judge.
 * Errors: NHI_ECARD_REMOVED, NHI_ECARD_RESET, NHI_EREADER_GONE,
 * NHI_ENO_SERVICE, NHI_ECARD_PROTO, NHI_ERANGE.
 */
int	card_xfer(struct card *card, const struct apdu *cmd, struct apdu_resp *resp);

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

#endif
