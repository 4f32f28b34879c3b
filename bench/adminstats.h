/*
 * adminstats.h - the counters of a running cbcached, read from its admin
 * socket (SHOW STATS), and the hit ratio between two readings.
 *
 * Functions prefix: astats_
 *
 * The admin socket speaks a line protocol (src/admin.c): the client sends
 * "SHOW STATS\n"; the daemon answers "COLUMNS\tname\tvalue", one
 * "ROW\t<name>\t<value>" per counter and a final "OK" or "ERROR <why>".
 * A reading keeps every integer row, so that a daemon without the query
 * counters (queries_cache_hits, queries_cache_misses, queries_backend) is
 * told apart from one that answered nothing from the cache.
 */
#ifndef BENCH_ADMINSTATS_H
#define BENCH_ADMINSTATS_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/report.h"
#include "common/contract.h"

#define ASTATS_MAX_ROWS 64
#define ASTATS_MAX_NAME 48

typedef struct astats {
	int n;
	char names[ASTATS_MAX_ROWS][ASTATS_MAX_NAME];
	long long values[ASTATS_MAX_ROWS];
} astats;

/*
 * Read SHOW STATS from the admin socket at `path` into *out (waits at most
 * `timeout_ms` for the reply).  Returns false with the cause and the fix in
 * err when the socket cannot be reached or the reply is not complete.
 */
CB_MUSTCHECK bool astats_read(const char *path, int timeout_ms, astats *out, char *err, size_t errsz);

/* The value of row `name`; false when the reading has no such row. */
bool astats_get(const astats *s, const char *name, long long *value);

/*
 * The query counters between readings a and b (b - a) and the hit ratio
 * hits / (hits + misses + backend).  When a counter row is missing in
 * either reading, or no query was counted, out->available is false and
 * out->why says why (never a ratio of 0 standing in for "unknown").
 */
void astats_hits(const astats *a, const astats *b, report_hits *out);

/*
 * The deltas b - a of every row that both readings have, into the run's
 * admin record (at most REPORT_MAX_DELTAS of them).
 */
void astats_deltas(const astats *a, const astats *b, report_admin *out);

#endif /* BENCH_ADMINSTATS_H */
