/*
 * report.c - latencies of a benchmark run and their summary.
 *
 * Functions prefix: report_
 */
#include "bench/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

bool report_add(report_thread *t, double sec, uint64_t ns)
{
	if (!CB_ARRAY_GROW(t->lat_ns, t->cap_lat, t->n_lat + 1))
		return false;
	t->lat_ns[t->n_lat++] = ns;
	long s = (long)sec;
	if (s >= 0 && s < REPORT_MAX_SECONDS) {
		t->per_second[s]++;
		t->us_per_second[s] += (double)ns * 1e-3;
	}
	return true;
}

void report_error(report_thread *t, const char *msg)
{
	if (t->errors++ == 0)
		snprintf(t->first_error, sizeof(t->first_error), "%s", msg);
}

void report_thread_free(report_thread *t)
{
	free(t->lat_ns);
	t->lat_ns = NULL;
	t->n_lat = t->cap_lat = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *sorted, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return (double)sorted[k] * 1e-3;
}

long report_peak_rss_kib(long pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* JSON string body: labels and mixes come from the command line. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* hit_ratio,hits,misses,backend: "unavailable" and empty counters when not measured. */
static void csv_hits(FILE *f, const report_hits *h)
{
	if (h->available)
		fprintf(f, "%.4f,", h->ratio);
	else
		fputs("unavailable,", f);
	if (h->counted)
		fprintf(f, "%lld,%lld,%lld", h->hits, h->misses, h->backend);
	else
		fputs(",,", f);
}

/* The admin fields of a JSON record: the ratio is null with a note when it was not measured. */
static void json_admin(FILE *f, const report_admin *ad)
{
	if (ad == NULL) {
		fputs(", \"hit_ratio\": null, \"hit_ratio_note\": \"not measured: no --admin socket\"", f);
		return;
	}
	const report_hits *h = &ad->total;
	if (h->available)
		fprintf(f, ", \"hit_ratio\": %.4f, \"hit_ratio_note\": \"\"", h->ratio);
	else {
		fputs(", \"hit_ratio\": null, \"hit_ratio_note\": ", f);
		char note[300];
		snprintf(note, sizeof(note), "unavailable: %s", h->why);
		json_str(f, note);
	}
	if (h->counted)
		fprintf(f, ", \"cache_hits\": %lld, \"cache_misses\": %lld, \"backend_queries\": %lld", h->hits,
		        h->misses, h->backend);
	else
		fputs(", \"cache_hits\": null, \"cache_misses\": null, \"backend_queries\": null", f);
	fputs(", \"admin_deltas\": {", f);
	for (int i = 0; i < ad->n_deltas; i++) {
		if (i > 0)
			fputs(", ", f);
		json_str(f, ad->delta_names[i]);
		fprintf(f, ": %lld", ad->deltas[i]);
	}
	fputc('}', f);
}

static FILE *open_or_complain(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);
	if (f == NULL)
		fprintf(stderr, "cbbench: cannot open %s: %s\n", path, strerror(errno));
	return f;
}

bool report_summarize(const report_run *run, report_thread *th, int nth, const char *json_path, const char *csv_path,
                      const char *curve_path)
{
	size_t n = 0;
	long errors = 0, rows = 0;
	const char *first_error = NULL;
	for (int i = 0; i < nth; i++) {
		n += th[i].n_lat;
		errors += th[i].errors;
		rows += th[i].rows;
		if (th[i].errors && first_error == NULL)
			first_error = th[i].first_error;
	}
	uint64_t *all = malloc((n ? n : 1) * sizeof(*all));
	if (all == NULL) {
		fprintf(stderr, "cbbench: out of memory while summarizing\n");
		return false;
	}
	size_t at = 0;
	double sum_us = 0;
	for (int i = 0; i < nth; i++) {
		memcpy(all + at, th[i].lat_ns, th[i].n_lat * sizeof(*all));
		at += th[i].n_lat;
	}
	for (size_t i = 0; i < n; i++)
		sum_us += (double)all[i] * 1e-3;
	qsort(all, n, sizeof(*all), cmp_u64);
	double qps = run->seconds > 0 ? (double)n / run->seconds : 0;
	double p50 = pct_us(all, n, 50), p95 = pct_us(all, n, 95), p99 = pct_us(all, n, 99);
	double mean = n ? sum_us / (double)n : 0;
	free(all);

	printf("%s: %zu statements, %ld rows, %ld errors in %.2f s: %.0f q/s, latency p50 %.1f us, p95 %.1f us, "
	       "p99 %.1f us, mean %.1f us%s\n",
	       run->label, n, rows, errors, run->seconds, qps, p50, p95, p99, mean, run->prepared ? " (prepared)" : "");
	if (run->peak_rss_kib >= 0)
		printf("%s: peak RSS of the measured process: %ld KiB\n", run->label, run->peak_rss_kib);
	if (run->admin != NULL) {
		const report_hits *h = &run->admin->total;
		if (h->available)
			printf("%s: hit ratio %.1f%% (cbcached counted %lld hits, %lld misses, %lld backend queries)\n",
			       run->label, h->ratio * 100, h->hits, h->misses, h->backend);
		else
			printf("%s: hit ratio unavailable: %s\n", run->label, h->why);
	}
	if (first_error)
		fprintf(stderr, "%s: first error: %s\n", run->label, first_error);

	bool ok = true;
	if (json_path) {
		FILE *f = open_or_complain(json_path, "a");
		if (f == NULL)
			return false;
		fputs("{\"label\": ", f);
		json_str(f, run->label);
		fputs(", \"target\": ", f);
		json_str(f, run->target);
		fprintf(f, ", \"threads\": %d, \"prepared\": %s, \"zipf\": %g, \"mix\": ", run->threads,
		        run->prepared ? "true" : "false", run->zipf);
		json_str(f, run->mix);
		fprintf(f,
		        ", \"statements\": %zu, \"rows\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"qps\": %.1f, "
		        "\"p50_us\": %.1f, \"p95_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f, \"peak_rss_kib\": "
		        "%ld",
		        n, rows, errors, run->seconds, qps, p50, p95, p99, mean, run->peak_rss_kib);
		json_admin(f, run->admin);
		fputs("}\n", f);
		ok = fclose(f) == 0 && ok;
	}
	if (csv_path) {
		FILE *f = open_or_complain(csv_path, "a");
		if (f == NULL)
			return false;
		if (ftell(f) == 0)
			fprintf(f,
			        "label,target,threads,prepared,zipf,statements,rows,errors,seconds,qps,p50_us,p95_us,"
			        "p99_us,mean_us,peak_rss_kib,hit_ratio,cache_hits,cache_misses,backend_queries\n");
		fprintf(f, "%s,%s,%d,%d,%g,%zu,%ld,%ld,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%ld,", run->label, run->target,
		        run->threads, run->prepared, run->zipf, n, rows, errors, run->seconds, qps, p50, p95, p99, mean,
		        run->peak_rss_kib);
		if (run->admin == NULL)
			fputs(",,,", f);
		else
			csv_hits(f, &run->admin->total);
		fputc('\n', f);
		ok = fclose(f) == 0 && ok;
	}
	if (curve_path) {
		FILE *f = open_or_complain(curve_path, "w");
		if (f == NULL)
			return false;
		const report_admin *ad = run->admin;
		bool with_hits = ad != NULL && ad->per_second != NULL;
		fprintf(f, "second,statements,mean_us%s\n",
		        with_hits ? ",hit_ratio,cache_hits,cache_misses,backend_queries" : "");
		for (long s = 0; s < REPORT_MAX_SECONDS && s < (long)run->seconds + 1; s++) {
			long q = 0;
			double us = 0;
			for (int i = 0; i < nth; i++) {
				q += th[i].per_second[s];
				us += th[i].us_per_second[s];
			}
			fprintf(f, "%ld,%ld,%.1f", s, q, q ? us / (double)q : 0.0);
			if (with_hits) {
				static const report_hits none = {.why = "no reading for this second"};
				fputc(',', f);
				csv_hits(f, s < ad->n_seconds ? &ad->per_second[s] : &none);
			}
			fputc('\n', f);
		}
		ok = fclose(f) == 0 && ok;
	}
	if (!ok)
		fprintf(stderr, "cbbench: writing the results failed: %s\n", strerror(errno));
	return ok;
}
