#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Close a connection on one listener and at once open one on another.

Usage: conn-reuse.py ROUNDS CAFILE LISTENER...
LISTENER is unix:PATH or tls:HOST:PORT. For every ordered pair of
listeners, ROUNDS times: a GET /v1/health on the first, then (as soon as it
is closed, alternately by the server with "Connection: close" and by the
client right after the reply) one on the second, which must be answered
within TIMEOUT seconds. Prints one TAP-style summary line per pair:
"PAIR A -> B: N/ROUNDS answered" and exits 1 if any was not.
"""
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zshttp import read_reply  # noqa: E402

# Seconds the second request may take: a stalled one waits io_timeout.
TIMEOUT = 5.0


def connect(spec, ctx):
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(spec[5:])
        return s
    host, port = spec[4:].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    return ctx.wrap_socket(s, server_hostname=host)


def health(spec, ctx, close):
    """One request; True if a complete 200 reply came back in time."""
    s = connect(spec, ctx)
    try:
        hdr = "Connection: close\r\n" if close else ""
        s.sendall(("GET /v1/health HTTP/1.1\r\nHost: z\r\n%s\r\n" %
                   hdr).encode())
        status, _, _ = read_reply(s)
        if close:
            # The server closes first: wait for its end of the stream.
            while s.recv(65536):
                pass
        return status == 200
    except (OSError, ValueError):
        return False
    finally:
        s.close()


def main():
    rounds = int(sys.argv[1])
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    listeners = sys.argv[3:]
    bad = 0
    for a in listeners:
        for b in listeners:
            good = 0
            worst = 0.0
            for i in range(rounds):
                health(a, ctx, i % 2 == 0)
                t0 = time.monotonic()
                if health(b, ctx, False):
                    good += 1
                worst = max(worst, time.monotonic() - t0)
            print("PAIR %s -> %s: %d/%d answered, slowest %.0f ms" %
                  (a.split(":")[0] + a[-6:], b.split(":")[0] + b[-6:],
                   good, rounds, worst * 1000))
            if good != rounds:
                bad += 1
    sys.exit(1 if bad else 0)


main()
