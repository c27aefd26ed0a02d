#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A zsignd stand-in that holds each sign request until told to answer,
so that a test can change the input file while zsign-client waits.

It reads the whole binary request (PROTOCOL.md 5.8), creates DIR/got,
waits (at most 60 s) until DIR/go exists, removes both and answers in the
binary form: the output (the last argument) is "HEAD" followed by the
whole first file sent, as a range of that input.

Usage: holdserver.py SOCKET DIR   (serves until killed; SOCKET appears
once it accepts)
"""
import json
import os
import sys
import time

import zsstub

SOCK, DIR = sys.argv[1:3]


class Handler(zsstub.Handler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        head = json.loads(body[:body.index(b"\n")])
        name, length = next(iter(head["files"].items()))
        open(os.path.join(DIR, "got"), "w").close()
        go = os.path.join(DIR, "go")
        for _ in range(600):
            if os.path.exists(go):
                break
            time.sleep(0.1)
        os.unlink(go)
        os.unlink(os.path.join(DIR, "got"))
        reply = json.dumps({"files": {head["args"][-1]: [
            {"data": 4},
            {"input": name, "offset": 0, "length": length}]}}).encode()
        reply += b"\nHEAD"
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.zsign.v1+bin")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


zsstub.serve(SOCK, Handler)
