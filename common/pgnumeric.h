/*
 * pgnumeric.h - PostgreSQL's order of the stored text of numeric values.
 *
 * The fill stores a numeric as the backend prints it: an optional minus
 * sign, decimal digits, optionally a point and more digits ("-12.50",
 * "0.000", "1000000"), or "NaN", "Infinity", "-Infinity".  The text does
 * not sort in numeric order ("9" after "10", "-2" after "-1"), so ORDER BY
 * and min/max on a numeric column compare through pgnumeric_cmp (the
 * SQLite collation SQLFE_NUMERIC_COLLATION, sql/translate.h).  Its order is
 * PostgreSQL's (numeric_cmp): -Infinity below every number, Infinity above,
 * NaN above Infinity and equal to itself; numbers by value, so "1.0" and
 * "1.00" are equal.
 *
 * Text in any other form (an exponent, blanks, a plus sign, no digits) is
 * never given a guessed place: *ok is cleared and the caller asks the
 * backend.
 *
 * Functions prefix: pgnumeric_
 */
#ifndef CB_PGNUMERIC_H
#define CB_PGNUMERIC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * <0, 0 or >0 as the numeric text a (alen bytes) is below, equal to or
 * above b in PostgreSQL's order.  When either is not numeric output text,
 * *ok is set to false (left alone otherwise) and the bytes are compared,
 * so that the answer is still a consistent order.
 */
int pgnumeric_cmp(const char *a, size_t alen, const char *b, size_t blen, bool *ok);

/* Whether s (len bytes) is numeric output text pgnumeric_cmp can place. */
bool pgnumeric_valid(const char *s, size_t len);

#endif /* CB_PGNUMERIC_H */
