/*
 * crypto-token.c: keys in a PKCS#11 token (docs/keys.md 4.9). The module
 * (keys.pkcs11_module) is loaded with dlopen; the token is found by its
 * label, a user session logged in with the PIN of keys.pkcs11_pin_file.
 * Master keys are AES secret keys used through CKM_AES_ECB (key check
 * values, the KDF's CMAC steps), CKM_AES_ECB_ENCRYPT_DATA (the card keys
 * derived in the token, crypto_token_kdf_key) and CKM_AES_CMAC (the KDF
 * of keys made before they had CKA_DERIVE); the signing key is an EC
 * P-256 private key used through CKM_ECDSA. Every key this file creates
 * or imports is a token object with CKA_SENSITIVE true and
 * CKA_EXTRACTABLE false: the token never hands out its value. Derived
 * card and session keys are sensitive session objects (a card key may
 * leave only wrapped, for PUT KEY). The PIN is wiped after login and
 * never reaches an error detail.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>

#include "crypto.h"
#include "crypto-keystore.h"
#include "crypto-token.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

#define PIN_MAX		256
#define LABEL_MAX	64

struct crypto_token {
	void			*dl;
	CK_FUNCTION_LIST_PTR	 f;
	CK_SESSION_HANDLE	 session;
	int			 finalize;	/* we called C_Initialize */
	char			 label[LABEL_MAX];
	char			 module[256];
};

/* How many tokens this process has open on its module (C_Finalize at 0). */
static int open_count;

/* A PKCS#11 return value as words (the common ones). */
static const char *
rv_text(CK_RV rv)
{
	switch (rv) {
	case CKR_PIN_INCORRECT: return "wrong PIN";
	case CKR_PIN_LOCKED: return "PIN locked";
	case CKR_PIN_EXPIRED: return "PIN expired";
	case CKR_MECHANISM_INVALID: return "mechanism not supported";
	case CKR_KEY_TYPE_INCONSISTENT: return "wrong key type";
	case CKR_KEY_FUNCTION_NOT_PERMITTED: return "key use not permitted";
	case CKR_ATTRIBUTE_SENSITIVE: return "attribute sensitive";
	case CKR_TOKEN_NOT_PRESENT: return "token not present";
	case CKR_DEVICE_REMOVED: return "device removed";
	case CKR_USER_NOT_LOGGED_IN: return "not logged in";
	case CKR_TEMPLATE_INCONSISTENT: return "template inconsistent";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "attribute value invalid";
	default: return "PKCS#11 error";
	}
}

static int
p11_fail(const struct crypto_token *t, const char *what, CK_RV rv)
{
	/* A token gone or broken is a device problem, not a bug of ours. */
	if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	    rv == CKR_DEVICE_ERROR || rv == CKR_SESSION_CLOSED ||
	    rv == CKR_SESSION_HANDLE_INVALID)
		return err_set(NHI_EIO, "token '%s': %s: %s (CKR 0x%lx): is the token"
		    " connected?", t->label, what, rv == CKR_DEVICE_ERROR ? "device error" :
		    rv == CKR_DEVICE_REMOVED ? "device removed" : "token not present",
		    (unsigned long)rv);
	return err_set(NHI_ECRYPTO, "token '%s': %s: %s (CKR 0x%lx)", t->label, what,
	    rv_text(rv), (unsigned long)rv);
}

int
crypto_keys_store_token(const struct config *cfg, int *is_token)
{
	const char *v = cfg != NULL ? config_get(cfg, "keys.store", "file") : "file";

	if (strcmp(v, "file") == 0)
		*is_token = 0;
	else if (strcmp(v, "pkcs11") == 0)
		*is_token = 1;
	else
		return err_set(NHI_ECONFIG, "keys.store: '%s' is not file or pkcs11", v);
	return 0;
}

const char *
crypto_token_label(const struct crypto_token *t)
{
	return t->label;
}

/* A blank-padded PKCS#11 label field equals `want`? */
static int
label_is(const CK_UTF8CHAR *field, size_t n, const char *want)
{
	size_t w = strlen(want), end = n;

	while (end > 0 && field[end - 1] == ' ')
		end--;
	return end == w && memcmp(field, want, w) == 0;
}

int
crypto_token_open(const char *module, const char *label, const char *pin,
    struct crypto_token **out)
{
	CK_RV (*getlist)(CK_FUNCTION_LIST_PTR_PTR);
	CK_SLOT_ID *slots = NULL;
	CK_ULONG nslots = 0, i;
	CK_TOKEN_INFO ti;
	struct crypto_token *t = xcalloc(1, sizeof *t);
	CK_RV rv;
	int r = 0, found = 0;

	snprintf(t->label, sizeof t->label, "%s", label);
	snprintf(t->module, sizeof t->module, "%s", module);
	if ((t->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		r = err_set(NHI_ECONFIG, "keys.pkcs11_module: cannot load %s: %s", module,
		    dlerror());
		goto fail;
	}
	*(void **)&getlist = dlsym(t->dl, "C_GetFunctionList");
	if (getlist == NULL || getlist(&t->f) != CKR_OK || t->f == NULL) {
		r = err_set(NHI_ECONFIG, "keys.pkcs11_module: %s is not a PKCS#11 module",
		    module);
		goto fail;
	}
	rv = t->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		r = err_set(NHI_ECONFIG, "keys.pkcs11_module: %s does not initialize:"
		    " %s (CKR 0x%lx)", module, rv_text(rv), (unsigned long)rv);
		goto fail;
	}
	t->finalize = 1;
	open_count++;
	if ((rv = t->f->C_GetSlotList(CK_TRUE, NULL, &nslots)) != CKR_OK) {
		r = p11_fail(t, "listing slots", rv);
		goto fail;
	}
	slots = xcalloc(nslots + 1, sizeof *slots);
	if ((rv = t->f->C_GetSlotList(CK_TRUE, slots, &nslots)) != CKR_OK) {
		r = p11_fail(t, "listing slots", rv);
		goto fail;
	}
	for (i = 0; i < nslots && !found; i++) {
		if (t->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !label_is(ti.label, sizeof ti.label, label))
			continue;
		found = 1;
		rv = t->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION,
		    NULL, NULL, &t->session);
		if (rv != CKR_OK) {
			r = p11_fail(t, "opening a session", rv);
			goto fail;
		}
	}
	if (!found) {
		r = err_set(NHI_ENOFILE, "keys.pkcs11_token: no token labelled '%s' in"
		    " %s (%lu token%s present)", label, module, (unsigned long)nslots,
		    nslots == 1 ? "" : "s");
		goto fail;
	}
	rv = t->f->C_Login(t->session, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)pin,
	    strlen(pin));
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED ||
	    rv == CKR_PIN_LEN_RANGE) {
		r = err_set(NHI_EDENIED, "token '%s': the user PIN was refused: %s",
		    label, rv == CKR_PIN_LEN_RANGE ? "wrong PIN" : rv_text(rv));
		goto fail;
	}
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		r = p11_fail(t, "login", rv);
		goto fail;
	}
	free(slots);
	*out = t;
	return 0;
fail:
	free(slots);
	crypto_token_close(t);
	return r;
}

void
crypto_token_close(struct crypto_token *t)
{
	if (t == NULL)
		return;
	/* No C_Logout: the login belongs to the application, not the
	 * session, and would log out another open token handle; closing the
	 * last session ends it. */
	if (t->session != 0)
		t->f->C_CloseSession(t->session);
	if (t->finalize && --open_count == 0)
		t->f->C_Finalize(NULL);
	/* The module stays loaded: unloading a module that registered
	 * atexit handlers (SoftHSM does) would leave them dangling. */
	free(t);
}

/* The PIN file: owned by us, no group or other bits; first line. */
static int
read_pin_file(const char *path, char pin[PIN_MAX])
{
	struct stat sb;
	ssize_t n;
	size_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return err_set(errno == ENOENT ? NHI_ENOFILE : NHI_EIO,
		    "keys.pkcs11_pin_file: %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(NHI_ECONFIG, "keys.pkcs11_pin_file: %s is not a file", path);
	}
	if ((sb.st_mode & 077) != 0 || sb.st_uid != geteuid()) {
		close(fd);
		return err_set(NHI_ECONFIG, "keys.pkcs11_pin_file: %s is readable or"
		    " writable by others (mode %04o) or not owned by this account:"
		    " chmod 600", path, (unsigned)(sb.st_mode & 07777));
	}
	n = read(fd, pin, PIN_MAX - 1);
	close(fd);
	if (n < 0)
		return err_set(NHI_EIO, "keys.pkcs11_pin_file: %s: %s", path,
		    strerror(errno));
	pin[n] = '\0';
	len = strcspn(pin, "\r\n");
	pin[len] = '\0';
	if (len == 0)
		return err_set(NHI_ECONFIG, "keys.pkcs11_pin_file: %s is empty", path);
	return 0;
}

static struct crypto_token *cached;

struct crypto_token *
crypto_token_current(void)
{
	return cached;
}

void
crypto_token_set_current(struct crypto_token *t)
{
	cached = t;
}

int
crypto_token_from_config(const struct config *cfg, struct crypto_token **out)
{
	const char *module, *label, *pinfile;
	char pin[PIN_MAX];
	int r;

	if (cached != NULL) {
		*out = cached;
		return 0;
	}
	module = config_get(cfg, "keys.pkcs11_module", NULL);
	label = config_get(cfg, "keys.pkcs11_token", NULL);
	pinfile = config_get(cfg, "keys.pkcs11_pin_file", NULL);
	if (module == NULL || label == NULL || pinfile == NULL)
		return err_set(NHI_ECONFIG, "keys.store = pkcs11 needs %s",
		    module == NULL ? "keys.pkcs11_module (the token's PKCS#11 module)" :
		    label == NULL ? "keys.pkcs11_token (the token label)" :
		    "keys.pkcs11_pin_file (a 0600 file holding the user PIN)");
	if ((r = read_pin_file(pinfile, pin)) == 0)
		r = crypto_token_open(module, label, pin, &cached);
	OPENSSL_cleanse(pin, sizeof pin);
	if (r == 0)
		*out = cached;
	return r;
}

int
crypto_token_for_key(const struct config *cfg, const char *name)
{
	const char *v = config_get(cfg, name, NULL);
	struct crypto_token *t;
	int token = 0, r;

	if (v == NULL || strncmp(v, CRYPTO_TOKEN_REF, strlen(CRYPTO_TOKEN_REF)) != 0)
		return 0;
	if ((r = crypto_keys_store_token(cfg, &token)) != 0)
		return r;
	if (!token)
		return err_set(NHI_ECONFIG, "%s = %s names a key in a PKCS#11 token, but"
		    " keys.store is not pkcs11", name, v);
	return crypto_token_from_config(cfg, &t);
}

/* ---- objects ---- */

static int
find_object(struct crypto_token *t, const char *label, CK_OBJECT_CLASS cls,
    CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE tpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv;

	if ((rv = t->f->C_FindObjectsInit(t->session, tpl, 2)) != CKR_OK)
		return p11_fail(t, "searching", rv);
	rv = t->f->C_FindObjects(t->session, h, 2, &n);
	t->f->C_FindObjectsFinal(t->session);
	if (rv != CKR_OK)
		return p11_fail(t, "searching", rv);
	if (n == 0)
		return NHI_ENOTFOUND;
	if (n > 1)
		return err_set(NHI_EKEY, "token '%s': two objects labelled '%s'",
		    t->label, label);
	*out = h[0];
	return 0;
}

static int
need_object(struct crypto_token *t, const char *label, CK_OBJECT_CLASS cls,
    CK_OBJECT_HANDLE *out)
{
	int r = find_object(t, label, cls, out);

	if (r == NHI_ENOTFOUND)
		return err_set(NHI_ENOFILE, "token '%s': no %s labelled '%s'", t->label,
		    cls == CKO_SECRET_KEY ? "secret key" : cls == CKO_PRIVATE_KEY ?
		    "private key" : "public key", label);
	return r;
}

static int
label_taken(struct crypto_token *t, const char *label)
{
	CK_OBJECT_HANDLE h;
	static const CK_OBJECT_CLASS cls[] = { CKO_SECRET_KEY, CKO_PRIVATE_KEY,
	    CKO_PUBLIC_KEY };
	size_t i;
	int r;

	for (i = 0; i < 3; i++) {
		r = find_object(t, label, cls[i], &h);
		if (r == 0)
			return err_set(NHI_EEXISTS, "token '%s': the label '%s' is taken",
			    t->label, label);
		if (r != NHI_ENOTFOUND)
			return r;
	}
	return 0;
}

int
crypto_token_has_label(struct crypto_token *t, const char *label, int *yes)
{
	int r = label_taken(t, label);

	*yes = r == NHI_EEXISTS;
	if (*yes) {
		err_clear();
		r = 0;
	}
	return r;
}

static CK_ULONG
ulong_attr(struct crypto_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = (CK_ULONG)-1;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (t->f->C_GetAttributeValue(t->session, h, &a, 1) != CKR_OK)
		return (CK_ULONG)-1;
	return v;
}

/* ---- operations ---- */

/*
 * The test suite's fault hook (configure --enable-test-hooks only):
 * NHICARD_TEST_TOKEN_FAIL=cmac or =ecdsa makes that operation fail as a
 * token pulled out mid-issue does (CKR_DEVICE_REMOVED).
 */
static int
fault(const char *op)
{
#if NHI_TEST_HOOKS
	const char *v = getenv("NHICARD_TEST_TOKEN_FAIL");

	return v != NULL && strcmp(v, op) == 0;
#else
	(void)op;
	return 0;
#endif
}

int
crypto_token_cmac(struct crypto_token *t, unsigned long h, const uint8_t *in,
    size_t len, uint8_t out[16])
{
	CK_MECHANISM m = { CKM_AES_CMAC, NULL, 0 };
	CK_ULONG n = 16;
	CK_RV rv;

	if (fault("cmac"))
		return p11_fail(t, "AES-CMAC", CKR_DEVICE_REMOVED);
	if ((rv = t->f->C_SignInit(t->session, &m, h)) != CKR_OK)
		return p11_fail(t, "AES-CMAC", rv);
	if ((rv = t->f->C_Sign(t->session, (CK_BYTE_PTR)(uintptr_t)in, len, out,
	    &n)) != CKR_OK || n != 16)
		return p11_fail(t, "AES-CMAC", rv);
	return 0;
}

int
crypto_token_kcv(struct crypto_token *t, unsigned long h, uint8_t kcv[3])
{
	CK_MECHANISM m = { CKM_AES_ECB, NULL, 0 };
	CK_BYTE ones[16], outb[16];
	CK_ULONG n = sizeof outb;
	CK_RV rv;

	memset(ones, 0x01, sizeof ones);
	if ((rv = t->f->C_EncryptInit(t->session, &m, h)) != CKR_OK ||
	    (rv = t->f->C_Encrypt(t->session, ones, sizeof ones, outb, &n)) != CKR_OK)
		return p11_fail(t, "key check value (AES-ECB)", rv);
	memcpy(kcv, outb, 3);
	return 0;
}

int
crypto_token_ecdsa(struct crypto_token *t, unsigned long h, const uint8_t hash[32],
    uint8_t sig[CRYPTO_EC_SIG_LEN])
{
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_ULONG n = CRYPTO_EC_SIG_LEN;
	CK_RV rv;

	if (fault("ecdsa"))
		return p11_fail(t, "ECDSA", CKR_DEVICE_REMOVED);
	if ((rv = t->f->C_SignInit(t->session, &m, h)) != CKR_OK)
		return p11_fail(t, "ECDSA", rv);
	if ((rv = t->f->C_Sign(t->session, (CK_BYTE_PTR)(uintptr_t)hash, 32, sig,
	    &n)) != CKR_OK || n != CRYPTO_EC_SIG_LEN)
		return p11_fail(t, "ECDSA", rv);
	return 0;
}

/* ---- keys derived in the token (the KDF's output never in memory) ----
 *
 * CMAC(K, M1 || ... || Mm) = AES_K(C(m-1) xor X), where C(0) = 0,
 * C(j) = AES_K(C(j-1) xor Mj) and X is Mm xor K1 (a complete last block)
 * or pad(Mm) xor K2 (10* padding), K1 and K2 the subkeys from AES_K(0)
 * (NIST SP 800-38B). Every value before the last AES is public
 * information about K (AES_K of public blocks, as a KCV is), computed
 * with CKM_AES_ECB; the last AES is C_DeriveKey with
 * CKM_AES_ECB_ENCRYPT_DATA, whose output is a new key object that is
 * sensitive and stays in the token. For a key of 24 or 32 bytes the KDF
 * needs two CMAC blocks: the derive encrypts both final blocks (ECB is
 * block by block) and the key takes the first keylen bytes.
 */

static int
ecb_block(struct crypto_token *t, unsigned long h, const uint8_t in[16],
    uint8_t out[16])
{
	CK_MECHANISM m = { CKM_AES_ECB, NULL, 0 };
	CK_ULONG n = 16;
	CK_RV rv;

	if ((rv = t->f->C_EncryptInit(t->session, &m, h)) != CKR_OK ||
	    (rv = t->f->C_Encrypt(t->session, (CK_BYTE_PTR)(uintptr_t)in, 16,
	    out, &n)) != CKR_OK || n != 16)
		return p11_fail(t, "AES-ECB", rv);
	return 0;
}

int
crypto_token_encrypt_block(struct crypto_token *t, unsigned long h,
    const uint8_t in[16], uint8_t out[16])
{
	return ecb_block(t, h, in, out);
}

static void
cmac_dbl(uint8_t b[16])
{
	uint8_t carry = b[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		b[i] = (uint8_t)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (uint8_t)(b[15] << 1);
	if (carry)
		b[15] ^= 0x87;
}

/* The last block's input X xor C(m-1) of CMAC(K, msg): `fin`. */
static int
cmac_final_input(struct crypto_token *t, unsigned long h, const uint8_t *msg,
    size_t len, uint8_t fin[16])
{
	uint8_t k[16], c[16], x[16];
	size_t m, j, i, last;
	int r;

	memset(x, 0, sizeof x);
	if ((r = ecb_block(t, h, x, k)) != 0)		/* L = AES_K(0) */
		return r;
	cmac_dbl(k);					/* K1 */
	m = len == 0 ? 1 : (len + 15) / 16;
	last = len - (m - 1) * 16;
	if (last < 16) {
		cmac_dbl(k);				/* K2 */
		memcpy(x, msg + (m - 1) * 16, last);
		x[last] = 0x80;
	} else
		memcpy(x, msg + (m - 1) * 16, 16);
	memset(c, 0, sizeof c);
	for (j = 0; j + 1 < m; j++) {
		for (i = 0; i < 16; i++)
			c[i] ^= msg[j * 16 + i];
		if ((r = ecb_block(t, h, c, c)) != 0)
			goto out;
	}
	for (i = 0; i < 16; i++)
		fin[i] = (uint8_t)(c[i] ^ x[i] ^ k[i]);
out:
	memset(k, 0, sizeof k);
	return r;
}

int
crypto_token_kdf_key(struct crypto_token *t, unsigned long h, uint8_t dc,
    const uint8_t *context, size_t ctxlen, size_t keylen, unsigned use,
    unsigned long *out)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG vlen = keylen;
	uint8_t in[16 + 64], fin[32];
	CK_KEY_DERIVATION_STRING_DATA p;
	CK_MECHANISM m = { CKM_AES_ECB_ENCRYPT_DATA, &p, sizeof p };
	CK_ATTRIBUTE tpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_VALUE_LEN, &vlen, sizeof vlen },
		{ CKA_TOKEN, &no, sizeof no },		/* a session object */
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, (use & CRYPTO_TOKEN_USE_WRAPPED) ? &yes : &no,
		    sizeof yes },
		{ CKA_ENCRYPT, (use & CRYPTO_TOKEN_USE_ENCRYPT) ? &yes : &no,
		    sizeof yes },
		{ CKA_DECRYPT, (use & CRYPTO_TOKEN_USE_DECRYPT) ? &yes : &no,
		    sizeof yes },
		{ CKA_SIGN, (use & CRYPTO_TOKEN_USE_SIGN) ? &yes : &no, sizeof yes },
		{ CKA_VERIFY, (use & CRYPTO_TOKEN_USE_SIGN) ? &yes : &no, sizeof yes },
		{ CKA_WRAP, (use & CRYPTO_TOKEN_USE_WRAP) ? &yes : &no, sizeof yes },
		{ CKA_UNWRAP, &no, sizeof no },
		{ CKA_DERIVE, (use & CRYPTO_TOKEN_USE_DERIVE) ? &yes : &no,
		    sizeof yes },
	};
	CK_OBJECT_HANDLE nh = CK_INVALID_HANDLE;
	size_t nblocks, b;
	CK_RV rv;
	int r = 0;

	*out = 0;
	if ((keylen != 16 && keylen != 24 && keylen != 32) || ctxlen > 64)
		return err_set(NHI_ERANGE, "token KDF: a %zu-byte key, %zu bytes of"
		    " context", keylen, ctxlen);
	if (fault("derive"))
		return p11_fail(t, "deriving a key (AES-ECB-ENCRYPT-DATA)",
		    CKR_DEVICE_REMOVED);
	nblocks = (keylen + 15) / 16;
	memset(in, 0, 16);
	in[11] = dc;
	in[13] = (uint8_t)((keylen * 8) >> 8);
	in[14] = (uint8_t)(keylen * 8);
	if (ctxlen > 0)
		memcpy(in + 16, context, ctxlen);
	for (b = 0; b < nblocks; b++) {
		in[15] = (uint8_t)(b + 1);
		if ((r = cmac_final_input(t, h, in, 16 + ctxlen, fin + 16 * b)) != 0)
			goto out;
	}
	p.pData = fin;
	p.ulLen = nblocks * 16;
	if ((rv = t->f->C_DeriveKey(t->session, &m, h, tpl,
	    sizeof tpl / sizeof tpl[0], &nh)) != CKR_OK) {
		r = p11_fail(t, "deriving a key (AES-ECB-ENCRYPT-DATA)", rv);
		goto out;
	}
	*out = nh;
out:
	memset(fin, 0, sizeof fin);
	return r;
}

int
crypto_token_aes(struct crypto_token *t, unsigned long h, const uint8_t *iv,
    int enc, const uint8_t *in, size_t len, uint8_t *out)
{
	CK_MECHANISM m = { iv == NULL ? CKM_AES_ECB : CKM_AES_CBC,
	    (void *)(uintptr_t)iv, iv == NULL ? 0 : 16 };
	CK_ULONG n = len;
	CK_RV rv;

	if (len % 16 != 0)
		return err_set(NHI_ERANGE, "AES: %zu bytes is not a whole number of"
		    " blocks", len);
	if (fault("aes"))
		return p11_fail(t, "AES", CKR_DEVICE_REMOVED);
	if (enc)
		rv = t->f->C_EncryptInit(t->session, &m, h);
	else
		rv = t->f->C_DecryptInit(t->session, &m, h);
	if (rv == CKR_OK)
		rv = enc ? t->f->C_Encrypt(t->session, (CK_BYTE_PTR)(uintptr_t)in, len,
		    out, &n) : t->f->C_Decrypt(t->session, (CK_BYTE_PTR)(uintptr_t)in,
		    len, out, &n);
	if (rv != CKR_OK || n != len)
		return p11_fail(t, iv == NULL ? "AES-ECB" : "AES-CBC", rv);
	return 0;
}

int
crypto_token_wrap(struct crypto_token *t, unsigned long wrapping,
    unsigned long key, size_t keylen, uint8_t *out)
{
	static const CK_BYTE zero[16];
	CK_MECHANISM m = { CKM_AES_CBC, (void *)(uintptr_t)zero, sizeof zero };
	CK_ULONG n = keylen;
	CK_RV rv;

	if ((rv = t->f->C_WrapKey(t->session, &m, wrapping, key, out, &n)) != CKR_OK ||
	    n != keylen)
		return p11_fail(t, "wrapping a key (C_WrapKey, AES-CBC)", rv);
	return 0;
}

int
crypto_token_can_derive(struct crypto_token *t, unsigned long h)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_DERIVE, &v, sizeof v };

	return t->f->C_GetAttributeValue(t->session, h, &a, 1) == CKR_OK &&
	    v == CK_TRUE;
}

void
crypto_token_destroy(struct crypto_token *t, unsigned long h)
{
	if (t != NULL && h != 0)
		t->f->C_DestroyObject(t->session, h);
}

/* ---- master keys ---- */

int
crypto_token_master_keys(struct crypto_token *t, uint8_t kvn, enum crypto_mode mode,
    struct crypto_master_keys *out)
{
	static const char *const part[3] = { "enc", "mac", "dek" };
	CK_OBJECT_HANDLE h[3];
	CK_ULONG len[3];
	char label[LABEL_MAX];
	int i, r;

	memset(out, 0, sizeof *out);
	for (i = 0; i < 3; i++) {
		snprintf(label, sizeof label, "master-%02x-%s", kvn, part[i]);
		if ((r = need_object(t, label, CKO_SECRET_KEY, &h[i])) != 0)
			return r;
		len[i] = ulong_attr(t, h[i], CKA_VALUE_LEN);
		if (ulong_attr(t, h[i], CKA_KEY_TYPE) != CKK_AES ||
		    (len[i] != 16 && len[i] != 24 && len[i] != 32))
			return err_set(NHI_EKEY, "token '%s': '%s' is not an AES-128, -192"
			    " or -256 key", t->label, label);
		if (len[i] != len[0])
			return err_set(NHI_EKEY, "token '%s': the keys of version %02X"
			    " differ in length", t->label, kvn);
	}
	out->kvn = kvn;
	out->keylen = len[0];
	out->token = t;
	out->h_enc = h[0];
	out->h_mac = h[1];
	out->h_dek = h[2];
	out->derive = crypto_token_can_derive(t, h[0]) &&
	    crypto_token_can_derive(t, h[1]) && crypto_token_can_derive(t, h[2]);
	out->test = crypto_testkey_master(out);
	if (out->test && mode == CRYPTO_MODE_PRODUCTION) {
		memset(out, 0, sizeof *out);
		return err_set(NHI_ETESTKEY, "token '%s': master key version %02X is a"
		    " shipped test key set (by its check values)", t->label, kvn);
	}
	return 0;
}

static int
put_aes(struct crypto_token *t, const char *label, const uint8_t *value,
    size_t keylen, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG vlen = keylen;
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE tpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_SIGN, &yes, sizeof yes },		/* AES-CMAC */
		{ CKA_VERIFY, &no, sizeof no },
		{ CKA_ENCRYPT, &yes, sizeof yes },	/* the KCV (AES-ECB) */
		{ CKA_DECRYPT, &no, sizeof no },
		{ CKA_WRAP, &no, sizeof no },
		{ CKA_UNWRAP, &no, sizeof no },
		{ CKA_DERIVE, &yes, sizeof yes },	/* the KDF in the token */
		{ CKA_MODIFIABLE, &no, sizeof no },
		/* last: the value (import) or its length (generate) */
		{ CKA_VALUE_LEN, &vlen, sizeof vlen },
	};
	CK_ULONG n = sizeof tpl / sizeof tpl[0];
	CK_RV rv;

	if (value != NULL) {
		tpl[n - 1].type = CKA_VALUE;
		tpl[n - 1].pValue = (void *)(uintptr_t)value;
		tpl[n - 1].ulValueLen = keylen;
		rv = t->f->C_CreateObject(t->session, tpl, n, out);
	} else {
		/* C_GenerateKey takes no CKA_CLASS/CKA_KEY_TYPE: implied. */
		rv = t->f->C_GenerateKey(t->session, &gen, tpl + 2, n - 2, out);
	}
	if (rv != CKR_OK)
		return p11_fail(t, value != NULL ? "importing an AES key" :
		    "generating an AES key", rv);
	return 0;
}

static int
put_master(struct crypto_token *t, uint8_t kvn, size_t keylen,
    const struct crypto_master_keys *m)
{
	static const char *const part[3] = { "enc", "mac", "dek" };
	CK_OBJECT_HANDLE h[3];
	char label[LABEL_MAX];
	int i, j, r;

	if (keylen != 16 && keylen != 24 && keylen != 32)
		return err_set(NHI_ERANGE, "AES key length %zu", keylen);
	for (i = 0; i < 3; i++) {
		snprintf(label, sizeof label, "master-%02x-%s", kvn, part[i]);
		if ((r = label_taken(t, label)) != 0)
			return r;
	}
	for (i = 0; i < 3; i++) {
		const uint8_t *v = m == NULL ? NULL : i == 0 ? m->enc : i == 1 ? m->mac :
		    m->dek;

		snprintf(label, sizeof label, "master-%02x-%s", kvn, part[i]);
		if ((r = put_aes(t, label, v, keylen, &h[i])) != 0) {
			/* All three or none. */
			for (j = 0; j < i; j++)
				t->f->C_DestroyObject(t->session, h[j]);
			return r;
		}
	}
	return 0;
}

int
crypto_token_generate_master(struct crypto_token *t, uint8_t kvn, size_t keylen)
{
	return put_master(t, kvn, keylen, NULL);
}

int
crypto_token_import_master(struct crypto_token *t, const struct crypto_master_keys *m)
{
	if (m->token != NULL)
		return err_set(NHI_EKEY, "the master key set is already in a token");
	return put_master(t, m->kvn, m->keylen, m);
}

int
crypto_token_highest_kvn(struct crypto_token *t, unsigned *out)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE tpl[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_OBJECT_HANDLE h[32];
	CK_ULONG n = 0, i;
	CK_RV rv;
	unsigned best = 0, k;

	if ((rv = t->f->C_FindObjectsInit(t->session, tpl, 1)) != CKR_OK)
		return p11_fail(t, "searching", rv);
	while ((rv = t->f->C_FindObjects(t->session, h, 32, &n)) == CKR_OK && n > 0) {
		for (i = 0; i < n; i++) {
			char lab[LABEL_MAX + 1];
			CK_ATTRIBUTE a = { CKA_LABEL, lab, LABEL_MAX };

			if (t->f->C_GetAttributeValue(t->session, h[i], &a, 1) != CKR_OK)
				continue;
			lab[a.ulValueLen] = '\0';
			if (sscanf(lab, "master-%2x-", &k) == 1 && k < 0x80 && k > best)
				best = k;
		}
	}
	t->f->C_FindObjectsFinal(t->session);
	if (rv != CKR_OK)
		return p11_fail(t, "searching", rv);
	*out = best;
	return 0;
}

/* ---- the signing key ---- */

/* The P-256 curve's OID, DER: the CKA_EC_PARAMS value. */
static const CK_BYTE p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
    0x03, 0x01, 0x07 };

/* The public point of the public key object `label` (CKA_EC_POINT, which
 * tokens give DER-wrapped in an OCTET STRING or bare). */
static int
public_point(struct crypto_token *t, const char *label, uint8_t pub[CRYPTO_EC_PUB_LEN])
{
	CK_OBJECT_HANDLE h;
	CK_BYTE buf[128];
	CK_ATTRIBUTE a = { CKA_EC_POINT, buf, sizeof buf };
	CK_RV rv;
	int r;

	if ((r = need_object(t, label, CKO_PUBLIC_KEY, &h)) != 0)
		return r;
	if ((rv = t->f->C_GetAttributeValue(t->session, h, &a, 1)) != CKR_OK)
		return p11_fail(t, "reading the public key", rv);
	if (a.ulValueLen == CRYPTO_EC_PUB_LEN + 2 && buf[0] == 0x04 &&
	    buf[1] == CRYPTO_EC_PUB_LEN)
		memcpy(pub, buf + 2, CRYPTO_EC_PUB_LEN);
	else if (a.ulValueLen == CRYPTO_EC_PUB_LEN)
		memcpy(pub, buf, CRYPTO_EC_PUB_LEN);
	else
		return err_set(NHI_EKEY, "token '%s': '%s' is not a P-256 public key",
		    t->label, label);
	if (pub[0] != 0x04 || crypto_ec_public_check(pub) != 0)
		return err_set(NHI_EKEY, "token '%s': '%s' is not a P-256 public key",
		    t->label, label);
	return 0;
}

int
crypto_token_sign_key(struct crypto_token *t, const char *label,
    enum crypto_mode mode, struct crypto_sign_key **out)
{
	uint8_t pub[CRYPTO_EC_PUB_LEN];
	CK_OBJECT_HANDLE h;
	int r, test;

	if ((r = need_object(t, label, CKO_PRIVATE_KEY, &h)) != 0 ||
	    (r = public_point(t, label, pub)) != 0)
		return r;
	if (ulong_attr(t, h, CKA_KEY_TYPE) != CKK_EC)
		return err_set(NHI_EKEY, "token '%s': '%s' is not an EC key", t->label,
		    label);
	if ((r = crypto_sign_key_from_token(t, h, pub, 0, out)) != 0)
		return r;
	test = crypto_testkey_sign_pub(pub);
	if (test && mode == CRYPTO_MODE_PRODUCTION) {
		crypto_sign_key_free(*out);
		*out = NULL;
		return err_set(NHI_ETESTKEY, "token '%s': '%s' is a shipped test signing"
		    " key", t->label, label);
	}
	crypto_sign_key_set_test(*out, test);
	return 0;
}

int
crypto_token_generate_signing(struct crypto_token *t, const char *label)
{
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pubt[] = {
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_VERIFY, &yes, sizeof yes },
		{ CKA_EC_PARAMS, (void *)(uintptr_t)p256_oid, sizeof p256_oid },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_SIGN, &yes, sizeof yes },
		{ CKA_DERIVE, &no, sizeof no },
		{ CKA_MODIFIABLE, &no, sizeof no },
	};
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;
	int r;

	if ((r = label_taken(t, label)) != 0)
		return r;
	rv = t->f->C_GenerateKeyPair(t->session, &m, pubt, sizeof pubt / sizeof pubt[0],
	    privt, sizeof privt / sizeof privt[0], &hpub, &hpriv);
	if (rv != CKR_OK)
		return p11_fail(t, "generating a P-256 key pair", rv);
	return 0;
}

int
crypto_token_import_signing(struct crypto_token *t, const char *label,
    const struct crypto_sign_key *key)
{
	CK_OBJECT_CLASS pubc = CKO_PUBLIC_KEY, privc = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	uint8_t priv[CRYPTO_EC_PRIV_LEN], point[2 + CRYPTO_EC_PUB_LEN];
	CK_ATTRIBUTE pubt[] = {
		{ CKA_CLASS, &pubc, sizeof pubc },
		{ CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_VERIFY, &yes, sizeof yes },
		{ CKA_EC_PARAMS, (void *)(uintptr_t)p256_oid, sizeof p256_oid },
		{ CKA_EC_POINT, point, sizeof point },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_CLASS, &privc, sizeof privc },
		{ CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_SIGN, &yes, sizeof yes },
		{ CKA_DERIVE, &no, sizeof no },
		{ CKA_MODIFIABLE, &no, sizeof no },
		{ CKA_EC_PARAMS, (void *)(uintptr_t)p256_oid, sizeof p256_oid },
		{ CKA_VALUE, priv, sizeof priv },
	};
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;
	int r;

	if ((r = label_taken(t, label)) != 0)
		return r;
	/* CKA_EC_POINT is the DER OCTET STRING of the point. */
	point[0] = 0x04;
	point[1] = CRYPTO_EC_PUB_LEN;
	if ((r = crypto_sign_key_raw(key, priv, point + 2)) != 0)
		goto out;
	if ((rv = t->f->C_CreateObject(t->session, pubt, sizeof pubt / sizeof pubt[0],
	    &hpub)) != CKR_OK) {
		r = p11_fail(t, "importing the public key", rv);
		goto out;
	}
	if ((rv = t->f->C_CreateObject(t->session, privt, sizeof privt / sizeof privt[0],
	    &hpriv)) != CKR_OK) {
		t->f->C_DestroyObject(t->session, hpub);
		r = p11_fail(t, "importing the private key", rv);
		goto out;
	}
out:
	OPENSSL_cleanse(priv, sizeof priv);
	return r;
}

int
crypto_token_describe(struct crypto_token *t, char **out)
{
	char *s = xstrdup(""), *n;
	unsigned high = 0, k;
	struct crypto_master_keys m;
	struct crypto_sign_key *sk = NULL;
	uint8_t pub[CRYPTO_EC_PUB_LEN], hsh[CRYPTO_SHA256_LEN];
	int r;

	if ((r = crypto_token_highest_kvn(t, &high)) != 0) {
		free(s);
		return r;
	}
	/* Versions 01..highest, then the transport set FF. */
	for (k = high > 0 ? 1 : 0xff; k <= 0xff; k = k == high ? 0xff : k + 1) {
		char *d;

		if (crypto_token_master_keys(t, (uint8_t)k, CRYPTO_MODE_DEMO, &m) != 0) {
			err_clear();
			if (k == 0xff)
				break;
			continue;
		}
		d = crypto_master_keys_describe(&m);
		n = xasprintf("%stoken %s: master-%02x-enc/mac/dek: %s\n", s, t->label, k, d);
		free(d);
		free(s);
		s = n;
		if (k == 0xff)
			break;
	}
	if (crypto_token_sign_key(t, CRYPTO_TOKEN_SIGNING_LABEL, CRYPTO_MODE_DEMO,
	    &sk) == 0 && crypto_sign_key_public(sk, pub) == 0 &&
	    crypto_sha256(pub, sizeof pub, hsh) == 0) {
		n = xasprintf("%stoken %s: %s: EC P-256 signing key, key id"
		    " %02x%02x%02x%02x%02x%02x%02x%02x\n", s, t->label,
		    CRYPTO_TOKEN_SIGNING_LABEL, hsh[0], hsh[1], hsh[2], hsh[3], hsh[4],
		    hsh[5], hsh[6], hsh[7]);
		free(s);
		s = n;
	} else
		err_clear();
	crypto_sign_key_free(sk);
	*out = s;
	return 0;
}
