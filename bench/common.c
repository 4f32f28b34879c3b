/*
 * common.c - what every benchmark target program shares.
 *
 * Functions prefix: bcommon_
 */
#include "bench/common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The start of the run: set once by bcommon_run before the threads start. */
static struct timespec bcommon_start;

void bcommon_init(bcommon_opts *o, int threads, const char *label)
{
	memset(o, 0, sizeof(*o));
	o->threads = threads;
	o->seconds = 10;
	o->zipf_s = 1.0;
	o->mix = MIX_DEFAULT;
	o->label = label;
	o->seed = 1;
}

bool bcommon_arg(bcommon_opts *o, const char *name, const char *v, bool *bad)
{
	static const char *const names[] = {"--threads", "--seconds", "--zipf",  "--mix", "--label",
	                                    "--json",    "--csv",     "--curve", "--seed"};
	size_t k = 0;
	while (k < CB_ARRAY_LEN(names) && strcmp(name, names[k]) != 0)
		k++;
	if (k == CB_ARRAY_LEN(names))
		return false;
	if (v == NULL) {
		*bad = true;
		return true;
	}
	switch (k) {
	case 0:
		o->threads = atoi(v);
		break;
	case 1:
		o->seconds = atof(v);
		break;
	case 2:
		o->zipf_s = atof(v);
		break;
	case 3:
		o->mix = v;
		break;
	case 4:
		o->label = v;
		break;
	case 5:
		o->json = v;
		break;
	case 6:
		o->csv = v;
		break;
	case 7:
		o->curve = v;
		break;
	default:
		o->seed = (uint64_t)strtoull(v, NULL, 10);
		break;
	}
	return true;
}

bool bcommon_check(bcommon_opts *o, const char *prog)
{
	if (o->threads < 1 || o->threads > 512 || o->seconds <= 0 || o->seconds > REPORT_MAX_SECONDS) {
		fprintf(stderr, "%s: give 1..512 threads and 0 < seconds <= %d\n", prog, REPORT_MAX_SECONDS);
		return false;
	}
	if (!mix_parse(o->mix, o->weights)) {
		fprintf(stderr, "%s: bad --mix '%s': give NAME=WEIGHT pairs with names from: " MIX_NAMES "\n", prog,
		        o->mix);
		return false;
	}
	return true;
}

int bcommon_parse(bcommon_opts *o, int argc, char **argv, const bcommon_option *own, size_t n_own, const char *prog,
                  const char *usage)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool bad = false;
		size_t k = 0;
		while (k < n_own && strcmp(a, own[k].name) != 0)
			k++;
		if (bcommon_arg(o, a, v, &bad) || (k < n_own && own[k].value != NULL)) {
			if (bad || v == NULL) {
				fprintf(stderr, "%s: %s needs a value\n", prog, a);
				return 2;
			}
			if (k < n_own)
				*own[k].value = v;
			i++;
		} else if (k < n_own) {
			*own[k].flag = true;
		} else if (strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown option %s\n", prog, a);
			fputs(usage, stderr);
			return 2;
		}
	}
	return -1;
}

int bcommon_finish(const bcommon_opts *o, const char *target, bool prepared, long peak_rss_kib, double elapsed,
                   const report_admin *admin, report_thread *const *reports, int n)
{
	report_thread *merged = calloc((size_t)n, sizeof(*merged));
	if (merged == NULL) {
		fprintf(stderr, "%s: out of memory while summarizing\n", target);
		return 1;
	}
	long errors = 0;
	for (int i = 0; i < n; i++) {
		merged[i] = *reports[i];
		errors += reports[i]->errors;
	}
	report_run run = {.label = o->label,
	                  .target = target,
	                  .threads = o->threads,
	                  .prepared = prepared,
	                  .zipf = o->zipf_s,
	                  .mix = o->mix,
	                  .seconds = elapsed,
	                  .peak_rss_kib = peak_rss_kib,
	                  .admin = admin};
	bool written = report_summarize(&run, merged, n, o->json, o->csv, o->curve);
	for (int i = 0; i < n; i++)
		report_thread_free(reports[i]);
	free(merged);
	return errors || !written ? 1 : 0;
}

bool bcommon_keys_init(bcommon_keys *k, const bcommon_opts *o, long n_dirs, long n_films, const char *prog)
{
	if (!zipf_init(&k->dirs, n_dirs, o->zipf_s, 4711)) {
		fprintf(stderr, "%s: out of memory for the key sampler\n", prog);
		return false;
	}
	if (!zipf_init(&k->films, n_films, o->zipf_s, 815)) {
		zipf_free(&k->dirs);
		fprintf(stderr, "%s: out of memory for the key sampler\n", prog);
		return false;
	}
	return true;
}

void bcommon_keys_free(bcommon_keys *k)
{
	zipf_free(&k->dirs);
	zipf_free(&k->films);
}

bool bcommon_clients_init(bcommon_clients *cl, const bcommon_opts *c, const void *o, long n_dirs, long n_films,
                          const char *prog)
{
	if (!bcommon_keys_init(&cl->keys, c, n_dirs, n_films, prog))
		return false;
	cl->clients = calloc((size_t)c->threads, sizeof(*cl->clients));
	cl->args = calloc((size_t)c->threads, sizeof(*cl->args));
	cl->reports = calloc((size_t)c->threads, sizeof(*cl->reports));
	if (cl->clients == NULL || cl->args == NULL || cl->reports == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		bcommon_clients_free(cl);
		return false;
	}
	for (int i = 0; i < c->threads; i++) {
		cl->clients[i] = (bcommon_client){.id = i, .o = o, .keys = &cl->keys};
		cl->args[i] = &cl->clients[i];
		cl->reports[i] = &cl->clients[i].rep;
	}
	return true;
}

void bcommon_clients_free(bcommon_clients *cl)
{
	free(cl->reports);
	free(cl->args);
	free(cl->clients);
	bcommon_keys_free(&cl->keys);
}

bool bcommon_record(report_thread *rep, double t0s, const struct timespec *a, const struct timespec *b)
{
	uint64_t ns = (uint64_t)((b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec));
	if (!report_add(rep, t0s, ns)) {
		report_error(rep, "out of memory for latencies");
		return false;
	}
	return true;
}

double bcommon_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - bcommon_start.tv_sec) + (double)(t.tv_nsec - bcommon_start.tv_nsec) * 1e-9;
}

bool bcommon_run(const char *prog, int n, void *const *args, void *(*fn)(void *), double *elapsed)
{
	pthread_t *tids = calloc((size_t)n, sizeof(*tids));
	if (tids == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &bcommon_start);
	int started = 0;
	while (started < n && pthread_create(&tids[started], NULL, fn, args[started]) == 0)
		started++;
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	*elapsed = bcommon_now();
	free(tids);
	if (started < n) {
		fprintf(stderr, "%s: cannot start thread %d\n", prog, started);
		return false;
	}
	return true;
}
