/*
 * info.c - what the driver tells about itself and the server: SQLGetInfo,
 * SQLGetFunctions, SQLGetTypeInfo.
 *
 * Functions prefix: info_
 *
 * SQLGetInfo answers from one table (info_fixed[]) for the constant
 * answers and a switch for the ones that depend on the connection.
 * SQLGetFunctions answers from the list of functions odbcapi.c exports.
 * SQLGetTypeInfo builds its result set from the type table in convert.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/info.h"
#include "odbc-driver/catalog.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/statement.h"

typedef enum info_kind { INFO_STR, INFO_U16, INFO_U32 } info_kind;

static const struct info_entry {
	SQLUSMALLINT type;
	info_kind kind;
	const char *s;
	SQLUINTEGER n;
} info_fixed[] = {
        {SQL_DRIVER_NAME, INFO_STR, CBO_DRIVER_NAME, 0},
        {SQL_DRIVER_VER, INFO_STR, CBO_DRIVER_VER, 0},
        {SQL_DRIVER_ODBC_VER, INFO_STR, "03.51", 0},
        {SQL_ODBC_VER, INFO_STR, "03.51", 0},
        {SQL_DBMS_NAME, INFO_STR, "PostgreSQL", 0},
        {SQL_IDENTIFIER_QUOTE_CHAR, INFO_STR, "\"", 0},
        {SQL_CATALOG_NAME_SEPARATOR, INFO_STR, ".", 0},
        {SQL_CATALOG_TERM, INFO_STR, "catalog", 0},
        {SQL_CATALOG_NAME, INFO_STR, "N", 0},
        {SQL_SCHEMA_TERM, INFO_STR, "schema", 0},
        {SQL_TABLE_TERM, INFO_STR, "table", 0},
        {SQL_PROCEDURE_TERM, INFO_STR, "function", 0},
        {SQL_SEARCH_PATTERN_ESCAPE, INFO_STR, "\\", 0},
        {SQL_SPECIAL_CHARACTERS, INFO_STR, "_", 0},
        {SQL_KEYWORDS, INFO_STR, "", 0},
        {SQL_ACCESSIBLE_TABLES, INFO_STR, "N", 0},
        {SQL_ACCESSIBLE_PROCEDURES, INFO_STR, "N", 0},
        {SQL_DATA_SOURCE_READ_ONLY, INFO_STR, "N", 0},
        {SQL_MULT_RESULT_SETS, INFO_STR, "Y", 0},
        {SQL_MULTIPLE_ACTIVE_TXN, INFO_STR, "Y", 0},
        {SQL_NEED_LONG_DATA_LEN, INFO_STR, "N", 0},
        {SQL_DESCRIBE_PARAMETER, INFO_STR, "Y", 0},
        {SQL_COLUMN_ALIAS, INFO_STR, "Y", 0},
        {SQL_EXPRESSIONS_IN_ORDERBY, INFO_STR, "Y", 0},
        {SQL_LIKE_ESCAPE_CLAUSE, INFO_STR, "Y", 0},
        {SQL_ORDER_BY_COLUMNS_IN_SELECT, INFO_STR, "N", 0},
        {SQL_OUTER_JOINS, INFO_STR, "Y", 0},
        {SQL_PROCEDURES, INFO_STR, "N", 0},
        {SQL_ROW_UPDATES, INFO_STR, "N", 0},
        {SQL_INTEGRITY, INFO_STR, "Y", 0},
        {SQL_MAX_ROW_SIZE_INCLUDES_LONG, INFO_STR, "Y", 0},
        {SQL_XOPEN_CLI_YEAR, INFO_STR, "1995", 0},
        {SQL_COLLATION_SEQ, INFO_STR, "", 0},
        {SQL_DM_VER, INFO_STR, "", 0},
        {SQL_TXN_CAPABLE, INFO_U16, NULL, SQL_TC_ALL},
        {SQL_CURSOR_COMMIT_BEHAVIOR, INFO_U16, NULL, SQL_CB_PRESERVE},
        {SQL_CURSOR_ROLLBACK_BEHAVIOR, INFO_U16, NULL, SQL_CB_PRESERVE},
        {SQL_IDENTIFIER_CASE, INFO_U16, NULL, SQL_IC_LOWER},
        {SQL_QUOTED_IDENTIFIER_CASE, INFO_U16, NULL, SQL_IC_SENSITIVE},
        {SQL_NULL_COLLATION, INFO_U16, NULL, SQL_NC_HIGH},
        {SQL_CONCAT_NULL_BEHAVIOR, INFO_U16, NULL, SQL_CB_NULL},
        {SQL_CORRELATION_NAME, INFO_U16, NULL, SQL_CN_ANY},
        {SQL_NON_NULLABLE_COLUMNS, INFO_U16, NULL, SQL_NNC_NON_NULL},
        {SQL_GROUP_BY, INFO_U16, NULL, SQL_GB_GROUP_BY_CONTAINS_SELECT},
        {SQL_CATALOG_LOCATION, INFO_U16, NULL, 0},
        {SQL_FILE_USAGE, INFO_U16, NULL, SQL_FILE_NOT_SUPPORTED},
        {SQL_ODBC_API_CONFORMANCE, INFO_U16, NULL, SQL_OAC_LEVEL1},
        {SQL_ODBC_SQL_CONFORMANCE, INFO_U16, NULL, SQL_OSC_CORE},
        {SQL_MAX_DRIVER_CONNECTIONS, INFO_U16, NULL, 0},
        {SQL_MAX_CONCURRENT_ACTIVITIES, INFO_U16, NULL, 0},
        {SQL_ACTIVE_ENVIRONMENTS, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMN_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_CURSOR_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_SCHEMA_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_CATALOG_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_TABLE_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_PROCEDURE_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_USER_NAME_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_IDENTIFIER_LEN, INFO_U16, NULL, 63},
        {SQL_MAX_COLUMNS_IN_GROUP_BY, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMNS_IN_INDEX, INFO_U16, NULL, 32},
        {SQL_MAX_COLUMNS_IN_ORDER_BY, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMNS_IN_SELECT, INFO_U16, NULL, 1664},
        {SQL_MAX_COLUMNS_IN_TABLE, INFO_U16, NULL, 1600},
        {SQL_MAX_TABLES_IN_SELECT, INFO_U16, NULL, 0},
        {SQL_TXN_ISOLATION_OPTION, INFO_U32, NULL,
         SQL_TXN_READ_UNCOMMITTED | SQL_TXN_READ_COMMITTED | SQL_TXN_REPEATABLE_READ | SQL_TXN_SERIALIZABLE},
        {SQL_DEFAULT_TXN_ISOLATION, INFO_U32, NULL, SQL_TXN_READ_COMMITTED},
        {SQL_GETDATA_EXTENSIONS, INFO_U32, NULL, SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER},
        {SQL_SCROLL_OPTIONS, INFO_U32, NULL, SQL_SO_FORWARD_ONLY | SQL_SO_STATIC},
        {SQL_FETCH_DIRECTION, INFO_U32, NULL,
         SQL_FD_FETCH_NEXT | SQL_FD_FETCH_FIRST | SQL_FD_FETCH_LAST | SQL_FD_FETCH_PRIOR | SQL_FD_FETCH_ABSOLUTE |
                 SQL_FD_FETCH_RELATIVE},
        {SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1, INFO_U32, NULL, SQL_CA1_NEXT},
        {SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2, INFO_U32, NULL, SQL_CA2_READ_ONLY_CONCURRENCY | SQL_CA2_MAX_ROWS_SELECT},
        {SQL_STATIC_CURSOR_ATTRIBUTES1, INFO_U32, NULL, SQL_CA1_NEXT | SQL_CA1_ABSOLUTE | SQL_CA1_RELATIVE},
        {SQL_STATIC_CURSOR_ATTRIBUTES2, INFO_U32, NULL, SQL_CA2_READ_ONLY_CONCURRENCY | SQL_CA2_CRC_EXACT},
        {SQL_DYNAMIC_CURSOR_ATTRIBUTES1, INFO_U32, NULL, 0},
        {SQL_DYNAMIC_CURSOR_ATTRIBUTES2, INFO_U32, NULL, 0},
        {SQL_KEYSET_CURSOR_ATTRIBUTES1, INFO_U32, NULL, 0},
        {SQL_KEYSET_CURSOR_ATTRIBUTES2, INFO_U32, NULL, 0},
        {SQL_SCROLL_CONCURRENCY, INFO_U32, NULL, SQL_SCCO_READ_ONLY},
        {SQL_STATIC_SENSITIVITY, INFO_U32, NULL, 0},
        {SQL_POS_OPERATIONS, INFO_U32, NULL, 0},
        {SQL_POSITIONED_STATEMENTS, INFO_U32, NULL, 0},
        {SQL_LOCK_TYPES, INFO_U32, NULL, 0},
        {SQL_BOOKMARK_PERSISTENCE, INFO_U32, NULL, 0},
        {SQL_ASYNC_MODE, INFO_U32, NULL, SQL_AM_NONE},
        {SQL_MAX_ASYNC_CONCURRENT_STATEMENTS, INFO_U32, NULL, 0},
        {SQL_BATCH_SUPPORT, INFO_U32, NULL, SQL_BS_SELECT_EXPLICIT | SQL_BS_ROW_COUNT_EXPLICIT},
        {SQL_BATCH_ROW_COUNT, INFO_U32, NULL, SQL_BRC_EXPLICIT},
        {SQL_PARAM_ARRAY_ROW_COUNTS, INFO_U32, NULL, SQL_PARC_NO_BATCH},
        {SQL_PARAM_ARRAY_SELECTS, INFO_U32, NULL, SQL_PAS_NO_SELECT},
        {SQL_ODBC_INTERFACE_CONFORMANCE, INFO_U32, NULL, SQL_OIC_CORE},
        {SQL_SQL_CONFORMANCE, INFO_U32, NULL, SQL_SC_SQL92_ENTRY},
        {SQL_OJ_CAPABILITIES, INFO_U32, NULL,
         SQL_OJ_LEFT | SQL_OJ_RIGHT | SQL_OJ_FULL | SQL_OJ_NESTED | SQL_OJ_NOT_ORDERED | SQL_OJ_INNER |
                 SQL_OJ_ALL_COMPARISON_OPS},
        {SQL_SCHEMA_USAGE, INFO_U32, NULL,
         SQL_SU_DML_STATEMENTS | SQL_SU_TABLE_DEFINITION | SQL_SU_INDEX_DEFINITION | SQL_SU_PRIVILEGE_DEFINITION},
        {SQL_CATALOG_USAGE, INFO_U32, NULL, 0},
        {SQL_MAX_STATEMENT_LEN, INFO_U32, NULL, 0},
        {SQL_MAX_ROW_SIZE, INFO_U32, NULL, 0},
        {SQL_MAX_CHAR_LITERAL_LEN, INFO_U32, NULL, 0},
        {SQL_MAX_BINARY_LITERAL_LEN, INFO_U32, NULL, 0},
        {SQL_MAX_INDEX_SIZE, INFO_U32, NULL, 0},
        {SQL_NUMERIC_FUNCTIONS, INFO_U32, NULL, 0},
        {SQL_STRING_FUNCTIONS, INFO_U32, NULL, 0},
        {SQL_SYSTEM_FUNCTIONS, INFO_U32, NULL, 0},
        {SQL_TIMEDATE_FUNCTIONS, INFO_U32, NULL, 0},
        {SQL_CONVERT_FUNCTIONS, INFO_U32, NULL, 0},
        {SQL_SUBQUERIES, INFO_U32, NULL,
         SQL_SQ_CORRELATED_SUBQUERIES | SQL_SQ_COMPARISON | SQL_SQ_EXISTS | SQL_SQ_IN | SQL_SQ_QUANTIFIED},
        {SQL_UNION, INFO_U32, NULL, SQL_U_UNION | SQL_U_UNION_ALL},
        {SQL_ALTER_TABLE, INFO_U32, NULL, SQL_AT_ADD_COLUMN | SQL_AT_DROP_COLUMN},
        {SQL_DATETIME_LITERALS, INFO_U32, NULL, SQL_DL_SQL92_DATE | SQL_DL_SQL92_TIME | SQL_DL_SQL92_TIMESTAMP},
        {SQL_AGGREGATE_FUNCTIONS, INFO_U32, NULL,
         SQL_AF_ALL | SQL_AF_AVG | SQL_AF_COUNT | SQL_AF_DISTINCT | SQL_AF_MAX | SQL_AF_MIN | SQL_AF_SUM},
        {SQL_INSERT_STATEMENT, INFO_U32, NULL, SQL_IS_INSERT_LITERALS | SQL_IS_INSERT_SEARCHED | SQL_IS_SELECT_INTO},
        {SQL_TIMEDATE_ADD_INTERVALS, INFO_U32, NULL, 0},
        {SQL_TIMEDATE_DIFF_INTERVALS, INFO_U32, NULL, 0},
        {SQL_CONVERT_CHAR, INFO_U32, NULL, 0},
        {SQL_CONVERT_INTEGER, INFO_U32, NULL, 0},
        {SQL_CONVERT_VARCHAR, INFO_U32, NULL, 0},
        {SQL_CONVERT_WVARCHAR, INFO_U32, NULL, 0},
};

static SQLRETURN info_str(cbo_dbc *dbc, const char *s, SQLPOINTER value, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	if (conv_put_str_small(s, value, buflen, len))
		return diag_add(&dbc->diag, "01004", "string data, right truncated: the answer needs %zu bytes",
		                strlen(s) + 1);
	return SQL_SUCCESS;
}

SQLRETURN info_get_info(cbo_dbc *dbc, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	char buf[64];
	switch (type) {
	case SQL_DBMS_VER: {
		int v = dbc->pg ? PQserverVersion(dbc->pg) : 0;
		snprintf(buf, sizeof(buf), "%02d.%02d.%04d", v / 10000, (v / 100) % 100, v % 100);
		return info_str(dbc, buf, value, buflen, len);
	}
	case SQL_DATABASE_NAME:
		return info_str(dbc, dbc->pg ? PQdb(dbc->pg) : "", value, buflen, len);
	case SQL_SERVER_NAME:
		return info_str(dbc, dbc->pg && PQhost(dbc->pg) ? PQhost(dbc->pg) : "", value, buflen, len);
	case SQL_USER_NAME:
		return info_str(dbc, dbc->pg ? PQuser(dbc->pg) : "", value, buflen, len);
	case SQL_DATA_SOURCE_NAME:
		return info_str(dbc, dbc->settings[CONN_DSN] ? dbc->settings[CONN_DSN] : "", value, buflen, len);
	default:
		break;
	}
	for (size_t i = 0; i < CB_ARRAY_LEN(info_fixed); i++) {
		const struct info_entry *e = &info_fixed[i];
		if (e->type != type)
			continue;
		switch (e->kind) {
		case INFO_STR:
			return info_str(dbc, e->s, value, buflen, len);
		case INFO_U16:
			if (value)
				*(SQLUSMALLINT *)value = (SQLUSMALLINT)e->n;
			if (len)
				*len = sizeof(SQLUSMALLINT);
			return SQL_SUCCESS;
		case INFO_U32:
			if (value)
				*(SQLUINTEGER *)value = e->n;
			if (len)
				*len = sizeof(SQLUINTEGER);
			return SQL_SUCCESS;
		}
	}
	return diag_add(&dbc->diag, "HY096", "information type %u out of range or not supported by this driver",
	                (unsigned)type);
}

/* The functions odbcapi.c exports. */
static const SQLUSMALLINT info_functions[] = {
        SQL_API_SQLALLOCHANDLE,    SQL_API_SQLFREEHANDLE,     SQL_API_SQLFREESTMT,       SQL_API_SQLSETENVATTR,
        SQL_API_SQLGETENVATTR,     SQL_API_SQLSETCONNECTATTR, SQL_API_SQLGETCONNECTATTR, SQL_API_SQLSETSTMTATTR,
        SQL_API_SQLGETSTMTATTR,    SQL_API_SQLCONNECT,        SQL_API_SQLDRIVERCONNECT,  SQL_API_SQLDISCONNECT,
        SQL_API_SQLGETINFO,        SQL_API_SQLGETFUNCTIONS,   SQL_API_SQLEXECDIRECT,     SQL_API_SQLPREPARE,
        SQL_API_SQLEXECUTE,        SQL_API_SQLBINDPARAMETER,  SQL_API_SQLNUMPARAMS,      SQL_API_SQLDESCRIBEPARAM,
        SQL_API_SQLNUMRESULTCOLS,  SQL_API_SQLDESCRIBECOL,    SQL_API_SQLCOLATTRIBUTE,   SQL_API_SQLBINDCOL,
        SQL_API_SQLFETCH,          SQL_API_SQLFETCHSCROLL,    SQL_API_SQLGETDATA,        SQL_API_SQLROWCOUNT,
        SQL_API_SQLMORERESULTS,    SQL_API_SQLCLOSECURSOR,    SQL_API_SQLCANCEL,         SQL_API_SQLENDTRAN,
        SQL_API_SQLNATIVESQL,      SQL_API_SQLGETDIAGREC,     SQL_API_SQLGETDIAGFIELD,   SQL_API_SQLTABLES,
        SQL_API_SQLCOLUMNS,        SQL_API_SQLPRIMARYKEYS,    SQL_API_SQLFOREIGNKEYS,    SQL_API_SQLSTATISTICS,
        SQL_API_SQLSPECIALCOLUMNS, SQL_API_SQLGETTYPEINFO,    SQL_API_SQLPARAMDATA,      SQL_API_SQLPUTDATA,
};

static bool info_has_function(SQLUSMALLINT id)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(info_functions); i++)
		if (info_functions[i] == id)
			return true;
	return false;
}

SQLRETURN info_get_functions(cbo_dbc *dbc, SQLUSMALLINT id, SQLUSMALLINT *supported)
{
	if (supported == NULL)
		return diag_add(&dbc->diag, "HY009", "invalid use of null pointer: SupportedPtr is required");
	if (id == SQL_API_ODBC3_ALL_FUNCTIONS) {
		memset(supported, 0, SQL_API_ODBC3_ALL_FUNCTIONS_SIZE * sizeof(SQLUSMALLINT));
		for (size_t i = 0; i < CB_ARRAY_LEN(info_functions); i++)
			supported[info_functions[i] >> 4] |= (SQLUSMALLINT)(1u << (info_functions[i] & 0xf));
		return SQL_SUCCESS;
	}
	if (id == SQL_API_ALL_FUNCTIONS) {
		memset(supported, 0, 100 * sizeof(SQLUSMALLINT));
		for (size_t i = 0; i < CB_ARRAY_LEN(info_functions); i++)
			if (info_functions[i] < 100)
				supported[info_functions[i]] = SQL_TRUE;
		return SQL_SUCCESS;
	}
	*supported = info_has_function(id) ? SQL_TRUE : SQL_FALSE;
	return SQL_SUCCESS;
}

/* --- SQLGetTypeInfo ------------------------------------------------------- */

static const cat_col info_type_cols[] = {
        {"TYPE_NAME", CBO_VARCHAROID},       {"DATA_TYPE", CBO_INT2OID},         {"COLUMN_SIZE", CBO_INT4OID},
        {"LITERAL_PREFIX", CBO_VARCHAROID},  {"LITERAL_SUFFIX", CBO_VARCHAROID}, {"CREATE_PARAMS", CBO_VARCHAROID},
        {"NULLABLE", CBO_INT2OID},           {"CASE_SENSITIVE", CBO_INT2OID},    {"SEARCHABLE", CBO_INT2OID},
        {"UNSIGNED_ATTRIBUTE", CBO_INT2OID}, {"FIXED_PREC_SCALE", CBO_INT2OID},  {"AUTO_UNIQUE_VALUE", CBO_INT2OID},
        {"LOCAL_TYPE_NAME", CBO_VARCHAROID}, {"MINIMUM_SCALE", CBO_INT2OID},     {"MAXIMUM_SCALE", CBO_INT2OID},
        {"SQL_DATA_TYPE", CBO_INT2OID},      {"SQL_DATETIME_SUB", CBO_INT2OID},  {"NUM_PREC_RADIX", CBO_INT4OID},
        {"INTERVAL_PRECISION", CBO_INT2OID},
};

/* The types SQLGetTypeInfo lists, best match first within a DATA_TYPE. */
static const struct info_type {
	Oid oid;
	const char *create_params;
} info_types[] = {
        {CBO_BOOLOID, NULL},
        {CBO_INT8OID, NULL},
        {CBO_BYTEAOID, NULL},
        {CBO_TEXTOID, NULL},
        {CBO_BPCHAROID, "max length"},
        {CBO_NUMERICOID, "precision, scale"},
        {CBO_INT4OID, NULL},
        {CBO_INT2OID, NULL},
        {CBO_FLOAT4OID, NULL},
        {CBO_FLOAT8OID, NULL},
        {CBO_VARCHAROID, "max length"},
        {CBO_DATEOID, NULL},
        {CBO_TIMEOID, NULL},
        {CBO_TIMESTAMPOID, NULL},
        {CBO_TIMESTAMPTZOID, NULL},
};

static int info_type_order(const void *a, const void *b)
{
	const struct info_type *x = a, *y = b;
	int tx = conv_pgtype_of(x->oid)->sqltype, ty = conv_pgtype_of(y->oid)->sqltype;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x < y ? -1 : x > y;
}

SQLRETURN info_get_type_info(cbo_stmt *st, SQLSMALLINT sqltype)
{
	SQLINTEGER ver = st->dbc->env->odbc_version;
	/* ODBC 2 date codes name the same types */
	if (sqltype == SQL_DATE)
		sqltype = SQL_TYPE_DATE;
	else if (sqltype == SQL_TIME)
		sqltype = SQL_TYPE_TIME;
	else if (sqltype == SQL_TIMESTAMP)
		sqltype = SQL_TYPE_TIMESTAMP;
	if (sqltype != SQL_ALL_TYPES && !conv_sqltype_valid(sqltype))
		return diag_add(&st->diag, "HY004", "invalid SQL data type %d", (int)sqltype);

	struct info_type sorted[CB_ARRAY_LEN(info_types)];
	memcpy(sorted, info_types, sizeof(sorted));
	qsort(sorted, CB_ARRAY_LEN(sorted), sizeof(sorted[0]), info_type_order);

	PGresult *out = cat_result_new(info_type_cols, (int)CB_ARRAY_LEN(info_type_cols));
	if (out == NULL)
		return diag_add(&st->diag, "HY001", "out of memory building the type list");
	int row = 0;
	bool ok = true;
	for (size_t i = 0; ok && i < CB_ARRAY_LEN(sorted); i++) {
		const conv_pgtype *t = conv_pgtype_of(sorted[i].oid);
		if (sqltype != SQL_ALL_TYPES && t->sqltype != sqltype)
			continue;
		Oid oid = t->oid;
		SQLSMALLINT dt = conv_sql_type(oid, ver), sub;
		SQLSMALLINT verbose = conv_verbose_type(dt, &sub);
		bool quoted = t->cls == CONV_CHAR || t->cls == CONV_DATE || t->cls == CONV_TIME || t->cls == CONV_TS;
		bool numeric = t->cls == CONV_NUM;
		bool scaled = oid == CBO_NUMERICOID || t->cls == CONV_TIME || t->cls == CONV_TS;
		long maxsize = oid == CBO_NUMERICOID ? 1000 : (long)conv_column_size(oid, -1);
		if (oid == CBO_BPCHAROID || oid == CBO_VARCHAROID || oid == CBO_TEXTOID || oid == CBO_BYTEAOID)
			maxsize = oid == CBO_BPCHAROID || oid == CBO_VARCHAROID ? 10485760 : 1073741823;
		ok = cat_set(out, row, 0, t->name) && cat_set_int(out, row, 1, dt) &&
		     cat_set_int(out, row, 2, maxsize) && cat_set(out, row, 3, quoted ? "'" : NULL) &&
		     cat_set(out, row, 4, quoted ? "'" : NULL) && cat_set(out, row, 5, sorted[i].create_params) &&
		     cat_set_int(out, row, 6, SQL_NULLABLE) && cat_set_int(out, row, 7, t->cls == CONV_CHAR) &&
		     cat_set_int(out, row, 8, t->cls == CONV_BIN ? SQL_PRED_NONE : SQL_SEARCHABLE) &&
		     (numeric ? cat_set_int(out, row, 9, 0) : cat_set(out, row, 9, NULL)) &&
		     cat_set_int(out, row, 10, 0) &&
		     (numeric ? cat_set_int(out, row, 11, 0) : cat_set(out, row, 11, NULL)) &&
		     cat_set(out, row, 12, t->name) &&
		     (scaled ? cat_set_int(out, row, 13, 0) : cat_set(out, row, 13, NULL)) &&
		     (scaled ? cat_set_int(out, row, 14, oid == CBO_NUMERICOID ? 1000 : 6)
		             : cat_set(out, row, 14, NULL)) &&
		     cat_set_int(out, row, 15, verbose) &&
		     (sub ? cat_set_int(out, row, 16, sub) : cat_set(out, row, 16, NULL)) &&
		     (numeric ? cat_set_int(out, row, 17, oid == CBO_FLOAT4OID || oid == CBO_FLOAT8OID ? 2 : 10)
		              : cat_set(out, row, 17, NULL)) &&
		     cat_set(out, row, 18, NULL);
		row++;
	}
	if (!ok) {
		PQclear(out);
		return diag_add(&st->diag, "HY001", "out of memory building the type list");
	}
	stmt_set_result(st, out);
	return st->executed ? SQL_SUCCESS : SQL_ERROR;
}
