/*
 * error.c - the one error type of cbcache (see error.h).
 *
 * Functions prefix: cb_error_ (and cb_fail)
 */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static CB_PRINTF(2, 0) void vset(cb_error *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

void cb_error_set(cb_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
}

bool cb_fail(cb_error *err, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vset(err, fmt, ap);
		va_end(ap);
	}
	return false;
}

void cb_error_prefix(cb_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return;
	char prefix[CB_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	size_t plen = (size_t)n < sizeof(prefix) ? (size_t)n : sizeof(prefix) - 1;
	size_t mlen = strlen(err->msg);
	if (plen + mlen >= sizeof(err->msg))
		mlen = sizeof(err->msg) - 1 - plen;
	memmove(err->msg + plen, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + mlen] = '\0';
}

void cb_error_clear(cb_error *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
}
