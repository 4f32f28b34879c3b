/*
 * hitschema.c - the SQL front end's view of a compiled cache group.
 *
 * Functions prefix: hitschema_
 */
#include "hit/hitschema.h"

#include <stdio.h>
#include <string.h>

static bool is_fill_column(const cg_group *g, size_t table, const char *column)
{
	for (size_t f = 0; f < g->nfills; f++)
		if (g->fills[f].table == table && strcmp(g->fills[f].column, column) == 0)
			return true;
	return false;
}

static const char *table_schema(const cg_table *t)
{
	return t->nspname != NULL ? t->nspname : "public";
}

sqlfe_schema *hitschema_build(const cg_group *g, const hitschema_opts *opts, bool *oom, cb_error *err)
{
	*oom = false;
	if (g->ntables == 0) {
		cb_error_set(err, "cache group %s has no tables", g->name);
		return NULL;
	}
	for (size_t t = 0; t < g->ntables; t++) {
		if (!g->tables[t].resolved) {
			cb_error_set(err, "cache group %s: table %s is not resolved against the backend", g->name,
			             g->tables[t].name);
			return NULL;
		}
		if (strcmp(table_schema(&g->tables[t]), table_schema(&g->tables[0])) != 0) {
			cb_error_set(err,
			             "cache group %s has tables in schemas %s and %s; the query front end answers "
			             "from one schema only, so queries on this group go to the backend",
			             g->name, table_schema(&g->tables[0]), table_schema(&g->tables[t]));
			return NULL;
		}
	}
	sqlfe_schema *s = sqlfe_schema_new(table_schema(&g->tables[0]));
	if (s == NULL) {
		*oom = true;
		cb_error_set(err, "out of memory describing cache group %s", g->name);
		return NULL;
	}
	s->collation_c = opts->collation_c;
	s->collation_locale = opts->collation_locale;
	for (size_t t = 0; t < g->ntables; t++) {
		const cg_table *ct = &g->tables[t];
		int st = sqlfe_schema_add_table(s, ct->name, ct->oid, ct->complete);
		if (st < 0) {
			cb_error_set(err, "cache group %s: table %s cannot be described (name too long or duplicate)",
			             g->name, ct->name);
			goto fail;
		}
		for (size_t c = 0; c < ct->ncols; c++) {
			const cg_column *col = &ct->cols[c];
			unsigned flags = (col->unique ? SQLFE_COL_UNIQUE : 0) |
			                 (is_fill_column(g, t, col->name) ? SQLFE_COL_FILL : 0) |
			                 (col->collation == CG_COLL_C       ? SQLFE_COL_COLL_C
			                  : col->collation == CG_COLL_OTHER ? SQLFE_COL_COLL_OTHER
			                                                    : 0);
			bool is_enum = opts->enum_columns && col->category == 'E' && col->type_oid == col->base_oid &&
			               col->enum_labels != NULL;
			if (is_enum)
				flags &= ~(unsigned)SQLFE_COL_UNIQUE; /* compared in SQLite, never an entry point */
			int sc = sqlfe_schema_add_column(s, st, col->name, col->type_oid, col->typmod, col->type_name,
			                                 (int16_t)col->attnum, flags);
			if (sc < 0) {
				cb_error_set(err, "cache group %s: column %s.%s cannot be described (name too long)",
				             g->name, ct->name, col->name);
				goto fail;
			}
			if (is_enum && !sqlfe_schema_set_labels(s, st, sc, col->enum_labels, col->nenum_labels)) {
				*oom = true;
				cb_error_set(err, "out of memory describing cache group %s", g->name);
				goto fail;
			}
		}
	}
	for (size_t r = 0; r < g->nrccs; r++) {
		const cg_rcc *rc = &g->rccs[r];
		if (!sqlfe_schema_add_rcc(s, g->tables[rc->src].name, rc->src_column, g->tables[rc->dst].name,
		                          rc->dst_column)) {
			cb_error_set(err, "cache group %s: RCC %s.%s -> %s.%s names an unknown column", g->name,
			             g->tables[rc->src].name, rc->src_column, g->tables[rc->dst].name, rc->dst_column);
			goto fail;
		}
	}
	return s;
fail:
	sqlfe_schema_free(s);
	return NULL;
}
