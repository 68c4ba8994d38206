/* certfile: a TLS server's certificate file as HAProxy and nginx read it: the leaf first, its
 * issuer later in the same file or in <file>.issuer; the OCSP request for the leaf, and whether
 * a response was signed for it by that issuer. */
#ifndef OCSP_PROXY_CERTFILE_H
#define OCSP_PROXY_CERTFILE_H

#include <stddef.h>

#include "err.h"

struct certfile {
	unsigned char *req;          /* DER OCSPRequest: one SHA-1 CertID, no nonce */
	size_t req_len;
	char *aia;                   /* the leaf's OCSP responder URL, or NULL */
	void *leaf;                  /* X509 * */
	void *issuer;                /* X509 * */
};

/* Reads path (PEM, at most 1 MiB). 0 ok, -1 with err: ERR_INPUT (no certificate, no issuer
 * found), ERR_NOMEM. */
int certfile_load(const char *path, struct certfile *out, struct err *err);
/* The same with the issuer taken from issuer_path (PEM, any of its certificates) when not NULL.
 * Either way the issuer must have signed the leaf: its key is checked, not only its name. */
int certfile_load_with(const char *path, const char *issuer_path, struct certfile *out,
                       struct err *err);
void certfile_free(struct certfile *cf);

struct x509_st;
struct X509_name_st;
/* The first certificate of a PEM or DER file (a route's issuer, ocsp-proxyctl's --cert), or
 * NULL: errno says why, 0 when the file was read but holds no certificate. */
struct x509_st *certfile_read_first(const char *path);
/* A name as one line, "CN = x, O = y" as openssl x509 -subject prints it; "" when it does not
 * fit in outlen. The one way a name reaches a log line or ctl's output. */
void certfile_name_line(const struct X509_name_st *name, char *out, size_t outlen);
/* The leaf's subject and issuer names, one line each as openssl x509 -subject prints them. */
void certfile_names(const struct certfile *cf, char *subject, size_t subjlen, char *issuer,
                    size_t isslen);
/* 1 when the first certificate of path is a CA's (a chain or issuer file, not a server's), 0
 * when not, -1 when path holds none. */
int certfile_first_is_ca(const char *path);

/* 1 when the DER OCSPResponse der is signed by the leaf's issuer, or by a responder certificate
 * that issuer issued for OCSP signing (RFC 6960 4.2.2.2). 0 otherwise, with why. */
int certfile_signed(const struct certfile *cf, const unsigned char *der, size_t len,
                    struct err *why);

#endif
