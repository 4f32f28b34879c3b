/*
 * clock.c - the two clocks of cbcache (see clock.h).
 *
 * Functions prefix: cb_clock_
 */
#include "common/clock.h"

static int64_t read_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cb_clock_mono_us(void)
{
	return read_us(CLOCK_MONOTONIC);
}

int64_t cb_clock_now_us(void)
{
	return read_us(CLOCK_REALTIME);
}

struct timespec cb_clock_timespec(int64_t mono_us)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(mono_us / 1000000);
	ts.tv_nsec = (long)(mono_us % 1000000) * 1000;
	return ts;
}
