/*
 * driver.h - what every module of the ODBC driver shares: the ODBC and
 * libpq headers, the handle typedefs and the magic numbers that tell the
 * handle kinds apart.
 *
 * The handle structs are defined by their modules (environ.h, connection.h,
 * statement.h); this header only names them, so modules can pass pointers
 * around without including each other.
 */
#ifndef CBO_DRIVER_H
#define CBO_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sql.h>
#include <sqlext.h>
#include <libpq-fe.h>

#include "common/contract.h"

#define CBO_DRIVER_NAME "libcbcacheodbc.so"
#define CBO_DRIVER_VER "00.01.0000"

/* First member of every handle: checked before a handle is trusted. */
#define CBO_MAGIC_ENV 0x43424f45u
#define CBO_MAGIC_DBC 0x43424f43u
#define CBO_MAGIC_STMT 0x43424f53u
#define CBO_MAGIC_DESC 0x43424f44u
#define CBO_MAGIC_DEAD 0xdeadbeefu

typedef struct cbo_env cbo_env;
typedef struct cbo_dbc cbo_dbc;
typedef struct cbo_stmt cbo_stmt;
typedef struct cbo_desc cbo_desc;
typedef struct cbo_diag cbo_diag;
typedef struct cbo_options cbo_options;

#endif /* CBO_DRIVER_H */
