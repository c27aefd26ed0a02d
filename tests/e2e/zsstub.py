# SPDX-License-Identifier: Apache-2.0
"""What the e2e stand-in servers (evilserver.py, holdserver.py) share: a
quiet request handler, and serving on a Unix socket that appears only
once it accepts."""
import http.server
import os
import socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing and names its peer "unix"."""

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"


def serve(path, handler):
    """Serve handler (a Handler class) on the Unix socket path until
    killed.

    Bound and listening under a temporary name, then renamed into place:
    a client that sees the path (zs_wait_path -S) can connect. Bound at
    the path itself, it existed a moment before listen() and a connect
    then was refused (client-escape.sh check 2, once under load).
    """
    tmp = path + ".tmp"
    for p in (path, tmp):
        if os.path.exists(p):
            os.unlink(p)
    server = socketserver.UnixStreamServer(tmp, handler)
    os.rename(tmp, path)
    server.serve_forever()
