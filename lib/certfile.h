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
void certfile_free(struct certfile *cf);

/* 1 when the DER OCSPResponse der is signed by the leaf's issuer, or by a responder certificate
 * that issuer issued for OCSP signing (RFC 6960 4.2.2.2). 0 otherwise, with why. */
int certfile_signed(const struct certfile *cf, const unsigned char *der, size_t len,
                    struct err *why);

#endif
