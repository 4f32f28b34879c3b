/*
 * lexer.h - tokens of the cache group definition language.
 *
 * Functions prefix: cg_lex_
 *
 * The language is line oriented: a newline is a token.  `#` and `--` start a
 * comment that runs to the end of the line.  Identifiers follow PostgreSQL:
 * unquoted ones are folded to lower case (ASCII only, as PostgreSQL does for
 * UTF-8), quoted ones keep their case and may contain `""` for a quote.
 * Strings are single-quoted with `''` for a quote.  Positions are 1-based;
 * columns count characters (UTF-8 code points), not bytes.
 */
#ifndef CG_LEXER_H
#define CG_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/contract.h"

/* PostgreSQL's NAMEDATALEN - 1: longer identifiers would be truncated. */
#define CG_MAX_IDENT_BYTES 63

typedef enum cg_tok_kind {
	CG_TOK_EOF = 0,
	CG_TOK_NEWLINE,
	CG_TOK_IDENT,  /* unquoted identifier or keyword, folded to lower case */
	CG_TOK_QIDENT, /* quoted identifier, text without quotes, case kept */
	CG_TOK_NUMBER, /* integer or decimal literal, optional leading '-' */
	CG_TOK_STRING, /* single-quoted string, text without quotes */
	CG_TOK_DOT,
	CG_TOK_COMMA,
	CG_TOK_LPAREN,
	CG_TOK_RPAREN,
	CG_TOK_ARROW, /* -> */
	CG_TOK_ERROR  /* see the lexer's error message */
} cg_tok_kind;

typedef struct cg_token {
	cg_tok_kind kind;
	int line;
	int col;
	/*
	 * The token's text, NUL-terminated, decoded (quotes removed, doubled
	 * quotes collapsed, unquoted identifiers folded).  Owned by the lexer:
	 * valid until the next cg_lex_next() or cg_lex_free().
	 */
	const char *text;
	size_t len;
} cg_token;

typedef struct cg_lexer {
	const char *src;
	size_t src_len;
	size_t pos;
	int line;
	int col;
	char *buf; /* decoded text of the current token */
	size_t buf_cap;
	/* set when the current token is CG_TOK_ERROR */
	char errmsg[256];
	char hint[256];
} cg_lexer;

/* Prepare to read src[0..len).  src must outlive the lexer. */
void cg_lex_init(cg_lexer *lx, const char *src, size_t len);

/*
 * Read the next token into *tok.  Returns false only when memory runs out.
 * A malformed token is returned as CG_TOK_ERROR at its position with
 * lx->errmsg and lx->hint set; the lexer then resumes after it, so a parser
 * can go on and report later errors too.
 */
CB_MUSTCHECK bool cg_lex_next(cg_lexer *lx, cg_token *tok);

/* Free what the lexer owns (not src). */
void cg_lex_free(cg_lexer *lx);

/* A short name of a token kind for messages ("identifier", "'->'", ...). */
const char *cg_tok_kind_name(cg_tok_kind kind);

#endif /* CG_LEXER_H */
