/*
 * catalog.c - resolve cache groups against the backend's catalog (libpq).
 *
 * Functions prefix: cg_catalog_
 */
#include "cachegroup/catalog.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/sb.h"
#include "common/pgtype.h"

#define OID_BOOL 16
#define OID_BPCHAR 1042
#define OID_VARCHAR 1043

static const char q_table[] =
        "SELECT c.oid, n.nspname, c.relkind, c.relrowsecurity, pg_catalog.has_table_privilege(c.oid, 'SELECT')"
        " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relname = $1 AND CASE WHEN $2::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid)"
        " ELSE n.nspname = $2::text END";

static const char q_columns[] =
        "SELECT a.attnum, a.attname, a.atttypid, a.atttypmod,"
        " pg_catalog.format_type(a.atttypid, a.atttypmod), pg_catalog.format_type(a.atttypid, NULL),"
        " a.attnotnull, t.typarray, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END,"
        " COALESCE(b.typcategory, t.typcategory),"
        " COALESCE((SELECT co.collisdeterministic FROM pg_catalog.pg_collation co WHERE co.oid = a.attcollation), "
        "true),"
        " CASE WHEN a.attcollation = 0 THEN 'n' WHEN a.attcollation = 100 THEN 'd'"
        " WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_collation co WHERE co.oid = a.attcollation"
        " AND co.collprovider = 'c' AND co.collcollate IN ('C', 'POSIX')) THEN 'c' ELSE 'o' END"
        " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
        " LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype"
        " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

static const char q_keys[] = "SELECT i.indisprimary, i.indnkeyatts, i.indkey::text FROM pg_catalog.pg_index i"
                             " WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid"
                             " AND i.indpred IS NULL AND i.indexprs IS NULL"
                             " ORDER BY i.indisprimary DESC, i.indexrelid";

/* Whether a foreign key of $1 (column attnum $3), not deferrable, references $2 (column attnum $4). */
static const char q_rcc_fk[] = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.contype = 'f'"
                               " AND NOT c.condeferrable AND c.conrelid = $1::oid AND c.confrelid = $2::oid"
                               " AND c.conkey = ARRAY[$3::int2] AND c.confkey = ARRAY[$4::int2])";

typedef struct resolver {
	PGconn *conn;
	cg_diags *d;
	bool ok;
	bool fatal; /* the backend failed or memory ran out: stop */
} resolver;

CB_PRINTF(4, 5) static void err(resolver *rs, cg_pos pos, const char *hint, const char *fmt, ...);

static void err(resolver *rs, cg_pos pos, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool added = cg_diag_addv(rs->d, pos, hint, 1024, fmt, ap);
	va_end(ap);
	rs->ok = false;
	if (!added)
		rs->fatal = true;
}

/* The first line of the backend's error message (no trailing newline). */
static void backend_message(PGconn *conn, const PGresult *res, char *buf, size_t sz)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (m == NULL)
		m = PQerrorMessage(conn);
	snprintf(buf, sz, "%s", m);
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
}

/* Run a catalog query with text parameters; NULL after reporting at pos. */
static PGresult *query(resolver *rs, cg_pos pos, const char *sql, int nparams, const char *const *values)
{
	PGresult *res = PQexecParams(rs->conn, sql, nparams, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		char msg[512];
		backend_message(rs->conn, res, msg, sizeof(msg));
		err(rs, pos, "check the backend connection and that the role may read the system catalogs",
		    "catalog query failed on the backend: %s", msg);
		rs->fatal = true;
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Run a catalog query whose one parameter is the oid of table t; NULL after reporting. */
static PGresult *query_table(resolver *rs, const cg_table *t, const char *sql)
{
	char oidbuf[16];
	snprintf(oidbuf, sizeof(oidbuf), "%u", t->oid);
	const char *params[1] = {oidbuf};
	return query(rs, t->pos, sql, 1, params);
}

static char *dup_or_fatal(resolver *rs, const char *s)
{
	char *r = strdup(s);
	if (r == NULL) {
		rs->d->oom = true;
		rs->ok = false;
		rs->fatal = true;
	}
	return r;
}

/* The labels of enum column c, in their sort order. */
static void load_enum(resolver *rs, const cg_table *t, cg_column *c)
{
	char oidbuf[16];
	snprintf(oidbuf, sizeof(oidbuf), "%u", c->base_oid);
	const char *params[1] = {oidbuf};
	PGresult *res = query(rs, t->pos, CG_CATALOG_ENUM_LABELS, 1, params);
	if (res == NULL)
		return;
	int n = PQntuples(res);
	if ((c->enum_labels = calloc((size_t)n + 1, sizeof(*c->enum_labels))) == NULL) {
		rs->d->oom = true;
		rs->fatal = true;
	}
	for (int i = 0; i < n && !rs->fatal; i++)
		if ((c->enum_labels[c->nenum_labels] = dup_or_fatal(rs, PQgetvalue(res, i, 0))) != NULL)
			c->nenum_labels++;
	PQclear(res);
}

static void load_columns(resolver *rs, cg_table *t)
{
	PGresult *res = query_table(rs, t, q_columns);
	if (res == NULL)
		return;
	int n = PQntuples(res);
	t->cols = calloc((size_t)n + 1, sizeof(cg_column));
	if (t->cols == NULL) {
		rs->d->oom = true;
		rs->fatal = true;
		PQclear(res);
		return;
	}
	for (int i = 0; i < n && !rs->fatal; i++) {
		cg_column *c = &t->cols[t->ncols++];
		c->attnum = atoi(PQgetvalue(res, i, 0));
		c->name = dup_or_fatal(rs, PQgetvalue(res, i, 1));
		c->type_oid = (uint32_t)strtoul(PQgetvalue(res, i, 2), NULL, 10);
		c->typmod = (int32_t)atoi(PQgetvalue(res, i, 3));
		c->type_name = dup_or_fatal(rs, PQgetvalue(res, i, 4));
		c->type_base = dup_or_fatal(rs, PQgetvalue(res, i, 5));
		c->not_null = PQgetvalue(res, i, 6)[0] == 't';
		c->array_oid = (uint32_t)strtoul(PQgetvalue(res, i, 7), NULL, 10);
		c->base_oid = (uint32_t)strtoul(PQgetvalue(res, i, 8), NULL, 10);
		c->category = PQgetvalue(res, i, 9)[0];
		c->nondeterministic = PQgetvalue(res, i, 10)[0] == 'f';
		switch (PQgetvalue(res, i, 11)[0]) {
		case 'n':
			c->collation = CG_COLL_NONE;
			break;
		case 'd':
			c->collation = CG_COLL_DEFAULT;
			break;
		case 'c':
			c->collation = CG_COLL_C;
			break;
		default:
			c->collation = CG_COLL_OTHER;
			break;
		}
		c->storage = pgtype_storage_of(c->base_oid);
		if (c->category == 'E')
			load_enum(rs, t, c);
	}
	PQclear(res);
}

static int col_by_attnum(const cg_table *t, int attnum)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].attnum == attnum)
			return (int)i;
	return -1;
}

static void load_keys(resolver *rs, cg_table *t)
{
	PGresult *res = query_table(rs, t, q_keys);
	if (res == NULL)
		return;
	for (int i = 0; i < PQntuples(res); i++) {
		bool primary = PQgetvalue(res, i, 0)[0] == 't';
		int nkey = atoi(PQgetvalue(res, i, 1));
		int cols[64];
		int nc = 0;
		const char *p = PQgetvalue(res, i, 2);
		while (*p && nc < nkey && nc < 64) {
			char *end;
			long a = strtol(p, &end, 10);
			if (end == p)
				break;
			cols[nc++] = col_by_attnum(t, (int)a);
			p = end;
		}
		if (nc == 1 && cols[0] >= 0)
			t->cols[cols[0]].unique = true;
		if (primary && t->pk == NULL && nc > 0) {
			t->pk = malloc((size_t)nc * sizeof(int));
			if (t->pk == NULL) {
				rs->d->oom = true;
				rs->fatal = true;
				break;
			}
			for (int k = 0; k < nc; k++)
				t->pk[k] = cols[k];
			t->npk = (size_t)nc;
		}
	}
	PQclear(res);
}

static void resolve_table(resolver *rs, cg_table *t)
{
	const char *params[2] = {t->name, t->schema};
	PGresult *res = query(rs, t->pos, q_table, 2, params);
	if (res == NULL)
		return;
	char *disp = cg_model_table_display(t);
	const char *name = disp ? disp : t->name;
	if (PQntuples(res) == 0) {
		if (t->schema)
			err(rs, t->pos,
			    "create the table on the backend or fix the name (unquoted names are folded to lower case)",
			    "table %s does not exist on the backend", name);
		else
			err(rs, t->pos,
			    "create the table on the backend, fix the name (unquoted names are folded to lower case), "
			    "or "
			    "qualify it with its schema if that schema is not on the search_path",
			    "table %s does not exist on the backend (searched the search_path)", name);
		goto out;
	}
	char kind = PQgetvalue(res, 0, 2)[0];
	if (kind != 'r' && kind != 'p') {
		const char *what = kind == 'v'   ? "a view"
		                   : kind == 'm' ? "a materialized view"
		                   : kind == 'f' ? "a foreign table"
		                                 : "not a table";
		err(rs, t->pos, "cache only ordinary or partitioned tables; remove this line",
		    "%s is %s on the backend", name, what);
		goto out;
	}
	t->oid = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	t->nspname = dup_or_fatal(rs, PQgetvalue(res, 0, 1));
	if (PQgetvalue(res, 0, 3)[0] == 't') {
		err(rs, t->pos,
		    "the cache cannot enforce row-level security policies: disable row-level security on the table "
		    "(ALTER TABLE ... DISABLE ROW LEVEL SECURITY) or remove it from the cache group",
		    "table %s has row-level security enabled", name);
		goto out;
	}
	if (PQgetvalue(res, 0, 4)[0] != 't') {
		err(rs, t->pos, "grant the backend role SELECT on the table (GRANT SELECT ON ... TO ...), or remove it",
		    "the backend role may not read table %s", name);
		goto out;
	}
	load_columns(rs, t);
	if (rs->fatal)
		goto out;
	load_keys(rs, t);
	if (rs->fatal)
		goto out;
	if (t->npk == 0) {
		err(rs, t->pos,
		    "every cache table needs a primary key: add one on the backend (ALTER TABLE ... ADD PRIMARY KEY) "
		    "or "
		    "remove the table from the cache group",
		    "table %s has no primary key", name);
		goto out;
	}
	t->resolved = true;
out:
	free(disp);
	PQclear(res);
}

/* Find column name in t; report at pos when missing.  -1 when missing. */
static int resolve_column(resolver *rs, const cg_table *t, const char *column, cg_pos pos)
{
	int c = cg_model_find_column(t, column);
	if (c >= 0)
		return c;
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "fix the name (unquoted names are folded to lower case); the table's columns are: ");
	for (size_t i = 0; i < t->ncols; i++) {
		char *q = cg_model_quote_ident(t->cols[i].name);
		cb_sb_printf(&sb, "%s%s", i ? ", " : "", q ? q : t->cols[i].name);
		free(q);
	}
	char *hint = cb_sb_finish(&sb);
	char *disp = cg_model_table_display(t);
	err(rs, pos, hint, "column \"%s\" does not exist in table %s", column, disp ? disp : t->name);
	free(disp);
	free(hint);
	return -1;
}

/* Count UTF-8 code points. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Check each value of a restricted fill against the column's type. */
static void check_values(resolver *rs, cg_group *g, cg_fill *f)
{
	const cg_table *t = &g->tables[f->table];
	const cg_column *c = &t->cols[f->col];
	Oid types[1] = {c->type_oid};
	for (size_t i = 0; i < f->nvalues && !rs->fatal; i++) {
		cg_value *v = &f->values[i];
		if (!v->is_string && c->category != 'N') {
			err(rs, v->pos, "write the value as a 'string', or fill a numeric column",
			    "value %s is a number, but column %s.%s has type %s", v->text, t->name, c->name,
			    c->type_name);
			continue;
		}
		const char *params[1] = {v->text};
		PGresult *res = PQexecParams(rs->conn, "SELECT $1", 1, types, params, NULL, NULL, 0);
		ExecStatusType st = PQresultStatus(res);
		if (st != PGRES_TUPLES_OK) {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			char msg[512];
			backend_message(rs->conn, res, msg, sizeof(msg));
			/* class 22 (data exception): the value is bad; anything else is the backend's trouble */
			if (state && strncmp(state, "22", 2) == 0) {
				err(rs, v->pos, "write a value of the column's type, or remove it from the list",
				    "value %s%s%s is not a valid %s for column %s.%s: %s", v->is_string ? "'" : "",
				    v->text, v->is_string ? "'" : "", c->type_name, t->name, c->name, msg);
			} else {
				err(rs, v->pos, "check the backend connection",
				    "checking value %s on the backend failed: %s", v->text, msg);
				rs->fatal = true;
			}
			PQclear(res);
			continue;
		}
		const char *canon = PQgetvalue(res, 0, 0);
		if ((c->base_oid == OID_VARCHAR || c->base_oid == OID_BPCHAR) && c->typmod >= 4 &&
		    utf8_len(canon) > (size_t)(c->typmod - 4)) {
			err(rs, v->pos, "no row can hold this value: shorten it or remove it from the list",
			    "value '%s' is longer than column %s.%s allows (%s)", v->text, t->name, c->name,
			    c->type_name);
		} else {
			free(v->canonical);
			v->canonical = dup_or_fatal(rs, canon);
			for (size_t j = 0; j < i && v->canonical; j++) {
				if (f->values[j].canonical && strcmp(f->values[j].canonical, v->canonical) == 0) {
					err(rs, v->pos, "list each value once",
					    "value %s is the same %s as the value at column %d", v->text, c->type_name,
					    f->values[j].pos.col);
					break;
				}
			}
		}
		PQclear(res);
	}
}

/* Whether the cache can compare values of column c exactly (common/pgtype.h). */
static bool exact_type(const cg_column *c)
{
	const pgtype *ti = pgtype_lookup(c->base_oid);
	return ti != NULL && (ti->flags & PGTYPE_EXACT_EQ);
}

static bool is_text_like(uint32_t oid)
{
	return oid == 25 || oid == OID_VARCHAR;
}

/* A fill column or RCC end must be compared exactly in SQLite: the probe,
 * the hit counter and the eviction sweep match its values there. */
static bool check_key_column(resolver *rs, const cg_table *t, const cg_column *c, cg_pos pos, const char *what)
{
	if (c->nondeterministic) {
		err(rs, pos,
		    "use a column with a deterministic collation (the default), or drop it from the cache group",
		    "%s %s.%s has a nondeterministic collation: values equal on the backend can differ in the cache",
		    what, t->name, c->name);
		return false;
	}
	if (exact_type(c))
		return true;
	err(rs, pos,
	    "use a column of an integer, text, character varying, date, timestamp, uuid or boolean type (see "
	    "common/pgtype.h)",
	    "%s %s.%s has type %s, whose equal values need not have equal text (e.g. 1.0 and 1.00): the cache could "
	    "not keep it exact",
	    what, t->name, c->name, c->type_name);
	return false;
}

/* Whether `src = dst` resolves to a boolean operator on the backend. */
static void check_rcc_types(resolver *rs, cg_group *g, cg_rcc *r)
{
	const cg_table *s = &g->tables[r->src], *t = &g->tables[r->dst];
	const cg_column *a = &s->cols[r->src_col], *b = &t->cols[r->dst_col];
	bool src_ok = check_key_column(rs, s, a, r->src_pos, "RCC source");
	bool dst_ok = check_key_column(rs, t, b, r->dst_pos, "RCC target");
	if (!src_ok || !dst_ok)
		return;
	Oid types[2] = {a->type_oid, b->type_oid};
	PGresult *res = PQprepare(rs->conn, "", "SELECT $1 = $2", 2, types);
	ExecStatusType st = PQresultStatus(res);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	bool type_error = st != PGRES_COMMAND_OK && state && strncmp(state, "42", 2) == 0;
	if (st != PGRES_COMMAND_OK && !type_error) {
		char msg[512];
		backend_message(rs->conn, res, msg, sizeof(msg));
		err(rs, r->pos, "check the backend connection", "checking the RCC's types on the backend failed: %s",
		    msg);
		rs->fatal = true;
		PQclear(res);
		return;
	}
	PQclear(res);
	bool boolean = false;
	if (!type_error) {
		res = PQdescribePrepared(rs->conn, "");
		boolean = PQresultStatus(res) == PGRES_COMMAND_OK && PQnfields(res) == 1 && PQftype(res, 0) == OID_BOOL;
		PQclear(res);
	}
	bool same_class = (a->base_oid == b->base_oid && (a->base_oid != OID_BPCHAR || a->typmod == b->typmod)) ||
	                  (a->storage == PGTYPE_ST_INTEGER && b->storage == PGTYPE_ST_INTEGER) ||
	                  (is_text_like(a->base_oid) && is_text_like(b->base_oid));
	if (boolean && !same_class)
		err(rs, r->dst_pos,
		    "connect columns of the same type (integers of any width, or text and character varying)",
		    "RCC %s.%s -> %s.%s connects %s and %s: their values are compared differently in the cache",
		    s->name, a->name, t->name, b->name, a->type_name, b->type_name);
	if (!boolean)
		err(rs, r->dst_pos,
		    "connect columns whose values can be compared, e.g. a foreign key and the key it references",
		    "RCC %s.%s -> %s.%s connects incomparable types: %s and %s have no = operator on the backend",
		    s->name, a->name, t->name, b->name, a->type_name, b->type_name);
}

/* Report table i of group gi when an earlier declaration (same group
 * first, then earlier groups) names the same backend table. */
static void check_unique_table(resolver *rs, cg_group **groups, size_t gi, size_t i)
{
	const cg_table *t = &groups[gi]->tables[i];
	if (t->oid == 0)
		return;
	for (size_t k = 0; k <= gi; k++) {
		size_t gj = gi - k; /* this group, then the earlier ones */
		size_t lim = gj == gi ? i : groups[gj]->ntables;
		for (size_t j = 0; j < lim; j++) {
			const cg_table *o = &groups[gj]->tables[j];
			if (o->oid != t->oid)
				continue;
			char *td = cg_model_table_display(t), *od = cg_model_table_display(o);
			if (gj == gi)
				err(rs, t->pos, "declare each table once",
				    "table %s is backend table %s.%s, already declared on line %d as %s",
				    td ? td : t->name, t->nspname, t->name, o->pos.line, od ? od : o->name);
			else
				err(rs, t->pos,
				    "a backend table belongs to one cache group only: remove it from one group",
				    "table %s.%s is already in cache group \"%s\" (%s:%d)", t->nspname, t->name,
				    groups[gj]->name ? groups[gj]->name : "", groups[gj]->file, o->pos.line);
			free(td);
			free(od);
			return;
		}
	}
}

static void resolve_rcc_fk(resolver *rs, cg_group *g, cg_rcc *r)
{
	const cg_table *s = &g->tables[r->src], *t = &g->tables[r->dst];
	char src_oid[16], dst_oid[16], src_att[16], dst_att[16];
	snprintf(dst_oid, sizeof(dst_oid), "%u", t->oid);
	snprintf(src_oid, sizeof(src_oid), "%u", s->oid);
	snprintf(dst_att, sizeof(dst_att), "%d", t->cols[r->dst_col].attnum);
	snprintf(src_att, sizeof(src_att), "%d", s->cols[r->src_col].attnum);
	const char *params[4] = {dst_oid, src_oid, dst_att, src_att};
	PGresult *res = query(rs, r->pos, q_rcc_fk, 4, params);
	if (res == NULL)
		return;
	r->dst_references_src = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
}

bool cg_catalog_resolve(PGconn *conn, cg_group **groups, size_t n, cg_diags *d)
{
	resolver rs = {conn, d, true, false};
	for (size_t gi = 0; gi < n && !rs.fatal; gi++) {
		cg_group *g = groups[gi];
		for (size_t i = 0; i < g->ntables && !rs.fatal; i++)
			resolve_table(&rs, &g->tables[i]);
		for (size_t i = 0; i < g->nfills && !rs.fatal; i++) {
			cg_fill *f = &g->fills[i];
			if (f->table >= g->ntables || !g->tables[f->table].resolved)
				continue;
			f->col = resolve_column(&rs, &g->tables[f->table], f->column, f->col_pos);
			if (f->col >= 0 &&
			    check_key_column(&rs, &g->tables[f->table], &g->tables[f->table].cols[f->col], f->col_pos,
			                     "fill column"))
				check_values(&rs, g, f);
		}
		for (size_t i = 0; i < g->nrccs && !rs.fatal; i++) {
			cg_rcc *r = &g->rccs[i];
			if (r->src < g->ntables && g->tables[r->src].resolved)
				r->src_col = resolve_column(&rs, &g->tables[r->src], r->src_column, r->src_pos);
			if (r->dst < g->ntables && g->tables[r->dst].resolved)
				r->dst_col = resolve_column(&rs, &g->tables[r->dst], r->dst_column, r->dst_pos);
			if (r->src_col >= 0 && r->dst_col >= 0) {
				check_rcc_types(&rs, g, r);
				resolve_rcc_fk(&rs, g, r);
			}
		}
	}
	/* a backend table belongs to one cache group only, under one name */
	for (size_t gi = 0; gi < n && !rs.fatal; gi++)
		for (size_t i = 0; i < groups[gi]->ntables; i++)
			check_unique_table(&rs, groups, gi, i);
	if (d->oom)
		return false;
	return rs.ok && !rs.fatal;
}
