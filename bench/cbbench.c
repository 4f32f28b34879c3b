/*
 * cbbench - the workload driver of the benchmarks: what an application sees.
 *
 *   cbbench --connect CONNSTR [--threads N] [--seconds S | --count N]
 *           [--zipf S] [--mix NAME=W,...] [--prepared] [--label L]
 *           [--json FILE] [--csv FILE] [--curve FILE] [--pid PID] [--seed N]
 *           [--admin SOCKET]
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
 *   uncached the director with his films by a LEFT JOIN, which the cache
 *            cannot answer (goes to the backend)
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
 *
 * --admin SOCKET: cbcached's admin socket.  SHOW STATS is read before and
 * after the run; the records get the hit ratio over the run (delta of
 * queries_cache_hits over the delta of hits + misses + backend queries),
 * those deltas and the deltas of every other counter row.  With --curve a
 * sampler thread reads SHOW STATS once a second as well, and the curve gets
 * the hit ratio of each second next to its throughput.  A daemon without
 * the query counters gets "unavailable" (null in JSON), never a number.
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

#include "bench/adminstats.h"
#include "bench/common.h"
#include "bench/mix.h"
#include "bench/report.h"
#include "bench/zipf.h"

typedef struct bench_opts {
	bcommon_opts c;
	const char *connect;
	long count; /* total statements, when > 0 */
	bool prepared;
	long pid;
	const char *admin; /* cbcached's admin socket, or NULL */
} bench_opts;

#define BENCH_ADMIN_TIMEOUT_MS 5000

/*
 * The once-a-second reader of SHOW STATS (--admin with --curve).  Its
 * clock starts just before the client threads', so second k of the
 * samples is second k of the curve to within a thread start.
 */
typedef struct bench_sampler {
	const char *path;
	astats prev;
	bool have_prev;
	report_hits *per_second; /* cap entries */
	long cap, n;
	struct timespec t0;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
} bench_sampler;

static atomic_long issued;

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
	bcommon_client *t = arg;
	const bench_opts *o = t->o;
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLHSTMT st[MIX_COUNT] = {0};
	SQLHSTMT direct = SQL_NULL_HSTMT;
	char msg[512];
	zipf_rng r;
	zipf_rng_seed(&r, o->c.seed * 1000003u + (uint64_t)t->id);

	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)o->connect, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc)) {
		odbc_error(SQL_HANDLE_DBC, dbc, msg, sizeof(msg));
		report_error(&t->rep, msg);
		goto out;
	}
	if (o->prepared) {
		for (int i = 0; i < MIX_COUNT; i++) {
			if (o->c.weights[i] <= 0)
				continue;
			SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st[i]);
			if (!SQL_SUCCEEDED(SQLPrepare(st[i], (SQLCHAR *)mix_stmts[i].sql, SQL_NTS))) {
				odbc_error(SQL_HANDLE_STMT, st[i], msg, sizeof(msg));
				report_error(&t->rep, msg);
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
		double t0s = bcommon_now();
		if (o->count > 0) {
			if (atomic_fetch_add(&issued, 1) >= o->count)
				break;
		} else if (t0s >= o->c.seconds) {
			break;
		}
		int s = mix_pick(o->c.weights, &r);
		for (int k = 0; k < mix_stmts[s].nparams; k++)
			keys[k] = zipf_draw(mix_stmts[s].film_key ? &t->keys->films : &t->keys->dirs, &r);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		SQLHSTMT h;
		if (o->prepared) {
			h = st[s];
			for (int k = 0; k < mix_stmts[s].nparams; k++) {
				ind[k] = 0;
				pkeys[k] = (SQLINTEGER)keys[k];
				SQLBindParameter(h, (SQLUSMALLINT)(k + 1), SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0,
				                 0, &pkeys[k], 0, &ind[k]);
			}
			rc = SQLExecute(h);
		} else {
			h = direct;
			inline_keys(mix_stmts[s].sql, keys, text, sizeof(text));
			rc = SQLExecDirect(h, (SQLCHAR *)text, SQL_NTS);
		}
		if (SQL_SUCCEEDED(rc)) {
			SQLSMALLINT ncols = 0;
			SQLNumResultCols(h, &ncols);
			while (ncols > 0 && SQL_SUCCEEDED(rc = SQLFetch(h))) {
				/* read every column, as an application renders the row */
				for (SQLSMALLINT c = 1; c <= ncols; c++)
					SQLGetData(h, (SQLUSMALLINT)c, SQL_C_CHAR, colbuf, sizeof(colbuf), &colind);
				t->rep.rows++;
			}
			if (ncols > 0 && rc != SQL_NO_DATA) {
				odbc_error(SQL_HANDLE_STMT, h, msg, sizeof(msg));
				report_error(&t->rep, msg);
			}
		} else {
			odbc_error(SQL_HANDLE_STMT, h, msg, sizeof(msg));
			report_error(&t->rep, msg);
		}
		SQLFreeStmt(h, SQL_CLOSE);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (!bcommon_record(&t->rep, t0s, &a, &b))
			break;
	}
out:
	for (int i = 0; i < MIX_COUNT; i++)
		if (st[i])
			SQLFreeHandle(SQL_HANDLE_STMT, st[i]);
	if (direct)
		SQLFreeHandle(SQL_HANDLE_STMT, direct);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return NULL;
}

/* Close second `sec` of the sampler: the delta from the previous reading. */
static void sampler_take(bench_sampler *sp, long sec)
{
	if (sec >= sp->cap)
		return;
	astats now;
	char err[256];
	report_hits *h = &sp->per_second[sec];
	if (!astats_read(sp->path, BENCH_ADMIN_TIMEOUT_MS, &now, err, sizeof(err))) {
		snprintf(h->why, sizeof(h->why), "%s", err);
		sp->have_prev = false;
	} else {
		if (sp->have_prev)
			astats_hits(&sp->prev, &now, h);
		else
			snprintf(h->why, sizeof(h->why), "the reading before this second failed");
		sp->prev = now;
		sp->have_prev = true;
	}
	sp->n = sec + 1;
}

static void *sampler_main(void *arg)
{
	bench_sampler *sp = arg;
	pthread_mutex_lock(&sp->lock);
	for (long sec = 0; sec < sp->cap; sec++) {
		struct timespec due = sp->t0;
		due.tv_sec += sec + 1;
		while (!sp->stop && pthread_cond_timedwait(&sp->wake, &sp->lock, &due) != ETIMEDOUT)
			;
		/*
		 * A second whose end has passed gets its reading even when the
		 * run stopped meanwhile (a sampler woken late); the reading at
		 * the stop closes the last, partial second.
		 */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		bool ended = now.tv_sec > due.tv_sec || (now.tv_sec == due.tv_sec && now.tv_nsec >= due.tv_nsec);
		bool last = sp->stop && !ended;
		pthread_mutex_unlock(&sp->lock);
		sampler_take(sp, sec); /* the last one closes the partial second */
		pthread_mutex_lock(&sp->lock);
		if (last)
			break;
	}
	pthread_mutex_unlock(&sp->lock);
	return NULL;
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

#define USAGE                                                                                             \
	"usage: cbbench --connect CONNSTR [--count N] [--prepared] [--pid PID] [--admin SOCKET] [common " \
	"options]\n" BCOMMON_USAGE

int main(int argc, char **argv)
{
	bench_opts o = {.pid = -1};
	const char *count = NULL, *pid = NULL;
	const bcommon_option own[] = {
	        {"--connect", &o.connect, NULL}, {"--count", &count, NULL},         {"--pid", &pid, NULL},
	        {"--admin", &o.admin, NULL},     {"--prepared", NULL, &o.prepared},
	};
	bcommon_init(&o.c, 4, "run");
	int parsed = bcommon_parse(&o.c, argc, argv, own, CB_ARRAY_LEN(own), "cbbench", USAGE);
	if (parsed >= 0)
		return parsed;
	if (count != NULL)
		o.count = atol(count);
	if (pid != NULL)
		o.pid = atol(pid);
	if (o.connect == NULL) {
		fprintf(stderr, "cbbench: give the ODBC connection string with --connect\n");
		fputs(USAGE, stderr);
		return 2;
	}
	if (!bcommon_check(&o.c, "cbbench"))
		return 2;

	char err[512] = "";
	long n_dirs = count_rows(o.connect, "SELECT count(*) FROM regisseur", err, sizeof(err));
	long n_films = n_dirs > 0 ? count_rows(o.connect, "SELECT count(*) FROM film", err, sizeof(err)) : -1;
	if (n_dirs < 1 || n_films < 1) {
		fprintf(stderr, "cbbench: cannot read the movie database's size: %s\n", err);
		return 1;
	}
	bcommon_clients cl;
	if (!bcommon_clients_init(&cl, &o.c, &o, n_dirs, n_films, "cbbench"))
		return 1;
	/* the admin socket: a reading before the run, a sampler for the curve */
	astats *before = NULL;
	bench_sampler *sp = NULL;
	pthread_t sampler;
	bool sampling = false;
	if (o.admin != NULL) {
		before = malloc(sizeof(*before));
		if (before == NULL) {
			fprintf(stderr, "cbbench: out of memory\n");
			return 1;
		}
		if (!astats_read(o.admin, BENCH_ADMIN_TIMEOUT_MS, before, err, sizeof(err))) {
			fprintf(stderr, "cbbench: --admin: %s\n", err);
			free(before);
			return 1;
		}
	}
	if (o.admin != NULL && o.c.curve != NULL) {
		sp = calloc(1, sizeof(*sp));
		/* room for statements that run past the end */
		long cap = o.count > 0 ? REPORT_MAX_SECONDS : (long)o.c.seconds + 10;
		if (sp == NULL || (sp->per_second = calloc((size_t)cap, sizeof(report_hits))) == NULL) {
			fprintf(stderr, "cbbench: out of memory for the per-second hit ratios\n");
			free(sp);
			free(before);
			return 1;
		}
		sp->path = o.admin;
		sp->cap = cap;
		sp->prev = *before;
		sp->have_prev = true;
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sp->wake, &ca);
		pthread_condattr_destroy(&ca);
		pthread_mutex_init(&sp->lock, NULL);
		clock_gettime(CLOCK_MONOTONIC, &sp->t0);
		sampling = pthread_create(&sampler, NULL, sampler_main, sp) == 0;
		if (!sampling)
			fprintf(stderr, "cbbench: cannot start the SHOW STATS sampler: the curve has no hit ratios\n");
	}
	double elapsed;
	bool ran = bcommon_run("cbbench", o.c.threads, cl.args, thread_main, &elapsed);
	if (sampling) {
		pthread_mutex_lock(&sp->lock);
		sp->stop = true;
		pthread_cond_signal(&sp->wake);
		pthread_mutex_unlock(&sp->lock);
		pthread_join(sampler, NULL);
	}
	int admin_status = 0;
	report_admin *ad = NULL;
	if (ran && o.admin != NULL) {
		astats *after = malloc(sizeof(*after));
		ad = calloc(1, sizeof(*ad));
		if (after == NULL || ad == NULL) {
			fprintf(stderr, "cbbench: out of memory\n");
			free(after);
			free(ad);
			ad = NULL;
			admin_status = 1;
		} else {
			if (astats_read(o.admin, BENCH_ADMIN_TIMEOUT_MS, after, err, sizeof(err))) {
				astats_hits(before, after, &ad->total);
				astats_deltas(before, after, ad);
			} else {
				fprintf(stderr, "cbbench: --admin after the run: %s\n", err);
				snprintf(ad->total.why, sizeof(ad->total.why), "SHOW STATS after the run failed");
				admin_status = 1;
			}
			if (sampling) {
				ad->per_second = sp->per_second;
				ad->n_seconds = sp->n;
			}
			free(after);
		}
	}
	free(before);
	int status = 1;
	if (ran)
		status = bcommon_finish(&o.c, "odbc", o.prepared, o.pid > 0 ? report_peak_rss_kib(o.pid) : -1, elapsed,
		                        ad, cl.reports, o.c.threads);
	if (sp != NULL) {
		pthread_cond_destroy(&sp->wake);
		pthread_mutex_destroy(&sp->lock);
		free(sp->per_second);
		free(sp);
	}
	free(ad);
	if (status == 0)
		status = admin_status;
	bcommon_clients_free(&cl);
	return status;
}
