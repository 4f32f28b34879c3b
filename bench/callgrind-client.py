#!/usr/bin/env python3
"""callgrind-client.py - one raw-protocol client for bench/callgrind-hit.sh.

    callgrind-client.py SOCKET MODE N ID... [--pause]

Connects to cbcached's UNIX socket SOCKET (user postgres, database movies)
and runs the director lookup

    SELECT id, vname, nname, wohnort FROM regisseur WHERE id = $1

once for each ID (the untimed warm-up of this session), then N times
cycling through the IDs.  MODE is the protocol:

    simple    a Query message with the id as a literal
    extended  Parse (unnamed) + Bind + Execute + Sync per lookup
    prepared  the statement parsed once under a name; Bind + Execute + Sync
              per lookup (what pgbench -M prepared sends)

Every answer must be exactly one row with the asked id and no error.  With
--pause the client prints "ready" after the login, the Parse and the
warm-up and waits for a line on stdin before the N lookups, then prints
"done N SECONDS" and waits for another line before it says Terminate, so
that the caller can zero and dump the profiler's counters around the N
lookups alone (login, Parse and the client's exit are not in them).
Exit status 0, or 1 with a message on stderr.
"""
import socket
import struct
import sys
import time

SQL_PARAM = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = $1"
SQL_LITERAL = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = %d"


def msg(kind, body=b""):
    return kind + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(path)
        self.buf = b""

    def recv_msg(self):
        while True:
            if len(self.buf) >= 5:
                (n,) = struct.unpack("!I", self.buf[1:5])
                if len(self.buf) >= n + 1:
                    kind, body = self.buf[:1], self.buf[5:n + 1]
                    self.buf = self.buf[n + 1:]
                    return kind, body
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection")
            self.buf += chunk

    def until_ready(self):
        """The messages up to ReadyForQuery; an ErrorResponse is fatal."""
        out = []
        while True:
            kind, body = self.recv_msg()
            if kind == b"E":
                fields = [f[1:].decode(errors="replace") for f in body.split(b"\0") if f]
                raise RuntimeError("error from the server: " + " | ".join(fields))
            if kind == b"Z":
                return out
            out.append((kind, body))

    def login(self):
        body = struct.pack("!I", 196608) + cstr("user") + cstr("postgres") + cstr("database") + cstr("movies") + b"\0"
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        for kind, body in self.until_ready():
            if kind == b"R" and struct.unpack("!I", body[:4])[0] != 0:
                raise RuntimeError("the server asks for a password: run on a trusting cluster")

    def close(self):
        self.sock.sendall(msg(b"X"))
        self.sock.close()


def bind_execute(stmt, key):
    value = str(key).encode()
    bind = cstr("") + cstr(stmt) + struct.pack("!HHI", 0, 1, len(value)) + value + struct.pack("!H", 0)
    return msg(b"B", bind) + msg(b"E", cstr("") + struct.pack("!I", 0)) + msg(b"S")


def parse(stmt):
    return msg(b"P", cstr(stmt) + cstr(SQL_PARAM) + struct.pack("!H", 0))


def request(mode, key):
    if mode == "simple":
        return msg(b"Q", cstr(SQL_LITERAL % key))
    if mode == "extended":
        return parse("") + bind_execute("", key)
    return bind_execute("cgstmt", key)


def check_answer(answer, key):
    rows = [body for kind, body in answer if kind == b"D"]
    if len(rows) != 1:
        raise RuntimeError("id %d: %d rows, expected 1" % (key, len(rows)))
    body = rows[0]
    (nf, ln) = struct.unpack("!Hi", body[:6])
    if nf != 4 or ln < 0 or body[6:6 + ln] != str(key).encode():
        raise RuntimeError("id %d: the row is %r" % (key, body))


def main(argv):
    pause = "--pause" in argv
    args = [a for a in argv[1:] if a != "--pause"]
    if len(args) < 4 or args[1] not in ("simple", "extended", "prepared"):
        sys.stderr.write(__doc__)
        return 2
    path, mode, n = args[0], args[1], int(args[2])
    keys = [int(k) for k in args[3:]]
    c = Client(path)
    c.login()
    if mode == "prepared":
        c.sock.sendall(parse("cgstmt") + msg(b"S"))
        c.until_ready()
    for key in keys:
        c.sock.sendall(request(mode, key))
        check_answer(c.until_ready(), key)
    if pause:
        print("ready", flush=True)
        sys.stdin.readline()
    start = time.monotonic()
    for i in range(n):
        key = keys[i % len(keys)]
        c.sock.sendall(request(mode, key))
        check_answer(c.until_ready(), key)
    elapsed = time.monotonic() - start
    if pause:
        print("done %d %.3f" % (n, elapsed), flush=True)
        sys.stdin.readline()
    c.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (RuntimeError, OSError) as e:
        sys.stderr.write("callgrind-client.py: %s\n" % e)
        sys.exit(1)
