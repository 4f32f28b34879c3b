/*
 * Differential test, broad: every case runs the same ODBC calls through our
 * driver (DSN cbtest) and through Debian's psqlODBC (DSN pgtest), both
 * straight to the harness's PostgreSQL, and writes a transcript of
 * everything an application can observe: return codes, SQLSTATEs, native
 * error numbers, messages, values (the bytes the driver wrote), lengths,
 * metadata.  The transcripts must be equal byte for byte.
 *
 * The cases: every built-in type of PostgreSQL 15 read into every C type
 * (and NULL), column metadata (SQLDescribeCol, SQLColAttribute), parameters
 * of every SQL type from the C types, every catalog function, SQLGetInfo,
 * SQLGetFunctions, SQLGetTypeInfo, statement and connection attributes,
 * descriptors, transactions and the error rollback level, several
 * statements with SQLMoreResults, escapes, notices, errors and diagnostic
 * fields, scrolling, bookmarks, SQLSetPos and SQLBulkOperations, cursor
 * names, parameter arrays, data at execution, output parameters, and the
 * DSN options that change what the driver reports.
 *
 * The differences doc/odbc.md lists are handled in the transcript, never
 * by skipping a case: a message the driver words itself (not the server's)
 * is written as <driver message> (doc/odbc.md, "Messages"); the driver's
 * name and version in SQLGetInfo as <driver identity>.  Cases whose
 * transcripts still differ in a documented way name the section of
 * doc/odbc.md in the exceptions table; the test checks that they differ
 * only there.  CB_CMP_VERBOSE=1 prints every transcript pair that differs;
 * CB_CMP_ONLY=name runs the cases whose name starts with name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/odbc/odbctest.h"

static SQLHENV env;
static const char *const dsns[2] = {"cbtest", "pgtest"};
static PGconn *pg;

/* --- transcripts ---------------------------------------------------------------------------- */

typedef struct tr {
	char *s;
	size_t len, cap;
} tr;

static void tp(tr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tp(tr *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (t->s && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
}

/* A temporary table's schema is its session's (pg_temp_<backend>): written
 * as pg_temp_N, so that the two drivers' sessions compare.  The bytes
 * taken out. */
static int mask_temp_schema(char *s)
{
	char *p = strstr(s, "pg_temp_");
	if (p == NULL)
		return 0;
	char *d = p + 8, *e = d;
	while (*e >= '0' && *e <= '9')
		e++;
	if (e == d)
		return 0;
	*d = 'N';
	memmove(d + 1, e, strlen(e) + 1);
	return (int)(e - d) - 1;
}

static void thex(tr *t, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		tp(t, "%02x", b[i]);
}

/* Whether a diagnostic message is the server's (psqlODBC's wording of it is
 * matched) or the driver manager's, rather than the driver's own words. */
static bool server_message(const char *m)
{
	static const char *const prefix[] = {
	        "ERROR: ", "FATAL: ", "PANIC: ", "WARNING: ", "NOTICE: ", "INFO: ", "LOG: ", "DEBUG: ", "[unixODBC]"};
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(m, prefix[i], strlen(prefix[i])) == 0)
			return true;
	return false;
}

static void tdiag(tr *t, SQLSMALLINT type, SQLHANDLE h)
{
	for (SQLSMALLINT i = 1; i < 10; i++) {
		SQLCHAR st[6], m[1024];
		SQLINTEGER native = 0;
		SQLSMALLINT len = 0;
		SQLRETURN r = SQLGetDiagRec(type, h, i, st, &native, m, sizeof(m), &len);
		if (!SQL_SUCCEEDED(r))
			break;
		tp(t, "  [%s %d %s]\n", (char *)st, (int)native,
		   server_message((char *)m) ? (char *)m : "<driver message>");
	}
}

/* A call's return code, and its diagnostics when it did not plainly succeed. */
static SQLRETURN trc(tr *t, SQLSMALLINT type, SQLHANDLE h, const char *what, SQLRETURN r)
{
	tp(t, "%s -> %d\n", what, (int)r);
	if (r != SQL_SUCCESS && r != SQL_NO_DATA && r != SQL_INVALID_HANDLE)
		tdiag(t, type, h);
	return r;
}

#define S(call) trc(t, SQL_HANDLE_STMT, st, #call, (call))
#define D(call) trc(t, SQL_HANDLE_DBC, dbc, #call, (call))

/* The whole current result: metadata then rows (values as SQL_C_CHAR). */
static void tresult(tr *t, SQLHSTMT st)
{
	SQLSMALLINT nc = -1;
	S(SQLNumResultCols(st, &nc));
	tp(t, "cols %d\n", (int)nc);
	for (SQLSMALLINT c = 1; c <= nc; c++) {
		SQLCHAR name[256];
		SQLSMALLINT nl = 0, type = 0, dig = 0, nul = 0;
		SQLULEN size = 0;
		SQLRETURN r = SQLDescribeCol(st, (SQLUSMALLINT)c, name, sizeof(name), &nl, &type, &size, &dig, &nul);
		tp(t, " %d: %d %s type %d size %lu digits %d nullable %d\n", (int)c, (int)r, (char *)name, (int)type,
		   (unsigned long)size, (int)dig, (int)nul);
	}
	SQLRETURN r;
	long rows = 0;
	while ((r = SQLFetch(st)) != SQL_NO_DATA && rows < 2000) {
		if (!SQL_SUCCEEDED(r)) {
			trc(t, SQL_HANDLE_STMT, st, "SQLFetch", r);
			break;
		}
		for (SQLSMALLINT c = 1; c <= nc; c++) {
			char b[2048];
			SQLLEN ind = 0;
			SQLRETURN g = SQLGetData(st, (SQLUSMALLINT)c, SQL_C_CHAR, b, sizeof(b), &ind);
			if (!SQL_SUCCEEDED(g))
				tp(t, "%s<rc %d>", c > 1 ? "|" : "", (int)g);
			else
				tp(t, "%s%s", c > 1 ? "|" : "", ind == SQL_NULL_DATA ? "<NULL>" : b);
		}
		tp(t, "\n");
		rows++;
	}
	SQLLEN rc = -99;
	SQLRETURN rr = SQLRowCount(st, &rc);
	tp(t, "rows %ld rowcount %d %ld\n", rows, (int)rr, (long)rc);
}

/* Run a statement and write its result. */
static void texec(tr *t, SQLHSTMT st, const char *sql)
{
	tp(t, "exec %s\n", sql);
	SQLRETURN r = trc(t, SQL_HANDLE_STMT, st, "SQLExecDirect", SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS));
	if (SQL_SUCCEEDED(r))
		tresult(t, st);
	SQLFreeStmt(st, SQL_CLOSE);
}

/* texec each of the n statements of sql in turn. */
static void texec_each(tr *t, SQLHSTMT st, const char *const *sql, size_t n)
{
	for (size_t i = 0; i < n; i++)
		texec(t, st, sql[i]);
}

/* --- the cases --------------------------------------------------------------------------- */

typedef struct cctx {
	SQLHDBC dbc;
	const char *dsn;
	tr *t;
} cctx;

/* A second connection of the case's own (extra: connection-string keys). */
static SQLHDBC tconnect(cctx *c, const char *extra)
{
	SQLHDBC d;
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_DBC, env, &d), SQL_SUCCESS);
	char cs[512];
	snprintf(cs, sizeof(cs), "DSN=%s;%s", c->dsn, extra ? extra : "");
	SQLRETURN r = SQLDriverConnect(d, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	tp(c->t, "connect %s -> %d\n", extra ? extra : "", (int)r);
	if (!SQL_SUCCEEDED(r)) {
		tdiag(c->t, SQL_HANDLE_DBC, d);
		fail();
	}
	return d;
}

static void tdisconnect(SQLHDBC d)
{
	SQLDisconnect(d);
	SQLFreeHandle(SQL_HANDLE_DBC, d);
}

/* --- types into C types ------------------------------------------------------------------- */

static const struct ctype {
	SQLSMALLINT c;
	const char *name;
	int size; /* bytes of a fixed-size type, 0 for variable ones */
} ctypes[] = {
        {SQL_C_CHAR, "CHAR", 0},
        {SQL_C_WCHAR, "WCHAR", 0},
        {SQL_C_BINARY, "BINARY", 0},
        {SQL_C_SSHORT, "SSHORT", 2},
        {SQL_C_USHORT, "USHORT", 2},
        {SQL_C_SLONG, "SLONG", 4},
        {SQL_C_ULONG, "ULONG", 4},
        {SQL_C_FLOAT, "FLOAT", 4},
        {SQL_C_DOUBLE, "DOUBLE", 8},
        {SQL_C_BIT, "BIT", 1},
        {SQL_C_STINYINT, "STINYINT", 1},
        {SQL_C_UTINYINT, "UTINYINT", 1},
        {SQL_C_SBIGINT, "SBIGINT", 8},
        {SQL_C_UBIGINT, "UBIGINT", 8},
        {SQL_C_TYPE_DATE, "TYPE_DATE", sizeof(SQL_DATE_STRUCT)},
        {SQL_C_TYPE_TIME, "TYPE_TIME", sizeof(SQL_TIME_STRUCT)},
        {SQL_C_TYPE_TIMESTAMP, "TYPE_TIMESTAMP", sizeof(SQL_TIMESTAMP_STRUCT)},
        {SQL_C_DATE, "DATE", sizeof(SQL_DATE_STRUCT)},
        {SQL_C_TIME, "TIME", sizeof(SQL_TIME_STRUCT)},
        {SQL_C_TIMESTAMP, "TIMESTAMP", sizeof(SQL_TIMESTAMP_STRUCT)},
        {SQL_C_NUMERIC, "NUMERIC", sizeof(SQL_NUMERIC_STRUCT)},
        {SQL_C_GUID, "GUID", sizeof(SQLGUID)},
        {SQL_C_INTERVAL_YEAR, "INTERVAL_YEAR", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_MONTH, "INTERVAL_MONTH", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_DAY, "INTERVAL_DAY", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_HOUR, "INTERVAL_HOUR", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_MINUTE, "INTERVAL_MINUTE", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_SECOND, "INTERVAL_SECOND", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_YEAR_TO_MONTH, "INTERVAL_YEAR_TO_MONTH", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_DAY_TO_HOUR, "INTERVAL_DAY_TO_HOUR", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_DAY_TO_MINUTE, "INTERVAL_DAY_TO_MINUTE", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_DAY_TO_SECOND, "INTERVAL_DAY_TO_SECOND", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_HOUR_TO_MINUTE, "INTERVAL_HOUR_TO_MINUTE", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_HOUR_TO_SECOND, "INTERVAL_HOUR_TO_SECOND", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_INTERVAL_MINUTE_TO_SECOND, "INTERVAL_MINUTE_TO_SECOND", sizeof(SQL_INTERVAL_STRUCT)},
        {SQL_C_DEFAULT, "DEFAULT", 0},
};
#define NCTYPES ((int)(sizeof(ctypes) / sizeof(ctypes[0])))

/* PostgreSQL 15's built-in types, each with a value. */
static const struct pgval {
	const char *type;
	const char *lit;
} pgvals[] = {
        {"bool", "true"},
        {"bytea", "'\\x00ff4142'"},
        {"\"char\"", "'x'"},
        {"name", "'a_name'"},
        {"int8", "-9007199254740993"},
        {"int2", "-32768"},
        {"int2vector", "'1 2 3'"},
        {"int4", "2147483647"},
        {"regproc", "'now'"},
        {"text", "'some text, ünïcödé €'"},
        {"oid", "4294967295"},
        {"tid", "'(1,2)'"},
        {"xid", "'12345'"},
        {"cid", "'7'"},
        {"oidvector", "'1 2'"},
        {"json", "'{\"a\": [1, 2.5, null]}'"},
        {"xml", "'<a>b</a>'"},
        {"point", "'(1.5,2)'"},
        {"lseg", "'[(0,0),(1,1)]'"},
        {"path", "'((0,0),(1,1),(2,0))'"},
        {"box", "'(1,1),(0,0)'"},
        {"polygon", "'((0,0),(1,1),(1,0))'"},
        {"line", "'{1,-1,0}'"},
        {"float4", "3.4028235e+38"},
        {"float8", "-1.2345678901234567e-300"},
        {"circle", "'<(1,2),3>'"},
        {"money", "'-12.34'"},
        {"macaddr", "'08:00:2b:01:02:03'"},
        {"inet", "'192.168.0.1/24'"},
        {"cidr", "'10.0.0.0/8'"},
        {"macaddr8", "'08:00:2b:01:02:03:04:05'"},
        {"bpchar(5)", "'ab'"},
        {"varchar(10)", "'abcdefghij'"},
        {"varchar", "'unbounded'"},
        {"date", "'2020-02-29'"},
        {"time", "'23:59:59.123456'"},
        {"time(2)", "'01:02:03.45'"},
        {"timestamp", "'1999-12-31 23:59:59.999999'"},
        {"timestamp(0)", "'2000-01-01 00:00:00'"},
        {"timestamptz", "'2021-06-01 12:00:00+02'"},
        {"interval", "'1 year 2 mons 3 days 04:05:06.7'"},
        {"interval day to second", "'-3 days -04:05:06'"},
        {"interval year to month", "'5 years 11 mons'"},
        {"timetz", "'10:11:12+05'"},
        {"bit(4)", "B'1010'"},
        {"varbit", "B'101'"},
        {"numeric", "'-123456789012345678901234567890.123456789'"},
        {"numeric(10,3)", "'3.14159'"},
        {"numeric", "'NaN'"},
        {"refcursor", "'cur'"},
        {"regprocedure", "'now()'"},
        {"regoper", "'||/'"},
        {"regoperator", "'-(NONE,integer)'"},
        {"regclass", "'pg_class'"},
        {"regtype", "'integer'"},
        {"regrole", "'postgres'"},
        {"regnamespace", "'pg_catalog'"},
        {"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"},
        {"pg_lsn", "'16/B374D848'"},
        {"tsvector", "'a fat cat'"},
        {"tsquery", "'fat & rat'"},
        {"regconfig", "'english'"},
        {"regdictionary", "'simple'"},
        {"jsonb", "'{\"b\": 1, \"a\": [true]}'"},
        {"jsonpath", "'$.a[*] ? (@ > 1)'"},
        {"txid_snapshot", "'10:20:10,14,15'"},
        {"pg_snapshot", "'10:20:10,14,15'"},
        {"int4range", "'[1,5)'"},
        {"numrange", "'(1.5,2.5]'"},
        {"tsrange", "'[2020-01-01,2020-01-02)'"},
        {"tstzrange", "'[2020-01-01 00:00+00,)'"},
        {"daterange", "'[2020-01-01,2020-02-01)'"},
        {"int8range", "'[1,2]'"},
        {"int4multirange", "'{[1,2),[5,6)}'"},
        {"int4[]", "'{1,NULL,3}'"},
        {"text[]", "'{a,\"b c\"}'"},
        {"float8[]", "'{1.5,-2}'"},
        {"bool[]", "'{t,f}'"},
        {"aclitem", "'postgres=arwdDxt/postgres'"},
        {"void", "NULL"},
};

/* One value read into one C type: return code, diagnostics, indicator and
 * the bytes the driver wrote (the buffer starts filled with 0xab). */
static void tgetdata(tr *t, SQLHSTMT st, SQLUSMALLINT col, const struct ctype *ct, SQLLEN buflen)
{
	unsigned char buf[600];
	memset(buf, 0xab, sizeof(buf));
	SQLLEN ind = -12345;
	SQLRETURN r = SQLGetData(st, col, ct->c, buf, buflen, &ind);
	tp(t, "%s/%ld: %d ind %ld ", ct->name, (long)buflen, (int)r, (long)ind);
	if (SQL_SUCCEEDED(r) && ind != SQL_NULL_DATA) {
		size_t n;
		if (ct->size > 0)
			n = (size_t)ct->size + 2; /* and two bytes after: nothing written past the value */
		else if (ind >= 0 && ind < buflen)
			n = (size_t)ind + (ct->c == SQL_C_WCHAR ? 2 : ct->c == SQL_C_CHAR ? 1 : 0);
		else
			n = buflen > 0 ? (size_t)buflen : 0;
		if (n > sizeof(buf))
			n = sizeof(buf);
		thex(t, buf, n);
	}
	tp(t, "\n");
	if (r != SQL_SUCCESS && r != SQL_NO_DATA)
		tdiag(t, SQL_HANDLE_STMT, st);
}

/* Metadata of a column: SQLDescribeCol and every SQLColAttribute field. */
static void tcolumn(tr *t, SQLHSTMT st, SQLUSMALLINT col)
{
	static const struct {
		SQLUSMALLINT f;
		const char *name;
		bool str;
	} fields[] = {
	        {SQL_DESC_AUTO_UNIQUE_VALUE, "AUTO_UNIQUE_VALUE", false},
	        {SQL_DESC_BASE_COLUMN_NAME, "BASE_COLUMN_NAME", true},
	        {SQL_DESC_BASE_TABLE_NAME, "BASE_TABLE_NAME", true},
	        {SQL_DESC_CASE_SENSITIVE, "CASE_SENSITIVE", false},
	        {SQL_DESC_CATALOG_NAME, "CATALOG_NAME", true},
	        {SQL_DESC_CONCISE_TYPE, "CONCISE_TYPE", false},
	        {SQL_DESC_DISPLAY_SIZE, "DISPLAY_SIZE", false},
	        {SQL_DESC_FIXED_PREC_SCALE, "FIXED_PREC_SCALE", false},
	        {SQL_DESC_LABEL, "LABEL", true},
	        {SQL_DESC_LENGTH, "LENGTH", false},
	        {SQL_DESC_LITERAL_PREFIX, "LITERAL_PREFIX", true},
	        {SQL_DESC_LITERAL_SUFFIX, "LITERAL_SUFFIX", true},
	        {SQL_DESC_LOCAL_TYPE_NAME, "LOCAL_TYPE_NAME", true},
	        {SQL_DESC_NAME, "NAME", true},
	        {SQL_DESC_NULLABLE, "NULLABLE", false},
	        {SQL_DESC_NUM_PREC_RADIX, "NUM_PREC_RADIX", false},
	        {SQL_DESC_OCTET_LENGTH, "OCTET_LENGTH", false},
	        {SQL_DESC_PRECISION, "PRECISION", false},
	        {SQL_DESC_SCALE, "SCALE", false},
	        {SQL_DESC_SCHEMA_NAME, "SCHEMA_NAME", true},
	        {SQL_DESC_SEARCHABLE, "SEARCHABLE", false},
	        {SQL_DESC_TABLE_NAME, "TABLE_NAME", true},
	        {SQL_DESC_TYPE, "TYPE", false},
	        {SQL_DESC_TYPE_NAME, "TYPE_NAME", true},
	        {SQL_DESC_UNNAMED, "UNNAMED", false},
	        {SQL_DESC_UNSIGNED, "UNSIGNED", false},
	        {SQL_DESC_UPDATABLE, "UPDATABLE", false},
	        {SQL_COLUMN_LENGTH, "COLUMN_LENGTH", false},
	        {SQL_COLUMN_PRECISION, "COLUMN_PRECISION", false},
	        {SQL_COLUMN_SCALE, "COLUMN_SCALE", false},
	};
	/* first: once psqlODBC has looked the column's table up (SQLDescribeCol
	 * of a large-object column does), it fails SQL_DESC_COUNT (doc/odbc.md) */
	SQLLEN count = -12345;
	SQLRETURN r = SQLColAttribute(st, col, SQL_DESC_COUNT, NULL, 0, NULL, &count);
	tp(t, " COUNT: %d %ld\n", (int)r, (long)count);
	SQLCHAR name[256];
	SQLSMALLINT nl = 0, type = 0, dig = 0, nul = 0;
	SQLULEN size = 0;
	r = SQLDescribeCol(st, col, name, sizeof(name), &nl, &type, &size, &dig, &nul);
	tp(t, "describe %u: %d %s(%d) type %d size %lu digits %d nullable %d\n", (unsigned)col, (int)r, (char *)name,
	   (int)nl, (int)type, (unsigned long)size, (int)dig, (int)nul);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char s[256] = "";
		SQLSMALLINT sl = -1;
		SQLLEN num = -12345;
		r = SQLColAttribute(st, col, fields[i].f, fields[i].str ? s : NULL, fields[i].str ? sizeof(s) : 0, &sl,
		                    &num);
		if (fields[i].str) {
			int cut = mask_temp_schema(s);
			tp(t, " %s: %d \"%s\" (%d)\n", fields[i].name, (int)r, s, sl >= 0 ? (int)sl - cut : (int)sl);
		} else
			tp(t, " %s: %d %ld\n", fields[i].name, (int)r, (long)num);
	}
}

static void case_type(cctx *c, const struct pgval *v)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	/* the value once per C type, a NULL of the type last */
	char sql[4096];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (int i = 0; i < NCTYPES + 2; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%sv", i ? ", " : "");
	snprintf(sql + n, sizeof(sql) - n, ", NULL::%s AS n FROM (SELECT %s::%s AS v) s", v->type, v->lit, v->type);
	tp(t, "type %s value %s\n", v->type, v->lit);
	if (!SQL_SUCCEEDED(S(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)))) {
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		return;
	}
	tcolumn(t, st, 1);
	S(SQLFetch(st));
	for (int i = 0; i < NCTYPES; i++)
		tgetdata(t, st, (SQLUSMALLINT)(i + 1), &ctypes[i], ctypes[i].c == SQL_C_WCHAR ? 512 : 300);
	/* small buffers: truncation and pieces */
	const struct ctype small_char = {SQL_C_CHAR, "CHAR", 0}, small_w = {SQL_C_WCHAR, "WCHAR", 0};
	tgetdata(t, st, (SQLUSMALLINT)(NCTYPES + 1), &small_char, 4);
	tgetdata(t, st, (SQLUSMALLINT)(NCTYPES + 1), &small_char, 4);
	tgetdata(t, st, (SQLUSMALLINT)(NCTYPES + 2), &small_w, 6);
	/* the NULL, twice, and as a number */
	tgetdata(t, st, (SQLUSMALLINT)(NCTYPES + 3), &ctypes[0], 100);
	tgetdata(t, st, (SQLUSMALLINT)(NCTYPES + 3), &ctypes[5], 4);
	tcolumn(t, st, (SQLUSMALLINT)(NCTYPES + 3));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- parameters ------------------------------------------------------------------------- */

static void case_params(cctx *c, SQLSMALLINT sqltype, const char *sqlname)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	static SQLINTEGER i4 = -42;
	static SQLSMALLINT i2 = 7;
	static SQLBIGINT i8 = 1234567890123LL;
	static double f8 = 2.5;
	static float f4 = -0.125f;
	static unsigned char bit = 1, bin[3] = {0x00, 0x41, 0xff};
	static SQL_DATE_STRUCT date = {2021, 3, 4};
	static SQL_TIME_STRUCT tim = {13, 14, 15};
	static SQL_TIMESTAMP_STRUCT ts = {2021, 3, 4, 5, 6, 7, 890000000};
	static SQL_NUMERIC_STRUCT num = {5, 2, 1, {0x39, 0x30}}; /* 123.45 */
	static SQLGUID guid = {0xa0eebc99, 0x9c0b, 0x4ef8, {0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}};
	static SQLWCHAR wtext[] = {'w', 0xe9, '1', 0};
	static SQL_INTERVAL_STRUCT iv = {SQL_IS_DAY_TO_SECOND, SQL_FALSE, {.day_second = {1, 2, 3, 4, 500000}}};
	static const struct {
		SQLSMALLINT c;
		const char *name;
		const void *v;
		SQLLEN len;
	} in[] = {
	        {SQL_C_CHAR, "CHAR num", "12", SQL_NTS},
	        {SQL_C_CHAR, "CHAR text", "it's ?", SQL_NTS},
	        {SQL_C_CHAR, "CHAR date", "2021-03-04", SQL_NTS},
	        {SQL_C_CHAR, "CHAR empty", "", SQL_NTS},
	        {SQL_C_CHAR, "CHAR null", "x", SQL_NULL_DATA},
	        {SQL_C_WCHAR, "WCHAR", wtext, SQL_NTS},
	        {SQL_C_SLONG, "SLONG", &i4, 0},
	        {SQL_C_SSHORT, "SSHORT", &i2, 0},
	        {SQL_C_SBIGINT, "SBIGINT", &i8, 0},
	        {SQL_C_DOUBLE, "DOUBLE", &f8, 0},
	        {SQL_C_FLOAT, "FLOAT", &f4, 0},
	        {SQL_C_BIT, "BIT", &bit, 0},
	        {SQL_C_BINARY, "BINARY", bin, 3},
	        {SQL_C_TYPE_DATE, "TYPE_DATE", &date, 0},
	        {SQL_C_TYPE_TIME, "TYPE_TIME", &tim, 0},
	        {SQL_C_TYPE_TIMESTAMP, "TYPE_TIMESTAMP", &ts, 0},
	        {SQL_C_NUMERIC, "NUMERIC", &num, sizeof(num)},
	        {SQL_C_GUID, "GUID", &guid, 0},
	        {SQL_C_INTERVAL_DAY_TO_SECOND, "INTERVAL_DAY_TO_SECOND", &iv, sizeof(iv)},
	};
	tp(t, "parameters as %s\n", sqlname);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		SQLLEN ind = in[i].len;
		tp(t, "%s: ", in[i].name);
		SQLRETURN r = SQLBindParameter(st, 1, SQL_PARAM_INPUT, in[i].c, sqltype, 20, 2, (SQLPOINTER)in[i].v,
		                               in[i].c == SQL_C_BINARY ? 3 : 100, &ind);
		trc(t, SQL_HANDLE_STMT, st, "bind", r);
		r = trc(t, SQL_HANDLE_STMT, st, "exec", SQLExecDirect(st, (SQLCHAR *)"SELECT ?", SQL_NTS));
		if (SQL_SUCCEEDED(r))
			tresult(t, st);
		SQLFreeStmt(st, SQL_CLOSE);
		SQLFreeStmt(st, SQL_RESET_PARAMS);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

#define PARAM_CASE(ty)                         \
	static void case_params_##ty(cctx *c)  \
	{                                      \
		case_params(c, SQL_##ty, #ty); \
	}
PARAM_CASE(CHAR)
PARAM_CASE(VARCHAR)
PARAM_CASE(LONGVARCHAR)
PARAM_CASE(WVARCHAR)
PARAM_CASE(INTEGER)
PARAM_CASE(SMALLINT)
PARAM_CASE(BIGINT)
PARAM_CASE(NUMERIC)
PARAM_CASE(DECIMAL)
PARAM_CASE(DOUBLE)
PARAM_CASE(FLOAT)
PARAM_CASE(REAL)
PARAM_CASE(BIT)
PARAM_CASE(TINYINT)
PARAM_CASE(BINARY)
PARAM_CASE(VARBINARY)
PARAM_CASE(TYPE_DATE)
PARAM_CASE(TYPE_TIME)
PARAM_CASE(TYPE_TIMESTAMP)
PARAM_CASE(GUID)
PARAM_CASE(INTERVAL_DAY_TO_SECOND)

/* --- catalog functions ------------------------------------------------------------------ */

static void case_catalog(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
#define CAT(call)                           \
	do {                                \
		tp(t, "%s\n", #call);       \
		if (SQL_SUCCEEDED(S(call))) \
			tresult(t, st);     \
		SQLFreeStmt(st, SQL_CLOSE); \
	} while (0)
#define N(s) (SQLCHAR *)(s), SQL_NTS
	CAT(SQLTables(st, NULL, 0, N("cmp"), NULL, 0, NULL, 0));
	CAT(SQLTables(st, NULL, 0, N("cmp"), N("t%"), NULL, 0));
	CAT(SQLTables(st, NULL, 0, N("cmp"), NULL, 0, N("TABLE")));
	CAT(SQLTables(st, NULL, 0, N("cmp"), NULL, 0, N("'VIEW','MATVIEW'")));
	CAT(SQLTables(st, NULL, 0, N("cmp"), N("%"), N("SYSTEM TABLE")));
	CAT(SQLTables(st, N(SQL_ALL_CATALOGS), N(""), N(""), NULL, 0));
	CAT(SQLTables(st, N(""), N(SQL_ALL_SCHEMAS), N(""), NULL, 0));
	CAT(SQLTables(st, N(""), N(""), N(""), N(SQL_ALL_TABLE_TYPES)));
	CAT(SQLTables(st, NULL, 0, N("CMP"), N("T1"), NULL, 0));
	CAT(SQLColumns(st, NULL, 0, N("cmp"), N("t1"), NULL, 0));
	CAT(SQLColumns(st, NULL, 0, N("cmp"), N("t%"), N("%\\_id")));
	CAT(SQLColumns(st, NULL, 0, N("cmp"), N("v1"), NULL, 0));
	CAT(SQLColumns(st, NULL, 0, N("cmp"), N("T2"), NULL, 0));
	CAT(SQLColumns(st, NULL, 0, NULL, 0, N("no_such_table"), NULL, 0));
	CAT(SQLPrimaryKeys(st, NULL, 0, N("cmp"), N("t1")));
	CAT(SQLPrimaryKeys(st, NULL, 0, N("cmp"), N("t2")));
	CAT(SQLPrimaryKeys(st, NULL, 0, N("cmp"), N("v1")));
	CAT(SQLForeignKeys(st, NULL, 0, N("cmp"), N("t1"), NULL, 0, NULL, 0, NULL, 0));
	CAT(SQLForeignKeys(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0, N("cmp"), N("t2")));
	CAT(SQLForeignKeys(st, NULL, 0, N("cmp"), N("t1"), NULL, 0, N("cmp"), N("t2")));
	CAT(SQLStatistics(st, NULL, 0, N("cmp"), N("t1"), SQL_INDEX_ALL, SQL_QUICK));
	CAT(SQLStatistics(st, NULL, 0, N("cmp"), N("t1"), SQL_INDEX_UNIQUE, SQL_ENSURE));
	CAT(SQLStatistics(st, NULL, 0, N("cmp"), N("t2"), SQL_INDEX_ALL, SQL_QUICK));
	CAT(SQLSpecialColumns(st, SQL_BEST_ROWID, NULL, 0, N("cmp"), N("t1"), SQL_SCOPE_SESSION, SQL_NULLABLE));
	CAT(SQLSpecialColumns(st, SQL_ROWVER, NULL, 0, N("cmp"), N("t1"), SQL_SCOPE_SESSION, SQL_NULLABLE));
	CAT(SQLSpecialColumns(st, SQL_ROWVER, NULL, 0, N("cmp"), N("v1"), SQL_SCOPE_SESSION, SQL_NULLABLE));
	CAT(SQLSpecialColumns(st, SQL_ROWVER, NULL, 0, N("cmp"), N("no_such"), SQL_SCOPE_SESSION, SQL_NULLABLE));
	CAT(SQLProcedures(st, NULL, 0, N("cmp"), NULL, 0));
	CAT(SQLProcedures(st, NULL, 0, N("cmp"), N("f%")));
	CAT(SQLProcedureColumns(st, NULL, 0, N("cmp"), NULL, 0, NULL, 0));
	CAT(SQLProcedureColumns(st, NULL, 0, N("cmp"), N("f_set"), NULL, 0));
	CAT(SQLTablePrivileges(st, NULL, 0, N("cmp"), N("t%")));
	CAT(SQLColumnPrivileges(st, NULL, 0, NULL, 0, N("t1"), NULL, 0));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* the same under SQL_ATTR_METADATA_ID (names, not patterns) and ODBC 2 names */
static void case_catalog_ids(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	S(SQLSetStmtAttr(st, SQL_ATTR_METADATA_ID, (SQLPOINTER)SQL_TRUE, 0));
	CAT(SQLTables(st, NULL, 0, N("cmp"), N("t_"), NULL, 0));
	CAT(SQLColumns(st, NULL, 0, N("cmp"), N("t1"), N("id")));
	CAT(SQLColumns(st, NULL, 0, N("cmp"), N("t1"), N("ctid")));
	CAT(SQLProcedures(st, NULL, 0, N("cmp"), N("f_set")));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void case_type_info(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	static const SQLSMALLINT types[] = {SQL_ALL_TYPES,      SQL_CHAR,   SQL_VARCHAR,      SQL_LONGVARCHAR,
	                                    SQL_WCHAR,          SQL_BIT,    SQL_INTEGER,      SQL_BIGINT,
	                                    SQL_NUMERIC,        SQL_DOUBLE, SQL_REAL,         SQL_TYPE_DATE,
	                                    SQL_TYPE_TIMESTAMP, SQL_DATE,   SQL_BINARY,       SQL_VARBINARY,
	                                    SQL_LONGVARBINARY,  SQL_GUID,   SQL_INTERVAL_DAY, 12345};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		tp(t, "SQLGetTypeInfo %d\n", (int)types[i]);
		if (SQL_SUCCEEDED(S(SQLGetTypeInfo(st, types[i]))))
			tresult(t, st);
		SQLFreeStmt(st, SQL_CLOSE);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- information ------------------------------------------------------------------------ */

static void case_get_info(cctx *c)
{
	tr *t = c->t;
	SQLHDBC dbc = c->dbc;
	for (int type = 0; type < 20000; type++) {
		if (type == 200)
			type = 1750; /* SQL_DTC_TRANSACTION_COST */
		if (type == 1751)
			type = 10000; /* the ODBC 3 range */
		if (type == 10025)
			break;
		/* the driver manager's own (handles, its library): not the driver's */
		if (type == SQL_DRIVER_HENV || type == SQL_DRIVER_HDBC || type == SQL_DRIVER_HSTMT ||
		    type == SQL_DRIVER_HLIB || type == SQL_DRIVER_HDESC)
			continue;
		unsigned char buf[512];
		memset(buf, 0xab, sizeof(buf));
		SQLSMALLINT len = -1;
		SQLRETURN r = SQLGetInfo(dbc, (SQLUSMALLINT)type, buf, sizeof(buf), &len);
		if (type == SQL_DRIVER_NAME || type == SQL_DRIVER_VER)
			tp(t, "info %d: %d <driver identity>", type, (int)r);
		else
			tp(t, "info %d: %d len %d ", type, (int)r, (int)len);
		if (type == SQL_DRIVER_NAME || type == SQL_DRIVER_VER)
			;
		else if (type == SQL_DATA_SOURCE_NAME && SQL_SUCCEEDED(r))
			tp(t, "<the DSN's name>"); /* cbtest and pgtest */
		else if (SQL_SUCCEEDED(r))
			thex(t, buf, len >= 0 && len < 500 ? (size_t)len + 1 : 4);
		tp(t, "\n");
		if (r != SQL_SUCCESS)
			tdiag(t, SQL_HANDLE_DBC, dbc);
	}
	/* a string answer into a small buffer */
	SQLCHAR small[4];
	SQLSMALLINT len = -1;
	D(SQLGetInfo(dbc, SQL_DBMS_NAME, small, sizeof(small), &len));
	tp(t, "%s %d\n", (char *)small, (int)len);
	D(SQLGetInfo(dbc, SQL_DBMS_NAME, NULL, 0, &len));
	tp(t, "%d\n", (int)len);
}

static void case_get_functions(cctx *c)
{
	tr *t = c->t;
	SQLHDBC dbc = c->dbc;
	SQLUSMALLINT all[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
	D(SQLGetFunctions(dbc, SQL_API_ODBC3_ALL_FUNCTIONS, all));
	thex(t, all, sizeof(all));
	tp(t, "\n");
	SQLUSMALLINT old[100];
	D(SQLGetFunctions(dbc, SQL_API_ALL_FUNCTIONS, old));
	thex(t, old, sizeof(old));
	tp(t, "\n");
	for (SQLUSMALLINT f = 1; f < 1030; f++) {
		if (f == 80)
			f = 1000;
		SQLUSMALLINT s = 99;
		SQLRETURN r = SQLGetFunctions(dbc, f, &s);
		tp(t, "%u:%d:%u ", (unsigned)f, (int)r, (unsigned)s);
	}
	tp(t, "\n");
}

/* --- attributes --------------------------------------------------------------------------- */

/* Write the return code and value of each of the n attributes of h, a
 * statement or a connection: a statement's value (an SQLULEN wide) always,
 * a connection's (an SQLUINTEGER) on success only. */
static void tattrs(tr *t, SQLSMALLINT type, SQLHANDLE h, const SQLINTEGER *attrs, size_t n)
{
	bool stmt = type == SQL_HANDLE_STMT;
	for (size_t i = 0; i < n; i++) {
		unsigned char v[16];
		memset(v, 0xab, sizeof(v));
		SQLINTEGER len = -1;
		SQLRETURN r = stmt ? SQLGetStmtAttr(h, attrs[i], v, sizeof(v), &len)
		                   : SQLGetConnectAttr(h, attrs[i], v, sizeof(v), &len);
		tp(t, "%s attr %d: %d ", stmt ? "stmt" : "conn", (int)attrs[i], (int)r);
		if (stmt)
			thex(t, v, 8);
		else if (SQL_SUCCEEDED(r))
			thex(t, v, 4);
		tp(t, "\n");
		if (r != SQL_SUCCESS)
			tdiag(t, type, h);
	}
}

static void case_attributes(cctx *c)
{
	tr *t = c->t;
	SQLHDBC dbc = c->dbc;
	SQLHSTMT st = ot_stmt(dbc);
	static const SQLINTEGER sattrs[] = {SQL_ATTR_CURSOR_TYPE,
	                                    SQL_ATTR_CONCURRENCY,
	                                    SQL_ATTR_MAX_ROWS,
	                                    SQL_ATTR_MAX_LENGTH,
	                                    SQL_ATTR_QUERY_TIMEOUT,
	                                    SQL_ATTR_NOSCAN,
	                                    SQL_ATTR_KEYSET_SIZE,
	                                    SQL_ATTR_ROW_ARRAY_SIZE,
	                                    SQL_ATTR_PARAMSET_SIZE,
	                                    SQL_ATTR_RETRIEVE_DATA,
	                                    SQL_ATTR_USE_BOOKMARKS,
	                                    SQL_ATTR_ROW_BIND_TYPE,
	                                    SQL_ATTR_PARAM_BIND_TYPE,
	                                    SQL_ATTR_CURSOR_SCROLLABLE,
	                                    SQL_ATTR_CURSOR_SENSITIVITY,
	                                    SQL_ATTR_METADATA_ID,
	                                    SQL_ROWSET_SIZE,
	                                    SQL_ATTR_ASYNC_ENABLE,
	                                    SQL_ATTR_SIMULATE_CURSOR,
	                                    SQL_ATTR_ENABLE_AUTO_IPD,
	                                    SQL_ATTR_ROW_NUMBER};
	tattrs(t, SQL_HANDLE_STMT, st, sattrs, sizeof(sattrs) / sizeof(sattrs[0]));
	/* values the driver changes or refuses */
	static const struct {
		SQLINTEGER a;
		SQLULEN v;
	} sets[] = {
	        {SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_DYNAMIC},
	        {SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_KEYSET_DRIVEN},
	        {SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_STATIC},
	        {SQL_ATTR_CURSOR_TYPE, 77},
	        {SQL_ATTR_CONCURRENCY, SQL_CONCUR_LOCK},
	        {SQL_ATTR_CONCURRENCY, SQL_CONCUR_VALUES},
	        {SQL_ATTR_CONCURRENCY, SQL_CONCUR_ROWVER},
	        {SQL_ATTR_CONCURRENCY, SQL_CONCUR_READ_ONLY},
	        {SQL_ATTR_CURSOR_SCROLLABLE, SQL_SCROLLABLE},
	        {SQL_ATTR_CURSOR_SENSITIVITY, SQL_SENSITIVE},
	        {SQL_ATTR_ASYNC_ENABLE, SQL_ASYNC_ENABLE_ON},
	        {SQL_ATTR_SIMULATE_CURSOR, SQL_SC_UNIQUE},
	        {SQL_ATTR_MAX_ROWS, 5},
	        {SQL_ATTR_QUERY_TIMEOUT, 30},
	        {SQL_ATTR_ROW_ARRAY_SIZE, 0},
	        {SQL_ATTR_USE_BOOKMARKS, SQL_UB_VARIABLE},
	        {SQL_ATTR_RETRIEVE_DATA, 9},
	        {12345, 1},
	};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		SQLRETURN r = SQLSetStmtAttr(st, sets[i].a, (SQLPOINTER)sets[i].v, 0);
		tp(t, "set %d=%lu: %d\n", (int)sets[i].a, (unsigned long)sets[i].v, (int)r);
		if (r != SQL_SUCCESS)
			tdiag(t, SQL_HANDLE_STMT, st);
		SQLULEN back = 0xabab;
		SQLRETURN g = SQLGetStmtAttr(st, sets[i].a, &back, sizeof(back), NULL);
		tp(t, "  get %d %lu\n", (int)g, (unsigned long)back);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	static const SQLINTEGER cattrs[] = {SQL_ATTR_ACCESS_MODE,
	                                    SQL_ATTR_AUTOCOMMIT,
	                                    SQL_ATTR_CONNECTION_TIMEOUT,
	                                    SQL_ATTR_LOGIN_TIMEOUT,
	                                    SQL_ATTR_TXN_ISOLATION,
	                                    SQL_ATTR_CONNECTION_DEAD,
	                                    SQL_ATTR_METADATA_ID,
	                                    SQL_ATTR_ODBC_CURSORS,
	                                    SQL_ATTR_PACKET_SIZE,
	                                    SQL_ATTR_QUIET_MODE,
	                                    SQL_ATTR_TRANSLATE_OPTION,
	                                    SQL_ATTR_ASYNC_ENABLE,
	                                    SQL_ATTR_AUTO_IPD,
	                                    12345,
	                                    65541};
	tattrs(t, SQL_HANDLE_DBC, dbc, cattrs, sizeof(cattrs) / sizeof(cattrs[0]));
	SQLCHAR cat[64] = "";
	SQLINTEGER cl = -1;
	D(SQLGetConnectAttr(dbc, SQL_ATTR_CURRENT_CATALOG, cat, sizeof(cat), &cl));
	tp(t, "catalog %s %d\n", (char *)cat, (int)cl);
	D(SQLSetConnectAttr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_REPEATABLE_READ, 0));
	texec(t, st = ot_stmt(dbc), "SHOW transaction_isolation");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	D(SQLSetConnectAttr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_READ_COMMITTED, 0));
	D(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)77, 0));
}

/* --- transactions -------------------------------------------------------------------------- */

static void case_transactions(cctx *c)
{
	tr *t = c->t;
	SQLHDBC dbc = tconnect(c, NULL);
	SQLHSTMT st = ot_stmt(dbc);
	texec(t, st, "CREATE TEMP TABLE tx (a int PRIMARY KEY)");
	D(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0));
	texec(t, st, "INSERT INTO tx VALUES (1)");
	texec(t, st, "INSERT INTO tx VALUES (1)"); /* an error: the statement alone is rolled back */
	texec(t, st, "INSERT INTO tx VALUES (2)");
	texec(t, st, "SELECT a FROM tx ORDER BY a");
	D(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT));
	texec(t, st, "SELECT count(*) FROM tx");
	texec(t, st, "UPDATE tx SET a = a WHERE a = 99");
	texec(t, st, "DELETE FROM tx WHERE a = 99");
	texec(t, st, "VACUUM");
	texec(t, st, "BEGIN");
	texec(t, st, "COMMIT");
	texec(t, st, "SELECT 1/0");
	texec(t, st, "SELECT 2");
	D(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK));
	D(SQLEndTran(SQL_HANDLE_DBC, dbc, 77));
	texec(t, st, "INSERT INTO tx VALUES (3)");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	/* a disconnect with the transaction open rolls it back */
	D(SQLDisconnect(dbc));
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	/* the other rollback levels (Protocol=7.4-1: the transaction; -0: none) */
	for (int level = 0; level < 2; level++) {
		dbc = tconnect(c, level ? "Protocol=7.4-1" : "Protocol=7.4-0");
		st = ot_stmt(dbc);
		texec(t, st, "CREATE TEMP TABLE tl (a int PRIMARY KEY)");
		D(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0));
		texec(t, st, "INSERT INTO tl VALUES (1)");
		texec(t, st, "INSERT INTO tl VALUES (1)");
		texec(t, st, "INSERT INTO tl VALUES (2)");
		D(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT));
		texec(t, st, "SELECT a FROM tl ORDER BY a");
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		tdisconnect(dbc);
	}
}

/* --- several statements, escapes, notices, errors ------------------------------------------- */

static void tmore(tr *t, SQLHSTMT st, const char *sql)
{
	tp(t, "multi %s\n", sql);
	SQLRETURN r = trc(t, SQL_HANDLE_STMT, st, "SQLExecDirect", SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS));
	for (int i = 0; i < 8 && r != SQL_NO_DATA; i++) {
		if (SQL_SUCCEEDED(r))
			tresult(t, st);
		r = trc(t, SQL_HANDLE_STMT, st, "SQLMoreResults", SQLMoreResults(st));
	}
	SQLFreeStmt(st, SQL_CLOSE);
}

static void case_multi(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	static const char *const q[] = {
	        "SELECT 1 AS a; SELECT 'b' AS b, 2 AS c",
	        "CREATE TEMP TABLE mr (a int); INSERT INTO mr VALUES (1), (2); UPDATE mr SET a = a + 1; "
	        "SELECT * FROM mr ORDER BY a; DELETE FROM mr",
	        "SELECT 1; SELECT 1/0; SELECT 3",
	        "SELECT 1;;; SELECT 2;",
	        "SELECT ';' AS s, $$;$$ AS d; -- ; comment\n SELECT 2",
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		tmore(t, st, q[i]);
	/* with parameters, prepared */
	SQLINTEGER a = 5, b = 6;
	S(SQLPrepare(st, (SQLCHAR *)"SELECT ?::int + 1; SELECT ?::int * 2", SQL_NTS));
	SQLSMALLINT np = -1;
	S(SQLNumParams(st, &np));
	tp(t, "params %d\n", (int)np);
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &a, 0, NULL));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &b, 0, NULL));
	SQLRETURN r = S(SQLExecute(st));
	while (r != SQL_NO_DATA && r != SQL_ERROR) {
		tresult(t, st);
		r = S(SQLMoreResults(st));
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void case_escapes(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	static const char *const q[] = {
	        "SELECT {d '2020-01-02'}, {t '10:11:12'}, {ts '2020-01-02 10:11:12.5'}",
	        "SELECT {fn UCASE('abc')}, {fn LCASE('ABC')}, {fn LENGTH('abcd')}, {fn CONCAT('a', 'b')}",
	        "SELECT {fn LEFT('abcdef', 2)}, {fn RIGHT('abcdef', 2)}, {fn SUBSTRING('abcdef', 2, 3)}, "
	        "{fn LTRIM('  a')}, {fn RTRIM('a  ')}",
	        "SELECT {fn LOCATE('c', 'abcabc')}, {fn LOCATE('c', 'abcabc', 4)}, {fn ASCII('A')}, {fn CHAR(66)}",
	        "SELECT {fn ABS(-2)}, {fn MOD(7, 3)}, {fn ROUND(2.567, 1)}, {fn TRUNCATE(2.567, 1)}, {fn SIGN(-3)}",
	        "SELECT {fn SQRT(16)}, {fn POWER(2, 10)}, {fn FLOOR(2.5)}, {fn CEILING(2.1)}, {fn PI()} > 3",
	        "SELECT {fn IFNULL(NULL, 'x')}, {fn CONVERT('12', SQL_INTEGER)}, {fn CONVERT(12, SQL_VARCHAR)}",
	        "SELECT {fn DAYOFMONTH({d '2020-03-04'})}, {fn MONTH({d '2020-03-04'})}, {fn YEAR({d '2020-03-04'})}, "
	        "{fn DAYOFWEEK({d '2020-03-04'})}, {fn QUARTER({d '2020-03-04'})}",
	        "SELECT {fn HOUR({t '10:11:12'})}, {fn MINUTE({t '10:11:12'})}, {fn SECOND({t '10:11:12'})}",
	        "SELECT {fn TIMESTAMPADD(SQL_TSI_DAY, 2, {ts '2020-01-01 00:00:00'})}",
	        "SELECT {fn TIMESTAMPDIFF(SQL_TSI_DAY, {ts '2020-01-01 00:00:00'}, {ts '2020-01-05 00:00:00'})}",
	        "SELECT * FROM {oj cmp.t1 LEFT OUTER JOIN cmp.t2 ON t1.id = t2.t1_id} ORDER BY 1 LIMIT 2",
	        "SELECT 'a_b' LIKE 'a\\_b' {escape '\\'}",
	        "{call cmp.f_add(1, 2)}",
	        "SELECT {fn USER()} IS NOT NULL, {fn DATABASE()} IS NOT NULL",
	        "SELECT {fn SPACE(3)} || 'x', {fn REPEAT('ab', 2)}, {fn REPLACE('aXb', 'X', 'y')}",
	        "SELECT {fn NOSUCH(1)}",
	};
	texec_each(t, st, q, sizeof(q) / sizeof(q[0]));
	/* escapes with parameters */
	SQLCHAR s1[] = "abc", s2[] = "def";
	SQLLEN nts = SQL_NTS;
	SQLINTEGER two = 2;
	S(SQLPrepare(st, (SQLCHAR *)"SELECT {fn CONCAT(?, ?)}, {fn LEFT(?, ?)}, {fn LOCATE(?, 'xxabcxx')}", SQL_NTS));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, s1, 0, &nts));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, s2, 0, &nts));
	S(SQLBindParameter(st, 3, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, s1, 0, &nts));
	S(SQLBindParameter(st, 4, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &two, 0, NULL));
	S(SQLBindParameter(st, 5, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, s1, 0, &nts));
	if (SQL_SUCCEEDED(S(SQLExecute(st))))
		tresult(t, st);
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_RESET_PARAMS);
	/* {? = call} and {call} with output parameters */
	SQLINTEGER ret = -1, x = 3, y = 4, io = 10;
	SQLLEN ri = 0, xi = 0, yi = 0, ioi = 0;
	S(SQLPrepare(st, (SQLCHAR *)"{? = call cmp.f_add(?, ?)}", SQL_NTS));
	S(SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ri));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &xi));
	S(SQLBindParameter(st, 3, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &y, 0, &yi));
	if (SQL_SUCCEEDED(S(SQLExecute(st))))
		tresult(t, st);
	tp(t, "ret %d ind %ld\n", (int)ret, (long)ri);
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_RESET_PARAMS);
	char txt[32] = "";
	SQLLEN ti = 0;
	S(SQLPrepare(st, (SQLCHAR *)"{call cmp.f_out(?, ?, ?)}", SQL_NTS));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &xi));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &io, 0, &ioi));
	S(SQLBindParameter(st, 3, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_VARCHAR, 30, 0, txt, sizeof(txt), &ti));
	if (SQL_SUCCEEDED(S(SQLExecute(st))))
		tresult(t, st);
	tp(t, "io %d txt %s ind %ld\n", (int)io, txt, (long)ti);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void case_notices(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	texec(t, st, "DO $$BEGIN RAISE NOTICE 'note %', 1; END$$");
	texec(t, st, "DO $$BEGIN RAISE WARNING 'warn'; RAISE NOTICE 'two'; END$$");
	texec(t, st, "SELECT cmp.f_notice(3)");
	texec(t, st, "DO $$BEGIN RAISE INFO 'info'; END$$");
	texec(t, st, "SET client_min_messages = warning");
	texec(t, st, "DO $$BEGIN RAISE NOTICE 'hidden'; END$$");
	texec(t, st, "RESET client_min_messages");
	/* quotes: the escape_string_warning of a backslash in a plain literal */
	texec(t, st, "SET standard_conforming_strings = off");
	texec(t, st, "SELECT 'a\\\\b', 'it''s', E'x\\ty'");
	texec(t, st, "RESET standard_conforming_strings");
	texec(t, st, "SELECT 'a\\\\b', 'it''s', E'x\\ty', $q$'$q$");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void case_errors(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	static const char *const q[] = {
	        "", /* first: psqlODBC repeats the connection's last server error here (doc/odbc.md) */
	        "SELEC 1",
	        "SELECT no_such_column",
	        "SELECT * FROM no_such_table",
	        "SELECT 1/0",
	        "SELECT 'x'::int",
	        "INSERT INTO cmp.t3 (b) VALUES ('x')",
	        "INSERT INTO cmp.t3 VALUES (1, 'x'), (1, 'y')",
	        "INSERT INTO cmp.t2 (id, t1_id) VALUES (99, 12345)",
	        "SELECT repeat('x', 3000)::int",
	        "   ",
	        ";",
	        "RAISE",
	};
	texec_each(t, st, q, sizeof(q) / sizeof(q[0]));
	/* the diagnostic fields of an error */
	SQLExecDirect(st, (SQLCHAR *)"SELECT 1/0", SQL_NTS);
	SQLINTEGER n = -1, native = -1;
	SQLCHAR s[512] = "";
	SQLSMALLINT len = -1;
	SQLRETURN r = SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_NUMBER, &n, 0, &len);
	tp(t, "NUMBER %d %d\n", (int)r, (int)n);
	SQLRETURN rc = 0;
	r = SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_RETURNCODE, &rc, 0, &len);
	tp(t, "RETURNCODE %d %d\n", (int)r, (int)rc);
	SQLLEN rowc = -9;
	r = SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_ROW_COUNT, &rowc, 0, &len);
	tp(t, "ROW_COUNT %d %ld\n", (int)r, (long)rowc);
	static const struct {
		SQLSMALLINT f;
		const char *name;
	} strf[] = {{SQL_DIAG_SQLSTATE, "SQLSTATE"},
	            {SQL_DIAG_MESSAGE_TEXT, "MESSAGE_TEXT"},
	            {SQL_DIAG_CLASS_ORIGIN, "CLASS_ORIGIN"},
	            {SQL_DIAG_SUBCLASS_ORIGIN, "SUBCLASS_ORIGIN"},
	            {SQL_DIAG_CONNECTION_NAME, "CONNECTION_NAME"},
	            {SQL_DIAG_SERVER_NAME, "SERVER_NAME"},
	            {SQL_DIAG_DYNAMIC_FUNCTION, "DYNAMIC_FUNCTION"}};
	for (size_t i = 0; i < sizeof(strf) / sizeof(strf[0]); i++) {
		s[0] = '\0';
		r = SQLGetDiagField(SQL_HANDLE_STMT, st, strf[i].f == SQL_DIAG_DYNAMIC_FUNCTION ? 0 : 1, strf[i].f, s,
		                    sizeof(s), &len);
		tp(t, "%s %d \"%s\" %d\n", strf[i].name, (int)r,
		   strf[i].f == SQL_DIAG_SERVER_NAME || strf[i].f == SQL_DIAG_CONNECTION_NAME ? "<dsn>" : (char *)s,
		   strf[i].f == SQL_DIAG_SERVER_NAME || strf[i].f == SQL_DIAG_CONNECTION_NAME ? 0 : (int)len);
	}
	r = SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_NATIVE, &native, 0, &len);
	tp(t, "NATIVE %d %d\n", (int)r, (int)native);
	r = SQLGetDiagField(SQL_HANDLE_STMT, st, 2, SQL_DIAG_SQLSTATE, s, sizeof(s), &len);
	tp(t, "record 2: %d\n", (int)r);
	/* a message read in small pieces */
	SQLExecDirect(st, (SQLCHAR *)"SELECT no_such_column_with_a_long_name_for_pieces", SQL_NTS);
	for (SQLSMALLINT i = 1; i < 6; i++) {
		SQLCHAR st5[6], m[24];
		SQLINTEGER nat;
		SQLSMALLINT ml = -1;
		r = SQLGetDiagRec(SQL_HANDLE_STMT, st, i, st5, &nat, m, sizeof(m), &ml);
		tp(t, "piece %d: %d %s %s %d\n", (int)i, (int)r, SQL_SUCCEEDED(r) ? (char *)st5 : "",
		   SQL_SUCCEEDED(r) ? (char *)m : "", (int)ml);
		if (!SQL_SUCCEEDED(r))
			break;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- cursors: scrolling, bookmarks, names, SQLSetPos ------------------------------------------ */

static void trowset(tr *t, SQLHSTMT st, SQLRETURN r, SQLINTEGER *ids, SQLLEN *ind, SQLULEN fetched,
                    SQLUSMALLINT *status, int n)
{
	tp(t, "%d fetched %lu:", (int)r, (unsigned long)fetched);
	for (int i = 0; i < n; i++)
		tp(t, " %d/%ld/%u", (int)ids[i], (long)ind[i], (unsigned)status[i]);
	tp(t, "\n");
	if (r != SQL_SUCCESS && r != SQL_NO_DATA)
		tdiag(t, SQL_HANDLE_STMT, st);
}

static void case_scroll(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	SQLINTEGER ids[3];
	SQLLEN ind[3];
	SQLUSMALLINT status[3];
	SQLULEN fetched = 0;
	S(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_VARIABLE, 0));
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT g FROM generate_series(1, 10) g", SQL_NTS));
	S(SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, ind));
	static const struct {
		SQLSMALLINT o;
		SQLLEN off;
	} moves[] = {{SQL_FETCH_NEXT, 0},
	             {SQL_FETCH_NEXT, 0},
	             {SQL_FETCH_PRIOR, 0},
	             {SQL_FETCH_FIRST, 0},
	             {SQL_FETCH_LAST, 0},
	             {SQL_FETCH_ABSOLUTE, 5},
	             {SQL_FETCH_RELATIVE, -2},
	             {SQL_FETCH_ABSOLUTE, -1},
	             {SQL_FETCH_PRIOR, 0},
	             {SQL_FETCH_ABSOLUTE, 0},
	             {SQL_FETCH_PRIOR, 0},
	             {SQL_FETCH_NEXT, 0},
	             {SQL_FETCH_ABSOLUTE, 11},
	             {SQL_FETCH_NEXT, 0},
	             {SQL_FETCH_RELATIVE, 0},
	             {SQL_FETCH_ABSOLUTE, 9},
	             {SQL_FETCH_NEXT, 0},
	             {SQL_FETCH_ABSOLUTE, -20},
	             {77, 0}};
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		memset(ids, 0, sizeof(ids));
		memset(ind, 0, sizeof(ind));
		memset(status, 0xff, sizeof(status));
		fetched = 99;
		tp(t, "scroll %d %ld: ", (int)moves[i].o, (long)moves[i].off);
		trowset(t, st, SQLFetchScroll(st, moves[i].o, moves[i].off), ids, ind, fetched, status, 3);
		SQLINTEGER one = -1;
		SQLLEN oi = 0;
		SQLRETURN g = SQLGetData(st, 1, SQL_C_SLONG, &one, 0, &oi);
		SQLULEN rownum = 0;
		SQLGetStmtAttr(st, SQL_ATTR_ROW_NUMBER, &rownum, 0, NULL);
		tp(t, "  getdata %d %d row %lu\n", (int)g, (int)one, (unsigned long)rownum);
	}
	/* bookmarks: the bookmark of a row, then a fetch relative to it */
	S(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 4));
	unsigned char bm[16];
	SQLLEN bml = 0;
	S(SQLGetData(st, 0, SQL_C_VARBOOKMARK, bm, sizeof(bm), &bml));
	tp(t, "bookmark len %ld ", (long)bml);
	thex(t, bm, bml > 0 && bml <= 16 ? (size_t)bml : 0);
	tp(t, "\n");
	S(SQLSetStmtAttr(st, SQL_ATTR_FETCH_BOOKMARK_PTR, bm, 0));
	trowset(t, st, SQLFetchScroll(st, SQL_FETCH_BOOKMARK, 2), ids, ind, fetched, status, 3);
	/* SQLSetPos on a read-only static cursor: position and refresh only */
	S(SQLSetPos(st, 2, SQL_POSITION, SQL_LOCK_NO_CHANGE));
	SQLINTEGER one = -1;
	SQLLEN oi = 0;
	S(SQLGetData(st, 1, SQL_C_SLONG, &one, 0, &oi));
	tp(t, "positioned %d\n", (int)one);
	S(SQLSetPos(st, 1, SQL_REFRESH, SQL_LOCK_NO_CHANGE));
	S(SQLSetPos(st, 9, SQL_POSITION, SQL_LOCK_NO_CHANGE));
	S(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE));
	S(SQLSetPos(st, 1, 77, SQL_LOCK_NO_CHANGE));
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_UNBIND);
	/* ODBC 2's SQLExtendedFetch */
	S(SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_OFF, 0));
	S(SQLSetStmtAttr(st, SQL_ROWSET_SIZE, (SQLPOINTER)2, 0));
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT g FROM generate_series(1, 5) g", SQL_NTS));
	S(SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, ind));
	for (int i = 0; i < 4; i++) {
		SQLULEN rows = 99;
		SQLUSMALLINT rs[3] = {9, 9, 9};
		memset(ids, 0, sizeof(ids));
		SQLRETURN r = SQLExtendedFetch(st, i == 3 ? SQL_FETCH_PRIOR : SQL_FETCH_NEXT, 0, &rows, rs);
		tp(t, "extended: ");
		trowset(t, st, r, ids, ind, rows, rs, 3);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void case_cursor_names(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc), st2 = ot_stmt(c->dbc);
	SQLCHAR name[64];
	SQLSMALLINT len = -1;
	SQLRETURN r = S(SQLGetCursorName(st, name, sizeof(name), &len));
	tp(t, "generated name: %s (%d)\n",
	   SQL_SUCCEEDED(r) && strncmp((char *)name, "SQL_CUR", 7) == 0 ? "SQL_CUR..." : "?", len > 0 ? 1 : 0);
	S(SQLSetCursorName(st, (SQLCHAR *)"mycur", SQL_NTS));
	S(SQLGetCursorName(st, name, sizeof(name), &len));
	tp(t, "%s %d\n", (char *)name, (int)len);
	S(SQLGetCursorName(st, name, 3, &len));
	tp(t, "%s %d\n", (char *)name, (int)len);
	S(SQLSetCursorName(st2, (SQLCHAR *)"mycur", SQL_NTS));
	S(SQLSetCursorName(st2, (SQLCHAR *)"SQLCUR1", SQL_NTS));
	S(SQLSetCursorName(st2, (SQLCHAR *)"", SQL_NTS));
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS));
	S(SQLSetCursorName(st, (SQLCHAR *)"other", SQL_NTS));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLFreeHandle(SQL_HANDLE_STMT, st2);
}

static void case_setpos_update(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc), st2 = ot_stmt(c->dbc);
	texec(t, st2, "CREATE TEMP TABLE sp (id int PRIMARY KEY, v text)");
	texec(t, st2, "INSERT INTO sp SELECT g, 'v' || g FROM generate_series(1, 6) g");
	SQLINTEGER ids[2];
	SQLLEN ind[2], vind[2];
	char vs[2][16];
	SQLUSMALLINT status[2];
	SQLULEN fetched = 0;
	S(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0));
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT id, v FROM sp ORDER BY id", SQL_NTS));
	SQLULEN ct = 99, cc = 99;
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &ct, 0, NULL);
	SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &cc, 0, NULL);
	tp(t, "cursor %lu concurrency %lu\n", (unsigned long)ct, (unsigned long)cc);
	S(SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, ind));
	S(SQLBindCol(st, 2, SQL_C_CHAR, vs, sizeof(vs[0]), vind));
	trowset(t, st, SQLFetchScroll(st, SQL_FETCH_NEXT, 0), ids, ind, fetched, status, 2);
	snprintf(vs[1], sizeof(vs[1]), "changed");
	vind[1] = SQL_NTS;
	S(SQLSetPos(st, 2, SQL_UPDATE, SQL_LOCK_NO_CHANGE));
	S(SQLSetPos(st, 1, SQL_DELETE, SQL_LOCK_NO_CHANGE));
	trowset(t, st, SQLFetchScroll(st, SQL_FETCH_FIRST, 0), ids, ind, fetched, status, 2);
	tp(t, "%s %s\n", vs[0], vs[1]);
	ids[0] = 100, ind[0] = 0;
	snprintf(vs[0], sizeof(vs[0]), "added");
	vind[0] = SQL_NTS;
	S(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)1, 0));
	S(SQLBulkOperations(st, SQL_ADD));
	S(SQLSetPos(st, 1, SQL_REFRESH, SQL_LOCK_NO_CHANGE));
	SQLLEN rc = -9;
	S(SQLRowCount(st, &rc));
	tp(t, "rowcount %ld\n", (long)rc);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	texec(t, st2, "SELECT * FROM sp ORDER BY id");
	SQLFreeHandle(SQL_HANDLE_STMT, st2);
}

/* --- parameter arrays, data at execution ---------------------------------------------------- */

static void case_param_arrays(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	texec(t, st, "CREATE TEMP TABLE pa (a int PRIMARY KEY, b text)");
	SQLINTEGER a[4] = {1, 2, 2, 3};
	char b[4][8] = {"one", "two", "dup", "three"};
	SQLLEN ai[4] = {0, 0, 0, 0}, bi[4] = {SQL_NTS, SQL_NTS, SQL_NTS, SQL_NULL_DATA};
	SQLUSMALLINT status[4] = {9, 9, 9, 9};
	SQLULEN processed = 99;
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)4, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, a, 0, ai));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 8, 0, b, sizeof(b[0]), bi));
	S(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pa VALUES (?, ?)", SQL_NTS));
	tp(t, "processed %lu status %u %u %u %u\n", (unsigned long)processed, status[0], status[1], status[2],
	   status[3]);
	SQLLEN rc = -9;
	S(SQLRowCount(st, &rc));
	tp(t, "rowcount %ld\n", (long)rc);
	SQLFreeStmt(st, SQL_RESET_PARAMS);
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0));
	texec(t, st, "SELECT * FROM pa ORDER BY a");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* a parameter array whose sets raise server notices: the sets' statuses
 * (SUCCESS_WITH_INFO) and the return code */
static void case_param_array_notices(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	SQLINTEGER a[3] = {1, 2, 3};
	SQLUSMALLINT status[3] = {9, 9, 9};
	SQLULEN processed = 99;
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)3, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0));
	S(SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, a, 0, NULL));
	/* only the second set raises a notice */
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT CASE WHEN ? = 2 THEN cmp.f_notice(2) ELSE 0 END", SQL_NTS));
	tp(t, "processed %lu status %u %u %u\n", (unsigned long)processed, status[0], status[1], status[2]);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void case_data_at_exec(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	SQLLEN dae = SQL_LEN_DATA_AT_EXEC(0), dae2 = SQL_DATA_AT_EXEC;
	char tok1 = 1, tok2 = 2;
	S(SQLPrepare(st, (SQLCHAR *)"SELECT ?::text || '|', ?::bytea", SQL_NTS));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARCHAR, 100, 0, &tok1, 0, &dae));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_LONGVARBINARY, 100, 0, &tok2, 0, &dae2));
	SQLRETURN r = S(SQLExecute(st));
	for (int i = 0; i < 4 && r == SQL_NEED_DATA; i++) {
		SQLPOINTER tok = NULL;
		r = S(SQLParamData(st, &tok));
		if (r != SQL_NEED_DATA)
			break;
		tp(t, "token %d\n", tok == &tok1 ? 1 : tok == &tok2 ? 2 : 0);
		if (tok == &tok1) {
			S(SQLPutData(st, (SQLPOINTER) "abc", 3));
			S(SQLPutData(st, (SQLPOINTER) "def", SQL_NTS));
		} else {
			S(SQLPutData(st, (SQLPOINTER) "\x01\x02", 2));
			S(SQLPutData(st, (SQLPOINTER) "\x00\xff", 2));
		}
	}
	if (SQL_SUCCEEDED(r))
		tresult(t, st);
	/* out of sequence */
	S(SQLPutData(st, (SQLPOINTER) "x", 1));
	S(SQLParamData(st, NULL));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- descriptors ----------------------------------------------------------------------------- */

static void case_descriptors(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT 1::int4 AS a, 'x'::varchar(7) AS b, 1.5::numeric(5,2) AS n", SQL_NTS));
	SQLHDESC ird = NULL, ard = NULL, apd = NULL, ipd = NULL;
	S(SQLGetStmtAttr(st, SQL_ATTR_IMP_ROW_DESC, &ird, 0, NULL));
	S(SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &ard, 0, NULL));
	S(SQLGetStmtAttr(st, SQL_ATTR_APP_PARAM_DESC, &apd, 0, NULL));
	S(SQLGetStmtAttr(st, SQL_ATTR_IMP_PARAM_DESC, &ipd, 0, NULL));
	static const SQLSMALLINT fields[] = {
	        SQL_DESC_TYPE,  SQL_DESC_CONCISE_TYPE, SQL_DESC_LENGTH,       SQL_DESC_PRECISION,
	        SQL_DESC_SCALE, SQL_DESC_NULLABLE,     SQL_DESC_OCTET_LENGTH, SQL_DESC_DATETIME_INTERVAL_CODE,
	        SQL_DESC_NAME,  SQL_DESC_UNNAMED};
	/* SQL_DESC_COUNT is an SQLSMALLINT (ODBC); psqlODBC writes 4 bytes, we
	 * write 2 (doc/odbc.md, "Descriptors"): a zeroed buffer reads the same */
	SQLINTEGER count = 0;
	trc(t, SQL_HANDLE_DESC, ird, "ird count", SQLGetDescField(ird, 0, SQL_DESC_COUNT, &count, 0, NULL));
	tp(t, "ird count %d\n", (int)count);
	for (SQLSMALLINT rec = 1; rec <= 3; rec++) {
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			unsigned char v[64];
			memset(v, 0, sizeof(v));
			SQLINTEGER len = -1;
			SQLRETURN r = SQLGetDescField(ird, rec, fields[i], v, sizeof(v), &len);
			tp(t, "ird %d field %d: %d ", (int)rec, (int)fields[i], (int)r);
			if (fields[i] == SQL_DESC_NAME)
				tp(t, "%s", (char *)v);
			else
				thex(t, v, 8);
			tp(t, "\n");
			if (r != SQL_SUCCESS)
				tdiag(t, SQL_HANDLE_DESC, ird);
		}
		SQLCHAR name[32];
		SQLSMALLINT nl = 0, type = 0, sub = 0, prec = 0, scale = 0, nul = 0;
		SQLLEN len = 0;
		SQLRETURN r = SQLGetDescRec(ird, rec, name, sizeof(name), &nl, &type, &sub, &len, &prec, &scale, &nul);
		tp(t, "rec %d: %d %s %d %d %ld %d %d %d\n", (int)rec, (int)r, (char *)name, (int)type, (int)sub,
		   (long)len, (int)prec, (int)scale, (int)nul);
	}
	/* an ARD record through the descriptor, used by SQLFetch */
	SQLINTEGER a = 0;
	SQLLEN ai = 0;
	trc(t, SQL_HANDLE_DESC, ard, "ard type", SQLSetDescField(ard, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_SLONG, 0));
	trc(t, SQL_HANDLE_DESC, ard, "ard ptr", SQLSetDescField(ard, 1, SQL_DESC_DATA_PTR, &a, 0));
	trc(t, SQL_HANDLE_DESC, ard, "ard ind", SQLSetDescField(ard, 1, SQL_DESC_INDICATOR_PTR, &ai, 0));
	trc(t, SQL_HANDLE_DESC, ard, "ard len", SQLSetDescField(ard, 1, SQL_DESC_OCTET_LENGTH_PTR, &ai, 0));
	S(SQLFetch(st));
	tp(t, "a %d ind %ld\n", (int)a, (long)ai);
	/* the IRD cannot be written */
	/* the errors of an IRD's fields are the statement's (psqlODBC); its
	 * descriptor records never clear, so this comes before the next */
	tp(t, "bad record %d\n", (int)SQLGetDescField(ird, 99, SQL_DESC_TYPE, &a, 0, NULL));
	tdiag(t, SQL_HANDLE_STMT, st);
	trc(t, SQL_HANDLE_DESC, ird, "ird write", SQLSetDescField(ird, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_INTEGER, 0));
	/* an application descriptor as the ARD */
	SQLHDESC mine = NULL;
	SQLRETURN r = SQLAllocHandle(SQL_HANDLE_DESC, c->dbc, &mine);
	tp(t, "alloc desc %d\n", (int)r);
	if (SQL_SUCCEEDED(r)) {
		trc(t, SQL_HANDLE_DESC, mine, "copy", SQLCopyDesc(ard, mine));
		SQLINTEGER mc = -1;
		trc(t, SQL_HANDLE_DESC, mine, "count", SQLGetDescField(mine, 0, SQL_DESC_COUNT, &mc, 0, NULL));
		tp(t, "copied count %d\n", (int)mc);
		SQLFreeStmt(st, SQL_CLOSE);
		S(SQLSetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, mine, 0));
		a = 0;
		S(SQLExecDirect(st, (SQLCHAR *)"SELECT 42", SQL_NTS));
		S(SQLFetch(st));
		tp(t, "through mine: %d\n", (int)a);
		SQLFreeStmt(st, SQL_CLOSE);
		trc(t, SQL_HANDLE_DESC, mine, "free", SQLFreeHandle(SQL_HANDLE_DESC, mine));
	}
	trc(t, SQL_HANDLE_DESC, ird, "free implicit", SQLFreeHandle(SQL_HANDLE_DESC, ird));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- statement lifecycle and odd calls -------------------------------------------------------- */

static void case_statement_states(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	SQLSMALLINT n = -1;
	S(SQLNumResultCols(st, &n));
	S(SQLFetch(st));
	S(SQLExecute(st));
	S(SQLCloseCursor(st));
	S(SQLPrepare(st, (SQLCHAR *)"SELECT ?::int AS x, 'y' AS y", SQL_NTS));
	S(SQLNumResultCols(st, &n));
	tp(t, "cols before execute %d\n", (int)n);
	SQLSMALLINT np = -1, type = 0, dig = 0, nul = 0;
	SQLULEN size = 0;
	S(SQLNumParams(st, &np));
	S(SQLDescribeParam(st, 1, &type, &size, &dig, &nul));
	tp(t, "params %d: %d %lu %d %d\n", (int)np, (int)type, (unsigned long)size, (int)dig, (int)nul);
	S(SQLDescribeParam(st, 2, &type, &size, &dig, &nul));
	tcolumn(t, st, 1);
	S(SQLExecute(st));
	S(SQLBindCol(st, 9, SQL_C_CHAR, NULL, 0, NULL));
	S(SQLBindCol(st, 1, 999, NULL, 0, NULL));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, 999, SQL_INTEGER, 0, 0, NULL, 0, NULL));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, 999, 0, 0, NULL, 0, NULL));
	S(SQLBindParameter(st, 1, 9, SQL_C_SLONG, SQL_INTEGER, 0, 0, NULL, 0, NULL));
	SQLINTEGER v = 0;
	S(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL));
	S(SQLGetData(st, 5, SQL_C_SLONG, &v, 0, NULL));
	S(SQLFreeStmt(st, 77));
	S(SQLFreeStmt(st, SQL_UNBIND));
	S(SQLFreeStmt(st, SQL_RESET_PARAMS));
	S(SQLFreeStmt(st, SQL_CLOSE));
	S(SQLMoreResults(st));
	SQLLEN rc = -9;
	S(SQLRowCount(st, &rc));
	tp(t, "rowcount %ld\n", (long)rc);
	S(SQLCancel(st));
	/* SQLNativeSql hands the text back */
	SQLCHAR out[128];
	SQLINTEGER ol = -1;
	SQLHDBC dbc = c->dbc;
	D(SQLNativeSql(dbc, (SQLCHAR *)"SELECT {fn UCASE(?)} FROM t", SQL_NTS, out, sizeof(out), &ol));
	tp(t, "%s %d\n", (char *)out, (int)ol);
	D(SQLNativeSql(dbc, (SQLCHAR *)"SELECT 1", SQL_NTS, out, 4, &ol));
	tp(t, "%s %d\n", (char *)out, (int)ol);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- DSN options ----------------------------------------------------------------------------- */

static void case_options(cctx *c)
{
	tr *t = c->t;
	static const char *const opts[] = {"BoolsAsChar=0",
	                                   "MaxVarcharSize=10",
	                                   "TextAsLongVarchar=0",
	                                   "UnknownsAsLongVarchar=1",
	                                   "UnknownSizes=1",
	                                   "UnknownSizes=2",
	                                   "MaxLongVarcharSize=100",
	                                   "ByteaAsLongVarBinary=1",
	                                   "LFConversion=1",
	                                   "TrueIsMinus1=1",
	                                   "ReadOnly=1",
	                                   "UseDeclareFetch=1;Fetch=2",
	                                   "ConnSettings={SET search_path=cmp,public;SET extra_float_digits=0}",
	                                   "CX=1c5050a9",
	                                   "B1=0;B3=2"};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		SQLHDBC dbc = tconnect(c, opts[i]);
		SQLHSTMT st = ot_stmt(dbc);
		texec(t, st,
		      "SELECT true AS b, 'abcdefghijklmno'::varchar AS v, 'a\nb'::text AS tx, '(1,2)'::point AS p, "
		      "'\\x01'::bytea AS by, 1.5::float8 AS f, 'x'::varchar(30) AS v30");
		texec(t, st, "SELECT g FROM generate_series(1, 5) g");
		texec(t, st, "SELECT count(*) FROM t1");
		texec(t, st, "CREATE TEMP TABLE ro (a int)");
		SQLUINTEGER mode = 99;
		D(SQLGetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, &mode, 0, NULL));
		tp(t, "access mode %u\n", mode);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		tdisconnect(dbc);
	}
}

/* A large object: the lo domain, read as binary, written from binary. */
static void case_large_object(cctx *c)
{
	tr *t = c->t;
	SQLHSTMT st = ot_stmt(c->dbc);
	unsigned char data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)i;
	SQLLEN len = sizeof(data);
	SQLINTEGER id = 1;
	texec(t, st, "CREATE TEMP TABLE lot (id int, data lo)");
	S(SQLPrepare(st, (SQLCHAR *)"INSERT INTO lot VALUES (?, ?)", SQL_NTS));
	S(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, NULL));
	S(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_LONGVARBINARY, sizeof(data), 0, data, sizeof(data),
	                   &len));
	S(SQLExecute(st));
	SQLFreeStmt(st, SQL_RESET_PARAMS);
	S(SQLExecDirect(st, (SQLCHAR *)"SELECT data FROM lot", SQL_NTS));
	tcolumn(t, st, 1);
	S(SQLFetch(st));
	unsigned char back[400];
	SQLLEN bl = 0;
	S(SQLGetData(st, 1, SQL_C_BINARY, back, 100, &bl));
	tp(t, "first piece %ld ", (long)bl);
	thex(t, back, 8);
	tp(t, "\n");
	S(SQLGetData(st, 1, SQL_C_BINARY, back, sizeof(back), &bl));
	tp(t, "rest %ld ", (long)bl);
	thex(t, back, 8);
	tp(t, "\n");
	SQLFreeStmt(st, SQL_CLOSE);
	texec(t, st, "SELECT lo_unlink(data) FROM lot");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- the table of cases ---------------------------------------------------------------------- */

typedef struct cmp_case {
	const char *name;
	void (*fn)(cctx *c);
	const struct pgval *type; /* case_type's value */
	const char *documented;   /* doc/odbc.md section of a known difference, NULL: must be equal */
} cmp_case;

static const cmp_case cases[] = {
        {"catalog", case_catalog, NULL, NULL},
        {"catalog_ids", case_catalog_ids, NULL, NULL},
        {"type_info", case_type_info, NULL, NULL},
        {"get_info", case_get_info, NULL, NULL},
        {"get_functions", case_get_functions, NULL, NULL},
        {"attributes", case_attributes, NULL, NULL},
        {"transactions", case_transactions, NULL, NULL},
        {"multi", case_multi, NULL, NULL},
        {"escapes", case_escapes, NULL, NULL},
        {"notices", case_notices, NULL, NULL},
        {"errors", case_errors, NULL, NULL},
        {"scroll", case_scroll, NULL, NULL},
        {"cursor_names", case_cursor_names, NULL, NULL},
        {"setpos_update", case_setpos_update, NULL, NULL},
        {"param_arrays", case_param_arrays, NULL, NULL},
        {"param_array_notices", case_param_array_notices, NULL, NULL},
        {"data_at_exec", case_data_at_exec, NULL, NULL},
        {"descriptors", case_descriptors, NULL, "Descriptors"},
        {"statement_states", case_statement_states, NULL, NULL},
        {"options", case_options, NULL, NULL},
        {"large_object", case_large_object, NULL, NULL},
        {"params_CHAR", case_params_CHAR, NULL, NULL},
        {"params_VARCHAR", case_params_VARCHAR, NULL, NULL},
        {"params_LONGVARCHAR", case_params_LONGVARCHAR, NULL, NULL},
        {"params_WVARCHAR", case_params_WVARCHAR, NULL, NULL},
        {"params_INTEGER", case_params_INTEGER, NULL, NULL},
        {"params_SMALLINT", case_params_SMALLINT, NULL, NULL},
        {"params_BIGINT", case_params_BIGINT, NULL, NULL},
        {"params_NUMERIC", case_params_NUMERIC, NULL, NULL},
        {"params_DECIMAL", case_params_DECIMAL, NULL, NULL},
        {"params_DOUBLE", case_params_DOUBLE, NULL, NULL},
        {"params_FLOAT", case_params_FLOAT, NULL, NULL},
        {"params_REAL", case_params_REAL, NULL, NULL},
        {"params_BIT", case_params_BIT, NULL, NULL},
        {"params_TINYINT", case_params_TINYINT, NULL, NULL},
        {"params_BINARY", case_params_BINARY, NULL, NULL},
        {"params_VARBINARY", case_params_VARBINARY, NULL, NULL},
        {"params_TYPE_DATE", case_params_TYPE_DATE, NULL, NULL},
        {"params_TYPE_TIME", case_params_TYPE_TIME, NULL, NULL},
        {"params_TYPE_TIMESTAMP", case_params_TYPE_TIMESTAMP, NULL, NULL},
        {"params_GUID", case_params_GUID, NULL, NULL},
        {"params_INTERVAL_DAY_TO_SECOND", case_params_INTERVAL_DAY_TO_SECOND, NULL, NULL},
};

/* Documented differences of single type cases (doc/odbc.md). */
static const struct {
	const char *type;
	const char *section;
} type_exceptions[] = {
        {NULL, NULL},
};

/* Each case on fresh connections: what one case leaves behind (a failed
 * transaction psqlODBC does not end) does not spill into the next. */
static void run_case(const cmp_case *k, const struct pgval *v, tr out[2])
{
	for (int d = 0; d < 2; d++) {
		out[d] = (tr){0};
		tp(&out[d], "%s", "");
		SQLHDBC dbc;
		assert_int_equal(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc), SQL_SUCCESS);
		ot_ok(SQLConnect(dbc, (SQLCHAR *)dsns[d], SQL_NTS, NULL, 0, NULL, 0), SQL_HANDLE_DBC, dbc,
		      "SQLConnect");
		cctx c = {.dbc = dbc, .dsn = dsns[d], .t = &out[d]};
		if (v)
			case_type(&c, v);
		else
			k->fn(&c);
		SQLDisconnect(dbc);
		SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	}
}

/* Compare, report the first differing line; true when equal. */
static bool same(const char *name, tr out[2], bool verbose)
{
	if (strcmp(out[0].s, out[1].s) == 0)
		return true;
	const char *p = out[0].s, *q = out[1].s;
	const char *lp = p, *lq = q;
	while (*p && *p == *q) {
		if (*p == '\n')
			lp = p + 1, lq = q + 1;
		p++, q++;
	}
	int la = (int)strcspn(lp, "\n"), lb = (int)strcspn(lq, "\n");
	fprintf(stderr, "case %s differs:\n  ours:     %.*s\n  psqlODBC: %.*s\n", name, la > 400 ? 400 : la, lp,
	        lb > 400 ? 400 : lb, lq);
	if (verbose) {
		fprintf(stderr, "---- ours\n%s\n---- psqlODBC\n%s\n----\n", out[0].s, out[1].s);
	}
	return false;
}

static int setup(void **state)
{
	(void)state;
	if (!ot_setup_ini())
		return -1;
	pg = ot_pg();
	static const char fixture[] =
	        "DROP SCHEMA IF EXISTS cmp CASCADE;"
	        "CREATE SCHEMA cmp;"
	        "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'lo') THEN "
	        "CREATE DOMAIN public.lo AS oid; END IF; END$$;"
	        "CREATE TABLE cmp.t1 (id int PRIMARY KEY, code varchar(12) NOT NULL UNIQUE, note text DEFAULT 'n', "
	        "amount numeric(12,2), ratio float8, flag bool, born date, seen timestamptz, "
	        "ser serial, ident bigint GENERATED ALWAYS AS IDENTITY, bits bit(3), blob bytea, "
	        "\"Mixed Case\" int, tags text[]);"
	        "COMMENT ON TABLE cmp.t1 IS 'the first table';"
	        "COMMENT ON COLUMN cmp.t1.code IS 'a code';"
	        "CREATE INDEX t1_ratio_desc ON cmp.t1 (ratio DESC, lower(note));"
	        "CREATE INDEX t1_hash ON cmp.t1 USING hash (code);"
	        "CREATE TABLE cmp.t2 (id int PRIMARY KEY, t1_id int REFERENCES cmp.t1 ON DELETE CASCADE "
	        "DEFERRABLE INITIALLY DEFERRED, t1_code varchar(12), FOREIGN KEY (t1_code) REFERENCES cmp.t1 (code) "
	        "ON UPDATE SET NULL);"
	        "INSERT INTO cmp.t1 (id, code, amount, ratio, flag, born) VALUES (1, 'a', 1.5, 0.25, true, "
	        "'2020-01-01'), (2, 'b', NULL, NULL, false, NULL);"
	        "INSERT INTO cmp.t2 VALUES (1, 1, 'a');"
	        "CREATE TABLE cmp.t3 (a int NOT NULL PRIMARY KEY, b text);"
	        "CREATE VIEW cmp.v1 AS SELECT id, code FROM cmp.t1;"
	        "CREATE MATERIALIZED VIEW cmp.mv1 AS SELECT id FROM cmp.t1;"
	        "CREATE SEQUENCE cmp.s1;"
	        "CREATE FUNCTION cmp.f_add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';"
	        "CREATE FUNCTION cmp.f_out(a int, INOUT b int, OUT c text) LANGUAGE plpgsql AS "
	        "'BEGIN b := a + b; c := ''c'' || a; END';"
	        "CREATE FUNCTION cmp.f_set(n int) RETURNS SETOF cmp.t1 LANGUAGE sql AS 'SELECT * FROM cmp.t1 LIMIT n';"
	        "CREATE FUNCTION cmp.f_notice(n int) RETURNS int LANGUAGE plpgsql AS "
	        "'BEGIN RAISE NOTICE ''n is %'', n; RAISE WARNING ''careful''; RETURN n; END';"
	        "CREATE PROCEDURE cmp.p_inout(INOUT x int) LANGUAGE plpgsql AS 'BEGIN x := x * 2; END';"
	        "DROP ROLE IF EXISTS cmp_reader;"
	        "CREATE ROLE cmp_reader;"
	        "GRANT SELECT ON cmp.t1 TO cmp_reader;"
	        "GRANT SELECT (code), UPDATE (note) ON cmp.t1 TO cmp_reader;"
	        "CREATE TABLE public.t1 (x int);";
	PGresult *r = PQexec(pg, fixture);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "fixture: %s", PQerrorMessage(pg));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	env = ot_env();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	PQclear(PQexec(pg, "DROP SCHEMA cmp CASCADE; DROP TABLE public.t1; DROP ROLE cmp_reader"));
	PQfinish(pg);
	return 0;
}

/* Whether doc/odbc.md has a section (a "## " heading) of this name. */
static bool doc_has_section(const char *section)
{
	const char *src = getenv("top_srcdir");
	char path[4096], line[512], want[256];
	snprintf(path, sizeof(path), "%s/doc/odbc.md", src ? src : ".");
	snprintf(want, sizeof(want), "## %s", section);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = strcmp(line, want) == 0 ||
		        (strncmp(line, want, strlen(want)) == 0 && line[strlen(want)] == ' ');
	}
	fclose(f);
	return found;
}

static void test_compare(void **state)
{
	(void)state;
	bool verbose = getenv("CB_CMP_VERBOSE") != NULL;
	int ncases = 0, nequal = 0, ndocumented = 0, nbad = 0;
	size_t nt = sizeof(pgvals) / sizeof(pgvals[0]), nc = sizeof(cases) / sizeof(cases[0]);
	for (size_t i = 0; i < nt + nc; i++) {
		const struct pgval *v = i < nt ? &pgvals[i] : NULL;
		const cmp_case *k = i < nt ? NULL : &cases[i - nt];
		char name[128];
		snprintf(name, sizeof(name), "%s%s", v ? "type " : "", v ? v->type : k->name);
		const char *only = getenv("CB_CMP_ONLY");
		if (only && strncmp(name, only, strlen(only)) != 0)
			continue;
		const char *documented = k ? k->documented : NULL;
		for (size_t e = 0; v && type_exceptions[e].type; e++)
			if (strcmp(type_exceptions[e].type, v->type) == 0)
				documented = type_exceptions[e].section;
		tr out[2];
		run_case(k, v, out);
		ncases++;
		bool eq = same(name, out, verbose);
		if (eq)
			nequal++;
		else if (documented && doc_has_section(documented)) {
			ndocumented++;
			fprintf(stderr, "  (documented: doc/odbc.md, %s)\n", documented);
		} else if (documented) {
			fprintf(stderr, "  (doc/odbc.md has no section \"## %s\")\n", documented);
			nbad++;
		} else
			nbad++;
		free(out[0].s);
		free(out[1].s);
	}
	fprintf(stderr, "compare: %d cases, %d identical, %d documented differences, %d undocumented differences\n",
	        ncases, nequal, ndocumented, nbad);
	assert_int_equal(nbad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_compare),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
