/*
 * diag.h - diagnostic records of an ODBC handle.
 *
 * Functions prefix: diag_
 *
 * Every handle owns one cbo_diag.  The exported wrappers clear it on entry
 * (odbcapi.c), internal functions add records (SQLSTATE, message) and
 * SQLGetDiagRec/SQLGetDiagField read them back.
 */
#ifndef CBO_DIAG_H
#define CBO_DIAG_H

#include "odbc-driver/driver.h"

typedef struct diag_rec {
	char state[6];
	SQLINTEGER native;
	char *msg; /* owned; never NULL */
} diag_rec;

struct cbo_diag {
	diag_rec *recs;
	int n;
	int cap;
	SQLRETURN ret;     /* return code of the last function on the handle */
	SQLLEN row_count;  /* SQL_DIAG_ROW_COUNT */
	bool lost_records; /* out of memory while adding a record */
};

void diag_init(cbo_diag *d);
/* Remove every record; the struct stays usable. */
void diag_clear(cbo_diag *d);
/* Free the records (at handle free). */
void diag_free(cbo_diag *d);
/* Add a record.  Returns SQL_ERROR, or SQL_SUCCESS_WITH_INFO when state is
 * a warning (class 01), so callers can `return diag_add(...)`. */
SQLRETURN diag_add(cbo_diag *d, const char *state, const char *fmt, ...) CB_PRINTF(3, 4);
/* Add the backend's error of res (or of conn when res has none): its
 * SQLSTATE and message; 08S01 when the connection is gone.  Returns SQL_ERROR. */
SQLRETURN diag_add_pg(cbo_diag *d, PGconn *conn, const PGresult *res);
/* Whether a record with this SQLSTATE is present. */
bool diag_has_state(const cbo_diag *d, const char *state);

SQLRETURN diag_get_rec(cbo_diag *d, SQLSMALLINT recno, SQLCHAR *state, SQLINTEGER *native, SQLCHAR *msg,
                       SQLSMALLINT buflen, SQLSMALLINT *textlen);
SQLRETURN diag_get_field(cbo_diag *d, SQLSMALLINT handle_type, SQLSMALLINT recno, SQLSMALLINT id, SQLPOINTER info,
                         SQLSMALLINT buflen, SQLSMALLINT *len);

#endif /* CBO_DIAG_H */
