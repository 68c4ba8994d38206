/* clock: the monotonic milliseconds every deadline and duration is measured in, and the wall
 * clock's for what other hosts read. */
#ifndef OCSP_PROXY_CLOCK_H
#define OCSP_PROXY_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC: deadlines must not move when the wall clock is set. */
long long clock_ms(void);
/* Milliseconds since the epoch (CLOCK_REALTIME): for times compared across hosts (leases,
 * backoffs in Redis), never for a deadline. */
long long clock_wall_ms(void);

#endif
