/*
 * pgoutput.c - decoder of the pgoutput plugin's messages and of the
 * replication protocol's CopyData framing (see the DESIGN in pgoutput.h).
 *
 * Functions prefix: pgoutput_
 *
 * Every read goes through a reader that knows the bytes left; the
 * integers of the protocol are big-endian.
 */
#include "cache/pgoutput.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

/* ---- reading with bounds ----------------------------------------------------- */

typedef struct reader {
	const uint8_t *base; /* the message's first byte (offsets in errors count from here) */
	const uint8_t *p;
	const uint8_t *end;
	const char *what; /* "Insert message", ... */
	cb_error *err;
} reader;

static void rd_init(reader *r, const void *buf, size_t len, const char *what, cb_error *err)
{
	r->base = buf;
	r->p = buf;
	r->end = r->base + len;
	r->what = what;
	r->err = err;
}

static size_t rd_left(const reader *r)
{
	return (size_t)(r->end - r->p);
}

static size_t rd_offset(const reader *r)
{
	return (size_t)(r->p - r->base);
}

static bool rd_short(reader *r, size_t need)
{
	return cb_fail(r->err, "pgoutput: truncated %s: %zu byte%s needed at offset %zu, %zu left", r->what, need,
	               need == 1 ? "" : "s", rd_offset(r), rd_left(r));
}

static bool rd_u8(reader *r, uint8_t *v)
{
	*v = 0;
	if (rd_left(r) < 1)
		return rd_short(r, 1);
	*v = *r->p++;
	return true;
}

static bool rd_u16(reader *r, uint16_t *v)
{
	*v = 0;
	if (rd_left(r) < 2)
		return rd_short(r, 2);
	*v = (uint16_t)((uint16_t)r->p[0] << 8 | r->p[1]);
	r->p += 2;
	return true;
}

static bool rd_u32(reader *r, uint32_t *v)
{
	*v = 0;
	if (rd_left(r) < 4)
		return rd_short(r, 4);
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	return true;
}

static bool rd_u64(reader *r, uint64_t *v)
{
	uint32_t hi, lo;
	*v = 0;
	if (rd_left(r) < 8)
		return rd_short(r, 8);
	if (!rd_u32(r, &hi) || !rd_u32(r, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

static bool rd_i64(reader *r, int64_t *v)
{
	uint64_t u;
	*v = 0;
	if (!rd_u64(r, &u))
		return false;
	*v = (int64_t)u;
	return true;
}

/* A NUL-terminated string; *s points into the message. */
static bool rd_string(reader *r, const char **s)
{
	const uint8_t *nul = rd_left(r) > 0 ? memchr(r->p, '\0', rd_left(r)) : NULL;
	*s = NULL;
	if (nul == NULL)
		return cb_fail(r->err, "pgoutput: malformed %s: the string at offset %zu has no terminating NUL",
		               r->what, rd_offset(r));
	*s = (const char *)r->p;
	r->p = nul + 1;
	return true;
}

/* A 4-byte length and that many bytes; *data points into the message. */
static bool rd_counted(reader *r, const char **data, uint32_t *len)
{
	uint32_t n;
	*data = NULL;
	*len = 0;
	if (!rd_u32(r, &n))
		return false;
	if (n > INT32_MAX)
		return cb_fail(r->err, "pgoutput: malformed %s: negative length %d at offset %zu", r->what, (int32_t)n,
		               rd_offset(r) - 4);
	if (n > rd_left(r))
		return rd_short(r, n);
	*data = (const char *)r->p;
	*len = n;
	r->p += n;
	return true;
}

static bool rd_done(reader *r)
{
	if (rd_left(r) != 0)
		return cb_fail(r->err, "pgoutput: malformed %s: %zu unexpected byte%s after its end at offset %zu",
		               r->what, rd_left(r), rd_left(r) == 1 ? "" : "s", rd_offset(r));
	return true;
}

/* ---- CopyData framing ---------------------------------------------------------- */

bool pgoutput_read_copydata(const void *buf, size_t len, pgoutput_copydata *out, cb_error *err)
{
	reader r;
	uint8_t kind, reply;
	memset(out, 0, sizeof(*out));
	rd_init(&r, buf, len, "CopyData message", err);
	if (!rd_u8(&r, &kind))
		return false;
	if (kind == PGOUTPUT_XLOGDATA) {
		r.what = "XLogData message";
		if (!rd_u64(&r, &out->wal_start) || !rd_u64(&r, &out->wal_end) || !rd_i64(&r, &out->send_time))
			return false;
		out->kind = PGOUTPUT_XLOGDATA;
		out->data = r.p;
		out->len = rd_left(&r);
		return true;
	}
	if (kind == PGOUTPUT_KEEPALIVE) {
		r.what = "primary keepalive message";
		if (!rd_u64(&r, &out->wal_end) || !rd_i64(&r, &out->send_time) || !rd_u8(&r, &reply) || !rd_done(&r))
			return false;
		out->kind = PGOUTPUT_KEEPALIVE;
		out->reply_requested = reply != 0;
		return true;
	}
	return cb_fail(err, "pgoutput: unknown CopyData message kind 0x%02x from the walsender (expected 'w' or 'k')",
	               kind);
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(v >> (i * 8));
	return p;
}

size_t pgoutput_write_status(uint8_t out[PGOUTPUT_STATUS_LEN], pgoutput_lsn write, pgoutput_lsn flush,
                             pgoutput_lsn apply, int64_t now_pg_us, bool reply_requested)
{
	uint8_t *p = out;
	*p++ = 'r';
	p = put_u64(p, write);
	p = put_u64(p, flush);
	p = put_u64(p, apply);
	p = put_u64(p, (uint64_t)now_pg_us);
	*p++ = reply_requested ? 1 : 0;
	return (size_t)(p - out);
}

/* ---- the decoder --------------------------------------------------------------- */

/* A relation cache entry: one allocation holding the columns and the names. */
typedef struct relentry {
	pgoutput_relation rel;
	struct relentry *next_retired;
	UT_hash_handle hh;
} relentry;

/* Reused per-message arrays: they only grow. */
typedef struct valbuf {
	pgoutput_value *v;
	size_t cap;
} valbuf;

struct pgoutput_decoder {
	relentry *rels;    /* uthash by rel.oid */
	relentry *retired; /* entries replaced by the last message, freed at the next decode */
	valbuf oldvals, newvals;
	pgoutput_column *scratch; /* a Relation message's columns while it is read */
	size_t scratch_cap;
	uint32_t *relids; /* Truncate */
	size_t relids_cap;
	const pgoutput_relation **trels;
	size_t trels_cap;
};

pgoutput_decoder *pgoutput_decoder_new(void)
{
	return calloc(1, sizeof(pgoutput_decoder));
}

static void free_retired(pgoutput_decoder *d)
{
	while (d->retired != NULL) {
		relentry *e = d->retired;
		d->retired = e->next_retired;
		free(e);
	}
}

void pgoutput_decoder_reset(pgoutput_decoder *d)
{
	relentry *e, *tmp;
	HASH_ITER(hh, d->rels, e, tmp)
	{
		HASH_DEL(d->rels, e);
		free(e);
	}
	free_retired(d);
}

void pgoutput_decoder_free(pgoutput_decoder *d)
{
	if (d == NULL)
		return;
	pgoutput_decoder_reset(d);
	free(d->oldvals.v);
	free(d->newvals.v);
	free(d->scratch);
	free(d->relids);
	free(d->trels);
	free(d);
}

const pgoutput_relation *pgoutput_relation_find(const pgoutput_decoder *d, uint32_t oid)
{
	relentry *e = NULL;
	HASH_FIND(hh, d->rels, &oid, sizeof(oid), e);
	return e != NULL ? &e->rel : NULL;
}

size_t pgoutput_relation_count(const pgoutput_decoder *d)
{
	return HASH_COUNT(d->rels);
}

const char *pgoutput_kind_name(int kind)
{
	switch (kind) {
	case PGOUTPUT_BEGIN:
		return "Begin";
	case PGOUTPUT_COMMIT:
		return "Commit";
	case PGOUTPUT_ORIGIN:
		return "Origin";
	case PGOUTPUT_RELATION:
		return "Relation";
	case PGOUTPUT_TYPE:
		return "Type";
	case PGOUTPUT_INSERT:
		return "Insert";
	case PGOUTPUT_UPDATE:
		return "Update";
	case PGOUTPUT_DELETE:
		return "Delete";
	case PGOUTPUT_TRUNCATE:
		return "Truncate";
	case PGOUTPUT_MESSAGE:
		return "Message";
	default:
		return "unknown";
	}
}

/* Room for n elements of sz bytes in arr (capacity *cap): the array, maybe
 * moved, or NULL when memory ran out (arr is then unchanged). */
static void *grow(void *arr, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap && arr != NULL)
		return arr;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < n)
		ncap *= 2;
	void *p = realloc(arr, ncap * sz);
	if (p != NULL)
		*cap = ncap;
	return p;
}

static bool oom(reader *r)
{
	return cb_fail(r->err, "pgoutput: out of memory decoding a %s", r->what);
}

/* A relation OID and its cache entry. */
static bool rd_relation(pgoutput_decoder *d, reader *r, const pgoutput_relation **rel)
{
	uint32_t oid;
	if (!rd_u32(r, &oid))
		return false;
	*rel = pgoutput_relation_find(d, oid);
	if (*rel == NULL)
		return cb_fail(r->err,
		               "pgoutput: %s for relation OID %u, which no Relation message described before (the "
		               "server sends one before a table's first change in a session)",
		               r->what, oid);
	return true;
}

/* A tuple of rel's columns into buf. */
static bool rd_tuple(reader *r, const pgoutput_relation *rel, valbuf *buf, pgoutput_tuple *t)
{
	uint16_t n;
	if (!rd_u16(r, &n))
		return false;
	if (n != rel->ncols)
		return cb_fail(r->err,
		               "pgoutput: malformed %s: a tuple of %u column%s for relation %s.%s (OID %u), whose "
		               "Relation message has %u",
		               r->what, n, n == 1 ? "" : "s", rel->nspname, rel->relname, rel->oid, rel->ncols);
	if (n > rd_left(r)) /* each column takes at least its kind byte */
		return rd_short(r, n);
	pgoutput_value *vals = grow(buf->v, &buf->cap, n, sizeof(*vals));
	if (vals == NULL)
		return oom(r);
	buf->v = vals;
	for (uint16_t i = 0; i < n; i++) {
		pgoutput_value *v = &buf->v[i];
		uint8_t kind;
		if (!rd_u8(r, &kind))
			return false;
		v->kind = (pgoutput_colkind)kind;
		v->len = 0;
		v->data = NULL;
		switch (kind) {
		case PGOUTPUT_COL_NULL:
		case PGOUTPUT_COL_UNCHANGED:
			break;
		case PGOUTPUT_COL_TEXT:
		case PGOUTPUT_COL_BINARY:
			if (!rd_counted(r, &v->data, &v->len))
				return false;
			break;
		default:
			return cb_fail(r->err,
			               "pgoutput: malformed %s: unknown kind 0x%02x of column %u at offset %zu "
			               "(expected n, u, t or b)",
			               r->what, kind, i + 1, rd_offset(r) - 1);
		}
	}
	t->ncols = n;
	t->cols = buf->v;
	return true;
}

static bool same_definition(const pgoutput_relation *a, const pgoutput_relation *b)
{
	if (strcmp(a->nspname, b->nspname) != 0 || strcmp(a->relname, b->relname) != 0 ||
	    a->replident != b->replident || a->ncols != b->ncols)
		return false;
	for (uint16_t i = 0; i < a->ncols; i++) {
		const pgoutput_column *x = &a->cols[i], *y = &b->cols[i];
		if (x->flags != y->flags || x->type_oid != y->type_oid || x->typmod != y->typmod ||
		    strcmp(x->name, y->name) != 0)
			return false;
	}
	return true;
}

static bool decode_relation(pgoutput_decoder *d, reader *r, pgoutput_relmsg *m)
{
	uint32_t oid;
	const char *nsp, *name;
	uint8_t ident;
	uint16_t ncols;
	if (!rd_u32(r, &oid) || !rd_string(r, &nsp) || !rd_string(r, &name) || !rd_u8(r, &ident) || !rd_u16(r, &ncols))
		return false;
	if (ident != PGOUTPUT_REPLIDENT_DEFAULT && ident != PGOUTPUT_REPLIDENT_NOTHING &&
	    ident != PGOUTPUT_REPLIDENT_FULL && ident != PGOUTPUT_REPLIDENT_INDEX)
		return cb_fail(r->err,
		               "pgoutput: malformed %s: unknown replica identity 0x%02x (expected d, n, f or i)",
		               r->what, ident);
	if (nsp[0] == '\0')
		nsp = "pg_catalog";
	/* each column: flags, a name of at least its NUL, type OID, typmod */
	if ((size_t)ncols * 10 > rd_left(r))
		return rd_short(r, (size_t)ncols * 10);
	pgoutput_column *scratch = grow(d->scratch, &d->scratch_cap, ncols, sizeof(*scratch));
	if (scratch == NULL)
		return oom(r);
	d->scratch = scratch;
	size_t names = strlen(nsp) + 1 + strlen(name) + 1;
	for (uint16_t i = 0; i < ncols; i++) {
		pgoutput_column *c = &d->scratch[i];
		uint32_t typmod;
		if (!rd_u8(r, &c->flags) || !rd_string(r, &c->name) || !rd_u32(r, &c->type_oid) || !rd_u32(r, &typmod))
			return false;
		c->typmod = (int32_t)typmod;
		c->key = (c->flags & PGOUTPUT_COLFLAG_KEY) != 0;
		names += strlen(c->name) + 1;
	}
	if (!rd_done(r))
		return false;

	/* the entry, its columns and its names in one block */
	size_t head = sizeof(relentry) + ncols * sizeof(pgoutput_column);
	relentry *e = calloc(1, head + names);
	if (e == NULL)
		return oom(r);
	pgoutput_column *cols = (pgoutput_column *)(e + 1);
	char *s = (char *)e + head;
	e->rel.oid = oid;
	e->rel.replident = (pgoutput_replident)ident;
	e->rel.ncols = ncols;
	e->rel.cols = cols;
	e->rel.nspname = strcpy(s, nsp);
	s += strlen(nsp) + 1;
	e->rel.relname = strcpy(s, name);
	s += strlen(name) + 1;
	for (uint16_t i = 0; i < ncols; i++) {
		cols[i] = d->scratch[i];
		cols[i].name = strcpy(s, d->scratch[i].name);
		s += strlen(s) + 1;
	}

	relentry *old = NULL;
	HASH_FIND(hh, d->rels, &oid, sizeof(oid), old);
	if (old != NULL) {
		HASH_DEL(d->rels, old);
		old->next_retired = d->retired;
		d->retired = old;
	}
	HASH_ADD(hh, d->rels, rel.oid, sizeof(e->rel.oid), e);
	m->rel = &e->rel;
	m->old = old != NULL ? &old->rel : NULL;
	m->change = old == NULL                           ? PGOUTPUT_REL_NEW
	            : same_definition(&old->rel, &e->rel) ? PGOUTPUT_REL_SAME
	                                                  : PGOUTPUT_REL_CHANGED;
	return true;
}

static bool decode_update(pgoutput_decoder *d, reader *r, pgoutput_update *m)
{
	uint8_t action;
	if (!rd_relation(d, r, &m->rel) || !rd_u8(r, &action))
		return false;
	m->old_kind = 0;
	m->oldtup.ncols = 0;
	m->oldtup.cols = NULL;
	if (action == 'K' || action == 'O') {
		m->old_kind = (char)action;
		if (!rd_tuple(r, m->rel, &d->oldvals, &m->oldtup) || !rd_u8(r, &action))
			return false;
	}
	if (action != 'N')
		return cb_fail(r->err, "pgoutput: malformed %s: expected 'N' (new tuple) at offset %zu, got 0x%02x",
		               r->what, rd_offset(r) - 1, action);
	return rd_tuple(r, m->rel, &d->newvals, &m->newtup) && rd_done(r);
}

static bool decode_truncate(pgoutput_decoder *d, reader *r, pgoutput_truncate *m)
{
	uint32_t n;
	if (!rd_u32(r, &n) || !rd_u8(r, &m->options))
		return false;
	if (n > rd_left(r) / 4)
		return n > INT32_MAX ? cb_fail(r->err, "pgoutput: malformed %s: negative relation count %d", r->what,
		                               (int32_t)n)
		                     : rd_short(r, (size_t)n * 4);
	uint32_t *relids = grow(d->relids, &d->relids_cap, n, sizeof(*relids));
	if (relids == NULL)
		return oom(r);
	d->relids = relids;
	const pgoutput_relation **trels = grow(d->trels, &d->trels_cap, n, sizeof(*trels));
	if (trels == NULL)
		return oom(r);
	d->trels = trels;
	for (uint32_t i = 0; i < n; i++) {
		if (!rd_relation(d, r, &d->trels[i]))
			return false;
		d->relids[i] = d->trels[i]->oid;
	}
	m->nrels = n;
	m->relids = d->relids;
	m->rels = d->trels;
	return rd_done(r);
}

bool pgoutput_decode(pgoutput_decoder *d, const void *buf, size_t len, pgoutput_msg *out, cb_error *err)
{
	free_retired(d);
	reader r;
	rd_init(&r, buf, len, "message", err);
	uint8_t kind;
	if (len == 0)
		return cb_fail(err, "pgoutput: empty message");
	(void)rd_u8(&r, &kind);
	memset(out, 0, sizeof(*out));
	out->kind = (pgoutput_kind)kind;
	char what[32];
	snprintf(what, sizeof(what), "%s message", pgoutput_kind_name(kind));
	r.what = what;
	switch (kind) {
	case PGOUTPUT_BEGIN: {
		pgoutput_begin *m = &out->u.begin;
		if (!rd_u64(&r, &m->final_lsn) || !rd_i64(&r, &m->commit_time) || !rd_u32(&r, &m->xid) || !rd_done(&r))
			return false;
		if (m->final_lsn == 0)
			return cb_fail(err, "pgoutput: malformed Begin message: final LSN 0/0");
		return true;
	}
	case PGOUTPUT_COMMIT: {
		pgoutput_commit *m = &out->u.commit;
		if (!rd_u8(&r, &m->flags) || !rd_u64(&r, &m->commit_lsn) || !rd_u64(&r, &m->end_lsn) ||
		    !rd_i64(&r, &m->commit_time) || !rd_done(&r))
			return false;
		if (m->flags != 0)
			return cb_fail(err, "pgoutput: malformed Commit message: flags 0x%02x (protocol 1 sends 0)",
			               m->flags);
		return true;
	}
	case PGOUTPUT_ORIGIN:
		return rd_u64(&r, &out->u.origin.lsn) && rd_string(&r, &out->u.origin.name) && rd_done(&r);
	case PGOUTPUT_RELATION:
		return decode_relation(d, &r, &out->u.relation);
	case PGOUTPUT_TYPE: {
		pgoutput_type *m = &out->u.type;
		if (!rd_u32(&r, &m->oid) || !rd_string(&r, &m->nspname) || !rd_string(&r, &m->typname) || !rd_done(&r))
			return false;
		if (m->nspname[0] == '\0')
			m->nspname = "pg_catalog";
		return true;
	}
	case PGOUTPUT_INSERT: {
		pgoutput_insert *m = &out->u.insert;
		uint8_t action;
		if (!rd_relation(d, &r, &m->rel) || !rd_u8(&r, &action))
			return false;
		if (action != 'N')
			return cb_fail(err, "pgoutput: malformed Insert message: expected 'N' (new tuple), got 0x%02x",
			               action);
		return rd_tuple(&r, m->rel, &d->newvals, &m->newtup) && rd_done(&r);
	}
	case PGOUTPUT_UPDATE:
		return decode_update(d, &r, &out->u.update);
	case PGOUTPUT_DELETE: {
		pgoutput_delete *m = &out->u.del;
		uint8_t action;
		if (!rd_relation(d, &r, &m->rel) || !rd_u8(&r, &action))
			return false;
		if (action != 'K' && action != 'O')
			return cb_fail(err,
			               "pgoutput: malformed Delete message: expected 'K' (old key) or 'O' (old tuple), "
			               "got 0x%02x",
			               action);
		m->old_kind = (char)action;
		return rd_tuple(&r, m->rel, &d->oldvals, &m->oldtup) && rd_done(&r);
	}
	case PGOUTPUT_TRUNCATE:
		return decode_truncate(d, &r, &out->u.truncate);
	case PGOUTPUT_MESSAGE: {
		pgoutput_message *m = &out->u.message;
		uint8_t flags;
		if (!rd_u8(&r, &flags) || !rd_u64(&r, &m->lsn) || !rd_string(&r, &m->prefix) ||
		    !rd_counted(&r, &m->content, &m->len) || !rd_done(&r))
			return false;
		if ((flags & ~1u) != 0)
			return cb_fail(err, "pgoutput: malformed Message message: unknown flags 0x%02x", flags);
		m->transactional = (flags & 1) != 0;
		return true;
	}
	default:
		return cb_fail(err,
		               "pgoutput: unknown message kind 0x%02x: protocol version 1 without streaming or "
		               "two-phase commit sends only B, C, O, R, Y, I, U, D, T and M",
		               kind);
	}
}
