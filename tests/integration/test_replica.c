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

static replica *start_replica(cachedb *db, invalidate *inv, const char *instance)
{
	replica_settings rs = {.conninfo = conninfo, .instance = instance, .db = db, .inv = inv, .max_lag_ms = 5000};
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
	rc.rep = start_replica(db, inv, "t_race");

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fill_write_race),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
