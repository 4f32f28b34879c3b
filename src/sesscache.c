/*
 * sesscache.c - a session's side of the cache (see the DESIGN in
 * sesscache.h).
 *
 * Functions prefix: sesscache_
 */
#include "src/sesscache.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <uthash.h>

#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/sb.h"
#include "cache/reach.h"
#include "hit/hitpath.h"
#include "hit/sesscheck.h"
#include "sql/lexer.h"
#include "sql/memoable.h"
#include "sql/stmtclass.h"
#include "sql/types.h"
#include "src/backmemo.h"
#include "src/stats.h"

/* The reserved names of the settings check's prepared statement and portal. */
#define CHECK_STMT "__cbcache_settings_check"
/* Most parameters a held Bind may carry to be answered from the cache. */
#define HELD_MAX_PARAMS 128
/* Most messages held: a batch the cache answers is [Parse ""] Bind [Describe portal] Execute. */
#define HELD_MAX_MESSAGES 12 /* three statements of Parse, Bind, Describe, Execute */
/* held and stale_parse grown past this (by a long message) are freed once empty. */
#define HELD_KEEP (64 * 1024)

typedef enum check_state {
	CHK_UNKNOWN, /* must be run before the cache answers */
	CHK_PENDING, /* sent, answer not in */
	CHK_OK,
	CHK_FAILED /* the backend refused it (a failed transaction): run again after the next statement */
} check_state;

/* What one exchange with the backend is: it ends with the backend's ReadyForQuery. */
typedef enum unit_kind {
	UNIT_QUERY,    /* the client's simple Query */
	UNIT_EXTENDED, /* the client's extended messages up to their Sync */
	UNIT_FUNCTION, /* the client's FunctionCall */
	UNIT_CHECK,    /* the settings check: the client sees none of it */
	UNIT_REPLAY    /* a named Parse answered here, sent on with its own Sync: the client sees none of it */
} unit_kind;

typedef struct unit {
	unit_kind kind;
	bool open;                     /* UNIT_EXTENDED before its Sync */
	bool seen;                     /* the backend's first answer to it was read */
	bool explicit_;                /* a transaction block was open when it began, or it began one */
	bool probe;                    /* a settings check must follow it before the client sees its ReadyForQuery */
	bool probe_sent;               /* that check is in bout behind it */
	bool error;                    /* the backend answered it with an error */
	unsigned completed;            /* its statements' CommandComplete messages read */
	sqlfe_stmtclass_forget forget; /* prepared statements it drops when it succeeds (UNIT_REPLAY: when it fails) */
	char forget_name[SQLFE_IDENT_MAX + 1]; /* SQLFE_FORGET_ONE: which */
	sqlfe_stmtclass_result eff;            /* what its statements may do (their union) */
	unsigned execs;                        /* its Query or Execute messages */
	unsigned misses;                       /* of those, reads the cache could answer (missed, or refused) */
	sqlfe_stmtclass_begin begin;           /* UNIT_QUERY: the transaction start it is, if one */
	/*
	 * A pipeline answer_held matched whose read the cache missed: wrap of
	 * its statements change nothing but open a transaction (BEGIN: 1) or
	 * nothing at all when the read succeeds (SAVEPOINT x, RELEASE x: 2).
	 */
	unsigned wrap;
	bool begins_rc; /* its BEGIN opens a READ COMMITTED transaction */
	/* the memo of backend answers: the key its answer is kept under (NULL: not kept) */
	char *mkey;
	size_t mkey_len;
	uint64_t mpos;  /* the source position read before it was sent */
	wire_buf cap;   /* what the client got of it so far */
	uint64_t mrows; /* DataRows in cap */
} unit;

/* A prepared statement the client made (named, or the unnamed one). */
typedef struct pstmt {
	char *name;
	char *text; /* NUL-terminated */
	size_t len;
	int ntypes;
	uint32_t *types;
	/*
	 * What executing it may do to the cache, judged once when the backend
	 * parses it: at its Parse, or for an unnamed statement answered here
	 * (stale) when unstale() sends its Parse on.  judged says eff is set;
	 * only the stale unnamed statement is not judged yet.
	 */
	sqlfe_stmtclass_result eff;
	bool judged;
	bool ambiguous; /* named twice: what the backend holds is not known */
	UT_hash_handle hh;
} pstmt;

struct sesscache {
	cachesvc *cs;
	cachedb *db;
	hitpath_engine *eng;
	hitpath_conn *hp; /* opened at the first statement the cache may answer */
	bool hp_failed;

	/* the cache tables, for the check and the write judgement */
	size_t ngroups;
	sqlfe_stmtclass_tables tables;
	uint32_t *oids[SQLFE_STMTCLASS_MAX_GROUPS];
	char **quoted[SQLFE_STMTCLASS_MAX_GROUPS]; /* "name" as an identifier */
	size_t ncheck;                             /* tables in the check */
	reach *reach;                              /* the catalog's word on writes and calls (cache/reach.h) */
	unsigned reach_gen;
	unsigned ddl_gen; /* cachesvc_ddl_generation() when the settings were last checked */

	/* settings */
	hitpath_session ss; /* what the hit path must know; its strings point at the arrays below */
	char timezone[64];
	char datestyle[64];
	char intervalstyle[64];
	uint64_t readable[SQLFE_STMTCLASS_MAX_GROUPS];
	check_state check;
	bool check_prepared; /* the backend holds CHECK_STMT */
	bool check_row;      /* the running check's DataRow was read */
	bool check_error;
	char held_ready; /* a ReadyForQuery the client gets when the running check ends ('\0' none) */
	bool default_rc; /* default_transaction_isolation is read committed (or uncommitted), as last checked */

	/* the exchanges the backend has not finished, oldest first (units[head .. head + nunits)) */
	unit *units;
	size_t cap, head, nunits;
	char txn;            /* the last ReadyForQuery's status */
	bool txn_reads;      /* the open transaction may be answered from the cache (see txn_readable) */
	bool report_txn;     /* the client reads hits itself: tell it cbcache.txn_reads (put_txn_reads) */
	bool txn_reported;   /* the cbcache.txn_reads it was last told ("on": true) */
	unsigned held_wrap;  /* the held pipeline, to the backend: its unit's wrap */
	bool held_begins_rc; /* ... and begins_rc */
	int swallow_parse;   /* ParseComplete messages the client must not see */

	/* extended messages held until Sync */
	wire_buf held;
	int nheld; /* messages in held, at most HELD_MAX_MESSAGES */
	bool holding;

	/* prepared statements */
	pstmt *stmts;
	pstmt *unnamed;       /* the unnamed statement, NULL when none */
	wire_buf stale_parse; /* a Parse answered here that the backend has not seen */
	wire_buf probe_out;   /* scratch of probe_bind(): never sent */
	bool stale;

	/* writes done, waiting for their commit */
	sqlfe_stmtclass_result pend;
	bool cc_invalidated; /* the last backend message was a CommandComplete that invalidated */

	/* a commit whose acknowledgement waits for the change stream (cachesvc_hold) */
	uint64_t hold_id;                   /* 0: none */
	int64_t hold_deadline_us;           /* then it turns into fences */
	sqlfe_stmtclass_result hold_writes; /* what the held commits wrote */
	int hold_fd;                        /* eventfd the stream writes to when the hold falls; -1 before the first */
	bool counted;                       /* the next Query or Execute sent on was counted already (a miss) */
	bool subset_read; /* the next Query or Execute sent on is a read the cache could answer (txn_readable) */
	bool failed;      /* out of memory: the session must end */

	/* the memo of backend answers (src/backmemo.h; NULL: none) */
	backmemo *bm;
	size_t bm_max;                          /* the largest answer kept (an eighth of the memo, as memo.h keeps) */
	char bsettings[SESSCHECK_SETTINGS_MAX]; /* the check's role and settings (the key's start) */
	size_t bsettings_len;
	bool bsettings_known;
	wire_buf bkey; /* the key being made */
	bool armed;    /* the next Query or Execute sent on is kept: its key is bkey, its position arm_pos */
	int asked;     /* what the hit path said of the client statement being handled (-1: not asked) */
	uint64_t arm_pos;
};

/* --- set-up ---------------------------------------------------------------------- */

/* The unit's memo capture is over (kept or not). */
static void drop_capture(unit *u)
{
	free(u->mkey);
	u->mkey = NULL;
	wire_buf_free(&u->cap);
}

static void free_stmt(pstmt *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->text);
	free(p->types);
	free(p);
}

void sesscache_free(sesscache *sc)
{
	if (sc == NULL)
		return;
	sesscache_hold_end(sc);
	if (sc->hold_fd >= 0)
		close(sc->hold_fd);
	hitpath_conn_free(sc->hp);
	for (size_t g = 0; g < sc->ngroups; g++) {
		for (size_t t = 0; sc->quoted[g] != NULL && t < sc->tables.ntables[g]; t++)
			free(sc->quoted[g][t]);
		free(sc->quoted[g]);
		free(sc->oids[g]);
		free((void *)sc->tables.names[g]);
	}
	pstmt *p, *tmp;
	HASH_ITER(hh, sc->stmts, p, tmp)
	{
		HASH_DEL(sc->stmts, p);
		free_stmt(p);
	}
	free_stmt(sc->unnamed);
	for (size_t i = 0; i < sc->nunits; i++)
		drop_capture(&sc->units[sc->head + i]);
	free(sc->units);
	wire_buf_free(&sc->bkey);
	reach_unref(sc->reach);
	wire_buf_free(&sc->held);
	wire_buf_free(&sc->stale_parse);
	wire_buf_free(&sc->probe_out);
	cachesvc *cs = sc->cs;
	free(sc);
	cachesvc_unref(cs); /* the last reference to a service RELOAD replaced frees it */
}

/* name as a quoted identifier ("a""b"); NULL when out of memory. */
static char *quote_ident(const char *name)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_ident(&sb, name);
	return cb_sb_finish(&sb);
}

sesscache *sesscache_new(cachesvc *cache, const char *database, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (cache == NULL) {
		*why = "no cache is configured";
		return NULL;
	}
	if (strcmp(database, cachesvc_database(cache)) != 0) {
		*why = "the session's database is not the cache's (cache_database)";
		return NULL;
	}
	if (!cachesvc_answers(cache)) {
		*why = "the change stream is not running and require_stream is on (see the log)";
		return NULL;
	}
	hitpath_engine *eng = cachesvc_hit_engine(cache);
	if (eng == NULL) {
		*why = "the hit path is not available";
		return NULL;
	}
	sesscache *sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		*why = "out of memory";
		return NULL;
	}
	sc->cs = cachesvc_ref(cache); /* given back by sesscache_free */
	sc->db = cachesvc_cachedb(cache);
	sc->eng = eng;
	sc->txn = 'I';
	sc->hold_fd = -1;
	sc->ss.client_utf8 = true;
	sc->ss.std_strings = true;
	sc->ss.extra_float_digits = 1;
	sc->ss.timezone = sc->timezone;
	sc->ss.datestyle = sc->datestyle;
	sc->ss.intervalstyle = sc->intervalstyle;
	sc->ss.readable = sc->readable;
	size_t ng = 0;
	cg_group *const *groups = cachedb_groups(sc->db, &ng);
	if (ng > SQLFE_STMTCLASS_MAX_GROUPS)
		ng = SQLFE_STMTCLASS_MAX_GROUPS;
	sc->ngroups = ng;
	sc->ss.ngroups = ng;
	sc->tables.ngroups = ng;
	bool ok = true;
	for (size_t g = 0; ok && g < ng; g++) {
		const cg_group *gr = groups[g];
		size_t nt = gr->ntables < 64 ? gr->ntables : 64;
		const char **names = calloc(nt ? nt : 1, sizeof(*names));
		sc->oids[g] = calloc(nt ? nt : 1, sizeof(uint32_t));
		sc->quoted[g] = calloc(nt ? nt : 1, sizeof(char *));
		sc->tables.names[g] = names;
		sc->tables.ntables[g] = nt;
		ok = names != NULL && sc->oids[g] != NULL && sc->quoted[g] != NULL;
		for (size_t t = 0; ok && t < nt; t++) {
			names[t] = gr->tables[t].name;
			sc->oids[g][t] = gr->tables[t].oid;
			ok = (sc->quoted[g][t] = quote_ident(gr->tables[t].name)) != NULL;
			sc->ncheck++;
		}
	}
	if (!ok) {
		sesscache_free(sc);
		*why = "out of memory";
		return NULL;
	}
	sc->reach = cachesvc_reach(cache, &sc->reach_gen);
	reach_apply(sc->reach, &sc->tables);
	if ((sc->bm = cachesvc_backmemo(cache)) != NULL) {
		memo_stats ms;
		memo_get_stats(backmemo_memo(sc->bm), &ms);
		sc->bm_max = ms.max_bytes / 8;
	}
	return sc;
}

/* The catalog as last read (cache/reach.h). */
static void fresh_reach(sesscache *sc)
{
	if (cachesvc_reach_generation(sc->cs) != sc->reach_gen) {
		reach_unref(sc->reach);
		sc->reach = cachesvc_reach(sc->cs, &sc->reach_gen);
		reach_apply(sc->reach, &sc->tables);
	}
}

/* What text may do (sql/stmtclass.h), judged with the catalog as last read. */
static void judge(sesscache *sc, const char *text, size_t len, sqlfe_stmtclass_result *r)
{
	fresh_reach(sc);
	sqlfe_stmtclass_classify(text, len, sc->ss.std_strings, &sc->tables, r);
}

/* --- the exchanges the backend owes ------------------------------------------------- */

/* Append a unit of kind; NULL when out of memory (the session then ends). */
static unit *push_unit(sesscache *sc, unit_kind kind)
{
	if (sc->head + sc->nunits == sc->cap) {
		if (sc->head > 0) {
			memmove(sc->units, sc->units + sc->head, sc->nunits * sizeof(*sc->units));
			sc->head = 0;
		} else if (!CB_ARRAY_GROW(sc->units, sc->cap, sc->nunits + 1)) {
			sc->failed = true;
			return NULL;
		}
	}
	unit *u = &sc->units[sc->head + sc->nunits++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	return u;
}

static unit *head_unit(sesscache *sc)
{
	return sc->nunits > 0 ? &sc->units[sc->head] : NULL;
}

static unit *tail_unit(sesscache *sc)
{
	return sc->nunits > 0 ? &sc->units[sc->head + sc->nunits - 1] : NULL;
}

static void pop_unit(sesscache *sc)
{
	drop_capture(&sc->units[sc->head]);
	sc->head++;
	if (--sc->nunits == 0)
		sc->head = 0;
}

/* The unit the client's extended messages belong to (opened by the first of them). */
static unit *open_extended(sesscache *sc)
{
	unit *u = tail_unit(sc);
	if (u != NULL && u->kind == UNIT_EXTENDED && u->open)
		return u;
	if ((u = push_unit(sc, UNIT_EXTENDED)) != NULL)
		u->open = true;
	return u;
}

static void merge_effects(sqlfe_stmtclass_result *into, const sqlfe_stmtclass_result *r, size_t ngroups)
{
	into->effects |= r->effects;
	into->statements += r->statements;
	for (size_t g = 0; g < ngroups; g++)
		into->tables[g] |= r->tables[g];
}

static bool backend_idle(const sesscache *sc)
{
	return sc->nunits == 0;
}

/* Whether the backend owes the client answers (replays of Parses answered here owe it none). */
static bool client_owed(const sesscache *sc)
{
	for (size_t i = 0; i < sc->nunits; i++)
		if (sc->units[sc->head + i].kind != UNIT_REPLAY)
			return true;
	return false;
}

/* --- the settings check --------------------------------------------------------------- */

static void put_int16(wire_buf *b, int v)
{
	wire_put_int16(b, (int16_t)v);
}

/* The check's statement (hit/sesscheck.h). */
static void put_check_parse(sesscache *sc, wire_buf *bout)
{
	char *text = sesscheck_sql(sc->ncheck);
	if (text == NULL) {
		sc->failed = true;
		return;
	}
	int nparams = (int)sc->ncheck * 2;
	size_t m = wire_begin(bout, 'C'); /* a DISCARD or DEALLOCATE may have dropped it, or not */
	wire_put_byte(bout, 'S');
	wire_put_str(bout, CHECK_STMT);
	wire_end(bout, m);
	m = wire_begin(bout, 'P');
	wire_put_str(bout, CHECK_STMT);
	wire_put_str(bout, text);
	put_int16(bout, nparams);
	for (int i = 0; i < nparams; i++)
		wire_put_int32(bout, i % 2 == 0 ? 25 /* text */ : 26 /* oid */);
	wire_end(bout, m);
	free(text);
}

/*
 * The check as one unit into bout: [Close, Parse,] Bind and Execute of a
 * portal of its own (the client's unnamed portal stays), Close of the
 * portal, Sync.  It runs inside the client's transaction when one is
 * open, and cannot fail there unless the transaction has failed.
 */
static void send_check(sesscache *sc, wire_buf *bout)
{
	if (push_unit(sc, UNIT_CHECK) == NULL)
		return;
	if (!sc->check_prepared)
		put_check_parse(sc, bout);
	size_t m = wire_begin(bout, 'B');
	wire_put_str(bout, CHECK_STMT);
	wire_put_str(bout, CHECK_STMT);
	put_int16(bout, 0);
	put_int16(bout, (int)sc->ncheck * 2);
	for (size_t g = 0; g < sc->ngroups; g++)
		for (size_t t = 0; t < sc->tables.ntables[g]; t++) {
			const char *q = sc->quoted[g][t];
			wire_put_int32(bout, (int32_t)strlen(q));
			wire_buf_append(bout, q, strlen(q));
			char oid[16];
			int ol = snprintf(oid, sizeof(oid), "%u", sc->oids[g][t]);
			wire_put_int32(bout, ol);
			wire_buf_append(bout, oid, (size_t)ol);
		}
	put_int16(bout, 0);
	wire_end(bout, m);

	m = wire_begin(bout, 'E');
	wire_put_str(bout, CHECK_STMT);
	wire_put_int32(bout, 0);
	wire_end(bout, m);

	m = wire_begin(bout, 'C');
	wire_put_byte(bout, 'P');
	wire_put_str(bout, CHECK_STMT);
	wire_end(bout, m);

	m = wire_begin(bout, 'S');
	wire_end(bout, m);

	STATS_ADD(settings_checks, 1);
	sc->check = CHK_PENDING;
	sc->check_row = false;
	sc->check_error = false;
	sc->ddl_gen = cachesvc_ddl_generation(sc->cs);
}

/* The check's DataRow (hit/sesscheck.h). */
static void read_check_row(sesscache *sc, const char *msg, size_t n)
{
	const char *p = msg + 5, *end = msg + n;
	if (p + 2 > end)
		return;
	int ncols = (int16_t)((unsigned char)p[0] << 8 | (unsigned char)p[1]);
	p += 2;
	if (ncols < 0 || (size_t)ncols != sc->ncheck + 3)
		return;
	const char **vals = calloc((size_t)ncols, sizeof(*vals));
	int *lens = calloc((size_t)ncols, sizeof(*lens));
	bool ok = vals != NULL && lens != NULL;
	for (int c = 0; ok && c < ncols; c++) {
		if (p + 4 > end) {
			ok = false;
			break;
		}
		int32_t len = (int32_t)wire_get_uint32(p);
		p += 4;
		if (len > 0 && (size_t)len > (size_t)(end - p)) {
			ok = false;
			break;
		}
		vals[c] = p;
		lens[c] = len < 0 ? -1 : len;
		if (len > 0)
			p += len;
	}
	sesscheck_row row;
	if (ok && sesscheck_read(vals, lens, ncols, sc->ngroups, sc->tables.ntables, &row)) {
		sc->ss.extra_float_digits = row.extra_float_digits;
		memcpy(sc->readable, row.readable, sizeof(sc->readable));
		sc->default_rc = row.default_read_committed;
		sc->bsettings_known = row.settings_known;
		sc->bsettings_len = row.settings_known ? row.settings_len : 0;
		memcpy(sc->bsettings, row.settings, sc->bsettings_len);
		sc->check_row = true;
	}
	free(vals);
	free(lens);
}

static void put_txn_reads(sesscache *sc, wire_buf *cout);

/* The client's ReadyForQuery held back for a check goes out now. */
static void release_ready(sesscache *sc, wire_buf *cout, char *ready)
{
	if (sc->held_ready == '\0')
		return;
	put_txn_reads(sc, cout);
	wire_put_ready(cout, sc->held_ready);
	*ready = sc->held_ready;
	sc->held_ready = '\0';
}

/* A backend message of the check; false: the client does not see it. */
static bool check_message(sesscache *sc, char type, const char *msg, size_t n, wire_buf *cout, char *ready)
{
	switch (type) {
	case '1':
		sc->check_prepared = true;
		return false;
	case 'D':
		read_check_row(sc, msg, n);
		return false;
	case 'E':
		sc->check_error = true;
		return false;
	case 'Z':
		pop_unit(sc);
		sc->txn = msg[5];
		if (sc->check == CHK_PENDING) {
			if (sc->check_row && !sc->check_error) {
				sc->check = CHK_OK;
			} else {
				sc->check = CHK_FAILED;
				if (sc->txn != 'E')
					log_warning(
					        "the cache's settings check failed on a session's backend connection; "
					        "the session's statements go to the backend until the check passes");
			}
		}
		release_ready(sc, cout, ready);
		return false;
	case 'N': /* notices and notifications are the client's */
	case 'A':
		return true;
	default: /* BindComplete, CommandComplete, CloseComplete */
		return false;
	}
}

static void forgotten(sesscache *sc, const unit *u);

/* A backend message of a replayed Parse (UNIT_REPLAY); false: the client does not see it. */
static bool replay_message(sesscache *sc, unit *u, char type, const char *msg)
{
	switch (type) {
	case 'E': /* the backend does not hold the statement: its next use goes there and gets the error */
		log_warning("the backend refused prepared statement \"%s\" after the cache answered its first "
		            "execution; its next use goes to the backend",
		            u->forget_name);
		forgotten(sc, u);
		return false;
	case 'Z':
		sc->txn = msg[5];
		pop_unit(sc);
		return false;
	case 'N': /* notices and notifications are the client's */
	case 'A':
		return true;
	default: /* ParseComplete */
		return false;
	}
}

/* --- writes and their commit -------------------------------------------------------- */

/* Invalidate (with the stream: fence) what w wrote. */
static void fence_writes(sesscache *sc, const sqlfe_stmtclass_result *w)
{
	if (w->effects & SQLFE_STMTCLASS_WRITES_ALL) {
		cachesvc_invalidate_all(sc->cs);
		return;
	}
	for (size_t g = 0; g < sc->ngroups; g++)
		if (w->tables[g] != 0)
			cachesvc_invalidate(sc->cs, g, w->tables[g]);
}

/*
 * Hold the client's acknowledgement of the pending writes' commit until
 * the change stream has applied it (cachesvc_hold); false when that
 * cannot be done (no stream, not streaming, commit_wait_ms 0): fence.  A
 * second commit while one is held takes the hold's place (its position
 * is past both) and keeps its deadline.
 */
static bool hold_commit(sesscache *sc)
{
	int wait_ms = cachesvc_commit_wait_ms(sc->cs);
	if (wait_ms <= 0)
		return false;
	if (sc->hold_fd < 0 && (sc->hold_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		log_warning("eventfd failed (%m): the session's commits fence their tables instead of waiting");
		return false;
	}
	uint64_t id = cachesvc_hold(sc->cs, sc->hold_fd);
	if (id == 0)
		return false;
	if (sc->hold_id != 0) {
		cachesvc_hold_cancel(sc->cs, sc->hold_id, false);
	} else {
		memset(&sc->hold_writes, 0, sizeof(sc->hold_writes));
		sc->hold_deadline_us = cb_clock_mono_us() + (int64_t)wait_ms * 1000;
	}
	merge_effects(&sc->hold_writes, &sc->pend, sc->ngroups);
	sc->hold_id = id;
	return true;
}

static void invalidate_writes(sesscache *sc)
{
	if (!hold_commit(sc))
		fence_writes(sc, &sc->pend);
}

/* The hold is over: fallen, or (fence) given up for fences. */
static void hold_release(sesscache *sc, bool fence)
{
	if (fence)
		fence_writes(sc, &sc->hold_writes);
	cachesvc_hold_cancel(sc->cs, sc->hold_id, fence);
	sc->hold_id = 0;
}

int sesscache_hold_fd(const sesscache *sc)
{
	return sc->hold_id != 0 ? sc->hold_fd : -1;
}

int sesscache_hold_poll(sesscache *sc)
{
	if (sc->hold_id == 0)
		return -1;
	uint64_t n;
	while (read(sc->hold_fd, &n, sizeof(n)) > 0)
		;
	if (cachesvc_hold_passed(sc->cs, sc->hold_id)) {
		hold_release(sc, false);
		return -1;
	}
	int64_t left = sc->hold_deadline_us - cb_clock_mono_us();
	if (left <= 0) {
		hold_release(sc, true);
		return -1;
	}
	return (int)((left + 999) / 1000);
}

void sesscache_hold_end(sesscache *sc)
{
	if (sc->hold_id != 0)
		hold_release(sc, !cachesvc_hold_passed(sc->cs, sc->hold_id));
}

static bool pending(const sesscache *sc)
{
	return (sc->pend.effects & (SQLFE_STMTCLASS_WRITES | SQLFE_STMTCLASS_WRITES_ALL)) != 0;
}

static void forget_pending(sesscache *sc)
{
	memset(&sc->pend, 0, sizeof(sc->pend));
}

/*
 * The writes done so far are committed: invalidate before the client
 * learns of it (unless that was done already), and read the catalog again
 * after DDL.
 */
static void commit_pending(sesscache *sc, bool invalidated)
{
	if (pending(sc) && !invalidated)
		invalidate_writes(sc);
	if (sc->pend.effects & SQLFE_STMTCLASS_DDL)
		cachesvc_catalog_changed(sc->cs);
	forget_pending(sc);
}

/* A statement of unit u completed (CommandComplete tag, "" for other completions). */
static void statement_done(sesscache *sc, unit *u, const char *tag)
{
	merge_effects(&sc->pend, &u->eff, sc->ngroups);
	if (strncmp(tag, "BEGIN", 5) == 0 || strncmp(tag, "START TRANSACTION", 17) == 0) {
		u->explicit_ = true;
	} else if (strcmp(tag, "COMMIT") == 0 || strcmp(tag, "PREPARE TRANSACTION") == 0) {
		commit_pending(sc, false); /* a prepared transaction's writes are judged committed now */
	} else if (strcmp(tag, "ROLLBACK") == 0) {
		forget_pending(sc);
	} else if (u->kind == UNIT_QUERY && !u->explicit_ && ++u->completed == u->eff.statements && pending(sc)) {
		/* the last statement of a simple Query commits its implicit transaction
		 * before its CommandComplete (should the count be wrong, ReadyForQuery
		 * invalidates again: cc_invalidated holds only when nothing came between) */
		invalidate_writes(sc);
		sc->cc_invalidated = true;
		return;
	}
	sc->cc_invalidated = false;
}

/*
 * At unit u's ReadyForQuery: whether a check directly follows it (sent
 * behind it, sent now, or the next unit is one).  A check u needed but
 * could not have sent behind it is sent now when nothing else is queued,
 * and otherwise left to the next unit.
 */
static bool check_follows(sesscache *sc, unit *u, wire_buf *bout)
{
	if (!u->probe)
		return false;
	if (u->probe_sent)
		return true;
	if (sc->nunits == 1) {
		send_check(sc, bout);
		return true;
	}
	unit *next = &sc->units[sc->head + 1];
	if (next->kind == UNIT_CHECK)
		return true;
	next->probe = true;
	sc->check = CHK_UNKNOWN;
	return false;
}

/*
 * Reads inside a transaction.  Under READ COMMITTED every statement sees
 * what was committed before it began, which is what a cache answer gives
 * (the cache is what the applier has applied; the same lag as outside a
 * transaction, and the session's own earlier commits were applied before
 * the client learned of them).  So a transaction may be answered from the
 * cache while it is READ COMMITTED (a BEGIN that says so, or a plain
 * BEGIN under a default_transaction_isolation of read committed as the
 * settings check read it) and every statement in it so far was a read the
 * cache answered or could have answered (a miss) and that may change
 * nothing: no write, no lock (FOR UPDATE/SHARE and LOCK are never
 * answerable, and functions only when known harmless), no SET, no
 * SAVEPOINT, no error.  Anything else, up to the transaction's end, goes
 * to the backend.  Unit u ended with ReadyForQuery status z.
 */
static void txn_readable(sesscache *sc, const unit *u, char z)
{
	if (z != 'T') {
		sc->txn_reads = false;
	} else if (sc->txn == 'I') {
		/* u opened the transaction: a single BEGIN or START TRANSACTION, or BEGIN and a read (answer_held) */
		if (u->kind == UNIT_QUERY)
			sc->txn_reads = !u->error &&
			                (u->begin == SQLFE_BEGIN_READ_COMMITTED ||
			                 (u->begin == SQLFE_BEGIN_DEFAULT && sc->default_rc && sc->check == CHK_OK));
		else
			sc->txn_reads = u->kind == UNIT_EXTENDED && u->begins_rc && !u->error && u->eff.effects == 0 &&
			                u->misses + u->wrap == u->execs;
	} else if (u->kind != UNIT_EXTENDED && u->kind != UNIT_QUERY) {
		sc->txn_reads = false;
	} else if (u->error || u->eff.effects != 0 || u->misses + u->wrap != u->execs) {
		sc->txn_reads = false;
	}
}

/*
 * Before a ReadyForQuery to a client that answers hits itself (it asked
 * with cbcache.in_process): ParameterStatus cbcache.txn_reads "on" while
 * its open transaction may be answered from the cache (txn_readable), "off"
 * when that changed.  The cbcache ODBC driver reads it to answer the reads
 * of such a transaction in its own process (odbc-driver/inproc.h).
 */
static void put_txn_reads(sesscache *sc, wire_buf *cout)
{
	bool on = sc->txn == 'T' && sc->txn_reads;
	if (!sc->report_txn || on == sc->txn_reported)
		return;
	size_t m = wire_begin(cout, 'S');
	wire_put_str(cout, "cbcache.txn_reads");
	wire_put_str(cout, on ? "on" : "off");
	wire_end(cout, m);
	sc->txn_reported = on;
}

/* A backend message of the client's unit u; false: the client does not see it. */
static bool unit_message(sesscache *sc, unit *u, char type, const char *msg, size_t n, wire_buf *bout, char *ready)
{
	if (!u->seen) {
		/* the status of the last ReadyForQuery is the one this unit began in */
		u->seen = true;
		u->explicit_ = sc->txn != 'I';
	}
	switch (type) {
	case '1':
		if (sc->swallow_parse > 0) {
			sc->swallow_parse--;
			return false;
		}
		break;
	case 'C':
		statement_done(sc, u, n > 5 ? msg + 5 : "");
		return true;
	case 's': /* PortalSuspended: the statement ran (in part) */
	case 'V': /* FunctionCallResponse */
		statement_done(sc, u, "");
		return true;
	case 'E':
		/* an implicit transaction is rolled back: its writes never happened */
		u->error = true;
		if (!u->explicit_)
			forget_pending(sc);
		break;
	case 'Z':
		txn_readable(sc, u, msg[5]);
		sc->txn = msg[5];
		if (sc->txn == 'I')
			commit_pending(sc, sc->cc_invalidated);
		sc->cc_invalidated = false;
		if (!u->error)
			forgotten(sc, u);
		bool hold = check_follows(sc, u, bout);
		pop_unit(sc);
		if (hold) {
			/* the check behind it ends first: the client's next statement finds its settings known */
			sc->held_ready = msg[5];
			return false;
		}
		*ready = msg[5];
		return true;
	default:
		break;
	}
	sc->cc_invalidated = false;
	return true;
}

/* --- the backend's answers ------------------------------------------------------------ */

static void set_param(sesscache *sc, const char *name, const char *value)
{
	if (strcmp(name, "TimeZone") == 0)
		snprintf(sc->timezone, sizeof(sc->timezone), "%s", value);
	else if (strcmp(name, "DateStyle") == 0)
		snprintf(sc->datestyle, sizeof(sc->datestyle), "%s", value);
	else if (strcmp(name, "IntervalStyle") == 0)
		snprintf(sc->intervalstyle, sizeof(sc->intervalstyle), "%s", value);
	else if (strcmp(name, "standard_conforming_strings") == 0)
		sc->ss.std_strings = strcmp(value, "on") == 0;
	else if (strcmp(name, "client_encoding") == 0)
		sc->ss.client_utf8 = strcmp(value, "UTF8") == 0;
}

void sesscache_login(sesscache *sc, wire_buf *bout)
{
	/* the client's first ReadyForQuery waits for the check: its first statement may be a hit */
	send_check(sc, bout);
	sc->held_ready = 'I';
}

/* --- the memo of backend answers: keeping them ------------------------------------------- */

/* The capture of u is given up: its answer is not kept. */
static void abandon(sesscache *sc, unit *u)
{
	if (u->mkey == NULL)
		return;
	backmemo_count_capture(sc->bm, false);
	drop_capture(u);
}

/*
 * A backend message of unit u, whose answer is being kept: what the client
 * gets of it is appended, until its ReadyForQuery keeps the answer (outside
 * a transaction, without an error) under the key and the position read
 * before it was sent.  Anything but the answer's own messages (a notice, a
 * parameter change, an error, a copy) gives the capture up.
 */
static void capture(sesscache *sc, unit *u, char type, const char *msg, size_t n)
{
	switch (type) {
	case '1':
		if (sc->swallow_parse > 0)
			return; /* a Parse sent on for an earlier answer: not the client's */
		break;
	case '2':
	case 'T':
	case 'C':
		break;
	case 'D':
		if (n < 5 || (size_t)wire_get_uint32(msg + 1) + 1 != n) {
			abandon(sc, u); /* a long row passed on as it arrives */
			return;
		}
		u->mrows++;
		break;
	case 'Z':
		if (msg[5] == 'I' && !u->error && !u->cap.failed) {
			memo_put(backmemo_memo(sc->bm), u->mkey, u->mkey_len, (int64_t)u->mpos,
			         u->cap.data + u->cap.start, wire_buf_avail(&u->cap), u->mrows);
			backmemo_count_capture(sc->bm, true);
			drop_capture(u);
		} else {
			abandon(sc, u);
		}
		return;
	default:
		abandon(sc, u);
		return;
	}
	if (wire_buf_avail(&u->cap) + n > sc->bm_max) {
		abandon(sc, u);
		return;
	}
	wire_buf_append(&u->cap, msg, n);
}

bool sesscache_backend(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout, wire_buf *cout, char *ready)
{
	*ready = '\0';
	bool pass;
	unit *head = head_unit(sc);
	if (head != NULL && head->mkey != NULL)
		capture(sc, head, type, msg, n);
	if (type == 'S') {
		const char *name = msg + 5;
		const char *value = memchr(name, '\0', n - 5);
		if (value != NULL && value + 1 < msg + n)
			set_param(sc, name, value + 1);
		pass = true;
	} else if (type == 'N' || type == 'A') {
		pass = true; /* asynchronous: says nothing of the statement */
	} else {
		unit *u = head_unit(sc);
		if (u == NULL)
			pass = true; /* nothing expected: the backend's own (FATAL before it closes) */
		else if (u->kind == UNIT_CHECK)
			pass = check_message(sc, type, msg, n, cout, ready);
		else if (u->kind == UNIT_REPLAY)
			pass = replay_message(sc, u, type, msg);
		else
			pass = unit_message(sc, u, type, msg, n, bout, ready);
	}
	if (pass && type == 'Z')
		put_txn_reads(sc, cout);
	if (pass)
		wire_buf_append(cout, msg, n);
	return pass;
}

bool sesscache_backend_unread(const sesscache *sc, char type)
{
	const unit *u = sc->nunits > 0 ? &sc->units[sc->head] : NULL;
	return (type == 'D' || type == 'd') && (u == NULL || u->kind != UNIT_CHECK);
}

bool sesscache_failed(const sesscache *sc)
{
	return sc->failed || sc->held.failed || sc->stale_parse.failed;
}

char sesscache_txn_status(const sesscache *sc)
{
	return sc->txn;
}

bool sesscache_backend_busy(const sesscache *sc)
{
	return !backend_idle(sc);
}

bool sesscache_backend_owes(const sesscache *sc)
{
	return sc->nunits > 1 || (sc->nunits == 1 && !sc->units[sc->head].open);
}

void sesscache_end(sesscache *sc)
{
	if (sc->txn != 'I')
		forget_pending(sc); /* the open transaction ends with the connection: rolled back */
	for (size_t i = 0; i < sc->nunits; i++)
		merge_effects(&sc->pend, &sc->units[sc->head + i].eff, sc->ngroups);
	commit_pending(sc, false);
	sesscache_hold_end(sc);
	for (size_t i = 0; i < sc->nunits; i++)
		drop_capture(&sc->units[sc->head + i]);
	sc->nunits = sc->head = 0;
}

/* --- client messages to the backend ----------------------------------------------------- */

/*
 * What a statement sent to the backend may do, added to unit u
 * (sql/stmtclass.h); text (NULL: not known) says which prepared
 * statements it drops: they are unknown until it succeeds, then gone.
 */
static void add_effects(sesscache *sc, unit *u, const sqlfe_stmtclass_result *r, const char *text, size_t len)
{
	if (u == NULL)
		return;
	merge_effects(&u->eff, r, sc->ngroups);
	if (!(r->effects & SQLFE_STMTCLASS_FORGET_STMTS))
		return;
	char name[SQLFE_IDENT_MAX + 1];
	sqlfe_stmtclass_forget f = text != NULL
	                                   ? sqlfe_stmtclass_forgets(text, len, sc->ss.std_strings, name, sizeof(name))
	                                   : SQLFE_FORGET_ALL;
	if (f == SQLFE_FORGET_ONE && u->forget == SQLFE_FORGET_NONE) {
		u->forget = f;
		memcpy(u->forget_name, name, sizeof(name));
		pstmt *p;
		HASH_FIND_STR(sc->stmts, name, p);
		if (p != NULL)
			p->ambiguous = true;
		if (strcmp(name, CHECK_STMT) == 0)
			sc->check_prepared = false;
		return;
	}
	u->forget = SQLFE_FORGET_ALL;
	pstmt *p, *tmp;
	HASH_ITER(hh, sc->stmts, p, tmp)
	{
		p->ambiguous = true;
	}
	sc->check_prepared = false;
}

/* Unit u succeeded: the prepared statements it drops are gone from the backend. */
static void forgotten(sesscache *sc, const unit *u)
{
	pstmt *p, *tmp;
	if (u->forget == SQLFE_FORGET_ONE) {
		HASH_FIND_STR(sc->stmts, u->forget_name, p);
		if (p != NULL) {
			HASH_DEL(sc->stmts, p);
			free_stmt(p);
		}
	} else if (u->forget == SQLFE_FORGET_ALL) {
		HASH_ITER(hh, sc->stmts, p, tmp)
		{
			HASH_DEL(sc->stmts, p);
			free_stmt(p);
		}
	}
}

static uint32_t *copy_types(const wire_parse *ps)
{
	uint32_t *t = malloc(sizeof(uint32_t) * (size_t)(ps->ntypes > 0 ? ps->ntypes : 1));
	if (t != NULL)
		for (int i = 0; i < ps->ntypes; i++)
			t[i] = wire_parse_type(ps, i);
	return t;
}

static void drop_unnamed(sesscache *sc)
{
	free_stmt(sc->unnamed);
	sc->unnamed = NULL;
}

/*
 * A statement as a Parse message describes it, judged now when the
 * backend gets the Parse now (judge_now); NULL when out of memory.
 */
static pstmt *new_stmt(sesscache *sc, const wire_parse *ps, bool judge_now)
{
	pstmt *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->name = strdup(ps->name);
	p->text = strdup(ps->text);
	p->len = ps->text_len;
	p->types = copy_types(ps);
	p->ntypes = ps->ntypes;
	if (p->name == NULL || p->text == NULL || p->types == NULL) {
		free_stmt(p);
		return NULL;
	}
	if (judge_now) {
		judge(sc, p->text, p->len, &p->eff);
		p->judged = true;
	}
	return p;
}

/*
 * Remember a Parse the backend gets (judge_now), or that was answered
 * here: its judgement waits until the backend parses it (unstale()), and
 * a statement the next Parse replaces first is never judged.
 */
static void record_parse(sesscache *sc, const char *msg, size_t n, bool judge_now)
{
	wire_parse ps;
	if (!wire_read_parse(msg, n, &ps))
		return;
	if (ps.name[0] == '\0') {
		drop_unnamed(sc);
		sc->unnamed = new_stmt(sc, &ps, judge_now);
		return;
	}
	pstmt *p;
	HASH_FIND_STR(sc->stmts, ps.name, p);
	if (p != NULL) {
		p->ambiguous = true; /* the backend refuses a second Parse of the name */
		return;
	}
	if ((p = new_stmt(sc, &ps, judge_now)) != NULL)
		HASH_ADD_KEYPTR(hh, sc->stmts, p->name, strlen(p->name), p);
}

/* Prepared statement name ("" the unnamed one), NULL when unknown. */
static const pstmt *find_stmt(sesscache *sc, const char *name)
{
	if (name[0] == '\0')
		return sc->unnamed;
	pstmt *p;
	HASH_FIND_STR(sc->stmts, name, p);
	return p == NULL || p->ambiguous ? NULL : p;
}

/*
 * Before a message that uses the unnamed statement: let the backend parse
 * what was answered here, and judge it now, under the settings and the
 * catalog it is parsed with.
 */
static void unstale(sesscache *sc, wire_buf *bout)
{
	if (!sc->stale)
		return;
	pstmt *p = sc->unnamed; /* never NULL while stale (answer_batch) */
	if (!p->judged) {
		judge(sc, p->text, p->len, &p->eff);
		p->judged = true;
	}
	wire_buf_append(bout, sc->stale_parse.data + sc->stale_parse.start, wire_buf_avail(&sc->stale_parse));
	sc->swallow_parse++;
	sc->stale = false;
	sc->stale_parse.start = sc->stale_parse.len = 0;
	wire_buf_shrink(&sc->stale_parse, HELD_KEEP);
}

/* Everything a statement the backend cannot be judged on may do. */
static const sqlfe_stmtclass_result anything = {.effects = SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS};

/*
 * The unit u ends here: unless it is harmless (its statements cannot have
 * changed a setting, a privilege or a row of the cache: dropping prepared
 * statements is harmless, add_effects notes which, and the check's own
 * statement is prepared again when it is among them) and the settings are
 * known, the check follows it in the same round trip, so its answer is in
 * before the client's ReadyForQuery.  A unit that may copy from the
 * client gets its check at its ReadyForQuery instead: the backend reads
 * nothing but copy data while it copies.
 */
static void end_unit(sesscache *sc, unit *u, wire_buf *bout)
{
	if (u == NULL)
		return;
	u->open = false;
	if ((u->eff.effects & ~(unsigned)SQLFE_STMTCLASS_FORGET_STMTS) == 0 &&
	    (sc->check == CHK_OK || sc->check == CHK_PENDING))
		return;
	u->probe = true;
	if (u->eff.effects & SQLFE_STMTCLASS_COPY) {
		sc->check = CHK_UNKNOWN;
		return;
	}
	u->probe_sent = true;
	send_check(sc, bout);
}

/* The statement sent on in unit u was armed (memo_answer): its answer is to be kept. */
static void arm_unit(sesscache *sc, unit *u)
{
	if (!sc->armed)
		return;
	sc->armed = false;
	const wire_buf *k = &sc->bkey;
	if (k->failed || (u->mkey = malloc(wire_buf_avail(k))) == NULL)
		return;
	memcpy(u->mkey, k->data + k->start, wire_buf_avail(k));
	u->mkey_len = wire_buf_avail(k);
	u->mpos = sc->arm_pos;
	u->mrows = 0;
}

/* Send one client message to the backend, keeping the books. */
static void forward(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout)
{
	bool miss = false;
	if (type == 'Q' || type == 'E') {
		if (!sc->counted)
			STATS_ADD(queries_backend, 1);
		miss = sc->subset_read;
		sc->counted = sc->subset_read = false;
	}
	unit *u = NULL;
	switch (type) {
	case 'Q': {
		const char *text;
		size_t len;
		sqlfe_stmtclass_result r;
		u = push_unit(sc, UNIT_QUERY);
		if (u != NULL) {
			u->execs = 1;
			u->misses = miss;
			arm_unit(sc, u);
		}
		if (wire_read_query(msg, n, &text, &len)) {
			judge(sc, text, len, &r);
			add_effects(sc, u, &r, text, len);
			if (u != NULL)
				u->begin = sqlfe_stmtclass_begins(text, len, sc->ss.std_strings);
		} else {
			add_effects(sc, u, &anything, NULL, 0);
		}
		/* a simple Query drops the unnamed statement on the backend */
		sc->stale = false;
		drop_unnamed(sc);
		wire_buf_append(bout, msg, n);
		end_unit(sc, u, bout);
		return;
	}
	case 'P': {
		wire_parse ps;
		if (wire_read_parse(msg, n, &ps) && ps.name[0] == '\0')
			sc->stale = false;
		record_parse(sc, msg, n, true);
		u = open_extended(sc);
		break;
	}
	case 'B': {
		wire_bind b;
		const pstmt *ps = NULL;
		if (wire_read_bind(msg, n, &b)) {
			if (b.stmt[0] == '\0')
				unstale(sc, bout);
			ps = find_stmt(sc, b.stmt);
		}
		u = open_extended(sc);
		/* an unknown statement may do anything */
		add_effects(sc, u, ps != NULL ? &ps->eff : &anything, ps != NULL ? ps->text : NULL,
		            ps != NULL ? ps->len : 0);
		break;
	}
	case 'D': {
		char kind;
		const char *name;
		if (wire_read_target(msg, n, &kind, &name) && kind == 'S' && name[0] == '\0')
			unstale(sc, bout);
		u = open_extended(sc);
		break;
	}
	case 'C': {
		char kind;
		const char *name;
		pstmt *ps = NULL;
		if (wire_read_target(msg, n, &kind, &name) && kind == 'S' && name[0] != '\0') {
			HASH_FIND_STR(sc->stmts, name, ps);
			if (strcmp(name, CHECK_STMT) == 0)
				sc->check_prepared = false;
		}
		if (ps != NULL) {
			HASH_DEL(sc->stmts, ps);
			free_stmt(ps);
		}
		u = open_extended(sc);
		break;
	}
	case 'S':
		u = open_extended(sc);
		wire_buf_append(bout, msg, n);
		end_unit(sc, u, bout);
		return;
	case 'F':
		u = push_unit(sc, UNIT_FUNCTION);
		add_effects(sc, u, &anything, NULL, 0); /* a function call may do anything */
		wire_buf_append(bout, msg, n);
		end_unit(sc, u, bout);
		return;
	case 'E':
		u = open_extended(sc);
		if (u != NULL) {
			u->execs++;
			u->misses += miss;
			if (u->execs == 1)
				arm_unit(sc, u);
		}
		break;
	case 'H':
		u = open_extended(sc);
		break;
	default: /* CopyData, CopyDone, CopyFail: the running unit's */
		break;
	}
	wire_buf_append(bout, msg, n);
}

/* Hold nothing (any more). */
static void held_clear(sesscache *sc)
{
	sc->holding = false;
	sc->held.start = sc->held.len = 0;
	sc->nheld = 0;
	wire_buf_shrink(&sc->held, HELD_KEEP);
}

/* Hold the client's message (type, whole message of n bytes) until its Sync. */
static void hold(sesscache *sc, const char *msg, size_t n)
{
	sc->holding = true;
	wire_buf_append(&sc->held, msg, n);
	sc->nheld++;
}

/* Send the held messages on, in order. */
static void release_held(sesscache *sc, wire_buf *bout)
{
	sc->holding = false;
	wire_buf *h = &sc->held;
	while (wire_buf_avail(h) >= 5) {
		const char *m = h->data + h->start;
		size_t len = (size_t)wire_get_uint32(m + 1) + 1;
		forward(sc, m[0], m, len, bout);
		wire_buf_consume(h, len);
	}
	held_clear(sc);
}

/* --- answering ------------------------------------------------------------------------ */

/* Why the session cannot take an answer from the cache now; NULL when it can. */
static const char *refusal(const sesscache *sc)
{
	if (sc->check == CHK_FAILED)
		return "the session's settings check failed: its statements go to the backend until its settings "
		       "change";
	if (sc->check != CHK_OK)
		return "the session's settings (role, search_path, privileges) are being checked";
	if (client_owed(sc))
		return "the backend still owes the session answers (pipelined statements)";
	if (sc->txn != 'I' && !(sc->txn == 'T' && sc->txn_reads))
		return "a transaction is open that is not READ COMMITTED, or wrote, locked, changed a setting or "
		       "failed";
	if (sc->hold_id != 0)
		return "the session's own write is not applied to the cache yet (its commit waits for the change "
		       "stream)";
	return NULL;
}

/* The session's hit path connection, opened at first use; false when the cache cannot be opened. */
static bool hit_ready(sesscache *sc)
{
	if (sc->hp != NULL)
		return true;
	if (sc->hp_failed)
		return false;
	cb_error err;
	if ((sc->hp = hitpath_conn_new(sc->eng, &err)) == NULL) {
		sc->hp_failed = true;
		log_warning("cannot open the cache for a session, its statements go to the backend: %s", err.msg);
		return false;
	}
	return true;
}

/* Whether the cache may answer now (and can be read). */
static bool may_answer(sesscache *sc)
{
	return refusal(sc) == NULL && hit_ready(sc);
}

/* Count and act on a hit path outcome that did not answer. */
static void not_answered(sesscache *sc, const hitpath_result *res, hitpath_outcome o, const cb_error *err)
{
	sc->asked = (int)o;
	sc->subset_read = o == HITPATH_MISS || (o == HITPATH_BACKEND && res->answerable);
	if (o == HITPATH_MISS) {
		STATS_ADD(queries_cache_misses, 1);
		sc->counted = true;
		for (int i = 0; i < res->nfills; i++)
			(void)cachesvc_post_fill(sc->cs, res->fills[i].group, res->fills[i].fill, res->fills[i].value);
	} else {
		if (o == HITPATH_ERROR)
			log_warning("the cache could not answer a statement, the backend does: %s", err->msg);
	}
}

/*
 * Ask the hit path to answer rq into cout, after what cout held at mark
 * (the messages a batch answers first).  On a hit ReadyForQuery follows;
 * otherwise cout is cut back to mark and the miss or backend is counted.
 */
static bool answer_with(sesscache *sc, const hitpath_request *rq, wire_buf *cout, size_t mark, const wire_buf *tail)
{
	hitpath_result res;
	cb_error err;
	err.msg[0] = '\0';
	hitpath_outcome o = hitpath_execute(sc->hp, rq, &sc->ss, cout, &res, &err);
	if (o != HITPATH_HIT) {
		cout->len = mark;
		not_answered(sc, &res, o, &err);
		return false;
	}
	if (tail != NULL)
		wire_buf_append(cout, tail->data + tail->start, wire_buf_avail(tail));
	put_txn_reads(sc, cout);
	wire_put_ready(cout, sc->txn); /* 'I', or 'T' in a transaction answered here */
	STATS_ADD(queries_cache_hits, 1);
	return true;
}

/* A simple Query: answered here (true), or sent on after its misses were queued (refuse: why it must be). */
static bool answer_query(sesscache *sc, const char *msg, size_t n, wire_buf *cout, const char *refuse)
{
	hitpath_request rq;
	memset(&rq, 0, sizeof(rq));
	if (!wire_read_query(msg, n, &rq.text, &rq.len))
		return false;
	if (!sqlfe_stmtclass_is_select(rq.text, rq.len, sc->ss.std_strings))
		return false; /* counted when sent on */
	rq.simple = true;
	rq.refuse = refuse;
	if (!answer_with(sc, &rq, cout, cout->len, NULL))
		return false;
	drop_unnamed(sc); /* PostgreSQL drops the unnamed statement on a simple Query */
	return true;
}

/* A Bind's values as the hit path reads them (text; binary integers, booleans and text decoded). */
typedef struct bound_params {
	const char *vals[HELD_MAX_PARAMS];
	int lens[HELD_MAX_PARAMS];
	int16_t rfmt[HELD_MAX_PARAMS];
	char text[HELD_MAX_PARAMS][24]; /* binary integers and booleans as text */
} bound_params;

/* One binary parameter of declared type oid as text into out (24 bytes); false when the cache cannot read it. */
static bool binary_param(uint32_t oid, const char *v, int32_t len, char *out, const char **val, int *vlen)
{
	int64_t i;
	switch (oid) {
	case PGTYPE_OID_INT2:
		if (len != 2)
			return false;
		i = wire_get_int16(v);
		break;
	case PGTYPE_OID_INT4:
		if (len != 4)
			return false;
		i = (int32_t)wire_get_uint32(v);
		break;
	case PGTYPE_OID_INT8:
		if (len != 8)
			return false;
		i = (int64_t)(((uint64_t)wire_get_uint32(v) << 32) | wire_get_uint32(v + 4));
		break;
	case PGTYPE_OID_BOOL:
		if (len != 1)
			return false;
		*val = v[0] ? "t" : "f";
		*vlen = 1;
		return true;
	case PGTYPE_OID_TEXT:
	case PGTYPE_OID_VARCHAR: /* the binary form of text is the text */
		*val = v;
		*vlen = len;
		return true;
	default:
		return false;
	}
	*vlen = (int)sqlfe_types_format_int(i, out);
	*val = out;
	return true;
}

/*
 * The request of a Bind of statement text (types: declared at Parse) into
 * rq, its values in bp; false when the cache cannot read them (too many,
 * a binary value of a type it does not decode).
 */
static bool bind_request(const wire_bind *b, const char *text, size_t len, const uint32_t *types, int ntypes,
                         hitpath_request *rq, bound_params *bp)
{
	if (b->nparams > HELD_MAX_PARAMS || b->nresult_formats > HELD_MAX_PARAMS)
		return false;
	const char *cursor = b->params;
	for (int k = 0; k < b->nparams; k++) {
		int32_t l;
		const char *v = wire_bind_next_param(&cursor, &l);
		bp->vals[k] = v;
		bp->lens[k] = l < 0 ? 0 : l;
		if (v != NULL && wire_bind_format(b, k) != 0 &&
		    (wire_bind_format(b, k) != 1 || k >= ntypes ||
		     !binary_param(types[k], v, l, bp->text[k], &bp->vals[k], &bp->lens[k])))
			return false;
	}
	for (int k = 0; k < b->nresult_formats; k++)
		bp->rfmt[k] = wire_bind_result_format(b, k);
	memset(rq, 0, sizeof(*rq));
	rq->text = text;
	rq->len = len;
	rq->param_types = types;
	rq->nparam_types = ntypes;
	rq->nparams = b->nparams;
	rq->params = bp->vals;
	rq->param_len = bp->lens;
	rq->nresult_formats = b->nresult_formats;
	rq->result_formats = bp->rfmt;
	return true;
}

/*
 * A Bind sent on while the session cannot take a cache answer (refuse):
 * probe its statement all the same, so its misses queue their fills and
 * SHOW QUERIES says why it was not answered.
 */
static void probe_bind(sesscache *sc, const wire_bind *b, const char *refuse)
{
	const pstmt *ps = find_stmt(sc, b->stmt);
	hitpath_request rq;
	bound_params bp;
	if (ps == NULL || !sqlfe_stmtclass_is_select(ps->text, ps->len, sc->ss.std_strings) || !hit_ready(sc) ||
	    !bind_request(b, ps->text, ps->len, ps->types, ps->ntypes, &rq, &bp))
		return;
	rq.refuse = refuse;
	size_t mark = sc->probe_out.len;
	(void)answer_with(sc, &rq, &sc->probe_out, mark, NULL); /* never answers: rq.refuse is set */
	sc->probe_out.start = sc->probe_out.len = 0;
}

/* The held batch, split: [Parse ""] Bind [Describe portal] Execute. */
typedef struct batch {
	const char *parse; /* NULL when the batch binds a statement parsed before */
	size_t parse_len;
	wire_parse ps;
	wire_bind bind;
	bool describe;
} batch;

/* Split messages [p, end) into a batch the cache may answer; false when they are something else. */
static bool split_batch(const char *p, const char *end, batch *b)
{
	const char *msgs[4];
	size_t lens[4];
	int nm = 0, i = 0;
	while (end - p >= 5 && nm < 4) {
		lens[nm] = (size_t)wire_get_uint32(p + 1) + 1;
		msgs[nm++] = p;
		p += lens[nm - 1];
	}
	if (p != end || nm < 2)
		return false;
	memset(b, 0, sizeof(*b));
	if (msgs[i][0] == 'P') {
		b->parse = msgs[i];
		b->parse_len = lens[i++];
		if (!wire_read_parse(b->parse, b->parse_len, &b->ps))
			return false;
	}
	if (msgs[i][0] != 'B' || !wire_read_bind(msgs[i], lens[i], &b->bind) || b->bind.portal[0] != '\0' ||
	    (b->parse != NULL && strcmp(b->bind.stmt, b->ps.name) != 0))
		return false;
	i++;
	char kind;
	const char *name;
	if (i < nm && msgs[i][0] == 'D') {
		if (!wire_read_target(msgs[i], lens[i], &kind, &name) || kind != 'P' || name[0] != '\0')
			return false;
		b->describe = true;
		i++;
	}
	const char *portal;
	int32_t max_rows;
	return i == nm - 1 && msgs[i][0] == 'E' && wire_read_execute(msgs[i], lens[i], &portal, &max_rows) &&
	       portal[0] == '\0' && max_rows == 0;
}

/*
 * Send the backend a named Parse answered here (with a Sync of its own, in
 * a unit whose answers the client does not see), so that it holds the
 * statement the client now knows.  Inside a transaction the Sync ends
 * nothing.  The backend parses what the cache just answered against the
 * same catalog, so it fails only when a DDL committed on the backend
 * between the answer and the Parse; then, in a transaction block, the
 * block is aborted and the client's next statement gets
 * PostgreSQL's 25P02 (the warning in the log says why).
 */
static void replay_parse(sesscache *sc, const batch *b, wire_buf *bout)
{
	unit *u = push_unit(sc, UNIT_REPLAY);
	if (u == NULL)
		return;
	u->forget = SQLFE_FORGET_ONE;
	snprintf(u->forget_name, sizeof(u->forget_name), "%s", b->ps.name);
	wire_buf_append(bout, b->parse, b->parse_len);
	wire_put_empty(bout, 'S');
}

/* The client's unnamed statement is now the Parse msg answered here; the backend learns it when needed. */
static void parsed_here(sesscache *sc, const char *msg, size_t n)
{
	record_parse(sc, msg, n, false);
	sc->stale_parse.start = sc->stale_parse.len = 0;
	wire_buf_append(&sc->stale_parse, msg, n);
	sc->stale = !sc->stale_parse.failed && sc->unnamed != NULL;
	if (!sc->stale && sc->unnamed != NULL)
		drop_unnamed(sc);
}

/* The statement a batch executes: its text and parameter types. */
typedef struct batch_stmt {
	const char *text;
	size_t len;
	const uint32_t *types; /* ptypes, or the prepared statement's */
	int ntypes;
	uint32_t ptypes[HELD_MAX_PARAMS]; /* a Parse's types, decoded */
} batch_stmt;

/*
 * The statement batch b executes: the text and parameter types of its
 * Parse (the types decoded into out->ptypes), or of the prepared statement
 * its Bind names.  False when the Parse has more types than ptypes holds
 * or the statement is not known.
 */
static bool batch_statement(sesscache *sc, const batch *b, batch_stmt *out)
{
	if (b->parse != NULL) {
		if (b->ps.ntypes > HELD_MAX_PARAMS)
			return false;
		for (int k = 0; k < b->ps.ntypes; k++)
			out->ptypes[k] = wire_parse_type(&b->ps, k);
		out->text = b->ps.text;
		out->len = b->ps.text_len;
		out->types = out->ptypes;
		out->ntypes = b->ps.ntypes;
		return true;
	}
	const pstmt *ps = find_stmt(sc, b->bind.stmt);
	if (ps == NULL)
		return false;
	out->text = ps->text;
	out->len = ps->len;
	out->types = ps->types;
	out->ntypes = ps->ntypes;
	return true;
}

/*
 * The batch [Parse] Bind [Describe portal] Execute in [p, end), then
 * Sync: answered here (after what cout holds from mark: the answers of
 * statements before it in the batch; tail, when not NULL, goes between
 * the answer and ReadyForQuery)?  cout is cut back to mark when not.
 */
static bool answer_batch(sesscache *sc, const char *p, const char *end, size_t mark, const wire_buf *tail,
                         wire_buf *cout, wire_buf *bout)
{
	batch b;
	pstmt *known = NULL;
	if (!split_batch(p, end, &b))
		return false;
	if (b.parse != NULL && b.ps.name[0] != '\0')
		HASH_FIND_STR(sc->stmts, b.ps.name, known);
	if (known != NULL)
		return false; /* the backend refuses a second Parse of the name */
	batch_stmt bs;
	if (!batch_statement(sc, &b, &bs))
		return false;
	if (!sqlfe_stmtclass_is_select(bs.text, bs.len, sc->ss.std_strings))
		return false;
	hitpath_request rq;
	bound_params bp;
	if (!bind_request(&b.bind, bs.text, bs.len, bs.types, bs.ntypes, &rq, &bp))
		return false;
	rq.describe = b.describe;

	if (b.parse != NULL)
		wire_put_empty(cout, '1'); /* ParseComplete */
	wire_put_empty(cout, '2');         /* BindComplete */
	if (!answer_with(sc, &rq, cout, mark, tail))
		return false;
	if (b.parse != NULL && b.ps.name[0] != '\0') {
		record_parse(sc, b.parse, b.parse_len, true); /* the backend parses it now */
		replay_parse(sc, &b, bout);
	} else if (b.parse != NULL) {
		parsed_here(sc, b.parse, b.parse_len);
	}
	return true;
}

/* One statement of a held pipeline: its messages [p, end). */
typedef struct held_stmt {
	const char *p, *end;
} held_stmt;

/* Split the held messages at each Execute; the number of statements, 0 when more than max or a tail is left. */
static int split_statements(const wire_buf *h, held_stmt *st, int max)
{
	const char *p = h->data + h->start, *end = h->data + h->len, *from = p;
	int n = 0;
	while (end - p >= 5) {
		size_t len = (size_t)wire_get_uint32(p + 1) + 1;
		if ((size_t)(end - p) < len)
			return 0;
		char type = p[0];
		p += len;
		if (type == 'E') {
			if (n == max)
				return 0;
			st[n++] = (held_stmt){from, p};
			from = p;
		}
	}
	return p == end && from == end ? n : 0;
}

/*
 * Statement s is Parse "" of a transaction-control text without
 * parameters, Bind of it to the unnamed portal, [Describe portal],
 * Execute: its text into word (lower case, one space between words,
 * at most cap bytes with the NUL), the Parse into *parse, and whether it
 * was described.
 */
static bool utility_stmt(const held_stmt *s, char *word, size_t cap, const char **parse, size_t *parse_len,
                         bool *described)
{
	batch b;
	if (!split_batch(s->p, s->end, &b) || b.parse == NULL || b.ps.name[0] != '\0' || b.ps.ntypes != 0 ||
	    b.bind.nparams != 0)
		return false;
	size_t k = 0;
	bool space = false;
	for (size_t i = 0; i < b.ps.text_len; i++) {
		unsigned char ch = (unsigned char)b.ps.text[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = k > 0;
			continue;
		}
		if (!(isalnum(ch) || ch == '_') || k + 2 >= cap)
			return false; /* quotes, comments, semicolons and the like: not this simple statement */
		if (space)
			word[k++] = ' ';
		space = false;
		word[k++] = (char)tolower(ch);
	}
	word[k] = '\0';
	*parse = b.parse;
	*parse_len = b.parse_len;
	*described = b.describe;
	return k > 0;
}

/* The answers PostgreSQL gives to Parse, Bind, [Describe: NoData], Execute of a utility statement with tag. */
static void put_utility_answer(wire_buf *out, bool described, const char *tag)
{
	wire_put_empty(out, '1');
	wire_put_empty(out, '2');
	if (described)
		wire_put_empty(out, 'n');
	size_t m = wire_begin(out, 'C');
	wire_buf_append(out, tag, strlen(tag) + 1);
	wire_end(out, m);
}

/*
 * The held pipeline, then Sync: answered here?  One statement: a batch
 * (answer_batch).  Then the two pipelines a driver with psqlODBC's
 * statement-level rollback sends around a read (odbc-driver/, doc/odbc.md):
 *  - inside a transaction the cache may answer (txn_readable): SAVEPOINT x,
 *    the read, RELEASE [SAVEPOINT] x.  A savepoint released after a read
 *    that cannot fail leaves the backend as it was: all three are answered
 *    here, the backend sees none of them.
 *  - outside a transaction, when a plain BEGIN is READ COMMITTED: BEGIN,
 *    the read.  The read is answered here in the transaction the BEGIN
 *    opens; the BEGIN goes on to the backend with a Sync of its own, its
 *    answers not shown (as a replayed Parse's).
 * Anything else goes to the backend as it came.
 */
static bool answer_held(sesscache *sc, wire_buf *cout, wire_buf *bout)
{
	held_stmt st[3];
	int n = split_statements(&sc->held, st, 3);
	size_t mark = cout->len;
	if (n == 1)
		return answer_batch(sc, st[0].p, st[0].end, mark, NULL, cout, bout);
	char w0[64], w2[64];
	const char *p0, *p2;
	size_t l0, l2;
	bool d0, d2;
	if (n == 3 && sc->txn == 'T' && sc->txn_reads && utility_stmt(&st[0], w0, sizeof(w0), &p0, &l0, &d0) &&
	    utility_stmt(&st[2], w2, sizeof(w2), &p2, &l2, &d2) && strncmp(w0, "savepoint ", 10) == 0 &&
	    strchr(w0 + 10, ' ') == NULL &&
	    (strcmp(w2 + (strncmp(w2, "release savepoint ", 18) == 0 ? 18 : 8), w0 + 10) == 0) &&
	    strncmp(w2, "release ", 8) == 0) {
		wire_buf tail = {0};
		put_utility_answer(&tail, d2, "RELEASE");
		put_utility_answer(cout, d0, "SAVEPOINT");
		bool ok = !tail.failed && answer_batch(sc, st[1].p, st[1].end, mark, &tail, cout, bout);
		wire_buf_free(&tail);
		if (ok) {
			parsed_here(sc, p2, l2); /* the client's unnamed statement is the RELEASE */
		} else {
			cout->len = mark;  /* the SAVEPOINT's answers too: the backend gives them */
			sc->held_wrap = 2; /* to the backend: the transaction may still be answered (txn_readable) */
		}
		return ok;
	}
	if (n == 2 && sc->txn == 'I' && sc->default_rc && sc->check == CHK_OK &&
	    utility_stmt(&st[0], w0, sizeof(w0), &p0, &l0, &d0) &&
	    (strcmp(w0, "begin") == 0 || strcmp(w0, "begin transaction") == 0 ||
	     strcmp(w0, "start transaction") == 0)) {
		put_utility_answer(cout, d0, strncmp(w0, "start", 5) == 0 ? "START TRANSACTION" : "BEGIN");
		sc->txn = 'T';
		sc->txn_reads = true;
		unit *u = NULL;
		if (!answer_batch(sc, st[1].p, st[1].end, mark, NULL, cout, bout) ||
		    (u = push_unit(sc, UNIT_REPLAY)) == NULL) {
			cout->len = mark;
			sc->txn = 'I';
			sc->txn_reads = false;
			/* to the backend: the transaction it opens may still be answered (txn_readable) */
			sc->held_wrap = 1;
			sc->held_begins_rc = true;
			return false;
		}
		u->forget = SQLFE_FORGET_NONE;
		wire_buf_append(bout, st[0].p, (size_t)(st[0].end - st[0].p));
		wire_put_empty(bout, 'S');
		return true;
	}
	return false;
}

/* --- the memo of backend answers: giving them ------------------------------------------- */

/* Whether text begins with the word WITH (after blanks and parentheses): a SELECT with WITH queries, maybe. */
static bool starts_with_with(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && (isspace((unsigned char)text[i]) || text[i] == '('))
		i++;
	return len - i >= 5 && strncasecmp(text + i, "with", 4) == 0 &&
	       (isspace((unsigned char)text[i + 4]) || text[i + 4] == '(');
}

/*
 * Whether the backend's answer to statement text may come from the memo of
 * backend answers, or be kept, now: a memo, nothing refused (settings
 * known, nothing owed, no hold), no transaction open (the answer is the
 * backend's state between transactions, like the cache's), standard
 * strings (the judge parses as PostgreSQL does with them on), a SELECT the
 * judge passed, every table it reads readable by the session and not
 * fenced.  The key's start (the check's role and settings, kind) goes
 * into bkey, the tables' source position into *pos.
 */
static bool memo_may(sesscache *sc, char kind, const char *text, size_t len, uint64_t *pos)
{
	if (sc->bm == NULL || !sc->bsettings_known || !sc->ss.std_strings || sc->txn != 'I' || refusal(sc) != NULL ||
	    !(sqlfe_stmtclass_is_select(text, len, true) || starts_with_with(text, len)))
		return false;
	fresh_reach(sc);
	uint64_t tables[SQLFE_STMTCLASS_MAX_GROUPS];
	if (!backmemo_judge(sc->bm, sc->reach, sc->reach_gen, text, len, tables))
		return false;
	for (size_t g = 0; g < sc->ngroups; g++)
		if ((tables[g] & ~sc->readable[g]) != 0)
			return false;
	if (!cachesvc_source_position(sc->cs, tables, sc->ngroups, pos))
		return false;
	/* judged with the catalog the positions belong to: DDL advances the epoch again after the reload */
	if (cachesvc_reach_generation(sc->cs) != sc->reach_gen)
		return false;
	wire_buf *k = &sc->bkey;
	k->start = k->len = 0;
	wire_put_byte(k, kind);
	wire_buf_append(k, sc->bsettings, sc->bsettings_len);
	wire_put_byte(k, '\0');
	wire_buf_append(k, text, len);
	wire_put_byte(k, '\0');
	return true;
}

/*
 * The answer kept under bkey at position pos into cout, ReadyForQuery
 * after it?  When none is, the statement is armed to be kept (forward()
 * hands the key to its unit), provided every transaction the applier has
 * applied is known visible to the snapshot the backend will take: one
 * that is not would be in pos but not in the answer.
 */
static bool memo_answer(sesscache *sc, uint64_t pos, wire_buf *cout)
{
	wire_buf *k = &sc->bkey;
	if (k->failed)
		return false;
	uint64_t rows;
	size_t mark = cout->len;
	if (memo_get(backmemo_memo(sc->bm), k->data + k->start, wire_buf_avail(k), (int64_t)pos, cout, &rows)) {
		if (sc->counted) /* the constraint cache counted it a miss: it is a hit now */
			STATS_ADD(queries_cache_misses, -1);
		if (sc->asked >= 0 && sc->hp != NULL)
			hitpath_conn_count_memo(sc->hp, (hitpath_outcome)sc->asked);
		sc->counted = sc->subset_read = false;
		put_txn_reads(sc, cout);
		wire_put_ready(cout, 'I');
		STATS_ADD(queries_cache_hits, 1);
		return true;
	}
	cout->len = mark;
	if (cachesvc_settled(sc->cs)) {
		sc->armed = true;
		sc->arm_pos = pos;
	} else {
		backmemo_count_unsettled(sc->bm);
	}
	return false;
}

/* A simple Query the cache did not answer: from the memo of backend answers? */
static bool memo_query(sesscache *sc, const char *msg, size_t n, wire_buf *cout)
{
	const char *text;
	size_t len;
	uint64_t pos;
	if (!wire_read_query(msg, n, &text, &len) || !memo_may(sc, 'Q', text, len, &pos) || !memo_answer(sc, pos, cout))
		return false;
	sc->stale = false;
	drop_unnamed(sc); /* PostgreSQL drops the unnamed statement on a simple Query */
	return true;
}

/*
 * The held batch [Parse ""] Bind [Describe portal] Execute the cache did
 * not answer: from the memo of backend answers?  The key adds to the text
 * the parameter types, whether it parses and describes, and the Bind's
 * formats and values (text values that date and time input reads as the
 * clock are never kept).
 */
static bool memo_batch(sesscache *sc, wire_buf *cout)
{
	held_stmt st[1];
	batch b;
	if (split_statements(&sc->held, st, 1) != 1 || !split_batch(st[0].p, st[0].end, &b) ||
	    (b.parse != NULL && b.ps.name[0] != '\0'))
		return false;
	batch_stmt bs;
	if (!batch_statement(sc, &b, &bs))
		return false;
	const char *cursor = b.bind.params;
	for (int i = 0; i < b.bind.nparams; i++) {
		int32_t l;
		const char *v = wire_bind_next_param(&cursor, &l);
		if (v != NULL && wire_bind_format(&b.bind, i) == 0 && !sqlfe_memoable_value_ok(v, (size_t)l))
			return false;
	}
	uint64_t pos;
	if (!memo_may(sc, 'X', bs.text, bs.len, &pos))
		return false;
	wire_buf *k = &sc->bkey;
	for (int i = 0; i < bs.ntypes; i++)
		wire_put_int32(k, (int32_t)bs.types[i]);
	wire_put_byte(k, b.parse != NULL ? 'P' : '-');
	wire_put_byte(k, b.describe ? 'D' : '-');
	/* the Bind from its formats on: formats, values, result formats */
	const char *bind = b.parse != NULL ? b.parse + b.parse_len : st[0].p;
	const char *from = b.bind.stmt + strlen(b.bind.stmt) + 1;
	wire_buf_append(k, from, (size_t)(bind + wire_get_uint32(bind + 1) + 1 - from));
	if (!memo_answer(sc, pos, cout))
		return false;
	if (b.parse != NULL)
		parsed_here(sc, b.parse, b.parse_len);
	return true;
}

sesscache_action sesscache_client(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout, wire_buf *cout)
{
	sc->asked = -1;
	if (sc->holding) {
		if ((type == 'P' || type == 'B' || type == 'D' || type == 'E') && sc->nheld < HELD_MAX_MESSAGES) {
			hold(sc, msg, n);
			return SESSCACHE_HELD;
		}
		if (type == 'S') {
			if (may_answer(sc) && (answer_held(sc, cout, bout) || memo_batch(sc, cout))) {
				held_clear(sc);
				return SESSCACHE_ANSWERED;
			}
			release_held(sc, bout);
			sc->armed = false;
			if (sc->held_wrap > 0) {
				unit *u = open_extended(sc);
				if (u != NULL) {
					u->wrap = sc->held_wrap;
					u->begins_rc = sc->held_begins_rc;
				}
				sc->held_wrap = 0;
				sc->held_begins_rc = false;
			}
			forward(sc, type, msg, n, bout);
			return SESSCACHE_FORWARDED;
		}
		release_held(sc, bout);
	}
	if (sc->check == CHK_OK && sc->ddl_gen != cachesvc_ddl_generation(sc->cs))
		sc->check = CHK_UNKNOWN; /* DDL on the backend (GRANT, REVOKE, row security): privileges may differ */
	if (sc->check == CHK_UNKNOWN && backend_idle(sc))
		send_check(sc, bout); /* the settings changed outside the session's statements */
	switch (type) {
	case 'Q':
		if (hit_ready(sc) && (answer_query(sc, msg, n, cout, refusal(sc)) || memo_query(sc, msg, n, cout)))
			return SESSCACHE_ANSWERED;
		break;
	case 'P':
		if (may_answer(sc)) {
			hold(sc, msg, n);
			return SESSCACHE_HELD;
		}
		break;
	case 'B': {
		const char *refuse = refusal(sc);
		wire_bind b;
		if (refuse == NULL && hit_ready(sc)) {
			hold(sc, msg, n);
			return SESSCACHE_HELD;
		}
		if (refuse != NULL && wire_read_bind(msg, n, &b))
			probe_bind(sc, &b, refuse);
		break;
	}
	default:
		break;
	}
	forward(sc, type, msg, n, bout);
	sc->armed = false;
	return SESSCACHE_FORWARDED;
}

cachesvc *sesscache_cachesvc(sesscache *sc)
{
	return sc->cs;
}

void sesscache_report_txn_reads(sesscache *sc)
{
	sc->report_txn = true;
}
