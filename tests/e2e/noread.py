#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Peers that send a sign request and never read the reply.

Usage: noread.py SOCKET REQUEST N RELEASE
Opens N connections to the Unix socket SOCKET, sends the POST /v1/sign in
the file REQUEST on each with the smallest receive buffer, reads nothing
until the file RELEASE exists (at most HOLD_MAX seconds), then drains
each connection and prints one line:
"refused R cut C complete K" -- R complete non-200 replies, C cut off
before the reply was whole, K whole 200 replies.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zshttp import read_reply  # noqa: E402

# Seconds to drain one connection after the hold.
DRAIN_TIMEOUT = 10.0
# Longest hold, should RELEASE never appear.
HOLD_MAX = 300


def drain(s):
    """'refused', 'cut' or 'complete' for one connection."""
    s.settimeout(DRAIN_TIMEOUT)
    try:
        status, _, _ = read_reply(s, keep=False)
    except OSError:
        return "cut"
    return "complete" if status == 200 else "refused"


def main():
    path, reqfile, n, release = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        sys.argv[4]
    body = open(reqfile, "rb").read()
    req = (b"POST /v1/sign HTTP/1.1\r\nHost: z\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
           % len(body)) + body
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(path)
        s.sendall(req)
        socks.append(s)
    t0 = time.monotonic()
    while not os.path.exists(release) and time.monotonic() - t0 < HOLD_MAX:
        time.sleep(0.1)
    counts = {"refused": 0, "cut": 0, "complete": 0}
    for s in socks:
        counts[drain(s)] += 1
        s.close()
    print("refused %d cut %d complete %d" %
          (counts["refused"], counts["cut"], counts["complete"]))


main()
