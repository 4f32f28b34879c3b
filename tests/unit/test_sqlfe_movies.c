/*
 * The movie schema (examples/movies/schema.sql) and the cache group the
 * sqlfe unit tests assume: tables ort, genre (complete), regisseur, film,
 * darsteller, darst_film; fill regisseur.id; fill film.genre values (1,2,3);
 * rcc regisseur.id -> film.regie; rcc regisseur.wohnort -> ort.plz;
 * rcc film.ort -> ort.plz; rcc film.id -> darst_film.fid;
 * rcc darst_film.did -> darsteller.id; unique columns = single-column
 * primary keys and unique constraints.  Table OIDs are 16001.. in order.
 */
#include <stdio.h>

#include <sqlite3.h>

#include "hit/reader.h"
#include "sql/schema.h"
#include "sql/types.h"

/* Shared with the tests that link this file. */
sqlfe_schema *movies_schema(bool collation_c);
sqlite3 *movies_cache_db(const sqlfe_schema *s);

#define VARCHAR_TYPMOD(n) ((n) + 4)
#define NUMERIC_TYPMOD(p, s) ((((p) << 16) | (s)) + 4)

static int movies_col(sqlfe_schema *s, int t, const char *name, uint32_t oid, int32_t typmod, const char *tname,
                      unsigned flags)
{
	return sqlfe_schema_add_column(s, t, name, oid, typmod, tname, (int16_t)(s->tables[t].ncols + 1), flags);
}

/* Returns NULL on failure. */
sqlfe_schema *movies_schema(bool collation_c)
{
	sqlfe_schema *s = sqlfe_schema_new("public");
	int t;
	bool good = true;

	if (s == NULL)
		return NULL;
	s->collation_c = collation_c;
	t = sqlfe_schema_add_table(s, "ort", 16001, false);
	good &= movies_col(s, t, "plz", PGTYPE_OID_VARCHAR, VARCHAR_TYPMOD(5), "varchar", SQLFE_COL_UNIQUE) >= 0;
	good &= movies_col(s, t, "name", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	t = sqlfe_schema_add_table(s, "genre", 16002, true);
	good &= movies_col(s, t, "id", PGTYPE_OID_INT4, -1, "int4", SQLFE_COL_UNIQUE) >= 0;
	good &= movies_col(s, t, "name", PGTYPE_OID_TEXT, -1, "text", SQLFE_COL_UNIQUE) >= 0;
	t = sqlfe_schema_add_table(s, "regisseur", 16003, false);
	good &= movies_col(s, t, "id", PGTYPE_OID_INT4, -1, "int4", SQLFE_COL_UNIQUE | SQLFE_COL_FILL) >= 0;
	good &= movies_col(s, t, "vname", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	good &= movies_col(s, t, "nname", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	good &= movies_col(s, t, "wohnort", PGTYPE_OID_VARCHAR, VARCHAR_TYPMOD(5), "varchar", 0) >= 0;
	t = sqlfe_schema_add_table(s, "film", 16004, false);
	good &= movies_col(s, t, "id", PGTYPE_OID_INT4, -1, "int4", SQLFE_COL_UNIQUE) >= 0;
	good &= movies_col(s, t, "titel", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	good &= movies_col(s, t, "ort", PGTYPE_OID_VARCHAR, VARCHAR_TYPMOD(5), "varchar", 0) >= 0;
	good &= movies_col(s, t, "genre", PGTYPE_OID_INT4, -1, "int4", SQLFE_COL_FILL) >= 0;
	good &= movies_col(s, t, "regie", PGTYPE_OID_INT4, -1, "int4", 0) >= 0;
	good &= movies_col(s, t, "jahr", PGTYPE_OID_INT4, -1, "int4", 0) >= 0;
	good &= movies_col(s, t, "laenge_min", PGTYPE_OID_INT4, -1, "int4", 0) >= 0;
	good &= movies_col(s, t, "budget", PGTYPE_OID_NUMERIC, NUMERIC_TYPMOD(12, 2), "numeric", 0) >= 0;
	good &= movies_col(s, t, "bewertung", PGTYPE_OID_FLOAT8, -1, "float8", 0) >= 0;
	good &= movies_col(s, t, "erschienen", PGTYPE_OID_DATE, -1, "date", 0) >= 0;
	good &= movies_col(s, t, "geaendert", PGTYPE_OID_TIMESTAMPTZ, -1, "timestamptz", 0) >= 0;
	good &= movies_col(s, t, "farbe", PGTYPE_OID_BOOL, -1, "boolean", 0) >= 0;
	t = sqlfe_schema_add_table(s, "darsteller", 16005, false);
	good &= movies_col(s, t, "id", PGTYPE_OID_INT4, -1, "int4", SQLFE_COL_UNIQUE) >= 0;
	good &= movies_col(s, t, "vname", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	good &= movies_col(s, t, "nname", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	good &= movies_col(s, t, "wohnort", PGTYPE_OID_VARCHAR, VARCHAR_TYPMOD(5), "varchar", 0) >= 0;
	t = sqlfe_schema_add_table(s, "darst_film", 16006, false);
	good &= movies_col(s, t, "did", PGTYPE_OID_INT4, -1, "int4", 0) >= 0;
	good &= movies_col(s, t, "fid", PGTYPE_OID_INT4, -1, "int4", 0) >= 0;
	good &= movies_col(s, t, "rolle", PGTYPE_OID_TEXT, -1, "text", 0) >= 0;
	good &= sqlfe_schema_add_rcc(s, "regisseur", "id", "film", "regie");
	good &= sqlfe_schema_add_rcc(s, "regisseur", "wohnort", "ort", "plz");
	good &= sqlfe_schema_add_rcc(s, "film", "ort", "ort", "plz");
	good &= sqlfe_schema_add_rcc(s, "film", "id", "darst_film", "fid");
	good &= sqlfe_schema_add_rcc(s, "darst_film", "did", "darsteller", "id");
	if (!good || s->ntables != 6) {
		sqlfe_schema_free(s);
		return NULL;
	}
	return s;
}

/*
 * An in-memory SQLite DB with empty cache tables of s (storage classes of
 * sql/types.h) and the functions translated SQL calls (hit/reader.h); NULL
 * on failure.
 */
sqlite3 *movies_cache_db(const sqlfe_schema *s)
{
	char ddl[4096];
	sqlite3 *db;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return NULL;
	static reader_locale no_locale; /* compiles SQL that names it; these tables stay empty */
	if (!reader_add_functions(db, NULL) || !reader_add_locale(db, &no_locale))
		goto fail;
	for (int t = 0; t < s->ntables; t++) {
		size_t n = (size_t)snprintf(ddl, sizeof(ddl), "CREATE TABLE \"%s\" (", s->tables[t].name);
		for (int c = 0; c < s->tables[t].ncols; c++) {
			const pgtype *ty = pgtype_output(s->tables[t].cols[c].type_oid);
			if (ty == NULL || n >= sizeof(ddl))
				goto fail;
			n += (size_t)snprintf(ddl + n, sizeof(ddl) - n, "%s\"%s\" %s", c ? ", " : "",
			                      s->tables[t].cols[c].name, pgtype_sqlite_decl(ty->storage));
		}
		if (n >= sizeof(ddl))
			goto fail;
		snprintf(ddl + n, sizeof(ddl) - n, ")");
		if (sqlite3_exec(db, ddl, NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", ddl, sqlite3_errmsg(db));
			goto fail;
		}
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}
