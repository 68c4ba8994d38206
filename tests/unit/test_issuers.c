/* test_issuers: lib/issuers.c on its own: the store read from files (PEM with several
 * certificates, DER) and directories (non-certificates skipped), what is an error and what is
 * not, finding an issuer by a CertID's SHA-1 and SHA-256 hashes, certificates vouched for in
 * memory, issuers_add writing <key hash>.pem once, issuers_stale seeing it, trust_anchors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ocsp.h>

#include "check.h"
#include "config.h"
#include "issuers.h"
#include "pki.h"

/* The issuer store finds x as the issuer of leaf's CertID hashed with md: 1 found (and it is x),
 * 0 not. */
static int
finds(struct issuers *is, X509 *leaf, X509 *x, const EVP_MD *md)
{
	OCSP_CERTID *id = OCSP_cert_to_id(md, leaf, x);
	ASN1_OCTET_STRING *inh = NULL, *ikh = NULL;
	ASN1_OBJECT *alg = NULL;
	X509 *got = NULL;

	if (OCSP_id_get0_info(&inh, &alg, &ikh, NULL, id) == 1)
		got = issuers_find(is, OBJ_obj2nid(alg), inh->data, (size_t)inh->length, ikh->data,
		                   (size_t)ikh->length);
	OCSP_CERTID_free(id);
	return got != NULL && X509_cmp(got, x) == 0;
}

/* The store, or the test ends here: nothing below means anything without it. */
static struct issuers *
must_load(const struct config *cfg)
{
	struct err err;
	struct issuers *is = issuers_load(cfg, &err);

	if (is == NULL) {
		printf("not ok - issuers_load: %s\n", err.msg);
		exit(CHECK_DONE() + 1);
	}
	return is;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

int
main(void)
{
	char dir[] = "/tmp/test_issuers.XXXXXX", path[600], pemdir[600], addir[600], both[600];
	char der[600], junk[600], empty[600];
	struct config cfg;
	struct issuers *is;
	struct err err;
	struct stat sb;
	EVP_PKEY *k1 = key_new(), *k2 = key_new(), *k3 = key_new(), *kl = key_new();
	X509 *ca1 = cert_new("issuers CA 1", 1, k1, NULL, NULL, 1, 0);
	X509 *ca2 = cert_new("issuers CA 2", 2, k2, NULL, NULL, 1, 0);
	X509 *ca3 = cert_new("issuers CA 3", 3, k3, NULL, NULL, 1, 0);
	X509 *leaf1 = cert_new("leaf 1", 11, kl, ca1, k1, 0, 0);
	X509 *leaf2 = cert_new("leaf 2", 12, kl, ca2, k2, 0, 0);
	X509 *leaf3 = cert_new("leaf 3", 13, kl, ca3, k3, 0, 0);
	X509 *twin = cert_new("issuers CA 1", 1, k2, NULL, NULL, 1, 0); /* CA 1's name, CA 2's key */
	unsigned char *d = NULL;
	FILE *f;
	int n;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(both, sizeof(both), "%s/both.pem", dir);
	snprintf(der, sizeof(der), "%s/ca3.der", dir);
	snprintf(pemdir, sizeof(pemdir), "%s/pems", dir);
	snprintf(addir, sizeof(addir), "%s/added", dir);
	snprintf(junk, sizeof(junk), "%s/pems/notes.txt", dir);
	snprintf(empty, sizeof(empty), "%s/empty.pem", dir);
	f = fopen(both, "w");
	PEM_write_X509(f, ca1);
	PEM_write_X509(f, ca2);
	fclose(f);
	f = fopen(der, "wb");
	n = i2d_X509(ca3, &d);
	fwrite(d, 1, (size_t)n, f);
	fclose(f);
	OPENSSL_free(d);
	mkdir(pemdir, 0700);
	snprintf(path, sizeof(path), "%s/pems/ca2.pem", dir);
	write_pem(path, ca2);
	write_file(junk, "not a certificate\n");
	snprintf(path, sizeof(path), "%s/pems/.hidden.pem", dir);
	write_pem(path, ca3);
	write_file(empty, "# nothing here\n");

	/* A PEM file with two CAs and a DER file: each found by SHA-1 and SHA-256 CertIDs. */
	memset(&cfg, 0, sizeof(cfg));
	strlist_push(&cfg.issuers, both);
	strlist_push(&cfg.issuers, der);
	cfg.issuers_dir = addir;               /* absent: no error */
	is = must_load(&cfg);
	CHECK_INT(issuers_count(is), 3);
	CHECK_INT(finds(is, leaf1, ca1, EVP_sha1()), 1);
	CHECK_INT(finds(is, leaf2, ca2, EVP_sha1()), 1);
	CHECK_INT(finds(is, leaf3, ca3, EVP_sha256()), 1);
	CHECK_INT(finds(is, leaf1, ca1, EVP_sha256()), 1);
	/* Name and key must both match: CA 1's name over CA 2's key names no issuer here. */
	CHECK_INT(finds(is, leaf1, twin, EVP_sha1()), 0);
	CHECK_INT(issuers_has(is, ca1), 1);
	CHECK_INT(issuers_has(is, twin), 0);
	CHECK_INT(sk_X509_num(issuers_all(is)), 3);
	CHECK_INT(issuers_stale(is), 0);
	/* No trust_anchors: no store, and no error either. */
	CHECK(issuers_anchors(is, &err) == NULL);
	CHECK_INT(err.kind, ERR_NONE);
	issuers_free(is);
	strlist_free(&cfg.issuers);

	/* A directory: its certificate files, not its notes nor its dot files. */
	memset(&cfg, 0, sizeof(cfg));
	strlist_push(&cfg.issuers, pemdir);
	is = must_load(&cfg);
	CHECK_INT(issuers_count(is), 1);
	CHECK_INT(finds(is, leaf2, ca2, EVP_sha1()), 1);
	CHECK_INT(finds(is, leaf3, ca3, EVP_sha1()), 0);
	/* Vouched for in memory (a staple_cert's issuer): found from then on, once. */
	CHECK_INT(issuers_vouch(is, ca3), 1);
	CHECK_INT(issuers_vouch(is, ca3), 0);
	CHECK_INT(finds(is, leaf3, ca3, EVP_sha1()), 1);
	CHECK_INT(issuers_count(is), 2);
	issuers_free(is);
	strlist_free(&cfg.issuers);

	/* What `issuers` names must be readable and hold a certificate. */
	memset(&cfg, 0, sizeof(cfg));
	snprintf(path, sizeof(path), "%s/missing.pem", dir);
	strlist_push(&cfg.issuers, path);
	CHECK(issuers_load(&cfg, &err) == NULL);
	CHECK_INT(err.kind, ERR_INPUT);
	CHECK(strstr(err.msg, "missing.pem") != NULL && strstr(err.msg, strerror(ENOENT)) != NULL);
	strlist_free(&cfg.issuers);
	strlist_push(&cfg.issuers, empty);
	CHECK(issuers_load(&cfg, &err) == NULL);
	CHECK(strstr(err.msg, "no certificate in it") != NULL);
	strlist_free(&cfg.issuers);
	cfg.trust_anchors = path;
	CHECK(issuers_load(&cfg, &err) == NULL);
	CHECK(strncmp(err.msg, "trust_anchors ", 14) == 0);

	/* trust_anchors alone: its certificates are issuers too, and the anchor store loads. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.trust_anchors = both;
	is = must_load(&cfg);
	CHECK_INT(finds(is, leaf2, ca2, EVP_sha1()), 1);
	CHECK(issuers_anchors(is, &err) != NULL);
	issuers_free(is);

	/* issuers_add: <SHA-1 key hash>.pem in the directory, once; a store read before sees the
	 * directory change and reads it again. */
	mkdir(addir, 0700);
	memset(&cfg, 0, sizeof(cfg));
	cfg.issuers_dir = addir;
	is = must_load(&cfg);
	CHECK_INT(issuers_count(is), 0);
	CHECK_INT(finds(is, leaf1, ca1, EVP_sha1()), 0);
	sleep(1); /* a directory's mtime may have a second's granularity */
	CHECK_INT(issuers_add(addir, ca1, &err), 1);
	CHECK_INT(issuers_add(addir, ca1, &err), 0);
	{
		OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf1, ca1);
		ASN1_OCTET_STRING *ikh = NULL;
		char name[700];
		int i, o;

		OCSP_id_get0_info(NULL, NULL, &ikh, NULL, id);
		o = snprintf(name, sizeof(name), "%s/", addir);
		for (i = 0; ikh != NULL && i < ikh->length; i++)
			o += snprintf(name + o, sizeof(name) - (size_t)o, "%02x", ikh->data[i]);
		snprintf(name + o, sizeof(name) - (size_t)o, ".pem");
		CHECK(stat(name, &sb) == 0 && S_ISREG(sb.st_mode));
		CHECK_INT(sb.st_mode & 07777, 0644);   /* whatever the umask: handlers read it */
		OCSP_CERTID_free(id);
	}
	CHECK_INT(issuers_stale(is), 1);
	issuers_free(is);
	is = must_load(&cfg);
	CHECK_INT(issuers_stale(is), 0);
	CHECK_INT(finds(is, leaf1, ca1, EVP_sha1()), 1);
	issuers_free(is);
	/* issuers_refresh, the one reload rule: read when none, kept while current, read again
	 * when the directory changed; a store that no longer reads leaves the one before. */
	{
		struct issuers *cur = NULL, *before;

		cfg.verify = 1;
		CHECK_INT(issuers_refresh(&cur, &cfg, &err), 1);
		CHECK(cur != NULL && finds(cur, leaf1, ca1, EVP_sha1()) == 1);
		CHECK_INT(issuers_refresh(&cur, &cfg, &err), 0);
		sleep(1);
		CHECK_INT(issuers_add(addir, ca2, &err), 1);
		CHECK_INT(issuers_refresh(&cur, &cfg, &err), 1);
		CHECK(cur != NULL && finds(cur, leaf2, ca2, EVP_sha1()) == 1);
		before = cur;
		snprintf(path, sizeof(path), "%s/missing.pem", dir);
		strlist_push(&cfg.issuers, path);
		sleep(1);
		CHECK_INT(issuers_add(addir, ca3, &err), 1);
		CHECK_INT(issuers_refresh(&cur, &cfg, &err), -1);
		CHECK(cur == before);
		CHECK_INT(err.kind, ERR_INPUT);
		strlist_free(&cfg.issuers);
		issuers_free(cur);
		cur = NULL;
		cfg.verify = 0;                    /* verify = no: no store at all */
		CHECK_INT(issuers_refresh(&cur, &cfg, &err), 0);
		CHECK(cur == NULL);
	}
	snprintf(path, sizeof(path), "%s/nodir/sub", dir);
	CHECK_INT(issuers_add(path, ca2, &err), -1);
	CHECK(err.msg[0] != '\0');

	X509_free(ca1);
	X509_free(ca2);
	X509_free(ca3);
	X509_free(leaf1);
	X509_free(leaf2);
	X509_free(leaf3);
	X509_free(twin);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
	EVP_PKEY_free(kl);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return CHECK_DONE();
}
