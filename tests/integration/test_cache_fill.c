/*
 * Integration test of the fill daemon and the checker on the movie
 * database (inside tests/harness/with-pg.sh): a fill loads exactly the
 * closure computed here by hand-written SQL; every zone commit leaves a
 * valid state (the checker runs from the fill's test hook); a backend
 * killed during a fill leaves no control row and no invalid state and the
 * retry succeeds; refused values; complete tables; the deduplicated
 * threaded queue; the hit counter; the cache file's fingerprint.
 */
#include <sys/wait.h>

#include "tests/integration/cache_testutil.h"

/* --- rows as sorted texts ------------------------------------------------- */

typedef struct rowlist {
	char **rows;
	size_t n;
} rowlist;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rowlist_free(rowlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->rows[i]);
	free(l->rows);
}

static void push_row(rowlist *l, char *row)
{
	l->rows = realloc(l->rows, (l->n + 1) * sizeof(char *));
	assert_non_null(l->rows);
	l->rows[l->n++] = row;
}

/* The backend's rows of a query, with the cache's session settings (booleans as the cache stores them: 1/0). */
static rowlist pg_rows(const char *sql)
{
	cb_error err = {{0}};
	PGconn *pg = NULL;
	if (!pgconn_connect(conninfo, &pg, &err))
		fail_msg("%s", err.msg);
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	rowlist l = {NULL, 0};
	for (int i = 0; i < PQntuples(res); i++) {
		char buf[4096] = "";
		size_t used = 0;
		for (int c = 0; c < PQnfields(res); c++) {
			const char *v = PQgetisnull(res, i, c) ? "\\N" : PQgetvalue(res, i, c);
			if (PQftype(res, c) == PGTYPE_OID_BOOL && !PQgetisnull(res, i, c))
				v = v[0] == 't' ? "1" : "0";
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", c ? "|" : "", v);
		}
		push_row(&l, strdup(buf));
	}
	PQclear(res);
	PQfinish(pg);
	qsort(l.rows, l.n, sizeof(char *), cmp_str);
	return l;
}

static rowlist cache_rows(cachedb *db, const char *table)
{
	sqlite3 *lite = NULL;
	assert_int_equal(sqlite3_open_v2(cachedb_path(db), &lite, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(lite, sql, -1, &st, NULL), SQLITE_OK);
	rowlist l = {NULL, 0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		char buf[4096] = "";
		size_t used = 0;
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", c ? "|" : "", v ? v : "\\N");
		}
		push_row(&l, strdup(buf));
	}
	sqlite3_finalize(st);
	sqlite3_close(lite);
	qsort(l.rows, l.n, sizeof(char *), cmp_str);
	return l;
}

/* The cache table equals the hand-written closure query; returns its size. */
static size_t assert_table(cachedb *db, const char *table, const char *closure_sql)
{
	rowlist want = pg_rows(closure_sql);
	rowlist got = cache_rows(db, table);
	if (want.n != got.n)
		fail_msg("table %s: %zu rows cached, the closure has %zu", table, got.n, want.n);
	for (size_t i = 0; i < want.n; i++)
		if (strcmp(want.rows[i], got.rows[i]) != 0)
			fail_msg("table %s: cached row %s, closure row %s", table, got.rows[i], want.rows[i]);
	size_t n = want.n;
	rowlist_free(&want);
	rowlist_free(&got);
	return n;
}

/* --- closure ------------------------------------------------------------------- */

static void test_fill_closure(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "closure.db");
	fill_daemon *fd = new_fill(db);
	/* the director with the most films, and one without any */
	long long v = pg_int("SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie ORDER BY count(*) DESC, "
	                     "regie LIMIT 1");
	char val[32];
	snprintf(val, sizeof(val), "%lld", v);
	cb_error err = {{0}};
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), val, &err), FILL_OK);

	char sql[1024];
	size_t total = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM regisseur WHERE id = %lld", v);
	assert_int_equal(assert_table(db, "regisseur", sql), 1);
	snprintf(sql, sizeof(sql), "SELECT * FROM film WHERE regie = %lld", v);
	size_t films = assert_table(db, "film", sql);
	assert_true(films > 1);
	total += 1 + films;
	snprintf(sql, sizeof(sql),
	         "SELECT * FROM ort WHERE plz IN (SELECT wohnort FROM regisseur WHERE id = %lld UNION "
	         "SELECT ort FROM film WHERE regie = %lld)",
	         v, v);
	total += assert_table(db, "ort", sql);
	snprintf(sql, sizeof(sql), "SELECT * FROM darst_film WHERE fid IN (SELECT id FROM film WHERE regie = %lld)", v);
	size_t roles = assert_table(db, "darst_film", sql);
	assert_true(roles > 0);
	total += roles;
	snprintf(sql, sizeof(sql),
	         "SELECT * FROM darsteller WHERE id IN (SELECT did FROM darst_film WHERE fid IN "
	         "(SELECT id FROM film WHERE regie = %lld))",
	         v);
	total += assert_table(db, "darsteller", sql);
	assert_table(db, "genre", "SELECT * FROM genre");
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cbcache_ctl_regisseur_id WHERE value = %lld", v);
	assert_int_equal(lite_int(db, sql), 1);
	total += (size_t)pg_int("SELECT count(*) FROM genre");
	assert_int_equal(atomic_load(&fill_get_stats(fd)->rows_loaded), total);
	assert_int_equal(check_cache(db, NULL), 0);

	/* the same value again: nothing new is loaded */
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), val, &err), FILL_OK);
	assert_int_equal(atomic_load(&fill_get_stats(fd)->rows_loaded), total);

	/* a value without rows: negative caching, a control row and nothing else */
	long long none = pg_int("SELECT max(id) + 1000 FROM regisseur");
	snprintf(val, sizeof(val), "%lld", none);
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), val, &err), FILL_OK);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 2);
	assert_int_equal(atomic_load(&fill_get_stats(fd)->rows_loaded), total);
	assert_int_equal(check_cache(db, NULL), 0);

	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- the checker finds what is wrong -------------------------------------------------- */

static void lite_exec(cachedb *db, const char *sql)
{
	sqlite3 *lite = NULL;
	assert_int_equal(sqlite3_open(cachedb_path(db), &lite), SQLITE_OK);
	sqlite3_busy_timeout(lite, 10000);
	char *msg = NULL;
	if (sqlite3_exec(lite, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(lite);
}

/* Run cbcache-verify on the cache file; returns its exit status, output in out. */
static int run_verify_tool(cachedb *db, const char *group_file, char *out, size_t outsz)
{
	const char *builddir = getenv("top_builddir");
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s/src/cbcache-verify' --cache '%s' --backend '%s' '%s/%s' 2>&1",
	         builddir ? builddir : ".", cachedb_path(db), conninfo, srcdir, group_file);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_checker_detects(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "detect.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "film.genre"), "2", &err), FILL_OK);
	assert_int_equal(check_cache(db, NULL), 0);
	char out[8192];
	assert_int_equal(run_verify_tool(db, "examples/movies/movies.cg", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "0 violations"));
	/* other group files than the cache was built for: refused */
	assert_int_equal(run_verify_tool(db, "examples/cachegroups/homogeneous.cg", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "was not built for these cache groups"));
	long long fid = lite_int(db, "SELECT min(fid) FROM darst_film");
	char sql[512];
	/* a missing row: an RCC target row deleted */
	snprintf(sql, sizeof(sql),
	         "DELETE FROM darst_film WHERE fid = %lld AND did = (SELECT min(did) FROM darst_film "
	         "WHERE fid = %lld)",
	         fid, fid);
	lite_exec(db, sql);
	vcollect c = {0, 0, 0, 0, ""};
	assert_int_equal(check_cache(db, &c), 1);
	assert_int_equal(c.missing, 1);
	assert_non_null(strstr(c.first, "rcc film.id -> darst_film.fid"));
	assert_int_equal(run_verify_tool(db, "examples/movies/movies.cg", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "violation: group movies, rcc film.id -> darst_film.fid"));
	assert_non_null(strstr(out, "missing row"));
	assert_non_null(strstr(out, "1 violation\n"));
	/* a different row: a cached film changed */
	lite_exec(db, "UPDATE film SET titel = titel || ' (cached)' WHERE id = (SELECT min(id) FROM film)");
	c = (vcollect){0, 0, 0, 0, ""};
	assert_int_equal(check_cache(db, &c), 2);
	assert_int_equal(c.missing, 1);
	assert_int_equal(c.different, 1);
	/* an extra row under a control value */
	lite_exec(db, "INSERT INTO film (id, titel, genre, geaendert) VALUES (999999, 'ghost', 2, 'x')");
	c = (vcollect){0, 0, 0, 0, ""};
	assert_int_equal(check_cache(db, &c), 3);
	assert_int_equal(c.extra, 1);
	/* a loaded complete table with a row missing */
	lite_exec(db, "DELETE FROM genre WHERE id = (SELECT max(id) FROM genre)");
	c = (vcollect){0, 0, 0, 0, ""};
	assert_int_equal(check_cache(db, &c), 4);
	assert_int_equal(c.missing, 2);
	/* a control value without its rows */
	lite_exec(db, "INSERT INTO cbcache_ctl_film_genre VALUES (1, 0, 0, 0)");
	c = (vcollect){0, 0, 0, 0, ""};
	assert_true(check_cache(db, &c) > 4);
	assert_true(c.missing > 2);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- valid after every zone ------------------------------------------------------------ */

typedef struct zonecheck {
	cachedb *db;
	int zones, controls;
	long violations;
	long long control_rows_before;
} zonecheck;

static void zone_hook(void *arg, fill_hook_point p, size_t group, size_t zone)
{
	(void)group;
	(void)zone;
	zonecheck *z = arg;
	if (p == FILL_HOOK_FETCHING)
		return;
	if (p == FILL_HOOK_ZONE) {
		z->zones++;
		/* the control row comes last */
		if (lite_int(z->db, "SELECT count(*) FROM cbcache_ctl_regisseur_id") != z->control_rows_before)
			z->violations += 1000;
	} else {
		z->controls++;
	}
	z->violations += check_cache(z->db, NULL);
}

static void test_zones_valid(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "zones.db");
	fill_daemon *fd = new_fill(db);
	zonecheck z = {db, 0, 0, 0, 0};
	fill_set_hook(fd, zone_hook, &z);
	cb_error err = {{0}};
	/* three directors with films: five zones with rows each (ort, darsteller,
	 * darst_film, film, regisseur), later ones partly cached already */
	PGresult *res = PQexec(conn, "SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie ORDER BY regie "
	                             "LIMIT 3");
	assert_int_equal(PQntuples(res), 3);
	for (int i = 0; i < 3; i++) {
		z.control_rows_before = i;
		assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), PQgetvalue(res, i, 0), &err),
		                 FILL_OK);
	}
	PQclear(res);
	assert_int_equal(z.controls, 3);
	assert_true(z.zones >= 3 * 4);
	assert_int_equal(z.violations, 0);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- backend killed during a fill ---------------------------------------------------------- */

typedef struct killer {
	fill_daemon *fd;
	int kills_left;
	int killed;
} killer;

static void kill_hook(void *arg, fill_hook_point p, size_t group, size_t zone)
{
	(void)group;
	(void)zone;
	killer *k = arg;
	if (p != FILL_HOOK_FETCHING || k->kills_left == 0)
		return;
	k->kills_left--;
	int pid = fill_backend_pid(k->fd);
	assert_true(pid > 0);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
	exec_ok(sql);
	/* wait (bounded) until the backend is gone */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
	int64_t deadline = mono_ms() + 10000;
	while (pg_int(sql) != 0 && mono_ms() < deadline)
		usleep(10000);
	assert_int_equal(pg_int(sql), 0);
	k->killed++;
}

static void test_backend_killed(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "killed.db");
	fill_daemon *fd = new_fill(db);
	killer k = {fd, 1, 0};
	fill_set_hook(fd, kill_hook, &k);
	cb_error err = {{0}};
	size_t fi = fill_index(&t, "regisseur.id");
	/* synchronous: the run fails, nothing is written */
	assert_int_equal(fill_run_one(fd, 0, fi, "7", &err), FILL_FAILED);
	assert_int_equal(k.killed, 1);
	assert_non_null(strstr(err.msg, "retried"));
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 0);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM film") + lite_int(db, "SELECT count(*) FROM regisseur"), 0);
	assert_int_equal(check_cache(db, NULL), 0);
	assert_int_equal(atomic_load(&fill_get_stats(fd)->failed), 1);
	/* the retry reconnects and succeeds */
	assert_int_equal(fill_run_one(fd, 0, fi, "7", &err), FILL_OK);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id WHERE value = 7"), 1);
	assert_int_equal(check_cache(db, NULL), 0);

	/* through the queue: killed twice, retried with backoff, then done */
	k.kills_left = 2;
	assert_int_equal(fill_enqueue(fd, 0, fi, "8", &err), FILL_QUEUED);
	int64_t t0 = mono_ms();
	assert_true(fill_start(fd, &err));
	assert_true(fill_wait_idle(fd, 30000));
	assert_int_equal(k.killed, 3);
	/* backoff, not a hot loop: 20 ms after the first failure, 40 ms after the second */
	assert_true(mono_ms() - t0 >= 60);
	const fill_stats *st = fill_get_stats(fd);
	assert_int_equal(atomic_load(&st->retried), 2);
	assert_int_equal(atomic_load(&st->failed), 3);
	assert_int_equal(atomic_load(&st->done), 2);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id WHERE value = 8"), 1);
	assert_int_equal(check_cache(db, NULL), 0);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- refused values, complete tables ---------------------------------------------------------- */

static void test_refused_and_complete(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "refused.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	size_t fg = fill_index(&t, "film.genre"), fr = fill_index(&t, "regisseur.id");
	assert_int_equal(fill_enqueue(fd, 0, fg, "7", &err), FILL_NOT_QUEUED);
	assert_non_null(strstr(err.msg, "not in the permitted values"));
	assert_int_equal(fill_enqueue(fd, 0, fr, "abc", &err), FILL_NOT_QUEUED);
	assert_non_null(strstr(err.msg, "give an integer"));
	assert_int_equal(fill_run_one(fd, 0, fg, "7", &err), FILL_REFUSED);
	assert_int_equal(fill_run_one(fd, 0, fr, "abc", &err), FILL_REFUSED);
	assert_int_equal(fill_queue_length(fd), 0);
	fill_recent rec[2];
	assert_int_equal(fill_get_recent(fd, rec, 2), 2);
	assert_int_equal(rec[0].result, FILL_REFUSED);
	assert_string_equal(rec[0].value, "abc");
	assert_non_null(strstr(rec[0].error, "invalid input syntax"));
	assert_non_null(strstr(rec[1].error, "not in the permitted values"));
	assert_int_equal(atomic_load(&fill_get_stats(fd)->refused), 4);
	/* permitted, written differently: normalized */
	assert_int_equal(fill_enqueue(fd, 0, fg, " 03", &err), FILL_QUEUED);
	assert_int_equal(fill_enqueue(fd, 0, fg, "3", &err), FILL_MERGED);
	/* new_fill() loaded the complete table genre, and recorded it last */
	assert_int_equal(lite_int(db, "SELECT count(*) FROM genre"), pg_int("SELECT count(*) FROM genre"));
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_complete WHERE \"table\" = 'genre'"), 1);
	assert_int_equal(fill_load_complete(fd, &err), FILL_OK); /* again: nothing changes */
	assert_int_equal(lite_int(db, "SELECT count(*) FROM genre"), pg_int("SELECT count(*) FROM genre"));
	assert_true(fill_start(fd, &err));
	assert_true(fill_wait_idle(fd, 30000));
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_film_genre WHERE value = 3"), 1);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM film"),
	                 pg_int("SELECT count(*) FROM film WHERE genre = 3"));
	assert_int_equal(check_cache(db, NULL), 0);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- the threaded queue deduplicates ------------------------------------------------------------ */

static void count_request(void *arg, size_t group, size_t fill, const char *value, int attempts, bool in_flight)
{
	(void)group;
	(void)fill;
	(void)value;
	(void)attempts;
	assert_false(in_flight);
	(*(int *)arg)++;
}

static void test_queue_threaded(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "queue.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	size_t fr = fill_index(&t, "regisseur.id");
	const char *vals[] = {"11", "12", "11", "13", "12", "11", "14"};
	int queued = 0, merged = 0;
	for (size_t i = 0; i < CB_ARRAY_LEN(vals); i++) {
		fill_enqueue_result r = fill_enqueue(fd, 0, fr, vals[i], &err);
		queued += r == FILL_QUEUED;
		merged += r == FILL_MERGED;
	}
	assert_int_equal(queued, 4);
	assert_int_equal(merged, 3);
	assert_int_equal(fill_queue_length(fd), 4);
	int listed = 0;
	fill_queue_foreach(fd, count_request, &listed);
	assert_int_equal(listed, 4);
	assert_true(fill_start(fd, &err));
	assert_true(fill_wait_idle(fd, 30000));
	assert_int_equal(atomic_load(&fill_get_stats(fd)->done), 4);
	/* SHOW FILLS: the four, newest first, in queue order */
	fill_recent rec[FILL_RECENT_MAX];
	assert_int_equal(fill_get_recent(fd, rec, FILL_RECENT_MAX), 4);
	assert_string_equal(rec[0].value, "14");
	assert_string_equal(rec[3].value, "11");
	uint64_t rows = 0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(rec[i].result, FILL_OK);
		assert_string_equal(rec[i].error, "");
		rows += rec[i].rows;
	}
	assert_int_equal(rows + (uint64_t)pg_int("SELECT count(*) FROM genre"),
	                 atomic_load(&fill_get_stats(fd)->rows_loaded));
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 4);
	assert_int_equal(check_cache(db, NULL), 0);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- hit counter -------------------------------------------------------------------------------- */

static int entry_index(const cg_group *g, const char *table, const char *column)
{
	for (size_t e = 0; e < g->nentries; e++)
		if (strcmp(g->tables[g->entries[e].table].name, table) == 0 &&
		    strcmp(g->entries[e].column, column) == 0)
			return (int)e;
	fail_msg("no entry point %s.%s", table, column);
	return -1;
}

typedef struct ctlsum {
	int64_t values, hits, oldest;
} ctlsum;

static void ctl_row(void *arg, size_t group, size_t fill, int64_t values, int64_t hits, int64_t oldest)
{
	assert_int_equal(group, 0);
	assert_true(fill < 2);
	ctlsum *s = arg;
	s[fill] = (ctlsum){values, hits, oldest};
}

static void test_hitcount(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "hits.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	size_t fr = fill_index(&t, "regisseur.id");
	long long a = pg_int("SELECT min(regie) FROM film");
	long long b = pg_int("SELECT max(regie) FROM film");
	char va[32], vb[32];
	snprintf(va, sizeof(va), "%lld", a);
	snprintf(vb, sizeof(vb), "%lld", b);
	assert_int_equal(fill_run_one(fd, 0, fr, va, &err), FILL_OK);
	assert_int_equal(fill_run_one(fd, 0, fr, vb, &err), FILL_OK);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT loaded_at FROM cbcache_ctl_regisseur_id WHERE value = %lld", a);
	long long loaded_a = lite_int(db, sql);

	hitcount_settings hs = {16, 0};
	hitcount *h = hitcount_create(db, &hs, &err);
	assert_non_null(h);
	int e_id = entry_index(t.g[0], "regisseur", "id");
	int e_regie = entry_index(t.g[0], "film", "regie");
	/* three hits on a directly, two through film.regie (the back-path) */
	assert_true(hitcount_post(h, 0, (size_t)e_id, va));
	assert_true(hitcount_post(h, 0, (size_t)e_id, va));
	assert_true(hitcount_post(h, 0, (size_t)e_id, va));
	assert_true(hitcount_post(h, 0, (size_t)e_regie, va));
	assert_true(hitcount_post(h, 0, (size_t)e_regie, va));
	/* a film id of b's: the back-path film.id -> regisseur */
	snprintf(sql, sizeof(sql), "SELECT min(id) FROM film WHERE regie = %lld", b);
	char vf[32];
	snprintf(vf, sizeof(vf), "%lld", pg_int(sql));
	assert_true(hitcount_post(h, 0, (size_t)entry_index(t.g[0], "film", "id"), vf));
	/* the ring holds 16: the rest overflows, counted, never blocking */
	int dropped = 0;
	for (int i = 0; i < 20; i++)
		dropped += !hitcount_post(h, 0, (size_t)e_id, "999999");
	assert_int_equal(dropped, 10);
	assert_int_equal(hitcount_dropped(h), 10);
	assert_true(hitcount_flush(h, &err));
	snprintf(sql, sizeof(sql), "SELECT hits FROM cbcache_ctl_regisseur_id WHERE value = %lld", a);
	assert_int_equal(lite_int(db, sql), 5);
	snprintf(sql, sizeof(sql), "SELECT hits FROM cbcache_ctl_regisseur_id WHERE value = %lld", b);
	assert_int_equal(lite_int(db, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT last_access FROM cbcache_ctl_regisseur_id WHERE value = %lld", a);
	assert_true(lite_int(db, sql) >= loaded_a);
	assert_int_equal(atomic_load(&hitcount_get_stats(h)->applied), 16);
	/* the thread flushes on its own */
	assert_true(hitcount_start(h, &err));
	assert_true(hitcount_post(h, 0, (size_t)e_id, vb));
	snprintf(sql, sizeof(sql), "SELECT hits FROM cbcache_ctl_regisseur_id WHERE value = %lld", b);
	int64_t deadline = mono_ms() + 10000;
	while (lite_int(db, sql) != 2 && mono_ms() < deadline)
		usleep(10000);
	assert_int_equal(lite_int(db, sql), 2);
	hitcount_free(h);
	/* SHOW CONTROLS */
	cachedb_conn *cc = NULL;
	assert_true(cachedb_conn_open(db, &cc, &err));
	ctlsum sum[2] = {{0, 0, 0}, {0, 0, 0}};
	assert_true(control_summary(cc, ctl_row, sum, &err));
	cachedb_conn_close(cc);
	assert_int_equal(sum[fr].values, 2);
	assert_int_equal(sum[fr].hits, 7);
	/* a was last used in the first batch, b after it */
	snprintf(sql, sizeof(sql), "SELECT last_access FROM cbcache_ctl_regisseur_id WHERE value = %lld", a);
	assert_int_equal(sum[fr].oldest, lite_int(db, sql));
	assert_true(sum[fr].oldest > loaded_a);
	assert_int_equal(sum[1 - fr].values, 0);
	assert_int_equal(check_cache(db, NULL), 0);
	fill_free(fd);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
}

/* --- fingerprint ---------------------------------------------------------------------------------- */

static void test_fingerprint(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "fp.db");
	fill_daemon *fd = new_fill(db);
	cb_error err = {{0}};
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), "5", &err), FILL_OK);
	fill_free(fd);
	char path[1024];
	snprintf(path, sizeof(path), "%s", cachedb_path(db));
	cachedb_close(db);
	/* same groups: kept */
	cachedb_settings s = {.path = path};
	char *why = NULL;
	assert_true(cachedb_open(&s, t.g, t.n, &db, &why, &err));
	assert_null(why);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 1);
	cachedb_close(db);
	/* another definition: rebuilt, and the reason says so */
	tgroups h = compile_groups("examples/cachegroups/homogeneous.cg");
	assert_true(cachedb_open(&s, h.g, h.n, &db, &why, &err));
	assert_non_null(why);
	assert_non_null(strstr(why, "changed"));
	free(why);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'film'"), 0);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM cbcache_ctl_regisseur_id"), 0);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM regisseur"), 0);
	cachedb_close(db);
	/* a backend column type changed: rebuilt */
	exec_ok("ALTER TABLE ort ALTER COLUMN name TYPE varchar(200)");
	tgroups h2 = compile_groups("examples/cachegroups/homogeneous.cg");
	exec_ok("ALTER TABLE ort ALTER COLUMN name TYPE text");
	assert_true(cachedb_open(&s, h2.g, h2.n, &db, &why, &err));
	assert_non_null(why);
	free(why);
	cachedb_close(db);
	cg_groups_free(h2.g, h2.n);
	cg_groups_free(h.g, h.n);
	cg_groups_free(t.g, t.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fill_closure),
	        cmocka_unit_test(test_checker_detects),
	        cmocka_unit_test(test_zones_valid),
	        cmocka_unit_test(test_backend_killed),
	        cmocka_unit_test(test_refused_and_complete),
	        cmocka_unit_test(test_queue_threaded),
	        cmocka_unit_test(test_hitcount),
	        cmocka_unit_test(test_fingerprint),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
