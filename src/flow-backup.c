/*
 * flow-backup.c: `nhicard backup` / `nhicard restore` (flow-backup.h,
 * docs/backup.md). The store is copied with SQLite's online backup
 * (store-backup.c), so a backup is consistent while clerks keep working;
 * the configuration and the key folder are copied byte for byte (key
 * files of a production station are wrapped under the key-store
 * passphrase: a backup holds no key in clear that the station did not).
 * A restore checks everything before it changes anything.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "crypto.h"
#include "error.h"
#include "flow-backup.h"
#include "store.h"
#include "util.h"

#define BACKUP_FILE_MAX	((size_t)8 << 30)
#define KEYFILE_MAX	((size_t)1 << 20)

static int
file_sha256(const char *path, size_t max, char hex[2 * CRYPTO_SHA256_LEN + 1],
    char **data, size_t *len)
{
	uint8_t md[CRYPTO_SHA256_LEN];
	char *p = NULL;
	size_t n = 0;
	int r;

	if ((r = fs_read_file(path, max, &p, &n)) != 0)
		return r;
	if ((r = crypto_sha256(p, n, md)) != 0) {
		util_free_secret(p, n);
		return r;
	}
	hex_encode(md, sizeof(md), hex);
	if (data != NULL) {
		*data = p;
		*len = n;
	} else
		util_free_secret(p, n);
	return 0;
}

/* A key-folder entry worth keeping: a regular file, not hidden. */
static int
keep_name(const char *dir, const char *name)
{
	struct stat sb;
	char *p;
	int ok;

	if (name[0] == '.' || strchr(name, '/') != NULL || strchr(name, ' ') != NULL)
		return 0;
	p = xasprintf("%s/%s", dir, name);
	ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
	free(p);
	return ok;
}

static int
copy_into(const char *from, const char *to, FILE *manifest, const char *name)
{
	char hex[2 * CRYPTO_SHA256_LEN + 1], *data = NULL;
	size_t len = 0;
	int r;

	if ((r = file_sha256(from, KEYFILE_MAX * 64, hex, &data, &len)) != 0)
		return r;
	r = fs_write_atomic(to, data, len, 0600);
	util_free_secret(data, len);
	if (r != 0)
		return r;
	fprintf(manifest, "file %s %s %zu\n", name, hex, len);
	return 0;
}

int
flow_backup(struct store *st, const struct backup_where *w, const char *dest,
    struct backup_result *res)
{
	char hex[2 * CRYPTO_SHA256_LEN + 1], now[32], *p = NULL, *q = NULL,
	    *station = NULL, *text = NULL, *detail = NULL;
	struct dirent *de;
	FILE *m = NULL;
	size_t tlen = 0, sz = 0;
	DIR *d = NULL;
	time_t t = time(NULL);
	struct tm tm;
	struct stat sb;
	int r;

	memset(res, 0, sizeof(*res));
	if (mkdir(dest, 0700) != 0)
		return err_set(errno == EEXIST ? NHI_EEXISTS : NHI_EIO, "backup %s: cannot"
		    " create the directory: %s", dest, strerror(errno));
	if ((m = open_memstream(&text, &tlen)) == NULL) {
		r = err_set(NHI_ENOMEM, "backup: open_memstream");
		goto out;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((r = store_meta_get(st, "station_id", &station)) != 0)
		goto out;
	snprintf(res->station, sizeof(res->station), "%s", station);
	fprintf(m, "nhicard-backup 1\nstation %s\ncreated %s\n", station, now);

	/* The store: SQLite's online backup, consistent while others write. */
	p = xasprintf("%s/store.db", dest);
	if ((r = store_backup_to(st, p)) != 0 ||
	    (r = file_sha256(p, BACKUP_FILE_MAX, hex, NULL, &sz)) != 0)
		goto out;
	if (stat(p, &sb) == 0)
		sz = (size_t)sb.st_size;
	fprintf(m, "file store.db %s %zu\n", hex, sz);
	res->files++;
	free(p);
	p = NULL;

	if (w->config_path != NULL && stat(w->config_path, &sb) == 0) {
		p = xasprintf("%s/nhicard.conf", dest);
		if ((r = copy_into(w->config_path, p, m, "nhicard.conf")) != 0)
			goto out;
		res->files++;
		free(p);
		p = NULL;
	}
	if (w->keys_dir != NULL && (d = opendir(w->keys_dir)) != NULL) {
		p = xasprintf("%s/keys", dest);
		if (mkdir(p, 0700) != 0) {
			r = err_set(NHI_EIO, "backup %s: %s", p, strerror(errno));
			goto out;
		}
		free(p);
		p = NULL;
		while ((de = readdir(d)) != NULL) {
			if (!keep_name(w->keys_dir, de->d_name))
				continue;
			p = xasprintf("%s/%s", w->keys_dir, de->d_name);
			q = xasprintf("%s/keys/%s", dest, de->d_name);
			free(detail);
			detail = xasprintf("keys/%s", de->d_name);
			if ((r = copy_into(p, q, m, detail)) != 0)
				goto out;
			free(p);
			free(q);
			p = q = NULL;
			res->files++;
			res->keys++;
		}
	}
	fprintf(m, "end\n");
	if (fclose(m) != 0) {
		m = NULL;
		r = err_set(NHI_ENOMEM, "backup: manifest");
		goto out;
	}
	m = NULL;
	/* The manifest last: a backup without one is incomplete. */
	p = xasprintf("%s/MANIFEST", dest);
	if ((r = fs_write_atomic(p, text, tlen, 0600)) != 0)
		goto out;
	free(detail);
	detail = xasprintf("backup %s: %zu files (%zu from the key folder)", dest,
	    res->files, res->keys);
	r = audit_append(st, store_actor(st), "station.backup", NULL, AUDIT_OK, detail);
out:
	if (m != NULL)
		fclose(m);
	if (d != NULL)
		closedir(d);
	free(p);
	free(q);
	free(station);
	free(text);
	free(detail);
	return r;
}

/* ---- restore ---- */

int
flow_backup_manifest_parse(const char *path, const char *data, size_t len,
    struct backup_manifest *out)
{
	struct backup_manifest_file *f = NULL;
	const char *p = data, *end = data + len, *nl;
	char line[1024];
	size_t nf = 0, lineno = 0;
	int r, end_seen = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(data, '\0', len) != NULL)
		return err_set(NHI_EPARSE, "%s: NUL byte: not a manifest", path);
	for (; p < end; p = nl + 1) {
		char name[256], hex[80];
		size_t size, n;
		int used = 0;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		n = (size_t)(nl - p);
		if (n >= sizeof(line)) {
			r = err_set(NHI_EPARSE, "%s:%zu: line too long", path, lineno);
			goto out;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (end_seen) {
			r = err_set(NHI_EPARSE, "%s:%zu: text after 'end'", path, lineno);
			goto out;
		}
		if (lineno == 1) {
			if (strcmp(line, "nhicard-backup 1") != 0) {
				r = err_set(NHI_EPARSE, "%s:1: not an nhicard backup manifest",
				    path);
				goto out;
			}
		} else if (strncmp(line, "station ", 8) == 0) {
			if (strlen(line + 8) >= sizeof(out->station)) {
				r = err_set(NHI_EPARSE, "%s:%zu: station id too long", path,
				    lineno);
				goto out;
			}
			memcpy(out->station, line + 8, strlen(line + 8) + 1);
		}
		else if (strncmp(line, "created ", 8) == 0)
			;
		else if (strcmp(line, "end") == 0)
			end_seen = 1;
		else if (sscanf(line, "file %255s %79s %zu%n", name, hex, &size, &used) == 3 &&
		    used == (int)n && strlen(hex) == 2 * CRYPTO_SHA256_LEN &&
		    strstr(name, "..") == NULL && name[0] != '/') {
			f = xreallocarray(f, nf + 1, sizeof(*f));
			snprintf(f[nf].name, sizeof(f[nf].name), "%s", name);
			snprintf(f[nf].hex, sizeof(f[nf].hex), "%s", hex);
			f[nf].size = size;
			nf++;
		} else {
			r = err_set(NHI_EPARSE, "%s:%zu: not a manifest line", path, lineno);
			goto out;
		}
		if (nl == end)
			break;
	}
	if (!end_seen) {
		r = err_set(NHI_EPARSE, "%s: no 'end' line (cut short?)", path);
		goto out;
	}
	out->files = f;
	out->n = nf;
	f = NULL;
	r = 0;
out:
	free(f);
	return r;
}

static int
manifest_read(const char *src, struct backup_manifest *m)
{
	char *path = xasprintf("%s/MANIFEST", src), *text = NULL;
	size_t len = 0;
	int r;

	if ((r = fs_read_file(path, 1 << 20, &text, &len)) != 0)
		err_wrap(r, "backup %s: no MANIFEST (an incomplete backup?): ", src);
	else
		r = flow_backup_manifest_parse(path, text, len, m);
	free(text);
	free(path);
	return r;
}

int
flow_restore(const char *src, const struct backup_where *w, int replace,
    struct backup_result *res)
{
	char hex[2 * CRYPTO_SHA256_LEN + 1], have[2 * CRYPTO_SHA256_LEN + 1],
	    now[32], *p = NULL, *q = NULL, *tmp = NULL, *aside = NULL, *detail = NULL,
	    *data = NULL, *sid = NULL;
	struct backup_manifest man = { .n = 0 };
	struct backup_manifest_file *f;
	struct store *st = NULL;
	size_t n, i, len = 0;
	struct stat sb;
	time_t t = time(NULL);
	struct tm tm;
	int r, store_exists, has_store = 0;

	memset(res, 0, sizeof(*res));
	if ((r = manifest_read(src, &man)) != 0)
		goto out;
	f = man.files;
	n = man.n;
	snprintf(res->station, sizeof(res->station), "%s", man.station);
	/* 1. Every file as the manifest says, and nothing in the way. */
	for (i = 0; i < n; i++) {
		free(p);
		p = xasprintf("%s/%s", src, f[i].name);
		if ((r = file_sha256(p, BACKUP_FILE_MAX, hex, NULL, NULL)) != 0)
			goto out;
		if (strcmp(hex, f[i].hex) != 0) {
			r = err_set(NHI_ECONFLICT, "backup %s: %s is not the file the MANIFEST"
			    " names (SHA-256 differs): damaged or altered; nothing restored",
			    src, f[i].name);
			goto out;
		}
		if (strcmp(f[i].name, "store.db") == 0)
			has_store = 1;
		if (strncmp(f[i].name, "keys/", 5) == 0) {
			if (w->keys_dir == NULL) {
				r = err_set(NHI_ECONFIG, "backup %s holds key files but keys.dir"
				    " is not set", src);
				goto out;
			}
			free(q);
			q = xasprintf("%s/%s", w->keys_dir, f[i].name + 5);
			if (stat(q, &sb) == 0 &&
			    ((r = file_sha256(q, BACKUP_FILE_MAX, have, NULL, NULL)) != 0 ||
			    strcmp(have, hex) != 0)) {
				if (r == 0)
					r = err_set(NHI_ECONFLICT, "key folder %s: %s differs from"
					    " the backup's; move it away first (nothing restored)",
					    w->keys_dir, f[i].name + 5);
				goto out;
			}
		}
	}
	if (!has_store) {
		r = err_set(NHI_EPARSE, "backup %s: its MANIFEST names no store.db", src);
		goto out;
	}
	store_exists = stat(w->db_path, &sb) == 0;
	if (store_exists && !replace) {
		r = err_set(NHI_EEXISTS, "store %s exists: restoring replaces it; say"
		    " --replace (it is kept as %s.before-restore-TIME)", w->db_path,
		    w->db_path);
		goto out;
	}
	/* 2. The store: copied beside, checked, then renamed into place. */
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y%m%dT%H%M%SZ", &tm);
	free(p);
	p = xasprintf("%s/store.db", src);
	tmp = xasprintf("%s.restoring", w->db_path);
	unlink(tmp);
	if ((r = fs_read_file(p, BACKUP_FILE_MAX, &data, &len)) != 0 ||
	    (r = fs_write_atomic(tmp, data, len, 0600)) != 0)
		goto out;
	if ((r = store_open(tmp, 0, &st)) != 0 ||
	    (r = store_meta_get(st, "station_id", &sid)) != 0)
		goto out;
	if (res->station[0] != '\0' && strcmp(sid, res->station) != 0) {
		r = err_set(NHI_ECONFLICT, "backup %s: its store is station %s, its MANIFEST"
		    " says %s", src, sid, res->station);
		goto out;
	}
	snprintf(res->station, sizeof(res->station), "%s", sid);
	/* Until the center's acknowledgement says what it holds, no new
	 * queue number: those after the backup may be the center's. */
	if ((r = store_begin(st)) != 0)
		goto out;
	detail = xasprintf("restored from backup %s", src);
	if ((r = store_meta_set(st, STORE_META_RESTORED, "pending")) != 0 ||
	    (r = audit_append(st, "system", "station.restore", NULL, AUDIT_OK,
	    detail)) != 0 || (r = store_commit(st)) != 0) {
		store_rollback(st);
		goto out;
	}
	store_close(st);
	st = NULL;
	if (store_exists) {
		aside = xasprintf("%s.before-restore-%s", w->db_path, now);
		if (rename(w->db_path, aside) != 0) {
			r = err_set(NHI_EIO, "store %s: cannot move it aside: %s", w->db_path,
			    strerror(errno));
			goto out;
		}
	}
	free(q);
	q = xasprintf("%s-wal", w->db_path);
	unlink(q);
	free(q);
	q = xasprintf("%s-shm", w->db_path);
	unlink(q);
	if (rename(tmp, w->db_path) != 0) {
		r = err_set(NHI_EIO, "store %s: cannot put the restored store in place: %s",
		    w->db_path, strerror(errno));
		goto out;
	}
	res->files++;
	/* 3. Key files where missing; 4. the configuration where none is. */
	for (i = 0; i < n; i++) {
		int is_key = strncmp(f[i].name, "keys/", 5) == 0;

		if (!is_key && strcmp(f[i].name, "nhicard.conf") != 0)
			continue;
		free(q);
		q = is_key ? xasprintf("%s/%s", w->keys_dir, f[i].name + 5) :
		    xstrdup(w->config_path != NULL ? w->config_path : "");
		if (!is_key && w->config_path == NULL)
			continue;
		if (stat(q, &sb) == 0) {
			if (!is_key) {
				if (file_sha256(q, KEYFILE_MAX, have, NULL, NULL) != 0 ||
				    strcmp(have, f[i].hex) != 0)
					res->config_differs = 1;
			}
			continue;
		}
		if (is_key && mkdir(w->keys_dir, 0700) != 0 && errno != EEXIST) {
			r = err_set(NHI_EIO, "key folder %s: %s", w->keys_dir, strerror(errno));
			goto out;
		}
		free(p);
		p = xasprintf("%s/%s", src, f[i].name);
		util_free_secret(data, len);
		data = NULL;
		if ((r = fs_read_file(p, BACKUP_FILE_MAX, &data, &len)) != 0 ||
		    (r = fs_write_atomic(q, data, len, 0600)) != 0)
			goto out;
		res->files++;
		if (is_key)
			res->keys++;
	}
	r = 0;
out:
	if (st != NULL)
		store_close(st);
	if (r != 0 && tmp != NULL)
		unlink(tmp);
	if (data != NULL)
		util_free_secret(data, len);
	free(man.files);
	free(p);
	free(q);
	free(tmp);
	free(aside);
	free(detail);
	free(sid);
	return r;
}
