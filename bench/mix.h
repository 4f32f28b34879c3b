/*
 * mix.h - the benchmark statements and the statement mix.
 *
 * Functions prefix: mix_
 *
 * One table of statements shared by every target (ODBC drivers, the
 * in-process SQLite limit), so that all of them run the same SQL.
 */
#ifndef BENCH_MIX_H
#define BENCH_MIX_H

#include <stdbool.h>

#include "bench/zipf.h"

enum { MIX_LOOKUP, MIX_JOIN2, MIX_JOIN3, MIX_IN, MIX_UNCACHED, MIX_WRITE, MIX_COUNT };

typedef struct mix_stmt {
	const char *name;
	const char *sql; /* with ? markers */
	int nparams;     /* keys per execution */
	bool film_key;   /* keys are film ids, else director ids */
	bool writes;
} mix_stmt;

extern const mix_stmt mix_stmts[MIX_COUNT];

#define MIX_DEFAULT "lookup=60,join2=15,join3=15,in=5,uncached=5"
#define MIX_NAMES "lookup join2 join3 in uncached write"

/* Parse "name=weight,..." into weights[MIX_COUNT]; false on a bad spec. */
CB_MUSTCHECK bool mix_parse(const char *spec, double *weights);
/* Draw a statement index by weight. */
int mix_pick(const double *weights, zipf_rng *r);

#endif /* BENCH_MIX_H */
