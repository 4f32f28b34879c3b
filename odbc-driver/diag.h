/*
 * diag.h - the diagnostic record of an ODBC handle.
 *
 * Functions prefix: diag_
 *
 * Like psqlODBC, a handle holds one diagnostic at a time: an SQLSTATE, a
 * native error number and a message.  An error replaces whatever was
 * recorded before; a warning or a server notice replaces only another
 * warning, and notices of one call are joined with ';'.  The exported
 * wrappers clear the record on entry (odbcapi.c).  A long message of a
 * statement is handed out in pieces, one piece per record number, each as
 * long as the first caller's buffer allowed (what psqlODBC does, so
 * unixODBC shows the same records for both drivers).
 */
#ifndef CBO_DIAG_H
#define CBO_DIAG_H

#include "odbc-driver/driver.h"

/* Which handle the record belongs to: statements split long messages. */
typedef enum diag_kind { DIAG_ENV, DIAG_DBC, DIAG_STMT, DIAG_DESC } diag_kind;

/*
 * Native error numbers, as psqlODBC reports them (applications print them,
 * pyodbc puts them in its messages).  Statement numbers first.
 */
enum {
	DIAG_N_ERROR_IN_ROW = -6,
	DIAG_N_OPTION_CHANGED = -5,
	DIAG_N_ROW_VERSION_CHANGED = -4,
	DIAG_N_POS_BEFORE_RECORDSET = -3,
	DIAG_N_TRUNCATED = -2,
	DIAG_N_INFO = -1,
	DIAG_N_EXEC = 1,
	DIAG_N_STATUS = 2,
	DIAG_N_SEQUENCE = 3,
	DIAG_N_NO_MEMORY = 4,
	DIAG_N_COLNUM = 5,
	DIAG_N_INTERNAL = 8,
	DIAG_N_NOT_IMPLEMENTED = 10,
	DIAG_N_BAD_PARAMETER_NUMBER = 11,
	DIAG_N_OPTION_OUT_OF_RANGE = 12,
	DIAG_N_INVALID_COLUMN_NUMBER = 13,
	DIAG_N_RESTRICTED_DATA_TYPE = 14,
	DIAG_N_INVALID_CURSOR_STATE = 15,
	DIAG_N_NO_CURSOR_NAME = 17,
	DIAG_N_INVALID_CURSOR_NAME = 18,
	DIAG_N_INVALID_ARGUMENT = 19,
	DIAG_N_ROW_OUT_OF_RANGE = 20,
	DIAG_N_CANCELLED = 21,
	DIAG_N_INVALID_CURSOR_POSITION = 22,
	DIAG_N_VALUE_OUT_OF_RANGE = 23,
	DIAG_N_OPERATION_INVALID = 24,
	DIAG_N_PROGRAM_TYPE_OUT_OF_RANGE = 25,
	DIAG_N_INVALID_OPTION = 27,
	DIAG_N_NULL_WITHOUT_INDICATOR = 28,
	DIAG_N_INVALID_DESCRIPTOR_FIELD = 29,
	DIAG_N_FETCH_OUT_OF_RANGE = 31,
	DIAG_N_OPTION_NOT_FOR_DRIVER = 30,
	DIAG_N_COUNT_FIELD = 32,
	DIAG_N_NULL_ARG = 33,
	DIAG_N_COMMUNICATION = 35,
	DIAG_N_STRING_CONVERSION = 36,
	/* connections */
	DIAG_N_CONN_SERVER_NOT_REACHED = 101,
	DIAG_N_CONN_FATAL = 108,
	DIAG_N_CONN_SERVER_ERROR = 110,
	DIAG_N_CONN_COMMUNICATION = 113,
	DIAG_N_CONN_OPTION_CHANGED = -1,
	DIAG_N_CONN_TRUNCATED = -2,
	DIAG_N_CONN_INIREAD = 201,
	DIAG_N_CONN_OPENDB = 202,
	DIAG_N_CONN_UNSUPPORTED_OPTION = 205,
	DIAG_N_CONN_INVALID_ARGUMENT = 206,
	DIAG_N_CONN_TRANSACT_IN_PROGRESS = 207,
	DIAG_N_CONN_NO_MEMORY = 208,
	DIAG_N_CONN_NOT_IMPLEMENTED = 209,
	DIAG_N_CONN_ILLEGAL_TRANSACT_STATE = 213,
	DIAG_N_CONN_VALUE_OUT_OF_RANGE = 214,
	DIAG_N_CONN_OPTION_NOT_FOR_DRIVER = 216,
	DIAG_N_CONN_EXEC = 217,
	/* environments */
	DIAG_N_ENV_ALLOC = 1,
	DIAG_N_ENV_GENERAL = 2,
};

struct cbo_diag {
	diag_kind kind;
	char state[6];
	SQLINTEGER native;
	char *msg;        /* owned; NULL: no record */
	bool is_notice;   /* the record holds notices (more may be joined) */
	bool lost;        /* out of memory while recording: HY001 is shown */
	int recsize;      /* bytes per record of a split message; -1 before the first read */
	SQLRETURN ret;    /* return code of the last function on the handle */
	SQLLEN row_count; /* SQL_DIAG_ROW_COUNT */
};

/* psqlODBC keeps a message in a 4096-byte buffer: longer ones are cut */
#define DIAG_MSG_MAX 4095

void diag_init(cbo_diag *d, diag_kind kind);
/* Remove the record; the struct stays usable. */
void diag_clear(cbo_diag *d);
/* Free the record (at handle free). */
void diag_free(cbo_diag *d);
/*
 * Record a diagnostic with an explicit native error number.  Returns
 * SQL_ERROR, or SQL_SUCCESS_WITH_INFO for a warning (class 01), so callers
 * can `return diag_set(...)`.
 */
SQLRETURN diag_set(cbo_diag *d, const char *state, SQLINTEGER native, const char *fmt, ...) CB_PRINTF(4, 5);
/* The same with the native number psqlODBC gives that SQLSTATE on this kind of handle. */
SQLRETURN diag_add(cbo_diag *d, const char *state, const char *fmt, ...) CB_PRINTF(3, 4);
/*
 * Record the backend's error of res (or the connection's failure when res
 * has none) the way psqlODBC words it: "SEVERITY: primary", "\nDETAIL:
 * detail" when there is one, then ";\n" and what the driver was doing
 * (e.g. "Error while executing the query").  08S01 when the connection is
 * gone.  Returns SQL_ERROR.
 */
SQLRETURN diag_add_pg(cbo_diag *d, PGconn *conn, const PGresult *res, const char *doing);
/* A server notice or warning (severity and primary message), joined to the
 * notices recorded before; it never replaces an error. */
void diag_notice(cbo_diag *d, const PGresult *res);
/* Whether the record's SQLSTATE is state. */
bool diag_has_state(const cbo_diag *d, const char *state);
/* Whether an error (not a warning or notice) is recorded. */
bool diag_has_error(const cbo_diag *d);
/* Copy the record of src into d (SQLEndTran on an environment, descriptors). */
void diag_copy(cbo_diag *d, const cbo_diag *src);

SQLRETURN diag_get_rec(cbo_diag *d, SQLSMALLINT recno, SQLCHAR *state, SQLINTEGER *native, SQLCHAR *msg,
                       SQLSMALLINT buflen, SQLSMALLINT *textlen);
SQLRETURN diag_get_field(cbo_diag *d, SQLSMALLINT recno, SQLSMALLINT id, SQLPOINTER info, SQLSMALLINT buflen,
                         SQLSMALLINT *len);

#endif /* CBO_DIAG_H */
