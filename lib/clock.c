/* clock: monotonic milliseconds for deadlines, wall-clock ones for what other hosts read. */
#include <time.h>

#include "clock.h"

static long long
ms_of(clockid_t which)
{
	struct timespec ts;

	clock_gettime(which, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
clock_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

long long
clock_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}
