/*
 * diag.c - diagnostic records of an ODBC handle.
 *
 * Functions prefix: diag_
 *
 * Records are kept in an array that grows on demand.  When memory runs out
 * the record is dropped and one fixed HY001 record is reported instead, so
 * a failing allocation never hides that an error happened.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/diag.h"
#include "odbc-driver/convert.h"

void diag_init(cbo_diag *d)
{
	memset(d, 0, sizeof(*d));
	d->row_count = -1;
}

void diag_clear(cbo_diag *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->recs[i].msg);
	d->n = 0;
	d->lost_records = false;
	d->ret = SQL_SUCCESS;
}

void diag_free(cbo_diag *d)
{
	diag_clear(d);
	free(d->recs);
	d->recs = NULL;
	d->cap = 0;
}

static SQLRETURN diag_ret_for(const char *state)
{
	return (state[0] == '0' && state[1] == '1') ? SQL_SUCCESS_WITH_INFO : SQL_ERROR;
}

/* Takes ownership of msg (may be NULL: out of memory). */
static void diag_push(cbo_diag *d, const char *state, SQLINTEGER native, char *msg)
{
	if (msg == NULL) {
		d->lost_records = true;
		return;
	}
	if (d->n == d->cap) {
		int ncap = d->cap ? d->cap * 2 : 4;
		diag_rec *nr = realloc(d->recs, (size_t)ncap * sizeof(*nr));
		if (nr == NULL) {
			free(msg);
			d->lost_records = true;
			return;
		}
		d->recs = nr;
		d->cap = ncap;
	}
	diag_rec *r = &d->recs[d->n++];
	snprintf(r->state, sizeof(r->state), "%.5s", state);
	r->native = native;
	r->msg = msg;
}

SQLRETURN diag_add(cbo_diag *d, const char *state, const char *fmt, ...)
{
	va_list ap;
	char *body = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&body, fmt, ap);
	va_end(ap);
	char *msg = NULL;
	if (n >= 0) {
		if (asprintf(&msg, CBO_MSG_PREFIX " %s", body) < 0)
			msg = NULL;
		free(body);
	}
	diag_push(d, state, 0, msg);
	return diag_ret_for(state);
}

/* Strip trailing newlines libpq leaves on its messages. */
static void diag_chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

SQLRETURN diag_add_pg(cbo_diag *d, PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	bool lost = conn != NULL && PQstatus(conn) == CONNECTION_BAD;
	char *msg = NULL;
	int n;

	if (lost || state == NULL) {
		/* No SQLSTATE from the backend: the connection failed underneath. */
		const char *cause = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		char *text = strdup(cause ? cause : conn ? PQerrorMessage(conn) : "no connection");
		if (text == NULL) {
			diag_push(d, "HY001", 0, NULL);
			return SQL_ERROR;
		}
		diag_chomp(text);
		if (lost)
			n = asprintf(&msg,
			             CBO_MSG_PREFIX " the connection to the server was lost: %s; "
			                            "check the server and connect again (SQLDisconnect, SQLConnect)",
			             text[0] ? text : "no reason given");
		else
			n = asprintf(&msg, CBO_MSG_PREFIX " %s", text[0] ? text : "the server reported an error");
		free(text);
		diag_push(d, lost ? "08S01" : "HY000", 0, n < 0 ? NULL : msg);
		return SQL_ERROR;
	}

	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	n = asprintf(&msg, CBO_MSG_PREFIX "[PostgreSQL] %s: %s%s%s%s%s", sev ? sev : "ERROR",
	             primary ? primary : "(no message)", detail ? "; DETAIL: " : "", detail ? detail : "",
	             hint ? "; HINT: " : "", hint ? hint : "");
	diag_push(d, state, 0, n < 0 ? NULL : msg);
	return SQL_ERROR;
}

bool diag_has_state(const cbo_diag *d, const char *state)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->recs[i].state, state) == 0)
			return true;
	return false;
}

/* The records as the caller sees them: the fixed HY001 record last. */
static int diag_count(const cbo_diag *d)
{
	return d->n + (d->lost_records ? 1 : 0);
}

static void diag_nth(const cbo_diag *d, int i, const char **state, SQLINTEGER *native, const char **msg)
{
	if (i < d->n) {
		*state = d->recs[i].state;
		*native = d->recs[i].native;
		*msg = d->recs[i].msg;
	} else {
		*state = "HY001";
		*native = 0;
		*msg = CBO_MSG_PREFIX " out of memory while recording a diagnostic; free memory and retry";
	}
}

SQLRETURN diag_get_rec(cbo_diag *d, SQLSMALLINT recno, SQLCHAR *state, SQLINTEGER *native, SQLCHAR *msg,
                       SQLSMALLINT buflen, SQLSMALLINT *textlen)
{
	if (recno < 1 || buflen < 0)
		return SQL_ERROR;
	if (recno > diag_count(d))
		return SQL_NO_DATA;
	const char *st, *m;
	SQLINTEGER nat;
	diag_nth(d, recno - 1, &st, &nat, &m);
	if (state)
		memcpy(state, st, 6);
	if (native)
		*native = nat;
	return conv_put_str_small(m, msg, buflen, textlen) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN diag_get_field(cbo_diag *d, SQLSMALLINT handle_type, SQLSMALLINT recno, SQLSMALLINT id, SQLPOINTER info,
                         SQLSMALLINT buflen, SQLSMALLINT *len)
{
	/* header fields */
	switch (id) {
	case SQL_DIAG_NUMBER:
		if (info)
			*(SQLINTEGER *)info = diag_count(d);
		return SQL_SUCCESS;
	case SQL_DIAG_RETURNCODE:
		if (info)
			*(SQLRETURN *)info = d->ret;
		return SQL_SUCCESS;
	case SQL_DIAG_ROW_COUNT:
	case SQL_DIAG_CURSOR_ROW_COUNT:
		if (handle_type != SQL_HANDLE_STMT)
			return SQL_ERROR;
		if (info)
			*(SQLLEN *)info = d->row_count;
		return SQL_SUCCESS;
	case SQL_DIAG_DYNAMIC_FUNCTION:
		if (handle_type != SQL_HANDLE_STMT)
			return SQL_ERROR;
		return conv_put_str_small("", info, buflen, len) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
	case SQL_DIAG_DYNAMIC_FUNCTION_CODE:
		if (handle_type != SQL_HANDLE_STMT)
			return SQL_ERROR;
		if (info)
			*(SQLINTEGER *)info = SQL_DIAG_UNKNOWN_STATEMENT;
		return SQL_SUCCESS;
	default:
		break;
	}

	/* record fields */
	if (recno < 1)
		return SQL_ERROR;
	if (recno > diag_count(d))
		return SQL_NO_DATA;
	const char *st, *m;
	SQLINTEGER nat;
	diag_nth(d, recno - 1, &st, &nat, &m);
	const char *s = NULL;
	switch (id) {
	case SQL_DIAG_SQLSTATE:
		s = st;
		break;
	case SQL_DIAG_MESSAGE_TEXT:
		s = m;
		break;
	case SQL_DIAG_NATIVE:
		if (info)
			*(SQLINTEGER *)info = nat;
		return SQL_SUCCESS;
	case SQL_DIAG_CLASS_ORIGIN:
	case SQL_DIAG_SUBCLASS_ORIGIN:
		/* ISO 9075 classes; IM (driver manager) and 01S/HY are ODBC 3.0 */
		s = (strncmp(st, "IM", 2) == 0 || strncmp(st, "HY", 2) == 0 ||
		     (id == SQL_DIAG_SUBCLASS_ORIGIN && st[2] == 'S'))
		            ? "ODBC 3.0"
		            : "ISO 9075";
		break;
	case SQL_DIAG_CONNECTION_NAME:
	case SQL_DIAG_SERVER_NAME:
		s = "";
		break;
	case SQL_DIAG_ROW_NUMBER:
		if (info)
			*(SQLLEN *)info = SQL_ROW_NUMBER_UNKNOWN;
		return SQL_SUCCESS;
	case SQL_DIAG_COLUMN_NUMBER:
		if (info)
			*(SQLINTEGER *)info = SQL_COLUMN_NUMBER_UNKNOWN;
		return SQL_SUCCESS;
	default:
		return SQL_ERROR;
	}
	return conv_put_str_small(s, info, buflen, len) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}
