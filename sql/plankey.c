/*
 * plankey.c - the literal-stripping scan behind plan-cache keys.
 *
 * Functions prefix: sqlfe_plankey_
 *
 * One pass over the text with a cursor; the key is written as we go.  The
 * token rules follow PostgreSQL's scanner (scan.l) closely enough to find
 * token boundaries; wherever they could differ, the scan either keeps the
 * literal in the key or gives up (see plankey.h).
 */
#include <string.h>
#include <strings.h>

#include "sql/plankey.h"

typedef struct scan {
	const char *s;
	size_t len;
	size_t i;
	char *out;
	size_t cap;
	size_t n;
	bool space;   /* a whitespace run is pending */
	size_t span;  /* start of the verbatim text not yet written */
	bool by_list; /* after BY: integers there may be positions (ORDER BY 1), not values */
} scan;

/* Character classes of ASCII, one table lookup per byte; bytes >= 0x80 are identifier characters. */
#define C_IDSTART 0x01
#define C_IDCONT 0x02
#define C_DIGIT 0x04
#define C_SPACE 0x08

#define IDS (C_IDSTART | C_IDCONT)
static const unsigned char cclass[256] = {
        ['\t'] = C_SPACE,
        ['\n'] = C_SPACE,
        ['\v'] = C_SPACE,
        ['\f'] = C_SPACE,
        ['\r'] = C_SPACE,
        [' '] = C_SPACE,
        ['$'] = C_IDCONT,
        ['0'] = C_IDCONT | C_DIGIT,
        ['1'] = C_IDCONT | C_DIGIT,
        ['2'] = C_IDCONT | C_DIGIT,
        ['3'] = C_IDCONT | C_DIGIT,
        ['4'] = C_IDCONT | C_DIGIT,
        ['5'] = C_IDCONT | C_DIGIT,
        ['6'] = C_IDCONT | C_DIGIT,
        ['7'] = C_IDCONT | C_DIGIT,
        ['8'] = C_IDCONT | C_DIGIT,
        ['9'] = C_IDCONT | C_DIGIT,
        ['A'] = IDS,
        ['B'] = IDS,
        ['C'] = IDS,
        ['D'] = IDS,
        ['E'] = IDS,
        ['F'] = IDS,
        ['G'] = IDS,
        ['H'] = IDS,
        ['I'] = IDS,
        ['J'] = IDS,
        ['K'] = IDS,
        ['L'] = IDS,
        ['M'] = IDS,
        ['N'] = IDS,
        ['O'] = IDS,
        ['P'] = IDS,
        ['Q'] = IDS,
        ['R'] = IDS,
        ['S'] = IDS,
        ['T'] = IDS,
        ['U'] = IDS,
        ['V'] = IDS,
        ['W'] = IDS,
        ['X'] = IDS,
        ['Y'] = IDS,
        ['Z'] = IDS,
        ['_'] = IDS,
        ['a'] = IDS,
        ['b'] = IDS,
        ['c'] = IDS,
        ['d'] = IDS,
        ['e'] = IDS,
        ['f'] = IDS,
        ['g'] = IDS,
        ['h'] = IDS,
        ['i'] = IDS,
        ['j'] = IDS,
        ['k'] = IDS,
        ['l'] = IDS,
        ['m'] = IDS,
        ['n'] = IDS,
        ['o'] = IDS,
        ['p'] = IDS,
        ['q'] = IDS,
        ['r'] = IDS,
        ['s'] = IDS,
        ['t'] = IDS,
        ['u'] = IDS,
        ['v'] = IDS,
        ['w'] = IDS,
        ['x'] = IDS,
        ['y'] = IDS,
        ['z'] = IDS,
};

static inline bool is_ident_start(unsigned char c)
{
	return c >= 0x80 || (cclass[c] & C_IDSTART);
}

static inline bool is_ident_cont(unsigned char c)
{
	return c >= 0x80 || (cclass[c] & C_IDCONT);
}

static inline bool is_digit(unsigned char c)
{
	return cclass[c] & C_DIGIT;
}

static inline bool is_space(unsigned char c)
{
	return cclass[c] & C_SPACE;
}

static bool put(scan *sc, const char *p, size_t n)
{
	if (sc->space && sc->n > 0) {
		if (sc->n + 1 > sc->cap)
			return false;
		sc->out[sc->n++] = ' ';
	}
	sc->space = false;
	if (sc->n + n > sc->cap)
		return false;
	memcpy(sc->out + sc->n, p, n);
	sc->n += n;
	return true;
}

/* Write the verbatim text before position upto. */
static bool flush(scan *sc, size_t upto)
{
	bool good = upto <= sc->span || put(sc, sc->s + sc->span, upto - sc->span);

	sc->span = upto;
	return good;
}

/* Skip whitespace and comments from sc->i; false on an unterminated comment. */
static bool skip_blank(scan *sc, size_t *pos)
{
	size_t i = *pos;

	for (;;) {
		if (i < sc->len && is_space((unsigned char)sc->s[i])) {
			i++;
		} else if (i + 1 < sc->len && sc->s[i] == '-' && sc->s[i + 1] == '-') {
			while (i < sc->len && sc->s[i] != '\n' && sc->s[i] != '\r')
				i++;
		} else if (i + 1 < sc->len && sc->s[i] == '/' && sc->s[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (depth > 0) {
				if (i + 1 >= sc->len)
					return false;
				if (sc->s[i] == '/' && sc->s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (sc->s[i] == '*' && sc->s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else {
			break;
		}
	}
	*pos = i;
	return true;
}

/*
 * End of a quoted string starting at q (the opening quote); backslash
 * escapes when bs.  Sets *has_bs when a backslash occurs.  Returns the
 * index after the closing quote, or 0 when unterminated.
 */
static size_t quoted_end(const scan *sc, size_t q, char quote, bool bs, bool *has_bs)
{
	size_t i = q + 1;

	*has_bs = false;
	while (i < sc->len) {
		char c = sc->s[i];
		if (c == '\\') {
			*has_bs = true;
			if (bs) {
				i += 2;
				continue;
			}
		}
		if (c == quote) {
			if (i + 1 < sc->len && sc->s[i + 1] == quote) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return 0;
}

/* After a string literal ending at end: another string follows (PostgreSQL may concatenate). */
static bool string_follows(scan *sc, size_t end)
{
	size_t i = end;

	if (!skip_blank(sc, &i))
		return true;
	return i < sc->len && sc->s[i] == '\'';
}

static bool add_lit(sqlfe_plankey *pk, scan *sc, size_t start, size_t end, sqlfe_lit_kind kind, sqlfe_lit_quoting q,
                    size_t tag_len)
{
	char ph[2] = {SQLFE_PLANKEY_MARK, (char)kind};

	if (pk->nlits >= SQLFE_PLANKEY_MAX_LITS)
		return true; /* stays in the verbatim span */
	if (!flush(sc, start))
		return false;
	sc->span = end;
	pk->lits[pk->nlits].offset = (uint32_t)start;
	pk->lits[pk->nlits].len = (uint32_t)(end - start);
	pk->lits[pk->nlits].tag_len = (uint16_t)tag_len;
	pk->lits[pk->nlits].kind = (uint8_t)kind;
	pk->lits[pk->nlits].quoting = (uint8_t)q;
	pk->nlits++;
	return put(sc, ph, 2);
}

/* Kind of an unsigned digit string. */
static sqlfe_lit_kind int_kind(const char *p, size_t n)
{
	uint64_t v = 0;

	while (n > 1 && *p == '0') {
		p++;
		n--;
	}
	if (n > 19)
		return SQLFE_LIT_NUMERIC;
	for (size_t k = 0; k < n; k++) {
		unsigned d = (unsigned)(p[k] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return SQLFE_LIT_NUMERIC;
		v = v * 10 + d;
	}
	if (v <= 2147483647u)
		return SQLFE_LIT_INT4;
	if (v <= 9223372036854775807u)
		return SQLFE_LIT_INT8;
	return SQLFE_LIT_NUMERIC;
}

/* A number at sc->i (a digit, or '.' followed by a digit). */
static bool scan_number(scan *sc, sqlfe_plankey *pk)
{
	size_t start = sc->i, i = sc->i;
	bool decimal = false, expo = false;

	while (i < sc->len && is_digit((unsigned char)sc->s[i]))
		i++;
	if (i < sc->len && sc->s[i] == '.') {
		if (i + 1 < sc->len && sc->s[i + 1] == '.') {
			/* "1..": PostgreSQL's decimalfail; keep as is */
			sc->i = i;
			return true;
		}
		decimal = true;
		i++;
		while (i < sc->len && is_digit((unsigned char)sc->s[i]))
			i++;
	}
	if (i < sc->len && (sc->s[i] == 'e' || sc->s[i] == 'E')) {
		size_t j = i + 1;
		if (j < sc->len && (sc->s[j] == '+' || sc->s[j] == '-'))
			j++;
		if (j < sc->len && is_digit((unsigned char)sc->s[j])) {
			expo = true;
			i = j;
			while (i < sc->len && is_digit((unsigned char)sc->s[i]))
				i++;
		}
	}
	sc->i = i;
	/* glued to an identifier or another dot: not sure how PostgreSQL splits it */
	if (i < sc->len && (is_ident_cont((unsigned char)sc->s[i]) || sc->s[i] == '.'))
		return true;
	if (decimal || expo)
		return add_lit(pk, sc, start, i, SQLFE_LIT_NUMERIC, SQLFE_Q_NONE, 0);
	if (sc->by_list)
		return true; /* ORDER BY 1 and ORDER BY 2 differ in meaning: keep it */
	return add_lit(pk, sc, start, i, int_kind(sc->s + start, i - start), SQLFE_Q_NONE, 0);
}

/* $tag$ at sc->i?  Returns the tag length including both dollars, or 0. */
static size_t dollar_tag(const scan *sc, size_t i)
{
	size_t j = i + 1;

	if (j < sc->len && sc->s[j] == '$')
		return 2;
	if (j >= sc->len || !is_ident_start((unsigned char)sc->s[j]))
		return 0;
	while (j < sc->len && is_ident_cont((unsigned char)sc->s[j]) && sc->s[j] != '$')
		j++;
	if (j < sc->len && sc->s[j] == '$')
		return j + 1 - i;
	return 0;
}

bool sqlfe_plankey_scan(const char *text, size_t len, bool std_strings, char *keybuf, size_t keycap, sqlfe_plankey *pk)
{
	scan sc = {text, len, 0, keybuf, keycap == 0 ? 0 : keycap - 1, 0, false, 0, false};

	pk->nlits = 0;
	pk->key = keybuf;
	pk->key_len = 0;
	pk->hash = 0;
	if (keycap == 0 || len > UINT32_MAX || memchr(text, SQLFE_PLANKEY_MARK, len) != NULL)
		return false;
	/*
	 * Verbatim text (identifiers, keywords, operators, quoted identifiers,
	 * parameters, kept literals, single spaces) accumulates in a span that
	 * is written only when a literal or a whitespace run interrupts it.
	 */
	while (sc.i < len) {
		unsigned char c = (unsigned char)text[sc.i];
		size_t start = sc.i;

		if (c == ' ' && sc.i > 0 && sc.i + 1 < len && !is_space((unsigned char)text[sc.i + 1]) &&
		    !(text[sc.i + 1] == '-' && sc.i + 2 < len && text[sc.i + 2] == '-') &&
		    !(text[sc.i + 1] == '/' && sc.i + 2 < len && text[sc.i + 2] == '*') && sc.span < sc.i) {
			sc.i++; /* a lone space between tokens is already normal */
			continue;
		}
		if (is_space(c) || (c == '-' && sc.i + 1 < len && text[sc.i + 1] == '-') ||
		    (c == '/' && sc.i + 1 < len && text[sc.i + 1] == '*')) {
			if (!flush(&sc, start) || !skip_blank(&sc, &sc.i))
				return false;
			sc.space = true;
			sc.span = sc.i;
			continue;
		}
		if (c == '\'') {
			bool has_bs;
			size_t end = quoted_end(&sc, start, '\'', !std_strings, &has_bs);
			if (end == 0 || string_follows(&sc, end) || (has_bs && !std_strings))
				return false;
			sc.i = end;
			if (!add_lit(pk, &sc, start, end, SQLFE_LIT_STRING, SQLFE_Q_PLAIN, 0))
				return false;
			continue;
		}
		if (c == '"') {
			bool has_bs;
			size_t end = quoted_end(&sc, start, '"', false, &has_bs);
			if (end == 0)
				return false;
			sc.i = end;
			continue;
		}
		if (c == '$') {
			size_t tl = dollar_tag(&sc, start);
			if (tl > 0) {
				const char *close = NULL;
				for (size_t j = start + tl; j + tl <= len; j++) {
					if (text[j] == '$' && memcmp(text + j, text + start, tl) == 0) {
						close = text + j;
						break;
					}
				}
				if (close == NULL || tl > UINT16_MAX)
					return false;
				sc.i = (size_t)(close - text) + tl;
				if (string_follows(&sc, sc.i))
					return false;
				if (!add_lit(pk, &sc, start, sc.i, SQLFE_LIT_STRING, SQLFE_Q_DOLLAR, tl))
					return false;
				continue;
			}
			/* $n parameter or a lone $ */
			sc.i++;
			while (sc.i < len && is_digit((unsigned char)text[sc.i]))
				sc.i++;
			continue;
		}
		if (is_digit(c) || (c == '.' && sc.i + 1 < len && is_digit((unsigned char)text[sc.i + 1]))) {
			if (!scan_number(&sc, pk))
				return false;
			continue;
		}
		if (is_ident_start(c)) {
			while (sc.i < len && is_ident_cont((unsigned char)text[sc.i]))
				sc.i++;
			if (sc.i < len && text[sc.i] == '\'' && sc.i - start == 1) {
				char p = (char)(c | 0x20);
				bool has_bs;
				size_t end = quoted_end(&sc, sc.i, '\'', p == 'e' || !std_strings, &has_bs);
				if (end == 0 || string_follows(&sc, end) || (has_bs && !std_strings && p != 'e'))
					return false;
				sc.i = end;
				/* E'' without backslashes is a literal; B'', X'', N'', E'' with escapes stay */
				if (p == 'e' && !has_bs &&
				    !add_lit(pk, &sc, start, end, SQLFE_LIT_STRING, SQLFE_Q_E, 0))
					return false;
				continue;
			}
			if (sc.i - start == 1 && (c | 0x20) == 'u' && sc.i + 1 < len && text[sc.i] == '&' &&
			    (text[sc.i + 1] == '\'' || text[sc.i + 1] == '"'))
				return false;
			if (sc.i - start == 2 && strncasecmp(text + start, "by", 2) == 0)
				sc.by_list = true;
			else if ((sc.i - start == 5 && strncasecmp(text + start, "limit", 5) == 0) ||
			         (sc.i - start == 6 && strncasecmp(text + start, "offset", 6) == 0) ||
			         (sc.i - start == 5 && strncasecmp(text + start, "fetch", 5) == 0))
				sc.by_list = false;
			continue;
		}
		/* operators and punctuation */
		if (c == ';')
			sc.by_list = false;
		sc.i++;
	}
	if (!flush(&sc, len))
		return false;
	keybuf[sc.n] = '\0';
	pk->key_len = sc.n;
	pk->hash = sqlfe_plankey_hash(keybuf, sc.n);
	return true;
}

size_t sqlfe_plankey_value(const char *text, const sqlfe_literal *lit, char *out, size_t cap)
{
	const char *p = text + lit->offset;
	const char *end = p + lit->len;
	size_t n = 0;

	switch ((sqlfe_lit_quoting)lit->quoting) {
	case SQLFE_Q_NONE:
		break;
	case SQLFE_Q_E:
		p += 2;
		end -= 1;
		break;
	case SQLFE_Q_PLAIN:
		p += 1;
		end -= 1;
		break;
	case SQLFE_Q_DOLLAR:
		p += lit->tag_len;
		end -= lit->tag_len;
		break;
	}
	while (p < end) {
		char c = *p++;
		if (c == '\'' && lit->quoting != SQLFE_Q_DOLLAR && lit->quoting != SQLFE_Q_NONE)
			p++; /* '' -> ' */
		if (n + 1 < cap)
			out[n] = c;
		n++;
	}
	if (cap > 0)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

int sqlfe_plankey_find(const sqlfe_plankey *pk, uint32_t offset)
{
	for (int i = 0; i < pk->nlits; i++)
		if (pk->lits[i].offset == offset)
			return i;
	return -1;
}

uint64_t sqlfe_plankey_hash(const char *buf, size_t len)
{
	uint64_t h = 14695981039346656037u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)buf[i];
		h *= 1099511628211u;
	}
	return h;
}
