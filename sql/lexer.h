/*
 * lexer.h - the one PostgreSQL lexer of cbcache: a token iterator over SQL
 * text that follows PostgreSQL 15's scanner (src/backend/parser/scan.l).
 *
 * Functions prefix: sqlfe_lexer_
 *
 * Every scanner of SQL text in cbcache is built on it, so they all agree
 * where a string, a quoted identifier, a comment or a statement ends: the
 * plan keys (sql/plankey.h), the judgement of what a statement sent to the
 * backend may do (sql/stmtclass.h) and the ODBC driver's escapes and `?`
 * markers (odbc-driver/nativesql.c).
 *
 * The rules taken from scan.l: whitespace is space, tab, newline, CR and
 * form feed; `--` comments end at a newline or CR; block comments nest;
 * identifiers start with a letter, `_` or a byte >= 0x80 and continue with
 * those, digits and `$`; "..." identifiers double their quotes; strings are
 * '...' (backslash escapes only with standard_conforming_strings off),
 * E'...' (backslash escapes), U&'...' and U&"..." (Unicode escapes, an
 * optional UESCAPE), B'...' and X'...' (N'...' is the word N, PostgreSQL's
 * NCHAR, and a string); two strings separated by
 * whitespace that contains a newline are one string (the continuation);
 * $tag$...$tag$ strings; $n parameters; numbers (integer, decimal, real,
 * and the "1.." that PostgreSQL splits); operators (runs of
 * ~!@#^&|`?+-*\/%<>= that stop at a comment start and shed a trailing + or
 * - unless they contain one of ~!@#^&|`?%); everything else is one
 * character.  A string, identifier or comment that does not end, or the
 * junk PostgreSQL 15 refuses after a number or a parameter, is an error
 * token: the caller must not trust its own reading of the rest.
 *
 * No allocation, no globals: the iterator is a cursor over the caller's
 * text, and tokens are offsets into it.
 */
#ifndef SQLFE_LEXER_H
#define SQLFE_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/contract.h"

typedef enum sqlfe_token_kind {
	SQLFE_TOK_END,    /* no more tokens */
	SQLFE_TOK_WORD,   /* identifier or keyword */
	SQLFE_TOK_QIDENT, /* "quoted identifier" or U&"..." */
	SQLFE_TOK_STRING, /* a string constant of any quoting (see quoting) */
	SQLFE_TOK_NUMBER, /* see number */
	SQLFE_TOK_PARAM,  /* $n */
	SQLFE_TOK_OP,     /* an operator (one or more operator characters) */
	SQLFE_TOK_CHAR,   /* one character of punctuation: ( ) [ ] , ; : . and anything else */
	SQLFE_TOK_ERROR   /* unterminated quote or comment, or junk after a number: the rest is not scanned */
} sqlfe_token_kind;

typedef enum sqlfe_quoting {
	SQLFE_QUOTE_PLAIN,   /* '...' */
	SQLFE_QUOTE_E,       /* E'...' */
	SQLFE_QUOTE_UNICODE, /* U&'...' or U&"..." */
	SQLFE_QUOTE_BIT,     /* B'...' */
	SQLFE_QUOTE_HEX,     /* X'...' */
	SQLFE_QUOTE_DOLLAR   /* $tag$...$tag$ */
} sqlfe_quoting;

typedef enum sqlfe_number_kind {
	SQLFE_NUM_INTEGER, /* digits */
	SQLFE_NUM_DECIMAL, /* with a decimal point */
	SQLFE_NUM_REAL,    /* with an exponent */
} sqlfe_number_kind;

typedef struct sqlfe_token {
	sqlfe_token_kind kind;
	uint32_t start;    /* first byte of the token in the text */
	uint32_t end;      /* one past its last byte */
	uint8_t quoting;   /* SQLFE_TOK_STRING, and SQLFE_TOK_QIDENT for U&"..." */
	uint8_t number;    /* SQLFE_TOK_NUMBER: sqlfe_number_kind */
	uint16_t tag_len;  /* SQLFE_QUOTE_DOLLAR: the length of "$tag$" */
	bool backslash;    /* a string with a backslash in it */
	bool continued;    /* a string continued by another one after a newline */
	bool uescape;      /* a Unicode string or identifier followed by UESCAPE '...' (within the token) */
	bool blank_before; /* whitespace or a comment stands before the token */
} sqlfe_token;

typedef struct sqlfe_lexer {
	const char *text;
	size_t len;
	size_t pos;
	bool std_strings; /* standard_conforming_strings: '...' without backslash escapes */
	bool failed;      /* an error token was returned */
} sqlfe_lexer;

/* Scan text[0..len) (len < 4 GiB) under the session's standard_conforming_strings. */
void sqlfe_lexer_init(sqlfe_lexer *lx, const char *text, size_t len, bool std_strings);

/* The next token into *t; false at the end or after an error token (t says which). */
bool sqlfe_lexer_next(sqlfe_lexer *lx, sqlfe_token *t);

/*
 * Whether t is the word w (ASCII letters, compared without case; w in
 * lower case).  Inline and length first: with w a constant the compiler
 * knows its length, so a word of another length costs two compares and
 * no call (the plan key scan asks this of every word).
 */
static inline bool sqlfe_lexer_word_is(const sqlfe_lexer *lx, const sqlfe_token *t, const char *w)
{
	size_t n = t->end - t->start;
	if (t->kind != SQLFE_TOK_WORD || n != strlen(w))
		return false;
	const char *p = lx->text + t->start;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != w[i])
			return false;
	}
	return true;
}

/*
 * The identifier t names, as PostgreSQL reads it, into out (capacity cap,
 * always NUL-terminated): a word folded to lower case (ASCII letters
 * only), a quoted identifier with its quotes undone, a U&"..." identifier
 * with its Unicode escapes decoded to UTF-8; cut to PostgreSQL's 63 bytes
 * at a character boundary.  Returns false when t is not an identifier or
 * its escapes are invalid (PostgreSQL raises an error then).
 */
bool sqlfe_lexer_ident(const sqlfe_lexer *lx, const sqlfe_token *t, char *out, size_t cap);

/* The longest identifier PostgreSQL keeps (NAMEDATALEN - 1). */
#define SQLFE_IDENT_MAX 63

#endif /* SQLFE_LEXER_H */
