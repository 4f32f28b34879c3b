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
 * The end of a run: merge the threads' reports, print and write the
 * summary, free the reports.  Returns the exit status: 0, or 1 when a
 * statement failed or the results could not be written.
 */
int bcommon_finish(const bcommon_opts *o, const char *target, bool prepared, long peak_rss_kib, double elapsed,
                   report_thread *const *reports, int n);

#endif /* BENCH_COMMON_H */
