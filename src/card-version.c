/*
 * card-version.c: the PC/SC library version.
 */
#include "config.h"

#include <PCSC/winscard.h>
#include <PCSC/pcsclite.h>

#include "card.h"

const char *
card_library_version(void)
{
	return "pcsc-lite " PCSCLITE_VERSION_NUMBER;
}
