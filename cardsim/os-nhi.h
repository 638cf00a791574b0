/*
 * os-nhi.h: the NHI card OS of nhicard-cardsim, the reference card of
 * docs/card-profile.md. It plays three card personalities that share one
 * implementation:
 *
 *   juki        an existing Juki card: Juki AP with the holder's four basic
 *               items, the free-area SD with municipality key set 30, and a
 *               town area already holding the town's OTHER applications
 *               (seal registration, library) that nhicard must not touch;
 *   juki-new    a Juki card just issued by the residence-register system:
 *               the same, with an empty free area;
 *   standalone  a blank standalone card: the SD with the card maker's
 *               transport key set FF only.
 *
 * Files: os-nhi.c (the personalities and the command dispatcher),
 * os-nhi-files.c (the file tree and its commands), os-nhi-sc.c (the SCP03
 * secure channel, card side, and PUT KEY), os-nhi-state.c (card creation,
 * the text state file), os-nhi-show.c (--inspect), os-nhi-keys.c (the crypto
 * the card needs beyond SCP03: static keys, card key pair, key check
 * values).
 *
 * The card model is deliberately plain: fixed arrays, one struct. Nothing
 * here is a secret store: the state file holds the card's keys in clear,
 * as the emulator is for tests and training only.
 */
#ifndef NHI_CARDSIM_OS_NHI_H
#define NHI_CARDSIM_OS_NHI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cardsim.h"
#include "crypto.h"

#define NHI_AID_MAX		16
#define NHI_SERIAL_LEN		10	/* key diversification data */
#define NHI_DF_MAX		32	/* DFs below the SD: "not enough memory" beyond */
#define NHI_KEYSET_MAX		4
#define NHI_OBJECTS_MAX		4096	/* data objects of one DF */
#define NHI_EC_PRIV_LEN		32
#define NHI_EC_PUB_LEN		65	/* uncompressed point 04 X Y */
#define NHI_EC_SIG_LEN		64	/* r || s */
#define NHI_ITEMS_MAX		2048	/* the basic-items EF */
#define NHI_ITEM_TEXT_MAX	600	/* bytes of one basic item */

/* Life cycle status of a DF (ISO/IEC 7816-4). */
#define NHI_LCS_CREATION	0x01
#define NHI_LCS_DEACTIVATED	0x04
#define NHI_LCS_ACTIVATED	0x05

/* Card families, as in the SD's FCI (DF40). */
#define NHI_FAMILY_JUKI		0x01
#define NHI_FAMILY_STANDALONE	0x02

/* Status words used by the card (docs/card-profile.md section 8). */
#define SW_OK			0x9000
#define SW_DEACTIVATED		0x6283
#define SW_AUTH_FAILED		0x6300
#define SW_WRONG_LENGTH		0x6700
#define SW_SECURITY		0x6982
#define SW_CONDITIONS		0x6985
#define SW_SM_WRONG		0x6988
#define SW_WRONG_DATA		0x6A80
#define SW_NOT_FOUND		0x6A82
#define SW_NO_MEMORY		0x6A84
#define SW_WRONG_P1P2		0x6A86
#define SW_NO_DATA		0x6A88
#define SW_EXISTS		0x6A89
#define SW_WRONG_OFFSET		0x6B00
#define SW_EOF_BEFORE_LE	0x6282
#define SW_NO_CURRENT_EF	0x6986
#define SW_INS			0x6D00
#define SW_CLA			0x6E00

struct nhi_aid {
	uint8_t		 b[NHI_AID_MAX];
	size_t		 len;
};

/* A DF below the SD: a town area or an application inside one. */
struct nhi_df {
	struct nhi_aid	 aid;
	struct nhi_aid	 parent;	/* the SD's AID for a town area */
	uint8_t		 lcs;
	/* Data objects (BER-TLV, concatenated), e.g. the key record 70. */
	uint8_t		 objects[NHI_OBJECTS_MAX];
	size_t		 objlen;
	/* The card key pair, reference 81 (GENERATE ASYMMETRIC KEY PAIR). */
	int		 has_key;
	uint8_t		 key_private[NHI_EC_PRIV_LEN];	/* never leaves the card */
	uint8_t		 key_public[NHI_EC_PUB_LEN];
};

/* The holder's basic items (Juki cards), UTF-8 / ASCII digits. */
struct nhi_items {
	char		*name;
	char		*birth;		/* YYYYMMDD */
	char		*sex;		/* "1" or "2" */
	char		*address;
	char		*municipality;	/* 6 digits, issuing municipality */
};

enum nhi_selected { NHI_SEL_NONE, NHI_SEL_JUKI, NHI_SEL_SD, NHI_SEL_DF };
enum nhi_channel { NHI_SC_CLOSED, NHI_SC_INITIALIZED, NHI_SC_OPEN };

struct nhi_card {
	const char	*kind;		/* "juki", "juki-new", "standalone" */

	/* ---- persistent (the state file) ---- */
	uint8_t		 family;	/* NHI_FAMILY_* */
	uint8_t		 serial[NHI_SERIAL_LEN];
	struct nhi_items items;		/* Juki cards only */
	struct scp03_keyset keysets[NHI_KEYSET_MAX];
	size_t		 nkeysets;
	struct nhi_df	 dfs[NHI_DF_MAX];	/* in creation order */
	size_t		 ndfs;

	/* ---- creation parameters (-o at --create; not stored) ---- */
	int		 fresh;		/* being created: not loaded from a file */
	char		*keydir;	/* the key store the card maker uses */
	int		 keys_pending;	/* static keys to (re)derive before saving */
	int		 build_warned;	/* said once that it could not be made */
	char		*town_code;	/* municipality of the basic items, town area */

	/* ---- fault injection (-o; not stored) ---- */
	unsigned long	 corrupt_rmac;	/* wrong R-MAC on response N (1-based) */
	int		 wrong_cryptogram;
	int		 wrong_challenge;	/* i = 70: a challenge that is not
					 * the pseudo-random one */

	/* ---- a maker's habits (-o; not stored) ---- */
	enum nhi_read_style {
		NHI_READ_CHAIN = 0,	/* whole rest, cut to Le with 61xx */
		NHI_READ_ISO,		/* at most Le bytes, 9000 */
		NHI_READ_EOF_WARNING,	/* at most Le bytes, 6282 when fewer */
		NHI_READ_EXACT_LE,	/* Le longer than the rest: 6Cxx */
	}		 read_style;
	int		 t0;		/* the ATR offers T=0 only; T=0 answers */
	int		 extended;	/* extended length (ATR card capabilities);
					 * without it an extended APDU is 6700 */
	uint8_t		 scp_i;		/* 60 (random challenge) or 70
					 * (pseudo-random, sequence counter) */
	uint32_t	 seq;		/* i = 70: the sequence counter */

	/* ---- test build only (-o fixed-challenge=; not stored) ---- */
	int		 fixed;		/* the card's randomness is fixed: */
	uint8_t		 fixed_challenge[8];	/* every card challenge, and with
					 * the serial and AID the key pair seed */

	/* ---- volatile (lost at reset) ---- */
	unsigned long	 responses;	/* APDUs answered since start */
	enum nhi_selected selected;
	int		 ef_current;	/* the basic-items EF is the current EF */
	size_t		 selected_df;	/* index in dfs when NHI_SEL_DF */
	enum nhi_channel channel;
	struct scp03_session session;
	size_t		 channel_keyset;	/* index in keysets */
	uint8_t		 host_challenge[8];
	uint8_t		 card_challenge[8];
	uint8_t		 pending[SIM_RESP_MAX];	/* left for GET RESPONSE */
	size_t		 pending_len, pending_off;
};

/* The AIDs of the profile (defaults of section 9). */
extern const struct nhi_aid nhi_aid_juki;
extern const struct nhi_aid nhi_aid_sd;
extern const struct nhi_aid nhi_aid_nhi;
#define NHI_AID_TOWN_PREFIX	"\xF0\x4E\x48\x49\x43\x54"
#define NHI_KVN_MUNICIPALITY	0x30
#define NHI_KVN_TRANSPORT	0xFF

/*
 * A command as the card's handlers see it: header and plain data (after
 * secure messaging was removed), whether it arrived inside the secure
 * channel, and where the answer goes.
 */
struct nhi_cmd {
	uint8_t		 cla, ins, p1, p2;
	const uint8_t	*data;
	size_t		 lc;
	int		 has_le;
	size_t		 le;		/* when has_le: 1..65536 */
	int		 secured;	/* came through the open secure channel */
};

struct nhi_answer {
	uint8_t		 data[SIM_RESP_MAX];
	size_t		 len;
	uint16_t	 sw;
	int		 changed;	/* persistent state changed */
};

/* ---- os-nhi.c ---- */
/* 1 if the two AIDs are equal. */
int	nhi_aid_equal(const struct nhi_aid *a, const struct nhi_aid *b);
/* Set an AID from bytes; 0 or NHI_ERANGE. */
int	nhi_aid_set(struct nhi_aid *aid, const uint8_t *b, size_t len);
/* The town area's AID for a 6-digit municipality code; 0 or NHI_EPARSE. */
int	nhi_town_aid(const char *municipality, struct nhi_aid *out);

/* ---- os-nhi-files.c: the file tree and its commands ---- */
/* The DF with this AID, or NULL. */
struct nhi_df	*nhi_df_find(struct nhi_card *card, const struct nhi_aid *aid);
/* Add a DF (creation and tests); 0, NHI_EEXISTS, NHI_ENOTFOUND (parent),
 * NHI_ERANGE (card full). */
int	nhi_df_add(struct nhi_card *card, const struct nhi_aid *aid,
	    const struct nhi_aid *parent, uint8_t lcs, struct nhi_df **out);
/* The first data object `tag` of a DF; 0 or NHI_ENOTFOUND. */
int	nhi_df_object(const struct nhi_df *df, uint32_t tag, const uint8_t **value,
	    size_t *len);
/* Replace (or add) data object `tag` of a DF; 0 or NHI_ERANGE. */
int	nhi_df_put_object(struct nhi_df *df, uint32_t tag, const uint8_t *value,
	    size_t len);
/* The basic-items EF contents (template E0). 0 or NHI_ERANGE. */
int	nhi_items_encode(const struct nhi_items *items, uint8_t *out, size_t cap,
	    size_t *outlen);
/* The command handlers: fill `ans`. */
void	nhi_cmd_select(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_read_binary(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_create_file(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_delete_file(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_set_lcs(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_generate_key(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_put_data(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_internal_auth(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);

/* ---- os-nhi-sc.c: the secure channel (SCP03, card side) ---- */
/* End the channel (or its pending INITIALIZE UPDATE); wipes the session. */
void	nhi_sc_close(struct nhi_card *card);
void	nhi_cmd_initialize_update(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
/* EXTERNAL AUTHENTICATE (CLA 84, checked by the dispatcher). */
void	nhi_cmd_external_auth(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
void	nhi_cmd_put_key(struct nhi_card *card, const struct nhi_cmd *c,
	    struct nhi_answer *ans);
/* The key set with this KVN, or NULL. */
struct scp03_keyset *nhi_keyset_find(struct nhi_card *card, uint8_t kvn);

/* ---- os-nhi-keys.c: the card's crypto beyond SCP03 ---- */
/*
 * The card's static key set `kvn`: the card maker's master keys (the file
 * `keys`, or in the directory `keys` test-master-KVN.keys / for FF
 * test-transport-ff.keys) diversified with the card's serial
 * (docs/keys.md). Returns 0 or a key store error with detail.
 */
int	nhi_keys_derive_static(const char *keys, uint8_t kvn,
	    const uint8_t serial[NHI_SERIAL_LEN], struct scp03_keyset *out);
/* A fresh EC P-256 key pair. 0 or NHI_ECRYPTO. */
int	nhi_keys_generate(uint8_t priv[NHI_EC_PRIV_LEN], uint8_t pub[NHI_EC_PUB_LEN]);
/* The key pair of a card with a fixed challenge: derived from its serial,
 * the DF's AID and the challenge (the same work as generating one). */
int	nhi_keys_generate_fixed(const struct nhi_card *card, const struct nhi_aid *aid,
	    uint8_t priv[NHI_EC_PRIV_LEN], uint8_t pub[NHI_EC_PUB_LEN]);
/* ECDSA P-256 / SHA-256 over msg with the card key, r || s. 0 or
 * NHI_ECRYPTO. */
int	nhi_keys_sign(const uint8_t priv[NHI_EC_PRIV_LEN],
	    const uint8_t pub[NHI_EC_PUB_LEN], const uint8_t *msg, size_t len,
	    uint8_t sig[NHI_EC_SIG_LEN]);
/* Key check value: the first 3 bytes of AES-ECB(key, 16 x 01). */
int	nhi_keys_kcv(const uint8_t *key, size_t keylen, uint8_t kcv[3]);
/* Decrypt one PUT KEY key block under the static DEK (CBC, IV zero). */
int	nhi_keys_dek_decrypt(const struct scp03_keyset *keys, const uint8_t *in,
	    size_t len, uint8_t *out);

/* ---- os-nhi-state.c: creation and the state file ---- */
/* A new card of personality `kind` with factory content. */
struct nhi_card *nhi_card_new(const char *kind);
void	nhi_card_free(struct nhi_card *card);
/*
 * Give a card being created its factory content (static keys from the key
 * store, town area) if it has not got it yet. 0 or the key store's error.
 */
int	nhi_card_ready(struct nhi_card *card);
/* -o KEY=VALUE (see docs/cardsim-os.md). 0 or NHI_EUSAGE. */
int	nhi_card_option(struct nhi_card *card, const char *key, const char *value,
	    int *changed);
/* The state file body; 0 or NHI_EPARSE with the line. */
int	nhi_card_load(struct nhi_card *card, const uint8_t *text, size_t len);
/* *out is malloc'd (caller frees with util_free_secret). 0 or key errors. */
int	nhi_card_save(struct nhi_card *card, uint8_t **out, size_t *outlen);
/* ---- os-nhi-show.c: the printout ---- */
/* Print the card for people (no private keys). */
void	nhi_card_show(const struct nhi_card *card, FILE *out);
/* Load a state file (any of the three kinds) and print it. 0 or errors. */
int	nhi_card_inspect(const char *path, FILE *out);

#endif
