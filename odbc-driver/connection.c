/*
 * connection.c - the ODBC connection handle: DSN and connection-string
 * settings, the libpq connection, transactions.
 *
 * Functions prefix: conn_
 *
 * Settings: conn_keys[] binds every odbc.ini / connection-string key in one
 * place, with its aliases, psqlODBC's abbreviation, the libpq keyword it
 * becomes and its default.  A connection string wins over SQLConnect's
 * arguments, which win over the DSN's odbc.ini section.  Values reach
 * libpq through PQconnectdbParams, never a pasted conninfo string.
 * doc/odbc.md documents every key.
 *
 * The connection always uses client_encoding UTF8 and DateStyle ISO, which
 * convert.c relies on.  With autocommit off, the first statement after a
 * commit or rollback opens a transaction (statement.c); SQLDisconnect
 * rolls an open transaction back, as psqlODBC does.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <odbcinst.h>

#include "common/sb.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/desc.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/statement.h"

static const struct conn_key {
	const char *key;    /* name in odbc.ini and connection strings */
	const char *abbrev; /* psqlODBC's short name (its output strings use them) */
	const char *alias1; /* other accepted spellings */
	const char *alias2;
	const char *pg;    /* libpq keyword, NULL when not passed to libpq */
	const char *deflt; /* default of a driver option, NULL for none */
} conn_keys[CONN_NSETTINGS] = {
        [CONN_DSN] = {"DSN", NULL, NULL, NULL, NULL, NULL},
        [CONN_DRIVER] = {"Driver", NULL, NULL, NULL, NULL, NULL},
        [CONN_SOCKET] = {"Socket", NULL, NULL, NULL, "host", NULL},
        [CONN_SERVERNAME] = {"Servername", NULL, "Server", "Host", "host", NULL},
        [CONN_PORT] = {"Port", NULL, NULL, NULL, "port", NULL},
        [CONN_DATABASE] = {"Database", "DX", "DB", "Dbname", "dbname", NULL},
        [CONN_UID] = {"UID", NULL, "Username", "User", "user", NULL},
        [CONN_PWD] = {"PWD", NULL, "Password", NULL, "password", NULL},
        [CONN_SSLMODE] = {"Sslmode", "CA", NULL, NULL, "sslmode", NULL},
        [CONN_CONNECT_TIMEOUT] = {"ConnectTimeout", NULL, "LoginTimeout", NULL, "connect_timeout", NULL},
        [CONN_APPLICATION_NAME] = {"ApplicationName", NULL, NULL, NULL, "application_name", NULL},
        [CONN_CONN_SETTINGS] = {"ConnSettings", "A6", NULL, NULL, NULL, NULL},
        [CONN_PQOPT] = {"pqopt", "D5", NULL, NULL, NULL, NULL},
        [CONN_BOOLS_AS_CHAR] = {"BoolsAsChar", "B9", NULL, NULL, NULL, "1"},
        [CONN_MAX_VARCHAR_SIZE] = {"MaxVarcharSize", "B0", NULL, NULL, NULL, "255"},
        [CONN_MAX_LONGVARCHAR_SIZE] = {"MaxLongVarcharSize", "B1", NULL, NULL, NULL, "8190"},
        [CONN_TEXT_AS_LONGVARCHAR] = {"TextAsLongVarchar", "B7", NULL, NULL, NULL, "1"},
        [CONN_UNKNOWNS_AS_LONGVARCHAR] = {"UnknownsAsLongVarchar", "B8", NULL, NULL, NULL, "0"},
        [CONN_UNKNOWN_SIZES] = {"UnknownSizes", "A9", NULL, NULL, NULL, "0"},
        [CONN_USE_DECLARE_FETCH] = {"UseDeclareFetch", "B6", NULL, NULL, NULL, "0"},
        [CONN_FETCH] = {"Fetch", "A7", NULL, NULL, NULL, "100"},
        [CONN_PROTOCOL] = {"Protocol", "A1", NULL, NULL, NULL, "7.4"},
        [CONN_READ_ONLY] = {"ReadOnly", "A0", NULL, NULL, NULL, "0"},
        [CONN_BYTEA_AS_LONGVARBINARY] = {"ByteaAsLongVarBinary", "C7", NULL, NULL, NULL, "1"},
        [CONN_LF_CONVERSION] = {"LFConversion", "C5", NULL, NULL, NULL, "0"},
        [CONN_TRUE_IS_MINUS1] = {"TrueIsMinus1", "C6", NULL, NULL, NULL, "0"},
        [CONN_UPDATABLE_CURSORS] = {"UpdatableCursors", "C4", NULL, NULL, NULL, "1"},
        [CONN_FETCH_REFCURSORS] = {"FetchRefcursors", "DA", NULL, NULL, NULL, "0"},
        [CONN_LOWER_CASE_IDENTIFIER] = {"LowerCaseIdentifier", "C9", NULL, NULL, NULL, "0"},
        [CONN_CVT_NULL_DATE] = {"CvtNullDate", NULL, NULL, NULL, NULL, "0"},
        [CONN_SHOW_SYSTEM_TABLES] = {"ShowSystemTables", "A5", NULL, NULL, NULL, "0"},
        [CONN_IN_PROCESS] = {"InProcess", NULL, NULL, NULL, NULL, "1"},
        [CONN_DIRECT] = {"Direct", NULL, NULL, NULL, NULL, "1"},
        [CONN_USE_SERVER_SIDE_PREPARE] = {"UseServerSidePrepare", "C8", NULL, NULL, NULL, "1"},
        [CONN_PARSE] = {"Parse", "C0", NULL, NULL, NULL, "0"},
        [CONN_ROW_VERSIONING] = {"RowVersioning", "A4", NULL, NULL, NULL, "0"},
        [CONN_SHOW_OID_COLUMN] = {"ShowOidColumn", "A3", NULL, NULL, NULL, "0"},
        [CONN_FAKE_OID_INDEX] = {"FakeOidIndex", "A2", NULL, NULL, NULL, "0"},
        [CONN_DEBUG] = {"Debug", "B2", NULL, NULL, NULL, "0"},
        [CONN_COMMLOG] = {"CommLog", "B3", NULL, NULL, NULL, "0"},
        [CONN_DISALLOW_PREMATURE] = {"DisallowPremature", "C3", NULL, NULL, NULL, "0"},
        [CONN_UNIQUE_INDEX] = {"UniqueIndex", NULL, NULL, NULL, NULL, "1"},
        [CONN_OPTIONAL_ERRORS] = {"OptionalErrors", "D7", NULL, NULL, NULL, "0"},
        [CONN_BATCH_SIZE] = {"BatchSize", "D8", NULL, NULL, NULL, "100"},
};

/* psqlODBC's packed flags: "CX" (options as bits) and "AB" (extra options). */
#define CONN_CX_LFCONVERSION 0x1u
#define CONN_CX_UPDATABLECURSORS 0x2u
#define CONN_CX_UNKNOWN_DONTKNOW 0x40u
#define CONN_CX_UNKNOWN_ASMAX 0x80u
#define CONN_CX_USEDECLAREFETCH 0x4000u
#define CONN_CX_READONLY 0x8000u
#define CONN_CX_TEXTASLONGVARCHAR 0x10000u
#define CONN_CX_UNKNOWNSASLONGVARCHAR 0x20000u
#define CONN_CX_BOOLSASCHAR 0x40000u
#define CONN_CX_SHOWSYSTEMTABLES 0x100000u
#define CONN_CX_TRUEISMINUS1 0x800000u
#define CONN_CX_BYTEAASLONGVARBINARY 0x1000000u
#define CONN_CX_LOWERCASEIDENTIFIER 0x4000000u
#define CONN_CX_FETCHREFCURSORS 0x10000000u
#define CONN_AB_CVT_NULL_DATE 0x8u

int conn_key_index(const char *k, size_t n)
{
	for (int i = 0; i < CONN_NSETTINGS; i++) {
		const char *names[4] = {conn_keys[i].key, conn_keys[i].abbrev, conn_keys[i].alias1,
		                        conn_keys[i].alias2};
		for (int j = 0; j < 4; j++)
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
	diag_init(&dbc->diag, DIAG_DBC);
	dbc->env = env;
	dbc->autocommit = true;
	dbc->lo_domain = -1;
	dbc->metadata_id = SQL_FALSE;
	dbc->stmt_defaults = (cbo_stmt_defaults){.cursor_type = SQL_CURSOR_FORWARD_ONLY,
	                                         .concurrency = SQL_CONCUR_READ_ONLY,
	                                         .retrieve_data = SQL_RD_ON,
	                                         .use_bookmarks = SQL_UB_OFF,
	                                         .rowset_size = 1};
	conn_parse_options(dbc->settings, &dbc->opts);
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
	while (dbc->descs != NULL)
		desc_free(dbc->descs);
	cbo_env *env = dbc->env;
	for (cbo_dbc **p = &env->conns; *p; p = &(*p)->next) {
		if (*p == dbc) {
			*p = dbc->next;
			break;
		}
	}
	conn_free_settings(dbc->settings);
	conn_forget_tables(dbc);
	free(dbc->types);
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

bool conn_in_txn(const cbo_dbc *dbc)
{
	if (dbc->pg == NULL)
		return false;
	PGTransactionStatusType ts = PQtransactionStatus(dbc->pg);
	return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

/* --- options ---------------------------------------------------------------- */

static int conn_opt_int(char *const settings[CONN_NSETTINGS], conn_setting i)
{
	const char *v = settings[i] && settings[i][0] ? settings[i] : conn_keys[i].deflt;
	return v ? atoi(v) : 0;
}

static bool conn_opt_bool(char *const settings[CONN_NSETTINGS], conn_setting i)
{
	const char *v = settings[i] && settings[i][0] ? settings[i] : conn_keys[i].deflt;
	if (v == NULL)
		return false;
	return v[0] == '1' || strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0;
}

void conn_parse_options(char *const settings[CONN_NSETTINGS], cbo_options *o)
{
	o->bools_as_char = conn_opt_bool(settings, CONN_BOOLS_AS_CHAR);
	o->max_varchar = conn_opt_int(settings, CONN_MAX_VARCHAR_SIZE);
	o->max_longvarchar = conn_opt_int(settings, CONN_MAX_LONGVARCHAR_SIZE);
	o->text_as_longvarchar = conn_opt_bool(settings, CONN_TEXT_AS_LONGVARCHAR);
	o->unknowns_as_longvarchar = conn_opt_bool(settings, CONN_UNKNOWNS_AS_LONGVARCHAR);
	o->unknown_sizes = conn_opt_int(settings, CONN_UNKNOWN_SIZES);
	o->use_declare_fetch = conn_opt_bool(settings, CONN_USE_DECLARE_FETCH);
	o->fetch = conn_opt_int(settings, CONN_FETCH);
	if (o->fetch <= 0)
		o->fetch = 100;
	o->read_only = conn_opt_bool(settings, CONN_READ_ONLY);
	o->bytea_as_longvarbinary = conn_opt_bool(settings, CONN_BYTEA_AS_LONGVARBINARY);
	o->lf_conversion = conn_opt_bool(settings, CONN_LF_CONVERSION);
	o->true_is_minus1 = conn_opt_bool(settings, CONN_TRUE_IS_MINUS1);
	o->updatable_cursors = conn_opt_bool(settings, CONN_UPDATABLE_CURSORS);
	o->fetch_refcursors = conn_opt_bool(settings, CONN_FETCH_REFCURSORS);
	o->lower_case_identifier = conn_opt_bool(settings, CONN_LOWER_CASE_IDENTIFIER);
	o->cvt_null_date = conn_opt_bool(settings, CONN_CVT_NULL_DATE);
	o->show_system_tables = conn_opt_bool(settings, CONN_SHOW_SYSTEM_TABLES);
	o->in_process = conn_opt_bool(settings, CONN_IN_PROCESS);
	o->direct = conn_opt_bool(settings, CONN_DIRECT);
	o->batch_size = conn_opt_int(settings, CONN_BATCH_SIZE);
	if (o->batch_size <= 0)
		o->batch_size = 100;
	/* Protocol=7.4-N: N is the rollback level on errors; statement-level by default */
	o->rollback_level = 2;
	const char *proto = settings[CONN_PROTOCOL];
	const char *dash = proto ? strchr(proto, '-') : NULL;
	if (dash != NULL && dash[1] >= '0' && dash[1] <= '2')
		o->rollback_level = dash[1] - '0';
}

/* psqlODBC's packed CX and AB flags: set the options they carry (before
 * the keys given one by one, which win). */
static bool conn_unfold_flags(char *settings[CONN_NSETTINGS], const char *key, size_t klen, const char *val)
{
	static const struct {
		conn_setting s;
		unsigned bit;
	} cx[] = {
	        {CONN_LF_CONVERSION, CONN_CX_LFCONVERSION},
	        {CONN_UPDATABLE_CURSORS, CONN_CX_UPDATABLECURSORS},
	        {CONN_USE_DECLARE_FETCH, CONN_CX_USEDECLAREFETCH},
	        {CONN_READ_ONLY, CONN_CX_READONLY},
	        {CONN_TEXT_AS_LONGVARCHAR, CONN_CX_TEXTASLONGVARCHAR},
	        {CONN_UNKNOWNS_AS_LONGVARCHAR, CONN_CX_UNKNOWNSASLONGVARCHAR},
	        {CONN_BOOLS_AS_CHAR, CONN_CX_BOOLSASCHAR},
	        {CONN_SHOW_SYSTEM_TABLES, CONN_CX_SHOWSYSTEMTABLES},
	        {CONN_TRUE_IS_MINUS1, CONN_CX_TRUEISMINUS1},
	        {CONN_BYTEA_AS_LONGVARBINARY, CONN_CX_BYTEAASLONGVARBINARY},
	        {CONN_LOWER_CASE_IDENTIFIER, CONN_CX_LOWERCASEIDENTIFIER},
	        {CONN_FETCH_REFCURSORS, CONN_CX_FETCHREFCURSORS},
	};
	if (klen == 2 && strncasecmp(key, "CX", 2) == 0) {
		/* two hex digits count the flag groups, the rest are the flags;
		 * a one-digit value carries only the first group */
		unsigned count = 3, flags = 0;
		if (strlen(val) < 2) {
			sscanf(val, "%x", &flags);
		} else {
			char cnt[3] = {val[0], val[1], '\0'};
			sscanf(cnt, "%x", &count);
			sscanf(val + 2, "%x", &flags);
		}
		for (size_t i = 0; i < CB_ARRAY_LEN(cx); i++) {
			if (count < 4 && i >= 2)
				break;
			if (settings[cx[i].s] == NULL)
				settings[cx[i].s] = strdup((flags & cx[i].bit) ? "1" : "0");
		}
		if (count >= 4 && settings[CONN_UNKNOWN_SIZES] == NULL)
			settings[CONN_UNKNOWN_SIZES] = strdup((flags & CONN_CX_UNKNOWN_DONTKNOW) ? "1"
			                                      : (flags & CONN_CX_UNKNOWN_ASMAX)  ? "0"
			                                                                         : "2");
		return true;
	}
	if (klen == 2 && strncasecmp(key, "AB", 2) == 0) {
		unsigned flags = (unsigned)strtoul(val, NULL, 0);
		if (strncasecmp(val, "0x", 2) != 0)
			sscanf(val, "%x", &flags);
		if (settings[CONN_CVT_NULL_DATE] == NULL)
			settings[CONN_CVT_NULL_DATE] = strdup((flags & CONN_AB_CVT_NULL_DATE) ? "1" : "0");
		return true;
	}
	return false;
}

/* --- connection strings ---------------------------------------------------- */

bool conn_parse_string(const char *s, char *settings[CONN_NSETTINGS], char *err, size_t errsize)
{
	const char *p = s;
	/* packed flags apply after the string, below the keys given one by one */
	char *cx_key[2] = {NULL, NULL}, *cx_val[2] = {NULL, NULL};
	bool ok = true;
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
			ok = false;
			break;
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
				ok = false;
				break;
			}
			bool closed = false;
			while (*p) {
				if (*p == '}') {
					if (p[1] == '}') {
						val[n++] = '}';
						p += 2;
						continue;
					}
					p++;
					closed = true;
					break;
				}
				val[n++] = *p++;
			}
			if (!closed) {
				free(val);
				snprintf(
				        err, errsize,
				        "connection string: the value of %.*s has no closing '}'; close it or double a "
				        "'}' inside it",
				        (int)klen, k);
				ok = false;
				break;
			}
			val[n] = '\0';
			while (*p && *p != ';')
				p++;
		} else {
			const char *v = p;
			while (*p && *p != ';')
				p++;
			size_t vlen = (size_t)(p - v);
			while (vlen > 0 && v[vlen - 1] == ' ')
				vlen--;
			val = strndup(v, vlen);
			if (val == NULL) {
				snprintf(err, errsize, "out of memory parsing the connection string");
				ok = false;
				break;
			}
		}
		if (klen == 2 && (strncasecmp(k, "CX", 2) == 0 || strncasecmp(k, "AB", 2) == 0)) {
			int slot = strncasecmp(k, "CX", 2) == 0 ? 0 : 1;
			free(cx_key[slot]);
			free(cx_val[slot]);
			cx_key[slot] = strndup(k, 2);
			cx_val[slot] = val;
			continue;
		}
		int idx = conn_key_index(k, klen);
		if (idx < 0) {
			free(val); /* unknown keys are ignored, as ODBC asks */
			continue;
		}
		free(settings[idx]);
		settings[idx] = val; /* a key repeated: the last one wins, as in psqlODBC */
	}
	for (int i = 0; i < 2; i++) {
		if (ok && cx_key[i] != NULL)
			conn_unfold_flags(settings, cx_key[i], 2, cx_val[i]);
		free(cx_key[i]);
		free(cx_val[i]);
	}
	return ok;
}

/* Fill the settings the DSN's odbc.ini section has and `settings` lacks. */
static bool conn_read_dsn(const char *dsn, char *settings[CONN_NSETTINGS])
{
	char buf[1024];
	for (int i = CONN_SOCKET; i < CONN_NSETTINGS; i++) {
		if (settings[i] != NULL)
			continue;
		const char *names[4] = {conn_keys[i].key, conn_keys[i].abbrev, conn_keys[i].alias1,
		                        conn_keys[i].alias2};
		for (int j = 0; j < 4; j++) {
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
	const char *packed[2] = {"CX", "AB"};
	for (int j = 0; j < 2; j++) {
		buf[0] = '\0';
		int n = SQLGetPrivateProfileString(dsn, packed[j], "", buf, sizeof(buf), "odbc.ini");
		if (n > 0 && buf[0] != '\0')
			conn_unfold_flags(settings, packed[j], 2, buf);
	}
	return true;
}

/* Server notices and warnings become the running call's diagnostic. */
static void conn_notice(void *arg, const PGresult *res)
{
	cbo_dbc *dbc = arg;
	if (dbc->notice_diag != NULL)
		diag_notice(dbc->notice_diag, res);
}

/* Add psqlODBC's pqopt (a libpq conninfo string, parsed by libpq itself:
 * quoting and backslash escapes as libpq has them) to the keyword arrays.
 * Returns the parsed options, which own the values (PQconninfoFree), or
 * NULL with the error recorded: a string libpq refuses, or a keyword that
 * gives another value than the DSN's own key (psqlODBC's checks and words). */
static PQconninfoOption *conn_pqopt(cbo_dbc *dbc, const char *opt, const char **kw, const char **vals, int *n, int max)
{
	char *err = NULL;
	PQconninfoOption *parsed = PQconninfoParse(opt, &err);
	if (parsed == NULL) {
		if (err == NULL)
			diag_add(&dbc->diag, "HY001", "out of memory parsing pqopt");
		else
			diag_set(&dbc->diag, "08001", DIAG_N_CONN_OPENDB, "libpq connection parameter error:%s", err);
		PQfreemem(err);
		return NULL;
	}
	int given = *n;
	for (PQconninfoOption *o = parsed; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		int j;
		for (j = 0; j < given && strcasecmp(kw[j], o->keyword) != 0; j++)
			;
		if (j < given) {
			if (strcmp(vals[j], o->val) == 0)
				continue;
			diag_set(&dbc->diag, "08001", DIAG_N_CONN_OPENDB,
			         "%s parameter in pqopt option conflicts with other ordinary option", o->keyword);
			PQconninfoFree(parsed);
			return NULL;
		}
		if (*n < max) {
			kw[*n] = o->keyword;
			vals[(*n)++] = o->val;
		}
	}
	return parsed;
}

/* Send ConnSettings, one statement at a time (split at ';' like
 * psqlODBC); false when one failed (the connection stays). */
static bool conn_send_settings(cbo_dbc *dbc, const char *settings)
{
	char *copy = strdup(settings);
	if (copy == NULL)
		return false;
	bool ok = true;
	char *save = NULL;
	for (char *s = strtok_r(copy, ";", &save); s != NULL; s = strtok_r(NULL, ";", &save)) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			continue;
		PGresult *r = PQexec(dbc->pg, s);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			diag_add_pg(&dbc->diag, dbc->pg, r, "ConnSettings failed");
			ok = false;
		}
		PQclear(r);
	}
	free(copy);
	return ok;
}

/* Whether kw is one of libpq's keywords naming where the server is. */
static bool conn_is_address(const char *kw)
{
	return strcmp(kw, "host") == 0 || strcmp(kw, "hostaddr") == 0 || strcmp(kw, "port") == 0;
}

/*
 * The connection's own backend connection (inproc.h, "Direct"): what the
 * DSN gave (user, database, password, options without the question to
 * cbcached) at the address cbcached offers in cbcache.direct_backend.
 * NULL with *why when it cannot be made; the connection then stays with
 * cbcached.
 */
static PGconn *conn_direct(PGconn *cb, const char *const *kw, const char *const *vals, int n, int asked,
                           const char *unasked, char *why, size_t cap)
{
	const char *ci = PQparameterStatus(cb, "cbcache.direct_backend");
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(ci, &perr);
	if (opts == NULL) {
		snprintf(why, cap, "cbcached's direct_backend cannot be read (%s)",
		         perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return NULL;
	}
	enum { MAXKW = CONN_NSETTINGS + 120 };
	const char *k2[MAXKW];
	const char *v2[MAXKW];
	int m = 0;
	for (int i = 0; i < n && m < MAXKW - 1; i++) {
		if (conn_is_address(kw[i]))
			continue; /* the backend's address, not cbcached's */
		if (i == asked) {
			if (unasked != NULL) {
				k2[m] = "options";
				v2[m++] = unasked;
			}
			continue;
		}
		k2[m] = kw[i];
		v2[m++] = vals[i];
	}
	/* the offered string last: a keyword given twice takes its last value */
	for (PQconninfoOption *o = opts; o->keyword != NULL && m < MAXKW - 1; o++)
		if (o->val != NULL && o->val[0] != '\0') {
			k2[m] = o->keyword;
			v2[m++] = o->val;
		}
	k2[m] = NULL;
	v2[m] = NULL;
	PGconn *bk = PQconnectdbParams(k2, v2, 0);
	PQconninfoFree(opts);
	if (bk == NULL || PQstatus(bk) != CONNECTION_OK) {
		const char *msg = bk != NULL ? PQerrorMessage(bk) : "out of memory";
		size_t l = strlen(msg);
		while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
			l--;
		snprintf(why, cap, "the backend refused this connection's own connection (%.*s)", (int)l, msg);
		PQfinish(bk);
		return NULL;
	}
	return bk;
}

/* Connect with the settings; takes ownership of them on success. */
static SQLRETURN conn_open(cbo_dbc *dbc, char *settings[CONN_NSETTINGS])
{
	if (dbc->pg != NULL)
		return diag_add(&dbc->diag, "08002",
		                "connection name in use: the handle is already connected; call SQLDisconnect first");

	enum { MAXKW = CONN_NSETTINGS + 40 };
	const char *kw[MAXKW];
	const char *vals[MAXKW];
	int n = 0;
	char timeout[32];
	PQconninfoOption *pqopt = NULL;
	for (int i = 0; i < CONN_NSETTINGS; i++) {
		if (conn_keys[i].pg == NULL || settings[i] == NULL || settings[i][0] == '\0')
			continue;
		if (i == CONN_SERVERNAME && settings[CONN_SOCKET] != NULL && settings[CONN_SOCKET][0] != '\0')
			continue; /* Socket wins */
		kw[n] = conn_keys[i].pg;
		vals[n++] = settings[i];
	}
	if (settings[CONN_CONNECT_TIMEOUT] == NULL && dbc->login_timeout > 0) {
		/* libpq takes an int */
		snprintf(timeout, sizeof(timeout), "%u",
		         dbc->login_timeout > INT_MAX ? (unsigned)INT_MAX : (unsigned)dbc->login_timeout);
		kw[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	if (settings[CONN_PQOPT] != NULL && settings[CONN_PQOPT][0] != '\0' &&
	    (pqopt = conn_pqopt(dbc, settings[CONN_PQOPT], kw, vals, &n, MAXKW - 4)) == NULL)
		return SQL_ERROR;
	kw[n] = "client_encoding";
	vals[n++] = "UTF8";
	/* ask cbcached where its cache file is (inproc.h); PostgreSQL keeps it as a placeholder setting */
	char options[1024];
	int asked = -1;             /* the index of the options that ask, -1: not asked */
	const char *unasked = NULL; /* the options without the question (NULL: none were given) */
	if (conn_opt_bool(settings, CONN_IN_PROCESS)) {
		int o;
		for (o = 0; o < n && strcasecmp(kw[o], "options") != 0; o++)
			;
		unasked = o < n ? vals[o] : NULL;
		snprintf(options, sizeof(options), "%s%s-c cbcache.in_process=on", o < n ? vals[o] : "",
		         o < n ? " " : "");
		if (o == n)
			n++;
		kw[o] = "options";
		vals[o] = options;
		asked = o;
	}
	kw[n] = "fallback_application_name";
	vals[n++] = "cbcacheodbc";
	kw[n] = NULL;
	vals[n] = NULL;

	PGconn *pg = PQconnectdbParams(kw, vals, 0);
	/* a pooler that refuses startup options it does not know (PgBouncer: "unsupported startup
	 * parameter"): connect again without the question; in-process answers then stay off */
	if (pg != NULL && PQstatus(pg) != CONNECTION_OK && asked >= 0 &&
	    strstr(PQerrorMessage(pg), "startup parameter") != NULL) {
		PQfinish(pg);
		if (unasked != NULL) {
			vals[asked] = unasked;
		} else {
			for (int i = asked; i < n; i++) { /* drop the entry, keeping the NULL end */
				kw[i] = kw[i + 1];
				vals[i] = vals[i + 1];
			}
			n--;
		}
		pg = PQconnectdbParams(kw, vals, 0);
		asked = -1;
	}
	if (pg == NULL) {
		PQconninfoFree(pqopt);
		return diag_add(&dbc->diag, "HY001", "out of memory creating a libpq connection");
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		PQconninfoFree(pqopt);
		char *msg = strdup(PQerrorMessage(pg));
		PQfinish(pg);
		if (msg == NULL)
			return diag_add(&dbc->diag, "HY001", "out of memory");
		size_t l = strlen(msg);
		while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
			msg[--l] = '\0';
		diag_set(&dbc->diag, "08001", DIAG_N_CONN_SERVER_NOT_REACHED,
		         "Could not connect to the server%s%s;\n%s", settings[CONN_DSN] ? " for DSN " : "",
		         settings[CONN_DSN] ? settings[CONN_DSN] : "", msg);
		free(msg);
		return SQL_ERROR;
	}
	/* answers from the cache file in this process, and (Direct) the rest straight to the backend */
	char why[sizeof(dbc->inproc_why)] = "";
	inproc *ip = NULL;
	if (!conn_opt_bool(settings, CONN_IN_PROCESS)) {
		snprintf(why, sizeof(why), "InProcess is 0");
	} else if ((ip = inproc_attach(pg, why, sizeof(why))) == NULL) {
		inproc_trace("no in-process answers on this connection: %s", why);
	} else if (conn_opt_bool(settings, CONN_DIRECT) && PQparameterStatus(pg, "cbcache.direct_backend") != NULL) {
		char dwhy[512];
		const char *wtext = PQparameterStatus(pg, "cbcache.commit_wait_ms"); /* gone with pg: read now */
		int wait_ms = wtext != NULL ? atoi(wtext) : 0;
		PGconn *bk = inproc_can_go_direct(ip, dwhy, sizeof(dwhy))
		                     ? conn_direct(pg, kw, vals, n, asked, unasked, dwhy, sizeof(dwhy))
		                     : NULL;
		if (bk == NULL) {
			inproc_trace("statements not answered in-process go to cbcached: %s", dwhy);
		} else {
			PQfinish(pg);
			pg = bk;
			inproc_go_direct(ip, wait_ms);
		}
	}
	PQconninfoFree(pqopt);
	dbc->pg = pg;

	/* convert.c parses ISO dates; set it only when the server differs */
	const char *ds = PQparameterStatus(pg, "DateStyle");
	if (ds == NULL || strncmp(ds, "ISO", 3) != 0) {
		if (conn_exec_simple(dbc, &dbc->diag, "SET DateStyle = 'ISO'") != SQL_SUCCESS) {
			inproc_detach(ip);
			PQfinish(pg);
			dbc->pg = NULL;
			return SQL_ERROR;
		}
	}
	SQLRETURN ret = SQL_SUCCESS;
	if (settings[CONN_CONN_SETTINGS] != NULL && settings[CONN_CONN_SETTINGS][0] != '\0' &&
	    !conn_send_settings(dbc, settings[CONN_CONN_SETTINGS]))
		ret = SQL_SUCCESS_WITH_INFO; /* psqlODBC connects anyway */
	if (dbc->txn_isolation != 0) {
		SQLUINTEGER iso = dbc->txn_isolation;
		dbc->txn_isolation = 0;
		if (conn_set_attr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)(uintptr_t)iso, 0) == SQL_ERROR)
			ret = SQL_SUCCESS_WITH_INFO;
	}

	PQsetNoticeReceiver(pg, conn_notice, dbc);
	PGcancel *cancel = PQgetCancel(pg);
	pthread_mutex_lock(&dbc->cancel_lock);
	dbc->cancel = cancel;
	pthread_mutex_unlock(&dbc->cancel_lock);
	conn_free_settings(dbc->settings);
	memcpy(dbc->settings, settings, sizeof(dbc->settings));
	memset(settings, 0, sizeof(char *) * CONN_NSETTINGS);
	conn_parse_options(dbc->settings, &dbc->opts);
	snprintf(dbc->inproc_why, sizeof(dbc->inproc_why), "%s", why);
	dbc->inproc = ip;
	return ret;
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

static SQLRETURN conn_string_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax,
                                     SQLSMALLINT *outlen)
{
	char *settings[CONN_NSETTINGS] = {0};
	char err[256];
	if (!conn_parse_string(in ? in : "", settings, err, sizeof(err))) {
		conn_free_settings(settings);
		return diag_set(&dbc->diag, "08001", DIAG_N_CONN_OPENDB, "%s", err);
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
	if (SQL_SUCCEEDED(r) && (out != NULL || outlen != NULL)) {
		if (conv_put_str_small(outs ? outs : "", out, outmax, outlen)) {
			diag_add(&dbc->diag, "01004",
			         "string data, right truncated: the completed connection string needs %zu bytes",
			         olen + 1);
			r = SQL_SUCCESS_WITH_INFO;
		}
	}
	free(outs);
	return r;
}

SQLRETURN conn_driver_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outlen,
                              SQLUSMALLINT completion)
{
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
	return conn_string_connect(dbc, in, out, outmax, outlen);
}

SQLRETURN conn_browse_connect(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outlen)
{
	/* every key has a default or comes from the DSN: connect at once */
	return conn_string_connect(dbc, in, out, outmax, outlen);
}

/* The kept cursors went with the session. */
static void conn_forget_orphans(cbo_dbc *dbc)
{
	for (int i = 0; i < dbc->norphans; i++)
		free(dbc->orphans[i]);
	free(dbc->orphans);
	dbc->orphans = NULL;
	dbc->norphans = 0;
}

SQLRETURN conn_disconnect(cbo_dbc *dbc)
{
	if (dbc->pg == NULL)
		return diag_add(&dbc->diag, "08003", "connection not open: nothing to disconnect");
	/* an open transaction is rolled back: closing the connection does it */
	while (dbc->stmts != NULL)
		stmt_free(dbc->stmts);
	conn_pcache_free(dbc);
	inproc_detach(dbc->inproc);
	dbc->inproc = NULL;
	pthread_mutex_lock(&dbc->cancel_lock);
	PQfreeCancel(dbc->cancel);
	dbc->cancel = NULL;
	pthread_mutex_unlock(&dbc->cancel_lock);
	PQfinish(dbc->pg);
	dbc->pg = NULL;
	conn_forget_orphans(dbc);
	conn_forget_tables(dbc);
	free(dbc->types);
	dbc->types = NULL;
	dbc->ntypes = 0;
	dbc->lo_domain = -1;
	dbc->timeout_in_effect = 0;
	return SQL_SUCCESS;
}

void conn_forget_tables(cbo_dbc *dbc)
{
	for (int i = 0; i < dbc->ntables; i++)
		PQclear(dbc->tables[i].cols);
	free(dbc->tables);
	dbc->tables = NULL;
	dbc->ntables = 0;
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

/* sql on the wire; settings: it may change what in-process answers depend on (inproc.h). */
static SQLRETURN conn_exec(cbo_dbc *dbc, cbo_diag *d, const char *sql, bool settings)
{
	cbo_diag *saved = dbc->notice_diag;
	dbc->notice_diag = d;
	if (settings)
		inproc_settings_changed(dbc->inproc);
	PGresult *r = PQexec(dbc->pg, sql);
	dbc->notice_diag = saved;
	inproc_done(dbc->inproc, dbc->pg);
	SQLRETURN ret = SQL_SUCCESS;
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		ret = diag_add_pg(d, dbc->pg, r, "Error while executing the query");
	PQclear(r);
	return ret;
}

SQLRETURN conn_exec_simple(cbo_dbc *dbc, cbo_diag *d, const char *sql)
{
	return conn_exec(dbc, d, sql, true); /* the driver's own statements: SET, isolation, ... */
}

/* Whether the session has the cursor `name` (a lookup that cannot fail a
 * transaction). */
static bool conn_has_cursor(cbo_dbc *dbc, const char *name)
{
	const char *vals[1] = {name};
	PGresult *r = PQexecParams(dbc->pg, "SELECT 1 FROM pg_catalog.pg_cursors WHERE name = $1", 1, NULL, vals, NULL,
	                           NULL, 0);
	bool has = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
	PQclear(r);
	return has;
}

void conn_close_cursor(cbo_dbc *dbc, const char *name)
{
	if (dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK)
		return;
	PGTransactionStatusType ts = PQtransactionStatus(dbc->pg);
	if (ts == PQTRANS_INERROR) {
		char *c = strdup(name);
		char **n = c ? realloc(dbc->orphans, (size_t)(dbc->norphans + 1) * sizeof(*n)) : NULL;
		if (n == NULL) {
			free(c); /* (the cursor goes with the session) */
			return;
		}
		dbc->orphans = n;
		dbc->orphans[dbc->norphans++] = c;
		return;
	}
	if (ts != PQTRANS_IDLE && ts != PQTRANS_INTRANS)
		return;
	cbo_diag *saved = dbc->notice_diag;
	dbc->notice_diag = NULL;
	if (ts == PQTRANS_IDLE || conn_has_cursor(dbc, name)) {
		cb_sb q;
		cb_sb_init(&q);
		cb_sb_put(&q, "CLOSE ");
		cb_sb_ident(&q, name);
		char *sql = cb_sb_finish(&q);
		if (sql != NULL)
			PQclear(PQexec(dbc->pg, sql));
		free(sql);
	}
	dbc->notice_diag = saved;
}

void conn_close_orphans(cbo_dbc *dbc)
{
	if (dbc->norphans == 0 || dbc->pg == NULL || PQtransactionStatus(dbc->pg) == PQTRANS_INERROR)
		return;
	int n = dbc->norphans;
	char **names = dbc->orphans;
	dbc->orphans = NULL;
	dbc->norphans = 0;
	for (int i = 0; i < n; i++) {
		conn_close_cursor(dbc, names[i]);
		free(names[i]);
	}
	free(names);
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
		return diag_add_pg(&dbc->diag, dbc->pg, NULL, NULL);
	/* psqlODBC sends COMMIT even in a failed transaction: the server rolls
	 * it back and answers ROLLBACK, a success */
	/* the settings check runs outside transactions (inproc.h): one that ran before this one is still
	 * good unless a statement in it (a SET the ROLLBACK undoes) asked for another */
	SQLRETURN r = conn_exec(dbc, &dbc->diag, completion == SQL_COMMIT ? "COMMIT" : "ROLLBACK", false);
	/* (a commit of a failed transaction rolls it back) */
	bool committed = completion == SQL_COMMIT && ts == PQTRANS_INTRANS && SQL_SUCCEEDED(r);
	for (cbo_stmt *st = dbc->stmts; st; st = st->next)
		stmt_txn_ended(st, committed);
	conn_close_orphans(dbc);
	return r;
}

SQLRETURN conn_native_sql(cbo_dbc *dbc, const char *in, SQLCHAR *out, SQLINTEGER outmax, SQLINTEGER *outlen)
{
	/* like psqlODBC: the text as given (escapes and markers are translated at execution) */
	if (in == NULL)
		return diag_add(&dbc->diag, "HY009", "invalid use of null pointer: no SQL text given");
	if (conv_put_str_int(in, out, outmax, outlen))
		return diag_add(&dbc->diag, "01004", "string data, right truncated: the SQL needs %zu bytes",
		                strlen(in) + 1);
	return SQL_SUCCESS;
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

PGresult *conn_exec_quiet(cbo_dbc *dbc, const char *sql)
{
	cbo_diag *saved = dbc->notice_diag;
	dbc->notice_diag = NULL;
	PGresult *r = PQexec(dbc->pg, sql);
	dbc->notice_diag = saved;
	inproc_done(dbc->inproc, dbc->pg);
	return r;
}

PGresult *conn_query_oid(cbo_dbc *dbc, const char *sql, Oid oid)
{
	char oidtext[16];
	snprintf(oidtext, sizeof(oidtext), "%u", (unsigned)oid);
	const char *vals[1] = {oidtext};
	cbo_diag *saved = dbc->notice_diag;
	dbc->notice_diag = NULL;
	PGresult *r = PQexecParams(dbc->pg, sql, 1, NULL, vals, NULL, NULL, 0);
	dbc->notice_diag = saved;
	return r;
}

/* --- types the driver does not know by OID ------------------------------------ */

const cbo_typeinfo *conn_type_info(cbo_dbc *dbc, Oid oid)
{
	for (int i = 0; i < dbc->ntypes; i++)
		if (dbc->types[i].oid == oid)
			return &dbc->types[i];
	if (dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK || PQisBusy(dbc->pg) ||
	    PQtransactionStatus(dbc->pg) == PQTRANS_ACTIVE || PQtransactionStatus(dbc->pg) == PQTRANS_INERROR)
		return NULL;
	PGresult *r =
	        conn_query_oid(dbc, "SELECT typname, typbasetype FROM pg_catalog.pg_type WHERE oid = $1::oid", oid);
	cbo_typeinfo t = {.oid = oid};
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (ok && PQntuples(r) == 1) {
		snprintf(t.name, sizeof(t.name), "%s", PQgetvalue(r, 0, 0));
		t.basetype = (Oid)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
		t.is_lo = strcmp(t.name, "lo") == 0 && t.basetype == CBO_OIDOID;
	}
	PQclear(r);
	if (!ok)
		return NULL;
	cbo_typeinfo *nt = realloc(dbc->types, (size_t)(dbc->ntypes + 1) * sizeof(*nt));
	if (nt == NULL)
		return NULL;
	dbc->types = nt;
	dbc->types[dbc->ntypes] = t;
	return &dbc->types[dbc->ntypes++];
}

bool conn_lo_domain(cbo_dbc *dbc)
{
	if (dbc->lo_domain >= 0)
		return dbc->lo_domain == 1;
	if (dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK || PQtransactionStatus(dbc->pg) == PQTRANS_ACTIVE ||
	    PQtransactionStatus(dbc->pg) == PQTRANS_INERROR)
		return false;
	PGresult *r = conn_exec_quiet(dbc, "SELECT 1 FROM pg_catalog.pg_type WHERE typname = 'lo' AND typbasetype = "
	                                   "'pg_catalog.oid'::pg_catalog.regtype");
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		dbc->lo_domain = PQntuples(r) > 0 ? 1 : 0;
	PQclear(r);
	return dbc->lo_domain == 1;
}

bool conn_is_lo_type(cbo_dbc *dbc, Oid oid)
{
	if (oid < CBO_FIRST_USER_OID)
		return false;
	const cbo_typeinfo *t = conn_type_info(dbc, oid);
	return t != NULL && t->is_lo;
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

/*
 * psqlODBC's own connection attributes (SQL_ATTR_PGOPT_*, 65536 on): the
 * DSN options of the same names, changed on an open connection.  The ones
 * without an effect here are kept to be read back.
 */
enum {
	PGOPT_DEBUG = CONN_PGOPT_FIRST,
	PGOPT_COMMLOG,
	PGOPT_PARSE,
	PGOPT_USE_DECLAREFETCH,
	PGOPT_SERVER_SIDE_PREPARE,
	PGOPT_FETCH,
	PGOPT_UNKNOWNSIZES,
	PGOPT_TEXTASLONGVARCHAR,
	PGOPT_UNKNOWNSASLONGVARCHAR,
	PGOPT_BOOLSASCHAR,
	PGOPT_MAXVARCHARSIZE,
	PGOPT_MAXLONGVARCHARSIZE,
	PGOPT_WCSDEBUG,
	PGOPT_MSJET,
	PGOPT_BATCHSIZE,
	PGOPT_IGNORETIMEOUT,
};

static SQLRETURN conn_set_pgopt(cbo_dbc *dbc, SQLINTEGER attr, SQLINTEGER v)
{
	cbo_options *o = &dbc->opts;
	switch (attr) {
	case PGOPT_USE_DECLAREFETCH:
		o->use_declare_fetch = v != 0;
		break;
	case PGOPT_FETCH:
		/* as the Fetch key: no positive size is the default */
		o->fetch = v > 0 ? v : 100;
		break;
	case PGOPT_UNKNOWNSIZES:
		o->unknown_sizes = v;
		break;
	case PGOPT_TEXTASLONGVARCHAR:
		o->text_as_longvarchar = v != 0;
		break;
	case PGOPT_UNKNOWNSASLONGVARCHAR:
		o->unknowns_as_longvarchar = v != 0;
		break;
	case PGOPT_BOOLSASCHAR:
		o->bools_as_char = v != 0;
		break;
	case PGOPT_MAXVARCHARSIZE:
		o->max_varchar = v;
		break;
	case PGOPT_MAXLONGVARCHARSIZE:
		o->max_longvarchar = v;
		break;
	case PGOPT_BATCHSIZE:
		o->batch_size = v > 0 ? v : 100;
		break;
	case PGOPT_MSJET:
		o->ms_jet = v != 0;
		break;
	default:
		break;
	}
	dbc->pgopt[attr - CONN_PGOPT_FIRST] = v;
	return SQL_SUCCESS;
}

static SQLINTEGER conn_get_pgopt(cbo_dbc *dbc, SQLINTEGER attr)
{
	const cbo_options *o = &dbc->opts;
	switch (attr) {
	case PGOPT_USE_DECLAREFETCH:
		return o->use_declare_fetch;
	case PGOPT_FETCH:
		return o->fetch;
	case PGOPT_UNKNOWNSIZES:
		return o->unknown_sizes;
	case PGOPT_TEXTASLONGVARCHAR:
		return o->text_as_longvarchar;
	case PGOPT_UNKNOWNSASLONGVARCHAR:
		return o->unknowns_as_longvarchar;
	case PGOPT_BOOLSASCHAR:
		return o->bools_as_char;
	case PGOPT_MAXVARCHARSIZE:
		return o->max_varchar;
	case PGOPT_MAXLONGVARCHARSIZE:
		return o->max_longvarchar;
	case PGOPT_BATCHSIZE:
		return o->batch_size;
	case PGOPT_MSJET:
		return o->ms_jet;
	default:
		return dbc->pgopt[attr - CONN_PGOPT_FIRST];
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
		if ((v == SQL_AUTOCOMMIT_ON) != dbc->autocommit && conn_in_txn(dbc)) {
			/* switching the mode commits the open transaction */
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
		/* like psqlODBC: accepted and ignored (ReadOnly in the DSN restricts statements) */
		if (v != SQL_MODE_READ_ONLY && v != SQL_MODE_READ_WRITE)
			return diag_add(&dbc->diag, "HY024", "invalid attribute value %u for SQL_ATTR_ACCESS_MODE",
			                (unsigned)v);
		return SQL_SUCCESS;
	case SQL_ATTR_TXN_ISOLATION: {
		const char *sql = conn_isolation_sql(v);
		if (sql == NULL)
			return diag_add(&dbc->diag, "HY024", "invalid attribute value %u for SQL_ATTR_TXN_ISOLATION",
			                (unsigned)v);
		if (dbc->pg != NULL) {
			if (conn_in_txn(dbc)) {
				if (!dbc->autocommit || PQtransactionStatus(dbc->pg) == PQTRANS_INERROR)
					return diag_set(
					        &dbc->diag, "HY011", DIAG_N_CONN_TRANSACT_IN_PROGRESS,
					        "cannot change the isolation level while a transaction is open; "
					        "end it with SQLEndTran first");
				if (conn_end_tran(dbc, SQL_COMMIT) == SQL_ERROR)
					return SQL_ERROR;
			}
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
	case SQL_ATTR_CURRENT_CATALOG:
		/* like psqlODBC: accepted and ignored (the database is chosen at connect) */
		return SQL_SUCCESS;
	case SQL_ATTR_ANSI_APP:
		dbc->unicode_app = v == SQL_AA_FALSE;
		return SQL_SUCCESS;
	case SQL_ATTR_QUIET_MODE:
	case SQL_ATTR_PACKET_SIZE:
	case SQL_ATTR_TRANSLATE_LIB:
	case SQL_ATTR_TRANSLATE_OPTION:
	case SQL_ATTR_ODBC_CURSORS:
	case SQL_ATTR_TRACE:
	case SQL_ATTR_TRACEFILE:
	case SQL_ATTR_ENLIST_IN_DTC:
		return SQL_SUCCESS;
	/* statement attributes set on the connection: defaults of its new statements */
	case SQL_ATTR_QUERY_TIMEOUT:
	case SQL_ATTR_MAX_ROWS:
	case SQL_ATTR_MAX_LENGTH:
	case SQL_ATTR_NOSCAN:
	case SQL_ATTR_CONCURRENCY:
	case SQL_ATTR_CURSOR_TYPE:
	case SQL_ATTR_KEYSET_SIZE:
	case SQL_ATTR_RETRIEVE_DATA:
	case SQL_ATTR_SIMULATE_CURSOR:
	case SQL_ATTR_USE_BOOKMARKS:
	case SQL_ROWSET_SIZE:
	case SQL_BIND_TYPE:
		return stmt_default_attr(dbc, attr, value);
	default:
		if (attr >= CONN_PGOPT_FIRST && attr <= CONN_PGOPT_LAST)
			return conn_set_pgopt(dbc, attr, (SQLINTEGER)(intptr_t)value);
		/* psqlODBC: an attribute past the ODBC 2 options' range is not
		 * for this driver (HY092), an unknown one within it HYC00 */
		if (attr >= 65536)
			return diag_set(&dbc->diag, "HY092", DIAG_N_CONN_OPTION_NOT_FOR_DRIVER,
			                "Couldn't set unsupported connect attribute %d", (int)attr);
		return diag_set(&dbc->diag, "HYC00", DIAG_N_CONN_UNSUPPORTED_OPTION,
		                "connection attribute %d is not supported", (int)attr);
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
		v = SQL_MODE_READ_WRITE;
		break;
	case SQL_ATTR_PACKET_SIZE:
		v = 4096;
		break;
	case SQL_ATTR_QUIET_MODE:
		v = 0;
		break;
	case SQL_ATTR_TRANSLATE_LIB:
	case SQL_ATTR_TRANSLATE_OPTION:
		return SQL_SUCCESS; /* psqlODBC answers without a value */
	case SQL_ATTR_TXN_ISOLATION:
		if (dbc->txn_isolation == 0 && dbc->pg == NULL)
			return SQL_NO_DATA;
		v = dbc->txn_isolation ? dbc->txn_isolation : SQL_TXN_READ_COMMITTED;
		break;
	case SQL_ATTR_ASYNC_ENABLE:
		v = SQL_ASYNC_ENABLE_OFF;
		break;
	case SQL_ATTR_AUTO_IPD:
		v = SQL_FALSE;
		break;
	case SQL_ATTR_ANSI_APP:
		v = dbc->unicode_app ? SQL_AA_FALSE : SQL_AA_TRUE;
		break;
	case SQL_ATTR_CONNECTION_DEAD:
		v = (dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK) ? SQL_CD_TRUE : SQL_CD_FALSE;
		break;
	case SQL_ATTR_CURRENT_CATALOG: {
		const char *db = dbc->pg ? PQdb(dbc->pg) : "";
		if (conv_put_str_int(db, value, buflen, len))
			return diag_add(&dbc->diag, "01004", "string data, right truncated: the database name");
		return SQL_SUCCESS;
	}
	default:
		if (attr >= CONN_PGOPT_FIRST && attr <= CONN_PGOPT_LAST) {
			if (value)
				*(SQLINTEGER *)value = conn_get_pgopt(dbc, attr);
			if (len)
				*len = sizeof(SQLINTEGER);
			return SQL_SUCCESS;
		}
		return diag_set(&dbc->diag, "HYC00", DIAG_N_CONN_UNSUPPORTED_OPTION,
		                "connection attribute %d is not supported", (int)attr);
	}
	if (value)
		*(SQLUINTEGER *)value = v;
	if (len)
		*len = sizeof(SQLUINTEGER);
	return SQL_SUCCESS;
}
