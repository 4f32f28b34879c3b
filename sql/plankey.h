/*
 * plankey.h - plan-cache keys: a literal-stripping scan of a statement.
 *
 * Functions prefix: sqlfe_plankey_
 *
 * sqlfe_plankey_scan() walks the statement text once (no parse, no
 * allocation) and writes the key: the text with comments and whitespace
 * runs reduced to one space, and every numeric and string literal it is
 * sure about replaced by a placeholder that records the literal's kind
 * (int4, int8, numeric, string), so two statements that differ in the type
 * of a literal never share a key.  Literals it is unsure about (typed
 * prefixes such as B'' or N'', E'' strings with backslashes, numbers glued
 * to identifiers) stay in the key verbatim, and so do integers after BY
 * until LIMIT, OFFSET, FETCH or ';' (ORDER BY 1 names a column, so
 * ORDER BY 1 and ORDER BY 2 must not share a key).  Constructs whose token
 * boundaries it cannot be certain of (U&'' strings, adjacent string
 * literals, backslashes in strings with standard_conforming_strings off,
 * unterminated quotes or comments, the byte 0x01) yield no key at all: the
 * caller then analyses the statement every time (or sends it on).
 *
 * A placeholder is the byte 0x01 followed by the kind letter; 0x01 never
 * appears in a key otherwise.
 */
#ifndef SQLFE_PLANKEY_H
#define SQLFE_PLANKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"

/* Most literals one key records; further literals stay in the key. */
#define SQLFE_PLANKEY_MAX_LITS 64
#define SQLFE_PLANKEY_MARK '\x01'

typedef enum sqlfe_lit_kind {
	SQLFE_LIT_INT4 = 'I',    /* digits, fits int4 */
	SQLFE_LIT_INT8 = 'L',    /* digits, fits int8 but not int4 */
	SQLFE_LIT_NUMERIC = 'N', /* decimal point, exponent or too large for int8 */
	SQLFE_LIT_STRING = 'S',  /* '...', E'...' without backslashes, $tag$...$tag$ */
} sqlfe_lit_kind;

typedef enum sqlfe_lit_quoting {
	SQLFE_Q_NONE,   /* number */
	SQLFE_Q_PLAIN,  /* '...' with '' doubling */
	SQLFE_Q_E,      /* E'...' (no backslashes inside) */
	SQLFE_Q_DOLLAR, /* $tag$...$tag$ */
} sqlfe_lit_quoting;

typedef struct sqlfe_literal {
	uint32_t offset;  /* first byte of the token in the statement (the E of E'', the $ of $$) */
	uint32_t len;     /* bytes of the whole token */
	uint16_t tag_len; /* SQLFE_Q_DOLLAR: length of "$tag$" */
	uint8_t kind;     /* sqlfe_lit_kind */
	uint8_t quoting;  /* sqlfe_lit_quoting */
} sqlfe_literal;

typedef struct sqlfe_plankey {
	const char *key; /* the caller's buffer, NUL-terminated */
	size_t key_len;
	uint64_t hash; /* FNV-1a 64 of the key */
	int nlits;
	sqlfe_literal lits[SQLFE_PLANKEY_MAX_LITS];
} sqlfe_plankey;

/*
 * Scan text[0..len) into pk, writing the key into keybuf (capacity keycap;
 * 2 * len + 1 always suffices).  std_strings is the session's
 * standard_conforming_strings.  Returns false when the statement gets no
 * key (see above) or keybuf is too small; pk is then unusable.
 */
bool sqlfe_plankey_scan(const char *text, size_t len, bool std_strings, char *keybuf, size_t keycap,
                        sqlfe_plankey *pk) CB_MUSTCHECK;

/*
 * The value of literal lit of text, as PostgreSQL reads it (quotes removed,
 * '' undoubled), written NUL-terminated into out when it fits.  Returns the
 * value's length (like snprintf: a result >= cap means it was cut).
 */
size_t sqlfe_plankey_value(const char *text, const sqlfe_literal *lit, char *out, size_t cap);

/* Index of the literal whose token starts at offset, or -1. */
int sqlfe_plankey_find(const sqlfe_plankey *pk, uint32_t offset);

/* FNV-1a 64 of buf[0..len). */
uint64_t sqlfe_plankey_hash(const char *buf, size_t len);

#endif /* SQLFE_PLANKEY_H */
