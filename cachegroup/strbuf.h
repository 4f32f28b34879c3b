/*
 * strbuf.h - a growable NUL-terminated string for building SQL and messages.
 *
 * Functions prefix: cg_sb_
 *
 * Appending never fails loudly: after an allocation failure the buffer is
 * marked failed, later appends do nothing, and cg_sb_finish() returns NULL,
 * so a caller checks once at the end.
 */
#ifndef CG_STRBUF_H
#define CG_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "src/cbcache.h"

typedef struct cg_sb {
	char *s;
	size_t len;
	size_t cap;
	bool failed;
} cg_sb;

void cg_sb_init(cg_sb *sb);
void cg_sb_put(cg_sb *sb, const char *text);
/* Append n bytes (may contain NUL). */
void cg_sb_putn(cg_sb *sb, const char *bytes, size_t n);
CB_PRINTF(2, 3) void cg_sb_printf(cg_sb *sb, const char *fmt, ...);
/* Append ident as a PostgreSQL/SQLite quoted identifier: "a""b". */
void cg_sb_ident(cg_sb *sb, const char *ident);
/* Append a SQL string literal: 'it''s'. */
void cg_sb_literal(cg_sb *sb, const char *text);
/* Hand over the string (caller frees), or NULL when an append failed. */
CB_MUSTCHECK char *cg_sb_finish(cg_sb *sb);
/* Drop the contents. */
void cg_sb_free(cg_sb *sb);

#endif /* CG_STRBUF_H */
