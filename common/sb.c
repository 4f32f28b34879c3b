/*
 * sb.c - the string builder (see sb.h).
 *
 * Functions prefix: cb_sb_
 */
#include "common/sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cb_sb_init(cb_sb *sb)
{
	sb->s = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->failed = false;
}

static bool reserve(cb_sb *sb, size_t extra)
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

static void put_len(cb_sb *sb, const char *text, size_t n)
{
	if (!reserve(sb, n))
		return;
	memcpy(sb->s + sb->len, text, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void cb_sb_putn(cb_sb *sb, const char *bytes, size_t n)
{
	put_len(sb, bytes, n);
}

void cb_sb_put(cb_sb *sb, const char *text)
{
	put_len(sb, text, strlen(text));
}

void cb_sb_printf(cb_sb *sb, const char *fmt, ...)
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

static void put_quoted(cb_sb *sb, const char *text, char quote)
{
	char q[2] = {quote, '\0'};
	cb_sb_put(sb, q);
	for (const char *p = text; *p; p++) {
		const char *next = strchr(p, quote);
		if (next == NULL) {
			cb_sb_put(sb, p);
			break;
		}
		put_len(sb, p, (size_t)(next - p) + 1);
		cb_sb_put(sb, q);
		p = next;
	}
	cb_sb_put(sb, q);
}

void cb_sb_ident(cb_sb *sb, const char *ident)
{
	put_quoted(sb, ident, '"');
}

void cb_sb_literal(cb_sb *sb, const char *text)
{
	put_quoted(sb, text, '\'');
}

char *cb_sb_finish(cb_sb *sb)
{
	if (sb->failed) {
		cb_sb_free(sb);
		return NULL;
	}
	if (sb->s == NULL && !reserve(sb, 0)) {
		cb_sb_free(sb);
		return NULL;
	}
	if (sb->len == 0)
		sb->s[0] = '\0';
	char *s = sb->s;
	cb_sb_init(sb);
	return s;
}

void cb_sb_free(cb_sb *sb)
{
	free(sb->s);
	cb_sb_init(sb);
}
