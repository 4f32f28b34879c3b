/*
 * Plan keys checked against PostgreSQL's own scanner (libpg_query's
 * pg_query_scan, the lexer of PostgreSQL 15).
 *
 * Random statements are built from token shapes; each shape is filled
 * with many different literal values and separators (spaces, newlines,
 * comments).  For every statement that gets a key:
 *   (a) every literal the key stripped is exactly one ICONST (int4),
 *       FCONST (int8, numeric) or SCONST (string) token of PostgreSQL;
 *   (b) statements with the same key have the same token sequence, token
 *       texts included, except for the stripped literals.
 * The seed is printed; set SQLFE_SEED to reproduce a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "sql/plankey.h"
#include "tests/unit/testrand.h"

#define SHAPES 300
#define PER_SHAPE 12
#define MAX_STMT 1024

static const char *fixed_tokens[] = {
        "SELECT", "a",   "t1",    "\"Q x\"", "\"a\"\"b\"", "FROM",    "WHERE", "AND", "IN", "(",   ")",  ",",
        "=",      "<",   "<=",    "::",      "int",        "varchar", "-",     "+",   "||", "->>", "$1", "$12",
        "5abc",   "x.y", "ORDER", "BY",      "LIMIT",      "*",       "a$b",   "_z9", "ü",  "[",   "]",  ";",
};
static const char *int_lits[] = {"5", "0042", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
                                 "0", "17"};
static const char *num_lits[] = {"1.5", ".5", "1e5", "2.", "1e-3", "0.000", "12.75E+2"};
static const char *str_lits[] = {"'x'",  "'it''s'", "E'abc'", "e'a''b'", "$$q$$",   "$t$ x $$ $t$",
                                 "'--'", "'/*'",    "''",     "'ü'",     "$_$\"$_$"};
/* literal forms the key keeps verbatim */
static const char *kept_lits[] = {"B'101'", "X'1F'", "N'n'", "E'a\\nb'", "E'\\''"};
static const char *separators[] = {" ", "  ", "\n", "\t", " /* c */ ", " -- c\n", "/**/", "\n\n "};

typedef struct slot {
	char kind; /* 'F' fixed, 'I', 'N', 'S' literal class, 'K' kept literal */
	int fixed;
	bool glue; /* no separator before it when punctuation is involved */
} slot;

typedef struct shape {
	int n;
	slot s[24];
} shape;

static void make_shape(shape *sh)
{
	sh->n = 4 + (int)rnd(20);
	for (int i = 0; i < sh->n; i++) {
		uint32_t r = rnd(10);
		sh->s[i].kind = r < 5 ? 'F' : r < 7 ? 'I' : r < 8 ? 'N' : r < 9 ? 'S' : 'K';
		sh->s[i].fixed = (int)rnd((uint32_t)(sizeof(fixed_tokens) / sizeof(fixed_tokens[0])));
		sh->s[i].glue = rnd(3) == 0;
	}
}

static bool is_punct(const char *t)
{
	return strchr("(),=<:-+|;[]*", t[0]) != NULL;
}

/* Separate two tokens, except glued ones around punctuation ("=5", "(5)", "-5", "5::int"). */
static bool needs_sep(const char *prev, const char *next, bool glue)
{
	if (prev == NULL)
		return false;
	return !(glue && (is_punct(prev) || is_punct(next)));
}

static void instantiate(const shape *sh, char *out, size_t cap)
{
	size_t n = 0;
	const char *prev = NULL;

	out[0] = '\0';
	for (int i = 0; i < sh->n; i++) {
		const char *tok;
		switch (sh->s[i].kind) {
		case 'I':
			tok = int_lits[rnd(sizeof(int_lits) / sizeof(int_lits[0]))];
			break;
		case 'N':
			tok = num_lits[rnd(sizeof(num_lits) / sizeof(num_lits[0]))];
			break;
		case 'S':
			tok = str_lits[rnd(sizeof(str_lits) / sizeof(str_lits[0]))];
			break;
		case 'K':
			tok = kept_lits[rnd(sizeof(kept_lits) / sizeof(kept_lits[0]))];
			break;
		default:
			tok = fixed_tokens[sh->s[i].fixed];
		}
		if (needs_sep(prev, tok, sh->s[i].glue))
			n += (size_t)snprintf(out + n, cap - n, "%s",
			                      separators[rnd(sizeof(separators) / sizeof(separators[0]))]);
		n += (size_t)snprintf(out + n, cap - n, "%s", tok);
		prev = tok;
		assert_true(n < cap);
	}
}

typedef struct rec {
	char key[2 * MAX_STMT + 1];
	char sig[4 * MAX_STMT];
	char sql[MAX_STMT];
} rec;

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const rec *)a)->key, ((const rec *)b)->key);
}

/*
 * Scan sql with PostgreSQL's lexer, check (a), and write the signature:
 * token numbers with their texts, stripped literals as ?kind.
 */
static bool signature(const char *sql, const sqlfe_plankey *pk, char *sig, size_t cap)
{
	PgQueryScanResult r = pg_query_scan(sql);
	PgQuery__ScanResult *sr;
	size_t n = 0;
	int matched = 0;

	if (r.error != NULL) {
		pg_query_free_scan_result(r);
		return false;
	}
	sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	assert_non_null(sr);
	sig[0] = '\0';
	for (size_t i = 0; i < sr->n_tokens; i++) {
		const PgQuery__ScanToken *t = sr->tokens[i];
		int idx;
		if (t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT)
			continue;
		idx = sqlfe_plankey_find(pk, (uint32_t)t->start);
		if (idx >= 0) {
			const sqlfe_literal *l = &pk->lits[idx];
			int want = l->kind == SQLFE_LIT_INT4     ? PG_QUERY__TOKEN__ICONST
			           : l->kind == SQLFE_LIT_STRING ? PG_QUERY__TOKEN__SCONST
			                                         : PG_QUERY__TOKEN__FCONST;
			if ((int)t->token != want || (uint32_t)t->end != l->offset + l->len)
				fail_msg("literal %d of [%s] (kind %c, %u+%u) is PostgreSQL token %d [%d,%d)", idx, sql,
				         l->kind, l->offset, l->len, (int)t->token, t->start, t->end);
			matched++;
			n += (size_t)snprintf(sig + n, cap - n, "?%c ", l->kind);
		} else {
			n += (size_t)snprintf(sig + n, cap - n, "%d:%.*s ", (int)t->token, t->end - t->start,
			                      sql + t->start);
		}
		assert_true(n < cap);
	}
	if (matched != pk->nlits)
		fail_msg("%d of %d stripped literals are PostgreSQL literal tokens in [%s]", matched, pk->nlits, sql);
	pg_query__scan_result__free_unpacked(sr, NULL);
	pg_query_free_scan_result(r);
	return true;
}

static void test_against_postgresql_scanner(void **state)
{
	rec *recs = calloc(SHAPES * PER_SHAPE, sizeof(*recs));
	int nrec = 0, nokey = 0, same = 0, stripped = 0;

	(void)state;
	assert_non_null(recs);
	rnd_seed(20261127);
	for (int s = 0; s < SHAPES; s++) {
		shape sh;
		make_shape(&sh);
		for (int k = 0; k < PER_SHAPE; k++) {
			rec *r = &recs[nrec];
			sqlfe_plankey pk;
			instantiate(&sh, r->sql, sizeof(r->sql));
			if (!sqlfe_plankey_scan(r->sql, strlen(r->sql), true, r->key, sizeof(r->key), &pk)) {
				nokey++;
				continue;
			}
			if (!signature(r->sql, &pk, r->sig, sizeof(r->sig)))
				continue;
			stripped += pk.nlits;
			nrec++;
		}
	}
	qsort(recs, (size_t)nrec, sizeof(*recs), cmp_rec);
	for (int i = 1; i < nrec; i++) {
		if (strcmp(recs[i - 1].key, recs[i].key) != 0)
			continue;
		same++;
		if (strcmp(recs[i - 1].sig, recs[i].sig) != 0)
			fail_msg("same key, different PostgreSQL tokens:\n  [%s]\n  [%s]\n  %s\n  %s", recs[i - 1].sql,
			         recs[i].sql, recs[i - 1].sig, recs[i].sig);
	}
	fprintf(stderr, "%d statements with a key (%d literals stripped), %d without, %d pairs sharing a key\n", nrec,
	        stripped, nokey, same);
	/* the generator must exercise both properties */
	assert_true(nrec > SHAPES * PER_SHAPE / 2);
	assert_true(stripped > nrec);
	assert_true(same > SHAPES);
	free(recs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_against_postgresql_scanner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
