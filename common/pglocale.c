/*
 * pglocale.c - PostgreSQL's text comparison under a libc collation.
 *
 * Functions prefix: pglocale_
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pglocale.h"

struct pglocale {
	locale_t loc;
	char name[128];
};

pglocale *pglocale_open(const char *name, cb_error *err)
{
	if (strlen(name) >= sizeof(((pglocale *)NULL)->name)) {
		cb_error_set(err, "locale name %.64s... is too long", name);
		return NULL;
	}
	locale_t loc = newlocale(LC_COLLATE_MASK | LC_CTYPE_MASK, name, (locale_t)0);
	if (loc == (locale_t)0) {
		cb_error_set(err,
		             "this machine has no locale %s (newlocale failed); install it (Debian: add it to "
		             "/etc/locale.gen and run locale-gen) to let the cache order text",
		             name);
		return NULL;
	}
	const char *codeset = nl_langinfo_l(CODESET, loc);
	if (codeset == NULL || strcmp(codeset, "UTF-8") != 0) {
		cb_error_set(err, "locale %s is of the character set %s, not UTF-8, as the cache's text is", name,
		             codeset != NULL ? codeset : "(unknown)");
		freelocale(loc);
		return NULL;
	}
	pglocale *l = calloc(1, sizeof(*l));
	if (l == NULL) {
		freelocale(loc);
		cb_error_set(err, "out of memory opening locale %s", name);
		return NULL;
	}
	l->loc = loc;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return l;
}

void pglocale_free(pglocale *l)
{
	if (l == NULL)
		return;
	freelocale(l->loc);
	free(l);
}

const char *pglocale_name(const pglocale *l)
{
	return l->name;
}

/* The bytes' order, as strcmp of the two (the tie-break, and the answer when copying failed). */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int pglocale_cmp(const pglocale *l, const char *a, size_t alen, const char *b, size_t blen, bool *failed)
{
	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	/* strcoll_l wants NUL-terminated strings: copies on the stack when short (most are) */
	char abuf[256], bbuf[256];
	char *ac = alen < sizeof(abuf) ? abuf : malloc(alen + 1);
	char *bc = blen < sizeof(bbuf) ? bbuf : malloc(blen + 1);
	int c;
	if (ac == NULL || bc == NULL) {
		*failed = true;
		c = bytes_cmp(a, alen, b, blen);
	} else {
		memcpy(ac, a, alen);
		ac[alen] = '\0';
		memcpy(bc, b, blen);
		bc[blen] = '\0';
		c = strcoll_l(ac, bc, l->loc);
		if (c == 0) /* PostgreSQL's varstr_cmp: strings strcoll calls equal are ordered by strcmp */
			c = bytes_cmp(a, alen, b, blen);
	}
	if (ac != abuf)
		free(ac);
	if (bc != bbuf)
		free(bc);
	return c;
}
