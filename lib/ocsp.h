/* ocsp: OCSP requests and responses through OpenSSL: the CertID cache key, what is cacheable,
 * the parts of an answer the checks read (lib/verdict.c, lib/cached.c), fixed error answers. */
#ifndef OCSP_PROXY_OCSP_H
#define OCSP_PROXY_OCSP_H

#include <stddef.h>
#include <time.h>

#include "bounds.h"

/* OCSPResponseStatus values (RFC 6960 4.2.1). */
enum ocsp_status {
	OCSP_ST_SUCCESSFUL = 0,
	OCSP_ST_MALFORMED = 1,
	OCSP_ST_INTERNAL = 2,
	OCSP_ST_TRYLATER = 3,
	OCSP_ST_SIGREQUIRED = 5,
	OCSP_ST_UNAUTHORIZED = 6,
};

/* Cert status of a SingleResponse. */
enum ocsp_cert_status { OCSP_CERT_GOOD = 0, OCSP_CERT_REVOKED = 1, OCSP_CERT_UNKNOWN = 2 };

/* The cache key is the hex of the CertID's DER: hash algorithm, issuer name hash, issuer key
 * hash, serial, any length up to CERTID_HEX_MAX (bounds.h). */

struct ocsp_request {
	/* What is sent upstream (and stored): for a single CertID without nonce the request
	 * rebuilt from that CertID alone, nothing a client added; otherwise the client's bytes. */
	unsigned char *der;
	size_t der_len;
	int n_ids;                   /* CertIDs in the request */
	int has_nonce;
	int cacheable;               /* exactly one CertID, no nonce, certid fits */
	char certid[CERTID_HEX_MAX + 1]; /* the cache's key: hex of the CertID's DER with NULL hash
	                                parameters (one per certificate) when n_ids == 1, else "" */
	/* The single CertID's parts, for routing by issuer: */
	int hash_nid;                /* hash algorithm NID (NID_sha1, ...) or 0 */
	unsigned char issuer_key_hash[64];
	size_t issuer_key_hash_len;
	void *ossl;                  /* OCSP_REQUEST *, owned */
};

/* Per-connection start-up: OpenSSL without its configuration file and error strings, which a
 * cache hit does not need and which cost more than the rest of the hit (openssl.cnf parsing
 * alone is about 1.7 M instructions). Call first thing in main. */
void ocsp_init_light(void);
/* Before anything that talks TLS or loads providers (an upstream fetch): the system OpenSSL
 * configuration after all, so libcurl's TLS gets the distribution's policy. Idempotent. */
void ocsp_init_full(void);

/* Parses a DER OCSPRequest. Trailing bytes after the DER are an error. 0 ok, -1 malformed. */
int ocsp_request_parse(const unsigned char *der, size_t len, struct ocsp_request *out);
void ocsp_request_free(struct ocsp_request *r);

/* What an upstream answer is: answer_check's verdict (lib/verdict.h). */
enum ocsp_verdict {
	OCSP_V_CACHEABLE,   /* successful, for this CertID, valid now, verified: serve and cache */
	OCSP_V_RELAY,       /* successful and as checked as a cacheable one, but not to cache (a
	                       nonce or several CertIDs asked, no nextUpdate past
	                       no_next_update_max_age): send it to this client, never cache it */
	OCSP_V_STATUS,      /* an error status (tryLater, ...): answer with ocsp_error_response
	                       for info->status, never with the upstream's bytes */
	OCSP_V_INVALID,     /* not an OCSPResponse, or one that fails the checks: never serve it */
	OCSP_V_UNVERIFIED,  /* signature unchecked (issuer unknown) or wrong: never serve or cache */
};

struct issuers;

struct ocsp_response_info {
	int status;                  /* enum ocsp_status */
	int cert_status;             /* enum ocsp_cert_status, -1 when not found */
	time_t this_update;
	time_t next_update;          /* 0 when absent */
	time_t produced_at;
	time_t revoked_at;
};

/* The SingleResponse for id (an OCSP_CERTID *; the first when NULL) of bs (an OCSP_BASICRESP *)
 * into info. 0 ok, -1 none (or no thisUpdate). */
struct ocsp_basic_response_st;
struct ocsp_cert_id_st;
int ocsp_single_info(struct ocsp_basic_response_st *bs, struct ocsp_cert_id_st *id,
                     struct ocsp_response_info *info);

/* The body of a cached entry, decoded without the certificates it embeds (decoding a
 * certificate's key costs millions of instructions, a hit needs none): a successful basic OCSP
 * response holding a SingleResponse for req's CertID, whose times and status go into info. No
 * signature check, no ETag check: that is cached_check's (lib/cached.h). 0 ok, -1 with why. */
int ocsp_body_info(const struct ocsp_request *req, const unsigned char *der, size_t len,
                   struct ocsp_response_info *info, char *why, size_t whylen);

/* The request for the CertID certid (hex, a cache key) names, built from it alone (what a refresh
 * sends, whatever the entry's stored request says). 0 ok, -1 when certid is not a CertID in the
 * form ocsp_request_parse gives. */
int ocsp_request_for_certid(const char *certid, struct ocsp_request *out);

/* The DER of a request asking about id alone (no extension, no signature), malloc'd into *der
 * (the caller frees it) and *len. Takes id (an OCSP_CERTID *), freed on failure too. 0 ok, -1. */
int ocsp_request_encode(struct ocsp_cert_id_st *id, unsigned char **der, size_t *len);

/* Just the times and status of a DER response we already trust (cached). 0 ok, -1 bad. */
int ocsp_response_info(const unsigned char *der, size_t len, const char *certid,
                       struct ocsp_response_info *info);

/* A fixed unsigned OCSPResponse carrying only an error status (30 03 0a 01 NN); a status RFC
 * 6960 does not define (4, or past 6) gives internalError's. */
const unsigned char *ocsp_error_response(enum ocsp_status status, size_t *len);

/* Lower-case hex SHA-256 of der, for ETag. out must hold 65 bytes. */
void ocsp_etag(const unsigned char *der, size_t len, char out[65]);

/* 1 when the request's CertID names the issuer given as a hex hash of its public key (in the
 * CertID's hash algorithm) or as the path of its certificate (PEM or DER). 0 otherwise. */
int ocsp_issuer_matches(const struct ocsp_request *req, const char *issuer);

/* The serial of the request's single CertID in upper-case hex, as openssl x509 -serial prints
 * it ("-" first when negative). 0 ok, -1 (out "") when the request has not exactly one CertID
 * or the serial does not fit. CERTID_HEX_MAX + 1 bytes always suffice. */
int ocsp_request_serial(const struct ocsp_request *req, char *out, size_t outlen);

/* The subject and issuer names of the certificate in cert_path (PEM or DER) on one line each,
 * as openssl x509 -subject prints them; "" for a name longer than its buffer. 0 ok, -1 when
 * the file is not a certificate. */
int ocsp_cert_names(const char *cert_path, char *subject, size_t subjlen, char *issuer,
                    size_t isslen);

const char *ocsp_status_name(int status);
const char *ocsp_cert_status_name(int cert_status);

#endif
