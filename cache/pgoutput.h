/*
 * pgoutput.h - decoder of PostgreSQL's logical replication stream: the
 * pgoutput plugin's messages (protocol version 1) and the replication
 * protocol's CopyData framing around them (XLogData, primary keepalive,
 * standby status update).
 *
 * Functions prefix: pgoutput_
 *
 * DESIGN
 *
 * A pure codec: no I/O, no threads, no global state, so it is tested and
 * fuzzed with hand-built bytes.  src/stream.c feeds it the payload of each
 * XLogData message it reads from the walsender.
 *
 * Insert, Update, Delete and Truncate name their table by OID only; the
 * table's name, replica identity and columns come in a Relation message
 * sent before the first change of that table in a session, and again after
 * the table's definition changed (or any other invalidation of the
 * server's cache entry).  The decoder keeps these in a relation cache
 * (uthash, keyed by OID) that it owns; a Relation message replaces its
 * entry and says whether the definition is new, the same or changed
 * (pgoutput_relchange), so the consumer sees a schema change in order,
 * before the first change that uses the new definition.  A change of a
 * table whose Relation message has not been seen, or whose tuple has
 * another column count than its Relation, is an error.
 *
 * No allocation per column or per change: a decoded message (pgoutput_msg)
 * points into the caller's message buffer (strings of the protocol are
 * NUL-terminated there; column values are NOT, they have a length) and
 * into arrays the decoder reuses.  Everything a pgoutput_msg points to is
 * valid until the next pgoutput_decode() on the same decoder, or until the
 * buffer is freed, whichever comes first.  A cached pgoutput_relation is
 * valid until a Relation message for its OID has been decoded and the
 * decoder is used again (the replaced entry is kept for that one message,
 * as pgoutput_relmsg.old), or until pgoutput_decoder_reset/free; keep
 * per-table state keyed by OID, not by pointer.  Decoding a Relation
 * message allocates once (the entry with its columns and names in one
 * block).
 *
 * Bounds: every read checks the bytes left; a truncated or malformed
 * message (unknown message or column kind, a length past the end, a
 * string without its NUL, bytes after the end, an unknown relation, flags
 * PostgreSQL itself rejects) fails with a cb_error naming the message and
 * the offset, and never reads outside [buf, buf + len).
 */
#ifndef CB_PGOUTPUT_H
#define CB_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/error.h"

/* A WAL position (XLogRecPtr); printed as %X/%X of its two halves. */
typedef uint64_t pgoutput_lsn;
#define PGOUTPUT_LSN_HI(l) ((unsigned)((l) >> 32))
#define PGOUTPUT_LSN_LO(l) ((unsigned)((l)&0xffffffffu))

/* PostgreSQL timestamps are microseconds since 2000-01-01 00:00:00 UTC. */
#define PGOUTPUT_EPOCH_OFFSET_US INT64_C(946684800000000)
static inline int64_t pgoutput_time_to_unix_us(int64_t pg_us)
{
	return pg_us + PGOUTPUT_EPOCH_OFFSET_US;
}
static inline int64_t pgoutput_time_from_unix_us(int64_t unix_us)
{
	return unix_us - PGOUTPUT_EPOCH_OFFSET_US;
}

/* ---- the replication protocol's CopyData framing ----------------------- */

typedef enum pgoutput_copykind {
	PGOUTPUT_XLOGDATA = 'w',  /* WAL data: a pgoutput message follows */
	PGOUTPUT_KEEPALIVE = 'k', /* primary keepalive */
} pgoutput_copykind;

/* One CopyData message from the walsender. */
typedef struct pgoutput_copydata {
	pgoutput_copykind kind;
	pgoutput_lsn wal_start; /* XLogData: where the data starts (0 when the server sends none) */
	pgoutput_lsn wal_end;   /* the server's current end of WAL sent */
	int64_t send_time;      /* server clock, PostgreSQL microseconds */
	bool reply_requested;   /* keepalive: answer with a status update now */
	const uint8_t *data;    /* XLogData: the pgoutput message (points into buf) */
	size_t len;
} pgoutput_copydata;

/* Read one CopyData message (buf, len); false with err when malformed. */
CB_MUSTCHECK bool pgoutput_read_copydata(const void *buf, size_t len, pgoutput_copydata *out, cb_error *err);

#define PGOUTPUT_STATUS_LEN 34
/*
 * Write a Standby Status Update (the client's positions: written, flushed,
 * applied; its clock in PostgreSQL microseconds; whether it wants an
 * immediate keepalive back) into out; returns PGOUTPUT_STATUS_LEN.
 */
size_t pgoutput_write_status(uint8_t out[PGOUTPUT_STATUS_LEN], pgoutput_lsn write, pgoutput_lsn flush,
                             pgoutput_lsn apply, int64_t now_pg_us, bool reply_requested);

/* ---- pgoutput messages ----------------------------------------------------- */

typedef enum pgoutput_kind {
	PGOUTPUT_BEGIN = 'B',
	PGOUTPUT_COMMIT = 'C',
	PGOUTPUT_ORIGIN = 'O',
	PGOUTPUT_RELATION = 'R',
	PGOUTPUT_TYPE = 'Y',
	PGOUTPUT_INSERT = 'I',
	PGOUTPUT_UPDATE = 'U',
	PGOUTPUT_DELETE = 'D',
	PGOUTPUT_TRUNCATE = 'T',
	PGOUTPUT_MESSAGE = 'M',
} pgoutput_kind;

/* The kind of one column value in a tuple. */
typedef enum pgoutput_colkind {
	PGOUTPUT_COL_NULL = 'n',      /* SQL NULL */
	PGOUTPUT_COL_UNCHANGED = 'u', /* an unchanged TOASTed value: not sent, keep the old one */
	PGOUTPUT_COL_TEXT = 't',      /* the type's text output */
	PGOUTPUT_COL_BINARY = 'b',    /* the type's binary send format (only when asked for) */
} pgoutput_colkind;

/* One column value: data has len bytes and is NOT NUL-terminated. */
typedef struct pgoutput_value {
	pgoutput_colkind kind;
	uint32_t len;     /* 0 unless text or binary */
	const char *data; /* NULL unless text or binary; points into the message */
} pgoutput_value;

typedef struct pgoutput_tuple {
	uint16_t ncols; /* equals the relation's ncols */
	const pgoutput_value *cols;
} pgoutput_tuple;

#define PGOUTPUT_COLFLAG_KEY 1 /* the column is part of the replica identity */

typedef struct pgoutput_column {
	uint8_t flags;     /* PGOUTPUT_COLFLAG_* as sent */
	bool key;          /* flags & PGOUTPUT_COLFLAG_KEY */
	const char *name;  /* owned by the relation cache */
	uint32_t type_oid; /* pg_type OID */
	int32_t typmod;    /* atttypmod (-1: none) */
} pgoutput_column;

/* Replica identity (pg_class.relreplident). */
typedef enum pgoutput_replident {
	PGOUTPUT_REPLIDENT_DEFAULT = 'd', /* the primary key */
	PGOUTPUT_REPLIDENT_NOTHING = 'n',
	PGOUTPUT_REPLIDENT_FULL = 'f',  /* every column */
	PGOUTPUT_REPLIDENT_INDEX = 'i', /* a chosen unique index */
} pgoutput_replident;

/* A table as its last Relation message described it (in the relation cache). */
typedef struct pgoutput_relation {
	uint32_t oid;
	const char *nspname; /* "pg_catalog" when the server sent "" */
	const char *relname;
	pgoutput_replident replident;
	uint16_t ncols;
	const pgoutput_column *cols;
} pgoutput_relation;

/* Begin: a transaction follows (its changes, then Commit). */
typedef struct pgoutput_begin {
	pgoutput_lsn final_lsn; /* the LSN of the transaction's commit record */
	int64_t commit_time;    /* PostgreSQL microseconds */
	uint32_t xid;
} pgoutput_begin;

typedef struct pgoutput_commit {
	uint8_t flags;           /* 0 (the only value protocol 1 allows) */
	pgoutput_lsn commit_lsn; /* the LSN of the commit record */
	pgoutput_lsn end_lsn;    /* the end of the commit record: the position to confirm once applied */
	int64_t commit_time;     /* PostgreSQL microseconds */
} pgoutput_commit;

/* Origin: the transaction was replayed from another node (replication origins). */
typedef struct pgoutput_origin {
	pgoutput_lsn lsn; /* the commit LSN on the origin server */
	const char *name;
} pgoutput_origin;

typedef enum pgoutput_relchange {
	PGOUTPUT_REL_NEW,     /* the first Relation for this OID */
	PGOUTPUT_REL_SAME,    /* sent again, same definition (a new session, an invalidation) */
	PGOUTPUT_REL_CHANGED, /* another definition: names, replica identity or columns differ */
} pgoutput_relchange;

typedef struct pgoutput_relmsg {
	const pgoutput_relation *rel; /* the new cache entry */
	const pgoutput_relation *old; /* the replaced entry (NULL when new), valid until the next decode */
	pgoutput_relchange change;
} pgoutput_relmsg;

/* Type: a non-built-in type's name, sent before a Relation that uses it. */
typedef struct pgoutput_type {
	uint32_t oid;
	const char *nspname; /* "pg_catalog" when the server sent "" */
	const char *typname;
} pgoutput_type;

typedef struct pgoutput_insert {
	const pgoutput_relation *rel;
	pgoutput_tuple newtup;
} pgoutput_insert;

/* Update: old_kind 0 = no old values sent (the key did not change and the
 * identity is not FULL), 'K' = old key (key columns set, others NULL),
 * 'O' = the whole old row (REPLICA IDENTITY FULL). */
typedef struct pgoutput_update {
	const pgoutput_relation *rel;
	char old_kind;
	pgoutput_tuple oldtup; /* ncols 0 when old_kind is 0 */
	pgoutput_tuple newtup;
} pgoutput_update;

/* Delete: old_kind 'K' (key columns set, others NULL) or 'O' (whole row). */
typedef struct pgoutput_delete {
	const pgoutput_relation *rel;
	char old_kind;
	pgoutput_tuple oldtup;
} pgoutput_delete;

#define PGOUTPUT_TRUNCATE_CASCADE 1
#define PGOUTPUT_TRUNCATE_RESTART_IDENTITY 2

typedef struct pgoutput_truncate {
	uint8_t options; /* PGOUTPUT_TRUNCATE_* bits */
	uint32_t nrels;
	const uint32_t *relids;               /* nrels OIDs, in the order sent */
	const pgoutput_relation *const *rels; /* the same, from the relation cache */
} pgoutput_truncate;

/* Message: pg_logical_emit_message(transactional, prefix, content). */
typedef struct pgoutput_message {
	bool transactional; /* true: inside its transaction's Begin/Commit */
	pgoutput_lsn lsn;   /* the message's WAL record */
	const char *prefix;
	const char *content; /* len bytes, NOT NUL-terminated */
	uint32_t len;
} pgoutput_message;

typedef struct pgoutput_msg {
	pgoutput_kind kind;
	union {
		pgoutput_begin begin;
		pgoutput_commit commit;
		pgoutput_origin origin;
		pgoutput_relmsg relation;
		pgoutput_type type;
		pgoutput_insert insert;
		pgoutput_update update;
		pgoutput_delete del;
		pgoutput_truncate truncate;
		pgoutput_message message;
	} u;
} pgoutput_msg;

typedef struct pgoutput_decoder pgoutput_decoder;

/* A decoder with an empty relation cache; NULL when out of memory. */
CB_MUSTCHECK pgoutput_decoder *pgoutput_decoder_new(void);
/* Free the decoder and its relation cache; NULL is fine. */
void pgoutput_decoder_free(pgoutput_decoder *d);
/* Forget every relation (a new slot: OIDs may mean other tables). */
void pgoutput_decoder_reset(pgoutput_decoder *d);

/*
 * Decode one pgoutput message (the payload of an XLogData) into out.
 * False with err (out undefined) when the message is malformed, truncated,
 * of an unknown kind, names a relation not described yet, or memory ran
 * out; the relation cache is then unchanged.
 */
CB_MUSTCHECK bool pgoutput_decode(pgoutput_decoder *d, const void *buf, size_t len, pgoutput_msg *out, cb_error *err);

/* The cached relation with this OID, or NULL. */
const pgoutput_relation *pgoutput_relation_find(const pgoutput_decoder *d, uint32_t oid);
/* How many relations the cache holds. */
size_t pgoutput_relation_count(const pgoutput_decoder *d);

/* The name of a message kind ("Insert", ...), "unknown" for others. */
const char *pgoutput_kind_name(int kind);

#endif /* CB_PGOUTPUT_H */
