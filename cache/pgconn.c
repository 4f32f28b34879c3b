/*
 * pgconn.c - connections to the backend as the cache reads it (see
 * pgconn.h).
 *
 * Functions prefix: pgconn_
 */
#include "cache/pgconn.h"

#include "common/sb.h"

bool pgconn_connect(const char *conninfo, PGconn **out, cb_error *err)
{
	PGconn *pg = PQconnectdb(conninfo ? conninfo : "");
	if (PQstatus(pg) != CONNECTION_OK) {
		cb_error_set(err,
		             "cannot connect to the backend: %s; check the backend conninfo and that PostgreSQL runs",
		             PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	PGresult *res =
	        PQexec(pg, "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; "
	                   "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		cb_error_set(err, "cannot set the backend session settings: %s", PQerrorMessage(pg));
		PQclear(res);
		PQfinish(pg);
		return false;
	}
	PQclear(res);
	*out = pg;
	return true;
}

char *pgconn_text_array(const char *const *vals, size_t n)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "{");
	for (size_t i = 0; i < n; i++) {
		cb_sb_put(&sb, i ? ",\"" : "\"");
		for (const char *p = vals[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				cb_sb_putn(&sb, "\\", 1);
			cb_sb_putn(&sb, p, 1);
		}
		cb_sb_put(&sb, "\"");
	}
	cb_sb_put(&sb, "}");
	return cb_sb_finish(&sb);
}
