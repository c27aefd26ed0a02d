#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Send N sign requests with no credentials over one kept-alive TLS
connection (a new one whenever the server closes it).

Usage: anon-flood.py HOST PORT CAFILE N
Prints "STATUS COUNT" for each status seen, one per line.
"""
import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zshttp import read_reply  # noqa: E402

BODY = b'{"tool":"imgtool","args":[],"files":{}}'


def connect(host, port, ctx):
    s = socket.create_connection((host, port), timeout=10)
    return ctx.wrap_socket(s, server_hostname=host)


def one(s):
    s.sendall(b"POST /v1/sign HTTP/1.1\r\nHost: z\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
    status, head, _ = read_reply(s)
    return status, b"connection: close" in head.lower()


def main():
    host, port, ca, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        int(sys.argv[4])
    ctx = ssl.create_default_context(cafile=ca)
    seen = {}
    s = connect(host, port, ctx)
    for _ in range(n):
        try:
            status, close = one(s)
        except OSError:
            status, close = 0, True
        seen[status] = seen.get(status, 0) + 1
        if close:
            s.close()
            s = connect(host, port, ctx)
    s.close()
    for k in sorted(seen):
        print(k, seen[k])


main()
