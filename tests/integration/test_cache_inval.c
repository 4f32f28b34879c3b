/*
 * Integration test of the invalidation after writes (inside
 * tests/harness/with-pg.sh): a write to a cache table, once its
 * invalidation is applied by the garbage collector's thread, leaves no
 * stale row and a clean checker; the tables stay dirty until then; the
 * invalidation reaches up the RCCs and spares unrelated fill columns; the
 * fill/write race (a write committed while a fill's snapshot is open) is
 * closed by applying the invalidation after the fill; a complete table is
 * cleared and loaded again (also after a failed reload); and concurrent
 * writers with fills running end in a clean cache.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tests/integration/cache_testutil.h"

static size_t table_index(tgroups *t, const char *name)
{
	int i = cg_model_find_table(t->g[0], NULL, name);
	assert_true(i >= 0);
	return (size_t)i;
}

static uint64_t bit(size_t t)
{
	return (uint64_t)1 << t;
}

/* n directors with at least one film whose ort is set, skipping the first skip. */
static void directors(int skip, int n, long long *out)
{
	char sql[300];
	snprintf(sql, sizeof(sql),
	         "SELECT regie FROM film WHERE regie IS NOT NULL AND ort IS NOT NULL GROUP BY regie ORDER BY regie "
	         "OFFSET %d LIMIT %d",
	         skip, n);
	PGresult *res = PQexec(conn, sql);
	assert_int_equal(PQntuples(res), n);
	for (int i = 0; i < n; i++)
		out[i] = atoll(PQgetvalue(res, i, 0));
	PQclear(res);
}

/* tmpl with every $V replaced by v, into out. */
static void subst(char *out, size_t len, const char *tmpl, long long v)
{
	size_t n = 0;
	for (const char *p = tmpl; *p != '\0' && n + 24 < len; p++) {
		if (p[0] == '$' && p[1] == 'V') {
			n += (size_t)snprintf(out + n, len - n, "%lld", v);
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

static long long lite_intf(cachedb *db, const char *tmpl, long long v)
{
	char sql[512];
	subst(sql, sizeof(sql), tmpl, v);
	return lite_int(db, sql);
}

static long long pg_intf(const char *tmpl, long long v)
{
	char sql[512];
	subst(sql, sizeof(sql), tmpl, v);
	return pg_int(sql);
}

static void exec_okf(const char *tmpl, long long v)
{
	char sql[512];
	subst(sql, sizeof(sql), tmpl, v);
	exec_ok(sql);
}

/* The checker's violation count, quietly (for states that are stale on purpose). */
static long stale_count(cachedb *db)
{
	return run_checker(db, NULL, NULL);
}

static void fill_value(fill_daemon *fd, size_t fill, long long v)
{
	char val[32];
	snprintf(val, sizeof(val), "%lld", v);
	cb_error err = {{0}};
	if (fill_run_one(fd, 0, fill, val, &err) != FILL_OK)
		fail_msg("fill %lld: %s", v, err.msg);
}

/* The reload function of the daemon (cachesvc.c), with a switch to make it fail. */
typedef struct reloader {
	fill_daemon *fd;
	atomic_bool fail;
	atomic_int calls;
} reloader;

static bool reload_cb(void *arg, size_t group, uint64_t tables, cb_error *err)
{
	reloader *r = arg;
	atomic_fetch_add(&r->calls, 1);
	if (atomic_load(&r->fail)) {
		cb_error_set(err, "reload switched off by the test");
		return false;
	}
	return fill_load_complete_locked(r->fd, group, tables, err) == FILL_OK;
}

/* The garbage collector and the invalidation queue it applies, as the daemon runs them. */
typedef struct collector {
	invalidate *inv;
	gc *gc;
} collector;

static collector *start_gc(cachedb *db, reloader *r, int interval_ms)
{
	gc_settings gs = {0, 0, 0, interval_ms};
	cb_error err = {{0}};
	collector *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	if ((c->inv = invalidate_create(db, &err)) == NULL || (c->gc = gc_create(db, &gs, c->inv, &err)) == NULL)
		fail_msg("%s", err.msg);
	invalidate_set_reload(c->inv, reload_cb, r);
	if (!gc_start(c->gc, &err))
		fail_msg("%s", err.msg);
	return c;
}

static void stop_gc(collector *c)
{
	gc_free(c->gc);
	invalidate_free(c->inv);
	free(c);
}

/* What each test runs on: the cache of a group file, its fill daemon, and the
 * garbage collector applying invalidations with the reload function. */
typedef struct inval_env {
	tgroups t;
	cachedb *db;
	fill_daemon *fd;
	reloader r;
	collector *c;
} inval_env;

static void env_open(inval_env *e, const char *groups, const char *cache, int gc_interval_ms)
{
	e->t = compile_groups(groups);
	e->db = open_cache(&e->t, cache);
	e->fd = new_fill(e->db);
	e->r.fd = e->fd;
	atomic_init(&e->r.fail, false);
	atomic_init(&e->r.calls, 0);
	e->c = start_gc(e->db, &e->r, gc_interval_ms);
}

static void env_close(inval_env *e)
{
	stop_gc(e->c);
	fill_free(e->fd);
	cachedb_close(e->db);
	cg_groups_free(e->t.g, e->t.n);
}

static const invalidate_stats *inv_stats(collector *c)
{
	return invalidate_get_stats(c->inv);
}

static uint64_t applied(collector *c)
{
	return atomic_load(&inv_stats(c)->applied);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Poll (bounded) until the thread has applied n jobs. */
static void wait_applied(collector *c, uint64_t n)
{
	int64_t end = mono_ms() + 15000;
	while (applied(c) < n) {
		if (mono_ms() > end)
			fail_msg("the garbage collector applied %llu invalidations of %llu in 15 s",
			         (unsigned long long)applied(c), (unsigned long long)n);
		sleep_ms(2);
	}
}

/* --- a write, its invalidation, and what it removes ---------------------------- */

static void test_update_film(void **state)
{
	(void)state;
	inval_env e;
	env_open(&e, "examples/movies/movies.cg", "inval-film.db", 0);
	size_t fr = fill_index(&e.t, "regisseur.id"), fg = fill_index(&e.t, "film.genre");
	size_t film = table_index(&e.t, "film"), regisseur = table_index(&e.t, "regisseur"),
	       genre = table_index(&e.t, "genre");
	long long v[3];
	directors(0, 3, v);
	for (int i = 0; i < 3; i++)
		fill_value(e.fd, fr, v[i]);
	fill_value(e.fd, fg, 1);
	assert_int_equal(check_cache(e.db, NULL), 0);
	long long genre_at = lite_int(e.db, "SELECT loaded_at FROM cbcache_complete WHERE \"table\" = 'genre'");
	long long genre_rows = lite_int(e.db, "SELECT count(*) FROM genre");
	assert_true(genre_rows > 0);

	long long x = pg_intf("SELECT min(id) FROM film WHERE regie = $V", v[0]);
	assert_int_equal(lite_intf(e.db, "SELECT count(*) FROM film WHERE id = $V", x), 1);
	exec_okf("UPDATE film SET titel = titel || ' [inval 1]' WHERE id = $V", x);
	/* the cached row is stale now: the checker sees it */
	assert_true(stale_count(e.db) > 0);

	/* hold the cache write lock: the job cannot be applied yet */
	cachedb_write_lock(e.db);
	invalidate_post(e.c->inv, 0, bit(film));
	assert_true(invalidate_fenced(e.c->inv, 0, film));
	assert_false(invalidate_fenced(e.c->inv, 0, regisseur));
	assert_false(invalidate_fenced(e.c->inv, 0, genre));
	assert_int_equal(atomic_load(&inv_stats(e.c)->posted), 1);
	assert_int_equal(applied(e.c), 0);
	cachedb_write_unlock(e.db);
	wait_applied(e.c, 1);
	assert_false(invalidate_fenced(e.c->inv, 0, film));

	/* no stale row, every control value whose closure reached film is gone */
	assert_int_equal(lite_intf(e.db, "SELECT count(*) FROM film WHERE id = $V AND titel NOT LIKE '% [inval 1]'", x),
	                 0);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM film"), 0);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 0);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM cbcache_ctl_film_genre"), 0);
	assert_int_equal(atomic_load(&inv_stats(e.c)->evictions), 4);
	assert_int_equal(atomic_load(&inv_stats(e.c)->failures), 0);
	/* genre reaches nothing written: untouched, not reloaded */
	assert_int_equal(lite_int(e.db, "SELECT loaded_at FROM cbcache_complete WHERE \"table\" = 'genre'"), genre_at);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM genre"), genre_rows);
	assert_int_equal(atomic_load(&e.r.calls), 0);
	assert_int_equal(check_cache(e.db, NULL), 0);

	/* loading the director again brings the new row */
	fill_value(e.fd, fr, v[0]);
	assert_int_equal(lite_intf(e.db, "SELECT count(*) FROM film WHERE id = $V AND titel LIKE '% [inval 1]'", x), 1);
	assert_int_equal(check_cache(e.db, NULL), 0);

	env_close(&e);
}

/* R reaches up the RCCs: fill columns that reach nothing written stay. */
static void test_unrelated_stays(void **state)
{
	(void)state;
	char path[1024];
	write_file("inval.cg",
	           "cachegroup inval\n"
	           "table ort\ntable regisseur\ntable film\ntable darsteller\n"
	           "fill regisseur.id\nfill darsteller.id\n"
	           "rcc regisseur.id -> film.regie\nrcc film.ort -> ort.plz\nrcc darsteller.wohnort -> ort.plz\n",
	           path, sizeof(path));
	inval_env e;
	env_open(&e, path, "inval-unrelated.db", 0);
	size_t fr = fill_index(&e.t, "regisseur.id"), fdst = fill_index(&e.t, "darsteller.id");
	long long v[2];
	directors(3, 2, v);
	fill_value(e.fd, fr, v[0]);
	fill_value(e.fd, fr, v[1]);
	long long d0 = pg_int("SELECT min(id) FROM darsteller WHERE wohnort IS NOT NULL");
	long long d1 = pg_intf("SELECT min(id) FROM darsteller WHERE wohnort IS NOT NULL AND id > $V", d0);
	fill_value(e.fd, fdst, d0);
	fill_value(e.fd, fdst, d1);
	assert_int_equal(check_cache(e.db, NULL), 0);
	assert_true(lite_int(e.db, "SELECT count(*) FROM film") > 0);

	exec_okf("UPDATE film SET laenge_min = coalesce(laenge_min, 0) + 1 WHERE regie = $V", v[1]);
	invalidate_post(e.c->inv, 0, bit(table_index(&e.t, "film")));
	wait_applied(e.c, 1);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 0);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM regisseur"), 0);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM film"), 0);
	/* darsteller reaches ort only: its values, rows and their ort rows stay */
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM cbcache_ctl_darsteller_id"), 2);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM darsteller"), 2);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM ort WHERE plz IN (SELECT wohnort FROM darsteller)"),
	                 lite_int(e.db, "SELECT count(DISTINCT wohnort) FROM darsteller"));
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM ort WHERE plz NOT IN (SELECT wohnort FROM darsteller)"),
	                 0);
	assert_int_equal(check_cache(e.db, NULL), 0);

	/* a write to ort reaches everything: film and darsteller both lead to it */
	fill_value(e.fd, fr, v[0]);
	exec_okf("UPDATE ort SET name = name || ' [inval 2]' WHERE plz = (SELECT wohnort FROM darsteller WHERE id = "
	         "$V)",
	         d0);
	invalidate_post(e.c->inv, 0, bit(table_index(&e.t, "ort")));
	wait_applied(e.c, 2);
	assert_int_equal(lite_int(e.db,
	                          "SELECT (SELECT count(*) FROM cbcache_ctl_regisseur_id) + (SELECT count(*) FROM "
	                          "cbcache_ctl_darsteller_id)"),
	                 0);
	assert_int_equal(lite_int(e.db,
	                          "SELECT (SELECT count(*) FROM ort) + (SELECT count(*) FROM regisseur) + (SELECT "
	                          "count(*) FROM film) + (SELECT count(*) FROM darsteller)"),
	                 0);
	assert_int_equal(check_cache(e.db, NULL), 0);

	env_close(&e);
}

/* --- the fill/write race ------------------------------------------------------------ */

typedef struct race {
	tgroups *t;
	collector *c;
	PGconn *pg; /* the writer's connection */
	char sql[512];
	size_t table; /* the table written */
	bool post;    /* post the invalidation from the hook */
	bool armed;
	int fired;
	uint64_t applied_before;
} race;

static void race_hook(void *arg, fill_hook_point point, size_t group, size_t zone)
{
	(void)zone;
	race *rc = arg;
	if (point != FILL_HOOK_FETCHING || !rc->armed)
		return;
	rc->armed = false;
	rc->fired++;
	/* the fill's snapshot is open: this write commits after it */
	PGresult *res = PQexec(rc->pg, rc->sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", rc->sql, PQerrorMessage(rc->pg));
	PQclear(res);
	rc->applied_before = applied(rc->c);
	if (rc->post)
		invalidate_post(rc->c->inv, group, bit(rc->table));
}

static void test_fill_write_race(void **state)
{
	(void)state;
	inval_env e;
	env_open(&e, "examples/movies/movies.cg", "inval-race.db", 0);
	race rc = {&e.t, e.c, PQconnectdb(conninfo), "", 0, false, false, 0, 0};
	assert_int_equal(PQstatus(rc.pg), CONNECTION_OK);
	fill_set_hook(e.fd, race_hook, &rc);
	size_t fr = fill_index(&e.t, "regisseur.id");
	long long v[6];
	directors(5, 6, v);
	struct {
		const char *table;
		const char *sql;   /* $V: the director */
		const char *stale; /* cache rows that would be stale, $V: the director (NULL: rely on the checker) */
	} writes[] = {
	        {"film", "UPDATE film SET titel = titel || ' [race]' WHERE regie = $V",
	         "SELECT count(*) FROM film WHERE regie = $V AND titel NOT LIKE '% [race]'"},
	        {"film", "UPDATE film SET titel = titel || ' [race]' WHERE regie = $V",
	         "SELECT count(*) FROM film WHERE regie = $V AND titel NOT LIKE '% [race]'"},
	        {"regisseur", "UPDATE regisseur SET nname = nname || ' [race]' WHERE id = $V",
	         "SELECT count(*) FROM regisseur WHERE id = $V AND nname NOT LIKE '% [race]'"},
	        {"ort", "UPDATE ort SET name = name || ' [race]' WHERE plz IN (SELECT ort FROM film WHERE regie = $V)",
	         "SELECT count(*) FROM ort WHERE plz IN (SELECT ort FROM film WHERE regie = $V) AND name NOT LIKE "
	         "'% [race]'"},
	        {"film",
	         "INSERT INTO film (id, titel, regie, geaendert) SELECT max(id) + 1, 'inserted in the race', $V, now() "
	         "FROM film",
	         NULL},
	        {"darst_film", "DELETE FROM darst_film WHERE fid IN (SELECT id FROM film WHERE regie = $V)",
	         "SELECT count(*) FROM darst_film WHERE fid IN (SELECT id FROM film WHERE regie = $V)"},
	};
	for (int i = 0; i < 6; i++) {
		subst(rc.sql, sizeof(rc.sql), writes[i].sql, v[i]);
		rc.table = table_index(&e.t, writes[i].table);
		rc.post = i > 0; /* the first run shows the race is real: no invalidation */
		rc.armed = true;
		uint64_t posted = atomic_load(&inv_stats(e.c)->posted);
		fill_value(e.fd, fr, v[i]);
		assert_int_equal(rc.fired, i + 1);
		if (!rc.post) {
			/* the fill installed what its snapshot saw: stale now */
			assert_true(stale_count(e.db) > 0);
			assert_int_equal(atomic_load(&inv_stats(e.c)->posted), posted);
			invalidate_post(e.c->inv, 0, bit(rc.table));
		}
		wait_applied(e.c, posted + 1);
		/* applied only after the fill had released the lock */
		assert_int_equal(rc.applied_before, posted);
		if (writes[i].stale != NULL)
			assert_int_equal(lite_intf(e.db, writes[i].stale, v[i]), 0);
		assert_int_equal(check_cache(e.db, NULL), 0);
		/* loaded again: the new rows */
		fill_value(e.fd, fr, v[i]);
		if (writes[i].stale != NULL)
			assert_int_equal(lite_intf(e.db, writes[i].stale, v[i]), 0);
		assert_true(lite_intf(e.db, "SELECT count(*) FROM cbcache_ctl_regisseur_id WHERE value = $V", v[i]) ==
		            1);
		if (i == 4) /* the row inserted during the first fill is there now */
			assert_int_equal(
			        lite_intf(
			                e.db,
			                "SELECT count(*) FROM film WHERE regie = $V AND titel = 'inserted in the race'",
			                v[i]),
			        1);
		assert_int_equal(check_cache(e.db, NULL), 0);
	}
	fill_set_hook(e.fd, NULL, NULL);
	PQfinish(rc.pg);
	env_close(&e);
}

/* --- a complete table ------------------------------------------------------------------ */

static void test_complete_table(void **state)
{
	(void)state;
	inval_env e;
	env_open(&e, "examples/movies/movies.cg", "inval-genre.db", 50);
	size_t genre = table_index(&e.t, "genre");
	size_t fr = fill_index(&e.t, "regisseur.id");
	long long v[1];
	directors(12, 1, v);
	fill_value(e.fd, fr, v[0]);
	long long at = lite_int(e.db, "SELECT loaded_at FROM cbcache_complete WHERE \"table\" = 'genre'");
	long long gid = pg_int("SELECT min(id) FROM genre");

	exec_okf("UPDATE genre SET name = name || ' [inval 3]' WHERE id = $V", gid);
	assert_true(stale_count(e.db) > 0);
	invalidate_post(e.c->inv, 0, bit(genre));
	wait_applied(e.c, 1);
	assert_false(invalidate_fenced(e.c->inv, 0, genre));
	/* loaded again from a new snapshot: marker back, the new value cached */
	assert_true(lite_int(e.db, "SELECT loaded_at FROM cbcache_complete WHERE \"table\" = 'genre'") > at);
	assert_int_equal(lite_intf(e.db, "SELECT count(*) FROM genre WHERE id = $V AND name LIKE '% [inval 3]'", gid),
	                 1);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM genre"), pg_int("SELECT count(*) FROM genre"));
	/* nothing reaches genre: the director's value stays */
	assert_int_equal(lite_intf(e.db, "SELECT count(*) FROM cbcache_ctl_regisseur_id WHERE value = $V", v[0]), 1);
	assert_int_equal(check_cache(e.db, NULL), 0);

	/* the reload fails: genre stays unloaded (valid), then the thread retries */
	atomic_store(&e.r.fail, true);
	exec_okf("UPDATE genre SET name = name || ' [inval 4]' WHERE id = $V", gid);
	invalidate_post(e.c->inv, 0, bit(genre));
	wait_applied(e.c, 2);
	assert_false(invalidate_fenced(e.c->inv, 0, genre));
	assert_true(atomic_load(&inv_stats(e.c)->reload_failures) >= 1);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM cbcache_complete WHERE \"table\" = 'genre'"), 0);
	assert_int_equal(lite_int(e.db, "SELECT count(*) FROM genre"), 0);
	assert_int_equal(check_cache(e.db, NULL), 0);
	atomic_store(&e.r.fail, false);
	int64_t end = mono_ms() + 15000;
	while (lite_int(e.db, "SELECT count(*) FROM cbcache_complete WHERE \"table\" = 'genre'") == 0) {
		if (mono_ms() > end)
			fail_msg("genre was not loaded again within 15 s");
		sleep_ms(5);
	}
	assert_int_equal(lite_intf(e.db, "SELECT count(*) FROM genre WHERE id = $V AND name LIKE '% [inval 4]'", gid),
	                 1);
	assert_int_equal(check_cache(e.db, NULL), 0);

	env_close(&e);
}

/* --- concurrent writers while fills run ---------------------------------------------------- */

typedef struct writer {
	int id;
	tgroups *t;
	collector *c;
	const long long *dirs;
	int ndirs;
	int rounds;
	char error[256];
} writer;

static void *writer_main(void *arg)
{
	writer *w = arg;
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(w->error, sizeof(w->error), "connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	static const char *const tables[] = {"film", "regisseur", "ort", "genre", "darst_film"};
	static const char *const sqls[] = {
	        "UPDATE film SET laenge_min = coalesce(laenge_min, 0) + 1 WHERE regie = $V",
	        "UPDATE regisseur SET vname = coalesce(vname, '') || '.' WHERE id = $V",
	        "UPDATE ort SET name = name || '.' WHERE plz IN (SELECT ort FROM film WHERE regie = $V)",
	        "UPDATE genre SET name = name || '.' WHERE id = (SELECT min(genre) FROM film WHERE regie = $V)",
	        "UPDATE darst_film SET rolle = coalesce(rolle, '') || '.' WHERE fid IN (SELECT id FROM film WHERE "
	        "regie = $V)",
	};
	for (int i = 0; i < w->rounds && w->error[0] == '\0'; i++) {
		int k = (w->id + i) % 5;
		char sql[300];
		subst(sql, sizeof(sql), sqls[k], w->dirs[(w->id * 7 + i * 3) % w->ndirs]);
		PGresult *res = PQexec(pg, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			snprintf(w->error, sizeof(w->error), "%.100s: %.140s", sql, PQerrorMessage(pg));
		PQclear(res);
		/* committed: invalidate before "telling the client" */
		int ti = cg_model_find_table(w->t->g[0], NULL, tables[k]);
		invalidate_post(w->c->inv, 0, bit((size_t)ti));
		sleep_ms(3);
	}
	PQfinish(pg);
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	(void)state;
	inval_env e;
	env_open(&e, "examples/movies/movies.cg", "inval-concurrent.db", 100);
	cb_error err = {{0}};
	assert_true(fill_start(e.fd, &err));
	size_t fr = fill_index(&e.t, "regisseur.id"), fg = fill_index(&e.t, "film.genre");
	enum { NDIRS = 24, NW = 3 };
	long long dirs[NDIRS];
	directors(20, NDIRS, dirs);
	writer w[NW];
	pthread_t th[NW];
	for (int i = 0; i < NW; i++) {
		w[i] = (writer){i, &e.t, e.c, dirs, NDIRS, 25, ""};
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	/* fills keep coming while the writers write */
	for (int round = 0; round < 8; round++) {
		char val[32];
		for (int i = 0; i < NDIRS; i++) {
			snprintf(val, sizeof(val), "%lld", dirs[i]);
			(void)fill_enqueue(e.fd, 0, fr, val, &err);
		}
		snprintf(val, sizeof(val), "%d", 1 + round % 3);
		(void)fill_enqueue(e.fd, 0, fg, val, &err);
		sleep_ms(20);
	}
	for (int i = 0; i < NW; i++) {
		pthread_join(th[i], NULL);
		if (w[i].error[0] != '\0')
			fail_msg("writer %d: %s", i, w[i].error);
	}
	assert_true(fill_wait_idle(e.fd, 30000));
	uint64_t posted = atomic_load(&inv_stats(e.c)->posted);
	assert_int_equal(posted, NW * 25);
	wait_applied(e.c, posted);
	for (size_t ti = 0; ti < e.t.g[0]->ntables; ti++)
		assert_false(invalidate_fenced(e.c->inv, 0, ti));
	assert_int_equal(atomic_load(&inv_stats(e.c)->failures), 0);
	assert_true(atomic_load(&fill_get_stats(e.fd)->done) > 0);
	assert_int_equal(check_cache(e.db, NULL), 0);
	/* and the cache still works: load everything again, still clean */
	for (int i = 0; i < NDIRS; i++)
		fill_value(e.fd, fr, dirs[i]);
	assert_int_equal(check_cache(e.db, NULL), 0);

	fill_stop(e.fd);
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_update_film),        cmocka_unit_test(test_unrelated_stays),
	        cmocka_unit_test(test_fill_write_race),    cmocka_unit_test(test_complete_table),
	        cmocka_unit_test(test_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
