/* issuers: the CA certificates the operator trusts to issue certificates, found by the issuer
 * key hash of an OCSP CertID, so an upstream answer can be checked against the CA it speaks for
 * (lib/verify.c). Filled from `issuers`, `issuers_dir`, route issuer files, `trust_anchors` and,
 * with `system_issuers`, the system CA bundle (read only when nothing else names the issuer). */
#ifndef OCSP_PROXY_ISSUERS_H
#define OCSP_PROXY_ISSUERS_H

#include <stddef.h>

#include <openssl/x509.h>

#include "config.h"
#include "err.h"

struct issuers;

/* Reads every certificate the configuration names. A file or directory named by `issuers`,
 * `trust_anchors` or a route that cannot be read, or holds no certificate, is an error (NULL,
 * err set, ERR_INPUT); a missing `issuers_dir` or system bundle is not. cfg must outlive the
 * store. */
struct issuers *issuers_load(const struct config *cfg, struct err *err);
void issuers_free(struct issuers *is);

/* The certificate whose subject name and public key hash, with the digest hash_nid, to
 * name_hash and key_hash (a CertID's fields), or NULL. The system bundle is read on the first
 * question nothing else answers. The certificate belongs to the store. */
X509 *issuers_find(struct issuers *is, int hash_nid, const unsigned char *name_hash,
                   size_t name_len, const unsigned char *key_hash, size_t key_len);

/* 1 when issuers_dir changed since the store was read (a file added by ocsp-proxyctl prefetch
 * --issuer): a long-running program reads the store again. */
int issuers_stale(const struct issuers *is);
/* Keeps a long-running program's store current (the one reload rule of the handler, its
 * resident workers and memory cache, and the scheduler): *is read when NULL, read again when
 * issuers_dir changed; verify = no: nothing. 1 read now, 0 already current, -1 with err when it
 * cannot be read: then the store read before, if any, stays in *is (a directory caught half
 * written must not stop verification, nor let anything unverified through). */
int issuers_refresh(struct issuers **is, const struct config *cfg, struct err *err);

/* `trust_anchors` as an X509_STORE (read on first need): an issuer must chain to it. NULL with
 * err->kind ERR_NONE when unset, with the error when it cannot be read. */
X509_STORE *issuers_anchors(struct issuers *is, struct err *err);

/* The operator's certificates, decoded, for chain building (owned by the store). */
STACK_OF(X509) *issuers_all(struct issuers *is);

/* How many certificates the operator's sources hold (not the system bundle). */
int issuers_count(const struct issuers *is);

/* 1 when the store holds a certificate with x's subject and key, 0 otherwise. */
int issuers_has(struct issuers *is, X509 *x);

/* Adds x to the store in memory, unless it holds it already: the issuer of a certificate the
 * operator named (staple_cert), which the certificate file shows signed it. 1 added, 0 already
 * there, -1 out of memory or not a certificate. */
int issuers_vouch(struct issuers *is, X509 *x);

/* Writes x into dir as <sha1-key-hash>.pem (ocsp-proxyctl prefetch: the issuer of a certificate
 * it was given), unless it is there already. 1 added, 0 already there, -1 with err. */
int issuers_add(const char *dir, X509 *x, struct err *err);

#endif
