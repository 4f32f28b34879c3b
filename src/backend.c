/*
 * backend.c - backend connections through libpq (see backend.h).
 *
 * Functions prefix: be_
 */
#include "src/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Settings PostgreSQL reports with ParameterStatus (GUC_REPORT) up to PostgreSQL 16. */
const char *const be_reported_params[] = {"application_name",
                                          "client_encoding",
                                          "DateStyle",
                                          "default_transaction_read_only",
                                          "in_hot_standby",
                                          "integer_datetimes",
                                          "IntervalStyle",
                                          "is_superuser",
                                          "scram_iterations",
                                          "server_encoding",
                                          "server_version",
                                          "session_authorization",
                                          "standard_conforming_strings",
                                          "TimeZone",
                                          NULL};

/* Append "-c name=value" to opts, escaping spaces and backslashes as the backend expects. */
static void add_option(char *opts, size_t n, const char *name, const char *value)
{
	size_t len = strlen(opts);
	len += (size_t)snprintf(opts + len, len < n ? n - len : 0, "%s-c ", len > 0 ? " " : "");
	const char *parts[3] = {name, "=", value};
	for (int k = 0; k < 3; k++) {
		for (const char *p = parts[k]; *p != '\0' && len + 3 < n; p++) {
			if ((*p == ' ' || *p == '\\') && k != 1)
				opts[len++] = '\\';
			opts[len++] = *p;
		}
	}
	if (len < n)
		opts[len] = '\0';
}

/* Guess the SQLSTATE of a refused connection from libpq's message (libpq keeps no code). */
static const char *guess_sqlstate(const char *msg)
{
	if (strstr(msg, "password authentication failed") != NULL)
		return "28P01";
	if (strstr(msg, "database") != NULL && strstr(msg, "does not exist") != NULL)
		return "3D000";
	if (strstr(msg, "too many clients") != NULL || strstr(msg, "connection slots") != NULL)
		return "53300";
	if (strstr(msg, "role") != NULL || strstr(msg, "pg_hba.conf") != NULL || strstr(msg, "permitted") != NULL)
		return "28000";
	return "08006";
}

void be_connect(const char *backend, const char *user, const char *dbname, const char *password, const be_param *params,
                int nparams, be_result *out)
{
	memset(out, 0, sizeof(*out));
	char *perr = NULL;
	PQconninfoOption *base = PQconninfoParse(backend, &perr);
	if (base == NULL) {
		out->status = BE_REFUSED;
		snprintf(out->sqlstate, sizeof(out->sqlstate), "08006");
		snprintf(out->message, sizeof(out->message), "backend connection string is invalid: %s",
		         perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return;
	}

	enum { MAXKW = 64 };
	const char *kw[MAXKW + 16];
	const char *val[MAXKW + 16];
	int n = 0;
	for (PQconninfoOption *o = base; o->keyword != NULL && n < MAXKW; o++) {
		if (o->val != NULL && o->val[0] != '\0') {
			kw[n] = o->keyword;
			val[n++] = o->val;
		}
	}

	char options[4096] = "";
	const char *appname = "";
	const char *encoding = "";
	for (int i = 0; i < nparams; i++) {
		if (strcmp(params[i].name, "application_name") == 0)
			appname = params[i].value;
		else if (strcmp(params[i].name, "client_encoding") == 0)
			encoding = params[i].value;
		else if (strcmp(params[i].name, "options") == 0) {
			size_t len = strlen(options);
			snprintf(options + len, sizeof(options) - len, "%s%s", len > 0 ? " " : "", params[i].value);
		} else
			add_option(options, sizeof(options), params[i].name, params[i].value);
	}

	/* Later entries win in PQconnectdbParams: the session's own settings come last. */
	const char *const session[][2] = {
	        {"user", user},
	        {"dbname", dbname},
	        {"password", password != NULL ? password : ""},
	        /* never the daemon's ~/.pgpass: the client proves itself */
	        {"passfile", "/nonexistent/cbcached-uses-no-passfile"},
	        {"options", options},
	        {"application_name", appname},
	        {"client_encoding", encoding},
	        /* the session relays raw protocol on the socket */
	        {"sslmode", "disable"},
	        {"gssencmode", "disable"},
	};
	for (size_t i = 0; i < CB_ARRAY_LEN(session); i++) {
		kw[n] = session[i][0];
		val[n++] = session[i][1];
	}
	kw[n] = NULL;
	val[n] = NULL;

	/* expand_dbname = 0: a client's database name is never read as a conninfo */
	PGconn *conn = PQconnectdbParams(kw, val, 0);
	PQconninfoFree(base);
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
		out->status = BE_OK;
		out->conn = conn;
		return;
	}
	if (conn != NULL && PQconnectionNeedsPassword(conn) && (password == NULL || password[0] == '\0')) {
		out->status = BE_NEED_PASSWORD;
		PQfinish(conn);
		return;
	}
	out->status = BE_REFUSED;
	const char *msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
	/* keep the server's text: after the last "FATAL:  " if there is one */
	const char *fatal = strstr(msg, "FATAL:  ");
	const char *text = fatal != NULL ? fatal + 8 : msg;
	if (fatal != NULL)
		snprintf(out->message, sizeof(out->message), "%s", text);
	else /* no answer from a server: say that it is cbcached's backend that is unreachable */
		snprintf(out->message, sizeof(out->message),
		         "cbcached cannot reach its backend (check backend in cbcache.conf and that PostgreSQL runs): "
		         "%s",
		         text);
	size_t len = strlen(out->message);
	while (len > 0 && (out->message[len - 1] == '\n' || out->message[len - 1] == ' '))
		out->message[--len] = '\0';
	snprintf(out->sqlstate, sizeof(out->sqlstate), "%s", fatal != NULL ? guess_sqlstate(text) : "08006");
	PQfinish(conn);
}
