/*
 * apply.c - the applier (see apply.h).
 *
 * Functions prefix: apply_
 */
#include "cache/apply.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "cachegroup/generate.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/pgtype.h"

/* A cache table as the stream names it. */
typedef struct rel_entry {
	uint32_t oid; /* key */
	size_t group;
	size_t table;
	int *colmap;      /* for each of the table's columns, its index in the relation's columns (-1: missing) */
	size_t ncolmap;   /* the group table's ncols */
	uint16_t relcols; /* the relation's column count the map was made for */
	UT_hash_handle hh;
} rel_entry;

/* One row of a cache table: the backend's text of each column (NULL: SQL NULL). */
typedef struct row {
	const char **vals;
	bool *unchanged; /* an unchanged TOAST value: not sent, take the cached one */
} row;

struct applier {
	cachedb *db;
	cachedb_conn *conn;
	invalidate *inv;
	cg_group *const *groups;
	size_t ngroups;
	rel_entry *rels;
	_Atomic uint64_t *changed; /* per group: bit t for a table whose backend columns changed */
	bool open;                 /* the SQLite transaction is open and the write lock held */
	bool in_txn;               /* a backend transaction is being applied (open too) */
	bool skip_txn;             /* the transaction was applied before */
	/* the open SQLite transaction: the backend transactions ended in it (apply_commit_later) */
	size_t pending;           /* how many wait for its commit */
	uint64_t pending_lsn;     /* the last one's end LSN */
	int64_t pending_time;     /* its commit time (pgoutput) */
	bool pending_changed;     /* one of them changed cache tables (the fault point apply.commit) */
	bool txn_close_gate;      /* one posted an invalidation: the commit closes the reader gate */
	bool txn_ddl;             /* one carries DDL: the commit counts it in GATE_META_DDL */
	uint64_t txn_synced;      /* the commit writes CG_META_SYNCED (apply_note_synced); 0: none */
	gate *gate;               /* the reader gate; NULL: none */
	uint64_t ddl_gen;         /* GATE_META_DDL as last written (the stream's thread only) */
	uint64_t txn_changes;     /* stats.changes when the transaction began */
	uint32_t txn_xid;         /* its xid */
	xidwatch *xids;           /* where applied xids are noted; NULL: nowhere */
	uint64_t *dropped;        /* per group: bit t for a table with a row not needed in this transaction */
	uint64_t *touched;        /* per group: bit t for a table the open SQLite transaction changed (cached or not) */
	_Atomic uint64_t *srcpos; /* per group, 64 per group: the source positions (apply_source_position) */
	_Atomic uint64_t epoch;   /* advanced by what may change any answer (DDL, a reset, a changed table) */
	/* scratch: the NUL-terminated copies of a change's values, and the rows */
	char *text;
	size_t text_len, text_cap;
	const char **vals[2];
	bool *unchanged[2];
	size_t maxcols;
	apply_stats stats;
};

/* --- set-up ----------------------------------------------------------------------- */

/* A number from the meta table (*v left as it is when the file has none). */
static bool read_number(applier *a, const char *key, uint64_t *v, cb_error *err)
{
	char *text = NULL;
	if (!cachedb_meta_get(a->conn, key, &text, err))
		return false;
	if (text != NULL)
		*v = strtoull(text, NULL, 10);
	free(text);
	return true;
}

applier *apply_create(cachedb *db, invalidate *inv, cb_error *err)
{
	applier *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		cb_fail(err, "out of memory");
		return NULL;
	}
	a->db = db;
	a->inv = inv;
	a->groups = cachedb_groups(db, &a->ngroups);
	a->changed = calloc(a->ngroups ? a->ngroups : 1, sizeof(*a->changed));
	a->dropped = calloc(a->ngroups ? a->ngroups : 1, sizeof(*a->dropped));
	a->touched = calloc(a->ngroups ? a->ngroups : 1, sizeof(*a->touched));
	a->srcpos = calloc((a->ngroups ? a->ngroups : 1) * 64, sizeof(*a->srcpos));
	bool ok = a->changed != NULL && a->dropped != NULL && a->touched != NULL && a->srcpos != NULL;
	for (size_t g = 0; ok && g < a->ngroups; g++) {
		const cg_group *gr = a->groups[g];
		for (size_t t = 0; ok && t < gr->ntables; t++) {
			if (gr->tables[t].ncols > a->maxcols)
				a->maxcols = gr->tables[t].ncols;
			rel_entry *e = calloc(1, sizeof(*e));
			ok = e != NULL;
			if (ok) {
				e->oid = gr->tables[t].oid;
				e->group = g;
				e->table = t;
				HASH_ADD(hh, a->rels, oid, sizeof(e->oid), e);
			}
		}
	}
	for (int i = 0; ok && i < 2; i++) {
		a->vals[i] = calloc(a->maxcols + 1, sizeof(*a->vals[i]));
		a->unchanged[i] = calloc(a->maxcols + 1, sizeof(*a->unchanged[i]));
		ok = a->vals[i] != NULL && a->unchanged[i] != NULL;
	}
	if (!ok) {
		apply_free(a);
		cb_fail(err, "out of memory");
		return NULL;
	}
	if (!cachedb_conn_open(db, &a->conn, err)) {
		apply_free(a);
		return NULL;
	}
	uint64_t lsn = 0;
	if (!read_number(a, CG_META_APPLIED_LSN, &lsn, err) || !read_number(a, GATE_META_DDL, &a->ddl_gen, err)) {
		apply_free(a);
		return NULL;
	}
	atomic_store(&a->stats.applied_lsn, lsn);
	return a;
}

void apply_free(applier *a)
{
	if (a == NULL)
		return;
	if (a->open)
		apply_abort(a);
	rel_entry *e, *tmp;
	HASH_ITER(hh, a->rels, e, tmp)
	{
		HASH_DEL(a->rels, e);
		free(e->colmap);
		free(e);
	}
	for (int i = 0; i < 2; i++) {
		free(a->vals[i]);
		free(a->unchanged[i]);
	}
	free(a->text);
	free((void *)a->changed);
	free(a->dropped);
	free(a->touched);
	free((void *)a->srcpos);
	cachedb_conn_close(a->conn);
	free(a);
}

void apply_set_xidwatch(applier *a, xidwatch *w)
{
	a->xids = w;
}

void apply_set_gate(applier *a, gate *g)
{
	a->gate = g;
}

void apply_note_ddl(applier *a)
{
	if (a->in_txn)
		a->txn_ddl = true;
}

uint64_t apply_applied_lsn(const applier *a)
{
	return atomic_load(&a->stats.applied_lsn);
}

const apply_stats *apply_get_stats(const applier *a)
{
	return &a->stats;
}

bool apply_table_changed(const applier *a, size_t g, size_t t)
{
	return g < a->ngroups && t < 64 && (atomic_load_explicit(&a->changed[g], memory_order_relaxed) >> t) & 1;
}

/* A number into the meta table (applied_lsn, GATE_META_DDL). */
static bool write_number(applier *a, const char *key, uint64_t v, cb_error *err)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRIu64, v);
	return cachedb_meta_set(a->conn, key, text, err);
}

static bool write_applied(applier *a, uint64_t lsn, cb_error *err)
{
	return write_number(a, CG_META_APPLIED_LSN, lsn, err);
}

bool apply_note_position(applier *a, uint64_t lsn, cb_error *err)
{
	if (a->open)
		return cb_fail(err, "internal error: an idle position inside a transaction");
	if (lsn <= atomic_load(&a->stats.applied_lsn))
		return true;
	cachedb_write_lock(a->db);
	bool ok = write_applied(a, lsn, err);
	cachedb_write_unlock(a->db);
	if (ok)
		atomic_store(&a->stats.applied_lsn, lsn);
	return ok;
}

bool apply_note_synced(applier *a, uint64_t stamp_us)
{
	if (!a->in_txn)
		return false;
	if (stamp_us > a->txn_synced)
		a->txn_synced = stamp_us;
	return true;
}

void apply_advance_epoch(applier *a)
{
	atomic_fetch_add_explicit(&a->epoch, 1, memory_order_release);
}

uint64_t apply_source_position(const applier *a, const uint64_t *tables, size_t ngroups)
{
	uint64_t pos = atomic_load_explicit(&((applier *)a)->epoch, memory_order_acquire);
	for (size_t g = 0; g < ngroups && g < a->ngroups; g++)
		for (uint64_t m = tables[g]; m != 0; m &= m - 1)
			pos += atomic_load_explicit(&a->srcpos[g * 64 + (size_t)__builtin_ctzll(m)],
			                            memory_order_acquire);
	return pos;
}

bool apply_reset(applier *a, cb_error *err)
{
	apply_advance_epoch(a);
	if (!write_applied(a, 0, err))
		return false;
	atomic_store(&a->stats.applied_lsn, 0);
	return true;
}

/* --- relations and rows -------------------------------------------------------------- */

static rel_entry *find_rel(applier *a, uint32_t oid)
{
	rel_entry *e;
	HASH_FIND(hh, a->rels, &oid, sizeof(oid), e);
	return e;
}

/* Table e changed on the backend: never answered again until the groups are compiled anew. */
static void table_changed(applier *a, const rel_entry *e, const char *why)
{
	uint64_t bit = (uint64_t)1 << (e->table < 64 ? e->table : 63);
	if (!(atomic_fetch_or(&a->changed[e->group], bit) & bit)) {
		atomic_fetch_add(&a->stats.schema_changes, 1);
		log_warning("cache: table %s changed on the backend (%s): nothing of it is answered from the cache "
		            "until the cache groups are compiled again (cbcache-admin RELOAD, or SIGHUP)",
		            a->groups[e->group]->tables[e->table].name, why);
	}
	invalidate_post(a->inv, e->group, bit);
	atomic_fetch_add(&a->stats.invalidations, 1);
	apply_advance_epoch(a);
	if (a->open)
		a->txn_close_gate = true;
	else
		gate_close(a->gate);
}

bool apply_any_changed(const applier *a)
{
	for (size_t g = 0; g < a->ngroups; g++)
		if (atomic_load_explicit(&a->changed[g], memory_order_relaxed) != 0)
			return true;
	return false;
}

bool apply_find_table(const applier *a, uint32_t oid, size_t *g, size_t *t)
{
	rel_entry *e = find_rel((applier *)a, oid);
	if (e == NULL)
		return false;
	*g = e->group;
	*t = e->table;
	return true;
}

void apply_mark_changed(applier *a, size_t g, size_t t, const char *why)
{
	rel_entry *e = g < a->ngroups && t < a->groups[g]->ntables ? find_rel(a, a->groups[g]->tables[t].oid) : NULL;
	if (e != NULL)
		table_changed(a, e, why);
}

/*
 * Map relation rel's columns onto e's table: every column of the group's
 * table must be there with its type, and no other.  False (and the table
 * marked changed) when they differ.
 */
static bool map_columns(applier *a, rel_entry *e, const pgoutput_relation *rel)
{
	const cg_table *t = &a->groups[e->group]->tables[e->table];
	if (e->colmap == NULL && (e->colmap = calloc(t->ncols ? t->ncols : 1, sizeof(int))) == NULL)
		return false;
	e->ncolmap = t->ncols;
	e->relcols = rel->ncols;
	bool same = rel->ncols == t->ncols;
	char why[160] = "";
	for (size_t c = 0; c < t->ncols; c++) {
		e->colmap[c] = -1;
		for (uint16_t r = 0; r < rel->ncols; r++)
			if (strcmp(rel->cols[r].name, t->cols[c].name) == 0)
				e->colmap[c] = r;
		if (e->colmap[c] < 0) {
			snprintf(why, sizeof(why), "column %s is gone", t->cols[c].name);
			same = false;
		} else if (rel->cols[e->colmap[c]].type_oid != t->cols[c].type_oid ||
		           rel->cols[e->colmap[c]].typmod != t->cols[c].typmod) {
			snprintf(why, sizeof(why), "column %s has another type", t->cols[c].name);
			same = false;
		}
	}
	if (!same) {
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "it has %u columns, the cache group %zu", rel->ncols, t->ncols);
		e->relcols = 0;
		table_changed(a, e, why);
	}
	return same;
}

/* The cache table of a change's relation, its columns mapped; NULL for a table to skip. */
static rel_entry *table_of(applier *a, const pgoutput_relation *rel)
{
	rel_entry *e = find_rel(a, rel->oid);
	if (e == NULL || apply_table_changed(a, e->group, e->table))
		return NULL;
	if (e->colmap == NULL || e->relcols != rel->ncols)
		if (!map_columns(a, e, rel))
			return NULL;
	return e;
}

/* Room in the scratch buffer for the values of up to two tuples (and their NULs): the rows point into it. */
static bool reserve(applier *a, const pgoutput_tuple *t1, const pgoutput_tuple *t2, cb_error *err)
{
	size_t need = 1;
	const pgoutput_tuple *ts[2] = {t1, t2};
	for (int i = 0; i < 2; i++)
		for (uint16_t c = 0; ts[i] != NULL && c < ts[i]->ncols; c++)
			need += (size_t)ts[i]->cols[c].len + 1;
	a->text_len = 0;
	if (!CB_ARRAY_GROW(a->text, a->text_cap, need))
		return cb_fail(err, "out of memory for a changed row (%zu bytes)", need);
	return true;
}

/* A NUL-terminated copy of n bytes in the scratch buffer (reserved before). */
static const char *scratch_copy(applier *a, const char *p, size_t n)
{
	char *out = a->text + a->text_len;
	memcpy(out, p, n);
	out[n] = '\0';
	a->text_len += n + 1;
	return out;
}

/*
 * Tuple tup of relation e as row slot (0 or 1) in the table's column
 * order.  False when a column is missing or memory ran out.
 */
static bool read_row(applier *a, const rel_entry *e, const pgoutput_tuple *tup, int slot, row *r)
{
	r->vals = a->vals[slot];
	r->unchanged = a->unchanged[slot];
	for (size_t c = 0; c < e->ncolmap; c++) {
		int rc = e->colmap[c];
		if (rc < 0 || rc >= tup->ncols)
			return false;
		const pgoutput_value *v = &tup->cols[rc];
		r->unchanged[c] = v->kind == PGOUTPUT_COL_UNCHANGED;
		r->vals[c] = v->kind == PGOUTPUT_COL_TEXT || v->kind == PGOUTPUT_COL_BINARY
		                     ? scratch_copy(a, v->data, v->len)
		                     : NULL;
	}
	return true;
}

/* --- statements --------------------------------------------------------------------- */

static sqlite3_stmt *stmt_of(applier *a, size_t g, cg_stmt_kind kind, int table, int entry, int fill, cb_error *err)
{
	const cg_group *gr = a->groups[g];
	const cg_stmt *s = cg_gen_find(gr, kind, table, fill, -1, entry);
	if (s == NULL) {
		cb_fail(err, "cache group %s has no statement \"%s\" for its table %d", gr->name,
		        cg_gen_kind_name(kind), table);
		return NULL;
	}
	return cachedb_stmt(a->conn, g, (size_t)(s - gr->stmts), err);
}

/* Bind the row's columns as ?1..?n (those the statement has). */
static bool bind_row(sqlite3_stmt *st, const cg_table *t, const row *r)
{
	int n = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= n && (size_t)i <= t->ncols; i++)
		if (!cachedb_bind(st, i, t->cols[i - 1].storage, r->vals[i - 1]))
			return false;
	return true;
}

static bool step_done(applier *a, sqlite3_stmt *st, cb_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return cb_fail(err, "cache: %s", sqlite3_errmsg(a->conn->lite));
	return true;
}

static bool run_row(applier *a, size_t g, size_t t, cg_stmt_kind kind, const row *r, cb_error *err)
{
	sqlite3_stmt *st = stmt_of(a, g, kind, (int)t, -1, -1, err);
	if (st == NULL)
		return false;
	if (!bind_row(st, &a->groups[g]->tables[t], r)) {
		sqlite3_reset(st);
		return cb_fail(err, "cache: binding a changed row failed: %s", sqlite3_errmsg(a->conn->lite));
	}
	return step_done(a, st, err);
}

/* Whether the backend's text of a value equals the cached column col of st. */
static bool same_value(sqlite3_stmt *st, int col, pgtype_storage storage, const char *text)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL || text == NULL)
		return sqlite3_column_type(st, col) == SQLITE_NULL && text == NULL;
	if (storage == PGTYPE_ST_INTEGER) {
		char *end;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		return errno == 0 && *end == '\0' && v == sqlite3_column_int64(st, col);
	}
	if (storage == PGTYPE_ST_BOOL) {
		int b;
		return pgtype_parse_bool(text, &b) && b == sqlite3_column_int(st, col);
	}
	const unsigned char *c = sqlite3_column_text(st, col);
	return c != NULL && strcmp((const char *)c, text) == 0;
}

/* Whether column c of table t is one a promise looks at: a key, fill, or RCC column. */
static bool structural(const cg_group *g, size_t t, size_t c)
{
	const cg_table *tb = &g->tables[t];
	for (size_t k = 0; k < tb->npk; k++)
		if (tb->pk[k] == (int)c)
			return true;
	for (size_t f = 0; f < g->nfills; f++)
		if (g->fills[f].table == t && g->fills[f].col == (int)c)
			return true;
	for (size_t r = 0; r < g->nrccs; r++)
		if ((g->rccs[r].src == t && g->rccs[r].src_col == (int)c) ||
		    (g->rccs[r].dst == t && g->rccs[r].dst_col == (int)c))
			return true;
	return false;
}

/* --- changes ------------------------------------------------------------------------ */

/* Whether value v of U.d (RCC r's target) is complete in the cache: the entry point's probe. */
static bool target_complete(applier *a, size_t g, const cg_rcc *rc, const char *v, bool *complete, cb_error *err)
{
	const cg_group *gr = a->groups[g];
	int entry = -1;
	for (size_t e = 0; e < gr->nentries && entry < 0; e++)
		if (gr->entries[e].table == rc->dst && strcmp(gr->entries[e].column, rc->dst_column) == 0)
			entry = (int)e;
	sqlite3_stmt *st = entry < 0 ? NULL : stmt_of(a, g, CG_STMT_PROBE, (int)rc->dst, entry, -1, err);
	if (st == NULL)
		return false;
	if (sqlite3_bind_parameter_count(st) >= 1 &&
	    !cachedb_bind(st, 1, gr->tables[rc->dst].cols[rc->dst_col].storage, v)) {
		sqlite3_reset(st);
		return cb_fail(err, "cache: binding a probe failed: %s", sqlite3_errmsg(a->conn->lite));
	}
	int rcode = sqlite3_step(st);
	*complete = rcode == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	if (rcode != SQLITE_ROW)
		return cb_fail(err, "cache: probe failed: %s", sqlite3_errmsg(a->conn->lite));
	return true;
}

/*
 * A new image r of a row of table t (not cached now): write it when a
 * promise needs it and its own promises hold; otherwise drop the promises
 * that needed it (see the DESIGN in apply.h).
 */
static bool new_image(applier *a, const rel_entry *e, const row *r, bool inserted, cb_error *err)
{
	size_t g = e->group, t = e->table;
	const cg_group *gr = a->groups[g];
	const cg_table *tb = &gr->tables[t];
	sqlite3_stmt *st = stmt_of(a, g, CG_STMT_APPLY_REQUIRED, (int)t, -1, -1, err);
	if (st == NULL)
		return false;
	if (!bind_row(st, tb, r)) {
		sqlite3_reset(st);
		return cb_fail(err, "cache: binding a changed row failed: %s", sqlite3_errmsg(a->conn->lite));
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return cb_fail(err, "cache: %s", sqlite3_errmsg(a->conn->lite));
	}
	/* the reasons, in the statement's order: complete, each fill on t, each RCC into t */
	int col = 0, ncols = sqlite3_column_count(st);
	bool needed = sqlite3_column_int(st, col++) != 0; /* the table is complete */
	bool only_fills = !needed;
	size_t fills_needing[64];
	size_t nfn = 0;
	for (size_t f = 0; f < gr->nfills && col < ncols; f++) {
		if (gr->fills[f].table != t)
			continue;
		if (sqlite3_column_int(st, col++) != 0) {
			needed = true;
			if (nfn < 64)
				fills_needing[nfn++] = f;
		}
	}
	for (size_t k = 0; k < gr->nrccs && col < ncols; k++) {
		if (gr->rccs[k].dst != t)
			continue;
		if (sqlite3_column_int(st, col++) != 0) {
			needed = true;
			only_fills = false;
		}
	}
	sqlite3_reset(st);
	bool unknown = false; /* an unchanged TOAST value of a row not cached: its value is not known */
	for (size_t c = 0; c < tb->ncols; c++)
		unknown = unknown || r->unchanged[c];
	if (!needed) {
		a->dropped[g] |= (uint64_t)1 << (t < 64 ? t : 63);
		atomic_fetch_add(&a->stats.rows_not_needed, 1);
		return true;
	}
	bool holds = !unknown;
	for (size_t k = 0; k < gr->nrccs && holds; k++) {
		const cg_rcc *rc = &gr->rccs[k];
		if (rc->src != t || r->vals[rc->src_col] == NULL)
			continue;
		/* a new row that the target's rows reference by a foreign key: none of them can exist before
		 * it, so the ones this transaction inserts after it are needed by it and come next (unless
		 * one of the target's rows was passed over earlier in this transaction) */
		if (inserted && rc->dst_references_src &&
		    (a->dropped[g] & ((uint64_t)1 << (rc->dst < 64 ? rc->dst : 63))) == 0)
			continue;
		if (!target_complete(a, g, rc, r->vals[rc->src_col], &holds, err))
			return false;
	}
	if (holds) {
		atomic_fetch_add(&a->stats.rows_written, 1);
		return run_row(a, g, t, CG_STMT_APPLY_UPSERT, r, err);
	}
	if (only_fills && nfn > 0) {
		/* the fill values that needed it are no longer loaded: their rows stay, promised by nothing */
		for (size_t i = 0; i < nfn; i++) {
			const cg_fill *f = &gr->fills[fills_needing[i]];
			sqlite3_stmt *ev = stmt_of(a, g, CG_STMT_EVICT_CONTROL, -1, -1, (int)fills_needing[i], err);
			if (ev == NULL)
				return false;
			if (!cachedb_bind(ev, 1, tb->cols[f->col].storage, r->vals[f->col])) {
				sqlite3_reset(ev);
				return cb_fail(err, "cache: binding a control value failed");
			}
			if (!step_done(a, ev, err))
				return false;
			atomic_fetch_add(&a->stats.control_evictions, 1);
		}
		return true;
	}
	invalidate_post(a->inv, g, (uint64_t)1 << (t < 64 ? t : 63));
	atomic_fetch_add(&a->stats.invalidations, 1);
	a->txn_close_gate = true;
	return true;
}

/* The cached row of e with the key in r (columns of the key only are read); *found. */
static sqlite3_stmt *get_cached(applier *a, const rel_entry *e, const row *r, bool *found, cb_error *err)
{
	sqlite3_stmt *st = stmt_of(a, e->group, CG_STMT_APPLY_GET, (int)e->table, -1, -1, err);
	if (st == NULL)
		return NULL;
	if (!bind_row(st, &a->groups[e->group]->tables[e->table], r)) {
		sqlite3_reset(st);
		cb_fail(err, "cache: binding a key failed: %s", sqlite3_errmsg(a->conn->lite));
		return NULL;
	}
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		cb_fail(err, "cache: %s", sqlite3_errmsg(a->conn->lite));
		return NULL;
	}
	*found = rc == SQLITE_ROW;
	return st;
}

static bool delete_row(applier *a, const rel_entry *e, const row *key, cb_error *err)
{
	if (!run_row(a, e->group, e->table, CG_STMT_APPLY_DELETE, key, err))
		return false;
	if (sqlite3_changes(a->conn->lite) > 0)
		atomic_fetch_add(&a->stats.rows_deleted, 1);
	return true;
}

/* Table e (NULL: none named yet) changed in this transaction: its source position advances at the commit. */
static void touch(applier *a, const rel_entry *e)
{
	if (e != NULL && e->table < 64)
		a->touched[e->group] |= (uint64_t)1 << e->table;
}

/* Begin work on a change of cache table e: the transaction must be open. */
static bool change_start(applier *a, const rel_entry *e, cb_error *err)
{
	if (!a->in_txn)
		return cb_fail(err, "the stream sent a change outside a transaction");
	atomic_fetch_add(&a->stats.changes, 1);
	touch(a, e);
	return true;
}

bool apply_insert(applier *a, const pgoutput_insert *m, cb_error *err)
{
	if (a->skip_txn)
		return true;
	rel_entry *e = table_of(a, m->rel);
	if (e == NULL)
		return true;
	if (!change_start(a, e, err) || !reserve(a, &m->newtup, NULL, err))
		return false;
	row r;
	if (!read_row(a, e, &m->newtup, 0, &r)) {
		table_changed(a, e, "a row could not be read");
		return true;
	}
	return new_image(a, e, &r, true, err);
}

/* Whether r holds every primary key column (an old key of REPLICA IDENTITY USING INDEX may not). */
static bool has_primary_key(const applier *a, const rel_entry *e, const row *r)
{
	const cg_table *tb = &a->groups[e->group]->tables[e->table];
	for (size_t k = 0; k < tb->npk; k++)
		if (r->vals[tb->pk[k]] == NULL)
			return false;
	return true;
}

#define NO_PRIMARY_KEY "a changed row's old key lacks primary key columns (set REPLICA IDENTITY DEFAULT)"

bool apply_delete(applier *a, const pgoutput_delete *m, cb_error *err)
{
	if (a->skip_txn)
		return true;
	rel_entry *e = table_of(a, m->rel);
	if (e == NULL)
		return true;
	if (!change_start(a, e, err) || !reserve(a, &m->oldtup, NULL, err))
		return false;
	row r;
	if (m->old_kind == 0 || !read_row(a, e, &m->oldtup, 0, &r)) {
		table_changed(a, e, "a deleted row has no key (REPLICA IDENTITY)");
		return true;
	}
	if (!has_primary_key(a, e, &r)) {
		table_changed(a, e, NO_PRIMARY_KEY);
		return true;
	}
	return delete_row(a, e, &r, err);
}

bool apply_update(applier *a, const pgoutput_update *m, cb_error *err)
{
	if (a->skip_txn)
		return true;
	rel_entry *e = table_of(a, m->rel);
	if (e == NULL)
		return true;
	if (!change_start(a, e, err) || !reserve(a, &m->newtup, &m->oldtup, err))
		return false;
	const cg_group *gr = a->groups[e->group];
	const cg_table *tb = &gr->tables[e->table];
	row nr, kr;
	/* the old key: sent when it changed (K) or with REPLICA IDENTITY FULL (O), else the new row's */
	if (!read_row(a, e, &m->newtup, 0, &nr) || (m->old_kind != 0 && !read_row(a, e, &m->oldtup, 1, &kr))) {
		table_changed(a, e, "a row could not be read");
		return true;
	}
	if (m->old_kind != 0 && !has_primary_key(a, e, &kr)) {
		table_changed(a, e, NO_PRIMARY_KEY);
		return true;
	}
	const row *key = m->old_kind != 0 ? &kr : &nr;
	bool found = false;
	sqlite3_stmt *st = get_cached(a, e, key, &found, err);
	if (st == NULL)
		return false;
	if (!found) {
		sqlite3_reset(st);
		return new_image(a, e, &nr, false, err);
	}
	/* cached: unchanged TOAST values come from the cached row; did a column a promise looks at change? */
	bool in_place = m->old_kind == 0, ok = true;
	char *kept[tb->ncols ? tb->ncols : 1];
	for (size_t c = 0; c < tb->ncols; c++) {
		kept[c] = NULL;
		if (nr.unchanged[c]) {
			const unsigned char *v = sqlite3_column_text(st, (int)c);
			if (v != NULL && (kept[c] = strdup((const char *)v)) == NULL)
				ok = false;
			nr.vals[c] = kept[c];
			nr.unchanged[c] = false;
		} else if (in_place && structural(gr, e->table, c) &&
		           !same_value(st, (int)c, tb->cols[c].storage, nr.vals[c])) {
			in_place = false;
		}
	}
	sqlite3_reset(st);
	if (!ok)
		cb_fail(err, "out of memory");
	else if (in_place) {
		atomic_fetch_add(&a->stats.rows_written, 1);
		ok = run_row(a, e->group, e->table, CG_STMT_APPLY_UPSERT, &nr, err);
	} else {
		ok = delete_row(a, e, key, err) && new_image(a, e, &nr, false, err);
	}
	for (size_t c = 0; c < tb->ncols; c++)
		free(kept[c]);
	return ok;
}

bool apply_truncate(applier *a, const pgoutput_truncate *m, cb_error *err)
{
	if (a->skip_txn)
		return true;
	if (!change_start(a, NULL, err))
		return false;
	for (uint32_t i = 0; i < m->nrels; i++) {
		rel_entry *e = find_rel(a, m->relids[i]);
		if (e == NULL)
			continue;
		touch(a, e);
		invalidate_post(a->inv, e->group, (uint64_t)1 << (e->table < 64 ? e->table : 63));
		atomic_fetch_add(&a->stats.invalidations, 1);
		a->txn_close_gate = true;
	}
	return true;
}

bool apply_relation(applier *a, const pgoutput_relmsg *m, cb_error *err)
{
	(void)err;
	rel_entry *e = find_rel(a, m->rel->oid);
	if (e != NULL && !apply_table_changed(a, e->group, e->table))
		(void)map_columns(a, e, m->rel);
	return true;
}

bool apply_begin(applier *a, const pgoutput_begin *m, cb_error *err)
{
	if (a->in_txn)
		apply_abort(a);
	/* sent again after a restart or reconnect: applied already */
	a->skip_txn = m->final_lsn < atomic_load(&a->stats.applied_lsn);
	if (a->skip_txn) {
		atomic_fetch_add(&a->stats.skipped, 1);
		return true;
	}
	memset(a->dropped, 0, (a->ngroups ? a->ngroups : 1) * sizeof(*a->dropped));
	a->txn_changes = atomic_load(&a->stats.changes);
	a->txn_xid = m->xid;
	if (!a->open) {
		memset(a->touched, 0, (a->ngroups ? a->ngroups : 1) * sizeof(*a->touched));
		a->txn_close_gate = a->txn_ddl = a->pending_changed = false;
		a->txn_synced = 0;
		a->pending = 0;
		cachedb_write_lock(a->db);
		if (!cachedb_begin(a->conn, true, err)) {
			cachedb_write_unlock(a->db);
			return false;
		}
		a->open = true;
	}
	a->in_txn = true;
	return true;
}

bool apply_commit_later(applier *a, const pgoutput_commit *m, cb_error *err)
{
	if (a->skip_txn) {
		a->skip_txn = false;
		return true;
	}
	if (!a->in_txn)
		return cb_fail(err, "the stream sent a commit outside a transaction");
	bool changed = atomic_load(&a->stats.changes) != a->txn_changes;
	/* noted before the lock falls, so a fill after it knows (noted and not
	 * committed here is harmless: a fill then only waits to see it) */
	if (changed && a->xids != NULL && !xidwatch_note(a->xids, a->txn_xid)) {
		apply_abort(a);
		atomic_fetch_add(&a->stats.failures, 1);
		return cb_fail(err, "out of memory noting transaction %u", a->txn_xid);
	}
	a->in_txn = false;
	a->pending++;
	a->pending_lsn = m->end_lsn;
	a->pending_time = m->commit_time;
	a->pending_changed |= changed;
	return true;
}

size_t apply_pending(const applier *a)
{
	return a->pending;
}

uint64_t apply_pending_lsn(const applier *a)
{
	return a->pending > 0 ? a->pending_lsn : 0;
}

bool apply_flush(applier *a, cb_error *err)
{
	if (a->in_txn)
		return cb_fail(err, "internal error: a flush inside a transaction");
	if (!a->open)
		return true;
	if (a->pending == 0) { /* only skipped ones: nothing to keep */
		apply_abort(a);
		return true;
	}
	/* the fault point guards commits that changed cache tables (not only the stream's own sync markers) */
	bool ok = write_applied(a, a->pending_lsn, err) && (!a->txn_close_gate || gate_close_in(a->conn, err)) &&
	          (!a->txn_ddl || write_number(a, GATE_META_DDL, a->ddl_gen + 1, err)) &&
	          (a->txn_synced == 0 || write_number(a, CG_META_SYNCED, a->txn_synced, err)) &&
	          (a->pending_changed ? cachedb_commit_at(a->conn, "apply.commit", err) : cachedb_commit(a->conn, err));
	if (!ok) {
		apply_abort(a);
		atomic_fetch_add(&a->stats.failures, 1);
		return false;
	}
	a->open = false;
	/* after the commit, and after the xids were noted (the memo of backend answers relies on that order) */
	for (size_t g = 0; g < a->ngroups; g++)
		for (uint64_t t = a->touched[g]; t != 0; t &= t - 1)
			atomic_fetch_add_explicit(&a->srcpos[g * 64 + (size_t)__builtin_ctzll(t)], 1,
			                          memory_order_release);
	if (a->txn_ddl) {
		a->ddl_gen++;
		apply_advance_epoch(a);
	}
	a->txn_close_gate = a->txn_ddl = false;
	cachedb_write_unlock(a->db);
	atomic_store(&a->stats.applied_lsn, a->pending_lsn);
	atomic_store(&a->stats.applied_at_us, cb_clock_now_us());
	atomic_store(&a->stats.commit_time_us, pgoutput_time_to_unix_us(a->pending_time));
	atomic_fetch_add(&a->stats.transactions, a->pending);
	atomic_fetch_add(&a->stats.commits, 1);
	a->pending = 0;
	return true;
}

bool apply_commit(applier *a, const pgoutput_commit *m, cb_error *err)
{
	return apply_commit_later(a, m, err) && apply_flush(a, err);
}

void apply_abort(applier *a)
{
	a->skip_txn = false;
	if (!a->open)
		return;
	cachedb_rollback(a->conn);
	a->open = a->in_txn = false;
	a->pending = 0;
	bool close = a->txn_close_gate;
	a->txn_close_gate = a->txn_ddl = false;
	cachedb_write_unlock(a->db);
	if (close)
		gate_close(a->gate); /* its invalidations stand though its rows were rolled back */
}
