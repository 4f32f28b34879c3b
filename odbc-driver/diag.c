/*
 * diag.c - the diagnostic record of an ODBC handle.
 *
 * Functions prefix: diag_
 *
 * One record per handle (see diag.h).  When memory runs out while a
 * record is made, a fixed HY001 record is shown instead, so a failing
 * allocation never hides that something happened.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/diag.h"
#include "odbc-driver/convert.h"

/* Records of statements are split into pieces of this size when the first
 * reader gave no buffer. */
#define DIAG_DEFAULT_RECSIZE 511

static const char diag_oom_msg[] = "Out of memory while recording a diagnostic";

void diag_init(cbo_diag *d, diag_kind kind)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->row_count = 0;
	d->recsize = -1;
}

void diag_clear(cbo_diag *d)
{
	free(d->msg);
	d->msg = NULL;
	d->state[0] = '\0';
	d->native = 0;
	d->is_notice = false;
	d->lost = false;
	d->recsize = -1;
	d->ret = SQL_SUCCESS;
	/* psqlODBC's SQL_DIAG_ROW_COUNT is 0 again at every call; an execution sets it */
	d->row_count = 0;
}

void diag_free(cbo_diag *d)
{
	diag_clear(d);
}

static bool diag_is_warning(const char *state)
{
	return (state[0] == '0' && (state[1] == '1' || state[1] == '0'));
}

static SQLRETURN diag_ret_for(const char *state)
{
	return diag_is_warning(state) ? SQL_SUCCESS_WITH_INFO : SQL_ERROR;
}

/* The native number psqlODBC reports with an SQLSTATE on a handle kind. */
static SQLINTEGER diag_default_native(diag_kind kind, const char *state)
{
	static const struct {
		const char *state;
		SQLINTEGER stmt, dbc;
	} map[] = {
	        {"01004", DIAG_N_TRUNCATED, DIAG_N_CONN_TRUNCATED},
	        {"01S02", DIAG_N_OPTION_CHANGED, DIAG_N_CONN_OPTION_CHANGED},
	        {"01S06", DIAG_N_POS_BEFORE_RECORDSET, DIAG_N_CONN_OPTION_CHANGED},
	        {"01S07", DIAG_N_TRUNCATED, DIAG_N_CONN_TRUNCATED},
	        {"01001", DIAG_N_ROW_VERSION_CHANGED, DIAG_N_CONN_OPTION_CHANGED},
	        {"01S01", DIAG_N_ERROR_IN_ROW, DIAG_N_CONN_OPTION_CHANGED},
	        {"01000", DIAG_N_INFO, DIAG_N_CONN_OPTION_CHANGED},
	        {"HY010", DIAG_N_SEQUENCE, DIAG_N_CONN_TRANSACT_IN_PROGRESS},
	        {"HY001", DIAG_N_NO_MEMORY, DIAG_N_CONN_NO_MEMORY},
	        {"07009", DIAG_N_INVALID_COLUMN_NUMBER, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HYC00", DIAG_N_NOT_IMPLEMENTED, DIAG_N_CONN_NOT_IMPLEMENTED},
	        {"HY092", DIAG_N_INVALID_OPTION, DIAG_N_CONN_UNSUPPORTED_OPTION},
	        {"HY024", DIAG_N_INVALID_ARGUMENT, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY009", DIAG_N_NULL_ARG, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY090", DIAG_N_INVALID_ARGUMENT, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY003", DIAG_N_PROGRAM_TYPE_OUT_OF_RANGE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY004", DIAG_N_INVALID_ARGUMENT, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY091", DIAG_N_INVALID_DESCRIPTOR_FIELD, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY096", DIAG_N_INVALID_OPTION, DIAG_N_CONN_UNSUPPORTED_OPTION},
	        {"HY106", DIAG_N_FETCH_OUT_OF_RANGE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY107", DIAG_N_ROW_OUT_OF_RANGE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY109", DIAG_N_INVALID_CURSOR_POSITION, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"HY011", DIAG_N_OPERATION_INVALID, DIAG_N_CONN_TRANSACT_IN_PROGRESS},
	        {"HY008", DIAG_N_CANCELLED, DIAG_N_CONN_EXEC},
	        {"HY019", DIAG_N_VALUE_OUT_OF_RANGE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"07006", DIAG_N_RESTRICTED_DATA_TYPE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"07005", DIAG_N_INVALID_CURSOR_STATE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"24000", DIAG_N_INVALID_CURSOR_STATE, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"07002", DIAG_N_COUNT_FIELD, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"22002", DIAG_N_NULL_WITHOUT_INDICATOR, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"22003", DIAG_N_VALUE_OUT_OF_RANGE, DIAG_N_CONN_VALUE_OUT_OF_RANGE},
	        {"34000", DIAG_N_INVALID_CURSOR_NAME, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"3C000", DIAG_N_INVALID_CURSOR_NAME, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"S1015", DIAG_N_NO_CURSOR_NAME, DIAG_N_CONN_INVALID_ARGUMENT},
	        {"08S01", DIAG_N_COMMUNICATION, DIAG_N_CONN_COMMUNICATION},
	        {"08003", DIAG_N_COMMUNICATION, DIAG_N_CONN_EXEC},
	        {"08001", DIAG_N_COMMUNICATION, DIAG_N_CONN_SERVER_NOT_REACHED},
	        {"08002", DIAG_N_SEQUENCE, DIAG_N_CONN_OPENDB},
	        {"25000", DIAG_N_SEQUENCE, DIAG_N_CONN_ILLEGAL_TRANSACT_STATE},
	        {"IM002", DIAG_N_EXEC, DIAG_N_CONN_INIREAD},
	};
	for (size_t i = 0; i < CB_ARRAY_LEN(map); i++) {
		if (strcmp(map[i].state, state) == 0) {
			switch (kind) {
			case DIAG_STMT:
			case DIAG_DESC:
				return map[i].stmt;
			case DIAG_DBC:
				return map[i].dbc;
			default:
				return DIAG_N_ENV_GENERAL;
			}
		}
	}
	switch (kind) {
	case DIAG_STMT:
	case DIAG_DESC:
		return DIAG_N_EXEC;
	case DIAG_DBC:
		return DIAG_N_CONN_EXEC;
	default:
		return DIAG_N_ENV_GENERAL;
	}
}

/* Cut a message to psqlODBC's length, back to the start of a UTF-8
 * character (so the wide functions still get valid text). */
static void diag_cap(char *msg)
{
	size_t n = strlen(msg);
	if (n <= DIAG_MSG_MAX)
		return;
	n = DIAG_MSG_MAX;
	while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
		n--;
	msg[n] = '\0';
}

/* Takes ownership of msg (NULL: out of memory). */
static SQLRETURN diag_store(cbo_diag *d, const char *state, SQLINTEGER native, char *msg)
{
	bool warning = diag_is_warning(state);
	if (warning && d->msg != NULL && !diag_is_warning(d->state)) {
		free(msg); /* an error recorded before stays */
		return SQL_SUCCESS_WITH_INFO;
	}
	if (msg == NULL) {
		d->lost = true;
		return diag_ret_for(state);
	}
	diag_cap(msg);
	free(d->msg);
	d->msg = msg;
	snprintf(d->state, sizeof(d->state), "%.5s", state);
	d->native = native;
	d->is_notice = false;
	d->recsize = -1;
	return diag_ret_for(state);
}

static char *diag_vformat(const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	return msg;
}

SQLRETURN diag_set(cbo_diag *d, const char *state, SQLINTEGER native, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = diag_vformat(fmt, ap);
	va_end(ap);
	return diag_store(d, state, native, msg);
}

SQLRETURN diag_add(cbo_diag *d, const char *state, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = diag_vformat(fmt, ap);
	va_end(ap);
	return diag_store(d, state, diag_default_native(d->kind, state), msg);
}

/* Strip the trailing newlines and blanks libpq leaves on its messages. */
static void diag_chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

SQLRETURN diag_add_pg(cbo_diag *d, PGconn *conn, const PGresult *res, const char *doing)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	bool lost = conn != NULL && PQstatus(conn) == CONNECTION_BAD;
	const char *sev = res ? PQresultErrorField(res, PG_DIAG_SEVERITY) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *msg = NULL;
	int n;

	if (state == NULL || primary == NULL) {
		/* no error from the server: the connection failed underneath */
		char *text = strdup(primary ? primary : conn ? PQerrorMessage(conn) : "");
		if (text != NULL)
			diag_chomp(text);
		if (lost || conn == NULL)
			n = asprintf(&msg, "The connection has been lost%s%s", text && text[0] ? ";\n" : "",
			             text ? text : "");
		else
			n = asprintf(&msg, "%s;\n%s", text && text[0] ? text : "no error information",
			             doing ? doing : "Error while executing the query");
		free(text);
		diag_store(d, "08S01", d->kind == DIAG_DBC ? DIAG_N_CONN_COMMUNICATION : DIAG_N_COMMUNICATION,
		           n < 0 ? NULL : msg);
		return SQL_ERROR;
	}
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	SQLINTEGER native = d->kind == DIAG_DBC ? DIAG_N_CONN_SERVER_ERROR : DIAG_N_EXEC;
	if (lost) {
		native = d->kind == DIAG_DBC ? DIAG_N_CONN_COMMUNICATION : DIAG_N_COMMUNICATION;
		doing = "The connection has been lost";
	}
	n = asprintf(&msg, "%s: %s%s%s%s%s", sev ? sev : "ERROR", primary, detail ? "\nDETAIL: " : "",
	             detail ? detail : "", doing ? ";\n" : "", doing ? doing : "");
	diag_store(d, state, native, n < 0 ? NULL : msg);
	return SQL_ERROR;
}

void diag_notice(cbo_diag *d, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (primary == NULL)
		return;
	if (d->msg != NULL && !d->is_notice)
		return; /* an error or a driver warning is already there */
	char *msg = NULL;
	int n = asprintf(&msg, "%s%s%s: %s", d->msg ? d->msg : "", d->msg ? ";" : "", sev ? sev : "NOTICE", primary);
	if (n < 0) {
		d->lost = true;
		return;
	}
	diag_cap(msg);
	free(d->msg);
	d->msg = msg;
	snprintf(d->state, sizeof(d->state), "%.5s", state ? state : "01000");
	d->native = d->kind == DIAG_DBC ? DIAG_N_CONN_OPTION_CHANGED : DIAG_N_INFO;
	d->is_notice = true;
	d->recsize = -1;
}

bool diag_has_state(const cbo_diag *d, const char *state)
{
	return d->msg != NULL && strcmp(d->state, state) == 0;
}

bool diag_has_error(const cbo_diag *d)
{
	return d->lost || (d->msg != NULL && !diag_is_warning(d->state));
}

void diag_copy(cbo_diag *d, const cbo_diag *src)
{
	if (src->lost)
		d->lost = true;
	if (src->msg == NULL)
		return;
	char *m = strdup(src->msg);
	diag_store(d, src->state, src->native, m);
}

/* The record as the caller sees it; false when there is none. */
static bool diag_view(const cbo_diag *d, const char **state, SQLINTEGER *native, const char **msg)
{
	if (d->lost) {
		*state = "HY001";
		*native = d->kind == DIAG_DBC ? DIAG_N_CONN_NO_MEMORY : DIAG_N_NO_MEMORY;
		*msg = diag_oom_msg;
		return true;
	}
	if (d->msg == NULL)
		return false;
	*state = d->state;
	*native = d->native;
	*msg = d->msg;
	return true;
}

/*
 * A statement's message in pieces: the piece size is fixed by the first
 * read (its buffer less the terminator) and by every read of record 1.
 */
static SQLRETURN diag_get_piece(cbo_diag *d, SQLSMALLINT recno, const char *state, SQLINTEGER native, const char *m,
                                SQLCHAR *sqlstate, SQLINTEGER *nativep, SQLCHAR *msg, SQLSMALLINT buflen,
                                SQLSMALLINT *textlen)
{
	size_t msglen = strlen(m);
	if (d->recsize < 0)
		d->recsize = buflen > 0 ? buflen - 1 : DIAG_DEFAULT_RECSIZE;
	else if (recno == 1 && buflen > 0)
		d->recsize = buflen - 1;
	if (d->recsize == 0)
		d->recsize = DIAG_DEFAULT_RECSIZE;
	size_t start = (size_t)(recno - 1) * (size_t)d->recsize;
	if (start > msglen || (start == msglen && recno > 1))
		return SQL_NO_DATA;
	size_t piece = msglen - start;
	if (piece > (size_t)d->recsize)
		piece = (size_t)d->recsize;
	size_t written = 0;
	if (msg != NULL && buflen > 0) {
		written = piece < (size_t)buflen - 1 ? piece : (size_t)buflen - 1;
		memcpy(msg, m + start, written);
		msg[written] = '\0';
	}
	if (textlen)
		*textlen = (SQLSMALLINT)piece;
	if (nativep)
		*nativep = native;
	if (sqlstate)
		memcpy(sqlstate, state, 6);
	return written < piece ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN diag_get_rec(cbo_diag *d, SQLSMALLINT recno, SQLCHAR *state, SQLINTEGER *native, SQLCHAR *msg,
                       SQLSMALLINT buflen, SQLSMALLINT *textlen)
{
	if (recno < 1 || buflen < 0)
		return SQL_ERROR;
	const char *st, *m;
	SQLINTEGER nat;
	if (!diag_view(d, &st, &nat, &m))
		return SQL_NO_DATA;
	if (d->kind == DIAG_STMT)
		return diag_get_piece(d, recno, st, nat, m, state, native, msg, buflen, textlen);
	if (recno != 1)
		return SQL_NO_DATA;
	if (state)
		memcpy(state, st, 6);
	if (native)
		*native = nat;
	return conv_put_str_small(m, msg, buflen, textlen) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

/* How many records the message makes. */
static SQLINTEGER diag_count(cbo_diag *d)
{
	const char *st, *m;
	SQLINTEGER nat;
	if (!diag_view(d, &st, &nat, &m))
		return 0;
	if (d->kind != DIAG_STMT)
		return 1;
	if (d->recsize <= 0)
		d->recsize = DIAG_DEFAULT_RECSIZE;
	size_t len = strlen(m);
	return len == 0 ? 1 : (SQLINTEGER)((len - 1) / (size_t)d->recsize + 1);
}

SQLRETURN diag_get_field(cbo_diag *d, SQLSMALLINT recno, SQLSMALLINT id, SQLPOINTER info, SQLSMALLINT buflen,
                         SQLSMALLINT *len)
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
		if (d->kind != DIAG_STMT)
			return SQL_ERROR;
		if (info)
			*(SQLLEN *)info = d->row_count;
		return SQL_SUCCESS;
	case SQL_DIAG_DYNAMIC_FUNCTION:
	case SQL_DIAG_DYNAMIC_FUNCTION_CODE:
		/* psqlODBC does not know them */
		return SQL_ERROR;
	default:
		break;
	}

	/* record fields */
	if (recno < 1)
		return SQL_ERROR;
	const char *st, *m;
	SQLINTEGER nat;
	if (!diag_view(d, &st, &nat, &m))
		return SQL_NO_DATA;
	switch (id) {
	case SQL_DIAG_SQLSTATE: {
		SQLCHAR s[6];
		SQLRETURN r = diag_get_rec(d, recno, s, NULL, NULL, 0, NULL);
		if (r == SQL_NO_DATA || r == SQL_ERROR)
			return r;
		return conv_put_str_small((const char *)s, info, buflen, len) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
	}
	case SQL_DIAG_MESSAGE_TEXT:
		return diag_get_rec(d, recno, NULL, NULL, info, buflen, len);
	case SQL_DIAG_NATIVE: {
		SQLINTEGER n;
		SQLRETURN r = diag_get_rec(d, recno, NULL, &n, NULL, 0, NULL);
		if (r == SQL_NO_DATA || r == SQL_ERROR)
			return r;
		if (info)
			*(SQLINTEGER *)info = n;
		return SQL_SUCCESS;
	}
	case SQL_DIAG_CLASS_ORIGIN:
	case SQL_DIAG_SUBCLASS_ORIGIN:
	case SQL_DIAG_CONNECTION_NAME:
		/* psqlODBC leaves these empty */
		return conv_put_str_small("", info, buflen, len) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
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
}
