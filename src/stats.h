/*
 * stats.h - process-wide counters of cbcached, written by every session
 * thread with relaxed atomic adds and read by the admin socket.
 *
 * Functions prefix: stats_
 */
#ifndef CBD_STATS_H
#define CBD_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct stats_counters {
	atomic_llong sessions_active;      /* sessions past startup, now */
	atomic_llong sessions_total;       /* sessions admitted since start */
	atomic_llong connections;          /* client connections accepted */
	atomic_llong statements;           /* Query and Execute messages from clients */
	atomic_llong bytes_in;             /* bytes received from clients */
	atomic_llong bytes_out;            /* bytes sent to clients */
	atomic_llong errors;               /* ErrorResponse messages sent to clients */
	atomic_llong protocol_errors;      /* sessions dropped for a protocol violation */
	atomic_llong auth_failures;        /* clients the backend did not admit */
	atomic_llong cancels;              /* CancelRequests forwarded to the backend */
	atomic_llong refused;              /* connections refused: max_clients reached */
	atomic_llong queries_cache_hits;   /* Query/Execute answered from the cache */
	atomic_llong queries_cache_misses; /* cacheable, but a value was not loaded: the backend answered */
	atomic_llong queries_backend;      /* sent to the backend for another reason */
	atomic_llong settings_checks;      /* settings checks the sessions ran on their backend connections */
	atomic_llong in_process_hits;      /* statements other processes answered from the cache file (reported) */
} stats_counters;

extern stats_counters stats;
extern time_t stats_started;

#define STATS_ADD(field, n) atomic_fetch_add_explicit(&stats.field, (n), memory_order_relaxed)
#define STATS_GET(field) atomic_load_explicit(&stats.field, memory_order_relaxed)

/* Record the start time. */
void stats_init(void);

/* Seconds between two log lines about a shortage of file descriptors. */
#define STATS_FD_SHORTAGE_LOG_S 10

/*
 * Whether a shortage of file descriptors may be logged now (now_us on the
 * monotonic clock): true at most once every STATS_FD_SHORTAGE_LOG_S
 * seconds across all threads (the main thread's refusals at accept, the
 * sessions' backend connections), so that a shortage does not flood the
 * log.
 */
bool stats_fd_shortage_log_due(int64_t now_us);

#endif /* CBD_STATS_H */
