/*
 * lexer.c - the one PostgreSQL lexer of cbcache (see lexer.h).
 *
 * Functions prefix: sqlfe_lexer_
 *
 * One character-class table, one cursor; each token is found by the rule
 * scan.l applies at its first byte.  sqlfe_lexer_next() skips whitespace
 * and takes the most frequent tokens itself (a plain word, punctuation);
 * comments and every other token are scan_token()'s, kept out of line so
 * that the common path is a small function (the plan key scan of every
 * cached lookup runs it once per token).
 */
#include "sql/lexer.h"

#include <string.h>
#include <strings.h>

#define C_SPACE 0x01   /* space \t \n \r \f: PostgreSQL 15's whitespace */
#define C_NEWLINE 0x02 /* \n \r */
#define C_IDSTART 0x04 /* letters, _, bytes >= 0x80 */
#define C_IDCONT 0x08  /* the above, digits, $ */
#define C_DIGIT 0x10
#define C_OP 0x20    /* ~ ! @ # ^ & | ` ? + - * / % < > = */
#define C_OPSQL 0x40 /* operator characters that make a trailing + or - stay: ~ ! @ # ^ & | ` ? % */
#define C_PUNCT 0x80 /* ( ) [ ] , ; always a token of one character */
#define ID (C_IDSTART | C_IDCONT)
#define OP (C_OP | C_OPSQL)

/* Character classes, one lookup per byte; bytes >= 0x80 start and continue identifiers, as in PostgreSQL. */
static const unsigned char cclass[256] = {
        [' '] = C_SPACE,
        ['\t'] = C_SPACE,
        ['\f'] = C_SPACE,
        ['\n'] = C_SPACE | C_NEWLINE,
        ['\r'] = C_SPACE | C_NEWLINE,
        ['A' ... 'Z'] = ID,
        ['a' ... 'z'] = ID,
        ['_'] = ID,
        [0x80 ... 0xff] = ID,
        ['$'] = C_IDCONT,
        ['0' ... '9'] = C_IDCONT | C_DIGIT,
        ['+'] = C_OP,
        ['-'] = C_OP,
        ['*'] = C_OP,
        ['/'] = C_OP,
        ['<'] = C_OP,
        ['>'] = C_OP,
        ['='] = C_OP,
        ['~'] = OP,
        ['!'] = OP,
        ['@'] = OP,
        ['#'] = OP,
        ['^'] = OP,
        ['&'] = OP,
        ['|'] = OP,
        ['`'] = OP,
        ['?'] = OP,
        ['%'] = OP,
        ['('] = C_PUNCT,
        [')'] = C_PUNCT,
        ['['] = C_PUNCT,
        [']'] = C_PUNCT,
        [','] = C_PUNCT,
        [';'] = C_PUNCT,
};

static inline bool is(unsigned char c, unsigned cls)
{
	return (cclass[c] & cls) != 0;
}

void sqlfe_lexer_init(sqlfe_lexer *lx, const char *text, size_t len, bool std_strings)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->std_strings = std_strings;
	lx->failed = false;
}

static inline int at(const sqlfe_lexer *lx, size_t i)
{
	return i < lx->len ? (unsigned char)lx->text[i] : -1;
}

/* A block comment at i ("/ *"); the index after it, or 0 when it does not end. */
static size_t block_comment_end(const sqlfe_lexer *lx, size_t i)
{
	int depth = 0;
	while (i + 1 < lx->len) {
		if (lx->text[i] == '/' && lx->text[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (lx->text[i] == '*' && lx->text[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return i;
		} else {
			i++;
		}
	}
	return 0;
}

/* A line comment at i ("--"): the index of its newline (or the end). */
static size_t line_comment_end(const sqlfe_lexer *lx, size_t i)
{
	while (i < lx->len && !is((unsigned char)lx->text[i], C_NEWLINE))
		i++;
	return i;
}

/* Skip whitespace and comments; false on a block comment that does not end (pos stays at it). */
static bool skip_blank(sqlfe_lexer *lx, bool *any)
{
	size_t i = lx->pos;
	for (;;) {
		int c = at(lx, i);
		if (c >= 0 && is((unsigned char)c, C_SPACE)) {
			i++;
		} else if (c == '-' && at(lx, i + 1) == '-') {
			i = line_comment_end(lx, i);
		} else if (c == '/' && at(lx, i + 1) == '*') {
			size_t e = block_comment_end(lx, i);
			if (e == 0) {
				*any = *any || i > lx->pos;
				lx->pos = i;
				return false;
			}
			i = e;
		} else {
			break;
		}
	}
	*any = i > lx->pos;
	lx->pos = i;
	return true;
}

/*
 * After a closing quote at end: the index of the next string's opening
 * quote when PostgreSQL continues the string there (whitespace holding a
 * newline, `--` comments allowed, block comments not), else 0.
 */
static size_t continuation(const sqlfe_lexer *lx, size_t i)
{
	bool newline = false;
	for (;;) {
		int c = at(lx, i);
		if (c < 0)
			return 0;
		if (is((unsigned char)c, C_NEWLINE)) {
			newline = true;
			i++;
		} else if (is((unsigned char)c, C_SPACE)) {
			i++;
		} else if (c == '-' && at(lx, i + 1) == '-') {
			i = line_comment_end(lx, i);
			if (i >= lx->len)
				return 0;
		} else {
			return newline && c == '\'' ? i : 0;
		}
	}
}

/*
 * The body of a quoted string from i (after its opening quote): the index
 * after the closing quote, or 0 when it does not end.  backslash: escapes
 * are active; doubled quotes stand for one unless single_quote_ends.
 */
static size_t quoted_end(const sqlfe_lexer *lx, size_t i, char quote, bool backslash, bool doubling, bool *has_bs)
{
	while (i < lx->len) {
		char c = lx->text[i];
		if (c == '\\') {
			*has_bs = true;
			if (backslash) {
				i += 2;
				continue;
			}
		} else if (c == quote) {
			if (doubling && i + 1 < lx->len && lx->text[i + 1] == quote) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return 0;
}

static bool error_token(sqlfe_lexer *lx, sqlfe_token *t)
{
	t->kind = SQLFE_TOK_ERROR;
	t->end = (uint32_t)lx->len;
	lx->pos = lx->len;
	lx->failed = true;
	return false;
}

/* A string whose opening quote is at q; the token starts at start. */
static bool string_token(sqlfe_lexer *lx, sqlfe_token *t, size_t q, sqlfe_quoting quoting)
{
	bool backslash = quoting == SQLFE_QUOTE_E || (quoting == SQLFE_QUOTE_PLAIN && !lx->std_strings);
	bool doubling = quoting != SQLFE_QUOTE_BIT && quoting != SQLFE_QUOTE_HEX;
	t->kind = SQLFE_TOK_STRING;
	t->quoting = (uint8_t)quoting;
	for (;;) {
		size_t end = quoted_end(lx, q + 1, '\'', backslash, doubling, &t->backslash);
		if (end == 0)
			return error_token(lx, t);
		size_t next = continuation(lx, end);
		if (next == 0) {
			t->end = (uint32_t)end;
			lx->pos = end;
			return true;
		}
		t->continued = true;
		q = next;
	}
}

/* After a Unicode string or identifier ending at pos: take "UESCAPE 'c'" into the token. */
static void take_uescape(sqlfe_lexer *lx, sqlfe_token *t)
{
	size_t save = lx->pos;
	bool any = false;
	if (!skip_blank(lx, &any) || lx->pos + 7 > lx->len || strncasecmp(lx->text + lx->pos, "uescape", 7) != 0 ||
	    (lx->pos + 7 < lx->len && is((unsigned char)lx->text[lx->pos + 7], C_IDCONT))) {
		lx->pos = save;
		return;
	}
	lx->pos += 7;
	if (!skip_blank(lx, &any) || at(lx, lx->pos) != '\'') {
		lx->pos = save;
		return;
	}
	bool bs = false;
	size_t end = quoted_end(lx, lx->pos + 1, '\'', false, true, &bs);
	if (end == 0) {
		lx->pos = save;
		return;
	}
	t->uescape = true;
	t->end = (uint32_t)end;
	lx->pos = end;
}

/* $tag$ at i: the length of "$tag$", or 0. */
static size_t dollar_tag(const sqlfe_lexer *lx, size_t i)
{
	size_t j = i + 1;
	if (at(lx, j) == '$')
		return 2;
	if (j >= lx->len || !is((unsigned char)lx->text[j], C_IDSTART))
		return 0;
	while (j < lx->len && is((unsigned char)lx->text[j], C_IDCONT) && lx->text[j] != '$')
		j++;
	return at(lx, j) == '$' ? j + 1 - i : 0;
}

static bool dollar_token(sqlfe_lexer *lx, sqlfe_token *t, size_t tl)
{
	size_t i = t->start;
	for (size_t j = i + tl; j + tl <= lx->len; j++) {
		if (lx->text[j] == '$' && memcmp(lx->text + j, lx->text + i, tl) == 0) {
			t->kind = SQLFE_TOK_STRING;
			t->quoting = SQLFE_QUOTE_DOLLAR;
			t->tag_len = (uint16_t)(tl > UINT16_MAX ? UINT16_MAX : tl);
			t->end = (uint32_t)(j + tl);
			lx->pos = j + tl;
			return tl <= UINT16_MAX || error_token(lx, t);
		}
	}
	return error_token(lx, t);
}

/* A number at pos (a digit, or '.' and a digit). */
static bool number_token(sqlfe_lexer *lx, sqlfe_token *t)
{
	size_t i = lx->pos;
	sqlfe_number_kind kind = SQLFE_NUM_INTEGER;
	while (i < lx->len && is((unsigned char)lx->text[i], C_DIGIT))
		i++;
	if (at(lx, i) == '.') {
		if (at(lx, i + 1) == '.') {
			/* "1..": the integer, then ".." */
			t->kind = SQLFE_TOK_NUMBER;
			t->number = SQLFE_NUM_INTEGER;
			t->end = (uint32_t)i;
			lx->pos = i;
			return true;
		}
		kind = SQLFE_NUM_DECIMAL;
		i++;
		while (i < lx->len && is((unsigned char)lx->text[i], C_DIGIT))
			i++;
	}
	int c = at(lx, i);
	if (c == 'e' || c == 'E') {
		size_t j = i + 1;
		if (at(lx, j) == '+' || at(lx, j) == '-')
			j++;
		if (j < lx->len && is((unsigned char)lx->text[j], C_DIGIT)) {
			kind = SQLFE_NUM_REAL;
			i = j;
			while (i < lx->len && is((unsigned char)lx->text[i], C_DIGIT))
				i++;
		} else {
			return error_token(lx, t); /* "1e", "1e+": trailing junk */
		}
	}
	/* a number glued to an identifier: PostgreSQL 15's "trailing junk after numeric literal" */
	if (i < lx->len && is((unsigned char)lx->text[i], C_IDSTART))
		return error_token(lx, t);
	t->kind = SQLFE_TOK_NUMBER;
	t->number = (uint8_t)kind;
	t->end = (uint32_t)i;
	lx->pos = i;
	return true;
}

/* An operator at pos: the longest run of operator characters, cut at a comment start, without a trailing + or -. */
static void operator_token(sqlfe_lexer *lx, sqlfe_token *t)
{
	size_t i = lx->pos, n = 0;
	bool sqlish = true;
	while (i + n < lx->len && is((unsigned char)lx->text[i + n], C_OP)) {
		if (n > 0 && ((lx->text[i + n] == '*' && lx->text[i + n - 1] == '/') ||
		              (lx->text[i + n] == '-' && lx->text[i + n - 1] == '-'))) {
			n--; /* a comment starts at the previous character */
			break;
		}
		if (is((unsigned char)lx->text[i + n], C_OPSQL))
			sqlish = false;
		n++;
	}
	if (n > 1 && sqlish)
		while (n > 1 && (lx->text[i + n - 1] == '+' || lx->text[i + n - 1] == '-'))
			n--;
	t->kind = SQLFE_TOK_OP;
	t->end = (uint32_t)(i + n);
	lx->pos = i + n;
}

/* An identifier or keyword at pos, or one of the prefixed strings it starts (E'', B'', X'', N'', U&''). */
static bool word_token(sqlfe_lexer *lx, sqlfe_token *t)
{
	size_t i = lx->pos;
	int c = at(lx, i) | 0x20;
	if (at(lx, i + 1) == '\'') {
		sqlfe_quoting q = c == 'e'   ? SQLFE_QUOTE_E
		                  : c == 'b' ? SQLFE_QUOTE_BIT
		                  : c == 'x' ? SQLFE_QUOTE_HEX
		                             : SQLFE_QUOTE_PLAIN;
		if (q != SQLFE_QUOTE_PLAIN)
			return string_token(lx, t, i + 1, q);
		if (c == 'n') {
			/* N'...': PostgreSQL's NCHAR keyword, then a plain string */
			t->kind = SQLFE_TOK_WORD;
			t->end = (uint32_t)(i + 1);
			lx->pos = i + 1;
			return true;
		}
	}
	if (c == 'u' && at(lx, i + 1) == '&' && (at(lx, i + 2) == '\'' || at(lx, i + 2) == '"')) {
		bool bs = false, str = at(lx, i + 2) == '\'';
		if (str && !lx->std_strings)
			return error_token(lx, t); /* "unsafe use of string constant with Unicode escapes" */
		size_t end = quoted_end(lx, i + 3, str ? '\'' : '"', false, true, &bs);
		if (end == 0 || (!str && end == i + 4))
			return error_token(lx, t);
		t->kind = str ? SQLFE_TOK_STRING : SQLFE_TOK_QIDENT;
		t->quoting = SQLFE_QUOTE_UNICODE;
		t->backslash = bs;
		t->end = (uint32_t)end;
		lx->pos = end;
		take_uescape(lx, t);
		return true;
	}
	while (i < lx->len && is((unsigned char)lx->text[i], C_IDCONT))
		i++;
	t->kind = SQLFE_TOK_WORD;
	t->end = (uint32_t)i;
	lx->pos = i;
	return true;
}

/*
 * The token at pos, after whitespace (blank: some stood before it):
 * comments, and every token sqlfe_lexer_next() does not take itself.
 * Not inlined there: its registers would make every call dearer.
 */
__attribute__((noinline)) static bool scan_token(sqlfe_lexer *lx, sqlfe_token *t, bool blank)
{
	size_t i = lx->pos;
	bool closed = true;
	int c0 = at(lx, i);
	if ((c0 == '-' || c0 == '/') && at(lx, i + 1) == (c0 == '-' ? '-' : '*')) {
		bool comment = false;
		closed = skip_blank(lx, &comment);
		blank = blank || comment;
		i = lx->pos;
	}
	t->blank_before = blank;
	t->start = (uint32_t)i;
	if (!closed)
		return error_token(lx, t);
	if (i >= lx->len) {
		t->kind = SQLFE_TOK_END;
		t->end = t->start;
		return false;
	}
	unsigned char c = (unsigned char)lx->text[i];
	if (is(c, C_IDSTART))
		return word_token(lx, t);
	if (is(c, C_DIGIT) || (c == '.' && i + 1 < lx->len && is((unsigned char)lx->text[i + 1], C_DIGIT)))
		return number_token(lx, t);
	switch (c) {
	case '\'':
		return string_token(lx, t, i, SQLFE_QUOTE_PLAIN);
	case '"': {
		bool bs = false;
		size_t end = quoted_end(lx, i + 1, '"', false, true, &bs);
		if (end == 0 || end == i + 2)
			return error_token(lx, t); /* unterminated, or the zero-length "" */
		t->kind = SQLFE_TOK_QIDENT;
		t->end = (uint32_t)end;
		lx->pos = end;
		return true;
	}
	case '$': {
		size_t tl = dollar_tag(lx, i);
		if (tl > 0)
			return dollar_token(lx, t, tl);
		size_t j = i + 1;
		while (j < lx->len && is((unsigned char)lx->text[j], C_DIGIT))
			j++;
		if (j > i + 1) {
			if (j < lx->len && is((unsigned char)lx->text[j], C_IDSTART))
				return error_token(lx, t); /* "trailing junk after parameter" */
			t->kind = SQLFE_TOK_PARAM;
			t->end = (uint32_t)j;
			lx->pos = j;
			return true;
		}
		break; /* a lone $ */
	}
	case ':':
		if (at(lx, i + 1) == ':' || at(lx, i + 1) == '=') {
			t->kind = SQLFE_TOK_OP; /* "::" and ":=" */
			t->end = (uint32_t)(i + 2);
			lx->pos = i + 2;
			return true;
		}
		break;
	case '.':
		if (at(lx, i + 1) == '.') {
			t->kind = SQLFE_TOK_OP; /* ".." */
			t->end = (uint32_t)(i + 2);
			lx->pos = i + 2;
			return true;
		}
		break;
	default:
		if (is(c, C_OP)) {
			operator_token(lx, t);
			return true;
		}
		break;
	}
	t->kind = SQLFE_TOK_CHAR;
	t->end = (uint32_t)(i + 1);
	lx->pos = i + 1;
	return true;
}

bool sqlfe_lexer_next(sqlfe_lexer *lx, sqlfe_token *t)
{
	memset(t, 0, sizeof(*t));
	if (lx->failed) {
		t->kind = SQLFE_TOK_ERROR;
		t->start = t->end = (uint32_t)lx->len;
		return false;
	}
	size_t i = lx->pos;
	while (i < lx->len && is((unsigned char)lx->text[i], C_SPACE))
		i++;
	bool blank = i > lx->pos;
	lx->pos = i;
	/* the most frequent tokens here: a word that starts no string (E'', U&'', ...), punctuation */
	int c = at(lx, i), next = at(lx, i + 1);
	if (c >= 0 && is((unsigned char)c, C_IDSTART) && next != '\'' && next != '&') {
		size_t e = i + 1;
		while (e < lx->len && is((unsigned char)lx->text[e], C_IDCONT))
			e++;
		t->kind = SQLFE_TOK_WORD;
		t->blank_before = blank;
		t->start = (uint32_t)i;
		t->end = (uint32_t)e;
		lx->pos = e;
		return true;
	}
	if (c >= 0 && is((unsigned char)c, C_PUNCT)) {
		t->kind = SQLFE_TOK_CHAR;
		t->blank_before = blank;
		t->start = (uint32_t)i;
		t->end = (uint32_t)(i + 1);
		lx->pos = i + 1;
		return true;
	}
	return scan_token(lx, t, blank);
}

/* Append the code point cp as UTF-8 to out at *n (capacity cap, one byte kept for the NUL). */
static bool put_utf8(uint32_t cp, char *out, size_t cap, size_t *n)
{
	char b[4];
	size_t k;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	for (size_t i = 0; i < k; i++) {
		if (*n + 1 < cap)
			out[*n] = b[i];
		(*n)++;
	}
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode the body [p, e) of a U&"..." identifier with escape character esc. */
static bool decode_unicode(const char *p, const char *e, char esc, char *out, size_t cap, size_t *n)
{
	uint32_t high = 0; /* a pending UTF-16 high surrogate */
	while (p < e) {
		if (*p == '"' && p + 1 < e && p[1] == '"') {
			if (high)
				return false;
			if (*n + 1 < cap)
				out[*n] = '"';
			(*n)++;
			p += 2;
			continue;
		}
		if (*p != esc) {
			if (high)
				return false;
			if (*n + 1 < cap)
				out[*n] = *p;
			(*n)++;
			p++;
			continue;
		}
		if (p + 1 < e && p[1] == esc) {
			if (high)
				return false;
			if (*n + 1 < cap)
				out[*n] = esc;
			(*n)++;
			p += 2;
			continue;
		}
		int digits = p + 1 < e && p[1] == '+' ? 6 : 4;
		const char *d = p + (digits == 6 ? 2 : 1);
		if (e - d < digits)
			return false;
		uint32_t cp = 0;
		for (int k = 0; k < digits; k++) {
			int v = hexval((unsigned char)d[k]);
			if (v < 0)
				return false;
			cp = cp * 16 + (uint32_t)v;
		}
		p = d + digits;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (high)
				return false;
			high = cp;
			continue;
		}
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			if (!high)
				return false;
			cp = 0x10000 + ((high - 0xd800) << 10) + (cp - 0xdc00);
			high = 0;
		} else if (high) {
			return false;
		}
		if (!put_utf8(cp, out, cap, n))
			return false;
	}
	return high == 0;
}

/* Cut s (n bytes) to at most SQLFE_IDENT_MAX bytes at a UTF-8 character boundary. */
static size_t clip(const char *s, size_t n)
{
	if (n <= SQLFE_IDENT_MAX)
		return n;
	n = SQLFE_IDENT_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

bool sqlfe_lexer_ident(const sqlfe_lexer *lx, const sqlfe_token *t, char *out, size_t cap)
{
	if (cap == 0)
		return false;
	const char *p = lx->text + t->start, *e = lx->text + t->end;
	size_t n = 0;
	if (t->kind == SQLFE_TOK_WORD) {
		for (; p < e; p++) {
			char c = *p;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (n + 1 < cap)
				out[n] = c;
			n++;
		}
	} else if (t->kind == SQLFE_TOK_QIDENT && t->quoting == SQLFE_QUOTE_UNICODE) {
		char esc = '\\';
		const char *close = e;
		if (t->uescape) {
			/* ... "body" UESCAPE 'c': the escape character is the one in the last quotes */
			if (e - p < 3 || e[-1] != '\'' || e[-3] != '\'')
				return false;
			esc = e[-2];
			if ((esc >= '0' && esc <= '9') || (esc >= 'a' && esc <= 'f') || (esc >= 'A' && esc <= 'F') ||
			    esc == '+' || esc == '\'' || esc == '"' || esc == ' ' || esc == '\t' || esc == '\n' ||
			    esc == '\r' || esc == '\f')
				return false;
			close = memchr(p + 3, '"', (size_t)(e - p - 3));
			while (close != NULL && close + 1 < e && close[1] == '"')
				close = memchr(close + 2, '"', (size_t)(e - close - 2));
			if (close == NULL)
				return false;
			close++;
		}
		if (!decode_unicode(p + 3, close - 1, esc, out, cap, &n))
			return false;
	} else if (t->kind == SQLFE_TOK_QIDENT) {
		for (p++, e--; p < e; p++) {
			if (*p == '"')
				p++; /* "" stands for " */
			if (n + 1 < cap)
				out[n] = *p;
			n++;
		}
	} else {
		return false;
	}
	size_t kept = n < cap ? n : cap - 1;
	kept = clip(out, kept);
	out[kept] = '\0';
	return true;
}
