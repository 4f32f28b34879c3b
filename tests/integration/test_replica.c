/*
 * test_replica.c - the cache as a replica (src/replica.c, cache/apply.c)
 * on a throwaway PostgreSQL: the fill/write race made certain by a hook.
 *
 * The race: a fill reads a value's closure from a snapshot and installs
 * it later; a write committed after the snapshot reaches the applier
 * through the stream.  Had the applier applied it before the install
 * (dropping rows of a value not yet loaded), the install would put the
 * snapshot's old rows back, and nothing would ever correct them.  The
 * fill holds the cache write lock from before its snapshot until its rows
 * and control row are installed; the applier takes the same lock for each
 * transaction, so the write is applied after the install, to rows that
 * are then cached.
 *
 * The hook runs between the fill's read (its backend transaction has
 * committed) and its install: it commits the write on the backend and
 * waits until the stream has decoded the write's first message, i.e. the
 * applier holds the write in hand and is waiting for the lock.  Then the
 * install runs; after the applier passed the write, the cache must equal
 * the backend's closure and the checker must find nothing.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "src/replica.h"
#include "tests/integration/cache_testutil.h"

#define WAIT_MS 20000

typedef struct race {
	replica *rep;
	char sql[1024];
	int calls;
	uint64_t messages_before, messages_after;
	bool decoded; /* the stream decoded the write while the fill held the lock */
} race;

static void wait_fences_down(replica *r)
{
	int64_t deadline = mono_ms() + WAIT_MS;
	while (replica_fences(r) > 0) {
		if (mono_ms() > deadline)
			fail_msg("the change stream did not pass its fences within %d ms", WAIT_MS);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

static void race_hook(void *arg, fill_hook_point p, size_t group, size_t zone)
{
	(void)group;
	(void)zone;
	race *rc = arg;
	if (p != FILL_HOOK_ZONE || rc->calls++ > 0)
		return;
	replica_counters c;
	replica_get_counters(rc->rep, &c);
	rc->messages_before = c.messages;
	exec_ok(rc->sql); /* one transaction, committed after the fill's snapshot */
	int64_t deadline = mono_ms() + WAIT_MS;
	for (;;) {
		replica_get_counters(rc->rep, &c);
		if (c.messages > rc->messages_before)
			break;
		if (mono_ms() > deadline)
			return; /* decoded stays false: the test fails below */
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	rc->messages_after = c.messages;
	/* the applier has the write's Begin and waits for the lock this fill holds */
	rc->decoded = c.applied_lsn < c.received_lsn;
}

static replica *start_replica(cachedb *db, invalidate *inv, const char *instance, xidwatch *xids)
{
	replica_settings rs = {.conninfo = conninfo,
	                       .instance = instance,
	                       .db = db,
	                       .inv = inv,
	                       .max_lag_ms = 5000,
	                       .apply_batch = 256,
	                       .xids = xids};
	cb_error err = {{0}};
	replica *r = replica_start(&rs, &err);
	if (r == NULL)
		fail_msg("replica_start: %s", err.msg);
	wait_fences_down(r); /* the start-up fence: caught up */
	return r;
}

static void drop_instance(const char *instance)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT pg_drop_replication_slot('cbcache_%s')", instance);
	exec_ok(sql);
	snprintf(sql, sizeof(sql), "DROP PUBLICATION cbcache_%s", instance);
	exec_ok(sql);
}

/* The rows of query sql, one text per row (columns joined by |), sorted; from PostgreSQL or the cache. */
static char *rows_text(PGresult *res)
{
	size_t cap = 1 << 16, used = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	for (int i = 0; i < PQntuples(res); i++)
		for (int c = 0; c < PQnfields(res); c++) {
			const char *v = PQgetisnull(res, i, c) ? "\\N" : PQgetvalue(res, i, c);
			used += (size_t)snprintf(out + used, cap - used, "%s%s", v,
			                         c + 1 < PQnfields(res) ? "|" : "\n");
			assert_true(used < cap);
		}
	return out;
}

static char *lite_text(cachedb *db, const char *sql)
{
	sqlite3 *lite;
	sqlite3_stmt *st = lite_prepare(db, sql, &lite);
	size_t cap = 1 << 16, used = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			used += (size_t)snprintf(out + used, cap - used, "%s%s", v ? v : "\\N",
			                         c + 1 < sqlite3_column_count(st) ? "|" : "\n");
			assert_true(used < cap);
		}
	sqlite3_finalize(st);
	sqlite3_close(lite);
	return out;
}

static void assert_same(cachedb *db, const char *pg_sql, const char *lite_sql)
{
	PGresult *res = PQexec(conn, pg_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", pg_sql, PQerrorMessage(conn));
	char *want = rows_text(res);
	PQclear(res);
	char *got = lite_text(db, lite_sql);
	if (strcmp(want, got) != 0) {
		size_t i = 0, line = 0;
		while (want[i] != '\0' && want[i] == got[i])
			if (want[i++] == '\n')
				line = i;
		fail_msg("the cache differs from PostgreSQL: %s\n  PostgreSQL: %.200s\n  cache:      %.200s", pg_sql,
		         want + line, got + line);
	}
	free(want);
	free(got);
}

static void test_fill_write_race(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "race.db");
	cb_error err = {{0}};
	invalidate *inv = invalidate_create(db, &err);
	assert_non_null(inv);
	fill_daemon *fd = new_fill(db);
	race rc = {0};
	rc.rep = start_replica(db, inv, "t_race", NULL);

	long long v =
	        pg_int("SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie HAVING count(*) BETWEEN 3 AND 8 "
	               "ORDER BY regie LIMIT 1");
	long long f1 = pg_int("SELECT min(id) FROM film WHERE regie = (SELECT regie FROM film WHERE regie IS NOT NULL "
	                      "GROUP BY regie HAVING count(*) BETWEEN 3 AND 8 ORDER BY regie LIMIT 1)");
	long long fnew = pg_int("SELECT max(id) + 1 FROM film");
	/* an update of the filled row, of a row of its closure, an insert into the closure, a delete from it */
	snprintf(rc.sql, sizeof(rc.sql),
	         "BEGIN; UPDATE regisseur SET nname = 'raced' WHERE id = %lld; "
	         "UPDATE film SET titel = 'raced title' WHERE id = %lld; "
	         "INSERT INTO film (id, titel, regie, geaendert) VALUES (%lld, 'raced insert', %lld, now()); "
	         "DELETE FROM darst_film WHERE fid = %lld; COMMIT",
	         v, f1, fnew, v, f1);
	fill_set_hook(fd, race_hook, &rc);

	char val[32];
	snprintf(val, sizeof(val), "%lld", v);
	assert_int_equal(fill_run_one(fd, 0, fill_index(&t, "regisseur.id"), val, &err), FILL_OK);
	assert_int_equal(rc.calls > 0, 1);
	assert_true(rc.messages_after > rc.messages_before);
	assert_true(rc.decoded);
	/* the fill installed the snapshot (without the write): the applier brings the write */
	replica_fence_all(rc.rep);
	wait_fences_down(rc.rep);

	char pg_sql[512], lite_sql[512];
	snprintf(pg_sql, sizeof(pg_sql), "SELECT id, nname FROM regisseur WHERE id = %lld", v);
	snprintf(lite_sql, sizeof(lite_sql), "SELECT id, nname FROM regisseur WHERE id = %lld", v);
	assert_same(db, pg_sql, lite_sql);
	snprintf(pg_sql, sizeof(pg_sql), "SELECT id, titel FROM film WHERE regie = %lld ORDER BY id", v);
	snprintf(lite_sql, sizeof(lite_sql), "SELECT id, titel FROM film WHERE regie = %lld ORDER BY id", v);
	assert_same(db, pg_sql, lite_sql);
	snprintf(pg_sql, sizeof(pg_sql),
	         "SELECT fid, did FROM darst_film WHERE fid IN (SELECT id FROM film WHERE regie = %lld) ORDER BY 1, 2",
	         v);
	snprintf(lite_sql, sizeof(lite_sql),
	         "SELECT fid, did FROM darst_film WHERE fid IN (SELECT id FROM film WHERE regie = %lld) ORDER BY 1, 2",
	         v);
	assert_same(db, pg_sql, lite_sql);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM regisseur WHERE nname = 'raced'"), 1);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM film WHERE titel IN ('raced title', 'raced insert')"), 2);
	assert_int_equal(check_cache(db, NULL), 0);

	replica_stop(rc.rep);
	fill_free(fd);
	invalidate_free(inv);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
	drop_instance("t_race");
}

/* Whether conn's query in flight has finished (its result is waiting); fails the test when the connection broke. */
static bool query_done(PGconn *c)
{
	if (!PQconsumeInput(c))
		fail_msg("the writer's connection broke: %s", PQerrorMessage(c));
	return !PQisBusy(c);
}

/* The result of c's query in flight, which must be a success. */
static void finish_query(PGconn *c)
{
	PGresult *res;
	while ((res = PQgetResult(c)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			fail_msg("the writer's COMMIT failed: %s", PQerrorMessage(c));
		PQclear(res);
	}
}

/*
 * The converse race: a transaction the applier has applied that a fill's
 * new snapshot does not show yet.  PostgreSQL makes a commit durable
 * before it makes it visible; a commit waiting for a synchronous standby
 * sits in between, decodable by the stream and invisible to snapshots.
 * A standby that never answers (synchronous_standby_names naming nobody)
 * keeps the writer there as long as the test wants.  With the applier
 * past the write, a fill must not install the rows of its snapshot (the
 * old name, which nothing would ever correct); it fails, and succeeds once
 * the commit is visible.
 */
static void test_applied_before_visible(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "visible.db");
	cb_error err = {{0}};
	invalidate *inv = invalidate_create(db, &err);
	assert_non_null(inv);
	xidwatch *w = xidwatch_new();
	assert_non_null(w);
	fill_daemon *fd = new_fill_watched(db, w);
	replica *rep = start_replica(db, inv, "t_visible", w);
	long long v = pg_int("SELECT min(id) FROM regisseur");
	char val[32];
	snprintf(val, sizeof(val), "%lld", v);
	size_t fill = fill_index(&t, "regisseur.id");

	exec_ok("ALTER SYSTEM SET synchronous_standby_names = 'cb_nobody'");
	exec_ok("SELECT pg_catalog.pg_reload_conf()");
	PGconn *wr = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(wr), CONNECTION_OK);
	char sql[256], pid[16];
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(wr));
	/* until a commit waits for the standby (the server reads the reload in its own time) */
	int64_t deadline = mono_ms() + WAIT_MS;
	bool waiting = false;
	for (int n = 0; !waiting; n++) {
		if (mono_ms() > deadline)
			fail_msg("no commit waited for the synchronous standby within %d ms", WAIT_MS);
		snprintf(
		        sql, sizeof(sql),
		        "BEGIN; SET LOCAL synchronous_commit = on; UPDATE regisseur SET nname = 'unseen %d' WHERE id = "
		        "%lld",
		        n, v);
		PQclear(PQexec(wr, sql));
		assert_int_equal(PQtransactionStatus(wr), PQTRANS_INTRANS);
		assert_true(PQsendQuery(wr, "COMMIT"));
		for (;;) {
			if (query_done(wr)) {
				finish_query(wr); /* it did not wait: the setting is not read yet */
				break;
			}
			const char *params[1] = {pid};
			PGresult *res =
			        PQexecParams(conn,
			                     "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = $1::int "
			                     "AND wait_event = 'SyncRep'",
			                     1, NULL, params, NULL, NULL, 0);
			waiting = PQresultStatus(res) == PGRES_TUPLES_OK && strcmp(PQgetvalue(res, 0, 0), "1") == 0;
			PQclear(res);
			if (waiting)
				break;
		}
	}
	/* the applier applied it (it notes the xid under the cache write lock, after the changes) */
	while (xidwatch_pending(w) == 0) {
		if (mono_ms() > deadline)
			fail_msg("the change stream did not apply the waiting commit within %d ms", WAIT_MS);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	assert_false(query_done(wr)); /* still invisible */
	fill_result fr = fill_run_one(fd, 0, fill, val, &err);
	if (fr != FILL_FAILED || strstr(err.msg, "do not show it yet") == NULL)
		fail_msg("a fill during the invisible commit: result %d, \"%s\"", (int)fr, err.msg);
	assert_int_equal(lite_int(db, "SELECT count(*) FROM regisseur"), 0);

	exec_ok("ALTER SYSTEM RESET synchronous_standby_names");
	exec_ok("SELECT pg_catalog.pg_reload_conf()");
	finish_query(wr); /* the waiter goes on once the server has read the reset */
	PQfinish(wr);
	assert_int_equal(fill_run_one(fd, 0, fill, val, &err), FILL_OK);
	snprintf(sql, sizeof(sql), "SELECT id, nname FROM regisseur WHERE id = %lld", v);
	assert_int_equal(xidwatch_pending(w), 0);
	char lite_sql[256];
	snprintf(lite_sql, sizeof(lite_sql), "SELECT id, nname FROM regisseur WHERE id = %lld", v);
	assert_same(db, sql, lite_sql);
	assert_int_equal(check_cache(db, NULL), 0);

	replica_stop(rep);
	fill_free(fd);
	xidwatch_free(w);
	invalidate_free(inv);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
	drop_instance("t_visible");
}

/* The source position of table name of group 0 (src/replica.h), after waiting until it is not before. */
static uint64_t position_of(replica *rep, const tgroups *t, const char *name)
{
	int i = cg_model_find_table(t->g[0], NULL, name);
	assert_true(i >= 0);
	uint64_t tables[1] = {(uint64_t)1 << i}, pos = 0;
	assert_true(replica_source_position(rep, tables, 1, &pos));
	return pos;
}

/*
 * Source positions, for the memo of backend answers: a transaction the
 * applier applies advances the position of every table it changed, rows
 * the cache holds or not (the cache is empty here), once, and no other
 * table's; replica_settled() says yes once a snapshot shows the applied
 * transactions (the sync thread takes one when asked).
 */
static void test_source_positions(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "positions.db");
	cb_error err = {{0}};
	invalidate *inv = invalidate_create(db, &err);
	assert_non_null(inv);
	xidwatch *w = xidwatch_new();
	assert_non_null(w);
	replica *rep = start_replica(db, inv, "t_positions", w);
	uint64_t film = position_of(rep, &t, "film"), reg = position_of(rep, &t, "regisseur"),
	         ort = position_of(rep, &t, "ort");

	exec_ok("BEGIN; UPDATE film SET titel = titel || '.' WHERE id = (SELECT min(id) FROM film); "
	        "UPDATE ort SET name = name || '.' WHERE plz = (SELECT min(plz) FROM ort); COMMIT");
	int64_t deadline = mono_ms() + WAIT_MS;
	while (position_of(rep, &t, "film") == film) {
		if (mono_ms() > deadline)
			fail_msg("the film table's source position did not advance within %d ms", WAIT_MS);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(position_of(rep, &t, "film"), film + 1);
	assert_int_equal(position_of(rep, &t, "ort"), ort + 1); /* the same transaction */
	assert_int_equal(position_of(rep, &t, "regisseur"), reg);
	int i = cg_model_find_table(t.g[0], NULL, "film"), j = cg_model_find_table(t.g[0], NULL, "ort");
	uint64_t both[1] = {((uint64_t)1 << i) | ((uint64_t)1 << j)}, none[1] = {0}, pos = 0, epoch = 0;
	assert_true(replica_source_position(rep, both, 1, &pos));
	assert_true(replica_source_position(rep, none, 1, &epoch));
	assert_int_equal(pos, film + 1 + ort + 1 - epoch); /* each position counts the epoch once */

	/* the applied transaction is noted until a snapshot shows it: the sync thread takes one when asked */
	deadline = mono_ms() + WAIT_MS;
	while (!replica_settled(rep)) {
		if (mono_ms() > deadline)
			fail_msg("replica_settled() did not say yes within %d ms (pending %zu)", WAIT_MS,
			         xidwatch_pending(w));
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(xidwatch_pending(w), 0);
	replica_counters c;
	replica_get_counters(rep, &c);
	assert_true(c.settle_checks >= 1);

	replica_stop(rep);
	xidwatch_free(w);
	invalidate_free(inv);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
	drop_instance("t_positions");
}

/*
 * A flood of fences (a process past its commit wait asks for one per
 * commit): the newest fence not yet positioned takes the next ones in, so
 * there are at most as many entries as sync rounds ran meanwhile, plus one;
 * and every one of them falls once the stream passes a sync after it.
 */
static void test_fence_flood(void **state)
{
	(void)state;
	tgroups t = compile_groups("examples/movies/movies.cg");
	cachedb *db = open_cache(&t, "flood.db");
	cb_error err = {{0}};
	invalidate *inv = invalidate_create(db, &err);
	assert_non_null(inv);
	replica *rep = start_replica(db, inv, "t_flood", NULL);
	replica_counters c0, c1;
	replica_get_counters(rep, &c0);
	for (int i = 0; i < 1000; i++) {
		if (i % 2 == 0)
			replica_fence_all(rep);
		else
			replica_fence(rep, 0, (uint64_t)1 << (i % 3));
	}
	size_t up = replica_fences(rep);
	replica_get_counters(rep, &c1);
	assert_int_equal(c1.fences_made - c0.fences_made, 1000);
	if (up > c1.syncs - c0.syncs + 1 || up >= 1000)
		fail_msg("%zu fences up after 1000 fences and %llu sync rounds", up,
		         (unsigned long long)(c1.syncs - c0.syncs));
	/* an entry is made only when the newest one was positioned by a sync round (or none was up); entries
	 * that fell meanwhile are not in up, so the bound is on the entries made, not on up */
	uint64_t entries = 1000 - (c1.fences_coalesced - c0.fences_coalesced);
	if (entries > c1.syncs - c0.syncs + 1)
		fail_msg("%llu entries made for 1000 fences in %llu sync rounds", (unsigned long long)entries,
		         (unsigned long long)(c1.syncs - c0.syncs));
	assert_true(replica_fenced(rep, 0, 0));
	wait_fences_down(rep);
	assert_false(replica_fenced(rep, 0, 0));
	replica_stop(rep);
	invalidate_free(inv);
	cachedb_close(db);
	cg_groups_free(t.g, t.n);
	drop_instance("t_flood");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fill_write_race),
	        cmocka_unit_test(test_applied_before_visible),
	        cmocka_unit_test(test_source_positions),
	        cmocka_unit_test(test_fence_flood),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
