#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A hostile zsignd stand-in: every string it returns carries terminal
escapes (CSI, OSC, C1 CSI U+009B), a bidirectional override (U+202E) and
bytes that are not UTF-8 inside JSON-valid strings.

Usage: evilserver.py SOCKET   (serves until killed; SOCKET appears once
it accepts)
"""
import json
import sys

import zsstub

EVIL = "\x1b[2J\x1b]0;pwned\x07\u009b31m\u202e\x7f"


def reply(h, status, obj):
    body = json.dumps(obj).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class Handler(zsstub.Handler):
    def do_GET(self):
        if self.path == "/v1/health":
            reply(self, 200, {"status": "ok" + EVIL, "version": EVIL,
                              "keys": 1})
        elif self.path == "/v1/keys":
            reply(self, 200, {"keys": [{
                "name": "k" + EVIL, "type": "ed25519" + EVIL,
                "fingerprint": "SHA256:" + EVIL, "backend": EVIL,
                "available": True,
                "public_key_pem": "-----BEGIN PUBLIC KEY-----\n" + EVIL +
                "\n-----END PUBLIC KEY-----\n"}]})
        else:
            reply(self, 404, {"error": {"code": "not_found",
                                        "message": "no" + EVIL}})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        reply(self, 403, {"error": {"code": "forbidden",
                                    "message": "refused " + EVIL}})


zsstub.serve(sys.argv[1], Handler)
