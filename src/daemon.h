/*
 * daemon.h - forward typedefs and the error struct shared by the modules of
 * cbcached and cbcache-admin (src/).
 *
 * Functions prefix: cbd_
 *
 * Every function of src/ that can fail returns a status and fills a
 * cbd_error with a message that names the cause and the fix.
 */
#ifndef CBD_DAEMON_H
#define CBD_DAEMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "src/cbcache.h"

#define CBD_ERROR_MAX 1024

typedef struct cbd_error {
	char msg[CBD_ERROR_MAX];
} cbd_error;

typedef struct cfg_config cfg_config;
typedef struct sess_session sess_session;

/* Fill err (may be NULL) with a formatted message; returns false. */
static inline CB_PRINTF(2, 3) bool cbd_fail(cbd_error *err, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return false;
}

#endif /* CBD_DAEMON_H */
