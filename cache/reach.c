/*
 * reach.c - where writes reach and which calls are harmless (see reach.h).
 *
 * Functions prefix: reach_
 */
#include "cache/reach.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "cache/pgconn.h"
#include "common/array.h"

/* Volatile functions of pg_catalog that neither write a table nor change a setting. */
static const char *const volatile_harmless[] = {"clock_timestamp",
                                                "currval",
                                                "gen_random_uuid",
                                                "lastval",
                                                "nextval",
                                                "pg_backend_pid",
                                                "pg_current_wal_lsn",
                                                "pg_current_xact_id",
                                                "pg_sleep",
                                                "random",
                                                "setval",
                                                "timeofday",
                                                "txid_current",
                                                NULL};

/* The backend's relations as the closure needs them. */
typedef struct rel {
	unsigned oid;
	char *name;
	bool any;    /* a trigger, a rule, or a view */
	size_t *out; /* indexes of relations a write of this one writes */
	size_t nout, outcap;
	size_t *tout; /* ... a TRUNCATE CASCADE of it empties */
	size_t ntout, toutcap;
	int cache_group; /* a cache table: its group, else -1 */
	int cache_table;
	UT_hash_handle hh;
} rel;

struct reach {
	atomic_int refs;
	sqlfe_stmtclass_reach *entries; /* sorted by name */
	size_t nentries;
	char **names; /* entries' names, owned */
	char **funcs; /* harmless functions, sorted by strcmp, owned */
	size_t nfuncs;
	/* the memo of backend answers (reach_memo_lists): each sorted by strcmp, owned */
	char **memo_lists[REACH_MEMO_NLISTS];
	size_t memo_n[REACH_MEMO_NLISTS];
	unsigned *parents; /* oids of relations with inheritance children, sorted */
	size_t nparents;
};

static void free_reach(reach *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nentries; i++)
		free(r->names[i]);
	for (size_t i = 0; i < r->nfuncs; i++)
		free(r->funcs[i]);
	free(r->names);
	free(r->funcs);
	for (size_t l = 0; l < REACH_MEMO_NLISTS; l++) {
		for (size_t i = 0; i < r->memo_n[l]; i++)
			free(r->memo_lists[l][i]);
		free(r->memo_lists[l]);
	}
	free(r->parents);
	free(r->entries);
	free(r);
}

reach *reach_ref(reach *r)
{
	if (r != NULL)
		atomic_fetch_add(&r->refs, 1);
	return r;
}

void reach_unref(reach *r)
{
	if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1)
		free_reach(r);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const sqlfe_stmtclass_reach *)a)->name, ((const sqlfe_stmtclass_reach *)b)->name);
}

/* Run a catalog query; NULL with err. */
static PGresult *catalog_query(PGconn *pg, const char *what, const char *sql, cb_error *err)
{
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		cb_fail(err, "reading %s from the backend's catalog failed: %s", what, PQerrorMessage(pg));
		PQclear(res);
		return NULL;
	}
	return res;
}

static bool load_functions(reach *r, PGconn *pg, cb_error *err)
{
	size_t nv = 0;
	while (volatile_harmless[nv] != NULL)
		nv++;
	char *list = pgconn_text_array(volatile_harmless, nv);
	if (list == NULL)
		return cb_fail(err, "out of memory");
	const char *params[1] = {list};
	PGresult *res = PQexecParams(
	        pg,
	        "SELECT DISTINCT p.proname::text COLLATE \"C\" FROM pg_catalog.pg_proc p "
	        "WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.proname <> 'set_config' "
	        "AND (p.provolatile <> 'v' OR p.proname = ANY ($1::pg_catalog.name[])) "
	        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc q WHERE q.proname = p.proname "
	        "AND q.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace) ORDER BY 1",
	        1, NULL, params, NULL, NULL, 0);
	free(list);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		cb_fail(err, "reading the harmless functions from the backend's catalog failed: %s",
		        PQerrorMessage(pg));
		PQclear(res);
		return false;
	}
	size_t n = (size_t)PQntuples(res);
	r->funcs = calloc(n ? n : 1, sizeof(*r->funcs));
	bool ok = r->funcs != NULL;
	for (size_t i = 0; ok && i < n; i++)
		ok = (r->funcs[r->nfuncs++] = strdup(PQgetvalue(res, (int)i, 0))) != NULL;
	PQclear(res);
	if (!ok)
		return cb_fail(err, "out of memory reading the harmless functions");
	/* the server sorted them under "C", which is strcmp's order; make sure */
	qsort(r->funcs, r->nfuncs, sizeof(*r->funcs), cmp_str);
	return true;
}

/*
 * Built-in functions whose name says they read the clock, the session, the
 * server or the catalog (stable, yet their answer changes with no table
 * changing), and the functions named like date and time types (a call of
 * one of those on text is date and time input, which reads 'now').
 */
static const char *const memo_unsafe_prefixes[] = {"pg_",    "has_",  "current_", "session_", "inet_", "txid_",
                                                   "to_reg", "enum_", "xml",      "ts_stat",  "lo_",   NULL};
static const char *const memo_unsafe_names[] = {"now",
                                                "transaction_timestamp",
                                                "statement_timestamp",
                                                "timeofday",
                                                "age",
                                                "obj_description",
                                                "col_description",
                                                "shobj_description",
                                                "format_type",
                                                "version",
                                                "row_security_active",
                                                "date",
                                                "time",
                                                "timetz",
                                                "timestamp",
                                                "timestamptz",
                                                "make_timestamptz",
                                                "database_to_xml",
                                                "query_to_xml",
                                                "table_to_xml",
                                                "cursor_to_xml",
                                                "schema_to_xml",
                                                NULL};

static bool memo_unsafe(const char *name)
{
	for (size_t i = 0; memo_unsafe_prefixes[i] != NULL; i++)
		if (strncmp(name, memo_unsafe_prefixes[i], strlen(memo_unsafe_prefixes[i])) == 0)
			return true;
	for (size_t i = 0; memo_unsafe_names[i] != NULL; i++)
		if (strcmp(name, memo_unsafe_names[i]) == 0)
			return true;
	return strstr(name, "_to_xml") != NULL;
}

typedef enum take_filter {
	ALL,       /* every name */
	SAFE_ONLY, /* not those memo_unsafe() names */
	NOT_SAFE   /* not those in the safe function list (read before) */
} take_filter;

/* One column of names into list l, filtered; false when out of memory. */
static bool take_names(reach *r, int l, PGresult *res, take_filter filter)
{
	size_t n = (size_t)PQntuples(res);
	if ((r->memo_lists[l] = calloc(n ? n : 1, sizeof(char *))) == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *v = PQgetvalue(res, (int)i, 0);
		if ((filter == SAFE_ONLY && memo_unsafe(v)) ||
		    (filter == NOT_SAFE && r->memo_n[REACH_MEMO_SAFE_FUNCS] > 0 &&
		     bsearch(&v, r->memo_lists[REACH_MEMO_SAFE_FUNCS], r->memo_n[REACH_MEMO_SAFE_FUNCS], sizeof(char *),
		             cmp_str) != NULL))
			continue;
		if ((r->memo_lists[l][r->memo_n[l]] = strdup(v)) == NULL)
			return false;
		r->memo_n[l]++;
	}
	qsort(r->memo_lists[l], r->memo_n[l], sizeof(char *), cmp_str);
	return true;
}

static int cmp_oid(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/*
 * What the memo of backend answers needs (sql/memoable.h): the functions
 * whose every overload is a non-volatile built-in (in pg_catalog, with an
 * OID below FirstNormalObjectId, 16384: made by initdb, not by a
 * superuser or an extension later) and not memo_unsafe(); every other
 * function name; the operators whose every overload is such a built-in
 * with such a function; the relations with inheritance children.
 */
static bool load_memo(reach *r, PGconn *pg, cb_error *err)
{
	static const char *const sql[REACH_MEMO_NLISTS] = {
	        [REACH_MEMO_SAFE_FUNCS] =
	                "SELECT p.proname::text COLLATE \"C\" FROM pg_catalog.pg_proc p GROUP BY p.proname "
	                "HAVING bool_and(p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.provolatile <> "
	                "'v' AND p.prokind IN ('f', 'a', 'w') AND p.oid < 16384) ORDER BY 1",
	        [REACH_MEMO_OTHER_FUNCS] = /* all names; those in the safe list are dropped below */
	        "SELECT DISTINCT p.proname::text COLLATE \"C\" FROM pg_catalog.pg_proc p ORDER BY 1",
	        [REACH_MEMO_SAFE_OPS] =
	                "SELECT o.oprname::text COLLATE \"C\" FROM pg_catalog.pg_operator o LEFT JOIN "
	                "pg_catalog.pg_proc p ON p.oid = o.oprcode GROUP BY o.oprname HAVING bool_and(o.oprnamespace "
	                "= 'pg_catalog'::pg_catalog.regnamespace AND p.oid IS NOT NULL AND p.provolatile <> 'v' AND "
	                "p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND o.oid < 16384 AND p.oid < 16384) "
	                "ORDER BY 1"};
	for (int l = 0; l < REACH_MEMO_NLISTS; l++) {
		PGresult *res = catalog_query(pg, "the functions and operators the memo may call", sql[l], err);
		if (res == NULL)
			return false;
		bool ok = take_names(r, l, res,
		                     l == REACH_MEMO_SAFE_FUNCS    ? SAFE_ONLY
		                     : l == REACH_MEMO_OTHER_FUNCS ? NOT_SAFE
		                                                   : ALL);
		PQclear(res);
		if (!ok)
			return cb_fail(err, "out of memory reading the catalog");
	}
	PGresult *res = catalog_query(pg, "the relations with inheritance children",
	                              "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relhassubclass", err);
	if (res == NULL)
		return false;
	size_t n = (size_t)PQntuples(res);
	r->parents = calloc(n ? n : 1, sizeof(unsigned));
	for (size_t i = 0; r->parents != NULL && i < n; i++)
		r->parents[r->nparents++] = (unsigned)strtoul(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	if (r->parents == NULL)
		return cb_fail(err, "out of memory reading the catalog");
	qsort(r->parents, r->nparents, sizeof(unsigned), cmp_oid);
	return true;
}

static rel *find_rel(rel *rels, unsigned oid)
{
	rel *x;
	HASH_FIND(hh, rels, &oid, sizeof(oid), x);
	return x;
}

/* Add edge from -> to (truncate_only: only TRUNCATE CASCADE follows it). */
static bool add_edge(rel *all, size_t from, size_t to, bool truncate_only)
{
	rel *f = &all[from];
	if (!CB_ARRAY_GROW(f->tout, f->toutcap, f->ntout + 1))
		return false;
	f->tout[f->ntout++] = to;
	if (truncate_only)
		return true;
	if (!CB_ARRAY_GROW(f->out, f->outcap, f->nout + 1))
		return false;
	f->out[f->nout++] = to;
	return true;
}

/*
 * From relation start, every relation the edges reach (truncate: the
 * TRUNCATE edges) into masks; *any when one of them may write anything.
 */
static void closure(rel *all, size_t nall, size_t start, bool truncate, uint64_t *masks, bool *any, size_t *stack,
                    unsigned char *seen)
{
	memset(seen, 0, nall);
	size_t sp = 0;
	stack[sp++] = start;
	seen[start] = 1;
	while (sp > 0) {
		rel *x = &all[stack[--sp]];
		*any = *any || x->any;
		if (x->cache_group >= 0)
			masks[x->cache_group] |= (uint64_t)1 << x->cache_table;
		size_t n = truncate ? x->ntout : x->nout;
		const size_t *next = truncate ? x->tout : x->out;
		for (size_t i = 0; i < n; i++)
			if (!seen[next[i]]) {
				seen[next[i]] = 1;
				stack[sp++] = next[i];
			}
	}
}

/* The entries: one per name of a relation whose write reaches more than itself, sorted by name. */
static bool compute_entries(reach *r, rel *all, size_t nall, size_t ngroups, cb_error *err)
{
	size_t *stack = malloc(sizeof(*stack) * (nall ? nall : 1));
	unsigned char *seen = malloc(nall ? nall : 1);
	r->entries = calloc(nall ? nall : 1, sizeof(*r->entries));
	r->names = calloc(nall ? nall : 1, sizeof(*r->names));
	bool ok = stack != NULL && seen != NULL && r->entries != NULL && r->names != NULL;
	for (size_t i = 0; ok && i < nall; i++) {
		rel *x = &all[i];
		sqlfe_stmtclass_reach e;
		memset(&e, 0, sizeof(e));
		closure(all, nall, i, false, e.writes, &e.any, stack, seen);
		bool tany = false;
		closure(all, nall, i, true, e.truncates, &tany, stack, seen);
		/* only what reaches more than the relation itself needs an entry */
		uint64_t self[SQLFE_STMTCLASS_MAX_GROUPS] = {0};
		if (x->cache_group >= 0)
			self[x->cache_group] = (uint64_t)1 << x->cache_table;
		bool more = e.any;
		for (size_t g = 0; g < ngroups; g++)
			more = more || (e.writes[g] & ~self[g]) != 0 || (e.truncates[g] & ~self[g]) != 0;
		if (!more)
			continue;
		/* one entry per name: merge with an earlier relation of the same name */
		sqlfe_stmtclass_reach *same = NULL;
		for (size_t k = 0; k < r->nentries && same == NULL; k++)
			if (strcmp(r->names[k], x->name) == 0)
				same = &r->entries[k];
		if (same == NULL) {
			if ((r->names[r->nentries] = strdup(x->name)) == NULL) {
				ok = false;
				break;
			}
			same = &r->entries[r->nentries];
			memset(same, 0, sizeof(*same));
			same->name = r->names[r->nentries++];
		}
		same->any = same->any || e.any;
		for (size_t g = 0; g < ngroups; g++) {
			same->writes[g] |= e.writes[g];
			same->truncates[g] |= e.truncates[g];
		}
	}
	free(stack);
	free(seen);
	if (!ok)
		return cb_fail(err, "out of memory computing where writes reach");
	qsort(r->entries, r->nentries, sizeof(*r->entries), cmp_entry);
	/* names[] was in insertion order; the entries point into it, which is all that matters */
	return true;
}

static bool load_relations(reach *r, PGconn *pg, cg_group *const *groups, size_t ngroups, cb_error *err)
{
	/* every relation that has a trigger, a rule, is a view, or is an end of a foreign key or inheritance */
	PGresult *rels = catalog_query(
	        pg, "the relations",
	        "SELECT c.oid, c.relname, c.relkind = 'v' OR EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE "
	        "t.tgrelid = c.oid AND NOT t.tgisinternal) OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE "
	        "w.ev_class = c.oid AND w.rulename <> '_RETURN') FROM pg_catalog.pg_class c "
	        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relnamespace <> "
	        "'pg_catalog'::pg_catalog.regnamespace AND c.relnamespace <> "
	        "'information_schema'::pg_catalog.regnamespace",
	        err);
	if (rels == NULL)
		return false;
	PGresult *edges = catalog_query(pg, "the foreign keys and inheritance",
	                                "SELECT confrelid, conrelid, NOT (confupdtype IN ('c', 'n', 'd') OR "
	                                "confdeltype IN ('c', 'n', 'd')) FROM pg_catalog.pg_constraint WHERE "
	                                "contype = 'f' UNION ALL SELECT inhparent, inhrelid, false FROM "
	                                "pg_catalog.pg_inherits",
	                                err);
	if (edges == NULL) {
		PQclear(rels);
		return false;
	}
	size_t nall = (size_t)PQntuples(rels);
	rel *all = calloc(nall ? nall : 1, sizeof(*all));
	rel *index = NULL;
	bool ok = all != NULL;
	for (size_t i = 0; ok && i < nall; i++) {
		rel *x = &all[i];
		x->oid = (unsigned)strtoul(PQgetvalue(rels, (int)i, 0), NULL, 10);
		x->name = PQgetvalue(rels, (int)i, 1); /* lives as long as rels */
		x->any = PQgetvalue(rels, (int)i, 2)[0] == 't';
		x->cache_group = x->cache_table = -1;
		HASH_ADD(hh, index, oid, sizeof(x->oid), x);
	}
	for (size_t g = 0; ok && g < ngroups && g < SQLFE_STMTCLASS_MAX_GROUPS; g++)
		for (size_t t = 0; t < groups[g]->ntables && t < 64; t++) {
			rel *x = find_rel(index, groups[g]->tables[t].oid);
			if (x != NULL) {
				x->cache_group = (int)g;
				x->cache_table = (int)t;
			}
		}
	for (int i = 0; ok && i < PQntuples(edges); i++) {
		rel *from = find_rel(index, (unsigned)strtoul(PQgetvalue(edges, i, 0), NULL, 10));
		rel *to = find_rel(index, (unsigned)strtoul(PQgetvalue(edges, i, 1), NULL, 10));
		if (from != NULL && to != NULL)
			ok = add_edge(all, (size_t)(from - all), (size_t)(to - all), PQgetvalue(edges, i, 2)[0] == 't');
	}
	if (ok)
		ok = compute_entries(r, all, nall, ngroups, err);
	else
		cb_fail(err, "out of memory reading where writes reach");
	HASH_CLEAR(hh, index);
	for (size_t i = 0; all != NULL && i < nall; i++) {
		free(all[i].out);
		free(all[i].tout);
	}
	free(all);
	PQclear(edges);
	PQclear(rels);
	return ok;
}

reach *reach_load(PGconn *pg, cg_group *const *groups, size_t ngroups, cb_error *err)
{
	reach *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		cb_fail(err, "out of memory");
		return NULL;
	}
	atomic_init(&r->refs, 1);
	if (!load_functions(r, pg, err) || !load_memo(r, pg, err) || !load_relations(r, pg, groups, ngroups, err)) {
		free_reach(r);
		return NULL;
	}
	return r;
}

void reach_apply(const reach *r, sqlfe_stmtclass_tables *t)
{
	t->reach = r != NULL ? r->entries : NULL;
	t->nreach = r != NULL ? r->nentries : 0;
	t->harmless = r != NULL ? (const char *const *)r->funcs : NULL;
	t->nharmless = r != NULL ? r->nfuncs : 0;
}

size_t reach_relations(const reach *r)
{
	return r->nentries;
}

size_t reach_functions(const reach *r)
{
	return r->nfuncs;
}

const char *const *reach_memo_list(const reach *r, int which, size_t *n)
{
	*n = r != NULL ? r->memo_n[which] : 0;
	return r != NULL ? (const char *const *)r->memo_lists[which] : NULL;
}

bool reach_has_children(const reach *r, unsigned oid)
{
	return r != NULL && r->nparents > 0 &&
	       bsearch(&oid, r->parents, r->nparents, sizeof(unsigned), cmp_oid) != NULL;
}
