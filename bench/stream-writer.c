/*
 * stream-writer - the writes of bench/stream.sh: straight to PostgreSQL
 * (not through cbcached), paced at a fixed rate.
 *
 *   stream-writer lag --backend CONNINFO --cache CONNINFO [--seconds S]
 *                 [--rate R] [--probe-rate P] [--probe-keys N] [--poll-us U]
 *                 [--timeout-ms T] [--label L] [--json FILE] [--samples FILE]
 *   stream-writer write --backend CONNINFO [--seconds S] [--rate R]
 *                 [--zipf S] [--label L] [--json FILE]
 *
 * lag: the visibility lag of the change stream.  R updates a second in all
 * (default 500) rename directors, UPDATE regisseur SET nname = ... WHERE
 * id = k: R - P of them by a writer thread on every director but the last
 * N by id (default 40; keys drawn uniformly), and P a second (default 20)
 * by a prober on those last N, the probe keys, which nothing else writes.
 * After a probe write's commit has returned, the prober reads the director
 * through --cache (cbcached) with SELECT nname FROM regisseur WHERE id = k,
 * again every --poll-us (default 500) microseconds, until the new name is
 * answered.  The lag is from the return of the commit to the arrival of the
 * first answer with the new name; a probe not seen within --timeout-ms
 * (default 5000) is a timeout.  The probe read has a statement shape of its
 * own, so SHOW QUERIES tells whether these reads were answered from the
 * cache.  Probes follow each other every 1/P s, or at once when the
 * previous one took longer.
 *
 * write: R updates a second with cbbench's `write` statement (bench/mix.c,
 * UPDATE film ... WHERE id = k), the film keys drawn from the same Zipf
 * distribution (--zipf, default 1.0) as cbbench's.
 *
 * Pacing: write i is due i / R s after the start; a writer behind its
 * schedule writes without sleeping until it has caught up.  Every write is
 * one autocommitted statement on one connection.
 *
 * Output: a summary line on stdout and, with --json, one JSON record
 * appended to FILE: the writes, the achieved rate, errors, and for lag the
 * samples, timeouts, probe reads, the probes whose first read already had
 * the new name, the lag's p50, p90, p99, max and mean in milliseconds, and
 * the probe writes' round trip (p50, p99, max: PostgreSQL's own response
 * time under the machine's load);
 * lag --samples FILE writes a CSV line per probe: start_s (from the start
 * of the run), key, write_ms (the write's round trip), lag_ms (empty after
 * a timeout or an error) and reads (through cbcached).
 * Exit status 0 when every write and read succeeded.
 *
 * Functions prefix: sw_
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "bench/common.h"
#include "bench/mix.h"
#include "bench/zipf.h"

typedef struct sw_opts {
	const char *mode; /* "lag" or "write" */
	const char *backend, *cache;
	double seconds, rate, probe_rate, zipf_s;
	long probe_keys, poll_us, timeout_ms;
	const char *label, *json, *samples;
} sw_opts;

/* A paced writer: its connection, how it makes write i, and its counts. */
typedef struct sw_writer {
	const sw_opts *o;
	PGconn *conn;
	double rate;
	const long *keys; /* lag: the directors it may rename */
	long nkeys;
	const bcommon_keys *films; /* write: cbbench's key samplers */
	zipf_rng rng;
	long writes, errors;
	double end; /* seconds from the start when it finished */
	char first_error[256];
} sw_writer;

/* The prober of the lag mode. */
typedef struct sw_prober {
	const sw_opts *o;
	PGconn *backend, *cache;
	const long *keys; /* the probe keys */
	long nkeys;
	double *lags_ms;  /* one per probe seen */
	double *write_ms; /* one per probe write: its round trip, a yardstick of the machine's load */
	long cap, samples, nwrite_ms;
	long writes, reads, first_read_new, timeouts, errors;
	FILE *csv; /* --samples, or NULL */
	char first_error[256];
} sw_prober;

static struct timespec sw_start;

/* Seconds since the start of the run. */
static double sw_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - sw_start.tv_sec) + (double)(t.tv_nsec - sw_start.tv_nsec) * 1e-9;
}

/* Sleep until `at` seconds after the start (at once when it has passed). */
static void sw_sleep_until(double at)
{
	struct timespec t = sw_start;
	double whole = floor(at);
	t.tv_sec += (time_t)whole;
	t.tv_nsec += (long)((at - whole) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_nsec -= 1000000000L;
		t.tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void sw_note_error(char *first, size_t n, const char *what, PGconn *c, const PGresult *r)
{
	if (first[0] != '\0')
		return;
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
	if (msg[0] == '\0')
		msg = PQerrorMessage(c);
	snprintf(first, n, "%s: %s", what, msg);
	first[strcspn(first, "\n")] = '\0';
}

/* Run one statement; true when it returned `want`. */
static bool sw_exec(PGconn *c, const char *sql, ExecStatusType want, char *first_error, size_t n)
{
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == want;
	if (!ok)
		sw_note_error(first_error, n, sql, c, r);
	PQclear(r);
	return ok;
}

/* The SQL of write i of a writer. */
static void sw_write_sql(sw_writer *w, long i, char *sql, size_t n)
{
	if (w->films == NULL) {
		long k = w->keys[(long)(zipf_rng_uniform(&w->rng) * (double)w->nkeys)];
		snprintf(sql, n, "UPDATE regisseur SET nname = 'stream-%ld' WHERE id = %ld", i, k);
		return;
	}
	/* cbbench's write statement, its one ? replaced by the key */
	const char *text = mix_stmts[MIX_WRITE].sql;
	const char *q = strchr(text, '?');
	long k = zipf_draw(&w->films->films, &w->rng);
	snprintf(sql, n, "%.*s%ld%s", (int)(q - text), text, k, q + 1);
}

static void *sw_writer_main(void *arg)
{
	sw_writer *w = arg;
	char sql[256];
	for (long i = 0;; i++) {
		double due = (double)i / w->rate;
		if (due >= w->o->seconds)
			break;
		sw_sleep_until(due);
		sw_write_sql(w, i, sql, sizeof(sql));
		if (sw_exec(w->conn, sql, PGRES_COMMAND_OK, w->first_error, sizeof(w->first_error)))
			w->writes++;
		else
			w->errors++;
		if (PQstatus(w->conn) != CONNECTION_OK)
			break;
	}
	w->end = sw_now();
	return NULL;
}

/*
 * One probe: rename key, then read it through the cache until the new name
 * is answered.  Returns the lag in ms, or -1 after a timeout or an error;
 * *write_ms gets the write's round trip and *reads the reads made.
 */
static double sw_probe(sw_prober *p, long j, long key, double *write_ms, long *reads)
{
	const sw_opts *o = p->o;
	char name[32], sql[160];
	snprintf(name, sizeof(name), "probe-%ld", j);
	snprintf(sql, sizeof(sql), "UPDATE regisseur SET nname = '%s' WHERE id = %ld", name, key);
	double start = sw_now();
	*reads = 0;
	*write_ms = 0;
	if (!sw_exec(p->backend, sql, PGRES_COMMAND_OK, p->first_error, sizeof(p->first_error))) {
		p->errors++;
		return -1;
	}
	double committed = sw_now();
	*write_ms = (committed - start) * 1e3;
	if (p->nwrite_ms < p->cap)
		p->write_ms[p->nwrite_ms++] = *write_ms;
	p->writes++;
	snprintf(sql, sizeof(sql), "SELECT nname FROM regisseur WHERE id = %ld", key);
	for (;;) {
		PGresult *r = PQexec(p->cache, sql);
		double t = sw_now();
		p->reads++;
		(*reads)++;
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			sw_note_error(p->first_error, sizeof(p->first_error), sql, p->cache, r);
			PQclear(r);
			p->errors++;
			return -1;
		}
		bool seen = strcmp(PQgetvalue(r, 0, 0), name) == 0;
		PQclear(r);
		if (seen) {
			double lag = (t - committed) * 1e3;
			if (p->samples < p->cap)
				p->lags_ms[p->samples++] = lag;
			if (*reads == 1)
				p->first_read_new++;
			return lag;
		}
		if ((t - committed) * 1e3 >= (double)o->timeout_ms) {
			p->timeouts++;
			return -1;
		}
		sw_sleep_until(t + (double)o->poll_us * 1e-6);
	}
}

static void *sw_prober_main(void *arg)
{
	sw_prober *p = arg;
	double due = 0, interval = 1.0 / p->o->probe_rate;
	for (long j = 0; due < p->o->seconds; j++) {
		sw_sleep_until(due);
		double start = sw_now(), write_ms;
		long key = p->keys[j % p->nkeys], reads;
		double lag = sw_probe(p, j, key, &write_ms, &reads);
		if (p->csv != NULL) {
			fprintf(p->csv, "%.4f,%ld,%.3f,", start, key, write_ms);
			if (lag >= 0)
				fprintf(p->csv, "%.3f", lag);
			fprintf(p->csv, ",%ld\n", reads);
		}
		if (PQstatus(p->backend) != CONNECTION_OK || PQstatus(p->cache) != CONNECTION_OK)
			break;
		due += interval;
		double now = sw_now();
		if (due < now)
			due = now; /* late: the next probe at once, no burst to catch up */
	}
	return NULL;
}

static PGconn *sw_connect(const char *conninfo, const char *what)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "stream-writer: cannot connect to the %s (%s): %s", what, conninfo, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* The integers of a one-column query; NULL (cause printed) on failure. */
static long *sw_ints(PGconn *c, const char *sql, long *n)
{
	PGresult *r = PQexec(c, sql);
	long *out = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "stream-writer: %s: %s", sql, PQresultErrorMessage(r));
	} else if ((out = malloc(sizeof(*out) * (size_t)(PQntuples(r) + 1))) == NULL) {
		fprintf(stderr, "stream-writer: out of memory\n");
	} else {
		*n = PQntuples(r);
		for (long i = 0; i < *n; i++)
			out[i] = atol(PQgetvalue(r, (int)i, 0));
	}
	PQclear(r);
	return out;
}

static int sw_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile q (0..1] of the sorted v[0..n). */
static double sw_pct(const double *v, long n, double q)
{
	if (n == 0)
		return 0;
	long i = (long)ceil(q * (double)n) - 1;
	return v[i < 0 ? 0 : i];
}

static FILE *sw_json_open(const sw_opts *o)
{
	if (o->json == NULL)
		return NULL;
	FILE *f = fopen(o->json, "a");
	if (f == NULL)
		perror(o->json);
	return f;
}

static int sw_lag(const sw_opts *o)
{
	int status = 1;
	PGconn *wc = sw_connect(o->backend, "backend");
	PGconn *pc = wc ? sw_connect(o->backend, "backend") : NULL;
	PGconn *cc = pc ? sw_connect(o->cache, "cache (cbcached)") : NULL;
	long n = 0, *ids = NULL;
	sw_prober p = {.o = o, .backend = pc, .cache = cc};
	if (cc == NULL || (ids = sw_ints(wc, "SELECT id FROM regisseur ORDER BY id", &n)) == NULL)
		goto out;
	if (n <= o->probe_keys || o->rate <= o->probe_rate) {
		fprintf(stderr,
		        "stream-writer: need more directors (%ld) than probe keys (%ld) and a --rate above "
		        "--probe-rate\n",
		        n, o->probe_keys);
		goto out;
	}
	p.keys = ids + n - o->probe_keys;
	p.nkeys = o->probe_keys;
	p.cap = (long)(o->seconds * o->probe_rate) + 16;
	p.lags_ms = calloc((size_t)p.cap, sizeof(double));
	p.write_ms = calloc((size_t)p.cap, sizeof(double));
	if (p.lags_ms == NULL || p.write_ms == NULL) {
		fprintf(stderr, "stream-writer: out of memory\n");
		goto out;
	}
	if (o->samples != NULL) {
		if ((p.csv = fopen(o->samples, "w")) == NULL) {
			perror(o->samples);
			goto out;
		}
		fprintf(p.csv, "start_s,key,write_ms,lag_ms,reads\n");
	}
	sw_writer w = {.o = o, .conn = wc, .rate = o->rate - o->probe_rate, .keys = ids, .nkeys = n - o->probe_keys};
	zipf_rng_seed(&w.rng, 0x5712ea);
	pthread_t wt, pt;
	clock_gettime(CLOCK_MONOTONIC, &sw_start);
	if (pthread_create(&wt, NULL, sw_writer_main, &w) != 0) {
		fprintf(stderr, "stream-writer: cannot start the writer thread\n");
		goto out;
	}
	bool probed = pthread_create(&pt, NULL, sw_prober_main, &p) == 0;
	if (!probed)
		fprintf(stderr, "stream-writer: cannot start the prober thread\n");
	pthread_join(wt, NULL);
	if (probed)
		pthread_join(pt, NULL);
	double elapsed = sw_now();

	qsort(p.lags_ms, (size_t)p.samples, sizeof(double), sw_cmp_double);
	double sum = 0;
	for (long i = 0; i < p.samples; i++)
		sum += p.lags_ms[i];
	double mean = p.samples ? sum / (double)p.samples : 0;
	double p50 = sw_pct(p.lags_ms, p.samples, 0.5), p90 = sw_pct(p.lags_ms, p.samples, 0.9);
	double p99 = sw_pct(p.lags_ms, p.samples, 0.99), max = sw_pct(p.lags_ms, p.samples, 1.0);
	qsort(p.write_ms, (size_t)p.nwrite_ms, sizeof(double), sw_cmp_double);
	double w50 = sw_pct(p.write_ms, p.nwrite_ms, 0.5), w99 = sw_pct(p.write_ms, p.nwrite_ms, 0.99);
	double wmax = sw_pct(p.write_ms, p.nwrite_ms, 1.0);
	long writes = w.writes + p.writes, errors = w.errors + p.errors;
	printf("%s: %ld writes in %.1f s (%.1f/s, target %.0f/s), %ld errors; lag over %ld probes (%ld timeouts, "
	       "%ld reads): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms; probe writes' round "
	       "trip p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       o->label, writes, elapsed, (double)writes / elapsed, o->rate, errors, p.samples, p.timeouts, p.reads,
	       p50, p90, p99, max, mean, w50, w99, wmax);
	if (w.first_error[0])
		fprintf(stderr, "stream-writer: writer: %s\n", w.first_error);
	if (p.first_error[0])
		fprintf(stderr, "stream-writer: prober: %s\n", p.first_error);
	FILE *f = sw_json_open(o);
	if (f != NULL) {
		fprintf(f,
		        "{\"label\": \"%s\", \"mode\": \"lag\", \"seconds\": %.3f, \"target_rate\": %.1f, "
		        "\"writes\": %ld, \"write_rate\": %.1f, \"errors\": %ld, \"probe_rate\": %.1f, "
		        "\"probe_keys\": %ld, \"poll_us\": %ld, \"probes\": %ld, \"samples\": %ld, \"timeouts\": %ld, "
		        "\"probe_reads\": %ld, \"first_read_new\": %ld, \"lag_p50_ms\": %.3f, \"lag_p90_ms\": %.3f, "
		        "\"lag_p99_ms\": %.3f, \"lag_max_ms\": %.3f, \"lag_mean_ms\": %.3f, \"write_p50_ms\": %.3f, "
		        "\"write_p99_ms\": %.3f, \"write_max_ms\": %.3f}\n",
		        o->label, elapsed, o->rate, writes, (double)writes / elapsed, errors, o->probe_rate,
		        o->probe_keys, o->poll_us, p.writes, p.samples, p.timeouts, p.reads, p.first_read_new, p50, p90,
		        p99, max, mean, w50, w99, wmax);
		fclose(f);
	}
	status = errors == 0 && p.timeouts == 0 && (o->json == NULL || f != NULL) ? 0 : 1;
out:
	if (p.csv != NULL && fclose(p.csv) != 0) {
		perror(o->samples);
		status = 1;
	}
	free(p.lags_ms);
	free(p.write_ms);
	free(ids);
	PQfinish(cc);
	PQfinish(pc);
	PQfinish(wc);
	return status;
}

static int sw_write(const sw_opts *o)
{
	int status = 1;
	PGconn *c = sw_connect(o->backend, "backend");
	long nd = 0, nf = 0, *d = NULL, *f = NULL;
	if (c == NULL || (d = sw_ints(c, "SELECT count(*) FROM regisseur", &nd)) == NULL ||
	    (f = sw_ints(c, "SELECT count(*) FROM film", &nf)) == NULL)
		goto out;
	bcommon_opts bo;
	bcommon_init(&bo, 1, o->label);
	bo.zipf_s = o->zipf_s;
	bcommon_keys keys;
	if (!bcommon_keys_init(&keys, &bo, d[0], f[0], "stream-writer"))
		goto out;
	sw_writer w = {.o = o, .conn = c, .rate = o->rate, .films = &keys};
	zipf_rng_seed(&w.rng, 0x5712eb);
	clock_gettime(CLOCK_MONOTONIC, &sw_start);
	sw_writer_main(&w);
	bcommon_keys_free(&keys);
	printf("%s: %ld writes in %.1f s (%.1f/s, target %.1f/s), %ld errors\n", o->label, w.writes, w.end,
	       (double)w.writes / w.end, o->rate, w.errors);
	if (w.first_error[0])
		fprintf(stderr, "stream-writer: writer: %s\n", w.first_error);
	FILE *j = sw_json_open(o);
	if (j != NULL) {
		fprintf(j,
		        "{\"label\": \"%s\", \"mode\": \"write\", \"seconds\": %.3f, \"target_rate\": %.1f, "
		        "\"writes\": %ld, \"write_rate\": %.1f, \"errors\": %ld}\n",
		        o->label, w.end, o->rate, w.writes, (double)w.writes / w.end, w.errors);
		fclose(j);
	}
	status = w.errors == 0 && (o->json == NULL || j != NULL) ? 0 : 1;
out:
	free(d);
	free(f);
	PQfinish(c);
	return status;
}

#define USAGE                                                                                             \
	"usage: stream-writer lag --backend CONNINFO --cache CONNINFO [--seconds S] [--rate R]\n"         \
	"                     [--probe-rate P] [--probe-keys N] [--poll-us U] [--timeout-ms T]\n"         \
	"                     [--label L] [--json FILE] [--samples FILE]\n"                               \
	"       stream-writer write --backend CONNINFO [--seconds S] [--rate R] [--zipf S] [--label L]\n" \
	"                     [--json FILE]\n"

int main(int argc, char **argv)
{
	sw_opts o = {.seconds = 10,
	             .rate = 500,
	             .probe_rate = 20,
	             .zipf_s = 1.0,
	             .probe_keys = 40,
	             .poll_us = 500,
	             .timeout_ms = 5000};
	if (argc < 2 || (strcmp(argv[1], "lag") != 0 && strcmp(argv[1], "write") != 0)) {
		fputs(USAGE, argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	o.mode = argv[1];
	o.label = o.mode;
	for (int i = 2; i < argc; i++) {
		const char *name = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			fprintf(stderr, "stream-writer: %s needs a value\n%s", name, USAGE);
			return 2;
		}
		i++;
		if (strcmp(name, "--backend") == 0)
			o.backend = v;
		else if (strcmp(name, "--cache") == 0)
			o.cache = v;
		else if (strcmp(name, "--seconds") == 0)
			o.seconds = atof(v);
		else if (strcmp(name, "--rate") == 0)
			o.rate = atof(v);
		else if (strcmp(name, "--probe-rate") == 0)
			o.probe_rate = atof(v);
		else if (strcmp(name, "--probe-keys") == 0)
			o.probe_keys = atol(v);
		else if (strcmp(name, "--poll-us") == 0)
			o.poll_us = atol(v);
		else if (strcmp(name, "--timeout-ms") == 0)
			o.timeout_ms = atol(v);
		else if (strcmp(name, "--zipf") == 0)
			o.zipf_s = atof(v);
		else if (strcmp(name, "--label") == 0)
			o.label = v;
		else if (strcmp(name, "--json") == 0)
			o.json = v;
		else if (strcmp(name, "--samples") == 0)
			o.samples = v;
		else {
			fprintf(stderr, "stream-writer: unknown option %s\n%s", name, USAGE);
			return 2;
		}
	}
	bool lag = strcmp(o.mode, "lag") == 0;
	if (o.backend == NULL || (lag && o.cache == NULL) || o.seconds <= 0 || o.rate <= 0 ||
	    (lag && (o.probe_rate <= 0 || o.probe_keys < 1 || o.poll_us < 0 || o.timeout_ms < 1))) {
		fprintf(stderr, "stream-writer: give --backend%s, and positive numbers\n%s", lag ? " and --cache" : "",
		        USAGE);
		return 2;
	}
	return lag ? sw_lag(&o) : sw_write(&o);
}
