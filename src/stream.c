/*
 * stream.c - the change stream's reading side (see the DESIGN in stream.h).
 *
 * Functions prefix: stream_
 *
 * Every wait on the backend (connecting, a statement, the stream itself)
 * polls the connection's socket together with the read end of a pipe that
 * stream_stop() writes, and has a deadline, so the thread never sits in a
 * libpq call that stop cannot end.  Set-up statements run on a plain
 * connection (bound parameters), the replication commands on a
 * replication=database connection (names quoted; the instance name is
 * checked to be [a-z0-9_] before it gets there).
 */
#include "src/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cache/pgconn.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/sb.h"
#include "common/worker.h"

#define STREAM_NAME_MAX 64
#define STREAM_INSTANCE_MAX 40
#define STREAM_PUBLISH "insert, update, delete, truncate"
#define STREAM_MIN_VERSION 140000 /* pgoutput's messages option */
#define STREAM_BATCH 1000         /* CopyData messages handled per step */
#define STREAM_STOP_WAIT_US 1000000

struct stream {
	stream_settings set; /* points into the copies below */
	char *conninfo;
	char *instance;
	stream_table *tables;
	char name[STREAM_NAME_MAX]; /* the slot's and the publication's */
	stream_consumer cons;

	cb_worker worker;
	bool worker_ready;
	int wake[2];  /* stream_stop writes wake[1]; every wait polls wake[0] */
	bool started; /* stream_start succeeded and stream_stop has not run */
	atomic_int state;

	/* the thread's (the caller's while stopped) */
	PGconn *conn; /* streaming */
	pgoutput_decoder *dec;
	bool setup_done;
	bool created_pending; /* report slot_created in the next on_connected */
	bool lost;            /* the slot is gone */
	char system_id[32];
	uint32_t timeline;
	pgoutput_lsn start_lsn;
	pgoutput_lsn floor;         /* the slot's position at set-up: never confirm less */
	pgoutput_lsn reported;      /* flush position last sent */
	pgoutput_lsn received;      /* highest position received */
	pgoutput_lsn delivered_end; /* end_lsn of the last Commit the consumer took */
	pgoutput_lsn idle_lsn;      /* the server's position from a keepalive outside a transaction */
	bool in_txn;
	bool reply_now;
	bool flush_pending;
	bool more; /* libpq may hold messages already read from the socket */
	int64_t next_status_us;
	int64_t connected_us;
	int backoff_ms;
	int64_t retry_us;
	uint64_t connections;

	_Atomic uint64_t applied;
	stream_stats stats;

	pthread_mutex_t err_mu;
	char last_error[CB_ERROR_MAX];
};

/* ---- small things ------------------------------------------------------------- */

#define STAT_ADD(st, f, n) atomic_fetch_add_explicit(&(st)->stats.f, (n), memory_order_relaxed)
#define STAT_SET(st, f, v) atomic_store_explicit(&(st)->stats.f, (v), memory_order_relaxed)

const char *stream_state_name(stream_state s)
{
	switch (s) {
	case STREAM_STOPPED:
		return "stopped";
	case STREAM_CONNECTING:
		return "connecting";
	case STREAM_STREAMING:
		return "streaming";
	case STREAM_WAITING:
		return "waiting";
	case STREAM_SLOT_LOST:
		return "slot lost";
	}
	return "?";
}

static void set_state(stream *st, stream_state s)
{
	atomic_store(&st->state, (int)s);
}

static bool valid_instance(const char *instance)
{
	size_t n = strspn(instance, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return instance[0] != '\0' && instance[n] == '\0' && n <= STREAM_INSTANCE_MAX;
}

void stream_object_name(const char *instance, char *buf, size_t n)
{
	snprintf(buf, n, "cbcache_%s", instance);
}

static bool parse_lsn(const char *s, pgoutput_lsn *out)
{
	unsigned hi, lo;
	if (s == NULL || sscanf(s, "%X/%X", &hi, &lo) != 2)
		return false;
	*out = (pgoutput_lsn)hi << 32 | lo;
	return true;
}

/* A server message on one line, without its trailing newline. */
static void one_line(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src != NULL && src[0] != '\0' ? src : "(no message)");
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	size_t len = strlen(dst);
	while (len > 0 && dst[len - 1] == ' ')
		dst[--len] = '\0';
}

static void set_last_error(stream *st, const char *msg)
{
	pthread_mutex_lock(&st->err_mu);
	snprintf(st->last_error, sizeof(st->last_error), "%s", msg);
	pthread_mutex_unlock(&st->err_mu);
}

void stream_last_error(stream *st, char *buf, size_t n)
{
	pthread_mutex_lock(&st->err_mu);
	snprintf(buf, n, "%s", st->last_error);
	pthread_mutex_unlock(&st->err_mu);
}

/* ---- waiting on libpq with a wake-up and a deadline ------------------------------------ */

typedef struct pgio {
	int wakefd;          /* readable: give up (stream_stop); -1: none */
	int64_t deadline_us; /* monotonic; 0: none */
	const char *what;    /* for the timeout message: "connecting", ... */
} pgio;

typedef enum io_result { IO_OK, IO_FAILED, IO_STOPPED } io_result;

static pgio io_for(int wakefd, int timeout_ms, const char *what)
{
	pgio io = {.wakefd = wakefd, .deadline_us = cb_clock_mono_us() + (int64_t)timeout_ms * 1000, .what = what};
	return io;
}

/* Wait until sock is readable (or writable), the wake-up fires or the deadline passes. */
static io_result io_wait(const pgio *io, int sock, bool for_write, cb_error *err)
{
	if (sock < 0)
		return cb_fail(err, "the connection has no socket"), IO_FAILED;
	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = for_write ? POLLOUT : POLLIN},
		                      {.fd = io->wakefd, .events = POLLIN}};
		int timeout = -1;
		if (io->deadline_us != 0) {
			int64_t left = io->deadline_us - cb_clock_mono_us();
			if (left <= 0)
				return cb_fail(err, "timed out %s", io->what), IO_FAILED;
			timeout = (int)((left + 999) / 1000);
		}
		int n = poll(p, io->wakefd >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR)
			return cb_fail(err, "poll failed: %s", strerror(errno)), IO_FAILED;
		if (n > 0 && io->wakefd >= 0 && (p[1].revents & POLLIN))
			return IO_STOPPED;
		if (n > 0 && p[0].revents != 0)
			return IO_OK;
	}
}

/* Connect to conninfo (a replication=database connection when replication). */
static io_result io_connect(const pgio *io, const char *conninfo, bool replication, const char *appname, PGconn **out,
                            cb_error *err)
{
	const char *keys[] = {"dbname", "application_name", "replication", NULL};
	const char *vals[] = {conninfo, appname, replication ? "database" : NULL, NULL};
	*out = NULL;
	PGconn *c = PQconnectStartParams(keys, vals, 1);
	if (c == NULL)
		return cb_fail(err, "out of memory"), IO_FAILED;
	PostgresPollingStatusType ps = PQstatus(c) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
	while (ps != PGRES_POLLING_OK) {
		if (ps == PGRES_POLLING_FAILED) {
			char msg[CB_ERROR_MAX / 2];
			one_line(msg, sizeof(msg), PQerrorMessage(c));
			PQfinish(c);
			return cb_fail(err, "%s", msg), IO_FAILED;
		}
		io_result r = io_wait(io, PQsocket(c), ps == PGRES_POLLING_WRITING, err);
		if (r != IO_OK) {
			PQfinish(c);
			return r;
		}
		ps = PQconnectPoll(c);
	}
	*out = c;
	return IO_OK;
}

/* Send what libpq holds; false with err. */
static io_result io_flush(const pgio *io, PGconn *c, cb_error *err)
{
	for (;;) {
		int f = PQflush(c);
		if (f == 0)
			return IO_OK;
		if (f < 0)
			return cb_fail(err, "sending failed: %s", PQerrorMessage(c)), IO_FAILED;
		io_result r = io_wait(io, PQsocket(c), true, err);
		if (r != IO_OK)
			return r;
	}
}

/*
 * Run sql (with text parameters when nparams > 0) and wait for its result:
 * the first error, else the last result, or the COPY result that starts a
 * COPY.  *res is NULL unless IO_OK; the caller checks its status.
 */
static io_result io_exec(const pgio *io, PGconn *c, const char *sql, int nparams, const char *const *params,
                         PGresult **res, cb_error *err)
{
	*res = NULL;
	int sent = nparams > 0 ? PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0) : PQsendQuery(c, sql);
	if (!sent) {
		char msg[CB_ERROR_MAX / 2];
		one_line(msg, sizeof(msg), PQerrorMessage(c));
		return cb_fail(err, "%s", msg), IO_FAILED;
	}
	io_result r = io_flush(io, c, err);
	if (r != IO_OK)
		return r;
	PGresult *keep = NULL;
	for (;;) {
		while (PQisBusy(c)) {
			r = io_wait(io, PQsocket(c), false, err);
			if (r == IO_OK && !PQconsumeInput(c)) {
				char msg[CB_ERROR_MAX / 2];
				one_line(msg, sizeof(msg), PQerrorMessage(c));
				cb_fail(err, "%s", msg);
				r = IO_FAILED;
			}
			if (r != IO_OK) {
				PQclear(keep);
				return r;
			}
		}
		PGresult *one = PQgetResult(c);
		if (one == NULL)
			break;
		ExecStatusType s = PQresultStatus(one);
		if (s == PGRES_COPY_BOTH || s == PGRES_COPY_OUT || s == PGRES_COPY_IN) {
			PQclear(keep);
			*res = one;
			return IO_OK;
		}
		if (keep == NULL || PQresultStatus(keep) != PGRES_FATAL_ERROR) {
			PQclear(keep);
			keep = one;
		} else {
			PQclear(one);
		}
	}
	if (keep == NULL)
		return cb_fail(err, "no result"), IO_FAILED;
	*res = keep;
	return IO_OK;
}

/* The result's error as one line: its message and detail (and its SQLSTATE in sqlstate[6]). */
static void result_error(const PGresult *res, char *buf, size_t n, char *sqlstate)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	if (primary != NULL) {
		char text[CB_ERROR_MAX];
		snprintf(text, sizeof(text), "%s%s%s", primary, detail != NULL ? ": " : "",
		         detail != NULL ? detail : "");
		one_line(buf, n, text);
	} else {
		one_line(buf, n, PQresultErrorMessage(res));
	}
	if (sqlstate != NULL) {
		const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		snprintf(sqlstate, 6, "%s", s != NULL ? s : "");
	}
}

/* io_exec expecting rows (tuples) or a command; false with err naming what. */
static bool exec_ok(const pgio *io, PGconn *c, const char *what, const char *sql, int nparams,
                    const char *const *params, PGresult **out, cb_error *err)
{
	PGresult *res = NULL;
	io_result r = io_exec(io, c, sql, nparams, params, &res, err);
	if (r != IO_OK) {
		cb_error_prefix(err, "%s: ", what);
		return false;
	}
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		char msg[CB_ERROR_MAX / 2];
		result_error(res, msg, sizeof(msg), NULL);
		PQclear(res);
		return cb_fail(err, "%s: %s", what, msg);
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return true;
}

/* ---- the backend's objects ------------------------------------------------------------- */

typedef struct slot_info {
	bool exists;
	char plugin[64];
	char type[16];
	char database[128];
	bool same_db;
	char wal_status[16]; /* "" before PostgreSQL 13 or when unknown */
	int active_pid;      /* 0: not in use */
	pgoutput_lsn confirmed;
} slot_info;

static bool slot_query(const pgio *io, PGconn *c, const char *name, slot_info *si, cb_error *err)
{
	memset(si, 0, sizeof(*si));
	const char *params[1] = {name};
	PGresult *res = NULL;
	if (!exec_ok(io, c, "reading pg_replication_slots",
	             "SELECT coalesce(plugin, ''), slot_type, coalesce(database, ''), database = current_database(), "
	             "coalesce(wal_status, ''), coalesce(active_pid, 0), coalesce(confirmed_flush_lsn::text, '0/0') "
	             "FROM pg_replication_slots WHERE slot_name = $1",
	             1, params, &res, err))
		return false;
	if (PQntuples(res) == 1) {
		si->exists = true;
		snprintf(si->plugin, sizeof(si->plugin), "%s", PQgetvalue(res, 0, 0));
		snprintf(si->type, sizeof(si->type), "%s", PQgetvalue(res, 0, 1));
		snprintf(si->database, sizeof(si->database), "%s", PQgetvalue(res, 0, 2));
		si->same_db = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
		snprintf(si->wal_status, sizeof(si->wal_status), "%s", PQgetvalue(res, 0, 4));
		si->active_pid = atoi(PQgetvalue(res, 0, 5));
		(void)parse_lsn(PQgetvalue(res, 0, 6), &si->confirmed);
	}
	PQclear(res);
	return true;
}

/* A slot of ours: logical, pgoutput, on this database. */
static bool slot_fits(const slot_info *si)
{
	return strcmp(si->type, "logical") == 0 && strcmp(si->plugin, "pgoutput") == 0 && si->same_db;
}

typedef enum pub_action {
	PUB_OK,       /* exists as it must */
	PUB_CREATE,   /* missing */
	PUB_ALTER,    /* other tables or actions: ALTER PUBLICATION (same publication) */
	PUB_RECREATE, /* FOR ALL TABLES, or no table left: DROP and CREATE */
} pub_action;

typedef struct pub_plan {
	pub_action action;
	bool owned;      /* cache_user may alter the existing publication */
	char owner[128]; /* its owner */
	char *sql;       /* the statement(s) to run (NULL for PUB_OK); caller frees */
} pub_plan;

/* The publication's statement: CREATE ... FOR TABLE the tables. */
static void put_create(cb_sb *sb, const stream_settings *s, const char *name)
{
	cb_sb_put(sb, "CREATE PUBLICATION ");
	cb_sb_ident(sb, name);
	for (size_t i = 0; i < s->ntables; i++) {
		cb_sb_put(sb, i == 0 ? " FOR TABLE " : ", ");
		cb_sb_ident(sb, s->tables[i].schema);
		cb_sb_put(sb, ".");
		cb_sb_ident(sb, s->tables[i].name);
	}
	cb_sb_put(sb, " WITH (publish = '" STREAM_PUBLISH "')");
}

/* What the publication needs (and the SQL for it). */
static bool pub_plan_make(const pgio *io, PGconn *c, const stream_settings *s, const char *name, pub_plan *p,
                          cb_error *err)
{
	memset(p, 0, sizeof(*p));
	const char *params[1] = {name};
	PGresult *res = NULL;
	if (!exec_ok(io, c, "reading pg_publication",
	             "SELECT oid::text, puballtables, pubinsert AND pubupdate AND pubdelete AND pubtruncate, "
	             "pg_get_userbyid(pubowner), pg_has_role(pubowner, 'USAGE') FROM pg_publication WHERE pubname = $1",
	             1, params, &res, err))
		return false;
	bool exists = PQntuples(res) == 1;
	char oid[16] = "";
	bool all_tables = false, all_actions = false;
	if (exists) {
		snprintf(oid, sizeof(oid), "%s", PQgetvalue(res, 0, 0));
		all_tables = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
		all_actions = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
		snprintf(p->owner, sizeof(p->owner), "%s", PQgetvalue(res, 0, 3));
		p->owned = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	}
	PQclear(res);

	bool same_tables = false;
	if (exists && !all_tables) {
		if (!exec_ok(io, c, "reading pg_publication_tables",
		             "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", 1, params,
		             &res, err))
			return false;
		size_t found = 0;
		for (int i = 0; i < PQntuples(res); i++)
			for (size_t k = 0; k < s->ntables; k++)
				if (strcmp(PQgetvalue(res, i, 0), s->tables[k].schema) == 0 &&
				    strcmp(PQgetvalue(res, i, 1), s->tables[k].name) == 0) {
					found++;
					break;
				}
		same_tables = (size_t)PQntuples(res) == s->ntables && found == s->ntables;
		PQclear(res);
		/* PostgreSQL 15: row filters, column lists, schemas make it differ too */
		if (same_tables && PQserverVersion(c) >= 150000) {
			const char *oparams[1] = {oid};
			if (!exec_ok(io, c, "reading pg_publication_rel",
			             "SELECT (SELECT count(*) FROM pg_publication_rel WHERE prpubid = $1::oid AND "
			             "(prqual IS NOT NULL OR prattrs IS NOT NULL)) + (SELECT count(*) FROM "
			             "pg_publication_namespace WHERE pnpubid = $1::oid)",
			             1, oparams, &res, err))
				return false;
			same_tables = strcmp(PQgetvalue(res, 0, 0), "0") == 0;
			PQclear(res);
		}
	}

	cb_sb sb;
	cb_sb_init(&sb);
	if (!exists) {
		p->action = PUB_CREATE;
		put_create(&sb, s, name);
	} else if (all_tables || (!same_tables && s->ntables == 0)) {
		p->action = PUB_RECREATE;
		cb_sb_put(&sb, "BEGIN; DROP PUBLICATION ");
		cb_sb_ident(&sb, name);
		cb_sb_put(&sb, "; ");
		put_create(&sb, s, name);
		cb_sb_put(&sb, "; COMMIT");
	} else if (!same_tables || !all_actions) {
		p->action = PUB_ALTER;
		if (!same_tables) {
			cb_sb_put(&sb, "ALTER PUBLICATION ");
			cb_sb_ident(&sb, name);
			for (size_t i = 0; i < s->ntables; i++) {
				cb_sb_put(&sb, i == 0 ? " SET TABLE " : ", ");
				cb_sb_ident(&sb, s->tables[i].schema);
				cb_sb_put(&sb, ".");
				cb_sb_ident(&sb, s->tables[i].name);
			}
		}
		if (!all_actions) {
			cb_sb_put(&sb, same_tables ? "ALTER PUBLICATION " : "; ALTER PUBLICATION ");
			cb_sb_ident(&sb, name);
			cb_sb_put(&sb, " SET (publish = '" STREAM_PUBLISH "')");
		}
	} else {
		p->action = PUB_OK;
		cb_sb_free(&sb);
		return true;
	}
	p->sql = cb_sb_finish(&sb);
	if (p->sql == NULL)
		return cb_fail(err, "out of memory");
	return true;
}

/* ---- set-up ---------------------------------------------------------------------------- */

static const char *pub_verb(pub_action a)
{
	return a == PUB_CREATE ? "create" : a == PUB_ALTER ? "change" : "re-create";
}

/* Make the publication and the slot as they must be (see stream_setup). */
static io_result setup_objects(const stream_settings *s, const char *name, int wakefd, stream_setup_info *info,
                               cb_error *err)
{
	memset(info, 0, sizeof(*info));
	int tmo = s->connect_timeout_ms;
	pgio io = io_for(wakefd, tmo, "connecting");
	PGconn *c = NULL;
	io_result r = io_connect(&io, s->conninfo, false, name, &c, err);
	if (r != IO_OK) {
		cb_error_prefix(err, "change stream: cannot connect to the backend: ");
		return r;
	}
	char user[128], quser[300], db[128];
	snprintf(user, sizeof(user), "%s", PQuser(c));
	snprintf(db, sizeof(db), "%s", PQdb(c));
	char *qu = PQescapeIdentifier(c, user, strlen(user));
	snprintf(quser, sizeof(quser), "%s", qu != NULL ? qu : user);
	PQfreemem(qu);
	int version = PQserverVersion(c);
	pub_plan plan = {0};
	slot_info si;
	bool drop_slot = false;
	if (version < STREAM_MIN_VERSION) {
		r = IO_FAILED;
		cb_fail(err,
		        "change stream: the backend is PostgreSQL %d.%d; the change stream needs 14 or later "
		        "(pgoutput's messages option): upgrade PostgreSQL",
		        version / 10000, version % 10000);
		goto out;
	}
	io = io_for(wakefd, s->setup_timeout_ms, "reading the replication slot");
	if (!slot_query(&io, c, name, &si, err)) {
		cb_error_prefix(err, "change stream: ");
		r = IO_FAILED;
		goto out;
	}
	if (si.exists && !slot_fits(&si)) {
		r = IO_FAILED;
		cb_fail(err,
		        "change stream: the replication slot %s exists but is a %s slot of plugin \"%s\" on database "
		        "\"%s\", not this cbcached's: give this cbcached another instance_name, or drop the slot: "
		        "SELECT pg_drop_replication_slot('%s')",
		        name, si.type, si.plugin, si.database, name);
		goto out;
	}
	if (si.exists && si.active_pid != 0 && strcmp(si.wal_status, "lost") != 0) {
		r = IO_FAILED;
		cb_fail(err,
		        "change stream: the replication slot %s is in use by the backend process %d: another cbcached "
		        "with instance_name %s streams from it (give each its own instance_name), or one that just "
		        "stopped has not gone yet (try again)",
		        name, si.active_pid, name + strlen("cbcache_"));
		goto out;
	}
	io = io_for(wakefd, s->setup_timeout_ms, "setting up the publication");
	if (!pub_plan_make(&io, c, s, name, &plan, err)) {
		r = IO_FAILED;
		goto out;
	}
	if (plan.action != PUB_OK) {
		PGresult *res = NULL;
		r = io_exec(&io, c, plan.sql, 0, NULL, &res, err);
		if (r == IO_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
			char msg[CB_ERROR_MAX / 2];
			result_error(res, msg, sizeof(msg), NULL);
			r = IO_FAILED;
			cb_fail(err,
			        "change stream: cannot %s the publication %s as %s: %s; run as a superuser or the "
			        "tables' owner on database %s: %s",
			        pub_verb(plan.action), name, user, msg, db, plan.sql);
		} else if (r != IO_OK) {
			cb_error_prefix(err, "change stream: %s the publication %s: ", pub_verb(plan.action), name);
		}
		PQclear(res);
		if (r != IO_OK)
			goto out;
		info->publication_created = plan.action == PUB_CREATE;
		info->publication_changed = plan.action != PUB_CREATE;
		log_info("change stream: publication %s %s: %s", name,
		         plan.action == PUB_CREATE ? "created" : "changed", plan.sql);
	}

	if (si.exists && strcmp(si.wal_status, "lost") == 0) {
		drop_slot = true;
		info->slot_was_lost = true;
		log_warning("change stream: the replication slot %s was invalidated (PostgreSQL removed WAL it still "
		            "needed): it is created again and the cache must start empty",
		            name);
	} else if (si.exists && (plan.action == PUB_CREATE || plan.action == PUB_RECREATE)) {
		/* decoding WAL older than the publication would not find it */
		drop_slot = true;
		log_warning("change stream: the publication %s is new, so the replication slot is created again and "
		            "the cache must start empty",
		            name);
	}
	if (drop_slot) {
		const char *params[1] = {name};
		if (!exec_ok(&io, c, "dropping the replication slot", "SELECT pg_drop_replication_slot($1)", 1, params,
		             NULL, err)) {
			cb_error_prefix(err, "change stream: ");
			r = IO_FAILED;
			goto out;
		}
	}
	PQfinish(c);
	c = NULL;

	/* the replication connection: IDENTIFY_SYSTEM, and the slot when it is missing */
	io = io_for(wakefd, tmo, "connecting for replication");
	r = io_connect(&io, s->conninfo, true, name, &c, err);
	if (r != IO_OK) {
		cb_error_prefix(err,
		                "change stream: cannot open a replication connection as %s (the role needs the "
		                "REPLICATION attribute: ALTER ROLE %s REPLICATION; and pg_hba.conf must admit it to "
		                "database %s): ",
		                user, quser, db);
		goto out;
	}
	PGresult *res = NULL;
	if (!exec_ok(&io, c, "IDENTIFY_SYSTEM", "IDENTIFY_SYSTEM", 0, NULL, &res, err)) {
		cb_error_prefix(err, "change stream: ");
		r = IO_FAILED;
		goto out;
	}
	if (PQntuples(res) != 1 || PQnfields(res) < 3) {
		PQclear(res);
		r = IO_FAILED;
		cb_fail(err, "change stream: IDENTIFY_SYSTEM returned no row");
		goto out;
	}
	snprintf(info->system_id, sizeof(info->system_id), "%s", PQgetvalue(res, 0, 0));
	info->timeline = (uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	(void)parse_lsn(PQgetvalue(res, 0, 2), &info->server_lsn);
	PQclear(res);

	if (!si.exists || drop_slot) {
		cb_sb sb;
		cb_sb_init(&sb);
		cb_sb_put(&sb, "CREATE_REPLICATION_SLOT ");
		cb_sb_ident(&sb, name);
		cb_sb_put(&sb, version >= 150000 ? " LOGICAL pgoutput (SNAPSHOT 'nothing')"
		                                 : " LOGICAL pgoutput NOEXPORT_SNAPSHOT");
		char *sql = cb_sb_finish(&sb);
		if (sql == NULL) {
			r = IO_FAILED;
			cb_fail(err, "out of memory");
			goto out;
		}
		io = io_for(wakefd, s->setup_timeout_ms,
		            "creating the replication slot (it waits for running transactions)");
		bool ok = exec_ok(&io, c, "creating the replication slot", sql, 0, NULL, &res, err);
		free(sql);
		if (!ok) {
			cb_error_prefix(err, "change stream: ");
			r = IO_FAILED;
			goto out;
		}
		if (PQntuples(res) == 1 && PQnfields(res) >= 2)
			(void)parse_lsn(PQgetvalue(res, 0, 1), &info->slot_lsn);
		PQclear(res);
		info->slot_created = true;
		log_info("change stream: replication slot %s created at %X/%X", name, PGOUTPUT_LSN_HI(info->slot_lsn),
		         PGOUTPUT_LSN_LO(info->slot_lsn));
	} else {
		info->slot_lsn = si.confirmed;
	}
	r = IO_OK;
out:
	free(plan.sql);
	PQfinish(c);
	return r;
}

/* ---- creating and destroying -------------------------------------------------------------- */

static char *dup_or_fail(const char *s, bool *ok)
{
	char *d = strdup(s != NULL ? s : "");
	if (d == NULL)
		*ok = false;
	return d;
}

static int64_t stream_step(void *arg, bool stopping);

stream *stream_new(const stream_settings *s, const stream_consumer *c, cb_error *err)
{
	if (s->instance == NULL || !valid_instance(s->instance))
		return cb_fail(err,
		               "change stream: instance name \"%s\" is not 1 to 40 lower-case letters, digits or "
		               "underscores",
		               s->instance ? s->instance : ""),
		       NULL;
	stream *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return cb_fail(err, "out of memory"), NULL;
	st->wake[0] = st->wake[1] = -1;
	pthread_mutex_init(&st->err_mu, NULL);
	st->set = *s;
	st->cons = c != NULL ? *c : (stream_consumer){0};
	bool ok = true;
	st->conninfo = dup_or_fail(s->conninfo, &ok);
	st->instance = dup_or_fail(s->instance, &ok);
	st->tables = calloc(s->ntables ? s->ntables : 1, sizeof(stream_table));
	size_t n = 0;
	for (size_t i = 0; ok && st->tables != NULL && i < s->ntables; i++) {
		bool dup = false; /* a table named twice is published once */
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(st->tables[k].schema, s->tables[i].schema) == 0 &&
			      strcmp(st->tables[k].name, s->tables[i].name) == 0;
		if (dup)
			continue;
		st->tables[n].schema = dup_or_fail(s->tables[i].schema, &ok);
		st->tables[n].name = dup_or_fail(s->tables[i].name, &ok);
		n++;
	}
	st->set.conninfo = st->conninfo;
	st->set.instance = st->instance;
	st->set.tables = st->tables;
	st->set.ntables = n;
	if (st->set.status_interval_ms <= 0)
		st->set.status_interval_ms = 1000;
	if (st->set.backoff_min_ms <= 0)
		st->set.backoff_min_ms = 100;
	if (st->set.backoff_max_ms <= 0)
		st->set.backoff_max_ms = 5000;
	if (st->set.backoff_max_ms < st->set.backoff_min_ms)
		st->set.backoff_max_ms = st->set.backoff_min_ms;
	if (st->set.connect_timeout_ms <= 0)
		st->set.connect_timeout_ms = 10000;
	if (st->set.setup_timeout_ms <= 0)
		st->set.setup_timeout_ms = 60000;
	stream_object_name(s->instance, st->name, sizeof(st->name));
	st->backoff_ms = st->set.backoff_min_ms;
	if (!ok || st->tables == NULL || (st->dec = pgoutput_decoder_new()) == NULL) {
		cb_fail(err, "out of memory");
		stream_free(st);
		return NULL;
	}
	if (pipe2(st->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		cb_fail(err, "change stream: cannot create its wake-up pipe: %s", strerror(errno));
		stream_free(st);
		return NULL;
	}
	if (!cb_worker_init(&st->worker, "change stream", stream_step, st, err)) {
		stream_free(st);
		return NULL;
	}
	st->worker_ready = true;
	return st;
}

void stream_free(stream *st)
{
	if (st == NULL)
		return;
	stream_stop(st);
	if (st->worker_ready)
		cb_worker_destroy(&st->worker);
	if (st->conn != NULL)
		PQfinish(st->conn);
	pgoutput_decoder_free(st->dec);
	for (size_t i = 0; st->tables != NULL && i < st->set.ntables; i++) {
		free((char *)st->tables[i].schema);
		free((char *)st->tables[i].name);
	}
	free(st->tables);
	free(st->conninfo);
	free(st->instance);
	if (st->wake[0] >= 0)
		close(st->wake[0]);
	if (st->wake[1] >= 0)
		close(st->wake[1]);
	pthread_mutex_destroy(&st->err_mu);
	free(st);
}

/* After a set-up: where confirmation starts, and a fresh slot's consequences. */
static void after_setup(stream *st, const stream_setup_info *info)
{
	snprintf(st->system_id, sizeof(st->system_id), "%s", info->system_id);
	st->timeline = info->timeline;
	st->floor = info->slot_lsn;
	st->setup_done = true;
	if (info->slot_created) {
		/* positions of an old slot mean nothing to the new one */
		st->created_pending = true;
		atomic_store(&st->applied, 0);
		st->start_lsn = 0;
		st->received = st->delivered_end = st->idle_lsn = 0;
		pgoutput_decoder_reset(st->dec);
	}
	st->reported = st->floor;
}

bool stream_setup(stream *st, stream_setup_info *info, cb_error *err)
{
	if (st->started)
		return cb_fail(err, "change stream: stream_setup while the stream runs: stop it first");
	if (setup_objects(&st->set, st->name, -1, info, err) != IO_OK)
		return false;
	after_setup(st, info);
	st->lost = false;
	return true;
}

bool stream_start(stream *st, pgoutput_lsn start_lsn, cb_error *err)
{
	if (!st->setup_done)
		return cb_fail(err, "change stream: stream_start before a successful stream_setup");
	if (st->started)
		return true;
	st->start_lsn = start_lsn;
	stream_set_applied(st, start_lsn);
	if (st->reported < start_lsn)
		st->reported = start_lsn;
	st->backoff_ms = st->set.backoff_min_ms;
	st->retry_us = 0;
	st->lost = false;
	set_state(st, STREAM_CONNECTING);
	if (!cb_worker_start(&st->worker, err)) {
		set_state(st, STREAM_STOPPED);
		return false;
	}
	st->started = true;
	return true;
}

void stream_set_applied(stream *st, pgoutput_lsn lsn)
{
	uint64_t cur = atomic_load(&st->applied);
	while (lsn > cur && !atomic_compare_exchange_weak(&st->applied, &cur, lsn)) {
	}
}

pgoutput_lsn stream_applied(stream *st)
{
	return atomic_load(&st->applied);
}

stream_state stream_get_state(stream *st)
{
	return (stream_state)atomic_load(&st->state);
}

const stream_stats *stream_get_stats(const stream *st)
{
	return &st->stats;
}

/* ---- the thread ------------------------------------------------------------------------ */

static void note_received(stream *st, pgoutput_lsn lsn)
{
	if (lsn > st->received) {
		st->received = lsn;
		STAT_SET(st, received_lsn, lsn);
	}
}

/* The position the server may consider applied (see the DESIGN: never past the consumer). */
static pgoutput_lsn confirm_position(stream *st)
{
	pgoutput_lsn flush = atomic_load(&st->applied);
	if (!st->in_txn && flush >= st->delivered_end && st->idle_lsn > flush) {
		if (st->cons.on_idle == NULL) {
			flush = st->idle_lsn;
		} else {
			st->cons.on_idle(st->cons.arg, st->idle_lsn); /* records it, then stream_set_applied */
			flush = atomic_load(&st->applied);
		}
	}
	if (flush < st->reported)
		flush = st->reported; /* never back (PostgreSQL 15 would move the slot back) */
	return flush;
}

/* Queue a Standby Status Update; false with err when the connection failed. */
static bool send_status(stream *st, cb_error *err)
{
	pgoutput_lsn flush = confirm_position(st);
	pgoutput_lsn write = st->received > flush ? st->received : flush;
	uint8_t msg[PGOUTPUT_STATUS_LEN];
	size_t n =
	        pgoutput_write_status(msg, write, flush, flush, pgoutput_time_from_unix_us(cb_clock_now_us()), false);
	int rc = PQputCopyData(st->conn, (const char *)msg, (int)n);
	if (rc < 0)
		return cb_fail(err, "sending a status update failed: %s", PQerrorMessage(st->conn));
	if (rc == 0) { /* libpq's buffer is full: try again when it drained */
		st->flush_pending = true;
		return true;
	}
	st->reported = flush;
	st->reply_now = false;
	st->next_status_us = cb_clock_mono_us() + (int64_t)st->set.status_interval_ms * 1000;
	STAT_SET(st, confirmed_lsn, flush);
	STAT_ADD(st, status_updates, 1);
	return true;
}

/* Give one decoded message to the consumer; false when it refused. */
static bool dispatch(stream *st, const pgoutput_msg *m, pgoutput_lsn lsn)
{
	const stream_consumer *c = &st->cons;
	void *a = c->arg;
	switch (m->kind) {
	case PGOUTPUT_BEGIN:
		st->in_txn = true;
		return c->on_begin == NULL || c->on_begin(a, &m->u.begin);
	case PGOUTPUT_COMMIT:
		if (c->on_commit != NULL && !c->on_commit(a, &m->u.commit))
			return false;
		st->in_txn = false;
		if (m->u.commit.end_lsn > st->delivered_end)
			st->delivered_end = m->u.commit.end_lsn;
		note_received(st, m->u.commit.end_lsn);
		STAT_ADD(st, transactions, 1);
		st->backoff_ms = st->set.backoff_min_ms;
		return true;
	case PGOUTPUT_ORIGIN:
		return c->on_origin == NULL || c->on_origin(a, &m->u.origin);
	case PGOUTPUT_RELATION:
		return c->on_relation == NULL || c->on_relation(a, &m->u.relation);
	case PGOUTPUT_TYPE:
		return c->on_type == NULL || c->on_type(a, &m->u.type);
	case PGOUTPUT_INSERT:
		return c->on_insert == NULL || c->on_insert(a, &m->u.insert, lsn);
	case PGOUTPUT_UPDATE:
		return c->on_update == NULL || c->on_update(a, &m->u.update, lsn);
	case PGOUTPUT_DELETE:
		return c->on_delete == NULL || c->on_delete(a, &m->u.del, lsn);
	case PGOUTPUT_TRUNCATE:
		return c->on_truncate == NULL || c->on_truncate(a, &m->u.truncate, lsn);
	case PGOUTPUT_MESSAGE:
		return c->on_message == NULL || c->on_message(a, &m->u.message);
	}
	return true;
}

/* One CopyData message from the server; false with err ends the connection. */
static bool handle_copydata(stream *st, const char *buf, int len, cb_error *err)
{
	pgoutput_copydata cd;
	STAT_ADD(st, bytes, (uint64_t)len);
	STAT_SET(st, last_message_us, cb_clock_now_us());
	if (!pgoutput_read_copydata(buf, (size_t)len, &cd, err)) {
		STAT_ADD(st, decode_errors, 1);
		return false;
	}
	if (cd.wal_end > atomic_load_explicit(&st->stats.server_wal_end, memory_order_relaxed))
		STAT_SET(st, server_wal_end, cd.wal_end);
	note_received(st, cd.wal_end);
	if (cd.kind == PGOUTPUT_KEEPALIVE) {
		STAT_ADD(st, keepalives, 1);
		if (!st->in_txn && cd.wal_end > st->idle_lsn)
			st->idle_lsn = cd.wal_end;
		if (cd.reply_requested)
			st->reply_now = true;
		return true;
	}
	pgoutput_msg m;
	if (!pgoutput_decode(st->dec, cd.data, cd.len, &m, err)) {
		STAT_ADD(st, decode_errors, 1);
		cb_error_prefix(err, "at %X/%X: ", PGOUTPUT_LSN_HI(cd.wal_start), PGOUTPUT_LSN_LO(cd.wal_start));
		return false;
	}
	STAT_ADD(st, messages, 1);
	if (!dispatch(st, &m, cd.wal_start)) {
		STAT_ADD(st, refused, 1);
		return cb_fail(
		        err, "the consumer refused the %s message at %X/%X: reconnecting, the server sends it again",
		        pgoutput_kind_name(m.kind), PGOUTPUT_LSN_HI(cd.wal_start), PGOUTPUT_LSN_LO(cd.wal_start));
	}
	return true;
}

/*
 * Whether the slot is gone (dropped, invalidated) or the publication was
 * dropped, asked on a plain connection; the reason goes to why.  False
 * when it exists or the question could not be answered (then it is
 * treated as a passing failure).
 */
static bool slot_is_lost(stream *st, char *why, size_t n)
{
	cb_error err = {{0}};
	pgio io = io_for(st->wake[0], st->set.connect_timeout_ms, "asking for the slot's state");
	PGconn *c = NULL;
	if (io_connect(&io, st->conninfo, false, st->name, &c, &err) != IO_OK)
		return false;
	slot_info si;
	bool lost = false;
	if (slot_query(&io, c, st->name, &si, &err)) {
		if (!si.exists) {
			lost = true;
			snprintf(why, n, "the replication slot %s does not exist any more (dropped)", st->name);
		} else if (strcmp(si.wal_status, "lost") == 0) {
			lost = true;
			snprintf(why, n,
			         "the replication slot %s was invalidated: PostgreSQL removed WAL it still needed "
			         "(max_slot_wal_keep_size)",
			         st->name);
		} else {
			const char *params[1] = {st->name};
			PGresult *res = NULL;
			if (exec_ok(&io, c, "reading pg_publication", "SELECT 1 FROM pg_publication WHERE pubname = $1",
			            1, params, &res, &err)) {
				if (PQntuples(res) == 0) {
					lost = true;
					snprintf(why, n, "the publication %s was dropped", st->name);
				}
				PQclear(res);
			}
		}
	}
	PQfinish(c);
	return lost;
}

/* A server error on the stream: is it the slot's end? */
static void classify_error(stream *st, const char *sqlstate, const char *msg, cb_error *err)
{
	char why[512];
	if (strcmp(sqlstate, "58P01") == 0) { /* undefined_file: a WAL segment was removed */
		st->lost = true;
		cb_error_set(err, "the replication slot %s lost WAL it needed: %s", st->name, msg);
		return;
	}
	/* class 57 is an operator's intervention (terminated, shutting down): just reconnect */
	if (sqlstate[0] != '\0' && strncmp(sqlstate, "57", 2) != 0 && strcmp(sqlstate, "55006") != 0 &&
	    slot_is_lost(st, why, sizeof(why))) {
		st->lost = true;
		cb_error_set(err, "%s (the server said: %s)", why, msg);
		return;
	}
	cb_error_set(err, "%s", msg);
}

/* Start streaming: connect, IDENTIFY_SYSTEM, START_REPLICATION. */
static io_result stream_connect(stream *st, cb_error *err)
{
	set_state(st, STREAM_CONNECTING);
	pgio io = io_for(st->wake[0], st->set.connect_timeout_ms, "starting replication");
	PGconn *c = NULL;
	io_result r = io_connect(&io, st->conninfo, true, st->name, &c, err);
	if (r != IO_OK) {
		cb_error_prefix(err, "connecting: ");
		return r;
	}
	PGresult *res = NULL;
	if (!exec_ok(&io, c, "IDENTIFY_SYSTEM", "IDENTIFY_SYSTEM", 0, NULL, &res, err)) {
		PQfinish(c);
		return IO_FAILED;
	}
	pgoutput_lsn server_lsn = 0;
	if (PQntuples(res) == 1 && PQnfields(res) >= 3) {
		snprintf(st->system_id, sizeof(st->system_id), "%s", PQgetvalue(res, 0, 0));
		st->timeline = (uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
		(void)parse_lsn(PQgetvalue(res, 0, 2), &server_lsn);
	}
	PQclear(res);

	pgoutput_lsn start = atomic_load(&st->applied);
	if (start < st->start_lsn)
		start = st->start_lsn;
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "START_REPLICATION SLOT \"%s\" LOGICAL %X/%X (proto_version '1', publication_names '\"%s\"', "
	         "messages 'true')",
	         st->name, PGOUTPUT_LSN_HI(start), PGOUTPUT_LSN_LO(start), st->name);
	r = io_exec(&io, c, sql, 0, NULL, &res, err);
	if (r != IO_OK) {
		PQfinish(c);
		cb_error_prefix(err, "START_REPLICATION: ");
		return r;
	}
	if (PQresultStatus(res) != PGRES_COPY_BOTH) {
		char msg[CB_ERROR_MAX / 2], sqlstate[6];
		result_error(res, msg, sizeof(msg), sqlstate);
		PQclear(res);
		PQfinish(c);
		classify_error(st, sqlstate, msg, err);
		if (!st->lost)
			cb_error_prefix(err, "START_REPLICATION: ");
		return IO_FAILED;
	}
	PQclear(res);
	if (PQsetnonblocking(c, 1) != 0) {
		PQfinish(c);
		return cb_fail(err, "cannot make the connection non-blocking"), IO_FAILED;
	}
	st->conn = c;
	st->in_txn = false;
	st->reply_now = false;
	st->flush_pending = false;
	st->more = false;
	st->connected_us = cb_clock_mono_us();
	st->next_status_us = st->connected_us; /* tell the server where we are at once */
	st->connections++;
	STAT_ADD(st, connects, 1);
	if (st->connections > 1)
		STAT_ADD(st, reconnects, 1);
	set_state(st, STREAM_STREAMING);
	log_info("change stream: streaming from slot %s at %X/%X (server at %X/%X)", st->name, PGOUTPUT_LSN_HI(start),
	         PGOUTPUT_LSN_LO(start), PGOUTPUT_LSN_HI(server_lsn), PGOUTPUT_LSN_LO(server_lsn));
	stream_connected info = {.system_id = st->system_id,
	                         .timeline = st->timeline,
	                         .server_lsn = server_lsn,
	                         .start_lsn = start,
	                         .connection = st->connections,
	                         .slot_created = st->created_pending};
	if (st->cons.on_connected != NULL && !st->cons.on_connected(st->cons.arg, &info)) {
		STAT_ADD(st, refused, 1);
		cb_fail(err, "the consumer refused the connection");
		return IO_FAILED; /* the caller ends the connection */
	}
	st->created_pending = false;
	return IO_OK;
}

/* Read and handle what the server sent; false with err when the connection is done. */
static bool stream_pump(stream *st, cb_error *err)
{
	PGconn *c = st->conn;
	int64_t now = cb_clock_mono_us();
	int64_t wait_us = st->next_status_us - now;
	if (st->more || st->reply_now || wait_us < 0)
		wait_us = 0;
	if (wait_us > 1000000)
		wait_us = 1000000;
	struct pollfd p[2] = {{.fd = PQsocket(c), .events = POLLIN | (st->flush_pending ? POLLOUT : 0)},
	                      {.fd = st->wake[0], .events = POLLIN}};
	int n = poll(p, 2, (int)((wait_us + 999) / 1000));
	if (n < 0 && errno != EINTR)
		return cb_fail(err, "poll failed: %s", strerror(errno));
	if (n > 0 && (p[1].revents & POLLIN))
		return true; /* stopping: the worker sees it */
	if (!PQconsumeInput(c)) {
		char msg[CB_ERROR_MAX / 2];
		one_line(msg, sizeof(msg), PQerrorMessage(c));
		return cb_fail(err, "the connection was lost: %s", msg);
	}
	st->more = false;
	for (int i = 0; i < STREAM_BATCH; i++) {
		char *buf = NULL;
		int len = PQgetCopyData(c, &buf, 1);
		if (len == 0)
			break;
		if (len > 0) {
			bool ok = handle_copydata(st, buf, len, err);
			PQfreemem(buf);
			if (!ok)
				return false;
			if (i == STREAM_BATCH - 1)
				st->more = true;
			continue;
		}
		/* the COPY ended (-1) or the connection failed (-2): the result says why */
		PGresult *res = PQgetResult(c);
		if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR) {
			char msg[CB_ERROR_MAX / 2], sqlstate[6];
			result_error(res, msg, sizeof(msg), sqlstate);
			PQclear(res);
			classify_error(st, sqlstate, msg, err);
			return false;
		}
		PQclear(res);
		char msg[CB_ERROR_MAX / 2];
		one_line(msg, sizeof(msg), PQerrorMessage(c));
		return cb_fail(err, "the server ended the stream%s%s", len == -2 ? ": " : "", len == -2 ? msg : "");
	}
	if (!st->in_txn && st->cons.on_pause != NULL && !st->cons.on_pause(st->cons.arg)) {
		STAT_ADD(st, refused, 1);
		return cb_fail(err, "the consumer could not commit what it applied: reconnecting, the server sends it "
		                    "again");
	}
	if ((st->reply_now || cb_clock_mono_us() >= st->next_status_us) && !send_status(st, err))
		return false;
	int f = PQflush(c);
	if (f < 0)
		return cb_fail(err, "sending failed: %s", PQerrorMessage(c));
	st->flush_pending = f == 1;
	return true;
}

/* End the streaming connection: politely (stop) or at once (an error). */
static void stream_close(stream *st, bool polite)
{
	PGconn *c = st->conn;
	if (c == NULL)
		return;
	if (polite) {
		/* the last confirmation, then CopyDone; wait (bounded) for the server's end of the COPY */
		cb_error err = {{0}};
		pgio io = {.wakefd = -1, .deadline_us = cb_clock_mono_us() + STREAM_STOP_WAIT_US, .what = "stopping"};
		bool ok = send_status(st, &err) && io_flush(&io, c, &err) == IO_OK;
		while (ok) {
			int rc = PQputCopyEnd(c, NULL);
			if (rc == 1)
				break;
			ok = rc == 0 && io_wait(&io, PQsocket(c), true, &err) == IO_OK;
		}
		ok = ok && io_flush(&io, c, &err) == IO_OK;
		while (ok) {
			char *buf = NULL;
			int len = PQgetCopyData(c, &buf, 1);
			if (len > 0) {
				PQfreemem(buf); /* sent after the stop: not given to the consumer, not confirmed */
				continue;
			}
			if (len < 0)
				break;
			ok = io_wait(&io, PQsocket(c), false, &err) == IO_OK && PQconsumeInput(c);
		}
		while (ok) {
			if (PQisBusy(c)) {
				ok = io_wait(&io, PQsocket(c), false, &err) == IO_OK && PQconsumeInput(c);
				continue;
			}
			PGresult *res = PQgetResult(c);
			if (res == NULL)
				break;
			PQclear(res);
		}
		if (!ok)
			log_debug("change stream: the server did not acknowledge the end of the stream: %s", err.msg);
	}
	PQfinish(c);
	st->conn = NULL;
	st->in_txn = false;
}

/* Wait before the next attempt (exponential backoff). */
static int64_t stream_backoff(stream *st)
{
	int64_t now = cb_clock_mono_us();
	st->retry_us = now + (int64_t)st->backoff_ms * 1000;
	st->backoff_ms = st->backoff_ms >= st->set.backoff_max_ms / 2 ? st->set.backoff_max_ms : st->backoff_ms * 2;
	set_state(st, STREAM_WAITING);
	return st->retry_us;
}

static int64_t stream_lost(stream *st, const char *reason)
{
	STAT_ADD(st, slots_lost, 1);
	set_state(st, STREAM_SLOT_LOST);
	log_error("change stream: %s; the cache must be emptied and the slot created again", reason);
	if (st->cons.on_slot_lost != NULL)
		st->cons.on_slot_lost(st->cons.arg, reason);
	if (!st->set.recreate_lost_slot)
		return CB_WORKER_IDLE;
	st->backoff_ms = st->set.backoff_min_ms;
	int64_t next = stream_backoff(st);
	set_state(st, STREAM_SLOT_LOST);
	return next;
}

/* The connection ended by an error: tell the consumer, then back off (or the slot is lost). */
static int64_t stream_failed(stream *st, const char *reason, bool was_streaming)
{
	set_last_error(st, reason);
	if (was_streaming) {
		int64_t up_us = cb_clock_mono_us() - st->connected_us;
		stream_close(st, false);
		STAT_ADD(st, disconnects, 1);
		if (up_us >= (int64_t)st->set.backoff_max_ms * 4000)
			st->backoff_ms = st->set.backoff_min_ms;
		log_warning("change stream: %s", reason);
		if (st->cons.on_disconnected != NULL)
			st->cons.on_disconnected(st->cons.arg, reason);
	} else {
		STAT_ADD(st, connect_failures, 1);
		if (!st->lost)
			log_warning("change stream: %s; trying again in %d ms", reason, st->backoff_ms);
	}
	if (st->lost)
		return stream_lost(st, reason);
	return stream_backoff(st);
}

static int64_t stream_step(void *arg, bool stopping)
{
	stream *st = arg;
	cb_error err = {{0}};
	if (stopping) {
		if (st->in_txn && st->cons.on_disconnected != NULL) /* in this thread: the consumer rolls back */
			st->cons.on_disconnected(st->cons.arg, "the stream was stopped inside a transaction");
		st->in_txn = false;
		stream_close(st, true);
		set_state(st, STREAM_STOPPED);
		return CB_WORKER_IDLE;
	}
	if (st->conn != NULL) {
		if (stream_pump(st, &err))
			return CB_WORKER_NOW;
		return stream_failed(st, err.msg, true);
	}
	if (st->lost && !st->set.recreate_lost_slot)
		return CB_WORKER_IDLE;
	if (cb_clock_mono_us() < st->retry_us)
		return st->retry_us;
	if (st->lost) {
		stream_setup_info info;
		io_result r = setup_objects(&st->set, st->name, st->wake[0], &info, &err);
		if (r == IO_STOPPED)
			return CB_WORKER_IDLE;
		if (r != IO_OK) {
			set_last_error(st, err.msg);
			log_warning("%s; trying again in %d ms", err.msg, st->backoff_ms);
			int64_t next = stream_backoff(st);
			set_state(st, STREAM_SLOT_LOST);
			return next;
		}
		st->lost = false;
		after_setup(st, &info);
	}
	io_result r = stream_connect(st, &err);
	if (r == IO_OK)
		return CB_WORKER_NOW;
	if (r == IO_STOPPED) {
		stream_close(st, false);
		return CB_WORKER_IDLE;
	}
	return stream_failed(st, err.msg, st->conn != NULL);
}

void stream_stop(stream *st)
{
	if (st == NULL || !st->started)
		return;
	char one = 1;
	ssize_t w = write(st->wake[1], &one, 1);
	(void)w;
	cb_worker_stop(&st->worker);
	char buf[16];
	while (read(st->wake[0], buf, sizeof(buf)) > 0) {
	}
	st->started = false;
	set_state(st, STREAM_STOPPED);
}

/* ---- cbcached --check --------------------------------------------------------------------- */

typedef struct check_ctx {
	stream_check_fn fn;
	void *arg;
	int n;
} check_ctx;

static CB_PRINTF(3, 4) void problem(check_ctx *cx, const char *fix, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cx->n++;
	if (cx->fn != NULL)
		cx->fn(cx->arg, msg, fix);
}

/* The tables: exist, replica identity, owned by cache_user; *owns_all for the publication. */
static bool check_tables(check_ctx *cx, const pgio *io, PGconn *c, const stream_settings *s, bool *owns_all,
                         cb_error *err)
{
	*owns_all = true;
	if (s->ntables == 0)
		return true;
	const char **schemas = calloc(s->ntables, sizeof(char *)), **names = calloc(s->ntables, sizeof(char *));
	char *a1 = NULL, *a2 = NULL;
	bool ok = schemas != NULL && names != NULL;
	for (size_t i = 0; ok && i < s->ntables; i++) {
		schemas[i] = s->tables[i].schema;
		names[i] = s->tables[i].name;
	}
	if (ok) {
		a1 = pgconn_text_array(schemas, s->ntables);
		a2 = pgconn_text_array(names, s->ntables);
		ok = a1 != NULL && a2 != NULL;
	}
	free(schemas);
	free(names);
	if (!ok) {
		free(a1);
		free(a2);
		return cb_fail(err, "out of memory");
	}
	const char *params[2] = {a1, a2};
	PGresult *res = NULL;
	ok = exec_ok(io, c, "reading the tables",
	             "SELECT t.s, t.n, c.oid IS NOT NULL, coalesce(c.relreplident::text, ''), "
	             "coalesce(pg_has_role(c.relowner, 'USAGE'), false), "
	             "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) "
	             "FROM unnest($1::text[], $2::text[]) AS t(s, n) "
	             "LEFT JOIN pg_namespace ns ON ns.nspname = t.s "
	             "LEFT JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = t.n AND c.relkind IN ('r', 'p')",
	             2, params, &res, err);
	free(a1);
	free(a2);
	if (!ok)
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *sch = PQgetvalue(res, i, 0), *tab = PQgetvalue(res, i, 1);
		cb_sb q;
		cb_sb_init(&q);
		cb_sb_ident(&q, sch);
		cb_sb_put(&q, ".");
		cb_sb_ident(&q, tab);
		char *qname = cb_sb_finish(&q);
		const char *shown = qname != NULL ? qname : tab;
		if (strcmp(PQgetvalue(res, i, 2), "t") != 0) {
			problem(cx, "fix the cache group files, or create the table",
			        "the cache table %s does not exist", shown);
			free(qname);
			continue;
		}
		if (strcmp(PQgetvalue(res, i, 4), "t") != 0)
			*owns_all = false;
		char fix[600];
		if (strcmp(PQgetvalue(res, i, 3), "n") == 0) {
			snprintf(fix, sizeof(fix), "ALTER TABLE %s REPLICA IDENTITY DEFAULT;", shown);
			problem(cx, fix,
			        "table %s has REPLICA IDENTITY NOTHING: once it is published, PostgreSQL refuses its "
			        "updates and deletes",
			        shown);
		} else if (strcmp(PQgetvalue(res, i, 3), "i") == 0) {
			snprintf(fix, sizeof(fix), "ALTER TABLE %s REPLICA IDENTITY DEFAULT;", shown);
			problem(cx, fix,
			        "table %s has REPLICA IDENTITY USING INDEX: the old keys of its changes may lack "
			        "primary key "
			        "columns, and the cache identifies rows by the primary key (such a change stops "
			        "answers "
			        "from the table until it is compiled again)",
			        shown);
		} else if (strcmp(PQgetvalue(res, i, 3), "d") == 0 && strcmp(PQgetvalue(res, i, 5), "t") != 0) {
			snprintf(fix, sizeof(fix),
			         "ALTER TABLE %s ADD PRIMARY KEY (...); (a cache table needs one anyway)", shown);
			problem(cx, fix,
			        "table %s has no primary key: once it is published, PostgreSQL refuses its updates and "
			        "deletes",
			        shown);
		}
		free(qname);
	}
	PQclear(res);
	return true;
}

int stream_check(const stream_settings *s, stream_check_fn fn, void *arg, cb_error *err)
{
	check_ctx cx = {fn, arg, 0};
	if (s->instance == NULL || !valid_instance(s->instance)) {
		cb_fail(err, "instance_name \"%s\" is not 1 to 40 lower-case letters, digits or underscores",
		        s->instance ? s->instance : "");
		return -1;
	}
	char name[STREAM_NAME_MAX];
	stream_object_name(s->instance, name, sizeof(name));
	int tmo = s->connect_timeout_ms > 0 ? s->connect_timeout_ms : 10000;
	pgio io = io_for(-1, tmo, "connecting");
	PGconn *c = NULL;
	if (io_connect(&io, s->conninfo, false, name, &c, err) != IO_OK) {
		cb_error_prefix(err, "change stream: cannot connect to the backend: ");
		return -1;
	}
	io = io_for(-1, s->setup_timeout_ms > 0 ? s->setup_timeout_ms : 60000, "checking the backend");
	int version = PQserverVersion(c);
	char fix[4096];
	if (version < STREAM_MIN_VERSION)
		problem(&cx, "upgrade PostgreSQL to 14 or later",
		        "the backend is PostgreSQL %d.%d; the change stream needs 14 or later (pgoutput's messages "
		        "option)",
		        version / 10000, version % 10000);

	PGresult *res = NULL;
	bool read =
	        exec_ok(&io, c, "reading the settings",
	                "SELECT current_setting('wal_level'), current_setting('max_replication_slots')::int, "
	                "(SELECT count(*) FROM pg_replication_slots)::int, current_setting('max_wal_senders')::int, "
	                "(SELECT count(*) FROM pg_stat_replication)::int, r.rolsuper, r.rolreplication, current_user "
	                "FROM pg_roles r WHERE r.rolname = current_user",
	                0, NULL, &res, err);
	if (read && PQntuples(res) != 1)
		read = cb_fail(err,
		               "change stream: cannot read the backend's settings: current_user is not in pg_roles");
	if (!read) {
		PQclear(res);
		PQfinish(c);
		return -1;
	}
	char wal_level[32], user[128];
	snprintf(wal_level, sizeof(wal_level), "%s", PQgetvalue(res, 0, 0));
	int max_slots = atoi(PQgetvalue(res, 0, 1)), used_slots = atoi(PQgetvalue(res, 0, 2));
	int max_senders = atoi(PQgetvalue(res, 0, 3)), used_senders = atoi(PQgetvalue(res, 0, 4));
	bool super = strcmp(PQgetvalue(res, 0, 5), "t") == 0, repl = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
	snprintf(user, sizeof(user), "%s", PQgetvalue(res, 0, 7));
	PQclear(res);

	if (strcmp(wal_level, "logical") != 0)
		problem(&cx, "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL",
		        "wal_level is %s: the change stream needs logical", wal_level);

	slot_info si;
	if (!slot_query(&io, c, name, &si, err)) {
		PQfinish(c);
		return -1;
	}
	if (si.exists && !slot_fits(&si)) {
		snprintf(fix, sizeof(fix),
		         "give this cbcached another instance_name, or SELECT pg_drop_replication_slot('%s');", name);
		problem(&cx, fix, "the replication slot %s exists but is a %s slot of plugin \"%s\" on database \"%s\"",
		        name, si.type, si.plugin, si.database);
	} else if (si.exists && si.active_pid != 0) {
		problem(&cx, "give each cbcached on this backend its own instance_name, or stop the other one",
		        "the replication slot %s is in use by the backend process %d (another cbcached streams from "
		        "it)",
		        name, si.active_pid);
	}
	if (!si.exists && used_slots >= max_slots) {
		snprintf(fix, sizeof(fix), "ALTER SYSTEM SET max_replication_slots = %d; then restart PostgreSQL",
		         used_slots + 1);
		problem(&cx, fix, "no free replication slot: %d of max_replication_slots = %d are in use", used_slots,
		        max_slots);
	}
	if (used_senders >= max_senders) {
		snprintf(fix, sizeof(fix), "ALTER SYSTEM SET max_wal_senders = %d; then restart PostgreSQL",
		         used_senders + 1);
		problem(&cx, fix, "no free WAL sender: %d of max_wal_senders = %d are in use", used_senders,
		        max_senders);
	}
	cb_sb q;
	cb_sb_init(&q);
	cb_sb_ident(&q, user);
	char *quser = cb_sb_finish(&q);
	if (!super && !repl) {
		snprintf(fix, sizeof(fix), "ALTER ROLE %s REPLICATION;", quser != NULL ? quser : user);
		problem(&cx, fix,
		        "cache_user %s lacks the REPLICATION attribute: it cannot create the slot or read the stream",
		        user);
	}

	bool owns_all = true;
	if (!check_tables(&cx, &io, c, s, &owns_all, err)) {
		free(quser);
		PQfinish(c);
		return -1;
	}
	pub_plan plan;
	if (!pub_plan_make(&io, c, s, name, &plan, err)) {
		free(quser);
		PQfinish(c);
		return -1;
	}
	if (plan.action != PUB_OK) {
		bool can_create = true;
		if (plan.action != PUB_ALTER && !super) {
			if (exec_ok(&io, c, "reading the database's privileges",
			            "SELECT has_database_privilege(current_database(), 'CREATE')", 0, NULL, &res,
			            err)) {
				can_create = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
				PQclear(res);
			}
		}
		bool can = super || (owns_all && can_create && (plan.action == PUB_CREATE || plan.owned));
		if (!can) {
			snprintf(fix, sizeof(fix), "%s; (as a superuser or the tables' owner on database %s)", plan.sql,
			         PQdb(c));
			problem(&cx, fix, "the publication %s %s, and cache_user %s may not %s it (%s)", name,
			        plan.action == PUB_CREATE  ? "does not exist"
			        : plan.action == PUB_ALTER ? "publishes other tables or actions"
			                                   : "is FOR ALL TABLES",
			        user, pub_verb(plan.action),
			        !owns_all     ? "it does not own every cache table"
			        : !can_create ? "it lacks CREATE on the database"
			                      : "it does not own the publication");
		}
	}
	free(plan.sql);
	PQfinish(c);

	/* the replication connection itself (pg_hba.conf, the role) */
	if (super || repl) {
		io = io_for(-1, tmo, "connecting for replication");
		if (io_connect(&io, s->conninfo, true, name, &c, err) != IO_OK) {
			char msg[CB_ERROR_MAX];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			snprintf(fix, sizeof(fix),
			         "let pg_hba.conf admit %s to its database (replication=database connections match the "
			         "database column, not \"replication\")",
			         user);
			problem(&cx, fix, "cannot open a replication connection as %s: %s", user, msg);
			cb_error_clear(err);
		} else {
			if (!exec_ok(&io, c, "IDENTIFY_SYSTEM", "IDENTIFY_SYSTEM", 0, NULL, NULL, err)) {
				problem(&cx, "check the server log", "the replication connection fails: %s", err->msg);
				cb_error_clear(err);
			}
			PQfinish(c);
		}
	}
	free(quser);
	return cx.n;
}

/* ---- dropping ------------------------------------------------------------------------------- */

bool stream_drop(const stream_settings *s, bool *slot_dropped, bool *publication_dropped, cb_error *err)
{
	*slot_dropped = *publication_dropped = false;
	if (s->instance == NULL || !valid_instance(s->instance))
		return cb_fail(err, "instance_name \"%s\" is not 1 to 40 lower-case letters, digits or underscores",
		               s->instance ? s->instance : "");
	char name[STREAM_NAME_MAX];
	stream_object_name(s->instance, name, sizeof(name));
	int tmo = s->setup_timeout_ms > 0 ? s->setup_timeout_ms : 60000;
	pgio io = io_for(-1, s->connect_timeout_ms > 0 ? s->connect_timeout_ms : 10000, "connecting");
	PGconn *c = NULL;
	if (io_connect(&io, s->conninfo, false, name, &c, err) != IO_OK) {
		cb_error_prefix(err, "cannot connect to the backend: ");
		return false;
	}
	io = io_for(-1, tmo, "dropping the slot and the publication");
	slot_info si;
	const char *params[1] = {name};
	bool ok = slot_query(&io, c, name, &si, err);
	if (ok && si.exists && si.active_pid != 0)
		ok = cb_fail(err,
		             "the replication slot %s is in use by the backend process %d: stop the cbcached that "
		             "streams from it first",
		             name, si.active_pid);
	if (ok && si.exists) {
		ok = exec_ok(&io, c, "dropping the replication slot", "SELECT pg_drop_replication_slot($1)", 1, params,
		             NULL, err);
		if (!ok)
			cb_error_prefix(err, "(run as a role with REPLICATION: SELECT pg_drop_replication_slot('%s')) ",
			                name);
		*slot_dropped = ok;
	}
	PGresult *res = NULL;
	if (ok)
		ok = exec_ok(&io, c, "reading pg_publication", "SELECT 1 FROM pg_publication WHERE pubname = $1", 1,
		             params, &res, err);
	if (ok && PQntuples(res) == 1) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP PUBLICATION \"%s\"", name);
		ok = exec_ok(&io, c, "dropping the publication", sql, 0, NULL, NULL, err);
		if (!ok)
			cb_error_prefix(err, "(run as its owner or a superuser: %s) ", sql);
		*publication_dropped = ok;
	}
	PQclear(res);
	PQfinish(c);
	return ok;
}
