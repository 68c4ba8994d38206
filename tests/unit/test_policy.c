/* test_policy: the refresh and eviction rules as tables: single decisions, then whole validity
 * periods simulated from one minute to a year (fetches counted, every refresh before expiry). */
#include <string.h>

#include "check.h"
#include "policy.h"

#define H 3600
#define D 86400
#define Y (365LL * D)

/* How a CA answers a fetch at t with validity v: a fresh response (thisUpdate t), or one made
 * ahead of time, a new one every half validity (as most public CAs do). */
static void
ca_answer(long long t, long long v, int preproduced, time_t *this_update, time_t *next_update)
{
	long long made = preproduced ? t - t % (v / 2) : t;

	*this_update = (time_t)made;
	*next_update = (time_t)(made + v);
}

/* The scheduler refreshing exactly when due for `periods` validities of a CA answering well.
 * Checks each refresh comes while the cached response is valid, at least v/8 before it
 * expires, and returns the fetches per validity, times 100. */
static long long
simulate(const struct config *cfg, long long v, int preproduced, int periods, int stapled)
{
	const long long t0 = 1800000000;
	long long t = t0, fetches = 1, early = 1;
	time_t this_update, next_update, due;

	ca_answer(t, v, preproduced, &this_update, &next_update);
	for (;;) {
		due = policy_next_due(cfg, (time_t)t, this_update, next_update, OCSP_CERT_GOOD, 0,
		                      stapled, (time_t)t);
		/* With a staple file, also before HAProxy's last 5 minutes of the answer. */
		if (due <= t || (long long)next_update - due < v / 8 ||
		    (stapled && v > 300 && (long long)next_update - due < 300)) {
			early = 0;
			printf("# validity %llds: fetched at +%lld, due at +%lld, expires at +%lld\n",
			       v, t - t0, (long long)due - t0, (long long)next_update - t0);
			break;
		}
		if (due >= t0 + periods * v)
			break;
		t = due;
		ca_answer(t, v, preproduced, &this_update, &next_update);
		fetches++;
	}
	CHECK(early);
	return fetches * 100 / periods;
}

int
main(void)
{
	struct config cfg;
	const time_t t0 = 1800000000;
	/* Validity, and the most fetches per validity allowed, times 100: twice per validity up
	 * to two days; daily beyond (and once more at half validity when the CA pre-produces). */
	struct {
		long long validity;
		long long max_per_validity;
	} periods[] = {
		{ 60, 200 }, { H, 200 }, { D, 200 }, { 7 * D, 800 }, { Y, 36700 },
	};
	struct {
		const char *name;
		time_t fetched, this_update, next_update;
		int cert_status, failures;
		time_t now, want;
	} status_cases[] = {
		/* unknown: asked again after unknown_refresh (5 min), or sooner when short-lived. */
		{ "unknown: in 5 min", t0, t0, t0 + 7 * D, OCSP_CERT_UNKNOWN, 0, t0, t0 + 300 },
		{ "unknown, 1 min validity: at half", t0, t0, t0 + 60, OCSP_CERT_UNKNOWN, 0, t0,
		  t0 + 30 },
		/* revoked: refreshed like good (a CA may correct a revocation). */
		{ "revoked: daily", t0, t0, t0 + 7 * D, OCSP_CERT_REVOKED, 0, t0, t0 + D },
		/* Short validity: margin, late interval and floor scale. */
		{ "1 h validity: at half", t0, t0, t0 + H, OCSP_CERT_GOOD, 0, t0, t0 + H / 2 },
		{ "1 h validity, past half: every 7.5 min", t0 + 35 * 60, t0, t0 + H,
		  OCSP_CERT_GOOD, 0, t0 + 35 * 60, t0 + 35 * 60 + 450 },
		{ "1 h validity, within the margin (15 min): floor 1 min", t0 + 50 * 60, t0, t0 + H,
		  OCSP_CERT_GOOD, 0, t0 + 50 * 60, t0 + 51 * 60 },
		{ "1 min validity, failed: floor 3 s", t0, t0, t0 + 60, OCSP_CERT_GOOD, 1, t0 + 20,
		  t0 + 23 },
		{ "1 min validity, failed past margin: every 3 s", t0, t0, t0 + 60, OCSP_CERT_GOOD, 3,
		  t0 + 50, t0 + 53 },
		/* The old rule refetched a 1 h response every minute (margin 1 h = its validity). */
		{ "1 h validity fetched late: not every minute", t0 + 10 * 60, t0, t0 + H,
		  OCSP_CERT_GOOD, 0, t0 + 10 * 60, t0 + 30 * 60 },
	};
	/* revocation_check_interval (C): asked again no later than C after the last ask, whatever
	 * the other rules say; 0 keeps them as they are. */
	struct {
		const char *name;
		long long check_ms;
		time_t fetched, this_update, next_update;
		int cert_status, failures;
		time_t now, want;
	} check_cases[] = {
		{ "off: daily", 0, t0, t0, t0 + 7 * D, OCSP_CERT_GOOD, 0, t0, t0 + D },
		{ "1h: hourly", H * 1000LL, t0, t0, t0 + 7 * D, OCSP_CERT_GOOD, 0, t0, t0 + H },
		{ "5m: every 5 min", 300 * 1000, t0, t0, t0 + 7 * D, OCSP_CERT_GOOD, 0, t0,
		  t0 + 300 },
		{ "5m past half: not hourly", 300 * 1000, t0 + 4 * D, t0, t0 + 7 * D, OCSP_CERT_GOOD,
		  0, t0 + 4 * D, t0 + 4 * D + 300 },
		{ "5m, revoked: the same", 300 * 1000, t0, t0, t0 + 7 * D, OCSP_CERT_REVOKED, 0, t0,
		  t0 + 300 },
		{ "2m, unknown: sooner than unknown_refresh", 120 * 1000, t0, t0, t0 + 7 * D,
		  OCSP_CERT_UNKNOWN, 0, t0, t0 + 120 },
		{ "30s: under the floor (retry_min 1m)", 30 * 1000, t0, t0, t0 + 7 * D,
		  OCSP_CERT_GOOD, 0, t0, t0 + 30 },
		{ "500ms: a second at least", 500, t0, t0, t0 + 7 * D, OCSP_CERT_GOOD, 0, t0,
		  t0 + 1 },
		{ "2d: longer than the rules, no change", 2 * D * 1000LL, t0, t0, t0 + 7 * D,
		  OCSP_CERT_GOOD, 0, t0, t0 + D },
		{ "1h, 1 h validity: at half as before", H * 1000LL, t0, t0, t0 + H, OCSP_CERT_GOOD, 0,
		  t0, t0 + H / 2 },
		{ "5m, third failure: backoff 4 min", 300 * 1000, t0, t0, t0 + 7 * D, OCSP_CERT_GOOD,
		  3, t0 + 10, t0 + 10 + 240 },
		{ "5m, many failures: backoff capped at 5 min", 300 * 1000, t0, t0, t0 + 7 * D,
		  OCSP_CERT_GOOD, 30, t0 + 10, t0 + 10 + 300 },
		{ "5m, an old fetch: now", 300 * 1000, t0 - D, t0 - D, t0 + 6 * D, OCSP_CERT_GOOD, 0,
		  t0, t0 },
	};
	/* An entry with a staple file: due before HAProxy's last 5 minutes (nextUpdate - margin -
	 * 5 min), the same where that changes nothing; columns: validity, fetched (from
	 * thisUpdate t0), failures, now, and the due time without and with a staple file. */
	struct {
		const char *name;
		long long validity, fetched, failures, now, plain, stapled;
	} staple_cases[] = {
		/* The 8 minutes: HAProxy dropped the staple from +3 min to the refresh at +4. */
		{ "8 min: at +1 min, not at half", 480, 0, 0, 0, 240, 60 },
		{ "10 min: at +2.5 min", 600, 0, 0, 0, 300, 150 },
		{ "1 h: at half either way", H, 0, 0, 0, H / 2, H / 2 },
		{ "1 h, past half: before next - 20 min", H, 2340, 0, 2340, 2700, 2400 },
		{ "7 d: daily either way", 7 * D, 0, 0, 0, D, D },
		{ "7 d, last hours: next - 1 h 5 min", 7 * D, 7 * D - 2 * H, 0, 7 * D - 2 * H,
		  7 * D - H, 7 * D - H - 300 },
		{ "5 min: all of it in the window, as usual", 300, 0, 0, 0, 150, 150 },
		{ "6 min: the floor after the fetch", 360, 0, 0, 0, 180, 22 },
		{ "8 min, third failure: not past the window", 480, 0, 3, 30, 150, 60 },
	};
	struct ocsp_response_info info;
	char why[100];
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
	cfg.unknown_refresh = 300 * 1000;
	cfg.no_next_update_max_age = (long long)H * 1000;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t got = policy_next_due(&cfg, cases[i].fetched, cases[i].this_update,
		                             cases[i].next_update, OCSP_CERT_GOOD, cases[i].failures,
		                             0, cases[i].now);
		if (got != cases[i].want)
			printf("# %s: want +%lld, got +%lld\n", cases[i].name,
			       (long long)(cases[i].want - cases[i].now),
			       (long long)(got - cases[i].now));
		CHECK_INT(got, cases[i].want);
	}

	for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
		time_t got = policy_next_due(&cfg, status_cases[i].fetched,
		                             status_cases[i].this_update, status_cases[i].next_update,
		                             status_cases[i].cert_status, status_cases[i].failures,
		                             0, status_cases[i].now);
		if (got != status_cases[i].want)
			printf("# %s: want +%lld, got +%lld\n", status_cases[i].name,
			       (long long)(status_cases[i].want - status_cases[i].now),
			       (long long)(got - status_cases[i].now));
		CHECK_INT(got, status_cases[i].want);
	}

	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		struct config c = cfg;
		time_t got;

		c.revocation_check_interval = check_cases[i].check_ms;
		got = policy_next_due(&c, check_cases[i].fetched, check_cases[i].this_update,
		                      check_cases[i].next_update, check_cases[i].cert_status,
		                      check_cases[i].failures, 0, check_cases[i].now);
		if (got != check_cases[i].want)
			printf("# revocation_check_interval %s: want +%lld, got +%lld\n",
			       check_cases[i].name, (long long)(check_cases[i].want - check_cases[i].now),
			       (long long)(got - check_cases[i].now));
		CHECK_INT(got, check_cases[i].want);
	}
	{
		/* The cost stated to operators: entries x 86400 / C asks a day, here for one entry
		 * and a 7-day answer with C = 1h (24 a day, 168 per validity), and unknown after
		 * unknown never waits longer than C either. */
		struct config c = cfg;
		long long per_v;

		c.revocation_check_interval = H * 1000LL;
		per_v = simulate(&c, 7 * D, 0, 4, 0);
		printf("# revocation_check_interval 1h, validity 7d: %lld.%02lld fetches per "
		       "validity\n", per_v / 100, per_v % 100);
		CHECK(per_v >= 7 * 24 * 100 && per_v <= 7 * 24 * 100 + 100);
		CHECK_INT(policy_unknown_due(&c, 20 * H, t0, t0, t0 + 7 * D, t0), t0 + H);
	}

	for (i = 0; i < sizeof(staple_cases) / sizeof(staple_cases[0]); i++) {
		long long v = staple_cases[i].validity;
		int stapled;

		for (stapled = 0; stapled <= 1; stapled++) {
			long long want = stapled ? staple_cases[i].stapled : staple_cases[i].plain;
			time_t got = policy_next_due(&cfg, t0 + staple_cases[i].fetched, t0, t0 + v,
			                             OCSP_CERT_GOOD, (int)staple_cases[i].failures,
			                             stapled, t0 + staple_cases[i].now);

			if (got != t0 + want)
				printf("# %s (%s): want +%lld, got +%lld\n", staple_cases[i].name,
				       stapled ? "stapled" : "not stapled", want, (long long)(got - t0));
			CHECK_INT(got, t0 + want);
		}
	}
	/* Whole validities with a staple file: every refresh before HAProxy's window too. */
	{
		static const long long staple_v[] = { 480, 600, H, D, 7 * D };

		for (i = 0; i < sizeof(staple_v) / sizeof(staple_v[0]); i++) {
			long long per_v = simulate(&cfg, staple_v[i], 0, 4, 1);

			printf("# stapled, validity %llds: %lld.%02lld fetches per validity\n", staple_v[i],
			       per_v / 100, per_v % 100);
			CHECK(per_v >= 100 && per_v <= 1000);
		}
	}

	/* Whole validity periods, fresh and pre-produced responses: refreshed before expiry, and
	 * fetched no more than the table says. */
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		long long fresh = simulate(&cfg, periods[i].validity, 0, 4, 0);
		long long made = simulate(&cfg, periods[i].validity, 1, 4, 0);

		printf("# validity %llds: %lld.%02lld fetches per validity (fresh), %lld.%02lld "
		       "(pre-produced)\n", periods[i].validity, fresh / 100, fresh % 100, made / 100,
		       made % 100);
		/* One more allowed in all: the first response may already be past its half. */
		CHECK(fresh <= periods[i].max_per_validity + 100 / 4);
		CHECK(made <= periods[i].max_per_validity + 100 / 4);
		CHECK(fresh >= 100);
	}

	/* unknown after unknown: 5 min, then 10, 20, ... up to the ordinary schedule. */
	CHECK_INT(policy_unknown_due(&cfg, 300, t0, t0, t0 + 7 * D, t0), t0 + 600);
	CHECK_INT(policy_unknown_due(&cfg, 600, t0, t0, t0 + 7 * D, t0), t0 + 1200);
	CHECK_INT(policy_unknown_due(&cfg, 0, t0, t0, t0 + 7 * D, t0), t0 + 300);
	CHECK_INT(policy_unknown_due(&cfg, 20 * H, t0, t0, t0 + 7 * D, t0), t0 + D);
	CHECK_INT(policy_unknown_due(&cfg, 20 * H, t0, t0, t0 + H, t0), t0 + H / 2);
	{
		/* A CA that never publishes: about 12 asks in the first day, not 288. */
		time_t t = t0, due = policy_next_due(&cfg, t0, t0, t0 + 7 * D, OCSP_CERT_UNKNOWN, 0,
		                                     0, t0);
		int asks = 0;

		while (due < t0 + D) {
			time_t next = policy_unknown_due(&cfg, (long long)(due - t), due, due,
			                                 due + 7 * D, due);

			t = due;
			due = next;
			asks++;
		}
		printf("# unknown for a day: %d refreshes\n", asks);
		CHECK(asks >= 5 && asks <= 12);
	}

	/* No nextUpdate: kept no_next_update_max_age from thisUpdate, relayed when older or 0. */
	memset(&info, 0, sizeof(info));
	info.this_update = t0 - 60;
	CHECK_INT(policy_cacheable(&cfg, OCSP_V_CACHEABLE, &info, t0, why, sizeof(why)),
	          OCSP_V_CACHEABLE);
	CHECK_INT(info.next_update, t0 - 60 + H);
	info.next_update = 0;
	info.this_update = t0 - 2 * H;
	CHECK_INT(policy_cacheable(&cfg, OCSP_V_CACHEABLE, &info, t0, why, sizeof(why)),
	          OCSP_V_RELAY);
	CHECK_INT(info.next_update, 0);
	info.this_update = t0 - 60;
	cfg.no_next_update_max_age = 0;
	CHECK_INT(policy_cacheable(&cfg, OCSP_V_CACHEABLE, &info, t0, why, sizeof(why)),
	          OCSP_V_RELAY);
	info.next_update = t0 + D;
	CHECK_INT(policy_cacheable(&cfg, OCSP_V_CACHEABLE, &info, t0, why, sizeof(why)),
	          OCSP_V_CACHEABLE);
	CHECK_INT(info.next_update, t0 + D);
	CHECK_INT(policy_cacheable(&cfg, OCSP_V_INVALID, &info, t0, why, sizeof(why)),
	          OCSP_V_INVALID);

	CHECK_INT(policy_should_evict(&cfg, t0, t0, t0 + 7 * D, t0 + D), 0);
	CHECK_INT(policy_should_evict(&cfg, t0, t0, t0 + 60 * D, t0 + 31 * D), 1);
	CHECK_INT(policy_should_evict(&cfg, 0, t0, t0 + 60 * D, t0 + 29 * D), 0);
	CHECK_INT(policy_should_evict(&cfg, 0, t0, t0 + 60 * D, t0 + 31 * D), 1);
	CHECK_INT(policy_should_evict(&cfg, t0 + 20 * D, t0, t0 + 7 * D, t0 + 13 * D), 0);
	CHECK_INT(policy_should_evict(&cfg, t0 + 20 * D, t0, t0 + 7 * D, t0 + 15 * D), 1);
	return CHECK_DONE();
}
