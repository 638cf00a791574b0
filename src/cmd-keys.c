/*
 * cmd-keys.c: `nhicard keys create|import|list|kcv|rotate|passwd`: the
 * station's key store (docs/keys.md 4.5-4.7), for key officers. Keys are
 * written only wrapped under the key-store passphrase; staff see key
 * check values and key ids, never keys. Creating, importing and rotating
 * keys is a key ceremony: a supervisor approves it (two-person rule).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-keys.h"
#include "crypto.h"
#include "crypto-audit.h"
#include "crypto-keystore.h"
#include "crypto-token.h"
#include "error.h"
#include "nhiconf.h"
#include "operator.h"
#include "store.h"
#include "util.h"

#ifndef NHI_DATADIR
#define NHI_DATADIR "/usr/local/share/nhicard"
#endif

#define KEYFILE_MAX		(64 * 1024)
#define PASSPHRASE_MIN		12

static int
usage(const char *why)
{
	return cmd_usage(&cmd_keys_entry, why);
}

/* keys.dir, with the production rules of crypto_keys_dir (docs/keys.md 4.4). */
static const char *
keys_dir(const struct session *ctx)
{
	const char *dir = NULL;

	if (crypto_keys_dir(ctx->cfg, &dir) != 0)
		return NULL;
	return dir;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Key files in the directory, sorted by name. */
static int
keys_files(const char *dir, char ***out, size_t *count)
{
	struct dirent **ents = NULL;
	char **v = NULL;
	size_t n = 0;
	int k, i;

	if ((k = scandir(dir, &ents, NULL, alphasort)) < 0)
		return err_set(NHI_ENOFILE, "key store %s: cannot read the directory", dir);
	for (i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.' && (ends_with(ents[i]->d_name, ".keys") ||
		    ends_with(ents[i]->d_name, ".key"))) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xasprintf("%s/%s", dir, ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
	*out = v;
	*count = n;
	return 0;
}

static void
files_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The public header of a wrapped file for the clear inner text. */
static int
inner_info(const char *where, const char *inner, size_t len, char **info)
{
	struct crypto_master_keys m;
	struct crypto_sign_key *sk = NULL;
	uint8_t pub[CRYPTO_EC_PUB_LEN], h[CRYPTO_SHA256_LEN], k[3][3];
	char id[17];
	int r;

	if (crypto_audit_key_is(inner, len)) {
		*info = xstrdup("kind = audit\nmac = HMAC-SHA256\ntest = no\n");
		return 0;
	}
	if (strstr(inner, "-----BEGIN") != NULL) {
		if ((r = crypto_sign_key_parse(where, inner, len, CRYPTO_MODE_TEST, &sk)) != 0 ||
		    (r = crypto_sign_key_public(sk, pub)) != 0 ||
		    (r = crypto_sha256(pub, sizeof(pub), h)) != 0)
			goto out;
		hex_encode(h, 8, id);
		*info = xasprintf("kind = signing\ncurve = P-256\npublic-key-id = %s\n"
		    "test = %s\n", id, crypto_sign_key_is_test(sk) ? "yes" : "no");
		goto out;
	}
	if ((r = crypto_master_keys_parse(where, inner, len, CRYPTO_MODE_TEST, &m)) != 0)
		goto out;
	if ((r = crypto_kcv(m.enc, m.keylen, k[0])) == 0 &&
	    (r = crypto_kcv(m.mac, m.keylen, k[1])) == 0 &&
	    (r = crypto_kcv(m.dek, m.keylen, k[2])) == 0)
		*info = xasprintf("kind = master\nkvn = %02x\nalgorithm = AES-%zu\n"
		    "enc-kcv = %02x%02x%02x\nmac-kcv = %02x%02x%02x\ndek-kcv = %02x%02x%02x\n"
		    "test = %s\n", m.kvn, m.keylen * 8, k[0][0], k[0][1], k[0][2],
		    k[1][0], k[1][1], k[1][2], k[2][0], k[2][1], k[2][2],
		    m.test ? "yes" : "no");
	crypto_master_keys_wipe(&m);
out:
	crypto_sign_key_free(sk);
	return r;
}

/* The first wrapped file of the directory, or NULL. */
static char *
first_wrapped(const char *dir)
{
	char **v = NULL, *text = NULL, *found = NULL;
	size_t n = 0, i, len;

	if (keys_files(dir, &v, &n) != 0) {
		err_clear();
		return NULL;
	}
	for (i = 0; i < n && found == NULL; i++) {
		if (fs_read_file(v[i], KEYFILE_MAX, &text, &len) != 0) {
			err_clear();
			continue;
		}
		if (crypto_keystore_is_wrapped(text, len))
			found = xstrdup(v[i]);
		free(text);
	}
	files_free(v, n);
	return found;
}

/*
 * The key-store passphrase to wrap with: checked against a wrapped file
 * already in the store (one passphrase for the whole store), or, for the
 * first wrapped file, at least PASSPHRASE_MIN characters.
 */
static int
store_passphrase(const char *dir, const char **pass)
{
	char *path = first_wrapped(dir), *text = NULL, *inner = NULL;
	size_t len = 0, ilen = 0;
	int r;

	if ((r = crypto_keystore_passphrase(pass)) != 0)
		goto out;
	if (path == NULL) {
		if (strlen(*pass) < PASSPHRASE_MIN)
			r = err_set(NHI_ERANGE, "the key-store passphrase is too short: at"
			    " least %d characters", PASSPHRASE_MIN);
		goto out;
	}
	if ((r = fs_read_file(path, KEYFILE_MAX, &text, &len)) != 0 ||
	    (r = crypto_keystore_unwrap(path, text, len, *pass, &inner, &ilen)) != 0)
		goto out;
	util_free_secret(inner, ilen + 1);
out:
	free(text);
	free(path);
	return r;
}

/* Wrap `inner` and write it to `path` (mode 0600), refusing to overwrite. */
static int
write_wrapped(const char *path, const char *inner, size_t len, const char *pass,
    const struct config *cfg, char **info_out)
{
	struct crypto_scrypt_params p;
	struct stat sb;
	char *info = NULL, *text = NULL;
	int r;

	if (stat(path, &sb) == 0)
		return err_set(NHI_EEXISTS, "key file %s already exists", path);
	if ((r = operator_scrypt_params(cfg, &p)) != 0 ||
	    (r = inner_info(path, inner, len, &info)) != 0 ||
	    (r = crypto_keystore_wrap(inner, len, pass, &p, info, &text)) != 0 ||
	    (r = fs_write_atomic(path, text, strlen(text), 0600)) != 0)
		goto out;
	*info_out = info;
	info = NULL;
out:
	free(info);
	free(text);
	return r;
}

/* "kvn = 31\nalgorithm = AES-128\n" -> "kvn 31, algorithm AES-128". */
static void
print_info(const char *what, const char *path, const char *info)
{
	const char *p;

	printf("%s %s: ", what, path);
	for (p = info; *p; p++) {
		if (*p == '\n')
			fputs(p[1] ? ", " : "", stdout);
		else if (strncmp(p, " = ", 3) == 0) {
			putchar(' ');
			p += 2;
		} else
			putchar(*p);
	}
	putchar('\n');
}

/*
 * *yes: 1 if `path` exists and no ok `keys.*` audit entry names it: a
 * ceremony wrote it and was stopped (killed, power cut) before its audit
 * entry committed. Its rerun takes the file up (audits it, makes nothing
 * new) instead of refusing it or making one more (docs/keys.md "Run again").
 */
static int
unaudited_key_file(struct session *ctx, const char *path, int *yes)
{
	struct store *st;
	int r, found = 0;

	*yes = 0;
	if (access(path, F_OK) != 0)
		return 0;
	if ((r = session_store(ctx, &st)) != 0 || (r = audit_names(st, "keys.", path,
	    &found)) != 0)
		return r;
	*yes = !found;
	return 0;
}

/* The key file of the signing key, or of master key version kvn, in dir. */
static char *
key_file(const char *dir, int signing, unsigned kvn)
{
	return signing ? xasprintf("%s/municipality.key", dir) :
	    xasprintf("%s/master-%02x.keys", dir, kvn);
}

/* The highest master key version in the directory (01..7F), 0 if none. */
static int
highest_kvn(const char *dir, unsigned *out)
{
	char **v = NULL;
	const char *base;
	size_t n = 0, i;
	unsigned k, best = 0;
	int r;

	if ((r = keys_files(dir, &v, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		base = strrchr(v[i], '/') + 1;
		if (strncmp(base, "test-", 5) == 0)
			base += 5;
		if (sscanf(base, "master-%2x.keys", &k) == 1 && k < 0x80 && k > best)
			best = k;
	}
	files_free(v, n);
	*out = best;
	return 0;
}

int
cmd_keys_audit_ok(struct session *ctx, const char *action, const char *subject,
    const char *detail)
{
	struct store *st;
	int r;

	if ((r = session_store(ctx, &st)) != 0)
		return r;
	return audit_append(st, ctx->operator_login, action, subject, AUDIT_OK, detail);
}


int
cmd_keys_clear_file(struct session *ctx, const char *file, const char *subject, int remove)
{
	int r;

	/* The clear file is the key in the open: offer to remove it. */
	if (remove) {
		if ((r = cmd_keys_remove_clear(file)) != 0)
			return r;
		printf("the clear file %s was overwritten and removed\n", file);
		return cmd_keys_audit_ok(ctx, "keys.import", subject,
		    "clear file removed");
	}
	printf("--keep-clear: the clear file %s stays; destroy it (and its"
	    " medium) after the ceremony\n", file);
	return cmd_keys_audit_ok(ctx, "keys.import", subject,
	    "clear file kept (--keep-clear)");
}

void
cmd_keys_audit_refused(struct session *ctx, const char *action, const char *subject, int r)
{
	struct store *ast;
	int e;
	char *why;

	/* A refused ceremony is one that failed: audited too. */
	if (r == 0 || r == NHI_EUSAGE)
		return;
	e = err_last();
	why = xstrdup(err_detail() != NULL ? err_detail() : "");
	if (session_store(ctx, &ast) == 0)
		audit_refusal(ast, ctx->operator_login, action, subject, r, NULL);
	err_set(e != 0 ? e : r, "%s", why);
	free(why);
}

/*
 * create --audit: the station's audit key (docs/audit.md "The keyed
 * seal"), in the same two-person ceremony. The ceremony holds the key, so
 * it seals the log from its beginning at once: from then on the chain is
 * keyed, and `audit verify` demands the seal. The entry and the seal are
 * one commit; the file is written before it (a file and a row cannot be
 * one transaction): a rerun after a stop between finds the file no entry
 * names, opens it under the store's passphrase and audits and seals with
 * it, making no new key (docs/keys.md "Run again").
 */
static int
keys_create_audit(struct session *ctx, const char *dir)
{
	struct store *st;
	const char *pass;
	char *inner = NULL, *path = xasprintf("%s/audit.key", dir), *info = NULL, *text = NULL;
	uint8_t key[CRYPTO_AUDIT_KEY_LEN];
	int64_t n = 0, bad = 0, through = 0;
	size_t len = 0, ilen = 0;
	int r, taken_up = 0;

	if ((r = unaudited_key_file(ctx, path, &taken_up)) != 0)
		goto out;
	if (!taken_up && access(path, F_OK) == 0) {
		r = err_set(NHI_EEXISTS, "key file %s already exists", path);
		goto out;
	}
	if ((r = operator_require_approval(ctx, "keys.create", "create audit key")) != 0)
		goto out;
	if ((r = session_store(ctx, &st)) != 0)
		goto out;
	/* Seal only a log whose chain holds (unkeyed: there is no seal yet). */
	audit_keying(NULL, 0);
	r = audit_verify(st, &n, &bad);
	session_audit_keying(ctx, st);
	if (r != 0) {
		r = err_wrap(r, "the audit key is not created: ");
		goto out;
	}
	if ((r = store_passphrase(dir, &pass)) != 0)
		goto out;
	if (taken_up) {
		/* Written whole by the stopped run: it opens under the store's
		 * passphrase and is an audit key; nothing new is made. */
		if ((r = fs_read_file(path, KEYFILE_MAX, &text, &len)) != 0 ||
		    (r = crypto_keystore_unwrap(path, text, len, pass, &inner, &ilen)) != 0 ||
		    (r = inner_info(path, inner, ilen, &info)) != 0)
			goto out;
	} else if ((r = crypto_audit_key_generate(&inner)) != 0 ||
	    (r = write_wrapped(path, inner, strlen(inner), pass, ctx->cfg, &info)) != 0)
		goto out;
	if ((r = crypto_audit_key_parse(path, inner, strlen(inner), key)) != 0)
		goto out;
	audit_key_hold(key);
	util_wipe(key, sizeof(key));
	session_audit_keying(ctx, st);
	if ((r = store_begin(st)) != 0)
		goto out;
	if ((r = cmd_keys_audit_ok(ctx, "keys.create", path,
	    "create audit key HMAC-SHA256")) != 0 ||
	    (r = audit_seal(st, &through)) != 0 || (r = store_commit(st)) != 0) {
		store_rollback(st);
		goto out;
	}
	if (taken_up)
		printf("%s was written by a 'keys create --audit' that was stopped before it"
		    " was audited: audited and sealed now, no new key made\n", path);
	print_info("created", path, info);
	printf("audit log sealed through entry %lld: from now on 'nhicard audit verify'"
	    " checks the seal\n", (long long)through);
out:
	audit_key_forget();
	if (inner != NULL)
		util_free_secret(inner, strlen(inner));
	free(text);
	free(path);
	free(info);
	return r;
}

/* create and rotate: a fresh master key set (or signing key). */
static int
keys_create(struct session *ctx, int argc, char **argv, int rotate)
{
	static const struct option longopts[] = {
		{ "kvn", required_argument, NULL, 'k' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "signing", no_argument, NULL, 's' },
		{ "audit", no_argument, NULL, 'A' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *pass, *alg = "AES-128";
	char *inner = NULL, *path = NULL, *info = NULL, *detail = NULL, *end, *text = NULL;
	unsigned kvn = 0, high = 0;
	size_t keylen, len = 0, ilen = 0;
	int c, r, signing = 0, audit = 0, taken_up = 0, to = 0;

	optind = 0;	/* 0: glibc re-reads the option string (main used "+") */
	while ((c = getopt_long(argc, argv, "k:a:s", longopts, NULL)) != -1) {
		if ((c == 'k' && !rotate) || (c == 't' && rotate)) {
			kvn = (unsigned)strtoul(optarg, &end, 16);
			if (*end != '\0' || strlen(optarg) != 2 || kvn < 1 || kvn > 0x7f)
				return usage(rotate ? "--to: two hex digits, 01 to 7F" :
				    "--kvn: two hex digits, 01 to 7F");
			to = rotate;
		} else if (c == 'a')
			alg = optarg;
		else if (c == 's' && !rotate)
			signing = 1;
		else if (c == 'A' && !rotate)
			audit = 1;
		else
			return usage(rotate ? "keys rotate [--to KK] [--algorithm AES-128|AES-256]" :
			    "keys create [--kvn KK] [--algorithm AES-128|AES-256] | --signing |"
			    " --audit");
	}
	if (optind < argc)
		return cmd_operands(&cmd_keys_entry, rotate ? "keys rotate" : "keys create", argc,
		    argv, optind, 0);
	if (optind != argc)
		return usage("unexpected argument");
	if ((dir = keys_dir(ctx)) == NULL)
		return NHI_ECONFIG;
	keylen = strcmp(alg, "AES-128") == 0 ? 16 : strcmp(alg, "AES-192") == 0 ? 24 :
	    strcmp(alg, "AES-256") == 0 ? 32 : 0;
	if (keylen == 0)
		return usage("--algorithm: AES-128, AES-192 or AES-256");
	if (audit)
		return keys_create_audit(ctx, dir);
	if (!signing) {
		if ((r = highest_kvn(dir, &high)) != 0)
			return r;
		if (kvn == 0 && high != 0) {
			/* The newest version written by a stopped run: taken up. */
			path = key_file(dir, 0, high);
			if ((r = unaudited_key_file(ctx, path, &taken_up)) != 0)
				goto out;
			if (taken_up)
				kvn = high;
			free(path);
			path = NULL;
		}
		if (kvn == 0 && high == 0) {
			/* A town's first key set has the version its cards use
			 * (card.kvn, 30 for Juki cards): docs/keys.md 4.6. */
			const char *cv = config_get(ctx->cfg, "card.kvn", "30");

			kvn = (unsigned)strtoul(cv, &end, 16);
			if (*end != '\0' || strlen(cv) != 2 || kvn < 1 || kvn > 0x7f)
				return err_set(NHI_ECONFIG, "card.kvn: '%s' is not two hex"
				    " digits 01 to 7F", cv);
		} else if (kvn == 0)
			kvn = high + 1;
		if (kvn > 0x7f)
			return err_set(NHI_ERANGE, "key store %s: no key version left after"
			    " %02X", dir, high);
		if (!taken_up) {
			path = key_file(dir, 0, kvn);
			if ((r = unaudited_key_file(ctx, path, &taken_up)) != 0)
				goto out;
			free(path);
			path = NULL;
		}
		if (to && !taken_up && kvn <= high) {
			/* rotate --to KK names the version it makes, so that its
			 * rerun after a stop (or a second run) does nothing more:
			 * KK there and audited is the rotation done. */
			path = key_file(dir, 0, kvn);
			if (access(path, F_OK) == 0) {
				printf("key version %02X is there and audited (%s): the rotation"
				    " to it is done, nothing made\n", kvn, path);
				r = 0;
				goto out;
			}
			r = err_set(NHI_ERANGE, "keys rotate --to %02X: the key store %s holds"
			    " version %02X: a rotation goes to a version above the highest",
			    kvn, dir, high);
			goto out;
		}
		detail = xasprintf("%s kvn %02x %s", rotate ? "rotate" : "create", kvn, alg);
	} else {
		path = key_file(dir, 1, 0);
		if ((r = unaudited_key_file(ctx, path, &taken_up)) != 0)
			goto out;
		free(path);
		path = NULL;
		detail = xstrdup("create signing key P-256");
	}
	if ((r = operator_require_approval(ctx, rotate ? "keys.rotate" : "keys.create",
	    detail)) != 0)
		goto out;
	if ((r = store_passphrase(dir, &pass)) != 0)
		goto out;
	if (taken_up) {
		/* Written whole (fs_write_atomic) by the stopped run: it opens
		 * under the store's passphrase; audited now, nothing made. */
		path = key_file(dir, signing, kvn);
		if ((r = fs_read_file(path, KEYFILE_MAX, &text, &len)) != 0 ||
		    (r = crypto_keystore_unwrap(path, text, len, pass, &inner, &ilen)) != 0 ||
		    (r = inner_info(path, inner, ilen, &info)) != 0 ||
		    (r = cmd_keys_audit_ok(ctx, rotate ? "keys.rotate" : "keys.create", path,
		    detail)) != 0)
			goto out;
		printf("%s was written by a 'keys %s' that was stopped before it was"
		    " audited: audited now, no new key made\n", path,
		    rotate ? "rotate" : "create");
		print_info("created", path, info);
		goto out;
	}
	if (signing) {
		path = key_file(dir, 1, 0);
		r = crypto_keystore_generate_signing(&inner);
	} else {
		char name[32];

		snprintf(name, sizeof(name), "test-master-%02x.keys", kvn);
		path = xasprintf("%s/%s", dir, name);
		if (access(path, F_OK) == 0) {
			r = err_set(NHI_EEXISTS, "key version %02X is taken by test keys (%s)",
			    kvn, path);
			goto out;
		}
		free(path);
		path = key_file(dir, 0, kvn);
		r = crypto_keystore_generate_master((uint8_t)kvn, keylen, &inner);
	}
	if (r != 0 || (r = write_wrapped(path, inner, strlen(inner), pass, ctx->cfg,
	    &info)) != 0)
		goto out;
	if ((r = cmd_keys_audit_ok(ctx, rotate ? "keys.rotate" : "keys.create", path,
	    detail)) != 0)
		goto out;
	print_info("created", path, info);
	if (rotate)
		printf("key version %02X is new; set card.kvn = %02x in nhicard.conf to"
		    " personalize with it.\nKey version %02X stays for the cards already"
		    " personalized with it.\n", kvn, kvn, high);
out:
	if (inner != NULL)
		util_free_secret(inner, strlen(inner));
	free(text);
	free(path);
	free(info);
	free(detail);
	return r;
}

/*
 * Remove the clear key file an import has just wrapped: overwrite it with
 * zeros, sync, unlink (on flash or a journaling file system copies may
 * survive: docs/keys.md says so). 0 or NHI_EIO naming the file.
 */
int
cmd_keys_remove_clear(const char *file)
{
	struct stat sb;
	char zeros[4096];
	off_t left;
	int fd, r = 0;

	memset(zeros, 0, sizeof(zeros));
	if ((fd = open(file, O_WRONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0) {
		r = err_set(NHI_EIO, "%s: cannot overwrite the clear file: %s", file,
		    strerror(errno));
		goto out;
	}
	for (left = sb.st_size; left > 0 && r == 0; ) {
		ssize_t n = write(fd, zeros, left < (off_t)sizeof(zeros) ? (size_t)left :
		    sizeof(zeros));

		if (n <= 0)
			r = err_set(NHI_EIO, "%s: cannot overwrite the clear file: %s", file,
			    strerror(errno));
		else
			left -= n;
	}
	if (r == 0 && fsync(fd) != 0)
		r = err_set(NHI_EIO, "%s: %s", file, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (r == 0 && unlink(file) != 0)
		r = err_set(NHI_EIO, "%s: cannot remove the clear file: %s", file,
		    strerror(errno));
	return r;
}

/*
 * An import stopped after the key was wrapped into `path` (before its audit
 * entry, or before the clear file was removed): the file there holds the
 * same key. 0 when it does (audited now if no entry names it; the caller
 * goes on with the clear file), NHI_ENOTFOUND when there is no such file
 * or it holds another key (write_wrapped then refuses it), else an error.
 */
static int
already_imported(struct session *ctx, const char *path, const char *text, size_t len,
    const char *pass, const char *detail, char **info)
{
	char *have = NULL, *inner = NULL;
	size_t hlen = 0, ilen = 0;
	int r, same, unaudited = 0;

	if (access(path, F_OK) != 0)
		return err_set(NHI_ENOTFOUND, "%s: no such key file", path);
	if ((r = fs_read_file(path, KEYFILE_MAX, &have, &hlen)) != 0 ||
	    (r = crypto_keystore_unwrap(path, have, hlen, pass, &inner, &ilen)) != 0)
		goto out;
	same = ilen == len && memcmp(inner, text, len) == 0;
	if (!same) {
		r = err_set(NHI_ENOTFOUND, "%s holds another key", path);
		goto out;
	}
	if ((r = unaudited_key_file(ctx, path, &unaudited)) != 0 ||
	    (unaudited && (r = cmd_keys_audit_ok(ctx, "keys.import", path, detail)) != 0) ||
	    (r = inner_info(path, inner, ilen, info)) != 0)
		goto out;
	printf("%s already holds this key (an import that was stopped%s)\n", path,
	    unaudited ? " before it was audited: audited now" : "");
	print_info("imported", path, *info);
out:
	if (inner != NULL)
		util_free_secret(inner, ilen + 1);
	free(have);
	return r;
}

static int
keys_import(struct session *ctx, int argc, char **argv)
{
	struct crypto_master_keys m;
	enum crypto_mode mode;
	const char *dir = NULL, *pass;
	char *text = NULL, *path = NULL, *info = NULL, *detail = NULL;
	size_t len = 0;
	int r, signing, remove = 0;

	/* The clear file is removed once wrapped (docs/keys.md 4.6), unless
	 * --keep-clear; --remove-clear says the default. */
	remove = 1;
	if (argc == 3 && (strcmp(argv[1], "--remove-clear") == 0 ||
	    strcmp(argv[1], "--keep-clear") == 0)) {
		remove = strcmp(argv[1], "--remove-clear") == 0;
		argv++;
		argc--;
	}
	if (argc > 2)
		return cmd_operands(&cmd_keys_entry, "keys import", argc, argv, 1, 1);
	if (argc != 2)
		return usage("keys import [--keep-clear] FILE");
	if ((dir = keys_dir(ctx)) == NULL)
		return NHI_ECONFIG;
	memset(&m, 0, sizeof(m));
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0 ||
	    (r = fs_read_file(argv[1], KEYFILE_MAX, &text, &len)) != 0)
		return r;
	if (crypto_keystore_is_wrapped(text, len)) {
		r = err_set(NHI_EKEY, "%s is already wrapped: copy it into %s instead",
		    argv[1], dir);
		goto out;
	}
	signing = strstr(text, "-----BEGIN") != NULL;
	if (signing) {
		struct crypto_sign_key *sk = NULL;

		r = crypto_sign_key_parse(argv[1], text, len, mode, &sk);
		crypto_sign_key_free(sk);
		path = key_file(dir, 1, 0);
	} else {
		r = crypto_master_keys_parse(argv[1], text, len, mode, &m);
		path = key_file(dir, 0, m.kvn);
		crypto_master_keys_wipe(&m);
	}
	if (r != 0)
		goto out;
	detail = xasprintf("import %s", strrchr(path, '/') + 1);
	if ((r = operator_require_approval(ctx, "keys.import", detail)) != 0 ||
	    (r = store_passphrase(dir, &pass)) != 0)
		goto out;
	if ((r = already_imported(ctx, path, text, len, pass, detail, &info)) == 0)
		goto clear;
	if (r != NHI_ENOTFOUND)
		goto out;
	err_clear();
	if ((r = write_wrapped(path, text, len, pass, ctx->cfg, &info)) != 0 ||
	    (r = cmd_keys_audit_ok(ctx, "keys.import", path, detail)) != 0)
		goto out;
	print_info("imported", path, info);
clear:
	r = cmd_keys_clear_file(ctx, argv[1], path, remove);
out:
	cmd_keys_audit_refused(ctx, "keys.import", path != NULL ? path : argv[1], r);
	if (text != NULL)
		util_free_secret(text, len);
	free(path);
	free(info);
	free(detail);
	return r;
}

/* list (no passphrase: the public headers) or kcv (unwrapped: computed). */
static int
keys_show(struct session *ctx, int argc, char **argv, int compute)
{
	const char *dir = NULL;
	char **v = NULL, *text = NULL, *inner = NULL, *desc = NULL;
	const char *pass;
	size_t n = 0, i, len, ilen;
	int r, wrapped, shown = 0;

	if (argc > (compute ? 2 : 1))
		return cmd_operands(&cmd_keys_entry, compute ? "keys kcv" : "keys list", argc, argv,
		    1, compute ? 1 : 0);
	if (argc > 2)
		return usage(compute ? "keys kcv [FILE]" : "keys list");
	if (argc == 2 && compute) {
		v = xcalloc(1, sizeof(*v));
		v[0] = xstrdup(argv[1]);
		n = 1;
	} else if (argc == 2)
		return usage("keys list takes no arguments");
	if ((dir = keys_dir(ctx)) == NULL) {
		files_free(v, n);
		return NHI_ECONFIG;
	}
	if (v == NULL && (r = keys_files(dir, &v, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = fs_read_file(v[i], KEYFILE_MAX, &text, &len)) != 0)
			goto out;
		wrapped = crypto_keystore_is_wrapped(text, len);
		if (!wrapped && argc != 2 && len >= 11 &&
		    strncmp(text, "-----BEGIN ", 11) == 0) {
			/* A queue or TLS key kept beside the key store (as the
			 * sample configuration suggests): not a key-store file. */
			printf("other %s: a PEM file (queue or TLS), not a key-store file\n",
			    v[i]);
			util_free_secret(text, len);
			text = NULL;
			continue;
		}
		if (wrapped && !compute) {
			r = crypto_keystore_describe_wrapped(v[i], text, len, &desc);
		} else {
			inner = text;
			ilen = len;
			if (wrapped) {
				if ((r = crypto_keystore_passphrase(&pass)) != 0 ||
				    (r = crypto_keystore_unwrap(v[i], text, len, pass, &inner,
				    &ilen)) != 0)
					goto out;
			}
			if ((r = inner_info(v[i], inner, ilen, &desc)) == 0) {
				char *line = desc;
				desc = NULL;
				print_info(wrapped ? "wrapped" : "clear", v[i], line);
				free(line);
				shown++;
			}
			if (inner != text)
				util_free_secret(inner, ilen + 1);
			inner = NULL;
		}
		if (r != 0)
			goto out;
		if (desc != NULL) {
			printf("wrapped %s: %s\n", v[i], desc);
			shown++;
		}
		free(desc);
		desc = NULL;
		util_free_secret(text, len);
		text = NULL;
	}
	printf("%d key file%s in %s\n", shown, shown == 1 ? "" : "s", dir);
	r = 0;
out:
	if (text != NULL)
		util_free_secret(text, len);
	free(desc);
	files_free(v, n);
	return r;
}

/*
 * passwd: every wrapped file of the store under a new passphrase. A rerun
 * after a run stopped part way (some files or all of them already under
 * the new passphrase, the audit entry not committed) finishes the rest:
 * a file the old passphrase does not open but the new one does is left
 * as it is (docs/keys.md "Run again").
 */
static int
keys_passwd(struct session *ctx, int argc, char **argv)
{
	struct crypto_scrypt_params p;
	const char *dir = NULL, *old;
	char **v = NULL, **out = NULL, *text = NULL, *inner = NULL, *info = NULL;
	char *newpass = NULL, *oldcopy = NULL, *old_wrong = NULL;
	size_t n = 0, i, len, ilen = 0, done = 0, already = 0;
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_operands(&cmd_keys_entry, "keys passwd", argc, argv, 1, 0);
	if (argc != 1)
		return usage("keys passwd takes no arguments");
	if ((dir = keys_dir(ctx)) == NULL)
		return NHI_ECONFIG;
	if ((r = keys_files(dir, &v, &n)) != 0)
		return r;
	out = xcalloc(n + 1, sizeof(*out));
	/* The old passphrase is checked before the new one is asked for; if
	 * it does not open the first wrapped file, the new one may (a stopped
	 * run re-wrapped it): that is decided once the new one is read. */
	if ((r = operator_scrypt_params(ctx->cfg, &p)) != 0)
		goto out;
	if ((r = store_passphrase(dir, &old)) != 0) {
		if (r != NHI_EKEY || crypto_keystore_passphrase(&old) != 0)
			goto out;
		old_wrong = xstrdup(err_text(r));
		err_clear();
	}
	oldcopy = xstrdup(old);
	if ((r = operator_read_secret("NHICARD_KEY_NEW_PASSPHRASE_FD",
	    "New key-store passphrase", &newpass)) != 0) {
		if (old_wrong != NULL) {
			err_clear();
			r = err_set(NHI_EKEY, "%s", old_wrong);
		}
		goto out;
	}
	if (strlen(newpass) < PASSPHRASE_MIN) {
		r = err_set(NHI_ERANGE, "the new key-store passphrase is too short: at least"
		    " %d characters", PASSPHRASE_MIN);
		goto out;
	}
	/* Unwrap everything first: a wrong passphrase changes nothing. */
	for (i = 0; i < n; i++) {
		if ((r = fs_read_file(v[i], KEYFILE_MAX, &text, &len)) != 0)
			goto out;
		if (crypto_keystore_is_wrapped(text, len)) {
			r = crypto_keystore_unwrap(v[i], text, len, oldcopy, &inner, &ilen);
			if (r == NHI_EKEY) {
				/* Already under the new passphrase (a stopped run)? */
				int r2 = crypto_keystore_unwrap(v[i], text, len, newpass, &inner,
				    &ilen);

				if (r2 != 0) {
					err_clear();
					r = err_set(NHI_EKEY, "%s: wrong key-store passphrase, or"
					    " the file was altered", v[i]);
					goto out;
				}
				err_clear();
				util_free_secret(inner, ilen + 1);
				inner = NULL;
				already++;
			} else if (r != 0 ||
			    (r = inner_info(v[i], inner, ilen, &info)) != 0 ||
			    (r = crypto_keystore_wrap(inner, ilen, newpass, &p, info,
			    &out[i])) != 0)
				goto out;
			if (inner != NULL)
				util_free_secret(inner, ilen + 1);
			inner = NULL;
			free(info);
			info = NULL;
		}
		free(text);
		text = NULL;
	}
	for (i = 0; i < n; i++) {
		if (out[i] == NULL)
			continue;
		if ((r = fs_write_atomic(v[i], out[i], strlen(out[i]), 0600)) != 0)
			goto out;
		done++;
	}
	crypto_keystore_set_passphrase(newpass);
	if ((r = cmd_keys_audit_ok(ctx, "keys.passwd", dir, already == 0 ? NULL :
	    "finished a passwd that was stopped")) != 0)
		goto out;
	printf("%zu wrapped key file%s in %s now under the new passphrase\n", done + already,
	    done + already == 1 ? "" : "s", dir);
	if (already != 0)
		printf("(%zu of them already were: a 'keys passwd' stopped part way)\n", already);
out:
	if (inner != NULL)
		util_free_secret(inner, ilen + 1);
	if (newpass != NULL)
		util_free_secret(newpass, strlen(newpass));
	if (oldcopy != NULL)
		util_free_secret(oldcopy, strlen(oldcopy));
	free(old_wrong);
	free(text);
	free(info);
	for (i = 0; i < n; i++)
		free(out[i]);
	free(out);
	files_free(v, n);
	return r;
}

static int
keys_exec(struct session *ctx, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	int r, token = 0;

	if ((r = crypto_keys_store_token(ctx->cfg, &token)) != 0)
		return r;
	if (token && (strcmp(sub, "create") == 0 || strcmp(sub, "rotate") == 0 ||
	    strcmp(sub, "import") == 0 || strcmp(sub, "list") == 0 ||
	    strcmp(sub, "kcv") == 0 || strcmp(sub, "passwd") == 0))
		return cmd_keys_token(ctx, argc, argv);
	if (strcmp(sub, "create") == 0)
		return keys_create(ctx, argc - 1, argv + 1, 0);
	if (strcmp(sub, "rotate") == 0)
		return keys_create(ctx, argc - 1, argv + 1, 1);
	if (strcmp(sub, "import") == 0)
		return keys_import(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return keys_show(ctx, argc - 1, argv + 1, 0);
	if (strcmp(sub, "kcv") == 0)
		return keys_show(ctx, argc - 1, argv + 1, 1);
	if (strcmp(sub, "passwd") == 0)
		return keys_passwd(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "agent") == 0)
		return cmd_keys_agent(ctx, argc - 1, argv + 1);
	return usage("expected create, import, list, kcv, rotate, passwd or agent");
}

const struct cmd_entry cmd_keys_entry = {
	.name = "keys",
	.usage = "create [--kvn KK] [--algorithm AES-128|AES-256] | create --signing |"
	    " import [--keep-clear] FILE | list | kcv [FILE] |"
	    " rotate [--to KK] [--algorithm A] | passwd | agent start|lock|status",
	.summary = "manage the key store: master keys and the signing key (key officers)",
	.help =
	    "The key store in keys.dir (docs/keys.md 4.5-4.7). Key officers only;\n"
	    "create, import and rotate also need a supervisor's approval\n"
	    "(--approver LOGIN). Keys are written wrapped under the key-store\n"
	    "passphrase (terminal or NHICARD_KEY_PASSPHRASE_FD); output shows key\n"
	    "check values and key ids, never keys.\n"
	    "  create [--kvn KK]     a new master key set (default: the next version)\n"
	    "  create --signing      a new municipality signing key (P-256)\n"
	    "  import [--keep-clear] FILE\n"
	    "                        wrap a clear key file into the store, then\n"
	    "                        overwrite and remove the clear file (--keep-clear:\n"
	    "                        leave it, e.g. on a read-only medium)\n"
	    "  list                  the key files and their public headers\n"
	    "  kcv [FILE]            unwrap and compute the check values\n"
	    "  rotate [--to KK]      a new master key version (KK: the version to make;\n"
	    "                        run again, KK there and audited does nothing);\n"
	    "                        the old one is kept\n"
	    "  passwd                re-wrap every key file under a new passphrase\n"
	    "                        (NHICARD_KEY_NEW_PASSPHRASE_FD or the terminal)\n"
	    "  agent start [--idle S] [--lifetime S] [--foreground]\n"
	    "                        unlock the key store once (start of day) into the\n"
	    "                        key agent: issue and card verify take the keys\n"
	    "                        from it and never ask for the passphrase\n"
	    "  agent lock            lock it (end of day): the keys leave memory\n"
	    "  agent status          is it running\n"
	    "With keys.store = pkcs11 the keys live in a PKCS#11 token\n"
	    "(docs/keys.md 4.9): create, rotate and import put them there,\n"
	    "generated or stored sensitive and not extractable; list and kcv show\n"
	    "the token's keys with the check values the token computes;\n"
	    "import --label LABEL puts a signing key under another label (e.g.\n"
	    "queue-station, for queue.station_key = pkcs11:queue-station).\n",
	.exec = keys_exec,
};
