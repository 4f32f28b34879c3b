/*
 * typetable.c - print the type table (common/pgtype.h), one row per line,
 * for tests that take their expectations from it
 * (tests/integration/test_cache_types.py).
 *
 * Output: typname TAB oid TAB storage TAB family TAB flags, the flags as
 * comma-separated words (eq order order_if_c like sum timezone datestyle
 * intervalstyle render exact send time_key), "-" when none.
 */
#include <stdio.h>

#include "common/pgtype.h"

static const struct {
	unsigned bit;
	const char *word;
} flag_words[] = {
        {PGTYPE_OPS_EQ, "eq"},
        {PGTYPE_OPS_ORDER, "order"},
        {PGTYPE_OPS_ORDER_IF_C, "order_if_c"},
        {PGTYPE_OPS_LIKE, "like"},
        {PGTYPE_OPS_SUM, "sum"},
        {PGTYPE_T_TIMEZONE, "timezone"},
        {PGTYPE_T_DATESTYLE, "datestyle"},
        {PGTYPE_T_INTERVALSTYLE, "intervalstyle"},
        {PGTYPE_RENDER, "render"},
        {PGTYPE_EXACT_EQ, "exact"},
        {PGTYPE_SEND, "send"},
        {PGTYPE_OPS_TIME_KEY, "time_key"},
};

static const char *storage_name(pgtype_storage s)
{
	switch (s) {
	case PGTYPE_ST_INTEGER:
		return "integer";
	case PGTYPE_ST_BOOL:
		return "bool";
	case PGTYPE_ST_TEXT:
		return "text";
	case PGTYPE_ST_OPAQUE:
		return "opaque";
	}
	return "?";
}

static const char *family_name(pgtype_family f)
{
	switch (f) {
	case PGTYPE_FAM_INT:
		return "int";
	case PGTYPE_FAM_BOOL:
		return "bool";
	case PGTYPE_FAM_TEXT:
		return "text";
	case PGTYPE_FAM_FLOAT:
		return "float";
	case PGTYPE_FAM_OPAQUE:
		return "opaque";
	}
	return "?";
}

int main(void)
{
	size_t n;
	const pgtype *rows = pgtype_table(&n);

	for (size_t i = 0; i < n; i++) {
		const pgtype *t = &rows[i];
		unsigned known = 0;
		bool any = false;

		printf("%s\t%u\t%s\t%s\t", t->name, (unsigned)t->oid, storage_name(t->storage), family_name(t->family));
		for (size_t f = 0; f < CB_ARRAY_LEN(flag_words); f++) {
			known |= flag_words[f].bit;
			if (t->flags & flag_words[f].bit) {
				printf("%s%s", any ? "," : "", flag_words[f].word);
				any = true;
			}
		}
		if (t->flags & ~known) {
			/* a flag this program does not name: the test cannot read the row */
			fprintf(stderr, "typetable: type %s has flags 0x%x this program does not name\n", t->name,
			        t->flags & ~known);
			return 1;
		}
		printf("%s\n", any ? "" : "-");
	}
	return 0;
}
