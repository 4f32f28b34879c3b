/*
 * mix.c - the benchmark statements and the statement mix.
 *
 * Functions prefix: mix_
 */
#include "bench/mix.h"

#include <stdlib.h>
#include <string.h>

const mix_stmt mix_stmts[MIX_COUNT] = {
        [MIX_LOOKUP] = {"lookup", "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?", 1, false, false},
        [MIX_JOIN2] = {"join2",
                       "SELECT f.id, f.titel, f.jahr, f.bewertung FROM regisseur r JOIN film f ON f.regie = r.id "
                       "WHERE r.id = ?",
                       1, false, false},
        [MIX_JOIN3] = {"join3",
                       "SELECT f.id, f.titel, o.plz, o.name FROM regisseur r JOIN film f ON f.regie = r.id "
                       "JOIN ort o ON o.plz = f.ort WHERE r.id = ?",
                       1, false, false},
        [MIX_IN] = {"in", "SELECT id, vname, nname FROM regisseur WHERE id IN (?, ?, ?, ?, ?)", 5, false, false},
        /* LEFT JOIN is outside the subset cbcached answers (DESIGN.md section 4) */
        [MIX_UNCACHED] = {"uncached",
                          "SELECT r.id, r.nname, f.titel FROM regisseur r LEFT JOIN film f ON f.regie = r.id "
                          "WHERE r.id = ?",
                          1, false, false},
        [MIX_WRITE] = {"write", "UPDATE film SET laenge_min = laenge_min WHERE id = ?", 1, true, true},
};

bool mix_parse(const char *spec, double *w)
{
	char *copy = strdup(spec), *save = NULL;
	if (copy == NULL)
		return false;
	for (int i = 0; i < MIX_COUNT; i++)
		w[i] = 0;
	bool ok = true;
	for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		ok = false;
		if (eq == NULL)
			break;
		*eq = '\0';
		for (int i = 0; i < MIX_COUNT; i++) {
			if (strcmp(tok, mix_stmts[i].name) == 0) {
				char *end;
				w[i] = strtod(eq + 1, &end);
				ok = *end == '\0' && w[i] >= 0;
			}
		}
	}
	free(copy);
	double total = 0;
	for (int i = 0; i < MIX_COUNT; i++)
		total += w[i];
	return ok && total > 0;
}

int mix_pick(const double *w, zipf_rng *r)
{
	double total = 0;
	for (int i = 0; i < MIX_COUNT; i++)
		total += w[i];
	double u = zipf_rng_uniform(r) * total;
	for (int i = 0; i < MIX_COUNT; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	for (int i = MIX_COUNT - 1; i >= 0; i--)
		if (w[i] > 0)
			return i;
	return MIX_LOOKUP;
}
