/*
 * diffgen - differential test: random statements on the movie database,
 * run through a target (cbcached) and directly on PostgreSQL, compared
 * byte for byte.
 *
 *   diffgen --target CONNINFO --direct CONNINFO [--count N] [--seed S]
 *           [--writes PERCENT] [--wait-cmd CMD] [--max-print N]
 *           [--allow-errors] [--verbose]
 *   diffgen --print [--count N] [--seed S]     print the statements only
 *   diffgen --check-compare                    test the result comparison
 *
 * N statements are generated once (mostly in the subset the cache answers:
 * DESIGN.md section 4 over examples/movies/movies.cg) and run in two
 * phases.  Phase 1 runs each one on the target (cold: its fills are only
 * queued) and directly, and compares.  Then CMD runs (system(); the daemon
 * test passes "wait until the fill queue is drained"); a failing CMD fails
 * the run.  Phase 2 runs the same statements in an order shuffled with the
 * seed (warm: answered from the cache where it can) and compares again.
 *
 * Compared: the number of results, each result's status, SQLSTATE and
 * message, command tag, columns (name, type OID, typmod, size, format,
 * table OID and column number) and rows byte for byte: in order when the
 * ORDER BY fixes the order (it then ends with a key), else as multisets.
 *
 * Statements use literals (four string literal styles) or parameters
 * (extended protocol, untyped or typed, text or binary int4, unnamed or
 * named prepared statements), text or binary results.  Two session pairs
 * (target, direct) run with different TimeZone, DateStyle and
 * extra_float_digits and switch settings now and then (SET in the simple
 * or extended protocol, or set_config() in a SELECT).  With --writes P,
 * P percent of the steps are writes through the target (UPDATEs of
 * regisseur, film, ort and genre rows with names, numbers, NULLs and edge
 * values; INSERT and DELETE of a film with a cast row; some in a
 * transaction that is rolled back), each followed at once by reads of the
 * written rows on both target sessions, compared with direct reads.
 *
 * A statement that fails on the direct side counts as a failure too (the
 * generator makes only valid statements), unless --allow-errors.
 *
 * Prints the seed first, every mismatch (the first --max-print in full)
 * with the statement, its parameters and the session's settings, per-phase
 * counts and a summary line "N passed, M failed".  Exit status 1 on any
 * mismatch or a failing wait command, 2 on a usage or connection error.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/contract.h"

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

/* A key in 1..n skewed toward small values (the generator's hot rows). */
static long skewed(long n)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	return 1 + (long)((double)n * u * u * u);
}

#define PICK(arr) (arr[rnd() % CB_ARRAY_LEN(arr)])

/* ---- the movie schema ------------------------------------------------------ */

/* column classes: i int4, t text, v varchar, n numeric, f float8, d date, z timestamptz, b boolean */
typedef struct coldef {
	const char *name;
	char cls;
} coldef;

typedef struct tabdef {
	const char *name;
	const coldef *cols;
	int ncols;
} tabdef;

static const coldef reg_cols[] = {{"id", 'i'}, {"vname", 't'}, {"nname", 't'}, {"wohnort", 'v'}};
static const coldef film_cols[] = {{"id", 'i'},        {"titel", 't'},      {"ort", 'v'},        {"genre", 'i'},
                                   {"regie", 'i'},     {"jahr", 'i'},       {"laenge_min", 'i'}, {"budget", 'n'},
                                   {"bewertung", 'f'}, {"erschienen", 'd'}, {"geaendert", 'z'},  {"farbe", 'b'}};
static const coldef ort_cols[] = {{"plz", 'v'}, {"name", 't'}};
static const coldef genre_cols[] = {{"id", 'i'}, {"name", 't'}};
static const coldef darst_cols[] = {{"id", 'i'}, {"vname", 't'}, {"nname", 't'}, {"wohnort", 'v'}};
static const coldef df_cols[] = {{"did", 'i'}, {"fid", 'i'}, {"rolle", 't'}};

#define TAB(n, c)                          \
	{                                  \
		n, c, (int)CB_ARRAY_LEN(c) \
	}
static const tabdef T_REG = TAB("regisseur", reg_cols);
static const tabdef T_FILM = TAB("film", film_cols);
static const tabdef T_ORT = TAB("ort", ort_cols);
static const tabdef T_GENRE = TAB("genre", genre_cols);
static const tabdef T_DARST = TAB("darsteller", darst_cols);
static const tabdef T_DF = TAB("darst_film", df_cols);

typedef struct sizes {
	long reg, film, darst, ort;
} sizes;

static const char *const like_patterns[] = {
        "M%",       "m%",   "%ller",   "%üll%",   "MÜ%",        "%a%",        "Sch_%",  "%Cruz",  "O'%",
        "%",        "_",    "Z%",      "%ö%",     "van %",      "%SMITH",     "Zo_",    "%\\_%",  "%\\%%",
        "Der%",     "der%", "%Engel%", "%ENGEL%", "Die gro_e%", "Die große%", "%ß%",    "Ein %",  "%Ærø%",
        "%(Saale)", "Ö%",   "ö%",      "%é%",     "Hauptrolle", "haupt%",     "%rolle", "_rztin", "Ä%"};
static const char *const name_values[] = {"Müller", "MÜLLER", "müller", "Smith",     "O'Brien",    "de la Cruz",
                                          "Zoë",    "Anna",   "ANNA",   "Nobody",    "Østergaard", "Akın",
                                          "",       "a\\b",   "Zoë ",   "Tab\there", "😀 Emoji",    "Ünal"};
static const char *const rollen[] = {"Hauptrolle", "Nebenrolle", "Kommissar", "Ärztin", "hauptrolle", "Gast"};

/* ---- statements ---------------------------------------------------------- */

#define MAX_PARAMS 16
#define MAX_OUT 48

typedef enum proto {
	P_SIMPLE,   /* Query message, literals only */
	P_EXTENDED, /* unnamed Parse/Bind/Execute */
	P_PREPARED  /* named prepared statement, reused */
} proto;

typedef struct stmt {
	char sql[4096];
	size_t len;
	bool overflow;
	proto proto;
	bool binary;  /* binary results */
	bool ordered; /* the ORDER BY fixes the row order */
	bool multi;   /* several statements in one Query */
	int nparams;
	char params[MAX_PARAMS][160];
	int plen[MAX_PARAMS];
	int pfmt[MAX_PARAMS];
	Oid ptype[MAX_PARAMS];
	bool prepared[2]; /* named statement exists in session pair k */
	const char *what; /* for messages: "phase 1", "after write" */
} stmt;

CB_PRINTF(2, 3)
static void add(stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = sizeof(s->sql) - s->len;
	int n = vsnprintf(s->sql + s->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		s->overflow = true;
		s->len = sizeof(s->sql) - 1;
	} else {
		s->len += (size_t)n;
	}
}

static bool uses_params(const stmt *s)
{
	return s->proto != P_SIMPLE;
}

/* A text literal in one of PostgreSQL's four styles. */
static void text_literal(stmt *s, const char *text)
{
	int style = (int)(rnd() % 10);
	if (style < 5) { /* standard conforming: quotes doubled */
		add(s, "'");
		for (const char *p = text; *p; p++)
			add(s, *p == '\'' ? "''" : "%c", *p);
		add(s, "'");
	} else if (style < 7) { /* E'': backslash escapes, some bytes as \x or octal */
		add(s, "E'");
		for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
			if (*p == '\'' || *p == '\\')
				add(s, "\\%c", *p);
			else if (*p == '\t')
				add(s, "\\t");
			else if (*p < 0x80 && chance(10))
				add(s, "\\x%02x", *p);
			else
				add(s, "%c", *p);
		}
		add(s, "'");
	} else if (style < 9 && strstr(text, "$") == NULL) { /* dollar quoting */
		if (chance(50))
			add(s, "$$%s$$", text);
		else
			add(s, "$q$%s$q$", text);
	} else { /* U&'': non-ASCII as code point escapes */
		add(s, "U&'");
		const unsigned char *p = (const unsigned char *)text;
		while (*p) {
			unsigned cp = *p, n = 0;
			if (cp >= 0xF0)
				cp &= 0x07, n = 3;
			else if (cp >= 0xE0)
				cp &= 0x0F, n = 2;
			else if (cp >= 0xC0)
				cp &= 0x1F, n = 1;
			p++;
			for (unsigned k = 0; k < n && *p; k++, p++)
				cp = (cp << 6) | (*p & 0x3F);
			if (cp == '\'')
				add(s, "''");
			else if (cp == '\\')
				add(s, "\\\\");
			else if (cp >= 0x80 && cp > 0xFFFF)
				add(s, "\\+%06X", cp);
			else if (cp >= 0x80)
				add(s, "\\%04X", cp);
			else
				add(s, "%c", (char)cp);
		}
		add(s, "'");
	}
}

static void add_param(stmt *s, const char *text, Oid type, bool binary_int4)
{
	int i = s->nparams++;
	if (binary_int4) {
		uint32_t v = (uint32_t)(int32_t)atol(text);
		unsigned char *b = (unsigned char *)s->params[i];
		b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16);
		b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
		s->plen[i] = 4;
		s->pfmt[i] = 1;
		s->ptype[i] = 23;
	} else {
		snprintf(s->params[i], sizeof(s->params[0]), "%s", text);
		s->plen[i] = 0;
		s->pfmt[i] = 0;
		s->ptype[i] = type;
	}
	add(s, "$%d", s->nparams);
}

/* An integer value compared with an int4 column: $n or a literal. */
static void int_value(stmt *s, long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	if (uses_params(s) && s->nparams < MAX_PARAMS) {
		int k = (int)(rnd() % 10);
		bool fits = v >= INT32_MIN && v <= INT32_MAX;
		add_param(s, buf, k < 6 ? 0 : k < 8 ? 23 : k < 9 ? 20 : 23, k == 9 && fits);
		return;
	}
	if (chance(1))
		add(s, "'%ld'", v); /* an untyped string literal: valid, not in the cache's subset */
	else
		add(s, "%ld", v);
}

/* A LIMIT or OFFSET count. */
static void count_value(stmt *s, long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	if (uses_params(s) && s->nparams < MAX_PARAMS && chance(70))
		add_param(s, buf, chance(70) ? 0 : 20, false);
	else
		add(s, "%ld", v);
}

static void text_value(stmt *s, const char *text)
{
	if (uses_params(s) && s->nparams < MAX_PARAMS) {
		int k = (int)(rnd() % 10);
		add_param(s, text, k < 7 ? 0 : k < 9 ? 25 : 1043, false);
		return;
	}
	text_literal(s, text);
}

/* A value of another type, written as a literal with an explicit type or as a parameter. */
static void typed_value(stmt *s, const char *text, const char *type)
{
	if (uses_params(s) && s->nparams < MAX_PARAMS) {
		add_param(s, text, 0, false);
		return;
	}
	if (chance(50)) {
		add(s, "%s ", type);
		text_literal(s, text);
	} else {
		text_literal(s, text);
		add(s, "::%s", type);
	}
}

static void plz_of(long j, char *out, size_t n)
{
	snprintf(out, n, "%05ld", (j * 7919) % 99999 + 1);
}

/* ---- query generation ------------------------------------------------------ */

typedef struct occ {
	const char *alias;
	const tabdef *t;
} occ;

typedef struct outcol {
	const occ *o; /* NULL: a constant or an aggregate */
	int col;
} outcol;

typedef struct gen {
	stmt *s;
	const sizes *z;
	occ occs[4];
	int nocc;
	outcol out[MAX_OUT];
	int nout;
	bool distinct;
} gen;

static const occ *use(gen *g, const char *alias, const tabdef *t)
{
	g->occs[g->nocc] = (occ){alias, t};
	return &g->occs[g->nocc++];
}

static void out_col(gen *g, bool *first, const occ *o, int c)
{
	add(g->s, "%s%s.%s", *first ? "" : ", ", o->alias, o->t->cols[c].name);
	*first = false;
	if (g->nout < MAX_OUT)
		g->out[g->nout++] = (outcol){o, c};
}

/* Some columns of o (at least one), in table order or shuffled. */
static void some_cols(gen *g, bool *first, const occ *o, int percent)
{
	int n = o->t->ncols, order[16];
	for (int i = 0; i < n; i++)
		order[i] = i;
	if (chance(30))
		for (int i = n - 1; i > 0; i--) {
			int j = (int)(rnd() % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
	bool any = false;
	for (int i = 0; i < n; i++)
		if (chance(percent) || (!any && i == n - 1)) {
			out_col(g, first, o, order[i]);
			any = true;
		}
}

/* The select list over the occurrences wanted[] (a mask over g->occs). */
static void select_list(gen *g, unsigned wanted)
{
	stmt *s = g->s;
	add(s, "SELECT %s", g->distinct ? "DISTINCT " : "");
	bool first = true;
	if (!g->distinct && chance(8)) {
		add(s, "*");
		for (int k = 0; k < g->nocc; k++)
			for (int c = 0; c < g->occs[k].t->ncols; c++)
				if (g->nout < MAX_OUT)
					g->out[g->nout++] = (outcol){&g->occs[k], c};
		return;
	}
	if (!g->distinct && chance(5)) {
		static const struct {
			const char *text;
			int n;
		} consts[] = {{"1", 1}, {"'x'", 1}, {"true", 1}, {"1, 'x', true", 3}, {"-7", 1}, {"'Müller'", 1}};
		int c = (int)(rnd() % CB_ARRAY_LEN(consts));
		add(s, "%s, ", consts[c].text);
		for (int i = 0; i < consts[c].n; i++)
			g->out[g->nout++] = (outcol){NULL, 0};
	}
	for (int k = 0; k < g->nocc; k++) {
		if (!(wanted & (1u << k)))
			continue;
		if (!g->distinct && chance(7)) {
			add(s, "%s%s.*", first ? "" : ", ", g->occs[k].alias);
			first = false;
			for (int c = 0; c < g->occs[k].t->ncols; c++)
				if (g->nout < MAX_OUT)
					g->out[g->nout++] = (outcol){&g->occs[k], c};
		} else {
			some_cols(g, &first, &g->occs[k], g->distinct ? 25 : 50);
		}
	}
}

static bool sortable_in_cache(char cls)
{
	return cls == 'i' || cls == 't' || cls == 'v';
}

static void sort_dir(stmt *s)
{
	int d = (int)(rnd() % 4);
	add(s, "%s", d == 0 ? " DESC" : d == 1 ? " ASC" : "");
	if (chance(25))
		add(s, chance(50) ? " NULLS FIRST" : " NULLS LAST");
}

/* One sort item naming output column k: by position or by name. */
static void sort_out(gen *g, int k)
{
	if (chance(30) || g->out[k].o == NULL)
		add(g->s, "%d", k + 1);
	else
		add(g->s, "%s.%s", g->out[k].o->alias, g->out[k].o->t->cols[g->out[k].col].name);
	sort_dir(g->s);
}

static void limit_offset(gen *g)
{
	stmt *s = g->s;
	switch (rnd() % 7) {
	case 0:
	case 1:
		add(s, " LIMIT ");
		count_value(s, rnd_range(0, 12));
		break;
	case 2:
		add(s, " LIMIT ");
		count_value(s, rnd_range(1, 8));
		add(s, " OFFSET ");
		count_value(s, rnd_range(0, 6));
		break;
	case 3:
		add(s, " OFFSET ");
		count_value(s, rnd_range(1, 6));
		break;
	case 4:
		add(s, " LIMIT ALL");
		break;
	case 5:
		add(s, " FETCH FIRST ");
		count_value(s, rnd_range(1, 5));
		add(s, " ROWS ONLY");
		break;
	default:
		add(s, " OFFSET ");
		count_value(s, rnd_range(0, 3));
		add(s, " ROWS FETCH NEXT ");
		count_value(s, rnd_range(1, 5));
		add(s, " ROWS ONLY");
		break;
	}
}

/*
 * ORDER BY: a few sort items on any columns (ties and NULLs), then the
 * keys, which fix the order; sometimes no key, then the rows are compared
 * as a multiset and no LIMIT follows.  Under DISTINCT only output columns
 * may be sorted: all of them fix the order.
 */
static void order_by(gen *g, const char *const *keys, int nkeys)
{
	stmt *s = g->s;
	if (!chance(55))
		return;
	add(s, " ORDER BY ");
	if (g->distinct) {
		int order[MAX_OUT];
		for (int i = 0; i < g->nout; i++)
			order[i] = i;
		for (int i = g->nout - 1; i > 0; i--) {
			int j = (int)(rnd() % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		bool all = chance(80);
		int n = all ? g->nout : (int)rnd_range(1, g->nout);
		for (int i = 0; i < n; i++) {
			if (i)
				add(s, ", ");
			sort_out(g, order[i]);
		}
		s->ordered = n == g->nout;
	} else {
		int k = (int)rnd_range(0, 2);
		for (int i = 0; i < k; i++) {
			if (g->nout > 0 && chance(40)) {
				sort_out(g, (int)(rnd() % (uint64_t)g->nout));
			} else {
				const occ *o = &g->occs[rnd() % (uint64_t)g->nocc];
				int c = (int)(rnd() % (uint64_t)o->t->ncols);
				if (!sortable_in_cache(o->t->cols[c].cls) && chance(75))
					c = 0;
				add(s, "%s.%s", o->alias, o->t->cols[c].name);
				sort_dir(s);
			}
			add(s, ", ");
		}
		if (chance(85)) {
			for (int i = 0; i < nkeys; i++) {
				add(s, "%s%s", i ? ", " : "", keys[i]);
				if (chance(30))
					add(s, " DESC");
			}
			s->ordered = true;
		} else {
			if (k > 0) {
				s->len -= 2; /* the last ", " */
				s->sql[s->len] = '\0';
			} else /* ties only: sort on a column that repeats */
				add(s, "%s.%s", g->occs[g->nocc - 1].alias, g->occs[g->nocc - 1].t->cols[1].name);
		}
	}
	if (s->ordered && chance(45))
		limit_offset(g);
}

static long reg_id(const gen *g)
{
	return chance(4) ? g->z->reg + rnd_range(1, 5) : skewed(g->z->reg);
}

static void reg_ids(gen *g, const char *expr)
{
	stmt *s = g->s;
	if (chance(65)) {
		add(s, "%s = ", expr);
		int_value(s, reg_id(g));
	} else {
		add(s, "%s IN (", expr);
		for (long i = 0, n = rnd_range(1, 5); i < n; i++) {
			if (i)
				add(s, ", ");
			int_value(s, reg_id(g));
		}
		add(s, ")");
	}
}

static void a_plz(gen *g, char *out, size_t n)
{
	if (chance(5))
		snprintf(out, n, "%s", chance(50) ? "00000" : "1234");
	else
		plz_of(skewed(g->z->ort), out, n);
}

/* Extra non-entry predicates on an occurrence. */
static void filters(gen *g, const occ *o)
{
	stmt *s = g->s;
	const char *a = o->alias;
	int n = chance(55) ? 0 : (int)rnd_range(1, 2);
	for (int i = 0; i < n; i++) {
		add(s, " AND ");
		if (o->t == &T_FILM) {
			switch (rnd() % 16) {
			case 0:
				add(s, "%s.jahr BETWEEN ", a);
				int_value(s, rnd_range(1950, 1990));
				add(s, " AND ");
				int_value(s, rnd_range(1990, 2025));
				break;
			case 1:
				add(s, "%s.%s IS %sNULL", a,
				    PICK(((const char *const[]){"laenge_min", "ort", "bewertung", "budget"})),
				    chance(50) ? "NOT " : "");
				break;
			case 2:
				add(s, "%s.jahr %s ", a,
				    PICK(((const char *const[]){"<", "<=", ">", ">=", "=", "<>"})));
				int_value(s, rnd_range(1950, 2025));
				break;
			case 3:
				add(s, "%s.titel LIKE ", a);
				text_value(s, PICK(like_patterns));
				break;
			case 4: {
				char plz[8];
				a_plz(g, plz, sizeof(plz));
				add(s, "%s.ort = ", a);
				text_value(s, plz);
				break;
			}
			case 5:
				add(s, "%s.genre IN (", a);
				int_value(s, rnd_range(1, 12));
				add(s, ", ");
				int_value(s, rnd_range(1, 12));
				add(s, ")");
				break;
			case 6:
				add(s, "%s.bewertung > ", a);
				typed_value(s, PICK(((const char *const[]){"5.5", "7", "1e-3", "9.1"})), "float8");
				break;
			case 7:
				add(s, "%s.budget < ", a);
				typed_value(s, PICK(((const char *const[]){"25000000.50", "1e7", "0"})), "numeric");
				break;
			case 8:
				add(s, "%s.erschienen >= ", a);
				typed_value(s, PICK(((const char *const[]){"1990-06-15", "2000-02-29", "1970-01-01"})),
				            "date");
				break;
			case 9:
				add(s, "%s.geaendert < ", a);
				typed_value(s,
				            PICK(((const char *const[]){"2020-02-01 00:00:00+00",
				                                        "2020-03-29 02:30:00+01"})),
				            "timestamptz");
				break;
			case 10:
				add(s, "%s.jahr = %s.laenge_min", a, a);
				break;
			case 11:
				add(s, "%s.titel %s ", a, PICK(((const char *const[]){"<", ">=", "="})));
				text_value(s, PICK(((const char *const[]){"Der blaue Engel", "Die", "M",
				                                          "Ein stiller Zug 5"})));
				break;
			case 13:
				/* booleans: compared in the cache as 0/1 (issue: they were text there) */
				add(s, "%s.farbe %s %s", a, PICK(((const char *const[]){"=", "<>", "="})),
				    PICK(((const char *const[]){"true", "false", "'t'", "'f'", "TRUE", "'false'"})));
				break;
			case 14:
				add(s, "%s.farbe %s", a,
				    PICK(((const char *const[]){"IS NULL", "IS NOT NULL", "IN (false)",
				                                "IN (true, false)"})));
				break;
			case 12:
				add(s, "%s.laenge_min IN (", a);
				int_value(s, rnd_range(60, 180));
				add(s, ", ");
				int_value(s, rnd_range(60, 180));
				add(s, ")");
				break;
			default:
				add(s, "%s.ort LIKE ", a);
				text_value(s, PICK(((const char *const[]){"0%", "%1", "_2%", "%"})));
				break;
			}
		} else if (o->t == &T_REG || o->t == &T_DARST) {
			switch (rnd() % 5) {
			case 0:
				add(s, "%s.vname IS %sNULL", a, chance(50) ? "NOT " : "");
				break;
			case 1:
				add(s, "%s.nname LIKE ", a);
				text_value(s, PICK(like_patterns));
				break;
			case 2:
				add(s, "%s.nname = ", a);
				text_value(s, PICK(name_values));
				break;
			case 3:
				add(s, "%s.wohnort IS NULL", a);
				break;
			default:
				add(s, "%s.vname %s ", a, chance(50) ? "<" : ">");
				text_value(s, PICK(name_values));
				break;
			}
		} else if (o->t == &T_DF) {
			switch (rnd() % 3) {
			case 0:
				add(s, "%s.rolle IS %sNULL", a, chance(50) ? "NOT " : "");
				break;
			case 1:
				add(s, "%s.rolle LIKE ", a);
				text_value(s, PICK(like_patterns));
				break;
			default:
				add(s, "%s.rolle = ", a);
				text_value(s, PICK(rollen));
				break;
			}
		} else {
			add(s, "%s.name LIKE ", a);
			text_value(s, PICK(like_patterns));
		}
	}
}

static const char *const aggs_film[] = {"count(*)",
                                        "count(f.bewertung)",
                                        "count(f.ort), min(f.jahr), max(f.jahr), sum(f.laenge_min)",
                                        "sum(f.jahr)",
                                        "min(f.titel) AS m",
                                        "max(f.ort) AS m",
                                        "max(f.titel)",
                                        "count(f.laenge_min), sum(f.laenge_min)",
                                        "min(f.genre), max(f.regie)",
                                        "avg(f.laenge_min)",
                                        "sum(f.budget)",
                                        "max(f.bewertung), min(f.bewertung)",
                                        "count(DISTINCT f.jahr)",
                                        "min(f.erschienen), max(f.geaendert)"};

/* An aggregate select list over the film occurrence "f". */
static void film_aggregate(gen *g)
{
	add(g->s, "SELECT %s", PICK(aggs_film));
}

/* One statement of a randomly chosen shape. */
static void generate(stmt *s, const sizes *z)
{
	memset(s, 0, sizeof(*s));
	int p = (int)(rnd() % 100);
	s->proto = p < 50 ? P_SIMPLE : p < 80 ? P_EXTENDED : P_PREPARED;
	s->binary = s->proto != P_SIMPLE && chance(30);
	gen G = {.s = s, .z = z}, *g = &G;
	switch (rnd() % 20) {
	case 0: /* director by id or IN list (fill column, unique) */
	case 1: {
		bool bare = chance(30);
		use(g, bare ? "regisseur" : "r", &T_REG);
		g->distinct = chance(8);
		select_list(g, 1);
		add(s, " FROM regisseur%s WHERE ", bare ? "" : " r");
		reg_ids(g, bare ? "regisseur.id" : "r.id");
		filters(g, &g->occs[0]);
		order_by(g, (const char *const[]){bare ? "regisseur.id" : "r.id"}, 1);
		break;
	}
	case 2: /* director's films along the RCC regisseur.id -> film.regie */
	case 3: {
		use(g, "r", &T_REG);
		use(g, "f", &T_FILM);
		g->distinct = chance(10);
		select_list(g, chance(40) ? 3 : 2);
		if (chance(50)) {
			add(s, " FROM regisseur r %sJOIN film f ON %s", chance(50) ? "INNER " : "",
			    chance(50) ? "f.regie = r.id" : "r.id = f.regie");
			add(s, " WHERE ");
		} else {
			add(s, " FROM %s WHERE %s AND ", chance(50) ? "regisseur r, film f" : "film f, regisseur r",
			    chance(50) ? "f.regie = r.id" : "r.id = f.regie");
		}
		reg_ids(g, chance(80) ? "r.id" : "f.regie");
		filters(g, &g->occs[1]);
		order_by(g, (const char *const[]){"f.id"}, 1);
		break;
	}
	case 4: /* films by director (RCC target as the entry point) */
	case 5: {
		bool bare = chance(30);
		use(g, bare ? "film" : "f", &T_FILM);
		g->distinct = chance(12);
		select_list(g, 1);
		add(s, " FROM film%s WHERE ", bare ? "" : " f");
		reg_ids(g, bare ? "film.regie" : "f.regie");
		filters(g, &g->occs[0]);
		order_by(g, (const char *const[]){bare ? "film.id" : "f.id"}, 1);
		break;
	}
	case 6: /* regisseur - film - ort (3-way chain) */
		use(g, "r", &T_REG);
		use(g, "f", &T_FILM);
		use(g, "o", &T_ORT);
		g->distinct = chance(12);
		select_list(g, chance(30) ? 7 : 6);
		if (chance(50))
			add(s, " FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON %s WHERE ",
			    chance(50) ? "o.plz = f.ort" : "f.ort = o.plz");
		else
			add(s, " FROM regisseur r, film f, ort o WHERE f.regie = r.id AND o.plz = f.ort AND ");
		reg_ids(g, "r.id");
		filters(g, &g->occs[1]);
		order_by(g, (const char *const[]){"f.id"}, 1);
		break;
	case 7: /* regisseur - film - darst_film - darsteller (4-way chain) */
	case 8:
		use(g, "r", &T_REG);
		use(g, "f", &T_FILM);
		use(g, "df", &T_DF);
		use(g, "d", &T_DARST);
		if (chance(15)) {
			add(s, "SELECT count(*)%s", chance(50) ? ", count(df.rolle), min(d.nname) AS m" : "");
		} else {
			g->distinct = chance(12);
			select_list(g, chance(20) ? 15 : 14);
		}
		if (chance(60))
			add(s, " FROM regisseur r JOIN film f ON f.regie = r.id JOIN darst_film df ON df.fid = f.id "
			       "JOIN darsteller d ON d.id = df.did WHERE ");
		else
			add(s, " FROM film f, darst_film df, darsteller d, regisseur r WHERE f.id = df.fid AND "
			       "df.did = d.id AND r.id = f.regie AND ");
		reg_ids(g, "r.id");
		filters(g, chance(50) ? &g->occs[3] : &g->occs[2]);
		if (g->nout > 0)
			order_by(g, (const char *const[]){"f.id", "d.id"}, 2);
		break;
	case 9: /* a film's cast: unique film id or the RCC target darst_film.fid */
		use(g, "df", &T_DF);
		use(g, "d", &T_DARST);
		g->distinct = chance(10);
		select_list(g, chance(50) ? 3 : 2);
		if (chance(50)) {
			add(s, " FROM darst_film df JOIN darsteller d ON d.id = df.did WHERE df.fid ");
		} else {
			add(s, " FROM darsteller d, darst_film df WHERE df.did = d.id AND df.fid ");
		}
		if (chance(70)) {
			add(s, "= ");
			int_value(s, skewed(z->film + 3));
		} else {
			add(s, "IN (");
			int_value(s, skewed(z->film));
			add(s, ", ");
			int_value(s, skewed(z->film));
			add(s, ")");
		}
		filters(g, &g->occs[0]);
		order_by(g, (const char *const[]){"df.fid", "d.id"}, 2);
		break;
	case 10: /* director and home town along regisseur.wohnort -> ort.plz */
		use(g, "r", &T_REG);
		use(g, "o", &T_ORT);
		g->distinct = chance(10);
		select_list(g, 3);
		add(s, " FROM regisseur r %s WHERE ", chance(50) ? "JOIN ort o ON o.plz = r.wohnort" : ", ort o");
		if (strstr(s->sql, "JOIN") == NULL)
			add(s, "r.wohnort = o.plz AND ");
		reg_ids(g, "r.id");
		order_by(g, (const char *const[]){"r.id"}, 1);
		break;
	case 11: { /* places by postal code (unique, RCC target) */
		use(g, "o", &T_ORT);
		select_list(g, 1);
		add(s, " FROM ort o WHERE o.plz ");
		char plz[8];
		if (chance(60)) {
			a_plz(g, plz, sizeof(plz));
			add(s, "= ");
			text_value(s, plz);
		} else {
			add(s, "IN (");
			for (int i = 0, n = (int)rnd_range(1, 4); i < n; i++) {
				a_plz(g, plz, sizeof(plz));
				add(s, "%s", i ? ", " : "");
				text_value(s, plz);
			}
			add(s, ")");
		}
		filters(g, &g->occs[0]);
		order_by(g, (const char *const[]){"o.plz"}, 1);
		break;
	}
	case 12: { /* films by genre: a fill column with a values list (1, 2, 3) */
		use(g, "f", &T_FILM);
		long genre = chance(80) ? rnd_range(1, 3) : rnd_range(4, 13);
		bool agg = chance(25);
		if (agg)
			film_aggregate(g);
		else
			select_list(g, 1);
		add(s, " FROM film f WHERE f.genre = ");
		int_value(s, genre);
		if (chance(70)) {
			add(s, " AND f.regie = ");
			int_value(s, skewed(z->reg));
		} else { /* a non-entry predicate keeps the answer small */
			add(s, " AND f.jahr = ");
			int_value(s, rnd_range(1950, 2025));
		}
		filters(g, &g->occs[0]);
		if (!agg)
			order_by(g, (const char *const[]){"f.id"}, 1);
		break;
	}
	case 13: /* film by id (unique), IN list, with genre (complete) */
		use(g, "f", &T_FILM);
		if (chance(40)) {
			use(g, "g", &T_GENRE);
			select_list(g, 3);
			add(s, " FROM film f JOIN genre g ON g.id = f.genre WHERE f.id ");
		} else {
			select_list(g, 1);
			add(s, " FROM film f WHERE f.id ");
		}
		if (chance(60)) {
			add(s, "= ");
			int_value(s, skewed(z->film + 3));
		} else {
			add(s, "IN (");
			for (int i = 0, n = (int)rnd_range(1, 5); i < n; i++) {
				add(s, "%s", i ? ", " : "");
				int_value(s, skewed(z->film + 3));
			}
			add(s, ")");
		}
		order_by(g, (const char *const[]){"f.id"}, 1);
		break;
	case 14: /* genre (a complete table) */
		use(g, "g", &T_GENRE);
		select_list(g, 1);
		add(s, " FROM genre g");
		switch (rnd() % 4) {
		case 0:
			add(s, " WHERE g.id = ");
			int_value(s, rnd_range(1, 14));
			break;
		case 1:
			add(s, " WHERE g.id IN (");
			int_value(s, rnd_range(1, 13));
			add(s, ", ");
			int_value(s, rnd_range(1, 13));
			add(s, ")");
			break;
		case 2:
			add(s, " WHERE g.name LIKE ");
			text_value(s, PICK(((const char *const[]){"K%", "%film", "%ö%", "k%", "_rama", "%"})));
			break;
		default:
			break;
		}
		order_by(g, (const char *const[]){"g.id"}, 1);
		break;
	case 15: /* aggregates over a director's films, by groups or not */
		use(g, "f", &T_FILM);
		if (chance(50)) {
			static const char *const groups[] = {"f.jahr",  "f.genre",         "f.ort",
			                                     "f.regie", "f.jahr, f.genre", "f.erschienen"};
			const char *by = PICK(groups);
			add(s, "SELECT %s, %s", by, PICK(aggs_film));
			add(s, " FROM film f WHERE ");
			reg_ids(g, "f.regie");
			filters(g, &g->occs[0]);
			add(s, " GROUP BY %s", by);
			if (chance(50)) { /* one row per group: ordering by all group columns fixes the order */
				add(s, " ORDER BY %s", by);
				s->ordered = true;
			}
			break;
		}
		film_aggregate(g);
		add(s, " FROM film f WHERE ");
		reg_ids(g, "f.regie");
		filters(g, &g->occs[0]);
		break;
	case 16: /* against the RCCs: not anchored, answered by the backend */
		switch (rnd() % 5) {
		case 0: {
			char plz[8];
			a_plz(g, plz, sizeof(plz));
			add(s, "SELECT f.id, f.titel, o.name FROM ort o, film f WHERE o.plz = ");
			text_value(s, plz);
			add(s, " AND f.ort = o.plz");
			break;
		}
		case 1:
			add(s, "SELECT df.fid, df.rolle, d.nname FROM darsteller d JOIN darst_film df ON df.did = d.id "
			       "WHERE d.id = ");
			int_value(s, skewed(z->darst));
			break;
		case 2:
			add(s, "SELECT r.nname, f.titel FROM film f, regisseur r WHERE f.id = ");
			int_value(s, skewed(z->film));
			add(s, " AND f.regie = r.id");
			break;
		case 3: {
			char plz[8];
			a_plz(g, plz, sizeof(plz));
			add(s, "SELECT r.id, r.nname FROM ort o, regisseur r WHERE o.plz = ");
			text_value(s, plz);
			add(s, " AND r.wohnort = o.plz");
			break;
		}
		default:
			add(s, "SELECT df.fid, df.rolle FROM darst_film df WHERE df.did = ");
			int_value(s, skewed(z->darst));
			break;
		}
		break;
	case 17: /* predicates on non-entry columns: backend */
		switch (rnd() % 4) {
		case 0:
			add(s, "SELECT f.id, f.titel FROM film f WHERE f.jahr = ");
			int_value(s, rnd_range(1950, 2025));
			add(s, " AND f.laenge_min = ");
			int_value(s, rnd_range(60, 180));
			break;
		case 1:
			add(s, "SELECT r.id, r.vname, r.nname FROM regisseur r WHERE r.nname = ");
			text_value(s, PICK(name_values));
			break;
		case 2:
			add(s, "SELECT d.id, d.nname FROM darsteller d WHERE d.nname LIKE ");
			text_value(s, PICK(like_patterns));
			add(s, " AND d.id < ");
			int_value(s, rnd_range(10, 300));
			break;
		default:
			add(s, "SELECT f.id FROM film f WHERE f.regie = ");
			int_value(s, skewed(z->reg));
			add(s, " OR f.regie = ");
			int_value(s, skewed(z->reg));
			break;
		}
		if (chance(50)) {
			add(s, " ORDER BY 1");
			s->ordered = true;
		}
		break;
	case 18: /* darsteller by id (unique) */
		use(g, "d", &T_DARST);
		select_list(g, 1);
		add(s, " FROM darsteller d WHERE d.id ");
		if (chance(70)) {
			add(s, "= ");
			int_value(s, skewed(z->darst + 3));
		} else {
			add(s, "IN (");
			int_value(s, skewed(z->darst));
			add(s, ", ");
			int_value(s, skewed(z->darst));
			add(s, ")");
		}
		order_by(g, (const char *const[]){"d.id"}, 1);
		break;
	default: /* film and its genre and place through two RCC/complete joins */
		use(g, "f", &T_FILM);
		use(g, "g", &T_GENRE);
		use(g, "o", &T_ORT);
		select_list(g, 7);
		add(s, " FROM film f JOIN genre g ON f.genre = g.id JOIN ort o ON o.plz = f.ort WHERE ");
		reg_ids(g, "f.regie");
		filters(g, &g->occs[0]);
		order_by(g, (const char *const[]){"f.id"}, 1);
		break;
	}
	/* now and then two statements in one simple Query */
	if (s->proto == P_SIMPLE && chance(2)) {
		add(s, "; SELECT count(*) FROM genre");
		s->multi = true;
	}
}

/* ---- running and comparing -------------------------------------------------- */

#define MAX_RESULTS 4

typedef struct results {
	PGresult *r[MAX_RESULTS];
	int n;
	char conn_error[256];
} results;

static void results_clear(results *rs)
{
	for (int i = 0; i < rs->n; i++)
		PQclear(rs->r[i]);
	rs->n = 0;
}

static void collect(PGconn *c, results *rs)
{
	PGresult *r;
	while ((r = PQgetResult(c)) != NULL) {
		if (rs->n < MAX_RESULTS)
			rs->r[rs->n++] = r;
		else
			PQclear(r);
	}
}

/* Run s on connection c of session pair k (name: the statement's number). */
static void run(PGconn *c, stmt *s, int k, long id, bool is_target, results *rs)
{
	rs->n = 0;
	rs->conn_error[0] = '\0';
	const char *vals[MAX_PARAMS];
	for (int i = 0; i < s->nparams; i++)
		vals[i] = s->params[i];
	int ok;
	if (s->proto == P_SIMPLE) {
		ok = PQsendQuery(c, s->sql);
	} else if (s->proto == P_EXTENDED) {
		ok = PQsendQueryParams(c, s->sql, s->nparams, s->ptype, vals, s->plen, s->pfmt, s->binary ? 1 : 0);
	} else {
		char name[32];
		snprintf(name, sizeof(name), "dg%ld", id);
		if (!s->prepared[k]) {
			/* prepared once per session pair, on both sides; the flag is set by the direct side's run */
			PGresult *p = PQprepare(c, name, s->sql, s->nparams, s->ptype);
			if (PQresultStatus(p) != PGRES_COMMAND_OK) {
				if (rs->n < MAX_RESULTS)
					rs->r[rs->n++] = p;
				else
					PQclear(p);
				return;
			}
			PQclear(p);
			if (!is_target)
				s->prepared[k] = true;
		}
		ok = PQsendQueryPrepared(c, name, s->nparams, vals, s->plen, s->pfmt, s->binary ? 1 : 0);
	}
	if (!ok) {
		snprintf(rs->conn_error, sizeof(rs->conn_error), "%s", PQerrorMessage(c));
		return;
	}
	collect(c, rs);
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
		if (rows[i].bytes == NULL) {
			for (int k = 0; k < i; k++)
				free(rows[k].bytes);
			free(rows);
			return NULL;
		}
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

/* A value for a message: text as is (cut), binary in hex. */
static void show_value(const PGresult *r, int i, int j, char *out, size_t n)
{
	if (PQgetisnull(r, i, j)) {
		snprintf(out, n, "NULL");
		return;
	}
	const char *v = PQgetvalue(r, i, j);
	int len = PQgetlength(r, i, j);
	if (PQfformat(r, j) == 0) {
		snprintf(out, n, "'%.*s'", len > 60 ? 60 : len, v);
		return;
	}
	size_t at = 0;
	at += (size_t)snprintf(out, n, "\\x");
	for (int k = 0; k < len && at + 3 < n && k < 30; k++)
		at += (size_t)snprintf(out + at, n - at, "%02x", (unsigned char)v[k]);
}

/* Where two rows differ: the first column. */
static void describe_row_diff(const PGresult *a, int ia, const PGresult *b, int ib, char *why, size_t whysz)
{
	for (int j = 0; j < PQnfields(a); j++) {
		int la = PQgetisnull(a, ia, j) ? -1 : PQgetlength(a, ia, j);
		int lb = PQgetisnull(b, ib, j) ? -1 : PQgetlength(b, ib, j);
		if (la != lb || (la > 0 && memcmp(PQgetvalue(a, ia, j), PQgetvalue(b, ib, j), (size_t)la) != 0)) {
			char va[160], vb[160];
			show_value(a, ia, j, va, sizeof(va));
			show_value(b, ib, j, vb, sizeof(vb));
			size_t at = strlen(why);
			snprintf(why + at, whysz - at, ": column %d (%s): target %s, direct %s", j + 1, PQfname(a, j),
			         va, vb);
			return;
		}
	}
}

typedef struct row_ref {
	row r;
	int index;
} row_ref;

static int cmp_row_ref(const void *a, const void *b)
{
	return cmp_row(&((const row_ref *)a)->r, &((const row_ref *)b)->r);
}

/* Compare two results (a: target, b: direct); describe the first difference in why. */
static bool same_result(const PGresult *a, const PGresult *b, bool ordered, char *why, size_t whysz)
{
	ExecStatusType sa = PQresultStatus(a), sb = PQresultStatus(b);
	if (sa != sb) {
		snprintf(why, whysz, "status %s vs %s (%s | %s)", PQresStatus(sa), PQresStatus(sb),
		         PQresultErrorMessage(a), PQresultErrorMessage(b));
		return false;
	}
	if (sa == PGRES_FATAL_ERROR || sa == PGRES_NONFATAL_ERROR) {
		const char *ca = PQresultErrorField(a, PG_DIAG_SQLSTATE), *cb = PQresultErrorField(b, PG_DIAG_SQLSTATE);
		const char *ma = PQresultErrorField(a, PG_DIAG_MESSAGE_PRIMARY),
		           *mb = PQresultErrorField(b, PG_DIAG_MESSAGE_PRIMARY);
		if (!ca || !cb || strcmp(ca, cb) != 0 || !ma || !mb || strcmp(ma, mb) != 0) {
			snprintf(why, whysz, "error %s %s vs %s %s", ca ? ca : "-", ma ? ma : "-", cb ? cb : "-",
			         mb ? mb : "-");
			return false;
		}
		return true;
	}
	if (strcmp(PQcmdStatus((PGresult *)a), PQcmdStatus((PGresult *)b)) != 0) {
		snprintf(why, whysz, "command tag '%s' vs '%s'", PQcmdStatus((PGresult *)a),
		         PQcmdStatus((PGresult *)b));
		return false;
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
		    PQfsize(a, j) != PQfsize(b, j) || PQftable(a, j) != PQftable(b, j) ||
		    PQftablecol(a, j) != PQftablecol(b, j)) {
			snprintf(why, whysz,
			         "column %d: %s oid %u mod %d size %d fmt %d table %u col %d vs %s oid %u mod %d size "
			         "%d "
			         "fmt %d table %u col %d",
			         j + 1, PQfname(a, j), PQftype(a, j), PQfmod(a, j), PQfsize(a, j), PQfformat(a, j),
			         PQftable(a, j), PQftablecol(a, j), PQfname(b, j), PQftype(b, j), PQfmod(b, j),
			         PQfsize(b, j), PQfformat(b, j), PQftable(b, j), PQftablecol(b, j));
			return false;
		}
	}
	int nr = PQntuples(a);
	if (nr != PQntuples(b)) {
		snprintf(why, whysz, "%d vs %d rows", nr, PQntuples(b));
		return false;
	}
	row *ra = serialize(a), *rb = serialize(b);
	if (ra == NULL || rb == NULL) {
		free_rows(ra, ra ? nr : 0);
		free_rows(rb, rb ? nr : 0);
		snprintf(why, whysz, "out of memory comparing %d rows", nr);
		return false;
	}
	bool same = true;
	if (ordered) {
		for (int i = 0; same && i < nr; i++)
			if (cmp_row(&ra[i], &rb[i]) != 0) {
				snprintf(why, whysz, "row %d differs (in order)", i + 1);
				describe_row_diff(a, i, b, i, why, whysz);
				same = false;
			}
	} else {
		row_ref *xa = calloc((size_t)(nr ? nr : 1), sizeof(row_ref)),
		        *xb = calloc((size_t)(nr ? nr : 1), sizeof(row_ref));
		if (xa == NULL || xb == NULL) {
			snprintf(why, whysz, "out of memory comparing %d rows", nr);
			same = false;
		}
		for (int i = 0; same && i < nr; i++) {
			xa[i] = (row_ref){ra[i], i};
			xb[i] = (row_ref){rb[i], i};
		}
		if (same) {
			qsort(xa, (size_t)nr, sizeof(row_ref), cmp_row_ref);
			qsort(xb, (size_t)nr, sizeof(row_ref), cmp_row_ref);
		}
		for (int i = 0; same && i < nr; i++)
			if (cmp_row(&xa[i].r, &xb[i].r) != 0) {
				snprintf(why, whysz, "the rows differ as multisets (target row %d, direct row %d)",
				         xa[i].index + 1, xb[i].index + 1);
				describe_row_diff(a, xa[i].index, b, xb[i].index, why, whysz);
				same = false;
			}
		free(xa);
		free(xb);
	}
	free_rows(ra, nr);
	free_rows(rb, nr);
	return same;
}

static bool same_results(const results *a, const results *b, bool ordered, char *why, size_t whysz)
{
	if (a->conn_error[0] || b->conn_error[0]) {
		snprintf(why, whysz, "could not send: target: %s direct: %s", a->conn_error, b->conn_error);
		return false;
	}
	if (a->n != b->n) {
		snprintf(why, whysz, "%d vs %d results", a->n, b->n);
		return false;
	}
	for (int i = 0; i < a->n; i++) {
		/* in a multi-statement query only the first result may be unordered */
		if (!same_result(a->r[i], b->r[i], i > 0 || ordered, why, whysz))
			return false;
	}
	return true;
}

/* ---- sessions ------------------------------------------------------------------ */

static const char *const timezones[] = {"Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata",
                                        "Australia/Lord_Howe"};
static const char *const datestyles[] = {"ISO, DMY",    "ISO, MDY",      "SQL, DMY",
                                         "German, DMY", "Postgres, MDY", "ISO, YMD"};
static const int float_digits[] = {0, 3, 1, -4, 2};

typedef struct settings {
	int tz, ds, efd;
} settings;

typedef struct pair {
	PGconn *t, *d; /* target, direct */
	settings set;
} pair;

static bool exec_both(pair *p, const char *sql, const char *const *vals, int nvals, int how, char *why, size_t n)
{
	results rt = {0}, rd = {0};
	PGconn *cs[2] = {p->t, p->d};
	results *rs[2] = {&rt, &rd};
	for (int i = 0; i < 2; i++) {
		int ok = how == 0 ? PQsendQuery(cs[i], sql)
		                  : PQsendQueryParams(cs[i], sql, nvals, NULL, vals, NULL, NULL, 0);
		if (!ok)
			snprintf(rs[i]->conn_error, sizeof(rs[i]->conn_error), "%s", PQerrorMessage(cs[i]));
		else
			collect(cs[i], rs[i]);
	}
	bool same = same_results(&rt, &rd, true, why, n);
	for (int i = 0; same && i < rd.n; i++)
		if (PQresultStatus(rd.r[i]) == PGRES_FATAL_ERROR) {
			snprintf(why, n, "%s", PQresultErrorMessage(rd.r[i]));
			same = false;
		}
	results_clear(&rt);
	results_clear(&rd);
	return same;
}

/*
 * Apply p->set on both connections: a multi-statement SET, SETs in the
 * extended protocol, or set_config() in a SELECT (which PostgreSQL does not
 * announce for extra_float_digits: the cache must notice the change itself).
 */
static bool apply_settings(pair *p, char *why, size_t n)
{
	const char *tz = timezones[p->set.tz], *ds = datestyles[p->set.ds];
	char efd[8];
	snprintf(efd, sizeof(efd), "%d", float_digits[p->set.efd]);
	char sql[256];
	switch (rnd() % 3) {
	case 0:
		snprintf(sql, sizeof(sql), "SET TimeZone = '%s'; SET DateStyle = '%s'; SET extra_float_digits = %s", tz,
		         ds, efd);
		return exec_both(p, sql, NULL, 0, 0, why, n);
	case 1: {
		snprintf(sql, sizeof(sql), "SET TimeZone = '%s'", tz);
		if (!exec_both(p, sql, NULL, 0, 1, why, n))
			return false;
		snprintf(sql, sizeof(sql), "SET DateStyle = '%s'", ds);
		if (!exec_both(p, sql, NULL, 0, 1, why, n))
			return false;
		snprintf(sql, sizeof(sql), "SET extra_float_digits = %s", efd);
		return exec_both(p, sql, NULL, 0, 1, why, n);
	}
	default: {
		const char *vals[3] = {tz, ds, efd};
		return exec_both(p,
		                 "SELECT set_config('TimeZone', $1, false), set_config('DateStyle', $2, false), "
		                 "set_config('extra_float_digits', $3, false)",
		                 vals, 3, 1, why, n);
	}
	}
}

/* The ParameterStatus values the target reported must be the backend's. */
static bool same_parameters(const pair *p, char *why, size_t n)
{
	static const char *const names[] = {"TimeZone",          "DateStyle",       "IntervalStyle",
	                                    "client_encoding",   "server_encoding", "standard_conforming_strings",
	                                    "integer_datetimes", "is_superuser",    "session_authorization",
	                                    "server_version"};
	for (size_t i = 0; i < CB_ARRAY_LEN(names); i++) {
		const char *a = PQparameterStatus(p->t, names[i]), *b = PQparameterStatus(p->d, names[i]);
		if (!a || !b || strcmp(a, b) != 0) {
			snprintf(why, n, "ParameterStatus %s: target %s, direct %s", names[i], a ? a : "(none)",
			         b ? b : "(none)");
			return false;
		}
	}
	return true;
}

static void describe_settings(const pair *p, char *out, size_t n)
{
	snprintf(out, n, "TimeZone %s, DateStyle '%s', extra_float_digits %d", timezones[p->set.tz],
	         datestyles[p->set.ds], float_digits[p->set.efd]);
}

/* ---- the run ---------------------------------------------------------------------- */

typedef struct counts {
	long passed, failed;
} counts;

typedef struct run_state {
	pair pairs[2];
	sizes z;
	long max_print;
	long printed;
	bool verbose, allow_errors;
	bool lost;
	long writes, tx_writes, inserts, switches;
	long next_film_id;
	counts phase[2], after_write, setting;
	long rows, empty; /* rows compared, results without rows */
} run_state;

static void report_failure(run_state *st, const stmt *s, int k, long no, const char *why)
{
	if (st->printed++ >= st->max_print) {
		if (st->printed == st->max_print + 1)
			printf("(further failures are counted, not printed: --max-print %ld)\n", st->max_print);
		return;
	}
	char set[160];
	describe_settings(&st->pairs[k], set, sizeof(set));
	printf("FAIL %s #%ld (session %d: %s; %s%s): %s\n  %s\n", s->what, no, k + 1, set,
	       s->proto == P_SIMPLE     ? "simple"
	       : s->proto == P_EXTENDED ? "extended"
	                                : "prepared",
	       s->binary ? ", binary results" : "", s->sql, why);
	for (int i = 0; i < s->nparams; i++) {
		if (s->pfmt[i] == 1)
			printf("  $%d = int4 binary %d\n", i + 1,
			       (int32_t)(((uint32_t)(unsigned char)s->params[i][0] << 24) |
			                 ((uint32_t)(unsigned char)s->params[i][1] << 16) |
			                 ((uint32_t)(unsigned char)s->params[i][2] << 8) |
			                 (unsigned char)s->params[i][3]));
		else
			printf("  $%d = '%s' (type %u)\n", i + 1, s->params[i], s->ptype[i]);
	}
}

/* Run s on session pair k through the target and directly, and compare. */
static void check(run_state *st, stmt *s, int k, long no, counts *c)
{
	pair *p = &st->pairs[k];
	results rt, rd;
	char why[1024] = "";
	if (s->overflow) {
		snprintf(why, sizeof(why), "the generated statement is longer than %zu bytes (a diffgen bug)",
		         sizeof(s->sql));
		c->failed++;
		report_failure(st, s, k, no, why);
		return;
	}
	run(p->t, s, k, no, true, &rt);
	run(p->d, s, k, no, false, &rd);
	bool ok = same_results(&rt, &rd, s->ordered, why, sizeof(why));
	for (int i = 0; ok && !st->allow_errors && i < rd.n; i++)
		if (PQresultStatus(rd.r[i]) != PGRES_TUPLES_OK && PQresultStatus(rd.r[i]) != PGRES_COMMAND_OK) {
			snprintf(why, sizeof(why), "the statement failed on the direct side: %s",
			         PQresultErrorMessage(rd.r[i]));
			ok = false;
		}
	if (ok) {
		c->passed++;
		for (int i = 0; i < rd.n; i++) {
			st->rows += PQntuples(rd.r[i]);
			st->empty += PQresultStatus(rd.r[i]) == PGRES_TUPLES_OK && PQntuples(rd.r[i]) == 0;
		}
		if (st->verbose)
			printf("ok %s #%ld: %s\n", s->what, no, s->sql);
	} else {
		c->failed++;
		report_failure(st, s, k, no, why);
	}
	results_clear(&rt);
	results_clear(&rd);
	if (PQstatus(p->t) != CONNECTION_OK || PQstatus(p->d) != CONNECTION_OK) {
		printf("FAIL: a connection was lost: target: %s direct: %s", PQerrorMessage(p->t),
		       PQerrorMessage(p->d));
		c->failed++;
		st->lost = true;
	}
}

/* ---- writes ------------------------------------------------------------------------ */

typedef struct reads {
	stmt s[10];
	int n;
} reads;

static stmt *new_read(reads *r, proto pr)
{
	stmt *s = &r->s[r->n++];
	memset(s, 0, sizeof(*s));
	s->proto = pr == P_PREPARED ? P_EXTENDED : pr;
	s->binary = s->proto != P_SIMPLE && chance(30);
	s->what = "read after write";
	return s;
}

static proto any_proto(void)
{
	return chance(50) ? P_SIMPLE : P_EXTENDED;
}

static void reads_of_director(reads *r, long id)
{
	stmt *s = new_read(r, any_proto());
	add(s, "SELECT * FROM regisseur r WHERE r.id = ");
	int_value(s, id);
	s = new_read(r, any_proto());
	add(s, "SELECT f.id, f.titel, f.ort, f.genre, f.jahr, f.laenge_min, f.budget, f.bewertung, f.erschienen, "
	       "f.geaendert, r.vname, r.nname FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = ");
	int_value(s, id);
	add(s, " ORDER BY f.id");
	s->ordered = true;
	s = new_read(r, any_proto());
	add(s,
	    "SELECT count(*), count(f.ort), sum(f.laenge_min), min(f.jahr), max(f.titel) FROM film f WHERE f.regie = ");
	int_value(s, id);
	s = new_read(r, any_proto());
	add(s, "SELECT r.id, o.plz, o.name FROM regisseur r, ort o WHERE r.id = ");
	int_value(s, id);
	add(s, " AND r.wohnort = o.plz");
}

static void reads_of_film(reads *r, long id, long regie)
{
	stmt *s = new_read(r, any_proto());
	add(s, "SELECT * FROM film f WHERE f.id = ");
	int_value(s, id);
	s = new_read(r, any_proto());
	add(s, "SELECT f.id, f.titel, o.plz, o.name FROM regisseur r, film f, ort o WHERE f.regie = r.id AND "
	       "o.plz = f.ort AND r.id = ");
	int_value(s, regie);
	add(s, " ORDER BY f.id");
	s->ordered = true;
	s = new_read(r, any_proto());
	add(s, "SELECT f.id, d.id, d.nname, df.rolle FROM regisseur r JOIN film f ON f.regie = r.id JOIN darst_film df "
	       "ON df.fid = f.id JOIN darsteller d ON d.id = df.did WHERE r.id = ");
	int_value(s, regie);
	add(s, " ORDER BY f.id DESC, d.id LIMIT 30");
	s->ordered = true;
	s = new_read(r, any_proto());
	add(s, "SELECT f.id, f.regie, f.genre, f.titel, f.bewertung, f.geaendert FROM film f WHERE f.genre = ");
	int_value(s, rnd_range(1, 3));
	add(s, " AND f.regie = ");
	int_value(s, regie);
	add(s, " ORDER BY f.id DESC LIMIT 8");
	s->ordered = true;
}

static void write_text(stmt *s, const char *col, bool nullable)
{
	add(s, "%s = ", col);
	if (nullable && chance(20))
		add(s, "NULL");
	else
		text_value(s, PICK(name_values));
}

static void write_film_values(stmt *s, const sizes *z, int which, bool names)
{
	static const char *const floats[] = {"7.3",
	                                     "0.1",
	                                     "NaN",
	                                     "Infinity",
	                                     "-Infinity",
	                                     "-0",
	                                     "1e-300",
	                                     "5e-324",
	                                     "1.7976931348623157e308",
	                                     "2.5",
	                                     "3.14159265358979",
	                                     "9.999999999999998",
	                                     "100"};
	static const char *const numerics[] = {"0",   "-0.01", "9999999999.99", "1234.5",
	                                       "NaN", "0.005", "25000000.50",   "1e3"};
	static const char *const dates[] = {"1990-06-15",    "2000-02-29",  "1969-12-31", "infinity",  "-infinity",
	                                    "0044-03-15 BC", "10000-01-01", "1582-10-04", "2024-12-31"};
	static const char *const stamps[] = {"2021-03-28 01:30:00+00",        "1969-12-31 23:59:59.999999+00",
	                                     "1850-06-01 12:00:00+00",        "infinity",
	                                     "2020-10-25 00:59:59.5+00",      "2038-01-19 03:14:08+00",
	                                     "2020-01-01 00:00:00.000001+00", "0099-06-30 12:00:00+00 BC"};
	const char *sep = names ? ", " : "";
	char plz[8];
	switch (which) {
	case 0:
		add(s, "%stitel = ", sep);
		text_value(s, PICK(name_values));
		break;
	case 1:
		add(s, "%sjahr = ", sep);
		if (chance(20))
			add(s, "NULL");
		else
			int_value(s, chance(10) ? (chance(50) ? INT32_MIN : INT32_MAX) : rnd_range(1900, 2030));
		break;
	case 2:
		add(s, "%slaenge_min = ", sep);
		if (chance(30))
			add(s, "NULL");
		else
			int_value(s, rnd_range(0, 300));
		break;
	case 3:
		add(s, "%sbudget = ", sep);
		if (chance(15))
			add(s, "NULL");
		else
			typed_value(s, PICK(numerics), "numeric");
		break;
	case 4:
		add(s, "%sbewertung = ", sep);
		if (chance(15))
			add(s, "NULL");
		else
			typed_value(s, PICK(floats), "float8");
		break;
	case 5:
		add(s, "%serschienen = ", sep);
		if (chance(15))
			add(s, "NULL");
		else
			typed_value(s, PICK(dates), "date");
		break;
	case 6:
		add(s, "%sgeaendert = ", sep);
		typed_value(s, PICK(stamps), "timestamptz");
		break;
	case 8:
		add(s, "%sfarbe = %s", sep, PICK(((const char *const[]){"true", "false", "NULL"})));
		break;
	case 7:
		add(s, "%sort = ", sep);
		if (chance(20)) {
			add(s, "NULL");
		} else {
			plz_of(skewed(z->ort), plz, sizeof(plz));
			text_value(s, plz);
		}
		break;
	default:
		add(s, "%sgenre = ", sep);
		if (chance(15))
			add(s, "NULL");
		else
			int_value(s, chance(70) ? rnd_range(1, 3) : rnd_range(4, 12));
		break;
	}
}

static bool write_ok(run_state *st, pair *p, stmt *w, const char *tag_prefix)
{
	results r;
	run(p->t, w, 0, 0, true, &r);
	bool ok = r.n == 1 && PQresultStatus(r.r[0]) == PGRES_COMMAND_OK &&
	          strncmp(PQcmdStatus(r.r[0]), tag_prefix, strlen(tag_prefix)) == 0;
	if (!ok) {
		char why[512];
		snprintf(why, sizeof(why), "the write through the target failed: %s %s",
		         r.n ? PQresStatus(PQresultStatus(r.r[0])) : r.conn_error,
		         r.n ? (PQresultErrorMessage(r.r[0])[0] ? PQresultErrorMessage(r.r[0]) : PQcmdStatus(r.r[0]))
		             : "");
		st->after_write.failed++;
		report_failure(st, w, p == &st->pairs[1] ? 1 : 0, st->writes, why);
	}
	results_clear(&r);
	return ok;
}

static bool simple_cmd(run_state *st, pair *p, const char *sql)
{
	stmt w = {.proto = P_SIMPLE, .what = "write"};
	add(&w, "%s", sql);
	return write_ok(st, p, &w, sql);
}

/* Reads of written rows on both session pairs, target against direct. */
static void run_reads(run_state *st, reads *r)
{
	for (int i = 0; i < r->n; i++)
		for (int k = 0; k < 2 && !st->lost; k++)
			check(st, &r->s[i], k, st->writes, &st->after_write);
}

static void do_write(run_state *st, int k)
{
	pair *p = &st->pairs[k];
	const sizes *z = &st->z;
	reads r = {.n = 0};
	stmt w;
	memset(&w, 0, sizeof(w));
	w.proto = any_proto();
	w.what = "write";
	st->writes++;
	bool tx = chance(12), rollback = tx && chance(50);
	switch (rnd() % 10) {
	case 0:
	case 1: { /* a director: names, home town */
		long id = skewed(z->reg);
		add(&w, "UPDATE regisseur SET ");
		switch (rnd() % 3) {
		case 0:
			write_text(&w, "vname", true);
			break;
		case 1:
			write_text(&w, "nname", false);
			break;
		default:
			add(&w, "wohnort = ");
			if (chance(25)) {
				add(&w, "NULL");
			} else {
				char plz[8];
				plz_of(skewed(z->ort), plz, sizeof(plz));
				text_value(&w, plz);
			}
			break;
		}
		add(&w, " WHERE id = ");
		int_value(&w, id);
		reads_of_director(&r, id);
		break;
	}
	case 2:
	case 3:
	case 4:
	case 5: { /* a film: numbers, NULLs, edge values, another director */
		long id = skewed(z->film), regie = skewed(z->reg);
		add(&w, "UPDATE film SET ");
		int c1 = (int)(rnd() % 10), c2 = (int)(rnd() % 10);
		write_film_values(&w, z, c1, false);
		if (c2 != c1 && chance(40))
			write_film_values(&w, z, c2, true);
		if (chance(20)) {
			add(&w, ", regie = ");
			int_value(&w, regie);
		}
		add(&w, " WHERE id = ");
		int_value(&w, id);
		stmt *s = new_read(&r, any_proto());
		add(s, "SELECT f.regie FROM film f WHERE f.id = ");
		int_value(s, id);
		reads_of_film(&r, id, regie);
		break;
	}
	case 6: { /* a place's name */
		char plz[8];
		plz_of(skewed(z->ort), plz, sizeof(plz));
		add(&w, "UPDATE ort SET ");
		write_text(&w, "name", false);
		add(&w, " WHERE plz = ");
		text_value(&w, plz);
		stmt *s = new_read(&r, any_proto());
		add(s, "SELECT * FROM ort o WHERE o.plz = ");
		text_value(s, plz);
		long regie = skewed(z->reg);
		s = new_read(&r, any_proto());
		add(s, "SELECT f.id, o.plz, o.name FROM film f JOIN ort o ON o.plz = f.ort WHERE f.regie = ");
		int_value(s, regie);
		reads_of_director(&r, regie);
		break;
	}
	case 7: { /* a genre's name (a complete table); unique, so the id is part of it */
		long id = rnd_range(1, 12);
		char name[96];
		snprintf(name, sizeof(name), "%s %ld", PICK(name_values), id);
		add(&w, "UPDATE genre SET name = ");
		text_value(&w, name);
		add(&w, " WHERE id = ");
		int_value(&w, id);
		stmt *s = new_read(&r, any_proto());
		add(s, "SELECT * FROM genre g WHERE g.id = ");
		int_value(s, id);
		s = new_read(&r, any_proto());
		add(s, "SELECT g.id, g.name FROM genre g ORDER BY g.name, g.id");
		s->ordered = true;
		s = new_read(&r, any_proto());
		add(s, "SELECT f.id, g.name FROM film f, genre g WHERE f.genre = g.id AND f.regie = ");
		int_value(s, skewed(z->reg));
		break;
	}
	default: { /* INSERT a film with a cast row, read, DELETE both, read */
		long id = st->next_film_id++, regie = skewed(z->reg), did = skewed(z->darst);
		long genre = rnd_range(1, 3);
		char plz[8];
		plz_of(skewed(z->ort), plz, sizeof(plz));
		add(&w, "INSERT INTO film (id, titel, ort, genre, regie, jahr, geaendert) VALUES (");
		int_value(&w, id);
		add(&w, ", ");
		text_value(&w, PICK(name_values));
		add(&w, ", ");
		text_value(&w, plz);
		add(&w, ", ");
		int_value(&w, genre);
		add(&w, ", ");
		int_value(&w, regie);
		add(&w, ", ");
		int_value(&w, rnd_range(1950, 2025));
		add(&w, ", '2022-02-22 22:22:22.22+02')");
		st->inserts++;
		if (!write_ok(st, p, &w, "INSERT 0 1"))
			return;
		stmt c = {.proto = P_SIMPLE, .what = "write"};
		add(&c, "INSERT INTO darst_film (did, fid, rolle) VALUES (%ld, %ld, 'Gast')", did, id);
		if (!write_ok(st, p, &c, "INSERT 0 1"))
			return;
		reads_of_film(&r, id, regie);
		stmt *s = new_read(&r, any_proto());
		add(s, "SELECT df.did, df.rolle FROM darst_film df WHERE df.fid = ");
		int_value(s, id);
		run_reads(st, &r);
		r.n = 0;
		stmt del = {.proto = P_SIMPLE, .what = "write"};
		add(&del, "DELETE FROM darst_film WHERE fid = %ld", id);
		if (!write_ok(st, p, &del, "DELETE 1"))
			return;
		stmt del2 = {.proto = P_SIMPLE, .what = "write"};
		add(&del2, "DELETE FROM film WHERE id = %ld", id);
		if (!write_ok(st, p, &del2, "DELETE 1"))
			return;
		reads_of_film(&r, id, regie);
		run_reads(st, &r);
		return;
	}
	}
	if (tx) {
		st->tx_writes++;
		if (!simple_cmd(st, p, "BEGIN"))
			return;
	}
	bool ok = write_ok(st, p, &w, "UPDATE");
	if (tx && !simple_cmd(st, p, rollback ? "ROLLBACK" : "COMMIT"))
		return;
	if (ok)
		run_reads(st, &r);
}

/* ---- phases ------------------------------------------------------------------------ */

static void maybe_switch(run_state *st, long step)
{
	int k = (int)(rnd() % 2);
	if (!chance(1) || step == 0)
		return;
	pair *p = &st->pairs[k];
	p->set = (settings){(int)(rnd() % CB_ARRAY_LEN(timezones)), (int)(rnd() % CB_ARRAY_LEN(datestyles)),
	                    (int)(rnd() % CB_ARRAY_LEN(float_digits))};
	char why[512] = "";
	st->switches++;
	if (apply_settings(p, why, sizeof(why)) && same_parameters(p, why, sizeof(why))) {
		st->setting.passed++;
	} else {
		st->setting.failed++;
		char set[160];
		describe_settings(p, set, sizeof(set));
		printf("FAIL changing the settings of session %d to %s: %s\n", k + 1, set, why);
	}
}

static void run_phase(run_state *st, stmt *list, const long *order, long n, int phase, int writes)
{
	counts *c = &st->phase[phase - 1];
	for (long i = 0; i < n && !st->lost; i++) {
		maybe_switch(st, i);
		if (writes > 0 && chance(writes))
			do_write(st, (int)(rnd() % 2));
		stmt *s = &list[order[i]];
		s->what = phase == 1 ? "phase 1 (cold)" : "phase 2 (warm)";
		/* phase 2 runs each statement in the other session */
		check(st, s, (int)((order[i] + phase - 1) % 2), order[i] + 1, c);
	}
}

static long count(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- --check-compare: the comparison against made-up results ------------------------ */

static PGresult *fake(Oid type2, int mod2, const char *name2, Oid table, const char *const *vals, int nrows)
{
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc cols[2] = {{.name = (char *)"id",
	                         .tableid = table,
	                         .columnid = 1,
	                         .format = 0,
	                         .typid = 23,
	                         .typlen = 4,
	                         .atttypmod = -1},
	                        {.name = (char *)name2,
	                         .tableid = table,
	                         .columnid = 2,
	                         .format = 0,
	                         .typid = type2,
	                         .typlen = -1,
	                         .atttypmod = mod2}};
	if (r == NULL || !PQsetResultAttrs(r, 2, cols))
		return r;
	for (int i = 0; i < nrows; i++) {
		const char *id = vals[2 * i], *v = vals[2 * i + 1];
		if (!PQsetvalue(r, i, 0, (char *)id, (int)strlen(id)) ||
		    !PQsetvalue(r, i, 1, (char *)v, v ? (int)strlen(v) : -1))
			break;
	}
	return r;
}

static int check_compare(void)
{
	static const char *const base[] = {"1", "Müller", "2", "", "3", NULL};
	static const char *const swapped[] = {"2", "", "1", "Müller", "3", NULL};
	static const char *const byte[] = {"1", "Mëller", "2", "", "3", NULL};
	static const char *const null_vs_empty[] = {"1", "Müller", "2", NULL, "3", NULL};
	static const char *const dup[] = {"1", "Müller", "1", "Müller", "3", NULL};
	static const char *const dup2[] = {"1", "Müller", "3", NULL, "3", NULL};
	struct {
		const char *what;
		PGresult *b;
		bool ordered, want_same;
	} cases[] = {
	        {"equal", fake(25, -1, "name", 1, base, 3), true, true},
	        {"rows swapped, unordered", fake(25, -1, "name", 1, swapped, 3), false, true},
	        {"rows swapped, ordered", fake(25, -1, "name", 1, swapped, 3), true, false},
	        {"one byte", fake(25, -1, "name", 1, byte, 3), false, false},
	        {"NULL vs empty", fake(25, -1, "name", 1, null_vs_empty, 3), false, false},
	        {"one row less", fake(25, -1, "name", 1, base, 2), false, false},
	        {"type oid", fake(1043, -1, "name", 1, base, 3), false, false},
	        {"typmod", fake(25, 9, "name", 1, base, 3), false, false},
	        {"column name", fake(25, -1, "Name", 1, base, 3), false, false},
	        {"table oid", fake(25, -1, "name", 2, base, 3), false, false},
	        {"multiset counts", fake(25, -1, "name", 1, dup, 3), false, false},
	};
	PGresult *a = fake(25, -1, "name", 1, base, 3), *a2 = fake(25, -1, "name", 1, dup2, 3);
	int bad = 0;
	char why[1024];
	for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
		why[0] = '\0';
		bool same = same_result(a, cases[i].b, cases[i].ordered, why, sizeof(why));
		printf("%s - compare: %s%s%s\n", same == cases[i].want_same ? "ok" : "not ok", cases[i].what,
		       why[0] ? ": " : "", why);
		bad += same != cases[i].want_same;
		PQclear(cases[i].b);
	}
	/* multisets with the same rows but other multiplicities */
	PGresult *d = fake(25, -1, "name", 1, dup, 3);
	bool same = same_result(a2, d, false, why, sizeof(why));
	printf("%s - compare: multiplicities\n", same ? "not ok" : "ok");
	bad += same;
	PQclear(d);
	PQclear(a);
	PQclear(a2);
	printf("%s\n", bad ? "the comparison is broken" : "the comparison finds every difference");
	return bad ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: diffgen --target CONNINFO --direct CONNINFO [--count N] [--seed S] "
	                "[--writes PERCENT] [--wait-cmd CMD] [--max-print N] [--allow-errors] [--verbose]\n"
	                "       diffgen --print [--count N] [--seed S]\n"
	                "       diffgen --check-compare\n");
}

static bool connect_pair(pair *p, const char *target, const char *direct, settings set)
{
	p->t = PQconnectdb(target);
	p->d = PQconnectdb(direct);
	p->set = set;
	if (PQstatus(p->t) != CONNECTION_OK || PQstatus(p->d) != CONNECTION_OK) {
		fprintf(stderr, "diffgen: cannot connect: target: %s direct: %s(check --target and --direct)\n",
		        PQerrorMessage(p->t), PQerrorMessage(p->d));
		return false;
	}
	char why[512] = "";
	if (!apply_settings(p, why, sizeof(why))) {
		fprintf(stderr, "diffgen: cannot set the session settings: %s\n", why);
		return false;
	}
	if (!same_parameters(p, why, sizeof(why))) {
		printf("FAIL at connection: %s\n", why);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *target = NULL, *direct = NULL, *wait_cmd = NULL;
	long n = 1000, max_print = 30;
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
		else if (strcmp(argv[i], "--wait-cmd") == 0 && v)
			wait_cmd = argv[++i];
		else if (strcmp(argv[i], "--max-print") == 0 && v)
			max_print = atol(argv[++i]);
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--allow-errors") == 0)
			allow_errors = true;
		else if (strcmp(argv[i], "--print") == 0)
			print_only = true;
		else if (strcmp(argv[i], "--check-compare") == 0)
			return check_compare();
		else {
			usage();
			return 2;
		}
	}
	if (n < 1) {
		fprintf(stderr, "diffgen: --count must be at least 1\n");
		return 2;
	}
	rng_state = seed;
	printf("diffgen: seed %llu (reproduce with --seed %llu --count %ld --writes %d)\n", (unsigned long long)seed,
	       (unsigned long long)seed, n, writes);
	fflush(stdout);
	if (print_only) {
		sizes z = {200, 2000, 4000, 60};
		stmt s;
		for (long i = 0; i < n; i++) {
			generate(&s, &z);
			printf("%s;%s", s.sql, s.proto == P_SIMPLE ? "" : "  --");
			for (int p = 0; p < s.nparams; p++)
				printf(" $%d=%s", p + 1, s.pfmt[p] ? "(binary)" : s.params[p]);
			printf("\n");
		}
		return 0;
	}
	if (target == NULL || direct == NULL) {
		usage();
		fprintf(stderr, "diffgen: give --target and --direct connection strings\n");
		return 2;
	}
	run_state *st = calloc(1, sizeof(*st));
	stmt *list = calloc((size_t)n, sizeof(stmt));
	long *order = calloc((size_t)n, sizeof(long));
	if (st == NULL || list == NULL || order == NULL) {
		fprintf(stderr, "diffgen: out of memory for %ld statements: give a smaller --count\n", n);
		return 2;
	}
	st->max_print = max_print;
	st->verbose = verbose;
	st->allow_errors = allow_errors;
	/* the two sessions differ in TimeZone, DateStyle and extra_float_digits */
	if (!connect_pair(&st->pairs[0], target, direct, (settings){0, 0, 0}) ||
	    !connect_pair(&st->pairs[1], target, direct, (settings){1, 1, 1}))
		return 2;
	PGconn *cd = st->pairs[0].d;
	st->z = (sizes){count(cd, "SELECT count(*) FROM regisseur"), count(cd, "SELECT count(*) FROM film"),
	                count(cd, "SELECT count(*) FROM darsteller"), count(cd, "SELECT count(*) FROM ort")};
	st->next_film_id = count(cd, "SELECT coalesce(max(id), 0) + 1000000 FROM film");
	if (st->z.reg < 1 || st->z.film < 1 || st->z.darst < 1 || st->z.ort < 1 || st->next_film_id < 1) {
		fprintf(stderr, "diffgen: the movie database is missing or empty (load examples/movies): %s",
		        PQerrorMessage(cd));
		return 2;
	}

	for (long i = 0; i < n; i++) {
		generate(&list[i], &st->z);
		order[i] = i;
	}
	double t0 = now_s();
	run_phase(st, list, order, n, 1, writes);
	double t1 = now_s();
	printf("diffgen: phase 1 (cold): %ld statements, %ld failed, %.1f s\n",
	       st->phase[0].passed + st->phase[0].failed, st->phase[0].failed, t1 - t0);
	fflush(stdout);
	bool wait_failed = false;
	if (wait_cmd != NULL && !st->lost) {
		int rc = system(wait_cmd);
		if (rc != 0) {
			printf("FAIL: the wait command between the phases failed (status %d): %s\n"
			       "  (it must succeed once the fills queued in phase 1 are done: check the daemon's "
			       "log)\n",
			       rc, wait_cmd);
			wait_failed = true;
		}
	}
	double t2 = now_s();
	if (!wait_failed && !st->lost) {
		for (long i = n - 1; i > 0; i--) {
			long j = (long)(rnd() % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		run_phase(st, list, order, n, 2, writes);
		printf("diffgen: phase 2 (warm, shuffled): %ld statements, %ld failed, %.1f s (waited %.1f s)\n",
		       st->phase[1].passed + st->phase[1].failed, st->phase[1].failed, now_s() - t2, t2 - t1);
	}
	printf("diffgen: after writes: %ld reads, %ld failed; %ld writes through the target (%ld in transactions, "
	       "%ld film inserts); %ld settings changes, %ld failed\n",
	       st->after_write.passed + st->after_write.failed, st->after_write.failed, st->writes, st->tx_writes,
	       st->inserts, st->switches, st->setting.failed);
	long passed = st->phase[0].passed + st->phase[1].passed + st->after_write.passed;
	long failed = st->phase[0].failed + st->phase[1].failed + st->after_write.failed + st->setting.failed +
	              (wait_failed ? 1 : 0);
	printf("diffgen: %ld statements run; %ld rows compared, %ld results without rows\n",
	       passed + failed - (wait_failed ? 1 : 0) - st->setting.failed, st->rows, st->empty);
	printf("%ld passed, %ld failed\n", passed, failed);
	for (int k = 0; k < 2; k++) {
		PQfinish(st->pairs[k].t);
		PQfinish(st->pairs[k].d);
	}
	free(list);
	free(order);
	free(st);
	return failed ? 1 : 0;
}
