/*
 * environ.c - the ODBC environment handle: ODBC version and pooling
 * attributes, and the list of its connections.
 *
 * Functions prefix: env_
 */
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/environ.h"

SQLRETURN env_alloc(cbo_env **out)
{
	cbo_env *env = calloc(1, sizeof(*env));
	if (env == NULL)
		return SQL_ERROR;
	env->magic = CBO_MAGIC_ENV;
	pthread_mutex_init(&env->lock, NULL);
	diag_init(&env->diag, DIAG_ENV);
	env->odbc_version = SQL_OV_ODBC3;
	env->pooling = SQL_CP_OFF;
	env->cp_match = SQL_CP_STRICT_MATCH;
	*out = env;
	return SQL_SUCCESS;
}

SQLRETURN env_free(cbo_env *env)
{
	if (env->conns != NULL)
		return diag_add(&env->diag, "HY010",
		                "function sequence error: the environment still has connections; free them with "
		                "SQLFreeHandle(SQL_HANDLE_DBC) first");
	env->magic = CBO_MAGIC_DEAD;
	diag_free(&env->diag);
	pthread_mutex_destroy(&env->lock);
	free(env);
	return SQL_SUCCESS;
}

SQLRETURN env_set_attr(cbo_env *env, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	SQLINTEGER v = (SQLINTEGER)(intptr_t)value;
	switch (attr) {
	case SQL_ATTR_ODBC_VERSION:
		if (v != SQL_OV_ODBC2 && v != SQL_OV_ODBC3 && v != SQL_OV_ODBC3_80)
			return diag_add(&env->diag, "HY024",
			                "invalid attribute value %d for SQL_ATTR_ODBC_VERSION; use SQL_OV_ODBC3 or "
			                "SQL_OV_ODBC2",
			                (int)v);
		env->odbc_version = v;
		return SQL_SUCCESS;
	case SQL_ATTR_CONNECTION_POOLING:
		env->pooling = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_CP_MATCH:
		env->cp_match = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_OUTPUT_NTS:
		if (v != SQL_TRUE)
			return diag_add(&env->diag, "HYC00",
			                "optional feature not implemented: strings are always NUL-terminated; leave "
			                "SQL_ATTR_OUTPUT_NTS at SQL_TRUE");
		return SQL_SUCCESS;
	default:
		return diag_add(&env->diag, "HY092", "invalid environment attribute %d", (int)attr);
	}
}

SQLRETURN env_get_attr(cbo_env *env, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	SQLINTEGER v;
	switch (attr) {
	case SQL_ATTR_ODBC_VERSION:
		v = env->odbc_version;
		break;
	case SQL_ATTR_CONNECTION_POOLING:
		v = (SQLINTEGER)env->pooling;
		break;
	case SQL_ATTR_CP_MATCH:
		v = (SQLINTEGER)env->cp_match;
		break;
	case SQL_ATTR_OUTPUT_NTS:
		v = SQL_TRUE;
		break;
	default:
		return diag_add(&env->diag, "HY092", "invalid environment attribute %d", (int)attr);
	}
	if (value)
		*(SQLINTEGER *)value = v;
	if (len)
		*len = sizeof(SQLINTEGER);
	return SQL_SUCCESS;
}
