/*
 * sesscheck.c - the settings check (see sesscheck.h).
 *
 * Functions prefix: sesscheck_
 */
#include "hit/sesscheck.h"

#include <stdlib.h>
#include <string.h>

#include "common/sb.h"

/*
 * The settings a backend answer's bytes (or its rows) may depend on, apart
 * from the role: output styles, locale categories, how text is parsed.
 */
static const char *const answer_settings[] = {"search_path",
                                              "TimeZone",
                                              "DateStyle",
                                              "IntervalStyle",
                                              "extra_float_digits",
                                              "client_encoding",
                                              "standard_conforming_strings",
                                              "lc_monetary",
                                              "lc_numeric",
                                              "lc_time",
                                              "bytea_output",
                                              "default_text_search_config",
                                              "xmloption",
                                              "transform_null_equals",
                                              "array_nulls",
                                              "backslash_quote",
                                              "quote_all_identifiers",
                                              "timezone_abbreviations",
                                              "client_min_messages",
                                              "escape_string_warning",
                                              "row_security",
                                              NULL};

char *sesscheck_sql(size_t ntables)
{
	cb_sb sql;
	cb_sb_init(&sql);
	cb_sb_put(&sql, "SELECT pg_catalog.current_setting('extra_float_digits'), "
	                "pg_catalog.current_setting('default_transaction_isolation'), "
	                "pg_catalog.concat_ws(E'\\n', current_user");
	for (size_t i = 0; answer_settings[i] != NULL; i++)
		cb_sb_printf(&sql, ", pg_catalog.current_setting('%s')", answer_settings[i]);
	cb_sb_put(&sql, ")");
	for (size_t t = 0; t < ntables; t++) {
		size_t name = 2 * t + 1, oid = 2 * t + 2;
		cb_sb_printf(&sql,
		             ", coalesce(pg_catalog.to_regclass($%zu)::pg_catalog.oid = $%zu AND "
		             "pg_catalog.has_table_privilege($%zu, 'SELECT') AND NOT (SELECT "
		             "c.relrowsecurity FROM pg_catalog.pg_class c WHERE c.oid = $%zu), false)",
		             name, oid, oid, oid);
	}
	return cb_sb_finish(&sql);
}

bool sesscheck_read(const char *const *vals, const int *lens, int ncols, size_t ngroups, const size_t *ntables,
                    sesscheck_row *out)
{
	memset(out, 0, sizeof(*out));
	size_t total = 0;
	if (ngroups > sizeof(out->readable) / sizeof(out->readable[0]))
		return false;
	for (size_t g = 0; g < ngroups; g++) {
		if (ntables[g] > 64)
			return false;
		total += ntables[g];
	}
	if (ncols < 3 || (size_t)ncols != total + 3)
		return false;
	char v[16];
	if (lens[0] < 0 || (size_t)lens[0] >= sizeof(v))
		return false;
	memcpy(v, vals[0], (size_t)lens[0]);
	v[lens[0]] = '\0';
	char *e;
	long efd = strtol(v, &e, 10);
	if (e == v || *e != '\0' || efd < -15 || efd > 3)
		return false;
	out->extra_float_digits = (int)efd;
	size_t l = lens[1] < 0 ? 0 : (size_t)lens[1];
	out->default_read_committed = (l == 14 && memcmp(vals[1], "read committed", 14) == 0) ||
	                              (l == 16 && memcmp(vals[1], "read uncommitted", 16) == 0);
	out->settings_known = lens[2] >= 0 && (size_t)lens[2] <= sizeof(out->settings);
	if (out->settings_known) {
		memcpy(out->settings, vals[2], (size_t)lens[2]);
		out->settings_len = (size_t)lens[2];
	}
	int c = 3;
	for (size_t g = 0; g < ngroups; g++)
		for (size_t t = 0; t < ntables[g]; t++, c++) {
			if (lens[c] < 0)
				return false;
			if (lens[c] == 1 && vals[c][0] == 't')
				out->readable[g] |= (uint64_t)1 << t;
		}
	return true;
}
