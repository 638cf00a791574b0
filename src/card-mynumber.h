/*
 * card-mynumber.h: the My Number card's two applications as the station
 * uses them (card-mynumber.c, docs/card-profile.md "The My Number card"):
 * the JPKI AP (user-authentication certificate, its PIN, COMPUTE DIGITAL
 * SIGNATURE) and the input-support AP (its PIN, the four basic items).
 * The 個人番号 file (input-support EF 0001) is never selected or read.
 */
#ifndef NHI_CARD_MYNUMBER_H
#define NHI_CARD_MYNUMBER_H

#include <stddef.h>
#include <stdint.h>

#include "card.h"
#include "card-perso.h"

#define MYNUMBER_CERT_MAX	4096
#define MYNUMBER_PIN_LEN	4

enum mynumber_pin { MYNUMBER_PIN_AUTH, MYNUMBER_PIN_INPUT };

/*
 * A My Number card? SELECT of the JPKI AP and of the input-support AP
 * must both answer 9000. 0, NHI_ECARD_UNKNOWN ("not a My Number card",
 * the detail says which application is missing) or a transport error.
 */
int	mynumber_detect(struct card *card);

/*
 * Read the user-authentication certificate (JPKI AP EF 000A, no PIN) in
 * pieces: 4 bytes for the DER header, then the rest at most 256 bytes a
 * READ BINARY. 0, NHI_ECARD_SW, NHI_ECARD_PROTO (not one DER SEQUENCE,
 * over `cap`), or a transport error.
 */
int	mynumber_read_cert(struct card *card, uint8_t *out, size_t cap, size_t *len);

/*
 * Select the PIN EF of `which` (its AP is selected first) and ask the
 * tries left without presenting a PIN (VERIFY without data): *tries is
 * 0..15, or -1 when the PIN is verified already. 0 or a card error;
 * a locked PIN (6983) is *tries = 0 and 0 returned.
 */
int	mynumber_pin_tries(struct card *card, enum mynumber_pin which, int *tries);

/*
 * Present `pin` (4 digits, wiped by the caller) to the PIN EF of `which`,
 * selecting its AP and EF first. Sent once, never retried. 0; NHI_EAUTH
 * with *tries_left and the reason "mynumber.pin_wrong" (63Cx, x > 0) or
 * "mynumber.pin_locked" (63C0, 6983); NHI_EUSAGE (not 4 digits, nothing
 * sent); a card or transport error. The PIN is never in an error text.
 */
int	mynumber_verify_pin(struct card *card, enum mynumber_pin which, const char *pin,
	    int *tries_left);

/*
 * Verify the PIN on the reader's PIN pad (FEATURE_VERIFY_PIN_DIRECT) when
 * the reader has one: the PIN never reaches the station. The PIN EF must
 * be current (mynumber_pin_tries just before). NHI_ENOTFOUND (no detail)
 * when the reader has no PIN pad; NHI_ETIMEOUT or NHI_ECANCELLED from the
 * pad; otherwise as mynumber_verify_pin.
 */
int	mynumber_verify_pin_pad(struct card *card, enum mynumber_pin which,
	    int *tries_left);

/*
 * Read the four basic items (input-support AP EF 0002, its PIN verified
 * in this selection) into *out (municipality left empty). 0, NHI_ECARD_SW
 * (6982: PIN not verified), NHI_ECARD_PROTO (malformed file).
 */
int	mynumber_read_items(struct card *card, struct card_items *out);

/*
 * Which of the four items differ between the card's and the person's
 * (after the match's normalization, text_basic_items_make): "name,
 * address" into which[cap]; "" when none. Names only, never values.
 */
void	mynumber_items_which(const struct card_items *items, const struct card_person *p,
	    char *which, size_t cap);

/*
 * Sign the DigestInfo `di` with the authentication key (JPKI AP EF 0017;
 * the auth PIN verified since the AP was selected). 0, NHI_ECARD_SW.
 */
int	mynumber_sign(struct card *card, const uint8_t *di, size_t dilen, uint8_t *sig,
	    size_t cap, size_t *siglen);

#endif
