/*
 * keywords.h - PostgreSQL 15's keywords and their categories, for the
 * scanners built on the lexer (sql/lexer.h) that must tell a function call
 * from SQL syntax.
 *
 * Functions prefix: sqlfe_keyword_
 *
 * The list is PostgreSQL 15's (what pg_get_keywords() returns, checked
 * word by word against libpg_query's scanner by tests/unit/test_sqlfe_lexer.c).
 * The category says where a word may stand: a reserved or column-name
 * keyword is never a function's name (unless quoted), a type-or-function
 * keyword may be one (left, right), an unreserved keyword may be any name.
 */
#ifndef SQLFE_KEYWORDS_H
#define SQLFE_KEYWORDS_H

#include <stddef.h>

typedef enum sqlfe_keyword {
	SQLFE_KW_NONE = 0,       /* not a keyword: an identifier */
	SQLFE_KW_UNRESERVED,     /* may be any name */
	SQLFE_KW_COL_NAME,       /* may name a column or type, never a function (coalesce, extract, ...) */
	SQLFE_KW_TYPE_FUNC_NAME, /* may name a type or function, never a column (left, join, ...) */
	SQLFE_KW_RESERVED        /* syntax only */
} sqlfe_keyword;

/* The category of word (lower case, NUL-terminated). */
sqlfe_keyword sqlfe_keyword_lookup(const char *word);

/* The i-th keyword in byte order (NULL past the last), for tests. */
const char *sqlfe_keyword_at(size_t i, sqlfe_keyword *category);

#endif /* SQLFE_KEYWORDS_H */
