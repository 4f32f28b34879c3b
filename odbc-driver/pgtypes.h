/*
 * pgtypes.h - PostgreSQL types as ODBC sees them: SQL type, C type, column
 * size, decimal digits, octet lengths, names, as psqlODBC reports them
 * under the same DSN options (BoolsAsChar, MaxVarcharSize, TextAsLongVarchar,
 * UnknownsAsLongVarchar, UnknownSizes, ByteaAsLongVarBinary).
 *
 * Functions prefix: pgt_
 *
 * A column is described by its type OID and typmod, and by what is known
 * of its values: `longest` is the longest value's length in the result
 * (PGT_UNSET before any row), and for numeric columns without a typmod
 * the largest scale is carried in its upper 16 bits, as psqlODBC does.
 * Catalog results (made by the driver) size their character columns by
 * `longest` (PGT_LONGEST).
 */
#ifndef CBO_PGTYPES_H
#define CBO_PGTYPES_H

#include "odbc-driver/driver.h"

/* Type OIDs (pg_type.dat). */
#define CBO_BOOLOID 16
#define CBO_BYTEAOID 17
#define CBO_CHAROID 18
#define CBO_NAMEOID 19
#define CBO_INT8OID 20
#define CBO_INT2OID 21
#define CBO_INT2VECTOROID 22
#define CBO_INT4OID 23
#define CBO_TEXTOID 25
#define CBO_OIDOID 26
#define CBO_XIDOID 28
#define CBO_OIDVECTOROID 30
#define CBO_XMLOID 142
#define CBO_CIDROID 650
#define CBO_FLOAT4OID 700
#define CBO_FLOAT8OID 701
#define CBO_UNKNOWNOID 705
#define CBO_MONEYOID 790
#define CBO_MACADDROID 829
#define CBO_INETOID 869
#define CBO_XMLARRAYOID 143
#define CBO_TEXTARRAYOID 1009
#define CBO_BPCHARARRAYOID 1014
#define CBO_VARCHARARRAYOID 1015
#define CBO_BPCHAROID 1042
#define CBO_VARCHAROID 1043
#define CBO_DATEOID 1082
#define CBO_TIMEOID 1083
#define CBO_TIMESTAMPOID 1114
#define CBO_TIMESTAMPTZOID 1184
#define CBO_INTERVALOID 1186
#define CBO_TIMETZOID 1266
#define CBO_BITOID 1560
#define CBO_NUMERICOID 1700
#define CBO_REFCURSOROID 1790
#define CBO_ANYOID 2276
#define CBO_VOIDOID 2278
#define CBO_UUIDOID 2950
/* types made after initdb (extensions, domains) start here */
#define CBO_FIRST_USER_OID 16384

#define PGT_UNSET (-3)
enum { PGT_UNKNOWNS_MAX = 0, PGT_UNKNOWNS_DONTKNOW = 1, PGT_UNKNOWNS_LONGEST = 2 };

/* What the type rules depend on besides the type (the connection). */
typedef struct pgt_ctx {
	const cbo_options *opts;
	SQLINTEGER odbc_version; /* SQL_OV_ODBC2 gives the ODBC 2 date codes */
	bool unicode;            /* a Unicode application: character types are SQL_W* */
	bool lo;                 /* the type is the large-object type (lo) */
} pgt_ctx;

/* How a column of a result is known: type, typmod, longest value, and how
 * unknown sizes are handled (UnknownSizes, or PGT_UNKNOWNS_LONGEST for
 * catalog results). */
typedef struct pgt_col {
	Oid oid;
	int typmod;  /* as PostgreSQL reports it (char types: length + 4) */
	int longest; /* PGT_UNSET when no value was seen */
	int unknowns;
	bool adjusted; /* typmod is already as psqlODBC keeps it (length without the 4
	                * bytes of header; SQLColumns' rule, which leaves bit(n) alone) */
} pgt_col;

SQLSMALLINT pgt_sql_type(const pgt_ctx *c, const pgt_col *col);
/* SQL_DESC_TYPE: SQL_DATETIME/SQL_INTERVAL for those, else the concise type. */
SQLSMALLINT pgt_desc_type(const pgt_ctx *c, const pgt_col *col);
/* SQL_DESC_DATETIME_INTERVAL_CODE, -1 when none. */
SQLSMALLINT pgt_datetime_sub(const pgt_ctx *c, const pgt_col *col);
/* The C type SQL_C_DEFAULT means for a column of this type. */
SQLSMALLINT pgt_default_ctype(const pgt_ctx *c, Oid oid, int typmod);
SQLINTEGER pgt_column_size(const pgt_ctx *c, const pgt_col *col);
SQLSMALLINT pgt_precision(const pgt_ctx *c, const pgt_col *col);
SQLINTEGER pgt_display_size(const pgt_ctx *c, const pgt_col *col);
SQLINTEGER pgt_buffer_length(const pgt_ctx *c, const pgt_col *col);
/* SQL_DESC_LENGTH */
SQLINTEGER pgt_desc_length(const pgt_ctx *c, const pgt_col *col);
/* SQL_DESC_OCTET_LENGTH (0 for types without one) */
SQLINTEGER pgt_octet_length(const pgt_ctx *c, const pgt_col *col);
/* DECIMAL_DIGITS, -1 when the type has none */
SQLSMALLINT pgt_decimal_digits(const pgt_ctx *c, const pgt_col *col);
/* SQL_DESC_SCALE, -1 when the type has none */
SQLSMALLINT pgt_scale(const pgt_ctx *c, const pgt_col *col);
/* The number types (integers, oid, xid, numeric, floats, money). */
bool pgt_is_number(Oid oid);
SQLSMALLINT pgt_radix(Oid oid);
SQLSMALLINT pgt_unsigned(Oid oid);
SQLSMALLINT pgt_case_sensitive(Oid oid);
SQLSMALLINT pgt_searchable(const pgt_ctx *c, Oid oid);
SQLSMALLINT pgt_auto_increment(Oid oid);
const char *pgt_literal_quote(Oid oid); /* NULL for numbers */
const char *pgt_create_params(Oid oid);
/* The type's name as psqlODBC gives it (interval names by typmod);
 * unknown types: the name passed (from pg_type) or "unknown". */
const char *pgt_name(const pgt_ctx *c, Oid oid, int typmod, const char *catalog_name);
/* The same with the typmod already adjusted (pgt_col.adjusted). */
const char *pgt_name_mod(const pgt_ctx *c, Oid oid, int mod, const char *catalog_name);
/* The interval SQL type a typmod selects (0: a plain interval). */
SQLSMALLINT pgt_interval_type(int typmod);

/* The PostgreSQL type an SQL type maps to (SQLGetTypeInfo, parameters), 0 if none. */
Oid pgt_from_sql_type(const cbo_options *o, SQLSMALLINT sqltype);
/* The cast a parameter of an SQL type gets in a server-side prepared
 * statement ("::int4"), "" when none. */
const char *pgt_param_cast(SQLSMALLINT sqltype);

#endif /* CBO_PGTYPES_H */
