/*
 * statement.c - the ODBC statement handle: SQL text, server-side prepared
 * statements, parameters, execution and the transaction rules around it,
 * statement attributes and cursor names.
 *
 * Functions prefix: stmt_
 *
 * The text is split into statements and translated once (nativesql.c).
 * An execution sends everything it needs in one libpq pipeline, so it
 * costs one round trip: the BEGIN that manual-commit mode needs, the
 * savepoint of statement-level rollback, each statement of the text for
 * each parameter set (Parse/Bind/Execute; a named statement kept in the
 * connection's cache after SQLPrepare), the release of the savepoint, one
 * Sync.  Parameters travel as text, bytea parameters in binary; every `?`
 * gets the cast its bound SQL type implies ($1::int4), as with psqlODBC.
 *
 * Transactions follow psqlODBC: with autocommit off the first statement
 * opens one (except VACUUM, REINDEX, CLUSTER, CHECKPOINT); after an error
 * in a transaction the rollback level of the DSN's Protocol key decides:
 * 2 (the default) rolls back to the savepoint taken before the statement,
 * so the transaction goes on; 1 rolls the transaction back; 0 leaves it
 * failed.  A failing text of several statements fails as a whole (they
 * run as one implicit transaction, as with the simple protocol).
 *
 * UseDeclareFetch=1 runs a lone SELECT through a cursor, Fetch rows at a
 * time.  Updatable cursors (SQL_ATTR_CONCURRENCY not read-only on a
 * scrollable cursor over one table) carry the rows' ctid as a hidden last
 * column for setpos.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sb.h"
#include "odbc-driver/statement.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/results.h"
#include "odbc-driver/setpos.h"

#define STMT_SVP "cbo_svp"

SQLRETURN stmt_alloc(cbo_dbc *dbc, cbo_stmt **out)
{
	if (!conn_is_open(dbc, &dbc->diag))
		return SQL_ERROR;
	cbo_stmt *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return diag_add(&dbc->diag, "HY001", "out of memory allocating a statement handle");
	st->magic = CBO_MAGIC_STMT;
	diag_init(&st->diag, DIAG_STMT);
	st->dbc = dbc;
	desc_init(&st->ard_own, dbc, st, DESC_ARD);
	desc_init(&st->apd_own, dbc, st, DESC_APD);
	desc_init(&st->ird, dbc, st, DESC_IRD);
	desc_init(&st->ipd, dbc, st, DESC_IPD);
	st->ard = &st->ard_own;
	st->apd = &st->apd_own;
	st->rowset_start = -1;
	st->cur_row = -1;
	const cbo_stmt_defaults *df = &dbc->stmt_defaults;
	st->noscan = SQL_NOSCAN_OFF;
	st->metadata_id = dbc->metadata_id;
	st->cursor_type = st->cursor_type_set = df->cursor_type;
	st->concurrency = st->concurrency_set = df->concurrency;
	st->max_rows = df->max_rows;
	st->max_length = df->max_length;
	st->query_timeout = df->query_timeout;
	st->keyset_size = df->keyset_size;
	st->retrieve_data = df->retrieve_data;
	st->use_bookmarks = df->use_bookmarks;
	st->rowset_size = df->rowset_size;
	st->ard->bind_type = df->bind_type;
	st->cursor_sensitivity = SQL_INSENSITIVE;
	st->next = dbc->stmts;
	dbc->stmts = st;
	*out = st;
	return SQL_SUCCESS;
}

/* --- results ------------------------------------------------------------------------ */

static void stmt_res_free(stmt_res *r)
{
	PQclear(r->res);
	PQclear(r->err);
	free(r->notice);
	free(r->row_state);
	free(r->longest);
	free(r->fieldsize);
	memset(r, 0, sizeof(*r));
}

/* Close a cursor declared for UseDeclareFetch, and end the transaction
 * opened for it in autocommit mode.  The cursor is WITH HOLD: whether it
 * is still open depends on how its transaction ended (a commit in a
 * statement's text keeps it, a rollback drops it), so it is closed
 * whatever the driver saw (conn_close_cursor). */
static void stmt_close_declared(cbo_stmt *st, stmt_res *r)
{
	cbo_dbc *dbc = st->dbc;
	if (!r->declared || r->cursor[0] == '\0' || dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK)
		return;
	conn_close_cursor(dbc, r->cursor);
	if (st->cursor_txn && dbc->autocommit && PQtransactionStatus(dbc->pg) == PQTRANS_INTRANS) {
		PQclear(conn_exec_quiet(dbc, "COMMIT"));
	}
	st->cursor_txn = false;
	r->cursor[0] = '\0';
}

void stmt_close(cbo_stmt *st)
{
	for (int i = 0; i < st->nresults; i++) {
		stmt_close_declared(st, &st->results[i]);
		stmt_res_free(&st->results[i]);
	}
	free(st->results);
	st->results = NULL;
	st->nresults = 0;
	st->cur = 0;
	st->executed = false;
	st->catalog = false;
	st->rowset_start = -1;
	st->rowset_len = 0;
	st->rowset_count = 0;
	st->last_size = 0;
	st->cur_row = -1;
	res_gd_reset(st);
	st->diag.row_count = 0;
}

stmt_res *stmt_cur(const cbo_stmt *st)
{
	if (!st->executed || st->cur >= st->nresults)
		return NULL;
	return &st->results[st->cur];
}

bool stmt_value(const stmt_res *r, long row, int col, const char **val, int *len)
{
	long i = row - r->base;
	if (r->res == NULL || i < 0 || i >= PQntuples(r->res)) {
		*val = NULL;
		*len = 0;
		return false;
	}
	if (PQgetisnull(r->res, (int)i, col)) {
		*val = NULL;
		*len = 0;
	} else {
		*val = PQgetvalue(r->res, (int)i, col);
		*len = PQgetlength(r->res, (int)i, col);
	}
	return true;
}

long stmt_row_count_known(cbo_stmt *st, stmt_res *r)
{
	(void)st;
	if (r->res == NULL)
		return 0;
	return r->base + PQntuples(r->res);
}

/* FETCH the next chunk of a declared cursor; false when none came. */
static bool stmt_fetch_more(cbo_stmt *st, stmt_res *r, bool *failed)
{
	cbo_dbc *dbc = st->dbc;
	if (r->eof || r->cursor[0] == '\0')
		return false;
	cb_sb q;
	cb_sb_init(&q);
	cb_sb_printf(&q, "FETCH %d IN ", dbc->opts.fetch);
	cb_sb_ident(&q, r->cursor);
	char *sql = cb_sb_finish(&q);
	if (sql == NULL) {
		diag_add(&st->diag, "HY001", "out of memory fetching the next rows");
		*failed = true;
		r->eof = true;
		return false;
	}
	dbc->notice_diag = &st->diag;
	PGresult *res = PQexec(dbc->pg, sql);
	dbc->notice_diag = NULL;
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		diag_add_pg(&st->diag, dbc->pg, res, "Error while fetching the next rows");
		PQclear(res);
		*failed = true;
		r->eof = true;
		return false;
	}
	int n = PQntuples(res);
	if (n < dbc->opts.fetch)
		r->eof = true;
	if (n == 0) {
		PQclear(res);
		return false;
	}
	r->base += PQntuples(r->res);
	PQclear(r->res);
	r->res = res;
	return true;
}

bool stmt_row_available(cbo_stmt *st, stmt_res *r, long row, bool *failed)
{
	*failed = false;
	if (r->res == NULL || row < r->base)
		return row >= 0 && r->res != NULL && row < stmt_row_count_known(st, r) && row >= r->base;
	while (row >= stmt_row_count_known(st, r)) {
		if (!r->declared || !stmt_fetch_more(st, r, failed))
			return false;
	}
	return true;
}

/* --- plans: server-side statements ------------------------------------------------- */

/* Drop a server-side statement; failures (e.g. inside a failed transaction)
 * are ignored: names are never reused. */
static void stmt_deallocate(cbo_dbc *dbc, const char *plan)
{
	if (dbc->pg != NULL && PQstatus(dbc->pg) == CONNECTION_OK && PQtransactionStatus(dbc->pg) != PQTRANS_INERROR) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DEALLOCATE \"%s\"", plan);
		PQclear(conn_exec_quiet(dbc, sql));
	}
}

static void stmt_plan_free(cbo_stmt *st, stmt_plan *p)
{
	if (p->pcached != NULL) {
		cbo_pcache_entry *e = p->pcached;
		if (--e->users == 0 && e->sql == NULL) { /* dropped by DEALLOCATE ALL or DISCARD meanwhile */
			PQclear(e->described);
			memset(e, 0, sizeof(*e));
		}
	} else {
		if (p->name[0])
			stmt_deallocate(st->dbc, p->name);
		PQclear(p->described);
	}
	free(p->sql);
	free(p->kept);
	memset(p, 0, sizeof(*p));
}

static void stmt_plans_free(cbo_stmt *st)
{
	for (int i = 0; st->plans && i < st->nparts; i++)
		stmt_plan_free(st, &st->plans[i]);
	free(st->plans);
	st->plans = NULL;
}

/* The cache entry of text sql, or NULL. */
static cbo_pcache_entry *pcache_find(cbo_dbc *dbc, const char *sql)
{
	for (int i = 0; i < CBO_PCACHE_MAX; i++)
		if (dbc->pcache[i].sql != NULL && strcmp(dbc->pcache[i].sql, sql) == 0)
			return &dbc->pcache[i];
	return NULL;
}

/* Keep a new server-side statement in the cache when a slot is free or an unused one can go. */
static void pcache_add(cbo_stmt *st, stmt_plan *p)
{
	cbo_dbc *dbc = st->dbc;
	cbo_pcache_entry *slot = NULL;
	for (int i = 0; i < CBO_PCACHE_MAX && slot == NULL; i++)
		if (dbc->pcache[i].sql == NULL && dbc->pcache[i].users == 0)
			slot = &dbc->pcache[i];
	for (int i = 0; i < CBO_PCACHE_MAX; i++) {
		cbo_pcache_entry *e = &dbc->pcache[i];
		if (slot == NULL || slot->sql != NULL) {
			if (e->sql != NULL && e->users == 0 && (slot == NULL || e->used < slot->used))
				slot = e;
		}
	}
	if (slot == NULL)
		return; /* every entry in use: the plan keeps its own statement */
	char *copy = strdup(p->sql);
	if (copy == NULL)
		return;
	if (slot->sql != NULL) {
		stmt_deallocate(dbc, slot->plan);
		free(slot->sql);
		PQclear(slot->described);
	}
	slot->sql = copy;
	memcpy(slot->plan, p->name, sizeof(slot->plan));
	slot->described = p->described;
	slot->users = 1;
	slot->used = ++dbc->pcache_clock;
	p->pcached = slot;
}

/* DEALLOCATE ALL or DISCARD sent by the application drop the server's statements. */
static void pcache_note_text(cbo_dbc *dbc, const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(')
		sql++;
	if (strncasecmp(sql, "DEALLOCATE", 10) != 0 && strncasecmp(sql, "DISCARD", 7) != 0)
		return;
	for (int i = 0; i < CBO_PCACHE_MAX; i++) {
		cbo_pcache_entry *e = &dbc->pcache[i];
		if (e->sql == NULL)
			continue;
		free(e->sql);
		e->sql = NULL;
		if (e->users == 0) {
			PQclear(e->described);
			memset(e, 0, sizeof(*e));
		}
	}
}

/* --- text ------------------------------------------------------------------------------ */

void stmt_dae_reset(cbo_stmt *st)
{
	for (int i = 0; i < st->ndae; i++)
		free(st->dae[i].buf);
	free(st->dae);
	st->dae = NULL;
	st->ndae = 0;
	st->dae_active = false;
	st->dae_cur = -1;
	st->dae_row = 0;
	st->pending_op = 0;
}

static void stmt_server_cursor(cbo_stmt *st, char out[64]);

/* Forget the statement text and any prepared statement. */
static void stmt_reset_text(cbo_stmt *st)
{
	stmt_dae_reset(st);
	stmt_close(st);
	stmt_plans_free(st);
	nsql_free(st->parts, st->nparts);
	st->parts = NULL;
	st->nparts = 0;
	st->nmarkers = 0;
	free(st->text);
	st->text = NULL;
	st->prepared = false;
}

void stmt_free(cbo_stmt *st)
{
	stmt_reset_text(st);
	cbo_dbc *dbc = st->dbc;
	for (cbo_stmt **p = &dbc->stmts; *p; p = &(*p)->next) {
		if (*p == st) {
			*p = st->next;
			break;
		}
	}
	free(st->gd);
	free(st->rowset_rows);
	free(st->cursor_name);
	desc_clear(&st->ard_own);
	desc_clear(&st->apd_own);
	desc_clear(&st->ird);
	desc_clear(&st->ipd);
	diag_free(&st->diag);
	st->magic = CBO_MAGIC_DEAD;
	free(st);
}

void stmt_desc_freed(cbo_stmt *st, cbo_desc *d)
{
	if (st->ard == d)
		st->ard = &st->ard_own;
	if (st->apd == d)
		st->apd = &st->apd_own;
}

void stmt_txn_ended(cbo_stmt *st, bool committed)
{
	/* declared cursors are WITH HOLD (as psqlODBC declares them): a commit
	 * keeps them, a rollback closes the ones not yet committed */
	for (int i = 0; i < st->nresults; i++) {
		stmt_res *r = &st->results[i];
		if (!r->declared || r->cursor[0] == '\0')
			continue;
		if (committed) {
			r->held = true;
		} else if (!r->held) {
			r->cursor[0] = '\0';
			r->eof = true;
		}
	}
	st->cursor_txn = false;
}

SQLRETURN stmt_free_stmt(cbo_stmt *st, SQLUSMALLINT option)
{
	switch (option) {
	case SQL_CLOSE:
		stmt_dae_reset(st);
		stmt_close(st);
		st->cursor_type = st->cursor_type_set;
		st->concurrency = st->concurrency_set;
		return SQL_SUCCESS;
	case SQL_UNBIND:
		desc_unbind(st->ard);
		return SQL_SUCCESS;
	case SQL_RESET_PARAMS:
		desc_unbind(st->apd);
		desc_unbind(&st->ipd);
		return SQL_SUCCESS;
	default:
		return diag_add(&st->diag, "HY092",
		                "invalid SQLFreeStmt option %u; use SQL_CLOSE, SQL_UNBIND or SQL_RESET_PARAMS "
		                "(SQLFreeHandle frees the statement)",
		                (unsigned)option);
	}
}

static bool stmt_std_strings(const cbo_stmt *st)
{
	const char *s = st->dbc->pg ? PQparameterStatus(st->dbc->pg, "standard_conforming_strings") : NULL;
	return s == NULL || strcmp(s, "on") == 0;
}

/* psqlODBC's ReadOnly: only statements that read (SELECT, WITH, CALL and
 * what it does not classify). */
static bool stmt_kind_writes(nsql_kind k)
{
	switch (k) {
	case NSQL_OTHER:
	case NSQL_SELECT:
	case NSQL_WITH:
	case NSQL_CALL:
		return false;
	default:
		return true;
	}
}

static SQLRETURN stmt_set_text(cbo_stmt *st, const char *sql, size_t len)
{
	stmt_reset_text(st);
	if (sql == NULL)
		return diag_add(&st->diag, "HY009", "invalid use of null pointer: no SQL text given");
	st->text = strndup(sql, len);
	char *jet = NULL;
	if (st->text != NULL && st->dbc->opts.ms_jet && (jet = malloc(len + 1)) != NULL) {
		memcpy(jet, sql, len);
		jet[len] = '\0';
		nsql_msjet_bools(jet, len, stmt_std_strings(st));
		sql = jet;
	}
	bool parsed = st->text != NULL && (!st->dbc->opts.ms_jet || jet != NULL) &&
	              nsql_parse(sql, len, stmt_std_strings(st), &st->parts, &st->nparts);
	free(jet);
	if (!parsed)
		return diag_add(&st->diag, "HY001", "out of memory translating the SQL text");
	st->plans = calloc((size_t)st->nparts, sizeof(*st->plans));
	if (st->plans == NULL)
		return diag_add(&st->diag, "HY001", "out of memory translating the SQL text");
	for (int i = 0; i < st->nparts; i++)
		st->nmarkers += st->parts[i].nmarkers;
	if (st->dbc->opts.read_only) {
		for (int i = 0; i < st->nparts; i++)
			if (stmt_kind_writes(st->parts[i].kind))
				return diag_set(
				        &st->diag, "HY000", DIAG_N_EXEC,
				        "the connection is read-only (ReadOnly=1 in the DSN): only statements that "
				        "read are allowed");
	}
	return SQL_SUCCESS;
}

SQLRETURN stmt_prepare(cbo_stmt *st, const char *sql, size_t len)
{
	SQLRETURN r = stmt_set_text(st, sql, len);
	if (r != SQL_SUCCESS)
		return r;
	st->prepared = true;
	return SQL_SUCCESS;
}

/* --- parameters ------------------------------------------------------------------------- */

static desc_rec *stmt_apd_rec(cbo_stmt *st, int i)
{
	return i + 1 <= st->apd->count ? &st->apd->recs[i + 1] : NULL;
}

static desc_rec *stmt_ipd_rec(cbo_stmt *st, int i)
{
	return i + 1 <= st->ipd.count ? &st->ipd.recs[i + 1] : NULL;
}

static bool stmt_param_bound(cbo_stmt *st, int i)
{
	desc_rec *a = stmt_apd_rec(st, i);
	return a != NULL && (a->data_ptr != NULL || a->indicator_ptr != NULL || a->octet_length_ptr != NULL);
}

static SQLSMALLINT stmt_param_io(cbo_stmt *st, int i)
{
	desc_rec *p = stmt_ipd_rec(st, i);
	return p ? p->param_type : SQL_PARAM_INPUT;
}

/* Where parameter i of parameter set `row` is: value, length/indicator. */
static void stmt_param_at(cbo_stmt *st, int i, SQLULEN row, const void **val, SQLLEN *ind)
{
	desc_rec *a = stmt_apd_rec(st, i);
	cbo_desc *apd = st->apd;
	SQLULEN off = apd->bind_offset_ptr ? *apd->bind_offset_ptr : 0;
	*val = NULL;
	*ind = SQL_NTS;
	if (a == NULL)
		return;
	SQLULEN voff, ioff;
	if (apd->bind_type > 0) {
		voff = off + row * apd->bind_type;
		ioff = off + row * apd->bind_type;
	} else {
		SQLLEN elem = conv_ctype_size(a->concise_type);
		if (elem == 0)
			elem = a->octet_length;
		voff = off + row * (SQLULEN)elem;
		ioff = off + row * sizeof(SQLLEN);
	}
	if (a->data_ptr)
		*val = (const char *)a->data_ptr + voff;
	bool set = false;
	if (a->indicator_ptr) {
		SQLLEN v = *(const SQLLEN *)((const char *)a->indicator_ptr + ioff);
		if (v == SQL_NULL_DATA) {
			*ind = v;
			set = true;
		}
	}
	if (!set && a->octet_length_ptr)
		*ind = *(const SQLLEN *)((const char *)a->octet_length_ptr + ioff);
}

static bool stmt_is_dae(SQLLEN ind)
{
	return ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET;
}

static SQLULEN stmt_paramset_size(cbo_stmt *st)
{
	SQLULEN n = st->apd->array_size;
	return n < 1 ? 1 : n;
}

SQLRETURN stmt_bind_param(cbo_stmt *st, SQLUSMALLINT num, SQLSMALLINT io, SQLSMALLINT ctype, SQLSMALLINT sqltype,
                          SQLULEN colsize, SQLSMALLINT digits, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	if (num < 1)
		return diag_set(&st->diag, "07009", DIAG_N_BAD_PARAMETER_NUMBER,
		                "invalid descriptor index: parameters are numbered from 1");
	if (io != SQL_PARAM_INPUT && io != SQL_PARAM_OUTPUT && io != SQL_PARAM_INPUT_OUTPUT)
		return diag_add(&st->diag, "HY105", "invalid parameter type %d", (int)io);
	if (!conv_ctype_valid(ctype))
		return diag_add(&st->diag, "HY003",
		                "invalid application buffer type %d for parameter %u; use an SQL_C_ type the driver "
		                "converts",
		                (int)ctype, (unsigned)num);
	if (!conv_sqltype_valid(sqltype))
		return diag_add(&st->diag, "HY004", "invalid SQL data type %d for parameter %u", (int)sqltype,
		                (unsigned)num);
	/* SQLSetParam reaches the driver as SQLBindParameter with
	 * SQL_SETPARAM_VALUE_MAX: the length is the indicator's (psqlODBC
	 * takes it); nothing is written back past a buffer of unknown size */
	if (buflen == SQL_SETPARAM_VALUE_MAX)
		buflen = 0;
	if (buflen < 0)
		return diag_add(&st->diag, "HY090", "invalid buffer length %ld for parameter %u", (long)buflen,
		                (unsigned)num);
	desc_rec *a = desc_get(st->apd, num, true);
	desc_rec *p = desc_get(&st->ipd, num, true);
	if (a == NULL || p == NULL)
		return diag_add(&st->diag, "HY001", "out of memory binding a parameter");
	desc_bind(a, ctype, buf, buflen, ind);
	a->precision = ctype == SQL_C_NUMERIC ? (SQLSMALLINT)colsize : digits;
	a->scale = digits;
	desc_set_concise(p, sqltype);
	p->param_type = io;
	p->length = colsize;
	p->precision = (sqltype == SQL_NUMERIC || sqltype == SQL_DECIMAL) ? (SQLSMALLINT)colsize : digits;
	p->scale = digits;
	return SQL_SUCCESS;
}

SQLRETURN stmt_num_params(cbo_stmt *st, SQLSMALLINT *count)
{
	if (st->text == NULL)
		return diag_set(&st->diag, "HY010", DIAG_N_SEQUENCE,
		                "function sequence error: no statement; call SQLPrepare before SQLNumParams");
	if (count)
		*count = (SQLSMALLINT)st->nmarkers;
	return SQL_SUCCESS;
}

/* --- building the statements ----------------------------------------------------------- */

/* Whether the statement's single SELECT can carry ctid for SQLSetPos: one
 * table in FROM, no grouping, set operation or DISTINCT. */
static bool stmt_updatable_shape(const nsql_stmt *s, bool std)
{
	if (s->kind != NSQL_SELECT || s->select_into || s->from_at == (size_t)-1 || s->is_call)
		return false;
	const char *t = s->tmpl;
	size_t n = strlen(t);
	static const char *const bad[] = {"DISTINCT", "GROUP",  "UNION", "INTERSECT",
	                                  "EXCEPT",   "HAVING", "JOIN",  "WINDOW"};
	for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++)
		if (nsql_find_keyword(t, n, bad[i], std) != (size_t)-1)
			return false;
	/* a comma in the FROM list (before WHERE/ORDER/LIMIT/FOR) joins tables */
	size_t end = n;
	static const char *const stops[] = {"WHERE", "ORDER", "LIMIT", "OFFSET", "FOR", "FETCH"};
	for (size_t i = 0; i < CB_ARRAY_LEN(stops); i++) {
		size_t p = nsql_find_keyword(t, n, stops[i], std);
		if (p != (size_t)-1 && p > s->from_at && p < end)
			end = p;
	}
	int depth = 0;
	for (size_t i = s->from_at; i < end; i++) {
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')')
			depth--;
		else if (t[i] == ',' && depth == 0)
			return false;
		else if (t[i] == '\'' || t[i] == '"')
			return false; /* quoted things in FROM: leave it read-only */
	}
	return true;
}

bool stmt_part_single_table(cbo_stmt *st, int part)
{
	if (part < 0 || part >= st->nparts)
		return false;
	return stmt_updatable_shape(&st->parts[part], stmt_std_strings(st));
}

/* How part p is executed. */
typedef struct stmt_exec_part {
	char *sql;      /* as sent */
	bool declare;   /* through a cursor (UseDeclareFetch) */
	bool updatable; /* ctid appended */
	int nparams;    /* $n sent */
	int *kept;      /* per marker of the part: its $n (0: not sent) */
} stmt_exec_part;

static void stmt_exec_parts_free(stmt_exec_part *x, int n)
{
	for (int i = 0; x && i < n; i++) {
		free(x[i].sql);
		free(x[i].kept);
	}
	free(x);
}

/* The text of part p with the casts and {call} arguments the bindings imply. */
static char *stmt_build_part(cbo_stmt *st, int p, const char *insert, int *kept, int *nparams)
{
	const nsql_stmt *s = &st->parts[p];
	int n = s->nmarkers;
	const char **casts = calloc((size_t)(n ? n : 1), sizeof(char *));
	bool *outputs = calloc((size_t)(n ? n : 1), sizeof(bool));
	const char **names = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (casts == NULL || outputs == NULL || names == NULL) {
		free(casts);
		free(outputs);
		free(names);
		return NULL;
	}
	int nout = 0;
	for (int i = 0; i < n; i++) {
		int g = s->first_marker + i;
		desc_rec *ip = stmt_ipd_rec(st, g);
		SQLSMALLINT io = ip ? ip->param_type : SQL_PARAM_INPUT;
		if (ip && io != SQL_PARAM_OUTPUT)
			casts[i] = pgt_param_cast(ip->concise_type);
		outputs[i] = io == SQL_PARAM_OUTPUT;
		if (io != SQL_PARAM_INPUT)
			nout++;
		names[i] = ip ? ip->name : NULL;
	}
	nsql_build_opts o = {.casts = casts,
	                     .outputs = outputs,
	                     .names = names,
	                     .call_as_rows = !s->proc_return || nout > 1,
	                     .insert_at = insert ? s->from_at : (size_t)-1,
	                     .insert = insert};
	char *sql = nsql_build(s, &o, kept);
	int np = 0;
	for (int i = 0; i < n; i++)
		if (kept[i] > np)
			np = kept[i];
	*nparams = np;
	free(casts);
	free(outputs);
	free(names);
	return sql;
}

/* Parse and describe part p (for metadata before execution, or to learn
 * parameter types): the plan's description, NULL with a diagnostic. */
static PGresult *stmt_describe_part(cbo_stmt *st, int p)
{
	cbo_dbc *dbc = st->dbc;
	stmt_plan *pl = &st->plans[p];
	int n = st->parts[p].nmarkers;
	int *kept = calloc((size_t)(n ? n : 1), sizeof(int));
	int np = 0;
	char *sql = kept ? stmt_build_part(st, p, NULL, kept, &np) : NULL;
	if (sql == NULL) {
		free(kept);
		diag_add(&st->diag, "HY001", "out of memory building the statement");
		return NULL;
	}
	if (pl->sql != NULL && strcmp(pl->sql, sql) == 0 && pl->described != NULL) {
		free(sql);
		free(kept);
		return pl->described;
	}
	stmt_plan_free(st, pl);
	pl->sql = sql;
	pl->kept = kept;
	cbo_pcache_entry *e = pcache_find(dbc, sql);
	if (e != NULL) {
		e->users++;
		e->used = ++dbc->pcache_clock;
		memcpy(pl->name, e->plan, sizeof(pl->name));
		pl->pcached = e;
		if (e->described == NULL) {
			/* prepared by an execution, which kept no description */
			dbc->notice_diag = &st->diag;
			PGresult *d = PQdescribePrepared(dbc->pg, e->plan);
			dbc->notice_diag = NULL;
			if (PQresultStatus(d) != PGRES_COMMAND_OK) {
				diag_add_pg(&st->diag, dbc->pg, d, "Error while preparing parameters");
				PQclear(d);
				return NULL;
			}
			e->described = d;
		}
		pl->described = e->described;
		return pl->described;
	}
	snprintf(pl->name, sizeof(pl->name), "cbo_%u", ++dbc->next_stmt_id);
	dbc->notice_diag = &st->diag;
	PGresult *res = PQprepare(dbc->pg, pl->name, sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		diag_add_pg(&st->diag, dbc->pg, res, "Error while preparing parameters");
		PQclear(res);
		dbc->notice_diag = NULL;
		pl->name[0] = '\0';
		return NULL;
	}
	PQclear(res);
	pl->described = PQdescribePrepared(dbc->pg, pl->name);
	dbc->notice_diag = NULL;
	if (PQresultStatus(pl->described) != PGRES_COMMAND_OK) {
		diag_add_pg(&st->diag, dbc->pg, pl->described, "Error while preparing parameters");
		PQclear(pl->described);
		pl->described = NULL;
		return NULL;
	}
	if (st->prepared)
		pcache_add(st, pl);
	return pl->described;
}

PGresult *stmt_meta(cbo_stmt *st, bool *err)
{
	*err = false;
	if (st->executed) {
		stmt_res *r = stmt_cur(st);
		return r ? r->res : NULL;
	}
	if (st->nparts == 0 || st->parts[0].tmpl[0] == '\0')
		return NULL;
	if (st->parts[0].is_call || !conn_is_open(st->dbc, &st->diag)) {
		/* a routine call: its row is only known by running it */
		return NULL;
	}
	PGresult *d = stmt_describe_part(st, 0);
	if (d == NULL)
		*err = true;
	return d;
}

SQLRETURN stmt_describe_param(cbo_stmt *st, SQLUSMALLINT num, SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
                              SQLSMALLINT *nullable)
{
	if (num < 1 || (int)num > st->nmarkers)
		return diag_set(&st->diag, "07009", DIAG_N_BAD_PARAMETER_NUMBER,
		                "invalid descriptor index: the statement has %d parameters", st->nmarkers);
	desc_rec *ip = stmt_ipd_rec(st, num - 1);
	if (ip != NULL && ip->concise_type != 0 && stmt_param_bound(st, num - 1)) {
		if (type)
			*type = ip->concise_type;
		if (size)
			*size = ip->length;
		if (digits)
			*digits = ip->scale;
		if (nullable)
			*nullable = SQL_NULLABLE;
		return SQL_SUCCESS;
	}
	/* the server's idea of the parameter */
	int part = 0, idx = num - 1;
	while (part < st->nparts && idx >= st->parts[part].nmarkers)
		idx -= st->parts[part++].nmarkers;
	if (part >= st->nparts)
		return diag_add(&st->diag, "07009", "invalid descriptor index %u", (unsigned)num);
	PGresult *d = st->parts[part].is_call ? NULL : stmt_describe_part(st, part);
	if (d == NULL) {
		if (st->diag.msg)
			return SQL_ERROR;
		return diag_set(&st->diag, "HY000", DIAG_N_EXEC, "the type of parameter %u is not known",
		                (unsigned)num);
	}
	int k = st->plans[part].kept ? st->plans[part].kept[idx] : idx + 1;
	Oid oid = k > 0 && k <= PQnparams(d) ? PQparamtype(d, k - 1) : 0;
	pgt_ctx ctx;
	res_pgt_ctx(st, oid, &ctx);
	pgt_col col = {.oid = oid, .typmod = -1, .longest = PGT_UNSET, .unknowns = PGT_UNKNOWNS_MAX};
	if (type)
		*type = pgt_sql_type(&ctx, &col);
	if (size) {
		SQLINTEGER sz = pgt_column_size(&ctx, &col);
		*size = sz < 0 ? 0 : (SQLULEN)sz;
	}
	if (digits)
		*digits = pgt_scale(&ctx, &col);
	if (nullable)
		*nullable = SQL_NULLABLE;
	return SQL_SUCCESS;
}

/* --- execution ---------------------------------------------------------------------------- */

/* The value of every parameter of every parameter set, as sent. */
typedef struct stmt_values {
	int nsets, n;
	conv_param *v; /* nsets * n */
} stmt_values;

static void stmt_values_free(stmt_values *vs)
{
	for (size_t i = 0; vs->v && i < (size_t)vs->nsets * (size_t)vs->n; i++)
		free(vs->v[i].value);
	free(vs->v);
	vs->v = NULL;
}

/* Make a large object of the bytes of p; its OID becomes the value. */
static bool stmt_make_lo(cbo_stmt *st, conv_param *p)
{
	const char *vals[1] = {p->value};
	int lens[1] = {p->len};
	int fmts[1] = {1};
	inproc_writes(st->dbc->inproc);
	PGresult *r = stmt_run_internal(st, "SELECT pg_catalog.lo_from_bytea(0, $1::bytea)", 1, vals, lens, fmts);
	if (r == NULL)
		return false;
	char *oid = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (oid == NULL)
		return false;
	free(p->value);
	p->value = oid;
	p->len = (int)strlen(oid);
	p->format = 0;
	p->lo = false;
	return true;
}

/* The server's type of marker g (0 when unknown): described when a
 * large object may be wanted. */
static Oid stmt_param_pgtype(cbo_stmt *st, int g, bool describe)
{
	desc_rec *ip = stmt_ipd_rec(st, g);
	Oid deflt = ip ? pgt_from_sql_type(&st->dbc->opts, ip->concise_type) : 0;
	if (!describe)
		return deflt;
	int part = 0, idx = g;
	while (part < st->nparts && idx >= st->parts[part].nmarkers)
		idx -= st->parts[part++].nmarkers;
	if (part >= st->nparts || st->parts[part].is_call)
		return deflt;
	PGresult *d = stmt_describe_part(st, part);
	if (d == NULL)
		return deflt;
	int k = st->plans[part].kept ? st->plans[part].kept[idx] : idx + 1;
	if (k <= 0 || k > PQnparams(d))
		return deflt;
	Oid t = PQparamtype(d, k - 1);
	if (t >= CBO_FIRST_USER_OID) {
		const cbo_typeinfo *ti = conn_type_info(st->dbc, t);
		if (ti && ti->is_lo)
			return t;
		if (ti && ti->basetype)
			return ti->basetype;
	}
	return t;
}

static SQLRETURN stmt_collect_values(cbo_stmt *st, stmt_values *vs)
{
	int n = st->nmarkers;
	int nsets = (int)stmt_paramset_size(st);
	vs->nsets = nsets;
	vs->n = n;
	size_t total = (size_t)nsets * (size_t)n;
	vs->v = calloc(total > 0 ? total : 1, sizeof(conv_param));
	if (vs->v == NULL)
		return diag_add(&st->diag, "HY001", "out of memory preparing parameters");
	for (int i = 0; i < n; i++) {
		desc_rec *a = stmt_apd_rec(st, i);
		desc_rec *ip = stmt_ipd_rec(st, i);
		SQLSMALLINT io = ip ? ip->param_type : SQL_PARAM_INPUT;
		bool binary_to_lob = a && ip && (a->concise_type == SQL_C_BINARY || a->concise_type == SQL_C_CHAR) &&
		                     ip->concise_type == SQL_LONGVARBINARY;
		/* CvtNullDate needs the server's type of a character value */
		bool null_date = st->dbc->opts.cvt_null_date && a &&
		                 (a->concise_type == SQL_C_CHAR || a->concise_type == SQL_C_WCHAR);
		Oid pgtype = stmt_param_pgtype(st, i, binary_to_lob || null_date);
		if ((binary_to_lob || null_date) && st->diag.msg && diag_has_error(&st->diag))
			return SQL_ERROR;
		for (int row = 0; row < nsets; row++) {
			conv_param *out = &vs->v[(size_t)row * (size_t)n + (size_t)i];
			if (io == SQL_PARAM_OUTPUT)
				continue; /* sent as NULL (or dropped from a {call}) */
			const void *val;
			SQLLEN ind;
			stmt_param_at(st, i, (SQLULEN)row, &val, &ind);
			SQLLEN indv = ind;
			if (stmt_is_dae(ind) && st->dae != NULL) {
				stmt_dae *dd = &st->dae[row * n + i];
				if (dd->null) {
					continue;
				}
				val = dd->buf ? dd->buf : "";
				indv = (SQLLEN)dd->len;
			}
			conv_in in = {.opts = &st->dbc->opts,
			              .ctype = a ? a->concise_type : SQL_C_CHAR,
			              .sqltype = ip ? ip->concise_type : SQL_VARCHAR,
			              .pgtype = pgtype,
			              .buf = val,
			              .buflen = a ? a->octet_length : 0,
			              .ind = indv,
			              .precision = a ? a->precision : 6};
			const char *state = NULL, *msg = NULL;
			if (!conv_param_value(&in, out, &state, &msg))
				return diag_add(&st->diag, state, "%s (parameter %d)", msg, i + 1);
			if (out->lo && !stmt_make_lo(st, out))
				return SQL_ERROR;
		}
	}
	return SQL_SUCCESS;
}

/* Start the data-at-execution dialogue when a parameter wants it. */
static bool stmt_needs_dae(cbo_stmt *st)
{
	int n = st->nmarkers;
	SQLULEN nsets = stmt_paramset_size(st);
	for (SQLULEN row = 0; row < nsets; row++)
		for (int i = 0; i < n; i++) {
			if (stmt_param_io(st, i) == SQL_PARAM_OUTPUT || !stmt_param_bound(st, i))
				continue;
			const void *val;
			SQLLEN ind;
			stmt_param_at(st, i, row, &val, &ind);
			if (stmt_is_dae(ind))
				return true;
		}
	return false;
}

static SQLRETURN stmt_send_error(cbo_stmt *st)
{
	return diag_add_pg(&st->diag, st->dbc->pg, NULL, NULL);
}

/* Send one query of the pipeline. */
static bool stmt_send(cbo_dbc *dbc, const char *name, const char *sql, int n, const char *const *vals, const int *lens,
                      const int *fmts)
{
	if (name != NULL)
		return PQsendQueryPrepared(dbc->pg, name, n, vals, lens, fmts, 0) != 0;
	return PQsendQueryParams(dbc->pg, sql, n, NULL, vals, lens, fmts, 0) != 0;
}

/* What each query of the pipeline is, for reading the answers. */
enum { Q_UTILITY, Q_PREPARE, Q_STMT, Q_DECLARE, Q_FETCH };

typedef struct stmt_q {
	int kind;
	int part;
} stmt_q;

/*
 * The row count of a statement's command status, as psqlODBC reads it:
 * the number after the last space ("INSERT 0 5", "CREATE TABLE" gives 0),
 * -1 for a status without one and for the commands psqlODBC handles
 * itself (BEGIN, SAVEPOINT, ROLLBACK, RELEASE, DROP TABLE, ALTER TABLE).
 */
static long stmt_cmd_row_count(const PGresult *res)
{
	const char *s = PQcmdStatus((PGresult *)res);
	if (s == NULL)
		return -1;
	static const char *const own[] = {"BEGIN", "SAVEPOINT", "ROLLBACK", "RELEASE", "DROP TABLE", "ALTER TABLE"};
	for (size_t i = 0; i < CB_ARRAY_LEN(own); i++)
		if (strncasecmp(s, own[i], strlen(own[i])) == 0)
			return -1;
	const char *sp = strrchr(s, ' ');
	return sp ? atol(sp + 1) : -1;
}

static bool stmt_add_result(cbo_stmt *st, PGresult *res, int part)
{
	stmt_res *nr = realloc(st->results, (size_t)(st->nresults + 1) * sizeof(*nr));
	if (nr == NULL)
		return false;
	st->results = nr;
	stmt_res *r = &st->results[st->nresults++];
	memset(r, 0, sizeof(*r));
	r->res = res;
	r->part = part;
	r->row_count = stmt_cmd_row_count(res);
	return true;
}

/* The statement_timeout the statement wants, when it differs. */
static const char *stmt_timeout_sql(cbo_stmt *st, char *buf, size_t n)
{
	if (st->dbc->timeout_in_effect == st->query_timeout)
		return NULL;
	/* the server takes at most INT_MAX milliseconds (24 days): longer is that */
	unsigned long ms =
	        st->query_timeout > INT_MAX / 1000 ? (unsigned long)INT_MAX : (unsigned long)st->query_timeout * 1000UL;
	snprintf(buf, n, "SET statement_timeout = %lu", ms);
	return buf;
}

/* psqlODBC's words: its statement message, then its connection's */
#define STMT_COPY_REFUSED "Error while executing the query;\nCOPY ... FROM STDIN / TO STDOUT is not supported in ODBC"

/* Leave libpq's COPY state: fail a copy-in, drain a copy-out. */
static void stmt_end_copy(PGconn *pg, ExecStatusType s)
{
	if (s != PGRES_COPY_OUT && PQputCopyEnd(pg, STMT_COPY_REFUSED) > 0)
		return;
	char *buf = NULL;
	while (PQgetCopyData(pg, &buf, 0) >= 0) {
		PQfreemem(buf);
		buf = NULL;
	}
}

/*
 * The np parameters of part s as sent, for parameter set row: the value,
 * length (-1 for NULL) and format of each marker kept in the text
 * (kept[i]: its $n, 0 when inlined); unkept $n stay NULL.
 */
static void stmt_part_params(const stmt_values *vs, int row, const nsql_stmt *s, const int *kept, int np,
                             const char **vals, int *lens, int *fmts)
{
	for (int k = 0; k < np; k++) {
		vals[k] = NULL;
		lens[k] = -1;
		fmts[k] = 0;
	}
	for (int i = 0; i < s->nmarkers; i++) {
		int k = kept[i];
		if (k <= 0)
			continue;
		const conv_param *v = &vs->v[(size_t)row * (size_t)vs->n + (size_t)(s->first_marker + i)];
		vals[k - 1] = v->value;
		lens[k - 1] = v->value != NULL ? v->len : -1;
		fmts[k - 1] = v->format;
	}
}

/*
 * Answer the execution from the cache file in this process (inproc.h):
 * one SELECT of one parameter set, text parameters, nothing the driver
 * must send first but the BEGIN (autocommit off) or the savepoint
 * (statement-level rollback) of a transaction the cache may answer.  True
 * when answered: its result is the statement's.
 */
static bool stmt_inproc(cbo_stmt *st, const stmt_values *vs, const stmt_exec_part *xp, bool begin)
{
	cbo_dbc *dbc = st->dbc;
	if (dbc->inproc == NULL || st->nparts != 1 || vs->nsets != 1 || st->parts[0].kind != NSQL_SELECT ||
	    st->parts[0].select_into || xp[0].declare || xp[0].updatable || dbc->timeout_in_effect != st->query_timeout)
		return false;
	inproc_txn txn;
	switch (PQtransactionStatus(dbc->pg)) {
	case PQTRANS_IDLE:
		txn = begin ? INPROC_TXN_BEGIN : INPROC_TXN_NONE;
		break;
	case PQTRANS_INTRANS:
		txn = INPROC_TXN_OPEN;
		break;
	default:
		return false;
	}
	int np = xp[0].nparams;
	const char *vals[np > 0 ? np : 1];
	int lens[np > 0 ? np : 1], fmts[np > 0 ? np : 1];
	stmt_part_params(vs, 0, &st->parts[0], xp[0].kept, np, vals, lens, fmts);
	for (int k = 0; k < np; k++)
		if (fmts[k] != 0)
			return false; /* binary: the cache reads text parameters */
	PGresult *res;
	if (!inproc_select(dbc->inproc, dbc->pg, txn, xp[0].sql, strlen(xp[0].sql), np, vals, lens, &res))
		return false;
	if (!stmt_add_result(st, res, 0)) {
		PQclear(res);
		return false;
	}
	return true;
}

static SQLRETURN stmt_run(cbo_stmt *st)
{
	(void)stmt_cursor_name(st); /* psqlODBC names the cursor of every execution */
	cbo_dbc *dbc = st->dbc;
	SQLRETURN ret = SQL_SUCCESS;
	if (PQstatus(dbc->pg) == CONNECTION_BAD)
		return stmt_send_error(st);
	/* COPY through the client (psqlODBC's answer, HYC00); refused before
	 * anything is sent, so the other statements of the text have no effect */
	for (int p = 0; p < st->nparts; p++)
		if (st->parts[p].copy_stdio)
			return diag_add(&st->diag, "HYC00", STMT_COPY_REFUSED);

	/* every marker needs a binding (output parameters too) */
	for (int i = 0; i < st->nmarkers; i++)
		if (!stmt_param_bound(st, i))
			return diag_set(&st->diag, "07002", DIAG_N_COUNT_FIELD,
			                "COUNT field incorrect: parameter %d of %d is not bound; bind it with "
			                "SQLBindParameter",
			                i + 1, st->nmarkers);

	/* data at execution first */
	if (!st->dae_active && st->nmarkers > 0 && stmt_needs_dae(st)) {
		size_t total = (size_t)stmt_paramset_size(st) * (size_t)st->nmarkers;
		st->dae = total <= INT_MAX ? calloc(total, sizeof(*st->dae)) : NULL;
		if (st->dae == NULL)
			return diag_add(&st->diag, "HY001", "out of memory preparing parameters");
		st->ndae = (int)total;
		st->dae_active = true;
		st->dae_cur = -1;
		st->dae_row = 0;
		return SQL_NEED_DATA;
	}

	stmt_values vs = {0};
	stmt_exec_part *xp = NULL;
	stmt_q *qs = NULL;
	const char **vals = NULL;
	int *lens = NULL, *fmts = NULL;
	bool pipeline = false;
	bool simple_q = false; /* sent as one simple Query (not in pipeline mode) */
	stmt_close(st);

	ret = stmt_collect_values(st, &vs);
	if (ret != SQL_SUCCESS)
		goto out;

	/* the statements as sent */
	bool std = stmt_std_strings(st);
	xp = calloc((size_t)st->nparts, sizeof(*xp));
	if (xp == NULL) {
		ret = diag_add(&st->diag, "HY001", "out of memory building the statements");
		goto out;
	}
	/* the cursor this execution gets (psqlODBC's choices): only a SELECT is
	 * scrollable or updatable, and updatable only over one table */
	st->cursor_type = st->cursor_type_set;
	st->concurrency = st->concurrency_set;
	if (st->nparts != 1 || st->parts[0].kind != NSQL_SELECT) {
		st->cursor_type = SQL_CURSOR_FORWARD_ONLY;
		st->concurrency = SQL_CONCUR_READ_ONLY;
	} else if (st->cursor_type == SQL_CURSOR_FORWARD_ONLY) {
		st->concurrency = SQL_CONCUR_READ_ONLY;
	}
	bool want_update = st->concurrency != SQL_CONCUR_READ_ONLY && st->cursor_type != SQL_CURSOR_FORWARD_ONLY &&
	                   dbc->opts.updatable_cursors && st->nparts == 1;
	bool declare = dbc->opts.use_declare_fetch && st->nparts == 1 && vs.nsets == 1 &&
	               (st->parts[0].kind == NSQL_SELECT || st->parts[0].kind == NSQL_WITH) &&
	               !st->parts[0].select_into;
	for (int p = 0; p < st->nparts; p++) {
		int n = st->parts[p].nmarkers;
		xp[p].kept = calloc((size_t)(n ? n : 1), sizeof(int));
		if (xp[p].kept == NULL) {
			ret = diag_add(&st->diag, "HY001", "out of memory building the statements");
			goto out;
		}
		xp[p].updatable = want_update && stmt_updatable_shape(&st->parts[p], std);
		xp[p].sql = stmt_build_part(st, p, xp[p].updatable ? ", ctid " : NULL, xp[p].kept, &xp[p].nparams);
		if (xp[p].sql == NULL) {
			ret = diag_add(&st->diag, "HY001", "out of memory building the statements");
			goto out;
		}
		xp[p].declare = declare && !xp[p].updatable;
		if (!st->prepared)
			pcache_note_text(dbc, xp[p].sql);
	}
	if (want_update && !xp[0].updatable) {
		/* not one table: read-only and static, as psqlODBC falls back */
		st->concurrency = SQL_CONCUR_READ_ONLY;
		if (st->cursor_type == SQL_CURSOR_KEYSET_DRIVEN)
			st->cursor_type = SQL_CURSOR_STATIC;
	} else if (want_update && st->cursor_type == SQL_CURSOR_KEYSET_DRIVEN) {
		/* psqlODBC keeps a keyset only where it has a row identity besides
		 * ctid (OIDs, gone since PostgreSQL 12); the updatable cursor is static */
		st->cursor_type = SQL_CURSOR_STATIC;
	}

	/* the transaction around it (cursors left by a failed one closed first) */
	conn_close_orphans(dbc);
	bool in_txn = conn_in_txn(dbc);
	bool special = false, txn_stmt = false;
	for (int p = 0; p < st->nparts; p++) {
		if (st->parts[p].kind == NSQL_SPECIAL)
			special = true;
		if (st->parts[p].kind == NSQL_TRANSACTION || st->parts[p].kind == NSQL_START)
			txn_stmt = true;
	}
	bool begin = !in_txn && !special && (!dbc->autocommit || xp[0].declare);
	bool svp = in_txn && dbc->opts.rollback_level == 2 && !special && !txn_stmt &&
	           PQtransactionStatus(dbc->pg) == PQTRANS_INTRANS;
	if (xp[0].declare && !in_txn)
		st->cursor_txn = true;

	if (stmt_inproc(st, &vs, xp, begin))
		goto answered;
	/* what the statements may change of what the cache answers under (settings, role, privileges) */
	for (int p = 0; dbc->inproc != NULL && p < st->nparts; p++)
		inproc_sent(dbc->inproc, xp[p].sql, strlen(xp[p].sql), std);

	/* one pipeline */
	int maxq = 8 + st->nparts * vs.nsets * 2;
	qs = calloc((size_t)maxq, sizeof(*qs));
	int nv = st->nmarkers ? st->nmarkers : 1;
	vals = calloc((size_t)nv, sizeof(char *));
	lens = calloc((size_t)nv, sizeof(int));
	fmts = calloc((size_t)nv, sizeof(int));
	if (qs == NULL || vals == NULL || lens == NULL || fmts == NULL) {
		ret = diag_add(&st->diag, "HY001", "out of memory sending the statements");
		goto out;
	}
	int nq = 0;
	bool sent = true;
	char tsql[64];
	const char *timeout = stmt_timeout_sql(st, tsql, sizeof(tsql));
	/* one statement, nothing sent around it, no parameter left (SQLExecDirect puts the values in its
	 * text): one simple Query, as psqlODBC sends it, instead of Parse, Bind, Describe, Execute and Sync */
	simple_q = st->nparts == 1 && vs.nsets == 1 && !timeout && !begin && !svp && !st->prepared && !xp[0].declare &&
	           xp[0].nparams == 0;
	if (simple_q) {
		dbc->notice_diag = &st->diag;
		if (!PQsendQuery(dbc->pg, xp[0].sql)) {
			simple_q = false; /* nothing was sent: nothing to drain */
			ret = stmt_send_error(st);
			goto out;
		}
		qs[nq++] = (stmt_q){Q_STMT, 0};
		goto answers;
	}
	if (!PQenterPipelineMode(dbc->pg)) {
		ret = stmt_send_error(st);
		goto out;
	}
	pipeline = true;
	dbc->notice_diag = &st->diag;
	if (timeout) {
		sent = sent && stmt_send(dbc, NULL, timeout, 0, NULL, NULL, NULL);
		qs[nq++] = (stmt_q){Q_UTILITY, -1};
	}
	if (begin) {
		sent = sent && stmt_send(dbc, NULL, "BEGIN", 0, NULL, NULL, NULL);
		qs[nq++] = (stmt_q){Q_UTILITY, -1};
	}
	if (svp) {
		sent = sent && stmt_send(dbc, NULL, "SAVEPOINT " STMT_SVP, 0, NULL, NULL, NULL);
		qs[nq++] = (stmt_q){Q_UTILITY, -1};
	}
	/* named statements for SQLPrepare'd texts: parsed once, kept */
	const char **names = calloc((size_t)st->nparts, sizeof(char *));
	if (names == NULL) {
		ret = diag_add(&st->diag, "HY001", "out of memory sending the statements");
		goto out;
	}
	for (int p = 0; p < st->nparts && st->prepared; p++) {
		if (xp[p].declare)
			continue;
		stmt_plan *pl = &st->plans[p];
		if (pl->sql != NULL && strcmp(pl->sql, xp[p].sql) == 0 && pl->name[0]) {
			names[p] = pl->name;
			continue;
		}
		stmt_plan_free(st, pl);
		pl->sql = strdup(xp[p].sql);
		pl->kept = malloc((size_t)(st->parts[p].nmarkers ? st->parts[p].nmarkers : 1) * sizeof(int));
		if (pl->sql == NULL || pl->kept == NULL) {
			free(names);
			ret = diag_add(&st->diag, "HY001", "out of memory sending the statements");
			goto out;
		}
		memcpy(pl->kept, xp[p].kept, (size_t)st->parts[p].nmarkers * sizeof(int));
		cbo_pcache_entry *e = pcache_find(dbc, pl->sql);
		if (e != NULL) {
			e->users++;
			e->used = ++dbc->pcache_clock;
			memcpy(pl->name, e->plan, sizeof(pl->name));
			pl->described = e->described;
			pl->pcached = e;
		} else {
			snprintf(pl->name, sizeof(pl->name), "cbo_%u", ++dbc->next_stmt_id);
			sent = sent && PQsendPrepare(dbc->pg, pl->name, pl->sql, 0, NULL) != 0;
			qs[nq++] = (stmt_q){Q_PREPARE, p};
		}
		names[p] = pl->name;
	}
	for (int row = 0; row < vs.nsets && sent; row++) {
		for (int p = 0; p < st->nparts && sent; p++) {
			int np = xp[p].nparams;
			stmt_part_params(&vs, row, &st->parts[p], xp[p].kept, np, vals, lens, fmts);
			if (xp[p].declare) {
				char name[64];
				stmt_server_cursor(st, name);
				bool forward = st->cursor_type == SQL_CURSOR_FORWARD_ONLY;
				cb_sb d, f;
				cb_sb_init(&d);
				cb_sb_init(&f);
				cb_sb_put(&d, "DECLARE ");
				cb_sb_ident(&d, name);
				cb_sb_put(&d, forward ? " CURSOR WITH HOLD FOR " : " SCROLL CURSOR WITH HOLD FOR ");
				cb_sb_put(&d, xp[p].sql);
				if (forward)
					cb_sb_printf(&f, "FETCH %d IN ", dbc->opts.fetch);
				else
					cb_sb_put(&f, "FETCH ALL IN ");
				cb_sb_ident(&f, name);
				char *ds = cb_sb_finish(&d), *fs = cb_sb_finish(&f);
				if (ds == NULL || fs == NULL) {
					free(ds);
					free(fs);
					free(names);
					ret = diag_add(&st->diag, "HY001", "out of memory sending the statements");
					goto out;
				}
				sent = stmt_send(dbc, NULL, ds, np, vals, lens, fmts);
				qs[nq++] = (stmt_q){Q_DECLARE, p};
				sent = sent && stmt_send(dbc, NULL, fs, 0, NULL, NULL, NULL);
				qs[nq++] = (stmt_q){Q_FETCH, p};
				free(ds);
				free(fs);
			} else {
				sent = stmt_send(dbc, names[p], xp[p].sql, np, vals, lens, fmts);
				qs[nq++] = (stmt_q){Q_STMT, p};
			}
			if (nq + 4 >= maxq) {
				stmt_q *nqs = realloc(qs, (size_t)(maxq *= 2) * sizeof(*qs));
				if (nqs == NULL) {
					free(names);
					ret = diag_add(&st->diag, "HY001", "out of memory sending the statements");
					goto out;
				}
				qs = nqs;
			}
		}
	}
	free(names);
	if (svp && sent) {
		sent = stmt_send(dbc, NULL, "RELEASE SAVEPOINT " STMT_SVP, 0, NULL, NULL, NULL);
		qs[nq++] = (stmt_q){Q_UTILITY, -1};
	}
	if (sent)
		sent = PQpipelineSync(dbc->pg) != 0;
	if (!sent) {
		ret = stmt_send_error(st);
		goto out;
	}

answers:;
	/* the answers, in order; the first error wins */
	PGresult *err = NULL;
	bool failed = false, err_at_prepare = false;
	int param_row = 0, per_row = 0;
	for (int p = 0; p < st->nparts; p++)
		per_row++;
	int done = 0;
	if (st->ipd.array_status_ptr)
		for (int r = 0; r < vs.nsets; r++)
			st->ipd.array_status_ptr[r] = SQL_PARAM_UNUSED;
	for (int q = 0; q < nq; q++) {
		PGresult *res;
		PGresult *kept = NULL;
		while ((res = PQgetResult(dbc->pg)) != NULL) {
			ExecStatusType s = PQresultStatus(res);
			if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK || s == PGRES_EMPTY_QUERY) {
				if (kept == NULL && (qs[q].kind == Q_STMT || qs[q].kind == Q_FETCH))
					kept = res;
				else
					PQclear(res);
			} else if (s == PGRES_PIPELINE_ABORTED) {
				PQclear(res);
			} else if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH) {
				/* a COPY the text check missed: end it (the server fails
				 * a copy-in; a copy-out is read to its end), else libpq
				 * stays in the COPY state and this loop never ends */
				PQclear(res);
				stmt_end_copy(dbc->pg, s);
				if (!failed)
					diag_add(&st->diag, "HYC00", STMT_COPY_REFUSED);
				failed = true;
			} else {
				if (err == NULL && !failed) {
					err = res;
					err_at_prepare = qs[q].kind == Q_PREPARE;
				} else
					PQclear(res);
				failed = true;
			}
		}
		if (kept != NULL) {
			if (failed) {
				PQclear(kept);
			} else if (!stmt_add_result(st, kept, qs[q].part)) {
				PQclear(kept);
				failed = true;
				diag_add(&st->diag, "HY001", "out of memory keeping a result");
			} else {
				stmt_res *r = &st->results[st->nresults - 1];
				if (qs[q].kind == Q_FETCH) {
					r->declared = true;
					stmt_server_cursor(st, r->cursor);
					r->row_count = -1;
					if (st->cursor_type != SQL_CURSOR_FORWARD_ONLY ||
					    PQntuples(kept) < dbc->opts.fetch)
						r->eof = true;
				}
				if (xp[qs[q].part].updatable && PQnfields(kept) > 0) {
					r->hidden = 1;
					r->table = PQftable(kept, PQnfields(kept) - 1);
				}
			}
		}
		if (qs[q].kind == Q_STMT || qs[q].kind == Q_FETCH) {
			done++;
			if (done % per_row == 0) {
				if (st->ipd.array_status_ptr && param_row < vs.nsets)
					st->ipd.array_status_ptr[param_row] =
					        failed ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS;
				if (!failed)
					param_row++;
				else if (param_row < vs.nsets)
					param_row++;
			}
		}
		if (PQstatus(dbc->pg) == CONNECTION_BAD)
			break;
	}
	/* the Sync: the implicit transaction of autocommit commits here, and a
	 * deferred constraint can fail it (the statement fails, as with
	 * psqlODBC); read up to the Sync whatever comes */
	for (int guard = 0; guard < 64 && !simple_q && PQstatus(dbc->pg) != CONNECTION_BAD; guard++) {
		PGresult *res = PQgetResult(dbc->pg);
		if (res == NULL)
			continue;
		ExecStatusType s = PQresultStatus(res);
		if (s == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (s == PGRES_FATAL_ERROR && err == NULL && !failed) {
			err = res;
			failed = true;
			err_at_prepare = false;
			continue;
		}
		if (s == PGRES_FATAL_ERROR)
			failed = true;
		PQclear(res);
	}
	PQexitPipelineMode(dbc->pg);
	pipeline = false;
	inproc_done(dbc->inproc, dbc->pg); /* a direct connection follows the transaction, waits for a commit */
	/* the parameter sets go as one batch, as psqlODBC sends them: a
	 * failure undoes the whole batch, and every set reports the error */
	if (failed && vs.nsets > 1) {
		param_row = vs.nsets;
		for (int r = 0; st->ipd.array_status_ptr && r < vs.nsets; r++)
			st->ipd.array_status_ptr[r] = SQL_PARAM_ERROR;
	}
	/* a server notice makes the batch's sets SUCCESS_WITH_INFO (psqlODBC) */
	if (!failed && st->diag.is_notice && st->diag.msg != NULL)
		for (int r = 0; st->ipd.array_status_ptr && r < vs.nsets; r++)
			if (st->ipd.array_status_ptr[r] == SQL_PARAM_SUCCESS)
				st->ipd.array_status_ptr[r] = SQL_PARAM_SUCCESS_WITH_INFO;
	if (st->ipd.rows_processed_ptr)
		*st->ipd.rows_processed_ptr = (SQLULEN)param_row;
	if (timeout && !failed)
		dbc->timeout_in_effect = st->query_timeout;

	if (failed || PQstatus(dbc->pg) == CONNECTION_BAD) {
		if (err != NULL || PQstatus(dbc->pg) == CONNECTION_BAD)
			/* psqlODBC words a failed Parse of a prepared statement its own way */
			diag_add_pg(&st->diag, dbc->pg, err,
			            err_at_prepare ? "Error while preparing parameters"
			                           : "Error while executing the query");
		PQclear(err);
		/* the named statements that did not get prepared are no use */
		for (int p = 0; p < st->nparts && st->prepared; p++)
			if (st->plans[p].pcached == NULL && st->plans[p].described == NULL)
				st->plans[p].name[0] = '\0';
		stmt_close(st);
		/* the rollback level on errors (Protocol=7.4-N) */
		if (PQstatus(dbc->pg) == CONNECTION_OK && PQtransactionStatus(dbc->pg) == PQTRANS_INERROR) {
			cbo_diag scratch;
			diag_init(&scratch, DIAG_STMT);
			/* level 2 undoes what its savepoint covers; a statement without
			 * one (VACUUM, a transaction statement) leaves the transaction
			 * failed, as with psqlODBC; level 1 rolls it all back, and so
			 * does level 2 for a transaction this statement began */
			if (svp)
				conn_exec_simple(dbc, &scratch,
				                 "ROLLBACK TO SAVEPOINT " STMT_SVP "; RELEASE SAVEPOINT " STMT_SVP);
			else if (dbc->opts.rollback_level == 1 || (begin && dbc->opts.rollback_level == 2))
				conn_exec_simple(dbc, &scratch, "ROLLBACK");
			diag_free(&scratch);
		}
		st->cursor_txn = false;
		ret = SQL_ERROR;
		goto out;
	}
	/* named statements sent with this execution: keep them */
	for (int p = 0; p < st->nparts && st->prepared; p++) {
		stmt_plan *pl = &st->plans[p];
		if (pl->name[0] && pl->pcached == NULL && pl->described == NULL) {
			/* a description comes with the first result; keep the rows' one for metadata */
			pcache_add(st, pl);
		}
	}
	for (int p = 0; p < st->nparts; p++)
		if (st->parts[p].kind == NSQL_DDL || st->parts[p].kind == NSQL_OTHER)
			conn_forget_tables(dbc);

answered:
	st->executed = true;
	st->cur = 0;
	stmt_res *first = stmt_cur(st);
	st->diag.row_count = first ? first->row_count : 0;
	if (first && first->row_count < 0 && first->res && PQresultStatus(first->res) == PGRES_TUPLES_OK &&
	    !first->declared)
		st->diag.row_count = PQntuples(first->res);
	/* output parameters of a {call} escape or a CALL statement come from
	 * the first row (before refcursors replace the result) */
	if (st->nparts == 1 && (st->parts[0].is_call || st->parts[0].proc_return || st->parts[0].kind == NSQL_CALL)) {
		SQLRETURN r2 = stmt_output_params(st);
		if (r2 == SQL_ERROR) {
			ret = r2;
			goto out;
		}
	}
	if (first && first->res && PQnfields(first->res) > 0 && dbc->opts.fetch_refcursors && st->nparts == 1) {
		ret = stmt_fetch_refcursors(st);
		if (ret == SQL_ERROR)
			goto out;
	}
	ret = st->diag.msg ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
	/* (the results may have been replaced by fetched refcursors) */
	first = stmt_cur(st);
	const char *status = first && first->res ? PQcmdStatus(first->res) : NULL;
	if (ret == SQL_SUCCESS && status && dbc->env->odbc_version != SQL_OV_ODBC2 &&
	    (strcmp(status, "UPDATE 0") == 0 || strcmp(status, "DELETE 0") == 0))
		ret = SQL_NO_DATA; /* an UPDATE or DELETE that touched no row, as ODBC 3 says */
	if (ret == SQL_SUCCESS && (st->cursor_type != st->cursor_type_set || st->concurrency != st->concurrency_set))
		ret = diag_add(&st->diag, "01S02", "option value changed: the cursor's type or concurrency changed");
out:
	if (pipeline || simple_q) {
		/* drain what is left after a failure (a simple Query's results end with NULL) */
		PGresult *res;
		while (PQstatus(dbc->pg) != CONNECTION_BAD && (res = PQgetResult(dbc->pg)) != NULL)
			PQclear(res);
		if (pipeline)
			PQexitPipelineMode(dbc->pg);
	}
	dbc->notice_diag = NULL;
	stmt_values_free(&vs);
	stmt_exec_parts_free(xp, st->nparts);
	free(qs);
	free(vals);
	free(lens);
	free(fmts);
	if (ret != SQL_NEED_DATA)
		stmt_dae_reset(st);
	return ret;
}

SQLRETURN stmt_execute(cbo_stmt *st)
{
	if (!st->prepared || st->text == NULL)
		return diag_set(&st->diag, "HY010", DIAG_N_SEQUENCE,
		                "function sequence error: nothing is prepared; call SQLPrepare before SQLExecute");
	if (st->dae_active)
		stmt_dae_reset(st);
	return stmt_run(st);
}

SQLRETURN stmt_exec_direct(cbo_stmt *st, const char *sql, size_t len)
{
	SQLRETURN r = stmt_set_text(st, sql, len);
	if (r != SQL_SUCCESS)
		return r;
	/* psqlODBC fails an empty text given to SQLExecDirect (blanks or a
	 * lone semicolon run, and so does an empty text through SQLPrepare) */
	if (len == 0)
		return diag_set(&st->diag, "HY000", DIAG_N_EXEC, "Error while executing the query");
	return stmt_run(st);
}

/* --- data at execution -------------------------------------------------------------------- */

SQLRETURN stmt_param_data(cbo_stmt *st, SQLPOINTER *token)
{
	if (!st->dae_active)
		return diag_set(&st->diag, "HY010", DIAG_N_SEQUENCE,
		                "function sequence error: no parameter waits for data; SQLParamData follows an "
		                "SQLExecute or SQLExecDirect that returned SQL_NEED_DATA");
	int n = st->nmarkers;
	SQLULEN nsets = stmt_paramset_size(st);
	int start = st->dae_cur + 1;
	for (SQLULEN row = st->dae_row; row < nsets; row++, start = 0) {
		for (int i = start; i < n; i++) {
			if (stmt_param_io(st, i) == SQL_PARAM_OUTPUT)
				continue;
			const void *val;
			SQLLEN ind;
			stmt_param_at(st, i, row, &val, &ind);
			if (!stmt_is_dae(ind))
				continue;
			st->dae_row = row;
			st->dae_cur = i;
			if (st->ipd.rows_processed_ptr)
				*st->ipd.rows_processed_ptr = row + 1;
			if (token) {
				desc_rec *a = stmt_apd_rec(st, i);
				cbo_desc *apd = st->apd;
				SQLULEN off = apd->bind_offset_ptr ? *apd->bind_offset_ptr : 0;
				SQLLEN perrow = apd->bind_type > 0 ? (SQLLEN)apd->bind_type : a->octet_length;
				*token = nsets > 1 ? (char *)a->data_ptr + off + row * (SQLULEN)perrow : a->data_ptr;
			}
			return SQL_NEED_DATA;
		}
	}
	/* every value is there: execute (or carry out the pending SQLSetPos/SQLBulkOperations) */
	st->dae_cur = n;
	if (st->pending_op != 0)
		return setpos_resume(st);
	return stmt_run(st);
}

static SQLRETURN stmt_put_piece(cbo_stmt *st, SQLPOINTER data, SQLLEN len);

SQLRETURN stmt_put_data(cbo_stmt *st, SQLPOINTER data, SQLLEN len)
{
	if (!st->dae_active || st->dae_cur < 0 || st->dae_cur >= st->nmarkers)
		return diag_set(&st->diag, "HY010", DIAG_N_SEQUENCE,
		                "function sequence error: call SQLParamData to learn which parameter to send before "
		                "SQLPutData");
	SQLRETURN r = stmt_put_piece(st, data, len);
	/* a failed SQLPutData cancels the execution (ODBC's state table; the
	 * driver manager takes the statement back to prepared) */
	if (r == SQL_ERROR)
		stmt_dae_reset(st);
	return r;
}

static SQLRETURN stmt_put_piece(cbo_stmt *st, SQLPOINTER data, SQLLEN len)
{
	int i = st->dae_cur;
	stmt_dae *d = &st->dae[(int)st->dae_row * st->nmarkers + i];
	desc_rec *a = stmt_apd_rec(st, i);
	SQLSMALLINT ctype = a ? a->concise_type : SQL_C_CHAR;
	if (len == SQL_NULL_DATA) {
		d->null = true;
		d->put = true;
		return SQL_SUCCESS;
	}
	if (d->null && d->put) /* psqlODBC: nothing follows a NULL */
		return diag_set(&st->diag, "HY010", DIAG_N_SEQUENCE,
		                "function sequence error: the parameter was sent as NULL; call SQLParamData for the "
		                "next one");
	if (data == NULL && len != 0)
		return diag_add(&st->diag, "HY009", "invalid use of null pointer: no data given to SQLPutData");
	size_t n;
	if (ctype == SQL_C_CHAR && len == SQL_NTS) {
		n = strlen(data);
	} else if (ctype == SQL_C_WCHAR && len == SQL_NTS) {
		n = 0;
		while (((const SQLWCHAR *)data)[n / sizeof(SQLWCHAR)] != 0)
			n += sizeof(SQLWCHAR);
	} else if (len >= 0) {
		n = (size_t)len;
	} else {
		/* psqlODBC answers HY024 (ODBC would say HY090) */
		return diag_add(&st->diag, "HY024", "invalid length %ld for SQLPutData", (long)len);
	}
	bool piecewise = ctype == SQL_C_CHAR || ctype == SQL_C_WCHAR || ctype == SQL_C_BINARY;
	if (!piecewise) {
		SQLLEN sz = conv_ctype_size(ctype);
		if (sz > 0)
			n = (size_t)sz;
		if (d->put) {
			return diag_add(&st->diag, "HY019",
			                "non-character and non-binary data sent in pieces: send the whole value in one "
			                "SQLPutData");
		}
	}
	char *nb = realloc(d->buf, d->len + n + sizeof(SQLWCHAR));
	if (nb == NULL)
		return diag_add(&st->diag, "HY001", "out of memory collecting parameter data");
	if (n > 0)
		memcpy(nb + d->len, data, n);
	d->len += n;
	memset(nb + d->len, 0, sizeof(SQLWCHAR));
	d->buf = nb;
	d->null = false;
	d->put = true;
	return SQL_SUCCESS;
}

/* --- after the execution: output parameters, refcursors ------------------------------------ */

SQLRETURN stmt_output_params(cbo_stmt *st)
{
	stmt_res *cur = stmt_cur(st);
	int nout = 0;
	for (int i = 0; i < st->nmarkers; i++)
		if (stmt_param_io(st, i) != SQL_PARAM_INPUT)
			nout++;
	if (nout == 0 || cur == NULL || cur->res == NULL || PQresultStatus(cur->res) != PGRES_TUPLES_OK)
		return SQL_SUCCESS;
	if (PQntuples(cur->res) < 1)
		return diag_set(&st->diag, "HY000", DIAG_N_EXEC,
		                "the routine returned no row for the output parameters");
	/* the first row gives the output parameters, in order (or by name) */
	int col = 0;
	SQLRETURN ret = SQL_SUCCESS;
	for (int i = 0; i < st->nmarkers; i++) {
		if (stmt_param_io(st, i) == SQL_PARAM_INPUT)
			continue;
		desc_rec *ip = stmt_ipd_rec(st, i);
		int c = col;
		if (ip && ip->name) {
			c = PQfnumber(cur->res, ip->name);
			if (c < 0) {
				char q[300];
				snprintf(q, sizeof(q), "\"%s\"", ip->name);
				c = PQfnumber(cur->res, q);
			}
			if (c < 0)
				return diag_set(&st->diag, "HY000", DIAG_N_EXEC,
				                "output parameter \"%s\" is not a column of the result", ip->name);
		}
		col++;
		if (c >= PQnfields(cur->res))
			break;
		desc_rec *a = stmt_apd_rec(st, i);
		const void *val;
		SQLLEN ind;
		(void)ind;
		stmt_param_at(st, i, 0, &val, &ind);
		cbo_desc *apd = st->apd;
		SQLULEN off = apd->bind_offset_ptr ? *apd->bind_offset_ptr : 0;
		SQLLEN *lenp = a->octet_length_ptr ? (SQLLEN *)((char *)a->octet_length_ptr + off) : NULL;
		SQLLEN *indp = a->indicator_ptr ? (SQLLEN *)((char *)a->indicator_ptr + off) : NULL;
		pgt_ctx ctx;
		conv_out o = {.ctype = a->concise_type,
		              .precision = a->precision,
		              .buf = (void *)val,
		              .buflen = a->octet_length,
		              .len_ptr = lenp,
		              .ind_ptr = indp};
		res_value_out(st, cur, 0, c, &ctx, &o);
		conv_status cs = conv_to_c(&o);
		if (cs == CONV_TRUNCATED)
			ret = diag_add(&st->diag, "01004", "string data, right truncated: an output parameter");
		else if (cs != CONV_OK)
			return diag_set(&st->diag, "HY000", DIAG_N_EXEC, "an output parameter could not be converted");
	}
	/* as with psqlODBC, the row stays in the result set for SQLFetch */
	st->cur_row = -1;
	return ret;
}

SQLRETURN stmt_fetch_refcursors(cbo_stmt *st)
{
	cbo_dbc *dbc = st->dbc;
	stmt_res *first = &st->results[0];
	PGresult *r = first->res;
	int nf = PQnfields(r);
	bool any = false;
	for (int c = 0; c < nf; c++)
		if (PQftype(r, c) == CBO_REFCURSOROID)
			any = true;
	if (!any || PQntuples(r) < 1)
		return SQL_SUCCESS;
	if (!conn_in_txn(dbc))
		return diag_set(&st->diag, "HY000", DIAG_N_EXEC,
		                "a refcursor can only be fetched inside a transaction (FetchRefcursors=1): turn "
		                "autocommit off");
	stmt_res *fetched = NULL;
	int nfetched = 0;
	for (int c = 0; c < nf; c++) {
		if (PQftype(r, c) != CBO_REFCURSOROID || PQgetisnull(r, 0, c))
			continue;
		const char *name = PQgetvalue(r, 0, c);
		char *sql = NULL;
		if (asprintf(&sql, "FETCH ALL IN \"%s\"", name) < 0)
			return diag_add(&st->diag, "HY001", "out of memory");
		dbc->notice_diag = &st->diag;
		PGresult *res = PQexec(dbc->pg, sql);
		dbc->notice_diag = NULL;
		free(sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			diag_add_pg(&st->diag, dbc->pg, res, "Error while executing the query");
			PQclear(res);
			for (int i = 0; i < nfetched; i++)
				stmt_res_free(&fetched[i]);
			free(fetched);
			return SQL_ERROR;
		}
		stmt_res *nr = realloc(fetched, (size_t)(nfetched + 1) * sizeof(*nr));
		if (nr == NULL) {
			PQclear(res);
			for (int i = 0; i < nfetched; i++)
				stmt_res_free(&fetched[i]);
			free(fetched);
			return diag_add(&st->diag, "HY001", "out of memory");
		}
		fetched = nr;
		memset(&fetched[nfetched], 0, sizeof(*fetched));
		fetched[nfetched].res = res;
		fetched[nfetched].row_count = PQntuples(res);
		nfetched++;
	}
	if (nfetched == 0)
		return SQL_SUCCESS;
	for (int i = 0; i < st->nresults; i++)
		stmt_res_free(&st->results[i]);
	free(st->results);
	st->results = fetched;
	st->nresults = nfetched;
	st->cur = 0;
	st->diag.row_count = fetched[0].row_count;
	return SQL_SUCCESS;
}

/* --- the driver's own statements (catalog functions, setpos.c, large objects) --------------- */

PGresult *stmt_run_internal(cbo_stmt *st, const char *sql, int n, const char *const *values, const int *lengths,
                            const int *formats)
{
	cbo_dbc *dbc = st->dbc;
	cbo_diag *saved = dbc->notice_diag;
	dbc->notice_diag = &st->diag;
	PGresult *res = PQexecParams(dbc->pg, sql, n, NULL, values, lengths, formats, 0);
	dbc->notice_diag = saved;
	inproc_done(dbc->inproc, dbc->pg);
	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		diag_add_pg(&st->diag, dbc->pg, res, "Error while executing the query");
		PQclear(res);
		return NULL;
	}
	return res;
}

PGresult *stmt_query(cbo_stmt *st, const char *sql, int nparams, const char *const *values)
{
	/* like psqlODBC's own statements, catalog queries open no transaction */
	stmt_reset_text(st);
	PGresult *res = stmt_run_internal(st, sql, nparams, values, NULL, NULL);
	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		diag_add(&st->diag, "HY000", "internal error: a catalog query returned no rows");
		return NULL;
	}
	return res;
}

void stmt_set_result(cbo_stmt *st, PGresult *res, bool catalog)
{
	stmt_close(st);
	st->results = calloc(1, sizeof(*st->results));
	if (st->results == NULL) {
		PQclear(res);
		diag_add(&st->diag, "HY001", "out of memory keeping a result");
		return;
	}
	st->results[0].res = res;
	st->results[0].row_count = PQntuples(res);
	st->nresults = 1;
	st->executed = true;
	st->catalog = catalog;
	st->diag.row_count = PQntuples(res);
}

/* --- cursor names -------------------------------------------------------------------------- */

const char *stmt_cursor_name(cbo_stmt *st)
{
	if (st->cursor_name == NULL) {
		char name[64];
		snprintf(name, sizeof(name), "SQL_CUR%p", (void *)st);
		st->cursor_name = strdup(name);
		if (st->cursor_name == NULL)
			return "SQL_CUR";
	}
	return st->cursor_name;
}

/* The name of the server cursor of UseDeclareFetch (the statement's cursor
 * name, as psqlODBC names it), cut to PostgreSQL's 63 bytes. */
static void stmt_server_cursor(cbo_stmt *st, char out[64])
{
	snprintf(out, 64, "%s", stmt_cursor_name(st));
}

SQLRETURN stmt_get_cursor_name(cbo_stmt *st, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	/* psqlODBC names a statement's cursor when it first runs it */
	if (conv_put_str_small(st->cursor_name ? st->cursor_name : "", name, buflen, len))
		return diag_add(&st->diag, "01004", "string data, right truncated: the cursor name");
	return SQL_SUCCESS;
}

SQLRETURN stmt_set_cursor_name(cbo_stmt *st, const char *name)
{
	if (name == NULL)
		return diag_add(&st->diag, "HY009", "invalid use of null pointer: no cursor name given");
	/* psqlODBC takes any name (the driver manager refuses it while a
	 * cursor is open) */
	char *c = strdup(name);
	if (c == NULL)
		return diag_add(&st->diag, "HY001", "out of memory");
	free(st->cursor_name);
	st->cursor_name = c;
	return SQL_SUCCESS;
}

/* --- attributes ------------------------------------------------------------------------------ */

/* The value a cursor type / concurrency request gets (psqlODBC's choices). */
static SQLULEN stmt_cursor_type_for(const cbo_dbc *dbc, SQLULEN v)
{
	switch (v) {
	case SQL_CURSOR_STATIC:
		return v;
	case SQL_CURSOR_KEYSET_DRIVEN:
		return dbc->opts.updatable_cursors && !dbc->opts.use_declare_fetch ? v : SQL_CURSOR_STATIC;
	case SQL_CURSOR_DYNAMIC:
		return dbc->opts.updatable_cursors && !dbc->opts.use_declare_fetch ? SQL_CURSOR_KEYSET_DRIVEN
		                                                                   : SQL_CURSOR_STATIC;
	default:
		return SQL_CURSOR_FORWARD_ONLY;
	}
}

static SQLULEN stmt_concurrency_for(const cbo_dbc *dbc, SQLULEN v)
{
	if (v == SQL_CONCUR_READ_ONLY)
		return v;
	return dbc->opts.updatable_cursors ? SQL_CONCUR_ROWVER : SQL_CONCUR_READ_ONLY;
}

SQLRETURN stmt_default_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value)
{
	SQLULEN v = (SQLULEN)(uintptr_t)value;
	cbo_stmt_defaults *df = &dbc->stmt_defaults;
	bool changed = false;
	switch (attr) {
	case SQL_ATTR_QUERY_TIMEOUT:
		df->query_timeout = v;
		break;
	case SQL_ATTR_MAX_ROWS:
		df->max_rows = v;
		break;
	case SQL_ATTR_MAX_LENGTH:
		df->max_length = v;
		break;
	case SQL_ATTR_NOSCAN:
		break;
	case SQL_ATTR_CONCURRENCY:
		df->concurrency = stmt_concurrency_for(dbc, v);
		changed = df->concurrency != v;
		break;
	case SQL_ATTR_CURSOR_TYPE:
		df->cursor_type = stmt_cursor_type_for(dbc, v);
		changed = df->cursor_type != v;
		break;
	case SQL_ATTR_KEYSET_SIZE:
		df->keyset_size = v;
		break;
	case SQL_ATTR_RETRIEVE_DATA:
		df->retrieve_data = v;
		break;
	case SQL_ATTR_USE_BOOKMARKS:
		df->use_bookmarks = v;
		break;
	case SQL_ROWSET_SIZE:
		df->rowset_size = v < 1 ? 1 : v > CBO_MAX_ARRAY_SIZE ? CBO_MAX_ARRAY_SIZE : v;
		changed = v < 1 || v > CBO_MAX_ARRAY_SIZE;
		break;
	case SQL_BIND_TYPE:
		df->bind_type = v;
		break;
	case SQL_ATTR_SIMULATE_CURSOR:
		return diag_add(&dbc->diag, "HYC00", "optional feature not implemented: simulated cursors");
	default:
		return diag_set(&dbc->diag, "HYC00", DIAG_N_CONN_UNSUPPORTED_OPTION,
		                "connection attribute %d is not supported", (int)attr);
	}
	if (changed)
		return diag_add(&dbc->diag, "01S02", "option value changed: the driver uses another value");
	return SQL_SUCCESS;
}

static bool stmt_cursor_open(const cbo_stmt *st)
{
	stmt_res *r = stmt_cur(st);
	return r != NULL && r->res != NULL && PQresultStatus(r->res) == PGRES_TUPLES_OK;
}

static SQLRETURN stmt_array_capped(cbo_stmt *st)
{
	return diag_add(&st->diag, "01S02", "option value changed: rowsets and parameter sets are at most %lu",
	                (unsigned long)CBO_MAX_ARRAY_SIZE);
}

SQLRETURN stmt_set_attr(cbo_stmt *st, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	(void)len;
	SQLULEN v = (SQLULEN)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_ROW_ARRAY_SIZE:
		/* psqlODBC takes 0 (and fetches one row per call then) */
		if (v > CBO_MAX_ARRAY_SIZE) {
			st->ard->array_size = CBO_MAX_ARRAY_SIZE;
			return stmt_array_capped(st);
		}
		st->ard->array_size = v;
		return SQL_SUCCESS;
	case SQL_ROWSET_SIZE:
		if (v < 1) {
			st->rowset_size = 1;
			return diag_add(&st->diag, "01S02", "option value changed: the rowset size is 1");
		}
		if (v > CBO_MAX_ARRAY_SIZE) {
			st->rowset_size = CBO_MAX_ARRAY_SIZE;
			return stmt_array_capped(st);
		}
		st->rowset_size = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_STATUS_PTR:
		st->ird.array_status_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_ROWS_FETCHED_PTR:
		st->ird.rows_processed_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_BIND_TYPE:
		st->ard->bind_type = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR:
		st->ard->bind_offset_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_OPERATION_PTR:
		st->ard->array_status_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_BIND_TYPE:
		st->apd->bind_type = v;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR:
		st->apd->bind_offset_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_OPERATION_PTR:
		st->apd->array_status_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAMS_PROCESSED_PTR:
		st->ipd.rows_processed_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_STATUS_PTR:
		st->ipd.array_status_ptr = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAMSET_SIZE:
		if (v < 1)
			return diag_add(&st->diag, "HY024",
			                "invalid attribute value: the parameter set size must be at least 1");
		if (v > CBO_MAX_ARRAY_SIZE) {
			st->apd->array_size = CBO_MAX_ARRAY_SIZE;
			return stmt_array_capped(st);
		}
		st->apd->array_size = v;
		return SQL_SUCCESS;
	case SQL_ATTR_MAX_ROWS:
		st->max_rows = v;
		return SQL_SUCCESS;
	case SQL_ATTR_MAX_LENGTH:
		st->max_length = v;
		return SQL_SUCCESS;
	case SQL_ATTR_QUERY_TIMEOUT:
		st->query_timeout = v;
		return SQL_SUCCESS;
	case SQL_ATTR_NOSCAN:
		st->noscan = v;
		return SQL_SUCCESS;
	case SQL_ATTR_METADATA_ID:
		st->metadata_id = v;
		return SQL_SUCCESS;
	case SQL_ATTR_CURSOR_TYPE: {
		if (stmt_cursor_open(st))
			return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
			                "invalid cursor state: the cursor type cannot change while a cursor is open");
		SQLULEN t = stmt_cursor_type_for(st->dbc, v);
		st->cursor_type = st->cursor_type_set = t;
		if (t != v)
			return diag_add(
			        &st->diag, "01S02",
			        "option value changed: the driver supports forward-only, static and keyset-driven "
			        "cursors; it uses %s",
			        t == SQL_CURSOR_KEYSET_DRIVEN ? "SQL_CURSOR_KEYSET_DRIVEN" : "SQL_CURSOR_STATIC");
		return SQL_SUCCESS;
	}
	case SQL_ATTR_CONCURRENCY: {
		if (stmt_cursor_open(st))
			return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
			                "invalid cursor state: the concurrency cannot change while a cursor is open");
		SQLULEN c = stmt_concurrency_for(st->dbc, v);
		st->concurrency = st->concurrency_set = c;
		if (c != v)
			return diag_add(&st->diag, "01S02", "option value changed: the driver uses %s",
			                c == SQL_CONCUR_ROWVER ? "SQL_CONCUR_ROWVER" : "SQL_CONCUR_READ_ONLY");
		return SQL_SUCCESS;
	}
	case SQL_ATTR_CURSOR_SCROLLABLE:
	case SQL_ATTR_CURSOR_SENSITIVITY:
		/* psqlODBC reads them back (from the cursor type and concurrency)
		 * but takes neither */
		return diag_set(&st->diag, "HYC00", DIAG_N_OPTION_NOT_FOR_DRIVER,
		                "statement attribute %d cannot be set; set SQL_ATTR_CURSOR_TYPE and "
		                "SQL_ATTR_CONCURRENCY",
		                (int)attr);
	case SQL_ATTR_USE_BOOKMARKS:
		if (v != SQL_UB_OFF && v != SQL_UB_ON && v != SQL_UB_VARIABLE)
			return diag_add(&st->diag, "HY024", "invalid attribute value %lu for SQL_ATTR_USE_BOOKMARKS",
			                (unsigned long)v);
		st->use_bookmarks = v;
		return SQL_SUCCESS;
	case SQL_ATTR_FETCH_BOOKMARK_PTR:
		st->fetch_bookmark = value;
		return SQL_SUCCESS;
	case SQL_ATTR_RETRIEVE_DATA:
		if (v != SQL_RD_ON && v != SQL_RD_OFF)
			return diag_add(&st->diag, "HY024", "invalid attribute value %lu for SQL_ATTR_RETRIEVE_DATA",
			                (unsigned long)v);
		st->retrieve_data = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ASYNC_ENABLE:
		/* taken and ignored, as psqlODBC does: execution stays synchronous */
		return SQL_SUCCESS;
	case SQL_ATTR_KEYSET_SIZE:
		st->keyset_size = v;
		return SQL_SUCCESS;
	case SQL_ATTR_SIMULATE_CURSOR:
		return diag_add(&st->diag, "HYC00",
		                "optional feature not implemented: simulated positioned updates; use an updatable "
		                "cursor");
	case SQL_ATTR_ENABLE_AUTO_IPD:
		if (v != SQL_FALSE)
			return diag_add(&st->diag, "HYC00",
			                "optional feature not implemented: automatic IPD population");
		return SQL_SUCCESS;
	case SQL_ATTR_APP_ROW_DESC:
	case SQL_ATTR_APP_PARAM_DESC: {
		cbo_desc *d = value;
		cbo_desc **slot = attr == SQL_ATTR_APP_ROW_DESC ? &st->ard : &st->apd;
		if (d == NULL) {
			*slot = attr == SQL_ATTR_APP_ROW_DESC ? &st->ard_own : &st->apd_own;
			return SQL_SUCCESS;
		}
		if (d == &st->ard_own || d == &st->apd_own) {
			*slot = d;
			return SQL_SUCCESS;
		}
		bool found = false;
		for (cbo_desc *x = st->dbc->descs; x; x = x->next)
			if (x == d)
				found = true;
		if (!found || d->magic != CBO_MAGIC_DESC)
			return diag_add(
			        &st->diag, "HY024",
			        "invalid attribute value: an application descriptor allocated on this connection "
			        "is expected");
		*slot = d;
		return SQL_SUCCESS;
	}
	case SQL_ATTR_IMP_ROW_DESC:
	case SQL_ATTR_IMP_PARAM_DESC:
		return diag_add(&st->diag, "HY017", "invalid use of an automatically allocated descriptor handle");
	default:
		return diag_set(&st->diag, "HYC00", DIAG_N_NOT_IMPLEMENTED, "statement attribute %d is not supported",
		                (int)attr);
	}
}

SQLRETURN stmt_get_attr(cbo_stmt *st, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	(void)buflen;
	enum { K_PTR, K_ULEN, K_UINT } kind = K_UINT;
	SQLULEN v = 0;
	SQLPOINTER p = NULL;
	switch (attr) {
	case SQL_ATTR_ROW_ARRAY_SIZE:
		v = st->ard->array_size, kind = K_ULEN;
		break;
	case SQL_ROWSET_SIZE:
		v = st->rowset_size, kind = K_ULEN;
		break;
	case SQL_ATTR_ROW_STATUS_PTR:
		p = st->ird.array_status_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_ROWS_FETCHED_PTR:
		p = st->ird.rows_processed_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR:
		p = st->ard->bind_offset_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_ROW_OPERATION_PTR:
		p = st->ard->array_status_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR:
		p = st->apd->bind_offset_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_PARAM_OPERATION_PTR:
		p = st->apd->array_status_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_PARAMS_PROCESSED_PTR:
		p = st->ipd.rows_processed_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_PARAM_STATUS_PTR:
		p = st->ipd.array_status_ptr, kind = K_PTR;
		break;
	case SQL_ATTR_FETCH_BOOKMARK_PTR:
		p = st->fetch_bookmark, kind = K_PTR;
		break;
	case SQL_ATTR_APP_ROW_DESC:
		p = st->ard, kind = K_PTR;
		break;
	case SQL_ATTR_APP_PARAM_DESC:
		p = st->apd, kind = K_PTR;
		break;
	case SQL_ATTR_IMP_ROW_DESC:
		p = &st->ird, kind = K_PTR;
		break;
	case SQL_ATTR_IMP_PARAM_DESC:
		p = &st->ipd, kind = K_PTR;
		break;
	case SQL_ATTR_ROW_BIND_TYPE:
		v = st->ard->bind_type;
		break;
	case SQL_ATTR_PARAM_BIND_TYPE:
		v = st->apd->bind_type;
		break;
	case SQL_ATTR_PARAMSET_SIZE:
		v = st->apd->array_size, kind = K_ULEN;
		break;
	case SQL_ATTR_MAX_ROWS:
		v = st->max_rows, kind = K_ULEN;
		break;
	case SQL_ATTR_MAX_LENGTH:
		v = st->max_length, kind = K_ULEN;
		break;
	case SQL_ATTR_QUERY_TIMEOUT:
		v = st->query_timeout, kind = K_ULEN;
		break;
	case SQL_ATTR_KEYSET_SIZE:
		v = st->keyset_size, kind = K_ULEN;
		break;
	case SQL_ATTR_NOSCAN:
		v = SQL_NOSCAN_ON;
		break;
	case SQL_ATTR_METADATA_ID:
		v = st->metadata_id;
		break;
	case SQL_ATTR_CURSOR_TYPE:
		v = st->cursor_type;
		break;
	case SQL_ATTR_CONCURRENCY:
		v = st->concurrency;
		break;
	case SQL_ATTR_CURSOR_SCROLLABLE:
		v = st->cursor_type == SQL_CURSOR_FORWARD_ONLY ? SQL_NONSCROLLABLE : SQL_SCROLLABLE;
		break;
	case SQL_ATTR_CURSOR_SENSITIVITY:
		v = st->concurrency == SQL_CONCUR_READ_ONLY ? SQL_INSENSITIVE : SQL_UNSPECIFIED;
		break;
	case SQL_ATTR_USE_BOOKMARKS:
		v = st->use_bookmarks;
		break;
	case SQL_ATTR_RETRIEVE_DATA:
		v = st->retrieve_data;
		break;
	case SQL_ATTR_ASYNC_ENABLE:
		v = SQL_ASYNC_ENABLE_OFF;
		break;
	case SQL_ATTR_ENABLE_AUTO_IPD:
		v = SQL_FALSE;
		break;
	case SQL_ATTR_SIMULATE_CURSOR:
		v = SQL_SC_NON_UNIQUE;
		break;
	case SQL_ATTR_ROW_NUMBER: {
		if (!stmt_cursor_open(st))
			return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
			                "invalid cursor state: no cursor");
		if (st->cur_row < 0)
			return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
			                "invalid cursor state: not positioned on a row");
		v = (SQLULEN)st->cur_row + 1, kind = K_ULEN;
		break;
	}
	case SQL_GET_BOOKMARK: {
		if (st->use_bookmarks == SQL_UB_OFF)
			return diag_set(&st->diag, "HY011", DIAG_N_OPERATION_INVALID,
			                "operation invalid: bookmarks are off (SQL_ATTR_USE_BOOKMARKS)");
		if (!stmt_cursor_open(st) || st->cur_row < 0)
			return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
			                "invalid cursor state: not positioned on a row");
		SQLINTEGER b = res_bookmark(st->cur_row);
		if (value)
			memcpy(value, &b, sizeof(b));
		if (len)
			*len = sizeof(b);
		return SQL_SUCCESS;
	}
	default:
		return diag_set(&st->diag, "HYC00", DIAG_N_NOT_IMPLEMENTED, "statement attribute %d is not supported",
		                (int)attr);
	}
	switch (kind) {
	case K_PTR:
		if (value)
			*(SQLPOINTER *)value = p;
		if (len)
			*len = sizeof(SQLPOINTER);
		break;
	case K_ULEN:
		if (value)
			*(SQLULEN *)value = v;
		if (len)
			*len = sizeof(SQLULEN);
		break;
	case K_UINT:
		/* like psqlODBC: 4 bytes, applications read these into SQLUINTEGER */
		if (value)
			*(SQLUINTEGER *)value = (SQLUINTEGER)v;
		if (len)
			*len = sizeof(SQLUINTEGER);
		break;
	}
	return SQL_SUCCESS;
}
