/*
 * sqlite-limit - the in-process limit: the benchmark statements on a local
 * SQLite copy of the movie database, prepared, no network, no protocol.
 *
 *   sqlite-limit --pg CONNINFO --db FILE [--threads N] [--seconds S]
 *                [--zipf S] [--mix NAME=W,...] [--label L] [--json FILE]
 *                [--csv FILE] [--curve FILE] [--seed N] [--gate on]
 *
 * Copies the movie tables from PostgreSQL into the SQLite file FILE (a new
 * file; integers as INTEGER, floats as REAL, everything else as the
 * backend's text), indexes the key and join columns, then runs the same
 * statement mix as cbbench: N threads, each with its own read-only
 * connection and its statements prepared once, every column of every row
 * read as text, keys from the same Zipf distribution.  No cache can answer
 * faster than this, so cbcache's hit latency is compared with it.  Writes
 * (mix name `write`) are refused: there is no backend here.
 *
 * --gate on: each statement also does what a reader of cbcached's cache
 * file must (hit/readergate.h): load the gate word, then inside an
 * explicit read transaction read the lease from the meta table before the
 * statement.  The file gets a lease valid for the run and an open word,
 * so the price of the check is measured, never a refusal.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "bench/common.h"
#include "bench/mix.h"
#include "bench/report.h"
#include "bench/zipf.h"
#include "cachegroup/generate.h"
#include "common/lease.h"
#include "hit/readergate.h"

typedef struct limit_opts {
	bcommon_opts c;
	const char *pg;
	const char *db;
	const char *gate; /* "on": check the reader gate per statement */
} limit_opts;

static const char *const tables[] = {"ort", "genre", "regisseur", "film", "darsteller", "darst_film"};
static const char *const indexes[] = {
        "CREATE UNIQUE INDEX ort_pk ON ort (plz)",
        "CREATE UNIQUE INDEX genre_pk ON genre (id)",
        "CREATE UNIQUE INDEX regisseur_pk ON regisseur (id)",
        "CREATE INDEX regisseur_wohnort ON regisseur (wohnort)",
        "CREATE UNIQUE INDEX film_pk ON film (id)",
        "CREATE INDEX film_regie ON film (regie)",
        "CREATE INDEX film_ort ON film (ort)",
        "CREATE UNIQUE INDEX darsteller_pk ON darsteller (id)",
        "CREATE UNIQUE INDEX darst_film_pk ON darst_film (did, fid)",
        "CREATE INDEX darst_film_fid ON darst_film (fid)",
};

static const char *affinity(Oid type)
{
	switch (type) {
	case 20: /* int8 */
	case 21: /* int2 */
	case 23: /* int4 */
		return "INTEGER";
	case 700: /* float4 */
	case 701: /* float8 */
		return "REAL";
	default:
		return "TEXT";
	}
}

static bool exec_sqlite(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlite-limit: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return false;
	}
	return true;
}

/* Copy one table: column names and types from the result, rows as text. */
static bool copy_table(PGconn *pg, sqlite3 *db, const char *table)
{
	char sql[4096];
	/* the names are this program's constants: quoting them is enough */
	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "sqlite-limit: reading %s from PostgreSQL: %s", table, PQerrorMessage(pg));
		PQclear(res);
		return false;
	}
	int nf = PQnfields(res);
	size_t used = (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE \"%s\" (", table);
	for (int c = 0; c < nf; c++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s\"%s\" %s", c ? ", " : "", PQfname(res, c),
		                         affinity(PQftype(res, c)));
	snprintf(sql + used, sizeof(sql) - used, ")");
	bool ok = exec_sqlite(db, sql);

	used = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" VALUES (", table);
	for (int c = 0; c < nf; c++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s?", c ? ", " : "");
	snprintf(sql + used, sizeof(sql) - used, ")");
	sqlite3_stmt *ins = NULL;
	if (ok && sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlite-limit: %s: %s\n", sql, sqlite3_errmsg(db));
		ok = false;
	}
	for (int r = 0; ok && r < PQntuples(res); r++) {
		for (int c = 0; c < nf; c++) {
			if (PQgetisnull(res, r, c))
				sqlite3_bind_null(ins, c + 1);
			else if (strcmp(affinity(PQftype(res, c)), "INTEGER") == 0)
				sqlite3_bind_int64(ins, c + 1, strtoll(PQgetvalue(res, r, c), NULL, 10));
			else if (strcmp(affinity(PQftype(res, c)), "REAL") == 0)
				sqlite3_bind_double(ins, c + 1, strtod(PQgetvalue(res, r, c), NULL));
			else
				sqlite3_bind_text(ins, c + 1, PQgetvalue(res, r, c), PQgetlength(res, r, c),
				                  SQLITE_STATIC);
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "sqlite-limit: inserting into %s: %s\n", table, sqlite3_errmsg(db));
			ok = false;
		}
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	PQclear(res);
	return ok;
}

static bool gate_on(const limit_opts *o)
{
	return o->gate != NULL && strcmp(o->gate, "on") == 0;
}

/* A lease for the run and an open gate word, as a running cbcached keeps them. */
static bool open_gate(const limit_opts *o, sqlite3 *db)
{
	char boot[CB_LEASE_BOOT_ID_MAX], text[CB_LEASE_TEXT_MAX], sql[512], why[256];
	if (!cb_lease_boot_id(boot, sizeof(boot))) {
		fprintf(stderr, "sqlite-limit: --gate on: cannot read this boot's id\n");
		return false;
	}
	cb_lease_format(text, sizeof(text), boot, cb_lease_now_ms() + 24 * 3600 * 1000);
	snprintf(sql, sizeof(sql),
	         "CREATE TABLE \"" CG_META_TABLE "\" (\"key\" TEXT PRIMARY KEY, \"value\" TEXT NOT NULL); "
	         "INSERT INTO \"" CG_META_TABLE "\" VALUES ('" CG_META_READER_GATE "', '%s'), ('" CG_META_APPLIED_LSN
	         "', '1')",
	         text);
	if (!exec_sqlite(db, sql))
		return false;
	cb_gateword *w = cb_gateword_map(o->db, true, why, sizeof(why));
	if (w == NULL) {
		fprintf(stderr, "sqlite-limit: --gate on: %s\n", why);
		return false;
	}
	atomic_store(cb_gateword_word(w), CB_GATEWORD_OPEN);
	cb_gateword_unmap(w);
	return true;
}

static bool load(const limit_opts *o, long *n_dirs, long *n_films)
{
	PGconn *pg = PQconnectdb(o->pg);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "sqlite-limit: cannot connect to PostgreSQL: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	unlink(o->db);
	sqlite3 *db = NULL;
	bool ok = sqlite3_open(o->db, &db) == SQLITE_OK;
	if (!ok)
		fprintf(stderr, "sqlite-limit: cannot create %s: %s\n", o->db, sqlite3_errmsg(db));
	ok = ok && exec_sqlite(db, "PRAGMA journal_mode = WAL") && exec_sqlite(db, "BEGIN");
	for (size_t i = 0; ok && i < CB_ARRAY_LEN(tables); i++)
		ok = copy_table(pg, db, tables[i]);
	for (size_t i = 0; ok && i < CB_ARRAY_LEN(indexes); i++)
		ok = exec_sqlite(db, indexes[i]);
	ok = ok && (!gate_on(o) || open_gate(o, db));
	ok = ok && exec_sqlite(db, "COMMIT") && exec_sqlite(db, "ANALYZE");
	if (ok) {
		sqlite3_stmt *s;
		ok = sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM regisseur), (SELECT count(*) FROM film)", -1,
		                        &s, NULL) == SQLITE_OK &&
		     sqlite3_step(s) == SQLITE_ROW;
		if (ok) {
			*n_dirs = sqlite3_column_int64(s, 0);
			*n_films = sqlite3_column_int64(s, 1);
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	PQfinish(pg);
	return ok;
}

static void *thread_main(void *arg)
{
	bcommon_client *t = arg;
	const limit_opts *o = t->o;
	sqlite3 *db = NULL;
	sqlite3_stmt *st[MIX_COUNT] = {0};
	sqlite3_stmt *begin = NULL, *commit = NULL, *meta = NULL;
	cb_gateword *word = NULL;
	char boot[CB_LEASE_BOOT_ID_MAX] = "";
	char msg[512];
	zipf_rng r;
	zipf_rng_seed(&r, o->c.seed * 1000003u + (uint64_t)t->id);

	/*
	 * Read-write open with query_only, not SQLITE_OPEN_READONLY: a
	 * read-only connection cannot create the WAL index of a database
	 * nobody holds open and fails with "database is locked" when two start
	 * at once.  The busy timeout covers the first opener creating it.
	 */
	if (sqlite3_open_v2(o->db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(msg, sizeof(msg), "cannot open %s: %s", o->db, sqlite3_errmsg(db));
		report_error(&t->rep, msg);
		goto out;
	}
	if (gate_on(o) &&
	    ((word = cb_gateword_map(o->db, false, msg, sizeof(msg))) == NULL ||
	     !cb_lease_boot_id(boot, sizeof(boot)) || sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK)) {
		if (word != NULL)
			snprintf(msg, sizeof(msg), "--gate on: %s", sqlite3_errmsg(db));
		report_error(&t->rep, msg);
		goto out;
	}
	for (int i = 0; i < MIX_COUNT; i++) {
		if (o->c.weights[i] > 0 && sqlite3_prepare_v2(db, mix_stmts[i].sql, -1, &st[i], NULL) != SQLITE_OK) {
			snprintf(msg, sizeof(msg), "%s: %s", mix_stmts[i].name, sqlite3_errmsg(db));
			report_error(&t->rep, msg);
			goto out;
		}
	}
	for (;;) {
		double t0s = bcommon_now();
		if (t0s >= o->c.seconds)
			break;
		int s = mix_pick(o->c.weights, &r);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		sqlite3_stmt *h = st[s];
		if (word != NULL) {
			/* what a reader of cbcached's cache file does before it answers */
			readergate g;
			cb_error err = {{0}};
			bool open = readergate_word_open(word) && sqlite3_step(begin) == SQLITE_DONE &&
			            readergate_read(db, &meta, boot, cb_lease_now_ms(), &g, &err) && g.open;
			sqlite3_reset(begin);
			if (!open) {
				snprintf(msg, sizeof(msg), "the reader gate is not open: %.400s",
				         err.msg[0] ? err.msg : g.why);
				report_error(&t->rep, msg);
				break;
			}
		}
		for (int k = 0; k < mix_stmts[s].nparams; k++)
			sqlite3_bind_int64(h, k + 1,
			                   zipf_draw(mix_stmts[s].film_key ? &t->keys->films : &t->keys->dirs, &r));
		int rc;
		int ncols = sqlite3_column_count(h);
		size_t bytes = 0;
		while ((rc = sqlite3_step(h)) == SQLITE_ROW) {
			/* read every column as text, as a renderer would */
			for (int c = 0; c < ncols; c++) {
				const unsigned char *v = sqlite3_column_text(h, c);
				bytes += v ? (size_t)sqlite3_column_bytes(h, c) : 0;
			}
			t->rep.rows++;
		}
		if (rc != SQLITE_DONE) {
			snprintf(msg, sizeof(msg), "%s: %s", mix_stmts[s].name, sqlite3_errmsg(db));
			report_error(&t->rep, msg);
		}
		sqlite3_reset(h);
		if (word != NULL) {
			if (sqlite3_step(commit) != SQLITE_DONE) {
				snprintf(msg, sizeof(msg), "COMMIT: %s", sqlite3_errmsg(db));
				report_error(&t->rep, msg);
			}
			sqlite3_reset(commit);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		(void)bytes;
		if (!bcommon_record(&t->rep, t0s, &a, &b))
			break;
	}
out:
	for (int i = 0; i < MIX_COUNT; i++)
		sqlite3_finalize(st[i]);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(meta);
	cb_gateword_unmap(word);
	sqlite3_close(db);
	return NULL;
}

#define USAGE \
	"usage: sqlite-limit --pg CONNINFO --db FILE [--gate on] [common options] (no write in --mix)\n" BCOMMON_USAGE

int main(int argc, char **argv)
{
	limit_opts o = {0};
	const bcommon_option own[] = {{"--pg", &o.pg, NULL}, {"--db", &o.db, NULL}, {"--gate", &o.gate, NULL}};
	bcommon_init(&o.c, 1, "sqlite-limit");
	int parsed = bcommon_parse(&o.c, argc, argv, own, CB_ARRAY_LEN(own), "sqlite-limit", USAGE);
	if (parsed >= 0)
		return parsed;
	if (o.pg == NULL || o.db == NULL) {
		fprintf(stderr, "sqlite-limit: give --pg CONNINFO and --db FILE\n");
		fputs(USAGE, stderr);
		return 2;
	}
	if (!bcommon_check(&o.c, "sqlite-limit"))
		return 2;
	if (o.c.weights[MIX_WRITE] > 0) {
		fprintf(stderr,
		        "sqlite-limit: --mix '%s' has writes: the in-process limit has no backend to write to\n",
		        o.c.mix);
		return 2;
	}
	long n_dirs = 0, n_films = 0;
	if (!load(&o, &n_dirs, &n_films) || n_dirs < 1 || n_films < 1)
		return 1;
	bcommon_clients cl;
	if (!bcommon_clients_init(&cl, &o.c, &o, n_dirs, n_films, "sqlite-limit"))
		return 1;
	double elapsed;
	if (!bcommon_run("sqlite-limit", o.c.threads, cl.args, thread_main, &elapsed))
		return 1;
	int status = bcommon_finish(&o.c, "sqlite-in-process", true, report_peak_rss_kib((long)getpid()), elapsed, NULL,
	                            cl.reports, o.c.threads);
	bcommon_clients_free(&cl);
	return status;
}
