/*
 * sb.h - the string builder: a growable NUL-terminated string for SQL and
 * messages.
 *
 * Functions prefix: cb_sb_
 *
 * Appending never fails loudly: after an allocation failure the buffer is
 * marked failed, later appends do nothing, and cb_sb_finish() returns NULL,
 * so a caller checks once at the end.
 */
#ifndef CB_SB_H
#define CB_SB_H

#include <stdbool.h>
#include <stddef.h>

#include "common/contract.h"

typedef struct cb_sb {
	char *s;
	size_t len;
	size_t cap;
	bool failed;
} cb_sb;

void cb_sb_init(cb_sb *sb);
void cb_sb_put(cb_sb *sb, const char *text);
/* Append n bytes (may contain NUL). */
void cb_sb_putn(cb_sb *sb, const char *bytes, size_t n);
CB_PRINTF(2, 3) void cb_sb_printf(cb_sb *sb, const char *fmt, ...);
/* Append ident as a PostgreSQL/SQLite quoted identifier: "a""b". */
void cb_sb_ident(cb_sb *sb, const char *ident);
/* Append a SQL string literal: 'it''s'. */
void cb_sb_literal(cb_sb *sb, const char *text);
/* Hand over the string (caller frees), or NULL when an append failed. */
CB_MUSTCHECK char *cb_sb_finish(cb_sb *sb);
/* Drop the contents. */
void cb_sb_free(cb_sb *sb);

#endif /* CB_SB_H */
