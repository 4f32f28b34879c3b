/*
 * render.c - a cached value as PostgreSQL prints or sends it (see
 * render.h).
 *
 * Functions prefix: render_
 */
#include "hit/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

void render_scratch_free(render_scratch *c)
{
	free(c->cell);
	c->cell = NULL;
	c->cell_cap = 0;
}

bool render_binary_ok(uint32_t oid)
{
	const pgtype *t = pgtype_output(oid);
	return t != NULL && (t->flags & PGTYPE_SEND) != 0;
}

static bool text_is(const sqlfe_sqlval *v, const char *s)
{
	return v->len == strlen(s) && memcmp(v->s, s, v->len) == 0;
}

/* The float texts SQLite cannot keep as REAL (see sql/types.h). */
static bool float_special(const sqlfe_sqlval *v)
{
	return text_is(v, "NaN") || text_is(v, "-0") || text_is(v, "Infinity") || text_is(v, "-Infinity");
}

static void put_be(char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		p[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

/*
 * A float in PostgreSQL's binary form (float4send/float8send: the IEEE
 * bits, big-endian).  v is a REAL read back from the stored text, which is
 * the backend's shortest exact output, so it is the backend's very value:
 * no text rendering needs to prove it (that proof refuses values on a
 * rounding boundary such as 1e23).  NaN is refused: the stored "NaN" does
 * not keep the sign bit PostgreSQL sends for '-NaN'.
 */
static bool send_float(wire_buf *out, const sqlfe_outcol *col, const sqlfe_sqlval *v)
{
	double d;
	char b[8];

	switch (v->kind) {
	case SQLFE_V_NULL:
		wire_put_int32(out, -1);
		return true;
	case SQLFE_V_REAL:
		d = v->d;
		break;
	case SQLFE_V_TEXT: /* the specials SQLite cannot keep as REAL (see sql/types.h) */
		if (text_is(v, "-0"))
			d = -0.0;
		else if (text_is(v, "Infinity"))
			d = INFINITY;
		else if (text_is(v, "-Infinity"))
			d = -INFINITY;
		else
			return false;
		break;
	default: /* floats are stored as text: anything else is not the backend's value */
		return false;
	}
	if (isnan(d))
		return false;
	uint64_t bits;
	int size;
	if (col->type_oid == PGTYPE_OID_FLOAT4) {
		float f = (float)d;
		uint32_t u;
		if ((double)f != d)
			return false;
		memcpy(&u, &f, sizeof(u));
		bits = u;
		size = 4;
	} else {
		memcpy(&bits, &d, sizeof(bits));
		size = 8;
	}
	put_be(b, bits, size);
	wire_put_int32(out, size);
	wire_buf_append(out, b, (size_t)size);
	return true;
}

bool render_value(render_scratch *c, wire_buf *out, const sqlfe_outcol *col, const sqlfe_sqlval *v, int fmt,
                  int extra_float_digits, bool *oom)
{
	sqlfe_sqlval fv;
	if (col->type->family == PGTYPE_FAM_FLOAT && v->kind == SQLFE_V_TEXT && !float_special(v)) {
		/*
		 * The fill stores floats as the backend's text under
		 * extra_float_digits 1: the shortest exact form, which is also
		 * what any positive extra_float_digits prints.
		 */
		if (fmt == 0 && extra_float_digits > 0) {
			wire_put_int32(out, (int32_t)v->len);
			wire_buf_append(out, v->s, v->len);
			return true;
		}
		char *end = NULL;
		double d = col->type_oid == PGTYPE_OID_FLOAT4 ? (double)strtof(v->s, &end) : strtod(v->s, &end);
		if (v->len == 0 || end != v->s + v->len || !isfinite(d))
			return false;
		fv = (sqlfe_sqlval){SQLFE_V_REAL, 0, d, NULL, 0};
		v = &fv;
	}
	if (fmt == 0) {
		for (;;) {
			if (!wire_buf_reserve(out, 64 + 4)) {
				*oom = true;
				return false;
			}
			size_t at = out->len;
			long r = sqlfe_types_render(col->type, v, extra_float_digits, out->data + at + 4,
			                            out->cap - at - 4);
			if (r == SQLFE_RENDER_INEXACT)
				return false;
			if (r == SQLFE_RENDER_NULL) {
				wire_put_int32(out, -1);
				return true;
			}
			if ((size_t)r < out->cap - at - 4) {
				put_be(out->data + at, (uint64_t)(uint32_t)r, 4);
				out->len = at + 4 + (size_t)r;
				return true;
			}
			if (!wire_buf_reserve(out, (size_t)r + 8)) {
				*oom = true;
				return false;
			}
		}
	}
	if (col->type->family == PGTYPE_FAM_FLOAT)
		return send_float(out, col, v);
	/* binary: the text rendering proves the stored value exact */
	long r;
	for (;;) {
		r = sqlfe_types_render(col->type, v, 1, c->cell, c->cell_cap);
		if (r < 0 || (size_t)r < c->cell_cap)
			break;
		if (!CB_ARRAY_GROW(c->cell, c->cell_cap, (size_t)r + 1)) {
			*oom = true;
			return false;
		}
	}
	if (r == SQLFE_RENDER_INEXACT)
		return false;
	if (r == SQLFE_RENDER_NULL) {
		wire_put_int32(out, -1);
		return true;
	}
	char b[8];
	switch (col->type_oid) {
	case PGTYPE_OID_INT2:
	case PGTYPE_OID_INT4:
	case PGTYPE_OID_INT8: {
		int n = col->type_oid == PGTYPE_OID_INT2 ? 2 : col->type_oid == PGTYPE_OID_INT4 ? 4 : 8;
		if (v->kind != SQLFE_V_INT)
			return false;
		put_be(b, (uint64_t)v->i, n);
		wire_put_int32(out, n);
		wire_buf_append(out, b, (size_t)n);
		return true;
	}
	case PGTYPE_OID_BOOL:
		wire_put_int32(out, 1);
		wire_put_byte(out, v->i ? 1 : 0);
		return true;
	case PGTYPE_OID_TEXT:
	case PGTYPE_OID_VARCHAR:
	case PGTYPE_OID_BPCHAR: /* binary is the text */
		wire_put_int32(out, (int32_t)r);
		wire_buf_append(out, c->cell, (size_t)r);
		return true;
	default: /* a type given PGTYPE_SEND without its encoder here: the backend's */
		return false;
	}
}
