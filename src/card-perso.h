/*
 * card-perso.h: the NHI card profile, station side (docs/card-profile.md):
 * recognizing a card, reading its four basic items, personalizing it with
 * the NHI AP, reading it back, checking it, locking and unlocking it.
 *
 * Built on the transport (card_xfer), the secure channel (scp03_*) and the
 * crypto layer (key store, ECDSA); the personalization keeps its record in
 * the store (store_card_*). Files: card-profile.c (configuration,
 * recognition, parsing), card-record.c (the key record), card-perso.c
 * (personalization, re-key, retry, lock), card-verify.c (read back and
 * challenge-response).
 */
#ifndef NHI_CARD_PERSO_H
#define NHI_CARD_PERSO_H

#include <stddef.h>
#include <stdint.h>

struct card;
struct config;
struct store;
struct card_keys;
struct scp03_keyset;

#define CARD_AID_MAX		16
#define CARD_SERIAL_LEN		10
#define CARD_ATR_ALLOW_MAX	16
#define CARD_CHILDREN_MAX	32
#define CARD_USER_NUMBER_LEN	16
#define CARD_PUBKEY_LEN		65
#define CARD_SIG_LEN		64
#define CARD_SIGNER_ID_LEN	8
#define CARD_CHALLENGE_LEN	32
#define CARD_SFI_ITEMS		0x01	/* the Juki AP's basic-items EF */
#define CARD_ITEMS_MAX		4096	/* the longest basic-items EF read */

/* LCS bytes of ISO/IEC 7816-4 as the profile uses them. */
#define CARD_LCS_CREATION	0x01
#define CARD_LCS_DEACTIVATED	0x04
#define CARD_LCS_ACTIVATED	0x05

/* ---- Configuration (card-profile.c) ---------------------------------- */

struct card_atr_pattern {
	uint8_t		 atr[33];
	uint8_t		 mask[33];
	size_t		 len;
};

/* The profile's configuration, section 9, with the defaults applied. */
struct card_profile {
	struct card_atr_pattern atr_allow[CARD_ATR_ALLOW_MAX];
	size_t		 atr_count;
	uint8_t		 aid_juki[CARD_AID_MAX], aid_sd[CARD_AID_MAX];
	uint8_t		 aid_town[CARD_AID_MAX], aid_nhi[CARD_AID_MAX];
	size_t		 aid_juki_len, aid_sd_len, aid_town_len, aid_nhi_len;
	uint8_t		 kvn;		/* municipality key set */
	uint8_t		 transport_kvn;	/* blank standalone cards */
	uint8_t		 level;		/* secure channel security level */
	char		 municipality_code[7];
	char		 insurer_number[9];
};

/*
 * Read the card.* and station.* keys of `cfg` into *out. The town area AID
 * is card.aid_town_prefix followed by the municipality code in BCD.
 * Returns 0, or NHI_ECONFIG naming the key (bad hex, bad check digit, a
 * required key missing).
 */
int	card_profile_load(const struct config *cfg, struct card_profile *out);
/* Only what reading a card needs (ATR list, AIDs, key versions), without
 * the station's own codes: the clinic terminal's profile. Leaves
 * municipality_code and insurer_number empty. */
int	card_profile_load_reader(const struct config *cfg, struct card_profile *out);

/* 0 if `atr` matches an allow-list entry, else NHI_ECARD_UNKNOWN with the
 * ATR in the detail. */
int	card_profile_atr_check(const struct card_profile *prof, const uint8_t *atr,
	    size_t len);

/* ---- Keys (card-keys.c) ------------------------------------------------ */

/*
 * The keys personalization needs, from the key store directory
 * (configuration keys.dir, default NHI_DATADIR/keys; docs/keys.md): the
 * municipality master key set for card.kvn (master-KV.keys, or
 * test-master-KV.keys), the transport master key set for
 * card.transport_kvn when present (for blank standalone cards; also found
 * as [test-]transport-KV.keys), and the
 * municipality signing key (municipality.key or test-municipality.key).
 * Test keys are refused in production mode (NHI_ETESTKEY). Returns 0 and
 * *out (caller must card_keys_free), or the key store's errors naming the
 * file.
 */
int	card_keys_load(const struct config *cfg, const struct card_profile *prof,
	    struct card_keys **out);
void	card_keys_free(struct card_keys *keys);
/* The card keys only, without the municipality signing key: what a card
 * bureau's machine holds (nhicard-bureau, docs/batch.md "The bureau's
 * loop"); card_keys_sign() then fails with NHI_EKEY. */
int	card_keys_load_no_signer(const struct config *cfg, const struct card_profile *prof,
	    struct card_keys **out);

/* The card's static keys for key version `kvn`, diversified with its
 * serial. NHI_ENOFILE (detail names the file) if that key set is not in
 * the key store. */
int	card_keys_diversify(const struct card_keys *keys, uint8_t kvn,
	    const uint8_t serial[CARD_SERIAL_LEN], struct scp03_keyset *out);

/* The signer key id of DF08: the first 8 bytes of SHA-256 of the signing
 * key's public point. */
const uint8_t *card_keys_signer_id(const struct card_keys *keys);

/* Sign `len` bytes (ECDSA P-256, SHA-256) into sig (64 bytes r || s). */
int	card_keys_sign(const struct card_keys *keys, const uint8_t *data, size_t len,
	    uint8_t sig[CARD_SIG_LEN]);

/* 1 if the key store holds test keys (the caller may say so). */
int	card_keys_are_test(const struct card_keys *keys);

/* ---- Recognition (card-profile.c) ------------------------------------ */

enum card_family {
	CARD_FAMILY_UNKNOWN = 0,
	CARD_FAMILY_JUKI = 1,
	CARD_FAMILY_STANDALONE = 2,
};

/* The basic items of the Juki AP (section 2.1), as UTF-8 / ASCII text. */
struct card_items {
	char		 name[256];
	char		 birth[9];		/* YYYYMMDD */
	char		 sex[2];		/* "1" or "2" */
	char		 address[512];
	char		 municipality[7];
};

struct card_child {
	uint8_t		 aid[CARD_AID_MAX];
	size_t		 aid_len;
	uint8_t		 lcs;
};

/* What recognition learned (the SD's FCI, section 3.1). */
struct card_info {
	int		 has_juki;		/* the Juki AP answered 9000 */
	struct card_items items;		/* when has_juki */
	int		 family;		/* enum card_family, from DF40 */
	uint8_t		 serial[CARD_SERIAL_LEN];
	char		 serial_hex[2 * CARD_SERIAL_LEN + 1];
	uint8_t		 kvns[16];
	size_t		 kvn_count;
	struct card_child children[CARD_CHILDREN_MAX];
	size_t		 child_count;
	int		 town_present;
	int		 nhi_present;
	uint8_t		 nhi_lcs;		/* when nhi_present */
	size_t		 other_apps;		/* children other than town area and NHI AP */
};

/*
 * Parse the value of the Juki AP's E0 template (the READ BINARY answer)
 * into *out. Returns 0 or NHI_EPARSE naming the missing or malformed item
 * (never its value). Fuzzed.
 */
int	card_items_parse(const uint8_t *buf, size_t len, struct card_items *out);

/* Parse the SD's FCI (the 6F template) into the FCI fields of *out.
 * Returns 0 or NHI_EPARSE. Fuzzed. */
int	card_sd_fci_parse(const struct card_profile *prof, const uint8_t *buf,
	    size_t len, struct card_info *out);

/* 1 if the SD advertises key version `kvn`. */
int	card_info_has_kvn(const struct card_info *info, uint8_t kvn);

/*
 * Recognize the card (section 2): ATR, SELECT Juki AP, READ BINARY of the
 * basic items on a Juki card, SELECT SD. Leaves the SD selected. Returns
 * 0, NHI_ECARD_UNKNOWN (ATR not allowed, no SD, a Juki card of another
 * municipality, malformed answers), NHI_ECARD_SW, or a transport error.
 */
int	card_recognize(struct card *card, const struct card_profile *prof,
	    struct card_info *out);

/* The resident's four basic items as the store holds them. */
struct card_person {
	const char	*name;
	const char	*birth_date;	/* YYYY-MM-DD */
	int		 sex;		/* 1 male, 2 female */
	const char	*address;
	int		 gaiji_decided;	/* a supervisor decided that a card whose
					 * name differs only at the resident's
					 * 外字 positions is the resident's own */
};

/*
 * Compare the card's four basic items with the person's after the
 * normalization of text_basic_items_make() (text.h), the one the residents
 * layer uses: names without blanks, addresses folded; birth date and sex
 * exactly.
 * A name that differs only where the resident's name holds 外字
 * (text_name_gaiji_only_diff) is neither a match nor another person: it is
 * NHI_EMISMATCH with the reason "card.mismatch_gaiji" (a supervisor
 * decides), and a match once p->gaiji_decided is set.
 * Returns 0, or NHI_EMISMATCH whose detail names the items that differ
 * ("name, address"), never their values.
 */
int	card_items_match(const struct card_items *items, const struct card_person *p);

/* ---- The key record (card-record.c) ---------------------------------- */

struct card_key_record {
	uint8_t		 user_number[CARD_USER_NUMBER_LEN];
	char		 insurer_number[9];
	char		 municipality_code[7];
	int		 key_generation;		/* 1..255 */
	char		 issue_date[9];			/* YYYYMMDD */
	int		 kind;				/* 1, 2, 3 */
	uint8_t		 public_key[CARD_PUBKEY_LEN];
	uint8_t		 signer_id[CARD_SIGNER_ID_LEN];
	uint8_t		 signature[CARD_SIG_LEN];
	/* The encoded record (the 70 template) and the signed span in it. */
	uint8_t		 raw[512];
	size_t		 raw_len;
	size_t		 signed_off, signed_len;
};

/* Card kinds as DF06 and the store spell them. */
int		 card_kind_code(const char *kind);	/* 0 if unknown */
const char	*card_kind_name(int code);		/* NULL if unknown */

/*
 * Encode DF01..DF08 of `rec` into rec->raw as a 70 template with room for
 * DF09, and set signed_off/signed_len (the bytes the signature covers).
 * Then card_key_record_seal() appends DF09 from rec->signature and fixes
 * the template length. Returns 0 or NHI_ERANGE.
 */
int	card_key_record_encode(struct card_key_record *rec);
int	card_key_record_seal(struct card_key_record *rec);

/*
 * Parse a 70 template (tag, length and value) into *out, keeping the raw
 * bytes. Every field must be present and well formed. Returns 0 or
 * NHI_EPARSE naming the field. Fuzzed.
 */
int	card_key_record_parse(const uint8_t *buf, size_t len, struct card_key_record *out);

/* The first 4 bytes of SHA-256 of the user number as 8 hex digits: a
 * fingerprint a clerk may see ("3fa0c2d1"). buf holds at least 9 bytes. */
void	card_user_number_fingerprint(const uint8_t un[CARD_USER_NUMBER_LEN], char *buf);

/* ---- NHI AP access (card-verify.c) ----------------------------------- */

/* What SELECT NHI AP answered. */
struct card_nhi_state {
	uint16_t	 sw;		/* 9000, 6283 (deactivated) or 6A82 */
	int		 present;
	uint8_t		 lcs;
	int		 has_record;
	struct card_key_record rec;
};

/* SELECT the NHI AP and parse its FCI. Returns 0 (also when absent: see
 * out->present), NHI_ECARD_UNKNOWN (malformed FCI), or a transport error. */
int	card_select_nhi(struct card *card, const struct card_profile *prof,
	    struct card_nhi_state *out);

/*
 * INTERNAL AUTHENTICATE with `challenge` (32 bytes; NULL: a fresh random
 * one) and check the answer against the record's public key over
 * SHA-256(challenge || user number). Returns 0, NHI_EAUTH (wrong answer:
 * a copied card), NHI_ECARD_SW (refused, e.g. 6985), or a transport error.
 */
int	card_challenge(struct card *card, const struct card_key_record *rec,
	    const uint8_t *challenge);
/* The same, keeping the card's answer (64 bytes r || s, also when it does
 * not verify) in `answer` (NULL: not kept): what a clinic terminal sends
 * to the center as proof that the card is present. */
int	card_challenge_answer(struct card *card, const struct card_key_record *rec,
	    const uint8_t *challenge, uint8_t *answer);

/*
 * Check the record's signature with the municipality signing key named
 * by DF08 in the key store. Returns 0, NHI_EAUTH (wrong signature),
 * NHI_ENOTFOUND (signer unknown here) or a crypto error.
 */
int	card_record_check_signature(struct card_keys *ks,
	    const struct card_key_record *rec);

/* ---- Personalization (card-perso.c) ----------------------------------- */

enum perso_path {
	PERSO_PATH_EXISTING = 1,	/* NHI AP on a Juki card the resident holds */
	PERSO_PATH_NEW_JUKI,		/* a Juki card just issued by the register */
	PERSO_PATH_STANDALONE,		/* a blank standalone card */
};

/* "existing", "new-juki", "standalone"; 0 or NHI_EUSAGE. */
int		 perso_path_parse(const char *s, enum perso_path *out);
const char	*perso_path_name(enum perso_path path);

struct perso_request {
	const struct card_profile *prof;
	struct store		*store;
	struct card_keys	*keys;
	int64_t			 resident_id;
	struct card_person	 person;
	enum perso_path		 path;
	char			 issue_date[9];		/* YYYYMMDD */
	int			 fee_yen;
	int			 fee_waived;
	const char		*fee_reason;		/* NULL if none */
	/*
	 * Progress and cancellation (NULL: none). progress() is called with
	 * the name of each step as it starts ("recognize", "match", "decide",
	 * "open_channel", "create_nhi", "generate_key", "put_record",
	 * "activate", "read_back", "challenge", "record"). cancel() is asked
	 * once, after the card was recognized and matched and before anything
	 * is written to the store or the card: a nonzero answer ends the run
	 * with NHI_ECANCELLED and nothing changed. Past that point a run is
	 * never cancelled (a half-written card is worse than a slow one).
	 */
	void			(*progress)(void *arg, const char *step);
	int			(*cancel)(void *arg);
	void			*hook_arg;
	/* A user number prepared ahead (batch pre-issuance); NULL: random.
	 * It is reserved: if a card record already holds it the run fails
	 * with NHI_EDUPLICATE and writes nothing (never a random fallback). */
	const uint8_t		*prepared_user_number;	/* 16 bytes */
	/* The counter's issue: a card whose NHI AP is already this
	 * resident's active key, when issue_finished(hook_arg, card_id)
	 * answers 0 (an issue killed after the card was recorded, run again:
	 * its card.issue entry is missing), is read back and challenged,
	 * nothing written, and the run succeeds with action "already
	 * issued", so the steps after the card (the card it replaces, the
	 * certificate, the receipt) are done. NULL: such a card is refused. */
	int			(*issue_finished)(void *arg, int64_t card_id);
	/* Tests only: fixed values instead of random ones, so a recorded
	 * transcript replays (NULL: random). */
	const uint8_t		*test_host_challenge;	/* 8 bytes */
	const uint8_t		*test_user_number;	/* 16 bytes */
	const uint8_t		*test_challenge;	/* 32 bytes */
	const uint8_t		*test_signature;	/* 64 bytes, replaces signing */
};

struct perso_result {
	int64_t		 card_id;
	char		 kind[16];
	char		 serial_hex[2 * CARD_SERIAL_LEN + 1];
	int		 key_generation;
	uint8_t		 user_number[CARD_USER_NUMBER_LEN];
	const char	*action;	/* "personalized", "finished", "restarted", "re-keyed" */
	unsigned long	 apdus;		/* commands sent in this run */
	int		 town_created;
	size_t		 other_apps;	/* town apps found and left untouched */
};

/*
 * Personalize the card in `card` for the request's resident (sections 2,
 * 5.1, 5.2): recognize, match the four items, decide from the card and
 * the store whether to start, restart, finish or re-key, write, read back,
 * challenge, record. On success *out is filled. Returns 0 or:
 *   NHI_ECARD_UNKNOWN  not a card of this profile or municipality
 *   NHI_EMISMATCH      a basic item differs (the detail names which)
 *   NHI_ESTATE         the card or the resident already has an active NHI AP,
 *                      the card does not fit the path, not issued here, or
 *                      its NHI AP was usable with a revoked key: it has just
 *                      been locked (lock when presented, docs/lifecycle.md)
 *   NHI_ECARD_REMOVED, NHI_ECARD_RESET, ... the card was lost: the store row
 *                      is unfinished with the step reached (or absent)
 *   NHI_EAUTH, NHI_ECRYPTOGRAM, NHI_ERMAC, NHI_ECARD_SW  the card misbehaved
 *   store and key store errors
 * The store never shows active unless the card was read back and answered
 * the challenge.
 */
int	card_personalize(struct card *card, const struct perso_request *req,
	    struct perso_result *out);

/*
 * The card bureau's two passes on a blank standalone card (docs/batch.md
 * "The bureau's loop"; the reference bureau nhicard-bureau, test and
 * training only). No store: the station records the card when it signs
 * its record and when it imports the result.
 *   generate  recognize; the transport keys, PUT KEY, CREATE FILE (town
 *             area), CREATE FILE (NHI AP, LCS 01), GENERATE KEY PAIR: the
 *             card's serial and public key (65 bytes) out.
 *   write     recognize; the NHI AP must be in LCS 01; the town's keys,
 *             PUT DATA (the record signed at the station), ACTIVATE FILE;
 *             then SELECT NHI AP, the record read back must be the one
 *             written, and INTERNAL AUTHENTICATE must verify with DF07.
 * Return 0, NHI_ECARD_UNKNOWN, NHI_ESTATE (not a blank card, or not one
 * left keyed), NHI_EAUTH, or card and crypto errors.
 */
int	card_bureau_generate(struct card *card, const struct card_profile *prof,
	    struct card_keys *keys, char serial_hex[2 * CARD_SERIAL_LEN + 1],
	    uint8_t pub[CARD_PUBKEY_LEN]);
int	card_bureau_write(struct card *card, const struct card_profile *prof,
	    struct card_keys *keys, const uint8_t *record, size_t len,
	    char serial_hex[2 * CARD_SERIAL_LEN + 1]);

/*
 * Lock (DEACTIVATE FILE) or unlock (ACTIVATE FILE) the NHI AP of the card
 * (section 6). Opens the secure channel with the municipality keys.
 * Records a "locked"/"unlocked" event on the card's store row when there
 * is one. Unlocking a card whose store row is revoked is refused
 * (NHI_ESTATE). Returns 0, NHI_ECARD_UNKNOWN, NHI_ESTATE (no NHI AP, or
 * already in that state), or card/crypto errors. *serial_hex (21 bytes)
 * is set when not NULL.
 */
int	card_set_locked(struct card *card, const struct card_profile *prof,
	    struct card_keys *keys, struct store *store, int lock,
	    char *serial_hex);

#endif
