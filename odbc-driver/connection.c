/*
 * connection.c - the ODBC connection handle: DSN and connection-string
 * settings, the libpq connection, transactions.
 *
 * Functions prefix: conn_
 *
 * Settings: conn_keys[] binds every odbc.ini / connection-string key in one
 * place, with its aliases and the libpq keyword it becomes.  A connection
 * string wins over SQLConnect's arguments, which win over the DSN's
 * odbc.ini section.  Values reach libpq through PQconnectdbParams, never a
 * pasted conninfo string.
 *
 * The connection always uses client_encoding UTF8 and DateStyle ISO, which
 * convert.c relies on.  With autocommit off, the first statement after a
 * commit or rollback opens a transaction (BEGIN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <odbcinst.h>

#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/nativesql.h"
#include "odbc-driver/statement.h"

static const struct conn_key {
	const char *key;    /* name in odbc.ini and connection strings */
	const char *alias1; /* accepted spellings */
	const char *alias2;
	const char *pg; /* libpq keyword, NULL when not passed to libpq */
} conn_keys[CONN_NSETTINGS] = {
        [CONN_DSN] = {"DSN", NULL, NULL, NULL},
        [CONN_DRIVER] = {"Driver", NULL, NULL, NULL},
        [CONN_SOCKET] = {"Socket", NULL, NULL, "host"},
        [CONN_SERVERNAME] = {"Servername", "Server", "Host", "host"},
        [CONN_PORT] = {"Port", NULL, NULL, "port"},
        [CONN_DATABASE] = {"Database", "DB", "Dbname", "dbname"},
        [CONN_UID] = {"UID", "Username", "User", "user"},
        [CONN_PWD] = {"PWD", "Password", NULL, "password"},
        [CONN_SSLMODE] = {"Sslmode", NULL, NULL, "sslmode"},
        [CONN_CONNECT_TIMEOUT] = {"ConnectTimeout", NULL, NULL, "connect_timeout"},
        [CONN_APPLICATION_NAME] = {"ApplicationName", NULL, NULL, "application_name"},
        [CONN_CONN_SETTINGS] = {"ConnSettings", NULL, NULL, NULL},
};

static int conn_key_index(const char *k, size_t n)
{
	for (int i = 0; i < CONN_NSETTINGS; i++) {
		const char *names[3] = {conn_keys[i].key, conn_keys[i].alias1, conn_keys[i].alias2};
		for (int j = 0; j < 3; j++)
			if (names[j] && strlen(names[j]) == n && strncasecmp(names[j], k, n) == 0)
				return i;
	}
	return -1;
}

static void conn_free_settings(char *settings[CONN_NSETTINGS])
{
	for (int i = 0; i < CONN_NSETTINGS; i++) {
		free(settings[i]);
		settings[i] = NULL;
	}
}

SQLRETURN conn_alloc(cbo_env *env, cbo_dbc **out)
{
	cbo_dbc *dbc = calloc(1, sizeof(*dbc));
	if (dbc == NULL)
		return diag_add(&env->diag, "HY001", "out of memory allocating a connection handle");
	dbc->magic = CBO_MAGIC_DBC;
	pthread_mutex_init(&dbc->lock, NULL);
	pthread_mutex_init(&dbc->cancel_lock, NULL);
	diag_init(&dbc->diag);
	dbc->env = env;
	dbc->autocommit = true;
	dbc->access_mode = SQL_MODE_READ_WRITE;
	dbc->metadata_id = SQL_FALSE;
	dbc->next = env->conns;
	env->conns = dbc;
	*out = dbc;
	return SQL_SUCCESS;
}

SQLRETURN conn_free(cbo_dbc *dbc)
{
	if (dbc->pg != NULL)
		return diag_add(&dbc->diag, "HY010",
		                "function sequence error: the connection is still open; call SQLDisconnect before "
		                "freeing it");
	cbo_env *env = dbc->env;
	for (cbo_dbc **p = &env->conns; *p; p = &(*p)->next) {
		if (*p == dbc) {
			*p = dbc->next;
			break;
		}
	}
	conn_free_settings(dbc->settings);
	dbc->magic = CBO_MAGIC_DEAD;
	diag_free(&dbc->diag);
	pthread_mutex_destroy(&dbc->cancel_lock);
	pthread_mutex_destroy(&dbc->lock);
	free(dbc);
	return SQL_SUCCESS;
}

bool conn_is_open(cbo_dbc *dbc, cbo_diag *d)
{
	if (dbc->pg != NULL)
		return true;
	diag_add(d, "08003", "connection not open: call SQLConnect or SQLDriverConnect first");
	return false;
}

/* --- connection strings ---------------------------------------------------- */

bool conn_parse_string(const char *s, char *settings[CONN_NSETTINGS], char *err, size_t errsize)
{
	const char *p = s;
	while (*p) {
		while (*p == ';' || *p == ' ')
			p++;
		if (!*p)
			break;
		const char *k = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		if (*p != '=') {
			snprintf(err, errsize,
			         "connection string: \"%.*s\" has no '='; write KEY=value pairs separated by ';'",
			         (int)(p - k), k);
			return false;
		}
		size_t klen = (size_t)(p - k);
		while (klen > 0 && k[klen - 1] == ' ')
			klen--;
		p++;
		char *val;
		if (*p == '{') {
			/* braced value: ends at the first '}' not doubled */
			p++;
			size_t cap = strlen(p) + 1, n = 0;
			val = malloc(cap);
			if (val == NULL) {
				snprintf(err, errsize, "out of memory parsing the connection string");
				return false;
			}
			for (;;) {
				if (*p == '\0') {
					free(val);
					snprintf(err, errsize,
					         "connection string: the value of %.*s has no closing '}'; close it or "
					         "double a '}' inside it",
					         (int)klen, k);
					return false;
				}
				if (*p == '}') {
					if (p[1] == '}') {
						val[n++] = '}';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				val[n++] = *p++;
			}
			val[n] = '\0';
			while (*p && *p != ';')
				p++;
		} else {
			const char *v = p;
			while (*p && *p != ';')
				p++;
			val = strndup(v, (size_t)(p - v));
			if (val == NULL) {
				snprintf(err, errsize, "out of memory parsing the connection string");
				return false;
			}
		}
		int idx = conn_key_index(k, klen);
		if (idx < 0) {
			free(val); /* unknown keys are ignored, as ODBC asks */
			continue;
		}
		free(settings[idx]);
		settings[idx] = val;
	}
	return true;
}

/* Fill the settings the DSN's odbc.ini section has and `settings` lacks. */
static bool conn_read_dsn(const char *dsn, char *settings[CONN_NSETTINGS])
{
	for (int i = CONN_SOCKET; i < CONN_NSETTINGS; i++) {
		if (settings[i] != NULL)
			continue;
		char buf[1024];
		const char *names[3] = {conn_keys[i].key, conn_keys[i].alias1, conn_keys[i].alias2};
		for (int j = 0; j < 3; j++) {
			if (names[j] == NULL)
				continue;
			buf[0] = '\0';
			int n = SQLGetPrivateProfileString(dsn, names[j], "", buf, sizeof(buf), "odbc.ini");
			if (n > 0 && buf[0] != '\0') {
				settings[i] = strdup(buf);
				if (settings[i] == NULL)
					return false;
				break;
			}
		}
	}
	return true;
}

/* Server notices and warnings become 01000 records of the running call. */
static void conn_notice(void *arg, const PGresult *res)
{
	cbo_dbc *dbc = arg;
	if (dbc->notice_diag == NULL)
		return;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	diag_add(dbc->notice_diag, "01000", "[PostgreSQL] %s: %s", sev ? sev : "NOTICE", msg ? msg : "");
}

/* Connect with the settings; takes ownership of them on success. */
static SQLRETURN conn_open(cbo_dbc *dbc, char *settings[CONN_NSETTINGS])
{
	if (dbc->pg != NULL)
		return diag_add(&dbc->diag, "08002",
		                "connection name in use: the handle is already connected; call SQLDisconnect first");

	const char *kw[CONN_NSETTINGS + 4];
	const char *vals[CONN_NSETTINGS + 4];
	int n = 0;
	char timeout[32];
	for (int i = 0; i < CONN_NSETTINGS; i++) {
		if (conn_keys[i].pg == NULL || settings[i] == NULL || settings[i][0] == '\0')
			continue;
		if (i == CONN_SERVERNAME && settings[CONN_SOCKET] != NULL && settings[CONN_SOCKET][0] != '\0')
			continue; /* Socket wins */
		kw[n] = conn_keys[i].pg;
		vals[n++] = settings[i];
	}
	if (settings[CONN_CONNECT_TIMEOUT] == NULL && dbc->login_timeout > 0) {
		snprintf(timeout, sizeof(timeout), "%u", (unsigned)dbc->login_timeout);
		kw[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	kw[n] = "client_encoding";
	vals[n++] = "UTF8";
	kw[n] = "fallback_application_name";
	vals[n++] = "cbcacheodbc";
	kw[n] = NULL;
	vals[n] = NULL;

	PGconn *pg = PQconnectdbParams(kw, vals, 0);
	if (pg == NULL)
		return diag_add(&dbc->diag, "HY001", "out of memory creating a libpq connection");
	if (PQstatus(pg) != CONNECTION_OK) {
		char *msg = strdup(PQerrorMessage(pg));
		PQfinish(pg);
		if (msg == NULL)
			return diag_add(&dbc->diag, "HY001", "out of memory");
		size_t l = strlen(msg);
		while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
			msg[--l] = '\0';
		for (char *c = msg; *c; c++)
			if (*c == '\n')
				*c = ' ';
		diag_add(&dbc->diag, "08001",
		         "could not connect to the server%s%s: %s; check Socket (or Servername), Port, Database, UID "
		         "and PWD in the DSN or connection string",
		         settings[CONN_DSN] ? " for DSN " : "", settings[CONN_DSN] ? settings[CONN_DSN] : "", msg);
		free(msg);
		return SQL_ERROR;
	}

	/* convert.c parses ISO dates; set it only when the server differs */
	const char *ds = PQparameterStatus(pg, "DateStyle");
	const char *setup[4];
	int ns = 0;
	if (ds == NULL || strncmp(ds, "ISO", 3) != 0)
		setup[ns++] = "SET DateStyle = 'ISO, MDY'";
	if (dbc->access_mode == SQL_MODE_READ_ONLY)
		setup[ns++] = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
	if (settings[CONN_CONN_SETTINGS] != NULL && settings[CONN_CONN_SETTINGS][0] != '\0')
		setup[ns++] = settings[CONN_CONN_SETTINGS];
	for (int i = 0; i < ns; i++) {
		PGresult *r = PQexec(pg, setup[i]);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			diag_add_pg(&dbc->diag, pg, r);
			diag_add(&dbc->diag, "08001",
			         "could not set up the connection: \"%s\" failed; fix ConnSettings in the DSN",
			         setup[i]);
			PQclear(r);
			PQfinish(pg);
			return SQL_ERROR;
		}
		PQclear(r);
	}

	PQsetNoticeReceiver(pg, conn_notice, dbc);
	PGcancel *cancel = PQgetCancel(pg);
	pthread_mutex_lock(&dbc->cancel_lock);
	dbc->cancel = cancel;
	pthread_mutex_unlock(&dbc->cancel_lock);
	dbc->pg = pg;
	conn_free_settings(dbc->settings);
	memcpy(dbc->settings, settings, sizeof(dbc->settings));
	memset(settings, 0, sizeof(char *) * CONN_NSETTINGS);
	return SQL_SUCCESS;
}

SQLRETURN conn_connect(cbo_dbc *dbc, const char *dsn, const char *uid, const char *pwd)
{
	char *settings[CONN_NSETTINGS] = {0};
	SQLRETURN r;
	if (dsn == NULL || dsn[0] == '\0')
		return diag_add(&dbc->diag, "IM002", "data source name not given; pass the DSN to SQLConnect");
	settings[CONN_DSN] = strdup(dsn);
	if (uid && uid[0])
		settings[CONN_UID] = strdup(uid);
	if (pwd && pwd[0])
		settings[CONN_PWD] = strdup(pwd);
	if (settings[CONN_DSN] == NULL || (uid && uid[0] && !settings[CONN_UID]) ||
	    (pwd && pwd[0] && !settings[CONN_PWD]) || !conn_read_dsn(dsn, settings)) {
		conn_free_settings(settings);
		return diag_add(&dbc->diag, "HY001", "out of memory reading the DSN");
	}
	r = conn_open(dbc, settings);
	conn_free_settings(settings);
	return r;
}

/* Append "KEY=value;" to the output connection string, braced if needed. */
static bool conn_out_append(char **s, size_t *len, const char *key, const char *val)
{
	bool brace = strpbrk(val, ";{}=") != NULL || val[0] == ' ';
	size_t need = *len + strlen(key) + 2 * strlen(val) + 6;
	char *ns = realloc(*s, need);
	if (ns == NULL)
		return false;
	*s = ns;
	int n = sprintf(ns + *len, "%s%s=%s", *len ? ";" : "", key, brace ? "{" : "");
	*len += (size_t)n;
	for (const char *c = val; *c; c++) {
		ns[(*len)++] = *c;
		if (brace && *c == '}')
			ns[(*len)++] = '}';
	}
	if (brace)
		ns[(*len)++] = '}';
	ns[*len] = '\0';
	return true;
}

SQLRETURN conn_driver_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outlen,
                              SQLUSMALLINT completion)
{
	char *settings[CONN_NSETTINGS] = {0};
	char err[256];
	switch (completion) {
	case SQL_DRIVER_NOPROMPT:
	case SQL_DRIVER_COMPLETE:
	case SQL_DRIVER_COMPLETE_REQUIRED:
	case SQL_DRIVER_PROMPT:
		/* no dialog: every mode connects with what it is given */
		break;
	default:
		return diag_add(&dbc->diag, "HY110", "invalid driver completion %u; use SQL_DRIVER_NOPROMPT",
		                (unsigned)completion);
	}
	if (!conn_parse_string(in ? in : "", settings, err, sizeof(err))) {
		conn_free_settings(settings);
		return diag_add(&dbc->diag, "08001", "%s", err);
	}
	if (settings[CONN_DSN] != NULL && settings[CONN_DSN][0] != '\0' &&
	    !conn_read_dsn(settings[CONN_DSN], settings)) {
		conn_free_settings(settings);
		return diag_add(&dbc->diag, "HY001", "out of memory reading the DSN");
	}

	/* the completed connection string, built before conn_open takes the settings */
	char *outs = NULL;
	size_t olen = 0;
	bool ok = true;
	for (int i = 0; i < CONN_NSETTINGS && ok; i++)
		if (settings[i] != NULL)
			ok = conn_out_append(&outs, &olen, conn_keys[i].key, settings[i]);
	if (!ok) {
		free(outs);
		conn_free_settings(settings);
		return diag_add(&dbc->diag, "HY001", "out of memory building the connection string");
	}

	SQLRETURN r = conn_open(dbc, settings);
	conn_free_settings(settings);
	if (r == SQL_SUCCESS && (out != NULL || outlen != NULL)) {
		if (conv_put_str_small(outs ? outs : "", out, outmax, outlen))
			r = diag_add(&dbc->diag, "01004",
			             "string data, right truncated: the completed connection string needs %zu bytes",
			             olen + 1);
	}
	free(outs);
	return r;
}

SQLRETURN conn_disconnect(cbo_dbc *dbc)
{
	if (dbc->pg == NULL)
		return diag_add(&dbc->diag, "08003", "connection not open: nothing to disconnect");
	if (!dbc->autocommit && PQstatus(dbc->pg) == CONNECTION_OK && PQtransactionStatus(dbc->pg) != PQTRANS_IDLE)
		return diag_add(&dbc->diag, "25000",
		                "invalid transaction state: a transaction is open; call SQLEndTran with SQL_COMMIT "
		                "or SQL_ROLLBACK before SQLDisconnect");
	while (dbc->stmts != NULL)
		stmt_free(dbc->stmts);
	conn_pcache_free(dbc);
	pthread_mutex_lock(&dbc->cancel_lock);
	PQfreeCancel(dbc->cancel);
	dbc->cancel = NULL;
	pthread_mutex_unlock(&dbc->cancel_lock);
	PQfinish(dbc->pg);
	dbc->pg = NULL;
	return SQL_SUCCESS;
}

void conn_pcache_free(cbo_dbc *dbc)
{
	for (int i = 0; i < CBO_PCACHE_MAX; i++) {
		cbo_pcache_entry *e = &dbc->pcache[i];
		free(e->sql);
		PQclear(e->described);
		memset(e, 0, sizeof(*e));
	}
}

static SQLRETURN conn_exec_simple(cbo_dbc *dbc, cbo_diag *d, const char *sql)
{
	PGresult *r = PQexec(dbc->pg, sql);
	SQLRETURN ret = SQL_SUCCESS;
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		ret = diag_add_pg(d, dbc->pg, r);
	PQclear(r);
	return ret;
}

SQLRETURN conn_begin_if_needed(cbo_dbc *dbc, cbo_diag *d)
{
	if (dbc->autocommit || PQtransactionStatus(dbc->pg) != PQTRANS_IDLE)
		return SQL_SUCCESS;
	return conn_exec_simple(dbc, d, "BEGIN");
}

SQLRETURN conn_end_tran(cbo_dbc *dbc, SQLSMALLINT completion)
{
	if (completion != SQL_COMMIT && completion != SQL_ROLLBACK)
		return diag_add(&dbc->diag, "HY012",
		                "invalid transaction operation code %d; use SQL_COMMIT or SQL_ROLLBACK",
		                (int)completion);
	if (!conn_is_open(dbc, &dbc->diag))
		return SQL_ERROR;
	PGTransactionStatusType ts = PQtransactionStatus(dbc->pg);
	if (ts == PQTRANS_IDLE)
		return SQL_SUCCESS;
	if (ts == PQTRANS_UNKNOWN)
		return diag_add_pg(&dbc->diag, dbc->pg, NULL);
	if (completion == SQL_COMMIT && ts == PQTRANS_INERROR) {
		SQLRETURN r = conn_exec_simple(dbc, &dbc->diag, "ROLLBACK");
		if (r != SQL_SUCCESS)
			return r;
		return diag_add(&dbc->diag, "25S03",
		                "transaction is rolled back: a statement in it failed, so it could not commit; "
		                "repeat the transaction");
	}
	return conn_exec_simple(dbc, &dbc->diag, completion == SQL_COMMIT ? "COMMIT" : "ROLLBACK");
}

SQLRETURN conn_native_sql(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLINTEGER outmax, SQLINTEGER *outlen)
{
	char *t;
	int n;
	if (in == NULL)
		return diag_add(&dbc->diag, "HY009", "invalid use of null pointer: no SQL text given");
	if (!nsql_translate(in, strlen(in), &t, &n))
		return diag_add(&dbc->diag, "HY001", "out of memory translating SQL");
	SQLRETURN r = SQL_SUCCESS;
	if (conv_put_str_int(t, out, outmax, outlen))
		r = diag_add(&dbc->diag, "01004", "string data, right truncated: the SQL needs %zu bytes",
		             strlen(t) + 1);
	free(t);
	return r;
}

SQLRETURN conn_cancel(cbo_dbc *dbc, cbo_diag *d)
{
	char err[256];
	SQLRETURN r = SQL_SUCCESS;
	pthread_mutex_lock(&dbc->cancel_lock);
	if (dbc->cancel != NULL && !PQcancel(dbc->cancel, err, sizeof(err)))
		r = diag_add(d, "HY000", "could not send the cancel request: %s; check the server", err);
	pthread_mutex_unlock(&dbc->cancel_lock);
	return r;
}

/* --- attributes ---------------------------------------------------------- */

static const char *conn_isolation_sql(SQLUINTEGER level)
{
	switch (level) {
	case SQL_TXN_READ_UNCOMMITTED:
		return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED";
	case SQL_TXN_READ_COMMITTED:
		return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED";
	case SQL_TXN_REPEATABLE_READ:
		return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ";
	case SQL_TXN_SERIALIZABLE:
		return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE";
	default:
		return NULL;
	}
}

SQLRETURN conn_set_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	SQLUINTEGER v = (SQLUINTEGER)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_AUTOCOMMIT:
		if (v != SQL_AUTOCOMMIT_ON && v != SQL_AUTOCOMMIT_OFF)
			return diag_add(&dbc->diag, "HY024",
			                "invalid attribute value %u for SQL_ATTR_AUTOCOMMIT; use SQL_AUTOCOMMIT_ON or "
			                "SQL_AUTOCOMMIT_OFF",
			                (unsigned)v);
		if (v == SQL_AUTOCOMMIT_ON && !dbc->autocommit && dbc->pg != NULL &&
		    PQtransactionStatus(dbc->pg) != PQTRANS_IDLE) {
			/* switching autocommit on commits the open transaction */
			SQLRETURN r = conn_end_tran(dbc, SQL_COMMIT);
			if (r == SQL_ERROR)
				return r;
		}
		dbc->autocommit = v == SQL_AUTOCOMMIT_ON;
		return SQL_SUCCESS;
	case SQL_ATTR_LOGIN_TIMEOUT:
		dbc->login_timeout = v;
		return SQL_SUCCESS;
	case SQL_ATTR_CONNECTION_TIMEOUT:
		dbc->connection_timeout = v;
		return SQL_SUCCESS;
	case SQL_ATTR_METADATA_ID:
		dbc->metadata_id = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ACCESS_MODE:
		if (v != SQL_MODE_READ_ONLY && v != SQL_MODE_READ_WRITE)
			return diag_add(&dbc->diag, "HY024", "invalid attribute value %u for SQL_ATTR_ACCESS_MODE",
			                (unsigned)v);
		if (dbc->pg != NULL) {
			SQLRETURN r = conn_exec_simple(
			        dbc, &dbc->diag,
			        v == SQL_MODE_READ_ONLY ? "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
			                                : "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE");
			if (r != SQL_SUCCESS)
				return r;
		}
		dbc->access_mode = v;
		return SQL_SUCCESS;
	case SQL_ATTR_TXN_ISOLATION: {
		const char *sql = conn_isolation_sql(v);
		if (sql == NULL)
			return diag_add(&dbc->diag, "HY024", "invalid attribute value %u for SQL_ATTR_TXN_ISOLATION",
			                (unsigned)v);
		if (dbc->pg != NULL) {
			SQLRETURN r = conn_exec_simple(dbc, &dbc->diag, sql);
			if (r != SQL_SUCCESS)
				return r;
		}
		dbc->txn_isolation = v;
		return SQL_SUCCESS;
	}
	case SQL_ATTR_ASYNC_ENABLE:
		if (v != SQL_ASYNC_ENABLE_OFF)
			return diag_add(&dbc->diag, "HYC00",
			                "optional feature not implemented: asynchronous execution; leave "
			                "SQL_ATTR_ASYNC_ENABLE off");
		return SQL_SUCCESS;
	case SQL_ATTR_CURRENT_CATALOG: {
		const char *db = dbc->pg ? PQdb(dbc->pg) : NULL;
		if (db != NULL && value != NULL && len != 0) {
			size_t n = len == SQL_NTS ? strlen(value) : (size_t)len;
			if (strlen(db) == n && memcmp(db, value, n) == 0)
				return SQL_SUCCESS;
		}
		return diag_add(&dbc->diag, "HYC00",
		                "optional feature not implemented: changing the database of an open connection; "
		                "connect with Database= set instead");
	}
	case SQL_ATTR_QUIET_MODE:
	case SQL_ATTR_PACKET_SIZE:
	case SQL_ATTR_TRANSLATE_LIB:
	case SQL_ATTR_TRANSLATE_OPTION:
	case SQL_ATTR_ODBC_CURSORS:
	case SQL_ATTR_TRACE:
	case SQL_ATTR_TRACEFILE:
		return SQL_SUCCESS;
	default:
		return diag_add(&dbc->diag, "HY092", "invalid connection attribute %d", (int)attr);
	}
}

SQLRETURN conn_get_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	SQLUINTEGER v;
	switch (attr) {
	case SQL_ATTR_AUTOCOMMIT:
		v = dbc->autocommit ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF;
		break;
	case SQL_ATTR_LOGIN_TIMEOUT:
		v = dbc->login_timeout;
		break;
	case SQL_ATTR_CONNECTION_TIMEOUT:
		v = dbc->connection_timeout;
		break;
	case SQL_ATTR_METADATA_ID:
		v = dbc->metadata_id;
		break;
	case SQL_ATTR_ACCESS_MODE:
		v = dbc->access_mode;
		break;
	case SQL_ATTR_TXN_ISOLATION:
		v = dbc->txn_isolation ? dbc->txn_isolation : SQL_TXN_READ_COMMITTED;
		break;
	case SQL_ATTR_ASYNC_ENABLE:
		v = SQL_ASYNC_ENABLE_OFF;
		break;
	case SQL_ATTR_AUTO_IPD:
		v = SQL_FALSE;
		break;
	case SQL_ATTR_CONNECTION_DEAD:
		v = (dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK) ? SQL_CD_TRUE : SQL_CD_FALSE;
		break;
	case SQL_ATTR_CURRENT_CATALOG: {
		if (!conn_is_open(dbc, &dbc->diag))
			return SQL_ERROR;
		if (conv_put_str_int(PQdb(dbc->pg), value, buflen, len))
			return diag_add(&dbc->diag, "01004", "string data, right truncated: the database name");
		return SQL_SUCCESS;
	}
	default:
		return diag_add(&dbc->diag, "HY092", "invalid connection attribute %d", (int)attr);
	}
	if (value)
		*(SQLUINTEGER *)value = v;
	if (len)
		*len = sizeof(SQLUINTEGER);
	return SQL_SUCCESS;
}
