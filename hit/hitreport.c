/*
 * hitreport.c - the hits another process answered (see hitreport.h).
 *
 * Functions prefix: hitreport_
 */
#include "hit/hitreport.h"

#include <string.h>

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void hitreport_clear(hitreport *r)
{
	put32(r->buf + 20, 0);
	r->len = HITREPORT_HEADER;
	r->answered = 0;
	r->dropped = 0;
	r->last_plan = 0;
}

void hitreport_begin(hitreport *r, const char *fingerprint)
{
	memcpy(r->buf, HITREPORT_MAGIC, 4);
	memset(r->buf + 4, '0', 16);
	size_t fl = strnlen(fingerprint, 16);
	memcpy(r->buf + 4, fingerprint, fl);
	hitreport_clear(r);
}

bool hitreport_for(const hitreport *r, const char *fingerprint)
{
	return r->len >= HITREPORT_HEADER && strnlen(fingerprint, 17) == 16 && memcmp(r->buf + 4, fingerprint, 16) == 0;
}

static bool add_value(hitreport *r, char kind, unsigned group, unsigned entry, const char *value)
{
	size_t vl = strlen(value);
	if (vl > HITREPORT_VALUE_MAX || group > 255 || entry > 65535) {
		r->dropped++;
		return false;
	}
	if (r->len + 5 + vl > HITREPORT_MAX)
		return false;
	unsigned char *p = r->buf + r->len;
	p[0] = (unsigned char)kind;
	p[1] = (unsigned char)group;
	p[2] = (unsigned char)(entry >> 8);
	p[3] = (unsigned char)entry;
	p[4] = (unsigned char)vl;
	memcpy(p + 5, value, vl);
	r->len += 5 + vl;
	return true;
}

bool hitreport_add(hitreport *r, unsigned group, unsigned entry, const char *value)
{
	return add_value(r, 'H', group, entry, value);
}

bool hitreport_add_fill(hitreport *r, unsigned group, unsigned fill, const char *value)
{
	return add_value(r, 'F', group, fill, value);
}

static bool add_marker(hitreport *r, char kind)
{
	if (r->len + 1 > HITREPORT_MAX)
		return false;
	r->buf[r->len++] = (unsigned char)kind;
	return true;
}

bool hitreport_add_sync(hitreport *r)
{
	return add_marker(r, 'S');
}

bool hitreport_add_fence(hitreport *r)
{
	return add_marker(r, 'X');
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool hitreport_add_plan(hitreport *r, const char *text, size_t len, bool std)
{
	if (r->last_plan != 0) {
		unsigned char *p = r->buf + r->last_plan;
		size_t tl = (size_t)p[2] << 8 | p[3];
		uint32_t n = get32(p + 4);
		if (tl == len && (p[1] != 0) == std && n < UINT32_MAX && memcmp(p + 8, text, len) == 0) {
			put32(p + 4, n + 1);
			return true;
		}
	}
	if (len == 0 || len > 65535 || r->len + 8 + len > HITREPORT_MAX)
		return false;
	unsigned char *p = r->buf + r->len;
	p[0] = 'P';
	p[1] = std ? 1 : 0;
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	put32(p + 4, 1);
	memcpy(p + 8, text, len);
	r->last_plan = r->len;
	r->len += 8 + len;
	return true;
}

bool hitreport_pending(const hitreport *r)
{
	return r->len > HITREPORT_HEADER || r->answered > 0;
}

size_t hitreport_finish(hitreport *r)
{
	put32(r->buf + 20, r->answered);
	return r->len;
}

bool hitreport_header(const void *buf, size_t n, char fp[17], uint32_t *answered, size_t *pos)
{
	const unsigned char *b = buf;
	if (n < HITREPORT_HEADER || memcmp(b, HITREPORT_MAGIC, 4) != 0)
		return false;
	memcpy(fp, b + 4, 16);
	fp[16] = '\0';
	*answered = get32(b + 20);
	*pos = HITREPORT_HEADER;
	return true;
}

int hitreport_next(const void *buf, size_t n, size_t *pos, hitreport_hit *out)
{
	const unsigned char *b = buf;
	if (*pos == n)
		return 0;
	if (*pos > n)
		return -1;
	const unsigned char *p = b + *pos;
	size_t left = n - *pos;
	if (left >= 5 && (p[0] == 'H' || p[0] == 'F')) {
		size_t vl = p[4];
		if (vl > HITREPORT_VALUE_MAX || left - 5 < vl || memchr(p + 5, '\0', vl) != NULL)
			return -1;
		out->kind = (char)p[0];
		out->group = p[1];
		out->entry = (unsigned)p[2] << 8 | p[3];
		memcpy(out->value, p + 5, vl);
		out->value[vl] = '\0';
		*pos += 5 + vl;
		return 1;
	}
	if (p[0] == 'S' || p[0] == 'X') {
		out->kind = (char)p[0];
		*pos += 1;
		return 1;
	}
	if (left >= 8 && p[0] == 'P') {
		size_t tl = (size_t)p[2] << 8 | p[3];
		if (tl == 0 || p[1] > 1 || left - 8 < tl || memchr(p + 8, '\0', tl) != NULL)
			return -1;
		out->kind = 'P';
		out->std = p[1] != 0;
		out->count = get32(p + 4);
		out->text = (const char *)p + 8;
		out->text_len = tl;
		*pos += 8 + tl;
		return 1;
	}
	return -1;
}
