"""Every type of the type table, cache against backend.

The data is tests/sql/types.txt: blocks of values per type (edge cases
included).  Each block becomes a table `id integer primary key, v TYPE`
in the test database, all tables in one cache group with a fill column on
`id`, served by a cbcached started here.  Every statement is then sent
twice on raw protocol connections, through cbcached and straight to
PostgreSQL, and every message up to ReadyForQuery must be the same bytes
(the backend is the oracle; no answer is written down here).

Query shapes per block (v the typed column, ids the block's ids plus an
absent one):

  render     SELECT v ... WHERE id = N, SELECT * ... (simple Query;
             extended protocol with a text or a binary parameter, text and
             binary results)
  nulls      v IS NULL / IS NOT NULL
  compare    v = literal, v <> literal, v IN (literal, literal), the value's
             text as a string literal, v = $1 (type left to PostgreSQL or
             declared); also literals that are no stored value (the block's
             `compare` lines: out of range, another type, refused)
  order      ORDER BY v [ASC|DESC] [NULLS FIRST|LAST], id (text and
             binary results), v < / >= / BETWEEN literals, DISTINCT v,
             LIMIT/OFFSET, an explicit COLLATE (outside the subset)
  like       v LIKE pattern and v LIKE $1 (the block's patterns and ones
             derived from its values: prefix, suffix, middle, one '_' per
             character, the value), LIKE ... ESCAPE (outside the subset)
  aggregate  count(*), count(v), min(v), max(v), sum(v), over the block
             and over no rows

The row of the block's type in the type table (printed by
tests/integration/typetable) says which of these the cache evaluates:
render (the column is cached and printed exactly), eq, order (or
order_if_c: only when the column compares under the C collation), time_key
(ORDER BY, min and max only, by the time key of the stored text), like,
sum, send (binary results), and the settings its text depends on
(timezone: the session's TimeZone must be the fill session's; datestyle:
ISO; intervalstyle: postgres).  From that the test expects each statement
to be a cache hit or to go to the backend, read from the daemon's counters
(queries_cache_hits, queries_cache_misses, queries_backend) around it;
an answer PostgreSQL gives as an error must have come from it (the cache
answers no errors), and a string literal with a backslash, or a U&
literal, is the backend's while standard_conforming_strings is off.
Before that, every id is looked up once cold (a miss that queues its
fill) and `WAIT FILLS` waits for the fills.

Everything runs again under session settings that change text output
(DateStyle, TimeZone, IntervalStyle, extra_float_digits, bytea_output)
or how literals are read (standard_conforming_strings), and under a
client_encoding the cache does not answer.  At the end VERIFY compares
the cache with the backend.

A failure names the setting, the block, the value and the shape, and shows
both answers message by message with a diff.
"""
import difflib
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402

SRC = os.environ["top_srcdir"]
BUILD = os.environ["top_builddir"]
DATA = os.path.join(SRC, "tests", "sql", "types.txt")
TYPETABLE = os.path.join(BUILD, "tests", "integration", "typetable")
DIRECT = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])
DATABASE = "movies"
INT4_OID = 23
MAX_DIFFS = 25  # failures shown in full
MAX_LISTED = 400  # failures listed in one line each at the end; all are counted

started = time.monotonic()

# --- the type table ------------------------------------------------------------------


class TypeRow:
    def __init__(self, line):
        name, oid, storage, family, flags = line.split("\t")
        self.name = name
        self.oid = int(oid)
        self.storage = storage
        self.family = family
        self.flags = set() if flags == "-" else set(flags.split(","))


def load_type_table():
    r = subprocess.run([TYPETABLE], capture_output=True, text=True)
    if r.returncode != 0:
        h.fail("%s failed: %s" % (TYPETABLE, r.stderr))
    rows = [TypeRow(line) for line in r.stdout.splitlines() if line]
    if not rows:
        h.fail("%s printed no type table" % TYPETABLE)
    return {row.name: row for row in rows}


# --- the data ----------------------------------------------------------------------


class Value:
    def __init__(self, sql, is_expr, note, lineno):
        self.sql = sql  # the literal, or the expression
        self.is_expr = is_expr
        self.backend_binary = note.startswith("backend:binary")
        self.lineno = lineno
        self.id = None
        self.text = None  # the backend's text output (None: NULL)

    def literal(self):
        """The value as a literal in a statement (None for NULL)."""
        if self.text is None:
            return None
        return self.sql if not self.is_expr else quote(self.text)

    def label(self):
        s = self.sql if len(self.sql) <= 40 else self.sql[:37] + "..."
        return "%s (types.txt:%d)" % (s, self.lineno)


class Block:
    def __init__(self, typname, decl, lineno):
        self.typname = typname
        self.decl = decl
        self.lineno = lineno
        self.values = []
        self.likes = []
        self.compares = []
        self.table = None
        self.row = None  # the type table's row, None for "-"
        self.collation_c = True

    def label(self):
        return "%s [%s]" % (self.decl, self.table)


def parse_data(path):
    blocks = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            note = ""
            if " ## " in line:
                line, note = line.split(" ## ", 1)
                note = note.strip()
                if not note.startswith("backend:binary"):
                    h.fail("types.txt:%d: unknown annotation %r" % (lineno, note))
            line = line.strip()
            word, _, rest = line.partition(" ")
            if word == "type":
                typname, _, decl = rest.strip().partition(" ")
                if not decl.strip():
                    h.fail("types.txt:%d: 'type' needs a type name and a declaration" % lineno)
                blocks.append(Block(typname, decl.strip(), lineno))
                continue
            if not blocks:
                h.fail("types.txt:%d: a value before the first 'type' line" % lineno)
            if word == "like":
                blocks[-1].likes.append(rest.strip())
            elif word == "compare":
                blocks[-1].compares.append(rest.strip())
            elif word == "expr":
                blocks[-1].values.append(Value(rest.strip(), True, note, lineno))
            else:
                blocks[-1].values.append(Value(line, False, note, lineno))
    return blocks


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def literal_kind(lit):
    s = lit.strip()
    if s.upper() == "NULL":
        return "null"
    if s.lower() in ("true", "false"):
        return "bool"
    if re.fullmatch(r"-?\d+", s):
        # PostgreSQL's scanner reads digits beyond bigint's range as a numeric
        # constant, before a minus sign applies: -9223372036854775808 is numeric
        return "int" if int(s.lstrip("-")) < 2 ** 63 else "numeric"
    if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", s):
        return "numeric"
    if (re.fullmatch(r"'(?:[^']|'')*'", s, re.S) or re.fullmatch(r"[eE]'(?:[^'\\]|''|\\.)*'", s, re.S) or
            re.fullmatch(r"[uU]&'(?:[^']|'')*'(?:\s+UESCAPE\s+'[^']')?", s, re.S | re.I)):
        return "string"
    return "other"


def literal_fits(row, lit, ps):
    """May the cache compare the type's values with this literal (sql/subset.c's rule)?"""
    kind = literal_kind(lit)
    if ps.get("standard_conforming_strings") == "off" and (
            lit[:2].upper() == "U&" or (lit.startswith("'") and "\\" in lit)):
        # PostgreSQL reads a backslash in '...' as an escape then, with a WARNING
        # (escape_string_warning), and refuses U&'...': only it answers those
        return False
    if row.family == "int":
        # an integer constant (int4 or int8 to PostgreSQL) compares exactly with
        # any integer column, also beyond the column's own range (smallint = 70000)
        return kind == "int"
    if row.family == "text":
        return kind == "string"
    if row.family == "bool":
        return kind in ("bool", "string")
    return False


# --- the protocol --------------------------------------------------------------------


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


def Q(sql):
    return msg(b"Q", cstr(sql))


def extended(sql, params=(), rformat=0, types=(), pformat=0):
    """Parse (unnamed; parameter types as given, else left to the backend), Bind
    with the parameters (str: text; bytes: sent as they are in format pformat)
    and one result format for all columns (or a tuple: one per column),
    Describe, Execute, Sync."""
    p = msg(b"P", cstr("") + cstr(sql) + struct.pack("!H", len(types)) +
            b"".join(struct.pack("!I", t) for t in types))
    body = cstr("") + cstr("") + struct.pack("!Hh", 1, pformat) + struct.pack("!H", len(params))
    for v in params:
        if v is None:
            body += struct.pack("!i", -1)
        else:
            b = v.encode() if isinstance(v, str) else v
            body += struct.pack("!i", len(b)) + b
    rformats = rformat if isinstance(rformat, tuple) else (rformat,)
    body += struct.pack("!H", len(rformats)) + b"".join(struct.pack("!h", f) for f in rformats)
    return (p + msg(b"B", body) + msg(b"D", b"P\0") + msg(b"E", b"\0" + struct.pack("!I", 0)) + msg(b"S"))


class Peer:
    """A raw protocol session that keeps the ParameterStatus it was sent."""

    def __init__(self, path, what):
        self.what = what
        self.c = h.Conn(path, timeout=120)
        self.params = {}
        self.c.send(h.startup_packet("postgres", DATABASE))
        while True:
            t, body = self.c.read_msg()
            if t == b"E":
                h.fail("login to %s refused: %r" % (what, h.error_fields(body)))
            if t == b"S":
                self.note_status(body)
            if t == b"Z":
                break

    def note_status(self, body):
        name, value = body.split(b"\0")[:2]
        self.params[name.decode()] = value.decode(errors="replace")

    def exchange(self, data):
        """Send one Query or one extended batch ending in Sync; every message up to ReadyForQuery."""
        self.c.send(data)
        return self.answer()

    def answer(self):
        """Every message up to the next ReadyForQuery."""
        out = []
        while True:
            t, body = self.c.read_msg()
            out.append(t + body)
            if t == b"S":
                self.note_status(body)
            if t == b"Z":
                return out

    def close(self):
        self.c.close()


class Admin:
    """One connection to the admin socket for all commands (line protocol, src/admin.h)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(120)
        self.s.connect(path)
        self.buf = b""

    def command(self, line):
        self.send(line)
        return self.reply()

    def send(self, line):
        self.s.sendall(line.encode() + b"\n")

    def reply(self):
        rows = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise EOFError("the admin socket closed")
                self.buf += chunk
            ln, self.buf = self.buf.split(b"\n", 1)
            ln = ln.decode()
            if ln.startswith("ROW\t"):
                rows.append([unescape(v) for v in ln.split("\t")[1:]])
            elif ln.startswith("OK"):
                return True, ln[2:].strip(), rows
            elif ln.startswith("ERROR"):
                return False, ln[5:].strip(), rows

    def stats(self, sent=False):
        ok, m, rows = self.reply() if sent else self.command("SHOW STATS")
        if not ok:
            h.fail("SHOW STATS failed: %s" % m, daemon)
        return {r[0]: int(r[1]) for r in rows if len(r) >= 2 and re.fullmatch(r"-?\d+", r[1])}


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n"}.get(m.group(1), m.group(1)), v)


# --- readable answers for failure reports ------------------------------------------------


def show_msg(m):
    t, body = chr(m[0]), m[1:]
    if t == "T":
        (n,) = struct.unpack("!H", body[:2])
        pos, cols = 2, []
        for _ in range(n):
            end = body.index(b"\0", pos)
            name = body[pos:end].decode(errors="replace")
            toid, att, typ, tlen, tmod, fmt = struct.unpack("!IhIhih", body[end + 1:end + 19])
            cols.append("%s(table %d att %d type %d len %d mod %d fmt %d)" % (name, toid, att, typ, tlen, tmod, fmt))
            pos = end + 19
        return "RowDescription " + ", ".join(cols)
    if t == "D":
        (n,) = struct.unpack("!H", body[:2])
        pos, vals = 2, []
        for _ in range(n):
            (ln,) = struct.unpack("!i", body[pos:pos + 4])
            pos += 4
            if ln < 0:
                vals.append("NULL")
            else:
                v = body[pos:pos + ln]
                pos += ln
                vals.append(repr(v if len(v) <= 80 else v[:80] + b"...(%d bytes)" % ln))
        return "DataRow " + " | ".join(vals)
    if t in "EN":
        kind = "ErrorResponse" if t == "E" else "NoticeResponse"
        return kind + " " + repr(h.error_fields(body))
    names = {"C": "CommandComplete", "Z": "ReadyForQuery", "1": "ParseComplete", "2": "BindComplete",
             "n": "NoData", "S": "ParameterStatus", "t": "ParameterDescription"}
    return "%s %r" % (names.get(t, "message " + t), body[:120])


def diff(a, b):
    la = [show_msg(m) for m in a]
    lb = [show_msg(m) for m in b]
    return "\n".join(difflib.unified_diff(lb, la, "PostgreSQL", "cbcached", lineterm="", n=2))


# --- running statements ------------------------------------------------------------------

checks = 0
failures = []
counts = {"statements": 0, "hits": 0, "backend": 0, "misses": 0}


def tap(ok, what):
    global checks
    checks += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", checks, what), flush=True)


def report(what, detail):
    failures.append(what.splitlines()[0])
    if len(failures) <= MAX_DIFFS:
        print("# FAIL %s\n%s" % (what, "\n".join("#   " + ln for ln in detail.splitlines())), file=sys.stderr,
              flush=True)


class Runner:
    def __init__(self, cb, direct, admin):
        self.cb = cb
        self.direct = direct
        self.admin = admin
        self.last = admin.stats()

    def run(self, where, data, expect):
        """Send data both ways; the bytes must be equal and the daemon's counters
        must show expect ("hit", "backend", "miss" or None: not judged).  When
        PostgreSQL answers with an error, the statement must have gone to it."""
        # both servers work at once; the counters are asked for once cbcached has answered
        self.cb.c.send(data)
        self.direct.c.send(data)
        a = self.cb.answer()
        self.admin.send("SHOW STATS")
        b = self.direct.answer()
        now = self.admin.stats(sent=True)
        if expect == "hit" and any(m[:1] == b"E" for m in b):
            expect = "backend"  # every error is the backend's: the cache answers none
        d = {k: now[k] - self.last[k] for k in ("queries_cache_hits", "queries_cache_misses", "queries_backend")}
        self.last = now
        counts["statements"] += 1
        counts["hits"] += d["queries_cache_hits"]
        counts["backend"] += d["queries_backend"]
        counts["misses"] += d["queries_cache_misses"]
        got = ("hit" if d == {"queries_cache_hits": 1, "queries_cache_misses": 0, "queries_backend": 0}
               else "miss" if d == {"queries_cache_hits": 0, "queries_cache_misses": 1, "queries_backend": 0}
               else "backend" if d == {"queries_cache_hits": 0, "queries_cache_misses": 0, "queries_backend": 1}
               else "counters %r" % d)
        ok = True
        if a != b:
            report(where, "the answers differ (- PostgreSQL, + cbcached):\n" + diff(a, b))
            ok = False
        if expect is not None and got != expect:
            report(where, "the type table says %s, the daemon's counters say %s" % (
                {"hit": "the cache answers it", "backend": "it goes to the backend",
                 "miss": "it misses (not loaded yet)"}[expect], got))
            ok = False
        return ok


# --- expectations from the type table --------------------------------------------------


def output_ok(block, ps, fmt, values):
    """May the cache print v's values (all of values) under the session's settings, in format fmt?"""
    row = block.row
    if row is None or "render" not in row.flags:
        return False
    if "timezone" in row.flags and ps.get("TimeZone") != fill_timezone:
        return False
    if "datestyle" in row.flags and not ps.get("DateStyle", "").startswith("ISO,"):
        return False
    if "intervalstyle" in row.flags and ps.get("IntervalStyle") != "postgres":
        return False
    if fmt == 1 and ("send" not in row.flags or any(v.backend_binary for v in values)):
        return False
    return True


def may(block, need, ps, lit=None):
    """Does the block's row allow the operation need in SQLite (with literal lit)?"""
    row = block.row
    if row is None or "render" not in row.flags:
        return False  # a column the cache does not keep exactly is never read
    if need == "read":
        ok = True
    elif need == "eq":
        ok = "eq" in row.flags
    elif need == "order":
        ok = "order" in row.flags or ("order_if_c" in row.flags and block.collation_c)
    elif need == "sort":  # ORDER BY, min and max: also through the time key of the stored text
        ok = may(block, "order", ps) or "time_key" in row.flags
    elif need == "like":
        ok = "like" in row.flags
    elif need == "sum":
        ok = "sum" in row.flags
    else:
        raise ValueError(need)
    return ok and (lit is None or literal_fits(row, lit, ps))


def expect(cacheable, ps):
    if ps.get("client_encoding") != "UTF8":
        return "backend"
    return "hit" if cacheable else "backend"


# --- the shapes ---------------------------------------------------------------------------


def shapes(block):
    """(kind, label, statement builder(fmt), formats, needs(ps, fmt) -> bool) of a block."""
    t = block.table
    vals = block.values
    nonnull = [v for v in vals if v.text is not None]
    ids = ", ".join(str(i) for i in [ABSENT_ID] + [v.id for v in vals])
    out = []

    def add(kind, label, sql, fmts, cacheable, params=None, types=(), pformat=0):
        out.append((kind, label, sql, fmts, cacheable, params, types, pformat))

    # render
    for v in vals:
        add("render", "SELECT v, value %s" % v.label(), "SELECT v FROM %s WHERE id = %d" % (t, v.id), (None,),
            lambda ps, fmt, v=v: output_ok(block, ps, fmt, [v]))
        add("render", "SELECT v ... id = $1, value %s" % v.label(), "SELECT v FROM %s WHERE id = $1" % t, (0, 1),
            lambda ps, fmt, v=v: output_ok(block, ps, fmt, [v]), [str(v.id)])
        add("render", "SELECT *, value %s" % v.label(), "SELECT * FROM %s WHERE id = %d" % (t, v.id), (None,),
            lambda ps, fmt, v=v: output_ok(block, ps, fmt, [v]))
        add("render", "SELECT v, id ... id = $1 (int4, bound in binary), value %s" % v.label(),
            "SELECT v, id FROM %s WHERE id = $1" % t, (0, 1, (1, 0), (0, 1)),
            lambda ps, fmt, v=v: output_ok(block, ps, fmt, [v]), [struct.pack("!i", v.id)], (INT4_OID,), 1)
    # nulls
    for test in ("IS NULL", "IS NOT NULL"):
        add("nulls", "v %s" % test, "SELECT id FROM %s WHERE id IN (%s) AND v %s ORDER BY id" % (t, ids, test),
            (None, 1), lambda ps, fmt: may(block, "read", ps))
    # compare
    for i, v in enumerate(nonnull):
        lit = v.literal()
        nxt = nonnull[(i + 1) % len(nonnull)].literal()
        for op in ("=", "<>"):
            add("compare", "v %s literal, value %s" % (op, v.label()),
                "SELECT id FROM %s WHERE id IN (%s) AND v %s %s ORDER BY id" % (t, ids, op, lit), (None,),
                lambda ps, fmt, lit=lit: may(block, "eq", ps, lit))
        add("compare", "v IN (literals), value %s" % v.label(),
            "SELECT id FROM %s WHERE id IN (%s) AND v IN (%s, %s) ORDER BY id" % (t, ids, lit, nxt), (None,),
            lambda ps, fmt, lit=lit, nxt=nxt: may(block, "eq", ps, lit) and may(block, "eq", ps, nxt))
        add("compare", "v = $1, value %s" % v.label(),
            "SELECT id FROM %s WHERE id IN (%s) AND v = $1 ORDER BY id" % (t, ids), (0,),
            lambda ps, fmt: may(block, "eq", ps), [v.text])
        if block.row is not None:
            add("compare", "v = $1 declared %s, value %s" % (block.typname, v.label()),
                "SELECT id FROM %s WHERE id IN (%s) AND v = $1 ORDER BY id" % (t, ids), (1,),
                lambda ps, fmt: may(block, "eq", ps), [v.text], (block.row.oid,))
        if quote(v.text) != lit and len(v.text) < 1000:
            # the text output as a string literal: PostgreSQL reads it as the column's type
            q = quote(v.text)
            add("compare", "v = its text as a string, value %s" % v.label(),
                "SELECT id FROM %s WHERE id IN (%s) AND v = %s ORDER BY id" % (t, ids, q), (None,),
                lambda ps, fmt, q=q: may(block, "eq", ps, q))
    for lit in block.compares:
        first = nonnull[0].literal() if nonnull else "NULL"
        for op in ("=", "<>"):
            add("compare", "v %s %s (not a stored value)" % (op, lit),
                "SELECT id FROM %s WHERE id IN (%s) AND v %s %s ORDER BY id" % (t, ids, op, lit), (None,),
                lambda ps, fmt, lit=lit: may(block, "eq", ps, lit))
        add("compare", "v IN (%s, %s) (not a stored value)" % (lit, first[:40]),
            "SELECT id FROM %s WHERE id IN (%s) AND v IN (%s, %s) ORDER BY id" % (t, ids, lit, first), (None,),
            lambda ps, fmt, lit=lit, first=first: may(block, "eq", ps, lit) and may(block, "eq", ps, first))
    # order
    if nonnull:
        for direction, nulls in (("", ""), ("ASC", "NULLS FIRST"), ("", "NULLS LAST"), ("DESC", ""),
                                 ("DESC", "NULLS LAST"), ("DESC", "NULLS FIRST")):
            spec = " ".join(x for x in ("v", direction, nulls) if x)
            add("order", "ORDER BY %s, id" % spec,
                "SELECT id, v FROM %s WHERE id IN (%s) ORDER BY %s, id" % (t, ids, spec), (None, 0, 1),
                lambda ps, fmt: may(block, "sort", ps) and output_ok(block, ps, fmt, vals))
        add("order", "ORDER BY v DESC, id DESC (v not selected)",
            "SELECT id FROM %s WHERE id IN (%s) ORDER BY v DESC, id DESC" % (t, ids), (None,),
            lambda ps, fmt: may(block, "sort", ps))
        add("order", "ORDER BY v, id LIMIT 3 OFFSET 1",
            "SELECT id, v FROM %s WHERE id IN (%s) ORDER BY v, id LIMIT 3 OFFSET 1" % (t, ids), (None,),
            lambda ps, fmt: may(block, "sort", ps) and output_ok(block, ps, fmt, vals))
        if block.typname in ("text", "varchar", "bpchar", "name"):
            # an explicit collation is outside the subset: even "C" is the backend's
            for coll in ('"C"', '"en-x-icu"'):
                add("order", "ORDER BY v COLLATE %s, id" % coll,
                    "SELECT id, v FROM %s WHERE id IN (%s) ORDER BY v COLLATE %s, id" % (t, ids, coll), (None,),
                    lambda ps, fmt: False)
                add("order", "WHERE v < %s COLLATE %s" % (mid_literal(nonnull), coll),
                    "SELECT id FROM %s WHERE id IN (%s) AND v < %s COLLATE %s ORDER BY id" % (
                        t, ids, mid_literal(nonnull), coll), (None,), lambda ps, fmt: False)
        add("order", "SELECT DISTINCT v ORDER BY v",
            "SELECT DISTINCT v FROM %s WHERE id IN (%s) ORDER BY v" % (t, ids), (None,),
            lambda ps, fmt: may(block, "eq", ps) and may(block, "sort", ps) and output_ok(block, ps, fmt, vals))
        mid = mid_literal(nonnull)
        low = nonnull[0].literal()
        for cond, lits in (("v < %s" % mid, [mid]), ("v >= %s" % mid, [mid]),
                           ("v BETWEEN %s AND %s" % (low, mid), [low, mid]),
                           ("%s > v" % mid, [mid])):
            add("order", "WHERE %s" % (cond if len(cond) < 60 else cond[:57] + "..."),
                "SELECT id FROM %s WHERE id IN (%s) AND %s ORDER BY id" % (t, ids, cond), (None,),
                lambda ps, fmt, lits=lits: all(may(block, "order", ps, x) for x in lits))
    # like
    if block.like_patterns:
        for pat, lit in block.like_patterns:
            # PostgreSQL refuses a pattern ending in the escape character: only it gives that error
            bad = pat is not None and (len(pat) - len(pat.rstrip("\\"))) % 2 == 1
            add("like", "v LIKE %s" % (lit if len(lit) < 40 else lit[:37] + "..."),
                "SELECT id FROM %s WHERE id IN (%s) AND v LIKE %s ORDER BY id" % (t, ids, lit), (None,),
                lambda ps, fmt, lit=lit, bad=bad: not bad and may(block, "like", ps, lit))
            if pat is not None:  # (a literal PostgreSQL refuses has no value to bind)
                add("like", "v LIKE $1, pattern %s" % (lit if len(lit) < 40 else lit[:37] + "..."),
                    "SELECT id FROM %s WHERE id IN (%s) AND v LIKE $1 ORDER BY id" % (t, ids), (0,),
                    lambda ps, fmt, bad=bad: not bad and may(block, "like", ps), [pat])
        # another escape character: the pattern is like_escape(...), not a literal the cache translates
        add("like", "v LIKE 'a!%%' ESCAPE '!'",
            "SELECT id FROM %s WHERE id IN (%s) AND v LIKE 'a!%%' ESCAPE '!' ORDER BY id" % (t, ids), (None,),
            lambda ps, fmt: False)
    # aggregates
    for over, idl in (("the block", ids), ("no rows", str(ABSENT_ID))):
        add("aggregate", "count(*) over %s" % over, "SELECT count(*) FROM %s WHERE id IN (%s)" % (t, idl), (None, 1),
            lambda ps, fmt: True)
        add("aggregate", "count(v) over %s" % over, "SELECT count(v) FROM %s WHERE id IN (%s)" % (t, idl),
            (None, 1), lambda ps, fmt: may(block, "read", ps))
        for agg in ("min", "max"):
            add("aggregate", "%s(v) over %s" % (agg, over),
                "SELECT %s(v) FROM %s WHERE id IN (%s)" % (agg, t, idl), (None, 1),
                lambda ps, fmt: may(block, "sort", ps) and output_ok(block, ps, fmt, vals))
        add("aggregate", "sum(v) over %s" % over, "SELECT sum(v) FROM %s WHERE id IN (%s)" % (t, idl), (None, 1),
            lambda ps, fmt: may(block, "sum", ps))
    return out


LIKE_TYPES = ("text", "varchar", "bpchar", "name", "char")


def mid_literal(nonnull):
    return nonnull[len(nonnull) // 2].literal()


def like_patterns(block):
    """The block's own patterns and ones derived from its values: (pattern text, literal)."""
    if block.typname not in LIKE_TYPES:
        return []
    pats = []
    for lit in block.likes:
        pats.append((decode_literal(lit), lit))

    def esc(s):
        return re.sub(r"([%_\\])", r"\\\1", s)

    for v in block.values:
        s = v.text
        if s is None or len(s) > 40:
            continue
        derived = [esc(s), "_" * len(s)]
        if s:
            derived += [esc(s[0]) + "%", "%" + esc(s[-1]), "%" + esc(s[len(s) // 2:]) + "%"]
        for p in derived:
            pats.append((p, quote(p)))
    seen, out = set(), []
    for p, lit in pats:
        if lit not in seen:
            seen.add(lit)
            out.append((p, lit))
    return out


def decode_literal(lit):
    """The value of a string literal, as the backend reads it under the default
    settings; None when it refuses the literal (invalid UTF-8, say)."""
    rows, errors = direct_query("SELECT (%s)::text" % lit)
    return rows[0][0] if not errors and len(rows) == 1 else None


# --- set-up ----------------------------------------------------------------------------------

setup_conn = h.Conn(DIRECT).login()


def direct_query(sql):
    return setup_conn.query(sql)


def must(sql):
    rows, errors = direct_query(sql)
    if errors:
        h.fail("the backend refused %s: %s" % (sql[:200], errors[0].get("M")))
    return rows


types = load_type_table()
blocks = parse_data(DATA)
if not blocks:
    h.fail("%s has no blocks" % DATA)
ABSENT_ID = 0  # an id no block has: its fill loads nothing, so empty answers come from the cache too

for name, row in sorted(types.items()):
    n = sum(1 for b in blocks if b.typname == name)
    tap(n > 0, "types.txt has a block for type %s of the type table" % name)
    if n == 0:
        report("type %s" % name, "types.txt has no block for it: add one (tests/sql/types.txt)")

for i, b in enumerate(blocks):
    b.table = "ty%02d_%s" % (i + 1, re.sub(r"\W", "", b.typname if b.typname != "-" else "norow"))
    if b.typname != "-":
        b.row = types.get(b.typname)
        if b.row is None:
            h.fail("types.txt:%d: type %s has no row in the type table" % (b.lineno, b.typname))
    must("DROP TABLE IF EXISTS %s" % b.table)
    must("CREATE TABLE %s (id integer PRIMARY KEY, v %s)" % (b.table, b.decl))
    for k, v in enumerate(b.values):
        v.id = k + 1
        rows, errors = direct_query("INSERT INTO %s VALUES (%d, %s)" % (b.table, v.id, v.sql))
        if errors:
            h.fail("types.txt:%d: PostgreSQL refuses the value %s for %s: %s" % (
                v.lineno, v.sql[:60], b.decl, errors[0].get("M")))
    rows = must("SELECT id, v FROM %s ORDER BY id" % b.table)
    for (rid, text), v in zip(rows, b.values):
        v.text = text
    # the column's base type is the row's type; its collation decides text ordering
    info = must("SELECT coalesce(bt.typname, t.typname), t.typtype, coalesce(c.collname, ''), d.datcollate "
                "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd' "
                "LEFT JOIN pg_collation c ON c.oid = a.attcollation "
                "JOIN pg_database d ON d.datname = current_database() "
                "WHERE a.attrelid = '%s'::regclass AND a.attname = 'v'" % b.table)
    typname, _, collname, datcollate = info[0]
    if b.row is not None:
        tap(typname == b.typname, "types.txt:%d: column %s is of type %s (%s)" % (b.lineno, b.decl, b.typname,
                                                                                   typname))
        if typname != b.typname:
            report(b.label(), "the column's type is %s, the block says %s" % (typname, b.typname))
    else:
        tap(typname not in types, "types.txt:%d: %s has no row in the type table" % (b.lineno, b.decl))
    b.collation_c = (collname in ("C", "POSIX") or (collname == "default" and datcollate in ("C", "POSIX")))
    b.like_patterns = like_patterns(b)

fill_timezone = must("SHOW TimeZone")[0][0]  # the fill sessions' (same role, database and server)

cgfile = os.path.join(os.environ["CB_PG_DIR"], "types.cg")
with open(cgfile, "w") as f:
    f.write("# written by tests/integration/test_cache_types.py\ncachegroup types\n")
    for b in blocks:
        f.write("table %s\nfill %s.id\n" % (b.table, b.table))

conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = %s\ncache_user = postgres\n"
        "max_cache_rows = 1000000\n" % (cgfile, DATABASE))

daemon = h.Daemon(conf)
with daemon:
    admin = Admin(daemon.admin_sock)
    cb = Peer(daemon.sock, "cbcached")
    direct = Peer(DIRECT, "PostgreSQL")
    run = Runner(cb, direct, admin)
    # the login's settings check is answered before this statement's answer
    run.run("first statement", Q("SELECT 1"), None)

    # --- cold: every id misses once and queues its fill; then warm ------------------------
    for phase, want in (("cold", "miss"), ("warm", "hit")):
        bad = len(failures)
        n = 0
        for b in blocks:
            for i in [ABSENT_ID] + [v.id for v in b.values]:
                n += 1
                run.run("%s lookup of %s id %d" % (phase, b.label(), i),
                        Q("SELECT id FROM %s WHERE id = %d" % (b.table, i)), want)
        tap(len(failures) == bad, "%s: %d id lookups, each a %s, same bytes as PostgreSQL" % (phase, n, want))
        if phase == "cold":
            ok, m, _ = admin.command("WAIT FILLS 120000")
            tap(ok, "WAIT FILLS: every queued fill is done (%s)" % m)
            if not ok:
                h.fail("WAIT FILLS: %s" % m, daemon)
            run.last = admin.stats()

    SETTINGS = [
        ("default settings", []),
        ("DateStyle SQL, DMY", ["SET DateStyle = 'SQL, DMY'"]),
        ("DateStyle German", ["SET DateStyle = 'German'"]),
        ("DateStyle Postgres, MDY", ["SET DateStyle = 'Postgres, MDY'"]),
        ("DateStyle ISO, DMY", ["SET DateStyle = 'ISO, DMY'"]),
        ("TimeZone America/New_York", ["SET TimeZone = 'America/New_York'"]),
        ("TimeZone Asia/Kathmandu", ["SET TimeZone = 'Asia/Kathmandu'"]),
        ("TimeZone UTC", ["SET TimeZone = 'UTC'"]),
        ("IntervalStyle sql_standard", ["SET IntervalStyle = 'sql_standard'"]),
        ("IntervalStyle iso_8601", ["SET IntervalStyle = 'iso_8601'"]),
        ("IntervalStyle postgres_verbose", ["SET IntervalStyle = 'postgres_verbose'"]),
        ("extra_float_digits 0", ["SET extra_float_digits = 0"]),
        ("extra_float_digits 3", ["SET extra_float_digits = 3"]),
        ("extra_float_digits -15", ["SET extra_float_digits = -15"]),
        ("bytea_output escape", ["SET bytea_output = 'escape'"]),
        ("standard_conforming_strings off", ["SET standard_conforming_strings = off"]),
        ("client_encoding LATIN1", ["SET client_encoding = 'LATIN1'"]),
        ("mixed", ["SET DateStyle = 'SQL, DMY'", "SET IntervalStyle = 'iso_8601'",
                   "SET TimeZone = 'Asia/Kolkata'", "SET extra_float_digits = 2"]),
    ]
    all_shapes = [(b, shapes(b)) for b in blocks]
    for setting, sets in SETTINGS:
        bad = len(failures)
        run.run("[%s] RESET ALL" % setting, Q("RESET ALL"), None)
        for s in sets:
            run.run("[%s] %s" % (setting, s), Q(s), None)
        ps = dict(cb.params)
        tap(len(failures) == bad and ps == direct.params,
            "[%s] the settings, and the ParameterStatus both sessions were sent, are the same" % setting)
        if ps != direct.params:
            report("[%s] ParameterStatus" % setting, "cbcached %r\nPostgreSQL %r" % (ps, direct.params))
        for b, shs in all_shapes:
            groups = {}
            for kind, label, sql, fmts, cacheable, params, ptypes, pformat in shs:
                g = groups.setdefault(kind, [0, 0, 0])
                for fmt in fmts:
                    data = Q(sql) if fmt is None else extended(sql, params or (), fmt, ptypes, pformat)
                    proto = ("extended, result formats %r" % (fmt,) if isinstance(fmt, tuple) else
                             {None: "simple", 0: "extended text", 1: "extended binary"}[fmt])
                    vfmt = fmt[0] if isinstance(fmt, tuple) else fmt or 0  # v's format
                    want = expect(cacheable(ps, vfmt), ps)
                    ok = run.run("[%s] %s: %s (%s), expected %s\n  statement: %s%s" % (
                        setting, b.label(), label, proto, want, sql if len(sql) < 300 else sql[:300] + "...",
                        "\n  parameters: %r%s" % ([p[:60] for p in params], " declared %r" % (ptypes,) if ptypes else "")
                        if params else ""), data, want)
                    g[0] += 1
                    g[1] += want == "hit"
                    g[2] += not ok
            for kind, (n, hits, failed) in groups.items():
                tap(failed == 0, "[%s] %s: %s, %d statements, %d answered from the cache as the type table says, "
                    "the rest by the backend, all the same bytes%s" % (
                        setting, b.label(), kind, n, hits, "" if not failed else " (%d failed)" % failed))

    ok, m, rows = admin.command("VERIFY")
    tap(ok and not rows, "VERIFY: the cache holds every block's rows as the backend has them")
    if not ok or rows:
        report("VERIFY", "%s\n%s" % (m, "\n".join("\t".join(r) for r in rows[:20])))
    cb.close()
    direct.close()
    daemon.stop()

setup_conn.close()
elapsed = time.monotonic() - started
print("# %d blocks of %d types, %d statements through cbcached and PostgreSQL: %d cache hits, %d misses, "
      "%d to the backend; %.1f s" % (len(blocks), len(types), counts["statements"], counts["hits"],
                                     counts["misses"], counts["backend"], elapsed))
if failures:
    print("# %d failures (the first %d shown in full above):" % (len(failures), min(len(failures), MAX_DIFFS)),
          file=sys.stderr)
    for f in failures[:MAX_LISTED]:
        print("#   " + f, file=sys.stderr)
    if len(failures) > MAX_LISTED:
        print("#   ... and %d more" % (len(failures) - MAX_LISTED), file=sys.stderr)
print("1..%d" % checks)
sys.exit(1 if failures else 0)
