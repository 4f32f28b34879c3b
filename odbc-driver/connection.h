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
	CONN_NSETTINGS
} conn_setting;

/*
 * A server-side statement kept for reuse: SQLPrepare of a text prepared
 * before on the connection (by any statement handle) takes it instead of
 * preparing again, so an application that prepares per request (PHP,
 * pyodbc alternating statements) costs no Parse/Describe/DEALLOCATE round
 * trips.  The least recently used unused entry is deallocated when the
 * cache is full; DEALLOCATE ALL and DISCARD sent through the driver empty
 * it.
 */
#define CBO_PCACHE_MAX 32
typedef struct cbo_pcache_entry {
	char *sql; /* NULL: the slot is free */
	char plan[32];
	PGresult *described;
	int users;     /* statement handles using it now */
	uint64_t used; /* LRU clock */
} cbo_pcache_entry;

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
	cbo_diag *notice_diag;          /* where server notices go (01000), NULL: dropped */
	char *settings[CONN_NSETTINGS]; /* of the current connection */
	bool autocommit;
	SQLUINTEGER login_timeout;
	SQLUINTEGER connection_timeout;
	SQLUINTEGER access_mode;
	SQLUINTEGER txn_isolation; /* 0: the server's default */
	SQLUINTEGER metadata_id;
	cbo_stmt *stmts; /* list through cbo_stmt.next */
	unsigned next_stmt_id;
	cbo_pcache_entry pcache[CBO_PCACHE_MAX];
	uint64_t pcache_clock;
};

/* Free the prepared-statement cache (the server's statements die with the connection). */
void conn_pcache_free(cbo_dbc *dbc);

SQLRETURN conn_alloc(cbo_env *env, cbo_dbc **out);
SQLRETURN conn_free(cbo_dbc *dbc);
SQLRETURN conn_connect(cbo_dbc *dbc, const char *dsn, const char *uid, const char *pwd);
SQLRETURN conn_driver_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outlen,
                              SQLUSMALLINT completion);
SQLRETURN conn_disconnect(cbo_dbc *dbc);
SQLRETURN conn_set_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len);
SQLRETURN conn_get_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len);
SQLRETURN conn_end_tran(cbo_dbc *dbc, SQLSMALLINT completion);
SQLRETURN conn_native_sql(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLINTEGER outmax, SQLINTEGER *outlen);
SQLRETURN conn_cancel(cbo_dbc *dbc, cbo_diag *d);

/* 08003 into d when the handle has no open connection. */
bool conn_is_open(cbo_dbc *dbc, cbo_diag *d);
/* With autocommit off, open a transaction when none is open. */
SQLRETURN conn_begin_if_needed(cbo_dbc *dbc, cbo_diag *d);

/*
 * Parse an ODBC connection string ("KEY=value;KEY={va;lue}") into
 * settings (malloc'd values, unknown keys ignored).  Returns false on a
 * syntax error (message in err) or out of memory.
 */
bool conn_parse_string(const char *s, char *settings[CONN_NSETTINGS], char *err, size_t errsize);

#endif /* CBO_CONNECTION_H */
