/*
 * Integration test of the garbage collector (inside
 * tests/harness/with-pg.sh): least recently used values go first and the
 * cache ends under its mark; a stream of fills under a small mark keeps
 * the checker clean; a homogeneous cycle is loaded once and collected
 * when nothing reaches it; EVICT of one value and EVICT ALL; and a
 * bounded concurrency stress of fills, evictions and checker runs.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tests/integration/cache_testutil.h"

/* The first n directors (by id) that have films. */
static void directors(int n, long long *out)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie ORDER BY regie LIMIT %d", n);
	PGresult *res = PQexec(conn, sql);
	assert_int_equal(PQntuples(res), n);
	for (int i = 0; i < n; i++)
		out[i] = atoll(PQgetvalue(res, i, 0));
	PQclear(res);
}

static long long cache_rows_now(cachedb *db)
{
	return lite_int(db, "SELECT (SELECT count(*) FROM ort) + (SELECT count(*) FROM genre) + (SELECT count(*) FROM "
	                    "regisseur) + (SELECT count(*) FROM film) + (SELECT count(*) FROM darsteller) + (SELECT "
	                    "count(*) FROM darst_film)");
}

static bool loaded(cachedb *db, long long v)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cbcache_ctl_regisseur_id WHERE value = %lld", v);
	return lite_int(db, sql) == 1;
}

static void test_lru(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "lru.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	size_t fr = fill_index(&t, "regisseur.id");
	long long v[6];
	directors(6, v);
	char val[32];
	for (int i = 0; i < 6; i++) {
		snprintf(val, sizeof(val), "%lld", v[i]);
		assert_int_equal(fill_run_one(fd, 0, fr, val, &err), FILL_OK);
	}
	/* v[0], the oldest, is used again: now the most recent */
	hitcount_settings hs = {0, 0};
	hitcount *h = hitcount_create(db, &hs, &err);
	assert_non_null(h);
	snprintf(val, sizeof(val), "%lld", v[0]);
	for (size_t e = 0; e < t.g[0]->nentries; e++)
		if (strcmp(t.g[0]->entries[e].column, "id") == 0 && t.g[0]->entries[e].fill >= 0)
			assert_true(hitcount_post(h, 0, e, val));
	assert_true(hitcount_flush(h, &err));
	hitcount_free(h);

	long long rows = cache_rows_now(db);
	gc_settings gs = {rows - 1, 0, 90, 0};
	gc *c = gc_create(db, &gs, NULL, &err);
	assert_non_null(c);
	uint64_t evicted = 0;
	assert_true(gc_run_once(c, &evicted, &err));
	assert_true(evicted >= 1);
	long long after = cache_rows_now(db);
	assert_true(after <= (rows - 1) * 90 / 100);
	assert_int_equal(atomic_load(&gc_get_stats(c)->cache_rows), after);
	/* the recently used v[0] stays; the others go oldest first */
	assert_true(loaded(db, v[0]));
	assert_false(loaded(db, v[1]));
	for (int i = 2; i < 6; i++)
		if (!loaded(db, v[i]))
			assert_false(loaded(db, v[i - 1]));
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 6 - (long long)evicted);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM genre"), pg_int("SELECT count(*) FROM genre"));
	assert_int_equal(check_cache(db, NULL), 0);
	/* under the mark: nothing to do */
	assert_true(gc_run_once(c, &evicted, &err));
	assert_int_equal(evicted, 0);
	gc_free(c);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

static void test_stream_under_mark(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "stream.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	const long long mark = 400;
	gc_settings gs = {mark, 0, 90, 5};
	gc *c = gc_create(db, &gs, NULL, &err);
	assert_non_null(c);
	assert_true(gc_start(c, &err));
	assert_true(fill_start(fd, &err));
	size_t fr = fill_index(&t, "regisseur.id");
	long long v[40];
	directors(40, v);
	char val[32];
	for (int i = 0; i < 40; i++) {
		snprintf(val, sizeof(val), "%lld", v[i]);
		assert_int_not_equal(fill_enqueue(fd, 0, fr, val, &err), FILL_NOT_QUEUED);
	}
	assert_true(fill_wait_idle(fd, 60000));
	assert_int_equal(atomic_load(&fill_get_stats(fd)->done), 40);
	gc_stop(c);
	uint64_t evicted = 0;
	assert_true(gc_run_once(c, &evicted, &err));
	assert_true(cache_rows_now(db) <= mark);
	assert_true(atomic_load(&gc_get_stats(c)->evictions) > 0);
	/* the last filled value is the most recent: it stays */
	assert_true(loaded(db, v[39]));
	assert_false(loaded(db, v[0]));
	assert_int_equal(check_cache(db, NULL), 0);
	gc_free(c);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* The byte mark: pages in use shrink as rows go (the free list is not counted). */
static void test_bytes_mark(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "bytes.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	/* film.genre values: hundreds of films each, many pages */
	for (int g = 1; g <= 3; g++) {
		char val[8];
		snprintf(val, sizeof(val), "%d", g);
		assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "film.genre"), val, &err), FILL_OK);
	}
	cachedb_conn *cc = NULL;
	assert_true(cachedb_conn_open(db, &cc, &err));
	int64_t rows = 0, bytes = 0;
	assert_true(cachedb_size(cc, &rows, &bytes, &err));
	assert_int_equal(rows, cache_rows_now(db));
	assert_true(bytes > 0);
	gc_settings gs = {0, bytes / 2, 90, 0};
	gc *c = gc_create(db, &gs, NULL, &err);
	assert_non_null(c);
	uint64_t evicted = 0;
	assert_true(gc_run_once(c, &evicted, &err));
	assert_true(evicted >= 1);
	int64_t rows2 = 0, bytes2 = 0;
	assert_true(cachedb_size(cc, &rows2, &bytes2, &err));
	assert_true(rows2 < rows);
	/* under the low-water mark, or nothing evictable left */
	assert_true(bytes2 <= bytes / 2 * 90 / 100 || lite_int(db, "SELECT count(*) FROM cbcache_ctl_film_genre") == 0);
	assert_int_equal(atomic_load(&gc_get_stats(c)->cache_bytes), bytes2);
	assert_int_equal(check_cache(db, NULL), 0);
	cachedb_conn_close(cc);
	gc_free(c);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- homogeneous cycle ------------------------------------------------------- */

static void test_homogeneous_cycle(void **state)
{
	(void)state;
	exec_ok("DROP TABLE IF EXISTS hc_member; DROP TABLE IF EXISTS hc_team;"
	        "CREATE TABLE hc_team (tid integer PRIMARY KEY, name text NOT NULL);"
	        "CREATE TABLE hc_member (mid integer PRIMARY KEY, tid integer, name text);"
	        "INSERT INTO hc_team SELECT g, 'team ' || g FROM generate_series(1, 3) g;"
	        "INSERT INTO hc_member SELECT g, (g - 1) / 3 + 1, 'member ' || g FROM generate_series(1, 9) g;");
	char path[1024];
	write_file("teams.cg",
	           "# a homogeneous cycle: team and member enter and leave by tid\n"
	           "cachegroup teams\n"
	           "table hc_team\n"
	           "table hc_member\n"
	           "fill hc_member.mid\n"
	           "rcc hc_member.tid -> hc_team.tid\n"
	           "rcc hc_team.tid -> hc_member.tid\n",
	           path, sizeof(path));
	tgroups t = compile_groups(path);
	assert_int_equal(t.g[0]->nzones, 1);
	assert_int_equal(t.g[0]->zones[0].kind, CG_CYCLE_HOMOGENEOUS);
	cachedb *db = open_cache(&t, "teams.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	gc_settings gs = {0, 0, 0, 0};
	gc *c = gc_create(db, &gs, NULL, &err);
	assert_non_null(c);
	size_t fm = fill_index(&t, "hc_member.mid");
	const char *count_sql = "SELECT (SELECT count(*) FROM hc_team) + (SELECT count(*) FROM hc_member)";
	/* member 1: its team and the team's three members, each row once */
	assert_int_equal(fill_run_one(fd, 0, fm, "1", &err), FILL_OK);
	assert_int_equal(lite_int(db, count_sql), 4);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM hc_member WHERE tid = 1"), 3);
	assert_int_equal(atomic_load(&fill_get_stats(fd)->rows_loaded), 4);
	assert_int_equal(check_cache(db, NULL), 0);
	/* member 2 is complete already: only its control row */
	assert_int_equal(fill_run_one(fd, 0, fm, "2", &err), FILL_OK);
	assert_int_equal(atomic_load(&fill_get_stats(fd)->rows_loaded), 4);
	/* member 4: team 2 */
	assert_int_equal(fill_run_one(fd, 0, fm, "4", &err), FILL_OK);
	assert_int_equal(lite_int(db, count_sql), 8);
	assert_int_equal(check_cache(db, NULL), 0);
	/* evict 1: member 2 still reaches team 1's cycle */
	bool found = false;
	assert_true(gc_evict_value(c, 0, fm, "1", &found, &err));
	assert_true(found);
	assert_int_equal(lite_int(db, count_sql), 8);
	assert_int_equal(check_cache(db, NULL), 0);
	/* evict 2: team 1's rows refer to each other, but nothing reaches them */
	assert_true(gc_evict_value(c, 0, fm, "2", &found, &err));
	assert_int_equal(lite_int(db, count_sql), 4);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM hc_team WHERE tid = 1"), 0);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM hc_member WHERE tid = 2"), 3);
	assert_int_equal(atomic_load(&gc_get_stats(c)->rows_evicted), 4);
	assert_int_equal(check_cache(db, NULL), 0);
	/* a value never loaded */
	assert_true(gc_evict_value(c, 0, fm, "9", &found, &err));
	assert_false(found);
	assert_true(gc_evict_all(c, &err));
	assert_int_equal(lite_int(db, count_sql), 0);
	assert_int_equal(check_cache(db, NULL), 0);
	gc_free(c);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
	exec_ok("DROP TABLE hc_member; DROP TABLE hc_team");
}

static void test_evict_all(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "evictall.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "film.genre"), "1", &err), FILL_OK);
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), "3", &err), FILL_OK);
	gc_settings gs = {0, 0, 0, 0};
	gc *c = gc_create(db, &gs, NULL, &err);
	assert_non_null(c);
	/* evict film.genre 1: the director's films stay (his control value reaches them) */
	bool found = false;
	assert_true(gc_evict_value(c, 0, fill_index(&t, "film.genre"), "1", &found, &err));
	assert_true(found);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM film"),
	                 pg_int("SELECT count(*) FROM film WHERE regie = 3"));
	assert_int_equal(check_cache(db, NULL), 0);
	assert_true(gc_evict_all(c, &err));
	assert_int_equal(cache_rows_now(db), pg_int("SELECT count(*) FROM genre"));
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 0);
	assert_int_equal(check_cache(db, NULL), 0);
	gc_free(c);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- concurrency stress -------------------------------------------------------- */

typedef struct stress {
	tgroups *t;
	cachedb *db;
	fill_daemon *fd;
	gc *c;
	int64_t until_ms;
	hitcount *h;
	_Atomic long checks, violations, check_errors, evicts, hits;
} stress;

static void *stress_producer(void *arg)
{
	stress *s = arg;
	unsigned seed = 1;
	size_t fr = fill_index(s->t, "regisseur.id"), fg = fill_index(s->t, "film.genre");
	char val[32];
	while (mono_ms() < s->until_ms) {
		cb_error err;
		if (rand_r(&seed) % 8 == 0) {
			snprintf(val, sizeof(val), "%d", 1 + rand_r(&seed) % 3);
			(void)fill_enqueue(s->fd, 0, fg, val, &err);
		} else {
			snprintf(val, sizeof(val), "%d", 1 + rand_r(&seed) % 200);
			(void)fill_enqueue(s->fd, 0, fr, val, &err);
		}
		usleep(3000); /* pacing of the request stream */
	}
	return NULL;
}

static void *stress_evicter(void *arg)
{
	stress *s = arg;
	unsigned seed = 2;
	size_t fr = fill_index(s->t, "regisseur.id");
	char val[32];
	while (mono_ms() < s->until_ms) {
		cb_error err;
		bool found;
		snprintf(val, sizeof(val), "%d", 1 + rand_r(&seed) % 200);
		if (gc_evict_value(s->c, 0, fr, val, &found, &err))
			atomic_fetch_add(&s->evicts, found);
		else
			atomic_fetch_add(&s->check_errors, 1);
		usleep(5000); /* pacing */
	}
	return NULL;
}

/* Query workers' hits on director ids, whether loaded or not. */
static void *stress_hitter(void *arg)
{
	stress *s = arg;
	unsigned seed = 3;
	const cg_group *g = s->t->g[0];
	size_t e_id = g->nentries;
	for (size_t e = 0; e < g->nentries; e++)
		if (g->entries[e].fill >= 0 && strcmp(g->tables[g->entries[e].table].name, "regisseur") == 0)
			e_id = e;
	char val[32];
	while (e_id < g->nentries && mono_ms() < s->until_ms) {
		snprintf(val, sizeof(val), "%d", 1 + rand_r(&seed) % 200);
		if (hitcount_post(s->h, 0, e_id, val))
			atomic_fetch_add(&s->hits, 1);
		usleep(500); /* pacing */
	}
	return NULL;
}

static void *stress_checker(void *arg)
{
	stress *s = arg;
	size_t ng;
	cg_group *const *groups = cachedb_groups(s->db, &ng);
	cb_error err;
	PGconn *pg = NULL;
	if (!pgconn_connect(conninfo, &pg, &err)) {
		atomic_fetch_add(&s->check_errors, 1);
		return NULL;
	}
	sqlite3 *lite = NULL;
	if (sqlite3_open_v2(cachedb_path(s->db), &lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		atomic_fetch_add(&s->check_errors, 1);
		PQfinish(pg);
		return NULL;
	}
	sqlite3_busy_timeout(lite, 10000);
	while (mono_ms() < s->until_ms) {
		long n = verify_run(groups, ng, lite, pg, verify_print, stderr, &err);
		if (n < 0) {
			fprintf(stderr, "checker: %s\n", err.msg);
			atomic_fetch_add(&s->check_errors, 1);
		} else {
			atomic_fetch_add(&s->violations, n);
		}
		atomic_fetch_add(&s->checks, 1);
	}
	sqlite3_close(lite);
	PQfinish(pg);
	return NULL;
}

static void test_stress(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "stress.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	gc_settings gs = {600, 0, 80, 10};
	gc *c = gc_create(db, &gs, NULL, &err);
	assert_non_null(c);
	assert_true(fill_start(fd, &err));
	assert_true(gc_start(c, &err));
	hitcount_settings hs = {1024, 20};
	hitcount *h = hitcount_create(db, &hs, &err);
	assert_non_null(h);
	assert_true(hitcount_start(h, &err));
	stress s = {&t, db, fd, c, mono_ms() + 3000, h, 0, 0, 0, 0, 0};
	pthread_t th[5];
	assert_int_equal(pthread_create(&th[0], NULL, stress_producer, &s), 0);
	assert_int_equal(pthread_create(&th[1], NULL, stress_evicter, &s), 0);
	assert_int_equal(pthread_create(&th[2], NULL, stress_checker, &s), 0);
	assert_int_equal(pthread_create(&th[3], NULL, stress_checker, &s), 0);
	assert_int_equal(pthread_create(&th[4], NULL, stress_hitter, &s), 0);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	assert_true(fill_wait_idle(fd, 60000));
	fill_stop(fd);
	gc_stop(c);
	hitcount_stop(h);
	assert_int_equal(atomic_load(&hitcount_get_stats(h)->errors), 0);
	assert_true(atomic_load(&s.hits) > 0);
	assert_int_equal(atomic_load(&hitcount_get_stats(h)->applied), (uint64_t)atomic_load(&s.hits));
	hitcount_free(h);
	const fill_stats *fs = fill_get_stats(fd);
	fprintf(stderr, "stress: %ld checks, %llu fills, %llu evicted by the collector, %ld by EVICT\n",
	        atomic_load(&s.checks), (unsigned long long)atomic_load(&fs->done),
	        (unsigned long long)atomic_load(&gc_get_stats(c)->evictions), atomic_load(&s.evicts));
	assert_int_equal(atomic_load(&s.check_errors), 0);
	assert_int_equal(atomic_load(&s.violations), 0);
	assert_true(atomic_load(&s.checks) >= 2);
	assert_true(atomic_load(&fs->done) > 10);
	assert_int_equal(atomic_load(&fs->failed), 0);
	assert_true(atomic_load(&gc_get_stats(c)->evictions) > 0);
	assert_int_equal(check_cache(db, NULL), 0);
	gc_free(c);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lru),        cmocka_unit_test(test_stream_under_mark),
	        cmocka_unit_test(test_bytes_mark), cmocka_unit_test(test_homogeneous_cycle),
	        cmocka_unit_test(test_evict_all),  cmocka_unit_test(test_stress),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
