/*
 * Integration test of src/hitpath.c on the movie database (inside
 * tests/harness/with-pg.sh): a cache filled by the fill module answers
 * statements with the messages PostgreSQL sends for them, byte for byte
 * (the expected messages are rebuilt from libpq's result: field names,
 * table OIDs, attnums, type OIDs, sizes, typmods, formats, every value and
 * the command tag); unloaded values miss with the fills to queue; settings,
 * privileges, pending invalidations and result formats the cache cannot
 * honour send the statement to the backend; the plan cache parses a shape
 * once.
 */
#pragma GCC diagnostic ignored "-Wunused-function" /* helpers of the shared header this test does not use */
#include "tests/integration/cache_testutil.h"

#include <pthread.h>
#include <stdatomic.h>

#include "sql/types.h"
#include "hit/hitpath.h"
#include "hit/plancache.h"
#include "sql/plankey.h"

static tgroups tg;
static cachedb *db;
static fill_daemon *fd;
static hitpath_engine *eng;
static hitpath_conn *hc;
static PGconn *pgc; /* the backend under the cache's session settings */
static char fill_tz[128];
static long long r1, r2, r3;               /* directors with films: r1, r2 loaded, r3 not */
static const long long r_none = 987654321; /* loaded, no such director */
static uint64_t readable_all[1];
static int hit_calls; /* under hit_mu: test_threads counts hits from several threads */
static char hit_last[64];
static pthread_mutex_t hit_mu = PTHREAD_MUTEX_INITIALIZER;

/* The table the test fences (an invalidation pending), -1: none. */
static atomic_int fenced_table = -1;

static bool test_fenced(void *arg, size_t group, size_t table)
{
	(void)arg;
	(void)group;
	return (int)table == atomic_load(&fenced_table);
}

static void on_hit(void *arg, size_t group, size_t entry, const char *value)
{
	(void)arg;
	assert_int_equal(group, 0);
	assert_true(entry < tg.g[0]->nentries);
	pthread_mutex_lock(&hit_mu);
	hit_calls++;
	snprintf(hit_last, sizeof(hit_last), "%s", value);
	pthread_mutex_unlock(&hit_mu);
}

static hitpath_session session(void)
{
	hitpath_session s = {fill_tz, "ISO, MDY", "postgres", 1, true, true, readable_all, 1};
	return s;
}

static int table_index(const char *name)
{
	for (size_t t = 0; t < tg.g[0]->ntables; t++)
		if (strcmp(tg.g[0]->tables[t].name, name) == 0)
			return (int)t;
	fail_msg("no table %s", name);
	return -1;
}

static const char *pg_text(const char *sql)
{
	static char buf[256];
	PGresult *res = PQexec(pgc, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(pgc));
	snprintf(buf, sizeof(buf), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return buf;
}

static int setup(void **state)
{
	if (pgt_setup(state) != 0)
		return -1;
	tg = compile_groups("examples/movies/movies.cg");
	db = open_cache(&tg, "hitpath.db");
	fd = new_fill(db);
	cb_error err = {{0}};
	if (!pgconn_connect(conninfo, &pgc, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	snprintf(fill_tz, sizeof(fill_tz), "%s", pg_text("SHOW TimeZone"));
	bool collation_c = strcmp(pg_text("SELECT datcollate IN ('C', 'POSIX') FROM pg_database "
	                                  "WHERE datname = current_database()"),
	                          "t") == 0;
	long long ids[3];
	for (int i = 0; i < 3; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie HAVING count(*) >= 3 "
		         "ORDER BY regie LIMIT 1 OFFSET %d",
		         i);
		ids[i] = atoll(pg_text(sql));
	}
	r1 = ids[0];
	r2 = ids[1];
	r3 = ids[2];
	assert_int_equal(pg_int("SELECT count(*) FROM regisseur WHERE id = 987654321"), 0);
	size_t f = fill_index(&tg, "regisseur.id");
	const long long load[] = {r1, r2, r_none};
	for (size_t i = 0; i < CB_ARRAY_LEN(load); i++) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", load[i]);
		if (fill_run_one(fd, 0, f, v, &err) != FILL_OK) {
			fprintf(stderr, "fill %s: %s\n", v, err.msg);
			return -1;
		}
	}
	readable_all[0] = (tg.g[0]->ntables >= 64) ? ~(uint64_t)0 : (((uint64_t)1 << tg.g[0]->ntables) - 1);
	hitpath_settings es = {.cache_path = cachedb_path(db),
	                       .groups = tg.g,
	                       .ngroups = tg.n,
	                       .collation_c = collation_c,
	                       .fill_timezone = fill_tz,
	                       .on_hit = on_hit,
	                       .fenced = test_fenced};
	eng = hitpath_engine_new(&es, &err);
	if (eng == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	hc = hitpath_conn_new(eng, &err);
	if (hc == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	hitpath_conn_free(hc);
	hitpath_engine_free(eng);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(tg.g, tg.n);
	PQfinish(pgc);
	return pgt_teardown(state);
}

/* --- messages ---------------------------------------------------------------- */

typedef struct msg {
	char type;
	const char *body; /* after the length word */
	size_t len;
} msg;

typedef struct msgs {
	msg m[4096];
	size_t n;
} msgs;

static void split(const wire_buf *b, msgs *out)
{
	out->n = 0;
	size_t p = b->start;
	while (p < b->len) {
		assert_true(b->len - p >= 5);
		size_t l = wire_get_uint32(b->data + p + 1);
		assert_true(l >= 4 && p + 1 + l <= b->len);
		assert_true(out->n < CB_ARRAY_LEN(out->m));
		out->m[out->n++] = (msg){b->data[p], b->data + p + 5, l - 4};
		p += 1 + l;
	}
}

/* The messages PostgreSQL sent, rebuilt from libpq's result. */
static void expected_from(PGresult *res, bool describe, wire_buf *b)
{
	int nf = PQnfields(res);
	if (describe) {
		size_t m = wire_begin(b, 'T');
		wire_put_int16(b, (int16_t)nf);
		for (int i = 0; i < nf; i++) {
			wire_put_str(b, PQfname(res, i));
			wire_put_int32(b, (int32_t)PQftable(res, i));
			wire_put_int16(b, (int16_t)PQftablecol(res, i));
			wire_put_int32(b, (int32_t)PQftype(res, i));
			wire_put_int16(b, (int16_t)PQfsize(res, i));
			wire_put_int32(b, PQfmod(res, i));
			wire_put_int16(b, (int16_t)PQfformat(res, i));
		}
		wire_end(b, m);
	}
	for (int r = 0; r < PQntuples(res); r++) {
		size_t m = wire_begin(b, 'D');
		wire_put_int16(b, (int16_t)nf);
		for (int i = 0; i < nf; i++) {
			if (PQgetisnull(res, r, i)) {
				wire_put_int32(b, -1);
			} else {
				wire_put_int32(b, PQgetlength(res, r, i));
				wire_buf_append(b, PQgetvalue(res, r, i), (size_t)PQgetlength(res, r, i));
			}
		}
		wire_end(b, m);
	}
	size_t m = wire_begin(b, 'C');
	wire_put_str(b, PQcmdStatus(res));
	wire_end(b, m);
	assert_false(b->failed);
}

static int cmp_msg(const void *a, const void *b)
{
	const msg *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->body, y->body, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static msgs got_m, want_m;

/* got and want carry the same messages; DataRows in order or as multisets. */
static void same_messages(const char *sql, const wire_buf *got, const wire_buf *want, bool ordered)
{
	split(got, &got_m);
	split(want, &want_m);
	if (got_m.n != want_m.n)
		fail_msg("%s: %zu messages from the cache, %zu from PostgreSQL", sql, got_m.n, want_m.n);
	size_t first = 0, last = got_m.n;
	while (first < got_m.n && got_m.m[first].type != 'D')
		first++;
	last = first;
	while (last < got_m.n && got_m.m[last].type == 'D')
		last++;
	if (!ordered) {
		qsort(got_m.m + first, last - first, sizeof(msg), cmp_msg);
		qsort(want_m.m + first, last - first, sizeof(msg), cmp_msg);
	}
	for (size_t i = 0; i < got_m.n; i++) {
		const msg *a = &got_m.m[i], *b = &want_m.m[i];
		if (a->type != b->type || a->len != b->len || memcmp(a->body, b->body, a->len) != 0)
			fail_msg("%s: message %zu differs: cache '%c' %zu bytes \"%.*s\", PostgreSQL '%c' %zu bytes "
			         "\"%.*s\"",
			         sql, i, a->type, a->len, (int)a->len, a->body, b->type, b->len, (int)b->len, b->body);
	}
}

static hitpath_outcome run_simple(const char *sql, const hitpath_session *ss, wire_buf *out, hitpath_result *res)
{
	hitpath_request rq = {0};
	rq.text = sql;
	rq.len = strlen(sql);
	rq.simple = true;
	cb_error err = {{0}};
	hitpath_outcome o = hitpath_execute(hc, &rq, ss, out, res, &err);
	if (o == HITPATH_ERROR)
		fail_msg("%s: error %s", sql, err.msg);
	return o;
}

/* sql answers from the cache under ss exactly as from PostgreSQL; returns the rows. */
static uint64_t check_hit_s(const char *sql, bool ordered, hitpath_session ss)
{
	wire_buf out = {0};
	wire_buf_append(&out, "junk!", 5); /* answers append after what the caller had */
	wire_buf_consume(&out, 2);
	hitpath_result res;
	hitpath_outcome o = run_simple(sql, &ss, &out, &res);
	if (o != HITPATH_HIT)
		fail_msg("%s: outcome %d, reason %s, %d fills", sql, o, res.reason, res.nfills);
	assert_true(out.len - out.start >= 3);
	assert_memory_equal(out.data + out.start, "nk!", 3);
	wire_buf_consume(&out, 3);
	PGresult *pr = PQexec(pgc, sql);
	if (PQresultStatus(pr) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pgc));
	wire_buf want = {0};
	expected_from(pr, true, &want);
	assert_int_equal(res.rows, (uint64_t)PQntuples(pr));
	same_messages(sql, &out, &want, ordered);
	uint64_t rows = res.rows;
	PQclear(pr);
	wire_buf_free(&out);
	wire_buf_free(&want);
	return rows;
}

static uint64_t check_hit(const char *sql, bool ordered)
{
	return check_hit_s(sql, ordered, session());
}

/* sql is not answered with outcome o; out stays as it was. */
static hitpath_result check_not(const char *sql, const hitpath_session *ss, hitpath_outcome want)
{
	wire_buf out = {0};
	wire_buf_append(&out, "abc", 3);
	hitpath_result res;
	hitpath_outcome o = run_simple(sql, ss, &out, &res);
	if (o != want)
		fail_msg("%s: outcome %d, want %d (reason %s)", sql, o, want, res.reason);
	assert_int_equal(out.len - out.start, 3);
	assert_memory_equal(out.data + out.start, "abc", 3);
	if (want == HITPATH_BACKEND)
		assert_true(strlen(res.reason) > 0);
	wire_buf_free(&out);
	return res;
}

/* --- tests ------------------------------------------------------------------- */

static void test_hits_match_postgres(void **state)
{
	(void)state;
	char sql[512];
	uint64_t n;
#define HIT(ordered, ...)                                \
	do {                                             \
		snprintf(sql, sizeof(sql), __VA_ARGS__); \
		n = check_hit(sql, ordered);             \
	} while (0)
	HIT(true, "SELECT * FROM regisseur WHERE id = %lld", r1);
	HIT(true, "SELECT id, titel, jahr FROM film WHERE regie = %lld ORDER BY id", r1);
	HIT(true, "SELECT id, farbe FROM film WHERE regie = %lld AND farbe ORDER BY id", r1);
	HIT(true, "SELECT id, farbe FROM film f WHERE f.regie = %lld AND NOT f.farbe ORDER BY id", r1);
	HIT(false, "SELECT jahr, count(*), min(laenge_min), sum(laenge_min) FROM film WHERE regie = %lld GROUP BY jahr",
	    r1);
	HIT(true,
	    "SELECT genre, jahr, count(titel) FROM film WHERE regie = %lld GROUP BY jahr, genre ORDER BY jahr DESC, "
	    "genre",
	    r1);
	assert_true(n >= 2);
	/* ORDER BY an aggregate: its alias, the aggregate itself, its position (ties broken by the group column) */
	HIT(true,
	    "SELECT jahr, count(*) AS n, max(laenge_min) AS longest FROM film WHERE regie = %lld GROUP BY jahr "
	    "ORDER BY n DESC, longest NULLS FIRST, jahr",
	    r1);
	assert_true(n >= 2);
	HIT(true,
	    "SELECT genre, sum(laenge_min) FROM film WHERE regie = %lld GROUP BY genre ORDER BY sum(laenge_min), 1",
	    r1);
	HIT(true, "SELECT jahr, count(titel) FROM film WHERE regie = %lld GROUP BY jahr ORDER BY 2 DESC, 1 LIMIT 2",
	    r1);
	HIT(false, "SELECT * FROM film WHERE regie = %lld", r2);
	assert_true(n >= 2);
	HIT(true,
	    "SELECT f.id, f.titel, o.name, o.plz FROM regisseur r JOIN film f ON f.regie = r.id "
	    "JOIN ort o ON o.plz = f.ort WHERE r.id = %lld ORDER BY f.id",
	    r1);
	HIT(false, "SELECT r.nname, o.name FROM regisseur r, ort o WHERE r.id = %lld AND r.wohnort = o.plz", r2);
	HIT(true, "SELECT id, nname, vname FROM regisseur WHERE id IN (%lld, %lld) ORDER BY id DESC", r1, r2);
	assert_true(n >= 2);
	HIT(false,
	    "SELECT f.titel, df.rolle, d.nname FROM film f, darst_film df, darsteller d "
	    "WHERE f.id = df.fid AND df.did = d.id AND f.regie = %lld",
	    r1);
	HIT(true, "SELECT id FROM film WHERE regie = %lld ORDER BY id DESC LIMIT 2", r1);
	assert_int_equal(n, 2);
	HIT(true, "SELECT id FROM film WHERE regie IN (%lld, %lld) ORDER BY id LIMIT 3 OFFSET 1", r1, r2);
	HIT(true, "SELECT id, titel FROM film WHERE regie IN (%lld, %lld) AND titel LIKE '%%e%%' ORDER BY id", r1, r2);
	HIT(true, "SELECT count(*), sum(laenge_min), min(jahr), max(jahr), count(ort) FROM film WHERE regie = %lld",
	    r1);
	HIT(true, "SELECT count(*) FROM film WHERE regie = %lld AND jahr > 3000", r1);
	/* NULLs sort last ascending, first descending */
	HIT(true, "SELECT id, laenge_min FROM film WHERE regie IN (%lld, %lld) ORDER BY laenge_min, id", r1, r2);
	assert_true(n >= 2);
	HIT(true, "SELECT id, laenge_min, budget FROM film WHERE regie IN (%lld, %lld) ORDER BY laenge_min DESC, id",
	    r1, r2);
	/* numeric, float8, date, timestamptz as the backend prints them */
	HIT(true, "SELECT id, budget, bewertung, erschienen, geaendert FROM film WHERE regie = %lld ORDER BY id", r1);
	HIT(true, "SELECT 1, 'x', true FROM regisseur WHERE id = %lld", r1);
	/* booleans: stored 0/1, compared and rendered as the backend does (they were text, and
	 * farbe = false answered no rows) */
	HIT(true, "SELECT id, farbe FROM film WHERE regie IN (%lld, %lld) ORDER BY id", r1, r2);
	HIT(true, "SELECT id FROM film WHERE regie IN (%lld, %lld) AND farbe = false ORDER BY id", r1, r2);
	assert_true(n >= 1);
	HIT(true, "SELECT id FROM film WHERE regie IN (%lld, %lld) AND farbe = 't' ORDER BY id", r1, r2);
	assert_true(n >= 1);
	HIT(true, "SELECT id FROM film WHERE regie IN (%lld, %lld) AND farbe IN (true, false) ORDER BY id", r1, r2);
	HIT(true, "SELECT id FROM film WHERE regie IN (%lld, %lld) AND farbe IS NULL ORDER BY id", r1, r2);
	/* a complete table */
	HIT(true, "SELECT name FROM genre WHERE id = 2");
	HIT(true, "SELECT * FROM genre ORDER BY id");
	assert_true(n >= 2);
	HIT(false, "SELECT f.titel, g.name FROM film f, genre g WHERE f.genre = g.id AND f.regie = %lld", r2);
	/* floats under other extra_float_digits (the cache stores them under 1) */
	static const int efds[] = {0, -3, 3};
	for (size_t i = 0; i < CB_ARRAY_LEN(efds); i++) {
		char set[64];
		snprintf(set, sizeof(set), "SET extra_float_digits = %d", efds[i]);
		PQclear(PQexec(pgc, set));
		hitpath_session ss = session();
		ss.extra_float_digits = efds[i];
		snprintf(sql, sizeof(sql), "SELECT id, bewertung FROM film WHERE regie IN (%lld, %lld) ORDER BY id", r1,
		         r2);
		assert_true(check_hit_s(sql, true, ss) >= 2);
	}
	PQclear(PQexec(pgc, "SET extra_float_digits = 1"));
	/* a statement without a plan key is analysed every time */
	char plz[16];
	snprintf(sql, sizeof(sql), "SELECT min(ort) FROM film WHERE regie IN (%lld, %lld) AND ort IS NOT NULL", r1, r2);
	PGresult *pr = PQexec(pgc, sql);
	assert_int_equal(PQntuples(pr), 1);
	assert_false(PQgetisnull(pr, 0, 0)); /* a place of a loaded film: loaded along film.ort -> ort.plz */
	snprintf(plz, sizeof(plz), "%s", PQgetvalue(pr, 0, 0));
	PQclear(pr);
	hitpath_stats before, after;
	hitpath_get_stats(eng, &before);
	snprintf(sql, sizeof(sql), "SELECT plz, name FROM ort WHERE plz = U&'%s'", plz);
	assert_int_equal(check_hit(sql, true), 1);
	assert_int_equal(check_hit(sql, true), 1);
	hitpath_get_stats(eng, &after);
	assert_int_equal(after.no_key - before.no_key, 2);
	assert_int_equal(after.parses - before.parses, 2);
	assert_int_equal(after.plans, before.plans);
	hitpath_session ss = session();
	ss.std_strings = false;
	check_not(sql, &ss, HITPATH_BACKEND);
#undef HIT
}

static void test_negative_and_misses(void **state)
{
	(void)state;
	char sql[256];
	hitpath_session ss = session();
	size_t fill_reg = fill_index(&tg, "regisseur.id");
	size_t fill_genre = fill_index(&tg, "film.genre");
	char v[32];

	/* a loaded value without rows: proven empty */
	snprintf(sql, sizeof(sql), "SELECT * FROM regisseur WHERE id = %lld", r_none);
	assert_int_equal(check_hit(sql, true), 0);

	/* an unloaded director: miss, fill regisseur.id */
	snprintf(sql, sizeof(sql), "SELECT * FROM regisseur WHERE id = %lld", r3);
	hitpath_result res = check_not(sql, &ss, HITPATH_MISS);
	snprintf(v, sizeof(v), "%lld", r3);
	assert_int_equal(res.nfills, 1);
	assert_int_equal(res.fills[0].group, 0);
	assert_int_equal(res.fills[0].fill, fill_reg);
	assert_string_equal(res.fills[0].value, v);

	/* film.regie is reached along the RCC regisseur.id -> film.regie */
	snprintf(sql, sizeof(sql), "SELECT titel FROM film WHERE regie IN (%lld, %lld, %lld)", r1, r3, r3 + 1);
	res = check_not(sql, &ss, HITPATH_MISS);
	assert_int_equal(res.nfills, 2);
	assert_int_equal(res.fills[0].fill, fill_reg);
	assert_string_equal(res.fills[0].value, v);
	snprintf(v, sizeof(v), "%lld", r3 + 1);
	assert_string_equal(res.fills[1].value, v);

	/* film.genre may load 1, 2, 3 only */
	res = check_not("SELECT titel FROM film WHERE genre = 2", &ss, HITPATH_MISS);
	assert_int_equal(res.nfills, 1);
	assert_int_equal(res.fills[0].fill, fill_genre);
	assert_string_equal(res.fills[0].value, "2");
	res = check_not("SELECT titel FROM film WHERE genre = 7", &ss, HITPATH_MISS);
	assert_int_equal(res.nfills, 0);
	res = check_not("SELECT titel FROM film WHERE genre IN (7, 3)", &ss, HITPATH_MISS);
	assert_int_equal(res.nfills, 1);
	assert_string_equal(res.fills[0].value, "3");

	/* ort.plz has no fill behind it: miss without fills */
	res = check_not("SELECT name FROM ort WHERE plz = 'zzzzz'", &ss, HITPATH_MISS);
	assert_int_equal(res.nfills, 0);
}

static void test_backend_reasons(void **state)
{
	(void)state;
	char sql[256];
	hitpath_session ss = session();
	hitpath_result res;

	res = check_not("SELECT titel FROM film WHERE jahr = 1990", &ss, HITPATH_BACKEND);
	res = check_not("SELECT now()", &ss, HITPATH_BACKEND);
	/* several statements in one Query */
	snprintf(sql, sizeof(sql), "SELECT nname FROM regisseur WHERE id = %lld; SELECT 1", r1);
	check_not(sql, &ss, HITPATH_BACKEND);
	snprintf(sql, sizeof(sql), "SELECT nname FROM regisseur WHERE id = %lld; DELETE FROM genre", r1);
	check_not(sql, &ss, HITPATH_BACKEND);
	check_not("SELECT nname FROM regisseur WHERE id = 1 FOR UPDATE", &ss, HITPATH_BACKEND);
	{
		static const char nul[] = "SELECT nname FROM regisseur WHERE id = 1\0; DELETE FROM genre";
		hitpath_request rq = {0};
		rq.text = nul;
		rq.len = sizeof(nul) - 1;
		rq.simple = true;
		wire_buf out = {0};
		cb_error err = {{0}};
		assert_int_equal(hitpath_execute(hc, &rq, &ss, &out, &res, &err), HITPATH_BACKEND);
		assert_int_equal(out.len, 0);
	}

	/* the session may not read regisseur */
	snprintf(sql, sizeof(sql), "SELECT nname FROM regisseur WHERE id = %lld", r1);
	uint64_t some[1] = {readable_all[0] & ~((uint64_t)1 << table_index("regisseur"))};
	hitpath_session s2 = ss;
	s2.readable = some;
	res = check_not(sql, &s2, HITPATH_BACKEND);
	assert_non_null(strstr(res.reason, "regisseur"));
	s2.readable = NULL;
	check_not(sql, &s2, HITPATH_BACKEND);
	check_hit(sql, true);

	/* an invalidation pending on regisseur */
	atomic_store(&fenced_table, table_index("regisseur"));
	res = check_not(sql, &ss, HITPATH_BACKEND);
	assert_non_null(strstr(res.reason, "regisseur"));
	atomic_store(&fenced_table, -1);
	check_hit(sql, true);

	/* timestamptz output under another TimeZone */
	snprintf(sql, sizeof(sql), "SELECT geaendert FROM film WHERE regie = %lld", r1);
	s2 = ss;
	s2.timezone = strcmp(fill_tz, "Asia/Tokyo") == 0 ? "UTC" : "Asia/Tokyo";
	res = check_not(sql, &s2, HITPATH_BACKEND);
	assert_non_null(strstr(res.reason, "TimeZone"));
	/* ... but integers do not care */
	snprintf(sql, sizeof(sql), "SELECT id FROM film WHERE regie = %lld", r1);
	wire_buf out = {0};
	assert_int_equal(run_simple(sql, &s2, &out, &res), HITPATH_HIT);
	wire_buf_free(&out);
	/* dates under another DateStyle, other client encodings */
	snprintf(sql, sizeof(sql), "SELECT erschienen FROM film WHERE regie = %lld", r1);
	s2 = ss;
	s2.datestyle = "German, DMY";
	check_not(sql, &s2, HITPATH_BACKEND);
	s2 = ss;
	s2.client_utf8 = false;
	check_not(sql, &s2, HITPATH_BACKEND);

	/* an out-of-range value: PostgreSQL decides */
	check_not("SELECT nname FROM regisseur WHERE id = 99999999999999999999", &ss, HITPATH_BACKEND);
}

/* Extended protocol: text parameters, binary results, compared with PQexecParams. */
static void check_ext(const char *sql, int nparams, const char *const *params, int fmt, hitpath_outcome want)
{
	hitpath_session ss = session();
	int16_t formats[1] = {(int16_t)fmt};
	int lens[8];
	for (int i = 0; i < nparams; i++)
		lens[i] = (int)strlen(params[i]);
	hitpath_request rq = {sql, strlen(sql), nparams, params, lens, NULL, 0, 1, formats, false, true, NULL, 0, 0};
	wire_buf out = {0};
	hitpath_result res;
	cb_error err = {{0}};
	hitpath_outcome o = hitpath_execute(hc, &rq, &ss, &out, &res, &err);
	if (o != want)
		fail_msg("%s: outcome %d, want %d (%s %s)", sql, o, want, res.reason, err.msg);
	if (o == HITPATH_HIT) {
		PGresult *pr = PQexecParams(pgc, sql, nparams, NULL, params, NULL, NULL, fmt);
		if (PQresultStatus(pr) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(pgc));
		wire_buf w = {0};
		expected_from(pr, true, &w);
		same_messages(sql, &out, &w, true);
		PQclear(pr);
		wire_buf_free(&w);
		/* Execute without Describe: no RowDescription */
		rq.describe = false;
		wire_buf out2 = {0};
		assert_int_equal(hitpath_execute(hc, &rq, &ss, &out2, &res, &err), HITPATH_HIT);
		assert_int_equal(out2.len, out.len - (1 + wire_get_uint32(out.data + 1)));
		assert_memory_equal(out2.data, out.data + 1 + wire_get_uint32(out.data + 1), out2.len);
		wire_buf_free(&out2);
	} else {
		assert_int_equal(out.len, 0);
	}
	wire_buf_free(&out);
}

static void test_extended(void **state)
{
	(void)state;
	char a[32], b[32];
	snprintf(a, sizeof(a), "%lld", r1);
	snprintf(b, sizeof(b), "%lld", r2);
	const char *p1[] = {a};
	const char *p2[] = {a, b};
	check_ext("SELECT id, regie, titel, bewertung, jahr FROM film WHERE regie = $1 ORDER BY id", 1, p1, 1,
	          HITPATH_HIT);
	check_ext("SELECT id, regie, titel, bewertung FROM film WHERE regie = $1 ORDER BY id", 1, p1, 0, HITPATH_HIT);
	check_ext("SELECT count(*), sum(laenge_min) FROM film WHERE regie IN ($1, $2)", 2, p2, 1, HITPATH_HIT);
	check_ext("SELECT o.plz, o.name FROM regisseur r, ort o WHERE r.id = $1 AND o.plz = r.wohnort", 1, p1, 1,
	          HITPATH_HIT);
	/* LIMIT/OFFSET $n::T with T an integer type; a value T cannot hold is PostgreSQL's error to give */
	const char *lim[] = {a, "2", "1"};
	check_ext("SELECT id, titel FROM film WHERE regie = $1 ORDER BY id LIMIT $2::int8 OFFSET $3::int4", 3, lim, 0,
	          HITPATH_HIT);
	const char *lim_big[] = {a, "2", "3000000000"};
	check_ext("SELECT id, titel FROM film WHERE regie = $1 ORDER BY id LIMIT $2::int8 OFFSET $3::int4", 3, lim_big,
	          0, HITPATH_BACKEND);
	/* no binary encoding of date or numeric here */
	check_ext("SELECT erschienen FROM film WHERE regie = $1", 1, p1, 1, HITPATH_BACKEND);
	check_ext("SELECT budget FROM film WHERE regie = $1", 1, p1, 1, HITPATH_BACKEND);
	/* a parameter that is no integer */
	const char *bad[] = {"12x"};
	check_ext("SELECT id FROM film WHERE regie = $1", 1, bad, 0, HITPATH_BACKEND);

	/* a declared type that differs from the one the cache reads */
	hitpath_session ss = session();
	uint32_t types[1] = {PGTYPE_OID_TEXT};
	int lens[1] = {(int)strlen(a)};
	const char *sql = "SELECT id FROM film WHERE regie = $1";
	hitpath_request rq = {sql, strlen(sql), 1, p1, lens, types, 1, 0, NULL, false, true, NULL, 0, 0};
	wire_buf out = {0};
	hitpath_result res;
	cb_error err = {{0}};
	assert_int_equal(hitpath_execute(hc, &rq, &ss, &out, &res, &err), HITPATH_BACKEND);
	types[0] = PGTYPE_OID_INT4;
	assert_int_equal(hitpath_execute(hc, &rq, &ss, &out, &res, &err), HITPATH_HIT);
	/* a parameter count that does not match */
	rq.nparams = 0;
	rq.nparam_types = 0;
	out.len = 0;
	assert_int_equal(hitpath_execute(hc, &rq, &ss, &out, &res, &err), HITPATH_BACKEND);
	assert_int_equal(out.len, 0);
	wire_buf_free(&out);
}

typedef struct shape_find {
	const char *key;
	hitpath_plan_info info;
	int found;
} shape_find;

static void find_shape(void *arg, const hitpath_plan_info *info)
{
	shape_find *f = arg;
	if (strcmp(info->key, f->key) == 0) {
		f->info = *info;
		f->found++;
	}
}

static void test_plan_cache(void **state)
{
	(void)state;
	hitpath_session ss = session();
	hitpath_stats before, after;
	hitpath_get_stats(eng, &before);
	int hits = 0, misses = 0, parsed = 0;
	hit_calls = 0;
	for (int i = 0; i < 100; i++) {
		char sql[128];
		long long id = i % 2 ? r1 : 100000 + i;
		snprintf(sql, sizeof(sql), "select vname   from regisseur where id = %lld", id);
		wire_buf out = {0};
		hitpath_result res;
		hitpath_outcome o = run_simple(sql, &ss, &out, &res);
		hits += o == HITPATH_HIT;
		misses += o == HITPATH_MISS;
		parsed += res.parsed;
		if (i == 0)
			assert_true(res.parsed);
		wire_buf_free(&out);
	}
	hitpath_get_stats(eng, &after);
	assert_int_equal(parsed, 1);
	assert_int_equal(after.parses - before.parses, 1);
	assert_int_equal(after.plan_hits - before.plan_hits, 99);
	assert_int_equal(after.plans, before.plans + 1);
	assert_int_equal(hits, 50);
	assert_int_equal(misses, 50);
	assert_int_equal(after.hits - before.hits, 50);
	assert_int_equal(after.misses - before.misses, 50);
	/* each hit reported its entry-point value */
	assert_int_equal(hit_calls, 50);
	char v[32];
	snprintf(v, sizeof(v), "%lld", r1);
	assert_string_equal(hit_last, v);

	shape_find f = {"select vname from regisseur where id = $?", {0}, 0};
	hitpath_foreach_plan(eng, find_shape, &f);
	assert_int_equal(f.found, 1);
	assert_int_equal(f.info.executions, 100);
	assert_int_equal(f.info.hits, 50);
	assert_int_equal(f.info.misses, 50);
	assert_int_equal(f.info.backend, 0);
	assert_string_equal(f.info.reason, "");
	assert_int_equal(f.info.group, 0);

	/* a shape no group answers keeps its reason */
	hitpath_result res;
	wire_buf out = {0};
	assert_int_equal(run_simple("SELECT titel FROM film WHERE jahr = 1991", &ss, &out, &res), HITPATH_BACKEND);
	shape_find g = {"SELECT titel FROM film WHERE jahr = $?", {0}, 0};
	hitpath_foreach_plan(eng, find_shape, &g);
	assert_int_equal(g.found, 1);
	assert_true(strlen(g.info.reason) > 0);
	assert_int_equal(g.info.group, -1);
	assert_true(g.info.backend >= 1);
	wire_buf_free(&out);
}

/* An engine over the test cache with these bounds (0: the defaults), and a connection on it. */
static hitpath_engine *bounded_engine(size_t max_plans, size_t max_session_statements, hitpath_conn **c)
{
	cb_error err = {{0}};
	hitpath_settings es = {.cache_path = cachedb_path(db),
	                       .groups = tg.g,
	                       .ngroups = tg.n,
	                       .fill_timezone = fill_tz,
	                       .max_plans = max_plans,
	                       .max_session_statements = max_session_statements};
	hitpath_engine *e = hitpath_engine_new(&es, &err);
	assert_non_null(e);
	*c = hitpath_conn_new(e, &err);
	assert_non_null(*c);
	return e;
}

/* A plan cache with room for one shape still answers: each new shape evicts the least recently used. */
static void test_plan_cache_full(void **state)
{
	(void)state;
	cb_error err = {{0}};
	hitpath_conn *c;
	hitpath_engine *e = bounded_engine(1, 0, &c);
	hitpath_session ss = session();
	char sql[2][128];
	snprintf(sql[0], sizeof(sql[0]), "SELECT nname FROM regisseur WHERE id = %lld", r1);
	snprintf(sql[1], sizeof(sql[1]), "SELECT id FROM film WHERE regie = %lld", r1);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 2; i++) {
			hitpath_request rq = {0};
			rq.text = sql[i];
			rq.len = strlen(sql[i]);
			rq.simple = true;
			wire_buf out = {0};
			hitpath_result res;
			assert_int_equal(hitpath_execute(c, &rq, &ss, &out, &res, &err), HITPATH_HIT);
			assert_true(res.parsed); /* room for one plan: each shape evicts the other */
			wire_buf_free(&out);
		}
	hitpath_stats st;
	hitpath_get_stats(e, &st);
	assert_int_equal(st.plans, 1);
	assert_int_equal(st.plans_evicted, 3);
	assert_int_equal(st.parses, 4);
	/* the kept one is found again */
	hitpath_request rq = {0};
	rq.text = sql[1];
	rq.len = strlen(sql[1]);
	rq.simple = true;
	wire_buf out = {0};
	hitpath_result res;
	assert_int_equal(hitpath_execute(c, &rq, &ss, &out, &res, &err), HITPATH_HIT);
	assert_false(res.parsed);
	wire_buf_free(&out);
	hitpath_conn_free(c);
	hitpath_engine_free(e);
}

/* A plan evicted while it is lent out stays whole until its release, which frees it. */
static void test_plan_evicted_in_use(void **state)
{
	(void)state;
	cb_error err = {{0}};
	plancache *pc = plancache_new(tg.g, tg.n, &(hitschema_opts){.collation_c = true}, 1, &err);
	assert_non_null(pc);
	const char *text[2] = {"SELECT nname FROM regisseur WHERE id = 1", "SELECT id FROM film WHERE regie = 1"};
	sqlfe_plankey pk[2];
	char key[2][256];
	plancache_plan once[2];
	plancache_plan *p[2];
	bool built;
	for (int i = 0; i < 2; i++)
		assert_true(sqlfe_plankey_scan(text[i], strlen(text[i]), true, key[i], sizeof(key[i]), &pk[i]));
	p[0] = plancache_get(pc, text[0], &pk[0], &once[0], &built, &err);
	assert_non_null(p[0]);
	assert_true(built);
	p[1] = plancache_get(pc, text[1], &pk[1], &once[1], &built, &err); /* evicts p[0], still lent out */
	assert_non_null(p[1]);
	assert_true(p[0]->gone);
	assert_non_null(p[0]->sql); /* still whole */
	assert_string_equal(p[0]->display, "SELECT nname FROM regisseur WHERE id = $?");
	plancache_stats st;
	plancache_get_stats(pc, &st);
	assert_int_equal(st.plans, 1);
	assert_int_equal(st.evicted, 1);
	plancache_release(pc, p[0], &once[0]); /* frees it (AddressSanitizer and valgrind see a leak otherwise) */
	plancache_release(pc, p[1], &once[1]);
	/* the first shape again: built anew, with a new id */
	uint64_t id1 = p[1]->id;
	p[0] = plancache_get(pc, text[0], &pk[0], &once[0], &built, &err);
	assert_true(built);
	assert_true(p[0]->id > id1);
	plancache_release(pc, p[0], &once[0]);
	plancache_free(pc);
}

/* A connection keeps max_session_statements prepared statements: the least recently used go, answers stay right. */
static void test_session_statements(void **state)
{
	(void)state;
	cb_error err = {{0}};
	hitpath_conn *c;
	hitpath_engine *e = bounded_engine(0, 2, &c);
	hitpath_session ss = session();
	char sql[3][128];
	snprintf(sql[0], sizeof(sql[0]), "SELECT nname FROM regisseur WHERE id = %lld", r1);
	snprintf(sql[1], sizeof(sql[1]), "SELECT id FROM film WHERE regie = %lld ORDER BY id", r1);
	snprintf(sql[2], sizeof(sql[2]), "SELECT vname, nname FROM regisseur WHERE id = %lld", r2);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 3; i++) {
			hitpath_request rq = {0};
			rq.text = sql[i];
			rq.len = strlen(sql[i]);
			rq.simple = true;
			wire_buf got = {0}, want = {0};
			hitpath_result res;
			assert_int_equal(hitpath_execute(c, &rq, &ss, &got, &res, &err), HITPATH_HIT);
			assert_int_equal(hitpath_execute(hc, &rq, &ss, &want, &res, &err), HITPATH_HIT);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, want.len);
			wire_buf_free(&got);
			wire_buf_free(&want);
			hitpath_stats st;
			hitpath_get_stats(e, &st);
			assert_true(st.session_statements <= 2);
		}
	hitpath_stats st;
	hitpath_get_stats(e, &st);
	assert_int_equal(st.session_statements, 2);
	assert_int_equal(st.session_statements_evicted, 7); /* 9 statements, 3 shapes in turn, room for 2 */
	hitpath_conn_free(c);
	hitpath_get_stats(e, &st);
	assert_int_equal(st.session_statements, 0);
	hitpath_engine_free(e);
}

/* Threads with their own connections share one engine: one shape, counters add up. */
typedef struct worker {
	hitpath_conn *c;
	int hits, errors;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	hitpath_session ss = session();
	for (int i = 0; i < 40; i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT id, titel FROM film WHERE regie = %lld  ORDER BY id",
		         i % 2 ? r1 : r2);
		hitpath_request rq = {0};
		rq.text = sql;
		rq.len = strlen(sql);
		rq.simple = true;
		wire_buf out = {0};
		hitpath_result res;
		cb_error err = {{0}};
		hitpath_outcome o = hitpath_execute(w->c, &rq, &ss, &out, &res, &err);
		w->hits += o == HITPATH_HIT;
		w->errors += o == HITPATH_ERROR;
		wire_buf_free(&out);
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	hitpath_stats before, after;
	hitpath_get_stats(eng, &before);
	worker w[4];
	pthread_t th[4];
	cb_error err = {{0}};
	for (int i = 0; i < 4; i++) {
		w[i] = (worker){hitpath_conn_new(eng, &err), 0, 0};
		assert_non_null(w[i].c);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].hits, 40);
		assert_int_equal(w[i].errors, 0);
		hitpath_conn_free(w[i].c);
	}
	hitpath_get_stats(eng, &after);
	assert_int_equal(after.plans, before.plans + 1);
	assert_int_equal(after.hits - before.hits, 160);
	assert_int_equal(after.plan_hits + after.parses - before.plan_hits - before.parses, 160);
	shape_find f = {"SELECT id, titel FROM film WHERE regie = $? ORDER BY id", {0}, 0};
	hitpath_foreach_plan(eng, find_shape, &f);
	assert_int_equal(f.found, 1);
	assert_int_equal(f.info.executions, 160);
	assert_int_equal(f.info.hits, 160);
}

/* --- the memo of rendered answers -------------------------------------------------- */

static cachedb_conn *memo_writer; /* writes the cache file as the applier would */
static const char *memo_hook_sql; /* run by the hook once, then cleared */

static void cache_write(const char *sql)
{
	cb_error err = {{0}};
	if (!cachedb_exec(memo_writer, sql, &err))
		fail_msg("%s: %s", sql, err.msg);
}

static void memo_hook(void *arg)
{
	(void)arg;
	if (memo_hook_sql != NULL) {
		const char *sql = memo_hook_sql;
		memo_hook_sql = NULL;
		cache_write(sql);
	}
}

/* sql on connection c: the outcome, the bytes into out, whether the memo answered. */
static hitpath_outcome memo_run(hitpath_conn *c, const char *sql, wire_buf *out, bool *from_memo)
{
	hitpath_request rq = {0};
	rq.text = sql;
	rq.len = strlen(sql);
	rq.simple = true;
	hitpath_session ss = session();
	hitpath_result res;
	cb_error err = {{0}};
	out->start = out->len = 0;
	hitpath_outcome o = hitpath_execute(c, &rq, &ss, out, &res, &err);
	if (o == HITPATH_ERROR)
		fail_msg("%s: %s", sql, err.msg);
	*from_memo = res.memo;
	return o;
}

/* sql answers with the bytes the engine without a memo renders now, from the memo or not (want_memo). */
static void memo_same(hitpath_conn *c, const char *sql, bool want_memo)
{
	wire_buf got = {0}, want = {0};
	bool from_memo = false, plain_memo = false;
	assert_int_equal(memo_run(c, sql, &got, &from_memo), HITPATH_HIT);
	assert_int_equal(memo_run(hc, sql, &want, &plain_memo), HITPATH_HIT);
	assert_false(plain_memo);
	if (from_memo != want_memo)
		fail_msg("%s: answered %s the memo", sql, from_memo ? "from" : "not from");
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	wire_buf_free(&got);
	wire_buf_free(&want);
}

static bool answer_has(hitpath_conn *c, const char *sql, const char *text)
{
	wire_buf out = {0};
	bool from_memo;
	assert_int_equal(memo_run(c, sql, &out, &from_memo), HITPATH_HIT);
	bool found = memmem(out.data, out.len, text, strlen(text)) != NULL;
	wire_buf_free(&out);
	return found;
}

/*
 * An answer is given again from the memo while the tables it read are
 * unchanged, and never after any of them changed: a change to a table it
 * read (film), to a table its probe reads (regisseur, the RCC's source),
 * an evicted control value; a change to another table (darsteller) keeps
 * it.  The race of a change committed between the answer's read and the
 * memo keeping it is made certain by the hook.
 */
static void test_memo(void **state)
{
	(void)state;
	cb_error err = {{0}};
	assert_true(cachedb_conn_open(db, &memo_writer, &err));
	hitpath_settings es = {.cache_path = cachedb_path(db),
	                       .groups = tg.g,
	                       .ngroups = tg.n,
	                       .fill_timezone = fill_tz,
	                       .on_hit = on_hit,
	                       .memo_max_bytes = 1 << 20,
	                       .memo_hook = memo_hook};
	hitpath_engine *e = hitpath_engine_new(&es, &err);
	assert_non_null(e);
	hitpath_conn *c = hitpath_conn_new(e, &err);
	assert_non_null(c);
	char films[160], dir2[128], film_id[32], upd[256];
	snprintf(films, sizeof(films),
	         "SELECT f.id, f.titel, r.nname FROM film f JOIN regisseur r ON r.id = f.regie "
	         "WHERE r.id = %lld ORDER BY f.id",
	         r1);
	snprintf(dir2, sizeof(dir2),
	         "SELECT r.nname, f.titel FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = %lld", r_none);
	snprintf(film_id, sizeof(film_id), "%s", pg_text("SELECT min(id) FROM film WHERE regie IS NOT NULL"));
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT min(id) FROM film WHERE regie = %lld", r1);
	snprintf(film_id, sizeof(film_id), "%s", pg_text(sql));

	memo_same(c, films, false);
	memo_same(c, films, true);
	hit_calls = 0;
	wire_buf once = {0};
	bool from_memo = false;
	assert_int_equal(memo_run(c, films, &once, &from_memo), HITPATH_HIT);
	assert_true(from_memo);
	assert_int_equal(hit_calls, 1); /* a memo answer still counts its entry-point value for the LRU */
	wire_buf_free(&once);
	hitpath_stats st;
	hitpath_get_stats(e, &st);
	assert_int_equal(st.memo.hits, 2);
	assert_int_equal(st.memo.stored, 1);
	shape_find f = {"SELECT f.id, f.titel, r.nname FROM film f JOIN regisseur r ON r.id = f.regie WHERE r.id = "
	                "$? ORDER BY f.id",
	                {0},
	                0};
	hitpath_foreach_plan(e, find_shape, &f);
	assert_int_equal(f.found, 1);
	assert_int_equal(f.info.memo_hits, 2);

	/* one row of one table: made anew each time (the memo would cost what the answer does) */
	char one[128];
	snprintf(one, sizeof(one), "SELECT nname FROM regisseur WHERE id = %lld", r1);
	memo_same(c, one, false);
	memo_same(c, one, false);

	/* a table the answer does not read */
	cache_write("UPDATE darsteller SET id = id WHERE id = (SELECT min(id) FROM darsteller)");
	memo_same(c, films, true);

	/* a table it reads: the change is seen at once */
	snprintf(upd, sizeof(upd), "UPDATE film SET titel = 'memo one' WHERE id = %s", film_id);
	cache_write(upd);
	assert_true(answer_has(c, films, "memo one"));
	memo_same(c, films, true);
	snprintf(upd, sizeof(upd), "UPDATE regisseur SET nname = 'memo two' WHERE id = %lld", r1);
	cache_write(upd);
	assert_true(answer_has(c, films, "memo two"));
	memo_same(c, films, true);

	/* the race: a change commits after the answer was read, before the memo keeps it */
	hitpath_get_stats(e, &st);
	uint64_t stale = st.memo.stale;
	snprintf(upd, sizeof(upd), "UPDATE film SET titel = 'memo three' WHERE id = %s", film_id);
	char touch[200];
	snprintf(touch, sizeof(touch), "UPDATE film SET titel = 'memo four' WHERE id = %s", film_id);
	cache_write(touch); /* the kept answer is stale: the next one is read anew, and the hook writes */
	memo_hook_sql = upd;
	assert_true(answer_has(c, films, "memo four")); /* read before the hook's write */
	assert_null(memo_hook_sql);
	assert_true(answer_has(c, films, "memo three")); /* not the "memo four" kept behind the write */
	hitpath_get_stats(e, &st);
	assert_int_equal(st.memo.stale, stale + 2);
	memo_same(c, films, true);

	/* an evicted control value (of a director with no row: only the control value makes it complete) */
	memo_same(c, dir2, false);
	memo_same(c, dir2, true);
	const cg_group *g = tg.g[0];
	const char *ctl = g->fills[fill_index(&tg, "regisseur.id")].ctl_name;
	snprintf(upd, sizeof(upd), "DELETE FROM \"%s\" WHERE value = %lld", ctl, r_none);
	cache_write(upd);
	wire_buf out = {0};
	from_memo = true;
	assert_int_equal(memo_run(c, dir2, &out, &from_memo), HITPATH_MISS);
	assert_false(from_memo);
	wire_buf_free(&out);
	char v[32];
	snprintf(v, sizeof(v), "%lld", r_none);
	assert_int_equal(fill_run_one(fd, 0, fill_index(&tg, "regisseur.id"), v, &err), FILL_OK);
	memo_same(c, dir2, false);

	/* the backend's values back for the tests after this one */
	snprintf(upd, sizeof(upd), "SELECT titel FROM film WHERE id = %s", film_id);
	char restore[512];
	snprintf(restore, sizeof(restore), "UPDATE film SET titel = '%s' WHERE id = %s", pg_text(upd), film_id);
	cache_write(restore);
	snprintf(upd, sizeof(upd), "SELECT nname FROM regisseur WHERE id = %lld", r1);
	snprintf(restore, sizeof(restore), "UPDATE regisseur SET nname = '%s' WHERE id = %lld", pg_text(upd), r1);
	cache_write(restore);
	memo_same(c, films, false);
	hitpath_conn_free(c);
	hitpath_engine_free(e);
	cachedb_conn_close(memo_writer);
}

/* --- ORDER BY a date or time: the time key of the stored text ------------------------- */

/*
 * A stored text of column col of one of r1's films that the sort cannot
 * place (the fill never writes one: junk): the ordered statement sql and
 * the aggregate agg go to the backend with the reason, not an error; with
 * the backend's text back in the cache both are hits again.
 */
static void check_unplaceable(const char *col, const char *junk, const char *sql, const char *agg)
{
	char q[256], film_id[32], write[320];
	cb_error err = {{0}};
	hitpath_session ss = session();
	snprintf(q, sizeof(q), "SELECT min(id) FROM film WHERE regie = %lld AND %s IS NOT NULL", r1, col);
	snprintf(film_id, sizeof(film_id), "%s", pg_text(q));
	cachedb_conn *w;
	assert_true(cachedb_conn_open(db, &w, &err));
	snprintf(write, sizeof(write), "UPDATE film SET %s = '%s' WHERE id = %s", col, junk, film_id);
	assert_true(cachedb_exec(w, write, &err));
	hitpath_result res = check_not(sql, &ss, HITPATH_BACKEND);
	assert_non_null(strstr(res.reason, "not one the cache can place"));
	res = check_not(agg, &ss, HITPATH_BACKEND);
	assert_non_null(strstr(res.reason, "not one the cache can place"));
	snprintf(q, sizeof(q), "SELECT %s::text FROM film WHERE id = %s", col, film_id);
	snprintf(write, sizeof(write), "UPDATE film SET %s = '%s' WHERE id = %s", col, pg_text(q), film_id);
	assert_true(cachedb_exec(w, write, &err));
	cachedb_conn_close(w);
	check_hit(sql, true); /* the same plans answer again */
	check_hit(agg, true);
}

static void test_time_order(void **state)
{
	(void)state;
	char sql[256], q[256];
	snprintf(sql, sizeof(sql),
	         "SELECT id, erschienen, geaendert FROM film WHERE regie = %lld ORDER BY erschienen DESC, id", r1);
	assert_true(check_hit(sql, true) > 1);
	snprintf(q, sizeof(q), "SELECT id FROM film WHERE regie = %lld ORDER BY geaendert, id", r1);
	check_hit(q, true);
	char agg[256];
	snprintf(agg, sizeof(agg),
	         "SELECT min(erschienen), max(erschienen), min(geaendert), max(geaendert), count(*) FROM film "
	         "WHERE regie = %lld",
	         r1);
	check_hit(agg, true);
	snprintf(q, sizeof(q), "SELECT jahr, max(geaendert) FROM film WHERE regie = %lld GROUP BY jahr", r1);
	check_hit(q, false);

	/* a stored text that is no date (the fill never writes one): the backend answers, not an error */
	check_unplaceable("erschienen", "next Tuesday", sql, agg);
}

/*
 * ORDER BY and min/max of a numeric column: the stored text is not in
 * numeric order ("-5.50" after "-0.50", "9.50" after "10.00"), the
 * collation of common/pgnumeric.h is.  The budgets of r1's films are set
 * on the backend to such values (and NULL) and copied into the cache as
 * the backend prints them.
 */
static void test_numeric_order(void **state)
{
	(void)state;
	char q[320];
	cb_error err = {{0}};
	snprintf(q, sizeof(q),
	         "UPDATE film SET budget = CASE WHEN id %% 6 = 0 THEN NULL ELSE ((id %% 5) - 2) * 10 ^ (id %% 4) + 0.5 "
	         "END WHERE regie = %lld",
	         r1);
	PGresult *pr = PQexec(pgc, q);
	assert_int_equal(PQresultStatus(pr), PGRES_COMMAND_OK);
	PQclear(pr);
	snprintf(q, sizeof(q), "SELECT id, budget FROM film WHERE regie = %lld", r1);
	pr = PQexec(pgc, q);
	assert_int_equal(PQresultStatus(pr), PGRES_TUPLES_OK);
	assert_true(PQntuples(pr) > 3);
	cachedb_conn *w;
	assert_true(cachedb_conn_open(db, &w, &err));
	for (int i = 0; i < PQntuples(pr); i++) {
		char write[200];
		if (PQgetisnull(pr, i, 1))
			snprintf(write, sizeof(write), "UPDATE film SET budget = NULL WHERE id = %s",
			         PQgetvalue(pr, i, 0));
		else
			snprintf(write, sizeof(write), "UPDATE film SET budget = '%s' WHERE id = %s",
			         PQgetvalue(pr, i, 1), PQgetvalue(pr, i, 0));
		assert_true(cachedb_exec(w, write, &err));
	}
	PQclear(pr);

	char sql[256], agg[256];
	snprintf(sql, sizeof(sql), "SELECT id, budget FROM film WHERE regie = %lld ORDER BY budget DESC, id", r1);
	assert_true(check_hit(sql, true) > 3);
	snprintf(q, sizeof(q), "SELECT budget FROM film WHERE regie = %lld ORDER BY budget NULLS FIRST, id LIMIT 4",
	         r1);
	check_hit(q, true);
	snprintf(agg, sizeof(agg), "SELECT min(budget), max(budget), count(budget) FROM film WHERE regie = %lld", r1);
	check_hit(agg, true);

	cachedb_conn_close(w);

	/* a stored text that is no numeric output (the fill never writes one): the backend answers */
	check_unplaceable("budget", "1e5", sql, agg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hits_match_postgres),
	        cmocka_unit_test(test_negative_and_misses),
	        cmocka_unit_test(test_backend_reasons),
	        cmocka_unit_test(test_time_order),
	        cmocka_unit_test(test_numeric_order),
	        cmocka_unit_test(test_extended),
	        cmocka_unit_test(test_plan_cache),
	        cmocka_unit_test(test_plan_cache_full),
	        cmocka_unit_test(test_plan_evicted_in_use),
	        cmocka_unit_test(test_session_statements),
	        cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_memo),
	};
	return cmocka_run_group_tests_name("hitpath", tests, setup, teardown);
}
