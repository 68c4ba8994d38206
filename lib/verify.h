/* verify: is an OCSP response signed by someone RFC 6960 4.2.2.2 authorises to speak for each
 * certificate it answers about: the issuer named in the CertID, or a responder certificate that
 * issuer signed with the id-kp-OCSPSigning extended key usage, valid now. */
#ifndef OCSP_PROXY_VERIFY_H
#define OCSP_PROXY_VERIFY_H

#include <stddef.h>
#include <time.h>

#include <openssl/ocsp.h>

#include "issuers.h"

enum verify_result {
	VERIFY_OK = 0,
	VERIFY_NO_ISSUER = -1,       /* no issuer in the store matches a CertID: cannot check */
	VERIFY_BAD = -2,             /* a signature, delegation, validity or chain check failed */
};

/* Checks bs for every SingleResponse it holds, at now. A response signed by the issuer itself
 * needs no certificate embedded: the issuer from the store is the candidate signer. With
 * `trust_anchors` the issuer must also chain to them. why says what failed, naming the issuer
 * key hash and what to configure when the issuer is unknown. */
enum verify_result verify_response(OCSP_BASICRESP *bs, struct issuers *is, time_t now,
                                   char *why, size_t whylen);

#endif
