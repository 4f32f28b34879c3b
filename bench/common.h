/*
 * common.h - what every benchmark target program shares: the common
 * command-line options, the client threads and the end of a run.
 *
 * Functions prefix: bcommon_
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* An option of the program itself: --NAME VALUE (value set) or a flag --NAME (flag set). */
typedef struct bcommon_option {
	const char *name; /* "--connect" */
	const char **value;
	bool *flag;
} bcommon_option;

/*
 * Parse the command line: the common options into o, the program's own
 * options (own[0..n_own)) into their places; --help prints usage to
 * stdout.  Returns -1 when the program goes on, else its exit status: 0
 * after --help, 2 after an option without its value or an unknown option
 * (cause printed, and usage to stderr for an unknown option).
 */
int bcommon_parse(bcommon_opts *o, int argc, char **argv, const bcommon_option *own, size_t n_own, const char *prog,
                  const char *usage);

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

/* A client thread: its number, the keys, its report, and the program's options. */
typedef struct bcommon_client {
	int id;
	const void *o;
	const bcommon_keys *keys;
	report_thread rep;
} bcommon_client;

/*
 * The clients of a run: the keys (bcommon_keys_init), c->threads clients
 * with options o, and their arguments for bcommon_run and reports for
 * bcommon_finish.
 */
typedef struct bcommon_clients {
	bcommon_keys keys;
	bcommon_client *clients;
	void **args;
	report_thread **reports;
} bcommon_clients;

/* Prints the cause on failure. */
CB_MUSTCHECK bool bcommon_clients_init(bcommon_clients *cl, const bcommon_opts *c, const void *o, long n_dirs,
                                       long n_films, const char *prog);
void bcommon_clients_free(bcommon_clients *cl);

/*
 * Add to rep a statement started at second t0s of the run that took from
 * a to b; false (the error reported) when out of memory: the client stops.
 */
CB_MUSTCHECK bool bcommon_record(report_thread *rep, double t0s, const struct timespec *a, const struct timespec *b);

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
