/*
 * lexer.c - tokens of the cache group definition language.
 *
 * Functions prefix: cg_lex_
 */
#include "cachegroup/lexer.h"

#include <stdarg.h>
#include <string.h>

#include "common/array.h"

/* The classifiers take peek()'s int: -1 (end of input) is in no class. */
static bool is_ident_start(int c)
{
	return c >= 0 && c <= 0xFF && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80);
}

static bool is_ident_cont(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

void cg_lex_init(cg_lexer *lx, const char *src, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->src_len = len;
	lx->line = 1;
	lx->col = 1;
}

void cg_lex_free(cg_lexer *lx)
{
	free(lx->buf);
	lx->buf = NULL;
	lx->buf_cap = 0;
}

static int peek(const cg_lexer *lx, size_t ahead)
{
	size_t p = lx->pos + ahead;
	return p < lx->src_len ? (unsigned char)lx->src[p] : -1;
}

/* Consume one byte, keeping line and column (code points) current. */
static void advance(cg_lexer *lx)
{
	unsigned char c = (unsigned char)lx->src[lx->pos++];
	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->col++;
	}
}

static bool buf_reserve(cg_lexer *lx, size_t need)
{
	return CB_ARRAY_GROW(lx->buf, lx->buf_cap, need);
}

static bool buf_push(cg_lexer *lx, size_t *len, char c)
{
	if (!buf_reserve(lx, *len + 2))
		return false;
	lx->buf[(*len)++] = c;
	lx->buf[*len] = '\0';
	return true;
}

CB_PRINTF(3, 4)
static void set_error(cg_lexer *lx, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lx->errmsg, sizeof(lx->errmsg), fmt, ap);
	va_end(ap);
	snprintf(lx->hint, sizeof(lx->hint), "%s", hint ? hint : "");
}

static void skip_blanks_and_comments(cg_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			advance(lx);
		} else if (c == '#' || (c == '-' && peek(lx, 1) == '-')) {
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx);
		} else {
			return;
		}
	}
}

/* Quoted text: "ident" or 'string', the quote doubled inside. */
static bool lex_quoted(cg_lexer *lx, cg_token *tok, char quote, size_t *len)
{
	advance(lx); /* opening quote */
	for (;;) {
		int c = peek(lx, 0);
		if (c == -1 || c == '\n') {
			tok->kind = CG_TOK_ERROR;
			if (quote == '"')
				set_error(lx, "close the identifier with a double quote on the same line",
				          "unterminated quoted identifier");
			else
				set_error(lx, "close the string with a single quote on the same line",
				          "unterminated string");
			return true;
		}
		if (c == quote) {
			advance(lx);
			if (peek(lx, 0) != quote)
				break;
		}
		if (c == '\0') {
			tok->kind = CG_TOK_ERROR;
			set_error(lx, "remove the NUL byte from the file", "NUL byte inside quotes");
			advance(lx);
			return true;
		}
		if (!buf_push(lx, len, (char)c))
			return false;
		advance(lx);
	}
	if (quote == '"') {
		if (*len == 0) {
			tok->kind = CG_TOK_ERROR;
			set_error(lx, "write a name between the quotes", "zero-length quoted identifier");
		} else if (*len > CG_MAX_IDENT_BYTES) {
			tok->kind = CG_TOK_ERROR;
			set_error(lx, "PostgreSQL truncates names to 63 bytes; use the name as the backend stores it",
			          "identifier is %zu bytes long, more than 63", *len);
		} else {
			tok->kind = CG_TOK_QIDENT;
		}
	} else {
		tok->kind = CG_TOK_STRING;
	}
	return true;
}

static bool lex_number(cg_lexer *lx, cg_token *tok, size_t *len)
{
	bool seen_dot = false;
	if (peek(lx, 0) == '-') {
		if (!buf_push(lx, len, '-'))
			return false;
		advance(lx);
	}
	for (;;) {
		int c = peek(lx, 0);
		if (is_digit(c)) {
			/* fallthrough to push */
		} else if (c == '.' && !seen_dot && is_digit(peek(lx, 1))) {
			seen_dot = true;
		} else if ((c == 'e' || c == 'E') &&
		           (is_digit(peek(lx, 1)) ||
		            ((peek(lx, 1) == '+' || peek(lx, 1) == '-') && is_digit(peek(lx, 2))))) {
			if (!buf_push(lx, len, (char)c))
				return false;
			advance(lx);
			c = peek(lx, 0);
			seen_dot = true; /* no dot after an exponent */
		} else {
			break;
		}
		if (!buf_push(lx, len, (char)c))
			return false;
		advance(lx);
	}
	if (is_ident_start(peek(lx, 0))) {
		tok->kind = CG_TOK_ERROR;
		set_error(lx, "separate the number from the name that follows it, or quote the name",
		          "trailing junk after number \"%s\"", lx->buf);
		while (is_ident_cont(peek(lx, 0)))
			advance(lx);
		return true;
	}
	tok->kind = CG_TOK_NUMBER;
	return true;
}

bool cg_lex_next(cg_lexer *lx, cg_token *tok)
{
	size_t len = 0;

	skip_blanks_and_comments(lx);
	if (!buf_reserve(lx, 1))
		return false;
	lx->buf[0] = '\0';
	lx->errmsg[0] = '\0';
	lx->hint[0] = '\0';
	tok->line = lx->line;
	tok->col = lx->col;

	int c = peek(lx, 0);
	switch (c) {
	case -1:
		tok->kind = CG_TOK_EOF;
		break;
	case '\n':
		advance(lx);
		tok->kind = CG_TOK_NEWLINE;
		break;
	case '.':
		advance(lx);
		tok->kind = CG_TOK_DOT;
		break;
	case ',':
		advance(lx);
		tok->kind = CG_TOK_COMMA;
		break;
	case '(':
		advance(lx);
		tok->kind = CG_TOK_LPAREN;
		break;
	case ')':
		advance(lx);
		tok->kind = CG_TOK_RPAREN;
		break;
	case '"':
	case '\'':
		if (!lex_quoted(lx, tok, (char)c, &len))
			return false;
		break;
	case '-':
		if (peek(lx, 1) == '>') {
			advance(lx);
			advance(lx);
			tok->kind = CG_TOK_ARROW;
		} else if (is_digit(peek(lx, 1))) {
			if (!lex_number(lx, tok, &len))
				return false;
		} else {
			advance(lx);
			tok->kind = CG_TOK_ERROR;
			set_error(lx, "an RCC is written 'rcc source.column -> target.column'", "unexpected '-'");
		}
		break;
	default:
		if (is_digit(c)) {
			if (!lex_number(lx, tok, &len))
				return false;
		} else if (is_ident_start(c)) {
			while (is_ident_cont(peek(lx, 0))) {
				char ch = lx->src[lx->pos];
				if (ch >= 'A' && ch <= 'Z')
					ch = (char)(ch - 'A' + 'a');
				if (!buf_push(lx, &len, ch))
					return false;
				advance(lx);
			}
			if (len > CG_MAX_IDENT_BYTES) {
				tok->kind = CG_TOK_ERROR;
				set_error(
				        lx,
				        "PostgreSQL truncates names to 63 bytes; use the name as the backend stores it",
				        "identifier is %zu bytes long, more than 63", len);
			} else {
				tok->kind = CG_TOK_IDENT;
			}
		} else {
			advance(lx);
			/* swallow the rest of a multi-byte character */
			while (peek(lx, 0) != -1 && (peek(lx, 0) & 0xC0) == 0x80)
				advance(lx);
			tok->kind = CG_TOK_ERROR;
			if (c == '\0')
				set_error(lx, "remove the NUL byte from the file", "NUL byte in file");
			else if (c >= 0x20 && c < 0x7f)
				set_error(lx, "names are identifiers, numbers or 'strings'; quote a name with \"...\"",
				          "unexpected character '%c'", c);
			else
				set_error(lx, "remove the control character from the file",
				          "unexpected control character 0x%02x", (unsigned)c);
		}
		break;
	}
	tok->text = lx->buf;
	tok->len = len;
	return true;
}

const char *cg_tok_kind_name(cg_tok_kind kind)
{
	switch (kind) {
	case CG_TOK_EOF:
		return "end of file";
	case CG_TOK_NEWLINE:
		return "end of line";
	case CG_TOK_IDENT:
		return "identifier";
	case CG_TOK_QIDENT:
		return "quoted identifier";
	case CG_TOK_NUMBER:
		return "number";
	case CG_TOK_STRING:
		return "string";
	case CG_TOK_DOT:
		return "'.'";
	case CG_TOK_COMMA:
		return "','";
	case CG_TOK_LPAREN:
		return "'('";
	case CG_TOK_RPAREN:
		return "')'";
	case CG_TOK_ARROW:
		return "'->'";
	case CG_TOK_ERROR:
		return "invalid token";
	}
	return "?";
}
