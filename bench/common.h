/*
 * common.h - what every benchmark target program shares: the common
 * command-line options and the end of a run.
 *
 * Functions prefix: bcommon_
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/mix.h"
#include "bench/report.h"
#include "bench/zipf.h"

typedef struct bcommon_opts {
	int threads;
	double seconds;
	double zipf_s;
	const char *mix;
	double weights[MIX_COUNT];
	const char *label;
	const char *json, *csv, *curve;
	uint64_t seed;
} bcommon_opts;

#define BCOMMON_USAGE                                                                        \
	"common options: --threads N --seconds S --zipf S --mix NAME=WEIGHT,... --label L\n" \
	"                --json FILE --csv FILE --curve FILE --seed N\n"                     \
	"statements for --mix: " MIX_NAMES "\ndefault mix: " MIX_DEFAULT "\n"

/* Defaults: the given threads and label, 10 s, Zipf 1.0, the default mix. */
void bcommon_init(bcommon_opts *o, int threads, const char *label);

/*
 * If `name` is a common option, take its value `value` (may be NULL when
 * missing) and return true; set *bad when the value is missing.
 */
bool bcommon_arg(bcommon_opts *o, const char *name, const char *value, bool *bad);

/* Validate after parsing (threads, seconds, mix); prints the cause. */
CB_MUSTCHECK bool bcommon_check(bcommon_opts *o, const char *prog);

/*
 * The keys of every target: directors and films drawn from one Zipf
 * distribution with fixed permutations, so that all targets of a
 * comparison meet the same hot keys.
 */
typedef struct bcommon_keys {
	zipf_sampler dirs;
	zipf_sampler films;
} bcommon_keys;

/* Samplers over n_dirs directors and n_films films; prints the cause on failure. */
CB_MUSTCHECK bool bcommon_keys_init(bcommon_keys *k, const bcommon_opts *o, long n_dirs, long n_films,
                                    const char *prog);
void bcommon_keys_free(bcommon_keys *k);

/*
 * Start the run's clock, run fn(args[i]) on n threads and wait for all of
 * them; *elapsed gets the run's length in seconds.  Returns false (cause
 * printed) when a thread cannot be started.
 */
CB_MUSTCHECK bool bcommon_run(const char *prog, int n, void *const *args, void *(*fn)(void *), double *elapsed);

/* Seconds since bcommon_run started the clock (for the client threads). */
double bcommon_now(void);

/*
 * The end of a run: merge the threads' reports, print and write the
 * summary (with the admin socket's counters when admin is not NULL), free the reports.  Returns the exit status: 0, or
 * 1 when a statement failed or the results could not be written.
 */
int bcommon_finish(const bcommon_opts *o, const char *target, bool prepared, long peak_rss_kib, double elapsed,
                   const report_admin *admin, report_thread *const *reports, int n);

#endif /* BENCH_COMMON_H */
