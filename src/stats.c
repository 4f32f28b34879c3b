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
