/*
 * Integration test of the change stream's reading side (src/stream.c)
 * inside tests/harness/with-pg.sh (PostgreSQL with wal_level=logical).
 * A recording consumer turns every callback into a line ("I st_a
 * 1|eins|\N|\N", "C", ...); the tests write on the backend and wait (on
 * the recorder's condition variable, with a deadline that fails the test)
 * for the lines they expect:
 *   - INSERT/UPDATE (old key when the key changes, unchanged TOAST)/
 *     DELETE/TRUNCATE (options) arrive in commit order with their values;
 *   - rolled back transactions and savepoints never arrive;
 *   - ALTER TABLE ADD COLUMN gives a changed Relation before the next row;
 *   - pg_logical_emit_message arrives inside its transaction (or outside
 *     any when not transactional);
 *   - a restart from the confirmed position resends nothing confirmed and
 *     loses nothing written while stopped; what was not applied comes again;
 *   - the stream reconnects after pg_terminate_backend of its walsender,
 *     and after a consumer refused a message, which then comes again;
 *   - a dropped slot and an invalidated one (max_slot_wal_keep_size) are
 *     reported as lost, and set up again (by the caller, or by the thread);
 *   - quiet published tables do not hold the WAL (keepalive confirmation);
 *   - the thread stops promptly while streaming and while backing off;
 *   - stream_setup creates and changes the publication, stream_check names
 *     what a role or table lacks with the statement to fix it, stream_drop
 *     removes slot and publication.
 * It prints the rows per second the stream delivers for one large
 * transaction and for many small ones.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tests/integration/pg_testutil.h"

#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/sb.h"
#include "src/stream.h"

#define WAIT_MS 20000

/* ---- the backend ---------------------------------------------------------------------- */

static CB_PRINTF(1, 2) void sql(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	PGresult *res = PQexec(conn, buf);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		print_error("%s\n%s", buf, PQerrorMessage(conn));
		PQclear(res);
		fail();
	}
	PQclear(res);
}

/* One text value (a query returning one row), into buf. */
static const char *pg_text(const char *query, char *buf, size_t n)
{
	PGresult *res = PQexec(conn, query);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		print_error("%s\n%s", query, PQerrorMessage(conn));
		PQclear(res);
		fail();
	}
	snprintf(buf, n, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return buf;
}

static pgoutput_lsn lsn_of(const char *text)
{
	unsigned hi, lo;
	if (sscanf(text, "%X/%X", &hi, &lo) != 2)
		return 0;
	return (pgoutput_lsn)hi << 32 | lo;
}

/* The slot's confirmed position (0 when it does not exist). */
static pgoutput_lsn slot_confirmed(const char *instance)
{
	char q[256], buf[64];
	snprintf(q, sizeof(q),
	         "SELECT coalesce((SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = "
	         "'cbcache_%s'), '0/0')",
	         instance);
	return lsn_of(pg_text(q, buf, sizeof(buf)));
}

/* ---- the recording consumer ---------------------------------------------------------------- */

typedef struct recorder {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char **ev;
	size_t n, cap;
	pgoutput_lsn *ends; /* end_lsn of each Commit, in order */
	size_t nends, capends;
	stream *st;
	bool apply;     /* on_commit: stream_set_applied(end_lsn), as a consumer after its SQLite COMMIT */
	bool skip_same; /* record no Relation message that repeats a known definition */
	int refuse;     /* refuse this many Insert messages */
	bool in_txn;
	int connected, disconnected, lost, created;
	uint64_t rows; /* Insert messages taken */
} recorder;

/* A recorder on the heap: a failed test leaves it to the stream thread it
 * feeds until the tear-down stops that thread. */
static recorder *rec_new(bool apply)
{
	recorder *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->apply = apply;
	return r;
}

static void rec_free(recorder *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->ev[i]);
	free(r->ev);
	free(r->ends);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* Append an event (under the lock) and wake the waiters. */
static void rec_add(recorder *r, const char *text)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->ev = realloc(r->ev, r->cap * sizeof(char *));
		assert_non_null(r->ev);
	}
	r->ev[r->n] = strdup(text);
	assert_non_null(r->ev[r->n]);
	r->n++;
	pthread_cond_broadcast(&r->cv);
}

static void put_tuple(cb_sb *sb, const pgoutput_tuple *t)
{
	for (uint16_t i = 0; i < t->ncols; i++) {
		const pgoutput_value *v = &t->cols[i];
		if (i > 0)
			cb_sb_put(sb, "|");
		if (v->kind == PGOUTPUT_COL_NULL)
			cb_sb_put(sb, "\\N");
		else if (v->kind == PGOUTPUT_COL_UNCHANGED)
			cb_sb_put(sb, "\\U");
		else if (v->len > 40)
			cb_sb_printf(sb, "<%u bytes>", v->len);
		else
			cb_sb_putn(sb, v->data, v->len);
	}
}

static void rec_line(recorder *r, cb_sb *sb)
{
	char *s = cb_sb_finish(sb);
	assert_non_null(s);
	pthread_mutex_lock(&r->mu);
	rec_add(r, s);
	pthread_mutex_unlock(&r->mu);
	free(s);
}

static bool rec_connected(void *arg, const stream_connected *c)
{
	recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	r->connected++;
	r->in_txn = false;
	if (c->slot_created)
		r->created++;
	rec_add(r, c->slot_created ? "connected (new slot)" : "connected");
	pthread_mutex_unlock(&r->mu);
	return true;
}

static void rec_disconnected(void *arg, const char *reason)
{
	recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	r->disconnected++;
	r->in_txn = false;
	rec_add(r, "disconnected");
	pthread_mutex_unlock(&r->mu);
	(void)reason;
}

static void rec_slot_lost(void *arg, const char *reason)
{
	recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	r->lost++;
	char line[600];
	snprintf(line, sizeof(line), "slot lost: %s", reason);
	rec_add(r, line);
	pthread_mutex_unlock(&r->mu);
}

static bool rec_begin(void *arg, const pgoutput_begin *m)
{
	recorder *r = arg;
	assert_true(m->final_lsn != 0);
	pthread_mutex_lock(&r->mu);
	r->in_txn = true;
	rec_add(r, "B");
	pthread_mutex_unlock(&r->mu);
	return true;
}

static bool rec_commit(void *arg, const pgoutput_commit *m)
{
	recorder *r = arg;
	assert_true(m->end_lsn > m->commit_lsn);
	pthread_mutex_lock(&r->mu);
	r->in_txn = false;
	if (r->nends == r->capends) {
		r->capends = r->capends ? r->capends * 2 : 256;
		r->ends = realloc(r->ends, r->capends * sizeof(pgoutput_lsn));
		assert_non_null(r->ends);
	}
	r->ends[r->nends++] = m->end_lsn;
	/* applied before "C" is recorded: a test that saw "C" may read stream_applied() */
	if (r->apply)
		stream_set_applied(r->st, m->end_lsn);
	rec_add(r, "C");
	pthread_mutex_unlock(&r->mu);
	return true;
}

static bool rec_relation(void *arg, const pgoutput_relmsg *m)
{
	recorder *r = arg;
	/* the server sends a Relation again after any invalidation of its cache entry, e.g. a TRUNCATE */
	if (m->change == PGOUTPUT_REL_SAME && r->skip_same)
		return true;
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_printf(&sb, "R %s.%s %s %u", m->rel->nspname, m->rel->relname,
	             m->change == PGOUTPUT_REL_NEW    ? "new"
	             : m->change == PGOUTPUT_REL_SAME ? "same"
	                                              : "changed",
	             m->rel->ncols);
	rec_line(arg, &sb);
	return true;
}

static bool rec_insert(void *arg, const pgoutput_insert *m, pgoutput_lsn lsn)
{
	recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	bool refuse = r->refuse > 0;
	if (refuse) {
		r->refuse--;
		rec_add(r, "refused");
	} else {
		r->rows++;
	}
	pthread_mutex_unlock(&r->mu);
	if (refuse)
		return false;
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_printf(&sb, "I %s ", m->rel->relname);
	put_tuple(&sb, &m->newtup);
	rec_line(r, &sb);
	(void)lsn;
	return true;
}

static bool rec_update(void *arg, const pgoutput_update *m, pgoutput_lsn lsn)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_printf(&sb, "U %s ", m->rel->relname);
	if (m->old_kind != 0) {
		cb_sb_printf(&sb, "%c ", m->old_kind);
		put_tuple(&sb, &m->oldtup);
		cb_sb_put(&sb, " -> ");
	}
	put_tuple(&sb, &m->newtup);
	rec_line(arg, &sb);
	(void)lsn;
	return true;
}

static bool rec_delete(void *arg, const pgoutput_delete *m, pgoutput_lsn lsn)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_printf(&sb, "D %s %c ", m->rel->relname, m->old_kind);
	put_tuple(&sb, &m->oldtup);
	rec_line(arg, &sb);
	(void)lsn;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool rec_truncate(void *arg, const pgoutput_truncate *m, pgoutput_lsn lsn)
{
	const char *names[16];
	assert_true(m->nrels <= 16);
	for (uint32_t i = 0; i < m->nrels; i++)
		names[i] = m->rels[i]->relname;
	qsort(names, m->nrels, sizeof(char *), cmp_str);
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "T ");
	for (uint32_t i = 0; i < m->nrels; i++)
		cb_sb_printf(&sb, "%s%s", i ? "," : "", names[i]);
	cb_sb_printf(&sb, " %s%s", m->options & PGOUTPUT_TRUNCATE_CASCADE ? "cascade" : "-",
	             m->options & PGOUTPUT_TRUNCATE_RESTART_IDENTITY ? " restart" : "");
	rec_line(arg, &sb);
	(void)lsn;
	return true;
}

static bool rec_message(void *arg, const pgoutput_message *m)
{
	recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	bool in = r->in_txn;
	pthread_mutex_unlock(&r->mu);
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_printf(&sb, "M %s %s ", m->transactional ? "t" : "f", m->prefix);
	cb_sb_putn(&sb, m->content, m->len);
	cb_sb_put(&sb, in ? " (in a transaction)" : " (outside)");
	rec_line(r, &sb);
	return true;
}

static const stream_consumer recording = {
        .on_connected = rec_connected,
        .on_disconnected = rec_disconnected,
        .on_slot_lost = rec_slot_lost,
        .on_begin = rec_begin,
        .on_commit = rec_commit,
        .on_relation = rec_relation,
        .on_insert = rec_insert,
        .on_update = rec_update,
        .on_delete = rec_delete,
        .on_truncate = rec_truncate,
        .on_message = rec_message,
};

/* The index of the first event at or after from containing text; fails after WAIT_MS. */
static size_t wait_event(recorder *r, size_t from, const char *text)
{
	int64_t deadline = cb_clock_mono_us() + (int64_t)WAIT_MS * 1000;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		for (size_t i = from; i < r->n; i++)
			if (strstr(r->ev[i], text) != NULL) {
				pthread_mutex_unlock(&r->mu);
				return i;
			}
		from = r->n > from ? r->n : from;
		if (cb_clock_mono_us() >= deadline)
			break;
		struct timespec ts = cb_clock_timespec(deadline);
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  event %zu: %s\n", i, r->ev[i]);
	pthread_mutex_unlock(&r->mu);
	fail_msg("no event \"%s\" within %d ms", text, WAIT_MS);
	return 0;
}

/* Wait until a stream counter reaches want (the stream thread updates it after a callback). */
static void wait_stat(const _Atomic uint64_t *counter, uint64_t want, const char *what)
{
	int64_t deadline = cb_clock_mono_us() + (int64_t)WAIT_MS * 1000;
	while (atomic_load(counter) < want) {
		if (cb_clock_mono_us() >= deadline)
			fail_msg("%s: %llu, expected >= %llu within %d ms", what,
			         (unsigned long long)atomic_load(counter), (unsigned long long)want, WAIT_MS);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

/* Wait until *counter (under the recorder's lock) reaches want. */
static void wait_count(recorder *r, const int *counter, int want, const char *what)
{
	int64_t deadline = cb_clock_mono_us() + (int64_t)WAIT_MS * 1000;
	pthread_mutex_lock(&r->mu);
	while (*counter < want && cb_clock_mono_us() < deadline) {
		struct timespec ts = cb_clock_timespec(deadline);
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	int got = *counter;
	pthread_mutex_unlock(&r->mu);
	if (got < want)
		fail_msg("%s: %d, expected %d within %d ms", what, got, want, WAIT_MS);
}

/* Wait (checking every 20 ms) until cond(arg) holds; fails after WAIT_MS. */
static void wait_until(bool (*cond)(void *), void *arg, const char *what)
{
	int64_t deadline = cb_clock_mono_us() + (int64_t)WAIT_MS * 1000;
	while (!cond(arg)) {
		if (cb_clock_mono_us() >= deadline)
			fail_msg("%s: not within %d ms", what, WAIT_MS);
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* How many events contain text. */
static int count_events(recorder *r, const char *text)
{
	int n = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++)
		n += strstr(r->ev[i], text) != NULL;
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* The events from `from` on start with want[] (NULL-terminated); waits until there are enough. */
static void assert_events(recorder *r, size_t from, const char *const *want)
{
	size_t nwant = 0;
	while (want[nwant] != NULL)
		nwant++;
	int64_t deadline = cb_clock_mono_us() + (int64_t)WAIT_MS * 1000;
	pthread_mutex_lock(&r->mu);
	while (r->n < from + nwant && cb_clock_mono_us() < deadline) {
		struct timespec ts = cb_clock_timespec(deadline);
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	for (size_t i = 0; i < nwant; i++) {
		if (from + i >= r->n || strcmp(r->ev[from + i], want[i]) != 0) {
			for (size_t k = from; k < r->n; k++)
				fprintf(stderr, "  event %zu: %s\n", k, r->ev[k]);
			const char *got = from + i < r->n ? r->ev[from + i] : "(none)";
			pthread_mutex_unlock(&r->mu);
			fail_msg("event %zu is \"%s\", expected \"%s\"", from + i, got, want[i]);
		}
	}
	pthread_mutex_unlock(&r->mu);
}

/* ---- streams ---------------------------------------------------------------------------- */

static const stream_table tables_ab[] = {{"public", "st_a"}, {"public", "st_b"}};

static stream_settings settings(const char *instance, const stream_table *tables, size_t n)
{
	stream_settings s = {.conninfo = conninfo,
	                     .instance = instance,
	                     .tables = tables,
	                     .ntables = n,
	                     .status_interval_ms = 100,
	                     .backoff_min_ms = 50,
	                     .backoff_max_ms = 400};
	return s;
}

/* Streams started by start(): a failed test leaves them running; the tear-down stops them. */
static stream *live[8];

static void track(stream *st, stream *replaced)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(live); i++)
		if (live[i] == replaced) {
			live[i] = st;
			return;
		}
	fail_msg("more than %zu streams at once", CB_ARRAY_LEN(live));
}

/* Stop and free a stream of start(). */
static void finish(stream *st)
{
	track(NULL, st);
	stream_free(st);
}

static int stop_all(void **state)
{
	(void)state;
	for (size_t i = 0; i < CB_ARRAY_LEN(live); i++) {
		stream_free(live[i]);
		live[i] = NULL;
	}
	return 0;
}

/* A stream for s with consumer r, set up (info) and started from start_lsn. */
static stream *start(const stream_settings *s, recorder *r, pgoutput_lsn start_lsn, stream_setup_info *info)
{
	cb_error err = {{0}};
	stream_consumer c = recording;
	c.arg = r;
	stream *st = stream_new(s, &c, &err);
	if (st == NULL)
		fail_msg("stream_new: %s", err.msg);
	track(st, NULL);
	r->st = st;
	stream_setup_info local;
	if (!stream_setup(st, info != NULL ? info : &local, &err))
		fail_msg("stream_setup: %s", err.msg);
	if (!stream_start(st, start_lsn, &err))
		fail_msg("stream_start: %s", err.msg);
	return st;
}

static void drop_instance(const char *instance)
{
	stream_settings s = settings(instance, NULL, 0);
	bool slot, pub;
	cb_error err = {{0}};
	if (!stream_drop(&s, &slot, &pub, &err))
		fail_msg("stream_drop: %s", err.msg);
}

/* Stop st and say how long it took (ms). */
static double stop_ms(stream *st)
{
	int64_t t0 = cb_clock_mono_us();
	stream_stop(st);
	return (double)(cb_clock_mono_us() - t0) / 1000.0;
}

typedef struct slot_pos {
	const char *instance;
	pgoutput_lsn want;
} slot_pos;

static bool slot_reached(void *arg)
{
	const slot_pos *p = arg;
	return slot_confirmed(p->instance) >= p->want;
}

/* Wait until the slot of instance has confirmed at least want. */
static void wait_confirmed(const char *instance, pgoutput_lsn want)
{
	slot_pos p = {instance, want};
	wait_until(slot_reached, &p, "the slot's confirmed position");
}

static int setup_tables(void **state)
{
	if (pgt_setup(state) != 0)
		return -1;
	PGresult *res = PQexec(conn, "CREATE TABLE st_a (id int PRIMARY KEY, t text, n int, big text);"
	                             "ALTER TABLE st_a ALTER COLUMN big SET STORAGE EXTERNAL;"
	                             "CREATE TABLE st_b (id int PRIMARY KEY, v text);"
	                             "CREATE TABLE st_quiet (id int PRIMARY KEY, v text);"
	                             "CREATE TABLE st_other (id int PRIMARY KEY, v text)");
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "%s", PQerrorMessage(conn));
	PQclear(res);
	return ok ? 0 : -1;
}

/* ---- the tests ------------------------------------------------------------------------------ */

static void test_changes(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	r->skip_same = true;
	stream_settings s = settings("t_changes", tables_ab, 2);
	stream_setup_info info;
	stream *st = start(&s, r, 0, &info);
	assert_true(info.publication_created);
	assert_true(info.slot_created);
	assert_false(info.slot_was_lost);
	assert_true(info.slot_lsn != 0);
	assert_true(info.system_id[0] != '\0');
	assert_int_equal(info.timeline, 1);
	wait_count(r, &r->connected, 1, "connections");
	assert_int_equal(r->created, 1); /* the first on_connected says the slot is new */
	size_t from = r->n;

	sql("INSERT INTO st_a VALUES (1, 'eins', NULL, NULL)");
	sql("BEGIN; INSERT INTO st_a VALUES (2, 'zwei', 2, NULL); INSERT INTO st_a VALUES (3, 'drei', 3, ''); COMMIT");
	sql("UPDATE st_a SET t = 'one' WHERE id = 1");
	sql("UPDATE st_a SET id = 10 WHERE id = 3");
	sql("DELETE FROM st_a WHERE id = 2");
	sql("INSERT INTO st_a VALUES (4, 'gross', 0, repeat('x', 10000))");
	sql("UPDATE st_a SET n = 1 WHERE id = 4"); /* big stays in TOAST: unchanged */
	sql("TRUNCATE st_a, st_b RESTART IDENTITY");
	sql("TRUNCATE st_b CASCADE");
	sql("INSERT INTO st_b VALUES (999, 'ende')");
	wait_event(r, from, "I st_b 999|ende");
	static const char *const want[] = {"B",
	                                   "R public.st_a new 4",
	                                   "I st_a 1|eins|\\N|\\N",
	                                   "C",
	                                   "B",
	                                   "I st_a 2|zwei|2|\\N",
	                                   "I st_a 3|drei|3|",
	                                   "C",
	                                   "B",
	                                   "U st_a 1|one|\\N|\\N",
	                                   "C",
	                                   "B",
	                                   "U st_a K 3|\\N|\\N|\\N -> 10|drei|3|",
	                                   "C",
	                                   "B",
	                                   "D st_a K 2|\\N|\\N|\\N",
	                                   "C",
	                                   "B",
	                                   "I st_a 4|gross|0|<10000 bytes>",
	                                   "C",
	                                   "B",
	                                   "U st_a 4|gross|1|\\U",
	                                   "C",
	                                   "B",
	                                   "R public.st_b new 2",
	                                   "T st_a,st_b - restart",
	                                   "C",
	                                   "B",
	                                   "T st_b cascade",
	                                   "C",
	                                   "B",
	                                   "I st_b 999|ende",
	                                   "C",
	                                   NULL};
	assert_events(r, from, want);

	/* commit order: the end positions grow */
	pthread_mutex_lock(&r->mu);
	for (size_t i = 1; i < r->nends; i++)
		assert_true(r->ends[i] > r->ends[i - 1]);
	pgoutput_lsn last = r->ends[r->nends - 1];
	size_t commits = r->nends;
	pthread_mutex_unlock(&r->mu);

	const stream_stats *ss = stream_get_stats(st);
	/* the stream counts a transaction (and its received position) after on_commit returned */
	wait_stat(&ss->transactions, commits, "transactions");
	assert_true(commits >= 10);
	assert_true(atomic_load(&ss->messages) >= 33);
	assert_true(atomic_load(&ss->bytes) > 10000);
	assert_true(atomic_load(&ss->received_lsn) >= last);
	assert_true(atomic_load(&ss->server_wal_end) >= last);
	assert_true(cb_clock_now_us() - atomic_load(&ss->last_message_us) < 60 * 1000000LL);
	assert_int_equal(atomic_load(&ss->connects), 1);
	assert_int_equal(atomic_load(&ss->reconnects), 0);
	assert_int_equal(atomic_load(&ss->decode_errors), 0);
	assert_int_equal(stream_get_state(st), STREAM_STREAMING);
	assert_true(stream_applied(st) == last);
	/* the applied position reaches the server with the next status update */
	wait_confirmed("t_changes", last);
	assert_true(atomic_load(&ss->confirmed_lsn) >= last);
	assert_true(atomic_load(&ss->status_updates) >= 1);

	double ms = stop_ms(st);
	printf("# stop while streaming: %.1f ms\n", ms);
	assert_true(ms < 2000);
	assert_int_equal(stream_get_state(st), STREAM_STOPPED);
	finish(st);
	drop_instance("t_changes");
	rec_free(r);
}

static void test_rollback(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_rollback", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	size_t from = r->n;
	sql("BEGIN; INSERT INTO st_b VALUES (50, 'rolled back'); ROLLBACK");
	sql("BEGIN; INSERT INTO st_b VALUES (52, 'kept'); SAVEPOINT s; INSERT INTO st_b VALUES (53, 'undone'); "
	    "ROLLBACK TO s; COMMIT");
	sql("INSERT INTO st_b VALUES (51, 'after')");
	wait_event(r, from, "I st_b 51|after");
	static const char *const want[] = {
	        "B", "R public.st_b new 2", "I st_b 52|kept", "C", "B", "I st_b 51|after", "C", NULL};
	assert_events(r, from, want);
	assert_int_equal(count_events(r, "rolled back"), 0);
	assert_int_equal(count_events(r, "undone"), 0);
	finish(st);
	drop_instance("t_rollback");
	rec_free(r);
}

static void test_schema_change(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_schema", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	size_t from = r->n;
	sql("INSERT INTO st_b VALUES (60, 'before')");
	sql("ALTER TABLE st_b ADD COLUMN w text");
	sql("INSERT INTO st_b VALUES (61, 'after', 'new column')");
	wait_event(r, from, "I st_b 61|after|new column");
	static const char *const want[] = {"B", "R public.st_b new 2",     "I st_b 60|before",           "C",
	                                   "B", "R public.st_b changed 3", "I st_b 61|after|new column", "C",
	                                   NULL};
	assert_events(r, from, want);
	finish(st);
	sql("ALTER TABLE st_b DROP COLUMN w");
	drop_instance("t_schema");
	rec_free(r);
}

static void test_messages(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_msg", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	size_t from = r->n;
	sql("BEGIN; INSERT INTO st_b VALUES (70, 'x'); SELECT pg_logical_emit_message(true, 'cbcache', 'x'); "
	    "INSERT INTO st_b VALUES (71, 'y'); COMMIT");
	sql("SELECT pg_logical_emit_message(false, 'cbcache', 'not transactional')");
	sql("SELECT pg_logical_emit_message(true, 'cbcache', 'alone')");
	wait_event(r, from, "M t cbcache alone");
	static const char *const want[] = {"B",
	                                   "R public.st_b new 2",
	                                   "I st_b 70|x",
	                                   "M t cbcache x (in a transaction)",
	                                   "I st_b 71|y",
	                                   "C",
	                                   "M f cbcache not transactional (outside)",
	                                   "B",
	                                   "M t cbcache alone (in a transaction)",
	                                   "C",
	                                   NULL};
	assert_events(r, from, want);
	finish(st);
	drop_instance("t_msg");
	rec_free(r);
}

/* Stop, write, start again: nothing confirmed comes twice, nothing written is lost. */
static void test_restart(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_restart", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	sql("INSERT INTO st_b VALUES (80, 'before the stop')");
	wait_event(r, wait_event(r, 0, "I st_b 80|"), "C");
	pgoutput_lsn applied = stream_applied(st);
	assert_true(applied != 0);
	/* stop returns once the server has the last confirmation */
	finish(st);
	assert_true(slot_confirmed("t_restart") >= applied);

	sql("INSERT INTO st_b VALUES (81, 'while stopped')");
	sql("INSERT INTO st_b VALUES (82, 'while stopped too')");
	recorder *r2 = rec_new(true);
	stream_setup_info info;
	st = start(&s, r2, 0, &info); /* 0: the slot's confirmed position */
	assert_false(info.slot_created);
	assert_false(info.publication_created);
	assert_false(info.publication_changed);
	assert_true(info.slot_lsn >= applied);
	wait_event(r2, wait_event(r2, 0, "I st_b 82|"), "C");
	assert_int_equal(count_events(r2, "I st_b 80|"), 0);
	assert_int_equal(count_events(r2, "I st_b 81|"), 1);
	assert_int_equal(r2->created, 0);

	/* a consumer that does not apply: what it got is not confirmed and comes again */
	pthread_mutex_lock(&r2->mu);
	r2->apply = false;
	pthread_mutex_unlock(&r2->mu);
	pgoutput_lsn before = stream_applied(st);
	sql("INSERT INTO st_b VALUES (83, 'not applied')");
	wait_event(r2, wait_event(r2, 0, "I st_b 83|"), "C");
	pthread_mutex_lock(&r2->mu);
	pgoutput_lsn end83 = r2->ends[r2->nends - 1];
	pthread_mutex_unlock(&r2->mu);
	assert_true(stream_applied(st) == before);
	finish(st);
	/* confirmed: at most up to a keepalive before 83, never 83's commit */
	assert_true(slot_confirmed("t_restart") >= before);
	assert_true(slot_confirmed("t_restart") < end83);

	recorder *r3 = rec_new(true);
	st = start(&s, r3, before, NULL); /* from the consumer's applied position */
	wait_event(r3, 0, "I st_b 83|");
	sql("INSERT INTO st_b VALUES (84, 'new')");
	wait_event(r3, 0, "I st_b 84|");
	assert_int_equal(count_events(r3, "I st_b 82|"), 0);
	assert_int_equal(count_events(r3, "I st_b 83|"), 1);
	finish(st);
	drop_instance("t_restart");
	rec_free(r);
	rec_free(r2);
	rec_free(r3);
}

/* The walsender's backend pid for instance (0: none). */
static int walsender_pid(const char *instance)
{
	char q[256], buf[32];
	snprintf(q, sizeof(q),
	         "SELECT coalesce((SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'cbcache_%s'), 0)",
	         instance);
	return atoi(pg_text(q, buf, sizeof(buf)));
}

static bool has_walsender(void *arg)
{
	return walsender_pid(arg) != 0;
}

static void test_reconnect(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_reconnect", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	wait_until(has_walsender, (void *)"t_reconnect", "the walsender is active");
	sql("SELECT pg_terminate_backend(active_pid, 10000) FROM pg_replication_slots WHERE slot_name = "
	    "'cbcache_t_reconnect'");
	wait_count(r, &r->disconnected, 1, "disconnections");
	wait_count(r, &r->connected, 2, "connections");
	sql("INSERT INTO st_b VALUES (90, 'after the reconnect')");
	wait_event(r, wait_event(r, 0, "I st_b 90|"), "C");
	const stream_stats *ss = stream_get_stats(st);
	assert_true(atomic_load(&ss->reconnects) >= 1);
	assert_true(atomic_load(&ss->disconnects) >= 1);
	assert_int_equal(r->created, 1); /* only the first connection had a new slot */

	/* a consumer that refuses a message gets it again after a reconnect */
	pthread_mutex_lock(&r->mu);
	r->refuse = 1;
	int connected = r->connected;
	size_t from = r->n;
	pthread_mutex_unlock(&r->mu);
	sql("INSERT INTO st_b VALUES (91, 'refused once')");
	wait_event(r, from, "I st_b 91|");
	static const char *const want[] = {
	        "B", "refused", "disconnected", "connected", "B", "R public.st_b same 2", "I st_b 91|refused once",
	        "C", NULL};
	assert_events(r, from, want);
	assert_int_equal(r->connected, connected + 1);
	assert_int_equal(atomic_load(&ss->refused), 1);
	finish(st);
	drop_instance("t_reconnect");
	rec_free(r);
}

/* Terminate the walsender of instance and drop its slot (retried while it is still active). */
static void drop_slot_under(const char *instance)
{
	sql("DO $$ BEGIN LOOP BEGIN "
	    "PERFORM pg_terminate_backend(active_pid, 10000) FROM pg_replication_slots "
	    "WHERE slot_name = 'cbcache_%s' AND active_pid IS NOT NULL; "
	    "PERFORM pg_drop_replication_slot('cbcache_%s'); EXIT; "
	    "EXCEPTION WHEN object_in_use THEN NULL; END; END LOOP; END $$",
	    instance, instance);
}

static void test_slot_dropped(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_lost", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	sql("INSERT INTO st_b VALUES (100, 'before')");
	wait_event(r, 0, "I st_b 100|");
	drop_slot_under("t_lost");
	wait_count(r, &r->lost, 1, "lost slots");
	size_t lost_at =
	        wait_event(r, 0, "slot lost: the replication slot cbcache_t_lost does not exist any more (dropped)");
	assert_int_equal(stream_get_state(st), STREAM_SLOT_LOST);
	assert_int_equal(atomic_load(&stream_get_stats(st)->slots_lost), 1);
	char last[CB_ERROR_MAX];
	stream_last_error(st, last, sizeof(last));
	assert_non_null(strstr(last, "does not exist any more"));
	double ms = stop_ms(st);
	printf("# stop after the slot was lost: %.1f ms\n", ms);
	assert_true(ms < 1000);

	/* the caller empties the cache and sets up again: a new slot */
	stream_setup_info info;
	cb_error err = {{0}};
	if (!stream_setup(st, &info, &err))
		fail_msg("%s", err.msg);
	assert_true(info.slot_created);
	assert_false(info.slot_was_lost);
	assert_true(stream_start(st, 0, &err));
	wait_event(r, lost_at, "connected (new slot)");
	assert_int_equal(r->created, 2);
	sql("INSERT INTO st_b VALUES (101, 'new slot')");
	wait_event(r, 0, "I st_b 101|");
	finish(st);

	/* with recreate_lost_slot the thread creates the slot itself */
	recorder *r2 = rec_new(true);
	s.recreate_lost_slot = true;
	st = start(&s, r2, 0, NULL);
	wait_count(r2, &r2->connected, 1, "connections");
	drop_slot_under("t_lost");
	wait_count(r2, &r2->lost, 1, "lost slots");
	wait_count(r2, &r2->connected, 2, "connections");
	wait_event(r2, 0, "connected (new slot)");
	sql("INSERT INTO st_b VALUES (102, 'recreated')");
	wait_event(r2, 0, "I st_b 102|");
	assert_int_equal(r2->created, 1); /* the first slot was there already: only the re-created one is new */

	/* the publication dropped under the stream: decoding fails, the slot must be made again with it */
	size_t from = r2->n;
	sql("DROP PUBLICATION cbcache_t_lost");
	sql("INSERT INTO st_b VALUES (103, 'lost with the publication')");
	wait_event(r2, from, "slot lost: the publication cbcache_t_lost was dropped");
	wait_event(r2, from, "connected (new slot)");
	sql("INSERT INTO st_b VALUES (104, 'new publication')");
	wait_event(r2, from, "I st_b 104|");
	assert_int_equal(count_events(r2, "I st_b 103|"), 0); /* written before the new slot: the cache starts empty */
	assert_int_equal(r2->lost, 2);
	finish(st);
	drop_instance("t_lost");
	rec_free(r);
	rec_free(r2);
}

static bool slot_invalidated(void *arg)
{
	char q[256], buf[32];
	snprintf(q, sizeof(q),
	         "SELECT coalesce((SELECT wal_status FROM pg_replication_slots WHERE slot_name = "
	         "'cbcache_%s'), 'none')",
	         (const char *)arg);
	if (strcmp(pg_text(q, buf, sizeof(buf)), "lost") == 0)
		return true;
	/* more WAL, a new segment, a checkpoint: the slot falls behind max_slot_wal_keep_size */
	sql("INSERT INTO st_other SELECT g, 'x' FROM generate_series(1, 1000) g ON CONFLICT (id) DO UPDATE SET v = "
	    "excluded.v || 'y'");
	sql("SELECT pg_switch_wal()");
	sql("CHECKPOINT");
	return false;
}

static void test_slot_invalidated(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_invalid", tables_ab, 2);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	stream_stop(st);
	sql("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
	sql("SELECT pg_reload_conf()");
	wait_until(slot_invalidated, (void *)"t_invalid", "the slot is invalidated");
	sql("ALTER SYSTEM RESET max_slot_wal_keep_size");
	sql("SELECT pg_reload_conf()");

	/* starting again: START_REPLICATION fails, the slot is reported lost */
	cb_error err = {{0}};
	assert_true(stream_start(st, 0, &err));
	wait_count(r, &r->lost, 1, "lost slots");
	wait_event(r, 0, "slot lost: the replication slot cbcache_t_invalid was invalidated");
	stream_stop(st);

	/* set-up drops the invalidated slot and creates a new one */
	stream_setup_info info;
	if (!stream_setup(st, &info, &err))
		fail_msg("%s", err.msg);
	assert_true(info.slot_was_lost);
	assert_true(info.slot_created);
	assert_true(stream_start(st, 0, &err));
	sql("INSERT INTO st_b VALUES (110, 'after the loss')");
	wait_event(r, 0, "I st_b 110|");
	finish(st);
	drop_instance("t_invalid");
	rec_free(r);
}

/* Writes to tables outside the publication still move the slot when the consumer is caught up. */
static void test_idle_confirm(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	static const stream_table quiet[] = {{"public", "st_quiet"}};
	stream_settings s = settings("t_idle", quiet, 1);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	sql("INSERT INTO st_quiet VALUES (1, 'one')");
	wait_event(r, 0, "I st_quiet 1|one");
	for (int i = 0; i < 3; i++)
		sql("INSERT INTO st_other SELECT g, 'z' FROM generate_series(2000, 2100) g ON CONFLICT (id) DO UPDATE "
		    "SET v = excluded.v || 'z'");
	char buf[64];
	/* the insert position, past the writes above: the write position
	 * (pg_current_wal_lsn) lags them with the harness's synchronous_commit
	 * off and could be exactly the end of st_quiet's commit, which the
	 * consumer applied */
	pgoutput_lsn after = lsn_of(pg_text("SELECT pg_current_wal_insert_lsn()::text", buf, sizeof(buf)));
	sql("SELECT pg_switch_wal()"); /* flush the WAL so the walsender reads past our writes */
	wait_confirmed("t_idle", after);
	assert_true(stream_applied(st) < after); /* confirmed by the keepalive, not by the consumer */
	assert_true(atomic_load(&stream_get_stats(st)->keepalives) >= 1);
	finish(st);
	drop_instance("t_idle");
	rec_free(r);
}

static void test_stop_while_waiting(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	stream_settings s = settings("t_stop", tables_ab, 2);
	s.backoff_min_ms = 5000;
	s.backoff_max_ms = 5000;
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	wait_until(has_walsender, (void *)"t_stop", "the walsender is active");
	sql("SELECT pg_terminate_backend(active_pid, 10000) FROM pg_replication_slots WHERE slot_name = "
	    "'cbcache_t_stop'");
	wait_count(r, &r->disconnected, 1, "disconnections");
	assert_int_equal(stream_get_state(st), STREAM_WAITING);
	double ms = stop_ms(st);
	printf("# stop while backing off for 5 s: %.1f ms\n", ms);
	assert_true(ms < 500);
	finish(st);
	drop_instance("t_stop");
	rec_free(r);
}

static void test_publication(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	static const stream_table only_a[] = {{"public", "st_a"}, {"public", "st_a"}};
	stream_settings s = settings("t_pub", only_a, 2); /* a table named twice is published once */
	stream_setup_info info;
	stream *st = start(&s, r, 0, &info);
	assert_true(info.publication_created);
	finish(st);
	char buf[256];
	assert_string_equal(pg_text("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables "
	                            "WHERE pubname = 'cbcache_t_pub'",
	                            buf, sizeof(buf)),
	                    "st_a");

	/* more tables: ALTER PUBLICATION, the slot stays */
	s = settings("t_pub", tables_ab, 2);
	st = start(&s, r, 0, &info);
	assert_false(info.publication_created);
	assert_true(info.publication_changed);
	assert_false(info.slot_created);
	finish(st);
	assert_string_equal(pg_text("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables "
	                            "WHERE pubname = 'cbcache_t_pub'",
	                            buf, sizeof(buf)),
	                    "st_a,st_b");

	/* someone changed what it publishes: set back */
	sql("ALTER PUBLICATION cbcache_t_pub SET (publish = 'insert')");
	st = start(&s, r, 0, &info);
	assert_true(info.publication_changed);
	finish(st);
	assert_string_equal(pg_text("SELECT pubupdate AND pubdelete AND pubtruncate FROM pg_publication WHERE pubname "
	                            "= 'cbcache_t_pub'",
	                            buf, sizeof(buf)),
	                    "t");

	/* unchanged: nothing to do */
	st = start(&s, r, 0, &info);
	assert_false(info.publication_created);
	assert_false(info.publication_changed);
	assert_false(info.slot_created);
	finish(st);

	/* stream_drop: both go; a second time finds nothing; refused while streaming */
	bool slot, pub;
	cb_error err = {{0}};
	st = start(&s, r, 0, NULL);
	wait_until(has_walsender, (void *)"t_pub", "the walsender is active");
	assert_false(stream_drop(&s, &slot, &pub, &err));
	assert_non_null(strstr(err.msg, "is in use by the backend process"));
	finish(st);
	assert_true(stream_drop(&s, &slot, &pub, &err));
	assert_true(slot);
	assert_true(pub);
	assert_int_equal(pg_int("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cbcache_t_pub'"), 0);
	assert_int_equal(pg_int("SELECT count(*) FROM pg_publication WHERE pubname = 'cbcache_t_pub'"), 0);
	assert_true(stream_drop(&s, &slot, &pub, &err));
	assert_false(slot);
	assert_false(pub);
	rec_free(r);
}

/* --- stream_check ---------------------------------------------------------------------------- */

typedef struct problems {
	char text[8192];
	int n;
} problems;

static void note_problem(void *arg, const char *problem, const char *fix)
{
	problems *p = arg;
	size_t used = strlen(p->text);
	snprintf(p->text + used, sizeof(p->text) - used, "%s => %s\n", problem, fix);
	p->n++;
}

static int check_as(const char *user, const stream_table *tables, size_t n, problems *p)
{
	char ci[1024];
	snprintf(ci, sizeof(ci), "%s user=%s", conninfo, user);
	stream_settings s = settings("t_check", tables, n);
	s.conninfo = ci;
	memset(p, 0, sizeof(*p));
	cb_error err = {{0}};
	int got = stream_check(&s, note_problem, p, &err);
	if (got < 0)
		fail_msg("stream_check as %s: %s", user, err.msg);
	assert_int_equal(got, p->n);
	return got;
}

static void assert_has(const problems *p, const char *text)
{
	if (strstr(p->text, text) == NULL)
		fail_msg("the problems do not mention \"%s\":\n%s", text, p->text);
}

static void test_check(void **state)
{
	(void)state;
	problems p;
	sql("CREATE ROLE cb_norepl LOGIN; CREATE ROLE cb_repl LOGIN REPLICATION; "
	    "GRANT SELECT ON st_a, st_b TO cb_norepl, cb_repl; GRANT CREATE ON DATABASE movies TO cb_repl");
	sql("CREATE TABLE st_nothing (id int PRIMARY KEY); ALTER TABLE st_nothing REPLICA IDENTITY NOTHING; "
	    "CREATE TABLE st_nopk (id int)");

	/* the superuser: nothing lacks */
	if (check_as("postgres", tables_ab, 2, &p) != 0)
		fail_msg("problems as postgres:\n%s", p.text);

	/* a role without REPLICATION that owns nothing */
	check_as("cb_norepl", tables_ab, 2, &p);
	assert_has(&p, "cache_user cb_norepl lacks the REPLICATION attribute");
	assert_has(&p, "=> ALTER ROLE \"cb_norepl\" REPLICATION;");
	assert_has(&p, "the publication cbcache_t_check does not exist, and cache_user cb_norepl may not create it "
	               "(it does not own every cache table)");
	assert_has(&p,
	           "=> CREATE PUBLICATION \"cbcache_t_check\" FOR TABLE \"public\".\"st_a\", \"public\".\"st_b\" WITH "
	           "(publish = 'insert, update, delete, truncate'); (as a superuser or the tables' owner on database "
	           "movies)");
	assert_int_equal(p.n, 2);

	/* tables that are missing or cannot be published */
	static const stream_table bad[] = {{"public", "st_nothing"}, {"public", "st_nopk"}, {"public", "st_missing"}};
	check_as("postgres", bad, 3, &p);
	assert_has(&p, "table \"public\".\"st_nothing\" has REPLICA IDENTITY NOTHING");
	assert_has(&p, "=> ALTER TABLE \"public\".\"st_nothing\" REPLICA IDENTITY DEFAULT;");
	assert_has(&p, "table \"public\".\"st_nopk\" has no primary key");
	assert_has(&p, "the cache table \"public\".\"st_missing\" does not exist");
	assert_int_equal(p.n, 3);

	/* a REPLICATION role that owns no table: only the publication lacks */
	check_as("cb_repl", tables_ab, 2, &p);
	assert_int_equal(p.n, 1);
	assert_has(&p, "may not create it (it does not own every cache table)");

	/* its set-up fails and names the statement; once the owner ran it, the set-up works */
	char ci[1024];
	snprintf(ci, sizeof(ci), "%s user=cb_repl", conninfo);
	stream_settings s = settings("t_check", tables_ab, 2);
	s.conninfo = ci;
	cb_error err = {{0}};
	stream *st = stream_new(&s, NULL, &err);
	assert_non_null(st);
	stream_setup_info info;
	assert_false(stream_setup(st, &info, &err));
	if (strstr(err.msg, "cannot create the publication cbcache_t_check as cb_repl: ") == NULL ||
	    strstr(err.msg,
	           "CREATE PUBLICATION \"cbcache_t_check\" FOR TABLE \"public\".\"st_a\", \"public\".\"st_b\"") == NULL)
		fail_msg("unexpected set-up error: %s", err.msg);
	sql("CREATE PUBLICATION cbcache_t_check FOR TABLE public.st_a, public.st_b WITH (publish = 'insert, update, "
	    "delete, truncate')");
	if (!stream_setup(st, &info, &err))
		fail_msg("set-up as cb_repl: %s", err.msg);
	assert_false(info.publication_created);
	assert_true(info.slot_created);
	recorder *r = rec_new(true);
	stream_free(st);
	st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	sql("INSERT INTO st_b VALUES (120, 'as cb_repl')");
	wait_event(r, 0, "I st_b 120|");

	/* the slot in use shows in the check */
	check_as("postgres", tables_ab, 2, &p);
	assert_has(&p, "the replication slot cbcache_t_check is in use by the backend process");
	finish(st);
	drop_instance("t_check");
	rec_free(r);

	/* a slot of the same name for something else */
	sql("SELECT pg_create_logical_replication_slot('cbcache_t_check', 'test_decoding')");
	check_as("postgres", tables_ab, 2, &p);
	assert_has(&p, "the replication slot cbcache_t_check exists but is a logical slot of plugin \"test_decoding\"");
	st = stream_new(&s, NULL, &err);
	assert_non_null(st);
	assert_false(stream_setup(st, &info, &err));
	assert_non_null(strstr(err.msg, "give this cbcached another instance_name, or drop the slot"));
	stream_free(st);
	sql("SELECT pg_drop_replication_slot('cbcache_t_check')");

	/* a bad instance name never reaches the backend */
	s.instance = "Bad-Name";
	assert_null(stream_new(&s, NULL, &err));
	assert_non_null(strstr(err.msg, "is not 1 to 40 lower-case letters, digits or underscores"));
	assert_int_equal(stream_check(&s, note_problem, &p, &err), -1);
}

/* --- throughput ------------------------------------------------------------------------------ */

static void test_rate(void **state)
{
	(void)state;
	recorder *r = rec_new(true);
	static const stream_table rate[] = {{"public", "st_rate"}};
	sql("CREATE TABLE st_rate (id int PRIMARY KEY, v text, n int)");
	stream_settings s = settings("t_rate", rate, 1);
	stream *st = start(&s, r, 0, NULL);
	wait_count(r, &r->connected, 1, "connections");
	const int big = 100000, small = 2000;

	int64_t t0 = cb_clock_mono_us();
	sql("INSERT INTO st_rate SELECT g, 'row ' || g, g FROM generate_series(1, %d) g", big);
	int64_t t1 = cb_clock_mono_us();
	wait_event(r, 0, "I st_rate 100000|");
	int64_t t2 = cb_clock_mono_us();
	printf("# one transaction of %d rows: committed in %.0f ms, all delivered %.0f ms later (%.0f rows/s after "
	       "the commit)\n",
	       big, (double)(t1 - t0) / 1000, (double)(t2 - t1) / 1000, big / ((double)(t2 - t1) / 1e6));

	t0 = cb_clock_mono_us();
	sql("DO $$ BEGIN FOR i IN 1..%d LOOP INSERT INTO st_rate VALUES (%d + i, 'small', i); COMMIT; END LOOP; END $$",
	    small, big);
	wait_event(r, 0, "I st_rate 102000|");
	t1 = cb_clock_mono_us();
	printf("# %d one-row transactions written and delivered in %.0f ms (%.0f transactions/s)\n", small,
	       (double)(t1 - t0) / 1000, small / ((double)(t1 - t0) / 1e6));
	assert_true(r->rows == (uint64_t)(big + small));
	finish(st);
	drop_instance("t_rate");
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_changes, stop_all),
	        cmocka_unit_test_teardown(test_rollback, stop_all),
	        cmocka_unit_test_teardown(test_schema_change, stop_all),
	        cmocka_unit_test_teardown(test_messages, stop_all),
	        cmocka_unit_test_teardown(test_restart, stop_all),
	        cmocka_unit_test_teardown(test_reconnect, stop_all),
	        cmocka_unit_test_teardown(test_slot_dropped, stop_all),
	        cmocka_unit_test_teardown(test_slot_invalidated, stop_all),
	        cmocka_unit_test_teardown(test_idle_confirm, stop_all),
	        cmocka_unit_test_teardown(test_stop_while_waiting, stop_all),
	        cmocka_unit_test_teardown(test_publication, stop_all),
	        cmocka_unit_test_teardown(test_check, stop_all),
	        cmocka_unit_test_teardown(test_rate, stop_all),
	};
	return cmocka_run_group_tests(tests, setup_tables, pgt_teardown);
}
