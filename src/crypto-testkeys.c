/*
 * crypto-testkeys.c: the keys and certificates published with the source
 * (keys/test-*), known by what they are rather than by what their file
 * says: the key check values of the test master key sets, the SHA-256
 * fingerprints of the test public keys and certificates, and the test
 * CA's name in a certificate's subject or issuer. A production station
 * refuses them even after someone changed `test = yes` to `test = no`
 * (docs/keys.md "Test keys"). Only public values live here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "crypto-cms.h"
#include "crypto-keystore.h"
#include "error.h"
#include "util.h"

/* KCVs (ENC, MAC, DEK) of keys/test-master-30.keys and test-transport-ff.keys. */
static const uint8_t test_master_kcvs[][3][3] = {
	{ { 0x3f, 0x6d, 0xfb }, { 0x3e, 0xfd, 0x4e }, { 0x54, 0xbd, 0x8d } },
	{ { 0x1d, 0x7a, 0x5c }, { 0x75, 0x10, 0x3b }, { 0x36, 0x7e, 0xc1 } },
};

/* SHA-256 of the DER SubjectPublicKeyInfo of every key in keys/ (a
 * certificate carries the same public key as its key file). */
static const char *const test_pubkeys[] = {
	"e1cc66029ce3d70839892955bd420e2649691a01cd5d5dd1daa8d4980195ca38",	/* center-wrong */
	"656b01ba351088c80ee4257b23e91301cf5a598adbf89c1dc7db1ebb9e8592fe",	/* center */
	"be829d8990b59545381bbc1695b0cc8d488121598d4722c71dfbb9d26229ad9b",	/* municipality */
	"006738e143ed007dfe617360425dc942f03c874de30b615883937d41b9ec713f",	/* queue CA */
	"bb52ba395571b8d5240c72550816ed90c9010bf794bd213067d9f50789263f6c",	/* station */
};

/* SHA-256 of the DER of every certificate in keys/. */
static const char *const test_certs[] = {
	"320416e263c4922a81df1127e87d527cf022c28689bff2f19bdd72f8fb232565",
	"d3e22faab026c287cdd54a5e23838eb3c16b7b7816c40dad255fe972f40e62dd",
	"facb989dc0fbf6c2e2c2ebfd4653145b58e429e2b4cb7ff733235689e18f18a6",
	"8dcb33d4ef8b105ebc544c2bc385be28074bdb94de2e103fe1ef5bebc3f656c2",
};

/* The organization every test certificate names. */
#define TEST_CA_NAME	"nhicard TEST"

int
crypto_testkey_master(const struct crypto_master_keys *m)
{
	uint8_t kcv[3][3];
	size_t i;

	if (crypto_master_keys_kcvs(m, kcv) != 0) {
		err_clear();
		return 0;
	}
	for (i = 0; i < NHI_ARRAY_LEN(test_master_kcvs); i++)
		if (memcmp(kcv[0], test_master_kcvs[i][0], 3) == 0 &&
		    memcmp(kcv[1], test_master_kcvs[i][1], 3) == 0 &&
		    memcmp(kcv[2], test_master_kcvs[i][2], 3) == 0)
			return 1;
	return 0;
}

static int
listed(const char *const *list, size_t n, const char *hex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], hex) == 0)
			return 1;
	return 0;
}

static void
sha256_hex(const unsigned char *der, int len, char hex[65])
{
	uint8_t h[32];

	if (len <= 0 || crypto_sha256(der, (size_t)len, h) != 0) {
		hex[0] = '\0';
		return;
	}
	hex_encode(h, sizeof(h), hex);
}

int
crypto_testkey_pubkey(EVP_PKEY *pkey, char hex[65])
{
	unsigned char *der = NULL;
	int len;

	hex[0] = '\0';
	if ((len = i2d_PUBKEY(pkey, &der)) <= 0)
		return 0;
	sha256_hex(der, len, hex);
	OPENSSL_free(der);
	return listed(test_pubkeys, NHI_ARRAY_LEN(test_pubkeys), hex);
}

/* 1 if the certificate is a shipped one, carries a shipped key, or names
 * the test CA; *why says which. */
static int
testkey_cert(X509 *x, const char **why, char hex[65])
{
	unsigned char *der = NULL;
	char name[256];
	int len;

	if ((len = i2d_X509(x, &der)) > 0) {
		sha256_hex(der, len, hex);
		OPENSSL_free(der);
		if (listed(test_certs, NHI_ARRAY_LEN(test_certs), hex)) {
			*why = "the published test certificate, SHA-256";
			return 1;
		}
	}
	if (crypto_testkey_pubkey(X509_get0_pubkey(x), hex)) {
		*why = "a certificate for a published test key, public key SHA-256";
		return 1;
	}
	hex[0] = '\0';
	X509_NAME_oneline(X509_get_subject_name(x), name, sizeof(name));
	if (strstr(name, TEST_CA_NAME) != NULL) {
		*why = "a certificate whose subject names the test CA";
		return 1;
	}
	X509_NAME_oneline(X509_get_issuer_name(x), name, sizeof(name));
	if (strstr(name, TEST_CA_NAME) != NULL) {
		*why = "a certificate issued by the test CA";
		return 1;
	}
	return 0;
}

int
crypto_testkey_pem(const char *text, size_t len, char **why)
{
	char *name = NULL, *header = NULL, hex[65];
	unsigned char *data = NULL;
	const unsigned char *p;
	const char *reason = NULL;
	long dlen;
	BIO *bio;
	X509 *x;
	EVP_PKEY *pk;
	int found = 0;

	if (len > INT32_MAX || (bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return 0;
	while (!found && PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
		p = data;
		if (strcmp(name, "CERTIFICATE") == 0 &&
		    (x = d2i_X509(NULL, &p, dlen)) != NULL) {
			found = testkey_cert(x, &reason, hex);
			X509_free(x);
		} else if (strstr(name, "PRIVATE KEY") != NULL &&
		    strstr(name, "ENCRYPTED") == NULL &&
		    (pk = d2i_AutoPrivateKey(NULL, &p, dlen)) != NULL) {
			if ((found = crypto_testkey_pubkey(pk, hex)) != 0)
				reason = "a published test key, public key SHA-256";
			EVP_PKEY_free(pk);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		if (data != NULL)
			OPENSSL_cleanse(data, (size_t)dlen);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (found && why != NULL)
		*why = hex[0] != '\0' ? xasprintf("%s %s", reason, hex) : xstrdup(reason);
	return found;
}
