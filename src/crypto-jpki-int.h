/*
 * crypto-jpki-int.h: what the JPKI files of the crypto layer share
 * (crypto-jpki.c, crypto-jpki-crl.c): loading the configured CA
 * certificates into an OpenSSL store.
 */
#ifndef NHI_CRYPTO_JPKI_INT_H
#define NHI_CRYPTO_JPKI_INT_H

#include <openssl/x509.h>

/* Add every CA certificate of the list `cas` (mynumber.ca: paths
 * separated by blanks or commas) to `store`; *n how many files. The test
 * JPKI CA is refused (NHI_ETESTKEY) when `production`. 0, NHI_ECONFIG
 * naming the file or NHI_ETESTKEY. */
int	jpki_load_cas(const char *cas, int production, X509_STORE *store, int *n);

/* A name as the station records it (RFC 2253, one line), a serial as
 * lower-case hex (BN_bn2hex): the same for a certificate and a CRL entry. */
void	jpki_name(const X509_NAME *nm, char *out, size_t cap);
void	jpki_serial_hex(const ASN1_INTEGER *serial, char *out, size_t cap);

#endif
