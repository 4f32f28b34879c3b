/*
 * catalog.c - the ODBC catalog functions as queries on pg_catalog with
 * bound parameters, and a builder for result sets made in the driver.
 *
 * Functions prefix: cat_
 *
 * Every name or pattern the application passes reaches PostgreSQL as a
 * bound parameter.  Search patterns (SQLTables, SQLColumns) use LIKE with
 * ODBC's escape character '\', which is also LIKE's default; with
 * SQL_ATTR_METADATA_ID on, arguments are identifiers and their LIKE
 * metacharacters are escaped so they match exactly.  Result sets whose
 * columns need the driver's type mapping (SQLColumns, SQLSpecialColumns)
 * are built in the driver from the query's rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/catalog.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/statement.h"

PGresult *cat_result_new(const cat_col *cols, int ncols)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return NULL;
	PGresAttDesc *att = calloc((size_t)ncols, sizeof(*att));
	if (att == NULL) {
		PQclear(res);
		return NULL;
	}
	for (int i = 0; i < ncols; i++) {
		att[i].name = (char *)cols[i].name;
		att[i].typid = cols[i].type;
		att[i].typlen = cols[i].type == CBO_INT2OID ? 2 : cols[i].type == CBO_INT4OID ? 4 : -1;
		att[i].atttypmod = -1;
	}
	int ok = PQsetResultAttrs(res, ncols, att);
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

static SQLRETURN cat_oom(cbo_stmt *st)
{
	return diag_add(&st->diag, "HY001", "out of memory building a catalog result");
}

/* A LIKE pattern for an argument: '%' for NULL, escaped when it is an
 * identifier (SQL_ATTR_METADATA_ID).  *owned is freed by the caller. */
static const char *cat_pattern(cbo_stmt *st, const char *arg, char **owned)
{
	*owned = NULL;
	if (arg == NULL)
		return "%";
	if (st->metadata_id != SQL_TRUE)
		return arg;
	char *e = malloc(2 * strlen(arg) + 1);
	if (e == NULL)
		return NULL;
	size_t n = 0;
	for (const char *p = arg; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			e[n++] = '\\';
		e[n++] = *p;
	}
	e[n] = '\0';
	*owned = e;
	return e;
}

/* Run sql and make its rows the statement's result set. */
static SQLRETURN cat_run(cbo_stmt *st, const char *sql, int n, const char *const *values)
{
	PGresult *res = stmt_query(st, sql, n, values);
	if (res == NULL)
		return SQL_ERROR;
	stmt_set_result(st, res);
	return st->executed ? SQL_SUCCESS : SQL_ERROR;
}

static SQLRETURN cat_install(cbo_stmt *st, PGresult *res)
{
	stmt_set_result(st, res);
	return st->executed ? SQL_SUCCESS : SQL_ERROR;
}

/* --- SQLTables ------------------------------------------------------------ */

static const cat_col cat_tables_cols[] = {
        {"TABLE_CAT", CBO_VARCHAROID},  {"TABLE_SCHEM", CBO_VARCHAROID}, {"TABLE_NAME", CBO_VARCHAROID},
        {"TABLE_TYPE", CBO_VARCHAROID}, {"REMARKS", CBO_VARCHAROID},
};

static const char cat_tables_sql[] =
        "SELECT current_database()::varchar AS \"TABLE_CAT\", n.nspname::varchar AS \"TABLE_SCHEM\", "
        "c.relname::varchar AS \"TABLE_NAME\", t.typ::varchar AS \"TABLE_TYPE\", "
        "d.description::varchar AS \"REMARKS\" "
        "FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL (SELECT CASE WHEN n.nspname IN ('pg_catalog', 'information_schema') "
        "THEN 'SYSTEM ' ELSE '' END || CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE' "
        "WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'FOREIGN TABLE' END AS typ) t "
        "LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 "
        "AND d.classoid = 'pg_catalog.pg_class'::regclass "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname LIKE $1 AND c.relname LIKE $2 "
        "AND ($3::text IS NULL OR t.typ = ANY (ARRAY(SELECT upper(btrim(x, ' ''')) "
        "FROM unnest(string_to_array($3, ',')) AS x))) "
        "ORDER BY 4, 2, 3";

static const char cat_schemas_sql[] =
        "SELECT NULL::varchar AS \"TABLE_CAT\", nspname::varchar AS \"TABLE_SCHEM\", NULL::varchar AS "
        "\"TABLE_NAME\", NULL::varchar AS \"TABLE_TYPE\", NULL::varchar AS \"REMARKS\" "
        "FROM pg_catalog.pg_namespace ORDER BY 2";

SQLRETURN cat_tables(cbo_stmt *st, const char *cat, const char *schema, const char *table, const char *types)
{
	bool cat_empty = cat && !cat[0], schema_empty = schema && !schema[0], table_empty = table && !table[0];
	if (cat && strcmp(cat, SQL_ALL_CATALOGS) == 0 && schema_empty && table_empty) {
		PGresult *r = cat_result_new(cat_tables_cols, 5);
		if (r == NULL || !cat_set(r, 0, 0, PQdb(st->dbc->pg))) {
			PQclear(r);
			return cat_oom(st);
		}
		for (int c = 1; c < 5; c++)
			if (!cat_set(r, 0, c, NULL)) {
				PQclear(r);
				return cat_oom(st);
			}
		return cat_install(st, r);
	}
	if (schema && strcmp(schema, SQL_ALL_SCHEMAS) == 0 && cat_empty && table_empty)
		return cat_run(st, cat_schemas_sql, 0, NULL);
	if (types && strcmp(types, SQL_ALL_TABLE_TYPES) == 0 && cat_empty && schema_empty && table_empty) {
		static const char *const kinds[] = {
		        "FOREIGN TABLE", "MATERIALIZED VIEW", "SYSTEM TABLE", "SYSTEM VIEW", "TABLE", "VIEW"};
		PGresult *r = cat_result_new(cat_tables_cols, 5);
		if (r == NULL)
			return cat_oom(st);
		for (int i = 0; i < 6; i++)
			for (int c = 0; c < 5; c++)
				if (!cat_set(r, i, c, c == 3 ? kinds[i] : NULL)) {
					PQclear(r);
					return cat_oom(st);
				}
		return cat_install(st, r);
	}
	char *o1, *o2;
	const char *vals[3];
	vals[0] = cat_pattern(st, schema, &o1);
	vals[1] = cat_pattern(st, table, &o2);
	vals[2] = types && types[0] ? types : NULL;
	SQLRETURN r = (vals[0] && vals[1]) ? cat_run(st, cat_tables_sql, 3, vals) : cat_oom(st);
	free(o1);
	free(o2);
	return r;
}

/* --- SQLColumns ----------------------------------------------------------- */

static const cat_col cat_columns_cols[] = {
        {"TABLE_CAT", CBO_VARCHAROID},      {"TABLE_SCHEM", CBO_VARCHAROID},   {"TABLE_NAME", CBO_VARCHAROID},
        {"COLUMN_NAME", CBO_VARCHAROID},    {"DATA_TYPE", CBO_INT2OID},        {"TYPE_NAME", CBO_VARCHAROID},
        {"COLUMN_SIZE", CBO_INT4OID},       {"BUFFER_LENGTH", CBO_INT4OID},    {"DECIMAL_DIGITS", CBO_INT2OID},
        {"NUM_PREC_RADIX", CBO_INT2OID},    {"NULLABLE", CBO_INT2OID},         {"REMARKS", CBO_VARCHAROID},
        {"COLUMN_DEF", CBO_VARCHAROID},     {"SQL_DATA_TYPE", CBO_INT2OID},    {"SQL_DATETIME_SUB", CBO_INT2OID},
        {"CHAR_OCTET_LENGTH", CBO_INT4OID}, {"ORDINAL_POSITION", CBO_INT4OID}, {"IS_NULLABLE", CBO_VARCHAROID},
};

static const char cat_columns_sql[] =
        "SELECT n.nspname, c.relname, a.attname, "
        "CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, "
        "CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, "
        "a.attnotnull, d.description, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attnum, t.typname "
        "FROM pg_catalog.pg_attribute a "
        "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
        "LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = a.attnum "
        "AND d.classoid = 'pg_catalog.pg_class'::regclass "
        "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
        "AND n.nspname LIKE $1 AND c.relname LIKE $2 AND a.attname LIKE $3 "
        "ORDER BY 1, 2, a.attnum";

/* Fill the type columns shared by SQLColumns and SQLSpecialColumns. */
static bool cat_type_cols(cbo_stmt *st, PGresult *out, int row, Oid oid, int mod, int c_type, int c_size, int c_buflen,
                          int c_digits)
{
	const conv_pgtype *t = conv_pgtype_of(oid);
	SQLSMALLINT sqltype = conv_sql_type(oid, st->dbc->env->odbc_version);
	bool has_digits = t->cls == CONV_NUM || t->cls == CONV_TIME || t->cls == CONV_TS;
	if (oid == CBO_FLOAT4OID || oid == CBO_FLOAT8OID)
		has_digits = false;
	return cat_set_int(out, row, c_type, sqltype) &&
	       cat_set_int(out, row, c_size, (long)conv_column_size(oid, mod)) &&
	       cat_set_int(out, row, c_buflen, (long)conv_octet_length(oid, mod)) &&
	       (has_digits ? cat_set_int(out, row, c_digits, conv_decimal_digits(oid, mod))
	                   : cat_set(out, row, c_digits, NULL));
}

SQLRETURN cat_columns(cbo_stmt *st, const char *cat, const char *schema, const char *table, const char *column)
{
	char *o1, *o2, *o3;
	const char *vals[3];
	vals[0] = cat_pattern(st, schema, &o1);
	vals[1] = cat_pattern(st, table, &o2);
	vals[2] = cat_pattern(st, column, &o3);
	PGresult *q = (vals[0] && vals[1] && vals[2]) ? stmt_query(st, cat_columns_sql, 3, vals) : NULL;
	free(o1);
	free(o2);
	free(o3);
	if (q == NULL)
		return st->diag.n ? SQL_ERROR : cat_oom(st);
	PGresult *out = cat_result_new(cat_columns_cols, (int)CB_ARRAY_LEN(cat_columns_cols));
	bool ok = out != NULL;
	for (int i = 0; ok && i < PQntuples(q); i++) {
		Oid oid = (Oid)strtoul(PQgetvalue(q, i, 3), NULL, 10);
		int mod = atoi(PQgetvalue(q, i, 4));
		bool notnull = PQgetvalue(q, i, 5)[0] == 't';
		const conv_pgtype *t = conv_pgtype_of(oid);
		SQLSMALLINT sqltype = conv_sql_type(oid, st->dbc->env->odbc_version);
		SQLSMALLINT sub;
		SQLSMALLINT verbose = conv_verbose_type(sqltype, &sub);
		long radix = t->cls == CONV_NUM ? (oid == CBO_FLOAT4OID || oid == CBO_FLOAT8OID ? 2 : 10) : -1;
		ok = cat_set(out, i, 0, PQdb(st->dbc->pg)) && cat_set(out, i, 1, PQgetvalue(q, i, 0)) &&
		     cat_set(out, i, 2, PQgetvalue(q, i, 1)) && cat_set(out, i, 3, PQgetvalue(q, i, 2)) &&
		     cat_set(out, i, 5, PQgetvalue(q, i, 9)) && cat_type_cols(st, out, i, oid, mod, 4, 6, 7, 8) &&
		     (radix > 0 ? cat_set_int(out, i, 9, radix) : cat_set(out, i, 9, NULL)) &&
		     cat_set_int(out, i, 10, notnull ? SQL_NO_NULLS : SQL_NULLABLE) &&
		     cat_set(out, i, 11, PQgetisnull(q, i, 6) ? NULL : PQgetvalue(q, i, 6)) &&
		     cat_set(out, i, 12, PQgetisnull(q, i, 7) ? NULL : PQgetvalue(q, i, 7)) &&
		     cat_set_int(out, i, 13, verbose) &&
		     (sub ? cat_set_int(out, i, 14, sub) : cat_set(out, i, 14, NULL)) &&
		     ((t->cls == CONV_CHAR || t->cls == CONV_BIN)
		              ? cat_set_int(out, i, 15, (long)conv_octet_length(oid, mod))
		              : cat_set(out, i, 15, NULL)) &&
		     cat_set(out, i, 16, PQgetvalue(q, i, 8)) && cat_set(out, i, 17, notnull ? "NO" : "YES");
	}
	PQclear(q);
	if (!ok) {
		PQclear(out);
		return cat_oom(st);
	}
	return cat_install(st, out);
}

/* --- SQLPrimaryKeys ------------------------------------------------------- */

static const char cat_pk_sql[] =
        "SELECT current_database()::varchar AS \"TABLE_CAT\", n.nspname::varchar AS \"TABLE_SCHEM\", "
        "c.relname::varchar AS \"TABLE_NAME\", a.attname::varchar AS \"COLUMN_NAME\", "
        "k.ord::int2 AS \"KEY_SEQ\", con.conname::varchar AS \"PK_NAME\" "
        "FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE con.contype = 'p' AND c.relname = $2 "
        "AND (CASE WHEN $1::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = $1 END) "
        "ORDER BY 2, 3, 5";

static SQLRETURN cat_need_table(cbo_stmt *st, const char *table)
{
	if (table == NULL)
		return diag_add(&st->diag, "HY009", "invalid use of null pointer: the table name is required");
	return SQL_SUCCESS;
}

SQLRETURN cat_primary_keys(cbo_stmt *st, const char *cat, const char *schema, const char *table)
{
	if (cat_need_table(st, table) != SQL_SUCCESS)
		return SQL_ERROR;
	const char *vals[2] = {schema, table};
	return cat_run(st, cat_pk_sql, 2, vals);
}

/* --- SQLForeignKeys ------------------------------------------------------- */

#define CAT_RULE(col)                                                                                        \
	"(CASE con." col " WHEN 'c' THEN 0 WHEN 'r' THEN 1 WHEN 'n' THEN 2 WHEN 'a' THEN 3 WHEN 'd' THEN 4 " \
	"END)::int2"

static const char cat_fk_sql_head[] =
        "SELECT current_database()::varchar AS \"PKTABLE_CAT\", pn.nspname::varchar AS \"PKTABLE_SCHEM\", "
        "pc.relname::varchar AS \"PKTABLE_NAME\", pa.attname::varchar AS \"PKCOLUMN_NAME\", "
        "current_database()::varchar AS \"FKTABLE_CAT\", fn.nspname::varchar AS \"FKTABLE_SCHEM\", "
        "fc.relname::varchar AS \"FKTABLE_NAME\", fa.attname::varchar AS \"FKCOLUMN_NAME\", "
        "k.ord::int2 AS \"KEY_SEQ\", " CAT_RULE("confupdtype") " AS \"UPDATE_RULE\", " CAT_RULE(
                "confdeltype") " AS \"DELETE_RULE\", "
                               "con.conname::varchar AS \"FK_NAME\", ic.relname::varchar AS \"PK_NAME\", "
                               "(CASE WHEN con.condeferred THEN 5 WHEN con.condeferrable THEN 6 ELSE 7 END)::int2 AS "
                               "\"DEFERRABILITY\" "
                               "FROM pg_catalog.pg_constraint con "
                               "JOIN pg_catalog.pg_class fc ON fc.oid = con.conrelid "
                               "JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace "
                               "JOIN pg_catalog.pg_class pc ON pc.oid = con.confrelid "
                               "JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
                               "LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid "
                               "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(fk, pk, ord) "
                               "JOIN pg_catalog.pg_attribute fa ON fa.attrelid = fc.oid AND fa.attnum = k.fk "
                               "JOIN pg_catalog.pg_attribute pa ON pa.attrelid = pc.oid AND pa.attnum = k.pk "
                               "WHERE con.contype = 'f' "
                               "AND ($1::text IS NULL OR pn.nspname = $1) AND ($2::text IS NULL OR pc.relname = $2) "
                               "AND ($3::text IS NULL OR fn.nspname = $3) AND ($4::text IS NULL OR fc.relname = $4) ";

SQLRETURN cat_foreign_keys(cbo_stmt *st, const char *pkcat, const char *pkschema, const char *pktable,
                           const char *fkcat, const char *fkschema, const char *fktable)
{
	if ((pktable == NULL || !pktable[0]) && (fktable == NULL || !fktable[0]))
		return diag_add(&st->diag, "HY009",
		                "invalid use of null pointer: give the primary-key table, the foreign-key table or "
		                "both");
	bool by_pk = pktable != NULL && pktable[0];
	char sql[sizeof(cat_fk_sql_head) + 64];
	snprintf(sql, sizeof(sql), "%sORDER BY %s", cat_fk_sql_head, by_pk ? "5, 6, 7, 9" : "1, 2, 3, 9");
	const char *vals[4] = {pkschema && pkschema[0] ? pkschema : NULL, by_pk ? pktable : NULL,
	                       fkschema && fkschema[0] ? fkschema : NULL, fktable && fktable[0] ? fktable : NULL};
	return cat_run(st, sql, 4, vals);
}

/* --- SQLStatistics -------------------------------------------------------- */

static const char cat_stats_sql[] =
        "SELECT * FROM ("
        "SELECT current_database()::varchar AS \"TABLE_CAT\", n.nspname::varchar AS \"TABLE_SCHEM\", "
        "c.relname::varchar AS \"TABLE_NAME\", NULL::int2 AS \"NON_UNIQUE\", NULL::varchar AS "
        "\"INDEX_QUALIFIER\", NULL::varchar AS \"INDEX_NAME\", 0::int2 AS \"TYPE\", NULL::int2 AS "
        "\"ORDINAL_POSITION\", NULL::varchar AS \"COLUMN_NAME\", NULL::varchar AS \"ASC_OR_DESC\", "
        "greatest(c.reltuples, 0)::int4 AS \"CARDINALITY\", c.relpages::int4 AS \"PAGES\", "
        "NULL::varchar AS \"FILTER_CONDITION\" "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'm') AND c.relname = $2 "
        "AND (CASE WHEN $1::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = $1 END) "
        "UNION ALL "
        "SELECT current_database()::varchar, n.nspname::varchar, c.relname::varchar, "
        "(NOT i.indisunique)::int::int2, n.nspname::varchar, ic.relname::varchar, "
        "(CASE WHEN i.indisclustered THEN 1 WHEN am.amname = 'hash' THEN 2 ELSE 3 END)::int2, "
        "k.ord::int2, (CASE WHEN k.attnum = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true) "
        "ELSE a.attname::text END)::varchar, "
        "(CASE WHEN am.amname = 'btree' THEN CASE WHEN i.indoption[(k.ord - 1)::int] & 1 = 1 THEN 'D' "
        "ELSE 'A' END END)::varchar, "
        "greatest(ic.reltuples, 0)::int4, ic.relpages::int4, "
        "pg_catalog.pg_get_expr(i.indpred, i.indrelid)::varchar "
        "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_catalog.pg_am am ON am.oid = ic.relam "
        "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
        "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE c.relname = $2 AND k.ord <= i.indnkeyatts "
        "AND (CASE WHEN $1::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = $1 END) "
        "AND ($3::int = 0 OR i.indisunique)"
        ") s ORDER BY 4 NULLS FIRST, 7, 5, 6, 8";

SQLRETURN cat_statistics(cbo_stmt *st, const char *cat, const char *schema, const char *table, SQLUSMALLINT unique)
{
	if (cat_need_table(st, table) != SQL_SUCCESS)
		return SQL_ERROR;
	if (unique != SQL_INDEX_UNIQUE && unique != SQL_INDEX_ALL)
		return diag_add(&st->diag, "HY100",
		                "uniqueness option %u out of range; use SQL_INDEX_UNIQUE or SQL_INDEX_ALL",
		                (unsigned)unique);
	const char *vals[3] = {schema, table, unique == SQL_INDEX_UNIQUE ? "1" : "0"};
	return cat_run(st, cat_stats_sql, 3, vals);
}

/* --- SQLSpecialColumns ---------------------------------------------------- */

static const cat_col cat_special_cols[] = {
        {"SCOPE", CBO_INT2OID},          {"COLUMN_NAME", CBO_VARCHAROID}, {"DATA_TYPE", CBO_INT2OID},
        {"TYPE_NAME", CBO_VARCHAROID},   {"COLUMN_SIZE", CBO_INT4OID},    {"BUFFER_LENGTH", CBO_INT4OID},
        {"DECIMAL_DIGITS", CBO_INT2OID}, {"PSEUDO_COLUMN", CBO_INT2OID},
};

static const char cat_special_sql[] =
        "SELECT a.attname, a.atttypid, a.atttypmod, t.typname "
        "FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "WHERE con.contype = 'p' AND c.relname = $2 "
        "AND (CASE WHEN $1::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = $1 END) "
        "ORDER BY k.ord";

SQLRETURN cat_special_columns(cbo_stmt *st, SQLUSMALLINT idtype, const char *cat, const char *schema, const char *table,
                              SQLUSMALLINT scope, SQLUSMALLINT nullable)
{
	if (cat_need_table(st, table) != SQL_SUCCESS)
		return SQL_ERROR;
	if (idtype != SQL_BEST_ROWID && idtype != SQL_ROWVER)
		return diag_add(&st->diag, "HY097", "column type %u out of range; use SQL_BEST_ROWID or SQL_ROWVER",
		                (unsigned)idtype);
	PGresult *out = cat_result_new(cat_special_cols, (int)CB_ARRAY_LEN(cat_special_cols));
	if (out == NULL)
		return cat_oom(st);
	bool ok = true;
	if (idtype == SQL_ROWVER) {
		/* xmin changes whenever the row is updated */
		ok = cat_set_int(out, 0, 0, SQL_SCOPE_CURROW) && cat_set(out, 0, 1, "xmin") &&
		     cat_set(out, 0, 3, "xid") && cat_type_cols(st, out, 0, CBO_XIDOID, -1, 2, 4, 5, 6) &&
		     cat_set_int(out, 0, 7, SQL_PC_PSEUDO);
	} else {
		const char *vals[2] = {schema, table};
		PGresult *q = stmt_query(st, cat_special_sql, 2, vals);
		if (q == NULL) {
			PQclear(out);
			return SQL_ERROR;
		}
		for (int i = 0; ok && i < PQntuples(q); i++) {
			Oid oid = (Oid)strtoul(PQgetvalue(q, i, 1), NULL, 10);
			ok = cat_set_int(out, i, 0, SQL_SCOPE_SESSION) && cat_set(out, i, 1, PQgetvalue(q, i, 0)) &&
			     cat_set(out, i, 3, PQgetvalue(q, i, 3)) &&
			     cat_type_cols(st, out, i, oid, atoi(PQgetvalue(q, i, 2)), 2, 4, 5, 6) &&
			     cat_set_int(out, i, 7, SQL_PC_NOT_PSEUDO);
		}
		PQclear(q);
	}
	if (!ok) {
		PQclear(out);
		return cat_oom(st);
	}
	return cat_install(st, out);
}
