/*
 * cmd-keys-token.c: `nhicard keys create|rotate|import|list|kcv` when the
 * key store is a PKCS#11 token (keys.store = pkcs11, docs/keys.md 4.9).
 * New keys are generated inside the token (sensitive, never extractable);
 * an imported clear master key file or signing key goes into the token
 * with the same attributes. Ceremonies need a supervisor's approval and are audited as
 * with the file key store. Output shows KCVs and key ids, never keys.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-keys.h"
#include "crypto.h"
#include "crypto-keystore.h"
#include "crypto-token.h"
#include "error.h"
#include "nhiconf.h"
#include "operator.h"
#include "store.h"
#include "util.h"

#define KEYFILE_MAX	(64 * 1024)


/* What the token holds now, for the officer (KCVs, key id). */
static void
show(struct crypto_token *t)
{
	char *d = NULL;

	if (crypto_token_describe(t, &d) == 0)
		fputs(d, stdout);
	else
		err_clear();
	free(d);
}

/*
 * *yes: 1 when the token holds `label` and no ok `keys.*` audit entry
 * names `subject`: a ceremony made it and was stopped (killed, power cut)
 * before its entry committed. Its rerun audits it and makes nothing
 * (docs/keys.md "Run again"), as with the file key store.
 */
static int
unaudited_object(struct session *ctx, struct crypto_token *t, const char *label,
    const char *subject, int *yes)
{
	struct store *st;
	int r, there = 0, found = 0;

	*yes = 0;
	if ((r = crypto_token_has_label(t, label, &there)) != 0 || !there)
		return r;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = audit_names(st, "keys.", subject, &found)) != 0)
		return r;
	*yes = !found;
	return 0;
}

/* The label of master key version kvn's first object and its subject. */
static void
master_names(struct crypto_token *t, unsigned kvn, char *label, size_t llen,
    char *subject, size_t slen)
{
	snprintf(label, llen, "master-%02x-enc", kvn);
	snprintf(subject, slen, "pkcs11:%s/master-%02x", crypto_token_label(t), kvn);
}

static int
token_create(struct session *ctx, struct crypto_token *t, int argc, char **argv,
    int rotate)
{
	static const struct option longopts[] = {
		{ "kvn", required_argument, NULL, 'k' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "signing", no_argument, NULL, 's' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *alg = "AES-128";
	char *detail = NULL, *end, subject[96], label[32];
	unsigned kvn = 0, high = 0;
	size_t keylen;
	int c, r, signing = 0, to = 0, taken_up = 0, there = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "k:a:s", longopts, NULL)) != -1) {
		if ((c == 'k' && !rotate) || (c == 't' && rotate)) {
			kvn = (unsigned)strtoul(optarg, &end, 16);
			if (*end != '\0' || strlen(optarg) != 2 || kvn < 1 || kvn > 0x7f)
				return cmd_usage(&cmd_keys_entry, rotate ?
				    "--to: two hex digits, 01 to 7F" :
				    "--kvn: two hex digits, 01 to 7F");
			to = rotate;
		} else if (c == 'a')
			alg = optarg;
		else if (c == 's' && !rotate)
			signing = 1;
		else
			return cmd_usage(&cmd_keys_entry, rotate ?
			    "keys rotate [--to KK] [--algorithm AES-128|AES-256]" :
			    "keys create [--kvn KK] [--algorithm AES-128|AES-256] | --signing");
	}
	if (optind != argc)
		return cmd_operands(&cmd_keys_entry, rotate ? "keys rotate" : "keys create",
		    argc, argv, optind, 0);
	keylen = strcmp(alg, "AES-128") == 0 ? 16 : strcmp(alg, "AES-192") == 0 ? 24 :
	    strcmp(alg, "AES-256") == 0 ? 32 : 0;
	if (keylen == 0)
		return cmd_usage(&cmd_keys_entry, "--algorithm: AES-128, AES-192 or AES-256");
	if (!signing) {
		if ((r = crypto_token_highest_kvn(t, &high)) != 0)
			return r;
		if (kvn == 0 && high != 0) {
			/* The newest version made by a stopped run: taken up. */
			master_names(t, high, label, sizeof label, subject, sizeof subject);
			if ((r = unaudited_object(ctx, t, label, subject, &taken_up)) != 0)
				return r;
			if (taken_up)
				kvn = high;
		}
		if (kvn == 0 && high == 0) {
			const char *cv = config_get(ctx->cfg, "card.kvn", "30");

			kvn = (unsigned)strtoul(cv, &end, 16);
			if (*end != '\0' || strlen(cv) != 2 || kvn < 1 || kvn > 0x7f)
				return err_set(NHI_ECONFIG, "card.kvn: '%s' is not two hex"
				    " digits 01 to 7F", cv);
		} else if (kvn == 0)
			kvn = high + 1;
		if (kvn > 0x7f)
			return err_set(NHI_ERANGE, "token %s: no key version left after %02X",
			    crypto_token_label(t), high);
		master_names(t, kvn, label, sizeof label, subject, sizeof subject);
		if (!taken_up && (r = unaudited_object(ctx, t, label, subject,
		    &taken_up)) != 0)
			return r;
		if (to && !taken_up && kvn <= high) {
			/* rotate --to KK: KK there and audited is the rotation
			 * done (its rerun makes nothing); below it, refused. */
			if ((r = crypto_token_has_label(t, label, &there)) != 0)
				return r;
			if (there) {
				printf("key version %02X is there and audited (%s): the rotation"
				    " to it is done, nothing made\n", kvn, subject);
				return 0;
			}
			return err_set(NHI_ERANGE, "keys rotate --to %02X: the token %s holds"
			    " version %02X: a rotation goes to a version above the highest",
			    kvn, crypto_token_label(t), high);
		}
		detail = xasprintf("%s kvn %02x %s in token %s", rotate ? "rotate" : "create",
		    kvn, alg, crypto_token_label(t));
	} else {
		snprintf(subject, sizeof subject, "pkcs11:%s/%s", crypto_token_label(t),
		    CRYPTO_TOKEN_SIGNING_LABEL);
		if ((r = unaudited_object(ctx, t, CRYPTO_TOKEN_SIGNING_LABEL, subject,
		    &taken_up)) != 0)
			return r;
		detail = xasprintf("create signing key P-256 in token %s",
		    crypto_token_label(t));
	}
	if ((r = operator_require_approval(ctx, rotate ? "keys.rotate" : "keys.create",
	    detail)) != 0)
		goto out;
	if (taken_up) {
		/* Made by the stopped run (the objects are there): audited
		 * now, nothing generated. */
		if ((r = cmd_keys_audit_ok(ctx, rotate ? "keys.rotate" : "keys.create",
		    subject, detail)) != 0)
			goto out;
		printf("%s was made by a 'keys %s' that was stopped before it was audited:"
		    " audited now, no new key made\n", subject, rotate ? "rotate" : "create");
		show(t);
		goto out;
	}
	r = signing ? crypto_token_generate_signing(t, CRYPTO_TOKEN_SIGNING_LABEL) :
	    crypto_token_generate_master(t, (uint8_t)kvn, keylen);
	if (r != 0 || (r = cmd_keys_audit_ok(ctx, rotate ? "keys.rotate" : "keys.create",
	    subject, detail)) != 0)
		goto out;
	printf("created %s (generated in the token, not extractable)\n", subject);
	show(t);
	if (rotate)
		printf("key version %02X is new; set card.kvn = %02x in nhicard.conf to"
		    " personalize with it.\nKey version %02X stays for the cards already"
		    " personalized with it.\n", kvn, kvn, high);
out:
	free(detail);
	return r;
}

/*
 * An import stopped after the key went into the token (before its audit
 * entry, or before the clear file was removed): *same is 1 when the token
 * already holds the key being imported under its label (a master set: the
 * three KCVs the token computes are the file's, same length; a signing
 * key: the same public point). Audited now if no entry names it; the
 * caller then removes or keeps the clear file as usual.
 */
static int
token_already_imported(struct session *ctx, struct crypto_token *t, enum crypto_mode mode,
    const struct crypto_master_keys *m, const struct crypto_sign_key *sk,
    const char *label, const char *subject, const char *detail, int *same)
{
	struct crypto_master_keys tm;
	struct crypto_sign_key *tsk = NULL;
	struct store *st;
	uint8_t a[3][3], b[3][3], pa[CRYPTO_EC_PUB_LEN], pb[CRYPTO_EC_PUB_LEN];
	char first[32];
	int r, there = 0, found = 0;

	*same = 0;
	memset(&tm, 0, sizeof tm);
	if (sk == NULL)
		snprintf(first, sizeof first, "master-%02x-enc", m->kvn);
	if ((r = crypto_token_has_label(t, sk != NULL ? label : first, &there)) != 0 ||
	    !there)
		return r;
	if (sk != NULL) {
		if ((r = crypto_token_sign_key(t, label, mode, &tsk)) != 0 ||
		    (r = crypto_sign_key_public(tsk, pa)) != 0 ||
		    (r = crypto_sign_key_public(sk, pb)) != 0)
			goto out;
		*same = memcmp(pa, pb, sizeof pa) == 0;
	} else {
		if ((r = crypto_token_master_keys(t, m->kvn, mode, &tm)) != 0 ||
		    (r = crypto_master_keys_kcvs(&tm, a)) != 0 ||
		    (r = crypto_master_keys_kcvs(m, b)) != 0)
			goto out;
		*same = tm.keylen == m->keylen && memcmp(a, b, sizeof a) == 0;
	}
	if (!*same)
		goto out;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = audit_names(st, "keys.", subject, &found)) != 0 ||
	    (!found && (r = cmd_keys_audit_ok(ctx, "keys.import", subject, detail)) != 0))
		goto out;
	printf("%s already holds this key: an import stopped before it finished%s\n",
	    subject, found ? "" : " before it was audited: audited now");
out:
	crypto_master_keys_wipe(&tm);
	crypto_sign_key_free(tsk);
	return r;
}

/* import: a clear master key file into the token. */
static int
token_import(struct session *ctx, struct crypto_token *t, int argc, char **argv)
{
	struct crypto_master_keys m;
	struct crypto_sign_key *sk = NULL;
	enum crypto_mode mode;
	char *text = NULL, *detail = NULL, subject[96];
	const char *label = CRYPTO_TOKEN_SIGNING_LABEL;
	size_t len = 0, i;
	int r, remove = 1, same = 0;

	/* [--keep-clear|--remove-clear] [--label LABEL] FILE: LABEL for a
	 * signing key (default "municipality"; e.g. queue-station for the
	 * queue's CMS key, docs/keys.md 4.9). */
	while (argc > 2 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--keep-clear") == 0 ||
		    strcmp(argv[1], "--remove-clear") == 0) {
			remove = strcmp(argv[1], "--remove-clear") == 0;
			argv++;
			argc--;
		} else if (strcmp(argv[1], "--label") == 0 && argc > 3) {
			label = argv[2];
			argv += 2;
			argc -= 2;
		} else
			break;
	}
	if (argc != 2)
		return cmd_usage(&cmd_keys_entry, "keys import [--keep-clear] [--label LABEL]"
		    " FILE");
	for (i = 0; label[i] != '\0'; i++)
		if (!((label[i] >= 'a' && label[i] <= 'z') ||
		    (label[i] >= '0' && label[i] <= '9') || label[i] == '-'))
			break;
	if (label[i] != '\0' || i == 0 || i > 32 || strncmp(label, "master-", 7) == 0)
		return cmd_usage(&cmd_keys_entry, "--label: 1 to 32 of a-z, 0-9 and '-', not"
		    " master-*");
	memset(&m, 0, sizeof m);
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0 ||
	    (r = fs_read_file(argv[1], KEYFILE_MAX, &text, &len)) != 0)
		return r;
	if ((r = crypto_keystore_open_text(argv[1], &text, &len)) != 0)
		goto out;
	if (strstr(text, "-----BEGIN") != NULL) {
		/* The municipality signing key: the cards already issued name
		 * it (their signer key id), so it moves into the token. */
		if ((r = crypto_sign_key_parse(argv[1], text, len, mode, &sk)) != 0)
			goto out;
		detail = xasprintf("import signing key %s into token %s", label,
		    crypto_token_label(t));
		snprintf(subject, sizeof subject, "pkcs11:%s/%s", crypto_token_label(t),
		    label);
	} else {
		if ((r = crypto_master_keys_parse(argv[1], text, len, mode, &m)) != 0)
			goto out;
		detail = xasprintf("import master-%02x into token %s", m.kvn,
		    crypto_token_label(t));
		snprintf(subject, sizeof subject, "pkcs11:%s/master-%02x",
		    crypto_token_label(t), m.kvn);
	}
	if ((r = operator_require_approval(ctx, "keys.import", detail)) != 0 ||
	    (r = token_already_imported(ctx, t, mode, &m, sk, label, subject, detail,
	    &same)) != 0)
		goto out;
	if (!same) {
		if ((r = sk != NULL ? crypto_token_import_signing(t, label, sk) :
		    crypto_token_import_master(t, &m)) != 0 ||
		    (r = cmd_keys_audit_ok(ctx, "keys.import", subject, detail)) != 0)
			goto out;
		printf("imported %s (sensitive, not extractable)\n", subject);
	}
	show(t);
	r = cmd_keys_clear_file(ctx, argv[1], subject, remove);
out:
	cmd_keys_audit_refused(ctx, "keys.import", argv[1], r);
	crypto_master_keys_wipe(&m);
	crypto_sign_key_free(sk);
	if (text != NULL)
		util_free_secret(text, len);
	free(detail);
	return r;
}

int
cmd_keys_token(struct session *ctx, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct crypto_token *t;
	int r;

	if (strcmp(sub, "passwd") == 0)
		return err_set(NHI_EUSAGE, "keys.store = pkcs11: the token's PINs are"
		    " changed with the token's own tools (softhsm2-util, pkcs11-tool"
		    " --change-pin), not with 'keys passwd'");
	if ((r = crypto_token_from_config(ctx->cfg, &t)) != 0)
		return r;
	if (strcmp(sub, "create") == 0)
		return token_create(ctx, t, argc - 1, argv + 1, 0);
	if (strcmp(sub, "rotate") == 0)
		return token_create(ctx, t, argc - 1, argv + 1, 1);
	if (strcmp(sub, "import") == 0)
		return token_import(ctx, t, argc - 1, argv + 1);
	/* list and kcv: the token computes the KCVs either way. */
	show(t);
	return 0;
}
