/*
 * pgtypes.c - PostgreSQL types as ODBC sees them.
 *
 * Functions prefix: pgt_
 *
 * The rules reproduce what psqlODBC reports for the same column under the
 * same options, quirks included (doc/odbc.md lists the ones that look odd:
 * float8 is SQL_FLOAT, time with time zone is a character type, the size
 * of a numeric without typmod is at least 28 and grows with its values).
 * Typmods are taken as PostgreSQL sends them and reduced by the 4-byte
 * header for every type but the time types, as psqlODBC does (which also
 * shifts the bits of an interval's typmod).
 */
#include <stdio.h>
#include <string.h>

#include "odbc-driver/pgtypes.h"
#include "odbc-driver/connection.h"

#define PGT_REAL_DIGITS 9
#define PGT_DOUBLE_DIGITS 17
#define PGT_BOOLS_AS_CHAR_WIDTH 5
#define PGT_NAME_LEN 63
#define PGT_INET_LEN ((int)sizeof("xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:255.255.255.255/128"))
#define PGT_UUID_LEN ((int)sizeof("XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"))

/* interval typmod bits (range << 16) */
#define PGT_MONTH (1 << 17)
#define PGT_YEAR (1 << 18)
#define PGT_DAY (1 << 19)
#define PGT_HOUR (1 << 26)
#define PGT_MINUTE (1 << 27)
#define PGT_SECOND (1 << 28)

/* The typmod as psqlODBC keeps it. */
static int pgt_mod(Oid oid, int typmod)
{
	switch (oid) {
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
	case CBO_TIMEOID:
	case CBO_TIMETZOID:
		break;
	default:
		typmod -= 4;
	}
	return typmod < 0 ? -1 : typmod;
}

/* A column's typmod as psqlODBC keeps it (catalog columns come adjusted). */
static int pgt_colmod(const pgt_col *col)
{
	return col->adjusted ? col->typmod : pgt_mod(col->oid, col->typmod);
}

static SQLSMALLINT pgt_wide(const pgt_ctx *c, SQLSMALLINT t)
{
	if (!c->unicode)
		return t;
	switch (t) {
	case SQL_CHAR:
		return SQL_WCHAR;
	case SQL_VARCHAR:
		return SQL_WVARCHAR;
	case SQL_LONGVARCHAR:
		return SQL_WLONGVARCHAR;
	default:
		return t;
	}
}

/*
 * The intervals with fields, by leading field and then trailing field
 * (0: any).  The first entry whose fields are set in the typmod wins, so
 * each leading field ends with its plain interval.
 */
static const struct pgt_interval_def {
	int lead, trail;
	SQLSMALLINT type;
	const char *name;
} pgt_intervals[] = {
        {PGT_YEAR, PGT_MONTH, SQL_INTERVAL_YEAR_TO_MONTH, "interval year to month"},
        {PGT_YEAR, 0, SQL_INTERVAL_YEAR, "interval year"},
        {PGT_MONTH, 0, SQL_INTERVAL_MONTH, "interval month"},
        {PGT_DAY, PGT_SECOND, SQL_INTERVAL_DAY_TO_SECOND, "interval day to second"},
        {PGT_DAY, PGT_MINUTE, SQL_INTERVAL_DAY_TO_MINUTE, "interval day to minute"},
        {PGT_DAY, PGT_HOUR, SQL_INTERVAL_DAY_TO_HOUR, "interval day to hour"},
        {PGT_DAY, 0, SQL_INTERVAL_DAY, "interval day"},
        {PGT_HOUR, PGT_SECOND, SQL_INTERVAL_HOUR_TO_SECOND, "interval hour to second"},
        {PGT_HOUR, PGT_MINUTE, SQL_INTERVAL_HOUR_TO_MINUTE, "interval hour to minute"},
        {PGT_HOUR, 0, SQL_INTERVAL_HOUR, "interval hour"},
        {PGT_MINUTE, PGT_SECOND, SQL_INTERVAL_MINUTE_TO_SECOND, "interval minute to second"},
        {PGT_MINUTE, 0, SQL_INTERVAL_MINUTE, "interval minute"},
        {PGT_SECOND, 0, SQL_INTERVAL_SECOND, "interval second"},
};

/* Whether an SQL type code is one of the interval types. */
static bool pgt_is_sql_interval(SQLSMALLINT t)
{
	return t >= SQL_INTERVAL_YEAR && t <= SQL_INTERVAL_MINUTE_TO_SECOND;
}

static SQLSMALLINT pgt_interval(int mod, const char **name)
{
	const struct pgt_interval_def *found = NULL;
	for (size_t i = 0; mod != -1 && i < sizeof(pgt_intervals) / sizeof(pgt_intervals[0]); i++) {
		const struct pgt_interval_def *d = &pgt_intervals[i];
		if ((mod & d->lead) && (d->trail == 0 || (mod & d->trail))) {
			found = d;
			break;
		}
	}
	if (name) /* psqlODBC names only the intervals with fields */
		*name = found ? found->name : NULL;
	return found ? found->type : 0;
}

SQLSMALLINT pgt_interval_type(int typmod)
{
	return pgt_interval(pgt_mod(CBO_INTERVALOID, typmod), NULL);
}

/* The network address types' size, which psqlODBC gives as column size,
 * display size and buffer length alike. */
static int pgt_address_size(Oid oid)
{
	return oid == CBO_MACADDROID ? 17 : PGT_INET_LEN;
}

/* Size of character and unknown types. */
static int pgt_char_size(const pgt_ctx *c, Oid oid, int mod, int longest, int unknowns)
{
	const cbo_options *o = c->opts;
	int maxsize;
	switch (oid) {
	case CBO_TEXTOID:
		maxsize = o->text_as_longvarchar ? o->max_longvarchar : o->max_varchar;
		break;
	case CBO_VARCHAROID:
	case CBO_BPCHAROID:
		maxsize = o->max_varchar;
		break;
	default:
		maxsize = o->unknowns_as_longvarchar ? o->max_longvarchar : o->max_varchar;
		break;
	}
	if (maxsize == 8190 + 1)
		maxsize = 0;
	if (mod < 0 && longest < 0)
		return maxsize;
	int p = longest;
	if (unknowns == PGT_UNKNOWNS_LONGEST && p > 0 && (mod < 0 || mod > p))
		return p;
	/* psqlODBC's "may be an array": the OIDs 1000 to 1041 (arrays of the
	 * early built-in types, aclitem among them) and xml[] */
	if ((oid >= 1000 && oid <= 1041) || oid == CBO_XMLARRAYOID) {
		return p > 0 ? p : maxsize;
	}
	if (mod > 0)
		return mod;
	switch (unknowns) {
	case PGT_UNKNOWNS_DONTKNOW:
		return -1;
	case PGT_UNKNOWNS_LONGEST:
	case PGT_UNKNOWNS_MAX:
		break;
	default:
		return -1;
	}
	if (maxsize <= 0)
		return maxsize;
	if (oid == CBO_BPCHAROID || oid == CBO_VARCHAROID || oid == CBO_TEXTOID)
		return maxsize;
	return p > maxsize ? p : maxsize;
}

static int pgt_numeric_size(const pgt_ctx *c, int mod, int longest, int unknowns)
{
	(void)c;
	if (mod > -1)
		return (mod >> 16) & 0xffff;
	if (unknowns == PGT_UNKNOWNS_DONTKNOW)
		return SQL_NO_TOTAL;
	if (longest <= 0)
		return 28;
	longest %= (1 << 16);
	if (unknowns == PGT_UNKNOWNS_MAX)
		return longest > 28 ? longest : 28;
	return longest < 10 ? 10 : longest;
}

static SQLSMALLINT pgt_numeric_digits(int mod, int longest)
{
	if (mod < 0 && longest < 0)
		return 6;
	if (mod > -1)
		return (SQLSMALLINT)(mod & 0xffff);
	if (longest <= 0)
		return 6;
	return (SQLSMALLINT)(longest >> 16);
}

static int pgt_ts_digits(int mod)
{
	return mod > -1 ? mod : 6;
}

static int pgt_ts_size(Oid oid, int mod)
{
	int fixed;
	switch (oid) {
	case CBO_TIMEOID:
		fixed = 8;
		break;
	case CBO_TIMETZOID:
		fixed = 11;
		break;
	case CBO_TIMESTAMPOID:
		fixed = 19;
		break;
	default:
		fixed = 19;
		break;
	}
	int scale = pgt_ts_digits(mod);
	return scale > 0 ? fixed + 1 + scale : fixed;
}

/* psqlODBC's arithmetic, 16 bits wide: the typmod less 4 makes a full
 * precision (0xffff) 0xfffb, which reads as -5 */
static SQLSMALLINT pgt_interval_digits(int mod)
{
	if ((mod & PGT_SECOND) == 0)
		return 0;
	int prec = mod & 0xffff;
	return (SQLSMALLINT)(prec == 0xffff ? 6 : prec);
}

static int pgt_interval_size(int mod)
{
	int ttl = 9;
	switch (pgt_interval(mod, NULL)) {
	case 0:
	case SQL_INTERVAL_DAY_TO_SECOND:
	case SQL_INTERVAL_DAY_TO_MINUTE:
	case SQL_INTERVAL_DAY_TO_HOUR:
		ttl = 25;
		break;
	case SQL_INTERVAL_YEAR:
	case SQL_INTERVAL_MONTH:
	case SQL_INTERVAL_DAY:
		ttl = 16;
		break;
	case SQL_INTERVAL_HOUR_TO_SECOND:
	case SQL_INTERVAL_HOUR_TO_MINUTE:
	case SQL_INTERVAL_HOUR:
		ttl = 17;
		break;
	case SQL_INTERVAL_MINUTE_TO_SECOND:
	case SQL_INTERVAL_MINUTE:
		ttl = 15;
		break;
	case SQL_INTERVAL_YEAR_TO_MONTH:
		ttl = 24;
		break;
	}
	int scale = pgt_interval_digits(mod);
	return scale > 0 ? ttl + 1 + scale : ttl;
}

/* The SQL type of the date and time types (0 for other types): ODBC 3's
 * SQL_TYPE_* codes, or ODBC 2's.  They are their default C types too, the
 * C codes being the same (SQL_C_TYPE_DATE is SQL_TYPE_DATE, ...). */
static SQLSMALLINT pgt_datetime_type(const pgt_ctx *c, Oid oid)
{
	bool odbc3 = c->odbc_version != SQL_OV_ODBC2;
	switch (oid) {
	case CBO_DATEOID:
		return odbc3 ? SQL_TYPE_DATE : SQL_DATE;
	case CBO_TIMEOID:
		return odbc3 ? SQL_TYPE_TIME : SQL_TIME;
	case CBO_TIMESTAMPOID:
	case CBO_TIMESTAMPTZOID:
		return odbc3 ? SQL_TYPE_TIMESTAMP : SQL_TIMESTAMP;
	default:
		return 0;
	}
}

/* Text without a declared length: LONGVARCHAR when the option asks for it,
 * unless the size is known and fits MaxVarcharSize. */
static SQLSMALLINT pgt_text_type(const pgt_ctx *c, const pgt_col *col, int mod, bool as_long)
{
	if (as_long) {
		int size = pgt_char_size(c, col->oid, mod, col->longest, col->unknowns);
		if (size > 0 && size <= c->opts->max_varchar)
			as_long = false;
	}
	return pgt_wide(c, as_long ? SQL_LONGVARCHAR : SQL_VARCHAR);
}

SQLSMALLINT pgt_sql_type(const pgt_ctx *c, const pgt_col *col)
{
	const cbo_options *o = c->opts;
	int mod = pgt_colmod(col);
	if (c->lo)
		return SQL_LONGVARBINARY;
	SQLSMALLINT datetime = pgt_datetime_type(c, col->oid);
	if (datetime != 0)
		return datetime;
	switch (col->oid) {
	case CBO_CHAROID:
		return pgt_wide(c, SQL_CHAR);
	case CBO_NAMEOID:
	case CBO_REFCURSOROID:
		return pgt_wide(c, SQL_VARCHAR);
	case CBO_BPCHAROID:
	case CBO_VARCHAROID: {
		bool lv = pgt_char_size(c, col->oid, mod, col->longest, col->unknowns) > o->max_varchar;
		return pgt_wide(c, lv ? SQL_LONGVARCHAR : col->oid == CBO_BPCHAROID ? SQL_CHAR : SQL_VARCHAR);
	}
	case CBO_TEXTOID:
		return pgt_text_type(c, col, mod, o->text_as_longvarchar);
	case CBO_BYTEAOID:
		return o->bytea_as_longvarbinary ? SQL_LONGVARBINARY : SQL_VARBINARY;
	case CBO_INT2OID:
		return SQL_SMALLINT;
	case CBO_OIDOID:
	case CBO_XIDOID:
	case CBO_INT4OID:
		return SQL_INTEGER;
	case CBO_INT8OID:
		return SQL_BIGINT;
	case CBO_NUMERICOID:
		return SQL_NUMERIC;
	case CBO_FLOAT4OID:
		return SQL_REAL;
	case CBO_FLOAT8OID:
		return SQL_FLOAT;
	case CBO_MONEYOID:
		return SQL_FLOAT;
	case CBO_BOOLOID:
		return o->bools_as_char ? SQL_VARCHAR : SQL_BIT;
	case CBO_XMLOID:
		return pgt_wide(c, SQL_LONGVARCHAR);
	case CBO_INETOID:
	case CBO_CIDROID:
	case CBO_MACADDROID:
		return pgt_wide(c, SQL_VARCHAR);
	case CBO_UUIDOID:
		return SQL_GUID;
	case CBO_INTERVALOID:
		/* psqlODBC is built without SQL interval types: intervals are character data */
		return pgt_wide(c, SQL_VARCHAR);
	case CBO_BITOID:
		return mod == 1 ? SQL_BIT : SQL_VARCHAR;
	default:
		return pgt_text_type(c, col, mod, o->unknowns_as_longvarchar);
	}
}

SQLSMALLINT pgt_desc_type(const pgt_ctx *c, const pgt_col *col)
{
	SQLSMALLINT t = pgt_sql_type(c, col);
	switch (t) {
	case SQL_TYPE_DATE:
	case SQL_TYPE_TIME:
	case SQL_TYPE_TIMESTAMP:
		return SQL_DATETIME;
	default:
		return t;
	}
}

SQLSMALLINT pgt_datetime_sub(const pgt_ctx *c, const pgt_col *col)
{
	pgt_col u = *col;
	u.longest = PGT_UNSET;
	u.unknowns = PGT_UNKNOWNS_MAX;
	SQLSMALLINT t = pgt_sql_type(c, &u);
	switch (t) {
	case SQL_TYPE_DATE:
		return SQL_CODE_DATE;
	case SQL_TYPE_TIME:
		return SQL_CODE_TIME;
	case SQL_TYPE_TIMESTAMP:
		return SQL_CODE_TIMESTAMP;
	default: /* an interval's subcode is its type less 100 */
		return pgt_is_sql_interval(t) ? (SQLSMALLINT)(t - 100) : -1;
	}
}

SQLSMALLINT pgt_default_ctype(const pgt_ctx *c, Oid oid, int typmod)
{
	if (c->lo)
		return SQL_C_BINARY;
	SQLSMALLINT datetime = pgt_datetime_type(c, oid);
	if (datetime != 0)
		return datetime;
	switch (oid) {
	case CBO_INT8OID:
		return SQL_C_SBIGINT;
	case CBO_NUMERICOID:
		return SQL_C_CHAR;
	case CBO_INT2OID:
		return SQL_C_SSHORT;
	case CBO_OIDOID:
	case CBO_XIDOID:
		return SQL_C_ULONG;
	case CBO_INT4OID:
		return SQL_C_SLONG;
	case CBO_FLOAT4OID:
		return SQL_C_FLOAT;
	case CBO_FLOAT8OID:
		return SQL_C_DOUBLE;
	case CBO_MONEYOID:
		return SQL_C_FLOAT;
	case CBO_BOOLOID:
		return c->opts->bools_as_char ? SQL_C_CHAR : SQL_C_BIT;
	case CBO_BYTEAOID:
		return SQL_C_BINARY;
	case CBO_UUIDOID:
		return SQL_C_GUID;
	default:
		return SQL_C_CHAR; /* psqlODBC gives SQL_C_CHAR even to Unicode applications (and intervals) */
	}
}

SQLINTEGER pgt_column_size(const pgt_ctx *c, const pgt_col *col)
{
	int mod = pgt_colmod(col);
	if (c->lo)
		return SQL_NO_TOTAL;
	switch (col->oid) {
	case CBO_CHAROID:
		return 1;
	case CBO_NAMEOID:
	case CBO_REFCURSOROID:
		return PGT_NAME_LEN;
	case CBO_INT2OID:
		return 5;
	case CBO_OIDOID:
	case CBO_XIDOID:
	case CBO_INT4OID:
		return 10;
	case CBO_INT8OID:
		return 19;
	case CBO_NUMERICOID:
		return pgt_numeric_size(c, mod, col->longest, col->unknowns);
	case CBO_MONEYOID:
		return 10;
	case CBO_FLOAT4OID:
		return PGT_REAL_DIGITS;
	case CBO_FLOAT8OID:
		return PGT_DOUBLE_DIGITS;
	case CBO_DATEOID:
		return 10;
	case CBO_TIMEOID:
		return 8;
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
		return pgt_ts_size(col->oid, mod);
	case CBO_BOOLOID:
		return c->opts->bools_as_char ? PGT_BOOLS_AS_CHAR_WIDTH : 1;
	case CBO_MACADDROID:
	case CBO_INETOID:
	case CBO_CIDROID:
		return pgt_address_size(col->oid);
	case CBO_UUIDOID:
		return PGT_UUID_LEN;
	case CBO_INTERVALOID:
		return pgt_interval_size(mod);
	case CBO_BYTEAOID:
		if (c->opts->bytea_as_longvarbinary)
			return SQL_NO_TOTAL;
		return pgt_char_size(c, col->oid, mod, col->longest, col->unknowns);
	default:
		return pgt_char_size(c, col->oid, mod, col->longest, col->unknowns);
	}
}

SQLSMALLINT pgt_precision(const pgt_ctx *c, const pgt_col *col)
{
	int mod = pgt_colmod(col);
	switch (col->oid) {
	case CBO_NUMERICOID:
		return (SQLSMALLINT)pgt_numeric_size(c, mod, col->longest, col->unknowns);
	case CBO_TIMEOID:
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
		return (SQLSMALLINT)pgt_ts_digits(mod);
	default:
		return -1;
	}
}

SQLINTEGER pgt_display_size(const pgt_ctx *c, const pgt_col *col)
{
	int mod = pgt_colmod(col);
	switch (col->oid) {
	case CBO_INT2OID:
		return 6;
	case CBO_OIDOID:
	case CBO_XIDOID:
		return 10;
	case CBO_INT4OID:
		return 11;
	case CBO_INT8OID:
		return 20;
	case CBO_NUMERICOID: {
		int d = pgt_numeric_size(c, mod, col->longest, col->unknowns);
		return d <= 0 ? d : d + 2;
	}
	case CBO_MONEYOID:
		return 15;
	case CBO_FLOAT4OID:
		return 1 + PGT_REAL_DIGITS + 1 + 1 + 3;
	case CBO_FLOAT8OID:
		return 1 + PGT_DOUBLE_DIGITS + 1 + 1 + 1 + 3;
	case CBO_MACADDROID:
	case CBO_INETOID:
	case CBO_CIDROID:
		return pgt_address_size(col->oid);
	case CBO_UUIDOID:
		return 36;
	case CBO_INTERVALOID:
		return 30;
	default:
		return pgt_column_size(c, col);
	}
}

/* The bytes a character value of `size` characters may take: four per
 * character in UTF-8 (two with LFConversion's CR LF), capped by
 * MaxVarcharSize for short columns; two per character for Unicode
 * applications. */
static SQLINTEGER pgt_char_octets(const pgt_ctx *c, int size)
{
	if (size == SQL_NO_TOTAL)
		return size;
	if (c->unicode)
		return size * 2;
	int coef = 4; /* UTF-8 */
	int maxvarc = c->opts->max_varchar;
	if (size <= maxvarc && size * coef > maxvarc)
		return maxvarc;
	return coef * size;
}

bool pgt_is_number(Oid oid)
{
	switch (oid) {
	case CBO_INT2OID:
	case CBO_OIDOID:
	case CBO_XIDOID:
	case CBO_INT4OID:
	case CBO_INT8OID:
	case CBO_NUMERICOID:
	case CBO_FLOAT4OID:
	case CBO_FLOAT8OID:
	case CBO_MONEYOID:
		return true;
	default:
		return false;
	}
}

/* The character types: case-sensitive and searchable with LIKE. */
static bool pgt_is_text(Oid oid)
{
	switch (oid) {
	case CBO_CHAROID:
	case CBO_VARCHAROID:
	case CBO_BPCHAROID:
	case CBO_TEXTOID:
	case CBO_NAMEOID:
	case CBO_REFCURSOROID:
		return true;
	default:
		return false;
	}
}

/* The buffer length of a number type (pgt_is_number): its binary C form,
 * a numeric's characters with sign and point. */
static SQLINTEGER pgt_number_length(const pgt_ctx *c, const pgt_col *col)
{
	switch (col->oid) {
	case CBO_INT2OID:
		return 2;
	case CBO_INT8OID:
	case CBO_FLOAT8OID:
		return 8;
	case CBO_NUMERICOID: {
		int d = pgt_numeric_size(c, pgt_colmod(col), col->longest, col->unknowns);
		return d <= 0 ? d : d + 2;
	}
	default: /* oid, xid, int4, float4, money */
		return 4;
	}
}

SQLINTEGER pgt_buffer_length(const pgt_ctx *c, const pgt_col *col)
{
	if (pgt_is_number(col->oid))
		return pgt_number_length(c, col);
	switch (col->oid) {
	case CBO_DATEOID:
	case CBO_TIMEOID:
		return 6;
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
		return 16;
	case CBO_MACADDROID:
	case CBO_INETOID:
	case CBO_CIDROID:
		return pgt_address_size(col->oid);
	case CBO_UUIDOID:
		return 16;
	case CBO_VARCHAROID:
	case CBO_BPCHAROID:
		return pgt_char_octets(c, pgt_column_size(c, col));
	default:
		return pgt_column_size(c, col);
	}
}

SQLINTEGER pgt_desc_length(const pgt_ctx *c, const pgt_col *col)
{
	if (col->oid == CBO_INT8OID)
		return 20; /* (psqlODBC's: int8's characters) */
	if (pgt_is_number(col->oid))
		return pgt_number_length(c, col);
	return pgt_column_size(c, col);
}

SQLINTEGER pgt_octet_length(const pgt_ctx *c, const pgt_col *col)
{
	if (c->lo)
		return pgt_column_size(c, col);
	switch (col->oid) {
	case CBO_VARCHAROID:
	case CBO_BPCHAROID:
	case CBO_TEXTOID:
	case CBO_UNKNOWNOID: {
		pgt_col u = *col;
		u.longest = PGT_UNSET;
		return pgt_char_octets(c, pgt_column_size(c, &u));
	}
	case CBO_BYTEAOID: {
		pgt_col u = *col;
		u.longest = PGT_UNSET;
		return pgt_column_size(c, &u);
	}
	default:
		return 0;
	}
}

SQLSMALLINT pgt_decimal_digits(const pgt_ctx *c, const pgt_col *col)
{
	(void)c;
	int mod = pgt_colmod(col);
	if (col->oid == CBO_BOOLOID || (pgt_is_number(col->oid) && col->oid != CBO_NUMERICOID))
		return 0;
	switch (col->oid) {
	case CBO_TIMEOID:
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
		return (SQLSMALLINT)pgt_ts_digits(mod);
	case CBO_NUMERICOID:
		return pgt_numeric_digits(mod, col->longest);
	default:
		return -1;
	}
}

SQLSMALLINT pgt_scale(const pgt_ctx *c, const pgt_col *col)
{
	(void)c;
	if (col->oid == CBO_NUMERICOID)
		return pgt_numeric_digits(pgt_colmod(col), col->longest);
	return -1;
}

SQLSMALLINT pgt_radix(Oid oid)
{
	return pgt_is_number(oid) ? 10 : -1;
}

SQLSMALLINT pgt_unsigned(Oid oid)
{
	if (oid == CBO_OIDOID || oid == CBO_XIDOID)
		return SQL_TRUE;
	return pgt_is_number(oid) ? SQL_FALSE : -1;
}

SQLSMALLINT pgt_case_sensitive(Oid oid)
{
	return pgt_is_text(oid) ? SQL_TRUE : SQL_FALSE;
}

SQLSMALLINT pgt_searchable(const pgt_ctx *c, Oid oid)
{
	if (pgt_is_text(oid))
		return SQL_SEARCHABLE;
	return c && c->lo ? SQL_UNSEARCHABLE : SQL_ALL_EXCEPT_LIKE;
}

SQLSMALLINT pgt_auto_increment(Oid oid)
{
	if (pgt_is_number(oid))
		return SQL_FALSE;
	switch (oid) {
	case CBO_BOOLOID:
	case CBO_DATEOID:
	case CBO_TIMETZOID:
	case CBO_TIMEOID:
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
		return SQL_FALSE;
	default:
		return -1;
	}
}

const char *pgt_literal_quote(Oid oid)
{
	return pgt_is_number(oid) ? NULL : "'";
}

const char *pgt_create_params(Oid oid)
{
	if (oid == CBO_BPCHAROID || oid == CBO_VARCHAROID)
		return "max. length";
	return oid == CBO_NUMERICOID ? "precision, scale" : NULL;
}

const char *pgt_name(const pgt_ctx *c, Oid oid, int typmod, const char *catalog_name)
{
	return pgt_name_mod(c, oid, pgt_mod(oid, typmod), catalog_name);
}

const char *pgt_name_mod(const pgt_ctx *c, Oid oid, int mod, const char *catalog_name)
{
	if (c && c->lo)
		return "lo";
	switch (oid) {
	case CBO_CHAROID:
		return "char";
	case CBO_INT8OID:
		return "int8";
	case CBO_NUMERICOID:
		return "numeric";
	case CBO_VARCHAROID:
		return "varchar";
	case CBO_BPCHAROID:
		return "char";
	case CBO_TEXTOID:
		return "text";
	case CBO_NAMEOID:
		return "name";
	case CBO_REFCURSOROID:
		return "refcursor";
	case CBO_INT2OID:
		return "int2";
	case CBO_OIDOID:
		return "oid";
	case CBO_XIDOID:
		return "xid";
	case CBO_INT4OID:
		return "int4";
	case CBO_FLOAT4OID:
		return "float4";
	case CBO_FLOAT8OID:
		return "float8";
	case CBO_DATEOID:
		return "date";
	case CBO_TIMEOID:
		return "time";
	case CBO_TIMESTAMPTZOID:
		return "timestamptz";
	case CBO_TIMESTAMPOID:
		return "timestamp without time zone";
	case CBO_MONEYOID:
		return "money";
	case CBO_BOOLOID:
		return "bool";
	case CBO_BYTEAOID:
		return "bytea";
	case CBO_XMLOID:
		return "xml";
	case CBO_MACADDROID:
		return "macaddr";
	case CBO_INETOID:
		return "inet";
	case CBO_CIDROID:
		return "cidr";
	case CBO_UUIDOID:
		return "uuid";
	case CBO_VOIDOID:
		return "void";
	case CBO_INT2VECTOROID:
		return "int2vector";
	case CBO_OIDVECTOROID:
		return "oidvector";
	case CBO_ANYOID:
		return "any";
	case CBO_INTERVALOID: {
		const char *n;
		pgt_interval(mod, &n);
		return n;
	}
	default:
		return catalog_name ? catalog_name : "unknown";
	}
}

Oid pgt_from_sql_type(const cbo_options *o, SQLSMALLINT sqltype)
{
	switch (sqltype) {
	case SQL_BINARY:
	case SQL_VARBINARY:
		return CBO_BYTEAOID;
	case SQL_LONGVARBINARY:
		return o->bytea_as_longvarbinary ? CBO_BYTEAOID : 0;
	case SQL_CHAR:
	case SQL_WCHAR:
		return CBO_BPCHAROID;
	case SQL_BIT:
		return CBO_BOOLOID;
	case SQL_TYPE_DATE:
	case SQL_DATE:
		return CBO_DATEOID;
	case SQL_DOUBLE:
	case SQL_FLOAT:
		return CBO_FLOAT8OID;
	case SQL_DECIMAL:
	case SQL_NUMERIC:
		return CBO_NUMERICOID;
	case SQL_BIGINT:
		return CBO_INT8OID;
	case SQL_INTEGER:
		return CBO_INT4OID;
	case SQL_LONGVARCHAR:
	case SQL_WLONGVARCHAR:
		return o->text_as_longvarchar ? CBO_TEXTOID : CBO_VARCHAROID;
	case SQL_REAL:
		return CBO_FLOAT4OID;
	case SQL_SMALLINT:
	case SQL_TINYINT:
		return CBO_INT2OID;
	case SQL_TIME:
	case SQL_TYPE_TIME:
		return CBO_TIMEOID;
	case SQL_TIMESTAMP:
	case SQL_TYPE_TIMESTAMP:
		return CBO_TIMESTAMPTZOID;
	case SQL_VARCHAR:
	case SQL_WVARCHAR:
		return CBO_VARCHAROID;
	case SQL_GUID:
		return CBO_UUIDOID;
	default:
		return pgt_is_sql_interval(sqltype) ? CBO_INTERVALOID : 0;
	}
}

const char *pgt_param_cast(SQLSMALLINT sqltype)
{
	switch (sqltype) {
	case SQL_BINARY:
	case SQL_VARBINARY:
		return "::bytea";
	case SQL_TYPE_DATE:
	case SQL_DATE:
		return "::date";
	case SQL_DECIMAL:
	case SQL_NUMERIC:
		return "::numeric";
	case SQL_BIGINT:
		return "::int8";
	case SQL_INTEGER:
		return "::int4";
	case SQL_REAL:
		return "::float4";
	case SQL_SMALLINT:
	case SQL_TINYINT:
		return "::int2";
	case SQL_TIME:
	case SQL_TYPE_TIME:
		return "::time";
	case SQL_TIMESTAMP:
	case SQL_TYPE_TIMESTAMP:
		return "::timestamp";
	case SQL_GUID:
		return "::uuid";
	default:
		return pgt_is_sql_interval(sqltype) ? "::interval" : "";
	}
}
