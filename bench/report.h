/*
 * report.h - latencies of a benchmark run and their summary.
 *
 * Functions prefix: report_
 *
 * Each client thread records into its own report_thread (no sharing while
 * the run lasts); report_summarize merges them once the run is over and
 * writes the summary line, JSON and CSV records and the per-second curve.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"

#define REPORT_MAX_SECONDS 3600

typedef struct report_thread {
	uint64_t *lat_ns; /* one per statement */
	size_t n_lat, cap_lat;
	long per_second[REPORT_MAX_SECONDS];
	double us_per_second[REPORT_MAX_SECONDS];
	long errors;
	long rows;
	char first_error[512];
} report_thread;

/* The query counters of cbcached over an interval (bench/adminstats.c). */
typedef struct report_hits {
	bool counted;   /* the daemon has the three query counter rows */
	bool available; /* ratio is a measurement; else why says why not */
	long long hits, misses, backend;
	double ratio; /* hits / (hits + misses + backend) */
	char why[256];
} report_hits;

#define REPORT_MAX_DELTAS 64

/* What the admin socket said about a run (cbbench --admin). */
typedef struct report_admin {
	report_hits total; /* from the start to the end of the run */
	int n_deltas;      /* every SHOW STATS row: end minus start */
	char delta_names[REPORT_MAX_DELTAS][48];
	long long deltas[REPORT_MAX_DELTAS];
	const report_hits *per_second; /* one per second of the curve, or NULL */
	long n_seconds;
} report_admin;

typedef struct report_run {
	const char *label;
	const char *target; /* what was measured, e.g. "odbc" or "sqlite-in-process" */
	int threads;
	bool prepared;
	double zipf;
	const char *mix;
	double seconds;            /* elapsed */
	long peak_rss_kib;         /* of the measured server process, -1 if unknown */
	const report_admin *admin; /* NULL when the run had no admin socket */
} report_run;

/* Record one statement that started at second `sec` of the run. */
CB_MUSTCHECK bool report_add(report_thread *t, double sec, uint64_t ns);
/* Record an error; the first one's message is kept. */
void report_error(report_thread *t, const char *msg);

/*
 * Merge the threads, print the summary line to stdout, append JSON and CSV
 * records (when the paths are not NULL) and write the curve.  Returns false
 * when a file cannot be written (message on stderr).
 */
CB_MUSTCHECK bool report_summarize(const report_run *run, report_thread *threads, int n, const char *json_path,
                                   const char *csv_path, const char *curve_path);

void report_thread_free(report_thread *t);

/* Peak resident set (VmHWM) of a process in KiB, or -1. */
long report_peak_rss_kib(long pid);

#endif /* BENCH_REPORT_H */
