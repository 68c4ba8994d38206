/* upstream: the configured responder for a request (routes, the caller's fallback,
 * default_upstream), in one place so a handler miss and a staple ask the same one. */
#include <stddef.h>

#include "upstream.h"

const char *
upstream_configured(const struct config *cfg, const struct ocsp_request *req,
                    const char *fallback)
{
	size_t i;

	if (req->n_ids == 1)
		for (i = 0; i < cfg->n_routes; i++)
			if (ocsp_issuer_matches(req, cfg->routes[i].issuer))
				return cfg->routes[i].url;
	return fallback != NULL ? fallback : cfg->default_upstream;
}
