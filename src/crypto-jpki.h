/*
 * crypto-jpki.h: the cryptography of the My Number card's public-key
 * authentication application (JPKI AP, docs/card-profile.md "The My
 * Number card"): checking a user-authentication certificate against the
 * configured JPKI CA certificates and revocation lists, the signature the
 * card makes with its authentication key (RSA PKCS#1 v1.5 over a SHA-256
 * DigestInfo), and the card side of that signature for the emulator.
 */
#ifndef NHI_CRYPTO_JPKI_H
#define NHI_CRYPTO_JPKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A SHA-256 DigestInfo (RFC 8017, 9.2 note 1): 19-byte prefix + hash. */
#define JPKI_DIGESTINFO_LEN	51
#define JPKI_SIG_MAX		512

/* What the station keeps of a verified certificate. */
struct jpki_cert_info {
	char	issuer[256];		/* RFC 2253 one line */
	char	serial[80];		/* lower-case hex, no leading zeros */
	char	not_before[11];		/* YYYY-MM-DD (UTC) */
	char	not_after[11];
	int	test;			/* issued by (or naming) the test CA */
};

/* The CA side: `cas` and `crls` are lists of PEM file paths separated by
 * blanks or commas (config mynumber.ca, mynumber.crl). */
struct jpki_trust {
	const char	*cas;
	const char	*crls;
	int		 production;	/* refuse the test JPKI CA */
};

/*
 * Verify the DER certificate `der` at time `now`: its chain to one of the
 * configured CA certificates, its validity period, and that no configured
 * CRL of its issuer lists it (a CA with no CRL configured is refused: a
 * revocation cannot be checked). Fills *out (may be NULL) whatever the
 * verdict when the certificate parses. Returns 0, NHI_EPARSE (not a
 * certificate), NHI_ECONFIG (no CA configured, a file that does not
 * load), NHI_ETESTKEY (the test CA on a production station), or
 * NHI_EREFUSED with the reason "mynumber.cert_unknown_ca",
 * "mynumber.cert_expired", "mynumber.cert_not_yet_valid" or
 * "mynumber.cert_revoked" (err_reason).
 */
int	crypto_jpki_verify(const struct jpki_trust *trust, const uint8_t *der,
	    size_t len, time_t now, struct jpki_cert_info *out);

/* The parts of a certificate only (no trust decision). 0 or NHI_EPARSE. */
int	crypto_jpki_cert_info(const uint8_t *der, size_t len, struct jpki_cert_info *out);

/* out = DigestInfo(SHA-256(msg)). */
int	crypto_jpki_digestinfo(const uint8_t *msg, size_t len,
	    uint8_t out[JPKI_DIGESTINFO_LEN]);

/*
 * Check `sig` (what COMPUTE DIGITAL SIGNATURE answered for the
 * DigestInfo of `msg`) with the public key of the DER certificate.
 * 0, NHI_EAUTH (does not verify) or NHI_EPARSE.
 */
int	crypto_jpki_sig_verify(const uint8_t *certder, size_t certlen,
	    const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen);

/* The card side (the emulator): PKCS#1 v1.5 signature of the raw input
 * (a DigestInfo) with a DER private key. 0, NHI_EKEY or NHI_ERANGE. */
int	crypto_jpki_card_sign(const uint8_t *keyder, size_t keylen, const uint8_t *in,
	    size_t inlen, uint8_t *sig, size_t cap, size_t *siglen);

/* Read a PEM (or DER) certificate / private key file into DER; *der is
 * malloc'd. 0, an fs error or NHI_EPARSE naming the file. */
int	crypto_jpki_load_cert(const char *path, uint8_t **der, size_t *len);
int	crypto_jpki_load_key(const char *path, uint8_t **der, size_t *len);

/* ---- Revocation lists (crypto-jpki-crl.c) ---------------------------- */

struct jpki_crl;

struct jpki_crl_info {
	char	issuer[256];		/* RFC 2253, as a link records it */
	char	number[80];		/* crlNumber, lower-case hex; "" when absent */
	char	this_update[21];	/* YYYY-MM-DDTHH:MM:SSZ */
	size_t	revoked;		/* entries */
};

/* Parse exactly one CRL (PEM or DER) from `data`; `what` names it in
 * errors. 0 (caller frees *out) or NHI_EPARSE. No trust decision. */
int	crypto_jpki_crl_parse(const char *what, const uint8_t *data, size_t len,
	    struct jpki_crl **out, struct jpki_crl_info *info);
/* Read the CRL file `path` and check its signature with the configured CA
 * (`cas`, mynumber.ca) whose subject is its issuer. 0, NHI_ECONFIG (file,
 * no CA), NHI_EPARSE, NHI_ETESTKEY, or NHI_EREFUSED with reason
 * "mynumber.crl_unknown_ca" / "mynumber.crl_bad_signature". */
int	crypto_jpki_crl_read(const char *path, const char *cas, int production,
	    struct jpki_crl **out, struct jpki_crl_info *info);
/* Call fn for each revoked serial (lower-case hex, as jpki_cert_info's);
 * stops at fn's first nonzero answer and returns it. */
int	crypto_jpki_crl_each(const struct jpki_crl *c,
	    int (*fn)(void *arg, const char *serial), void *arg);
void	crypto_jpki_crl_free(struct jpki_crl *c);
/* 1 when the CRL is older than the last one applied (a lower crlNumber
 * when both have one, or an earlier thisUpdate), else 0. */
int	crypto_jpki_crl_older(const struct jpki_crl_info *info, const char *last_number,
	    const char *last_this_update);

#endif
