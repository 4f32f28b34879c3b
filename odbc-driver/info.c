/*
 * info.c - what the driver tells about itself and the server: SQLGetInfo,
 * SQLGetFunctions, SQLGetTypeInfo, with psqlODBC's answers.
 *
 * Functions prefix: info_
 *
 * SQLGetInfo answers from one table (info_fixed[]) for the constant
 * answers and a switch for the ones that depend on the connection and its
 * settings (UpdatableCursors, UseDeclareFetch, ReadOnly).  Information
 * types psqlODBC does not answer get its HYC00.  SQLGetTypeInfo lists
 * psqlODBC's types in its order, described by the type rules of pgtypes.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/info.h"
#include "odbc-driver/catalog.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/pgtypes.h"
#include "odbc-driver/results.h"
#include "odbc-driver/statement.h"

typedef enum info_kind { INFO_STR, INFO_U16, INFO_U32 } info_kind;

#define INFO_CVT_CH (SQL_CVT_CHAR | SQL_CVT_VARCHAR | SQL_CVT_LONGVARCHAR)
#define INFO_CVT_NUM                                                                                           \
	(SQL_CVT_SMALLINT | SQL_CVT_INTEGER | SQL_CVT_BIGINT | SQL_CVT_REAL | SQL_CVT_FLOAT | SQL_CVT_DOUBLE | \
	 SQL_CVT_NUMERIC | SQL_CVT_DECIMAL)
#define INFO_CVT_DT (SQL_CVT_DATE | SQL_CVT_TIME | SQL_CVT_TIMESTAMP)
#define INFO_CVT_WCH (SQL_CVT_WCHAR | SQL_CVT_WVARCHAR | SQL_CVT_WLONGVARCHAR)

static const struct info_entry {
	SQLUSMALLINT type;
	info_kind kind;
	const char *s;
	SQLUINTEGER n;
} info_fixed[] = {
        {SQL_ACCESSIBLE_PROCEDURES, INFO_STR, "N", 0},
        {SQL_ACCESSIBLE_TABLES, INFO_STR, "N", 0},
        {SQL_ACTIVE_CONNECTIONS, INFO_U16, NULL, 0},
        {SQL_ACTIVE_STATEMENTS, INFO_U16, NULL, 0},
        {SQL_ALTER_TABLE, INFO_U32, NULL,
         SQL_AT_ADD_COLUMN | SQL_AT_DROP_COLUMN | SQL_AT_ADD_COLUMN_SINGLE | SQL_AT_ADD_CONSTRAINT |
                 SQL_AT_ADD_TABLE_CONSTRAINT | SQL_AT_CONSTRAINT_INITIALLY_DEFERRED |
                 SQL_AT_CONSTRAINT_INITIALLY_IMMEDIATE | SQL_AT_CONSTRAINT_DEFERRABLE |
                 SQL_AT_DROP_TABLE_CONSTRAINT_RESTRICT | SQL_AT_DROP_TABLE_CONSTRAINT_CASCADE |
                 SQL_AT_DROP_COLUMN_RESTRICT | SQL_AT_DROP_COLUMN_CASCADE},
        {SQL_BOOKMARK_PERSISTENCE, INFO_U32, NULL, SQL_BP_SCROLL | SQL_BP_DELETE | SQL_BP_UPDATE | SQL_BP_TRANSACTION},
        {SQL_COLUMN_ALIAS, INFO_STR, "Y", 0},
        {SQL_CONCAT_NULL_BEHAVIOR, INFO_U16, NULL, SQL_CB_NON_NULL},
        {SQL_CONVERT_BIT, INFO_U32, NULL, SQL_CVT_BIT | SQL_CVT_INTEGER | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_INTEGER, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_SMALLINT, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_BIGINT, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_DECIMAL, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_DOUBLE, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_FLOAT, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_NUMERIC, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_REAL, INFO_U32, NULL, INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_CHAR, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_VARCHAR, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_LONGVARCHAR, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_CH | INFO_CVT_WCH},
        {SQL_CONVERT_DATE, INFO_U32, NULL, INFO_CVT_CH | SQL_CVT_DATE | SQL_CVT_TIMESTAMP | INFO_CVT_WCH},
        {SQL_CONVERT_TIME, INFO_U32, NULL, INFO_CVT_CH | SQL_CVT_TIME | INFO_CVT_WCH},
        {SQL_CONVERT_TIMESTAMP, INFO_U32, NULL, INFO_CVT_CH | INFO_CVT_DT | INFO_CVT_WCH},
        {SQL_CONVERT_LONGVARBINARY, INFO_U32, NULL, SQL_CVT_LONGVARBINARY},
        {SQL_CONVERT_WCHAR, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_DT | INFO_CVT_WCH},
        {SQL_CONVERT_WLONGVARCHAR, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_DT | INFO_CVT_WCH},
        {SQL_CONVERT_WVARCHAR, INFO_U32, NULL, SQL_CVT_BIT | INFO_CVT_NUM | INFO_CVT_DT | INFO_CVT_WCH},
        {SQL_CONVERT_TINYINT, INFO_U32, NULL, 0},
        {SQL_CONVERT_BINARY, INFO_U32, NULL, 0},
        {SQL_CONVERT_VARBINARY, INFO_U32, NULL, 0},
        {SQL_CONVERT_FUNCTIONS, INFO_U32, NULL, SQL_FN_CVT_CONVERT},
        {SQL_CORRELATION_NAME, INFO_U16, NULL, SQL_CN_ANY},
        {SQL_CURSOR_COMMIT_BEHAVIOR, INFO_U16, NULL, SQL_CB_PRESERVE},
        {SQL_DBMS_NAME, INFO_STR, "PostgreSQL", 0},
        {SQL_DRIVER_NAME, INFO_STR, CBO_DRIVER_NAME, 0},
        {SQL_DRIVER_ODBC_VER, INFO_STR, "03.51", 0},
        {SQL_DRIVER_VER, INFO_STR, CBO_DRIVER_VER, 0},
        {SQL_EXPRESSIONS_IN_ORDERBY, INFO_STR, "Y", 0},
        {SQL_FETCH_DIRECTION, INFO_U32, NULL,
         SQL_FD_FETCH_NEXT | SQL_FD_FETCH_FIRST | SQL_FD_FETCH_LAST | SQL_FD_FETCH_PRIOR | SQL_FD_FETCH_ABSOLUTE |
                 SQL_FD_FETCH_RELATIVE | SQL_FD_FETCH_BOOKMARK},
        {SQL_FILE_USAGE, INFO_U16, NULL, SQL_FILE_NOT_SUPPORTED},
        {SQL_GETDATA_EXTENSIONS, INFO_U32, NULL, SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BOUND | SQL_GD_BLOCK},
        {SQL_GROUP_BY, INFO_U16, NULL, SQL_GB_GROUP_BY_EQUALS_SELECT},
        {SQL_IDENTIFIER_CASE, INFO_U16, NULL, SQL_IC_LOWER},
        {SQL_IDENTIFIER_QUOTE_CHAR, INFO_STR, "\"", 0},
        {SQL_KEYWORDS, INFO_STR, "", 0},
        {SQL_LIKE_ESCAPE_CLAUSE, INFO_STR, "Y", 0},
        {SQL_LOCK_TYPES, INFO_U32, NULL, SQL_LCK_NO_CHANGE},
        {SQL_MAX_BINARY_LITERAL_LEN, INFO_U32, NULL, 0},
        {SQL_MAX_CHAR_LITERAL_LEN, INFO_U32, NULL, 0},
        {SQL_MAX_COLUMNS_IN_GROUP_BY, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMNS_IN_INDEX, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMNS_IN_ORDER_BY, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMNS_IN_SELECT, INFO_U16, NULL, 0},
        {SQL_MAX_COLUMNS_IN_TABLE, INFO_U16, NULL, 0},
        {SQL_MAX_CURSOR_NAME_LEN, INFO_U16, NULL, 32},
        {SQL_MAX_INDEX_SIZE, INFO_U32, NULL, 0},
        {SQL_MAX_PROCEDURE_NAME_LEN, INFO_U16, NULL, 0},
        {SQL_MAX_QUALIFIER_NAME_LEN, INFO_U16, NULL, 0},
        {SQL_MAX_ROW_SIZE, INFO_U32, NULL, 0},
        {SQL_MAX_STATEMENT_LEN, INFO_U32, NULL, 0},
        {SQL_MAX_TABLES_IN_SELECT, INFO_U16, NULL, 0},
        {SQL_MAX_USER_NAME_LEN, INFO_U16, NULL, 0},
        {SQL_MULT_RESULT_SETS, INFO_STR, "Y", 0},
        {SQL_MULTIPLE_ACTIVE_TXN, INFO_STR, "Y", 0},
        {SQL_NEED_LONG_DATA_LEN, INFO_STR, "N", 0},
        {SQL_NON_NULLABLE_COLUMNS, INFO_U16, NULL, SQL_NNC_NON_NULL},
        {SQL_NULL_COLLATION, INFO_U16, NULL, SQL_NC_HIGH},
        {SQL_NUMERIC_FUNCTIONS, INFO_U32, NULL,
         SQL_FN_NUM_ABS | SQL_FN_NUM_ACOS | SQL_FN_NUM_ASIN | SQL_FN_NUM_ATAN | SQL_FN_NUM_ATAN2 | SQL_FN_NUM_CEILING |
                 SQL_FN_NUM_COS | SQL_FN_NUM_COT | SQL_FN_NUM_DEGREES | SQL_FN_NUM_EXP | SQL_FN_NUM_FLOOR |
                 SQL_FN_NUM_LOG | SQL_FN_NUM_LOG10 | SQL_FN_NUM_MOD | SQL_FN_NUM_PI | SQL_FN_NUM_POWER |
                 SQL_FN_NUM_RADIANS | SQL_FN_NUM_RAND | SQL_FN_NUM_ROUND | SQL_FN_NUM_SIGN | SQL_FN_NUM_SIN |
                 SQL_FN_NUM_SQRT | SQL_FN_NUM_TAN | SQL_FN_NUM_TRUNCATE},
        {SQL_ODBC_API_CONFORMANCE, INFO_U16, NULL, SQL_OAC_LEVEL1},
        {SQL_ODBC_SAG_CLI_CONFORMANCE, INFO_U16, NULL, SQL_OSCC_NOT_COMPLIANT},
        {SQL_ODBC_SQL_CONFORMANCE, INFO_U16, NULL, SQL_OSC_CORE},
        {SQL_ODBC_SQL_OPT_IEF, INFO_STR, "N", 0},
        {SQL_OJ_CAPABILITIES, INFO_U32, NULL,
         SQL_OJ_LEFT | SQL_OJ_RIGHT | SQL_OJ_FULL | SQL_OJ_NESTED | SQL_OJ_NOT_ORDERED | SQL_OJ_INNER |
                 SQL_OJ_ALL_COMPARISON_OPS},
        {SQL_ORDER_BY_COLUMNS_IN_SELECT, INFO_STR, "Y", 0},
        {SQL_OUTER_JOINS, INFO_STR, "Y", 0},
        {SQL_OWNER_TERM, INFO_STR, "schema", 0},
        {SQL_OWNER_USAGE, INFO_U32, NULL,
         SQL_OU_DML_STATEMENTS | SQL_OU_TABLE_DEFINITION | SQL_OU_INDEX_DEFINITION | SQL_OU_PRIVILEGE_DEFINITION},
        {SQL_POSITIONED_STATEMENTS, INFO_U32, NULL, 0},
        {SQL_PROCEDURE_TERM, INFO_STR, "procedure", 0},
        {SQL_PROCEDURES, INFO_STR, "Y", 0},
        {SQL_QUALIFIER_LOCATION, INFO_U16, NULL, SQL_QL_START},
        {SQL_QUALIFIER_NAME_SEPARATOR, INFO_STR, ".", 0},
        {SQL_QUALIFIER_TERM, INFO_STR, "catalog", 0},
        {SQL_QUALIFIER_USAGE, INFO_U32, NULL, SQL_CU_DML_STATEMENTS},
        {SQL_QUOTED_IDENTIFIER_CASE, INFO_U16, NULL, SQL_IC_SENSITIVE},
        {SQL_SEARCH_PATTERN_ESCAPE, INFO_STR, "\\", 0},
        {SQL_SPECIAL_CHARACTERS, INFO_STR, "_", 0},
        {SQL_STRING_FUNCTIONS, INFO_U32, NULL,
         SQL_FN_STR_ASCII | SQL_FN_STR_CHAR | SQL_FN_STR_CONCAT | SQL_FN_STR_INSERT | SQL_FN_STR_LCASE |
                 SQL_FN_STR_LEFT | SQL_FN_STR_LENGTH | SQL_FN_STR_LOCATE | SQL_FN_STR_LOCATE_2 | SQL_FN_STR_LTRIM |
                 SQL_FN_STR_REPEAT | SQL_FN_STR_RIGHT | SQL_FN_STR_RTRIM | SQL_FN_STR_SPACE | SQL_FN_STR_SUBSTRING |
                 SQL_FN_STR_UCASE},
        {SQL_SUBQUERIES, INFO_U32, NULL, SQL_SQ_QUANTIFIED | SQL_SQ_IN | SQL_SQ_EXISTS | SQL_SQ_COMPARISON},
        {SQL_SYSTEM_FUNCTIONS, INFO_U32, NULL, SQL_FN_SYS_IFNULL | SQL_FN_SYS_USERNAME},
        {SQL_TABLE_TERM, INFO_STR, "table", 0},
        {SQL_TIMEDATE_ADD_INTERVALS, INFO_U32, NULL,
         SQL_FN_TSI_DAY | SQL_FN_TSI_HOUR | SQL_FN_TSI_MINUTE | SQL_FN_TSI_SECOND | SQL_FN_TSI_FRAC_SECOND |
                 SQL_FN_TSI_YEAR | SQL_FN_TSI_MONTH | SQL_FN_TSI_WEEK},
        {SQL_TIMEDATE_DIFF_INTERVALS, INFO_U32, NULL,
         SQL_FN_TSI_DAY | SQL_FN_TSI_HOUR | SQL_FN_TSI_MINUTE | SQL_FN_TSI_SECOND},
        {SQL_TIMEDATE_FUNCTIONS, INFO_U32, NULL,
         SQL_FN_TD_NOW | SQL_FN_TD_CURRENT_DATE | SQL_FN_TD_CURRENT_TIME | SQL_FN_TD_CURRENT_TIMESTAMP |
                 SQL_FN_TD_CURDATE | SQL_FN_TD_CURTIME | SQL_FN_TD_DAYNAME | SQL_FN_TD_DAYOFMONTH |
                 SQL_FN_TD_DAYOFWEEK | SQL_FN_TD_DAYOFYEAR | SQL_FN_TD_HOUR | SQL_FN_TD_MINUTE | SQL_FN_TD_MONTH |
                 SQL_FN_TD_MONTHNAME | SQL_FN_TD_QUARTER | SQL_FN_TD_SECOND | SQL_FN_TD_WEEK | SQL_FN_TD_YEAR |
                 SQL_FN_TD_TIMESTAMPADD | SQL_FN_TD_TIMESTAMPDIFF | SQL_FN_TD_EXTRACT},
        {SQL_TXN_CAPABLE, INFO_U16, NULL, SQL_TC_ALL},
        {SQL_TXN_ISOLATION_OPTION, INFO_U32, NULL,
         SQL_TXN_READ_UNCOMMITTED | SQL_TXN_READ_COMMITTED | SQL_TXN_REPEATABLE_READ | SQL_TXN_SERIALIZABLE},
        {SQL_UNION, INFO_U32, NULL, SQL_U_UNION | SQL_U_UNION_ALL},
        {SQL_DYNAMIC_CURSOR_ATTRIBUTES1, INFO_U32, NULL, 0},
        {SQL_DYNAMIC_CURSOR_ATTRIBUTES2, INFO_U32, NULL, 0},
        {SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1, INFO_U32, NULL, SQL_CA1_NEXT},
        {SQL_ODBC_INTERFACE_CONFORMANCE, INFO_U32, NULL, SQL_OIC_CORE},
        {SQL_ACTIVE_ENVIRONMENTS, INFO_U16, NULL, 0},
        {SQL_AGGREGATE_FUNCTIONS, INFO_U32, NULL, SQL_AF_ALL},
        {SQL_ALTER_DOMAIN, INFO_U32, NULL, 0},
        {SQL_ASYNC_MODE, INFO_U32, NULL, SQL_AM_NONE},
        {SQL_BATCH_ROW_COUNT, INFO_U32, NULL, SQL_BRC_EXPLICIT},
        {SQL_BATCH_SUPPORT, INFO_U32, NULL, SQL_BS_SELECT_EXPLICIT | SQL_BS_ROW_COUNT_EXPLICIT},
        {SQL_CATALOG_NAME, INFO_STR, "Y", 0},
        {SQL_COLLATION_SEQ, INFO_STR, "", 0},
        {SQL_CREATE_ASSERTION, INFO_U32, NULL, 0},
        {SQL_CREATE_CHARACTER_SET, INFO_U32, NULL, 0},
        {SQL_CREATE_COLLATION, INFO_U32, NULL, 0},
        {SQL_CREATE_DOMAIN, INFO_U32, NULL, 0},
        {SQL_CREATE_SCHEMA, INFO_U32, NULL, SQL_CS_CREATE_SCHEMA | SQL_CS_AUTHORIZATION},
        {SQL_CREATE_TABLE, INFO_U32, NULL,
         SQL_CT_CREATE_TABLE | SQL_CT_COLUMN_CONSTRAINT | SQL_CT_COLUMN_DEFAULT | SQL_CT_GLOBAL_TEMPORARY |
                 SQL_CT_TABLE_CONSTRAINT | SQL_CT_CONSTRAINT_NAME_DEFINITION | SQL_CT_CONSTRAINT_INITIALLY_DEFERRED |
                 SQL_CT_CONSTRAINT_INITIALLY_IMMEDIATE | SQL_CT_CONSTRAINT_DEFERRABLE},
        {SQL_CREATE_TRANSLATION, INFO_U32, NULL, 0},
        {SQL_CREATE_VIEW, INFO_U32, NULL, SQL_CV_CREATE_VIEW},
        {SQL_DDL_INDEX, INFO_U32, NULL, SQL_DI_CREATE_INDEX | SQL_DI_DROP_INDEX},
        {SQL_DESCRIBE_PARAMETER, INFO_STR, "N", 0},
        {SQL_DROP_ASSERTION, INFO_U32, NULL, 0},
        {SQL_DROP_CHARACTER_SET, INFO_U32, NULL, 0},
        {SQL_DROP_COLLATION, INFO_U32, NULL, 0},
        {SQL_DROP_DOMAIN, INFO_U32, NULL, 0},
        {SQL_DROP_SCHEMA, INFO_U32, NULL, SQL_DS_DROP_SCHEMA | SQL_DS_RESTRICT | SQL_DS_CASCADE},
        {SQL_DROP_TABLE, INFO_U32, NULL, SQL_DT_DROP_TABLE | SQL_DT_RESTRICT | SQL_DT_CASCADE},
        {SQL_DROP_TRANSLATION, INFO_U32, NULL, 0},
        {SQL_DROP_VIEW, INFO_U32, NULL, SQL_DV_DROP_VIEW | SQL_DV_RESTRICT | SQL_DV_CASCADE},
        {SQL_INDEX_KEYWORDS, INFO_U32, NULL, SQL_IK_NONE},
        {SQL_INFO_SCHEMA_VIEWS, INFO_U32, NULL, 0},
        {SQL_INSERT_STATEMENT, INFO_U32, NULL, SQL_IS_INSERT_LITERALS | SQL_IS_INSERT_SEARCHED | SQL_IS_SELECT_INTO},
        {SQL_MAX_ROW_SIZE_INCLUDES_LONG, INFO_STR, "Y", 0},
        {SQL_PARAM_ARRAY_ROW_COUNTS, INFO_U32, NULL, SQL_PARC_BATCH},
        {SQL_PARAM_ARRAY_SELECTS, INFO_U32, NULL, SQL_PAS_BATCH},
        {SQL_SQL_CONFORMANCE, INFO_U32, NULL, SQL_SC_SQL92_ENTRY},
        {SQL_SQL92_DATETIME_FUNCTIONS, INFO_U32, NULL,
         SQL_SDF_CURRENT_DATE | SQL_SDF_CURRENT_TIME | SQL_SDF_CURRENT_TIMESTAMP},
        {SQL_SQL92_FOREIGN_KEY_DELETE_RULE, INFO_U32, NULL,
         SQL_SFKD_CASCADE | SQL_SFKD_NO_ACTION | SQL_SFKD_SET_DEFAULT | SQL_SFKD_SET_NULL},
        {SQL_SQL92_FOREIGN_KEY_UPDATE_RULE, INFO_U32, NULL,
         SQL_SFKU_CASCADE | SQL_SFKU_NO_ACTION | SQL_SFKU_SET_DEFAULT | SQL_SFKU_SET_NULL},
        {SQL_SQL92_GRANT, INFO_U32, NULL,
         SQL_SG_DELETE_TABLE | SQL_SG_INSERT_TABLE | SQL_SG_REFERENCES_TABLE | SQL_SG_SELECT_TABLE |
                 SQL_SG_UPDATE_TABLE},
        {SQL_SQL92_NUMERIC_VALUE_FUNCTIONS, INFO_U32, NULL,
         SQL_SNVF_BIT_LENGTH | SQL_SNVF_CHAR_LENGTH | SQL_SNVF_CHARACTER_LENGTH | SQL_SNVF_EXTRACT |
                 SQL_SNVF_OCTET_LENGTH | SQL_SNVF_POSITION},
        {SQL_SQL92_PREDICATES, INFO_U32, NULL,
         SQL_SP_BETWEEN | SQL_SP_COMPARISON | SQL_SP_EXISTS | SQL_SP_IN | SQL_SP_ISNOTNULL | SQL_SP_ISNULL |
                 SQL_SP_LIKE | SQL_SP_OVERLAPS | SQL_SP_QUANTIFIED_COMPARISON},
        {SQL_SQL92_RELATIONAL_JOIN_OPERATORS, INFO_U32, NULL,
         SQL_SRJO_CROSS_JOIN | SQL_SRJO_EXCEPT_JOIN | SQL_SRJO_FULL_OUTER_JOIN | SQL_SRJO_INNER_JOIN |
                 SQL_SRJO_INTERSECT_JOIN | SQL_SRJO_LEFT_OUTER_JOIN | SQL_SRJO_NATURAL_JOIN |
                 SQL_SRJO_RIGHT_OUTER_JOIN | SQL_SRJO_UNION_JOIN},
        {SQL_SQL92_REVOKE, INFO_U32, NULL,
         SQL_SR_DELETE_TABLE | SQL_SR_INSERT_TABLE | SQL_SR_REFERENCES_TABLE | SQL_SR_SELECT_TABLE |
                 SQL_SR_UPDATE_TABLE},
        {SQL_SQL92_ROW_VALUE_CONSTRUCTOR, INFO_U32, NULL, SQL_SRVC_VALUE_EXPRESSION | SQL_SRVC_NULL},
        {SQL_SQL92_STRING_FUNCTIONS, INFO_U32, NULL,
         SQL_SSF_CONVERT | SQL_SSF_LOWER | SQL_SSF_UPPER | SQL_SSF_SUBSTRING | SQL_SSF_TRANSLATE | SQL_SSF_TRIM_BOTH |
                 SQL_SSF_TRIM_LEADING | SQL_SSF_TRIM_TRAILING},
        {SQL_SQL92_VALUE_EXPRESSIONS, INFO_U32, NULL, SQL_SVE_CASE | SQL_SVE_CAST | SQL_SVE_COALESCE | SQL_SVE_NULLIF},
        /* SQL_DTC_TRANSACTION_COST: psqlODBC answers 0 */
        {1750, INFO_U32, NULL, 0},
};

static SQLRETURN info_str(cbo_dbc *dbc, const char *s, SQLPOINTER value, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	size_t n = strlen(s);
	SQLRETURN r = SQL_SUCCESS;
	if (value != NULL) {
		if (buflen > 0) {
			size_t k = n < (size_t)buflen - 1 ? n : (size_t)buflen - 1;
			memcpy(value, s, k);
			((char *)value)[k] = '\0';
		}
		if ((SQLLEN)n >= buflen)
			r = diag_set(&dbc->diag, "01004", DIAG_N_CONN_TRUNCATED,
			             "string data, right truncated: the answer needs %zu bytes", n + 1);
	}
	if (len)
		*len = (SQLSMALLINT)n;
	return r;
}

static SQLRETURN info_num(SQLUINTEGER v, int size, SQLPOINTER value, SQLSMALLINT *len)
{
	if (value != NULL) {
		if (size == 2)
			*(SQLUSMALLINT *)value = (SQLUSMALLINT)v;
		else
			*(SQLUINTEGER *)value = v;
	}
	if (len)
		*len = (SQLSMALLINT)size;
	return SQL_SUCCESS;
}

/* The connection's default isolation, as the server reports it. */
static SQLUINTEGER info_default_isolation(cbo_dbc *dbc)
{
	if (dbc->pg == NULL)
		return SQL_TXN_READ_COMMITTED;
	PGresult *r = PQexec(dbc->pg, "SHOW default_transaction_isolation");
	SQLUINTEGER v = SQL_TXN_READ_COMMITTED;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		const char *s = PQgetvalue(r, 0, 0);
		if (strcmp(s, "serializable") == 0)
			v = SQL_TXN_SERIALIZABLE;
		else if (strcmp(s, "repeatable read") == 0)
			v = SQL_TXN_REPEATABLE_READ;
		else if (strcmp(s, "read uncommitted") == 0)
			v = SQL_TXN_READ_UNCOMMITTED;
	}
	PQclear(r);
	return v;
}

static const char *info_setting(cbo_dbc *dbc, conn_setting s)
{
	return dbc->settings[s] ? dbc->settings[s] : "";
}

SQLRETURN info_get_info(cbo_dbc *dbc, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	const cbo_options *o = &dbc->opts;
	char buf[64];
	switch (type) {
	case SQL_DBMS_VER: {
		int v = dbc->pg ? PQserverVersion(dbc->pg) : 0;
		snprintf(buf, sizeof(buf), "%d.%d.%d", v / 10000, (v % 10000) / 100, v % 100);
		return info_str(dbc, buf, value, buflen, len);
	}
	case SQL_DATABASE_NAME:
		return info_str(dbc, dbc->pg ? PQdb(dbc->pg) : info_setting(dbc, CONN_DATABASE), value, buflen, len);
	case SQL_SERVER_NAME: {
		/* psqlODBC answers its Servername key; with only our Socket key
		 * given, the host libpq used (the socket directory) is the same text */
		const char *s = info_setting(dbc, CONN_SERVERNAME);
		if (s[0] == '\0' && dbc->pg != NULL && PQhost(dbc->pg) != NULL)
			s = PQhost(dbc->pg);
		return info_str(dbc, s, value, buflen, len);
	}
	case SQL_USER_NAME:
		return info_str(dbc, dbc->pg ? PQuser(dbc->pg) : info_setting(dbc, CONN_UID), value, buflen, len);
	case SQL_DATA_SOURCE_NAME:
		return info_str(dbc, info_setting(dbc, CONN_DSN), value, buflen, len);
	case SQL_DATA_SOURCE_READ_ONLY:
		return info_str(dbc, o->read_only ? "Y" : "N", value, buflen, len);
	case SQL_ROW_UPDATES:
		return info_str(dbc, o->updatable_cursors ? "Y" : "N", value, buflen, len);
	case SQL_CURSOR_ROLLBACK_BEHAVIOR:
		return info_num(o->use_declare_fetch ? SQL_CB_CLOSE : SQL_CB_PRESERVE, 2, value, len);
	case SQL_DEFAULT_TXN_ISOLATION:
		return info_num(info_default_isolation(dbc), 4, value, len);
	case SQL_MAX_COLUMN_NAME_LEN:
	case SQL_MAX_OWNER_NAME_LEN:
	case SQL_MAX_TABLE_NAME_LEN:
	case SQL_MAX_IDENTIFIER_LEN:
		return info_num(63, 2, value, len);
	case SQL_POS_OPERATIONS:
		return info_num(SQL_POS_POSITION | SQL_POS_REFRESH |
		                        (o->updatable_cursors ? SQL_POS_UPDATE | SQL_POS_DELETE | SQL_POS_ADD : 0),
		                4, value, len);
	case SQL_SCROLL_CONCURRENCY:
		return info_num(SQL_SCCO_READ_ONLY | (o->updatable_cursors ? SQL_SCCO_OPT_ROWVER : 0), 4, value, len);
	case SQL_SCROLL_OPTIONS:
		return info_num(SQL_SO_FORWARD_ONLY | SQL_SO_STATIC |
		                        (o->updatable_cursors && !o->use_declare_fetch ? SQL_SO_KEYSET_DRIVEN : 0),
		                4, value, len);
	case SQL_STATIC_SENSITIVITY:
		return info_num(o->updatable_cursors ? SQL_SS_ADDITIONS | SQL_SS_DELETIONS | SQL_SS_UPDATES : 0, 4,
		                value, len);
	case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2:
		return info_num(SQL_CA2_READ_ONLY_CONCURRENCY | (o->use_declare_fetch ? 0 : SQL_CA2_CRC_EXACT), 4,
		                value, len);
	case SQL_KEYSET_CURSOR_ATTRIBUTES1:
	case SQL_STATIC_CURSOR_ATTRIBUTES1: {
		/* psqlODBC: updatable static cursors always, keyset-driven ones
		 * only without UseDeclareFetch */
		SQLUINTEGER v = SQL_CA1_NEXT | SQL_CA1_ABSOLUTE | SQL_CA1_RELATIVE | SQL_CA1_BOOKMARK |
		                SQL_CA1_LOCK_NO_CHANGE | SQL_CA1_POS_POSITION | SQL_CA1_POS_REFRESH;
		bool upd = o->updatable_cursors && (type == SQL_STATIC_CURSOR_ATTRIBUTES1 || !o->use_declare_fetch);
		if (upd)
			v |= SQL_CA1_POS_UPDATE | SQL_CA1_POS_DELETE | SQL_CA1_BULK_ADD |
			     SQL_CA1_BULK_UPDATE_BY_BOOKMARK | SQL_CA1_BULK_DELETE_BY_BOOKMARK |
			     SQL_CA1_BULK_FETCH_BY_BOOKMARK;
		return info_num(v, 4, value, len);
	}
	case SQL_KEYSET_CURSOR_ATTRIBUTES2:
	case SQL_STATIC_CURSOR_ATTRIBUTES2: {
		SQLUINTEGER v = SQL_CA2_READ_ONLY_CONCURRENCY;
		if (o->updatable_cursors && (type == SQL_STATIC_CURSOR_ATTRIBUTES2 || !o->use_declare_fetch))
			v |= SQL_CA2_OPT_ROWVER_CONCURRENCY;
		if (o->updatable_cursors)
			v |= SQL_CA2_SENSITIVITY_DELETIONS | SQL_CA2_SENSITIVITY_UPDATES |
			     SQL_CA2_SENSITIVITY_ADDITIONS;
		if (!o->use_declare_fetch)
			v |= SQL_CA2_CRC_EXACT;
		return info_num(v, 4, value, len);
	}
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
			return info_num(e->n, 2, value, len);
		case INFO_U32:
			return info_num(e->n, 4, value, len);
		}
	}
	return diag_set(&dbc->diag, "HYC00", DIAG_N_CONN_NOT_IMPLEMENTED,
	                "information type %u is not supported by this driver", (unsigned)type);
}

/* --- SQLGetFunctions ------------------------------------------------------------------------ */

/* The functions answered as present: psqlODBC's answer.  Like psqlODBC,
 * the driver leaves out SQLBrowseConnect, SQLColumnPrivileges,
 * SQLGetDescRec and SQLSetDescRec, which it exports: unixODBC then refuses
 * them (IM001) exactly as it does with psqlODBC (doc/odbc.md). */
static const SQLUSMALLINT info_functions[] = {
        /* ODBC 2 core */
        SQL_API_SQLBINDCOL,
        SQL_API_SQLCANCEL,
        SQL_API_SQLCOLATTRIBUTE,
        SQL_API_SQLCONNECT,
        SQL_API_SQLDESCRIBECOL,
        SQL_API_SQLDISCONNECT,
        SQL_API_SQLEXECDIRECT,
        SQL_API_SQLEXECUTE,
        SQL_API_SQLFETCH,
        SQL_API_SQLFREESTMT,
        SQL_API_SQLGETCURSORNAME,
        SQL_API_SQLNUMRESULTCOLS,
        SQL_API_SQLPREPARE,
        SQL_API_SQLROWCOUNT,
        SQL_API_SQLSETCURSORNAME,
        /* ODBC 2 level 1 */
        SQL_API_SQLCOLUMNS,
        SQL_API_SQLDRIVERCONNECT,
        SQL_API_SQLGETDATA,
        SQL_API_SQLGETFUNCTIONS,
        SQL_API_SQLGETINFO,
        SQL_API_SQLGETTYPEINFO,
        SQL_API_SQLPARAMDATA,
        SQL_API_SQLPUTDATA,
        SQL_API_SQLSPECIALCOLUMNS,
        SQL_API_SQLSTATISTICS,
        SQL_API_SQLTABLES,
        /* ODBC 2 level 2 */
        SQL_API_SQLDESCRIBEPARAM,
        SQL_API_SQLEXTENDEDFETCH,
        SQL_API_SQLFOREIGNKEYS,
        SQL_API_SQLMORERESULTS,
        SQL_API_SQLNATIVESQL,
        SQL_API_SQLNUMPARAMS,
        SQL_API_SQLPRIMARYKEYS,
        SQL_API_SQLPROCEDURECOLUMNS,
        SQL_API_SQLPROCEDURES,
        SQL_API_SQLSETPOS,
        SQL_API_SQLTABLEPRIVILEGES,
        SQL_API_SQLBINDPARAMETER,
        /* ODBC 3 */
        SQL_API_SQLALLOCHANDLE,
        SQL_API_SQLCLOSECURSOR,
        SQL_API_SQLCOPYDESC,
        SQL_API_SQLENDTRAN,
        SQL_API_SQLFREEHANDLE,
        SQL_API_SQLGETCONNECTATTR,
        SQL_API_SQLGETDESCFIELD,
        SQL_API_SQLGETDIAGFIELD,
        SQL_API_SQLGETDIAGREC,
        SQL_API_SQLGETENVATTR,
        SQL_API_SQLGETSTMTATTR,
        SQL_API_SQLSETCONNECTATTR,
        SQL_API_SQLSETDESCFIELD,
        SQL_API_SQLSETENVATTR,
        SQL_API_SQLSETSTMTATTR,
        SQL_API_SQLFETCHSCROLL,
        SQL_API_SQLBULKOPERATIONS,
};

static bool info_has_function(cbo_dbc *dbc, SQLUSMALLINT id)
{
	if (id == SQL_API_SQLBULKOPERATIONS && !dbc->opts.updatable_cursors)
		return false;
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
			if (info_has_function(dbc, info_functions[i]))
				supported[info_functions[i] >> 4] |= (SQLUSMALLINT)(1u << (info_functions[i] & 0xf));
		return SQL_SUCCESS;
	}
	if (id == SQL_API_ALL_FUNCTIONS) {
		memset(supported, 0, 100 * sizeof(SQLUSMALLINT));
		for (size_t i = 0; i < CB_ARRAY_LEN(info_functions); i++)
			if (info_functions[i] < 100 && info_has_function(dbc, info_functions[i]))
				supported[info_functions[i]] = SQL_TRUE;
		return SQL_SUCCESS;
	}
	*supported = info_has_function(dbc, id) ? SQL_TRUE : SQL_FALSE;
	return SQL_SUCCESS;
}

/* --- SQLGetTypeInfo ------------------------------------------------------------------------- */

static const cat_def info_type_defs[] = {
        CAT_NAME("TYPE_NAME", NULL),
        CAT_INT2("DATA_TYPE", NULL),
        /* psqlODBC's ODBC 2 name */
        CAT_INT4("COLUMN_SIZE", "RECISION"),
        CAT_NAME("LITERAL_PREFIX", NULL),
        CAT_NAME("LITERAL_SUFFIX", NULL),
        CAT_NAME("CREATE_PARAMS", NULL),
        CAT_INT2("NULLABLE", NULL),
        CAT_INT2("CASE_SENSITIVE", NULL),
        CAT_INT2("SEARCHABLE", NULL),
        CAT_INT2("UNSIGNED_ATTRIBUTE", NULL),
        CAT_INT2("FIXED_PREC_SCALE", "MONEY"),
        CAT_INT2("AUTO_UNIQUE_VALUE", "AUTO_INCREMENT"),
        CAT_NAME("LOCAL_TYPE_NAME", NULL),
        CAT_INT2("MINIMUM_SCALE", NULL),
        CAT_INT2("MAXIMUM_SCALE", NULL),
        CAT_INT2("SQL_DATA_TYPE", NULL),
        CAT_INT2("SQL_DATETIME_SUB", NULL),
        CAT_INT4("NUM_PREC_RADIX", NULL),
        CAT_INT2("INTERVAL_PRECISION", NULL),
};
#define INFO_NTYPECOLS ((int)(sizeof(info_type_defs) / sizeof(info_type_defs[0])))

/* psqlODBC's list, in its order (built without the SQL interval types). */
static const SQLSMALLINT info_sql_types[] = {
        SQL_BIGINT,         SQL_BIT,     SQL_CHAR,      SQL_TYPE_DATE,    SQL_DATE,
        SQL_DECIMAL,        SQL_DOUBLE,  SQL_FLOAT,     SQL_INTEGER,      SQL_LONGVARBINARY,
        SQL_LONGVARCHAR,    SQL_NUMERIC, SQL_REAL,      SQL_SMALLINT,     SQL_TYPE_TIME,
        SQL_TYPE_TIMESTAMP, SQL_TIME,    SQL_TIMESTAMP, SQL_TINYINT,      SQL_VARBINARY,
        SQL_VARCHAR,        SQL_WCHAR,   SQL_WVARCHAR,  SQL_WLONGVARCHAR, SQL_GUID,
};

static long info_min_scale(Oid oid)
{
	if (pgt_is_number(oid) || oid == CBO_BOOLOID || oid == CBO_TIMESTAMPTZOID || oid == CBO_TIMESTAMPOID)
		return 0;
	return -1;
}

static long info_max_scale(Oid oid)
{
	if (oid == CBO_NUMERICOID)
		return 6;
	if (pgt_is_number(oid) || oid == CBO_BOOLOID)
		return 0;
	if (oid == CBO_TIMESTAMPTZOID || oid == CBO_TIMESTAMPOID)
		return 38;
	return -1;
}

SQLRETURN info_get_type_info(cbo_stmt *st, SQLSMALLINT sqltype)
{
	bool odbc2 = st->dbc->env->odbc_version == SQL_OV_ODBC2;
	PGresult *out = cat_result_new(st, info_type_defs, INFO_NTYPECOLS);
	if (out == NULL)
		return diag_add(&st->diag, "HY001", "out of memory building the type list");
	int row = 0;
	bool ok = true;
	for (size_t i = 0; ok && i < CB_ARRAY_LEN(info_sql_types); i++) {
		SQLSMALLINT t = info_sql_types[i];
		if (sqltype == SQL_ALL_TYPES && odbc2 &&
		    (t == SQL_TYPE_DATE || t == SQL_TYPE_TIME || t == SQL_TYPE_TIMESTAMP))
			continue;
		if (sqltype != SQL_ALL_TYPES && sqltype != t)
			continue;
		Oid oid = pgt_from_sql_type(&st->dbc->opts, t);
		pgt_ctx ctx;
		pgt_col c;
		cat_type(st, oid, PGT_UNSET, &ctx, &c);
		if (t == SQL_LONGVARBINARY && oid == 0)
			ctx.lo = true; /* psqlODBC's large-object type, known or not */
		const char *quote = pgt_literal_quote(oid);
		ok = cat_set(out, row, 0, pgt_name_mod(&ctx, oid, PGT_UNSET, NULL)) && cat_set_int(out, row, 1, t) &&
		     cat_set_nint(out, row, 2, pgt_column_size(&ctx, &c)) && cat_set(out, row, 3, quote) &&
		     cat_set(out, row, 4, quote) && cat_set(out, row, 5, pgt_create_params(oid)) &&
		     cat_set_int(out, row, 6, SQL_NULLABLE) && cat_set_int(out, row, 7, pgt_case_sensitive(oid)) &&
		     cat_set_int(out, row, 8, pgt_searchable(&ctx, oid)) &&
		     cat_set_nint(out, row, 9, pgt_unsigned(oid)) && cat_set_int(out, row, 10, oid == CBO_MONEYOID) &&
		     cat_set_nint(out, row, 11, pgt_auto_increment(oid)) && cat_set(out, row, 12, NULL) &&
		     cat_set_nint(out, row, 13, info_min_scale(oid)) &&
		     cat_set_nint(out, row, 14, info_max_scale(oid)) &&
		     cat_set_int(out, row, 15, pgt_desc_type(&ctx, &c)) &&
		     cat_set_nint(out, row, 16, pgt_datetime_sub(&ctx, &c)) &&
		     cat_set_nint(out, row, 17, pgt_radix(oid)) && cat_set_int(out, row, 18, 0);
		row++;
	}
	if (!ok) {
		PQclear(out);
		return diag_add(&st->diag, "HY001", "out of memory building the type list");
	}
	return cat_install(st, out, info_type_defs, INFO_NTYPECOLS);
}
