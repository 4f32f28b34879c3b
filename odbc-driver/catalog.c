/*
 * catalog.c - the ODBC catalog functions, answering what psqlODBC answers.
 *
 * Functions prefix: cat_
 *
 * Most result sets are built in the driver (as psqlODBC builds them): the
 * rows of a query on pg_catalog are turned into the ODBC columns, whose
 * types and sizes are psqlODBC's (VARCHAR(128) names, INT2/INT4 numbers)
 * and whose type columns follow the type rules of pgtypes.c.  SQLProcedures,
 * SQLForeignKeys and SQLColumnPrivileges hand out a query's own result, as
 * psqlODBC does.  Every name or pattern the application passes reaches
 * PostgreSQL as a bound parameter.
 *
 * psqlODBC's argument rules, kept here: a search pattern uses '\' as its
 * escape (a '\' before anything but '%' and '_' is a literal backslash);
 * SQL_ATTR_METADATA_ID makes arguments exact names; a missing schema means
 * current_schema() when a table name is given; when the schema is the
 * user's name and nothing was found, "public" is tried; and when a
 * function found nothing, it runs again with upper-case names folded to
 * lower case (any name with upper-case letters under LowerCaseIdentifier).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sb.h"
#include "odbc-driver/catalog.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/pgtypes.h"
#include "odbc-driver/results.h"
#include "odbc-driver/statement.h"

/* --- building result sets ----------------------------------------------------------------- */

PGresult *cat_result_new(cbo_stmt *st, const cat_def *defs, int n)
{
	bool odbc2 = st->dbc->env->odbc_version == SQL_OV_ODBC2;
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return NULL;
	PGresAttDesc *att = calloc((size_t)n, sizeof(*att));
	if (att == NULL) {
		PQclear(res);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		att[i].name = (char *)(odbc2 && defs[i].name2 ? defs[i].name2 : defs[i].name3);
		att[i].typid = defs[i].type;
		att[i].typlen = defs[i].type == CBO_INT2OID ? 2 : defs[i].type == CBO_INT4OID ? 4 : -1;
		att[i].atttypmod = -1;
	}
	int ok = PQsetResultAttrs(res, n, att);
	free(att);
	if (!ok) {
		PQclear(res);
		return NULL;
	}
	return res;
}

bool cat_set(PGresult *res, int row, int col, const char *value)
{
	if (value == NULL)
		return PQsetvalue(res, row, col, NULL, -1) != 0;
	return PQsetvalue(res, row, col, (char *)value, (int)strlen(value)) != 0;
}

bool cat_set_int(PGresult *res, int row, int col, long value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", value);
	return cat_set(res, row, col, buf);
}

bool cat_set_nint(PGresult *res, int row, int col, long value)
{
	return value == -1 ? cat_set(res, row, col, NULL) : cat_set_int(res, row, col, value);
}

static SQLRETURN cat_oom(cbo_stmt *st)
{
	return diag_add(&st->diag, "HY001", "out of memory building a catalog result");
}

SQLRETURN cat_install(cbo_stmt *st, PGresult *res, const cat_def *defs, int n)
{
	stmt_set_result(st, res, true);
	if (!st->executed)
		return SQL_ERROR;
	stmt_res *r = &st->results[0];
	r->fieldsize = malloc((size_t)n * sizeof(int));
	if (r->fieldsize == NULL)
		return cat_oom(st);
	for (int i = 0; i < n; i++)
		r->fieldsize[i] = defs[i].size;
	r->nfieldsize = n;
	return SQL_SUCCESS;
}

/* Install a result whose rows were filled from the query's rows, which go
 * (ok false: memory ran out and the result goes too). */
static SQLRETURN cat_finish(cbo_stmt *st, PGresult *rows, PGresult *res, bool ok, const cat_def *defs, int n)
{
	PQclear(rows);
	if (!ok) {
		PQclear(res);
		return cat_oom(st);
	}
	return cat_install(st, res, defs, n);
}

/* A query's own result as the statement's result set (NULL: the query
 * failed, its diagnostic added). */
static SQLRETURN cat_install_query(cbo_stmt *st, PGresult *res)
{
	if (res == NULL)
		return SQL_ERROR;
	stmt_set_result(st, res, false);
	return st->executed ? SQL_SUCCESS : SQL_ERROR;
}

/* --- arguments ---------------------------------------------------------------------------- */

char *cat_like_pattern(const char *p)
{
	if (p == NULL)
		return NULL;
	char *out = malloc(2 * strlen(p) + 2);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	bool esc = false;
	for (; *p; p++) {
		if (esc && *p != '%' && *p != '_')
			out[n++] = '\\';
		if (*p == '\\') {
			esc = true;
			out[n++] = '\\';
		} else {
			esc = false;
			out[n++] = *p;
		}
	}
	if (esc)
		out[n++] = '\\';
	out[n] = '\0';
	return out;
}

char *cat_lower_retry_name(const char *name, bool any_case)
{
	if (name == NULL || name[0] == '\0')
		return NULL;
	char *out = NULL;
	for (size_t i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 0x80)
			continue;
		if (!any_case && islower(c)) {
			free(out);
			return NULL;
		}
		if (tolower(c) != c) {
			if (out == NULL && (out = strdup(name)) == NULL)
				return NULL;
			out[i] = (char)tolower(c);
		}
	}
	return out;
}

/* Whether an argument names something: given, and not an empty string of
 * length 0 (psqlODBC's TABLE_IS_VALID). */
static bool cat_valid(const cat_args *a, int i)
{
	return a->s[i] != NULL && (a->len[i] > 0 || a->len[i] == SQL_NTS);
}

/* The schema argument i; one passed with length 0 counts as not given. */
static const char *cat_schema_arg(const cat_args *a, int i)
{
	return a->s[i] != NULL && a->len[i] == 0 ? NULL : a->s[i];
}

/* A search pattern or, under SQL_ATTR_METADATA_ID, an exact name. */
typedef struct cat_name {
	char *v;        /* the parameter value; NULL when no argument */
	const char *op; /* "LIKE" or "=" */
} cat_name;

static bool cat_name_make(cbo_stmt *st, const char *arg, bool pattern, cat_name *out)
{
	out->op = pattern ? "LIKE" : "=";
	out->v = NULL;
	if (arg == NULL)
		return true;
	out->v = pattern ? cat_like_pattern(arg) : strdup(arg);
	return out->v != NULL;
}

/* A schema's and an object's name (cat_name_make); false when memory ran
 * out: the diagnostic added and neither kept. */
static bool cat_names_make(cbo_stmt *st, bool pattern, const char *schema, const char *name, cat_name *nsp,
                           cat_name *nm)
{
	nsp->v = NULL;
	nm->v = NULL;
	if (cat_name_make(st, schema, pattern, nsp) && cat_name_make(st, name, pattern, nm))
		return true;
	free(nsp->v);
	free(nm->v);
	nsp->v = NULL;
	nm->v = NULL;
	cat_oom(st);
	return false;
}

/* --- queries with bound parameters --------------------------------------------------------- */

/* A catalog query: its text (q_add) and its parameters (q_param), run
 * once by q_run.  Zero-initialised it is empty. */
typedef struct cat_q {
	cb_sb sql;
	const char *vals[12];
	int n;
	bool overflow;
} cat_q;

#define q_add(q, ...) cb_sb_printf(&(q)->sql, __VA_ARGS__)

/* A parameter's number ($n). */
static int q_param(cat_q *q, const char *v)
{
	if (q->n >= (int)(sizeof(q->vals) / sizeof(q->vals[0]))) {
		q->overflow = true;
		return 1;
	}
	q->vals[q->n++] = v;
	return q->n;
}

/* Run the query (its text goes): the result, or NULL with a diagnostic. */
static PGresult *q_run(cbo_stmt *st, cat_q *q)
{
	char *sql = cb_sb_finish(&q->sql);
	PGresult *r = NULL;
	if (q->overflow)
		diag_add(&st->diag, "HY000", "internal error: a catalog query has too many parameters");
	else if (sql == NULL)
		diag_add(&st->diag, "HY001", "out of memory building a catalog query");
	else
		r = stmt_query(st, sql, q->n, q->vals);
	free(sql);
	return r;
}

/* " AND col op $n" for a name (none when no argument). */
static void q_name(cat_q *q, const char *col, const cat_name *nm)
{
	if (nm->v != NULL)
		q_add(q, " AND %s %s $%d", col, nm->op, q_param(q, nm->v));
}

/* The schema condition: the given schema, else current_schema() when a
 * table is named, else none. */
static void q_schema(cat_q *q, const char *col, const cat_name *nm, bool table_valid)
{
	if (nm->v != NULL && nm->v[0] != '\0')
		q_add(q, " AND %s %s $%d", col, nm->op, q_param(q, nm->v));
	else if (table_valid)
		q_add(q, " AND %s %s pg_catalog.current_schema()", col, nm->op);
}

/* The schema condition by exact name: the given schema, else
 * current_schema() when a table is named, else '' (which names none). */
static void q_schema_exact(cat_q *q, const char *col, const char *schema, bool table_valid)
{
	if (schema != NULL && schema[0] != '\0')
		q_add(q, " AND %s = $%d", col, q_param(q, schema));
	else
		q_add(q, " AND %s = %s", col, table_valid ? "pg_catalog.current_schema()" : "''");
}

/* One value of the session (current_schema() ...), malloc'd; NULL when it
 * is NULL or the query failed (diagnostic set when failed is given). */
static char *cat_scalar(cbo_stmt *st, const char *sql)
{
	PGresult *r = stmt_query(st, sql, 0, NULL);
	char *v = NULL;
	if (r != NULL && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* psqlODBC's second try: a schema named like the user, with "public"
 * current, means "public". */
static bool cat_public_retry(cbo_stmt *st, const char *schema)
{
	if (schema == NULL)
		return false;
	const char *user = PQuser(st->dbc->pg);
	if (user == NULL || strlen(user) != strlen(schema) || strcasecmp(user, schema) != 0)
		return false;
	char *cur = cat_scalar(st, "SELECT pg_catalog.current_schema()");
	bool pub = cur != NULL && strcasecmp(cur, "public") == 0;
	free(cur);
	return pub;
}

/* A query on the arguments for one schema (a pattern or an exact name). */
typedef PGresult *(*cat_schema_query)(cbo_stmt *st, const cat_args *a, const char *schema, bool pattern);

/* Run query for the schema and, when it found nothing, for "public" where
 * psqlODBC tries that too; NULL (with a diagnostic) when a query failed. */
static PGresult *cat_query_or_public(cbo_stmt *st, cat_schema_query query, const cat_args *a, const char *schema,
                                     bool pattern)
{
	PGresult *rows = query(st, a, schema, pattern);
	if (rows != NULL && PQntuples(rows) == 0 && cat_public_retry(st, schema)) {
		PQclear(rows);
		rows = query(st, a, "public", pattern);
	}
	return rows;
}

static const char *cat_db(cbo_stmt *st)
{
	const char *db = PQdb(st->dbc->pg);
	return db ? db : "";
}

void cat_type(cbo_stmt *st, Oid oid, int mod, pgt_ctx *ctx, pgt_col *col)
{
	res_pgt_ctx(st, oid, ctx);
	*col = (pgt_col){
	        .oid = oid, .typmod = mod, .longest = PGT_UNSET, .unknowns = PGT_UNKNOWNS_MAX, .adjusted = true};
}

/* CHAR_OCTET_LENGTH: bytes of character and binary types, -1 for others. */
static long cat_octets(const pgt_ctx *ctx, const pgt_col *col)
{
	switch (col->oid) {
	case CBO_VARCHAROID:
	case CBO_BPCHAROID:
	case CBO_TEXTOID:
	case CBO_UNKNOWNOID:
	case CBO_BYTEAOID:
		return pgt_octet_length(ctx, col);
	default:
		return ctx->lo ? pgt_octet_length(ctx, col) : -1;
	}
}

/* Run impl; when it succeeded with no rows, run it again with upper-case
 * names folded (psqlODBC's second try). */
typedef SQLRETURN (*cat_impl)(cbo_stmt *st, const cat_args *a);

static SQLRETURN cat_run(cbo_stmt *st, const cat_args *a, int nargs, cat_impl impl)
{
	SQLRETURN r = impl(st, a);
	if (r != SQL_SUCCESS || st->nresults < 1 || st->results[0].res == NULL || PQntuples(st->results[0].res) > 0)
		return r;
	cat_args low = *a;
	char *owned[6] = {0};
	bool again = false;
	for (int i = 0; i < nargs; i++) {
		owned[i] = cat_lower_retry_name(a->s[i], st->dbc->opts.lower_case_identifier);
		if (owned[i] != NULL) {
			low.s[i] = owned[i];
			low.len[i] = SQL_NTS;
			again = true;
		}
	}
	if (again)
		r = impl(st, &low);
	for (int i = 0; i < nargs; i++)
		free(owned[i]);
	return r;
}

/* A catalog function of catalog.h: name##_impl run by cat_run, whose
 * second try folds the first nargs names. */
#define CAT_FUNCTION(name, nargs)                          \
	SQLRETURN name(cbo_stmt *st, const cat_args *a)    \
	{                                                  \
		return cat_run(st, a, nargs, name##_impl); \
	}

/* The three columns that name a table, the first of SQLTables',
 * SQLColumns', SQLStatistics' and SQLPrimaryKeys' result sets. */
#define CAT_TABLE_DEFS \
	CAT_NAME("TABLE_CAT", "TABLE_QUALIFIER"), CAT_NAME("TABLE_SCHEM", "TABLE_OWNER"), CAT_NAME("TABLE_NAME", NULL)

/* The five columns that describe a column's type in SQLColumns' and
 * SQLSpecialColumns' result sets (SQLProcedureColumns' have no ODBC 2 names). */
#define CAT_TYPE_DEFS                                                                                   \
	CAT_INT2("DATA_TYPE", NULL), CAT_NAME("TYPE_NAME", NULL), CAT_INT4("COLUMN_SIZE", "PRECISION"), \
	        CAT_INT4("BUFFER_LENGTH", "LENGTH"), CAT_INT2("DECIMAL_DIGITS", "SCALE")

/* --- SQLTables ------------------------------------------------------------------------------ */

static const cat_def cat_tables_defs[] = {
        CAT_TABLE_DEFS,
        CAT_NAME("TABLE_TYPE", NULL),
        CAT_VARCHAR("REMARKS", NULL),
};

enum { CT_SYSTEM = 1, CT_TABLE = 2, CT_VIEW = 4, CT_FOREIGN = 8, CT_MATVIEW = 16 };

static int cat_table_types(const char *types)
{
	int show = 0;
	const char *p = types;
	while (*p) {
		while (*p == ',')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *t = p;
		while (t < p + n && isspace((unsigned char)*t))
			t++;
		if (t < p + n && *t == '\'')
			t++;
		size_t tn = (size_t)(p + n - t);
		if (tn >= 12 && strncasecmp(t, "SYSTEM TABLE", 12) == 0)
			show |= CT_SYSTEM;
		else if (tn >= 5 && strncasecmp(t, "TABLE", 5) == 0)
			show |= CT_TABLE;
		else if (tn >= 4 && strncasecmp(t, "VIEW", 4) == 0)
			show |= CT_VIEW;
		else if (tn >= 13 && strncasecmp(t, "FOREIGN TABLE", 13) == 0)
			show |= CT_FOREIGN;
		else if (tn >= 7 && strncasecmp(t, "MATVIEW", 7) == 0)
			show |= CT_MATVIEW;
		p += n;
	}
	return show;
}

static bool cat_system_schema(const char *nsp)
{
	return strcasecmp(nsp, "pg_catalog") == 0 || strcasecmp(nsp, "pg_toast") == 0 ||
	       strncasecmp(nsp, "pg_temp_", 8) == 0 || strcasecmp(nsp, "information_schema") == 0;
}

static SQLRETURN cat_tables_impl(cbo_stmt *st, const cat_args *a)
{
	bool pattern = st->metadata_id != SQL_TRUE;
	const char *cat = a->s[0], *schema = a->s[1], *table = a->s[2], *types = a->s[3];
	bool show_sys_dsn = st->dbc->opts.show_system_tables;
	bool list_cat = false, list_schemas = false, list_types = false;
	if (pattern && table != NULL && table[0] == '\0' && cat != NULL && schema != NULL) {
		if (schema[0] == '\0') {
			if (strcmp(cat, SQL_ALL_CATALOGS) == 0)
				list_cat = true;
			else if (cat[0] == '\0' && types != NULL && strcmp(types, SQL_ALL_TABLE_TYPES) == 0)
				list_types = true;
		} else if (cat[0] == '\0' && strcmp(schema, SQL_ALL_SCHEMAS) == 0) {
			list_schemas = true;
		}
	}
	bool list_some = list_cat || list_schemas || list_types;
	int show;
	if (types == NULL || list_some || strcmp(types, SQL_ALL_TABLE_TYPES) == 0)
		show = CT_TABLE | CT_VIEW | CT_FOREIGN | CT_MATVIEW;
	else
		show = cat_table_types(types);

	const char *schema_arg = schema;
	SQLSMALLINT schema_len = a->len[1];
	PGresult *rows = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		cat_name nsp = {0}, rel = {0};
		if (!cat_names_make(st, pattern, schema_arg, table, &nsp, &rel))
			return SQL_ERROR;
		if (schema_arg != NULL && schema_len == 0) {
			free(nsp.v);
			nsp.v = NULL;
		}
		cat_q q = {.n = 0};
		if (list_cat)
			q_add(&q, "SELECT NULL::text, NULL::text, NULL::text");
		else if (list_types)
			q_add(&q,
			      "SELECT NULL::text, NULL::text, k FROM (SELECT 'r' AS k UNION SELECT 'v' UNION SELECT "
			      "'m' UNION SELECT 'f' UNION SELECT 'p') AS a");
		else if (list_schemas)
			q_add(&q,
			      "SELECT NULL::text, nspname::text, NULL::text FROM pg_catalog.pg_namespace n WHERE true");
		else
			q_add(&q, "SELECT c.relname::text, n.nspname::text, c.relkind::text FROM pg_catalog.pg_class c "
			          "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
			          "WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')");
		if (!list_some) {
			q_schema(&q, "n.nspname", &nsp, cat_valid(a, 2));
			if (rel.v != NULL && rel.v[0] != '\0')
				q_name(&q, "c.relname", &rel);
		}
		if ((list_schemas || !list_some) && !show_sys_dsn && !(show & CT_SYSTEM))
			q_add(&q,
			      " AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'pg_temp_1')");
		if (list_schemas)
			q_add(&q, " ORDER BY n.nspname");
		else if (!list_some)
			q_add(&q, " ORDER BY n.nspname, c.relname");
		rows = q_run(st, &q);
		free(nsp.v);
		free(rel.v);
		if (rows == NULL)
			return SQL_ERROR;
		if (attempt == 0 && PQntuples(rows) == 0 && cat_public_retry(st, schema_arg)) {
			PQclear(rows);
			rows = NULL;
			schema_arg = "public";
			schema_len = SQL_NTS;
			continue;
		}
		break;
	}

	PGresult *res = cat_result_new(st, cat_tables_defs, 5);
	if (res == NULL) {
		PQclear(rows);
		return cat_oom(st);
	}
	int out = 0;
	bool ok = true;
	for (int i = 0; i < PQntuples(rows) && ok; i++) {
		const char *relname = PQgetisnull(rows, i, 0) ? "" : PQgetvalue(rows, i, 0);
		const char *nspname = PQgetisnull(rows, i, 1) ? "" : PQgetvalue(rows, i, 1);
		const char *kind = PQgetisnull(rows, i, 2) ? "" : PQgetvalue(rows, i, 2);
		bool sys = !show_sys_dsn && cat_system_schema(nspname);
		bool view = kind[0] == 'v', foreign = kind[0] == 'f', matview = kind[0] == 'm';
		bool regular = !sys && !view;
		if (!((sys && (show & CT_SYSTEM)) || (view && (show & CT_VIEW)) || (foreign && (show & CT_FOREIGN)) ||
		      (matview && (show & CT_MATVIEW)) || (regular && (show & CT_TABLE))))
			continue;
		const char *type = sys       ? "SYSTEM TABLE"
		                   : view    ? "VIEW"
		                   : matview ? "MATVIEW"
		                   : foreign ? "FOREIGN TABLE"
		                             : "TABLE";
		ok = cat_set(res, out, 0, list_cat || !list_some ? cat_db(st) : NULL) &&
		     cat_set(res, out, 1, list_schemas || !list_some ? nspname : NULL) &&
		     cat_set(res, out, 2, list_some ? NULL : relname) &&
		     cat_set(res, out, 3, list_types || !list_some ? type : NULL) && cat_set(res, out, 4, "");
		out++;
	}
	return cat_finish(st, rows, res, ok, cat_tables_defs, 5);
}

/* --- SQLColumns ----------------------------------------------------------------------------- */

static const cat_def cat_columns_defs[] = {
        CAT_TABLE_DEFS,
        CAT_NAME("COLUMN_NAME", NULL),
        CAT_TYPE_DEFS,
        CAT_INT2("NUM_PREC_RADIX", "RADIX"),
        CAT_INT2("NULLABLE", NULL),
        CAT_VARCHAR("REMARKS", NULL),
        CAT_VARCHAR("COLUMN_DEF", NULL),
        CAT_INT2("SQL_DATA_TYPE", NULL),
        CAT_INT2("SQL_DATETIME_SUB", NULL),
        CAT_INT4("CHAR_OCTET_LENGTH", NULL),
        CAT_INT4("ORDINAL_POSITION", NULL),
        CAT_VARCHAR("IS_NULLABLE", NULL),
        /* psqlODBC's own columns */
        CAT_INT4("DISPLAY_SIZE", NULL),
        CAT_INT4("FIELD_TYPE", NULL),
        CAT_INT4("AUTO_INCREMENT", NULL),
        CAT_INT2("PHYSICAL NUMBER", NULL),
        CAT_OID("TABLE OID", NULL),
        CAT_OID("BASE TYPEID", NULL),
        CAT_INT4("TYPMOD", NULL),
        CAT_INT4("TABLE INFO", NULL),
};
#define CAT_NCOLUMNS ((int)(sizeof(cat_columns_defs) / sizeof(cat_columns_defs[0])))

/* The columns' query: nspname, relname, attname, atttypid, typname, attnum,
 * atttypmod, attnotnull, relkind, oid, default, domain base type, domain
 * typmod, attidentity, relhassubclass. */
static PGresult *cat_columns_query(cbo_stmt *st, const cat_args *a, const char *schema, bool pattern)
{
	cat_name nsp = {0}, rel = {0}, col = {0};
	if (!cat_names_make(st, pattern, schema, a->s[2], &nsp, &rel))
		return NULL;
	if (!cat_name_make(st, a->s[3], pattern, &col)) {
		free(nsp.v);
		free(rel.v);
		cat_oom(st);
		return NULL;
	}
	cat_q q = {.n = 0};
	q_add(&q, "SELECT n.nspname::text, c.relname::text, a.attname::text, a.atttypid, t.typname::text, a.attnum, "
	          "a.atttypmod, a.attnotnull, c.relkind::text, c.oid, pg_catalog.pg_get_expr(d.adbin, d.adrelid), "
	          "CASE t.typtype WHEN 'd' THEN t.typbasetype ELSE 0 END, t.typtypmod, a.attidentity::text, "
	          "c.relhassubclass FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
	          "c.relnamespace");
	q_name(&q, "c.relname", &rel);
	q_schema(&q, "n.nspname", &nsp, cat_valid(a, 2));
	q_add(&q, " JOIN pg_catalog.pg_attribute a ON NOT a.attisdropped");
	if (col.v == NULL || pattern)
		q_add(&q, " AND a.attnum > 0");
	q_name(&q, "a.attname", &col);
	q_add(&q, " AND a.attrelid = c.oid JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
	          "LEFT JOIN pg_catalog.pg_attrdef d ON a.atthasdef AND d.adrelid = a.attrelid AND d.adnum = "
	          "a.attnum ORDER BY n.nspname, c.relname, a.attnum");
	PGresult *r = q_run(st, &q);
	free(nsp.v);
	free(rel.v);
	free(col.v);
	return r;
}

static SQLRETURN cat_columns_impl(cbo_stmt *st, const cat_args *a)
{
	bool pattern = st->metadata_id != SQL_TRUE;
	const char *schema = cat_schema_arg(a, 1);
	PGresult *rows = cat_query_or_public(st, cat_columns_query, a, schema, pattern);
	if (rows == NULL)
		return SQL_ERROR;
	PGresult *res = cat_result_new(st, cat_columns_defs, CAT_NCOLUMNS);
	if (res == NULL) {
		PQclear(rows);
		return cat_oom(st);
	}
	/* psqlODBC reads the table's flags from the first row only */
	int table_info = PQntuples(rows) > 0 && PQgetvalue(rows, 0, 14)[0] == 't' ? 2 : 0;
	bool ok = true;
	for (int i = 0; i < PQntuples(rows) && ok; i++) {
		Oid type = (Oid)strtoul(PQgetvalue(rows, i, 3), NULL, 10);
		Oid base = (Oid)strtoul(PQgetvalue(rows, i, 11), NULL, 10);
		int mod = atoi(PQgetvalue(rows, i, 6));
		bool notnull = PQgetvalue(rows, i, 7)[0] == 't';
		const char *def = PQgetisnull(rows, i, 10) ? NULL : PQgetvalue(rows, i, 10);
		const char *identity = PQgetvalue(rows, i, 13);
		/* a domain is its base type, except the large-object domain */
		if (base != 0 && !conn_is_lo_type(st->dbc, type)) {
			type = base;
			mod = atoi(PQgetvalue(rows, i, 12));
		}
		bool auto_unique = false;
		if ((type == CBO_INT4OID || type == CBO_INT8OID || type == CBO_OIDOID) &&
		    (identity[0] != '\0' || (def != NULL && strncasecmp(def, "nextval(", 8) == 0 && notnull)))
			auto_unique = true;
		switch (type) {
		case CBO_TIMESTAMPTZOID:
		case CBO_TIMESTAMPOID:
		case CBO_TIMEOID:
		case CBO_TIMETZOID:
		case CBO_BITOID:
			break;
		default:
			if (mod >= 4)
				mod -= 4;
		}
		pgt_ctx ctx;
		pgt_col c;
		cat_type(st, type, mod, &ctx, &c);
		ok = cat_set(res, i, 0, cat_db(st)) && cat_set(res, i, 1, PQgetvalue(rows, i, 0)) &&
		     cat_set(res, i, 2, PQgetvalue(rows, i, 1)) && cat_set(res, i, 3, PQgetvalue(rows, i, 2)) &&
		     cat_set_int(res, i, 4, pgt_sql_type(&ctx, &c)) && cat_set(res, i, 5, PQgetvalue(rows, i, 4)) &&
		     cat_set_int(res, i, 6, pgt_column_size(&ctx, &c)) &&
		     cat_set_int(res, i, 7, pgt_buffer_length(&ctx, &c)) &&
		     cat_set_nint(res, i, 8, pgt_decimal_digits(&ctx, &c)) &&
		     cat_set_nint(res, i, 9, pgt_radix(type)) &&
		     cat_set_int(res, i, 10, notnull ? SQL_NO_NULLS : SQL_NULLABLE) && cat_set(res, i, 11, "") &&
		     cat_set(res, i, 12, def != NULL && strlen(def) > CAT_VARCHAR_SIZE ? "TRUNCATE" : def) &&
		     cat_set_int(res, i, 13, pgt_desc_type(&ctx, &c)) &&
		     cat_set_nint(res, i, 14, pgt_datetime_sub(&ctx, &c)) &&
		     cat_set_int(res, i, 15, cat_octets(&ctx, &c)) && cat_set_int(res, i, 16, i + 1) &&
		     cat_set(res, i, 17, NULL) && cat_set_int(res, i, 18, pgt_display_size(&ctx, &c)) &&
		     cat_set_int(res, i, 19, (long)type) && cat_set_int(res, i, 20, auto_unique) &&
		     cat_set(res, i, 21, PQgetvalue(rows, i, 5)) && cat_set(res, i, 22, PQgetvalue(rows, i, 9)) &&
		     cat_set_int(res, i, 23, (long)base) && cat_set_int(res, i, 24, mod) &&
		     cat_set_int(res, i, 25, table_info);
	}
	return cat_finish(st, rows, res, ok, cat_columns_defs, CAT_NCOLUMNS);
}

/* --- SQLSpecialColumns ---------------------------------------------------------------------- */

static const cat_def cat_special_defs[] = {
        CAT_INT2("SCOPE", NULL),
        CAT_NAME("COLUMN_NAME", NULL),
        CAT_TYPE_DEFS,
        CAT_INT2("PSEUDO_COLUMN", NULL),
};

static PGresult *cat_relkind_query(cbo_stmt *st, const cat_args *a, const char *schema, bool pattern)
{
	cat_name nsp = {0}, rel = {0};
	if (!cat_names_make(st, pattern, schema, a->s[2], &nsp, &rel))
		return NULL;
	cat_q q = {.n = 0};
	q_add(&q, "SELECT c.relkind::text FROM pg_catalog.pg_namespace u JOIN pg_catalog.pg_class c ON u.oid = "
	          "c.relnamespace WHERE true");
	q_name(&q, "c.relname", &rel);
	q_schema(&q, "u.nspname", &nsp, cat_valid(a, 2));
	PGresult *r = q_run(st, &q);
	free(nsp.v);
	free(rel.v);
	return r;
}

static SQLRETURN cat_special_columns_impl(cbo_stmt *st, const cat_args *a)
{
	const char *table = a->s[2], *schema = cat_schema_arg(a, 1);
	if (table == NULL)
		return diag_set(&st->diag, "HY009", DIAG_N_NULL_ARG,
		                "invalid use of null pointer: a table name is required");
	PGresult *rows = cat_query_or_public(st, cat_relkind_query, a, schema, false);
	if (rows == NULL)
		return SQL_ERROR;
	if (PQntuples(rows) == 0) {
		PQclear(rows);
		return diag_set(&st->diag, "07009", DIAG_N_BAD_PARAMETER_NUMBER, "no such table: %s", table);
	}
	bool view = PQgetvalue(rows, 0, 0)[0] == 'v';
	PQclear(rows);
	PGresult *res = cat_result_new(st, cat_special_defs, 8);
	if (res == NULL)
		return cat_oom(st);
	/* tables have no OIDs (PostgreSQL 12): nothing is the best row id; the
	 * row version is xmin, of a view ctid */
	if (a->opt == SQL_ROWVER) {
		Oid type = view ? 27 /* tid */ : CBO_XIDOID;
		pgt_ctx ctx;
		pgt_col c;
		cat_type(st, type, -1, &ctx, &c);
		bool ok = cat_set(res, 0, 0, NULL) && cat_set(res, 0, 1, view ? "ctid" : "xmin") &&
		          cat_set_int(res, 0, 2, pgt_sql_type(&ctx, &c)) &&
		          cat_set(res, 0, 3, pgt_name_mod(&ctx, type, -1, NULL)) &&
		          cat_set_int(res, 0, 4, pgt_column_size(&ctx, &c)) &&
		          cat_set_int(res, 0, 5, pgt_buffer_length(&ctx, &c)) &&
		          cat_set_int(res, 0, 6, pgt_decimal_digits(&ctx, &c)) &&
		          cat_set_int(res, 0, 7, view ? SQL_PC_NOT_PSEUDO : SQL_PC_PSEUDO);
		if (!ok) {
			PQclear(res);
			return cat_oom(st);
		}
	}
	return cat_install(st, res, cat_special_defs, 8);
}

/* --- SQLStatistics -------------------------------------------------------------------------- */

static const cat_def cat_stats_defs[] = {
        CAT_TABLE_DEFS,
        CAT_INT2("NON_UNIQUE", NULL),
        CAT_NAME("INDEX_QUALIFIER", NULL),
        CAT_NAME("INDEX_NAME", NULL),
        CAT_INT2("TYPE", NULL),
        CAT_INT2("ORDINAL_POSITION", "SEQ_IN_INDEX"),
        CAT_NAME("COLUMN_NAME", NULL),
        CAT_CHAR("ASC_OR_DESC", "COLLATION"),
        CAT_INT4("CARDINALITY", NULL),
        CAT_INT4("PAGES", NULL),
        CAT_NAME("FILTER_CONDITION", NULL),
};

static SQLRETURN cat_statistics_impl(cbo_stmt *st, const cat_args *a)
{
	const char *table = a->s[2];
	if (table == NULL)
		return diag_set(&st->diag, "HY009", DIAG_N_NULL_ARG,
		                "invalid use of null pointer: a table name is required");
	/* the table's columns, the way SQLColumns finds them (exact names) */
	cat_args ca = {.s = {NULL, a->s[1], table, NULL}, .len = {0, a->len[1], a->len[2], 0}};
	const char *schema = cat_schema_arg(a, 1);
	PGresult *cols = cat_query_or_public(st, cat_columns_query, &ca, schema, false);
	if (cols == NULL)
		return SQL_ERROR;
	PGresult *res = cat_result_new(st, cat_stats_defs, 13);
	if (res == NULL) {
		PQclear(cols);
		return cat_oom(st);
	}
	if (PQntuples(cols) == 0) {
		PQclear(cols);
		return cat_install(st, res, cat_stats_defs, 13);
	}
	char *nspname = strdup(PQgetvalue(cols, 0, 0));
	if (nspname == NULL) {
		PQclear(cols);
		PQclear(res);
		return cat_oom(st);
	}
	cat_q q = {.n = 0};
	q_add(&q,
	      "SELECT c.relname::text, i.indkey::int2[], i.indisunique, i.indisclustered, a.amname::text, c.oid, "
	      "i.indoption::int2[] FROM pg_catalog.pg_index i, pg_catalog.pg_class c, pg_catalog.pg_class d, "
	      "pg_catalog.pg_am a, pg_catalog.pg_namespace n WHERE d.relname = $%d AND n.nspname = $%d AND n.oid = "
	      "d.relnamespace AND d.oid = i.indrelid AND i.indexrelid = c.oid AND c.relam = a.oid "
	      "ORDER BY i.indisprimary DESC, i.indisunique, n.nspname, c.relname",
	      q_param(&q, table), q_param(&q, nspname));
	PGresult *idx = q_run(st, &q);
	if (idx == NULL) {
		free(nspname);
		PQclear(cols);
		PQclear(res);
		return SQL_ERROR;
	}
	int out = 0;
	bool ok = true;
	for (int i = 0; i < PQntuples(idx) && ok; i++) {
		bool unique = PQgetvalue(idx, i, 2)[0] == 't';
		if (!(a->opt == SQL_INDEX_ALL || (a->opt == SQL_INDEX_UNIQUE && unique)))
			continue;
		/* indkey and indoption as int2[] text: [0:n]={a,b,...} */
		const char *keys = PQgetvalue(idx, i, 1), *opts = PQgetvalue(idx, i, 6);
		const char *kp = strchr(keys, '{'), *op = strchr(opts, '{');
		kp = kp ? kp + 1 : keys;
		op = op ? op + 1 : opts;
		int seq = 0;
		while (*kp && *kp != '}' && ok) {
			char *end;
			long attnum = strtol(kp, &end, 10);
			if (end == kp)
				break;
			kp = end + (*end == ',');
			long opt = 0;
			if (*op && *op != '}') {
				opt = strtol(op, &end, 10);
				op = end + (*end == ',');
			}
			seq++;
			const char *colname = "UNKNOWN";
			char *expr = NULL;
			if (attnum == 0) {
				char oidbuf[16], seqbuf[16];
				snprintf(oidbuf, sizeof(oidbuf), "%s", PQgetvalue(idx, i, 5));
				snprintf(seqbuf, sizeof(seqbuf), "%d", seq);
				const char *v[2] = {oidbuf, seqbuf};
				PGresult *e = stmt_query(
				        st, "SELECT pg_catalog.pg_get_indexdef($1::oid, $2::int4, true)", 2, v);
				if (e != NULL && PQntuples(e) > 0)
					expr = strdup(PQgetvalue(e, 0, 0));
				PQclear(e);
				colname = expr;
			} else if (attnum > 0) {
				for (int k = 0; k < PQntuples(cols); k++)
					if (atol(PQgetvalue(cols, k, 5)) == attnum) {
						colname = PQgetvalue(cols, k, 2);
						break;
					}
			}
			const char *am = PQgetvalue(idx, i, 4);
			int type = PQgetvalue(idx, i, 3)[0] == 't' ? SQL_INDEX_CLUSTERED
			           : strncmp(am, "hash", 4) == 0   ? SQL_INDEX_HASHED
			                                           : SQL_INDEX_OTHER;
			ok = cat_set(res, out, 0, cat_db(st)) && cat_set(res, out, 1, nspname) &&
			     cat_set(res, out, 2, table) && cat_set_int(res, out, 3, unique ? 0 : 1) &&
			     cat_set(res, out, 4, nspname) && cat_set(res, out, 5, PQgetvalue(idx, i, 0)) &&
			     cat_set_int(res, out, 6, type) && cat_set_int(res, out, 7, seq) &&
			     cat_set(res, out, 8, colname) && cat_set(res, out, 9, (opt & 1) ? "D" : "A") &&
			     cat_set(res, out, 10, NULL) && cat_set(res, out, 11, NULL) && cat_set(res, out, 12, NULL);
			free(expr);
			out++;
		}
	}
	free(nspname);
	PQclear(idx);
	return cat_finish(st, cols, res, ok, cat_stats_defs, 13);
}

/* --- SQLPrimaryKeys ------------------------------------------------------------------------- */

static const cat_def cat_pk_defs[] = {
        CAT_TABLE_DEFS,
        CAT_NAME("COLUMN_NAME", NULL),
        CAT_INT2("KEY_SEQ", NULL),
        CAT_NAME("PK_NAME", NULL),
};

static PGresult *cat_pk_query(cbo_stmt *st, const char *table, const char *schema, bool table_valid, bool by_name)
{
	/* the key's columns by the table's primary-key index or, the old way,
	 * by an index named <table>_pkey */
	cat_q q = {.n = 0};
	q_add(&q, "SELECT ta.attname::text, ic.relname::text, n.nspname::text FROM pg_catalog.pg_attribute ta, "
	          "pg_catalog.pg_attribute ia, ");
	if (!by_name)
		q_add(&q,
		      "pg_catalog.pg_class tc, pg_catalog.pg_index i, pg_catalog.pg_namespace n, "
		      "pg_catalog.pg_class ic WHERE tc.relname = $%d",
		      q_param(&q, table));
	else
		q_add(&q,
		      "pg_catalog.pg_class ic, pg_catalog.pg_index i, pg_catalog.pg_namespace n WHERE ic.relname = $%d "
		      "|| '_pkey'",
		      q_param(&q, table));
	q_schema_exact(&q, "n.nspname", schema, table_valid);
	if (!by_name)
		q_add(&q, " AND tc.oid = i.indrelid AND n.oid = tc.relnamespace AND i.indisprimary");
	else
		q_add(&q, " AND ic.oid = i.indexrelid AND n.oid = ic.relnamespace");
	q_add(&q,
	      " AND ia.attrelid = i.indexrelid AND ta.attrelid = i.indrelid AND ta.attnum = i.indkey[ia.attnum - 1] "
	      "AND NOT ta.attisdropped AND NOT ia.attisdropped%s ORDER BY ia.attnum",
	      by_name ? "" : " AND ic.oid = i.indexrelid");
	return q_run(st, &q);
}

static SQLRETURN cat_primary_keys_impl(cbo_stmt *st, const cat_args *a)
{
	const char *table = a->s[2], *schema = cat_schema_arg(a, 1);
	if (table == NULL || table[0] == '\0')
		return diag_set(&st->diag, "HY000", DIAG_N_INTERNAL, "no table name given to SQLPrimaryKeys");
	PGresult *rows = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		for (int by_name = 0; by_name < 2; by_name++) {
			PQclear(rows);
			if ((rows = cat_pk_query(st, table, schema, cat_valid(a, 2), by_name)) == NULL)
				return SQL_ERROR;
			if (PQntuples(rows) > 0)
				break;
		}
		if (attempt == 0 && PQntuples(rows) == 0 && cat_public_retry(st, schema)) {
			schema = "public";
			continue;
		}
		break;
	}
	PGresult *res = cat_result_new(st, cat_pk_defs, 6);
	bool ok = res != NULL;
	for (int i = 0; i < PQntuples(rows) && ok; i++)
		ok = cat_set(res, i, 0, cat_db(st)) && cat_set(res, i, 1, PQgetvalue(rows, i, 2)) &&
		     cat_set(res, i, 2, table) && cat_set(res, i, 3, PQgetvalue(rows, i, 0)) &&
		     cat_set_int(res, i, 4, i + 1) && cat_set(res, i, 5, PQgetvalue(rows, i, 1));
	return cat_finish(st, rows, res, ok, cat_pk_defs, 6);
}

/* --- SQLForeignKeys ------------------------------------------------------------------------- */

static SQLRETURN cat_foreign_keys_impl(cbo_stmt *st, const cat_args *a)
{
	const char *pktable = a->s[2], *fktable = a->s[5];
	const char *table, *schema, *relcol;
	bool table_valid;
	if (fktable != NULL) {
		table = fktable, schema = cat_schema_arg(a, 4), relcol = "conrelid", table_valid = cat_valid(a, 5);
	} else if (pktable != NULL) {
		table = pktable, schema = cat_schema_arg(a, 1), relcol = "confrelid", table_valid = cat_valid(a, 2);
	} else {
		return diag_set(&st->diag, "HY000", DIAG_N_INTERNAL,
		                "neither a primary-key nor a foreign-key table given to SQLForeignKeys");
	}
	cat_q q = {.n = 0};
	int dbp = q_param(&q, cat_db(st));
	q_add(&q,
	      "SELECT $%d::name AS \"PKTABLE_CAT\", n2.nspname AS \"PKTABLE_SCHEM\", c2.relname AS \"PKTABLE_NAME\", "
	      "a2.attname AS \"PKCOLUMN_NAME\", $%d::name AS \"FKTABLE_CAT\", n1.nspname AS \"FKTABLE_SCHEM\", "
	      "c1.relname AS \"FKTABLE_NAME\", a1.attname AS \"FKCOLUMN_NAME\", i::int2 AS \"KEY_SEQ\", "
	      "CASE ref.confupdtype WHEN 'c' THEN %d::int2 WHEN 'n' THEN %d::int2 WHEN 'd' THEN %d::int2 "
	      "WHEN 'r' THEN %d::int2 ELSE %d::int2 END AS \"UPDATE_RULE\", "
	      "CASE ref.confdeltype WHEN 'c' THEN %d::int2 WHEN 'n' THEN %d::int2 WHEN 'd' THEN %d::int2 "
	      "WHEN 'r' THEN %d::int2 ELSE %d::int2 END AS \"DELETE_RULE\", "
	      "ref.conname AS \"FK_NAME\", cn.conname AS \"PK_NAME\", "
	      "CASE WHEN ref.condeferrable THEN CASE WHEN ref.condeferred THEN %d::int2 ELSE %d::int2 END "
	      "ELSE %d::int2 END AS \"DEFERRABILITY\" "
	      "FROM (SELECT cn.oid, conrelid, conkey, confrelid, confkey, "
	      "generate_series(array_lower(conkey, 1), array_upper(conkey, 1)) AS i, confupdtype, confdeltype, "
	      "conname, condeferrable, condeferred FROM pg_catalog.pg_constraint cn, pg_catalog.pg_class c, "
	      "pg_catalog.pg_namespace n WHERE contype = 'f' AND %s = c.oid AND relname = $%d AND n.oid = "
	      "c.relnamespace",
	      dbp, dbp, SQL_CASCADE, SQL_SET_NULL, SQL_SET_DEFAULT, SQL_RESTRICT, SQL_NO_ACTION, SQL_CASCADE,
	      SQL_SET_NULL, SQL_SET_DEFAULT, SQL_RESTRICT, SQL_NO_ACTION, SQL_INITIALLY_DEFERRED,
	      SQL_INITIALLY_IMMEDIATE, SQL_NOT_DEFERRABLE, relcol, q_param(&q, table));
	q_schema_exact(&q, "n.nspname", schema, table_valid);
	q_add(&q, ") ref JOIN pg_catalog.pg_class c1 ON c1.oid = ref.conrelid "
	          "JOIN pg_catalog.pg_namespace n1 ON n1.oid = c1.relnamespace "
	          "JOIN pg_catalog.pg_attribute a1 ON a1.attrelid = c1.oid AND a1.attnum = conkey[i] "
	          "JOIN pg_catalog.pg_class c2 ON c2.oid = ref.confrelid "
	          "JOIN pg_catalog.pg_namespace n2 ON n2.oid = c2.relnamespace "
	          "JOIN pg_catalog.pg_attribute a2 ON a2.attrelid = c2.oid AND a2.attnum = confkey[i] "
	          "LEFT JOIN pg_catalog.pg_constraint cn ON cn.conrelid = ref.confrelid AND cn.contype = 'p'");
	if (pktable != NULL && fktable != NULL)
		q_add(&q, " WHERE c2.relname = $%d", q_param(&q, pktable));
	q_add(&q, " ORDER BY ref.oid, ref.i");
	PGresult *r = q_run(st, &q);
	return cat_install_query(st, r);
}

/* --- SQLProcedures -------------------------------------------------------------------------- */

static SQLRETURN cat_procedures_impl(cbo_stmt *st, const cat_args *a)
{
	bool pattern = st->metadata_id != SQL_TRUE;
	cat_name nsp = {0}, pro = {0};
	const char *schema = cat_schema_arg(a, 1);
	if (!cat_names_make(st, pattern, schema, a->s[2], &nsp, &pro))
		return SQL_ERROR;
	cat_q q = {.n = 0};
	q_add(&q, "SELECT ''::varchar AS procedure_cat, nspname AS procedure_schem, proname AS procedure_name, "
	          "''::varchar AS num_input_params, ''::varchar AS num_output_params, ''::varchar AS "
	          "num_result_sets, ''::varchar AS remarks, CASE WHEN prorettype = 0 THEN 1::int2 ELSE 2::int2 END "
	          "AS procedure_type FROM pg_catalog.pg_namespace, pg_catalog.pg_proc WHERE pg_proc.pronamespace = "
	          "pg_namespace.oid");
	q_schema(&q, "nspname", &nsp, cat_valid(a, 2));
	if (pro.v != NULL && pro.v[0] != '\0')
		q_name(&q, "proname", &pro);
	PGresult *r = q_run(st, &q);
	free(nsp.v);
	free(pro.v);
	return cat_install_query(st, r);
}

/* --- SQLProcedureColumns -------------------------------------------------------------------- */

static const cat_def cat_procols_defs[] = {
        CAT_NAME("PROCEDURE_CAT", NULL),
        /* psqlODBC's spelling */
        CAT_NAME("PROCEDUR_SCHEM", NULL),
        CAT_NAME("PROCEDURE_NAME", NULL),
        CAT_NAME("COLUMN_NAME", NULL),
        CAT_INT2("COLUMN_TYPE", NULL),
        CAT_INT2("DATA_TYPE", NULL),
        CAT_NAME("TYPE_NAME", NULL),
        CAT_INT4("COLUMN_SIZE", NULL),
        CAT_INT4("BUFFER_LENGTH", NULL),
        CAT_INT2("DECIMAL_DIGITS", NULL),
        CAT_INT2("NUM_PREC_RADIX", NULL),
        CAT_INT2("NULLABLE", NULL),
        CAT_NAME("REMARKS", NULL),
        CAT_NAME("COLUMN_DEF", NULL),
        CAT_INT2("SQL_DATA_TYPE", NULL),
        CAT_INT2("SQL_DATETIME_SUB", NULL),
        CAT_INT4("CHAR_OCTET_LENGTH", NULL),
        CAT_INT4("ORDINAL_POSITION", NULL),
        CAT_NAME("IS_NULLABLE", NULL),
};
#define CAT_NPROCOLS ((int)(sizeof(cat_procols_defs) / sizeof(cat_procols_defs[0])))

/* One row of SQLProcedureColumns for a parameter or result of type `type`. */
static bool cat_procol_row(cbo_stmt *st, PGresult *res, int row, const char *schema, const char *proc,
                           const char *colname, int coltype, Oid type, int ordinal)
{
	pgt_ctx ctx;
	pgt_col c;
	cat_type(st, type, PGT_UNSET, &ctx, &c);
	long octets = cat_octets(&ctx, &c);
	return cat_set(res, row, 0, cat_db(st)) && cat_set(res, row, 1, schema) && cat_set(res, row, 2, proc) &&
	       cat_set(res, row, 3, colname) && cat_set_int(res, row, 4, coltype) &&
	       cat_set_int(res, row, 5, pgt_sql_type(&ctx, &c)) &&
	       cat_set(res, row, 6, pgt_name_mod(&ctx, type, PGT_UNSET, NULL)) &&
	       cat_set_nint(res, row, 7, pgt_column_size(&ctx, &c)) &&
	       cat_set_int(res, row, 8, pgt_buffer_length(&ctx, &c)) &&
	       cat_set_nint(res, row, 9, pgt_decimal_digits(&ctx, &c)) && cat_set_nint(res, row, 10, pgt_radix(type)) &&
	       cat_set_int(res, row, 11, SQL_NULLABLE_UNKNOWN) && cat_set(res, row, 12, NULL) &&
	       cat_set(res, row, 13, NULL) && cat_set_int(res, row, 14, pgt_desc_type(&ctx, &c)) &&
	       cat_set_nint(res, row, 15, pgt_datetime_sub(&ctx, &c)) && cat_set_nint(res, row, 16, octets) &&
	       cat_set_int(res, row, 17, ordinal) && cat_set(res, row, 18, "");
}

/* The next element of a PostgreSQL array text ({a,"b c",d}); false at its end. */
static bool cat_array_next(const char **p, char *out, size_t outsize)
{
	const char *s = *p;
	if (s == NULL)
		return false;
	while (*s == '{' || *s == ',' || isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '}')
		return false;
	size_t n = 0;
	if (*s == '"') {
		s++;
		while (*s && *s != '"') {
			if (*s == '\\' && s[1])
				s++;
			if (n + 1 < outsize)
				out[n++] = *s;
			s++;
		}
		if (*s == '"')
			s++;
	} else {
		while (*s && *s != ',' && *s != '}') {
			if (n + 1 < outsize)
				out[n++] = *s;
			s++;
		}
	}
	out[n] = '\0';
	*p = s;
	return true;
}

static SQLRETURN cat_procedure_columns_impl(cbo_stmt *st, const cat_args *a)
{
	bool pattern = st->metadata_id != SQL_TRUE;
	cat_name nsp = {0}, pro = {0};
	if (!cat_names_make(st, pattern, a->s[1], a->s[2], &nsp, &pro))
		return SQL_ERROR;
	cat_q q = {.n = 0};
	q_add(&q, "SELECT p.proname::text, p.proretset, p.prorettype, p.pronargs, p.proargtypes::text, "
	          "n.nspname::text, p.oid, a.atttypid, a.attname::text, p.proargnames::text, p.proargmodes::text, "
	          "p.proallargtypes::text FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_proc p ON "
	          "p.pronamespace = n.oid JOIN pg_catalog.pg_type t ON t.oid = p.prorettype LEFT JOIN "
	          "pg_catalog.pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped "
	          "WHERE pg_catalog.has_function_privilege(p.oid, 'EXECUTE')");
	if (nsp.v != NULL && nsp.v[0] != '\0')
		q_name(&q, "n.nspname", &nsp);
	q_name(&q, "p.proname", &pro);
	q_add(&q, " ORDER BY n.nspname, p.proname, p.oid, a.attnum");
	PGresult *rows = q_run(st, &q);
	free(nsp.v);
	free(pro.v);
	if (rows == NULL)
		return SQL_ERROR;
	PGresult *res = cat_result_new(st, cat_procols_defs, CAT_NPROCOLS);
	if (res == NULL) {
		PQclear(rows);
		return cat_oom(st);
	}
	/* psqlODBC lists nothing when a column name is given */
	int n = a->s[3] != NULL ? 0 : PQntuples(rows);
	int out = 0;
	bool ok = true;
	Oid last = 0;
	for (int i = 0; i < n && ok; i++) {
		bool outpara = false;
		const char *schema = PQgetvalue(rows, i, 5), *proc = PQgetvalue(rows, i, 0);
		bool retset = PQgetvalue(rows, i, 1)[0] == 't';
		Oid rettype = (Oid)strtoul(PQgetvalue(rows, i, 2), NULL, 10);
		Oid poid = (Oid)strtoul(PQgetvalue(rows, i, 6), NULL, 10);
		bool has_att = !PQgetisnull(rows, i, 7);
		/* psqlODBC's result column of a set-returning function without
		 * columns takes the type of the last parameter read */
		Oid pgtype = rettype;
		if (last == 0 || poid != last) {
			last = poid;
			const char *modes = PQgetisnull(rows, i, 10) ? NULL : PQgetvalue(rows, i, 10);
			const char *names = PQgetisnull(rows, i, 9) ? NULL : PQgetvalue(rows, i, 9);
			outpara = modes != NULL && strpbrk(modes, "obt") != NULL;
			if (rettype != 0 && rettype != CBO_VOIDOID && !retset && !has_att && !outpara)
				ok = cat_procol_row(st, res, out++, schema, proc, "", SQL_RETURN_VALUE, rettype, 0);
			const char *types;
			int count = 0;
			if (modes != NULL) {
				count = 1;
				for (const char *p = modes; *p; p++)
					count += *p == ',';
				types = PQgetisnull(rows, i, 11) ? NULL : PQgetvalue(rows, i, 11);
			} else {
				count = atoi(PQgetvalue(rows, i, 3));
				types = PQgetvalue(rows, i, 4);
			}
			const char *tp = types, *mp = modes, *np = names;
			for (int j = 0; j < count && ok; j++) {
				char tbuf[32], mbuf[8], nbuf[256];
				Oid ptype = 0;
				if (tp != NULL) {
					/* oidvector text separates by spaces, oid[] by commas */
					while (*tp == ' ' || *tp == ',' || *tp == '{')
						tp++;
					if (*tp == '\0' || *tp == '}') {
						tp = NULL;
					} else {
						size_t k = 0;
						while (isdigit((unsigned char)*tp) && k + 1 < sizeof(tbuf))
							tbuf[k++] = *tp++;
						tbuf[k] = '\0';
						ptype = (Oid)strtoul(tbuf, NULL, 10);
					}
				}
				pgtype = ptype;
				int ptypecol = SQL_PARAM_INPUT;
				if (mp != NULL && cat_array_next(&mp, mbuf, sizeof(mbuf))) {
					if (mbuf[0] == 'o' || mbuf[0] == 't')
						ptypecol = retset ? SQL_RESULT_COL : SQL_PARAM_OUTPUT;
					else if (mbuf[0] == 'b')
						ptypecol = SQL_PARAM_INPUT_OUTPUT;
				} else {
					mp = NULL;
				}
				const char *pname = "";
				if (np != NULL && cat_array_next(&np, nbuf, sizeof(nbuf)))
					pname = nbuf;
				else
					np = NULL;
				ok = cat_procol_row(st, res, out++, schema, proc, pname, ptypecol, ptype, j + 1);
			}
		}
		if (ok && !outpara && (has_att || retset)) {
			Oid typ = has_att ? (Oid)strtoul(PQgetvalue(rows, i, 7), NULL, 10) : pgtype;
			const char *attname = has_att ? PQgetvalue(rows, i, 8) : NULL;
			ok = cat_procol_row(st, res, out++, schema, proc, attname,
			                    retset ? SQL_RESULT_COL : SQL_PARAM_OUTPUT, typ, 0);
		}
	}
	return cat_finish(st, rows, res, ok, cat_procols_defs, CAT_NPROCOLS);
}

/* --- SQLTablePrivileges --------------------------------------------------------------------- */

static const cat_def cat_tabpriv_defs[] = {
        CAT_NAME("TABLE_CAT", NULL),    CAT_NAME("TABLE_SCHEM", NULL), CAT_NAME("TABLE_NAME", NULL),
        CAT_NAME("GRANTOR", NULL),      CAT_NAME("GRANTEE", NULL),     CAT_NAME("PRIVILEGE", NULL),
        CAT_NAME("IS_GRANTABLE", NULL),
};

#define CAT_ACLMAX 8

/* Add the privilege letters of auth to one user's list (no duplicates). */
static void cat_acl_add(char acl[CAT_ACLMAX], const char *auth, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < CAT_ACLMAX; j++) {
			if (acl[j] == auth[i])
				break;
			if (acl[j] == '\0') {
				acl[j] = auth[i];
				break;
			}
		}
	}
}

/* Give the privileges to the user named (every user for ""). */
static void cat_acl_grant(char (*acl)[CAT_ACLMAX], PGresult *users, const char *user, size_t ulen, const char *auth,
                          size_t alen)
{
	for (int i = 0; i < PQntuples(users); i++) {
		const char *u = PQgetvalue(users, i, 0);
		if (ulen == 0 || (strlen(u) == ulen && strncmp(u, user, ulen) == 0)) {
			cat_acl_add(acl[i], auth, alen);
			if (ulen != 0)
				break;
		}
	}
}

static SQLRETURN cat_table_privileges_impl(cbo_stmt *st, const cat_args *a)
{
	bool pattern = st->metadata_id != SQL_TRUE;
	cat_name nsp = {0}, rel = {0};
	if (!cat_names_make(st, pattern, a->s[1], a->s[2], &nsp, &rel))
		return SQL_ERROR;
	cat_q q = {.n = 0};
	q_add(&q, "SELECT c.relname::text, u.usename::text, c.relacl::text, n.nspname::text FROM "
	          "pg_catalog.pg_namespace n, pg_catalog.pg_class c, pg_catalog.pg_user u WHERE true");
	if (nsp.v != NULL)
		q_schema(&q, "n.nspname", &nsp, cat_valid(a, 2));
	q_name(&q, "c.relname", &rel);
	q_add(&q, " AND n.oid = c.relnamespace AND c.relkind IN ('r', 'v', 'm', 'f', 'p')");
	if (rel.v == NULL && nsp.v == NULL)
		q_add(&q, " AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
	q_add(&q, " AND u.usesysid = c.relowner");
	PGresult *tabs = q_run(st, &q);
	free(nsp.v);
	free(rel.v);
	if (tabs == NULL)
		return SQL_ERROR;
	PGresult *users = stmt_query(st, "SELECT usename::text, usesysid, usesuper FROM pg_catalog.pg_user", 0, NULL);
	if (users == NULL) {
		PQclear(tabs);
		return SQL_ERROR;
	}
	int nusers = PQntuples(users);
	char(*acl)[CAT_ACLMAX] = calloc((size_t)(nusers ? nusers : 1), CAT_ACLMAX);
	PGresult *res = cat_result_new(st, cat_tabpriv_defs, 7);
	bool ok = acl != NULL && res != NULL;
	int out = 0;
	for (int t = 0; t < PQntuples(tabs) && ok; t++) {
		memset(acl, 0, (size_t)(nusers ? nusers : 1) * CAT_ACLMAX);
		const char *relname = PQgetvalue(tabs, t, 0), *owner = PQgetvalue(tabs, t, 1);
		const char *nspname = PQgetvalue(tabs, t, 3);
		/* relacl: {user=privs/grantor,...}; "" is PUBLIC */
		const char *p = PQgetisnull(tabs, t, 2) ? "" : PQgetvalue(tabs, t, 2);
		if (*p == '{')
			p++;
		while (*p && *p != '}') {
			/* as psqlODBC reads an entry: the user before '=', the letters
			 * after it up to the next entry (the grantor's name included) */
			const char *eq = strchr(p, '=');
			if (eq == NULL)
				break;
			const char *auth = eq + 1;
			size_t alen = strcspn(auth, ",}");
			cat_acl_grant(acl, users, p, (size_t)(eq - p), auth, alen);
			if (auth[alen] != ',')
				break;
			p = auth + alen + 1;
		}
		static const char all[] = "arwdRxt";
		cat_acl_grant(acl, users, owner, strlen(owner), all, sizeof(all) - 1);
		for (int u = 0; u < nusers && ok; u++) {
			const char *user = PQgetvalue(users, u, 0);
			bool su = strcmp(PQgetvalue(users, u, 2), "t") == 0;
			bool sys = strcmp(user, owner) == 0;
			if (su)
				cat_acl_grant(acl, users, user, strlen(user), all, sizeof(all) - 1);
			for (int k = 0; k < CAT_ACLMAX && acl[u][k] && ok; k++) {
				const char *priv;
				switch (acl[u][k]) {
				case 'R':
				case 't':
					continue;
				case 'a':
					priv = "INSERT";
					break;
				case 'r':
					priv = "SELECT";
					break;
				case 'w':
					priv = "UPDATE";
					break;
				case 'd':
					priv = "DELETE";
					break;
				case 'x':
					priv = "REFERENCES";
					break;
				default:
					priv = "";
				}
				ok = cat_set(res, out, 0, cat_db(st)) && cat_set(res, out, 1, nspname) &&
				     cat_set(res, out, 2, relname) &&
				     cat_set(res, out, 3, su || sys ? "_SYSTEM" : owner) &&
				     cat_set(res, out, 4, user) && cat_set(res, out, 5, priv) &&
				     cat_set(res, out, 6, sys || su ? "YES" : "NO");
				out++;
			}
		}
	}
	free(acl);
	PQclear(users);
	return cat_finish(st, tabs, res, ok, cat_tabpriv_defs, 7);
}

/* --- SQLColumnPrivileges -------------------------------------------------------------------- */

static SQLRETURN cat_column_privileges_impl(cbo_stmt *st, const cat_args *a)
{
	bool pattern = st->metadata_id != SQL_TRUE;
	cat_name col = {0};
	if (!cat_name_make(st, a->s[3], pattern, &col))
		return cat_oom(st);
	cat_q q = {.n = 0};
	q_add(&q, "SELECT ''::text AS table_cat, table_schema AS table_schem, table_name, column_name, grantor, "
	          "grantee, privilege_type AS privilege, is_grantable FROM information_schema.column_privileges "
	          "WHERE true");
	if (a->s[1] != NULL && a->s[1][0] != '\0')
		q_add(&q, " AND table_schema = $%d", q_param(&q, a->s[1]));
	if (a->s[2] != NULL && a->s[2][0] != '\0')
		q_add(&q, " AND table_name = $%d", q_param(&q, a->s[2]));
	q_name(&q, "column_name", &col);
	PGresult *r = q_run(st, &q);
	free(col.v);
	return cat_install_query(st, r);
}

/* --- the catalog functions ---------------------------------------------------------------- */

/* Each with the number of its name arguments that the second try of
 * cat_run folds to lower case. */
CAT_FUNCTION(cat_tables, 3)
CAT_FUNCTION(cat_columns, 4)
CAT_FUNCTION(cat_special_columns, 3)
CAT_FUNCTION(cat_statistics, 3)
CAT_FUNCTION(cat_primary_keys, 3)
CAT_FUNCTION(cat_foreign_keys, 6)
CAT_FUNCTION(cat_procedures, 3)
CAT_FUNCTION(cat_procedure_columns, 4)
CAT_FUNCTION(cat_table_privileges, 3)
CAT_FUNCTION(cat_column_privileges, 4)
