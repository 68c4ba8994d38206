/* issuers: the CA certificates an upstream answer is checked against, found by the CertID's
 * issuer name and key hashes. Loaded once per process, on the first miss or refresh. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "issuers.h"

/* Where distributions keep the bundle of public CAs; the first that exists is read. */
static const char *const system_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",   /* Debian, Ubuntu, Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",     /* Fedora, RHEL */
	"/etc/ssl/cert.pem",                    /* Arch, BSDs */
};

/* A directory of issuers holds a few hundred files at most; more is a mistake, not a store. */
enum { MAX_DIR_FILES = 10000 };

struct issuers {
	const struct config *cfg;
	STACK_OF(X509) *certs;       /* the operator's: issuers, issuers_dir, routes, anchors */
	STACK_OF(X509) *sys;         /* the system bundle, read on first need; NULL until then */
	X509_STORE *anchors;         /* trust_anchors, or NULL */
	struct timespec dir_mtime;   /* issuers_dir's when read, zero when absent */
};

static struct timespec
mtime_of(const char *path)
{
	struct stat sb;
	struct timespec none = { 0, 0 };

	return path != NULL && stat(path, &sb) == 0 ? sb.st_mtim : none;
}

int
issuers_read_file(const char *path, STACK_OF(X509) *out)
{
	X509 *x;
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(out, x)) {
			X509_free(x);
			break;
		}
		n++;
	}
	if (n == 0) {
		rewind(f);
		if ((x = d2i_X509_fp(f, NULL)) != NULL) {
			if (sk_X509_push(out, x))
				n++;
			else
				X509_free(x);
		}
	}
	fclose(f);
	ERR_clear_error(); /* the end of the file reads as a PEM error */
	return n;
}

/* Every regular file of dir (symlinks followed; dot files skipped). Count, or -1. */
static int
read_dir(const char *dir, STACK_OF(X509) *out)
{
	char path[4096];
	struct dirent *d;
	struct stat sb;
	DIR *dp;
	int n = 0, files = 0, got;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL && files < MAX_DIR_FILES) {
		if (d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path) ||
		    stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		files++;
		if ((got = issuers_read_file(path, out)) > 0)
			n += got;
	}
	closedir(dp);
	return n;
}

/* A file or a directory. Count of certificates, -1 when it cannot be read. */
static int
read_path(const char *path, STACK_OF(X509) *out)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	return S_ISDIR(sb.st_mode) ? read_dir(path, out) : issuers_read_file(path, out);
}

static int
must_read(const char *what, const char *path, STACK_OF(X509) *out, struct err *err)
{
	int n = read_path(path, out);

	if (n == -1)
		err_set(err, ERR_INPUT, "%s %s: %s", what, path, strerror(errno));
	else if (n == 0)
		err_set(err, ERR_INPUT, "%s %s: no certificate in it", what, path);
	return n > 0 ? 0 : -1;
}

/* A route's ISSUER is a key hash (hex) or a certificate file: only the file is an issuer. */
static int
is_hex(const char *s)
{
	return s[0] != '\0' && s[strspn(s, "0123456789abcdefABCDEF")] == '\0';
}

static X509_STORE *
load_anchors(const char *path, struct err *err)
{
	X509_STORE *anchors;
	struct stat sb;
	int ok;

	if (stat(path, &sb) == -1 || (anchors = X509_STORE_new()) == NULL) {
		err_set(err, ERR_INPUT, "trust_anchors %s: %s", path, strerror(errno));
		return NULL;
	}
	ok = S_ISDIR(sb.st_mode) ? X509_STORE_load_path(anchors, path) : X509_STORE_load_file(anchors, path);
	if (ok != 1) {
		err_set(err, ERR_INPUT, "trust_anchors %s: no certificates could be loaded", path);
		X509_STORE_free(anchors);
		return NULL;
	}
	return anchors;
}

struct issuers *
issuers_load(const struct config *cfg, struct err *err)
{
	struct issuers *is;
	size_t i;

	if ((is = calloc(1, sizeof(*is))) == NULL || (is->certs = sk_X509_new_null()) == NULL) {
		err_set(err, ERR_NOMEM, "out of memory");
		goto fail;
	}
	is->cfg = cfg;
	for (i = 0; i < cfg->issuers.n; i++)
		if (must_read("issuers", cfg->issuers.v[i], is->certs, err) == -1)
			goto fail;
	for (i = 0; i < cfg->n_routes; i++)
		if (!is_hex(cfg->routes[i].issuer) &&
		    must_read("route issuer", cfg->routes[i].issuer, is->certs, err) == -1)
			goto fail;
	if (cfg->trust_anchors != NULL) {
		if (must_read("trust_anchors", cfg->trust_anchors, is->certs, err) == -1 ||
		    (is->anchors = load_anchors(cfg->trust_anchors, err)) == NULL)
			goto fail;
	}
	/* The directory ocsp-proxyctl prefetch --issuer fills: absent or empty is fine. */
	is->dir_mtime = mtime_of(cfg->issuers_dir);
	if (cfg->issuers_dir != NULL)
		read_path(cfg->issuers_dir, is->certs);
	return is;
fail:
	issuers_free(is);
	return NULL;
}

void
issuers_free(struct issuers *is)
{
	if (is == NULL)
		return;
	sk_X509_pop_free(is->certs, X509_free);
	sk_X509_pop_free(is->sys, X509_free);
	X509_STORE_free(is->anchors);
	free(is);
}

/* 1 when x's subject and key hash to name_hash and key_hash with md. */
static int
names(X509 *x, const EVP_MD *md, const unsigned char *name_hash, size_t name_len,
      const unsigned char *key_hash, size_t key_len)
{
	unsigned char h[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int hlen = 0;
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(x);
	int n, ok;

	if (key == NULL || EVP_Digest(key->data, (size_t)key->length, h, &hlen, md, NULL) != 1 ||
	    hlen != key_len || memcmp(h, key_hash, key_len) != 0)
		return 0;
	if ((n = i2d_X509_NAME(X509_get_subject_name(x), &der)) <= 0)
		return 0;
	ok = EVP_Digest(der, (size_t)n, h, &hlen, md, NULL) == 1 && hlen == name_len &&
	     memcmp(h, name_hash, name_len) == 0;
	OPENSSL_free(der);
	return ok;
}

static X509 *
find_in(STACK_OF(X509) *sk, const EVP_MD *md, const unsigned char *name_hash, size_t name_len,
        const unsigned char *key_hash, size_t key_len)
{
	int i;

	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++)
		if (names(sk_X509_value(sk, i), md, name_hash, name_len, key_hash, key_len))
			return sk_X509_value(sk, i);
	return NULL;
}

static void
load_system(struct issuers *is)
{
	size_t i;

	if (is->sys != NULL || !is->cfg->system_issuers || (is->sys = sk_X509_new_null()) == NULL)
		return;
	for (i = 0; i < sizeof(system_bundles) / sizeof(system_bundles[0]); i++)
		if (issuers_read_file(system_bundles[i], is->sys) != -1)
			return;
}

X509 *
issuers_find(struct issuers *is, int hash_nid, const unsigned char *name_hash, size_t name_len,
             const unsigned char *key_hash, size_t key_len)
{
	const EVP_MD *md = EVP_get_digestbynid(hash_nid);
	X509 *x;

	if (md == NULL || key_len == 0 || name_len == 0)
		return NULL;
	if ((x = find_in(is->certs, md, name_hash, name_len, key_hash, key_len)) != NULL)
		return x;
	load_system(is);
	return find_in(is->sys, md, name_hash, name_len, key_hash, key_len);
}

int
issuers_stale(const struct issuers *is)
{
	struct timespec now = mtime_of(is->cfg->issuers_dir);

	return now.tv_sec != is->dir_mtime.tv_sec || now.tv_nsec != is->dir_mtime.tv_nsec;
}

X509_STORE *
issuers_anchors(const struct issuers *is)
{
	return is->anchors;
}

STACK_OF(X509) *
issuers_all(const struct issuers *is)
{
	return is->certs;
}

int
issuers_has(struct issuers *is, X509 *x)
{
	unsigned char nh[EVP_MAX_MD_SIZE], kh[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int nlen = 0, klen = 0;
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(x);
	int n, known = 0;

	if (key != NULL && (n = i2d_X509_NAME(X509_get_subject_name(x), &der)) > 0 &&
	    EVP_Digest(key->data, (size_t)key->length, kh, &klen, EVP_sha1(), NULL) == 1 &&
	    EVP_Digest(der, (size_t)n, nh, &nlen, EVP_sha1(), NULL) == 1)
		known = issuers_find(is, NID_sha1, nh, nlen, kh, klen) != NULL;
	OPENSSL_free(der);
	return known;
}

int
issuers_add(const char *dir, X509 *x, struct err *err)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0, i;
	char name[4096], tmp[4200];
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(x);
	FILE *f = NULL;
	int n, rc = -1;

	if (key == NULL ||
	    EVP_Digest(key->data, (size_t)key->length, h, &hlen, EVP_sha1(), NULL) != 1) {
		err_set(err, ERR_INPUT, "a certificate without a public key");
		goto out;
	}
	n = snprintf(name, sizeof(name), "%s/", dir);
	for (i = 0; i < hlen && (size_t)n + 3 < sizeof(name); i++)
		n += snprintf(name + n, sizeof(name) - (size_t)n, "%02x", h[i]);
	snprintf(name + n, sizeof(name) - (size_t)n, ".pem");
	if (access(name, F_OK) == 0) {
		rc = 0;
		goto out;
	}
	/* Written beside, then renamed: a handler reading the directory never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", name, (long)getpid());
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		err_set(err, ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		err_set(err, ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (PEM_write_X509(f, x) != 1 || fclose(f) != 0) {
		f = NULL;
		unlink(tmp);
		err_set(err, ERR_IO, "%s: cannot write", tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, name) == -1) {
		unlink(tmp);
		err_set(err, ERR_IO, "%s: %s", name, strerror(errno));
		goto out;
	}
	rc = 1;
out:
	if (f != NULL)
		fclose(f);
	return rc;
}
