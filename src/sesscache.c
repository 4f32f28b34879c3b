/*
 * sesscache.c - a session's side of the cache (see the DESIGN in
 * sesscache.h).
 *
 * Functions prefix: sesscache_
 */
#include "src/sesscache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "common/log.h"
#include "common/sb.h"
#include "hit/hitpath.h"
#include "sql/stmtclass.h"
#include "sql/types.h"
#include "src/stats.h"

/* The reserved name of the settings check's prepared statement. */
#define CHECK_STMT "__cbcache_settings_check"
/* Most parameters a held Bind may carry to be answered from the cache. */
#define HELD_MAX_PARAMS 128

typedef enum check_state {
	CHK_UNKNOWN, /* must be run before the cache answers */
	CHK_PENDING, /* sent, answer not in */
	CHK_OK,
	CHK_FAILED /* the backend refused it: the session relays only until settings change */
} check_state;

/* A prepared statement the client made (named, or the unnamed one). */
typedef struct pstmt {
	char *name;
	char *text; /* NUL-terminated */
	size_t len;
	int ntypes;
	uint32_t *types;
	sqlfe_stmtclass_result eff; /* what executing it may do to the cache, judged once at Parse */
	bool ambiguous;             /* named twice: what the backend holds is not known */
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

	/* settings */
	hitpath_session ss; /* what the hit path must know; its strings point at the arrays below */
	char timezone[64];
	char datestyle[64];
	char intervalstyle[64];
	uint64_t readable[SQLFE_STMTCLASS_MAX_GROUPS];
	check_state check;
	int check_inflight; /* check exchanges whose ReadyForQuery is not in */
	bool check_row;     /* the check's DataRow was read */
	bool check_error;

	/* the backend's progress */
	int rfq_expected;   /* Query, Sync and FunctionCall messages not answered by ReadyForQuery yet */
	uint64_t rfq_kinds; /* bit i: the i-th expected ReadyForQuery ends a simple Query */
	bool unsynced;      /* extended messages sent since the last Sync */
	char txn;           /* the last ReadyForQuery's status */
	int swallow_parse;  /* ParseComplete messages the client must not see */

	/* extended messages held until Sync */
	wire_buf held;
	bool holding;

	/* prepared statements */
	pstmt *stmts;
	pstmt *unnamed;       /* the unnamed statement, NULL when none */
	wire_buf stale_parse; /* a Parse answered here that the backend has not seen */
	wire_buf probe_out;   /* scratch of probe_bind(): never sent */
	bool stale;

	/* writes waiting for their commit */
	bool pend;
	bool pend_all;
	uint64_t pend_tables[SQLFE_STMTCLASS_MAX_GROUPS];
	bool cc_invalidated; /* the last backend message was a CommandComplete that invalidated */
	bool counted;        /* the next Query or Execute sent on was counted already (a miss) */
};

/* --- set-up ---------------------------------------------------------------------- */

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
	wire_buf_free(&sc->held);
	wire_buf_free(&sc->stale_parse);
	wire_buf_free(&sc->probe_out);
	free(sc);
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
	sc->cs = cache;
	sc->db = cachesvc_cachedb(cache);
	sc->eng = eng;
	sc->txn = 'I';
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
	return sc;
}

/* --- the settings check --------------------------------------------------------------- */

static void put_int16(wire_buf *b, int v)
{
	wire_put_int16(b, (int16_t)v);
}

/* Parse, Bind, Execute, Close and Sync of the check into bout. */
static void send_check(sesscache *sc, wire_buf *bout)
{
	char sql[64 + 260 * 64 * SQLFE_STMTCLASS_MAX_GROUPS];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT pg_catalog.current_setting('extra_float_digits')");
	int param = 1;
	for (size_t g = 0; g < sc->ngroups; g++)
		for (size_t t = 0; t < sc->tables.ntables[g] && n < sizeof(sql); t++) {
			n += (size_t)snprintf(sql + n, sizeof(sql) - n,
			                      ", coalesce(pg_catalog.to_regclass($%d)::pg_catalog.oid = $%d AND "
			                      "pg_catalog.has_table_privilege($%d, 'SELECT') AND NOT (SELECT "
			                      "c.relrowsecurity FROM pg_catalog.pg_class c WHERE c.oid = $%d), false)",
			                      param, param + 1, param + 1, param + 1);
			param += 2;
		}
	int nparams = param - 1;
	size_t m = wire_begin(bout, 'P');
	wire_put_str(bout, CHECK_STMT);
	wire_put_str(bout, sql);
	put_int16(bout, nparams);
	for (int i = 0; i < nparams; i++)
		wire_put_int32(bout, i % 2 == 0 ? 25 /* text */ : 26 /* oid */);
	wire_end(bout, m);

	m = wire_begin(bout, 'B');
	wire_put_str(bout, "");
	wire_put_str(bout, CHECK_STMT);
	put_int16(bout, 0);
	put_int16(bout, nparams);
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
	wire_put_str(bout, "");
	wire_put_int32(bout, 0);
	wire_end(bout, m);

	m = wire_begin(bout, 'C');
	wire_put_byte(bout, 'S');
	wire_put_str(bout, CHECK_STMT);
	wire_end(bout, m);

	m = wire_begin(bout, 'S');
	wire_end(bout, m);

	sc->check = CHK_PENDING;
	sc->check_inflight++;
	sc->check_row = false;
	sc->check_error = false;
}

static bool backend_idle(const sesscache *sc)
{
	return sc->rfq_expected == 0 && !sc->unsynced && sc->check_inflight == 0;
}

static void maybe_check(sesscache *sc, wire_buf *bout)
{
	if (sc->check == CHK_UNKNOWN && backend_idle(sc) && sc->txn == 'I' && !sc->holding)
		send_check(sc, bout);
}

/* The check's DataRow: extra_float_digits, then one boolean per table. */
static void read_check_row(sesscache *sc, const char *msg, size_t n)
{
	const char *p = msg + 5, *end = msg + n;
	if (p + 2 > end)
		return;
	int ncols = (int16_t)((unsigned char)p[0] << 8 | (unsigned char)p[1]);
	p += 2;
	if ((size_t)ncols != sc->ncheck + 1)
		return;
	uint64_t readable[SQLFE_STMTCLASS_MAX_GROUPS] = {0};
	size_t g = 0, t = 0;
	for (int c = 0; c < ncols; c++) {
		if (p + 4 > end)
			return;
		int32_t len = (int32_t)wire_get_uint32(p);
		p += 4;
		if (len < 0 || p + len > end)
			return;
		if (c == 0) {
			char v[16];
			if ((size_t)len >= sizeof(v))
				return;
			memcpy(v, p, (size_t)len);
			v[len] = '\0';
			char *e;
			long efd = strtol(v, &e, 10);
			if (*e != '\0' || efd < -15 || efd > 3)
				return;
			sc->ss.extra_float_digits = (int)efd;
		} else {
			while (g < sc->ngroups && t >= sc->tables.ntables[g]) {
				g++;
				t = 0;
			}
			if (g >= sc->ngroups)
				return;
			if (len == 1 && p[0] == 't')
				readable[g] |= (uint64_t)1 << t;
			t++;
		}
		p += len;
	}
	memcpy(sc->readable, readable, sizeof(readable));
	sc->check_row = true;
}

/* A backend message while the check is in flight; false: the client does not see it. */
static bool check_message(sesscache *sc, char type, const char *msg, size_t n)
{
	switch (type) {
	case 'D':
		read_check_row(sc, msg, n);
		return false;
	case 'E':
		sc->check_error = true;
		return false;
	case 'Z':
		sc->check_inflight--;
		sc->txn = msg[5];
		if (sc->check == CHK_PENDING) {
			if (sc->check_row && !sc->check_error) {
				sc->check = CHK_OK;
			} else {
				sc->check = CHK_FAILED;
				log_warning("the cache's settings check failed on a session's backend connection; "
				            "the session's statements go to the backend until its settings change");
			}
		}
		return false;
	case 'N': /* notices and notifications are the client's */
	case 'A':
		return true;
	default: /* ParseComplete, BindComplete, CommandComplete, CloseComplete */
		return false;
	}
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

void sesscache_login(sesscache *sc, PGconn *be, wire_buf *bout)
{
	static const char *const names[] = {"TimeZone", "DateStyle", "IntervalStyle", "standard_conforming_strings",
	                                    "client_encoding"};
	for (size_t i = 0; i < CB_ARRAY_LEN(names); i++) {
		const char *v = PQparameterStatus(be, names[i]);
		set_param(sc, names[i], v != NULL ? v : "");
	}
	maybe_check(sc, bout);
}

static void invalidate_written(sesscache *sc)
{
	if (sc->pend_all) {
		cachesvc_invalidate_all(sc->cs);
		return;
	}
	for (size_t g = 0; g < sc->ngroups; g++)
		if (sc->pend_tables[g] != 0)
			cachesvc_invalidate(sc->cs, g, sc->pend_tables[g]);
}

bool sesscache_backend(sesscache *sc, char type, const char *msg, size_t n)
{
	if (type == 'S') {
		const char *name = msg + 5;
		const char *value = memchr(name, '\0', n - 5);
		if (value != NULL && value + 1 < msg + n)
			set_param(sc, name, value + 1);
		return true;
	}
	if (sc->check_inflight > 0)
		return check_message(sc, type, msg, n);
	switch (type) {
	case '1':
		if (sc->swallow_parse > 0) {
			sc->swallow_parse--;
			return false;
		}
		break;
	case 'N':
	case 'A':
		return true; /* asynchronous: says nothing of the statement */
	case 'C':
		/* a simple Query's CommandComplete follows the commit of its implicit
		 * transaction, or of COMMIT: invalidate before the client learns of it */
		if (sc->pend && sc->rfq_expected > 0 && (sc->rfq_kinds & 1)) {
			invalidate_written(sc);
			sc->cc_invalidated = true;
			return true;
		}
		break;
	case 'Z':
		if (sc->rfq_expected > 0) {
			sc->rfq_expected--;
			sc->rfq_kinds >>= 1;
		}
		sc->txn = msg[5];
		if (sc->txn == 'I' && sc->pend) {
			if (!sc->cc_invalidated)
				invalidate_written(sc);
			sc->pend = sc->pend_all = false;
			memset(sc->pend_tables, 0, sizeof(sc->pend_tables));
		}
		sc->cc_invalidated = false;
		return true;
	default:
		break;
	}
	sc->cc_invalidated = false;
	return true;
}

bool sesscache_failed(const sesscache *sc)
{
	return sc->held.failed || sc->stale_parse.failed;
}

bool sesscache_backend_busy(const sesscache *sc)
{
	return !backend_idle(sc);
}

/* --- client messages to the backend ----------------------------------------------------- */

/* Remember what a statement sent to the backend may do (sql/stmtclass.h). */
static void apply_effects(sesscache *sc, const sqlfe_stmtclass_result *r)
{
	if (r->effects & SQLFE_STMTCLASS_WRITES_ALL) {
		sc->pend = sc->pend_all = true;
	} else if (r->effects & SQLFE_STMTCLASS_WRITES) {
		sc->pend = true;
		for (size_t g = 0; g < sc->ngroups; g++)
			sc->pend_tables[g] |= r->tables[g];
	}
	if (r->effects & SQLFE_STMTCLASS_SETTINGS)
		sc->check = CHK_UNKNOWN;
	if (r->effects & SQLFE_STMTCLASS_FORGET_STMTS) {
		/* DEALLOCATE name: which one is not worth parsing; forget the whole table */
		pstmt *p, *tmp;
		HASH_ITER(hh, sc->stmts, p, tmp)
		{
			p->ambiguous = true;
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

/* A statement as a Parse message describes it, judged once; NULL when out of memory. */
static pstmt *new_stmt(sesscache *sc, const wire_parse *ps)
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
	sqlfe_stmtclass_classify(p->text, p->len, sc->ss.std_strings, &sc->tables, &p->eff);
	return p;
}

/* Remember a Parse the backend gets (or that was answered here). */
static void record_parse(sesscache *sc, const char *msg, size_t n)
{
	wire_parse ps;
	if (!wire_read_parse(msg, n, &ps))
		return;
	if (ps.name[0] == '\0') {
		drop_unnamed(sc);
		sc->unnamed = new_stmt(sc, &ps);
		return;
	}
	pstmt *p;
	HASH_FIND_STR(sc->stmts, ps.name, p);
	if (p != NULL) {
		p->ambiguous = true; /* the backend refuses a second Parse of the name */
		return;
	}
	if ((p = new_stmt(sc, &ps)) != NULL)
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

/* Before a message that uses the unnamed statement: let the backend parse what was answered here. */
static void unstale(sesscache *sc, wire_buf *bout)
{
	if (!sc->stale)
		return;
	wire_buf_append(bout, sc->stale_parse.data + sc->stale_parse.start, wire_buf_avail(&sc->stale_parse));
	sc->swallow_parse++;
	sc->stale = false;
	sc->unsynced = true;
}

static void expect_rfq(sesscache *sc, bool simple)
{
	if (sc->rfq_expected < 64) {
		if (simple)
			sc->rfq_kinds |= (uint64_t)1 << sc->rfq_expected;
		else
			sc->rfq_kinds &= ~((uint64_t)1 << sc->rfq_expected);
	}
	sc->rfq_expected++;
}

/* Send one client message to the backend, keeping the books. */
static void forward(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout)
{
	if (type == 'Q' || type == 'E') {
		if (!sc->counted)
			STATS_ADD(queries_backend, 1);
		sc->counted = false;
	}
	switch (type) {
	case 'Q': {
		const char *text;
		size_t len;
		sqlfe_stmtclass_result r;
		if (wire_read_query(msg, n, &text, &len)) {
			sqlfe_stmtclass_classify(text, len, sc->ss.std_strings, &sc->tables, &r);
			apply_effects(sc, &r);
		}
	}
		/* a simple Query drops the unnamed statement on the backend */
		sc->stale = false;
		drop_unnamed(sc);
		expect_rfq(sc, true);
		break;
	case 'P': {
		wire_parse ps;
		if (wire_read_parse(msg, n, &ps) && ps.name[0] == '\0')
			sc->stale = false;
		record_parse(sc, msg, n);
		sc->unsynced = true;
		break;
	}
	case 'B': {
		wire_bind b;
		if (wire_read_bind(msg, n, &b)) {
			if (b.stmt[0] == '\0')
				unstale(sc, bout);
			const pstmt *ps = find_stmt(sc, b.stmt);
			if (ps != NULL)
				apply_effects(sc, &ps->eff);
			else
				sc->pend = sc->pend_all = true; /* an unknown statement may write anything */
		}
		sc->unsynced = true;
		break;
	}
	case 'D': {
		char kind;
		const char *name;
		if (wire_read_target(msg, n, &kind, &name) && kind == 'S' && name[0] == '\0')
			unstale(sc, bout);
		sc->unsynced = true;
		break;
	}
	case 'C': {
		char kind;
		const char *name;
		pstmt *ps = NULL;
		if (wire_read_target(msg, n, &kind, &name) && kind == 'S' && name[0] != '\0')
			HASH_FIND_STR(sc->stmts, name, ps);
		if (ps != NULL) {
			HASH_DEL(sc->stmts, ps);
			free_stmt(ps);
		}
		sc->unsynced = true;
		break;
	}
	case 'S':
		expect_rfq(sc, false);
		sc->unsynced = false;
		break;
	case 'F':
		sc->pend = sc->pend_all = true; /* a function call may write anything */
		expect_rfq(sc, false);
		break;
	case 'E':
	case 'H':
		sc->unsynced = true;
		break;
	default: /* CopyData, CopyDone, CopyFail */
		break;
	}
	wire_buf_append(bout, msg, n);
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
	h->start = h->len = 0;
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
	if (!backend_idle(sc))
		return "the backend still owes the session answers (pipelined statements)";
	if (sc->txn != 'I')
		return "a transaction is open";
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
static bool answer_with(sesscache *sc, const hitpath_request *rq, wire_buf *cout, size_t mark)
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
	wire_put_ready(cout, 'I');
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
	if (!answer_with(sc, &rq, cout, cout->len))
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
	(void)answer_with(sc, &rq, &sc->probe_out, mark); /* never answers: rq.refuse is set */
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

/* Split the held messages into a batch the cache may answer; false when they are something else. */
static bool split_batch(const wire_buf *h, batch *b)
{
	const char *p = h->data + h->start, *end = h->data + h->len;
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
		if (!wire_read_parse(b->parse, b->parse_len, &b->ps) || b->ps.name[0] != '\0')
			return false;
	}
	if (msgs[i][0] != 'B' || !wire_read_bind(msgs[i], lens[i], &b->bind) || b->bind.portal[0] != '\0' ||
	    (b->parse != NULL && b->bind.stmt[0] != '\0'))
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

/* The held batch [Parse ""] Bind [Describe portal] Execute, then Sync: answer it here? */
static bool answer_batch(sesscache *sc, wire_buf *cout)
{
	batch b;
	if (!split_batch(&sc->held, &b))
		return false;
	uint32_t ptypes[HELD_MAX_PARAMS];
	const char *text;
	size_t tlen;
	const uint32_t *types;
	int ntypes;
	if (b.parse != NULL) {
		if (b.ps.ntypes > HELD_MAX_PARAMS)
			return false;
		for (int k = 0; k < b.ps.ntypes; k++)
			ptypes[k] = wire_parse_type(&b.ps, k);
		text = b.ps.text;
		tlen = b.ps.text_len;
		types = ptypes;
		ntypes = b.ps.ntypes;
	} else {
		const pstmt *ps = find_stmt(sc, b.bind.stmt);
		if (ps == NULL)
			return false;
		text = ps->text;
		tlen = ps->len;
		types = ps->types;
		ntypes = ps->ntypes;
	}
	if (!sqlfe_stmtclass_is_select(text, tlen, sc->ss.std_strings))
		return false;
	hitpath_request rq;
	bound_params bp;
	if (!bind_request(&b.bind, text, tlen, types, ntypes, &rq, &bp))
		return false;
	rq.describe = b.describe;

	size_t mark = cout->len;
	if (b.parse != NULL)
		wire_put_empty(cout, '1'); /* ParseComplete */
	wire_put_empty(cout, '2');         /* BindComplete */
	if (!answer_with(sc, &rq, cout, mark))
		return false;
	if (b.parse != NULL) {
		/* the client's unnamed statement is now this one; the backend learns it when needed */
		record_parse(sc, b.parse, b.parse_len);
		sc->stale_parse.start = sc->stale_parse.len = 0;
		wire_buf_append(&sc->stale_parse, b.parse, b.parse_len);
		sc->stale = !sc->stale_parse.failed && sc->unnamed != NULL;
		if (!sc->stale && sc->unnamed != NULL)
			drop_unnamed(sc);
	}
	return true;
}

sesscache_action sesscache_client(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout, wire_buf *cout)
{
	if (sc->holding) {
		if (type == 'B' || type == 'D' || type == 'E') {
			wire_buf_append(&sc->held, msg, n);
			return SESSCACHE_HELD;
		}
		if (type == 'S') {
			if (may_answer(sc) && answer_batch(sc, cout)) {
				sc->holding = false;
				sc->held.start = sc->held.len = 0;
				return SESSCACHE_ANSWERED;
			}
			release_held(sc, bout);
			forward(sc, type, msg, n, bout);
			return SESSCACHE_FORWARDED;
		}
		release_held(sc, bout);
	}
	maybe_check(sc, bout);
	switch (type) {
	case 'Q':
		if (hit_ready(sc) && answer_query(sc, msg, n, cout, refusal(sc)))
			return SESSCACHE_ANSWERED;
		break;
	case 'P':
		if (n > 6 && msg[5] == '\0' && may_answer(sc)) {
			sc->holding = true;
			sc->held.start = sc->held.len = 0;
			wire_buf_append(&sc->held, msg, n);
			return SESSCACHE_HELD;
		}
		break;
	case 'B': {
		const char *refuse = refusal(sc);
		wire_bind b;
		if (refuse == NULL && hit_ready(sc)) {
			sc->holding = true;
			sc->held.start = sc->held.len = 0;
			wire_buf_append(&sc->held, msg, n);
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
	return SESSCACHE_FORWARDED;
}
