#!/usr/bin/env python3
"""check-layers.py - fail when a folder of cbcache uses a layer it may not.

The layers (DESIGN.md section 3, README "Layout"): each folder builds one
library and may use only the layers below it.  Checked here, by make check:

  * every #include "folder/..." of a file in a folder names a folder that
    folder may use;
  * the system headers a file reaches, directly or through the project
    headers it includes, are among those its folder may use (so hit/ never
    reaches libpq, common/ never SQLite);
  * every library a folder's Makefile.inc links (its _LIBADD) is one the
    table allows: a dependency library the folder may use itself, or one of
    a layer it may use, linked on that layer's behalf (the ODBC driver
    compiles its layers into the shared object and links their
    dependencies: sql/'s libpg_query).

Run: scripts/check-layers.py [SOURCE-ROOT]; prints each violation with the
rule it breaks and exits 1 when there is one.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "top_srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# folder -> the project folders it may include (itself included)
USES = {
    "common": {"common"},
    "cachegroup": {"common", "cachegroup"},
    "sql": {"common", "sql"},
    "cache": {"common", "cachegroup", "sql", "cache"},
    "hit": {"common", "cachegroup", "sql", "hit"},
    "src": {"common", "cachegroup", "sql", "cache", "hit", "src"},
    "odbc-driver": {"common", "cachegroup", "sql", "hit", "odbc-driver"},
}

# system headers that belong to a dependency, and the folders that may reach them
DEPENDENCY_HEADERS = {
    "libpq-fe.h": {"cachegroup", "cache", "src", "odbc-driver"},
    "sqlite3.h": {"cache", "hit", "src", "odbc-driver"},
    "pg_query.h": {"sql"},
    "pg_query/pg_query.pb-c.h": {"sql"},
    "protobuf-c/protobuf-c.h": {"sql"},
    "sql.h": {"odbc-driver"},
    "sqlext.h": {"odbc-driver"},
    "odbcinst.h": {"odbc-driver"},
}

# the library each folder builds, and the libraries a folder may link
LIBRARY = {
    "common/libcbcommon.la": "common",
    "cachegroup/libcbcachegroup.la": "cachegroup",
    "sql/libcbsql.la": "sql",
    "cache/libcbcache.la": "cache",
    "hit/libcbhit.la": "hit",
    "src/libcbdaemon.la": "src",
    "odbc-driver/libcbodbc.la": "odbc-driver",
}
LIB_VARS = {  # dependency libraries, by the configure variable that names them
    "$(LIBPQ_LIBS)": "libpq-fe.h",
    "$(SQLITE3_LIBS)": "sqlite3.h",
    "$(PG_QUERY_LIBS)": "pg_query.h",
    "$(PROTOBUF_C_LIBS)": "protobuf-c/protobuf-c.h",
    "$(ODBC_LIBS)": "sql.h",
    "-lodbcinst": "odbcinst.h",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)

problems = []


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # drop comments so an include named in prose is not counted
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [(m.group(1), m.group(2)) for m in INCLUDE.finditer(text)]


reach_cache = {}


def reach(path, seen=None):
    """System headers reached from path through project headers."""
    if path in reach_cache:
        return reach_cache[path]
    seen = seen if seen is not None else set()
    seen.add(path)
    found = set()
    for kind, name in includes(path):
        target = os.path.join(ROOT, name)
        if kind == '"' and os.path.exists(target):
            if target not in seen:
                found |= reach(target, seen)
        else:
            found.add(name)
    reach_cache[path] = found
    return found


for folder, allowed in USES.items():
    base = os.path.join(ROOT, folder)
    for name in sorted(os.listdir(base)):
        if not name.endswith((".c", ".h")):
            continue
        path = os.path.join(base, name)
        rel = f"{folder}/{name}"
        for kind, inc in includes(path):
            top = inc.split("/")[0]
            if kind == '"' and top in USES and top not in allowed:
                problems.append(f"{rel}: includes {inc}, but {folder}/ may use only "
                                f"{', '.join(sorted(allowed - {folder}) or ['libc'])}")
        for header in sorted(reach(path)):
            owners = DEPENDENCY_HEADERS.get(header)
            if owners is not None and folder not in owners:
                problems.append(f"{rel}: reaches <{header}>, which {folder}/ may not use "
                                f"(only {', '.join(sorted(owners))} may)")

    # what the folder's Makefile.inc links
    mk = os.path.join(base, "Makefile.inc")
    if not os.path.exists(mk):
        problems.append(f"{folder}/: no Makefile.inc: each folder builds its library from its own Makefile.inc")
        continue
    with open(mk) as f:
        text = f.read().replace("\\\n", " ")
    own = [lib for lib, fo in LIBRARY.items() if fo == folder]
    for lib in own:
        var = re.sub(r"[^A-Za-z0-9]", "_", lib) + "_LIBADD"
        m = re.search(r"^" + re.escape(var) + r"\s*=\s*(.*)$", text, re.M)
        if m is None:
            continue
        for word in m.group(1).split():
            if word in LIBRARY:
                used = LIBRARY[word]
                if used not in allowed:
                    problems.append(f"{folder}/Makefile.inc: {lib} links {word}, but {folder}/ may use only "
                                    f"{', '.join(sorted(allowed - {folder}) or ['libc'])}")
            elif word in LIB_VARS:
                owners = DEPENDENCY_HEADERS[LIB_VARS[word]]
                if folder not in owners and not (owners & (allowed - {folder})):
                    problems.append(f"{folder}/Makefile.inc: {lib} links {word}, which {folder}/ may not use")

for p in problems:
    print("check-layers: " + p)
if problems:
    print(f"check-layers: {len(problems)} violation(s) of the layering (README.md, Layout)")
    sys.exit(1)
print("check-layers: every folder uses only the layers below it")
