/*
 * strbuf.c - a growable NUL-terminated string for building SQL and messages.
 *
 * Functions prefix: cg_sb_
 */
#include "cachegroup/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cg_sb_init(cg_sb *sb)
{
	sb->s = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->failed = false;
}

static bool reserve(cg_sb *sb, size_t extra)
{
	if (sb->failed)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *ns = realloc(sb->s, cap);
	if (ns == NULL) {
		sb->failed = true;
		return false;
	}
	sb->s = ns;
	sb->cap = cap;
	return true;
}

static void put_len(cg_sb *sb, const char *text, size_t n)
{
	if (!reserve(sb, n))
		return;
	memcpy(sb->s + sb->len, text, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void cg_sb_putn(cg_sb *sb, const char *bytes, size_t n)
{
	put_len(sb, bytes, n);
}

void cg_sb_put(cg_sb *sb, const char *text)
{
	put_len(sb, text, strlen(text));
}

void cg_sb_printf(cg_sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if (!reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

static void put_quoted(cg_sb *sb, const char *text, char quote)
{
	char q[2] = {quote, '\0'};
	cg_sb_put(sb, q);
	for (const char *p = text; *p; p++) {
		const char *next = strchr(p, quote);
		if (next == NULL) {
			cg_sb_put(sb, p);
			break;
		}
		put_len(sb, p, (size_t)(next - p) + 1);
		cg_sb_put(sb, q);
		p = next;
	}
	cg_sb_put(sb, q);
}

void cg_sb_ident(cg_sb *sb, const char *ident)
{
	put_quoted(sb, ident, '"');
}

void cg_sb_literal(cg_sb *sb, const char *text)
{
	put_quoted(sb, text, '\'');
}

char *cg_sb_finish(cg_sb *sb)
{
	if (sb->failed) {
		cg_sb_free(sb);
		return NULL;
	}
	if (sb->s == NULL && !reserve(sb, 0)) {
		cg_sb_free(sb);
		return NULL;
	}
	if (sb->len == 0)
		sb->s[0] = '\0';
	char *s = sb->s;
	cg_sb_init(sb);
	return s;
}

void cg_sb_free(cg_sb *sb)
{
	free(sb->s);
	cg_sb_init(sb);
}
