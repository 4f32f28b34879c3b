/*
 * nativesql.c - ODBC SQL text to PostgreSQL SQL text.
 *
 * Functions prefix: nsql_
 *
 * One pass over the text with a small state machine, the way PostgreSQL's
 * own scanner sees it: '...' (with '' inside, and backslash escapes in
 * E'...'), "..." identifiers, $tag$...$tag$ strings, -- line comments and
 * nested block comments are copied verbatim; outside them `?` becomes the
 * next $n and an ODBC escape's braces and keyword are rewritten.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "odbc-driver/nativesql.h"

typedef struct nsql_buf {
	char *p;
	size_t len, cap;
	bool oom;
} nsql_buf;

static void nsql_put(nsql_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;
		while (b->len + n + 1 > ncap)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static bool nsql_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Length of a dollar-quote opening tag at s ("$$" or "$tag$"), 0 if none. */
static size_t nsql_dollar_tag(const char *s, size_t rem)
{
	if (rem < 2 || s[0] != '$')
		return 0;
	if (isdigit((unsigned char)s[1]))
		return 0; /* $1: a parameter */
	size_t i = 1;
	while (i < rem && s[i] != '$') {
		if (!nsql_ident_char(s[i]))
			return 0;
		i++;
	}
	return i < rem ? i + 1 : 0;
}

/* The ODBC escape keywords and what replaces "{keyword". */
static const struct {
	const char *kw;
	const char *repl;
} nsql_escapes[] = {
        {"ts", "TIMESTAMP"}, {"d", "DATE"}, {"t", "TIME"}, {"fn", ""}, {"oj", ""}, {"escape", "ESCAPE"},
};

#define NSQL_MAX_BRACES 64

bool nsql_translate(const char *sql, size_t len, char **out, int *nmarkers)
{
	nsql_buf b = {0};
	int n = 0;
	/* per open brace: whether it opened an ODBC escape (its '}' is dropped) */
	bool brace_escape[NSQL_MAX_BRACES];
	int depth = 0;
	size_t i = 0;

	nsql_put(&b, "", 0);
	while (i < len) {
		char c = sql[i];
		size_t start = i;
		if (c == '\'' || c == '"') {
			/* quoted string or identifier; E'...' allows backslash escapes */
			bool backslash = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
			                 (i < 2 || !nsql_ident_char(sql[i - 2]));
			i++;
			while (i < len) {
				if (backslash && sql[i] == '\\' && i + 1 < len) {
					i += 2;
					continue;
				}
				if (sql[i] == c) {
					if (i + 1 < len && sql[i + 1] == c) {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
			nsql_put(&b, sql + start, i - start);
		} else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				i++;
			nsql_put(&b, sql + start, i - start);
		} else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
			int level = 0;
			while (i < len) {
				if (sql[i] == '/' && i + 1 < len && sql[i + 1] == '*') {
					level++;
					i += 2;
				} else if (sql[i] == '*' && i + 1 < len && sql[i + 1] == '/') {
					level--;
					i += 2;
					if (level == 0)
						break;
				} else {
					i++;
				}
			}
			nsql_put(&b, sql + start, i - start);
		} else if (c == '$' && (i == 0 || !nsql_ident_char(sql[i - 1])) && nsql_dollar_tag(sql + i, len - i)) {
			size_t tl = nsql_dollar_tag(sql + i, len - i);
			i += tl;
			while (i < len && !(sql[i] == '$' && len - i >= tl && memcmp(sql + i, sql + start, tl) == 0))
				i++;
			i = i < len ? i + tl : len;
			nsql_put(&b, sql + start, i - start);
		} else if (c == '?') {
			char num[16];
			int k = snprintf(num, sizeof(num), "$%d", ++n);
			nsql_put(&b, num, (size_t)k);
			i++;
		} else if (c == '{') {
			size_t j = i + 1;
			while (j < len && isspace((unsigned char)sql[j]))
				j++;
			size_t kwstart = j;
			while (j < len && isalpha((unsigned char)sql[j]))
				j++;
			const char *repl = NULL;
			for (size_t e = 0; e < sizeof(nsql_escapes) / sizeof(nsql_escapes[0]); e++) {
				if (j - kwstart == strlen(nsql_escapes[e].kw) &&
				    strncasecmp(sql + kwstart, nsql_escapes[e].kw, j - kwstart) == 0 &&
				    (j >= len || !nsql_ident_char(sql[j]))) {
					repl = nsql_escapes[e].repl;
					break;
				}
			}
			if (depth < NSQL_MAX_BRACES)
				brace_escape[depth] = repl != NULL;
			depth++;
			if (repl != NULL) {
				nsql_put(&b, repl, strlen(repl));
				i = j;
			} else {
				nsql_put(&b, "{", 1);
				i++;
			}
		} else if (c == '}' && depth > 0) {
			depth--;
			if (depth >= NSQL_MAX_BRACES || !brace_escape[depth])
				nsql_put(&b, "}", 1);
			i++;
		} else {
			/* plain text up to the next special character */
			i++;
			while (i < len && !strchr("'\"-/$?{}", sql[i]))
				i++;
			nsql_put(&b, sql + start, i - start);
		}
	}
	if (b.oom) {
		free(b.p);
		return false;
	}
	*out = b.p;
	*nmarkers = n;
	return true;
}
