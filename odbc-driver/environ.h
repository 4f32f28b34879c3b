/*
 * environ.h - the ODBC environment handle.
 *
 * Functions prefix: env_
 */
#ifndef CBO_ENVIRON_H
#define CBO_ENVIRON_H

#include <pthread.h>

#include "odbc-driver/driver.h"
#include "odbc-driver/diag.h"

struct cbo_env {
	uint32_t magic; /* CBO_MAGIC_ENV */
	pthread_mutex_t lock;
	cbo_diag diag;
	SQLINTEGER odbc_version; /* SQL_OV_ODBC3 unless the application says 2 */
	SQLUINTEGER pooling;
	SQLUINTEGER cp_match;
	cbo_dbc *conns; /* list through cbo_dbc.next */
};

SQLRETURN env_alloc(cbo_env **out);
/* HY010 while connections are still allocated. */
SQLRETURN env_free(cbo_env *env);
SQLRETURN env_set_attr(cbo_env *env, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len);
SQLRETURN env_get_attr(cbo_env *env, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len);

#endif /* CBO_ENVIRON_H */
