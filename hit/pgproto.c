/*
 * pgproto.c - protocol 3.0 framing and message builders (see pgproto.h).
 *
 * Functions prefix: pgp_
 */
#include "hit/pgproto.h"

#include <stdlib.h>
#include <string.h>

void pgp_buf_free(pgp_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

bool pgp_buf_reserve(pgp_buf *b, size_t n)
{
	if (b->failed)
		return false;
	if (b->start > 0 && (b->start == b->len || b->cap - b->len < n)) {
		memmove(b->data, b->data + b->start, b->len - b->start);
		b->len -= b->start;
		b->start = 0;
	}
	if (b->cap - b->len >= n)
		return true;
	size_t cap = b->cap > 0 ? b->cap : 8192;
	while (cap - b->len < n)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (d == NULL) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void pgp_buf_append_slow(pgp_buf *b, const void *p, size_t n)
{
	if (!pgp_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void pgp_buf_consume(pgp_buf *b, size_t n)
{
	b->start += n;
	if (b->start >= b->len)
		b->start = b->len = 0;
}

size_t pgp_begin(pgp_buf *b, char type)
{
	pgp_buf_append(b, &type, 1);
	size_t off = b->len;
	pgp_put_int32(b, 0);
	return off;
}

void pgp_put_int32(pgp_buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char c[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
	                      (unsigned char)u};
	pgp_buf_append(b, c, 4);
}

void pgp_put_int16(pgp_buf *b, int16_t v)
{
	uint16_t u = (uint16_t)v;
	unsigned char c[2] = {(unsigned char)(u >> 8), (unsigned char)u};
	pgp_buf_append(b, c, 2);
}

void pgp_put_byte(pgp_buf *b, char c)
{
	pgp_buf_append(b, &c, 1);
}

void pgp_put_str(pgp_buf *b, const char *s)
{
	pgp_buf_append(b, s, strlen(s) + 1);
}

void pgp_end(pgp_buf *b, size_t off)
{
	if (b->failed)
		return;
	uint32_t n = (uint32_t)(b->len - off);
	unsigned char *c = (unsigned char *)b->data + off;
	c[0] = (unsigned char)(n >> 24);
	c[1] = (unsigned char)(n >> 16);
	c[2] = (unsigned char)(n >> 8);
	c[3] = (unsigned char)n;
}

void pgp_put_error(pgp_buf *b, const char *severity, const char *sqlstate, const char *message, const char *hint)
{
	size_t off = pgp_begin(b, 'E');
	pgp_put_byte(b, 'S');
	pgp_put_str(b, severity);
	pgp_put_byte(b, 'V');
	pgp_put_str(b, severity);
	pgp_put_byte(b, 'C');
	pgp_put_str(b, sqlstate);
	pgp_put_byte(b, 'M');
	pgp_put_str(b, message);
	if (hint != NULL) {
		pgp_put_byte(b, 'H');
		pgp_put_str(b, hint);
	}
	pgp_put_byte(b, '\0');
	pgp_end(b, off);
}

void pgp_put_auth(pgp_buf *b, int32_t code)
{
	size_t off = pgp_begin(b, 'R');
	pgp_put_int32(b, code);
	pgp_end(b, off);
}

void pgp_put_param_status(pgp_buf *b, const char *name, const char *value)
{
	size_t off = pgp_begin(b, 'S');
	pgp_put_str(b, name);
	pgp_put_str(b, value);
	pgp_end(b, off);
}

void pgp_put_key_data(pgp_buf *b, int32_t pid, int32_t key)
{
	size_t off = pgp_begin(b, 'K');
	pgp_put_int32(b, pid);
	pgp_put_int32(b, key);
	pgp_end(b, off);
}

void pgp_put_ready(pgp_buf *b, char txn_status)
{
	size_t off = pgp_begin(b, 'Z');
	pgp_put_byte(b, txn_status);
	pgp_end(b, off);
}

bool pgp_frontend_type_ok(char c)
{
	switch (c) {
	case 'B': /* Bind */
	case 'C': /* Close */
	case 'D': /* Describe */
	case 'E': /* Execute */
	case 'F': /* FunctionCall */
	case 'H': /* Flush */
	case 'P': /* Parse */
	case 'Q': /* Query */
	case 'S': /* Sync */
	case 'X': /* Terminate */
	case 'c': /* CopyDone */
	case 'd': /* CopyData */
	case 'f': /* CopyFail */
	case 'p': /* PasswordMessage and SASL responses */
		return true;
	default:
		return false;
	}
}
