/*
 * test_odbc_fuzz.c - every exported function of the driver called with odd
 * arguments, attribute values and handle states: nothing may crash, and
 * every call must answer an ODBC return code the function may return, with
 * a diagnostic record (a well-formed SQLSTATE) behind SQL_ERROR and
 * SQL_SUCCESS_WITH_INFO.
 *
 * Built twice: test_odbc_fuzz goes through unixODBC (what applications
 * do; the driver manager catches some misuse before the driver), and
 * test_odbc_fuzz_direct (FUZZ_DIRECT) links the driver's entry points
 * (odbc-driver/odbcapi.c) into the program, so the driver itself sees the
 * NULL handles, handles of the wrong kind and out-of-order calls a driver
 * manager would stop.  Both run in the throwaway PostgreSQL.
 *
 * The arguments an application owns stay valid: buffers passed with a
 * length are that long, pointer attributes point into an arena big enough
 * for the row and parameter set sizes the test allows.  A driver that
 * writes past what it was told, reads a length it should have refused, or
 * follows a pointer it should not, crashes the test or fails it under the
 * sanitizer build.
 *
 *   CB_FUZZ_SEED   seed of the random parts (default 1; printed)
 *   CB_FUZZ_STEPS  calls of the random sequence (default 6000)
 *   CB_FUZZ_ONLY   run only the tests matching this cmocka pattern
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/odbc/odbctest.h"

#ifdef FUZZ_DIRECT
#define FZ_MODE "direct"
#else
#define FZ_MODE "driver manager"
#endif

/* --- return codes ------------------------------------------------------------------------- */

enum {
	RC_S = 1 << 0, /* SQL_SUCCESS */
	RC_I = 1 << 1, /* SQL_SUCCESS_WITH_INFO */
	RC_E = 1 << 2, /* SQL_ERROR */
	RC_H = 1 << 3, /* SQL_INVALID_HANDLE */
	RC_N = 1 << 4, /* SQL_NO_DATA */
	RC_D = 1 << 5, /* SQL_NEED_DATA */
	RC_BASE = RC_S | RC_I | RC_E | RC_H,
};

static unsigned rc_bit(SQLRETURN r)
{
	switch (r) {
	case SQL_SUCCESS:
		return RC_S;
	case SQL_SUCCESS_WITH_INFO:
		return RC_I;
	case SQL_ERROR:
		return RC_E;
	case SQL_INVALID_HANDLE:
		return RC_H;
	case SQL_NO_DATA:
		return RC_N;
	case SQL_NEED_DATA:
		return RC_D;
	default:
		return 0; /* SQL_STILL_EXECUTING or garbage: the driver runs nothing asynchronously */
	}
}

static void hb_free(void);

/* Where psqlODBC puts the diagnostics of an implementation row
 * descriptor's fields: on its statement (fz_rc accepts either). */
static SQLHSTMT fz_alt_stmt;

static unsigned long fz_calls;
static int fz_failures;
static char fz_context[160]; /* what the test was doing, printed with a failure */

static void fz_fail(const char *fmt, ...)
{
	va_list ap;
	char m[512];
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (fz_failures < 60)
		print_error("[%s] %s (%s)\n", FZ_MODE, m, fz_context);
	fz_failures++;
}

static bool fz_state_ok(const SQLCHAR *s)
{
	if (strlen((const char *)s) != 5)
		return false;
	for (int i = 0; i < 5; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

/* Check one call's return code; with SQL_ERROR or SQL_SUCCESS_WITH_INFO
 * the handle dtype/dh (where the diagnostic goes; 0: none to check) must
 * have a first record. */
static SQLRETURN fz_rc(const char *fn, int line, unsigned allowed, SQLSMALLINT dtype, SQLHANDLE dh, SQLRETURN r)
{
	fz_calls++;
	unsigned b = rc_bit(r);
	if ((allowed & b) == 0)
		fz_fail("%s (line %d) returned %d, which it may not", fn, line, (int)r);
	if ((r == SQL_ERROR || r == SQL_SUCCESS_WITH_INFO) && dtype != 0 && dh != NULL) {
		SQLCHAR state[6] = "", msg[1024];
		SQLINTEGER native = 0;
		SQLSMALLINT len = 0;
		SQLRETURN d = SQLGetDiagRec(dtype, dh, 1, state, &native, msg, sizeof(msg), &len);
		if (!SQL_SUCCEEDED(d) && dtype == SQL_HANDLE_DESC && fz_alt_stmt != NULL)
			d = SQLGetDiagRec(SQL_HANDLE_STMT, fz_alt_stmt, 1, state, &native, msg, sizeof(msg), &len);
		if (!SQL_SUCCEEDED(d))
			fz_fail("%s (line %d) returned %d without a diagnostic record (SQLGetDiagRec %d)", fn, line,
			        (int)r, (int)d);
		else if (!fz_state_ok(state))
			fz_fail("%s (line %d) returned %d with a malformed SQLSTATE '%s'", fn, line, (int)r,
			        (char *)state);
	}
	hb_free();
	return r;
}

/* a call: function, allowed codes, where its diagnostics go */
#define FZ(allowed, dtype, dh, call) fz_rc(#call, __LINE__, (allowed), (dtype), (SQLHANDLE)(dh), (call))
#define FZS(allowed, st, call) FZ((allowed), SQL_HANDLE_STMT, (st), call)
#define FZC(allowed, dbc, call) FZ((allowed), SQL_HANDLE_DBC, (dbc), call)
#define FZD(allowed, desc, call) FZ((allowed), SQL_HANDLE_DESC, (desc), call)

/* --- the random source and the arena ------------------------------------------------------- */

static uint64_t fz_seed = 1;

static uint32_t fz_rand(void)
{
	fz_seed = fz_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(fz_seed >> 33);
}

#define PICK(arr) ((arr)[fz_rand() % (sizeof(arr) / sizeof((arr)[0]))])

/* Buffers the application owns, for values the driver reads (parameters,
 * bound columns): slots of 8 KiB, then zeros no call is given, as long as
 * the longest value a test statement makes, so that a NUL-terminated
 * read ends there and a length the driver wrote (a truncated value's)
 * and later reads back stays in the arena. */
#define SLOT 8192
#define NSLOTS 24
#define TAIL (256 * 1024)
static union {
	SQLLEN align;
	unsigned char b[SLOT * NSLOTS + TAIL];
} arena;

/* Output buffers of exactly the length a call is given (at least `min`
 * bytes, what a fixed-size answer takes), on the heap, so the sanitizer
 * build sees a byte written past them; freed after the call's check. */
static void *hbufs[16];
static int nhbufs;

static void *hb(SQLLEN declared, size_t min)
{
	size_t n = declared > 0 ? (size_t)declared : 0;
	if (n < min)
		n = min;
	if (n == 0)
		n = 1;
	void *p = malloc(n);
	memset(p, 0x5a, n);
	if (nhbufs < 16)
		hbufs[nhbufs++] = p;
	return p;
}

static void hb_free(void)
{
	for (int i = 0; i < nhbufs; i++)
		free(hbufs[i]);
	nhbufs = 0;
}

static void *slot(int i)
{
	return arena.b + (size_t)(i % NSLOTS) * SLOT;
}

static void *any_slot(void)
{
	return slot((int)(fz_rand() % NSLOTS));
}

/* Refill: random bytes with a NUL every 37, and the indicator slots
 * (0-3) holding lengths a driver can read. */
static void arena_fill(void)
{
	for (size_t i = 0; i < SLOT * NSLOTS; i++)
		arena.b[i] = (i % 37 == 36) ? 0 : (unsigned char)('A' + fz_rand() % 50);
	static const SQLLEN inds[] = {
	        SQL_NTS,           SQL_NULL_DATA,     0,  1, 3, 8, 16, SQL_DATA_AT_EXEC, SQL_LEN_DATA_AT_EXEC(5),
	        SQL_DEFAULT_PARAM, SQL_COLUMN_IGNORE, -77};
	for (int s = 0; s < 4; s++) {
		SQLLEN *p = slot(s);
		for (size_t i = 0; i < SLOT / sizeof(SQLLEN); i++)
			p[i] = s == 0 ? SQL_NTS : s == 1 ? 4 : PICK(inds);
	}
	memset(arena.b + SLOT * NSLOTS, 0, TAIL);
	/* slot 21: the bind offsets an application sets (0, 8, 64 bytes) */
	SQLLEN *off = slot(21);
	off[0] = 0, off[1] = 8, off[2] = 64;
}

/* value pools */
static const SQLSMALLINT ctypes[] = {
        SQL_C_CHAR,
        SQL_C_WCHAR,
        SQL_C_SSHORT,
        SQL_C_USHORT,
        SQL_C_SLONG,
        SQL_C_ULONG,
        SQL_C_SBIGINT,
        SQL_C_UBIGINT,
        SQL_C_STINYINT,
        SQL_C_UTINYINT,
        SQL_C_FLOAT,
        SQL_C_DOUBLE,
        SQL_C_BIT,
        SQL_C_BINARY,
        SQL_C_TYPE_DATE,
        SQL_C_TYPE_TIME,
        SQL_C_TYPE_TIMESTAMP,
        SQL_C_DATE,
        SQL_C_TIME,
        SQL_C_TIMESTAMP,
        SQL_C_NUMERIC,
        SQL_C_GUID,
        SQL_C_INTERVAL_YEAR,
        SQL_C_INTERVAL_DAY_TO_SECOND,
        SQL_C_INTERVAL_MINUTE,
        SQL_C_DEFAULT,
        SQL_C_BOOKMARK,
        SQL_C_VARBOOKMARK,
        SQL_ARD_TYPE,
        -100 /* SQL_APD_TYPE */,
        SQL_C_LONG,
        SQL_C_SHORT,
        SQL_C_TINYINT,
        0,
        -1,
        999,
        32767,
        -32768,
};
static const SQLSMALLINT sqltypes[] = {
        SQL_CHAR,
        SQL_VARCHAR,
        SQL_LONGVARCHAR,
        SQL_WCHAR,
        SQL_WVARCHAR,
        SQL_WLONGVARCHAR,
        SQL_INTEGER,
        SQL_SMALLINT,
        SQL_BIGINT,
        SQL_TINYINT,
        SQL_BIT,
        SQL_NUMERIC,
        SQL_DECIMAL,
        SQL_FLOAT,
        SQL_REAL,
        SQL_DOUBLE,
        SQL_BINARY,
        SQL_VARBINARY,
        SQL_LONGVARBINARY,
        SQL_TYPE_DATE,
        SQL_TYPE_TIME,
        SQL_TYPE_TIMESTAMP,
        SQL_DATE,
        SQL_TIMESTAMP,
        SQL_GUID,
        SQL_INTERVAL_DAY,
        SQL_INTERVAL_YEAR_TO_MONTH,
        SQL_INTERVAL_DAY_TO_SECOND,
        0,
        -999,
        999,
        32767,
};
static const SQLLEN buflens[] = {0, 1, 2, 3, 7, 16, 64, 255, 1024, -1, -100, SQL_NTS, SQL_NULL_DATA};
static const SQLLEN small_lens[] = {0, 1, 2, 5, 64, 256};
static const SQLUSMALLINT cols[] = {0, 1, 1, 2, 3, 4, 99, 32767, 65535};
static const SQLINTEGER ints[] = {0, 1, 2, 3, -1, -2, 99, 1000, 65535, INT_MAX, INT_MIN};
static const char *const texts[] = {
        "SELECT 1 AS a, 'x'::text AS b, NULL::int AS c",
        "SELECT a, b, c, d, e, f, g FROM fz ORDER BY a",
        "SELECT * FROM generate_series(1, 5) AS g",
        "SELECT ?::int AS a, ?::text AS b",
        "SELECT ?",
        "INSERT INTO fz (a, b) VALUES (?, ?)",
        "UPDATE fz SET b = b WHERE a = ?",
        "DELETE FROM fz WHERE a > 1000",
        "{call fz_proc(?)}",
        "{? = call fz_fn(?)}",
        "{call fz_fn(?)}",
        "SELECT 1; SELECT 2",
        "SELECT 1; SELECT 1/0; SELECT 3",
        "",
        ";",
        "   ",
        "SELECT 'unterminated",
        "SELECT \"unterminated",
        "SELECT $$dollar",
        "/* unterminated comment",
        "-- only a comment",
        "{fn",
        "{",
        "}",
        "{fn UCASE(?)}",
        "SELECT {fn CONCAT(?, {fn LCASE('X')})}",
        "SELECT {fn CONVERT(?, SQL_INTEGER)}",
        "SELECT {fn CONVERT(1, SQL_NOSUCHTYPE)}",
        "SELECT {fn NOSUCHFUNCTION(1, 2)}",
        "SELECT {d '2020-01-01'}, {t '12:00:00'}, {ts '2020-01-01 12:00:00'}",
        "SELECT {d 'garbage'}",
        "SELECT * FROM {oj fz f1 LEFT OUTER JOIN fz f2 ON f1.a = f2.a}",
        "SELECT * FROM fz WHERE b LIKE 'x\\_%' {escape '\\'}",
        "SELECT {guid 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'}",
        "SELECT {interval '1' day}",
        "?",
        "??",
        "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?",
        "SELECT '?', \"?\", $$?$$, ? -- ?",
        "SELECT 1/0",
        "SELECT * FROM no_such_table",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT s1",
        "ROLLBACK TO SAVEPOINT s1",
        "VACUUM fz",
        "SELECT a FROM fz FOR UPDATE",
        "DO $$BEGIN RAISE NOTICE 'n'; RAISE WARNING 'w'; END$$",
        "SELECT pg_sleep(0)",
        "SHOW search_path",
        "SET search_path = public",
        "SELECT 1 WHERE false",
        "SELECT repeat('y', 100000)",
        "SELECT decode(repeat('00ff', 5000), 'hex')",
        "SELECT ARRAY[1,2,3], '{a,b}'::text[], point(1,2), '1 day'::interval, 'NaN'::numeric",
        "SELECT lo_creat(-1)",
        "CREATE TEMP TABLE IF NOT EXISTS fzt (a int)",
        "PREPARE p1 AS SELECT 1",
        "EXECUTE p1",
        "DEALLOCATE ALL",
        "DECLARE c1 CURSOR FOR SELECT 1",
        "FETCH ALL FROM c1",
        "SELECT fz_ref()",
};
static char long_text[120000];    /* a long statement */
static char many_markers[140000]; /* more markers than PostgreSQL takes */

static const char *any_text(void)
{
	uint32_t r = fz_rand() % 100;
	if (r == 0)
		return long_text;
	if (r == 1)
		return many_markers;
	return PICK(texts);
}

static const char *const names[] = {
        NULL,     "",           "%", "fz",      "FZ", "f_",   "fz\\_x",  "\"",   "'", "%'; SELECT 1; --",
        "public", "pg_catalog", "a", "no_such", "\\", "%%%%", "fz_proc", "fz_fn"};

/* --- fixture ----------------------------------------------------------------------------------- */

typedef struct fz {
	SQLHENV env;
	SQLHDBC dbc;
	SQLHDBC dbc_df; /* UseDeclareFetch=1 */
} fz;

static int setup(void **state)
{
	if (!ot_setup_ini())
		return -1;
	const char *s = getenv("CB_FUZZ_SEED");
	fz_seed = s ? strtoull(s, NULL, 10) : 1;
	fprintf(stderr, "[%s] seed %llu (CB_FUZZ_SEED)\n", FZ_MODE, (unsigned long long)fz_seed);
	PGconn *pg = ot_pg();
	static const char *const ddl[] = {
	        "DROP TABLE IF EXISTS fz",
	        "CREATE TABLE fz (a int PRIMARY KEY, b text, c bytea, d numeric(10,2), e timestamp, f bool, "
	        "g interval)",
	        "INSERT INTO fz SELECT i, 'row ' || i, decode('00ff41', 'hex'), i * 1.5, '2020-01-01'::timestamp + "
	        "i * interval '1 day', i % 2 = 0, i * interval '1 hour' FROM generate_series(1, 20) i",
	        "CREATE OR REPLACE FUNCTION fz_fn(int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 1'",
	        "CREATE OR REPLACE PROCEDURE fz_proc(INOUT x int) LANGUAGE plpgsql AS 'BEGIN x := x * 2; END'",
	        "CREATE OR REPLACE FUNCTION fz_ref() RETURNS refcursor LANGUAGE plpgsql AS "
	        "'DECLARE c refcursor; BEGIN OPEN c FOR SELECT 1; RETURN c; END'",
	};
	for (size_t i = 0; i < sizeof(ddl) / sizeof(ddl[0]); i++) {
		PGresult *r = PQexec(pg, ddl[i]);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "setup: %s: %s", ddl[i], PQerrorMessage(pg));
			PQclear(r);
			PQfinish(pg);
			return -1;
		}
		PQclear(r);
	}
	PQfinish(pg);
	size_t n = (size_t)snprintf(long_text, sizeof(long_text), "SELECT '");
	memset(long_text + n, 'z', sizeof(long_text) - n - 3);
	memcpy(long_text + sizeof(long_text) - 3, "'", 2);
	n = (size_t)snprintf(many_markers, sizeof(many_markers), "SELECT ?");
	while (n + 3 < sizeof(many_markers))
		n += (size_t)snprintf(many_markers + n, sizeof(many_markers) - n, ",?");
	fz *z = calloc(1, sizeof(*z));
	z->env = ot_env();
	z->dbc = ot_connect(z->env, "cbtest");
	SQLAllocHandle(SQL_HANDLE_DBC, z->env, &z->dbc_df);
	ot_ok(SQLDriverConnect(z->dbc_df, NULL, (SQLCHAR *)"DSN=cbtest;UseDeclareFetch=1;Fetch=2", SQL_NTS, NULL, 0,
	                       NULL, SQL_DRIVER_NOPROMPT),
	      SQL_HANDLE_DBC, z->dbc_df, "SQLDriverConnect");
	*state = z;
	return 0;
}

static int teardown(void **state)
{
	fz *z = *state;
	if (z == NULL)
		return 0;
	SQLDisconnect(z->dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, z->dbc);
	SQLDisconnect(z->dbc_df);
	SQLFreeHandle(SQL_HANDLE_DBC, z->dbc_df);
	SQLFreeHandle(SQL_HANDLE_ENV, z->env);
	free(z);
	fprintf(stderr, "[%s] %lu calls checked\n", FZ_MODE, fz_calls);
	return 0;
}

/* The connection still answers (whatever the calls before did). */
static void fz_alive(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLRETURN r = SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (!SQL_SUCCEEDED(r)) {
		fz_fail("the connection no longer gives statements");
		return;
	}
	/* a transaction the calls left open or failed ends first */
	SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK);
	SQLINTEGER v = 0;
	SQLLEN ind = 0;
	r = SQLExecDirect(st, (SQLCHAR *)"SELECT 41 + 1", SQL_NTS);
	if (SQL_SUCCEEDED(r))
		r = SQLFetch(st);
	if (SQL_SUCCEEDED(r))
		r = SQLGetData(st, 1, SQL_C_SLONG, &v, 0, &ind);
	if (!SQL_SUCCEEDED(r) || v != 42) {
		char msg[1024];
		const char *s = ot_state(SQL_HANDLE_STMT, st, msg, sizeof(msg));
		fz_fail("the connection no longer answers SELECT 41 + 1: %d %d [%s] %s", (int)r, (int)v, s, msg);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- the crash of the issue: ROWVER + KEYSET_DRIVEN ---------------------------------------------- */

static void test_rowver_keyset(void **state)
{
	fz *z = *state;
	snprintf(fz_context, sizeof(fz_context), "ROWVER + KEYSET_DRIVEN");
	SQLHSTMT st = ot_stmt(z->dbc);
	SQLRETURN r = FZS(RC_S | RC_I, st,
	                  SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, SQL_IS_UINTEGER));
	r = FZS(RC_S | RC_I, st,
	        SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, SQL_IS_UINTEGER));
	(void)r;
	SQLINTEGER a = 0;
	SQLLEN ind = 0;
	FZS(RC_S, st, SQLBindCol(st, 1, SQL_C_SLONG, &a, 0, &ind));
	FZS(RC_S | RC_I, st, SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz ORDER BY a", SQL_NTS));
	SQLULEN ct = 99, conc = 99;
	FZS(RC_S, st, SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &ct, 0, NULL));
	FZS(RC_S, st, SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &conc, 0, NULL));
	/* what the driver kept: a cursor it has (psqlODBC: static, updatable) */
	assert_true(ct == SQL_CURSOR_STATIC || ct == SQL_CURSOR_FORWARD_ONLY || ct == SQL_CURSOR_KEYSET_DRIVEN);
	assert_true(conc == SQL_CONCUR_READ_ONLY || conc == SQL_CONCUR_ROWVER || conc == SQL_CONCUR_LOCK);
	FZS(RC_S, st, SQLFetch(st));
	assert_int_equal(a, 1);
	FZS(RC_S, st, SQLFetchScroll(st, SQL_FETCH_LAST, 0));
	assert_int_equal(a, 20);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	/* the same with the unsupported cursor kinds of every attribute */
	static const SQLULEN ctv[] = {SQL_CURSOR_FORWARD_ONLY, SQL_CURSOR_STATIC, SQL_CURSOR_KEYSET_DRIVEN,
	                              SQL_CURSOR_DYNAMIC, 77};
	static const SQLULEN ccv[] = {SQL_CONCUR_READ_ONLY, SQL_CONCUR_LOCK, SQL_CONCUR_ROWVER, SQL_CONCUR_VALUES, 77};
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++)
			for (int sens = 0; sens < 2; sens++) {
				snprintf(fz_context, sizeof(fz_context),
				         "cursor type %lu concurrency %lu sensitivity %d", (unsigned long)ctv[i],
				         (unsigned long)ccv[j], sens);
				st = ot_stmt(z->dbc);
				FZS(RC_S | RC_I | RC_E, st,
				    SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)ccv[j], SQL_IS_UINTEGER));
				FZS(RC_S | RC_I | RC_E, st,
				    SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)ctv[i], SQL_IS_UINTEGER));
				if (sens)
					FZS(RC_S | RC_I | RC_E, st,
					    SQLSetStmtAttr(st, SQL_ATTR_CURSOR_SENSITIVITY, (SQLPOINTER)SQL_SENSITIVE,
					                   SQL_IS_UINTEGER));
				FZS(RC_S, st, SQLBindCol(st, 1, SQL_C_SLONG, &a, 0, &ind));
				r = FZS(RC_S | RC_I, st,
				        SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz ORDER BY a", SQL_NTS));
				FZS(RC_S, st, SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &ct, 0, NULL));
				FZS(RC_S | RC_I, st, SQLFetch(st));
				assert_int_equal(a, 1);
				SQLUSMALLINT status[4];
				SQLULEN rows = 0;
				FZS(RC_S | RC_I | RC_E, st, SQLSetPos(st, 1, SQL_REFRESH, SQL_LOCK_NO_CHANGE));
				FZS(RC_S | RC_I | RC_E | RC_N, st, SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 3));
				FZS(RC_S | RC_I | RC_E, st, SQLSetPos(st, 1, SQL_POSITION, SQL_LOCK_NO_CHANGE));
				(void)status;
				(void)rows;
				SQLFreeHandle(SQL_HANDLE_STMT, st);
			}
	fz_alive(z->dbc);
	assert_int_equal(fz_failures, 0);
}

/* --- attributes: every id of the ranges, odd values ---------------------------------------------- */

/* how an attribute's value is passed */
typedef enum { AV_INT, AV_PTR, AV_STR, AV_HANDLE, AV_SKIP } av_kind;

static av_kind stmt_attr_kind(SQLINTEGER a)
{
	switch (a) {
	case SQL_ATTR_FETCH_BOOKMARK_PTR:
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR:
	case SQL_ATTR_PARAM_OPERATION_PTR:
	case SQL_ATTR_PARAM_STATUS_PTR:
	case SQL_ATTR_PARAMS_PROCESSED_PTR:
	case SQL_ATTR_ROW_BIND_OFFSET_PTR:
	case SQL_ATTR_ROW_OPERATION_PTR:
	case SQL_ATTR_ROW_STATUS_PTR:
	case SQL_ATTR_ROWS_FETCHED_PTR:
	case 29: /* SQL_ATTR_ASYNC_STMT_EVENT */
	case 30: /* SQL_ATTR_ASYNC_STMT_PCALLBACK */
	case 31: /* SQL_ATTR_ASYNC_STMT_PCONTEXT */
		return AV_PTR;
	case SQL_ATTR_APP_ROW_DESC:
	case SQL_ATTR_APP_PARAM_DESC:
	case SQL_ATTR_IMP_ROW_DESC:
	case SQL_ATTR_IMP_PARAM_DESC:
		return AV_HANDLE;
	default:
		return AV_INT;
	}
}

static av_kind conn_attr_kind(SQLINTEGER a)
{
	switch (a) {
	case SQL_ATTR_CURRENT_CATALOG:
	case SQL_ATTR_TRANSLATE_LIB:
		return AV_STR;
	case SQL_ATTR_TRACEFILE:
	case SQL_ATTR_TRACE:
	case SQL_ATTR_ODBC_CURSORS:
#ifdef FUZZ_DIRECT
		return a == SQL_ATTR_TRACEFILE ? AV_STR : AV_INT;
#else
		return AV_SKIP; /* the driver manager's own (it would trace to a file) */
#endif
	case SQL_ATTR_QUIET_MODE:
	case 1207: /* SQL_ATTR_ENLIST_IN_DTC */
	case 118:  /* SQL_ATTR_DBC_INFO_TOKEN */
	case 119:  /* SQL_ATTR_ASYNC_DBC_EVENT */
	case 120:  /* SQL_ATTR_ASYNC_DBC_PCALLBACK */
	case 121:  /* SQL_ATTR_ASYNC_DBC_PCONTEXT */
		return AV_PTR;
	case SQL_ATTR_APP_ROW_DESC:
	case SQL_ATTR_APP_PARAM_DESC:
	case SQL_ATTR_IMP_ROW_DESC:
	case SQL_ATTR_IMP_PARAM_DESC:
		return AV_SKIP; /* statement handles, not for a connection */
	default:
		return stmt_attr_kind(a) == AV_PTR ? AV_PTR : AV_INT;
	}
}

static const SQLULEN int_values[] = {0,   1,     2,          3,           4,           8,
                                     100, 65535, 0x7fffffff, (SQLULEN)-1, (SQLULEN)-2, (SQLULEN)1 << 40};
static const SQLINTEGER str_lens[] = {SQL_NTS, 0, 3, SQL_IS_INTEGER, SQL_IS_UINTEGER, SQL_IS_POINTER, -77};

/* attribute ids: every one in these ranges */
static const struct {
	SQLINTEGER lo, hi;
} attr_ranges[] = {{-10, 40},
                   {100, 125},
                   {1200, 1230},
                   {10000, 10030},
                   {65530, 65560},
                   {INT_MAX - 1, INT_MAX},
                   {INT_MIN, INT_MIN + 1}};

/* A statement put through a short life after an attribute changed:
 * nothing bound, so no attribute value can send the driver past a
 * buffer; the answers must be well formed whatever the value did. */
static void stmt_cycle(SQLHSTMT st)
{
	SQLRETURN r = FZS(RC_BASE | RC_N, st, SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz ORDER BY a", SQL_NTS));
	if (SQL_SUCCEEDED(r)) {
		SQLSMALLINT n = 0;
		FZS(RC_BASE, st, SQLNumResultCols(st, &n));
		r = FZS(RC_BASE | RC_N, st, SQLFetch(st));
		if (SQL_SUCCEEDED(r)) {
			char b[64];
			SQLLEN ind;
			FZS(RC_BASE | RC_N, st, SQLGetData(st, 2, SQL_C_CHAR, b, sizeof(b), &ind));
		}
		FZS(RC_BASE | RC_N, st, SQLFetchScroll(st, SQL_FETCH_NEXT, 0));
		FZS(RC_BASE, st, SQLFreeStmt(st, SQL_CLOSE));
	}
}

static void test_stmt_attributes(void **state)
{
	fz *z = *state;
	arena_fill();
	for (size_t ri = 0; ri < sizeof(attr_ranges) / sizeof(attr_ranges[0]); ri++)
		for (SQLINTEGER a = attr_ranges[ri].lo;; a++) {
			av_kind k = stmt_attr_kind(a);
			if (getenv("CB_FUZZ_TRACE"))
				fprintf(stderr, "TRACE %ld attr %d\n", (long)time(NULL), (int)a);
			size_t nvals = k == AV_INT ? sizeof(int_values) / sizeof(int_values[0]) : 3;
			for (size_t vi = 0; vi < nvals; vi++) {
				snprintf(fz_context, sizeof(fz_context), "statement attribute %d value #%zu", (int)a,
				         vi);
				SQLHSTMT st = ot_stmt(z->dbc);
				SQLHDESC own = NULL;
				SQLPOINTER v;
				if (k == AV_INT)
					v = (SQLPOINTER)int_values[vi];
				else if (k == AV_PTR)
					v = vi == 0 ? NULL : slot(4 + (int)vi);
				else {
					/* a descriptor: none, an explicit one, the statement's own IRD */
					v = NULL;
					if (vi == 1 && SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DESC, z->dbc, &own)))
						v = own;
					else if (vi == 2)
						SQLGetStmtAttr(st, SQL_ATTR_IMP_ROW_DESC, &v, 0, NULL);
				}
				FZS(RC_S | RC_I | RC_E, st, SQLSetStmtAttr(st, a, v, PICK(str_lens)));
				/* read back: a big buffer, no buffer, a short one */
				SQLINTEGER len = -1;
				FZS(RC_S | RC_I | RC_E, st, SQLGetStmtAttr(st, a, hb(1024, 8), 1024, &len));
				FZS(RC_S | RC_I | RC_E, st, SQLGetStmtAttr(st, a, hb(0, 8), 0, &len));
				FZS(RC_S | RC_I | RC_E, st, SQLGetStmtAttr(st, a, NULL, 0, NULL));
				/* (a statement runs once for each set of parameters, even
				 * without markers, as with psqlODBC: not a million times here) */
				if (a != SQL_ATTR_PARAMSET_SIZE || (SQLULEN)v <= 4)
					stmt_cycle(st);
				FZS(RC_S, st, SQLFreeHandle(SQL_HANDLE_STMT, st));
				if (own)
					SQLFreeHandle(SQL_HANDLE_DESC, own);
			}
			if (a == attr_ranges[ri].hi)
				break;
		}
	fz_alive(z->dbc);
	assert_int_equal(fz_failures, 0);
}

static void test_conn_attributes(void **state)
{
	fz *z = *state;
	arena_fill();
	SQLHDBC dbc = NULL;
	bool connected = false;
	for (size_t ri = 0; ri < sizeof(attr_ranges) / sizeof(attr_ranges[0]); ri++)
		for (SQLINTEGER a = attr_ranges[ri].lo;; a++) {
			av_kind k = conn_attr_kind(a);
			size_t nvals = k == AV_INT ? sizeof(int_values) / sizeof(int_values[0]) : k == AV_SKIP ? 0 : 3;
			for (size_t vi = 0; vi < nvals; vi++) {
				snprintf(fz_context, sizeof(fz_context), "connection attribute %d value #%zu", (int)a,
				         vi);
				/* a fresh connection now and then: values stick */
				if (dbc == NULL) {
					SQLAllocHandle(SQL_HANDLE_DBC, z->env, &dbc);
					/* before connecting, too */
					SQLPOINTER v0 = k == AV_INT ? (SQLPOINTER)int_values[vi] : NULL;
					FZC(RC_S | RC_I | RC_E, dbc, SQLSetConnectAttr(dbc, a, v0, SQL_IS_INTEGER));
					FZC(RC_S | RC_I | RC_E | RC_N, dbc,
					    SQLGetConnectAttr(dbc, a, hb(1024, 8), 1024, NULL));
					connected = SQL_SUCCEEDED(
					        FZC(RC_S | RC_I, dbc,
					            SQLDriverConnect(dbc, NULL, (SQLCHAR *)"DSN=cbtest", SQL_NTS, NULL,
					                             0, NULL, SQL_DRIVER_NOPROMPT)));
				}
				SQLPOINTER v;
				SQLINTEGER sl = PICK(str_lens);
				if (k == AV_INT)
					v = (SQLPOINTER)int_values[vi];
				else if (k == AV_PTR)
					v = vi == 0 ? NULL : slot(4 + (int)vi);
				else {
					static const char *const sv[] = {"movies", "", "no_such_catalog"};
					v = (SQLPOINTER)sv[vi];
					if (sl > (SQLINTEGER)strlen(sv[vi]))
						sl = SQL_NTS;
				}
				FZC(RC_S | RC_I | RC_E, dbc, SQLSetConnectAttr(dbc, a, v, sl));
				SQLINTEGER len = -1;
				FZC(RC_S | RC_I | RC_E | RC_N, dbc, SQLGetConnectAttr(dbc, a, hb(1024, 8), 1024, &len));
				FZC(RC_S | RC_I | RC_E | RC_N, dbc, SQLGetConnectAttr(dbc, a, hb(1, 8), 1, &len));
				/* (unixODBC 2.3.11 writes through a NULL value pointer of an
				 * unconnected connection) */
				if (connected)
					FZC(RC_S | RC_I | RC_E | RC_N, dbc, SQLGetConnectAttr(dbc, a, NULL, 0, NULL));
				if (fz_rand() % 8 == 0 || !connected) {
					SQLHSTMT st;
					if (SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st))) {
						stmt_cycle(st);
						SQLFreeHandle(SQL_HANDLE_STMT, st);
					}
					FZC(RC_S | RC_E, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK));
					FZC(RC_S | RC_I | RC_E, dbc, SQLDisconnect(dbc));
					FZC(RC_S, dbc, SQLFreeHandle(SQL_HANDLE_DBC, dbc));
					dbc = NULL;
				}
			}
			if (a == attr_ranges[ri].hi)
				break;
		}
	if (dbc) {
		SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK);
		SQLDisconnect(dbc);
		SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	}
	/* environment attributes */
	for (SQLINTEGER a = 195; a < 210; a++)
		for (size_t vi = 0; vi < sizeof(int_values) / sizeof(int_values[0]); vi++) {
			snprintf(fz_context, sizeof(fz_context), "environment attribute %d value #%zu", (int)a, vi);
			SQLHENV env;
			SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
			FZ(RC_S | RC_I | RC_E, SQL_HANDLE_ENV, env,
			   SQLSetEnvAttr(env, a, (SQLPOINTER)int_values[vi], SQL_IS_INTEGER));
			FZ(RC_S | RC_I | RC_E, SQL_HANDLE_ENV, env, SQLGetEnvAttr(env, a, hb(1024, 8), 1024, NULL));
			FZ(RC_S | RC_I | RC_E, SQL_HANDLE_ENV, env, SQLGetEnvAttr(env, a, NULL, 0, NULL));
			SQLFreeHandle(SQL_HANDLE_ENV, env);
		}
	fz_alive(z->dbc);
	assert_int_equal(fz_failures, 0);
}

/* --- information ------------------------------------------------------------------------------- */

static void test_info(void **state)
{
	fz *z = *state;
	static const SQLSMALLINT lens[] = {0, 1, 2, 3, 4, 1024, -1};
	for (int id = -2; id < 12100; id++) {
		if (id == 300)
			id = 1000; /* the gaps without ids, partly */
		if (id == 1100)
			id = 10000;
		if (id == 10100)
			id = 12000;
		snprintf(fz_context, sizeof(fz_context), "SQLGetInfo %d", id);
#ifndef FUZZ_DIRECT
		/* the driver manager answers these itself (unixODBC 2.3.11 copies
		 * SQL_DATA_SOURCE_NAME into a zero-length buffer as if it were
		 * huge): not the driver's to test */
		if (id == SQL_DATA_SOURCE_NAME || id == SQL_DRIVER_HDBC || id == SQL_DRIVER_HENV ||
		    id == SQL_DRIVER_HSTMT || id == SQL_DRIVER_HLIB || id == SQL_DRIVER_HDESC || id == SQL_ODBC_VER ||
		    id == SQL_DM_VER || id == SQL_XOPEN_CLI_YEAR || id == 1028 /* SQL_ATTR_DRIVER_THREADING */)
			continue;
#endif
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			SQLSMALLINT len = -9;
			FZC(RC_S | RC_I | RC_E, z->dbc,
			    SQLGetInfo(z->dbc, (SQLUSMALLINT)id, hb(lens[li], 8), lens[li], &len));
		}
		FZC(RC_S | RC_I | RC_E, z->dbc, SQLGetInfo(z->dbc, (SQLUSMALLINT)id, NULL, 0, NULL));
		FZC(RC_S | RC_I | RC_E, z->dbc, SQLGetInfo(z->dbc, (SQLUSMALLINT)id, NULL, 100, NULL));
	}
	for (int id = 0; id < 1300; id++) {
		snprintf(fz_context, sizeof(fz_context), "SQLGetFunctions %d", id);
		size_t n = id == SQL_API_ODBC3_ALL_FUNCTIONS ? SQL_API_ODBC3_ALL_FUNCTIONS_SIZE * sizeof(SQLUSMALLINT)
		           : id == SQL_API_ALL_FUNCTIONS     ? 100 * sizeof(SQLUSMALLINT)
		                                             : sizeof(SQLUSMALLINT);
		FZC(RC_S | RC_E, z->dbc, SQLGetFunctions(z->dbc, (SQLUSMALLINT)id, hb(0, n)));
		if (id == 200)
			id = 990;
	}
	/* SQLNativeSql: every text, small buffers */
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]) + 2; i++) {
		const char *t = i < sizeof(texts) / sizeof(texts[0]) ? texts[i] : i % 2 ? long_text : many_markers;
		snprintf(fz_context, sizeof(fz_context), "SQLNativeSql #%zu", i);
		static const SQLINTEGER ol[] = {0, 1, 5, 1024, SLOT, -1};
		for (size_t li = 0; li < sizeof(ol) / sizeof(ol[0]); li++) {
			SQLINTEGER len = -9;
			FZC(RC_S | RC_I | RC_E, z->dbc,
			    SQLNativeSql(z->dbc, (SQLCHAR *)t, SQL_NTS, hb(ol[li], 0), ol[li], &len));
		}
		FZC(RC_S | RC_I | RC_E, z->dbc, SQLNativeSql(z->dbc, (SQLCHAR *)t, SQL_NTS, NULL, 0, NULL));
		FZC(RC_S | RC_I | RC_E, z->dbc,
		    SQLNativeSql(z->dbc, (SQLCHAR *)t, (SQLINTEGER)(strlen(t) / 2), hb(SLOT, 0), SLOT, NULL));
	}
	/* the type list for every type and some that are not */
	SQLHSTMT st = ot_stmt(z->dbc);
	for (int ty = -160; ty < 120; ty++) {
		snprintf(fz_context, sizeof(fz_context), "SQLGetTypeInfo %d", ty);
		if (SQL_SUCCEEDED(FZS(RC_S | RC_I | RC_E, st, SQLGetTypeInfo(st, (SQLSMALLINT)ty))))
			while (SQL_SUCCEEDED(FZS(RC_BASE | RC_N, st, SQLFetch(st))))
				FZS(RC_BASE | RC_N, st, SQLGetData(st, 1, SQL_C_CHAR, hb(100, 0), 100, NULL));
		SQLFreeStmt(st, SQL_CLOSE);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	assert_int_equal(fz_failures, 0);
}

/* --- statement operations in every state ----------------------------------------------------------- */

/* one operation with arguments drawn from the pools */
typedef void (*stmt_op)(SQLHSTMT st, SQLHDBC dbc);

static void op_exec_direct(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	const char *t = any_text();
	SQLINTEGER len = fz_rand() % 4 == 0 ? (SQLINTEGER)(strlen(t) / 2) : SQL_NTS;
	FZS(RC_BASE | RC_N | RC_D, st, SQLExecDirect(st, (SQLCHAR *)t, len));
}
static void op_exec_null(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLExecDirect(st, NULL, SQL_NTS));
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLExecDirect(st, (SQLCHAR *)"SELECT 1", -77));
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLPrepare(st, NULL, 5));
}
static void op_prepare(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_BASE, st, SQLPrepare(st, (SQLCHAR *)any_text(), SQL_NTS));
}
static void op_execute(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_BASE | RC_N | RC_D, st, SQLExecute(st));
}
static void op_bind_param(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLSMALLINT io[] = {SQL_PARAM_INPUT, SQL_PARAM_OUTPUT, SQL_PARAM_INPUT_OUTPUT, 0, 7};
	static const SQLULEN sizes[] = {0, 1, 10, 255, 100000, (SQLULEN)-1};
	static const SQLSMALLINT digits[] = {0, 2, 6, 9, -1, 100};
	SQLUSMALLINT n = PICK(cols);
	void *buf = fz_rand() % 8 ? slot(8 + (int)(fz_rand() % 4)) : NULL;
	SQLLEN *ind = fz_rand() % 8 ? slot(2 + (int)(fz_rand() % 2)) : NULL;
	SQLLEN bl = PICK(small_lens);
	FZS(RC_S | RC_I | RC_E | RC_H, st,
	    SQLBindParameter(st, n, PICK(io), PICK(ctypes), PICK(sqltypes), PICK(sizes), PICK(digits), buf, bl, ind));
}
static void op_param_data(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLPOINTER tok = NULL;
	FZS(RC_BASE | RC_N | RC_D, st, SQLParamData(st, fz_rand() % 4 ? &tok : NULL));
}
static void op_put_data(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLLEN l[] = {0, 1, 5, 100, SQL_NTS, SQL_NULL_DATA, SQL_DEFAULT_PARAM, -77};
	SQLLEN len = PICK(l);
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLPutData(st, fz_rand() % 8 ? any_slot() : NULL, len));
}
static void op_num_params(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLSMALLINT n;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLNumParams(st, fz_rand() % 4 ? &n : NULL));
}
static void op_describe_param(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLSMALLINT t, d, nul;
	SQLULEN size;
	bool nulls = fz_rand() % 3 == 0;
	FZS(RC_S | RC_I | RC_E | RC_H, st,
	    SQLDescribeParam(st, PICK(cols), nulls ? NULL : &t, nulls ? NULL : &size, nulls ? NULL : &d,
	                     nulls ? NULL : &nul));
}
static void op_num_cols(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLSMALLINT n;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLNumResultCols(st, fz_rand() % 4 ? &n : NULL));
}
static void op_describe_col(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLSMALLINT nl, t, d, nul;
	SQLULEN size;
	static const SQLSMALLINT bl[] = {0, 1, 2, 64, 1024, -1};
	bool nulls = fz_rand() % 3 == 0;
	SQLSMALLINT b = PICK(bl);
	FZS(RC_S | RC_I | RC_E | RC_H, st,
	    SQLDescribeCol(st, PICK(cols), nulls ? NULL : hb(b, 0), b, nulls ? NULL : &nl, nulls ? NULL : &t,
	                   nulls ? NULL : &size, nulls ? NULL : &d, nulls ? NULL : &nul));
}
static void op_col_attribute(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLSMALLINT bl[] = {0, 1, 2, 64, 1024, -1, SQL_IS_INTEGER};
	SQLUSMALLINT field = (SQLUSMALLINT)(fz_rand() % 4 == 0 ? fz_rand() % 40 : 1000 + fz_rand() % 40);
	if (fz_rand() % 16 == 0)
		field = (SQLUSMALLINT)fz_rand();
	SQLSMALLINT sl;
	SQLLEN num;
	bool nulls = fz_rand() % 3 == 0;
	SQLSMALLINT b = PICK(bl);
	FZS(RC_S | RC_I | RC_E | RC_H, st,
	    SQLColAttribute(st, PICK(cols), field, nulls ? NULL : hb(b, 8), b, nulls ? NULL : &sl,
	                    nulls ? NULL : &num));
}
static void op_bind_col(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	void *buf = fz_rand() % 8 ? slot(12 + (int)(fz_rand() % 4)) : NULL;
	SQLLEN *ind = fz_rand() % 8 ? slot(16 + (int)(fz_rand() % 2)) : NULL;
	SQLLEN bl = PICK(buflens);
	if (bl > 1024)
		bl = 1024;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLBindCol(st, PICK(cols), PICK(ctypes), buf, bl, ind));
}
static void op_fetch(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_BASE | RC_N, st, SQLFetch(st));
}
static void op_fetch_scroll(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLSMALLINT o[] = {SQL_FETCH_NEXT,
	                                SQL_FETCH_PRIOR,
	                                SQL_FETCH_FIRST,
	                                SQL_FETCH_LAST,
	                                SQL_FETCH_ABSOLUTE,
	                                SQL_FETCH_RELATIVE,
	                                SQL_FETCH_BOOKMARK,
	                                0,
	                                99};
	static const SQLLEN off[] = {0, 1, -1, 2, -3, 1000, -1000, LONG_MAX, LONG_MIN};
	FZS(RC_BASE | RC_N, st, SQLFetchScroll(st, PICK(o), PICK(off)));
}
static void op_extended_fetch(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLUSMALLINT o[] = {SQL_FETCH_NEXT, SQL_FETCH_PRIOR, SQL_FETCH_ABSOLUTE, SQL_FETCH_BOOKMARK, 99};
	static const SQLLEN off[] = {0, 1, -1, 3, 1000};
	SQLULEN rows;
	SQLUSMALLINT *status = fz_rand() % 2 ? slot(18) : NULL;
	FZS(RC_BASE | RC_N, st, SQLExtendedFetch(st, PICK(o), PICK(off), fz_rand() % 2 ? &rows : NULL, status));
}
static void op_get_data(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLLEN bl = PICK(buflens);
	if (bl > 1024)
		bl = 1024;
	SQLLEN *ind = fz_rand() % 6 ? hb(0, sizeof(SQLLEN)) : NULL;
	SQLSMALLINT ct = PICK(ctypes);
	/* character and binary data go by the length; a fixed-size type takes its size */
	bool var = ct == SQL_C_CHAR || ct == SQL_C_WCHAR || ct == SQL_C_BINARY || ct == SQL_C_VARBOOKMARK;
	FZS(RC_BASE | RC_N, st, SQLGetData(st, PICK(cols), ct, fz_rand() % 8 ? hb(bl, var ? 0 : 32) : NULL, bl, ind));
}
static void op_row_count(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	SQLLEN n;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLRowCount(st, fz_rand() % 4 ? &n : NULL));
}
static void op_more_results(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_BASE | RC_N, st, SQLMoreResults(st));
}
static void op_close(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLCloseCursor(st));
}
static void op_free_stmt(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLUSMALLINT o[] = {SQL_CLOSE, SQL_UNBIND, SQL_RESET_PARAMS, 7};
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLFreeStmt(st, PICK(o)));
}
static void op_cancel(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLCancel(st));
}
static void op_cursor_name(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const char *const n[] = {
	        "c1", "", "SQL_CUR_x", "a very long cursor name that goes on and on and on", "\"q\"", "x'y", NULL};
	static const SQLSMALLINT bl[] = {0, 1, 3, 200, -1};
	SQLSMALLINT len;
	if (fz_rand() % 2)
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLSetCursorName(st, (SQLCHAR *)PICK(n), SQL_NTS));
	else {
		SQLSMALLINT b = PICK(bl);
		FZS(RC_S | RC_I | RC_E | RC_H, st,
		    SQLGetCursorName(st, fz_rand() % 4 ? hb(b, 0) : NULL, b, fz_rand() % 4 ? &len : NULL));
	}
}
static void op_set_pos(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLSETPOSIROW rows[] = {0, 1, 2, 3, 99, (SQLSETPOSIROW)-1};
	static const SQLUSMALLINT ops[] = {SQL_POSITION, SQL_REFRESH, SQL_UPDATE, SQL_DELETE, SQL_ADD, 99};
	static const SQLUSMALLINT locks[] = {SQL_LOCK_NO_CHANGE, SQL_LOCK_EXCLUSIVE, SQL_LOCK_UNLOCK, 7};
	FZS(RC_BASE | RC_D, st, SQLSetPos(st, PICK(rows), PICK(ops), PICK(locks)));
}
static void op_bulk(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLSMALLINT ops[] = {
	        SQL_ADD, SQL_UPDATE_BY_BOOKMARK, SQL_DELETE_BY_BOOKMARK, SQL_FETCH_BY_BOOKMARK, 0, 99};
	FZS(RC_BASE | RC_D, st, SQLBulkOperations(st, PICK(ops)));
}
static void op_stmt_attr(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	/* the known attributes with values the arena can hold */
	static const SQLINTEGER a[] = {SQL_ATTR_CONCURRENCY,
	                               SQL_ATTR_CURSOR_TYPE,
	                               SQL_ATTR_CURSOR_SCROLLABLE,
	                               SQL_ATTR_CURSOR_SENSITIVITY,
	                               SQL_ATTR_MAX_LENGTH,
	                               SQL_ATTR_MAX_ROWS,
	                               SQL_ATTR_NOSCAN,
	                               SQL_ATTR_QUERY_TIMEOUT,
	                               SQL_ATTR_RETRIEVE_DATA,
	                               SQL_ATTR_ROW_ARRAY_SIZE,
	                               SQL_ATTR_ROW_BIND_TYPE,
	                               SQL_ATTR_USE_BOOKMARKS,
	                               SQL_ATTR_PARAMSET_SIZE,
	                               SQL_ATTR_PARAM_BIND_TYPE,
	                               SQL_ATTR_ROW_STATUS_PTR,
	                               SQL_ATTR_ROWS_FETCHED_PTR,
	                               SQL_ATTR_ROW_BIND_OFFSET_PTR,
	                               SQL_ATTR_PARAM_STATUS_PTR,
	                               SQL_ATTR_PARAMS_PROCESSED_PTR,
	                               SQL_ATTR_PARAM_OPERATION_PTR,
	                               SQL_ATTR_ROW_OPERATION_PTR,
	                               SQL_ATTR_FETCH_BOOKMARK_PTR,
	                               SQL_ATTR_PARAM_BIND_OFFSET_PTR,
	                               SQL_ATTR_KEYSET_SIZE,
	                               SQL_ATTR_SIMULATE_CURSOR,
	                               SQL_ATTR_METADATA_ID,
	                               SQL_ATTR_ENABLE_AUTO_IPD,
	                               SQL_ATTR_ASYNC_ENABLE,
	                               SQL_ROWSET_SIZE};
	static const SQLULEN small[] = {0, 1, 2, 3, 4};
	static const SQLULEN bindtypes[] = {SQL_BIND_BY_COLUMN, 16, 64, 256};
	static const SQLULEN anyv[] = {0, 1, 2, 3, 8, 99, (SQLULEN)-1};
	SQLINTEGER at = PICK(a);
	SQLPOINTER v;
	switch (at) {
	case SQL_ATTR_ROW_ARRAY_SIZE:
	case SQL_ATTR_PARAMSET_SIZE:
	case SQL_ROWSET_SIZE:
		v = (SQLPOINTER)PICK(small);
		break;
	case SQL_ATTR_ROW_BIND_TYPE:
	case SQL_ATTR_PARAM_BIND_TYPE:
		v = (SQLPOINTER)PICK(bindtypes);
		break;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR:
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR: {
		/* an offset of 0, 8 or 64 bytes (arena_fill keeps them) */
		SQLLEN *p = slot(21);
		v = fz_rand() % 4 ? (SQLPOINTER)(p + fz_rand() % 3) : NULL;
		break;
	}
	case SQL_ATTR_ROW_STATUS_PTR:
	case SQL_ATTR_ROWS_FETCHED_PTR:
	case SQL_ATTR_PARAM_STATUS_PTR:
	case SQL_ATTR_PARAMS_PROCESSED_PTR:
	case SQL_ATTR_PARAM_OPERATION_PTR:
	case SQL_ATTR_ROW_OPERATION_PTR:
	case SQL_ATTR_FETCH_BOOKMARK_PTR:
		v = fz_rand() % 4 ? slot(22) : NULL;
		break;
	default:
		v = (SQLPOINTER)PICK(anyv);
	}
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLSetStmtAttr(st, at, v, SQL_IS_UINTEGER));
	SQLINTEGER len;
	FZS(RC_S | RC_I | RC_E | RC_H, st, SQLGetStmtAttr(st, PICK(a), hb(64, 8), 64, &len));
}
static void op_catalog(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	const char *n[6];
	SQLSMALLINT l[6];
	for (int i = 0; i < 6; i++) {
		n[i] = PICK(names);
		l[i] = n[i] == NULL ? 0 : fz_rand() % 4 ? SQL_NTS : (SQLSMALLINT)(strlen(n[i]) / 2);
	}
#define N(i) (SQLCHAR *)n[i], l[i]
	switch (fz_rand() % 12) {
	case 0:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLTables(st, N(0), N(1), N(2), N(3)));
		break;
	case 1:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLColumns(st, N(0), N(1), N(2), N(3)));
		break;
	case 2:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLPrimaryKeys(st, N(0), N(1), N(2)));
		break;
	case 3:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLForeignKeys(st, N(0), N(1), N(2), N(3), N(4), N(5)));
		break;
	case 4:
		FZS(RC_S | RC_I | RC_E | RC_H, st,
		    SQLStatistics(st, N(0), N(1), N(2), (SQLUSMALLINT)(fz_rand() % 3), (SQLUSMALLINT)(fz_rand() % 3)));
		break;
	case 5:
		FZS(RC_S | RC_I | RC_E | RC_H, st,
		    SQLSpecialColumns(st, (SQLUSMALLINT)(fz_rand() % 4), N(0), N(1), N(2),
		                      (SQLUSMALLINT)(fz_rand() % 4), (SQLUSMALLINT)(fz_rand() % 3)));
		break;
	case 6:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLProcedures(st, N(0), N(1), N(2)));
		break;
	case 7:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLProcedureColumns(st, N(0), N(1), N(2), N(3)));
		break;
	case 8:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLTablePrivileges(st, N(0), N(1), N(2)));
		break;
	case 9:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLColumnPrivileges(st, N(0), N(1), N(2), N(3)));
		break;
	case 10:
		FZS(RC_S | RC_I | RC_E | RC_H, st, SQLGetTypeInfo(st, PICK(sqltypes)));
		break;
	default: {
		/* an identifier as long as a buffer, quoted and not */
		static char longname[3000];
		memset(longname, 'n', sizeof(longname) - 1);
		FZS(RC_S | RC_I | RC_E | RC_H, st,
		    SQLColumns(st, NULL, 0, (SQLCHAR *)longname, SQL_NTS, (SQLCHAR *)longname, 2000, NULL, 0));
	}
	}
#undef N
}
static void op_desc(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLINTEGER which[] = {SQL_ATTR_APP_ROW_DESC, SQL_ATTR_APP_PARAM_DESC, SQL_ATTR_IMP_ROW_DESC,
	                                   SQL_ATTR_IMP_PARAM_DESC};
	SQLHDESC d = NULL;
	if (!SQL_SUCCEEDED(SQLGetStmtAttr(st, PICK(which), &d, 0, NULL)) || d == NULL)
		return;
	fz_alt_stmt = st;
	static const SQLSMALLINT recs[] = {-1, 0, 1, 2, 3, 50, 32767};
	SQLSMALLINT field = (SQLSMALLINT)(fz_rand() % 3 ? fz_rand() % 36 : 1001 + fz_rand() % 14);
	SQLINTEGER len;
	FZD(RC_BASE | RC_N, d, SQLGetDescField(d, PICK(recs), field, hb(1024, 8), 1024, &len));
	SQLSMALLINT nl, t, sub, p, s, nul;
	SQLLEN l;
	FZD(RC_BASE | RC_N, d, SQLGetDescRec(d, PICK(recs), hb(64, 0), 64, &nl, &t, &sub, &l, &p, &s, &nul));
	/* setting: the fields with values the arena can hold */
	switch (fz_rand() % 6) {
	case 0:
		FZD(RC_S | RC_I | RC_E | RC_H, d,
		    SQLSetDescField(d, (SQLSMALLINT)(1 + fz_rand() % 3), SQL_DESC_CONCISE_TYPE,
		                    (SQLPOINTER)(intptr_t)PICK(ctypes), 0));
		break;
	case 1:
		FZD(RC_S | RC_I | RC_E | RC_H, d,
		    SQLSetDescField(d, (SQLSMALLINT)(1 + fz_rand() % 3), SQL_DESC_OCTET_LENGTH,
		                    (SQLPOINTER)(intptr_t)PICK(small_lens), 0));
		break;
	case 2:
		FZD(RC_S | RC_I | RC_E | RC_H, d,
		    SQLSetDescField(d, (SQLSMALLINT)(1 + fz_rand() % 3), SQL_DESC_DATA_PTR,
		                    fz_rand() % 4 ? slot(12) : NULL, 0));
		break;
	case 3:
		FZD(RC_S | RC_I | RC_E | RC_H, d,
		    SQLSetDescField(d, 0, SQL_DESC_COUNT, (SQLPOINTER)(intptr_t)(fz_rand() % 5), 0));
		break;
	case 4:
		FZD(RC_S | RC_I | RC_E | RC_H, d,
		    SQLSetDescField(d, (SQLSMALLINT)(fz_rand() % 3), SQL_DESC_PRECISION,
		                    (SQLPOINTER)(intptr_t)PICK(ints), 0));
		break;
	default:
		FZD(RC_S | RC_I | RC_E | RC_H, d,
		    SQLSetDescRec(d, (SQLSMALLINT)(1 + fz_rand() % 3), PICK(sqltypes), 0, PICK(small_lens), 5, 2,
		                  fz_rand() % 4 ? slot(12) : NULL, slot(2), slot(2)));
	}
	fz_alt_stmt = NULL;
}
static void op_diag(SQLHSTMT st, SQLHDBC dbc)
{
	(void)dbc;
	static const SQLSMALLINT recs[] = {-1, 0, 1, 2, 3, 100};
#ifdef FUZZ_DIRECT
	static const SQLSMALLINT bl[] = {0, 1, 6, 64, 1024, -1};
#else
	/* (unixODBC 2.3.11 copies its own records into a buffer of a negative
	 * length as if it were long) */
	static const SQLSMALLINT bl[] = {0, 1, 6, 64, 1024};
#endif
	SQLINTEGER native;
	SQLSMALLINT len;
	SQLSMALLINT b = PICK(bl);
	FZ(RC_BASE | RC_N, 0, NULL,
	   SQLGetDiagRec(SQL_HANDLE_STMT, st, PICK(recs), fz_rand() % 4 ? hb(0, 6) : NULL, &native, hb(b, 0), b, &len));
	SQLSMALLINT field = (SQLSMALLINT)(fz_rand() % 2 ? (int)(fz_rand() % 14) - 2 : (int)(fz_rand() % 30000));
	b = PICK(bl);
#ifndef FUZZ_DIRECT
	if (b == 0)
		b = 1; /* (unixODBC 2.3.11 copies -1 bytes of its own message into none) */
#endif
	FZ(RC_BASE | RC_N, 0, NULL,
	   SQLGetDiagField(SQL_HANDLE_STMT, st, PICK(recs), field, hb(b, 8), b, fz_rand() % 2 ? &len : NULL));
}

static const struct {
	const char *name;
	stmt_op fn;
} ops[] = {
        {"SQLExecDirect", op_exec_direct},
        {"SQLExecDirect(NULL)", op_exec_null},
        {"SQLPrepare", op_prepare},
        {"SQLExecute", op_execute},
        {"SQLBindParameter", op_bind_param},
        {"SQLParamData", op_param_data},
        {"SQLPutData", op_put_data},
        {"SQLNumParams", op_num_params},
        {"SQLDescribeParam", op_describe_param},
        {"SQLNumResultCols", op_num_cols},
        {"SQLDescribeCol", op_describe_col},
        {"SQLColAttribute", op_col_attribute},
        {"SQLBindCol", op_bind_col},
        {"SQLFetch", op_fetch},
        {"SQLFetchScroll", op_fetch_scroll},
        {"SQLExtendedFetch", op_extended_fetch},
        {"SQLGetData", op_get_data},
        {"SQLRowCount", op_row_count},
        {"SQLMoreResults", op_more_results},
        {"SQLCloseCursor", op_close},
        {"SQLFreeStmt", op_free_stmt},
        {"SQLCancel", op_cancel},
        {"SQLSet/GetCursorName", op_cursor_name},
        {"SQLSetPos", op_set_pos},
        {"SQLBulkOperations", op_bulk},
        {"SQLSet/GetStmtAttr", op_stmt_attr},
        {"catalog", op_catalog},
        {"descriptors", op_desc},
        {"SQLGetDiagRec/Field", op_diag},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* the states a statement is put in before an operation */
static const char *const state_names[] = {
        "fresh",        "prepared",      "executed",         "fetched",   "fetched past the end", "no result", "failed",
        "needs data",   "putting data",  "scrolled",         "updatable", "several results",      "catalog",   "closed",
        "bound rowset", "declare-fetch", "output parameter",
};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

static SQLHSTMT make_state(fz *z, int s)
{
	SQLHSTMT st = NULL;
	SQLHDBC dbc = s == 15 ? z->dbc_df : z->dbc;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st)))
		return NULL;
	static SQLINTEGER p1 = 3;
	static SQLLEN dae = SQL_DATA_AT_EXEC, nts = SQL_NTS;
	switch (s) {
	case 0:
		break;
	case 1:
		SQLPrepare(st, (SQLCHAR *)"SELECT ?::int AS a, ?::text AS b", SQL_NTS);
		break;
	case 2:
		SQLPrepare(st, (SQLCHAR *)"SELECT a, b FROM fz WHERE a > ? ORDER BY a", SQL_NTS);
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &p1, 0, NULL);
		SQLExecute(st);
		break;
	case 3:
	case 4:
		SQLExecDirect(st, (SQLCHAR *)"SELECT a, b, c, d, e, f, g FROM fz ORDER BY a", SQL_NTS);
		SQLFetch(st);
		if (s == 4)
			while (SQL_SUCCEEDED(SQLFetch(st)))
				;
		break;
	case 5:
		SQLExecDirect(st, (SQLCHAR *)"UPDATE fz SET b = b WHERE a = 1", SQL_NTS);
		break;
	case 6:
		SQLExecDirect(st, (SQLCHAR *)"SELECT 1/0", SQL_NTS);
		break;
	case 7:
	case 8: {
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, (SQLPOINTER)1, 0, &dae);
		SQLExecDirect(st, (SQLCHAR *)"SELECT ?::text", SQL_NTS);
		if (s == 8) {
			SQLPOINTER tok;
			SQLParamData(st, &tok);
			SQLPutData(st, (SQLPOINTER) "ab", 2);
		}
		break;
	}
	case 9:
		SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
		SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz ORDER BY a", SQL_NTS);
		SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 2);
		break;
	case 10:
		SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0);
		SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0);
		SQLBindCol(st, 1, SQL_C_SLONG, slot(12), 4, slot(16));
		SQLBindCol(st, 2, SQL_C_CHAR, slot(13), 64, slot(17));
		SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz WHERE a > 100 OR a < 5 ORDER BY a", SQL_NTS);
		SQLFetchScroll(st, SQL_FETCH_FIRST, 0);
		break;
	case 11:
		SQLExecDirect(st, (SQLCHAR *)"SELECT 1 AS x; UPDATE fz SET b = b WHERE a = 2; SELECT 'two' AS y",
		              SQL_NTS);
		break;
	case 12:
		SQLTables(st, NULL, 0, NULL, 0, (SQLCHAR *)"fz", SQL_NTS, NULL, 0);
		break;
	case 13:
		SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS);
		SQLCloseCursor(st);
		break;
	case 14:
		SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0);
		SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, slot(22), 0);
		SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, slot(23), 0);
		SQLBindCol(st, 1, SQL_C_SLONG, slot(12), 4, slot(16));
		SQLBindCol(st, 2, SQL_C_CHAR, slot(13), 100, slot(17));
		SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz ORDER BY a", SQL_NTS);
		SQLFetch(st);
		break;
	case 15:
		SQLExecDirect(st, (SQLCHAR *)"SELECT a, b FROM fz ORDER BY a", SQL_NTS);
		SQLFetch(st);
		break;
	case 16:
		SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, slot(12), 0, slot(1));
		*(SQLINTEGER *)slot(12) = 5;
		SQLExecDirect(st, (SQLCHAR *)"{call fz_proc(?)}", SQL_NTS);
		(void)nts;
		break;
	default:
		break;
	}
	return st;
}

static void drop_state(SQLHSTMT st)
{
	/* a statement waiting for data is cancelled before it goes */
	SQLCancel(st);
	SQLRETURN r = SQLFreeHandle(SQL_HANDLE_STMT, st);
	if (r != SQL_SUCCESS)
		fz_fail("SQLFreeHandle of the statement returned %d", (int)r);
}

static void test_states(void **state)
{
	fz *z = *state;
	arena_fill();
	for (size_t s = 0; s < NSTATES; s++) {
		for (size_t o = 0; o < NOPS; o++) {
			for (int k = 0; k < 3; k++) {
				snprintf(fz_context, sizeof(fz_context), "%s in state '%s' (#%d)", ops[o].name,
				         state_names[s], k);
				SQLHSTMT st = make_state(z, (int)s);
				if (st == NULL) {
					fz_fail("no statement for state %s", state_names[s]);
					continue;
				}
				ops[o].fn(st, s == 15 ? z->dbc_df : z->dbc);
				/* and what usually comes next */
				ops[fz_rand() % NOPS].fn(st, z->dbc);
				op_fetch(st, z->dbc);
				op_get_data(st, z->dbc);
				drop_state(st);
				/* a value bound with an odd indicator can leave the slots
				 * refilled by the driver: start each round from the same kind */
				if ((o + k) % 16 == 0)
					arena_fill();
			}
		}
		SQLEndTran(SQL_HANDLE_DBC, z->dbc, SQL_ROLLBACK);
		fz_alive(z->dbc);
		fz_alive(z->dbc_df);
	}
	assert_int_equal(fz_failures, 0);
}

/* --- descriptors: every field of every descriptor, then copies ----------------------------------- */

static void test_descriptors(void **state)
{
	fz *z = *state;
	arena_fill();
	SQLHSTMT st = ot_stmt(z->dbc);
	SQLHDESC d[5] = {NULL};
	SQLExecDirect(st, (SQLCHAR *)"SELECT a, b, c FROM fz ORDER BY a", SQL_NTS);
	SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &d[0], 0, NULL);
	SQLGetStmtAttr(st, SQL_ATTR_APP_PARAM_DESC, &d[1], 0, NULL);
	SQLGetStmtAttr(st, SQL_ATTR_IMP_ROW_DESC, &d[2], 0, NULL);
	SQLGetStmtAttr(st, SQL_ATTR_IMP_PARAM_DESC, &d[3], 0, NULL);
	FZC(RC_S, z->dbc, SQLAllocHandle(SQL_HANDLE_DESC, z->dbc, &d[4]));
	static const SQLSMALLINT recs[] = {-1, 0, 1, 2, 3, 4, 300};
	static const SQLINTEGER bls[] = {0, 1, 4, 8, 1024, -1, SQL_IS_POINTER, SQL_IS_SMALLINT};
	for (int di = 0; di < 5; di++)
		for (int f = -2; f < 1040; f++) {
			/* the IRD's errors may be its statement's */
			fz_alt_stmt = di == 2 ? st : NULL;
			if (f == 40)
				f = 997;
			for (size_t ri = 0; ri < sizeof(recs) / sizeof(recs[0]); ri++) {
				snprintf(fz_context, sizeof(fz_context), "descriptor %d field %d record %d", di, f,
				         (int)recs[ri]);
				SQLINTEGER len;
				FZD(RC_BASE | RC_N, d[di],
				    SQLGetDescField(d[di], recs[ri], (SQLSMALLINT)f, hb(1024, 8), 1024, &len));
				FZD(RC_BASE | RC_N, d[di],
				    SQLGetDescField(d[di], recs[ri], (SQLSMALLINT)f, hb(0, 8), 0, NULL));
				/* a value of the field's kind: pointers into the arena,
				 * numbers otherwise (the statement is not fetched again) */
				SQLPOINTER v;
				switch (f) {
				case SQL_DESC_DATA_PTR:
				case SQL_DESC_INDICATOR_PTR:
				case SQL_DESC_OCTET_LENGTH_PTR:
				case SQL_DESC_ARRAY_STATUS_PTR:
				case SQL_DESC_BIND_OFFSET_PTR:
				case SQL_DESC_ROWS_PROCESSED_PTR:
					v = fz_rand() % 4 ? slot(12) : NULL;
					break;
				case SQL_DESC_NAME:
					v = fz_rand() % 2 ? (SQLPOINTER) "nm" : NULL;
					break;
				default:
					v = (SQLPOINTER)(intptr_t)PICK(ints);
				}
				FZD(RC_S | RC_I | RC_E | RC_H, d[di],
				    SQLSetDescField(d[di], recs[ri], (SQLSMALLINT)f, v, PICK(bls)));
			}
		}
	for (int di = 0; di < 5; di++)
		for (size_t ri = 0; ri < sizeof(recs) / sizeof(recs[0]); ri++) {
			fz_alt_stmt = di == 2 ? st : NULL;
			snprintf(fz_context, sizeof(fz_context), "descriptor %d records", di);
			SQLSMALLINT nl, t, sub, p, s, nul;
			SQLLEN l;
			FZD(RC_BASE | RC_N, d[di],
			    SQLGetDescRec(d[di], recs[ri], hb(10, 0), 10, &nl, &t, &sub, &l, &p, &s, &nul));
			FZD(RC_BASE | RC_N, d[di],
			    SQLGetDescRec(d[di], recs[ri], NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
			FZD(RC_S | RC_I | RC_E | RC_H, d[di],
			    SQLSetDescRec(d[di], recs[ri], PICK(sqltypes), PICK(sqltypes), PICK(small_lens), 5, 2,
			                  slot(12), slot(2), slot(2)));
		}
	fz_alt_stmt = NULL;
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++) {
			snprintf(fz_context, sizeof(fz_context), "SQLCopyDesc %d to %d", a, b);
			FZD(RC_S | RC_I | RC_E | RC_H, d[b], SQLCopyDesc(d[a], d[b]));
		}
	/* the explicit descriptor as the ARD, freed while it is: the statement
	 * goes back to its own */
	snprintf(fz_context, sizeof(fz_context), "freed ARD");
	SQLFreeHandle(SQL_HANDLE_DESC, d[4]);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	/* (a statement whose descriptors hold none of the values above) */
	st = ot_stmt(z->dbc);
	SQLHDESC mine;
	FZC(RC_S, z->dbc, SQLAllocHandle(SQL_HANDLE_DESC, z->dbc, &mine));
	FZS(RC_S, st, SQLSetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, mine, 0));
	SQLINTEGER v = 0;
	SQLLEN ind;
	FZS(RC_S, st, SQLBindCol(st, 1, SQL_C_SLONG, &v, 0, &ind));
	FZD(RC_S, mine, SQLFreeHandle(SQL_HANDLE_DESC, mine));
	SQLHDESC now = NULL;
	FZS(RC_S, st, SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &now, 0, NULL));
	assert_ptr_not_equal(now, mine);
	FZS(RC_S, st, SQLExecDirect(st, (SQLCHAR *)"SELECT 7", SQL_NTS));
	FZS(RC_S, st, SQLFetch(st));
	FZS(RC_S, st, SQLGetData(st, 1, SQL_C_SLONG, &v, 0, &ind));
	assert_int_equal(v, 7);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	fz_alive(z->dbc);
	assert_int_equal(fz_failures, 0);
}

/* --- declared cursors outliving their statement ------------------------------------------------ */

/* The driver's cursors (SQL_CUR...) open on the connection's session,
 * but for the one of the statement counting them. */
static int fz_cursors(SQLHDBC dbc)
{
	SQLHSTMT st = ot_stmt(dbc);
	SQLINTEGER n = -1;
	SQLLEN ind = 0;
	SQLRETURN r = SQLExecDirect(st,
	                            (SQLCHAR *)"SELECT count(*)::int FROM pg_cursors WHERE name LIKE 'SQL\\_CUR%' AND "
	                                       "statement NOT LIKE '%pg\\_cursors%'",
	                            SQL_NTS);
	if (SQL_SUCCEEDED(r))
		r = SQLFetch(st);
	if (SQL_SUCCEEDED(r))
		SQLGetData(st, 1, SQL_C_SLONG, &n, 0, &ind);
	if (!SQL_SUCCEEDED(r)) {
		char msg[512];
		fz_fail("counting the cursors: %d [%s] %s", (int)r, ot_state(SQL_HANDLE_STMT, st, msg, sizeof(msg)),
		        msg);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

/* A statement that goes while its WITH HOLD cursor (UseDeclareFetch) is
 * held, after a transaction ended by a statement's text or while a
 * transaction has failed, leaves no cursor behind: a later statement
 * with the same handle address (the cursor's name) would find the name
 * taken.  Closing it never fails the application's transaction.  (The
 * statements read rows of their own: the tests before delete fz's.) */
static void test_held_cursors(void **state)
{
	fz *z = *state;
	SQLHDBC dbc;
	snprintf(fz_context, sizeof(fz_context), "held cursors");
	SQLAllocHandle(SQL_HANDLE_DBC, z->env, &dbc);
	ot_ok(SQLDriverConnect(dbc, NULL, (SQLCHAR *)"DSN=cbtest;UseDeclareFetch=1;Fetch=2;Protocol=7.4-0", SQL_NTS,
	                       NULL, 0, NULL, SQL_DRIVER_NOPROMPT),
	      SQL_HANDLE_DBC, dbc, "SQLDriverConnect");
	/* autocommit: the cursor's transaction committed by another statement */
	SQLHSTMT s1 = ot_stmt(dbc), s2 = ot_stmt(dbc);
	FZS(RC_S, s1, SQLExecDirect(s1, (SQLCHAR *)"SELECT g FROM generate_series(1, 10) g", SQL_NTS));
	FZS(RC_S, s1, SQLFetch(s1));
	FZS(RC_S | RC_I, s2, SQLExecDirect(s2, (SQLCHAR *)"COMMIT", SQL_NTS));
	FZS(RC_S, s2, SQLFreeHandle(SQL_HANDLE_STMT, s2));
	FZS(RC_S, s1, SQLFreeHandle(SQL_HANDLE_STMT, s1));
	assert_int_equal(fz_cursors(dbc), 0);
	/* manual commit: a held cursor's statement freed in a failed transaction */
	FZC(RC_S, dbc, SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0));
	s1 = ot_stmt(dbc);
	s2 = ot_stmt(dbc);
	FZS(RC_S, s1, SQLExecDirect(s1, (SQLCHAR *)"SELECT g FROM generate_series(1, 10) g", SQL_NTS));
	FZS(RC_S, s1, SQLFetch(s1));
	FZC(RC_S, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT));
	FZS(RC_E, s2, SQLExecDirect(s2, (SQLCHAR *)"SELECT 1/0", SQL_NTS));
	FZS(RC_S, s1, SQLFreeHandle(SQL_HANDLE_STMT, s1));
	FZC(RC_S, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK));
	assert_int_equal(fz_cursors(dbc), 0);
	/* a commit of a failed transaction (the server rolls back): the
	 * statement's cursor is gone, and freeing the statement in the next
	 * transaction leaves that transaction working */
	FZS(RC_S, s2, SQLExecDirect(s2, (SQLCHAR *)"SELECT g FROM generate_series(1, 10) g", SQL_NTS));
	s1 = ot_stmt(dbc);
	FZS(RC_E, s1, SQLExecDirect(s1, (SQLCHAR *)"SELECT 1/0", SQL_NTS));
	FZC(RC_S | RC_I | RC_E, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT));
	FZS(RC_S, s1, SQLExecDirect(s1, (SQLCHAR *)"SELECT 1", SQL_NTS));
	FZS(RC_S, s2, SQLFreeHandle(SQL_HANDLE_STMT, s2));
	FZS(RC_S, s1, SQLFreeStmt(s1, SQL_CLOSE));
	FZS(RC_S, s1, SQLExecDirect(s1, (SQLCHAR *)"SELECT 2", SQL_NTS));
	FZS(RC_S, s1, SQLFreeHandle(SQL_HANDLE_STMT, s1));
	FZC(RC_S, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK));
	assert_int_equal(fz_cursors(dbc), 0);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	assert_int_equal(fz_failures, 0);
}

/* --- connections: odd connection strings, sequences ------------------------------------------------ */

static void test_connections(void **state)
{
	fz *z = *state;
	static char longcs[70000];
	size_t n = (size_t)snprintf(longcs, sizeof(longcs), "DSN=cbtest;ConnSettings={");
	memset(longcs + n, 's', sizeof(longcs) - n - 2);
	longcs[sizeof(longcs) - 2] = '}';
	static const char *const cs[] = {
	        "DSN=cbtest",
	        "",
	        ";;;",
	        "=",
	        "DSN=",
	        "DSN={cbtest",
	        "DSN={cbtest}}",
	        "DSN=cbtest;Port=notanumber",
	        "DSN=cbtest;Port=-1",
	        "DSN=cbtest;Port=99999999999999999999",
	        "DSN=cbtest;UseDeclareFetch=banana;Fetch=-5;MaxVarcharSize=-1;MaxLongVarcharSize=0",
	        "DSN=cbtest;Protocol=7.4-9",
	        "DSN=cbtest;Protocol=garbage",
	        "DSN=cbtest;ConnSettings={SELECT 1/0}",
	        "DSN=cbtest;ConnSettings={SET search_path = public; SELECT 1}",
	        "DSN=cbtest;ConnSettings=%53%45%4C%45%43%54%20%31",
	        "DSN=cbtest;ReadOnly=1;BoolsAsChar=0;TextAsLongVarchar=0;UnknownSizes=2",
	        "DSN=cbtest;Database=no_such_db",
	        "DSN=cbtest;UID=no_such_user",
	        "DSN=no_such_dsn",
	        "DRIVER={cbcache};",
	        "DSN=cbtest;A=1;A=2;A=3;B;C=;=D;{E}=F",
	        "DSN=cbtest;Database={mov;ies}",
	        "DSN=cbtest;Socket=/nonexistent;Servername=256.256.256.256",
	        "DSN=cbtest;Pwd={}};}",
	        "DSN=cbtest;Timeout=0;LoginTimeout=-1",
	        "{{{{{{",
	        "DSN=cbtest\xff\xfe;X=\x01\x02",
	        longcs,
	};
	static const SQLSMALLINT outmax[] = {0, 1, 10, 1024, -1};
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		for (int variant = 0; variant < 3; variant++) {
			snprintf(fz_context, sizeof(fz_context), "connection string #%zu variant %d", i, variant);
			SQLHDBC dbc;
			SQLAllocHandle(SQL_HANDLE_DBC, z->env, &dbc);
			SQLSMALLINT ol = -1;
			SQLRETURN r;
			if (variant == 2) {
				SQLSMALLINT om = PICK(outmax);
				r = FZC(RC_BASE | RC_D, dbc,
				        SQLBrowseConnect(dbc, (SQLCHAR *)cs[i], SQL_NTS, hb(om, 0), om, &ol));
			} else {
				SQLSMALLINT om = PICK(outmax);
				r = FZC(RC_BASE | RC_N, dbc,
				        SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs[i],
				                         variant ? (SQLSMALLINT)(strlen(cs[i]) / 2) : SQL_NTS,
				                         om > 0 ? hb(om, 0) : NULL, om, &ol, SQL_DRIVER_NOPROMPT));
			}
			if (SQL_SUCCEEDED(r)) {
				SQLHSTMT st;
				if (SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st))) {
					stmt_cycle(st);
					SQLFreeHandle(SQL_HANDLE_STMT, st);
				}
				/* connected twice */
				FZC(RC_BASE, dbc, SQLConnect(dbc, (SQLCHAR *)"cbtest", SQL_NTS, NULL, 0, NULL, 0));
				FZC(RC_S | RC_I | RC_E, dbc, SQLDisconnect(dbc));
			}
			FZC(RC_S | RC_I | RC_E, dbc, SQLDisconnect(dbc));
			FZC(RC_S, dbc, SQLFreeHandle(SQL_HANDLE_DBC, dbc));
		}
	/* the sequences around a connection */
	snprintf(fz_context, sizeof(fz_context), "connection sequences");
	SQLHDBC dbc;
	SQLAllocHandle(SQL_HANDLE_DBC, z->env, &dbc);
	FZC(RC_S | RC_E, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT));
	FZC(RC_S | RC_I | RC_E, dbc, SQLGetInfo(dbc, SQL_DBMS_NAME, slot(7), 100, NULL));
	FZC(RC_S | RC_I | RC_E, dbc, SQLNativeSql(dbc, (SQLCHAR *)"{fn UCASE('a')}", SQL_NTS, slot(7), 100, NULL));
	FZC(RC_S | RC_I, dbc, SQLConnect(dbc, (SQLCHAR *)"cbtest", SQL_NTS, NULL, 0, NULL, 0));
	/* statements and descriptors left behind at the disconnect, a
	 * transaction open, one statement waiting for data */
	SQLHSTMT s1, s2;
	SQLHDESC d1;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s1);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s2);
	SQLAllocHandle(SQL_HANDLE_DESC, dbc, &d1);
	FZC(RC_S, dbc, SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0));
	FZS(RC_S, s1, SQLExecDirect(s1, (SQLCHAR *)"INSERT INTO fz (a, b) VALUES (500, 'rolled back')", SQL_NTS));
	FZS(RC_S, s2, SQLExecDirect(s2, (SQLCHAR *)"SELECT a FROM fz", SQL_NTS));
	static const SQLSMALLINT ends[] = {SQL_COMMIT + 7, -1};
	for (size_t i = 0; i < 2; i++)
		FZC(RC_S | RC_E, dbc, SQLEndTran(SQL_HANDLE_DBC, dbc, ends[i]));
	FZC(RC_S | RC_I, dbc, SQLDisconnect(dbc));
	FZC(RC_S | RC_I | RC_E, dbc, SQLDisconnect(dbc));
	FZC(RC_S, dbc, SQLFreeHandle(SQL_HANDLE_DBC, dbc));
	/* the transaction was rolled back */
	PGconn *pg = ot_pg();
	assert_string_equal(ot_pg_value(pg, "SELECT count(*) FROM fz WHERE a = 500"), "0");
	PQfinish(pg);
	/* an environment-wide commit, with connections on it */
	FZ(RC_S | RC_E, SQL_HANDLE_ENV, z->env, SQLEndTran(SQL_HANDLE_ENV, z->env, SQL_COMMIT));
	fz_alive(z->dbc);
	assert_int_equal(fz_failures, 0);
}

/* --- wrong handles ----------------------------------------------------------------------------- */

/* Every function with a handle of each wrong kind: SQL_INVALID_HANDLE
 * (or an error a driver manager gives first), never a crash. */
static void test_wrong_handles(void **state)
{
	fz *z = *state;
	SQLHSTMT st = ot_stmt(z->dbc);
	SQLHDESC desc;
	SQLAllocHandle(SQL_HANDLE_DESC, z->dbc, &desc);
	static union {
		SQLLEN align;
		unsigned char b[1024];
	} junk;
	memset(junk.b, 0, sizeof(junk.b));
	SQLHANDLE wrong[] = {NULL, z->env, z->dbc, st, desc, junk.b};
	const unsigned ok = RC_E | RC_H;
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		SQLHANDLE h = wrong[i];
		snprintf(fz_context, sizeof(fz_context), "wrong handle #%zu", i);
		SQLINTEGER iv;
		SQLSMALLINT sv;
		SQLLEN lv;
		SQLULEN uv;
		char *b = slot(7);
		if (h != st && h != z->dbc && h != z->env && h != desc) {
			/* NULL and junk: no handle at all */
			FZ(ok, 0, NULL, SQLAllocHandle(SQL_HANDLE_STMT, h, (SQLHANDLE *)b));
			FZ(ok, 0, NULL, SQLAllocHandle(SQL_HANDLE_DBC, h, (SQLHANDLE *)b));
			FZ(ok, 0, NULL, SQLAllocHandle(SQL_HANDLE_DESC, h, (SQLHANDLE *)b));
			FZ(ok, 0, NULL, SQLFreeHandle(SQL_HANDLE_STMT, h));
			FZ(ok, 0, NULL, SQLFreeHandle(SQL_HANDLE_DBC, h));
			FZ(ok, 0, NULL, SQLFreeHandle(SQL_HANDLE_ENV, h));
			FZ(ok, 0, NULL, SQLFreeHandle(SQL_HANDLE_DESC, h));
			FZ(ok, 0, NULL,
			   SQLGetDiagRec(SQL_HANDLE_STMT, h, 1, (SQLCHAR *)b, &iv, (SQLCHAR *)b + 8, 100, &sv));
			FZ(ok, 0, NULL, SQLGetDiagField(SQL_HANDLE_DBC, h, 0, SQL_DIAG_NUMBER, &iv, 0, &sv));
			FZ(ok, 0, NULL, SQLEndTran(SQL_HANDLE_ENV, h, SQL_COMMIT));
			FZ(ok, 0, NULL, SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0));
			FZ(ok, 0, NULL, SQLGetEnvAttr(h, SQL_ATTR_ODBC_VERSION, &iv, 0, NULL));
		}
		if (h != z->dbc) {
			FZ(ok, 0, NULL, SQLConnect(h, (SQLCHAR *)"cbtest", SQL_NTS, NULL, 0, NULL, 0));
			FZ(ok, 0, NULL, SQLDriverConnect(h, NULL, (SQLCHAR *)"DSN=cbtest", SQL_NTS, NULL, 0, NULL, 0));
			FZ(ok, 0, NULL, SQLBrowseConnect(h, (SQLCHAR *)"DSN=cbtest", SQL_NTS, NULL, 0, NULL));
			FZ(ok, 0, NULL, SQLDisconnect(h));
			FZ(ok, 0, NULL, SQLSetConnectAttr(h, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)1, 0));
			FZ(ok, 0, NULL, SQLGetConnectAttr(h, SQL_ATTR_AUTOCOMMIT, &iv, 0, NULL));
			FZ(ok, 0, NULL, SQLGetInfo(h, SQL_DBMS_NAME, b, 100, &sv));
			FZ(ok, 0, NULL, SQLGetFunctions(h, SQL_API_ALL_FUNCTIONS, (SQLUSMALLINT *)b));
			FZ(ok, 0, NULL, SQLNativeSql(h, (SQLCHAR *)"SELECT 1", SQL_NTS, (SQLCHAR *)b, 100, &iv));
			FZ(ok, 0, NULL, SQLEndTran(SQL_HANDLE_DBC, h, SQL_COMMIT));
		}
		if (h != desc) {
			FZ(ok, 0, NULL, SQLGetDescField(h, 1, SQL_DESC_TYPE, &sv, 0, NULL));
			FZ(ok, 0, NULL, SQLSetDescField(h, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_CHAR, 0));
			FZ(ok, 0, NULL, SQLGetDescRec(h, 1, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
			FZ(ok, 0, NULL, SQLSetDescRec(h, 1, SQL_C_CHAR, 0, 10, 0, 0, b, NULL, NULL));
			FZ(ok, 0, NULL, SQLCopyDesc(h, desc));
			FZ(ok, 0, NULL, SQLCopyDesc(desc, h));
		}
		if (h == st)
			continue;
		FZ(ok, 0, NULL, SQLExecDirect(h, (SQLCHAR *)"SELECT 1", SQL_NTS));
		FZ(ok, 0, NULL, SQLPrepare(h, (SQLCHAR *)"SELECT 1", SQL_NTS));
		FZ(ok, 0, NULL, SQLExecute(h));
		FZ(ok, 0, NULL, SQLBindParameter(h, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, b, 0, NULL));
		FZ(ok, 0, NULL, SQLParamData(h, (SQLPOINTER *)b));
		FZ(ok, 0, NULL, SQLPutData(h, b, 1));
		FZ(ok, 0, NULL, SQLNumParams(h, &sv));
		FZ(ok, 0, NULL, SQLDescribeParam(h, 1, &sv, &uv, &sv, &sv));
		FZ(ok, 0, NULL, SQLNumResultCols(h, &sv));
		FZ(ok, 0, NULL, SQLDescribeCol(h, 1, (SQLCHAR *)b, 100, &sv, &sv, &uv, &sv, &sv));
		FZ(ok, 0, NULL, SQLColAttribute(h, 1, SQL_DESC_TYPE, b, 100, &sv, &lv));
		FZ(ok, 0, NULL, SQLBindCol(h, 1, SQL_C_SLONG, b, 0, NULL));
		FZ(ok, 0, NULL, SQLFetch(h));
		FZ(ok, 0, NULL, SQLFetchScroll(h, SQL_FETCH_NEXT, 0));
		FZ(ok, 0, NULL, SQLExtendedFetch(h, SQL_FETCH_NEXT, 0, &uv, NULL));
		FZ(ok, 0, NULL, SQLGetData(h, 1, SQL_C_CHAR, b, 100, &lv));
		FZ(ok, 0, NULL, SQLRowCount(h, &lv));
		FZ(ok, 0, NULL, SQLMoreResults(h));
		FZ(ok, 0, NULL, SQLCloseCursor(h));
		FZ(ok, 0, NULL, SQLFreeStmt(h, SQL_CLOSE));
		FZ(ok, 0, NULL, SQLCancel(h));
		FZ(ok, 0, NULL, SQLGetCursorName(h, (SQLCHAR *)b, 100, &sv));
		FZ(ok, 0, NULL, SQLSetCursorName(h, (SQLCHAR *)"c", SQL_NTS));
		FZ(ok, 0, NULL, SQLSetPos(h, 1, SQL_POSITION, SQL_LOCK_NO_CHANGE));
		FZ(ok, 0, NULL, SQLBulkOperations(h, SQL_ADD));
		FZ(ok, 0, NULL, SQLSetStmtAttr(h, SQL_ATTR_MAX_ROWS, (SQLPOINTER)1, 0));
		FZ(ok, 0, NULL, SQLGetStmtAttr(h, SQL_ATTR_MAX_ROWS, &uv, 0, NULL));
		FZ(ok, 0, NULL, SQLTables(h, NULL, 0, NULL, 0, NULL, 0, NULL, 0));
		FZ(ok, 0, NULL, SQLColumns(h, NULL, 0, NULL, 0, NULL, 0, NULL, 0));
		FZ(ok, 0, NULL, SQLPrimaryKeys(h, NULL, 0, NULL, 0, (SQLCHAR *)"fz", SQL_NTS));
		FZ(ok, 0, NULL,
		   SQLForeignKeys(h, NULL, 0, NULL, 0, (SQLCHAR *)"fz", SQL_NTS, NULL, 0, NULL, 0, NULL, 0));
		FZ(ok, 0, NULL, SQLStatistics(h, NULL, 0, NULL, 0, (SQLCHAR *)"fz", SQL_NTS, 0, 0));
		FZ(ok, 0, NULL, SQLSpecialColumns(h, SQL_BEST_ROWID, NULL, 0, NULL, 0, (SQLCHAR *)"fz", SQL_NTS, 0, 0));
		FZ(ok, 0, NULL, SQLProcedures(h, NULL, 0, NULL, 0, NULL, 0));
		FZ(ok, 0, NULL, SQLProcedureColumns(h, NULL, 0, NULL, 0, NULL, 0, NULL, 0));
		FZ(ok, 0, NULL, SQLTablePrivileges(h, NULL, 0, NULL, 0, NULL, 0));
		FZ(ok, 0, NULL, SQLColumnPrivileges(h, NULL, 0, NULL, 0, (SQLCHAR *)"fz", SQL_NTS, NULL, 0));
		FZ(ok, 0, NULL, SQLGetTypeInfo(h, SQL_ALL_TYPES));
	}
	/* the handles used wrongly are still fine */
	FZD(RC_S, desc, SQLFreeHandle(SQL_HANDLE_DESC, desc));
	FZS(RC_S, st, SQLFreeHandle(SQL_HANDLE_STMT, st));
	fz_alive(z->dbc);
#ifdef FUZZ_DIRECT
	/* without a driver manager: the environment is not freed under its connection */
	snprintf(fz_context, sizeof(fz_context), "free order");
	FZ(RC_E, SQL_HANDLE_ENV, z->env, SQLFreeHandle(SQL_HANDLE_ENV, z->env));
	FZC(RC_E, z->dbc, SQLFreeHandle(SQL_HANDLE_DBC, z->dbc));
	FZ(RC_E | RC_H, 0, NULL, SQLAllocHandle(77, z->env, (SQLHANDLE *)slot(7)));
	FZ(RC_E | RC_H, 0, NULL, SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, NULL));
	FZ(RC_E | RC_H, 0, NULL, SQLAllocHandle(SQL_HANDLE_DBC, z->env, NULL));
	FZ(RC_E | RC_H, 0, NULL, SQLAllocHandle(SQL_HANDLE_STMT, z->dbc, NULL));
	FZ(RC_E | RC_H, 0, NULL, SQLFreeHandle(77, z->env));
	fz_alive(z->dbc);
#endif
	assert_int_equal(fz_failures, 0);
}

/* --- a random sequence on a few statements ------------------------------------------------------- */

static void test_random(void **state)
{
	fz *z = *state;
	const char *e = getenv("CB_FUZZ_STEPS");
	long steps = e ? atol(e) : 6000;
	arena_fill();
	enum { NST = 3 };
	SQLHSTMT st[NST];
	for (int i = 0; i < NST; i++)
		st[i] = ot_stmt(z->dbc);
	SQLHDESC desc = NULL;
	for (long i = 0; i < steps; i++) {
		int k = (int)(fz_rand() % NST);
		uint32_t r = fz_rand() % 100;
		snprintf(fz_context, sizeof(fz_context), "random step %ld", i);
		if (r < 88) {
			size_t o = fz_rand() % NOPS;
			snprintf(fz_context, sizeof(fz_context), "random step %ld: %s", i, ops[o].name);
			ops[o].fn(st[k], z->dbc);
		} else if (r < 91) {
			/* a new statement in the place of one */
			SQLCancel(st[k]);
			FZS(RC_S | RC_E, st[k], SQLFreeHandle(SQL_HANDLE_STMT, st[k]));
			st[k] = ot_stmt(z->dbc);
		} else if (r < 93) {
			static const SQLSMALLINT ends[] = {SQL_COMMIT, SQL_ROLLBACK};
			FZC(RC_S | RC_I | RC_E, z->dbc, SQLEndTran(SQL_HANDLE_DBC, z->dbc, PICK(ends)));
		} else if (r < 95) {
			static const SQLINTEGER ca[] = {SQL_ATTR_AUTOCOMMIT,
			                                SQL_ATTR_TXN_ISOLATION,
			                                SQL_ATTR_ACCESS_MODE,
			                                SQL_ATTR_METADATA_ID,
			                                65538,
			                                65539,
			                                65541,
			                                65542,
			                                65545};
			static const SQLULEN cv[] = {0, 1, 2, 4, 8, 255, 4000};
			FZC(RC_S | RC_I | RC_E, z->dbc, SQLSetConnectAttr(z->dbc, PICK(ca), (SQLPOINTER)PICK(cv), 0));
		} else if (r < 97) {
			/* an explicit descriptor as a statement's ARD or APD, freed later */
			if (desc == NULL) {
				FZC(RC_S | RC_E, z->dbc, SQLAllocHandle(SQL_HANDLE_DESC, z->dbc, &desc));
				if (desc)
					FZS(RC_S | RC_I | RC_E, st[k],
					    SQLSetStmtAttr(st[k],
					                   fz_rand() % 2 ? SQL_ATTR_APP_ROW_DESC
					                                 : SQL_ATTR_APP_PARAM_DESC,
					                   desc, 0));
			} else {
				SQLCancel(st[k]);
				FZD(RC_S | RC_E, desc, SQLFreeHandle(SQL_HANDLE_DESC, desc));
				desc = NULL;
			}
		} else {
			/* the arena back to values an application would have */
			arena_fill();
		}
		if (i % 1000 == 999) {
			/* the statements start over now and then (pointers into the
			 * arena stay the application's) */
			for (int j = 0; j < NST; j++) {
				drop_state(st[j]);
				st[j] = ot_stmt(z->dbc);
			}
			SQLSetConnectAttr(z->dbc, SQL_ATTR_ACCESS_MODE, (SQLPOINTER)SQL_MODE_READ_WRITE, 0);
			SQLSetConnectAttr(z->dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0);
			fz_alive(z->dbc);
		}
	}
	for (int j = 0; j < NST; j++)
		drop_state(st[j]);
	if (desc)
		SQLFreeHandle(SQL_HANDLE_DESC, desc);
	SQLSetConnectAttr(z->dbc, SQL_ATTR_ACCESS_MODE, (SQLPOINTER)SQL_MODE_READ_WRITE, 0);
	SQLSetConnectAttr(z->dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0);
	fz_alive(z->dbc);
	assert_int_equal(fz_failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rowver_keyset),
	        cmocka_unit_test(test_wrong_handles),
	        cmocka_unit_test(test_stmt_attributes),
	        cmocka_unit_test(test_conn_attributes),
	        cmocka_unit_test(test_info),
	        cmocka_unit_test(test_descriptors),
	        cmocka_unit_test(test_states),
	        cmocka_unit_test(test_held_cursors),
	        cmocka_unit_test(test_connections),
	        cmocka_unit_test(test_random),
	};
	if (getenv("CB_FUZZ_ONLY"))
		cmocka_set_test_filter(getenv("CB_FUZZ_ONLY"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
