/* cached: the one check of an entry Redis returned (cached.h): ETag, body for this CertID, the
 * stored times against the body's. */
#include <stdio.h>
#include <string.h>

#include "cached.h"

int
cached_check(const struct config *cfg, const struct ocsp_request *req, struct entry *e,
             char *why, size_t whylen)
{
	struct ocsp_response_info info;
	char sum[65];
	long long until;

	/* The ETag goes into a header: exactly the 64 lower-case hex digits the proxy wrote. */
	if (strlen(e->etag) != 64 || e->etag[strspn(e->etag, "0123456789abcdef")] != '\0') {
		snprintf(why, whylen, "stored ETag is not a SHA-256 in hex");
		return -1;
	}
	ocsp_etag(e->resp, e->resp_len, sum);
	if (strcmp(sum, e->etag) != 0) {
		snprintf(why, whylen, "stored ETag is not the body's SHA-256");
		return -1;
	}
	if (ocsp_body_info(req, e->resp, e->resp_len, &info, why, whylen) == -1)
		return -1;
	if (e->this_update != info.this_update) {
		snprintf(why, whylen, "stored thisUpdate is not the body's");
		return -1;
	}
	if (info.next_update == 0) {
		/* As policy_cacheable set it when the answer was stored. */
		until = (long long)info.this_update + cfg->no_next_update_max_age / 1000;
		info.next_update = cfg->no_next_update_max_age > 0 ? (time_t)until : info.this_update;
	}
	if (e->next_update > info.next_update)
		e->next_update = info.next_update;
	e->cert_status = info.cert_status;
	return 0;
}

int
cached_fresh(const struct config *cfg, time_t this_update, time_t next_update, time_t now)
{
	return next_update > now && (long long)this_update <= (long long)now + cfg->clock_skew / 1000;
}
