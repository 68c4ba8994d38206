/* issuers: the CA certificates an upstream answer is checked against, found by the CertID's
 * issuer name and key hashes. Certificates are kept as DER with those hashes, found by walking
 * the DER, and decoded only when one matches: OpenSSL 3 spends over a million instructions
 * decoding one certificate (its key), and the system bundle holds about 150. */
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
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "hex.h"
#include "atomicfile.h"
#include "bounds.h"
#include "digest.h"
#include "err.h"
#include "issuers.h"

/* Where distributions keep the bundle of public CAs; the first that exists is read. */
static const char *const system_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",   /* Debian, Ubuntu, Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",     /* Fedora, RHEL */
	"/etc/ssl/cert.pem",                    /* Arch, BSDs */
};

/* One certificate: its DER, where its subject Name and public key bits are in it, their SHA-1
 * and SHA-256 (the CertID hash algorithms in use), and the decoded X509 once needed. */
struct cand {
	unsigned char *der;
	long len;
	const unsigned char *name, *key;
	long name_len, key_len;
	unsigned char n1[SHA_DIGEST_LENGTH], k1[SHA_DIGEST_LENGTH];
	unsigned char n256[SHA256_DIGEST_LENGTH], k256[SHA256_DIGEST_LENGTH];
	X509 *x;
};

struct cands {
	struct cand *v;
	size_t n;
};

struct issuers {
	const struct config *cfg;
	struct cands certs;          /* the operator's: issuers, issuers_dir, routes, anchors */
	struct cands sys;            /* the system bundle, read on first need */
	int sys_read;
	STACK_OF(X509) *all;         /* the operator's decoded, for chain building; NULL until */
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

/* One DER element with the tag wanted at *p: *p moves to its content, *len is its length. */
static int
enter(const unsigned char **p, const unsigned char *end, int tag, int xclass, long *len)
{
	int t, c, flags;

	if (*p >= end)
		return -1;
	flags = ASN1_get_object(p, len, &t, &c, end - *p);
	if ((flags & 0x80) != 0 || (flags & 0x01) != 0 || t != tag || c != xclass ||
	    *len > end - *p)
		return -1;
	return 0;
}

/* Skips one element of any tag. */
static int
skip(const unsigned char **p, const unsigned char *end)
{
	long len;
	int t, c, flags;

	if (*p >= end)
		return -1;
	flags = ASN1_get_object(p, &len, &t, &c, end - *p);
	if ((flags & 0x80) != 0 || (flags & 0x01) != 0 || len > end - *p)
		return -1;
	*p += len;
	return 0;
}


/* digest.c's digests: these run for every certificate of the system bundle. 0 ok, -1 when one
 * failed (the candidate is then dropped rather than kept with hashes that match nothing). */
static int
hashes(struct cand *c)
{
	return digest_sha1(c->name, (size_t)c->name_len, c->n1) == 0 &&
	               digest_sha1(c->key, (size_t)c->key_len, c->k1) == 0 &&
	               digest_sha256(c->name, (size_t)c->name_len, c->n256) == 0 &&
	               digest_sha256(c->key, (size_t)c->key_len, c->k256) == 0
	           ? 0
	           : -1;
}

/* Finds the subject Name and the subjectPublicKey bits (without the unused-bits octet, as RFC
 * 6960 hashes them) in c->der. 0 ok, -1 not a certificate. */
static int
locate(struct cand *c)
{
	const unsigned char *p = c->der, *end = c->der + c->len, *name;
	long len;
	int i;

	if (enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &len) == -1 ||
	    enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &len) == -1)
		return -1;
	end = p + len;
	if (*p == 0xa0 && skip(&p, end) == -1) /* [0] version */
		return -1;
	for (i = 0; i < 4; i++) /* serialNumber, signature, issuer, validity */
		if (skip(&p, end) == -1)
			return -1;
	name = p;
	if (skip(&p, end) == -1)
		return -1;
	c->name = name;
	c->name_len = p - name;
	if (enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &len) == -1 || skip(&p, end) == -1 ||
	    enter(&p, end, V_ASN1_BIT_STRING, V_ASN1_UNIVERSAL, &len) == -1 || len < 1)
		return -1;
	c->key = p + 1;
	c->key_len = len - 1;
	return hashes(c);
}

/* Adds the DER certificate der (taken over) to cs. Not a certificate: dropped, 0. */
static int
add_der(struct cands *cs, unsigned char *der, long len)
{
	struct cand *v, c;

	memset(&c, 0, sizeof(c));
	c.der = der;
	c.len = len;
	if (locate(&c) == -1) {
		OPENSSL_free(der);
		return 0;
	}
	if ((v = realloc(cs->v, (cs->n + 1) * sizeof(*v))) == NULL) {
		OPENSSL_free(der);
		return -1;
	}
	cs->v = v;
	cs->v[cs->n++] = c;
	return 1;
}

/* The certificates of one file (PEM, several; or one DER) onto cs. Count, -1 unreadable. */
static int
read_file(const char *path, struct cands *cs)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len;
	FILE *f;
	int n = 0, blocks = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (PEM_read(f, &name, &header, &data, &len) == 1) {
		blocks++;
		if (strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0) {
			n += add_der(cs, data, len) == 1;
			data = NULL;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	if (blocks == 0 && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    len <= ISSUER_FILE_MAX && (data = OPENSSL_malloc((size_t)len)) != NULL) {
		rewind(f);
		if (fread(data, 1, (size_t)len, f) == (size_t)len)
			n += add_der(cs, data, len) == 1;
		else
			OPENSSL_free(data);
	}
	fclose(f);
	ERR_clear_error(); /* the end of the file reads as a PEM error */
	return n;
}

/* Every regular file of dir (symlinks followed; dot files skipped). Count, or -1. */
static int
read_dir(const char *dir, struct cands *cs)
{
	char path[4096];
	struct dirent *d;
	struct stat sb;
	DIR *dp;
	int n = 0, files = 0, got;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL && files < ISSUERS_DIR_FILES_MAX) {
		if (d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path) ||
		    stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		files++;
		if ((got = read_file(path, cs)) > 0)
			n += got;
	}
	closedir(dp);
	return n;
}

/* A file or a directory. Count of certificates, -1 when it cannot be read. */
static int
read_path(const char *path, struct cands *cs)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	return S_ISDIR(sb.st_mode) ? read_dir(path, cs) : read_file(path, cs);
}

static int
must_read(const char *what, const char *path, struct cands *cs, struct err *err)
{
	int n = read_path(path, cs);

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

	if ((is = calloc(1, sizeof(*is))) == NULL) {
		err_set(err, ERR_NOMEM, "out of memory");
		return NULL;
	}
	is->cfg = cfg;
	for (i = 0; i < cfg->issuers.n; i++)
		if (must_read("issuers", cfg->issuers.v[i], &is->certs, err) == -1)
			goto fail;
	for (i = 0; i < cfg->n_routes; i++)
		if (!is_hex(cfg->routes[i].issuer) &&
		    must_read("route issuer", cfg->routes[i].issuer, &is->certs, err) == -1)
			goto fail;
	if (cfg->trust_anchors != NULL) {
		/* The anchors as a store only when chains are checked: on the first answer. */
		if (must_read("trust_anchors", cfg->trust_anchors, &is->certs, err) == -1)
			goto fail;
	}
	/* The directory ocsp-proxyctl prefetch fills: absent or empty is fine. */
	is->dir_mtime = mtime_of(cfg->issuers_dir);
	if (cfg->issuers_dir != NULL)
		read_path(cfg->issuers_dir, &is->certs);
	return is;
fail:
	issuers_free(is);
	return NULL;
}

static void
cands_free(struct cands *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		OPENSSL_free(cs->v[i].der);
		X509_free(cs->v[i].x);
	}
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

void
issuers_free(struct issuers *is)
{
	if (is == NULL)
		return;
	cands_free(&is->certs);
	cands_free(&is->sys);
	sk_X509_free(is->all);
	X509_STORE_free(is->anchors);
	free(is);
}

int
issuers_count(const struct issuers *is)
{
	return (int)is->certs.n;
}

/* The decoded certificate of c, decoded now if not yet. */
static X509 *
decoded(struct cand *c)
{
	const unsigned char *p = c->der;

	if (c->x == NULL)
		c->x = d2i_X509(NULL, &p, c->len);
	return c->x;
}

/* 1 when c's subject and key hash to name_hash and key_hash with the digest nid. */
static int
names(const struct cand *c, int nid, const EVP_MD *md, const unsigned char *name_hash,
      size_t name_len, const unsigned char *key_hash, size_t key_len)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;

	if (nid == NID_sha1)
		return key_len == sizeof(c->k1) && memcmp(c->k1, key_hash, key_len) == 0 &&
		       name_len == sizeof(c->n1) && memcmp(c->n1, name_hash, name_len) == 0;
	if (nid == NID_sha256)
		return key_len == sizeof(c->k256) && memcmp(c->k256, key_hash, key_len) == 0 &&
		       name_len == sizeof(c->n256) && memcmp(c->n256, name_hash, name_len) == 0;
	/* Other digests (SHA-384, SHA-512): rare, computed as asked. */
	if (EVP_Digest(c->key, (size_t)c->key_len, h, &hlen, md, NULL) != 1 || hlen != key_len ||
	    memcmp(h, key_hash, key_len) != 0)
		return 0;
	return EVP_Digest(c->name, (size_t)c->name_len, h, &hlen, md, NULL) == 1 &&
	       hlen == name_len && memcmp(h, name_hash, name_len) == 0;
}

static X509 *
find_in(struct cands *cs, int nid, const EVP_MD *md, const unsigned char *name_hash,
        size_t name_len, const unsigned char *key_hash, size_t key_len)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (names(&cs->v[i], nid, md, name_hash, name_len, key_hash, key_len))
			return decoded(&cs->v[i]);
	return NULL;
}

static void
load_system(struct issuers *is)
{
	size_t i;

	if (is->sys_read || !is->cfg->system_issuers)
		return;
	is->sys_read = 1;
	for (i = 0; i < sizeof(system_bundles) / sizeof(system_bundles[0]); i++)
		if (read_file(system_bundles[i], &is->sys) != -1)
			return;
}

X509 *
issuers_find(struct issuers *is, int hash_nid, const unsigned char *name_hash, size_t name_len,
             const unsigned char *key_hash, size_t key_len)
{
	const EVP_MD *md = NULL;
	X509 *x;

	if (hash_nid != NID_sha1 && hash_nid != NID_sha256 &&
	    (md = EVP_get_digestbynid(hash_nid)) == NULL)
		return NULL;
	if (key_len == 0 || name_len == 0)
		return NULL;
	if ((x = find_in(&is->certs, hash_nid, md, name_hash, name_len, key_hash, key_len)) != NULL)
		return x;
	load_system(is);
	return find_in(&is->sys, hash_nid, md, name_hash, name_len, key_hash, key_len);
}

int
issuers_stale(const struct issuers *is)
{
	struct timespec now = mtime_of(is->cfg->issuers_dir);

	return now.tv_sec != is->dir_mtime.tv_sec || now.tv_nsec != is->dir_mtime.tv_nsec;
}

int
issuers_refresh(struct issuers **is, const struct config *cfg, struct err *err)
{
	struct issuers *fresh;

	if (!cfg->verify || (*is != NULL && !issuers_stale(*is)))
		return 0;
	if ((fresh = issuers_load(cfg, err)) == NULL)
		return -1;
	issuers_free(*is);
	*is = fresh;
	return 1;
}

X509_STORE *
issuers_anchors(struct issuers *is, struct err *err)
{
	err_clear(err);
	if (is->anchors == NULL && is->cfg->trust_anchors != NULL)
		is->anchors = load_anchors(is->cfg->trust_anchors, err);
	return is->anchors;
}

STACK_OF(X509) *
issuers_all(struct issuers *is)
{
	size_t i;
	X509 *x;

	if (is->all != NULL || (is->all = sk_X509_new_null()) == NULL)
		return is->all;
	for (i = 0; i < is->certs.n; i++)
		if ((x = decoded(&is->certs.v[i])) != NULL && !sk_X509_push(is->all, x))
			break;
	return is->all;
}

int
issuers_has(struct issuers *is, X509 *x)
{
	unsigned char nh[SHA_DIGEST_LENGTH], kh[SHA_DIGEST_LENGTH], *der = NULL;
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
issuers_vouch(struct issuers *is, X509 *x)
{
	unsigned char *der = NULL;
	int len, rc;

	if (issuers_has(is, x))
		return 0;
	if ((len = i2d_X509(x, &der)) <= 0)
		return -1;
	if ((rc = add_der(&is->certs, der, len)) != 1)
		return -1;
	/* A chain built before lacks it: built again on need. */
	sk_X509_free(is->all);
	is->all = NULL;
	return 1;
}

int
issuers_add(const char *dir, X509 *x, struct err *err)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	char name[4096];
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(x);
	struct atomicfile af;
	int n, rc = -1;

	if (key == NULL ||
	    EVP_Digest(key->data, (size_t)key->length, h, &hlen, EVP_sha1(), NULL) != 1) {
		err_set(err, ERR_INPUT, "a certificate without a public key");
		goto out;
	}
	n = snprintf(name, sizeof(name), "%s/", dir);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		err_set(err, ERR_INPUT, "%s: name too long", dir);
		goto out;
	}
	n += (int)hex_encode(h, hlen, name + n, sizeof(name) - (size_t)n);
	snprintf(name + n, sizeof(name) - (size_t)n, ".pem");
	if (access(name, F_OK) == 0) {
		rc = 0;
		goto out;
	}
	/* Written beside, then renamed: a handler reading the directory never sees half a file. */
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		err_set(err, ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (atomicfile_open(&af, name, 0644, err) == -1)
		goto out;
	if (PEM_write_X509(af.f, x) != 1) {
		err_set(err, ERR_IO, "%s: cannot write", af.tmp);
		atomicfile_abort(&af);
		goto out;
	}
	if (atomicfile_commit(&af, err) == -1)
		goto out;
	rc = 1;
out:
	return rc;
}
