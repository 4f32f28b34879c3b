/*
 * diffgen - differential test: random statements on the movie database,
 * run through a target (cbcached) and directly on PostgreSQL, compared
 * byte for byte.
 *
 *   diffgen --target CONNINFO --direct CONNINFO [--count N] [--seed S]
 *           [--writes PERCENT] [--verbose] [--print]
 *
 * For each statement: the same columns (names, type OIDs, typmods, formats)
 * and the same rows, as multisets, or in order when the statement's ORDER
 * BY fixes the order (it always ends with a key then).  Statements use the
 * simple protocol, the extended protocol with parameters, and binary
 * results; sessions switch between two TimeZones and DateStyles.  With
 * --writes P, P percent of the steps are updates sent through the target;
 * both sides then read the same database.  Each statement runs twice on the
 * target (cold, then warm), so a cache that loads on the first run is
 * compared on the second.
 *
 * A statement that fails on the direct side counts as a failure too (the
 * generator must only make valid statements), unless --allow-errors.
 *
 * Prints the seed first, every mismatch with the statement, and a summary
 * line "N passed, M failed".  Exit status 1 on any mismatch.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/cbcache.h"

/* ---- deterministic random numbers ---------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static long rnd_range(long lo, long hi) /* inclusive */
{
	return lo + (long)(rnd() % (uint64_t)(hi - lo + 1));
}

static bool chance(int percent)
{
	return (long)(rnd() % 100) < percent;
}

/* A key skewed toward small values (the generator's hot rows). */
static long skewed(long n)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	return 1 + (long)((double)n * u * u * u);
}

/* ---- statements ---------------------------------------------------------- */

#define MAX_PARAMS 8

typedef struct stmt {
	char sql[2048];
	size_t len;
	int nparams;
	char params[MAX_PARAMS][128];
	bool use_params; /* extended protocol, values as $n */
	bool binary;     /* binary results */
	bool ordered;    /* the ORDER BY fixes the row order */
} stmt;

CB_PRINTF(2, 3)
static void add(stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->sql + s->len, sizeof(s->sql) - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n < sizeof(s->sql) - s->len ? (size_t)n : sizeof(s->sql) - s->len - 1;
}

/*
 * A value: as a parameter ($n) when the statement uses parameters, else as
 * a literal.  Text values are written as standard-conforming literals with
 * quotes doubled; they come from the tables below, never from outside.
 */
static void value(stmt *s, const char *text, bool is_text)
{
	if (s->use_params && s->nparams < MAX_PARAMS) {
		snprintf(s->params[s->nparams], sizeof(s->params[0]), "%s", text);
		s->nparams++;
		add(s, "$%d", s->nparams);
		return;
	}
	if (!is_text) {
		add(s, "%s", text);
		return;
	}
	add(s, "'");
	for (const char *p = text; *p; p++)
		add(s, *p == '\'' ? "''" : "%c", *p);
	add(s, "'");
}

static void int_value(stmt *s, long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	value(s, buf, false);
}

typedef struct sizes {
	long reg, film, darst, ort;
} sizes;

static const char *const like_patterns[] = {"M%",   "m%", "%ller", "%üll%", "MÜ%", "%a%",   "Sch_%", "%Cruz",
                                            "O''%", "%",  "_",     "Z%",    "%ö%", "van %", "%SMITH"};
static const char *const name_values[] = {"Müller",     "MÜLLER", "müller", "Smith", "O'Brien",
                                          "de la Cruz", "Zoë",    "Anna",   "ANNA",  "Nobody"};
static const char *const reg_cols[] = {"id", "vname", "nname", "wohnort"};
static const char *const film_cols[] = {"id",         "titel",  "ort",       "genre",      "regie",    "jahr",
                                        "laenge_min", "budget", "bewertung", "erschienen", "geaendert"};
static const char *const darst_cols[] = {"id", "vname", "nname", "wohnort"};

#define PICK(arr) (arr[rnd() % CB_ARRAY_LEN(arr)])

/* A random non-empty subset of columns of alias a, in table order. */
static void columns(stmt *s, const char *a, const char *const *cols, size_t n, bool *first)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (chance(55) || (!any && i == n - 1)) {
			add(s, "%s%s.%s", *first ? "" : ", ", a, cols[i]);
			*first = false;
			any = true;
		}
	}
}

static void gen_order_limit(stmt *s, const char *key_expr, const char *const *sort_cols, size_t n_sort,
                            const char *alias)
{
	if (chance(50)) {
		add(s, " ORDER BY ");
		int k = (int)rnd_range(0, 2);
		for (int i = 0; i < k; i++)
			add(s, "%s.%s %s%s, ", alias, sort_cols[rnd() % n_sort], chance(50) ? "DESC" : "ASC",
			    chance(25) ? (chance(50) ? " NULLS FIRST" : " NULLS LAST") : "");
		add(s, "%s%s", key_expr, chance(30) ? " DESC" : "");
		s->ordered = true;
		if (chance(40)) {
			add(s, " LIMIT ");
			int_value(s, rnd_range(0, 12));
			if (chance(50)) {
				add(s, " OFFSET ");
				int_value(s, rnd_range(0, 5));
			}
		}
	}
}

/* One statement of a randomly chosen shape. */
static void generate(stmt *s, const sizes *z)
{
	memset(s, 0, sizeof(*s));
	s->use_params = chance(40);
	s->binary = s->use_params && chance(25);
	bool first = true;
	switch (rnd() % 12) {
	case 0: /* director by id (fill column) */
		add(s, "SELECT ");
		columns(s, "r", reg_cols, CB_ARRAY_LEN(reg_cols), &first);
		add(s, " FROM regisseur r WHERE r.id = ");
		int_value(s, skewed(z->reg + 5));
		break;
	case 1: /* directors by IN list */
		add(s, "SELECT ");
		columns(s, "r", reg_cols, CB_ARRAY_LEN(reg_cols), &first);
		add(s, " FROM regisseur r WHERE r.id IN (");
		for (long i = 0, n = rnd_range(1, 5); i < n; i++) {
			if (i)
				add(s, ", ");
			int_value(s, skewed(z->reg + 5));
		}
		add(s, ")");
		gen_order_limit(s, "r.id", reg_cols, CB_ARRAY_LEN(reg_cols), "r");
		break;
	case 2: /* director's films (along the RCC regisseur.id -> film.regie) */
		add(s, "SELECT ");
		columns(s, "f", film_cols, CB_ARRAY_LEN(film_cols), &first);
		if (chance(40))
			columns(s, "r", reg_cols, CB_ARRAY_LEN(reg_cols), &first);
		add(s, " FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = ");
		int_value(s, skewed(z->reg));
		gen_order_limit(s, "f.id", film_cols, CB_ARRAY_LEN(film_cols), "f");
		break;
	case 3: /* director, films, locations (3-way chain) */
		add(s, "SELECT ");
		columns(s, "f", film_cols, CB_ARRAY_LEN(film_cols), &first);
		add(s, ", o.plz, o.name FROM regisseur r, film f, ort o WHERE f.regie = r.id AND o.plz = f.ort "
		       "AND r.id = ");
		int_value(s, skewed(z->reg));
		gen_order_limit(s, "f.id", film_cols, CB_ARRAY_LEN(film_cols), "f");
		break;
	case 4: /* film, cast, actors (4-way chain) */
		add(s, "SELECT f.id, f.titel, d.id, d.vname, d.nname, df.rolle FROM regisseur r "
		       "JOIN film f ON f.regie = r.id JOIN darst_film df ON df.fid = f.id "
		       "JOIN darsteller d ON d.id = df.did WHERE r.id = ");
		int_value(s, skewed(z->reg));
		if (chance(50)) {
			add(s, " ORDER BY f.id, d.id");
			s->ordered = true;
		}
		break;
	case 5: /* against the RCC direction: films by location */
		add(s, "SELECT ");
		columns(s, "f", film_cols, CB_ARRAY_LEN(film_cols), &first);
		add(s, " FROM film f WHERE f.ort = ");
		{
			char plz[8];
			snprintf(plz, sizeof(plz), "%05ld", (skewed(z->ort) * 7919) % 99999 + 1);
			value(s, plz, true);
		}
		gen_order_limit(s, "f.id", film_cols, CB_ARRAY_LEN(film_cols), "f");
		break;
	case 6: /* non-fill column predicates, ranges, BETWEEN, IS NULL */
		add(s, "SELECT ");
		columns(s, "f", film_cols, CB_ARRAY_LEN(film_cols), &first);
		add(s, " FROM film f WHERE f.regie = ");
		int_value(s, skewed(z->reg));
		switch (rnd() % 5) {
		case 0:
			add(s, " AND f.jahr BETWEEN ");
			int_value(s, rnd_range(1950, 1990));
			add(s, " AND ");
			int_value(s, rnd_range(1990, 2025));
			break;
		case 1:
			add(s, " AND f.bewertung IS %sNULL", chance(50) ? "NOT " : "");
			break;
		case 2:
			add(s, " AND f.bewertung > ");
			value(s, chance(50) ? "5.5" : "7", false);
			break;
		case 3:
			add(s, " AND f.budget < ");
			value(s, "25000000.50", false);
			break;
		default:
			add(s, " AND f.erschienen >= ");
			value(s, "1990-06-15", true);
			if (!s->use_params)
				add(s, "::date");
			break;
		}
		gen_order_limit(s, "f.id", film_cols, CB_ARRAY_LEN(film_cols), "f");
		break;
	case 7: /* LIKE with mixed case and non-ASCII */
		add(s, "SELECT d.id, d.vname, d.nname FROM darsteller d WHERE d.nname LIKE ");
		value(s, PICK(like_patterns), true);
		if (chance(70)) {
			add(s, " AND d.id < ");
			int_value(s, rnd_range(10, 400));
		}
		gen_order_limit(s, "d.id", darst_cols, CB_ARRAY_LEN(darst_cols), "d");
		break;
	case 8: /* aggregates */
		add(s, "SELECT %s FROM film f WHERE f.regie = ",
		    PICK(((const char *const[]){"count(*)", "count(f.bewertung)", "min(f.jahr), max(f.jahr)",
		                                "sum(f.laenge_min)", "avg(f.laenge_min)", "sum(f.budget)",
		                                "max(f.bewertung)", "min(f.titel)", "count(DISTINCT f.jahr)"})));
		int_value(s, skewed(z->reg));
		break;
	case 9: /* DISTINCT */
		add(s, "SELECT DISTINCT f.jahr%s FROM film f WHERE f.regie = ", chance(50) ? ", f.genre" : "");
		int_value(s, skewed(z->reg));
		break;
	case 10: /* equality on text names (ties, case) */
		add(s, "SELECT r.id, r.vname, r.nname FROM regisseur r WHERE r.nname = ");
		value(s, PICK(name_values), true);
		gen_order_limit(s, "r.id", reg_cols, CB_ARRAY_LEN(reg_cols), "r");
		break;
	default: /* point lookups on unique columns of other tables */
		switch (rnd() % 3) {
		case 0:
			add(s, "SELECT f.* FROM film f WHERE f.id = ");
			int_value(s, skewed(z->film + 3));
			break;
		case 1:
			add(s, "SELECT d.* FROM darsteller d WHERE d.id = ");
			int_value(s, skewed(z->darst + 3));
			break;
		default:
			add(s, "SELECT g.id, g.name FROM genre g WHERE g.id IN (");
			int_value(s, rnd_range(1, 13));
			add(s, ", ");
			int_value(s, rnd_range(1, 13));
			add(s, ")");
			break;
		}
		break;
	}
}

/* ---- running and comparing -------------------------------------------------- */

static PGresult *run(PGconn *c, const stmt *s)
{
	if (!s->use_params && !s->binary)
		return PQexec(c, s->sql);
	const char *vals[MAX_PARAMS];
	for (int i = 0; i < s->nparams; i++)
		vals[i] = s->params[i];
	return PQexecParams(c, s->sql, s->nparams, NULL, vals, NULL, NULL, s->binary ? 1 : 0);
}

typedef struct row {
	char *bytes; /* a row serialized: per column a length (or -1) and the bytes */
	size_t len;
} row;

static int cmp_row(const void *a, const void *b)
{
	const row *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->bytes, y->bytes, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static row *serialize(const PGresult *r)
{
	int nr = PQntuples(r), nf = PQnfields(r);
	row *rows = calloc((size_t)(nr ? nr : 1), sizeof(row));
	if (rows == NULL)
		return NULL;
	for (int i = 0; i < nr; i++) {
		size_t len = 0;
		for (int j = 0; j < nf; j++)
			len += sizeof(int) + (PQgetisnull(r, i, j) ? 0 : (size_t)PQgetlength(r, i, j));
		rows[i].bytes = malloc(len ? len : 1);
		rows[i].len = len;
		if (rows[i].bytes == NULL)
			continue;
		size_t at = 0;
		for (int j = 0; j < nf; j++) {
			int l = PQgetisnull(r, i, j) ? -1 : PQgetlength(r, i, j);
			memcpy(rows[i].bytes + at, &l, sizeof(l));
			at += sizeof(l);
			if (l > 0) {
				memcpy(rows[i].bytes + at, PQgetvalue(r, i, j), (size_t)l);
				at += (size_t)l;
			}
		}
	}
	return rows;
}

static void free_rows(row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i].bytes);
	free(rows);
}

/* Compare two results; describe the first difference in why. */
static bool same_result(const PGresult *a, const PGresult *b, bool ordered, char *why, size_t whysz)
{
	ExecStatusType sa = PQresultStatus(a), sb = PQresultStatus(b);
	if (sa != sb) {
		snprintf(why, whysz, "status %s vs %s (%s | %s)", PQresStatus(sa), PQresStatus(sb),
		         PQresultErrorMessage(a), PQresultErrorMessage(b));
		return false;
	}
	if (sa == PGRES_FATAL_ERROR) {
		const char *ca = PQresultErrorField(a, PG_DIAG_SQLSTATE), *cb = PQresultErrorField(b, PG_DIAG_SQLSTATE);
		if (!ca || !cb || strcmp(ca, cb) != 0) {
			snprintf(why, whysz, "SQLSTATE %s vs %s", ca ? ca : "-", cb ? cb : "-");
			return false;
		}
		return true;
	}
	if (sa != PGRES_TUPLES_OK)
		return true;
	int nf = PQnfields(a);
	if (nf != PQnfields(b)) {
		snprintf(why, whysz, "%d vs %d columns", nf, PQnfields(b));
		return false;
	}
	for (int j = 0; j < nf; j++) {
		if (strcmp(PQfname(a, j), PQfname(b, j)) != 0 || PQftype(a, j) != PQftype(b, j) ||
		    PQfmod(a, j) != PQfmod(b, j) || PQfformat(a, j) != PQfformat(b, j) ||
		    PQfsize(a, j) != PQfsize(b, j)) {
			snprintf(why, whysz, "column %d: %s oid %u mod %d fmt %d vs %s oid %u mod %d fmt %d", j + 1,
			         PQfname(a, j), PQftype(a, j), PQfmod(a, j), PQfformat(a, j), PQfname(b, j),
			         PQftype(b, j), PQfmod(b, j), PQfformat(b, j));
			return false;
		}
	}
	int nr = PQntuples(a);
	if (nr != PQntuples(b)) {
		snprintf(why, whysz, "%d vs %d rows", nr, PQntuples(b));
		return false;
	}
	row *ra = serialize(a), *rb = serialize(b);
	bool same = ra && rb;
	if (same && !ordered) {
		qsort(ra, (size_t)nr, sizeof(row), cmp_row);
		qsort(rb, (size_t)nr, sizeof(row), cmp_row);
	}
	for (int i = 0; same && i < nr; i++) {
		if (cmp_row(&ra[i], &rb[i]) != 0) {
			snprintf(why, whysz, "row %d differs%s", i + 1, ordered ? " (in order)" : " (as multisets)");
			same = false;
		}
	}
	free_rows(ra, nr);
	free_rows(rb, nr);
	return same;
}

static const char *const session_settings[][2] = {
        {"UTC", "ISO, MDY"},
        {"Europe/Berlin", "ISO, DMY"},
        {"America/New_York", "ISO, MDY"},
};

static bool set_session(PGconn *c, int which)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SET TimeZone = '%s'; SET DateStyle = '%s'", session_settings[which][0],
	         session_settings[which][1]);
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "diffgen: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok;
}

static long count(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	return n;
}

int main(int argc, char **argv)
{
	const char *target = NULL, *direct = NULL;
	long n = 1000;
	uint64_t seed = (uint64_t)time(NULL);
	int writes = 0;
	bool verbose = false, print_only = false, allow_errors = false;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--target") == 0 && v)
			target = argv[++i];
		else if (strcmp(argv[i], "--direct") == 0 && v)
			direct = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && v)
			n = atol(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && v)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--writes") == 0 && v)
			writes = atoi(argv[++i]);
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--allow-errors") == 0)
			allow_errors = true;
		else if (strcmp(argv[i], "--print") == 0)
			print_only = true;
		else {
			fprintf(stderr, "usage: diffgen --target CONNINFO --direct CONNINFO [--count N] [--seed S] "
			                "[--writes PERCENT] [--allow-errors] [--verbose] [--print]\n");
			return 2;
		}
	}
	rng_state = seed;
	printf("diffgen: seed %llu (reproduce with --seed %llu --count %ld --writes %d)\n", (unsigned long long)seed,
	       (unsigned long long)seed, n, writes);
	if (print_only) {
		sizes z = {1000, 10000, 20000, 300};
		stmt s;
		for (long i = 0; i < n; i++) {
			generate(&s, &z);
			printf("%s;%s\n", s.sql, s.use_params ? "  -- with parameters" : "");
		}
		return 0;
	}
	if (target == NULL || direct == NULL) {
		fprintf(stderr, "diffgen: give --target and --direct connection strings\n");
		return 2;
	}
	PGconn *ct = PQconnectdb(target), *cd = PQconnectdb(direct);
	if (PQstatus(ct) != CONNECTION_OK || PQstatus(cd) != CONNECTION_OK) {
		fprintf(stderr, "diffgen: cannot connect: target: %s direct: %s", PQerrorMessage(ct),
		        PQerrorMessage(cd));
		return 2;
	}
	sizes z = {count(cd, "SELECT count(*) FROM regisseur"), count(cd, "SELECT count(*) FROM film"),
	           count(cd, "SELECT count(*) FROM darsteller"), count(cd, "SELECT count(*) FROM ort")};
	if (z.reg < 1 || z.film < 1 || z.darst < 1 || z.ort < 1) {
		fprintf(stderr, "diffgen: the movie database is missing or empty: %s", PQerrorMessage(cd));
		return 2;
	}

	long passed = 0, failed = 0, wrote = 0;
	stmt s;
	char why[512];
	int settings = 0;
	if (!set_session(ct, settings) || !set_session(cd, settings))
		return 2;
	for (long i = 0; i < n; i++) {
		if (i % 500 == 499) {
			settings = (settings + 1) % (int)CB_ARRAY_LEN(session_settings);
			if (!set_session(ct, settings) || !set_session(cd, settings))
				return 2;
		}
		if (writes > 0 && chance(writes)) {
			char sql[256];
			long id = skewed(z.film);
			snprintf(sql, sizeof(sql),
			         "UPDATE film SET bewertung = round((random() * 9 + 1)::numeric, 1), "
			         "geaendert = geaendert + interval '1 second' WHERE id = %ld",
			         id);
			PGresult *r = PQexec(ct, sql);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				printf("FAIL write through target: %s: %s", sql, PQresultErrorMessage(r));
				failed++;
			} else {
				wrote++;
			}
			PQclear(r);
			continue;
		}
		generate(&s, &z);
		PGresult *cold = run(ct, &s);
		PGresult *warm = run(ct, &s);
		PGresult *want = run(cd, &s);
		bool ok = same_result(cold, want, s.ordered, why, sizeof(why));
		if (ok && !allow_errors && PQresultStatus(want) != PGRES_TUPLES_OK) {
			snprintf(why, sizeof(why), "the statement failed on the direct side: %s",
			         PQresultErrorMessage(want));
			ok = false;
		}
		if (ok && !same_result(warm, want, s.ordered, why, sizeof(why)))
			ok = false;
		if (ok) {
			passed++;
			if (verbose)
				printf("ok %ld: %s\n", i + 1, s.sql);
		} else {
			failed++;
			printf("FAIL %ld: %s\n  %s\n", i + 1, s.sql, why);
			for (int p = 0; p < s.nparams; p++)
				printf("  $%d = '%s'\n", p + 1, s.params[p]);
		}
		PQclear(cold);
		PQclear(warm);
		PQclear(want);
		if (PQstatus(ct) != CONNECTION_OK) {
			printf("FAIL: the target connection was lost: %s", PQerrorMessage(ct));
			failed++;
			break;
		}
	}
	PQfinish(ct);
	PQfinish(cd);
	printf("diffgen: %ld statements compared, %ld writes through the target\n", passed + failed, wrote);
	printf("%ld passed, %ld failed\n", passed, failed);
	return failed ? 1 : 0;
}
