/*
 * schema.c - the front end's description of the cache group.
 *
 * Functions prefix: sqlfe_schema_
 */
#include <stdlib.h>
#include <string.h>

#include "common/pgtype.h"
#include "sql/schema.h"

sqlfe_schema *sqlfe_schema_new(const char *schema_name)
{
	sqlfe_schema *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (schema_name == NULL || strlen(schema_name) >= SQLFE_NAME_MAX)
		schema_name = "public";
	strcpy(s->schema_name, schema_name);
	return s;
}

void sqlfe_schema_free(sqlfe_schema *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->ntables; i++) {
		for (int c = 0; c < s->tables[i].ncols; c++) {
			for (int k = 0; k < s->tables[i].cols[c].nlabels; k++)
				free(s->tables[i].cols[c].labels[k]);
			free(s->tables[i].cols[c].labels);
		}
		free(s->tables[i].cols);
	}
	free(s->tables);
	free(s->rccs);
	free(s);
}

int sqlfe_schema_add_table(sqlfe_schema *s, const char *name, uint32_t oid, bool complete)
{
	sqlfe_table *nt;

	if (strlen(name) >= SQLFE_NAME_MAX || sqlfe_schema_table(s, name) >= 0)
		return -1;
	nt = realloc(s->tables, (size_t)(s->ntables + 1) * sizeof(*nt));
	if (nt == NULL)
		return -1;
	s->tables = nt;
	memset(&nt[s->ntables], 0, sizeof(nt[0]));
	strcpy(nt[s->ntables].name, name);
	nt[s->ntables].oid = oid;
	nt[s->ntables].complete = complete;
	return s->ntables++;
}

int sqlfe_schema_add_column(sqlfe_schema *s, int t, const char *name, uint32_t type_oid, int32_t typmod,
                            const char *type_name, int16_t attnum, unsigned flags)
{
	sqlfe_table *tab;
	sqlfe_column *nc;

	if (t < 0 || t >= s->ntables || strlen(name) >= SQLFE_NAME_MAX || strlen(type_name) >= SQLFE_NAME_MAX)
		return -1;
	tab = &s->tables[t];
	if (sqlfe_schema_column(s, t, name) >= 0)
		return -1;
	nc = realloc(tab->cols, (size_t)(tab->ncols + 1) * sizeof(*nc));
	if (nc == NULL)
		return -1;
	tab->cols = nc;
	memset(&nc[tab->ncols], 0, sizeof(nc[0]));
	strcpy(nc[tab->ncols].name, name);
	strcpy(nc[tab->ncols].type_name, type_name);
	nc[tab->ncols].type_oid = type_oid;
	nc[tab->ncols].typmod = typmod;
	nc[tab->ncols].attnum = attnum;
	nc[tab->ncols].flags = flags;
	return tab->ncols++;
}

bool sqlfe_schema_set_labels(sqlfe_schema *s, int t, int c, char *const *labels, size_t n)
{
	sqlfe_column *col = &s->tables[t].cols[c];
	if ((col->labels = calloc(n + 1, sizeof(*col->labels))) == NULL)
		return false;
	for (size_t k = 0; k < n; k++) {
		if ((col->labels[k] = strdup(labels[k])) == NULL)
			return false; /* the ones copied are freed with the schema */
		col->nlabels++;
	}
	col->flags |= SQLFE_COL_ENUM;
	return true;
}

const pgtype *sqlfe_schema_column_type(const sqlfe_column *c)
{
	return (c->flags & SQLFE_COL_ENUM) ? pgtype_enum() : pgtype_output(c->type_oid);
}

int sqlfe_schema_label(char *const *labels, int n, const char *v, size_t len)
{
	for (int k = 0; k < n; k++)
		if (strlen(labels[k]) == len && memcmp(labels[k], v, len) == 0)
			return k;
	return -1;
}

bool sqlfe_schema_add_rcc(sqlfe_schema *s, const char *src_table, const char *src_col, const char *dst_table,
                          const char *dst_col)
{
	sqlfe_rcc r;
	sqlfe_rcc *nr;

	r.src_table = sqlfe_schema_table(s, src_table);
	r.dst_table = sqlfe_schema_table(s, dst_table);
	if (r.src_table < 0 || r.dst_table < 0)
		return false;
	r.src_col = sqlfe_schema_column(s, r.src_table, src_col);
	r.dst_col = sqlfe_schema_column(s, r.dst_table, dst_col);
	if (r.src_col < 0 || r.dst_col < 0)
		return false;
	nr = realloc(s->rccs, (size_t)(s->nrccs + 1) * sizeof(*nr));
	if (nr == NULL)
		return false;
	s->rccs = nr;
	nr[s->nrccs++] = r;
	return true;
}

int sqlfe_schema_table(const sqlfe_schema *s, const char *name)
{
	for (int i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return i;
	return -1;
}

int sqlfe_schema_column(const sqlfe_schema *s, int t, const char *name)
{
	const sqlfe_table *tab = &s->tables[t];

	for (int i = 0; i < tab->ncols; i++)
		if (strcmp(tab->cols[i].name, name) == 0)
			return i;
	return -1;
}

bool sqlfe_schema_is_rcc_target(const sqlfe_schema *s, int t, int c)
{
	for (int i = 0; i < s->nrccs; i++)
		if (s->rccs[i].dst_table == t && s->rccs[i].dst_col == c)
			return true;
	return false;
}

bool sqlfe_schema_has_rcc(const sqlfe_schema *s, int src, int sc, int dst, int dc)
{
	for (int i = 0; i < s->nrccs; i++) {
		const sqlfe_rcc *r = &s->rccs[i];
		if (r->src_table == src && r->src_col == sc && r->dst_table == dst && r->dst_col == dc)
			return true;
	}
	return false;
}

bool sqlfe_schema_column_c(const sqlfe_schema *s, const sqlfe_column *c)
{
	if (c->flags & SQLFE_COL_COLL_C)
		return true;
	return s->collation_c && !(c->flags & SQLFE_COL_COLL_OTHER);
}

bool sqlfe_schema_column_locale(const sqlfe_schema *s, const sqlfe_column *c)
{
	const pgtype *t = pgtype_output(c->type_oid);
	return !s->collation_c && s->collation_locale && !(c->flags & (SQLFE_COL_COLL_C | SQLFE_COL_COLL_OTHER)) &&
	       t != NULL && (t->flags & PGTYPE_OPS_ORDER_IF_C);
}
