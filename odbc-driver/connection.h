/*
 * connection.h - the ODBC connection handle: DSN and connection-string
 * settings, the libpq connection, transactions.
 *
 * Functions prefix: conn_
 */
#ifndef CBO_CONNECTION_H
#define CBO_CONNECTION_H

#include <pthread.h>

#include "odbc-driver/driver.h"
#include "odbc-driver/diag.h"
#include "odbc-driver/inproc.h"

/* The settings a DSN or connection string gives, indexes into conn_keys[]. */
typedef enum conn_setting {
	CONN_DSN,
	CONN_DRIVER,
	CONN_SOCKET,
	CONN_SERVERNAME,
	CONN_PORT,
	CONN_DATABASE,
	CONN_UID,
	CONN_PWD,
	CONN_SSLMODE,
	CONN_CONNECT_TIMEOUT,
	CONN_APPLICATION_NAME,
	CONN_CONN_SETTINGS,
	CONN_PQOPT,
	/* psqlODBC's keys that change what the driver does */
	CONN_BOOLS_AS_CHAR,
	CONN_MAX_VARCHAR_SIZE,
	CONN_MAX_LONGVARCHAR_SIZE,
	CONN_TEXT_AS_LONGVARCHAR,
	CONN_UNKNOWNS_AS_LONGVARCHAR,
	CONN_UNKNOWN_SIZES,
	CONN_USE_DECLARE_FETCH,
	CONN_FETCH,
	CONN_PROTOCOL,
	CONN_READ_ONLY,
	CONN_BYTEA_AS_LONGVARBINARY,
	CONN_LF_CONVERSION,
	CONN_TRUE_IS_MINUS1,
	CONN_UPDATABLE_CURSORS,
	CONN_FETCH_REFCURSORS,
	CONN_LOWER_CASE_IDENTIFIER,
	CONN_CVT_NULL_DATE,
	CONN_SHOW_SYSTEM_TABLES,
	/* cbcache's own */
	CONN_IN_PROCESS,
	CONN_DIRECT,
	/* accepted for psqlODBC DSNs, without effect (doc/odbc.md says why) */
	CONN_USE_SERVER_SIDE_PREPARE,
	CONN_PARSE,
	CONN_ROW_VERSIONING,
	CONN_SHOW_OID_COLUMN,
	CONN_FAKE_OID_INDEX,
	CONN_DEBUG,
	CONN_COMMLOG,
	CONN_DISALLOW_PREMATURE,
	CONN_UNIQUE_INDEX,
	CONN_OPTIONAL_ERRORS,
	CONN_BATCH_SIZE,
	CONN_NSETTINGS
} conn_setting;

/* The settings as the driver uses them (conn_parse_options). */
struct cbo_options {
	bool bools_as_char;           /* bool reported as SQL_VARCHAR '1'/'0' */
	int max_varchar;              /* size of varchar/char without length */
	int max_longvarchar;          /* size of text (and unknown types) */
	bool text_as_longvarchar;     /* text is SQL_LONGVARCHAR */
	bool unknowns_as_longvarchar; /* types the driver does not know are SQL_LONGVARCHAR */
	int unknown_sizes;            /* 0 max, 1 don't know, 2 longest */
	bool use_declare_fetch;       /* SELECTs through a cursor, Fetch rows at a time */
	int fetch;                    /* rows per FETCH */
	int rollback_level;           /* on errors in a transaction: 0 none, 1 transaction, 2 statement */
	bool read_only;               /* only SELECT-like statements */
	bool bytea_as_longvarbinary;  /* bytea is SQL_LONGVARBINARY */
	bool lf_conversion;           /* LF -> CR LF in character data */
	bool true_is_minus1;          /* true is -1 */
	bool updatable_cursors;       /* SQLSetPos/SQLBulkOperations change rows */
	bool fetch_refcursors;        /* refcursor results are fetched as result sets */
	bool lower_case_identifier;   /* catalog arguments are folded to lower case */
	bool cvt_null_date;           /* NULL dates as empty strings (FoxPro) */
	bool show_system_tables;      /* SQLTables lists pg_catalog's tables */
	int batch_size;               /* executions of a parameter array per round trip */
	bool in_process;              /* InProcess: answer hits from cbcached's cache file in this process (inproc.h) */
	bool direct;                  /* Direct: the rest on an own backend connection when cbcached offers it */
	bool ms_jet;                  /* SQL_ATTR_PGOPT_MSJET: ("b" = 1) is sent as ("b"='1') (MS Access) */
};

/*
 * A server-side statement kept for reuse: preparing a text prepared before
 * on the connection (by any statement handle) takes it instead of
 * preparing again, so an application that prepares per request (PHP,
 * pyodbc alternating statements) costs no Parse/Describe/DEALLOCATE round
 * trips.  The least recently used unused entry is deallocated when the
 * cache is full; DEALLOCATE ALL and DISCARD sent through the driver empty
 * it.  A web application sends more distinct texts than one would guess
 * (an IN list of every length, one text per page size and sort order):
 * the web shop of examples/webshop/ about 40, and with 32 entries a
 * persistent connection deallocated and prepared again on nearly every
 * page (a DEALLOCATE round trip each).  An entry costs the backend a few
 * kilobytes.
 */
#define CBO_PCACHE_MAX 128
typedef struct cbo_pcache_entry {
	char *sql; /* NULL: the slot is free */
	char plan[32];
	PGresult *described;
	int users;     /* statement handles using it now */
	uint64_t used; /* LRU clock */
} cbo_pcache_entry;

/* A type the driver looked up in pg_type (types it does not know by OID). */
typedef struct cbo_typeinfo {
	Oid oid;
	Oid basetype; /* of a domain, 0 otherwise */
	bool is_lo;   /* the contrib/lo domain over oid: a large object */
	char name[64];
} cbo_typeinfo;

/* A table's columns as the catalog has them (nullability, names of result columns). */
typedef struct cbo_tableinfo {
	Oid oid;
	PGresult *cols; /* attnum, attname, attnotnull, relname, nspname, serial */
} cbo_tableinfo;

/* psqlODBC's own connection attributes (SQL_ATTR_PGOPT_DEBUG ... _IGNORETIMEOUT). */
#define CONN_PGOPT_FIRST 65536
#define CONN_PGOPT_LAST 65551

/* Statement attributes set on the connection: the defaults of its new statements. */
typedef struct cbo_stmt_defaults {
	SQLULEN cursor_type, concurrency, max_rows, max_length, query_timeout, keyset_size, retrieve_data,
	        use_bookmarks, rowset_size, bind_type;
} cbo_stmt_defaults;

struct cbo_dbc {
	uint32_t magic;       /* CBO_MAGIC_DBC */
	pthread_mutex_t lock; /* held by every call on the connection and its statements */
	cbo_diag diag;
	cbo_env *env;
	cbo_dbc *next; /* in env->conns */
	PGconn *pg;
	/* SQLCancel runs without `lock` (it interrupts a call holding it) */
	pthread_mutex_t cancel_lock;
	PGcancel *cancel;
	cbo_diag *notice_diag;          /* where server notices go, NULL: dropped */
	char *settings[CONN_NSETTINGS]; /* of the current connection */
	cbo_options opts;
	bool unicode_app; /* connected through SQLConnectW/SQLDriverConnectW */
	bool autocommit;
	SQLUINTEGER login_timeout;
	SQLUINTEGER connection_timeout;
	SQLUINTEGER txn_isolation; /* 0: the server's default */
	SQLUINTEGER metadata_id;
	cbo_stmt *stmts; /* list through cbo_stmt.next */
	cbo_desc *descs; /* explicitly allocated descriptors, through cbo_desc.next */
	unsigned next_stmt_id;
	cbo_pcache_entry pcache[CBO_PCACHE_MAX];
	uint64_t pcache_clock;
	cbo_typeinfo *types; /* looked-up types */
	int ntypes;
	int lo_domain;         /* the lo domain exists: 1 yes, 0 no, -1 not looked up */
	cbo_tableinfo *tables; /* looked-up tables */
	int ntables;
	cbo_stmt_defaults stmt_defaults;
	SQLULEN timeout_in_effect;                                /* statement_timeout the session has (seconds) */
	SQLINTEGER pgopt[CONN_PGOPT_LAST - CONN_PGOPT_FIRST + 1]; /* psqlODBC's attributes, as set */
	/* server cursors (names, malloc'd) of statements that went while the
	 * transaction had failed: closed once it has ended */
	char **orphans;
	int norphans;
	/* hits answered in this process (inproc.h); NULL: every statement goes on the wire, inproc_why says why */
	inproc *inproc;
	char inproc_why[256];
};

/* Free the prepared-statement cache (the server's statements die with the connection). */
void conn_pcache_free(cbo_dbc *dbc);

SQLRETURN conn_alloc(cbo_env *env, cbo_dbc **out);
SQLRETURN conn_free(cbo_dbc *dbc);
SQLRETURN conn_connect(cbo_dbc *dbc, const char *dsn, const char *uid, const char *pwd);
SQLRETURN conn_driver_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outlen,
                              SQLUSMALLINT completion);
SQLRETURN conn_browse_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outlen);
SQLRETURN conn_disconnect(cbo_dbc *dbc);
SQLRETURN conn_set_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len);
SQLRETURN conn_get_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len);
SQLRETURN conn_end_tran(cbo_dbc *dbc, SQLSMALLINT completion);
SQLRETURN conn_native_sql(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLINTEGER outmax, SQLINTEGER *outlen);
SQLRETURN conn_cancel(cbo_dbc *dbc, cbo_diag *d);

/* 08003 into d when the handle has no open connection. */
bool conn_is_open(cbo_dbc *dbc, cbo_diag *d);
/* Whether a transaction is open on the server (or failed and not ended). */
bool conn_in_txn(const cbo_dbc *dbc);
/* Close the server cursor `name` without failing the session's
 * transaction: outside one a failed CLOSE costs nothing, inside one only a
 * cursor the server has is closed, in a failed one the name is kept
 * (copied) and closed by conn_close_orphans once it has ended. */
void conn_close_cursor(cbo_dbc *dbc, const char *name);
/* Close the kept cursors when no failed transaction is open. */
void conn_close_orphans(cbo_dbc *dbc);
/* Run a utility statement (BEGIN, SET ...) on the connection; errors into d. */
SQLRETURN conn_exec_simple(cbo_dbc *dbc, cbo_diag *d, const char *sql);
/* A lookup the application did not ask for, its notices dropped: sql run
 * as it is (conn_exec_quiet) or with one parameter, oid
 * (conn_query_oid).  The caller checks the session can take it. */
PGresult *conn_exec_quiet(cbo_dbc *dbc, const char *sql);
PGresult *conn_query_oid(cbo_dbc *dbc, const char *sql, Oid oid);
/* The pg_type entry of a type the driver does not know by OID (cached),
 * NULL when it cannot be read. */
const cbo_typeinfo *conn_type_info(cbo_dbc *dbc, Oid oid);
/* Forget the looked-up tables (after DDL) / everything looked up (disconnect). */
void conn_forget_tables(cbo_dbc *dbc);
/* Whether oid is the large-object type (the lo domain). */
bool conn_is_lo_type(cbo_dbc *dbc, Oid oid);
/* Whether the database has the lo domain: then an oid column read as
 * SQL_C_BINARY is a large object (columns of a domain come as its base type). */
bool conn_lo_domain(cbo_dbc *dbc);

/*
 * Parse an ODBC connection string ("KEY=value;KEY={va;lue}") into
 * settings (malloc'd values, unknown keys ignored).  Returns false on a
 * syntax error (message in err) or out of memory.
 */
bool conn_parse_string(const char *s, char *settings[CONN_NSETTINGS], char *err, size_t errsize);
/* The options the settings give (defaults for the ones not set). */
void conn_parse_options(char *const settings[CONN_NSETTINGS], cbo_options *opts);
/* The index of a key (name, alias or psqlODBC abbreviation), -1 if unknown. */
int conn_key_index(const char *k, size_t n);

#endif /* CBO_CONNECTION_H */
