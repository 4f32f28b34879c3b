/*
 * error.h - the one error type of cbcache.
 *
 * Functions prefix: cb_error_ (and cb_fail)
 *
 * A function that can fail returns a status (bool, NULL or an enum) and,
 * when it failed, fills the caller's cb_error with one line that names the
 * cause and the fix.  The caller may pass NULL when it does not want the
 * message.  A message is formatted once, where the failure is understood;
 * a caller that adds context prefixes it with cb_error_prefix() instead of
 * copying it into another buffer.
 */
#ifndef CB_ERROR_H
#define CB_ERROR_H

#include <stdbool.h>

#include "common/contract.h"

#define CB_ERROR_MAX 1024

typedef struct cb_error {
	char msg[CB_ERROR_MAX];
} cb_error;

/* Set err (may be NULL) to a formatted message. */
CB_PRINTF(2, 3) void cb_error_set(cb_error *err, const char *fmt, ...);
/* cb_error_set, returning false: `return cb_fail(err, "...")`. */
CB_PRINTF(2, 3) bool cb_fail(cb_error *err, const char *fmt, ...);
/* Put a formatted prefix in front of err's message (may be NULL). */
CB_PRINTF(2, 3) void cb_error_prefix(cb_error *err, const char *fmt, ...);
/* Empty the message. */
void cb_error_clear(cb_error *err);

#endif /* CB_ERROR_H */
