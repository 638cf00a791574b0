/*
 * crypto-cms.h: CMS (RFC 5652) for the center queue: batch files signed by
 * the station and encrypted to the center, acknowledgements signed by the
 * center (docs/queue-format.md). Keys and certificates are PEM files; the
 * center's certificate is pinned by its SHA-256 fingerprint.
 */
#ifndef NHI_CRYPTO_CMS_H
#define NHI_CRYPTO_CMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct crypto_cms_keys;

/*
 * Load the station's private key and certificate (for signing) and the
 * center's certificate (for encryption and for verifying its
 * acknowledgements). `center_fp` is the expected SHA-256 fingerprint of the
 * center certificate (hex, colons and case ignored); a certificate that does
 * not match is refused with NHI_EKEY naming the file. The station's key must
 * match its certificate. Returns 0 and *out (free with crypto_cms_keys_free),
 * NHI_ENOFILE, NHI_EKEY (unreadable, mismatched), NHI_ECONFIG (bad fingerprint).
 */
int	crypto_cms_keys_load(const char *station_key, const char *station_cert,
	    const char *center_cert, const char *center_fp, struct crypto_cms_keys **out);
void	crypto_cms_keys_free(struct crypto_cms_keys *k);

/* SHA-256 fingerprint of the certificate in PEM file `path`, 64 lower-case
 * hex digits into out. */
int	crypto_cert_fingerprint(const char *path, char out[65]);

/*
 * Sign `data` with the station key (SignedData, SHA-256, content embedded,
 * DER) and encrypt that to the center's certificate (EnvelopedData,
 * AES-256-CBC, DER). *out (caller must free) and *outlen set.
 * Returns 0 or NHI_ECRYPTO.
 */
int	crypto_cms_seal(const struct crypto_cms_keys *k, const void *data, size_t len,
	    uint8_t **out, size_t *outlen);

/*
 * Verify a SignedData (DER) made by the center: the signer must be the
 * pinned center certificate and the signature good. `source` names the
 * file in errors. *content (caller must free, NUL-terminated) and *clen set.
 * Returns 0, NHI_EPARSE (not a CMS SignedData), NHI_EKEY (another signer or
 * a bad signature).
 */
int	crypto_cms_verify_center(const struct crypto_cms_keys *k, const uint8_t *der,
	    size_t len, const char *source, uint8_t **content, size_t *clen);

/*
 * The other way round (the card bureau's files, docs/batch.md "The
 * bureau's loop"): decrypt the EnvelopedData file `path` with the
 * station's key and certificate, then verify the SignedData inside: its
 * one signer must be the pinned peer certificate (the one loaded as the
 * "center" certificate; `peer` names it in errors, e.g. "card bureau").
 * The content goes to an unlinked temporary file, given back rewound in
 * *content (fclose it), so memory holds about one copy of the file at a
 * time. Returns 0, NHI_ENOFILE, NHI_EPARSE (not CMS), NHI_EKEY (not for
 * this station, another signer, a bad signature), NHI_EIO.
 */
int	crypto_cms_unseal_file(const struct crypto_cms_keys *k, const char *path,
	    const char *peer, FILE **content);

/*
 * The center's side (for the reference intake and tests): decrypt a batch
 * with the center's key and certificate and verify the station's signature
 * against the CA certificate `ca_cert`. *content (caller must free,
 * NUL-terminated), *clen, and the signer's certificate SHA-256 fingerprint
 * in signer_fp (65 bytes). Returns 0, NHI_ENOFILE, NHI_EPARSE, NHI_EKEY.
 */
int	crypto_cms_open(const char *center_key, const char *center_cert,
	    const char *ca_cert, const uint8_t *der, size_t len, const char *source,
	    uint8_t **content, size_t *clen, char signer_fp[65]);

/* Sign `data` as the center does for acknowledgements (SignedData, DER,
 * content embedded) with the key and certificate in PEM files. */
int	crypto_cms_sign_file_key(const char *key, const char *cert, const void *data,
	    size_t len, uint8_t **out, size_t *outlen);

/*
 * Whether a PEM file is a TEST key or certificate: one of the published
 * test keys or certificates (by fingerprint), a certificate naming the
 * test CA, or a file marked with a line "test = yes" before its first
 * "-----BEGIN" (docs/keys.md). Sets *is_test; returns 0 or a file error
 * naming the path.
 */
int	crypto_pem_is_test(const char *path, int *is_test);

/*
 * A production station's clear private key file (the queue signing key,
 * the TLS client key) must be for the station's user alone: refused with
 * NHI_EPERM when group or others may read or write it, naming the
 * configuration key `what`, the path and the mode (docs/keys.md).
 * Returns 0 or NHI_EPERM / NHI_ENOFILE.
 */
int	crypto_key_file_private(const char *path, const char *what);

#endif
