/* clock: the monotonic milliseconds every deadline and duration is measured in. */
#ifndef OCSP_PROXY_CLOCK_H
#define OCSP_PROXY_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC: deadlines must not move when the wall clock is set. */
long long clock_ms(void);

#endif
