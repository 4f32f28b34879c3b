/*
 * Unit tests of cache/pgoutput.c on hand-built bytes: the CopyData framing
 * (XLogData, keepalive, the standby status update written byte for byte);
 * every pgoutput message kind with its fields, tuples with NULL, unchanged
 * TOAST and text columns pointing into the message; the relation cache
 * (new, same, changed definitions, the replaced entry kept for one
 * message, reset); and malformed input: every proper prefix of every valid
 * message, a byte too many, unknown kinds, lengths past the end, unknown
 * relations, column count mismatches, flags PostgreSQL rejects.  Messages
 * are decoded from heap copies of their exact size, so AddressSanitizer
 * and valgrind catch any read past the end.  With PGOUTPUT_BENCH=N in the
 * environment, test_rate decodes N Insert messages and prints the rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/pgoutput.h"
#include "common/clock.h"

/* ---- building messages -------------------------------------------------------- */

typedef struct msgbuf {
	uint8_t b[8192];
	size_t n;
} msgbuf;

static void p8(msgbuf *m, uint8_t v)
{
	assert_true(m->n + 1 <= sizeof(m->b));
	m->b[m->n++] = v;
}

static void p16(msgbuf *m, uint16_t v)
{
	p8(m, (uint8_t)(v >> 8));
	p8(m, (uint8_t)v);
}

static void p32(msgbuf *m, uint32_t v)
{
	p16(m, (uint16_t)(v >> 16));
	p16(m, (uint16_t)v);
}

static void p64(msgbuf *m, uint64_t v)
{
	p32(m, (uint32_t)(v >> 32));
	p32(m, (uint32_t)v);
}

static void pstr(msgbuf *m, const char *s)
{
	size_t n = strlen(s) + 1;
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, s, n);
	m->n += n;
}

/* A text column: 't', length, bytes. */
static void ptext(msgbuf *m, const char *s)
{
	p8(m, 't');
	p32(m, (uint32_t)strlen(s));
	memcpy(m->b + m->n, s, strlen(s));
	m->n += strlen(s);
}

/* Relation 16384 public.film (id int4 key, titel text, jahr int4 typmod -1). */
static msgbuf rel_film(const char *third_type_name, uint32_t third_type)
{
	msgbuf m = {.n = 0};
	p8(&m, 'R');
	p32(&m, 16384);
	pstr(&m, "public");
	pstr(&m, "film");
	p8(&m, 'd');
	p16(&m, 3);
	p8(&m, 1);
	pstr(&m, "id");
	p32(&m, 23);
	p32(&m, 0xffffffff);
	p8(&m, 0);
	pstr(&m, "titel");
	p32(&m, 25);
	p32(&m, 0xffffffff);
	p8(&m, 0);
	pstr(&m, third_type_name);
	p32(&m, third_type);
	p32(&m, 0xffffffff);
	return m;
}

/* Relation 16390 "Ort" in schema "" (pg_catalog), one key column. */
static msgbuf rel_ort(void)
{
	msgbuf m = {.n = 0};
	p8(&m, 'R');
	p32(&m, 16390);
	pstr(&m, "");
	pstr(&m, "Ort");
	p8(&m, 'f');
	p16(&m, 1);
	p8(&m, 1);
	pstr(&m, "name");
	p32(&m, 1043);
	p32(&m, 54); /* varchar(50) */
	return m;
}

/* Insert into film (7, NULL or text, unchanged). */
static msgbuf ins_film(const char *titel)
{
	msgbuf m = {.n = 0};
	p8(&m, 'I');
	p32(&m, 16384);
	p8(&m, 'N');
	p16(&m, 3);
	ptext(&m, "7");
	if (titel != NULL)
		ptext(&m, titel);
	else
		p8(&m, 'n');
	p8(&m, 'u');
	return m;
}

/* A heap copy of exactly m->n bytes (ASan/valgrind see any over-read). */
static uint8_t *heap(const msgbuf *m)
{
	uint8_t *p = malloc(m->n ? m->n : 1);
	assert_non_null(p);
	memcpy(p, m->b, m->n);
	return p;
}

/* Decode m (from a heap copy kept in *copy) and expect success. */
static void decode_ok(pgoutput_decoder *d, const msgbuf *m, pgoutput_msg *out, uint8_t **copy)
{
	cb_error err = {{0}};
	*copy = heap(m);
	if (!pgoutput_decode(d, *copy, m->n, out, &err))
		fail_msg("decode failed: %s", err.msg);
}

/* Decode m and expect failure with an error containing want. */
static void decode_fails(pgoutput_decoder *d, const msgbuf *m, const char *want)
{
	cb_error err = {{0}};
	pgoutput_msg out;
	uint8_t *copy = heap(m);
	bool ok = pgoutput_decode(d, copy, m->n, &out, &err);
	free(copy);
	if (ok)
		fail_msg("a malformed %c message was decoded (expected: %s)", m->n ? m->b[0] : '?', want);
	if (strstr(err.msg, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want);
}

/* Every proper prefix of m fails with a message, and so does m plus a byte. */
static void prefixes_and_trailer_fail(pgoutput_decoder *d, const msgbuf *m)
{
	for (size_t k = 0; k < m->n; k++) {
		msgbuf p = *m;
		p.n = k;
		decode_fails(d, &p, k == 0 ? "empty message" : "pgoutput: ");
	}
	msgbuf t = *m;
	p8(&t, 0);
	decode_fails(d, &t, "after its end");
}

static pgoutput_decoder *new_decoder(void)
{
	pgoutput_decoder *d = pgoutput_decoder_new();
	assert_non_null(d);
	return d;
}

/* Decode and forget (for set-up messages). */
static void feed(pgoutput_decoder *d, const msgbuf *m)
{
	pgoutput_msg out;
	uint8_t *copy;
	decode_ok(d, m, &out, &copy);
	free(copy);
}

/* ---- framing ------------------------------------------------------------------- */

static void test_copydata(void **state)
{
	(void)state;
	cb_error err = {{0}};
	pgoutput_copydata cd;

	msgbuf w = {.n = 0};
	p8(&w, 'w');
	p64(&w, 0x100000028ULL);
	p64(&w, 0x100000100ULL);
	p64(&w, 12345);
	p8(&w, 'B');
	uint8_t *copy = heap(&w);
	assert_true(pgoutput_read_copydata(copy, w.n, &cd, &err));
	assert_int_equal(cd.kind, PGOUTPUT_XLOGDATA);
	assert_int_equal(cd.wal_start, 0x100000028ULL);
	assert_int_equal(cd.wal_end, 0x100000100ULL);
	assert_int_equal(cd.send_time, 12345);
	assert_int_equal(cd.len, 1);
	assert_ptr_equal(cd.data, copy + 25);
	free(copy);
	for (size_t k = 0; k < 25; k++) {
		copy = heap(&w);
		assert_false(pgoutput_read_copydata(copy, k, &cd, &err));
		free(copy);
	}

	msgbuf k = {.n = 0};
	p8(&k, 'k');
	p64(&k, 0x200000000ULL);
	p64(&k, 99);
	p8(&k, 1);
	copy = heap(&k);
	assert_true(pgoutput_read_copydata(copy, k.n, &cd, &err));
	assert_int_equal(cd.kind, PGOUTPUT_KEEPALIVE);
	assert_int_equal(cd.wal_end, 0x200000000ULL);
	assert_int_equal(cd.send_time, 99);
	assert_true(cd.reply_requested);
	free(copy);
	k.b[17] = 0;
	assert_true(pgoutput_read_copydata(k.b, k.n, &cd, &err));
	assert_false(cd.reply_requested);
	for (size_t n = 0; n < k.n; n++) {
		copy = heap(&k);
		assert_false(pgoutput_read_copydata(copy, n, &cd, &err));
		free(copy);
	}
	p8(&k, 0);
	assert_false(pgoutput_read_copydata(k.b, k.n, &cd, &err));
	assert_non_null(strstr(err.msg, "unexpected byte after its end"));

	uint8_t other[1] = {'x'};
	assert_false(pgoutput_read_copydata(other, 1, &cd, &err));
	assert_non_null(strstr(err.msg, "unknown CopyData message kind 0x78"));
}

static void test_status(void **state)
{
	(void)state;
	uint8_t out[PGOUTPUT_STATUS_LEN];
	size_t n = pgoutput_write_status(out, 0x0102030405060708ULL, 0x1112131415161718ULL, 0x2122232425262728ULL,
	                                 0x3132333435363738LL, true);
	static const uint8_t want[PGOUTPUT_STATUS_LEN] = {
	        'r',  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	        0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 1};
	assert_int_equal(n, PGOUTPUT_STATUS_LEN);
	assert_memory_equal(out, want, PGOUTPUT_STATUS_LEN);
	/* PostgreSQL's epoch */
	assert_int_equal(pgoutput_time_to_unix_us(0), INT64_C(946684800000000));
	assert_int_equal(pgoutput_time_from_unix_us(pgoutput_time_to_unix_us(42)), 42);
}

/* ---- transactions ----------------------------------------------------------------- */

static void test_begin_commit(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	pgoutput_msg out;
	uint8_t *copy;

	msgbuf b = {.n = 0};
	p8(&b, 'B');
	p64(&b, 0x16B3748ULL);
	p64(&b, 700000000000LL);
	p32(&b, 4711);
	decode_ok(d, &b, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_BEGIN);
	assert_int_equal(out.u.begin.final_lsn, 0x16B3748ULL);
	assert_int_equal(out.u.begin.commit_time, 700000000000LL);
	assert_int_equal(out.u.begin.xid, 4711);
	free(copy);
	prefixes_and_trailer_fail(d, &b);
	msgbuf b0 = {.n = 0};
	p8(&b0, 'B');
	p64(&b0, 0);
	p64(&b0, 1);
	p32(&b0, 1);
	decode_fails(d, &b0, "final LSN 0/0");

	msgbuf c = {.n = 0};
	p8(&c, 'C');
	p8(&c, 0);
	p64(&c, 0x16B3748ULL);
	p64(&c, 0x16B3778ULL);
	p64(&c, 700000000001LL);
	decode_ok(d, &c, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_COMMIT);
	assert_int_equal(out.u.commit.flags, 0);
	assert_int_equal(out.u.commit.commit_lsn, 0x16B3748ULL);
	assert_int_equal(out.u.commit.end_lsn, 0x16B3778ULL);
	assert_int_equal(out.u.commit.commit_time, 700000000001LL);
	free(copy);
	prefixes_and_trailer_fail(d, &c);
	c.b[1] = 2;
	decode_fails(d, &c, "Commit message: flags 0x02");

	msgbuf o = {.n = 0};
	p8(&o, 'O');
	p64(&o, 0xABCDEF);
	pstr(&o, "node_b");
	decode_ok(d, &o, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_ORIGIN);
	assert_int_equal(out.u.origin.lsn, 0xABCDEF);
	assert_string_equal(out.u.origin.name, "node_b");
	assert_ptr_equal(out.u.origin.name, (const char *)copy + 9);
	free(copy);
	prefixes_and_trailer_fail(d, &o);
	pgoutput_decoder_free(d);
}

/* ---- relations ------------------------------------------------------------------- */

static void test_relation(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	pgoutput_msg out;
	uint8_t *copy;

	msgbuf r = rel_film("jahr", 23);
	decode_ok(d, &r, &out, &copy);
	free(copy); /* the cache keeps its own copy of the names */
	assert_int_equal(out.kind, PGOUTPUT_RELATION);
	assert_int_equal(out.u.relation.change, PGOUTPUT_REL_NEW);
	assert_null(out.u.relation.old);
	const pgoutput_relation *rel = out.u.relation.rel;
	assert_ptr_equal(rel, pgoutput_relation_find(d, 16384));
	assert_int_equal(rel->oid, 16384);
	assert_string_equal(rel->nspname, "public");
	assert_string_equal(rel->relname, "film");
	assert_int_equal(rel->replident, PGOUTPUT_REPLIDENT_DEFAULT);
	assert_int_equal(rel->ncols, 3);
	assert_true(rel->cols[0].key);
	assert_int_equal(rel->cols[0].flags, 1);
	assert_string_equal(rel->cols[0].name, "id");
	assert_int_equal(rel->cols[0].type_oid, 23);
	assert_int_equal(rel->cols[0].typmod, -1);
	assert_false(rel->cols[1].key);
	assert_string_equal(rel->cols[1].name, "titel");
	assert_int_equal(rel->cols[1].type_oid, 25);
	assert_string_equal(rel->cols[2].name, "jahr");
	assert_int_equal(pgoutput_relation_count(d), 1);
	prefixes_and_trailer_fail(d, &r);

	/* sent again unchanged (a new session): SAME, the old entry readable for one message */
	decode_ok(d, &r, &out, &copy);
	free(copy);
	assert_int_equal(out.u.relation.change, PGOUTPUT_REL_SAME);
	assert_non_null(out.u.relation.old);
	assert_string_equal(out.u.relation.old->relname, "film");

	/* ALTER TABLE ... ALTER COLUMN jahr TYPE int8: CHANGED */
	msgbuf r2 = rel_film("jahr", 20);
	decode_ok(d, &r2, &out, &copy);
	free(copy);
	assert_int_equal(out.u.relation.change, PGOUTPUT_REL_CHANGED);
	assert_int_equal(out.u.relation.old->cols[2].type_oid, 23);
	assert_int_equal(out.u.relation.rel->cols[2].type_oid, 20);
	assert_int_equal(pgoutput_relation_find(d, 16384)->cols[2].type_oid, 20);
	assert_int_equal(pgoutput_relation_count(d), 1);
	/* a renamed column is a change too */
	msgbuf r3 = rel_film("year", 20);
	decode_ok(d, &r3, &out, &copy);
	free(copy);
	assert_int_equal(out.u.relation.change, PGOUTPUT_REL_CHANGED);

	/* the empty namespace is pg_catalog; typmod kept; identity FULL */
	msgbuf o = rel_ort();
	decode_ok(d, &o, &out, &copy);
	free(copy);
	rel = out.u.relation.rel;
	assert_string_equal(rel->nspname, "pg_catalog");
	assert_string_equal(rel->relname, "Ort");
	assert_int_equal(rel->replident, PGOUTPUT_REPLIDENT_FULL);
	assert_int_equal(rel->cols[0].typmod, 54);
	assert_int_equal(pgoutput_relation_count(d), 2);

	/* a bad replica identity leaves the cache as it was */
	msgbuf bad = rel_film("jahr", 23);
	bad.b[1 + 4 + 7 + 5] = 'x';
	decode_fails(d, &bad, "unknown replica identity 0x78");
	assert_int_equal(pgoutput_relation_find(d, 16384)->cols[2].type_oid, 20);
	assert_string_equal(pgoutput_relation_find(d, 16384)->cols[2].name, "year");

	/* a column count the bytes cannot hold fails before allocating */
	msgbuf big = {.n = 0};
	p8(&big, 'R');
	p32(&big, 1);
	pstr(&big, "s");
	pstr(&big, "t");
	p8(&big, 'd');
	p16(&big, 60000);
	decode_fails(d, &big, "truncated Relation message");

	/* a name without its NUL */
	msgbuf nonul = {.n = 0};
	p8(&nonul, 'R');
	p32(&nonul, 1);
	p8(&nonul, 's');
	decode_fails(d, &nonul, "has no terminating NUL");

	/* Type */
	msgbuf y = {.n = 0};
	p8(&y, 'Y');
	p32(&y, 16500);
	pstr(&y, "public");
	pstr(&y, "mood");
	decode_ok(d, &y, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_TYPE);
	assert_int_equal(out.u.type.oid, 16500);
	assert_string_equal(out.u.type.nspname, "public");
	assert_string_equal(out.u.type.typname, "mood");
	free(copy);
	prefixes_and_trailer_fail(d, &y);
	msgbuf y2 = {.n = 0};
	p8(&y2, 'Y');
	p32(&y2, 16);
	pstr(&y2, "");
	pstr(&y2, "bool");
	decode_ok(d, &y2, &out, &copy);
	assert_string_equal(out.u.type.nspname, "pg_catalog");
	free(copy);

	pgoutput_decoder_reset(d);
	assert_int_equal(pgoutput_relation_count(d), 0);
	assert_null(pgoutput_relation_find(d, 16384));
	pgoutput_decoder_free(d);
}

/* ---- changes ------------------------------------------------------------------------ */

static void assert_text(const pgoutput_value *v, const char *want)
{
	assert_int_equal(v->kind, PGOUTPUT_COL_TEXT);
	assert_int_equal(v->len, strlen(want));
	assert_memory_equal(v->data, want, v->len);
}

static void test_insert(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	pgoutput_msg out;
	uint8_t *copy;
	msgbuf i = ins_film("Nosferatu");

	/* before its Relation: an error naming the OID */
	decode_fails(d, &i, "Insert message for relation OID 16384, which no Relation message described");
	msgbuf r = rel_film("jahr", 23);
	feed(d, &r);

	decode_ok(d, &i, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_INSERT);
	assert_int_equal(out.u.insert.rel->oid, 16384);
	const pgoutput_tuple *t = &out.u.insert.newtup;
	assert_int_equal(t->ncols, 3);
	assert_text(&t->cols[0], "7");
	assert_text(&t->cols[1], "Nosferatu");
	/* the values point into the message: no copy */
	assert_ptr_equal(t->cols[1].data, (const char *)copy + 1 + 4 + 1 + 2 + 6 + 5);
	assert_int_equal(t->cols[2].kind, PGOUTPUT_COL_UNCHANGED);
	assert_null(t->cols[2].data);
	free(copy);
	prefixes_and_trailer_fail(d, &i);

	msgbuf n = ins_film(NULL);
	decode_ok(d, &n, &out, &copy);
	assert_int_equal(out.u.insert.newtup.cols[1].kind, PGOUTPUT_COL_NULL);
	assert_int_equal(out.u.insert.newtup.cols[1].len, 0);
	free(copy);

	/* an empty text and a binary value */
	msgbuf e = {.n = 0};
	p8(&e, 'I');
	p32(&e, 16384);
	p8(&e, 'N');
	p16(&e, 3);
	ptext(&e, "");
	p8(&e, 'b');
	p32(&e, 2);
	p8(&e, 0);
	p8(&e, 0xff);
	p8(&e, 'n');
	decode_ok(d, &e, &out, &copy);
	assert_text(&out.u.insert.newtup.cols[0], "");
	assert_int_equal(out.u.insert.newtup.cols[1].kind, PGOUTPUT_COL_BINARY);
	assert_int_equal(out.u.insert.newtup.cols[1].len, 2);
	assert_int_equal((uint8_t)out.u.insert.newtup.cols[1].data[1], 0xff);
	free(copy);

	/* wrong column count */
	msgbuf c2 = {.n = 0};
	p8(&c2, 'I');
	p32(&c2, 16384);
	p8(&c2, 'N');
	p16(&c2, 2);
	ptext(&c2, "1");
	p8(&c2, 'n');
	decode_fails(d, &c2, "a tuple of 2 columns for relation public.film (OID 16384), whose Relation message has 3");
	/* unknown column kind */
	msgbuf k = ins_film("x");
	k.b[1 + 4 + 1 + 2 + 6] = 'q';
	decode_fails(d, &k, "unknown kind 0x71 of column 2");
	/* a length past the end */
	msgbuf l = ins_film("abc");
	l.b[1 + 4 + 1 + 2 + 6 + 4] = 9;
	decode_fails(d, &l, "truncated Insert message: 9 bytes needed");
	/* a negative length */
	msgbuf neg = ins_film("abc");
	neg.b[1 + 4 + 1 + 2 + 6 + 1] = 0x80;
	decode_fails(d, &neg, "negative length");
	/* not 'N' */
	msgbuf a = ins_film("abc");
	a.b[5] = 'K';
	decode_fails(d, &a, "expected 'N' (new tuple), got 0x4b");
	pgoutput_decoder_free(d);
}

static void test_update_delete(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	pgoutput_msg out;
	uint8_t *copy;
	msgbuf r = rel_film("jahr", 23);
	feed(d, &r);

	/* without old values */
	msgbuf u = {.n = 0};
	p8(&u, 'U');
	p32(&u, 16384);
	p8(&u, 'N');
	p16(&u, 3);
	ptext(&u, "7");
	ptext(&u, "Metropolis");
	p8(&u, 'u');
	decode_ok(d, &u, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_UPDATE);
	assert_int_equal(out.u.update.old_kind, 0);
	assert_int_equal(out.u.update.oldtup.ncols, 0);
	assert_text(&out.u.update.newtup.cols[1], "Metropolis");
	assert_int_equal(out.u.update.newtup.cols[2].kind, PGOUTPUT_COL_UNCHANGED);
	free(copy);
	prefixes_and_trailer_fail(d, &u);

	/* with the old key (the key changed) */
	msgbuf uk = {.n = 0};
	p8(&uk, 'U');
	p32(&uk, 16384);
	p8(&uk, 'K');
	p16(&uk, 3);
	ptext(&uk, "6");
	p8(&uk, 'n');
	p8(&uk, 'n');
	p8(&uk, 'N');
	p16(&uk, 3);
	ptext(&uk, "7");
	ptext(&uk, "M");
	ptext(&uk, "1927");
	decode_ok(d, &uk, &out, &copy);
	assert_int_equal(out.u.update.old_kind, 'K');
	assert_text(&out.u.update.oldtup.cols[0], "6");
	assert_int_equal(out.u.update.oldtup.cols[1].kind, PGOUTPUT_COL_NULL);
	assert_text(&out.u.update.newtup.cols[0], "7");
	assert_text(&out.u.update.newtup.cols[2], "1927");
	/* old and new tuples are separate arrays */
	assert_ptr_not_equal(out.u.update.oldtup.cols, out.u.update.newtup.cols);
	free(copy);
	prefixes_and_trailer_fail(d, &uk);

	/* with the old row (REPLICA IDENTITY FULL) */
	msgbuf uo = uk;
	uo.b[5] = 'O';
	decode_ok(d, &uo, &out, &copy);
	assert_int_equal(out.u.update.old_kind, 'O');
	free(copy);
	/* an old tuple not followed by 'N' */
	msgbuf ux = uk;
	ux.b[1 + 4 + 1 + 2 + 6 + 2] = 'X';
	decode_fails(d, &ux, "expected 'N' (new tuple) at offset 16, got 0x58");
	msgbuf ua = u;
	ua.b[5] = 'Z';
	decode_fails(d, &ua, "expected 'N' (new tuple) at offset 5, got 0x5a");

	msgbuf del = {.n = 0};
	p8(&del, 'D');
	p32(&del, 16384);
	p8(&del, 'K');
	p16(&del, 3);
	ptext(&del, "7");
	p8(&del, 'n');
	p8(&del, 'n');
	decode_ok(d, &del, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_DELETE);
	assert_int_equal(out.u.del.old_kind, 'K');
	assert_ptr_equal(out.u.del.rel, pgoutput_relation_find(d, 16384));
	assert_text(&out.u.del.oldtup.cols[0], "7");
	free(copy);
	prefixes_and_trailer_fail(d, &del);
	del.b[5] = 'O';
	decode_ok(d, &del, &out, &copy);
	assert_int_equal(out.u.del.old_kind, 'O');
	free(copy);
	del.b[5] = 'N';
	decode_fails(d, &del, "expected 'K' (old key) or 'O' (old tuple), got 0x4e");
	del.b[5] = 'K';
	del.b[4] = 0x05; /* OID 16389: never described */
	decode_fails(d, &del, "Delete message for relation OID 16389");
	pgoutput_decoder_free(d);
}

static void test_truncate(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	pgoutput_msg out;
	uint8_t *copy;
	msgbuf r = rel_film("jahr", 23), o = rel_ort();
	feed(d, &r);
	feed(d, &o);

	msgbuf t = {.n = 0};
	p8(&t, 'T');
	p32(&t, 2);
	p8(&t, PGOUTPUT_TRUNCATE_CASCADE | PGOUTPUT_TRUNCATE_RESTART_IDENTITY);
	p32(&t, 16390);
	p32(&t, 16384);
	decode_ok(d, &t, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_TRUNCATE);
	assert_int_equal(out.u.truncate.nrels, 2);
	assert_int_equal(out.u.truncate.options, 3);
	assert_int_equal(out.u.truncate.relids[0], 16390);
	assert_int_equal(out.u.truncate.relids[1], 16384);
	assert_string_equal(out.u.truncate.rels[0]->relname, "Ort");
	assert_string_equal(out.u.truncate.rels[1]->relname, "film");
	free(copy);
	prefixes_and_trailer_fail(d, &t);

	msgbuf t1 = {.n = 0};
	p8(&t1, 'T');
	p32(&t1, 1);
	p8(&t1, 0);
	p32(&t1, 16384);
	decode_ok(d, &t1, &out, &copy);
	assert_int_equal(out.u.truncate.options, 0);
	assert_int_equal(out.u.truncate.nrels, 1);
	free(copy);

	/* a count the bytes cannot hold: no huge allocation, an error */
	msgbuf h = {.n = 0};
	p8(&h, 'T');
	p32(&h, 0x7fffffff);
	p8(&h, 0);
	p32(&h, 16384);
	decode_fails(d, &h, "truncated Truncate message");
	h.b[1] = 0xff;
	decode_fails(d, &h, "negative relation count");
	/* an unknown relation */
	msgbuf u = t1;
	u.b[u.n - 1] = 0x99;
	decode_fails(d, &u, "Truncate message for relation OID 16537");
	pgoutput_decoder_free(d);
}

static void test_message(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	pgoutput_msg out;
	uint8_t *copy;

	msgbuf m = {.n = 0};
	p8(&m, 'M');
	p8(&m, 1);
	p64(&m, 0x3000000ULL);
	pstr(&m, "cbcache");
	p32(&m, 3);
	p8(&m, 'a');
	p8(&m, 0); /* content may hold NUL bytes */
	p8(&m, 'b');
	decode_ok(d, &m, &out, &copy);
	assert_int_equal(out.kind, PGOUTPUT_MESSAGE);
	assert_true(out.u.message.transactional);
	assert_int_equal(out.u.message.lsn, 0x3000000ULL);
	assert_string_equal(out.u.message.prefix, "cbcache");
	assert_int_equal(out.u.message.len, 3);
	assert_memory_equal(out.u.message.content, "a\0b", 3);
	free(copy);
	prefixes_and_trailer_fail(d, &m);

	m.b[1] = 0;
	decode_ok(d, &m, &out, &copy);
	assert_false(out.u.message.transactional);
	free(copy);
	m.b[1] = 2;
	decode_fails(d, &m, "unknown flags 0x02");

	/* an empty content */
	msgbuf e = {.n = 0};
	p8(&e, 'M');
	p8(&e, 0);
	p64(&e, 1);
	pstr(&e, "p");
	p32(&e, 0);
	decode_ok(d, &e, &out, &copy);
	assert_int_equal(out.u.message.len, 0);
	free(copy);
	pgoutput_decoder_free(d);
}

static void test_unknown(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	const char kinds[] = "SEcAbPKrz\x01";
	for (size_t i = 0; i < sizeof(kinds) - 1; i++) {
		msgbuf m = {.n = 0};
		p8(&m, (uint8_t)kinds[i]);
		p32(&m, 1);
		decode_fails(d, &m, "unknown message kind");
	}
	msgbuf e = {.n = 0};
	decode_fails(d, &e, "empty message");
	assert_string_equal(pgoutput_kind_name('I'), "Insert");
	assert_string_equal(pgoutput_kind_name('S'), "unknown");
	pgoutput_decoder_free(d);
}

/* Random bytes after valid kinds: never a crash, only errors or messages. */
static void test_garbage(void **state)
{
	(void)state;
	pgoutput_decoder *d = new_decoder();
	msgbuf r = rel_film("jahr", 23);
	feed(d, &r);
	const char kinds[] = "BCORYIUDTM";
	uint32_t x = 2463534242u;
	for (int round = 0; round < 20000; round++) {
		msgbuf m = {.n = 0};
		p8(&m, (uint8_t)kinds[round % 10]);
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t n = x % 64;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* small values keep lengths and counts plausible now and then */
			p8(&m, (uint8_t)(x % 7 == 0 ? x >> 8 : x % 4));
		}
		/* sometimes the known relation's OID right after the kind */
		if (round % 3 == 0 && m.n >= 5) {
			m.b[1] = 0;
			m.b[2] = 0;
			m.b[3] = 0x40;
			m.b[4] = 0;
		}
		pgoutput_msg out;
		cb_error err = {{0}};
		uint8_t *copy = heap(&m);
		if (!pgoutput_decode(d, copy, m.n, &out, &err))
			assert_true(strncmp(err.msg, "pgoutput: ", 10) == 0);
		free(copy);
	}
	pgoutput_decoder_free(d);
}

/* Decoding rate of a typical Insert (printed; PGOUTPUT_BENCH=N to choose N). */
static void test_rate(void **state)
{
	(void)state;
	const char *env = getenv("PGOUTPUT_BENCH");
	long n = env != NULL ? atol(env) : 200000;
	pgoutput_decoder *d = new_decoder();
	msgbuf r = rel_film("jahr", 23);
	feed(d, &r);
	msgbuf m = {.n = 0};
	p8(&m, 'I');
	p32(&m, 16384);
	p8(&m, 'N');
	p16(&m, 3);
	ptext(&m, "123456");
	ptext(&m, "Das Cabinet des Dr. Caligari");
	ptext(&m, "1920");
	uint8_t *copy = heap(&m);
	pgoutput_msg out;
	cb_error err = {{0}};
	uint64_t bytes = 0;
	int64_t t0 = cb_clock_mono_us();
	for (long i = 0; i < n; i++) {
		if (!pgoutput_decode(d, copy, m.n, &out, &err))
			fail_msg("%s", err.msg);
		bytes += out.u.insert.newtup.cols[1].len;
	}
	int64_t us = cb_clock_mono_us() - t0;
	assert_int_equal(bytes, (uint64_t)n * 28);
	printf("# decoded %ld Insert messages (%zu bytes, 3 columns) in %.1f ms: %.2f million/s\n", n, m.n,
	       (double)us / 1000.0, us > 0 ? (double)n / (double)us : 0.0);
	free(copy);
	pgoutput_decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_copydata), cmocka_unit_test(test_status),  cmocka_unit_test(test_begin_commit),
	        cmocka_unit_test(test_relation), cmocka_unit_test(test_insert),  cmocka_unit_test(test_update_delete),
	        cmocka_unit_test(test_truncate), cmocka_unit_test(test_message), cmocka_unit_test(test_unknown),
	        cmocka_unit_test(test_garbage),  cmocka_unit_test(test_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
