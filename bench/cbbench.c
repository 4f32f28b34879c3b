/*
 * cbbench - the workload driver of the benchmarks: what an application sees.
 *
 *   cbbench --connect CONNSTR [--threads N] [--seconds S | --count N]
 *           [--zipf S] [--mix NAME=W,...] [--prepared] [--label L]
 *           [--json FILE] [--csv FILE] [--curve FILE] [--pid PID] [--seed N]
 *
 * N client threads, each with its own ODBC connection (through the unixODBC
 * driver manager, so any driver works: psqlODBC straight to PostgreSQL, or
 * libcbcacheodbc.so through cbcached), run a statement mix on the movie
 * database with keys drawn from a Zipf distribution over the directors and
 * films.  Statements:
 *
 *   lookup   director by id (a fill column)
 *   join2    the director's films (RCC regisseur.id -> film.regie)
 *   join3    the director's films with their location (and film.ort -> ort.plz)
 *   in       five directors by an IN list
 *   uncached an aggregate the cache cannot answer (goes to the backend)
 *   write    an update of a film through the same DSN
 *
 * --prepared: each thread prepares every statement once (SQLPrepare) and
 * executes it with bound parameters; otherwise each statement is sent as
 * text with the key written into it (SQLExecDirect), as many web
 * applications do.  The keys are integers made here, never user input.
 *
 * Output: a summary line per run on stdout; --json and --csv append one
 * record per run (throughput, latency p50/p95/p99/mean, errors, peak RSS of
 * --pid from /proc); --curve writes per-second queries and mean latency
 * (the warm-up curve).  Exit status 0 when every statement succeeded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sql.h>
#include <sqlext.h>

#include "bench/zipf.h"

enum { ST_LOOKUP, ST_JOIN2, ST_JOIN3, ST_IN, ST_UNCACHED, ST_WRITE, ST_COUNT };

static const struct {
	const char *name;
	const char *sql; /* with ? markers */
	int nparams;     /* keys per execution */
	bool film_key;   /* keys are film ids, else director ids */
} stmts[ST_COUNT] = {
        [ST_LOOKUP] = {"lookup", "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?", 1, false},
        [ST_JOIN2] = {"join2",
                      "SELECT f.id, f.titel, f.jahr, f.bewertung FROM regisseur r JOIN film f ON f.regie = r.id "
                      "WHERE r.id = ?",
                      1, false},
        [ST_JOIN3] = {"join3",
                      "SELECT f.id, f.titel, o.plz, o.name FROM regisseur r JOIN film f ON f.regie = r.id "
                      "JOIN ort o ON o.plz = f.ort WHERE r.id = ?",
                      1, false},
        [ST_IN] = {"in", "SELECT id, vname, nname FROM regisseur WHERE id IN (?, ?, ?, ?, ?)", 5, false},
        [ST_UNCACHED] = {"uncached", "SELECT count(*), max(laenge_min) FROM film WHERE regie = ? AND jahr > 1990", 1,
                         false},
        [ST_WRITE] = {"write", "UPDATE film SET laenge_min = laenge_min WHERE id = ?", 1, true},
};

typedef struct bench_opts {
	const char *connect;
	int threads;
	double seconds;
	long count; /* total statements, when > 0 */
	double zipf_s;
	double weights[ST_COUNT];
	bool prepared;
	const char *label;
	const char *json;
	const char *csv;
	const char *curve;
	long pid;
	uint64_t seed;
} bench_opts;

#define MAX_SECONDS 3600

typedef struct bench_thread {
	int id;
	pthread_t tid;
	const bench_opts *o;
	const zipf_sampler *dirs;
	const zipf_sampler *films;
	uint64_t *lat_ns; /* one per statement */
	size_t n_lat, cap_lat;
	long per_second[MAX_SECONDS];
	double lat_per_second[MAX_SECONDS];
	long errors;
	long rows;
	char first_error[512];
} bench_thread;

static struct timespec t_start;
static atomic_long issued;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t_start.tv_sec) + (double)(t.tv_nsec - t_start.tv_nsec) * 1e-9;
}

static void odbc_error(SQLSMALLINT type, SQLHANDLE h, char *out, size_t outsz)
{
	SQLCHAR state[6] = "", msg[400] = "";
	SQLINTEGER native = 0;
	SQLSMALLINT len = 0;
	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, state, &native, msg, sizeof(msg), &len)))
		snprintf(out, outsz, "(no diagnostics)");
	else
		snprintf(out, outsz, "%s: %s", (char *)state, (char *)msg);
}

static bool push_latency(bench_thread *t, uint64_t ns)
{
	if (t->n_lat == t->cap_lat) {
		size_t cap = t->cap_lat ? t->cap_lat * 2 : 65536;
		uint64_t *n = realloc(t->lat_ns, cap * sizeof(*n));
		if (n == NULL)
			return false;
		t->lat_ns = n;
		t->cap_lat = cap;
	}
	t->lat_ns[t->n_lat++] = ns;
	return true;
}

static int pick_statement(const bench_opts *o, zipf_rng *r)
{
	double total = 0;
	for (int i = 0; i < ST_COUNT; i++)
		total += o->weights[i];
	double u = zipf_rng_uniform(r) * total;
	for (int i = 0; i < ST_COUNT; i++) {
		if (u < o->weights[i])
			return i;
		u -= o->weights[i];
	}
	return ST_LOOKUP;
}

/* Replace the ?s of sql by the keys (integers made here). */
static void inline_keys(const char *sql, const long *keys, char *out, size_t outsz)
{
	size_t used = 0;
	int k = 0;
	for (const char *p = sql; *p && used + 24 < outsz; p++) {
		if (*p == '?')
			used += (size_t)snprintf(out + used, outsz - used, "%ld", keys[k++]);
		else
			out[used++] = *p;
	}
	out[used] = '\0';
}

static void *thread_main(void *arg)
{
	bench_thread *t = arg;
	const bench_opts *o = t->o;
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLHSTMT st[ST_COUNT] = {0};
	SQLHSTMT direct = SQL_NULL_HSTMT;
	zipf_rng r;
	zipf_rng_seed(&r, o->seed * 1000003u + (uint64_t)t->id);

	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)o->connect, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc)) {
		odbc_error(SQL_HANDLE_DBC, dbc, t->first_error, sizeof(t->first_error));
		t->errors++;
		goto out;
	}
	if (o->prepared) {
		for (int i = 0; i < ST_COUNT; i++) {
			if (o->weights[i] <= 0)
				continue;
			SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st[i]);
			if (!SQL_SUCCEEDED(SQLPrepare(st[i], (SQLCHAR *)stmts[i].sql, SQL_NTS))) {
				odbc_error(SQL_HANDLE_STMT, st[i], t->first_error, sizeof(t->first_error));
				t->errors++;
				goto out;
			}
		}
	} else {
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &direct);
	}

	long keys[5];
	SQLINTEGER pkeys[5];
	SQLLEN ind[5];
	char text[1024];
	char colbuf[1024];
	SQLLEN colind;
	for (;;) {
		double t0s = now_s();
		if (o->count > 0) {
			if (atomic_fetch_add(&issued, 1) >= o->count)
				break;
		} else if (t0s >= o->seconds) {
			break;
		}
		int s = pick_statement(o, &r);
		for (int k = 0; k < stmts[s].nparams; k++)
			keys[k] = zipf_draw(stmts[s].film_key ? t->films : t->dirs, &r);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		SQLHSTMT h;
		if (o->prepared) {
			h = st[s];
			for (int k = 0; k < stmts[s].nparams; k++) {
				ind[k] = 0;
				pkeys[k] = (SQLINTEGER)keys[k];
				SQLBindParameter(h, (SQLUSMALLINT)(k + 1), SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0,
				                 0, &pkeys[k], 0, &ind[k]);
			}
			rc = SQLExecute(h);
		} else {
			h = direct;
			inline_keys(stmts[s].sql, keys, text, sizeof(text));
			rc = SQLExecDirect(h, (SQLCHAR *)text, SQL_NTS);
		}
		if (SQL_SUCCEEDED(rc)) {
			SQLSMALLINT ncols = 0;
			SQLNumResultCols(h, &ncols);
			while (ncols > 0 && SQL_SUCCEEDED(rc = SQLFetch(h))) {
				/* read every column, as an application renders the row */
				for (SQLSMALLINT c = 1; c <= ncols; c++)
					SQLGetData(h, (SQLUSMALLINT)c, SQL_C_CHAR, colbuf, sizeof(colbuf), &colind);
				t->rows++;
			}
			if (ncols > 0 && rc != SQL_NO_DATA) {
				if (!t->errors)
					odbc_error(SQL_HANDLE_STMT, h, t->first_error, sizeof(t->first_error));
				t->errors++;
			}
		} else {
			if (!t->errors)
				odbc_error(SQL_HANDLE_STMT, h, t->first_error, sizeof(t->first_error));
			t->errors++;
		}
		SQLFreeStmt(h, SQL_CLOSE);
		clock_gettime(CLOCK_MONOTONIC, &b);
		uint64_t ns = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
		if (!push_latency(t, ns)) {
			snprintf(t->first_error, sizeof(t->first_error), "out of memory for latencies");
			t->errors++;
			break;
		}
		long sec = (long)t0s;
		if (sec >= 0 && sec < MAX_SECONDS) {
			t->per_second[sec]++;
			t->lat_per_second[sec] += (double)ns * 1e-3;
		}
	}
out:
	for (int i = 0; i < ST_COUNT; i++)
		if (st[i])
			SQLFreeHandle(SQL_HANDLE_STMT, st[i]);
	if (direct)
		SQLFreeHandle(SQL_HANDLE_STMT, direct);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return NULL;
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

/* Peak resident set of a process in KiB (VmHWM), or -1. */
static long peak_rss_kib(long pid)
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

/* A single count query on a fresh connection: the key space. */
static long count_rows(const char *connect, const char *sql, char *err, size_t errsz)
{
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT h;
	long n = -1;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (!SQL_SUCCEEDED(
	            SQLDriverConnect(dbc, NULL, (SQLCHAR *)connect, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT))) {
		odbc_error(SQL_HANDLE_DBC, dbc, err, errsz);
		goto out;
	}
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &h);
	SQLINTEGER v = 0;
	SQLLEN ind;
	if (SQL_SUCCEEDED(SQLExecDirect(h, (SQLCHAR *)sql, SQL_NTS)) && SQL_SUCCEEDED(SQLFetch(h)) &&
	    SQL_SUCCEEDED(SQLGetData(h, 1, SQL_C_SLONG, &v, 0, &ind)))
		n = v;
	else
		odbc_error(SQL_HANDLE_STMT, h, err, errsz);
	SQLFreeHandle(SQL_HANDLE_STMT, h);
	SQLDisconnect(dbc);
out:
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return n;
}

static bool parse_mix(const char *spec, double *w)
{
	char *copy = strdup(spec), *save = NULL;
	if (copy == NULL)
		return false;
	for (int i = 0; i < ST_COUNT; i++)
		w[i] = 0;
	bool ok = true;
	for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		ok = false;
		if (eq == NULL)
			break;
		*eq = '\0';
		for (int i = 0; i < ST_COUNT; i++) {
			if (strcmp(tok, stmts[i].name) == 0) {
				char *end;
				w[i] = strtod(eq + 1, &end);
				ok = *end == '\0' && w[i] >= 0;
			}
		}
	}
	free(copy);
	double total = 0;
	for (int i = 0; i < ST_COUNT; i++)
		total += w[i];
	return ok && total > 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cbbench --connect CONNSTR [--threads N] [--seconds S | --count N] [--zipf S]\n"
	           "               [--mix NAME=WEIGHT,...] [--prepared] [--label L] [--json FILE] [--csv FILE]\n"
	           "               [--curve FILE] [--pid PID] [--seed N]\n"
	           "statements for --mix: lookup join2 join3 in uncached write\n"
	           "default mix: lookup=60,join2=15,join3=15,in=5,uncached=5\n");
}

int main(int argc, char **argv)
{
	bench_opts o = {.threads = 4, .seconds = 10, .zipf_s = 1.0, .label = "run", .pid = -1, .seed = 1};
	const char *mix = "lookup=60,join2=15,join3=15,in=5,uncached=5";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, true))
		if (ARG("--connect"))
			o.connect = v;
		else if (ARG("--threads"))
			o.threads = atoi(v);
		else if (ARG("--seconds"))
			o.seconds = atof(v);
		else if (ARG("--count"))
			o.count = atol(v);
		else if (ARG("--zipf"))
			o.zipf_s = atof(v);
		else if (ARG("--mix"))
			mix = v;
		else if (ARG("--label"))
			o.label = v;
		else if (ARG("--json"))
			o.json = v;
		else if (ARG("--csv"))
			o.csv = v;
		else if (ARG("--curve"))
			o.curve = v;
		else if (ARG("--pid"))
			o.pid = atol(v);
		else if (ARG("--seed"))
			o.seed = (uint64_t)atoll(v);
		else if (strcmp(a, "--prepared") == 0)
			o.prepared = true;
		else if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "cbbench: unknown or incomplete option %s\n", a);
			usage(stderr);
			return 2;
		}
#undef ARG
	}
	if (o.connect == NULL || o.threads < 1 || o.threads > 512 || o.seconds <= 0 || o.seconds > MAX_SECONDS) {
		fprintf(stderr, "cbbench: need --connect, 1..512 threads and 0 < seconds <= %d\n", MAX_SECONDS);
		usage(stderr);
		return 2;
	}
	if (!parse_mix(mix, o.weights)) {
		fprintf(stderr,
		        "cbbench: bad --mix '%s': give NAME=WEIGHT pairs with names from: lookup join2 "
		        "join3 in uncached write\n",
		        mix);
		return 2;
	}

	char err[512] = "";
	long n_dirs = count_rows(o.connect, "SELECT count(*) FROM regisseur", err, sizeof(err));
	long n_films = n_dirs > 0 ? count_rows(o.connect, "SELECT count(*) FROM film", err, sizeof(err)) : -1;
	if (n_dirs < 1 || n_films < 1) {
		fprintf(stderr, "cbbench: cannot read the movie database's size: %s\n", err);
		return 1;
	}
	zipf_sampler dirs, films;
	if (!zipf_init(&dirs, n_dirs, o.zipf_s, 4711) || !zipf_init(&films, n_films, o.zipf_s, 815)) {
		fprintf(stderr, "cbbench: out of memory\n");
		return 1;
	}

	bench_thread *th = calloc((size_t)o.threads, sizeof(*th));
	if (th == NULL) {
		fprintf(stderr, "cbbench: out of memory\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (int i = 0; i < o.threads; i++) {
		th[i] = (bench_thread){.id = i, .o = &o, .dirs = &dirs, .films = &films};
		if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0) {
			fprintf(stderr, "cbbench: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < o.threads; i++)
		pthread_join(th[i].tid, NULL);
	double elapsed = now_s();

	size_t n = 0;
	long errors = 0, rows = 0;
	for (int i = 0; i < o.threads; i++)
		n += th[i].n_lat;
	uint64_t *all = malloc((n ? n : 1) * sizeof(*all));
	if (all == NULL) {
		fprintf(stderr, "cbbench: out of memory\n");
		return 1;
	}
	size_t at = 0;
	double sum_us = 0;
	const char *first_error = NULL;
	for (int i = 0; i < o.threads; i++) {
		memcpy(all + at, th[i].lat_ns, th[i].n_lat * sizeof(*all));
		at += th[i].n_lat;
		errors += th[i].errors;
		rows += th[i].rows;
		if (th[i].errors && first_error == NULL)
			first_error = th[i].first_error;
	}
	for (size_t i = 0; i < n; i++)
		sum_us += (double)all[i] * 1e-3;
	qsort(all, n, sizeof(*all), cmp_u64);
	double qps = (double)n / elapsed;
	double p50 = pct_us(all, n, 50), p95 = pct_us(all, n, 95), p99 = pct_us(all, n, 99);
	double mean = n ? sum_us / (double)n : 0;
	long rss = o.pid > 0 ? peak_rss_kib(o.pid) : -1;

	printf("%s: %zu statements, %ld rows, %ld errors in %.2f s: %.0f q/s, latency p50 %.1f us, p95 %.1f us, "
	       "p99 %.1f us, mean %.1f us%s\n",
	       o.label, n, rows, errors, elapsed, qps, p50, p95, p99, mean, o.prepared ? " (prepared)" : "");
	if (rss >= 0)
		printf("%s: peak RSS of pid %ld: %ld KiB\n", o.label, o.pid, rss);
	if (first_error)
		fprintf(stderr, "%s: first error: %s\n", o.label, first_error);

	if (o.json) {
		FILE *f = fopen(o.json, "a");
		if (f == NULL) {
			fprintf(stderr, "cbbench: cannot open %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		fprintf(f,
		        "{\"label\": \"%s\", \"threads\": %d, \"prepared\": %s, \"zipf\": %g, \"mix\": \"%s\", "
		        "\"statements\": %zu, \"rows\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"qps\": %.1f, "
		        "\"p50_us\": %.1f, \"p95_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f, \"peak_rss_kib\": "
		        "%ld}\n",
		        o.label, o.threads, o.prepared ? "true" : "false", o.zipf_s, mix, n, rows, errors, elapsed, qps,
		        p50, p95, p99, mean, rss);
		fclose(f);
	}
	if (o.csv) {
		FILE *f = fopen(o.csv, "a");
		if (f == NULL) {
			fprintf(stderr, "cbbench: cannot open %s: %s\n", o.csv, strerror(errno));
			return 1;
		}
		if (ftell(f) == 0)
			fprintf(f,
			        "label,threads,prepared,zipf,statements,rows,errors,seconds,qps,p50_us,p95_us,p99_us,"
			        "mean_us,peak_rss_kib\n");
		fprintf(f, "%s,%d,%d,%g,%zu,%ld,%ld,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%ld\n", o.label, o.threads,
		        o.prepared, o.zipf_s, n, rows, errors, elapsed, qps, p50, p95, p99, mean, rss);
		fclose(f);
	}
	if (o.curve) {
		FILE *f = fopen(o.curve, "w");
		if (f == NULL) {
			fprintf(stderr, "cbbench: cannot open %s: %s\n", o.curve, strerror(errno));
			return 1;
		}
		fprintf(f, "second,statements,mean_us\n");
		for (long s = 0; s < MAX_SECONDS && s < (long)elapsed + 1; s++) {
			long q = 0;
			double lat = 0;
			for (int i = 0; i < o.threads; i++) {
				q += th[i].per_second[s];
				lat += th[i].lat_per_second[s];
			}
			fprintf(f, "%ld,%ld,%.1f\n", s, q, q ? lat / (double)q : 0.0);
		}
		fclose(f);
	}

	for (int i = 0; i < o.threads; i++)
		free(th[i].lat_ns);
	free(th);
	free(all);
	zipf_free(&dirs);
	zipf_free(&films);
	return errors ? 1 : 0;
}
