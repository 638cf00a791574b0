/*
 * card.h: the card layer: PC/SC transport, APDU and BER-TLV codec, the
 * GlobalPlatform SCP03 secure channel and the NHI card profile.
 *
 * Only files named card*.c call PC/SC; PC/SC result codes are translated to
 * NHI_E* codes in exactly one function (card-pcsc.c).
 */
#ifndef NHI_CARD_H
#define NHI_CARD_H

#include <stddef.h>
#include <stdint.h>

/* The PC/SC library this program was built against, for `nhicard version`. */
const char *card_library_version(void);

#endif
