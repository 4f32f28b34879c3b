/*
 * localecheck.c - the database's collation, sorted on the backend and here.
 *
 * Functions prefix: localecheck_
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/localecheck.h"
#include "common/array.h"
#include "common/fault.h"
#include "common/pglocale.h"
#include "common/pgtype.h"
#include "common/sb.h"

/* Strings whose order tells locales, and versions of their data, apart. */
static const char *const fixed_sample[] = {
        "",
        " ",
        "  a",
        "a",
        "A",
        "b",
        "B",
        "ab",
        "aB",
        "Ab",
        "a b",
        "a-b",
        "a_b",
        "a.b",
        "a,b",
        "a'b",
        "ab ",
        "a\tb",
        "co-op",
        "coop",
        "co op",
        "Coop",
        "O'Brien",
        "Obrien",
        "o'brien",
        "McDonald",
        "Mcdonald",
        "mc donald",
        "1",
        "10",
        "2",
        "-1",
        "+1",
        "1.5",
        "1,5",
        "01",
        "#1",
        "@home",
        "$5",
        "&co",
        "(x)",
        "[x]",
        "x!",
        "x?",
        "_x",
        "ä",
        "Ä",
        "a\xcc\x88",
        "á",
        "à",
        "â",
        "å",
        "Å",
        "æ",
        "Æ",
        "z",
        "Z",
        "zz",
        "é",
        "e",
        "E",
        "è",
        "ê",
        "résumé",
        "resume",
        "Resume",
        "resumé",
        "ß",
        "ss",
        "SS",
        "st",
        "ø",
        "ö",
        "o",
        "Ö",
        "œ",
        "oe",
        "ñ",
        "n",
        "nz",
        "ç",
        "c",
        "ı",
        "i",
        "İ",
        "I",
        "ǅ",
        "ǆ",
        "ł",
        "l",
        "α",
        "Ω",
        "ω",
        "Я",
        "я",
        "ё",
        "е",
        "ж",
        "中文",
        "日本",
        "한국어",
        "עברית",
        "العربية",
        "ไทย",
        "😀",
        "😀a",
        "a😀",
        "~",
        "\xc2\xa0"
        "a",
        "Straße",
        "Strasse",
        "straße",
        "Zürich",
        "Zurich",
        "zürich",
        "Łódź",
        "Lodz",
};

/* The primary message of a failed result, without PostgreSQL's "ERROR:" and newline. */
static const char *errtext(const PGresult *res)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	return m != NULL ? m : "the connection failed";
}

static int sort_here(const void *a, const void *b, void *arg)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool failed = false;
	return pglocale_cmp(arg, x, strlen(x), y, strlen(y), &failed);
}

static int sort_bytes(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct sample {
	char **v;
	size_t n, cap;
	bool oom;
} sample;

static void add(sample *s, const char *text)
{
	if (s->oom)
		return;
	char *d = strdup(text);
	if (d == NULL || !CB_ARRAY_GROW(s->v, s->cap, s->n + 1)) {
		free(d);
		s->oom = true;
		return;
	}
	s->v[s->n++] = d;
}

/* The first values of each text column of the groups' tables that orders under the default collation. */
static bool add_columns(PGconn *pg, cg_group *const *groups, size_t ngroups, sample *s, cb_error *why)
{
	for (size_t g = 0; g < ngroups; g++)
		for (size_t t = 0; t < groups[g]->ntables; t++) {
			const cg_table *tb = &groups[g]->tables[t];
			for (size_t c = 0; c < tb->ncols; c++) {
				const cg_column *col = &tb->cols[c];
				const pgtype *ty = pgtype_lookup(col->base_oid);
				if (col->collation != CG_COLL_DEFAULT || ty == NULL ||
				    !(ty->flags & PGTYPE_OPS_ORDER_IF_C))
					continue;
				char *cq = PQescapeIdentifier(pg, col->name, strlen(col->name));
				char *nq = PQescapeIdentifier(pg, tb->nspname != NULL ? tb->nspname : "public",
				                              strlen(tb->nspname != NULL ? tb->nspname : "public"));
				char *tq = PQescapeIdentifier(pg, tb->name, strlen(tb->name));
				char *sql = NULL;
				if (cq != NULL && nq != NULL && tq != NULL &&
				    asprintf(&sql, "SELECT %s::pg_catalog.text FROM ONLY %s.%s LIMIT %d", cq, nq, tq,
				             LOCALECHECK_COLUMN_SAMPLE) < 0)
					sql = NULL;
				PQfreemem(cq);
				PQfreemem(nq);
				PQfreemem(tq);
				if (sql == NULL)
					return cb_fail(why, "out of memory sampling the cached text");
				PGresult *res = PQexec(pg, sql);
				free(sql);
				if (PQresultStatus(res) != PGRES_TUPLES_OK) {
					cb_error_set(why, "sampling %s.%s failed: %s", tb->name, col->name,
					             errtext(res));
					PQclear(res);
					return false;
				}
				/* the first rows only (no filter that could read a whole table); NULLs and long
				 * values left out here */
				for (int r = 0; r < PQntuples(res); r++)
					if (!PQgetisnull(res, r, 0) && PQgetlength(res, r, 0) < 256)
						add(s, PQgetvalue(res, r, 0));
				PQclear(res);
			}
		}
	return true;
}

/* The sample as a text[] literal: {"...",...} with " and \ escaped. */
static char *array_literal(const sample *s)
{
	cb_sb b = {0};
	cb_sb_put(&b, "{");
	for (size_t i = 0; i < s->n; i++) {
		cb_sb_put(&b, i > 0 ? ",\"" : "\"");
		for (const char *p = s->v[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				cb_sb_putn(&b, "\\", 1);
			cb_sb_putn(&b, p, 1);
		}
		cb_sb_put(&b, "\"");
	}
	cb_sb_put(&b, "}");
	return cb_sb_finish(&b);
}

/* Sort the sample on the backend and here; false with the first difference in why. */
static bool compare_orders(PGconn *pg, const pglocale *loc, sample *s, cb_error *why)
{
	char *lit = array_literal(s);
	if (lit == NULL)
		return cb_fail(why, "out of memory building the sample");
	const char *params[1] = {lit};
	PGresult *res =
	        PQexecParams(pg, "SELECT u.s FROM pg_catalog.unnest($1::pg_catalog.text[]) AS u(s) ORDER BY u.s", 1,
	                     NULL, params, NULL, NULL, 0);
	free(lit);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || (size_t)PQntuples(res) != s->n) {
		cb_error_set(why, "the backend did not sort the sample: %s", errtext(res));
		PQclear(res);
		return false;
	}
	qsort_r(s->v, s->n, sizeof(*s->v), sort_here, (void *)loc);
	if (CB_FAULT("localecheck.sample") && s->n >= 2) { /* a C library that orders two of them the other way */
		char *tmp = s->v[0];
		s->v[0] = s->v[1];
		s->v[1] = tmp;
	}
	bool same = true;
	for (size_t i = 0; i < s->n && same; i++) {
		if (strcmp(PQgetvalue(res, (int)i, 0), s->v[i]) == 0)
			continue;
		same = false;
		cb_error_set(why,
		             "the backend sorts \"%.40s\" at place %zu of the sample, this machine \"%.40s\": its C "
		             "library or locale data differ from the backend's",
		             PQgetvalue(res, (int)i, 0), i + 1, s->v[i]);
	}
	PQclear(res);
	return same;
}

bool localecheck_run(PGconn *pg, cg_group *const *groups, size_t ngroups, char *locale, size_t cap, cb_error *why)
{
	locale[0] = '\0';
	PGresult *res = PQexec(pg, "SELECT d.datcollate, COALESCE(pg_catalog.to_jsonb(d) ->> "
	                           "'datlocprovider', 'c'), pg_catalog.pg_encoding_to_char(d.encoding) FROM "
	                           "pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		cb_error_set(why, "reading the database's collation failed: %s", errtext(res));
		PQclear(res);
		return false;
	}
	char name[128];
	snprintf(name, sizeof(name), "%s", PQgetvalue(res, 0, 0));
	bool icu = strcmp(PQgetvalue(res, 0, 1), "i") == 0;
	bool utf8 = strcmp(PQgetvalue(res, 0, 2), "UTF8") == 0;
	char encoding[64];
	snprintf(encoding, sizeof(encoding), "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	if (strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0)
		return cb_fail(why, "the database's collation is %s: text orders by its bytes", name);
	if (icu)
		return cb_fail(why, "the database's collation is ICU's, which this machine does not compare");
	if (!utf8)
		return cb_fail(why, "the database's encoding is %s, not UTF8", encoding);
	pglocale *loc = pglocale_open(name, why);
	if (loc == NULL)
		return false;
	sample s = {0};
	for (size_t i = 0; i < CB_ARRAY_LEN(fixed_sample); i++)
		add(&s, fixed_sample[i]);
	bool ok = add_columns(pg, groups, ngroups, &s, why);
	if (ok && s.oom)
		ok = cb_fail(why, "out of memory sampling the cached text");
	if (ok) { /* one of each: the order of equal strings says nothing */
		qsort(s.v, s.n, sizeof(*s.v), sort_bytes);
		size_t n = 0;
		for (size_t i = 0; i < s.n; i++) {
			if (n > 0 && strcmp(s.v[n - 1], s.v[i]) == 0) {
				free(s.v[i]);
				continue;
			}
			s.v[n++] = s.v[i];
		}
		s.n = n;
		ok = compare_orders(pg, loc, &s, why);
	}
	if (ok)
		snprintf(locale, cap, "%s", name);
	for (size_t i = 0; i < s.n; i++)
		free(s.v[i]);
	free(s.v);
	pglocale_free(loc);
	return ok;
}
