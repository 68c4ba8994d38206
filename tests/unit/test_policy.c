/* test_policy: the refresh and eviction rules as a table of cases. */
#include <string.h>

#include "check.h"
#include "policy.h"

#define H 3600
#define D 86400

int
main(void)
{
	struct config cfg;
	const time_t t0 = 1800000000;
	struct {
		const char *name;
		time_t fetched, this_update, next_update;
		int failures;
		time_t now, want;
	} cases[] = {
		/* 7-day response fetched at thisUpdate: half at 3.5 d, so daily first. */
		{ "daily before half", t0, t0, t0 + 7 * D, 0, t0, t0 + D },
		{ "daily again on day 2", t0 + D, t0 + D, t0 + 8 * D, 0, t0 + D, t0 + 2 * D },
		/* Fetched on day 3 of 7: daily would pass half (3.5 d), so due at half. */
		{ "at half when daily overshoots", t0 + 3 * D, t0, t0 + 7 * D, 0, t0 + 3 * D,
		  t0 + 3 * D + D / 2 },
		/* Past half: hourly. */
		{ "hourly past half", t0 + 4 * D, t0, t0 + 7 * D, 0, t0 + 4 * D, t0 + 4 * D + H },
		/* Short validity (2 h): half at 1 h is before fetched + 1 h: hourly from the fetch,
		 * but no later than nextUpdate - margin (1 h). */
		{ "short validity capped by margin", t0, t0, t0 + 2 * H, 0, t0, t0 + H },
		/* Close to nextUpdate: at once, but not sooner than retry_min after the fetch. */
		{ "within margin: now", t0 - H, t0 - 7 * D + H / 2, t0 + H / 2, 0, t0, t0 },
		{ "within margin, just fetched: retry_min", t0, t0 - 7 * D + H / 2, t0 + H / 2, 0, t0,
		  t0 + 60 },
		/* Failures: 1 min, 2, 4, ... capped at 1 h, never past nextUpdate - margin. */
		{ "first failure: retry_min", t0, t0, t0 + 7 * D, 1, t0 + 10, t0 + 10 + 60 },
		{ "third failure: 4 min", t0, t0, t0 + 7 * D, 3, t0 + 10, t0 + 10 + 240 },
		{ "many failures: retry_max", t0, t0, t0 + 7 * D, 30, t0 + 10, t0 + 10 + H },
		{ "failure near expiry: margin bound", t0, t0, t0 + 7 * D, 30, t0 + 7 * D - H - 100,
		  t0 + 7 * D - H },
		{ "failure past margin: every retry_min", t0, t0, t0 + 7 * D, 30, t0 + 7 * D - 600,
		  t0 + 7 * D - 600 + 60 },
		{ "failure after expiry: every retry_min", t0, t0, t0 + 7 * D, 5, t0 + 8 * D,
		  t0 + 8 * D + 60 },
		/* Never in the past. */
		{ "old fetch: not before now", t0 - 30 * D, t0 - 30 * D, t0 + 7 * D, 0, t0, t0 },
	};
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.refresh_interval = (long long)D * 1000;
	cfg.refresh_late_interval = (long long)H * 1000;
	cfg.refresh_margin = (long long)H * 1000;
	cfg.retry_min = 60 * 1000;
	cfg.retry_max = (long long)H * 1000;
	cfg.evict_after = 30LL * D * 1000;
	cfg.expired_grace = 7LL * D * 1000;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t got = policy_next_due(&cfg, cases[i].fetched, cases[i].this_update,
		                             cases[i].next_update, OCSP_CERT_GOOD, cases[i].failures,
		                             cases[i].now);
		if (got != cases[i].want)
			printf("# %s: want +%lld, got +%lld\n", cases[i].name,
			       (long long)(cases[i].want - cases[i].now),
			       (long long)(got - cases[i].now));
		CHECK_INT(got, cases[i].want);
	}

	CHECK_INT(policy_should_evict(&cfg, t0, t0, t0 + 7 * D, t0 + D), 0);
	CHECK_INT(policy_should_evict(&cfg, t0, t0, t0 + 60 * D, t0 + 31 * D), 1);
	CHECK_INT(policy_should_evict(&cfg, 0, t0, t0 + 60 * D, t0 + 29 * D), 0);
	CHECK_INT(policy_should_evict(&cfg, 0, t0, t0 + 60 * D, t0 + 31 * D), 1);
	CHECK_INT(policy_should_evict(&cfg, t0 + 20 * D, t0, t0 + 7 * D, t0 + 13 * D), 0);
	CHECK_INT(policy_should_evict(&cfg, t0 + 20 * D, t0, t0 + 7 * D, t0 + 15 * D), 1);
	return CHECK_DONE();
}
