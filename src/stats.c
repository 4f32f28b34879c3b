/*
 * stats.c - the process-wide counters (see stats.h).
 *
 * Functions prefix: stats_
 */
#include "src/stats.h"

stats_counters stats;
time_t stats_started;

void stats_init(void)
{
	stats_started = time(NULL);
}

static _Atomic int64_t fd_shortage_logged_us;

bool stats_fd_shortage_log_due(int64_t now_us)
{
	int64_t last = atomic_load(&fd_shortage_logged_us);
	if (last != 0 && now_us - last < (int64_t)STATS_FD_SHORTAGE_LOG_S * 1000000)
		return false;
	return atomic_compare_exchange_strong(&fd_shortage_logged_us, &last, now_us);
}
