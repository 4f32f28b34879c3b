/*
 * pgconn.h - connections to the backend as the cache reads it.
 *
 * Functions prefix: pgconn_
 *
 * Every backend read of the cache (catalog resolution, fills, the
 * checker, the replication stream's snapshots) runs under fixed session
 * settings, so the text output of a value is the one the cache stores and
 * renders: DateStyle ISO, IntervalStyle postgres, extra_float_digits 1,
 * bytea_output hex, client_encoding UTF8.  Value sets travel as one array
 * parameter (`= ANY ($1::type[])`) built by pgconn_text_array().
 */
#ifndef CB_PGCONN_H
#define CB_PGCONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/contract.h"
#include "common/error.h"

/* Connect to conninfo and set the cache's session settings; false with err. */
CB_MUSTCHECK bool pgconn_connect(const char *conninfo, PGconn **out, cb_error *err);

/* A PostgreSQL array literal {"a","b"} of n texts.  Caller frees; NULL on OOM. */
CB_MUSTCHECK char *pgconn_text_array(const char *const *vals, size_t n);

#endif /* CB_PGCONN_H */
